/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for common/client/groups.c: config.yml's groups:, @group expansion, group edits. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "remotes.h"

#include "conf_fixture.h"

static const char fleet_yml[] = "default-remote: h1\n"
				"remotes:\n"
				"  h1: {addr: 'https://10.0.0.1:8443'}\n"
				"  h2: {addr: 'https://10.0.0.2:8443'}\n"
				"  h3: {addr: 'https://10.0.0.3:8443'}\n"
				"groups:\n"
				"  web: [h1, h2]\n"
				"  db: [h3]\n"
				"  all: [h1, h2, h3, local]\n"
				"aliases:\n"
				"  ll: list -c ns\n"
				"future-key: {kept: true}\n";

static struct lxf_remotes *load_fleet(const struct fixture *f)
{
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};

	write_file(f->path, fleet_yml);
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), 0);
	return r;
}

/* Expands spec and checks the result against want, a space-separated list. */
static void expect_expand(const struct lxf_remotes *r, const char *spec, const char *want)
{
	struct lxf_err err = {0};
	char **names = NULL, got[256] = "";
	size_t n = 0, off = 0;

	assert_int_equal(lxf_remotes_expand(r, spec, &names, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		off +=
		    (size_t)snprintf(got + off, sizeof(got) - off, "%s%s", i ? " " : "", names[i]);
	assert_string_equal(got, want);
	lxf_remotes_names_free(names, n);
}

static void test_expand(void **state)
{
	struct lxf_remotes *r = load_fleet(*state);

	assert_true(lxf_remotes_is_group_spec("@web"));
	assert_false(lxf_remotes_is_group_spec("web"));
	assert_false(lxf_remotes_is_group_spec(NULL));
	expect_expand(r, "@web", "h1 h2");
	expect_expand(r, "@web:", "h1 h2");
	expect_expand(r, "@web,h3", "h1 h2 h3");
	expect_expand(r, "h2,@web,h2:", "h2 h1");
	expect_expand(r, "@all,@db", "h1 h2 h3 local");
	expect_expand(r, "local", "local");
	lxf_remotes_free(r);
}

static void test_expand_errors(void **state)
{
	struct lxf_remotes *r = load_fleet(*state);
	struct lxf_err err = {0};
	char **names = (char **)1;
	size_t n = 9;

	assert_int_equal(lxf_remotes_expand(r, "@wbe", &names, &n, &err), -LXF_ENOENT);
	assert_null(names);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "group 'wbe' not found"));
	assert_non_null(strstr(err.msg, "did you mean '@web'"));
	assert_non_null(strstr(err.msg, "groups: web, db, all"));
	assert_int_equal(lxf_remotes_expand(r, "@web,h4", &names, &n, &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "remote 'h4' not found"));
	assert_int_equal(lxf_remotes_expand(r, "@web,,h1", &names, &n, &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_expand(r, "@", &names, &n, &err), -LXF_EINVAL);
	/* A remote removed behind lxf's back (by lxc) leaves a dangling member. */
	assert_int_equal(
	    json_object_array_add(lxf_remotes_group_get(r, "db"), json_object_new_string("gone")),
	    0);
	assert_int_equal(lxf_remotes_expand(r, "@db", &names, &n, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "group 'db' names remote 'gone'"));
	lxf_remotes_free(r);
}

static void test_no_groups(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	char **names = NULL;
	size_t n = 0;

	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(lxf_remotes_expand(r, "@web", &names, &n, &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "no groups"));
	/* Saving with no groups writes no groups: key. */
	assert_int_equal(lxf_remotes_save(r, NULL), 0);
	{
		char *text = read_text(f->path);

		assert_null(strstr(text, "groups"));
		free(text);
	}
	lxf_remotes_free(r);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = load_fleet(f), *r2 = NULL;
	char *text;

	assert_int_equal(lxf_remotes_add(r, "h4", "https://10.0.0.4:8443", NULL), 0);
	assert_int_equal(lxf_remotes_save(r, NULL), 0);
	text = read_text(f->path);
	assert_non_null(strstr(text, "future-key"));
	free(text);
	assert_int_equal(lxf_remotes_load(f->dir, &r2, NULL), 0);
	expect_expand(r2, "@web,@db,@all", "h1 h2 h3 local");
	assert_string_equal(lxf_remotes_alias_get(r2, "ll"), "list -c ns");
	assert_non_null(lxf_remotes_find(r2, "h4"));
	assert_non_null(r2->extra);
	lxf_remotes_free(r);
	lxf_remotes_free(r2);
}

static void test_parse_errors(void **state)
{
	struct fixture *f = *state;
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};

	write_file(f->path, "groups: [web]\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "'groups' must be a mapping"));
	write_file(f->path, "groups: {web: h1}\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "group 'web' must be a list"));
	write_file(f->path, "groups: {web: []}\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	write_file(f->path, "groups: {-web: [local]}\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "bad group name '-web'"));
	write_file(f->path, "groups: {web: [local, 'a b']}\n");
	assert_int_equal(lxf_remotes_load(f->dir, &r, &err), -LXF_EINVAL);
	assert_non_null(strstr(err.msg, "bad remote name 'a b'"));
	assert_null(r);
}

static void test_edits(void **state)
{
	struct lxf_remotes *r = load_fleet(*state);
	struct lxf_err err = {0};
	const char *const add[] = {"h3", "h1"}, *const bad[] = {"h3", "h9"}, *const rm[] = {"h1"};
	char buf[64];

	/* Extends, skipping members already in. */
	assert_int_equal(lxf_remotes_group_add(r, "web", add, 2, &err), 0);
	expect_expand(r, "@web", "h1 h2 h3");
	/* An unknown remote changes nothing. */
	assert_int_equal(lxf_remotes_group_add(r, "new", bad, 2, &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "remote 'h9' not found"));
	assert_null(lxf_remotes_group_get(r, "new"));
	assert_int_equal(lxf_remotes_group_add(r, "b@d", add, 2, &err), -LXF_EINVAL);
	assert_int_equal(lxf_remotes_group_add(r, "new", add, 0, &err), -LXF_EINVAL);
	/* Members out, then the whole group. */
	assert_int_equal(lxf_remotes_group_remove(r, "web", rm, 1, &err), 0);
	expect_expand(r, "@web", "h2 h3");
	assert_int_equal(lxf_remotes_group_remove(r, "web", rm, 1, &err), -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "remote 'h1' is not in group 'web'"));
	assert_int_equal(lxf_remotes_group_remove(r, "db", NULL, 0, &err), 0);
	assert_null(lxf_remotes_group_get(r, "db"));
	assert_int_equal(lxf_remotes_group_remove(r, "db", NULL, 0, &err), -LXF_ENOENT);
	/* Rename. */
	assert_int_equal(lxf_remotes_group_rename(r, "web", "www", &err), 0);
	expect_expand(r, "@www", "h2 h3");
	assert_int_equal(lxf_remotes_group_rename(r, "www", "all", &err), -LXF_EEXIST);
	assert_int_equal(lxf_remotes_group_rename(r, "nope", "x", &err), -LXF_ENOENT);
	/* Renaming a remote follows in its groups, in place; removing one drops it. */
	assert_int_equal(lxf_remotes_groups_of(r, "h2", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "all, www");
	assert_int_equal(lxf_remotes_rename(r, "h2", "h22", &err), 0);
	expect_expand(r, "@www", "h22 h3");
	expect_expand(r, "@all", "h1 h22 h3 local");
	assert_int_equal(lxf_remotes_remove(r, "h3", &err), 0);
	expect_expand(r, "@www", "h22");
	assert_int_equal(lxf_remotes_remove(r, "h22", &err), 0);
	/* www was left empty: gone. */
	assert_null(lxf_remotes_group_get(r, "www"));
	expect_expand(r, "@all", "h1 local");
	assert_int_equal(lxf_remotes_groups_of(r, "h22", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	lxf_remotes_free(r);
}

/* No fixed cap on the count of remotes: 600 load, and a group spans them all. */
static void test_many_remotes(void **state)
{
	struct fixture *f = *state;
	struct lxf_buf b = {0};
	struct lxf_remotes *r = NULL;
	char **names = NULL;
	size_t n = 0;

	lxf_buf_init(&b, 1 << 20);
	assert_int_equal(lxf_buf_addf(&b, "remotes:\n"), 0);
	for (int i = 0; i < 600; i++)
		assert_int_equal(lxf_buf_addf(&b, "  h%d: {addr: 'https://h%d:8443'}\n", i, i), 0);
	assert_int_equal(lxf_buf_addf(&b, "groups:\n  all: ["), 0);
	for (int i = 0; i < 600; i++)
		assert_int_equal(lxf_buf_addf(&b, "%sh%d", i ? ", " : "", i), 0);
	assert_int_equal(lxf_buf_addf(&b, "]\n"), 0);
	write_file(f->path, lxf_buf_str(&b));
	lxf_buf_fini(&b);
	assert_int_equal(lxf_remotes_load(f->dir, &r, NULL), 0);
	assert_int_equal(r->n, 601);
	assert_int_equal(lxf_remotes_expand(r, "@all,local", &names, &n, NULL), 0);
	assert_int_equal(n, 601);
	assert_string_equal(names[599], "h599");
	lxf_remotes_names_free(names, n);
	lxf_remotes_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_expand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expand_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_groups, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_edits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_remotes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
