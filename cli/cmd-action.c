/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf start|stop|restart|pause [REMOTE:]NAME...: PUT .../state and wait
 * on the operation. Each instance may live on another remote; the
 * dispatcher calls exec once per instance (LXF_CMD_F_EACH), or per
 * instance an --all selection picks (each-all.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "each.h"
#include "json.h"

/* --timeout SECONDS, -1 (none) when not given. */
static int cmd_action_timeout(const struct lxf_cmd_args *args, long *timeout, struct lxf_err *err)
{
	const char *tmo = lxf_args_get(args, LXF_OPT_TIMEOUT_VAL);
	char *end;

	*timeout = -1;
	if (!tmo)
		return 0;
	*timeout = strtol(tmo, &end, 10);
	if (*end || end == tmo || *timeout < -1 || *timeout > 86400)
		return lxf_err_set(err, LXF_EUSAGE, "bad --timeout '%s'", tmo);
	return 0;
}

static int cmd_action_check(const struct lxf_cmd *self, const struct lxf_cmd_args *args,
			    struct lxf_err *err)
{
	long timeout;

	(void)self;
	return cmd_action_timeout(args, &timeout, err);
}

/* One instance (the dispatcher loops over them): args->client, args->name. */
static int cmd_action_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	const char *action = self->data;
	struct json_object *body = NULL, *inst = NULL;
	struct lxf_err err = {0};
	char path[1024];
	long timeout;
	int rc;

	rc = cmd_action_timeout(args, &timeout, &err); /* checked already: cannot fail */
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "instances", args->name, "/state", &err);
	if (rc)
		goto out;
	if (strcmp(action, "start") == 0) {
		/* A paused instance resumes with "unfreeze", as lxc start does. */
		rc = lxf_client_do(args->client, "GET", path, NULL, &inst, &err);
		if (rc)
			goto out;
		if (lxf_json_str(inst, "status") &&
		    strcmp(lxf_json_str(inst, "status"), "Frozen") == 0)
			action = "unfreeze";
	}
	body = json_object_new_object();
	if (!body || lxf_json_add_str(body, "action", action) != 0 ||
	    json_object_object_add(body, "timeout", json_object_new_int((int)timeout)) != 0 ||
	    json_object_object_add(body, "force",
				   json_object_new_boolean(lxf_args_has(args, 'f'))) != 0) {
		rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_client_do(args->client, "PUT", path, body, NULL, &err);
	if (rc)
		lxf_err_prefix(&err, "%s", args->target_arg);
out:
	if (body)
		json_object_put(body);
	if (inst)
		json_object_put(inst);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

#define ACTION_OPTS                                                                                \
	{                                                                                          \
		{"force", 'f', no_argument, NULL, "Force the action (kill on stop)"},              \
		    {"timeout", LXF_OPT_TIMEOUT_VAL, required_argument, "SECONDS",                 \
		     "Clean shutdown timeout (-1: none)"},                                         \
		    LXF_EACH_ALL_OPTS,                                                             \
	}

/* The four entries differ only in name, usage, summary and the action sent (.data). */
#define ACTION_ENTRY(nm, use, sum, action)                                                         \
	.name = (nm), .usage = (use), .summary = (sum), .min_args = 1, .max_args = -1,             \
	.target = LXF_CMD_T_INSTANCE, .flags = LXF_CMD_F_EACH | LXF_CMD_F_ALL, .data = (action),   \
	.opts = ACTION_OPTS, .check = cmd_action_check, .exec = cmd_action_exec,                   \
	.help = LXF_EACH_ALL_HELP

const struct lxf_cmd lxf_cmd_start_entry = {
    ACTION_ENTRY("start", "[REMOTE:]NAME... | --all [REMOTES] [FILTER...]",
		 "Start instances (resumes paused ones)", "start"),
};

const struct lxf_cmd lxf_cmd_stop_entry = {
    ACTION_ENTRY("stop",
		 "[REMOTE:]NAME... | --all [REMOTES] [FILTER...] [--force] [--timeout SECONDS]",
		 "Stop instances", "stop"),
};

const struct lxf_cmd lxf_cmd_restart_entry = {
    ACTION_ENTRY("restart",
		 "[REMOTE:]NAME... | --all [REMOTES] [FILTER...] [--force] [--timeout SECONDS]",
		 "Restart instances", "restart"),
};

const struct lxf_cmd lxf_cmd_pause_entry = {
    ACTION_ENTRY("pause", "[REMOTE:]NAME... | --all [REMOTES] [FILTER...]",
		 "Pause (freeze) instances", "freeze"),
    .aliases = {"freeze"},
};
