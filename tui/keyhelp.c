/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The help view and the status hint line, made from the key table
 * (keys.c): a key has one row, and its help is written there only. The
 * help lists the keys of the table mode, a section at a time; two entries
 * share a line when both fit in the narrowest terminal lxf-tui runs in.
 * Every view's hint line names its own keys (tui_hint_groups).
 */
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define HELP_WIDTH     80 /* draw.c's MIN_COLS: every line fits */
#define HELP_KEY_W     16 /* the key column, after a 2-blank indent */
#define HELP_LEFT_W    27 /* the left entry's text; a longer one ends in ';' */
#define HELP_RIGHT_KEY 45 /* where the right entry's key starts, at the least */
#define HELP_RIGHT_TXT 56 /* where the right entry's text starts, at the least */

static const char *const help_sections[] = {
    [TUI_KS_NAV] = "Navigation",
    [TUI_KS_ACTIONS] = "Actions (on the marked containers, else the one under the cursor)",
};

static const char help_footer[] = "Confirm boxes default to Cancel: y runs, any other key cancels.";

/* The help entries: the table mode's rows, one per run of rows with one label. */
static size_t help_entries(const struct tui_key **e, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < tui_nkeys && n < max; i++) {
		const struct tui_key *k = &tui_keys[i];

		if (!(k->modes & TUI_KM(TUI_M_TABLE)))
			continue;
		if (n && strcmp(e[n - 1]->label, k->label) == 0)
			continue;
		e[n++] = k;
	}
	return n;
}

/* Writes a, and b beside it when both fit: returns false (a alone) when not. */
static bool help_line(char *buf, size_t len, const struct tui_key *a, const struct tui_key *b)
{
	int left = snprintf(buf, len, "  %-*s%s", HELP_KEY_W, a->label, a->help), key, txt;
	bool over = strlen(a->help) > HELP_LEFT_W;

	if (!b || b->section != a->section || left < 0)
		return false;
	key = left + (over ? 1 : 0) + 2;
	if (key < HELP_RIGHT_KEY)
		key = HELP_RIGHT_KEY;
	txt = key + (int)strlen(b->label) + 2;
	if (txt < HELP_RIGHT_TXT)
		txt = HELP_RIGHT_TXT;
	if (txt + (int)strlen(b->help) > HELP_WIDTH || (size_t)HELP_WIDTH >= len)
		return false;
	(void)snprintf(buf + left, len - (size_t)left, "%s%*s%-*s%s", over ? ";" : "",
		       key - left - (over ? 1 : 0), "", txt - key, b->label, b->help);
	return true;
}

size_t tui_help_build(char (*lines)[TUI_HELP_COLS], size_t max)
{
	const struct tui_key *e[TUI_HELP_LINES * 2];
	size_t ne = help_entries(e, sizeof(e) / sizeof(e[0])), n = 0;

	for (size_t i = 0; i < ne && n + 2 < max; i++) {
		if (i == 0 || e[i]->section != e[i - 1]->section)
			(void)snprintf(lines[n++], TUI_HELP_COLS, "%s",
				       help_sections[e[i]->section]);
		if (help_line(lines[n++], TUI_HELP_COLS, e[i], i + 1 < ne ? e[i + 1] : NULL))
			i++;
	}
	if (n < max)
		(void)snprintf(lines[n++], TUI_HELP_COLS, "%s", help_footer);
	return n;
}

void tui_hint_build(enum tui_mode mode, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t g = 0; g < TUI_HINT_GROUPS && tui_hint_groups[mode][g]; g++) {
		const char *keys = tui_hint_groups[mode][g];
		size_t nk = strlen(keys);

		for (size_t pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < nk; i++) {
				const struct tui_key *k = tui_key_find(mode, keys[i]);
				const struct tui_key *prev =
				    i ? tui_key_find(mode, keys[i - 1]) : NULL;
				const char *sep = i ? "/" : pass ? ":" : g ? "  " : "";
				int w;

				/* Keys of one meaning (Esc/q: back) show it once. */
				if (!k || !k->hint ||
				    (pass && prev && prev->hint &&
				     strcmp(prev->hint, k->hint) == 0))
					continue;
				w = snprintf(buf + off, len - off, "%s%s", sep,
					     pass ? k->hint : k->label);
				if (w < 0 || (size_t)w >= len - off)
					return;
				off += (size_t)w;
			}
	}
}
