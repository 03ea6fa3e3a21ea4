/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf config show|get|set|unset|edit: an instance's (or snapshot's)
 * configuration, or the server's when the target is "REMOTE:" alone, as
 * lxc config does. Writes are GET + PUT with If-Match.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "obj.h"

/* What a config command acts on. */
struct cfg_target {
	struct lxf_client *c;
	char *name; /* NULL: the server */
	char *snap; /* NULL: the instance itself */
	char path[1024];
};

static void cfg_target_fini(struct cfg_target *t)
{
	lxf_client_free(t->c);
	free(t->name);
	free(t->snap);
	memset(t, 0, sizeof(*t));
}

/* arg NULL: the default remote's server; "R:" the server of R; else [R:]NAME[/SNAP]. */
static int cfg_target_open(struct lxf_cmd_ctx *ctx, const char *arg, bool allow_snap,
			   struct cfg_target *t, struct lxf_err *err)
{
	char *rest = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!arg)
		rc = lxf_cmd_client(ctx, NULL, &t->c, err);
	else
		rc = lxf_cmd_target(ctx, arg, false, &t->c, &rest, err);
	if (rc || !rest || !*rest) {
		(void)snprintf(t->path, sizeof(t->path), "/1.0");
		goto out;
	}
	rc = lxf_args_split_snap(rest, &t->name, &t->snap, err);
	if (rc)
		goto out;
	if (t->snap && !allow_snap) {
		rc = lxf_err_set(err, LXF_EUSAGE, "snapshots cannot be changed here: '%s'", arg);
		goto out;
	}
	rc = lxf_cmd_path(t->path, sizeof(t->path), "instances", t->name, NULL, err);
	if (rc == 0 && t->snap) {
		size_t l = strlen(t->path);
		char *esc = lxf_client_escape(t->snap);

		if (!esc)
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		else if ((size_t)snprintf(t->path + l, sizeof(t->path) - l, "/snapshots/%s", esc) >=
			 sizeof(t->path) - l)
			rc = lxf_err_set(err, LXF_EINVAL, "name too long");
		free(esc);
	}
out:
	free(rest);
	return rc;
}

static int cfg_fail(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, const struct lxf_err *err)
{
	if (err->code == LXF_EUSAGE)
		return lxf_cmd_usage_error(self, ctx, "%s", err->msg);
	return lxf_cmd_fail(ctx, err);
}

static int cmd_config_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct json_object *w = NULL, *v;
	struct lxf_err err = {0};
	struct cfg_target t;
	struct lxf_obj o = {0};
	int st = LXF_EXIT_OK;

	if (cfg_target_open(ctx, args->argc ? args->argv[0] : NULL, true, &t, &err) != 0 ||
	    lxf_obj_get(t.c, t.path, &o, &err) != 0)
		goto fail;
	if (!t.name)
		w = lxf_obj_writable(o.full, lxf_obj_server_keys);
	else if (t.snap)
		w = json_object_get(o.full);
	else
		w = lxf_obj_writable(o.full, lxf_obj_instance_keys);
	if (!w) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (t.name && !t.snap && lxf_args_has(args, 'e')) {
		if (json_object_object_get_ex(o.full, "expanded_config", &v))
			json_object_object_add(w, "config", json_object_get(v));
		if (json_object_object_get_ex(o.full, "expanded_devices", &v))
			json_object_object_add(w, "devices", json_object_get(v));
	}
	if (lxf_obj_print_yaml(ctx->out, w, &err) != 0)
		goto fail;
	goto out;
fail:
	st = cfg_fail(self, ctx, &err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	cfg_target_fini(&t);
	return st;
}

static int cmd_config_get(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	const char *key = args->argv[args->argc - 1], *map = "config", *val;
	struct lxf_err err = {0};
	struct cfg_target t;
	struct lxf_obj o = {0};
	int st = LXF_EXIT_OK;

	if (cfg_target_open(ctx, args->argc == 2 ? args->argv[0] : NULL, true, &t, &err) != 0 ||
	    lxf_obj_get(t.c, t.path, &o, &err) != 0) {
		st = cfg_fail(self, ctx, &err);
		goto out;
	}
	if (t.name && lxf_args_has(args, 'e'))
		map = "expanded_config";
	val = lxf_json_str(lxf_json_path(o.full, map), key);
	if (!val) {
		/* Non-string server values (booleans, numbers) print as JSON. */
		struct json_object *m = lxf_json_path(o.full, map), *v = NULL;

		if (m && json_object_object_get_ex(m, key, &v) && v)
			val = json_object_to_json_string(v);
	}
	fprintf(ctx->out, "%s\n", val ? val : "");
out:
	lxf_obj_fini(&o);
	cfg_target_fini(&t);
	return st;
}

/* set and unset: words are the KEY VALUE / key=value words (unset: just keys). */
static int cfg_write(struct lxf_cmd_ctx *ctx, const char *target, int n, char *const *words,
		     bool unset, struct lxf_err *err)
{
	struct json_object *w = NULL, *cfg;
	struct cfg_target t;
	struct lxf_obj o = {0};
	int rc;

	rc = cfg_target_open(ctx, target, false, &t, err);
	if (rc == 0)
		rc = lxf_obj_get(t.c, t.path, &o, err);
	if (rc)
		goto out;
	w = lxf_obj_writable(o.full, t.name ? lxf_obj_instance_keys : lxf_obj_server_keys);
	cfg = w ? lxf_obj_map(w, "config") : NULL;
	if (!cfg) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (unset) {
		for (int i = 0; i < n; i++) {
			if (!json_object_object_get_ex(cfg, words[i], NULL)) {
				rc = lxf_err_set(err, LXF_EINVAL, "key '%s' is not set", words[i]);
				goto out;
			}
			json_object_object_del(cfg, words[i]);
		}
	} else {
		rc = lxf_args_apply_set(cfg, n, words, false, err);
		if (rc)
			goto out;
	}
	rc = lxf_obj_put(t.c, t.path, w, o.etag, err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	cfg_target_fini(&t);
	return rc;
}

static int cmd_config_set(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	int rc;

	/* lxc: a first word with '=' means the default remote's server. */
	if (strchr(args->argv[0], '='))
		rc = cfg_write(ctx, NULL, args->argc, args->argv, false, &err);
	else if (args->argc < 2)
		return lxf_cmd_usage_error(self, ctx, "missing KEY VALUE or key=value");
	else
		rc = cfg_write(ctx, args->argv[0], args->argc - 1, args->argv + 1, false, &err);
	return rc ? cfg_fail(self, ctx, &err) : LXF_EXIT_OK;
}

static int cmd_config_unset(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	int rc;

	if (args->argc == 1)
		rc = cfg_write(ctx, NULL, 1, args->argv, true, &err);
	else
		rc = cfg_write(ctx, args->argv[0], 1, args->argv + 1, true, &err);
	return rc ? cfg_fail(self, ctx, &err) : LXF_EXIT_OK;
}

struct cfg_edit {
	struct cfg_target *t;
	const char *etag;
};

static int cfg_edit_apply(void *ud, struct json_object *edited, struct lxf_err *err)
{
	struct cfg_edit *e = ud;

	struct json_object *cfg;
	int rc;

	if (!json_object_is_type(edited, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "the document must be a YAML mapping");
	/* Instance config values are strings; the server's may be other scalars. */
	cfg = lxf_json_path(edited, "config");
	if (e->t->name && cfg) {
		rc = lxf_json_check_string_map(cfg, "config", err);
		if (rc)
			return rc;
	}
	return lxf_obj_put(e->t->c, e->t->path, edited, e->etag, err);
}

static int cmd_config_edit(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct json_object *w = NULL;
	struct lxf_err err = {0};
	struct cfg_target t;
	struct cfg_edit e;
	struct lxf_obj o = {0};
	int st = LXF_EXIT_OK;

	if (cfg_target_open(ctx, args->argc ? args->argv[0] : NULL, false, &t, &err) != 0 ||
	    lxf_obj_get(t.c, t.path, &o, &err) != 0)
		goto fail;
	w = lxf_obj_writable(o.full, t.name ? lxf_obj_instance_keys : lxf_obj_server_keys);
	if (!w) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	e.t = &t;
	e.etag = o.etag;
	if (lxf_obj_edit(ctx, w, cfg_edit_apply, &e, &err) != 0)
		goto fail;
	goto out;
fail:
	st = cfg_fail(self, ctx, &err);
out:
	if (w)
		json_object_put(w);
	lxf_obj_fini(&o);
	cfg_target_fini(&t);
	return st;
}

const struct lxf_cmd lxf_cmd_config_show_entry = {
    .name = "config show",
    .usage = "[[REMOTE:]NAME[/SNAPSHOT] | REMOTE:] [--expanded]",
    .summary = "Show an instance's or the server's configuration as YAML",
    .min_args = 0,
    .max_args = 1,
    .opts = {{"expanded", 'e', no_argument, NULL, "Include the profiles' configuration"}},
    .exec = cmd_config_show,
};

const struct lxf_cmd lxf_cmd_config_get_entry = {
    .name = "config get",
    .usage = "[[REMOTE:]NAME | REMOTE:] KEY [--expanded]",
    .summary = "Get one configuration key",
    .min_args = 1,
    .max_args = 2,
    .opts = {{"expanded", 'e', no_argument, NULL, "Look in the expanded configuration"}},
    .exec = cmd_config_get,
};

const struct lxf_cmd lxf_cmd_config_set_entry = {
    .name = "config set",
    .usage = "[[REMOTE:]NAME | REMOTE:] KEY VALUE | key=value...",
    .summary = "Set configuration keys",
    .min_args = 1,
    .max_args = -1,
    .exec = cmd_config_set,
};

const struct lxf_cmd lxf_cmd_config_unset_entry = {
    .name = "config unset",
    .usage = "[[REMOTE:]NAME | REMOTE:] KEY",
    .summary = "Unset a configuration key",
    .min_args = 1,
    .max_args = 2,
    .exec = cmd_config_unset,
};

const struct lxf_cmd lxf_cmd_config_edit_entry = {
    .name = "config edit",
    .usage = "[[REMOTE:]NAME | REMOTE:]",
    .summary = "Edit a configuration in $EDITOR (or from YAML on stdin)",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_config_edit,
};
