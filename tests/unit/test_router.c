/* SPDX-License-Identifier: Apache-2.0 */
/* router.c over routes.def: every route has a handler, methods, {param} checks, 404 vs 405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"
#include "router.h"

/* Every row has a handler, or a websocket opener (ROUTE_WS: GET, no body). */
static void test_every_route_has_a_handler(void **state)
{
	size_t n = 0;
	const struct route *r = router_table(&n);

	(void)state;
	assert_true(n > 30);
	for (size_t i = 0; i < n; i++) {
		assert_true(!r[i].handler != !r[i].ws_open);
		if (r[i].ws_open)
			assert_true(r[i].method == ROUTE_GET && r[i].body_cap == 0);
		assert_non_null(r[i].handler_name);
		assert_true(r[i].tmpl[0] == '/');
		assert_true((unsigned)r[i].method < ROUTE_METHODS);
		/* Bodies: writes have a cap, uploads a large one, reads none. */
		if (r[i].flags & (ROUTE_F_JSON | ROUTE_F_UPLOAD))
			assert_true(r[i].body_cap > 0);
		if (r[i].flags & ROUTE_F_UPLOAD)
			assert_true(r[i].body_cap >= (1ull << 30));
		/* No two routes share method and template. */
		for (size_t j = i + 1; j < n; j++)
			assert_false(r[i].method == r[j].method &&
				     strcmp(r[i].tmpl, r[j].tmpl) == 0);
	}
}

static void test_methods(void **state)
{
	(void)state;
	assert_int_equal(router_method("GET"), ROUTE_GET);
	assert_int_equal(router_method("PATCH"), ROUTE_PATCH);
	assert_int_equal(router_method("get"), -1);
	assert_int_equal(router_method("HEAD"), -1);
	assert_string_equal(router_method_name(ROUTE_DELETE), "DELETE");
}

static void test_params(void **state)
{
	struct route_match m;
	struct lxf_err err;

	(void)state;
	assert_int_equal(router_match(ROUTE_GET, "/1.0/instances/c1/state", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_state_get");
	assert_string_equal(router_param(&m, "name"), "c1");
	assert_null(router_param(&m, "fp"));

	/* The /1.0/containers alias lands on the same handlers. */
	assert_int_equal(router_match(ROUTE_PUT, "/1.0/containers/web-1/state", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_state_put");
	assert_string_equal(router_param(&m, "name"), "web-1");
	assert_int_equal(router_match(ROUTE_GET, "/1.0/containers", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_instances_get");

	/* %-decoding of params. */
	assert_int_equal(router_match(ROUTE_GET, "/1.0/profiles/my%2Dprof", &m, &err), 0);
	assert_string_equal(router_param(&m, "profile"), "my-prof");

	/* Literal segments beat params: "aliases" is not a fingerprint. */
	assert_int_equal(router_match(ROUTE_GET, "/1.0/images/aliases", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_aliases_get");
	assert_int_equal(router_match(ROUTE_GET, "/1.0/images/abc123", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_image_get");
	assert_string_equal(router_param(&m, "fp"), "abc123");
	assert_int_equal(router_match(ROUTE_GET, "/1.0/images/abc123/export", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_image_export");

	/* A trailing slash names the same resource. */
	assert_int_equal(router_match(ROUTE_GET, "/1.0/", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_server_get");
	assert_int_equal(router_match(ROUTE_GET, "/", &m, &err), 0);
	assert_string_equal(m.route->handler_name, "api_root_get");

	assert_int_equal(router_match(ROUTE_GET,
				      "/1.0/operations/0b3c2f9e-1d2a-4c3b-8e7f-123456789abc/wait",
				      &m, &err),
			 0);
	assert_string_equal(router_param(&m, "id"), "0b3c2f9e-1d2a-4c3b-8e7f-123456789abc");
}

static void test_404_vs_405(void **state)
{
	struct route_match m;
	struct lxf_err err;

	(void)state;
	assert_int_equal(router_match(ROUTE_GET, "/1.0/nothing", &m, &err), -LXF_ENOENT);
	assert_null(m.route);
	assert_int_equal(router_match(ROUTE_GET, "/1.0/instances/c1/state/more", &m, &err),
			 -LXF_ENOENT);
	assert_int_equal(router_match(ROUTE_GET, "/2.0", &m, &err), -LXF_ENOENT);
	assert_int_equal(router_match(ROUTE_GET, "/1.0//instances", &m, &err), -LXF_ENOENT);
	assert_int_equal(router_match(ROUTE_GET, "", &m, &err), -LXF_ENOENT);
	assert_int_equal(router_match(ROUTE_DELETE, "/1.0", &m, &err), -LXF_ENOMETHOD);
	assert_int_equal(router_match(ROUTE_PATCH, "/1.0/instances", &m, &err), -LXF_ENOMETHOD);
	assert_int_equal(router_match(ROUTE_POST, "/1.0/instances/c1/state", &m, &err),
			 -LXF_ENOMETHOD);
	/* An unknown method on a known path is 405 too. */
	assert_int_equal(router_match(-1, "/1.0/instances", &m, &err), -LXF_ENOMETHOD);
	/* The aliases collection has no DELETE: 405, not a fall-back to /images/{fp}. */
	assert_int_equal(router_match(ROUTE_DELETE, "/1.0/images/aliases", &m, &err),
			 -LXF_ENOMETHOD);
	assert_int_equal(lxf_code_http(LXF_ENOMETHOD), 405);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {
	    "/1.0/instances/9abc",
	    "/1.0/instances/-abc",
	    "/1.0/instances/abc-",
	    "/1.0/instances/a_b",
	    "/1.0/instances/a%20b",
	    "/1.0/instances/a.b",
	    "/1.0/instances/%C3%A9t%C3%A9",
	    "/1.0/instances/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "/1.0/instances/a%2Fb",
	    "/1.0/instances/a%00b",
	    "/1.0/instances/a%zz",
	    "/1.0/images/XYZ",
	    "/1.0/images/ABCDEF",
	    "/1.0/operations/not-a-uuid",
	    "/1.0/profiles/..",
	    "/1.0/profiles/a%20b",
	    "/1.0/images/aliases/a%2Fb",
	};
	struct route_match m;
	struct lxf_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lxf_err_clear(&err);
		int ret = router_match(ROUTE_GET, bad[i], &m, &err);
		if (ret != -LXF_EINVAL)
			fail_msg("%s: got %d, want -LXF_EINVAL", bad[i], ret);
		assert_true(err.msg[0] != '\0');
		assert_null(m.route);
	}
	/* 63 characters is the limit, and it is allowed. */
	assert_int_equal(
	    router_match(ROUTE_GET,
			 "/1.0/instances/"
			 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			 &m, &err),
	    0);
	assert_int_equal(router_check_instance_name("Web-01", "name", &err), 0);
	assert_int_equal(router_check_instance_name("", "name", &err), -LXF_EINVAL);
	assert_int_equal(router_check_object_name("my profile", "profile", &err), -LXF_EINVAL);
	assert_int_equal(router_check_object_name("p.1_x", "profile", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_route_has_a_handler),
	    cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_404_vs_405),
	    cmocka_unit_test(test_bad_names),
	};

	api_routes_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
