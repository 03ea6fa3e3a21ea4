/* SPDX-License-Identifier: Apache-2.0 */
/* The pure argument parsing of the CLI (cli/args.c): paths, snapshots, key=value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "json.h"
#include "list.h"

static void test_split_path(void **state)
{
	struct lxf_err err = {0};
	char *n = NULL, *p = NULL;

	(void)state;
	assert_int_equal(lxf_args_split_path("c1/etc/hosts", &n, &p, &err), 0);
	assert_string_equal(n, "c1");
	assert_string_equal(p, "/etc/hosts");
	free(n);
	free(p);
	assert_int_equal(lxf_args_split_path("c1/tmp/", &n, &p, &err), 0);
	assert_string_equal(p, "/tmp/");
	free(n);
	free(p);
	/* No path, no name, bare name: usage errors, outputs NULL. */
	assert_int_equal(lxf_args_split_path("c1/", &n, &p, &err), -LXF_EUSAGE);
	assert_null(n);
	assert_null(p);
	assert_int_equal(lxf_args_split_path("/etc", &n, &p, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_split_path("c1", &n, &p, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "INSTANCE/PATH"));
}

static void test_split_snap(void **state)
{
	struct lxf_err err = {0};
	char *n = NULL, *s = NULL;

	(void)state;
	assert_int_equal(lxf_args_split_snap("c1", &n, &s, &err), 0);
	assert_string_equal(n, "c1");
	assert_null(s);
	free(n);
	assert_int_equal(lxf_args_split_snap("c1/snap0", &n, &s, &err), 0);
	assert_string_equal(n, "c1");
	assert_string_equal(s, "snap0");
	free(n);
	free(s);
	assert_int_equal(lxf_args_split_snap("c1/", &n, &s, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_split_snap("/s", &n, &s, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_split_snap("c1/a/b", &n, &s, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_split_snap("", &n, &s, &err), -LXF_EUSAGE);
	assert_null(n);
	assert_null(s);
}

static void test_kv(void **state)
{
	struct lxf_err err = {0};
	char *k = NULL, *v = NULL;

	(void)state;
	assert_int_equal(lxf_args_kv("limits.cpu=2", &k, &v, &err), 0);
	assert_string_equal(k, "limits.cpu");
	assert_string_equal(v, "2");
	free(k);
	free(v);
	/* Only the first '=' splits; an empty value is allowed. */
	assert_int_equal(lxf_args_kv("a=b=c", &k, &v, &err), 0);
	assert_string_equal(v, "b=c");
	free(k);
	free(v);
	assert_int_equal(lxf_args_kv("a=", &k, &v, &err), 0);
	assert_string_equal(v, "");
	free(k);
	free(v);
	assert_int_equal(lxf_args_kv("novalue", &k, &v, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_kv("=x", &k, &v, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_kv("a b=x", &k, &v, &err), -LXF_EUSAGE);
	assert_null(k);
}

static void test_apply_kvs_atomic(void **state)
{
	struct json_object *o = json_object_new_object();
	char *good[] = {"a=1", "b=2"};
	char *bad[] = {"c=3", "oops"};
	char *del[] = {"a="};
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_args_apply_kvs(o, 2, good, &err), 0);
	assert_string_equal(lxf_json_str(o, "a"), "1");
	assert_string_equal(lxf_json_str(o, "b"), "2");
	/* One bad word: nothing applied. */
	assert_int_equal(lxf_args_apply_kvs(o, 2, bad, &err), -LXF_EUSAGE);
	assert_null(lxf_json_str(o, "c"));
	assert_non_null(strstr(err.msg, "oops"));
	/* "key=" removes. */
	assert_int_equal(lxf_args_apply_kvs(o, 1, del, &err), 0);
	assert_null(lxf_json_str(o, "a"));
	assert_int_equal(lxf_args_apply_kvs(o, 0, del, &err), -LXF_EUSAGE);
	json_object_put(o);
}

static void test_apply_set_forms(void **state)
{
	struct json_object *o = json_object_new_object();
	char *pair[] = {"user.x", "hello world"};
	char *kvs[] = {"user.y=1", "user.z=2"};
	char *three[] = {"user.a", "b", "c"};
	char *blank[] = {"bad key", "v"};

	(void)state;
	assert_int_equal(lxf_args_apply_set(o, 2, pair, false, NULL), 0);
	assert_string_equal(lxf_json_str(o, "user.x"), "hello world");
	assert_int_equal(lxf_args_apply_set(o, 2, kvs, false, NULL), 0);
	assert_string_equal(lxf_json_str(o, "user.z"), "2");
	/* Three words without '=': not KEY VALUE, not key=value. */
	assert_int_equal(lxf_args_apply_set(o, 3, three, false, NULL), -LXF_EUSAGE);
	assert_int_equal(lxf_args_apply_set(o, 2, blank, false, NULL), -LXF_EUSAGE);
	json_object_put(o);
}

static void test_mode_id(void **state)
{
	struct lxf_err err = {0};
	long long id = 0;
	int m = 0;

	(void)state;
	assert_int_equal(lxf_args_mode("0644", &m, &err), 0);
	assert_int_equal(m, 0644);
	assert_int_equal(lxf_args_mode("755", &m, &err), 0);
	assert_int_equal(m, 0755);
	assert_int_equal(lxf_args_mode("0999", &m, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_mode("17777", &m, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_mode("", &m, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_id("1000", "uid", &id, &err), 0);
	assert_int_equal(id, 1000);
	assert_int_equal(lxf_args_id("-1", "uid", &id, &err), -LXF_EUSAGE);
	assert_int_equal(lxf_args_id("12x", "gid", &id, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "gid"));
	assert_int_equal(lxf_args_id("4294967295", "uid", &id, &err), -LXF_EUSAGE);
}

static void test_check_filter(void **state)
{
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_list_check_filter("web", &err), 0);
	assert_int_equal(lxf_list_check_filter("status=running", &err), 0);
	assert_int_equal(lxf_list_check_filter("ipv4=10.0.0.0/8", &err), 0);
	assert_int_equal(lxf_list_check_filter("ipv6=fd42::1", &err), 0);
	assert_int_equal(lxf_list_check_filter("=x", &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "empty key"));
	assert_int_equal(lxf_list_check_filter("ipv4=notanip", &err), -LXF_EUSAGE);
	assert_int_equal(lxf_list_check_filter("ipv4=10.0.0.0/33", &err), -LXF_EUSAGE);
	assert_int_equal(lxf_list_check_filter("ipv6=10.0.0.1", &err), -LXF_EUSAGE);
	assert_int_equal(lxf_list_check_filter("", &err), -LXF_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_path),
	    cmocka_unit_test(test_split_snap),
	    cmocka_unit_test(test_kv),
	    cmocka_unit_test(test_apply_kvs_atomic),
	    cmocka_unit_test(test_apply_set_forms),
	    cmocka_unit_test(test_mode_id),
	    cmocka_unit_test(test_check_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
