/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_H
#define LXF_TUI_H

/*
 * lxf-tui's shared types. The model (model.c) is plain data plus pure
 * functions (filter, sort, JSON and event decoding) so that it can be unit
 * tested without a terminal; fleet.c feeds it from one thread per host,
 * jobs.c runs CLI commands in child processes, draw.c and keys.c are the
 * screen. Every field of struct tui_model is guarded by its lock.
 */

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "metrics.h"
#include "remotes.h"
#include "spark.h"

#define TUI_NAME_MAX 64
/* Rows kept per host, whatever its server says: a cap on what one host can
 * make us allocate (~1.2 KB a row, most of it the graphs' history), not on the fleet, which may have as
 * many hosts as row.host counts (UINT16_MAX). */
#define TUI_HOST_ROWS_MAX 100000
#define TUI_LOG_LINES     1000
#define TUI_LOG_WIDTH     200
#define TUI_OPS_MAX       8

/* Where a host's graphs come from (usage.c): known at its first stats read. */
enum tui_src {
	TUI_SRC_UNKNOWN,
	TUI_SRC_STATE,   /* /1.0/instances?recursion=2 (no `metrics` api extension) */
	TUI_SRC_METRICS, /* /1.0/metrics (lxfd, LXD); /state still for the rest */
};

/* One container: fixed-size, no per-row allocation. */
struct tui_row {
	uint16_t host;
	bool marked;
	bool seen;  /* mark-and-sweep on a re-list */
	bool stale; /* its host went down: state unknown since the host's seen */
	char name[TUI_NAME_MAX];
	char state[12];
	char ipv4[16];
	char image[28];
	int64_t cpu_ns; /* cumulative, -1 unknown */
	int64_t mem;    /* bytes, -1 unknown */
	/* The CPU rate: per mille of one CPU between the base sample and the
	 * latest one at least TUI_CPU_MIN_MS later; -1 until two samples. */
	int64_t cpu_base_ns, cpu_base_ms;
	int32_t cpu_pm;
	/* Bytes received and sent on its interfaces but loopback, cumulative
	 * (-1 unknown), their bases (sampled with the CPU's), and the rates in
	 * bytes a second over the same interval (-1 until two samples). */
	int64_t rx, tx, rx_base, tx_base, rx_bps, tx_bps;
	/* The graphs' history (spark.h): CPU per mille, memory in KiB, the
	 * network rates, one sample a slot. */
	struct tui_series h_cpu, h_mem, h_rx, h_tx;
};

#define TUI_CPU_MIN_MS 1000 /* samples closer than this do not move the rate */
/* A host with a request unanswered this long shows "slow": before the
 * client's answer timeout (LXF_CLIENT_ANSWER_SECS) ends the request and
 * the host shows down. */
#define TUI_SLOW_MS 2000

enum tui_host_status { TUI_HOST_CONNECTING, TUI_HOST_UP, TUI_HOST_DOWN };

#define TUI_SHOWN_ROWS  1u /* a row of it is in the table's window (or the sort needs them all) */
#define TUI_SHOWN_PANEL 2u /* its line is in the host panel */

struct tui_op {
	char id[40];
	char desc[40];
	char progress[48];
};

struct tui_host {
	char name[LXF_REMOTE_NAME_MAX + 1];
	const struct lxf_remote *rem;
	enum tui_host_status status;
	char reason[96];
	int ncpu;          /* 0 unknown */
	int64_t mem_used;  /* -1 unknown */
	int64_t mem_total; /* -1 unknown */
	/* Its containers' CPU (per mille of one CPU, summed) and memory (KiB)
	 * at each stats read, for the host panel's graphs; gap_ms is when it
	 * last went down or slow (tui_now_ms; 0 never): the slots since the
	 * samples before it stay gaps. */
	struct tui_series h_cpu, h_mem;
	int64_t gap_ms;
	enum tui_src src; /* fleet.c's */
	/* Its rates come from /1.0/metrics (from the scrape after the first
	 * whose time is known; /state's until then): upserts leave them alone. */
	bool scraped;
	struct tui_op ops[TUI_OPS_MAX];
	size_t nops;
	int64_t req_since_ms; /* a request is waiting for this host since; 0 none */
	time_t seen;          /* its last answer (wall clock); 0 never */
	int64_t retry_ms;     /* down: the next retry (tui_now_ms); 0 none */
	size_t nrows;         /* its rows in the model, nrun of them running */
	size_t nrun;
	/* TUI_SHOWN_* bits: what of it the last frame showed (draw.c); fleet.c
	 * asks a host off the screen less often. shown_next is the UI's. */
	unsigned shown, shown_next;
	bool came_into_view; /* the UI's: to poke once the model is unlocked */
	/* fleet.c's per-host state; the queue fields are guarded by qlock. */
	struct tui_model *m;
	uint16_t idx;
	pthread_t thread;
	bool started;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	char queue[16][TUI_NAME_MAX]; /* instances to re-read */
	size_t nqueue;
	bool relist;   /* re-list the whole host */
	bool poke;     /* it came into view: recheck what is due */
	bool retry;    /* down: retry now (Ctrl-R) */
	bool closed;   /* the events websocket ended */
	bool stop;     /* the UI is quitting */
	bool was_down; /* down since the last time it was up (logged once) */
};

struct tui_model {
	pthread_mutex_t lock;
	struct tui_row *rows;
	size_t n, cap;
	/* The rows by (host, name): open addressing, each slot a row index + 1
	 * (0 empty), at most half full; rebuilt when rows move (model.c). */
	uint32_t *index;
	size_t index_cap;
	/* The hosts shown, as many as the fleet has (tui_model_add_host);
	 * the array is fixed once the feeders start (fleet.c points into it). */
	struct tui_host *hosts;
	size_t nhosts, hosts_cap;
	unsigned gen; /* bumped on every change to rows or hosts */
	char log[TUI_LOG_LINES][TUI_LOG_WIDTH];
	size_t log_head, log_n; /* ring */
	unsigned log_gen;
	int wake_wr; /* self-pipe write end, -1 none */
	bool woken;  /* a byte is in the pipe; the UI clears it when it drains */
	struct lxf_remotes *remotes;
	bool stop;
};

/* Sortable columns, in display order. */
enum tui_col {
	TUI_COL_REMOTE,
	TUI_COL_NAME,
	TUI_COL_STATE,
	TUI_COL_IPV4,
	TUI_COL_CPU,
	TUI_COL_MEMORY,
	TUI_COL_IMAGE,
	TUI_COL_N
};

extern const char *const tui_col_names[TUI_COL_N];

/*
 * "/" filter: every term must match; name terms are case-insensitive
 * substrings. As many terms as the line has (the prompt caps the line).
 */
struct tui_filter_term {
	enum { TUI_F_NAME, TUI_F_HOST, TUI_F_STATE, TUI_F_GROUP } kind;
	char *text; /* without its "host:"/"state:" prefix; a group's with its '@' */
	/* TUI_F_GROUP: the remotes text names (tui_filter_groups); none until then. */
	char **hosts;
	size_t nhosts;
};
struct tui_filter {
	size_t n;
	struct tui_filter_term *t;
};

/*
 * Expands spec ("@web" or "@web,h9", lxf_remotes_expand's syntax) into a
 * malloc'ed array of malloc'ed remote names; -1 with errbuf filled when a
 * group or remote is unknown.
 */
typedef int tui_group_fn(void *ctx, const char *spec, char ***names, size_t *n, char *errbuf,
			 size_t errlen);

/* A decoded /1.0/events message. */
struct tui_event {
	enum { TUI_EV_IGNORE, TUI_EV_REFRESH, TUI_EV_DELETED, TUI_EV_RELIST, TUI_EV_OP } kind;
	char name[TUI_NAME_MAX]; /* instance, for REFRESH / DELETED */
	char action[40];         /* lifecycle action, for the log */
	struct tui_op op;        /* for OP */
	bool op_done;            /* OP: reached a final status */
};

/* model.c */
int tui_model_init(struct tui_model *m);
void tui_model_fini(struct tui_model *m);
/*
 * Appends a host for remote rem (borrowed; it must outlive m), unless it is
 * there already. Only before tui_fleet_start: the array may move. Returns
 * 0 (added or there), -1 out of memory or past UINT16_MAX hosts (row.host).
 */
int tui_model_add_host(struct tui_model *m, const struct lxf_remote *rem);
/* Locked-by-caller helpers. */
void tui_model_changed(struct tui_model *m);
void tui_model_log(struct tui_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *tui_model_log_line(const struct tui_model *m, size_t i); /* 0 = oldest */
/* now_ms (tui_now_ms) times the CPU sample of the instance. */
int tui_model_upsert(struct tui_model *m, uint16_t host, struct json_object *inst, int64_t now_ms);
bool tui_model_remove(struct tui_model *m, uint16_t host, const char *name);
/* Re-list: rows of host not in insts (a JSON array) go away. */
int tui_model_relist(struct tui_model *m, uint16_t host, struct json_object *insts, int64_t now_ms);
/* Updates the rows of host that insts names; adds and removes none. */
void tui_model_refresh(struct tui_model *m, uint16_t host, struct json_object *insts,
		       int64_t now_ms);
/*
 * Samples the graphs of host at now_ms: its running containers' CPU and
 * memory summed (after a stats read or a re-list of it).
 */
void tui_model_host_sample(struct tui_model *m, uint16_t host, int64_t now_ms);
/* Whether host h went down or slow since hist's last sample. */
bool tui_host_gap(const struct tui_host *h, const struct tui_series *hist);

/*
 * The graphs from /1.0/metrics (usage.c). tui_stats_source: METRICS when
 * GET /1.0's answer (server, borrowed) lists the `metrics` api extension,
 * else STATE. A host's last distinct scrape is a struct tui_scrape (its
 * thread's; tui_scrape_fini frees). tui_model_metrics takes scrape cur,
 * read at now_ms, into the running rows of host: an answer equal to the
 * last is the endpoint's 8 s cache and dropped (false); else each row's
 * CPU, memory and network rates and graph samples, taken only against a
 * last answer whose time is known (not the first: it may be cached), and
 * cur becomes the last (true; cur is left empty either way). The host is
 * scraped (tui_host) once the next answer gives rates.
 */
struct tui_scrape {
	struct lxf_usage_set base;
	int64_t base_ms;
	bool seen, exact;
};
enum tui_src tui_stats_source(struct json_object *server);
void tui_scrape_fini(struct tui_scrape *s);
bool tui_model_metrics(struct tui_model *m, uint16_t host, struct tui_scrape *s,
		       struct lxf_usage_set *cur, int64_t now_ms);
/*
 * The slot the graphs of host end at: that of its last sample while it is
 * up and answering, now's when down or slow, so that the slots since then
 * show as a gap that grows.
 */
int64_t tui_host_graph_end(const struct tui_host *h, int64_t now_ms);
void tui_model_set_op(struct tui_model *m, uint16_t host, const struct tui_op *op, bool done);
ssize_t tui_model_find(const struct tui_model *m, uint16_t host, const char *name);

/* Marks every row of host stale (its host went down); re-listing it clears them. */
void tui_model_set_stale(struct tui_model *m, uint16_t host);
/* The state to show, sort and filter on: "UNKNOWN" for a stale row. Borrowed. */
const char *tui_row_state(const struct tui_row *r);
/* RUNNING and not stale: what the header and the host panel count as running. */
bool tui_row_running(const struct tui_row *r);

int tui_row_from_json(struct tui_row *r, struct json_object *inst);
/*
 * Parses text into *f (free with tui_filter_fini, also on failure). An
 * "@group" term is TUI_F_GROUP, matching nothing until tui_filter_groups.
 */
int tui_filter_parse(const char *text, struct tui_filter *f, char *errbuf, size_t errlen);
/* Resolves f's group terms with expand; -1 with errbuf filled (f keeps what it had). */
int tui_filter_groups(struct tui_filter *f, tui_group_fn *expand, void *ctx, char *errbuf,
		      size_t errlen);
void tui_filter_fini(struct tui_filter *f);
bool tui_filter_match(const struct tui_filter *f, const struct tui_row *r, const char *host);
/* Sorts idx[0..n) (indexes into m->rows) by col. */
void tui_sort(const struct tui_model *m, size_t *idx, size_t n, enum tui_col col, bool desc);
int tui_event_parse(struct json_object *ev, struct tui_event *out);
void tui_fmt_bytes(char *buf, size_t len, int64_t v);
int64_t tui_now_ms(void); /* CLOCK_MONOTONIC */

/* layout.c: fitting text and the table's columns to the terminal. */
#define TUI_LAYOUT_MAX 16
struct tui_colspec {
	int want; /* its widest value or header, in columns */
	int min;  /* the narrowest it may be cut to (<= want) */
	int prio; /* 0 first: widened first, dropped last (never, for 0) */
};
/* Columns that s takes: one per character (UTF-8 when utf8). */
int tui_text_cols(const char *s, bool utf8);
/*
 * Copies s into out (outlen bytes) cut to w columns; a cut ends in "…"
 * (utf8) or "~". With words, prose is cut after a whole word when that
 * keeps half of w. Returns the columns written.
 */
int tui_fit(const char *s, int w, bool utf8, bool words, char *out, size_t outlen);
/*
 * Widths out[0..n) for n columns in total columns, one space between shown
 * ones: the lowest-priority columns are dropped (out 0) while even the
 * minimums do not fit; the rest get their minimum, then, priority first,
 * up to what they want. Spare width is left over. Returns the columns used.
 */
int tui_layout(const struct tui_colspec *cols, size_t n, int total, int *out);

/* fleet.c */
int tui_fleet_start(struct tui_model *m);
bool tui_fleet_stop(struct tui_model *m);
void tui_fleet_relist(struct tui_model *m, uint16_t host);
/* Host came into view: its thread rechecks what is due now (fleet.c's intervals). */
void tui_fleet_poke(struct tui_model *m, uint16_t host);
/* Retries every down host now and re-lists the others (Ctrl-R). */
void tui_fleet_retry(struct tui_model *m);

#endif
