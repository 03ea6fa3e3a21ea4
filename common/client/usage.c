/* SPDX-License-Identifier: Apache-2.0 */
/* Per-instance counters from a scrape (metrics or /state) and the rates between two: metrics.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "metrics.h"

/* What the memory samples give before they become mem_bytes. */
struct usage_mem {
	double total, avail, rss;
};

struct usage_build {
	struct lxf_usage_set *set;
	struct usage_mem *mem;
	size_t cap;
	size_t last; /* the entry found last: samples of one instance come in runs */
};

static void usage_init(struct lxf_usage *u, const char *project, const char *name)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->project, sizeof(u->project), "%s", project);
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->cpu_secs = u->mem_bytes = u->net_rx = u->net_tx = NAN;
	u->disk_read = u->disk_write = u->procs = NAN;
}

/* The entry of project/name, added when new; NULL on ENOMEM. */
static struct lxf_usage *usage_get(struct usage_build *b, const char *project, const char *name,
				   struct usage_mem **mem)
{
	struct lxf_usage_set *s = b->set;
	size_t i = b->last;

	*mem = NULL;
	if (i >= s->n || strcmp(s->v[i].name, name) != 0 || strcmp(s->v[i].project, project) != 0)
		for (i = 0; i < s->n; i++)
			if (strcmp(s->v[i].name, name) == 0 &&
			    strcmp(s->v[i].project, project) == 0)
				break;
	if (i == s->n) {
		if (s->n == b->cap || !b->mem) {
			size_t ncap = b->cap ? b->cap * 2 : 16;
			struct lxf_usage *v = realloc(s->v, ncap * sizeof(*v));
			struct usage_mem *m;

			if (!v)
				return NULL;
			s->v = v;
			/* calloc, not realloc: the new entries are set below,
			 * the analyzer cannot tell; zeroes it can. */
			m = calloc(ncap, sizeof(*m));
			if (!m)
				return NULL;
			if (b->mem)
				memcpy(m, b->mem, s->n * sizeof(*m));
			free(b->mem);
			b->mem = m;
			b->cap = ncap;
		}
		usage_init(&s->v[i], project, name);
		b->mem[i] = (struct usage_mem){NAN, NAN, NAN};
		s->n++;
	}
	b->last = i;
	*mem = b->mem ? &b->mem[i] : NULL;
	return *mem ? &s->v[i] : NULL;
}

/* Adds v to *acc, where NAN means nothing seen yet. */
static void usage_add(double *acc, double v)
{
	if (isnan(v))
		return;
	*acc = isnan(*acc) ? v : *acc + v;
}

/* Modes that are not time the instance used (a VM's guest reports them). */
static bool usage_idle_mode(const char *mode)
{
	return mode && (strcmp(mode, "idle") == 0 || strcmp(mode, "iowait") == 0 ||
			strcmp(mode, "steal") == 0);
}

static void usage_sample(struct lxf_usage *u, struct usage_mem *mem,
			 const struct lxf_metric_sample *s)
{
	const char *n = s->name + 4; /* past "lxd_" */
	const char *dev = lxf_metric_label(s, "device");
	bool lo = dev && strcmp(dev, "lo") == 0;

	if (strcmp(n, "cpu_seconds_total") == 0 && !usage_idle_mode(lxf_metric_label(s, "mode")))
		usage_add(&u->cpu_secs, s->value);
	else if (strcmp(n, "memory_MemTotal_bytes") == 0)
		mem->total = s->value;
	else if (strcmp(n, "memory_MemAvailable_bytes") == 0)
		mem->avail = s->value;
	else if (strcmp(n, "memory_RSS_bytes") == 0)
		mem->rss = s->value;
	else if (strcmp(n, "network_receive_bytes_total") == 0 && !lo)
		usage_add(&u->net_rx, s->value);
	else if (strcmp(n, "network_transmit_bytes_total") == 0 && !lo)
		usage_add(&u->net_tx, s->value);
	else if (strcmp(n, "disk_read_bytes_total") == 0)
		usage_add(&u->disk_read, s->value);
	else if (strcmp(n, "disk_written_bytes_total") == 0)
		usage_add(&u->disk_write, s->value);
	else if (strcmp(n, "procs_total") == 0)
		u->procs = s->value;
	/* Used memory as LXD's own /state counts it (the cgroup's usage): what
	 * the instance has of its total that is not available; RSS when the
	 * endpoint gives no MemAvailable. */
	u->mem_bytes =
	    !isnan(mem->total) && !isnan(mem->avail) ? mem->total - mem->avail : mem->rss;
}

int lxf_usage_from_metrics(const struct lxf_metrics *m, struct lxf_usage_set *out,
			   struct lxf_err *err)
{
	struct usage_build b = {.set = out};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->n; i++) {
		const struct lxf_metric_sample *s = &m->samples[i];
		const char *name = lxf_metric_label(s, "name"), *project;
		struct usage_mem *mem;
		struct lxf_usage *u;

		if (!name || strncmp(s->name, "lxd_", 4) != 0)
			continue;
		project = lxf_metric_label(s, "project");
		u = usage_get(&b, project ? project : "default", name, &mem);
		if (!u) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		usage_sample(u, mem, s);
	}
out:
	free(b.mem);
	if (rc)
		lxf_usage_set_fini(out);
	return rc;
}

/* A number member of o at dotted path ("memory.usage"), NAN when absent. */
static double usage_json_num(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v) || (b && !json_object_object_get_ex(v, b, &v)))
		return NAN;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return NAN;
	return json_object_get_double(v);
}

int lxf_usage_from_state(struct json_object *instances, struct lxf_usage_set *out,
			 struct lxf_err *err)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(instances, json_type_array))
		return lxf_err_set(err, LXF_EINVAL, "the instance list is not an array");
	n = json_object_array_length(instances);
	out->v = calloc(n ? n : 1, sizeof(*out->v));
	if (!out->v)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *inst = json_object_array_get_idx(instances, i), *st = NULL;
		struct json_object *net = NULL;
		const char *name = lxf_json_str(inst, "name"),
			   *project = lxf_json_str(inst, "project");
		const char *status = lxf_json_str(inst, "status");
		struct lxf_usage *u;
		double cpu_ns;

		if (!name || !status || strcmp(status, "Running") != 0 ||
		    !json_object_object_get_ex(inst, "state", &st) ||
		    !json_object_is_type(st, json_type_object))
			continue;
		u = &out->v[out->n++];
		usage_init(u, project ? project : "default", name);
		cpu_ns = usage_json_num(st, "cpu", "usage");
		u->cpu_secs = cpu_ns / 1e9;
		u->mem_bytes = usage_json_num(st, "memory", "usage");
		u->procs = usage_json_num(st, "processes", NULL);
		if (!json_object_object_get_ex(st, "network", &net) ||
		    !json_object_is_type(net, json_type_object))
			continue;
		json_object_object_foreach(net, dev, nic)
		{
			if (strcmp(dev, "lo") == 0)
				continue;
			usage_add(&u->net_rx, usage_json_num(nic, "counters", "bytes_received"));
			usage_add(&u->net_tx, usage_json_num(nic, "counters", "bytes_sent"));
		}
	}
	return 0;
}

int lxf_usage_from_response(const struct lxf_response *resp, bool metrics,
			    struct lxf_usage_set *out, struct lxf_err *err)
{
	struct lxf_metrics m = {0};
	int rc;

	memset(out, 0, sizeof(*out));
	if (!metrics)
		return lxf_usage_from_state(resp->metadata, out, err);
	rc = lxf_metrics_parse(resp->body.data ? resp->body.data : "", resp->body.len, &m, err);
	if (rc == 0)
		rc = lxf_usage_from_metrics(&m, out, err);
	lxf_metrics_fini(&m);
	return rc;
}

void lxf_usage_set_fini(struct lxf_usage_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const struct lxf_usage *lxf_usage_find(const struct lxf_usage_set *s, const char *project,
				       const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0 &&
		    (!project || strcmp(s->v[i].project, project) == 0))
			return &s->v[i];
	return NULL;
}

double lxf_counter_delta(double prev, double cur)
{
	if (isnan(prev) || isnan(cur))
		return NAN;
	return cur >= prev ? cur - prev : cur;
}

static double usage_per_sec(double prev, double cur, double secs)
{
	return lxf_counter_delta(prev, cur) / secs;
}

void lxf_usage_rate(const struct lxf_usage *prev, const struct lxf_usage *cur, double secs,
		    struct lxf_usage_rate *out)
{
	out->mem_bytes = cur->mem_bytes;
	out->procs = cur->procs;
	out->cpu_pct = out->net_rx_bps = out->net_tx_bps = NAN;
	out->disk_read_bps = out->disk_write_bps = NAN;
	if (!prev || !(secs > 0))
		return;
	out->cpu_pct = usage_per_sec(prev->cpu_secs, cur->cpu_secs, secs) * 100.0;
	out->net_rx_bps = usage_per_sec(prev->net_rx, cur->net_rx, secs);
	out->net_tx_bps = usage_per_sec(prev->net_tx, cur->net_tx, secs);
	out->disk_read_bps = usage_per_sec(prev->disk_read, cur->disk_read, secs);
	out->disk_write_bps = usage_per_sec(prev->disk_write, cur->disk_write, secs);
}
