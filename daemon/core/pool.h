/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_POOL_H
#define LXFD_POOL_H

#include "err.h"

/*
 * The worker pools. Two: POOL_REQUEST runs request handlers (short: DB
 * work, validation); POOL_OP runs operation bodies (backend calls that may
 * take minutes), so a slow container stop never delays GET /1.0.
 */
enum pool_id { POOL_REQUEST, POOL_OP, POOL_COUNT };

/* Queues fn(arg) on a pool. Returns 0 or -LXF_ENOMEM / -LXF_EUNAVAIL (stopping). */
int pool_submit(enum pool_id pool, void (*fn)(void *arg), void *arg, struct lxf_err *err);

/* Starts the threads of every pool (op_init does). 0 or -LXF_ENOMEM. */
int pool_start(struct lxf_err *err);

/*
 * Stops accepting jobs and joins the threads of the pools that are idle
 * within grace_secs; busy ones are left to the process exit. Returns the
 * number of jobs still running.
 */
int pool_stop(int grace_secs);

#endif
