/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/storage-pools: lxfd has one pool, the directory "default"
 * (DIR/containers). Creating it again is accepted so that LXD preseeds
 * that name it apply; other pools and deleting it are refused.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "api.h"
#include "db.h"
#include "http.h"
#include "volume.h"

#define POOL_NAME "default"

static struct json_object *str_array(const char *s)
{
	struct json_object *a = json_object_new_array();

	if (a && s)
		json_object_array_add(a, json_object_new_string(s));
	return a;
}

static void pool_source(char *buf, size_t n)
{
	snprintf(buf, n, "%s/containers", lxfd_conf.dir);
}

/* Instances, profiles and custom volumes on the pool, as LXD lists them. */
static struct json_object *pool_used_by(void)
{
	struct json_object *rows = NULL, *used = json_object_new_array();

	if (!used)
		return NULL;
	if (db_exec(&rows, NULL, NULL,
		    "SELECT name FROM instances WHERE creating = 0 ORDER BY name", "") == 0) {
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			char url[128];
			instance_url(lxf_json_str(json_object_array_get_idx(rows, i), "name"), url,
				     sizeof(url));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	if (db_exec(&rows, NULL, NULL,
		    "SELECT name FROM profiles WHERE EXISTS (SELECT 1 FROM json_each(devices)"
		    " WHERE json_extract(value, '$.type') = 'disk'"
		    " AND json_extract(value, '$.pool') = ?) ORDER BY name",
		    "s", POOL_NAME) == 0) {
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			char url[320];
			snprintf(url, sizeof(url), "/1.0/profiles/%s",
				 lxf_json_str(json_object_array_get_idx(rows, i), "name"));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	rows = NULL;
	if (volume_list(&rows, NULL) == 0) {
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			char url[320];
			snprintf(url, sizeof(url),
				 "/1.0/storage-pools/" POOL_NAME "/volumes/custom/%s",
				 lxf_json_str(json_object_array_get_idx(rows, i), "name"));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	return used;
}

/* A restricted client gets the pool without its config (its host path), as from LXD. */
static struct json_object *pool_json(bool restricted)
{
	struct json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	struct json_object *used = pool_used_by();
	char path[PATH_MAX + 16];

	if (!o || !cfg || !used) {
		json_object_put(o);
		json_object_put(cfg);
		json_object_put(used);
		return NULL;
	}
	pool_source(path, sizeof(path));
	if (!restricted)
		lxf_json_add_str(cfg, "source", path);
	lxf_json_add_str(o, "name", POOL_NAME);
	lxf_json_add_str(o, "driver", "dir");
	lxf_json_add_str(o, "description", "");
	json_object_object_add(o, "config", cfg);
	json_object_object_add(o, "used_by", used);
	lxf_json_add_str(o, "status", "Created");
	json_object_object_add(o, "locations", str_array("none"));
	return o;
}

/* The editable part (ETag source): description and config. New reference. */
static struct json_object *pool_etag_src(struct json_object *pool)
{
	static const char *const keys[] = {"description", "config"};
	struct json_object *o = json_object_new_object();

	if (o)
		api_copy_fields(o, pool, keys, sizeof(keys) / sizeof(keys[0]));
	return o;
}

int api_pools_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *arr = json_object_new_array(), *p = NULL;

	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (api_recursion(req) > 0) {
		p = pool_json(req->level != AUTH_FULL);
		if (!p) {
			json_object_put(arr);
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		}
		json_object_array_add(arr, p);
	} else {
		json_object_array_add(arr, json_object_new_string("/1.0/storage-pools/" POOL_NAME));
	}
	return reply_sync(req, arr, err);
}

static int check_pool(struct http_req *req, struct lxf_err *err)
{
	if (strcmp(router_param(&req->match, "pool"), POOL_NAME) != 0)
		return lxf_err_set(err, LXF_ENOENT, "Storage pool not found");
	return 0;
}

int api_pool_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *o, *src;
	int ret = check_pool(req, err);

	if (ret < 0)
		return ret;
	o = pool_json(req->level != AUTH_FULL);
	src = o ? pool_etag_src(o) : NULL;
	return reply_sync_etag_of(req, o, src, err);
}

/*
 * POST /1.0/storage-pools. Only the pool that exists can be "created",
 * with driver dir and a source that is absent or its own directory: an
 * LXD preseed naming it must apply, anything else must not pretend.
 */
int api_pools_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body, *config = NULL;
	const char *name = NULL, *driver = NULL;
	char path[PATH_MAX + 16];
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "driver", true, &driver, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0)
		return -LXF_EINVAL;
	if (config && lxf_json_check_string_map(config, "config", err) < 0)
		return -LXF_EINVAL;
	if (strcmp(name, POOL_NAME) != 0)
		return lxf_err_set(err, LXF_EINVAL,
				   "Only the storage pool \"" POOL_NAME "\" is supported");
	if (strcmp(driver, "dir") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Storage driver \"%s\" is not supported",
				   driver);
	pool_source(path, sizeof(path));
	if (!config)
		return reply_sync_created(req, NULL, "/1.0/storage-pools/" POOL_NAME, err);
	json_object_object_foreach(config, k, v)
	{
		if (strcmp(k, "source") != 0)
			return lxf_err_set(err, LXF_EINVAL,
					   "Unknown storage pool config key \"%s\"", k);
		if (json_object_get_string(v)[0] && strcmp(json_object_get_string(v), path) != 0)
			return lxf_err_set(err, LXF_EINVAL,
					   "The pool \"" POOL_NAME "\" lives in %s", path);
	}
	return reply_sync_created(req, NULL, "/1.0/storage-pools/" POOL_NAME, err);
}

int api_pool_delete(struct http_req *req, struct lxf_err *err)
{
	int ret = check_pool(req, err);

	if (ret < 0)
		return ret;
	return lxf_err_set(err, LXF_EINVAL, "The storage pool \"" POOL_NAME "\" cannot be deleted");
}

/* GET /1.0/storage-pools/default/resources: LXD's StoragePoolResources. */
int api_pool_resources(struct http_req *req, struct lxf_err *err)
{
	struct json_object *o = NULL, *space = NULL, *inodes = NULL;
	char path[PATH_MAX + 16];
	struct statvfs sv;
	int ret = check_pool(req, err);

	if (ret < 0)
		return ret;
	pool_source(path, sizeof(path));
	if (statvfs(path, &sv) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot stat %s", path);
	o = json_object_new_object();
	space = json_object_new_object();
	inodes = json_object_new_object();
	if (!o || !space || !inodes) {
		json_object_put(o);
		json_object_put(space);
		json_object_put(inodes);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	json_object_object_add(
	    space, "used",
	    json_object_new_int64((int64_t)((sv.f_blocks - sv.f_bfree) * (uint64_t)sv.f_frsize)));
	json_object_object_add(
	    space, "total", json_object_new_int64((int64_t)(sv.f_blocks * (uint64_t)sv.f_frsize)));
	json_object_object_add(inodes, "used",
			       json_object_new_int64((int64_t)(sv.f_files - sv.f_ffree)));
	json_object_object_add(inodes, "total", json_object_new_int64((int64_t)sv.f_files));
	json_object_object_add(o, "space", space);
	json_object_object_add(o, "inodes", inodes);
	return reply_sync(req, o, err);
}
