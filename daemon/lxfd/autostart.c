/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Daemon start housekeeping that needs the worker pools: starting the
 * instances that should run (boot.autostart, or running when `lxfd
 * shutdown` stopped them: volatile.last_state.power=RUNNING, which the
 * start hooks in watch.c keep as LXD does), and deleting ephemeral instances that stopped while lxfd
 * was not looking (a poweroff from inside the container, or a daemon
 * restart). From then on the stop watcher (watch.c) follows the running
 * ones, and expired snapshots are pruned once a minute. It all runs on
 * POOL_OP so that the socket answers at once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "backend.h"
#include "backend_config.h"
#include "db.h"
#include "journal.h"
#include "lifecycle.h"
#include "log.h"
#include "op.h"
#include "volume.h"
#include "watch.h"

#define EXPIRY_PERIOD  60 /* seconds between snapshot expiry sweeps */

#define LAST_STATE_KEY "volatile.last_state.power"

void autostart_note_running(const char *name)
{
	struct lxf_err err;

	if (instance_set_key(name, LAST_STATE_KEY, "RUNNING", false, &err) < 0)
		lxf_warn("Cannot record %s of %s: %s", LAST_STATE_KEY, name, err.msg);
}

/* LXD's rule: boot.autostart true, or unset and running when last seen;
 * an ephemeral one that stopped while lxfd was away goes instead. */
static bool wants_start(struct json_object *row, bool eph)
{
	struct json_object *ec = NULL, *ed = NULL;
	const char *autostart;
	bool yes;

	if (instance_expand_row(row, &ec, &ed, NULL) < 0)
		return false;
	autostart = lxf_json_str(ec, "boot.autostart");
	yes = bcfg_is_true(autostart);
	if (!yes && !autostart && !eph) {
		const char *last = lxf_json_str(ec, LAST_STATE_KEY);
		yes = last && strcmp(last, "RUNNING") == 0;
	}
	json_object_put(ec);
	json_object_put(ed);
	return yes;
}

static void remove_ephemeral(const char *name)
{
	struct lxf_err err;

	lxf_info("Deleting ephemeral instance %s, stopped while lxfd was away", name);
	if (journal_instance_delete(name, &err) < 0)
		lxf_warn("Cannot delete ephemeral %s: %s", name, err.msg);
}

static int64_t config_priority(struct json_object *row)
{
	const char *p =
	    lxf_json_str(json_object_object_get(row, "config"), "boot.autostart.priority");

	return p ? strtoll(p, NULL, 10) : 0;
}

static int cmp_priority(const void *a, const void *b)
{
	int64_t x = config_priority(*(struct json_object *const *)a);
	int64_t y = config_priority(*(struct json_object *const *)b);

	/* Higher priority first, as in LXD. */
	return x > y ? -1 : x < y ? 1 : 0;
}

static void autostart_job(void *arg)
{
	struct json_object *rows = NULL;
	struct lxf_err err;

	(void)arg;
	if (db_exec(&rows, NULL, &err, "SELECT * FROM instances WHERE creating = 0", "") < 0) {
		lxf_error("Autostart: cannot list instances: %s", err.msg);
		watch_touched_done();
		return;
	}
	json_object_array_sort(rows, cmp_priority);
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *name = lxf_json_str(row, "name"), *st = backend_status(name);
		bool eph = json_object_get_boolean(json_object_object_get(row, "ephemeral"));
		bool start = wants_start(row, eph);

		if (st && strcmp(st, "Stopped") != 0) {
			/* Running since before this daemon started: watch it from now. */
			watch_instance(name);
			continue;
		}
		if (!st)
			continue;
		/* Never started (last_used_at 0): a fresh ephemeral waiting for its start. */
		if (eph && !start &&
		    json_object_get_int64(json_object_object_get(row, "last_used_at")) > 0) {
			remove_ephemeral(name);
			continue;
		}
		/* A client started or stopped it since the rows were read. */
		if (!start || watch_touched(name))
			continue;
		lxf_info("Autostarting %s", name);
		if (journal_render(name, &err) < 0 || backend_start(name, &err) < 0) {
			lxf_error("Autostart of %s failed: %s", name, err.msg);
			continue;
		}
		db_exec(NULL, NULL, NULL, "UPDATE instances SET last_used_at = ? WHERE name = ?",
			"is", (int64_t)time(NULL), name);
	}
	watch_touched_done();
	json_object_put(rows);
}

int autostart_schedule(struct lxf_err *err)
{
	int ret = watch_init(err);

	if (ret == 0)
		ret = op_every(EXPIRY_PERIOD, snapshots_prune_expired, err);
	if (ret == 0)
		ret = op_every(EXPIRY_PERIOD, volume_snap_prune_expired, err);
	if (ret == 0)
		ret = op_every(EXPIRY_PERIOD, api_images_sweep, err);
	if (ret == 0)
		ret = pool_submit(POOL_OP, autostart_job, NULL, err);
	return ret;
}
