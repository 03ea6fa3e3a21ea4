/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Graphs on the screen: the sparklines of the host panel and the table's
 * TREND column, and the graphs view (o, ctop's single-container view):
 * CPU, memory and the network in and out of the cursor's container over
 * the history kept in the model (spark.h), one column per slot, the newest
 * on the right. A slot with no sample is blank: a host that was down or
 * slow shows a gap, not the last value held flat.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define GRAPH_AXIS_W  10 /* the scale's label left of a graph */
#define GRAPH_H_MAX   8
#define GRAPH_H_MIN   1
#define GRAPH_NGRAPHS 4

void tui_draw_spark(const struct tui_ui *ui, const struct tui_series *h, int64_t end, int w,
		    uint32_t scale)
{
	for (int i = w - 1; i >= 0; i--) {
		uint32_t v = tui_series_at(h, end, (size_t)i);
		attr_t a = (attr_t)tui_heat_attr(ui, tui_spark_heat(v, scale));

		attron(a);
		printw("%s", tui_spark_glyph(v, scale, ui->utf8));
		attroff(a);
	}
}

enum graph_unit { GRAPH_CPU, GRAPH_KIB, GRAPH_RATE };

/* v in its unit: "12.3%" (per mille of one CPU), "1.5MiB", "1.5KiB/s". */
static void graph_fmt(char *buf, size_t len, uint32_t v, enum graph_unit u)
{
	char b[16];

	if (v == TUI_SERIES_GAP) {
		(void)snprintf(buf, len, "-");
		return;
	}
	switch (u) {
	case GRAPH_CPU:
		(void)snprintf(buf, len, "%u.%u%%", v / 10, v % 10);
		break;
	case GRAPH_KIB:
		tui_fmt_bytes(buf, len, (int64_t)v * 1024);
		break;
	case GRAPH_RATE:
		tui_fmt_bytes(b, sizeof(b), (int64_t)v);
		(void)snprintf(buf, len, "%s/s", b);
		break;
	}
}

/*
 * One graph at line y: its title with the newest value and the largest of
 * the window, then height lines of bars w columns wide, scaled to the
 * largest (at least floor: one CPU for the CPU, so that an idle container
 * does not look busy). Returns the lines used.
 */
static int draw_graph(const struct tui_ui *ui, int y, const char *title, const struct tui_series *h,
		      int64_t end, int w, int height, enum graph_unit u, uint32_t floor)
{
	uint32_t max = tui_series_max(h, end, (size_t)w), scale = max > floor ? max : floor;
	char now[24], top[24], peak[24];

	graph_fmt(now, sizeof(now), tui_series_at(h, end, 0), u);
	graph_fmt(peak, sizeof(peak), max, u);
	graph_fmt(top, sizeof(top), scale, u);
	attron(A_BOLD);
	mvprintw(y, 0, "%s", title);
	attroff(A_BOLD);
	printw("  now %s  max %s", now, peak);
	for (int line = height - 1; line >= 0; line--) {
		int ly = y + 1 + (height - 1 - line);

		mvprintw(ly, 0, "%*s ", GRAPH_AXIS_W - 1,
			 line == height - 1 ? top
			 : line == 0        ? "0"
					    : "");
		for (int i = w - 1; i >= 0; i--) {
			uint32_t v = tui_series_at(h, end, (size_t)i);
			attr_t a = (attr_t)tui_heat_attr(
			    ui, u == GRAPH_CPU ? tui_spark_heat(v, scale) : -1);

			attron(a);
			printw("%s", tui_graph_glyph(v, scale, line, height, ui->utf8));
			attroff(a);
		}
	}
	return height + 1;
}

void tui_draw_graphs(struct tui_ui *ui, int y, int rows)
{
	struct tui_model *m = ui->m;
	const struct tui_row *r;
	const struct tui_host *h;
	int64_t end;
	int w = COLS - GRAPH_AXIS_W - 1, height;
	const char *why = "";

	if (ui->nview == 0 || ui->cur >= ui->nview) {
		mvprintw(y, 0, "(no container under the cursor: Esc goes back)");
		return;
	}
	r = &m->rows[ui->view[ui->cur]];
	h = &m->hosts[r->host];
	/* Its host is read as often as one with rows on the screen. */
	m->hosts[r->host].shown_next |= TUI_SHOWN_ROWS;
	end = tui_host_graph_end(h, tui_now_ms());
	if (w > TUI_SERIES_SLOTS)
		w = TUI_SERIES_SLOTS;
	height = (rows - 1) / GRAPH_NGRAPHS - 1;
	height = height > GRAPH_H_MAX ? GRAPH_H_MAX : height < GRAPH_H_MIN ? GRAPH_H_MIN : height;
	if (h->status == TUI_HOST_DOWN)
		why = "  (host down: no samples since)";
	else if (r->cpu_ns < 0)
		why = "  (not running: no samples)";
	attron(A_BOLD);
	mvprintw(y, 0, "%s:%s", h->name, r->name);
	attroff(A_BOLD);
	printw("  %s  the last %d s, a column per %d s%s", tui_row_state(r),
	       w * TUI_SERIES_SLOT_MS / 1000, TUI_SERIES_SLOT_MS / 1000, why);
	y += 1;
	y += draw_graph(ui, y, "CPU", &r->h_cpu, end, w, height, GRAPH_CPU, 1000);
	y += draw_graph(ui, y, "MEMORY", &r->h_mem, end, w, height, GRAPH_KIB, 1024);
	y += draw_graph(ui, y, "NET IN", &r->h_rx, end, w, height, GRAPH_RATE, 1024);
	(void)draw_graph(ui, y, "NET OUT", &r->h_tx, end, w, height, GRAPH_RATE, 1024);
}
