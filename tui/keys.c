/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys and mouse: navigation, the "/" filter and ":" prompts, actions on
 * the marked (else the selected) containers with a Cancel-default confirm
 * for the destructive ones, the details/log/help views and the move flow
 * (pick up with m or a mouse drag, drop on a host). Actions run as CLI
 * commands through jobs.c.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

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

	if (refuse_readonly(ui, verb))
		return;
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

static void freeze_toggle(struct tui_ui *ui)
{
	bool frozen = false;

	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview)
		frozen = strcmp(ui->m->rows[ui->view[ui->cur]].state, "FROZEN") == 0;
	pthread_mutex_unlock(&ui->m->lock);
	/* A frozen container resumes with start (the CLI unfreezes it). */
	action(ui, frozen ? "start" : "pause", false);
}

static void details_open(struct tui_ui *ui)
{
	char *argv[8], label[2 * sizeof(ui->targets[0]) + 32];

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

static void terminal(struct tui_ui *ui, bool console)
{
	char *argv[5];

	if (refuse_readonly(ui, console ? "console" : "exec"))
		return;
	if (targets_collect(ui) == 0) {
		say(ui, "no container selected");
		return;
	}
	if (console) {
		argv[0] = (char *)"console";
		argv[1] = ui->targets[0];
		(void)tui_job_foreground(ui, 2, argv);
		return;
	}
	argv[0] = (char *)"exec";
	argv[1] = ui->targets[0];
	argv[2] = (char *)"--";
	argv[3] = (char *)"sh";
	(void)tui_job_foreground(ui, 4, argv);
}

static void move_pickup(struct tui_ui *ui)
{
	if (refuse_readonly(ui, "move"))
		return;
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

/* Splits a prompt line like a shell would for plain words and quotes. */
static int split_line(char *s, char **argv, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *w, *o, q = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w = o = s;
		while (*s && (q || (*s != ' ' && *s != '\t'))) {
			if (!q && (*s == '"' || *s == '\''))
				q = *s++;
			else if (q && *s == q) {
				q = 0;
				s++;
			} else
				*o++ = *s++;
		}
		if (*s)
			s++;
		*o = '\0';
		argv[n++] = w;
	}
	return n;
}

static void input_submit(struct tui_ui *ui)
{
	char line[TUI_INPUT_MAX], *argv[64];
	int n;

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
		n = split_line(line, argv, 64);
		if (n == 0)
			return;
		(void)tui_job_start(ui, TUI_SINK_LOG, ui->in, n, argv);
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
		char out[TUI_INPUT_MAX], list[200];

		if (tui_cmd_complete(ui->in, out, sizeof(out), list, sizeof(list)) > 1)
			say(ui, "%s", list);
		(void)snprintf(ui->in, sizeof(ui->in), "%s", out);
		ui->ilen = strlen(ui->in);
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

static void mouse_key(struct tui_ui *ui)
{
	MEVENT ev;

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

static void mark_toggle(struct tui_ui *ui)
{
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview) {
		struct tui_row *r = &ui->m->rows[ui->view[ui->cur]];

		r->marked = !r->marked;
	}
	pthread_mutex_unlock(&ui->m->lock);
	cursor_move(ui, 1);
}

static void unmark_all(struct tui_ui *ui)
{
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

static void scroll_key(size_t *top, int ch, size_t page)
{
	if ((ch == KEY_UP || ch == 'k') && *top)
		(*top)--;
	else if (ch == KEY_DOWN || ch == 'j')
		(*top)++;
	else if (ch == KEY_PPAGE)
		*top = *top > page ? *top - page : 0;
	else if (ch == KEY_NPAGE)
		*top += page;
	else if (ch == 'g' || ch == KEY_HOME)
		*top = 0;
}

static void hosts_key(struct tui_ui *ui, int ch)
{
	if ((ch == KEY_UP || ch == 'k') && ui->host_cur)
		ui->host_cur--;
	else if ((ch == KEY_DOWN || ch == 'j') && ui->host_cur + 1 < ui->m->nhosts)
		ui->host_cur++;
	else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
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
}

static bool global_key(struct tui_ui *ui, int ch)
{
	switch (ch) {
	case 'q':
		ui->quit = true;
		return true;
	case 27:
		if (ui->moving)
			say(ui, "move cancelled");
		ui->moving = false;
		ui->mode = TUI_M_TABLE;
		return true;
	case '?':
		ui->mode = TUI_M_HELP;
		return true;
	case 'l':
		ui->mode = TUI_M_LOG;
		ui->log_follow = true;
		return true;
	case KEY_RESIZE:
		return true;
	default:
		return false;
	}
}

static void table_key(struct tui_ui *ui, int ch)
{
	long page = ui->nrows_shown > 1 ? ui->nrows_shown - 1 : 1;

	switch (ch) {
	case KEY_UP:
	case 'k':
		cursor_move(ui, -1);
		break;
	case KEY_DOWN:
	case 'j':
		cursor_move(ui, 1);
		break;
	case KEY_PPAGE:
		cursor_move(ui, -page);
		break;
	case KEY_NPAGE:
		cursor_move(ui, page);
		break;
	case 'g':
	case KEY_HOME:
		cursor_move(ui, -(long)ui->nview);
		break;
	case 'G':
	case KEY_END:
		cursor_move(ui, (long)ui->nview);
		break;
	case ' ':
		mark_toggle(ui);
		break;
	case 'u':
		unmark_all(ui);
		break;
	case '<':
		sort_by(ui, -1);
		break;
	case '>':
		sort_by(ui, 1);
		break;
	case 'I':
		ui->sort_desc = !ui->sort_desc;
		ui->view_dirty = true;
		break;
	case 'h':
		ui->mode = TUI_M_HOSTS;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		details_open(ui);
		break;
	case '/':
		ui->input = TUI_IN_FILTER;
		(void)snprintf(ui->in, sizeof(ui->in), "%s", ui->filter_text);
		ui->ilen = strlen(ui->in);
		break;
	case ':':
		if (refuse_readonly(ui, "the command prompt"))
			break;
		ui->input = TUI_IN_CMD;
		ui->in[0] = '\0';
		ui->ilen = 0;
		break;
	case 'S':
		action(ui, "start", false);
		break;
	case 'T':
		action(ui, "stop", true);
		break;
	case 'R':
		action(ui, "restart", true);
		break;
	case 'D':
		action(ui, "delete", true);
		break;
	case 'N':
		action(ui, "snapshot", false);
		break;
	case 'F':
		freeze_toggle(ui);
		break;
	case 'e':
		terminal(ui, false);
		break;
	case 'c':
		terminal(ui, true);
		break;
	case 'm':
		move_pickup(ui);
		break;
	case KEY_MOUSE:
		mouse_key(ui);
		break;
	default:
		break;
	}
}

void tui_key(struct tui_ui *ui, int ch)
{
	if (ui->input == TUI_IN_CONFIRM) {
		confirm_key(ui, ch);
		return;
	}
	if (ui->input != TUI_IN_NONE) {
		input_key(ui, ch);
		return;
	}
	if (ch != KEY_MOUSE && ch != KEY_RESIZE)
		ui->msg[0] = '\0';
	if (global_key(ui, ch))
		return;
	switch (ui->mode) {
	case TUI_M_TABLE:
		table_key(ui, ch);
		break;
	case TUI_M_HOSTS:
		hosts_key(ui, ch);
		break;
	case TUI_M_DETAILS:
		scroll_key(&ui->details_top, ch, (size_t)(LINES > 4 ? LINES - 4 : 1));
		break;
	case TUI_M_LOG:
		ui->log_follow = ch == 'G' || ch == KEY_END;
		scroll_key(&ui->log_top, ch, (size_t)(LINES > 4 ? LINES - 4 : 1));
		break;
	case TUI_M_HELP:
		break;
	}
}
