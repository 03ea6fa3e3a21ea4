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

/*
 * A file that appears under its name only when complete (a download):
 * written as a private temporary file, then renamed over the target. Not
 * fsynced: for what lxf_file_write_atomic's durability would slow down.
 */
struct lxf_file_tmp {
	int fd;     /* open for writing while the file is written; -1 after */
	char *path; /* the temporary name (malloc'ed); NULL once renamed */
};

/*
 * Creates "<printf(fmt, ...)>XXXXXX" (the X's made unique), O_CLOEXEC,
 * mode 0600, into t. Returns 0, or -1 with errno set (ENOMEM included)
 * and t empty: the caller says what could not be created.
 */
int lxf_file_tmp_open(struct lxf_file_tmp *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Gives t's file mode (unless mode < 0), closes it and renames it to dst.
 * Returns 0 (t then holds nothing), or -1 with errno set: t still names
 * the file, for lxf_file_tmp_fini to remove.
 */
int lxf_file_tmp_commit(struct lxf_file_tmp *t, int mode, const char *dst);

/* Closes and removes what t still holds (nothing after a commit); t emptied. */
void lxf_file_tmp_fini(struct lxf_file_tmp *t);

/* mkdir -p with mode for each created level. Returns 0 or -LXF_EIO. */
int lxf_mkdir_p(const char *path, mode_t mode, struct lxf_err *err);

/* rm -rf that never follows symlinks and stays on one filesystem. Missing is fine. */
int lxf_rm_rf(const char *path, struct lxf_err *err);

#endif
