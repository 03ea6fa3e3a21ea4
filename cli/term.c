/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local terminal of exec, console and monitor (term.h): the process-wide state
 * of one interactive session, so that a signal handler can reach it.
 */
#include "term.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "json.h"
#include "target.h"

#define TERM_MAX_SIGS 16

static int term_sig_pipe[2] = {-1, -1};
static int term_sigs[TERM_MAX_SIGS];
static struct sigaction term_old_sa[TERM_MAX_SIGS]; /* what lxf_term_signals_off puts back */
static size_t term_nsigs;
static struct termios term_saved_tio;
static bool term_tio_raw;

int lxf_term_target(struct lxf_cmd_ctx *ctx, const char *arg, struct lxf_client **c,
		    struct lxf_ws_ctx **wc, char **name, struct lxf_err *err)
{
	const struct lxf_remote *rem;
	char *rname = NULL, *nm = NULL;
	int rc;

	*c = NULL;
	if (wc)
		*wc = NULL;
	*name = NULL;
	rc = lxf_cmd_parse_arg(ctx, arg, LXF_NAME_INSTANCE, &rname, &nm, err);
	if (rc == 0 && !*nm)
		rc = lxf_err_set(err, LXF_EINVAL, "missing instance name in '%s'", arg);
	if (rc)
		goto out;
	rem = lxf_remotes_find(ctx->remotes, rname ? rname : ctx->remotes->default_remote);
	if (!rem) {
		rc = lxf_remotes_unknown(ctx->remotes, rname ? rname : ctx->remotes->default_remote,
					 err);
		goto out;
	}
	rc = lxf_remotes_client(ctx->remotes, rem, c, err);
	if (rc == 0 && wc)
		rc = lxf_ws_ctx_for_remote(ctx->remotes, rem, wc, err);
	if (rc) {
		lxf_client_free(*c);
		*c = NULL;
		goto out;
	}
	*name = nm;
	nm = NULL;
out:
	free(rname);
	free(nm);
	return rc;
}

int lxf_term_ws_open(struct lxf_ws_ctx *wc, const char *op, struct json_object *fds,
		     const char *key, const struct lxf_ws_ops *ops, void *ud, struct lxf_ws **out,
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
		rc = lxf_ws_connect(wc, path, ops, ud, out, err);
	free(esc);
	return rc;
}

int lxf_term_send_resize(struct lxf_ws *ctl, struct lxf_err *err)
{
	char msg[128];
	int w, h, n;

	lxf_term_size(&w, &h);
	n = snprintf(
	    msg, sizeof(msg),
	    "{\"command\":\"window-resize\",\"args\":{\"width\":\"%d\",\"height\":\"%d\"}}", w, h);
	return lxf_ws_send(ctl, msg, (size_t)n, false, err);
}

int lxf_term_send_signal(struct lxf_ws *ctl, int sig, struct lxf_err *err)
{
	char msg[64];
	int n = snprintf(msg, sizeof(msg), "{\"command\":\"signal\",\"signal\":%d}", sig);

	return lxf_ws_send(ctl, msg, (size_t)n, false, err);
}

void lxf_term_size(int *w, int *h)
{
	struct winsize ws = {0};

	*w = 80;
	*h = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		*w = ws.ws_col;
		*h = ws.ws_row;
	}
}

int lxf_term_raw(struct lxf_err *err)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &term_saved_tio) != 0)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot read the terminal settings");
	raw = term_saved_tio;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0)
		return lxf_err_sys(err, LXF_EIO, errno, "cannot set the terminal to raw mode");
	term_tio_raw = true;
	return 0;
}

bool lxf_term_is_raw(void)
{
	return term_tio_raw;
}

void lxf_term_restore(void)
{
	if (term_tio_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &term_saved_tio);
		term_tio_raw = false;
	}
}

static void term_on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	if (term_sig_pipe[1] >= 0)
		(void)!write(term_sig_pipe[1], &b, 1);
	errno = saved;
}

int lxf_term_signals_on(const int *sigs, size_t n, struct lxf_err *err)
{
	struct sigaction sa;

	if (n > TERM_MAX_SIGS)
		return lxf_err_set(err, LXF_EINVAL, "too many signals to catch");
	if (pipe2(term_sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return lxf_err_sys(err, LXF_EIO, errno, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = term_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++) {
		term_sigs[i] = sigs[i];
		(void)sigaction(sigs[i], &sa, &term_old_sa[i]);
	}
	term_nsigs = n;
	return 0;
}

void lxf_term_wake(void)
{
	int saved = errno;

	if (term_sig_pipe[1] >= 0)
		(void)!write(term_sig_pipe[1], "", 1);
	errno = saved;
}

int lxf_term_signal_fd(void)
{
	return term_sig_pipe[0];
}

void lxf_term_signals_off(void)
{
	for (size_t i = 0; i < term_nsigs; i++)
		(void)sigaction(term_sigs[i], &term_old_sa[i], NULL);
	term_nsigs = 0;
	for (int i = 0; i < 2; i++) {
		if (term_sig_pipe[i] >= 0)
			(void)close(term_sig_pipe[i]);
		term_sig_pipe[i] = -1;
	}
}

void lxf_term_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a closed stdout drops output, as a pipe would */
		c += w;
		n -= (size_t)w;
	}
}
