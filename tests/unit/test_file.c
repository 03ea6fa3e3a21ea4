/* SPDX-License-Identifier: Apache-2.0 */
/* file.c: capped reads, atomic replacement, mkdir -p, rm -rf without following links. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"

struct fx {
	char dir[64];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	(void)snprintf(fx->dir, sizeof(fx->dir), "/tmp/lxf-test-file.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	struct lxf_err err;

	lxf_rm_rf(fx->dir, &err);
	free(fx);
	return 0;
}

static void path_in(const struct fx *fx, const char *name, char *out)
{
	(void)snprintf(out, PATH_MAX, "%s/%s", fx->dir, name);
}

static void put(const char *path, const char *content)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	(void)fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static int count_entries(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, needle))
			n++;
	closedir(d);
	return n;
}

static void test_read(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX];
	struct lxf_buf b;
	struct lxf_err err;

	path_in(fx, "f", p);
	put(p, "hello\nworld\n");
	lxf_buf_init(&b, 0);
	lxf_buf_adds(&b, ">");
	assert_int_equal(lxf_file_read(p, 100, &b, &err), 0);
	assert_string_equal(lxf_buf_str(&b), ">hello\nworld\n");

	/* Over the cap: refused, buffer unchanged. */
	assert_int_equal(lxf_file_read(p, 5, &b, &err), -LXF_ETOOBIG);
	assert_int_equal(err.code, LXF_ETOOBIG);
	assert_string_equal(lxf_buf_str(&b), ">hello\nworld\n");

	path_in(fx, "missing", p);
	assert_int_equal(lxf_file_read(p, 100, &b, &err), -LXF_ENOENT);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.msg, "missing"));
	assert_int_equal(lxf_file_read(fx->dir, 100, &b, &err), -LXF_EIO);
	assert_string_equal(lxf_buf_str(&b), ">hello\nworld\n");
	lxf_buf_fini(&b);

	/* Files whose size is not known up front (procfs) are capped while reading. */
	lxf_buf_init(&b, 0);
	assert_int_equal(lxf_file_read("/proc/self/status", 10, &b, &err), -LXF_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(lxf_file_read("/proc/self/status", 1 << 20, &b, &err), 0);
	assert_non_null(strstr(lxf_buf_str(&b), "Pid:"));
	lxf_buf_fini(&b);
}

static void test_write_atomic(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX];
	struct lxf_buf b;
	struct lxf_err err;
	struct stat st;

	path_in(fx, "conf.yml", p);
	put(p, "old content that is longer\n");
	assert_int_equal(lxf_file_write_atomic(p, "new\n", 4, 0600, &err), 0);
	lxf_buf_init(&b, 0);
	assert_int_equal(lxf_file_read(p, 1024, &b, &err), 0);
	assert_string_equal(lxf_buf_str(&b), "new\n");
	lxf_buf_fini(&b);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_entries(fx->dir, ".tmp."), 0);

	/* Creating a new file works too, and an empty write gives an empty file. */
	path_in(fx, "empty", p);
	assert_int_equal(lxf_file_write_atomic(p, "", 0, 0644, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(count_entries(fx->dir, ".tmp."), 0);
}

static void test_write_atomic_fails_cleanly(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX];
	struct lxf_err err;

	path_in(fx, "nodir/x", p);
	assert_int_equal(lxf_file_write_atomic(p, "x", 1, 0600, &err), -LXF_EIO);
	assert_int_equal(err.code, LXF_EIO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_int_equal(access(p, F_OK), -1);

	/* A read-only place: root ignores mode bits, so use procfs there. */
	if (geteuid() == 0) {
		assert_int_equal(lxf_file_write_atomic("/proc/lxf-test", "x", 1, 0600, &err),
				 -LXF_EIO);
		assert_int_equal(access("/proc/lxf-test", F_OK), -1);
	} else {
		char ro[PATH_MAX];

		path_in(fx, "ro", ro);
		assert_int_equal(mkdir(ro, 0500), 0);
		path_in(fx, "ro/x", p);
		assert_int_equal(lxf_file_write_atomic(p, "x", 1, 0600, &err), -LXF_EIO);
		assert_int_equal(count_entries(ro, "x"), 0);
		chmod(ro, 0700);
	}

	/* Target is a directory: rename fails, the temp file is removed. */
	path_in(fx, "adir", p);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(lxf_file_write_atomic(p, "x", 1, 0600, &err), -LXF_EIO);
	assert_int_equal(count_entries(fx->dir, ".tmp."), 0);
}

/* A download's file: absent under its name until committed; removed when abandoned. */
static void test_tmp(void **state)
{
	struct fx *fx = *state;
	struct lxf_file_tmp t;
	char p[PATH_MAX];
	struct lxf_buf b;
	struct lxf_err err;
	struct stat st;

	path_in(fx, "dl", p);
	assert_int_equal(lxf_file_tmp_open(&t, "%s.part-", p), 0);
	assert_true(t.fd >= 0);
	assert_int_equal(write(t.fd, "data", 4), 4);
	assert_int_equal(count_entries(fx->dir, "dl.part-"), 1);
	assert_int_not_equal(stat(p, &st), 0);
	assert_int_equal(lxf_file_tmp_commit(&t, 0640, p), 0);
	lxf_file_tmp_fini(&t); /* nothing left to do */
	assert_int_equal(count_entries(fx->dir, "dl.part-"), 0);
	lxf_buf_init(&b, 0);
	assert_int_equal(lxf_file_read(p, 1024, &b, &err), 0);
	assert_string_equal(lxf_buf_str(&b), "data");
	lxf_buf_fini(&b);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* Abandoned, or the rename refused (a directory in the way): no file stays behind. */
	assert_int_equal(lxf_file_tmp_open(&t, "%s.part-", p), 0);
	lxf_file_tmp_fini(&t);
	assert_int_equal(count_entries(fx->dir, "dl.part-"), 0);
	path_in(fx, "adir", p);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(lxf_file_tmp_open(&t, "%s/x-", fx->dir), 0);
	assert_int_equal(lxf_file_tmp_commit(&t, -1, p), -1);
	assert_int_equal(errno, EISDIR);
	assert_non_null(t.path);
	lxf_file_tmp_fini(&t);
	assert_int_equal(count_entries(fx->dir, "x-"), 0);
	assert_int_equal(lxf_file_tmp_open(&t, "%s/missing/x-", fx->dir), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(t.path);
}

static void test_mkdir_p(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX];
	struct lxf_err err;
	struct stat st;

	mode_t old_umask = umask(022);

	path_in(fx, "a/b//c/", p);
	assert_int_equal(lxf_mkdir_p(p, 0711, &err), 0);
	umask(old_umask);
	path_in(fx, "a/b/c", p);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0711);
	path_in(fx, "a", p);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0711);
	/* Existing is fine. */
	assert_int_equal(lxf_mkdir_p(p, 0700, &err), 0);
	/* A file in the way fails. */
	path_in(fx, "file", p);
	put(p, "x");
	path_in(fx, "file/sub", p);
	assert_int_equal(lxf_mkdir_p(p, 0700, &err), -LXF_EIO);
	assert_int_equal(err.code, LXF_EIO);
	assert_int_equal(lxf_mkdir_p("", 0700, &err), -LXF_EIO);
}

static void test_rm_rf(void **state)
{
	struct fx *fx = *state;
	char p[PATH_MAX], outside[PATH_MAX], victim[PATH_MAX], tree[PATH_MAX];
	struct lxf_err err;
	struct stat st;

	/* outside/ holds a file that must survive; tree/ links to it in two ways. */
	path_in(fx, "outside", outside);
	assert_int_equal(mkdir(outside, 0700), 0);
	path_in(fx, "outside/keep", victim);
	put(victim, "precious");
	path_in(fx, "tree", tree);
	path_in(fx, "tree/d1/d2/d3", p);
	assert_int_equal(lxf_mkdir_p(p, 0700, &err), 0);
	path_in(fx, "tree/d1/d2/d3/f", p);
	put(p, "x");
	path_in(fx, "tree/d1/f", p);
	put(p, "y");
	path_in(fx, "tree/d1/link-dir", p);
	assert_int_equal(symlink(outside, p), 0);
	path_in(fx, "tree/d1/d2/link-file", p);
	assert_int_equal(symlink(victim, p), 0);
	path_in(fx, "tree/fifo", p);
	assert_int_equal(mkfifo(p, 0600), 0);
	path_in(fx, "tree/d1/d2/ro", p);
	assert_int_equal(mkdir(p, 0500), 0);

	assert_int_equal(lxf_rm_rf(tree, &err), 0);
	assert_int_equal(lstat(tree, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 8);

	/* Missing is fine; a symlink given directly is removed, not followed. */
	assert_int_equal(lxf_rm_rf(tree, &err), 0);
	path_in(fx, "toplink", p);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(lxf_rm_rf(p, &err), 0);
	assert_int_equal(lstat(p, &st), -1);
	assert_int_equal(stat(victim, &st), 0);
	/* A plain file. */
	assert_int_equal(lxf_rm_rf(victim, &err), 0);
	assert_int_equal(access(victim, F_OK), -1);
	/* Never the root. */
	assert_int_equal(lxf_rm_rf("/", &err), -LXF_EIO);
	assert_int_equal(lxf_rm_rf("//", &err), -LXF_EIO);
	assert_int_equal(lxf_rm_rf("", &err), -LXF_EIO);
}

/* A mount inside the tree is not descended into (needs root for mount(2)). */
static void test_rm_rf_one_filesystem(void **state)
{
	struct fx *fx = *state;
	char mnt[PATH_MAX], inside[PATH_MAX], tree[PATH_MAX];
	struct lxf_err err;
	int ret;

	path_in(fx, "tree", tree);
	path_in(fx, "tree/mnt", mnt);
	assert_int_equal(lxf_mkdir_p(mnt, 0700, &err), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0)
		skip();
	path_in(fx, "tree/mnt/keep", inside);
	put(inside, "x");
	ret = lxf_rm_rf(tree, &err);
	assert_int_equal(access(inside, F_OK), 0);
	assert_int_equal(umount(mnt), 0);
	assert_int_equal(ret, -LXF_EIO);
	assert_non_null(strstr(err.msg, "another filesystem"));
	assert_int_equal(lxf_rm_rf(tree, &err), 0);
	assert_int_equal(access(tree, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_atomic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_atomic_fails_cleanly, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tmp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rm_rf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rm_rf_one_filesystem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
