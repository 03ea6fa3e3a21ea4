/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_APPLY_STACK_H
#define LXF_APPLY_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "output.h"
#include "plan.h"
#include "run.h"
#include "spec.h"

/*
 * What lxf plan, apply and destroy share (cmd-apply.c): their options,
 * the way from FILE to a plan (load, read the live state, diff) and the
 * plan's printing. See lxf-apply(1).
 */

/* Long-only options of the three (-f is the file, so the format is --format). */
enum {
	LXF_APPLY_OPT_FORMAT = 600,
	LXF_APPLY_OPT_PRUNE,
	LXF_APPLY_OPT_ADOPT,
	LXF_APPLY_OPT_REPLACE,
	LXF_APPLY_OPT_ONLY,
	LXF_APPLY_OPT_PARALLEL,
	LXF_APPLY_OPT_YES,
};

/* Option rows for the command entries: -f FILE and --format of all three ... */
#define LXF_APPLY_OPTS_FILE                                                                        \
	{"file", 'f', required_argument, "FILE", "The lxf.yaml(5) file"},                          \
	{                                                                                          \
		"format", LXF_APPLY_OPT_FORMAT, required_argument, "FORMAT", "table, json or yaml" \
	}
/* ... and what plan and apply take besides. */
#define LXF_APPLY_OPTS_PLAN                                                                        \
	{"prune", LXF_APPLY_OPT_PRUNE, no_argument, NULL,                                          \
	 "Delete this stack's instances the file no longer names"},                                \
	    {"adopt", LXF_APPLY_OPT_ADOPT, no_argument, NULL,                                      \
	     "Take over same-named instances of no or another stack"},                             \
	    {"replace", LXF_APPLY_OPT_REPLACE, required_argument, "NAME",                          \
	     "Re-create NAME when its image drifted (repeatable)"},                                \
	{                                                                                          \
		"only", LXF_APPLY_OPT_ONLY, required_argument, "NAME",                             \
		    "Act on instance NAME only (repeatable)"                                       \
	}

/* The parsed options. */
struct lxf_apply_cmd_opts {
	const char *path; /* -f FILE; borrowed from the arguments */
	enum lxf_fmt fmt; /* TABLE, JSON or YAML */
	/* prune, adopt, replace, only; images are filled by lxf_apply_prepare. */
	struct lxf_apply_diff_opts diff;
	unsigned parallel;  /* --parallel N, 0 when not given */
	bool yes;           /* --yes */
	const char **names; /* what diff.replace and diff.only point into */
};

/*
 * Parses args (an entry with LXF_APPLY_OPTS_FILE, maybe _PLAN, --parallel,
 * --yes) into *o (lxf_apply_opts_fini). A missing -f, an unknown format
 * (csv and compact are not plan formats) or a bad --parallel are usage
 * errors printed with self's usage line: returns the exit status, 0 when
 * all is well.
 */
int lxf_apply_opts_parse(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args, struct lxf_apply_cmd_opts *o);

/* Frees what o holds. */
void lxf_apply_opts_fini(struct lxf_apply_cmd_opts *o);

/*
 * Loads path into *spec (lxf_apply_spec_free), against ctx->remotes.
 * Returns 0, or the exit status after printing why: every problem of the
 * file as "FILE:LINE:COLUMN: what" on ctx->err, one a line (editors jump
 * to each), or "Error: ..." when it cannot be read.
 */
int lxf_apply_load(struct lxf_cmd_ctx *ctx, const char *path, struct lxf_apply_spec **spec);

/*
 * From o->path to a plan: loads the spec (its problems printed as `lxf
 * validate` prints them, FILE:LINE:COLUMN each: exit 1), checks the
 * --only/--replace names against it (unknown ones are a usage error
 * naming them: exit 2), reads the live state of its remotes (adding the
 * file's missing remotes to config.yml; each down remote named on stderr
 * as "Warning: remote h3 is down: ..."; all of them down: exit 1), then
 * diffs. Returns 0 with *spec (lxf_apply_spec_free), *live
 * (lxf_apply_live_fini) and *plan (lxf_apply_plan_fini) filled, or the
 * exit status after printing why (then nothing is left to free).
 */
int lxf_apply_prepare(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		      const struct lxf_apply_cmd_opts *o, struct lxf_apply_spec **spec,
		      struct lxf_apply_live *live, struct lxf_apply_plan *plan);

/*
 * Prints plan on ctx->out: TABLE as one line per action (terraform-like:
 * "+ create web-1 on h1", "~ update ..." with its changes indented, ...)
 * ending with the "Plan: ..." or "Nothing to do: ..." line (nothing with
 * ctx->quiet); JSON/YAML as {"actions": [...], "summary": {...},
 * "down": [{remote, error}]}. Returns 0 or an error (ENOMEM, YAML).
 */
int lxf_apply_plan_print(struct lxf_cmd_ctx *ctx, enum lxf_fmt fmt,
			 const struct lxf_apply_spec *spec, const struct lxf_apply_live *live,
			 const struct lxf_apply_plan *plan, struct lxf_err *err);

/* The plan as that JSON object (a new reference), or NULL on ENOMEM. */
struct json_object *lxf_apply_plan_json(const struct lxf_apply_live *live,
					const struct lxf_apply_plan *plan);

#endif
