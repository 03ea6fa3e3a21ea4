/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon/api/extensions.def: GET /1.0 advertises exactly its implemented
 * rows, each name once, and doc/api-extensions.md says the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"

struct row {
	const char *name, *status, *why;
};

static const struct row rows[] = {
#define LXF_EXT(name, status, why) {#name, #status, why},
#include "extensions.def"
#undef LXF_EXT
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void test_advertised_is_yes_rows(void **state)
{
	size_t n, k = 0;
	const char *const *ext = api_extensions(&n);

	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		if (strcmp(rows[i].status, "YES") != 0)
			continue;
		assert_true(k < n);
		assert_string_equal(ext[k], rows[i].name);
		k++;
	}
	assert_int_equal(k, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(ext[i], ext[j]);
}

static void test_rows_unique_and_explained(void **state)
{
	(void)state;
	/* LXD 5.0.2 has 317; the rest are later ones lxfd implements. */
	assert_true(NROWS >= 317);
	for (size_t i = 0; i < NROWS; i++) {
		assert_true(!strcmp(rows[i].status, "YES") || !strcmp(rows[i].status, "NO") ||
			    !strcmp(rows[i].status, "NA"));
		assert_true(strlen(rows[i].why) > 0);
		for (size_t j = i + 1; j < NROWS; j++)
			assert_string_not_equal(rows[i].name, rows[j].name);
	}
}

/* The doc has one "| `name` | status | why |" line per row, in order. */
static void test_doc_matches(void **state)
{
	FILE *f = fopen(LXF_EXT_DOC, "re");
	char line[512];
	size_t i = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char want[512];
		const char *st;

		if (strncmp(line, "| `", 3) != 0)
			continue;
		assert_true(i < NROWS);
		st = !strcmp(rows[i].status, "YES")  ? "implemented"
		     : !strcmp(rows[i].status, "NA") ? "not applicable"
						     : "not implemented";
		snprintf(want, sizeof(want), "| `%s` | %s | %s |\n", rows[i].name, st, rows[i].why);
		if (strcmp(line, want) != 0)
			fail_msg(
			    "%s line %zu: got \"%s\", want \"%s\" (run scripts/api-extensions)",
			    LXF_EXT_DOC, i + 1, line, want);
		i++;
	}
	(void)fclose(f);
	assert_int_equal(i, NROWS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_advertised_is_yes_rows),
	    cmocka_unit_test(test_rows_unique_and_explained),
	    cmocka_unit_test(test_doc_matches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
