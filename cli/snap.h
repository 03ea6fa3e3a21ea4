/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_SNAP_H
#define LXF_CLI_SNAP_H

#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "err.h"

/* Snapshot helpers shared by snapshot, delete, info and rename (cmd-snapshot.c). */

/*
 * "/1.0/instances/<name>/snapshots[/<snap>]" (snap NULL: the collection)
 * into buf. Returns 0 or -LXF_EINVAL (too long) / -LXF_ENOMEM.
 */
int lxf_snap_path(char *buf, size_t len, const char *name, const char *snap, struct lxf_err *err);

/* Deletes snapshot snap of instance name and waits for the operation. */
int lxf_snap_delete(struct lxf_client *c, const char *name, const char *snap, struct lxf_err *err);

/*
 * Prints "Snapshots:" and a table of name's snapshots on f, nothing when
 * there are none or the server cannot list them (info stays useful).
 */
void lxf_snap_print_info(FILE *f, struct lxf_client *c, const char *name);

/*
 * Renames instance inst, or its snapshot snap when snap is not NULL, to
 * newname with POST {"name"} (cmd-rename.c; shared by rename and move). A
 * newname that is empty or holds a '/' is a usage error naming arg.
 */
int lxf_rename_post(struct lxf_client *c, const char *inst, const char *snap, const char *newname,
		    const char *arg, struct lxf_err *err);

#endif
