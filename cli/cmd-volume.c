/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf storage volume list|create|show|edit|get|set|unset|rename|delete|
 * attach|detach|snapshot|restore: a pool's custom volumes, in lxc's syntax
 * ("[REMOTE:]POOL VOLUME ..."; show, edit, get, rename and delete also
 * take VOLUME/SNAPSHOT). Each verb but create, attach, detach, snapshot
 * and restore
 * is a generic object verb (obj-verbs.c) run on a descriptor made for the
 * pool named (collection storage-pools/POOL/volumes/custom) with the
 * arguments as those verbs read them ("[REMOTE:]VOLUME ...").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "output.h"

static const char *const vol_keys[] = {"description", "config", NULL};
static const char *const snap_keys[] = {"description", "expires_at", NULL};
static const char *const snap_extra[] = {"name", "config", "content_type", "created_at", NULL};

static const struct lxf_obj_desc vol_desc = {
    .noun = "Storage volume",
    .keys = vol_keys,
    .flags = LXF_OBJ_DEL_PARTIAL,
    .cols = {{"TYPE", LXF_CELL_STR, "type"},
	     {"NAME", LXF_CELL_STR, "name"},
	     {"DESCRIPTION", LXF_CELL_STR, "description"},
	     {"CONTENT-TYPE", LXF_CELL_STR, "content_type"},
	     {"USED BY", LXF_CELL_COUNT, "used_by"}},
};

static const struct lxf_obj_desc vol_instance_desc = {
    .collection = "instances",
    .keys = lxf_obj_instance_keys,
};

/* What a verb gets: the descriptor for the pool and its arguments. */
struct vol_call {
	struct lxf_obj_desc d;
	struct lxf_cmd self;
	struct lxf_cmd_args args;
	char collection[160];
	char *remote; /* "REMOTE:" or "" */
	char *pool;
	char *words[64];
	int nwords;
};

static void vol_call_fini(struct vol_call *v)
{
	for (int i = 0; i < v->nwords; i++)
		free(v->words[i]);
	free(v->remote);
	free(v->pool);
}

/* Splits "[REMOTE:]POOL" and checks the pool's name (it goes into a path). */
static int vol_pool(struct vol_call *v, const char *arg, struct lxf_err *err)
{
	const char *colon = strchr(arg, ':');
	const char *pool = colon ? colon + 1 : arg;

	v->remote = colon ? strndup(arg, (size_t)(colon - arg) + 1) : strdup("");
	v->pool = strdup(pool);
	if (!v->remote || !v->pool)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (!*pool)
		return lxf_err_set(err, LXF_EUSAGE, "'%s' names no storage pool", arg);
	for (const char *p = pool; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return lxf_err_set(err, LXF_EUSAGE, "bad storage pool name '%s'", pool);
	return 0;
}

static int vol_word(struct vol_call *v, const char *prefix, const char *s, struct lxf_err *err)
{
	size_t n = strlen(prefix) + strlen(s) + 1;

	if (v->nwords >= (int)(sizeof(v->words) / sizeof(v->words[0])))
		return lxf_err_set(err, LXF_EUSAGE, "too many arguments");
	if (!(v->words[v->nwords] = malloc(n)))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	(void)snprintf(v->words[v->nwords++], n, "%s%s", prefix, s);
	return 0;
}

/*
 * VOLUME/SNAPSHOT, as lxc takes it: the first nnames words (-1: all) name
 * snapshots of one volume when the first does; they become SNAPSHOT and
 * the collection that volume's snapshots. A snapshot where a verb cannot
 * take one (nnames 0, or a later word) is a usage error.
 */
static int vol_snap_form(struct vol_call *v, int nnames, struct lxf_err *err)
{
	const char *first = v->nwords ? v->words[0] : "", *vol, *slash;
	char volbuf[128];
	size_t vlen;
	int n = nnames < 0 ? v->nwords : (nnames < v->nwords ? nnames : v->nwords);

	vol = strchr(first, ':') ? strchr(first, ':') + 1 : first;
	slash = strchr(vol, '/');
	for (int i = 0; i < (nnames == 0 ? 1 : n); i++)
		if ((nnames == 0 || !slash) && strchr(v->words[i], '/'))
			return lxf_err_set(err, LXF_EUSAGE,
					   nnames == 0
					       ? "'%s': not a storage volume snapshot here"
					       : "'%s': volumes and snapshots cannot be mixed",
					   v->words[i]);
	if (!slash || nnames == 0)
		return 0;
	vlen = (size_t)(slash - vol) + 1; /* "VOLUME/" */
	if (vlen == 1 || vlen >= sizeof(volbuf) ||
	    snprintf(v->collection, sizeof(v->collection),
		     "storage-pools/%s/volumes/custom/%.*s/snapshots", v->pool, (int)vlen - 1,
		     vol) >= (int)sizeof(v->collection))
		return lxf_err_set(err, LXF_EUSAGE, "bad storage volume snapshot '%s'", first);
	memcpy(volbuf, vol, vlen); /* the words are cut below, the first one too */
	volbuf[vlen] = '\0';
	for (int i = 0; i < n; i++) {
		char *w = v->words[i], *name = strchr(w, ':') ? strchr(w, ':') + 1 : w;

		if (strncmp(name, volbuf, vlen) != 0 || !name[vlen] || strchr(name + vlen, '/'))
			return lxf_err_set(err, LXF_EUSAGE,
					   "'%s' is not a snapshot of storage volume %.*s", w,
					   (int)vlen - 1, volbuf);
		memmove(name, name + vlen, strlen(name + vlen) + 1);
	}
	v->d.noun = "Storage volume snapshot";
	v->d.keys = snap_keys;
	v->d.show_extra = snap_extra;
	return 0;
}

/*
 * Makes v from "[REMOTE:]POOL VOLUME REST...": the verb's arguments
 * become "REMOTE:VOLUME REST...", the first nremote of them prefixed with
 * the pool's remote unless they name one (-1: all, the volumes of delete);
 * the first nnames may be VOLUME/SNAPSHOT (vol_snap_form).
 */
static int vol_prepare(struct vol_call *v, const struct lxf_cmd *self,
		       const struct lxf_cmd_args *args, int nremote, int nnames,
		       struct lxf_err *err)
{
	int rc = vol_pool(v, args->argv[0], err);

	for (int i = 1; rc == 0 && i < args->argc; i++) {
		bool pre = (nremote < 0 || i <= nremote) && !strchr(args->argv[i], ':');

		rc = vol_word(v, pre ? v->remote : "", args->argv[i], err);
	}
	if (rc)
		return rc;
	v->d = vol_desc;
	(void)snprintf(v->collection, sizeof(v->collection), "storage-pools/%s/volumes/custom",
		       v->pool);
	rc = vol_snap_form(v, nnames, err);
	if (rc)
		return rc;
	v->d.collection = v->collection;
	v->self = *self;
	v->self.obj = &v->d;
	v->self.data = v; /* for attach and detach (vol_devices) */
	v->args = *args;
	v->args.argc = v->nwords;
	v->args.argv = v->words;
	v->args.dash = -1;
	return 0;
}

static int vol_run(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		   const struct lxf_cmd_args *args, lxf_obj_verb *verb, int nremote, int nnames)
{
	struct vol_call *v = calloc(1, sizeof(*v));
	struct lxf_err err = {0};
	int st;

	if (!v) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		return lxf_cmd_error(self, ctx, &err);
	}
	if (vol_prepare(v, self, args, nremote, nnames, &err) != 0)
		st = lxf_cmd_error(self, ctx, &err);
	else
		st = verb(&v->self, ctx, &v->args);
	vol_call_fini(v);
	free(v);
	return st;
}

/* each: the words that take the pool's remote; names: those that may be VOLUME/SNAPSHOT. */
#define VOL_VERB(fn, verb, each, names)                                                            \
	static int fn(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,                         \
		      const struct lxf_cmd_args *args)                                             \
	{                                                                                          \
		return vol_run(self, ctx, args, verb, each, names);                                \
	}

VOL_VERB(cmd_vol_show, lxf_obj_show, 1, 1)
VOL_VERB(cmd_vol_edit, lxf_obj_edit_cmd, 1, 1)
VOL_VERB(cmd_vol_get, lxf_obj_get_key, 1, 1)
VOL_VERB(cmd_vol_set, lxf_obj_set, 1, 0)
VOL_VERB(cmd_vol_unset, lxf_obj_unset, 1, 0)
VOL_VERB(cmd_vol_rename, lxf_obj_rename, 1, 2)
VOL_VERB(cmd_vol_delete, lxf_obj_delete, -1, -1)

/* list [REMOTE:]POOL: the dispatcher resolved the remote; the name is the pool. */
static int cmd_vol_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args)
{
	struct vol_call *v = calloc(1, sizeof(*v));
	struct lxf_err err = {0};
	int st;

	if (!v) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		return lxf_cmd_error(self, ctx, &err);
	}
	if (vol_pool(v, args->name, &err) != 0) {
		st = lxf_cmd_error(self, ctx, &err);
	} else {
		v->d = vol_desc;
		(void)snprintf(v->collection, sizeof(v->collection), "storage-pools/%s/volumes",
			       v->pool);
		v->d.collection = v->collection;
		v->self = *self;
		v->self.obj = &v->d;
		v->args = *args;
		v->args.name = v->words[0] = strdup("");
		v->nwords = v->words[0] ? 1 : 0;
		st = v->args.name ? lxf_obj_list(&v->self, ctx, &v->args) : LXF_EXIT_ERROR;
	}
	vol_call_fini(v);
	free(v);
	return st;
}

/* create [REMOTE:]POOL VOLUME [KEY=VALUE...] [-d DESCRIPTION] */
static int vol_create(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		      const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *body = json_object_new_object(), *cfg = json_object_new_object();
	const char *desc = lxf_args_get(args, 'd');
	char url[256];
	int rc = 0;

	(void)self;
	if (!body || !cfg || lxf_json_add_str(body, "name", r->name) != 0 ||
	    lxf_json_add_str(body, "type", "custom") != 0 ||
	    (desc && lxf_json_add_str(body, "description", desc) != 0))
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	for (int i = 1; rc == 0 && i < args->argc; i++) {
		const char *eq = strchr(args->argv[i], '=');
		char *k;

		if (!eq || eq == args->argv[i]) {
			rc =
			    lxf_err_set(err, LXF_EUSAGE, "want KEY=VALUE, got '%s'", args->argv[i]);
			break;
		}
		if (!(k = strndup(args->argv[i], (size_t)(eq - args->argv[i]))) ||
		    lxf_json_add_str(cfg, k, eq + 1) != 0)
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		free(k);
	}
	if (rc == 0) {
		json_object_object_add(body, "config", cfg);
		cfg = NULL;
		(void)snprintf(url, sizeof(url), "/1.0/%s", self->obj->collection);
		rc = lxf_client_do(r->c, "POST", url, body, NULL, err);
	}
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Storage volume %s created\n", r->name);
	json_object_put(cfg);
	json_object_put(body);
	return rc;
}

static int vol_create_verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argv[0], LXF_OBJ_RUN_NOGET | LXF_OBJ_RUN_WRITE,
			   vol_create);
}
VOL_VERB(cmd_vol_create, vol_create_verb, 1, 0)

/*
 * attach [REMOTE:]POOL VOLUME INSTANCE [DEVICE] PATH: a disk device (pool,
 * source, path; named after the volume unless DEVICE is given) added to
 * the instance with If-Match; detach [REMOTE:]POOL VOLUME INSTANCE
 * [DEVICE]: the disk devices of that volume (or DEVICE) removed.
 */
static int vol_devices(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		       const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	const struct vol_call *v = self->data;
	const bool attach = strcmp(self->name, "storage volume attach") == 0;
	const char *vol =
	    strchr(args->argv[0], ':') ? strchr(args->argv[0], ':') + 1 : args->argv[0];
	const char *dev = attach ? (args->argc == 4 ? args->argv[2] : vol)
				 : (args->argc == 3 ? args->argv[2] : NULL);
	struct json_object *devs = lxf_obj_map(r->o.full, "devices"), *d, *body;
	int rc, n;

	(void)ctx;
	if (!devs)
		return lxf_err_set(err, LXF_EIO, "%s: the server sent no devices", args->argv[1]);
	if (attach) {
		if (json_object_object_get_ex(devs, dev, NULL))
			return lxf_err_set(err, LXF_EEXIST, "%s: device '%s' already exists",
					   args->argv[1], dev);
		d = json_object_new_object();
		if (!d || lxf_json_add_str(d, "type", "disk") != 0 ||
		    lxf_json_add_str(d, "pool", v->pool) != 0 ||
		    lxf_json_add_str(d, "source", vol) != 0 ||
		    lxf_json_add_str(d, "path", args->argv[args->argc - 1]) != 0 ||
		    json_object_object_add(devs, dev, d) != 0) {
			json_object_put(d);
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
	} else {
		struct json_object *drop = json_object_new_array();

		json_object_object_foreach(devs, k, o)
		{
			const char *t = lxf_json_str(o, "type"), *p = lxf_json_str(o, "pool");
			const char *s = lxf_json_str(o, "source");

			if (drop && t && !strcmp(t, "disk") && p && !strcmp(p, v->pool) && s &&
			    !strcmp(s, vol) && (!dev || !strcmp(k, dev)))
				json_object_array_add(drop, json_object_new_string(k));
		}
		n = drop ? (int)json_object_array_length(drop) : 0;
		for (int i = 0; i < n; i++)
			json_object_object_del(
			    devs, json_object_get_string(json_object_array_get_idx(drop, i)));
		json_object_put(drop);
		if (n == 0)
			return lxf_err_set(err, LXF_ENOENT, "%s: no disk device of volume %s%s%s",
					   args->argv[1], vol, dev ? " named " : "",
					   dev ? dev : "");
	}
	body = lxf_obj_writable(r->o.full, lxf_obj_instance_keys);
	if (!body)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_obj_put(r->c, r->path, body, r->o.etag, err);
	json_object_put(body);
	return rc;
}

/* Through vol_run: the instance is on the pool's remote ("REMOTE:VOLUME REMOTE:INSTANCE ..."). */
static int vol_devices_verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_cmd me = *self;

	me.obj = &vol_instance_desc;
	return lxf_obj_run(&me, ctx, args, args->argv[1], LXF_OBJ_RUN_WRITE, vol_devices);
}
VOL_VERB(cmd_vol_devices, vol_devices_verb, 2, 0)

/* snapshot [REMOTE:]POOL VOLUME [SNAPSHOT]: without a name the server picks snap<N>. */
static int vol_snapshot(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *body = json_object_new_object();
	const char *snap = args->argc > 1 ? args->argv[1] : NULL;
	char url[1100];
	int rc = 0;

	(void)self;
	if (!body || (snap && lxf_json_add_str(body, "name", snap) != 0) ||
	    (lxf_args_has(args, LXF_OPT_NO_EXPIRY) &&
	     lxf_json_add_str(body, "expires_at", "0001-01-01T00:00:00Z") != 0))
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0 && snprintf(url, sizeof(url), "%s/snapshots", r->path) >= (int)sizeof(url))
		rc = lxf_err_set(err, LXF_EUSAGE, "name too long: '%s'", r->name);
	if (rc == 0)
		rc = lxf_client_do(r->c, "POST", url, body, NULL, err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Storage volume %s: snapshot%s%s created\n", r->name,
			snap ? " " : "", snap ? snap : "");
	json_object_put(body);
	return rc;
}

/* restore [REMOTE:]POOL VOLUME SNAPSHOT: PUT of the volume with "restore", If-Match. */
static int vol_restore(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		       const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *body = lxf_obj_writable(r->o.full, vol_keys);
	int rc = 0;

	(void)self;
	if (!body || lxf_json_add_str(body, "restore", args->argv[1]) != 0)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = lxf_obj_put(r->c, r->path, body, r->o.etag, err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Storage volume %s restored from snapshot %s\n", r->name,
			args->argv[1]);
	json_object_put(body);
	return rc;
}

static int vol_snapshot_verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argv[0], LXF_OBJ_RUN_NOGET | LXF_OBJ_RUN_WRITE,
			   vol_snapshot);
}
VOL_VERB(cmd_vol_snapshot, vol_snapshot_verb, 1, 0)

static int vol_restore_verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argv[0], LXF_OBJ_RUN_WRITE, vol_restore);
}
VOL_VERB(cmd_vol_restore, vol_restore_verb, 1, 0)

#define VOL_ENTRY(nm, us, sum, lo, hi, fn)                                                         \
	LXF_CMD_ENTRY_OBJ("storage volume " nm, NULL, us, sum, lo, hi, LXF_CMD_T_NONE, 0, fn,      \
			  &vol_desc, {0})

const struct lxf_cmd lxf_cmd_storage_volume_list_entry =
    LXF_CMD_ENTRY_OBJ("storage volume list", "storage volume ls", "[REMOTE:]POOL [-f FORMAT]",
		      "List the volumes of a storage pool", 1, 1, LXF_CMD_T_REMOTE,
		      LXF_CMD_F_FORMAT, cmd_vol_list, &vol_desc, {0});
const struct lxf_cmd lxf_cmd_storage_volume_create_entry = LXF_CMD_ENTRY_OBJ(
    "storage volume create", NULL, "[REMOTE:]POOL VOLUME [KEY=VALUE...] [-d DESCRIPTION]",
    "Create a custom storage volume", 2, -1, LXF_CMD_T_NONE, 0, cmd_vol_create, &vol_desc,
    {"description", 'd', 1, "DESCRIPTION", "The volume's description"});
const struct lxf_cmd lxf_cmd_storage_volume_show_entry =
    VOL_ENTRY("show", "[REMOTE:]POOL VOLUME[/SNAPSHOT]",
	      "Show a storage volume or snapshot as YAML", 2, 2, cmd_vol_show);
const struct lxf_cmd lxf_cmd_storage_volume_edit_entry =
    VOL_ENTRY("edit", "[REMOTE:]POOL VOLUME[/SNAPSHOT]",
	      "Edit a storage volume's description and config (a snapshot's description and"
	      " expires_at)",
	      2, 2, cmd_vol_edit);
const struct lxf_cmd lxf_cmd_storage_volume_get_entry =
    VOL_ENTRY("get", "[REMOTE:]POOL VOLUME[/SNAPSHOT] KEY", "Print a storage volume's config key",
	      3, 3, cmd_vol_get);
const struct lxf_cmd lxf_cmd_storage_volume_set_entry =
    VOL_ENTRY("set", "[REMOTE:]POOL VOLUME KEY VALUE | KEY=VALUE...",
	      "Set storage volume config keys", 3, -1, cmd_vol_set);
const struct lxf_cmd lxf_cmd_storage_volume_unset_entry = VOL_ENTRY(
    "unset", "[REMOTE:]POOL VOLUME KEY", "Unset a storage volume config key", 3, 3, cmd_vol_unset);
const struct lxf_cmd lxf_cmd_storage_volume_rename_entry =
    VOL_ENTRY("rename", "[REMOTE:]POOL VOLUME[/SNAPSHOT] NEW[/NEWSNAPSHOT]",
	      "Rename a storage volume or snapshot", 3, 3, cmd_vol_rename);
const struct lxf_cmd lxf_cmd_storage_volume_delete_entry =
    VOL_ENTRY("delete", "[REMOTE:]POOL VOLUME[/SNAPSHOT]...", "Delete storage volumes or snapshots",
	      2, -1, cmd_vol_delete);
const struct lxf_cmd lxf_cmd_storage_volume_snapshot_entry = LXF_CMD_ENTRY_OBJ(
    "storage volume snapshot", NULL, "[REMOTE:]POOL VOLUME [SNAPSHOT] [--no-expiry]",
    "Snapshot a custom storage volume", 2, 3, LXF_CMD_T_NONE, 0, cmd_vol_snapshot, &vol_desc,
    {"no-expiry", LXF_OPT_NO_EXPIRY, 0, NULL, "Ignore the volume's snapshots.expiry"});
const struct lxf_cmd lxf_cmd_storage_volume_restore_entry =
    VOL_ENTRY("restore", "[REMOTE:]POOL VOLUME SNAPSHOT",
	      "Restore a custom storage volume from its snapshot", 3, 3, cmd_vol_restore);
const struct lxf_cmd lxf_cmd_storage_volume_attach_entry =
    VOL_ENTRY("attach", "[REMOTE:]POOL VOLUME INSTANCE [DEVICE] PATH",
	      "Mount a storage volume into an instance (a disk device)", 4, 5, cmd_vol_devices);
const struct lxf_cmd lxf_cmd_storage_volume_detach_entry =
    VOL_ENTRY("detach", "[REMOTE:]POOL VOLUME INSTANCE [DEVICE]",
	      "Remove a storage volume's disk devices from an instance", 3, 4, cmd_vol_devices);
