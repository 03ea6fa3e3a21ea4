/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Websocket connections on the HTTP loop. The upgrade arrives on http.c's
 * protocol (clients such as lxc name no subprotocol); http.c forwards the
 * websocket reasons here. A connection is a refcounted struct ws_conn hung
 * on the wsi with lws_set_opaque_user_data(); threads other than the loop
 * only queue on it and put it on the dirty list, which the loop walks on
 * each wake-up (ws_service) to ask for writes, closes and resumed reads.
 */
#include "ws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "buf.h"
#include "hex.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "router.h"
#include "tcp.h"
#include "ws_dial.h"

struct ws_msg {
	struct ws_msg *next;
	size_t len;
	bool binary;
	unsigned char buf[]; /* LWS_PRE bytes of room, then the payload */
};

struct ws_conn {
	pthread_mutex_t lock; /* refs, the queue and the flags below */
	int refs;
	struct ws_msg *head, *tail;
	size_t queued, cap;
	bool closing, aborting, gone, full, want_resume, dirty;
	struct ws_conn *dirty_next;

	/* Loop thread only. */
	struct lws *wsi;
	const struct ws_chan_ops *ops;
	void *data;
	bool opened;
	struct lxf_buf rx; /* a text message being gathered */
	char pin[65];      /* dialed by us (ws_dial.c): the server's certificate fingerprint */
};

struct chan {
	char op_id[40];
	char secret[65];
	const struct ws_chan_ops *ops;
	void *data;
	struct chan *next;
};

static pthread_mutex_t dirty_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ws_conn *dirty_head;
static pthread_mutex_t chan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chan *chans;

static struct ws_conn *conn_new(void)
{
	struct ws_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	(void)pthread_mutex_init(&c->lock, NULL);
	c->refs = 1; /* the loop's, dropped when the wsi goes */
	c->cap = WS_QUEUE_CAP;
	lxf_buf_init(&c->rx, WS_MSG_MAX);
	return c;
}

static void queue_free_locked(struct ws_conn *c)
{
	while (c->head) {
		struct ws_msg *m = c->head;
		c->head = m->next;
		free(m);
	}
	c->tail = NULL;
	c->queued = 0;
}

struct ws_conn *ws_conn_ref(struct ws_conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs++;
	pthread_mutex_unlock(&c->lock);
	return c;
}

void ws_conn_unref(struct ws_conn *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	queue_free_locked(c);
	lxf_buf_fini(&c->rx);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Puts c on the dirty list (c->lock held) and wakes the loop. */
static void mark_dirty_locked(struct ws_conn *c)
{
	if (c->dirty || c->gone)
		return;
	c->dirty = true;
	c->refs++; /* the dirty list's */
	pthread_mutex_lock(&dirty_lock);
	c->dirty_next = dirty_head;
	dirty_head = c;
	pthread_mutex_unlock(&dirty_lock);
}

int ws_conn_send(struct ws_conn *c, bool binary, const void *p, size_t n)
{
	struct ws_msg *m;
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	if (c->closing || c->aborting || c->gone) {
		ret = -LXF_EIO;
		goto out;
	}
	if (n > c->cap || c->queued + n > c->cap) {
		c->full = true;
		ret = -LXF_ETOOBIG;
		goto out;
	}
	m = malloc(sizeof(*m) + LWS_PRE + n);
	if (!m) {
		ret = -LXF_ENOMEM;
		goto out;
	}
	m->next = NULL;
	m->len = n;
	m->binary = binary;
	if (n)
		memcpy(m->buf + LWS_PRE, p, n);
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->queued += n;
	mark_dirty_locked(c);
out:
	pthread_mutex_unlock(&c->lock);
	if (ret == 0)
		http_wake();
	return ret;
}

size_t ws_conn_queued(struct ws_conn *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->queued;
	pthread_mutex_unlock(&c->lock);
	return n;
}

bool ws_conn_has_room(struct ws_conn *c, size_t n)
{
	bool room;

	pthread_mutex_lock(&c->lock);
	room = c->queued + n <= c->cap;
	if (!room)
		c->full = true;
	pthread_mutex_unlock(&c->lock);
	return room;
}

void ws_conn_set_cap(struct ws_conn *c, size_t cap)
{
	pthread_mutex_lock(&c->lock);
	c->cap = cap;
	pthread_mutex_unlock(&c->lock);
}

static void set_flag_and_wake(struct ws_conn *c, bool *flag)
{
	pthread_mutex_lock(&c->lock);
	*flag = true;
	mark_dirty_locked(c);
	pthread_mutex_unlock(&c->lock);
	http_wake();
}

void ws_conn_close(struct ws_conn *c)
{
	set_flag_and_wake(c, &c->closing);
}

void ws_conn_abort(struct ws_conn *c)
{
	set_flag_and_wake(c, &c->aborting);
}

void ws_conn_resume(struct ws_conn *c)
{
	set_flag_and_wake(c, &c->want_resume);
}

bool ws_conn_closed(struct ws_conn *c)
{
	bool r;

	pthread_mutex_lock(&c->lock);
	r = c->closing || c->aborting || c->gone;
	pthread_mutex_unlock(&c->lock);
	return r;
}

void ws_service(void)
{
	struct ws_conn *list;

	pthread_mutex_lock(&dirty_lock);
	list = dirty_head;
	dirty_head = NULL;
	pthread_mutex_unlock(&dirty_lock);
	while (list) {
		struct ws_conn *c = list;
		bool resume;

		list = c->dirty_next;
		pthread_mutex_lock(&c->lock);
		c->dirty = false;
		resume = c->want_resume;
		c->want_resume = false;
		pthread_mutex_unlock(&c->lock);
		if (c->wsi) {
			if (resume)
				lws_rx_flow_control(c->wsi, 1);
			lws_callback_on_writable(c->wsi);
		}
		ws_conn_unref(c);
	}
}

/* Channels of websocket operations */

int ws_chan_add(const char *op_id, const char *secret, const struct ws_chan_ops *ops, void *data)
{
	struct chan *ch = calloc(1, sizeof(*ch));

	if (!ch)
		return -LXF_ENOMEM;
	snprintf(ch->op_id, sizeof(ch->op_id), "%s", op_id);
	snprintf(ch->secret, sizeof(ch->secret), "%s", secret);
	ch->ops = ops;
	ch->data = data;
	pthread_mutex_lock(&chan_lock);
	ch->next = chans;
	chans = ch;
	pthread_mutex_unlock(&chan_lock);
	return 0;
}

int ws_chan_remove(const void *data)
{
	int n = 0;

	pthread_mutex_lock(&chan_lock);
	for (struct chan **pp = &chans; *pp;) {
		struct chan *ch = *pp;
		if (ch->data == data) {
			*pp = ch->next;
			free(ch);
			n++;
		} else {
			pp = &ch->next;
		}
	}
	pthread_mutex_unlock(&chan_lock);
	return n;
}

/* Compares in time independent of where they differ: the secret is a password. */
static bool secret_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb || la == 0;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* Takes the channel (id, secret) off the list: a secret opens one connection. */
static bool chan_claim(const char *op_id, const char *secret, struct ws_conn *c)
{
	bool found = false;

	pthread_mutex_lock(&chan_lock);
	for (struct chan **pp = &chans; *pp; pp = &(*pp)->next) {
		struct chan *ch = *pp;
		if (strcmp(ch->op_id, op_id) == 0 && secret_eq(ch->secret, secret)) {
			*pp = ch->next;
			c->ops = ch->ops;
			c->data = ch->data;
			free(ch);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&chan_lock);
	return found;
}

int ws_chan_open(struct ws_conn *c, const struct route_match *m, const char *query,
		 struct lxf_err *err)
{
	char val[128];
	const char *secret = ws_query_get(query, "secret", val, sizeof(val));

	if (!secret || !chan_claim(router_param(m, "id"), secret, c))
		return lxf_err_set(err, LXF_EPERM, "bad secret");
	return 0;
}

void ws_conn_bind(struct ws_conn *c, const struct ws_chan_ops *ops, void *data)
{
	c->ops = ops;
	c->data = data;
}

void ws_secret(char out[65])
{
	unsigned char b[32];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		memset(b, 0, sizeof(b)); /* cannot happen once the pool is up */
	lxf_hex(b, sizeof(b), out);
}

/* The upgrade */

/* The value of key in the decoded query q ("a=b&c=d") into buf, or NULL. */
const char *ws_query_get(const char *q, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key);

	while (*q) {
		size_t len = strcspn(q, "&");
		if (len > klen && strncmp(q, key, klen) == 0 && q[klen] == '=') {
			size_t vlen = len - klen - 1;
			if (vlen >= n)
				return NULL;
			memcpy(buf, q + klen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return NULL;
}

static int read_target(struct lws *wsi, char *path, size_t pn, char *query, size_t qn)
{
	size_t qlen = 0;

	query[0] = '\0';
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0 ||
	    lws_hdr_copy(wsi, path, (int)pn, WSI_TOKEN_GET_URI) < 0)
		return -1;
	for (int i = 0;; i++) {
		char frag[512];
		int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		if (qlen + (size_t)n + 2 > qn)
			return -1;
		qlen += (size_t)snprintf(query + qlen, qn - qlen, "%s%s", i ? "&" : "", frag);
	}
	return 0;
}

/*
 * Decides on an upgrade before lws answers it: only the two websocket
 * routes are accepted, and an operation channel only with its secret.
 */
static int on_filter(struct lws *wsi)
{
	char path[1024], query[1024];
	struct route_match m;
	struct lxf_err err;
	struct ws_conn *c = NULL;
	int ret = 1;

	lxf_err_clear(&err);
	if (read_target(wsi, path, sizeof(path), query, sizeof(query)) < 0 ||
	    router_match(ROUTE_GET, path, &m, &err) < 0) {
		lxf_debug("Websocket refused for %s: %s", path, err.msg[0] ? err.msg : "bad URL");
		goto out;
	}
	c = conn_new();
	if (!c)
		goto out;
	if (!m.route->ws_open) {
		lxf_debug("Websocket refused for %s: not a websocket endpoint", path);
		goto out;
	}
	if (m.route->ws_open(c, &m, query, &err) < 0) {
		lxf_debug("Websocket refused for %s: %s", path, err.msg);
		goto out;
	}
	c->wsi = wsi;
	lws_set_opaque_user_data(wsi, c);
	c = NULL;
	ret = 0;
out:
	ws_conn_unref(c);
	return ret;
}

/* Text messages are gathered whole; binary frames go through as they come
 * (or whole too, for a whole_binary channel). */
static int on_receive(struct lws *wsi, struct ws_conn *c, const void *in, size_t len)
{
	bool binary = lws_frame_is_binary(wsi);
	int pause = 0;

	if (binary && !c->ops->whole_binary) {
		if (len > 0)
			pause = c->ops->on_data(c->data, c, true, in, len);
	} else {
		if (lws_is_first_fragment(wsi))
			lxf_buf_reset(&c->rx);
		if (lxf_buf_add(&c->rx, in, len) < 0) {
			lxf_debug("Websocket text message over %d bytes: dropping the connection",
				  WS_MSG_MAX);
			return -1;
		}
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
			pause = c->ops->on_data(c->data, c, binary, c->rx.data ? c->rx.data : "",
						c->rx.len);
			lxf_buf_reset(&c->rx);
		}
	}
	if (pause)
		lws_rx_flow_control(wsi, 0);
	return 0;
}

static int on_writeable(struct lws *wsi, struct ws_conn *c)
{
	struct ws_msg *m;
	bool drained = false, more, close;

	pthread_mutex_lock(&c->lock);
	if (c->aborting) {
		pthread_mutex_unlock(&c->lock);
		return -1;
	}
	m = c->head;
	if (m) {
		c->head = m->next;
		if (!c->head)
			c->tail = NULL;
		c->queued -= m->len;
		if (c->full && c->queued <= c->cap / 2) {
			c->full = false;
			drained = true;
		}
	}
	more = c->head != NULL;
	close = !more && c->closing;
	pthread_mutex_unlock(&c->lock);
	if (m) {
		int n = lws_write(wsi, m->buf + LWS_PRE, m->len,
				  m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
		bool failed = n < (int)m->len;
		free(m);
		if (failed)
			return -1;
	}
	if (drained && c->ops->on_drain)
		c->ops->on_drain(c->data, c);
	if (more || (m && close)) {
		/* One message per callback; the close goes in the next one. */
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (close) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	return 0;
}

/* Owners hear of the end even when the handshake never completed: they
 * may have counted on the channel. */
static void on_gone(struct lws *wsi, struct ws_conn *c)
{
	lws_set_opaque_user_data(wsi, NULL);
	pthread_mutex_lock(&c->lock);
	c->gone = true;
	c->wsi = NULL;
	queue_free_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (c->ops && c->ops->on_close)
		c->ops->on_close(c->data, c);
	ws_conn_unref(c);
}

/* Connections we dial (ws_dial.c) */

struct ws_conn *ws_conn_dial_new(const struct ws_chan_ops *ops, void *data, const char *pin)
{
	struct ws_conn *c = conn_new();

	if (!c)
		return NULL;
	c->ops = ops;
	c->data = data;
	snprintf(c->pin, sizeof(c->pin), "%s", pin);
	c->refs++; /* the caller's */
	return c;
}

void ws_conn_dial_bind(struct ws_conn *c, struct lws *wsi)
{
	c->wsi = wsi;
}

void ws_conn_dial_failed(struct ws_conn *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->gone) { /* lws already reported the failure (on_gone) */
		pthread_mutex_unlock(&c->lock);
		return;
	}
	c->gone = true;
	queue_free_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (c->ops->on_close)
		c->ops->on_close(c->data, c);
	ws_conn_unref(c); /* the loop's */
}

const char *ws_conn_dial_pin(struct lws *wsi)
{
	struct ws_conn *c = lws_get_opaque_user_data(wsi);

	return c && c->pin[0] ? c->pin : NULL;
}

int ws_callback(struct lws *wsi, int reason, void *in, size_t len)
{
	struct ws_conn *c = lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return on_filter(wsi);
	case LWS_CALLBACK_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c)
			return -1;
		/* A peer that vanishes silently (link cut) is noticed within
		 * LXF_TCP_DEAD_SECS, not after minutes of retransmissions or
		 * never on an idle channel: its owner hears on_close. */
		if (lxf_tcp_dead_peer(lws_get_socket_fd(wsi)) < 0)
			lxf_warn("Cannot set TCP keepalive on a websocket: %s", strerror(errno));
		c->opened = true;
		c->ops->on_open(c->data, c);
		/* What was queued while dialing goes out now. */
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return c ? on_receive(wsi, c, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return c ? on_writeable(wsi, c) : 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c)
			lxf_warn("Websocket to %s failed: %s", c->pin[0] ? "a peer" : "?",
				 in && len ? (const char *)in : "connection error");
		/* fall through */
	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (c)
			on_gone(wsi, c);
		return 0;
	default:
		return 0;
	}
}

/* Control messages */

static int int_arg(struct json_object *v, int lo, int hi, int *out)
{
	const char *s;
	char *end = NULL;
	long x;

	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		if (i < lo || i > hi)
			return -1;
		*out = (int)i;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	x = strtol(s, &end, 10);
	if (!*s || *end || x < lo || x > hi)
		return -1;
	*out = (int)x;
	return 0;
}

int ws_control_parse(const char *msg, size_t n, struct ws_control *out, struct lxf_err *err)
{
	struct json_object *o = NULL, *args = NULL, *v = NULL;
	const char *cmd = NULL;
	int ret = lxf_json_parse(msg, n, 8, &o, err);

	if (ret < 0)
		goto out;
	ret = lxf_json_get_string(o, "command", true, &cmd, err);
	if (ret < 0)
		goto out;
	memset(out, 0, sizeof(*out));
	if (strcmp(cmd, "window-resize") == 0) {
		out->kind = WS_CTL_RESIZE;
		if (!json_object_object_get_ex(o, "args", &args) ||
		    !json_object_object_get_ex(args, "width", &v) ||
		    int_arg(v, 1, 65535, &out->width) < 0 ||
		    !json_object_object_get_ex(args, "height", &v) ||
		    int_arg(v, 1, 65535, &out->height) < 0)
			ret = lxf_err_set(err, LXF_EINVAL,
					  "window-resize needs a width and a height");
	} else if (strcmp(cmd, "signal") == 0) {
		out->kind = WS_CTL_SIGNAL;
		if (!json_object_object_get_ex(o, "signal", &v) ||
		    int_arg(v, 1, 64, &out->signal) < 0)
			ret = lxf_err_set(err, LXF_EINVAL, "signal needs a signal number (1-64)");
	} else {
		ret = lxf_err_set(err, LXF_ENOTSUP, "Unknown control command \"%s\"", cmd);
	}
out:
	json_object_put(o);
	return ret;
}
