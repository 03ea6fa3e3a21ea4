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

#include "keys.h"

/* The help view as it was written by hand before the key table. */
/* The help view: every key of the table mode (issue #17 added Esc, L, q, Ctrl-C, V, Ctrl-A, n). */
/* The hosts h1 and h2 (tui_model_add_host borrows them). */
static struct lxf_remote test_rems[2] = {{.name = (char *)"h1"}, {.name = (char *)"h2"}};

static const char *const help_expected[] = {
    "Navigation",
    "  Up/Down j/k     move the cursor            PgUp/PgDn  page",
    "  g / G           first / last row           Esc        back / clear the filter",
    "  Enter           details of the container (config, devices, state, snapshots)",
    "  l               the container's console log  L        the fleet's event log",
    "  o               CPU, memory, network graphs",
    "  h               host panel (Up/Down to choose a host, Esc back)",
    "  /               filter: names, hosts, HOST:NAME, state:running",
    "  < >             sort by the previous / next column;  I  invert the sort",
    "  :               run an lxf command (Tab completes);  ?  this help",
    "  q               quit (in other views: back)  Ctrl-C   quit (exit status 0)",
    "  Ctrl-R          retry the hosts that are down now, re-read the others",
    "Actions (on the marked containers, else the one under the cursor)",
    "  Space           mark / unmark              V Ctrl-Space  mark up to the cursor",
    "  Ctrl-A          mark every row shown       u          unmark all",
    "  S               start                      T          stop (confirm)",
    "  R               restart (confirm)          F          freeze / unfreeze",
    "  N               snapshot                   D          delete (confirm)",
    "  e               shell (sh) in the container  c        console",
    "  n               launch: host, image, name  m          move to a host",
    "  mouse           click a header: sort; drag a row onto a host: move",
    "Confirm boxes default to Cancel: y runs, any other key cancels.",
};

static const char hint_expected[] =
    "?:help  /:filter  ::command  Enter:details  o:graphs  l:log  Space:mark  "
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
	tui_hint_build(TUI_M_TABLE, hint, sizeof(hint));
	assert_string_equal(hint, hint_expected);
	/* Every view names its own keys, each bound there with a hint word. */
	for (int m = 0; m < TUI_M_N; m++) {
		tui_hint_build((enum tui_mode)m, hint, sizeof(hint));
		assert_true(hint[0]);
		for (size_t g = 0; g < TUI_HINT_GROUPS && tui_hint_groups[m][g]; g++)
			for (const char *c = tui_hint_groups[m][g]; *c; c++) {
				const struct tui_key *k = tui_key_find((enum tui_mode)m, *c);

				assert_non_null(k);
				assert_non_null(k->hint);
				assert_non_null(strstr(hint, k->hint));
			}
	}
	tui_hint_build(TUI_M_DETAILS, hint, sizeof(hint));
	assert_string_equal(hint, "Up/Down j/k:scroll  s:snapshots  N:snapshot  l:log  Esc/q:back  "
				  "?:help");
	tui_hint_build(TUI_M_SNAPS, hint, sizeof(hint));
	assert_string_equal(hint,
			    "Up/Down j/k:choose  N:snapshot  r:restore  D:delete  Esc/q:back");
	tui_hint_build(TUI_M_PICK, hint, sizeof(hint));
	assert_string_equal(hint, "Up/Down j/k:choose  Enter:pick  Esc/q:back");
	tui_hint_build(TUI_M_TABLE, small, sizeof(small));
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
	free(ui.targets);
	free(ui.target_host);
	tui_filter_fini(&ui.filter);
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
	tui_key(&ui, 'L');
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
	/* q goes back from every view; only in the table does it quit. */
	for (int m = 0; m < TUI_M_N; m++) {
		if (m == TUI_M_TABLE)
			continue;
		ui.mode = (enum tui_mode)m;
		tui_key(&ui, 'q');
		assert_false(ui.quit);
		assert_int_equal(ui.mode, m == TUI_M_SNAPS ? TUI_M_DETAILS : TUI_M_TABLE);
	}
	ui.mode = TUI_M_TABLE;
	tui_key(&ui, 'q');
	assert_true(ui.quit);
}

/* Ctrl-C quits from anywhere, a prompt or a confirm too (main then exits 0). */
static void test_ctrl_c(void **state)
{
	(void)state;
	tui_key(&ui, ':');
	assert_int_equal(ui.input, TUI_IN_CMD);
	tui_key(&ui, 3);
	assert_true(ui.quit);
}

static int confirmed;
static void confirm_run(struct tui_ui *u)
{
	(void)u;
	confirmed++;
}

/* y and Y accept a confirm; any other key cancels it; Tab/arrows choose. */
static void test_confirm_keys(void **state)
{
	static const int cancel[] = {'n', 'x', 27, 'q', ' ', '\r'};

	(void)state;
	confirmed = 0;
	tui_confirm(&ui, confirm_run, "Stop 1 container: h1:a?");
	tui_key(&ui, 'y');
	assert_int_equal(confirmed, 1);
	assert_int_equal(ui.input, TUI_IN_NONE);
	tui_confirm(&ui, confirm_run, "x");
	tui_key(&ui, 'Y');
	assert_int_equal(confirmed, 2);
	for (size_t i = 0; i < sizeof(cancel) / sizeof(cancel[0]); i++) {
		tui_confirm(&ui, confirm_run, "x");
		tui_key(&ui, KEY_RESIZE); /* not an answer */
		assert_int_equal(ui.input, TUI_IN_CONFIRM);
		tui_key(&ui, cancel[i]);
		assert_int_equal(ui.input, TUI_IN_NONE);
		assert_string_equal(ui.msg, "cancelled");
	}
	assert_int_equal(confirmed, 2);
	tui_confirm(&ui, confirm_run, "x");
	tui_key(&ui, '\t');
	tui_key(&ui, '\r');
	assert_int_equal(confirmed, 3);
}

/* Rows a1, a2 on h1 and b1 on h2, a2 running. */
static void add_rows(void)
{
	static const char *const rows[][3] = {
	    {"h1", "a1", "Stopped"}, {"h1", "a2", "Running"}, {"h2", "b1", "Stopped"}};

	assert_int_equal(tui_model_add_host(&model, &test_rems[0]), 0);
	assert_int_equal(tui_model_add_host(&model, &test_rems[1]), 0);
	for (size_t i = 0; i < 3; i++) {
		char js[160];
		struct json_object *o;

		(void)snprintf(js, sizeof(js), "{\"name\": \"%s\", \"status\": \"%s\"}", rows[i][1],
			       rows[i][2]);
		o = json_tokener_parse(js);
		assert_non_null(o);
		assert_int_equal(tui_model_upsert(&model, rows[i][0][1] == '1' ? 0 : 1, o, 0), 0);
		json_object_put(o);
	}
	ui.view_dirty = true;
}

static size_t nmarked(void)
{
	size_t n = 0;

	for (size_t i = 0; i < model.n; i++)
		n += model.rows[i].marked;
	return n;
}

static void type(const char *s)
{
	for (; *s; s++)
		tui_key(&ui, *s);
}

/* Ctrl-A marks the rows shown; V marks from the row marked last to the cursor. */
static void test_marks(void **state)
{
	(void)state;
	add_rows();
	tui_key(&ui, '/');
	type("h1");
	tui_key(&ui, '\r');
	tui_key(&ui, 1); /* Ctrl-A */
	assert_int_equal(nmarked(), 2);
	tui_key(&ui, 'u');
	assert_int_equal(nmarked(), 0);
	tui_key(&ui, 27); /* clears the filter */
	assert_string_equal(ui.filter_text, "");
	tui_key(&ui, 'V'); /* nothing marked with Space yet */
	assert_int_equal(nmarked(), 0);
	tui_key(&ui, 'g');
	tui_key(&ui, ' '); /* marks a1, the cursor goes to a2 */
	tui_key(&ui, 'G');
	tui_key(&ui, 'V');
	assert_int_equal(nmarked(), 3);
}

/* o shows the graphs of the cursor's container; j/k there go to the next; Esc back. */
static void test_graphs_key(void **state)
{
	(void)state;
	tui_key(&ui, 'o'); /* no rows yet */
	assert_int_equal(ui.mode, TUI_M_TABLE);
	assert_string_equal(ui.msg, "no container to graph");
	add_rows();
	tui_view_rebuild(&ui);
	tui_key(&ui, 'o');
	assert_int_equal(ui.mode, TUI_M_GRAPHS);
	tui_key(&ui, 'j');
	assert_int_equal(ui.cur, 1);
	assert_int_equal(ui.mode, TUI_M_GRAPHS);
	tui_key(&ui, 'k');
	assert_int_equal(ui.cur, 0);
	tui_key(&ui, 'S'); /* no action from the graphs */
	assert_int_equal(ui.input, TUI_IN_NONE);
	tui_key(&ui, 27);
	assert_int_equal(ui.mode, TUI_M_TABLE);
}

/* The filter matches hosts (h2) and HOST:NAME; / again shows the old one selected. */
static void test_filter_prompt(void **state)
{
	(void)state;
	add_rows();
	tui_key(&ui, '/');
	type("h2");
	tui_key(&ui, '\r');
	tui_view_rebuild(&ui);
	assert_int_equal(ui.nview, 1);
	tui_key(&ui, '/');
	assert_string_equal(ui.in, "h2");
	assert_true(ui.line.sel);
	type("h1:a"); /* replaces h2 */
	assert_string_equal(ui.filter_text, "h1:a");
	tui_view_rebuild(&ui);
	assert_int_equal(ui.nview, 2);
	tui_key(&ui, KEY_LEFT);
	tui_key(&ui, KEY_LEFT);
	tui_key(&ui, KEY_BACKSPACE); /* h1:a -> h:a */
	assert_string_equal(ui.in, "h:a");
	tui_key(&ui, 21); /* Ctrl-U */
	assert_string_equal(ui.in, ":a");
	tui_key(&ui, 27); /* Esc in the prompt clears the filter */
	assert_string_equal(ui.filter_text, "");
	tui_key(&ui, '/');
	type("host:h1 a2");
	tui_key(&ui, '\r');
	tui_view_rebuild(&ui);
	assert_int_equal(ui.nview, 1);
	/* Up walks this prompt's history: the last filter, then the one before. */
	tui_key(&ui, '/');
	tui_key(&ui, KEY_UP);
	assert_string_equal(ui.in, "host:h1 a2");
	tui_key(&ui, KEY_UP);
	assert_string_equal(ui.in, "h2");
	tui_key(&ui, 23); /* Ctrl-W */
	assert_string_equal(ui.in, "");
	tui_key(&ui, 27);
	/* Esc in the table clears an applied filter. */
	tui_key(&ui, '/');
	type("b1");
	tui_key(&ui, '\r');
	assert_int_equal(ui.input, TUI_IN_NONE);
	tui_key(&ui, 27);
	assert_string_equal(ui.filter_text, "");
	assert_string_equal(ui.msg, "filter cleared");
}

/* Tab in ":" completes at the cursor and keeps the rest without a doubled blank. */
static void test_cmd_complete(void **state)
{
	(void)state;
	tui_key(&ui, ':');
	type("resta h1:a");
	for (int i = 0; i < 5; i++)
		tui_key(&ui, KEY_LEFT);
	tui_key(&ui, '\t');
	assert_string_equal(ui.in, "restart h1:a");
	assert_int_equal(ui.line.cur, 8);
	tui_key(&ui, 27);
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
	    cmocka_unit_test_setup_teardown(test_ctrl_c, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_confirm_keys, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_marks, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_filter_prompt, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_graphs_key, ui_setup, ui_teardown),
	    cmocka_unit_test_setup_teardown(test_cmd_complete, ui_setup, ui_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
