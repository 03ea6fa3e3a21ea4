/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Custom storage volumes of the dir pool: DIR/custom/<name>/root is the
 * tree a disk device mounts. <name> is mode 0100 and owned by the
 * unprivileged containers' root, as an instance directory is
 * (backend_modes.c): container root walks through it, host users do not.
 * root/ is made owned by that same root, the id map every unprivileged
 * container shares, so a volume is writable by the root of each
 * container it is attached to, and its files carry the container's host
 * uids, with no shift at attach time.
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "backend_int.h"
#include "file.h"

bool backend_volume_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > 63 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
			return false;
	return true;
}

int backend_volume_path(const char *name, const char *leaf, char *buf, size_t n,
			struct lxf_err *err)
{
	char dir[PATH_MAX];
	int len;

	if (!backend_volume_name_ok(name))
		return lxf_err_set(err, LXF_EINVAL, "Invalid storage volume name \"%.64s\"",
				   name ? name : "");
	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	len = snprintf(buf, n, "%s/custom/%s%s%s", dir, name, leaf ? "/" : "", leaf ? leaf : "");
	if (len < 0 || (size_t)len >= n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long for volume \"%s\"", name);
	return 0;
}

int backend_volume_make(const char *name, struct lxf_err *err)
{
	const struct bcfg_host *h = backend_host();
	char top[PATH_MAX], vol[PATH_MAX], root[PATH_MAX];
	int ret;

	if (backend_volume_path(name, NULL, vol, sizeof(vol), err) < 0 ||
	    backend_volume_path(name, "root", root, sizeof(root), err) < 0)
		return -LXF_EINVAL;
	snprintf(top, sizeof(top), "%.*s", (int)(strrchr(vol, '/') - vol), vol);
	ret = lxf_mkdir_p(top, 0711, err);
	if (ret < 0)
		return ret;
	if (mkdir(vol, 0100) < 0)
		return errno == EEXIST ? lxf_err_set(err, LXF_EEXIST,
						     "Storage volume \"%s\" already exists", name)
				       : lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", vol);
	if (chown(vol, (uid_t)h->uid_base, (gid_t)h->gid_base) < 0 || chmod(vol, 0100) < 0 ||
	    mkdir(root, 0755) < 0 || chown(root, (uid_t)h->uid_base, (gid_t)h->gid_base) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", root);
	return 0;
}

int backend_volume_remove(const char *name, struct lxf_err *err)
{
	char vol[PATH_MAX];

	if (backend_volume_path(name, NULL, vol, sizeof(vol), err) < 0)
		return -LXF_EINVAL;
	return lxf_rm_rf(vol, err);
}

static __thread long long usage_sum;

static int usage_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	usage_sum += (long long)st->st_blocks * 512;
	return 0;
}

long long backend_volume_usage(const char *name)
{
	char root[PATH_MAX];

	if (backend_volume_path(name, "root", root, sizeof(root), NULL) < 0)
		return -1;
	usage_sum = 0;
	/* FTW_PHYS: never follow a link the containers planted; FTW_MOUNT: stay on this fs. */
	if (nftw(root, usage_add, 16, FTW_PHYS | FTW_MOUNT) < 0)
		return -1;
	return usage_sum;
}
