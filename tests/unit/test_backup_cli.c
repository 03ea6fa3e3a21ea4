/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parts of lxf publish / export / import (cli/backup.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backup.h"
#include "json.h"

static void test_publish_body(void **state)
{
	const char *aliases[] = {"golden", "web"};
	char *props[] = {"os=debian", "release=12"};
	struct lxf_publish_req r = {.name = "c1",
				    .snap = "snap0",
				    .aliases = aliases,
				    .naliases = 2,
				    .props = props,
				    .nprops = 2,
				    .public = true,
				    .compression = "none",
				    .expires_at = "2030-01-01T00:00:00Z"};
	struct json_object *b = NULL;
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_publish_body(&r, &b, &err), 0);
	assert_string_equal(
	    json_object_to_json_string_ext(b,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"source\":{\"type\":\"snapshot\",\"name\":\"c1/snap0\"},\"properties\":{\"os\":"
	    "\"debian\",\"release\":\"12\"},\"aliases\":[{\"name\":\"golden\"},{\"name\":\"web\"}],"
	    "\"public\":true,\"compression_algorithm\":\"none\",\"expires_at\":\"2030-01-01T00:"
	    "00:00Z\"}");
	json_object_put(b);
	/* The instance itself, nothing else asked. */
	r = (struct lxf_publish_req){.name = "c1"};
	assert_int_equal(lxf_publish_body(&r, &b, &err), 0);
	assert_string_equal(lxf_json_str(json_object_object_get(b, "source"), "type"), "instance");
	assert_null(json_object_object_get(b, "compression_algorithm"));
	json_object_put(b);
	/* A word that is not key=value. */
	props[0] = "=x";
	r = (struct lxf_publish_req){.name = "c1", .props = props, .nprops = 1};
	assert_int_equal(lxf_publish_body(&r, &b, &err), -LXF_EUSAGE);
	assert_null(b);
}

static void test_expiry(void **state)
{
	struct lxf_err err = {0};
	char out[64];

	(void)state;
	assert_int_equal(lxf_backup_expiry("30d", 0, out, sizeof(out), &err), 0);
	assert_string_equal(out, "1970-01-31T00:00:00Z");
	assert_int_equal(lxf_backup_expiry("2h", 60, out, sizeof(out), &err), 0);
	assert_string_equal(out, "1970-01-01T02:01:00Z");
	assert_int_equal(lxf_backup_expiry("2027-05-01T10:00:00+02:00", 0, out, sizeof(out), &err),
			 0);
	assert_string_equal(out, "2027-05-01T10:00:00+02:00");
	assert_int_equal(lxf_backup_expiry("30", 0, out, sizeof(out), &err), -LXF_EUSAGE);
	assert_int_equal(lxf_backup_expiry("3y", 0, out, sizeof(out), &err), -LXF_EUSAGE);
	assert_int_equal(lxf_backup_expiry("-1d", 0, out, sizeof(out), &err), -LXF_EUSAGE);
	assert_int_equal(lxf_backup_expiry("", 0, out, sizeof(out), &err), -LXF_EUSAGE);
}

static void test_export_dispatch(void **state)
{
	struct lxf_remote v[2] = {{.name = "h1"}, {.name = "h2"}};
	struct lxf_remotes r = {.v = v, .n = 2};
	char *none[] = {NULL};
	char *remote[] = {"h1"}, *remote_colon[] = {"h2:", "h1"}, *inst[] = {"h1:c1", "f.tar.gz"};
	char *bare[] = {"c1"}, *unknown_colon[] = {"h9:"};

	(void)state;
	assert_true(lxf_export_is_stack(&r, 0, none));
	assert_true(lxf_export_is_stack(&r, 1, remote));
	assert_true(lxf_export_is_stack(&r, 2, remote_colon));
	assert_false(lxf_export_is_stack(&r, 2, inst));
	assert_false(lxf_export_is_stack(&r, 1, bare));
	/* An unknown remote stays with the stack export, which says it is not found. */
	assert_true(lxf_export_is_stack(&r, 1, unknown_colon));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_publish_body),
	    cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_export_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
