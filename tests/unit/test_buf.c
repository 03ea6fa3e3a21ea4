/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c: capped growth, NUL termination, take/reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"

static void test_zeroed_is_empty(void **state)
{
	struct lxf_buf b = {0};

	(void)state;
	assert_string_equal(lxf_buf_str(&b), "");
	assert_int_equal(lxf_buf_adds(&b, "hello"), 0);
	assert_int_equal(lxf_buf_addc(&b, ' '), 0);
	assert_int_equal(lxf_buf_addf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(lxf_buf_str(&b), "hello 42-x");
	assert_int_equal(b.len, 10);
	assert_true(b.alloc >= 64);
	lxf_buf_fini(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	lxf_buf_fini(&b); /* twice is fine */
}

static void test_cap_refusal_leaves_buffer(void **state)
{
	struct lxf_buf b;
	char *before_data;
	size_t before_alloc;

	(void)state;
	lxf_buf_init(&b, 10);
	assert_int_equal(lxf_buf_adds(&b, "12345678"), 0);
	before_data = b.data;
	before_alloc = b.alloc;
	assert_int_equal(lxf_buf_adds(&b, "abc"), -LXF_ETOOBIG);
	assert_int_equal(lxf_buf_addf(&b, "%s", "abc"), -LXF_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_ptr_equal(b.data, before_data);
	assert_int_equal(b.alloc, before_alloc);
	assert_string_equal(lxf_buf_str(&b), "12345678");
	/* Exactly at the cap is allowed; the NUL is not charged. */
	assert_int_equal(lxf_buf_adds(&b, "90"), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(lxf_buf_addc(&b, 'x'), -LXF_ETOOBIG);
	assert_string_equal(lxf_buf_str(&b), "1234567890");
	lxf_buf_fini(&b);
	assert_int_equal(b.cap, 10);
}

static void test_huge_sizes_refused_before_alloc(void **state)
{
	struct lxf_buf b;

	(void)state;
	lxf_buf_init(&b, 0);
	assert_int_equal(lxf_buf_adds(&b, "x"), 0);
	/* Overflowing sizes must fail, not wrap (p is never read). */
	assert_int_equal(lxf_buf_add(&b, "", SIZE_MAX), -LXF_ETOOBIG);
	assert_int_equal(lxf_buf_add(&b, "", SIZE_MAX - 1), -LXF_ETOOBIG);
	assert_int_equal(b.len, 1);
	lxf_buf_fini(&b);

	lxf_buf_init(&b, 1024);
	assert_int_equal(lxf_buf_add(&b, "", (size_t)1 << 40), -LXF_ETOOBIG);
	assert_null(b.data);
	lxf_buf_fini(&b);
}

static void test_growth_and_binary(void **state)
{
	struct lxf_buf b;
	char chunk[1000];

	(void)state;
	lxf_buf_init(&b, 1 << 20);
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)(i % 251);
	for (int i = 0; i < 100; i++)
		assert_int_equal(lxf_buf_add(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.alloc > b.len);
	assert_int_equal(b.data[b.len], '\0');
	assert_memory_equal(b.data + 99000, chunk, sizeof(chunk));
	/* The cap bounds the allocation too. */
	assert_true(b.alloc <= b.cap + 1);
	lxf_buf_fini(&b);
}

static void test_long_addf(void **state)
{
	struct lxf_buf b;
	char big[3000];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lxf_buf_init(&b, 0);
	assert_int_equal(lxf_buf_addf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, sizeof(big) + 1);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[b.len - 1], '>');
	lxf_buf_fini(&b);

	lxf_buf_init(&b, 100);
	assert_int_equal(lxf_buf_addf(&b, "<%s>", big), -LXF_ETOOBIG);
	assert_int_equal(b.len, 0);
	lxf_buf_fini(&b);
}

static void test_reset_and_take(void **state)
{
	struct lxf_buf b;
	char *s;

	(void)state;
	lxf_buf_init(&b, 100);
	lxf_buf_adds(&b, "abc");
	lxf_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(lxf_buf_str(&b), "");
	assert_non_null(b.data);
	lxf_buf_adds(&b, "def");
	s = lxf_buf_take(&b);
	assert_string_equal(s, "def");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 100);
	free(s);
	/* Taking an empty buffer still gives a string. */
	s = lxf_buf_take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zeroed_is_empty),
	    cmocka_unit_test(test_cap_refusal_leaves_buffer),
	    cmocka_unit_test(test_huge_sizes_refused_before_alloc),
	    cmocka_unit_test(test_growth_and_binary),
	    cmocka_unit_test(test_long_addf),
	    cmocka_unit_test(test_reset_and_take),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
