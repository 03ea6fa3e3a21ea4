/* SPDX-License-Identifier: Apache-2.0 */
/* backend_cgroup_dir: a container's cgroup directories from /proc/PID/cgroup. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "backend_int.h"

/* A cgroup v1 hybrid host as liblxc 5.0 leaves a container's init (systemd's layout). */
static const char *const hybrid = "12:cpuset:/lxc.payload.c1\n"
				  "11:memory:/lxc.payload.c1\n"
				  "9:name=systemd:/lxc.payload.c1\n"
				  "7:pids:/lxc.payload.c1\n"
				  "4:cpu,cpuacct:/lxc.payload.c1\n"
				  "0::/lxc.payload.c1\n";

static void test_v1_controllers(void **state)
{
	char out[PATH_MAX];

	(void)state;
	assert_int_equal(backend_cgroup_dir(hybrid, "memory", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/memory/lxc.payload.c1");
	assert_int_equal(backend_cgroup_dir(hybrid, "pids", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/pids/lxc.payload.c1");
	/* Co-mounted controllers: the hierarchy is mounted under both names. */
	assert_int_equal(backend_cgroup_dir(hybrid, "cpuacct", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/cpu,cpuacct/lxc.payload.c1");
	assert_int_equal(backend_cgroup_dir(hybrid, "cpu", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/cpu,cpuacct/lxc.payload.c1");
}

static void test_no_prefix_match(void **state)
{
	const char *cg = "12:cpuset:/a\n3:memory_x:/b\n";
	char out[PATH_MAX];

	(void)state;
	/* "cpu" is not "cpuset", "memory" is not "memory_x". */
	assert_int_equal(backend_cgroup_dir(cg, "cpu", out, sizeof(out)), -LXF_ENOENT);
	assert_int_equal(backend_cgroup_dir(cg, "memory", out, sizeof(out)), -LXF_ENOENT);
	assert_int_equal(backend_cgroup_dir(cg, "", out, sizeof(out)), -LXF_ENOENT);
}

static void test_v2_line(void **state)
{
	char out[PATH_MAX];

	(void)state;
	/* Before backend_init the host counts as hybrid: v2 lives under unified/. */
	assert_int_equal(backend_cgroup_dir(hybrid, "", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified/lxc.payload.c1");
	/* The last line may lack its newline. */
	assert_int_equal(backend_cgroup_dir("0::/x/y", "", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/unified/x/y");
}

static void test_bad_input(void **state)
{
	char small[20], out[PATH_MAX];

	(void)state;
	assert_int_equal(backend_cgroup_dir("", "memory", out, sizeof(out)), -LXF_ENOENT);
	assert_int_equal(backend_cgroup_dir("garbage without colons\n", "memory", out, sizeof(out)),
			 -LXF_ENOENT);
	assert_int_equal(backend_cgroup_dir(hybrid, "memory", small, sizeof(small)), -LXF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_controllers),
	    cmocka_unit_test(test_no_prefix_match),
	    cmocka_unit_test(test_v2_line),
	    cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
