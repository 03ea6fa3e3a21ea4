/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File helpers: capped reads, crash-safe replacement, mkdir -p and an
 * rm -rf that works on directory fds so that a symlink planted inside a
 * container's tree can never redirect the deletion outside it.
 */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One page: -fstack-clash-protection probes a bigger stack chunk page by page
 * on every call, and a 64 KB one cost lxf 14 of its 128 page faults at
 * start-up, reading a config.yml that was not even there. */
#define FILE_CHUNK   4096
#define RM_MAX_DEPTH 256

int lxf_file_read(const char *path, size_t cap, struct lxf_buf *out, struct lxf_err *err)
{
	size_t start = out->len;
	struct stat st;
	size_t total = 0;
	int fd = -1;
	int ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = lxf_err_sys(err, errno == ENOENT ? LXF_ENOENT : LXF_EIO, errno,
				  "cannot open %s", path);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot stat %s", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = lxf_err_sys(err, LXF_EIO, EISDIR, "cannot read %s", path);
		goto out;
	}
	/* The size is only a hint (/proc files say 0), so the loop checks again. */
	if (cap && S_ISREG(st.st_mode) && (unsigned long long)st.st_size > cap) {
		ret = lxf_err_set(err, LXF_ETOOBIG, "%s is larger than %zu bytes", path, cap);
		goto out;
	}
	for (;;) {
		char chunk[FILE_CHUNK];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", path);
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (cap && total > cap) {
			ret =
			    lxf_err_set(err, LXF_ETOOBIG, "%s is larger than %zu bytes", path, cap);
			goto out;
		}
		ret = lxf_buf_add(out, chunk, (size_t)n);
		if (ret < 0) {
			ret = lxf_err_set(err, -ret, "cannot read %s: %s", path,
					  ret == -LXF_ETOOBIG ? "over the buffer cap"
							      : "out of memory");
			goto out;
		}
	}
out:
	if (ret < 0 && out->len > start) {
		out->len = start;
		out->data[start] = '\0';
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static int file_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int lxf_file_tmp_open(struct lxf_file_tmp *t, const char *fmt, ...)
{
	char *prefix = NULL;
	va_list ap;
	int n;

	t->fd = -1;
	t->path = NULL;
	va_start(ap, fmt);
	n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0) {
		errno = ENOMEM;
		return -1;
	}
	n = asprintf(&t->path, "%sXXXXXX", prefix);
	free(prefix);
	if (n < 0) {
		t->path = NULL;
		errno = ENOMEM;
		return -1;
	}
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		n = errno;
		free(t->path);
		t->path = NULL;
		errno = n;
		return -1;
	}
	return 0;
}

int lxf_file_tmp_commit(struct lxf_file_tmp *t, int mode, const char *dst)
{
	int fd = t->fd;

	if (mode >= 0 && fchmod(fd, (mode_t)mode) != 0)
		return -1;
	t->fd = -1;
	if (close(fd) != 0 || rename(t->path, dst) != 0)
		return -1;
	free(t->path);
	t->path = NULL;
	return 0;
}

void lxf_file_tmp_fini(struct lxf_file_tmp *t)
{
	int saved = errno;

	if (t->fd >= 0)
		(void)close(t->fd);
	if (t->path)
		(void)unlink(t->path);
	free(t->path);
	t->fd = -1;
	t->path = NULL;
	errno = saved;
}

/* fsync the directory holding path, so that a rename in it is durable. */
static int file_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;
	int ret = 0;

	if (!slash)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		(void)snprintf(dir, sizeof(dir), "/");
	else
		(void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fsync(fd) != 0 && errno != EINVAL)
		ret = -1;
	close(fd);
	return ret;
}

int lxf_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			  struct lxf_err *err)
{
	struct lxf_file_tmp t;
	int ret = 0;

	if (lxf_file_tmp_open(&t, "%s.tmp.", path) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot create a temporary file for %s",
				   path);
	/* fsync before the rename: a crash leaves the old file or the new, never a torn one. */
	if (file_write_all(t.fd, data, len) != 0 || fsync(t.fd) != 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot write %s", t.path);
		goto out;
	}
	if (lxf_file_tmp_commit(&t, (int)mode, path) != 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot write %s as %s", t.path, path);
		goto out;
	}
	if (file_sync_dir(path) != 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot sync the directory of %s", path);
out:
	lxf_file_tmp_fini(&t);
	return ret;
}

int lxf_mkdir_p(const char *path, mode_t mode, struct lxf_err *err)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t len = strlen(path);
	int ret = 0;

	if (len == 0 || len >= sizeof(buf)) {
		ret = lxf_err_sys(err, LXF_EIO, len ? ENAMETOOLONG : ENOENT, "cannot create '%s'",
				  path);
		goto out;
	}
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue; /* "a//b" */
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0) {
			int e = errno;

			if (e != EEXIST || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
				ret = lxf_err_sys(err, LXF_EIO, e == EEXIST ? ENOTDIR : e,
						  "cannot create directory %s", buf);
				goto out;
			}
		}
		buf[i] = i < len ? '/' : '\0';
	}
out:
	return ret;
}

/*
 * Removes the directory name inside the open directory pfd. dev is the
 * filesystem the deletion started on: we never descend into a mount.
 */
static int rm_dir_at(int pfd, const char *name, dev_t dev, int depth, struct lxf_err *err)
{
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int fd = -1;
	int ret = 0;

	if (depth > RM_MAX_DEPTH) {
		ret = lxf_err_set(err, LXF_EIO, "cannot remove %s: tree deeper than %d levels",
				  name, RM_MAX_DEPTH);
		goto out;
	}
	/* O_NOFOLLOW + O_DIRECTORY: a directory swapped for a symlink fails here. */
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot open %s", name);
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot stat %s", name);
		goto out;
	}
	if (st.st_dev != dev) {
		ret = lxf_err_set(err, LXF_EIO, "cannot remove %s: it is on another filesystem",
				  name);
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", name);
		goto out;
	}
	fd = -1; /* owned by d now */
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				ret = lxf_err_sys(err, LXF_EIO, errno, "cannot read %s", name);
				goto out;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot stat %s", de->d_name);
			goto out;
		}
		if (S_ISDIR(st.st_mode))
			ret = rm_dir_at(dirfd(d), de->d_name, dev, depth + 1, err);
		else if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT)
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot remove %s", de->d_name);
		if (ret < 0)
			goto out;
	}
	if (unlinkat(pfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot remove directory %s", name);
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	return ret;
}

int lxf_rm_rf(const char *path, struct lxf_err *err)
{
	struct stat st;
	int ret = 0;

	if (!path[0] || strspn(path, "/") == strlen(path)) {
		ret = lxf_err_set(err, LXF_EIO, "refusing to remove '%s'", path);
		goto out;
	}
	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot stat %s", path);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) != 0 && errno != ENOENT)
			ret = lxf_err_sys(err, LXF_EIO, errno, "cannot remove %s", path);
		goto out;
	}
	ret = rm_dir_at(AT_FDCWD, path, st.st_dev, 0, err);
	if (ret < 0)
		lxf_err_prefix(err, "rm -rf %s", path);
out:
	return ret;
}
