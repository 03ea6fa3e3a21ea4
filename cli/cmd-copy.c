/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf copy [REMOTE:]NAME [REMOTE:]NEWNAME [--instance-only], with LXD's
 * parsing (an argument without ':' is on the default remote). On one
 * remote it is POST /1.0/instances {"source": {"type": "copy"}}: the
 * source must be stopped; its config (volatile.* left out), devices,
 * profiles and, unless --instance-only, snapshots are copied. Between
 * remotes it needs the migration protocol (issue #6), not there yet: that
 * is refused before any request, so nothing is made anywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"

/* Long-only, past the shared LXF_OPT_* values. */
enum { OPT_INSTANCE_ONLY = 400 };

static int cmd_copy_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	char *srem = NULL, *sname = NULL, *drem = NULL, *dname = NULL;
	struct json_object *body = NULL, *source = NULL;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	if (lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &srem, &sname, &err) != 0 ||
	    lxf_remotes_parse_arg(ctx->remotes, args->argv[1], &drem, &dname, &err) != 0)
		goto fail;
	if (!sname[0] || strchr(sname, '/')) {
		lxf_err_set(&err, LXF_EUSAGE, "'%s' does not name an instance", args->argv[0]);
		goto fail;
	}
	if (strcmp(srem, drem) != 0) {
		lxf_err_set(&err, LXF_ENOTSUP,
			    "copying instances between remotes ('%s' to '%s') is not supported yet",
			    srem, drem);
		goto fail;
	}
	if (!dname[0] || strchr(dname, '/')) {
		lxf_err_set(&err, LXF_EUSAGE, "a copy on the same remote needs a new name: '%s'",
			    args->argv[1]);
		goto fail;
	}
	if (lxf_cmd_client(ctx, srem, &c, &err) != 0)
		goto fail;
	if (!(body = json_object_new_object()) || !(source = json_object_new_object()) ||
	    lxf_json_add_str(source, "type", "copy") != 0 ||
	    lxf_json_add_str(source, "source", sname) != 0 ||
	    json_object_object_add(
		source, "instance_only",
		json_object_new_boolean(lxf_args_has(args, OPT_INSTANCE_ONLY))) ||
	    json_object_object_add(body, "source", source) || (source = NULL) ||
	    lxf_json_add_str(body, "name", dname) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (lxf_client_do(c, "POST", "/1.0/instances", body, NULL, &err) == 0)
		goto out;
fail:
	if (err.code == LXF_EUSAGE)
		st = lxf_cmd_usage_error(self, ctx, "%s", err.msg);
	else
		st = lxf_cmd_fail(ctx, &err);
out:
	json_object_put(source);
	json_object_put(body);
	lxf_client_free(c);
	free(srem);
	free(sname);
	free(drem);
	free(dname);
	return st;
}

const struct lxf_cmd lxf_cmd_copy_entry = {
    .name = "copy",
    .aliases = {"cp"},
    .usage = "[REMOTE:]NAME [REMOTE:]NEWNAME",
    .summary = "Copy a stopped instance (on one remote, for now)",
    .min_args = 2,
    .max_args = 2,
    .opts = {{"instance-only", OPT_INSTANCE_ONLY, no_argument, NULL,
	      "Copy the instance without its snapshots"}},
    .exec = cmd_copy_exec,
};
