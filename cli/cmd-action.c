/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf start|stop|restart|pause [REMOTE:]NAME...: PUT .../state and wait
 * on the operation. Each instance may live on another remote.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"

static int cmd_action_one(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args, const char *arg, struct lxf_err *err)
{
	const char *action = self->name, *tmo = lxf_args_get(args, LXF_OPT_TIMEOUT_VAL);
	struct json_object *body = NULL, *inst = NULL;
	struct lxf_client *c = NULL;
	char *name = NULL, path[1024], *end;
	long timeout = -1;
	int rc;

	if (strcmp(action, "pause") == 0)
		action = "freeze";
	if (tmo) {
		timeout = strtol(tmo, &end, 10);
		if (*end || end == tmo || timeout < -1 || timeout > 86400) {
			rc = lxf_err_set(err, LXF_EUSAGE, "bad --timeout '%s'", tmo);
			goto out;
		}
	}
	rc = lxf_cmd_target(ctx, arg, true, &c, &name, err);
	if (rc)
		goto out;
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/state", err);
	if (rc)
		goto out;
	if (strcmp(action, "start") == 0) {
		/* A paused instance resumes with "unfreeze", as lxc start does. */
		rc = lxf_client_do(c, "GET", path, NULL, &inst, err);
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
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_client_do(c, "PUT", path, body, NULL, err);
	if (rc)
		lxf_err_prefix(err, "%s", arg);
out:
	if (body)
		json_object_put(body);
	if (inst)
		json_object_put(inst);
	lxf_client_free(c);
	free(name);
	return rc;
}

static int cmd_action_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK, fails = 0;

	for (int i = 0; i < args->argc; i++) {
		lxf_err_clear(&err);
		if (cmd_action_one(self, ctx, args, args->argv[i], &err) == 0)
			continue;
		if (err.code == LXF_EUSAGE)
			return lxf_cmd_usage_error(self, ctx, "%s", err.msg);
		st = lxf_cmd_fail(ctx, &err);
		fails++;
	}
	/* Some done, some not: the partial status, as for list. */
	if (fails && fails < args->argc)
		st = LXF_EXIT_PARTIAL;
	return st;
}

#define ACTION_OPTS                                                                                \
	{                                                                                          \
		{"force", 'f', no_argument, NULL, "Force the action (kill on stop)"},              \
		    {"timeout", LXF_OPT_TIMEOUT_VAL, required_argument, "SECONDS",                 \
		     "Clean shutdown timeout (-1: none)"},                                         \
	}

const struct lxf_cmd lxf_cmd_start_entry = {
    .name = "start",
    .usage = "[REMOTE:]NAME...",
    .summary = "Start instances (resumes paused ones)",
    .min_args = 1,
    .max_args = -1,
    .opts = ACTION_OPTS,
    .exec = cmd_action_exec,
};

const struct lxf_cmd lxf_cmd_stop_entry = {
    .name = "stop",
    .usage = "[REMOTE:]NAME... [--force] [--timeout SECONDS]",
    .summary = "Stop instances",
    .min_args = 1,
    .max_args = -1,
    .opts = ACTION_OPTS,
    .exec = cmd_action_exec,
};

const struct lxf_cmd lxf_cmd_restart_entry = {
    .name = "restart",
    .usage = "[REMOTE:]NAME... [--force] [--timeout SECONDS]",
    .summary = "Restart instances",
    .min_args = 1,
    .max_args = -1,
    .opts = ACTION_OPTS,
    .exec = cmd_action_exec,
};

const struct lxf_cmd lxf_cmd_pause_entry = {
    .name = "pause",
    .aliases = {"freeze"},
    .usage = "[REMOTE:]NAME...",
    .summary = "Pause (freeze) instances",
    .min_args = 1,
    .max_args = -1,
    .opts = ACTION_OPTS,
    .exec = cmd_action_exec,
};
