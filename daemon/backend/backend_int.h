/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by backend.c and backend_state.c (both over liblxc). */
#ifndef LXF_BACKEND_INT_H
#define LXF_BACKEND_INT_H

#include <lxc/lxccontainer.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

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

/* LXCPATH/name/leaf (leaf NULL: the directory) into buf. 0 or -LXF_EINVAL. */
int backend_ct_path(char *buf, size_t n, const char *name, const char *leaf);

struct backend_live;
struct json_object;

/*
 * backend_state.c: for a reader of running name's own counters
 * (backend_metrics.c): its live handles (*live, a reference) and, when
 * net is not NULL, its interfaces into net as in its state. 1 running (or
 * frozen), 0 stopped (*live NULL), or a negative lxf_code with err filled.
 */
int backend_state_live(const char *name, struct backend_live **live, struct json_object *net,
		       struct lxf_err *err);

/*
 * backend_live.c: the handles kept on a running container's init, shared
 * by reference (the query cache holds one per container): its pidfd and
 * its cgroups' value files, open. backend_live_new takes pidfd (-1: none,
 * for a one-time read) and returns NULL only when out of memory (pidfd
 * closed); a file that cannot be opened reads as unknown.
 */
struct backend_live;
struct json_object;
struct backend_live *backend_live_new(pid_t pid, int pidfd);
struct backend_live *backend_live_ref(struct backend_live *l); /* l may be NULL */
void backend_live_unref(struct backend_live *l);               /* l may be NULL */
pid_t backend_live_pid(const struct backend_live *l);
/* Whether the init still runs (its pidfd does not poll readable). */
bool backend_live_alive(const struct backend_live *l);
/* 1 frozen, 0 not, -1 unknown (no freezer file). */
int backend_live_frozen(const struct backend_live *l);
/*
 * The files only metrics read (backend_metrics.c), opened at the first
 * read and kept: v1 cpuacct.usage_all, cpuset.effective_cpus, memory.stat,
 * memory.limit_in_bytes, memory.oom_control, blkio's io_service_bytes and
 * io_serviced (recursive); v2 cpu.stat, cpuset.cpus.effective,
 * memory.stat, memory.max, memory.events, io.stat (twice); and the init's
 * /proc/PID/net/dev (its netns's interface counters, bound at the open).
 */
enum backend_lf {
	BACKEND_LF_CPUALL,
	BACKEND_LF_CPUS,
	BACKEND_LF_MEMSTAT,
	BACKEND_LF_MEMMAX,
	BACKEND_LF_OOM,
	BACKEND_LF_IOBYTES,
	BACKEND_LF_IOOPS,
	BACKEND_LF_NETDEV,
	BACKEND_LF_COUNT
};
/* File f's text into buf (NUL ended, cut at n - 1): its length, -1 when
 * not there or unreadable. Any thread. */
ssize_t backend_live_read(struct backend_live *l, enum backend_lf f, char *buf, size_t n);
/* Memory and swap in use (bytes) and the number of processes; -1 unknown. */
void backend_live_counts(const struct backend_live *l, int64_t *mem, int64_t *swap, int64_t *procs);
/*
 * Thaws the cgroup of init pid in the kernel (v1 freezer.state THAWED, v2
 * cgroup.freeze 0; nothing to do when not frozen), not asking its monitor.
 * 0, -LXF_ENOENT (no freezer) or -LXF_EIO.
 */
int backend_cgroup_thaw(pid_t pid);
/* Adds processes, cpu{usage} and memory{...} to st (zeros when l is NULL).
 * 0 or -LXF_ENOMEM. */
int backend_live_cgroups(const struct backend_live *l, struct json_object *st);
/* json helpers: v (negative: 0) under key; a new empty object *child. */
int backend_add_i64(struct json_object *o, const char *key, int64_t v);
int backend_add_obj(struct json_object *o, const char *key, struct json_object **child);

/*
 * backend_state.c: net's entry for interface ifname, made with LXD's
 * defaults when new (NULL: out of memory, or MAX_NICS already); and the
 * link facts of AF_PACKET entry ifa (hwaddr, state, type, counters from
 * its ifa_data, a struct rtnl_link_stats) with its mtu. 0 or -LXF_ENOMEM.
 */
struct ifaddrs;
struct json_object *backend_nic_entry(struct json_object *net, const char *ifname);
int backend_nic_link(struct json_object *e, const struct ifaddrs *ifa, int mtu);

/*
 * backend_rtnl.c: the interfaces of pid's netns into net (empty), read
 * from lxfd's netns by that netns' id. 0 done; 1 when it has no id here
 * or the kernel refuses (net untouched: read it from inside); -LXF_ENOMEM.
 * keep: the calling thread keeps its netlink socket for the next call
 * (only a thread that lives on and stays in lxfd's netns meanwhile).
 */
int backend_rtnl_read(pid_t pid, bool keep, struct json_object *net);

/*
 * Forgets name's entry in the query cache (backend_state.c: the liblxc
 * objects kept per name to read states): on delete and rename.
 */
void backend_query_cache_drop(const char *name);

#endif
