/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance backups, as LXD 5.0 has them (extensions container_backup,
 * backup_compression, backup_compression_algorithm):
 * /1.0/instances/{name}/backups[/{backup}[/export]] and, in
 * api_backup_import, POST /1.0/instances with a backup tarball as the
 * body.
 *
 * A backup is a tarball in LXD's layout for a dir pool, so that each side
 * reads the other's: backup/index.yaml (name, backend, pool, snapshot
 * names, type), backup/container/backup.yaml (the instance and its
 * snapshots as LXD's API objects), backup/container/rootfs/ and
 * backup/snapshots/SNAP/rootfs/, owners as the container sees them.
 * The files live in DIR/backups under a name of their own, made before
 * the row: a file no row names (a crash, an instance deleted with its
 * rows) is removed at start-up and at each new backup.
 *
 * An import is made as every create is, crash-safe by the row's creating
 * mark (instance_create): the whole tarball is read through first (a cut
 * or corrupt one fails before anything is made), then the instance, its
 * rootfs and each snapshot; any failure deletes all of it
 * (journal_instance_delete), and a killed lxfd's next start rolls the
 * half-made instance back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "backup.h"
#include "buf.h"
#include "db.h"
#include "events.h"
#include "file.h"
#include "http.h"
#include "journal.h"
#include "log.h"
#include "op.h"
#include "router.h"
#include "yaml.h"

#define BK_NAME_MAX 255

struct bk_arg {
	char name[64], backup[BK_NAME_MAX + 1], newname[BK_NAME_MAX + 1];
	char compression[16];
	int64_t expires_at;
	bool instance_only;
	char tmp[PATH_MAX]; /* import: the uploaded tarball (ours to remove) */
};

static void bk_arg_free(void *p)
{
	struct bk_arg *a = p;

	if (a && a->tmp[0])
		unlink(a->tmp);
	free(a);
}

static int backups_dir(char *buf, size_t n, struct lxf_err *err)
{
	if (snprintf(buf, n, "%s/backups", lxfd_conf.dir) >= (int)n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	return lxf_mkdir_p(buf, 0700, err);
}

/* LXD's InstanceBackup object of a row. */
static struct json_object *backup_json(struct json_object *row)
{
	static const char *const copied[] = {"name", "instance_only", "optimized_storage"};
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	api_copy_fields(o, row, copied, sizeof(copied) / sizeof(copied[0]));
	json_object_object_add(o, "container_only",
			       json_object_get(json_object_object_get(row, "instance_only")));
	api_add_time(o, row, "created_at");
	api_add_time(o, row, "expires_at");
	return o;
}

static int backup_row(struct http_req *req, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Backup", err, "SELECT * FROM backups WHERE instance = ? AND name = ?",
		      "ss", router_param(&req->match, "name"), router_param(&req->match, "backup"));
}

static int instance_exists(const char *name, struct lxf_err *err)
{
	struct json_object *row = NULL;
	int ret = db_row(&row, "Instance", err,
			 "SELECT name FROM instances WHERE name = ? AND creating = 0", "s", name);

	json_object_put(row);
	return ret;
}

/* Removes the files of DIR/backups no row names: crashes, deleted instances. */
static void sweep(void)
{
	struct json_object *rows = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if (backups_dir(dir, sizeof(dir), NULL) < 0 ||
	    db_rows_by(&rows, "file", true, NULL, "SELECT file FROM backups", "") < 0)
		goto out;
	if (!(d = opendir(dir)))
		goto out;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (json_object_object_get_ex(rows, de->d_name, NULL))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			lxf_info("Removed stray backup file %s", path);
	}
	closedir(d);
out:
	json_object_put(rows);
}

void api_backups_recover(void)
{
	sweep();
}

int api_backups_get(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *rows = NULL, *arr = NULL;
	char url[512];
	int ret = instance_exists(name, err);

	if (ret == 0)
		ret = db_exec(&rows, NULL, err,
			      "SELECT * FROM backups WHERE instance = ? ORDER BY created_at, name",
			      "s", name);
	if (ret < 0)
		return ret;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		if (api_recursion(req) > 0) {
			json_object_array_add(arr, backup_json(row));
		} else {
			snprintf(url, sizeof(url), "/1.0/instances/%s/backups/%s", name,
				 lxf_json_str(row, "name"));
			json_object_array_add(arr, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	return reply_sync(req, arr, err);
}

int api_backup_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	int ret = backup_row(req, &row, err);

	if (ret < 0)
		return ret;
	ret = reply_sync(req, backup_json(row), err);
	json_object_put(row);
	return ret;
}

int api_backup_export(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	char dir[PATH_MAX], path[PATH_MAX + 256];
	int ret = backup_row(req, &row, err), fd;

	if (ret == 0)
		ret = backups_dir(dir, sizeof(dir), err);
	if (ret < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, lxf_json_str(row, "file"));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot open backup file");
	else
		ret = reply_sync_fd(req, fd, "application/octet-stream", "backup file", err);
out:
	json_object_put(row);
	return ret;
}

/*
 * Runs fn as an async op on the backup's instance, or with on_backup on
 * the backup: LXD's client reads a new backup's name from the op's
 * "backups" resource (lxc export). Takes a.
 */
static int run_op(struct http_req *req, const char *desc, op_fn fn, struct bk_arg *a,
		  bool on_backup, struct lxf_err *err)
{
	struct op *op;
	char url[512];
	int ret;

	if (on_backup) /* LXD 5.0's form: the client strips "/1.0/backups/" off it */
		snprintf(url, sizeof(url), "/1.0/backups/%s", a->backup);
	else
		instance_url(a->name, url, sizeof(url));
	op = op_run(desc, on_backup ? "backups" : "instances", url, fn, a, bk_arg_free, err);
	ret = op ? api_async(req, op, err) : -err->code;
	op_unref(op);
	return ret;
}

static int delete_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct bk_arg *a = arg;
	int ret;

	(void)op;
	(void)md;
	ret = db_exec(NULL, NULL, err, "DELETE FROM backups WHERE instance = ? AND name = ?", "ss",
		      a->name, a->backup);
	if (ret == 0)
		sweep();
	return ret;
}

static int rename_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct bk_arg *a = arg;
	int ret;

	(void)op;
	(void)md;
	ret =
	    db_exec(NULL, NULL, err, "UPDATE backups SET name = ? WHERE instance = ? AND name = ?",
		    "sss", a->newname, a->name, a->backup);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Backup \"%s\" already exists", a->newname);
	return ret;
}

/* The backup of the request's URL, as an op argument. */
static int url_arg(struct http_req *req, struct bk_arg **out, struct lxf_err *err)
{
	struct json_object *row = NULL;
	struct bk_arg *a;
	int ret = backup_row(req, &row, err);

	json_object_put(row);
	if (ret < 0)
		return ret;
	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(a->name, sizeof(a->name), "%s", router_param(&req->match, "name"));
	snprintf(a->backup, sizeof(a->backup), "%s", router_param(&req->match, "backup"));
	*out = a;
	return 0;
}

int api_backup_delete(struct http_req *req, struct lxf_err *err)
{
	struct bk_arg *a = NULL;
	int ret = url_arg(req, &a, err);

	return ret < 0 ? ret : run_op(req, "Removing instance backup", delete_op, a, false, err);
}

int api_backup_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body;
	const char *nn = NULL;
	struct bk_arg *a = NULL;
	int ret = api_body_object(req, &body, err);

	if (ret == 0 && (lxf_json_get_string(body, "name", true, &nn, err) < 0 ||
			 router_check_object_name(nn, "backup name", err) < 0))
		ret = -LXF_EINVAL;
	if (ret == 0)
		ret = url_arg(req, &a, err);
	if (ret < 0)
		return ret;
	snprintf(a->newname, sizeof(a->newname), "%s", nn);
	return run_op(req, "Renaming instance backup", rename_op, a, false, err);
}

/* The YAML of o into file path. */
static int write_yaml(struct json_object *o, const char *path, struct lxf_err *err)
{
	struct lxf_buf b;
	int ret;

	lxf_buf_init(&b, 4u << 20);
	ret = lxf_yaml_emit(o, &b, err);
	if (ret == 0)
		ret = lxf_file_write_atomic(path, b.data, b.len, 0600, err);
	lxf_buf_fini(&b);
	return ret;
}

/*
 * index.yaml and backup.yaml of instance row with its snapshots: LXD's
 * backup.Info and backup config for a dir pool.
 */
static int write_index(const struct bk_arg *a, struct json_object *row, struct json_object *snaps,
		       const char *index, const char *byaml, struct lxf_err *err)
{
	struct json_object *idx = json_object_new_object(), *cfg = json_object_new_object();
	struct json_object *names = json_object_new_array(), *pool = json_object_new_object();
	struct json_object *vol = json_object_new_object();
	int ret;

	if (!idx || !cfg || !names || !pool || !vol) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	for (size_t i = 0; snaps && i < json_object_array_length(snaps); i++)
		json_object_array_add(names, json_object_get(json_object_object_get(
						 json_object_array_get_idx(snaps, i), "name")));
	lxf_json_add_str(idx, "name", a->name);
	lxf_json_add_str(idx, "backend", "dir");
	lxf_json_add_str(idx, "pool", "default");
	json_object_object_add(idx, "snapshots", names);
	names = NULL;
	json_object_object_add(idx, "optimized", json_object_new_boolean(0));
	json_object_object_add(idx, "optimized_header", json_object_new_boolean(0));
	lxf_json_add_str(idx, "type", "container");
	json_object_object_add(cfg, "container", api_instance_json(row, false));
	json_object_object_add(cfg, "snapshots",
			       snaps ? json_object_get(snaps) : json_object_new_array());
	lxf_json_add_str(pool, "name", "default");
	lxf_json_add_str(pool, "driver", "dir");
	json_object_object_add(cfg, "pool", pool);
	pool = NULL;
	lxf_json_add_str(vol, "name", a->name);
	lxf_json_add_str(vol, "type", "container");
	lxf_json_add_str(vol, "content_type", "filesystem");
	json_object_object_add(cfg, "volume", vol);
	vol = NULL;
	ret = write_yaml(idx, index, err);
	if (ret == 0)
		ret = write_yaml(cfg, byaml, err);
out:
	json_object_put(idx);
	json_object_put(cfg);
	json_object_put(names);
	json_object_put(pool);
	json_object_put(vol);
	return ret;
}

/* The parts of the tarball: index, backup.yaml, rootfs, each snapshot's rootfs. */
static int pack_backup(const struct bk_arg *a, struct json_object *snaps, const char *out,
		       const char *index, const char *byaml, struct lxf_err *err)
{
	size_t ns = snaps ? json_object_array_length(snaps) : 0, n = 0;
	const char *(*items)[2] = calloc(ns + 3, sizeof(*items));
	char(*paths)[2][PATH_MAX + 300] = calloc(ns + 1, sizeof(*paths));
	unsigned long ub = 0, gb = 0, count = 0;
	int ret;

	if (!items || !paths) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ret = backend_idmap(a->name, &ub, &gb, &count, err);
	if (ret < 0)
		goto out;
	if (!count)
		ub = gb = 0;
	items[n][0] = index;
	items[n++][1] = "backup/index.yaml";
	items[n][0] = byaml;
	items[n++][1] = "backup/container/backup.yaml";
	snprintf(paths[0][0], sizeof(paths[0][0]), "%s/containers/%s/rootfs", lxfd_conf.dir,
		 a->name);
	items[n][0] = paths[0][0];
	items[n++][1] = "backup/container/rootfs";
	for (size_t i = 0; i < ns; i++) {
		const char *s = lxf_json_str(json_object_array_get_idx(snaps, i), "name");
		snprintf(paths[i + 1][0], sizeof(paths[0][0]), "%s/snapshots/%s/%s/rootfs",
			 lxfd_conf.dir, a->name, s);
		snprintf(paths[i + 1][1], sizeof(paths[0][1]), "backup/snapshots/%s/rootfs", s);
		items[n][0] = paths[i + 1][0];
		items[n++][1] = paths[i + 1][1];
	}
	ret = bk_pack(out, a->compression, ub, gb, (const char *const(*)[2])items, n, err);
out:
	free(items);
	free(paths);
	return ret;
}

static int create_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct bk_arg *a = arg;
	struct json_object *row = NULL, *snaps = NULL;
	char dir[PATH_MAX], out[PATH_MAX + 32] = "", index[PATH_MAX + 40] = "",
					   byaml[PATH_MAX + 40] = "";
	int fd, ret;

	(void)op;
	(void)md;
	ret = backups_dir(dir, sizeof(dir), err);
	if (ret == 0)
		ret =
		    db_row(&row, "Instance", err,
			   "SELECT * FROM instances WHERE name = ? AND creating = 0", "s", a->name);
	if (ret < 0)
		goto out;
	if (!a->instance_only) {
		snaps = api_snapshots_json(a->name);
		if (!snaps) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto out;
		}
	}
	snprintf(out, sizeof(out), "%s/backup-XXXXXX", dir);
	fd = mkostemp(out, O_CLOEXEC);
	if (fd < 0) {
		out[0] = '\0';
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot create the backup file");
		goto out;
	}
	close(fd);
	snprintf(index, sizeof(index), "%s.index", out);
	snprintf(byaml, sizeof(byaml), "%s.yaml", out);
	ret = write_index(a, row, snaps, index, byaml, err);
	if (ret == 0)
		ret = pack_backup(a, snaps, out, index, byaml, err);
	if (ret == 0)
		ret = db_exec(NULL, NULL, err,
			      "INSERT INTO backups (instance, name, file, created_at, expires_at,"
			      " instance_only, compression) VALUES (?, ?, ?, ?, ?, ?, ?)",
			      "sssiibs", a->name, a->backup, strrchr(out, '/') + 1,
			      (int64_t)time(NULL), a->expires_at, (int)a->instance_only,
			      a->compression);
	if (ret == -LXF_EEXIST)
		lxf_err_set(err, LXF_EEXIST, "Backup \"%s\" already exists", a->backup);
	if (ret == 0) {
		lxf_info("Backed up %s as %s", a->name, a->backup);
		out[0] = '\0'; /* kept: the row names it */
	}
out:
	if (out[0])
		unlink(out);
	if (index[0])
		unlink(index);
	if (byaml[0])
		unlink(byaml);
	json_object_put(row);
	json_object_put(snaps);
	return ret;
}

int api_backups_post(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	const char *bname = NULL, *alg = NULL;
	struct json_object *body;
	struct bk_arg *a = NULL;
	bool co = false;
	int ret = api_body_object(req, &body, err);

	if (ret == 0)
		ret = instance_exists(name, err);
	if (ret < 0)
		return ret;
	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (lxf_json_get_string(body, "name", false, &bname, err) < 0 ||
	    lxf_json_get_string(body, "compression_algorithm", false, &alg, err) < 0 ||
	    lxf_json_get_bool(body, "instance_only", false, &a->instance_only, err) < 0 ||
	    lxf_json_get_bool(body, "container_only", false, &co, err) < 0 ||
	    api_get_expiry(body, &a->expires_at, err) < 0 ||
	    (bname && bname[0] && router_check_object_name(bname, "backup name", err) < 0) ||
	    bk_compression_check(alg && alg[0] ? alg : "gzip", err) < 0) {
		free(a);
		return -LXF_EINVAL;
	}
	sweep();
	a->instance_only = a->instance_only || co;
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->compression, sizeof(a->compression), "%s", alg && alg[0] ? alg : "gzip");
	if (bname && bname[0])
		snprintf(a->backup, sizeof(a->backup), "%s", bname);
	else
		snprintf(a->backup, sizeof(a->backup), "backup%lld", (long long)time(NULL));
	return run_op(req, "Backing up instance", create_op, a, true, err);
}
