/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /1.0/instances/{name}/exec: LXD's exec over websockets. The reply is
 * a websocket operation whose fds secrets open channel "0" (stdin, or the
 * pty both ways), "1" and "2" (stdout, stderr; non-interactive only) and
 * "control" (window-resize, signal). The op's thread is the pump: it waits
 * up to EXEC_WS_WAIT seconds for the channels, starts the command through
 * the backend, then polls the process's fds, an eventfd the loop pokes,
 * and lxfd-attach's socket for the exit. Buffers are bounded both ways:
 * output is read only while the channel's queue has room, and input
 * pauses the websocket once EXEC_IN_CAP bytes wait for the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "buf.h"
#include "exec_int.h"
#include "http.h"
#include "log.h"
#include "op.h"
#include "router.h"
#include "ws.h"

static const char *const ch_names[CH_COUNT] = {"0", "1", "2", "control"};

#define EXEC_WS_WAIT        10 /* seconds for the client to connect every channel */
#define EXEC_IN_CAP         (256 * 1024)
#define EXEC_OUT_CAP        (256 * 1024)
#define EXEC_CHUNK          (32 * 1024)
#define EXEC_IDLE_MS        200 /* after the exit: output quiet this long means done */
#define EXEC_LINGER_S       5   /* at the end: at most this long for the closes */
#define EXEC_CLIENT_CLOSE_S 10  /* after the barrier: at most this long for the client's closes */

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void exec_unref(struct exec *x)
{
	bool last;

	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	last = --x->refs == 0;
	pthread_mutex_unlock(&x->lock);
	if (!last)
		return;
	for (int i = 0; i < CH_COUNT; i++)
		ws_conn_unref(x->ch[i].c);
	if (x->wake >= 0)
		close(x->wake);
	if (x->pty >= 0)
		close(x->pty);
	if (x->pidfd >= 0)
		close(x->pidfd);
	lxf_buf_fini(&x->inq);
	strv_free(x->argv);
	strv_free(x->env);
	free(x->cwd);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

static void exec_arg_free(void *arg)
{
	exec_unref(arg);
}

static void poke(struct exec *x)
{
	uint64_t one = 1;

	if (write(x->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		lxf_debug("exec: cannot wake the pump: %s", strerror(errno));
}

/* Channel callbacks (loop thread) */

static void ch_open(void *data, struct ws_conn *c)
{
	struct exec_chan *ch = data;
	struct exec *x = ch->x;

	ws_conn_set_cap(c, EXEC_OUT_CAP);
	pthread_mutex_lock(&x->lock);
	ch->c = ws_conn_ref(c);
	ch->opened = true;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
}

static void control(struct exec *x, const char *msg, size_t n)
{
	struct ws_control ctl;
	struct lxf_err err;

	lxf_err_clear(&err);
	if (ws_control_parse(msg, n, &ctl, &err) < 0) {
		lxf_debug("exec %s: control message ignored: %s", x->name, err.msg);
		return;
	}
	pthread_mutex_lock(&x->lock);
	if (ctl.kind == WS_CTL_RESIZE && x->pty >= 0) {
		struct winsize ws = {.ws_row = (unsigned short)ctl.height,
				     .ws_col = (unsigned short)ctl.width};
		if (ioctl(x->pty, TIOCSWINSZ, &ws) < 0)
			lxf_debug("exec %s: cannot resize: %s", x->name, strerror(errno));
	} else if (ctl.kind == WS_CTL_SIGNAL && x->pidfd >= 0) {
		/* A pidfd cannot hit a recycled pid. */
		if (pidfd_send_signal(x->pidfd, ctl.signal, NULL, 0) < 0)
			lxf_debug("exec %s: signal %d: %s", x->name, ctl.signal, strerror(errno));
	}
	pthread_mutex_unlock(&x->lock);
}

static int ch_data(void *data, struct ws_conn *c, bool binary, const void *p, size_t n)
{
	struct exec_chan *ch = data;
	struct exec *x = ch->x;
	int pause = 0;

	(void)c;
	if (ch->idx == CH_CONTROL) {
		if (!binary)
			control(x, p, n);
		return 0;
	}
	if (ch->idx != CH_STDIN)
		return 0;
	pthread_mutex_lock(&x->lock);
	if (n == 0 && !binary) {
		/* LXD's end of stream; a terminal reads it as ^D. */
		if (!x->in_eof && x->pty >= 0)
			(void)lxf_buf_addc(&x->inq, 0x04);
		x->in_eof = true;
	} else if (!x->in_eof && lxf_buf_add(&x->inq, p, n) < 0) {
		lxf_warn("exec %s: out of memory for stdin", x->name);
	}
	/* The queue may pass the cap by one frame: reading stops right here. */
	if (x->inq.len >= EXEC_IN_CAP) {
		x->in_paused = true;
		pause = 1;
	}
	pthread_mutex_unlock(&x->lock);
	poke(x);
	return pause;
}

static void ch_close(void *data, struct ws_conn *c)
{
	struct exec_chan *ch = data;
	struct exec *x = ch->x;

	(void)c;
	pthread_mutex_lock(&x->lock);
	ch->closed = true;
	if (ch->idx == CH_STDIN)
		x->in_eof = true;
	/* As LXD: control gone while the command runs means kill it. */
	if (ch->idx == CH_CONTROL && x->pidfd >= 0)
		(void)pidfd_send_signal(x->pidfd, SIGKILL, NULL, 0);
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	poke(x);
	exec_unref(x); /* the channel's reference */
}

static void ch_drain(void *data, struct ws_conn *c)
{
	struct exec_chan *ch = data;

	(void)c;
	poke(ch->x);
}

static const struct ws_chan_ops exec_chan_ops = {
    .on_open = ch_open,
    .on_data = ch_data,
    .on_close = ch_close,
    .on_drain = ch_drain,
};

/* The pump (the op's thread) */

/* Takes the offered channels off ws.c's list; control too when all. */
static void withdraw(struct exec *x, bool all)
{
	for (int i = 0; i < CH_COUNT; i++)
		if (x->ch[i].used && (all || i != CH_CONTROL) && ws_chan_remove(&x->ch[i]) > 0)
			exec_unref(x);
}

/*
 * Waits for every offered data channel; false after EXEC_WS_WAIT seconds.
 * As in LXD, control is optional and may connect while the command runs:
 * pylxd never opens it.
 */
static bool wait_channels(struct exec *x)
{
	struct timespec deadline;
	bool all = false;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += EXEC_WS_WAIT;
	pthread_mutex_lock(&x->lock);
	for (;;) {
		all = true;
		for (int i = 0; i < CH_COUNT; i++)
			if (x->ch[i].used && !x->ch[i].opened && i != CH_CONTROL)
				all = false;
		if (all || x->cancelled ||
		    pthread_cond_timedwait(&x->cond, &x->lock, &deadline) == ETIMEDOUT)
			break;
	}
	all = all && !x->cancelled;
	pthread_mutex_unlock(&x->lock);
	return all;
}

static struct ws_conn *conn_of(struct exec *x, int idx)
{
	struct ws_conn *c;

	pthread_mutex_lock(&x->lock);
	c = x->ch[idx].c && !x->ch[idx].closed ? ws_conn_ref(x->ch[idx].c) : NULL;
	pthread_mutex_unlock(&x->lock);
	return c;
}

struct pump {
	struct exec *x;
	int out[2];     /* process output fds (pty master, or stdout/stderr) */
	int out_ch[2];  /* the channel each one goes to */
	int in;         /* process input fd (pty master, or stdin pipe) */
	bool in_is_out; /* the pty: in == out[0], never closed on its own */
	struct ws_conn *oc[2];
};

/* Reads what one output fd has and queues it. false at EOF. */
static bool pump_out(struct pump *p, int i)
{
	char buf[EXEC_CHUNK];
	ssize_t n = read(p->out[i], buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) /* EOF, or EIO from a pty whose slave is gone */
		return false;
	if (p->oc[i] && ws_conn_send(p->oc[i], true, buf, (size_t)n) < 0) {
		/* The reader went away: drop the output from now on. */
		ws_conn_unref(p->oc[i]);
		p->oc[i] = NULL;
	}
	return true;
}

/* Writes queued stdin to the process; closes a pipe at EOF. */
static void pump_in(struct pump *p)
{
	struct exec *x = p->x;
	bool resume = false;
	struct ws_conn *c = NULL;

	pthread_mutex_lock(&x->lock);
	if (p->in >= 0 && x->inq.len > 0) {
		ssize_t n = write(p->in, x->inq.data, x->inq.len);
		if (n > 0) {
			memmove(x->inq.data, x->inq.data + n, x->inq.len - (size_t)n);
			x->inq.len -= (size_t)n;
			x->inq.data[x->inq.len] = '\0';
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			x->inq.len = 0; /* the process stopped reading for good */
			x->in_eof = true;
		}
	}
	if (x->in_paused && x->inq.len < EXEC_IN_CAP / 2) {
		x->in_paused = false;
		resume = true;
		c = x->ch[CH_STDIN].c ? ws_conn_ref(x->ch[CH_STDIN].c) : NULL;
	}
	if (x->in_eof && x->inq.len == 0 && p->in >= 0 && !p->in_is_out) {
		close(p->in);
		p->in = -1;
	}
	pthread_mutex_unlock(&x->lock);
	if (resume && c)
		ws_conn_resume(c);
	ws_conn_unref(c);
}

static bool want_in(struct pump *p)
{
	bool r;

	pthread_mutex_lock(&p->x->lock);
	r = p->in >= 0 && p->x->inq.len > 0;
	pthread_mutex_unlock(&p->x->lock);
	return r;
}

static bool is_cancelled(struct exec *x)
{
	bool r;

	pthread_mutex_lock(&x->lock);
	r = x->cancelled;
	pthread_mutex_unlock(&x->lock);
	return r;
}

/* Pumps until the process has exited and its output is drained; returns the wait status. */
static int pump_run(struct pump *p, int waitfd)
{
	struct exec *x = p->x;
	bool exited = false;
	int status = 0;

	for (;;) {
		struct pollfd pf[5];
		int n = 0, iw, ip = -1, io[2] = {-1, -1}, iin = -1;
		bool open_out = false, blocked = false;

		pf[n] = (struct pollfd){.fd = x->wake, .events = POLLIN};
		iw = n++;
		if (!exited) {
			pf[n] = (struct pollfd){.fd = waitfd, .events = POLLIN};
			ip = n++;
		}
		for (int i = 0; i < 2; i++) {
			if (p->out[i] < 0)
				continue;
			open_out = true;
			/* No room in the channel: leave the data in the kernel. */
			if (p->oc[i] && !ws_conn_has_room(p->oc[i], EXEC_CHUNK)) {
				blocked = true;
				continue;
			}
			pf[n] = (struct pollfd){.fd = p->out[i], .events = POLLIN};
			io[i] = n++;
		}
		if (want_in(p)) {
			if (p->in_is_out && io[0] >= 0) {
				pf[io[0]].events |= POLLOUT;
				iin = io[0];
			} else {
				pf[n] = (struct pollfd){.fd = p->in, .events = POLLOUT};
				iin = n++;
			}
		}
		/* Cancelled: what a leftover child still writes is nobody's. */
		if (exited && (!open_out || is_cancelled(x)))
			break;
		int r = poll(pf, (nfds_t)n, exited ? EXEC_IDLE_MS : -1);
		if (r < 0 && errno != EINTR)
			break;
		/* Quiet after the exit with nothing held back by a slow reader:
		 * whoever still holds the output is a leftover background job. */
		if (r == 0 && exited && !blocked)
			break;
		if (r <= 0)
			continue;
		if (pf[iw].revents) {
			uint64_t v;
			if (read(x->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		if (ip >= 0 && pf[ip].revents) {
			status = backend_exec_status(waitfd);
			exited = true;
			pthread_mutex_lock(&x->lock);
			x->pidfd = -1; /* no more signals: it is gone */
			pthread_mutex_unlock(&x->lock);
		}
		for (int i = 0; i < 2; i++)
			if (io[i] >= 0 && (pf[io[i]].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !pump_out(p, i)) {
				if (!(p->in_is_out && i == 0))
					close(p->out[i]);
				p->out[i] = -1;
			}
		if (iin >= 0 || want_in(p) || p->in >= 0)
			pump_in(p);
	}
	return status;
}

/* The fds the command gets (child) and the pump keeps (p). */
static int make_fds(struct exec *x, struct pump *p, int child[3], struct lxf_err *err)
{
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	char slave[128];

	if (x->interactive) {
		int m = -1;
		struct lxf_err perr;
		/* The container's devpts first; the host's (where `tty` inside
		 * says "not a tty") when it has none of its own. */
		if (backend_pty_open(x->name, &m, &child[0], &perr) < 0) {
			lxf_debug("exec %s: host pty: %s", x->name, perr.msg);
			m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 ||
			    ptsname_r(m, slave, sizeof(slave)) != 0) {
				if (m >= 0)
					close(m);
				return lxf_err_sys(err, LXF_EIO, errno, "Cannot allocate a pty");
			}
			child[0] = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (child[0] < 0) {
				close(m);
				return lxf_err_sys(err, LXF_EIO, errno, "Cannot open %s", slave);
			}
		}
		child[1] = child[2] = child[0];
		if (x->width > 0 && x->height > 0) {
			struct winsize ws = {.ws_row = (unsigned short)x->height,
					     .ws_col = (unsigned short)x->width};
			(void)ioctl(m, TIOCSWINSZ, &ws);
		}
		(void)fcntl(m, F_SETFL, O_NONBLOCK);
		pthread_mutex_lock(&x->lock);
		x->pty = m;
		pthread_mutex_unlock(&x->lock);
		p->out[0] = p->in = m;
		p->out_ch[0] = CH_STDIN;
		p->in_is_out = true;
		return 0;
	}
	for (int i = 0; i < 3; i++)
		if (pipe2(pipes[i], O_CLOEXEC) < 0) {
			int e = errno;
			for (int j = 0; j < i; j++) {
				close(pipes[j][0]);
				close(pipes[j][1]);
			}
			return lxf_err_sys(err, LXF_EIO, e, "Cannot make pipes");
		}
	child[0] = pipes[0][0];
	p->in = pipes[0][1];
	child[1] = pipes[1][1];
	p->out[0] = pipes[1][0];
	p->out_ch[0] = CH_STDOUT;
	child[2] = pipes[2][1];
	p->out[1] = pipes[2][0];
	p->out_ch[1] = CH_STDERR;
	for (int i = 0; i < 2; i++)
		(void)fcntl(p->out[i], F_SETFL, O_NONBLOCK);
	(void)fcntl(p->in, F_SETFL, O_NONBLOCK);
	return 0;
}

static void close_child(const int child[3])
{
	for (int i = 0; i < 3; i++) {
		bool dup = false;
		for (int j = 0; j < i; j++)
			dup |= child[j] == child[i];
		if (child[i] >= 0 && !dup)
			close(child[i]);
	}
}

/* Closes every connected channel (after its queue) and waits, bounded, for them to go. */
static void close_channels(struct exec *x)
{
	struct timespec deadline;
	bool all;

	for (int i = 0; i < CH_COUNT; i++) {
		struct ws_conn *c = conn_of(x, i);
		if (c)
			ws_conn_close(c);
		ws_conn_unref(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += EXEC_LINGER_S;
	pthread_mutex_lock(&x->lock);
	for (;;) {
		all = true;
		for (int i = 0; i < CH_COUNT; i++)
			if (x->ch[i].opened && !x->ch[i].closed)
				all = false;
		if (all || pthread_cond_timedwait(&x->cond, &x->lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&x->lock);
}

/*
 * The end of a command as LXD ends it: an empty text message (LXD's
 * barrier, "end of stream") on each data channel, {"return": N} in the
 * op's metadata while the op still runs, then, bounded, the client closes
 * stdout and stderr itself (lxc on the barrier, pylxd once it sees
 * "return"). Hanging up first raced ws4py (pylxd): its close_all() then
 * either wrote to a dead socket (BrokenPipeError) or crossed our close
 * frame, and ws4py never reported that socket closed, so pylxd's execute()
 * waited for ever: the pylxd hang seen under ASan, where timings stretch.
 */
static void end_streams(struct exec *x, struct op *op, int status)
{
	struct json_object *md = json_object_new_object();
	struct timespec deadline;

	for (int i = CH_STDIN; i <= CH_STDERR; i++) {
		struct ws_conn *c = conn_of(x, i);
		if (c)
			(void)ws_conn_send(c, false, "", 0);
		ws_conn_unref(c);
	}
	if (md) {
		json_object_object_add(md, "return", json_object_new_int(status));
		op_set_metadata(op, md);
	}
	if (x->interactive)
		return; /* a terminal client only hangs up once the op is done */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += EXEC_CLIENT_CLOSE_S;
	pthread_mutex_lock(&x->lock);
	while ((x->ch[CH_STDOUT].opened && !x->ch[CH_STDOUT].closed) ||
	       (x->ch[CH_STDERR].opened && !x->ch[CH_STDERR].closed))
		if (pthread_cond_timedwait(&x->cond, &x->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&x->lock);
}

static int exec_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct exec *x = arg;
	struct pump p = {.x = x, .out = {-1, -1}, .in = -1};
	int child[3] = {-1, -1, -1}, sigfd = -1, waitfd = -1, status = 0, ret;
	struct backend_exec_opts o;

	pthread_mutex_lock(&x->lock);
	while (!x->offered)
		pthread_cond_wait(&x->cond, &x->lock);
	pthread_mutex_unlock(&x->lock);
	if (x->wait_ws && !wait_channels(x)) {
		ret = lxf_err_set(err, LXF_ETIMEDOUT, "Timed out waiting for websockets");
		goto out;
	}
	if (is_cancelled(x)) {
		ret = lxf_err_set(err, LXF_ECANCELED, "Operation cancelled");
		goto out;
	}
	withdraw(x, false); /* late data connections are refused from here on */
	pthread_mutex_lock(&x->lock);
	if (!x->ch[CH_STDIN].opened)
		x->in_eof = true; /* nobody will ever type: stdin is empty */
	pthread_mutex_unlock(&x->lock);
	ret = make_fds(x, &p, child, err);
	if (ret < 0)
		goto out;
	o = (struct backend_exec_opts){
	    .argv = (const char *const *)x->argv,
	    .env = (const char *const *)x->env,
	    .uid = x->uid,
	    .gid = x->gid,
	    .cwd = x->cwd,
	    .stdin_fd = child[0],
	    .stdout_fd = child[1],
	    .stderr_fd = child[2],
	    .pty = x->interactive,
	};
	ret = backend_exec(x->name, &o, &sigfd, &waitfd, err);
	close_child(child);
	if (ret < 0)
		goto out;
	pthread_mutex_lock(&x->lock);
	x->pidfd = sigfd;
	/* A cancel that came while the command was starting found no pidfd. */
	if (x->cancelled)
		(void)pidfd_send_signal(sigfd, SIGKILL, NULL, 0);
	pthread_mutex_unlock(&x->lock);
	for (int i = 0; i < 2; i++)
		if (p.out[i] >= 0)
			p.oc[i] = conn_of(x, p.out_ch[i]);
	lxf_debug("exec %s: %s started", x->name, x->argv[0]);
	status = pump_run(&p, waitfd);
	pthread_mutex_lock(&x->lock);
	x->pidfd = -1;
	pthread_mutex_unlock(&x->lock);
	close(waitfd);
	close(sigfd);
	if (!is_cancelled(x))
		end_streams(x, op, status);
	*md = json_object_new_object();
	if (*md)
		json_object_object_add(*md, "return", json_object_new_int(status));
	ret = 0;
out:
	withdraw(x, true);
	close_channels(x);
	for (int i = 0; i < 2; i++) {
		ws_conn_unref(p.oc[i]);
		if (p.out[i] >= 0 && !(p.in_is_out && i == 0))
			close(p.out[i]);
	}
	if (p.in >= 0 && !p.in_is_out)
		close(p.in);
	return ret;
}

/*
 * DELETE on the op (an lxfd extension: LXD's exec cannot be cancelled).
 * Kills the command; with a pty it leads its own session, so its
 * terminal's foreground jobs get SIGHUP as well. The pump then sees the
 * exit, stops, and closes the channels.
 */
static void exec_cancel(struct op *op, void *arg)
{
	struct exec *x = arg;

	(void)op;
	pthread_mutex_lock(&x->lock);
	x->cancelled = true;
	if (x->pidfd >= 0 && pidfd_send_signal(x->pidfd, SIGKILL, NULL, 0) < 0)
		lxf_debug("exec %s: cancel: %s", x->name, strerror(errno));
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	poke(x);
}

/* The request (parsing in exec_parse.c) */

static struct exec *exec_new(const char *name)
{
	struct exec *x = calloc(1, sizeof(*x));
	pthread_condattr_t attr;

	if (!x)
		return NULL;
	x->refs = 1;
	x->pty = -1;
	x->pidfd = -1;
	x->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(x->name, sizeof(x->name), "%s", name);
	(void)pthread_mutex_init(&x->lock, NULL);
	(void)pthread_condattr_init(&attr);
	(void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&x->cond, &attr);
	(void)pthread_condattr_destroy(&attr);
	for (int i = 0; i < CH_COUNT; i++) {
		x->ch[i].x = x;
		x->ch[i].idx = i;
	}
	if (x->wake < 0) {
		exec_unref(x);
		return NULL;
	}
	return x;
}

/* The secrets of the channels this mode uses, as {"fds":{...}}. */
static struct json_object *offer(struct exec *x)
{
	struct json_object *md = json_object_new_object(), *fds = json_object_new_object();

	if (!md || !fds) {
		json_object_put(md);
		json_object_put(fds);
		return NULL;
	}
	for (int i = 0; i < CH_COUNT; i++) {
		if (x->interactive && (i == CH_STDOUT || i == CH_STDERR))
			continue;
		x->ch[i].used = true;
		ws_secret(x->ch[i].secret);
		lxf_json_add_str(fds, ch_names[i], x->ch[i].secret);
	}
	json_object_object_add(md, "fds", fds);
	return md;
}

/* Checks the instance can run commands: LXD's status codes. */
static int runnable(const char *name, struct lxf_err *err)
{
	const char *st = backend_status(name);

	if (!st)
		return lxf_err_set(err, LXF_ENOENT, "Instance not found");
	if (strcmp(st, "Frozen") == 0)
		return lxf_err_set(err, LXF_EINVAL, "Instance is frozen");
	if (strcmp(st, "Running") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Instance is not running");
	return 0;
}

int api_exec_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct exec *x = NULL;
	struct json_object *md = NULL;
	struct op *op = NULL;
	char url[128];
	int ret;

	x = exec_new(name);
	if (!x)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ret = exec_parse_body(req, x, err);
	if (ret == 0)
		ret = runnable(name, err);
	if (ret == 0 && !(md = offer(x)))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret < 0)
		goto out;
	instance_url(name, url, sizeof(url));
	/* The op holds x (arg_free); each offered channel takes a reference too. */
	pthread_mutex_lock(&x->lock);
	for (int i = 0; i < CH_COUNT; i++)
		x->refs += x->ch[i].used;
	pthread_mutex_unlock(&x->lock);
	op = op_run_ws("Executing command", "instances", url, md, exec_op, x, exec_arg_free, err);
	if (!op) {
		/* op_run_ws dropped the op's reference; these are the channels'. */
		for (int i = 0; i < CH_COUNT; i++)
			if (x->ch[i].used)
				exec_unref(x);
		x = NULL;
		ret = -err->code;
		goto out;
	}
	op_set_cancel(op, exec_cancel);
	for (int i = 0; i < CH_COUNT; i++)
		if (x->ch[i].used &&
		    ws_chan_add(op_id(op), x->ch[i].secret, &exec_chan_ops, &x->ch[i]) < 0)
			exec_unref(x); /* never offered: the op then times out */
	pthread_mutex_lock(&x->lock);
	x->offered = true;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->lock);
	x = NULL;
	ret = api_async(req, op, err);
out:
	op_unref(op);
	exec_unref(x);
	return ret;
}
