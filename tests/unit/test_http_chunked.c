/* SPDX-License-Identifier: Apache-2.0 */
/* The chunked request body decoder: payload out, framing checked, split anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_chunked.h"

/*
 * Decodes s fed in pieces of step bytes into out (NUL-terminated).
 * Returns the step result; *done tells whether the body ended and *rest
 * how many input bytes were left unconsumed after the end.
 */
static int decode(const char *s, size_t step, char *out, size_t n, bool *done, size_t *rest)
{
	struct http_chunked c;
	struct lxf_err err;
	size_t total = strlen(s), o = 0, off = 0;
	int ret = 0;

	http_chunked_init(&c);
	lxf_err_clear(&err);
	*rest = 0;
	while (off < total && ret == 0) {
		const char *in = s + off;
		size_t len = total - off < step ? total - off : step;
		off += len;
		while (len > 0 && !c.done && ret == 0) {
			const char *data;
			size_t dlen;
			ret = http_chunked_step(&c, &in, &len, &data, &dlen, &err);
			assert_true(o + dlen < n);
			if (dlen)
				memcpy(out + o, data, dlen);
			o += dlen;
		}
		if (c.done) {
			*rest = len + (total - off);
			break;
		}
	}
	if (ret < 0)
		assert_true(err.msg[0] != '\0');
	out[o] = '\0';
	*done = c.done;
	return ret;
}

static void test_payload_any_split(void **state)
{
	const char *body = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n";
	char out[64];
	bool done;
	size_t rest;

	(void)state;
	for (size_t step = 1; step <= strlen(body); step++) {
		assert_int_equal(decode(body, step, out, sizeof(out), &done, &rest), 0);
		assert_string_equal(out, "hello 0123456789");
		assert_true(done);
		assert_int_equal(rest, 0);
	}
}

static void test_trailer_and_rest(void **state)
{
	char out[64];
	bool done;
	size_t rest;

	(void)state;
	/* Trailer fields are skipped; what follows the body is not consumed. */
	assert_int_equal(
	    decode("3\r\nabc\r\n0\r\nX-A: b\r\n\r\nGET", 4, out, sizeof(out), &done, &rest), 0);
	assert_string_equal(out, "abc");
	assert_true(done);
	assert_int_equal(rest, 3);
	/* Upper-case hex, no payload at all. */
	assert_int_equal(
	    decode("B\r\nhello world\r\n0\r\n\r\n", 64, out, sizeof(out), &done, &rest), 0);
	assert_string_equal(out, "hello world");
	assert_int_equal(decode("0\r\n\r\n", 1, out, sizeof(out), &done, &rest), 0);
	assert_string_equal(out, "");
	assert_true(done);
	/* Incomplete: not done, no error. */
	assert_int_equal(decode("5\r\nhel", 2, out, sizeof(out), &done, &rest), 0);
	assert_string_equal(out, "hel");
	assert_false(done);
}

static void test_bad_framing(void **state)
{
	char out[64];
	bool done;
	size_t rest;

	(void)state;
	assert_int_equal(decode("x\r\n", 8, out, sizeof(out), &done, &rest), -LXF_EINVAL);
	assert_int_equal(decode("\r\n", 8, out, sizeof(out), &done, &rest), -LXF_EINVAL);
	assert_int_equal(decode("3\nabc", 8, out, sizeof(out), &done, &rest), -LXF_EINVAL);
	assert_int_equal(decode("3\r\nabcX\r\n", 8, out, sizeof(out), &done, &rest), -LXF_EINVAL);
	assert_int_equal(decode("3\r\nabc\rX", 8, out, sizeof(out), &done, &rest), -LXF_EINVAL);
	/* 16 hex digits would overflow past the 2^60 cap. */
	assert_int_equal(decode("1000000000000000\r\n", 8, out, sizeof(out), &done, &rest),
			 -LXF_EINVAL);
	assert_int_equal(decode("0\r\n\rX", 8, out, sizeof(out), &done, &rest), -LXF_EINVAL);
	assert_false(done);
}

static void test_long_extension(void **state)
{
	static char body[8192];
	char out[16];
	bool done;
	size_t rest;

	(void)state;
	memset(body, 'e', sizeof(body) - 1);
	body[0] = '1';
	body[1] = ';';
	assert_int_equal(decode(body, 512, out, sizeof(out), &done, &rest), -LXF_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_payload_any_split),
	    cmocka_unit_test(test_trailer_and_rest),
	    cmocka_unit_test(test_bad_framing),
	    cmocka_unit_test(test_long_extension),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
