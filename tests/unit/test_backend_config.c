/* SPDX-License-Identifier: Apache-2.0 */
/* LXD config keys and devices -> liblxc lines: validation and translation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backend_config.h"

static const struct bcfg_host host = {.uid_base = 100000, .gid_base = 100000};
static const struct bcfg_host host2 = {.uid_base = 100000, .gid_base = 100000, .cgroup2 = true};
static const struct bcfg_target tgt = {.name = "c1",
				       .rootfs = "/d/containers/c1/rootfs",
				       .logfile = "/d/logs/c1/lxc.log",
				       .seed = "/d"};

/* Renders config/devices (JSON text); returns the code, text in out. */
static int render(const char *config, const char *devices, struct lxf_buf *out, struct lxf_err *err)
{
	struct json_object *c = json_tokener_parse(config);
	struct json_object *d = json_tokener_parse(devices);
	int ret;

	assert_non_null(c);
	assert_non_null(d);
	lxf_buf_init(out, 1 << 20);
	ret = bcfg_render(&host, &tgt, c, d, out, err);
	json_object_put(c);
	json_object_put(d);
	return ret;
}

static void expect_line(const char *config, const char *devices, const char *line)
{
	struct lxf_buf out = {0};
	struct lxf_err err = {0};

	if (render(config, devices, &out, &err))
		fail_msg("render failed: %s", err.msg);
	if (!strstr(lxf_buf_str(&out), line))
		fail_msg("no '%s' in:\n%s", line, lxf_buf_str(&out));
	lxf_buf_fini(&out);
}

static void expect_einval(const char *config, const char *devices, const char *msg_part)
{
	struct lxf_buf out = {0};
	struct lxf_err err = {0};

	assert_int_equal(render(config, devices, &out, &err), -LXF_EINVAL);
	if (!strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
	lxf_buf_fini(&out);
}

static void test_base(void **state)
{
	(void)state;
	expect_line("{}", "{}", "lxc.uts.name = c1\n");
	expect_line("{}", "{}", "lxc.rootfs.path = dir:/d/containers/c1/rootfs\n");
	expect_line("{}", "{}", "lxc.idmap = u 0 100000 65536\n");
	expect_line("{}", "{}", "lxc.include = /usr/share/lxc/config/userns.conf\n");
	expect_line("{}", "{}", "lxc.net.0.type = empty\n");
	expect_line("{}", "{}", "lxc.apparmor.profile = unconfined\n");
}

static void test_privileged(void **state)
{
	struct lxf_buf out = {0};
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(render("{\"security.privileged\":\"true\"}", "{}", &out, &err), 0);
	assert_null(strstr(lxf_buf_str(&out), "lxc.idmap"));
	assert_null(strstr(lxf_buf_str(&out), "userns.conf"));
	lxf_buf_fini(&out);
}

static void test_limits(void **state)
{
	(void)state;
	expect_line("{\"limits.memory\":\"256MB\"}", "{}",
		    "lxc.cgroup.memory.limit_in_bytes = 256000000\n");
	expect_line("{\"limits.memory\":\"1GiB\"}", "{}",
		    "lxc.cgroup.memory.limit_in_bytes = 1073741824\n");
	expect_line("{\"limits.cpu\":\"0,1\"}", "{}", "lxc.cgroup.cpuset.cpus = 0-1\n");
	expect_line("{\"limits.cpu\":\"1-1\"}", "{}", "lxc.cgroup.cpuset.cpus = 1\n");
	expect_line("{\"limits.cpu\":\"1\"}", "{}", "lxc.cgroup.cpuset.cpus = 0\n");
	expect_line("{\"limits.processes\":\"50\"}", "{}", "lxc.cgroup.pids.max = 50\n");
	expect_line("{\"environment.FOO\":\"a b\"}", "{}", "lxc.environment = FOO=a b\n");
	expect_line("{\"raw.lxc\":\"lxc.cgroup.pids.max = 9\"}", "{}", "lxc.cgroup.pids.max = 9\n");
	expect_line("{\"user.note\":\"multi\\nline\",\"boot.autostart\":\"true\"}", "{}",
		    "lxc.uts.name");
}

static void test_bad_config(void **state)
{
	(void)state;
	expect_einval("{\"x\":\"1\"}", "{}", "unknown config key 'x'");
	expect_einval("{\"limits.memory\":\"lots\"}", "{}", "limits.memory");
	expect_einval("{\"limits.memory\":\"101%\"}", "{}", "limits.memory");
	expect_einval("{\"limits.cpu\":\"0\"}", "{}", "limits.cpu");
	expect_einval("{\"limits.cpu\":\"3-1\"}", "{}", "limits.cpu");
	expect_einval("{\"limits.processes\":\"-1\"}", "{}", "limits.processes");
	expect_einval("{\"security.privileged\":\"maybe\"}", "{}", "true or false");
	expect_einval("{\"environment.A\":\"x\\nlxc.idmap = u 0 0 1\"}", "{}", "control");
	expect_einval("{\"environment.1A\":\"x\"}", "{}", "environment variable");
	expect_einval("{\"raw.lxc\":\"lxc.idmap = u 0 0 1\"}", "{}", "not allowed");
	expect_einval("{\"raw.lxc\":\"lxc.rootfs.path = dir:/\"}", "{}", "not allowed");
	expect_einval("{\"raw.lxc\":\"lxc.hook.pre-start = /bin/x\"}", "{}", "not allowed");
	expect_einval("{\"raw.lxc\":\"lxc.cgroup.dir.container = x\"}", "{}", "not allowed");
	expect_einval("{\"raw.lxc\":\"garbage\"}", "{}", "expected");
	expect_einval("{\"limits.memory\":1}", "{}", "config");
}

static void test_nic(void **state)
{
	const char *dev = "{\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"br0\","
			  "\"mtu\":\"1400\",\"hwaddr\":\"00:16:3e:00:00:01\"}}";

	(void)state;
	expect_line("{}", dev, "lxc.net.0.type = veth\n");
	expect_line("{}", dev, "lxc.net.0.link = br0\n");
	expect_line("{}", dev, "lxc.net.0.flags = up\n");
	expect_line("{}", dev, "lxc.net.0.name = eth0\n");
	expect_line("{}", dev, "lxc.net.0.mtu = 1400\n");
	expect_line("{}", dev, "lxc.net.0.hwaddr = 00:16:3e:00:00:01\n");
	/* Generated MAC: stable and in LXD's range; volatile wins. */
	expect_line("{}", "{\"eth0\":{\"type\":\"nic\",\"parent\":\"br0\"}}",
		    "lxc.net.0.hwaddr = 00:16:3e:");
	expect_line("{\"volatile.eth0.hwaddr\":\"00:16:3e:aa:bb:cc\"}",
		    "{\"eth0\":{\"type\":\"nic\",\"parent\":\"br0\"}}",
		    "lxc.net.0.hwaddr = 00:16:3e:aa:bb:cc\n");
	/* Devices numbered in name order. */
	expect_line("{}",
		    "{\"b\":{\"type\":\"nic\",\"parent\":\"br1\"},\"a\":{\"type\":\"nic\","
		    "\"parent\":\"br0\"}}",
		    "lxc.net.1.link = br1\n");
}

static void test_disk(void **state)
{
	(void)state;
	expect_line("{}", "{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\"}}",
		    "lxc.rootfs.path");
	expect_line("{}",
		    "{\"d\":{\"type\":\"disk\",\"source\":\"/tmp\",\"path\":\"/mnt/x\","
		    "\"readonly\":\"true\"}}",
		    "lxc.mount.entry = /tmp mnt/x none bind,create=dir,ro 0 0\n");
}

static void test_bad_devices(void **state)
{
	(void)state;
	expect_einval("{}", "{\"x\":{\"type\":\"gpu\"}}", "unknown device type 'gpu'");
	expect_einval("{}", "{\"x\":{\"type\":\"nic\",\"parent\":\"br0\",\"foo\":\"1\"}}",
		      "unknown nic key 'foo'");
	expect_einval("{}", "{\"x\":{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"e\"}}",
		      "not supported");
	expect_einval("{}", "{\"x\":{\"type\":\"nic\"}}", "bridge");
	expect_einval("{}", "{\"x\":{\"type\":\"nic\",\"parent\":\"br0\",\"hwaddr\":\"zz\"}}",
		      "hwaddr");
	expect_einval("{}", "{\"x\":{\"type\":\"nic\",\"parent\":\"br0\",\"mtu\":\"9\"}}", "mtu");
	expect_einval("{}", "{\"x\":{\"type\":\"disk\",\"path\":\"/m\",\"source\":\"rel\"}}",
		      "absolute");
	expect_einval("{}", "{\"x\":{\"type\":\"disk\",\"path\":\"/m n\",\"source\":\"/a\"}}",
		      "absolute");
	expect_einval("{}", "{\"x\":{\"type\":\"disk\",\"path\":\"/m/../..\",\"source\":\"/a\"}}",
		      "absolute");
	expect_einval("{}",
		      "{\"r\":{\"type\":\"disk\",\"path\":\"/\"},\"s\":{\"type\":\"disk\","
		      "\"path\":\"/\"}}",
		      "root disk");
	expect_einval("{}", "{\"x\":{\"path\":\"/\"}}", "no type");
}

static void test_bytes(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(bcfg_parse_bytes("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(bcfg_parse_bytes("2kB", &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(bcfg_parse_bytes("3MiB", &v), 0);
	assert_int_equal(v, 3u << 20);
	assert_int_equal(bcfg_parse_bytes("3XB", &v), -LXF_EINVAL);
	assert_int_equal(bcfg_parse_bytes("-1", &v), -LXF_EINVAL);
	assert_int_equal(bcfg_parse_bytes("99999999999999999999", &v), -LXF_EINVAL);
	assert_true(bcfg_is_true("YES"));
	assert_false(bcfg_is_true("false"));
}

/* Where line first occurs in text, failing the test when it does not. */
static const char *find_line(const char *text, const char *line)
{
	const char *p = strstr(text, line);

	if (!p)
		fail_msg("no '%s' in:\n%s", line, text);
	return p;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/*
 * Cgroups mounted inside every container, rooted at its own cgroup: liblxc
 * only mounts them in a cgroup namespace when asked with ":force", and the
 * line must come after common.conf's "cgroup:mixed" (the last one wins) and
 * before raw.lxc (the user's word is last). On a pure cgroup2 host, as LXD:
 * cgroup2 read-write and every limit as an lxc.cgroup2 key. Privileged or not
 * (i & 1), the same.
 */
static void test_cgroup_mounts(void **state)
{
	const char *cfg = "{\"limits.memory\":\"64MiB\",\"limits.processes\":\"50\","
			  "\"limits.cpu\":\"0-1\",\"raw.lxc\":\"lxc.mount.auto = cgroup:ro\"}";
	const struct {
		const struct bcfg_host *h;
		const char *mount, *limits[3], *absent;
	} cases[] = {
	    {&host,
	     "lxc.mount.auto = cgroup:mixed:force\n",
	     {"lxc.cgroup.memory.limit_in_bytes = 67108864\n", "lxc.cgroup.pids.max = 50\n",
	      "lxc.cgroup.cpuset.cpus = 0-1\n"},
	     "lxc.cgroup2."},
	    {&host2,
	     "lxc.mount.auto = cgroup:rw:force\n",
	     {"lxc.cgroup2.memory.max = 67108864\n", "lxc.cgroup2.pids.max = 50\n",
	      "lxc.cgroup2.cpuset.cpus = 0-1\n"},
	     "lxc.cgroup."},
	};
	const char *key = NULL;
	char val[64];

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct lxf_buf out = {0};
		struct lxf_err err = {0};
		struct json_object *c = json_tokener_parse(cfg);
		bool priv = i & 1;
		const char *text, *mount;

		assert_non_null(c);
		if (priv)
			json_object_object_add(c, "security.privileged",
					       json_object_new_string("true"));
		lxf_buf_init(&out, 1 << 20);
		if (bcfg_render(cases[i / 2].h, &tgt, c, NULL, &out, &err))
			fail_msg("render failed: %s", err.msg);
		json_object_put(c);
		text = lxf_buf_str(&out);
		mount = find_line(text, cases[i / 2].mount);
		assert_true(find_line(text, "lxc.include = /usr/share/lxc/config/common.conf\n") <
			    mount);
		if (!priv)
			assert_true(find_line(text, "/userns.conf\n") < mount);
		assert_true(mount < find_line(text, "# raw.lxc\nlxc.mount.auto = cgroup:ro\n"));
		/* Ours and raw.lxc's, no other. */
		assert_int_equal(count(text, "lxc.mount.auto = cgroup"), 2);
		for (int j = 0; j < 3; j++)
			find_line(text, cases[i / 2].limits[j]);
		assert_null(strstr(text, cases[i / 2].absent));
		lxf_buf_fini(&out);
	}
	/* Live changes use the same files the container reads. */
	assert_true(bcfg_live_limit(&host2, NULL, 0, &key, val, sizeof(val)));
	assert_string_equal(key, "memory.max");
	assert_string_equal(val, "max");
	assert_true(bcfg_live_limit(&host, NULL, 0, &key, val, sizeof(val)));
	assert_string_equal(key, "memory.limit_in_bytes");
	assert_string_equal(val, "-1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base),          cmocka_unit_test(test_privileged),
	    cmocka_unit_test(test_limits),        cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_nic),           cmocka_unit_test(test_disk),
	    cmocka_unit_test(test_bad_devices),   cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_cgroup_mounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
