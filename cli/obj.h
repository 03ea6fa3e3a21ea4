/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_OBJ_H
#define LXF_CLI_OBJ_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "cmd.h"
#include "err.h"

/*
 * Objects edited whole, as lxc does: GET (keeping the ETag), change the
 * writable fields, PUT with If-Match so that a concurrent change is
 * refused (412) instead of overwritten. Shared by config, profile, image
 * and device commands.
 */

/* The writable fields of each kind (LXD's *Put structs), NULL-terminated. */
extern const char *const lxf_obj_instance_keys[];
extern const char *const lxf_obj_profile_keys[];
extern const char *const lxf_obj_server_keys[];
extern const char *const lxf_obj_image_keys[];
extern const char *const lxf_obj_network_keys[];
extern const char *const lxf_obj_snapshot_keys[];

/* One fetched object: its metadata and ETag. Zero it before use. */
struct lxf_obj {
	struct json_object *full; /* the GET metadata (owned) */
	char etag[128];
};

/* Releases o->full; o is zeroed. */
void lxf_obj_fini(struct lxf_obj *o);

/* GETs path into o (previous contents released). Returns 0 or the server error. */
int lxf_obj_get(struct lxf_client *c, const char *path, struct lxf_obj *o, struct lxf_err *err);

/*
 * A new object holding copies of full's members named in keys (absent
 * ones are left out). NULL on ENOMEM. json_object_put it.
 */
struct json_object *lxf_obj_writable(struct json_object *full, const char *const *keys);

/*
 * PUTs body to path with "If-Match: etag" (when etag is non-empty) and
 * waits for the operation when the answer is async (instances).
 */
int lxf_obj_put(struct lxf_client *c, const char *path, struct json_object *body, const char *etag,
		struct lxf_err *err);

/*
 * The member key of o as a string map (created when absent). Borrowed
 * from o; NULL on ENOMEM or when it is not an object.
 */
struct json_object *lxf_obj_map(struct json_object *o, const char *key);

/* Prints o as YAML on f. Returns 0 or an error. */
int lxf_obj_print_yaml(FILE *f, struct json_object *o, struct lxf_err *err);

/* Called with the edited document; returns 0 or an error to show. */
typedef int (*lxf_obj_apply_fn)(void *ud, struct json_object *edited, struct lxf_err *err);

/*
 * The `edit` flow of lxc: when stdin is not a terminal, reads YAML from it
 * (capped) and applies it once (errors end the command). Otherwise writes
 * current as YAML to a private temporary file, runs $VISUAL, $EDITOR or
 * vi on it, parses and applies; on a parse or apply error prints it and
 * offers to re-open the editor (Enter) or give up (Ctrl-D, -LXF_ECANCELED).
 * An unchanged file applies nothing. Returns 0 or an error.
 */
int lxf_obj_edit(struct lxf_cmd_ctx *ctx, struct json_object *current, lxf_obj_apply_fn apply,
		 void *ud, struct lxf_err *err);

/*
 * lxf_obj_edit's apply step for an object whose PUT takes the members in
 * keys (what GET shows beyond them, e.g. name or used_by, is dropped):
 * ud is a struct lxf_obj_put_edit, borrowed.
 */
struct lxf_obj_put_edit {
	struct lxf_client *c;
	const char *path, *etag;
	const char *const *keys;
};
int lxf_obj_put_edit_apply(void *ud, struct json_object *edited, struct lxf_err *err);

/*
 * For list commands: parses -f (default table). Returns 0 or
 * lxf_cmd_usage_error's status (the message already printed).
 */
int lxf_obj_fmt(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		const struct lxf_cmd_args *args, int *fmt);

/*
 * The "used_by" array of o as a cell: the count in table output, as lxc
 * prints USED BY. Returns a malloc'ed string or NULL on ENOMEM.
 */
char *lxf_obj_used_by(struct json_object *o);

/* strdup of s, or of "" for NULL. */
char *lxf_obj_strdup(const char *s);

/*
 * Parses "[REMOTE:]NAME" where the NEW name of a rename may also carry a
 * remote: that remote must be the same as from_remote (-LXF_EUSAGE
 * otherwise). *name: free().
 */
int lxf_obj_same_remote(struct lxf_cmd_ctx *ctx, const char *from_arg, const char *to_arg,
			char **name, struct lxf_err *err);

#endif
