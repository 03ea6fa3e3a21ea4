/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys and mouse: navigation, the "/" filter and ":" prompts, actions on
 * the marked (else the selected) containers with a Cancel-default confirm
 * for the destructive ones, the details/log/help views and the move flow
 * (pick up with m or a mouse drag, drop on a host). Actions run as CLI
 * commands through jobs.c. One table, tui_keys[], binds every key: the
 * help view, the hint line and the --readonly refusals come from it too.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "complete.h"
#include "ui.h"

#define ARGV_MAX 300

static void say(struct tui_ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct tui_ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(ui->msg, sizeof(ui->msg), fmt, ap);
	va_end(ap);
}

/* Remembers which container the cursor is on, so it survives re-sorts. */
static void cursor_sync(struct tui_ui *ui)
{
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview) {
		const struct tui_row *r = &ui->m->rows[ui->view[ui->cur]];

		ui->cur_host = r->host;
		(void)snprintf(ui->cur_name, sizeof(ui->cur_name), "%s", r->name);
	}
	pthread_mutex_unlock(&ui->m->lock);
}

static void cursor_move(struct tui_ui *ui, long delta)
{
	long c = (long)ui->cur + delta;

	if (c >= (long)ui->nview)
		c = (long)ui->nview - 1;
	if (c < 0)
		c = 0;
	ui->cur = (size_t)c;
	cursor_sync(ui);
}

/* The marked containers, else the one under the cursor. Returns the count. */
static size_t targets_collect(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;

	ui->ntargets = 0;
	pthread_mutex_lock(&m->lock);
	tui_view_rebuild(ui);
	for (size_t i = 0; i < m->n && ui->ntargets < TUI_TARGETS_MAX; i++) {
		if (!m->rows[i].marked)
			continue;
		(void)snprintf(ui->targets[ui->ntargets], sizeof(ui->targets[0]), "%s:%s",
			       m->hosts[m->rows[i].host].name, m->rows[i].name);
		ui->target_host[ui->ntargets++] = m->rows[i].host;
	}
	if (ui->ntargets == 0 && ui->cur < ui->nview) {
		const struct tui_row *r = &m->rows[ui->view[ui->cur]];

		(void)snprintf(ui->targets[0], sizeof(ui->targets[0]), "%s:%s",
			       m->hosts[r->host].name, r->name);
		ui->target_host[0] = r->host;
		ui->ntargets = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return ui->ntargets;
}

static void targets_label(const struct tui_ui *ui, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ui->ntargets && off + 1 < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "", ui->targets[i]);

		if (w < 0 || (size_t)w >= len - off) {
			(void)snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
			return;
		}
		off += (size_t)w;
	}
}

/* Runs the pending action on the targets: one command for all of them. */
static void action_run(struct tui_ui *ui)
{
	char *argv[ARGV_MAX];
	char label[256];
	int n = 0;

	if (strcmp(ui->action, "snapshot") == 0) {
		/* `snapshot` takes one instance: one job each. */
		for (size_t i = 0; i < ui->ntargets; i++) {
			argv[0] = ui->action;
			argv[1] = ui->targets[i];
			(void)snprintf(label, sizeof(label), "snapshot %s", ui->targets[i]);
			(void)tui_job_start(ui, TUI_SINK_LOG, label, 2, argv);
		}
		return;
	}
	argv[n++] = ui->action;
	if (strcmp(ui->action, "delete") == 0)
		argv[n++] = (char *)"--force";
	for (size_t i = 0; i < ui->ntargets && n < ARGV_MAX; i++)
		argv[n++] = ui->targets[i];
	(void)snprintf(label, sizeof(label), "%s ", ui->action);
	targets_label(ui, label + strlen(label), sizeof(label) - strlen(label));
	if (tui_job_start(ui, TUI_SINK_LOG, label, n, argv) == 0)
		say(ui, "running: %s", label);
}

static bool refuse_readonly(struct tui_ui *ui, const char *what)
{
	if (!ui->readonly)
		return false;
	say(ui, "read-only mode (--readonly): %s refused", what);
	return true;
}

static void action(struct tui_ui *ui, const char *verb, bool confirm)
{
	char label[120];

	if (targets_collect(ui) == 0) {
		say(ui, "no container selected");
		return;
	}
	(void)snprintf(ui->action, sizeof(ui->action), "%s", verb);
	if (!confirm) {
		action_run(ui);
		return;
	}
	targets_label(ui, label, sizeof(label));
	(void)snprintf(ui->confirm_text, sizeof(ui->confirm_text), "%s %zu container%s: %s?", verb,
		       ui->ntargets, ui->ntargets == 1 ? "" : "s", label);
	ui->confirm_text[0] = (char)(ui->confirm_text[0] - 'a' + 'A');
	ui->confirm_ok = 0;
	ui->input = TUI_IN_CONFIRM;
}

/* The command a key runs: pause on a frozen container resumes it with start (the CLI unfreezes it). */
static const char *key_verb(struct tui_ui *ui, const struct tui_key *k)
{
	bool frozen = false;

	if (!k->verb || strcmp(k->verb, "pause") != 0)
		return k->verb;
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview)
		frozen = strcmp(ui->m->rows[ui->view[ui->cur]].state, "FROZEN") == 0;
	pthread_mutex_unlock(&ui->m->lock);
	return frozen ? "start" : k->verb;
}

static void key_details(struct tui_ui *ui, const struct tui_key *k)
{
	char *argv[8], label[2 * sizeof(ui->targets[0]) + 32];

	(void)k;
	if (targets_collect(ui) == 0)
		return;
	/* Details are for the row under the cursor, marked or not. */
	pthread_mutex_lock(&ui->m->lock);
	if (ui->cur < ui->nview) {
		const struct tui_row *r = &ui->m->rows[ui->view[ui->cur]];

		(void)snprintf(ui->targets[0], sizeof(ui->targets[0]), "%s:%s",
			       ui->m->hosts[r->host].name, r->name);
	}
	pthread_mutex_unlock(&ui->m->lock);
	lxf_buf_reset(&ui->details);
	ui->details_top = 0;
	(void)snprintf(ui->details_title, sizeof(ui->details_title), "Details of %s",
		       ui->targets[0]);
	argv[0] = (char *)"info";
	argv[1] = ui->targets[0];
	argv[2] = (char *)";";
	argv[3] = (char *)"config";
	argv[4] = (char *)"show";
	argv[5] = ui->targets[0];
	(void)snprintf(label, sizeof(label), "info %s ; config show %s", ui->targets[0],
		       ui->targets[0]);
	(void)tui_job_start(ui, TUI_SINK_DETAILS, label, 6, argv);
	ui->mode = TUI_M_DETAILS;
}

/* exec (a shell) or console in the container, on the terminal. */
static void terminal(struct tui_ui *ui, const char *verb)
{
	char *argv[5] = {(char *)verb, NULL, (char *)"--", (char *)"sh", NULL};

	if (targets_collect(ui) == 0) {
		say(ui, "no container selected");
		return;
	}
	argv[1] = ui->targets[0];
	(void)tui_job_foreground(ui, strcmp(verb, "exec") == 0 ? 4 : 2, argv);
}

static void key_move(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (targets_collect(ui) == 0) {
		say(ui, "no container selected");
		return;
	}
	ui->moving = true;
	ui->mode = TUI_M_HOSTS;
	ui->host_cur = ui->target_host[0];
	say(ui, "moving %zu container%s: choose a host, Enter drops, Esc cancels", ui->ntargets,
	    ui->ntargets == 1 ? "" : "s");
}

/* Drops the picked-up containers on host h. */
static void move_drop(struct tui_ui *ui, size_t h)
{
	const char *hname = ui->m->hosts[h].name;
	bool same = true;

	ui->moving = false;
	ui->mode = TUI_M_TABLE;
	for (size_t i = 0; i < ui->ntargets; i++)
		same = same && ui->target_host[i] == h;
	if (same) {
		if (ui->ntargets != 1) {
			say(ui, "a move on the same host is a rename: pick one container");
			return;
		}
		ui->input = TUI_IN_RENAME;
		ui->in[0] = '\0';
		ui->ilen = 0;
		return;
	}
	if (!tui_cmd_exists("move")) {
		say(ui, "moving between hosts is not available yet (issue #6)");
		return;
	}
	for (size_t i = 0; i < ui->ntargets; i++) {
		char dst[LXF_REMOTE_NAME_MAX + 2], label[256];
		char *argv[3] = {(char *)"move", ui->targets[i], dst};

		(void)snprintf(dst, sizeof(dst), "%s:", hname);
		(void)snprintf(label, sizeof(label), "move %s %s", ui->targets[i], dst);
		(void)tui_job_start(ui, TUI_SINK_LOG, label, 3, argv);
	}
}

static void input_submit(struct tui_ui *ui)
{
	static struct lxf_words w;
	char line[TUI_INPUT_MAX];
	int rc;

	(void)snprintf(line, sizeof(line), "%s", ui->in);
	if (ui->input == TUI_IN_RENAME) {
		char *av[3] = {(char *)"rename", ui->targets[0], line};
		char label[TUI_INPUT_MAX + 160];

		ui->input = TUI_IN_NONE;
		if (!line[0] || strchr(line, ' ') || strchr(line, ':')) {
			say(ui, "rename: a new name without spaces or ':' is needed");
			return;
		}
		(void)snprintf(label, sizeof(label), "rename %s %s", ui->targets[0], line);
		(void)tui_job_start(ui, TUI_SINK_LOG, label, 3, av);
		return;
	}
	if (ui->input == TUI_IN_CMD) {
		ui->input = TUI_IN_NONE;
		while (ui->ilen && ui->in[ui->ilen - 1] == ' ')
			ui->in[--ui->ilen] = '\0';
		rc = lxf_words_split(&w, line, false);
		if (rc != 0) {
			say(ui, "Error: %s", lxf_words_strerror(rc));
			return;
		}
		if (w.n == 0)
			return;
		(void)tui_job_start(ui, TUI_SINK_LOG, ui->in, w.n, w.v);
		ui->mode = TUI_M_LOG;
		ui->log_follow = true;
		return;
	}
	ui->input = TUI_IN_NONE; /* the filter applies as it is typed */
}

static void filter_apply(struct tui_ui *ui)
{
	char err[128];
	struct tui_filter f;

	if (tui_filter_parse(ui->in, &f, err, sizeof(err)) != 0) {
		say(ui, "filter: %s", err);
		return;
	}
	pthread_mutex_lock(&ui->m->lock);
	ui->filter = f;
	(void)snprintf(ui->filter_text, sizeof(ui->filter_text), "%s", ui->in);
	ui->view_dirty = true;
	pthread_mutex_unlock(&ui->m->lock);
	ui->msg[0] = '\0';
}

static void input_key(struct tui_ui *ui, int ch)
{
	if (ch == 27) {
		if (ui->input == TUI_IN_FILTER) {
			ui->in[0] = '\0';
			ui->ilen = 0;
			filter_apply(ui);
		}
		ui->input = TUI_IN_NONE;
		return;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		input_submit(ui);
		return;
	}
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (ui->ilen)
			ui->in[--ui->ilen] = '\0';
	} else if (ch == '\t' && ui->input == TUI_IN_CMD) {
		char list[200];

		if (tui_cmd_complete(ui, list, sizeof(list)) > 1)
			say(ui, "%s", list);
		return;
	} else if (ch >= 0x20 && ch < 0x7f && ui->ilen + 1 < sizeof(ui->in)) {
		ui->in[ui->ilen++] = (char)ch;
		ui->in[ui->ilen] = '\0';
	}
	if (ui->input == TUI_IN_FILTER)
		filter_apply(ui);
}

static void confirm_key(struct tui_ui *ui, int ch)
{
	switch (ch) {
	case KEY_LEFT:
	case KEY_RIGHT:
	case '\t':
	case 'h':
	case 'l':
		ui->confirm_ok = !ui->confirm_ok;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		ui->input = TUI_IN_NONE;
		if (ui->confirm_ok)
			action_run(ui);
		else
			say(ui, "cancelled");
		break;
	case 27:
	case 'n':
	case 'q':
		ui->input = TUI_IN_NONE;
		say(ui, "cancelled");
		break;
	default:
		break;
	}
}

static void key_mouse(struct tui_ui *ui, const struct tui_key *key)
{
	MEVENT ev;

	(void)key;
	if (getmouse(&ev) != OK || ui->mode != TUI_M_TABLE)
		return;
	if (ev.bstate & BUTTON1_PRESSED) {
		int k = ev.y - ui->table_y0;

		ui->dragging = false;
		if (k >= 0 && k < ui->nrows_shown && ui->top + (size_t)k < ui->nview) {
			ui->cur = ui->top + (size_t)k;
			cursor_sync(ui);
			ui->dragging = true;
		}
	}
	if (ev.bstate & BUTTON1_RELEASED) {
		int k = ev.y - ui->hosts_y0;

		if (ui->dragging && k >= 0 && k < ui->nhosts_shown && !ui->readonly &&
		    targets_collect(ui) > 0)
			move_drop(ui, (size_t)k);
		else if (ui->dragging && k >= 0 && k < ui->nhosts_shown)
			(void)refuse_readonly(ui, "move");
		ui->dragging = false;
	}
}

static void key_mark(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview) {
		struct tui_row *r = &ui->m->rows[ui->view[ui->cur]];

		r->marked = !r->marked;
	}
	pthread_mutex_unlock(&ui->m->lock);
	cursor_move(ui, 1);
}

static void key_unmark(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	pthread_mutex_lock(&ui->m->lock);
	for (size_t i = 0; i < ui->m->n; i++)
		ui->m->rows[i].marked = false;
	pthread_mutex_unlock(&ui->m->lock);
}

static void sort_by(struct tui_ui *ui, int delta)
{
	ui->sort_col = (enum tui_col)(((int)ui->sort_col + delta + TUI_COL_N) % TUI_COL_N);
	ui->view_dirty = true;
	say(ui, "sorted by %s", tui_col_names[ui->sort_col]);
}

/* --- key handlers: one per row kind of tui_keys[] --- */

static void key_quit(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->quit = true;
}

static void key_back(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (ui->moving)
		say(ui, "move cancelled");
	ui->moving = false;
	ui->mode = TUI_M_TABLE;
}

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
	cursor_move(ui, -1);
}

static void key_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	cursor_move(ui, 1);
}

static void key_page_up(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	cursor_move(ui, -table_page(ui));
}

static void key_page_down(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	cursor_move(ui, table_page(ui));
}

static void key_first(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	cursor_move(ui, -(long)ui->nview);
}

static void key_last(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	cursor_move(ui, (long)ui->nview);
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

static void key_hosts(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->mode = TUI_M_HOSTS;
}

static void key_filter(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->input = TUI_IN_FILTER;
	(void)snprintf(ui->in, sizeof(ui->in), "%s", ui->filter_text);
	ui->ilen = strlen(ui->in);
}

static void key_prompt(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	ui->input = TUI_IN_CMD;
	ui->in[0] = '\0';
	ui->ilen = 0;
}

static void key_action(struct tui_ui *ui, const struct tui_key *k)
{
	action(ui, key_verb(ui, k), k->confirm);
}

static void key_terminal(struct tui_ui *ui, const struct tui_key *k)
{
	terminal(ui, k->verb);
}

static void key_retry(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	tui_fleet_retry(ui->m);
	say(ui, "retrying the hosts that are down, re-reading the others");
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
		move_drop(ui, ui->host_cur);
		return;
	}
	/* Enter on a host narrows the table to it. */
	(void)snprintf(ui->in, sizeof(ui->in), "host:%s", ui->m->hosts[ui->host_cur].name);
	ui->ilen = strlen(ui->in);
	filter_apply(ui);
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
#define TEXT     (TUI_KM(TUI_M_DETAILS) | TUI_KM(TUI_M_LOG))
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
    {27, ALL, NULL, false, false, key_back, NAV, "Esc", "back to the table", NULL},
    {'\r', TABLE, NULL, false, false, key_details, NAV, H_ENTER, "details"},
    {'\n', TABLE, NULL, false, false, key_details, NAV, H_ENTER, NULL},
    {KEY_ENTER, TABLE, NULL, false, false, key_details, NAV, H_ENTER, NULL},
    {'l', ALL, NULL, false, false, key_log, NAV, "l",
     "log view (events and command output; follows the tail)", "log"},
    {'h', TABLE, NULL, false, false, key_hosts, NAV, "h",
     "host panel (Up/Down to choose a host, Esc back)", NULL},
    {'/', TABLE, NULL, false, false, key_filter, NAV, "/",
     "filter: words match names; host:NAME, state:running", "filter"},
    {'<', TABLE, NULL, false, false, key_sort_prev, NAV, H_SORT, NULL},
    {'>', TABLE, NULL, false, false, key_sort_next, NAV, H_SORT, NULL},
    {'I', TABLE, NULL, false, false, key_sort_invert, NAV, "I", "invert the sort", NULL},
    /* Any command can write: the prompt is refused as a whole. */
    {':', TABLE, "the command prompt", false, true, key_prompt, NAV, ":",
     "run an lxf command (Tab completes command names)", "command"},
    {'?', ALL, NULL, false, false, key_help, NAV, "?", "this help", "help"},
    {'q', ALL, NULL, false, false, key_quit, NAV, "q", "quit", "quit"},
    {'R' & 0x1f, TABLE | HOSTS, NULL, false, false, key_retry, NAV, "Ctrl-R",
     "retry the hosts that are down now, re-read the others", NULL},
    {' ', TABLE, NULL, false, false, key_mark, ACT, "Space", "mark / unmark", "mark"},
    {'u', TABLE, NULL, false, false, key_unmark, ACT, "u", "unmark all", NULL},
    {'S', TABLE, "start", false, true, key_action, ACT, "S", "start", "start"},
    {'T', TABLE, "stop", true, true, key_action, ACT, "T", "stop (confirm)", "stop"},
    {'R', TABLE, "restart", true, true, key_action, ACT, "R", "restart (confirm)", "restart"},
    {'F', TABLE, "pause", false, true, key_action, ACT, "F", "freeze / unfreeze", NULL},
    {'N', TABLE, "snapshot", false, true, key_action, ACT, "N", "snapshot", NULL},
    {'D', TABLE, "delete", true, true, key_action, ACT, "D", "delete (confirm)", NULL},
    {'e', TABLE, "exec", false, true, key_terminal, ACT, "e", "shell (sh) in the container", NULL},
    {'c', TABLE, "console", false, true, key_terminal, ACT, "c", "console", NULL},
    {'m', TABLE, "move", false, true, key_move, ACT, "m",
     "move: pick up, choose a host in the panel, Enter drops", NULL},
    /* Clicks select; a drag that drops on a host is refused there under --readonly. */
    {KEY_MOUSE, TABLE, NULL, false, false, key_mouse, ACT, "mouse",
     "drag a container row onto a host row to move it", NULL},
    {KEY_UP, HOSTS, NULL, false, false, key_host_up, NAV, H_HOST, NULL},
    {'k', HOSTS, NULL, false, false, key_host_up, NAV, H_HOST, NULL},
    {KEY_DOWN, HOSTS, NULL, false, false, key_host_down, NAV, H_HOST, NULL},
    {'j', HOSTS, NULL, false, false, key_host_down, NAV, H_HOST, NULL},
    {'\r', HOSTS, NULL, false, false, key_host_enter, NAV, H_DROP, NULL},
    {'\n', HOSTS, NULL, false, false, key_host_enter, NAV, H_DROP, NULL},
    {KEY_ENTER, HOSTS, NULL, false, false, key_host_enter, NAV, H_DROP, NULL},
    {KEY_UP, TEXT, NULL, false, false, key_text_up, NAV, H_SCROLL, NULL},
    {'k', TEXT, NULL, false, false, key_text_up, NAV, H_SCROLL, NULL},
    {KEY_DOWN, TEXT, NULL, false, false, key_text_down, NAV, H_SCROLL, NULL},
    {'j', TEXT, NULL, false, false, key_text_down, NAV, H_SCROLL, NULL},
    {KEY_PPAGE, TEXT, NULL, false, false, key_text_page_up, NAV, H_SPAGE, NULL},
    {KEY_NPAGE, TEXT, NULL, false, false, key_text_page_down, NAV, H_SPAGE, NULL},
    {'g', TEXT, NULL, false, false, key_text_first, NAV, "g", "the top", NULL},
    {KEY_HOME, TEXT, NULL, false, false, key_text_first, NAV, "g", "the top", NULL},
    {'G', TUI_KM(TUI_M_LOG), NULL, false, false, key_log_follow, NAV, "G", "follow the tail", NULL},
    {KEY_END, TUI_KM(TUI_M_LOG), NULL, false, false, key_log_follow, NAV, "G", "follow the tail",
     NULL},
};
const size_t tui_nkeys = sizeof(tui_keys) / sizeof(tui_keys[0]);

const char *const tui_hint_groups[] = {"?", "/", ":", "\r", "l", " ", "STR", "q"};
const size_t tui_nhint_groups = sizeof(tui_hint_groups) / sizeof(tui_hint_groups[0]);

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

	if (ui->input == TUI_IN_CONFIRM) {
		confirm_key(ui, ch);
		return;
	}
	if (ui->input != TUI_IN_NONE) {
		input_key(ui, ch);
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
		(void)refuse_readonly(ui, key_verb(ui, k));
		return;
	}
	k->handler(ui, k);
}
