/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/instances: the list, the Instance object, and creation. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "backend_config.h"
#include "db.h"
#include "events.h"
#include "filter.h"
#include "http.h"
#include "image.h"
#include "journal.h"
#include "json-keep.h"
#include "log.h"
#include "migrate.h"
#include "op.h"

static int status_code(const char *status)
{
	if (strcmp(status, "Running") == 0)
		return 103;
	if (strcmp(status, "Stopped") == 0)
		return 102;
	if (strcmp(status, "Frozen") == 0)
		return 110;
	return 112;
}

/* The snapshots of instance name, from the list's rows when there are some. */
static struct json_object *row_snapshots(const char *name, const struct api_list_ctx *ctx)
{
	if (!ctx)
		return api_snapshots_json(name);
	return api_snapshots_json_rows(name ? json_object_object_get(ctx->snaps, name) : NULL,
				       ctx->profiles);
}

struct json_object *api_instance_json(struct json_object *row, bool full)
{
	return api_instance_json_in(row, full, NULL);
}

struct json_object *api_instance_json_in(struct json_object *row, bool full,
					 const struct api_list_ctx *ctx)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ec = NULL, *ed = NULL;
	struct json_object *state = NULL;
	struct lxf_err err;
	const char *name = lxf_json_str(row, "name"), *status = NULL;
	static const char *const copied[] = {"architecture", "config",   "devices",     "ephemeral",
					     "profiles",     "stateful", "description", "name"};

	bool want_state = full, want_snaps = full, want_expanded = true;

	if (!o)
		return NULL;
	if (ctx && ctx->keep) {
		want_state &= lxf_json_keep_has(ctx->keep, "state", 5) != 0;
		want_snaps &= lxf_json_keep_has(ctx->keep, "snapshots", 9) != 0;
		want_expanded = lxf_json_keep_has(ctx->keep, "expanded_config", 15) != 0 ||
				lxf_json_keep_has(ctx->keep, "expanded_devices", 16) != 0;
	}
	/* With the state (recursion=2) comes the status: one monitor query less. */
	if (want_state && name && backend_state(name, &state, &err) < 0) {
		lxf_debug("No state for %s: %s", name, err.msg);
		state = NULL;
	}
	status = state ? lxf_json_str(state, "status") : name ? backend_status(name) : NULL;
	if (!status)
		status = "Error";
	api_copy_fields(o, row, copied, sizeof(copied) / sizeof(copied[0]));
	api_add_time(o, row, "created_at");
	api_add_time(o, row, "last_used_at");
	if (want_expanded &&
	    instance_expand_in(ctx ? ctx->profiles : NULL, json_object_object_get(row, "profiles"),
			       json_object_object_get(row, "config"),
			       json_object_object_get(row, "devices"), &ec, &ed, NULL) < 0) {
		/* A profile vanished under us: show the local maps rather than nothing. */
		ec = lxf_json_copy(json_object_object_get(row, "config"));
		ed = lxf_json_copy(json_object_object_get(row, "devices"));
	}
	if (want_expanded) {
		json_object_object_add(o, "expanded_config", ec);
		json_object_object_add(o, "expanded_devices", ed);
	}
	lxf_json_add_str(o, "status", status);
	json_object_object_add(o, "status_code", json_object_new_int(status_code(status)));
	lxf_json_add_str(o, "location", "none");
	lxf_json_add_str(o, "type", "container");
	lxf_json_add_str(o, "project", "default");
	if (full) {
		/* Never null: LXD's client dereferences it (`lxc info` crashed). */
		if (want_state)
			json_object_object_add(o, "state", state ? state : api_state_broken());
		if (want_snaps)
			json_object_object_add(o, "snapshots", row_snapshots(name, ctx));
		json_object_object_add(o, "backups", json_object_new_array());
	}
	if (ctx && ctx->keep)
		lxf_json_keep_prune(o, ctx->keep);
	return o;
}

/*
 * recursion=2 reads every running container's cgroups and netns, and
 * waits on each one's monitor: the rows are spread over a few list
 * threads, which read the netns inline (backend_state_inline_netns: no
 * thread per container). They are made once and kept, parked on a
 * condition: a thread made per list cost a clone, and its exit a stack
 * madvise (TLB shootdowns across the CPUs), per helper per list. More
 * threads than this only add lock traffic on a small host: the waits are
 * short.
 */
#define LIST_THREADS 4

struct list_job {
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t n;
	bool spread; /* worth helpers (rows that read states) */
	pthread_mutex_t lock;
	size_t next;
	/* under list_lock: */
	int want, helpers; /* helpers still to join, helpers at work */
	struct list_job *queued;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t list_wake = PTHREAD_COND_INITIALIZER, list_done = PTHREAD_COND_INITIALIZER;
static struct list_job *list_queue; /* jobs still wanting helpers, oldest first */
static int list_threads;            /* list threads alive */

static void list_worker(struct list_job *j)
{
	for (;;) {
		size_t i;
		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			return;
		j->fn(j->arg, i);
		if (backend_state_thread_broken())
			return; /* stuck in a container's netns: the others go on */
	}
}

static void *list_thread(void *arg)
{
	(void)arg;
	backend_state_inline_netns(true);
	pthread_mutex_lock(&list_lock);
	for (;;) {
		struct list_job *j = list_queue;

		if (!j) {
			pthread_cond_wait(&list_wake, &list_lock);
			continue;
		}
		if (--j->want <= 0)
			list_queue = j->queued;
		j->helpers++;
		pthread_mutex_unlock(&list_lock);
		list_worker(j);
		pthread_mutex_lock(&list_lock);
		j->helpers--;
		pthread_cond_broadcast(&list_done);
		if (backend_state_thread_broken())
			break;
	}
	list_threads--;
	pthread_mutex_unlock(&list_lock);
	return NULL;
}

static bool rows_left(struct list_job *j)
{
	bool left;

	pthread_mutex_lock(&j->lock);
	left = j->next < j->n;
	pthread_mutex_unlock(&j->lock);
	return left;
}

/* Under list_lock: up to LIST_THREADS list threads alive; how many. */
static int list_threads_start(void)
{
	pthread_attr_t attr;

	if (list_threads >= LIST_THREADS || pthread_attr_init(&attr))
		return list_threads;
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (list_threads < LIST_THREADS) {
		pthread_t th;

		if (pthread_create(&th, &attr, list_thread, NULL))
			break;
		list_threads++;
	}
	pthread_attr_destroy(&attr);
	return list_threads;
}

static void render_rows(struct list_job *j)
{
	/* A helper per 4 rows, at most; none for 4 rows or fewer: a helper
	 * woken to render them while this thread waits costs two context
	 * switches, more than a few stopped rows (the common case of a small
	 * host) cost to render here. */
	int want = j->spread && j->n > 4 ? (int)((j->n + 3) / 4) : 0;

	(void)pthread_mutex_init(&j->lock, NULL);
	pthread_mutex_lock(&list_lock);
	if (want > 0 && list_threads_start() > 0) {
		struct list_job **pp = &list_queue;

		j->want = want < LIST_THREADS ? want : LIST_THREADS;
		while (*pp)
			pp = &(*pp)->queued;
		*pp = j;
		pthread_cond_broadcast(&list_wake);
		/* Done when no helper is at work and none is still to join
		 * that could find a row left (all threads may also have gone
		 * broken meanwhile); then the job leaves the queue, if in it. */
		while (j->helpers > 0 || (j->want > 0 && list_threads > 0 && rows_left(j)))
			pthread_cond_wait(&list_done, &list_lock);
		if (j->want > 0) {
			for (pp = &list_queue; *pp != j; pp = &(*pp)->queued)
				;
			*pp = j->queued;
			j->want = 0;
		}
	}
	pthread_mutex_unlock(&list_lock);
	/* Rows no helper rendered (none could be made, or a broken one left
	 * them): here, then with a thread per container netns, as this
	 * thread must never leave lxfd's own. */
	if (j->next < j->n)
		list_worker(j);
	pthread_mutex_destroy(&j->lock);
}

void api_list_each(size_t n, bool spread, void (*fn)(void *arg, size_t i), void *arg)
{
	struct list_job j = {.fn = fn, .arg = arg, .n = n, .spread = spread};

	/* render_rows takes j off list_queue again before it returns. */
	render_rows(&j); // NOLINT(clang-analyzer-core.StackAddressEscape)
}

struct rows_arg {
	struct json_object *rows, **objs;
	const struct api_list_ctx *ctx;
	bool full;
};

static void render_one(void *arg, size_t i)
{
	struct rows_arg *a = arg;

	a->objs[i] = api_instance_json_in(json_object_array_get_idx(a->rows, i), a->full, a->ctx);
}

/* The profiles ({name: row}) and snapshots ({instance: [rows]}) of all rows, in one query each. */
static int list_ctx_load(struct api_list_ctx *ctx, bool snaps, struct lxf_err *err)
{
	int ret = db_rows_by(&ctx->profiles, "name", true, err, "SELECT * FROM profiles", "");

	if (ret == 0 && snaps)
		ret = db_rows_by(&ctx->snaps, "instance", false, err,
				 "SELECT * FROM snapshots WHERE creating = 0"
				 " ORDER BY instance, created_at, name",
				 "");
	return ret;
}

int api_instances_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *rows = NULL, *arr = NULL;
	struct rows_arg job = {0};
	struct api_list_ctx ctx = {0};
	size_t n = 0;
	struct filter *flt = NULL;
	struct lxf_json_keep *keep = NULL;
	char buf[4100], fbuf[4100];
	const char *filter = http_query(req, "filter", buf, sizeof(buf));
	/* lxf_instances_fields: only these members of each instance. */
	const char *fields = http_query(req, "fields", fbuf, sizeof(fbuf));
	int rec = api_recursion(req);
	int ret;

	if (filter && filter[0] && (ret = filter_parse(filter, &flt, err)) < 0)
		return ret;
	if (fields && rec > 0 && !(keep = lxf_json_keep_new(fields))) {
		filter_free(flt);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	/* One read transaction for the rows of all tables: one consistent state. */
	ret = db_read_begin(err);
	if (ret < 0)
		goto out;
	ret = db_exec(&rows, NULL, err, "SELECT * FROM instances WHERE creating = 0 ORDER BY name",
		      "");
	/* A filter needs the objects (status, expanded config) even for URLs. */
	if (ret == 0 && (rec > 0 || flt))
		ret = list_ctx_load(&ctx, rec >= 2, err);
	db_read_end();
	if (ret < 0)
		goto out;
	job.rows = rows;
	n = json_object_array_length(rows);
	job.full = rec >= 2;
	job.objs = calloc(n + 1, sizeof(struct json_object *));
	arr = json_object_new_array();
	if (!job.objs || !arr) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	/* A filter reads whole objects: then they are cut after it. */
	ctx.keep = flt ? NULL : keep;
	if (rec > 0 || flt) {
		job.ctx = &ctx;
		api_list_each(n, job.full, render_one, &job);
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		char url[128];
		if (flt && (!job.objs[i] || !filter_match(flt, job.objs[i])))
			continue;
		if (flt && keep)
			lxf_json_keep_prune(job.objs[i], keep);
		if (rec == 0) {
			instance_url(lxf_json_str(row, "name"), url, sizeof(url));
			json_object_array_add(arr, json_object_new_string(url));
		} else if (job.objs[i]) {
			json_object_array_add(arr, json_object_get(job.objs[i]));
		}
	}
	ret = reply_sync(req, arr, err);
	arr = NULL;
out:
	for (size_t i = 0; job.objs && i < n; i++)
		json_object_put(job.objs[i]);
	free(job.objs);
	json_object_put(arr);
	json_object_put(rows);
	json_object_put(ctx.profiles);
	json_object_put(ctx.snaps);
	filter_free(flt);
	lxf_json_keep_free(keep);
	return ret;
}

struct create_arg {
	char name[64];
	char image[PATH_MAX];
	struct json_object *config, *devices;
	bool start;
};

static void create_arg_free(void *p)
{
	struct create_arg *a = p;

	if (!a)
		return;
	json_object_put(a->config);
	json_object_put(a->devices);
	free(a);
}

static int create_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct create_arg *a = arg;
	int ret;

	(void)op;
	(void)md;
	ret = backend_create(a->name, a->image[0] ? a->image : NULL, a->config, a->devices, err);
	if (ret < 0) {
		/* Nothing of ours on disk (backend_create cleans up; EEXIST: not ours). */
		db_exec(NULL, NULL, NULL, "DELETE FROM instances WHERE name = ?", "s", a->name);
		return ret;
	}
	ret = db_exec(NULL, NULL, err, "UPDATE instances SET creating = 0 WHERE name = ?", "s",
		      a->name);
	if (ret < 0) {
		struct lxf_err e;
		(void)journal_instance_delete(a->name, &e);
		return ret;
	}
	lxf_info("Created instance %s", a->name);
	events_lifecycle_at("instance-created", "/1.0/instances/", a->name);
	if (a->start) {
		ret = backend_start(a->name, err);
		if (ret < 0)
			return ret;
		db_exec(NULL, NULL, NULL, "UPDATE instances SET last_used_at = ? WHERE name = ?",
			"is", (int64_t)time(NULL), a->name);
		events_lifecycle_at("instance-started", "/1.0/instances/", a->name);
	}
	return 0;
}

/* The image named by source (alias or fingerprint prefix): its row. */
static int source_image(struct json_object *source, struct json_object **img, struct lxf_err *err)
{
	const char *alias = NULL, *fp = NULL;
	struct json_object *arow = NULL;
	int ret;

	if (lxf_json_get_string(source, "alias", false, &alias, err) < 0 ||
	    lxf_json_get_string(source, "fingerprint", false, &fp, err) < 0)
		return -LXF_EINVAL;
	if (alias && alias[0]) {
		ret = db_row(&arow, "Image alias", err,
			     "SELECT * FROM image_aliases WHERE name = ?", "s", alias);
		if (ret < 0)
			return ret == -LXF_ENOENT ? lxf_err_set(err, LXF_ENOENT, "Image not found")
						  : ret;
		ret = db_row(img, "Image", err, "SELECT * FROM images WHERE fingerprint = ?", "s",
			     lxf_json_str(arow, "target"));
		json_object_put(arow);
		return ret;
	}
	if (fp && fp[0])
		return db_image_resolve(fp, img, err);
	return lxf_err_set(err, LXF_EINVAL, "The image source needs an alias or a fingerprint");
}

/*
 * The instance's own config for a create from img: the request's keys, then
 * every image property as image.<key> and the fingerprint as
 * volatile.base_image, as LXD does (both win over the request), so that
 * list columns and clients can tell what an instance was made from.
 */
static int image_config(struct json_object *config, struct json_object *img,
			struct json_object **out, struct lxf_err *err)
{
	struct json_object *props = json_object_object_get(img, "properties");
	struct json_object *o = config ? lxf_json_copy(config) : json_object_new_object();
	char key[320];

	*out = NULL;
	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (props && json_object_is_type(props, json_type_object)) {
		json_object_object_foreach(props, k, v)
		{
			if (!json_object_is_type(v, json_type_string) ||
			    snprintf(key, sizeof(key), "image.%s", k) >= (int)sizeof(key))
				continue;
			lxf_json_add_str(o, key, json_object_get_string(v));
		}
	}
	lxf_json_add_str(o, "volatile.base_image", lxf_json_str(img, "fingerprint"));
	*out = o;
	return 0;
}

/* A create request's fields, borrowed from its body. */
struct create_req {
	const char *name, *desc;
	struct json_object *source, *config, *devices, *profiles;
	bool ephemeral, start;
};

/*
 * The local part of a create: the image row, the expanded config, the
 * name reserved (instance_create). *out is create_op's argument.
 */
static int create_prepare(const struct create_req *r, struct create_arg **out, struct lxf_err *err)
{
	struct json_object *profiles = r->profiles, *config = r->config, *img = NULL;
	struct json_object *own_profiles = NULL, *own_config = NULL;
	const char *stype = lxf_json_str(r->source, "type");
	struct create_arg *a = NULL;
	struct instance_new ni;
	int ret;

	*out = NULL;
	if (instance_check_fields(config, r->devices, profiles, err) < 0)
		return -LXF_EINVAL;
	if (!profiles) {
		own_profiles = json_object_new_array();
		json_object_array_add(own_profiles, json_object_new_string("default"));
		profiles = own_profiles;
	}
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", r->name);
	a->start = r->start;
	if (strcmp(stype, "image") == 0) {
		ret = source_image(r->source, &img, err);
		if (ret < 0)
			goto out;
		img_path(lxfd_conf.dir, lxf_json_str(img, "fingerprint"), a->image,
			 sizeof(a->image));
		ret = image_config(config, img, &own_config, err);
		/* What images.remote_cache_expiry counts from (api_image_refresh.c). */
		(void)db_exec(NULL, NULL, NULL,
			      "UPDATE images SET last_used_at = ? WHERE fingerprint = ?", "is",
			      (int64_t)time(NULL), lxf_json_str(img, "fingerprint"));
		if (ret < 0)
			goto out;
		config = own_config;
	} else if (strcmp(stype, "none") != 0) {
		ret = lxf_err_set(err, LXF_ENOTSUP, "Source type \"%s\" is not supported", stype);
		goto out;
	}
	ret = instance_expand(profiles, config, r->devices, &a->config, &a->devices, err);
	/* A bad key is a 400 now, not a failed operation later. */
	if (ret == 0)
		ret = bcfg_validate(a->config, a->devices, err);
	if (ret < 0)
		goto out;
	ni = (struct instance_new){
	    .name = r->name,
	    .description = r->desc,
	    .architecture = img ? lxf_json_str(img, "architecture") : NULL,
	    .config = config,
	    .devices = r->devices,
	    .profiles = profiles,
	    .ephemeral = r->ephemeral,
	};
	ret = instance_create(&ni, err);
	if (ret == 0) {
		*out = a;
		a = NULL;
	}
out:
	create_arg_free(a);
	json_object_put(img);
	json_object_put(own_profiles);
	json_object_put(own_config);
	return ret;
}

/* A create from an image server: the body (its ref) and its fields. */
struct remote_arg {
	struct json_object *body;
	struct create_req r;
};

static void remote_arg_free(void *p)
{
	struct remote_arg *a = p;

	if (a)
		json_object_put(a->body);
	free(a);
}

/* Pulls the image (api_image_ss.c), then creates from it as from a local one. */
static int remote_create_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct remote_arg *ra = arg;
	struct json_object *local = json_object_new_object();
	struct create_arg *a = NULL;
	char fp[IMG_FP_LEN + 1];
	int ret = api_image_ss_pull(ra->r.source, fp, err);

	if (ret == 0) {
		lxf_json_add_str(local, "type", "image");
		lxf_json_add_str(local, "fingerprint", fp);
		ra->r.source = local;
		ret = create_prepare(&ra->r, &a, err);
	}
	if (ret == 0 && a)
		ret = create_op(op, a, md, err);
	create_arg_free(a);
	json_object_put(local);
	return ret;
}

int api_instances_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body;
	struct create_arg *a = NULL;
	struct create_req r = {.desc = ""};
	const char *type = NULL, *stype = NULL, *server = "", *proto = "";
	struct op *op = NULL;
	char url[128];
	int ret;

	/* Sent as application/octet-stream: a backup to import (api_backup_import.c). */
	if (req->upload_path[0])
		return api_backup_import(req, err);
	ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &r.name, err) < 0 ||
	    router_check_instance_name(r.name, "instance name", err) < 0 ||
	    lxf_json_get_string(body, "type", false, &type, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &r.desc, err) < 0 ||
	    lxf_json_get_object(body, "source", true, &r.source, err) < 0 ||
	    lxf_json_get_string(r.source, "type", true, &stype, err) < 0 ||
	    lxf_json_get_string(r.source, "server", false, &server, err) < 0 ||
	    lxf_json_get_string(r.source, "protocol", false, &proto, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &r.config, err) < 0 ||
	    lxf_json_get_object(body, "devices", false, &r.devices, err) < 0 ||
	    lxf_json_get_array(body, "profiles", false, &r.profiles, err) < 0 ||
	    lxf_json_get_bool(body, "ephemeral", false, &r.ephemeral, err) < 0 ||
	    lxf_json_get_bool(body, "start", false, &r.start, err) < 0)
		return -LXF_EINVAL;
	if (type && type[0] && strcmp(type, "container") != 0)
		return lxf_err_set(err, LXF_ENOTSUP, "Only containers are supported");
	if (strcmp(stype, "copy") == 0)
		return migrate_copy_post(req, body, err);
	if (strcmp(stype, "migration") == 0)
		return migrate_target_post(req, body, err);
	instance_url(r.name, url, sizeof(url));
	if (strcmp(stype, "image") == 0 && server[0] && strcmp(proto, "simplestreams") == 0) {
		struct remote_arg *ra = calloc(1, sizeof(*ra));

		if (instance_check_fields(r.config, r.devices, r.profiles, err) < 0) {
			free(ra);
			return -LXF_EINVAL;
		}
		if (!ra)
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		ra->body = json_object_get(body);
		ra->r = r;
		op = op_run("Creating instance", "instances", url, remote_create_op, ra,
			    remote_arg_free, err);
	} else {
		ret = create_prepare(&r, &a, err);
		if (ret < 0)
			return ret;
		op = op_run("Creating instance", "instances", url, create_op, a, create_arg_free,
			    err);
		if (!op)
			instance_create_undo(r.name);
	}
	if (!op)
		return -err->code;
	ret = api_async(req, op, err);
	op_unref(op);
	return ret;
}
