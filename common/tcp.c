/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tcp.h"

int lxf_tcp_dead_peer(int fd)
{
	/* Probes at 5, 8, 11, 14 s of silence; the user timeout ends it at
	 * LXF_TCP_DEAD_SECS whether the silence came while idle (keepalive)
	 * or with data in flight (retransmissions). */
	static const struct {
		int level, name, value;
	} opts[] = {
	    {SOL_SOCKET, SO_KEEPALIVE, 1},
	    {IPPROTO_TCP, TCP_KEEPIDLE, 5},
	    {IPPROTO_TCP, TCP_KEEPINTVL, 3},
	    {IPPROTO_TCP, TCP_KEEPCNT, 4},
	    {IPPROTO_TCP, TCP_USER_TIMEOUT, LXF_TCP_DEAD_SECS * 1000},
	};
	int proto = 0;
	socklen_t len = sizeof(proto);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
	    proto != IPPROTO_TCP)
		return 0;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (setsockopt(fd, opts[i].level, opts[i].name, &opts[i].value,
			       sizeof(opts[i].value)) < 0)
			return -1;
	return 0;
}
