/* SPDX-License-Identifier: Apache-2.0 */
/* lxf image info|export; edit and alias rename are generic verbs (obj-verbs.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "file.h"
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

static int img_info(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *img = r->o.full, *v;
	char size[64];
	bool pub = false, cached = false, au = false;
	int64_t sz = 0;
	const char *ty;
	FILE *f = ctx->out;

	(void)self;
	(void)args;
	(void)err;
	(void)lxf_json_get_int(img, "size", false, &sz, NULL);
	(void)lxf_json_get_bool(img, "public", false, &pub, NULL);
	(void)lxf_json_get_bool(img, "cached", false, &cached, NULL);
	(void)lxf_json_get_bool(img, "auto_update", false, &au, NULL);
	lxf_output_size_iec(sz, size, sizeof(size));
	ty = lxf_json_str(img, "type");
	fprintf(f, "Fingerprint: %s\n", r->id);
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
	return 0;
}

static int img_export(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		      const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	const char *target = args->argc > 1 ? args->argv[1] : ".";
	struct lxf_file_tmp tmp = {-1, NULL};
	struct lxf_response resp = {0};
	char *dst = NULL;
	struct stat st;
	bool into_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	int rc;

	(void)self;
	rc = lxf_obj_path_add(r, "/export", err);
	if (rc)
		goto out;
	/* Stream into a temporary file, named once the server said what it is. */
	if (lxf_file_tmp_open(&tmp, "%s/.lxf-export-", into_dir ? target : ".") != 0) {
		rc = errno == ENOMEM
			 ? lxf_err_set(err, LXF_ENOMEM, "out of memory")
			 : lxf_err_sys(err, LXF_EIO, errno, "creating a file in %s", target);
		goto out;
	}
	rc = lxf_client_download(r->c, r->path, tmp.fd, &resp, err);
	if (rc)
		goto out;
	if (!resp.streamed) {
		rc = lxf_err_set(err, LXF_EIO, "the server sent no image file");
		goto out;
	}
	if (into_dir) {
		size_t tl = strlen(target);

		if (asprintf(&dst, "%s%s%s%s", target, tl && target[tl - 1] == '/' ? "" : "/",
			     resp.filename[0] ? resp.filename : r->id,
			     resp.filename[0] ? "" : ".tar.gz") < 0)
			dst = NULL;
	} else {
		dst = strdup(target);
	}
	if (!dst) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (lxf_file_tmp_commit(&tmp, 0644, dst) != 0) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "writing %s", dst);
		goto out;
	}
	if (!ctx->quiet)
		fprintf(ctx->out, "Image exported successfully to %s\n", dst);
out:
	lxf_file_tmp_fini(&tmp);
	free(dst);
	lxf_response_fini(&resp);
	return rc;
}

LXF_OBJ_EXEC(cmd_image_info, 0, img_info)
LXF_OBJ_EXEC(cmd_image_export, LXF_OBJ_RUN_NOGET, img_export)

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
		  "Rename an image alias", 2, 2, lxf_obj_rename, &lxf_obj_image_alias_desc);
