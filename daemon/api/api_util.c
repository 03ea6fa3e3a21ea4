/* SPDX-License-Identifier: Apache-2.0 */
/* Request helpers, the async reply and profile expansion shared by the handlers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "op.h"

int api_async(struct http_req *req, struct op *op, struct lxf_err *err)
{
	char url[64];
	struct json_object *o = op_to_json(op);

	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	op_url(op, url, sizeof(url));
	return reply_async(req, o, url, err);
}

int api_body_object(const struct http_req *req, struct json_object **o, struct lxf_err *err)
{
	if (!json_object_is_type(req->json, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "The request body must be a JSON object");
	*o = req->json;
	return 0;
}

bool api_is_patch(const struct http_req *req)
{
	return req->match.route && req->match.route->method == ROUTE_PATCH;
}

struct json_object *api_update_map(struct json_object *old, struct json_object *changes, bool patch,
				   bool unset_empty)
{
	struct json_object *map = patch && old ? api_copy(old) : json_object_new_object();

	if (!map || !changes)
		return map;
	json_object_object_foreach(changes, k, v)
	{
		const char *s = json_object_get_string(v);

		if (unset_empty && s && !s[0])
			json_object_object_del(map, k);
		else
			json_object_object_add(map, k, api_copy(v));
	}
	return map;
}

void api_update_row(struct json_object *row, struct json_object *config,
		    struct json_object *devices, const char *desc, bool patch)
{
	json_object_object_add(
	    row, "config",
	    api_update_map(json_object_object_get(row, "config"), config, patch, false));
	json_object_object_add(
	    row, "devices",
	    api_update_map(json_object_object_get(row, "devices"), devices, patch, false));
	if (desc || !patch)
		lxf_json_add_str(row, "description", desc ? desc : "");
}

int api_recursion(const struct http_req *req)
{
	char buf[8];
	const char *v = http_query(req, "recursion", buf, sizeof(buf));

	if (!v)
		return 0;
	if (strcmp(v, "1") == 0)
		return 1;
	if (strcmp(v, "2") == 0)
		return 2;
	return 0;
}

int api_check_devices(struct json_object *devices, struct lxf_err *err)
{
	if (!json_object_is_type(devices, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "'devices' must be an object");
	json_object_object_foreach(devices, name, dev)
	{
		char what[96];
		if (router_check_object_name(name, "device name", err) < 0)
			return -LXF_EINVAL;
		snprintf(what, sizeof(what), "device \"%s\"", name);
		if (lxf_json_check_string_map(dev, what, err) < 0)
			return -LXF_EINVAL;
		if (!lxf_json_str(dev, "type") || !lxf_json_str(dev, "type")[0])
			return lxf_err_set(err, LXF_EINVAL, "Device \"%s\" has no type", name);
	}
	return 0;
}

int api_check_fields(struct json_object *config, struct json_object *devices,
		     struct json_object *profiles, struct lxf_err *err)
{
	if (config && lxf_json_check_string_map(config, "config", err) < 0)
		return -LXF_EINVAL;
	if (devices && api_check_devices(devices, err) < 0)
		return -LXF_EINVAL;
	for (size_t i = 0; profiles && i < json_object_array_length(profiles); i++)
		if (!json_object_is_type(json_object_array_get_idx(profiles, i), json_type_string))
			return lxf_err_set(err, LXF_EINVAL, "'profiles' must be a list of names");
	return 0;
}

struct json_object *api_copy(struct json_object *o)
{
	struct json_object *c = NULL;

	if (!o)
		return NULL;
	if (json_object_deep_copy(o, &c, NULL) < 0)
		return NULL;
	return c;
}

void api_copy_fields(struct json_object *o, struct json_object *row, const char *const *keys,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, keys[i], api_copy(json_object_object_get(row, keys[i])));
}

void api_add_time(struct json_object *o, struct json_object *row, const char *key)
{
	json_object_object_add(
	    o, key, reply_time_json(json_object_get_int64(json_object_object_get(row, key))));
}

static void merge_into(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, k, v)
	{
		json_object_object_add(dst, k, api_copy(v));
	}
}

int api_expand(struct json_object *profiles, struct json_object *config,
	       struct json_object *devices, struct json_object **exp_config,
	       struct json_object **exp_devices, struct lxf_err *err)
{
	return api_expand_in(NULL, profiles, config, devices, exp_config, exp_devices, err);
}

int api_expand_row(struct json_object *row, struct json_object **exp_config,
		   struct json_object **exp_devices, struct lxf_err *err)
{
	return api_expand(json_object_object_get(row, "profiles"),
			  json_object_object_get(row, "config"),
			  json_object_object_get(row, "devices"), exp_config, exp_devices, err);
}

int api_expand_in(struct json_object *pmap, struct json_object *profiles,
		  struct json_object *config, struct json_object *devices,
		  struct json_object **exp_config, struct json_object **exp_devices,
		  struct lxf_err *err)
{
	struct json_object *c = json_object_new_object(), *d = json_object_new_object();
	struct json_object *row = NULL;
	int ret = 0;

	*exp_config = *exp_devices = NULL;
	if (!c || !d) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	for (size_t i = 0; profiles && i < json_object_array_length(profiles); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(profiles, i));
		/*
		 * pmap's rows are borrowed, never referenced: list threads share
		 * them, and json-c's reference counts are not atomic.
		 */
		if (pmap) {
			row = json_object_object_get(pmap, name ? name : "");
			ret = row ? 0 : lxf_err_set(err, LXF_ENOENT, "Profile not found");
		} else {
			ret = db_row(&row, "Profile", err, "SELECT * FROM profiles WHERE name = ?",
				     "s", name ? name : "");
		}
		if (ret < 0) {
			if (ret == -LXF_ENOENT)
				lxf_err_set(err, LXF_ENOENT, "Profile \"%s\" not found", name);
			goto out;
		}
		merge_into(c, json_object_object_get(row, "config"));
		merge_into(d, json_object_object_get(row, "devices"));
		if (!pmap)
			json_object_put(row);
		row = NULL;
	}
	if (config)
		merge_into(c, config);
	if (devices)
		merge_into(d, devices);
	*exp_config = c;
	*exp_devices = d;
	c = d = NULL;
out:
	json_object_put(c);
	json_object_put(d);
	return ret;
}

void api_instance_url(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "/1.0/instances/%s", name);
}

int api_list_rows(struct http_req *req, struct json_object *rows, const char *prefix,
		  const char *key, struct json_object *(*to_json)(struct json_object *row),
		  struct lxf_err *err)
{
	int rec = api_recursion(req);
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		char url[512];

		if (rec > 0) {
			json_object_array_add(arr, to_json(row));
		} else {
			snprintf(url, sizeof(url), "%s%s", prefix, lxf_json_str(row, key));
			json_object_array_add(arr, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	return arr ? reply_sync(req, arr, err) : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
}
