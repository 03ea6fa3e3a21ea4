/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fan-out exec: LXD's exec protocol (cmd-exec.c) in many instances at once.
 *
 * Each instance costs a POST, four websockets and a held GET .../wait, all
 * of them round trips to a nearby daemon where the client mostly waits, so
 * a bounded pool of workers runs the instances, each one whole, one after
 * the other: a worker sleeps while its daemon works. Workers take the
 * instances round robin across remotes, so no remote has more than its
 * share in flight and a hung one holds at most a few workers (and is
 * marked unreachable at its first failure, so its other instances are not
 * tried). REST clients are kept per remote and handed from one worker to
 * the next (a kept-alive connection, over HTTPS no new handshake).
 * Output callbacks run on the websocket threads; one mutex makes each
 * write to stdout or stderr whole.
 *
 * Signals: the main thread alone takes SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * (the workers and the threads they start block them) through term.c's
 * self-pipe, and forwards each to every command still running, as single
 * exec does; the instances not started yet are not started any more.
 */
#include "exec-all.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "term.h"
#include "ws.h"

#define EA_LINE_MAX  (64u << 10) /* a longer line without newline is cut here */
#define EA_GROUP_MAX (16u << 20) /* --group-output keeps this much per instance */
#define EA_DRAIN_MS  5000
#define EA_NAMES_MAX 5 /* the summary names this many of a kind, then counts */
#define EA_LABEL_MAX 192

/* EA_INTERRUPTED: not run, a signal came first. */
enum ea_state { EA_OK, EA_EXIT, EA_FAILED, EA_UNREACHABLE, EA_INTERRUPTED };

/* What lxf forwards to the commands; the others keep their default. */
static const int ea_fwd_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define EA_NSIG (sizeof(ea_fwd_signals) / sizeof(ea_fwd_signals[0]))

struct ea_item;

/* One output websocket of one instance. */
struct ea_stream {
	struct ea_item *it;
	int fd;              /* ctx->out's or ctx->err's */
	struct lxf_buf part; /* prefix mode: the line not yet ended */
};

struct ea_item {
	struct ea_run *run;
	struct ea_remote *r;
	const char *name;         /* borrowed */
	char label[EA_LABEL_MAX]; /* "remote:name" */
	struct ea_stream out[2];
	struct lxf_buf all; /* --group-output: stdout and stderr as they came */
	bool cut;           /* all reached EA_GROUP_MAX */
	enum ea_state state;
	int code;           /* EA_EXIT: the command's exit status */
	struct lxf_ws *ctl; /* under run->mu: the control socket while the command runs */
	struct lxf_err err;
};

/* A client no worker uses now. */
struct ea_idle {
	struct lxf_client *c;
};

/* A remote's idle clients, and whether it has stopped answering. */
struct ea_remote {
	const struct lxf_remote *rem;
	struct ea_idle *idle;
	size_t nidle;
	bool down;
	struct lxf_err why;
};

struct ea_run {
	struct lxf_cmd_ctx *ctx;
	const struct lxf_exec_all_opts *o;
	pthread_mutex_t mu; /* next, remotes, sig, ndone, the items' ctl */
	pthread_mutex_t out_mu;
	pthread_mutex_t new_mu; /* making a client */
	size_t next;
	size_t *order; /* items round robin across remotes */
	struct ea_item *items;
	size_t n;
	struct ea_remote *rems;
	size_t nrems;
	int sig;      /* the last signal forwarded; 0: none, start the next */
	size_t ndone; /* workers that have ended */
};

int lxf_exec_op_wait(struct lxf_client *c, long answer_secs, const char *op,
		     struct json_object **result, struct lxf_err *err)
{
	/* Held waits shorter than the client's silence rule, so a command
	 * that is quiet for longer is not taken for a dead server. */
	long answer = answer_secs > 0 ? answer_secs : LXF_CLIENT_ANSWER_SECS;
	long hold = answer > 2 ? answer - 2 : 1;
	int rc;

	*result = NULL;
	for (;;) {
		struct lxf_response resp = {0};
		char path[1024];
		int64_t status = 0;

		if (snprintf(path, sizeof(path), "%s/wait?timeout=%ld", op, hold) >=
		    (int)sizeof(path))
			return lxf_err_set(err, LXF_EINVAL, "operation path too long");
		rc = lxf_client_request(c, "GET", path, NULL, &resp, err);
		if (resp.metadata && json_object_is_type(resp.metadata, json_type_object)) {
			(void)lxf_json_get_int(resp.metadata, "status_code", false, &status, NULL);
			if (status >= 200)
				*result = json_object_get(resp.metadata);
			rc = 0;
		}
		lxf_response_fini(&resp);
		if (rc || *result)
			return rc;
	}
}

int lxf_exec_status(struct json_object *result, int *status, struct lxf_err *err)
{
	struct json_object *ret = lxf_json_path(result, "metadata.return");
	const char *opfail = lxf_json_str(result, "err");

	*status = 0;
	if (!ret && opfail && *opfail)
		return lxf_err_set(err, LXF_EIO, "%s", opfail);
	*status = ret ? json_object_get_int(ret) & 0xff : 0;
	return 0;
}

/* Writes b to fd whole, one writer at a time. */
static void ea_write(struct ea_run *run, int fd, const struct lxf_buf *b)
{
	if (!b->len)
		return;
	pthread_mutex_lock(&run->out_mu);
	lxf_term_write_all(fd, b->data, b->len);
	pthread_mutex_unlock(&run->out_mu);
}

/* Prefix mode: writes the ended lines of s->part (all of it with flush). */
static void ea_emit_lines(struct ea_stream *s, bool flush)
{
	struct lxf_buf out = {0};
	const char *start = s->part.data, *p = start, *end = start + s->part.len, *nl;

	if (!s->part.len)
		return;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && !flush && (size_t)(end - p) < EA_LINE_MAX)
			break;
		if (!nl)
			nl = end;
		if (lxf_buf_addf(&out, "%s: ", s->it->label) != 0 ||
		    lxf_buf_add(&out, p, (size_t)(nl - p)) != 0 || lxf_buf_addc(&out, '\n') != 0)
			break;
		p = nl < end ? nl + 1 : end;
	}
	ea_write(s->it->run, s->fd, &out);
	lxf_buf_fini(&out);
	if (p > start) {
		s->part.len -= (size_t)(p - start);
		memmove(s->part.data, p, s->part.len);
		s->part.data[s->part.len] = '\0';
	}
}

/*
 * An output websocket's message. The empty text barrier ends the stream;
 * LXD waits for our close then before it ends the operation.
 */
static void ea_on_output(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	struct ea_stream *s = ud;
	struct ea_item *it = s->it;

	if (len == 0 && !binary) {
		lxf_ws_close(ws);
		return;
	}
	if (it->run->o->group) {
		if (!it->cut && lxf_buf_add(&it->all, data, len) != 0)
			it->cut = true;
		return;
	}
	/* Past the cap the held part is written out as a line of its own. */
	while (len > 0) {
		size_t room = EA_LINE_MAX - s->part.len, k = len < room ? len : room;

		if (lxf_buf_add(&s->part, data, k) != 0)
			break;
		ea_emit_lines(s, false);
		data = (const char *)data + k;
		len -= k;
	}
}

static const struct lxf_ws_ops ea_out_ops = {.on_message = ea_on_output};
static const struct lxf_ws_ops ea_ctl_ops = {0};

/* A client for r: an idle one, else a new one. */
static int ea_client_get(struct ea_run *run, struct ea_remote *r, struct lxf_client **c,
			 struct lxf_err *err)
{
	int rc;

	pthread_mutex_lock(&run->mu);
	*c = r->nidle ? r->idle[--r->nidle].c : NULL;
	pthread_mutex_unlock(&run->mu);
	if (*c)
		return 0;
	/* One at a time: an HTTPS remote's first client makes the client
	 * certificate, which two at once would each write. */
	pthread_mutex_lock(&run->new_mu);
	rc = lxf_remotes_client(run->ctx->remotes, r->rem, c, err);
	pthread_mutex_unlock(&run->new_mu);
	return rc;
}

static void ea_client_put(struct ea_run *run, struct ea_remote *r, struct lxf_client *c)
{
	struct ea_idle *v;

	if (!c)
		return;
	pthread_mutex_lock(&run->mu);
	v = realloc(r->idle, (r->nidle + 1) * sizeof(*v));
	if (v) {
		r->idle = v;
		r->idle[r->nidle++].c = c;
		c = NULL;
	}
	pthread_mutex_unlock(&run->mu);
	lxf_client_free(c);
}

/*
 * Opens the websockets of the exec operation op: control (*ctl), 0
 * (closed: no stdin), 1, 2.
 */
static int ea_open(struct ea_item *it, struct lxf_ws_ctx *wc, const char *op,
		   struct json_object *fds, struct lxf_ws **ctl, struct lxf_ws *out[2],
		   struct lxf_err *err)
{
	struct lxf_ws *in = NULL;
	int rc;

	rc = lxf_term_ws_open(wc, op, fds, "control", &ea_ctl_ops, NULL, ctl, err);
	if (rc == 0)
		rc = lxf_term_ws_open(wc, op, fds, "0", &ea_ctl_ops, NULL, &in, err);
	if (rc == 0)
		lxf_ws_close(in);
	for (int k = 0; k < 2 && rc == 0; k++)
		rc = lxf_term_ws_open(wc, op, fds, k ? "2" : "1", &ea_out_ops, &it->out[k], &out[k],
				      err);
	return rc;
}

/* True when a signal has come: the instance is then not started. */
static bool ea_interrupted(struct ea_run *run, struct ea_item *it)
{
	bool stop;

	pthread_mutex_lock(&run->mu);
	stop = run->sig != 0;
	if (stop)
		it->state = EA_INTERRUPTED;
	pthread_mutex_unlock(&run->mu);
	return stop;
}

/*
 * The signals go to ctl from now on (NULL: no more). One that came while
 * the websockets opened goes at once; the server drops it if the process
 * is not there yet (LXD too), and a second Ctrl-C reaches it.
 */
static void ea_attach(struct ea_run *run, struct ea_item *it, struct lxf_ws *ctl)
{
	struct lxf_err err = {0};

	pthread_mutex_lock(&run->mu);
	it->ctl = ctl;
	if (ctl && run->sig)
		(void)lxf_term_send_signal(ctl, run->sig, &err);
	pthread_mutex_unlock(&run->mu);
}

/* Forwards sig to every command still running; none is started from now on. */
static void ea_forward(struct ea_run *run, int sig)
{
	struct lxf_err err = {0};

	pthread_mutex_lock(&run->mu);
	run->sig = sig;
	for (size_t i = 0; i < run->n; i++)
		if (run->items[i].ctl)
			(void)lxf_term_send_signal(run->items[i].ctl, sig, &err);
	pthread_mutex_unlock(&run->mu);
}

/* The whole exec in one instance; it->state and friends say how it ended. */
static void ea_run_one(struct ea_run *run, struct ea_item *it)
{
	struct ea_remote *r = it->r;
	struct lxf_response resp = {0};
	struct json_object *fds, *result = NULL, *body = NULL;
	struct lxf_client *c = NULL;
	struct lxf_ws_ctx *wc = NULL;
	struct lxf_ws *ctl = NULL, *out[2] = {NULL, NULL};
	char path[1024];
	int rc;

	if (ea_interrupted(run, it))
		return;
	pthread_mutex_lock(&run->mu);
	if (r->down) {
		it->state = EA_UNREACHABLE;
		it->err = r->why;
	}
	pthread_mutex_unlock(&run->mu);
	if (it->state == EA_UNREACHABLE)
		return;
	rc = ea_client_get(run, r, &c, &it->err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "instances", it->name, "/exec", &it->err);
	/* A body of our own: json-c serializes into the object itself, and
	 * libcurl sends from that string, so workers cannot share one (ASan
	 * caught a double free in json-c's printbuf). */
	if (rc == 0 && json_object_deep_copy(run->o->body, &body, NULL) != 0)
		rc = lxf_err_set(&it->err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = lxf_client_request(c, "POST", path, body, &resp, &it->err);
	if (rc && resp.http_status == 0 && (rc == -LXF_EUNAVAIL || rc == -LXF_ETIMEDOUT)) {
		pthread_mutex_lock(&run->mu);
		if (!r->down) {
			r->down = true;
			r->why = it->err;
		}
		pthread_mutex_unlock(&run->mu);
		it->state = EA_UNREACHABLE;
		goto out;
	}
	if (rc)
		goto fail;
	fds = lxf_json_path(resp.metadata, "metadata.fds");
	if (resp.type != LXF_RESP_ASYNC || !resp.operation || !fds) {
		(void)lxf_err_set(&it->err, LXF_EINVAL,
				  "the server's exec answer has no websockets");
		goto fail;
	}
	/* A signal while the POST went: the command waits for its websockets,
	 * and without them never runs (the server gives up on it). */
	if (ea_interrupted(run, it))
		goto out;
	rc = lxf_ws_ctx_for_remote(run->ctx->remotes, r->rem, &wc, &it->err);
	if (rc == 0)
		rc = ea_open(it, wc, resp.operation, fds, &ctl, out, &it->err);
	if (rc)
		goto fail;
	ea_attach(run, it, ctl); /* the command starts now */
	rc =
	    lxf_exec_op_wait(c, run->ctx->remotes->timeout_secs, resp.operation, &result, &it->err);
	ea_attach(run, it, NULL);
	if (rc)
		goto fail;
	/* The op ends when the command does; let the last output frames land. */
	for (int k = 0; k < 2; k++)
		(void)lxf_ws_wait_closed(out[k], EA_DRAIN_MS);
	if (lxf_exec_status(result, &it->code, &it->err) != 0)
		goto fail;
	it->state = it->code ? EA_EXIT : EA_OK;
	goto out;
fail:
	it->state = EA_FAILED;
out:
	lxf_ws_ctx_free(wc); /* no callback after this: the held lines are ours */
	if (!run->o->group)
		for (int k = 0; k < 2; k++)
			ea_emit_lines(&it->out[k], true);
	if (result)
		json_object_put(result);
	json_object_put(body);
	lxf_response_fini(&resp);
	ea_client_put(run, r, c);
}

/* What a finished instance adds to the output: its error, or its block. */
static void ea_report(struct ea_run *run, struct ea_item *it)
{
	const char *all = lxf_buf_str(&it->all);
	struct lxf_buf b = {0};

	if (it->state == EA_INTERRUPTED)
		return; /* never ran: the summary names it */
	if (!run->o->group) {
		if (it->state == EA_FAILED || it->state == EA_UNREACHABLE) {
			(void)lxf_buf_addf(&b, "Error: %s: %s%s\n", it->label,
					   it->state == EA_UNREACHABLE ? "unreachable: " : "",
					   it->err.msg);
			ea_write(run, fileno(run->ctx->err), &b);
		}
		lxf_buf_fini(&b);
		return;
	}
	(void)lxf_buf_adds(&b, "----------------\n");
	(void)lxf_buf_adds(&b, it->label);
	if (it->state == EA_EXIT)
		(void)lxf_buf_addf(&b, " (exit %d)", it->code);
	else if (it->state != EA_OK)
		(void)lxf_buf_addf(&b, " (%s: %s)",
				   it->state == EA_FAILED ? "failed" : "unreachable", it->err.msg);
	(void)lxf_buf_adds(&b, "\n----------------\n");
	(void)lxf_buf_add(&b, all, it->all.len);
	if (it->all.len && all[it->all.len - 1] != '\n')
		(void)lxf_buf_addc(&b, '\n');
	if (it->cut)
		(void)lxf_buf_addf(&b, "[output cut at %u MiB]\n", EA_GROUP_MAX >> 20);
	ea_write(run, fileno(run->ctx->out), &b);
	lxf_buf_fini(&b);
}

static void *ea_worker(void *arg)
{
	struct ea_run *run = arg;

	for (;;) {
		struct ea_item *it;

		pthread_mutex_lock(&run->mu);
		it = !run->sig && run->next < run->n ? &run->items[run->order[run->next++]] : NULL;
		if (!it)
			run->ndone++;
		pthread_mutex_unlock(&run->mu);
		if (!it)
			break;
		ea_run_one(run, it);
		ea_report(run, it);
	}
	lxf_term_wake(); /* the main thread counts the workers that are done */
	return NULL;
}

/* Adds ", N what (a, b, ...)" for the items in state st (and code, for EA_EXIT). */
static void ea_sum_kind(struct lxf_buf *b, const struct ea_run *run, enum ea_state st, int code,
			const char *what)
{
	size_t k = 0, named = 0, total = 0;

	for (size_t i = 0; i < run->n; i++)
		total += run->items[i].state == st && (st != EA_EXIT || run->items[i].code == code);
	if (st == EA_UNREACHABLE)
		total += run->o->ndown;
	if (!total)
		return;
	(void)lxf_buf_addf(b, "%s%zu %s", b->len ? ", " : "", total, what);
	if (st == EA_OK)
		return;
	(void)lxf_buf_adds(b, " (");
	for (size_t i = 0; st == EA_UNREACHABLE && i < run->o->ndown; i++, k++)
		if (total <= EA_NAMES_MAX || k < EA_NAMES_MAX - 2)
			(void)lxf_buf_addf(b, "%s%s", named++ ? ", " : "", run->o->down[i].remote);
	for (size_t i = 0; i < run->n; i++) {
		const struct ea_item *it = &run->items[i];

		if (it->state != st || (st == EA_EXIT && it->code != code))
			continue;
		if (total <= EA_NAMES_MAX || k < EA_NAMES_MAX - 2)
			(void)lxf_buf_addf(b, "%s%s", named++ ? ", " : "", it->label);
		k++;
	}
	if (named < total)
		(void)lxf_buf_addf(b, " and %zu more", total - named);
	(void)lxf_buf_adds(b, ")");
}

/* The summary line: ok, each exit status, failed, unreachable. */
static void ea_summary(struct ea_run *run)
{
	struct lxf_buf b = {0};
	char what[32];

	ea_sum_kind(&b, run, EA_OK, 0, "ok");
	for (int code = 1; code < 256; code++) {
		(void)snprintf(what, sizeof(what), "exit %d", code);
		ea_sum_kind(&b, run, EA_EXIT, code, what);
	}
	ea_sum_kind(&b, run, EA_FAILED, 0, "failed");
	ea_sum_kind(&b, run, EA_UNREACHABLE, 0, "unreachable");
	ea_sum_kind(&b, run, EA_INTERRUPTED, 0, "interrupted");
	if (!b.len)
		(void)lxf_buf_adds(&b, "no instance");
	(void)lxf_buf_addc(&b, '\n');
	ea_write(run, fileno(run->ctx->err), &b);
	lxf_buf_fini(&b);
}

/*
 * Starts up to want workers into thr, with the signals lxf forwards
 * caught and blocked in them (and in the threads they start), so that they
 * come to this thread alone. Returns how many started; with none the
 * signals are as they were.
 */
static size_t ea_start(struct ea_run *run, pthread_t *thr, size_t want)
{
	struct lxf_err err = {0};
	sigset_t fwd, old;
	size_t n = 0;

	if (lxf_term_signals_on(ea_fwd_signals, EA_NSIG, &err) != 0)
		(void)fprintf(run->ctx->err, "Warning: %s: Ctrl-C will not reach the commands\n",
			      err.msg);
	(void)sigemptyset(&fwd);
	for (size_t i = 0; i < EA_NSIG; i++)
		(void)sigaddset(&fwd, ea_fwd_signals[i]);
	(void)pthread_sigmask(SIG_BLOCK, &fwd, &old);
	for (; n < want; n++)
		if (pthread_create(&thr[n], NULL, ea_worker, run) != 0)
			break;
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n == 0)
		lxf_term_signals_off();
	return n;
}

/*
 * Until the nthr workers are done: each signal that comes is forwarded to
 * the commands still running (ea_forward), once per signal, as single
 * exec does; a command that ignores it runs on and lxf waits for it.
 */
static void ea_relay_signals(struct ea_run *run, size_t nthr)
{
	int fd = lxf_term_signal_fd();

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		unsigned char sig;
		bool done;

		pthread_mutex_lock(&run->mu);
		done = run->ndone >= nthr;
		pthread_mutex_unlock(&run->mu);
		if (done || fd < 0)
			return;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
		while (read(fd, &sig, 1) == 1)
			if (sig)
				ea_forward(run, sig);
	}
}

/*
 * The remotes of the items, and the order the workers take the items in:
 * the first of each remote, then the second of each, and so on.
 */
static int ea_plan(struct ea_run *run, const struct lxf_exec_item *v)
{
	size_t *rank = calloc(run->n ? run->n : 1, sizeof(*rank)), *count, k = 0;
	int rc = -1;

	run->rems = calloc(run->n ? run->n : 1, sizeof(*run->rems));
	run->order = calloc(run->n ? run->n : 1, sizeof(*run->order));
	count = calloc(run->n ? run->n : 1, sizeof(*count));
	if (!rank || !run->rems || !run->order || !count)
		goto out;
	for (size_t i = 0; i < run->n; i++) {
		size_t r = 0;

		while (r < run->nrems && run->rems[r].rem != v[i].remote)
			r++;
		if (r == run->nrems)
			run->rems[run->nrems++].rem = v[i].remote;
		rank[i] = count[r]++;
		run->items[i].r = &run->rems[r];
	}
	for (size_t round = 0; k < run->n; round++)
		for (size_t i = 0; i < run->n; i++)
			if (rank[i] == round)
				run->order[k++] = i;
	rc = 0;
out:
	free(rank);
	free(count);
	return rc;
}

int lxf_exec_all(struct lxf_cmd_ctx *ctx, const struct lxf_exec_item *v, size_t n,
		 const struct lxf_exec_all_opts *o)
{
	struct ea_run run = {.ctx = ctx, .o = o, .n = n};
	pthread_t *thr = NULL;
	size_t nthr = 0, want = o->parallel < n ? o->parallel : n;
	int st = LXF_EXIT_ERROR;
	bool all_ok = o->ndown == 0;

	(void)pthread_mutex_init(&run.mu, NULL);
	(void)pthread_mutex_init(&run.out_mu, NULL);
	(void)pthread_mutex_init(&run.new_mu, NULL);
	run.items = calloc(n ? n : 1, sizeof(*run.items));
	thr = calloc(want ? want : 1, sizeof(*thr));
	if (!run.items || !thr || ea_plan(&run, v) != 0) {
		fputs("Error: out of memory\n", ctx->err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct ea_item *it = &run.items[i];

		it->run = &run;
		it->name = v[i].name;
		(void)snprintf(it->label, sizeof(it->label), "%s:%s", v[i].remote->name, v[i].name);
		for (int k = 0; k < 2; k++) {
			it->out[k].it = it;
			it->out[k].fd = fileno(k ? ctx->err : ctx->out);
			lxf_buf_init(&it->out[k].part, EA_LINE_MAX);
		}
		lxf_buf_init(&it->all, EA_GROUP_MAX);
		it->state = EA_INTERRUPTED; /* what the workers never take */
	}
	/* Our own writes go to the fds: what the caller's FILEs hold goes first. */
	(void)fflush(ctx->out);
	(void)fflush(ctx->err);
	nthr = ea_start(&run, thr, want);
	if (nthr == 0)
		(void)ea_worker(&run); /* no thread: no signal forwarded either */
	ea_relay_signals(&run, nthr);
	for (size_t i = 0; i < nthr; i++)
		pthread_join(thr[i], NULL);
	lxf_term_signals_off();
	for (size_t i = 0; i < n; i++)
		all_ok = all_ok && run.items[i].state == EA_OK;
	if (!all_ok || !ctx->quiet)
		ea_summary(&run);
	st = all_ok ? LXF_EXIT_OK : LXF_EXIT_PARTIAL;
out:
	for (size_t i = 0; run.items && i < n; i++) {
		lxf_buf_fini(&run.items[i].all);
		for (int k = 0; k < 2; k++)
			lxf_buf_fini(&run.items[i].out[k].part);
	}
	for (size_t r = 0; run.rems && r < run.nrems; r++) {
		for (size_t i = 0; i < run.rems[r].nidle; i++)
			lxf_client_free(run.rems[r].idle[i].c);
		free(run.rems[r].idle);
	}
	free(run.rems);
	free(run.order);
	free(run.items);
	free(thr);
	pthread_mutex_destroy(&run.mu);
	pthread_mutex_destroy(&run.out_mu);
	pthread_mutex_destroy(&run.new_mu);
	return st;
}
