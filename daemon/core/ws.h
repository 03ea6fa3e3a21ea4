/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_WS_H
#define LXFD_WS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Websockets on http.c's loop: /1.0/events and the fd channels of
 * websocket-class operations (/1.0/operations/{id}/websocket?secret=S).
 *
 * Only the loop thread touches an lws wsi. Other threads talk to a
 * connection through struct ws_conn: ws_conn_send() queues a message
 * (bounded per connection), ws_conn_close() asks for a close after the
 * queue is flushed; both wake the loop. Incoming text messages are gathered
 * whole (capped at WS_MSG_MAX, larger ones drop the connection); binary
 * data is handed over frame by frame.
 */

#define WS_MSG_MAX   (64 * 1024)        /* one incoming text message */
#define WS_QUEUE_CAP (4u * 1024 * 1024) /* default outgoing cap per connection */

struct ws_conn;

/*
 * What a channel's owner is told. All run on the loop thread, with no ws.c
 * lock held; they must not block.
 */
struct ws_chan_ops {
	/* The client connected this channel. */
	void (*on_open)(void *data, struct ws_conn *c);
	/*
	 * Data arrived: a binary frame (or part of one), or a whole text
	 * message. An empty text message is LXD's end-of-stream barrier.
	 * Returning 1 stops reading from this connection until the owner calls
	 * ws_conn_resume(); 0 goes on.
	 */
	int (*on_data)(void *data, struct ws_conn *c, bool binary, const void *p, size_t n);
	/* The connection is gone (peer close, error, drop, shutdown). The
	 * owner's references stay valid until it unrefs them. */
	void (*on_close)(void *data, struct ws_conn *c);
	/* Optional: the outgoing queue fell below half its cap. */
	void (*on_drain)(void *data, struct ws_conn *c);
	/* Binary messages too are gathered whole (capped at WS_MSG_MAX), for
	 * channels whose binary messages are records (migration control). */
	bool whole_binary;
};

/* Reference counting (any thread); ws_conn_unref accepts NULL. */
struct ws_conn *ws_conn_ref(struct ws_conn *c);
void ws_conn_unref(struct ws_conn *c);

/*
 * Queues one message (any thread). Returns 0; -LXF_ETOOBIG when it would
 * pass the connection's cap (nothing queued: the caller waits for
 * on_drain, or drops the connection); -LXF_EIO when the connection is
 * closing or gone; -LXF_ENOMEM.
 */
int ws_conn_send(struct ws_conn *c, bool binary, const void *p, size_t n);

/* Bytes queued and not yet written. */
size_t ws_conn_queued(struct ws_conn *c);

/* True when n more bytes fit under the cap; otherwise false, and on_drain
 * is called once the queue has emptied to half. */
bool ws_conn_has_room(struct ws_conn *c, size_t n);

/* Sets the outgoing cap (bytes) of c. */
void ws_conn_set_cap(struct ws_conn *c, size_t cap);

/* Sends a normal close once the queue is written (any thread). Idempotent. */
void ws_conn_close(struct ws_conn *c);

/* Closes at once, dropping what is queued: for a reader too slow to keep up. */
void ws_conn_abort(struct ws_conn *c);

/* True once the connection is closed or closing. */
bool ws_conn_closed(struct ws_conn *c);

/* Reading resumes after an on_data that returned 1 (any thread). */
void ws_conn_resume(struct ws_conn *c);

/*
 * Offers a channel of operation op_id: the first upgrade to
 * /1.0/operations/<op_id>/websocket?secret=<secret> is bound to ops/data;
 * a secret is good for one connection. Returns 0 or -LXF_ENOMEM.
 */
int ws_chan_add(const char *op_id, const char *secret, const struct ws_chan_ops *ops, void *data);

/* Withdraws the channels offered with data and not yet connected; returns how many. */
int ws_chan_remove(const void *data);

/*
 * The opener of the /1.0/operations/{id}/websocket row of routes.def
 * (route_ws_fn): binds c to the channel of ?secret= (ws_chan_add);
 * -LXF_EPERM when there is none.
 */
struct route_match;
int ws_chan_open(struct ws_conn *c, const struct route_match *m, const char *query,
		 struct lxf_err *err);

/* For openers: c's traffic goes to ops with data (freed by ops->on_close). Loop thread. */
void ws_conn_bind(struct ws_conn *c, const struct ws_chan_ops *ops, void *data);

/* The value of key in the raw query q into buf (size n); NULL when absent or too long. */
const char *ws_query_get(const char *q, const char *key, char *buf, size_t n);

/* A fresh random secret: 64 hex digits and a NUL. */
void ws_secret(char out[65]);

/* http.c's hooks: the websocket callback reasons, and each loop wake-up. */
struct lws;
int ws_callback(struct lws *wsi, int reason, void *in, size_t len);
void ws_service(void);

/* LXD's exec/console control messages. */
enum ws_ctl_kind { WS_CTL_RESIZE, WS_CTL_SIGNAL };

struct ws_control {
	enum ws_ctl_kind kind;
	int width, height; /* WS_CTL_RESIZE */
	int signal;        /* WS_CTL_SIGNAL */
};

/*
 * Parses a control message: {"command":"window-resize","args":{"width":
 * "80","height":"24"}} or {"command":"signal","signal":15}. Returns 0, or
 * -LXF_EINVAL for anything else (err says why); -LXF_ENOTSUP for a
 * well-formed command lxfd does not know.
 */
int ws_control_parse(const char *msg, size_t n, struct ws_control *out, struct lxf_err *err);

#endif
