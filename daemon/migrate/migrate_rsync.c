/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One rsync over a migration's fs websocket, both ends as LXD runs them
 * (lxd/rsync/rsync.go): the receiver is `rsync --server -vlogDtpre.iLsfx
 * --numeric-ids --devices --partial --sparse [features] . DIR`, the sender
 * `rsync -ar --devices --numeric-ids --partial --sparse [features] DIR/
 * localhost:/tmp/foo -e CMD`. Each direction of the stream ends with an
 * empty text message (LXD's barrier), and both sides wait for the other's.
 *
 * rsync is spawned (posix_spawn: lxfd has many threads and must not fork)
 * on one end of a socketpair; the worker pumps the other end to and from
 * the websocket. The receiver talks on its stdin/stdout directly. The
 * sender, a client, wants a remote shell: CMD is a shell that relays
 * socket A (fd 3) to its stdout and its stdin to socket B (fd 4) — what
 * `lxd netcat` does for LXD, with no extra program. Two sockets, so that
 * each direction ends on its own: A when the peer's barrier comes, B
 * (our barrier) once rsync and the relay are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "migrate_int.h"
#include "op.h"

#define RSYNC_PATH "/usr/bin/rsync"
#define CHUNK      (64 * 1024)
#define TAIL_MAX   400
#define RELAY_IN   3
#define RELAY_OUT  4
/*
 * The remote shell of the sender, as `lxd netcat` behaves: it copies fd 3
 * to stdout and exits when fd 3 ends (our shutdown, on the peer's
 * barrier), for rsync waits for it before exiting; its stdin goes to fd 4
 * from a background cat (stdin saved as fd 5 first: sh gives background
 * jobs /dev/null). B ends once rsync and that cat are gone. The arguments
 * rsync appends (host, server command) are ignored.
 */
#define RELAY_CMD "sh -c 'exec 5<&0; cat <&5 5<&- 3<&- >&4 & exec cat <&3 4>&- 5<&-'"

/* Adds n bytes; publishes at most once a second, or now with force. */
static void progress(struct mig_progress *p, size_t n, bool force)
{
	struct json_object *md;
	char val[400], amount[32], speed[32];
	int64_t now = mig_now_ms();
	double secs, rate;

	if (!p || !p->op)
		return;
	if (!p->start_ms)
		p->start_ms = p->last_ms = now;
	p->bytes += n;
	if (now - p->last_ms < 1000 && !force)
		return;
	p->last_ms = now;
	secs = (double)(now - p->start_ms) / 1000.0;
	rate = secs > 0 ? (double)p->bytes / secs : 0;
	/* LXD's units.GetByteSizeString(x, 2): decimal units, two decimals. */
	for (int i = 0; i < 2; i++) {
		double v = i ? rate : (double)p->bytes;
		const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
		char *out = i ? speed : amount;
		size_t u = 0;
		if (v < 1000) {
			snprintf(out, 32, "%.0fB", v);
			continue;
		}
		v /= 1000;
		while (v >= 1000 && u < 4) {
			v /= 1000;
			u++;
		}
		snprintf(out, 32, "%.2f%s", v, units[u]);
	}
	snprintf(val, sizeof(val), "%s: %s (%s/s)", p->what, amount, speed);
	md = p->base_md ? json_object_get(p->base_md) : json_object_new_object();
	/* A fresh object each time: op_set_metadata takes it over. */
	if (md && p->base_md) {
		struct json_object *copy = json_object_new_object();
		json_object_object_foreach(md, k, v)
		{
			json_object_object_add(copy, k, json_object_get(v));
		}
		json_object_put(md);
		md = copy;
	}
	if (!md)
		return;
	json_object_object_add(md, "fs_progress", json_object_new_string(val));
	op_set_metadata(p->op, md);
}

void mig_progress_add(struct mig_progress *p, size_t n)
{
	progress(p, n, false);
}

/* Appends what rsync wrote on stderr, keeping the last TAIL_MAX bytes. */
static void read_tail(int fd, char *tail, size_t *tlen)
{
	char buf[512];
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (*tlen == TAIL_MAX) {
				memmove(tail, tail + 1, TAIL_MAX - 1);
				(*tlen)--;
			}
			tail[(*tlen)++] = buf[i] == '\n' ? ' ' : buf[i];
		}
	}
	tail[*tlen] = '\0';
}

static int spawn_rsync(const struct mig_rsync *r, int sock, int sock_out, int errfd, pid_t *pid,
		       struct lxf_err *err)
{
	char *argv[24];
	char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
	char src[PATH_MAX];
	posix_spawn_file_actions_t fa;
	int n = 0, rc;

	argv[n++] = "rsync";
	if (r->send) {
		argv[n++] = "-ar";
		argv[n++] = "--devices";
		argv[n++] = "--numeric-ids";
		argv[n++] = "--partial";
		argv[n++] = "--sparse";
	} else {
		argv[n++] = "--server";
		argv[n++] = "-vlogDtpre.iLsfx";
		argv[n++] = "--numeric-ids";
		argv[n++] = "--devices";
		argv[n++] = "--partial";
		argv[n++] = "--sparse";
		/* Beyond LXD's receiver: mtimes compared to the nanosecond, so a
		 * file rewritten at the same size within the second of the last
		 * pass (a refresh right after a stop) is not taken as unchanged. */
		argv[n++] = "--modify-window=-1";
	}
	if (r->xattrs) {
		argv[n++] = "--xattrs";
		argv[n++] = "--filter=-x security.selinux";
	}
	if (r->del)
		argv[n++] = "--delete";
	if (r->compress) {
		argv[n++] = "--compress";
		argv[n++] = "--compress-level=2";
	}
	if (r->send) {
		if (r->only_rootfs) {
			/* The lxc config and logs stay home; the receiver keeps
			 * its own files there too (excluded = not deleted). */
			argv[n++] = "--filter=+ /rootfs";
			argv[n++] = "--filter=- /*";
		}
		if (snprintf(src, sizeof(src), "%s/", r->path) >= (int)sizeof(src))
			return lxf_err_set(err, LXF_EINVAL, "Path too long");
		argv[n++] = src;
		argv[n++] = "localhost:/tmp/foo";
		argv[n++] = "-e";
		argv[n++] = RELAY_CMD;
	} else {
		argv[n++] = ".";
		argv[n++] = (char *)r->path;
	}
	argv[n] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (r->send)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
		     posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
		     posix_spawn_file_actions_adddup2(&fa, sock, RELAY_IN) ||
		     posix_spawn_file_actions_adddup2(&fa, sock_out, RELAY_OUT);
	else
		rc = posix_spawn_file_actions_adddup2(&fa, sock, 0) ||
		     posix_spawn_file_actions_adddup2(&fa, sock, 1);
	rc = rc || posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	if (rc)
		rc = ENOMEM;
	else
		rc = posix_spawn(pid, RSYNC_PATH, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return lxf_err_sys(err, LXF_EIO, rc, "Cannot run " RSYNC_PATH);
	return 0;
}

struct pump {
	int wfd, rfd, errfd, pidfd; /* to rsync, from rsync (one socket for a receiver) */
	pid_t pid;
	bool out_eof, in_eof, exited;
	int status;
	unsigned char in[CHUNK];
	size_t in_len, in_off;
	char tail[TAIL_MAX + 1];
	size_t tlen;
	int64_t last_io;
};

/* Moves what it can, once; returns < 0 on failure. */
static int pump_step(struct mig_chan *fs, const struct mig_rsync *r, struct pump *p,
		     struct mig_progress *prog, struct lxf_err *err)
{
	unsigned char buf[CHUNK];
	ssize_t n;

	/* websocket -> rsync, until the queue is empty or rsync's socket full */
	for (;;) {
		if (p->in_len == p->in_off) {
			if (p->in_eof)
				break;
			n = mig_chan_read(fs, p->in, sizeof(p->in));
			if (n == 0)
				break;
			if (n == MIG_READ_CLOSED)
				return lxf_err_set(
				    err, LXF_EIO,
				    "The migration peer closed the fs channel mid-transfer");
			if (n == MIG_READ_BARRIER) {
				p->in_eof = true;
				lxf_debug("migration rsync %s: peer's barrier", r->path);
				(void)shutdown(p->wfd, SHUT_WR);
				break;
			}
			p->in_len = (size_t)n;
			p->in_off = 0;
			p->last_io = mig_now_ms();
			if (!r->send)
				mig_progress_add(prog, (size_t)n);
		}
		n = send(p->wfd, p->in + p->in_off, p->in_len - p->in_off, MSG_NOSIGNAL);
		if (n > 0) {
			p->in_off += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			break; /* poll waits for room */
		} else {
			p->in_len = p->in_off = 0; /* rsync is gone: its status will say why */
		}
	}
	/* rsync -> websocket */
	while (!p->out_eof && mig_chan_has_room(fs, CHUNK)) {
		n = recv(p->rfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			p->out_eof = true;
			lxf_debug("migration rsync %s: our barrier", r->path);
			if (mig_chan_send(fs, false, "", 0, err) < 0)
				return -err->code;
			break;
		}
		p->last_io = mig_now_ms();
		if (r->send)
			mig_progress_add(prog, (size_t)n);
		if (mig_chan_send(fs, true, buf, (size_t)n, err) < 0)
			return -err->code;
	}
	if (!p->out_eof && mig_chan_closed(fs))
		return lxf_err_set(err, LXF_EIO, "The migration peer closed the fs channel");
	read_tail(p->errfd, p->tail, &p->tlen);
	if (!p->exited) {
		pid_t w = waitpid(p->pid, &p->status, WNOHANG);
		if (w == p->pid)
			p->exited = true;
	}
	return 0;
}

int mig_rsync_run(struct mig_link *l, struct mig_chan *fs, const struct mig_rsync *r,
		  struct mig_progress *prog, struct lxf_err *err)
{
	struct pump *p = calloc(1, sizeof(*p));
	int a[2] = {-1, -1}, b[2] = {-1, -1}, ep[2] = {-1, -1}, ca = -1, cb = -1, ret = 0;

	if (!p)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	p->wfd = p->rfd = p->errfd = p->pidfd = -1;
	p->pid = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a) < 0 ||
	    (r->send && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b) < 0) ||
	    pipe2(ep, O_CLOEXEC | O_NONBLOCK) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot make rsync's sockets");
		goto out;
	}
	/* Kept clear of 0-4, which the child's dup2s write over. */
	ca = fcntl(a[1], F_DUPFD_CLOEXEC, 10);
	cb = r->send ? fcntl(b[1], F_DUPFD_CLOEXEC, 10) : -1;
	if (ca < 0 || (r->send && cb < 0)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot dup rsync's socket");
		goto out;
	}
	ret = spawn_rsync(r, ca, cb, ep[1], &p->pid, err);
	if (ret < 0)
		goto out;
	p->wfd = a[0];
	p->rfd = r->send ? b[0] : a[0];
	a[0] = b[0] = -1;
	p->errfd = ep[0];
	ep[0] = -1;
	(void)fcntl(p->wfd, F_SETFL, O_NONBLOCK);
	(void)fcntl(p->rfd, F_SETFL, O_NONBLOCK);
	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	p->last_io = mig_now_ms();
	/* Only rsync (and its relay) may hold the far ends now. */
	close(a[1]);
	close(ca);
	close(ep[1]);
	a[1] = ca = ep[1] = -1;
	if (b[1] >= 0)
		close(b[1]);
	if (cb >= 0)
		close(cb);
	b[1] = cb = -1;
	while (!(p->out_eof && p->in_eof && p->exited)) {
		struct pollfd pf[5];
		int npf = 0;

		if (atomic_load(&l->cancelled)) {
			ret = lxf_err_set(err, LXF_ECANCELED, "Migration cancelled");
			goto out;
		}
		ret = pump_step(fs, r, p, prog, err);
		if (ret < 0)
			goto out;
		if (p->exited && (!WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0)) {
			read_tail(p->errfd, p->tail, &p->tlen);
			ret = lxf_err_set(err, LXF_EIO, "rsync %s %s failed (status %d): %s",
					  r->send ? "sending" : "receiving", r->path,
					  WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1,
					  p->tlen ? p->tail : "no message");
			goto out;
		}
		if (p->out_eof && p->in_eof && p->exited) {
			progress(prog, 0, true); /* a short transfer shows too */
			break;
		}
		if (mig_now_ms() - p->last_io > (int64_t)MIG_IDLE_SECS * 1000) {
			ret = lxf_err_set(err, LXF_ETIMEDOUT,
					  "The migration stalled: no data for %d s", MIG_IDLE_SECS);
			goto out;
		}
		pf[npf++] = (struct pollfd){.fd = l->wake, .events = POLLIN};
		/* An fd is watched only for what is wanted of it now: a socket
		 * whose far end is gone polls POLLHUP for ever otherwise. */
		pf[npf++] =
		    (struct pollfd){.fd = !p->out_eof && mig_chan_has_room(fs, CHUNK) ? p->rfd : -1,
				    .events = POLLIN};
		pf[npf++] =
		    (struct pollfd){.fd = p->in_len > p->in_off ? p->wfd : -1, .events = POLLOUT};
		/* -1 fds are skipped by poll: a closed stderr stops being watched. */
		pf[npf++] = (struct pollfd){.fd = p->errfd, .events = POLLIN};
		pf[npf++] = (struct pollfd){.fd = p->exited ? -1 : p->pidfd, .events = POLLIN};
		if (poll(pf, (nfds_t)npf, p->pidfd >= 0 ? 1000 : 100) > 0 && pf[0].revents) {
			uint64_t v;
			if (read(l->wake, &v, sizeof(v)) < 0)
				(void)0;
		}
		if (p->errfd >= 0 && (pf[3].revents & (POLLHUP | POLLERR))) {
			read_tail(p->errfd, p->tail, &p->tlen);
			close(p->errfd);
			p->errfd = -1;
		}
	}
out:
	if (p->pid > 0 && !p->exited) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (a[i] >= 0)
			close(a[i]);
		if (b[i] >= 0)
			close(b[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (ca >= 0)
		close(ca);
	if (cb >= 0)
		close(cb);
	if (p->rfd >= 0 && p->rfd != p->wfd)
		close(p->rfd);
	if (p->wfd >= 0)
		close(p->wfd);
	if (p->errfd >= 0)
		close(p->errfd);
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p);
	return ret;
}
