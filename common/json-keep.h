/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_JSON_KEEP_H
#define LXF_JSON_KEEP_H

#include <json-c/json.h>
#include <stddef.h>

/*
 * Keep lists: the members of an object a reader needs, as dotted paths
 * ("name status state.network"), separated by spaces or commas. lxf list
 * cuts each instance of an answer to the members its table reads, and
 * lxfd answers only those when asked with `fields=` (api extension
 * lxf_instances_fields), so that neither end builds, sends or parses the
 * rest.
 */
struct lxf_json_keep;

/* The longest member path lxf_json_keep_prune builds; members deeper than
 * this are kept whole (never wrongly dropped). */
#define LXF_JSON_KEEP_PATH_MAX 256

/* Splits keep (borrowed: it must outlive the result) once. Returns the
 * list (lxf_json_keep_free it) or NULL when out of memory. */
struct lxf_json_keep *lxf_json_keep_new(const char *keep);
void lxf_json_keep_free(struct lxf_json_keep *k);

/* Whether k names path (len bytes, dotted) itself (2), only members below
 * it (1), or neither (0). */
int lxf_json_keep_has(const struct lxf_json_keep *k, const char *path, size_t len);

/* Drops every member of object o (recursively) that k does not name. */
void lxf_json_keep_prune(struct json_object *o, const struct lxf_json_keep *k);

#endif
