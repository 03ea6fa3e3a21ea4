/* SPDX-License-Identifier: Apache-2.0 */
/* lxfd's start-up recovery and defaults, and the stop of every instance at shutdown. */
#include "lifecycle.h"

#include <net/if.h>
#include <stdbool.h>
#include <string.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "image.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "network.h"

/* True when a network interface of that name exists in our namespace. */
static bool have_interface(const char *name)
{
	return if_nametoindex(name) != 0;
}

static int ensure_default_profile(struct lxf_err *err)
{
	struct json_object *devs = json_object_new_object(), *root = json_object_new_object();
	int changes = 0, ret;

	if (!devs || !root) {
		json_object_put(devs);
		json_object_put(root);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	lxf_json_add_str(root, "type", "disk");
	lxf_json_add_str(root, "path", "/");
	lxf_json_add_str(root, "pool", "default");
	json_object_object_add(devs, "root", root);
	if (have_interface("lxfbr0")) {
		struct json_object *eth = json_object_new_object();
		lxf_json_add_str(eth, "type", "nic");
		lxf_json_add_str(eth, "nictype", "bridged");
		lxf_json_add_str(eth, "parent", "lxfbr0");
		lxf_json_add_str(eth, "name", "eth0");
		json_object_object_add(devs, "eth0", eth);
	}
	ret = db_exec(NULL, &changes, err,
		      "INSERT OR IGNORE INTO profiles (name, description, config, devices)"
		      " VALUES ('default', 'Default LXD profile', '{}', ?)",
		      "j", devs);
	if (ret == 0 && changes)
		lxf_info("Created the default profile%s",
			 json_object_object_get(devs, "eth0") ? " (eth0 on lxfbr0)" : "");
	json_object_put(devs);
	return ret;
}

int lifecycle_init(struct lxf_err *err)
{
	int ret = network_restore_all(lxfd_conf.dir, err);

	if (ret == 0)
		ret = ensure_default_profile(err);

	/*
	 * Crash recovery before anything uses the rows: the journal's file
	 * steps, then migrations (a refresh moves the rootfs aside), then what
	 * was being made and the files no row names. The unpacked-rootfs cache
	 * is only a cache: emptied whole (image.h).
	 */
	if (ret == 0)
		ret = img_cache_reset(lxfd_conf.dir, err);
	if (ret == 0)
		ret = journal_replay(err);
	if (ret == 0) {
		migrate_recover();
		ret = journal_recover(err);
	}
	if (ret == 0)
		api_backups_recover();             /* after: rows of half-made instances are gone */
	return ret ? ret : backend_modes_fix(err); /* after: rootfs back in place */
}

void lifecycle_stop_all(int timeout)
{
	struct json_object *rows = NULL;
	struct lxf_err err;

	if (db_exec(&rows, NULL, &err, "SELECT name, ephemeral FROM instances WHERE creating = 0",
		    "") < 0) {
		lxf_error("Cannot list instances to stop: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		const char *st = backend_status(name);
		if (!st || strcmp(st, "Stopped") == 0)
			continue;
		lxf_info("Stopping %s", name);
		bool frozen = strcmp(st, "Frozen") == 0;
		if (frozen || backend_stop(name, false, timeout, &err) < 0) {
			if (!frozen)
				lxf_warn("Clean stop of %s failed (%s), killing it", name, err.msg);
			if (backend_stop(name, true, -1, &err) < 0)
				lxf_error("Cannot stop %s: %s", name, err.msg);
		}
		/* The stop recorded STOPPED: RUNNING again, as LXD's shutdown
		 * does, so that it starts with lxfd. Ephemeral ones go away
		 * instead of coming back (see autostart.c). */
		if (!json_object_get_boolean(
			json_object_object_get(json_object_array_get_idx(rows, i), "ephemeral")))
			autostart_note_running(name);
	}
	json_object_put(rows);
}
