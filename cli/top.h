/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_TOP_H
#define LXF_CLI_TOP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "metrics.h"
#include "remotes.h"

/*
 * The model of lxf top: each remote's last scrape and the rates between
 * scrapes. Every remote is scraped at once (one batch, as lxf list), at
 * /1.0/metrics, or at /1.0/instances?recursion=2 where that answers 404.
 *
 * Why "distinct" scrapes: LXD (and lxfd) cache /1.0/metrics for 8 s, so
 * polled every 2 s most answers repeat the last. A scrape only counts when
 * its counters differ from the last one, and its time is when it was first
 * seen. The first scrape of an endpoint that may cache could be up to 8 s
 * old, so no rate is taken from it; /state answers are always fresh.
 */

struct lxf_client;

struct lxf_top_host {
	const struct lxf_remote *remote; /* borrowed from the remotes */
	struct lxf_client *c;            /* kept across scrapes (its connection too) */
	bool state;                      /* scraping /state: the endpoint answered 404 */
	bool exact;                      /* base's time is when its counters were read */
	bool rated;                      /* rates were taken at least once */
	bool seen;                       /* base holds an answer */
	struct lxf_usage_set base;       /* the last distinct scrape */
	struct lxf_usage_rate *rates;    /* one per base entry */
	double base_t;                   /* when base was first seen (monotonic s) */
	double answer_t;                 /* when the last answer came */
	int rc;                          /* the last scrape's outcome */
	struct lxf_err err;
};

/* Scrapes every host once (at the same time) and updates its rates. note as
 * lxf_client_request_all_note's (NULL: none). Returns 0 or -LXF_ENOMEM. */
int lxf_top_scrape(const struct lxf_remotes *r, struct lxf_top_host *h, size_t n, bool note);

/*
 * Takes a scrape's set, read at h->answer_t, into h (the step of
 * lxf_top_scrape after a successful answer): an answer equal to the last
 * is dropped (a cached one); else rates against the last when both times
 * are known, and cur becomes the last (cur is left empty either way).
 * Returns 0 or -LXF_ENOMEM (cur untouched).
 */
int lxf_top_take(struct lxf_top_host *h, struct lxf_usage_set *cur);

/* Frees what each host holds. */
void lxf_top_hosts_fini(struct lxf_top_host *h, size_t n);

/* The sort keys: -s NAME and the interactive keys (cmd-top.c's table). */
enum lxf_top_sort {
	LXF_TOP_SORT_CPU,
	LXF_TOP_SORT_MEM,
	LXF_TOP_SORT_NET,
	LXF_TOP_SORT_DISK,
	LXF_TOP_SORT_PROCS,
	LXF_TOP_SORT_NAME,
};

/* One row: an instance, or a host's totals (u NULL). Borrowed from the hosts. */
struct lxf_top_row {
	const struct lxf_top_host *host;
	const struct lxf_usage *u;
	struct lxf_usage_rate r;
	size_t count; /* host rows: its running instances */
};

/*
 * The rows of hosts h, sorted by key (highest first; names A-Z), host rows
 * first. *rows: free(); *nhost host rows of *n. Returns 0 or -LXF_ENOMEM.
 */
int lxf_top_rows(const struct lxf_top_host *h, size_t n, enum lxf_top_sort key,
		 struct lxf_top_row **rows, size_t *nrows, size_t *nhost);

#endif
