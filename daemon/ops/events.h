/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_EVENTS_H
#define LXFD_EVENTS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <time.h>

#include "err.h"
#include "log.h"

/*
 * GET /1.0/events: LXD's event stream. Every subscriber is a websocket
 * that gets one JSON text frame per event,
 *   {"type":T,"timestamp":"...Z","metadata":{...},"location":"none",
 *    "project":"default"}
 * for the types it asked for (?type=lifecycle,operation,logging; default
 * all). The emitters below may be called from any thread: they only queue.
 * A subscriber whose queue passes WS_QUEUE_CAP is dropped.
 */

#define EVENTS_LIFECYCLE 0x1u
#define EVENTS_OPERATION 0x2u
#define EVENTS_LOGGING   0x4u
#define EVENTS_ALL       (EVENTS_LIFECYCLE | EVENTS_OPERATION | EVENTS_LOGGING)

/* Hooks operation changes (op_on_change). Call once, after op_init. 0 or -LXF_ENOMEM. */
int events_init(struct lxf_err *err);

/*
 * A lifecycle event: action as LXD names it ("instance-started"), source
 * the object's URL ("/1.0/instances/c1"), ctx extra context (borrowed, may
 * be NULL). Never fails: an event nobody can take is dropped.
 */
void events_lifecycle(const char *action, const char *source, struct json_object *ctx);

/* events_lifecycle with source prefix+name ("/1.0/instances/" "c1"). */
void events_lifecycle_at(const char *action, const char *prefix, const char *name);

/* For one-line use at the end of a handler: emits when ret is 0; returns ret. */
int events_if(int ret, const char *action, const char *prefix, const char *name);

/* LXD's lifecycle action for a state change: "stop" -> "instance-shutdown",
 * or "instance-stopped" when forced. NULL for an unknown action. */
const char *events_state_action(const char *action, bool force);

/* A logging event {message, level, context{}} for lines at info and above. */
void events_logging(enum lxf_log_level level, const char *message);

/* An operation event: op's object (borrowed) as the metadata. */
void events_operation(struct json_object *op_json);

/* True when someone listens for type (skip building costly metadata otherwise). */
bool events_wanted(unsigned type);

/* "lifecycle,operation" -> mask; "" -> EVENTS_ALL. -LXF_EINVAL for an unknown type. */
int events_parse_types(const char *s, unsigned *mask, struct lxf_err *err);

/* RFC 3339 in UTC with nanoseconds, as Go prints time.Time ("...T10:00:00.123456789Z"). */
void events_timestamp(const struct timespec *t, char *buf, size_t n);

/* The event object for type name and md (taken). New reference or NULL on ENOMEM. */
struct json_object *events_build(const char *type, const struct timespec *t,
				 struct json_object *md);

/*
 * A subscriber for the ?type= value types. Fills *ops and *data (freed by
 * ops->on_close). -LXF_EINVAL for a bad type list.
 */
struct ws_chan_ops;
int events_sub_new(const char *types, const struct ws_chan_ops **ops, void **data,
		   struct lxf_err *err);

/* The opener of the /1.0/events row of routes.def (route_ws_fn): c becomes
 * a subscriber for its ?type=. */
struct ws_conn;
struct route_match;
int events_ws_open(struct ws_conn *c, const struct route_match *m, const char *query,
		   struct lxf_err *err);

#endif
