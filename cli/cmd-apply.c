/* SPDX-License-Identifier: Apache-2.0 */
/* lxf plan, apply, destroy -f FILE: see lxf-apply(1). (Being written.) */
#include "apply/run.h"
#include "cmd.h"

static int cmd_apply_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	(void)args;
	fprintf(ctx->err, "Error: %s is not implemented yet\n", self->name);
	return LXF_EXIT_ERROR;
}

const struct lxf_cmd lxf_cmd_plan_entry = LXF_CMD_ENTRY(
    "plan", NULL, "-f FILE", "Show what apply would change on the fleet", 0, 0, LXF_CMD_T_NONE, 0,
    cmd_apply_exec, {"file", 'f', required_argument, "FILE", "The lxf.yaml(5) file"});
const struct lxf_cmd lxf_cmd_apply_entry = LXF_CMD_ENTRY(
    "apply", NULL, "-f FILE", "Make the fleet match an lxf.yaml file", 0, 0, LXF_CMD_T_NONE, 0,
    cmd_apply_exec, {"file", 'f', required_argument, "FILE", "The lxf.yaml(5) file"});
const struct lxf_cmd lxf_cmd_destroy_entry =
    LXF_CMD_ENTRY("destroy", NULL, "-f FILE", "Delete the instances of an lxf.yaml file's stack", 0,
		  0, LXF_CMD_T_NONE, LXF_CMD_F_DESTRUCTIVE, cmd_apply_exec,
		  {"file", 'f', required_argument, "FILE", "The lxf.yaml(5) file"});
