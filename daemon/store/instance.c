/* SPDX-License-Identifier: Apache-2.0 */
/* Instance body checks, profile expansion and the reservation of new instances. */
#include "instance.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "backend.h"
#include "db.h"
#include "json.h"
#include "router.h"
#include "volume.h"

int instance_check_devices(struct json_object *devices, struct lxf_err *err)
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
	return volume_check_devices(devices, err);
}

int instance_check_fields(struct json_object *config, struct json_object *devices,
			  struct json_object *profiles, struct lxf_err *err)
{
	if (config && lxf_json_check_string_map(config, "config", err) < 0)
		return -LXF_EINVAL;
	if (devices && instance_check_devices(devices, err) < 0)
		return -LXF_EINVAL;
	for (size_t i = 0; profiles && i < json_object_array_length(profiles); i++)
		if (!json_object_is_type(json_object_array_get_idx(profiles, i), json_type_string))
			return lxf_err_set(err, LXF_EINVAL, "'profiles' must be a list of names");
	return 0;
}

static void merge_into(struct json_object *dst, struct json_object *src)
{
	json_object_object_foreach(src, k, v)
	{
		json_object_object_add(dst, k, lxf_json_copy(v));
	}
}

int instance_expand(struct json_object *profiles, struct json_object *config,
		    struct json_object *devices, struct json_object **exp_config,
		    struct json_object **exp_devices, struct lxf_err *err)
{
	return instance_expand_in(NULL, profiles, config, devices, exp_config, exp_devices, err);
}

int instance_expand_row(struct json_object *row, struct json_object **exp_config,
			struct json_object **exp_devices, struct lxf_err *err)
{
	return instance_expand(
	    json_object_object_get(row, "profiles"), json_object_object_get(row, "config"),
	    json_object_object_get(row, "devices"), exp_config, exp_devices, err);
}

int instance_expand_in(struct json_object *pmap, struct json_object *profiles,
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

void instance_url(const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "/1.0/instances/%s", name);
}

int instance_create(const struct instance_new *ni, struct lxf_err *err)
{
	struct json_object *empty = json_object_new_object();
	int ret;

	char uuid[37];

	if (!empty)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (backend_status(ni->name)) {
		ret = lxf_err_set(err, LXF_EEXIST, "Instance \"%s\" already exists", ni->name);
		goto out;
	}
	ret = db_exec(
	    NULL, NULL, err,
	    "INSERT INTO instances (name, description, architecture, config, devices,"
	    " profiles, ephemeral, created_at, creating) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
	    "sssjjjbi", ni->name, ni->description ? ni->description : "",
	    ni->architecture ? ni->architecture : "x86_64", ni->config ? ni->config : empty,
	    ni->devices ? ni->devices : empty, ni->profiles, (int)ni->ephemeral,
	    (int64_t)time(NULL));
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Instance \"%s\" already exists", ni->name);
	/* Every instance has its UUID from creation on, as in LXD. */
	instance_new_uuid(uuid);
	if (ret == 0)
		ret = instance_set_key(ni->name, "volatile.uuid", uuid, true, err);
out:
	json_object_put(empty);
	return ret;
}

void instance_create_undo(const char *name)
{
	db_exec(NULL, NULL, NULL, "DELETE FROM instances WHERE name = ?", "s", name);
}

int instance_set_key(const char *name, const char *key, const char *value, bool only_if_unset,
		     struct lxf_err *err)
{
	char path[128];

	/* A JSON path with the key quoted: volatile keys hold dots. */
	if (strchr(key, '"') || snprintf(path, sizeof(path), "$.\"%s\"", key) >= (int)sizeof(path))
		return lxf_err_set(err, LXF_EINVAL, "Bad config key '%s'", key);
	if (!value)
		return db_exec(
		    NULL, NULL, err,
		    "UPDATE instances SET config = json_remove(config, ?) WHERE name = ?", "ss",
		    path, name);
	return db_exec(NULL, NULL, err,
		       only_if_unset ? "UPDATE instances SET config = json_insert(config, ?, ?)"
				       " WHERE name = ?"
				     : "UPDATE instances SET config = json_set(config, ?, ?)"
				       " WHERE name = ?",
		       "sss", path, value, name);
}

void instance_new_uuid(char buf[37])
{
	unsigned char b[16] = {0};

	/* getrandom blocks only before the pool is seeded, long past at daemon
	 * time; 16 bytes are never cut short. */
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		memset(b, 0, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}
