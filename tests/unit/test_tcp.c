/* SPDX-License-Identifier: Apache-2.0 */
/* tcp.c: the dead-peer options land on TCP sockets, others are left alone. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tcp.h"

static int opt(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

static void test_tcp(void **state)
{
	int fds[2] = {-1, -1};

	(void)state;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fds[1] = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue; /* no IPv6 here */
		assert_int_equal(lxf_tcp_dead_peer(fds[i]), 0);
		assert_int_equal(opt(fds[i], SOL_SOCKET, SO_KEEPALIVE), 1);
		assert_int_equal(opt(fds[i], IPPROTO_TCP, TCP_KEEPIDLE), 5);
		assert_int_equal(opt(fds[i], IPPROTO_TCP, TCP_KEEPINTVL), 3);
		assert_int_equal(opt(fds[i], IPPROTO_TCP, TCP_KEEPCNT), 4);
		assert_int_equal(opt(fds[i], IPPROTO_TCP, TCP_USER_TIMEOUT),
				 LXF_TCP_DEAD_SECS * 1000);
		close(fds[i]);
	}
}

static void test_not_tcp(void **state)
{
	int sp[2];
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(lxf_tcp_dead_peer(sp[0]), 0);
	assert_int_equal(opt(sp[0], SOL_SOCKET, SO_KEEPALIVE), 0);
	assert_true(udp >= 0);
	assert_int_equal(lxf_tcp_dead_peer(udp), 0);
	assert_int_equal(opt(udp, SOL_SOCKET, SO_KEEPALIVE), 0);
	/* Not a socket, or no descriptor at all: nothing to do. */
	assert_int_equal(lxf_tcp_dead_peer(-1), 0);
	close(sp[0]);
	close(sp[1]);
	close(udp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp),
	    cmocka_unit_test(test_not_tcp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
