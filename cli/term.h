/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_TERM_H
#define LXF_CLI_TERM_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "ws.h"

/*
 * The local terminal of the interactive commands (exec, console, monitor):
 * the instance and its websocket context, raw mode, the window size, and
 * signals turned into bytes on a pipe that the command's poll loop reads.
 * One session at a time: the terminal and signal state is process-wide.
 */

/*
 * Resolves "[REMOTE:]NAME" to a client, a websocket context (when wc is not
 * NULL) and the instance name. *c: lxf_client_free; *wc: lxf_ws_ctx_free;
 * *name: free(). All NULL on failure: "missing instance name in 'x'",
 * "remote 'x' not found" or the connection setup's error.
 */
int lxf_term_target(struct lxf_cmd_ctx *ctx, const char *arg, struct lxf_client **c,
		    struct lxf_ws_ctx **wc, char **name, struct lxf_err *err);

/*
 * Opens "<op>/websocket?secret=S" for the fd named key of the operation's
 * fds map; ops and ud as lxf_ws_connect. *out as lxf_ws_connect.
 */
int lxf_term_ws_open(struct lxf_ws_ctx *wc, const char *op, struct json_object *fds,
		     const char *key, const struct lxf_ws_ops *ops, void *ud, struct lxf_ws **out,
		     struct lxf_err *err);

/* Sends LXD's window-resize control message with the terminal's size. */
int lxf_term_send_resize(struct lxf_ws *ctl, struct lxf_err *err);

/*
 * Sends LXD's signal control message: the command gets signal sig, as
 * lxc exec forwards the signals it receives. lxf_ws_send's errors.
 */
int lxf_term_send_signal(struct lxf_ws *ctl, int sig, struct lxf_err *err);

/* The size of the terminal on stdout, 80x24 when it has none. */
void lxf_term_size(int *w, int *h);

/* Puts stdin in raw mode, saving its settings for lxf_term_restore. */
int lxf_term_raw(struct lxf_err *err);

/* True between a successful lxf_term_raw and lxf_term_restore. */
bool lxf_term_is_raw(void);

/* Restores the settings lxf_term_raw saved; nothing when not raw. */
void lxf_term_restore(void);

/*
 * Catches the n signals sigs: each one received writes its number as one
 * byte to the pipe lxf_term_signal_fd reads (non-blocking). Undone by
 * lxf_term_signals_off.
 */
int lxf_term_signals_on(const int *sigs, size_t n, struct lxf_err *err);

/* Writes a 0 byte to the signal pipe, from any thread: a wake-up that is no signal. */
void lxf_term_wake(void);

/* The read end of the signal pipe; -1 when signals are not caught. */
int lxf_term_signal_fd(void);

/* Back to the dispositions the caught signals had before; closes the pipe. */
void lxf_term_signals_off(void);

/* Writes all n bytes to fd; a closed fd drops them, as a pipe would. */
void lxf_term_write_all(int fd, const void *p, size_t n);

#endif
