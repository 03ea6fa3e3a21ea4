/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mouse: a click on a row selects it, a click on a column header sorts
 * by that column (again: reversed), a row dragged onto a host row moves
 * it (as m then Enter), and the wheel moves the selection in the table and
 * the pickers and scrolls the text views.
 */
#include <curses.h>

#include "keys.h"

#ifndef BUTTON5_PRESSED /* ncurses built with the old mouse ABI: no wheel down */
#define BUTTON5_PRESSED 0
#endif

/* The column whose header spans x, or TUI_COL_N. */
static enum tui_col header_col(const struct tui_ui *ui, int x)
{
	enum tui_col c = TUI_COL_N;

	for (int i = 0; i < TUI_COL_N; i++)
		if (ui->col_x[i] <= x && (c == TUI_COL_N || ui->col_x[i] >= ui->col_x[c]))
			c = (enum tui_col)i;
	return c;
}

static void mouse_table(struct tui_ui *ui, const MEVENT *ev)
{
	if (ev->bstate & BUTTON1_PRESSED) {
		int k = ev->y - ui->table_y0;

		ui->dragging = false;
		if (k == -1 && header_col(ui, ev->x) != TUI_COL_N)
			tui_sort_by_col(ui, header_col(ui, ev->x));
		else if (k >= 0 && k < ui->nrows_shown && ui->top + (size_t)k < ui->nview) {
			ui->cur = ui->top + (size_t)k;
			tui_cursor_sync(ui);
			ui->dragging = true;
		}
	}
	if (ev->bstate & BUTTON1_RELEASED) {
		int k = ev->y - ui->hosts_y0;

		if (ui->dragging && k >= 0 && k < ui->nhosts_shown && !ui->readonly &&
		    tui_targets_collect(ui) > 0)
			tui_move_drop(ui, (size_t)k);
		else if (ui->dragging && k >= 0 && k < ui->nhosts_shown)
			(void)tui_refuse_readonly(ui, "move");
		ui->dragging = false;
	}
}

/* The wheel: Up/Down in the view (a step of the table, the picker or the text). */
static void mouse_wheel(struct tui_ui *ui, int dir)
{
	int key = dir < 0 ? KEY_UP : KEY_DOWN;
	const struct tui_key *k = tui_key_find(ui->mode, key);

	if (ui->mode == TUI_M_LOG)
		ui->log_follow = false;
	if (k && k->handler != tui_key_mouse)
		k->handler(ui, k);
}

void tui_key_mouse(struct tui_ui *ui, const struct tui_key *key)
{
	MEVENT ev;

	(void)key;
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & BUTTON4_PRESSED)
		mouse_wheel(ui, -1);
	else if (BUTTON5_PRESSED && (ev.bstate & BUTTON5_PRESSED))
		mouse_wheel(ui, 1);
	else if (ui->mode == TUI_M_TABLE)
		mouse_table(ui, &ev);
}
