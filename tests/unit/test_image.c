/* SPDX-License-Identifier: Apache-2.0 */
/* The image store: import checks (sha256, layout, unsafe names) and unpack with id shift. */
#include <archive.h>
#include <archive_entry.h>
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

#include "file.h"
#include "image.h"

#define META "architecture: x86_64\ncreation_date: 1700000000\nproperties:\n  os: busybox\n"

struct ent {
	const char *name;
	const char *data; /* NULL: directory */
	int uid;
};

static char g_dir[64];

/* Writes a gzip'd tar of ents at DIR/images/name. */
static void make_tar(const char *name, const struct ent *ents, char *path, size_t n)
{
	struct archive *a = archive_write_new();

	snprintf(path, n, "%s/images/%s", g_dir, name);
	assert_non_null(a);
	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (; ents->name; ents++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ents->data ? strlen(ents->data) : 0;

		archive_entry_set_pathname(e, ents->name);
		archive_entry_set_filetype(e, ents->data ? AE_IFREG : AE_IFDIR);
		archive_entry_set_perm(e, ents->data ? 0644 : 0755);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_entry_set_uid(e, ents->uid);
		archive_entry_set_gid(e, ents->uid);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			assert_int_equal(archive_write_data(a, ents->data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static const struct ent good[] = {
    {"metadata.yaml", META, 0},   {"rootfs/", NULL, 0},
    {"rootfs/etc/", NULL, 0},     {"rootfs/etc/hostname", "box\n", 0},
    {"rootfs/home/", NULL, 1000}, {"rootfs/home/f", "x", 1000},
    {"templates/", NULL, 0},      {NULL, NULL, 0},
};

static int setup(void **state)
{
	char p[128];

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/lxf-test-image.XXXXXX");
	assert_non_null(mkdtemp(g_dir));
	snprintf(p, sizeof(p), "%s/images", g_dir);
	assert_int_equal(mkdir(p, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return lxf_rm_rf(g_dir, NULL);
}

static void test_import_ok_and_exists(void **state)
{
	struct lxf_err err = {0};
	struct json_object *meta = NULL;
	char tmp[256], fp[IMG_FP_LEN + 1], fp2[IMG_FP_LEN + 1], stored[256];
	int64_t size = 0;
	struct stat st;

	(void)state;
	make_tar("up1", good, tmp, sizeof(tmp));
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(img_import(g_dir, tmp, NULL, fp, &meta, &size, &err), 0);
	assert_int_equal(strlen(fp), IMG_FP_LEN);
	assert_int_equal(size, st.st_size);
	assert_string_equal(json_object_get_string(json_object_object_get(meta, "architecture")),
			    "x86_64");
	json_object_put(meta);
	assert_int_equal(img_path(g_dir, fp, stored, sizeof(stored)), 0);
	assert_int_equal(access(stored, F_OK), 0);
	assert_int_not_equal(access(tmp, F_OK), 0);

	/* Same bytes again, with the right fingerprint given: EEXIST, fp still filled. */
	make_tar("up2", good, tmp, sizeof(tmp));
	assert_int_equal(img_import(g_dir, tmp, fp, fp2, NULL, NULL, &err), -LXF_EEXIST);
	assert_string_equal(fp, fp2);
	assert_int_not_equal(access(tmp, F_OK), 0);
	assert_int_equal(img_remove(g_dir, fp, &err), 0);
	assert_int_equal(img_remove(g_dir, fp, &err), 0); /* missing is fine */
	assert_int_not_equal(access(stored, F_OK), 0);
}

static void expect_refused(const char *name, const struct ent *ents, const char *expected_fp,
			   const char *msg_part)
{
	struct lxf_err err = {0};
	char tmp[256], fp[IMG_FP_LEN + 1];

	make_tar(name, ents, tmp, sizeof(tmp));
	assert_int_equal(img_import(g_dir, tmp, expected_fp, fp, NULL, NULL, &err), -LXF_EINVAL);
	if (!strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
	assert_int_not_equal(access(tmp, F_OK), 0); /* tmp removed */
}

static void test_import_refusals(void **state)
{
	static const struct ent no_meta[] = {{"rootfs/", NULL, 0}, {NULL, NULL, 0}};
	static const struct ent no_rootfs[] = {{"metadata.yaml", META, 0}, {NULL, NULL, 0}};
	static const struct ent dotdot[] = {
	    {"metadata.yaml", META, 0}, {"rootfs/../../evil", "x", 0}, {NULL, NULL, 0}};
	static const struct ent absolute[] = {
	    {"metadata.yaml", META, 0}, {"/etc/evil", "x", 0}, {NULL, NULL, 0}};
	static const struct ent bad_meta[] = {
	    {"metadata.yaml", "creation_date: 1\n", 0}, {"rootfs/", NULL, 0}, {NULL, NULL, 0}};

	(void)state;
	expect_refused("a", no_meta, NULL, "no metadata.yaml");
	expect_refused("b", no_rootfs, NULL, "no rootfs/");
	expect_refused("c", dotdot, NULL, "unsafe path");
	expect_refused("d", absolute, NULL, "unsafe path");
	expect_refused("e", bad_meta, NULL, "architecture");
	expect_refused("f", good,
		       "0000000000000000000000000000000000000000000000000000000000000000",
		       "fingerprint mismatch");
}

static void test_not_a_tarball(void **state)
{
	struct lxf_err err = {0};
	char tmp[256], fp[IMG_FP_LEN + 1];

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/images/junk", g_dir);
	assert_int_equal(lxf_file_write_atomic(tmp, "hello", 5, 0600, &err), 0);
	assert_int_equal(img_import(g_dir, tmp, NULL, fp, NULL, NULL, &err), -LXF_EINVAL);
	assert_int_not_equal(access(tmp, F_OK), 0);
}

static void test_path_validation(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(img_path(g_dir, "../../etc/passwd", buf, sizeof(buf)), -LXF_EINVAL);
	assert_int_equal(img_path(g_dir, "ABC", buf, sizeof(buf)), -LXF_EINVAL);
}

static void test_unpack_shift(void **state)
{
	struct lxf_err err = {0};
	char tar[256], root[256], p[300];
	struct stat st;

	(void)state;
	make_tar("u", good, tar, sizeof(tar));
	snprintf(root, sizeof(root), "%s/rootfs", g_dir);
	if (geteuid() != 0)
		skip();
	assert_int_equal(img_unpack_rootfs(tar, root, 100000, 200000, &err), 0);
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_uid, 100000);
	assert_int_equal(st.st_gid, 200000);
	snprintf(p, sizeof(p), "%s/home/f", root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 101000);
	assert_int_equal(st.st_gid, 201000);
	snprintf(p, sizeof(p), "%s/metadata.yaml", root);
	assert_int_not_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/templates", root);
	assert_int_not_equal(access(p, F_OK), 0);
	/* rootfs_dir must not exist yet. */
	assert_int_equal(img_unpack_rootfs(tar, root, 0, 0, &err), -LXF_EEXIST);
	assert_int_equal(lxf_rm_rf(root, NULL), 0);
}

static void test_unpack_refuses_escape(void **state)
{
	static const struct ent evil[] = {{"metadata.yaml", META, 0},
					  {"rootfs/ok", "x", 0},
					  {"rootfs/../x", "x", 0},
					  {NULL, NULL, 0}};
	struct lxf_err err = {0};
	char tar[256], root[256];

	(void)state;
	make_tar("evil", evil, tar, sizeof(tar));
	snprintf(root, sizeof(root), "%s/rootfs2", g_dir);
	assert_int_equal(img_unpack_rootfs(tar, root, 0, 0, &err), -LXF_EINVAL);
	assert_int_not_equal(access(root, F_OK), 0); /* cleaned up */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_import_ok_and_exists),
	    cmocka_unit_test(test_import_refusals),
	    cmocka_unit_test(test_not_a_tarball),
	    cmocka_unit_test(test_path_validation),
	    cmocka_unit_test(test_unpack_shift),
	    cmocka_unit_test(test_unpack_refuses_escape),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
