/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/select.c without a server: how --all's words split into remotes
 * and filters, and which answered instances a selection keeps, in what
 * order, with the remotes that did not answer.
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

#include "select.h"

static struct lxf_remotes *remotes;
static char confdir[] = "/tmp/lxf-test-select-XXXXXX";

static int setup(void **state)
{
	char path[64];
	FILE *f;

	(void)state;
	if (!mkdtemp(confdir))
		return -1;
	(void)snprintf(path, sizeof(path), "%s/config.yml", confdir);
	f = fopen(path, "we");
	if (!f)
		return -1;
	(void)fputs("remotes:\n  h1: {addr: 'unix:///nonexistent/1'}\n"
		    "  h2: {addr: 'unix:///nonexistent/2'}\n"
		    "  h10: {addr: 'unix:///nonexistent/10'}\n"
		    "groups:\n  web: [h10, h2]\n",
		    f);
	if (fclose(f) != 0 || lxf_remotes_load(confdir, &remotes, NULL) != 0)
		return -1;
	(void)unlink(path);
	(void)rmdir(confdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lxf_remotes_free(remotes);
	return 0;
}

/* Splits words; returns the rc, the remotes' names joined by ' ' into buf. */
static int words(int argc, char **argv, char *buf, size_t len, const char **filters,
		 size_t *nfilters, bool *need_state, struct lxf_err *err)
{
	const struct lxf_remote *rems[8];
	size_t nrems = 0, off = 0;
	int rc =
	    lxf_sel_words(remotes, argc, argv, rems, &nrems, filters, nfilters, need_state, err);

	buf[0] = '\0';
	for (size_t i = 0; i < nrems; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", rems[i]->name);
	return rc;
}

static void test_words(void **state)
{
	char *argv[] = {"h2:", "status=running", "h1", "web-.*", "h2", "ipv6=fd00::1", "h10,h1:"};
	const char *filters[8];
	struct lxf_err err = {0};
	size_t nf = 0;
	bool st = false;
	char buf[64];

	(void)state;
	assert_int_equal(words(7, argv, buf, sizeof(buf), filters, &nf, &st, &err), 0);
	/* Remotes in the order named, each once; a bare remote name is a remote. */
	assert_string_equal(buf, "h2 h1 h10");
	assert_int_equal(nf, 3);
	assert_string_equal(filters[0], "status=running");
	assert_string_equal(filters[1], "web-.*");
	assert_string_equal(filters[2], "ipv6=fd00::1");
	assert_true(st);
	/* No remote named: none chosen here (the caller takes the fleet). */
	assert_int_equal(
	    words(1, (char *[]){"status=stopped"}, buf, sizeof(buf), filters, &nf, &st, &err), 0);
	assert_string_equal(buf, "");
	assert_false(st);
	/* A group, alone, with a remote, or with ':' (lxf_remotes_expand), each remote once. */
	assert_int_equal(words(3, (char *[]){"@web", "h1", "@web,h1:"}, buf, sizeof(buf), filters,
			       &nf, &st, &err),
			 0);
	assert_string_equal(buf, "h10 h2 h1");
	assert_int_equal(nf, 0);
}

static void test_words_errors(void **state)
{
	const char *filters[4];
	struct lxf_err err = {0};
	size_t nf = 0;
	bool st = false;
	char buf[64];

	(void)state;
	assert_int_equal(words(1, (char *[]){"h1:c1"}, buf, sizeof(buf), filters, &nf, &st, &err),
			 -LXF_EUSAGE);
	assert_non_null(strstr(err.msg, "'h1:c1' names an instance"));
	assert_int_equal(words(1, (char *[]){"h3:"}, buf, sizeof(buf), filters, &nf, &st, &err),
			 -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "h3"));
	assert_int_equal(words(1, (char *[]){"h1,hx:"}, buf, sizeof(buf), filters, &nf, &st, &err),
			 -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "hx"));
	assert_int_equal(words(1, (char *[]){"=x"}, buf, sizeof(buf), filters, &nf, &st, &err),
			 -LXF_EUSAGE);
	assert_int_equal(
	    words(1, (char *[]){"ipv4=nope"}, buf, sizeof(buf), filters, &nf, &st, &err),
	    -LXF_EUSAGE);
	assert_int_equal(
	    words(1, (char *[]){"@nogroup"}, buf, sizeof(buf), filters, &nf, &st, &err),
	    -LXF_ENOENT);
	assert_non_null(strstr(err.msg, "nogroup"));
}

static struct json_object *inst(const char *name, const char *status, const char *stack)
{
	struct json_object *o = json_object_new_object(), *cfg = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "status", json_object_new_string(status));
	if (stack)
		json_object_object_add(cfg, "user.lxf.stack", json_object_new_string(stack));
	json_object_object_add(o, "expanded_config", cfg);
	return o;
}

static void test_collect(void **state)
{
	struct lxf_fleet_job jobs[3] = {{.remote = lxf_remotes_find(remotes, "h10")},
					{.remote = lxf_remotes_find(remotes, "h2")},
					{.remote = lxf_remotes_find(remotes, "h1")}};
	const char *filters[] = {"status=running", "web.*"};
	struct lxf_sel sel = {0};
	struct lxf_err err = {0};

	(void)state;
	jobs[0].instances = json_object_new_array();
	json_object_array_add(jobs[0].instances, inst("web10", "Running", "shop"));
	json_object_array_add(jobs[0].instances, inst("web2", "Running", NULL));
	json_object_array_add(jobs[0].instances, inst("db", "Running", "shop"));
	jobs[1].rc = lxf_err_set(&jobs[1].err, LXF_EIO, "connection refused");
	jobs[2].instances = json_object_new_array();
	json_object_array_add(jobs[2].instances, inst("web1", "Stopped", NULL));
	json_object_array_add(jobs[2].instances, inst("web3", "running", NULL));
	json_object_array_add(jobs[2].instances, json_object_new_string("not an instance"));
	assert_int_equal(lxf_sel_collect(jobs, 3, filters, 2, &sel, &err), 0);
	/* Sorted by remote, then name, both in version order (h1 < h10, web2 < web10). */
	assert_int_equal(sel.n, 3);
	assert_string_equal(sel.v[0].remote->name, "h1");
	assert_string_equal(sel.v[0].name, "web3");
	assert_string_equal(sel.v[1].remote->name, "h10");
	assert_string_equal(sel.v[1].name, "web2");
	assert_string_equal(sel.v[2].name, "web10");
	assert_string_equal(json_object_get_string(json_object_object_get(sel.v[2].inst, "remote")),
			    "h10");
	assert_int_equal(sel.nfails, 1);
	assert_string_equal(sel.fails[0].remote->name, "h2");
	assert_string_equal(sel.fails[0].err.msg, "connection refused");
	/* The items hold their own references: the answers may go. */
	lxf_fleet_jobs_fini(jobs, 3);
	assert_string_equal(json_object_get_string(json_object_object_get(sel.v[0].inst, "name")),
			    "web3");
	lxf_sel_fini(&sel);
	assert_null(sel.v);
	assert_int_equal(sel.n, 0);
	lxf_sel_fini(&sel);
	lxf_sel_fini(NULL);
}

static void test_collect_config_filter(void **state)
{
	struct lxf_fleet_job job = {.remote = lxf_remotes_find(remotes, "h1")};
	const char *filters[] = {"user.lxf.stack=shop"};
	struct lxf_sel sel = {0};
	struct lxf_err err = {0};

	(void)state;
	job.instances = json_object_new_array();
	json_object_array_add(job.instances, inst("a", "Running", "shop"));
	json_object_array_add(job.instances, inst("b", "Running", "other"));
	json_object_array_add(job.instances, inst("c", "Stopped", NULL));
	assert_int_equal(lxf_sel_collect(&job, 1, filters, 1, &sel, &err), 0);
	assert_int_equal(sel.n, 1);
	assert_string_equal(sel.v[0].name, "a");
	lxf_sel_fini(&sel);
	/* No filter: everything the remote has. */
	assert_int_equal(lxf_sel_collect(&job, 1, NULL, 0, &sel, &err), 0);
	assert_int_equal(sel.n, 3);
	lxf_sel_fini(&sel);
	lxf_fleet_jobs_fini(&job, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_words_errors),
	    cmocka_unit_test(test_collect),
	    cmocka_unit_test(test_collect_config_filter),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
