/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/storage-pools/default/volumes: the pool's volumes as LXD 5.0's dir
 * driver lists them, one "container" volume per instance (its rootfs,
 * read only here) and the custom volumes (store/volume.c), which are
 * made, edited, renamed and deleted here and mounted into instances by
 * disk devices with pool and source. Volume CRUD is synchronous, as in
 * LXD 5.0 for a plain create.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "migrate.h"
#include "volume.h"

#define VOL_PREFIX "/1.0/storage-pools/" VOLUME_POOL "/volumes/"

enum vtype { VT_ALL, VT_CUSTOM, VT_CONTAINER };

/* The pool and the {type} of the path. */
static int route_type(struct http_req *req, enum vtype *t, struct lxf_err *err)
{
	const char *type = router_param(&req->match, "vtype");

	if (strcmp(router_param(&req->match, "pool"), VOLUME_POOL) != 0)
		return lxf_err_set(err, LXF_ENOENT, "Storage pool not found");
	*t = VT_ALL;
	if (!type)
		return 0;
	if (strcmp(type, "custom") == 0)
		*t = VT_CUSTOM;
	else if (strcmp(type, "container") == 0)
		*t = VT_CONTAINER;
	else if (strcmp(type, "image") == 0 || strcmp(type, "virtual-machine") == 0)
		return lxf_err_set(err, LXF_ENOENT, "Storage volume not found");
	else
		return lxf_err_set(err, LXF_EINVAL, "Invalid storage volume type \"%s\"", type);
	return 0;
}

/*
 * The volume's config as LXD shows it: the stored keys, and the id map its
 * files carry as LXD's volatile.idmap.last (JSON), which a copy to LXD
 * takes along (the client sends the source's config), so that LXD re-owns
 * the files for its containers. Never stored (volume.c drops it).
 */
static struct json_object *custom_config(struct json_object *row)
{
	struct json_object *c = lxf_json_copy(json_object_object_get(row, "config"));
	unsigned long ub, gb, count;
	char map[256];

	if (!c)
		return NULL;
	backend_volume_idmap(&ub, &gb, &count);
	snprintf(map, sizeof(map),
		 "[{\"Isuid\":true,\"Isgid\":false,\"Hostid\":%lu,\"Nsid\":0,\"Maprange\":%lu},"
		 "{\"Isuid\":false,\"Isgid\":true,\"Hostid\":%lu,\"Nsid\":0,\"Maprange\":%lu}]",
		 ub, count, gb, count);
	lxf_json_add_str(c, "volatile.idmap.last", map);
	return c;
}

/* The StorageVolume of a custom volume row. New reference, NULL when out of memory. */
static struct json_object *custom_json(struct json_object *row)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	lxf_json_add_str(o, "name", lxf_json_str(row, "name"));
	lxf_json_add_str(o, "description", lxf_json_str(row, "description"));
	lxf_json_add_str(o, "type", "custom");
	json_object_object_add(o, "config", custom_config(row));
	json_object_object_add(o, "used_by", volume_used_by(lxf_json_str(row, "name")));
	lxf_json_add_str(o, "location", "none");
	lxf_json_add_str(o, "content_type", "filesystem");
	api_add_time(o, row, "created_at");
	return o;
}

/* An instance's rootfs as LXD's dir driver shows it: a "container" volume. */
static struct json_object *container_json(struct json_object *row)
{
	struct json_object *o = json_object_new_object(), *used = json_object_new_array();
	char url[128];

	if (!o || !used) {
		json_object_put(o);
		json_object_put(used);
		return NULL;
	}
	instance_url(lxf_json_str(row, "name"), url, sizeof(url));
	json_object_array_add(used, json_object_new_string(url));
	lxf_json_add_str(o, "name", lxf_json_str(row, "name"));
	lxf_json_add_str(o, "description", "");
	lxf_json_add_str(o, "type", "container");
	json_object_object_add(o, "config", json_object_new_object());
	json_object_object_add(o, "used_by", used);
	lxf_json_add_str(o, "location", "none");
	lxf_json_add_str(o, "content_type", "filesystem");
	api_add_time(o, row, "created_at");
	return o;
}

static int add_rows(struct json_object *arr, struct json_object *rows, const char *type,
		    struct json_object *(*to_json)(struct json_object *), bool full)
{
	/* rows is NULL for a type the path left out. */
	for (size_t i = 0; rows && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *v;
		char url[512];

		if (full) {
			v = to_json(row);
		} else {
			snprintf(url, sizeof(url), VOL_PREFIX "%s/%s", type,
				 lxf_json_str(row, "name"));
			v = json_object_new_string(url);
		}
		if (!v || json_object_array_add(arr, v) < 0) {
			json_object_put(v);
			return -LXF_ENOMEM;
		}
	}
	return 0;
}

int api_volumes_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *arr = NULL, *insts = NULL, *vols = NULL;
	bool full = api_recursion(req) > 0;
	enum vtype t = VT_ALL;
	int ret = route_type(req, &t, err);

	if (ret < 0)
		return ret;
	if (t != VT_CUSTOM)
		ret = db_exec(&insts, NULL, err,
			      "SELECT name, created_at FROM instances WHERE creating = 0"
			      " ORDER BY name",
			      "");
	if (ret == 0 && t != VT_CONTAINER)
		ret = volume_list(&vols, err);
	if (ret == 0 && !(arr = json_object_new_array()))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret == 0 && (add_rows(arr, insts, "container", container_json, full) < 0 ||
			 add_rows(arr, vols, "custom", custom_json, full) < 0))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	json_object_put(insts);
	json_object_put(vols);
	if (ret < 0) {
		json_object_put(arr);
		return ret;
	}
	return reply_sync(req, arr, err);
}

/* POST .../volumes and .../volumes/custom: StorageVolumesPost of a new volume: empty, a
 * copy of one here (source.type "copy") or from another host ("migration"). */
int api_volumes_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *config = NULL, *source = NULL;
	const char *name = NULL, *type = NULL, *desc = NULL, *ctype = NULL, *stype = NULL;
	char url[320];
	enum vtype t = VT_ALL;
	int ret = route_type(req, &t, err);

	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "type", false, &type, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    lxf_json_get_string(body, "content_type", false, &ctype, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_object(body, "source", false, &source, err) < 0 ||
	    (source && lxf_json_get_string(source, "type", false, &stype, err) < 0))
		return -LXF_EINVAL;
	if ((type && *type && strcmp(type, "custom") != 0) || t == VT_CONTAINER)
		return lxf_err_set(err, LXF_EINVAL,
				   "Storage volume \"%s\": only custom volumes can be created",
				   name);
	if (ctype && *ctype && strcmp(ctype, "filesystem") != 0)
		return lxf_err_set(err, LXF_EINVAL,
				   "Storage volume \"%s\": content type \"%s\" is not supported"
				   " (only \"filesystem\")",
				   name, ctype);
	if (stype && strcmp(stype, "copy") == 0)
		return migrate_volume_copy_post(req, body, err);
	if (stype && strcmp(stype, "migration") == 0)
		return migrate_volume_target_post(req, body, err);
	if (stype && *stype)
		return lxf_err_set(err, LXF_ENOTSUP,
				   "Storage volume \"%s\": source type \"%s\" is not supported",
				   name, stype);
	ret = volume_create(name, desc, config, err);
	if (ret < 0)
		return ret;
	snprintf(url, sizeof(url), VOL_PREFIX "custom/%s", name);
	events_lifecycle("storage-volume-created", url, NULL);
	return reply_sync_created(req, NULL, url, err);
}

/* The custom volume of the path, or -LXF_EINVAL for the read-only types. */
static int path_custom(struct http_req *req, const char **name, bool write, struct lxf_err *err)
{
	enum vtype t = VT_ALL;
	int ret = route_type(req, &t, err);

	*name = router_param(&req->match, "vol");
	if (ret == 0 && write && t != VT_CUSTOM)
		ret = lxf_err_set(err, LXF_EINVAL,
				  "Storage volume \"%s\": only custom volumes can be changed here",
				  *name);
	return ret;
}

static struct json_object *etag_src(struct json_object *row)
{
	static const char *const keys[] = {"description", "config"};
	struct json_object *o = json_object_new_object();

	if (o)
		api_copy_fields(o, row, keys, sizeof(keys) / sizeof(keys[0]));
	return o;
}

int api_volume_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o, *src;
	const char *name = NULL;
	int ret = path_custom(req, &name, false, err);

	if (ret < 0)
		return ret;
	if (strcmp(router_param(&req->match, "vtype"), "container") == 0) {
		ret =
		    db_row(&row, "Storage volume", err,
			   "SELECT name, created_at FROM instances WHERE name = ? AND creating = 0",
			   "s", name);
		if (ret < 0)
			return ret;
		o = container_json(row);
	} else {
		ret = volume_get(name, &row, err);
		if (ret < 0)
			return ret;
		o = custom_json(row);
	}
	src = etag_src(o);
	json_object_put(row);
	return reply_sync_etag_of(req, o, src, err);
}

/* PUT replaces config and description, PATCH merges them (LXD's StorageVolumePut). */
int api_volume_update(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *row = NULL, *src = NULL, *config = NULL, *nconf = NULL;
	struct json_object *o;
	const char *name = NULL, *desc = NULL, *restore = NULL;
	const bool patch = api_is_patch(req);
	char url[320];
	int ret = path_custom(req, &name, true, err);

	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = volume_get(name, &row, err);
	if (ret < 0)
		return ret;
	/* The ETag of what GET showed (volatile keys included). */
	o = custom_json(row);
	src = o ? etag_src(o) : NULL;
	json_object_put(o);
	ret = src ? reply_check_if_match(req, src, err)
		  : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret == 0 && (lxf_json_get_object(body, "config", false, &config, err) < 0 ||
			 lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
			 lxf_json_get_string(body, "restore", false, &restore, err) < 0))
		ret = -LXF_EINVAL;
	if (ret < 0)
		goto out;
	if (!patch && restore && restore[0]) {
		ret = api_volume_restore(req, name, restore, err);
		goto out;
	}
	nconf = api_update_map(json_object_object_get(row, "config"), config, patch, false);
	if (!nconf) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (patch && !desc)
		desc = lxf_json_str(row, "description");
	ret = volume_update(name, desc, nconf, err);
	if (ret < 0)
		goto out;
	snprintf(url, sizeof(url), VOL_PREFIX "custom/%s", name);
	events_lifecycle("storage-volume-updated", url, NULL);
	ret = reply_sync(req, NULL, err);
out:
	json_object_put(row);
	json_object_put(src);
	json_object_put(nconf);
	return ret;
}

/* POST: a rename within the pool, or the source side of a migration (StorageVolumePost). */
int api_volume_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL;
	const char *name = NULL, *newname = NULL, *pool = NULL;
	json_bool migration = 0;
	char url[320];
	int ret = path_custom(req, &name, true, err);

	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &newname, err) < 0 ||
	    lxf_json_get_string(body, "pool", false, &pool, err) < 0)
		return -LXF_EINVAL;
	migration = json_object_get_boolean(json_object_object_get(body, "migration"));
	if (migration)
		return migrate_volume_source_post(req, name, body, err);
	if (pool && *pool && strcmp(pool, VOLUME_POOL) != 0)
		return lxf_err_set(err, LXF_ENOENT,
				   "Storage volume \"%s\": storage pool \"%s\" not found", name,
				   pool);
	ret = volume_rename(name, newname, err);
	if (ret < 0)
		return ret;
	snprintf(url, sizeof(url), VOL_PREFIX "custom/%s", newname);
	events_lifecycle("storage-volume-renamed", url, NULL);
	return reply_sync_created(req, NULL, url, err);
}

int api_volume_delete(struct http_req *req, struct lxf_err *err)
{
	const char *name = NULL;
	int ret = path_custom(req, &name, true, err);

	if (ret == 0)
		ret = volume_delete(name, err);
	if (ret < 0)
		return ret;
	events_lifecycle_at("storage-volume-deleted", VOL_PREFIX "custom/", name);
	return reply_sync(req, NULL, err);
}

/* GET .../state: StorageVolumeState, the space its files take (no quota: total -1). */
int api_volume_state(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o = NULL, *usage = NULL;
	const char *name = NULL;
	long long used;
	int ret = path_custom(req, &name, false, err);

	if (ret == 0 && strcmp(router_param(&req->match, "vtype"), "custom") != 0)
		ret = lxf_err_set(err, LXF_ENOTSUP, "Storage volume \"%s\": no state for its type",
				  name);
	if (ret == 0)
		ret = volume_get(name, &row, err);
	json_object_put(row);
	if (ret < 0)
		return ret;
	used = backend_volume_usage(name);
	o = json_object_new_object();
	usage = json_object_new_object();
	if (!o || !usage) {
		json_object_put(o);
		json_object_put(usage);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	json_object_object_add(usage, "used", json_object_new_int64(used < 0 ? 0 : used));
	json_object_object_add(usage, "total", json_object_new_int64(-1));
	json_object_object_add(o, "usage", usage);
	return reply_sync(req, o, err);
}
