/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_UI_H
#define LXF_TUI_UI_H

/*
 * The screen side of lxf-tui: UI state (only touched by the UI thread),
 * child-process jobs (jobs.c), drawing (draw.c) and keys (keys.c).
 */

#include <limits.h>

#include "buf.h"
#include "input.h"
#include "tui.h"

#define TUI_JOBS_MAX    16
#define TUI_TARGET_LEN  (LXF_REMOTE_NAME_MAX + TUI_NAME_MAX + 2) /* "remote:name" */
#define TUI_INPUT_MAX   TUI_LINE_MAX
#define TUI_PICK_MAX    128
#define TUI_DETAILS_MAX (1u << 20)

enum tui_mode {
	TUI_M_TABLE,
	TUI_M_HOSTS,
	TUI_M_DETAILS,
	TUI_M_LOG,
	TUI_M_HELP,
	TUI_M_PICK,   /* the launch's host and image pickers (pick.c) */
	TUI_M_SNAPS,  /* the snapshots of the details' container (pick.c) */
	TUI_M_GRAPHS, /* the cursor's container's graphs (graphs.c) */
	TUI_M_N
};
enum tui_input {
	TUI_IN_NONE,
	TUI_IN_FILTER,
	TUI_IN_CMD,
	TUI_IN_RENAME,
	TUI_IN_CONFIRM,
	TUI_IN_LAUNCH /* the new container's name, after the pickers */
};
/* Where a job's lines go; a PICK job's to the picker (pick.c). */
enum tui_sink { TUI_SINK_LOG, TUI_SINK_DETAILS, TUI_SINK_PICK };

/* A picker's row: the launch's hosts and images, a container's snapshots. */
struct tui_pick_item {
	char key[TUI_NAME_MAX];   /* what is picked: a host, an image alias, a snapshot */
	char fp[TUI_NAME_MAX];    /* an image's fingerprint (one row per image) */
	char note[96];            /* shown beside it: a description, a date */
	char hosts[TUI_NAME_MAX]; /* the hosts that have the image */
};

struct tui_pick {
	struct tui_pick_item v[TUI_PICK_MAX];
	size_t n, cur;
	bool images;                                        /* TUI_M_PICK: images, else hosts */
	char host[LXF_REMOTE_NAME_MAX + 1];                 /* the launch: the host picked */
	char image[LXF_REMOTE_NAME_MAX + TUI_NAME_MAX + 2]; /* the launch: [HOST:]IMAGE */
	char inst[LXF_REMOTE_NAME_MAX + TUI_NAME_MAX + 2];  /* the details' container */
	char snap[TUI_NAME_MAX];                            /* the snapshot a confirm is about */
};

struct tui_job {
	pid_t pid;
	int fd;
	enum tui_sink sink;
	char label[80];
	char partial[TUI_LOG_WIDTH];
	size_t plen;
	/* Its progress for the status line (tui_job_note): the last line it
	 * printed, its last "Error:" line (kept for its end), and when. */
	char last[TUI_LOG_WIDTH];
	char error[TUI_LOG_WIDTH];
	unsigned seq; /* ui->job_seq at its last line; 0 none yet */
};

struct tui_ui {
	struct tui_model *m;
	/* utf8: the locale is UTF-8 and --ascii was not given: graphs,
	 * marks and ellipses may use other characters than ASCII. */
	bool readonly, utf8, color;
	enum tui_mode mode, prev_mode;
	enum tui_input input;
	char in[TUI_INPUT_MAX]; /* the prompt's text, a copy of line's for drawing and completion */
	size_t ilen;
	struct tui_line line;    /* the prompt being edited (input.c) */
	struct tui_hist hist[2]; /* the "/" and ":" prompts' histories, in $LXF_CONF */
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
	/* A pending confirm / move: the targets as "remote:name", and their
	 * hosts; as many as are marked (grown by tui_targets_collect, freed at exit). */
	char action[16];
	char (*targets)[TUI_TARGET_LEN];
	uint16_t *target_host;
	size_t ntargets, targets_cap;
	int confirm_ok;                         /* 0: Cancel (the default), 1: OK */
	void (*confirm_run)(struct tui_ui *ui); /* what an accepted confirm runs */
	uint16_t move_dst;                      /* a confirmed move's host */
	/* Where V marks from: the row last marked with Space. */
	uint16_t anchor_host;
	char anchor_name[TUI_NAME_MAX];
	struct tui_pick pick;
	char confirm_text[200];
	bool moving;
	struct lxf_buf details;
	char details_title[160];
	size_t details_top;
	size_t log_top;
	bool log_follow;
	struct tui_job jobs[TUI_JOBS_MAX];
	size_t njobs;
	unsigned job_seq; /* counts the jobs' lines: the newest is shown */
	char self_exe[PATH_MAX];
	/* Screen layout, for the mouse. */
	int hosts_y0, nhosts_shown, table_y0, nrows_shown;
	int col_x[TUI_COL_N]; /* where each column's header starts (draw.c): a click sorts */
	bool dragging;
	int64_t
	    redraw_ms; /* when the screen changes with no news (tui_now_ms), -1 never (draw.c) */
	bool quit;
};

/* jobs.c */
int tui_job_start(struct tui_ui *ui, enum tui_sink sink, const char *label, int argc,
		  char *const *argv);
/*
 * Runs argv (a CLI command) on the terminal, the screen handed over and
 * restored; its stderr is shown and logged, its end is in ui->msg
 * ("LABEL: done", "LABEL: exit N: Error: ..."). Returns its exit status or -1.
 */
int tui_job_foreground(struct tui_ui *ui, int argc, char *const *argv);
/* Whether a command wants the terminal: console, and exec of a lone
 * program ("exec R:C -- sh") or with -t; -T and "-- sh -c ..." do not. */
bool tui_cmd_interactive(int argc, char *const *argv);
void tui_job_read(struct tui_ui *ui, size_t i);
/* ":exec -- CMD...": CMD in the marked containers (no instance named). */
bool tui_exec_is_fanout(int argc, char *const *argv);
/*
 * The CLI's fan-out for it: "exec --group-output T1 ... Tn -- CMD..." over
 * targets[0..n) (each instance's output together, a summary at the end,
 * exit 3 when one failed). Returns a NULL-terminated array (free it; the
 * strings are borrowed) and its count in *argc_out, or NULL.
 */
char **tui_exec_fanout_argv(char (*const targets)[TUI_TARGET_LEN], size_t n, int argc,
			    char *const *argv, int *argc_out);
int tui_cli_main(int argc, char **argv);
/* Records line (a line job j printed) as its last one, and as its error when it is "Error: ...". */
void tui_job_note(struct tui_job *j, const char *line, unsigned seq);
/*
 * The status line's text for job j: while it runs (st < 0) "LABEL: LAST
 * LINE" ("" before its first line); once it ended with st, "LABEL: done"
 * or "LABEL: exit ST" with its last Error: line, else the log's key. The
 * exit status is not judged further: `plan` exits 2 when it has changes.
 */
void tui_job_status(const struct tui_job *j, int st, char *buf, size_t len);
/* The running job of the log sink with the newest line, or NULL. Borrowed. */
const struct tui_job *tui_job_latest(const struct tui_ui *ui);
bool tui_cmd_exists(const char *name);
/*
 * Tab in the `:` prompt: completes ui->in in place (complete.c, with the
 * instance names of the model) and returns the number of candidates,
 * written space-separated into list.
 */
size_t tui_cmd_complete(struct tui_ui *ui, char *list, size_t listlen);

/*
 * groups.c: tui_group_fn over lxf_remotes_expand, ctx the struct
 * lxf_remotes: "@web,h9" to the remotes it names.
 */
int tui_group_expand(void *ctx, const char *spec, char ***names, size_t *n, char *errbuf,
		     size_t errlen);

/* pick.c: a line of a picker's job (TUI_SINK_PICK, jobs.c), from the job labelled label. */
void tui_pick_line(struct tui_ui *ui, const char *label, const char *line);
/* pick.c: draws the picker or the snapshots (TUI_M_PICK, TUI_M_SNAPS) from line y; the model is locked. */
void tui_pick_draw(struct tui_ui *ui, int y, int rows);

/* draw.c */
void tui_draw(struct tui_ui *ui);
/* The curses attribute of a graph's heat (tui_spark_heat): green, yellow,
 * red; none without colours (NO_COLOR) or for a gap. */
unsigned tui_heat_attr(const struct tui_ui *ui, int heat);

/*
 * graphs.c, with the model locked: w glyphs of history h up to slot end at
 * the cursor, each in its heat's colour; the graphs view (TUI_M_GRAPHS) of
 * the cursor's container from line y.
 */
void tui_draw_spark(const struct tui_ui *ui, const struct tui_series *h, int64_t end, int w,
		    uint32_t scale);
void tui_draw_graphs(struct tui_ui *ui, int y, int rows);
void tui_view_rebuild(struct tui_ui *ui);
void tui_colors_init(struct tui_ui *ui);

/*
 * keys.c: the key table (htop's key->action table). One row per key and
 * the modes it is bound in drives the dispatch, the help view, the hint
 * line and the --readonly refusals. The confirm box and the text prompts
 * ("/", ":", a new name) read their keys themselves: they edit text.
 */
#define TUI_KM(mode) (1u << (mode))
#define TUI_KM_ALL   (TUI_KM(TUI_M_N) - 1)

/* The help view's sections; it lists the keys of the table mode. */
enum tui_key_section { TUI_KS_NAV, TUI_KS_ACTIONS };

struct tui_key;
typedef void tui_key_fn(struct tui_ui *ui, const struct tui_key *k);

struct tui_key {
	int key;          /* a curses key code */
	unsigned modes;   /* TUI_KM() bits; TUI_KM_ALL: a global key */
	const char *verb; /* the lxf command run; with writes, what a refusal names */
	bool confirm;     /* ask first (Cancel is the default) */
	bool writes;      /* changes containers: refused under --readonly */
	tui_key_fn *handler;
	enum tui_key_section section;
	/* The key as the help shows it ("Up/Down j/k"): rows with one label share an entry. */
	const char *label;
	const char *help;
	const char *hint; /* its word in the status hint line, or NULL */
};

extern const struct tui_key tui_keys[];
extern const size_t tui_nkeys;
/*
 * The hint line's groups of each mode, in order: each a string of key
 * codes ("STR" reads S/T/R); a NULL ends a mode's list.
 */
#define TUI_HINT_GROUPS 10
extern const char *const tui_hint_groups[TUI_M_N][TUI_HINT_GROUPS];

/* The row of key ch in mode (a pointer into tui_keys), or NULL. */
const struct tui_key *tui_key_find(enum tui_mode mode, int ch);
/* Handles one getch() key: the confirm box, a text prompt, else the table's row. */
void tui_key(struct tui_ui *ui, int ch);

/* keyhelp.c: text made from the key table. */
#define TUI_HELP_COLS  100
#define TUI_HELP_LINES 40
/* Fills lines with the help view; returns the number of lines. */
size_t tui_help_build(char (*lines)[TUI_HELP_COLS], size_t max);
/* The status line's hint for mode ("?:help  /:filter ..." in the table). */
void tui_hint_build(enum tui_mode mode, char *buf, size_t len);

#endif
