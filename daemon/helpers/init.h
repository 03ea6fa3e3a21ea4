/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_INIT_H
#define LXFD_INIT_H

#include <stdbool.h>

/*
 * `lxfd init --auto` and `lxfd init --preseed`: a client of the running
 * daemon on sock that applies each piece through the REST API, as LXD's
 * init does. --auto makes the managed bridge lxfbr0 (a free 10.x.y.1/24,
 * NAT, no IPv6), the dir pool "default", and gives the default profile a
 * root disk and eth0 on lxfbr0. --preseed reads LXD's preseed YAML on
 * stdin (config, networks, storage_pools, profiles). Prints errors naming
 * the piece that failed; returns the process exit status.
 */
int lxfd_init_cmd(const char *sock, bool preseed);

#endif
