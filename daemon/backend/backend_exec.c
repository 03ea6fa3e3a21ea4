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
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
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
#include "buf.h"
#include "helper.h"

#define CONSOLE_LOG_MAX (1024 * 1024)
#define ATTACH_REQ_MAX  (8 * 1024 * 1024) /* attach_helper.c's REQ_MAX */

/*
 * LXCPATH is DIR/containers and the log of name is DIR/logs/NAME/lxc.log:
 * backend.c keeps DIR to itself, so it is read back from the log path.
 */
/* send(2) all of p, without SIGPIPE; -1 with errno. */
static int send_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

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
 * lxfd-attach --server (attach_helper.c: why a process, why a server, the
 * protocol), started at the first exec and again after it died: srv_fd is
 * our end of its SOCK_SEQPACKET socket, srv_pid our unreaped child.
 */
static pthread_mutex_t srv_lock = PTHREAD_MUTEX_INITIALIZER;
static int srv_fd = -1;
static pid_t srv_pid = -1;

/* srv_lock held. */
static void server_stop(void)
{
	if (srv_fd >= 0)
		close(srv_fd);
	srv_fd = -1;
	if (srv_pid > 0) {
		(void)kill(srv_pid, SIGKILL);
		while (waitpid(srv_pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	srv_pid = -1;
}

/* srv_lock held. */
static int server_start(struct lxf_err *err)
{
	static const char *const no_env[] = {NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none;
	char path[PATH_MAX];
	const char *args[] = {path, "--server", NULL};
	int sv[2] = {-1, -1}, hi = -1, ret, rc;

	ret = lxfd_helper_path("lxfd-attach", path, sizeof(path), err);
	if (ret < 0)
		return ret;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make a socket pair");
	/* Above fd 3, which dup2 sets. */
	hi = fcntl(sv[1], F_DUPFD_CLOEXEC, 16);
	if (hi < 0 || posix_spawn_file_actions_init(&fa)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot start %s", path);
		goto out;
	}
	/* A thread of lxfd may block signals: the commands must not inherit that. */
	sigemptyset(&none);
	if (posix_spawnattr_init(&sa)) {
		posix_spawn_file_actions_destroy(&fa);
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_adddup2(&fa, hi, 3) ||
	    posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK) ||
	    posix_spawnattr_setsigmask(&sa, &none))
		rc = ENOMEM;
	else /* posix_spawn (vfork-like) is safe from lxfd's threads, unlike a fork. */
		rc = posix_spawn(&srv_pid, path, &fa, &sa, (char *const *)args,
				 (char *const *)no_env);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		srv_pid = -1;
		ret = lxf_err_sys(err, LXF_EIO, rc, "Cannot run %s", path);
		goto out;
	}
	srv_fd = sv[0];
	sv[0] = -1;
	ret = 0;
out:
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (hi >= 0)
		close(hi);
	return ret;
}

/* Hands the command's fds and ctl to the server, started or restarted as needed. */
static int server_send(const int fds[4], struct lxf_err *err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	char b = 'R';
	struct iovec iov = {.iov_base = &b, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;
	int ret = -LXF_EIO;

	pthread_mutex_lock(&srv_lock);
	/* A second try with a new server when the old one is gone. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (srv_fd < 0 && (ret = server_start(err)) < 0)
			break;
		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(4 * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, 4 * sizeof(int));
		ssize_t r;
		do
			r = sendmsg(srv_fd, &m, MSG_NOSIGNAL);
		while (r < 0 && errno == EINTR);
		if (r == 1) {
			ret = 0;
			break;
		}
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot reach lxfd-attach");
		server_stop();
	}
	pthread_mutex_unlock(&srv_lock);
	return ret;
}

/* The request on ctl: six int64_t and the strings (attach_helper.c). */
static int send_request(int ctl, const char *name, const char *lxcpath,
			const struct backend_exec_opts *o, struct lxf_err *err)
{
	static const char *const no_env[] = {NULL};
	const char *const *env = o->env ? o->env : no_env;
	const char *head[] = {name, lxcpath, o->cwd && o->cwd[0] ? o->cwd : "/"};
	struct lxf_buf b;
	int64_t h[6] = {o->uid, o->gid, o->pty, 0, 0, 0};
	int ret = 0;

	lxf_buf_init(&b, ATTACH_REQ_MAX);
	for (int i = 0; i < 3 && ret == 0; i++)
		ret = lxf_buf_add(&b, head[i], strlen(head[i]) + 1);
	for (size_t i = 0; o->argv[i] && ret == 0; i++, h[3]++)
		ret = lxf_buf_add(&b, o->argv[i], strlen(o->argv[i]) + 1);
	for (size_t i = 0; env[i] && ret == 0; i++, h[4]++)
		ret = lxf_buf_add(&b, env[i], strlen(env[i]) + 1);
	h[5] = (int64_t)b.len;
	if (ret < 0) {
		ret = ret == -LXF_ETOOBIG
			  ? lxf_err_set(err, LXF_ETOOBIG, "Command and environment too long")
			  : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (send_all(ctl, h, sizeof(h)) < 0 || send_all(ctl, b.data, b.len) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot reach lxfd-attach");
out:
	lxf_buf_fini(&b);
	return ret;
}

/*
 * Reads one line of lxfd-attach's on ctl into line (size n, NUL-terminated,
 * without its newline). Bounded: a longer line is cut.
 */
static void ctl_line(int ctl, char *line, size_t n)
{
	size_t got = 0;

	while (got < n - 1) {
		ssize_t r = read(ctl, line + got, n - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';
}

/* lxfd-attach's first answer: the command's pid, or the error it describes. */
static int attach_answer(int ctl, pid_t *pid, struct lxf_err *err)
{
	char line[600];
	int code = 0, off = 0;

	ctl_line(ctl, line, sizeof(line));
	if (sscanf(line, "P %d", pid) == 1 && *pid > 0)
		return 0;
	if (sscanf(line, "E %d %n", &code, &off) == 1 && code > 0 && code < LXF_CODE_MAX && off > 0)
		return lxf_err_set(err, code, "%s", line + off);
	return lxf_err_set(err, LXF_EINTERNAL, "lxfd-attach gave no answer");
}

int backend_exec_status(int wait_fd)
{
	char line[32];
	int status = -1;

	ctl_line(wait_fd, line, sizeof(line));
	if (sscanf(line, "X %d", &status) != 1 || status < 0 || status > 255)
		status = 255; /* the helper died: nobody saw the command end */
	return status;
}

int backend_exec(const char *name, const struct backend_exec_opts *o, int *cmd_pidfd, int *wait_fd,
		 struct lxf_err *err)
{
	char lxcpath[PATH_MAX];
	int sv[2] = {-1, -1}, cfd = -1;
	pid_t pid = -1;
	int ret;

	*cmd_pidfd = *wait_fd = -1;
	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return lxf_err_set(err, LXF_EINVAL, "Empty command");
	ret = lxcpath_of(name, lxcpath, sizeof(lxcpath), err);
	if (ret < 0)
		return ret;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make a socket pair");
	ret = server_send((const int[4]){o->stdin_fd, o->stdout_fd, o->stderr_fd, sv[1]}, err);
	if (ret < 0)
		goto out;
	/* Only the server's child holds ctl now: EOF when it is gone. */
	close(sv[1]);
	sv[1] = -1;
	ret = send_request(sv[0], name, lxcpath, o, err);
	if (ret == 0)
		ret = attach_answer(sv[0], &pid, err);
	if (ret == 0) {
		/* The helper has not reaped it yet: it waits for our byte below. */
		cfd = (int)pidfd_open(pid, 0);
		if (cfd < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot watch the command");
			(void)kill(pid, SIGKILL); /* never left running unobserved */
		}
	}
	(void)!send(sv[0], "", 1, MSG_NOSIGNAL);
	if (ret < 0)
		goto out;
	*cmd_pidfd = cfd;
	*wait_fd = sv[0];
	cfd = sv[0] = -1;
out:
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (cfd >= 0)
		close(cfd);
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
