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
};

/* One transfer: one source operation, one target operation. */
struct mig_xfer {
	struct mig_end *src, *dst;
	const char *name, *snap;  /* the source instance [snapshot] */
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

/* Set by SIGINT while a migration runs: the waits cancel the operations. */
extern volatile sig_atomic_t lxf_mig_interrupted;

/*
 * Runs one transfer in o->mode (AUTO resolved by the caller) and waits for
 * both operations, printing progress. Returns 0 when both succeeded; on
 * failure both operations are cancelled (DELETE) and -code returned.
 */
int lxf_mig_xfer_run(const struct lxf_remotes *r, struct mig_xfer *x, enum lxf_mig_mode mode,
		     struct lxf_err *err);

/* The server certificate of e (GET /1.0 environment.certificate), cached. */
int lxf_mig_end_cert(struct mig_end *e, const char **pem, struct lxf_err *err);

#endif
