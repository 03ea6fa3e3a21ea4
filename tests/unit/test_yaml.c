/* SPDX-License-Identifier: Apache-2.0 */
/* yaml.c: scalar typing, refusals with positions, emit/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "yaml.h"

static struct json_object *yparse(const char *s)
{
	struct json_object *o = NULL;
	struct lxf_err err;

	lxf_err_clear(&err);
	if (lxf_yaml_parse(s, strlen(s), &o, &err) != 0)
		fail_msg("parse of '%s' failed: %s", s, err.msg);
	return o;
}

static void ybad(const char *s, const char *needle)
{
	struct json_object *o = (struct json_object *)&o;
	struct lxf_err err;

	lxf_err_clear(&err);
	assert_int_equal(lxf_yaml_parse(s, strlen(s), &o, &err), -LXF_EINVAL);
	assert_null(o);
	assert_int_equal(err.code, LXF_EINVAL);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", s, err.msg, needle);
}

static void test_scalar_typing(void **state)
{
	struct json_object *o =
	    yparse("n1: \nn2: ~\nn3: null\nb1: true\nb2: FALSE\nb3: True\ni1: 42\ni2: -7\n"
		   "f1: 1.5\nf2: -2e3\ns1: hello world\ns2: 'true'\ns3: \"123\"\ns4: yes\n"
		   "s5: 0x10\ns6: 1.2.3\ns7: .inf\nl: [1, a]\n");
	struct json_object *v;

	(void)state;
	assert_true(json_object_object_get_ex(o, "n1", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "n2", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "n3", &v));
	assert_null(v);
	assert_true(json_object_get_boolean(lxf_json_path(o, "b1")));
	assert_true(json_object_is_type(lxf_json_path(o, "b2"), json_type_boolean));
	assert_false(json_object_get_boolean(lxf_json_path(o, "b2")));
	assert_true(json_object_get_boolean(lxf_json_path(o, "b3")));
	assert_true(json_object_is_type(lxf_json_path(o, "i1"), json_type_int));
	assert_int_equal(json_object_get_int64(lxf_json_path(o, "i1")), 42);
	assert_int_equal(json_object_get_int64(lxf_json_path(o, "i2")), -7);
	assert_true(json_object_is_type(lxf_json_path(o, "f1"), json_type_double));
	assert_true(json_object_get_double(lxf_json_path(o, "f2")) == -2000.0);
	assert_string_equal(lxf_json_str(o, "s1"), "hello world");
	assert_string_equal(lxf_json_str(o, "s2"), "true");
	assert_string_equal(lxf_json_str(o, "s3"), "123");
	assert_string_equal(lxf_json_str(o, "s4"), "yes");
	assert_string_equal(lxf_json_str(o, "s5"), "0x10");
	assert_string_equal(lxf_json_str(o, "s6"), "1.2.3");
	assert_string_equal(lxf_json_str(o, "s7"), ".inf");
	assert_int_equal(json_object_array_length(lxf_json_path(o, "l")), 2);
	json_object_put(o);
}

static void test_empty_and_top_level(void **state)
{
	struct json_object *o = (struct json_object *)&o;

	(void)state;
	assert_int_equal(lxf_yaml_parse("", 0, &o, NULL), 0);
	assert_null(o);
	o = (struct json_object *)&o;
	assert_int_equal(lxf_yaml_parse("---\n# only a comment\n", 21, &o, NULL), 0);
	assert_null(o);
	o = yparse("- a\n- b\n");
	assert_int_equal(json_object_array_length(o), 2);
	json_object_put(o);
}

static void test_refusals(void **state)
{
	(void)state;
	ybad("a: &x 1\nb: *x\n", "line 1 column 4: anchors are not allowed");
	ybad("a: [1]\nb: *x\n", "line 2");
	ybad("a: &x [1]\n", "anchors are not allowed");
	ybad("a: 1\na: 2\n", "line 2 column 1: duplicate key 'a'");
	ybad("? [a]\n: 1\n", "line 1 column 3: mapping keys must be scalars");
	ybad("? {a: 1}\n: 1\n", "mapping keys must be scalars");
	ybad("a: 1\n---\nb: 2\n", "line 2 column 1: only one document is allowed");
	ybad("a: 99999999999999999999\n", "integer out of range");
	ybad("a: [1, 2\n", "line ");
	ybad("a: \"unterminated\n", "line ");
}

static void test_bad_indentation(void **state)
{
	(void)state;
	ybad("config:\n  limits.cpu: \"2\"\n bad: x\n", "line 3 column 2: ");
	ybad("a:\n  b: 1\n    c: 2\n", "line 3 column 6: mapping values are not allowed");
}

static void test_billion_laughs(void **state)
{
	const char *lol =
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n";

	(void)state;
	ybad(lol, "anchors are not allowed");
}

static void test_depth_and_size_caps(void **state)
{
	char s[256];
	size_t n = 0;
	struct json_object *o = NULL;
	struct lxf_err err;
	char *big;

	(void)state;
	for (int i = 0; i < LXF_YAML_MAX_DEPTH; i++)
		s[n++] = '[';
	for (int i = 0; i < LXF_YAML_MAX_DEPTH; i++)
		s[n++] = ']';
	s[n] = '\0';
	assert_int_equal(lxf_yaml_parse(s, n, &o, &err), 0);
	json_object_put(o);
	memmove(s + 1, s, n + 1);
	s[0] = '[';
	strcat(s, "]");
	ybad(s, "nesting too deep");

	big = calloc(1, LXF_YAML_MAX_SIZE + 2);
	assert_non_null(big);
	memset(big, ' ', LXF_YAML_MAX_SIZE + 1);
	o = NULL;
	assert_int_equal(lxf_yaml_parse(big, LXF_YAML_MAX_SIZE + 1, &o, &err), -LXF_EINVAL);
	assert_null(o);
	free(big);
}

static void roundtrip(struct json_object *o)
{
	struct lxf_buf b = {0};
	struct json_object *back = NULL;
	struct lxf_err err;

	assert_int_equal(lxf_yaml_emit(o, &b, &err), 0);
	if (lxf_yaml_parse(b.data, b.len, &back, &err) != 0)
		fail_msg("re-parse failed: %s\n%s", err.msg, lxf_buf_str(&b));
	if (!json_object_equal(o, back))
		fail_msg("round trip differs:\n%s\n%s", lxf_buf_str(&b),
			 json_object_to_json_string(back));
	json_object_put(back);
	lxf_buf_fini(&b);
}

static void test_roundtrip_quoting(void **state)
{
	static const char *const strs[] = {"true",
					   "False",
					   "123",
					   "-5",
					   "1.5",
					   "1e3",
					   "",
					   "~",
					   "null",
					   "a: b",
					   "- x",
					   "#c",
					   "multi\nline",
					   "ends with newline\n",
					   "two\n\n",
					   "  lead",
					   "trail ",
					   "yes",
					   "off",
					   "'q'",
					   "\"dq\"",
					   "tab\there",
					   "{x}",
					   "[y]",
					   "@at",
					   "%p",
					   "ünïcode",
					   "*star",
					   "&amp",
					   "key: value\nother: thing\n",
					   "!tag",
					   "|",
					   ">",
					   "...",
					   "---"};
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char key[32];

	(void)state;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		(void)snprintf(key, sizeof(key), "k%zu", i);
		json_object_object_add(o, key, json_object_new_string(strs[i]));
		/* The same strings as keys. */
		json_object_object_add(o, strs[i], json_object_new_int((int)i));
		json_object_array_add(arr, json_object_new_string(strs[i]));
	}
	json_object_object_add(o, "arr", arr);
	roundtrip(o);
	json_object_put(o);
}

static void test_roundtrip_types(void **state)
{
	struct json_object *o = NULL;
	const char *json = "{\"name\":\"c1\",\"n\":null,\"t\":true,\"f\":false,\"i\":-42,"
			   "\"big\":9223372036854775807,\"d\":0.1,\"w\":5.0,\"e\":1e300,"
			   "\"empty_o\":{},\"empty_a\":[],\"nested\":{\"a\":[{\"b\":[1,[2,[]]]}]},"
			   "\"config\":{\"limits.cpu\":\"2\",\"user.x\":\"true\"}}";

	(void)state;
	assert_int_equal(lxf_json_parse(json, strlen(json), 0, &o, NULL), 0);
	roundtrip(o);
	json_object_put(o);
	o = json_object_new_string("true");
	roundtrip(o);
	json_object_put(o);
	roundtrip(NULL);
}

static void test_emit_order_and_shape(void **state)
{
	struct json_object *o = yparse("zeta: 1\nalpha:\n  b: x\nmid: [a, b]\n");
	struct lxf_buf b = {0};

	(void)state;
	assert_int_equal(lxf_yaml_emit(o, &b, NULL), 0);
	assert_string_equal(lxf_buf_str(&b), "zeta: 1\nalpha:\n  b: x\nmid:\n- a\n- b\n");
	lxf_buf_fini(&b);
	json_object_put(o);
}

static void test_emit_cap(void **state)
{
	struct json_object *o = yparse("key: a fairly long value that does not fit\n");
	struct lxf_buf b;
	struct lxf_err err;

	(void)state;
	lxf_buf_init(&b, 16);
	lxf_buf_adds(&b, "pre");
	assert_int_equal(lxf_yaml_emit(o, &b, &err), -LXF_ETOOBIG);
	assert_string_equal(lxf_buf_str(&b), "pre");
	lxf_buf_fini(&b);
	json_object_put(o);
}

static void test_emit_too_deep(void **state)
{
	struct json_object *root = json_object_new_array();
	struct json_object *cur = root;
	struct lxf_buf b = {0};
	struct lxf_err err;

	(void)state;
	for (int i = 0; i < LXF_YAML_MAX_DEPTH; i++) {
		struct json_object *next = json_object_new_array();

		json_object_array_add(cur, next);
		cur = next;
	}
	assert_int_equal(lxf_yaml_emit(root, &b, &err), -LXF_EINVAL);
	assert_int_equal(b.len, 0);
	lxf_buf_fini(&b);
	json_object_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalar_typing),
	    cmocka_unit_test(test_empty_and_top_level),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_bad_indentation),
	    cmocka_unit_test(test_billion_laughs),
	    cmocka_unit_test(test_depth_and_size_caps),
	    cmocka_unit_test(test_roundtrip_quoting),
	    cmocka_unit_test(test_roundtrip_types),
	    cmocka_unit_test(test_emit_order_and_shape),
	    cmocka_unit_test(test_emit_cap),
	    cmocka_unit_test(test_emit_too_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
