/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing tarballs (a published image, an instance backup) and reading an
 * instance backup's index, for the lxfd-image helper only (like
 * image_tar.c: libarchive never enters lxfd).
 */
#include "backup_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_config.h"
#include "image_tar.h"
#include "json.h"

#define NOBODY_ID 65534

/* The write filters a caller may ask for, by LXD's names. */
static const struct {
	const char *name;
	int (*add)(struct archive *);
} filters[] = {
    {"gzip", archive_write_add_filter_gzip}, {"bzip2", archive_write_add_filter_bzip2},
    {"xz", archive_write_add_filter_xz},     {"lzma", archive_write_add_filter_lzma},
    {"zstd", archive_write_add_filter_zstd}, {"none", NULL},
};

bool bk_tar_compression_ok(const char *alg)
{
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (strcmp(alg, filters[i].name) == 0)
			return true;
	return false;
}

/* Host id -> the container's own id; ids outside the map become nobody. */
static la_int64_t unshift(la_int64_t id, unsigned long shift)
{
	if (!shift)
		return id;
	if (id >= (la_int64_t)shift && id - (la_int64_t)shift < (la_int64_t)BCFG_MAP_COUNT)
		return id - (la_int64_t)shift;
	return NOBODY_ID;
}

static int write_error(struct archive *w, const char *what, struct lxf_err *err)
{
	int e = archive_errno(w);

	return lxf_err_sys(err, LXF_EIO, e > 0 ? e : 0, "cannot write %s: %s", what,
			   archive_error_string(w));
}

/* A small file the daemon wrote (index.yaml, metadata.yaml): root's, 0644. */
static int add_file(struct archive *w, const char *src, const char *name, struct lxf_err *err)
{
	struct archive_entry *e = archive_entry_new();
	char buf[65536];
	struct stat st;
	ssize_t n;
	int fd = -1, ret = 0;

	if (!e)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", src);
		goto out;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_mtime(e, st.st_mtime, 0);
	if (archive_write_header(w, e) < ARCHIVE_OK) {
		ret = write_error(w, name, err);
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(w, buf, (size_t)n) < 0) {
			ret = write_error(w, name, err);
			goto out;
		}
	if (n < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", src);
out:
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	return ret;
}

/* The current disk entry's data into the archive. */
static int copy_disk_data(struct archive *disk, struct archive *w, const char *name,
			  struct lxf_err *err)
{
	char buf[65536];
	la_ssize_t n;

	while ((n = archive_read_data(disk, buf, sizeof(buf))) > 0)
		if (archive_write_data(w, buf, (size_t)n) < 0)
			return write_error(w, name, err);
	if (n < 0)
		return lxf_err_set(err, LXF_EIO, "cannot read %s: %s", name,
				   archive_error_string(disk));
	return 0;
}

/* One disk entry of the tree at src, renamed under name, owners unshifted. */
static int add_disk_entry(struct archive *disk, struct archive *w,
			  struct archive_entry_linkresolver *lr, struct archive_entry *e,
			  const struct bk_pack *p, const char *src, const char *name,
			  struct lxf_err *err)
{
	const char *full = archive_entry_pathname(e);
	struct archive_entry *spare = NULL;
	char arch[PATH_MAX];
	size_t sl = strlen(src);
	int n;

	if (!full || strncmp(full, src, sl) != 0 || (full[sl] && full[sl] != '/'))
		return lxf_err_set(err, LXF_EIO, "unexpected path %s", full ? full : "?");
	/* Sockets have no place in a tarball; liblxc's and the init's are remade. */
	if (archive_entry_filetype(e) == AE_IFSOCK)
		return 0;
	n = snprintf(arch, sizeof(arch), "%s%s", name, full + sl);
	if (n < 0 || (size_t)n >= sizeof(arch))
		return lxf_err_set(err, LXF_EINVAL, "path too long: %s", full);
	archive_entry_copy_pathname(e, arch);
	archive_entry_set_uid(e, unshift(archive_entry_uid(e), p->uid_shift));
	archive_entry_set_gid(e, unshift(archive_entry_gid(e), p->gid_shift));
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	archive_entry_linkify(lr, &e, &spare);
	if (!e)
		return 0;
	if (archive_write_header(w, e) < ARCHIVE_OK)
		return write_error(w, arch, err);
	if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
		return copy_disk_data(disk, w, arch, err);
	return 0;
}

static int add_tree(struct archive *w, struct archive_entry_linkresolver *lr,
		    const struct bk_pack *p, const char *src, const char *name, struct lxf_err *err)
{
	struct archive *disk = archive_read_disk_new();
	struct archive_entry *e = archive_entry_new();
	int ret = 0, r;

	if (!disk || !e) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_read_disk_open(disk, src) != ARCHIVE_OK) {
		ret = lxf_err_set(err, LXF_EIO, "cannot read %s: %s", src,
				  archive_error_string(disk));
		goto out;
	}
	for (;;) {
		archive_entry_clear(e);
		r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			ret = lxf_err_set(err, LXF_EIO, "cannot read %s: %s", src,
					  archive_error_string(disk));
			goto out;
		}
		archive_read_disk_descend(disk);
		ret = add_disk_entry(disk, w, lr, e, p, src, name, err);
		if (ret)
			goto out;
	}
out:
	archive_entry_free(e);
	archive_read_free(disk);
	return ret;
}

int bk_tar_pack(const struct bk_pack *p, struct lxf_err *err)
{
	struct archive *w = archive_write_new();
	struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
	struct stat st;
	int ret = 0;

	if (!w || !lr) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	archive_entry_linkresolver_set_strategy(lr, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_write_set_format_pax_restricted(w);
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (strcmp(p->compression, filters[i].name) == 0 && filters[i].add &&
		    filters[i].add(w) != ARCHIVE_OK) {
			ret = lxf_err_set(err, LXF_EINVAL, "compression %s: %s", p->compression,
					  archive_error_string(w));
			goto out;
		}
	if (!bk_tar_compression_ok(p->compression)) {
		ret = lxf_err_set(err, LXF_EINVAL, "unknown compression algorithm \"%s\"",
				  p->compression);
		goto out;
	}
	if (archive_write_open_filename(w, p->out) != ARCHIVE_OK) {
		ret = write_error(w, p->out, err);
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		const char *src = p->items[i][0], *name = p->items[i][1];

		if (lstat(src, &st) < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", src);
			goto out;
		}
		ret = S_ISDIR(st.st_mode) ? add_tree(w, lr, p, src, name, err)
					  : add_file(w, src, name, err);
		if (ret)
			goto out;
	}
	if (archive_write_close(w) != ARCHIVE_OK)
		ret = write_error(w, p->out, err);
out:
	archive_entry_linkresolver_free(lr);
	archive_write_free(w);
	if (ret)
		unlink(p->out);
	return ret;
}

/* The entry's name without a leading "./". */
static const char *entry_name(struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);

	if (name && strncmp(name, "./", 2) == 0)
		name += 2;
	return name ? name : "";
}

int bk_tar_read(const char *path, struct json_object **out, struct lxf_err *err)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct json_object *index = NULL, *backup = NULL, *res = NULL;
	bool rootfs = false;
	int ret, r;

	*out = NULL;
	ret = img_tar_open(path, &a, err);
	if (ret)
		goto out;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = entry_name(e);

		if (strcmp(name, "backup/index.yaml") == 0 && !index)
			ret = img_tar_read_yaml(a, "backup/index.yaml", &index, err);
		else if (strcmp(name, "backup/container/backup.yaml") == 0 && !backup)
			ret = img_tar_read_yaml(a, "backup/container/backup.yaml", &backup, err);
		else if (strncmp(name, "backup/container/rootfs", 23) == 0)
			rootfs = true;
		/* The rest is skipped: read through, so a cut tarball shows here. */
		if (ret)
			goto out;
	}
	ret = -LXF_EINVAL;
	if (r != ARCHIVE_EOF)
		lxf_err_set(err, LXF_EINVAL, "bad tarball: %s", archive_error_string(a));
	else if (!json_object_is_type(index, json_type_object))
		lxf_err_set(err, LXF_EINVAL, "no backup/index.yaml: not an instance backup");
	else if (!rootfs)
		lxf_err_set(err, LXF_EINVAL, "no backup/container/rootfs/ in the backup");
	else if (!(res = json_object_new_object()))
		lxf_err_set(err, LXF_ENOMEM, "out of memory");
	else
		ret = 0;
	if (ret)
		goto out;
	json_object_object_add(res, "index", index);
	json_object_object_add(res, "backup", backup ? backup : json_object_new_object());
	index = backup = NULL;
	*out = res;
out:
	json_object_put(index);
	json_object_put(backup);
	archive_read_free(a);
	return ret;
}
