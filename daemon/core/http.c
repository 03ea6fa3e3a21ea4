/* SPDX-License-Identifier: Apache-2.0 */
#include "http.h"
#include "http_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conns.h"
#include "https.h"
#include "json.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "ws.h"
#include "ws_dial.h"

#define HTTP_CHUNK            16384
#define HTTP_IGNORED_BODY_MAX 65536 /* bigger bodies on body-less routes get a 413 */
#define HTTP_NOFILE_WANT      65536 /* as config/lxfd.service's LimitNOFILE */

struct http_pss {
	struct http_req *req;
};

static struct lws_context *ctx;
static char upload_dir[PATH_MAX];

/* Requests finished by workers, waiting for the loop to write them. */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_req *done_head;
static bool stopped;
/* Requests with a response on its way out (loop thread only). */
static int live_reqs;
/* The peer of the unix socket connection lws is adopting (unix_filter -> WSI_CREATE). */
static bool unix_next;
static uid_t unix_next_uid;

static void req_free(struct http_req *req)
{
	if (!req)
		return;
	live_reqs--;
	if (req->upload_fd >= 0)
		close(req->upload_fd);
	if (req->upload_path[0])
		unlink(req->upload_path);
	if (req->file_fd >= 0)
		close(req->file_fd);
	free(req->peer_der);
	lxf_buf_fini(&req->body);
	lxf_buf_fini(&req->out);
	json_object_put(req->json);
	free(req);
}

void http_req_done(struct http_req *req)
{
	/* After http_stop() the request is dropped: the process is exiting and
	 * its connection may be half torn down, so nobody can free it safely. */
	pthread_mutex_lock(&done_lock);
	if (!stopped) {
		req->next = done_head;
		done_head = req;
		lws_cancel_service(ctx);
	}
	pthread_mutex_unlock(&done_lock);
}

void http_wake(void)
{
	pthread_mutex_lock(&done_lock);
	if (ctx && !stopped)
		lws_cancel_service(ctx);
	pthread_mutex_unlock(&done_lock);
}

/* Runs on the loop: the finished requests go out, the orphaned ones are freed. */
static void flush_done(void)
{
	struct http_req *list;

	pthread_mutex_lock(&done_lock);
	list = done_head;
	done_head = NULL;
	pthread_mutex_unlock(&done_lock);
	while (list) {
		struct http_req *req = list;
		list = req->next;
		req->next = NULL;
		req->inflight = false;
		if (req->counted) {
			req->counted = false;
			http_stats_end(http_stats_entity(req->match.route->tmpl));
		}
		if (!req->wsi)
			req_free(req);
		else
			lws_callback_on_writable(req->wsi);
	}
}

/* An error answered by the loop itself (routing, caps, upload I/O). */
static void req_fail(struct http_req *req, const struct lxf_err *err)
{
	lxf_buf_reset(&req->out);
	reply_error(req, err);
}

static void handler_job(void *arg)
{
	struct http_req *req = arg;
	const struct route *r = req->match.route;
	struct lxf_err err;
	int ret = 0;

	lxf_err_clear(&err);
	if ((r->flags & ROUTE_F_JSON) && !req->upload_path[0]) {
		if (req->body.len == 0)
			ret = lxf_err_set(&err, LXF_EINVAL, "The request body is empty");
		else
			ret = lxf_json_parse(req->body.data, req->body.len, 0, &req->json, &err);
	}
	if (ret == 0 && !r->handler) /* a ROUTE_WS row: LXD answers 400 without an upgrade */
		ret = lxf_err_set(&err, LXF_EINVAL, "This endpoint needs a websocket upgrade");
	else if (ret == 0)
		ret = r->handler(req, &err);
	if (ret == HTTP_DEFERRED)
		return;
	if (ret == 0 && req->status == 0)
		ret = lxf_err_set(&err, LXF_EINTERNAL, "Handler %s gave no response",
				  r->handler_name);
	if (ret < 0) {
		lxf_debug("%s %s: %s", router_method_name(r->method), req->path, err.msg);
		req_fail(req, &err);
	}
	http_req_done(req);
}

static void dispatch(struct http_req *req)
{
	struct lxf_err err;

	/* A POST with an empty body is dispatched from LWS_CALLBACK_HTTP, and
	 * lws may still report BODY_COMPLETION: a second handler run on the
	 * same request would race the first one's response and free. */
	if (req->dispatched)
		return;
	req->dispatched = true;
	conns_busy(req->wsi, true, conns_now_ms());
	/* A handler may answer much later (operation waits): lws must not
	 * time the connection out meanwhile. */
	lws_set_timeout(req->wsi, NO_PENDING_TIMEOUT, 0);
	if (req->status == 0) {
		req->inflight = true;
		req->counted = true;
		http_stats_begin(http_stats_entity(req->match.route->tmpl));
		if (pool_submit(POOL_REQUEST, handler_job, req, &err) == 0)
			return;
		req->counted = false;
		http_stats_end(http_stats_entity(req->match.route->tmpl));
		req->inflight = false;
		req_fail(req, &err);
	}
	lws_callback_on_writable(req->wsi);
}

static int copy_hdr(struct lws *wsi, enum lws_token_indexes tok, char *buf, size_t n)
{
	buf[0] = '\0';
	if (lws_hdr_total_length(wsi, tok) <= 0)
		return 0;
	return lws_hdr_copy(wsi, buf, (int)n, tok) < 0 ? -1 : 0;
}

static int copy_custom(struct lws *wsi, const char *name, char *buf, size_t n)
{
	int nlen = (int)strlen(name);

	buf[0] = '\0';
	if (lws_hdr_custom_length(wsi, name, nlen) < 0)
		return 0;
	return lws_hdr_custom_copy(wsi, buf, (int)n, name, nlen) < 0 ? -1 : 0;
}

static int read_request(struct lws *wsi, struct http_req *req, const char *uri, struct lxf_err *err)
{
	static const int methods[] = {
	    [LWSHUMETH_GET] = ROUTE_GET,     [LWSHUMETH_POST] = ROUTE_POST,
	    [LWSHUMETH_OPTIONS] = -1,        [LWSHUMETH_PUT] = ROUTE_PUT,
	    [LWSHUMETH_PATCH] = ROUTE_PATCH, [LWSHUMETH_DELETE] = ROUTE_DELETE,
	    [LWSHUMETH_CONNECT] = -1,        [LWSHUMETH_HEAD] = ROUTE_GET,
	};
	char *mp = NULL;
	int mlen = 0;
	int m = lws_http_get_uri_and_method(wsi, &mp, &mlen);
	char clen[32], te[32];
	size_t qlen = 0;

	req->method = m >= 0 && m < (int)(sizeof(methods) / sizeof(methods[0])) ? methods[m] : -1;
	req->head = m == LWSHUMETH_HEAD;
	if (snprintf(req->path, sizeof(req->path), "%s", uri) >= (int)sizeof(req->path))
		return lxf_err_set(err, LXF_EINVAL, "URL too long");
	for (int i = 0;; i++) {
		char frag[1024];
		int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		if (qlen + (size_t)n + 2 > sizeof(req->query))
			return lxf_err_set(err, LXF_EINVAL, "Query string too long");
		qlen += (size_t)snprintf(req->query + qlen, sizeof(req->query) - qlen, "%s%s",
					 i ? "&" : "", frag);
	}
	if (copy_hdr(wsi, WSI_TOKEN_HTTP_IF_MATCH, req->if_match, sizeof(req->if_match)) < 0 ||
	    copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, req->content_type,
		     sizeof(req->content_type)) < 0 ||
	    copy_hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, clen, sizeof(clen)) < 0 ||
	    copy_hdr(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING, te, sizeof(te)) < 0 ||
	    copy_custom(wsi, "x-lxd-fingerprint:", req->x_fingerprint, sizeof(req->x_fingerprint)) <
		0 ||
	    copy_custom(wsi, "x-lxd-filename:", req->x_filename, sizeof(req->x_filename)) < 0 ||
	    copy_custom(wsi, "x-lxd-public:", req->x_public, sizeof(req->x_public)) < 0 ||
	    copy_custom(wsi, "x-lxd-properties:", req->x_properties, sizeof(req->x_properties)) <
		0 ||
	    copy_custom(wsi, "x-lxd-name:", req->x_name, sizeof(req->x_name)) < 0 ||
	    copy_custom(wsi, "x-lxd-secret:", req->x_secret, sizeof(req->x_secret)) < 0 ||
	    copy_custom(wsi, "x-lxd-uid:", req->x_uid, sizeof(req->x_uid)) < 0 ||
	    copy_custom(wsi, "x-lxd-gid:", req->x_gid, sizeof(req->x_gid)) < 0 ||
	    copy_custom(wsi, "x-lxd-mode:", req->x_mode, sizeof(req->x_mode)) < 0 ||
	    copy_custom(wsi, "x-lxd-type:", req->x_type, sizeof(req->x_type)) < 0 ||
	    copy_custom(wsi, "x-lxd-write:", req->x_write, sizeof(req->x_write)) < 0)
		return lxf_err_set(err, LXF_EINVAL, "A request header is too long");
	if (te[0]) {
		/* lws passes a chunked body on raw: http_chunked.c strips the framing. */
		if (strcasecmp(te, "chunked") != 0) {
			req->close_after = true; /* the body cannot be skipped safely */
			return lxf_err_set(err, LXF_EINVAL, "Unsupported Transfer-Encoding \"%s\"",
					   te);
		}
		req->chunked = true;
		http_chunked_init(&req->chunk);
	}
	if (clen[0]) {
		char *end = NULL;
		errno = 0;
		unsigned long long v = strtoull(clen, &end, 10);
		if (errno || *end || clen[0] == '-')
			return lxf_err_set(err, LXF_EINVAL, "Bad Content-Length");
		req->body_expected = v;
	}
	return 0;
}

static int open_upload(struct http_req *req, struct lxf_err *err)
{
	int n =
	    snprintf(req->upload_path, sizeof(req->upload_path), "%s/.upload-XXXXXX", upload_dir);

	if (n < 0 || (size_t)n >= sizeof(req->upload_path)) {
		req->upload_path[0] = '\0';
		return lxf_err_set(err, LXF_EINVAL, "Upload path too long");
	}
	req->upload_fd = mkostemp(req->upload_path, O_CLOEXEC);
	if (req->upload_fd < 0) {
		req->upload_path[0] = '\0';
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot create upload file");
	}
	return 0;
}

/*
 * lws hands over the path already %-decoded; the router decodes params
 * itself, so a literal '%' is escaped again rather than decoded twice.
 */
static int route(struct http_req *req, struct lxf_err *err)
{
	char esc[sizeof(req->path) * 3];
	size_t o = 0;

	for (const char *p = req->path; *p; p++) {
		if (o + 4 > sizeof(esc))
			return lxf_err_set(err, LXF_EINVAL, "URL too long");
		if (*p == '%') {
			memcpy(esc + o, "%25", 3);
			o += 3;
		} else {
			esc[o++] = *p;
		}
	}
	esc[o] = '\0';
	return router_match(req->method, esc, &req->match, err);
}

/*
 * Whether the body goes to an upload file: always on an upload route, and
 * on a route that takes both (POST /1.0/instances: JSON, or a backup to
 * import) when it is sent as application/octet-stream. Such a route's
 * JSON is still capped at HTTP_MIXED_JSON_CAP.
 */
#define HTTP_MIXED_JSON_CAP (1u << 20)
static bool upload_body(const struct http_req *req)
{
	unsigned flags = req->match.route->flags;

	if (!(flags & ROUTE_F_UPLOAD))
		return false;
	return !(flags & ROUTE_F_JSON) ||
	       strncmp(req->content_type, "application/octet-stream", 24) == 0;
}

static http_token_fn token_check;

void http_set_token_check(http_token_fn fn)
{
	token_check = fn;
}

/* An untrusted client may use the route: it is open, or its token is good. */
static bool untrusted_ok(const struct http_req *req)
{
	unsigned flags = req->match.route->flags;

	return (flags & ROUTE_F_UNTRUSTED) ||
	       ((flags & ROUTE_F_TOKEN) && token_check && req->x_secret[0] &&
		token_check(req->x_fingerprint, req->x_secret));
}

static int on_http(struct lws *wsi, struct http_pss *pss, const char *uri)
{
	struct http_req *req = calloc(1, sizeof(*req));
	struct lxf_err err;
	int ret;

	if (!req)
		return -1;
	live_reqs++;
	req_free(pss->req);
	pss->req = req;
	req->wsi = wsi;
	req->upload_fd = -1;
	req->file_fd = -1;
	lxf_err_clear(&err);
	ret = https_identify(wsi, req) < 0 ? lxf_err_set(&err, LXF_ENOMEM, "Out of memory") : 0;
	if (ret == 0)
		ret = read_request(wsi, req, uri, &err);
	if (ret == 0)
		ret = route(req, &err);
	if (ret == 0 && req->level == AUTH_METRICS && (req->match.route->flags & ROUTE_F_METRICS))
		req->trusted = true; /* a metrics certificate, on the route it is for */
	if (ret == 0 && !req->trusted && !untrusted_ok(req)) {
		/* LXD's answer, whatever the route: nothing to learn from it. */
		lxf_warn("Rejecting request from untrusted client %s: %s", req->remote, req->path);
		ret = lxf_err_set(&err, LXF_EPERM, "not authorized");
	} else if (ret == 0 && req->level < AUTH_FULL) {
		ret = https_restricted_check(req, &err);
	}
	lxf_debug("%s %s%s%s", req->method >= 0 ? router_method_name(req->method) : "?", req->path,
		  req->query[0] ? "?" : "", req->query);
	if (ret == 0 && req->match.route->body_cap == 0 &&
	    (req->chunked || req->body_expected <= HTTP_IGNORED_BODY_MAX)) {
		/* A body where none is read (GET): LXD ignores it, and `lxc
		 * query` sends one (a JSON "") with every request. */
		req->drain = true;
	} else if (ret == 0 && req->body_expected > req->match.route->body_cap) {
		/* Refuse at once rather than read up to 2 GiB only to drop it. */
		ret = lxf_err_set(&err, LXF_ETOOBIG, "Request body too large (limit %llu bytes)",
				  (unsigned long long)req->match.route->body_cap);
		req->close_after = true;
	}
	if (ret == 0 && upload_body(req))
		ret = open_upload(req, &err);
	else if (ret == 0 && (req->match.route->flags & ROUTE_F_JSON))
		lxf_buf_init(&req->body, (size_t)(req->match.route->flags & ROUTE_F_UPLOAD
						      ? HTTP_MIXED_JSON_CAP
						      : req->match.route->body_cap));
	if (ret < 0) {
		req_fail(req, &err);
		req->drain = true;
		if (req->chunked)
			req->close_after = true; /* why read a body only to drop it */
	}
	if ((req->body_expected == 0 && !req->chunked) || req->close_after)
		dispatch(req);
	return 0;
}

static int body_sink(struct http_req *req, const char *in, size_t len);

/*
 * A chunked body: the payload goes to body_sink, the end of the framing
 * dispatches. lws still waits for (up to 100 MiB of) body it cannot
 * delimit, so the connection closes after the response.
 */
static int on_chunked_body(struct http_req *req, const char *in, size_t len)
{
	struct lxf_err err;
	const char *data;
	size_t dlen;

	lxf_err_clear(&err);
	while (len > 0 && !req->chunk.done) {
		if (http_chunked_step(&req->chunk, &in, &len, &data, &dlen, &err) < 0) {
			req_fail(req, &err);
			req->drain = true;
			break;
		}
		if (dlen > 0 && !req->drain)
			body_sink(req, data, dlen);
	}
	if (req->chunk.done || req->drain) {
		req->close_after = true;
		if (req->upload_fd >= 0) {
			close(req->upload_fd);
			req->upload_fd = -1;
		}
		dispatch(req);
	}
	return 0;
}

static int on_body(struct http_pss *pss, const char *in, size_t len)
{
	struct http_req *req = pss->req;

	if (!req || req->close_after)
		return 0;
	if (req->chunked)
		return on_chunked_body(req, in, len);
	if (req->drain)
		return 0;
	return body_sink(req, in, len);
}

/* Body bytes to the upload file or the JSON buffer; an error drains the rest. */
static int body_sink(struct http_req *req, const char *in, size_t len)
{
	struct lxf_err err;

	req->body_seen += len;
	if (req->upload_fd >= 0) {
		while (len > 0) {
			ssize_t n = write(req->upload_fd, in, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				lxf_err_sys(&err, LXF_EIO, errno, "Cannot write upload file");
				req_fail(req, &err);
				req->drain = true;
				return 0;
			}
			in += n;
			len -= (size_t)n;
			req->upload_len += (uint64_t)n;
		}
	} else if (lxf_buf_add(&req->body, in, len) < 0) {
		lxf_err_set(&err, LXF_ETOOBIG, "Request body too large");
		req_fail(req, &err);
		req->drain = true;
	}
	return 0;
}

static int on_body_done(struct http_pss *pss)
{
	struct http_req *req = pss->req;

	if (!req || req->close_after)
		return 0;
	if (req->chunked) {
		/* lws's 100 MiB guess at an undelimited body ran out first. */
		struct lxf_err err;
		lxf_err_set(&err, LXF_ETOOBIG, "Chunked request body too large (limit 100 MiB)");
		req_fail(req, &err);
		req->close_after = true;
	}
	if (req->upload_fd >= 0) {
		close(req->upload_fd);
		req->upload_fd = -1;
	}
	dispatch(req);
	return 0;
}

/* The response headers, into [*p, end) of a buffer with LWS_PRE before it. */
static int build_headers(struct lws *wsi, struct http_req *req, uint64_t len, unsigned char **p,
			 unsigned char *end)
{
	char etag[96];

	http_stats_completed(req->match.route ? http_stats_entity(req->match.route->tmpl) : 0,
			     req->status);
	if (lws_add_http_common_headers(wsi, (unsigned)req->status,
					req->ctype ? req->ctype : "application/json", len, p, end))
		return -1;
	if (req->location[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"Location:",
							    (const unsigned char *)req->location,
							    (int)strlen(req->location), p, end))
		return -1;
	if (req->etag[0]) {
		int n = snprintf(etag, sizeof(etag), "\"%s\"", req->etag);
		if (lws_add_http_header_by_name(wsi, (const unsigned char *)"ETag:",
						(const unsigned char *)etag, n, p, end))
			return -1;
	}
	for (int i = 0; i < req->nxhdr; i++) {
		char name[32];
		int n = snprintf(name, sizeof(name), "%s:", req->xhdr_name[i]);
		if (n < 0 || (size_t)n >= sizeof(name) ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)name,
						(const unsigned char *)req->xhdr_value[i],
						(int)strlen(req->xhdr_value[i]), p, end))
			return -1;
	}
	if (req->close_after &&
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
					 5, p, end))
		return -1;
	return lws_finalize_http_header(wsi, p, end) ? -1 : 0;
}

/* The last write of a response: the request goes, the connection waits for the next. */
static int response_sent(struct lws *wsi, struct http_pss *pss)
{
	bool close_after = pss->req->close_after;

	req_free(pss->req);
	pss->req = NULL;
	if (close_after)
		return -1;
	conns_busy(wsi, false, conns_now_ms());
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int on_writeable(struct lws *wsi, struct http_pss *pss)
{
	struct http_req *req = pss->req;
	unsigned char buf[LWS_PRE + HTTP_CHUNK];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	uint64_t total, len;
	size_t n;
	bool final;

	if (!req || req->inflight || req->status == 0)
		return 0;
	total = req->file_fd >= 0 ? req->file_len : req->out.len;
	len = req->head ? 0 : total; /* HEAD: Content-Length told, no body follows */
	if (!req->headers_sent) {
		/* Headers and a body that fits go out in one write: one send, one
		 * wake-up of the client, instead of two. (HTTP/1.1 only here: a
		 * h1 lws_write is the bytes as given.) */
		bool whole;

		if (build_headers(wsi, req, total, &p, end) < 0)
			return -1;
		req->headers_sent = true;
		whole = req->file_fd < 0 && len <= (uint64_t)(end - p);
		if (whole && len > 0) {
			memcpy(p, req->out.data, (size_t)len);
			p += len;
		}
		if (lws_write(wsi, start, (size_t)(p - start),
			      whole ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP_HEADERS) !=
		    (int)(p - start))
			return -1;
		if (whole)
			return response_sent(wsi, pss);
		if (len > 0) {
			lws_callback_on_writable(wsi);
			return 0;
		}
	}
	n = len - req->sent > HTTP_CHUNK ? HTTP_CHUNK : (size_t)(len - req->sent);
	if (req->file_fd >= 0 && n > 0) {
		ssize_t r = pread(req->file_fd, start, n, (off_t)req->sent);
		if (r <= 0) {
			lxf_warn("Cannot read %s for %s: %s", "export file", req->path,
				 r < 0 ? strerror(errno) : "file shrank");
			return -1;
		}
		n = (size_t)r;
	} else if (n > 0) {
		memcpy(start, req->out.data + req->sent, n);
	}
	final = req->sent + n >= len;
	if (n > 0 &&
	    lws_write(wsi, start, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	req->sent += n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	return response_sent(wsi, pss);
}

/* The connection is going: a request still on a worker is freed when it comes back. */
static void on_closed(struct http_pss *pss)
{
	struct http_req *req = pss ? pss->req : NULL;

	if (!req)
		return;
	pss->req = NULL;
	if (req->inflight)
		req->wsi = NULL;
	else
		req_free(req);
}

/*
 * A new connection on the unix socket (lws accepted fd): within its
 * user's share (conns.h)? 0 lets lws adopt it, 1 closes it.
 */
static int unix_filter(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	unix_next = false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		lxf_warn("Unix socket: cannot tell who connected: %s", strerror(errno));
		return 1;
	}
	if (conns_unix_admit(cr.uid, conns_now_ms()) < 0)
		return 1;
	unix_next = true;
	unix_next_uid = cr.uid;
	return 0;
}

/* lws made the wsi of what unix_filter let in: count it. */
static void unix_created(struct lws *wsi)
{
	if (!unix_next || https_is_tls(wsi))
		return;
	unix_next = false;
	if (conns_unix_add(wsi, unix_next_uid) < 0)
		lxf_warn("Unix socket: out of memory counting a connection");
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		   size_t len)
{
	struct http_pss *pss = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return on_http(wsi, pss, in ? (const char *)in : "/");
	case LWS_CALLBACK_HTTP_BODY:
		return on_body(pss, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return on_body_done(pss);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return on_writeable(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		on_closed(pss);
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		flush_done();
		ws_dial_service(lws_get_context(wsi));
		ws_service();
		https_service();
		return 0;
	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		/* Any client certificate passes the handshake (they are
		 * self-signed); trust is decided per request by fingerprint. */
		return 0;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		return ws_verify_server(wsi, user); /* websockets lxfd dials (ws_dial.c) */
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return unix_filter((int)(intptr_t)in);
	case LWS_CALLBACK_WSI_CREATE:
		unix_created(wsi);
		return 0;
	case LWS_CALLBACK_SSL_INFO:
		return https_conn_event(wsi, (int)reason, in);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (!https_ws_allowed(wsi))
			return 1;
		return ws_callback(wsi, (int)reason, in, len);
	case LWS_CALLBACK_ESTABLISHED:
		conns_busy(wsi, true, conns_now_ms()); /* a websocket is never idle */
		return ws_callback(wsi, (int)reason, in, len);
	case LWS_CALLBACK_RECEIVE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
	case LWS_CALLBACK_CLIENT_RECEIVE:
	case LWS_CALLBACK_CLIENT_WRITEABLE:
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		return ws_callback(wsi, (int)reason, in, len); /* websockets: ws.c */
	case LWS_CALLBACK_CLIENT_CLOSED:
		ws_callback(wsi, (int)reason, in, len);
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		https_conn_event(wsi, (int)reason, in);
		ws_callback(wsi, (int)reason, in, len);
		break;
	case LWS_CALLBACK_CLOSED:
		ws_callback(wsi, (int)reason, in, len);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"http", http_cb, sizeof(struct http_pss), 0, 0, NULL, 0},
    {"lxf-https-listen", https_listen_cb, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log_emit(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	lxf_log(level == LLL_ERR ? LXF_LOG_ERROR : LXF_LOG_WARN, "lws: %.*s", (int)n, line);
}

static int set_group(const char *path, const char *group, struct lxf_err *err)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return lxf_err_set(err, LXF_EINVAL, "Unknown group \"%s\"", group);
	if (chown(path, (uid_t)-1, res->gr_gid) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot chgrp %s", path);
	return 0;
}

/*
 * The file descriptors lxfd may have: the soft RLIMIT_NOFILE, raised
 * towards the hard one up to HTTP_NOFILE_WANT (what the systemd unit
 * sets; a shell's default is 1024). lws sizes its tables from it, and
 * conns.c its caps, so that connections never take the descriptors the
 * rest of the daemon needs.
 */
static long nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < HTTP_NOFILE_WANT && rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max < HTTP_NOFILE_WANT ? rl.rlim_max : HTTP_NOFILE_WANT;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = old;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1L << 30) ? 1L << 30
									: (long)rl.rlim_cur;
}

int http_start(const char *sock_path, const char *group, const char *dir,
	       const struct http_https_conf *https, struct lxf_err *err)
{
	struct lws_context_creation_info info;
	mode_t old;

	if (snprintf(upload_dir, sizeof(upload_dir), "%s/images", dir) >= (int)sizeof(upload_dir))
		return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
	lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
	conns_init(nofile());
	memset(&info, 0, sizeof(info));
	/* SSL's global init now: the HTTPS vhost (https.c) may come at any time.
	 * No OS CA store: client certificates are checked by fingerprint. */
	info.options = LWS_SERVER_OPTION_UNIX_SOCK | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	info.iface = sock_path;
	info.port = 0;
	info.protocols = protocols;
	info.max_http_header_data = 8192;
	info.pt_serv_buf_size = 32768;
	info.timeout_secs = 60;
	info.count_threads = 1;
	/* The socket is born 0660: no window where others could connect. */
	old = umask(0117);
	ctx = lws_create_context(&info);
	umask(old);
	if (!ctx)
		return lxf_err_set(err, LXF_EIO, "Cannot listen on %s", sock_path);
	if (chmod(sock_path, 0660) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot chmod %s", sock_path);
	if (group && group[0] && set_group(sock_path, group, err) < 0)
		return -err->code;
	if (https_start(ctx, protocols, dir, https, err) < 0)
		return -err->code;
	return 0;
}

static lws_sorted_usec_list_t grace_sul;

static void grace_tick(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

void http_run(const volatile int *quit)
{
	struct timespec t0, t;

	while (!*quit)
		if (lws_service(ctx, 0) < 0)
			return;
	/* Answers already made (the shutdown request's own) still go out: up
	 * to a second more while responses are pending, no waiting on slow work. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		flush_done();
		if (live_reqs == 0)
			break;
		/* lws sleeps until an event: a timer bounds each round. */
		lws_sul_schedule(ctx, 0, &grace_sul, grace_tick, 100 * LWS_US_PER_MS);
		if (lws_service(ctx, 0) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
}

void http_stop(void)
{
	struct http_req *list;

	if (!ctx)
		return;
	lws_sul_cancel(&grace_sul);
	pthread_mutex_lock(&done_lock);
	stopped = true;
	pthread_mutex_unlock(&done_lock);
	https_stop();
	lws_context_destroy(ctx);
	conns_fini();
	pthread_mutex_lock(&done_lock);
	list = done_head;
	done_head = NULL;
	pthread_mutex_unlock(&done_lock);
	while (list) {
		struct http_req *req = list;
		list = req->next;
		req_free(req);
	}
	ctx = NULL;
}

const char *http_query(const struct http_req *req, const char *key, char *buf, size_t n)
{
	size_t klen = strlen(key);
	const char *p = req->query;

	while (*p) {
		size_t len = strcspn(p, "&");
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = len - klen - 1;
			if (vlen >= n)
				return NULL;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		if (len == klen && strncmp(p, key, klen) == 0) {
			if (n == 0)
				return NULL;
			buf[0] = '\0';
			return buf;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	return NULL;
}

int http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->nxhdr >= HTTP_XHDR_MAX)
		return -LXF_ETOOBIG;
	snprintf(req->xhdr_name[req->nxhdr], sizeof(req->xhdr_name[0]), "%s", name);
	snprintf(req->xhdr_value[req->nxhdr], sizeof(req->xhdr_value[0]), "%s", value);
	req->nxhdr++;
	return 0;
}
