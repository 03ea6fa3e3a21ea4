/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conns.c: shares per address and per uid, making room (silent first, then
 * idle untrusted, then handshakes), trusted clients out of the shares,
 * deadlines, counters. Handles are fake: small integers cast to pointers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conns.h"

#define H(i) ((void *)(uintptr_t)(i))

static bool said[4096];   /* handle -> has sent its hello */
static bool closed[4096]; /* handle -> closed by conns.c */

static bool fake_hello(void *h)
{
	return said[(uintptr_t)h];
}

static void fake_close(void *h)
{
	closed[(uintptr_t)h] = true; /* lws would call conns_gone later */
}

static struct conns_src v4(const char *a)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct conns_src s;

	inet_pton(AF_INET, a, &sa.sin_addr);
	conns_src_from((struct sockaddr *)&sa, sizeof(sa), &s);
	return s;
}

static long closed_count(const char *key)
{
	struct json_object *o = conns_stats_json(), *c = NULL, *v = NULL;
	long n;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "closed", &c));
	assert_true(json_object_object_get_ex(c, key, &v));
	n = (long)json_object_get_int64(v);
	json_object_put(o);
	return n;
}

static int setup(void **state)
{
	(void)state;
	memset(said, 0, sizeof(said));
	memset(closed, 0, sizeof(closed));
	conns_init(20000);
	conns_set_ops(fake_hello, fake_close);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	conns_fini();
	return 0;
}

/* Adds connection i from src at time t (admitted). */
static void add(int i, const struct conns_src *src, int64_t t)
{
	assert_int_equal(conns_https_admit(src, t), 0);
	assert_int_equal(conns_https_add(H(i), src, t), 0);
}

static void test_src(void **state)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6}, b = a;
	struct conns_src x, y;
	char buf[64];

	(void)state;
	inet_pton(AF_INET6, "2001:db8:1:2::5", &a.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:2:ffff::9", &b.sin6_addr);
	conns_src_from((struct sockaddr *)&a, sizeof(a), &x);
	conns_src_from((struct sockaddr *)&b, sizeof(b), &y);
	assert_memory_equal(&x, &y, sizeof(x)); /* one /64 */
	conns_src_str(&x, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8:1:2::/64");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &a.sin6_addr); /* our listener is dual-stack */
	conns_src_from((struct sockaddr *)&a, sizeof(a), &x);
	y = v4("10.1.2.3");
	assert_memory_equal(&x, &y, sizeof(x));
	conns_src_str(&x, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.2.3");
}

/* A full share makes room with its oldest silent connection, never one
 * that has said hello; another address is not touched. */
static void test_share_silent_first(void **state)
{
	struct conns_src a = v4("10.0.0.3"), b = v4("10.0.0.4");
	int per = conns_get_limits()->https_per_addr;

	(void)state;
	add(1000, &b, 0);
	for (int i = 1; i <= per; i++)
		add(i, &a, i);
	said[1] = true; /* the oldest is a client mid-handshake */
	add(100, &a, 100);
	assert_false(closed[1]);
	assert_true(closed[2]); /* the oldest silent one */
	assert_false(closed[1000]);
	assert_int_equal(closed_count("https_replaced_address"), 1);
	/* Everything said hello and is busy or handshaking: the oldest handshake goes. */
	for (int i = 3; i <= per; i++)
		said[i] = true;
	said[100] = true;
	add(101, &a, 101);
	assert_true(closed[1]);
}

/* Trusted clients leave the share and the pool; untrusted idle ones make room, busy ones do not. */
static void test_trusted_and_busy(void **state)
{
	struct conns_src a = v4("10.0.0.3");
	int per = conns_get_limits()->https_per_addr;

	(void)state;
	for (int i = 1; i <= per; i++) {
		said[i] = true;
		add(i, &a, i);
	}
	conns_https_handshake(H(1), true, 50); /* trusted: out of the share */
	add(200, &a, 60);
	for (int i = 1; i <= per; i++)
		assert_false(closed[i]);
	for (int i = 2; i <= per; i++) {
		conns_https_handshake(H(i), false, 60);
		conns_busy(H(i), true, 60);
	}
	said[200] = true;
	conns_https_handshake(H(200), false, 60);
	conns_busy(H(200), true, 60);
	/* All busy untrusted: refused. */
	assert_int_equal(conns_https_admit(&a, 70), -1);
	assert_int_equal(closed_count("https_refused_address"), 1);
	/* One answered, idle again: it makes room. */
	conns_busy(H(5), false, 80);
	assert_int_equal(conns_https_admit(&a, 90), 0);
	assert_true(closed[5]);
}

/* The pool of untrusted connections: the busiest address pays. */
static void test_pool(void **state)
{
	const struct conns_limits *l = conns_get_limits();
	int h = 1, per = l->https_per_addr;
	char addr[32];

	(void)state;
	for (int k = 0; h <= l->https_untrusted; k++) {
		struct conns_src s;
		snprintf(addr, sizeof(addr), "10.0.1.%d", k);
		s = v4(addr);
		/* The first address has one fewer than the others. */
		for (int i = 0; i < (k == 0 ? per - 1 : per) && h <= l->https_untrusted; i++, h++) {
			said[h] = true; /* all mid-handshake */
			add(h, &s, h);
		}
	}
	struct conns_src c = v4("10.0.2.1");
	add(4000, &c, 5000);
	assert_int_equal(closed_count("https_replaced_full"), 1);
	/* The oldest handshake of an address with a full share went, not one of
	 * 10.0.1.0 (one fewer) although those are older. */
	for (int i = 1; i < per; i++)
		assert_false(closed[i]);
	assert_true(closed[per]);
}

static void test_deadlines(void **state)
{
	struct conns_src a = v4("10.0.0.3");

	(void)state;
	add(1, &a, 0);
	add(2, &a, 0);
	add(3, &a, 0);
	conns_https_handshake(H(2), false, 1000);
	conns_https_handshake(H(3), true, 1000);
	assert_int_equal(conns_sweep(CONNS_HANDSHAKE_MS - 1), 2);
	assert_false(closed[1]);
	assert_int_equal(conns_sweep(CONNS_HANDSHAKE_MS), 1);
	assert_true(closed[1]);
	conns_busy(H(2), true, 2000);
	assert_int_equal(conns_sweep(1000 + CONNS_REQUEST_MS), 1); /* busy: kept */
	conns_busy(H(2), false, 3000);
	assert_int_equal(conns_sweep(3000 + CONNS_REQUEST_MS), 0);
	assert_true(closed[2]);
	assert_false(closed[3]); /* trusted: lws's own timeouts */
	assert_int_equal(closed_count("https_handshake_timeout"), 1);
	assert_int_equal(closed_count("https_request_timeout"), 1);
}

static void test_unix(void **state)
{
	const struct conns_limits *l = conns_get_limits();
	int i;

	(void)state;
	for (i = 0; i < l->unix_per_uid; i++) {
		assert_int_equal(conns_unix_admit(1000, 0), 0);
		assert_int_equal(conns_unix_add(H(i + 1), 1000), 0);
	}
	assert_int_equal(conns_unix_admit(1000, 0), -1);
	assert_int_equal(conns_unix_admit(1001, 0), 0);
	assert_int_equal(conns_unix_admit(0, 0), 0);
	conns_gone(H(1));
	assert_int_equal(conns_unix_admit(1000, 0), 0);
	assert_int_equal(closed_count("unix_refused_user"), 1);
	conns_gone(H(99999)); /* unknown: ignored */
}

/* The total: users stop short of root's slots, root gets them. */
static void test_unix_total(void **state)
{
	int i = 1;

	(void)state;
	conns_init(2048);
	const struct conns_limits *l = conns_get_limits();
	for (uid_t u = 1000; i <= l->unix_max - l->unix_root_slots; u++)
		for (int k = 0; k < l->unix_per_uid && i <= l->unix_max - l->unix_root_slots;
		     k++, i++)
			assert_int_equal(conns_unix_add(H(i), u), 0);
	assert_int_equal(conns_unix_admit(5000, 0), -1);
	assert_int_equal(closed_count("unix_refused_full"), 1);
	for (; i <= l->unix_max; i++) {
		assert_int_equal(conns_unix_admit(0, 0), 0);
		assert_int_equal(conns_unix_add(H(i), 0), 0);
	}
	assert_int_equal(conns_unix_admit(0, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_src, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_share_silent_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trusted_and_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadlines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unix, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unix_total, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
