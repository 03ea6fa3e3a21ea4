/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/instances/{name}/console: POST attaches a websocket operation
 * (channels "0" and "control") to the container's console; GET returns the
 * console ring buffer and DELETE clears it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "http.h"
#include "log.h"
#include "op.h"
#include "router.h"
#include "ws.h"

int api_console_get(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	char *log = NULL;
	size_t n = 0;
	int ret;

	if (!backend_status(name))
		return lxf_err_set(err, LXF_ENOENT, "Instance not found");
	ret = backend_console_log(name, false, &log, &n, err);
	if (ret < 0)
		return ret;
	lxf_buf_reset(&req->out);
	if (lxf_buf_add(&req->out, log, n) < 0)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	else {
		req->status = 200;
		req->ctype = "application/octet-stream";
	}
	free(log);
	return ret;
}

int api_console_delete(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	char *log = NULL;
	size_t n = 0;
	int ret;

	if (!backend_status(name))
		return lxf_err_set(err, LXF_ENOENT, "Instance not found");
	ret = backend_console_log(name, true, &log, &n, err);
	free(log);
	if (ret < 0)
		return ret;
	return reply_sync(req, NULL, err);
}

#define CON_WS_WAIT 10 /* seconds for the client to connect both channels */
#define CON_IN_CAP  (64 * 1024)
#define CON_OUT_CAP (256 * 1024)
#define CON_CHUNK   (16 * 1024)

enum { CON_DATA, CON_CONTROL, CON_NCH };

struct con;

struct con_chan {
	struct con *k;
	int idx;
	char secret[65];
	struct ws_conn *c;
	bool opened, closed;
};

/* One console attachment: the loop feeds it, the op's thread pumps it. */
struct con {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;
	char name[64];
	int width, height;
	struct con_chan ch[CON_NCH];
	struct lxf_buf inq;
	bool in_paused, offered;
	bool cancelled; /* DELETE on the op: detach as if the client had */
	int wake;
	int fd; /* the console's pty master, under lock for resizes */
};

static void con_unref(struct con *k)
{
	bool last;

	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	last = --k->refs == 0;
	pthread_mutex_unlock(&k->lock);
	if (!last)
		return;
	for (int i = 0; i < CON_NCH; i++)
		ws_conn_unref(k->ch[i].c);
	if (k->wake >= 0)
		close(k->wake);
	lxf_buf_fini(&k->inq);
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static void con_arg_free(void *arg)
{
	con_unref(arg);
}

static void con_poke(struct con *k)
{
	uint64_t one = 1;

	if (write(k->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		lxf_debug("console: cannot wake the pump: %s", strerror(errno));
}

static void con_open(void *data, struct ws_conn *c)
{
	struct con_chan *ch = data;

	ws_conn_set_cap(c, CON_OUT_CAP);
	pthread_mutex_lock(&ch->k->lock);
	ch->c = ws_conn_ref(c);
	ch->opened = true;
	pthread_cond_broadcast(&ch->k->cond);
	pthread_mutex_unlock(&ch->k->lock);
}

static void con_control(struct con *k, const void *p, size_t n)
{
	struct ws_control ctl;
	struct lxf_err err;
	struct winsize ws;

	if (ws_control_parse(p, n, &ctl, &err) < 0 || ctl.kind != WS_CTL_RESIZE)
		return;
	ws = (struct winsize){.ws_row = (unsigned short)ctl.height,
			      .ws_col = (unsigned short)ctl.width};
	pthread_mutex_lock(&k->lock);
	if (k->fd >= 0)
		(void)ioctl(k->fd, TIOCSWINSZ, &ws);
	pthread_mutex_unlock(&k->lock);
}

static int con_data(void *data, struct ws_conn *c, bool binary, const void *p, size_t n)
{
	struct con_chan *ch = data;
	struct con *k = ch->k;
	int pause = 0;

	(void)c;
	if (ch->idx == CON_CONTROL) {
		if (!binary)
			con_control(k, p, n);
		return 0;
	}
	if (n == 0)
		return 0; /* end of input: the console itself stays */
	pthread_mutex_lock(&k->lock);
	if (lxf_buf_add(&k->inq, p, n) < 0)
		lxf_warn("console %s: out of memory for input", k->name);
	if (k->inq.len >= CON_IN_CAP) {
		k->in_paused = true;
		pause = 1;
	}
	pthread_mutex_unlock(&k->lock);
	con_poke(k);
	return pause;
}

static void con_close(void *data, struct ws_conn *c)
{
	struct con_chan *ch = data;
	struct con *k = ch->k;

	(void)c;
	pthread_mutex_lock(&k->lock);
	ch->closed = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	con_poke(k);
	con_unref(k);
}

static void con_drain(void *data, struct ws_conn *c)
{
	(void)c;
	con_poke(((struct con_chan *)data)->k);
}

static const struct ws_chan_ops con_ops = {
    .on_open = con_open,
    .on_data = con_data,
    .on_close = con_close,
    .on_drain = con_drain,
};

/* Drops n references the caller knows are not the last (it holds one more). */
static void con_drop(struct con *k, int n)
{
	pthread_mutex_lock(&k->lock);
	k->refs -= n;
	pthread_mutex_unlock(&k->lock);
}

static void con_withdraw(struct con *k)
{
	int n = 0;

	for (int i = 0; i < CON_NCH; i++)
		n += ws_chan_remove(&k->ch[i]);
	con_drop(k, n);
}

/* Waits, at most secs seconds, for done(k) (called with k->lock held). */
static bool con_wait(struct con *k, bool (*done)(struct con *k), int secs)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += secs;
	pthread_mutex_lock(&k->lock);
	while (!(ok = done(k)) &&
	       pthread_cond_timedwait(&k->cond, &k->lock, &deadline) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&k->lock);
	return ok;
}

static bool all_open(struct con *k)
{
	return (k->ch[CON_DATA].opened && k->ch[CON_CONTROL].opened) || k->cancelled;
}

static bool all_closed(struct con *k)
{
	for (int i = 0; i < CON_NCH; i++)
		if (k->ch[i].opened && !k->ch[i].closed)
			return false;
	return true;
}

/* Detach: the client closed control (or the data channel). */
static bool detached(struct con *k)
{
	bool r;

	pthread_mutex_lock(&k->lock);
	r = k->ch[CON_DATA].closed || k->ch[CON_CONTROL].closed || k->cancelled;
	pthread_mutex_unlock(&k->lock);
	return r;
}

/* Console input, written as the pty takes it. */
static void con_write(struct con *k, int fd)
{
	struct ws_conn *resume = NULL;

	pthread_mutex_lock(&k->lock);
	if (k->inq.len > 0) {
		ssize_t n = write(fd, k->inq.data, k->inq.len);
		if (n > 0) {
			memmove(k->inq.data, k->inq.data + n, k->inq.len - (size_t)n);
			k->inq.len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			k->inq.len = 0;
		}
	}
	if (k->in_paused && k->inq.len < CON_IN_CAP / 2 && k->ch[CON_DATA].c) {
		k->in_paused = false;
		resume = ws_conn_ref(k->ch[CON_DATA].c);
	}
	pthread_mutex_unlock(&k->lock);
	if (resume)
		ws_conn_resume(resume);
	ws_conn_unref(resume);
}

/* Console output to the data channel. false at EOF or when the client is gone. */
static bool con_read(int fd, struct ws_conn *out)
{
	char buf[CON_CHUNK];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	return ws_conn_send(out, true, buf, (size_t)n) == 0;
}

static void con_pump(struct con *k, int fd)
{
	struct ws_conn *out = NULL;

	pthread_mutex_lock(&k->lock);
	out = k->ch[CON_DATA].c ? ws_conn_ref(k->ch[CON_DATA].c) : NULL;
	pthread_mutex_unlock(&k->lock);
	while (out && !detached(k)) {
		struct pollfd pf[2] = {{.fd = k->wake, .events = POLLIN}, {.fd = fd}};
		bool pending;

		if (ws_conn_has_room(out, CON_CHUNK))
			pf[1].events |= POLLIN;
		pthread_mutex_lock(&k->lock);
		pending = k->inq.len > 0;
		pthread_mutex_unlock(&k->lock);
		if (pending)
			pf[1].events |= POLLOUT;
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents) {
			uint64_t v;
			if (read(k->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		if ((pf[1].revents & (POLLIN | POLLHUP | POLLERR)) && !con_read(fd, out))
			break; /* the container stopped, or the client is gone */
		if (pf[1].revents & POLLOUT)
			con_write(k, fd);
	}
	ws_conn_unref(out);
}

static void con_close_all(struct con *k)
{
	for (int i = 0; i < CON_NCH; i++) {
		struct ws_conn *c = NULL;
		pthread_mutex_lock(&k->lock);
		if (k->ch[i].c)
			c = ws_conn_ref(k->ch[i].c);
		pthread_mutex_unlock(&k->lock);
		if (c)
			ws_conn_close(c);
		ws_conn_unref(c);
	}
	(void)con_wait(k, all_closed, 5);
}

static int con_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct con *k = arg;
	int fd = -1, hold = -1, ret = 0;

	(void)op;
	(void)md;
	pthread_mutex_lock(&k->lock);
	while (!k->offered)
		pthread_cond_wait(&k->cond, &k->lock);
	pthread_mutex_unlock(&k->lock);
	if (!con_wait(k, all_open, CON_WS_WAIT)) {
		ret = lxf_err_set(err, LXF_ETIMEDOUT, "Timed out waiting for websockets");
		goto out;
	}
	con_withdraw(k);
	pthread_mutex_lock(&k->lock);
	if (k->cancelled)
		ret = lxf_err_set(err, LXF_ECANCELED, "Operation cancelled");
	pthread_mutex_unlock(&k->lock);
	if (ret < 0)
		goto out;
	ret = backend_console_fd(k->name, &fd, &hold, err);
	if (ret < 0)
		goto out;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	pthread_mutex_lock(&k->lock);
	k->fd = fd;
	if (k->width > 0 && k->height > 0) {
		struct winsize ws = {.ws_row = (unsigned short)k->height,
				     .ws_col = (unsigned short)k->width};
		(void)ioctl(fd, TIOCSWINSZ, &ws);
	}
	pthread_mutex_unlock(&k->lock);
	con_pump(k, fd);
	pthread_mutex_lock(&k->lock);
	k->fd = -1;
	pthread_mutex_unlock(&k->lock);
out:
	con_withdraw(k);
	con_close_all(k);
	if (fd >= 0)
		close(fd);
	if (hold >= 0)
		close(hold);
	return ret;
}

/* DELETE on the op (an lxfd extension; LXD's console cannot be cancelled). */
static void con_cancel(struct op *op, void *arg)
{
	struct con *k = arg;

	(void)op;
	pthread_mutex_lock(&k->lock);
	k->cancelled = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	con_poke(k);
}

static struct con *con_new(const char *name)
{
	struct con *k = calloc(1, sizeof(*k));
	pthread_condattr_t attr;

	if (!k)
		return NULL;
	k->refs = 1;
	k->fd = -1;
	k->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(k->name, sizeof(k->name), "%s", name);
	(void)pthread_mutex_init(&k->lock, NULL);
	(void)pthread_condattr_init(&attr);
	(void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&k->cond, &attr);
	(void)pthread_condattr_destroy(&attr);
	for (int i = 0; i < CON_NCH; i++) {
		k->ch[i].k = k;
		k->ch[i].idx = i;
		ws_secret(k->ch[i].secret);
	}
	if (k->wake < 0) {
		con_unref(k);
		return NULL;
	}
	return k;
}

static int con_parse(struct http_req *req, struct con *k, struct lxf_err *err)
{
	struct json_object *body = NULL;
	const char *type = NULL;
	int64_t w = 0, h = 0;
	int ret = api_body_object(req, &body, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_int(body, "width", false, &w, err) < 0 ||
	    lxf_json_get_int(body, "height", false, &h, err) < 0 ||
	    lxf_json_get_string(body, "type", false, &type, err) < 0)
		return -LXF_EINVAL;
	if (type && type[0] && strcmp(type, "console") != 0)
		return lxf_err_set(err, LXF_EINVAL,
				   "Console type \"%s\" is not supported for containers", type);
	if (w < 0 || w > 65535 || h < 0 || h > 65535)
		return lxf_err_set(err, LXF_EINVAL, "Invalid terminal size");
	k->width = (int)w;
	k->height = (int)h;
	return 0;
}

static struct json_object *con_offer(struct con *k)
{
	struct json_object *md = json_object_new_object(), *fds = json_object_new_object();

	if (!md || !fds) {
		json_object_put(md);
		json_object_put(fds);
		return NULL;
	}
	lxf_json_add_str(fds, "0", k->ch[CON_DATA].secret);
	lxf_json_add_str(fds, "control", k->ch[CON_CONTROL].secret);
	json_object_object_add(md, "fds", fds);
	return md;
}

int api_console_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	const char *st = backend_status(name);
	struct json_object *md = NULL;
	struct con *k = con_new(name);
	struct op *op = NULL;
	char url[128];
	int ret = 0;

	if (!k)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (!st)
		ret = lxf_err_set(err, LXF_ENOENT, "Instance not found");
	else if (strcmp(st, "Running") != 0)
		ret = lxf_err_set(err, LXF_EINVAL, "Instance is not running");
	if (ret == 0)
		ret = con_parse(req, k, err);
	if (ret == 0 && !(md = con_offer(k)))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret < 0)
		goto out;
	instance_url(name, url, sizeof(url));
	k->refs += CON_NCH; /* the channels'; nobody else sees k yet */
	op = op_run_ws("Showing console", "instances", url, md, con_op, k, con_arg_free, err);
	if (!op) {
		/* op_run_ws dropped the op's reference: these are the channels'. */
		con_drop(k, CON_NCH - 1);
		con_unref(k);
		k = NULL;
		ret = -err->code;
		goto out;
	}
	op_set_cancel(op, con_cancel);
	for (int i = 0; i < CON_NCH; i++)
		if (ws_chan_add(op_id(op), k->ch[i].secret, &con_ops, &k->ch[i]) < 0)
			con_drop(k, 1); /* never offered: the op then times out */
	pthread_mutex_lock(&k->lock);
	k->offered = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
	k = NULL;
	ret = api_async(req, op, err);
out:
	op_unref(op);
	con_unref(k);
	return ret;
}
