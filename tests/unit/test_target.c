/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for cli/target.c's decisions: where an unqualified instance
 * name is (one, several, no remote), the default remote for new names,
 * and the fleet's membership rule (cli/fleet.c).
 */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fleet.h"
#include "target.h"

static void test_pick_one(void **state)
{
	const char *found[] = {"h2"}, *searched[] = {"h1", "h2", "h3"}, *out = NULL;
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_target_pick("c1", found, 1, searched, 3, NULL, 0, &out, &err), 0);
	assert_string_equal(out, "h2");
}

static void test_pick_several(void **state)
{
	const char *found[] = {"h1", "h2", "h3"}, *out = NULL;
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_target_pick("c1", found, 3, found, 3, NULL, 0, &out, &err),
			 -LXF_EUSAGE);
	assert_null(out);
	assert_string_equal(err.msg, "c1 is on h1, h2, h3: use h1:c1");
}

static void test_pick_none(void **state)
{
	const char *searched[] = {"h1", "h2"}, *failed[] = {"h2"}, *out = NULL;
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_target_pick("web", NULL, 0, searched, 2, NULL, 0, &out, &err),
			 -LXF_ENOENT);
	assert_string_equal(err.msg, "instance 'web' not found on h1, h2");
	assert_int_equal(lxf_target_pick("web", NULL, 0, searched, 2, failed, 1, &out, &err),
			 -LXF_ENOENT);
	assert_string_equal(err.msg, "instance 'web' not found on h1, h2 (h2 did not answer)");
	assert_int_equal(lxf_target_pick("web", NULL, 0, NULL, 0, NULL, 0, &out, &err),
			 -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "no remote to look for 'web'"));
}

/* A configuration in a fresh directory; LXF_DIR without a socket: no local lxfd. */
static struct lxf_remotes *load(const char *yml)
{
	char dir[] = "/tmp/lxf-test-target-XXXXXX", path[64];
	struct lxf_remotes *r = NULL;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/config.yml", dir);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fputs(yml, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(setenv("LXF_DIR", dir, 1), 0);
	assert_int_equal(lxf_remotes_load(dir, &r, NULL), 0);
	assert_int_equal(unlink(path), 0);
	return r;
}

static void test_default_remote(void **state)
{
	struct lxf_remotes *r =
	    load("default-remote: local\nremotes:\n  h1: {addr: 'unix:///nonexistent/1'}\n"
		 "  h2: {addr: 'unix:///nonexistent/2'}\n"
		 "  images: {addr: 'https://images.example', protocol: simplestreams, public: "
		 "true}\n");
	const char *out = NULL;
	struct lxf_err err = {0};
	char buf[128];

	(void)state;
	/* local has no socket: not a member, and not a default to use. */
	assert_false(lxf_fleet_member(lxf_remotes_find(r, "local")));
	assert_true(lxf_fleet_member(lxf_remotes_find(r, "h1")));
	assert_false(lxf_fleet_member(lxf_remotes_find(r, "images")));
	lxf_target_members(r, buf, sizeof(buf));
	assert_string_equal(buf, "h1, h2");
	assert_int_equal(lxf_cmd_default_remote(r, &out, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "one of h1, h2"));
	/* A default the user chose is used as LXD does, answering or not. */
	assert_int_equal(lxf_remotes_set_default(r, "h2", &err), 0);
	assert_int_equal(lxf_cmd_default_remote(r, &out, &err), 0);
	assert_string_equal(out, "h2");
	lxf_remotes_free(r);
	assert_int_equal(unsetenv("LXF_DIR"), 0);
}

/* The built-in local with a socket at LXF_DIR/unix.socket: an lxfd runs here, so it is. */
static void test_local_member(void **state)
{
	struct lxf_remotes *r = load("remotes:\n  h1: {addr: 'unix:///nonexistent/1'}\n");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *out = NULL;
	struct lxf_err err = {0};
	const char *env = getenv("LXF_DIR");
	char buf[128], dir[64];
	int fd;

	(void)state;
	assert_non_null(env);
	(void)snprintf(dir, sizeof(dir), "%s", env ? env : "");
	assert_false(lxf_fleet_member(lxf_remotes_find(r, "local")));
	(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/unix.socket", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_true(lxf_fleet_member(lxf_remotes_find(r, "local")));
	lxf_target_members(r, buf, sizeof(buf));
	assert_string_equal(buf, "local, h1");
	/* The default, local, is used: it is there. */
	assert_int_equal(lxf_cmd_default_remote(r, &out, &err), 0);
	assert_string_equal(out, "local");
	assert_int_equal(close(fd), 0);
	assert_int_equal(unlink(sa.sun_path), 0);
	assert_int_equal(rmdir(dir), 0);
	lxf_remotes_free(r);
	assert_int_equal(unsetenv("LXF_DIR"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pick_one),     cmocka_unit_test(test_pick_several),
	    cmocka_unit_test(test_pick_none),    cmocka_unit_test(test_default_remote),
	    cmocka_unit_test(test_local_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
