/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libarchive half of the image store, run only inside the short-lived
 * lxfd-image helper (image_helper.c) so that libarchive and the libraries it
 * pulls in (xml2, ICU, lzma, zstd, ...) are never mapped into lxfd itself.
 */
#include "image_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "yaml.h"

#define META_MAX      (1024 * 1024) /* metadata.yaml cap */
#define READ_BLOCK    (64 * 1024)
#define ROOTFS_PREFIX "rootfs/"
#define MAP_IDS       65536UL /* ids an unprivileged container maps, see backend */

/*
 * An entry name as a relative path: "./" prefixes dropped; absolute names
 * and ".." components refused. Returns NULL when refused.
 */
static const char *clean_name(const char *name)
{
	const char *p;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (name[0] == '/' || !name[0])
		return NULL;
	for (p = name; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return NULL;
		p += n;
		while (*p == '/')
			p++;
	}
	return name;
}

static bool under_rootfs(const char *name)
{
	return !strncmp(name, ROOTFS_PREFIX, strlen(ROOTFS_PREFIX)) || !strcmp(name, "rootfs");
}

static int open_reader(const char *path, struct archive **out, struct lxf_err *err)
{
	struct archive *a = archive_read_new();

	if (!a)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, READ_BLOCK) != ARCHIVE_OK) {
		int ret =
		    lxf_err_set(err, LXF_EINVAL, "not a tarball: %s", archive_error_string(a));

		archive_read_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

static int read_metadata(struct archive *a, struct json_object **out, struct lxf_err *err)
{
	struct lxf_buf b = {0};
	struct json_object *meta = NULL;
	char chunk[8192];
	int64_t ts = 0;
	const char *arch = NULL;
	int ret;

	lxf_buf_init(&b, META_MAX);
	for (;;) {
		la_ssize_t r = archive_read_data(a, chunk, sizeof(chunk));

		if (r < 0) {
			ret = lxf_err_set(err, LXF_EINVAL, "cannot read metadata.yaml: %s",
					  archive_error_string(a));
			goto out;
		}
		if (!r)
			break;
		ret = lxf_buf_add(&b, chunk, (size_t)r);
		if (ret) {
			ret = lxf_err_set(err, LXF_EINVAL, "metadata.yaml is larger than %d bytes",
					  META_MAX);
			goto out;
		}
	}
	ret = lxf_yaml_parse(lxf_buf_str(&b), b.len, &meta, err);
	if (ret) {
		lxf_err_prefix(err, "metadata.yaml");
		goto out;
	}
	ret = -LXF_EINVAL;
	if (!json_object_is_type(meta, json_type_object)) {
		lxf_err_set(err, LXF_EINVAL, "metadata.yaml is not a mapping");
		goto out;
	}
	if (lxf_json_get_string(meta, "architecture", true, &arch, err) ||
	    lxf_json_get_int(meta, "creation_date", true, &ts, err)) {
		lxf_err_prefix(err, "metadata.yaml");
		goto out;
	}
	*out = meta;
	meta = NULL;
	ret = 0;
out:
	json_object_put(meta);
	lxf_buf_fini(&b);
	return ret;
}

/* Walks the whole tarball checking names; returns metadata.yaml as JSON. */
int img_tar_validate(const char *path, struct json_object **meta_out, struct lxf_err *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct json_object *meta = NULL;
	bool rootfs = false;
	int ret, r;

	ret = open_reader(path, &a, err);
	if (ret)
		return ret;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *raw = archive_entry_pathname(e);
		const char *name = raw ? clean_name(raw) : NULL;
		const char *link = archive_entry_hardlink(e);

		ret = -LXF_EINVAL;
		if (!name) {
			lxf_err_set(err, LXF_EINVAL, "unsafe path '%s' in image", raw ? raw : "");
			goto out;
		}
		if (link &&
		    (!clean_name(link) || !under_rootfs(clean_name(link)) || !under_rootfs(name))) {
			lxf_err_set(err, LXF_EINVAL, "unsafe hard link '%s' -> '%s' in image", name,
				    link);
			goto out;
		}
		if (under_rootfs(name)) {
			rootfs = true;
		} else if (!strcmp(name, "metadata.yaml")) {
			if (meta) {
				lxf_err_set(err, LXF_EINVAL, "metadata.yaml appears twice");
				goto out;
			}
			ret = read_metadata(a, &meta, err);
			if (ret)
				goto out;
		}
	}
	ret = -LXF_EINVAL;
	if (r != ARCHIVE_EOF) {
		lxf_err_set(err, LXF_EINVAL, "bad tarball: %s", archive_error_string(a));
		goto out;
	}
	if (!meta) {
		lxf_err_set(err, LXF_EINVAL, "image has no metadata.yaml");
		goto out;
	}
	if (!rootfs) {
		lxf_err_set(err, LXF_EINVAL, "image has no rootfs/ directory");
		goto out;
	}
	*meta_out = meta;
	meta = NULL;
	ret = 0;
out:
	json_object_put(meta);
	archive_read_free(a);
	return ret;
}

/* Entry e renamed to its place under root (an absolute, symlink-free path). */
static int place_entry(struct archive_entry *e, const char *root, unsigned long uid_shift,
		       unsigned long gid_shift, struct lxf_err *err)
{
	const char *name = clean_name(archive_entry_pathname(e));
	const char *link = archive_entry_hardlink(e);
	char path[PATH_MAX];
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
	int n;

	if (!name)
		return lxf_err_set(err, LXF_EINVAL, "unsafe path in image");
	name = strcmp(name, "rootfs") ? name + strlen(ROOTFS_PREFIX) : "";
	n = snprintf(path, sizeof(path), "%s%s%s", root, *name ? "/" : "", name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return lxf_err_set(err, LXF_EINVAL, "path too long in image");
	archive_entry_copy_pathname(e, path);
	if (link) {
		link = clean_name(link);
		if (!link || strncmp(link, ROOTFS_PREFIX, strlen(ROOTFS_PREFIX)))
			return lxf_err_set(err, LXF_EINVAL, "unsafe hard link in image");
		n = snprintf(path, sizeof(path), "%s/%s", root, link + strlen(ROOTFS_PREFIX));
		if (n < 0 || (size_t)n >= sizeof(path))
			return lxf_err_set(err, LXF_EINVAL, "path too long in image");
		archive_entry_copy_hardlink(e, path);
	}
	if (uid_shift || gid_shift) {
		/* Ids past the container's map would show up as nobody inside. */
		if (uid < 0 || gid < 0 || (unsigned long)uid >= MAP_IDS ||
		    (unsigned long)gid >= MAP_IDS)
			return lxf_err_set(err, LXF_EINVAL,
					   "'%s' is owned by %lld:%lld, outside the %lu mapped ids",
					   name, (long long)uid, (long long)gid, MAP_IDS);
		archive_entry_set_uid(e, uid + (la_int64_t)uid_shift);
		archive_entry_set_gid(e, gid + (la_int64_t)gid_shift);
	}
	/* No name lookups: owners are the numbers in the tarball, shifted. */
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	return 0;
}

static int copy_data(struct archive *in, struct archive *out, struct lxf_err *err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(out, buf, len, off) < ARCHIVE_OK)
			return lxf_err_set(err, LXF_EIO, "cannot write: %s",
					   archive_error_string(out));
	}
	if (r != ARCHIVE_EOF)
		return lxf_err_set(err, LXF_EINVAL, "bad tarball: %s", archive_error_string(in));
	return 0;
}

int img_tar_unpack(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		   unsigned long gid_shift, struct lxf_err *err)
{
	/*
	 * Names are rewritten to absolute paths under the realpath() of
	 * rootfs_dir (chdir would move every thread of lxfd), so
	 * SECURE_NOABSOLUTEPATHS cannot be used; clean_name() refuses absolute
	 * and ".." names itself, and SECURE_SYMLINKS still refuses writing
	 * through a symlink the tarball made, since the prefix holds none.
	 */
	const int flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
			  ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			  ARCHIVE_EXTRACT_SECURE_SYMLINKS;
	struct archive *in = NULL, *out = NULL;
	struct archive_entry *e;
	char *root = NULL;
	bool made = false;
	int ret, r;

	if (mkdir(rootfs_dir, 0755)) {
		ret = lxf_err_sys(err, errno == EEXIST ? LXF_EEXIST : LXF_EIO, errno,
				  "cannot make %s", rootfs_dir);
		goto out;
	}
	made = true;
	root = realpath(rootfs_dir, NULL);
	if (!root || chown(root, (uid_t)uid_shift, (gid_t)gid_shift)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot prepare %s", rootfs_dir);
		goto out;
	}
	ret = open_reader(path, &in, err);
	if (ret)
		goto out;
	out = archive_write_disk_new();
	if (!out || archive_write_disk_set_options(out, flags) != ARCHIVE_OK) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		const char *name = clean_name(archive_entry_pathname(e));

		if (!name) {
			ret = lxf_err_set(err, LXF_EINVAL, "unsafe path '%s' in image",
					  archive_entry_pathname(e));
			goto out;
		}
		if (!under_rootfs(name))
			continue; /* metadata.yaml, templates/ */
		ret = place_entry(e, root, uid_shift, gid_shift, err);
		if (ret)
			goto out;
		if (archive_write_header(out, e) < ARCHIVE_OK) {
			ret = lxf_err_set(err, LXF_EIO, "cannot unpack '%s': %s", name,
					  archive_error_string(out));
			goto out;
		}
		if (archive_entry_size(e) > 0) {
			ret = copy_data(in, out, err);
			if (ret)
				goto out;
		}
		if (archive_write_finish_entry(out) < ARCHIVE_OK) {
			ret = lxf_err_set(err, LXF_EIO, "cannot unpack '%s': %s", name,
					  archive_error_string(out));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		ret = lxf_err_set(err, LXF_EINVAL, "bad tarball: %s", archive_error_string(in));
		goto out;
	}
	/* Directory modes and times are set on close. */
	if (archive_write_close(out) != ARCHIVE_OK) {
		ret = lxf_err_set(err, LXF_EIO, "cannot finish unpacking: %s",
				  archive_error_string(out));
		goto out;
	}
	ret = 0;
out:
	archive_read_free(in);
	archive_write_free(out);
	if (ret && made)
		(void)lxf_rm_rf(rootfs_dir, NULL);
	free(root);
	return ret;
}
