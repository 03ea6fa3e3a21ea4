/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lazy-loading layer (common/client/lazy.h): lxf starts without
 * libcurl, libwebsockets, OpenSSL or libedit, and opens them when a command
 * needs them. `lxf version` with no server, `lxf --help` and a usage error
 * must load none of them (glibc's LD_DEBUG=files lists every object the
 * process loads); and a call through the layer reaches libcurl with its
 * arguments intact, variadic options included.
 */
#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "file.h"

static const char *const heavy[] = {"libcurl", "libwebsockets", "libssl", "libcrypto", "libedit"};

/* Runs lxf with argv under LD_DEBUG=files; the objects it loaded, as
 * glibc's trace (malloc'ed). */
static char *loaded_by(char *const argv[])
{
	char dir[] = "/tmp/lxf-test-lazy.XXXXXX", path[512], *text;
	const char *bin = getenv("LXF_BIN");
	struct lxf_err err = {0};
	struct lxf_buf b;
	pid_t pid;
	int st = -1;

	if (!bin)
		bin = "LXF_BIN is not set"; /* execv fails: exit 127, the test fails */
	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)snprintf(path, sizeof(path), "%s/ld", dir);
		(void)setenv("LD_DEBUG", "files", 1);
		(void)setenv("LD_DEBUG_OUTPUT", path, 1);
		(void)setenv("LXF_CONF", dir, 1);
		(void)snprintf(path, sizeof(path), "%s/no-local", dir);
		(void)setenv("LXF_DIR", path, 1);
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		execv(bin, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) < 126);
	(void)snprintf(path, sizeof(path), "%s/ld.%d", dir, (int)pid);
	lxf_buf_init(&b, 0);
	assert_int_equal(lxf_file_read(path, 1 << 20, &b, &err), 0);
	text = strdup(lxf_buf_str(&b));
	assert_non_null(text);
	lxf_buf_fini(&b);
	(void)unlink(path);
	(void)rmdir(dir);
	return text;
}

static void assert_nothing_heavy(char *const argv[])
{
	char *text = loaded_by(argv);

	/* The trace names what it loads: a sanity check that it traced at all. */
	assert_non_null(strstr(text, "libc.so"));
	for (size_t i = 0; i < sizeof(heavy) / sizeof(heavy[0]); i++) {
		if (strstr(text, heavy[i]))
			fail_msg("lxf %s loaded %s", argv[1], heavy[i]);
	}
	free(text);
}

static void test_version_loads_nothing_heavy(void **state)
{
	char *const argv[] = {"lxf", "version", NULL};

	(void)state;
	assert_nothing_heavy(argv);
}

static void test_help_loads_nothing_heavy(void **state)
{
	char *const argv[] = {"lxf", "--help", NULL};

	(void)state;
	assert_nothing_heavy(argv);
}

static void test_usage_error_loads_nothing_heavy(void **state)
{
	char *const argv[] = {"lxf", "list", "--no-such-flag", NULL};

	(void)state;
	assert_nothing_heavy(argv);
}

/* Each CURLOPTTYPE range through the variadic stub: the value curl keeps
 * is the one given (CURLOPT_PRIVATE comes back through getinfo). */
static void test_curl_setopt_ranges(void **state)
{
	static const char pem[] = "not a certificate";
	struct curl_blob blob = {(void *)pem, sizeof(pem) - 1, CURL_BLOB_COPY};
	CURL *h = curl_easy_init();
	char *priv = NULL;
	int mark = 0;

	(void)state;
	assert_non_null(h);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1500L), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_PRIVATE, (void *)&mark), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fwrite), CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)1 << 40),
			 CURLE_OK);
	assert_int_equal(curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob), CURLE_OK);
	/* A negative size is refused: the value arrived as a curl_off_t. */
	assert_int_equal(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)-2),
			 CURLE_BAD_FUNCTION_ARGUMENT);
	assert_int_equal(curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv), CURLE_OK);
	assert_ptr_equal(priv, (char *)&mark);
	curl_easy_cleanup(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_loads_nothing_heavy),
	    cmocka_unit_test(test_help_loads_nothing_heavy),
	    cmocka_unit_test(test_usage_error_loads_nothing_heavy),
	    cmocka_unit_test(test_curl_setopt_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
