/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to migrate.c and migrate-xfer.c. */
#ifndef LXF_CLI_MIGRATE_INT_H
#define LXF_CLI_MIGRATE_INT_H

#include <json-c/json.h>
#include <signal.h>

#include "client.h"
#include "migrate.h"

/* One side of a migration: a remote and its client. */
struct mig_end {
	const struct lxf_remote *rem; /* borrowed from the remotes */
	struct lxf_client *c;
	char *cert; /* the server's certificate (PEM), fetched on first need */
	/* A wait found it unreachable (network cut, host gone): the undo does
	 * not wait on it again; its daemon fails its own side and cleans up. */
	bool gone;
};

/* One transfer: one source operation, one target operation. */
struct mig_xfer {
	struct mig_end *src, *dst;
	const char *name, *snap; /* the source instance [snapshot] */
	/* A custom volume instead (lxf storage volume copy): name is the
	 * volume of pool on the source, the target makes it in dst_pool;
	 * instance_only means "volume_only". */
	const char *pool, *dst_pool;
	struct json_object *body; /* the target request without "source" (borrowed) */
	bool refresh;             /* into the existing target dst_name */
	bool instance_only;
	bool live; /* CRIU: only asked when `criu check` passed */
	/* lxf refreshes after a stop: one pass from a running source is
	 * enough (lxfd's "single_pass"; LXD ignores the key and sends two) */
	bool single_pass;
	const struct lxf_mig_opts *o;
	/* out: the target accepted the create (not a refresh): a failure
	 * must delete what it made */
	bool made;
};

/*
 * Runs one transfer in o->mode (AUTO resolved by the caller) and waits for
 * both operations, printing progress. Returns 0 when both succeeded; on
 * failure both operations are cancelled (DELETE) and -code returned.
 */
int lxf_mig_xfer_run(const struct lxf_remotes *r, struct mig_xfer *x, enum lxf_mig_mode mode,
		     struct lxf_err *err);

/* Exposed for tests/unit/test_migrate_cli.c. */

/* o->mode, or for AUTO: relay unless both ends are HTTPS, then pull. */
enum lxf_mig_mode lxf_mig_mode_pick(const struct lxf_mig_opts *o, const struct mig_end *s,
				    const struct mig_end *d);

/* "OP_URL/websocket?secret=SECRET" (escaped): a relay's websocket path. */
int lxf_mig_ws_path(char *buf, size_t len, const char *op_url, const char *secret,
		    struct lxf_err *err);

/* "https://host:port" + op_url for the other daemon; a unix remote is -LXF_EINVAL. */
int lxf_mig_op_full_url(const struct mig_end *e, const char *op_url, char *buf, size_t len,
			struct lxf_err *err);

/* The first "*progress" string of an operation's metadata, or NULL. */
const char *lxf_mig_progress_text(struct json_object *op);

/* "/1.0/instances/NAME[/snapshots/SNAP]" (escaped) of x's source, or its volume's
 * "/1.0/storage-pools/POOL/volumes/custom/NAME". */
int lxf_mig_source_path(const struct mig_xfer *x, char *buf, size_t len, struct lxf_err *err);

/* The source's request {"migration": true, "live", "instance_only", ...} (a
 * volume's: "name", "volume_only"); NULL: no memory. */
struct json_object *lxf_mig_source_body(const struct mig_xfer *x);

/* The server certificate of e (GET /1.0 environment.certificate), cached. */
int lxf_mig_end_cert(struct mig_end *e, const char **pem, struct lxf_err *err);

#endif
