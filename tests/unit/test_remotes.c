/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/client/remotes.c: config.yml load/save and REMOTE:NAME parsing. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cert.h"
#include "file.h"
#include "remotes.h"

#include "conf_fixture.h"

static void test_missing_file_gives_local(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	const struct lxf_remote *l;

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(r->n, 1);
	l = lxf_remotes_find(r, "local");
	assert_non_null(l);
	assert_true(l->is_static);
	assert_string_equal(l->addr, "unix://");
	assert_string_equal(r->default_remote, "local");
	lxf_remotes_free(r);
}

static void test_round_trip_local_never_saved(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL, *r2 = NULL;
	const struct lxf_remote *h;
	char *text;

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "h1", "https://h1:8443", NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "s", "unix:///run/x.socket", NULL), 0);
	assert_int_equal(lxf_remotes_set_default(r, "h1", NULL), 0);
	assert_int_equal(lxf_remotes_save(r, NULL), 0);
	text = read_text(f->path);
	assert_null(strstr(text, "local"));
	assert_non_null(strstr(text, "default-remote: h1"));
	assert_non_null(strstr(text, "auth_type: tls"));
	free(text);

	assert_int_equal(lxf_remotes_load(f->dir, &r2, NULL), 0);
	assert_int_equal(r2->n, 3);
	assert_string_equal(r2->default_remote, "h1");
	h = lxf_remotes_find(r2, "h1");
	assert_non_null(h);
	assert_string_equal(h->addr, "https://h1:8443");
	assert_string_equal(h->protocol, "lxd");
	assert_string_equal(h->project, "default");
	assert_false(h->public);
	assert_false(h->is_static);
	assert_non_null(lxf_remotes_find(r2, "local"));
	lxf_remotes_free(r);
	lxf_remotes_free(r2);
}

static void test_lxd_format_read(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	const struct lxf_remote *h;

	write_file(f->path, "default-remote: h2\n"
			    "remotes:\n"
			    "  h2: {addr: \"https://10.0.0.2:8443\", auth_type: tls, project: p1,"
			    " protocol: lxd, public: true}\n"
			    "  local: {addr: \"unix:///elsewhere\"}\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	h = lxf_remotes_find(r, "h2");
	assert_non_null(h);
	assert_string_equal(h->project, "p1");
	assert_true(h->public);
	/* A saved "local" never overrides the built-in one. */
	assert_string_equal(lxf_remotes_find(r, "local")->addr, "unix://");
	lxf_remotes_free(r);
}

static void test_malformed_names_file_and_line(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	const char *bad = "default-remote: local\nremotes:\n  a: [1, 2\n  b: x\n";
	char *after;

	write_file(f->path, bad);
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_null(r);
	assert_non_null(strstr(err.msg, f->path));
	assert_non_null(strstr(err.msg, "line "));
	after = read_text(f->path);
	assert_string_equal(after, bad);
	free(after);

	write_file(f->path, "remotes:\n  a:\n    addr: ftp://x\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "ftp://x"));

	write_file(f->path, "default-remote: nowhere\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "nowhere"));
}

/* config.yml's "timeout:": read, kept by a save, refused when not 1..86400 s. */
static void test_timeout_key(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	long secs = 0;

	write_file(f->path, "default-remote: local\ntimeout: 12\nremotes: {}\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(r->timeout_secs, 12);
	assert_int_equal(lxf_remotes_add(r, "a", "unix:///a", NULL), 0);
	assert_int_equal(lxf_remotes_save(r, NULL), 0);
	lxf_remotes_free(r);
	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(r->timeout_secs, 12);
	lxf_remotes_free(r);
	r = NULL;

	write_file(f->path, "timeout: soon\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "bad timeout 'soon'"));
	assert_non_null(strstr(err.msg, f->path));
	assert_int_equal(lxf_remotes_parse_timeout("0", &secs, &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_parse_timeout("86401", &secs, &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_parse_timeout("3", &secs, &err), 0);
	assert_int_equal(secs, 3);
}

static void test_edits_and_errors(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "a", "unix:///a", NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "a", "unix:///b", &err), -LXF_EEXIST);
	assert_int_equal(lxf_remotes_add(r, "bad name", "unix:///b", &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_add(r, "b", "http://x", &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_add(r, "b", "unix:/rel", &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_remove(r, "local", &err), -LXF_EPERM);
	assert_int_equal(lxf_remotes_remove(r, "zz", &err), -LXF_ENOENT);
	assert_string_equal(err.msg, "remote 'zz' not found");
	assert_int_equal(lxf_remotes_set_default(r, "a", NULL), 0);
	assert_int_equal(lxf_remotes_rename(r, "a", "b", NULL), 0);
	assert_string_equal(r->default_remote, "b");
	assert_int_equal(lxf_remotes_set_url(r, "b", "https://h", NULL), 0);
	assert_string_equal(lxf_remotes_find(r, "b")->addr, "https://h");
	assert_int_equal(lxf_remotes_remove(r, "b", NULL), 0);
	assert_string_equal(r->default_remote, "local");
	assert_int_equal(r->n, 1);
	lxf_remotes_free(r);
}

static void test_atomic_write_failure_keeps_old(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct rlimit old, small = {.rlim_cur = 16, .rlim_max = RLIM_INFINITY};
	struct lxf_err err = {0};
	const char *orig = "default-remote: local\n";
	char *after;
	int rc;

	write_file(f->path, orig);
	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "h1", "https://a-long-host-name.example:8443", NULL),
			 0);
	/* Root ignores permissions: a file-size limit makes the write itself fail. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	(void)signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	rc = lxf_remotes_save(r, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_true(rc < 0);
	after = read_text(f->path);
	assert_string_equal(after, orig);
	free(after);
	lxf_remotes_free(r);
}

static void test_parse_arg(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	char *rem = NULL, *name = NULL;

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "h1", "https://h1", NULL), 0);

	assert_int_equal(lxf_remotes_parse_arg(r, "c1", &rem, &name, NULL), 0);
	assert_string_equal(rem, "local");
	assert_string_equal(name, "c1");
	free(rem);
	free(name);

	assert_int_equal(lxf_remotes_parse_arg(r, "h1:c2", &rem, &name, NULL), 0);
	assert_string_equal(rem, "h1");
	assert_string_equal(name, "c2");
	free(rem);
	free(name);

	assert_int_equal(lxf_remotes_parse_arg(r, "h1:", &rem, &name, NULL), 0);
	assert_string_equal(name, "");
	free(rem);
	free(name);

	assert_int_equal(lxf_remotes_parse_arg(r, "h1:/1.0/x:y", &rem, &name, NULL), 0);
	assert_string_equal(name, "/1.0/x:y");
	free(rem);
	free(name);

	assert_int_equal(lxf_remotes_parse_arg(r, "x:c1", &rem, &name, &err), -LXF_ENOENT);
	assert_string_equal(err.msg, "remote 'x' not found (remotes: local, h1)");
	assert_null(rem);
	assert_null(name);
	/* A near miss names the closest remote. */
	assert_int_equal(lxf_remotes_parse_arg(r, "h2:c1", &rem, &name, &err), -LXF_ENOENT);
	assert_string_equal(err.msg,
			    "remote 'h2' not found: did you mean 'h1'? (remotes: local, h1)");
	lxf_remotes_free(r);
}

/* A long list of remotes is cut after a whole name, with ", ..." (the message stays short). */
static void test_unknown_many(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	char name[32];

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "host-%02d", i);
		assert_int_equal(lxf_remotes_add(r, name, "https://h:8443", NULL), 0);
	}
	assert_int_equal(lxf_remotes_unknown(r, "host-7", &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "did you mean 'host-07'?"));
	assert_non_null(strstr(err.msg, ", ...)"));
	assert_null(strstr(err.msg, "host-39"));
	lxf_remotes_free(r);
}

/* aliases: is read, edited and written back; a remote edit keeps it. */
static void test_aliases_kept(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	char *text;

	write_file(f->path, "default-remote: local\n"
			    "aliases:\n  ll: list -c n\n  sh: exec @ARGS@ -- sh\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_string_equal(lxf_remotes_alias_get(r, "ll"), "list -c n");
	assert_null(lxf_remotes_alias_get(r, "nope"));
	assert_int_equal(lxf_remotes_alias_remove(r, "nope", &err), -LXF_ENOENT);
	assert_int_equal(lxf_remotes_alias_remove(r, "sh", NULL), 0);
	assert_int_equal(lxf_remotes_alias_set(r, "st", "list status=running", NULL), 0);
	assert_int_equal(lxf_remotes_add(r, "h1", "https://h1:8443", NULL), 0);
	assert_int_equal(lxf_remotes_save(r, NULL), 0);
	lxf_remotes_free(r);
	text = read_text(f->path);
	assert_non_null(strstr(text, "ll: list -c n"));
	assert_non_null(strstr(text, "st: list status=running"));
	assert_null(strstr(text, "sh:"));
	assert_non_null(strstr(text, "h1:"));
	free(text);
	/* Not a mapping of strings: refused, naming the alias. */
	write_file(f->path, "aliases:\n  bad: [a, b]\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "alias 'bad'"));
}

static void test_socket_path(void **state)
{
	struct lxf_remote rem = {.name = "local", .addr = "unix://"};
	char buf[256];

	(void)state;
	setenv("LXF_DIR", "/run/lxf-test", 1);
	assert_int_equal(lxf_remote_socket_path(&rem, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "/run/lxf-test/unix.socket");
	unsetenv("LXF_DIR");
	assert_int_equal(lxf_remote_socket_path(&rem, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "/var/lib/lxf/unix.socket");
	rem.addr = "unix:///var/lib/lxd/unix.socket";
	assert_int_equal(lxf_remote_socket_path(&rem, buf, sizeof(buf), NULL), 0);
	assert_string_equal(buf, "/var/lib/lxd/unix.socket");
	rem.addr = "https://h";
	assert_int_equal(lxf_remote_socket_path(&rem, buf, sizeof(buf), NULL), -LXF_EINVAL);
}

/* A token as LXD 5.0 encodes one (Go's json.Marshal, standard base64). */
#define TOKEN_LXD                                                                                  \
	"eyJjbGllbnRfbmFtZSI6ImFsaWNlIiwiZmluZ2VycHJpbnQiOiJhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh" \
	"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhIiwiYWRkcmVzc2VzIjpbIjEwLjAuMC4xOjg0NDMi" \
	"LCJbZmQwMDo6MV06ODQ0MyJdLCJzZWNyZXQiOiJzM2NyZXQiLCJleHBpcmVzX2F0IjoiMjAzMC0wMS0wMlQwMzow" \
	"NDowNVoifQ=="
/* The same without a secret. */
#define TOKEN_NO_SECRET                                                                            \
	"eyJjbGllbnRfbmFtZSI6ICJhbGljZSIsICJmaW5nZXJwcmludCI6ICJhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh" \
	"YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhIiwgImFkZHJlc3NlcyI6IFsiMTAuMC4wLjE6" \
	"ODQ0MyJdfQ=="

static void test_token_decode_lxd(void **state)
{
	struct lxf_token t = {0}, t2 = {0};
	struct lxf_err err = {0};
	char *enc = NULL;

	(void)state;
	assert_int_equal(lxf_token_decode(TOKEN_LXD, &t, &err), 0);
	assert_string_equal(t.client_name, "alice");
	assert_int_equal(strlen(t.fingerprint), 64);
	assert_int_equal(t.naddresses, 2);
	assert_string_equal(t.addresses[0], "10.0.0.1:8443");
	assert_string_equal(t.addresses[1], "[fd00::1]:8443");
	assert_string_equal(t.secret, "s3cret");
	assert_string_equal(t.expires_at, "2030-01-02T03:04:05Z");
	/* Our encoding decodes back to the same token. */
	assert_int_equal(lxf_token_encode(&t, &enc, &err), 0);
	assert_int_equal(lxf_token_decode(enc, &t2, &err), 0);
	assert_string_equal(t2.client_name, "alice");
	assert_string_equal(t2.secret, "s3cret");
	assert_string_equal(t2.addresses[1], "[fd00::1]:8443");
	assert_memory_equal(t2.fingerprint, t.fingerprint, 65);
	free(enc);
	lxf_token_fini(&t);
	lxf_token_fini(&t2);
	lxf_token_fini(&t2); /* idempotent */
}

static void test_token_decode_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "https://h1:8443",
	    "h1",
	    "eyJ",
	    "eyJjbGllbnRfbmFtZSI6ImFsaWNlIn0",  /* no padding */
	    "eyJjbGllbnRfbmFtZSI6ImFsaWNlIn0=", /* no fields */
	    "bm90IGpzb24=",                     /* not JSON */
	};
	struct lxf_token t = {0};
	struct lxf_err err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lxf_token_decode(bad[i], &t, &err), -LXF_EINVAL);
		assert_true(err.msg[0] != '\0');
		assert_null(t.client_name);
	}
	assert_int_equal(lxf_token_decode(TOKEN_NO_SECRET, &t, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "secret"));
	/* URL-safe base64 is not LXD's. */
	assert_int_equal(lxf_token_decode("eyJ_-A==", &t, &err), -LXF_EINVAL);
}

static void test_client_cert(void **state)
{
	struct fixture *f = *state;
	struct lxf_buf a = {0}, b = {0};
	char crt[128], key[128];
	unsigned char *der = NULL;
	size_t len = 0;
	char fp[LXF_FP_HEX_LEN + 1];
	struct stat st;
	bool created = false;

	snprintf(crt, sizeof(crt), "%s/client.crt", f->dir);
	snprintf(key, sizeof(key), "%s/client.key", f->dir);
	assert_int_equal(lxf_cert_ensure_client(f->dir, &created, NULL), 0);
	assert_true(created);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	lxf_buf_init(&a, 1 << 16);
	lxf_buf_init(&b, 1 << 16);
	assert_int_equal(lxf_file_read(crt, 1 << 16, &a, NULL), 0);
	assert_non_null(strstr(lxf_buf_str(&a), "BEGIN CERTIFICATE"));
	/* Second use: kept as is. */
	assert_int_equal(lxf_cert_ensure_client(f->dir, &created, NULL), 0);
	assert_false(created);
	assert_int_equal(lxf_file_read(crt, 1 << 16, &b, NULL), 0);
	assert_string_equal(lxf_buf_str(&a), lxf_buf_str(&b));
	assert_int_equal(lxf_cert_load_der(crt, &der, &len, NULL), 0);
	lxf_cert_fingerprint(der, len, fp);
	assert_int_equal(strspn(fp, "0123456789abcdef"), 64);
	free(der);
	/* A key without its certificate is never papered over. */
	assert_int_equal(unlink(crt), 0);
	assert_int_equal(lxf_cert_ensure_client(f->dir, NULL, NULL), -LXF_EINVAL);
	assert_int_equal(access(crt, F_OK), -1);
	/* Not a certificate. */
	assert_int_equal(lxf_cert_load_der(key, &der, &len, NULL), -LXF_EINVAL);
	assert_null(der);
	unlink(key);
	lxf_buf_fini(&a);
	lxf_buf_fini(&b);
}

static void test_add_ex_and_pin_path(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL, *r2 = NULL;
	const struct lxf_remote *rem;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char path[256], bogus[160];

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(
	    lxf_remotes_add_ex(r, "imp", "https://h9:8443", "lxd", "p1", "tls", true, NULL), 0);
	assert_int_equal(
	    lxf_remotes_add_ex(r, "imp", "https://h9:8443", NULL, NULL, NULL, false, &err),
	    -LXF_EEXIST);
	assert_int_equal(lxf_remotes_save(r, NULL), 0);
	assert_int_equal(lxf_remotes_load(f->dir, &r2, NULL), 0);
	rem = lxf_remotes_find(r2, "imp");
	assert_non_null(rem);
	assert_string_equal(rem->project, "p1");
	assert_true(rem->public);
	assert_int_equal(lxf_remotes_servercert_path(r2, "imp", path, sizeof(path), NULL), 0);
	snprintf(bogus, sizeof(bogus), "%s/servercerts/imp.crt", f->dir);
	assert_string_equal(path, bogus);
	/* A pinned file that holds no certificate: no client, a clear error. */
	snprintf(bogus, sizeof(bogus), "%s/servercerts", f->dir);
	assert_int_equal(lxf_mkdir_p(bogus, 0700, NULL), 0);
	assert_int_equal(lxf_file_write_atomic(path, "junk\n", 5, 0644, NULL), 0);
	assert_int_equal(lxf_remotes_client(r2, rem, &c, &err), -LXF_EINVAL);
	assert_null(c);
	assert_non_null(strstr(err.msg, "pinned server certificate"));
	unlink(path);
	rmdir(bogus);
	snprintf(bogus, sizeof(bogus), "%s/client.crt", f->dir);
	unlink(bogus);
	snprintf(bogus, sizeof(bogus), "%s/client.key", f->dir);
	unlink(bogus);
	lxf_remotes_free(r);
	lxf_remotes_free(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_missing_file_gives_local, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip_local_never_saved, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lxd_format_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_names_file_and_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_edits_and_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_atomic_write_failure_keeps_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_arg, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_aliases_kept, setup, teardown),
	    cmocka_unit_test(test_socket_path),
	    cmocka_unit_test(test_token_decode_lxd),
	    cmocka_unit_test(test_token_decode_bad),
	    cmocka_unit_test_setup_teardown(test_client_cert, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_add_ex_and_pin_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeout_key, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
