/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's files from the host: where its root is and how its ids
 * map. The id map is read from the container's own liblxc config (the
 * lxc.idmap lines backend.c wrote), so the answer follows
 * security.privileged as it was applied, not as the database says now.
 * A running container's root is /proc/<init>/root: its mount namespace,
 * with the tmpfs and bind mounts its processes see, as LXD's file API
 * works inside the container.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lxc/lxccontainer.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"
#include "file.h"

#define CONFIG_CAP (1u << 20)

/* Name rule as backend.c's: it keeps every path we build below DIR. */
static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > 63 || name[0] == '-' || name[n - 1] == '-' || isdigit((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return false;
	return true;
}

int backend_dir(char *buf, size_t n)
{
	static const char tail[] = "/logs/a/lxc.log";
	char log[PATH_MAX];
	size_t len;

	/* backend.c keeps DIR to itself; its log path is DIR + a fixed tail. */
	if (backend_log_path("a", log, sizeof(log)) < 0)
		return -LXF_EINVAL;
	len = strlen(log);
	if (len < sizeof(tail) - 1 || strcmp(log + len - (sizeof(tail) - 1), tail) != 0)
		return -LXF_EINVAL;
	len -= sizeof(tail) - 1;
	if (len + 1 > n)
		return -LXF_EINVAL;
	memcpy(buf, log, len);
	buf[len] = '\0';
	return 0;
}

static int ct_path(const char *name, const char *leaf, char *buf, size_t n, struct lxf_err *err)
{
	char dir[PATH_MAX];
	int len;

	if (!name_ok(name))
		return lxf_err_set(err, LXF_EINVAL, "Bad container name \"%.64s\"",
				   name ? name : "");
	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	len = snprintf(buf, n, "%s/containers/%s/%s", dir, name, leaf);
	if (len < 0 || (size_t)len >= n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long for \"%s\"", name);
	return 0;
}

int backend_idmap(const char *name, unsigned long *uid_base, unsigned long *gid_base,
		  unsigned long *count, struct lxf_err *err)
{
	struct lxf_buf b = {0};
	char path[PATH_MAX], *save = NULL;
	unsigned long ub = 0, gb = 0, cnt = 0;
	int ret;

	ret = ct_path(name, "config", path, sizeof(path), err);
	if (ret < 0)
		return ret;
	lxf_buf_init(&b, CONFIG_CAP);
	ret = lxf_file_read(path, CONFIG_CAP, &b, err);
	if (ret == -LXF_ENOENT) {
		ret = lxf_err_set(err, LXF_ENOENT, "Instance not found");
		goto out;
	}
	if (ret < 0 || !b.data)
		goto out;
	for (char *l = strtok_r(b.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long inside, base, n;
		char kind;
		/* Only the map of container id 0 matters: lxfd writes one range. */
		if (sscanf(l, "lxc.idmap = %c %lu %lu %lu", &kind, &inside, &base, &n) != 4 ||
		    inside != 0)
			continue;
		if (kind == 'u') {
			ub = base;
			cnt = n;
		} else if (kind == 'g') {
			gb = base;
		}
	}
	*uid_base = ub;
	*gid_base = gb;
	*count = cnt;
out:
	lxf_buf_fini(&b);
	return ret;
}

/*
 * The root of running container name as an O_PATH fd in *fd, or -1 when it
 * is not running. The pidfd proves the pid still names the container's
 * init after /proc/<pid>/root was opened (no pid reuse in between).
 */
static int running_root(const char *name, int *fd, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	char lxcpath[PATH_MAX], proc[64];
	int pidfd = -1, f = -1, ret = 0;
	pid_t pid;

	*fd = -1;
	if (backend_dir(lxcpath, sizeof(lxcpath)) < 0 ||
	    strlen(lxcpath) + sizeof("/containers") > sizeof(lxcpath))
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	memcpy(lxcpath + strlen(lxcpath), "/containers", sizeof("/containers"));
	c = lxc_container_new(name, lxcpath);
	if (!c)
		return lxf_err_set(err, LXF_EIO, "liblxc cannot load container '%s'", name);
	if (!c->is_running(c))
		goto out;
	pidfd = c->init_pidfd(c);
	pid = c->init_pid(c);
	if (pid <= 0)
		goto out; /* stopped meanwhile */
	snprintf(proc, sizeof(proc), "/proc/%d/root", (int)pid);
	f = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f < 0 && errno != ENOENT) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot open the root of '%s'", name);
		goto out;
	}
	if (f >= 0 && pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		close(f); /* init died: that pid may be someone else's now */
		f = -1;
	}
	*fd = f;
out:
	if (pidfd >= 0)
		close(pidfd);
	lxc_container_put(c);
	return ret;
}

int backend_rootfs_open(const char *name, int *fd, struct lxf_err *err)
{
	char path[PATH_MAX];
	int ret, f;

	*fd = -1;
	ret = ct_path(name, "rootfs", path, sizeof(path), err);
	if (ret == 0)
		ret = running_root(name, fd, err);
	if (ret < 0 || *fd >= 0)
		return ret;
	f = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (f < 0)
		return errno == ENOENT ? lxf_err_set(err, LXF_ENOENT, "Instance not found")
				       : lxf_err_sys(err, LXF_EIO, errno, "Cannot open the rootfs");
	*fd = f;
	return 0;
}
