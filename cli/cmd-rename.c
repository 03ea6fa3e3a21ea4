/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf rename [REMOTE:]OLD NEW, and [REMOTE:]NAME/SNAP NEWSNAP for a
 * snapshot: POST {"name": NEW} on the same remote. Moving between remotes
 * is `move`'s job, so a NEW on another remote is a usage error.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "snap.h"

int lxf_rename_post(struct lxf_client *c, const char *inst, const char *snap, const char *newname,
		    const char *arg, struct lxf_err *err)
{
	struct json_object *body = NULL;
	char path[1024];
	int ret;

	if (!newname || !*newname || strchr(newname, '/'))
		return lxf_err_set(err, LXF_EUSAGE, "bad new name '%s'", arg);
	ret = snap ? lxf_snap_path(path, sizeof(path), inst, snap, err)
		   : lxf_cmd_path(path, sizeof(path), "instances", inst, NULL, err);
	if (ret != 0)
		return ret;
	if (!(body = json_object_new_object()) || lxf_json_add_str(body, "name", newname) != 0)
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	else
		ret = lxf_client_do(c, "POST", path, body, NULL, err);
	json_object_put(body);
	return ret;
}

static int cmd_rename_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	char *inst = NULL, *snap = NULL, *to = NULL;
	struct lxf_err err = {0};
	const char *newname;
	int rc;

	rc = lxf_obj_same_remote(ctx, args->argv[0], args->argv[1], &to, &err);
	if (rc == 0)
		rc = lxf_args_split_snap(args->name, &inst, &snap, &err);
	if (rc)
		goto out;
	newname = to;
	if (snap && strchr(to, '/')) {
		/* "c1/new" is accepted for a snapshot when it names the same instance. */
		size_t il = strlen(inst);

		if (strncmp(to, inst, il) != 0 || to[il] != '/') {
			rc = lxf_err_set(&err, LXF_EUSAGE,
					 "a snapshot stays with its instance: '%s'", args->argv[1]);
			goto out;
		}
		newname = to + il + 1;
	}
	rc = lxf_rename_post(args->client, inst, snap, newname, args->argv[1], &err);
out:
	free(inst);
	free(snap);
	free(to);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

/* An INSTANCE target: NAME/SNAP is split once NEW's remote is checked. */
const struct lxf_cmd lxf_cmd_rename_entry =
    LXF_CMD_ENTRY("rename", NULL, "[REMOTE:]OLD[/SNAPSHOT] NEW", "Rename an instance or a snapshot",
		  2, 2, LXF_CMD_T_INSTANCE, 0, cmd_rename_exec, {0});
