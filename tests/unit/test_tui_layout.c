/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for tui/layout.c: text cut with an ellipsis, columns sized to their content by priority. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <string.h>

#include "tui.h"

static void test_fit(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(tui_fit("c1", 8, true, false, out, sizeof(out)), 2);
	assert_string_equal(out, "c1");
	/* A cut always ends in the ellipsis, in the width given. */
	assert_int_equal(tui_fit("busybox 1.36.1 amd64", 10, true, false, out, sizeof(out)), 10);
	assert_string_equal(out, "busybox 1\u2026");
	assert_int_equal(tui_fit("busybox 1.36.1 amd64", 10, false, false, out, sizeof(out)), 10);
	assert_string_equal(out, "busybox 1~");
	/* Exactly the width: no cut. */
	assert_int_equal(tui_fit("abcdef", 6, true, false, out, sizeof(out)), 6);
	assert_string_equal(out, "abcdef");
	/* UTF-8 counts characters, not bytes. */
	assert_int_equal(tui_text_cols("d\u00e9j\u00e0", true), 4);
	assert_int_equal(tui_fit("d\u00e9j\u00e0 vu", 5, true, false, out, sizeof(out)), 5);
	assert_string_equal(out, "d\u00e9j\u00e0\u2026");
	/* Prose is cut after a word, not inside one. */
	tui_fit("cannot connect to unix:///run/h2.sock: Connection refused", 30, true, true, out,
		sizeof(out));
	assert_string_equal(out, "cannot connect to\u2026");
	tui_fit("?:help  /:filter  ::command  Enter:details", 20, true, true, out, sizeof(out));
	assert_string_equal(out, "?:help  /:filter\u2026");
	/* One long word: cut inside it all the same. */
	tui_fit("abcdefghijklmnop", 8, true, true, out, sizeof(out));
	assert_string_equal(out, "abcdefg\u2026");
	assert_int_equal(tui_fit("abc", 0, true, false, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* REMOTE NAME STATE IPV4 CPU MEMORY IMAGE, as draw.c gives them. */
static struct tui_colspec cols[7] = {
    {6, 6, 2}, {4, 4, 0}, {7, 7, 1}, {10, 10, 4}, {6, 6, 5}, {9, 9, 3}, {31, 10, 6},
};

static void test_layout_wide(void **state)
{
	int w[7];

	(void)state;
	/* 160 columns and short names: every column as wide as its content,
	 * none wider; the spare width is left over. */
	assert_int_equal(tui_layout(cols, 7, 158, w), 6 + 4 + 7 + 10 + 6 + 9 + 31 + 6);
	assert_int_equal(w[0], 6);
	assert_int_equal(w[1], 4);
	assert_int_equal(w[6], 31);
}

static void test_layout_narrow(void **state)
{
	struct tui_colspec c[7];
	int w[7];

	(void)state;
	memcpy(c, cols, sizeof(c));
	/* 80 columns: IMAGE, the lowest priority, is cut first. */
	assert_int_equal(tui_layout(c, 7, 78, w), 78);
	assert_int_equal(w[6], 78 - (6 + 4 + 7 + 10 + 6 + 9) - 6);
	/* A long name: NAME (priority 0) widens before IMAGE does. */
	c[1] = (struct tui_colspec){40, 8, 0};
	assert_int_equal(tui_layout(c, 7, 78, w), 78);
	assert_int_equal(w[6], 10);
	assert_int_equal(w[1], 78 - (6 + 7 + 10 + 6 + 9 + 10) - 6);
	/* Narrower than the minimums: IMAGE, then CPU go... */
	assert_int_equal(tui_layout(c, 7, 50, w), 50);
	assert_true(w[6] == 0 && w[4] == 0 && w[3] == 10);
	assert_int_equal(w[1], 50 - (6 + 7 + 10 + 9) - 4);
	/* ...then IPV4. */
	assert_int_equal(tui_layout(c, 7, 40, w), 40);
	assert_true(w[6] == 0 && w[4] == 0 && w[3] == 0);
	assert_true(w[0] == 6 && w[2] == 7 && w[5] == 9);
	assert_int_equal(w[1], 40 - 6 - 7 - 9 - 3);
	/* Priority 0 stays whatever the width. */
	tui_layout(c, 7, 5, w);
	assert_int_equal(w[1], 8);
	for (int i = 0; i < 7; i++)
		assert_true(i == 1 || w[i] == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fit),
	    cmocka_unit_test(test_layout_wide),
	    cmocka_unit_test(test_layout_narrow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
