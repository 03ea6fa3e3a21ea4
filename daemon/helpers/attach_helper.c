/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-attach: runs one command in a running container through liblxc's
 * attach, for lxfd's exec API (backend_exec.c spawns it).
 *
 * Why a process of its own: liblxc's attach forks the caller, and the
 * child runs liblxc code that allocates. lxfd has many threads; glibc's
 * malloc survives a fork from them, GCC 12's ASan allocator does not (a
 * lock held by another thread at fork time deadlocks the child, as a
 * start did in the ASan CI run). This helper is single-threaded, and
 * posix_spawn from lxfd execs at once.
 *
 *   lxfd-attach LXCPATH NAME UID GID CWD PTY -- ARGV...
 *
 * The environment is the command's whole environment. fds 3, 4 and 5 are
 * the command's stdin, stdout and stderr; fd 6 is a stream socket to lxfd:
 * the helper writes "P <pid>\n" once the command runs (or "E <lxf_code>
 * <message>\n" and exits 126), then waits for one byte or EOF from lxfd, which by then
 * holds a pidfd on the command, so the pid cannot be recycled under it.
 * The command is the helper's child (liblxc attaches with CLONE_PARENT);
 * the helper waits for it and exits with its status, 128+N when signal N
 * killed it: lxfd waits for the helper and signals the command.
 */
#include <errno.h>
#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"

#define FD_STDIN  3
#define FD_STDOUT 4
#define FD_STDERR 5
#define FD_CTL    6

extern char **environ;

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
	execvp(a->argv[0], a->argv);
	if (write(STDERR_FILENO, a->argv[0], strlen(a->argv[0])) < 0 ||
	    write(STDERR_FILENO, nf, sizeof(nf) - 1) < 0)
		return errno == ENOENT ? 127 : 126;
	return errno == ENOENT ? 127 : 126;
}

/* "E <code> <message>\n" to lxfd, then exit 126. */
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

static long number(const char *s)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || !end || *end || v < -1)
		fail(LXF_EINVAL, "invalid number \"%s\"", s);
	return v;
}

int main(int argc, char **argv)
{
	lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
	struct lxc_container *c;
	struct child_args a;
	pid_t pid = -1, w;
	char ack;
	int status = 0;
	long uid, gid;

	if (argc < 9 || strcmp(argv[7], "--") != 0 || !argv[8][0])
		fail(LXF_EINVAL, "usage: lxfd-attach LXCPATH NAME UID GID CWD PTY -- ARGV...");
	uid = number(argv[3]);
	gid = number(argv[4]);
	a = (struct child_args){.argv = argv + 8, .pty = strcmp(argv[6], "1") == 0};
	c = lxc_container_new(argv[2], argv[1]);
	if (!c)
		fail(LXF_EIO, "liblxc cannot load container '%s'", argv[2]);
	if (!c->is_running(c))
		fail(LXF_EBUSY, "Instance is not running");
	opts.env_policy = LXC_ATTACH_CLEAR_ENV;
	opts.extra_env_vars = environ;
	opts.uid = uid >= 0 ? (uid_t)uid : 0;
	opts.gid = gid >= 0 ? (gid_t)gid : 0;
	opts.initial_cwd = argv[5][0] ? argv[5] : (char *)"/";
	opts.stdin_fd = FD_STDIN;
	opts.stdout_fd = FD_STDOUT;
	opts.stderr_fd = FD_STDERR;
	if (c->attach(c, exec_child, &a, &opts, &pid) < 0 || pid <= 0)
		fail(LXF_EIO, "Cannot run a process in '%s'", argv[2]);
	lxc_container_put(c);
	/* The command has its copies: the streams end when it ends. */
	close(FD_STDIN);
	close(FD_STDOUT);
	close(FD_STDERR);
	(void)dprintf(FD_CTL, "P %d\n", (int)pid);
	while (read(FD_CTL, &ack, 1) < 0 && errno == EINTR)
		;
	close(FD_CTL);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	/* _exit: the status is the command's, never an exit handler's (a
	 * sanitizer build's leak check would otherwise replace it). */
	if (w < 0)
		_exit(255);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
