/* SPDX-License-Identifier: Apache-2.0 */
/* daemon/api/api_metrics_fmt.c: the OpenMetrics text of /1.0/metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <stdbool.h>

#include "api_metrics.h"
#include "buf.h"

/* The exposition format's label escapes: backslash, double quote, newline; nothing else. */
static void test_escape(void **state)
{
	struct lxf_buf b = {0};

	(void)state;
	assert_int_equal(api_mx_escape(&b, "a\\b\"c\nd\te/é"), 0);
	assert_string_equal(lxf_buf_str(&b), "a\\\\b\\\"c\\nd\te/é");
	lxf_buf_reset(&b);
	assert_int_equal(api_mx_escape(&b, ""), 0);
	assert_string_equal(lxf_buf_str(&b), "");
	lxf_buf_fini(&b);
}

static struct backend_mx *mx_new(void)
{
	struct backend_mx *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	for (int i = 0; i < BMX_MEM_COUNT; i++)
		m->mem[i] = -1;
	m->cpus_effective = 2;
	m->ncpu = 2;
	m->cpu[0].user = 1.5;
	m->cpu[0].system = 0.25;
	m->cpu[1].user = 2;
	m->mem[BMX_RSS] = 4096;
	m->mem[BMX_MEM_TOTAL] = 1 << 20;
	m->oom_kills = 3;
	m->procs = 7;
	m->nnic = 1;
	snprintf(m->nic[0].name, sizeof(m->nic[0].name), "eth0");
	m->nic[0].rx_bytes = 100;
	m->nic[0].tx_packets = 5;
	m->nic[0].rx_drop = m->nic[0].rx_errs = m->nic[0].rx_packets = 0;
	m->nic[0].tx_bytes = m->nic[0].tx_drop = m->nic[0].tx_errs = 0;
	m->fs_size = 1000;
	m->fs_avail = 600;
	m->fs_free = 700;
	return m;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* LXD's families, HELP and TYPE lines, labels sorted as LXD's, names escaped;
 * unknown values (negative) are left out; instances not read (m NULL) too. */
static void test_format(void **state)
{
	struct backend_mx *m = mx_new();
	struct api_mx_inst in[] = {{"c\"1", m}, {"gone", NULL}};
	struct api_mx_fs fs = {.device = "/dev/vda", .fstype = "ext4"};
	struct lxf_buf b = {0};
	const char *t;

	(void)state;
	assert_int_equal(api_mx_format(&b, in, 2, &fs), 0);
	t = lxf_buf_str(&b);
	assert_true(has_line(t, "# HELP lxd_cpu_seconds_total The total number of CPU time used in "
				"seconds."));
	assert_true(has_line(t, "# TYPE lxd_cpu_seconds_total counter"));
	assert_true(has_line(t, "# TYPE lxd_memory_RSS_bytes gauge"));
	assert_true(has_line(t, "# TYPE lxd_memory_OOM_kills_total counter"));
	assert_true(has_line(t, "lxd_cpu_seconds_total{cpu=\"0\",mode=\"user\",name=\"c\\\"1\","
				"project=\"default\",type=\"container\"} 1.500000"));
	assert_true(has_line(t, "lxd_cpu_seconds_total{cpu=\"1\",mode=\"system\",name=\"c\\\"1\","
				"project=\"default\",type=\"container\"} 0.000000"));
	assert_true(has_line(t, "lxd_cpu_effective_total{name=\"c\\\"1\",project=\"default\","
				"type=\"container\"} 2"));
	assert_true(has_line(t, "lxd_memory_RSS_bytes{name=\"c\\\"1\",project=\"default\","
				"type=\"container\"} 4096"));
	assert_true(has_line(t, "lxd_memory_OOM_kills_total{name=\"c\\\"1\",project=\"default\","
				"type=\"container\"} 3"));
	assert_true(has_line(t, "lxd_network_receive_bytes_total{device=\"eth0\",name=\"c\\\"1\","
				"project=\"default\",type=\"container\"} 100"));
	assert_true(has_line(t,
			     "lxd_network_transmit_packets_total{device=\"eth0\",name=\"c\\\"1\","
			     "project=\"default\",type=\"container\"} 5"));
	assert_true(has_line(t, "lxd_filesystem_avail_bytes{device=\"/dev/vda\",fstype=\"ext4\","
				"mountpoint=\"/\",name=\"c\\\"1\",project=\"default\","
				"type=\"container\"} 600"));
	assert_true(has_line(t, "lxd_procs_total{name=\"c\\\"1\",project=\"default\","
				"type=\"container\"} 7"));
	/* Unknown: no sample, but the family is still described. */
	assert_true(has_line(t, "# TYPE lxd_memory_Dirty_bytes gauge"));
	assert_null(strstr(t, "lxd_memory_Dirty_bytes{"));
	assert_null(strstr(t, "gone"));
	assert_null(strstr(t, "# EOF"));
	free(m);
	lxf_buf_fini(&b);
}

static void test_daemon(void **state)
{
	struct api_mx_daemon d = {.nentities = 2, .entity = {"server", "instance"}};
	struct lxf_buf b = {0};
	const char *t;

	(void)state;
	d.done[1][HTTP_RES_OK] = 12;
	d.done[1][HTTP_RES_CLIENT] = 2;
	d.ongoing[0] = 1;
	d.operations = 4;
	d.instances = 9;
	d.uptime = 3.5;
	assert_int_equal(api_mx_format_daemon(&b, &d), 0);
	t = lxf_buf_str(&b);
	assert_true(has_line(t, "# TYPE lxd_api_requests_completed_total counter"));
	assert_true(has_line(
	    t,
	    "lxd_api_requests_completed_total{entity_type=\"instance\",result=\"succeeded\"} 12"));
	assert_true(has_line(t, "lxd_api_requests_completed_total{entity_type=\"instance\",result="
				"\"error_client\"} 2"));
	assert_true(has_line(
	    t,
	    "lxd_api_requests_completed_total{entity_type=\"server\",result=\"error_server\"} 0"));
	assert_true(has_line(t, "lxd_api_requests_ongoing{entity_type=\"server\"} 1"));
	assert_true(has_line(t, "lxd_operations_total 4"));
	assert_true(has_line(t, "lxd_uptime_seconds 3.500"));
	assert_true(has_line(t, "lxd_instances{type=\"container\"} 9"));
	assert_true(has_line(t, "lxd_instances{type=\"virtual-machine\"} 0"));
	/* The text ends with the OpenMetrics end marker. */
	assert_int_equal(strcmp(t + strlen(t) - 6, "# EOF\n"), 0);
	lxf_buf_fini(&b);
}

/* The entity type of a route is its first segment after /1.0, else server. */
static void test_entities(void **state)
{
	(void)state;
	assert_string_equal(http_stats_entity_name(http_stats_entity("/1.0/instances/{name}")),
			    "instance");
	assert_string_equal(http_stats_entity_name(http_stats_entity("/1.0/storage-pools/{pool}")),
			    "storage_pool");
	assert_string_equal(http_stats_entity_name(http_stats_entity("/1.0")), "server");
	assert_string_equal(http_stats_entity_name(http_stats_entity("/1.0/metrics")), "server");
	assert_string_equal(http_stats_entity_name(http_stats_entity("/internal/shutdown")),
			    "server");
	assert_string_equal(http_stats_entity_name(http_stats_entity("/1.0/images")), "image");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_daemon),
	    cmocka_unit_test(test_entities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
