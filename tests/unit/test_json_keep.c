/* SPDX-License-Identifier: Apache-2.0 */
/* Keep lists (common/json-keep.c): what lxf list's table and lxfd's fields= keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json-keep.h"

static void test_has(void **state)
{
	struct lxf_json_keep *k = lxf_json_keep_new(" name,status state.network,,expanded_config ");

	(void)state;
	assert_non_null(k);
	assert_int_equal(lxf_json_keep_has(k, "name", 4), 2);
	assert_int_equal(lxf_json_keep_has(k, "status", 6), 2);
	assert_int_equal(lxf_json_keep_has(k, "state", 5), 1);
	assert_int_equal(lxf_json_keep_has(k, "state.network", 13), 2);
	assert_int_equal(lxf_json_keep_has(k, "expanded_config", 15), 2);
	/* A prefix of a name is not the name: "stat" is neither kept nor a parent. */
	assert_int_equal(lxf_json_keep_has(k, "stat", 4), 0);
	assert_int_equal(lxf_json_keep_has(k, "state.memory", 12), 0);
	assert_int_equal(lxf_json_keep_has(k, "snapshots", 9), 0);
	lxf_json_keep_free(k);
	k = lxf_json_keep_new("");
	assert_non_null(k);
	assert_int_equal(lxf_json_keep_has(k, "name", 4), 0);
	lxf_json_keep_free(k);
	lxf_json_keep_free(NULL);
}

static void test_prune(void **state)
{
	struct json_object *o = json_tokener_parse(
	    "{\"name\":\"c1\",\"status\":\"Running\",\"config\":{\"a\":\"b\"},"
	    "\"state\":{\"network\":{\"eth0\":{\"addresses\":[]}},\"memory\":{\"usage\":1},"
	    "\"pid\":7},\"expanded_config\":{\"image.os\":\"busybox\"},\"snapshots\":[]}");
	struct lxf_json_keep *k = lxf_json_keep_new("name status state.network expanded_config");

	(void)state;
	assert_non_null(o);
	assert_non_null(k);
	lxf_json_keep_prune(o, k);
	/* Named members whole (below them too), parents only with what is named. */
	assert_string_equal(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"name\":\"c1\",\"status\":\"Running\",\"state\":{\"network\":{\"eth0\":{"
	    "\"addresses\":[]}}},\"expanded_config\":{\"image.os\":\"busybox\"}}");
	/* Not an object: left alone. */
	lxf_json_keep_prune(NULL, k);
	json_object_put(o);
	lxf_json_keep_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_has),
	    cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
