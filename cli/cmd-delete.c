/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf delete [-f] [REMOTE:]NAME[/SNAP]...: -f stops a running instance
 * first; NAME/SNAP deletes a snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "snap.h"

static int cmd_delete_one(struct lxf_cmd_ctx *ctx, const char *arg, bool force, struct lxf_err *err)
{
	struct json_object *state = NULL, *body = NULL;
	struct lxf_client *c = NULL;
	char *name = NULL, path[1024];
	const char *status;
	int rc;

	rc = lxf_cmd_target(ctx, arg, true, &c, &name, err);
	if (rc)
		goto out;
	if (strchr(name, '/')) {
		char *inst = NULL, *snap = NULL;

		rc = lxf_args_split_snap(name, &inst, &snap, err);
		if (rc == 0)
			rc = lxf_snap_delete(c, inst, snap, err);
		free(inst);
		free(snap);
		goto out;
	}
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/state", err);
	if (rc)
		goto out;
	rc = lxf_client_do(c, "GET", path, NULL, &state, err);
	if (rc)
		goto out;
	status = lxf_json_str(state, "status");
	if (status && strcmp(status, "Stopped") != 0) {
		if (!force) {
			rc = lxf_err_set(err, LXF_EBUSY,
					 "instance '%s' is running: stop it first or use --force",
					 name);
			goto out;
		}
		body = json_object_new_object();
		if (!body || lxf_json_add_str(body, "action", "stop") != 0 ||
		    json_object_object_add(body, "force", json_object_new_boolean(1)) != 0) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		rc = lxf_client_do(c, "PUT", path, body, NULL, err);
		if (rc)
			goto out;
	}
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, NULL, err);
	if (rc)
		goto out;
	rc = lxf_client_do(c, "DELETE", path, NULL, NULL, err);
out:
	if (state)
		json_object_put(state);
	if (body)
		json_object_put(body);
	lxf_client_free(c);
	free(name);
	return rc;
}

static int cmd_delete_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK, fails = 0;

	for (int i = 0; i < args->argc; i++) {
		lxf_err_clear(&err);
		if (cmd_delete_one(ctx, args->argv[i], lxf_args_has(args, 'f'), &err) == 0)
			continue;
		if (err.code == LXF_EUSAGE)
			return lxf_cmd_usage_error(self, ctx, "%s", err.msg);
		st = lxf_cmd_fail(ctx, &err);
		fails++;
	}
	if (fails && fails < args->argc)
		st = LXF_EXIT_PARTIAL;
	return st;
}

const struct lxf_cmd lxf_cmd_delete_entry = {
    .name = "delete",
    .aliases = {"rm"},
    .usage = "[REMOTE:]NAME[/SNAPSHOT]... [-f]",
    .summary = "Delete instances and snapshots",
    .min_args = 1,
    .max_args = -1,
    .opts = {{"force", 'f', no_argument, NULL, "Stop running instances first"}},
    .exec = cmd_delete_exec,
};
