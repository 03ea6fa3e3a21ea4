/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for tui/usage.c: the source of a host's graphs, and rates from /1.0/metrics into them. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "tui.h"

static struct lxf_remote test_rem = {.name = (char *)"h1"};

static struct json_object *parse(const char *s)
{
	struct json_object *o = NULL;

	assert_int_equal(lxf_json_parse(s, strlen(s), 0, &o, NULL), 0);
	return o;
}

static enum tui_src source_of(const char *server)
{
	struct json_object *o = parse(server);
	enum tui_src src = tui_stats_source(o);

	json_object_put(o);
	return src;
}

/* METRICS only where GET /1.0 lists the extension (lxfd now, LXD). */
static void test_stats_source(void **state)
{
	(void)state;
	assert_int_equal(source_of("{\"api_extensions\":[\"images\",\"metrics\",\"x\"]}"),
			 TUI_SRC_METRICS);
	assert_int_equal(source_of("{\"api_extensions\":[\"images\",\"metrics_x\"]}"),
			 TUI_SRC_STATE);
	assert_int_equal(source_of("{\"api_extensions\":\"metrics\"}"), TUI_SRC_STATE);
	assert_int_equal(source_of("{}"), TUI_SRC_STATE);
}

/* A scrape of a1 (in project default, and b1 elsewhere) as the endpoint writes it. */
static void scrape(struct tui_model *m, struct tui_scrape *s, double cpu, double rx, int64_t slot,
		   bool news)
{
	char text[1024];
	struct lxf_metrics mt = {0};
	struct lxf_usage_set cur = {0};

	(void)snprintf(
	    text, sizeof(text),
	    "# TYPE lxd_cpu_seconds_total counter\n"
	    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"user\",name=\"a1\",project=\"default\","
	    "type=\"container\"} %g\n"
	    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"idle\",name=\"a1\",project=\"default\","
	    "type=\"container\"} 999\n"
	    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"user\",name=\"a1\",project=\"p\","
	    "type=\"container\"} 12345\n"
	    "lxd_memory_RSS_bytes{name=\"a1\",project=\"default\",type=\"container\"} "
	    "4194304\n"
	    "lxd_network_receive_bytes_total{device=\"eth0\",name=\"a1\",project=\"default\","
	    "type=\"container\"} %g\n"
	    "# EOF\n",
	    cpu, rx);
	assert_int_equal(lxf_metrics_parse(text, strlen(text), &mt, NULL), 0);
	assert_int_equal(lxf_usage_from_metrics(&mt, &cur, NULL), 0);
	lxf_metrics_fini(&mt);
	assert_true(tui_model_metrics(m, 0, s, &cur, slot * TUI_SERIES_SLOT_MS) == news);
	assert_int_equal(cur.n, 0);
	if (news)
		tui_model_host_sample(m, 0, slot * TUI_SERIES_SLOT_MS);
}

static void upsert(struct tui_model *m, long long cpu_ns, int64_t slot)
{
	char buf[256];
	struct json_object *o;

	(void)snprintf(
	    buf, sizeof(buf),
	    "{\"name\":\"a1\",\"status\":\"Running\",\"state\":{\"cpu\":{\"usage\":%lld},"
	    "\"memory\":{\"usage\":4194304}}}",
	    cpu_ns);
	o = parse(buf);
	assert_int_equal(tui_model_upsert(m, 0, o, slot * TUI_SERIES_SLOT_MS), 0);
	json_object_put(o);
}

/*
 * The graphs of a host with the extension: no rate from the first scrape
 * (it may be 8 s old) nor from a repeat of the last (the cache), then the
 * CPU, memory and network rates of each distinct scrape into the row's
 * history and the host's; a /state re-read of the row leaves them alone.
 */
static void test_metrics_graphs(void **state)
{
	struct tui_model m;
	struct tui_scrape s = {0};
	const struct tui_row *r;

	(void)state;
	assert_int_equal(tui_model_init(&m), 0);
	assert_int_equal(tui_model_add_host(&m, &test_rem), 0);
	upsert(&m, 0, 9);
	r = &m.rows[0];
	scrape(&m, &s, 10, 0, 10, true);
	assert_int_equal(tui_series_at(&r->h_cpu, 10, 0), TUI_SERIES_GAP);
	assert_int_equal(r->mem, 4194304); /* the gauge at once */
	/* /state's rates until the scrapes give theirs: 2.5 s in 10 s, 25.0 %. */
	assert_false(m.hosts[0].scraped);
	upsert(&m, 2500000000LL, 11);
	r = &m.rows[0];
	assert_int_equal(r->cpu_pm, 250);
	scrape(&m, &s, 10, 0, 11, false); /* cached */
	scrape(&m, &s, 11, 1000, 12, true);
	assert_int_equal(tui_series_at(&r->h_cpu, 12, 0), TUI_SERIES_GAP);
	assert_true(m.hosts[0].scraped); /* the next answer gives rates */
	/* 5 s of CPU and 20,000 bytes in 10 s: 50.0 %, 2,000 a second. */
	scrape(&m, &s, 16, 21000, 14, true);
	assert_int_equal(r->cpu_pm, 500);
	assert_int_equal(tui_series_at(&r->h_cpu, 14, 0), 500);
	assert_int_equal(tui_series_at(&r->h_rx, 14, 0), 2000);
	assert_int_equal(tui_series_at(&r->h_mem, 14, 0), 4096);
	assert_int_equal(tui_series_at(&m.hosts[0].h_cpu, 14, 0), 500);
	/* /state says 137.5 % since slot 11: neither the rate nor the graph takes it. */
	upsert(&m, 30000000000LL, 15);
	r = &m.rows[0];
	assert_int_equal(r->cpu_pm, 500);
	assert_int_equal(tui_series_at(&r->h_cpu, 15, 0), TUI_SERIES_GAP);
	assert_int_equal(tui_series_at(&r->h_cpu, 15, 1), 500);
	/* The next scrape, 10 s on: 1 s of CPU, 10.0 % in both its slots. */
	scrape(&m, &s, 17, 21000, 16, true);
	assert_int_equal(r->cpu_pm, 100);
	assert_int_equal(tui_series_at(&r->h_cpu, 16, 0), 100);
	assert_int_equal(tui_series_at(&r->h_cpu, 16, 1), 100);
	assert_int_equal(tui_series_at(&r->h_rx, 16, 0), 0);
	tui_scrape_fini(&s);
	tui_model_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stats_source),
	    cmocka_unit_test(test_metrics_graphs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
