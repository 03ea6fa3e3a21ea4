/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf move [REMOTE:]NAME[/SNAP] [REMOTE:][NEW[/NEWSNAP]], with LXD's
 * parsing: each argument names its remote, an argument without ':' is on
 * the default remote. On one remote a move is a rename (POST {"name"}).
 * Between remotes it is a migration (migrate.c): the source is deleted
 * only once its copy is complete (and running, if the source was). Several
 * sources go to one remote ("a:x a:y b:"), in order, stopping at the
 * first failure.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "migrate.h"
#include "snap.h"
#include "target.h"

struct move_arg {
	char *remote, *name, *inst, *snap;
};

static void move_arg_fini(struct move_arg *m)
{
	free(m->remote);
	free(m->name);
	free(m->inst);
	free(m->snap);
	memset(m, 0, sizeof(*m));
}

/* src NULL: arg is the source, found in the fleet; else the destination beside src. */
static int move_arg_parse(struct lxf_cmd_ctx *ctx, const char *arg, const struct move_arg *src,
			  struct move_arg *m, struct lxf_err *err)
{
	if ((src ? lxf_cmd_parse_dest(ctx, arg, src->remote, &m->remote, &m->name, err)
		 : lxf_cmd_parse_arg(ctx, arg, LXF_NAME_INSTANCE, &m->remote, &m->name, err)) != 0)
		return -err->code;
	if (!m->name[0])
		return 0;
	return lxf_args_split_snap(m->name, &m->inst, &m->snap, err);
}

/* The new name of a same-remote move of src to dst. */
static int move_new_name(const struct move_arg *src, const struct move_arg *dst,
			 const char *dst_arg, const char **newname, struct lxf_err *err)
{
	if (!dst->name[0])
		return lxf_err_set(err, LXF_EUSAGE, "'%s' is already on remote '%s'", src->name,
				   dst->remote);
	if (src->snap) {
		/* A snapshot stays with its instance: "c1/new" or just "new". */
		if (dst->snap && strcmp(dst->inst, src->inst) != 0)
			return lxf_err_set(err, LXF_EUSAGE,
					   "a snapshot stays with its instance: '%s'", dst_arg);
		*newname = dst->snap ? dst->snap : dst->name;
		return 0;
	}
	if (dst->snap)
		return lxf_err_set(err, LXF_EUSAGE, "an instance cannot become a snapshot: '%s'",
				   dst_arg);
	*newname = dst->name;
	return 0;
}

static int cmd_move_one(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args, const char *src_arg, const char *dst_arg,
			bool many, const struct lxf_mig_opts *mo)
{
	struct move_arg src = {0}, dst = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	const char *newname = NULL;
	int st = LXF_EXIT_OK;

	(void)args; /* copy's needs them, move's does not */
	if (move_arg_parse(ctx, src_arg, NULL, &src, &err) != 0 ||
	    move_arg_parse(ctx, dst_arg, &src, &dst, &err) != 0)
		goto fail;
	if (!src.name[0]) {
		lxf_err_set(&err, LXF_EUSAGE, "no instance named in '%s'", src_arg);
		goto fail;
	}
	if (many && dst.name[0]) {
		lxf_err_set(&err, LXF_EUSAGE,
			    "with several sources the destination is a remote only: '%s'", dst_arg);
		goto fail;
	}
	if (strcmp(src.remote, dst.remote) != 0) {
		/* Refused up front: nothing on either remote has been touched. */
		if (src.snap || dst.snap) {
			lxf_err_set(&err, LXF_EUSAGE,
				    "snapshots move with their instance, not alone: '%s'",
				    src.snap ? src_arg : dst_arg);
			goto fail;
		}
		if (lxf_migrate_move(ctx->remotes, src.remote, src.name, dst.remote,
				     dst.name[0] ? dst.name : src.name, mo, &err) == 0)
			goto out;
		goto fail;
	}
	if (move_new_name(&src, &dst, dst_arg, &newname, &err) != 0 ||
	    lxf_cmd_client(ctx, src.remote, &c, &err) != 0)
		goto fail;
	if (lxf_rename_post(c, src.snap ? src.inst : src.name, src.snap, newname, dst_arg, &err) ==
	    0)
		goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	lxf_client_free(c);
	move_arg_fini(&src);
	move_arg_fini(&dst);
	return st;
}

static int cmd_move_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	return lxf_mig_each_source(self, ctx, args, cmd_move_one);
}

const struct lxf_cmd lxf_cmd_move_entry = {
    .name = "move",
    .aliases = {"mv"},
    .usage = "[REMOTE:]NAME[/SNAPSHOT]... [REMOTE:][NEWNAME[/NEWSNAPSHOT]]",
    .summary = "Move instances between remotes, or rename an instance or snapshot",
    .min_args = 2,
    .max_args = -1,
    .opts = {{"instance-only", LXF_MIG_OPT_INSTANCE_ONLY, no_argument, NULL,
	      "Move the instance without its snapshots"},
	     {"mode", LXF_MIG_OPT_MODE, required_argument, "MODE",
	      "Transfer mode between remotes: pull, push or relay"},
	     {"stateless", LXF_MIG_OPT_STATELESS, no_argument, NULL,
	      "Move without the running state (implied for containers)"},
	     {"stateful", LXF_MIG_OPT_STATEFUL, no_argument, NULL,
	      "Move with the running state (needs CRIU; refused otherwise)"},
	     {"config", 'c', required_argument, "KEY=VALUE", "Config key for the moved instance"},
	     {"profile", 'p', required_argument, "PROFILE",
	      "Profile for the moved instance (repeatable)"}},
    .exec = cmd_move_exec,
};
