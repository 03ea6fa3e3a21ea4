/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db_rows_by (one query grouped by a column, what a recursion=2 list reads
 * instead of a query per row) and instance_expand_in over its profile map: the
 * same expansion as the per-profile queries, and the same errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "instance.h"
#include "json.h"

static char dir[] = "/tmp/lxf-test-db-XXXXXX";

static int setup(void **state)
{
	char path[128];
	struct lxf_err err;

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/lxf.db", dir);
	if (db_open(path, &err) < 0)
		return -1;
	/* Two instances, three snapshots (one still being made), two profiles. */
	if (db_exec(NULL, NULL, &err,
		    "INSERT INTO instances (name, created_at) VALUES ('a', 1), ('b', 1), ('c', 1)",
		    "") < 0 ||
	    db_exec(NULL, NULL, &err,
		    "INSERT INTO snapshots (instance, name, created_at, creating) VALUES"
		    " ('b', 's2', 20, 0), ('a', 's1', 10, 0), ('b', 's1', 10, 0), ('a', 'x', 5, 1)",
		    "") < 0 ||
	    db_exec(
		NULL, NULL, &err,
		"INSERT INTO profiles (name, config, devices) VALUES"
		" ('default', '{\"k\":\"d\",\"only.d\":\"1\"}', '{\"root\":{\"type\":\"disk\"}}'),"
		" ('extra', '{\"k\":\"e\"}', '{\"eth0\":{\"type\":\"nic\"}}')",
		"") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	db_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_grouped(void **state)
{
	struct json_object *m = NULL, *a, *b;
	struct lxf_err err;

	(void)state;
	assert_int_equal(db_rows_by(&m, "instance", false, &err,
				    "SELECT * FROM snapshots WHERE creating = 0"
				    " ORDER BY instance, created_at, name",
				    ""),
			 0);
	assert_int_equal(json_object_object_length(m), 2);
	a = json_object_object_get(m, "a");
	b = json_object_object_get(m, "b");
	assert_int_equal(json_object_array_length(a), 1);
	assert_int_equal(json_object_array_length(b), 2);
	/* Query order kept within a group; columns typed as db_exec gives them. */
	assert_string_equal(lxf_json_str(json_object_array_get_idx(b, 0), "name"), "s1");
	assert_string_equal(lxf_json_str(json_object_array_get_idx(b, 1), "name"), "s2");
	assert_true(json_object_is_type(
	    json_object_object_get(json_object_array_get_idx(b, 0), "config"), json_type_object));
	assert_null(json_object_object_get(m, "c")); /* no snapshots: no key */
	json_object_put(m);
}

static void test_unique_and_params(void **state)
{
	struct json_object *m = NULL;
	struct lxf_err err;

	(void)state;
	assert_int_equal(db_rows_by(&m, "name", true, &err, "SELECT * FROM profiles", ""), 0);
	assert_int_equal(json_object_object_length(m), 2);
	assert_string_equal(
	    lxf_json_str(json_object_object_get(json_object_object_get(m, "extra"), "config"), "k"),
	    "e");
	json_object_put(m);
	/* Parameters bind as for db_exec; an empty result is an empty map. */
	assert_int_equal(db_rows_by(&m, "instance", false, &err,
				    "SELECT * FROM snapshots WHERE instance = ?", "s", "nope"),
			 0);
	assert_int_equal(json_object_object_length(m), 0);
	json_object_put(m);
	/* A bad query: an error, and no map. */
	m = (struct json_object *)&err;
	assert_true(db_rows_by(&m, "name", true, &err, "SELECT * FROM nosuchtable", "") < 0);
	assert_null(m);
}

/* The expansion from the map equals the one from per-profile queries. */
static void test_expand_in(void **state)
{
	struct json_object *pmap = NULL, *profiles = json_object_new_array();
	struct json_object *cfg = json_object_new_object();
	struct json_object *c1, *d1, *c2, *d2;
	struct lxf_err err;

	(void)state;
	json_object_array_add(profiles, json_object_new_string("default"));
	json_object_array_add(profiles, json_object_new_string("extra"));
	lxf_json_add_str(cfg, "own", "1");
	assert_int_equal(db_rows_by(&pmap, "name", true, &err, "SELECT * FROM profiles", ""), 0);
	assert_int_equal(instance_expand(profiles, cfg, NULL, &c1, &d1, &err), 0);
	assert_int_equal(instance_expand_in(pmap, profiles, cfg, NULL, &c2, &d2, &err), 0);
	assert_string_equal(json_object_to_json_string(c1), json_object_to_json_string(c2));
	assert_string_equal(json_object_to_json_string(d1), json_object_to_json_string(d2));
	assert_string_equal(lxf_json_str(c2, "k"), "e"); /* later profiles win */
	assert_string_equal(lxf_json_str(c2, "only.d"), "1");
	json_object_put(c1);
	json_object_put(d1);
	json_object_put(c2);
	json_object_put(d2);
	/* A missing profile: the same error either way. */
	json_object_array_add(profiles, json_object_new_string("gone"));
	assert_int_equal(instance_expand_in(pmap, profiles, cfg, NULL, &c2, &d2, &err),
			 -LXF_ENOENT);
	assert_string_equal(err.msg, "Profile \"gone\" not found");
	assert_null(c2);
	assert_int_equal(instance_expand(profiles, cfg, NULL, &c1, &d1, &err), -LXF_ENOENT);
	assert_string_equal(err.msg, "Profile \"gone\" not found");
	json_object_put(pmap);
	json_object_put(profiles);
	json_object_put(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grouped),
	    cmocka_unit_test(test_unique_and_params),
	    cmocka_unit_test(test_expand_in),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
