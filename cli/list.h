/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_LIST_H
#define LXF_CLI_LIST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "remotes.h"
#include "view.h"

/*
 * The server-independent half of `lxf list`: filters and sorting on LXD
 * InstanceFull objects (json-c); the columns and cells are the instance
 * view's (view.h). Kept apart from the command so that unit tests drive it
 * without a server.
 */

/* The columns without -c: the remote, then lxc's default (L goes when no instance has one). */
#define LXF_LIST_DEFAULT_COLS "rns46tSL"

/*
 * True when inst (an Instance or InstanceFull object) passes every filter,
 * with lxc's rules: a bare word is an anchored regular expression on the
 * name (unless it has ^ or $), else a name prefix; key=value is a
 * shorthand (type, status, architecture, location: case-insensitive,
 * comma-separated alternatives; ipv4, ipv6: address or CIDR) or a config
 * key whose dotted parts may be abbreviated (s.privileged), the value an
 * anchored regular expression.
 */
bool lxf_list_match(struct json_object *inst, const char *const *filters, size_t nfilters);

/*
 * Checks a filter before any server is asked: an empty key ("=x") or an
 * ipv4=/ipv6= value that is neither an address nor a CIDR of that family
 * is -LXF_EUSAGE "bad filter '...': why". Other filters are free-form.
 */
int lxf_list_check_filter(const char *f, struct lxf_err *err);

/* One "REMOTE:" or "REMOTE:NAME" argument of lxf list. */
struct lxf_list_pick {
	char remote[LXF_REMOTE_NAME_MAX + 1];
	const char *name; /* borrowed from argv; "" for the whole remote */
	const char *word; /* the argument it came from ("@web:c1"), borrowed from argv */
};

/*
 * Splits lxf list's arguments (argc of them): "REMOTE:" picks all of that
 * remote, "REMOTE:NAME" that instance there, where REMOTE may be a list of
 * remotes and @groups ("@web,h9:", "@web" needs no ':'), one pick per
 * remote it names (lxf_remotes_expand over r; r NULL: REMOTE taken as it
 * is); anything else (no ':', or key=value) is a filter
 * (lxf_list_check_filter'd). filters holds argc entries, borrowed from
 * argv; *picks is malloc'ed (free(); names borrowed from argv). Returns 0,
 * -LXF_EUSAGE, or lxf_remotes_expand's error for an unknown remote or group.
 */
int lxf_list_split(const struct lxf_remotes *r, int argc, char *const *argv, const char **filters,
		   size_t *nfilters, struct lxf_list_pick **picks, size_t *npicks,
		   struct lxf_err *err);

/* Whether the instance name of remote is picked: always with no picks. */
bool lxf_list_picked(const struct lxf_list_pick *picks, size_t npicks, const char *remote,
		     const char *name);

/* The cell of column letter for inst (lxf_view_cell): malloc'ed (free()), NULL on ENOMEM. */
char *lxf_list_cell(struct json_object *inst, char letter);

/* Orders instances by "remote" then "name" (version order: c2 < c10). */
int lxf_list_cmp(struct json_object *a, struct json_object *b);

/* Sorts v[0..n) with lxf_list_cmp. */
void lxf_list_sort(struct json_object **v, size_t n);

/* lxf_view_format_time, for the commands that print dates as lxf list does. */
void lxf_list_format_time(const char *rfc3339, char *buf, size_t len);

#endif
