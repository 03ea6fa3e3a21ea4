/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text prompts: "/" (the filter, applied as typed), ":" (an lxf
 * command), a new name (a rename on the same host, a launch). The keys
 * feed the line editor of input.c; Up/Down walk the prompt's history,
 * kept across runs in $LXF_CONF; Tab in ":" completes through
 * cli/complete.c, the engine of lxf's own prompt.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "complete.h"
#include "file.h"
#include "keys.h"

#define CTRL(c) ((c)&0x1f)

static const char *const hist_files[2] = {"tui-history-filter", "tui-history-command"};

/* The history of prompt in (the filter's or the command's), or NULL. */
static struct tui_hist *prompt_hist(struct tui_ui *ui, enum tui_input in, char *path, size_t len)
{
	int i = in == TUI_IN_FILTER ? 0 : in == TUI_IN_CMD ? 1 : -1;

	if (i < 0)
		return NULL;
	path[0] = '\0';
	if (ui->m->remotes && ui->m->remotes->dir)
		(void)snprintf(path, len, "%s/%s", ui->m->remotes->dir, hist_files[i]);
	return &ui->hist[i];
}

/* ui->in mirrors the line: draw.c shows it, jobs.c completes it. */
static void line_sync(struct tui_ui *ui)
{
	memcpy(ui->in, ui->line.buf, ui->line.len + 1);
	ui->ilen = ui->line.len;
}

void tui_prompt_open(struct tui_ui *ui, enum tui_input in, const char *text, bool sel)
{
	char path[PATH_MAX];
	struct tui_hist *h = prompt_hist(ui, in, path, sizeof(path));

	if (h && !h->loaded && path[0] && tui_hist_load(h, path) != 0)
		tui_say(ui, "cannot read the history %s", path);
	if (h)
		tui_hist_reset(h);
	ui->input = in;
	tui_line_set(&ui->line, text, sel);
	line_sync(ui);
}

static void prompt_remember(struct tui_ui *ui, const char *line)
{
	char path[PATH_MAX];
	struct tui_hist *h = prompt_hist(ui, ui->input, path, sizeof(path));
	struct lxf_err err = {0};

	if (!h)
		return;
	tui_hist_add(h, line);
	/* The configuration directory may not exist yet (no remote added). */
	if (path[0] &&
	    (lxf_mkdir_p(ui->m->remotes->dir, 0700, &err) != 0 || tui_hist_save(h, path) != 0))
		tui_say(ui, "cannot save the history %s", path);
}

void tui_filter_apply(struct tui_ui *ui)
{
	char err[300];
	struct tui_filter f;

	if (tui_filter_parse(ui->in, &f, err, sizeof(err)) != 0 ||
	    tui_filter_groups(&f, tui_group_expand, ui->m->remotes, err, sizeof(err)) != 0) {
		tui_filter_fini(&f);
		tui_say(ui, "filter: %s", err);
		return;
	}
	pthread_mutex_lock(&ui->m->lock);
	tui_filter_fini(&ui->filter);
	ui->filter = f;
	(void)snprintf(ui->filter_text, sizeof(ui->filter_text), "%s", ui->in);
	ui->view_dirty = true;
	pthread_mutex_unlock(&ui->m->lock);
	ui->msg[0] = '\0';
}

static void submit_rename(struct tui_ui *ui, const char *line)
{
	char *av[3] = {(char *)"rename", ui->targets[0], (char *)line};
	char label[TUI_INPUT_MAX + 160];

	if (!line[0] || strchr(line, ' ') || strchr(line, ':')) {
		tui_say(ui, "rename: a new name without spaces or ':' is needed");
		return;
	}
	(void)snprintf(label, sizeof(label), "rename %s %s", ui->targets[0], line);
	(void)tui_job_start(ui, TUI_SINK_LOG, label, 3, av);
}

static void submit_cmd(struct tui_ui *ui, char *line)
{
	static struct lxf_words w;
	size_t n = strlen(line);
	int rc;

	while (n && line[n - 1] == ' ')
		line[--n] = '\0';
	rc = lxf_words_split(&w, line, false);
	if (rc != 0) {
		tui_say(ui, "Error: %s", lxf_words_strerror(rc));
		return;
	}
	if (w.n == 0)
		return;
	if (tui_exec_is_fanout(w.n, w.v)) {
		tui_exec_targets(ui, w.n - 2, w.v + 2);
		return;
	}
	(void)tui_job_start(ui, TUI_SINK_LOG, line, w.n, w.v);
	ui->mode = TUI_M_LOG;
	ui->log_follow = true;
}

static void input_submit(struct tui_ui *ui)
{
	char line[TUI_INPUT_MAX];
	enum tui_input in = ui->input;

	(void)snprintf(line, sizeof(line), "%s", ui->in);
	prompt_remember(ui, line);
	ui->input = TUI_IN_NONE;
	if (in == TUI_IN_RENAME)
		submit_rename(ui, line);
	else if (in == TUI_IN_CMD)
		submit_cmd(ui, line);
	else if (in == TUI_IN_LAUNCH)
		tui_launch_submit(ui, line);
	/* the filter applies as it is typed */
}

/*
 * Tab: completes the text before the cursor (jobs.c over complete.c) and
 * keeps the rest; a blank the completion ends with is not doubled.
 */
static void prompt_complete(struct tui_ui *ui)
{
	char tail[TUI_INPUT_MAX], list[200];
	size_t head;

	(void)snprintf(tail, sizeof(tail), "%s", ui->line.buf + ui->line.cur);
	ui->in[ui->line.cur] = '\0';
	ui->ilen = ui->line.cur;
	if (tui_cmd_complete(ui, list, sizeof(list)) > 1)
		tui_say(ui, "%s", list);
	head = ui->ilen;
	if (head && ui->in[head - 1] == ' ' && tail[0] == ' ')
		memmove(tail, tail + 1, strlen(tail));
	tui_line_set(&ui->line, ui->in, false);
	tui_line_insert(&ui->line, tail);
	ui->line.cur = head;
	line_sync(ui);
}

/* The terminal's editing keys as line edits; -1: not one. */
static int edit_of(int ch)
{
	switch (ch) {
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		return TUI_ED_BACKSPACE;
	case KEY_DC:
	case CTRL('d'):
		return TUI_ED_DELETE;
	case KEY_LEFT:
	case CTRL('b'):
		return TUI_ED_LEFT;
	case KEY_RIGHT:
	case CTRL('f'):
		return TUI_ED_RIGHT;
	case KEY_HOME:
	case CTRL('a'):
		return TUI_ED_HOME;
	case KEY_END:
	case CTRL('e'):
		return TUI_ED_END;
	case CTRL('u'):
		return TUI_ED_KILL_START;
	case CTRL('k'):
		return TUI_ED_KILL_END;
	case CTRL('w'):
		return TUI_ED_KILL_WORD;
	default:
		return ch >= 0x20 && ch < 0x7f ? TUI_ED_INSERT : -1;
	}
}

void tui_input_key(struct tui_ui *ui, int ch)
{
	struct tui_hist *h;
	char path[PATH_MAX];
	int op;

	if (ch == 27) {
		if (ui->input == TUI_IN_FILTER) {
			tui_line_set(&ui->line, "", false);
			line_sync(ui);
			tui_filter_apply(ui);
		}
		ui->input = TUI_IN_NONE;
		return;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		input_submit(ui);
		return;
	}
	if (ch == '\t' && ui->input == TUI_IN_CMD) {
		prompt_complete(ui);
		return;
	}
	h = prompt_hist(ui, ui->input, path, sizeof(path));
	if ((ch == KEY_UP || ch == CTRL('p') || ch == KEY_DOWN || ch == CTRL('n')) && h)
		(void)tui_hist_step(h, &ui->line, ch == KEY_UP || ch == CTRL('p') ? -1 : 1);
	else if ((op = edit_of(ch)) >= 0)
		(void)tui_line_edit(&ui->line, (enum tui_edit)op, ch);
	else
		return;
	line_sync(ui);
	if (ui->input == TUI_IN_FILTER)
		tui_filter_apply(ui);
}
