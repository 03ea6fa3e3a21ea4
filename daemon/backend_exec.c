/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Processes and the console of running containers, through liblxc's attach
 * and console commands. Part of the backend: with backend.c, the only code
 * that includes <lxc/lxccontainer.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend.h"

#define CONSOLE_LOG_MAX (1024 * 1024)

/*
 * LXCPATH is DIR/containers and the log of name is DIR/logs/NAME/lxc.log:
 * backend.c keeps DIR to itself, so it is read back from the log path.
 */
static int lxcpath_of(const char *name, char *buf, size_t n, struct lxf_err *err)
{
	char log[PATH_MAX];
	size_t len, tail = strlen("/logs/") + strlen(name) + strlen("/lxc.log");

	if (backend_log_path(name, log, sizeof(log)) < 0)
		return lxf_err_set(err, LXF_EINVAL, "Invalid instance name \"%s\"", name);
	len = strlen(log);
	if (len <= tail || snprintf(buf, n, "%.*s/containers", (int)(len - tail), log) >= (int)n)
		return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
	return 0;
}

/* A liblxc handle on running container name (lxc_container_put it). */
static int ct_running(const char *name, struct lxc_container **out, struct lxf_err *err)
{
	char lxcpath[PATH_MAX];
	struct lxc_container *c = NULL;
	int ret = lxcpath_of(name, lxcpath, sizeof(lxcpath), err);

	*out = NULL;
	if (ret < 0)
		return ret;
	c = lxc_container_new(name, lxcpath);
	if (!c)
		return lxf_err_set(err, LXF_EIO, "liblxc cannot load container '%s'", name);
	if (!c->is_defined(c)) {
		lxc_container_put(c);
		return lxf_err_set(err, LXF_ENOENT, "Instance not found");
	}
	if (!c->is_running(c)) {
		lxc_container_put(c);
		return lxf_err_set(err, LXF_EBUSY, "Instance is not running");
	}
	*out = c;
	return 0;
}

/*
 * Runs in the attached child, inside the container, fds already on 0/1/2
 * and the environment already set: only async-signal-safe calls before exec.
 */
static int exec_child(void *payload)
{
	const struct backend_exec_opts *o = payload;
	static const char nf[] = ": command not found\n";

	if (o->pty) {
		/* A session of its own with the pty as controlling terminal: job
		 * control and ^C work as at a login prompt. */
		(void)setsid();
		(void)ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	}
	execvp(o->argv[0], (char *const *)o->argv);
	if (write(STDERR_FILENO, o->argv[0], strlen(o->argv[0])) < 0 ||
	    write(STDERR_FILENO, nf, sizeof(nf) - 1) < 0)
		return errno == ENOENT ? 127 : 126;
	return errno == ENOENT ? 127 : 126;
}

int backend_exec(const char *name, const struct backend_exec_opts *o, int *pid, struct lxf_err *err)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c = NULL;
	pid_t p = -1;
	int ret;

	*pid = -1;
	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return lxf_err_set(err, LXF_EINVAL, "Empty command");
	ret = ct_running(name, &c, err);
	if (ret < 0 || !c)
		return ret < 0 ? ret : -LXF_EINTERNAL;
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = (char **)o->env;
	opts.uid = o->uid >= 0 ? (uid_t)o->uid : 0;
	opts.gid = o->gid >= 0 ? (gid_t)o->gid : 0;
	opts.initial_cwd = (char *)(o->cwd && o->cwd[0] ? o->cwd : "/");
	opts.stdin_fd = o->stdin_fd;
	opts.stdout_fd = o->stdout_fd;
	opts.stderr_fd = o->stderr_fd;
	if (c->attach(c, exec_child, (void *)o, &opts, &p) < 0 || p <= 0) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot run a process in '%s'", name);
		goto out;
	}
	*pid = p;
	ret = 0;
out:
	lxc_container_put(c);
	return ret;
}

/*
 * /dev/ptmx of the container whose init is pid, opened read-write; -1 with
 * errno. The container owns that path: its symlinks resolve inside its
 * root, and only a ptmx node (5:2) is ever opened for real, so that no
 * host file or device with side effects on open can be reached.
 */
static int open_ptmx(pid_t pid)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	char path[64];
	struct stat st;
	int root = -1, node = -1, m = -1, e = 0;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	node = (int)syscall(SYS_openat2, root, "dev/ptmx", &how, sizeof(how));
	if (node < 0 || fstat(node, &st) < 0) {
		e = errno;
		goto out;
	}
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) {
		e = ENOTTY;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", node);
	m = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	e = errno;
out:
	if (node >= 0)
		close(node);
	close(root);
	errno = e;
	return m;
}

int backend_pty_open(const char *name, int *master, int *slave, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	unsigned long ubase = 0, gbase = 0, count = 0;
	int m = -1, s = -1, unlock = 0;
	pid_t init;
	int ret = ct_running(name, &c, err);

	*master = -1;
	*slave = -1;
	if (ret < 0 || !c)
		return ret < 0 ? ret : -LXF_EINTERNAL;
	init = c->init_pid(c);
	if (init <= 0) {
		ret = lxf_err_set(err, LXF_EBUSY, "Instance is not running");
		goto out;
	}
	/* The container's own devpts instance, as LXD's forkexec uses: the
	 * pty then exists inside (tty, ttyname, /dev/pts/N all work there). */
	m = open_ptmx(init);
	if (m < 0 || ioctl(m, TIOCSPTLCK, &unlock) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot open the pty multiplexer of '%s'",
				  name);
		goto out;
	}
	/* No path walk inside the container for the slave: ask the master. */
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot open the pty of '%s'", name);
		goto out;
	}
	/* Made by host root, which the container's user namespace does not
	 * map: hand it to the container's root and tty group (gid 5). */
	if (backend_idmap(name, &ubase, &gbase, &count, err) == 0 && count > 5 &&
	    fchown(s, (uid_t)ubase, (gid_t)(gbase + 5)) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot hand the pty to '%s'", name);
		goto out;
	}
	lxf_err_clear(err);
	*master = m;
	*slave = s;
	m = s = -1;
	ret = 0;
out:
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
	lxc_container_put(c);
	return ret;
}

int backend_console_fd(const char *name, int *fd, int *hold, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	int tty = 0, master = -1, sock;
	int ret = ct_running(name, &c, err);

	*fd = -1;
	*hold = -1;
	if (ret < 0 || !c)
		return ret < 0 ? ret : -LXF_EINTERNAL;
	sock = c->console_getfd(c, &tty, &master);
	if (sock < 0 || master < 0) {
		ret = lxf_err_set(err, LXF_EBUSY, "Cannot attach to the console of '%s'", name);
		goto out;
	}
	/* They came over a unix socket: make sure liblxc's next fork does not inherit them. */
	(void)fcntl(sock, F_SETFD, FD_CLOEXEC);
	(void)fcntl(master, F_SETFD, FD_CLOEXEC);
	*fd = master;
	*hold = sock;
	ret = 0;
out:
	lxc_container_put(c);
	return ret;
}

int backend_console_log(const char *name, bool clear, char **out, size_t *n, struct lxf_err *err)
{
	struct lxc_console_log log = {0};
	struct lxc_container *c = NULL;
	uint64_t max = CONSOLE_LOG_MAX;
	int ret = ct_running(name, &c, err);

	*out = NULL;
	*n = 0;
	if (ret == -LXF_EBUSY) {
		lxf_err_clear(err); /* stopped: nothing buffered */
		ret = 0;
		goto empty;
	}
	if (ret < 0 || !c)
		return ret < 0 ? ret : -LXF_EINTERNAL;
	log.read = !clear;
	log.clear = clear;
	log.read_max = &max;
	if (c->console_log(c, &log) < 0) {
		max = 0;
		log.data = NULL;
	}
	lxc_container_put(c);
	if (log.data && max > 0) {
		*out = log.data;
		*n = (size_t)max;
		return 0;
	}
	free(log.data);
empty:
	*out = strdup("");
	if (!*out)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return ret;
}

int backend_init_pidfd(const char *name, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	int fd = -1, ret = ct_running(name, &c, err);

	if (ret < 0 || !c)
		return ret < 0 ? ret : -LXF_EINTERNAL;
	fd = c->init_pidfd(c);
	if (fd < 0) {
		/* An older monitor without pidfds: the pid is as good while it lives. */
		pid_t pid = c->init_pid(c);
		fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	}
	if (fd < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot watch the init of '%s'", name);
	else
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	lxc_container_put(c);
	return fd < 0 ? ret : fd;
}
