/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf image import|list|delete and image alias create|delete|list, plus
 * the alias-or-fingerprint resolution shared with launch.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "list.h"
#include "output.h"

#define IMAGE_PATH_MAX 1024

int lxf_cmd_image_resolve(struct lxf_client *c, const char *ref, char **fp, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	const char *target, *found = NULL;
	char path[IMAGE_PATH_MAX];
	size_t rlen = strlen(ref);
	int rc;

	*fp = NULL;
	if (!*ref)
		return lxf_err_set(err, LXF_EINVAL, "empty image name");
	rc = lxf_cmd_path(path, sizeof(path), "images/aliases", ref, NULL, err);
	if (rc)
		goto out;
	rc = lxf_client_request(c, "GET", path, NULL, &resp, err);
	if (rc == 0) {
		target = lxf_json_str(resp.metadata, "target");
		if (!target) {
			rc = lxf_err_set(err, LXF_EIO, "alias '%s' has no target", ref);
			goto out;
		}
		*fp = strdup(target);
		goto nomem_check;
	}
	if (rc != -LXF_ENOENT)
		goto out;
	lxf_err_clear(err);
	/* Not an alias: a unique fingerprint prefix, as lxc accepts. */
	rc = lxf_client_request(c, "GET", "/1.0/images", NULL, &resp, err);
	if (rc)
		goto out;
	for (size_t i = 0; resp.metadata && json_object_is_type(resp.metadata, json_type_array) &&
			   i < json_object_array_length(resp.metadata);
	     i++) {
		const char *url =
		    json_object_get_string(json_object_array_get_idx(resp.metadata, i));
		const char *slash = url ? strrchr(url, '/') : NULL;
		const char *f = slash ? slash + 1 : url;

		if (!f || strncmp(f, ref, rlen) != 0)
			continue;
		if (found) {
			rc = lxf_err_set(err, LXF_EINVAL, "image '%s' is ambiguous", ref);
			goto out;
		}
		found = f;
	}
	if (!found) {
		rc = lxf_err_set(err, LXF_ENOENT, "image '%s' not found", ref);
		goto out;
	}
	*fp = strdup(found);
nomem_check:
	if (!*fp)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	lxf_response_fini(&resp);
	return rc;
}

static int cmd_alias_add(struct lxf_client *c, const char *alias, const char *fp,
			 struct lxf_err *err)
{
	struct json_object *body = json_object_new_object();
	int rc;

	if (!body || lxf_json_add_str(body, "name", alias) != 0 ||
	    lxf_json_add_str(body, "target", fp) != 0) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_client_do(c, "POST", "/1.0/images/aliases", body, NULL, err);
out:
	json_object_put(body);
	return rc;
}

static int cmd_image_import(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	const char *file = args->argv[0];
	struct lxf_response resp = {0};
	struct json_object *op = NULL;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *remote = NULL, *rest = NULL, *copy = NULL, hname[512], hpub[32];
	const char *headers[3] = {hname, hpub, NULL};
	const char *fp;
	int st = LXF_EXIT_OK;

	(void)self;
	if (args->argc == 2 &&
	    lxf_remotes_parse_arg(ctx->remotes, args->argv[1], &remote, &rest, &err) != 0)
		goto fail;
	if (rest && *rest) {
		st = lxf_cmd_usage_error(
		    self, ctx, "expected REMOTE: as the second argument, got '%s'", args->argv[1]);
		goto out;
	}
	copy = strdup(file);
	if (!copy || lxf_cmd_client(ctx, remote, &c, &err) != 0)
		goto fail;
	(void)snprintf(hname, sizeof(hname), "X-LXD-filename: %s", basename(copy));
	(void)snprintf(hpub, sizeof(hpub), "X-LXD-public: %d",
		       lxf_args_has(args, LXF_OPT_PUBLIC) ? 1 : 0);
	if (lxf_client_upload(c, "/1.0/images", file, headers, &resp, &err) != 0)
		goto fail;
	if (resp.type != LXF_RESP_ASYNC || !resp.operation) {
		lxf_err_set(&err, LXF_EIO, "image upload did not start an operation");
		goto fail;
	}
	if (lxf_client_wait_op(c, resp.operation, -1, &op, &err) != 0)
		goto fail;
	fp = lxf_json_str(lxf_json_path(op, "metadata"), "fingerprint");
	if (!fp) {
		lxf_err_set(&err, LXF_EIO, "import finished without a fingerprint");
		goto fail;
	}
	for (size_t i = 0; i < args->nopts; i++)
		if (args->opts[i].val == LXF_OPT_ALIAS &&
		    cmd_alias_add(c, args->opts[i].arg, fp, &err))
			goto fail;
	if (!ctx->quiet)
		fprintf(ctx->out, "Image imported with fingerprint: %s\n", fp);
	goto out;
fail:
	if (!err.code)
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
	st = lxf_cmd_fail(ctx, &err);
out:
	if (op)
		json_object_put(op);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(remote);
	free(rest);
	free(copy);
	return st;
}

/* [REMOTE:][FILTER] -> client and optional filter. */
static int cmd_image_remote(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args,
			    struct lxf_client **c, char **filter, struct lxf_err *err)
{
	*filter = NULL;
	if (args->argc == 0)
		return lxf_cmd_client(ctx, NULL, c, err);
	return lxf_cmd_target(ctx, args->argv[0], false, c, filter, err);
}

static char *cmd_image_aliases(struct json_object *img)
{
	struct json_object *al = NULL;
	struct lxf_buf b = {0};

	json_object_object_get_ex(img, "aliases", &al);
	for (size_t i = 0;
	     al && json_object_is_type(al, json_type_array) && i < json_object_array_length(al);
	     i++) {
		const char *n = lxf_json_str(json_object_array_get_idx(al, i), "name");

		if (n && lxf_buf_addf(&b, "%s%s", b.len ? "\n" : "", n) != 0)
			break;
	}
	return lxf_buf_take(&b);
}

static int cmd_image_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"ALIAS",       "FINGERPRINT",  "PUBLIC",
					      "DESCRIPTION", "ARCHITECTURE", "TYPE",
					      "SIZE",        "UPLOAD DATE"};
	const char *fs = lxf_args_get(args, 'f');
	enum lxf_fmt fmt = LXF_FMT_TABLE;
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	char *filter = NULL, *row[8], tmp[64];
	int st = LXF_EXIT_OK;

	lxf_table_init(&t, 8, headers);
	if (fs && lxf_fmt_parse(fs, &fmt, &err) != 0)
		return lxf_cmd_usage_error(self, ctx, "%s", err.msg);
	if (cmd_image_remote(ctx, args, &c, &filter, &err) != 0 ||
	    lxf_client_request(c, "GET", "/1.0/images?recursion=1", NULL, &resp, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		(void)lxf_output_json(ctx->out, fmt, resp.metadata, &err);
		goto out;
	}
	for (size_t i = 0; resp.metadata && json_object_is_type(resp.metadata, json_type_array) &&
			   i < json_object_array_length(resp.metadata);
	     i++) {
		struct json_object *img = json_object_array_get_idx(resp.metadata, i);
		const char *fp = lxf_json_str(img, "fingerprint"), *ty = lxf_json_str(img, "type");
		const char *desc = lxf_json_str(lxf_json_path(img, "properties"), "description");
		bool pub = false;
		int64_t size = 0;

		if (!fp)
			continue;
		row[0] = cmd_image_aliases(img);
		if (filter && *filter && strncmp(fp, filter, strlen(filter)) != 0 &&
		    !(row[0] && strstr(row[0], filter))) {
			free(row[0]);
			continue;
		}
		(void)lxf_json_get_bool(img, "public", false, &pub, NULL);
		(void)lxf_json_get_int(img, "size", false, &size, NULL);
		row[1] = strndup(fp, 12);
		row[2] = strdup(pub ? "yes" : "no");
		row[3] = strdup(desc ? desc : "");
		row[4] = strdup(
		    lxf_json_str(img, "architecture") ? lxf_json_str(img, "architecture") : "");
		row[5] = strdup(ty && strcmp(ty, "virtual-machine") == 0 ? "VIRTUAL-MACHINE"
									 : "CONTAINER");
		lxf_output_size_iec(size, tmp, sizeof(tmp));
		row[6] = strdup(tmp);
		lxf_list_format_time(lxf_json_str(img, "uploaded_at"), tmp, sizeof(tmp));
		row[7] = strdup(tmp);
		if (lxf_table_add_row(&t, row) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
	}
	lxf_table_print(ctx->out, fmt, &t, false);
out:
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(filter);
	return st;
}

static int cmd_image_delete(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *name = NULL, *fp = NULL, path[IMAGE_PATH_MAX];
	int st = LXF_EXIT_OK;

	(void)self;
	for (int i = 0; i < args->argc && st == LXF_EXIT_OK; i++) {
		if (lxf_cmd_target(ctx, args->argv[i], true, &c, &name, &err) != 0 ||
		    lxf_cmd_image_resolve(c, name, &fp, &err) != 0 ||
		    lxf_cmd_path(path, sizeof(path), "images", fp, NULL, &err) != 0 ||
		    lxf_client_do(c, "DELETE", path, NULL, NULL, &err) != 0)
			st = lxf_cmd_fail(ctx, &err);
		lxf_client_free(c);
		c = NULL;
		free(name);
		name = NULL;
		free(fp);
		fp = NULL;
	}
	return st;
}

static int cmd_image_alias_create(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				  const struct lxf_cmd_args *args)
{
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *alias = NULL, *fp = NULL;
	int st = LXF_EXIT_OK;

	(void)self;
	if (lxf_cmd_target(ctx, args->argv[0], true, &c, &alias, &err) != 0 ||
	    lxf_cmd_image_resolve(c, args->argv[1], &fp, &err) != 0 ||
	    cmd_alias_add(c, alias, fp, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
	lxf_client_free(c);
	free(alias);
	free(fp);
	return st;
}

static int cmd_image_alias_delete(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				  const struct lxf_cmd_args *args)
{
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *alias = NULL, path[IMAGE_PATH_MAX];
	int st = LXF_EXIT_OK;

	(void)self;
	if (lxf_cmd_target(ctx, args->argv[0], true, &c, &alias, &err) != 0 ||
	    lxf_cmd_path(path, sizeof(path), "images/aliases", alias, NULL, &err) != 0 ||
	    lxf_client_do(c, "DELETE", path, NULL, NULL, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
	lxf_client_free(c);
	free(alias);
	return st;
}

static int cmd_image_alias_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"ALIAS", "FINGERPRINT", "TYPE", "DESCRIPTION"};
	const char *fs = lxf_args_get(args, 'f');
	enum lxf_fmt fmt = LXF_FMT_TABLE;
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	char *filter = NULL, *row[4];
	int st = LXF_EXIT_OK;

	lxf_table_init(&t, 4, headers);
	if (fs && lxf_fmt_parse(fs, &fmt, &err) != 0)
		return lxf_cmd_usage_error(self, ctx, "%s", err.msg);
	if (cmd_image_remote(ctx, args, &c, &filter, &err) != 0 ||
	    lxf_client_request(c, "GET", "/1.0/images/aliases?recursion=1", NULL, &resp, &err) !=
		0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		(void)lxf_output_json(ctx->out, fmt, resp.metadata, &err);
		goto out;
	}
	for (size_t i = 0; resp.metadata && json_object_is_type(resp.metadata, json_type_array) &&
			   i < json_object_array_length(resp.metadata);
	     i++) {
		struct json_object *a = json_object_array_get_idx(resp.metadata, i);
		const char *n = lxf_json_str(a, "name"), *tg = lxf_json_str(a, "target");
		const char *ty = lxf_json_str(a, "type"), *d = lxf_json_str(a, "description");

		if (!n || (filter && *filter && strncmp(n, filter, strlen(filter)) != 0))
			continue;
		row[0] = strdup(n);
		row[1] = strndup(tg ? tg : "", 12);
		row[2] = strdup(ty && strcmp(ty, "virtual-machine") == 0 ? "VIRTUAL-MACHINE"
									 : "CONTAINER");
		row[3] = strdup(d ? d : "");
		if (lxf_table_add_row(&t, row) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
	}
	lxf_table_print(ctx->out, fmt, &t, false);
out:
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(filter);
	return st;
}

#define IMAGE_FMT_OPT                                                                              \
	{                                                                                          \
		"format", 'f', required_argument, "FORMAT", "table, csv, json, yaml or compact"    \
	}

const struct lxf_cmd lxf_cmd_image_import_entry = {
    .name = "image import",
    .usage = "FILE [REMOTE:] [--alias ALIAS]... [--public]",
    .summary = "Import a unified image tarball",
    .min_args = 1,
    .max_args = 2,
    .opts =
	{
	    {"alias", LXF_OPT_ALIAS, required_argument, "ALIAS", "Alias for the new image"},
	    {"public", LXF_OPT_PUBLIC, no_argument, NULL, "Make the image public"},
	},
    .exec = cmd_image_import,
};

const struct lxf_cmd lxf_cmd_image_list_entry = {
    .name = "image list",
    .aliases = {"image ls"},
    .usage = "[REMOTE:][FILTER] [-f FORMAT]",
    .summary = "List the images of a remote",
    .min_args = 0,
    .max_args = 1,
    .opts = {IMAGE_FMT_OPT},
    .exec = cmd_image_list,
};

const struct lxf_cmd lxf_cmd_image_delete_entry = {
    .name = "image delete",
    .aliases = {"image rm"},
    .usage = "[REMOTE:]IMAGE...",
    .summary = "Delete images (by alias or fingerprint prefix)",
    .min_args = 1,
    .max_args = -1,
    .exec = cmd_image_delete,
};

const struct lxf_cmd lxf_cmd_image_alias_create_entry = {
    .name = "image alias create",
    .usage = "[REMOTE:]ALIAS FINGERPRINT",
    .summary = "Create an image alias",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_image_alias_create,
};

const struct lxf_cmd lxf_cmd_image_alias_delete_entry = {
    .name = "image alias delete",
    .aliases = {"image alias rm"},
    .usage = "[REMOTE:]ALIAS",
    .summary = "Delete an image alias",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_image_alias_delete,
};

const struct lxf_cmd lxf_cmd_image_alias_list_entry = {
    .name = "image alias list",
    .aliases = {"image alias ls"},
    .usage = "[REMOTE:][FILTER] [-f FORMAT]",
    .summary = "List image aliases",
    .min_args = 0,
    .max_args = 1,
    .opts = {IMAGE_FMT_OPT},
    .exec = cmd_image_alias_list,
};
