/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_METRICS_H
#define LXF_METRICS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * The client side of /1.0/metrics (owner: s13-top; used by lxf top and
 * lxf-tui's graphs). Three steps, each usable alone:
 *
 * 1. lxf_metrics_parse: the Prometheus / OpenMetrics text that LXD 5.0 and
 *    lxfd serve (# HELP, # TYPE, # EOF, labels with \\ \" \n escapes,
 *    +Inf/-Inf/NaN, an optional timestamp) into samples. Strict: a line
 *    that is not one of these is an error naming its line number. Capped,
 *    as everything read from the network: LXF_METRICS_TEXT_MAX of input,
 *    LXF_METRICS_LINE_MAX per line, LXF_METRICS_LABELS_MAX labels a sample.
 * 2. lxf_usage_from_metrics (or lxf_usage_from_state for a remote without
 *    the endpoint: /1.0/instances?recursion=2): one struct lxf_usage per
 *    instance, its counters as they stood at the scrape.
 *    lxf_usage_from_response does either from a client's answer.
 * 3. lxf_usage_rate: rates between two scrapes of one instance. A counter
 *    that went down (the instance restarted between the scrapes) is a reset,
 *    counted from zero as Prometheus' rate() does, never a negative rate.
 */

#define LXF_METRICS_TEXT_MAX   (64u << 20) /* whole exposition */
#define LXF_METRICS_LINE_MAX   (64u << 10)
#define LXF_METRICS_LABELS_MAX 32u

enum lxf_metric_type {
	LXF_METRIC_UNTYPED, /* no # TYPE for its family, or "unknown"/"untyped" */
	LXF_METRIC_COUNTER,
	LXF_METRIC_GAUGE,
	LXF_METRIC_HISTOGRAM,
	LXF_METRIC_SUMMARY,
	LXF_METRIC_OTHER, /* info, stateset, gaugehistogram */
};

struct lxf_metric_label {
	const char *name;
	const char *value; /* unescaped */
};

/* One sample line. Strings borrowed from the lxf_metrics that holds it. */
struct lxf_metric_sample {
	const char *name; /* "lxd_cpu_seconds_total" */
	enum lxf_metric_type type;
	size_t nlabels;
	const struct lxf_metric_label *labels;
	double value;
};

struct lxf_metrics {
	size_t n;
	struct lxf_metric_sample *samples;
	/* private: the copied text the strings point into, the label store */
	char *text;
	struct lxf_metric_label *label_store;
};

/*
 * Parses len bytes of text (borrowed, need not be NUL-terminated) into *m
 * (zero it first; release with lxf_metrics_fini, also after a failure).
 * Returns 0, -LXF_ETOOBIG past a cap, -LXF_EINVAL for a malformed line
 * ("metrics line 12: ..."), -LXF_ENOMEM.
 */
int lxf_metrics_parse(const char *text, size_t len, struct lxf_metrics *m, struct lxf_err *err);

/* Frees what m holds; m is zeroed. */
void lxf_metrics_fini(struct lxf_metrics *m);

/* The value of label name of s, or NULL. Borrowed from s. */
const char *lxf_metric_label(const struct lxf_metric_sample *s, const char *name);

/*
 * One instance's counters at a scrape. Unknown values are NAN (a remote
 * without the endpoint has no disk I/O; an instance without a network).
 */
struct lxf_usage {
	char project[64];
	char name[64];
	double cpu_secs;   /* CPU time used, all CPUs and modes but idle/iowait/steal */
	double mem_bytes;  /* gauge: MemTotal - MemAvailable, else RSS (metrics); usage (state) */
	double net_rx;     /* bytes received, all devices but lo */
	double net_tx;     /* bytes sent */
	double disk_read;  /* bytes read, all devices */
	double disk_write; /* bytes written */
	double procs;      /* gauge: processes */
};

/* A scrape's instances. n entries of v; lxf_usage_set_fini frees. */
struct lxf_usage_set {
	size_t n;
	struct lxf_usage *v;
};

/*
 * One struct lxf_usage per (project, name) of m's lxd_* instance samples
 * (labels name and project; a sample without name is the daemon's own and
 * skipped), in the order they first appear. *out is zeroed first. Returns 0
 * or -LXF_ENOMEM.
 */
int lxf_usage_from_metrics(const struct lxf_metrics *m, struct lxf_usage_set *out,
			   struct lxf_err *err);

/*
 * The same from an array of Instance objects with their state (GET
 * /1.0/instances?recursion=2, borrowed): only running ones; cpu.usage
 * (ns), memory.usage, network counters, processes; no disk I/O (NAN).
 * project is taken from each instance's "project", "default" when absent.
 * Returns 0, -LXF_EINVAL when instances is not an array, -LXF_ENOMEM.
 */
int lxf_usage_from_state(struct json_object *instances, struct lxf_usage_set *out,
			 struct lxf_err *err);

/*
 * What to GET for a scrape: the endpoint, or, where it answers 404 (lxfd
 * before the metrics extension), the instances with their state.
 */
#define LXF_METRICS_PATH     "/1.0/metrics"
#define LXF_USAGE_STATE_PATH "/1.0/instances?recursion=2"

struct lxf_response;

/*
 * The usage set of a successful answer to a GET of LXF_METRICS_PATH (text:
 * lxf_metrics_parse + lxf_usage_from_metrics) when metrics, else of
 * LXF_USAGE_STATE_PATH (its metadata: lxf_usage_from_state). resp is
 * borrowed. Errors as those functions'.
 */
int lxf_usage_from_response(const struct lxf_response *resp, bool metrics,
			    struct lxf_usage_set *out, struct lxf_err *err);

/* Frees s->v; s is zeroed. */
void lxf_usage_set_fini(struct lxf_usage_set *s);

/* The entry of s for project/name (NULL project: any), or NULL. Borrowed. */
const struct lxf_usage *lxf_usage_find(const struct lxf_usage_set *s, const char *project,
				       const char *name);

/* Rates of one instance between two scrapes; NAN where unknown. */
struct lxf_usage_rate {
	double cpu_pct;    /* % of one CPU: 100 = one CPU busy all the interval */
	double mem_bytes;  /* the later scrape's */
	double net_rx_bps; /* bytes per second */
	double net_tx_bps;
	double disk_read_bps;
	double disk_write_bps;
	double procs; /* the later scrape's */
};

/*
 * The increase of a counter from prev to cur: cur - prev, or cur when it
 * went down (a reset: the counter restarted from zero). NAN when either is.
 */
double lxf_counter_delta(double prev, double cur);

/*
 * Rates of cur against prev (NULL: the first scrape, so only the gauges),
 * secs apart (<= 0: no rates). Fills *out.
 */
void lxf_usage_rate(const struct lxf_usage *prev, const struct lxf_usage *cur, double secs,
		    struct lxf_usage_rate *out);

#endif
