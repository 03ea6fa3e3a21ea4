/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_IMAGE_H
#define LXFD_IMAGE_H

#include <json-c/json.h>
#include <stdint.h>

#include "err.h"

#define IMG_FP_LEN 64

/*
 * The image store: DIR/images/<fingerprint> holds each unified image
 * tarball (metadata.yaml + rootfs/ [+ templates/]) as uploaded; a split
 * image is its metadata tarball there and its rootfs beside it, in
 * DIR/images/<fingerprint>.rootfs, as LXD keeps them.
 */

/*
 * Takes an uploaded tarball at tmp_path (inside DIR/images/, so rename is
 * atomic), computes its sha256, checks it against expected_fp when that is
 * non-NULL and non-empty (-LXF_EINVAL on mismatch), validates it in the
 * lxfd-image helper (a metadata.yaml with architecture and creation_date, a
 * rootfs/ directory, every entry through the checks of image_check.h:
 * -LXF_EINVAL "image rejected: NAME: why") and moves it to
 * DIR/images/<fingerprint>. On failure tmp_path is removed.
 * *metadata_out (new ref) is metadata.yaml as JSON; fp_out gets the
 * fingerprint; *size_out the tarball size. -LXF_EEXIST when that
 * fingerprint is already stored (tmp removed, fp_out still filled).
 */
int img_import(const char *dir, const char *tmp_path, const char *expected_fp,
	       char fp_out[IMG_FP_LEN + 1], struct json_object **metadata_out, int64_t *size_out,
	       struct lxf_err *err);

/*
 * img_import of a split image (LXD's layout): the metadata tarball at
 * tmp_path and the rootfs (squashfs or tarball) at rootfs_tmp, both inside
 * DIR/images/. The fingerprint is the sha256 of the two read one after the
 * other, as LXD computes it; the rootfs is stored beside the image as
 * DIR/images/<fp>.rootfs. Both temporaries are consumed. *size_out is the
 * sum of both sizes.
 */
int img_import_split(const char *dir, const char *tmp_path, const char *rootfs_tmp,
		     const char *expected_fp, char fp_out[IMG_FP_LEN + 1],
		     struct json_object **metadata_out, int64_t *size_out, struct lxf_err *err);

/* The suffix of a split image's rootfs beside its metadata tarball. */
#define IMG_ROOTFS_SUFFIX ".rootfs"

/* The rootfs file of stored image path (path + ".rootfs") into buf: 1 when
 * the image is split (the file exists), 0 when not, -LXF_EINVAL when too long. */
int img_rootfs_file(const char *path, char *buf, size_t n);

/* Path of a stored image in buf (size n): DIR/images/<fp>. */
int img_path(const char *dir, const char *fp, char *buf, size_t n);

/* Removes a stored image (both files of a split one). Missing is fine. */
int img_remove(const char *dir, const char *fp, struct lxf_err *err);

/*
 * Unpacks the rootfs/ of image tarball path into rootfs_dir (which must not
 * exist yet), adding uid_shift/gid_shift to every owner, refusing the
 * entries image_check.h refuses (images stored before a check existed). A
 * disk error names the entry and the errno text. Used by the backend.
 * Both this and img_import run the lxfd-image helper (helper.h) and wait for
 * it: call them from worker threads only.
 */
int img_unpack_rootfs(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		      unsigned long gid_shift, struct lxf_err *err);

/*
 * Makes rootfs_dir (which must not exist) from image path as
 * img_unpack_rootfs does, through the unpacked-rootfs cache
 * DIR/image-cache/<fp>-<uid_shift>-<gid_shift> (DIR is backend_init's):
 * the first create of an (image, shift) unpacks it there, the others copy
 * it (backend_copy_tree). A path outside DIR/images/ is unpacked directly.
 * Worker threads only.
 */
int img_rootfs_make(const char *path, const char *rootfs_dir, unsigned long uid_shift,
		    unsigned long gid_shift, struct lxf_err *err);

/* Removes the cache entries of image fp (on image delete). Missing is fine. */
int img_cache_drop(const char *dir, const char *fp, struct lxf_err *err);

/* Empties DIR/image-cache (0700) at start-up: half-made entries of a
 * killed lxfd, entries an older lxfd made under other checks. */
int img_cache_reset(const char *dir, struct lxf_err *err);

#endif
