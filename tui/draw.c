/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drawing: title line, host panel, the container table, the details, log
 * and help views, the confirm box and the status line. Everything is
 * drawn from the model under its lock, straight from the row array
 * through the view index: nothing is allocated per frame.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "ui.h"

#define MIN_COLS  80
#define MIN_LINES 24

enum { PAIR_UP = 1, PAIR_DOWN, PAIR_WARN, PAIR_HOST0 };
#define HOST_COLOURS_MAX 6

/* Host colours: none of the green, yellow and red that say up, slow and
 * down; a 256-colour terminal has three more shades of blue and violet. */
static int host_colours = 3;

void tui_colors_init(struct tui_ui *ui)
{
	static const short host_fg[HOST_COLOURS_MAX] = {COLOR_CYAN, COLOR_MAGENTA, COLOR_BLUE,
							75,         141,           213};

	ui->color = ui->color && has_colors();
	if (!ui->color)
		return;
	(void)start_color();
	(void)use_default_colors();
	(void)init_pair(PAIR_UP, COLOR_GREEN, -1);
	(void)init_pair(PAIR_DOWN, COLOR_RED, -1);
	(void)init_pair(PAIR_WARN, COLOR_YELLOW, -1);
	host_colours =
	    COLORS >= 256 && COLOR_PAIRS > PAIR_HOST0 + HOST_COLOURS_MAX ? HOST_COLOURS_MAX : 3;
	for (int i = 0; i < host_colours; i++)
		(void)init_pair((short)(PAIR_HOST0 + i), host_fg[i], -1);
}

static attr_t pair(const struct tui_ui *ui, int p)
{
	return ui->color ? (attr_t)COLOR_PAIR(p) : A_NORMAL;
}

unsigned tui_heat_attr(const struct tui_ui *ui, int heat)
{
	static const int heat_pair[] = {PAIR_UP, PAIR_WARN, PAIR_DOWN};

	if (heat < 0 || heat > 2)
		return A_NORMAL;
	return (unsigned)pair(ui, heat_pair[heat]);
}

void tui_view_rebuild(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;
	size_t n = 0;

	if (!ui->view_dirty && ui->view_gen == m->gen)
		return;
	if (ui->view_cap < m->n) {
		size_t cap = m->n + 256;
		size_t *nv = realloc(ui->view, cap * sizeof(*nv));

		if (!nv)
			return; /* keep the old view; the next change retries */
		ui->view = nv;
		ui->view_cap = cap;
	}
	for (size_t i = 0; i < m->n; i++)
		if (tui_filter_match(&ui->filter, &m->rows[i], m->hosts[m->rows[i].host].name))
			ui->view[n++] = i;
	tui_sort(m, ui->view, n, ui->sort_col, ui->sort_desc);
	ui->nview = n;
	ui->view_gen = m->gen;
	ui->view_dirty = false;
	/* The cursor stays on the same container across re-sorts and updates. */
	for (size_t i = 0; i < n && ui->cur_name[0]; i++) {
		const struct tui_row *r = &m->rows[ui->view[i]];

		if (r->host == ui->cur_host && strcmp(r->name, ui->cur_name) == 0) {
			ui->cur = i;
			return;
		}
	}
	if (ui->cur >= n)
		ui->cur = n ? n - 1 : 0;
}

/* % of one CPU; blank while running until two samples give a rate. */
static void fmt_cpu(char *buf, size_t len, const struct tui_row *r)
{
	if (r->cpu_ns < 0)
		(void)snprintf(buf, len, "-");
	else if (r->cpu_pm < 0)
		buf[0] = '\0';
	else
		(void)snprintf(buf, len, "%d.%d%%", r->cpu_pm / 10, r->cpu_pm % 10);
}

/* Seconds a request to a host not down has waited, when that is TUI_SLOW_MS or more. */
static int host_slow_secs(const struct tui_host *h, int64_t now_ms)
{
	/* Connecting too: a host hung before its first answer is slow, not "connecting". */
	if (h->status == TUI_HOST_DOWN || !h->req_since_ms ||
	    now_ms - h->req_since_ms < TUI_SLOW_MS)
		return 0;
	return (int)((now_ms - h->req_since_ms) / 1000);
}

/*
 * Lowers *at (tui_now_ms; -1 none) to when h's line changes with no news:
 * a request out turns slow at TUI_SLOW_MS, then its seconds and a retry's
 * countdown tick each second. Only that wakes an idle screen (nothing
 * tells the UI that a host stopped answering).
 */
static void host_redraw_at(const struct tui_host *h, int64_t now, int64_t *at)
{
	int64_t t = -1;

	if (h->status != TUI_HOST_DOWN && h->req_since_ms) {
		int64_t age = now - h->req_since_ms;

		t = age < TUI_SLOW_MS ? h->req_since_ms + TUI_SLOW_MS : now + 1000 - age % 1000;
	} else if (h->retry_ms > now) {
		t = now + 1 + (h->retry_ms - now - 1) % 1000;
	}
	if (t >= 0 && (*at < 0 || t < *at))
		*at = t;
}

/* Lowers *at (-1 none) to the next slot of the graphs (spark.h). */
static void graphs_redraw_at(int64_t now, int64_t *at)
{
	int64_t t = (tui_series_slot(now) + 1) * TUI_SERIES_SLOT_MS;

	if (*at < 0 || t < *at)
		*at = t;
}

/* "HH:MM:SS" of t (local time), "never" for 0. */
static void fmt_seen(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (!t || !localtime_r(&t, &tm) || strftime(buf, len, "%H:%M:%S", &tm) == 0)
		(void)snprintf(buf, len, "never");
}

/* A down host's reason, cut at a word, then when it was last seen and a
 * countdown to the next retry (the UI redraws each second while one is down). */
static void draw_down(const struct tui_ui *ui, const struct tui_host *h, int64_t now)
{
	char seen[16], tail[64], reason[sizeof(h->reason) + 8];
	int room = COLS - getcurx(stdscr) - 1;
	int64_t left = h->retry_ms > now ? (h->retry_ms - now + 999) / 1000 : 0;

	fmt_seen(seen, sizeof(seen), h->seen);
	if (h->retry_ms)
		(void)snprintf(tail, sizeof(tail), " (last seen %s, retry in %llds)", seen,
			       (long long)left);
	else
		(void)snprintf(tail, sizeof(tail), " (last seen %s)", seen);
	room -= tui_text_cols(tail, false);
	(void)tui_fit(h->reason, room > 8 ? room : 8, ui->utf8, true, reason, sizeof(reason));
	printw(" %s%s", reason, tail);
}

/* The groups of host h, "web, db" (cut with ", ..."), "-" for none. Borrowed: buf. */
static const char *host_groups(const struct tui_model *m, const struct tui_host *h, char *buf,
			       size_t len)
{
	if (!m->remotes || lxf_remotes_groups_of(m->remotes, h->name, buf, len) == 0)
		(void)snprintf(buf, len, "-");
	return buf;
}

/*
 * The host panel's graphs, after STATUS: its containers' CPU (scaled to
 * its CPUs) and memory (to its memory), each w columns, on a terminal of
 * HOST_SPARK_COLS or more (80 columns keep the panel as it was).
 */
#define HOST_SPARK_COLS 100
#define HOST_SPARK_MAX  16

static int host_spark_w(void)
{
	int w = (COLS - HOST_SPARK_COLS) / 2 + 8;

	return COLS < HOST_SPARK_COLS ? 0 : w > HOST_SPARK_MAX ? HOST_SPARK_MAX : w;
}

static void draw_host_sparks(const struct tui_ui *ui, const struct tui_host *h, int w, int64_t now)
{
	int64_t end = tui_host_graph_end(h, now);
	uint32_t cpu = h->ncpu > 0 ? (uint32_t)h->ncpu * 1000 : 1000;
	uint32_t mem = h->mem_total > 0 ? (uint32_t)(h->mem_total / 1024) : 0;
	uint32_t cmax = tui_series_max(&h->h_cpu, end, (size_t)w);

	if (!mem)
		mem = tui_series_max(&h->h_mem, end, (size_t)w);
	printw(" ");
	tui_draw_spark(ui, &h->h_cpu, end, w, cmax > cpu ? cmax : cpu);
	printw(" ");
	tui_draw_spark(ui, &h->h_mem, end, w, mem);
}

/* The host panel's HOST column: a longer name is cut with an ellipsis, as in the table. */
#define HOST_NAME_W 12

static int draw_hosts(struct tui_ui *ui, int y, int maxrows)
{
	struct tui_model *m = ui->m;
	static const char *const st_name[] = {"connecting", "up", "down"};
	int64_t now = tui_now_ms();
	int shown = 0, sw = host_spark_w();
	size_t first = 0;

	if (ui->host_cur >= (size_t)maxrows)
		first = ui->host_cur - (size_t)maxrows + 1;
	attron(A_BOLD);
	mvprintw(y, 0, "%-2s%-*s %-11s", "", HOST_NAME_W, "HOST", "STATUS");
	if (sw)
		printw(" %-*s %-*s", sw, "CPU", sw, "MEM");
	printw(" %11s %5s %-19s %-3s  %s", "RUN/TOTAL", "CPUS", "MEMORY", "OPS", "GROUPS");
	attroff(A_BOLD);
	ui->hosts_y0 = y + 1;
	for (size_t i = first; i < m->nhosts && shown < maxrows; i++, shown++) {
		struct tui_host *h = &m->hosts[i];
		char used[16], total[16], mem[40] = "-", groups[64], name[HOST_NAME_W * 4 + 1];
		size_t run = h->nrun, all = h->nrows;
		bool sel = ui->mode == TUI_M_HOSTS && i == ui->host_cur;
		int slow = host_slow_secs(h, now), n;

		h->shown_next |= TUI_SHOWN_PANEL;
		int st_pair = h->status == TUI_HOST_UP && !slow ? PAIR_UP
			      : h->status == TUI_HOST_DOWN      ? PAIR_DOWN
								: PAIR_WARN;

		if (h->mem_total > 0) {
			tui_fmt_bytes(used, sizeof(used), h->mem_used);
			tui_fmt_bytes(total, sizeof(total), h->mem_total);
			(void)snprintf(mem, sizeof(mem), "%s/%s", used, total);
		}
		move(y + 1 + shown, 0);
		clrtoeol();
		if (sel)
			attron(A_REVERSE);
		printw("%-2s", sel ? ">" : "");
		attron(pair(ui, PAIR_HOST0 + (int)i % host_colours) | A_BOLD);
		n = tui_fit(h->name, HOST_NAME_W, ui->utf8, false, name, sizeof(name));
		printw("%s%*s ", name, HOST_NAME_W - n, "");
		attroff(pair(ui, PAIR_HOST0 + (int)i % host_colours) | A_BOLD);
		attron(pair(ui, st_pair));
		printw("%-11s", slow ? "slow" : st_name[h->status]);
		attroff(pair(ui, st_pair));
		if (sw)
			draw_host_sparks(ui, h, sw, now);
		if (h->status == TUI_HOST_DOWN)
			draw_down(ui, h, now);
		else if (slow)
			printw(" no answer for %d s; the rows below may be stale", slow);
		else
			printw(" %5zu/%-5zu %5d %-19s %-3zu  %s", run, all, h->ncpu, mem, h->nops,
			       host_groups(m, h, groups, sizeof(groups)));
		if (sel)
			attroff(A_REVERSE);
	}
	ui->nhosts_shown = shown;
	return shown + 1;
}

/*
 * The container table's columns, in enum tui_col order: how narrow each may
 * be cut (a cut address, number or state would lie: those go whole or not at all)
 * and its priority (tui_layout: NAME first; IMAGE, the longest and least
 * needed, is cut first and dropped first). Header and rows both use it.
 */
static const struct {
	int min, prio;
	bool right;
} table_cols[TUI_COL_N] = {
    [TUI_COL_REMOTE] = {6, 2, false}, [TUI_COL_NAME] = {8, 0, false},
    [TUI_COL_STATE] = {0, 1, false},  [TUI_COL_IPV4] = {0, 4, false},
    [TUI_COL_CPU] = {0, 5, true},     [TUI_COL_MEMORY] = {0, 3, true},
    [TUI_COL_IMAGE] = {10, 6, false},
};

/* The TREND column (CPU, the last minute): after CPU, not sortable, only
 * in the width the other columns leave (they are laid out as without it);
 * narrower, it shows fewer slots. */
#define COL_TREND   TUI_COL_N
#define TREND_MIN   6
#define TREND_W     12
#define TABLE_NCOLS (TUI_COL_N + 1)

#define MARK_W      2 /* the mark column before the others */
#define CPU_W       6 /* "100.0%" */
#define MEM_W       9 /* "1023.9MiB" */

static int max_i(int a, int b)
{
	return a > b ? a : b;
}

static const char *cell_text(const struct tui_ui *ui, const struct tui_row *r, int c, char *buf,
			     size_t len);

/*
 * The widths of the columns for the rows in the view: each as wide as its
 * widest value (all the view's rows, so that scrolling does not move the
 * columns), cut and dropped by priority to fit the terminal.
 */
static void table_widths(const struct tui_ui *ui, int w[TABLE_NCOLS])
{
	const struct tui_model *m = ui->m;
	struct tui_colspec spec[TUI_COL_N];
	int spare;
	char buf[64];

	for (int c = 0; c < TUI_COL_N; c++)
		spec[c] = (struct tui_colspec){.want = (int)strlen(tui_col_names[c]),
					       .prio = table_cols[c].prio};
	spec[TUI_COL_CPU].want = max_i(spec[TUI_COL_CPU].want, CPU_W);
	spec[TUI_COL_MEMORY].want = max_i(spec[TUI_COL_MEMORY].want, MEM_W);
	for (size_t i = 0; i < ui->nview; i++) {
		const struct tui_row *r = &m->rows[ui->view[i]];

		for (int c = 0; c < TUI_COL_N; c++) {
			if (c == TUI_COL_CPU || c == TUI_COL_MEMORY)
				continue; /* fixed: formatting each would cost more */
			spec[c].want =
			    max_i(spec[c].want,
				  tui_text_cols(cell_text(ui, r, c, buf, sizeof(buf)), ui->utf8));
		}
	}
	for (int c = 0; c < TUI_COL_N; c++)
		spec[c].min = table_cols[c].min && table_cols[c].min < spec[c].want
				  ? max_i(table_cols[c].min, (int)strlen(tui_col_names[c]))
				  : spec[c].want;
	spare = COLS - MARK_W - tui_layout(spec, TUI_COL_N, COLS - MARK_W, w) - 1;
	w[COL_TREND] = spare < TREND_MIN ? 0 : spare > TREND_W ? TREND_W : spare;
}

/* Text from a server (an image description) as ASCII outside a UTF-8 locale:
 * curses would show the bytes as M-x sequences and shift the columns. */
static const char *ascii(const struct tui_ui *ui, const char *s, char *buf, size_t len)
{
	size_t i;

	if (ui->utf8)
		return s;
	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* The text of column c of r: the row holds what the instance view decoded. */
static const char *cell_text(const struct tui_ui *ui, const struct tui_row *r, int c, char *buf,
			     size_t len)
{
	switch ((enum tui_col)c) {
	case TUI_COL_REMOTE:
		return ui->m->hosts[r->host].name;
	case TUI_COL_NAME:
		return r->name;
	case TUI_COL_STATE:
		if (r->stale) {
			char seen[16];

			fmt_seen(seen, sizeof(seen), ui->m->hosts[r->host].seen);
			(void)snprintf(buf, len, "%s %s", tui_row_state(r), seen);
			return buf;
		}
		return r->state;
	case TUI_COL_IPV4:
		return r->ipv4[0] ? r->ipv4 : "-";
	case TUI_COL_CPU:
		fmt_cpu(buf, len, r);
		return r->stale ? "-" : buf;
	case TUI_COL_MEMORY:
		tui_fmt_bytes(buf, len, r->mem);
		return r->stale ? "-" : buf;
	case TUI_COL_IMAGE:
		return ascii(ui, r->image, buf, len);
	case TUI_COL_N:
		break;
	}
	return "";
}

/* The host's colour on REMOTE, green on the STATE of a running container;
 * a stale row (its host is down) is dim and has neither. */
static attr_t cell_attr(const struct tui_ui *ui, const struct tui_row *r, int c)
{
	if (r->stale)
		return A_DIM;
	if (c == TUI_COL_REMOTE)
		return pair(ui, PAIR_HOST0 + r->host % host_colours);
	if (c == TUI_COL_STATE && tui_row_running(r))
		return pair(ui, PAIR_UP);
	return A_NORMAL;
}

/* Cell c, w columns wide, cut with an ellipsis; a dropped column (w 0) is not drawn. */
static void draw_cell(const struct tui_ui *ui, int c, int w, const char *text)
{
	char fit[TUI_LOG_WIDTH];
	int n;

	if (w <= 0)
		return;
	n = tui_fit(text, w, ui->utf8, false, fit, sizeof(fit));
	/* Padding by columns, not bytes: printw's %-*s counts the bytes of "…". */
	if (table_cols[c].right)
		printw("%*s%s", w - n, "", fit);
	else
		printw("%s%*s", fit, w - n, "");
	if (c + 1 < TUI_COL_N)
		printw(" ");
}

/* r's CPU over the last w slots, scaled to one CPU (or its peak, if more). */
static void draw_trend(const struct tui_ui *ui, const struct tui_row *r, int w, int64_t now)
{
	int64_t end = tui_host_graph_end(&ui->m->hosts[r->host], now);
	uint32_t max = tui_series_max(&r->h_cpu, end, (size_t)w);

	tui_draw_spark(ui, &r->h_cpu, end, w, max > 1000 ? max : 1000);
	printw(" ");
}

static void draw_table(struct tui_ui *ui, int y, int rows)
{
	struct tui_model *m = ui->m;
	int w[TABLE_NCOLS];
	int64_t now = tui_now_ms();

	table_widths(ui, w);
	attron(A_BOLD);
	mvprintw(y, 0, "%-*s", MARK_W, "");
	for (int c = 0; c < TUI_COL_N; c++) {
		ui->col_x[c] = getcurx(stdscr); /* a click on the header sorts (keys-mouse.c) */
		draw_cell(ui, c, w[c], tui_col_names[c]);
		if (c == TUI_COL_CPU && w[COL_TREND] > 0)
			printw("%-*s ", w[COL_TREND], "TREND");
	}
	attroff(A_BOLD);
	ui->table_y0 = y + 1;
	ui->nrows_shown = rows;
	if (ui->cur < ui->top)
		ui->top = ui->cur;
	if (rows > 0 && ui->cur >= ui->top + (size_t)rows)
		ui->top = ui->cur - (size_t)rows + 1;
	if (ui->nview == 0)
		mvprintw(y + 1, 2, "%s",
			 m->n ? "(no container matches the filter)" : "(no containers yet)");
	for (int k = 0; k < rows && ui->top + (size_t)k < ui->nview; k++) {
		size_t vi = ui->top + (size_t)k;
		const struct tui_row *r = &m->rows[ui->view[vi]];
		bool sel = vi == ui->cur && ui->mode == TUI_M_TABLE;

		m->hosts[r->host].shown_next |= TUI_SHOWN_ROWS;
		move(y + 1 + k, 0);
		if (sel)
			attron(A_REVERSE);
		printw("%-*s", MARK_W, r->marked ? (ui->utf8 ? "\u25cf " : "* ") : "");
		for (int c = 0; c < TUI_COL_N; c++) {
			char buf[64];
			attr_t a = cell_attr(ui, r, c);

			attron(a);
			draw_cell(ui, c, w[c], cell_text(ui, r, c, buf, sizeof(buf)));
			attroff(a);
			if (c == TUI_COL_CPU && w[COL_TREND] > 0)
				draw_trend(ui, r, w[COL_TREND], now);
		}
		if (sel)
			attroff(A_REVERSE);
	}
}

static void draw_text(int y, int rows, const char *text, size_t *top)
{
	const char *p = text;
	size_t line = 0, total = 0;

	for (const char *q = text; *q; q++)
		total += *q == '\n';
	if (*top > total)
		*top = total;
	for (; *p && line < *top; p++)
		line += *p == '\n';
	for (int k = 0; k < rows && *p; k++) {
		size_t len = strcspn(p, "\n");

		mvprintw(y + k, 0, "%.*s", (int)(len < (size_t)COLS ? len : (size_t)COLS), p);
		p += len;
		if (*p)
			p++;
	}
}

/* Screen lines that log line s takes, wrapped at the width. */
static size_t log_height(const char *s)
{
	size_t len = strlen(s);

	return len <= (size_t)COLS ? 1 : (len + (size_t)COLS - 1) / (size_t)COLS;
}

/*
 * The log wraps its lines rather than cutting them: a command's error is
 * read there in full. log_top is the first line shown; following the tail,
 * it is the first line from which the rest fits.
 */
static void draw_log(struct tui_ui *ui, int y, int rows)
{
	struct tui_model *m = ui->m;
	size_t n = m->log_n, used = 0, top = n;

	while (top > 0 && used + log_height(tui_model_log_line(m, top - 1)) <= (size_t)rows)
		used += log_height(tui_model_log_line(m, --top));
	if (ui->log_follow || ui->log_top > top)
		ui->log_top = top;
	for (size_t i = ui->log_top, k = 0; i < n && k < (size_t)rows; i++) {
		const char *p = tui_model_log_line(m, i);

		do {
			mvprintw(y + (int)k++, 0, "%.*s", COLS, p);
			p += strnlen(p, (size_t)COLS);
		} while (*p && k < (size_t)rows);
	}
}

static void draw_confirm(struct tui_ui *ui)
{
	int w = COLS - 10 < 70 ? COLS - 10 : 70, h = 5, y = (LINES - h) / 2, x = (COLS - w) / 2;

	for (int k = 0; k < h; k++)
		mvprintw(y + k, x, "%*s", w, "");
	mvprintw(y, x, "+%.*s+", w - 2,
		 "----------------------------------------------------------------------");
	mvprintw(y + h - 1, x, "+%.*s+", w - 2,
		 "----------------------------------------------------------------------");
	mvprintw(y + 1, x + 2, "%.*s", w - 4, ui->confirm_text);
	move(y + 3, x + w / 2 - 12);
	if (ui->confirm_ok == 0)
		attron(A_REVERSE);
	printw("[ Cancel ]");
	if (ui->confirm_ok == 0)
		attroff(A_REVERSE);
	printw("    ");
	if (ui->confirm_ok == 1)
		attron(A_REVERSE);
	printw("[   OK   ]");
	if (ui->confirm_ok == 1)
		attroff(A_REVERSE);
}

/* One line of prose at y, cut after a word with an ellipsis to fit. */
static void draw_line(const struct tui_ui *ui, int y, const char *text)
{
	char fit[512];

	(void)tui_fit(text, COLS - 1, ui->utf8, true, fit, sizeof(fit));
	mvprintw(y, 0, "%s", fit);
}

static void draw_status(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;
	int y = LINES - 1;
	size_t ops = 0;
	const struct tui_op *op = NULL;
	const struct tui_job *job = tui_job_latest(ui);
	const char *oph = NULL;

	move(y, 0);
	clrtoeol();
	if (ui->input == TUI_IN_FILTER || ui->input == TUI_IN_CMD || ui->input == TUI_IN_RENAME ||
	    ui->input == TUI_IN_LAUNCH) {
		const char *p = ui->input == TUI_IN_FILTER ? "/"
				: ui->input == TUI_IN_CMD  ? ":"
							   : "new name: ";

		/* The old filter shown again is selected: typing replaces it. */
		mvprintw(y, 0, "%s", p);
		if (ui->line.sel)
			attron(A_REVERSE);
		printw("%s", ui->in);
		if (ui->line.sel)
			attroff(A_REVERSE);
		move(y, (int)strlen(p) + (int)ui->line.cur);
		curs_set(1);
		return;
	}
	curs_set(0);
	for (size_t i = 0; i < m->nhosts; i++) {
		ops += m->hosts[i].nops;
		if (!op && m->hosts[i].nops) {
			op = &m->hosts[i].ops[0];
			oph = m->hosts[i].name;
		}
	}
	if (ui->msg[0]) {
		/* Cut at a word: the fleet log (L) has the message in full. */
		attron(A_BOLD);
		draw_line(ui, y, ui->msg);
		attroff(A_BOLD);
	} else if (job) {
		/* A command's own progress (apply's "h1: create web-3: done") says
		 * more than the operations it caused. */
		char text[sizeof(job->label) + sizeof(job->last) + 4];

		tui_job_status(job, -1, text, sizeof(text));
		draw_line(ui, y, text);
	} else if (op) {
		mvprintw(y, 0, "ops in flight: %zu  %s: %s %s  jobs: %zu", ops, oph, op->desc,
			 op->progress, ui->njobs);
	} else {
		char hint[160];

		tui_hint_build(ui->mode, hint, sizeof(hint));
		draw_line(ui, y, hint);
	}
}

/*
 * What the frame shows of each host (fleet.c asks hosts off the screen
 * less often): its panel line, a row in the table's window, or every
 * host's rows when the sort is by CPU or memory (the order needs them
 * all). A host that came into view is poked once the model is unlocked.
 */
static void hosts_shown_begin(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;
	unsigned all =
	    ui->sort_col == TUI_COL_CPU || ui->sort_col == TUI_COL_MEMORY ? TUI_SHOWN_ROWS : 0;

	for (size_t i = 0; i < m->nhosts; i++)
		m->hosts[i].shown_next = all;
}

static void hosts_shown_end(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;

	for (size_t i = 0; i < m->nhosts; i++) {
		struct tui_host *h = &m->hosts[i];

		h->came_into_view = (h->shown_next & ~h->shown) != 0;
		h->shown = h->shown_next;
	}
}

static void hosts_shown_poke(struct tui_ui *ui)
{
	struct tui_model *m = ui->m;

	for (size_t i = 0; i < m->nhosts; i++)
		if (m->hosts[i].came_into_view) {
			m->hosts[i].came_into_view = false;
			tui_fleet_poke(m, (uint16_t)i);
		}
}

void tui_draw(struct tui_ui *ui)
{
	static char help[TUI_HELP_LINES][TUI_HELP_COLS]; /* from the key table, made once */
	static size_t nhelp;
	struct tui_model *m = ui->m;
	size_t run = 0, up = 0, down = 0, connecting = 0, nrows;
	int64_t now = tui_now_ms(), begin_us = tui_probe_on ? tui_probe_now() : 0;
	int y, hrows, rows;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		mvprintw(0, 0, "lxf-tui needs a terminal of at least %dx%d (this one is %dx%d)",
			 MIN_COLS, MIN_LINES, COLS, LINES);
		(void)refresh();
		if (tui_probe_on)
			tui_probe_frame(begin_us, false, 0, 0, 0, 0);
		return;
	}
	pthread_mutex_lock(&m->lock);
	tui_view_rebuild(ui);
	for (size_t i = 0; i < m->n; i++)
		run += tui_row_running(&m->rows[i]);
	ui->redraw_ms = -1;
	for (size_t i = 0; i < m->nhosts; i++) {
		up += m->hosts[i].status == TUI_HOST_UP && !host_slow_secs(&m->hosts[i], now);
		down += m->hosts[i].status == TUI_HOST_DOWN;
		connecting += m->hosts[i].status == TUI_HOST_CONNECTING;
		host_redraw_at(&m->hosts[i], now, &ui->redraw_ms);
	}
	attron(A_REVERSE);
	mvprintw(0, 0, "%-*s", COLS, "");
	mvprintw(0, 0, " lxf-tui  %zu containers, %zu running  %zu/%zu hosts up  sort:%s%s%s%s%s",
		 m->n, run, up, m->nhosts, tui_col_names[ui->sort_col], ui->sort_desc ? "-" : "+",
		 ui->filter_text[0] ? "  filter:" : "", ui->filter_text,
		 ui->readonly ? "  [READ-ONLY]" : "");
	if (ui->moving)
		printw("  MOVING %zu: choose a host, Enter", ui->ntargets);
	attroff(A_REVERSE);
	y = 1;
	switch (ui->mode) {
	case TUI_M_TABLE:
	case TUI_M_HOSTS:
		hrows = (LINES - 6) / 3;
		if (hrows > (int)m->nhosts)
			hrows = (int)m->nhosts;
		hosts_shown_begin(ui);
		y += draw_hosts(ui, y, hrows);
		rows = LINES - 1 - y - 1;
		draw_table(ui, y, rows);
		hosts_shown_end(ui);
		break;
	case TUI_M_DETAILS:
		attron(A_BOLD);
		mvprintw(y, 0, "%s  (Esc: back, Up/Down/PgUp/PgDn: scroll)", ui->details_title);
		attroff(A_BOLD);
		draw_text(y + 1, LINES - 3, lxf_buf_str(&ui->details), &ui->details_top);
		break;
	case TUI_M_LOG:
		attron(A_BOLD);
		mvprintw(y, 0, "Log: events and command output  (%s; Esc: back)",
			 ui->log_follow ? "following the tail" : "G: follow");
		attroff(A_BOLD);
		draw_log(ui, y + 1, LINES - 3);
		break;
	case TUI_M_HELP:
		attron(A_BOLD);
		mvprintw(y, 0, "Keys  (Esc: back)");
		attroff(A_BOLD);
		if (!nhelp)
			nhelp = tui_help_build(help, TUI_HELP_LINES);
		for (size_t i = 0; i < nhelp; i++)
			mvprintw(y + 1 + (int)i, 0, "%.*s", COLS, help[i]);
		break;
	case TUI_M_PICK:
	case TUI_M_SNAPS:
		tui_pick_draw(ui, y, LINES - 3);
		break;
	case TUI_M_GRAPHS:
		hosts_shown_begin(ui);
		tui_draw_graphs(ui, y, LINES - 3);
		hosts_shown_end(ui);
		break;
	case TUI_M_N:
		break;
	}
	/* The graphs move with time, not with news: one frame a slot shows
	 * every host's new samples (and a down host's growing gap) at once,
	 * where a wake-up per sample would be a frame per host. */
	if (ui->mode == TUI_M_TABLE || ui->mode == TUI_M_HOSTS || ui->mode == TUI_M_GRAPHS)
		graphs_redraw_at(now, &ui->redraw_ms);
	if (ui->input == TUI_IN_CONFIRM)
		draw_confirm(ui);
	draw_status(ui);
	nrows = m->n;
	pthread_mutex_unlock(&m->lock);
	(void)refresh();
	/* After refresh(): doupdate() has written the frame to the terminal. */
	if (tui_probe_on)
		tui_probe_frame(begin_us, connecting == 0, nrows, m->nhosts, up, down);
	if (ui->mode == TUI_M_TABLE || ui->mode == TUI_M_HOSTS || ui->mode == TUI_M_GRAPHS)
		hosts_shown_poke(ui);
}
