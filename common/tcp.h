/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TCP_H
#define LXF_TCP_H

/*
 * How long a TCP peer may stay silent before the connection is dropped,
 * when it is silent because it is gone (cable cut, host powered off, link
 * down): nothing comes back, not even a RST, and without this the kernel
 * keeps retransmitting for about 15 minutes, and an idle connection lives
 * forever. A live peer that merely has nothing to say answers keepalive
 * probes, and a slow one acknowledges what it got (even with a zero
 * window), so neither is dropped.
 */
#define LXF_TCP_DEAD_SECS 15

/*
 * Sets keepalive (first probe after 5 s idle, then every 3 s) and
 * TCP_USER_TIMEOUT (LXF_TCP_DEAD_SECS for unacknowledged data) on fd.
 * Anything that is not a TCP socket (a unix socket) is left alone.
 * Returns 0, or -1 with errno set when a TCP socket refused an option.
 */
int lxf_tcp_dead_peer(int fd);

#endif
