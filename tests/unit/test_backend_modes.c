/* SPDX-License-Identifier: Apache-2.0 */
/* backend_modes.c: old 0711/0755 directories come out as the rule says. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "file.h"

#define SHIFTED 1000000

static char top[64];

static void path(char *buf, size_t n, const char *leaf)
{
	assert_true(snprintf(buf, n, "%s/%s", top, leaf) < (int)n);
}

static void make(const char *leaf, mode_t mode, uid_t uid)
{
	char p[PATH_MAX];

	path(p, sizeof(p), leaf);
	assert_int_equal(lxf_mkdir_p(p, 0755, NULL), 0);
	assert_int_equal(chown(p, uid, uid), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void expect(const char *leaf, mode_t mode, uid_t uid)
{
	char p[PATH_MAX];
	struct stat st;

	path(p, sizeof(p), leaf);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, uid);
}

static void test_fix_old_modes(void **state)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct lxf_err err;

	(void)state;
	if (geteuid() != 0 || access("/usr/share/lxc/config/common.conf", R_OK) != 0) {
		skip(); /* chown, and backend_init wants liblxc's config */
		return;
	}
	snprintf(top, sizeof(top), "/tmp/lxf-modes-XXXXXX");
	assert_non_null(mkdtemp(top));
	assert_int_equal(backend_init(top, &err), 0);
	/* As lxfd before issue #14 left them. */
	make("containers/priv/rootfs", 0755, 0);
	make("containers/unpriv/rootfs", 0755, SHIFTED);
	make("containers/unpriv", 0711, 0);
	make("containers/priv", 0711, 0);
	make("containers/bare", 0711, SHIFTED); /* no rootfs (yet): root's */
	make("snapshots/priv/s0/rootfs", 0755, 0);
	make("snapshots", 0755, 0);
	make("images", 0711, 0);
	make("logs", 0711, 0);
	make("elsewhere", 0755, SHIFTED);
	path(p, sizeof(p), "elsewhere");
	path(q, sizeof(q), "containers/link");
	assert_int_equal(symlink(p, q), 0);

	assert_int_equal(backend_modes_fix(&err), 0);
	expect("containers", 0711, 0);
	expect("containers/priv", 0100, 0);
	expect("containers/priv/rootfs", 0755, 0);
	expect("containers/unpriv", 0100, SHIFTED);
	expect("containers/unpriv/rootfs", 0755, SHIFTED);
	expect("containers/bare", 0100, 0);
	expect("elsewhere", 0755, SHIFTED); /* a symlink is not followed */
	expect("snapshots", 0700, 0);
	expect("snapshots/priv/s0/rootfs", 0755, 0);
	expect("images", 0700, 0);
	expect("logs", 0700, 0);

	/* One instance, after its rootfs changed owner (a migration's shift). */
	make("containers/unpriv/rootfs", 0755, SHIFTED + 5);
	assert_int_equal(backend_modes_instance("unpriv", &err), 0);
	expect("containers/unpriv", 0100, SHIFTED + 5);
	assert_int_equal(backend_modes_instance("../elsewhere", &err), -LXF_EINVAL);
	assert_int_equal(backend_modes_instance("missing", &err), -LXF_EIO);
	assert_non_null(strstr(err.msg, "containers/missing"));
	assert_int_equal(lxf_rm_rf(top, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fix_old_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
