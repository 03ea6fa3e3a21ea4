/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf validate -f FILE: reads lxf.yaml(5) and reports every problem as
 * FILE:LINE:COLUMN: what, without contacting any server (the remotes it
 * names are checked against the file and config.yml only).
 */
#include "apply/spec.h"
#include "cmd.h"

static int cmd_validate_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	const char *path = lxf_args_get(args, 'f');
	struct lxf_apply_spec *spec = NULL;
	struct lxf_apply_diags diags = {0};
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;
	int ret;

	if (!path)
		return lxf_cmd_usage_error(self, ctx, "missing -f FILE");
	ret = lxf_apply_spec_load(path, ctx->remotes, &spec, &diags, &err);
	if (ret == -LXF_EINVAL && diags.n) {
		/* Compiler style, one per line: editors jump to each. */
		for (size_t i = 0; i < diags.n; i++)
			fprintf(ctx->err, "%s\n", diags.v[i]);
		if (diags.dropped)
			fprintf(ctx->err, "%s: %zu more problems not shown\n", path, diags.dropped);
		st = LXF_EXIT_ERROR;
		goto out;
	}
	if (ret < 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (!ctx->quiet)
		fprintf(ctx->out, "%s: valid: stack %s, %zu instance%s\n", path, spec->name,
			spec->ninstances, spec->ninstances == 1 ? "" : "s");
out:
	lxf_apply_diags_fini(&diags);
	lxf_apply_spec_free(spec);
	return st;
}

const struct lxf_cmd lxf_cmd_validate_entry = LXF_CMD_ENTRY(
    "validate", NULL, "-f FILE", "Check an lxf.yaml file without contacting any server", 0, 0,
    LXF_CMD_T_NONE, 0, cmd_validate_exec,
    {"file", 'f', required_argument, "FILE", "The lxf.yaml(5) file to check"});
