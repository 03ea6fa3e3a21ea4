/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_EACH_H
#define LXF_CLI_EACH_H

#include <stddef.h>

#include "cmd.h"

/* How many targets of one command run at once without --parallel N. */
#define LXF_EACH_MAX_THREADS 8

/* The option rows of the commands that take --all (select.h), --yes and --parallel. */
#define LXF_EACH_ALL_OPTS                                                                          \
	{"all", LXF_OPT_ALL, no_argument, NULL,                                                    \
	 "Every instance the REMOTES and FILTERs select (as lxf list's)"},                         \
	    {"yes", LXF_OPT_YES, no_argument, NULL,                                                \
	     "Do not ask first (needed without a terminal)"},                                      \
	{                                                                                          \
		"parallel", LXF_OPT_PARALLEL, required_argument, "N",                              \
		    "At most N at once (default 8)"                                                \
	}

/* The longer help of those commands (lxf stop --help). */
#define LXF_EACH_ALL_HELP                                                                          \
	"With --all the targets are the instances lxf list would show for the words:\n"            \
	"REMOTE:, a remote's name or @group choose remotes (none: the whole fleet), the\n"         \
	"rest are filters (status=running, user.lxf.stack=web, a name regex). They run\n"          \
	"N at a time (--parallel). stop, restart, pause and delete list them and ask\n"            \
	"first; without a terminal they need --yes. Instances already in the state asked\n"        \
	"for are left alone; nothing matching is not an error.\n"

/* One target of an LXF_CMD_F_EACH command, resolved by the dispatcher. */
struct lxf_each_target {
	struct lxf_cmd_args args; /* the command's, with this target's fields */
	struct lxf_err err;       /* why it could not be resolved ... */
	int rc;                   /* ... when non-zero: printed, exec not called */
	int status;               /* the target's exit status, filled by lxf_each_run */
};

/*
 * Runs cmd's exec once for each of the n targets (v[i].rc == 0), several
 * at once (up to LXF_EACH_MAX_THREADS threads; each target has its own
 * client), each writing into its own buffers, then copied to ctx->out and
 * ctx->err in argument order as they end, so output never interleaves.
 * serial runs them one after the other in this thread, straight to ctx
 * (commands that ask questions). An unresolved target prints its error,
 * naming the target. Returns the exit status as for one target per call:
 * 0 all done, 3 some done, else the last failure's (2 for a usage error).
 */
int lxf_each_run(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_each_target *v,
		 size_t n, bool serial);

/* As lxf_each_run with at most max at once (1: serial, in this thread). */
int lxf_each_run_n(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_each_target *v,
		   size_t n, size_t max);

/* --parallel N into *max (LXF_EACH_MAX_THREADS without it); -LXF_EUSAGE when not N >= 1. */
int lxf_each_parallel_arg(const struct lxf_cmd_args *args, size_t *max, struct lxf_err *err);

/*
 * COMMAND --all [REMOTES] [FILTER...] (select.h): the matching instances
 * become cmd's targets (REMOTE:NAME), those already in the state the
 * command makes are left alone (stop of a stopped one), and the rest run
 * as lxf_each_run_n's. Commands that stop or delete what runs list what
 * they will touch and ask on a terminal first; without one they need
 * --yes (else a usage error, nothing touched). Nothing matching is said
 * on stderr, exit 0. A remote that did not answer is named and counts as
 * a failure (3 when something else was done). Returns the exit status.
 */
int lxf_each_all(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_cmd_args *args);

#endif
