/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_VOLUME_H
#define LXFD_VOLUME_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/*
 * A snapshot of volume vol (between _begin and _end: a copy or migration
 * bringing its snapshots) whose files backend_volsnap_make already put in
 * place: its row, finished at once (vol's rollback removes both). config
 * without volatile.*; created_at 0: now. 0, -LXF_EINVAL, -LXF_EEXIST.
 */
int volume_snap_adopt(const char *vol, const char *snap, const char *desc,
		      struct json_object *config, int64_t created_at, int64_t expires_at,
		      struct lxf_err *err);

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

/*
 * At start-up (journal_recover, after journal_replay): rolls back volumes
 * and volume snapshots left half-made, removes snapshot files no row
 * names and restores cut short before their swap.
 */
int volume_recover(struct lxf_err *err);

/*
 * volume_snap.c: snapshots of custom volumes (rows of
 * storage_volume_snapshots: volume, name, description, config as the
 * volume's when taken, created_at, expires_at; files by backend_volsnap.c).
 * Every function that changes a volume's files holds volume_lock, taken
 * before the database's; a volume's rename and delete take it too.
 */
void volume_lock(void);
void volume_unlock(void);

/* Snapshot names: volume names (no '/', no ".."). -LXF_EINVAL with LXD's reasons. */
int volume_snap_check_name(const char *snap, struct lxf_err *err);

/* The finished snapshot rows of vol, oldest first (new array); -LXF_ENOENT without the volume. */
int volume_snap_list(const char *vol, struct json_object **rows, struct lxf_err *err);

/* The row of snapshot snap of vol (new reference); -LXF_ENOENT naming the volume or snapshot. */
int volume_snap_get(const char *vol, const char *snap, struct json_object **row,
		    struct lxf_err *err);

/* The first free "snap<N>" of vol into buf (LXD's default snapshots.pattern). */
int volume_snap_next_name(const char *vol, char *buf, size_t n, struct lxf_err *err);

/*
 * A snapshot in two steps so the API can answer before the copy:
 * volume_snap_reserve writes the row (creating; it takes the volume's
 * config) — -LXF_EINVAL for a bad name, -LXF_ENOENT without the volume,
 * -LXF_EEXIST "Snapshot ... already in use"; volume_snap_make copies the
 * files and finishes the row, or removes both. volume_snap_create does
 * both. A kill in between leaves a row that volume_recover rolls back.
 * expires_at: seconds since the epoch, 0 never.
 */
int volume_snap_reserve(const char *vol, const char *snap, const char *desc, int64_t expires_at,
			struct lxf_err *err);
int volume_snap_make(const char *vol, const char *snap, struct lxf_err *err);
int volume_snap_create(const char *vol, const char *snap, const char *desc, int64_t expires_at,
		       struct lxf_err *err);

/* Stores description and expires_at. 0 or -LXF_ENOENT. */
int volume_snap_update(const char *vol, const char *snap, const char *desc, int64_t expires_at,
		       struct lxf_err *err);

/* Journalled rename and delete of the row and files. -LXF_EEXIST, -LXF_ENOENT. */
int volume_snap_rename(const char *vol, const char *snap, const char *newsnap, struct lxf_err *err);
int volume_snap_delete(const char *vol, const char *snap, struct lxf_err *err);

/*
 * Puts snapshot snap's files back as the volume's (its config stays, as in
 * LXD): a staged copy, then one journalled swap. -LXF_EBUSY while a
 * running instance has the volume attached.
 */
int volume_snap_restore(const char *vol, const char *snap, struct lxf_err *err);

/* Deletes the snapshots whose expires_at has passed (run every minute). */
void volume_snap_prune_expired(void);

/* Part of volume_recover. */
int volume_snap_recover(struct lxf_err *err);

#endif
