/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_YAML_H
#define LXF_YAML_H

#include <json-c/json.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

#define LXF_YAML_MAX_SIZE  (4u << 20)
#define LXF_YAML_MAX_DEPTH 32

/*
 * YAML <-> json-c trees, so that every file we read or write (remotes,
 * preseed, image metadata) is handled as one data model.
 *
 * lxf_yaml_parse parses one document of len bytes. Mappings become objects
 * (keys must be scalars), sequences arrays. Plain scalars become: null for
 * "", "~", "null"; booleans for true/false (any case); int64 for decimal
 * integers; double for decimal floats; strings otherwise. Quoted scalars
 * are always strings. An empty document is JSON null. Anchors and aliases
 * are refused (billion-laughs), as are documents over LXF_YAML_MAX_SIZE or
 * nested deeper than LXF_YAML_MAX_DEPTH. *out is a new reference.
 * Returns 0 or -LXF_EINVAL with "line L column C: problem".
 */
int lxf_yaml_parse(const char *s, size_t len, struct json_object **out, struct lxf_err *err);

/*
 * Appends the block-style YAML document for o to out. Strings that would
 * read back as another type ("true", "123", "") are quoted, so that
 * lxf_yaml_parse(lxf_yaml_emit(o)) == o. Returns 0, -LXF_ENOMEM, -LXF_ETOOBIG.
 */
int lxf_yaml_emit(struct json_object *o, struct lxf_buf *out, struct lxf_err *err);

#endif
