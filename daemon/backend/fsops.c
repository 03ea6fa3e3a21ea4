/* SPDX-License-Identifier: Apache-2.0 */
/* Safe file operations in a container rootfs: openat2(2) RESOLVE_IN_ROOT. */
#include "fsops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COPY_CHUNK (1u << 20)

/* Maps errno from a path operation onto our codes, naming the path. */
static int path_err(struct lxf_err *err, int e, const char *what, const char *path)
{
	switch (e) {
	case ENOENT:
		return lxf_err_set(err, LXF_ENOENT, "%s: \"%.200s\" not found", what, path);
	case ENOTDIR:
		return lxf_err_set(err, LXF_ENOENT,
				   "%s: a component of \"%.200s\" is not a directory", what, path);
	case ELOOP:
		return lxf_err_set(err, LXF_EINVAL, "%s: too many symbolic links in \"%.200s\"",
				   what, path);
	case EXDEV:
		return lxf_err_set(err, LXF_EPERM, "%s: \"%.200s\" leads outside the container",
				   what, path);
	case EACCES:
	case EPERM:
		return lxf_err_sys(err, LXF_EPERM, e, "%s \"%.200s\"", what, path);
	case EEXIST:
		return lxf_err_set(err, LXF_EEXIST, "%s: \"%.200s\" already exists", what, path);
	case ENOTEMPTY:
		return lxf_err_set(err, LXF_EBUSY, "%s: directory \"%.200s\" is not empty", what,
				   path);
	case EISDIR:
		return lxf_err_set(err, LXF_EINVAL, "%s: \"%.200s\" is a directory", what, path);
	case ENAMETOOLONG:
		return lxf_err_set(err, LXF_EINVAL, "%s: path too long", what);
	default:
		return lxf_err_sys(err, LXF_EIO, e, "%s \"%.200s\"", what, path);
	}
}

/*
 * Kernel interface filesystems a running container mounts (its /proc,
 * /sys, cgroups...): lxfd is host root, so a read of /proc/kcore or a
 * write to /proc/sys there would act on the host. Never touched here.
 */
static int check_fs(int fd, const char *path, struct lxf_err *err)
{
	static const unsigned long banned[] = {
	    PROC_SUPER_MAGIC, SYSFS_MAGIC,   CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC,
	    DEBUGFS_MAGIC,    TRACEFS_MAGIC, SECURITYFS_MAGIC,   SELINUX_MAGIC,
	    SMACK_MAGIC,      BPF_FS_MAGIC,  PSTOREFS_MAGIC,     EFIVARFS_MAGIC,
	    BINFMTFS_MAGIC,   NSFS_MAGIC,    0x62656570 /* configfs */};
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot statfs \"%.200s\"", path);
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if ((unsigned long)sfs.f_type == banned[i])
			return lxf_err_set(err, LXF_EPERM,
					   "\"%.200s\" is on a kernel filesystem: not accessible",
					   path);
	return 0;
}

/* openat2 in the root; returns the fd or -errno. EAGAIN (a rename raced
 * the lookup) is retried a few times. */
static int resolve(int root, const char *path, uint64_t flags)
{
	struct open_how how;
	int fd = -1;

	memset(&how, 0, sizeof(how));
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	for (int i = 0; i < 8; i++) {
		fd = (int)syscall(SYS_openat2, root, path[0] ? path : ".", &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd >= 0 ? fd : -errno;
}

/*
 * Splits path into its parent (written into dir, "." for none) and its
 * final component (leaf, pointing into dir's storage after the NUL).
 * Trailing slashes are ignored. leaf is "" for the root itself.
 */
static int split(const char *path, char *dir, size_t n, const char **leaf, struct lxf_err *err)
{
	size_t len = strlen(path);
	char *slash;

	*leaf = "";
	if (len == 0)
		return lxf_err_set(err, LXF_EINVAL, "Missing path");
	if (len + 3 > n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	memcpy(dir, path, len + 1);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	slash = strrchr(dir, '/');
	if (!slash) {
		/* "name": parent ".", leaf moved one byte right to make room. */
		memmove(dir + 2, dir, len + 1);
		dir[0] = '.';
		dir[1] = '\0';
		*leaf = dir + 2;
	} else if (slash == dir) {
		*leaf = slash + 1;
		memmove(slash + 2, slash + 1, strlen(slash + 1) + 1);
		dir[1] = '\0';
		*leaf = dir + 2;
	} else {
		*slash = '\0';
		*leaf = slash + 1;
	}
	return 0;
}

static bool special_leaf(const char *leaf)
{
	return !leaf[0] || strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0;
}

/* The parent directory of path as an O_PATH fd, *leaf its last component. */
static int open_parent(int root, const char *path, char *dir, size_t n, const char **leaf, int *pfd,
		       struct lxf_err *err)
{
	int ret = split(path, dir, n, leaf, err);

	if (ret < 0)
		return ret;
	if (special_leaf(*leaf))
		return lxf_err_set(err, LXF_EINVAL, "Invalid path \"%.200s\"", path);
	*pfd = resolve(root, dir, O_PATH | O_DIRECTORY);
	if (*pfd < 0)
		return path_err(err, -*pfd, "Cannot open the parent of", path);
	ret = check_fs(*pfd, path, err);
	if (ret < 0) {
		close(*pfd);
		*pfd = -1;
	}
	return ret;
}

int fsops_lookup(int root, const char *path, int *fd, struct stat *st, struct lxf_err *err)
{
	char dir[PATH_MAX + 2];
	const char *leaf = NULL;
	int ret, f;

	*fd = -1;
	ret = split(path, dir, sizeof(dir), &leaf, err);
	if (ret < 0)
		return ret;
	/* O_NOFOLLOW only affects the final component: the parents are
	 * followed, inside the root. "." and ".." leaves are directories. */
	f = resolve(root, path, O_PATH | (special_leaf(leaf) ? 0 : O_NOFOLLOW));
	if (f < 0)
		return path_err(err, -f, "Cannot open", path);
	if (fstat(f, st) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot stat \"%.200s\"", path);
		close(f);
		return ret;
	}
	ret = check_fs(f, path, err);
	if (ret < 0) {
		close(f);
		return ret;
	}
	*fd = f;
	return 0;
}

/*
 * A mount owned by the container's user namespace (a tmpfs made inside)
 * cannot store host root as an owner: creations there fail EOVERFLOW. They
 * are retried as the new entry's owner (fsuid/fsgid are per thread: the
 * raw syscalls, no glibc broadcast) and the ids switched back at once.
 */
struct fsids {
	long uid, gid;
};

static struct fsids fsids_enter(const struct fsops_attr *a)
{
	struct fsids old;

	old.gid = syscall(SYS_setfsgid, (gid_t)a->def_gid);
	old.uid = syscall(SYS_setfsuid, (uid_t)a->def_uid);
	return old;
}

static void fsids_leave(struct fsids old)
{
	(void)syscall(SYS_setfsuid, (uid_t)old.uid);
	(void)syscall(SYS_setfsgid, (gid_t)old.gid);
}

static int create_file(int pfd, const char *leaf, const struct fsops_attr *a)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(pfd, leaf, flags, 0600);

	if (fd < 0 && errno == EOVERFLOW && a->def_uid > 0) {
		struct fsids old = fsids_enter(a);
		int e;
		fd = openat(pfd, leaf, flags, 0600);
		e = errno;
		fsids_leave(old);
		errno = e;
	}
	return fd;
}

static int create_dir(int pfd, const char *leaf, const struct fsops_attr *a)
{
	int ret = mkdirat(pfd, leaf, 0700);

	if (ret < 0 && errno == EOVERFLOW && a->def_uid > 0) {
		struct fsids old = fsids_enter(a);
		int e;
		ret = mkdirat(pfd, leaf, 0700);
		e = errno;
		fsids_leave(old);
		errno = e;
	}
	return ret;
}

static int create_symlink(const char *target, int pfd, const char *leaf, const struct fsops_attr *a)
{
	int ret = symlinkat(target, pfd, leaf);

	if (ret < 0 && errno == EOVERFLOW && a->def_uid > 0) {
		struct fsids old = fsids_enter(a);
		int e;
		ret = symlinkat(target, pfd, leaf);
		e = errno;
		fsids_leave(old);
		errno = e;
	}
	return ret;
}

/* Re-opens the inode pinned by an O_PATH fd: the kernel gives the very
 * same inode, so no rename or symlink swap can slip in between. */
static int reopen(int pathfd, int flags)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	fd = open(proc, flags | O_CLOEXEC | O_NOCTTY);
	return fd >= 0 ? fd : -errno;
}

int fsops_open_read(int pathfd, int *fd, struct lxf_err *err)
{
	struct stat st;
	int f;

	*fd = -1;
	if (fstat(pathfd, &st) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot stat file");
	if (!S_ISREG(st.st_mode))
		return lxf_err_set(err, LXF_EINVAL, "Not a regular file");
	f = reopen(pathfd, O_RDONLY | O_NONBLOCK);
	if (f < 0)
		return lxf_err_sys(err, LXF_EIO, -f, "Cannot open file");
	*fd = f;
	return 0;
}

int fsops_readlink(int pathfd, char *buf, size_t n, struct lxf_err *err)
{
	ssize_t len = readlinkat(pathfd, "", buf, n);

	if (len < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot read symlink");
	if ((size_t)len >= n)
		return lxf_err_set(err, LXF_ETOOBIG, "Symlink target too long");
	buf[len] = '\0';
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
		      json_object_get_string(*(struct json_object *const *)b));
}

int fsops_list(int pathfd, size_t max, struct json_object **names, struct lxf_err *err)
{
	struct json_object *arr = json_object_new_array();
	DIR *d = NULL;
	struct dirent *de;
	int fd, ret = 0;

	*names = NULL;
	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	fd = reopen(pathfd, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		ret = lxf_err_sys(err, LXF_EIO, -fd, "Cannot open directory");
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot read directory");
		close(fd);
		goto out;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (json_object_array_length(arr) >= max) {
			ret = lxf_err_set(err, LXF_ETOOBIG, "Directory has more than %zu entries",
					  max);
			goto out;
		}
		if (json_object_array_add(arr, json_object_new_string(de->d_name)) < 0) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto out;
		}
	}
	if (errno) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot read directory");
		goto out;
	}
	json_object_array_sort(arr, cmp_names);
	*names = arr;
	arr = NULL;
out:
	if (d)
		closedir(d);
	json_object_put(arr);
	return ret;
}

/* Owner first, then mode: chown clears set-id bits. -1 = keep. */
static int apply_attr(int fd, const char *path, bool made, const struct fsops_attr *a, int def_mode,
		      struct lxf_err *err)
{
	long long uid = a->uid >= 0 ? a->uid : made ? a->def_uid : -1;
	long long gid = a->gid >= 0 ? a->gid : made ? a->def_gid : -1;
	int mode = a->mode >= 0 ? a->mode : made ? def_mode : -1;

	if ((uid >= 0 || gid >= 0) && fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
		return path_err(err, errno, "Cannot chown", path);
	if (mode >= 0 && fchmod(fd, (mode_t)(mode & 07777)) < 0)
		return path_err(err, errno, "Cannot chmod", path);
	return 0;
}

/* src to dst until EOF: copy_file_range when the kernel can (never for
 * O_APPEND, which it refuses), else read/write. */
static int copy_fd(int src, int dst, bool append, struct lxf_err *err)
{
	char *chunk = NULL;
	bool plain = append;
	int ret = 0;

	for (;;) {
		ssize_t n;
		if (!plain) {
			n = copy_file_range(src, NULL, dst, NULL, COPY_CHUNK, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
				      errno == EOPNOTSUPP)) {
				plain = true;
				continue;
			}
		} else {
			if (!chunk && !(chunk = malloc(65536))) {
				ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
				break;
			}
			n = read(src, chunk, 65536);
			for (ssize_t off = 0; n > 0 && off < n;) {
				ssize_t w = write(dst, chunk + off, (size_t)(n - off));
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					n = -1;
					break;
				}
				off += w;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot write file");
			break;
		}
		if (n == 0)
			break;
	}
	free(chunk);
	return ret;
}

int fsops_write_file(int root, const char *path, int src, bool append, const struct fsops_attr *a,
		     struct lxf_err *err)
{
	char dir[PATH_MAX + 2];
	const char *leaf = NULL;
	int pathfd = -1, pfd = -1, fd = -1, ret;
	bool made = false;
	struct stat st;

	/* An existing target, found through symlinks inside the root. */
	pathfd = resolve(root, path, O_PATH);
	if (pathfd >= 0) {
		if (fstat(pathfd, &st) < 0) {
			ret = path_err(err, errno, "Cannot stat", path);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			ret =
			    lxf_err_set(err, LXF_EINVAL, "\"%.200s\" is not a regular file", path);
			goto out;
		}
		ret = check_fs(pathfd, path, err);
		if (ret < 0)
			goto out;
		fd = reopen(pathfd, O_WRONLY | (append ? O_APPEND : O_TRUNC));
		if (fd < 0) {
			ret = path_err(err, -fd, "Cannot open", path);
			goto out;
		}
	} else if (pathfd != -ENOENT) {
		ret = path_err(err, -pathfd, "Cannot open", path);
		goto out;
	} else {
		ret = open_parent(root, path, dir, sizeof(dir), &leaf, &pfd, err);
		if (ret < 0)
			goto out;
		/* O_EXCL|O_NOFOLLOW: never through a symlink planted meanwhile
		 * (a dangling symlink ends here too, with EEXIST). */
		fd = create_file(pfd, leaf, a);
		if (fd < 0) {
			ret = errno == EEXIST
				  ? lxf_err_set(
					err, LXF_EEXIST,
					"\"%.200s\" appeared meanwhile or is a dangling symlink",
					path)
				  : path_err(err, errno, "Cannot create", path);
			goto out;
		}
		made = true;
	}
	ret = copy_fd(src, fd, append, err);
	if (ret == 0)
		ret = apply_attr(fd, path, made, a, 0644, err);
out:
	if (ret < 0 && made)
		(void)unlinkat(pfd, leaf, 0);
	if (fd >= 0)
		close(fd);
	if (pfd >= 0)
		close(pfd);
	if (pathfd >= 0)
		close(pathfd);
	return ret;
}

int fsops_mkdir(int root, const char *path, const struct fsops_attr *a, struct lxf_err *err)
{
	char dir[PATH_MAX + 2];
	const char *leaf = NULL;
	int pfd = -1, fd = -1, ret;
	bool made = false;

	ret = open_parent(root, path, dir, sizeof(dir), &leaf, &pfd, err);
	if (ret < 0)
		return ret;
	if (create_dir(pfd, leaf, a) == 0)
		made = true;
	else if (errno != EEXIST) {
		ret = path_err(err, errno, "Cannot make directory", path);
		goto out;
	}
	/* O_NOFOLLOW|O_DIRECTORY: an existing symlink or file is refused. */
	fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOTDIR || errno == ELOOP
			  ? lxf_err_set(err, LXF_EEXIST, "\"%.200s\" exists and is not a directory",
					path)
			  : path_err(err, errno, "Cannot open", path);
		goto out;
	}
	ret = apply_attr(fd, path, made, a, 0755, err);
out:
	if (ret < 0 && made)
		(void)unlinkat(pfd, leaf, AT_REMOVEDIR);
	if (fd >= 0)
		close(fd);
	close(pfd);
	return ret;
}

int fsops_symlink(int root, const char *path, const char *target, const struct fsops_attr *a,
		  struct lxf_err *err)
{
	char dir[PATH_MAX + 2];
	const char *leaf = NULL;
	long long uid, gid;
	struct stat st;
	int pfd = -1, ret;

	if (!target[0] || strlen(target) >= PATH_MAX)
		return lxf_err_set(err, LXF_EINVAL, "Bad symlink target");
	ret = open_parent(root, path, dir, sizeof(dir), &leaf, &pfd, err);
	if (ret < 0)
		return ret;
	if (create_symlink(target, pfd, leaf, a) < 0) {
		/* Only a symlink is replaced: LXD's overwrite of a link. */
		if (errno != EEXIST || fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISLNK(st.st_mode)) {
			ret = path_err(err, errno, "Cannot make symlink", path);
			goto out;
		}
		if (unlinkat(pfd, leaf, 0) < 0 || create_symlink(target, pfd, leaf, a) < 0) {
			ret = path_err(err, errno, "Cannot replace symlink", path);
			goto out;
		}
	}
	uid = a->uid >= 0 ? a->uid : a->def_uid;
	gid = a->gid >= 0 ? a->gid : a->def_gid;
	if ((uid >= 0 || gid >= 0) &&
	    fchownat(pfd, leaf, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
		ret = path_err(err, errno, "Cannot chown", path);
out:
	close(pfd);
	return ret;
}

int fsops_remove(int root, const char *path, struct lxf_err *err)
{
	char dir[PATH_MAX + 2];
	const char *leaf = NULL;
	struct stat st;
	int pfd = -1, ret;

	ret = open_parent(root, path, dir, sizeof(dir), &leaf, &pfd, err);
	if (ret < 0)
		return ret;
	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		ret = path_err(err, errno, "Cannot remove", path);
	else if (unlinkat(pfd, leaf, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		ret = path_err(err, errno, "Cannot remove", path);
	close(pfd);
	return ret;
}
