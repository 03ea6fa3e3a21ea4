/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf top [REMOTE:|@GROUP...] [-s KEY] [-n SECS] [--once] [-f table|csv|json]:
 * a live top of the fleet's running instances (top.h scrapes and rates).
 * On a terminal it redraws every interval and reads keys (one table,
 * top_keys, drives -s, the keys and the hint line); elsewhere it prints a
 * table every interval; --once prints one answer with rates and ends.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "fleet.h"
#include "output.h"
#include "term.h"
#include "top.h"

enum { TOP_OPT_ONCE = 0x1300 };

/* A caching endpoint (LXD's 8 s) needs two refreshes for --once's rates
 * (up to ~17 s), and a loaded remote answers late: it gives up after
 * three cache periods and some, and shows what it has. */
#define TOP_ONCE_MAX_SECS 30.0

/* -s names and interactive keys, one row each. */
static const struct top_key {
	int key;
	const char *name; /* -s NAME; NULL: a key only */
	enum lxf_top_sort sort;
	const char *hint;
} top_keys[] = {
    {'c', "cpu", LXF_TOP_SORT_CPU, "c cpu"},
    {'m', "mem", LXF_TOP_SORT_MEM, "m mem"},
    {'n', "net", LXF_TOP_SORT_NET, "n net"},
    {'d', "disk", LXF_TOP_SORT_DISK, "d disk"},
    {'p', "procs", LXF_TOP_SORT_PROCS, "p procs"},
    {'N', "name", LXF_TOP_SORT_NAME, "N name"},
    {'q', NULL, 0, "q quit"},
};
#define TOP_NKEYS (sizeof(top_keys) / sizeof(top_keys[0]))

static const char *const top_headers[] = {"REMOTE",   "NAME",     "CPU%",     "MEMORY", "NET RX/s",
					  "NET TX/s", "DISK R/s", "DISK W/s", "PROCS"};
#define TOP_NCOLS (sizeof(top_headers) / sizeof(top_headers[0]))

static double top_clock(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Nearest integer, without libm (lxf does not link it). */
static long long top_round(double v)
{
	return v < 0 ? -(long long)(-v + 0.5) : (long long)(v + 0.5);
}

static char *top_cell_size(double v, bool rate)
{
	char buf[48];

	if (isnan(v))
		return strdup("-");
	lxf_output_size_iec(top_round(v), buf, sizeof(buf));
	if (rate)
		strncat(buf, "/s", sizeof(buf) - strlen(buf) - 1);
	return strdup(buf);
}

/* v with decimals digits after the point (CPU% 1, processes 0). */
static char *top_cell_num(double v, int decimals)
{
	char buf[48];

	if (isnan(v))
		return strdup("-");
	(void)snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return strdup(buf);
}

static int top_table(const struct lxf_top_row *rows, size_t n, struct lxf_table *t)
{
	int rc = 0;

	lxf_table_init(t, TOP_NCOLS, top_headers);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct lxf_top_row *w = &rows[i];
		const char *name = w->u ? w->u->name : w->host->rc ? "(unreachable)" : "";
		char *cells[TOP_NCOLS] = {strdup(w->host->remote->name),
					  strdup(name),
					  top_cell_num(w->r.cpu_pct, 1),
					  top_cell_size(w->r.mem_bytes, false),
					  top_cell_size(w->r.net_rx_bps, true),
					  top_cell_size(w->r.net_tx_bps, true),
					  top_cell_size(w->r.disk_read_bps, true),
					  top_cell_size(w->r.disk_write_bps, true),
					  top_cell_num(w->r.procs, 0)};

		rc = lxf_table_add_row(t, cells);
	}
	return rc;
}

static void top_json_num(struct json_object *o, const char *key, double v, bool integer)
{
	struct json_object *j = NULL;

	char text[48];

	if (!isnan(v) && integer) {
		j = json_object_new_int64(top_round(v));
	} else if (!isnan(v)) {
		/* One decimal, written as such ("28.6", not json-c's %.17g). */
		(void)snprintf(text, sizeof(text), "%.1f", v);
		j = json_object_new_double_s(strtod(text, NULL), text);
	}
	json_object_object_add(o, key, j);
}

/* The fields every row has, host or instance: the stable JSON names. */
static void top_json_rates(struct json_object *o, const struct lxf_top_row *w)
{
	json_object_object_add(o, "remote", json_object_new_string(w->host->remote->name));
	top_json_num(o, "cpu_percent", w->r.cpu_pct, false);
	top_json_num(o, "memory_bytes", w->r.mem_bytes, true);
	top_json_num(o, "network_rx_bps", w->r.net_rx_bps, true);
	top_json_num(o, "network_tx_bps", w->r.net_tx_bps, true);
	top_json_num(o, "disk_read_bps", w->r.disk_read_bps, true);
	top_json_num(o, "disk_write_bps", w->r.disk_write_bps, true);
	top_json_num(o, "processes", w->r.procs, true);
	json_object_object_add(o, "source",
			       json_object_new_string(w->host->state ? "state" : "metrics"));
}

static struct json_object *top_json(const struct lxf_top_row *rows, size_t n, size_t nhost)
{
	struct json_object *top = json_object_new_object(), *hosts = json_object_new_array(),
			   *insts = json_object_new_array();

	json_object_object_add(top, "hosts", hosts);
	json_object_object_add(top, "instances", insts);
	for (size_t i = 0; i < n; i++) {
		const struct lxf_top_row *w = &rows[i];
		struct json_object *o = json_object_new_object();

		top_json_rates(o, w);
		if (i < nhost) {
			json_object_object_add(o, "instances",
					       json_object_new_int64((int64_t)w->count));
			json_object_object_add(
			    o, "error",
			    w->host->rc ? json_object_new_string(w->host->err.msg) : NULL);
			json_object_array_add(hosts, o);
		} else {
			json_object_object_add(o, "project", json_object_new_string(w->u->project));
			json_object_object_add(o, "name", json_object_new_string(w->u->name));
			json_object_array_add(insts, o);
		}
	}
	return top;
}

/* Prints one answer in fmt; max_lines > 0: a table for the raw terminal,
 * cut to the screen, each line ended by \r\n (raw mode adds no \r). */
static int top_print(struct lxf_cmd_ctx *ctx, const struct lxf_top_host *h, size_t nh,
		     enum lxf_top_sort key, enum lxf_fmt fmt, bool color, int max_lines)
{
	struct lxf_top_row *rows = NULL;
	struct lxf_table t = {0};
	struct lxf_err err = {0};
	size_t n = 0, nhost = 0, len = 0;
	char *text = NULL;
	FILE *mem = NULL;
	int rc;

	rc = lxf_top_rows(h, nh, key, &rows, &n, &nhost);
	if (rc)
		goto out;
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		struct json_object *o = top_json(rows, n, nhost);

		rc = lxf_output_json(ctx->out, fmt, o, &err);
		json_object_put(o);
		goto out;
	}
	rc = top_table(rows, n, &t);
	if (rc || max_lines <= 0) {
		if (rc == 0)
			lxf_table_print(ctx->out, fmt, &t, color);
		goto out;
	}
	mem = open_memstream(&text, &len);
	if (!mem) {
		rc = -LXF_ENOMEM;
		goto out;
	}
	lxf_table_print(mem, fmt, &t, color);
	if (fclose(mem) != 0) {
		rc = -LXF_ENOMEM;
		goto out;
	}
	/* A screen's worth: the rest would scroll the header away. */
	for (char *p = text; p && *p && max_lines-- > 0;) {
		size_t ll = strcspn(p, "\n");

		(void)fwrite(p, 1, ll, ctx->out);
		fputs("\r\n", ctx->out);
		p += ll + (p[ll] == '\n');
	}
out:
	free(text);
	lxf_table_fini(&t);
	free(rows);
	return rc;
}

/* Names the unreachable remotes on stderr; returns how many there were. */
static size_t top_report(struct lxf_cmd_ctx *ctx, const struct lxf_top_host *h, size_t n,
			 int *first)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (!h[i].rc)
			continue;
		fprintf(ctx->err, "lxf: %s\n", h[i].err.msg);
		if (!failed++)
			*first = h[i].err.code;
	}
	return failed;
}

/* --once: scrapes until every answering host has rates (two scrapes an
 * interval apart for /state, two refreshes of a caching endpoint). */
static int top_once(struct lxf_cmd_ctx *ctx, struct lxf_top_host *h, size_t n, double secs)
{
	double start = top_clock();

	for (int round = 0;; round++) {
		bool done = true;

		if (lxf_top_scrape(ctx->remotes, h, n, true) != 0)
			return -LXF_ENOMEM;
		for (size_t i = 0; i < n; i++)
			done &= h[i].rc != 0 || h[i].rated || (round > 0 && h[i].base.n == 0);
		if ((done && round > 0) || top_clock() - start > TOP_ONCE_MAX_SECS)
			return 0;
		/* After the first interval, poll a caching endpoint every second
		 * so that its refresh is seen when it happens. */
		(void)usleep((useconds_t)((round == 0 || secs < 1 ? secs : 1.0) * 1e6));
	}
}

static const struct top_key *top_key_find(int key, const char *name)
{
	for (size_t i = 0; i < TOP_NKEYS; i++)
		if ((name && top_keys[i].name && strcmp(name, top_keys[i].name) == 0) ||
		    (!name && key == top_keys[i].key))
			return &top_keys[i];
	return NULL;
}

/* Waits up to secs for a key or a signal: 1 to quit, 0 otherwise. */
static int top_wait_key(double secs, enum lxf_top_sort *key)
{
	double end = top_clock() + secs;

	for (;;) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
				      {.fd = lxf_term_signal_fd(), .events = POLLIN}};
		double left = end - top_clock();
		unsigned char c = 0;
		const struct top_key *k;

		if (left <= 0)
			return 0;
		if (poll(p, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents && read(p[1].fd, &c, 1) == 1 && (c == SIGINT || c == SIGTERM))
			return 1;
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(STDIN_FILENO, &c, 1) != 1 || c == 3 /* ^C in raw mode */)
			return 1;
		k = top_key_find(c, NULL);
		if (k && !k->name)
			return 1;
		if (k) {
			*key = k->sort;
			return 0; /* redraw in the new order now */
		}
	}
}

static void top_hint(struct lxf_cmd_ctx *ctx, double secs, enum lxf_top_sort key)
{
	fprintf(ctx->out, "lxf top, every %gs, sorted by %s; keys:", secs,
		top_keys[key].name ? top_keys[key].name : "?");
	for (size_t i = 0; i < TOP_NKEYS; i++)
		fprintf(ctx->out, " %s", top_keys[i].hint);
	fputs("\r\n", ctx->out);
}

/* The terminal: alternate screen, raw keys, a redraw every interval. */
static int top_live(struct lxf_cmd_ctx *ctx, struct lxf_top_host *h, size_t n, double secs,
		    enum lxf_top_sort key)
{
	static const int sigs[] = {SIGINT, SIGTERM};
	struct lxf_err err = {0};
	double next = 0;
	int rc = 0;

	if (lxf_term_raw(&err) != 0 || lxf_term_signals_on(sigs, 2, &err) != 0) {
		lxf_term_restore();
		return lxf_cmd_fail(ctx, &err);
	}
	fputs("\033[?1049h\033[?25l", ctx->out);
	for (;;) {
		int w, rows;

		if (top_clock() >= next) {
			if (lxf_top_scrape(ctx->remotes, h, n, false) != 0) {
				rc = -LXF_ENOMEM;
				break;
			}
			next = top_clock() + secs;
		}
		lxf_term_size(&w, &rows);
		fputs("\033[H\033[2J", ctx->out);
		top_hint(ctx, secs, key);
		for (size_t i = 0; i < n; i++)
			if (h[i].rc && rows > 4) {
				fprintf(ctx->out, "%.*s\r\n", w, h[i].err.msg);
				rows--;
			}
		/* No wrap: a line wider than the screen is cut, not folded. */
		fputs("\033[?7l", ctx->out);
		(void)top_print(ctx, h, n, key, LXF_FMT_TABLE, lxf_output_color(ctx->out),
				rows > 2 ? rows - 2 : 1);
		fputs("\033[?7h", ctx->out);
		(void)fflush(ctx->out);
		if (top_wait_key(next - top_clock(), &key))
			break;
	}
	fputs("\033[?25h\033[?1049l", ctx->out);
	(void)fflush(ctx->out);
	lxf_term_signals_off();
	lxf_term_restore();
	return rc ? LXF_EXIT_ERROR : LXF_EXIT_OK;
}

static int top_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args)
{
	const char *sort = lxf_args_get(args, 's'), *every = lxf_args_get(args, 'n');
	enum lxf_top_sort key = LXF_TOP_SORT_CPU;
	struct lxf_fleet_job *pick = NULL;
	struct lxf_top_host *h = NULL;
	struct lxf_err err = {0};
	size_t npick = 0, failed;
	double secs = 2.0;
	int st = LXF_EXIT_ERROR, first = 0;
	bool once = lxf_args_has(args, TOP_OPT_ONCE);

	if (sort) {
		const struct top_key *k = top_key_find(0, sort);

		if (!k)
			return lxf_cmd_usage_error(self, ctx,
						   "bad --sort '%s': want cpu, mem, net, disk, "
						   "procs or name",
						   sort);
		key = k->sort;
	}
	if (every) {
		char *end = NULL;

		secs = strtod(every, &end);
		if (end == every || *end || !(secs >= 0.5 && secs <= 3600))
			return lxf_cmd_usage_error(
			    self, ctx, "bad interval '%s': want seconds from 0.5 to 3600", every);
	}
	if (args->fmt != LXF_FMT_TABLE && args->fmt != LXF_FMT_CSV && !once)
		return lxf_cmd_usage_error(self, ctx, "-f json and yaml need --once");
	pick = calloc(ctx->remotes->n + 1, sizeof(*pick));
	if (!pick) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (lxf_fleet_add_words(ctx->remotes, args->argc, args->argv, pick, &npick, &err) != 0) {
		st = lxf_cmd_error(self, ctx, &err);
		goto out;
	}
	for (size_t i = 0; args->argc == 0 && i < ctx->remotes->n; i++)
		if (lxf_fleet_member(&ctx->remotes->v[i]))
			pick[npick++].remote = &ctx->remotes->v[i];
	if (npick == 0) {
		fputs("Error: no remote to watch: no lxfd runs here and none was added "
		      "(lxf remote add NAME ADDR)\n",
		      ctx->err);
		goto out;
	}
	h = calloc(npick, sizeof(*h));
	if (!h) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	for (size_t i = 0; i < npick; i++)
		h[i].remote = pick[i].remote;
	if (!once && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
		st = top_live(ctx, h, npick, secs, key);
		goto out;
	}
	for (;;) {
		if ((once ? top_once(ctx, h, npick, secs)
			  : lxf_top_scrape(ctx->remotes, h, npick, true)) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
		failed = top_report(ctx, h, npick, &first);
		if (failed == npick) {
			st = lxf_code_exit(first); /* nothing answered: no empty table */
			goto out;
		}
		if (top_print(ctx, h, npick, key, args->fmt, lxf_output_color(ctx->out), 0) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
		if (once)
			break;
		fputc('\n', ctx->out);
		(void)fflush(ctx->out);
		(void)usleep((useconds_t)(secs * 1e6));
	}
	st = failed ? LXF_EXIT_PARTIAL : LXF_EXIT_OK;
out:
	lxf_top_hosts_fini(h, npick);
	free(h);
	free(pick);
	return st;
}

static const char top_help[] =
    "Rows: one per remote with its totals (NAME empty), then one per running\n"
    "instance. CPU% is of one CPU (200 = two CPUs busy); MEMORY is what the\n"
    "instance uses; NET and DISK are bytes per second. Data comes from each\n"
    "remote's /1.0/metrics, or /1.0/instances state where that is missing\n"
    "(no disk figures then).\n"
    "Keys on a terminal: c cpu, m mem, n net, d disk, p procs, N name, q quit.\n";

const struct lxf_cmd lxf_cmd_top_entry = {
    .name = "top",
    .usage = "[REMOTE:|@GROUP...] [-s KEY] [-n SECS] [--once] [-f table|csv|json|yaml]",
    .summary = "Show the running instances of the fleet by CPU, memory, network and disk use",
    .min_args = 0,
    .max_args = -1,
    .flags = LXF_CMD_F_FORMAT,
    .opts =
	{
	    {"sort", 's', required_argument, "KEY",
	     "Sort by cpu (default), mem, net, disk, procs or name"},
	    {"interval", 'n', required_argument, "SECS", "Seconds between refreshes (default 2)"},
	    {"once", TOP_OPT_ONCE, no_argument, NULL,
	     "Print one answer with rates (two scrapes an interval apart) and exit"},
	},
    .exec = top_exec,
    .help = top_help,
};
