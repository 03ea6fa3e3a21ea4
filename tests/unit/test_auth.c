/* SPDX-License-Identifier: Apache-2.0 */
/* daemon/store/auth.c and daemon/core/tls.c: trust password, expiry, rate limit, certificates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "file.h"
#include "http.h"
#include "https.h"
#include "router.h"
#include "tls.h"

/* hex(salt 00..1f || scrypt("hunter2", salt, 2^14, 8, 1, 64)), made with Python's hashlib. */
static const char vector[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
			     "1829697d67f2ed0d19b6cd4f88eeb43c873a6609b0ac922ca30c900a931003445c"
			     "242985a0eb93ad1ae1f9ff8392048c3bf9611a05c931cb845fa77f930fbda1";

static void test_password(void **state)
{
	char *h1 = NULL, *h2 = NULL;
	struct lxf_err err;

	(void)state;
	/* LXD 5.0's format, checked against an independent scrypt. */
	assert_true(auth_password_check(vector, "hunter2"));
	assert_false(auth_password_check(vector, "hunter3"));
	assert_false(auth_password_check(vector, ""));
	assert_false(auth_password_check("", "hunter2"));
	assert_false(auth_password_check("zz", "hunter2"));
	assert_int_equal(auth_password_hash("s3cret", &h1, &err), 0);
	assert_int_equal(auth_password_hash("s3cret", &h2, &err), 0);
	assert_int_equal(strlen(h1), 192);
	assert_string_not_equal(h1, h2); /* salted */
	assert_true(auth_password_check(h1, "s3cret"));
	assert_true(auth_password_check(h2, "s3cret"));
	assert_false(auth_password_check(h1, "s3cret "));
	free(h1);
	free(h2);
}

static void test_expiry(void **state)
{
	struct lxf_err err;
	int64_t s = -1;

	(void)state;
	assert_int_equal(auth_parse_expiry("", &s, &err), 0);
	assert_int_equal(s, 0);
	assert_int_equal(auth_parse_expiry("30M", &s, &err), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(auth_parse_expiry("1d 2H 3S", &s, &err), 0);
	assert_int_equal(s, 86400 + 7200 + 3);
	assert_int_equal(auth_parse_expiry("1w", &s, &err), 0);
	assert_int_equal(s, 7 * 86400);
	assert_int_equal(auth_parse_expiry("5x", &s, &err), -LXF_EINVAL);
	assert_int_equal(auth_parse_expiry("1H 2H", &s, &err), -LXF_EINVAL);
	assert_int_equal(auth_parse_expiry("H", &s, &err), -LXF_EINVAL);
	assert_int_equal(auth_parse_expiry("1HH", &s, &err), -LXF_EINVAL);
	assert_int_equal(auth_parse_expiry("-1H", &s, &err), -LXF_EINVAL);
}

static void test_rate_limit(void **state)
{
	(void)state;
	for (int i = 0; i < AUTH_RATE_BURST; i++) {
		assert_true(auth_rate_allow("192.0.2.1"));
		auth_rate_fail("192.0.2.1");
	}
	assert_false(auth_rate_allow("192.0.2.1"));
	/* Per address: another one is not affected. */
	assert_true(auth_rate_allow("192.0.2.2"));
	/* Many addresses evict the stalest slots, never crash. */
	for (int i = 0; i < 1000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "198.51.%d.%d", i / 256, i % 256);
		auth_rate_fail(a);
	}
	assert_true(auth_rate_allow("203.0.113.9"));
}

static void test_certificates(void **state)
{
	char dir[] = "/tmp/test_auth.XXXXXX", crt[64], key[64], fp[TLS_FP_LEN + 1],
	     fp2[TLS_FP_LEN + 1], cn[128];
	struct lxf_buf pem = {0}, pem2 = {0}, file = {0};
	struct lxf_err err;
	unsigned char der[4096];
	char b64[8192];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(crt, sizeof(crt), "%s/c.crt", dir);
	snprintf(key, sizeof(key), "%s/c.key", dir);
	assert_int_equal(tls_make_cert(crt, key, 1, &err), 0);
	assert_int_equal(lxf_file_read(crt, 65536, &file, &err), 0);
	/* PEM in: parsed, valid, fingerprint and CN out. */
	assert_int_equal(tls_cert_check(file.data, 1, &pem, fp, cn, sizeof(cn), &err), 0);
	assert_int_equal(strlen(fp), TLS_FP_LEN);
	assert_non_null(strstr(cn, "root@"));
	assert_non_null(strstr(lxf_buf_str(&pem), "BEGIN CERTIFICATE"));
	/* Base64 DER in (what POST /1.0/certificates takes): same fingerprint. */
	{
		BIO *b = BIO_new_mem_buf(file.data, (int)file.len);
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		unsigned char *p = der;
		int n = i2d_X509(x, &p);
		char want[TLS_FP_LEN + 1];
		assert_true(n > 0);
		tls_fingerprint_der(der, (size_t)n, want);
		assert_string_equal(fp, want);
		EVP_EncodeBlock((unsigned char *)b64, der, n);
		X509_free(x);
		BIO_free(b);
	}
	assert_int_equal(tls_cert_check(b64, 0, &pem2, fp2, NULL, 0, &err), 0);
	assert_string_equal(fp, fp2);
	/* In 64-character lines, as pylxd sends it (LXD skips CR and LF). */
	{
		char lines[8192 + 8192 / 64 * 2];
		size_t o = 0, blen = strlen(b64);
		for (size_t i = 0; i < blen; i++) {
			lines[o++] = b64[i];
			if (i % 64 == 63)
				lines[o++] = '\n';
		}
		lines[o++] = '\r';
		lines[o++] = '\n';
		lines[o] = '\0';
		lxf_buf_fini(&pem2);
		assert_int_equal(tls_cert_check(lines, 0, &pem2, fp2, NULL, 0, &err), 0);
		assert_string_equal(fp, fp2);
		assert_int_equal(tls_cert_check("\n\r\n", 0, &pem2, fp2, NULL, 0, &err),
				 -LXF_EINVAL);
	}
	/* Garbage is refused with EINVAL. */
	assert_int_equal(tls_cert_check("bm90IGEgY2VydA==", 0, &pem2, fp2, NULL, 0, &err),
			 -LXF_EINVAL);
	assert_int_equal(tls_cert_check("not base64!", 0, &pem2, fp2, NULL, 0, &err), -LXF_EINVAL);
	assert_int_equal(tls_cert_check("", 0, &pem2, fp2, NULL, 0, &err), -LXF_EINVAL);
	assert_int_equal(
	    tls_cert_check("-----BEGIN CERTIFICATE-----\nAAAA\n", 1, &pem2, fp2, NULL, 0, &err),
	    -LXF_EINVAL);
	lxf_buf_fini(&pem);
	lxf_buf_fini(&pem2);
	lxf_buf_fini(&file);
	unlink(crt);
	unlink(key);
	rmdir(dir);
}

/*
 * The routes that have flag are those of the handlers in names (a handler
 * may serve several routes, as PUT and PATCH do), and every name is one.
 */
static void check_flag(unsigned flag, const char *const *names, size_t nnames)
{
	size_t n = 0;
	const struct route *r = router_table(&n);

	for (size_t i = 0; i < n; i++) {
		bool want = false;
		for (size_t j = 0; j < nnames; j++)
			want = want || strcmp(r[i].handler_name, names[j]) == 0;
		if (!!(r[i].flags & flag) != want)
			fail_msg("%s %s: flag 0x%x %s", router_method_name(r[i].method), r[i].tmpl,
				 flag, want ? "missing" : "unexpected");
	}
	for (size_t j = 0; j < nnames; j++) {
		bool found = false;
		for (size_t i = 0; i < n; i++)
			found = found || strcmp(r[i].handler_name, names[j]) == 0;
		if (!found)
			fail_msg("%s: no route has this handler", names[j]);
	}
}

/* Exactly LXD's AllowUntrusted routes (of those lxfd has) are open to
 * untrusted clients (image GET and export check public/secret themselves,
 * an operation's wait its secret);
 * exactly the server-changing ones are closed to restricted certificates. */
static void test_untrusted_routes(void **state)
{
	static const char *const open[] = {
	    "api_root_get",  "api_server_get",   "api_certificates_post", "ws_chan_open",
	    "api_image_get", "api_image_export", "api_operation_wait"};
	/* An image pushed here: its sender is untrusted, with a push token. */
	static const char *const token[] = {"api_images_post"};
	static const char *const admin[] = {"api_server_update",        "api_internal_shutdown",
					    "api_internal_connections", "api_certificate_update",
					    "api_certificate_delete",   "api_pools_post",
					    "api_pool_delete"};

	(void)state;
	check_flag(ROUTE_F_UNTRUSTED, open, sizeof(open) / sizeof(open[0]));
	check_flag(ROUTE_F_TOKEN, token, sizeof(token) / sizeof(token[0]));
	check_flag(ROUTE_F_ADMIN, admin, sizeof(admin) / sizeof(admin[0]));
}

/* A metrics certificate reaches GET /1.0/metrics (and what untrusted
 * clients reach), and every other route refuses it. */
static void test_metrics_certificate(void **state)
{
	static const char *const metrics[] = {"api_metrics_get"};
	struct http_req *req = calloc(1, sizeof(*req));
	const struct route *r;
	struct lxf_err err;
	size_t n = 0;

	(void)state;
	assert_non_null(req);
	check_flag(ROUTE_F_METRICS, metrics, 1);
	r = router_table(&n);
	req->level = AUTH_METRICS;
	for (size_t i = 0; i < n; i++) {
		bool open = (r[i].flags & (ROUTE_F_METRICS | ROUTE_F_UNTRUSTED)) != 0;

		req->match.route = &r[i];
		lxf_err_clear(&err);
		if ((https_restricted_check(req, &err) == 0) != open)
			fail_msg("%s %s: metrics certificate %s", router_method_name(r[i].method),
				 r[i].tmpl, open ? "refused" : "let in");
	}
	free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password),         cmocka_unit_test(test_expiry),
	    cmocka_unit_test(test_rate_limit),       cmocka_unit_test(test_certificates),
	    cmocka_unit_test(test_untrusted_routes), cmocka_unit_test(test_metrics_certificate),
	};
	api_routes_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
