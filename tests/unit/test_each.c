/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/each.c: per-target runs in parallel print in argument order, never
 * interleaved, with the exit statuses of the serial run (0, 3 partial,
 * the failure's, 2 for usage), and really overlap.
 */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "each.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int running, most;

/*
 * A fake exec: target NAME "ok-N" or "fail-N" or "usage-N"; later targets
 * end first (they sleep less), and each writes two lines to show that
 * one target's output stays together.
 */
static int fake_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args)
{
	int n = (int)strtol(strchr(args->name, '-') + 1, NULL, 10);

	(void)self;
	pthread_mutex_lock(&lock);
	if (++running > most)
		most = running;
	pthread_mutex_unlock(&lock);
	usleep((useconds_t)(5 - n) * 40000);
	fprintf(ctx->out, "%s begins\n", args->name);
	usleep(1000);
	fprintf(ctx->out, "%s ends\n", args->name);
	pthread_mutex_lock(&lock);
	running--;
	pthread_mutex_unlock(&lock);
	if (strncmp(args->name, "fail", 4) == 0)
		return lxf_cmd_fail(ctx, &(struct lxf_err){.code = LXF_ENOENT, .msg = "not found"});
	if (strncmp(args->name, "usage", 5) == 0)
		return LXF_EXIT_USAGE;
	return LXF_EXIT_OK;
}

static const struct lxf_cmd fake = {.name = "fake", .exec = fake_exec};

/* Runs the names as targets; returns the status, *out and *err the output. */
static int run(const char *const *names, size_t n, bool serial, char **out, char **err)
{
	struct lxf_each_target v[8];
	size_t olen = 0, elen = 0;
	struct lxf_cmd_ctx ctx = {0};
	int st;

	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < n; i++)
		v[i].args.name = (char *)names[i];
	ctx.out = open_memstream(out, &olen);
	ctx.err = open_memstream(err, &elen);
	most = 0;
	st = lxf_each_run(&fake, &ctx, v, n, serial);
	(void)fclose(ctx.out);
	(void)fclose(ctx.err);
	return st;
}

static void test_order_and_status(void **state)
{
	static const char *const names[] = {"ok-1", "fail-2", "ok-3", "ok-4"};
	char *out = NULL, *err = NULL;

	(void)state;
	assert_int_equal(run(names, 4, false, &out, &err), LXF_EXIT_PARTIAL);
	assert_string_equal(out, "ok-1 begins\nok-1 ends\nfail-2 begins\nfail-2 ends\n"
				 "ok-3 begins\nok-3 ends\nok-4 begins\nok-4 ends\n");
	assert_string_equal(err, "Error: not found\n");
	assert_true(most > 1); /* they overlapped */
	free(out);
	free(err);

	assert_int_equal(run(names, 4, true, &out, &err), LXF_EXIT_PARTIAL);
	assert_int_equal(most, 1); /* -i: one at a time */
	free(out);
	free(err);
}

static void test_all_fail_and_usage(void **state)
{
	static const char *const fails[] = {"fail-1", "fail-2"};
	static const char *const usage[] = {"ok-1", "usage-2", "ok-3"};
	char *out = NULL, *err = NULL;

	(void)state;
	assert_int_equal(run(fails, 2, false, &out, &err), LXF_EXIT_ERROR);
	free(out);
	free(err);
	assert_int_equal(run(usage, 3, false, &out, &err), LXF_EXIT_USAGE);
	free(out);
	free(err);
	assert_int_equal(run(usage, 1, false, &out, &err), LXF_EXIT_OK);
	free(out);
	free(err);
}

/* An unresolved target of several prints its error, naming it. */
static void test_unresolved_named(void **state)
{
	struct lxf_each_target v[2];
	char *out = NULL, *err = NULL;
	size_t olen = 0, elen = 0;
	struct lxf_cmd_ctx ctx = {0};

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].args.name = "ok-1";
	v[1].args.target_arg = "h3:nosuch";
	v[1].rc = lxf_err_set(&v[1].err, LXF_ENOENT, "Instance not found");
	ctx.out = open_memstream(&out, &olen);
	ctx.err = open_memstream(&err, &elen);
	assert_int_equal(lxf_each_run(&fake, &ctx, v, 2, false), LXF_EXIT_PARTIAL);
	(void)fclose(ctx.out);
	(void)fclose(ctx.err);
	assert_string_equal(err, "Error: h3:nosuch: Instance not found\n");
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_status),
	    cmocka_unit_test(test_all_fail_and_usage),
	    cmocka_unit_test(test_unresolved_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
