/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of copy and move (cli/migrate.c, cmd-move.c,
 * cmd-copy.c) that needs no daemon: modes, the automatic mode choice, the
 * target's create request, option parsing, and every refusal that must
 * come before anything is asked of a remote. The remotes here are unix
 * sockets that do not exist and an HTTPS address nothing listens on, so a
 * refusal that came too late would show as a connection error instead of
 * the expected message.
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

#include "cli_run.h"
#include "cmd.h"
#include "json.h"
#include "migrate-int.h"

static char conf_dir[] = "/tmp/lxf-test-migrate-XXXXXX";

/* The remotes of the command-level tests: a, b (unix, absent), h (HTTPS, closed port). */
static const char config_yml[] =
    "default-remote: a\n"
    "remotes:\n"
    "  a: {addr: 'unix:///nonexistent/lxf-test/a.sock', protocol: lxd}\n"
    "  b: {addr: 'unix:///nonexistent/lxf-test/b.sock', protocol: lxd}\n"
    "  h: {addr: 'https://127.0.0.1:1', protocol: lxd}\n";

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

/* ------------------------------------------------------------ modes */

static void test_mode_parse(void **state)
{
	static const struct {
		const char *s;
		enum lxf_mig_mode want;
	} ok[] = {{"pull", LXF_MIG_PULL}, {"push", LXF_MIG_PUSH}, {"relay", LXF_MIG_RELAY}};
	static const char *const bad[] = {"", "auto", "Pull", "pull ", "relayx", "pus"};
	struct lxf_err err = {0};
	enum lxf_mig_mode m;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		m = LXF_MIG_AUTO;
		assert_int_equal(lxf_mig_mode_parse(ok[i].s, &m, &err), 0);
		assert_int_equal(m, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = LXF_MIG_RELAY;
		assert_int_equal(lxf_mig_mode_parse(bad[i], &m, &err), -LXF_EUSAGE);
		assert_int_equal(m, LXF_MIG_RELAY); /* untouched */
		assert_non_null(strstr(err.msg, "want pull, push or relay"));
	}
	assert_int_equal(lxf_mig_mode_parse("sideways", &m, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "'sideways'"));
}

static void test_mode_pick(void **state)
{
	struct lxf_remote ux = {.name = "u", .addr = "unix:///run/a.sock"},
			  ul = {.name = "l", .addr = "unix://"},
			  h1 = {.name = "h1", .addr = "https://10.0.0.1:8443"},
			  h2 = {.name = "h2", .addr = "https://h2"};
	struct mig_end eu = {.rem = &ux}, el = {.rem = &ul}, e1 = {.rem = &h1}, e2 = {.rem = &h2};
	struct lxf_mig_opts o = {.mode = LXF_MIG_AUTO};

	(void)state;
	/* AUTO: relay as soon as one end is a unix socket, pull between HTTPS ends. */
	assert_int_equal(lxf_mig_mode_pick(&o, &eu, &el), LXF_MIG_RELAY);
	assert_int_equal(lxf_mig_mode_pick(&o, &eu, &e1), LXF_MIG_RELAY);
	assert_int_equal(lxf_mig_mode_pick(&o, &e1, &eu), LXF_MIG_RELAY);
	assert_int_equal(lxf_mig_mode_pick(&o, &e1, &e2), LXF_MIG_PULL);
	assert_int_equal(lxf_mig_mode_pick(&o, &e2, &e1), LXF_MIG_PULL);
	/* An explicit mode is kept as given (refused later if it cannot work). */
	o.mode = LXF_MIG_PUSH;
	assert_int_equal(lxf_mig_mode_pick(&o, &e1, &e2), LXF_MIG_PUSH);
	assert_int_equal(lxf_mig_mode_pick(&o, &eu, &el), LXF_MIG_PUSH);
	o.mode = LXF_MIG_RELAY;
	assert_int_equal(lxf_mig_mode_pick(&o, &e1, &e2), LXF_MIG_RELAY);
}

/* ------------------------------------------------------------ target body */

static const char inst_json[] =
    "{\"name\": \"c1\", \"status\": \"Running\", \"type\": \"container\","
    " \"architecture\": \"x86_64\", \"description\": \"web\", \"ephemeral\": false,"
    " \"created_at\": \"2026-01-01T00:00:00Z\", \"stateful\": false,"
    " \"profiles\": [\"default\", \"web\"],"
    " \"config\": {\"limits.cpu\": \"2\", \"user.a\": \"1\","
    "   \"volatile.base_image\": \"abc\", \"volatile.eth0.hwaddr\": \"00:16:3e:00:00:01\","
    "   \"volatile.idmap.next\": \"[]\"},"
    " \"devices\": {\"root\": {\"type\": \"disk\", \"path\": \"/\", \"pool\": \"default\"}},"
    " \"expanded_config\": {\"x\": \"y\"}, \"snapshots\": null}";

static void test_target_body(void **state)
{
	struct json_object *inst = json_tokener_parse(inst_json), *b = NULL, *cfg, *p;
	struct lxf_mig_opts o = {0};
	struct lxf_err err = {0};

	(void)state;
	assert_non_null(inst);
	assert_int_equal(lxf_mig_target_body(inst, "c2", &o, &b, &err), 0);
	assert_non_null(b);
	assert_string_equal(lxf_json_str(b, "name"), "c2");
	assert_string_equal(lxf_json_str(b, "type"), "container");
	assert_string_equal(lxf_json_str(b, "architecture"), "x86_64");
	assert_string_equal(lxf_json_str(b, "description"), "web");
	assert_non_null(lxf_json_path(b, "ephemeral"));
	assert_string_equal(lxf_json_str(lxf_json_path(b, "devices.root"), "pool"), "default");
	/* Volatile keys are made anew by the target, except the base image. */
	cfg = lxf_json_path(b, "config");
	assert_non_null(cfg);
	assert_string_equal(lxf_json_str(cfg, "limits.cpu"), "2");
	assert_string_equal(lxf_json_str(cfg, "volatile.base_image"), "abc");
	assert_null(lxf_json_path(cfg, "volatile.eth0.hwaddr"));
	assert_false(json_object_object_get_ex(cfg, "volatile.eth0.hwaddr", NULL));
	assert_false(json_object_object_get_ex(cfg, "volatile.idmap.next", NULL));
	/* State and expanded views are not part of a create request. */
	assert_false(json_object_object_get_ex(b, "status", NULL));
	assert_false(json_object_object_get_ex(b, "expanded_config", NULL));
	assert_false(json_object_object_get_ex(b, "created_at", NULL));
	assert_false(json_object_object_get_ex(b, "source", NULL));
	/* The source's profiles without -p. */
	p = lxf_json_path(b, "profiles");
	assert_non_null(p);
	assert_int_equal(json_object_array_length(p), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(p, 1)), "web");
	json_object_put(b);

	/* -c sets and overrides keys (the value may hold '='); -p replaces the profiles. */
	o.config[o.nconfig++] = "user.a=2";
	o.config[o.nconfig++] = "user.eq=x=y";
	o.config[o.nconfig++] = "user.empty=";
	o.profiles[o.nprofiles++] = "p1";
	assert_int_equal(lxf_mig_target_body(inst, "c3", &o, &b, &err), 0);
	cfg = lxf_json_path(b, "config");
	assert_string_equal(lxf_json_str(cfg, "user.a"), "2");
	assert_string_equal(lxf_json_str(cfg, "user.eq"), "x=y");
	assert_string_equal(lxf_json_str(cfg, "user.empty"), "");
	assert_string_equal(lxf_json_str(cfg, "limits.cpu"), "2");
	p = lxf_json_path(b, "profiles");
	assert_int_equal(json_object_array_length(p), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(p, 0)), "p1");
	json_object_put(b);

	/* A -c without KEY= is refused, and nothing is returned. */
	o.config[o.nconfig++] = "novalue";
	b = (struct json_object *)&o; /* must be reset */
	assert_int_equal(lxf_mig_target_body(inst, "c4", &o, &b, &err), -LXF_EUSAGE);
	assert_null(b);
	assert_non_null(strstr(err.msg, "bad config 'novalue': want KEY=VALUE"));
	o.config[o.nconfig - 1] = "=v";
	assert_int_equal(lxf_mig_target_body(inst, "c4", &o, &b, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "bad config '=v'"));
	json_object_put(inst);
}

/* ------------------------------------------------------------ migrate-xfer.c helpers */

static void test_source_request(void **state)
{
	struct lxf_remote ux = {.name = "u", .addr = "unix:///run/a.sock"};
	struct mig_end eu = {.rem = &ux};
	struct mig_xfer x = {.src = &eu, .name = "c 1"};
	struct lxf_err err = {0};
	struct json_object *b;
	char buf[256];

	(void)state;
	/* An instance: its path; the request a plain migration. */
	assert_int_equal(lxf_mig_source_path(&x, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "/1.0/instances/c%201");
	b = lxf_mig_source_body(&x);
	assert_non_null(b);
	assert_true(json_object_get_boolean(lxf_json_path(b, "migration")));
	assert_false(json_object_get_boolean(lxf_json_path(b, "live")));
	assert_false(json_object_get_boolean(lxf_json_path(b, "instance_only")));
	assert_false(json_object_object_get_ex(b, "single_pass", NULL));
	assert_false(json_object_object_get_ex(b, "name", NULL));
	json_object_put(b);

	/* A running move's first pass: one pass; --stateful: live. */
	x.single_pass = true;
	x.live = true;
	b = lxf_mig_source_body(&x);
	assert_true(json_object_get_boolean(lxf_json_path(b, "single_pass")));
	assert_true(json_object_get_boolean(lxf_json_path(b, "live")));
	json_object_put(b);

	/* A snapshot: its own path, and it goes without the other snapshots. */
	x.single_pass = x.live = false;
	x.snap = "s/1";
	assert_int_equal(lxf_mig_source_path(&x, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "/1.0/instances/c%201/snapshots/s%2F1");
	b = lxf_mig_source_body(&x);
	assert_true(json_object_get_boolean(lxf_json_path(b, "instance_only")));
	assert_string_equal(lxf_json_str(b, "name"), "s/1");
	json_object_put(b);
	/* Too long for the buffer: an error, not a cut path. */
	assert_int_equal(lxf_mig_source_path(&x, buf, 20, &err), -LXF_EINVAL);
}

static void test_op_urls(void **state)
{
	struct lxf_remote ux = {.name = "u", .addr = "unix:///run/a.sock"},
			  h = {.name = "h", .addr = "https://10.0.0.1:8443"},
			  hs = {.name = "hs", .addr = "https://10.0.0.2:8443//"};
	struct mig_end eu = {.rem = &ux}, eh = {.rem = &h}, ehs = {.rem = &hs};
	struct lxf_err err = {0};
	char buf[128];

	(void)state;
	assert_int_equal(lxf_mig_op_full_url(&eh, "/1.0/operations/ab", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "https://10.0.0.1:8443/1.0/operations/ab");
	/* Trailing slashes of the remote's address are not doubled. */
	assert_int_equal(lxf_mig_op_full_url(&ehs, "/1.0/operations/ab", buf, sizeof(buf), &err),
			 0);
	assert_string_equal(buf, "https://10.0.0.2:8443/1.0/operations/ab");
	assert_int_equal(lxf_mig_op_full_url(&eu, "/1.0/operations/ab", buf, sizeof(buf), &err),
			 -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "remote 'u' is a unix socket"));
	assert_int_equal(lxf_mig_op_full_url(&eh, "/1.0/operations/ab", buf, 20, &err),
			 -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "too long"));

	/* The secret is escaped into the query. */
	assert_int_equal(lxf_mig_ws_path(buf, sizeof(buf), "/1.0/operations/ab", "a+b&c=d", &err),
			 0);
	assert_string_equal(buf, "/1.0/operations/ab/websocket?secret=a%2Bb%26c%3Dd");
	assert_int_equal(lxf_mig_ws_path(buf, 24, "/1.0/operations/ab", "abcdef", &err),
			 -LXF_EINVAL);
}

static void test_progress_text(void **state)
{
	static const struct {
		const char *op;
		const char *want; /* NULL: no progress */
	} cases[] = {
	    {"{\"metadata\": {\"fs_progress\": \"rootfs: 12MB (3MB/s)\"}}", "rootfs: 12MB (3MB/s)"},
	    {"{\"metadata\": {\"create_instance_from_image_unpack_progress\": \"Unpack: 50%\"}}",
	     "Unpack: 50%"},
	    {"{\"metadata\": {\"control\": \"x\", \"progress\": \"p\"}}", "p"},
	    {"{\"metadata\": {\"fs_progress\": 12}}", NULL},     /* not a string */
	    {"{\"metadata\": {\"progressive\": \"no\"}}", NULL}, /* not "*progress" */
	    {"{\"metadata\": {\"rogress\": \"no\"}}", NULL},
	    {"{\"metadata\": null}", NULL},
	    {"{\"metadata\": \"fs_progress\"}", NULL},
	    {"{}", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *op = json_tokener_parse(cases[i].op);
		const char *got;

		assert_non_null(op);
		got = lxf_mig_progress_text(op);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		json_object_put(op);
	}
	assert_null(lxf_mig_progress_text(NULL));
}

/* ------------------------------------------------------------ options */

static void args_add(struct lxf_cmd_args *a, int val, const char *arg)
{
	a->opts[a->nopts].val = val;
	a->opts[a->nopts].arg = arg;
	a->nopts++;
}

static void test_opts_from_args(void **state)
{
	struct lxf_cmd_args a = {0};
	struct lxf_cmd_ctx ctx = {.err = tmpfile()};
	struct lxf_mig_opts o;
	struct lxf_err err = {0};

	(void)state;
	assert_non_null(ctx.err);
	args_add(&a, 'c', "user.a=1");
	args_add(&a, 'p', "p1");
	args_add(&a, 'c', "user.b=2");
	args_add(&a, 'p', "p2");
	args_add(&a, LXF_MIG_OPT_MODE, "push");
	args_add(&a, LXF_MIG_OPT_INSTANCE_ONLY, NULL);
	args_add(&a, LXF_MIG_OPT_REFRESH, NULL);
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), 0);
	assert_int_equal(o.nconfig, 2);
	assert_string_equal(o.config[0], "user.a=1");
	assert_string_equal(o.config[1], "user.b=2");
	assert_int_equal(o.nprofiles, 2);
	assert_string_equal(o.profiles[1], "p2");
	assert_int_equal(o.mode, LXF_MIG_PUSH);
	assert_true(o.instance_only);
	assert_true(o.refresh);
	assert_false(o.stateful);
	assert_false(o.stateless);
	/* Messages go to ctx->err; no progress line on a file that is not a terminal. */
	assert_ptr_equal(o.msg, ctx.err);
	assert_false(o.progress_tty);

	/* The last --mode wins; nothing given: AUTO, no flags. */
	args_add(&a, LXF_MIG_OPT_MODE, "relay");
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), 0);
	assert_int_equal(o.mode, LXF_MIG_RELAY);
	memset(&a, 0, sizeof(a));
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), 0);
	assert_int_equal(o.mode, LXF_MIG_AUTO);
	assert_false(o.refresh || o.instance_only || o.stateful || o.stateless);
	assert_int_equal(o.nconfig + o.nprofiles, 0);

	/* -q: no messages at all. */
	ctx.quiet = true;
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), 0);
	assert_null(o.msg);
	assert_false(o.progress_tty);
	ctx.quiet = false;

	/* Refusals. */
	args_add(&a, LXF_MIG_OPT_MODE, "both");
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "unknown mode 'both'"));
	memset(&a, 0, sizeof(a));
	args_add(&a, LXF_MIG_OPT_STATELESS, NULL);
	args_add(&a, LXF_MIG_OPT_STATEFUL, NULL);
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "--stateless and --stateful exclude each other"));
	memset(&a, 0, sizeof(a));
	for (int i = 0; i <= LXF_MIG_KV_MAX; i++)
		args_add(&a, 'p', "p");
	assert_int_equal(lxf_mig_opts_from_args(&ctx, &a, &o, &err), -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "at most 32 -p options"));
	(void)fclose(ctx.err);
}

/* ------------------------------------------------------------ refusals before any request */

static void test_migrate_refusals(void **state)
{
	struct lxf_remotes *r = NULL;
	struct lxf_mig_opts o = {0};
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_remotes_load(conf_dir, &r, &err), 0);

	/* --stateful without a working `criu check` (none on PATH here). */
	o.stateful = true;
	assert_int_equal(lxf_migrate_move(r, "a", "c1", "b", "c1", &o, &err), -LXF_ENOTSUP);
	assert_non_null(strstr(err.msg, "stateful migration needs CRIU"));
	assert_non_null(strstr(err.msg, "move stateless"));
	assert_int_equal(lxf_migrate_copy(r, "a", "c1", NULL, "b", "c1", &o, &err), -LXF_ENOTSUP);
	o.stateful = false;

	/* Pull and push need both daemons on HTTPS: the unix end is named. */
	o.mode = LXF_MIG_PULL;
	assert_int_equal(lxf_migrate_move(r, "a", "c1", "b", "c1", &o, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "remote 'a' is a unix socket"));
	assert_non_null(strstr(err.msg, "use --mode relay"));
	o.mode = LXF_MIG_PUSH;
	assert_int_equal(lxf_migrate_copy(r, "h", "c1", NULL, "b", "c1", &o, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "remote 'b' is a unix socket"));
	assert_int_equal(lxf_migrate_move(r, "b", "c1", "h", "c1", &o, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "remote 'b' is a unix socket"));

	/* Unknown remotes, either end. */
	o.mode = LXF_MIG_AUTO;
	assert_int_equal(lxf_migrate_move(r, "zz", "c1", "b", "c1", &o, &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "remote 'zz' not found"));
	assert_int_equal(lxf_migrate_copy(r, "a", "c1", NULL, "yy", "c1", &o, &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "remote 'yy' not found"));

	/* AUTO between unix remotes relays: the first request goes to the source, which is absent. */
	assert_int_not_equal(lxf_migrate_move(r, "a", "c1", "b", "c1", &o, &err), 0);
	assert_non_null(strstr(err.msg, "remote 'a'"));
	lxf_remotes_free(r);
}

/* ------------------------------------------------------------ lxf move / lxf copy */

/* Runs "lxf ARGS..." (NULL-ended) in this process; its stderr is kept in errbuf. */
static char errbuf[4096];

static int run_lxf(const char *first, ...)
{
	const char *argv[16];
	size_t n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return cli_run(errbuf, sizeof(errbuf), false, argv);
}

/* Each refused line: exit status and the part of the message that says why. */
static const struct {
	const char *argv[6];
	int status;
	const char *msg;
} cmd_cases[] = {
    /* move: names and remotes */
    {{"move", "a:c1", "a:"}, 2, "'c1' is already on remote 'a'"},
    {{"move", "c1", "a:"}, 2, "'c1' is already on remote 'a'"}, /* default remote is a */
    {{"move", "a:", "b:"}, 2, "no instance named in 'a:'"},
    {{"move", "a:c1/s1", "b:"}, 2, "snapshots move with their instance, not alone: 'a:c1/s1'"},
    {{"move", "a:c1", "b:c2/s2"}, 2, "snapshots move with their instance, not alone: 'b:c2/s2'"},
    {{"move", "a:c1", "a:c2/s2"}, 2, "an instance cannot become a snapshot: 'a:c2/s2'"},
    {{"move", "a:c1/s1", "a:c2/s2"}, 2, "a snapshot stays with its instance: 'a:c2/s2'"},
    {{"move", "a:x", "a:y", "b:z"}, 2, "with several sources the destination is a remote only"},
    {{"move", "a:c1/", "b:"}, 2, "'c1/': want INSTANCE/SNAPSHOT"},
    {{"move", "zz:c1", "b:"}, 1, "remote 'zz' not found"},
    /* move: options */
    {{"move", "--refresh", "a:c1", "b:"}, 2, "unknown flag '--refresh'"},
    {{"move", "--stateless", "--stateful", "a:c1", "b:"}, 2, "exclude each other"},
    {{"move", "--mode", "sideways", "a:c1", "b:"}, 2, "unknown mode 'sideways'"},
    {{"move", "--stateful", "a:c1", "b:"}, 1, "stateful migration needs CRIU"},
    {{"move", "--mode", "pull", "a:c1", "b:"}, 1, "remote 'a' is a unix socket"},
    {{"move", "a:c1"}, 2, "Usage: lxf move"},
    /* copy */
    {{"copy", "a:c1", "a:"}, 2, "a copy on the same remote needs a new name: 'a:'"},
    {{"copy", "a:c1/s1", "a:c2"}, 2, "needs an instance, not a snapshot: 'a:c2'"},
    {{"copy", "a:c1", "b:c2/s"}, 2, "the destination 'b:c2/s' must be an instance name"},
    {{"copy", "a:x", "a:y", "b:z"}, 2, "a remote only (\"REMOTE:\") with several sources"},
    {{"copy", "a:/s1", "b:"}, 2, "'a:/s1' does not name an instance"},
    {{"copy", "a:c1/s1/x", "b:"}, 2, "'a:c1/s1/x' does not name an instance"},
    {{"copy", "a:", "b:"}, 2, "'a:' does not name an instance"},
    {{"copy", "--stateful", "a:c1", "b:"}, 2, "unknown flag '--stateful'"}, /* copy: none */
    {{"copy", "--mode", "PULL", "a:c1", "b:"}, 2, "unknown mode 'PULL'"},
    {{"copy", "--mode", "push", "h:c1", "b:"}, 1, "remote 'b' is a unix socket"},
    /* image copy */
    {{"image", "copy", "a:busybox", "a:"}, 2, "the image is already on remote 'a'"},
    {{"image", "copy", "busybox", "a:"}, 2, "the image is already on remote 'a'"},
    {{"image", "copy", "a:busybox", "b:x"},
     2,
     "want [REMOTE:]IMAGE REMOTE:, got 'a:busybox' 'b:x'"},
    {{"image", "copy", "a:", "b:"}, 2, "want [REMOTE:]IMAGE REMOTE:"},
    {{"image", "copy", "a:busybox"}, 2, "Usage: lxf image copy"},
    {{"image", "copy", "a:busybox", "zz:"}, 1, "remote 'zz' not found"},
};

static void test_cmd_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cmd_cases) / sizeof(cmd_cases[0]); i++) {
		const char *const *v = cmd_cases[i].argv;
		int st = run_lxf(v[0], v[1], v[2], v[3], v[4], v[5], (const char *)NULL);

		if (st != cmd_cases[i].status || !strstr(errbuf, cmd_cases[i].msg))
			fail_msg("lxf %s %s %s %s: exit %d (want %d), stderr:\n%s\nwant: %s", v[0],
				 v[1], v[2], v[3] ? v[3] : "", st, cmd_cases[i].status, errbuf,
				 cmd_cases[i].msg);
	}
}

/*
 * What passes the checks is tried for real: a relay from a unix remote that
 * is absent fails on the source (exit 1), naming it, never as a usage error.
 */
static void test_cmd_reaches_source(void **state)
{
	static const char *const lines[][4] = {
	    {"move", "a:c1", "b:"},       {"move", "a:c1", "b:c9"},
	    {"copy", "a:c1/s1", "b:c9"},  {"copy", "--refresh", "a:c1", "b:"},
	    {"move", "a:x", "a:y", "b:"}, {"image", "copy", "a:busybox", "b:"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int st =
		    run_lxf(lines[i][0], lines[i][1], lines[i][2], lines[i][3], (const char *)NULL);

		if (st != 1 || !strstr(errbuf, "remote 'a'"))
			fail_msg("lxf %s %s %s: exit %d, stderr:\n%s", lines[i][0], lines[i][1],
				 lines[i][2], st, errbuf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mode_parse),     cmocka_unit_test(test_mode_pick),
	    cmocka_unit_test(test_target_body),    cmocka_unit_test(test_source_request),
	    cmocka_unit_test(test_op_urls),        cmocka_unit_test(test_progress_text),
	    cmocka_unit_test(test_opts_from_args), cmocka_unit_test(test_migrate_refusals),
	    cmocka_unit_test(test_cmd_refusals),   cmocka_unit_test(test_cmd_reaches_source),
	};

	return cmocka_run_group_tests(tests, setup_conf, teardown_conf);
}
