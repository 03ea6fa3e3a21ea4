/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for cli/complete.c: the prompts' line splitter (blanks,
 * quotes, backslashes, the word being typed) and Tab completion (command
 * words of multi-word names, flags, remotes, instance names from the
 * caller's source), against a temporary configuration with two remotes.
 */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complete.h"
#include "file.h"
#include "remotes.h"

static void split_ok(const char *line, bool partial, int n, bool open, const char *const *want)
{
	static struct lxf_words w;

	assert_int_equal(lxf_words_split(&w, line, partial), 0);
	assert_int_equal(w.n, n);
	assert_int_equal(w.open, open);
	for (int i = 0; i < n; i++)
		assert_string_equal(w.v[i], want[i]);
	assert_null(w.v[n]);
}

static void test_split_words(void **state)
{
	(void)state;
	split_ok("", false, 0, false, NULL);
	split_ok("  \t ", false, 0, false, NULL);
	split_ok("list", false, 1, true, (const char *const[]){"list"});
	split_ok(" image  alias\tcreate h1:a  fp ", false, 5, false,
		 (const char *const[]){"image", "alias", "create", "h1:a", "fp"});
	/* Quotes keep blanks; adjacent parts make one word; "" is an empty word. */
	split_ok("exec c1 -- sh -c 'echo a  b' \"x y\"z \"\"", false, 8, true,
		 (const char *const[]){"exec", "c1", "--", "sh", "-c", "echo a  b", "x yz", ""});
	split_ok("a 'it\"s' \"it's\"", false, 3, true, (const char *const[]){"a", "it\"s", "it's"});
}

static void test_split_escapes(void **state)
{
	(void)state;
	/* A backslash takes the next character, also in "..."; not in '...'. */
	split_ok("a\\ b c\\'d \"q\\\"q\" 'x\\y' \\\\", false, 5, true,
		 (const char *const[]){"a b", "c'd", "q\"q", "x\\y", "\\"});
	/* An escaped blank at the end is in the word being typed. */
	split_ok("move my\\ ", true, 2, true, (const char *const[]){"move", "my "});
	split_ok("move my\\\\ ", true, 2, false, (const char *const[]){"move", "my\\"});
}

static void test_split_errors(void **state)
{
	static struct lxf_words w;
	static char big[LXF_LINE_MAX + 16];

	(void)state;
	assert_int_equal(lxf_words_split(&w, "echo 'open", false), LXF_SPLIT_QUOTE);
	assert_string_equal(lxf_words_strerror(LXF_SPLIT_QUOTE), "unbalanced quotes");
	/* While typing, the open quote is the word being typed. */
	split_ok("move \"h1:c", true, 2, true, (const char *const[]){"move", "h1:c"});
	split_ok("move '", true, 2, true, (const char *const[]){"move", ""});
	for (size_t i = 0; i < (LXF_WORDS_MAX + 1) * 2; i += 2) {
		big[i] = 'a';
		big[i + 1] = ' ';
	}
	assert_int_equal(lxf_words_split(&w, big, false), LXF_SPLIT_TOOMANY);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(lxf_words_split(&w, big, false), LXF_SPLIT_TOOMANY);
}

/* --- completion --- */

static char conf[64];
static unsigned instance_calls;

static void fake_instances(void *ctx, const struct lxf_remotes *r, const char *remote,
			   struct lxf_cands *c)
{
	assert_ptr_equal(ctx, &instance_calls);
	assert_non_null(lxf_remotes_find(r, remote));
	instance_calls++;
	if (strcmp(remote, "h1") == 0) {
		lxf_cands_add(c, "c1");
		lxf_cands_add(c, "c2");
		lxf_cands_add(c, "web");
	} else if (strcmp(remote, "h2") == 0) {
		lxf_cands_add(c, "x9");
	}
}

static const struct lxf_complete_src src = {
    .builtins = true, .instances = fake_instances, .ctx = &instance_calls};

static int sort_strs(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted candidates for line, space-separated; the partial word checked. */
static const char *comp(const struct lxf_complete_src *s, const char *line, const char *partial)
{
	static char out[4096];
	char got[256];
	struct lxf_cands c = {.n = 0};
	size_t off = 0;

	lxf_complete(line, s, &c, got, sizeof(got));
	assert_string_equal(got, partial);
	qsort(c.v, c.n, sizeof(c.v[0]), sort_strs);
	out[0] = '\0';
	for (size_t i = 0; i < c.n; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s", i ? " " : "", c.v[i]);
	lxf_cands_fini(&c);
	return out;
}

/* Writes the test's config.yml with default remote def. */
static void conf_write(const char *def)
{
	char path[128];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/config.yml", conf);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_true(fprintf(f,
			    "default-remote: %s\nremotes:\n"
			    "  h1: {addr: \"https://10.0.0.1:8443\", protocol: lxd}\n"
			    "  h2: {addr: \"https://10.0.0.2:8443\", protocol: lxd}\n"
			    "groups: {web: [h1], db: [h1, h2]}\n",
			    def) > 0);
	assert_int_equal(fclose(f), 0);
}

static int conf_setup(void **state)
{
	(void)state;
	(void)snprintf(conf, sizeof(conf), "/tmp/lxf-test-complete-XXXXXX");
	assert_non_null(mkdtemp(conf));
	conf_write("h1");
	assert_int_equal(setenv("LXF_CONF", conf, 1), 0);
	/* No socket there: no local lxfd, so `local` is not part of the fleet. */
	assert_int_equal(setenv("LXF_DIR", conf, 1), 0);
	return 0;
}

static int conf_teardown(void **state)
{
	(void)state;
	(void)lxf_rm_rf(conf, NULL);
	return 0;
}

static void test_complete_commands(void **state)
{
	const struct lxf_complete_src tui = {.instances = NULL};
	const char *all;

	(void)state;
	assert_string_equal(comp(&src, "vers", "vers"), "version");
	/* Multi-word names, a word at a time. */
	assert_string_equal(comp(&src, "image al", "al"), "alias");
	assert_string_equal(comp(&src, "image alias ", ""), "create delete list rename");
	assert_string_equal(comp(&src, "image  alias  cr", "cr"), "create");
	assert_string_equal(comp(&src, "image alias nope ", ""), "");
	/* The prompt's own words only where the prompt reads them. */
	all = comp(&src, "", "");
	assert_non_null(strstr(all, "exit"));
	assert_non_null(strstr(all, "image"));
	assert_null(strstr(all, "device")); /* a second word only */
	assert_string_equal(comp(&src, "qu", "qu"), "query quit");
	assert_string_equal(comp(&tui, "qu", "qu"), "query");
	assert_string_equal(comp(&tui, "list ex", "ex"), "");
	assert_int_equal(instance_calls, 0);
}

static void test_complete_args(void **state)
{
	const struct lxf_complete_src tui = {.instances = NULL};

	(void)state;
	/* Flags of the command typed, multi-word ones too. */
	assert_string_equal(comp(&src, "move --stat", "--stat"), "--stateful --stateless");
	assert_string_equal(comp(&src, "image alias create --", "--"), "");
	assert_non_null(strstr(comp(&src, "image copy --", "--"), "--copy-aliases"));
	/* Remotes (no local: no lxfd here), and the chosen default remote's instances bare. */
	assert_string_equal(comp(&src, "start ", ""), "c1 c2 h1: h2: web");
	assert_string_equal(comp(&src, "start c", "c"), "c1 c2");
	assert_string_equal(comp(&src, "start h", "h"), "h1: h2:");
	/* "R:" gives the instances of R. */
	assert_string_equal(comp(&src, "start h1:", "h1:"), "h1:c1 h1:c2 h1:web");
	assert_string_equal(comp(&src, "start h2:x", "h2:x"), "h2:x9");
	assert_string_equal(comp(&src, "start nope:", "nope:"), "");
	/* The word being typed may be quoted. */
	assert_string_equal(comp(&src, "start \"h1:w", "h1:w"), "h1:web");
	/* Without a source of names, remotes only. */
	assert_string_equal(comp(&tui, "stop ", ""), "h1: h2:");
	assert_string_equal(comp(&tui, "stop h1:", "h1:"), "");
}

/* Host groups: "@G" once '@' is typed, bare group and remote names for remote group. */
static void test_complete_groups(void **state)
{
	(void)state;
	assert_string_equal(comp(&src, "list @", "@"), "@db @web");
	assert_string_equal(comp(&src, "list h1: @w", "@w"), "@web");
	assert_string_equal(comp(&src, "image list @d", "@d"), "@db");
	assert_string_equal(comp(&src, "remote group show ", ""), "db h1 h2 local web");
	assert_string_equal(comp(&src, "remote group add web h", "h"), "h1 h2");
}

/* With the built-in default (no lxfd here), bare names come from the whole fleet. */
static void test_complete_fleet(void **state)
{
	(void)state;
	conf_write("local");
	assert_string_equal(comp(&src, "start ", ""), "c1 c2 h1: h2: web x9");
	assert_string_equal(comp(&src, "start x", "x"), "x9");
	conf_write("h1");
}

static void test_cands_common(void **state)
{
	struct lxf_cands c = {.n = 0};
	char out[64];

	(void)state;
	assert_int_equal(lxf_cands_common(&c, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	lxf_cands_add(&c, "version");
	/* One whole word: a blank after it. */
	assert_int_equal(lxf_cands_common(&c, out, sizeof(out)), 8);
	assert_string_equal(out, "version ");
	lxf_cands_fini(&c);
	/* A remote ("R:") goes on to its instances: no blank. */
	lxf_cands_add(&c, "h1:");
	assert_int_equal(lxf_cands_common(&c, out, sizeof(out)), 3);
	assert_string_equal(out, "h1:");
	lxf_cands_add(&c, "h1:");
	assert_int_equal(c.n, 1);
	lxf_cands_add(&c, "h2:");
	assert_int_equal(lxf_cands_common(&c, out, sizeof(out)), 1);
	assert_string_equal(out, "h");
	qsort(c.v, c.n, sizeof(c.v[0]), sort_strs);
	assert_string_equal(c.v[1], "h2:");
	lxf_cands_fini(&c);
	assert_int_equal(c.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_words),    cmocka_unit_test(test_split_escapes),
	    cmocka_unit_test(test_split_errors),   cmocka_unit_test(test_complete_commands),
	    cmocka_unit_test(test_complete_args),  cmocka_unit_test(test_complete_groups),
	    cmocka_unit_test(test_complete_fleet), cmocka_unit_test(test_cands_common),
	};

	return cmocka_run_group_tests(tests, conf_setup, conf_teardown);
}
