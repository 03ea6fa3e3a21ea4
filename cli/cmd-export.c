/* SPDX-License-Identifier: Apache-2.0 */
/* lxf export [REMOTE...]: see lxf-apply(1). (Being written.) */
#include "cmd.h"

static int cmd_export_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	(void)args;
	fprintf(ctx->err, "Error: %s is not implemented yet\n", self->name);
	return LXF_EXIT_ERROR;
}

const struct lxf_cmd lxf_cmd_export_entry =
    LXF_CMD_ENTRY("export", NULL, "[REMOTE:]...", "Write an lxf.yaml file of what runs now", 0, -1,
		  LXF_CMD_T_NONE, 0, cmd_export_exec, {0});
