/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_HTTP_H
#define LXFD_HTTP_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "http_chunked.h"
#include "router.h"
#include "tls.h"

/*
 * lxfd's HTTP server: libwebsockets on a unix socket, one event loop
 * thread. Requests are parsed on the loop, their bodies gathered there
 * (capped per route), then the handler runs on a worker thread (op.c's
 * request pool) and hands the finished response back with http_req_done(),
 * which wakes the loop to write it.
 */

#define HTTP_DEFERRED 1 /* handler return: someone calls http_req_done() later */
#define HTTP_XHDR_MAX 6

struct http_req {
	/* Request, filled on the loop before the handler runs; read-only after. */
	int method; /* enum route_method, or -1 */
	char path[1024];
	char query[2048]; /* raw "a=b&c=d", fragments as lws decoded them */
	char if_match[160];
	char content_type[128];
	char x_fingerprint[96];
	char x_filename[256];
	char x_public[16];
	char x_properties[4096];
	char x_name[64]; /* X-LXD-name: an imported backup's new name */
	/* X-LXD-secret: a push token (ROUTE_F_TOKEN). */
	char x_secret[160];
	/* File API (api_files.c): X-LXD-uid/gid/mode/type/write, "" when absent. */
	char x_uid[24], x_gid[24], x_mode[16], x_type[16], x_write[16];
	bool head; /* a HEAD request, routed as GET: the body is not sent */
	/* Who asks (tls.h): the unix socket is trusted; over HTTPS, a client
	 * whose certificate is in the trust store. peer_der is the client's
	 * TLS certificate (NULL without one), remote its address. */
	bool trusted;
	enum auth_level level; /* AUTH_FULL on the unix socket */
	bool tls;
	char peer_fp[65];
	unsigned char *peer_der;
	size_t peer_der_len;
	char remote[64];
	struct route_match match;
	struct lxf_buf body;      /* ROUTE_F_JSON routes */
	struct json_object *json; /* the parsed body, or NULL */
	/* ROUTE_F_UPLOAD: the body in DIR/images/.upload-XXXXXX. A handler that
	 * keeps the file empties upload_path; otherwise it is unlinked at free. */
	char upload_path[PATH_MAX];
	int upload_fd;
	uint64_t upload_len;

	/* Response, filled by the handler (reply_sync & co). */
	int status;
	const char *ctype; /* static string; NULL = application/json */
	struct lxf_buf out;
	char location[128];
	char etag[80];
	int file_fd; /* >= 0: stream this file (file_len bytes) instead of out */
	uint64_t file_len;
	/* Extra response headers (name without ':'), HTTP_XHDR_MAX at most. */
	char xhdr_name[HTTP_XHDR_MAX][24];
	char xhdr_value[HTTP_XHDR_MAX][320];
	int nxhdr;

	/* Private to http.c. */
	struct lws *wsi;
	bool inflight, headers_sent, close_after, drain;
	bool dispatched;           /* handed to a handler once; lws may report the body end twice */
	bool counted;              /* in http_stats' ongoing count until flushed */
	bool chunked;              /* Transfer-Encoding: chunked body */
	struct http_chunked chunk; /* its decoder */
	uint64_t body_expected, body_seen, sent;
	struct http_req *next;
};

/*
 * What the layers above tell http_start about HTTPS: the stored
 * core.https_address ("" for none) and the trust store's level of a
 * client certificate's fingerprint (called on the loop and on workers).
 */
struct http_https_conf {
	const char *address;
	enum auth_level (*cert_level)(const char *fp);
};

/*
 * Creates the lws context listening on sock_path (created mode 0660, group
 * group when non-NULL), with dir the daemon's state dir (uploads go to
 * DIR/images, the server certificate is DIR/server.crt), and starts the
 * HTTPS side with https (borrowed). Returns 0 or -LXF_EIO/-LXF_EINVAL.
 */
int http_start(const char *sock_path, const char *group, const char *dir,
	       const struct http_https_conf *https, struct lxf_err *err);

/*
 * Sets the HTTPS listener to addr (core.https_address: "HOST", "HOST:PORT",
 * ":PORT", "[V6]:PORT"; port 8443 when none; NULL or "" closes it). Any
 * thread but the loop's: the loop makes the change and this waits for it.
 * On failure (bad address, bind error) the old listener stays. Returns 0,
 * -LXF_EINVAL or -LXF_EIO.
 */
int http_https_set(const char *addr, struct lxf_err *err);

/*
 * Splits a core.https_address value into host (no brackets; "" for every
 * address) and port. Returns 0 or -LXF_EINVAL.
 */
int http_https_parse(const char *addr, char *host, size_t n, int *port, struct lxf_err *err);

/* LXD's environment.addresses for core.https_address addr: the address, or
 * every global one for a wildcard host. New array (empty when addr is). */
struct json_object *http_https_addresses(const char *addr);

/* Runs the loop until *quit becomes non-zero (checked after every wake-up). */
void http_run(const volatile int *quit);

/* Wakes the loop (any thread, not from a signal handler: it takes a lock). */
void http_wake(void);

/* Destroys the context and frees every pending request. */
void http_stop(void);

/*
 * Hands a finished response back to the loop (any thread). After this the
 * caller must not touch req: the loop writes it, or frees it when the
 * client has gone.
 */
void http_req_done(struct http_req *req);

/* The check of ROUTE_F_TOKEN routes (set once at start-up, before
 * http_start): true when the token lets an untrusted client in. Runs on
 * the event loop: it must not block. */
typedef bool (*http_token_fn)(const char *fingerprint, const char *secret);
void http_set_token_check(http_token_fn fn);

/*
 * The value of query parameter key into buf (size n): returns buf, or NULL
 * when absent. A value too long for buf is treated as absent.
 */
const char *http_query(const struct http_req *req, const char *key, char *buf, size_t n);

/* Adds response header name: value (both copied, truncated to fit). 0 or
 * -LXF_ETOOBIG when HTTP_XHDR_MAX are set already. */
int http_add_header(struct http_req *req, const char *name, const char *value);

#endif
