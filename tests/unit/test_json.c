/* SPDX-License-Identifier: Apache-2.0 */
/* json.c: strict parsing, depth cap, typed getters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static struct json_object *parse_ok(const char *s)
{
	struct json_object *o = NULL;
	struct lxf_err err;

	lxf_err_clear(&err);
	assert_int_equal(lxf_json_parse(s, strlen(s), 0, &o, &err), 0);
	return o;
}

static void parse_bad(const char *s, int depth, const char *needle)
{
	struct json_object *o = (struct json_object *)&o; /* must be reset to NULL */
	struct lxf_err err;

	lxf_err_clear(&err);
	assert_int_equal(lxf_json_parse(s, strlen(s), depth, &o, &err), -LXF_EINVAL);
	assert_null(o);
	assert_int_equal(err.code, LXF_EINVAL);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, needle);
}

static void test_parse_values(void **state)
{
	struct json_object *o;

	(void)state;
	o = parse_ok("{\"a\": [1, 2.5, \"x\", true, null]}");
	assert_true(json_object_is_type(o, json_type_object));
	assert_int_equal(json_object_array_length(lxf_json_path(o, "a")), 5);
	json_object_put(o);
	o = parse_ok("  42 \n");
	assert_int_equal(json_object_get_int64(o), 42);
	json_object_put(o);
	o = parse_ok("\"s\"");
	assert_string_equal(json_object_get_string(o), "s");
	json_object_put(o);
	/* len is honoured: the bytes after it are not looked at. */
	{
		struct json_object *p = NULL;

		assert_int_equal(lxf_json_parse("[1] garbage", 3, 0, &p, NULL), 0);
		assert_int_equal(json_object_array_length(p), 1);
		json_object_put(p);
		assert_int_equal(lxf_json_parse("12345", 2, 0, &p, NULL), 0);
		assert_int_equal(json_object_get_int64(p), 12);
		json_object_put(p);
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("", 0, "empty");
	parse_bad("   ", 0, "invalid JSON at offset");
	parse_bad("{\"a\":1} x", 0, "invalid JSON at offset");
	parse_bad("{\"a\":1}{}", 0, "invalid JSON at offset 7");
	parse_bad("[1] 2", 0, "invalid JSON at offset");
	parse_bad("[1,", 0, "invalid JSON at offset 3");
	parse_bad("{\"a\" 1}", 0, "invalid JSON at offset 5: object property name separator");
	parse_bad("tru", 0, "invalid JSON");
	parse_bad("[1,]", 0, "invalid JSON");
	parse_bad("{\"a\" 1}", 0, "invalid JSON");
}

static void test_embedded_nul(void **state)
{
	struct json_object *o = NULL;
	struct lxf_err err;

	(void)state;
	assert_int_equal(lxf_json_parse("{}\0{}", 5, 0, &o, &err), -LXF_EINVAL);
	assert_null(o);
}

static void nest(char *s, int levels)
{
	int n = 0;

	for (int i = 0; i < levels; i++)
		s[n++] = '[';
	s[n++] = '1';
	for (int i = 0; i < levels; i++)
		s[n++] = ']';
	s[n] = '\0';
}

static void test_depth_cap(void **state)
{
	char s[256];
	struct json_object *o = NULL;

	(void)state;
	nest(s, 3);
	assert_int_equal(lxf_json_parse(s, strlen(s), 3, &o, NULL), 0);
	json_object_put(o);
	parse_bad(s, 2, "too deep");
	nest(s, LXF_JSON_MAX_DEPTH);
	assert_int_equal(lxf_json_parse(s, strlen(s), 0, &o, NULL), 0);
	json_object_put(o);
	nest(s, LXF_JSON_MAX_DEPTH + 1);
	parse_bad(s, 0, "too deep");
	parse_bad("{\"a\":{\"b\":{}}}", 1, "too deep");
}

static void test_getters(void **state)
{
	struct json_object *o = parse_ok("{\"s\":\"v\",\"i\":-7,\"b\":true,\"o\":{\"k\":\"x\"},"
					 "\"a\":[],\"n\":null,\"big\":18446744073709551615}");
	struct lxf_err err;
	const char *s = "untouched";
	int64_t i = 99;
	bool b = false;
	struct json_object *child = NULL;

	(void)state;
	assert_int_equal(lxf_json_get_string(o, "s", true, &s, &err), 0);
	assert_string_equal(s, "v");
	assert_int_equal(lxf_json_get_int(o, "i", true, &i, &err), 0);
	assert_int_equal(i, -7);
	assert_int_equal(lxf_json_get_bool(o, "b", true, &b, &err), 0);
	assert_true(b);
	assert_int_equal(lxf_json_get_object(o, "o", true, &child, &err), 0);
	assert_string_equal(lxf_json_str(child, "k"), "x");
	assert_int_equal(lxf_json_get_array(o, "a", true, &child, &err), 0);
	assert_int_equal(json_object_array_length(child), 0);

	/* Missing: optional leaves *out alone, required fails. */
	s = "keep";
	assert_int_equal(lxf_json_get_string(o, "nope", false, &s, &err), 0);
	assert_string_equal(s, "keep");
	assert_int_equal(lxf_json_get_string(o, "nope", true, &s, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "missing 'nope'");
	assert_string_equal(s, "keep");

	/* Wrong type fails even when optional; *out untouched. */
	i = 5;
	assert_int_equal(lxf_json_get_int(o, "s", false, &i, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "'s' must be an integer");
	assert_int_equal(i, 5);
	assert_int_equal(lxf_json_get_string(o, "i", false, &s, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "'i' must be a string");
	assert_int_equal(lxf_json_get_bool(o, "s", true, &b, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "'s' must be a boolean");
	assert_int_equal(lxf_json_get_object(o, "a", true, &child, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "'a' must be an object");
	assert_int_equal(lxf_json_get_array(o, "o", true, &child, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "'o' must be an array");
	/* null reads as absent (Go clients send null for empty maps and lists). */
	s = "keep";
	assert_int_equal(lxf_json_get_string(o, "n", false, &s, &err), 0);
	assert_string_equal(s, "keep");
	assert_int_equal(lxf_json_get_object(o, "n", true, &child, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "missing 'n'");
	assert_int_equal(lxf_json_get_int(o, "big", true, &i, &err), -LXF_EINVAL);
	assert_int_equal(i, 5);
	/* Not an object at all. */
	assert_int_equal(lxf_json_get_string(child, "x", false, &s, &err), -LXF_EINVAL);
	assert_int_equal(lxf_json_get_string(NULL, "x", false, &s, &err), -LXF_EINVAL);

	assert_null(lxf_json_str(o, "i"));
	assert_null(lxf_json_str(o, "nope"));
	assert_null(lxf_json_str(NULL, "s"));
	json_object_put(o);
}

static void test_string_map(void **state)
{
	struct json_object *good = parse_ok("{\"limits.cpu\":\"2\",\"a\":\"\"}");
	struct json_object *bad = parse_ok("{\"a\":\"1\",\"b\":2}");
	struct json_object *arr = parse_ok("[]");
	struct lxf_err err;

	(void)state;
	assert_int_equal(lxf_json_check_string_map(good, "config", &err), 0);
	assert_int_equal(lxf_json_check_string_map(bad, "config", &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "config"));
	assert_non_null(strstr(err.msg, "'b'"));
	assert_int_equal(lxf_json_check_string_map(arr, "devices", &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "devices"));
	json_object_put(good);
	json_object_put(bad);
	json_object_put(arr);
}

static void test_without_prefix(void **state)
{
	struct json_object *o = json_tokener_parse(
	    "{\"limits.cpu\":\"2\",\"volatile.idmap.last\":\"[]\",\"volatile\":\"x\"}");
	struct json_object *c = lxf_json_without_prefix(o, "volatile.");
	struct json_object *e = lxf_json_without_prefix(NULL, "volatile.");

	(void)state;
	assert_non_null(c);
	assert_int_equal(json_object_object_length(c), 2);
	assert_string_equal(lxf_json_str(c, "limits.cpu"), "2");
	assert_string_equal(lxf_json_str(c, "volatile"), "x");
	assert_null(json_object_object_get(c, "volatile.idmap.last"));
	/* The original keeps every member. */
	assert_int_equal(json_object_object_length(o), 3);
	assert_non_null(e);
	assert_int_equal(json_object_object_length(e), 0);
	json_object_put(c);
	json_object_put(e);
	json_object_put(o);
}

static void test_add_str_and_path(void **state)
{
	struct json_object *o = parse_ok("{\"environment\":{\"server\":\"lxd\",\"n\":{\"x\":1}}}");
	struct json_object *v;

	(void)state;
	assert_int_equal(lxf_json_add_str(o, "k", "v"), 0);
	assert_int_equal(lxf_json_add_str(o, "z", NULL), 0);
	assert_string_equal(lxf_json_str(o, "k"), "v");
	assert_true(json_object_object_get_ex(o, "z", &v));
	assert_null(v);
	assert_string_equal(json_object_get_string(lxf_json_path(o, "environment.server")), "lxd");
	assert_int_equal(json_object_get_int(lxf_json_path(o, "environment.n.x")), 1);
	assert_null(lxf_json_path(o, "environment.missing"));
	assert_null(lxf_json_path(o, "environment.server.deeper"));
	assert_null(lxf_json_path(o, "k.x"));
	assert_int_equal(lxf_json_add_str(NULL, "k", "v"), -LXF_EINTERNAL);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_values),     cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_embedded_nul),     cmocka_unit_test(test_depth_cap),
	    cmocka_unit_test(test_getters),          cmocka_unit_test(test_string_map),
	    cmocka_unit_test(test_add_str_and_path), cmocka_unit_test(test_without_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
