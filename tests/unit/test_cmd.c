/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command table and its dispatcher (cli/cmd.c, cmds.def): every entry
 * is well formed for what it asks of the dispatcher, and the dispatcher's
 * own work (option checks, target resolution, the per-target loop,
 * -f FORMAT, the error to exit status mapping) shows in what lxf prints
 * and returns. The remotes are unix sockets that do not exist: nothing
 * here needs a daemon.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli_run.h"
#include "cmd.h"

static char conf_dir[] = "/tmp/lxf-test-cmd-XXXXXX";

static const char config_yml[] =
    "default-remote: a\n"
    "remotes:\n"
    "  a: {addr: 'unix:///nonexistent/lxf-test/a.sock', protocol: lxd}\n";

static int setup_conf(void **state)
{
	(void)state;
	return cli_conf_setup(conf_dir, config_yml);
}

static int teardown_conf(void **state)
{
	(void)state;
	return cli_conf_teardown(conf_dir);
}

/* What the last run wrote to stdout and stderr. */
static char outbuf[8192];

/* Every entry: the fields the help and the dispatcher rely on, and a unique name. */
static void test_table(void **state)
{
	const struct lxf_cmd *c, *d;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; (c = lxf_cmd_nth(i)) != NULL; i++, n++) {
		assert_non_null(c->name);
		if (!c->usage || !c->summary || !c->exec)
			fail_msg("'%s': usage, summary and exec are required", c->name);
		/* A target is resolved from an argument that must be there. */
		if ((c->target == LXF_CMD_T_INSTANCE || c->target == LXF_CMD_T_SNAPSHOT ||
		     (c->flags & LXF_CMD_F_EACH)) &&
		    c->min_args < 1)
			fail_msg("'%s': its target needs min_args >= 1", c->name);
		if ((c->flags & LXF_CMD_F_NOCONFIG) && c->target != LXF_CMD_T_NONE)
			fail_msg("'%s': a target needs the config (LXF_CMD_F_NOCONFIG)", c->name);
		if ((c->flags & LXF_CMD_F_EACH) && c->target == LXF_CMD_T_NONE)
			fail_msg("'%s': LXF_CMD_F_EACH without a target kind", c->name);
		for (size_t j = 0; (d = lxf_cmd_nth(j)) != NULL; j++)
			if (j != i && d->name && strcmp(c->name, d->name) == 0)
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
    /* check: options are refused before any target is resolved. */
    {{"start", "--timeout", "abc", "x:c1"}, 2, "bad --timeout 'abc'", NULL},
    {{"snapshot", "x:c1", "bad/name"}, 2, "bad snapshot name 'bad/name'", NULL},
    {{"query", "-X", "BOGUS", "x:/1.0"}, 2, "unknown method 'BOGUS'", NULL},
    /* Targets: a missing name or remote is refused before any request. */
    {{"info", "a:"}, 2, "missing instance name in 'a:'", NULL},
    {{"rename", "y:c1", "c2"}, 1, "remote 'y' not found", NULL},
    {{"snapshot", "a:c1/s0"}, 2, "'a:c1/s0' is a snapshot, not an instance", NULL},
    {{"query", "a:1.0"}, 1, "query path must start with /", NULL},
    {{"exec", "a:", "--", "true"}, 1, "missing instance name in 'a:'", NULL},
    {{"console", "y:c1"}, 1, "remote 'y' not found", NULL},
    /* Help: a group's --help lists its subcommands (exit 0); alone it is a usage error. */
    {{"image", "--help"}, 0, "image alias create", "Error"},
    {{"config", "device", "-h"}, 0, "config device add", "Error"},
    {{"file"}, 2, "missing subcommand after 'file'", NULL},
    {{"file"}, 2, "file push", NULL},
    {{NULL}, 2, "Run 'lxf --help' for the commands", "Commands:"},
    {{"--bogus", "list"}, 2, "unknown flag '--bogus'", NULL},
    /* Did you mean: commands, subcommands, flags, remotes. */
    {{"lsit"}, 2, "Did you mean: list\n", NULL},
    {{"imgae"}, 2, "Did you mean: image\n", NULL},
    {{"image", "lsit"}, 2, "Did you mean: image list\n", NULL},
    {{"xyzzy"}, 2, "unknown command 'xyzzy'", "Did you mean"},
    {{"delete", "--forse", "a:c1"}, 2, "Did you mean: --force\n", NULL},
    {{"list", "--fats"}, 2, "Did you mean: --fast\n", NULL},
    {{"info", "b:c1"}, 1, "remote 'b' not found: did you mean 'a'? (remotes: local, a)", NULL},
    {{"info", "zz:c1"}, 1, "remote 'zz' not found (remotes: local, a)", "did you mean"},
    /* list --fast names its columns; -c with it is a usage error, before any request. */
    {{"list", "--fast", "-c", "n"}, 2, "--fast and -c do not go together", NULL},
    {{"list", "--help"}, 0, "ipv4=", NULL},
    /* info: --resources is about a server, --show-log about an instance. */
    {{"info", "a:c1", "--resources"}, 2, "--resources shows a server", NULL},
    /* User aliases: kept in config.yml, expanded before dispatch. */
    {{"alias", "add", "rl", "remote list -f csv"}, 0, "", "Error"},
    {{"rl"}, 0, "a (current),unix:///nonexistent/lxf-test/a.sock,lxd", NULL},
    {{"alias", "add", "gd", "remote @ARG1@"}, 0, "", "Error"},
    {{"gd", "get-default"}, 0, "a\n", NULL},
    {{"gd"}, 2, "alias 'gd' needs at least 1 argument", NULL},
    {{"alias", "add", "list", "remote list"}, 2, "would hide the built-in command 'list'", NULL},
    {{"alias", "add", "rl", "version"}, 2, "alias 'rl' exists", NULL},
    {{"alias", "add", "l1", "l2"}, 0, "", "Error"},
    {{"alias", "add", "l2", "l1 x"}, 0, "", "Error"},
    {{"l1"}, 2, "expands in a loop", NULL},
    {{"alias", "rename", "rl", "rl2"}, 0, "", "Error"},
    {{"alias", "list", "-f", "csv"}, 0, "rl2,remote list -f csv", "rl,"},
    {{"alias", "remove", "rl2"}, 0, "", "Error"},
    {{"rl2"}, 2, "unknown command 'rl2'", NULL},
    {{"alias", "remove", "rl2"}, 1, "alias 'rl2' not found", NULL},
    /* The remotes survive alias edits. */
    {{"remote", "get-default"}, 0, "a\n", NULL},
};

/* lxf_alias_expand alone: placement of the arguments, the longest name first. */
static void test_alias_expand(void **state)
{
	struct json_object *al = json_tokener_parse(
	    "{\"ll\": \"list -c n\", \"e\": \"exec @ARG1@ -- sh -c @ARG2@\","
	    " \"s\": \"exec @ARGS@ -- su -l\", \"img x\": \"image list\", \"img\": \"version\"}");
	char *in1[] = {"ll", "h1:", "web"};
	char *in2[] = {"e", "h1:c1", "uptime", "extra"};
	char *in3[] = {"s", "h1:c1"};
	char *in4[] = {"img", "x", "h2:"};
	char *in5[] = {"e"};
	char *in6[] = {"list"};
	struct lxf_err err = {0};
	char **v = NULL;
	int n = 0;

	(void)state;
	assert_non_null(al);
	assert_int_equal(lxf_alias_expand(al, 3, in1, &n, &v, &err), 1);
	assert_int_equal(n, 5);
	assert_string_equal(v[2], "n");
	assert_string_equal(v[4], "web");
	lxf_alias_argv_free(n, v);
	/* @ARGn@ places its argument; the unused ones are not appended. */
	assert_int_equal(lxf_alias_expand(al, 4, in2, &n, &v, &err), 1);
	assert_int_equal(n, 6);
	assert_string_equal(v[1], "h1:c1");
	assert_string_equal(v[5], "uptime");
	lxf_alias_argv_free(n, v);
	assert_int_equal(lxf_alias_expand(al, 2, in3, &n, &v, &err), 1);
	assert_int_equal(n, 5);
	assert_string_equal(v[1], "h1:c1");
	assert_string_equal(v[4], "-l");
	lxf_alias_argv_free(n, v);
	/* "img x" is longer than "img". */
	assert_int_equal(lxf_alias_expand(al, 3, in4, &n, &v, &err), 1);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "image");
	assert_string_equal(v[2], "h2:");
	lxf_alias_argv_free(n, v);
	assert_int_equal(lxf_alias_expand(al, 1, in5, &n, &v, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "needs at least 1 argument"));
	assert_null(v);
	assert_int_equal(lxf_alias_expand(al, 1, in6, &n, &v, &err), 0);
	assert_int_equal(lxf_alias_expand(NULL, 1, in6, &n, &v, &err), 0);
	json_object_put(al);
}

static void test_dispatch(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *v = cases[i].argv;
		int st = cli_run(outbuf, sizeof(outbuf), true, v);

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
	    cmocka_unit_test(test_alias_expand),
	};

	return cmocka_run_group_tests(tests, setup_conf, teardown_conf);
}
