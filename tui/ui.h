/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_UI_H
#define LXF_TUI_UI_H

/*
 * The screen side of lxf-tui: UI state (only touched by the UI thread),
 * child-process jobs (jobs.c), drawing (draw.c) and keys (keys.c).
 */

#include <limits.h>

#include "buf.h"
#include "tui.h"

#define TUI_JOBS_MAX    16
#define TUI_TARGETS_MAX 256
#define TUI_INPUT_MAX   256
#define TUI_DETAILS_MAX (1u << 20)

enum tui_mode { TUI_M_TABLE, TUI_M_HOSTS, TUI_M_DETAILS, TUI_M_LOG, TUI_M_HELP };
enum tui_input { TUI_IN_NONE, TUI_IN_FILTER, TUI_IN_CMD, TUI_IN_RENAME, TUI_IN_CONFIRM };
enum tui_sink { TUI_SINK_LOG, TUI_SINK_DETAILS };

struct tui_job {
	pid_t pid;
	int fd;
	enum tui_sink sink;
	char label[80];
	char partial[TUI_LOG_WIDTH];
	size_t plen;
};

struct tui_ui {
	struct tui_model *m;
	bool readonly, utf8, color;
	enum tui_mode mode, prev_mode;
	enum tui_input input;
	char in[TUI_INPUT_MAX];
	size_t ilen;
	char msg[256];
	char filter_text[TUI_INPUT_MAX];
	struct tui_filter filter;
	enum tui_col sort_col;
	bool sort_desc;
	/* The visible rows: indexes into m->rows, rebuilt when the model's
	 * generation moves (one allocation grown with the fleet, none per frame). */
	size_t *view;
	size_t nview, view_cap;
	unsigned view_gen;
	bool view_dirty;
	size_t cur, top;
	uint16_t cur_host;
	char cur_name[TUI_NAME_MAX];
	size_t host_cur;
	/* A pending confirm / move: the targets as "remote:name". */
	char action[16];
	char targets[TUI_TARGETS_MAX][LXF_REMOTE_NAME_MAX + TUI_NAME_MAX + 2];
	uint16_t target_host[TUI_TARGETS_MAX];
	size_t ntargets;
	int confirm_ok; /* 0: Cancel (the default), 1: OK */
	char confirm_text[200];
	bool moving;
	struct lxf_buf details;
	char details_title[160];
	size_t details_top;
	size_t log_top;
	bool log_follow;
	struct tui_job jobs[TUI_JOBS_MAX];
	size_t njobs;
	char self_exe[PATH_MAX];
	/* Screen layout, for the mouse. */
	int hosts_y0, nhosts_shown, table_y0, nrows_shown;
	bool dragging;
	bool hosts_busy; /* a host has a request out: redraw each second (slow) */
	bool quit;
};

/* jobs.c */
int tui_job_start(struct tui_ui *ui, enum tui_sink sink, const char *label, int argc,
		  char *const *argv);
int tui_job_foreground(struct tui_ui *ui, int argc, char *const *argv);
void tui_job_read(struct tui_ui *ui, size_t i);
int tui_cli_main(int argc, char **argv);
bool tui_cmd_exists(const char *name);
size_t tui_cmd_complete(const char *prefix, char *out, size_t len, char *list, size_t listlen);

/* draw.c */
void tui_draw(struct tui_ui *ui);
void tui_view_rebuild(struct tui_ui *ui);
void tui_colors_init(struct tui_ui *ui);

/* keys.c */
void tui_key(struct tui_ui *ui, int ch);

#endif
