/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table's actions: the targets (the marked containers, else the one
 * under the cursor), marks, the Cancel-default confirm (y accepts, any
 * other key but a choice cancels), the details and container log views,
 * exec/console hand-over and the move flow (pick up with m or a mouse
 * drag, drop on a host; a running container's move is a live migration,
 * so it asks first). Actions run as CLI commands through jobs.c.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

void tui_say(struct tui_ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(ui->msg, sizeof(ui->msg), fmt, ap);
	va_end(ap);
}

void tui_cursor_sync(struct tui_ui *ui)
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

void tui_cursor_move(struct tui_ui *ui, long delta)
{
	long c = (long)ui->cur + delta;

	if (c >= (long)ui->nview)
		c = (long)ui->nview - 1;
	if (c < 0)
		c = 0;
	ui->cur = (size_t)c;
	tui_cursor_sync(ui);
}

/* Room for n targets (and one more: the cursor's row); false when out of memory. */
static bool targets_reserve(struct tui_ui *ui, size_t n)
{
	size_t cap = n + 1;
	void *t, *h;

	if (cap <= ui->targets_cap)
		return true;
	t = realloc(ui->targets, cap * sizeof(*ui->targets));
	if (t)
		ui->targets = t;
	h = realloc(ui->target_host, cap * sizeof(*ui->target_host));
	if (h)
		ui->target_host = h;
	if (!t || !h)
		return false;
	ui->targets_cap = cap;
	return true;
}

size_t tui_targets_collect(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;
	size_t nmarked = 0;

	ui->ntargets = 0;
	pthread_mutex_lock(&m->lock);
	tui_view_rebuild(ui);
	for (size_t i = 0; i < m->n; i++)
		nmarked += m->rows[i].marked;
	if (!targets_reserve(ui, nmarked)) {
		pthread_mutex_unlock(&m->lock);
		tui_say(ui, "out of memory for %zu targets", nmarked);
		return 0;
	}
	for (size_t i = 0; i < m->n; i++) {
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

bool tui_cursor_target(struct tui_ui *ui, char *buf, size_t len)
{
	bool ok = false;

	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview) {
		const struct tui_row *r = &ui->m->rows[ui->view[ui->cur]];

		(void)snprintf(buf, len, "%s:%s", ui->m->hosts[r->host].name, r->name);
		ok = true;
	}
	pthread_mutex_unlock(&ui->m->lock);
	return ok;
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
	char **argv = calloc(ui->ntargets + 2, sizeof(*argv));
	char label[256];
	int n = 0;

	if (!argv) {
		tui_say(ui, "out of memory");
		return;
	}
	if (strcmp(ui->action, "snapshot") == 0) {
		/* `snapshot` takes one instance: one job each. */
		for (size_t i = 0; i < ui->ntargets; i++) {
			argv[0] = ui->action;
			argv[1] = ui->targets[i];
			(void)snprintf(label, sizeof(label), "snapshot %s", ui->targets[i]);
			(void)tui_job_start(ui, TUI_SINK_LOG, label, 2, argv);
		}
		goto out;
	}
	argv[n++] = ui->action;
	if (strcmp(ui->action, "delete") == 0)
		argv[n++] = (char *)"--force";
	for (size_t i = 0; i < ui->ntargets; i++)
		argv[n++] = ui->targets[i];
	(void)snprintf(label, sizeof(label), "%s ", ui->action);
	targets_label(ui, label + strlen(label), sizeof(label) - strlen(label));
	if (tui_job_start(ui, TUI_SINK_LOG, label, n, argv) == 0)
		tui_say(ui, "running: %s", label);
out:
	free(argv);
}

bool tui_refuse_readonly(struct tui_ui *ui, const char *what)
{
	if (!ui->readonly)
		return false;
	tui_say(ui, "read-only mode (--readonly): %s refused", what);
	return true;
}

void tui_confirm(struct tui_ui *ui, void (*run)(struct tui_ui *ui), const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(ui->confirm_text, sizeof(ui->confirm_text), fmt, ap);
	va_end(ap);
	ui->confirm_run = run;
	ui->confirm_ok = 0;
	ui->input = TUI_IN_CONFIRM;
}

void tui_confirm_key(struct tui_ui *ui, int ch)
{
	switch (ch) {
	case KEY_LEFT:
	case KEY_RIGHT:
	case '\t':
	case 'h':
	case 'l':
		ui->confirm_ok = !ui->confirm_ok;
		return;
	case KEY_RESIZE:
	case KEY_MOUSE:
		return; /* not an answer */
	case 'y':
	case 'Y':
		ui->confirm_ok = 1;
		/* fall through */
	case '\n':
	case '\r':
	case KEY_ENTER:
		ui->input = TUI_IN_NONE;
		if (ui->confirm_ok && ui->confirm_run)
			ui->confirm_run(ui);
		else
			tui_say(ui, "cancelled");
		return;
	default: /* n, Esc, q and any other key */
		ui->input = TUI_IN_NONE;
		tui_say(ui, "cancelled");
		return;
	}
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

void tui_key_action(struct tui_ui *ui, const struct tui_key *k)
{
	const char *verb = key_verb(ui, k);
	char label[120];

	if (tui_targets_collect(ui) == 0) {
		tui_say(ui, "no container selected");
		return;
	}
	(void)snprintf(ui->action, sizeof(ui->action), "%s", verb);
	if (!k->confirm) {
		action_run(ui);
		return;
	}
	targets_label(ui, label, sizeof(label));
	tui_confirm(ui, action_run, "%c%s %zu container%s: %s?", verb[0] - 'a' + 'A', verb + 1,
		    ui->ntargets, ui->ntargets == 1 ? "" : "s", label);
}

void tui_details_run(struct tui_ui *ui, const char *title, int argc, char *const *argv)
{
	char label[200];
	size_t off = 0;

	label[0] = '\0';
	for (int i = 0; i < argc && off < sizeof(label); i++) {
		int w = snprintf(label + off, sizeof(label) - off, "%s%s", i ? " " : "", argv[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	lxf_buf_reset(&ui->details);
	ui->details_top = 0;
	(void)snprintf(ui->details_title, sizeof(ui->details_title), "%s", title);
	(void)tui_job_start(ui, TUI_SINK_DETAILS, label, argc, argv);
	ui->mode = TUI_M_DETAILS;
}

void tui_exec_targets(struct tui_ui *ui, int argc, char *const *argv)
{
	char title[160], cmd[100] = "";
	char **v;
	int n = 0;
	size_t off = 0;

	if (tui_targets_collect(ui) == 0) {
		tui_say(ui, "no container selected");
		return;
	}
	v = tui_exec_fanout_argv(ui->targets, ui->ntargets, argc, argv, &n);
	if (!v) {
		tui_say(ui, "out of memory");
		return;
	}
	for (int i = 0; i < argc && off < sizeof(cmd); i++) {
		int w = snprintf(cmd + off, sizeof(cmd) - off, "%s%s", i ? " " : "", argv[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	(void)snprintf(title, sizeof(title), "exec in %zu container%s: %s", ui->ntargets,
		       ui->ntargets == 1 ? "" : "s", cmd);
	tui_details_run(ui, title, n, v);
	free(v);
}

/* Details are for the row under the cursor, marked or not: info and config show. */
void tui_key_details(struct tui_ui *ui, const struct tui_key *k)
{
	char *argv[6], title[sizeof(ui->pick.inst) + 16];
	char *inst = ui->pick.inst;

	(void)k;
	if (ui->mode == TUI_M_TABLE && !tui_cursor_target(ui, inst, sizeof(ui->pick.inst)))
		return;
	argv[0] = (char *)"info";
	argv[1] = inst;
	argv[2] = (char *)";";
	argv[3] = (char *)"config";
	argv[4] = (char *)"show";
	argv[5] = inst;
	(void)snprintf(title, sizeof(title), "Details of %s", inst);
	tui_details_run(ui, title, 6, argv);
}

/* l: the container's own log (its console log), in the details view. */
void tui_key_inst_log(struct tui_ui *ui, const struct tui_key *k)
{
	char *argv[3], title[sizeof(ui->pick.inst) + 32];
	char *inst = ui->pick.inst;

	(void)k;
	if (ui->mode == TUI_M_TABLE && !tui_cursor_target(ui, inst, sizeof(ui->pick.inst))) {
		tui_say(ui, "no container selected");
		return;
	}
	argv[0] = (char *)"console";
	argv[1] = inst;
	argv[2] = (char *)"--show-log";
	(void)snprintf(title, sizeof(title), "Console log of %s", inst);
	tui_details_run(ui, title, 3, argv);
}

/* exec (a shell) or console in the container, on the terminal. */
void tui_key_terminal(struct tui_ui *ui, const struct tui_key *k)
{
	char *argv[5] = {(char *)k->verb, NULL, (char *)"--", (char *)"sh", NULL};

	if (tui_targets_collect(ui) == 0) {
		tui_say(ui, "no container selected");
		return;
	}
	argv[1] = ui->targets[0];
	(void)tui_job_foreground(ui, strcmp(k->verb, "exec") == 0 ? 4 : 2, argv);
}

void tui_key_move(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	if (tui_targets_collect(ui) == 0) {
		tui_say(ui, "no container selected");
		return;
	}
	ui->moving = true;
	ui->mode = TUI_M_HOSTS;
	ui->host_cur = ui->target_host[0];
	tui_say(ui, "moving %zu container%s: choose a host, Enter drops, Esc cancels", ui->ntargets,
		ui->ntargets == 1 ? "" : "s");
}

/* One `lxf move` job per target, to ui->move_dst. */
static void move_run(struct tui_ui *ui)
{
	const char *hname = ui->m->hosts[ui->move_dst].name;

	for (size_t i = 0; i < ui->ntargets; i++) {
		char dst[LXF_REMOTE_NAME_MAX + 2], label[256];
		char *argv[3] = {(char *)"move", ui->targets[i], dst};

		(void)snprintf(dst, sizeof(dst), "%s:", hname);
		(void)snprintf(label, sizeof(label), "move %s %s", ui->targets[i], dst);
		(void)tui_job_start(ui, TUI_SINK_LOG, label, 3, argv);
	}
}

/* How many of the targets run (a move of those is a live migration). */
static size_t targets_running(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;
	size_t run = 0;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < ui->ntargets; i++) {
		const char *colon = strchr(ui->targets[i], ':');
		ssize_t r = colon ? tui_model_find(m, ui->target_host[i], colon + 1) : -1;

		run += r >= 0 && strcmp(m->rows[r].state, "RUNNING") == 0;
	}
	pthread_mutex_unlock(&m->lock);
	return run;
}

void tui_move_drop(struct tui_ui *ui, size_t h)
{
	bool same = true;
	size_t run;
	char label[120];

	ui->moving = false;
	ui->mode = TUI_M_TABLE;
	for (size_t i = 0; i < ui->ntargets; i++)
		same = same && ui->target_host[i] == h;
	if (same) {
		if (ui->ntargets != 1) {
			tui_say(ui, "a move on the same host is a rename: pick one container");
			return;
		}
		tui_prompt_open(ui, TUI_IN_RENAME, "", false);
		return;
	}
	if (!tui_cmd_exists("move")) {
		tui_say(ui, "moving between hosts is not available yet (issue #6)");
		return;
	}
	ui->move_dst = (uint16_t)h;
	run = targets_running(ui);
	if (run == 0) {
		move_run(ui);
		return;
	}
	targets_label(ui, label, sizeof(label));
	tui_confirm(ui, move_run, "Move %zu container%s to %s (%zu running: a live migration): %s?",
		    ui->ntargets, ui->ntargets == 1 ? "" : "s", ui->m->hosts[h].name, run, label);
}

/* --- marks --- */

void tui_key_mark(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->cur < ui->nview) {
		struct tui_row *r = &ui->m->rows[ui->view[ui->cur]];

		r->marked = !r->marked;
		ui->anchor_host = r->host;
		(void)snprintf(ui->anchor_name, sizeof(ui->anchor_name), "%s", r->name);
	}
	pthread_mutex_unlock(&ui->m->lock);
	tui_cursor_move(ui, 1);
}

void tui_key_unmark(struct tui_ui *ui, const struct tui_key *k)
{
	(void)k;
	pthread_mutex_lock(&ui->m->lock);
	for (size_t i = 0; i < ui->m->n; i++)
		ui->m->rows[i].marked = false;
	pthread_mutex_unlock(&ui->m->lock);
	ui->anchor_name[0] = '\0';
}

/* Marks the visible rows from index a to b (either order). Locked by the caller. */
static size_t mark_span(struct tui_ui *ui, size_t a, size_t b)
{
	size_t lo = a < b ? a : b, hi = a < b ? b : a, n = 0;

	for (size_t i = lo; i <= hi && i < ui->nview; i++, n++)
		ui->m->rows[ui->view[i]].marked = true;
	return n;
}

/* Ctrl-A: every row the filter shows. */
void tui_key_mark_all(struct tui_ui *ui, const struct tui_key *k)
{
	size_t n = 0;

	(void)k;
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	if (ui->nview)
		n = mark_span(ui, 0, ui->nview - 1);
	pthread_mutex_unlock(&ui->m->lock);
	tui_say(ui, "%zu container%s marked", n, n == 1 ? "" : "s");
}

/* V (k9s's Ctrl-Space): the rows from the one last marked with Space to the cursor. */
void tui_key_mark_range(struct tui_ui *ui, const struct tui_key *k)
{
	size_t n = 0;
	bool found = false;

	(void)k;
	pthread_mutex_lock(&ui->m->lock);
	tui_view_rebuild(ui);
	for (size_t i = 0; i < ui->nview && ui->anchor_name[0] && !found; i++) {
		const struct tui_row *r = &ui->m->rows[ui->view[i]];

		if (r->host == ui->anchor_host && strcmp(r->name, ui->anchor_name) == 0) {
			n = mark_span(ui, i, ui->cur);
			found = true;
		}
	}
	pthread_mutex_unlock(&ui->m->lock);
	if (found)
		tui_say(ui, "%zu container%s marked", n, n == 1 ? "" : "s");
	else
		tui_say(ui, "mark a row with Space first: V marks from it to the cursor");
}
