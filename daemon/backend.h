/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_BACKEND_H
#define LXFD_BACKEND_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

/*
 * The container backend: the only part of lxfd that includes liblxc.
 * Containers live in LXCPATH/<name>/ (config, rootfs/), LXCPATH =
 * DIR/containers. All calls are blocking and meant for worker threads;
 * each is safe to call concurrently for different names.
 *
 * config and devices are the *expanded* LXD maps (profiles applied):
 * config {"limits.memory":"256MB", ...} and devices
 * {"eth0":{"type":"nic","nictype":"bridged","parent":"lxfbr0","name":"eth0"},
 *  "root":{"type":"disk","path":"/","pool":"default"}}. Unknown or invalid
 * keys are refused with -LXF_EINVAL before anything is made.
 */

/* Records DIR and reads the id map (root's /etc/subuid and /etc/subgid,
 * else 1000000:1000000000). Returns 0 or -LXF_EIO. */
int backend_init(const char *dir, struct lxf_err *err);

/*
 * Makes container name: unpacks image_path (a unified image tarball,
 * rootfs/ shifted into the container's id map) or, with image_path NULL,
 * an empty rootfs; then writes the liblxc config. On any failure nothing is
 * left behind. -LXF_EEXIST when it already exists.
 */
int backend_create(const char *name, const char *image_path, struct json_object *config,
		   struct json_object *devices, struct lxf_err *err);

/* Rewrites the liblxc config of a stopped or running container (takes
 * effect at next start; limits.* also live where cgroups allow). */
int backend_update(const char *name, struct json_object *config, struct json_object *devices,
		   struct lxf_err *err);

/* Lifecycle. stop: force kills at once; otherwise a clean shutdown that
 * waits up to timeout seconds (-1 = forever), then -LXF_ETIMEDOUT. */
int backend_start(const char *name, struct lxf_err *err);
int backend_stop(const char *name, bool force, int timeout, struct lxf_err *err);
int backend_freeze(const char *name, struct lxf_err *err);
int backend_unfreeze(const char *name, struct lxf_err *err);

/* Deletes a stopped container and its files. -LXF_EBUSY when running. */
int backend_delete(const char *name, struct lxf_err *err);

/* Renames a stopped container. */
int backend_rename(const char *name, const char *newname, struct lxf_err *err);

/* "Running", "Stopped", "Frozen" (LXD's status strings), or NULL when the
 * container does not exist. Cheap: no cgroup reads. */
const char *backend_status(const char *name);

/*
 * The LXD InstanceState object: status, status_code (103 running,
 * 102 stopped, 110 frozen), pid, processes, cpu{usage}, memory{usage,
 * usage_peak, swap_usage, swap_usage_peak}, disk{}, network{IF:{addresses[
 * {family,address,netmask,scope}], counters{bytes_received, bytes_sent,
 * packets_received, packets_sent}, hwaddr, host_name, mtu, state, type}}.
 * *out is a new reference.
 */
int backend_state(const char *name, struct json_object **out, struct lxf_err *err);

/* The path of the container's liblxc log, in a static-per-call buffer of size n. */
int backend_log_path(const char *name, char *buf, size_t n);

#endif
