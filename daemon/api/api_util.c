/* SPDX-License-Identifier: Apache-2.0 */
/* Request helpers and the async reply shared by the handlers. */
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

int api_token_async(struct http_req *req, const char *description, struct json_object *md,
		    struct op **op, struct lxf_err *err)
{
	int ret;

	*op = op_new_token(description, md, err);
	if (!*op)
		return -err->code;
	ret = api_async(req, *op, err);
	if (ret < 0) {
		op_token_finish(*op);
		op_unref(*op);
		*op = NULL;
	}
	return ret;
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
	struct json_object *map = patch && old ? lxf_json_copy(old) : json_object_new_object();

	if (!map || !changes)
		return map;
	json_object_object_foreach(changes, k, v)
	{
		const char *s = json_object_get_string(v);

		if (unset_empty && s && !s[0])
			json_object_object_del(map, k);
		else
			json_object_object_add(map, k, lxf_json_copy(v));
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

void api_copy_fields(struct json_object *o, struct json_object *row, const char *const *keys,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, keys[i],
				       lxf_json_copy(json_object_object_get(row, keys[i])));
}

void api_add_time(struct json_object *o, struct json_object *row, const char *key)
{
	json_object_object_add(
	    o, key, reply_time_json(json_object_get_int64(json_object_object_get(row, key))));
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
