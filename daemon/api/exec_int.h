/* SPDX-License-Identifier: Apache-2.0 */
/* exec.c's private state, shared with exec_parse.c (the request body). */
#ifndef LXFD_EXEC_INT_H
#define LXFD_EXEC_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "buf.h"
#include "err.h"

struct http_req;
struct ws_conn;

enum { CH_STDIN, CH_STDOUT, CH_STDERR, CH_CONTROL, CH_COUNT };

struct exec;

struct exec_chan {
	struct exec *x;
	int idx;
	bool used; /* offered to the client */
	char secret[65];
	struct ws_conn *c; /* a reference, once connected */
	bool opened, closed;
};

struct exec {
	pthread_mutex_t lock; /* everything below the config */
	pthread_cond_t cond;
	int refs;

	/* Config, read-only once the op runs. */
	char name[64];
	bool interactive, wait_ws;
	char **argv, **env;
	long uid, gid;
	char *cwd;
	int width, height;

	struct exec_chan ch[CH_COUNT];
	struct lxf_buf inq; /* stdin bytes waiting for the process */
	bool in_eof, in_paused;
	bool offered;   /* the channels are on ws.c's list (or never will be) */
	int wake;       /* eventfd: the loop has news for the pump */
	int pty;        /* master, interactive only */
	int pidfd;      /* the running command, -1 before and after */
	bool cancelled; /* DELETE on the op: kill, stop waiting, close */
};

/* Fills x's config from the POST body (LXD's InstanceExecPost). 0 or -LXF_*. */
int exec_parse_body(struct http_req *req, struct exec *x, struct lxf_err *err);

#endif
