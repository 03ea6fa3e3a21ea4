/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf publish [REMOTE:]INSTANCE[/SNAPSHOT] [REMOTE:] [--alias A]...
 * [--public] [--compression ALG] [--expire TIME] [key=value...]: an image
 * of a stopped instance or of a snapshot, as `lxc publish` makes it
 * (POST /1.0/images with an instance or snapshot source: the server packs
 * and stores it). To another remote, as lxc does it: published on the
 * instance's remote, copied over (lxf_image_copy, aliases made there),
 * then deleted where it was made.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "backup.h"
#include "cmd.h"
#include "json.h"
#include "migrate.h"

enum { PUB_OPT_COMPRESSION = 520, PUB_OPT_EXPIRE };

#define PUB_MAX_WORDS 64

/* The image published on the instance's remote: *fp (free()). */
static int publish_here(struct lxf_cmd_ctx *ctx, const char *srem, const struct lxf_publish_req *r,
			char **fp, struct lxf_err *err)
{
	struct lxf_client *c = NULL;
	struct json_object *body = NULL, *op = NULL;
	const char *f;
	int rc;

	*fp = NULL;
	if ((rc = lxf_publish_body(r, &body, err)) != 0 ||
	    (rc = lxf_cmd_client(ctx, srem, &c, err)) != 0)
		goto out;
	rc = lxf_client_do(c, "POST", "/1.0/images", body, &op, err);
	if (rc) {
		lxf_err_prefix(err, "%s:%s%s%s", srem, r->name, r->snap ? "/" : "",
			       r->snap ? r->snap : "");
		goto out;
	}
	f = lxf_json_str(lxf_json_path(op, "metadata"), "fingerprint");
	if (!f || !(*fp = strdup(f)))
		rc = lxf_err_set(err, LXF_EIO, "remote '%s' gave no fingerprint", srem);
out:
	json_object_put(body);
	json_object_put(op);
	lxf_client_free(c);
	return rc;
}

/* Deletes image fp of remote rem (the copy's source, once copied). */
static void drop_image(struct lxf_cmd_ctx *ctx, const char *rem, const char *fp)
{
	struct lxf_client *c = NULL;
	struct lxf_err e = {0};
	char path[256];

	if (lxf_cmd_client(ctx, rem, &c, &e) == 0 &&
	    lxf_cmd_path(path, sizeof(path), "images", fp, NULL, &e) == 0 &&
	    lxf_client_do(c, "DELETE", path, NULL, NULL, &e) != 0)
		fprintf(ctx->err, "Warning: cannot delete the image on '%s': %s\n", rem, e.msg);
	lxf_client_free(c);
}

static int cmd_publish_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	const char *aliases[PUB_MAX_WORDS];
	char *props[PUB_MAX_WORDS];
	char *srem = NULL, *sname = NULL, *name = NULL, *snap = NULL, *drem = NULL;
	char *dname = NULL, *fp = NULL, expiry[64];
	struct lxf_publish_req r = {0};
	struct lxf_err err = {0};
	const char *exp = lxf_args_get(args, PUB_OPT_EXPIRE);
	int st = LXF_EXIT_OK;

	for (size_t i = 0; i < args->nopts; i++)
		if (args->opts[i].val == LXF_OPT_ALIAS && r.naliases < PUB_MAX_WORDS)
			aliases[r.naliases++] = args->opts[i].arg;
	if (lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &srem, &sname, &err) != 0 ||
	    lxf_args_split_snap(sname, &name, &snap, &err) != 0)
		goto fail;
	for (int i = 1; i < args->argc; i++) {
		const char *w = args->argv[i];
		if (strchr(w, '=')) {
			if (r.nprops < PUB_MAX_WORDS)
				props[r.nprops++] = args->argv[i];
		} else if (!drem && w[strlen(w) - 1] == ':') {
			if (lxf_remotes_parse_arg(ctx->remotes, w, &drem, &dname, &err) != 0)
				goto fail;
		} else {
			st = lxf_cmd_usage_error(self, ctx, "'%s' is neither REMOTE: nor key=value",
						 w);
			goto out;
		}
	}
	if (exp && lxf_backup_expiry(exp, time(NULL), expiry, sizeof(expiry), &err) != 0)
		goto fail;
	r.name = name;
	r.snap = snap;
	r.aliases = aliases;
	r.props = props;
	r.public = lxf_args_has(args, LXF_OPT_PUBLIC);
	r.compression = lxf_args_get(args, PUB_OPT_COMPRESSION);
	r.expires_at = exp ? expiry : NULL;
	if (drem && strcmp(drem, srem) != 0) {
		size_t na = r.naliases;

		/* Aliases are made on the target only. */
		r.naliases = 0;
		if (publish_here(ctx, srem, &r, &fp, &err) != 0)
			goto fail;
		if (lxf_image_copy(ctx->remotes, srem, fp, drem, aliases, na, false, r.public, NULL,
				   &err) != 0) {
			drop_image(ctx, srem, fp);
			goto fail;
		}
		drop_image(ctx, srem, fp);
	} else if (publish_here(ctx, srem, &r, &fp, &err) != 0) {
		goto fail;
	}
	if (!ctx->quiet)
		fprintf(ctx->out, "Instance published with fingerprint: %s\n", fp);
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	free(srem);
	free(sname);
	free(name);
	free(snap);
	free(drem);
	free(dname);
	free(fp);
	return st;
}

const struct lxf_cmd lxf_cmd_publish_entry = {
    .name = "publish",
    .usage = "[REMOTE:]INSTANCE[/SNAPSHOT] [REMOTE:] [key=value...]",
    .summary = "Make an image of an instance or snapshot",
    .min_args = 1,
    .max_args = -1,
    .opts = {{"alias", LXF_OPT_ALIAS, required_argument, "ALIAS",
	      "Alias of the new image (repeatable)"},
	     {"public", LXF_OPT_PUBLIC, no_argument, NULL, "Make the image public"},
	     {"compression", PUB_OPT_COMPRESSION, required_argument, "ALG",
	      "gzip (default), bzip2, xz, lzma, zstd or none"},
	     {"expire", PUB_OPT_EXPIRE, required_argument, "TIME",
	      "When the image expires: RFC 3339, or a duration such as 30d"}},
    .exec = cmd_publish_exec,
};
