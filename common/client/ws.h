/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_WS_H
#define LXF_WS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "remotes.h"

/*
 * A websocket client (libwebsockets) for LXD's and lxfd's websockets:
 * /1.0/events and /1.0/operations/<id>/websocket?secret=S.
 *
 * One struct lxf_ws_ctx is one lws context bound to one remote address,
 * serviced by its own thread. Callbacks run on that thread, one at a time;
 * lxf_ws_send may be called from any other thread (never from a callback
 * when the queue may be full: it would wait on itself). Messages are
 * reassembled whole before on_message, capped at LXF_WS_MSG_MAX; the send
 * queue of each connection is capped at LXF_WS_QUEUE_MAX bytes, and
 * lxf_ws_send waits while it is full.
 */

#define LXF_WS_MSG_MAX     (8u << 20)
#define LXF_WS_QUEUE_MAX   (1u << 20)
#define LXF_WS_CONNECT_SEC 10

struct lxf_ws_ctx;
struct lxf_ws;

struct lxf_ws_opts {
	/* "unix:///path/to/unix.socket" or "https://host[:port]". Required. */
	const char *addr;
	/* https only: PEM client certificate and key, and the pinned server
	 * certificate used as the only trust anchor (NULL: system CAs). */
	const char *cert_path;
	const char *key_path;
	const char *server_cert_path;
};

struct lxf_ws_ops {
	/* A whole message: binary or text; an empty text message is LXD's
	 * end-of-stream barrier. data is borrowed for the call. */
	void (*on_message)(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary);
	/* The connection was ended by the peer or by an error (not by
	 * lxf_ws_close or lxf_ws_ctx_free); called at most once. */
	void (*on_close)(struct lxf_ws *ws, void *ud);
};

/*
 * Makes a context for remote rem of r, as lxf_remotes_client does for the
 * REST client (unix socket path, client and pinned server certificates).
 */
int lxf_ws_ctx_for_remote(const struct lxf_remotes *r, const struct lxf_remote *rem,
			  struct lxf_ws_ctx **out, struct lxf_err *err);

/*
 * Makes a context for opts->addr (strings are copied) and starts its
 * service thread. Returns 0 and *out (free with lxf_ws_ctx_free), or
 * -LXF_EINVAL (bad address), -LXF_ENOMEM, -LXF_EIO (lws or thread).
 */
int lxf_ws_ctx_new(const struct lxf_ws_opts *opts, struct lxf_ws_ctx **out, struct lxf_err *err);

/*
 * Closes every connection, stops the service thread and frees ctx and
 * every struct lxf_ws made on it (NULL allowed). No callback runs after
 * it returns.
 */
void lxf_ws_ctx_free(struct lxf_ws_ctx *ctx);

/*
 * Opens a websocket to path ("/1.0/events?type=lifecycle") and waits up to
 * LXF_WS_CONNECT_SEC for the handshake. ops and ud are borrowed and must
 * outlive the connection. *out is owned by ctx (freed by lxf_ws_ctx_free).
 * Returns 0, or -LXF_EUNAVAIL (refused, handshake rejected, with lws's
 * reason), -LXF_ETIMEDOUT, -LXF_ENOMEM.
 */
int lxf_ws_connect(struct lxf_ws_ctx *ctx, const char *path, const struct lxf_ws_ops *ops, void *ud,
		   struct lxf_ws **out, struct lxf_err *err);

/*
 * Queues one message (copied) and wakes the service thread; waits while
 * the queue is over LXF_WS_QUEUE_MAX. len 0 with binary false sends the
 * empty text barrier. Returns 0, -LXF_EIO when the connection is closed,
 * -LXF_ETOOBIG for len over LXF_WS_MSG_MAX, -LXF_ENOMEM.
 */
int lxf_ws_send(struct lxf_ws *ws, const void *data, size_t len, bool binary, struct lxf_err *err);

/*
 * As lxf_ws_send, but never waits for queue room: for a relay's callback
 * that must not block on a peer whose own thread may be blocked on it.
 * The caller bounds what it queues this way.
 */
int lxf_ws_send_nowait(struct lxf_ws *ws, const void *data, size_t len, bool binary,
		       struct lxf_err *err);

/* Sends a normal close frame after what is queued. Idempotent. */
void lxf_ws_close(struct lxf_ws *ws);

/*
 * Waits until the connection has ended, up to timeout_ms (-1: no limit).
 * Returns true when it has ended.
 */
bool lxf_ws_wait_closed(struct lxf_ws *ws, int timeout_ms);

/* True once the connection has ended. */
bool lxf_ws_is_closed(struct lxf_ws *ws);

#endif
