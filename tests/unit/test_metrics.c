/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/client/metrics.c and usage.c: the exposition text, per-instance counters, rates. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "metrics.h"

/* As LXD 5.0 writes it: HELP/TYPE per family, labels sorted, one project. */
static const char lxd_text[] =
    "# HELP lxd_cpu_seconds_total The total number of CPU time used in seconds.\n"
    "# TYPE lxd_cpu_seconds_total counter\n"
    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"system\",name=\"c1\",project=\"default\",type="
    "\"container\"} 1.5\n"
    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"user\",name=\"c1\",project=\"default\",type="
    "\"container\"} 2.5\n"
    "lxd_cpu_seconds_total{cpu=\"1\",mode=\"user\",name=\"c1\",project=\"default\",type="
    "\"container\"} 1\n"
    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"idle\",name=\"vm1\",project=\"p2\",type=\"virtual-"
    "machine\"} 900\n"
    "lxd_cpu_seconds_total{cpu=\"0\",mode=\"user\",name=\"vm1\",project=\"p2\",type=\"virtual-"
    "machine\"} 3\n"
    "# HELP lxd_memory_MemTotal_bytes The amount of used memory.\n"
    "# TYPE lxd_memory_MemTotal_bytes gauge\n"
    "lxd_memory_MemTotal_bytes{name=\"c1\",project=\"default\",type=\"container\"} 1000\n"
    "# TYPE lxd_memory_MemAvailable_bytes gauge\n"
    "lxd_memory_MemAvailable_bytes{name=\"c1\",project=\"default\",type=\"container\"} 400\n"
    "# TYPE lxd_memory_RSS_bytes gauge\n"
    "lxd_memory_RSS_bytes{name=\"c1\",project=\"default\",type=\"container\"} 111\n"
    "lxd_memory_RSS_bytes{name=\"vm1\",project=\"p2\",type=\"virtual-machine\"} 222\n"
    "# TYPE lxd_network_receive_bytes_total counter\n"
    "lxd_network_receive_bytes_total{device=\"eth0\",name=\"c1\",project=\"default\",type="
    "\"container\"} 100\n"
    "lxd_network_receive_bytes_total{device=\"lo\",name=\"c1\",project=\"default\",type="
    "\"container\"} 99999\n"
    "lxd_network_receive_bytes_total{device=\"eth1\",name=\"c1\",project=\"default\",type="
    "\"container\"} 20\n"
    "# TYPE lxd_network_transmit_bytes_total counter\n"
    "lxd_network_transmit_bytes_total{device=\"eth0\",name=\"c1\",project=\"default\",type="
    "\"container\"} 7\n"
    "# TYPE lxd_disk_read_bytes_total counter\n"
    "lxd_disk_read_bytes_total{device=\"sda\",name=\"c1\",project=\"default\",type=\"container\"} "
    "4096\n"
    "# TYPE lxd_disk_written_bytes_total counter\n"
    "lxd_disk_written_bytes_total{device=\"sda\",name=\"c1\",project=\"default\",type="
    "\"container\"} 8192\n"
    "# TYPE lxd_procs_total gauge\n"
    "lxd_procs_total{name=\"c1\",project=\"default\",type=\"container\"} 12\n"
    "# HELP lxd_uptime_seconds The daemon uptime in seconds.\n"
    "# TYPE lxd_uptime_seconds gauge\n"
    "lxd_uptime_seconds 12345.6\n";

static void test_parse_lxd(void **state)
{
	struct lxf_metrics m = {0};
	struct lxf_err err = {0};
	const struct lxf_metric_sample *s;

	(void)state;
	assert_int_equal(lxf_metrics_parse(lxd_text, strlen(lxd_text), &m, &err), 0);
	assert_int_equal(m.n, 17);
	s = &m.samples[0];
	assert_string_equal(s->name, "lxd_cpu_seconds_total");
	assert_int_equal(s->type, LXF_METRIC_COUNTER);
	assert_int_equal(s->nlabels, 5);
	assert_string_equal(lxf_metric_label(s, "mode"), "system");
	assert_string_equal(lxf_metric_label(s, "type"), "container");
	assert_null(lxf_metric_label(s, "device"));
	assert_true(s->value == 1.5);
	s = &m.samples[5];
	assert_string_equal(s->name, "lxd_memory_MemTotal_bytes");
	assert_int_equal(s->type, LXF_METRIC_GAUGE);
	s = &m.samples[16];
	assert_string_equal(s->name, "lxd_uptime_seconds");
	assert_int_equal(s->nlabels, 0);
	assert_true(s->value == 12345.6);
	lxf_metrics_fini(&m);
}

/* Escapes, specials, timestamps, # EOF, CRLF, a trailing comma: both formats' forms. */
static void test_parse_forms(void **state)
{
	static const char text[] =
	    "# TYPE x counter\r\n"
	    "x_total{a=\"q\\\"uo\\\\te\\nnl\",b=\"\",c=\"{},= \"} +Inf 1700000000000\n"
	    "x_created{a=\"1\",} 1.5e3\n"
	    "y NaN\n"
	    "z -Inf 17.5\n"
	    "\n"
	    "# some comment\n"
	    "# EOF\n";
	struct lxf_metrics m = {0};
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_metrics_parse(text, strlen(text), &m, &err), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(lxf_metric_label(&m.samples[0], "a"), "q\"uo\\te\nnl");
	assert_string_equal(lxf_metric_label(&m.samples[0], "b"), "");
	assert_string_equal(lxf_metric_label(&m.samples[0], "c"), "{},= ");
	assert_true(isinf(m.samples[0].value) && m.samples[0].value > 0);
	assert_int_equal(m.samples[0].type, LXF_METRIC_COUNTER);
	assert_int_equal(m.samples[1].nlabels, 1);
	assert_true(m.samples[1].value == 1500);
	assert_int_equal(m.samples[1].type, LXF_METRIC_COUNTER);
	assert_true(isnan(m.samples[2].value));
	assert_int_equal(m.samples[2].type, LXF_METRIC_UNTYPED);
	assert_true(isinf(m.samples[3].value) && m.samples[3].value < 0);
	lxf_metrics_fini(&m);
}

static void expect_bad(const char *text, int code, const char *msg)
{
	struct lxf_metrics m = {0};
	struct lxf_err err = {0};

	assert_int_equal(lxf_metrics_parse(text, strlen(text), &m, &err), -code);
	if (!strstr(err.msg, msg))
		fail_msg("'%s': '%s' lacks '%s'", text, err.msg, msg);
	lxf_metrics_fini(&m);
}

static void test_parse_strict(void **state)
{
	char *big;

	(void)state;
	expect_bad("ok 1\nbad{a=\"x} 1\n", LXF_EINVAL, "metrics line 2: unterminated");
	expect_bad("a{b=\"\\t\"} 1\n", LXF_EINVAL, "bad escape");
	expect_bad("a{b=c} 1\n", LXF_EINVAL, "bad label");
	expect_bad("a{b=\"c\" d=\"e\"} 1\n", LXF_EINVAL, "separated");
	expect_bad("a 1x\n", LXF_EINVAL, "bad number");
	expect_bad("a\n", LXF_EINVAL, "no value");
	expect_bad("a 1 2 3\n", LXF_EINVAL, "trailing");
	expect_bad("1a 1\n", LXF_EINVAL, "no metric name");
	expect_bad("# TYPE a sideways\n", LXF_EINVAL, "unknown metric type");
	expect_bad("# EOF\na 1\n", LXF_EINVAL, "after # EOF");
	expect_bad("a{l0=\"\",l1=\"\",l2=\"\",l3=\"\",l4=\"\",l5=\"\",l6=\"\",l7=\"\",l8=\"\","
		   "l9=\"\",l10=\"\",l11=\"\",l12=\"\",l13=\"\",l14=\"\",l15=\"\",l16=\"\","
		   "l17=\"\",l18=\"\",l19=\"\",l20=\"\",l21=\"\",l22=\"\",l23=\"\",l24=\"\","
		   "l25=\"\",l26=\"\",l27=\"\",l28=\"\",l29=\"\",l30=\"\",l31=\"\",l32=\"\"} 1\n",
		   LXF_ETOOBIG, "labels");
	big = malloc(LXF_METRICS_LINE_MAX + 16);
	assert_non_null(big);
	memset(big, 'a', LXF_METRICS_LINE_MAX + 8);
	memcpy(big + LXF_METRICS_LINE_MAX + 8, " 1\n", 4);
	expect_bad(big, LXF_ETOOBIG, "over");
	free(big);
}

static void test_usage_from_metrics(void **state)
{
	struct lxf_metrics m = {0};
	struct lxf_usage_set set = {0};
	struct lxf_err err = {0};
	const struct lxf_usage *c1, *vm1;

	(void)state;
	assert_int_equal(lxf_metrics_parse(lxd_text, strlen(lxd_text), &m, &err), 0);
	assert_int_equal(lxf_usage_from_metrics(&m, &set, &err), 0);
	assert_int_equal(set.n, 2);
	c1 = lxf_usage_find(&set, "default", "c1");
	vm1 = lxf_usage_find(&set, "p2", "vm1");
	assert_non_null(c1);
	assert_non_null(vm1);
	assert_null(lxf_usage_find(&set, "p2", "c1"));
	assert_true(c1->cpu_secs == 5.0);
	assert_true(c1->mem_bytes == 600); /* MemTotal - MemAvailable */
	assert_true(c1->net_rx == 120);    /* lo left out */
	assert_true(c1->net_tx == 7);
	assert_true(c1->disk_read == 4096 && c1->disk_write == 8192);
	assert_true(c1->procs == 12);
	assert_true(vm1->cpu_secs == 3.0);  /* idle is not used time */
	assert_true(vm1->mem_bytes == 222); /* RSS without MemAvailable */
	assert_true(isnan(vm1->net_rx) && isnan(vm1->disk_read) && isnan(vm1->procs));
	lxf_usage_set_fini(&set);
	lxf_metrics_fini(&m);
}

static void test_usage_from_state(void **state)
{
	static const char js[] =
	    "[{\"name\":\"a\",\"status\":\"Running\",\"state\":{\"cpu\":{\"usage\":2500000000},"
	    "\"memory\":{\"usage\":4096},\"processes\":3,\"network\":{"
	    "\"lo\":{\"counters\":{\"bytes_received\":5000,\"bytes_sent\":5000}},"
	    "\"eth0\":{\"counters\":{\"bytes_received\":10,\"bytes_sent\":20}}}}},"
	    "{\"name\":\"b\",\"status\":\"Stopped\",\"state\":{\"cpu\":{\"usage\":0}}}]";
	struct json_object *o = json_tokener_parse(js);
	struct lxf_usage_set set = {0};
	struct lxf_err err = {0};
	const struct lxf_usage *a;

	(void)state;
	assert_non_null(o);
	assert_int_equal(lxf_usage_from_state(o, &set, &err), 0);
	assert_int_equal(set.n, 1); /* the stopped one is absent */
	a = lxf_usage_find(&set, NULL, "a");
	assert_non_null(a);
	assert_string_equal(a->project, "default");
	assert_true(a->cpu_secs == 2.5);
	assert_true(a->mem_bytes == 4096 && a->procs == 3);
	assert_true(a->net_rx == 10 && a->net_tx == 20);
	assert_true(isnan(a->disk_read));
	lxf_usage_set_fini(&set);
	assert_int_equal(lxf_usage_from_state(json_object_array_get_idx(o, 0), &set, &err),
			 -LXF_EINVAL);
	json_object_put(o);
}

static void test_rates_and_reset(void **state)
{
	struct lxf_usage prev = {.cpu_secs = 10,
				 .mem_bytes = 1,
				 .net_rx = 1000,
				 .net_tx = 500,
				 .disk_read = 0,
				 .disk_write = NAN,
				 .procs = 4};
	struct lxf_usage cur = {.cpu_secs = 13,
				.mem_bytes = 2,
				.net_rx = 3000,
				.net_tx = 100,
				.disk_read = 4000,
				.disk_write = 10,
				.procs = 5};
	struct lxf_usage_rate r;

	(void)state;
	lxf_usage_rate(&prev, &cur, 2.0, &r);
	assert_true(r.cpu_pct == 150.0); /* 3 s of CPU in 2 s: 1.5 CPUs */
	assert_true(r.net_rx_bps == 1000.0);
	/* tx went from 500 to 100: the instance restarted, the counter from zero. */
	assert_true(r.net_tx_bps == 50.0);
	assert_true(r.disk_read_bps == 2000.0);
	assert_true(isnan(r.disk_write_bps));
	assert_true(r.mem_bytes == 2 && r.procs == 5);
	/* A restart of the whole instance: CPU time went down, never a negative rate. */
	cur.cpu_secs = 1;
	lxf_usage_rate(&prev, &cur, 2.0, &r);
	assert_true(r.cpu_pct == 50.0);
	assert_true(lxf_counter_delta(7, 3) == 3 && lxf_counter_delta(3, 7) == 4);
	assert_true(isnan(lxf_counter_delta(NAN, 3)));
	/* The first scrape: gauges only. */
	lxf_usage_rate(NULL, &cur, 2.0, &r);
	assert_true(isnan(r.cpu_pct) && r.mem_bytes == 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_lxd),        cmocka_unit_test(test_parse_forms),
	    cmocka_unit_test(test_parse_strict),     cmocka_unit_test(test_usage_from_metrics),
	    cmocka_unit_test(test_usage_from_state), cmocka_unit_test(test_rates_and_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
