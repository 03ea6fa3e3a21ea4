/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_REPLY_H
#define LXFD_REPLY_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/*
 * The envelope of LXD's REST API around a request's response
 * ({"type": "sync"|"async"|"error", "status_code", "metadata"...}), its
 * ETags and the times it writes. The HTTP core answers its own errors
 * with reply_error; handlers answer with the rest.
 */

struct http_req;

/*
 * Response helpers: each fills req's response and returns 0, or a negative
 * code with err filled (only ENOMEM). They take over md (a new reference;
 * NULL is JSON null) whatever the outcome.
 */
int reply_sync(struct http_req *req, struct json_object *md, struct lxf_err *err);
/* As reply_sync with another status (201) and a Location header (may be NULL). */
int reply_sync_created(struct http_req *req, struct json_object *md, const char *location,
		       struct lxf_err *err);
/* As reply_sync, plus an ETag header computed from etag_src (borrowed; NULL = none). */
int reply_sync_etag(struct http_req *req, struct json_object *md, struct json_object *etag_src,
		    struct lxf_err *err);
/*
 * The answer to a GET of one object: reply_sync_etag of md and etag_src,
 * both taken over whatever the outcome (either NULL: -LXF_ENOMEM, as the
 * allocation that made it failed).
 */
int reply_sync_etag_of(struct http_req *req, struct json_object *md, struct json_object *etag_src,
		       struct lxf_err *err);
/*
 * 200 with the file open at fd as the body (taken over whatever the
 * outcome), of type ctype: http.c streams it in chunks, never whole in
 * memory. what names the file in the error when it cannot be stat'ed.
 */
int reply_sync_fd(struct http_req *req, int fd, const char *ctype, const char *what,
		  struct lxf_err *err);
/* 202 "Operation created" with md (an operation object) and Location op_url. */
int reply_async(struct http_req *req, struct json_object *md, const char *op_url,
		struct lxf_err *err);
/* The error envelope for err (HTTP status from lxf_code_http). Never fails. */
void reply_error(struct http_req *req, const struct lxf_err *err);

/* Hex sha256 of o's canonical JSON (object keys sorted) into out. 0 or -LXF_ENOMEM. */
int reply_etag(struct json_object *o, char out[65]);

/*
 * Checks If-Match against o's ETag: -LXF_EPRECOND on mismatch, 0 when equal
 * or absent. o NULL (its allocation failed) gives -LXF_ENOMEM.
 */
int reply_check_if_match(const struct http_req *req, struct json_object *o, struct lxf_err *err);

/* RFC 3339 UTC time ("2024-05-01T10:00:00Z"); 0 gives Go's zero time as LXD does. */
void reply_time_str(int64_t secs, char *buf, size_t n);
void reply_timespec_str(const struct timespec *t, char *buf, size_t n);
struct json_object *reply_time_json(int64_t secs);

#endif
