/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-target actions in parallel (lxf stop h1:c1 h2:c1 h3:c1): a small
 * pool of threads takes the targets in order, each exec writing to its own
 * open_memstream buffers; the calling thread prints each target's buffers
 * once it and every target before it have ended, so the output reads as
 * the serial run's would, only sooner.
 */
#include "each.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One target's run: its own context and output buffers. */
struct each_job {
	struct lxf_each_target *t;
	struct lxf_cmd_ctx ctx;
	char *out, *err;
	size_t out_len, err_len;
	bool done;
};

struct each_pool {
	const struct lxf_cmd *cmd;
	struct each_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
	pthread_cond_t ended;
};

static int each_one(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_each_target *t)
{
	if (t->rc)
		return lxf_cmd_error(cmd, ctx, &t->err);
	return cmd->exec(cmd, ctx, &t->args);
}

static void *each_worker(void *arg)
{
	struct each_pool *p = arg;

	for (;;) {
		struct each_job *j;

		pthread_mutex_lock(&p->lock);
		j = p->next < p->n ? &p->jobs[p->next++] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (!j)
			break;
		j->t->status = each_one(p->cmd, &j->ctx, j->t);
		(void)fflush(j->ctx.out);
		(void)fflush(j->ctx.err);
		pthread_mutex_lock(&p->lock);
		j->done = true;
		pthread_cond_broadcast(&p->ended);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* Opens job j's buffers; false when out of memory. */
static bool each_job_open(struct each_job *j, const struct lxf_cmd_ctx *ctx,
			  struct lxf_each_target *t)
{
	j->t = t;
	j->ctx = *ctx;
	j->ctx.out = open_memstream(&j->out, &j->out_len);
	j->ctx.err = open_memstream(&j->err, &j->err_len);
	return j->ctx.out && j->ctx.err;
}

static void each_job_close(struct each_job *j)
{
	if (j->ctx.out)
		(void)fclose(j->ctx.out);
	if (j->ctx.err)
		(void)fclose(j->ctx.err);
	free(j->out);
	free(j->err);
}

/* Copies a finished job's output to the real streams. */
static void each_job_print(struct each_job *j, struct lxf_cmd_ctx *ctx)
{
	(void)fflush(j->ctx.out);
	(void)fflush(j->ctx.err);
	if (j->out_len)
		(void)fwrite(j->out, 1, j->out_len, ctx->out);
	(void)fflush(ctx->out);
	if (j->err_len)
		(void)fwrite(j->err, 1, j->err_len, ctx->err);
	(void)fflush(ctx->err);
}

/* Runs every target on up to max threads; false: could not start. */
static bool each_parallel(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx,
			  struct lxf_each_target *v, size_t n, size_t max)
{
	struct each_pool p = {.cmd = cmd,
			      .n = n,
			      .lock = PTHREAD_MUTEX_INITIALIZER,
			      .ended = PTHREAD_COND_INITIALIZER};
	pthread_t *threads = calloc(n < max ? n : max, sizeof(*threads));
	size_t nthreads = 0, opened = 0;
	bool ok = false;

	p.jobs = calloc(n, sizeof(*p.jobs));
	if (!p.jobs || !threads) {
		free(p.jobs);
		free(threads);
		return false;
	}
	for (; opened < n; opened++)
		if (!each_job_open(&p.jobs[opened], ctx, &v[opened]))
			goto out;
	while (nthreads < n && nthreads < max &&
	       pthread_create(&threads[nthreads], NULL, each_worker, &p) == 0)
		nthreads++;
	if (nthreads == 0)
		each_worker(&p); /* no thread to be had: all of them here */
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_lock(&p.lock);
		while (!p.jobs[i].done)
			pthread_cond_wait(&p.ended, &p.lock);
		pthread_mutex_unlock(&p.lock);
		each_job_print(&p.jobs[i], ctx);
	}
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_cond_destroy(&p.ended);
	pthread_mutex_destroy(&p.lock);
	ok = true;
out:
	for (size_t i = 0; i < n && i <= opened; i++)
		each_job_close(&p.jobs[i]);
	free(p.jobs);
	free(threads);
	return ok;
}

int lxf_each_run(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_each_target *v,
		 size_t n, bool serial)
{
	return lxf_each_run_n(cmd, ctx, v, n, serial ? 1 : LXF_EACH_MAX_THREADS);
}

int lxf_each_parallel_arg(const struct lxf_cmd_args *args, size_t *max, struct lxf_err *err)
{
	const char *s = lxf_args_get(args, LXF_OPT_PARALLEL);
	char *end;
	unsigned long long v;

	*max = LXF_EACH_MAX_THREADS;
	if (!s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v < 1 || v > SIZE_MAX / 2)
		return lxf_err_set(err, LXF_EUSAGE, "bad --parallel '%s': a number, 1 or more", s);
	*max = (size_t)v;
	return 0;
}

int lxf_each_run_n(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_each_target *v,
		   size_t n, size_t max)
{
	int st = LXF_EXIT_OK;
	size_t fails = 0;

	/* Several targets: an unresolved one's error names it, unless it does already. */
	for (size_t i = 0; n > 1 && i < n; i++)
		if (v[i].rc && v[i].args.target_arg && !strstr(v[i].err.msg, v[i].args.target_arg))
			lxf_err_prefix(&v[i].err, "%s", v[i].args.target_arg);
	if (max < 2 || n < 2 || !each_parallel(cmd, ctx, v, n, max)) {
		for (size_t i = 0; i < n; i++) {
			v[i].status = each_one(cmd, ctx, &v[i]);
			if (v[i].status == LXF_EXIT_USAGE)
				return LXF_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].status == LXF_EXIT_OK)
			continue;
		if (v[i].status == LXF_EXIT_USAGE)
			return LXF_EXIT_USAGE;
		st = v[i].status;
		fails++;
	}
	if (fails && fails < n)
		st = LXF_EXIT_PARTIAL;
	return st;
}
