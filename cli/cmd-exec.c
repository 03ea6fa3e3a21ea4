/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf exec [REMOTE:]NAME [-t|-T] [-n] [--env K=V]... [--cwd DIR] [--user UID]
 * [--group GID] -- CMD...: LXD's exec protocol. POST .../exec with
 * wait-for-websocket, then one websocket per fd: interactive mode has a pty
 * on "0" (both ways) plus "control"; non-interactive has "0", "1", "2" and
 * "control". Local stdin feeds "0"; its end closes "0" (LXD 5.0 takes a
 * close frame as EOF). Signals we receive are forwarded on "control"
 * (SIGWINCH as window-resize). The exit status is the command's, from the
 * finished operation's metadata.return.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "each.h"
#include "exec-all.h"
#include "json.h"
#include "select.h"
#include "target.h"
#include "term.h"
#include "ws.h"

enum {
	EXEC_OPT_ENV = 0x1000,
	EXEC_OPT_CWD,
	EXEC_OPT_USER,
	EXEC_OPT_GROUP,
	EXEC_OPT_GROUP_OUTPUT,
};

#define EXEC_READ_MAX 32768
#define EXEC_DRAIN_MS 5000

static const int exec_fwd_signals[] = {SIGWINCH, SIGTERM, SIGHUP,  SIGINT, SIGQUIT,
				       SIGTSTP,  SIGCONT, SIGUSR1, SIGUSR2};
#define EXEC_NSIG (sizeof(exec_fwd_signals) / sizeof(exec_fwd_signals[0]))

/*
 * Output websockets: data frames go to the fd in ud. The empty text barrier
 * is the end of the stream, and LXD waits for us to close our side then (as
 * lxc does) before it ends the operation.
 */
static void exec_on_output(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	if (len > 0 || binary)
		lxf_term_write_all(*(const int *)ud, data, len);
	else
		lxf_ws_close(ws);
}

static const struct lxf_ws_ops exec_out_ops = {.on_message = exec_on_output};
static const struct lxf_ws_ops exec_ctl_ops = {0};
static int exec_fd_out = STDOUT_FILENO, exec_fd_err = STDERR_FILENO; /* ud of the output sockets */

/* Waits for the operation on its own thread so that the main loop can poll. */
struct exec_waiter {
	pthread_t thr;
	struct lxf_client *c;
	long answer_secs;
	const char *op;
	struct json_object *result;
	struct lxf_err err;
	int rc;
	int done_fd;
};

/* The operation's end, on its own thread so that the main loop can poll. */
static void *exec_wait_thread(void *arg)
{
	struct exec_waiter *w = arg;

	w->rc = lxf_exec_op_wait(w->c, w->answer_secs, w->op, &w->result, &w->err);
	(void)!write(w->done_fd, "x", 1);
	return NULL;
}

static int exec_send_control(struct lxf_ws *ctl, int sig, struct lxf_err *err)
{
	if (sig == SIGWINCH)
		return lxf_term_send_resize(ctl, err);
	return lxf_term_send_signal(ctl, sig, err);
}

/*
 * Builds the POST body for the command args->argv[first..]. Returns 0 or
 * -LXF_EUSAGE for a bad flag value.
 */
static int exec_body(const struct lxf_cmd_args *args, int first, bool interactive,
		     struct json_object **out, struct lxf_err *err)
{
	struct json_object *body = json_object_new_object(), *cmd = json_object_new_array(),
			   *env = json_object_new_object();
	const char *term = getenv("TERM");
	int rc = 0, w, h;

	*out = NULL;
	if (!body || !cmd || !env) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = first; i < args->argc; i++)
		json_object_array_add(cmd, json_object_new_string(args->argv[i]));
	if (interactive && term && *term)
		(void)lxf_json_add_str(env, "TERM", term);
	for (size_t i = 0; i < args->nopts; i++) {
		const char *kv = args->opts[i].arg, *eq;
		char key[256];

		if (args->opts[i].val != EXEC_OPT_ENV)
			continue;
		eq = strchr(kv, '=');
		if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
			rc = lxf_err_set(err, LXF_EUSAGE, "bad --env '%s': want KEY=VALUE", kv);
			goto out;
		}
		memcpy(key, kv, (size_t)(eq - kv));
		key[eq - kv] = '\0';
		(void)lxf_json_add_str(env, key, eq + 1);
	}
	json_object_object_add(body, "command", cmd);
	cmd = NULL;
	json_object_object_add(body, "environment", env);
	env = NULL;
	json_object_object_add(body, "interactive", json_object_new_boolean(interactive));
	json_object_object_add(body, "wait-for-websocket", json_object_new_boolean(1));
	json_object_object_add(body, "record-output", json_object_new_boolean(0));
	lxf_term_size(&w, &h);
	json_object_object_add(body, "width", json_object_new_int(w));
	json_object_object_add(body, "height", json_object_new_int(h));
	if (lxf_args_get(args, EXEC_OPT_CWD))
		(void)lxf_json_add_str(body, "cwd", lxf_args_get(args, EXEC_OPT_CWD));
	for (int k = 0; k < 2; k++) {
		const char *v = lxf_args_get(args, k ? EXEC_OPT_GROUP : EXEC_OPT_USER);
		char *end;
		long long id;

		if (!v)
			continue;
		id = strtoll(v, &end, 10);
		if (!*v || *end || id < 0 || id > 4294967294LL) {
			rc = lxf_err_set(err, LXF_EUSAGE, "bad --%s '%s': want a number",
					 k ? "group" : "user", v);
			goto out;
		}
		json_object_object_add(body, k ? "group" : "user", json_object_new_int64(id));
	}
	*out = body;
	body = NULL;
out:
	json_object_put(body);
	json_object_put(cmd);
	json_object_put(env);
	return rc;
}

/* Copies stdin to "0" and signals to "control" until the operation ends. */
static void exec_pump(bool interactive, bool read_stdin, struct lxf_ws *in, struct lxf_ws *ctl,
		      int done_fd)
{
	static char buf[EXEC_READ_MAX];
	struct lxf_err err = {0};
	bool stdin_open = read_stdin;

	for (;;) {
		struct pollfd p[3] = {{.fd = done_fd, .events = POLLIN},
				      {.fd = lxf_term_signal_fd(), .events = POLLIN},
				      {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents)
			return;
		if (p[1].revents & POLLIN) {
			unsigned char sig;

			if (read(lxf_term_signal_fd(), &sig, 1) == 1 &&
			    (interactive || sig != SIGWINCH))
				(void)exec_send_control(ctl, sig, &err);
		}
		if (p[2].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n > 0 && lxf_ws_send(in, buf, (size_t)n, true, &err) == 0)
				continue;
			/* End of input: LXD 5.0 reads a close frame on "0" as EOF. The
			 * pty of an interactive session carries the output too, so it
			 * stays open; the command ends by itself (or by ^D we sent). */
			stdin_open = false;
			if (!interactive)
				lxf_ws_close(in);
		}
	}
}

/* Several targets, --all, or a fan-out flag: the command runs in each (exec-all.c). */
static bool exec_fans_out(const struct lxf_cmd_args *args)
{
	return lxf_args_has(args, LXF_OPT_ALL) || lxf_args_has(args, EXEC_OPT_GROUP_OUTPUT) ||
	       lxf_args_has(args, LXF_OPT_PARALLEL) || args->dash > 1;
}

/* The instances words[0..n) name, each "[REMOTE:]NAME" placed as for one exec. */
static int exec_targets(struct lxf_cmd_ctx *ctx, char *const *words, size_t n,
			struct lxf_exec_item *v, struct lxf_err *err)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		char *rname = NULL, *nm = NULL;

		rc = lxf_cmd_parse_arg(ctx, words[i], LXF_NAME_INSTANCE, &rname, &nm, err);
		if (rc == 0 && !*nm)
			rc =
			    lxf_err_set(err, LXF_EUSAGE, "missing instance name in '%s'", words[i]);
		if (rc == 0) {
			const char *rn = rname ? rname : ctx->remotes->default_remote;

			v[i].remote = lxf_remotes_find(ctx->remotes, rn);
			if (!v[i].remote)
				rc = lxf_remotes_unknown(ctx->remotes, rn, err);
		}
		v[i].name = rc == 0 ? nm : NULL;
		if (rc)
			free(nm);
		free(rname);
	}
	return rc;
}

/*
 * --all: the running instances the words pick (select.h); the remotes that
 * did not answer go to o->down. *v and o->down: free() (the names are sel's).
 */
static int exec_select(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args,
		       struct lxf_sel *sel, struct lxf_exec_item **v, size_t *n,
		       struct lxf_exec_all_opts *o, struct lxf_err *err)
{
	struct lxf_exec_down *down;
	int rc = lxf_select(ctx->remotes, args->dash, args->argv, sel, err);

	if (rc)
		return rc;
	*v = calloc(sel->n ? sel->n : 1, sizeof(**v));
	down = calloc(sel->nfails ? sel->nfails : 1, sizeof(*down));
	o->down = down;
	if (!*v || !down)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	/* A stopped instance has nothing to run the command in: not picked. */
	for (size_t i = 0; i < sel->n; i++) {
		const char *status = lxf_json_str(sel->v[i].inst, "status");

		if (status && strcmp(status, "Running") == 0)
			(*v)[(*n)++] = (struct lxf_exec_item){sel->v[i].remote, sel->v[i].name};
	}
	for (size_t i = 0; i < sel->nfails; i++)
		down[i] = (struct lxf_exec_down){sel->fails[i].remote->name, sel->fails[i].err.msg};
	o->ndown = sel->nfails;
	if (*n == 0 && o->ndown == 0)
		return lxf_err_set(err, LXF_ENOENT, "no running instance matches");
	return 0;
}

static int exec_fan_out(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args)
{
	struct lxf_exec_all_opts o = {.group = lxf_args_has(args, EXEC_OPT_GROUP_OUTPUT),
				      .parallel = LXF_EXEC_ALL_PARALLEL};
	bool all = lxf_args_has(args, LXF_OPT_ALL);
	struct lxf_sel sel = {0};
	struct lxf_exec_item *v = NULL;
	struct lxf_err err = {0};
	size_t n = 0;
	int st, rc;

	if (lxf_args_has(args, 't'))
		return lxf_cmd_usage_error(self, ctx,
					   "-t needs one instance: a fan-out has no terminal");
	if (args->dash < 0 || args->dash == args->argc)
		return lxf_cmd_usage_error(self, ctx, "%s need '--' before the command",
					   all ? "--all and its filters" : "several instances");
	if (!all && args->dash == 0)
		return lxf_cmd_usage_error(self, ctx, "no instance before '--'");
	if (lxf_args_has(args, LXF_OPT_PARALLEL)) {
		size_t max;

		if (lxf_each_parallel_arg(args, &max, &err) != 0)
			return lxf_cmd_error(self, ctx, &err);
		o.parallel =
		    max < LXF_EXEC_ALL_PARALLEL_MAX ? (unsigned)max : LXF_EXEC_ALL_PARALLEL_MAX;
	}
	rc = exec_body(args, args->dash, false, &o.body, &err);
	if (rc == 0 && all)
		rc = exec_select(ctx, args, &sel, &v, &n, &o, &err);
	else if (rc == 0) {
		n = (size_t)args->dash;
		v = calloc(n, sizeof(*v));
		rc = v ? exec_targets(ctx, args->argv, n, v, &err)
		       : lxf_err_set(&err, LXF_ENOMEM, "out of memory");
	}
	st = rc ? lxf_cmd_error(self, ctx, &err) : lxf_exec_all(ctx, v, n, &o);
	for (size_t i = 0; !all && v && i < n; i++)
		free((char *)v[i].name);
	free(v);
	free((void *)o.down);
	lxf_sel_fini(&sel);
	json_object_put(o.body);
	return st;
}

static int exec_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args)
{
	struct exec_waiter waiter = {.rc = 0};
	struct lxf_response resp = {0};
	struct json_object *body = NULL, *fds = NULL;
	struct lxf_client *c = NULL;
	struct lxf_ws_ctx *wc = NULL;
	struct lxf_ws *ws_in = NULL, *ws_out = NULL, *ws_err = NULL, *ctl = NULL;
	struct lxf_err err = {0};
	char *name = NULL, path[1024];
	int done[2] = {-1, -1}, st = LXF_EXIT_ERROR, rc;
	bool interactive, no_stdin = lxf_args_has(args, 'n');

	if (lxf_args_has(args, 't') && lxf_args_has(args, 'T'))
		return lxf_cmd_usage_error(self, ctx, "-t and -T cannot be used together");
	interactive = lxf_args_has(args, 't') ||
		      (!lxf_args_has(args, 'T') && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
	if (exec_fans_out(args))
		return exec_fan_out(self, ctx, args);
	rc = exec_body(args, 1, interactive, &body, &err); /* a bad flag value: a usage error */
	if (rc == 0)
		rc = lxf_term_target(ctx, args->argv[0], &c, &wc, &name, &err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/exec", &err);
	if (rc == 0)
		rc = lxf_client_request(c, "POST", path, body, &resp, &err);
	if (rc)
		goto fail;
	fds = lxf_json_path(resp.metadata, "metadata.fds");
	if (resp.type != LXF_RESP_ASYNC || !resp.operation || !fds) {
		(void)lxf_err_set(&err, LXF_EINVAL, "the server's exec answer has no websockets");
		goto fail;
	}
	rc = lxf_term_ws_open(wc, resp.operation, fds, "control", &exec_ctl_ops, NULL, &ctl, &err);
	if (rc == 0)
		rc = lxf_term_ws_open(wc, resp.operation, fds, "0",
				      interactive ? &exec_out_ops : &exec_ctl_ops, &exec_fd_out,
				      &ws_in, &err);
	if (rc == 0 && !interactive)
		rc = lxf_term_ws_open(wc, resp.operation, fds, "1", &exec_out_ops, &exec_fd_out,
				      &ws_out, &err);
	if (rc == 0 && !interactive)
		rc = lxf_term_ws_open(wc, resp.operation, fds, "2", &exec_out_ops, &exec_fd_err,
				      &ws_err, &err);
	if (rc)
		goto fail;
	if (pipe2(done, O_CLOEXEC) != 0) {
		(void)lxf_err_sys(&err, LXF_EIO, errno, "pipe");
		goto fail;
	}
	if (lxf_term_signals_on(exec_fwd_signals, EXEC_NSIG, &err) != 0)
		goto fail;
	waiter.c = c;
	waiter.answer_secs = ctx->remotes->timeout_secs;
	waiter.op = resp.operation;
	waiter.done_fd = done[1];
	if (pthread_create(&waiter.thr, NULL, exec_wait_thread, &waiter) != 0) {
		(void)lxf_err_set(&err, LXF_EIO, "cannot start a thread");
		goto fail;
	}
	/* From here the waiter runs: no early exit before it is joined. */
	if (interactive && isatty(STDIN_FILENO) && !no_stdin && lxf_term_raw(&err) != 0)
		fprintf(ctx->err, "Warning: %s\n", err.msg);
	if (no_stdin && !interactive)
		lxf_ws_close(ws_in);
	exec_pump(interactive, !no_stdin, ws_in, ctl, done[0]);
	pthread_join(waiter.thr, NULL);
	lxf_term_restore();
	if (waiter.rc) {
		err = waiter.err;
		goto fail;
	}
	/* The op ends when the command does; let the last output frames land. */
	if (ws_out)
		(void)lxf_ws_wait_closed(ws_out, EXEC_DRAIN_MS);
	if (ws_err)
		(void)lxf_ws_wait_closed(ws_err, EXEC_DRAIN_MS);
	if (interactive)
		(void)lxf_ws_wait_closed(ws_in, EXEC_DRAIN_MS);
	if (lxf_exec_status(waiter.result, &st, &err) != 0)
		goto fail;
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	lxf_term_restore();
	lxf_term_signals_off();
	lxf_ws_ctx_free(wc);
	for (int i = 0; i < 2; i++)
		if (done[i] >= 0)
			close(done[i]);
	if (waiter.result)
		json_object_put(waiter.result);
	lxf_response_fini(&resp);
	json_object_put(body);
	lxf_client_free(c);
	free(name);
	return st;
}

static const char exec_help[] =
    "Several instances before --, or --all [REMOTES] [FILTER...] (as lxf list's:\n"
    "the running instances they pick), run the command in each at once, without\n"
    "stdin: each output line prefixed REMOTE:NAME: (stderr's on stderr), or with\n"
    "--group-output each instance's output in one block; then a summary on stderr.\n"
    "Ctrl-C goes to each command still running; those not started are not started.\n"
    "Exit 0 when every command exited 0, else 3.\n";

const struct lxf_cmd lxf_cmd_exec_entry = {
    .name = "exec",
    .usage = "{[REMOTE:]NAME...|--all [REMOTES] [FILTER...]} [-t|-T] [-n] [--env KEY=VALUE]... "
	     "[--cwd DIR] [--user UID] "
	     "[--group GID] [--group-output] [--parallel N] -- COMMAND [ARGS...]",
    .summary = "Run a command in an instance",
    .min_args = 2, /* not counted with --all (its words are a selection) */
    .max_args = -1,
    .opts =
	{
	    {"force-interactive", 't', no_argument, NULL, "Force a pseudo-terminal"},
	    {"force-noninteractive", 'T', no_argument, NULL, "Do not allocate a pseudo-terminal"},
	    {"disable-stdin", 'n', no_argument, NULL, "Do not read standard input"},
	    {"env", EXEC_OPT_ENV, required_argument, "KEY=VALUE", "Set an environment variable"},
	    {"cwd", EXEC_OPT_CWD, required_argument, "DIR", "Working directory of the command"},
	    {"user", EXEC_OPT_USER, required_argument, "UID", "User ID to run the command as"},
	    {"group", EXEC_OPT_GROUP, required_argument, "GID", "Group ID to run the command as"},
	    {"all", LXF_OPT_ALL, no_argument, NULL,
	     "Run in every running instance the words before -- pick (as lxf list's)"},
	    {"group-output", EXEC_OPT_GROUP_OUTPUT, no_argument, NULL,
	     "Several instances: each one's output in one block"},
	    {"parallel", LXF_OPT_PARALLEL, required_argument, "N",
	     "Several instances: at most N at once (default 32, at most 1024)"},
	},
    .exec = exec_exec,
    .help = exec_help,
};
