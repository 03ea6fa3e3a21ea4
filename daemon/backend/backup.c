/* SPDX-License-Identifier: Apache-2.0 */
/* Publish and instance backups: the lxfd-image helper's pack, backup-read and unpack. */
#include "backup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "helper.h"

#define ANSWER_MAX (4u << 20) /* index.yaml and backup.yaml, 1 MiB each, as JSON */
#define PACK_ITEMS 64

static const char *const compressions[] = {"gzip", "bzip2", "xz", "lzma", "zstd", "none"};

int bk_compression_check(const char *compression, struct lxf_err *err)
{
	for (size_t i = 0; i < sizeof(compressions) / sizeof(compressions[0]); i++)
		if (strcmp(compression, compressions[i]) == 0)
			return 0;
	return lxf_err_set(err, LXF_EINVAL,
			   "Unsupported compression algorithm \"%s\" (gzip, bzip2, xz, lzma, "
			   "zstd or none)",
			   compression);
}

int bk_pack(const char *out, const char *compression, unsigned long uid_shift,
	    unsigned long gid_shift, const char *const (*items)[2], size_t n, struct lxf_err *err)
{
	char *argv[6 + 2 * PACK_ITEMS + 1];
	char us[32], gs[32];
	size_t k = 0;
	int ret;

	if (n > PACK_ITEMS)
		return lxf_err_set(err, LXF_EINVAL, "Too many parts to pack (%zu)", n);
	ret = bk_compression_check(compression, err);
	if (ret)
		return ret;
	snprintf(us, sizeof(us), "%lu", uid_shift);
	snprintf(gs, sizeof(gs), "%lu", gid_shift);
	argv[k++] = "lxfd-image";
	argv[k++] = "pack";
	argv[k++] = (char *)out;
	argv[k++] = (char *)compression;
	argv[k++] = us;
	argv[k++] = gs;
	for (size_t i = 0; i < n; i++) {
		argv[k++] = (char *)items[i][0];
		argv[k++] = (char *)items[i][1];
	}
	argv[k] = NULL;
	ret = lxfd_helper_run("lxfd-image", argv, ANSWER_MAX, NULL, err);
	/* A helper that died half-way did not remove it. */
	if (ret)
		unlink(out);
	return ret;
}

int bk_read(const char *path, struct json_object **out, struct lxf_err *err)
{
	char *const argv[] = {"lxfd-image", "backup-read", (char *)path, NULL};
	struct json_object *ans = NULL;
	int ret;

	*out = NULL;
	ret = lxfd_helper_run("lxfd-image", argv, ANSWER_MAX, &ans, err);
	if (ret == 0) {
		*out = json_object_get(json_object_object_get(ans, "metadata"));
		if (!*out)
			ret = lxf_err_set(err, LXF_EINTERNAL, "lxfd-image gave no index");
	}
	json_object_put(ans);
	return ret;
}

int bk_unpack(const char *path, const char *prefix, const unsigned long src_base[2],
	      const char *rootfs_dir, unsigned long uid_shift, unsigned long gid_shift,
	      struct lxf_err *err)
{
	char us[32], gs[32], sus[32], sgs[32];
	char *const argv[] = {"lxfd-image", "unpack", (char *)path,   (char *)rootfs_dir,
			      us,           gs,       (char *)prefix, sus,
			      sgs,          NULL};
	struct stat st;
	int ret;

	if (lstat(rootfs_dir, &st) == 0)
		return lxf_err_set(err, LXF_EEXIST, "cannot make %s: it exists", rootfs_dir);
	snprintf(us, sizeof(us), "%lu", uid_shift);
	snprintf(gs, sizeof(gs), "%lu", gid_shift);
	snprintf(sus, sizeof(sus), "%lu", src_base[0]);
	snprintf(sgs, sizeof(sgs), "%lu", src_base[1]);
	ret = lxfd_helper_run("lxfd-image", argv, ANSWER_MAX, NULL, err);
	if (ret && ret != -LXF_EEXIST)
		(void)lxf_rm_rf(rootfs_dir, NULL);
	return ret;
}
