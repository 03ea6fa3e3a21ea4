/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf_apply_run (run.h): the scheduler. Each remote with actions gets up
 * to o->parallel worker threads, each with its own client (a client is
 * one curl handle: one thread), taking that remote's actions in plan
 * order: its profiles first (no instance action starts before they have
 * all ended), then its instance actions. The actions themselves are
 * run-inst.c. Remotes never wait for each other: a slow or dead one
 * delays only its own instances.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "migrate.h"
#include "run-int.h"

#define RUN_PARALLEL_DEFAULT 4u
#define RUN_PARALLEL_MAX     64u

static volatile sig_atomic_t run_interrupted;

bool lxf_apply_run_interrupted(void)
{
	return run_interrupted != 0;
}

/* Ctrl-C: no new action starts; the migration code sees it too (its waits undo). */
static void run_on_signal(int sig)
{
	(void)sig;
	run_interrupted = 1;
	lxf_mig_interrupted = 1;
}

static const int run_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define RUN_NSIG (sizeof(run_signals) / sizeof(run_signals[0]))

static void run_sig_arm(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_on_signal;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	run_interrupted = 0;
	lxf_mig_interrupted = 0;
	for (size_t i = 0; i < RUN_NSIG; i++)
		(void)sigaction(run_signals[i], &sa, &old[i]);
}

static void run_sig_disarm(const struct sigaction *old)
{
	for (size_t i = 0; i < RUN_NSIG; i++)
		(void)sigaction(run_signals[i], &old[i], NULL);
}

/* The actions of one remote and the workers doing them. */
struct run_remote {
	const char *name;
	size_t *idx; /* plan indexes: its profiles first, in plan order */
	size_t n, next, done;
	size_t nprof, prof_done;
	struct run_worker *w;
	pthread_t *tid;
	size_t nw, nstarted;
};

struct run_slot {
	struct run_remote *rr;
	struct run_worker *w;
};

static bool run_is_profile(const struct lxf_apply_action *a)
{
	return a->kind == LXF_APPLY_PROFILE_CREATE || a->kind == LXF_APPLY_PROFILE_UPDATE;
}

/* DRIFT, CONFLICT, UNPLACED: reported, nothing done. */
static bool run_is_noop(const struct lxf_apply_action *a)
{
	return a->kind == LXF_APPLY_DRIFT || a->kind == LXF_APPLY_CONFLICT ||
	       a->kind == LXF_APPLY_UNPLACED;
}

struct json_object *lxf_apply_run_copy(struct run_ctx *ctx, struct json_object *o)
{
	struct json_object *c;

	pthread_mutex_lock(&ctx->lock);
	c = lxf_json_copy(o);
	pthread_mutex_unlock(&ctx->lock);
	return c;
}

/* Under the lock: tells o->on_progress what rr looks like now. */
static void run_progress(struct run_ctx *ctx, const struct run_remote *rr, size_t index)
{
	struct lxf_apply_progress p = {0};
	unsigned long latest = 0;

	if (!ctx->o->on_progress)
		return;
	p.remote = rr->name;
	p.done = rr->done;
	p.total = rr->n;
	p.index = index;
	p.result = index != (size_t)-1 ? &ctx->results[index] : NULL;
	/* With several in flight, the line shows the one begun last. */
	for (size_t k = 0; k < rr->nw; k++)
		if (rr->w[k].current[0] && rr->w[k].started > latest) {
			latest = rr->w[k].started;
			p.current = rr->w[k].current;
		}
	ctx->o->on_progress(ctx->o->ud, &p);
}

/* Under the lock: a profile of a's that failed on a's remote, or NULL. */
static const char *run_bad_profile(const struct run_ctx *ctx, const struct run_remote *rr,
				   const struct lxf_apply_action *a)
{
	if (!a->inst)
		return NULL;
	for (size_t k = 0; k < rr->nprof; k++) {
		const struct lxf_apply_action *p = &ctx->plan->v[rr->idx[k]];

		if (ctx->results[rr->idx[k]].code == 0)
			continue;
		for (size_t j = 0; j < a->inst->nprofiles; j++)
			if (strcmp(a->inst->profiles[j], p->name) == 0)
				return p->name;
	}
	return NULL;
}

static double run_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long run_seq;

static void *run_worker_main(void *arg)
{
	struct run_slot *s = arg;
	struct run_remote *rr = s->rr;
	struct run_worker *w = s->w;
	struct run_ctx *ctx = w->ctx;

	pthread_mutex_lock(&ctx->lock);
	while (!run_interrupted && rr->next < rr->n) {
		size_t i = rr->idx[rr->next];
		const struct lxf_apply_action *a = &ctx->plan->v[i];
		struct lxf_apply_result res = {0};
		const char *bad;
		double t0;

		if (!run_is_profile(a) && rr->prof_done < rr->nprof) {
			pthread_cond_wait(&ctx->cond, &ctx->lock);
			continue;
		}
		rr->next++;
		bad = run_bad_profile(ctx, rr, a);
		(void)snprintf(w->current, sizeof(w->current), "%s %s",
			       lxf_apply_kind_name(a->kind), a->name);
		w->started = ++run_seq;
		run_progress(ctx, rr, (size_t)-1);
		pthread_mutex_unlock(&ctx->lock);

		t0 = run_now();
		if (bad) {
			res.code = -LXF_EINVAL;
			(void)snprintf(res.error, sizeof(res.error), "profile %s failed on %s", bad,
				       rr->name);
		} else {
			res.code = lxf_apply_run_action(w, a, &res);
		}
		res.secs = run_now() - t0;

		pthread_mutex_lock(&ctx->lock);
		ctx->results[i] = res;
		rr->done++;
		if (run_is_profile(a)) {
			rr->prof_done++;
			pthread_cond_broadcast(&ctx->cond);
		}
		w->current[0] = '\0';
		run_progress(ctx, rr, i);
	}
	/* Interrupted: whoever waits for the profiles must see it too. */
	pthread_cond_broadcast(&ctx->cond);
	pthread_mutex_unlock(&ctx->lock);
	return NULL;
}

/* Groups the plan's actions by the remote they run on (a move: its target). */
static int run_group(struct run_ctx *ctx, struct run_remote **out, size_t *nout)
{
	const struct lxf_apply_plan *plan = ctx->plan;
	struct run_remote *v = calloc(plan->n ? plan->n : 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -LXF_ENOMEM;
	/* Two passes: profiles, then the rest, so each remote's profiles lead. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < plan->n; i++) {
			const struct lxf_apply_action *a = &plan->v[i];
			struct run_remote *rr = NULL;

			if (run_is_noop(a) || !a->remote || run_is_profile(a) != (pass == 0))
				continue;
			for (size_t k = 0; k < n && !rr; k++)
				if (strcmp(v[k].name, a->remote) == 0)
					rr = &v[k];
			if (!rr) {
				rr = &v[n++];
				rr->name = a->remote;
				rr->idx = calloc(plan->n, sizeof(*rr->idx));
				if (!rr->idx)
					goto nomem;
			}
			rr->idx[rr->n++] = i;
			if (pass == 0)
				rr->nprof++;
		}
	*out = v;
	*nout = n;
	return 0;
nomem:
	for (size_t k = 0; k < n; k++)
		free(v[k].idx);
	free(v);
	return -LXF_ENOMEM;
}

/* Every action of rr fails with err (no client, no thread). */
static void run_fail_remote(struct run_ctx *ctx, struct run_remote *rr, const struct lxf_err *err)
{
	pthread_mutex_lock(&ctx->lock);
	for (size_t k = rr->next; k < rr->n; k++) {
		struct lxf_apply_result *res = &ctx->results[rr->idx[k]];

		res->code = -(err->code ? err->code : LXF_EINTERNAL);
		(void)snprintf(res->error, sizeof(res->error), "%s", err->msg);
		rr->done++;
		run_progress(ctx, rr, rr->idx[k]);
	}
	rr->next = rr->n;
	pthread_mutex_unlock(&ctx->lock);
}

/* Makes rr's clients (here, in one thread: the first makes the client certificate) and threads. */
static void run_start_remote(struct run_ctx *ctx, struct run_remote *rr, struct run_slot *slots,
			     unsigned parallel)
{
	const struct lxf_remote *rem = lxf_remotes_find(ctx->r, rr->name);
	struct lxf_err err = {0};

	rr->nw = rr->n < parallel ? rr->n : parallel;
	rr->w = calloc(rr->nw, sizeof(*rr->w));
	rr->tid = calloc(rr->nw, sizeof(*rr->tid));
	if (!rr->w || !rr->tid) {
		rr->nw = 0;
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		run_fail_remote(ctx, rr, &err);
		return;
	}
	if (!rem)
		lxf_err_set(&err, LXF_ENOENT, "remote '%s' not found", rr->name);
	for (size_t k = 0; k < rr->nw && rem; k++) {
		rr->w[k].ctx = ctx;
		rr->w[k].remote = rr->name;
		if (lxf_remotes_client(ctx->r, rem, &rr->w[k].c, &err) != 0)
			break;
		slots[k] = (struct run_slot){rr, &rr->w[k]};
		if (pthread_create(&rr->tid[k], NULL, run_worker_main, &slots[k]) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "cannot start a thread for remote '%s'",
				    rr->name);
			break;
		}
		rr->nstarted++;
	}
	/* Fewer workers than asked still do the work; none: it fails. */
	if (rr->nstarted == 0)
		run_fail_remote(ctx, rr, &err);
}

static void run_results_init(const struct lxf_apply_plan *plan, struct lxf_apply_result *results)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct lxf_apply_action *a = &plan->v[i];
		struct lxf_apply_result *res = &results[i];

		memset(res, 0, sizeof(*res));
		if (run_is_noop(a)) {
			res->code = a->kind == LXF_APPLY_UNPLACED   ? -LXF_EUNAVAIL
				    : a->kind == LXF_APPLY_CONFLICT ? -LXF_EEXIST
								    : -LXF_EBUSY;
			(void)snprintf(res->error, sizeof(res->error), "%s %s: %s",
				       lxf_apply_kind_name(a->kind), a->name,
				       a->reason ? a->reason : "nothing done");
		} else {
			/* Stays so unless a worker takes it up. */
			res->code = -LXF_ECANCELED;
			(void)snprintf(res->error, sizeof(res->error), "cancelled: interrupted");
		}
	}
}

int lxf_apply_run(const struct lxf_remotes *r, const struct lxf_apply_live *live,
		  const struct lxf_apply_plan *plan, const struct lxf_apply_run_opts *o,
		  struct lxf_apply_result *results, struct lxf_err *err)
{
	struct run_ctx ctx = {
	    r,    live, plan, o, results, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    NULL, 0};
	unsigned parallel = o->parallel ? o->parallel : RUN_PARALLEL_DEFAULT;
	struct sigaction old[RUN_NSIG];
	struct run_remote *rem = NULL;
	struct run_slot *slots = NULL;
	size_t nrem = 0, failed = 0;
	int rc;

	if (parallel > RUN_PARALLEL_MAX)
		parallel = RUN_PARALLEL_MAX;
	run_results_init(plan, results);
	if (run_group(&ctx, &rem, &nrem) != 0 ||
	    !(slots = calloc((nrem ? nrem : 1) * parallel, sizeof(*slots)))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	run_sig_arm(old);
	for (size_t k = 0; k < nrem; k++)
		run_start_remote(&ctx, &rem[k], &slots[k * parallel], parallel);
	for (size_t k = 0; k < nrem; k++)
		for (size_t j = 0; j < rem[k].nstarted; j++)
			(void)pthread_join(rem[k].tid[j], NULL);
	run_sig_disarm(old);
	for (size_t i = 0; i < plan->n; i++)
		if (results[i].code != 0)
			failed++;
	rc = 0;
	if (failed)
		rc = lxf_err_set(err, LXF_EPARTIAL, "%zu of %zu actions failed%s", failed, plan->n,
				 run_interrupted ? " or were cancelled (interrupted)" : "");
out:
	for (size_t k = 0; k < nrem; k++) {
		for (size_t j = 0; j < rem[k].nw; j++)
			lxf_client_free(rem[k].w[j].c);
		free(rem[k].w);
		free(rem[k].tid);
		free(rem[k].idx);
	}
	free(rem);
	free(slots);
	for (size_t i = 0; i < ctx.nimgs; i++)
		free(ctx.imgs[i].fp);
	free(ctx.imgs);
	pthread_mutex_destroy(&ctx.lock);
	pthread_cond_destroy(&ctx.cond);
	return rc;
}
