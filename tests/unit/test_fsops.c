/* SPDX-License-Identifier: Apache-2.0 */
/* fsops.c: every path stays inside the root, whatever the links say. */
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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"
#include "fsops.h"

struct fx {
	char top[64];     /* the "host": top/outside and top/root */
	char root[96];    /* the container's rootfs */
	char outside[96]; /* a host dir next to it */
	int rootfd;
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void at(char *buf, size_t n, const char *dir, const char *leaf)
{
	assert_true(snprintf(buf, n, "%s/%s", dir, leaf) < (int)n);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char p[256], q[256];

	assert_non_null(fx);
	*state = fx;
	snprintf(fx->top, sizeof(fx->top), "/tmp/lxf-fsops-XXXXXX");
	assert_non_null(mkdtemp(fx->top));
	snprintf(fx->root, sizeof(fx->root), "%s/root", fx->top);
	snprintf(fx->outside, sizeof(fx->outside), "%s/outside", fx->top);
	assert_int_equal(mkdir(fx->root, 0755), 0);
	assert_int_equal(mkdir(fx->outside, 0755), 0);
	at(p, sizeof(p), fx->outside, "secret");
	put(p, "HOST");
	at(p, sizeof(p), fx->root, "etc");
	assert_int_equal(mkdir(p, 0755), 0);
	at(p, sizeof(p), fx->root, "etc/shadow");
	put(p, "INSIDE");
	at(p, sizeof(p), fx->root, "secret");
	put(p, "INSIDE-SECRET");
	at(p, sizeof(p), fx->root, "etc/evil");
	assert_int_equal(symlink("/etc/shadow", p), 0);
	at(p, sizeof(p), fx->root, "abs");
	assert_int_equal(symlink(fx->outside, p), 0);
	at(p, sizeof(p), fx->root, "up");
	assert_int_equal(symlink("../../../../../../..", p), 0);
	at(p, sizeof(p), fx->root, "dangle");
	at(q, sizeof(q), fx->outside, "new");
	assert_int_equal(symlink(q, p), 0);
	fx->rootfd = open(fx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	close(fx->rootfd);
	lxf_rm_rf(fx->top, NULL);
	free(fx);
	return 0;
}

static const struct fsops_attr keep = {
    .uid = -1, .gid = -1, .def_uid = -1, .def_gid = -1, .mode = -1};

/* Reads path through fsops into buf; returns the fsops code. */
static int read_text(struct fx *fx, const char *path, char *buf, size_t n)
{
	struct lxf_err err;
	struct stat st;
	int pfd = -1, fd = -1, ret;
	ssize_t len;

	ret = fsops_lookup(fx->rootfd, path, &pfd, &st, &err);
	if (ret < 0)
		return ret;
	ret = fsops_open_read(pfd, &fd, &err);
	close(pfd);
	if (ret < 0)
		return ret;
	len = read(fd, buf, n - 1);
	close(fd);
	assert_true(len >= 0);
	buf[len] = '\0';
	return 0;
}

static int src_of(const char *text)
{
	char tmpl[] = "/tmp/lxf-fsops-src-XXXXXX";
	int fd = mkostemp(tmpl, O_CLOEXEC);

	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void test_climbs_stay_inside(void **state)
{
	struct fx *fx = *state;
	char buf[64];

	assert_int_equal(read_text(fx, "../../../../secret", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "INSIDE-SECRET");
	assert_int_equal(read_text(fx, "/up/secret", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "INSIDE-SECRET");
	assert_int_equal(read_text(fx, "/up/outside/secret", buf, sizeof(buf)), -LXF_ENOENT);
	assert_int_equal(read_text(fx, "/abs/secret", buf, sizeof(buf)), -LXF_ENOENT);
}

static void test_final_symlink_not_followed(void **state)
{
	struct fx *fx = *state;
	struct lxf_err err;
	struct stat st;
	char target[64];
	int pfd = -1, fd = -1;

	assert_int_equal(fsops_lookup(fx->rootfd, "/etc/evil", &pfd, &st, &err), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(fsops_readlink(pfd, target, sizeof(target), &err), 0);
	assert_string_equal(target, "/etc/shadow");
	assert_int_equal(fsops_open_read(pfd, &fd, &err), -LXF_EINVAL);
	close(pfd);
}

static void test_writes_stay_inside(void **state)
{
	struct fx *fx = *state;
	struct lxf_err err;
	char p[256], buf[64];
	int src = src_of("NEW");

	/* Through a climbing link: lands at the root. */
	assert_int_equal(fsops_write_file(fx->rootfd, "/up/written", src, false, &keep, &err), 0);
	at(p, sizeof(p), fx->root, "written");
	assert_int_equal(access(p, F_OK), 0);
	/* Through a final absolute symlink: the container's target. */
	assert_int_equal(lseek(src, 0, SEEK_SET), 0);
	assert_int_equal(fsops_write_file(fx->rootfd, "/etc/evil", src, false, &keep, &err), 0);
	assert_int_equal(read_text(fx, "/etc/shadow", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "NEW");
	/* A dangling link to a host path, a link to a host dir. */
	assert_int_equal(lseek(src, 0, SEEK_SET), 0);
	assert_int_equal(fsops_write_file(fx->rootfd, "/dangle", src, false, &keep, &err),
			 -LXF_EEXIST);
	assert_int_equal(fsops_write_file(fx->rootfd, "/abs/pwned", src, false, &keep, &err),
			 -LXF_ENOENT);
	assert_int_equal(fsops_mkdir(fx->rootfd, "/abs/dir", &keep, &err), -LXF_ENOENT);
	assert_int_equal(fsops_remove(fx->rootfd, "/abs/secret", &err), -LXF_ENOENT);
	at(p, sizeof(p), fx->outside, "new");
	assert_int_equal(access(p, F_OK), -1);
	at(p, sizeof(p), fx->outside, "pwned");
	assert_int_equal(access(p, F_OK), -1);
	at(p, sizeof(p), fx->outside, "secret");
	assert_int_equal(access(p, F_OK), 0);
	close(src);
}

static void test_append_modes_owners(void **state)
{
	struct fx *fx = *state;
	struct fsops_attr a = {.uid = 1234, .gid = 4321, .def_uid = 0, .def_gid = 0, .mode = 0600};
	struct lxf_err err;
	struct stat st;
	char p[256], buf[64];
	int src = src_of("a");

	assert_int_equal(fsops_write_file(fx->rootfd, "f", src, false, &a, &err), 0);
	assert_int_equal(lseek(src, 0, SEEK_SET), 0);
	assert_int_equal(fsops_write_file(fx->rootfd, "/f", src, true, &keep, &err), 0);
	assert_int_equal(read_text(fx, "/f", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "aa");
	at(p, sizeof(p), fx->root, "f");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 4321);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(src);
}

static void test_dirs_links_remove(void **state)
{
	struct fx *fx = *state;
	struct fsops_attr a = keep;
	struct json_object *names = NULL;
	struct lxf_err err;
	struct stat st;
	char target[64];
	int pfd = -1;

	a.def_uid = 0;
	a.def_gid = 0;
	assert_int_equal(fsops_mkdir(fx->rootfd, "/d", &a, &err), 0);
	assert_int_equal(fsops_mkdir(fx->rootfd, "/d", &a, &err), 0); /* exists: fine */
	assert_int_equal(fsops_mkdir(fx->rootfd, "/secret", &a, &err), -LXF_EEXIST);
	assert_int_equal(fsops_symlink(fx->rootfd, "/d/l", "/x", &a, &err), 0);
	assert_int_equal(fsops_symlink(fx->rootfd, "/d/l", "/y", &a, &err), 0); /* replaced */
	assert_int_equal(fsops_symlink(fx->rootfd, "/secret", "/y", &a, &err), -LXF_EEXIST);
	assert_int_equal(fsops_lookup(fx->rootfd, "/d/l", &pfd, &st, &err), 0);
	assert_int_equal(fsops_readlink(pfd, target, sizeof(target), &err), 0);
	assert_string_equal(target, "/y");
	close(pfd);
	assert_int_equal(fsops_lookup(fx->rootfd, "/d", &pfd, &st, &err), 0);
	assert_int_equal(fsops_list(pfd, 10, &names, &err), 0);
	assert_string_equal(json_object_to_json_string(names), "[ \"l\" ]");
	json_object_put(names);
	close(pfd);
	assert_int_equal(fsops_remove(fx->rootfd, "/d", &err), -LXF_EBUSY);
	assert_int_equal(fsops_remove(fx->rootfd, "/d/l", &err), 0);
	assert_int_equal(fsops_remove(fx->rootfd, "/d", &err), 0);
	assert_int_equal(fsops_remove(fx->rootfd, "/", &err), -LXF_EINVAL);
	assert_int_equal(fsops_remove(fx->rootfd, "/etc/..", &err), -LXF_EINVAL);
	assert_int_equal(fsops_remove(fx->rootfd, "", &err), -LXF_EINVAL);
}

static void test_device_and_kernel_fs_refused(void **state)
{
	struct fx *fx = *state;
	struct lxf_err err;
	struct stat st;
	char p[256];
	int slash, pfd = -1, fd = -1, src = src_of("x");

	at(p, sizeof(p), fx->root, "null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		assert_int_equal(fsops_lookup(fx->rootfd, "/null", &pfd, &st, &err), 0);
		assert_int_equal(fsops_open_read(pfd, &fd, &err), -LXF_EINVAL);
		close(pfd);
		assert_int_equal(fsops_write_file(fx->rootfd, "/null", src, false, &keep, &err),
				 -LXF_EINVAL);
	}
	/* The host's own /proc, as a running container's would be. */
	slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(slash >= 0);
	assert_int_equal(fsops_lookup(slash, "/proc/version", &pfd, &st, &err), -LXF_EPERM);
	assert_int_equal(
	    fsops_write_file(slash, "/proc/sys/kernel/core_pattern", src, false, &keep, &err),
	    -LXF_EPERM);
	assert_int_equal(fsops_mkdir(slash, "/sys/fs/x", &keep, &err), -LXF_EPERM);
	close(slash);
	close(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_climbs_stay_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_final_symlink_not_followed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writes_stay_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_modes_owners, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dirs_links_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_and_kernel_fs_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
