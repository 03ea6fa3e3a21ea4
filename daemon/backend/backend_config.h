/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_BACKEND_CONFIG_H
#define LXFD_BACKEND_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/*
 * Private to the backend: checks LXD instance config keys and devices and
 * turns them into liblxc config lines. Pure functions of their inputs (plus
 * /proc/meminfo for "50%" and the online CPU list), so unit tests run them
 * without liblxc or root.
 */

/* How many ids an unprivileged container gets mapped (0..65535). */
#define BCFG_MAP_COUNT 65536UL

/* Host facts the rendering depends on; filled once by backend_init. */
struct bcfg_host {
	unsigned long uid_base; /* host uid of container root */
	unsigned long gid_base;
	bool cgroup2;  /* pure cgroup2 host: lxc.cgroup2.* keys */
	bool apparmor; /* AppArmor enabled: keep liblxc's generated profile */
};

/* The container being rendered. All strings borrowed. */
struct bcfg_target {
	const char *name;    /* container name (lxc.uts.name) */
	const char *rootfs;  /* absolute rootfs directory */
	const char *logfile; /* absolute liblxc log file */
	const char *seed;    /* mixed into generated MAC addresses (the DIR) */
	const char *dir;     /* lxfd's DIR: custom volumes are DIR/custom/NAME/root */
};

/*
 * Checks config (a string map, NULL = empty) and devices (an object of
 * string maps, NULL = none). Returns 0 or -LXF_EINVAL naming the first bad
 * key ("unknown config key 'x'", "device 'eth0': ...").
 */
int bcfg_validate(struct json_object *config, struct json_object *devices, struct lxf_err *err);

/*
 * Appends the whole liblxc config for t to out (validating first).
 * Returns 0, -LXF_EINVAL, -LXF_ENOMEM or -LXF_ETOOBIG.
 */
int bcfg_render(const struct bcfg_host *host, const struct bcfg_target *t,
		struct json_object *config, struct json_object *devices, struct lxf_buf *out,
		struct lxf_err *err);

/* security.privileged of config, false when absent or config NULL. */
bool bcfg_privileged(struct json_object *config);

/* LXD's boolean spellings: true/1/yes/on (any case). */
bool bcfg_is_true(const char *s);

/*
 * The live cgroup values for a running container (key relative to the
 * controller, e.g. "memory.limit_in_bytes") with the value config asks for,
 * or the "no limit" value when the key is absent. i walks 0..; returns false
 * past the end. key/val point into static or caller storage (val: buf of n).
 */
bool bcfg_live_limit(const struct bcfg_host *host, struct json_object *config, int i,
		     const char **key, char *val, size_t n);

/*
 * The MAC address a nic device dev of container name gets when neither
 * its hwaddr nor volatile.<dev>.hwaddr is set: 00:16:3e + 3 bytes of
 * sha256(seed, name, dev), seed being lxfd's DIR. A rename pins it in
 * volatile.<dev>.hwaddr so that the address stays. 0 or -LXF_EINTERNAL.
 */
int bcfg_default_mac(const char *seed, const char *name, const char *dev, char mac[18]);

/* Parses LXD byte sizes: "1024", "256MB" (10^6), "1GiB" (2^30). 0 or -LXF_EINVAL. */
int bcfg_parse_bytes(const char *s, uint64_t *out);

#endif
