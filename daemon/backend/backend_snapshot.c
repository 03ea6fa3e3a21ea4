/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots as copies of the rootfs: DIR/snapshots/<name>/<snap>/rootfs.
 * The copy is GNU cp -a --reflink=auto (owners, modes, times, xattrs,
 * hardlinks, device nodes; shared extents where the filesystem can):
 * a well-kept tool rather than a home-made tree walker.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "file.h"

#define CP_PATH  "/bin/cp"
#define ERR_TAIL 200

static bool snap_ok(const char *snap)
{
	size_t n = snap ? strlen(snap) : 0;

	return n > 0 && n <= 255 && !strchr(snap, '/') && strcmp(snap, ".") != 0 &&
	       strcmp(snap, "..") != 0;
}

/* DIR/<area>/<name>[/<leaf>[/<leaf2>]] into buf. */
static int path_of(char *buf, size_t n, const char *area, const char *name, const char *leaf,
		   const char *leaf2, struct lxf_err *err)
{
	char dir[PATH_MAX];
	int len;

	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (!name || !name[0] || strchr(name, '/') || name[0] == '.' || (leaf && !snap_ok(leaf)))
		return lxf_err_set(err, LXF_EINVAL, "Bad instance or snapshot name");
	len = snprintf(buf, n, "%s/%s/%s%s%s%s%s", dir, area, name, leaf ? "/" : "",
		       leaf ? leaf : "", leaf2 ? "/" : "", leaf2 ? leaf2 : "");
	if (len < 0 || (size_t)len >= n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long for \"%s\"", name);
	return 0;
}

/* cp -a --reflink=auto, see backend.h. */
int backend_copy_tree(const char *src, const char *dst, struct lxf_err *err)
{
	char *const argv[] = {"cp", "-a", "--reflink=auto", "--", (char *)src, (char *)dst, NULL};
	char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
	posix_spawn_file_actions_t fa;
	char tail[ERR_TAIL + 1] = "";
	size_t tlen = 0;
	int pipefd[2] = {-1, -1}, status = 0, ret = 0, rc;
	pid_t pid = -1;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make a pipe");
	if (posix_spawn_file_actions_init(&fa) != 0) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2))
		rc = ENOMEM;
	else
		rc = posix_spawn(&pid, CP_PATH, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (rc != 0) {
		ret = lxf_err_sys(err, LXF_EIO, rc, "Cannot run " CP_PATH);
		goto out;
	}
	/* Drain stderr (keeping its start) so cp never blocks on a full pipe. */
	for (;;) {
		char chunk[512];
		ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n < ERR_TAIL - tlen ? (size_t)n : ERR_TAIL - tlen;
		memcpy(tail + tlen, chunk, take);
		tlen += take;
	}
	tail[tlen] = '\0';
	tail[strcspn(tail, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot wait for cp");
			goto out;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ret = lxf_err_set(err, LXF_EIO, "Copy failed: %s", tail[0] ? tail : "cp failed");
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return ret;
}

static bool is_running(const char *name)
{
	const char *st = backend_status(name);

	return st && (strcmp(st, "Running") == 0 || strcmp(st, "Frozen") == 0);
}

int backend_snapshot_create(const char *name, const char *snap, struct lxf_err *err)
{
	char src[PATH_MAX], sdir[PATH_MAX], target[PATH_MAX], dst[PATH_MAX], top[PATH_MAX];
	char mark[PATH_MAX];
	const char *status;
	bool frozen = false;
	int ret;

	if ((ret = path_of(src, sizeof(src), "containers", name, "rootfs", NULL, err)) < 0 ||
	    (ret = path_of(sdir, sizeof(sdir), "snapshots", name, NULL, NULL, err)) < 0 ||
	    (ret = path_of(target, sizeof(target), "snapshots", name, snap, NULL, err)) < 0 ||
	    (ret = path_of(dst, sizeof(dst), "snapshots", name, snap, "rootfs", err)) < 0)
		return ret;
	if (backend_dir(dst, sizeof(dst)) < 0 ||
	    snprintf(top, sizeof(top), "%s/snapshots", dst) >= (int)sizeof(top) ||
	    path_of(dst, sizeof(dst), "snapshots", name, snap, "rootfs", err) < 0)
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	/* Snapshots are never started: root-only, like the image store. */
	ret = lxf_mkdir_p(top, 0700, err);
	if (ret == 0)
		ret = lxf_mkdir_p(sdir, 0700, err);
	if (ret < 0)
		return ret;
	if (mkdir(target, 0700) < 0)
		return errno == EEXIST
			   ? lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already exists", snap)
			   : lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", target);
	status = backend_status(name);
	if (!status) {
		ret = lxf_err_set(err, LXF_ENOENT, "Instance not found");
		goto out;
	}
	/*
	 * A running container is frozen so the copy is one point in time. The
	 * mark says so to the next start should lxfd die before the thaw
	 * (journal.c thaws the instance of a half-made snapshot that has it):
	 * without it a container frozen by its user could not be told apart.
	 */
	if (strcmp(status, "Running") == 0) {
		int fd = -1;

		if (snprintf(mark, sizeof(mark), "%s/" BACKEND_FROZEN_MARK, target) >=
			(int)sizeof(mark) ||
		    (fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot mark %s", target);
			goto out;
		}
		close(fd);
		ret = backend_freeze(name, err);
		if (ret < 0)
			goto out;
		frozen = true;
	}
	ret = backend_copy_tree(src, dst, err);
	if (frozen) {
		struct lxf_err uerr;
		if (backend_unfreeze(name, &uerr) < 0 && ret == 0)
			ret = lxf_err_set(err, uerr.code, "%s", uerr.msg);
		else
			(void)unlink(mark);
	}
out:
	if (ret < 0)
		(void)lxf_rm_rf(target, NULL);
	return ret;
}

int backend_snapshot_delete(const char *name, const char *snap, struct lxf_err *err)
{
	char sdir[PATH_MAX], target[PATH_MAX];
	int ret;

	if ((ret = path_of(sdir, sizeof(sdir), "snapshots", name, NULL, NULL, err)) < 0 ||
	    (ret = path_of(target, sizeof(target), "snapshots", name, snap, NULL, err)) < 0)
		return ret;
	ret = lxf_rm_rf(target, err);
	if (ret == 0)
		(void)rmdir(sdir); /* the last one takes the instance's dir along */
	return ret;
}

int backend_snapshot_restore(const char *name, const char *snap, struct lxf_err *err)
{
	char src[PATH_MAX], rootfs[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int ret;

	if ((ret = path_of(src, sizeof(src), "snapshots", name, snap, "rootfs", err)) < 0 ||
	    (ret = path_of(rootfs, sizeof(rootfs), "containers", name, "rootfs", NULL, err)) < 0 ||
	    (ret = path_of(tmp, sizeof(tmp), "containers", name, "rootfs.restore", NULL, err)) < 0)
		return ret;
	if (is_running(name))
		return lxf_err_set(err, LXF_EBUSY, "Instance \"%s\" is running", name);
	if (lstat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		return lxf_err_set(err, LXF_ENOENT, "Snapshot \"%s\" has no rootfs", snap);
	/* A copy only: the swap is journalled with the row change (api_snapshots.c). */
	ret = lxf_rm_rf(tmp, err);
	if (ret == 0)
		ret = backend_copy_tree(src, tmp, err);
	if (ret < 0)
		(void)lxf_rm_rf(tmp, NULL);
	return ret;
}

static pthread_mutex_t size_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long size_sum;

static int size_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)p;
	(void)flag;
	(void)ftw;
	/* Hardlinked inodes are shared out between their names. */
	size_sum += (unsigned long long)st->st_blocks * 512ull /
		    (S_ISDIR(st->st_mode) || st->st_nlink == 0 ? 1 : st->st_nlink);
	return 0;
}

long long backend_snapshot_size(const char *name, const char *snap)
{
	char target[PATH_MAX];
	long long size = -1;

	if (path_of(target, sizeof(target), "snapshots", name, snap, "rootfs", NULL) < 0)
		return -1;
	pthread_mutex_lock(&size_lock);
	size_sum = 0;
	if (nftw(target, size_cb, 32, FTW_PHYS | FTW_MOUNT) == 0)
		size = (long long)size_sum;
	pthread_mutex_unlock(&size_lock);
	return size;
}
