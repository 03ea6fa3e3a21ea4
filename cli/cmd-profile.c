/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf profile list|show|create|delete|get|set|unset|edit|copy|rename and
 * add|remove|assign (an instance's profile list). Profile devices are in
 * cmd-device.c.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "output.h"

#define PROFILE_PATH_MAX 1024

static int prof_fail(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, const struct lxf_err *err)
{
	if (err->code == LXF_EUSAGE)
		return lxf_cmd_usage_error(self, ctx, "%s", err->msg);
	return lxf_cmd_fail(ctx, err);
}

/* [REMOTE:]PROFILE -> client, name, path. */
static int prof_open(struct lxf_cmd_ctx *ctx, const char *arg, const char *collection,
		     struct lxf_client **c, char **name, char *path, struct lxf_err *err)
{
	int rc = lxf_cmd_target(ctx, arg, true, c, name, err);

	if (rc == 0)
		rc = lxf_cmd_path(path, PROFILE_PATH_MAX, collection, *name, NULL, err);
	return rc;
}

static int cmd_profile_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"NAME", "DESCRIPTION", "USED BY"};
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	char *rest = NULL, *row[3];
	int st, fmt;

	st = lxf_obj_fmt(self, ctx, args, &fmt);
	if (st)
		return st;
	lxf_table_init(&t, 3, headers);
	if ((args->argc ? lxf_cmd_target(ctx, args->argv[0], false, &c, &rest, &err)
			: lxf_cmd_client(ctx, NULL, &c, &err)) != 0 ||
	    lxf_client_request(c, "GET", "/1.0/profiles?recursion=1", NULL, &resp, &err) != 0)
		goto fail;
	if (rest && *rest) {
		st = lxf_cmd_usage_error(self, ctx, "want REMOTE:, got '%s'", args->argv[0]);
		goto out;
	}
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		if (lxf_output_json(ctx->out, (enum lxf_fmt)fmt, resp.metadata, &err) != 0)
			goto fail;
		goto out;
	}
	for (size_t i = 0; resp.metadata && json_object_is_type(resp.metadata, json_type_array) &&
			   i < json_object_array_length(resp.metadata);
	     i++) {
		struct json_object *p = json_object_array_get_idx(resp.metadata, i);

		row[0] = lxf_obj_strdup(lxf_json_str(p, "name"));
		row[1] = lxf_obj_strdup(lxf_json_str(p, "description"));
		row[2] = lxf_obj_used_by(p);
		if (lxf_table_add_row(&t, row) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			goto fail;
		}
	}
	lxf_table_print(ctx->out, (enum lxf_fmt)fmt, &t, false);
	goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(rest);
	return st;
}

static int cmd_profile_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct json_object *w = NULL, *v;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_obj o = {0};
	char *name = NULL, path[PROFILE_PATH_MAX];
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "profiles", &c, &name, path, &err) != 0 ||
	    lxf_obj_get(c, path, &o, &err) != 0)
		goto fail;
	/* lxc shows the writable part plus name and used_by. */
	w = lxf_obj_writable(o.full, lxf_obj_profile_keys);
	if (!w || lxf_json_add_str(w, "name", name) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (json_object_object_get_ex(o.full, "used_by", &v))
		json_object_object_add(w, "used_by", json_object_get(v));
	if (lxf_obj_print_yaml(ctx->out, w, &err) == 0)
		goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	lxf_client_free(c);
	free(name);
	return st;
}

static int cmd_profile_create(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	struct json_object *body = NULL;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *name = NULL;
	int st = LXF_EXIT_OK;

	body = json_object_new_object();
	if (lxf_cmd_target(ctx, args->argv[0], true, &c, &name, &err) != 0)
		goto fail;
	if (!body || lxf_json_add_str(body, "name", name) != 0 ||
	    lxf_json_add_str(body, "description", lxf_args_get(args, 'd')) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (!lxf_args_get(args, 'd'))
		json_object_object_del(body, "description");
	if (lxf_client_do(c, "POST", "/1.0/profiles", body, NULL, &err) != 0)
		goto fail;
	if (!ctx->quiet)
		fprintf(ctx->out, "Profile %s created\n", name);
	goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	if (body)
		json_object_put(body);
	lxf_client_free(c);
	free(name);
	return st;
}

static int cmd_profile_delete(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *name = NULL, path[PROFILE_PATH_MAX];
	int st = LXF_EXIT_OK, fails = 0;

	for (int i = 0; i < args->argc; i++) {
		lxf_err_clear(&err);
		if (prof_open(ctx, args->argv[i], "profiles", &c, &name, path, &err) != 0 ||
		    lxf_client_do(c, "DELETE", path, NULL, NULL, &err) != 0) {
			st = prof_fail(self, ctx, &err);
			fails++;
		} else if (!ctx->quiet) {
			fprintf(ctx->out, "Profile %s deleted\n", name);
		}
		lxf_client_free(c);
		c = NULL;
		free(name);
		name = NULL;
	}
	if (fails && fails < args->argc)
		st = LXF_EXIT_PARTIAL;
	return st;
}

static int cmd_profile_get(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_obj o = {0};
	char *name = NULL, path[PROFILE_PATH_MAX];
	const char *v;
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "profiles", &c, &name, path, &err) != 0 ||
	    lxf_obj_get(c, path, &o, &err) != 0) {
		st = prof_fail(self, ctx, &err);
		goto out;
	}
	v = lxf_json_str(lxf_json_path(o.full, "config"), args->argv[1]);
	fprintf(ctx->out, "%s\n", v ? v : "");
out:
	lxf_obj_fini(&o);
	lxf_client_free(c);
	free(name);
	return st;
}

/* set/unset: words as for config set; unset removes one key that must be set. */
static int prof_write(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		      const struct lxf_cmd_args *args, bool unset)
{
	struct json_object *w = NULL, *cfg;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_obj o = {0};
	char *name = NULL, path[PROFILE_PATH_MAX];
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "profiles", &c, &name, path, &err) != 0 ||
	    lxf_obj_get(c, path, &o, &err) != 0)
		goto fail;
	w = lxf_obj_writable(o.full, lxf_obj_profile_keys);
	cfg = w ? lxf_obj_map(w, "config") : NULL;
	if (!cfg) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (unset) {
		if (!json_object_object_get_ex(cfg, args->argv[1], NULL)) {
			lxf_err_set(&err, LXF_EINVAL, "key '%s' is not set", args->argv[1]);
			goto fail;
		}
		json_object_object_del(cfg, args->argv[1]);
	} else if (lxf_args_apply_set(cfg, args->argc - 1, args->argv + 1, false, &err) != 0) {
		goto fail;
	}
	if (lxf_obj_put(c, path, w, o.etag, &err) == 0)
		goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	lxf_client_free(c);
	free(name);
	return st;
}

static int cmd_profile_set(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	return prof_write(self, ctx, args, false);
}

static int cmd_profile_unset(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	return prof_write(self, ctx, args, true);
}

static int cmd_profile_edit(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct json_object *w = NULL;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_obj o = {0};
	struct lxf_obj_put_edit e;
	char *name = NULL, path[PROFILE_PATH_MAX];
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "profiles", &c, &name, path, &err) != 0 ||
	    lxf_obj_get(c, path, &o, &err) != 0)
		goto fail;
	w = lxf_obj_writable(o.full, lxf_obj_profile_keys);
	if (!w) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	e = (struct lxf_obj_put_edit){c, path, o.etag, lxf_obj_profile_keys};
	if (lxf_obj_edit(ctx, w, lxf_obj_put_edit_apply, &e, &err) == 0)
		goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	lxf_client_free(c);
	free(name);
	return st;
}

static int cmd_profile_copy(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_client *c = NULL, *dc = NULL;
	struct json_object *w = NULL;
	struct lxf_err err = {0};
	struct lxf_obj o = {0};
	char *name = NULL, *dname = NULL, path[PROFILE_PATH_MAX];
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "profiles", &c, &name, path, &err) != 0 ||
	    lxf_obj_get(c, path, &o, &err) != 0 ||
	    lxf_cmd_target(ctx, args->argv[1], false, &dc, &dname, &err) != 0)
		goto fail;
	w = lxf_obj_writable(o.full, lxf_obj_profile_keys);
	if (!w || lxf_json_add_str(w, "name", *dname ? dname : name) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (lxf_client_do(dc, "POST", "/1.0/profiles", w, NULL, &err) == 0)
		goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	lxf_client_free(c);
	lxf_client_free(dc);
	free(name);
	free(dname);
	return st;
}

static int cmd_profile_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	struct json_object *body = json_object_new_object();
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *name = NULL, *to = NULL, path[PROFILE_PATH_MAX];
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "profiles", &c, &name, path, &err) != 0 ||
	    lxf_obj_same_remote(ctx, args->argv[0], args->argv[1], &to, &err) != 0)
		goto fail;
	if (!body || lxf_json_add_str(body, "name", to) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (lxf_client_do(c, "POST", path, body, NULL, &err) == 0)
		goto out;
fail:
	st = prof_fail(self, ctx, &err);
out:
	json_object_put(body);
	lxf_client_free(c);
	free(name);
	free(to);
	return st;
}

enum prof_op { PROF_ADD, PROF_REMOVE, PROF_ASSIGN };

/* add/remove/assign: rewrites the instance's profiles list. */
static int prof_instance(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args, enum prof_op op)
{
	struct json_object *w = NULL, *list = NULL, *cur;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_obj o = {0};
	char *name = NULL, *copy = NULL, *save = NULL, path[PROFILE_PATH_MAX];
	const char *p = args->argv[1];
	bool found = false;
	int st = LXF_EXIT_OK;

	if (prof_open(ctx, args->argv[0], "instances", &c, &name, path, &err) != 0 ||
	    lxf_obj_get(c, path, &o, &err) != 0)
		goto fail;
	w = lxf_obj_writable(o.full, lxf_obj_instance_keys);
	list = json_object_new_array();
	if (!w || !list)
		goto nomem;
	cur = lxf_json_path(w, "profiles");
	for (size_t i = 0; op != PROF_ASSIGN && cur && json_object_is_type(cur, json_type_array) &&
			   i < json_object_array_length(cur);
	     i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(cur, i));

		if (n && strcmp(n, p) == 0) {
			found = true;
			if (op == PROF_REMOVE)
				continue;
		}
		if (json_object_array_add(list, json_object_new_string(n ? n : "")) != 0)
			goto nomem;
	}
	if (op == PROF_ADD && found) {
		lxf_err_set(&err, LXF_EEXIST, "profile '%s' is already applied to '%s'", p, name);
		goto fail;
	}
	if (op == PROF_REMOVE && !found) {
		lxf_err_set(&err, LXF_ENOENT, "profile '%s' isn't applied to '%s'", p, name);
		goto fail;
	}
	if (op == PROF_ADD && json_object_array_add(list, json_object_new_string(p)) != 0)
		goto nomem;
	if (op == PROF_ASSIGN) {
		/* "a,b" in order; "" clears the list, as lxc profile assign does. */
		copy = strdup(p);
		if (!copy)
			goto nomem;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
			if (json_object_array_add(list, json_object_new_string(t)) != 0)
				goto nomem;
	}
	json_object_object_add(w, "profiles", list);
	list = NULL;
	if (lxf_obj_put(c, path, w, o.etag, &err) != 0)
		goto fail;
	if (!ctx->quiet)
		fprintf(ctx->out, "Profiles of %s: %s\n", name,
			json_object_to_json_string_ext(lxf_json_path(w, "profiles"),
						       JSON_C_TO_STRING_PLAIN));
	goto out;
nomem:
	lxf_err_set(&err, LXF_ENOMEM, "out of memory");
fail:
	st = prof_fail(self, ctx, &err);
out:
	if (list)
		json_object_put(list);
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	lxf_client_free(c);
	free(name);
	free(copy);
	return st;
}

static int cmd_profile_add(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	return prof_instance(self, ctx, args, PROF_ADD);
}

static int cmd_profile_remove(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	return prof_instance(self, ctx, args, PROF_REMOVE);
}

static int cmd_profile_assign(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	return prof_instance(self, ctx, args, PROF_ASSIGN);
}

const struct lxf_cmd lxf_cmd_profile_list_entry = {
    .name = "profile list",
    .aliases = {"profile ls"},
    .usage = "[REMOTE:] [-f FORMAT]",
    .summary = "List profiles",
    .min_args = 0,
    .max_args = 1,
    .opts = {{"format", 'f', required_argument, "FORMAT", "table, csv, json, yaml or compact"}},
    .exec = cmd_profile_list,
};

const struct lxf_cmd lxf_cmd_profile_show_entry = {
    .name = "profile show",
    .usage = "[REMOTE:]PROFILE",
    .summary = "Show a profile as YAML",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_profile_show,
};

const struct lxf_cmd lxf_cmd_profile_create_entry = {
    .name = "profile create",
    .usage = "[REMOTE:]PROFILE [--description TEXT]",
    .summary = "Create an empty profile",
    .min_args = 1,
    .max_args = 1,
    .opts = {{"description", 'd', required_argument, "TEXT", "Description of the profile"}},
    .exec = cmd_profile_create,
};

const struct lxf_cmd lxf_cmd_profile_delete_entry = {
    .name = "profile delete",
    .aliases = {"profile rm"},
    .usage = "[REMOTE:]PROFILE...",
    .summary = "Delete profiles",
    .min_args = 1,
    .max_args = -1,
    .exec = cmd_profile_delete,
};

const struct lxf_cmd lxf_cmd_profile_get_entry = {
    .name = "profile get",
    .usage = "[REMOTE:]PROFILE KEY",
    .summary = "Get a profile configuration key",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_get,
};

const struct lxf_cmd lxf_cmd_profile_set_entry = {
    .name = "profile set",
    .usage = "[REMOTE:]PROFILE KEY VALUE | key=value...",
    .summary = "Set profile configuration keys",
    .min_args = 2,
    .max_args = -1,
    .exec = cmd_profile_set,
};

const struct lxf_cmd lxf_cmd_profile_unset_entry = {
    .name = "profile unset",
    .usage = "[REMOTE:]PROFILE KEY",
    .summary = "Unset a profile configuration key",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_unset,
};

const struct lxf_cmd lxf_cmd_profile_edit_entry = {
    .name = "profile edit",
    .usage = "[REMOTE:]PROFILE",
    .summary = "Edit a profile in $EDITOR (or from YAML on stdin)",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_profile_edit,
};

const struct lxf_cmd lxf_cmd_profile_copy_entry = {
    .name = "profile copy",
    .aliases = {"profile cp"},
    .usage = "[REMOTE:]PROFILE [REMOTE:][NEW]",
    .summary = "Copy a profile (to another remote too)",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_copy,
};

const struct lxf_cmd lxf_cmd_profile_rename_entry = {
    .name = "profile rename",
    .aliases = {"profile mv"},
    .usage = "[REMOTE:]PROFILE NEW",
    .summary = "Rename a profile",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_rename,
};

const struct lxf_cmd lxf_cmd_profile_add_entry = {
    .name = "profile add",
    .usage = "[REMOTE:]INSTANCE PROFILE",
    .summary = "Append a profile to an instance's profiles",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_add,
};

const struct lxf_cmd lxf_cmd_profile_remove_entry = {
    .name = "profile remove",
    .usage = "[REMOTE:]INSTANCE PROFILE",
    .summary = "Remove a profile from an instance",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_remove,
};

const struct lxf_cmd lxf_cmd_profile_assign_entry = {
    .name = "profile assign",
    .aliases = {"profile apply"},
    .usage = "[REMOTE:]INSTANCE PROFILE[,PROFILE...]",
    .summary = "Set an instance's profiles (\"\" for none)",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_profile_assign,
};
