/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command table and its dispatcher (cli/cmd.c, cmds.def): every entry
 * is well formed for what it asks of the dispatcher, and the dispatcher's
 * own work (target resolution, the per-target loop, -f FORMAT, the error
 * to exit status mapping) shows in what lxf prints and returns. The
 * remotes are unix sockets that do not exist: nothing here needs a daemon.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd.h"

static char conf_dir[] = "/tmp/lxf-test-cmd-XXXXXX";

static const char config_yml[] =
    "default-remote: a\n"
    "remotes:\n"
    "  a: {addr: 'unix:///nonexistent/lxf-test/a.sock', protocol: lxd}\n";

static int setup_conf(void **state)
{
	char path[256];
	FILE *f;

	(void)state;
	if (!mkdtemp(conf_dir))
		return -1;
	(void)snprintf(path, sizeof(path), "%s/config.yml", conf_dir);
	f = fopen(path, "we");
	if (!f)
		return -1;
	(void)fputs(config_yml, f);
	if (fclose(f) != 0)
		return -1;
	if (setenv("LXF_CONF", conf_dir, 1) || setenv("LXF_DIR", "/nonexistent/lxf-test", 1))
		return -1;
	return 0;
}

static int teardown_conf(void **state)
{
	char cmd[512];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "/bin/rm -rf '%s'", conf_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs "lxf ARGS..." in this process; its stdout and stderr are kept in outbuf. */
static char outbuf[8192];

static int run_lxf(const char *const *args)
{
	char *argv[16] = {"lxf"};
	int argc = 1, fd, saved1, saved2, st;
	ssize_t n;

	for (; args[argc - 1] && argc < 15; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	(void)fflush(stdout);
	(void)fflush(stderr);
	fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved1 = fcntl(1, F_DUPFD_CLOEXEC, 0);
	saved2 = fcntl(2, F_DUPFD_CLOEXEC, 0);
	assert_true(saved1 >= 0 && saved2 >= 0);
	assert_true(dup2(fd, 1) == 1 && dup2(fd, 2) == 2);
	st = lxf_cmd_run(argc, argv);
	(void)fflush(stdout);
	(void)fflush(stderr);
	assert_true(dup2(saved1, 1) == 1 && dup2(saved2, 2) == 2);
	(void)close(saved1);
	(void)close(saved2);
	n = pread(fd, outbuf, sizeof(outbuf) - 1, 0);
	outbuf[n > 0 ? n : 0] = '\0';
	(void)close(fd);
	return st;
}

/* Every entry: the fields the help and the dispatcher rely on, and a unique name. */
static void test_table(void **state)
{
	const struct lxf_cmd *c, *d;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; (c = lxf_cmd_nth(i)) != NULL; i++, n++) {
		if (!c->name || !c->usage || !c->summary || !c->exec)
			fail_msg("entry %zu (%s): name, usage, summary and exec are required", i,
				 c->name ? c->name : "?");
		/* A target is resolved from an argument that must be there. */
		if ((c->target == LXF_CMD_T_INSTANCE || c->target == LXF_CMD_T_SNAPSHOT ||
		     (c->flags & LXF_CMD_F_EACH)) &&
		    c->min_args < 1)
			fail_msg("'%s': its target needs min_args >= 1", c->name);
		if ((c->flags & LXF_CMD_F_EACH) && c->target == LXF_CMD_T_NONE)
			fail_msg("'%s': LXF_CMD_F_EACH without a target kind", c->name);
		for (size_t j = 0; (d = lxf_cmd_nth(j)) != NULL; j++)
			if (j != i && strcmp(c->name, d->name) == 0)
				fail_msg("'%s' is in the table twice", c->name);
	}
	assert_true(n >= 80);
}

static const struct {
	const char *argv[6];
	int status;
	const char *want, *not_want;
} cases[] = {
    /* FORMAT: the dispatcher's -f row and its parse. */
    {{"remote", "list", "--help"}, 0, "-f, --format FORMAT", NULL},
    {{"remote", "list", "-f", "bogus"}, 2, "unknown format 'bogus'", NULL},
    {{"remote", "list", "-f", "csv"},
     0,
     "a (current),unix:///nonexistent/lxf-test/a.sock,lxd",
     NULL},
    /* EACH: every target is tried; the last failure's status... */
    {{"start", "x:c1", "y:c2"}, 1, "remote 'y' not found", NULL},
    {{"stop", "x:c1", "y:c2"}, 1, "remote 'x' not found", NULL},
    /* ...but a usage error stops at once, with the usage line. */
    {{"delete", "a:c1/", "y:c2"}, 2, "Usage: lxf delete", "remote 'y'"},
    {{"start", "--timeout", "abc", "a:c1"}, 2, "bad --timeout 'abc'", NULL},
    /* Targets: a missing name or remote is refused before any request. */
    {{"info", "a:"}, 1, "missing name in 'a:'", NULL},
    {{"rename", "y:c1", "c2"}, 1, "remote 'y' not found", NULL},
    {{"snapshot", "a:c1/s0"}, 2, "'a:c1/s0' is a snapshot, not an instance", NULL},
    {{"query", "a:1.0"}, 1, "query path must start with /", NULL},
    {{"exec", "a:", "--", "true"}, 1, "missing instance name in 'a:'", NULL},
    {{"console", "y:c1"}, 1, "remote 'y' not found", NULL},
};

static void test_dispatch(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *v = cases[i].argv;
		int st = run_lxf(v);

		if (st != cases[i].status || !strstr(outbuf, cases[i].want) ||
		    (cases[i].not_want && strstr(outbuf, cases[i].not_want)))
			fail_msg("lxf %s %s %s: exit %d (want %d), output:\n%s\nwant: %s", v[0],
				 v[1] ? v[1] : "", v[1] && v[2] ? v[2] : "", st, cases[i].status,
				 outbuf, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests(tests, setup_conf, teardown_conf);
}
