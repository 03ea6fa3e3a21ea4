/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_WATCH_H
#define LXFD_WATCH_H

#include "err.h"
#include <stdbool.h>

/*
 * The stop watcher: one thread in epoll over a pidfd on the init of every
 * running container, so that a container that stops by itself (poweroff
 * inside, init killed or exiting) is noticed at once, without polling.
 * Its handling runs on POOL_OP, as LXD's onStop: the lifecycle event
 * "instance-shutdown", and the deletion of an ephemeral instance (then
 * "instance-deleted"). Stops lxfd asks for (backend_stop) are left to
 * whoever asked. Through backend_set_hooks it also keeps every instance's
 * volatile.last_state.power (RUNNING/STOPPED at each start and stop,
 * whoever stopped it) and gives a started one its volatile.uuid.
 */

/* Starts the thread and hooks backend_start/backend_stop. Call after op_init. */
int watch_init(struct lxf_err *err);

/* Watches running container name (idempotent: a new init replaces the old). */
void watch_instance(const char *name);

/* Stops the thread (daemon exit); pending entries are dropped. */
void watch_shutdown(void);

/* Whether a start or stop reached NAME since lxfd started (autostart skips
 * it: its rows were read at start-up); watch_touched_done ends the record
 * once the autostart job has finished. */
bool watch_touched(const char *name);
void watch_touched_done(void);

#endif
