/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_FILTER_H
#define LXFD_FILTER_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

/*
 * LXD's ?filter= for instance lists (api_filtering): clauses
 * "[not] FIELD eq|ne VALUE" joined by "and" / "or", evaluated left to
 * right as LXD does (no precedence, no parentheses). VALUE may be quoted
 * with double or single quotes to hold spaces. FIELD is one of name,
 * status, type, description, architecture, location, project, ephemeral,
 * stateful, or config.KEY / expanded_config.KEY (KEY may hold dots).
 * status and type compare case-insensitively (LXD's "Running" and
 * "running" both match); everything else exactly. A config key that is
 * not set reads as "".
 */

struct filter;

/*
 * Parses s (already URL-decoded, or with %XX and '+' which are decoded
 * here). *out must be freed with filter_free. Returns 0 or -LXF_EINVAL
 * saying what is wrong and where; an empty s is an error too.
 */
int filter_parse(const char *s, struct filter **out, struct lxf_err *err);

/* Whether the Instance object inst (api_instance_json) passes f. */
bool filter_match(const struct filter *f, struct json_object *inst);

/* Accepts NULL. */
void filter_free(struct filter *f);

#endif
