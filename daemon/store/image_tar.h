/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_IMAGE_TAR_H
#define LXFD_IMAGE_TAR_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

struct archive;

/*
 * libarchive work on image tarballs. Only the lxfd-image helper links this
 * (image_helper.c); lxfd reaches it through img_import() and
 * img_unpack_rootfs() in image.h, which run the helper.
 */

/*
 * Walks the whole tarball at path: a metadata.yaml with architecture and
 * creation_date, a rootfs/ directory, and every entry through the checks of
 * image_check.h (owners below BCFG_MAP_COUNT). *meta_out (new ref, caller
 * puts) is metadata.yaml as JSON. -LXF_EINVAL with err "image rejected:
 * NAME: why" when the tarball is refused.
 */
int img_tar_validate(const char *path, struct json_object **meta_out, struct lxf_err *err);

/*
 * img_tar_validate of a split image: the metadata tarball at path (its
 * metadata.yaml), then the rootfs at rootfs_path, a tarball or a squashfs
 * (read through sqfs2tar), whose entries are checked as rootfs/NAME.
 */
int img_tar_validate_split(const char *path, const char *rootfs_path, struct json_object **meta_out,
			   struct lxf_err *err);

/*
 * Unpacks rootfs/ of the tarball at path into rootfs_dir (made here; must
 * not exist yet: -LXF_EEXIST), adding uid_shift/gid_shift to every owner.
 * Entries go through the checks of image_check.h again (owners too when
 * shifted): -LXF_EINVAL "image rejected: NAME: why". A disk error names the
 * entry and the errno text ("cannot unpack NAME: ...: No space left on
 * device", -LXF_EIO). On failure rootfs_dir is removed again.
 */
int img_tar_unpack(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		   unsigned long gid_shift, struct lxf_err *err);

/* Which part of a tarball to unpack, and whose ids it holds. */
struct img_from {
	const char *prefix; /* e.g. "backup/container/", with its slash; NULL: all */
	/* Host ids of the container's 0 in the tarball (an LXD backup of an
	 * unprivileged container keeps them shifted); 0: container ids. */
	unsigned long uid_base, gid_base;
	/* path is the rootfs of a split image (tarball or squashfs): its
	 * entries are rootfs/NAME. */
	bool split;
};

/*
 * img_tar_unpack of the entries under from->prefix as if the tarball held
 * only them, named without it (an instance backup's rootfs), their owners
 * first brought back to the container's ids from from's bases.
 */
int img_tar_unpack_from(const char *path, const struct img_from *from, const char *rootfs_dir,
			unsigned long uid_shift, unsigned long gid_shift, struct lxf_err *err);

/* Opens the tarball at path for reading (any compression libarchive knows). */
int img_tar_open(const char *path, struct archive **out, struct lxf_err *err);

/* Reads the current entry of a (at most 1 MiB) as YAML into *out (new ref);
 * errors are prefixed with name. */
int img_tar_read_yaml(struct archive *a, const char *name, struct json_object **out,
		      struct lxf_err *err);

#endif
