/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cli/list.c: lxc-style filters, sorting (columns: test_view.c). */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "list.h"
#include "yaml.h"

static const char inst_json[] =
    "{\"name\":\"web01\",\"status\":\"Running\",\"type\":\"container\",\"ephemeral\":true,"
    "\"architecture\":\"x86_64\",\"location\":\"none\",\"profiles\":[\"default\",\"net\"],"
    "\"created_at\":\"2024-03-05T10:20:30.123456789+02:00\","
    "\"last_used_at\":\"1970-01-01T00:00:00Z\","
    "\"expanded_config\":{\"security.privileged\":\"true\",\"user.role\":\"web\","
    "\"volatile.eth0.hwaddr\":\"00:16:3e:aa:bb:cc\"},"
    "\"snapshots\":[{\"name\":\"s1\"},{\"name\":\"s2\"}],"
    "\"state\":{\"status\":\"Running\",\"pid\":4242,\"processes\":7,"
    "\"cpu\":{\"usage\":5500000000},\"memory\":{\"usage\":1572864},"
    "\"network\":{\"lo\":{\"type\":\"loopback\",\"addresses\":[{\"family\":\"inet\","
    "\"address\":\"127.0.0.1\",\"scope\":\"local\"}]},"
    "\"eth0\":{\"type\":\"broadcast\",\"addresses\":["
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

static bool match1(struct json_object *o, const char *f)
{
	const char *fs[1] = {f};

	return lxf_list_match(o, fs, 1);
}

static void test_filters(void **state)
{
	struct json_object *o = parse(inst_json);
	const char *both[] = {"type=container", "status=running"};
	const char *conflict[] = {"web", "status=stopped"};

	(void)state;
	assert_true(lxf_list_match(o, NULL, 0));
	/* bare words: anchored regex, else prefix */
	assert_true(match1(o, "web"));
	assert_true(match1(o, "web01"));
	assert_true(match1(o, ".*01"));
	assert_true(match1(o, "^w"));
	assert_false(match1(o, "eb"));
	assert_false(match1(o, "db"));
	/* shorthands */
	assert_true(match1(o, "status=running"));
	assert_true(match1(o, "STATUS=Running"));
	assert_true(match1(o, "status=stopped,running"));
	assert_false(match1(o, "status=stopped"));
	assert_true(match1(o, "type=container"));
	assert_false(match1(o, "type=virtual-machine"));
	assert_true(match1(o, "architecture=X86_64"));
	assert_true(lxf_list_match(o, both, 2));
	assert_false(lxf_list_match(o, conflict, 2));
	assert_true(match1(o, "ipv4=10.0.0.5"));
	assert_true(match1(o, "ipv4=10.0.0.0/24"));
	assert_false(match1(o, "ipv4=10.0.1.0/24"));
	assert_true(match1(o, "ipv6=fd42::/16"));
	assert_false(match1(o, "ipv6=10.0.0.5"));
	/* config keys, abbreviated, values as anchored regexes */
	assert_true(match1(o, "user.role=web"));
	assert_true(match1(o, "u.role=web"));
	assert_true(match1(o, "s.privileged=true"));
	assert_false(match1(o, "user.role=db"));
	assert_false(match1(o, "user.role=we"));
	assert_true(match1(o, "volatile.eth0.hwaddr=00:16:3e:.*"));
	assert_true(match1(o, "user.missing="));
	assert_false(match1(o, "user.missing=x"));
	json_object_put(o);
}

static void test_sort(void **state)
{
	struct json_object *v[5];
	const char *want[5][2] = {
	    {"a", "c2"}, {"a", "c10"}, {"b", "a1"}, {"h2", "z"}, {"h10", "a"},
	};

	(void)state;
	v[0] = parse("{\"remote\":\"h10\",\"name\":\"a\"}");
	v[1] = parse("{\"remote\":\"a\",\"name\":\"c10\"}");
	v[2] = parse("{\"remote\":\"b\",\"name\":\"a1\"}");
	v[3] = parse("{\"remote\":\"a\",\"name\":\"c2\"}");
	v[4] = parse("{\"remote\":\"h2\",\"name\":\"z\"}");
	lxf_list_sort(v, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(lxf_json_str(v[i], "remote"), want[i][0]);
		assert_string_equal(lxf_json_str(v[i], "name"), want[i][1]);
	}
	for (size_t i = 0; i < 5; i++)
		json_object_put(v[i]);
}

/* lxf list's arguments: REMOTE:NAME picks that instance, REMOTE: a remote, the rest filters. */
static void test_split_args(void **state)
{
	char *argv[] = {"h1:c1", "h2:", "web", "ipv6=fd00::1", "h3:db"};
	const char *filters[5];
	struct lxf_list_pick *picks = NULL;
	struct lxf_err err = {0};
	size_t nf = 0, np = 0;
	char *bad[] = {":c1"};

	(void)state;
	assert_int_equal(lxf_list_split(NULL, 5, argv, filters, &nf, &picks, &np, &err), 0);
	assert_int_equal(nf, 2);
	assert_string_equal(filters[0], "web");
	assert_string_equal(filters[1], "ipv6=fd00::1");
	assert_int_equal(np, 3);
	assert_string_equal(picks[0].remote, "h1");
	assert_string_equal(picks[0].name, "c1");
	assert_string_equal(picks[1].remote, "h2");
	assert_string_equal(picks[1].name, "");
	assert_true(lxf_list_picked(picks, np, "h1", "c1"));
	assert_false(lxf_list_picked(picks, np, "h1", "c2"));
	assert_true(lxf_list_picked(picks, np, "h2", "anything"));
	assert_true(lxf_list_picked(picks, np, "h3", "db"));
	assert_false(lxf_list_picked(picks, np, "h4", "c1"));
	assert_true(lxf_list_picked(picks, 0, "h4", "c1"));
	free(picks);
	assert_int_equal(lxf_list_split(NULL, 1, bad, filters, &nf, &picks, &np, &err),
			 -LXF_EUSAGE);
	assert_null(picks);
}

/* @group words pick each of the group's remotes, with or without ':' (lxf_remotes_expand). */
static void test_split_groups(void **state)
{
	struct lxf_remote v[] = {{.name = "h1"}, {.name = "h2"}, {.name = "h3"}};
	struct lxf_remotes r = {.v = v, .n = 3};
	char *argv[] = {"@web", "status=running", "@web,h3:c1"}, *unknown[] = {"@db"};
	const char *filters[3];
	struct lxf_list_pick *picks = NULL;
	struct lxf_err err = {0};
	size_t nf = 0, np = 0;

	(void)state;
	assert_int_equal(lxf_yaml_parse("groups: {web: [h2, h1]}", 23, &r.groups, NULL), 0);
	{
		struct json_object *root = r.groups;

		r.groups = NULL;
		assert_int_equal(lxf_remotes_groups_parse(&r, root, NULL), 0);
		json_object_put(root);
	}
	assert_int_equal(lxf_list_split(&r, 3, argv, filters, &nf, &picks, &np, &err), 0);
	assert_int_equal(nf, 1);
	assert_string_equal(filters[0], "status=running");
	assert_int_equal(np, 5);
	assert_string_equal(picks[0].remote, "h2");
	assert_string_equal(picks[0].name, "");
	assert_string_equal(picks[1].remote, "h1");
	assert_string_equal(picks[4].remote, "h3");
	assert_string_equal(picks[4].name, "c1");
	assert_true(lxf_list_picked(picks, np, "h3", "c1"));
	assert_false(lxf_list_picked(picks, np, "h3", "c2"));
	free(picks);
	assert_int_equal(lxf_list_split(&r, 1, unknown, filters, &nf, &picks, &np, &err),
			 -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "group 'db' not found"));
	json_object_put(r.groups);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_split_groups),
	    cmocka_unit_test(test_sort),
	    cmocka_unit_test(test_split_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
