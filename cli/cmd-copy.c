/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf copy [REMOTE:]NAME[/SNAP]... [REMOTE:][NEWNAME], with LXD's parsing
 * (an argument without ':' is on the default remote). On one remote it is
 * POST /1.0/instances {"source": {"type": "copy"}}: the source must be
 * stopped; its config (volatile.* left out), devices, profiles and, unless
 * --instance-only, snapshots are copied. Between remotes it is a migration
 * (migrate.c): relay, pull or push, running sources too. -c and -p apply
 * to both; --refresh only between remotes. Several sources
 * go to one remote ("a:x a:y b:"), in order, stopping at the first failure.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "migrate.h"
#include "target.h"

/* The create request of a one-remote copy given -c or -p, from the source. */
static int copy_local_body(struct lxf_client *c, const char *sname, const char *dname,
			   const struct lxf_mig_opts *mo, struct json_object **body,
			   struct lxf_err *err)
{
	struct json_object *inst = NULL;
	char path[1024];
	int rc;

	rc = lxf_cmd_path(path, sizeof(path), "instances", sname, "", err);
	if (rc == 0)
		rc = lxf_client_do(c, "GET", path, NULL, &inst, err);
	if (rc == 0)
		rc = lxf_mig_target_body(inst, dname, mo, body, err);
	json_object_put(inst);
	return rc;
}

static int cmd_copy_one(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args, const char *src_arg, const char *dst_arg,
			bool many, const struct lxf_mig_opts *mo)
{
	char *srem = NULL, *sname = NULL, *drem = NULL, *dname = NULL, *slash;
	struct json_object *body = NULL, *source = NULL;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	if (lxf_cmd_parse_arg(ctx, src_arg, LXF_NAME_INSTANCE, &srem, &sname, &err) != 0 ||
	    lxf_cmd_parse_dest(ctx, dst_arg, srem, &drem, &dname, &err) != 0)
		goto fail;
	slash = strchr(sname, '/');
	if (!sname[0] || sname[0] == '/' || (slash && (!slash[1] || strchr(slash + 1, '/')))) {
		lxf_err_set(&err, LXF_EUSAGE, "'%s' does not name an instance", src_arg);
		goto fail;
	}
	if (strchr(dname, '/') || (many && dname[0])) {
		lxf_err_set(&err, LXF_EUSAGE, "the destination '%s' must be %s", dst_arg,
			    many ? "a remote only (\"REMOTE:\") with several sources"
				 : "an instance name");
		goto fail;
	}
	if (strcmp(srem, drem) != 0) {
		if (slash)
			*slash++ = '\0';
		if (lxf_migrate_copy(ctx->remotes, srem, sname, slash, drem,
				     dname[0] ? dname : sname, mo, &err) == 0)
			goto out;
		goto fail;
	}
	if (!dname[0] || slash) {
		lxf_err_set(&err, LXF_EUSAGE, "a copy on the same remote needs %s: '%s'",
			    slash ? "an instance, not a snapshot" : "a new name", dst_arg);
		goto fail;
	}
	if (mo->refresh) {
		lxf_err_set(&err, LXF_EUSAGE, "--refresh works between remotes only");
		goto fail;
	}
	if (lxf_cmd_client(ctx, srem, &c, &err) != 0)
		goto fail;
	/* -c and -p: the source's config and devices with them, as LXD's copy sends. */
	if ((mo->nconfig || mo->nprofiles) && copy_local_body(c, sname, dname, mo, &body, &err))
		goto fail;
	if ((!body && !(body = json_object_new_object())) || !(source = json_object_new_object()) ||
	    lxf_json_add_str(source, "type", "copy") != 0 ||
	    lxf_json_add_str(source, "source", sname) != 0 ||
	    json_object_object_add(
		source, "instance_only",
		json_object_new_boolean(lxf_args_has(args, LXF_MIG_OPT_INSTANCE_ONLY))) ||
	    json_object_object_add(body, "source", source) || (source = NULL) ||
	    lxf_json_add_str(body, "name", dname) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (lxf_client_do(c, "POST", "/1.0/instances", body, NULL, &err) == 0)
		goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
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

static int cmd_copy_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	return lxf_mig_each_source(self, ctx, args, cmd_copy_one);
}

const struct lxf_cmd lxf_cmd_copy_entry = {
    .name = "copy",
    .aliases = {"cp"},
    .usage = "[REMOTE:]NAME[/SNAPSHOT]... [REMOTE:][NEWNAME]",
    .summary = "Copy instances, on one remote or between remotes",
    .min_args = 2,
    .max_args = -1,
    .opts = {{"instance-only", LXF_MIG_OPT_INSTANCE_ONLY, no_argument, NULL,
	      "Copy the instance without its snapshots"},
	     {"mode", LXF_MIG_OPT_MODE, required_argument, "MODE",
	      "Transfer mode between remotes: pull, push or relay"},
	     {"refresh", LXF_MIG_OPT_REFRESH, no_argument, NULL,
	      "Update an existing (stopped) copy with what changed"},
	     {"stateless", LXF_MIG_OPT_STATELESS, no_argument, NULL,
	      "Copy without the running state (the default)"},
	     {"config", 'c', required_argument, "KEY=VALUE", "Config key for the copy"},
	     {"profile", 'p', required_argument, "PROFILE", "Profile for the copy (repeatable)"}},
    .exec = cmd_copy_exec,
};
