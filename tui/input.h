/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_INPUT_H
#define LXF_TUI_INPUT_H

/*
 * The console's line editor: a text buffer with a cursor, the edits of
 * readline's emacs mode that people type without thinking (Ctrl-U, Ctrl-W,
 * Ctrl-A/E, Left/Right, Backspace/Delete anywhere) and a history per
 * prompt, kept across runs in a file. Pure: no curses; keys.c maps the
 * terminal's keys to these operations and draws the result.
 */

#include <stdbool.h>
#include <stddef.h>

#define TUI_LINE_MAX 256 /* bytes of a line, with its NUL */
#define TUI_HIST_MAX 100 /* lines kept per history, oldest dropped first */

/*
 * A line being edited. sel: the whole text is selected (the old filter
 * shown again): typing a character replaces it, an edit or a move keeps it.
 */
struct tui_line {
	char buf[TUI_LINE_MAX];
	size_t len, cur;
	bool sel;
};

enum tui_edit {
	TUI_ED_INSERT,    /* the character ch at the cursor */
	TUI_ED_BACKSPACE, /* the character before the cursor */
	TUI_ED_DELETE,    /* the character under the cursor */
	TUI_ED_LEFT,
	TUI_ED_RIGHT,
	TUI_ED_HOME,
	TUI_ED_END,
	TUI_ED_KILL_START, /* Ctrl-U: from the start to the cursor */
	TUI_ED_KILL_END,   /* Ctrl-K: from the cursor to the end */
	TUI_ED_KILL_WORD,  /* Ctrl-W: the blanks, then the word, before the cursor */
};

/* Sets the line to s (cut to fit), the cursor at its end; sel as given. */
void tui_line_set(struct tui_line *l, const char *s, bool sel);

/* Applies op (ch for TUI_ED_INSERT: printable ASCII). Returns true when the text changed. */
bool tui_line_edit(struct tui_line *l, enum tui_edit op, int ch);

/* Inserts s at the cursor (a completion), as far as it fits. */
void tui_line_insert(struct tui_line *l, const char *s);

/*
 * A prompt's history: the lines entered, oldest first. pos walks it with
 * Up/Down (pos == n: the line being typed, kept in draft meanwhile).
 */
struct tui_hist {
	char v[TUI_HIST_MAX][TUI_LINE_MAX];
	size_t n, pos;
	char draft[TUI_LINE_MAX];
	bool loaded;
};

/* Adds line (not empty, not the same as the newest) and resets the walk. */
void tui_hist_add(struct tui_hist *h, const char *line);
/* Starts a walk at the newest end (a prompt opens). */
void tui_hist_reset(struct tui_hist *h);
/*
 * Up (dir -1) or Down (+1) through h from the line l: l gets the older or
 * newer entry, the draft back below the newest. Returns false at an end.
 */
bool tui_hist_step(struct tui_hist *h, struct tui_line *l, int dir);

/*
 * Reads path (one line an entry; a missing file is an empty history) and
 * saves h to path (written to a temporary file, renamed over it, mode
 * 0600). Return 0 or a negative lxf_code (a missing file loads as 0).
 */
int tui_hist_load(struct tui_hist *h, const char *path);
int tui_hist_save(const struct tui_hist *h, const char *path);

#endif
