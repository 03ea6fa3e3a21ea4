/* SPDX-License-Identifier: Apache-2.0 */
/* err.c: the code table, message filling and HTTP mapping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

struct row {
	int code;
	const char *name;
	int http;
	int exit;
};

static const struct row rows[] = {
    {LXF_EINVAL, "EINVAL", 400, 1},
    {LXF_ENOENT, "ENOENT", 404, 1},
    {LXF_EEXIST, "EEXIST", 409, 1},
    {LXF_EBUSY, "EBUSY", 409, 1},
    {LXF_EPERM, "EPERM", 403, 1},
    {LXF_ENOMETHOD, "ENOMETHOD", 405, 1},
    {LXF_ETOOBIG, "ETOOBIG", 413, 1},
    {LXF_EPRECOND, "EPRECOND", 412, 1},
    {LXF_ENOTSUP, "ENOTSUP", 501, 1},
    {LXF_ENOMEM, "ENOMEM", 500, 1},
    {LXF_EIO, "EIO", 500, 1},
    {LXF_EINTERNAL, "EINTERNAL", 500, 1},
    {LXF_EUNAVAIL, "EUNAVAIL", 503, 1},
    {LXF_ETIMEDOUT, "ETIMEDOUT", 504, 1},
    {LXF_ECANCELED, "ECANCELED", 500, 1},
    {LXF_EUSAGE, "EUSAGE", 400, 2},
    {LXF_EPARTIAL, "EPARTIAL", 500, 3},
};

static void test_table_rows(void **state)
{
	(void)state;
	assert_int_equal(sizeof(rows) / sizeof(rows[0]), LXF_CODE_MAX - 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		assert_string_equal(lxf_code_name(r->code), r->name);
		assert_int_equal(lxf_code_http(r->code), r->http);
		assert_int_equal(lxf_code_exit(r->code), r->exit);
		assert_non_null(lxf_code_text(r->code));
		assert_true(strlen(lxf_code_text(r->code)) > 0);
		/* A caller holding a return value may pass it negative. */
		assert_int_equal(lxf_code_http(-r->code), r->http);
	}
	assert_int_equal(lxf_code_exit(LXF_OK), 0);
	assert_string_equal(lxf_code_text(LXF_ENOENT), "not found");
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(lxf_code_name(LXF_CODE_MAX), "EINTERNAL");
	assert_string_equal(lxf_code_name(9999), "EINTERNAL");
	assert_string_equal(lxf_code_name(-9999), "EINTERNAL");
	assert_int_equal(lxf_code_http(INT32_MIN), 500);
	assert_int_equal(lxf_code_exit(12345), 1);
}

static void test_from_http(void **state)
{
	(void)state;
	assert_int_equal(lxf_code_from_http(400), LXF_EINVAL);
	assert_int_equal(lxf_code_from_http(403), LXF_EPERM);
	assert_int_equal(lxf_code_from_http(404), LXF_ENOENT);
	assert_int_equal(lxf_code_from_http(405), LXF_ENOMETHOD);
	assert_int_equal(lxf_code_from_http(409), LXF_EEXIST);
	assert_int_equal(lxf_code_from_http(412), LXF_EPRECOND);
	assert_int_equal(lxf_code_from_http(413), LXF_ETOOBIG);
	assert_int_equal(lxf_code_from_http(501), LXF_ENOTSUP);
	assert_int_equal(lxf_code_from_http(503), LXF_EUNAVAIL);
	assert_int_equal(lxf_code_from_http(504), LXF_ETIMEDOUT);
	assert_int_equal(lxf_code_from_http(500), LXF_EINTERNAL);
	assert_int_equal(lxf_code_from_http(418), LXF_EINTERNAL);
	assert_int_equal(lxf_code_from_http(502), LXF_EINTERNAL);
	/* Every code the daemon sends maps back to something with the same status class. */
	for (int c = 1; c < LXF_EUSAGE; c++)
		assert_int_equal(lxf_code_http(lxf_code_from_http(lxf_code_http(c))),
				 lxf_code_http(c));
}

static void test_set(void **state)
{
	struct lxf_err err;

	(void)state;
	lxf_err_clear(&err);
	assert_int_equal(err.code, 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(lxf_err_set(&err, LXF_ENOENT, "container '%s' not found", "c1"),
			 -LXF_ENOENT);
	assert_int_equal(err.code, LXF_ENOENT);
	assert_int_equal(err.sys_errno, 0);
	assert_string_equal(err.msg, "container 'c1' not found");
	/* NULL err is allowed and still returns the code. */
	assert_int_equal(lxf_err_set(NULL, LXF_EBUSY, "x"), -LXF_EBUSY);
	lxf_err_clear(NULL);
}

static void test_truncation(void **state)
{
	struct lxf_err err;
	char big[1000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lxf_err_set(&err, LXF_EINVAL, "%s", big);
	assert_int_equal(strlen(err.msg), LXF_ERR_MSG_MAX - 1);
	lxf_err_prefix(&err, "ctx");
	assert_int_equal(strlen(err.msg), LXF_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "ctx: aaa", 8);
}

static void test_sys_and_prefix(void **state)
{
	struct lxf_err err;

	(void)state;
	assert_int_equal(lxf_err_sys(&err, LXF_EIO, ENOENT, "cannot open %s", "/x"), -LXF_EIO);
	assert_int_equal(err.code, LXF_EIO);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_string_equal(err.msg, "cannot open /x: No such file or directory");
	lxf_err_prefix(&err, "loading %s", "remotes");
	assert_int_equal(err.code, LXF_EIO);
	assert_string_equal(err.msg, "loading remotes: cannot open /x: No such file or directory");
	lxf_err_prefix(NULL, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_rows), cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_from_http),  cmocka_unit_test(test_set),
	    cmocka_unit_test(test_truncation), cmocka_unit_test(test_sys_and_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
