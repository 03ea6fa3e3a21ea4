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
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend_config.h"
#include "buf.h"
#include "file.h"
#include "image_check.h"
#include "json.h"
#include "yaml.h"

#define META_MAX   (1024 * 1024) /* metadata.yaml cap */
#define READ_BLOCK (64 * 1024)
#define PREFIXED   "rootfs/"

extern char **environ;

int img_tar_open(const char *path, struct archive **out, struct lxf_err *err)
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

/* An open rootfs of a split image: the archive, and the converter feeding it. */
struct rootfs_in {
	struct archive *a;
	pid_t pid; /* sqfs2tar's, or -1 */
	int fd;    /* the pipe's read end, or -1 */
};

/*
 * The rootfs half of a split image: a tarball, or a squashfs read as a tar
 * stream from sqfs2tar (squashfs-tools-ng), so that its entries pass the
 * same checks, one by one, without being written anywhere first. "-r ."
 * keeps the root inode (its mode and owner) as the entry "./".
 */
static int rootfs_open(const char *path, struct rootfs_in *in, struct lxf_err *err)
{
	char magic[4] = "", *const argv[] = {"sqfs2tar", "-r", ".", "--", (char *)path, NULL};
	posix_spawn_file_actions_t fa;
	int fd = open(path, O_RDONLY | O_CLOEXEC), pipefd[2] = {-1, -1}, ret;

	in->a = NULL;
	in->pid = -1;
	in->fd = -1;
	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot open the rootfs");
	ret = read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	      memcmp(magic, "hsqs", 4) == 0;
	close(fd);
	if (!ret)
		return img_tar_open(path, &in->a, err);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot make a pipe");
	in->fd = pipefd[0];
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	ret = posix_spawnp(&in->pid, "sqfs2tar", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (ret) {
		in->pid = -1;
		return lxf_err_sys(err, LXF_EIO, ret, "cannot run sqfs2tar (squashfs-tools-ng)");
	}
	in->a = archive_read_new();
	if (!in->a)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	archive_read_support_format_tar(in->a);
	if (archive_read_open_fd(in->a, in->fd, READ_BLOCK) != ARCHIVE_OK)
		return lxf_err_set(err, LXF_EINVAL, "not a squashfs: %s",
				   archive_error_string(in->a));
	return 0;
}

/*
 * Frees what rootfs_open made, on success or not; the pipe closes before
 * the wait, so a converter we stopped reading ends. Its failure fails a
 * pass that otherwise succeeded (ret 0). Returns the pass's result.
 */
static int rootfs_close(struct rootfs_in *in, int ret, struct lxf_err *err)
{
	int st = 0;

	archive_read_free(in->a);
	in->a = NULL;
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	if (in->pid <= 0)
		return ret;
	while (waitpid(in->pid, &st, 0) < 0 && errno == EINTR)
		;
	in->pid = -1;
	if (!ret && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		ret = lxf_err_set(err, LXF_EINVAL,
				  "image rejected: sqfs2tar cannot read the squashfs");
	return ret;
}

/* Renames entry e of a split rootfs from NAME to rootfs/NAME (its hard-link target too). */
static int add_prefix(struct archive_entry *e, struct lxf_err *err)
{
	const char *names[2] = {archive_entry_pathname(e), archive_entry_hardlink(e)};
	char buf[PATH_MAX];

	for (int i = 0; i < 2; i++) {
		const char *n = names[i];
		int len;

		if (!n)
			continue;
		while (n[0] == '.' && n[1] == '/')
			n += 2;
		if (strcmp(n, ".") == 0)
			n = "";
		len = snprintf(buf, sizeof(buf), PREFIXED "%s", n);
		if (len < 0 || (size_t)len >= sizeof(buf))
			return lxf_err_set(err, LXF_EINVAL, "image rejected: a name is too long");
		if (i == 0)
			archive_entry_copy_pathname(e, buf);
		else
			archive_entry_copy_hardlink(e, buf);
	}
	return 0;
}

int img_tar_read_yaml(struct archive *a, const char *name, struct json_object **out,
		      struct lxf_err *err)
{
	struct lxf_buf b = {0};
	char chunk[8192];
	int ret = 0;

	*out = NULL;
	lxf_buf_init(&b, META_MAX);
	for (;;) {
		la_ssize_t r = archive_read_data(a, chunk, sizeof(chunk));

		if (r < 0) {
			ret = lxf_err_set(err, LXF_EINVAL, "cannot read %s: %s", name,
					  archive_error_string(a));
			goto out;
		}
		if (!r)
			break;
		if (lxf_buf_add(&b, chunk, (size_t)r)) {
			ret = lxf_err_set(err, LXF_EINVAL, "%s is larger than %d bytes", name,
					  META_MAX);
			goto out;
		}
	}
	ret = lxf_yaml_parse(lxf_buf_str(&b), b.len, out, err);
	if (ret)
		lxf_err_prefix(err, "%s", name);
out:
	lxf_buf_fini(&b);
	return ret;
}

static int read_metadata(struct archive *a, struct json_object **out, struct lxf_err *err)
{
	struct json_object *meta = NULL;
	int64_t ts = 0;
	const char *arch = NULL;
	int ret = img_tar_read_yaml(a, "metadata.yaml", &meta, err);

	if (ret)
		goto out;
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
	return ret;
}

/* What a pass over one or two archives found. */
struct walk {
	struct img_check chk;
	struct img_entry *ent;
	struct json_object *meta; /* metadata.yaml, once seen */
	bool rootfs;              /* a rootfs/ entry seen */
};

/* Every entry of a through the checks (prefixed with rootfs/ first: a split rootfs). */
static int walk_archive(struct archive *a, bool prefixed, struct walk *w, struct lxf_err *err)
{
	struct archive_entry *e;
	int ret, r;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (prefixed && (ret = add_prefix(e, err)))
			return ret;
		ret = img_check_entry(&w->chk, e, w->ent, err);
		if (ret)
			return ret;
		if (w->ent->part == IMG_PART_ROOTFS) {
			w->rootfs = true;
		} else if (w->ent->part == IMG_PART_META) {
			if (w->meta)
				return lxf_err_set(err, LXF_EINVAL, "metadata.yaml appears twice");
			ret = read_metadata(a, &w->meta, err);
			if (ret)
				return ret;
		}
	}
	if (r != ARCHIVE_EOF)
		return lxf_err_set(err, LXF_EINVAL, "bad tarball: %s", archive_error_string(a));
	return 0;
}

int img_tar_validate_split(const char *path, const char *rootfs_path, struct json_object **meta_out,
			   struct lxf_err *err)
{
	struct rootfs_in in = {NULL, -1, -1};
	struct archive *a = NULL;
	struct walk w = {.ent = NULL};
	int ret;

	/* Whether the image will run privileged is not known yet: every owner must map. */
	img_check_init(&w.chk, BCFG_MAP_COUNT);
	ret = img_tar_open(path, &a, err);
	if (ret)
		goto out;
	if (!(w.ent = malloc(sizeof(*w.ent)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = walk_archive(a, false, &w, err);
	if (!ret && rootfs_path) {
		ret = rootfs_open(rootfs_path, &in, err);
		if (!ret)
			ret = walk_archive(in.a, true, &w, err);
		ret = rootfs_close(&in, ret, err);
	}
	if (ret)
		goto out;
	ret = -LXF_EINVAL;
	if (!w.meta) {
		lxf_err_set(err, LXF_EINVAL, "no metadata.yaml");
		goto out;
	}
	if (!w.rootfs) {
		lxf_err_set(err, LXF_EINVAL, rootfs_path ? "empty rootfs" : "no rootfs/ directory");
		goto out;
	}
	*meta_out = w.meta;
	w.meta = NULL;
	ret = 0;
out:
	if (ret == -LXF_EINVAL && strncmp(err->msg, "image rejected", 14) != 0)
		lxf_err_prefix(err, "image rejected");
	img_check_fini(&w.chk);
	free(w.ent);
	json_object_put(w.meta);
	archive_read_free(a);
	return ret;
}

int img_tar_validate(const char *path, struct json_object **meta_out, struct lxf_err *err)
{
	return img_tar_validate_split(path, NULL, meta_out, err);
}

/* Entry e (checked as ent) renamed to its place under root (an absolute, symlink-free path). */
static int place_entry(struct archive_entry *e, const struct img_entry *ent, const char *root,
		       unsigned long uid_shift, unsigned long gid_shift, struct lxf_err *err)
{
	const size_t rl = strlen("rootfs");
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s%s", root, ent->path + rl);
	if (n < 0 || (size_t)n >= sizeof(path))
		return lxf_err_set(err, LXF_EINVAL, "%s: path too long", ent->shown);
	archive_entry_copy_pathname(e, path);
	if (ent->link[0]) {
		n = snprintf(path, sizeof(path), "%s%s", root, ent->link + rl);
		if (n < 0 || (size_t)n >= sizeof(path))
			return lxf_err_set(err, LXF_EINVAL, "%s: path too long", ent->shown);
		archive_entry_copy_hardlink(e, path);
	}
	/* Owners were checked against the map (img_check_entry) when shifted. */
	if (uid_shift || gid_shift) {
		archive_entry_set_uid(e, archive_entry_uid(e) + (la_int64_t)uid_shift);
		archive_entry_set_gid(e, archive_entry_gid(e) + (la_int64_t)gid_shift);
	}
	/* No name lookups: owners are the numbers in the tarball, shifted. */
	archive_entry_set_uname(e, NULL);
	archive_entry_set_gname(e, NULL);
	return 0;
}

/* A failure of the disk writer out on entry name: what libarchive said, and the errno text. */
static int disk_error(struct archive *out, const char *name, struct lxf_err *err)
{
	int e = archive_errno(out);

	/* libarchive's own refusals carry no errno (ARCHIVE_ERRNO_MISC). */
	if (e > 0)
		return lxf_err_sys(err, LXF_EIO, e, "cannot unpack %s: %s", name,
				   archive_error_string(out));
	return lxf_err_set(err, LXF_EINVAL, "cannot unpack %s: %s", name,
			   archive_error_string(out));
}

static int copy_data(struct archive *in, struct archive *out, const char *name, struct lxf_err *err)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &len, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(out, buf, len, off) < ARCHIVE_OK)
			return disk_error(out, name, err);
	}
	if (r != ARCHIVE_EOF)
		return lxf_err_set(err, LXF_EINVAL, "bad tarball at %s: %s", name,
				   archive_error_string(in));
	return 0;
}

/*
 * Renames entry e from PREFIX/rest to rest (its hard-link target too) and
 * says whether it was under prefix at all; a leading "./" is ignored.
 */
static bool strip_prefix(struct archive_entry *e, const char *prefix)
{
	const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
	size_t n = strlen(prefix);
	char *rest;

	if (name && strncmp(name, "./", 2) == 0)
		name += 2;
	if (!name || strncmp(name, prefix, n) != 0 || !name[n])
		return false;
	if (!(rest = strdup(name + n)))
		return false;
	archive_entry_copy_pathname(e, rest);
	free(rest);
	if (link && strncmp(link, "./", 2) == 0)
		link += 2;
	if (link && strncmp(link, prefix, n) == 0 && (rest = strdup(link + n))) {
		archive_entry_copy_hardlink(e, rest);
		free(rest);
	}
	return true;
}

int img_tar_unpack(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		   unsigned long gid_shift, struct lxf_err *err)
{
	const struct img_from all = {NULL, 0, 0, false};

	return img_tar_unpack_from(path, &all, rootfs_dir, uid_shift, gid_shift, err);
}

/* An owner as the container sees it, from the host id the tarball holds (from->uid/gid base). */
static void unmap_owner(struct archive_entry *e, const struct img_from *from)
{
	la_int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);

	if (from->uid_base && u >= (la_int64_t)from->uid_base &&
	    u - (la_int64_t)from->uid_base < (la_int64_t)BCFG_MAP_COUNT)
		archive_entry_set_uid(e, u - (la_int64_t)from->uid_base);
	if (from->gid_base && g >= (la_int64_t)from->gid_base &&
	    g - (la_int64_t)from->gid_base < (la_int64_t)BCFG_MAP_COUNT)
		archive_entry_set_gid(e, g - (la_int64_t)from->gid_base);
}

int img_tar_unpack_from(const char *path, const struct img_from *from, const char *rootfs_dir,
			unsigned long uid_shift, unsigned long gid_shift, struct lxf_err *err)
{
	/*
	 * Names are rewritten to absolute paths under the realpath() of
	 * rootfs_dir (chdir would move every thread of lxfd), so
	 * SECURE_NOABSOLUTEPATHS cannot be used; img_check_entry() refuses
	 * absolute and ".." names itself, and SECURE_SYMLINKS still refuses
	 * writing through a symlink the tarball made, since the prefix holds
	 * none: both a second guard behind the checks, which stored images
	 * older than them have not passed at import.
	 */
	const int flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
			  ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
			  ARCHIVE_EXTRACT_SECURE_SYMLINKS;
	struct rootfs_in rin = {NULL, -1, -1};
	struct archive *in = NULL, *out = NULL;
	struct archive_entry *e;
	struct img_check chk;
	struct img_entry *ent = NULL;
	char *root = NULL;
	bool made = false;
	int ret, r;

	img_check_init(&chk, uid_shift || gid_shift ? BCFG_MAP_COUNT : 0);
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
	ret = from->split ? rootfs_open(path, &rin, err) : img_tar_open(path, &in, err);
	in = from->split ? rin.a : in;
	if (ret)
		goto out;
	out = archive_write_disk_new();
	ent = malloc(sizeof(*ent));
	if (!out || !ent || archive_write_disk_set_options(out, flags) != ARCHIVE_OK) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		if (from->prefix && !strip_prefix(e, from->prefix))
			continue;
		if (from->split && (ret = add_prefix(e, err)))
			goto out;
		unmap_owner(e, from);
		/* ent keeps the names: place_entry() frees the entry's own. */
		ret = img_check_entry(&chk, e, ent, err);
		if (ret) {
			if (ret == -LXF_EINVAL)
				lxf_err_prefix(err, "image rejected");
			goto out;
		}
		if (ent->part != IMG_PART_ROOTFS)
			continue; /* metadata.yaml, templates/ */
		ret = place_entry(e, ent, root, uid_shift, gid_shift, err);
		if (ret)
			goto out;
		if (archive_write_header(out, e) < ARCHIVE_OK) {
			ret = disk_error(out, ent->shown, err);
			goto out;
		}
		if (archive_entry_size(e) > 0) {
			ret = copy_data(in, out, ent->shown, err);
			if (ret)
				goto out;
		}
		if (archive_write_finish_entry(out) < ARCHIVE_OK) {
			ret = disk_error(out, ent->shown, err);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		ret = lxf_err_set(err, LXF_EINVAL, "bad tarball: %s", archive_error_string(in));
		goto out;
	}
	/* Directory modes and times are set on close. */
	if (archive_write_close(out) != ARCHIVE_OK) {
		r = archive_errno(out);
		ret = lxf_err_sys(err, LXF_EIO, r > 0 ? r : 0, "cannot finish unpacking: %s",
				  archive_error_string(out));
		goto out;
	}
	ret = 0;
out:
	if (from->split)
		ret = rootfs_close(&rin, ret, err);
	else
		archive_read_free(in);
	archive_write_free(out);
	if (ret && made)
		(void)lxf_rm_rf(rootfs_dir, NULL);
	img_check_fini(&chk);
	free(ent);
	free(root);
	return ret;
}
