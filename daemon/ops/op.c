/* SPDX-License-Identifier: Apache-2.0 */
#include "op.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "pool.h"
#include "reply.h"

/* Operations */

enum op_status { OP_RUNNING, OP_CANCELLING, OP_SUCCESS, OP_FAILURE, OP_CANCELLED };

static const struct {
	const char *name, *key;
	int code;
} op_status_info[] = {
    [OP_RUNNING] = {"Running", "running", 103},
    [OP_CANCELLING] = {"Cancelling", "cancelling", 104},
    [OP_SUCCESS] = {"Success", "success", 200},
    [OP_FAILURE] = {"Failure", "failure", 400},
    [OP_CANCELLED] = {"Cancelled", "cancelled", 401},
};

struct op {
	char id[37];
	const char *klass; /* "task" or "websocket" (static strings) */
	char *description;
	struct json_object *resources;
	struct json_object *metadata;
	char err[LXF_ERR_MSG_MAX];
	struct timespec created, updated; /* CLOCK_REALTIME */
	struct timespec done_mono;        /* CLOCK_MONOTONIC, when it finished */
	enum op_status status;
	int refs;
	op_fn fn;
	void *arg;
	void (*arg_free)(void *arg);
	op_cancel_fn cancel_fn; /* NULL: LXD's "can't be cancelled" */
	bool cancel_req;        /* op_cancel accepted: ends Cancelled */
	struct op *next;        /* in the ops list */
};

struct waiter {
	struct op *op;
	op_wait_fn done;
	void *arg;
	bool has_deadline;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	struct waiter *next;
};

struct hook {
	op_change_fn fn;
	void *data;
};

/* op_every's table; the reaper submits what is due. */
struct periodic {
	void (*fn)(void);
	int secs;
	struct timespec due; /* CLOCK_MONOTONIC */
};

/* One lock for the op list, the waiters and the hooks: all short sections. */
static pthread_mutex_t ops_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ops_cond; /* CLOCK_MONOTONIC; signalled on every change */
static struct op *ops;
static struct waiter *waiters;
static struct hook hooks[8];
static int nhooks;
static struct periodic periodics[4];
static int nperiodics;
static pthread_t reaper;
static bool reaper_started, reaper_stop;

static void run_hooks(struct op *op);

static void ts_add(struct timespec *t, int secs)
{
	t->tv_sec += secs;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Finished: Cancelling still counts as running for waiters and the reaper. */
static bool op_done_locked(const struct op *op)
{
	return op->status != OP_RUNNING && op->status != OP_CANCELLING;
}

struct op *op_ref(struct op *op)
{
	pthread_mutex_lock(&ops_lock);
	op->refs++;
	pthread_mutex_unlock(&ops_lock);
	return op;
}

static void op_free(struct op *op)
{
	if (op->arg_free)
		op->arg_free(op->arg);
	json_object_put(op->resources);
	json_object_put(op->metadata);
	free(op->description);
	free(op);
}

void op_unref(struct op *op)
{
	bool last;

	if (!op)
		return;
	pthread_mutex_lock(&ops_lock);
	last = --op->refs == 0;
	pthread_mutex_unlock(&ops_lock);
	if (last)
		op_free(op);
}

void op_url(const struct op *op, char *buf, size_t n)
{
	snprintf(buf, n, "/1.0/operations/%s", op->id);
}

static void make_uuid(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom on 16 bytes does not fail once the pool is up; keep ids unique anyway. */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		uint64_t x =
		    (uint64_t)t.tv_nsec ^ ((uint64_t)t.tv_sec << 30) ^ (uint64_t)(uintptr_t)out;
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(x >> ((i % 8) * 8)) ^ (unsigned char)i;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

static struct json_object *op_to_json_locked(struct op *op)
{
	struct json_object *o = json_object_new_object();
	char created[64], updated[64];

	if (!o)
		return NULL;
	reply_timespec_str(&op->created, created, sizeof(created));
	reply_timespec_str(&op->updated, updated, sizeof(updated));
	lxf_json_add_str(o, "id", op->id);
	lxf_json_add_str(o, "class", op->klass ? op->klass : "task");
	lxf_json_add_str(o, "description", op->description);
	lxf_json_add_str(o, "created_at", created);
	lxf_json_add_str(o, "updated_at", updated);
	lxf_json_add_str(o, "status", op_status_info[op->status].name);
	json_object_object_add(o, "status_code",
			       json_object_new_int(op_status_info[op->status].code));
	json_object_object_add(o, "resources", json_object_get(op->resources));
	json_object_object_add(o, "metadata", json_object_get(op->metadata));
	json_object_object_add(
	    o, "may_cancel",
	    json_object_new_boolean(
		((op->klass && strcmp(op->klass, "token") == 0) || op->cancel_fn) &&
		op->status == OP_RUNNING));
	lxf_json_add_str(o, "err", op->err);
	lxf_json_add_str(o, "location", "none");
	return o;
}

struct json_object *op_to_json(struct op *op)
{
	struct json_object *o;

	pthread_mutex_lock(&ops_lock);
	o = op_to_json_locked(op);
	pthread_mutex_unlock(&ops_lock);
	return o;
}

struct op *op_find(const char *id)
{
	struct op *found = NULL;

	pthread_mutex_lock(&ops_lock);
	for (struct op *op = ops; op; op = op->next)
		if (strcmp(op->id, id) == 0) {
			op->refs++;
			found = op;
			break;
		}
	pthread_mutex_unlock(&ops_lock);
	return found;
}

struct json_object *op_list_json(int recursion)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	pthread_mutex_lock(&ops_lock);
	for (struct op *op = ops; op; op = op->next) {
		const char *key = op_status_info[op->status].key;
		struct json_object *arr = NULL;
		if (!json_object_object_get_ex(o, key, &arr)) {
			arr = json_object_new_array();
			json_object_object_add(o, key, arr);
		}
		if (recursion > 0) {
			json_object_array_add(arr, op_to_json_locked(op));
		} else {
			char url[64];
			op_url(op, url, sizeof(url));
			json_object_array_add(arr, json_object_new_string(url));
		}
	}
	pthread_mutex_unlock(&ops_lock);
	return o;
}

void op_set_cancel(struct op *op, op_cancel_fn fn)
{
	pthread_mutex_lock(&ops_lock);
	op->cancel_fn = fn;
	pthread_mutex_unlock(&ops_lock);
}

bool op_cancelled(struct op *op)
{
	bool r;

	pthread_mutex_lock(&ops_lock);
	r = op->cancel_req;
	pthread_mutex_unlock(&ops_lock);
	return r;
}

int op_cancel(struct op *op, struct lxf_err *err)
{
	op_cancel_fn fn = NULL;
	bool running, token = op->klass && strcmp(op->klass, "token") == 0;

	pthread_mutex_lock(&ops_lock);
	running = op->status == OP_RUNNING;
	if (running && !token && op->cancel_fn) {
		fn = op->cancel_fn;
		op->status = OP_CANCELLING;
		op->cancel_req = true;
		clock_gettime(CLOCK_REALTIME, &op->updated);
	}
	pthread_mutex_unlock(&ops_lock);
	if (!running)
		return lxf_err_set(err, LXF_EINVAL, "Only running operations can be cancelled");
	if (token) {
		op_token_finish(op);
		return 0;
	}
	if (!fn)
		return lxf_err_set(err, LXF_EINVAL, "This operation can't be cancelled");
	run_hooks(op); /* the "Cancelling" operation event, as LXD sends it */
	fn(op, op->arg);
	return 0;
}

int op_running_count(void)
{
	int n = 0;

	pthread_mutex_lock(&ops_lock);
	for (struct op *op = ops; op; op = op->next)
		n += !op_done_locked(op);
	pthread_mutex_unlock(&ops_lock);
	return n;
}

int op_on_change(op_change_fn fn, void *data)
{
	int ret = 0;

	pthread_mutex_lock(&ops_lock);
	if (nhooks < (int)(sizeof(hooks) / sizeof(hooks[0])))
		hooks[nhooks++] = (struct hook){fn, data};
	else
		ret = -LXF_ENOMEM;
	pthread_mutex_unlock(&ops_lock);
	return ret;
}

static void run_hooks(struct op *op)
{
	struct hook copy[8];
	int n;

	pthread_mutex_lock(&ops_lock);
	n = nhooks;
	memcpy(copy, hooks, sizeof(copy));
	pthread_mutex_unlock(&ops_lock);
	for (int i = 0; i < n; i++)
		copy[i].fn(op, copy[i].data);
}

/* Tells a waiter that its op is done or its time is up; frees w. */
static void waiter_finish(struct waiter *w)
{
	w->done(w->op, w->arg);
	op_unref(w->op);
	free(w);
}

/* Moves the waiters matching take(w, key) to *out. */
static void take_waiters_locked(bool (*take)(const struct waiter *w, const void *key),
				const void *key, struct waiter **out)
{
	struct waiter **pp = &waiters;

	while (*pp) {
		struct waiter *w = *pp;
		if (take(w, key)) {
			*pp = w->next;
			w->next = *out;
			*out = w;
		} else {
			pp = &w->next;
		}
	}
}

static bool waits_on(const struct waiter *w, const void *op)
{
	return w->op == op;
}

static bool expired_at(const struct waiter *w, const void *now)
{
	return w->has_deadline && !ts_before(now, &w->deadline);
}

static void op_finish(struct op *op, int ret, struct json_object *md, const struct lxf_err *err)
{
	struct waiter *done = NULL;

	pthread_mutex_lock(&ops_lock);
	clock_gettime(CLOCK_REALTIME, &op->updated);
	clock_gettime(CLOCK_MONOTONIC, &op->done_mono);
	if (op->cancel_req) {
		/* Whatever the body made of it (a killed command exits 137):
		 * LXD's Cancelled, with an err so that clients do not take it
		 * for a success. */
		op->status = OP_CANCELLED;
		snprintf(op->err, sizeof(op->err), "Operation cancelled");
	} else if (ret < 0) {
		op->status = err->code == LXF_ECANCELED ? OP_CANCELLED : OP_FAILURE;
		snprintf(op->err, sizeof(op->err), "%s", err->msg[0] ? err->msg : "failed");
	} else {
		op->status = OP_SUCCESS;
	}
	if (md) {
		json_object_put(op->metadata);
		op->metadata = md;
	}
	take_waiters_locked(waits_on, op, &done);
	pthread_cond_broadcast(&ops_cond);
	pthread_mutex_unlock(&ops_lock);
	while (done) {
		struct waiter *w = done;
		done = w->next;
		waiter_finish(w);
	}
	run_hooks(op);
}

static void op_job(void *arg)
{
	struct op *op = arg;
	struct json_object *md = NULL;
	struct lxf_err err;
	int ret;

	lxf_err_clear(&err);
	ret = op->fn(op, op->arg, &md, &err);
	if (ret < 0) {
		lxf_warn("Operation %s (%s) failed: %s", op->id, op->description, err.msg);
		json_object_put(md);
		md = NULL;
	}
	op_finish(op, ret, md, &err);
	op_unref(op);
}

/*
 * A new running op of class klass (NULL: task) with refs references,
 * listed and announced; or NULL with err filled. metadata and arg are taken
 * over either way (on failure put and arg_free'd).
 */
static struct op *op_start(const char *description, const char *klass, const char *resource_kind,
			   const char *resource_url, struct json_object *metadata, op_fn fn,
			   void *arg, void (*arg_free)(void *arg), int refs, struct lxf_err *err)
{
	struct op *op = calloc(1, sizeof(*op));

	if (!op || !(op->description = strdup(description)) ||
	    !(op->resources = json_object_new_object())) {
		if (op)
			free(op->description);
		free(op);
		json_object_put(metadata);
		if (arg_free)
			arg_free(arg);
		lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		return NULL;
	}
	if (resource_kind && resource_url) {
		struct json_object *arr = json_object_new_array();
		json_object_array_add(arr, json_object_new_string(resource_url));
		json_object_object_add(op->resources, resource_kind, arr);
	}
	make_uuid(op->id);
	op->klass = klass;
	op->metadata = metadata;
	clock_gettime(CLOCK_REALTIME, &op->created);
	op->updated = op->created;
	op->status = OP_RUNNING;
	op->fn = fn;
	op->arg = arg;
	op->arg_free = arg_free;
	op->refs = refs;
	pthread_mutex_lock(&ops_lock);
	op->next = ops;
	ops = op;
	pthread_mutex_unlock(&ops_lock);
	run_hooks(op);
	return op;
}

/* The body could not be started: finish op with err and drop the body's reference. */
static void op_start_failed(struct op *op, struct lxf_err *err)
{
	op_finish(op, -err->code, NULL, err);
	pthread_mutex_lock(&ops_lock);
	op->refs--;
	pthread_mutex_unlock(&ops_lock);
}

struct op *op_run_md(const char *description, const char *resource_kind, const char *resource_url,
		     struct json_object *metadata, op_fn fn, void *arg, void (*arg_free)(void *arg),
		     struct lxf_err *err)
{
	/* the list, the job, the caller */
	struct op *op = op_start(description, NULL, resource_kind, resource_url, metadata, fn, arg,
				 arg_free, 3, err);

	if (op && pool_submit(POOL_OP, op_job, op, err) < 0)
		op_start_failed(op, err);
	return op;
}

struct op *op_run(const char *description, const char *resource_kind, const char *resource_url,
		  op_fn fn, void *arg, void (*arg_free)(void *arg), struct lxf_err *err)
{
	return op_run_md(description, resource_kind, resource_url, NULL, fn, arg, arg_free, err);
}

/* The body of a websocket op lives as long as its client: its own thread. */
static void *op_thread(void *arg)
{
	op_job(arg);
	return NULL;
}

struct op *op_run_ws(const char *description, const char *resource_kind, const char *resource_url,
		     struct json_object *metadata, op_fn fn, void *arg, void (*arg_free)(void *arg),
		     struct lxf_err *err)
{
	/* the list, the thread, the caller */
	struct op *op = op_start(description, "websocket", resource_kind, resource_url, metadata,
				 fn, arg, arg_free, 3, err);
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (!op)
		return NULL;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, op_thread, op);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		lxf_err_set(err, LXF_ENOMEM, "Cannot start a thread for the operation");
		op_start_failed(op, err);
	}
	return op;
}

/* httpsd: certificate add tokens (api_certificates.c). */
struct op *op_new_token(const char *description, struct json_object *metadata, struct lxf_err *err)
{
	/* the list, the caller: a token has no body */
	return op_start(description, "token", NULL, NULL, metadata, NULL, NULL, NULL, 2, err);
}

bool op_is_running(struct op *op)
{
	bool running;

	pthread_mutex_lock(&ops_lock);
	running = op->status == OP_RUNNING;
	pthread_mutex_unlock(&ops_lock);
	return running;
}

bool op_token_finish(struct op *op)
{
	/* Check and finish as one step: a token is used once, even by racing clients. */
	static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
	struct lxf_err err;
	bool was_running;

	pthread_mutex_lock(&token_lock);
	pthread_mutex_lock(&ops_lock);
	was_running = op->status == OP_RUNNING;
	pthread_mutex_unlock(&ops_lock);
	if (was_running) {
		lxf_err_set(&err, LXF_ECANCELED, "Operation cancelled");
		op_finish(op, -LXF_ECANCELED, NULL, &err);
	}
	pthread_mutex_unlock(&token_lock);
	return was_running;
}

void op_set_metadata(struct op *op, struct json_object *md)
{
	pthread_mutex_lock(&ops_lock);
	json_object_put(op->metadata);
	op->metadata = md;
	clock_gettime(CLOCK_REALTIME, &op->updated);
	pthread_mutex_unlock(&ops_lock);
	run_hooks(op);
}

const char *op_id(const struct op *op)
{
	return op->id;
}

int op_wait_async(struct op *op, int timeout_secs, op_wait_fn done_fn, void *arg,
		  struct lxf_err *err)
{
	struct waiter *w = calloc(1, sizeof(*w));
	bool done;

	if (!w)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	w->done = done_fn;
	w->arg = arg;
	w->op = op;
	if (timeout_secs >= 0) {
		w->has_deadline = true;
		clock_gettime(CLOCK_MONOTONIC, &w->deadline);
		ts_add(&w->deadline, timeout_secs);
	}
	pthread_mutex_lock(&ops_lock);
	done = op_done_locked(op) || timeout_secs == 0;
	if (!done) {
		op->refs++; /* the waiter's, dropped by waiter_finish */
		w->next = waiters;
		waiters = w;
		pthread_cond_broadcast(&ops_cond);
	}
	pthread_mutex_unlock(&ops_lock);
	if (!done)
		return 1;
	free(w);
	return 0;
}

void op_wait(struct op *op, int timeout_secs)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	ts_add(&deadline, timeout_secs);
	pthread_mutex_lock(&ops_lock);
	while (!op_done_locked(op)) {
		if (timeout_secs < 0)
			pthread_cond_wait(&ops_cond, &ops_lock);
		else if (pthread_cond_timedwait(&ops_cond, &ops_lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&ops_lock);
}

static void periodic_job(void *arg)
{
	((struct periodic *)arg)->fn();
}

int op_every(int secs, void (*fn)(void), struct lxf_err *err)
{
	int ret = 0;

	pthread_mutex_lock(&ops_lock);
	if (nperiodics < (int)(sizeof(periodics) / sizeof(periodics[0]))) {
		struct periodic *pe = &periodics[nperiodics++];
		pe->fn = fn;
		pe->secs = secs > 0 ? secs : 1;
		clock_gettime(CLOCK_MONOTONIC, &pe->due);
		ts_add(&pe->due, pe->secs);
		pthread_cond_broadcast(&ops_cond);
	} else {
		ret = lxf_err_set(err, LXF_ENOMEM, "Too many periodic jobs");
	}
	pthread_mutex_unlock(&ops_lock);
	return ret;
}

/* Expires waiters and finished ops; sleeps until the next deadline. */
static void *reaper_main(void *data)
{
	(void)data;
	pthread_mutex_lock(&ops_lock);
	while (!reaper_stop) {
		struct timespec now, next;
		bool has_next = false;
		struct waiter *expired = NULL;
		struct op *dead = NULL;

		clock_gettime(CLOCK_MONOTONIC, &now);
		take_waiters_locked(expired_at, &now, &expired);
		for (struct op **pp = &ops; *pp;) {
			struct op *op = *pp;
			struct timespec until = op->done_mono;
			ts_add(&until, OP_KEEP_SECS);
			if (op_done_locked(op) && !ts_before(&now, &until)) {
				*pp = op->next;
				op->next = dead;
				dead = op;
				continue;
			}
			if (op_done_locked(op) && (!has_next || ts_before(&until, &next))) {
				next = until;
				has_next = true;
			}
			pp = &op->next;
		}
		for (struct waiter *w = waiters; w; w = w->next)
			if (w->has_deadline && (!has_next || ts_before(&w->deadline, &next))) {
				next = w->deadline;
				has_next = true;
			}
		for (int i = 0; i < nperiodics; i++) {
			struct periodic *pe = &periodics[i];
			if (!ts_before(&now, &pe->due)) {
				/* A full pool only delays the next round. */
				(void)pool_submit(POOL_REQUEST, periodic_job, pe, NULL);
				pe->due = now;
				ts_add(&pe->due, pe->secs);
			}
			if (!has_next || ts_before(&pe->due, &next)) {
				next = pe->due;
				has_next = true;
			}
		}
		if (expired || dead) {
			pthread_mutex_unlock(&ops_lock);
			while (expired) {
				struct waiter *w = expired;
				expired = w->next;
				waiter_finish(w);
			}
			while (dead) {
				struct op *op = dead;
				dead = op->next;
				op_unref(op);
			}
			pthread_mutex_lock(&ops_lock);
			continue;
		}
		if (has_next)
			pthread_cond_timedwait(&ops_cond, &ops_lock, &next);
		else
			pthread_cond_wait(&ops_cond, &ops_lock);
	}
	pthread_mutex_unlock(&ops_lock);
	return NULL;
}

int op_init(struct lxf_err *err)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&ops_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (rc != 0)
		return lxf_err_set(err, LXF_ENOMEM, "Cannot make a condition variable");
	if (pool_start(err) < 0)
		return -err->code;
	if (pthread_create(&reaper, NULL, reaper_main, NULL) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "Cannot start the operation reaper");
	reaper_started = true;
	return 0;
}

int op_shutdown(int grace_secs)
{
	int busy = pool_stop(grace_secs);

	if (reaper_started) {
		pthread_mutex_lock(&ops_lock);
		reaper_stop = true;
		pthread_cond_broadcast(&ops_cond);
		pthread_mutex_unlock(&ops_lock);
		pthread_join(reaper, NULL);
		reaper_started = false;
	}
	return busy;
}
