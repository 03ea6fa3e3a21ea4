/* SPDX-License-Identifier: Apache-2.0 */
/* Operations: cancel (LXD's rules and statuses), metadata updates, op_every. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "json.h"
#include "op.h"

/* A body that runs until its gate opens (the cancel hook, or the test). */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open, hooked;
};

static struct gate *gate_new(void)
{
	struct gate *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	(void)pthread_mutex_init(&g->lock, NULL);
	(void)pthread_cond_init(&g->cond, NULL);
	return g;
}

static void gate_free(void *arg)
{
	struct gate *g = arg;

	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static void gate_open(struct gate *g, bool hooked)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	g->hooked |= hooked;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static int gated_body(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct gate *g = arg;

	(void)op;
	(void)err;
	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
	*md = json_object_new_object();
	json_object_object_add(*md, "return", json_object_new_int(137));
	return 0; /* a killed command "succeeds": the cancel still wins */
}

static void on_cancel(struct op *op, void *arg)
{
	(void)op;
	gate_open(arg, true);
}

static const char *status_of(struct op *op, int *code, char *errbuf, size_t n)
{
	static char status[32];
	struct json_object *o = op_to_json(op);

	snprintf(status, sizeof(status), "%s", lxf_json_str(o, "status"));
	*code = json_object_get_int(json_object_object_get(o, "status_code"));
	if (errbuf)
		snprintf(errbuf, n, "%s", lxf_json_str(o, "err"));
	json_object_put(o);
	return status;
}

static bool may_cancel(struct op *op)
{
	struct json_object *o = op_to_json(op);
	bool r = json_object_get_boolean(json_object_object_get(o, "may_cancel"));

	json_object_put(o);
	return r;
}

static void test_not_cancellable(void **state)
{
	struct gate *g = gate_new();
	struct lxf_err err;
	struct op *op;
	int code;

	(void)state;
	op = op_run("Plain", NULL, NULL, gated_body, g, gate_free, &err);
	assert_non_null(op);
	assert_false(may_cancel(op));
	assert_int_equal(op_cancel(op, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "This operation can't be cancelled");
	assert_string_equal(status_of(op, &code, NULL, 0), "Running");
	gate_open(g, false);
	op_wait(op, 10);
	assert_string_equal(status_of(op, &code, NULL, 0), "Success");
	assert_int_equal(op_cancel(op, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "Only running operations can be cancelled");
	op_unref(op);
}

static void test_cancel(void **state)
{
	struct gate *g = gate_new();
	struct lxf_err err;
	struct op *op;
	char msg[256];
	const char *st;
	int code;

	(void)state;
	op = op_run("Cancellable", NULL, NULL, gated_body, g, gate_free, &err);
	assert_non_null(op);
	op_set_cancel(op, on_cancel);
	assert_true(may_cancel(op));
	assert_false(op_cancelled(op));
	assert_int_equal(op_cancel(op, &err), 0);
	assert_true(op_cancelled(op));
	assert_true(g->hooked);
	/* Cancelling (104) until the body returns, then Cancelled. */
	st = status_of(op, &code, NULL, 0);
	assert_true(strcmp(st, "Cancelling") == 0 || strcmp(st, "Cancelled") == 0);
	assert_false(may_cancel(op));
	assert_int_equal(op_cancel(op, &err), -LXF_EINVAL);
	assert_string_equal(err.msg, "Only running operations can be cancelled");
	op_wait(op, 10);
	assert_string_equal(status_of(op, &code, msg, sizeof(msg)), "Cancelled");
	assert_int_equal(code, 401);
	assert_string_equal(msg, "Operation cancelled");
	op_unref(op);
}

static void test_set_metadata(void **state)
{
	struct gate *g = gate_new();
	struct lxf_err err;
	struct json_object *md = json_object_new_object(), *o;
	struct op *op;

	(void)state;
	op = op_run("Meta", NULL, NULL, gated_body, g, gate_free, &err);
	assert_non_null(op);
	json_object_object_add(md, "return", json_object_new_int(3));
	op_set_metadata(op, md);
	o = op_to_json(op);
	assert_string_equal(lxf_json_str(o, "status"), "Running");
	assert_int_equal(json_object_get_int(json_object_object_get(
			     json_object_object_get(o, "metadata"), "return")),
			 3);
	json_object_put(o);
	gate_open(g, false);
	op_wait(op, 10);
	op_unref(op);
}

static pthread_mutex_t tick_lock = PTHREAD_MUTEX_INITIALIZER;
static int ticks;

static void tick(void)
{
	pthread_mutex_lock(&tick_lock);
	ticks++;
	pthread_mutex_unlock(&tick_lock);
}

static void test_every(void **state)
{
	struct lxf_err err;
	int n = 0;

	(void)state;
	assert_int_equal(op_every(1, tick, &err), 0);
	/* Generous: the first round is due after one second. */
	for (int i = 0; i < 300 && n < 2; i++) {
		struct timespec t = {0, 50 * 1000 * 1000};
		nanosleep(&t, NULL);
		pthread_mutex_lock(&tick_lock);
		n = ticks;
		pthread_mutex_unlock(&tick_lock);
	}
	assert_true(n >= 2);
}

static int setup(void **state)
{
	struct lxf_err err;

	(void)state;
	return op_init(&err);
}

static int teardown(void **state)
{
	(void)state;
	return op_shutdown(5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_cancellable),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_set_metadata),
	    cmocka_unit_test(test_every),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
