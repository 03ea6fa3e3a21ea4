/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/instances/{name}/state: the live state, and start/stop/restart/freeze/unfreeze. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "journal.h"
#include "log.h"
#include "op.h"

static int get_row(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Instance", err,
		      "SELECT * FROM instances WHERE name = ? AND creating = 0", "s", name);
}

struct json_object *api_state_broken(void)
{
	struct json_object *o = json_object_new_object(), *mem = json_object_new_object();
	struct json_object *cpu = json_object_new_object();
	static const char *const mkeys[] = {"usage", "usage_peak", "swap_usage", "swap_usage_peak"};

	if (!o || !mem || !cpu) {
		json_object_put(o);
		json_object_put(mem);
		json_object_put(cpu);
		return NULL;
	}
	lxf_json_add_str(o, "status", "Error");
	json_object_object_add(o, "status_code", json_object_new_int(112));
	json_object_object_add(o, "disk", json_object_new_object());
	for (size_t i = 0; i < sizeof(mkeys) / sizeof(mkeys[0]); i++)
		json_object_object_add(mem, mkeys[i], json_object_new_int64(0));
	json_object_object_add(o, "memory", mem);
	json_object_object_add(o, "network", json_object_new_object());
	json_object_object_add(o, "pid", json_object_new_int64(0));
	json_object_object_add(o, "processes", json_object_new_int64(0));
	json_object_object_add(cpu, "usage", json_object_new_int64(0));
	json_object_object_add(o, "cpu", cpu);
	return o;
}

int api_state_get(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *row = NULL, *state = NULL;
	int ret = get_row(name, &row, err);

	json_object_put(row);
	if (ret < 0)
		return ret;
	ret = backend_state(name, &state, err);
	/* A broken instance (its container gone, or a config liblxc cannot
	 * load) still has a state: Error, as the instance's own GET says. */
	if (ret == -LXF_ENOENT || ret == -LXF_EIO) {
		state = api_state_broken();
		ret = state ? 0 : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	if (ret < 0)
		return ret;
	return reply_sync(req, state, err);
}

enum action { ACT_START, ACT_STOP, ACT_RESTART, ACT_FREEZE, ACT_UNFREEZE };

static const char *const action_names[] = {"start", "stop", "restart", "freeze", "unfreeze"};
static const char *const action_desc[] = {"Starting instance", "Stopping instance",
					  "Restarting instance", "Freezing instance",
					  "Unfreezing instance"};

struct state_arg {
	char name[64];
	enum action action;
	int timeout;
	bool force, ephemeral;
};

static int do_stop(struct state_arg *a, struct lxf_err *err)
{
	const char *st = backend_status(a->name);
	struct lxf_err rerr;
	int ret;

	/* A broken instance (no container): nothing runs, so it is stopped. */
	if (!st)
		return 0;
	/* A frozen container cannot run its shutdown: thaw it first, unless forced. */
	if (st && strcmp(st, "Frozen") == 0 && !a->force && backend_unfreeze(a->name, err) < 0)
		return -err->code;
	ret = backend_stop(a->name, a->force, a->timeout, err);
	/* liblxc cannot parse its config (corrupt, or gone under a running
	 * container): the database is the truth, so render it again from the
	 * row and stop with that, or a broken instance could never be deleted. */
	if (ret == -LXF_EIO && journal_render(a->name, &rerr) == 0)
		ret = backend_stop(a->name, a->force, a->timeout, err);
	return ret;
}

static int state_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct state_arg *a = arg;
	int ret = 0;

	(void)op;
	(void)md;
	switch (a->action) {
	case ACT_START:
		/* The config is rendered from the row before each start (journal.c). */
		ret = journal_render(a->name, err);
		if (ret == 0)
			ret = backend_start(a->name, err);
		break;
	case ACT_STOP:
		ret = do_stop(a, err);
		break;
	case ACT_RESTART:
		ret = do_stop(a, err);
		if (ret == 0)
			ret = journal_render(a->name, err);
		if (ret == 0)
			ret = backend_start(a->name, err);
		break;
	case ACT_FREEZE:
		ret = backend_freeze(a->name, err);
		break;
	case ACT_UNFREEZE:
		ret = backend_unfreeze(a->name, err);
		break;
	}
	if (ret < 0)
		return ret;
	if (a->action == ACT_START || a->action == ACT_RESTART)
		db_exec(NULL, NULL, NULL, "UPDATE instances SET last_used_at = ? WHERE name = ?",
			"is", (int64_t)time(NULL), a->name);
	if (a->action == ACT_STOP && a->ephemeral) {
		/* Ephemeral instances go away once stopped, as in LXD. */
		ret = journal_instance_delete(a->name, err);
	}
	return events_if(ret, events_state_action(action_names[a->action], a->force),
			 "/1.0/instances/", a->name);
}

/* LXD's refusals for an action that makes no sense in the current state. */
static int check_action(enum action act, const char *st, struct lxf_err *err)
{
	bool running = strcmp(st, "Running") == 0, frozen = strcmp(st, "Frozen") == 0;

	switch (act) {
	case ACT_START:
		if (running)
			return lxf_err_set(err, LXF_EINVAL, "The instance is already running");
		if (frozen)
			return lxf_err_set(err, LXF_EINVAL, "The instance is frozen");
		break;
	case ACT_STOP:
		if (!running && !frozen && strcmp(st, "Error") != 0)
			return lxf_err_set(err, LXF_EINVAL, "The instance is already stopped");
		break;
	case ACT_RESTART:
		if (!running && !frozen)
			return lxf_err_set(err, LXF_EINVAL, "The instance isn't running");
		break;
	case ACT_FREEZE:
		if (frozen)
			return lxf_err_set(err, LXF_EINVAL, "The instance is already frozen");
		if (!running)
			return lxf_err_set(err, LXF_EINVAL, "The instance isn't running");
		break;
	case ACT_UNFREEZE:
		if (!frozen)
			return lxf_err_set(err, LXF_EINVAL, "The instance isn't frozen");
		break;
	}
	return 0;
}

int api_state_put(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name"), *action = NULL, *st;
	struct json_object *body, *row = NULL;
	struct state_arg *a = NULL;
	struct op *op = NULL;
	int64_t timeout = -1;
	bool force = false, stateful = false;
	char url[128];
	int ret, act = -1;

	ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "action", true, &action, err) < 0 ||
	    lxf_json_get_int(body, "timeout", false, &timeout, err) < 0 ||
	    lxf_json_get_bool(body, "force", false, &force, err) < 0 ||
	    lxf_json_get_bool(body, "stateful", false, &stateful, err) < 0)
		return -LXF_EINVAL;
	for (int i = 0; i < (int)(sizeof(action_names) / sizeof(action_names[0])); i++)
		if (strcmp(action, action_names[i]) == 0)
			act = i;
	if (act < 0)
		return lxf_err_set(err, LXF_EINVAL, "Unknown action \"%s\"", action);
	if (stateful)
		return lxf_err_set(err, LXF_ENOTSUP, "Stateful start/stop is not supported");
	if (timeout < -1 || timeout > 86400)
		return lxf_err_set(err, LXF_EINVAL, "Invalid timeout %lld", (long long)timeout);
	ret = get_row(name, &row, err);
	if (ret < 0)
		return ret;
	st = backend_status(name);
	/* A broken instance can be stopped (a no-op) so that `lxc delete -f` works. */
	if (!st && act != ACT_STOP) {
		ret = lxf_err_set(err, LXF_EIO, "Instance \"%s\" has no container", name);
		goto out;
	}
	if (!st)
		st = "Error";
	ret = check_action((enum action)act, st, err);
	if (ret < 0)
		goto out;
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->action = (enum action)act;
	a->timeout = (int)timeout;
	a->force = force;
	a->ephemeral = json_object_get_boolean(json_object_object_get(row, "ephemeral"));
	instance_url(name, url, sizeof(url));
	op = op_run(action_desc[act], "instances", url, state_op, a, free, err);
	ret = op ? api_async(req, op, err) : -err->code;
out:
	op_unref(op);
	json_object_put(row);
	return ret;
}
