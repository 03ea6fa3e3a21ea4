/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_JSON_H
#define LXF_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LXF_JSON_MAX_DEPTH 32

/*
 * Parses exactly len bytes (no NUL needed) as one JSON value, refusing
 * nesting deeper than max_depth (0 = LXF_JSON_MAX_DEPTH) and trailing
 * garbage. On success *out is a new reference (json_object_put it).
 * Returns 0 or -LXF_EINVAL with a message naming the position.
 */
int lxf_json_parse(const char *s, size_t len, int max_depth, struct json_object **out,
		   struct lxf_err *err);

/*
 * Typed member look-ups on object o. When the key is absent (or null, which
 * LXD's Go clients send for empty maps and lists): with required
 * false *out is left as it was and 0 is returned; with required true
 * -LXF_EINVAL ("missing 'key'"). A present member of another type is
 * -LXF_EINVAL ("'key' must be a string"). Borrowed pointers live as long as o.
 */
int lxf_json_get_string(struct json_object *o, const char *key, bool required, const char **out,
			struct lxf_err *err);
int lxf_json_get_int(struct json_object *o, const char *key, bool required, int64_t *out,
		     struct lxf_err *err);
int lxf_json_get_bool(struct json_object *o, const char *key, bool required, bool *out,
		      struct lxf_err *err);
int lxf_json_get_object(struct json_object *o, const char *key, bool required,
			struct json_object **out, struct lxf_err *err);
int lxf_json_get_array(struct json_object *o, const char *key, bool required,
		       struct json_object **out, struct lxf_err *err);

/* Lenient: the string member, or NULL when absent / not a string / o not an object. */
const char *lxf_json_str(struct json_object *o, const char *key);

/*
 * Checks that o is an object whose values are all strings (LXD's config and
 * device maps). Returns 0 or -LXF_EINVAL naming the first bad key (what is
 * the name shown in the message, e.g. "config").
 */
int lxf_json_check_string_map(struct json_object *o, const char *what, struct lxf_err *err);

/* Adds a string member (NULL value -> JSON null). Returns 0 or -LXF_ENOMEM. */
int lxf_json_add_str(struct json_object *o, const char *key, const char *val);

/* Deep copy of o (new reference; NULL for NULL or when out of memory). */
struct json_object *lxf_json_copy(struct json_object *o);

/* The members of object o whose keys do not start with prefix, in a new
 * object that shares their values (new reference; an empty object for a
 * NULL o; NULL when out of memory): config without its volatile.* keys. */
struct json_object *lxf_json_without_prefix(struct json_object *o, const char *prefix);

/* Walks a dotted path of object keys ("environment.server"); NULL when absent. */
struct json_object *lxf_json_path(struct json_object *o, const char *dotted);

#endif
