/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_VOLUME_H
#define LXFD_VOLUME_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

/*
 * Custom storage volumes of the pool "default" (rows of storage_volumes,
 * files by backend_volume.c). Creates follow the journal's rule 4 (a row
 * marked creating until the files are made), deletes and renames its
 * rule 3 (intents written with the row change). Names as
 * backend_volume_name_ok; errors name the volume.
 */

#define VOLUME_POOL "default"

/* The row of volume name (new reference) or -LXF_ENOENT "Storage volume not found". */
int volume_get(const char *name, struct json_object **row, struct lxf_err *err);

/* Every finished volume row, by name (new array reference). */
int volume_list(struct json_object **rows, struct lxf_err *err);

/*
 * URLs of what uses the volume as a disk device (LXD's used_by): the
 * instances that have it in their own or their profiles' devices, then
 * the profiles. New array reference, NULL when out of memory.
 */
struct json_object *volume_used_by(const char *name);

/*
 * Makes volume name with description desc and config (a string map,
 * borrowed, NULL: {}). Nothing is left of it on failure. 0,
 * -LXF_EINVAL, -LXF_EEXIST, -LXF_EIO.
 */
int volume_create(const char *name, const char *desc, struct json_object *config,
		  struct lxf_err *err);

/*
 * volume_create in two steps, for a volume filled before it is shown (a
 * copy, a migration): _begin reserves the name with a row marked creating
 * (hidden from every reader; volume_recover removes it after a crash) and
 * makes the empty volume, errors as volume_create; _end(ok) shows it, or
 * (ok false, or the update failed) removes its files and row.
 */
int volume_create_begin(const char *name, const char *desc, struct json_object *config,
			struct lxf_err *err);
int volume_create_end(const char *name, bool ok, struct lxf_err *err);

/* Stores description and config of an existing volume. 0 or -code. */
int volume_update(const char *name, const char *desc, struct json_object *config,
		  struct lxf_err *err);

/* Refused (-LXF_EINVAL naming the users) while anything uses the volume. */
int volume_rename(const char *name, const char *newname, struct lxf_err *err);
int volume_delete(const char *name, struct lxf_err *err);

/*
 * Checks config keys a dir volume takes (user.*; size is refused: the
 * dir pool has no quotas here; volatile.* keys, which GET shows, are
 * taken and dropped by create and update). -LXF_EINVAL naming the key.
 */
int volume_check_config(struct json_object *config, const char *name, struct lxf_err *err);

/* Every disk device of devices with a pool names an existing volume. -LXF_EINVAL. */
int volume_check_devices(struct json_object *devices, struct lxf_err *err);

/* At start-up (journal_recover): rolls back volumes left half-created. */
int volume_recover(struct lxf_err *err);

#endif
