/* SPDX-License-Identifier: Apache-2.0 */
/* lxf image info|export|edit (a generic verb) and image alias rename. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "list.h"
#include "obj.h"
#include "output.h"

static void img_time(FILE *f, struct json_object *img, const char *label, const char *key)
{
	char tmp[64];

	lxf_list_format_time(lxf_json_str(img, key), tmp, sizeof(tmp));
	fprintf(f, "    %s: %s\n", label, tmp[0] ? tmp : "never");
}

static int cmd_image_info(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	struct json_object *img, *v;
	struct lxf_obj_ref r = {0};
	struct lxf_err err = {0};
	char size[64];
	bool pub = false, cached = false, au = false;
	int64_t sz = 0;
	const char *ty;
	FILE *f = ctx->out;
	int st = LXF_EXIT_OK;

	if (lxf_obj_open_get(ctx, self->obj, args->argv[0], NULL, &r, &err) != 0) {
		st = lxf_obj_fail(self, ctx, &err);
		goto out;
	}
	img = r.o.full;
	(void)lxf_json_get_int(img, "size", false, &sz, NULL);
	(void)lxf_json_get_bool(img, "public", false, &pub, NULL);
	(void)lxf_json_get_bool(img, "cached", false, &cached, NULL);
	(void)lxf_json_get_bool(img, "auto_update", false, &au, NULL);
	lxf_output_size_iec(sz, size, sizeof(size));
	ty = lxf_json_str(img, "type");
	fprintf(f, "Fingerprint: %s\n", r.id);
	fprintf(f, "Size: %s\n", size);
	fprintf(f, "Architecture: %s\n",
		lxf_json_str(img, "architecture") ? lxf_json_str(img, "architecture") : "");
	fprintf(f, "Type: %s\n",
		ty && strcmp(ty, "virtual-machine") == 0 ? "virtual-machine" : "container");
	fprintf(f, "Public: %s\n", pub ? "yes" : "no");
	fputs("Timestamps:\n", f);
	img_time(f, img, "Created", "created_at");
	img_time(f, img, "Uploaded", "uploaded_at");
	img_time(f, img, "Expires", "expires_at");
	img_time(f, img, "Last used", "last_used_at");
	v = lxf_json_path(img, "properties");
	if (v && json_object_is_type(v, json_type_object)) {
		fputs("Properties:\n", f);
		json_object_object_foreach(v, k, pv)
		{
			fprintf(f, "    %s: %s\n", k, json_object_get_string(pv));
		}
	}
	fputs("Aliases:\n", f);
	v = lxf_json_path(img, "aliases");
	for (size_t i = 0;
	     v && json_object_is_type(v, json_type_array) && i < json_object_array_length(v); i++) {
		struct json_object *a = json_object_array_get_idx(v, i);
		const char *d = lxf_json_str(a, "description");

		fprintf(f, "    - %s%s%s\n", lxf_json_str(a, "name") ? lxf_json_str(a, "name") : "",
			d && *d ? " - " : "", d && *d ? d : "");
	}
	fprintf(f, "Cached: %s\n", cached ? "yes" : "no");
	fprintf(f, "Auto update: %s\n", au ? "enabled" : "disabled");
	v = lxf_json_path(img, "profiles");
	if (v && json_object_is_type(v, json_type_array)) {
		fputs("Profiles:\n", f);
		for (size_t i = 0; i < json_object_array_length(v); i++)
			fprintf(f, "    - %s\n",
				json_object_get_string(json_object_array_get_idx(v, i)));
	}
out:
	lxf_obj_ref_fini(&r);
	return st;
}

static int cmd_image_export(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	const char *target = args->argc > 1 ? args->argv[1] : ".";
	struct lxf_response resp = {0};
	struct lxf_obj_ref r = {0};
	struct lxf_err err = {0};
	char *dst = NULL, *tmp = NULL;
	struct stat st;
	int fd = -1, status = LXF_EXIT_OK;

	if (lxf_obj_open(ctx, self->obj, args->argv[0], NULL, &r, &err) != 0 ||
	    lxf_obj_path_add(&r, "/export", &err) != 0)
		goto fail;
	/* Stream into a temporary file, named once the server said what it is. */
	if (asprintf(&tmp, "%s/.lxf-export-XXXXXX",
		     stat(target, &st) == 0 && S_ISDIR(st.st_mode) ? target : ".") < 0) {
		tmp = NULL;
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		lxf_err_sys(&err, LXF_EIO, errno, "creating a file in %s", target);
		goto fail;
	}
	if (lxf_client_download(r.c, r.path, fd, &resp, &err) != 0)
		goto fail;
	if (!resp.streamed) {
		lxf_err_set(&err, LXF_EIO, "the server sent no image file");
		goto fail;
	}
	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t tl = strlen(target);

		if (asprintf(&dst, "%s%s%s%s", target, tl && target[tl - 1] == '/' ? "" : "/",
			     resp.filename[0] ? resp.filename : r.id,
			     resp.filename[0] ? "" : ".tar.gz") < 0)
			dst = NULL;
	} else {
		dst = strdup(target);
	}
	if (!dst) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (fchmod(fd, 0644) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
		fd = -1;
		lxf_err_sys(&err, LXF_EIO, errno, "writing %s", dst);
		goto fail;
	}
	fd = -1;
	free(tmp);
	tmp = NULL;
	if (!ctx->quiet)
		fprintf(ctx->out, "Image exported successfully to %s\n", dst);
	goto out;
fail:
	status = lxf_obj_fail(self, ctx, &err);
out:
	if (fd >= 0)
		(void)close(fd);
	if (tmp)
		(void)unlink(tmp);
	free(tmp);
	free(dst);
	lxf_response_fini(&resp);
	lxf_obj_ref_fini(&r);
	return status;
}

static int cmd_image_alias_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				  const struct lxf_cmd_args *args)
{
	struct json_object *body = json_object_new_object();
	struct lxf_obj_ref r = {0};
	struct lxf_err err = {0};
	char *to = NULL;
	int st = LXF_EXIT_OK;

	if (lxf_obj_open(ctx, self->obj, args->argv[0], NULL, &r, &err) != 0 ||
	    lxf_obj_same_remote(ctx, args->argv[0], args->argv[1], &to, &err) != 0)
		goto fail;
	if (!*to) {
		lxf_err_set(&err, LXF_EUSAGE, "empty new alias name");
		goto fail;
	}
	if (!body || lxf_json_add_str(body, "name", to) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (lxf_client_do(r.c, "POST", r.path, body, NULL, &err) == 0)
		goto out;
fail:
	st = lxf_obj_fail(self, ctx, &err);
out:
	json_object_put(body);
	lxf_obj_ref_fini(&r);
	free(to);
	return st;
}

const struct lxf_cmd lxf_cmd_image_info_entry =
    LXF_OBJ_ENTRY("image info", NULL, "[REMOTE:]IMAGE", "Show an image's properties", 1, 1,
		  cmd_image_info, &lxf_obj_image_desc);
const struct lxf_cmd lxf_cmd_image_export_entry =
    LXF_OBJ_ENTRY("image export", NULL, "[REMOTE:]IMAGE [TARGET]", "Download an image as a file", 1,
		  2, cmd_image_export, &lxf_obj_image_desc);
const struct lxf_cmd lxf_cmd_image_edit_entry =
    LXF_OBJ_ENTRY("image edit", NULL, "[REMOTE:]IMAGE",
		  "Edit an image's properties in $EDITOR (or from YAML on stdin)", 1, 1,
		  lxf_obj_edit_cmd, &lxf_obj_image_desc);
const struct lxf_cmd lxf_cmd_image_alias_rename_entry =
    LXF_OBJ_ENTRY("image alias rename", "image alias mv", "[REMOTE:]ALIAS NEW",
		  "Rename an image alias", 2, 2, cmd_image_alias_rename, &lxf_obj_image_alias_desc);
