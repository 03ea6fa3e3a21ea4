/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic object commands (see obj.h): list, show, get, set, unset,
 * edit and delete for any kind an lxf_obj_desc describes. The command
 * files only declare descriptors and entries; what differs between kinds
 * (columns, writable members, snapshots, the server as target, how
 * delete reports) is data in the descriptor.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fleet.h"
#include "json.h"
#include "list.h"
#include "obj.h"
#include "output.h"
#include "sstreams-get.h"
#include "target.h"

void lxf_obj_ref_fini(struct lxf_obj_ref *r)
{
	lxf_obj_fini(&r->o);
	lxf_client_free(r->c);
	free(r->name);
	free(r->id);
	free(r->snap);
	memset(r, 0, sizeof(*r));
}

int lxf_obj_path_add(struct lxf_obj_ref *r, const char *suffix, struct lxf_err *err)
{
	size_t l = strlen(r->path);

	if ((size_t)snprintf(r->path + l, sizeof(r->path) - l, "%s", suffix) >= sizeof(r->path) - l)
		return lxf_err_set(err, LXF_EINVAL, "name too long");
	return 0;
}

/* r->path for r->id (and r->snap). */
static int obj_ref_path(const struct lxf_obj_desc *d, struct lxf_obj_ref *r, struct lxf_err *err)
{
	char path[sizeof(r->path)], *esc;
	int rc;

	/* Built aside: a callee given a pointer into r may, for the analyzer, change r->id. */
	rc = lxf_cmd_path(path, sizeof(path), d->collection, r->id, NULL, err);
	if (rc)
		return rc;
	memcpy(r->path, path, sizeof(path));
	if (!r->snap)
		return 0;
	esc = lxf_client_escape(r->snap);
	if (!esc)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_obj_path_add(r, "/snapshots/", err);
	if (rc == 0)
		rc = lxf_obj_path_add(r, esc, err);
	free(esc);
	return rc;
}

int lxf_obj_open(struct lxf_cmd_ctx *ctx, const struct lxf_obj_desc *d, const char *arg, bool write,
		 struct lxf_obj_ref *r, struct lxf_err *err)
{
	bool server = d->flags & LXF_OBJ_SERVER;
	char *rest = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!arg)
		rc = lxf_cmd_client(ctx, NULL, &r->c, err);
	else if (strcmp(d->collection, "instances") == 0 && arg[0] && arg[strlen(arg) - 1] != ':')
		rc = lxf_cmd_target_inst(ctx, arg, &r->c, &rest, err);
	else
		rc = lxf_cmd_target(ctx, arg, !server, &r->c, &rest, err);
	if (rc || !rest || !*rest) {
		(void)snprintf(r->path, sizeof(r->path), "/1.0");
		goto out;
	}
	if ((d->flags & LXF_OBJ_SNAPSHOT) && write && strchr(rest, '/')) {
		rc = lxf_err_set(err, LXF_EUSAGE, "%s: '%s'", d->snap_write, arg);
		goto out;
	}
	if (d->flags & LXF_OBJ_SNAPSHOT) {
		rc = lxf_args_split_snap(rest, &r->name, &r->snap, err);
	} else {
		r->name = rest;
		rest = NULL;
	}
	if (rc)
		goto out;
	if (d->resolve)
		rc = d->resolve(r->c, r->name, &r->id, err);
	else if (!(r->id = strdup(r->name)))
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = obj_ref_path(d, r, err);
out:
	free(rest);
	return rc;
}

/* The writable members of r's object: the server's for "REMOTE:". */
static const char *const *obj_keys(const struct lxf_obj_desc *d, const struct lxf_obj_ref *r)
{
	return r->id ? d->keys : lxf_obj_server_keys;
}

/* One list cell of o, malloc'ed (NULL on ENOMEM, shown empty). */
static char *obj_cell(const struct lxf_obj_col *col, struct json_object *o)
{
	struct json_object *src = col->in ? lxf_json_path(o, col->in) : o, *v = NULL;
	/* LXF_CELL_FN columns have no key: their function reads o itself. */
	const char *s = col->key ? lxf_json_str(src, col->key) : NULL;
	char tmp[64], *cell;
	bool b = false;
	int64_t n = 0;

	switch (col->cell) {
	case LXF_CELL_FN:
		return col->fn(o);
	case LXF_CELL_UPPER:
		cell = lxf_obj_strdup(s);
		for (char *p = cell; p && *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		return cell;
	case LXF_CELL_SHORT:
		return strndup(s ? s : "", 12);
	case LXF_CELL_YES_NO:
	case LXF_CELL_yes_no:
		(void)lxf_json_get_bool(src, col->key, false, &b, NULL);
		if (col->cell == LXF_CELL_yes_no)
			return strdup(b ? "yes" : "no");
		return strdup(b ? "YES" : "NO");
	case LXF_CELL_COUNT:
		/* USED BY is a count in a table, as lxc prints it. */
		json_object_object_get_ex(src, col->key, &v);
		(void)snprintf(tmp, sizeof(tmp), "%zu",
			       v && json_object_is_type(v, json_type_array)
				   ? json_object_array_length(v)
				   : (size_t)0);
		return strdup(tmp);
	case LXF_CELL_TIME:
		lxf_list_format_time(s, tmp, sizeof(tmp));
		return strdup(tmp);
	case LXF_CELL_SIZE:
		(void)lxf_json_get_int(src, col->key, false, &n, NULL);
		lxf_output_size_iec(n, tmp, sizeof(tmp));
		return strdup(tmp);
	case LXF_CELL_KIND:
		return strdup(s && strcmp(s, "virtual-machine") == 0 ? "VIRTUAL-MACHINE"
								     : "CONTAINER");
	case LXF_CELL_STR:
	default:
		return lxf_obj_strdup(s);
	}
}

/* Whether d->keep keeps o for every filter (one "" when none was given). */
static bool obj_keep(const struct lxf_obj_desc *d, struct json_object *o,
		     const char *const *filters, size_t nfilters)
{
	if (d->keep && nfilters == 0)
		return d->keep(o, "");
	for (size_t f = 0; d->keep && f < nfilters; f++)
		if (!d->keep(o, filters[f]))
			return false;
	return true;
}

/* The table of the objects in rows, kept by d->keep; remote: a first REMOTE cell, or NULL. */
static int obj_table(const struct lxf_obj_desc *d, struct json_object *rows, const char *remote,
		     const char *const *filters, size_t nfilters, struct lxf_table *t,
		     struct lxf_err *err)
{
	char *row[LXF_OBJ_MAX_COLS + 1];
	size_t first = remote ? 1 : 0;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *o = json_object_array_get_idx(rows, i);

		if (!obj_keep(d, o, filters, nfilters))
			continue;
		if (remote)
			row[0] = strdup(remote);
		for (size_t k = first; k < t->ncols; k++)
			row[k] = obj_cell(&d->cols[k - first], o);
		if (lxf_table_add_row(t, row) != 0)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_obj_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		 const struct lxf_cmd_args *args)
{
	const struct lxf_obj_desc *d = self->obj;
	const char *headers[LXF_OBJ_MAX_COLS];
	struct json_object *rows = NULL;
	struct lxf_response resp = {0};
	struct lxf_err err = {0};
	struct lxf_table t;
	char url[256];
	size_t ncols = 0;
	int st = LXF_EXIT_OK;

	while (ncols < LXF_OBJ_MAX_COLS && d->cols[ncols].header) {
		headers[ncols] = d->cols[ncols].header;
		ncols++;
	}
	lxf_table_init(&t, ncols, headers);
	if (*args->name && !(d->flags & LXF_OBJ_FILTER)) {
		lxf_err_set(&err, LXF_EUSAGE, "want REMOTE:, got '%s'", args->target_arg);
		goto fail;
	}
	(void)snprintf(url, sizeof(url), "/1.0/%s?recursion=1", d->collection);
	if (lxf_client_request(args->client, "GET", url, NULL, &resp, &err) != 0)
		goto fail;
	rows = d->rows ? d->rows(resp.metadata) : json_object_get(resp.metadata);
	if (!rows || !json_object_is_type(rows, json_type_array)) {
		lxf_err_set(&err, LXF_EIO, "the server sent no list of %s", d->collection);
		goto fail;
	}
	if (args->fmt == LXF_FMT_JSON || args->fmt == LXF_FMT_YAML) {
		if (lxf_output_json(ctx->out, args->fmt, rows, &err) != 0)
			goto fail;
		goto out;
	}
	if (obj_table(d, rows, NULL, (const char *const *)&args->name, 1, &t, &err) != 0)
		goto fail;
	lxf_table_print(ctx->out, args->fmt, &t, false);
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	if (rows)
		json_object_put(rows);
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
	return st;
}

/*
 * Splits fleet list arguments: "REMOTE:[FILTER]" picks a remote (jobs;
 * REMOTE may be a list of remotes and @groups, "@web" needs no ':'),
 * anything else is a filter (only for LXF_OBJ_FILTER kinds). No remote
 * picked: the fleet's members.
 */
static int obj_fleet_args(const struct lxf_obj_desc *d, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args, struct lxf_fleet_job *jobs,
			  size_t *njobs, const char **filters, size_t *nfilters,
			  struct lxf_err *err)
{
	const struct lxf_remotes *r = ctx->remotes;
	size_t picked;

	*njobs = *nfilters = 0;
	for (int i = 0; i < args->argc; i++) {
		const char *a = args->argv[i], *colon = strchr(a, ':');
		const char *filter = colon ? colon + 1 : a;

		/* "@web" is a remote list without ':' (no filter starts with '@'). */
		if (!colon && lxf_remotes_is_group_spec(a))
			colon = filter = a + strlen(a);
		if (colon) {
			int rc = lxf_fleet_add_spec(r, a, (size_t)(colon - a), jobs, njobs, err);

			if (rc)
				return rc;
		}
		if (!*filter)
			continue;
		if (!(d->flags & LXF_OBJ_FILTER))
			return lxf_err_set(err, LXF_EUSAGE, "want REMOTE:, got '%s'", a);
		filters[(*nfilters)++] = filter;
	}
	picked = *njobs;
	for (size_t i = 0; picked == 0 && i < r->n; i++)
		if (lxf_fleet_member(&r->v[i]))
			jobs[(*njobs)++].remote = &r->v[i];
	if (*njobs == 0)
		return lxf_err_set(err, LXF_EUSAGE,
				   "no remote: no lxfd runs here and none was added (lxf remote "
				   "add NAME ADDR)");
	return 0;
}

/* The fleet's objects as JSON/YAML: one array, each object with its "remote". */
static int obj_fleet_json(const struct lxf_obj_desc *d, struct lxf_cmd_ctx *ctx, enum lxf_fmt fmt,
			  struct json_object **rows, const struct lxf_fleet_job *jobs, size_t njobs,
			  const char **filters, size_t nfilters, struct lxf_err *err)
{
	struct json_object *all = json_object_new_array();
	int rc = 0;

	for (size_t j = 0; all && j < njobs; j++)
		for (size_t i = 0; rows[j] && i < json_object_array_length(rows[j]); i++) {
			struct json_object *o = json_object_array_get_idx(rows[j], i);

			if (!json_object_is_type(o, json_type_object) ||
			    !obj_keep(d, o, filters, nfilters))
				continue;
			if (lxf_json_add_str(o, "remote", jobs[j].remote->name) != 0 ||
			    json_object_array_add(all, json_object_get(o)) != 0)
				rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
	if (!all)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = lxf_output_json(ctx->out, fmt, all, err);
	json_object_put(all);
	return rc;
}

int lxf_obj_list_fleet(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		       const struct lxf_cmd_args *args)
{
	const struct lxf_obj_desc *d = self->obj;
	const char *headers[LXF_OBJ_MAX_COLS + 1] = {"REMOTE"};
	struct lxf_fleet_job *jobs = calloc(ctx->remotes->n + 1, sizeof(*jobs));
	const char **filters = calloc((size_t)args->argc + 1, sizeof(*filters));
	struct json_object **rows = calloc(ctx->remotes->n + 1, sizeof(struct json_object *));
	struct lxf_err err = {0};
	struct lxf_table t;
	size_t ncols = 1, njobs = 0, nfilters = 0, failed = 0;
	char url[256];
	int st = LXF_EXIT_OK, first_fail = 0;

	while (ncols <= LXF_OBJ_MAX_COLS && d->cols[ncols - 1].header) {
		headers[ncols] = d->cols[ncols - 1].header;
		ncols++;
	}
	lxf_table_init(&t, ncols, headers);
	if (!jobs || !filters || !rows) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (obj_fleet_args(d, ctx, args, jobs, &njobs, filters, &nfilters, &err) != 0)
		goto fail;
	(void)snprintf(url, sizeof(url), "/1.0/%s?recursion=1", d->collection);
	if (lxf_fleet_get(ctx->remotes, jobs, njobs, url, false) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	/* Image servers (simplestreams remotes) list from their catalogues. */
	for (size_t j = 0; strcmp(d->collection, "images") == 0 && j < njobs; j++) {
		if (!lxf_ss_remote(jobs[j].remote))
			continue;
		lxf_err_clear(&jobs[j].err);
		json_object_put(jobs[j].instances);
		jobs[j].instances = NULL;
		jobs[j].rc = lxf_ss_remote_images(jobs[j].remote, &jobs[j].instances, &jobs[j].err);
	}
	for (size_t j = 0; j < njobs; j++) {
		struct json_object *md = jobs[j].instances;

		if (!jobs[j].rc) {
			rows[j] = d->rows ? d->rows(md) : json_object_get(md);
			if (!rows[j] || !json_object_is_type(rows[j], json_type_array))
				jobs[j].rc =
				    lxf_err_set(&jobs[j].err, LXF_EIO,
						"the server sent no list of %s", d->collection);
		}
		if (!jobs[j].rc) {
			if (args->fmt != LXF_FMT_JSON && args->fmt != LXF_FMT_YAML &&
			    obj_table(d, rows[j], jobs[j].remote->name, filters, nfilters, &t,
				      &err) != 0)
				goto fail;
			continue;
		}
		fprintf(ctx->err, "lxf: remote '%s': %s\n", jobs[j].remote->name, jobs[j].err.msg);
		if (!failed++)
			first_fail = jobs[j].err.code;
	}
	if (failed == njobs) {
		/* Nothing answered: no empty table pretending to be a result. */
		st = lxf_code_exit(first_fail);
		goto out;
	}
	if (args->fmt == LXF_FMT_JSON || args->fmt == LXF_FMT_YAML) {
		if (obj_fleet_json(d, ctx, args->fmt, rows, jobs, njobs, filters, nfilters, &err) !=
		    0)
			goto fail;
	} else {
		lxf_table_print(ctx->out, args->fmt, &t, false);
	}
	st = failed ? LXF_EXIT_PARTIAL : LXF_EXIT_OK;
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	for (size_t j = 0; rows && j < njobs; j++)
		if (rows[j])
			json_object_put(rows[j]);
	lxf_fleet_jobs_fini(jobs, njobs);
	lxf_table_fini(&t);
	free(rows);
	free(filters);
	free(jobs);
	return st;
}

int lxf_obj_run(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		const struct lxf_cmd_args *args, const char *target, unsigned how, lxf_obj_fn fn)
{
	struct lxf_obj_ref r = {0};
	struct lxf_err err = {0};
	int rc;

	rc = lxf_obj_open(ctx, self->obj, target, how & LXF_OBJ_RUN_WRITE, &r, &err);
	if (rc == 0 && !(how & LXF_OBJ_RUN_NOGET))
		rc = lxf_obj_get(r.c, r.path, &r.o, &err);
	if (rc == 0)
		rc = fn(self, ctx, args, &r, &err);
	lxf_obj_ref_fini(&r);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

/* What show prints of r's object: see lxf_obj_show. A new reference or NULL. */
static struct json_object *obj_shown(const struct lxf_obj_desc *d, const struct lxf_obj_ref *r,
				     bool expanded)
{
	const char *const *keys = obj_keys(d, r);
	struct json_object *w, *v;

	if (!keys || r->snap)
		return json_object_get(r->o.full);
	w = lxf_obj_writable(r->o.full, keys);
	for (size_t i = 0; w && d->show_extra && d->show_extra[i]; i++)
		if (json_object_object_get_ex(r->o.full, d->show_extra[i], &v))
			json_object_object_add(w, d->show_extra[i], json_object_get(v));
	if (w && expanded && r->id) {
		if (json_object_object_get_ex(r->o.full, "expanded_config", &v))
			json_object_object_add(w, "config", json_object_get(v));
		if (json_object_object_get_ex(r->o.full, "expanded_devices", &v))
			json_object_object_add(w, "devices", json_object_get(v));
	}
	return w;
}

static int obj_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *w = obj_shown(self->obj, r, lxf_args_has(args, 'e'));
	int rc;

	if (!w)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_obj_print_yaml(ctx->out, w, err);
	json_object_put(w);
	return rc;
}

int lxf_obj_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		 const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argc ? args->argv[0] : NULL, 0, obj_show);
}

static int obj_get_key(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		       const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	const char *key = args->argv[args->argc - 1], *val;
	struct json_object *m, *v = NULL;

	(void)self;
	(void)err;
	m = lxf_json_path(r->o.full,
			  r->id && lxf_args_has(args, 'e') ? "expanded_config" : "config");
	val = lxf_json_str(m, key);
	/* Non-string server values (booleans, numbers) print as JSON. */
	if (!val && m && json_object_object_get_ex(m, key, &v) && v)
		val = json_object_to_json_string(v);
	fprintf(ctx->out, "%s\n", val ? val : "");
	return 0;
}

int lxf_obj_get_key(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argc >= 2 ? args->argv[0] : NULL, 0, obj_get_key);
}

/*
 * The KEY VALUE / key=value words of set (unset: the key) and the target
 * before them: NULL, the default remote's server, when there is none
 * (lxc: for set, a first word with '=').
 */
static char *const *obj_words(const struct lxf_cmd *self, const struct lxf_cmd_args *args,
			      bool unset, const char **target, int *n)
{
	bool server = unset ? args->argc == 1
			    : (self->obj->flags & LXF_OBJ_SERVER) && strchr(args->argv[0], '=');

	*target = server ? NULL : args->argv[0];
	*n = unset ? 1 : args->argc - !server;
	return args->argv + !server;
}

static int obj_write(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err,
		     bool unset)
{
	struct json_object *w, *cfg;
	const char *target;
	char *const *words;
	int n, rc = 0;

	(void)ctx;
	words = obj_words(self, args, unset, &target, &n);
	w = lxf_obj_writable(r->o.full, obj_keys(self->obj, r));
	cfg = w ? lxf_obj_map(w, "config") : NULL;
	if (!cfg)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	for (int i = 0; rc == 0 && unset && i < n; i++) {
		if (!json_object_object_get_ex(cfg, words[i], NULL))
			rc = lxf_err_set(err, LXF_EINVAL, "key '%s' is not set", words[i]);
		json_object_object_del(cfg, words[i]);
	}
	if (rc == 0 && !unset)
		rc = lxf_args_apply_set(cfg, n, words, false, err);
	if (rc == 0)
		rc = lxf_obj_put(r->c, r->path, w, r->o.etag, err);
	if (w)
		json_object_put(w);
	return rc;
}

static int obj_set(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		   const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	return obj_write(self, ctx, args, r, err, false);
}

static int obj_unset(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	return obj_write(self, ctx, args, r, err, true);
}

/* set and unset: the words are checked before connecting. */
static int obj_write_cmd(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args, bool unset)
{
	const char *target;
	int n;

	(void)obj_words(self, args, unset, &target, &n);
	if (n < 1)
		return lxf_cmd_usage_error(self, ctx, "missing KEY VALUE or key=value");
	return lxf_obj_run(self, ctx, args, target, LXF_OBJ_RUN_WRITE, unset ? obj_unset : obj_set);
}

int lxf_obj_set(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		const struct lxf_cmd_args *args)
{
	return obj_write_cmd(self, ctx, args, false);
}

int lxf_obj_unset(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		  const struct lxf_cmd_args *args)
{
	return obj_write_cmd(self, ctx, args, true);
}

static int obj_edit(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	const struct lxf_obj_desc *d = self->obj;
	struct lxf_obj_put_edit e = {r->c, r->path, r->o.etag, obj_keys(d, r), false};
	struct json_object *w = lxf_obj_writable(r->o.full, obj_keys(d, r));
	int rc;

	(void)args;
	if (!w)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (d->flags & LXF_OBJ_EDIT_RAW) {
		e.keys = NULL;
		e.string_config = r->id != NULL;
	}
	rc = lxf_obj_edit(ctx, w, lxf_obj_put_edit_apply, &e, err);
	json_object_put(w);
	return rc;
}

int lxf_obj_edit_cmd(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argc ? args->argv[0] : NULL, LXF_OBJ_RUN_WRITE,
			   obj_edit);
}

static int obj_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		      const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *body = NULL;
	char *to = NULL;
	int rc;

	(void)self;
	rc = lxf_obj_same_remote(ctx, args->argv[0], args->argv[1], &to, err);
	if (rc == 0 && !*to)
		rc = lxf_err_set(err, LXF_EUSAGE, "empty new name in '%s'", args->argv[1]);
	if (rc == 0 &&
	    (!(body = json_object_new_object()) || lxf_json_add_str(body, "name", to) != 0))
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = lxf_client_do(r->c, "POST", r->path, body, NULL, err);
	json_object_put(body);
	free(to);
	return rc;
}

int lxf_obj_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		   const struct lxf_cmd_args *args)
{
	return lxf_obj_run(self, ctx, args, args->argv[0], LXF_OBJ_RUN_NOGET, obj_rename);
}

int lxf_obj_delete(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		   const struct lxf_cmd_args *args)
{
	const struct lxf_obj_desc *d = self->obj;
	struct lxf_obj_ref r;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK, fails = 0;

	for (int i = 0; i < args->argc; i++) {
		lxf_err_clear(&err);
		if (lxf_obj_open(ctx, d, args->argv[i], false, &r, &err) != 0 ||
		    lxf_client_do(r.c, "DELETE", r.path, NULL, NULL, &err) != 0) {
			st = lxf_cmd_error(self, ctx, &err);
			fails++;
		} else if (d->noun && !ctx->quiet) {
			fprintf(ctx->out, "%s %s deleted\n", d->noun, r.name);
		}
		lxf_obj_ref_fini(&r);
		if (fails && (d->flags & LXF_OBJ_DEL_STOP))
			break;
	}
	if ((d->flags & LXF_OBJ_DEL_PARTIAL) && fails && fails < args->argc)
		st = LXF_EXIT_PARTIAL;
	return st;
}
