/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf delete [-f] [REMOTE:]NAME[/SNAP]...: -f stops a running instance
 * first; NAME/SNAP deletes a snapshot.
 */
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "snap.h"

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

const struct lxf_cmd lxf_cmd_delete_entry = LXF_CMD_ENTRY(
    "delete", "rm", "[REMOTE:]NAME[/SNAPSHOT]... [-f]", "Delete instances and snapshots", 1, -1,
    LXF_CMD_T_SNAPSHOT, LXF_CMD_F_EACH | LXF_CMD_F_DESTRUCTIVE, cmd_delete_exec,
    {"force", 'f', no_argument, NULL, "Stop running instances first"});
