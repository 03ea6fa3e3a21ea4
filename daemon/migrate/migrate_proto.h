/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_MIGRATE_PROTO_H
#define LXFD_MIGRATE_PROTO_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * LXD's migration messages (daemon/migrate.proto) in plain C: the rest of
 * lxfd never sees protobuf-c. Decoding checks what lxfd relies on later
 * (snapshot names usable as directory names, config maps of strings,
 * bounded counts), so a hostile peer is refused here, once.
 */

#define MIGP_MSG_MAX   (64 * 1024) /* one control message (ws.c's WS_MSG_MAX) */
#define MIGP_SNAP_MAX  256         /* snapshots in one header */
#define MIGP_IDMAP_MAX 16          /* id map ranges */

enum migp_fs { MIGP_FS_RSYNC = 0, MIGP_FS_BLOCK_AND_RSYNC = 4 };
/* CRIUType, -1 when the field is absent (a stopped source). */
enum migp_criu { MIGP_CRIU_ABSENT = -1, MIGP_CRIU_RSYNC = 0, MIGP_CRIU_NONE = 2 };

struct migp_idmap {
	bool isuid, isgid;
	int32_t hostid, nsid, range;
};

struct migp_snap {
	char name[256];
	struct json_object *config;   /* {"k": "v"} (owned) */
	struct json_object *devices;  /* {"dev": {"k": "v"}} (owned) */
	struct json_object *profiles; /* ["default"] (owned) */
	bool ephemeral, stateful;
	int32_t arch;                        /* LXD's architecture id: 2 = x86_64 */
	int64_t created, last_used, expires; /* unix seconds, 0 = not given */
};

struct migp_header {
	int fs;   /* enum migp_fs; decode accepts any MigrationFSType */
	int criu; /* enum migp_criu */
	size_t n_idmap;
	struct migp_idmap idmap[MIGP_IDMAP_MAX];
	size_t n_snaps;
	struct migp_snap *snaps; /* oldest first */
	bool has_rsync;          /* rsyncFeatures present */
	bool xattrs, del, compress, bidirectional;
	bool refresh;
	uint32_t index_version; /* indexHeaderVersion (0 = no index frame) */
};

/* Frees what h owns and zeroes it; accepts a zeroed or NULL header. */
void migp_header_fini(struct migp_header *h);

/* Adds a snapshot slot (zeroed; its json members NULL) to h; NULL on ENOMEM or past MIGP_SNAP_MAX. */
struct migp_snap *migp_header_add_snap(struct migp_header *h);

/*
 * Encodes h; *out (malloc'ed, the caller frees) holds *n bytes. Snapshots
 * go as both snapshotNames and snapshots, as LXD sends them.
 */
int migp_header_encode(const struct migp_header *h, uint8_t **out, size_t *n, struct lxf_err *err);

/*
 * Decodes n bytes into *h (zeroed first; migp_header_fini it whatever the
 * outcome). -LXF_EINVAL for a malformed message, a bad snapshot name,
 * non-string config values or counts over the caps. A header with
 * snapshotNames but no snapshots (older LXD) gets bare snapshots of those
 * names.
 */
int migp_header_decode(const void *p, size_t n, struct migp_header *h, struct lxf_err *err);

/* MigrationControl{success, message}: *out malloc'ed (the caller frees). */
int migp_control_encode(bool success, const char *message, uint8_t **out, size_t *n,
			struct lxf_err *err);

/* Decodes a MigrationControl; message (may be "") into msg, truncated to msgn. */
int migp_control_decode(const void *p, size_t n, bool *success, char *msg, size_t msgn,
			struct lxf_err *err);

/* True for a name lxfd takes as a snapshot (and so directory) name. */
bool migp_snap_name_ok(const char *name);

/* LXD's architecture ids <-> names ("x86_64" <-> 2); 0 / "unknown" otherwise. */
int32_t migp_arch_id(const char *name);
const char *migp_arch_name(int32_t id);

#endif
