/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for tui/keys.c's key table and tui/keyhelp.c: no key bound
 * twice in one mode, every row helped, the help view and the hint line
 * made from the table (and unchanged from before the table), and the
 * dispatch: modes, --readonly refusals, the log view's follow.
 */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

/* The help view as it was written by hand before the key table. */
static const char *const help_expected[] = {
    "Navigation",
    "  Up/Down j/k     move the cursor            PgUp/PgDn  page",
    "  g / G           first / last row           Esc        back to the table",
    "  Enter           details of the container (config, devices, state, snapshots)",
    "  l               log view (events and command output; follows the tail)",
    "  h               host panel (Up/Down to choose a host, Esc back)",
    "  /               filter: words match names; host:NAME, state:running",
    "  < >             sort by the previous / next column;  I  invert the sort",
    "  :               run an lxf command (Tab completes command names)",
    "  ?               this help                  q          quit",
    "  Ctrl-R          retry the hosts that are down now, re-read the others",
    "Actions (on the marked containers, else the one under the cursor)",
    "  Space           mark / unmark              u          unmark all",
    "  S               start                      T          stop (confirm)",
    "  R               restart (confirm)          F          freeze / unfreeze",
    "  N               snapshot                   D          delete (confirm)",
    "  e               shell (sh) in the container  c        console",
    "  m               move: pick up, choose a host in the panel, Enter drops",
    "  mouse           drag a container row onto a host row to move it",
    "Confirm boxes default to Cancel: Tab or arrows choose, Enter runs, Esc cancels.",
};

static const char hint_expected[] =
    "?:help  /:filter  ::command  Enter:details  l:log  Space:mark  "
    "S/T/R:start/stop/restart  q:quit";

static void test_no_key_twice_in_a_mode(void **state)
{
	(void)state;
	for (size_t i = 0; i < tui_nkeys; i++)
		for (size_t j = i + 1; j < tui_nkeys; j++) {
			if (tui_keys[i].key != tui_keys[j].key ||
			    !(tui_keys[i].modes & tui_keys[j].modes))
				continue;
			fail_msg("key %d (%s) bound twice: rows %zu and %zu", tui_keys[i].key,
				 tui_keys[i].label, i, j);
		}
}

static void test_every_row_complete(void **state)
{
	(void)state;
	assert_true(tui_nkeys > 30);
	for (size_t i = 0; i < tui_nkeys; i++) {
		const struct tui_key *k = &tui_keys[i];

		assert_non_null(k->handler);
		assert_true(k->modes != 0 && (k->modes & ~(unsigned)TUI_KM_ALL) == 0);
		assert_non_null(k->label);
		assert_non_null(k->help);
		assert_true(k->label[0] && k->help[0]);
		/* A refusal names what it refuses; a confirm is for an action. */
		if (k->writes || k->confirm)
			assert_non_null(k->verb);
		if (k->confirm)
			assert_true(k->writes);
		assert_int_equal(tui_key_find(TUI_M_TABLE, k->key) == k,
				 (k->modes & TUI_KM(TUI_M_TABLE)) != 0);
	}
}

static void test_help_view_from_table(void **state)
{
	static char lines[TUI_HELP_LINES][TUI_HELP_COLS];
	size_t n = tui_help_build(lines, TUI_HELP_LINES);
	size_t ne = sizeof(help_expected) / sizeof(help_expected[0]);

	(void)state;
	for (size_t i = 0; i < n && i < ne; i++)
		assert_string_equal(lines[i], help_expected[i]);
	assert_int_equal(n, ne);
	/* Every key of the table mode is there, by its label and its help. */
	for (size_t i = 0; i < tui_nkeys; i++) {
		const struct tui_key *k = &tui_keys[i];
		bool found = false;

		if (!(k->modes & TUI_KM(TUI_M_TABLE)))
			continue;
		for (size_t l = 0; l < n && !found; l++) {
			const char *at = strstr(lines[l], k->label);

			found = at && strstr(at, k->help);
		}
		if (!found)
			fail_msg("key %s (%s) not in the help", k->label, k->help);
	}
	/* Within the narrowest terminal (80 columns). */
	for (size_t l = 0; l < n; l++)
		assert_true(strlen(lines[l]) <= 80);
	/* A short buffer gets fewer lines, never more. */
	assert_true(tui_help_build(lines, 3) <= 3);
}

static void test_hint_from_table(void **state)
{
	char hint[200], small[20];

	(void)state;
	tui_hint_build(hint, sizeof(hint));
	assert_string_equal(hint, hint_expected);
	for (size_t g = 0; g < tui_nhint_groups; g++)
		for (const char *c = tui_hint_groups[g]; *c; c++) {
			const struct tui_key *k = tui_key_find(TUI_M_TABLE, *c);

			assert_non_null(k);
			assert_non_null(k->hint);
			assert_non_null(strstr(hint, k->hint));
		}
	tui_hint_build(small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
}

/* --- dispatch through tui_key(), on an empty fleet (no terminal needed) --- */

static struct tui_model model;
static struct tui_ui ui;

static int ui_setup(void **state)
{
	(void)state;
	assert_int_equal(tui_model_init(&model), 0);
	memset(&ui, 0, sizeof(ui));
	ui.m = &model;
	ui.view_dirty = true;
	return 0;
}

static int ui_teardown(void **state)
{
	(void)state;
	free(ui.view);
	ui.view = NULL;
	tui_model_fini(&model);
	return 0;
}

static void test_readonly_refusals(void **state)
{
	static const struct {
		int key;
		const char *msg;
	} cases[] = {
	    {'S', "read-only mode (--readonly): start refused"},
	    {'T', "read-only mode (--readonly): stop refused"},
	    {'R', "read-only mode (--readonly): restart refused"},
	    {'D', "read-only mode (--readonly): delete refused"},
	    {'N', "read-only mode (--readonly): snapshot refused"},
	    {'F', "read-only mode (--readonly): pause refused"},
	    {'e', "read-only mode (--readonly): exec refused"},
	    {'c', "read-only mode (--readonly): console refused"},
	    {'m', "read-only mode (--readonly): move refused"},
	    {':', "read-only mode (--readonly): the command prompt refused"},
	};

	(void)state;
	ui.readonly = true;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tui_key(&ui, cases[i].key);
		assert_string_equal(ui.msg, cases[i].msg);
		assert_int_equal(ui.input, TUI_IN_NONE);
		assert_false(ui.moving);
	}
	/* Reading keys still work. */
	tui_key(&ui, '/');
	assert_int_equal(ui.input, TUI_IN_FILTER);
}

static void test_no_container_selected(void **state)
{
	(void)state;
	tui_key(&ui, 'T');
	assert_string_equal(ui.msg, "no container selected");
	assert_int_equal(ui.input, TUI_IN_NONE);
	tui_key(&ui, ':');
	assert_int_equal(ui.input, TUI_IN_CMD);
}

static void test_modes(void **state)
{
	(void)state;
	tui_key(&ui, '?');
	assert_int_equal(ui.mode, TUI_M_HELP);
	tui_key(&ui, 'S'); /* a table key does nothing in the help */
	assert_string_equal(ui.msg, "");
	tui_key(&ui, 27);
	assert_int_equal(ui.mode, TUI_M_TABLE);
	tui_key(&ui, 'h');
	assert_int_equal(ui.mode, TUI_M_HOSTS);
	tui_key(&ui, 'l');
	assert_int_equal(ui.mode, TUI_M_LOG);
	assert_true(ui.log_follow);
	/* In the log, any key but a global one stops following; G follows again. */
	tui_key(&ui, 'x');
	assert_false(ui.log_follow);
	tui_key(&ui, 'G');
	assert_true(ui.log_follow);
	tui_key(&ui, KEY_UP);
	assert_false(ui.log_follow);
	tui_key(&ui, KEY_END);
	assert_true(ui.log_follow);
	tui_key(&ui, KEY_RESIZE);
	assert_true(ui.log_follow);
	ui.log_top = 5;
	tui_key(&ui, 'g');
	assert_int_equal(ui.log_top, 0);
	tui_key(&ui, 'j');
	assert_int_equal(ui.log_top, 1);
	tui_key(&ui, 'q');
	assert_true(ui.quit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_key_twice_in_a_mode),
	    cmocka_unit_test(test_every_row_complete),
	    cmocka_unit_test(test_help_view_from_table),
	    cmocka_unit_test(test_hint_from_table),
	    cmocka_unit_test_setup_teardown(test_readonly_refusals, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_no_container_selected, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_modes, ui_setup, ui_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
