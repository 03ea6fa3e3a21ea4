/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/instances/{name}/snapshots[/{snap}] and the "restore" form of
 * PUT /1.0/instances/{name}. Rows live in the snapshots table (db.c; its
 * foreign key follows instance renames and deletes), files in
 * backend_snapshot.c. Snapshot operations are serialised by one lock: a
 * copy and a restore of the same tree must never interleave.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "events.h"
#include "file.h"
#include "http.h"
#include "journal.h"
#include "log.h"
#include "migrate.h"
#include "op.h"

#define SNAP_NAME_MAX 255

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;

struct snap_arg {
	char name[64];
	char snap[SNAP_NAME_MAX + 1];
	char newsnap[SNAP_NAME_MAX + 1];
	int64_t expires_at;
};

/* Snapshot names: the router's object-name rule, minus what URLs would mangle. */
static int check_snap_name(const char *snap, struct lxf_err *err)
{
	int ret = router_check_object_name(snap, "snapshot name", err);

	if (ret == 0 && strpbrk(snap, "?#%\\\"'"))
		ret = lxf_err_set(err, LXF_EINVAL,
				  "Invalid snapshot name: '?', '#', '%%', '\\' and quotes are not "
				  "allowed");
	return ret;
}

static void snap_url(const char *name, const char *snap, char *buf, size_t n)
{
	snprintf(buf, n, "/1.0/instances/%s/snapshots/%s", name, snap);
}

/* The InstanceSnapshot object for a row (profiles from pmap when set). New reference or NULL. */
static struct json_object *snap_json_in(struct json_object *row, struct json_object *pmap)
{
	static const char *const copied[] = {"architecture", "config",   "devices", "ephemeral",
					     "profiles",     "stateful", "name",    "size"};
	struct json_object *o = json_object_new_object(), *ec = NULL, *ed = NULL;

	if (!o)
		return NULL;
	api_copy_fields(o, row, copied, sizeof(copied) / sizeof(copied[0]));
	api_add_time(o, row, "created_at");
	api_add_time(o, row, "expires_at");
	api_add_time(o, row, "last_used_at");
	if (instance_expand_in(pmap, json_object_object_get(row, "profiles"),
			       json_object_object_get(row, "config"),
			       json_object_object_get(row, "devices"), &ec, &ed, NULL) < 0) {
		ec = lxf_json_copy(json_object_object_get(row, "config"));
		ed = lxf_json_copy(json_object_object_get(row, "devices"));
	}
	json_object_object_add(o, "expanded_config", ec);
	json_object_object_add(o, "expanded_devices", ed);
	return o;
}

static struct json_object *snap_json(struct json_object *row)
{
	return snap_json_in(row, NULL);
}

static int list_rows(const char *name, struct json_object **rows, struct lxf_err *err)
{
	return db_exec(rows, NULL, err,
		       "SELECT * FROM snapshots WHERE instance = ? AND creating = 0"
		       " ORDER BY created_at, name",
		       "s", name);
}

struct json_object *api_snapshots_json(const char *name)
{
	struct json_object *rows = NULL, *arr = json_object_new_array();

	if (arr && list_rows(name, &rows, NULL) == 0)
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			json_object_array_add(arr, snap_json(json_object_array_get_idx(rows, i)));
	json_object_put(rows);
	return arr;
}

struct json_object *api_snapshots_json_rows(struct json_object *rows, struct json_object *pmap)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && rows && i < json_object_array_length(rows); i++)
		json_object_array_add(arr, snap_json_in(json_object_array_get_idx(rows, i), pmap));
	return arr;
}

static int instance_row(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Instance", err,
		      "SELECT * FROM instances WHERE name = ? AND creating = 0", "s", name);
}

static int snap_row(const char *name, const char *snap, struct json_object **row,
		    struct lxf_err *err)
{
	struct json_object *inst = NULL;
	int ret = instance_row(name, &inst, err);

	json_object_put(inst);
	if (ret == 0)
		ret = db_row(row, "Snapshot", err,
			     "SELECT * FROM snapshots WHERE instance = ? AND name = ?"
			     " AND creating = 0",
			     "ss", name, snap);
	return ret;
}

int api_snapshots_get(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *rows = NULL, *inst = NULL, *arr;
	bool full = api_recursion(req) > 0;
	int ret = instance_row(name, &inst, err);

	json_object_put(inst);
	if (ret == 0)
		ret = list_rows(name, &rows, err);
	if (ret < 0)
		return ret;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		char url[512];
		if (full) {
			json_object_array_add(arr, snap_json(row));
			continue;
		}
		snap_url(name, lxf_json_str(row, "name"), url, sizeof(url));
		json_object_array_add(arr, json_object_new_string(url));
	}
	json_object_put(rows);
	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return reply_sync(req, arr, err);
}

/*
 * RFC 3339 ("2030-01-02T03:04:05Z", fractions and offsets allowed) into
 * seconds; Go's zero time and "" give 0 (never expires).
 */
int api_parse_time(const char *s, int64_t *out, struct lxf_err *err)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
	const char *p;
	time_t t;

	*out = 0;
	if (!s[0])
		return 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		goto bad;
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' && p[1] == '\0') {
		oh = om = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
		   sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
		if (*p == '-') {
			oh = -oh;
			om = -om;
		}
	} else {
		goto bad;
	}
	if (y <= 1)
		return 0; /* Go's zero time */
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (int64_t)t - (int64_t)oh * 3600 - (int64_t)om * 60;
	return 0;
bad:
	return lxf_err_set(err, LXF_EINVAL, "Invalid expires_at \"%.40s\": want RFC 3339", s);
}

int api_get_expiry(struct json_object *body, int64_t *out, struct lxf_err *err)
{
	const char *s = NULL;

	*out = 0;
	if (lxf_json_get_string(body, "expires_at", false, &s, err) < 0)
		return -LXF_EINVAL;
	return s ? api_parse_time(s, out, err) : 0;
}

static int create_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct snap_arg *a = arg;
	char url[512];
	long long size;
	int ret;

	(void)op;
	(void)md;
	pthread_mutex_lock(&snap_lock);
	ret = backend_snapshot_create(a->name, a->snap, err);
	if (ret == 0) {
		size = backend_snapshot_size(a->name, a->snap);
		ret = db_exec(NULL, NULL, err,
			      "UPDATE snapshots SET creating = 0, size = ?"
			      " WHERE instance = ? AND name = ?",
			      "iss", (int64_t)(size < 0 ? 0 : size), a->name, a->snap);
		if (ret < 0)
			(void)backend_snapshot_delete(a->name, a->snap, NULL);
	}
	if (ret < 0)
		db_exec(NULL, NULL, NULL, "DELETE FROM snapshots WHERE instance = ? AND name = ?",
			"ss", a->name, a->snap);
	pthread_mutex_unlock(&snap_lock);
	if (ret == 0) {
		lxf_info("Snapshot %s/%s created", a->name, a->snap);
		snap_url(a->name, a->snap, url, sizeof(url));
		events_lifecycle("instance-snapshot-created", url, NULL);
	}
	return ret;
}

/* A free "snap<N>" name, as LXD's default snapshots.pattern gives. */
static int auto_name(const char *name, char *buf, size_t n, struct lxf_err *err)
{
	for (int i = 0; i < 100000; i++) {
		struct json_object *row = NULL;
		int ret;
		snprintf(buf, n, "snap%d", i);
		ret = db_row(&row, "Snapshot", NULL,
			     "SELECT name FROM snapshots WHERE instance = ? AND name = ?", "ss",
			     name, buf);
		json_object_put(row);
		if (ret == -LXF_ENOENT)
			return 0;
		if (ret < 0)
			return lxf_err_set(err, LXF_EIO, "Cannot look up snapshots");
	}
	return lxf_err_set(err, LXF_EEXIST, "No free snapshot name");
}

/* Runs fn as an op on the instance with a (taken). */
static int run_op(struct http_req *req, const char *desc, op_fn fn, struct snap_arg *a,
		  struct lxf_err *err)
{
	char url[128];
	struct op *op;
	int ret;

	instance_url(a->name, url, sizeof(url));
	op = op_run(desc, "instances", url, fn, a, free, err);
	ret = op ? api_async(req, op, err) : -err->code;
	op_unref(op);
	return ret;
}

int api_snapshots_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name"), *snap = NULL;
	struct json_object *body, *inst = NULL;
	struct snap_arg *a = NULL;
	bool stateful = false;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = instance_row(name, &inst, err);
	if (ret < 0)
		return ret;
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	if (lxf_json_get_string(body, "name", false, &snap, err) < 0 ||
	    lxf_json_get_bool(body, "stateful", false, &stateful, err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	ret = api_get_expiry(body, &a->expires_at, err);
	if (ret < 0)
		goto out;
	if (stateful) {
		ret = lxf_err_set(err, LXF_EINVAL, "Stateful snapshots aren't supported");
		goto out;
	}
	if (snap && snap[0]) {
		ret = check_snap_name(snap, err);
		snprintf(a->snap, sizeof(a->snap), "%s", snap);
	} else {
		ret = auto_name(name, a->snap, sizeof(a->snap), err);
	}
	if (ret < 0)
		goto out;
	/* The row (creating) reserves the name and freezes the config taken. */
	ret = db_exec(NULL, NULL, err,
		      "INSERT INTO snapshots (instance, name, architecture, config, devices,"
		      " profiles, ephemeral, stateful, created_at, expires_at, creating)"
		      " SELECT name, ?, architecture, config, devices, profiles, ephemeral, 0, ?,"
		      " ?, 1 FROM instances WHERE name = ?",
		      "siis", a->snap, (int64_t)time(NULL), a->expires_at, name);
	if (ret == -LXF_EEXIST)
		ret = lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already exists", a->snap);
	if (ret < 0)
		goto out;
	ret = run_op(req, "Snapshotting instance", create_op, a, err);
	a = NULL;
out:
	free(a);
	json_object_put(inst);
	return ret;
}

/* The ETag of a snapshot covers what PUT may change. New reference. */
static struct json_object *snap_etag_src(struct json_object *row)
{
	struct json_object *o = json_object_new_object();

	if (o)
		api_add_time(o, row, "expires_at");
	return o;
}

int api_snapshot_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o, *src;
	int ret = snap_row(router_param(&req->match, "name"), router_param(&req->match, "snap"),
			   &row, err);

	if (ret < 0)
		return ret;
	o = snap_json(row);
	src = snap_etag_src(row);
	json_object_put(row);
	return reply_sync_etag_of(req, o, src, err);
}

static int set_expiry(const struct snap_arg *a, struct lxf_err *err)
{
	char url[512];
	int ret = db_exec(NULL, NULL, err,
			  "UPDATE snapshots SET expires_at = ? WHERE instance = ? AND name = ?",
			  "iss", a->expires_at, a->name, a->snap);

	if (ret == 0) {
		snap_url(a->name, a->snap, url, sizeof(url));
		events_lifecycle("instance-snapshot-updated", url, NULL);
	}
	return ret;
}

static int update_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	(void)op;
	(void)md;
	return set_expiry(arg, err);
}

/* PUT (async) and PATCH (sync): expires_at is the one editable field. */
int api_snapshot_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	struct json_object *body, *row = NULL, *src = NULL;
	struct snap_arg *a = NULL;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = snap_row(router_param(&req->match, "name"), router_param(&req->match, "snap"),
			       &row, err);
	if (ret < 0)
		return ret;
	src = snap_etag_src(row);
	ret = reply_check_if_match(req, src, err);
	if (ret < 0)
		goto out;
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", router_param(&req->match, "name"));
	snprintf(a->snap, sizeof(a->snap), "%s", router_param(&req->match, "snap"));
	a->expires_at = json_object_get_int64(json_object_object_get(row, "expires_at"));
	if (!patch || json_object_object_get_ex(body, "expires_at", NULL))
		ret = api_get_expiry(body, &a->expires_at, err);
	if (ret < 0)
		goto out;
	if (patch) {
		ret = set_expiry(a, err);
		if (ret == 0)
			ret = reply_sync(req, NULL, err);
		goto out;
	}
	ret = run_op(req, "Updating snapshot", update_op, a, err);
	a = NULL;
out:
	free(a);
	json_object_put(row);
	json_object_put(src);
	return ret;
}

/* The row and the directory move as one journalled change (journal.c). */
static int rename_journalled(const struct snap_arg *a, struct lxf_err *err)
{
	char from[PATH_MAX], to[PATH_MAX], dir[PATH_MAX];
	struct journal j;
	struct stat st;
	int ret;

	if (backend_dir(dir, sizeof(dir)) < 0 ||
	    snprintf(from, sizeof(from), "snapshots/%s/%s", a->name, a->snap) >=
		(int)sizeof(from) ||
	    snprintf(to, sizeof(to), "%s/snapshots/%s/%s", dir, a->name, a->newsnap) >=
		(int)sizeof(to))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	/* The new name has no row: whatever sits there is a leftover. */
	if (lstat(to, &st) == 0)
		(void)lxf_rm_rf(to, NULL);
	snprintf(to, sizeof(to), "snapshots/%s/%s", a->name, a->newsnap);
	ret = journal_begin(&j, err);
	if (ret < 0)
		return ret;
	ret = db_exec(NULL, NULL, err,
		      "UPDATE snapshots SET name = ? WHERE instance = ? AND name = ?", "sss",
		      a->newsnap, a->name, a->snap);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already exists", a->newsnap);
	if (ret == 0)
		ret = journal_rename(&j, from, to, err);
	if (ret < 0) {
		db_rollback();
		return ret;
	}
	return journal_commit(&j, err);
}

static int rename_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct snap_arg *a = arg;
	char url[512];
	int ret;

	(void)op;
	(void)md;
	pthread_mutex_lock(&snap_lock);
	ret = rename_journalled(a, err);
	pthread_mutex_unlock(&snap_lock);
	if (ret == 0) {
		snap_url(a->name, a->newsnap, url, sizeof(url));
		events_lifecycle("instance-snapshot-renamed", url, NULL);
	}
	return ret;
}

int api_snapshot_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	const char *snap = router_param(&req->match, "snap"), *newsnap = NULL;
	struct json_object *body, *row = NULL, *other = NULL;
	struct snap_arg *a = NULL;
	bool migration = false;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = snap_row(name, snap, &row, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_bool(body, "migration", false, &migration, err) < 0 ||
	    lxf_json_get_string(body, "name", !migration, &newsnap, err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	if (migration) {
		ret = migrate_source_post(req, name, snap, body, err);
		goto out;
	}
	ret = check_snap_name(newsnap, err);
	if (ret < 0)
		goto out;
	if (db_row(&other, "Snapshot", NULL,
		   "SELECT name FROM snapshots WHERE instance = ? AND name = ?", "ss", name,
		   newsnap) == 0) {
		ret = lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already exists", newsnap);
		goto out;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->snap, sizeof(a->snap), "%s", snap);
	snprintf(a->newsnap, sizeof(a->newsnap), "%s", newsnap);
	ret = run_op(req, "Renaming snapshot", rename_op, a, err);
out:
	json_object_put(row);
	json_object_put(other);
	return ret;
}

static int delete_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct snap_arg *a = arg;
	char url[512];
	int ret;

	(void)op;
	(void)md;
	pthread_mutex_lock(&snap_lock);
	ret = journal_snapshot_delete(a->name, a->snap, err);
	pthread_mutex_unlock(&snap_lock);
	if (ret == 0) {
		snap_url(a->name, a->snap, url, sizeof(url));
		events_lifecycle("instance-snapshot-deleted", url, NULL);
	}
	return ret;
}

/*
 * LXD's expires_at: snapshots past it are deleted by a sweep (op_every,
 * once a minute), as LXD's pruneExpiredInstanceSnapshots task does. The
 * config key snapshots.expiry (a default expires_at) is not accepted.
 */
void snapshots_prune_expired(void)
{
	struct json_object *rows = NULL;
	struct lxf_err err;

	if (db_exec(&rows, NULL, &err,
		    "SELECT instance, name FROM snapshots"
		    " WHERE expires_at > 0 AND expires_at <= ? AND creating = 0",
		    "i", (int64_t)time(NULL)) < 0) {
		lxf_warn("Snapshot expiry: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		struct snap_arg a = {0};
		snprintf(a.name, sizeof(a.name), "%s", lxf_json_str(row, "instance"));
		snprintf(a.snap, sizeof(a.snap), "%s", lxf_json_str(row, "name"));
		lxf_info("Snapshot %s/%s expired", a.name, a.snap);
		if (delete_op(NULL, &a, NULL, &err) < 0)
			lxf_warn("Cannot delete expired snapshot %s/%s: %s", a.name, a.snap,
				 err.msg);
	}
	json_object_put(rows);
}

int api_snapshot_delete(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	struct snap_arg *a;
	int ret = snap_row(router_param(&req->match, "name"), router_param(&req->match, "snap"),
			   &row, err);

	json_object_put(row);
	if (ret < 0)
		return ret;
	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(a->name, sizeof(a->name), "%s", router_param(&req->match, "name"));
	snprintf(a->snap, sizeof(a->snap), "%s", router_param(&req->match, "snap"));
	return run_op(req, "Deleting snapshot", delete_op, a, err);
}

/*
 * Keys of the instance itself, not of its content, which a restore keeps:
 * a snapshot taken while running holds volatile.last_state.power=RUNNING,
 * and taking it back would make lxfd's next start-up start a stopped
 * instance; the uuid is the instance's identity.
 */
static const char *const restore_keeps[] = {"volatile.last_state.power", "volatile.uuid", NULL};

static int restore_keep_keys(const char *name, struct json_object *config, struct lxf_err *err)
{
	struct json_object *inst = NULL, *icfg, *v;
	int ret = instance_row(name, &inst, err);

	if (ret < 0)
		return ret;
	if (!json_object_is_type(config, json_type_object)) {
		ret = lxf_err_set(err, LXF_EIO, "Snapshot of %s has no config object", name);
		goto out;
	}
	icfg = json_object_object_get(inst, "config");
	for (const char *const *k = restore_keeps; *k; k++) {
		if (json_object_object_get_ex(icfg, *k, &v))
			json_object_object_add(config, *k, json_object_get(v));
		else
			json_object_object_del(config, *k);
	}
out:
	json_object_put(inst);
	return ret;
}

/*
 * The instance takes the snapshot's config back, as LXD's restore does
 * (but for restore_keeps), and the staged copy (rootfs.restore) replaces
 * its rootfs: one journalled change (journal.c), then the config is
 * rendered from the row.
 */
static int restore_swap(const char *name, const char *snap, struct lxf_err *err)
{
	struct json_object *row = NULL, *ec = NULL, *ed = NULL;
	char rootfs[PATH_MAX], staged[PATH_MAX];
	struct journal j;
	int ret = snap_row(name, snap, &row, err);

	if (ret == 0)
		ret = restore_keep_keys(name, json_object_object_get(row, "config"), err);
	if (ret == 0)
		ret = instance_expand_row(row, &ec, &ed, err);
	if (ret < 0)
		goto out;
	snprintf(rootfs, sizeof(rootfs), "containers/%s/rootfs", name);
	snprintf(staged, sizeof(staged), "containers/%s/rootfs.restore", name);
	ret = journal_begin(&j, err);
	if (ret < 0)
		goto out;
	ret = db_exec(NULL, NULL, err,
		      "UPDATE instances SET architecture = ?, config = ?, devices = ?,"
		      " profiles = ?, ephemeral = ? WHERE name = ?",
		      "sjjjbs", lxf_json_str(row, "architecture"),
		      json_object_object_get(row, "config"), json_object_object_get(row, "devices"),
		      json_object_object_get(row, "profiles"),
		      (int)json_object_get_boolean(json_object_object_get(row, "ephemeral")), name);
	if (ret == 0)
		ret = journal_remove(&j, rootfs, err);
	if (ret == 0)
		ret = journal_rename(&j, staged, rootfs, err);
	if (ret < 0) {
		db_rollback();
		goto out;
	}
	ret = journal_commit(&j, err);
	if (ret == 0)
		ret = journal_render(name, err);
out:
	json_object_put(row);
	json_object_put(ec);
	json_object_put(ed);
	return ret;
}

static int restore_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct snap_arg *a = arg;
	const char *st;
	bool was_running;
	int ret = 0;

	(void)op;
	(void)md;
	pthread_mutex_lock(&snap_lock);
	st = backend_status(a->name);
	was_running = st && (strcmp(st, "Running") == 0 || strcmp(st, "Frozen") == 0);
	/* LXD stops a running instance (no clean shutdown), restores, restarts it. */
	if (was_running)
		ret = backend_stop(a->name, true, -1, err);
	if (ret == 0)
		ret = backend_snapshot_restore(a->name, a->snap, err);
	if (ret == 0)
		ret = restore_swap(a->name, a->snap, err);
	if (was_running) {
		struct lxf_err serr;
		if (backend_start(a->name, &serr) < 0 && ret == 0)
			ret = lxf_err_set(err, serr.code, "%s", serr.msg);
	}
	pthread_mutex_unlock(&snap_lock);
	if (ret == 0) {
		struct json_object *ctx = json_object_new_object();
		char url[128];
		if (ctx)
			lxf_json_add_str(ctx, "snapshot", a->snap);
		instance_url(a->name, url, sizeof(url));
		events_lifecycle("instance-restored", url, ctx);
		json_object_put(ctx);
		lxf_info("Instance %s restored from snapshot %s", a->name, a->snap);
	}
	return ret;
}

int api_snapshot_restore(struct http_req *req, const char *name, struct json_object *body,
			 struct lxf_err *err)
{
	const char *snap = NULL;
	struct json_object *row = NULL;
	struct snap_arg *a;
	bool stateful = false;
	int ret;

	if (lxf_json_get_string(body, "restore", true, &snap, err) < 0 ||
	    lxf_json_get_bool(body, "stateful", false, &stateful, err) < 0)
		return -LXF_EINVAL;
	if (stateful)
		return lxf_err_set(err, LXF_EINVAL, "Stateful snapshots aren't supported");
	/* LXD takes "snap" and "instance/snap" (what `lxc restore` sends). */
	if (strchr(snap, '/')) {
		size_t n = strlen(name);
		if (strncmp(snap, name, n) != 0 || snap[n] != '/')
			return lxf_err_set(err, LXF_EINVAL,
					   "Snapshot \"%.100s\" is not a snapshot of %s", snap,
					   name);
		snap += n + 1;
	}
	ret = check_snap_name(snap, err);
	if (ret == 0)
		ret = snap_row(name, snap, &row, err);
	json_object_put(row);
	if (ret < 0)
		return ret;
	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->snap, sizeof(a->snap), "%s", snap);
	return run_op(req, "Restoring snapshot", restore_op, a, err);
}
