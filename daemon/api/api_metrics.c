/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /1.0/metrics: LXD's Prometheus endpoint. The instances' part is read
 * on the list threads (api_list_each: a running container costs a pread
 * per cgroup value file and a netlink dump, no fork, no thread of its own)
 * and kept for CACHE_SECS, as LXD does for several scrapers; one build at
 * a time, the others wait for it and share it. The daemon's own figures
 * are read at every request. Runs on a request worker, never the loop.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_metrics.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "op.h"

#define CACHE_SECS 8
#define TEXT_CAP   (256u << 20) /* ~10 kB per container: far past any host */

static pthread_mutex_t mx_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t mx_cond = PTHREAD_COND_INITIALIZER;
static bool mx_busy;            /* a build is under way */
static struct lxf_buf mx_text;  /* the instances' part, built at mx_at */
static struct timespec mx_at;   /* CLOCK_MONOTONIC; 0: never built */
static int64_t mx_instances;    /* instances (all states) at mx_at */
static struct timespec started; /* for lxd_uptime_seconds */

__attribute__((constructor)) static void mx_started(void)
{
	clock_gettime(CLOCK_MONOTONIC, &started);
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

struct collect {
	struct json_object *rows;
	struct backend_mx *mx;
	struct api_mx_inst *in;
};

static void collect_one(void *arg, size_t i)
{
	struct collect *c = arg;
	const char *name = lxf_json_str(json_object_array_get_idx(c->rows, i), "name");
	struct lxf_err err;

	lxf_err_clear(&err);
	c->in[i].name = name;
	/* A container that stops or goes away meanwhile is just left out. */
	c->in[i].m = backend_metrics(name, &c->mx[i], &err) == 1 ? &c->mx[i] : NULL;
}

/* The instances' part into out (empty). 0 or a negative lxf_code with err filled. */
static int build(struct lxf_buf *out, int64_t *ninst, struct lxf_err *err)
{
	struct collect c = {0};
	struct api_mx_fs fs = {.device = "", .fstype = ""};
	size_t n;
	int ret;

	ret = db_exec(&c.rows, NULL, err,
		      "SELECT name FROM instances WHERE creating = 0 ORDER BY name", "");
	if (ret < 0)
		return ret;
	n = json_object_array_length(c.rows);
	*ninst = (int64_t)n;
	c.mx = calloc(n + 1, sizeof(*c.mx));
	c.in = calloc(n + 1, sizeof(*c.in));
	if (!c.mx || !c.in) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	api_list_each(n, true, collect_one, &c);
	(void)backend_metrics_fs(fs.device, sizeof(fs.device), fs.fstype, sizeof(fs.fstype));
	ret = api_mx_format(out, c.in, n, &fs);
	if (ret < 0)
		ret = lxf_err_set(err, -ret, "Cannot render the metrics: out of memory");
out:
	free(c.mx);
	free(c.in);
	json_object_put(c.rows);
	return ret;
}

/* The instances' part into req->out: the cached one while fresh. */
static int instances_part(struct http_req *req, int64_t *ninst, struct lxf_err *err)
{
	struct lxf_buf fresh = {0};
	int ret = 0;

	pthread_mutex_lock(&mx_lock);
	while (mx_busy)
		pthread_cond_wait(&mx_cond, &mx_lock);
	if (mx_at.tv_sec && since(&mx_at) < CACHE_SECS) {
		ret = lxf_buf_add(&req->out, mx_text.data, mx_text.len);
		*ninst = mx_instances;
		pthread_mutex_unlock(&mx_lock);
		return ret < 0 ? lxf_err_set(err, -ret, "Out of memory") : 0;
	}
	mx_busy = true;
	pthread_mutex_unlock(&mx_lock);

	lxf_buf_init(&fresh, TEXT_CAP);
	ret = build(&fresh, ninst, err);

	pthread_mutex_lock(&mx_lock);
	mx_busy = false;
	if (ret == 0) {
		lxf_buf_fini(&mx_text);
		mx_text = fresh;
		fresh = (struct lxf_buf){0};
		mx_instances = *ninst;
		clock_gettime(CLOCK_MONOTONIC, &mx_at);
		ret = lxf_buf_add(&req->out, mx_text.data, mx_text.len);
		if (ret < 0)
			ret = lxf_err_set(err, -ret, "Out of memory");
	}
	pthread_cond_broadcast(&mx_cond);
	pthread_mutex_unlock(&mx_lock);
	lxf_buf_fini(&fresh);
	return ret;
}

int api_metrics_get(struct http_req *req, struct lxf_err *err)
{
	struct api_mx_daemon d = {0};
	int ret = instances_part(req, &d.instances, err);

	if (ret < 0)
		return ret;
	d.nentities =
	    http_stats_entities() < API_MX_ENTITIES ? http_stats_entities() : API_MX_ENTITIES;
	for (int e = 0; e < d.nentities; e++) {
		d.entity[e] = http_stats_entity_name(e);
		/* This request is answered, not ongoing, by the time it is read. */
		d.ongoing[e] = http_stats_ongoing(e) -
			       (e == http_stats_entity(req->match.route->tmpl) ? 1 : 0);
		for (int r = 0; r < HTTP_RES_COUNT; r++)
			d.done[e][r] = http_stats_done(e, (enum http_result)r);
	}
	d.operations = op_running_count();
	d.uptime = since(&started);
	ret = api_mx_format_daemon(&req->out, &d);
	if (ret < 0)
		return lxf_err_set(err, -ret, "Out of memory");
	req->ctype = "text/plain; version=0.0.4";
	req->status = 200;
	return 0;
}
