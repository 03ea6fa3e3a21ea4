/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots of custom volumes, as LXD's dir driver makes them: a copy of
 * the volume's tree, DIR/custom/<vol>/snapshots/<snap>/root, by the same
 * cp -a as instance snapshots (backend_copy_tree: owners, modes, xattrs,
 * hardlinks), so the copy keeps the containers' host uids. Inside the
 * volume's directory, a volume's rename or delete (one journalled move of
 * custom/<vol>) carries its snapshots along. The snapshots directory is
 * root's, 0700: no container and no host user reads a snapshot.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backend.h"
#include "file.h"

int backend_volsnap_path(const char *vol, const char *snap, const char *leaf, char *buf, size_t n,
			 struct lxf_err *err)
{
	char rel[PATH_MAX];
	int len;

	if (!backend_volume_name_ok(snap))
		return lxf_err_set(err, LXF_EINVAL, "Invalid snapshot name \"%.64s\"",
				   snap ? snap : "");
	len = snprintf(rel, sizeof(rel), BACKEND_VOLSNAP_DIR "/%s%s%s", snap, leaf ? "/" : "",
		       leaf ? leaf : "");
	if (len < 0 || (size_t)len >= sizeof(rel))
		return lxf_err_set(err, LXF_EINVAL, "Path too long for snapshot \"%s\"", snap);
	return backend_volume_path(vol, rel, buf, n, err);
}

int backend_volsnap_make(const char *vol, const char *snap, struct lxf_err *err)
{
	char src[PATH_MAX], top[PATH_MAX], dir[PATH_MAX], dst[PATH_MAX];
	int ret;

	if ((ret = backend_volume_path(vol, "root", src, sizeof(src), err)) < 0 ||
	    (ret = backend_volume_path(vol, BACKEND_VOLSNAP_DIR, top, sizeof(top), err)) < 0 ||
	    (ret = backend_volsnap_path(vol, snap, NULL, dir, sizeof(dir), err)) < 0 ||
	    (ret = backend_volsnap_path(vol, snap, "root", dst, sizeof(dst), err)) < 0)
		return ret;
	if (mkdir(top, 0700) < 0 && errno != EEXIST)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", top);
	/* The row reserved the name: whatever is there is scratch of an earlier try. */
	ret = lxf_rm_rf(dir, err);
	if (ret == 0 && mkdir(dir, 0700) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", dir);
	if (ret == 0)
		ret = backend_copy_tree(src, dst, err);
	if (ret < 0)
		(void)lxf_rm_rf(dir, NULL);
	return ret;
}

int backend_volsnap_stage(const char *vol, const char *snap, struct lxf_err *err)
{
	char src[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int ret;

	if ((ret = backend_volsnap_path(vol, snap, "root", src, sizeof(src), err)) < 0 ||
	    (ret = backend_volume_path(vol, BACKEND_VOLSNAP_STAGED, tmp, sizeof(tmp), err)) < 0)
		return ret;
	if (lstat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		return lxf_err_set(err, LXF_ENOENT, "Snapshot \"%s\" of volume \"%s\" has no files",
				   snap, vol);
	ret = lxf_rm_rf(tmp, err);
	if (ret == 0)
		ret = backend_copy_tree(src, tmp, err);
	if (ret < 0)
		(void)lxf_rm_rf(tmp, NULL);
	return ret;
}

int backend_volsnap_remove(const char *vol, const char *snap, struct lxf_err *err)
{
	char dir[PATH_MAX];
	int ret = backend_volsnap_path(vol, snap, NULL, dir, sizeof(dir), err);

	return ret < 0 ? ret : lxf_rm_rf(dir, err);
}
