/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_WS_DIAL_H
#define LXFD_WS_DIAL_H

#include "err.h"
#include "ws.h"

struct lws;
struct lws_context;

/*
 * Dials url (wss://HOST[:PORT]/PATH?QUERY, port 8443 by default), whose
 * server must present exactly certificate cert_pem (PEM). Any thread. The
 * connection is driven by ops/data as an accepted channel is: on_open once
 * the upgrade is done, on_close when it ends or fails (with no on_open
 * before it when it never connected). *out is the caller's reference
 * (ws_conn_unref it); messages sent before on_open wait in its queue.
 * Returns 0, or -LXF_EINVAL (bad URL or certificate), -LXF_EUNAVAIL (the
 * host name does not resolve: done here, on the calling thread) or
 * -LXF_ENOMEM.
 */
int ws_dial(const char *url, const char *cert_pem, const struct ws_chan_ops *ops, void *data,
	    struct ws_conn **out, struct lxf_err *err);

/* http.c's hooks: starts the dials asked for (loop thread, each wake-up),
 * and LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION for them
 * (0 accepts the certificate being verified, 1 refuses it). */
void ws_dial_service(struct lws_context *ctx);
int ws_verify_server(struct lws *wsi, void *x509_ctx);

/* ws.c's side of dialed connections (ws_dial.c only). */
struct ws_conn *ws_conn_dial_new(const struct ws_chan_ops *ops, void *data, const char *pin);
void ws_conn_dial_bind(struct ws_conn *c, struct lws *wsi);
void ws_conn_dial_failed(struct ws_conn *c);
const char *ws_conn_dial_pin(struct lws *wsi);

#endif
