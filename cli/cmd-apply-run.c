/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf apply -f FILE and lxf destroy -f FILE: the plan (apply/stack.h),
 * a confirmation when something is deleted or replaced, the run
 * (apply/run.h) with its progress, then one result per action.
 * See lxf-apply(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/run.h"
#include "apply/stack.h"
#include "cmd.h"
#include "json.h"

/* What apply and destroy take besides -f FILE and --format. */
#define AR_OPTS_RUN                                                                                \
	{"parallel", LXF_APPLY_OPT_PARALLEL, required_argument, "N",                               \
	 "Operations at once per remote (default 4)"},                                             \
	{                                                                                          \
		"yes", LXF_APPLY_OPT_YES, no_argument, NULL, "Delete or replace without asking"    \
	}

/* One line per remote of the live display. */
struct ar_line {
	const char *remote; /* borrowed from the plan */
	size_t done, total;
	char current[96];
};

struct ar_progress {
	FILE *out; /* ctx->err */
	bool tty;  /* redraw the lines in place; else a plain line per ended action */
	bool drawn;
	const struct lxf_apply_plan *plan;
	struct ar_line *lines;
	size_t n;
	int width; /* of the remote names */
};

static void ar_draw(struct ar_progress *p)
{
	if (p->drawn)
		(void)fprintf(p->out, "\033[%zuA", p->n);
	for (size_t i = 0; i < p->n; i++) {
		const struct ar_line *l = &p->lines[i];

		(void)fprintf(p->out, "\r\033[K%-*s  %zu/%zu  %s\n", p->width, l->remote, l->done,
			      l->total,
			      l->current[0]         ? l->current
			      : l->done == l->total ? "done"
						    : "");
	}
	p->drawn = true;
	(void)fflush(p->out);
}

/* run.c calls this from its workers, one at a time. */
static void ar_on_progress(void *ud, const struct lxf_apply_progress *pr)
{
	struct ar_progress *p = ud;
	const struct lxf_apply_action *a;

	if (p->tty) {
		for (size_t i = 0; i < p->n; i++) {
			struct ar_line *l = &p->lines[i];

			if (strcmp(l->remote, pr->remote) != 0)
				continue;
			l->done = pr->done;
			l->total = pr->total;
			(void)snprintf(l->current, sizeof(l->current), "%s",
				       pr->current ? pr->current : "");
		}
		ar_draw(p);
		return;
	}
	if (!pr->result)
		return;
	a = &p->plan->v[pr->index];
	if (pr->result->code == 0)
		(void)fprintf(p->out, "%s: %s %s: done (%.1f s)\n", pr->remote,
			      lxf_apply_kind_name(a->kind), a->name, pr->result->secs);
	else
		(void)fprintf(p->out, "%s: %s %s: %s: %s (%.1f s)\n", pr->remote,
			      lxf_apply_kind_name(a->kind), a->name,
			      pr->result->code == -LXF_ECANCELED ? "cancelled" : "failed",
			      pr->result->error, pr->result->secs);
	(void)fflush(p->out);
}

/* The display's lines: every remote an action runs on, in plan order. */
static int ar_progress_init(struct ar_progress *p, FILE *out, const struct lxf_apply_plan *plan)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->tty = isatty(fileno(out));
	p->plan = plan;
	p->lines = calloc(plan->n ? plan->n : 1, sizeof(*p->lines));
	if (!p->lines)
		return -LXF_ENOMEM;
	for (size_t i = 0; i < plan->n; i++) {
		const struct lxf_apply_action *a = &plan->v[i];
		size_t k = 0;

		if (!a->remote || a->kind == LXF_APPLY_DRIFT || a->kind == LXF_APPLY_CONFLICT)
			continue;
		while (k < p->n && strcmp(p->lines[k].remote, a->remote) != 0)
			k++;
		if (k == p->n) {
			p->lines[p->n++].remote = a->remote;
			if ((int)strlen(a->remote) > p->width)
				p->width = (int)strlen(a->remote);
		}
		p->lines[k].total++;
	}
	if (p->tty && p->n)
		ar_draw(p);
	return 0;
}

static const char *ar_result_word(const struct lxf_apply_result *r)
{
	return r->code == 0 ? "done" : r->code == -LXF_ECANCELED ? "cancelled" : "failed";
}

static const char *ar_remote_of(const struct lxf_apply_action *a)
{
	return a->remote ? a->remote : "-";
}

/* NAME REMOTE ACTION RESULT TIME ERROR, or the JSON/YAML array of the same. */
static int ar_results_print(struct lxf_cmd_ctx *ctx, enum lxf_fmt fmt,
			    const struct lxf_apply_plan *plan,
			    const struct lxf_apply_result *results, struct lxf_err *err)
{
	static const char *const headers[] = {"NAME",   "REMOTE", "ACTION",
					      "RESULT", "TIME",   "ERROR"};
	struct json_object *arr = NULL;
	struct lxf_table t;
	int rc = 0;

	lxf_table_init(&t, 6, headers);
	if (fmt != LXF_FMT_TABLE && !(arr = json_object_new_array()))
		goto nomem;
	for (size_t i = 0; i < plan->n; i++) {
		const struct lxf_apply_action *a = &plan->v[i];
		const struct lxf_apply_result *r = &results[i];
		char *cells[6] = {NULL};
		char err_text[300];

		(void)snprintf(err_text, sizeof(err_text), "%s%s", r->error,
			       r->undone ? " (undone)" : "");
		if (arr) {
			struct json_object *o = json_object_new_object();

			if (!o || json_object_array_add(arr, o)) {
				json_object_put(o);
				goto nomem;
			}
			if (lxf_json_add_str(o, "name", a->name) ||
			    lxf_json_add_str(o, "remote", a->remote) ||
			    lxf_json_add_str(o, "action", lxf_apply_kind_name(a->kind)) ||
			    lxf_json_add_str(o, "result", ar_result_word(r)) ||
			    json_object_object_add(o, "seconds", json_object_new_double(r->secs)) ||
			    lxf_json_add_str(o, "error", err_text))
				goto nomem;
			continue;
		}
		cells[0] = strdup(a->name);
		cells[1] = strdup(ar_remote_of(a));
		cells[2] = strdup(lxf_apply_kind_name(a->kind));
		cells[3] = strdup(ar_result_word(r));
		if (asprintf(&cells[4], "%.1fs", r->secs) < 0)
			cells[4] = NULL;
		cells[5] = strdup(err_text);
		for (size_t k = 0; k < 6; k++)
			if (!cells[k]) {
				for (size_t j = 0; j < 6; j++)
					free(cells[j]);
				goto nomem;
			}
		if (lxf_table_add_row(&t, cells) != 0)
			goto nomem;
	}
	if (arr)
		rc = lxf_output_json(ctx->out, fmt, arr, err);
	else
		lxf_table_print(ctx->out, LXF_FMT_TABLE, &t, false);
	goto out;
nomem:
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	json_object_put(arr);
	lxf_table_fini(&t);
	return rc;
}

/* Deletes, or re-creates what exists: these ask first. */
static size_t ar_destructive(const struct lxf_apply_plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n; i++)
		n += plan->v[i].kind == LXF_APPLY_DELETE ||
		     (plan->v[i].kind == LXF_APPLY_CREATE && plan->v[i].replace);
	return n;
}

/* 0: go on; else the exit status (a "no", or no terminal to ask on and no --yes). */
static int ar_confirm(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, size_t ndel,
		      bool destroy)
{
	char line[16] = "";

	if (!isatty(STDIN_FILENO))
		return lxf_cmd_usage_error(self, ctx,
					   "%zu instance(s) would be deleted or replaced: "
					   "--yes is needed without a terminal",
					   ndel);
	if (destroy)
		(void)fprintf(ctx->err, "Delete these %zu instance(s)? [y/N] ", ndel);
	else
		(void)fprintf(ctx->err, "Apply these changes? [y/N] ");
	(void)fflush(ctx->err);
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y')) {
		(void)fprintf(ctx->err, "Cancelled: nothing was changed.\n");
		return LXF_EXIT_ERROR;
	}
	return 0;
}

/* Runs the plan with the display; returns the exit status. */
static int ar_run(struct lxf_cmd_ctx *ctx, const struct lxf_apply_cmd_opts *o,
		  const struct lxf_apply_spec *spec, const struct lxf_apply_live *live,
		  const struct lxf_apply_plan *plan)
{
	struct lxf_apply_result *results = calloc(plan->n ? plan->n : 1, sizeof(*results));
	struct lxf_apply_run_opts ro = {.stack = spec->name, .parallel = o->parallel};
	struct ar_progress pr = {0};
	struct lxf_err err = {0};
	int rc, st;

	if (!results || ar_progress_init(&pr, ctx->err, plan) != 0) {
		(void)lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (!ctx->quiet) {
		ro.on_progress = ar_on_progress;
		ro.ud = &pr;
	}
	rc = lxf_apply_run(ctx->remotes, live, plan, &ro, results, &err);
	if (rc != 0 && rc != -LXF_EPARTIAL) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	st = rc ? LXF_EXIT_PARTIAL : LXF_EXIT_OK;
	if (ar_results_print(ctx, o->fmt, plan, results, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
	else if (rc)
		(void)fprintf(ctx->err, "Error: %s\n", err.msg);
out:
	free(pr.lines);
	free(results);
	return st;
}

static int cmd_apply_run_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	bool destroy = self->data != NULL;
	struct lxf_apply_cmd_opts o;
	struct lxf_apply_spec *spec = NULL;
	struct lxf_apply_live live = {0};
	struct lxf_apply_plan plan = {0};
	struct lxf_cmd_ctx pctx = *ctx;
	struct lxf_err err = {0};
	size_t ndel;
	int st;

	st = lxf_apply_opts_parse(self, ctx, args, &o);
	if (st)
		return st;
	o.diff.destroy = destroy;
	st = lxf_apply_prepare(self, ctx, &o, &spec, &live, &plan);
	if (st)
		goto out_opts;
	/* JSON/YAML: stdout holds the results alone; the plan goes beside the progress. */
	if (o.fmt != LXF_FMT_TABLE)
		pctx.out = ctx->err;
	if (lxf_apply_plan_print(&pctx, LXF_FMT_TABLE, spec, &live, &plan, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (plan.n == 0) {
		if (o.fmt != LXF_FMT_TABLE)
			(void)fputs("[]\n", ctx->out);
		goto out;
	}
	ndel = destroy ? plan.n : ar_destructive(&plan);
	if (ndel && !o.yes && (st = ar_confirm(self, ctx, ndel, destroy)) != 0)
		goto out;
	(void)fflush(ctx->out);
	st = ar_run(ctx, &o, spec, &live, &plan);
out:
	lxf_apply_plan_fini(&plan);
	lxf_apply_live_fini(&live);
	lxf_apply_spec_free(spec);
out_opts:
	lxf_apply_opts_fini(&o);
	return st;
}

const struct lxf_cmd lxf_cmd_apply_entry = {
    .name = "apply",
    .usage = "-f FILE [--prune] [--adopt] [--replace NAME]... [--only NAME]... [--parallel N] "
	     "[--yes] [--format table|json|yaml]",
    .summary = "Make the fleet match an lxf.yaml file",
    .target = LXF_CMD_T_NONE,
    .opts = {LXF_APPLY_OPTS_FILE, LXF_APPLY_OPTS_PLAN, AR_OPTS_RUN},
    .exec = cmd_apply_run_exec,
};

const struct lxf_cmd lxf_cmd_destroy_entry = {
    .name = "destroy",
    .usage = "-f FILE [--parallel N] [--yes] [--format table|json|yaml]",
    .summary = "Delete the instances of an lxf.yaml file's stack",
    .target = LXF_CMD_T_NONE,
    .flags = LXF_CMD_F_DESTRUCTIVE,
    .data = "destroy",
    .opts = {LXF_APPLY_OPTS_FILE, AR_OPTS_RUN},
    .exec = cmd_apply_run_exec,
};
