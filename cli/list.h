/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_LIST_H
#define LXF_CLI_LIST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * The server-independent half of `lxf list`: column letters, filters and
 * cells computed on LXD InstanceFull objects (json-c), and sorting. Kept
 * apart from the command so that unit tests drive it without a server.
 */

#define LXF_LIST_DEFAULT_COLS "ns46tSL"
#define LXF_LIST_MAX_COLS     64

struct lxf_list_col {
	char letter;
	const char *header;
	bool needs_state;     /* state.* (recursion=2) */
	bool needs_snapshots; /* snapshots (recursion=2) */
};

/*
 * Parses a column spec as lxc does: letters, commas between them optional.
 * Fills cols[0..*n) with pointers into a static table. Returns 0, or
 * -LXF_EUSAGE "unknown column 'x'" / "empty column entry" / too many.
 */
int lxf_list_parse_columns(const char *spec, const struct lxf_list_col **cols, size_t max,
			   size_t *n, struct lxf_err *err);

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

/*
 * The text of column letter for inst, as lxc prints it (STATE upper-case,
 * IPs "addr (iface)" one per line, dates "2006/01/02 15:04 UTC").
 * Returns a malloc'ed string (free()) or NULL on ENOMEM.
 */
char *lxf_list_cell(struct json_object *inst, char letter);

/* Orders instances by "remote" then "name" (version order: c2 < c10). */
int lxf_list_cmp(struct json_object *a, struct json_object *b);

/* Sorts v[0..n) with lxf_list_cmp. */
void lxf_list_sort(struct json_object **v, size_t n);

/* Formats an RFC 3339 timestamp as "2006/01/02 15:04 UTC"; "" for unset/zero ones. */
void lxf_list_format_time(const char *rfc3339, char *buf, size_t len);

#endif
