/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-attach: runs commands in running containers through liblxc's
 * attach, for lxfd's exec API (backend_exec.c starts it and talks to it).
 *
 * Why a process of its own: liblxc's attach forks the caller, and the
 * child runs liblxc code that allocates. lxfd has many threads; glibc's
 * malloc survives a fork from them, GCC 12's ASan allocator does not (a
 * lock held by another thread at fork time deadlocks the child, as a
 * start did in the ASan CI run). This helper is single-threaded, and
 * posix_spawn from lxfd execs at once.
 *
 * Why a server: exec'ing a fresh helper and loading liblxc and its
 * libraries for every command cost about a quarter of an exec's CPU
 * (bench/exec-cost.sh). lxfd spawns `lxfd-attach --server` once, with fd 3
 * a SOCK_SEQPACKET socket to it, and the server forks one child per
 * command, which starts the command exactly as a fresh helper would:
 * liblxc's own attach, with its default flags (namespaces, cgroup, LSM,
 * capabilities), from a new lxc_container. The server exits when lxfd's
 * end closes.
 *
 * One request is one message of one byte carrying four fds (SCM_RIGHTS):
 * the command's stdin, stdout and stderr and ctl, a stream socket to lxfd.
 * On ctl lxfd then writes six int64_t (uid, gid, pty, argc, envc, len) and
 * len bytes of NUL-terminated strings: the name, the lxcpath, the cwd,
 * argc of argv and envc of the command's whole environment. The child
 * answers "P <pid>\n" once the command runs (or "E <lxf_code>
 * <message>\n" and exits), then waits for one byte or EOF from lxfd, which
 * by then holds a pidfd on the command, so the pid cannot be recycled
 * under it. The command is the child's child (liblxc attaches with
 * CLONE_PARENT); the child waits for it and writes "X <status>\n", the
 * exit status or 128+N when signal N killed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"

#define FD_SERVER 3 /* the server's socket from lxfd */
#define FD_STDIN  3 /* in a child, after the dup2s */
#define FD_STDOUT 4
#define FD_STDERR 5
#define FD_CTL    6
#define REQ_MAX   (8 * 1024 * 1024) /* strings of one request, the kernel's ARG_MAX order */

struct child_args {
	char **argv;
	bool pty;
};

/*
 * Runs in the attached child, inside the container, fds already on 0/1/2
 * and the environment already set: only async-signal-safe calls before exec.
 */
static int exec_child(void *payload)
{
	const struct child_args *a = payload;
	static const char nf[] = ": command not found\n";

	if (a->pty) {
		/* A session of its own with the pty as controlling terminal: job
		 * control and ^C work as at a login prompt. */
		(void)setsid();
		(void)ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	}
	/* lxfd and the helper ignore SIGPIPE (EPIPE on a socket to a gone
	 * lxfd); the command starts with the default, as under LXD. */
	(void)signal(SIGPIPE, SIG_DFL);
	execvp(a->argv[0], a->argv);
	if (write(STDERR_FILENO, a->argv[0], strlen(a->argv[0])) < 0 ||
	    write(STDERR_FILENO, nf, sizeof(nf) - 1) < 0)
		return errno == ENOENT ? 127 : 126;
	return errno == ENOENT ? 127 : 126;
}

/* "E <code> <message>\n" to lxfd, then exit. */
__attribute__((noreturn, format(printf, 2, 3))) static void fail(int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)dprintf(FD_CTL, "E %d %s\n", code, n > 0 ? msg : "cannot run the command");
	_exit(126);
}

static bool read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/*
 * Reads the request from ctl into v (NULL-terminated: name, lxcpath, cwd,
 * argv..., NULL, env..., NULL); never returns on a bad one.
 */
static char **read_request(long *uid, long *gid, bool *pty, size_t *argc)
{
	int64_t h[6];
	char **v = NULL, *s = NULL;
	size_t n = 0, want;

	if (!read_all(FD_CTL, h, sizeof(h)))
		fail(LXF_EINTERNAL, "no request from lxfd");
	if (h[0] < -1 || h[1] < -1 || h[3] < 1 || h[4] < 0 || h[5] < 1 || h[5] > REQ_MAX ||
	    h[3] + h[4] > h[5])
		fail(LXF_EINVAL, "invalid request");
	*uid = (long)h[0];
	*gid = (long)h[1];
	*pty = h[2] != 0;
	*argc = (size_t)h[3];
	want = 3 + (size_t)h[3] + (size_t)h[4];
	s = malloc((size_t)h[5]);
	v = calloc(want + 2, sizeof(*v));
	if (!s || !v)
		fail(LXF_ENOMEM, "Out of memory");
	if (!read_all(FD_CTL, s, (size_t)h[5]) || s[h[5] - 1] != '\0')
		fail(LXF_EINVAL, "invalid request");
	/* argv's NULL goes after its last string, env's at the end. */
	for (char *p = s; p < s + h[5] && n < want; p += strlen(p) + 1) {
		v[n + (n >= 3 + *argc)] = p;
		n++;
	}
	if (n != want || !v[3] || !v[3][0])
		fail(LXF_EINVAL, "invalid request");
	return v;
}

/* One command, in a child of the server: never returns. */
static void run_one(void)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c;
	struct child_args a;
	pid_t pid = -1, w;
	char ack, **v;
	int status = 0;
	size_t argc;
	long uid, gid;
	bool pty;

	v = read_request(&uid, &gid, &pty, &argc);
	a = (struct child_args){.argv = v + 3, .pty = pty};
	c = lxc_container_new(v[0], v[1]);
	if (!c)
		fail(LXF_EIO, "liblxc cannot load container '%s'", v[0]);
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = v + 3 + argc + 1;
	opts.uid = uid >= 0 ? (uid_t)uid : 0;
	opts.gid = gid >= 0 ? (gid_t)gid : 0;
	opts.initial_cwd = v[2][0] ? v[2] : (char *)"/";
	opts.stdin_fd = FD_STDIN;
	opts.stdout_fd = FD_STDOUT;
	opts.stderr_fd = FD_STDERR;
	/* attach asks the monitor for the init anyway: is_running only names
	 * the failure, instead of a round trip to the monitor for every command. */
	if (c->attach(c, exec_child, &a, &opts, &pid) < 0 || pid <= 0) {
		if (!c->is_running(c))
			fail(LXF_EBUSY, "Instance is not running");
		fail(LXF_EIO, "Cannot run a process in '%s'", v[0]);
	}
	lxc_container_put(c);
	/* The command has its copies: the streams end when it ends. */
	close(FD_STDIN);
	close(FD_STDOUT);
	close(FD_STDERR);
	(void)dprintf(FD_CTL, "P %d\n", (int)pid);
	while (read(FD_CTL, &ack, 1) < 0 && errno == EINTR)
		;
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		status = 255 << 8;
	(void)dprintf(FD_CTL, "X %d\n",
		      WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	/* _exit: never an exit handler (a sanitizer build's leak check). */
	_exit(0);
}

static void on_child(int sig)
{
	(void)sig; /* only interrupts recvmsg: next_request reaps */
}

/* Receives one request's four fds; false when lxfd is gone. */
static bool next_request(int fds[4])
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} u;
	char b;
	struct iovec iov = {.iov_base = &b, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *cm;
	ssize_t r;

	for (;;) {
		do {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			r = recvmsg(FD_SERVER, &m, MSG_CMSG_CLOEXEC);
		} while (r < 0 && errno == EINTR);
		if (r <= 0)
			return false;
		cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(4 * sizeof(int))) {
			memcpy(fds, CMSG_DATA(cm), 4 * sizeof(int));
			return true;
		}
		/* Not a request of ours: drop whatever fds came with it. */
		for (; cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				     i++) {
					int fd;
					memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
					close(fd);
				}
		m.msg_controllen = sizeof(u.buf);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_child}; /* no SA_RESTART: recvmsg returns */
	int fds[4];

	if (argc != 2 || strcmp(argv[1], "--server") != 0) {
		fprintf(stderr, "usage: lxfd-attach --server (lxfd starts it)\n");
		return 2;
	}
	/* Nothing lxfd's own parent left open may reach a container. */
	(void)close_range(FD_SERVER + 1, ~0U, 0);
	/* The children are reaped here (not SIG_IGN), so that their CPU time
	 * adds up in ours, where bench/exec-cost.sh reads it; each reports on its ctl. */
	(void)sigaction(SIGCHLD, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	while (next_request(fds)) {
		pid_t pid = fork();
		if (pid == 0) {
			/* liblxc and the child wait for their own children. */
			(void)signal(SIGCHLD, SIG_DFL);
			/* Sources above the targets first: fds[] may hold 3-6. */
			for (int i = 0; i < 4; i++)
				fds[i] = fcntl(fds[i], F_DUPFD, 16);
			close(FD_SERVER);
			for (int i = 0; i < 4; i++)
				if (fds[i] < 0 || dup2(fds[i], FD_STDIN + i) < 0)
					_exit(126);
			for (int i = 0; i < 4; i++) {
				close(fds[i]);
				/* Not the command's: it gets its copies on 0-2 from liblxc. */
				(void)fcntl(FD_STDIN + i, F_SETFD, FD_CLOEXEC);
			}
			run_one();
		}
		for (int i = 0; i < 4; i++)
			close(fds[i]);
		/* A failed fork: the closed ctl tells lxfd ("gave no answer"). */
	}
	_exit(0);
}
