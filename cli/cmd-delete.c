/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf delete [-f] [-i] [REMOTE:]NAME[/SNAP]...: -f stops a running
 * instance first; -i asks before each one; NAME/SNAP deletes a snapshot.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "each.h"
#include "json.h"
#include "snap.h"

/*
 * -i: asks on the terminal before deleting what arg names, as lxc's
 * "Remove c1 (yes/no): ". 0: go on; 1: the answer was no (skipped);
 * else the exit status: no terminal to ask on is a usage error.
 */
static int cmd_delete_ask(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, const char *arg)
{
	char line[16] = "";

	if (!isatty(STDIN_FILENO))
		return lxf_cmd_usage_error(self, ctx, "--interactive needs a terminal to ask on");
	fprintf(ctx->err, "Remove %s (yes/no): ", arg);
	(void)fflush(ctx->err);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0)
		return 0;
	fprintf(ctx->err, "Kept %s\n", arg);
	return 1;
}

/* One instance or snapshot (the dispatcher loops over them). */
static int cmd_delete_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct json_object *state = NULL, *body = NULL;
	struct lxf_client *c = args->client;
	const char *name = args->name, *status;
	struct lxf_err err = {0};
	char path[1024];
	int rc;

	if (lxf_args_has(args, 'i')) {
		rc = cmd_delete_ask(self, ctx, args->target_arg);
		if (rc)
			return rc == 1 ? LXF_EXIT_OK : rc;
	}
	if (args->snap) {
		rc = lxf_snap_delete(c, name, args->snap, &err);
		goto out;
	}
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/state", &err);
	if (rc)
		goto out;
	rc = lxf_client_do(c, "GET", path, NULL, &state, &err);
	if (rc)
		goto out;
	status = lxf_json_str(state, "status");
	if (status && strcmp(status, "Stopped") != 0) {
		if (!lxf_args_has(args, 'f')) {
			rc = lxf_err_set(&err, LXF_EBUSY,
					 "instance '%s' is running: stop it first or use --force",
					 name);
			goto out;
		}
		body = json_object_new_object();
		if (!body || lxf_json_add_str(body, "action", "stop") != 0 ||
		    json_object_object_add(body, "force", json_object_new_boolean(1)) != 0) {
			rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		rc = lxf_client_do(c, "PUT", path, body, NULL, &err);
		if (rc)
			goto out;
	}
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, NULL, &err);
	if (rc)
		goto out;
	rc = lxf_client_do(c, "DELETE", path, NULL, NULL, &err);
out:
	/* Several targets: say which one each error is about. */
	if (rc && args->argc > 1 && args->target_arg)
		lxf_err_prefix(&err, "%s", args->target_arg);
	if (state)
		json_object_put(state);
	if (body)
		json_object_put(body);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_delete_entry = {
    .name = "delete",
    .aliases = {"rm"},
    .usage = "[REMOTE:]NAME[/SNAPSHOT]... | --all [REMOTES] [FILTER...] [-f] [-i]",
    .summary = "Delete instances and snapshots",
    .min_args = 1,
    .max_args = -1,
    .target = LXF_CMD_T_SNAPSHOT,
    .flags = LXF_CMD_F_EACH | LXF_CMD_F_DESTRUCTIVE | LXF_CMD_F_ALL,
    .opts =
	{
	    {"force", 'f', no_argument, NULL, "Stop running instances first"},
	    {"interactive", 'i', no_argument, NULL, "Ask before each one (needs a terminal)"},
	    LXF_EACH_ALL_OPTS,
	},
    .exec = cmd_delete_exec,
    .help = LXF_EACH_ALL_HELP,
};
