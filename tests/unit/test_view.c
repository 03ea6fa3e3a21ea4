/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/client/view.c: column letters, cells, the one-address choice, the image. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "view.h"

/* Two NICs, eth1 listed first and sorting first: lxc's order is not eth0 first. */
static const char inst_json[] =
    "{\"name\":\"web01\",\"remote\":\"h1\",\"status\":\"Running\",\"type\":\"container\","
    "\"ephemeral\":true,\"architecture\":\"x86_64\",\"location\":\"none\","
    "\"profiles\":[\"default\",\"net\"],"
    "\"created_at\":\"2024-03-05T10:20:30.123456789+02:00\","
    "\"last_used_at\":\"1970-01-01T00:00:00Z\","
    "\"config\":{\"image.os\":\"Alpine\",\"image.release\":\"3.19\","
    "\"volatile.base_image\":\"0123456789abcdef0123\"},"
    "\"snapshots\":[{\"name\":\"s1\"},{\"name\":\"s2\"}],"
    "\"state\":{\"status\":\"Running\",\"pid\":4242,\"processes\":7,"
    "\"cpu\":{\"usage\":5500000000},\"memory\":{\"usage\":1572864},"
    "\"network\":{\"lo\":{\"type\":\"loopback\",\"addresses\":[{\"family\":\"inet\","
    "\"address\":\"127.0.0.1\",\"scope\":\"local\"}]},"
    "\"eth1\":{\"type\":\"broadcast\",\"addresses\":["
    "{\"family\":\"inet\",\"address\":\"192.168.1.7\",\"scope\":\"global\"}]},"
    "\"eth0\":{\"type\":\"broadcast\",\"addresses\":["
    "{\"family\":\"inet\",\"address\":\"169.254.3.3\",\"scope\":\"link\"},"
    "{\"family\":\"inet\",\"address\":\"10.0.0.5\",\"scope\":\"global\"},"
    "{\"family\":\"inet\",\"address\":\"10.0.0.50\",\"scope\":\"global\"},"
    "{\"family\":\"inet6\",\"address\":\"fd42::5\",\"scope\":\"global\"},"
    "{\"family\":\"inet6\",\"address\":\"fe80::1\",\"scope\":\"link\"}]}}}}";

static struct json_object *parse(const char *s)
{
	struct json_object *o = NULL;

	assert_int_equal(lxf_json_parse(s, strlen(s), 0, &o, NULL), 0);
	return o;
}

static void test_columns(void **state)
{
	const struct lxf_view_col *cols[LXF_VIEW_MAX_COLS];
	struct lxf_err err = {0};
	size_t n = 0;

	(void)state;
	assert_int_equal(lxf_view_parse_columns("rns46tSL", cols, LXF_VIEW_MAX_COLS, &n, NULL), 0);
	assert_int_equal(n, 8);
	assert_int_equal(cols[0]->letter, 'r');
	assert_string_equal(cols[0]->header, "REMOTE");
	assert_string_equal(cols[3]->header, "IPV4");
	assert_true(cols[3]->needs & LXF_VIEW_NEEDS_STATE);
	assert_true(cols[6]->needs & LXF_VIEW_NEEDS_SNAPSHOTS);
	assert_int_equal(cols[1]->needs, 0);
	assert_int_equal(lxf_view_parse_columns("n,s,P", cols, LXF_VIEW_MAX_COLS, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(cols[2]->letter, 'P');

	assert_int_equal(lxf_view_parse_columns("nsx", cols, LXF_VIEW_MAX_COLS, &n, &err),
			 -LXF_EUSAGE);
	assert_string_equal(err.msg, "unknown column 'x'");
	assert_int_equal(n, 0);
	assert_int_equal(lxf_view_parse_columns("n,,s", cols, LXF_VIEW_MAX_COLS, &n, &err),
			 -LXF_EUSAGE);
	assert_int_equal(lxf_view_parse_columns("n,", cols, LXF_VIEW_MAX_COLS, &n, &err),
			 -LXF_EUSAGE);
	assert_int_equal(lxf_view_parse_columns("", cols, LXF_VIEW_MAX_COLS, &n, &err),
			 -LXF_EUSAGE);
	assert_int_equal(lxf_view_parse_columns("nnn", cols, 2, &n, &err), -LXF_EUSAGE);
	assert_null(lxf_view_col('Z'));
}

static void expect_cell(struct json_object *o, char letter, const char *want)
{
	char *c = lxf_view_cell(lxf_view_col(letter), o);

	assert_non_null(c);
	assert_string_equal(c, want);
	free(c);
}

static void test_cells(void **state)
{
	struct json_object *o = parse(inst_json);
	struct json_object *stopped =
	    parse("{\"name\":\"x\",\"status\":\"Stopped\",\"state\":{\"pid\":0,"
		  "\"network\":{\"eth0\":{\"addresses\":[{\"family\":"
		  "\"inet\",\"address\":\"10.1.1.1\",\"scope\":"
		  "\"global\"}]}}}}");

	(void)state;
	expect_cell(o, 'r', "h1");
	expect_cell(o, 'n', "web01");
	expect_cell(o, 's', "RUNNING");
	/* lxc's order: reverse text order, whatever the interface */
	expect_cell(o, '4', "192.168.1.7 (eth1)\n10.0.0.50 (eth0)\n10.0.0.5 (eth0)");
	expect_cell(o, '6', "fd42::5 (eth0)");
	expect_cell(o, 't', "CONTAINER (EPHEMERAL)");
	expect_cell(o, 'S', "2");
	expect_cell(o, 'L', "");
	expect_cell(o, 'P', "default\nnet");
	expect_cell(o, 'c', "2024/03/05 08:20 UTC");
	expect_cell(o, 'l', "");
	expect_cell(o, 'p', "4242");
	expect_cell(o, 'N', "7");
	expect_cell(o, 'u', "5s");
	expect_cell(o, 'm', "1.50MiB");
	expect_cell(o, 'a', "x86_64");
	expect_cell(o, 'e', "default");
	expect_cell(o, 'f', "0123456789ab");
	expect_cell(o, 'F', "0123456789abcdef0123");
	/* a stopped instance shows no addresses or pid, whatever state says */
	expect_cell(stopped, '4', "");
	expect_cell(stopped, 'p', "");
	expect_cell(stopped, 'S', "0");
	expect_cell(stopped, 't', "CONTAINER");
	expect_cell(stopped, 'r', "");
	json_object_put(o);
	json_object_put(stopped);
}

/* The one address a narrow surface shows is one of the cell's: eth0's first, else the first. */
static void test_addr_first(void **state)
{
	struct json_object *o = parse(inst_json);
	struct json_object *no_eth0 =
	    parse("{\"status\":\"Frozen\",\"state\":{\"network\":{\"eth1\":{\"addresses\":["
		  "{\"family\":\"inet\",\"address\":\"10.9.0.1\"},"
		  "{\"family\":\"inet\",\"address\":\"10.9.0.2\",\"scope\":\"global\"}]}}}}");
	char buf[64], tiny[8];

	(void)state;
	lxf_view_addr_first(o, "inet", buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.50");
	lxf_view_addr_first(o, "inet6", buf, sizeof(buf));
	assert_string_equal(buf, "fd42::5");
	lxf_view_addr_first(o, "inet", tiny, sizeof(tiny));
	assert_string_equal(tiny, ""); /* not cut to a wrong address */
	lxf_view_addr_first(no_eth0, "inet", buf, sizeof(buf));
	assert_string_equal(buf, "10.9.0.2");
	json_object_put(o);
	json_object_put(no_eth0);
}

static void test_image_and_usage(void **state)
{
	struct json_object *o = parse(inst_json);
	struct json_object *stopped = parse("{\"status\":\"Stopped\",\"config\":{},"
					    "\"state\":{\"memory\":{\"usage\":5}}}");
	struct lxf_buf b = {0};
	char sz[32];

	(void)state;
	assert_int_equal(lxf_view_image(o, &b), 0);
	assert_string_equal(lxf_buf_str(&b), "Alpine 3.19");
	lxf_buf_reset(&b);
	assert_int_equal(lxf_view_image(stopped, &b), 0);
	assert_string_equal(lxf_buf_str(&b), "-");
	lxf_buf_fini(&b);
	assert_int_equal(lxf_view_memory(o), 1572864);
	assert_int_equal(lxf_view_cpu_ns(o), 5500000000LL);
	assert_int_equal(lxf_view_memory(stopped), -1);
	lxf_view_size_iec(512, sz, sizeof(sz));
	assert_string_equal(sz, "512B");
	lxf_view_size_iec(3LL << 30, sz, sizeof(sz));
	assert_string_equal(sz, "3.00GiB");
	json_object_put(o);
	json_object_put(stopped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_cells),
	    cmocka_unit_test(test_addr_first),
	    cmocka_unit_test(test_image_and_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
