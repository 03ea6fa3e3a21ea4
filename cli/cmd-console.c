/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf console [REMOTE:]NAME [--show-log]: attaches the terminal to the
 * instance's console (POST .../console gives fds "0" and "control"), or
 * prints the console log (GET .../console). Ctrl+a q detaches, as lxc:
 * a close frame on "control" ends the operation and the session.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "ws.h"

enum { CONSOLE_OPT_SHOW_LOG = 0x1100 };

#define CONSOLE_READ_MAX 4096
#define CONSOLE_ESCAPE   0x01 /* Ctrl+a */
#define CONSOLE_DRAIN_MS 2000

static int console_sig_pipe[2] = {-1, -1};
static struct termios console_saved_tio;
static bool console_tio_raw;

static void console_on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (console_sig_pipe[1] >= 0)
		(void)!write(console_sig_pipe[1], &b, 1);
	errno = saved;
}

static void console_tty_restore(void)
{
	if (console_tio_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &console_saved_tio);
		console_tio_raw = false;
	}
}

static void console_window(int *w, int *h)
{
	struct winsize ws = {0};

	*w = 80;
	*h = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*w = ws.ws_col;
		*h = ws.ws_row;
	}
}

static void console_on_data(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	const char *p = data;

	(void)ws;
	(void)ud;
	(void)binary;
	while (len > 0) {
		ssize_t w = write(STDOUT_FILENO, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
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

static int console_connect(struct lxf_ws_ctx *wc, const char *op, struct json_object *fds,
			   const char *key, const struct lxf_ws_ops *ops, struct lxf_ws **out,
			   struct lxf_err *err)
{
	const char *secret = lxf_json_str(fds, key);
	char path[1024];
	char *esc;
	int rc;

	if (!secret)
		return lxf_err_set(err, LXF_EINVAL, "the server sent no secret for fd '%s'", key);
	esc = lxf_client_escape(secret);
	if (!esc)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (snprintf(path, sizeof(path), "%s/websocket?secret=%s", op, esc) >= (int)sizeof(path))
		rc = lxf_err_set(err, LXF_EINVAL, "operation path too long");
	else
		rc = lxf_ws_connect(wc, path, ops, NULL, out, err);
	free(esc);
	return rc;
}

static void console_resize(struct lxf_ws *ctl)
{
	char msg[128];
	int w, h, n;

	console_window(&w, &h);
	n = snprintf(
	    msg, sizeof(msg),
	    "{\"command\":\"window-resize\",\"args\":{\"width\":\"%d\",\"height\":\"%d\"}}", w, h);
	(void)lxf_ws_send(ctl, msg, (size_t)n, false, NULL);
}

/* Copies stdin to the console until Ctrl+a q, stdin's end or the console's. */
static void console_pump(struct lxf_ws *data, struct lxf_ws *ctl)
{
	char in[CONSOLE_READ_MAX], out[CONSOLE_READ_MAX * 2];
	bool escaped = false, stdin_open = true;

	while (!lxf_ws_is_closed(data)) {
		struct pollfd p[2] = {{.fd = console_sig_pipe[0], .events = POLLIN},
				      {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN}};
		size_t o = 0;
		ssize_t n;

		/* Wake now and then to notice a console closed by the server. */
		if (poll(p, 2, 200) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			unsigned char sig;

			if (read(console_sig_pipe[0], &sig, 1) == 1 && sig == SIGWINCH)
				console_resize(ctl);
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
	struct sigaction sa;
	int rc, w, h;

	if (!body)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	console_window(&w, &h);
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
	rc = console_connect(wc, resp.operation, fds, "control", &console_ctl_ops, &ctl, err);
	if (rc == 0)
		rc = console_connect(wc, resp.operation, fds, "0", &console_data_ops, &data, err);
	if (rc)
		goto out;
	if (pipe2(console_sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "pipe");
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = console_on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGWINCH, &sa, NULL);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &console_saved_tio) == 0) {
		struct termios raw = console_saved_tio;

		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			console_tio_raw = true;
	}
	if (!ctx->quiet && console_tio_raw)
		fputs("To detach from the console, press: <ctrl>+a q\r\n", ctx->err);
	console_pump(data, ctl);
	console_tty_restore();
	/* Detach: a close frame on control ends LXD's console operation. */
	lxf_ws_close(ctl);
	(void)lxf_ws_wait_closed(data, CONSOLE_DRAIN_MS);
	(void)lxf_client_wait_op(c, resp.operation, 5, NULL, NULL);
out:
	console_tty_restore();
	if (console_sig_pipe[0] >= 0) {
		sa.sa_handler = SIG_DFL;
		(void)sigaction(SIGWINCH, &sa, NULL);
	}
	for (int i = 0; i < 2; i++) {
		if (console_sig_pipe[i] >= 0)
			close(console_sig_pipe[i]);
		console_sig_pipe[i] = -1;
	}
	lxf_response_fini(&resp);
	json_object_put(body);
	return rc;
}

static int console_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args)
{
	const struct lxf_remote *rem;
	struct lxf_client *c = NULL;
	struct lxf_ws_ctx *wc = NULL;
	struct lxf_err err = {0};
	char *rname = NULL, *name = NULL, path[1024];
	int rc;

	(void)self;
	rc = lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &rname, &name, &err);
	if (rc == 0 && !*name)
		rc = lxf_err_set(&err, LXF_EINVAL, "missing instance name in '%s'", args->argv[0]);
	if (rc)
		goto out;
	rem = lxf_remotes_find(ctx->remotes, rname ? rname : ctx->remotes->default_remote);
	if (!rem) {
		rc = lxf_err_set(&err, LXF_ENOENT, "remote '%s' not found",
				 rname ? rname : ctx->remotes->default_remote);
		goto out;
	}
	rc = lxf_remotes_client(ctx->remotes, rem, &c, &err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/console", &err);
	if (rc)
		goto out;
	if (lxf_args_has(args, CONSOLE_OPT_SHOW_LOG)) {
		rc = console_show_log(c, path, ctx, &err);
		goto out;
	}
	rc = lxf_ws_ctx_for_remote(ctx->remotes, rem, &wc, &err);
	if (rc == 0)
		rc = console_attach(ctx, c, wc, path, &err);
out:
	lxf_ws_ctx_free(wc);
	lxf_client_free(c);
	free(rname);
	free(name);
	return rc ? lxf_cmd_fail(ctx, &err) : LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_console_entry = {
    .name = "console",
    .usage = "[REMOTE:]NAME [--show-log]",
    .summary = "Attach to an instance's console (Ctrl+a q detaches)",
    .min_args = 1,
    .max_args = 1,
    .opts =
	{
	    {"show-log", CONSOLE_OPT_SHOW_LOG, no_argument, NULL, "Print the console log"},
	},
    .exec = console_exec,
};
