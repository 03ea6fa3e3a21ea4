/* SPDX-License-Identifier: Apache-2.0 */
/* The graphs from /1.0/metrics: the source of a host's stats and the rates of its scrapes (tui.h). */
#include <math.h>
#include <string.h>

#include "json.h"
#include "metrics.h"
#include "tui.h"

enum tui_src tui_stats_source(struct json_object *server)
{
	struct json_object *ext = lxf_json_path(server, "api_extensions");

	if (!ext || !json_object_is_type(ext, json_type_array))
		return TUI_SRC_STATE;
	for (size_t i = 0; i < json_object_array_length(ext); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(ext, i));

		if (s && strcmp(s, "metrics") == 0)
			return TUI_SRC_METRICS;
	}
	return TUI_SRC_STATE;
}

void tui_scrape_fini(struct tui_scrape *s)
{
	lxf_usage_set_fini(&s->base);
	memset(s, 0, sizeof(*s));
}

static uint32_t usage_val(double v)
{
	return v < 0 || isnan(v)                   ? 0
	       : v >= (double)(TUI_SERIES_GAP - 1) ? TUI_SERIES_GAP - 1
						   : (uint32_t)v;
}

/* r's rates from u against its last scrape prev (NULL: none), secs apart. */
static bool usage_row(struct tui_row *r, const struct lxf_usage *prev, const struct lxf_usage *u,
		      double secs, int64_t now_ms, bool gap)
{
	struct lxf_usage_rate rate;
	int32_t pm = r->cpu_pm;

	lxf_usage_rate(prev, u, secs, &rate);
	if (!isnan(rate.mem_bytes))
		r->mem = (int64_t)rate.mem_bytes;
	if (isnan(rate.cpu_pct))
		return false;
	r->cpu_pm = (int32_t)usage_val(rate.cpu_pct * 10);
	r->rx_bps = isnan(rate.net_rx_bps) ? -1 : (int64_t)rate.net_rx_bps;
	r->tx_bps = isnan(rate.net_tx_bps) ? -1 : (int64_t)rate.net_tx_bps;
	tui_series_push(&r->h_cpu, now_ms, (uint32_t)r->cpu_pm, gap);
	if (r->mem >= 0)
		tui_series_push(&r->h_mem, now_ms, usage_val((double)r->mem / 1024), gap);
	if (r->rx_bps >= 0)
		tui_series_push(&r->h_rx, now_ms, usage_val((double)r->rx_bps), gap);
	if (r->tx_bps >= 0)
		tui_series_push(&r->h_tx, now_ms, usage_val((double)r->tx_bps), gap);
	return pm != r->cpu_pm;
}

bool tui_model_metrics(struct tui_model *m, uint16_t host, struct tui_scrape *s,
		       struct lxf_usage_set *cur, int64_t now_ms)
{
	struct tui_host *h = host < m->nhosts ? &m->hosts[host] : NULL;
	const char *project = h && h->rem && h->rem->project ? h->rem->project : "default";
	bool first = !s->seen, changed = false;

	if (!first && s->base.n == cur->n &&
	    (cur->n == 0 || memcmp(s->base.v, cur->v, cur->n * sizeof(*cur->v)) == 0)) {
		lxf_usage_set_fini(cur); /* the endpoint's cached answer: no news */
		return false;
	}
	/* By the model's index and the last scrape's order (the same, as a
	 * rule): linear in the answer, however many rows the fleet has. */
	for (size_t j = 0; h && j < cur->n; j++) {
		const struct lxf_usage *u = &cur->v[j], *prev = NULL;
		ssize_t i =
		    strcmp(u->project, project) == 0 ? tui_model_find(m, host, u->name) : -1;

		if (i < 0 || !tui_row_running(&m->rows[i]))
			continue;
		/* Rates only between answers whose time is known: the first
		 * may have been cached up to 8 s before it was read. */
		if (s->exact && j < s->base.n && strcmp(s->base.v[j].name, u->name) == 0 &&
		    strcmp(s->base.v[j].project, project) == 0)
			prev = &s->base.v[j];
		else if (s->exact)
			prev = lxf_usage_find(&s->base, project, u->name);
		changed |= usage_row(&m->rows[i], prev, u, (double)(now_ms - s->base_ms) / 1000,
				     now_ms, tui_host_gap(h, &m->rows[i].h_cpu));
	}
	s->exact = !first;
	if (h)
		h->scraped = s->exact;
	lxf_usage_set_fini(&s->base);
	s->base = *cur;
	s->base_ms = now_ms;
	s->seen = true;
	memset(cur, 0, sizeof(*cur));
	if (changed)
		tui_model_changed(m);
	return true;
}
