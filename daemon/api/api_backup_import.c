/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /1.0/instances with Content-Type application/octet-stream: an
 * instance backup (api_backups.c has the layout) becomes a new instance,
 * named by the X-LXD-name header or the backup's own name, with its
 * snapshots. The body was streamed to a file by the HTTP core, capped by
 * the route; the work runs as a "Restoring backup" operation:
 *   1. the tarball read through (lxfd-image backup-read): a cut or corrupt
 *      one, or a foreign one, fails here, before anything is made;
 *   2. the row reserved with its creating mark (instance_create), so that
 *      a killed lxfd's next start rolls the half-made instance back;
 *   3. the instance (backend_create, empty), its rootfs and each snapshot
 *      unpacked from the tarball, checked and shifted as images are;
 *   4. the mark cleared.
 * A failure after 2 deletes the instance with its snapshots and files
 * (journal_instance_delete): nothing is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "backend_config.h"
#include "backup.h"
#include "db.h"
#include "events.h"
#include "file.h"
#include "http.h"
#include "journal.h"
#include "log.h"
#include "op.h"
#include "router.h"

struct import_arg {
	char name[64];  /* from X-LXD-name, or "" */
	char tmp[4096]; /* the uploaded tarball, removed at the end */
	/* Filled by the op. */
	struct json_object *info, *container, *config, *devices, *profiles, *exp_c, *exp_d;
	unsigned long src_base[2]; /* host ids of the container's 0 in the tarball */
	bool created;
};

static void import_arg_free(void *p)
{
	struct import_arg *a = p;

	if (!a)
		return;
	if (a->tmp[0])
		unlink(a->tmp);
	json_object_put(a->info);
	json_object_put(a->config);
	json_object_put(a->exp_c);
	json_object_put(a->exp_d);
	free(a);
}

/* The backup's config for the new instance: volatile.* stays behind, but
 * for MAC addresses and the image it was made from. */
static struct json_object *own_config(struct json_object *config)
{
	struct json_object *o = json_object_new_object();

	if (!o || !json_object_is_type(config, json_type_object))
		return o;
	json_object_object_foreach(config, k, v)
	{
		size_t n = strlen(k);
		if (strncmp(k, "volatile.", 9) == 0 && !(n > 7 && !strcmp(k + n - 7, ".hwaddr")) &&
		    strcmp(k, "volatile.base_image") != 0)
			continue;
		json_object_object_add(o, k, json_object_get(v));
	}
	return o;
}

static int64_t time_of(struct json_object *o, const char *key)
{
	struct json_object *v = json_object_object_get(o, key);
	int64_t t = 0;

	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	if (json_object_is_type(v, json_type_string))
		(void)api_parse_time(json_object_get_string(v), &t, NULL);
	return t > 0 ? t : 0;
}

/*
 * Where the backup's files have the container's uid and gid 0: LXD keeps
 * an unprivileged container's files shifted on disk, and says by what in
 * volatile.last_state.idmap ([{"Isuid", "Isgid", "Hostid", "Nsid",
 * "Maprange"}], a JSON string); absent (lxfd's own backups): unshifted.
 */
static int source_base(struct json_object *config, unsigned long base[2], struct lxf_err *err)
{
	const char *s = lxf_json_str(config, "volatile.last_state.idmap");
	struct json_object *map = NULL;
	int ret = 0;

	base[0] = base[1] = 0;
	if (!s || !s[0] || !strcmp(s, "[]"))
		return 0;
	if (lxf_json_parse(s, strlen(s), 4, &map, err) < 0 ||
	    !json_object_is_type(map, json_type_array)) {
		ret = lxf_err_set(err, LXF_EINVAL, "Bad volatile.last_state.idmap in the backup");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(map); i++) {
		struct json_object *e = json_object_array_get_idx(map, i);
		int64_t host = json_object_get_int64(json_object_object_get(e, "Hostid"));
		if (json_object_get_int64(json_object_object_get(e, "Nsid")) != 0 || host <= 0)
			continue;
		if (json_object_get_boolean(json_object_object_get(e, "Isuid")))
			base[0] = (unsigned long)host;
		if (json_object_get_boolean(json_object_object_get(e, "Isgid")))
			base[1] = (unsigned long)host;
	}
out:
	json_object_put(map);
	return ret;
}

/* Step 1 and the new instance's fields, all checked before anything is made. */
static int read_backup(struct import_arg *a, struct lxf_err *err)
{
	struct json_object *index, *backup;
	const char *type, *name;
	int ret = bk_read(a->tmp, &a->info, err);

	if (ret < 0)
		return ret;
	index = json_object_object_get(a->info, "index");
	backup = json_object_object_get(a->info, "backup");
	a->container = json_object_object_get(backup, "container");
	if (!a->container)
		a->container =
		    json_object_object_get(json_object_object_get(index, "config"), "container");
	type = lxf_json_str(index, "type");
	if (type && type[0] && strcmp(type, "container") != 0)
		return lxf_err_set(err, LXF_ENOTSUP,
				   "Only container backups can be imported, not %s", type);
	if (json_object_get_boolean(json_object_object_get(index, "optimized")))
		return lxf_err_set(
		    err, LXF_ENOTSUP,
		    "An optimized (storage driver) backup cannot be imported: export "
		    "it without --optimized-storage");
	name = a->name[0] ? a->name : lxf_json_str(index, "name");
	if (!name || router_check_instance_name(name, "instance name", err) < 0)
		return name ? -LXF_EINVAL
			    : lxf_err_set(err, LXF_EINVAL, "The backup names no instance");
	if (name != a->name)
		snprintf(a->name, sizeof(a->name), "%s", name);
	a->config = own_config(json_object_object_get(a->container, "config"));
	a->devices = json_object_object_get(a->container, "devices");
	a->profiles = json_object_object_get(a->container, "profiles");
	if (!json_object_is_type(a->devices, json_type_object))
		a->devices = NULL;
	if (!json_object_is_type(a->profiles, json_type_array))
		a->profiles = NULL;
	ret = source_base(json_object_object_get(a->container, "config"), a->src_base, err);
	if (ret == 0)
		ret = instance_check_fields(a->config, a->devices, a->profiles, err);
	if (ret == 0)
		ret =
		    instance_expand(a->profiles, a->config, a->devices, &a->exp_c, &a->exp_d, err);
	if (ret == 0)
		ret = bcfg_validate(a->exp_c, a->exp_d, err);
	return ret;
}

/* The snapshot object of the backup named snap, or NULL. */
static struct json_object *snap_object(struct json_object *info, const char *snap)
{
	struct json_object *snaps =
	    json_object_object_get(json_object_object_get(info, "backup"), "snapshots");

	for (size_t i = 0;
	     json_object_is_type(snaps, json_type_array) && i < json_object_array_length(snaps);
	     i++) {
		struct json_object *s = json_object_array_get_idx(snaps, i);
		const char *n = lxf_json_str(s, "name");
		/* Older backups name them INSTANCE/SNAP. */
		const char *slash = n ? strrchr(n, '/') : NULL;
		if (n && !strcmp(slash ? slash + 1 : n, snap))
			return s;
	}
	return NULL;
}

static int import_snapshot(struct import_arg *a, const char *snap, unsigned long ub,
			   unsigned long gb, struct lxf_err *err)
{
	struct json_object *s = snap_object(a->info, snap), *empty_o = json_object_new_object();
	struct json_object *cfg = own_config(json_object_object_get(s, "config"));
	struct json_object *dev = json_object_object_get(s, "devices");
	struct json_object *prof = json_object_object_get(s, "profiles");
	char dir[PATH_MAX], prefix[PATH_MAX], rootfs[PATH_MAX + 8];
	int ret;

	if (!empty_o || !cfg) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (router_check_object_name(snap, "snapshot name", err) < 0 || strchr(snap, '/')) {
		ret = lxf_err_set(err, LXF_EINVAL, "Invalid snapshot name \"%.80s\"", snap);
		goto out;
	}
	if (snprintf(dir, sizeof(dir), "%s/snapshots/%s", lxfd_conf.dir, a->name) >=
		(int)sizeof(dir) ||
	    snprintf(prefix, sizeof(prefix), "backup/snapshots/%s/", snap) >= (int)sizeof(prefix)) {
		ret = lxf_err_set(err, LXF_EINVAL, "Path too long");
		goto out;
	}
	/* Root-only, as backend_snapshot_create makes them. */
	ret = lxf_mkdir_p(dir, 0700, err);
	if (ret < 0)
		goto out;
	snprintf(rootfs, sizeof(rootfs), "%s/%s", dir, snap);
	if (mkdir(rootfs, 0700) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", rootfs);
		goto out;
	}
	snprintf(rootfs, sizeof(rootfs), "%s/%s/rootfs", dir, snap);
	ret = bk_unpack(a->tmp, prefix, a->src_base, rootfs, ub, gb, err);
	if (ret < 0) {
		lxf_err_prefix(err, "Snapshot %s", snap);
		goto out;
	}
	ret = db_exec(NULL, NULL, err,
		      "INSERT INTO snapshots (instance, name, architecture, config, devices,"
		      " profiles, ephemeral, stateful, created_at, expires_at, last_used_at,"
		      " creating) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, 0, 0)",
		      "sssjjjii", a->name, snap,
		      lxf_json_str(s, "architecture") ? lxf_json_str(s, "architecture") : "x86_64",
		      cfg, json_object_is_type(dev, json_type_object) ? dev : empty_o,
		      json_object_is_type(prof, json_type_array) ? prof : a->profiles,
		      time_of(s, "created_at") ? time_of(s, "created_at") : (int64_t)time(NULL),
		      time_of(s, "expires_at"));
out:
	json_object_put(empty_o);
	json_object_put(cfg);
	return ret;
}

/* Steps 3: the rootfs, then each snapshot the index lists. */
static int import_files(struct import_arg *a, struct lxf_err *err)
{
	struct json_object *snaps =
	    json_object_object_get(json_object_object_get(a->info, "index"), "snapshots");
	unsigned long ub = 0, gb = 0, count = 0;
	char rootfs[PATH_MAX];
	int ret;

	ret = backend_create(a->name, NULL, a->exp_c, a->exp_d, err);
	if (ret < 0)
		return ret;
	a->created = true;
	ret = backend_idmap(a->name, &ub, &gb, &count, err);
	if (ret < 0)
		return ret;
	if (!count)
		ub = gb = 0;
	if (snprintf(rootfs, sizeof(rootfs), "%s/containers/%s/rootfs", lxfd_conf.dir, a->name) >=
	    (int)sizeof(rootfs))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	/* backend_create made it empty; the backup's takes its place. */
	if (rmdir(rootfs) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot replace %s", rootfs);
	ret = bk_unpack(a->tmp, "backup/container/", a->src_base, rootfs, ub, gb, err);
	for (size_t i = 0; ret == 0 && json_object_is_type(snaps, json_type_array) &&
			   i < json_object_array_length(snaps);
	     i++) {
		const char *snap = json_object_get_string(json_object_array_get_idx(snaps, i));
		ret = import_snapshot(a, snap ? snap : "", ub, gb, err);
	}
	return ret;
}

static int import_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct import_arg *a = arg;
	struct instance_new ni;
	int ret;

	(void)op;
	(void)md;
	ret = read_backup(a, err);
	if (ret < 0)
		goto out;
	ni = (struct instance_new){
	    .name = a->name,
	    .description = lxf_json_str(a->container, "description"),
	    .architecture = lxf_json_str(a->container, "architecture"),
	    .config = a->config,
	    .devices = a->devices,
	    .profiles = a->profiles,
	    .ephemeral = json_object_get_boolean(json_object_object_get(a->container, "ephemeral")),
	};
	ret = instance_create(&ni, err);
	if (ret < 0)
		goto out;
	ret = import_files(a, err);
	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "UPDATE instances SET creating = 0 WHERE name = ?",
			      "s", a->name);
	if (ret < 0) {
		struct lxf_err e;
		/* Row, snapshot rows, files: whatever of it was made. */
		if (a->created)
			(void)journal_instance_delete(a->name, &e);
		else
			instance_create_undo(a->name);
		goto out;
	}
	lxf_info("Imported instance %s from a backup", a->name);
	events_lifecycle_at("instance-created", "/1.0/instances/", a->name);
out:
	if (ret < 0)
		lxf_err_prefix(err, "Import of %s", a->name[0] ? a->name : "the backup");
	/* Now, not when the op is reaped: a failed import leaves nothing. */
	unlink(a->tmp);
	a->tmp[0] = '\0';
	return ret;
}

int api_backup_import(struct http_req *req, struct lxf_err *err)
{
	struct import_arg *a = NULL;
	struct op *op = NULL;
	char url[128];
	int ret = 0;

	if (req->upload_len == 0)
		return lxf_err_set(err, LXF_EINVAL, "The backup upload is empty");
	if (req->x_name[0] && router_check_instance_name(req->x_name, "instance name", err) < 0)
		return -LXF_EINVAL;
	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(a->name, sizeof(a->name), "%s", req->x_name);
	snprintf(a->tmp, sizeof(a->tmp), "%s", req->upload_path);
	req->upload_path[0] = '\0';
	if (a->name[0])
		instance_url(a->name, url, sizeof(url));
	op = op_run("Restoring backup", a->name[0] ? "instances" : NULL, a->name[0] ? url : NULL,
		    import_op, a, import_arg_free, err);
	ret = op ? api_async(req, op, err) : -err->code;
	op_unref(op);
	return ret;
}
