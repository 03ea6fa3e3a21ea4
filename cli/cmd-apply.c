/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf plan -f FILE, and what plan, apply and destroy share (apply/stack.h):
 * their options, FILE to a plan, the plan's printing. See lxf-apply(1).
 */
#include <stdlib.h>
#include <string.h>

#include "apply/run.h"
#include "apply/stack.h"
#include "buf.h"
#include "cmd.h"
#include "json.h"

#define APPLY_PARALLEL_MAX 64
/* lxf plan: there is something to do (terraform plan -detailed-exitcode's 2). */
enum { APPLY_EXIT_CHANGES = 2 };

int lxf_apply_opts_parse(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args, struct lxf_apply_cmd_opts *o)
{
	const char *fs = lxf_args_get(args, LXF_APPLY_OPT_FORMAT);
	const char *par = lxf_args_get(args, LXF_APPLY_OPT_PARALLEL);
	size_t nrep = 0, nonly = 0, k = 0;
	struct lxf_err err = {0};

	memset(o, 0, sizeof(*o));
	o->path = lxf_args_get(args, 'f');
	if (!o->path)
		return lxf_cmd_usage_error(self, ctx, "missing -f FILE");
	if (fs && (lxf_fmt_parse(fs, &o->fmt, &err) != 0 ||
		   (o->fmt != LXF_FMT_TABLE && o->fmt != LXF_FMT_JSON && o->fmt != LXF_FMT_YAML)))
		return lxf_cmd_usage_error(self, ctx, "unknown format '%s' (table, json or yaml)",
					   fs);
	if (par) {
		char *end = NULL;
		unsigned long v = strtoul(par, &end, 10);

		if (!*par || *end || v < 1 || v > APPLY_PARALLEL_MAX)
			return lxf_cmd_usage_error(self, ctx, "--parallel wants 1 to %d, not '%s'",
						   APPLY_PARALLEL_MAX, par);
		o->parallel = (unsigned)v;
	}
	o->yes = lxf_args_has(args, LXF_APPLY_OPT_YES);
	o->diff.prune = lxf_args_has(args, LXF_APPLY_OPT_PRUNE);
	o->diff.adopt = lxf_args_has(args, LXF_APPLY_OPT_ADOPT);
	for (size_t i = 0; i < args->nopts; i++) {
		nrep += args->opts[i].val == LXF_APPLY_OPT_REPLACE;
		nonly += args->opts[i].val == LXF_APPLY_OPT_ONLY;
	}
	o->names = calloc(nrep + nonly + 1, sizeof(*o->names));
	if (!o->names) {
		(void)lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		return lxf_cmd_fail(ctx, &err);
	}
	/* replace names first, then only names, each in the order given. */
	for (size_t i = 0; i < args->nopts; i++)
		if (args->opts[i].val == LXF_APPLY_OPT_REPLACE)
			o->names[k++] = args->opts[i].arg;
	for (size_t i = 0; i < args->nopts; i++)
		if (args->opts[i].val == LXF_APPLY_OPT_ONLY)
			o->names[k++] = args->opts[i].arg;
	o->diff.replace = nrep ? o->names : NULL;
	o->diff.nreplace = nrep;
	o->diff.only = nonly ? o->names + nrep : NULL;
	o->diff.nonly = nonly;
	return LXF_EXIT_OK;
}

void lxf_apply_opts_fini(struct lxf_apply_cmd_opts *o)
{
	free(o->names);
	memset(o, 0, sizeof(*o));
}

/* --replace and --only must name instances of the file: one usage error naming every other. */
static int apply_check_names(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_apply_cmd_opts *o, const struct lxf_apply_spec *spec)
{
	static const char *const flags[] = {"--replace", "--only"};
	const char *const *v[] = {o->diff.replace, o->diff.only};
	const size_t n[] = {o->diff.nreplace, o->diff.nonly};
	struct lxf_buf b;
	int st = LXF_EXIT_OK;

	lxf_buf_init(&b, 0);
	for (size_t i = 0; i < 2; i++)
		for (size_t k = 0; k < n[i]; k++)
			if (!lxf_apply_spec_find(spec, v[i][k]))
				(void)lxf_buf_addf(&b, "%s%s %s", b.len ? ", " : "", flags[i],
						   v[i][k]);
	if (b.len)
		st = lxf_cmd_usage_error(self, ctx, "no such instance in %s: %s", o->path,
					 lxf_buf_str(&b));
	lxf_buf_fini(&b);
	return st;
}

int lxf_apply_load(struct lxf_cmd_ctx *ctx, const char *path, struct lxf_apply_spec **spec)
{
	struct lxf_apply_diags diags = {0};
	struct lxf_err err = {0};
	int ret, st = LXF_EXIT_OK;

	ret = lxf_apply_spec_load(path, ctx->remotes, spec, &diags, &err);
	if (ret == -LXF_EINVAL && diags.n) {
		for (size_t i = 0; i < diags.n; i++)
			fprintf(ctx->err, "%s\n", diags.v[i]);
		if (diags.dropped)
			fprintf(ctx->err, "%s: %zu more problems not shown\n", path, diags.dropped);
		st = LXF_EXIT_ERROR;
	} else if (ret < 0) {
		st = lxf_cmd_fail(ctx, &err);
	}
	lxf_apply_diags_fini(&diags);
	return st;
}

int lxf_apply_prepare(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		      const struct lxf_apply_cmd_opts *o, struct lxf_apply_spec **spec,
		      struct lxf_apply_live *live, struct lxf_apply_plan *plan)
{
	struct lxf_apply_diff_opts d = o->diff;
	struct lxf_err err = {0};
	size_t up = 0;
	int st;

	*spec = NULL;
	memset(live, 0, sizeof(*live));
	memset(plan, 0, sizeof(*plan));
	st = lxf_apply_load(ctx, o->path, spec);
	if (st == LXF_EXIT_OK)
		st = apply_check_names(self, ctx, o, *spec);
	if (st)
		goto out;
	if (lxf_apply_live_read(ctx->remotes, *spec, true, live, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	for (size_t i = 0; i < live->nfacts; i++) {
		if (live->facts[i].up) {
			up++;
			continue;
		}
		fprintf(ctx->err, "Warning: remote %s is down: %s\n", live->facts[i].remote,
			live->down[i].msg[0] ? live->down[i].msg
					     : lxf_code_text(live->down[i].code));
	}
	if (live->nfacts && !up) {
		(void)lxf_err_set(&err, LXF_EUNAVAIL, "no remote of %s answers", o->path);
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	d.images = live->images;
	d.nimages = live->nimages;
	if (lxf_apply_diff(*spec, live->facts, live->nfacts, &d, plan, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
out:
	if (st) {
		lxf_apply_plan_fini(plan);
		lxf_apply_live_fini(live);
		lxf_apply_spec_free(*spec);
		*spec = NULL;
	}
	return st;
}

/* --- printing --- */

static const char *const field_names[] = {
    [LXF_APPLY_F_CONFIG] = "config",     [LXF_APPLY_F_DEVICE] = "device",
    [LXF_APPLY_F_PROFILES] = "profiles", [LXF_APPLY_F_STATE] = "state",
    [LXF_APPLY_F_IMAGE] = "image",       [LXF_APPLY_F_DESCRIPTION] = "description",
};

static const char *apply_field_name(enum lxf_apply_field f)
{
	return (unsigned)f <= LXF_APPLY_F_DESCRIPTION ? field_names[f] : "?";
}

/* The text line of one action, without its changes: sign, verb and where. */
static void apply_print_head(FILE *f, const struct lxf_apply_action *a)
{
	const char *name = a->name ? a->name : "?", *remote = a->remote ? a->remote : "?";

	switch (a->kind) {
	case LXF_APPLY_CREATE:
		fprintf(f, "+ create %s on %s", name, remote);
		break;
	case LXF_APPLY_UPDATE:
		fprintf(f, "~ update %s on %s", name, remote);
		break;
	case LXF_APPLY_MOVE:
		fprintf(f, "> move %s %s -> %s", name, a->from ? a->from : "?", remote);
		break;
	case LXF_APPLY_DRIFT:
		fprintf(f, "! drift %s on %s", name, remote);
		break;
	case LXF_APPLY_DELETE:
		fprintf(f, "- delete %s on %s", name, remote);
		break;
	case LXF_APPLY_CONFLICT:
		fprintf(f, "! conflict %s on %s", name, remote);
		break;
	case LXF_APPLY_UNPLACED:
		fprintf(f, "! unplaced %s", name);
		break;
	case LXF_APPLY_PROFILE_CREATE:
		fprintf(f, "+ profile %s on %s", name, remote);
		break;
	case LXF_APPLY_PROFILE_UPDATE:
		fprintf(f, "~ profile %s on %s", name, remote);
		break;
	}
	if (!a->reason)
		fprintf(f, "%s\n", a->adopt ? " (adopt)" : "");
	else if (a->kind == LXF_APPLY_CREATE)
		fprintf(f, " (%s)\n", a->reason);
	else
		fprintf(f, ": %s\n", a->reason);
}

static void apply_print_value(FILE *f, const char *v)
{
	if (v)
		fprintf(f, "\"%s\"", v);
	else
		fputs("(none)", f);
}

static void apply_print_text(FILE *f, const struct lxf_apply_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct lxf_apply_action *a = &plan->v[i];

		apply_print_head(f, a);
		/* A drift's one change is its reason already. */
		for (size_t k = 0; a->kind != LXF_APPLY_DRIFT && k < a->nchanges; k++) {
			const struct lxf_apply_change *ch = &a->changes[k];

			fprintf(f, "    %s%s%s: ", apply_field_name(ch->field), ch->key ? " " : "",
				ch->key ? ch->key : "");
			apply_print_value(f, ch->old);
			fputs(" -> ", f);
			apply_print_value(f, ch->new);
			fputc('\n', f);
		}
	}
}

/* Actions per kind, for the summary. */
static void apply_count(const struct lxf_apply_plan *plan, size_t *count)
{
	for (size_t i = 0; i < plan->n; i++)
		if ((unsigned)plan->v[i].kind <= LXF_APPLY_PROFILE_UPDATE)
			count[plan->v[i].kind]++;
}

static void apply_print_summary(FILE *f, const char *path, const struct lxf_apply_plan *plan)
{
	size_t c[LXF_APPLY_PROFILE_UPDATE + 1] = {0};

	if (!plan->n) {
		fprintf(f, "Nothing to do: the fleet matches %s.\n", path);
		return;
	}
	apply_count(plan, c);
	/* Profiles count with the instances: a profile made is a create too. */
	fprintf(f,
		"Plan: %zu to create, %zu to update, %zu to move, %zu to delete; %zu drifted, "
		"%zu conflicts, %zu unplaced.\n",
		c[LXF_APPLY_CREATE] + c[LXF_APPLY_PROFILE_CREATE],
		c[LXF_APPLY_UPDATE] + c[LXF_APPLY_PROFILE_UPDATE], c[LXF_APPLY_MOVE],
		c[LXF_APPLY_DELETE], c[LXF_APPLY_DRIFT], c[LXF_APPLY_CONFLICT],
		c[LXF_APPLY_UNPLACED]);
}

/* Adds key: s (JSON null for NULL); false on ENOMEM. */
static bool apply_json_str(struct json_object *o, const char *key, const char *s)
{
	struct json_object *v = NULL;

	if (s && !(v = json_object_new_string(s)))
		return false;
	return json_object_object_add(o, key, v) == 0;
}

static bool apply_json_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (v && json_object_object_add(o, key, v) == 0)
		return true;
	json_object_put(v);
	return false;
}

static bool apply_json_push(struct json_object *arr, struct json_object *v)
{
	if (v && json_object_array_add(arr, v) == 0)
		return true;
	json_object_put(v);
	return false;
}

static struct json_object *apply_json_action(const struct lxf_apply_action *a)
{
	struct json_object *o = json_object_new_object(), *ch = json_object_new_array();
	bool ok = o && ch;

	ok = ok && apply_json_str(o, "kind", lxf_apply_kind_name(a->kind)) &&
	     apply_json_str(o, "name", a->name) && apply_json_str(o, "remote", a->remote) &&
	     apply_json_str(o, "from", a->from) && apply_json_str(o, "reason", a->reason) &&
	     apply_json_add(o, "replace", json_object_new_boolean(a->replace)) &&
	     apply_json_add(o, "adopt", json_object_new_boolean(a->adopt));
	for (size_t k = 0; ok && k < a->nchanges; k++) {
		const struct lxf_apply_change *c = &a->changes[k];
		struct json_object *co = json_object_new_object();

		ok = co && apply_json_str(co, "field", apply_field_name(c->field)) &&
		     apply_json_str(co, "key", c->key) && apply_json_str(co, "old", c->old) &&
		     apply_json_str(co, "new", c->new);
		ok = apply_json_push(ch, ok ? co : (json_object_put(co), NULL)) && ok;
	}
	if (ok && json_object_object_add(o, "changes", ch) == 0)
		return o;
	json_object_put(ch);
	json_object_put(o);
	return NULL;
}

struct json_object *lxf_apply_plan_json(const struct lxf_apply_live *live,
					const struct lxf_apply_plan *plan)
{
	struct json_object *o = json_object_new_object(), *acts = json_object_new_array();
	struct json_object *sum = json_object_new_object(), *down = json_object_new_array();
	size_t c[LXF_APPLY_PROFILE_UPDATE + 1] = {0};
	bool ok = o && acts && sum && down;

	for (size_t i = 0; ok && i < plan->n; i++)
		ok = apply_json_push(acts, apply_json_action(&plan->v[i]));
	apply_count(plan, c);
	for (size_t k = 0; ok && k <= LXF_APPLY_PROFILE_UPDATE; k++)
		ok = apply_json_add(sum, lxf_apply_kind_name((enum lxf_apply_kind)k),
				    json_object_new_int64((int64_t)c[k]));
	for (size_t i = 0; ok && i < live->nfacts; i++) {
		struct json_object *d;

		if (live->facts[i].up)
			continue;
		d = json_object_new_object();
		ok = d && apply_json_str(d, "remote", live->facts[i].remote) &&
		     apply_json_str(d, "error", live->down[i].msg);
		ok = apply_json_push(down, ok ? d : (json_object_put(d), NULL)) && ok;
	}
	if (ok && json_object_object_add(o, "actions", acts) == 0) {
		acts = NULL;
		if (json_object_object_add(o, "summary", sum) == 0) {
			sum = NULL;
			if (json_object_object_add(o, "down", down) == 0)
				return o;
			down = NULL;
		}
	}
	json_object_put(acts);
	json_object_put(sum);
	json_object_put(down);
	json_object_put(o);
	return NULL;
}

int lxf_apply_plan_print(struct lxf_cmd_ctx *ctx, enum lxf_fmt fmt,
			 const struct lxf_apply_spec *spec, const struct lxf_apply_live *live,
			 const struct lxf_apply_plan *plan, struct lxf_err *err)
{
	struct json_object *o;
	int rc;

	if (fmt == LXF_FMT_TABLE) {
		apply_print_text(ctx->out, plan);
		if (!ctx->quiet)
			apply_print_summary(ctx->out, spec->path, plan);
		return 0;
	}
	o = lxf_apply_plan_json(live, plan);
	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_output_json(ctx->out, fmt, o, err);
	json_object_put(o);
	return rc;
}

/* --- lxf plan --- */

static int cmd_plan_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	struct lxf_apply_cmd_opts o;
	struct lxf_apply_spec *spec = NULL;
	struct lxf_apply_live live = {0};
	struct lxf_apply_plan plan = {0};
	struct lxf_err err = {0};
	int st;

	st = lxf_apply_opts_parse(self, ctx, args, &o);
	if (st)
		return st;
	st = lxf_apply_prepare(self, ctx, &o, &spec, &live, &plan);
	if (st)
		goto out;
	/* As terraform plan -detailed-exitcode: 2 says there is something to do. */
	if (lxf_apply_plan_print(ctx, o.fmt, spec, &live, &plan, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
	else
		st = plan.n ? APPLY_EXIT_CHANGES : LXF_EXIT_OK;
	lxf_apply_plan_fini(&plan);
	lxf_apply_live_fini(&live);
	lxf_apply_spec_free(spec);
out:
	lxf_apply_opts_fini(&o);
	return st;
}

const struct lxf_cmd lxf_cmd_plan_entry = LXF_CMD_ENTRY(
    "plan", NULL,
    "-f FILE [--format table|json|yaml] [--prune] [--adopt] [--replace NAME]... [--only NAME]...",
    "Show what apply would change on the fleet", 0, 0, LXF_CMD_T_NONE, 0, cmd_plan_exec,
    LXF_APPLY_OPTS_FILE, LXF_APPLY_OPTS_PLAN);
