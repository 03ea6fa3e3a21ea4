/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for tui/input.c: the line editor's edits at any cursor
 * position, the selected old text that typing replaces, and the history
 * (walk, draft, cap, a file across runs).
 */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

static void type(struct tui_line *l, const char *s)
{
	for (; *s; s++)
		(void)tui_line_edit(l, TUI_ED_INSERT, *s);
}

static void test_edits(void **state)
{
	struct tui_line l;

	(void)state;
	tui_line_set(&l, "", false);
	type(&l, "list h1:");
	assert_string_equal(l.buf, "list h1:");
	(void)tui_line_edit(&l, TUI_ED_HOME, 0);
	(void)tui_line_edit(&l, TUI_ED_RIGHT, 0);
	type(&l, "X");
	assert_string_equal(l.buf, "lXist h1:");
	assert_true(tui_line_edit(&l, TUI_ED_BACKSPACE, 0));
	assert_true(tui_line_edit(&l, TUI_ED_DELETE, 0));
	assert_string_equal(l.buf, "lst h1:");
	assert_int_equal(l.cur, 1);
	(void)tui_line_edit(&l, TUI_ED_END, 0);
	assert_int_equal(l.cur, l.len);
	assert_false(tui_line_edit(&l, TUI_ED_DELETE, 0)); /* nothing under the cursor */
	assert_true(tui_line_edit(&l, TUI_ED_KILL_WORD, 0));
	assert_string_equal(l.buf, "lst ");
	type(&l, "a  ");
	assert_true(tui_line_edit(&l, TUI_ED_KILL_WORD, 0)); /* the blanks and the word */
	assert_string_equal(l.buf, "lst ");
	(void)tui_line_edit(&l, TUI_ED_LEFT, 0);
	assert_true(tui_line_edit(&l, TUI_ED_KILL_END, 0));
	assert_string_equal(l.buf, "lst");
	(void)tui_line_edit(&l, TUI_ED_LEFT, 0);
	assert_true(tui_line_edit(&l, TUI_ED_KILL_START, 0));
	assert_string_equal(l.buf, "t");
	assert_int_equal(l.cur, 0);
	(void)tui_line_edit(&l, TUI_ED_LEFT, 0); /* stays at 0 */
	assert_false(tui_line_edit(&l, TUI_ED_BACKSPACE, 0));
	assert_false(tui_line_edit(&l, TUI_ED_INSERT, '\t')); /* not printable */
	assert_string_equal(l.buf, "t");
}

static void test_selected_replaced(void **state)
{
	struct tui_line l;

	(void)state;
	tui_line_set(&l, "host:h1", true);
	assert_true(l.sel);
	type(&l, "b");
	assert_string_equal(l.buf, "b");
	tui_line_set(&l, "host:h1", true);
	(void)tui_line_edit(&l, TUI_ED_BACKSPACE, 0); /* an edit keeps the text */
	assert_string_equal(l.buf, "host:h");
	assert_false(l.sel);
	type(&l, "2");
	assert_string_equal(l.buf, "host:h2");
	tui_line_set(&l, "", true);
	assert_false(l.sel); /* nothing to select */
}

static void test_full_line(void **state)
{
	struct tui_line l;
	char big[TUI_LINE_MAX + 10];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tui_line_set(&l, big, false);
	assert_int_equal(l.len, TUI_LINE_MAX - 1);
	assert_false(tui_line_edit(&l, TUI_ED_INSERT, 'y'));
	(void)tui_line_edit(&l, TUI_ED_HOME, 0);
	tui_line_insert(&l, "abc");
	assert_int_equal(strlen(l.buf), TUI_LINE_MAX - 1);
}

static void test_history(void **state)
{
	static struct tui_hist h, h2;
	struct tui_line l;
	char dir[] = "/tmp/test_tui_input.XXXXXX", path[64];

	(void)state;
	tui_hist_add(&h, "one");
	tui_hist_add(&h, "two");
	tui_hist_add(&h, "two"); /* the same as the newest: once */
	tui_hist_add(&h, "");
	assert_int_equal(h.n, 2);
	tui_line_set(&l, "draft", false);
	assert_true(tui_hist_step(&h, &l, -1));
	assert_string_equal(l.buf, "two");
	assert_true(tui_hist_step(&h, &l, -1));
	assert_string_equal(l.buf, "one");
	assert_false(tui_hist_step(&h, &l, -1));
	assert_true(tui_hist_step(&h, &l, 1));
	assert_true(tui_hist_step(&h, &l, 1));
	assert_string_equal(l.buf, "draft"); /* back below the newest */
	assert_false(tui_hist_step(&h, &l, 1));
	for (int i = 0; i < TUI_HIST_MAX + 5; i++) {
		char s[16];

		(void)snprintf(s, sizeof(s), "c%d", i);
		tui_hist_add(&h, s);
	}
	assert_int_equal(h.n, TUI_HIST_MAX);
	assert_string_equal(h.v[0], "c5");
	/* Across runs: saved, loaded by another history. */
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/hist", dir);
	assert_int_equal(tui_hist_load(&h2, path), 0); /* missing: empty */
	assert_int_equal(h2.n, 0);
	assert_int_equal(tui_hist_save(&h, path), 0);
	assert_int_equal(tui_hist_load(&h2, path), 0);
	assert_int_equal(h2.n, TUI_HIST_MAX);
	assert_string_equal(h2.v[TUI_HIST_MAX - 1], h.v[TUI_HIST_MAX - 1]);
	tui_line_set(&l, "", false);
	assert_true(tui_hist_step(&h2, &l, -1));
	assert_string_equal(l.buf, h.v[TUI_HIST_MAX - 1]);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edits),
	    cmocka_unit_test(test_selected_replaced),
	    cmocka_unit_test(test_full_line),
	    cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
