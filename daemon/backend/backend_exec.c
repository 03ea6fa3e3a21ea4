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
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "helper.h"

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

/* Moves fd to a number above the ones the helper's file actions target. */
static int fd_high(int fd)
{
	return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 16);
}

/*
 * Reads lxfd-attach's one-line answer on ctl: the command's pid, or an
 * error it describes. Bounded: a line longer than the buffer is an error.
 */
static int attach_answer(int ctl, pid_t *pid, struct lxf_err *err)
{
	char line[600];
	size_t n = 0;
	int code = 0, off = 0;

	while (n < sizeof(line) - 1) {
		ssize_t r = read(ctl, line + n, sizeof(line) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(line, '\n', n))
			break;
	}
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (sscanf(line, "P %d", pid) == 1 && *pid > 0)
		return 0;
	if (sscanf(line, "E %d %n", &code, &off) == 1 && code > 0 && code < LXF_CODE_MAX && off > 0)
		return lxf_err_set(err, code, "%s", line + off);
	return lxf_err_set(err, LXF_EINTERNAL, "lxfd-attach gave no answer");
}

int backend_exec(const char *name, const struct backend_exec_opts *o, int *cmd_pidfd,
		 int *wait_pidfd, struct lxf_err *err)
{
	static const char *const no_env[] = {NULL};
	posix_spawn_file_actions_t fa;
	char lxcpath[PATH_MAX], path[PATH_MAX], uid[24], gid[24];
	const char **args = NULL;
	int sv[2] = {-1, -1}, hi[3] = {-1, -1, -1}, hctl = -1, hpidfd = -1, cfd = -1;
	bool fa_init = false;
	pid_t helper = -1, pid = -1;
	size_t argc = 0;
	int ret, rc;

	*cmd_pidfd = *wait_pidfd = -1;
	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return lxf_err_set(err, LXF_EINVAL, "Empty command");
	ret = lxcpath_of(name, lxcpath, sizeof(lxcpath), err);
	if (ret == 0)
		ret = lxfd_helper_path("lxfd-attach", path, sizeof(path), err);
	if (ret < 0)
		return ret;
	while (o->argv[argc])
		argc++;
	args = calloc(argc + 9, sizeof(*args));
	if (!args)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(uid, sizeof(uid), "%ld", o->uid);
	snprintf(gid, sizeof(gid), "%ld", o->gid);
	args[0] = path;
	args[1] = lxcpath;
	args[2] = name;
	args[3] = uid;
	args[4] = gid;
	args[5] = o->cwd && o->cwd[0] ? o->cwd : "/";
	args[6] = o->pty ? "1" : "0";
	args[7] = "--";
	memcpy(args + 8, o->argv, argc * sizeof(*args));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot make a socket pair");
		goto out;
	}
	/* The helper's fds 3-6 are set by dup2 in order: no source may be one of them. */
	hi[0] = fd_high(o->stdin_fd);
	hi[1] = fd_high(o->stdout_fd);
	hi[2] = fd_high(o->stderr_fd);
	hctl = fd_high(sv[1]);
	if (hi[0] < 0 || hi[1] < 0 || hi[2] < 0 || hctl < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot pass the command's streams");
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	fa_init = true;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, hi[0], 3) ||
	    posix_spawn_file_actions_adddup2(&fa, hi[1], 4) ||
	    posix_spawn_file_actions_adddup2(&fa, hi[2], 5) ||
	    posix_spawn_file_actions_adddup2(&fa, hctl, 6)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	/* posix_spawn (vfork-like) is safe from lxfd's threads, unlike the
	 * fork that liblxc's attach would make here (attach_helper.c). */
	rc = posix_spawn(&helper, path, &fa, NULL, (char *const *)args,
			 (char *const *)(o->env ? o->env : no_env));
	if (rc) {
		helper = -1;
		ret = lxf_err_sys(err, LXF_EIO, rc, "Cannot run %s", path);
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;
	hpidfd = (int)pidfd_open(helper, 0); /* our unreaped child: no pid reuse */
	ret = attach_answer(sv[0], &pid, err);
	if (ret == 0 && hpidfd < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot watch the command");
	if (ret == 0) {
		/* The helper has not reaped it yet: it waits for our byte below. */
		cfd = (int)pidfd_open(pid, 0);
		if (cfd < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot watch the command");
			(void)kill(pid, SIGKILL); /* never left running unobserved */
		}
	}
	(void)!write(sv[0], "", 1);
	if (ret < 0)
		goto out;
	*cmd_pidfd = cfd;
	*wait_pidfd = hpidfd;
	cfd = hpidfd = -1;
	helper = -1;
out:
	if (helper > 0)
		while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
			;
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 3; i++)
		if (hi[i] >= 0)
			close(hi[i]);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (hctl >= 0)
		close(hctl);
	if (hpidfd >= 0)
		close(hpidfd);
	if (cfd >= 0)
		close(cfd);
	free(args);
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
