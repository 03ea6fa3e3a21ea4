/* SPDX-License-Identifier: Apache-2.0 */
/*
 * migrate_proto.c: LXD's migration messages round-trip with what lxfd
 * relies on intact; malformed or hostile input is refused; and the bytes
 * match LXD's field numbers (a hand-encoded message decodes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "migrate_proto.h"

static void fill(struct migp_header *h)
{
	struct migp_snap *s;

	memset(h, 0, sizeof(*h));
	h->fs = MIGP_FS_RSYNC;
	h->criu = MIGP_CRIU_NONE;
	h->idmap[0] = (struct migp_idmap){true, false, 1000000, 0, 65536};
	h->idmap[1] = (struct migp_idmap){false, true, 1000000, 0, 65536};
	h->n_idmap = 2;
	h->has_rsync = h->xattrs = h->del = h->bidirectional = true;
	h->refresh = true;
	s = migp_header_add_snap(h);
	assert_non_null(s);
	strcpy(s->name, "snap0");
	s->config = json_tokener_parse("{\"user.a\":\"1\",\"limits.cpu\":\"2\"}");
	s->devices = json_tokener_parse("{\"eth0\":{\"type\":\"nic\",\"parent\":\"br0\"}}");
	s->profiles = json_tokener_parse("[\"default\",\"web\"]");
	s->arch = migp_arch_id("x86_64");
	s->created = 1700000000;
	s->expires = 1800000000;
	s->ephemeral = true;
	s = migp_header_add_snap(h);
	assert_non_null(s);
	strcpy(s->name, "snap1");
}

static void test_header_round_trip(void **state)
{
	struct migp_header h, d;
	uint8_t *buf = NULL;
	size_t n = 0;
	struct lxf_err err;

	(void)state;
	fill(&h);
	assert_int_equal(migp_header_encode(&h, &buf, &n, &err), 0);
	assert_true(n > 0);
	assert_int_equal(migp_header_decode(buf, n, &d, &err), 0);
	assert_int_equal(d.fs, MIGP_FS_RSYNC);
	assert_int_equal(d.criu, MIGP_CRIU_NONE);
	assert_int_equal(d.n_idmap, 2);
	assert_true(d.idmap[0].isuid && !d.idmap[0].isgid);
	assert_int_equal(d.idmap[1].hostid, 1000000);
	assert_int_equal(d.idmap[1].range, 65536);
	assert_true(d.has_rsync && d.xattrs && d.del && !d.compress && d.bidirectional);
	assert_true(d.refresh);
	assert_int_equal(d.index_version, 0);
	assert_int_equal(d.n_snaps, 2);
	assert_string_equal(d.snaps[0].name, "snap0");
	assert_string_equal(d.snaps[1].name, "snap1");
	assert_string_equal(
	    json_object_get_string(json_object_object_get(d.snaps[0].config, "limits.cpu")), "2");
	assert_string_equal(json_object_get_string(json_object_object_get(
				json_object_object_get(d.snaps[0].devices, "eth0"), "parent")),
			    "br0");
	assert_int_equal(json_object_array_length(d.snaps[0].profiles), 2);
	assert_string_equal(migp_arch_name(d.snaps[0].arch), "x86_64");
	assert_int_equal(d.snaps[0].created, 1700000000);
	assert_int_equal(d.snaps[0].expires, 1800000000);
	assert_true(d.snaps[0].ephemeral);
	assert_int_equal(json_object_object_length(d.snaps[1].config), 0);
	free(buf);
	migp_header_fini(&h);
	migp_header_fini(&d);
}

/* A stopped source leaves criu out; that must survive the trip. */
static void test_header_no_criu(void **state)
{
	struct migp_header h = {0}, d;
	uint8_t *buf = NULL;
	size_t n = 0;

	(void)state;
	h.criu = MIGP_CRIU_ABSENT;
	assert_int_equal(migp_header_encode(&h, &buf, &n, NULL), 0);
	assert_int_equal(migp_header_decode(buf, n, &d, NULL), 0);
	assert_int_equal(d.criu, MIGP_CRIU_ABSENT);
	assert_false(d.has_rsync);
	free(buf);
	migp_header_fini(&d);
}

/* Bytes written by hand from LXD's field numbers: fs=1 (varint 0),
 * criu=2 (varint 2), snapshotNames=4 ("a"), rsyncFeatures=8 {xattrs=1},
 * indexHeaderVersion=13 (1): what an LXD 5.0 source sends, minus detail. */
static void test_header_lxd_bytes(void **state)
{
	const uint8_t msg[] = {0x08, 0x00, 0x10, 0x02, 0x22, 0x01, 'a',
			       0x42, 0x02, 0x08, 0x01, 0x68, 0x01};
	struct migp_header d;

	(void)state;
	assert_int_equal(migp_header_decode(msg, sizeof(msg), &d, NULL), 0);
	assert_int_equal(d.fs, MIGP_FS_RSYNC);
	assert_int_equal(d.criu, MIGP_CRIU_NONE);
	assert_int_equal(d.n_snaps, 1);
	assert_string_equal(d.snaps[0].name, "a");
	assert_true(d.has_rsync && d.xattrs && !d.del);
	assert_int_equal(d.index_version, 1);
	migp_header_fini(&d);
}

static void test_header_malformed(void **state)
{
	struct migp_header d;
	struct lxf_err err;
	/* The required fs missing; a truncated varint; a snapshot name with a
	 * slash; "..": none of them may be taken. */
	const uint8_t no_fs[] = {0x10, 0x02};
	const uint8_t cut[] = {0x08};
	const uint8_t slash[] = {0x08, 0x00, 0x22, 0x03, 'a', '/', 'b'};
	const uint8_t dots[] = {0x08, 0x00, 0x22, 0x02, '.', '.'};
	const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t *big = calloc(1, MIGP_MSG_MAX + 1);

	(void)state;
	assert_int_equal(migp_header_decode(no_fs, sizeof(no_fs), &d, &err), -LXF_EINVAL);
	migp_header_fini(&d);
	assert_int_equal(migp_header_decode(cut, sizeof(cut), &d, &err), -LXF_EINVAL);
	migp_header_fini(&d);
	assert_int_equal(migp_header_decode(slash, sizeof(slash), &d, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "snapshot name"));
	migp_header_fini(&d);
	assert_int_equal(migp_header_decode(dots, sizeof(dots), &d, &err), -LXF_EINVAL);
	migp_header_fini(&d);
	assert_int_equal(migp_header_decode(garbage, sizeof(garbage), &d, &err), -LXF_EINVAL);
	migp_header_fini(&d);
	assert_non_null(big);
	assert_int_equal(migp_header_decode(big, MIGP_MSG_MAX + 1, &d, &err), -LXF_ETOOBIG);
	migp_header_fini(&d);
	free(big);
}

/* More snapshots than lxfd takes are refused, not truncated. */
static void test_header_over_caps(void **state)
{
	size_t cap = (MIGP_SNAP_MAX + 1) * 4 + 2, n = 0;
	uint8_t *msg = malloc(cap);
	struct migp_header d;

	(void)state;
	assert_non_null(msg);
	msg[n++] = 0x08;
	msg[n++] = 0x00;
	for (int i = 0; i <= MIGP_SNAP_MAX; i++) {
		msg[n++] = 0x22;
		msg[n++] = 0x02;
		msg[n++] = (uint8_t)('a' + i % 26);
		msg[n++] = (uint8_t)('a' + i / 26 % 26);
	}
	assert_int_equal(migp_header_decode(msg, n, &d, NULL), -LXF_EINVAL);
	migp_header_fini(&d);
	free(msg);
}

static void test_control(void **state)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	bool ok = true;
	char msg[16];
	const uint8_t bad[] = {0x12, 0x01, 'x'}; /* message without success */

	(void)state;
	assert_int_equal(migp_control_encode(false, "Disk full on the target", &buf, &n, NULL), 0);
	assert_int_equal(migp_control_decode(buf, n, &ok, msg, sizeof(msg), NULL), 0);
	assert_false(ok);
	assert_string_equal(msg, "Disk full on th"); /* truncated to the buffer */
	free(buf);
	assert_int_equal(migp_control_encode(true, NULL, &buf, &n, NULL), 0);
	assert_int_equal(migp_control_decode(buf, n, &ok, msg, sizeof(msg), NULL), 0);
	assert_true(ok);
	assert_string_equal(msg, "");
	free(buf);
	assert_int_equal(migp_control_decode(bad, sizeof(bad), &ok, msg, sizeof(msg), NULL),
			 -LXF_EINVAL);
}

static void test_names_and_arch(void **state)
{
	(void)state;
	assert_true(migp_snap_name_ok("snap-0_x.y"));
	assert_false(migp_snap_name_ok(""));
	assert_false(migp_snap_name_ok("."));
	assert_false(migp_snap_name_ok("a/b"));
	assert_false(migp_snap_name_ok("a\nb"));
	assert_false(migp_snap_name_ok("a b"));
	assert_false(migp_snap_name_ok("a?b"));
	{
		/* lxfd's own limit: 255 characters. */
		char n[257];
		memset(n, 'x', 256);
		n[256] = '\0';
		assert_false(migp_snap_name_ok(n));
		n[255] = '\0';
		assert_true(migp_snap_name_ok(n));
	}
	assert_int_equal(migp_arch_id("x86_64"), 2);
	assert_int_equal(migp_arch_id("aarch64"), 4);
	assert_int_equal(migp_arch_id("vax"), 0);
	assert_string_equal(migp_arch_name(2), "x86_64");
	assert_string_equal(migp_arch_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_round_trip), cmocka_unit_test(test_header_no_criu),
	    cmocka_unit_test(test_header_lxd_bytes),  cmocka_unit_test(test_header_malformed),
	    cmocka_unit_test(test_header_over_caps),  cmocka_unit_test(test_control),
	    cmocka_unit_test(test_names_and_arch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
