/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf storage volume copy|move [REMOTE:]POOL/VOLUME [REMOTE:]POOL[/VOLUME]
 * [--volume-only] [--mode pull|push|relay], as `lxc storage volume copy`:
 * on one remote the daemon copies (POST .../volumes/custom, source.type
 * "copy") or renames (a move); between remotes the volume travels by
 * LXD's volume migration (lxf_migrate_volume), and a move deletes the
 * source only once the copy succeeded, so a failed move never harms it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "migrate.h"

/* "[REMOTE:]POOL[/VOLUME]" of one argument, all malloc'ed; *vol may be "". */
struct vol_spec {
	char *remote, *pool, *vol;
};

static void vol_spec_fini(struct vol_spec *s)
{
	free(s->remote);
	free(s->pool);
	free(s->vol);
}

static int vol_spec_parse(struct lxf_cmd_ctx *ctx, const char *arg, struct vol_spec *s,
			  struct lxf_err *err)
{
	char *rest = NULL, *slash;
	int rc = lxf_remotes_parse_arg(ctx->remotes, arg, &s->remote, &rest, err);

	if (rc)
		return rc;
	slash = strchr(rest, '/');
	s->vol = strdup(slash ? slash + 1 : "");
	if (slash)
		*slash = '\0';
	s->pool = rest;
	if (!s->vol)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (!*s->pool || strchr(s->vol, '/'))
		return lxf_err_set(err, LXF_EUSAGE, "want [REMOTE:]POOL/VOLUME, got '%s'", arg);
	return 0;
}

/* One remote: the daemon's own copy, or a rename (a move within the pool). */
static int vol_local(struct lxf_cmd_ctx *ctx, const struct vol_spec *s, const struct vol_spec *d,
		     bool move, bool volume_only, struct lxf_err *err)
{
	struct json_object *body = json_object_new_object(), *src = json_object_new_object();
	struct lxf_client *c = NULL;
	char path[1024], coll[320];
	int rc = 0;

	if (!body || !src || lxf_json_add_str(body, "name", d->vol) != 0)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0 && move && strcmp(s->pool, d->pool) != 0)
		rc = lxf_err_set(err, LXF_ENOTSUP,
				 "moving a volume to another pool ('%s') of '%s' "
				 "is not supported",
				 d->pool, s->remote);
	if (rc == 0)
		rc = lxf_cmd_client(ctx, s->remote, &c, err);
	if (rc == 0 && move) {
		(void)snprintf(coll, sizeof(coll), "storage-pools/%s/volumes/custom", s->pool);
		rc = lxf_cmd_path(path, sizeof(path), coll, s->vol, NULL, err);
	} else if (rc == 0) {
		if (lxf_json_add_str(body, "type", "custom") ||
		    lxf_json_add_str(src, "type", "copy") ||
		    lxf_json_add_str(src, "pool", s->pool) ||
		    lxf_json_add_str(src, "name", s->vol) ||
		    json_object_object_add(src, "volume_only",
					   json_object_new_boolean(volume_only)) ||
		    json_object_object_add(body, "source", json_object_get(src)))
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		if (rc == 0)
			rc = lxf_cmd_path(path, sizeof(path), "storage-pools", d->pool,
					  "/volumes/custom", err);
	}
	if (rc == 0)
		rc = lxf_client_do(c, "POST", path, body, NULL, err);
	json_object_put(body);
	json_object_put(src);
	lxf_client_free(c);
	return rc;
}

static int cmd_vol_copy_move(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	bool move = strcmp(self->name, "storage volume move") == 0;
	struct vol_spec s = {0}, d = {0};
	struct lxf_mig_opts mo;
	struct lxf_err err = {0};
	struct lxf_client *c = NULL;
	char path[1024], coll[320];
	int st = LXF_EXIT_OK;

	if (lxf_mig_opts_from_args(ctx, args, &mo, &err) != 0 ||
	    vol_spec_parse(ctx, args->argv[0], &s, &err) != 0 ||
	    vol_spec_parse(ctx, args->argv[1], &d, &err) != 0)
		goto fail;
	if (!*s.vol) {
		lxf_err_set(&err, LXF_EUSAGE, "'%s' names no volume", args->argv[0]);
		goto fail;
	}
	if (!*d.vol) {
		free(d.vol);
		if (!(d.vol = strdup(s.vol))) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (strcmp(s.remote, d.remote) == 0) {
		if (vol_local(ctx, &s, &d, move, mo.instance_only, &err) != 0)
			goto fail;
	} else {
		if (lxf_migrate_volume(ctx->remotes, s.remote, s.pool, s.vol, d.remote, d.pool,
				       d.vol, &mo, &err) != 0)
			goto fail;
		/* The copy is whole on the target: only now may the source go. */
		(void)snprintf(coll, sizeof(coll), "storage-pools/%s/volumes/custom", s.pool);
		if (move && (lxf_cmd_client(ctx, s.remote, &c, &err) != 0 ||
			     lxf_cmd_path(path, sizeof(path), coll, s.vol, NULL, &err) != 0 ||
			     lxf_client_do(c, "DELETE", path, NULL, NULL, &err) != 0)) {
			lxf_err_prefix(&err, "copied to '%s:%s/%s', but the source stays", d.remote,
				       d.pool, d.vol);
			goto fail;
		}
	}
	if (!ctx->quiet)
		fprintf(ctx->out, "Storage volume %s %s to %s:%s/%s\n", s.vol,
			move ? "moved" : "copied", d.remote, d.pool, d.vol);
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	lxf_client_free(c);
	vol_spec_fini(&s);
	vol_spec_fini(&d);
	return st;
}

#define VOL_COPY_ENTRY(nm, sum)                                                                    \
	{                                                                                          \
		.name = "storage volume " nm,                                                      \
		.usage = "[REMOTE:]POOL/VOLUME [REMOTE:]POOL[/VOLUME]", .summary = (sum),          \
		.min_args = 2, .max_args = 2,                                                      \
		.opts = {{"volume-only", LXF_MIG_OPT_INSTANCE_ONLY, no_argument, NULL,             \
			  "Without the volume's snapshots"},                                       \
			 {"mode", LXF_MIG_OPT_MODE, required_argument, "MODE",                     \
			  "Transfer mode between remotes: pull, push or relay"}},                  \
		.exec = cmd_vol_copy_move,                                                         \
	}

const struct lxf_cmd lxf_cmd_storage_volume_copy_entry =
    VOL_COPY_ENTRY("copy", "Copy a custom storage volume, on one remote or between remotes");
const struct lxf_cmd lxf_cmd_storage_volume_move_entry =
    VOL_COPY_ENTRY("move", "Move or rename a custom storage volume, on one remote or between "
			   "remotes");
