/* SPDX-License-Identifier: Apache-2.0 */
/* hex.c: digits both ways, the NUL, and what is not a digit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hex.h"

static void test_encode(void **state)
{
	const unsigned char b[] = {0x00, 0x0f, 0xa5, 0xff};
	char out[2 * sizeof(b) + 1];

	(void)state;
	lxf_hex(b, sizeof(b), out);
	assert_string_equal(out, "000fa5ff");
	lxf_hex(b, 0, out);
	assert_string_equal(out, "");
}

static void test_digits(void **state)
{
	(void)state;
	assert_int_equal(lxf_hexval('0'), 0);
	assert_int_equal(lxf_hexval('9'), 9);
	assert_int_equal(lxf_hexval('a'), 10);
	assert_int_equal(lxf_hexval('F'), 15);
	assert_int_equal(lxf_hexval('g'), -1);
	assert_int_equal(lxf_hexval('/'), -1);
	assert_int_equal(lxf_hexval('\0'), -1);
}

static void test_round_trip(void **state)
{
	unsigned char b[256];
	char out[2 * sizeof(b) + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)i;
	lxf_hex(b, sizeof(b), out);
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal(lxf_hexval(out[2 * i]) * 16 + lxf_hexval(out[2 * i + 1]), b[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_digits),
	    cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
