/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_VIEW_H
#define LXF_VIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * One view of an instance, for every surface that shows instances (`lxf
 * list`, `lxf info`, lxf-tui): the columns, each a letter, a header and a
 * cell function over an LXD Instance/InstanceFull object (json-c), and the
 * decoders behind them. The letters and the cells are lxc's (lxc/list.go),
 * so that scripts written for `lxc list -c ... -f csv` read lxf's output
 * alike; `r` (the remote) is lxf's own and reads the "remote" member that
 * a multi-remote caller adds to each object.
 */

#define LXF_VIEW_MAX_COLS 64

/* What a column reads beyond GET /1.0/instances?recursion=1. */
enum lxf_view_needs {
	LXF_VIEW_NEEDS_STATE = 1 << 0,     /* state.* (recursion=2) */
	LXF_VIEW_NEEDS_SNAPSHOTS = 1 << 1, /* snapshots (recursion=2) */
};

struct lxf_view_col {
	char letter; /* the -c letter */
	const char *header;
	unsigned needs; /* enum lxf_view_needs bits */
	/* Appends the cell's text to out: 0, or -LXF_ENOMEM / -LXF_ETOOBIG. */
	int (*cell)(struct json_object *inst, struct lxf_buf *out);
	/* Every member the cell reads, as dotted paths separated by spaces
	 * ("status state.network"): a caller may drop all else from inst. */
	const char *reads;
};

/* The column of letter, or NULL when there is none. Points into a static table. */
const struct lxf_view_col *lxf_view_col(char letter);

/*
 * Parses a column spec as lxc does: letters, commas between them optional.
 * Fills cols[0..*n) with pointers into the static table. Returns 0, or
 * -LXF_EUSAGE "unknown column 'x'" / "empty column entry" / too many.
 */
int lxf_view_parse_columns(const char *spec, const struct lxf_view_col **cols, size_t max,
			   size_t *n, struct lxf_err *err);

/*
 * The text of col for inst, as lxc prints it (STATE upper-case, IPs
 * "addr (iface)" one per line, dates "2006/01/02 15:04 UTC"). A NULL col
 * gives "". Returns a malloc'ed string (free()) or NULL on ENOMEM.
 */
char *lxf_view_cell(const struct lxf_view_col *col, struct json_object *inst);

/* True unless the instance is Stopped or Error (LXD's IsActive): only then do its
 * addresses, memory and CPU mean anything. */
bool lxf_view_active(struct json_object *inst);

/* The state.network map of inst (interface name to its state), NULL without one. Borrowed. */
struct json_object *lxf_view_ifaces(struct json_object *inst);

/* Address i of iface (a value of lxf_view_ifaces), NULL past the last. Borrowed. */
struct json_object *lxf_view_iface_addr(struct json_object *iface, size_t i);

/*
 * One address of the IPV4 (family "inet") or IPV6 ("inet6") cell, for a
 * surface with room for one. The cell is lxc's: the addresses of an active
 * instance on interfaces other than loopback, but for link- and host-scoped
 * ones, as "addr (iface)" in reverse order; of these the first on eth0,
 * else the first. Fills buf ("" when there is none, or it does not fit).
 */
void lxf_view_addr_first(struct json_object *inst, const char *family, char *buf, size_t len);

/*
 * What the instance was made from, shortest first: "os release" from the
 * image.* keys LXD (and lxfd) copy from the image's properties, else the
 * image's description, else the first 12 digits of its fingerprint, else "-".
 */
int lxf_view_image(struct json_object *inst, struct lxf_buf *out);

/* state.memory.usage / state.cpu.usage (ns) of an active instance; -1 unknown or inactive. */
int64_t lxf_view_memory(struct json_object *inst);
int64_t lxf_view_cpu_ns(struct json_object *inst);

/* Formats an RFC 3339 timestamp as "2006/01/02 15:04 UTC"; "" for unset/zero ones. */
void lxf_view_format_time(const char *rfc3339, char *buf, size_t len);

/* Bytes as lxc prints them (GetByteSizeStringIEC(v, 2)): "512B", "1.50MiB". */
void lxf_view_size_iec(long long bytes, char *buf, size_t len);

#endif
