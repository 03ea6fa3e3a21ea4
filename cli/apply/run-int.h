/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to run.c (the scheduler) and run-inst.c (the actions). */
#ifndef LXF_APPLY_RUN_INT_H
#define LXF_APPLY_RUN_INT_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>

#include "client.h"
#include "run.h"

/* An image one CREATE needs on a remote, fetched once for all (REMOTE:ALIAS). */
struct run_img {
	const char *remote, *ref; /* borrowed from the plan and the spec */
	char *fp;                 /* done: the fingerprint on remote */
	bool busy;                /* a worker is copying it; the others wait */
	bool failed;
	struct lxf_err err; /* failed: why */
};

struct run_ctx {
	const struct lxf_remotes *r;
	const struct lxf_apply_live *live;
	const struct lxf_apply_plan *plan;
	const struct lxf_apply_run_opts *o;
	struct lxf_apply_result *results;
	/* Guards everything below, the progress calls and every touch of the
	 * JSON shared between workers (the spec's and the live facts' objects:
	 * json-c's reference counts and string caches are not atomic). */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a profile or an image ended */
	struct run_img *imgs;
	size_t nimgs;
};

/* One worker thread: one client, one action at a time. */
struct run_worker {
	struct run_ctx *ctx;
	const char *remote;    /* its remote's name (borrowed) */
	struct lxf_client *c;  /* its own client for remote */
	char current[96];      /* "create web-3" in flight, "" when idle */
	unsigned long started; /* when current began (a sequence number), for the display */
};

/* True once SIGINT, SIGTERM or SIGHUP came during the run. */
bool lxf_apply_run_interrupted(void);

/*
 * Does action a of the plan with w's client; fills res->error (and
 * res->undone) and returns 0 or -code. Called without the lock.
 */
int lxf_apply_run_action(struct run_worker *w, const struct lxf_apply_action *a,
			 struct lxf_apply_result *res);

/* A deep copy of a shared object, under the lock (NULL: no memory). */
struct json_object *lxf_apply_run_copy(struct run_ctx *ctx, struct json_object *o);

#endif
