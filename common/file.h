/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_FILE_H
#define LXF_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"

/*
 * Reads the whole file into out (appending), refusing files larger than
 * cap bytes (-LXF_ETOOBIG). Missing file: -LXF_ENOENT. Returns 0 on success.
 */
int lxf_file_read(const char *path, size_t cap, struct lxf_buf *out, struct lxf_err *err);

/*
 * Replaces path atomically: writes PATH.tmp.XXXXXX in the same directory,
 * fsyncs it, renames it over path and fsyncs the directory. A crash leaves
 * either the old or the new file, never a torn one. Returns 0 or -LXF_EIO.
 */
int lxf_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			  struct lxf_err *err);

/* mkdir -p with mode for each created level. Returns 0 or -LXF_EIO. */
int lxf_mkdir_p(const char *path, mode_t mode, struct lxf_err *err);

/* rm -rf that never follows symlinks and stays on one filesystem. Missing is fine. */
int lxf_rm_rf(const char *path, struct lxf_err *err);

#endif
