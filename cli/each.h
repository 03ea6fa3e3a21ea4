/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_EACH_H
#define LXF_CLI_EACH_H

#include <stddef.h>

#include "cmd.h"

/* How many targets of one command run at once, at most. */
#define LXF_EACH_MAX_THREADS 8

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

#endif
