/* SPDX-License-Identifier: Apache-2.0 */
/* LXD's instance filters: parsing, errors, and matching Instance objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "filter.h"
#include "json.h"

static struct json_object *inst(const char *name, const char *status, const char *mem)
{
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();
	struct json_object *ec = json_object_new_object();

	lxf_json_add_str(o, "name", name);
	lxf_json_add_str(o, "status", status);
	lxf_json_add_str(o, "type", "container");
	json_object_object_add(o, "ephemeral", json_object_new_boolean(0));
	if (mem)
		lxf_json_add_str(c, "limits.memory", mem);
	lxf_json_add_str(ec, "image.os", "busybox");
	json_object_object_add(o, "config", c);
	json_object_object_add(o, "expanded_config", ec);
	return o;
}

/* Whether filter s matches o; the filter must parse. */
static bool m(const char *s, struct json_object *o)
{
	struct filter *f = NULL;
	struct lxf_err err;
	bool r;

	lxf_err_clear(&err);
	assert_int_equal(filter_parse(s, &f, &err), 0);
	r = filter_match(f, o);
	filter_free(f);
	return r;
}

static void test_eq_ne(void **state)
{
	struct json_object *web = inst("web", "Running", "1GB");

	(void)state;
	assert_true(m("name eq web", web));
	assert_false(m("name eq db", web));
	assert_true(m("name ne db", web));
	assert_false(m("name ne web", web));
	assert_true(m("status eq running", web)); /* status folds case, as lxc list does */
	assert_true(m("config.limits.memory eq 1GB", web));
	assert_false(m("config.limits.memory eq 1gb", web)); /* other values do not */
	assert_true(m("expanded_config.image.os eq busybox", web));
	assert_true(m("config.limits.cpu eq \"\"", web)); /* unset reads as "" */
	assert_true(m("ephemeral eq false", web));
	json_object_put(web);
}

static void test_logic(void **state)
{
	struct json_object *web = inst("web", "Running", NULL);
	struct json_object *db = inst("db", "Stopped", NULL);

	(void)state;
	assert_true(m("name eq web and status eq Running", web));
	assert_false(m("name eq web and status eq Stopped", web));
	assert_true(m("name eq db or name eq web", web));
	assert_true(m("name eq db or name eq web", db));
	assert_true(m("not name eq db", web));
	assert_false(m("not name eq db", db));
	/* Left to right, as LXD: (a or b) and c. */
	assert_false(m("name eq web or name eq db and status eq Stopped", web));
	assert_true(m("name eq web or name eq db and status eq Stopped", db));
	json_object_put(web);
	json_object_put(db);
}

static void test_quotes_and_url(void **state)
{
	struct json_object *o = inst("web", "Running", NULL);

	(void)state;
	lxf_json_add_str(o, "description", "my web server");
	assert_true(m("description eq \"my web server\"", o));
	assert_true(m("description eq 'my web server'", o));
	assert_true(m("name+eq+web", o));
	assert_true(m("name%20eq%20web%20and%20status%20eq%20Running", o));
	json_object_put(o);
}

static void expect_bad(const char *s, const char *msg)
{
	struct filter *f = NULL;
	struct lxf_err err;

	lxf_err_clear(&err);
	assert_int_equal(filter_parse(s, &f, &err), -LXF_EINVAL);
	assert_null(f);
	assert_non_null(strstr(err.msg, msg));
}

static void test_errors(void **state)
{
	char big[5000];

	(void)state;
	expect_bad("", "field name is missing");
	expect_bad("name", "no operator");
	expect_bad("name eq", "no value");
	expect_bad("name gt 3", "only eq and ne");
	expect_bad("colour eq red", "unknown field");
	expect_bad("config. eq x", "unknown field");
	expect_bad("name eq web xor name eq db", "expected \"and\" or \"or\"");
	expect_bad("name eq web and", "field name is missing");
	expect_bad("description eq \"open", "unterminated quote");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_bad(big, "longer than");
}

static void test_clause_cap(void **state)
{
	char buf[4096] = "name eq a";
	struct filter *f = NULL;
	struct lxf_err err;

	(void)state;
	for (int i = 0; i < 70; i++)
		strncat(buf, " or name eq a", sizeof(buf) - strlen(buf) - 1);
	assert_int_equal(filter_parse(buf, &f, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "more than"));
	assert_null(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eq_ne),          cmocka_unit_test(test_logic),
	    cmocka_unit_test(test_quotes_and_url), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_clause_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
