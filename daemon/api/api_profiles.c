/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/profiles: synchronous CRUD; edits are pushed to the instances using the profile. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "log.h"

#define USERS_SQL                                                                                  \
	"SELECT * FROM instances WHERE creating = 0 AND EXISTS"                                    \
	" (SELECT 1 FROM json_each(instances.profiles) WHERE value = ?) ORDER BY name"

static int get_profile(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Profile", err, "SELECT * FROM profiles WHERE name = ?", "s", name);
}

static struct json_object *profile_json(struct json_object *row)
{
	struct json_object *o = lxf_json_copy(row), *users = NULL, *used = json_object_new_array();

	if (!o || !used) {
		json_object_put(o);
		json_object_put(used);
		return NULL;
	}
	if (db_exec(&users, NULL, NULL, USERS_SQL, "s", lxf_json_str(row, "name")) == 0) {
		for (size_t i = 0; i < json_object_array_length(users); i++) {
			char url[128];
			instance_url(lxf_json_str(json_object_array_get_idx(users, i), "name"), url,
				     sizeof(url));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
	json_object_put(users);
	json_object_object_add(o, "used_by", used);
	return o;
}

static struct json_object *etag_src(struct json_object *row)
{
	struct json_object *o = lxf_json_copy(row);

	if (o)
		json_object_object_del(o, "name");
	return o;
}

int api_profiles_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_exec(&rows, NULL, err, "SELECT * FROM profiles ORDER BY name", "");

	if (ret < 0)
		return ret;
	return api_list_rows(req, rows, "/1.0/profiles/", "name", profile_json, err);
}

/* config, devices and description of body, checked. Borrowed. */
static int read_fields(struct json_object *body, struct json_object **config,
		       struct json_object **devices, const char **desc, struct lxf_err *err)
{
	if (lxf_json_get_object(body, "config", false, config, err) < 0 ||
	    lxf_json_get_object(body, "devices", false, devices, err) < 0 ||
	    lxf_json_get_string(body, "description", false, desc, err) < 0)
		return -LXF_EINVAL;
	return instance_check_fields(*config, *devices, NULL, err);
}

int api_profiles_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body, *config = NULL, *devices = NULL, *empty;
	const char *name = NULL, *desc = NULL;
	char url[320];
	int ret = api_body_object(req, &body, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    router_check_object_name(name, "profile name", err) < 0 ||
	    read_fields(body, &config, &devices, &desc, err) < 0)
		return -LXF_EINVAL;
	if (!(empty = json_object_new_object()))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ret = db_exec(
	    NULL, NULL, err,
	    "INSERT INTO profiles (name, description, config, devices) VALUES (?, ?, ?, ?)", "ssjj",
	    name, desc ? desc : "", config ? config : empty, devices ? devices : empty);
	json_object_put(empty);
	if (ret == -LXF_EEXIST)
		return lxf_err_set(err, LXF_EEXIST, "Profile \"%s\" already exists", name);
	if (ret < 0)
		return ret;
	snprintf(url, sizeof(url), "/1.0/profiles/%s", name);
	events_lifecycle("profile-created", url, NULL);
	return reply_sync_created(req, NULL, url, err);
}

int api_profile_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o, *src;
	int ret = get_profile(router_param(&req->match, "profile"), &row, err);

	if (ret < 0)
		return ret;
	o = profile_json(row);
	src = etag_src(row);
	json_object_put(row);
	return reply_sync_etag_of(req, o, src, err);
}

/* Pushes the profile's current content to every instance using it. */
static int apply_to_users(const char *name, struct lxf_err *err)
{
	struct json_object *users = NULL;
	int ret = db_exec(&users, NULL, err, USERS_SQL, "s", name);

	for (size_t i = 0; ret == 0 && i < json_object_array_length(users); i++) {
		struct json_object *row = json_object_array_get_idx(users, i), *ec = NULL,
				   *ed = NULL;
		const char *iname = lxf_json_str(row, "name");
		ret = instance_expand_row(row, &ec, &ed, err);
		if (ret == 0 && backend_status(iname))
			ret = backend_update(iname, ec, ed, err);
		if (ret < 0)
			lxf_err_prefix(err, "Instance \"%s\"", iname);
		json_object_put(ec);
		json_object_put(ed);
	}
	json_object_put(users);
	return ret;
}

static int store(const char *name, struct json_object *row, struct lxf_err *err)
{
	return db_exec(
	    NULL, NULL, err,
	    "UPDATE profiles SET description = ?, config = ?, devices = ? WHERE name = ?", "sjjs",
	    lxf_json_str(row, "description") ? lxf_json_str(row, "description") : "",
	    json_object_object_get(row, "config"), json_object_object_get(row, "devices"), name);
}

int api_profile_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	const char *name = router_param(&req->match, "profile"), *desc = NULL;
	struct json_object *body, *row = NULL, *src = NULL, *nrow = NULL;
	struct json_object *config = NULL, *devices = NULL;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = get_profile(name, &row, err);
	if (ret < 0)
		return ret;
	src = etag_src(row);
	ret = reply_check_if_match(req, src, err);
	if (ret == 0)
		ret = read_fields(body, &config, &devices, &desc, err);
	if (ret < 0)
		goto out;
	nrow = lxf_json_copy(row);
	if (nrow)
		api_update_row(nrow, config, devices, desc, patch);
	/* Store, push to the instances; if one refuses, put everything back. */
	db_lock();
	ret = store(name, nrow, err);
	if (ret == 0 && (ret = apply_to_users(name, err)) < 0) {
		struct lxf_err ignored;
		store(name, row, &ignored);
		apply_to_users(name, &ignored);
	}
	db_unlock();
	if (ret == 0)
		ret = reply_sync(req, NULL, err);
out:
	json_object_put(row);
	json_object_put(nrow);
	json_object_put(src);
	return ret;
}

int api_profile_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "profile"), *newname = NULL;
	struct json_object *body, *row = NULL;
	char url[320];
	int ret = api_body_object(req, &body, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &newname, err) < 0 ||
	    router_check_object_name(newname, "profile name", err) < 0)
		return -LXF_EINVAL;
	ret = get_profile(name, &row, err);
	json_object_put(row);
	if (ret < 0)
		return ret;
	if (strcmp(name, "default") == 0)
		return lxf_err_set(err, LXF_EPERM, "The \"default\" profile cannot be renamed");
	ret = db_begin(err);
	if (ret < 0)
		return ret;
	ret = db_exec(NULL, NULL, err, "UPDATE profiles SET name = ? WHERE name = ?", "ss", newname,
		      name);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Profile \"%s\" already exists", newname);
	/* Instances keep their profile list in order: rename in place. */
	if (ret == 0)
		ret = db_exec(NULL, NULL, err,
			      "UPDATE instances SET profiles = (SELECT json_group_array("
			      "CASE WHEN value = ?1 THEN ?2 ELSE value END) FROM"
			      " (SELECT value FROM json_each(instances.profiles) ORDER BY key))"
			      " WHERE EXISTS (SELECT 1 FROM json_each(instances.profiles)"
			      " WHERE value = ?1)",
			      "ss", name, newname);
	if (ret < 0) {
		db_rollback();
		return ret;
	}
	ret = db_commit(err);
	if (ret < 0)
		return ret;
	snprintf(url, sizeof(url), "/1.0/profiles/%s", newname);
	events_lifecycle("profile-renamed", url, NULL);
	return reply_sync_created(req, NULL, url, err);
}

int api_profile_delete(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "profile");
	struct json_object *row = NULL, *users = NULL;
	int ret = get_profile(name, &row, err);

	json_object_put(row);
	if (ret < 0)
		return ret;
	if (strcmp(name, "default") == 0)
		return lxf_err_set(err, LXF_EPERM, "The \"default\" profile cannot be deleted");
	db_lock();
	ret = db_exec(&users, NULL, err, USERS_SQL, "s", name);
	if (ret == 0 && json_object_array_length(users) > 0)
		ret = lxf_err_set(err, LXF_EINVAL, "Profile is currently in use");
	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "DELETE FROM profiles WHERE name = ?", "s", name);
	db_unlock();
	json_object_put(users);
	if (ret < 0)
		return ret;
	events_lifecycle_at("profile-deleted", "/1.0/profiles/", name);
	return reply_sync(req, NULL, err);
}
