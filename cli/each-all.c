/* SPDX-License-Identifier: Apache-2.0 */
/*
 * COMMAND --all [REMOTES] [FILTER...] (issue #20): the instances a
 * selection picks (select.h) become the command's targets and run through
 * each.c, after a confirmation for the commands that stop or delete what
 * runs. See lxf_each_all in each.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "each.h"
#include "json.h"
#include "select.h"
#include "target.h"

/*
 * What --all does per command: the word for a done instance, the states
 * it leaves alone (already there: `lxf stop --all` stops what runs and
 * says nothing of the rest), and whether it asks first.
 */
static const struct all_rule {
	const char *cmd;
	const char *done;
	const char *skip[2];
	bool ask;
} all_rules[] = {
    {"start", "started", {"Running"}, false},    {"stop", "stopped", {"Stopped"}, true},
    {"restart", "restarted", {"Stopped"}, true}, {"pause", "paused", {"Stopped", "Frozen"}, true},
    {"delete", "deleted", {NULL}, true},         {"snapshot", "snapshot taken", {NULL}, false},
};

static const struct all_rule *all_rule_of(const struct lxf_cmd *cmd)
{
	static const struct all_rule other = {NULL, "done", {NULL}, false};

	for (size_t i = 0; i < sizeof(all_rules) / sizeof(all_rules[0]); i++)
		if (strcmp(all_rules[i].cmd, cmd->name) == 0)
			return &all_rules[i];
	return &other;
}

static const char *all_status(const struct lxf_sel_item *it)
{
	const char *s = lxf_json_str(it->inst, "status");

	return s ? s : "?";
}

static bool all_skipped(const struct all_rule *rule, const struct lxf_sel_item *it)
{
	for (size_t i = 0; i < 2 && rule->skip[i]; i++)
		if (strcasecmp(rule->skip[i], all_status(it)) == 0)
			return true;
	return false;
}

/*
 * Lists what will be touched and asks; 0: go on, else the exit status (a
 * "no", or no terminal and no --yes: a usage error, nothing touched).
 */
static int all_confirm(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx,
		       const struct lxf_sel *sel, const bool *act, size_t nact)
{
	char line[16] = "";

	if (!isatty(STDIN_FILENO))
		return lxf_cmd_usage_error(cmd, ctx,
					   "%s --all would act on %zu instance(s): --yes is needed "
					   "without a terminal (nothing was done)",
					   cmd->name, nact);
	fprintf(ctx->err, "lxf %s will act on %zu instance(s):\n", cmd->name, nact);
	for (size_t i = 0; i < sel->n; i++)
		if (act[i])
			fprintf(ctx->err, "  %s:%s\t%s\n", sel->v[i].remote->name, sel->v[i].name,
				all_status(&sel->v[i]));
	fprintf(ctx->err, "Go on? [y/N] ");
	(void)fflush(ctx->err);
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y')) {
		fprintf(ctx->err, "Cancelled: nothing was done.\n");
		return LXF_EXIT_ERROR;
	}
	return 0;
}

/* Resolves each selected instance as a target "REMOTE:NAME" of cmd; v[k] for each acted on. */
static int all_targets(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx,
		       const struct lxf_cmd_args *args, const struct lxf_sel *sel, const bool *act,
		       char **names, struct lxf_each_target *v, size_t *nv, struct lxf_err *err)
{
	size_t k = 0;

	for (size_t i = 0; i < sel->n; i++) {
		if (!act[i])
			continue;
		if (asprintf(&names[k], "%s:%s", sel->v[i].remote->name, sel->v[i].name) < 0) {
			names[k] = NULL;
			*nv = k;
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
		k++;
	}
	*nv = k;
	for (size_t i = 0; i < k; i++) {
		v[i].args = *args;
		/* The targets are the arguments now, as if typed (delete names each in its errors). */
		v[i].args.argc = (int)k;
		v[i].args.argv = names;
		v[i].rc = lxf_cmd_target_resolve(cmd, ctx, names[i], &v[i].args, &v[i].err);
	}
	return 0;
}

/* The exit status of ok done, failed not, unreach remotes unanswered, first a failure's. */
static int all_status_of(size_t ok, size_t failed, size_t unreach, int first)
{
	if (!failed && !unreach)
		return LXF_EXIT_OK;
	if (ok)
		return LXF_EXIT_PARTIAL;
	return first ? first : LXF_EXIT_ERROR;
}

int lxf_each_all(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_cmd_args *args)
{
	const struct all_rule *rule = all_rule_of(cmd);
	struct lxf_sel sel = {0};
	struct lxf_each_target *v = NULL;
	struct lxf_err err = {0};
	char **names = NULL;
	bool *act = NULL;
	size_t max, nact = 0, nv = 0, ok = 0, failed = 0;
	int st = LXF_EXIT_OK, first = 0;

	if (lxf_each_parallel_arg(args, &max, &err) != 0 ||
	    lxf_select(ctx->remotes, args->argc, args->argv, &sel, &err) != 0) {
		st = lxf_cmd_error(cmd, ctx, &err);
		goto out;
	}
	for (size_t i = 0; i < sel.nfails; i++) {
		fprintf(ctx->err, "lxf: remote '%s': %s\n", sel.fails[i].remote->name,
			sel.fails[i].err.msg);
		if (!first)
			first = lxf_code_exit(sel.fails[i].err.code);
	}
	act = calloc(sel.n + 1, sizeof(*act));
	names = calloc(sel.n + 1, sizeof(*names));
	v = calloc(sel.n + 1, sizeof(*v));
	if (!act || !names || !v) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	for (size_t i = 0; i < sel.n; i++) {
		act[i] = !all_skipped(rule, &sel.v[i]);
		nact += act[i];
		if (!act[i] && !ctx->quiet)
			fprintf(ctx->out, "%s:%s: %s, left alone\n", sel.v[i].remote->name,
				sel.v[i].name, all_status(&sel.v[i]));
	}
	if (nact == 0) {
		if (sel.n == 0)
			fprintf(ctx->err, "No instances match\n");
		st = all_status_of(sel.nfails < sel.n + sel.nfails, 0, sel.nfails, first);
		goto out;
	}
	if ((rule->ask || (cmd->flags & LXF_CMD_F_DESTRUCTIVE) ||
	     lxf_args_has(args, LXF_OPT_REUSE)) &&
	    !lxf_args_has(args, LXF_OPT_YES) && !lxf_args_has(args, 'i')) {
		st = all_confirm(cmd, ctx, &sel, act, nact);
		if (st)
			goto out;
	}
	if (all_targets(cmd, ctx, args, &sel, act, names, v, &nv, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	st = lxf_each_run_n(cmd, ctx, v, nv, lxf_args_has(args, 'i') ? 1 : max);
	if (st == LXF_EXIT_USAGE)
		goto out; /* said; the targets after it did not run */
	for (size_t i = 0, k = 0; i < sel.n; i++) {
		if (!act[i])
			continue;
		if (v[k].status == LXF_EXIT_OK) {
			ok++;
			if (!ctx->quiet)
				fprintf(ctx->out, "%s: %s\n", names[k], rule->done);
		} else if (!failed++ && !first) {
			first = v[k].status;
		}
		k++;
	}
	st = all_status_of(ok, failed, sel.nfails, first);
out:
	for (size_t i = 0; i < nv; i++)
		lxf_cmd_target_fini(&v[i].args);
	for (size_t i = 0; names && i < sel.n; i++)
		free(names[i]);
	free(names);
	free(v);
	free(act);
	lxf_sel_fini(&sel);
	return st;
}
