/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_ROUTER_H
#define LXFD_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * The route table (routes.def, bound to its handlers by the layer that
 * has them and handed over with router_init) and the matcher. 404 for an unknown path,
 * 405 for a known path with another method and 400 for a bad {param} are
 * decided here, once, for every route.
 */

enum route_method { ROUTE_GET, ROUTE_POST, ROUTE_PUT, ROUTE_PATCH, ROUTE_DELETE, ROUTE_METHODS };

#define ROUTE_F_JSON   0x1u /* the body is one JSON value (parsed before the handler) */
#define ROUTE_F_UPLOAD 0x2u /* the body is streamed to a temporary file */
/* Open to untrusted HTTPS clients too (LXD's AllowUntrusted); every other
 * route answers them 403. The handler sees req->trusted. */
#define ROUTE_F_UNTRUSTED 0x4u
/* Open to an untrusted client that shows a token (X-LXD-fingerprint and
 * X-LXD-secret) the check set with http_set_token_check accepts: checked
 * before the body is read (LXD's push of an image, api_image_push.c). */
#define ROUTE_F_TOKEN 0x20u
/* Restricted certificates (auth.h): ROUTE_F_ADMIN routes change the
 * server itself and are refused to them; ROUTE_F_SERVER routes read
 * server-level lists that need no project, open to them all.
 * ROUTE_F_METRICS routes are open to metrics certificates too (LXD's
 * /1.0/metrics), which get 403 everywhere else. */
#define ROUTE_F_ADMIN    0x8u
#define ROUTE_F_SERVER   0x10u
#define ROUTE_F_METRICS  0x40u

#define ROUTE_MAX_PARAMS 3 /* pool, volume type, volume */
#define ROUTE_PARAM_MAX  256

struct http_req;

/*
 * A handler runs on a worker thread. It returns 0 once it has filled the
 * response (reply_sync, api_async...), HTTP_DEFERRED when someone else will
 * complete the request later, or a negative lxf_code with err filled, which
 * the caller turns into an error envelope.
 */
typedef int (*route_fn)(struct http_req *req, struct lxf_err *err);

struct ws_conn;
struct route_match;

/*
 * Opens the websocket of a ROUTE_WS row on an upgrade request matching m
 * (query: the raw query string): binds c (ws_conn_bind) and returns 0, or
 * returns a negative lxf_code with err filled and the upgrade is refused.
 * Runs on the loop thread.
 */
typedef int (*route_ws_fn)(struct ws_conn *c, const struct route_match *m, const char *query,
			   struct lxf_err *err);

/* A row: handler answers plain requests; a ROUTE_WS row has ws_open instead
 * (and a plain GET of it is answered 400). */
struct route {
	enum route_method method;
	const char *tmpl;
	route_fn handler;
	route_ws_fn ws_open;
	const char *handler_name; /* of handler or ws_open */
	unsigned flags;
	uint64_t body_cap;
};

struct route_match {
	const struct route *route;
	int nparams;
	char names[ROUTE_MAX_PARAMS][16];
	char params[ROUTE_MAX_PARAMS][ROUTE_PARAM_MAX];
};

/* Sets the table (routes.def order, n rows; borrowed for good), before any match. */
void router_init(const struct route *table, size_t n);

/* The table of router_init; *n gets its length (0 before it). */
const struct route *router_table(size_t *n);

/* "GET" -> ROUTE_GET; -1 for a method no route uses. */
int router_method(const char *name);
const char *router_method_name(enum route_method m);

/*
 * Matches method (a ROUTE_* or -1) and path (no query, still %-encoded or
 * not: params are %-decoded here) against the table; a /1.0/containers
 * prefix is read as /1.0/instances. Literal segments win over {params}.
 * Fills *m (params decoded and validated) and returns 0; -LXF_ENOENT for
 * an unknown path, -LXF_ENOMETHOD for a known path and another method,
 * -LXF_EINVAL for a bad param. err says which.
 */
int router_match(int method, const char *path, struct route_match *m, struct lxf_err *err);

/* The value of param name in m, or NULL. Borrowed from m. */
const char *router_param(const struct route_match *m, const char *name);

/*
 * LXD's instance name rule: 1..63 characters, letters, digits and '-', not
 * starting with a digit or '-' and not ending with '-'. what names the thing
 * in the message. Returns 0 or -LXF_EINVAL.
 */
int router_check_instance_name(const char *name, const char *what, struct lxf_err *err);

/* Profile, alias and pool names: 1..255 printable characters, no '/', not "." or "..". */
int router_check_object_name(const char *name, const char *what, struct lxf_err *err);

#endif
