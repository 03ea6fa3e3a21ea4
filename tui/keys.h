/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_KEYS_H
#define LXF_TUI_KEYS_H

/*
 * What the key files share (keys.c: the table and the dispatch;
 * keys-act.c: actions, confirms, moves and views; keys-input.c: the
 * prompts; keys-mouse.c: the mouse; pick.c: the pickers and snapshots).
 * UI thread only.
 */

#include "ui.h"

void tui_say(struct tui_ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Remembers the container under the cursor, so it survives re-sorts. */
void tui_cursor_sync(struct tui_ui *ui);
void tui_cursor_move(struct tui_ui *ui, long delta);
/* The marked containers, else the one under the cursor, into ui->targets. Returns the count. */
size_t tui_targets_collect(struct tui_ui *ui);
/* "REMOTE:NAME" of the row under the cursor into buf; false when there is none. */
bool tui_cursor_target(struct tui_ui *ui, char *buf, size_t len);
bool tui_refuse_readonly(struct tui_ui *ui, const char *what);
/* Opens the Cancel-default confirm box: text, and run when it is accepted. */
void tui_confirm(struct tui_ui *ui, void (*run)(struct tui_ui *ui), const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tui_confirm_key(struct tui_ui *ui, int ch);
/* Drops the picked-up containers on host h: a rename, or a move (confirmed when one runs). */
void tui_move_drop(struct tui_ui *ui, size_t h);
/* Sorts by column c; the same column again reverses the order. */
void tui_sort_by_col(struct tui_ui *ui, enum tui_col c);
/* Opens a text prompt of kind in, holding text (selected: typing replaces it). */
void tui_prompt_open(struct tui_ui *ui, enum tui_input in, const char *text, bool sel);
void tui_input_key(struct tui_ui *ui, int ch);
/* Applies ui->in as the "/" filter. */
void tui_filter_apply(struct tui_ui *ui);
/* Shows lxf's output for inst in the details view (the text sink), titled. */
void tui_details_run(struct tui_ui *ui, const char *title, int argc, char *const *argv);

/*
 * ":exec -- CMD": runs CMD (argv[0..argc)) in the marked containers, else
 * the cursor's, through the CLI's fan-out exec, into the details view: each
 * instance's output together and the summary at the end.
 */
void tui_exec_targets(struct tui_ui *ui, int argc, char *const *argv);

/* The key handlers the table binds, by file. */
tui_key_fn tui_key_mouse;
tui_key_fn tui_key_mark, tui_key_unmark, tui_key_mark_all, tui_key_mark_range;
tui_key_fn tui_key_action, tui_key_terminal, tui_key_move, tui_key_details, tui_key_inst_log;
tui_key_fn tui_key_launch, tui_key_pick_up, tui_key_pick_down, tui_key_pick_enter;
tui_key_fn tui_key_snaps, tui_key_snap_take, tui_key_snap_restore, tui_key_snap_delete;

/* pick.c: the launch's last step, a name for the new container. */
void tui_launch_submit(struct tui_ui *ui, const char *name);

#endif
