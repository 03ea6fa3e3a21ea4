/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_BACKUP_H
#define LXFD_BACKUP_H

#include <json-c/json.h>
#include <stddef.h>

#include "err.h"

/*
 * The tarball work of publish and of instance backups, run in the
 * lxfd-image helper (store/backup_tar.h) like the image store's. Each call
 * waits for the helper: worker threads only.
 */

/*
 * Writes tarball out (compression by LXD's name: gzip, bzip2, xz, lzma,
 * zstd, none) from items[i] = {source path, name in the tarball}: files
 * as root's, directory trees with owners shifted back by uid/gid_shift
 * (the container's map; 0 for a privileged one). out is removed on
 * failure.
 */
int bk_pack(const char *out, const char *compression, unsigned long uid_shift,
	    unsigned long gid_shift, const char *const (*items)[2], size_t n, struct lxf_err *err);

/* Whether compression is one bk_pack writes. */
int bk_compression_check(const char *compression, struct lxf_err *err);

/*
 * Reads instance backup path through: *out (new ref) is {"index": ...,
 * "backup": ...} (backup_tar.h). -LXF_EINVAL for a cut, corrupt or
 * foreign tarball, with what is wrong.
 */
int bk_read(const char *path, struct json_object **out, struct lxf_err *err);

/*
 * Unpacks the entries of tarball path under prefix ("backup/container/")
 * as an image's rootfs/ is unpacked (img_unpack_rootfs: checked, shifted)
 * into rootfs_dir, which must not exist (prefix NULL: an image's whole
 * rootfs/, img_unpack_rootfs). src_base: the host uid and gid of
 * the container's 0 in the tarball ({0, 0}: container ids; LXD's backups
 * of unprivileged containers hold shifted ones). Nothing is left on
 * failure.
 */
int bk_unpack(const char *path, const char *prefix, const unsigned long src_base[2],
	      const char *rootfs_dir, unsigned long uid_shift, unsigned long gid_shift,
	      struct lxf_err *err);

#endif
