/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The websockets of a migration as its worker thread sees them (see
 * migrate_int.h). ws.c's callbacks run on the loop thread and only queue
 * and poke; the worker does the waiting. Incoming data is queued in order
 * with the barriers in place (the next rsync's bytes may arrive before
 * this one's barrier was read), up to MIG_IN_CAP bytes, then reading from
 * the socket pauses until the worker has taken half of it.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "migrate_int.h"
#include "migrate_proto.h"
#include "op.h"
#include "reply.h"
#include "ws.h"
#include "ws_dial.h"

struct chunk {
	struct chunk *next;
	size_t len, off;
	bool binary; /* an empty text chunk is a barrier */
	unsigned char data[];
};

struct mig_chan {
	pthread_mutex_t lock;
	int refs;
	struct mig_link *link;
	char name[16];
	bool whole;
	bool offered, opened, closed, paused;
	struct ws_conn *c;
	struct chunk *head, *tail;
	size_t queued;
};

int64_t mig_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int mig_link_init(struct mig_link *l, struct lxf_err *err)
{
	l->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	atomic_init(&l->cancelled, false);
	atomic_init(&l->offered, 0);
	if (l->wake < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make an eventfd");
	return 0;
}

void mig_link_fini(struct mig_link *l)
{
	if (l->wake >= 0)
		close(l->wake);
	l->wake = -1;
}

void mig_link_poke(struct mig_link *l)
{
	uint64_t one = 1;

	if (write(l->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
		lxf_debug("migration: cannot wake the worker: %s", strerror(errno));
}

void mig_link_sleep(struct mig_link *l, int ms)
{
	struct pollfd p = {.fd = l->wake, .events = POLLIN};
	uint64_t v;

	if (poll(&p, 1, ms) > 0 && read(l->wake, &v, sizeof(v)) < 0)
		(void)0; /* drained by another reader: fine */
}

static struct mig_chan *chan_ref(struct mig_chan *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->refs++;
	pthread_mutex_unlock(&ch->lock);
	return ch;
}

/*
 * Wakes the owner's worker from ws.c's callbacks. The websocket may
 * outlive the owner (a dead peer's connection ends long after the op was
 * reaped): once mig_chan_release detached the link, there is no one to wake.
 */
static void chan_poke(struct mig_chan *ch)
{
	pthread_mutex_lock(&ch->lock);
	if (ch->link)
		mig_link_poke(ch->link);
	pthread_mutex_unlock(&ch->lock);
}

struct mig_chan *mig_chan_new(struct mig_link *l, const char *name, bool whole)
{
	struct mig_chan *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return NULL;
	(void)pthread_mutex_init(&ch->lock, NULL);
	ch->refs = 1;
	ch->link = l;
	ch->whole = whole;
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	return ch;
}

void mig_chan_unref(struct mig_chan *ch)
{
	bool last;

	if (!ch)
		return;
	pthread_mutex_lock(&ch->lock);
	last = --ch->refs == 0;
	pthread_mutex_unlock(&ch->lock);
	if (!last)
		return;
	while (ch->head) {
		struct chunk *k = ch->head;
		ch->head = k->next;
		free(k);
	}
	ws_conn_unref(ch->c);
	pthread_mutex_destroy(&ch->lock);
	free(ch);
}

void mig_chan_release(struct mig_chan *ch)
{
	if (!ch)
		return;
	mig_chan_withdraw(ch);
	pthread_mutex_lock(&ch->lock);
	ch->link = NULL;
	pthread_mutex_unlock(&ch->lock);
	mig_chan_unref(ch);
}

/* ws.c's side (loop thread) */

static void on_open(void *data, struct ws_conn *c)
{
	struct mig_chan *ch = data;

	pthread_mutex_lock(&ch->lock);
	ch->c = ws_conn_ref(c);
	ch->opened = true;
	pthread_mutex_unlock(&ch->lock);
	chan_poke(ch);
}

static int on_data(void *data, struct ws_conn *c, bool binary, const void *p, size_t n)
{
	struct mig_chan *ch = data;
	struct chunk *k;
	int pause = 0;

	(void)c;
	if (binary && n == 0)
		return 0; /* an empty binary message carries nothing */
	k = malloc(sizeof(*k) + n);
	if (!k) {
		lxf_warn("migration %s: out of memory for incoming data", ch->name);
		ws_conn_abort(c);
		return 0;
	}
	k->next = NULL;
	k->len = n;
	k->off = 0;
	k->binary = binary;
	memcpy(k->data, p, n);
	pthread_mutex_lock(&ch->lock);
	if (ch->tail)
		ch->tail->next = k;
	else
		ch->head = k;
	ch->tail = k;
	ch->queued += n;
	if (ch->queued >= MIG_IN_CAP) {
		ch->paused = true;
		pause = 1;
	}
	pthread_mutex_unlock(&ch->lock);
	chan_poke(ch);
	return pause;
}

static void on_close(void *data, struct ws_conn *c)
{
	struct mig_chan *ch = data;

	(void)c;
	pthread_mutex_lock(&ch->lock);
	ch->closed = true;
	pthread_mutex_unlock(&ch->lock);
	chan_poke(ch);
	mig_chan_unref(ch); /* ws.c's reference */
}

static void on_drain(void *data, struct ws_conn *c)
{
	struct mig_chan *ch = data;

	(void)c;
	chan_poke(ch);
}

static const struct ws_chan_ops stream_ops = {
    .on_open = on_open, .on_data = on_data, .on_close = on_close, .on_drain = on_drain};
static const struct ws_chan_ops record_ops = {.on_open = on_open,
					      .on_data = on_data,
					      .on_close = on_close,
					      .on_drain = on_drain,
					      .whole_binary = true};

int mig_chan_offer(struct mig_chan *ch, const char *op_id, const char *secret)
{
	chan_ref(ch); /* ws.c's, dropped by on_close or the withdrawal */
	if (ws_chan_add(op_id, secret, ch->whole ? &record_ops : &stream_ops, ch) < 0) {
		mig_chan_unref(ch);
		return -LXF_ENOMEM;
	}
	pthread_mutex_lock(&ch->lock);
	ch->offered = true;
	pthread_mutex_unlock(&ch->lock);
	return 0;
}

void mig_chan_withdraw(struct mig_chan *ch)
{
	if (ch && ws_chan_remove(ch) > 0)
		mig_chan_unref(ch);
}

int mig_offer(struct op *op, struct mig_link *l, struct mig_chan *ctl, const char *ctl_secret,
	      struct mig_chan *fs, const char *fs_secret, struct lxf_err *err)
{
	int ret = mig_chan_offer(ctl, op_id(op), ctl_secret);

	if (ret == 0)
		ret = mig_chan_offer(fs, op_id(op), fs_secret);
	atomic_store(&l->offered, ret == 0 ? 1 : -1);
	mig_link_poke(l);
	return ret < 0 ? lxf_err_set(err, LXF_ENOMEM, "Out of memory") : 0;
}

int mig_wait_offered(struct mig_link *l, struct lxf_err *err)
{
	int v;

	while ((v = atomic_load(&l->offered)) == 0)
		mig_link_sleep(l, 100);
	return v > 0 ? 0 : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
}

static bool secret_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

int mig_check_peer(const char *peer_op, struct json_object *secrets, const char *cert,
		   struct lxf_err *err)
{
	struct json_object *v;

	if (!peer_op || strncmp(peer_op, "https://", 8) != 0 || strlen(peer_op) > 512 ||
	    !strstr(peer_op + 8, "/1.0/operations/") || strpbrk(peer_op, "?# \t\r\n"))
		return lxf_err_set(err, LXF_EINVAL,
				   "The migration peer's operation must be an https:// URL of an "
				   "operation");
	if (!cert || !strstr(cert, "-----BEGIN CERTIFICATE-----"))
		return lxf_err_set(err, LXF_EINVAL,
				   "The migration peer's certificate (PEM) is required");
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "fs" : "control";
		if (!secrets || !json_object_object_get_ex(secrets, k, &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    !secret_ok(json_object_get_string(v)))
			return lxf_err_set(err, LXF_EINVAL, "Missing or bad \"%s\" secret", k);
	}
	return 0;
}

int mig_chan_dial(struct mig_chan *ch, const char *peer_op, const char *secret, const char *cert,
		  struct lxf_err *err)
{
	struct ws_conn *c = NULL;
	char url[768];
	int ret;

	if (snprintf(url, sizeof(url), "wss://%s/websocket?secret=%s", peer_op + 8, secret) >=
	    (int)sizeof(url))
		return lxf_err_set(err, LXF_EINVAL, "The migration peer's URL is too long");
	chan_ref(ch); /* ws.c's, dropped by on_close (which comes even if it never connects) */
	ret = ws_dial(url, cert, ch->whole ? &record_ops : &stream_ops, ch, &c, err);
	if (ret < 0) {
		mig_chan_unref(ch);
		return ret;
	}
	ws_conn_unref(c); /* on_open gives the channel its own */
	return 0;
}

/* The worker's side */

int mig_chan_wait_open(struct mig_link *l, struct mig_chan **chs, int n, int secs,
		       struct lxf_err *err)
{
	int64_t deadline = mig_now_ms() + (int64_t)secs * 1000;

	for (;;) {
		bool all = true, closed = false;
		int64_t left;

		for (int i = 0; i < n; i++) {
			pthread_mutex_lock(&chs[i]->lock);
			all = all && chs[i]->opened;
			closed = closed || chs[i]->closed;
			pthread_mutex_unlock(&chs[i]->lock);
		}
		if (closed)
			return lxf_err_set(err, LXF_EIO, "A migration websocket closed early");
		if (all)
			return 0;
		if (atomic_load(&l->cancelled))
			return lxf_err_set(err, LXF_ECANCELED, "Migration cancelled");
		left = deadline - mig_now_ms();
		if (left <= 0)
			return lxf_err_set(err, LXF_ETIMEDOUT,
					   "Timed out waiting for migration connections");
		mig_link_sleep(l, (int)left);
	}
}

/* Pops the head chunk (lock held) and resumes reading once half is taken. */
static struct chunk *pop_locked(struct mig_chan *ch, struct ws_conn **resume)
{
	struct chunk *k = ch->head;

	ch->head = k->next;
	if (!ch->head)
		ch->tail = NULL;
	ch->queued -= k->len - k->off;
	if (ch->paused && ch->queued < MIG_IN_CAP / 2 && ch->c) {
		ch->paused = false;
		*resume = ws_conn_ref(ch->c);
	}
	return k;
}

static void resume_conn(struct ws_conn *c)
{
	if (c) {
		ws_conn_resume(c);
		ws_conn_unref(c);
	}
}

int mig_chan_try_recv(struct mig_chan *ch, struct lxf_buf *out)
{
	struct ws_conn *resume = NULL;
	struct chunk *k = NULL;
	int ret;

	pthread_mutex_lock(&ch->lock);
	if (ch->head)
		k = pop_locked(ch, &resume);
	ret = k ? 0 : ch->closed ? -LXF_EIO : -LXF_ENOENT;
	pthread_mutex_unlock(&ch->lock);
	resume_conn(resume);
	if (!k)
		return ret;
	lxf_buf_reset(out);
	if (!k->binary)
		ret = -LXF_EINVAL;
	else if (lxf_buf_add(out, k->data, k->len) < 0)
		ret = -LXF_ETOOBIG;
	free(k);
	return ret;
}

int mig_chan_recv(struct mig_chan *ch, struct lxf_buf *out, int secs, struct lxf_err *err)
{
	int64_t deadline = mig_now_ms() + (int64_t)secs * 1000;

	for (;;) {
		int ret = mig_chan_try_recv(ch, out);
		int64_t left;

		if (ret == -LXF_EIO)
			return lxf_err_set(err, LXF_EIO, "The migration peer closed the %s channel",
					   ch->name);
		if (ret == -LXF_EINVAL)
			return lxf_err_set(err, LXF_EINVAL,
					   "Unexpected text message on the migration %s channel",
					   ch->name);
		if (ret == -LXF_ETOOBIG)
			return lxf_err_set(err, LXF_ETOOBIG, "Migration message too big");
		if (ret == 0)
			return 0;
		if (atomic_load(&ch->link->cancelled))
			return lxf_err_set(err, LXF_ECANCELED, "Migration cancelled");
		left = deadline - mig_now_ms();
		if (left <= 0)
			return lxf_err_set(err, LXF_ETIMEDOUT,
					   "Timed out waiting for the migration peer");
		mig_link_sleep(ch->link, (int)left);
	}
}

ssize_t mig_chan_read(struct mig_chan *ch, void *buf, size_t n)
{
	struct ws_conn *resume = NULL;
	struct chunk *k;
	ssize_t ret = 0;

	pthread_mutex_lock(&ch->lock);
	k = ch->head;
	if (!k) {
		ret = ch->closed ? MIG_READ_CLOSED : 0;
	} else if (!k->binary) {
		/* Any text message ends the stream, as LXD's reader takes it. */
		free(pop_locked(ch, &resume));
		ret = MIG_READ_BARRIER;
	} else {
		size_t take = k->len - k->off < n ? k->len - k->off : n;
		memcpy(buf, k->data + k->off, take);
		k->off += take;
		ch->queued -= take;
		ret = (ssize_t)take;
		if (k->off == k->len) {
			k->off = k->len = 0; /* already counted */
			free(pop_locked(ch, &resume));
		}
	}
	pthread_mutex_unlock(&ch->lock);
	resume_conn(resume);
	return ret;
}

static struct ws_conn *conn_of(struct mig_chan *ch)
{
	struct ws_conn *c;

	pthread_mutex_lock(&ch->lock);
	c = ch->c && !ch->closed ? ws_conn_ref(ch->c) : NULL;
	pthread_mutex_unlock(&ch->lock);
	return c;
}

bool mig_chan_closed(struct mig_chan *ch)
{
	bool r;

	pthread_mutex_lock(&ch->lock);
	r = ch->closed;
	pthread_mutex_unlock(&ch->lock);
	return r;
}

bool mig_chan_has_room(struct mig_chan *ch, size_t n)
{
	struct ws_conn *c = conn_of(ch);
	bool r = c && ws_conn_has_room(c, n);

	ws_conn_unref(c);
	return r;
}

int mig_chan_send(struct mig_chan *ch, bool binary, const void *p, size_t n, struct lxf_err *err)
{
	struct ws_conn *c = conn_of(ch);
	int ret = 0;

	if (!c)
		return lxf_err_set(err, LXF_EIO, "The migration %s channel is closed", ch->name);
	for (;;) {
		if (atomic_load(&ch->link->cancelled)) {
			ret = lxf_err_set(err, LXF_ECANCELED, "Migration cancelled");
			break;
		}
		if (ws_conn_has_room(c, n)) {
			ret = ws_conn_send(c, binary, p, n);
			if (ret == 0 || ret != -LXF_ETOOBIG)
				break;
		}
		if (ws_conn_closed(c)) {
			ret = -LXF_EIO;
			break;
		}
		mig_link_sleep(ch->link, 1000);
	}
	if (ret == -LXF_EIO)
		lxf_err_set(err, LXF_EIO, "The migration %s channel is closed", ch->name);
	else if (ret == -LXF_ENOMEM)
		lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ws_conn_unref(c);
	return ret;
}

void mig_chan_close(struct mig_chan *ch)
{
	struct ws_conn *c = ch ? conn_of(ch) : NULL;

	if (c)
		ws_conn_close(c);
	ws_conn_unref(c);
}

void mig_chan_abort(struct mig_chan *ch)
{
	struct ws_conn *c = ch ? conn_of(ch) : NULL;

	if (c)
		ws_conn_abort(c);
	ws_conn_unref(c);
}

void mig_send_control(struct mig_chan *ctl, bool success, const char *message)
{
	struct lxf_err err;
	uint8_t *buf = NULL;
	size_t n = 0;

	lxf_err_clear(&err);
	if (!ctl || migp_control_encode(success, message, &buf, &n, &err) < 0 ||
	    mig_chan_send(ctl, true, buf, n, &err) < 0)
		lxf_debug("migration: control message not sent: %s", err.msg);
	free(buf);
}

int mig_async(struct http_req *req, struct op *op, struct lxf_err *err)
{
	char url[64];
	struct json_object *o = op_to_json(op);

	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	op_url(op, url, sizeof(url));
	return reply_async(req, o, url, err);
}
