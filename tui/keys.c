/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The key table and its dispatch. One table, tui_keys[], binds every key
 * of every view: the help view, the hint line of each view and the
 * --readonly refusals come from it too. q goes back in every view but the
 * table, where it quits (less, man, k9s); Ctrl-C quits from anywhere with
 * status 0. The handlers live with what they drive: keys-act.c (actions,
 * marks, confirms, moves, details), keys-input.c (the prompts),
 * keys-mouse.c and pick.c (the launch's pickers, the snapshots).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

#define CTRL(c) ((c)&0x1f)

static void sort_by(struct tui_ui *ui, int delta)
{
	ui->sort_col = (enum tui_col)(((int)ui->sort_col + delta + TUI_COL_N) % TUI_COL_N);
	ui->view_dirty = true;
	tui_say(ui, "sorted by %s", tui_col_names[ui->sort_col]);
}

void tui_sort_by_col(struct tui_ui *ui, enum tui_col c)
{
	ui->sort_desc = c == ui->sort_col ? !ui->sort_desc : false;
	ui->sort_col = c;
	ui->view_dirty = true;
	tui_say(ui, "sorted by %s%s", tui_col_names[c], ui->sort_desc ? ", reversed" : "");
}

static void key_quit(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->quit = true;
}

/* Esc, and q outside the table: one view back; Esc in the table clears the filter. */
static void key_back(struct tui_ui *ui, const struct tui_key *k)
{
	if (ui->mode == TUI_M_SNAPS) {
		ui->mode = TUI_M_DETAILS;
		return;
	}
	if (ui->mode == TUI_M_TABLE && k->key == 27 && ui->filter_text[0]) {
		tui_line_set(&ui->line, "", false);
		ui->in[0] = '\0';
		ui->ilen = 0;
		tui_filter_apply(ui);
		tui_say(ui, "filter cleared");
		return;
	}
	if (ui->moving)
		tui_say(ui, "move cancelled");
	ui->moving = false;
	ui->mode = TUI_M_TABLE;
}

static void key_filter(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_prompt_open(ui, TUI_IN_FILTER, ui->filter_text, true);
}

static void key_prompt(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_prompt_open(ui, TUI_IN_CMD, "", false);
}

/* --- key handlers: one per row kind of tui_keys[] --- */

static void key_help(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->mode = TUI_M_HELP;
}

static void key_log(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->mode = TUI_M_LOG;
	ui->log_follow = true;
}

static long table_page(const struct tui_ui *ui)
{
	return ui->nrows_shown > 1 ? ui->nrows_shown - 1 : 1;
}

static void key_up(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_cursor_move(ui, -1);
}

static void key_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_cursor_move(ui, 1);
}

static void key_page_up(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_cursor_move(ui, -table_page(ui));
}

static void key_page_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_cursor_move(ui, table_page(ui));
}

static void key_first(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_cursor_move(ui, -(long)ui->nview);
}

static void key_last(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_cursor_move(ui, (long)ui->nview);
}

static void key_sort_prev(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	sort_by(ui, -1);
}

static void key_sort_next(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	sort_by(ui, 1);
}

static void key_sort_invert(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->sort_desc = !ui->sort_desc;
	ui->view_dirty = true;
}

/* o: the graphs of the cursor's container (ctop's single-container view). */
static void key_graphs(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->nview == 0) {
		tui_say(ui, "no container to graph");
		return;
	}
	ui->mode = TUI_M_GRAPHS;
}

static void key_hosts(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->mode = TUI_M_HOSTS;
}

static void key_retry(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_fleet_retry(ui->m);
	tui_say(ui, "retrying the hosts that are down, re-reading the others");
}

static void key_host_up(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->host_cur)
		ui->host_cur--;
}

static void key_host_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->host_cur + 1 < ui->m->nhosts)
		ui->host_cur++;
}

static void key_host_enter(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->moving) {
		tui_move_drop(ui, ui->host_cur);
		return;
	}
	/* Enter on a host narrows the table to it. */
	(void)snprintf(ui->in, sizeof(ui->in), "host:%s", ui->m->hosts[ui->host_cur].name);
	ui->ilen = strlen(ui->in);
	tui_filter_apply(ui);
	tui_line_set(&ui->line, ui->in, false);
	ui->mode = TUI_M_TABLE;
}

/* @ on a host narrows the table to its groups (config.yml's groups:). */
static void key_host_groups(struct tui_ui *ui, const struct tui_key *k)
{
	const char *name = ui->m->hosts[ui->host_cur].name;
	char list[TUI_INPUT_MAX], *save = NULL;
	size_t off = 0;

	(void)k;
	if (!ui->m->remotes ||
	    lxf_remotes_groups_of(ui->m->remotes, name, list, sizeof(list)) == 0) {
		tui_say(ui, "%s is in no group", name);
		return;
	}
	/* "web, db" -> "@web,@db": the rows of any of them. */
	for (char *w = strtok_r(list, ", ", &save); w && off < sizeof(ui->in);
	     w = strtok_r(NULL, ", ", &save)) {
		int n = snprintf(ui->in + off, sizeof(ui->in) - off, "%s@%s", off ? "," : "", w);

		if (n < 0)
			break;
		off += (size_t)n;
	}
	ui->ilen = strlen(ui->in);
	tui_filter_apply(ui);
	tui_line_set(&ui->line, ui->in, false);
	ui->mode = TUI_M_TABLE;
}

/* The details and log views scroll their text. */
static size_t *text_top(struct tui_ui *ui)
{
	return ui->mode == TUI_M_DETAILS ? &ui->details_top : &ui->log_top;
}

static size_t text_page(void)
{
	return (size_t)(LINES > 4 ? LINES - 4 : 1);
}

static void key_text_up(struct tui_ui *ui, const struct tui_key *k)
{
	size_t *top = text_top(ui);

	(void)k;
	if (*top)
		(*top)--;
}

static void key_text_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	(*text_top(ui))++;
}

static void key_text_page_up(struct tui_ui *ui, const struct tui_key *k)
{
	size_t *top = text_top(ui);

	(void)k;
	*top = *top > text_page() ? *top - text_page() : 0;
}

static void key_text_page_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	*text_top(ui) += text_page();
}

static void key_text_first(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	*text_top(ui) = 0;
}

static void key_log_follow(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->log_follow = true;
}

/* --- the key table --- */

#define TABLE    TUI_KM(TUI_M_TABLE)
#define HOSTS    TUI_KM(TUI_M_HOSTS)
#define DETAILS  TUI_KM(TUI_M_DETAILS)
#define LOG      TUI_KM(TUI_M_LOG)
#define TEXT     (DETAILS | LOG)
#define PICK     TUI_KM(TUI_M_PICK)
#define SNAPS    TUI_KM(TUI_M_SNAPS)
#define LISTS    (PICK | SNAPS)
#define GRAPHS   TUI_KM(TUI_M_GRAPHS)
#define ALL      TUI_KM_ALL
#define NAV      TUI_KS_NAV
#define ACT      TUI_KS_ACTIONS

#define H_UPDOWN "Up/Down j/k", "move the cursor"
#define H_PAGE   "PgUp/PgDn", "page"
#define H_ENDS   "g / G", "first / last row"
#define H_ENTER  "Enter", "details of the container (config, devices, state, snapshots)"
#define H_SORT   "< >", "sort by the previous / next column"
#define H_HOST   "Up/Down j/k", "choose a host"
#define H_DROP   "Enter", "drop the containers being moved, else show the host's only"
#define H_SCROLL "Up/Down j/k", "scroll"
#define H_SPAGE  "PgUp/PgDn", "scroll a page"
#define H_CHOOSE "Up/Down j/k", "choose"
#define H_RANGE  "V Ctrl-Space", "mark up to the cursor"
#define H_NEXT   "Up/Down j/k", "the previous / next container"

/* In help order: the rows of the table mode, then those of the other views. */
const struct tui_key tui_keys[] = {
    /* key, modes, verb, confirm, writes, handler, section, label, help, hint */
    {KEY_UP, TABLE, NULL, false, false, key_up, NAV, H_UPDOWN, NULL},
    {'k', TABLE, NULL, false, false, key_up, NAV, H_UPDOWN, NULL},
    {KEY_DOWN, TABLE, NULL, false, false, key_down, NAV, H_UPDOWN, NULL},
    {'j', TABLE, NULL, false, false, key_down, NAV, H_UPDOWN, NULL},
    {KEY_PPAGE, TABLE, NULL, false, false, key_page_up, NAV, H_PAGE, NULL},
    {KEY_NPAGE, TABLE, NULL, false, false, key_page_down, NAV, H_PAGE, NULL},
    {'g', TABLE, NULL, false, false, key_first, NAV, H_ENDS, NULL},
    {KEY_HOME, TABLE, NULL, false, false, key_first, NAV, H_ENDS, NULL},
    {'G', TABLE, NULL, false, false, key_last, NAV, H_ENDS, NULL},
    {KEY_END, TABLE, NULL, false, false, key_last, NAV, H_ENDS, NULL},
    {27, ALL, NULL, false, false, key_back, NAV, "Esc", "back / clear the filter", "back"},
    {'\r', TABLE, NULL, false, false, tui_key_details, NAV, H_ENTER, "details"},
    {'\n', TABLE, NULL, false, false, tui_key_details, NAV, H_ENTER, NULL},
    {KEY_ENTER, TABLE, NULL, false, false, tui_key_details, NAV, H_ENTER, NULL},
    {'l', TABLE | DETAILS, NULL, false, false, tui_key_inst_log, NAV, "l",
     "the container's console log", "log"},
    {'L', ALL, NULL, false, false, key_log, NAV, "L", "the fleet's event log", NULL},
    {'o', TABLE, NULL, false, false, key_graphs, NAV, "o", "CPU, memory, network graphs", "graphs"},
    {'h', TABLE, NULL, false, false, key_hosts, NAV, "h",
     "host panel (Up/Down to choose a host, Esc back)", NULL},
    {'/', TABLE, NULL, false, false, key_filter, NAV, "/",
     "filter: names, hosts, HOST:NAME, state:running", "filter"},
    {'<', TABLE, NULL, false, false, key_sort_prev, NAV, H_SORT, NULL},
    {'>', TABLE, NULL, false, false, key_sort_next, NAV, H_SORT, NULL},
    {'I', TABLE, NULL, false, false, key_sort_invert, NAV, "I", "invert the sort", NULL},
    /* Any command can write: the prompt is refused as a whole. */
    {':', TABLE, "the command prompt", false, true, key_prompt, NAV, ":",
     "run an lxf command (Tab completes)", "command"},
    {'?', ALL, NULL, false, false, key_help, NAV, "?", "this help", "help"},
    {'q', TABLE, NULL, false, false, key_quit, NAV, "q", "quit (in other views: back)", "quit"},
    {'q', ALL & ~TABLE, NULL, false, false, key_back, NAV, "q", "back", "back"},
    {CTRL('c'), ALL, NULL, false, false, key_quit, NAV, "Ctrl-C", "quit (exit status 0)", NULL},
    {CTRL('r'), TABLE | HOSTS, NULL, false, false, key_retry, NAV, "Ctrl-R",
     "retry the hosts that are down now, re-read the others", NULL},
    {' ', TABLE, NULL, false, false, tui_key_mark, ACT, "Space", "mark / unmark", "mark"},
    {'V', TABLE, NULL, false, false, tui_key_mark_range, ACT, H_RANGE, NULL},
    {0, TABLE, NULL, false, false, tui_key_mark_range, ACT, H_RANGE, NULL},
    {CTRL('a'), TABLE, NULL, false, false, tui_key_mark_all, ACT, "Ctrl-A", "mark every row shown",
     NULL},
    {'u', TABLE, NULL, false, false, tui_key_unmark, ACT, "u", "unmark all", NULL},
    {'S', TABLE, "start", false, true, tui_key_action, ACT, "S", "start", "start"},
    {'T', TABLE, "stop", true, true, tui_key_action, ACT, "T", "stop (confirm)", "stop"},
    {'R', TABLE, "restart", true, true, tui_key_action, ACT, "R", "restart (confirm)", "restart"},
    {'F', TABLE, "pause", false, true, tui_key_action, ACT, "F", "freeze / unfreeze", NULL},
    {'N', TABLE, "snapshot", false, true, tui_key_action, ACT, "N", "snapshot", NULL},
    {'D', TABLE, "delete", true, true, tui_key_action, ACT, "D", "delete (confirm)", NULL},
    {'e', TABLE, "exec", false, true, tui_key_terminal, ACT, "e", "shell (sh) in the container",
     NULL},
    {'c', TABLE, "console", false, true, tui_key_terminal, ACT, "c", "console", NULL},
    {'n', TABLE, "launch", false, true, tui_key_launch, ACT, "n", "launch: host, image, name",
     NULL},
    {'m', TABLE, "move", false, true, tui_key_move, ACT, "m", "move to a host", NULL},
    /* Clicks select; a drag that drops on a host is refused there under --readonly. */
    {KEY_MOUSE, ALL, NULL, false, false, tui_key_mouse, ACT, "mouse",
     "click a header: sort; drag a row onto a host: move", NULL},
    {KEY_UP, HOSTS, NULL, false, false, key_host_up, NAV, H_HOST, "host"},
    {'k', HOSTS, NULL, false, false, key_host_up, NAV, H_HOST, "host"},
    {KEY_DOWN, HOSTS, NULL, false, false, key_host_down, NAV, H_HOST, "host"},
    {'j', HOSTS, NULL, false, false, key_host_down, NAV, H_HOST, "host"},
    {'\r', HOSTS, NULL, false, false, key_host_enter, NAV, H_DROP, "drop/filter"},
    {'\n', HOSTS, NULL, false, false, key_host_enter, NAV, H_DROP, NULL},
    {KEY_ENTER, HOSTS, NULL, false, false, key_host_enter, NAV, H_DROP, NULL},
    {'@', HOSTS, NULL, false, false, key_host_groups, NAV, "@", "show the host's groups only",
     "groups"},
    {KEY_UP, TEXT, NULL, false, false, key_text_up, NAV, H_SCROLL, "scroll"},
    {'k', TEXT, NULL, false, false, key_text_up, NAV, H_SCROLL, "scroll"},
    {KEY_DOWN, TEXT, NULL, false, false, key_text_down, NAV, H_SCROLL, "scroll"},
    {'j', TEXT, NULL, false, false, key_text_down, NAV, H_SCROLL, "scroll"},
    {KEY_PPAGE, TEXT, NULL, false, false, key_text_page_up, NAV, H_SPAGE, NULL},
    {KEY_NPAGE, TEXT, NULL, false, false, key_text_page_down, NAV, H_SPAGE, NULL},
    {'g', TEXT, NULL, false, false, key_text_first, NAV, "g", "the top", NULL},
    {KEY_HOME, TEXT, NULL, false, false, key_text_first, NAV, "g", "the top", NULL},
    {'G', LOG, NULL, false, false, key_log_follow, NAV, "G", "follow the tail", "follow"},
    {KEY_END, LOG, NULL, false, false, key_log_follow, NAV, "G", "follow the tail", NULL},
    {'s', DETAILS, NULL, false, false, tui_key_snaps, NAV, "s", "the container's snapshots",
     "snapshots"},
    {'N', DETAILS | SNAPS, "snapshot", false, true, tui_key_snap_take, ACT, "N", "take a snapshot",
     "snapshot"},
    {'r', SNAPS, "restore", true, true, tui_key_snap_restore, ACT, "r",
     "restore the snapshot (confirm)", "restore"},
    {'D', SNAPS, "delete", true, true, tui_key_snap_delete, ACT, "D",
     "delete the snapshot (confirm)", "delete"},
    {KEY_UP, GRAPHS, NULL, false, false, key_up, NAV, H_NEXT, "container"},
    {'k', GRAPHS, NULL, false, false, key_up, NAV, H_NEXT, "container"},
    {KEY_DOWN, GRAPHS, NULL, false, false, key_down, NAV, H_NEXT, "container"},
    {'j', GRAPHS, NULL, false, false, key_down, NAV, H_NEXT, "container"},
    {KEY_UP, LISTS, NULL, false, false, tui_key_pick_up, NAV, H_CHOOSE, "choose"},
    {'k', LISTS, NULL, false, false, tui_key_pick_up, NAV, H_CHOOSE, "choose"},
    {KEY_DOWN, LISTS, NULL, false, false, tui_key_pick_down, NAV, H_CHOOSE, "choose"},
    {'j', LISTS, NULL, false, false, tui_key_pick_down, NAV, H_CHOOSE, "choose"},
    {'\r', PICK, NULL, false, false, tui_key_pick_enter, NAV, "Enter", "pick", "pick"},
    {'\n', PICK, NULL, false, false, tui_key_pick_enter, NAV, "Enter", "pick", NULL},
    {KEY_ENTER, PICK, NULL, false, false, tui_key_pick_enter, NAV, "Enter", "pick", NULL},
};
const size_t tui_nkeys = sizeof(tui_keys) / sizeof(tui_keys[0]);

/* Each view's hint line; "\033q" is Esc and q (both back). */
const char *const tui_hint_groups[TUI_M_N][TUI_HINT_GROUPS] = {
    [TUI_M_TABLE] = {"?", "/", ":", "\r", "o", "l", " ", "STR", "q"},
    [TUI_M_HOSTS] = {"j", "\r", "@", "\033q"},
    [TUI_M_DETAILS] = {"j", "s", "N", "l", "\033q", "?"},
    [TUI_M_LOG] = {"j", "G", "\033q", "?"},
    [TUI_M_HELP] = {"\033q"},
    [TUI_M_PICK] = {"j", "\r", "\033q"},
    [TUI_M_SNAPS] = {"j", "N", "r", "D", "\033q"},
    [TUI_M_GRAPHS] = {"j", "\033q", "?"},
};

const struct tui_key *tui_key_find(enum tui_mode mode, int ch)
{
	for (size_t i = 0; i < tui_nkeys; i++)
		if (tui_keys[i].key == ch && (tui_keys[i].modes & TUI_KM(mode)))
			return &tui_keys[i];
	return NULL;
}

void tui_key(struct tui_ui *ui, int ch)
{
	const struct tui_key *k;

	if (ch == CTRL('c')) { /* from anywhere, a prompt or a confirm too */
		ui->quit = true;
		return;
	}
	if (ui->input == TUI_IN_CONFIRM) {
		tui_confirm_key(ui, ch);
		return;
	}
	if (ui->input != TUI_IN_NONE) {
		tui_input_key(ui, ch);
		return;
	}
	if (ch == KEY_RESIZE)
		return; /* the next draw fits the new size */
	if (ch != KEY_MOUSE)
		ui->msg[0] = '\0';
	k = tui_key_find(ui->mode, ch);
	/* In the log view every key but a global one stops following the tail (G follows). */
	if (ui->mode == TUI_M_LOG && (!k || k->modes != TUI_KM_ALL))
		ui->log_follow = false;
	if (!k)
		return;
	if (k->writes && ui->readonly) {
		(void)tui_refuse_readonly(ui, k->verb);
		return;
	}
	k->handler(ui, k);
}
