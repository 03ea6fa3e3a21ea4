/* SPDX-License-Identifier: Apache-2.0 */
/* "Did you mean" (common/suggest.c): the distance and which word is offered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "suggest.h"

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(lxf_suggest_distance("list", "list", 3), 0);
	/* A swap of neighbours is one step (plain Levenshtein says 2). */
	assert_int_equal(lxf_suggest_distance("lsit", "list", 3), 1);
	assert_int_equal(lxf_suggest_distance("lst", "list", 3), 1);
	assert_int_equal(lxf_suggest_distance("lisst", "list", 3), 1);
	assert_int_equal(lxf_suggest_distance("lust", "list", 3), 1);
	assert_int_equal(lxf_suggest_distance("", "abc", 3), 3);
	assert_int_equal(lxf_suggest_distance("kitten", "sitting", 5), 3);
	/* Past the cap, and for words too long to compare: cap + 1. */
	assert_int_equal(lxf_suggest_distance("kitten", "sitting", 2), 3);
	assert_int_equal(lxf_suggest_distance("a", "abcdefgh", 2), 3);
	{
		char big[80];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(lxf_suggest_distance(big, big, 2), 3);
	}
}

static void test_suggest(void **state)
{
	static const char *const cmds[] = {"list", "launch", "delete", "info", NULL, "image"};
	static const char *const flags[] = {"force", "format", "interactive", "quiet"};
	static const char *const remotes[] = {"local", "h1", "h2", "lxd1"};

	(void)state;
	assert_string_equal(lxf_suggest("lsit", cmds, 6), "list");
	assert_string_equal(lxf_suggest("lauch", cmds, 6), "launch");
	assert_string_equal(lxf_suggest("imgae", cmds, 6), "image");
	assert_string_equal(lxf_suggest("dlete", cmds, 6), "delete");
	/* A prefix of two letters or more is one step. */
	assert_string_equal(lxf_suggest("inf", cmds, 6), "info");
	assert_string_equal(lxf_suggest("forse", flags, 4), "force");
	assert_string_equal(lxf_suggest("interactiv", flags, 4), "interactive");
	/* Ties go to the first: "h3" is one step from h1 and h2. */
	assert_string_equal(lxf_suggest("h3", remotes, 4), "h1");
	assert_string_equal(lxf_suggest("locl", remotes, 4), "local");
	/* Nothing close, an exact match, an empty word: no suggestion. */
	assert_null(lxf_suggest("xyzzy", cmds, 6));
	assert_null(lxf_suggest("list", cmds, 6));
	assert_null(lxf_suggest("", cmds, 6));
	assert_null(lxf_suggest("zz", remotes, 4));
	/* Short words allow one edit only: "ab" is not "info". */
	assert_null(lxf_suggest("ab", cmds, 6));
}

static void test_print(void **state)
{
	char buf[128] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	assert_non_null(f);
	lxf_suggest_print(f, "--", "force");
	lxf_suggest_print(f, NULL, NULL);
	lxf_suggest_print(f, NULL, "list");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "Did you mean: --force\nDid you mean: list\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_distance),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
