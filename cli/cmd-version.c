/* SPDX-License-Identifier: Apache-2.0 */
/* lxf version [REMOTE:]: client version, and the server's when reachable. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"

static int cmd_version_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	const char *sv = NULL;
	char *remote = NULL;
	int st = LXF_EXIT_OK;

	(void)self;
	fprintf(ctx->out, "Client version: %s\n", LXF_VERSION);
	if (args->argc == 1) {
		if (lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &remote, NULL, &err) != 0) {
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
	}
	if (lxf_cmd_client(ctx, remote, &c, &err) != 0 ||
	    lxf_client_request(c, "GET", "/1.0", NULL, &resp, &err) != 0) {
		/* lxc prints "unreachable" rather than failing the client half. */
		fprintf(ctx->out, "Server version: unreachable\n");
		if (args->argc == 1)
			st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	sv = lxf_json_str(lxf_json_path(resp.metadata, "environment"), "server_version");
	fprintf(ctx->out, "Server version: %s\n", sv ? sv : "unknown");
out:
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(remote);
	return st;
}

const struct lxf_cmd lxf_cmd_version_entry =
    LXF_CMD_ENTRY("version", NULL, "[REMOTE:]", "Show the client version and the server's", 0, 1,
		  LXF_CMD_T_NONE, 0, cmd_version_exec, {0});
