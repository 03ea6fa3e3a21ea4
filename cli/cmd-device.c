/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf config device ... and lxf profile device ...: add, remove, list,
 * show, get, set, unset on the devices map of an instance or a profile,
 * as a GET + PUT with If-Match of the whole object.
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
    .flags = LXF_OBJ_SNAPSHOT | LXF_OBJ_EXPANDED,
};

struct dev_ctx {
	struct lxf_obj_ref r;
	bool expanded;               /* the object has expanded_devices (instances) */
	struct json_object *w;       /* the writable copy that is PUT back */
	struct json_object *devices; /* borrowed from w */
};

static void dev_fini(struct dev_ctx *d)
{
	if (d->w)
		json_object_put(d->w);
	lxf_obj_ref_fini(&d->r);
	memset(d, 0, sizeof(*d));
}

static int dev_open(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, const char *arg,
		    struct dev_ctx *d, struct lxf_err *err)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->expanded = self->obj->flags & LXF_OBJ_EXPANDED;
	rc = lxf_obj_open_get(ctx, self->obj, arg, "snapshots' devices cannot be changed", &d->r,
			      err);
	if (rc)
		return rc;
	d->w = lxf_obj_writable(d->r.o.full, self->obj->keys);
	d->devices = d->w ? lxf_obj_map(d->w, "devices") : NULL;
	if (!d->devices)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return 0;
}

static int dev_save(struct dev_ctx *d, struct lxf_err *err)
{
	return lxf_obj_put(d->r.c, d->r.path, d->w, d->r.o.etag, err);
}

/* The device dev: local, or (instances) copied from the expanded set so it can be overridden. */
static struct json_object *dev_find(struct dev_ctx *d, const char *dev, bool copy_expanded,
				    struct lxf_err *err)
{
	struct json_object *v = NULL, *copy = NULL;

	if (json_object_object_get_ex(d->devices, dev, &v) &&
	    json_object_is_type(v, json_type_object))
		return v;
	v = lxf_json_path(d->r.o.full, "expanded_devices");
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

static int dev_done(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, struct dev_ctx *d, int rc,
		    const struct lxf_err *err)
{
	dev_fini(d);
	return rc ? lxf_obj_fail(self, ctx, err) : LXF_EXIT_OK;
}

static int cmd_device_add(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	const char *dev = args->argv[1];
	struct json_object *nd = NULL;
	struct lxf_err err = {0};
	struct dev_ctx d;
	int rc;

	rc = dev_open(self, ctx, args->argv[0], &d, &err);
	if (rc)
		goto out;
	if (json_object_object_get_ex(d.devices, dev, NULL)) {
		rc = lxf_err_set(&err, LXF_EEXIST, "device '%s' already exists", dev);
		goto out;
	}
	nd = json_object_new_object();
	if (!nd || lxf_json_add_str(nd, "type", args->argv[2]) != 0) {
		rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (args->argc > 3) {
		rc = lxf_args_apply_kvs(nd, args->argc - 3, args->argv + 3, &err);
		if (rc)
			goto out;
	}
	json_object_object_add(d.devices, dev, nd);
	nd = NULL;
	rc = dev_save(&d, &err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Device %s added to %s\n", dev, d.r.name);
out:
	if (nd)
		json_object_put(nd);
	return dev_done(self, ctx, &d, rc, &err);
}

static int cmd_device_remove(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	struct dev_ctx d;
	int rc;

	rc = dev_open(self, ctx, args->argv[0], &d, &err);
	for (int i = 1; rc == 0 && i < args->argc; i++) {
		const char *dev = args->argv[i];

		if (json_object_object_get_ex(d.devices, dev, NULL)) {
			json_object_object_del(d.devices, dev);
			continue;
		}
		if (d.expanded && lxf_json_path(d.r.o.full, "expanded_devices") &&
		    json_object_object_get_ex(lxf_json_path(d.r.o.full, "expanded_devices"), dev,
					      NULL))
			rc = lxf_err_set(&err, LXF_EINVAL,
					 "device '%s' comes from a profile: it cannot be removed "
					 "from one instance; override it or change the profile",
					 dev);
		else
			rc = lxf_err_set(&err, LXF_ENOENT, "device '%s' doesn't exist", dev);
	}
	if (rc == 0)
		rc = dev_save(&d, &err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Device%s removed from %s\n", args->argc > 2 ? "s" : "",
			d.r.name);
	return dev_done(self, ctx, &d, rc, &err);
}

static int cmd_device_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	struct dev_ctx d;
	int rc;

	rc = dev_open(self, ctx, args->argv[0], &d, &err);
	if (rc == 0) {
		json_object_object_foreach(d.devices, k, v)
		{
			(void)v;
			fprintf(ctx->out, "%s\n", k);
		}
	}
	return dev_done(self, ctx, &d, rc, &err);
}

static int cmd_device_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	struct dev_ctx d;
	int rc;

	rc = dev_open(self, ctx, args->argv[0], &d, &err);
	if (rc == 0)
		rc = lxf_obj_print_yaml(ctx->out, d.devices, &err);
	return dev_done(self, ctx, &d, rc, &err);
}

static int cmd_device_get(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	struct json_object *dv;
	struct lxf_err err = {0};
	struct dev_ctx d;
	const char *val;
	int rc;

	rc = dev_open(self, ctx, args->argv[0], &d, &err);
	if (rc == 0) {
		dv = dev_find(&d, args->argv[1], false, &err);
		if (!dv) {
			/* Reading a profile-provided device works too, as in lxc. */
			lxf_err_clear(&err);
			dv = lxf_json_path(lxf_json_path(d.r.o.full, "expanded_devices"),
					   args->argv[1]);
		}
		if (!dv || !json_object_is_type(dv, json_type_object))
			rc = lxf_err_set(&err, LXF_ENOENT, "device '%s' doesn't exist",
					 args->argv[1]);
		else {
			val = lxf_json_str(dv, args->argv[2]);
			fprintf(ctx->out, "%s\n", val ? val : "");
		}
	}
	return dev_done(self, ctx, &d, rc, &err);
}

/* set and unset: on a local device, or an instance's override of a profile's. */
static int dev_write(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args, bool unset)
{
	struct json_object *dv;
	struct lxf_err err = {0};
	struct dev_ctx d;
	int rc;

	rc = dev_open(self, ctx, args->argv[0], &d, &err);
	if (rc)
		goto out;
	dv = dev_find(&d, args->argv[1], true, &err);
	if (!dv) {
		rc = -err.code;
		goto out;
	}
	if (unset && strcmp(args->argv[2], "type") == 0) {
		rc = lxf_err_set(&err, LXF_EINVAL, "a device's type cannot be unset");
		goto out;
	}
	if (unset)
		json_object_object_del(dv, args->argv[2]);
	else
		rc = lxf_args_apply_set(dv, args->argc - 2, args->argv + 2, false, &err);
	if (rc == 0)
		rc = dev_save(&d, &err);
out:
	return dev_done(self, ctx, &d, rc, &err);
}

static int cmd_device_set(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	return dev_write(self, ctx, args, false);
}

static int cmd_device_unset(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	return dev_write(self, ctx, args, true);
}

#define DEV_ENTRIES(grp, what, pfx, desc)                                                          \
	const struct lxf_cmd lxf_cmd_##pfx##_device_add_entry = {                                  \
	    .name = grp " device add",                                                             \
	    .usage = "[REMOTE:]" what " DEVICE TYPE [key=value...]",                               \
	    .summary = "Add a device",                                                             \
	    .min_args = 3,                                                                         \
	    .max_args = -1,                                                                        \
	    .exec = cmd_device_add,                                                                \
	    .obj = desc,                                                                           \
	};                                                                                         \
	const struct lxf_cmd lxf_cmd_##pfx##_device_remove_entry = {                               \
	    .name = grp " device remove",                                                          \
	    .aliases = {grp " device rm"},                                                         \
	    .usage = "[REMOTE:]" what " DEVICE...",                                                \
	    .summary = "Remove devices",                                                           \
	    .min_args = 2,                                                                         \
	    .max_args = -1,                                                                        \
	    .exec = cmd_device_remove,                                                             \
	    .obj = desc,                                                                           \
	};                                                                                         \
	const struct lxf_cmd lxf_cmd_##pfx##_device_list_entry = {                                 \
	    .name = grp " device list",                                                            \
	    .aliases = {grp " device ls"},                                                         \
	    .usage = "[REMOTE:]" what,                                                             \
	    .summary = "List the devices",                                                         \
	    .min_args = 1,                                                                         \
	    .max_args = 1,                                                                         \
	    .exec = cmd_device_list,                                                               \
	    .obj = desc,                                                                           \
	};                                                                                         \
	const struct lxf_cmd lxf_cmd_##pfx##_device_show_entry = {                                 \
	    .name = grp " device show",                                                            \
	    .usage = "[REMOTE:]" what,                                                             \
	    .summary = "Show the devices as YAML",                                                 \
	    .min_args = 1,                                                                         \
	    .max_args = 1,                                                                         \
	    .exec = cmd_device_show,                                                               \
	    .obj = desc,                                                                           \
	};                                                                                         \
	const struct lxf_cmd lxf_cmd_##pfx##_device_get_entry = {                                  \
	    .name = grp " device get",                                                             \
	    .usage = "[REMOTE:]" what " DEVICE KEY",                                               \
	    .summary = "Get a device key",                                                         \
	    .min_args = 3,                                                                         \
	    .max_args = 3,                                                                         \
	    .exec = cmd_device_get,                                                                \
	    .obj = desc,                                                                           \
	};                                                                                         \
	const struct lxf_cmd lxf_cmd_##pfx##_device_set_entry = {                                  \
	    .name = grp " device set",                                                             \
	    .usage = "[REMOTE:]" what " DEVICE KEY VALUE | key=value...",                          \
	    .summary = "Set device keys",                                                          \
	    .min_args = 3,                                                                         \
	    .max_args = -1,                                                                        \
	    .exec = cmd_device_set,                                                                \
	    .obj = desc,                                                                           \
	};                                                                                         \
	const struct lxf_cmd lxf_cmd_##pfx##_device_unset_entry = {                                \
	    .name = grp " device unset",                                                           \
	    .usage = "[REMOTE:]" what " DEVICE KEY",                                               \
	    .summary = "Unset a device key",                                                       \
	    .min_args = 3,                                                                         \
	    .max_args = 3,                                                                         \
	    .exec = cmd_device_unset,                                                              \
	    .obj = desc,                                                                           \
	}

DEV_ENTRIES("config", "INSTANCE", config, &dev_instance_desc);
DEV_ENTRIES("profile", "PROFILE", profile, &lxf_obj_profile_desc);
