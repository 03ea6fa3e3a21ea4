/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_EXEC_ALL_H
#define LXF_CLI_EXEC_ALL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "remotes.h"

/*
 * Fan-out exec (issue #20): one command in many instances at once, their
 * output prefixed "remote:name: " line by line or grouped per instance,
 * and a summary of how each ended. Never reads stdin: each command's
 * stdin is closed at once, as `lxf exec -n` does.
 */

/* At most this many instances run at once unless --parallel says otherwise. */
#define LXF_EXEC_ALL_PARALLEL 32
/* Each costs a thread and a websocket context: --parallel is held to this. */
#define LXF_EXEC_ALL_PARALLEL_MAX 1024

/* One instance to run the command in. Both fields borrowed. */
struct lxf_exec_item {
	const struct lxf_remote *remote;
	const char *name;
};

/* A remote that could not be asked which instances it has (counted unreachable). */
struct lxf_exec_down {
	const char *remote; /* borrowed */
	const char *why;    /* borrowed; the error text */
};

struct lxf_exec_all_opts {
	struct json_object *body; /* the POST .../exec body, borrowed, non-interactive */
	bool group;               /* --group-output: each instance's output in one block */
	unsigned parallel;        /* at most this many at once (>= 1) */
	const struct lxf_exec_down *down;
	size_t ndown;
};

/*
 * Runs the command of o->body in the n instances v (all of them
 * borrowed), at most o->parallel at once. Output goes to ctx->out /
 * ctx->err as it comes: each line of an instance's stdout on stdout and of
 * its stderr on stderr, prefixed "remote:name: " and written whole (a line
 * is never mixed with another's; a last line without its newline is ended
 * by one); with o->group, stdout and stderr of each instance together on
 * stdout under a header, each block as its instance ends. Then the summary
 * on ctx->err ("12 ok, 1 exit 3 (h2:web-4), 1 unreachable (h5)"; not with
 * ctx->quiet when all went well). A remote that fails to answer (cannot
 * connect, no answer in time) is unreachable for the rest of its
 * instances, which are not tried. SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * are caught meanwhile (the old dispositions are back on return): each is
 * forwarded to every command still running, the instances not started yet
 * are not started ("interrupted" in the summary), and the call still waits
 * for the commands to end. Returns 0 when every command exited 0, else 3
 * (LXF_EXIT_PARTIAL), even when none did.
 */
int lxf_exec_all(struct lxf_cmd_ctx *ctx, const struct lxf_exec_item *v, size_t n,
		 const struct lxf_exec_all_opts *o);

/*
 * Waits for the exec operation op with GET <op>/wait by hand rather than
 * lxf_client_wait_op: a command that could not run fails the operation
 * but still has metadata.return (127 for "Command not found"), and that is
 * its exit status, as for lxc. Each wait is held by the server for less
 * than answer_secs (the client's silence rule; 0: the default), again and
 * again, so a command may run quietly as long as it likes. Returns 0 and
 * *result (json_object_put) once the operation has ended, failed or not;
 * else an error.
 */
int lxf_exec_op_wait(struct lxf_client *c, long answer_secs, const char *op,
		     struct json_object **result, struct lxf_err *err);

/*
 * The command's exit status (0-255) from the finished operation result
 * into *status; a failed operation without one is -LXF_EIO with its text.
 */
int lxf_exec_status(struct json_object *result, int *status, struct lxf_err *err);

#endif
