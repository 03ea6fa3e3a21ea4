/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crash recovery: one rule for every change that spans the database and
 * the files under DIR, so that lxfd killed at any point (kill -9, the OOM
 * killer, a crash) comes back with each change whole or absent. A power
 * cut is covered as far as the file system keeps the order of renames:
 * a journalled commit is made durable (a WAL checkpoint syncs it) before
 * its file steps run.
 *
 *  1. The database is the truth. A change is acknowledged only after the
 *     transaction that records it has committed.
 *  2. The liblxc config (containers/NAME/config) is derived, never a
 *     source: it is rendered from the instance row and its profiles at
 *     every start of lxfd, before every container start, and after every
 *     change (journal_render).
 *  3. A directory or file that must move or go because of a row change is
 *     written down as an intent (table fs_intents: rename PATH to DEST, or
 *     remove PATH) in the same transaction as the row change. After the
 *     commit the intents are carried out in order, each row deleted once
 *     its step is done; every step is idempotent (a rename whose source is
 *     gone, a removal of what is gone, are done). At start-up, before
 *     anything else reads the rows, pending intents are rolled forward.
 *  4. What is being made carries a flag instead (instances.creating,
 *     snapshots.creating; the name is reserved, the files are scratch until
 *     the flag drops in one UPDATE): at start-up those rows are rolled back
 *     with their files. So is scratch that no row names: DIR/trash,
 *     containers/NAME/rootfs.restore, DIR/migrate, image files and
 *     snapshot or log directories without a row. A container directory
 *     without a row is only logged, never removed: it may be the only copy
 *     of someone's data.
 *
 * Removals first move the path into DIR/trash/<intent id> (one rename) so
 * that the name is free at once and a new namesake is never caught by a
 * slow rm -rf.
 */
#include "journal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "db.h"
#include "file.h"
#include "instance.h"
#include "json.h"
#include "log.h"
#include "volume.h"

static int64_t next_batch = 1;

/* DIR/rel into buf; rel must stay under DIR. */
static int abs_path(char *buf, size_t n, const char *rel, struct lxf_err *err)
{
	char dir[PATH_MAX];
	int len;

	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (!rel[0] || rel[0] == '/' || strstr(rel, ".."))
		return lxf_err_set(err, LXF_EINVAL, "Bad journal path \"%s\"", rel);
	len = snprintf(buf, n, "%s/%s", dir, rel);
	if (len < 0 || (size_t)len >= n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long: \"%s\"", rel);
	return 0;
}

int journal_begin(struct journal *j, struct lxf_err *err)
{
	j->batch = __atomic_fetch_add(&next_batch, 1, __ATOMIC_RELAXED);
	return db_begin(err);
}

static int add(struct journal *j, const char *op, const char *path, const char *dest,
	       struct lxf_err *err)
{
	return db_exec(NULL, NULL, err,
		       "INSERT INTO fs_intents (batch, op, path, dest) VALUES (?, ?, ?, ?)", "isss",
		       j->batch, op, path, dest);
}

int journal_rename(struct journal *j, const char *path, const char *dest, struct lxf_err *err)
{
	return add(j, "rename", path, dest, err);
}

int journal_remove(struct journal *j, const char *path, struct lxf_err *err)
{
	return add(j, "remove", path, "", err);
}

static int do_remove(int64_t id, const char *path, struct lxf_err *err)
{
	char trash[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	int ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : lxf_err_sys(err, LXF_EIO, errno, "Cannot stat %s", path);
	if (backend_dir(dir, sizeof(dir)) < 0 ||
	    snprintf(trash, sizeof(trash), "%s/trash", dir) >= (int)sizeof(trash))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	ret = lxf_mkdir_p(trash, 0700, err);
	if (ret < 0)
		return ret;
	if (snprintf(trash, sizeof(trash), "%s/trash/%lld", dir, (long long)id) >=
	    (int)sizeof(trash))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	(void)lxf_rm_rf(trash, NULL);
	/* Another filesystem mounted under DIR: removed where it is. */
	if (rename(path, trash) < 0)
		return lxf_rm_rf(path, err);
	return lxf_rm_rf(trash, err);
}

static int do_rename(const char *path, const char *dest, struct lxf_err *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : lxf_err_sys(err, LXF_EIO, errno, "Cannot stat %s", path);
	if (renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot rename %s to %s", path, dest);
	return 0;
}

/* Carries out one intent row and deletes it. */
static int run_intent(struct json_object *row, struct lxf_err *err)
{
	const char *op = lxf_json_str(row, "op"), *rel = lxf_json_str(row, "path");
	const char *reldest = lxf_json_str(row, "dest");
	int64_t id = json_object_get_int64(json_object_object_get(row, "id"));
	char path[PATH_MAX], dest[PATH_MAX];
	int ret;

	if (!op || !rel || !reldest)
		return lxf_err_set(err, LXF_EIO, "Bad journal row %lld", (long long)id);
	ret = abs_path(path, sizeof(path), rel, err);
	if (ret == 0 && strcmp(op, "rename") == 0) {
		ret = abs_path(dest, sizeof(dest), reldest, err);
		if (ret == 0)
			ret = do_rename(path, dest, err);
	} else if (ret == 0 && strcmp(op, "remove") == 0) {
		ret = do_remove(id, path, err);
	} else if (ret == 0) {
		ret = lxf_err_set(err, LXF_EIO, "Unknown journal step \"%s\"", op);
	}
	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "DELETE FROM fs_intents WHERE id = ?", "i", id);
	return ret;
}

/*
 * Runs rows in order. A failure stops the rest of its own batch (its later
 * steps may depend on it), not the other batches: one stuck step must not
 * hold every later change back at every start (test-torture).
 */
static void run_rows(struct json_object *rows)
{
	int64_t failed = -1;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		int64_t batch = json_object_get_int64(json_object_object_get(row, "batch"));
		struct lxf_err e;

		if (batch == failed)
			continue;
		if (run_intent(row, &e) < 0) {
			lxf_warn("Journal: %s (left for the next start)", e.msg);
			failed = batch;
		}
	}
}

int journal_commit(struct journal *j, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_commit(err);

	if (ret < 0)
		return ret;
	/* synchronous=NORMAL leaves the commit in the page cache: the files
	 * must not move before the row that says so is on disk. */
	(void)db_exec(NULL, NULL, NULL, "PRAGMA wal_checkpoint(PASSIVE)", "");
	if (db_exec(&rows, NULL, NULL, "SELECT * FROM fs_intents WHERE batch = ? ORDER BY id", "i",
		    j->batch) == 0)
		run_rows(rows);
	json_object_put(rows);
	return 0;
}

int journal_instance_delete(const char *name, struct lxf_err *err)
{
	static const char *const areas[] = {"containers", "snapshots", "logs"};
	struct journal j;
	char rel[PATH_MAX];
	int ret = journal_begin(&j, err);

	if (ret < 0)
		return ret;
	ret = db_exec(NULL, NULL, err, "DELETE FROM instances WHERE name = ?", "s", name);
	for (size_t i = 0; ret == 0 && i < sizeof(areas) / sizeof(areas[0]); i++) {
		if (snprintf(rel, sizeof(rel), "%s/%s", areas[i], name) >= (int)sizeof(rel))
			ret = lxf_err_set(err, LXF_EINVAL, "Path too long");
		else
			ret = journal_remove(&j, rel, err);
	}
	if (ret < 0) {
		db_rollback();
		return ret;
	}
	backend_forget(name);
	return journal_commit(&j, err);
}

int journal_snapshot_delete(const char *name, const char *snap, struct lxf_err *err)
{
	struct journal j;
	char rel[PATH_MAX], path[PATH_MAX];
	int ret;

	if (snprintf(rel, sizeof(rel), "snapshots/%s/%s", name, snap) >= (int)sizeof(rel))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	ret = journal_begin(&j, err);
	if (ret < 0)
		return ret;
	ret = db_exec(NULL, NULL, err, "DELETE FROM snapshots WHERE instance = ? AND name = ?",
		      "ss", name, snap);
	if (ret == 0)
		ret = journal_remove(&j, rel, err);
	if (ret < 0) {
		db_rollback();
		return ret;
	}
	ret = journal_commit(&j, err);
	/* The last one takes the instance's directory along (an empty one is harmless). */
	if (ret == 0 && snprintf(rel, sizeof(rel), "snapshots/%s", name) < (int)sizeof(rel) &&
	    abs_path(path, sizeof(path), rel, NULL) == 0)
		(void)rmdir(path);
	return ret;
}

int journal_render(const char *name, struct lxf_err *err)
{
	struct json_object *row = NULL, *ec = NULL, *ed = NULL;
	int ret =
	    db_row(&row, "Instance", err, "SELECT * FROM instances WHERE name = ?", "s", name);

	if (ret == 0)
		ret = instance_expand_row(row, &ec, &ed, err);
	if (ret < 0)
		goto out;
	/* The file first: liblxc must never parse a stale one (after a rename
	 * it names the old log path, which liblxc would make). A running
	 * container then takes the live limits. */
	ret = backend_render(name, ec, ed, err);
	if (ret == 0) {
		const char *st = backend_status(name);
		if (st && strcmp(st, "Stopped") != 0)
			ret = backend_update(name, ec, ed, err);
	}
out:
	json_object_put(row);
	json_object_put(ec);
	json_object_put(ed);
	return ret;
}

/* Whether map (from db_rows_by) has key k. */
static bool has(struct json_object *map, const char *k)
{
	return json_object_object_get_ex(map, k, NULL);
}

/* Removes an unreferenced path under DIR (rel), logging why. */
static void sweep(const char *rel, const char *why)
{
	char path[PATH_MAX];
	struct lxf_err e;

	if (abs_path(path, sizeof(path), rel, &e) < 0)
		return;
	lxf_warn("Removing %s: %s", rel, why);
	if (lxf_rm_rf(path, &e) < 0)
		lxf_warn("%s", e.msg);
}

static bool is_fp(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 64 && !s[n];
}

/* Calls fn(rel, name, ctx) for each entry of DIR/area (dot files included). */
static void each_entry(const char *area, void (*fn)(const char *area, const char *name, void *),
		       void *ctx)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (abs_path(path, sizeof(path), area, NULL) < 0 || !(d = opendir(path)))
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fn(area, de->d_name, ctx);
	closedir(d);
}

struct sweep_ctx {
	struct json_object *insts, *snaps, *images;
};

static void sweep_image(const char *area, const char *name, void *p)
{
	struct sweep_ctx *c = p;
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/%s", area, name);
	if (strncmp(name, ".upload-", 8) == 0)
		sweep(rel, "an upload cut short");
	else if (is_fp(name) && !has(c->images, name))
		sweep(rel, "an image file without an image");
}

static void sweep_snap(const char *area, const char *snap, void *p)
{
	struct json_object *names = p;
	char rel[PATH_MAX];

	for (size_t i = 0; i < json_object_array_length(names); i++)
		if (!strcmp(lxf_json_str(json_object_array_get_idx(names, i), "name"), snap))
			return;
	if (snprintf(rel, sizeof(rel), "%s/%s", area, snap) < (int)sizeof(rel))
		sweep(rel, "a snapshot without a row");
}

static void sweep_snapdir(const char *area, const char *name, void *p)
{
	struct sweep_ctx *c = p;
	struct json_object *names = NULL;
	char rel[PATH_MAX];

	if (snprintf(rel, sizeof(rel), "%s/%s", area, name) >= (int)sizeof(rel))
		return;
	if (!has(c->insts, name)) {
		sweep(rel, "snapshots of no instance");
		return;
	}
	names = json_object_object_get(c->snaps, name);
	if (!names)
		names = json_object_new_array();
	else
		json_object_get(names);
	each_entry(rel, sweep_snap, names);
	json_object_put(names);
}

static void sweep_logdir(const char *area, const char *name, void *p)
{
	struct sweep_ctx *c = p;
	char rel[PATH_MAX];

	if (!has(c->insts, name) && snprintf(rel, sizeof(rel), "%s/%s", area, name) < PATH_MAX)
		sweep(rel, "logs of no instance");
}

static void config_tmp(const char *area, const char *name, void *p)
{
	char rel[PATH_MAX];

	(void)p;
	if (strncmp(name, "config.tmp.", 11) == 0 &&
	    snprintf(rel, sizeof(rel), "%s/%s", area, name) < (int)sizeof(rel))
		sweep(rel, "a config write cut short");
}

static void remove_config_tmps(const char *area, const char *name)
{
	char rel[PATH_MAX];

	if (snprintf(rel, sizeof(rel), "%s/%s", area, name) < (int)sizeof(rel))
		each_entry(rel, config_tmp, NULL);
}

static void check_container(const char *area, const char *name, void *p)
{
	struct sweep_ctx *c = p;
	char rel[PATH_MAX];

	if (!has(c->insts, name)) {
		lxf_warn("%s/%s has no instance row: left alone (move it away or delete it)", area,
			 name);
		return;
	}
	/* An atomic config write cut short (lxf_file_write_atomic's temporary). */
	remove_config_tmps(area, name);
	/* A restore cut short before its journalled swap. */
	if (snprintf(rel, sizeof(rel), "%s/%s/rootfs.restore", area, name) < (int)sizeof(rel)) {
		char path[PATH_MAX];
		struct stat st;
		if (abs_path(path, sizeof(path), rel, NULL) == 0 && lstat(path, &st) == 0)
			sweep(rel, "a restore cut short");
	}
}

/* Rows being made when lxfd stopped: rolled back with their files. */
/*
 * lxfd died while a snapshot held the running instance frozen
 * (BACKEND_FROZEN_MARK): nothing else would ever thaw it, and a frozen
 * instance can be neither started nor deleted.
 */
static void thaw_if_marked(const char *inst, const char *snap)
{
	char rel[PATH_MAX], mark[PATH_MAX];
	struct lxf_err e;

	if (snprintf(rel, sizeof(rel), "snapshots/%s/%s/" BACKEND_FROZEN_MARK, inst, snap) >=
		(int)sizeof(rel) ||
	    abs_path(mark, sizeof(mark), rel, NULL) < 0 || access(mark, F_OK) < 0)
		return;
	lxf_warn("Thawing %s, frozen for its snapshot %s when lxfd stopped", inst, snap);
	if (backend_unfreeze_orphan(inst, &e) < 0)
		lxf_warn("Instance %s: %s", inst, e.msg);
}

static int roll_back_creating(struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_exec(&rows, NULL, err, "SELECT name FROM instances WHERE creating = 1", "");

	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		lxf_warn("Removing half-created instance %s", name);
		ret = journal_instance_delete(name, err);
	}
	json_object_put(rows);
	rows = NULL;
	if (ret == 0)
		ret = db_exec(&rows, NULL, err,
			      "SELECT instance, name FROM snapshots WHERE creating = 1", "");
	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *inst = lxf_json_str(row, "instance"), *snap = lxf_json_str(row, "name");
		lxf_warn("Removing half-made snapshot %s/%s", inst, snap);
		thaw_if_marked(inst, snap);
		ret = journal_snapshot_delete(inst, snap, err);
	}
	json_object_put(rows);
	return ret;
}

static int render_all(struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_exec(&rows, NULL, err, "SELECT name FROM instances", "");

	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		struct lxf_err e;
		if (journal_render(name, &e) < 0)
			lxf_warn("Instance %s: cannot render its config: %s", name, e.msg);
	}
	json_object_put(rows);
	return ret;
}

int journal_replay(struct lxf_err *err)
{
	struct json_object *rows = NULL, *last = NULL;
	char trash[PATH_MAX];
	int ret;

	ret = db_row(&last, "Journal", err, "SELECT ifnull(max(batch), 0) + 1 AS b FROM fs_intents",
		     "");
	if (ret < 0)
		return ret;
	next_batch = json_object_get_int64(json_object_object_get(last, "b"));
	json_object_put(last);
	/* 1. Committed changes: their file steps are finished. */
	ret = db_exec(&rows, NULL, err, "SELECT * FROM fs_intents ORDER BY id", "");
	if (ret < 0)
		return ret;
	if (json_object_array_length(rows))
		lxf_warn("Finishing %zu file step(s) of changes cut short",
			 json_object_array_length(rows));
	run_rows(rows);
	json_object_put(rows);
	if (abs_path(trash, sizeof(trash), "trash", NULL) == 0)
		(void)lxf_rm_rf(trash, NULL);
	return 0;
}

int journal_recover(struct lxf_err *err)
{
	struct sweep_ctx c = {0};
	int ret;

	/* 2. What was being made (after migrate_recover: a refresh moves the rootfs aside). */
	ret = roll_back_creating(err);
	if (ret == 0)
		ret = volume_recover(err);
	/* 3. Scratch and files that no row names. */
	if (ret == 0)
		ret = db_rows_by(&c.insts, "name", true, err, "SELECT name FROM instances", "");
	if (ret == 0)
		ret = db_rows_by(&c.snaps, "instance", false, err,
				 "SELECT instance, name FROM snapshots", "");
	if (ret == 0)
		ret = db_rows_by(&c.images, "fingerprint", true, err,
				 "SELECT fingerprint FROM images", "");
	if (ret == 0) {
		each_entry("containers", check_container, &c);
		each_entry("snapshots", sweep_snapdir, &c);
		each_entry("logs", sweep_logdir, &c);
		each_entry("images", sweep_image, &c);
		/* 4. The configs, from the rows. */
		ret = render_all(err);
	}
	json_object_put(c.insts);
	json_object_put(c.snaps);
	json_object_put(c.images);
	return ret;
}
