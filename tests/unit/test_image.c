/* SPDX-License-Identifier: Apache-2.0 */
/* The image store: import checks (sha256, layout, unsafe names) and unpack with id shift. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "file.h"
#include "image.h"

#define META "architecture: x86_64\ncreation_date: 1700000000\nproperties:\n  os: busybox\n"

struct ent {
	const char *name;
	const char *data; /* NULL: directory, unless type says otherwise */
	int uid;
	mode_t type; /* 0: from data; AE_IFLNK, AE_IFCHR, AE_IFBLK; AE_IFREG + link: hard link */
	const char *link; /* symlink or hard-link target */
	int major, minor;
};

/* The symlink the hostile images point at: nothing may ever land in it. */
#define OUTSIDE "/tmp/lxf-test-image-outside"
#define M                                                                                          \
	{                                                                                          \
		"metadata.yaml", META, 0, 0, NULL, 0, 0                                            \
	}
#define D(n)                                                                                       \
	{                                                                                          \
		n, NULL, 0, 0, NULL, 0, 0                                                          \
	}
#define F(n)                                                                                       \
	{                                                                                          \
		n, "x", 0, 0, NULL, 0, 0                                                           \
	}
#define U(n, data, uid)                                                                            \
	{                                                                                          \
		n, data, uid, 0, NULL, 0, 0                                                        \
	}
#define L(n, t)                                                                                    \
	{                                                                                          \
		n, NULL, 0, AE_IFLNK, t, 0, 0                                                      \
	}
#define H(n, t)                                                                                    \
	{                                                                                          \
		n, NULL, 0, AE_IFREG, t, 0, 0                                                      \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, NULL, 0, 0, NULL, 0, 0                                                       \
	}

static char g_dir[64];

/* Writes a gzip'd tar of ents at DIR/images/name. */
static void make_tar(const char *name, const struct ent *ents, char *path, size_t n)
{
	struct archive *a = archive_write_new();

	snprintf(path, n, "%s/images/%s", g_dir, name);
	assert_non_null(a);
	archive_write_add_filter_gzip(a);
	/* Same entries, same bytes: no time in the gzip header (fingerprints compared). */
	assert_int_equal(archive_write_set_filter_option(a, "gzip", "timestamp", NULL), ARCHIVE_OK);
	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (; ents->name; ents++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ents->data ? strlen(ents->data) : 0;

		mode_t type = ents->type ? ents->type : ents->data ? AE_IFREG : AE_IFDIR;

		archive_entry_set_pathname(e, ents->name);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		if (type == AE_IFLNK)
			archive_entry_set_symlink(e, ents->link);
		else if (ents->link)
			archive_entry_set_hardlink(e, ents->link);
		archive_entry_set_rdevmajor(e, (dev_t)ents->major);
		archive_entry_set_rdevminor(e, (dev_t)ents->minor);
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
    M,
    D("rootfs/"),
    D("rootfs/etc/"),
    U("rootfs/etc/hostname", "box\n", 0),
    U("rootfs/home/", NULL, 1000),
    U("rootfs/home/f", "x", 1000),
    D("templates/"),
    END,
};

static int setup(void **state)
{
	char p[128];

	(void)state;
	snprintf(g_dir, sizeof(g_dir), "/tmp/lxf-test-image.XXXXXX");
	assert_non_null(mkdtemp(g_dir));
	snprintf(p, sizeof(p), "%s/images", g_dir);
	assert_int_equal(mkdir(p, 0700), 0);
	(void)lxf_rm_rf(OUTSIDE, NULL);
	assert_int_equal(mkdir(OUTSIDE, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	(void)lxf_rm_rf(OUTSIDE, NULL);
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
	static const struct ent no_meta[] = {D("rootfs/"), END};
	static const struct ent no_rootfs[] = {M, END};
	static const struct ent dotdot[] = {M, F("rootfs/../../evil"), END};
	static const struct ent absolute[] = {M, F("/etc/evil"), END};
	static const struct ent bad_meta[] = {U("metadata.yaml", "creation_date: 1\n", 0),
					      D("rootfs/"), END};

	(void)state;
	expect_refused("a", no_meta, NULL, "image rejected: no metadata.yaml");
	expect_refused("b", no_rootfs, NULL, "no rootfs/");
	expect_refused("c", dotdot, NULL,
		       "image rejected: rootfs/../../evil: name has a \"..\" component");
	expect_refused("d", absolute, NULL, "image rejected: /etc/evil: absolute name");
	expect_refused("e", bad_meta, NULL, "architecture");
	expect_refused("f", good,
		       "0000000000000000000000000000000000000000000000000000000000000000",
		       "fingerprint mismatch");
}

static const struct ent sym_escape[] = {M, D("rootfs/"), L("rootfs/x", OUTSIDE), F("rootfs/x/f"),
					END};
static const struct ent sym_escape_dotslash[] = {M, D("./rootfs/"), L("./rootfs/x", OUTSIDE),
						 F("rootfs//./x/f"), END};
static const struct ent sym_inside[] = {
    M, D("rootfs/"), D("rootfs/etc/"), L("rootfs/e", "etc"), F("rootfs/e/passwd"), END};
static const struct ent rootfs_symlink[] = {M, L("rootfs", OUTSIDE), END};
static const struct ent rootfs_symlink_late[] = {M, D("rootfs/"), F("rootfs/f"),
						 L("rootfs/", OUTSIDE), END};
static const struct ent hard_through[] = {M, D("rootfs/"), L("rootfs/x", OUTSIDE),
					  H("rootfs/y", "rootfs/x/secret"), END};
static const struct ent hard_to_symlink[] = {
    M, D("rootfs/"), L("rootfs/x", OUTSIDE), H("rootfs/y", "rootfs/x"), F("rootfs/y/f"), END};
static const struct ent hard_outside[] = {M, D("rootfs/"), F("templates/t"),
					  H("rootfs/y", "templates/t"), END};
static const struct ent hard_dotdot[] = {M, D("rootfs/"), H("rootfs/y", "rootfs/../../etc/shadow"),
					 END};
static const struct ent blk_dev[] = {
    M, D("rootfs/"), {"rootfs/sda", NULL, 0, AE_IFBLK, NULL, 8, 0}, END};
static const struct ent chr_dev[] = {
    M, D("rootfs/"), {"rootfs/mem", NULL, 0, AE_IFCHR, NULL, 1, 1}, END};
static const struct ent big_uid[] = {M, D("rootfs/"), {"rootfs/f", "x", 65536, 0, NULL, 0, 0}, END};
static const struct ent ctrl_name[] = {M, D("rootfs/"), L("rootfs/\x1b[2J", OUTSIDE),
				       F("rootfs/\x1b[2J/f"), END};

static const struct {
	const struct ent *ents;
	const char *msg;
} hostile[] = {
    {sym_escape, "image rejected: rootfs/x/f: path goes through the symlink rootfs/x"},
    {sym_escape_dotslash, "image rejected: rootfs//./x/f: path goes through the symlink rootfs/x"},
    {sym_inside, "image rejected: rootfs/e/passwd: path goes through the symlink rootfs/e"},
    {rootfs_symlink, "image rejected: rootfs: rootfs must be a directory"},
    {rootfs_symlink_late, "image rejected: rootfs/: rootfs must be a directory"},
    {hard_through,
     "image rejected: rootfs/y: hard link to rootfs/x/secret goes through the symlink rootfs/x"},
    {hard_to_symlink, "image rejected: rootfs/y/f: path goes through the symlink rootfs/y"},
    {hard_outside, "image rejected: rootfs/y: hard link target: outside rootfs/"},
    {hard_dotdot, "image rejected: rootfs/y: hard link target: name has a \"..\" component"},
    {blk_dev, "image rejected: rootfs/sda: block device 8:0 is not one a container may use"},
    {chr_dev, "image rejected: rootfs/mem: character device 1:1 is not one a container may use"},
    {big_uid, "image rejected: rootfs/f: owned by 65536:65536, outside the 65536 ids"},
    {ctrl_name, "image rejected: rootfs/\\x1b[2J/f: path goes through the symlink rootfs/\x1b[2J"},
};

/* No image was stored: nothing named like a fingerprint in DIR/images. */
static void assert_store_empty(void)
{
	char p[128];
	struct dirent *d;
	DIR *dir;

	snprintf(p, sizeof(p), "%s/images", g_dir);
	dir = opendir(p);
	assert_non_null(dir);
	while ((d = readdir(dir)))
		if (strlen(d->d_name) == IMG_FP_LEN)
			fail_msg("image %s stored", d->d_name);
	closedir(dir);
}

/* Each hostile image refused at import, the entry named; nothing stored. */
static void test_import_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "h%zu", i);
		expect_refused(name, hostile[i].ents, NULL, hostile[i].msg);
		assert_store_empty();
	}
}

/*
 * Images made before the import checks are in the store unchecked: the
 * unpack refuses them too, names the entry (it used to format it from
 * freed memory), writes nothing outside and leaves no rootfs behind.
 */
static void test_unpack_hostile(void **state)
{
	struct lxf_err err = {0};
	char tar[256], root[256];
	DIR *dir;
	int entries = 0;

	(void)state;
	/* A long rootfs path: its name outgrows the entry's name buffer. */
	snprintf(root, sizeof(root), "%s/containers-with-a-long-name/c1/rootfs", g_dir);
	assert_int_equal(lxf_mkdir_p(root, 0700, &err), 0);
	assert_int_equal(rmdir(root), 0);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		make_tar("stored", hostile[i].ents, tar, sizeof(tar));
		lxf_err_clear(&err);
		assert_int_equal(img_unpack_rootfs(tar, root, 100000, 100000, &err), -LXF_EINVAL);
		if (!strstr(err.msg, hostile[i].msg))
			fail_msg("unpack %zu: message '%s' lacks '%s'", i, err.msg, hostile[i].msg);
		assert_int_not_equal(access(root, F_OK), 0);
	}
	assert_non_null(dir = opendir(OUTSIDE));
	while (readdir(dir))
		entries++;
	closedir(dir);
	assert_int_equal(entries, 2); /* . and .. */
}

/* What real images do stays accepted: symlinks, a symlink replaced by a directory, /dev/null. */
static void test_import_unpack_tricky_good(void **state)
{
	static const struct ent tricky[] = {
	    M,
	    D("./"),
	    D("rootfs/"),
	    D("rootfs/bin/"),
	    F("rootfs/bin/busybox"),
	    L("rootfs/bin/sh", "busybox"),
	    L("rootfs/bin/abs", "/bin/busybox"),
	    H("rootfs/bin/ln", "rootfs/bin/busybox"),
	    L("rootfs/x", OUTSIDE),
	    D("rootfs/x/"),
	    F("rootfs/x/f"),
	    D("rootfs/dev/"),
	    {"rootfs/dev/null", NULL, 0, AE_IFCHR, NULL, 1, 3},
	    {"rootfs/dev/pts/0", NULL, 0, AE_IFCHR, NULL, 136, 0},
	    {"rootfs/home/f", "x", 65535, 0, NULL, 0, 0},
	    END,
	};
	struct lxf_err err = {0};
	char tmp[256], fp[IMG_FP_LEN + 1], stored[256], root[256], p[300];
	struct stat st;

	(void)state;
	make_tar("tricky", tricky, tmp, sizeof(tmp));
	if (img_import(g_dir, tmp, NULL, fp, NULL, NULL, &err))
		fail_msg("tricky image refused: %s", err.msg);
	if (geteuid() != 0)
		skip();
	assert_int_equal(img_path(g_dir, fp, stored, sizeof(stored)), 0);
	snprintf(root, sizeof(root), "%s/rootfs-tricky", g_dir);
	if (img_unpack_rootfs(stored, root, 100000, 100000, &err))
		fail_msg("tricky image not unpacked: %s", err.msg);
	snprintf(p, sizeof(p), "%s/x/f", root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(p, sizeof(p), "%s/bin/ln", root);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_nlink, 2);
	snprintf(p, sizeof(p), "%s/dev/null", root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(lxf_rm_rf(root, NULL), 0);
	assert_int_equal(img_remove(g_dir, fp, &err), 0);
}

/* A write that fails half-way names the entry and the errno text. */
static void test_unpack_write_error(void **state)
{
	static const struct ent ents[] = {M,
					  D("rootfs/"),
					  D("rootfs/usr/"),
					  {"rootfs/usr/big", NULL, 0, AE_IFREG, NULL, 0, 0},
					  END};
	struct lxf_err err = {0};
	struct rlimit old, lim = {.rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY};
	char tar[256], root[256], *big = malloc(256 * 1024);
	struct ent with_data[sizeof(ents) / sizeof(ents[0])];
	int ret;

	(void)state;
	assert_non_null(big);
	memset(big, 'b', 256 * 1024 - 1);
	big[256 * 1024 - 1] = '\0';
	memcpy(with_data, ents, sizeof(ents));
	with_data[3].data = big;
	make_tar("big", with_data, tar, sizeof(tar));
	free(big);
	snprintf(root, sizeof(root), "%s/rootfs-big", g_dir);
	/*
	 * The file size limit stands in for a full disk (a tmpfs needs a
	 * mount; test-image-hostile has that): the helper inherits it, and
	 * SIGXFSZ ignored, so that write(2) fails with EFBIG.
	 */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	assert_non_null(signal(SIGXFSZ, SIG_IGN) != SIG_ERR ? (void *)1 : NULL);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	ret = img_unpack_rootfs(tar, root, 0, 0, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(ret, -LXF_EIO);
	if (!strstr(err.msg, "cannot unpack rootfs/usr/big: ") || !strstr(err.msg, strerror(EFBIG)))
		fail_msg("message '%s' lacks the entry or the errno text", err.msg);
	assert_int_not_equal(access(root, F_OK), 0);
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
	static const struct ent evil[] = {M, F("rootfs/ok"), F("rootfs/../x"), END};
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
	    cmocka_unit_test(test_import_hostile),
	    cmocka_unit_test(test_unpack_hostile),
	    cmocka_unit_test(test_import_unpack_tricky_good),
	    cmocka_unit_test(test_unpack_write_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
