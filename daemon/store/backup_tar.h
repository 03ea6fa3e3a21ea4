/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_BACKUP_TAR_H
#define LXFD_BACKUP_TAR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Tarballs lxfd writes (published images, instance backups) and the index
 * of an instance backup it reads. Only the lxfd-image helper links this
 * (image_helper.c); lxfd reaches it through backend/backup.h.
 */

/* What to pack: items[i] = {source path, name in the tarball}. Borrowed. */
struct bk_pack {
	const char *out;                    /* the tarball to write (removed on failure) */
	const char *compression;            /* LXD's names: gzip, bzip2, xz, lzma, zstd, none */
	unsigned long uid_shift, gid_shift; /* host ids of the container's 0; 0: as on disk */
	const char *(*items)[2];
	size_t n;
};

/* Whether alg is a compression bk_tar_pack knows. */
bool bk_tar_compression_ok(const char *alg);

/*
 * Writes p->out: a regular file source becomes one entry owned by root
 * (0644); a directory its whole tree, symlinks as symlinks, hard links
 * kept, sockets left out, not crossing mounts, owners shifted back from
 * the container's map to its own ids (ids outside the map: 65534).
 */
int bk_tar_pack(const struct bk_pack *p, struct lxf_err *err);

/*
 * Reads an instance backup through to its end (so that a cut or corrupt
 * tarball fails here, before anything is made): *out (new ref) is
 * {"index": backup/index.yaml, "backup": backup/container/backup.yaml or
 * {}}. -LXF_EINVAL naming what is wrong.
 */
int bk_tar_read(const char *path, struct json_object **out, struct lxf_err *err);

#endif
