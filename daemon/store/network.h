/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_NETWORK_H
#define LXFD_NETWORK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Managed bridges: the link and its address (iproute2), DHCP and DNS on it
 * (dnsmasq, daemonized, pid file in DIR/networks/<name>/) and NAT
 * (nftables, one table "lxfd-<name>" per network). External tools run by
 * posix_spawn with fixed argument vectors: no shell ever sees input.
 * Everything acts in lxfd's own network namespace. Blocking: call from
 * worker threads (or main() before the loop).
 */

/* Interface-name rule for networks: 1..15 of [A-Za-z0-9_.-], starting with a letter. */
int network_check_name(const char *name, struct lxf_err *err);

/*
 * Checks a managed bridge config (a string map; NULL = empty) and returns
 * the config to store (new reference in *out): "auto" resolved to a free
 * 10.x.y.1/24, defaults filled (ipv4.nat "true", ipv6.address "none").
 * Keys: ipv4.address (CIDR, "auto", "none"), ipv4.nat, ipv4.dhcp (booleans),
 * ipv6.address ("none" only). -LXF_EINVAL naming the key otherwise.
 */
int network_resolve_config(struct json_object *config, struct json_object **out,
			   struct lxf_err *err);

/*
 * Makes bridge name exist and match config: link, address, up, dnsmasq
 * (restarted), NAT (rebuilt), IPv4 forwarding. Idempotent. When it fails
 * after creating the link itself, it removes the link again.
 */
int network_bridge_up(const char *dir, const char *name, struct json_object *config,
		      struct lxf_err *err);

/* Stops dnsmasq, removes the NAT table and deletes the link. Missing parts are fine. */
int network_bridge_down(const char *dir, const char *name, struct lxf_err *err);

/* Kills the dnsmasq of name (by its pid file, checking it is ours). */
void network_dnsmasq_stop(const char *dir, const char *name);

/*
 * Creates the networks table if needed and brings up every managed network
 * it lists (daemon start). Failures are logged per network, not returned.
 */
int network_restore_all(const char *dir, struct lxf_err *err);

#endif
