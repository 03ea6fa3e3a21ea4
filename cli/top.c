/* SPDX-License-Identifier: Apache-2.0 */
/* lxf top's model: scrapes, distinct scrapes, rates, rows. See top.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "note.h"
#include "top.h"

static double top_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The answer's time, taken as it is decoded, not when the batch ends. */
static void top_answer_done(struct lxf_client_req *req, void *arg)
{
	struct lxf_top_host *h = arg;

	(void)req;
	h->answer_t = top_now();
}

static bool top_same(const struct lxf_usage_set *a, const struct lxf_usage_set *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof(*a->v)) == 0);
}

int lxf_top_take(struct lxf_top_host *h, struct lxf_usage_set *cur)
{
	struct lxf_usage_rate *rates;
	bool first = !h->seen;

	if (!first && top_same(&h->base, cur)) {
		lxf_usage_set_fini(cur); /* a cached answer: nothing new */
		return 0;
	}
	rates = calloc(cur->n ? cur->n : 1, sizeof(*rates));
	if (!rates)
		return -LXF_ENOMEM;
	for (size_t i = 0; i < cur->n; i++) {
		const struct lxf_usage *prev =
		    h->exact && !first ? lxf_usage_find(&h->base, cur->v[i].project, cur->v[i].name)
				       : NULL;

		lxf_usage_rate(prev, &cur->v[i], h->answer_t - h->base_t, &rates[i]);
	}
	h->rated |= h->exact && !first;
	/* The first answer of a caching endpoint may be old; every later
	 * change is seen within one interval of being made. */
	h->exact = !first || h->state;
	free(h->rates);
	h->rates = rates;
	lxf_usage_set_fini(&h->base);
	h->base = *cur;
	h->base_t = h->answer_t;
	h->seen = true;
	memset(cur, 0, sizeof(*cur));
	return 0;
}

/* One batch over the hosts that want path; returns 0 or -LXF_ENOMEM. */
static int top_batch(const struct lxf_remotes *r, struct lxf_top_host *h, size_t n, bool state,
		     bool note)
{
	struct lxf_client_req *reqs = calloc(n ? n : 1, sizeof(*reqs));
	int rc = 0;

	if (!reqs)
		return -LXF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (h[i].state != state)
			continue;
		lxf_err_clear(&h[i].err);
		h[i].rc = h[i].c ? 0 : lxf_remotes_client(r, h[i].remote, &h[i].c, &h[i].err);
		if (h[i].rc)
			continue;
		reqs[i].c = h[i].c;
		reqs[i].method = "GET";
		reqs[i].path = state ? LXF_USAGE_STATE_PATH : LXF_METRICS_PATH;
		reqs[i].done = top_answer_done;
		reqs[i].done_arg = &h[i];
	}
	rc = lxf_client_request_all_note(reqs, n, note ? lxf_cli_waiting_note : NULL, stderr);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct lxf_usage_set cur = {0};

		if (!reqs[i].c)
			continue;
		h[i].rc = reqs[i].rc;
		h[i].err = reqs[i].err;
		if (h[i].rc == -LXF_ENOENT && !state) {
			h[i].state = true; /* no endpoint (lxfd before it): /state, next batch */
			continue;
		}
		if (h[i].rc == 0)
			h[i].rc = lxf_usage_from_response(&reqs[i].resp, !state, &cur, &h[i].err);
		if (h[i].rc == 0 && lxf_top_take(&h[i], &cur) != 0)
			rc = -LXF_ENOMEM;
		lxf_usage_set_fini(&cur);
		if (h[i].rc)
			lxf_err_prefix(&h[i].err, "remote '%s'", h[i].remote->name);
	}
	for (size_t i = 0; i < n; i++)
		lxf_response_fini(&reqs[i].resp);
	free(reqs);
	return rc;
}

int lxf_top_scrape(const struct lxf_remotes *r, struct lxf_top_host *h, size_t n, bool note)
{
	bool any_state = false;
	int rc = top_batch(r, h, n, false, note);

	for (size_t i = 0; i < n; i++)
		any_state |= h[i].state;
	if (rc == 0 && any_state)
		rc = top_batch(r, h, n, true, note);
	return rc;
}

void lxf_top_hosts_fini(struct lxf_top_host *h, size_t n)
{
	for (size_t i = 0; h && i < n; i++) {
		lxf_client_free(h[i].c);
		lxf_usage_set_fini(&h[i].base);
		free(h[i].rates);
		memset(&h[i], 0, sizeof(h[i]));
	}
}

/* Adds v to *acc where NAN means nothing known yet. */
static void top_sum(double *acc, double v)
{
	if (!isnan(v))
		*acc = isnan(*acc) ? v : *acc + v;
}

static double top_key_value(const struct lxf_top_row *row, enum lxf_top_sort key)
{
	double v = NAN;

	switch (key) {
	case LXF_TOP_SORT_CPU:
		return row->r.cpu_pct;
	case LXF_TOP_SORT_MEM:
		return row->r.mem_bytes;
	case LXF_TOP_SORT_NET:
		top_sum(&v, row->r.net_rx_bps);
		top_sum(&v, row->r.net_tx_bps);
		return v;
	case LXF_TOP_SORT_DISK:
		top_sum(&v, row->r.disk_read_bps);
		top_sum(&v, row->r.disk_write_bps);
		return v;
	case LXF_TOP_SORT_PROCS:
		return row->r.procs;
	case LXF_TOP_SORT_NAME:
		break;
	}
	return v;
}

static enum lxf_top_sort top_sort_key;

static int top_cmp(const void *pa, const void *pb)
{
	const struct lxf_top_row *a = pa, *b = pb;
	double x = top_key_value(a, top_sort_key), y = top_key_value(b, top_sort_key);
	int c;

	if (top_sort_key != LXF_TOP_SORT_NAME) {
		/* Highest first; unknown values last. */
		if (isnan(x) != isnan(y))
			return isnan(x) ? 1 : -1;
		if (!isnan(x) && x != y)
			return x > y ? -1 : 1;
	}
	c = strcmp(a->host->remote->name, b->host->remote->name);
	if (c == 0 && a->u && b->u)
		c = strcmp(a->u->name, b->u->name);
	if (c == 0 && a->u && b->u)
		c = strcmp(a->u->project, b->u->project);
	return c;
}

int lxf_top_rows(const struct lxf_top_host *h, size_t n, enum lxf_top_sort key,
		 struct lxf_top_row **rows, size_t *nrows, size_t *nhost)
{
	struct lxf_top_row *v;
	size_t total = n, k = 0;

	for (size_t i = 0; i < n; i++)
		total += h[i].base.n;
	v = calloc(total ? total : 1, sizeof(*v));
	if (!v)
		return -LXF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct lxf_usage_rate *t = &v[k].r;

		v[k].host = &h[i];
		*t = (struct lxf_usage_rate){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
		for (size_t j = 0; h[i].rc == 0 && j < h[i].base.n; j++) {
			const struct lxf_usage_rate *r = &h[i].rates[j];

			top_sum(&t->cpu_pct, r->cpu_pct);
			top_sum(&t->mem_bytes, r->mem_bytes);
			top_sum(&t->net_rx_bps, r->net_rx_bps);
			top_sum(&t->net_tx_bps, r->net_tx_bps);
			top_sum(&t->disk_read_bps, r->disk_read_bps);
			top_sum(&t->disk_write_bps, r->disk_write_bps);
			top_sum(&t->procs, r->procs);
		}
		v[k++].count = h[i].rc == 0 ? h[i].base.n : 0;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; h[i].rc == 0 && j < h[i].base.n; j++) {
			v[k].host = &h[i];
			v[k].u = &h[i].base.v[j];
			v[k++].r = h[i].rates[j];
		}
	/* qsort has no argument for its comparison: the key goes in a static,
	 * as lxf top sorts from one thread. */
	top_sort_key = key;
	qsort(v, n, sizeof(*v), top_cmp);
	qsort(v + n, k - n, sizeof(*v), top_cmp);
	*rows = v;
	*nrows = k;
	*nhost = n;
	return 0;
}
