/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf image import|list|delete and image alias create|delete|list, plus
 * the alias-or-fingerprint resolution shared with launch. List and delete
 * are the generic object verbs (obj-verbs.c) on the descriptors here.
 */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "obj.h"

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

	if (args->argc == 2 &&
	    lxf_remotes_parse_arg(ctx->remotes, args->argv[1], &remote, &rest, &err) != 0)
		goto fail;
	if (rest && *rest) {
		lxf_err_set(&err, LXF_EUSAGE, "expected REMOTE: as the second argument, got '%s'",
			    args->argv[1]);
		goto fail;
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
	st = lxf_cmd_error(self, ctx, &err);
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

/* image list [REMOTE:][FILTER]: a fingerprint prefix or part of an alias. */
static bool img_keep(struct json_object *img, const char *filter)
{
	const char *fp = lxf_json_str(img, "fingerprint");
	char *aliases;
	bool keep;

	if (!fp)
		return false;
	if (!*filter || strncmp(fp, filter, strlen(filter)) == 0)
		return true;
	aliases = cmd_image_aliases(img);
	keep = aliases && strstr(aliases, filter);
	free(aliases);
	return keep;
}

/* image alias list [REMOTE:][FILTER]: a name prefix. */
static bool alias_keep(struct json_object *a, const char *filter)
{
	const char *n = lxf_json_str(a, "name");

	return n && strncmp(n, filter, strlen(filter)) == 0;
}

const struct lxf_obj_desc lxf_obj_image_desc = {
    .collection = "images",
    .keys = lxf_obj_image_keys,
    .flags = LXF_OBJ_DEL_STOP | LXF_OBJ_FILTER,
    .cols = {{"ALIAS", LXF_CELL_FN, .fn = cmd_image_aliases},
	     {"FINGERPRINT", LXF_CELL_SHORT, "fingerprint"},
	     {"PUBLIC", LXF_CELL_yes_no, "public"},
	     {"DESCRIPTION", LXF_CELL_STR, "description", "properties"},
	     {"ARCHITECTURE", LXF_CELL_STR, "architecture"},
	     {"TYPE", LXF_CELL_KIND, "type"},
	     {"SIZE", LXF_CELL_SIZE, "size"},
	     {"UPLOAD DATE", LXF_CELL_TIME, "uploaded_at"}},
    .keep = img_keep,
    .resolve = lxf_cmd_image_resolve,
};

const struct lxf_obj_desc lxf_obj_image_alias_desc = {
    .collection = "images/aliases",
    .flags = LXF_OBJ_FILTER,
    .cols = {{"ALIAS", LXF_CELL_STR, "name"},
	     {"FINGERPRINT", LXF_CELL_SHORT, "target"},
	     {"TYPE", LXF_CELL_KIND, "type"},
	     {"DESCRIPTION", LXF_CELL_STR, "description"}},
    .keep = alias_keep,
};

static int cmd_image_alias_create(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				  const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	char *fp = NULL;
	int st = LXF_EXIT_OK;

	if (lxf_cmd_image_resolve(args->client, args->argv[1], &fp, &err) != 0 ||
	    cmd_alias_add(args->client, args->name, fp, &err) != 0)
		st = lxf_cmd_error(self, ctx, &err);
	free(fp);
	return st;
}

const struct lxf_cmd lxf_cmd_image_import_entry = LXF_OBJ_ENTRY_OPTS(
    "image import", NULL, "FILE [REMOTE:] [--alias ALIAS]... [--public]",
    "Import a unified image tarball", 1, 2, cmd_image_import, &lxf_obj_image_desc,
    {"alias", LXF_OPT_ALIAS, required_argument, "ALIAS", "Alias for the new image"},
    {"public", LXF_OPT_PUBLIC, no_argument, NULL, "Make the image public"});
const struct lxf_cmd lxf_cmd_image_list_entry = LXF_OBJ_FLEET_LIST_ENTRY(
    "image", "[REMOTE:[FILTER]...] [FILTER...]",
    "List the images of every remote (or of the named ones)", &lxf_obj_image_desc);
const struct lxf_cmd lxf_cmd_image_delete_entry = LXF_OBJ_ENTRY(
    "image delete", "image rm", "[REMOTE:]IMAGE...",
    "Delete images (by alias or fingerprint prefix)", 1, -1, lxf_obj_delete, &lxf_obj_image_desc);
const struct lxf_cmd lxf_cmd_image_alias_create_entry = LXF_CMD_ENTRY_OBJ(
    "image alias create", NULL, "[REMOTE:]ALIAS FINGERPRINT", "Create an image alias", 2, 2,
    LXF_CMD_T_INSTANCE, 0, cmd_image_alias_create, &lxf_obj_image_alias_desc, {0});
const struct lxf_cmd lxf_cmd_image_alias_delete_entry =
    LXF_OBJ_ENTRY("image alias delete", "image alias rm", "[REMOTE:]ALIAS", "Delete an image alias",
		  1, 1, lxf_obj_delete, &lxf_obj_image_alias_desc);
const struct lxf_cmd lxf_cmd_image_alias_list_entry = LXF_OBJ_LIST_ENTRY(
    "image alias", "[REMOTE:][FILTER]", "List image aliases", &lxf_obj_image_alias_desc);
