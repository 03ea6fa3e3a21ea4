/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_LIFECYCLE_H
#define LXFD_LIFECYCLE_H

#include "err.h"

/*
 * lxfd's start and end, above every layer so that it may call each: crash
 * recovery, first-start defaults, autostart and the stop of every instance.
 */

/*
 * First start and crash recovery, after db_open and backend_init and
 * before anything reads the rows: the networks, the default profile, the
 * journal's pending file steps, interrupted migrations, then what was
 * being created and the files no row names (journal.h), then the rootfs
 * modes.
 */
int lifecycle_init(struct lxf_err *err);

/*
 * Stops every running container (clean, then forced after timeout
 * seconds), noting each so that the next start brings it back
 * (autostart_note_running). The shutdown handler's lxfd_conf.stop_all.
 */
void lifecycle_stop_all(int timeout);

/*
 * autostart.c. autostart_schedule queues, on POOL_OP, the start of every
 * instance with boot.autostart or one that `lxfd shutdown` stopped, and
 * the removal of ephemeral instances that stopped while lxfd was away.
 * Call after op_init. autostart_note_running marks an instance that the
 * shutdown has just stopped (volatile.last_state.power=RUNNING again).
 */
int autostart_schedule(struct lxf_err *err);
void autostart_note_running(const char *name);

#endif
