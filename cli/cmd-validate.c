/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf validate -f FILE: reads lxf.yaml(5) and reports every problem as
 * FILE:LINE:COLUMN: what, without contacting any server (the remotes it
 * names are checked against the file and config.yml only).
 */
#include "apply/stack.h"
#include "cmd.h"

static int cmd_validate_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	const char *path = lxf_args_get(args, 'f');
	struct lxf_apply_spec *spec = NULL;
	int st;

	if (!path)
		return lxf_cmd_usage_error(self, ctx, "missing -f FILE");
	st = lxf_apply_load(ctx, path, &spec);
	if (st == LXF_EXIT_OK && !ctx->quiet)
		fprintf(ctx->out, "%s: valid: stack %s, %zu instance%s\n", path, spec->name,
			spec->ninstances, spec->ninstances == 1 ? "" : "s");
	lxf_apply_spec_free(spec);
	return st;
}

const struct lxf_cmd lxf_cmd_validate_entry = LXF_CMD_ENTRY(
    "validate", NULL, "-f FILE", "Check an lxf.yaml file without contacting any server", 0, 0,
    LXF_CMD_T_NONE, 0, cmd_validate_exec,
    {"file", 'f', required_argument, "FILE", "The lxf.yaml(5) file to check"});
