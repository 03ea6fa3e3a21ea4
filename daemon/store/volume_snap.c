/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshots of custom volumes: rows of storage_volume_snapshots (their
 * foreign key follows the volume's renames and deletes), files by
 * backend_volsnap.c inside the volume's directory (so they move and go
 * with it). By the journal's rules: a create is a row marked creating
 * until the copy is whole (rolled back at start-up), renames, deletes and
 * the swap of a restore are journalled intents written with their row
 * change, and a restore's staged copy is scratch until then.
 */
#include "volume.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "db.h"
#include "file.h"
#include "journal.h"
#include "json.h"
#include "log.h"

/*
 * Copies, swaps, renames and deletes of a volume's trees never
 * interleave (a snapshot copy of a volume being renamed away, a restore
 * racing a delete): one lock, taken before the database's.
 */
static pthread_mutex_t vol_lock = PTHREAD_MUTEX_INITIALIZER;

void volume_lock(void)
{
	pthread_mutex_lock(&vol_lock);
}

void volume_unlock(void)
{
	pthread_mutex_unlock(&vol_lock);
}

/* custom/<vol>/<leaf> (relative to DIR, for the journal) into buf. */
static int rel_path(char *buf, size_t n, const char *vol, const char *leaf, const char *snap,
		    struct lxf_err *err)
{
	int len =
	    snprintf(buf, n, "custom/%s/%s%s%s", vol, leaf, snap ? "/" : "", snap ? snap : "");

	if (len < 0 || (size_t)len >= n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long for volume \"%s\"", vol);
	return 0;
}

int volume_snap_check_name(const char *snap, struct lxf_err *err)
{
	if (snap && strchr(snap, '/'))
		return lxf_err_set(err, LXF_EINVAL,
				   "Invalid snapshot name \"%.64s\": snapshot names may not"
				   " contain slashes",
				   snap);
	if (!backend_volume_name_ok(snap) || strstr(snap, ".."))
		return lxf_err_set(err, LXF_EINVAL,
				   "Invalid snapshot name \"%.64s\": 1 to 63 letters, digits, '-',"
				   " '_' or '.', starting with a letter or digit",
				   snap ? snap : "");
	return 0;
}

int volume_snap_list(const char *vol, struct json_object **rows, struct lxf_err *err)
{
	struct json_object *row = NULL;
	int ret = volume_get(vol, &row, err);

	json_object_put(row);
	if (ret == 0)
		ret = db_exec(rows, NULL, err,
			      "SELECT * FROM storage_volume_snapshots WHERE volume = ? AND"
			      " creating = 0 ORDER BY created_at, rowid",
			      "s", vol);
	return ret;
}

int volume_snap_get(const char *vol, const char *snap, struct json_object **row,
		    struct lxf_err *err)
{
	struct json_object *v = NULL;
	int ret = volume_get(vol, &v, err);

	json_object_put(v);
	if (ret == 0)
		ret = db_row(row, "Storage volume snapshot", err,
			     "SELECT * FROM storage_volume_snapshots WHERE volume = ? AND name = ?"
			     " AND creating = 0",
			     "ss", vol, snap);
	return ret;
}

int volume_snap_next_name(const char *vol, char *buf, size_t n, struct lxf_err *err)
{
	for (int i = 0; i < 100000; i++) {
		struct json_object *row = NULL;
		int ret;

		snprintf(buf, n, "snap%d", i);
		ret = db_row(&row, "Storage volume snapshot", NULL,
			     "SELECT name FROM storage_volume_snapshots WHERE volume = ? AND"
			     " name = ?",
			     "ss", vol, buf);
		json_object_put(row);
		if (ret == -LXF_ENOENT)
			return 0;
		if (ret < 0)
			return lxf_err_set(err, LXF_EIO, "Cannot look up snapshots of \"%s\"", vol);
	}
	return lxf_err_set(err, LXF_EEXIST, "No free snapshot name for volume \"%s\"", vol);
}

int volume_snap_reserve(const char *vol, const char *snap, const char *desc, int64_t expires_at,
			struct lxf_err *err)
{
	int n = 0;
	int ret = volume_snap_check_name(snap, err);

	/* The row takes the volume's config as it is now (LXD's snapshot config). */
	if (ret == 0)
		ret =
		    db_exec(NULL, &n, err,
			    "INSERT INTO storage_volume_snapshots (volume, name, description,"
			    " config, created_at, expires_at, creating)"
			    " SELECT name, ?, ?, config, ?, ?, 1 FROM storage_volumes"
			    " WHERE name = ? AND creating = 0",
			    "ssiis", snap, desc ? desc : "", (int64_t)time(NULL), expires_at, vol);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already in use", snap);
	if (ret == 0 && n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Storage volume not found");
	return ret;
}

/* Drops a reservation and its scratch (the lock held). */
static void unreserve(const char *vol, const char *snap)
{
	(void)backend_volsnap_remove(vol, snap, NULL);
	(void)db_exec(NULL, NULL, NULL,
		      "DELETE FROM storage_volume_snapshots WHERE volume = ? AND name = ?", "ss",
		      vol, snap);
}

int volume_snap_make(const char *vol, const char *snap, struct lxf_err *err)
{
	int n = 0, ret;

	volume_lock();
	ret = backend_volsnap_make(vol, snap, err);
	/* Rule 4: the flag drops in one UPDATE once the copy is whole. */
	if (ret == 0)
		ret = db_exec(NULL, &n, err,
			      "UPDATE storage_volume_snapshots SET creating = 0"
			      " WHERE volume = ? AND name = ?",
			      "ss", vol, snap);
	if (ret == 0 && n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Storage volume \"%s\" is gone", vol);
	if (ret < 0)
		unreserve(vol, snap);
	volume_unlock();
	return ret;
}

int volume_snap_create(const char *vol, const char *snap, const char *desc, int64_t expires_at,
		       struct lxf_err *err)
{
	int ret = volume_snap_reserve(vol, snap, desc, expires_at, err);

	return ret < 0 ? ret : volume_snap_make(vol, snap, err);
}

int volume_snap_update(const char *vol, const char *snap, const char *desc, int64_t expires_at,
		       struct lxf_err *err)
{
	int n = 0;
	int ret = db_exec(NULL, &n, err,
			  "UPDATE storage_volume_snapshots SET description = ?, expires_at = ?"
			  " WHERE volume = ? AND name = ? AND creating = 0",
			  "siss", desc ? desc : "", expires_at, vol, snap);

	if (ret == 0 && n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Storage volume snapshot not found");
	return ret;
}

/* One journalled change of snapshot snap: renamed to newsnap, or deleted (NULL). */
static int snap_change(const char *vol, const char *snap, const char *newsnap, struct lxf_err *err)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct journal j;
	int n = 0, ret;

	if ((ret = rel_path(from, sizeof(from), vol, BACKEND_VOLSNAP_DIR, snap, err)) < 0 ||
	    (newsnap &&
	     (ret = rel_path(to, sizeof(to), vol, BACKEND_VOLSNAP_DIR, newsnap, err)) < 0))
		return ret;
	volume_lock();
	/* The new name has no row: files under it are scratch, never to be swapped in. */
	if (newsnap)
		(void)backend_volsnap_remove(vol, newsnap, NULL);
	ret = journal_begin(&j, err);
	if (ret < 0)
		goto out;
	if (newsnap)
		ret = db_exec(NULL, &n, err,
			      "UPDATE storage_volume_snapshots SET name = ? WHERE volume = ? AND"
			      " name = ? AND creating = 0",
			      "sss", newsnap, vol, snap);
	else
		ret = db_exec(NULL, &n, err,
			      "DELETE FROM storage_volume_snapshots WHERE volume = ? AND name = ?"
			      " AND creating = 0",
			      "ss", vol, snap);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already in use", newsnap);
	if (ret == 0 && n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Storage volume snapshot not found");
	if (ret == 0)
		ret = newsnap ? journal_rename(&j, from, to, err) : journal_remove(&j, from, err);
	if (ret < 0) {
		db_rollback();
		goto out;
	}
	ret = journal_commit(&j, err);
out:
	volume_unlock();
	return ret;
}

int volume_snap_rename(const char *vol, const char *snap, const char *newsnap, struct lxf_err *err)
{
	int ret = volume_snap_check_name(newsnap, err);

	return ret < 0 ? ret : snap_change(vol, snap, newsnap, err);
}

int volume_snap_delete(const char *vol, const char *snap, struct lxf_err *err)
{
	return snap_change(vol, snap, NULL, err);
}

/* LXD refuses a restore under a running instance: its mount would keep the old tree. */
static int check_not_running(const char *vol, struct lxf_err *err)
{
	struct json_object *used = volume_used_by(vol);
	int ret = 0;

	if (!used)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	for (size_t i = 0; ret == 0 && i < json_object_array_length(used); i++) {
		const char *url = json_object_get_string(json_object_array_get_idx(used, i));
		const char *st = NULL;
		if (strncmp(url, "/1.0/instances/", 15) == 0)
			st = backend_status(url + 15);
		if (st && (strcmp(st, "Running") == 0 || strcmp(st, "Frozen") == 0))
			ret = lxf_err_set(err, LXF_EBUSY,
					  "Cannot restore custom volume \"%s\" used by running"
					  " instances (%s)",
					  vol, url + 15);
	}
	json_object_put(used);
	return ret;
}

int volume_snap_restore(const char *vol, const char *snap, struct lxf_err *err)
{
	struct json_object *row = NULL;
	char root[PATH_MAX], staged[PATH_MAX];
	struct journal j;
	int ret;

	if ((ret = rel_path(root, sizeof(root), vol, "root", NULL, err)) < 0 ||
	    (ret = rel_path(staged, sizeof(staged), vol, BACKEND_VOLSNAP_STAGED, NULL, err)) < 0)
		return ret;
	volume_lock();
	ret = volume_snap_get(vol, snap, &row, err);
	json_object_put(row);
	if (ret == 0)
		ret = check_not_running(vol, err);
	/* The copy is scratch (swept at start-up) until the swap is journalled. */
	if (ret == 0)
		ret = backend_volsnap_stage(vol, snap, err);
	if (ret < 0)
		goto out;
	ret = journal_begin(&j, err);
	if (ret == 0)
		ret = journal_remove(&j, root, err);
	if (ret == 0)
		ret = journal_rename(&j, staged, root, err);
	if (ret < 0) {
		db_rollback();
		goto out;
	}
	ret = journal_commit(&j, err);
out:
	volume_unlock();
	return ret;
}

void volume_snap_prune_expired(void)
{
	struct json_object *rows = NULL;
	struct lxf_err err;

	if (db_exec(&rows, NULL, &err,
		    "SELECT volume, name FROM storage_volume_snapshots"
		    " WHERE expires_at > 0 AND expires_at <= ? AND creating = 0",
		    "i", (int64_t)time(NULL)) < 0) {
		lxf_warn("Volume snapshot expiry: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *vol = lxf_json_str(row, "volume"), *snap = lxf_json_str(row, "name");
		lxf_info("Storage volume snapshot %s/%s expired", vol, snap);
		if (volume_snap_delete(vol, snap, &err) < 0)
			lxf_warn("Cannot delete expired snapshot %s/%s: %s", vol, snap, err.msg);
	}
	json_object_put(rows);
}

/* Snapshot directories of vol that no finished row names, and a staged restore. */
static void sweep_volume(const char *vol, struct json_object *snaps)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent **ents = NULL;
	int n;

	if (backend_volume_path(vol, BACKEND_VOLSNAP_STAGED, path, sizeof(path), NULL) == 0 &&
	    access(path, F_OK) == 0) {
		lxf_warn("Removing a restore of volume %s cut short", vol);
		(void)lxf_rm_rf(path, NULL);
	}
	if (backend_volume_path(vol, BACKEND_VOLSNAP_DIR, dir, sizeof(dir), NULL) < 0 ||
	    (n = scandir(dir, &ents, NULL, NULL)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		bool known = false;
		for (size_t k = 0; snaps && k < json_object_array_length(snaps); k++)
			known |= !strcmp(lxf_json_str(json_object_array_get_idx(snaps, k), "name"),
					 name);
		if (!known && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
		    backend_volsnap_path(vol, name, NULL, path, sizeof(path), NULL) == 0) {
			lxf_warn("Removing snapshot %s/%s: no row names it", vol, name);
			(void)lxf_rm_rf(path, NULL);
		}
		free(ents[i]);
	}
	free(ents);
}

int volume_snap_recover(struct lxf_err *err)
{
	struct json_object *rows = NULL, *vols = NULL, *snaps = NULL;
	int ret =
	    db_exec(&rows, NULL, err,
		    "SELECT volume, name FROM storage_volume_snapshots WHERE creating = 1", "");

	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		lxf_warn("Removing half-made snapshot %s/%s of a storage volume",
			 lxf_json_str(row, "volume"), lxf_json_str(row, "name"));
		unreserve(lxf_json_str(row, "volume"), lxf_json_str(row, "name"));
	}
	if (ret == 0)
		ret = db_exec(&vols, NULL, err, "SELECT name FROM storage_volumes", "");
	if (ret == 0)
		ret = db_rows_by(&snaps, "volume", false, err,
				 "SELECT volume, name FROM storage_volume_snapshots", "");
	for (size_t i = 0; ret == 0 && i < json_object_array_length(vols); i++) {
		const char *vol = lxf_json_str(json_object_array_get_idx(vols, i), "name");
		sweep_volume(vol, json_object_object_get(snaps, vol));
	}
	json_object_put(rows);
	json_object_put(vols);
	json_object_put(snaps);
	return ret;
}
