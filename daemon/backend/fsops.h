/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_FSOPS_H
#define LXFD_FSOPS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "err.h"

/*
 * File operations inside a container's rootfs, seen from the host. Every
 * path is resolved with openat2(2) RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS
 * relative to root (an O_PATH fd of the rootfs): "..", absolute symlinks
 * and symlink chains are all read as the container would read them, so
 * nothing outside the rootfs is ever reached. Files are only ever opened
 * for I/O after their type was checked on a pinned O_PATH fd (a device
 * node planted by the container is refused, never opened).
 *
 * Errors: -LXF_ENOENT (missing), -LXF_EINVAL (bad path, wrong type),
 * -LXF_EEXIST, -LXF_EBUSY (directory not empty), -LXF_EPERM, -LXF_EIO.
 */

/* Owner and mode to apply; -1 fields are left as they are (or defaulted
 * for new entries: def_uid/def_gid, 0644 files, 0755 directories). */
struct fsops_attr {
	long long uid, gid; /* host ids */
	long long def_uid, def_gid;
	int mode; /* permission bits (07777) */
};

/*
 * Looks path up without following a final symlink. *fd gets an O_PATH fd
 * of the entry (close it), *st its lstat. A path ending in "." or ".."
 * or "" names a directory and is resolved whole.
 */
int fsops_lookup(int root, const char *path, int *fd, struct stat *st, struct lxf_err *err);

/* Opens the regular file pinned by pathfd (from fsops_lookup) for reading. */
int fsops_open_read(int pathfd, int *fd, struct lxf_err *err);

/* The target of the symlink pinned by pathfd into buf (NUL-terminated). */
int fsops_readlink(int pathfd, char *buf, size_t n, struct lxf_err *err);

/* The sorted entry names (no "." or "..") of the directory pinned by pathfd:
 * *names a new array. At most max entries (-LXF_ETOOBIG beyond). */
int fsops_list(int pathfd, size_t max, struct json_object **names, struct lxf_err *err);

/*
 * Writes the contents of src (read from its current offset to EOF) to
 * path: truncating, or appending with append. A final symlink is followed
 * inside the root; only a regular file or a new one is written. A new
 * file is removed again on failure.
 */
int fsops_write_file(int root, const char *path, int src, bool append, const struct fsops_attr *a,
		     struct lxf_err *err);

/* Makes directory path; an existing directory is fine (attributes applied). */
int fsops_mkdir(int root, const char *path, const struct fsops_attr *a, struct lxf_err *err);

/* Makes (or replaces an existing symlink with) a symlink path -> target. */
int fsops_symlink(int root, const char *path, const char *target, const struct fsops_attr *a,
		  struct lxf_err *err);

/* Removes a file, symlink (not its target) or empty directory. */
int fsops_remove(int root, const char *path, struct lxf_err *err);

#endif
