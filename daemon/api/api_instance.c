/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/instances/{name}: get, update (PUT async, PATCH sync), rename, delete. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api.h"
#include "backend.h"
#include "backend_config.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "journal.h"
#include "log.h"
#include "migrate.h"
#include "op.h"

/* The instance's row, hiding half-created ones as LXD has no such state. */
static int get_row(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Instance", err,
		      "SELECT * FROM instances WHERE name = ? AND creating = 0", "s", name);
}

/* The editable fields the ETag covers, as LXD does. New reference. */
static struct json_object *etag_src(struct json_object *row)
{
	static const char *const keys[] = {"architecture", "config",   "devices",
					   "ephemeral",    "profiles", "description"};
	struct json_object *o = json_object_new_object();

	if (o)
		api_copy_fields(o, row, keys, sizeof(keys) / sizeof(keys[0]));
	return o;
}

int api_instance_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o, *src;
	int ret = get_row(router_param(&req->match, "name"), &row, err);

	if (ret < 0)
		return ret;
	o = api_instance_json(row, api_recursion(req) > 0);
	src = etag_src(row);
	json_object_put(row);
	return reply_sync_etag_of(req, o, src, err);
}

struct update_arg {
	char name[64];
	struct json_object *row; /* the new row (config, devices, profiles, ...) */
};

static void update_arg_free(void *p)
{
	struct update_arg *a = p;

	if (a) {
		json_object_put(a->row);
		free(a);
	}
}

static int store_row(const char *name, struct json_object *row, struct lxf_err *err)
{
	return db_exec(
	    NULL, NULL, err,
	    "UPDATE instances SET config = ?, devices = ?, profiles = ?,"
	    " ephemeral = ?, description = ? WHERE name = ?",
	    "jjjbss", json_object_object_get(row, "config"), json_object_object_get(row, "devices"),
	    json_object_object_get(row, "profiles"),
	    (int)json_object_get_boolean(json_object_object_get(row, "ephemeral")),
	    lxf_json_str(row, "description") ? lxf_json_str(row, "description") : "", name);
}

/*
 * Stores the new row, then renders the liblxc config from it (journal.c:
 * the DB is the truth, a crash in between is finished by the next start's
 * render). When the backend refuses it, the old row goes back.
 */
static int apply_update(const char *name, struct json_object *row, struct lxf_err *err)
{
	struct json_object *ec = NULL, *ed = NULL, *old = NULL;
	int ret;

	ret = instance_expand_row(row, &ec, &ed, err);
	if (ret == 0)
		ret = bcfg_validate(ec, ed, err);
	if (ret == 0)
		ret = db_row(&old, "Instance", err, "SELECT * FROM instances WHERE name = ?", "s",
			     name);
	if (ret == 0)
		ret = store_row(name, row, err);
	if (ret == 0 && backend_status(name) && (ret = journal_render(name, err)) < 0) {
		struct lxf_err e;
		/* The file may have been written before a live limit was refused. */
		if (store_row(name, old, &e) < 0 || journal_render(name, &e) < 0)
			lxf_warn("Instance %s: cannot put its old config back: %s", name, e.msg);
	}
	json_object_put(old);
	json_object_put(ec);
	json_object_put(ed);
	return ret;
}

static int update_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct update_arg *a = arg;

	(void)op;
	(void)md;
	return events_if(apply_update(a->name, a->row, err), "instance-updated", "/1.0/instances/",
			 a->name);
}

/*
 * Builds the new row from the body: PUT replaces every editable field
 * (absent ones become empty), PATCH merges config and devices key by key
 * and replaces the other fields it names.
 */
static int new_row(struct json_object *row, struct json_object *body, bool patch,
		   struct lxf_err *err)
{
	struct json_object *config = NULL, *devices = NULL, *profiles = NULL;
	const char *desc = NULL;
	bool ephemeral = false;
	bool has_eph = json_object_object_get_ex(body, "ephemeral", NULL);

	if (json_object_object_get_ex(body, "restore", NULL))
		return lxf_err_set(err, LXF_ENOTSUP, "Snapshots are not supported");
	if (lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_object(body, "devices", false, &devices, err) < 0 ||
	    lxf_json_get_array(body, "profiles", false, &profiles, err) < 0 ||
	    lxf_json_get_bool(body, "ephemeral", false, &ephemeral, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0)
		return -LXF_EINVAL;
	if (instance_check_fields(config, devices, profiles, err) < 0)
		return -LXF_EINVAL;
	api_update_row(row, config, devices, desc, patch);
	if (profiles || !patch)
		json_object_object_add(
		    row, "profiles", profiles ? lxf_json_copy(profiles) : json_object_new_array());
	if (has_eph || !patch)
		json_object_object_add(row, "ephemeral", json_object_new_boolean(ephemeral));
	return 0;
}

/*
 * PUT {"restore": S}: 1 when S names a snapshot to restore, 0 for a plain
 * update (no or an empty "restore"), < 0 with err filled. `lxc restore`
 * sends "INSTANCE/SNAP" as LXD takes it: the prefix must be this
 * instance's and is dropped from body, so that api_snapshot_restore sees
 * the bare snapshot name.
 */
static int restore_target(const char *name, struct json_object *body, struct lxf_err *err)
{
	struct json_object *v = NULL;
	const char *s, *slash;
	size_t nlen = strlen(name);

	if (!json_object_object_get_ex(body, "restore", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return lxf_err_set(err, LXF_EINVAL, "\"restore\" must be a string");
	s = json_object_get_string(v);
	if (!s[0])
		return 0;
	slash = strchr(s, '/');
	if (!slash)
		return 1;
	if ((size_t)(slash - s) != nlen || strncmp(s, name, nlen) != 0 || !slash[1])
		return lxf_err_set(err, LXF_ENOENT, "Snapshot \"%s\" not found", s);
	v = json_object_new_string(slash + 1);
	if (!v)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	json_object_object_add(body, "restore", v);
	return 1;
}

int api_instance_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	const char *name = router_param(&req->match, "name");
	struct json_object *row = NULL, *body, *src = NULL, *ec = NULL, *ed = NULL;
	struct update_arg *a = NULL;
	struct op *op = NULL;
	char url[128];
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = get_row(name, &row, err);
	if (ret < 0)
		return ret;
	if (!patch && (ret = restore_target(name, body, err)) != 0) {
		json_object_put(row);
		if (ret < 0)
			return ret;
		return api_snapshot_restore(req, name, body, err); /* api_snapshots.c */
	}
	src = etag_src(row);
	ret = reply_check_if_match(req, src, err);
	if (ret == 0)
		ret = new_row(row, body, patch, err);
	/* Missing profiles are refused now, before any operation is made. */
	if (ret == 0)
		ret = instance_expand(json_object_object_get(row, "profiles"), NULL, NULL, &ec, &ed,
				      err);
	if (ret < 0)
		goto out;
	if (patch) {
		ret = apply_update(name, row, err);
		if (ret == 0)
			ret = reply_sync(req, NULL, err);
		goto out;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->row = json_object_get(row);
	instance_url(name, url, sizeof(url));
	op = op_run("Updating instance", "instances", url, update_op, a, update_arg_free, err);
	ret = op ? api_async(req, op, err) : -err->code;
out:
	op_unref(op);
	json_object_put(row);
	json_object_put(src);
	json_object_put(ec);
	json_object_put(ed);
	return ret;
}

static bool is_running(const char *name)
{
	const char *st = backend_status(name);

	return st && (strcmp(st, "Running") == 0 || strcmp(st, "Frozen") == 0);
}

struct rename_arg {
	char name[64], newname[64];
};

/*
 * The MAC addresses of old's nics that come from its name (no hwaddr, no
 * volatile.<dev>.hwaddr) are pinned in its row's config, inside the rename's
 * transaction: the config rendered under the new name keeps them, as
 * LXD's rename keeps volatile.*.hwaddr.
 */
static int pin_macs(const char *old, struct lxf_err *err)
{
	struct json_object *row = NULL, *ec = NULL, *ed = NULL, *config;
	char seed[PATH_MAX], key[128], mac[18];
	int pinned = 0;
	int ret = db_row(&row, "Instance", err, "SELECT * FROM instances WHERE name = ?", "s", old);

	if (ret == 0)
		ret = instance_expand_row(row, &ec, &ed, err);
	if (ret == 0 && backend_dir(seed, sizeof(seed)) < 0)
		ret = lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (ret < 0)
		goto out;
	config = json_object_object_get(row, "config");
	json_object_object_foreach(ed, dev, d)
	{
		const char *type = lxf_json_str(d, "type");
		if (!type || strcmp(type, "nic") != 0 || lxf_json_str(d, "hwaddr") ||
		    snprintf(key, sizeof(key), "volatile.%s.hwaddr", dev) >= (int)sizeof(key) ||
		    lxf_json_str(ec, key))
			continue;
		if (bcfg_default_mac(seed, old, dev, mac) < 0) {
			ret = lxf_err_set(err, LXF_EINTERNAL, "Cannot make the MAC of %s", dev);
			goto out;
		}
		lxf_json_add_str(config, key, mac);
		pinned++;
	}
	if (pinned)
		ret = db_exec(NULL, NULL, err, "UPDATE instances SET config = ? WHERE name = ?",
			      "js", config, old);
out:
	json_object_put(row);
	json_object_put(ec);
	json_object_put(ed);
	return ret;
}

/*
 * The row and the file moves are one journalled change (journal.c): the
 * new name's leftovers (it has no row) go, then the container, snapshot
 * and log directories move, and the config is rendered under the new name.
 * It runs in the request, not in the operation, so that a database that
 * cannot take the change (a full disk) answers with its own status, 500,
 * as a create or a snapshot does; an operation's failure reaches LXD's
 * clients as 400. Directory renames take no time worth an operation.
 */
static int rename_apply(const char *name, const char *newname, struct lxf_err *err)
{
	static const char *const areas[] = {"containers", "snapshots", "logs"};
	char from[PATH_MAX], to[PATH_MAX];
	struct journal j;
	struct stat st;
	int ret;

	/*
	 * A directory without a row is never removed (journal.c: it may hold
	 * someone's data); moving onto it would fail after the row moved.
	 */
	if (backend_dir(to, sizeof(to)) < 0 ||
	    snprintf(from, sizeof(from), "%s/containers/%s", to, newname) >= (int)sizeof(from))
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (lstat(from, &st) == 0)
		return lxf_err_set(err, LXF_EEXIST,
				   "Instance \"%s\" cannot be made: %s exists without an "
				   "instance (move it away)",
				   newname, from);
	ret = journal_begin(&j, err);
	if (ret < 0)
		return ret;
	ret = pin_macs(name, err);
	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "UPDATE instances SET name = ? WHERE name = ?", "ss",
			      newname, name);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Instance \"%s\" already exists", newname);
	for (size_t i = 1; ret == 0 && i < sizeof(areas) / sizeof(areas[0]); i++) {
		snprintf(to, sizeof(to), "%s/%s", areas[i], newname);
		ret = journal_remove(&j, to, err);
	}
	for (size_t i = 0; ret == 0 && i < sizeof(areas) / sizeof(areas[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", areas[i], name);
		snprintf(to, sizeof(to), "%s/%s", areas[i], newname);
		ret = journal_rename(&j, from, to, err);
	}
	if (ret < 0) {
		db_rollback();
		return ret;
	}
	backend_forget(name);
	ret = journal_commit(&j, err);
	if (ret == 0 && journal_render(newname, err) < 0)
		lxf_warn("Instance %s: %s (rendered again at the next start)", newname, err->msg);
	return ret;
}

/* The rename is done (rename_apply); the operation tells the listeners. */
static int rename_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct rename_arg *a = arg;

	(void)op;
	(void)md;
	(void)err;
	return events_if(0, "instance-renamed", "/1.0/instances/", a->newname);
}

int api_instance_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name"), *newname = NULL;
	struct json_object *body, *row = NULL, *other = NULL;
	struct rename_arg *a = NULL;
	struct op *op = NULL;
	bool migration = false;
	char url[128];
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = get_row(name, &row, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_bool(body, "migration", false, &migration, err) < 0 ||
	    lxf_json_get_string(body, "name", !migration, &newname, err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	if (migration) {
		ret = migrate_source_post(req, name, NULL, body, err);
		goto out;
	}
	ret = router_check_instance_name(newname, "instance name", err);
	if (ret < 0)
		goto out;
	if (is_running(name)) {
		ret = lxf_err_set(err, LXF_EBUSY, "Renaming of running instance not allowed");
		goto out;
	}
	if (db_row(&other, "Instance", NULL, "SELECT name FROM instances WHERE name = ?", "s",
		   newname) == 0 ||
	    backend_status(newname)) {
		ret = lxf_err_set(err, LXF_EEXIST, "Instance \"%s\" already exists", newname);
		goto out;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->newname, sizeof(a->newname), "%s", newname);
	ret = rename_apply(name, newname, err);
	if (ret < 0) {
		free(a);
		goto out;
	}
	instance_url(name, url, sizeof(url));
	op = op_run("Renaming instance", "instances", url, rename_op, a, free, err);
	ret = op ? api_async(req, op, err) : -err->code;
out:
	op_unref(op);
	json_object_put(row);
	json_object_put(other);
	return ret;
}

static int delete_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	const char *name = arg;
	int ret;

	(void)op;
	(void)md;
	if (is_running(name))
		return lxf_err_set(err, LXF_EBUSY, "Instance is running");
	ret = journal_instance_delete(name, err);
	if (ret == 0)
		lxf_info("Deleted instance %s", name);
	return events_if(ret, "instance-deleted", "/1.0/instances/", name);
}

int api_instance_delete(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *row = NULL;
	struct op *op = NULL;
	char url[128], *arg;
	int ret = get_row(name, &row, err);

	if (ret < 0)
		return ret;
	json_object_put(row);
	if (is_running(name))
		return lxf_err_set(err, LXF_EINVAL, "Instance is running");
	if (!(arg = strdup(name)))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	instance_url(name, url, sizeof(url));
	op = op_run("Deleting instance", "instances", url, delete_op, arg, free, err);
	ret = op ? api_async(req, op, err) : -err->code;
	op_unref(op);
	return ret;
}
