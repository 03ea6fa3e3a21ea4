/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_INSTANCE_H
#define LXFD_INSTANCE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * What the store knows of an instance beyond its DB row: the checks of its
 * body fields, its expanded config and devices (profiles applied), its URL
 * and the reservation of a new one. Shared by the REST handlers (api/),
 * copies and moves (migrate/) and the journal's recovery.
 */

/* LXD device maps: an object of objects whose values are strings, each with a "type". */
int instance_check_devices(struct json_object *devices, struct lxf_err *err);

/*
 * The body fields an instance or a profile shares, each NULL when absent:
 * config a string map, devices as instance_check_devices, profiles a list
 * of names. 0 or -LXF_EINVAL.
 */
int instance_check_fields(struct json_object *config, struct json_object *devices,
			  struct json_object *profiles, struct lxf_err *err);

/*
 * Applies the profiles (array of names, each must exist) in order, then
 * config and devices, giving LXD's expanded_config / expanded_devices
 * (new references). -LXF_ENOENT for a missing profile.
 */
int instance_expand(struct json_object *profiles, struct json_object *config,
		    struct json_object *devices, struct json_object **exp_config,
		    struct json_object **exp_devices, struct lxf_err *err);
/* instance_expand of an instance or snapshot row's profiles, config and devices. */
int instance_expand_row(struct json_object *row, struct json_object **exp_config,
			struct json_object **exp_devices, struct lxf_err *err);
/* The same with the profile rows taken from pmap ({name: row}, borrowed), NULL: the DB. */
int instance_expand_in(struct json_object *pmap, struct json_object *profiles,
		       struct json_object *config, struct json_object *devices,
		       struct json_object **exp_config, struct json_object **exp_devices,
		       struct lxf_err *err);

/* The instance's resource URL, "/1.0/instances/<name>", into buf. */
void instance_url(const char *name, char *buf, size_t n);

/* What a new instance's DB row is made of (instance_create). All borrowed. */
struct instance_new {
	const char *name, *description, *architecture; /* NULL: "", "x86_64" */
	struct json_object *config, *devices;          /* NULL: {} */
	struct json_object *profiles;
	bool ephemeral;
};

/*
 * Reserves ni->name with a row marked creating, so that a crash before the
 * instance is made leaves it for the next start to clean up, never
 * half-made. -LXF_EEXIST when the name is taken (row or container). The
 * caller runs the creating operation, and instance_create_undo drops the
 * row when that cannot be queued.
 */
int instance_create(const struct instance_new *ni, struct lxf_err *err);
void instance_create_undo(const char *name);

/*
 * Sets one key of instance name's own config to value (NULL: removes it),
 * or, with only_if_unset, only when the key is not there yet. One
 * statement, so that it also works inside a caller's transaction: for the
 * volatile.* keys the daemon keeps as LXD does (volatile.last_state.power,
 * volatile.uuid). key must not hold a double quote. 0, or -LXF_* with err
 * filled (err may be NULL).
 */
int instance_set_key(const char *name, const char *key, const char *value, bool only_if_unset,
		     struct lxf_err *err);

/* A new random (version 4) UUID, as LXD's volatile.uuid, into buf. */
void instance_new_uuid(char buf[37]);

#endif
