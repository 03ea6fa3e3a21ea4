/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Websocket client over libwebsockets: one lws context and one service
 * thread per remote. Other threads never touch a wsi: they queue work under
 * ctx->mu and wake the loop with lws_cancel_service(), and the loop picks it
 * up in LWS_CALLBACK_EVENT_WAIT_CANCELLED (lws is single-threaded).
 */
#include "ws.h"

#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "tcp.h"

#define WS_CONNS_MAX  16
#define WS_HOST_MAX   256
#define WS_ERRMSG_MAX 160
#define WS_RX_BUF     (64u << 10)
#define WS_DRAIN_MS   1000
#define WS_PATH_MAX   4096

enum ws_state { WS_PENDING, WS_CONNECTING, WS_OPEN, WS_CLOSED };

struct ws_msg {
	struct ws_msg *next;
	size_t len;
	bool binary;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the payload */
};

struct lxf_ws {
	struct lxf_ws_ctx *ctx;
	char *path;
	const struct lxf_ws_ops *ops;
	void *ud;
	struct lws *wsi; /* service thread only */
	/* under ctx->mu: */
	enum ws_state state;
	bool close_req;
	bool had_open;
	char errmsg[WS_ERRMSG_MAX];
	struct ws_msg *qhead, *qtail;
	size_t qbytes;
	/* service thread only: the message being reassembled */
	struct lxf_buf rx;
	bool rx_binary;
};

struct lxf_ws_ctx {
	struct lws_context *lws;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;       /* under mu */
	bool destroying; /* no user callbacks any more */
	struct lxf_ws *conns[WS_CONNS_MAX];
	size_t nconns;
	char address[WS_HOST_MAX + 2]; /* "+/path" for unix sockets, else the host */
	char host[WS_HOST_MAX];        /* Host: header */
	int port;
	bool tls;
	bool pinned;
	char *cert_path, *key_path, *server_cert_path;
};

static void ws_queue_free(struct lxf_ws *ws)
{
	struct ws_msg *m = ws->qhead, *n;

	for (; m; m = n) {
		n = m->next;
		free(m);
	}
	ws->qhead = ws->qtail = NULL;
	ws->qbytes = 0;
}

/* Marks ws ended; calls on_close once if it had opened. Service thread. */
static void ws_ended(struct lxf_ws *ws, const char *why)
{
	struct lxf_ws_ctx *ctx = ws->ctx;
	bool notify;

	pthread_mutex_lock(&ctx->mu);
	notify = ws->state != WS_CLOSED && ws->had_open && !ws->close_req && !ctx->destroying;
	if (ws->state != WS_CLOSED && why && !ws->errmsg[0])
		(void)snprintf(ws->errmsg, sizeof(ws->errmsg), "%s", why);
	ws->state = WS_CLOSED;
	ws->wsi = NULL;
	ws_queue_free(ws);
	pthread_cond_broadcast(&ctx->cv);
	pthread_mutex_unlock(&ctx->mu);
	if (notify && ws->ops->on_close)
		ws->ops->on_close(ws, ws->ud);
}

static void ws_do_connect(struct lxf_ws_ctx *ctx, struct lxf_ws *ws)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = ctx->lws;
	ci.address = ctx->address;
	ci.port = ctx->port;
	ci.path = ws->path;
	ci.host = ctx->host;
	ci.origin = ctx->host;
	ci.local_protocol_name = "lxf-ws";
	ci.opaque_user_data = ws;
	ci.pwsi = &ws->wsi;
	if (ctx->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		/* A pinned self-signed certificate is the trust anchor; its names
		 * need not match how we reach the host (as the REST client). */
		if (ctx->pinned)
			ci.ssl_connection |= LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
	}
	if (!lws_client_connect_via_info(&ci))
		ws_ended(ws, "cannot start the connection");
}

/* Work queued by other threads: new connections, data to write, closes. */
static void ws_pick_up_work(struct lxf_ws_ctx *ctx)
{
	struct lxf_ws *pending[WS_CONNS_MAX];
	bool connect[WS_CONNS_MAX];
	size_t n = 0;

	pthread_mutex_lock(&ctx->mu);
	for (size_t i = 0; i < ctx->nconns; i++) {
		struct lxf_ws *ws = ctx->conns[i];

		if (ws->state == WS_PENDING) {
			ws->state = WS_CONNECTING;
			connect[n] = true;
			pending[n++] = ws;
		} else if (ws->state == WS_OPEN && (ws->qhead || ws->close_req)) {
			connect[n] = false;
			pending[n++] = ws;
		}
	}
	pthread_mutex_unlock(&ctx->mu);
	/* Outside the lock: connecting may call back into ws_ended. */
	for (size_t i = 0; i < n; i++) {
		if (connect[i])
			ws_do_connect(ctx, pending[i]);
		else if (pending[i]->wsi)
			lws_callback_on_writable(pending[i]->wsi);
	}
}

static int ws_on_receive(struct lxf_ws *ws, struct lws *wsi, const void *in, size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		lxf_buf_reset(&ws->rx);
		ws->rx_binary = lws_frame_is_binary(wsi) != 0;
	}
	if (lxf_buf_add(&ws->rx, in, len) != 0) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
		return -1;
	}
	if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
		if (ws->ops->on_message && !ws->ctx->destroying)
			ws->ops->on_message(ws, ws->ud, ws->rx.data ? ws->rx.data : "", ws->rx.len,
					    ws->rx_binary);
		lxf_buf_reset(&ws->rx);
	}
	return 0;
}

static int ws_on_writable(struct lxf_ws *ws, struct lws *wsi)
{
	struct lxf_ws_ctx *ctx = ws->ctx;
	struct ws_msg *m;
	bool more, closing;
	int n;

	pthread_mutex_lock(&ctx->mu);
	m = ws->qhead;
	if (m) {
		ws->qhead = m->next;
		if (!ws->qhead)
			ws->qtail = NULL;
		ws->qbytes -= m->len;
		pthread_cond_broadcast(&ctx->cv);
	}
	more = ws->qhead != NULL;
	closing = ws->close_req;
	pthread_mutex_unlock(&ctx->mu);
	if (m) {
		n = lws_write(wsi, m->buf + LWS_PRE, m->len,
			      m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
		free(m);
		if (n < 0)
			return -1;
		if (more || closing)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if (closing) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	}
	return 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct lxf_ws *ws = wsi ? lws_get_opaque_user_data(wsi) : NULL;
	struct lxf_ws_ctx *ctx = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (ctx)
			ws_pick_up_work(ctx);
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!ws)
			return 0;
		/* A server cut off silently ends the websocket within
		 * LXF_TCP_DEAD_SECS instead of never (best effort). */
		(void)lxf_tcp_dead_peer(lws_get_socket_fd(wsi));
		pthread_mutex_lock(&ws->ctx->mu);
		ws->state = WS_OPEN;
		ws->had_open = true;
		if (ws->qhead || ws->close_req)
			lws_callback_on_writable(wsi);
		pthread_cond_broadcast(&ws->ctx->cv);
		pthread_mutex_unlock(&ws->ctx->mu);
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (ws)
			ws_ended(ws, in && len ? (const char *)in : "connection failed");
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return ws ? ws_on_receive(ws, wsi, in, len) : 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return ws ? ws_on_writable(ws, wsi) : 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (ws) {
			lws_set_opaque_user_data(wsi, NULL);
			ws_ended(ws, "connection closed");
		}
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols ws_protocols[] = {
    {"lxf-ws", ws_callback, 0, WS_RX_BUF, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *ws_thread(void *arg)
{
	struct lxf_ws_ctx *ctx = arg;

	for (;;) {
		bool stop;

		pthread_mutex_lock(&ctx->mu);
		stop = ctx->stop;
		pthread_mutex_unlock(&ctx->mu);
		if (stop)
			break;
		if (lws_service(ctx->lws, 0) < 0)
			break;
	}
	return NULL;
}

/* Splits opts->addr into ctx's address, host, port and TLS flag. */
static int ws_parse_addr(struct lxf_ws_ctx *ctx, const char *addr, struct lxf_err *err)
{
	if (strncmp(addr, "unix://", 7) == 0 && addr[7] == '/') {
		/* lws connects to a unix socket when the address starts with '+'. */
		if (snprintf(ctx->address, sizeof(ctx->address), "+%s", addr + 7) >=
		    (int)sizeof(ctx->address))
			return lxf_err_set(err, LXF_EINVAL, "socket path too long");
		(void)snprintf(ctx->host, sizeof(ctx->host), "lxd");
		ctx->port = 80;
		return 0;
	}
	if (strncmp(addr, "https://", 8) == 0 && addr[8]) {
		const char *h = addr + 8, *end = h + strcspn(h, "/"), *colon;
		size_t hl;

		colon = h[0] == '[' ? strstr(h, "]:") : strchr(h, ':');
		if (colon && colon < end && h[0] == '[')
			colon++;
		if (colon && colon >= end)
			colon = NULL;
		hl = (size_t)((colon ? colon : end) - h);
		if (hl == 0 || hl >= sizeof(ctx->host))
			return lxf_err_set(err, LXF_EINVAL, "bad address '%s'", addr);
		memcpy(ctx->host, h, hl);
		ctx->host[hl] = '\0';
		/* lws wants a bare IPv6 address, without brackets. */
		if (ctx->host[0] == '[' && hl > 2 && ctx->host[hl - 1] == ']')
			(void)snprintf(ctx->address, sizeof(ctx->address), "%.*s", (int)hl - 2,
				       ctx->host + 1);
		else
			(void)snprintf(ctx->address, sizeof(ctx->address), "%s", ctx->host);
		ctx->port = 8443;
		if (colon) {
			char *e;
			long p = strtol(colon + 1, &e, 10);

			if (e != end || p < 1 || p > 65535)
				return lxf_err_set(err, LXF_EINVAL, "bad port in '%s'", addr);
			ctx->port = (int)p;
		}
		ctx->tls = true;
		return 0;
	}
	return lxf_err_set(err, LXF_EINVAL,
			   "bad remote address '%s': want unix:///path or https://host[:port]",
			   addr);
}

int lxf_ws_ctx_new(const struct lxf_ws_opts *opts, struct lxf_ws_ctx **out, struct lxf_err *err)
{
	struct lws_context_creation_info info;
	struct lxf_ws_ctx *ctx = NULL;
	int rc;

	*out = NULL;
	if (!opts || !opts->addr)
		return lxf_err_set(err, LXF_EINVAL, "remote address missing");
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	(void)pthread_mutex_init(&ctx->mu, NULL);
	(void)pthread_cond_init(&ctx->cv, NULL);
	rc = ws_parse_addr(ctx, opts->addr, err);
	if (rc)
		goto out;
	if (ctx->tls) {
		ctx->cert_path = opts->cert_path ? strdup(opts->cert_path) : NULL;
		ctx->key_path = opts->key_path ? strdup(opts->key_path) : NULL;
		ctx->server_cert_path =
		    opts->server_cert_path ? strdup(opts->server_cert_path) : NULL;
		ctx->pinned = opts->server_cert_path != NULL;
		if ((opts->cert_path && !ctx->cert_path) || (opts->key_path && !ctx->key_path) ||
		    (opts->server_cert_path && !ctx->server_cert_path)) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* lws logs to stderr by default; our errors come back through err. */
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = ws_protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.user = ctx;
	info.fd_limit_per_thread = 64;
	if (ctx->tls) {
		info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_cert_filepath = ctx->cert_path;
		info.client_ssl_private_key_filepath = ctx->key_path;
		info.client_ssl_ca_filepath = ctx->server_cert_path;
	}
	ctx->lws = lws_create_context(&info);
	if (!ctx->lws) {
		rc = lxf_err_set(err, LXF_EIO, "cannot create the websocket context");
		goto out;
	}
	rc = pthread_create(&ctx->thread, NULL, ws_thread, ctx);
	if (rc) {
		rc = lxf_err_sys(err, LXF_EIO, rc, "cannot start the websocket thread");
		goto out;
	}
	ctx->thread_started = true;
	*out = ctx;
	ctx = NULL;
out:
	lxf_ws_ctx_free(ctx);
	return rc;
}

void lxf_ws_ctx_free(struct lxf_ws_ctx *ctx)
{
	struct timespec dl;

	if (!ctx)
		return;
	if (ctx->thread_started) {
		/* Close what is open, politely, for up to WS_DRAIN_MS. */
		(void)clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += (long)WS_DRAIN_MS * 1000000L;
		dl.tv_sec += dl.tv_nsec / 1000000000L;
		dl.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&ctx->mu);
		for (size_t i = 0; i < ctx->nconns; i++)
			ctx->conns[i]->close_req = true;
		pthread_mutex_unlock(&ctx->mu);
		lws_cancel_service(ctx->lws);
		pthread_mutex_lock(&ctx->mu);
		for (;;) {
			bool open = false;

			for (size_t i = 0; i < ctx->nconns; i++)
				if (ctx->conns[i]->state == WS_OPEN)
					open = true;
			if (!open || pthread_cond_timedwait(&ctx->cv, &ctx->mu, &dl) == ETIMEDOUT)
				break;
		}
		ctx->stop = true;
		ctx->destroying = true;
		pthread_mutex_unlock(&ctx->mu);
		lws_cancel_service(ctx->lws);
		pthread_join(ctx->thread, NULL);
	}
	ctx->destroying = true;
	if (ctx->lws)
		lws_context_destroy(ctx->lws);
	for (size_t i = 0; i < ctx->nconns; i++) {
		ws_queue_free(ctx->conns[i]);
		lxf_buf_fini(&ctx->conns[i]->rx);
		free(ctx->conns[i]->path);
		free(ctx->conns[i]);
	}
	free(ctx->cert_path);
	free(ctx->key_path);
	free(ctx->server_cert_path);
	pthread_cond_destroy(&ctx->cv);
	pthread_mutex_destroy(&ctx->mu);
	free(ctx);
}

/* A deadline timeout_ms from now on CLOCK_REALTIME (pthread_cond_timedwait's clock). */
static void ws_deadline(struct timespec *dl, int timeout_ms)
{
	(void)clock_gettime(CLOCK_REALTIME, dl);
	dl->tv_sec += timeout_ms / 1000;
	dl->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	dl->tv_sec += dl->tv_nsec / 1000000000L;
	dl->tv_nsec %= 1000000000L;
}

int lxf_ws_connect(struct lxf_ws_ctx *ctx, const char *path, const struct lxf_ws_ops *ops, void *ud,
		   struct lxf_ws **out, struct lxf_err *err)
{
	struct lxf_ws *ws = NULL;
	struct timespec dl;
	int rc = 0;

	*out = NULL;
	ws = calloc(1, sizeof(*ws));
	if (!ws || !(ws->path = strdup(path))) {
		if (ws)
			free(ws);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	ws->ctx = ctx;
	ws->ops = ops;
	ws->ud = ud;
	lxf_buf_init(&ws->rx, LXF_WS_MSG_MAX);
	pthread_mutex_lock(&ctx->mu);
	if (ctx->nconns >= WS_CONNS_MAX) {
		pthread_mutex_unlock(&ctx->mu);
		free(ws->path);
		free(ws);
		return lxf_err_set(err, LXF_EINVAL, "too many websockets on one remote");
	}
	ctx->conns[ctx->nconns++] = ws; /* owned by ctx from here on */
	pthread_mutex_unlock(&ctx->mu);
	lws_cancel_service(ctx->lws);
	ws_deadline(&dl, LXF_WS_CONNECT_SEC * 1000);
	pthread_mutex_lock(&ctx->mu);
	while (ws->state == WS_PENDING || ws->state == WS_CONNECTING)
		if (pthread_cond_timedwait(&ctx->cv, &ctx->mu, &dl) == ETIMEDOUT)
			break;
	/* Opened and already closed again is a success: a short exec's server
	 * sends everything and closes in the same read that completes the
	 * handshake (common over TLS); its messages and on_close were delivered. */
	if (ws->state == WS_CLOSED && !ws->had_open)
		rc = lxf_err_set(err, LXF_EUNAVAIL, "websocket %s: %s", path,
				 ws->errmsg[0] ? ws->errmsg : "connection failed");
	else if (ws->state != WS_OPEN && ws->state != WS_CLOSED) {
		ws->close_req = true;
		rc = lxf_err_set(err, LXF_ETIMEDOUT, "websocket %s: no answer in %d s", path,
				 LXF_WS_CONNECT_SEC);
	}
	pthread_mutex_unlock(&ctx->mu);
	if (rc == 0)
		*out = ws;
	return rc;
}

static int ws_send(struct lxf_ws *ws, const void *data, size_t len, bool binary, bool wait,
		   struct lxf_err *err);

int lxf_ws_send(struct lxf_ws *ws, const void *data, size_t len, bool binary, struct lxf_err *err)
{
	return ws_send(ws, data, len, binary, true, err);
}

int lxf_ws_send_nowait(struct lxf_ws *ws, const void *data, size_t len, bool binary,
		       struct lxf_err *err)
{
	return ws_send(ws, data, len, binary, false, err);
}

static int ws_send(struct lxf_ws *ws, const void *data, size_t len, bool binary, bool wait,
		   struct lxf_err *err)
{
	struct lxf_ws_ctx *ctx = ws->ctx;
	struct ws_msg *m;

	if (len > LXF_WS_MSG_MAX)
		return lxf_err_set(err, LXF_ETOOBIG, "websocket message over %u bytes",
				   LXF_WS_MSG_MAX);
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	m->next = NULL;
	m->len = len;
	m->binary = binary;
	if (len)
		memcpy(m->buf + LWS_PRE, data, len);
	pthread_mutex_lock(&ctx->mu);
	while (wait && ws->state != WS_CLOSED && !ws->close_req && ws->qbytes > 0 &&
	       ws->qbytes + len > LXF_WS_QUEUE_MAX)
		pthread_cond_wait(&ctx->cv, &ctx->mu);
	if (ws->state == WS_CLOSED || ws->close_req) {
		pthread_mutex_unlock(&ctx->mu);
		free(m);
		return lxf_err_set(err, LXF_EIO, "websocket closed");
	}
	if (ws->qtail)
		ws->qtail->next = m;
	else
		ws->qhead = m;
	ws->qtail = m;
	ws->qbytes += len;
	pthread_mutex_unlock(&ctx->mu);
	lws_cancel_service(ctx->lws);
	return 0;
}

void lxf_ws_close(struct lxf_ws *ws)
{
	pthread_mutex_lock(&ws->ctx->mu);
	ws->close_req = true;
	/* A sender waiting for queue room gives up now (ws_send). */
	pthread_cond_broadcast(&ws->ctx->cv);
	pthread_mutex_unlock(&ws->ctx->mu);
	lws_cancel_service(ws->ctx->lws);
}

bool lxf_ws_wait_closed(struct lxf_ws *ws, int timeout_ms)
{
	struct timespec dl;
	bool closed;

	if (timeout_ms >= 0)
		ws_deadline(&dl, timeout_ms);
	pthread_mutex_lock(&ws->ctx->mu);
	while (ws->state != WS_CLOSED) {
		if (timeout_ms < 0)
			pthread_cond_wait(&ws->ctx->cv, &ws->ctx->mu);
		else if (pthread_cond_timedwait(&ws->ctx->cv, &ws->ctx->mu, &dl) == ETIMEDOUT)
			break;
	}
	closed = ws->state == WS_CLOSED;
	pthread_mutex_unlock(&ws->ctx->mu);
	return closed;
}

bool lxf_ws_is_closed(struct lxf_ws *ws)
{
	bool closed;

	pthread_mutex_lock(&ws->ctx->mu);
	closed = ws->state == WS_CLOSED;
	pthread_mutex_unlock(&ws->ctx->mu);
	return closed;
}

int lxf_ws_ctx_for_remote(const struct lxf_remotes *r, const struct lxf_remote *rem,
			  struct lxf_ws_ctx **out, struct lxf_err *err)
{
	struct lxf_ws_opts opts = {.addr = rem->addr};
	char sock[WS_PATH_MAX + 8], crt[WS_PATH_MAX], key[WS_PATH_MAX], srv[WS_PATH_MAX];

	*out = NULL;
	if (strncmp(rem->addr, "unix://", 7) == 0) {
		char path[WS_PATH_MAX];
		int rc = lxf_remote_socket_path(rem, path, sizeof(path), err);

		if (rc)
			return rc;
		(void)snprintf(sock, sizeof(sock), "unix://%s", path);
		opts.addr = sock;
		return lxf_ws_ctx_new(&opts, out, err);
	}
	if (snprintf(crt, sizeof(crt), "%s/client.crt", r->dir) >= (int)sizeof(crt) ||
	    snprintf(key, sizeof(key), "%s/client.key", r->dir) >= (int)sizeof(key) ||
	    snprintf(srv, sizeof(srv), "%s/servercerts/%s.crt", r->dir, rem->name) >=
		(int)sizeof(srv))
		return lxf_err_set(err, LXF_EINVAL, "configuration path too long");
	if (access(crt, R_OK) == 0 && access(key, R_OK) == 0) {
		opts.cert_path = crt;
		opts.key_path = key;
	}
	if (access(srv, R_OK) == 0)
		opts.server_cert_path = srv;
	return lxf_ws_ctx_new(&opts, out, err);
}
