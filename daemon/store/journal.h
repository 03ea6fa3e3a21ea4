/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_JOURNAL_H
#define LXFD_JOURNAL_H

#include <stdint.h>

#include "err.h"

/*
 * Crash recovery for every change that spans the database and the files
 * (the rule is written out at the top of journal.c). Paths given here are
 * relative to DIR ("containers/NAME", "snapshots/NAME/SNAP").
 */

/* One batch of filesystem intents, written with the row change it belongs to. */
struct journal {
	int64_t batch;
};

/* Starts a batch: db_begin (the caller commits or rolls back) and a new batch id. */
int journal_begin(struct journal *j, struct lxf_err *err);

/*
 * Inside the transaction of journal_begin: records that path is to be
 * renamed to dest (skipped when path is gone; an existing dest is not
 * replaced), or removed (moved aside into DIR/trash, then deleted). Intents
 * run in the order they were added. 0 or -LXF_EIO / -LXF_EINVAL.
 */
int journal_rename(struct journal *j, const char *path, const char *dest, struct lxf_err *err);
int journal_remove(struct journal *j, const char *path, struct lxf_err *err);

/*
 * Commits the transaction, then carries out the batch's intents; each one's
 * row goes as it is done. After a failed commit nothing happened (-code).
 * A failed intent is logged and stays for the next start: the change is
 * committed either way, so the result is 0 once the commit succeeded.
 */
int journal_commit(struct journal *j, struct lxf_err *err);

/*
 * Deletes instance name: its row (snapshot rows follow), then its
 * directory, snapshots and logs, as one journalled change. The caller has
 * checked that it is not running. Also for rows left half-created.
 */
int journal_instance_delete(const char *name, struct lxf_err *err);

/* Deletes snapshot snap of name: its row, then its files, journalled. */
int journal_snapshot_delete(const char *name, const char *snap, struct lxf_err *err);

/*
 * Writes the liblxc config of instance name from its row and its profiles
 * (the DB is the truth; the config file is derived from it). A running
 * container also gets its live limits (backend_update). -LXF_ENOENT when
 * there is no row or no container directory.
 */
int journal_render(const char *name, struct lxf_err *err);

/*
 * Crash recovery at start-up, before anything reads the rows, in two
 * halves with migrate_recover between them (lxfd/lifecycle.c):
 * journal_replay rolls every pending intent forward and clears DIR/trash;
 * journal_recover rolls back what was being created (instances,
 * snapshots), clears the other scratch (rootfs.restore), removes image
 * files and snapshot and log directories that no row names, and renders
 * every config. Problems are logged; only a database error fails.
 */
int journal_replay(struct lxf_err *err);
int journal_recover(struct lxf_err *err);

#endif
