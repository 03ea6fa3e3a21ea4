/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_OP_H
#define LXFD_OP_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

struct http_req;

#include "pool.h"

/*
 * LXD operations, run on the worker pools (pool.h). Finished operations
 * are kept OP_KEEP_SECS seconds.
 */

#define OP_KEEP_SECS 10

/* Starts the pools and the reaper thread. Returns 0 or -LXF_ENOMEM. */
int op_init(struct lxf_err *err);

/*
 * Stops accepting jobs and joins the threads that are idle within
 * grace_secs; busy ones are left to the process exit. Returns the number
 * of jobs still running.
 */
int op_shutdown(int grace_secs);

struct op;

/*
 * The body of an operation, run on POOL_OP. On success it may set
 * *metadata (a new reference, kept as the op's metadata). On failure it
 * returns a negative lxf_code with err filled; err->msg becomes op.err.
 */
typedef int (*op_fn)(struct op *op, void *arg, struct json_object **metadata, struct lxf_err *err);

/*
 * Creates a running operation and queues fn on POOL_OP. resource_kind and
 * resource_url (both may be NULL) fill resources, e.g. "instances" and
 * "/1.0/instances/c1". arg_free (may be NULL) frees arg after fn ran.
 * Returns a new reference to the op (op_unref it) or NULL with err filled;
 * on failure arg_free(arg) has been called.
 */
struct op *op_run(const char *description, const char *resource_kind, const char *resource_url,
		  op_fn fn, void *arg, void (*arg_free)(void *arg), struct lxf_err *err);

/* As op_run, metadata (taken; may be NULL) shown while it runs: an image
 * pushed here carries the "secret" its untrusted sender waits with. */
struct op *op_run_md(const char *description, const char *resource_kind, const char *resource_url,
		     struct json_object *metadata, op_fn fn, void *arg, void (*arg_free)(void *arg),
		     struct lxf_err *err);

/*
 * As op_run for LXD's "websocket" class: metadata (taken; may be NULL) is
 * the op's metadata while it runs (the {"fds":{...}} secrets), and fn runs
 * on a thread of its own rather than POOL_OP, since it lasts as long as the
 * client stays (exec, console). Returns a new reference or NULL.
 */
struct op *op_run_ws(const char *description, const char *resource_kind, const char *resource_url,
		     struct json_object *metadata, op_fn fn, void *arg, void (*arg_free)(void *arg),
		     struct lxf_err *err);

/*
 * LXD's "token" class (certificate add tokens, api_certificates.c): no
 * body; it stays running, cancellable, until op_token_finish() (used,
 * revoked with DELETE or expired), which ends it as Cancelled as LXD does.
 * metadata is taken. Returns a new reference or NULL with err filled.
 */
struct op *op_new_token(const char *description, struct json_object *metadata, struct lxf_err *err);
/* Ends a token op; false when it had already ended (used once only). */
bool op_token_finish(struct op *op);
/* True while op is running (not cancelling, not ended). */
bool op_is_running(struct op *op);

/*
 * Replaces the metadata of a running op (md taken), with an operation
 * event, as LXD's UpdateMetadata: exec publishes {"return": N} this way
 * before its body ends, and pylxd waits for that key.
 */
void op_set_metadata(struct op *op, struct json_object *md);

/* The op's uuid (borrowed; lives as long as op). */
const char *op_id(const struct op *op);

/* Reference counting; op_unref accepts NULL. */
struct op *op_ref(struct op *op);
void op_unref(struct op *op);

/* The op with this id (new reference), or NULL. */
struct op *op_find(const char *id);

/* "/1.0/operations/<id>" into buf of size n. */
void op_url(const struct op *op, char *buf, size_t n);

/* The LXD Operation object (new reference), or NULL on ENOMEM. */
struct json_object *op_to_json(struct op *op);

/*
 * GET /1.0/operations: recursion 0 gives {"running":[urls],...}, 1 the
 * objects, grouped by lower-case status. New reference.
 */
struct json_object *op_list_json(int recursion);

/*
 * Makes op cancellable: op_cancel will call fn(op, arg) with the arg the
 * op was made with. fn runs on the canceller's thread and must only ask
 * (kill a process, poke a loop), never wait; the op's body then returns,
 * and whatever it returns the op ends "Cancelled". Call before the op can
 * finish (right after op_run/op_run_ws).
 */
typedef void (*op_cancel_fn)(struct op *op, void *arg);
void op_set_cancel(struct op *op, op_cancel_fn fn);

/* True once op_cancel was accepted for op (bodies may check it). */
bool op_cancelled(struct op *op);

/*
 * DELETE /1.0/operations/<id>, LXD semantics: -LXF_EINVAL "Only running
 * operations can be cancelled" when done (or already cancelling), "This
 * operation can't be cancelled" without a cancel hook; else the op turns
 * "Cancelling" (104), the hook runs, and 0 is returned at once.
 */
int op_cancel(struct op *op, struct lxf_err *err);

/*
 * Runs fn() on POOL_REQUEST every secs seconds (first after secs), from
 * the reaper thread, until op_shutdown. For housekeeping (snapshot
 * expiry). Returns 0 or -LXF_ENOMEM when the table is full.
 */
int op_every(int secs, void (*fn)(void), struct lxf_err *err);

/*
 * Calls done_fn(op, arg) once, from the thread that finishes op or from
 * the reaper, when op is done or timeout_secs (< 0 = never) have passed,
 * whichever comes first (for GET /1.0/operations/{id}/wait). Returns 1
 * when done_fn will be called, 0 when op is already done or timeout_secs
 * is 0 (done_fn is not called), or a negative code.
 */
typedef void (*op_wait_fn)(struct op *op, void *arg);
int op_wait_async(struct op *op, int timeout_secs, op_wait_fn done_fn, void *arg,
		  struct lxf_err *err);

/* Blocks the calling (non-loop) thread until op is done or timeout_secs pass. */
void op_wait(struct op *op, int timeout_secs);

/* Called (on the thread that changed it, op lock not held) each time an op changes status. */
typedef void (*op_change_fn)(struct op *op, void *data);
int op_on_change(op_change_fn fn, void *data);

/* Running operations count (for shutdown). */
int op_running_count(void);

#endif
