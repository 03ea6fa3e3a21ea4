/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_MIGRATE_H
#define LXF_MIGRATE_H

#include <json-c/json.h>

#include "err.h"
#include "http.h"

/*
 * Instance copy and migration (issue #6): the copy on one host
 * (migrate_copy.c) and LXD's migration protocol between hosts, source
 * side (migrate_source.c) and target side (migrate_target.c).
 */

/*
 * POST /1.0/instances with source.type "copy" (migrate_copy.c): body is
 * the request (borrowed; name already checked). Answers with an async
 * operation, or returns the error for the caller's error reply.
 */
int migrate_copy_post(struct http_req *req, struct json_object *body, struct lxf_err *err);

/*
 * POST /1.0/instances/<name> with {"migration": true, "live": B,
 * "instance_only": B} (body borrowed): the source side. Answers with a
 * websocket operation whose metadata holds the "control" and "fs"
 * secrets; the instance is only read, whatever happens. snap (may be
 * NULL; an existing snapshot of name) is sent instead, as an instance.
 */
int migrate_source_post(struct http_req *req, const char *name, const char *snap,
			struct json_object *body, struct lxf_err *err);

/*
 * POST /1.0/instances with source.type "migration" (body borrowed; name
 * checked): the target side. Mode "push": a websocket operation whose
 * "control"/"fs" secrets the source (or a relaying client) connects to;
 * mode "pull": lxfd dials the source's channels, its certificate pinned.
 */
int migrate_target_post(struct http_req *req, struct json_object *body, struct lxf_err *err);

/*
 * Custom volumes (migrate_volcopy.c, migrate_volume.c), bodies borrowed:
 * POST .../volumes/custom with source.type "copy" (a copy on this host)
 * or "migration" (the target side, push or pull, as for instances), and
 * POST .../volumes/custom/<name> {"migration": true} (the source side; the
 * volume is only read). Each answers with an async operation or returns
 * the error for the caller's reply; nothing of a failed target is left.
 */
int migrate_volume_copy_post(struct http_req *req, struct json_object *body, struct lxf_err *err);
int migrate_volume_target_post(struct http_req *req, struct json_object *body, struct lxf_err *err);
int migrate_volume_source_post(struct http_req *req, const char *name, struct json_object *body,
			       struct lxf_err *err);

/* At startup, before half-made instances are removed: puts back a rootfs
 * a crash left staged, and empties DIR/migrate. */
void migrate_recover(void);

#endif
