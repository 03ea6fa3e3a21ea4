/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf export [REMOTE...] [--name STACK]: the lxf.yaml(5) of what runs now
 * on those remotes (all of config.yml's by default), read from each one's
 * GET /1.0/instances?recursion=1 at once. Written so that `lxf plan` of it
 * finds nothing to do: every field plan compares (config, devices,
 * profiles, state, image) is written as the server has it, minus the keys
 * the server or lxf keep for themselves.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/plan.h"
#include "apply/spec.h"
#include "backup.h"
#include "buf.h"
#include "cmd.h"
#include "fleet.h"
#include "json.h"

/* The values of cmd-backup.c's options (the instance backup form). */
enum { EXPORT_OPT_NAME = 500, EXPORT_OPT_INSTANCE_ONLY = 540, EXPORT_OPT_COMPRESSION };

/* One instance to write, with the remote it is on. */
struct export_item {
	const char *remote, *name;
	struct json_object *live; /* borrowed from a job */
};

/*
 * The remotes named (REMOTE, REMOTE:, @GROUP or a list of them, "@web,h9"),
 * else every one of config.yml ("local" when it runs).
 */
static int export_remotes(const struct lxf_remotes *r, const struct lxf_cmd_args *args,
			  struct lxf_fleet_job *jobs, size_t *njobs, struct lxf_err *err)
{
	int rc;

	*njobs = 0;
	rc = lxf_fleet_add_words(r, args->argc, args->argv, jobs, njobs, err);
	if (rc)
		return rc;
	for (size_t i = 0; args->argc == 0 && i < r->n; i++)
		if (lxf_fleet_member(&r->v[i]))
			jobs[(*njobs)++].remote = &r->v[i];
	return 0;
}

static int export_cmp_item(const void *a, const void *b)
{
	const struct export_item *x = a, *y = b;
	int c = strcmp(x->remote, y->remote);

	return c ? c : strcmp(x->name, y->name);
}

/* s with each '$' doubled: lxf.yaml reads ${VAR} and "$$" in every value. */
static struct json_object *export_str(const char *s)
{
	struct json_object *o = NULL;
	struct lxf_buf b;
	int rc = 0;

	lxf_buf_init(&b, 0);
	rc = lxf_buf_adds(&b, "");
	for (const char *p = s; rc == 0 && *p; p++)
		rc = *p == '$' ? lxf_buf_adds(&b, "$$") : lxf_buf_addf(&b, "%c", *p);
	if (rc == 0)
		o = json_object_new_string_len(lxf_buf_str(&b), (int)b.len);
	lxf_buf_fini(&b);
	return o;
}

static int export_cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds key = val (taken over, NULL: ENOMEM) to o; false on ENOMEM. */
static bool export_add(struct json_object *o, const char *key, struct json_object *val)
{
	if (val && json_object_object_add(o, key, val) == 0)
		return true;
	json_object_put(val);
	return false;
}

/*
 * A copy of the string map m with keys sorted and values escaped; with
 * own_keys, leaving out what the server and lxf keep (volatile.*, image.*,
 * user.lxf.*). depth 1: a map of such maps (devices). NULL on ENOMEM.
 */
static struct json_object *export_map(struct json_object *m, bool own_keys, int depth)
{
	size_t n = json_object_is_type(m, json_type_object) ? (size_t)json_object_object_length(m)
							    : 0,
	       k = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	struct json_object *o = json_object_new_object();

	if (!keys || !o)
		goto fail;
	if (n) {
		json_object_object_foreach(m, key, val)
		{
			(void)val;
			if (!own_keys ||
			    (strncmp(key, "volatile.", 9) != 0 && strncmp(key, "image.", 6) != 0 &&
			     strncmp(key, "user.lxf.", 9) != 0))
				keys[k++] = key;
		}
	}
	qsort(keys, k, sizeof(*keys), export_cmp_key);
	for (size_t i = 0; i < k; i++) {
		struct json_object *v = json_object_object_get(m, keys[i]);
		struct json_object *c =
		    depth ? export_map(v, false, depth - 1) : export_str(json_object_get_string(v));

		if (!export_add(o, keys[i], c))
			goto fail;
	}
	free(keys);
	return o;
fail:
	free(keys);
	json_object_put(o);
	return NULL;
}

/* LXD's status as lxf.yaml's state: Running, Frozen, else (Stopped, Error, ...) stopped. */
static const char *export_state(const char *status)
{
	if (status && strcmp(status, "Running") == 0)
		return "running";
	if (status && strcmp(status, "Frozen") == 0)
		return "frozen";
	return "stopped";
}

/* One entry of instances:; NULL with err (no image to name, or ENOMEM). */
static struct json_object *export_instance(const struct export_item *it, struct lxf_err *err)
{
	struct json_object *cfg = json_object_object_get(it->live, "config");
	struct json_object *profs = json_object_object_get(it->live, "profiles");
	const char *image = lxf_json_str(cfg, "volatile.base_image");
	struct json_object *o = NULL, *pl = NULL;
	size_t np =
	    json_object_is_type(profs, json_type_array) ? json_object_array_length(profs) : 0;
	bool ok;

	if (!image || !*image) {
		lxf_err_set(err, LXF_EINVAL,
			    "instance '%s' on '%s' has no volatile.base_image: left out", it->name,
			    it->remote);
		return NULL;
	}
	o = json_object_new_object();
	pl = json_object_new_array_ext((int)np);
	ok = o && pl;
	for (size_t i = 0; ok && i < np; i++) {
		struct json_object *s =
		    export_str(json_object_get_string(json_object_array_get_idx(profs, i)));

		ok = s && json_object_array_add(pl, s) == 0;
		if (!ok)
			json_object_put(s);
	}
	ok = ok && export_add(o, "name", json_object_new_string(it->name)) &&
	     export_add(o, "remote", json_object_new_string(it->remote)) &&
	     export_add(o, "image", export_str(image)) && export_add(o, "profiles", pl);
	pl = NULL;
	ok = ok &&
	     export_add(o, "state",
			json_object_new_string(export_state(lxf_json_str(it->live, "status")))) &&
	     export_add(o, "config", export_map(cfg, true, 0)) &&
	     export_add(o, "devices",
			export_map(json_object_object_get(it->live, "devices"), false, 1));
	if (!ok) {
		json_object_put(pl);
		json_object_put(o);
		lxf_err_set(err, LXF_ENOMEM, "out of memory");
		return NULL;
	}
	return o;
}

/* --name, else the one stack every instance carries, else "exported". */
static const char *export_stack(const struct export_item *v, size_t n, const char *given)
{
	const char *one = NULL;

	if (given)
		return given;
	for (size_t i = 0; i < n; i++) {
		const char *tag =
		    lxf_json_str(json_object_object_get(v[i].live, "config"), LXF_APPLY_STACK_KEY);

		if (!tag || (one && strcmp(one, tag) != 0))
			return "exported";
		one = tag;
	}
	return one ? one : "exported";
}

/* Gathers every answering job's instances, sorted by remote then name. */
static int export_collect(const struct lxf_fleet_job *jobs, size_t njobs, struct export_item **out,
			  size_t *nout)
{
	struct export_item *v = NULL;
	size_t n = 0, max = 0;

	for (size_t j = 0; j < njobs; j++)
		max += jobs[j].instances ? json_object_array_length(jobs[j].instances) : 0;
	v = calloc(max ? max : 1, sizeof(*v));
	if (!v)
		return -LXF_ENOMEM;
	for (size_t j = 0; j < njobs; j++) {
		for (size_t i = 0;
		     jobs[j].instances && i < json_object_array_length(jobs[j].instances); i++) {
			struct json_object *o = json_object_array_get_idx(jobs[j].instances, i);
			const char *name = lxf_json_str(o, "name");

			if (name)
				v[n++] = (struct export_item){jobs[j].remote->name, name, o};
		}
	}
	qsort(v, n, sizeof(*v), export_cmp_item);
	*out = v;
	*nout = n;
	return 0;
}

/* The whole document; *partial set when an instance had to be left out (said on ctx->err). */
static int export_doc(struct lxf_cmd_ctx *ctx, const struct export_item *v, size_t n,
		      const char *stack, struct json_object **out, bool *partial,
		      struct lxf_err *err)
{
	struct json_object *doc = json_object_new_object(), *arr = json_object_new_array();
	bool ok = doc && arr;

	for (size_t i = 0; ok && i < n; i++) {
		struct lxf_err e = {0};
		struct json_object *o = export_instance(&v[i], &e);

		if (!o && e.code == LXF_EINVAL) {
			fprintf(ctx->err, "Warning: %s\n", e.msg);
			*partial = true;
			continue;
		}
		ok = o && json_object_array_add(arr, o) == 0;
		if (!ok)
			json_object_put(o);
	}
	ok = ok && export_add(doc, "version", json_object_new_int(1)) &&
	     export_add(doc, "name", json_object_new_string(stack)) &&
	     export_add(doc, "instances", arr);
	if (!ok) {
		if (!doc || !json_object_object_get_ex(doc, "instances", NULL))
			json_object_put(arr);
		json_object_put(doc);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	*out = doc;
	return 0;
}

static int cmd_export_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	const char *given = lxf_args_get(args, EXPORT_OPT_NAME);
	struct lxf_fleet_job *jobs = NULL;
	struct export_item *items = NULL;
	struct json_object *doc = NULL;
	size_t njobs = 0, nitems = 0, failed = 0;
	struct lxf_err err = {0};
	bool partial = false;
	int st = LXF_EXIT_OK, first_fail = 0;

	/* `lxf export [REMOTE:]INSTANCE [FILE]`: an instance backup (cmd-backup.c). */
	if (!lxf_export_is_stack(ctx->remotes, args->argc, args->argv))
		return lxf_export_instance(self, ctx, args);
	if (lxf_args_has(args, EXPORT_OPT_INSTANCE_ONLY) ||
	    lxf_args_has(args, EXPORT_OPT_COMPRESSION))
		return lxf_cmd_usage_error(
		    self, ctx, "--instance-only and --compression are for an instance backup");
	if (given && lxf_apply_check_instance_name(given, &err) < 0)
		return lxf_cmd_usage_error(self, ctx, "bad stack name '%s': %s", given, err.msg);
	jobs = calloc(ctx->remotes->n + (size_t)args->argc + 1, sizeof(*jobs));
	if (!jobs) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (export_remotes(ctx->remotes, args, jobs, &njobs, &err) != 0) {
		st = lxf_cmd_error(self, ctx, &err);
		goto out;
	}
	if (lxf_fleet_fetch(ctx->remotes, jobs, njobs, "/1.0/instances?recursion=1") != 0 ||
	    export_collect(jobs, njobs, &items, &nitems) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	for (size_t j = 0; j < njobs; j++) {
		if (!jobs[j].rc)
			continue;
		fprintf(ctx->err, "Error: remote '%s': %s\n", jobs[j].remote->name,
			jobs[j].err.msg);
		if (!failed++)
			first_fail = jobs[j].err.code;
	}
	if (njobs && failed == njobs) {
		/* Nothing answered: no empty file pretending to be the fleet. */
		st = lxf_code_exit(first_fail);
		goto out;
	}
	if (export_doc(ctx, items, nitems, export_stack(items, nitems, given), &doc, &partial,
		       &err) != 0 ||
	    lxf_output_json(ctx->out, LXF_FMT_YAML, doc, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (failed || partial)
		st = LXF_EXIT_PARTIAL;
out:
	json_object_put(doc);
	free(items);
	lxf_fleet_jobs_fini(jobs, njobs);
	free(jobs);
	return st;
}

const struct lxf_cmd lxf_cmd_export_entry =
    LXF_CMD_ENTRY("export", NULL, "[REMOTE...] [--name STACK] | [REMOTE:]INSTANCE [FILE]",
		  "Write an lxf.yaml file of what runs now, or an instance backup", 0, -1,
		  LXF_CMD_T_NONE, 0, cmd_export_exec,
		  {"name", EXPORT_OPT_NAME, required_argument, "STACK",
		   "The stack's name (default: the one stack all instances carry, else exported)"},
		  {"instance-only", EXPORT_OPT_INSTANCE_ONLY, no_argument, NULL,
		   "Instance backup: without its snapshots"},
		  {"compression", EXPORT_OPT_COMPRESSION, required_argument, "ALG",
		   "Instance backup: gzip (default), bzip2, xz, lzma, zstd or none"});
