/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf config device ... and lxf profile device ...: add, remove, list,
 * show, get, set, unset on the devices map of an instance or a profile,
 * as a GET + PUT with If-Match of the whole object. The entry's
 * descriptor says which (an instance's devices may come from profiles).
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "obj.h"

/* An instance's devices; snapshots' devices are read-only. */
static const struct lxf_obj_desc dev_instance_desc = {
    .collection = "instances",
    .keys = lxf_obj_instance_keys,
    .snap_write = "snapshots' devices cannot be changed",
    .flags = LXF_OBJ_SNAPSHOT | LXF_OBJ_EXPANDED,
};

/* The object a device verb works on: w is PUT back after changes. */
struct dev_ctx {
	struct lxf_obj_ref *r;
	bool expanded;               /* r has expanded_devices (instances) */
	struct json_object *w;       /* the writable copy of r->o */
	struct json_object *devices; /* borrowed from w */
};

typedef int (*dev_fn)(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		      struct lxf_err *err);

static int dev_save(struct dev_ctx *d, struct lxf_err *err)
{
	return lxf_obj_put(d->r->c, d->r->path, d->w, d->r->o.etag, err);
}

/* The device dev: local, or (instances) copied from the expanded set so it can be overridden. */
static struct json_object *dev_find(struct dev_ctx *d, const char *dev, bool copy_expanded,
				    struct lxf_err *err)
{
	struct json_object *v = NULL, *copy = NULL;

	if (json_object_object_get_ex(d->devices, dev, &v) &&
	    json_object_is_type(v, json_type_object))
		return v;
	v = lxf_json_path(d->r->o.full, "expanded_devices");
	if (d->expanded && v && json_object_object_get_ex(v, dev, &v) && copy_expanded) {
		if (json_object_deep_copy(v, &copy, NULL) != 0 ||
		    json_object_object_add(d->devices, dev, copy) != 0) {
			json_object_put(copy);
			lxf_err_set(err, LXF_ENOMEM, "out of memory");
			return NULL;
		}
		return copy;
	}
	lxf_err_set(err, LXF_ENOENT, "device '%s' doesn't exist", dev);
	return NULL;
}

static int dev_add(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		   struct lxf_err *err)
{
	const char *dev = args->argv[1];
	struct json_object *nd;
	int rc = 0;

	if (json_object_object_get_ex(d->devices, dev, NULL))
		return lxf_err_set(err, LXF_EEXIST, "device '%s' already exists", dev);
	nd = json_object_new_object();
	if (!nd || lxf_json_add_str(nd, "type", args->argv[2]) != 0)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0 && args->argc > 3)
		rc = lxf_args_apply_kvs(nd, args->argc - 3, args->argv + 3, err);
	if (rc) {
		json_object_put(nd);
		return rc;
	}
	json_object_object_add(d->devices, dev, nd);
	rc = dev_save(d, err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Device %s added to %s\n", dev, d->r->name);
	return rc;
}

static int dev_remove(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		      struct lxf_err *err)
{
	struct json_object *exp = lxf_json_path(d->r->o.full, "expanded_devices");
	int rc = 0;

	for (int i = 1; rc == 0 && i < args->argc; i++) {
		const char *dev = args->argv[i];

		if (json_object_object_get_ex(d->devices, dev, NULL))
			json_object_object_del(d->devices, dev);
		else if (d->expanded && exp && json_object_object_get_ex(exp, dev, NULL))
			rc = lxf_err_set(err, LXF_EINVAL,
					 "device '%s' comes from a profile: it cannot be removed "
					 "from one instance; override it or change the profile",
					 dev);
		else
			rc = lxf_err_set(err, LXF_ENOENT, "device '%s' doesn't exist", dev);
	}
	if (rc == 0)
		rc = dev_save(d, err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Device%s removed from %s\n", args->argc > 2 ? "s" : "",
			d->r->name);
	return rc;
}

static int dev_list(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		    struct lxf_err *err)
{
	(void)args;
	(void)err;
	json_object_object_foreach(d->devices, k, v)
	{
		(void)v;
		fprintf(ctx->out, "%s\n", k);
	}
	return 0;
}

static int dev_show(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		    struct lxf_err *err)
{
	(void)args;
	return lxf_obj_print_yaml(ctx->out, d->devices, err);
}

static int dev_get(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		   struct lxf_err *err)
{
	struct json_object *dv = dev_find(d, args->argv[1], false, err);
	const char *val;

	if (!dv) {
		/* Reading a profile-provided device works too, as in lxc. */
		lxf_err_clear(err);
		dv = lxf_json_path(lxf_json_path(d->r->o.full, "expanded_devices"), args->argv[1]);
	}
	if (!dv || !json_object_is_type(dv, json_type_object))
		return lxf_err_set(err, LXF_ENOENT, "device '%s' doesn't exist", args->argv[1]);
	val = lxf_json_str(dv, args->argv[2]);
	fprintf(ctx->out, "%s\n", val ? val : "");
	return 0;
}

/* set and unset: on a local device, or an instance's override of a profile's. */
static int dev_write(const struct lxf_cmd_args *args, struct dev_ctx *d, bool unset,
		     struct lxf_err *err)
{
	struct json_object *dv = dev_find(d, args->argv[1], true, err);
	int rc = 0;

	if (!dv)
		return -err->code;
	if (unset && strcmp(args->argv[2], "type") == 0)
		return lxf_err_set(err, LXF_EINVAL, "a device's type cannot be unset");
	if (unset)
		json_object_object_del(dv, args->argv[2]);
	else
		rc = lxf_args_apply_set(dv, args->argc - 2, args->argv + 2, false, err);
	return rc ? rc : dev_save(d, err);
}

static int dev_set(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		   struct lxf_err *err)
{
	(void)ctx;
	return dev_write(args, d, false, err);
}

static int dev_unset(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, struct dev_ctx *d,
		     struct lxf_err *err)
{
	(void)ctx;
	return dev_write(args, d, true, err);
}

/* Runs fn on the devices of r, which lxf_obj_run opened for self->obj. */
static int dev_run(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		   const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err,
		   dev_fn fn)
{
	struct dev_ctx d = {r, self->obj->flags & LXF_OBJ_EXPANDED, NULL, NULL};
	int rc;

	d.w = lxf_obj_writable(r->o.full, self->obj->keys);
	d.devices = d.w ? lxf_obj_map(d.w, "devices") : NULL;
	rc = d.devices ? fn(ctx, args, &d, err) : lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (d.w)
		json_object_put(d.w);
	return rc;
}

/* cmd_device_VERB: the exec function of "... device VERB", a snapshot refused. */
#define DEV_CMD(verb)                                                                              \
	static int dev_obj_##verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,             \
				  const struct lxf_cmd_args *args, struct lxf_obj_ref *r,          \
				  struct lxf_err *err)                                             \
	{                                                                                          \
		return dev_run(self, ctx, args, r, err, dev_##verb);                               \
	}                                                                                          \
	LXF_OBJ_EXEC(cmd_device_##verb, LXF_OBJ_RUN_WRITE, dev_obj_##verb)

DEV_CMD(add)
DEV_CMD(remove)
DEV_CMD(list)
DEV_CMD(show)
DEV_CMD(get)
DEV_CMD(set)
DEV_CMD(unset)

/* The seven entries "GRP device VERB" of what (INSTANCE or PROFILE), for desc. */
#define DEV_ENTRY(grp, pfx, verb, al, us, sum, lo, hi, desc)                                       \
	const struct lxf_cmd lxf_cmd_##pfx##_device_##verb##_entry =                               \
	    LXF_OBJ_ENTRY(grp " device " #verb, al, us, sum, lo, hi, cmd_device_##verb, desc)
#define DEV_ENTRIES(grp, what, pfx, desc)                                                          \
	DEV_ENTRY(grp, pfx, add, NULL, "[REMOTE:]" what " DEVICE TYPE [key=value...]",             \
		  "Add a device", 3, -1, desc);                                                    \
	DEV_ENTRY(grp, pfx, remove, grp " device rm", "[REMOTE:]" what " DEVICE...",               \
		  "Remove devices", 2, -1, desc);                                                  \
	DEV_ENTRY(grp, pfx, list, grp " device ls", "[REMOTE:]" what, "List the devices", 1, 1,    \
		  desc);                                                                           \
	DEV_ENTRY(grp, pfx, show, NULL, "[REMOTE:]" what, "Show the devices as YAML", 1, 1, desc); \
	DEV_ENTRY(grp, pfx, get, NULL, "[REMOTE:]" what " DEVICE KEY", "Get a device key", 3, 3,   \
		  desc);                                                                           \
	DEV_ENTRY(grp, pfx, set, NULL, "[REMOTE:]" what " DEVICE KEY VALUE | key=value...",        \
		  "Set device keys", 3, -1, desc);                                                 \
	DEV_ENTRY(grp, pfx, unset, NULL, "[REMOTE:]" what " DEVICE KEY", "Unset a device key", 3,  \
		  3, desc)

DEV_ENTRIES("config", "INSTANCE", config, &dev_instance_desc);
DEV_ENTRIES("profile", "PROFILE", profile, &lxf_obj_profile_desc);
