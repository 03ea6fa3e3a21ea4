/* SPDX-License-Identifier: Apache-2.0 */
/* Custom storage volumes: rows, their users, crash-safe create/rename/delete. */
#include "volume.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "backend.h"
#include "db.h"
#include "instance.h"
#include "journal.h"
#include "json.h"
#include "log.h"

/* A disk device of a devices map (column or profile's) that mounts volume ?1. */
#define HAS_VOL(map)                                                                               \
	"EXISTS (SELECT 1 FROM json_each(" map ") WHERE json_extract(value, '$.type') = 'disk'"    \
	" AND json_extract(value, '$.pool') = '" VOLUME_POOL "'"                                   \
	" AND json_extract(value, '$.source') = ?1"                                                \
	" AND json_extract(value, '$.path') != '/')"

static const char users_sql[] =
    "SELECT '/1.0/instances/' || name AS url FROM instances WHERE creating = 0 AND"
    " (" HAS_VOL(
	"instances.devices") " OR EXISTS (SELECT 1 FROM json_each(instances.profiles) p"
			     " JOIN profiles ON profiles.name = p.value WHERE " HAS_VOL(
				 "profiles.devices") "))"
						     " UNION ALL SELECT '/1.0/profiles/' || name "
						     "FROM profiles WHERE " HAS_VOL(
							 "profiles.devices");

int volume_get(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Storage volume", err,
		      "SELECT * FROM storage_volumes WHERE name = ? AND creating = 0", "s", name);
}

int volume_list(struct json_object **rows, struct lxf_err *err)
{
	return db_exec(rows, NULL, err,
		       "SELECT * FROM storage_volumes WHERE creating = 0 ORDER BY name", "");
}

struct json_object *volume_used_by(const char *name)
{
	struct json_object *rows = NULL, *used = json_object_new_array();

	if (used && db_exec(&rows, NULL, NULL, users_sql, "s", name) == 0)
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			json_object_array_add(
			    used, json_object_new_string(
				      lxf_json_str(json_object_array_get_idx(rows, i), "url")));
	json_object_put(rows);
	return used;
}

int volume_check_config(struct json_object *config, const char *name, struct lxf_err *err)
{
	if (!config)
		return 0;
	if (lxf_json_check_string_map(config, "config", err) < 0)
		return -LXF_EINVAL;
	json_object_object_foreach(config, k, v)
	{
		int64_t secs;

		if (strncmp(k, "user.", 5) == 0 || strncmp(k, "volatile.", 9) == 0)
			continue; /* volatile.*: shown, never stored (lxf_json_without_prefix) */
		/* LXD's custom_volume_snapshot_expiry: the default expires_at of new snapshots. */
		if (strcmp(k, "snapshots.expiry") == 0) {
			if (auth_parse_expiry(json_object_get_string(v), &secs, err) < 0)
				return lxf_err_set(err, LXF_EINVAL,
						   "Storage volume \"%s\": invalid snapshots.expiry"
						   " \"%s\"",
						   name, json_object_get_string(v));
			continue;
		}
		if (strcmp(k, "size") == 0)
			return lxf_err_set(err, LXF_EINVAL,
					   "Storage volume \"%s\": \"size\" is not supported by the"
					   " dir pool \"" VOLUME_POOL "\" (no quotas)",
					   name);
		return lxf_err_set(err, LXF_EINVAL,
				   "Storage volume \"%s\": invalid config key \"%s\"", name, k);
	}
	return 0;
}

int volume_check_devices(struct json_object *devices, struct lxf_err *err)
{
	json_object_object_foreach(devices, dev, d)
	{
		const char *pool = lxf_json_str(d, "pool"), *src = lxf_json_str(d, "source");
		const char *path = lxf_json_str(d, "path");
		struct json_object *row = NULL;
		int ret;

		if (!pool || !src || (path && !strcmp(path, "/")) ||
		    strcmp(lxf_json_str(d, "type"), "disk") != 0)
			continue;
		if (strcmp(pool, VOLUME_POOL) != 0)
			return lxf_err_set(err, LXF_EINVAL,
					   "Device \"%s\": storage pool \"%s\" not found", dev,
					   pool);
		ret = volume_get(src, &row, NULL);
		json_object_put(row);
		if (ret == -LXF_ENOENT)
			return lxf_err_set(err, LXF_EINVAL,
					   "Device \"%s\": storage volume \"%s\" not found on pool"
					   " \"" VOLUME_POOL "\"",
					   dev, src);
		if (ret < 0)
			return lxf_err_set(err, LXF_EIO, "Device \"%s\": cannot read volumes", dev);
	}
	return 0;
}

int volume_create_begin(const char *name, const char *desc, struct json_object *config,
			struct lxf_err *err)
{
	struct json_object *empty = lxf_json_without_prefix(config, "volatile.");
	struct lxf_err ignored;
	int ret;

	if (!empty)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (!backend_volume_name_ok(name)) {
		ret = lxf_err_set(err, LXF_EINVAL,
				  "Invalid storage volume name \"%.64s\": 1 to 63 letters, digits,"
				  " '-', '_' or '.', starting with a letter or digit",
				  name);
		goto out;
	}
	ret = volume_check_config(config, name, err);
	if (ret < 0)
		goto out;
	/* Rule 4: the row reserves the name and marks the files scratch until it drops. */
	ret =
	    db_exec(NULL, NULL, err,
		    "INSERT INTO storage_volumes (name, description, config, created_at, creating)"
		    " VALUES (?, ?, ?, ?, 1)",
		    "ssji", name, desc ? desc : "", empty, (int64_t)time(NULL));
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Storage volume \"%s\" already exists", name);
	if (ret < 0)
		goto out;
	ret = backend_volume_make(name, err);
	if (ret < 0) {
		/* Files already there are no row's: kept (they may be someone's data). */
		if (ret != -LXF_EEXIST)
			(void)backend_volume_remove(name, &ignored);
		(void)db_exec(NULL, NULL, &ignored, "DELETE FROM storage_volumes WHERE name = ?",
			      "s", name);
	}
out:
	json_object_put(empty);
	return ret;
}

int volume_create_end(const char *name, bool ok, struct lxf_err *err)
{
	struct lxf_err ignored;
	int ret = 0;

	if (ok)
		ret = db_exec(NULL, NULL, err,
			      "UPDATE storage_volumes SET creating = 0 WHERE name = ?", "s", name);
	if (!ok || ret < 0) {
		(void)backend_volume_remove(name, &ignored);
		(void)db_exec(NULL, NULL, &ignored,
			      "DELETE FROM storage_volumes WHERE name = ? AND creating = 1", "s",
			      name);
	}
	return ret;
}

int volume_snap_adopt(const char *vol, const char *snap, const char *desc,
		      struct json_object *config, int64_t created_at, int64_t expires_at,
		      struct lxf_err *err)
{
	struct json_object *stored = lxf_json_without_prefix(config, "volatile.");
	int ret = volume_snap_check_name(snap, err);

	if (ret == 0 && !stored)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret == 0)
		ret = db_exec(NULL, NULL, err,
			      "INSERT INTO storage_volume_snapshots (volume, name, description,"
			      " config, created_at, expires_at, creating)"
			      " SELECT name, ?, ?, ?, ?, ?, 0 FROM storage_volumes"
			      " WHERE name = ? AND creating = 1",
			      "ssjiis", snap, desc ? desc : "", stored,
			      created_at ? created_at : (int64_t)time(NULL), expires_at, vol);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already in use", snap);
	json_object_put(stored);
	return ret;
}

int volume_create(const char *name, const char *desc, struct json_object *config,
		  struct lxf_err *err)
{
	int ret = volume_create_begin(name, desc, config, err);

	return ret < 0 ? ret : volume_create_end(name, true, err);
}

int volume_update(const char *name, const char *desc, struct json_object *config,
		  struct lxf_err *err)
{
	struct json_object *stored = lxf_json_without_prefix(config, "volatile.");
	int n = 0;
	int ret = volume_check_config(config, name, err);

	if (ret == 0 && !stored)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret == 0)
		ret = db_exec(NULL, &n, err,
			      "UPDATE storage_volumes SET description = ?, config = ?"
			      " WHERE name = ? AND creating = 0",
			      "sjs", desc ? desc : "", stored, name);
	if (ret == 0 && n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Storage volume not found");
	json_object_put(stored);
	return ret;
}

/* Inside the transaction: refuses while the volume is in use, naming the first user. */
static int check_unused(const char *name, const char *doing, struct lxf_err *err)
{
	struct json_object *used = volume_used_by(name);
	int ret = 0;

	if (!used)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (json_object_array_length(used) > 0)
		ret = lxf_err_set(
		    err, LXF_EINVAL, "Cannot %s storage volume \"%s\": it is still in use by %s%s",
		    doing, name, json_object_get_string(json_object_array_get_idx(used, 0)),
		    json_object_array_length(used) > 1 ? " and others" : "");
	json_object_put(used);
	return ret;
}

/* One journalled change: the row update or delete and its file intent. */
static int change(const char *name, const char *newname, struct lxf_err *err)
{
	char rel[128], dest[128];
	struct journal j;
	int n = 0, ret;

	snprintf(rel, sizeof(rel), "custom/%s", name);
	snprintf(dest, sizeof(dest), "custom/%s", newname ? newname : "");
	volume_lock();
	ret = journal_begin(&j, err);
	if (ret < 0)
		goto out;
	ret = check_unused(name, newname ? "rename" : "delete", err);
	if (ret == 0 && newname)
		ret = db_exec(NULL, &n, err,
			      "UPDATE storage_volumes SET name = ? WHERE name = ? AND creating = 0",
			      "ss", newname, name);
	else if (ret == 0)
		ret = db_exec(NULL, &n, err,
			      "DELETE FROM storage_volumes WHERE name = ? AND creating = 0", "s",
			      name);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Storage volume \"%s\" already exists", newname);
	if (ret == 0 && n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Storage volume not found");
	if (ret == 0)
		ret = newname ? journal_rename(&j, rel, dest, err) : journal_remove(&j, rel, err);
	if (ret < 0) {
		db_rollback();
		goto out;
	}
	ret = journal_commit(&j, err);
out:
	volume_unlock();
	return ret;
}

int volume_rename(const char *name, const char *newname, struct lxf_err *err)
{
	if (!backend_volume_name_ok(newname))
		return lxf_err_set(err, LXF_EINVAL, "Invalid storage volume name \"%.64s\"",
				   newname);
	return change(name, newname, err);
}

int volume_delete(const char *name, struct lxf_err *err)
{
	return change(name, NULL, err);
}

int volume_recover(struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret =
	    db_exec(&rows, NULL, err, "SELECT name FROM storage_volumes WHERE creating = 1", "");

	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		struct lxf_err e;
		lxf_warn("Removing half-created storage volume %s", name);
		if (backend_volume_remove(name, &e) < 0) {
			lxf_warn("Storage volume %s: %s", name, e.msg);
			continue;
		}
		ret = db_exec(NULL, NULL, err, "DELETE FROM storage_volumes WHERE name = ?", "s",
			      name);
	}
	json_object_put(rows);
	return ret == 0 ? volume_snap_recover(err) : ret;
}
