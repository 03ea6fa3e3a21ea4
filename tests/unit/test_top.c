/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for cli/top.c: cached answers, when rates are taken, the rows and their order. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "top.h"

/* A set of one or two instances with the given CPU seconds (b < 0: none). */
static void set_of(struct lxf_usage_set *s, double a, double b)
{
	s->n = b < 0 ? 1 : 2;
	s->v = calloc(2, sizeof(*s->v));
	assert_non_null(s->v);
	for (size_t i = 0; i < s->n; i++) {
		struct lxf_usage *u = &s->v[i];

		strcpy(u->project, "default");
		strcpy(u->name, i ? "b" : "a");
		u->cpu_secs = i ? b : a;
		u->mem_bytes = 100.0 * (double)(i + 1);
		u->net_rx = u->net_tx = u->disk_read = u->disk_write = NAN;
		u->procs = 1;
	}
}

static void take(struct lxf_top_host *h, double t, double a, double b)
{
	struct lxf_usage_set s = {0};

	set_of(&s, a, b);
	h->answer_t = t;
	assert_int_equal(lxf_top_take(h, &s), 0);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
}

/* A caching endpoint: the first answer may be old, a repeat is no news. */
static void test_metrics_cache(void **state)
{
	struct lxf_top_host h = {0};

	(void)state;
	take(&h, 100, 10, 5);
	assert_false(h.rated);
	assert_true(isnan(h.rates[0].cpu_pct));
	assert_true(h.rates[0].mem_bytes == 100); /* gauges at once */
	take(&h, 102, 10, 5);                     /* the cached answer again */
	assert_true(h.base_t == 100);
	take(&h, 104, 12, 5); /* refreshed: its time is known from now on */
	assert_false(h.rated);
	assert_true(isnan(h.rates[0].cpu_pct));
	take(&h, 106, 12, 5);
	take(&h, 112, 16, 5.5); /* 4 s of CPU in 8 s */
	assert_true(h.rated);
	assert_true(h.rates[0].cpu_pct == 50.0);
	assert_true(h.rates[1].cpu_pct == 6.25);
	take(&h, 120, 1, 6); /* a restarted: counted from zero */
	assert_true(h.rates[0].cpu_pct == 12.5);
	lxf_top_hosts_fini(&h, 1);
}

/* /state is never cached: rates from the second answer. */
static void test_state_exact(void **state)
{
	struct lxf_top_host h = {.state = true};

	(void)state;
	take(&h, 10, 1, -1);
	take(&h, 12, 3, 2); /* b is new: gauges only */
	assert_true(h.rated);
	assert_true(h.rates[0].cpu_pct == 100.0);
	assert_true(isnan(h.rates[1].cpu_pct) && h.rates[1].mem_bytes == 200);
	lxf_top_hosts_fini(&h, 1);
}

static void test_rows(void **state)
{
	struct lxf_remote r1 = {.name = "h1"}, r2 = {.name = "h2"};
	struct lxf_top_host h[2] = {{.remote = &r1, .state = true}, {.remote = &r2, .state = true}};
	struct lxf_top_row *rows = NULL;
	size_t n = 0, nhost = 0;

	(void)state;
	take(&h[0], 0, 0, 0);
	take(&h[0], 1, 0.25, 0.5); /* a 25%, b 50% */
	take(&h[1], 0, 0, -1);
	take(&h[1], 1, 1.0, -1); /* a 100% */
	assert_int_equal(lxf_top_rows(h, 2, LXF_TOP_SORT_CPU, &rows, &n, &nhost), 0);
	assert_int_equal(n, 5);
	assert_int_equal(nhost, 2);
	/* Hosts first (by their totals), then the instances, busiest first. */
	assert_ptr_equal(rows[0].host, &h[1]);
	assert_null(rows[0].u);
	assert_true(rows[1].r.cpu_pct == 75.0 && rows[1].count == 2);
	assert_true(rows[1].r.mem_bytes == 300);
	assert_string_equal(rows[2].host->remote->name, "h2");
	assert_string_equal(rows[3].u->name, "b");
	assert_string_equal(rows[4].u->name, "a");
	free(rows);
	/* By name: remote, then name. A host that failed has no rows. */
	h[1].rc = -LXF_EUNAVAIL;
	assert_int_equal(lxf_top_rows(h, 2, LXF_TOP_SORT_NAME, &rows, &n, &nhost), 0);
	assert_int_equal(n, 4);
	assert_true(rows[0].host == &h[0] && rows[1].host == &h[1]);
	assert_true(isnan(rows[1].r.cpu_pct) && rows[1].count == 0);
	assert_string_equal(rows[2].u->name, "a");
	assert_string_equal(rows[3].u->name, "b");
	free(rows);
	lxf_top_hosts_fini(h, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_metrics_cache),
	    cmocka_unit_test(test_state_exact),
	    cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
