/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf console [REMOTE:]NAME [--show-log]: attaches the terminal to the
 * instance's console (POST .../console gives fds "0" and "control"), or
 * prints the console log (GET .../console). Ctrl+a q detaches, as lxc:
 * a close frame on "control" ends the operation and the session.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "term.h"
#include "ws.h"

enum { CONSOLE_OPT_SHOW_LOG = 0x1100 };

#define CONSOLE_READ_MAX 4096
#define CONSOLE_ESCAPE   0x01 /* Ctrl+a */
#define CONSOLE_DRAIN_MS 2000

static void console_on_data(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	(void)ws;
	(void)ud;
	(void)binary;
	lxf_term_write_all(STDOUT_FILENO, data, len);
}

static const struct lxf_ws_ops console_data_ops = {.on_message = console_on_data};
static const struct lxf_ws_ops console_ctl_ops = {0};

static int console_show_log(struct lxf_client *c, const char *path, struct lxf_cmd_ctx *ctx,
			    struct lxf_err *err)
{
	struct lxf_response resp = {0};
	int rc = lxf_client_request(c, "GET", path, NULL, &resp, err);

	if (rc == 0) {
		/* The log is raw text, not an envelope. */
		(void)fwrite(resp.body.data ? resp.body.data : "", 1, resp.body.len, ctx->out);
		(void)fflush(ctx->out);
	}
	lxf_response_fini(&resp);
	return rc;
}

/* Copies stdin to the console until Ctrl+a q, stdin's end or the console's. */
static void console_pump(struct lxf_ws *data, struct lxf_ws *ctl)
{
	char in[CONSOLE_READ_MAX], out[CONSOLE_READ_MAX * 2];
	bool escaped = false, stdin_open = true;

	while (!lxf_ws_is_closed(data)) {
		struct pollfd p[2] = {{.fd = lxf_term_signal_fd(), .events = POLLIN},
				      {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};
		size_t o = 0;
		ssize_t n;

		/* Wake now and then to notice a console closed by the server. */
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			unsigned char sig;

			if (read(lxf_term_signal_fd(), &sig, 1) == 1 && sig == SIGWINCH)
				(void)lxf_term_send_resize(ctl, NULL);
		}
		if (!p[1].revents)
			continue;
		n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			stdin_open = false;
			continue;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (escaped) {
				escaped = false;
				if (in[i] == 'q')
					return;
				out[o++] = CONSOLE_ESCAPE;
				if (in[i] == CONSOLE_ESCAPE)
					continue; /* Ctrl+a Ctrl+a sends one Ctrl+a */
			} else if (in[i] == CONSOLE_ESCAPE) {
				escaped = true;
				continue;
			}
			out[o++] = in[i];
		}
		if (o && lxf_ws_send(data, out, o, true, NULL) != 0)
			return;
	}
}

static int console_attach(struct lxf_cmd_ctx *ctx, struct lxf_client *c, struct lxf_ws_ctx *wc,
			  const char *path, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	struct json_object *body = json_object_new_object(), *fds;
	struct lxf_ws *data = NULL, *ctl = NULL;
	static const int sigs[] = {SIGWINCH};
	int rc, w, h;

	if (!body)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	lxf_term_size(&w, &h);
	json_object_object_add(body, "width", json_object_new_int(w));
	json_object_object_add(body, "height", json_object_new_int(h));
	json_object_object_add(body, "type", json_object_new_string("console"));
	rc = lxf_client_request(c, "POST", path, body, &resp, err);
	if (rc)
		goto out;
	fds = lxf_json_path(resp.metadata, "metadata.fds");
	if (resp.type != LXF_RESP_ASYNC || !resp.operation || !fds) {
		rc = lxf_err_set(err, LXF_EINVAL, "the server's console answer has no websockets");
		goto out;
	}
	rc =
	    lxf_term_ws_open(wc, resp.operation, fds, "control", &console_ctl_ops, NULL, &ctl, err);
	if (rc == 0)
		rc = lxf_term_ws_open(wc, resp.operation, fds, "0", &console_data_ops, NULL, &data,
				      err);
	if (rc)
		goto out;
	rc = lxf_term_signals_on(sigs, 1, err);
	if (rc)
		goto out;
	/* Not a terminal (a test's pipe): the session runs all the same, cooked. */
	if (isatty(STDIN_FILENO))
		(void)lxf_term_raw(NULL);
	if (!ctx->quiet && lxf_term_is_raw())
		fputs("To detach from the console, press: <ctrl>+a q\r\n", ctx->err);
	console_pump(data, ctl);
	lxf_term_restore();
	/* Detach: a close frame on control ends LXD's console operation. */
	lxf_ws_close(ctl);
	(void)lxf_ws_wait_closed(data, CONSOLE_DRAIN_MS);
	(void)lxf_client_wait_op(c, resp.operation, 5, NULL, NULL);
out:
	lxf_term_restore();
	lxf_term_signals_off();
	lxf_response_fini(&resp);
	json_object_put(body);
	return rc;
}

static int console_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args)
{
	bool show_log = lxf_args_has(args, CONSOLE_OPT_SHOW_LOG);
	struct lxf_client *c = NULL;
	struct lxf_ws_ctx *wc = NULL;
	struct lxf_err err = {0};
	char *name = NULL, path[1024];
	int rc;

	(void)self;
	rc = lxf_term_target(ctx, args->argv[0], &c, show_log ? NULL : &wc, &name, &err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/console", &err);
	if (rc)
		goto out;
	if (show_log)
		rc = console_show_log(c, path, ctx, &err);
	else
		rc = console_attach(ctx, c, wc, path, &err);
out:
	lxf_ws_ctx_free(wc);
	lxf_client_free(c);
	free(name);
	return rc ? lxf_cmd_fail(ctx, &err) : LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_console_entry = LXF_CMD_ENTRY(
    "console", NULL, "[REMOTE:]NAME [--show-log]",
    "Attach to an instance's console (Ctrl+a q detaches)", 1, 1, LXF_CMD_T_NONE, 0, console_exec,
    {"show-log", CONSOLE_OPT_SHOW_LOG, no_argument, NULL, "Print the console log"});
