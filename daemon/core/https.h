/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_HTTPS_H
#define LXFD_HTTPS_H

#include <libwebsockets.h>
#include <stdbool.h>

#include "err.h"

/*
 * Private to http.c: the HTTPS vhost beside the unix one (created,
 * replaced and destroyed at run time on the loop thread), the identity of
 * the TLS peer and the admission of connections (conns.h). http_https_set() is in http.h.
 */

struct http_req;
struct http_https_conf;

/*
 * On the loop, before it runs: the server certificate (DIR/server.crt,
 * made on first start) and the listener of conf->address; conf->cert_level
 * is kept to judge client certificates. A listener that cannot bind is
 * logged, not fatal (LXD starts without it too). Returns 0 or a negative
 * code.
 */
int https_start(struct lws_context *ctx, const struct lws_protocols *protocols, const char *dir,
		const struct http_https_conf *conf, struct lxf_err *err);

/* On the loop at each wake-up: applies a change asked by http_https_set(). */
void https_service(void);

/* Ends the listener and fails pending http_https_set() calls. */
void https_stop(void);

/* True when wsi came through the HTTPS vhost. */
bool https_is_tls(struct lws *wsi);

/*
 * Fills req's trusted/tls/peer_fp/peer_der/remote from its connection:
 * unix socket = trusted. Returns 0 or -1 (out of memory).
 */
int https_identify(struct lws *wsi, struct http_req *req);

/*
 * For a trusted but restricted client (req->level < AUTH_FULL) whose
 * request was routed: 0 when the route is open to it, else -LXF_EPERM
 * with the reason (and a warning in the log).
 */
int https_restricted_check(const struct http_req *req, struct lxf_err *err);

/* The same for a websocket upgrade: true when the peer may go on to path. */
bool https_ws_allowed(struct lws *wsi);

/*
 * Connection accounting (conns.h) from the protocol callback: SSL_INFO
 * (in: the struct lws_ssl_info) and WSI_DESTROY, for every wsi.
 */
int https_conn_event(struct lws *wsi, int reason, void *in);

/* The callback of protocol "lxf-https-listen" (our listening socket). */
int https_listen_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len);

#endif
