/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf monitor [REMOTE:|@GROUP...] [--type T]... [--pretty] [-f json|yaml]:
 * follows /1.0/events. With one remote named, that remote; with several
 * (or a host group), those; without, every configured remote at once (a
 * fleet monitor), each event tagged with "remote". Types
 * are asked of the server (?type=) and checked again here, as lxc does.
 * Runs until SIGINT/SIGTERM (exit 0) or until every stream is lost (exit 1).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fleet.h"
#include "json.h"
#include "output.h"
#include "term.h"
#include "ws.h"

enum { MONITOR_OPT_TYPE = 0x1200, MONITOR_OPT_PRETTY };

#define MONITOR_TYPE_LIFECYCLE 0x1u
#define MONITOR_TYPE_OPERATION 0x2u
#define MONITOR_TYPE_LOGGING   0x4u

/* What every stream shares: the output and its lock. */
struct monitor_out {
	pthread_mutex_t mu;
	FILE *out;
	FILE *err;
	enum lxf_fmt fmt;
	bool pretty;
	unsigned types; /* 0: all */
};

struct monitor_stream {
	struct monitor_out *o;
	const char *remote;
	struct lxf_ws_ctx *wc;
	struct lxf_ws *ws;
};

static unsigned monitor_type_bit(const char *t)
{
	if (!t)
		return 0;
	if (strcmp(t, "lifecycle") == 0)
		return MONITOR_TYPE_LIFECYCLE;
	if (strcmp(t, "operation") == 0)
		return MONITOR_TYPE_OPERATION;
	if (strcmp(t, "logging") == 0)
		return MONITOR_TYPE_LOGGING;
	return 0;
}

/* One human line: "TIME REMOTE TYPE what". */
static void monitor_pretty(FILE *f, const char *remote, struct json_object *ev)
{
	struct json_object *md = NULL;
	const char *type = lxf_json_str(ev, "type"), *ts = lxf_json_str(ev, "timestamp");

	json_object_object_get_ex(ev, "metadata", &md);
	fprintf(f, "%s %s %s", ts ? ts : "-", remote, type ? type : "?");
	if (type && strcmp(type, "lifecycle") == 0)
		fprintf(f, " %s %s", lxf_json_str(md, "action") ? lxf_json_str(md, "action") : "",
			lxf_json_str(md, "source") ? lxf_json_str(md, "source") : "");
	else if (type && strcmp(type, "operation") == 0)
		fprintf(f, " %s: %s",
			lxf_json_str(md, "description") ? lxf_json_str(md, "description") : "",
			lxf_json_str(md, "status") ? lxf_json_str(md, "status") : "");
	else if (type && strcmp(type, "logging") == 0)
		fprintf(f, " [%s] %s", lxf_json_str(md, "level") ? lxf_json_str(md, "level") : "",
			lxf_json_str(md, "message") ? lxf_json_str(md, "message") : "");
	fputc('\n', f);
}

static void monitor_on_event(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	struct monitor_stream *s = ud;
	struct monitor_out *o = s->o;
	struct json_object *ev = NULL;
	struct lxf_err err = {0};
	unsigned bit;

	(void)ws;
	(void)binary;
	if (len == 0 || lxf_json_parse(data, len, 0, &ev, &err) != 0 ||
	    !json_object_is_type(ev, json_type_object))
		goto out; /* not an event: nothing to show */
	bit = monitor_type_bit(lxf_json_str(ev, "type"));
	if (o->types && !(o->types & bit))
		goto out;
	(void)lxf_json_add_str(ev, "remote", s->remote);
	pthread_mutex_lock(&o->mu);
	if (o->pretty) {
		monitor_pretty(o->out, s->remote, ev);
	} else if (o->fmt == LXF_FMT_JSON) {
		fprintf(o->out, "%s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
	} else {
		/* YAML: one document per event, as lxc monitor prints them. */
		if (lxf_output_json(o->out, LXF_FMT_YAML, ev, &err) == 0)
			fputs("\n", o->out);
	}
	(void)fflush(o->out);
	pthread_mutex_unlock(&o->mu);
out:
	if (ev)
		json_object_put(ev);
}

static void monitor_on_close(struct lxf_ws *ws, void *ud)
{
	struct monitor_stream *s = ud;

	(void)ws;
	pthread_mutex_lock(&s->o->mu);
	fprintf(s->o->err, "Error: remote '%s': event stream closed\n", s->remote);
	pthread_mutex_unlock(&s->o->mu);
	/* Wake the main loop so it can see whether anything is left. */
	lxf_term_wake();
}

static const struct lxf_ws_ops monitor_ops = {.on_message = monitor_on_event,
					      .on_close = monitor_on_close};

static int monitor_open(struct lxf_cmd_ctx *ctx, const struct lxf_remote *rem, const char *query,
			struct monitor_stream *s, struct lxf_err *err)
{
	char path[256];
	int rc;

	s->remote = rem->name;
	rc = lxf_ws_ctx_for_remote(ctx->remotes, rem, &s->wc, err);
	if (rc == 0) {
		(void)snprintf(path, sizeof(path), "/1.0/events%s", query);
		rc = lxf_ws_connect(s->wc, path, &monitor_ops, s, &s->ws, err);
	}
	if (rc)
		lxf_err_prefix(err, "remote '%s'", rem->name);
	return rc;
}

/* Waits for SIGINT/SIGTERM or for every stream to be gone. Returns the exit status. */
static int monitor_wait(struct monitor_stream *v, size_t n)
{
	for (;;) {
		struct pollfd p = {.fd = lxf_term_signal_fd(), .events = POLLIN};
		unsigned char sig = 0;
		size_t open = 0;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return LXF_EXIT_ERROR;
		while (read(lxf_term_signal_fd(), &sig, 1) == 1)
			if (sig == SIGINT || sig == SIGTERM)
				return LXF_EXIT_OK;
		for (size_t i = 0; i < n; i++)
			if (v[i].ws && !lxf_ws_is_closed(v[i].ws))
				open++;
		if (open == 0)
			return LXF_EXIT_ERROR;
	}
}

static int monitor_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args)
{
	struct monitor_out o = {.out = ctx->out, .err = ctx->err, .fmt = LXF_FMT_YAML};
	struct monitor_stream *v = NULL;
	struct lxf_buf query = {0};
	struct lxf_err err = {0};
	static const int monitor_sigs[] = {SIGINT, SIGTERM};
	struct lxf_fleet_job *pick = NULL;
	char *rname = NULL, *name = NULL;
	size_t n = 0, ok = 0, npick = 0;
	int st = LXF_EXIT_ERROR;

	(void)pthread_mutex_init(&o.mu, NULL);
	o.pretty = lxf_args_has(args, MONITOR_OPT_PRETTY);
	if (lxf_args_get(args, 'f') && (lxf_fmt_parse(lxf_args_get(args, 'f'), &o.fmt, &err) != 0 ||
					(o.fmt != LXF_FMT_JSON && o.fmt != LXF_FMT_YAML))) {
		st = lxf_cmd_usage_error(self, ctx, "bad --format '%s': want json or yaml",
					 lxf_args_get(args, 'f'));
		goto out;
	}
	for (size_t i = 0; i < args->nopts; i++) {
		unsigned bit;

		if (args->opts[i].val != MONITOR_OPT_TYPE)
			continue;
		bit = monitor_type_bit(args->opts[i].arg);
		if (!bit) {
			st = lxf_cmd_usage_error(self, ctx,
						 "bad --type '%s': want lifecycle, operation "
						 "or logging",
						 args->opts[i].arg);
			goto out;
		}
		if (!(o.types & bit))
			(void)lxf_buf_addf(&query, "%s%s",
					   o.types ? "," : "?type=", args->opts[i].arg);
		o.types |= bit;
	}
	if (args->argc == 1 && !lxf_fleet_is_list(args->argv[0])) {
		const struct lxf_remote *rem;

		if (lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &rname, &name, &err) != 0) {
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
		if (*name) {
			st = lxf_cmd_usage_error(self, ctx, "'%s': want a remote ('%s:')",
						 args->argv[0], rname);
			goto out;
		}
		rem = lxf_remotes_find(ctx->remotes, rname);
		v = calloc(1, sizeof(*v));
		if (!v || !rem) {
			if (v)
				lxf_remotes_unknown(ctx->remotes, rname, &err);
			else
				lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
		v[0].o = &o;
		n = 1;
		if (monitor_open(ctx, rem, lxf_buf_str(&query), &v[0], &err) != 0) {
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
	} else {
		v = calloc(ctx->remotes->n ? ctx->remotes->n : 1, sizeof(*v));
		pick = calloc(ctx->remotes->n + 1, sizeof(*pick));
		if (!v || !pick) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
		if (lxf_fleet_add_words(ctx->remotes, args->argc, args->argv, pick, &npick, &err) !=
		    0) {
			st = err.code == LXF_EUSAGE ? lxf_cmd_usage_error(self, ctx, "%s", err.msg)
						    : lxf_cmd_fail(ctx, &err);
			goto out;
		}
		for (size_t i = 0; args->argc == 0 && i < ctx->remotes->n; i++)
			if (lxf_fleet_member(&ctx->remotes->v[i]))
				pick[npick++].remote = &ctx->remotes->v[i];
		/* Streams that cannot open are reported, the others go on. */
		for (size_t i = 0; i < npick; i++) {
			v[n].o = &o;
			lxf_err_clear(&err);
			if (monitor_open(ctx, pick[i].remote, lxf_buf_str(&query), &v[n], &err) ==
			    0)
				ok++;
			else
				fprintf(ctx->err, "Error: %s\n", err.msg);
			n++;
		}
		if (n == 0)
			fputs("Error: no remote to monitor: no lxfd runs here and none was added "
			      "(lxf remote add NAME ADDR)\n",
			      ctx->err);
		if (ok == 0)
			goto out;
	}
	if (lxf_term_signals_on(monitor_sigs, 2, &err) != 0)
		goto out;
	st = monitor_wait(v, n);
out:
	for (size_t i = 0; v && i < n; i++)
		lxf_ws_ctx_free(v[i].wc);
	lxf_term_signals_off();
	free(v);
	free(pick);
	free(rname);
	free(name);
	lxf_buf_fini(&query);
	pthread_mutex_destroy(&o.mu);
	return st;
}

const struct lxf_cmd lxf_cmd_monitor_entry = {
    .name = "monitor",
    .usage = "[REMOTE:|@GROUP...] [--type TYPE]... [--pretty] [--format json|yaml]",
    .summary = "Follow events of one remote, of several, or of every remote",
    .min_args = 0,
    .max_args = -1,
    .opts =
	{
	    {"type", MONITOR_OPT_TYPE, required_argument, "TYPE",
	     "Event type: lifecycle, operation or logging (repeatable)"},
	    {"pretty", MONITOR_OPT_PRETTY, no_argument, NULL, "One human-readable line per event"},
	    {"format", 'f', required_argument, "FORMAT", "Output format: yaml (default) or json"},
	},
    .exec = monitor_exec,
};
