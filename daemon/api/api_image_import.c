/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last step of an image upload (api_images.c) and of an image copy
 * from another server (api_image_copy.c): the checked tarball into the
 * image store and its row into the database. Both call down to it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "api.h"
#include "db.h"
#include "events.h"
#include "image.h"
#include "log.h"

static int64_t parse_date(struct json_object *v)
{
	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (json_object_is_type(v, json_type_string))
		return strtoll(json_object_get_string(v), NULL, 10);
	return 0;
}

/* Where a cached image came from (LXD's images_source): its update_source. */
static int add_source(const char *fp, struct json_object *src, struct lxf_err *err)
{
	const char *cert = lxf_json_str(src, "certificate"), *alias = lxf_json_str(src, "alias");

	return db_exec(
	    NULL, NULL, err,
	    "INSERT INTO image_sources (fingerprint, server, protocol, certificate, alias)"
	    " VALUES (?, ?, ?, ?, ?)",
	    "sssss", fp, lxf_json_str(src, "server"), lxf_json_str(src, "protocol"),
	    cert ? cert : "", alias ? alias : "");
}

int api_image_import(const struct api_img_in *in, struct json_object **md, struct lxf_err *err)
{
	struct json_object *properties = in->properties;
	struct json_object *meta = NULL, *props = NULL, *res = NULL;
	char fp[IMG_FP_LEN + 1] = "";
	int64_t size = 0;
	const char *arch;
	int ret;

	ret = img_import_split(lxfd_conf.dir, in->tmp, in->rootfs, in->want_fp, fp, &meta, &size,
			       err);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Image with same fingerprint already exists");
	if (ret < 0)
		goto out;
	arch = lxf_json_str(meta, "architecture");
	props = lxf_json_copy(json_object_object_get(meta, "properties"));
	if (!json_object_is_type(props, json_type_object)) {
		json_object_put(props);
		props = json_object_new_object();
	}
	if (properties) {
		json_object_object_foreach(properties, k, v)
		{
			json_object_object_add(props, k, lxf_json_copy(v));
		}
	}
	ret =
	    db_exec(NULL, NULL, err,
		    "INSERT INTO images (fingerprint, filename, size, architecture, created_at,"
		    " uploaded_at, properties, public, auto_update)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "ssisiijbb", fp, in->filename ? in->filename : "", size, arch ? arch : "x86_64",
		    parse_date(json_object_object_get(meta, "creation_date")), (int64_t)time(NULL),
		    props, (int)in->public, (int)(in->source != NULL));
	if (ret == 0 && in->source && (ret = add_source(fp, in->source, err)) < 0)
		(void)db_exec(NULL, NULL, NULL, "DELETE FROM images WHERE fingerprint = ?", "s",
			      fp);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Image with same fingerprint already exists");
	if (ret < 0) {
		if (ret != -LXF_EEXIST)
			img_remove(lxfd_conf.dir, fp, NULL);
		goto out;
	}
	lxf_info("Imported image %s (%lld bytes)", fp, (long long)size);
	events_lifecycle_at("image-created", "/1.0/images/", fp);
	res = json_object_new_object();
	lxf_json_add_str(res, "fingerprint", fp);
	json_object_object_add(res, "size", json_object_new_int64(size));
	*md = res;
out:
	json_object_put(meta);
	json_object_put(props);
	return ret;
}
