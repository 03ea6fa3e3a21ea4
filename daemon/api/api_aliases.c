/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/images/aliases: name -> fingerprint, all synchronous as in LXD. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "http.h"

static struct json_object *alias_json(struct json_object *row)
{
	struct json_object *o = lxf_json_copy(row);

	if (o)
		lxf_json_add_str(o, "type", "container");
	return o;
}

static int get_alias(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Image alias", err,
		      "SELECT name, description, target FROM image_aliases WHERE name = ?", "s",
		      name);
}

int api_aliases_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *rows = NULL, *arr;
	int rec = api_recursion(req);
	int ret = db_exec(&rows, NULL, err,
			  "SELECT name, description, target FROM image_aliases ORDER BY name", "");

	if (ret < 0)
		return ret;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		char url[320];
		if (rec > 0) {
			json_object_array_add(arr, alias_json(row));
		} else {
			snprintf(url, sizeof(url), "/1.0/images/aliases/%s",
				 lxf_json_str(row, "name"));
			json_object_array_add(arr, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	return arr ? reply_sync(req, arr, err) : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
}

/* The full fingerprint of target (a prefix is accepted) into fp. */
static int resolve_target(const char *target, char *fp, size_t n, struct lxf_err *err)
{
	struct json_object *img = NULL;
	int ret;

	if (!target[0] || strlen(target) > 64 ||
	    strspn(target, "0123456789abcdef") != strlen(target))
		return lxf_err_set(err, LXF_EINVAL, "Invalid alias target \"%.80s\"", target);
	ret = db_image_resolve(target, &img, err);
	if (ret == 0)
		snprintf(fp, n, "%s", lxf_json_str(img, "fingerprint"));
	json_object_put(img);
	return ret;
}

int api_aliases_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body;
	const char *name = NULL, *target = NULL, *desc = "";
	char fp[80], url[320];
	int ret = api_body_object(req, &body, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "target", true, &target, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    router_check_object_name(name, "alias name", err) < 0)
		return -LXF_EINVAL;
	ret = resolve_target(target, fp, sizeof(fp), err);
	if (ret < 0)
		return ret;
	ret = db_exec(NULL, NULL, err,
		      "INSERT INTO image_aliases (name, target, description) VALUES (?, ?, ?)",
		      "sss", name, fp, desc ? desc : "");
	if (ret == -LXF_EEXIST)
		return lxf_err_set(err, LXF_EEXIST, "Alias \"%s\" already exists", name);
	if (ret < 0)
		return ret;
	snprintf(url, sizeof(url), "/1.0/images/aliases/%s", name);
	return reply_sync_created(req, NULL, url, err);
}

int api_alias_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o;
	int ret = get_alias(router_param(&req->match, "alias"), &row, err);

	if (ret < 0)
		return ret;
	o = alias_json(row);
	return reply_sync_etag_of(req, o, row, err);
}

int api_alias_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	const char *name = router_param(&req->match, "alias");
	struct json_object *body, *row = NULL;
	const char *target = NULL, *desc = NULL;
	char fp[80];
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = get_alias(name, &row, err);
	if (ret == 0)
		ret = reply_check_if_match(req, row, err);
	if (ret < 0)
		goto out;
	if (lxf_json_get_string(body, "target", !patch, &target, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	snprintf(fp, sizeof(fp), "%s", lxf_json_str(row, "target"));
	if (target) {
		ret = resolve_target(target, fp, sizeof(fp), err);
		if (ret < 0)
			goto out;
	}
	if (!desc)
		desc = patch ? lxf_json_str(row, "description") : "";
	ret = db_exec(NULL, NULL, err,
		      "UPDATE image_aliases SET target = ?, description = ? WHERE name = ?", "sss",
		      fp, desc ? desc : "", name);
	if (ret == 0)
		ret = reply_sync(req, NULL, err);
out:
	json_object_put(row);
	return ret;
}

int api_alias_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "alias"), *newname = NULL;
	struct json_object *body;
	char url[320];
	int changes = 0;
	int ret = api_body_object(req, &body, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &newname, err) < 0 ||
	    router_check_object_name(newname, "alias name", err) < 0)
		return -LXF_EINVAL;
	ret = db_exec(NULL, &changes, err, "UPDATE image_aliases SET name = ? WHERE name = ?", "ss",
		      newname, name);
	if (ret == -LXF_EEXIST)
		return lxf_err_set(err, LXF_EEXIST, "Alias \"%s\" already exists", newname);
	if (ret < 0)
		return ret;
	if (changes == 0)
		return lxf_err_set(err, LXF_ENOENT, "Image alias not found");
	snprintf(url, sizeof(url), "/1.0/images/aliases/%s", newname);
	return reply_sync_created(req, NULL, url, err);
}

int api_alias_delete(struct http_req *req, struct lxf_err *err)
{
	int changes = 0;
	int ret = db_exec(NULL, &changes, err, "DELETE FROM image_aliases WHERE name = ?", "s",
			  router_param(&req->match, "alias"));

	if (ret < 0)
		return ret;
	if (changes == 0)
		return lxf_err_set(err, LXF_ENOENT, "Image alias not found");
	return reply_sync(req, NULL, err);
}
