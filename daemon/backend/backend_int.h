/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by backend.c and backend_state.c (both over liblxc). */
#ifndef LXF_BACKEND_INT_H
#define LXF_BACKEND_INT_H

#include <lxc/lxccontainer.h>
#include <stdbool.h>

#include "backend_config.h"
#include "err.h"

/*
 * A fresh liblxc container object for name, its config parsed (under a
 * lock: liblxc's parser is not thread-safe). NULL with err set when name
 * is bad or (must_exist) not defined. The caller puts it.
 */
struct lxc_container *backend_ct_get(const char *name, bool must_exist, struct lxf_err *err);

/* The host facts found by backend_init. */
const struct bcfg_host *backend_host(void);

/*
 * The cgroup directory under /sys/fs/cgroup for v1 controller ctrl
 * ("memory"), or the v2 one when ctrl is "", found in cg, the text of
 * /proc/PID/cgroup. -LXF_ENOENT when not there, -LXF_EINVAL when it does
 * not fit in n.
 */
int backend_cgroup_dir(const char *cg, const char *ctrl, char *out, size_t n);

/*
 * Forgets name's entry in the query cache (backend_state.c: the liblxc
 * objects kept per name to read states): on delete and rename.
 */
void backend_query_cache_drop(const char *name);

#endif
