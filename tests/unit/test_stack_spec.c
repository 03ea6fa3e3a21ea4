/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/apply/spec*.c and expand.c: lxf.yaml into the model, ranges, ${VAR}
 * substitution, and every class of error with its exact
 * FILE:LINE:COLUMN message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "remotes.h"
#include "spec.h"

/* config.yml's remotes: h1 (the default) and h2. */
static struct lxf_remotes *known_new(void)
{
	struct lxf_remotes *r = calloc(1, sizeof(*r));
	struct lxf_err err = {0};

	assert_non_null(r);
	assert_int_equal(lxf_remotes_add(r, "local", "unix://", &err), 0);
	assert_int_equal(lxf_remotes_add(r, "h1", "https://10.0.0.1:8443", &err), 0);
	assert_int_equal(lxf_remotes_add(r, "h2", "https://10.0.0.2:8443", &err), 0);
	r->default_remote = strdup("h1");
	assert_non_null(r->default_remote);
	return r;
}

static struct lxf_apply_spec *parse_ok(const char *text)
{
	struct lxf_remotes *known = known_new();
	struct lxf_apply_diags d;
	struct lxf_apply_spec *s = NULL;
	struct lxf_err err = {0};

	if (lxf_apply_spec_parse("f.yaml", text, strlen(text), known, &s, &d, &err) != 0)
		fail_msg("parse failed: %s", err.msg);
	assert_int_equal(d.n, 0);
	lxf_remotes_free(known);
	return s;
}

/* The parse fails and its first message is want (the full line). */
static void parse_bad(const char *text, const char *want)
{
	struct lxf_remotes *known = known_new();
	struct lxf_apply_spec *s = (struct lxf_apply_spec *)&s;
	struct lxf_apply_diags d;
	struct lxf_err err = {0};

	assert_int_equal(lxf_apply_spec_parse("f.yaml", text, strlen(text), known, &s, &d, &err),
			 -LXF_EINVAL);
	assert_null(s);
	assert_true(d.n >= 1);
	if (strcmp(d.v[0], want) != 0)
		fail_msg("for:\n%s\nwant: %s\ngot:  %s", text, want, d.v[0]);
	assert_string_equal(err.msg, want);
	lxf_apply_diags_fini(&d);
	lxf_remotes_free(known);
}

static const char good[] =
    "version: 1\n"
    "name: web-stack\n"
    "remotes:\n"
    "  h4: {url: \"https://h4.example.net:8443\", token: \"${APPLY_T_TOKEN}\"}\n"
    "profiles:\n"
    "  small:\n"
    "    config: {limits.cpu: \"1\", limits.memory: 128MiB}\n"
    "    devices: {eth0: {type: nic, network: lxfbr0, name: eth0}}\n"
    "defaults:\n"
    "  image: busybox\n"
    "  profiles: [default, small]\n"
    "  state: running\n"
    "instances:\n"
    "  - name: web-{1..3}\n"
    "    remotes: [h1, h2, h4]\n"
    "    config: {environment.ROLE: web, limits.cpu: 2}\n"
    "    devices: {data: {type: disk, source: /srv/web, path: /srv}}\n"
    "    files:\n"
    "      - {path: /etc/motd, content: \"hello\\n\", mode: \"0600\", uid: 1, gid: 2}\n"
    "      - {path: /etc/x, content: \"$${NOT} ${APPLY_T_TOKEN}\"}\n"
    "    run: [\"/bin/sh\", \"-c\", \"echo provisioned\"]\n"
    "  - {name: db, remote: h2, state: stopped, profiles: [], image: \"h4:alpine\"}\n"
    "  - name: db-{08..10}\n";

static void test_parse_good(void **state)
{
	const struct lxf_apply_instance *in;
	struct lxf_apply_spec *s;

	(void)state;
	assert_int_equal(setenv("APPLY_T_TOKEN", "tok3n", 1), 0);
	s = parse_ok(good);
	assert_int_equal(s->version, 1);
	assert_string_equal(s->name, "web-stack");
	assert_int_equal(s->nremotes, 1);
	assert_string_equal(s->remotes[0].name, "h4");
	assert_string_equal(s->remotes[0].url, "https://h4.example.net:8443");
	assert_string_equal(s->remotes[0].token, "tok3n");
	assert_int_equal(s->remotes[0].pos.line, 4);
	assert_int_equal(s->nprofiles, 1);
	assert_string_equal(
	    json_object_to_json_string_ext(s->profiles[0].obj, JSON_C_TO_STRING_PLAIN),
	    "{\"config\":{\"limits.cpu\":\"1\",\"limits.memory\":\"128MiB\"},"
	    "\"devices\":{\"eth0\":{\"type\":\"nic\",\"network\":\"lxfbr0\","
	    "\"name\":\"eth0\"}}}");
	assert_int_equal(s->ninstances, 7);
	in = &s->instances[1];
	assert_string_equal(in->name, "web-2");
	assert_int_equal(in->nremotes, 3);
	assert_string_equal(in->remotes[2], "h4");
	assert_string_equal(in->image, "busybox");
	assert_true(in->has_profiles);
	assert_int_equal(in->nprofiles, 2);
	assert_string_equal(in->profiles[1], "small");
	assert_int_equal(in->state, LXF_APPLY_STATE_RUNNING);
	/* A plain 2 is taken as its text, as LXD's YAML does. */
	assert_string_equal(json_object_to_json_string_ext(in->config, JSON_C_TO_STRING_PLAIN),
			    "{\"environment.ROLE\":\"web\",\"limits.cpu\":\"2\"}");
	assert_string_equal(json_object_get_string(json_object_object_get(
				json_object_object_get(in->devices, "data"), "source")),
			    "/srv/web");
	assert_int_equal(in->nfiles, 2);
	assert_string_equal(in->files[0].content, "hello\n");
	assert_int_equal(in->files[0].mode, 0600);
	assert_int_equal(in->files[0].uid, 1);
	assert_int_equal(in->files[0].gid, 2);
	assert_int_equal(in->files[1].mode, 0644);
	assert_string_equal(in->files[1].content, "${NOT} tok3n");
	assert_int_equal(in->nrun, 3);
	assert_string_equal(in->run[2], "echo provisioned");
	assert_null(in->run[3]);
	assert_int_equal(in->pos.line, 14);
	assert_int_equal(in->pos.col, 11);

	in = lxf_apply_spec_find(s, "db");
	assert_non_null(in);
	assert_int_equal(in->nremotes, 1);
	assert_string_equal(in->remotes[0], "h2");
	assert_int_equal(in->state, LXF_APPLY_STATE_STOPPED);
	assert_true(in->has_profiles);
	assert_int_equal(in->nprofiles, 0);
	assert_string_equal(in->image, "h4:alpine");

	/* No remote given: config.yml's default remote. */
	in = lxf_apply_spec_find(s, "db-09");
	assert_non_null(in);
	assert_string_equal(in->remotes[0], "h1");
	assert_non_null(lxf_apply_spec_find(s, "db-10"));
	assert_null(lxf_apply_spec_find(s, "db-9"));
	assert_int_equal(json_object_object_length(in->config), 0);
	assert_int_equal(in->nfiles, 0);
	assert_null(in->run);
	lxf_apply_spec_free(s);
}

static void test_parse_minimal(void **state)
{
	struct lxf_apply_spec *s;

	(void)state;
	s = parse_ok("version: 1\nname: empty\n");
	assert_int_equal(s->ninstances, 0);
	lxf_apply_spec_free(s);
	s = parse_ok("version: 1\nname: one\ninstances:\n- {name: c1, image: busybox}\n");
	assert_int_equal(s->ninstances, 1);
	assert_false(s->instances[0].has_profiles);
	assert_null(s->instances[0].profiles);
	assert_int_equal(s->instances[0].state, LXF_APPLY_STATE_RUNNING);
	lxf_apply_spec_free(s);
}

static void range_ok(const char *name, size_t n, const char *first, const char *last)
{
	struct lxf_err err = {0};
	char **v = NULL;
	size_t cnt = 0;

	if (lxf_apply_expand_range(name, &v, &cnt, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(cnt, n);
	assert_string_equal(v[0], first);
	assert_string_equal(v[cnt - 1], last);
	for (size_t i = 0; i < cnt; i++)
		free(v[i]);
	free(v);
}

static void range_bad(const char *name, const char *want)
{
	struct lxf_err err = {0};
	char **v = (char **)&v;
	size_t cnt = 7;

	assert_int_equal(lxf_apply_expand_range(name, &v, &cnt, &err), -LXF_EINVAL);
	assert_null(v);
	assert_int_equal(cnt, 0);
	assert_string_equal(err.msg, want);
}

static void test_ranges(void **state)
{
	(void)state;
	range_ok("web", 1, "web", "web");
	range_ok("web-{1..6}", 6, "web-1", "web-6");
	range_ok("db-{01..12}", 12, "db-01", "db-12");
	range_ok("{8..10}-x", 3, "8-x", "10-x");
	range_ok("a{0..9}b", 10, "a0b", "a9b");
	range_ok("n-{001..100}", 100, "n-001", "n-100");
	range_ok("one-{5..5}", 1, "one-5", "one-5");
	range_ok("big-{1..1000}", 1000, "big-1", "big-1000");
	range_bad("web-{6..1}", "bad range in 'web-{6..1}': 6 is greater than 1");
	range_bad("web-{1..1001}",
		  "bad range in 'web-{1..1001}': 1001 names, at most 1000 in one range");
	range_bad("web-{a..c}",
		  "bad range in 'web-{a..c}': A and B of {A..B} must be numbers of at most 6 "
		  "digits");
	range_bad("web-{1..}", "bad range in 'web-{1..}': A and B of {A..B} must be numbers of "
			       "at most 6 digits");
	range_bad("web-{1234567..1234568}",
		  "bad range in 'web-{1234567..1234568}': A and B of {A..B} must be numbers of "
		  "at most 6 digits");
	range_bad("db-{01..9}",
		  "bad range in 'db-{01..9}': zero-padded ends must have the same width");
	range_bad("db-{1..012}",
		  "bad range in 'db-{1..012}': zero-padded ends must have the same width");
	range_bad("web-{1-3}", "bad range in 'web-{1-3}': want {A..B}");
	range_bad("web-{1..3", "bad range in 'web-{1..3': unbalanced braces");
	range_bad("web-1..3}", "bad range in 'web-1..3}': unbalanced braces");
	range_bad("a-}{", "bad range in 'a-}{': unbalanced braces");
	range_bad("a{1..2}b{1..2}", "bad range in 'a{1..2}b{1..2}': only one {A..B} per name");
}

static void subst_ok(const char *in, const char *want)
{
	struct lxf_err err = {0};
	char *out = NULL;
	size_t len = 0;

	if (lxf_apply_subst(in, strlen(in), &out, &len, &err) != 0)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(out);
}

static void subst_bad(const char *in, const char *want)
{
	struct lxf_err err = {0};
	char *out = (char *)&out;
	size_t len = 3;

	assert_int_not_equal(lxf_apply_subst(in, strlen(in), &out, &len, &err), 0);
	assert_null(out);
	assert_string_equal(err.msg, want);
}

static void test_subst(void **state)
{
	(void)state;
	assert_int_equal(setenv("APPLY_T_A", "alpha", 1), 0);
	assert_int_equal(setenv("APPLY_T_EMPTY", "", 1), 0);
	assert_int_equal(unsetenv("APPLY_T_UNSET"), 0);
	subst_ok("plain", "plain");
	subst_ok("", "");
	subst_ok("${APPLY_T_A}", "alpha");
	subst_ok("x-${APPLY_T_A}-${APPLY_T_A}", "x-alpha-alpha");
	subst_ok("[${APPLY_T_EMPTY}]", "[]");
	subst_ok("$$", "$");
	subst_ok("$${APPLY_T_A}", "${APPLY_T_A}");
	subst_ok("cost $5 and $HOME and $", "cost $5 and $HOME and $");
	subst_bad("${APPLY_T_UNSET}", "variable 'APPLY_T_UNSET' is not set");
	subst_bad("a ${APPLY_T_A", "'${' without its '}'");
	subst_bad("${}", "bad variable name in '${}'");
	subst_bad("${1X}", "bad variable name in '${1X}'");
	subst_bad("${A-B}", "bad variable name in '${A-B}'");
}

static void test_instance_names(void **state)
{
	struct lxf_err err = {0};

	(void)state;
	assert_int_equal(lxf_apply_check_instance_name("web-1", &err), 0);
	assert_int_equal(lxf_apply_check_instance_name("a", &err), 0);
	assert_int_equal(lxf_apply_check_instance_name("1web", &err), -LXF_EINVAL);
	assert_int_equal(lxf_apply_check_instance_name("-web", &err), -LXF_EINVAL);
	assert_int_equal(lxf_apply_check_instance_name("web-", &err), -LXF_EINVAL);
	assert_int_equal(lxf_apply_check_instance_name("we_b", &err), -LXF_EINVAL);
	assert_int_equal(lxf_apply_check_instance_name("", &err), -LXF_EINVAL);
	assert_int_equal(lxf_apply_check_instance_name("a23456789012345678901234567890123456789"
						       "0123456789012345678901234",
						       &err),
			 -LXF_EINVAL);
}

#define HEAD "version: 1\nname: s\n"
#define INST HEAD "defaults: {image: busybox}\ninstances:\n"

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(unsetenv("APPLY_T_UNSET"), 0);
	/* YAML syntax */
	parse_bad("version: 1\nname: [a\n",
		  "f.yaml:3:1: YAML: did not find expected ',' or ']' while parsing a flow "
		  "sequence");
	parse_bad("a: &x 1\nb: *x\n", "f.yaml:1:4: YAML anchors are not allowed");
	parse_bad("---\nversion: 1\n---\nname: x\n", "f.yaml:3:1: only one document allowed");
	parse_bad("", "f.yaml:1:1: the file is empty");
	parse_bad("- 1\n", "f.yaml:1:1: the file must be a mapping, not a list");
	parse_bad("version: 1\nname: s\nname: t\n",
		  "f.yaml:3:1: duplicate key 'name' in the file (first at 2:1)");
	/* unknown keys */
	parse_bad(HEAD "instnces: []\n",
		  "f.yaml:3:1: unknown key 'instnces' in the file (known: version, name, "
		  "remotes, profiles, defaults, instances)");
	parse_bad(INST "  - {name: a, imgae: x}\n",
		  "f.yaml:5:15: unknown key 'imgae' in an instance (known: name, remote, "
		  "remotes, image, profiles, state, config, devices, files, run)");
	parse_bad(INST "  - name: a\n    files: [{path: /a, content: x, owner: 1}]\n",
		  "f.yaml:6:36: unknown key 'owner' in a file (known: path, content, mode, uid, "
		  "gid)");
	parse_bad(HEAD "defaults: {img: x}\n",
		  "f.yaml:3:12: unknown key 'img' in defaults (known: image, profiles, state)");
	/* version and name */
	parse_bad("name: s\n", "f.yaml:1:1: missing 'version' (this lxf reads version: 1)");
	parse_bad("version: \"1\"\nname: s\n",
		  "f.yaml:1:10: unsupported version '1' (this lxf reads version: 1)");
	parse_bad("version: 1\n", "f.yaml:1:1: missing 'name' (the stack's name)");
	parse_bad("version: 1\nname: a_b\n",
		  "f.yaml:2:7: bad stack name 'a_b': letters, digits and '-', 1 to 63");
	/* ranges and names */
	parse_bad(INST "  - name: web-{6..1}\n",
		  "f.yaml:5:11: bad range in 'web-{6..1}': 6 is greater than 1");
	parse_bad(INST "  - name: web-{1..5000}\n",
		  "f.yaml:5:11: bad range in 'web-{1..5000}': 5000 names, at most 1000 in one "
		  "range");
	parse_bad(INST "  - name: web-{x..3}\n",
		  "f.yaml:5:11: bad range in 'web-{x..3}': A and B of {A..B} must be numbers of "
		  "at most 6 digits");
	parse_bad(INST "  - name: db-{1..010}\n",
		  "f.yaml:5:11: bad range in 'db-{1..010}': zero-padded ends must have the same "
		  "width");
	parse_bad(INST "  - name: web-{1..3}\n  - name: web-2\n",
		  "f.yaml:6:11: duplicate instance name 'web-2' (first at 5:11)");
	parse_bad(INST "  - name: 1web\n",
		  "f.yaml:5:11: bad instance name '1web': must not start with a digit or '-' nor "
		  "end with '-'");
	parse_bad(INST "  - name: we_b\n",
		  "f.yaml:5:11: bad instance name 'we_b': only letters, digits and '-'");
	parse_bad(INST "  - image: x\n", "f.yaml:5:5: instance has no 'name'");
	/* remotes */
	parse_bad(INST "  - {name: a, remote: h9}\n",
		  "f.yaml:5:23: unknown remote 'h9' (not in this file's remotes nor in "
		  "config.yml)");
	parse_bad(INST "  - {name: a, remotes: [h1, h7]}\n",
		  "f.yaml:5:29: unknown remote 'h7' (not in this file's remotes nor in "
		  "config.yml)");
	parse_bad(INST "  - {name: a, remote: h1, remotes: [h2]}\n",
		  "f.yaml:5:36: give either remote or remotes, not both");
	parse_bad(INST "  - {name: a, remotes: []}\n",
		  "f.yaml:5:24: remotes must name at least one remote");
	parse_bad(INST "  - {name: a, remotes: [h1, h1]}\n",
		  "f.yaml:5:29: 'h1' is twice in remotes");
	parse_bad(HEAD "remotes:\n  h3: {url: \"ftp://x\"}\n",
		  "f.yaml:4:13: bad remote address 'ftp://x': want unix:///path or "
		  "https://host[:port]");
	parse_bad(HEAD "remotes:\n  h2: {url: \"https://elsewhere:8443\"}\n",
		  "f.yaml:4:13: remote 'h2' is https://10.0.0.2:8443 in config.yml, not "
		  "https://elsewhere:8443");
	parse_bad(HEAD "remotes:\n  -bad: {url: \"https://x\"}\n",
		  "f.yaml:4:3: bad remote name '-bad'");
	parse_bad(HEAD "remotes:\n  h3: {token: x}\n", "f.yaml:4:7: remote 'h3' has no 'url'");
	/* types */
	parse_bad(HEAD "remotes: [h1]\n", "f.yaml:3:10: remotes must be a mapping, not a list");
	parse_bad(INST "  - {name: a, config: [a, b]}\n",
		  "f.yaml:5:23: config must be a mapping, not a list");
	parse_bad(INST "  - {name: a, config: {limits.cpu: [1]}}\n",
		  "f.yaml:5:36: config 'limits.cpu' must be a string, not a list");
	parse_bad(INST "  - {name: a, config: {limits.cpu: {a: 1}}}\n",
		  "f.yaml:5:36: config 'limits.cpu' must be a string, not a mapping");
	parse_bad(INST "  - {name: a, config: {limits.cpu: }}\n",
		  "f.yaml:5:36: config 'limits.cpu' must be a string, not empty");
	parse_bad(INST "  - {name: a, devices: {d: {path: /x}}}\n",
		  "f.yaml:5:28: device 'd' has no 'type'");
	parse_bad(INST "  - {name: a, devices: {d: [disk]}}\n",
		  "f.yaml:5:28: device 'd' must be a mapping, not a list");
	parse_bad(INST "  - {name: a, profiles: default}\n",
		  "f.yaml:5:25: profiles must be a list, not a string");
	parse_bad(INST "  - {name: a, run: []}\n", "f.yaml:5:20: run must have the command to run");
	parse_bad(INST "  - {name: a, files: {path: /x}}\n",
		  "f.yaml:5:22: files must be a list, not a mapping");
	parse_bad(INST "  - just-a-name\n",
		  "f.yaml:5:5: an instance must be a mapping, not a string");
	parse_bad(HEAD "instances: {a: 1}\n",
		  "f.yaml:3:12: instances must be a list, not a mapping");
	parse_bad(HEAD "profiles:\n  p: {config: {a: b}, devics: {}}\n",
		  "f.yaml:4:23: unknown key 'devics' in profile 'p' (known: config, devices, "
		  "description)");
	parse_bad(HEAD "profiles:\n  a/b: {}\n",
		  "f.yaml:4:3: bad profile name 'a/b': no '/', spaces or control characters");
	/* states, images */
	parse_bad(INST "  - {name: a, state: started}\n",
		  "f.yaml:5:22: bad state 'started': want running, stopped or frozen");
	parse_bad(HEAD "defaults: {state: on}\n",
		  "f.yaml:3:19: bad state 'on': want running, stopped or frozen");
	parse_bad(HEAD "instances:\n  - name: a\n",
		  "f.yaml:4:5: no image: give image here or in defaults");
	/* files */
	parse_bad(INST "  - {name: a, files: [{path: /a, content: x, mode: \"0999\"}]}\n",
		  "f.yaml:5:52: bad file mode '0999': want octal digits like \"0644\"");
	parse_bad(INST "  - {name: a, files: [{path: /a, content: x, mode: 77}]}\n",
		  "f.yaml:5:52: bad file mode '77': want octal digits like \"0644\"");
	parse_bad(INST "  - {name: a, files: [{path: a, content: x}]}\n",
		  "f.yaml:5:30: file path 'a' must be absolute");
	parse_bad(INST "  - {name: a, files: [{path: /a}]}\n",
		  "f.yaml:5:23: file has no 'content'");
	parse_bad(INST "  - {name: a, files: [{path: /a, content: x, uid: -1}]}\n",
		  "f.yaml:5:51: bad uid '-1': want a number from 0 to 4294967294");
	parse_bad(INST "  - {name: a, files: [{path: /a, content: x}, {path: /a, content: y}]}\n",
		  "f.yaml:5:47: file '/a' is twice in files");
	/* variables */
	parse_bad(INST "  - {name: a, config: {k: \"${APPLY_T_UNSET}\"}}\n",
		  "f.yaml:5:27: config 'k': variable 'APPLY_T_UNSET' is not set");
	parse_bad(INST "  - {name: \"${APPLY_T_UNSET}\"}\n",
		  "f.yaml:5:12: name: variable 'APPLY_T_UNSET' is not set");
}

static void test_error_report(void **state)
{
	static const char text[] = INST "  - {name: b, state: x}\n  - {name: a, image: [1]}\n";
	struct lxf_apply_spec *s = NULL;
	struct lxf_apply_diags d;
	struct lxf_err err = {0};
	struct lxf_buf big;

	(void)state;
	/* Every problem, in file order, not only the first. */
	assert_int_equal(lxf_apply_spec_parse("f.yaml", text, strlen(text), NULL, &s, &d, &err),
			 -LXF_EINVAL);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0], "f.yaml:5:22: bad state 'x': want running, stopped or frozen");
	assert_string_equal(d.v[1], "f.yaml:6:22: image must be a string, not a list");
	lxf_apply_diags_fini(&d);

	/* Capped: past LXF_APPLY_MAX_DIAGS they are counted, not kept. */
	lxf_buf_init(&big, 0);
	assert_int_equal(lxf_buf_adds(&big, INST), 0);
	for (int i = 0; i < 30; i++)
		assert_int_equal(lxf_buf_addf(&big, "  - {name: n%d, state: x}\n", i), 0);
	assert_int_equal(lxf_apply_spec_parse("f.yaml", big.data, big.len, NULL, &s, &d, &err),
			 -LXF_EINVAL);
	assert_int_equal(d.n, LXF_APPLY_MAX_DIAGS);
	assert_int_equal(d.dropped, 10);
	lxf_apply_diags_fini(&d);
	lxf_buf_fini(&big);

	/* Size cap: refused before parsing. */
	assert_int_equal(
	    lxf_apply_spec_parse("f.yaml", text, LXF_APPLY_MAX_SIZE + 1, NULL, &s, &d, &err),
	    -LXF_ETOOBIG);
	assert_null(s);
	assert_int_equal(d.n, 0);

	/* Without config.yml only the file's remotes and "local" are known. */
	assert_int_equal(lxf_apply_spec_parse("f.yaml", INST "  - {name: a, remote: h1}\n",
					      strlen(INST "  - {name: a, remote: h1}\n"), NULL, &s,
					      &d, &err),
			 -LXF_EINVAL);
	lxf_apply_diags_fini(&d);

	/* Instances over the cap, made by ranges. */
	lxf_buf_init(&big, 0);
	assert_int_equal(lxf_buf_adds(&big, INST), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(lxf_buf_addf(&big, "  - name: n%d-{1..1000}\n", i), 0);
	assert_int_equal(lxf_apply_spec_parse("f.yaml", big.data, big.len, NULL, &s, &d, &err),
			 -LXF_EINVAL);
	assert_string_equal(d.v[0], "f.yaml:10:11: more than 5000 instances in the file");
	lxf_apply_diags_fini(&d);
	lxf_buf_fini(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),     cmocka_unit_test(test_parse_minimal),
	    cmocka_unit_test(test_ranges),         cmocka_unit_test(test_subst),
	    cmocka_unit_test(test_instance_names), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_error_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
