/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_POOL_H
#define LXFD_POOL_H

#include "err.h"

/* op.c's: starts the threads of every pool. 0 or -LXF_ENOMEM. */
int pool_start(struct lxf_err *err);

/*
 * Stops accepting jobs and joins the threads of the pools that are idle
 * within grace_secs; busy ones are left to the process exit. Returns the
 * number of jobs still running.
 */
int pool_stop(int grace_secs);

#endif
