/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publish and instance backups on the daemon side (daemon/backend/backup.c
 * through the lxfd-image helper): a tree packed with owners shifted back,
 * hard and symbolic links kept; a backup's index read, a cut or foreign
 * tarball refused; one part of a backup unpacked by its prefix.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "backup.h"
#include "file.h"
#include "json.h"

static char g_dir[64];
static const unsigned long zero[2] = {0, 0};

static void put(const char *rel, const char *data)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", g_dir, rel);
	f = fopen(p, "we");
	assert_non_null(f);
	assert_int_equal(fputs(data, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", g_dir, rel);
	assert_int_equal(lxf_mkdir_p(p, 0755, NULL), 0);
}

static char *at(const char *rel)
{
	static char p[8][256];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof(p[k]), "%s/%s", g_dir, rel);
	return p[k];
}

/* An instance's files as lxfd keeps them, and the backup of them at DIR/b.tar.gz. */
static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/lxf-test-backup.XXXXXX");
	assert_non_null(mkdtemp(g_dir));
	mk("c/rootfs/etc");
	mk("c/rootfs/home");
	put("c/rootfs/etc/hostname", "box\n");
	assert_int_equal(link(at("c/rootfs/etc/hostname"), at("c/rootfs/etc/hostname2")), 0);
	assert_int_equal(symlink("etc/hostname", at("c/rootfs/name")), 0);
	mk("s/rootfs/etc");
	put("s/rootfs/etc/hostname", "old\n");
	put("index.yaml", "name: c1\nbackend: dir\nsnapshots:\n- snap0\ntype: container\n");
	put("backup.yaml", "container:\n  name: c1\n  config:\n    limits.cpu: \"1\"\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return lxf_rm_rf(g_dir, NULL);
}

static int pack_backup(const char *out, const char *alg, unsigned long shift)
{
	const char *const items[][2] = {{at("index.yaml"), "backup/index.yaml"},
					{at("backup.yaml"), "backup/container/backup.yaml"},
					{at("c/rootfs"), "backup/container/rootfs"},
					{at("s/rootfs"), "backup/snapshots/snap0/rootfs"}};
	struct lxf_err err = {0};
	int ret = bk_pack(out, alg, shift, shift, items, 4, &err);

	if (ret && strcmp(alg, "rar") != 0)
		print_error("bk_pack: %s\n", err.msg);
	return ret;
}

static void test_pack_read_unpack(void **state)
{
	struct json_object *info = NULL;
	struct lxf_err err = {0};
	struct stat a, b;
	struct lxf_buf buf;
	char lnk[64] = "";

	(void)state;
	assert_int_equal(pack_backup(at("b.tar.gz"), "gzip", 0), 0);
	if (bk_read(at("b.tar.gz"), &info, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(lxf_json_str(json_object_object_get(info, "index"), "name"), "c1");
	assert_string_equal(
	    json_object_get_string(json_object_array_get_idx(
		json_object_object_get(json_object_object_get(info, "index"), "snapshots"), 0)),
	    "snap0");
	assert_string_equal(lxf_json_str(json_object_object_get(
					     json_object_object_get(info, "backup"), "container"),
					 "name"),
			    "c1");
	json_object_put(info);

	assert_int_equal(bk_unpack(at("b.tar.gz"), "backup/container/", zero, at("r1"), 0, 0, &err),
			 0);
	lxf_buf_init(&buf, 64);
	assert_int_equal(lxf_file_read(at("r1/etc/hostname"), 64, &buf, &err), 0);
	assert_string_equal(lxf_buf_str(&buf), "box\n");
	lxf_buf_fini(&buf);
	/* A hard link stays one file, a symlink a symlink. */
	assert_int_equal(stat(at("r1/etc/hostname"), &a), 0);
	assert_int_equal(stat(at("r1/etc/hostname2"), &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_true(readlink(at("r1/name"), lnk, sizeof(lnk) - 1) > 0);
	assert_string_equal(lnk, "etc/hostname");
	/* Only what is under the prefix: the snapshot's own file, nothing else. */
	assert_int_equal(
	    bk_unpack(at("b.tar.gz"), "backup/snapshots/snap0/", zero, at("r2"), 0, 0, &err), 0);
	lxf_buf_init(&buf, 64);
	assert_int_equal(lxf_file_read(at("r2/etc/hostname"), 64, &buf, &err), 0);
	assert_string_equal(lxf_buf_str(&buf), "old\n");
	lxf_buf_fini(&buf);
	assert_int_not_equal(access(at("r2/name"), F_OK), 0);
}

static void test_refusals(void **state)
{
	struct json_object *info = NULL;
	struct lxf_err err = {0};
	struct lxf_buf buf;
	int fd;

	(void)state;
	/* Uncompressed, then cut in the middle of the rootfs. */
	assert_int_equal(pack_backup(at("n.tar"), "none", 0), 0);
	lxf_buf_init(&buf, 1 << 20);
	assert_int_equal(lxf_file_read(at("n.tar"), 1 << 20, &buf, &err), 0);
	assert_memory_equal(buf.data + 257, "ustar", 5);
	fd = open(at("cut.tar"), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf.data, buf.len - 3000), (ssize_t)(buf.len - 3000));
	close(fd);
	lxf_buf_fini(&buf);
	assert_int_equal(bk_read(at("cut.tar"), &info, &err), -LXF_EINVAL);
	assert_null(info);
	/* A tarball that is not a backup, and no tarball at all. */
	assert_int_equal(bk_read(at("index.yaml"), &info, &err), -LXF_EINVAL);
	{
		const char *const items[][2] = {{at("c/rootfs"), "rootfs"}};
		assert_int_equal(bk_pack(at("img.tar"), "xz", 0, 0, items, 1, &err), 0);
	}
	assert_int_equal(bk_read(at("img.tar"), &info, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "index.yaml"));
	assert_int_equal(bk_compression_check("rar", &err), -LXF_EINVAL);
	assert_int_equal(pack_backup(at("x.tar"), "rar", 0), -LXF_EINVAL);
	assert_int_not_equal(access(at("x.tar"), F_OK), 0);
}

/* Owners go back from the container's map to its own ids; outside it: nobody. */
static void test_pack_unshifts(void **state)
{
	struct lxf_err err = {0};
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	mk("sh/rootfs");
	put("sh/rootfs/mine", "x");
	put("sh/rootfs/host", "x");
	assert_int_equal(chown(at("sh/rootfs"), 100000, 100000), 0);
	assert_int_equal(chown(at("sh/rootfs/mine"), 101000, 101000), 0);
	assert_int_equal(chown(at("sh/rootfs/host"), 5, 5), 0);
	{
		const char *const items[][2] = {{at("index.yaml"), "backup/index.yaml"},
						{at("sh/rootfs"), "backup/container/rootfs"}};
		assert_int_equal(bk_pack(at("sh.tar"), "none", 100000, 100000, items, 2, &err), 0);
	}
	assert_int_equal(bk_unpack(at("sh.tar"), "backup/container/", zero, at("r3"), 0, 0, &err),
			 0);
	assert_int_equal(stat(at("r3/mine"), &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(stat(at("r3/host"), &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(stat(at("r3"), &st), 0);
	assert_int_equal(st.st_uid, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pack_read_unpack),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_pack_unshifts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
