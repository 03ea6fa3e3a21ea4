/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may reach the containers' files on the host. They hold whatever a
 * container's root put there, setuid-root programs and private files
 * included, so no host user but root may walk into them (LXD keeps its
 * instance volumes the same way since CVE-2016-1582):
 *
 *   DIR, DIR/containers      0711  traversable, not listable: the root of
 *                                  an unprivileged container walks through
 *                                  them to mount its rootfs
 *   DIR/containers/<name>    0100  owned by the owner of its rootfs: host
 *                                  root, or the host uid that the
 *                                  container's root maps to, the only
 *                                  other uid that has to get in
 *   DIR/containers/<name>/rootfs   the container root's, as made
 *   DIR/images, logs, snapshots, migrate   0700: never entered but by root
 *
 * The rootfs decides its directory's owner, so whatever makes or re-owns a
 * rootfs (create, copy, a migration's id shift) ends with
 * backend_modes_instance; renames and cp -a keep the modes as they are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

#define INSTANCE_MODE 0100
#define PRIVATE_MODE  0700
#define PASS_MODE     0711

/* Owner from the rootfs (host root while there is none), then the mode. */
static int instance_at(int cfd, const char *cdir, const char *name, struct lxf_err *err)
{
	struct stat st, rst;
	uid_t uid = 0;
	gid_t gid = 0;
	int fd, ret = 0;

	fd = openat(cfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot open %s/%s", cdir, name);
	if (fstatat(fd, "rootfs", &rst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(rst.st_mode)) {
		uid = rst.st_uid;
		gid = rst.st_gid;
	}
	if (fstat(fd, &st) < 0 ||
	    ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0) ||
	    ((st.st_mode & 07777) != INSTANCE_MODE && fchmod(fd, INSTANCE_MODE) < 0))
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot restrict %s/%s to its container",
				  cdir, name);
	close(fd);
	return ret;
}

/* DIR/<sub> into buf, or "" and an error. */
static int sub_path(char *buf, size_t n, const char *sub, struct lxf_err *err)
{
	char dir[PATH_MAX];

	buf[0] = '\0';
	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (snprintf(buf, n, "%s/%s", dir, sub) >= (int)n)
		return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
	return 0;
}

int backend_modes_instance(const char *name, struct lxf_err *err)
{
	char cdir[PATH_MAX];
	int cfd, ret;

	ret = sub_path(cdir, sizeof(cdir), "containers", err);
	if (ret < 0)
		return ret;
	if (!name || !name[0] || strchr(name, '/') || name[0] == '.')
		return lxf_err_set(err, LXF_EINVAL, "Bad instance name");
	cfd = open(cdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot open %s", cdir);
	ret = instance_at(cfd, cdir, name, err);
	close(cfd);
	return ret;
}

/* A top-level directory to mode, if it exists. */
static int top_mode(const char *sub, mode_t mode, struct lxf_err *err)
{
	char path[PATH_MAX];
	int ret = sub_path(path, sizeof(path), sub, err);

	if (ret == 0 && chmod(path, mode) < 0 && errno != ENOENT)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot chmod %s", path);
	return ret;
}

int backend_modes_fix(struct lxf_err *err)
{
	static const char *const private_dirs[] = {"images", "logs", "snapshots", "migrate"};
	char cdir[PATH_MAX];
	struct dirent *de;
	DIR *d = NULL;
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < sizeof(private_dirs) / sizeof(private_dirs[0]); i++)
		ret = top_mode(private_dirs[i], PRIVATE_MODE, err);
	if (ret == 0)
		ret = top_mode("containers", PASS_MODE, err);
	if (ret == 0)
		ret = sub_path(cdir, sizeof(cdir), "containers", err);
	if (ret < 0)
		return ret;
	d = opendir(cdir);
	if (!d)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot list %s", cdir);
	while (ret == 0 && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue; /* liblxc keeps nothing but directories here */
		ret = instance_at(dirfd(d), cdir, de->d_name, err);
	}
	if (ret == 0 && errno)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot list %s", cdir);
	closedir(d);
	return ret;
}
