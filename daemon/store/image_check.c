/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The entry rules of image tarballs (image_check.h), run inside the
 * lxfd-image helper. They mirror what libarchive's disk writer refuses with
 * ARCHIVE_EXTRACT_SECURE_SYMLINKS and _NODOTDOT, so that import can refuse
 * from the names alone what unpacking would refuse at every create; the
 * unpack keeps those flags as a second guard.
 */
#include "image_check.h"

#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROOTFS "rootfs"
/* A real rootfs holds some thousands of symlinks; a tarball of only symlinks
 * stops here instead of growing the helper without bound. */
#define SYMLINKS_MAX (1u << 20)

/* The character devices liblxc's common.conf lets a container open (136: ptys). */
static const struct {
	unsigned int major;
	int minor; /* -1: any */
} dev_ok[] = {
    {1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {10, 229}, {136, -1},
};

/* in, escaped into out (size n): bytes outside printable ASCII as \xHH, cut with "...". */
static void escape_name(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in; in++) {
		unsigned char ch = (unsigned char)*in;
		size_t need = ch < 0x20 || ch >= 0x7f ? 4 : 1;

		if (o + need + 4 > n) { /* room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

/*
 * in as a relative path without "." or empty components into out (size n).
 * NULL, or why it is refused.
 */
static const char *normalise(const char *in, char *out, size_t n)
{
	size_t o = 0;

	if (in[0] == '/')
		return "absolute name";
	while (*in) {
		size_t len = strcspn(in, "/");

		if (len == 2 && in[0] == '.' && in[1] == '.')
			return "name has a \"..\" component";
		if (len && !(len == 1 && in[0] == '.')) {
			if (o + (o ? 1 : 0) + len >= n)
				return "name too long";
			if (o)
				out[o++] = '/';
			memcpy(out + o, in, len);
			o += len;
		}
		in += len;
		while (*in == '/')
			in++;
	}
	out[o] = '\0';
	return NULL;
}

static int path_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static bool is_symlink(const struct img_check *c, const char *path)
{
	return tfind(path, &c->symlinks, path_cmp) != NULL;
}

/* The first proper ancestor of path (a normalised path, modified and restored) that is a symlink. */
static bool through_symlink(const struct img_check *c, char *path, char *hit, size_t n)
{
	for (char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		bool found;

		*p = '\0';
		found = is_symlink(c, path);
		if (found)
			snprintf(hit, n, "%s", path);
		*p = '/';
		if (found)
			return true;
	}
	return false;
}

/* Records whether path is a symlink now: a later entry of a name replaces the earlier one. */
static int set_symlink(struct img_check *c, const char *path, bool symlink, struct lxf_err *err)
{
	char **hit = tfind(path, &c->symlinks, path_cmp);
	char *key;

	if (!symlink) {
		if (hit) {
			key = *hit;
			tdelete(path, &c->symlinks, path_cmp);
			free(key);
			c->n_symlinks--;
		}
		return 0;
	}
	if (hit)
		return 0;
	if (c->n_symlinks >= SYMLINKS_MAX)
		return lxf_err_set(err, LXF_EINVAL, "more than %u symlinks", SYMLINKS_MAX);
	key = strdup(path);
	if (!key || !tsearch(key, &c->symlinks, path_cmp)) {
		free(key);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	c->n_symlinks++;
	return 0;
}

void img_check_init(struct img_check *c, unsigned long id_limit)
{
	c->symlinks = NULL;
	c->n_symlinks = 0;
	c->id_limit = id_limit;
}

void img_check_fini(struct img_check *c)
{
	if (!c)
		return;
	tdestroy(c->symlinks, free);
	c->symlinks = NULL;
	c->n_symlinks = 0;
}

static bool device_ok(struct archive_entry *e)
{
	unsigned int maj = (unsigned int)archive_entry_rdevmajor(e);
	int min = (int)archive_entry_rdevminor(e);

	if (archive_entry_filetype(e) != AE_IFCHR)
		return false;
	for (size_t i = 0; i < sizeof(dev_ok) / sizeof(dev_ok[0]); i++)
		if (dev_ok[i].major == maj && (dev_ok[i].minor < 0 || dev_ok[i].minor == min))
			return true;
	return false;
}

/* Rules for an entry under rootfs/; ent->path is set. */
static int check_rootfs_entry(struct img_check *c, struct archive_entry *e, struct img_entry *ent,
			      struct lxf_err *err)
{
	const char *link = archive_entry_hardlink(e), *why;
	mode_t type = archive_entry_filetype(e);
	la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
	char hit[PATH_MAX];
	bool symlink;

	if (!strcmp(ent->path, ROOTFS) && (link || type != AE_IFDIR))
		return lxf_err_set(err, LXF_EINVAL, "%s: rootfs must be a directory", ent->shown);
	if (through_symlink(c, ent->path, hit, sizeof(hit)))
		return lxf_err_set(err, LXF_EINVAL, "%s: path goes through the symlink %s",
				   ent->shown, hit);
	symlink = type == AE_IFLNK;
	if (link) {
		why = normalise(link, ent->link, sizeof(ent->link));
		if (!why && (strncmp(ent->link, ROOTFS "/", strlen(ROOTFS "/"))))
			why = "outside rootfs/";
		if (why)
			return lxf_err_set(err, LXF_EINVAL, "%s: hard link target: %s", ent->shown,
					   why);
		if (through_symlink(c, ent->link, hit, sizeof(hit)))
			return lxf_err_set(err, LXF_EINVAL,
					   "%s: hard link to %s goes through the symlink %s",
					   ent->shown, ent->link, hit);
		/* link(2) makes a link to a symlink itself, not to its target. */
		symlink = is_symlink(c, ent->link);
	} else if ((type == AE_IFBLK || type == AE_IFCHR) && !device_ok(e)) {
		return lxf_err_set(err, LXF_EINVAL,
				   "%s: %s device %u:%u is not one a container may use", ent->shown,
				   type == AE_IFBLK ? "block" : "character",
				   (unsigned int)archive_entry_rdevmajor(e),
				   (unsigned int)archive_entry_rdevminor(e));
	}
	/* Ids past the container's map would show up as nobody inside. */
	if (c->id_limit && (uid < 0 || gid < 0 || (unsigned long)uid >= c->id_limit ||
			    (unsigned long)gid >= c->id_limit))
		return lxf_err_set(err, LXF_EINVAL,
				   "%s: owned by %lld:%lld, outside the %lu ids a container maps",
				   ent->shown, (long long)uid, (long long)gid, c->id_limit);
	return set_symlink(c, ent->path, symlink, err);
}

int img_check_entry(struct img_check *c, struct archive_entry *e, struct img_entry *ent,
		    struct lxf_err *err)
{
	const char *raw = archive_entry_pathname(e), *why;
	size_t rl = strlen(ROOTFS);

	ent->part = IMG_PART_OTHER;
	ent->path[0] = ent->link[0] = '\0';
	escape_name(raw ? raw : "", ent->shown, sizeof(ent->shown));
	why = raw ? normalise(raw, ent->path, sizeof(ent->path)) : "name not readable";
	if (why)
		return lxf_err_set(err, LXF_EINVAL, "%s: %s", ent->shown, why);
	if (!ent->path[0]) {
		ent->part = IMG_PART_TOP;
		return 0;
	}
	if (!strncmp(ent->path, ROOTFS, rl) && (!ent->path[rl] || ent->path[rl] == '/')) {
		ent->part = IMG_PART_ROOTFS;
		return check_rootfs_entry(c, e, ent, err);
	}
	if (archive_entry_hardlink(e))
		return lxf_err_set(err, LXF_EINVAL, "%s: a hard link outside rootfs/", ent->shown);
	if (!strcmp(ent->path, "metadata.yaml")) {
		if (archive_entry_filetype(e) != AE_IFREG)
			return lxf_err_set(err, LXF_EINVAL, "%s: not a regular file", ent->shown);
		ent->part = IMG_PART_META;
	}
	return 0;
}
