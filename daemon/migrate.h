/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_MIGRATE_H
#define LXF_MIGRATE_H

#include <json-c/json.h>

#include "err.h"
#include "http.h"

/*
 * Instance copy and migration (issue #6). Phase 1 has the copy on one
 * host; the migration protocol (source.type "migration", POST
 * /1.0/instances/<name> {"migration": true}) is not there yet.
 */

/*
 * POST /1.0/instances with source.type "copy" (migrate_copy.c): body is
 * the request (borrowed; name already checked). Answers with an async
 * operation, or returns the error for the caller's error reply.
 */
int migrate_copy_post(struct http_req *req, struct json_object *body, struct lxf_err *err);

#endif
