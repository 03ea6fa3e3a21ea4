/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lazy-loading layer (lazy.h) and the functions the REST client, the
 * websockets and the certificate code call: libcurl is opened by the first
 * request, libwebsockets by exec/console/monitor, OpenSSL by certificate work
 * (or along with libcurl, which links it). To call a new library function,
 * add its row here; the link fails until then, as lxf links none of them.
 */
#include "lazy.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <libwebsockets.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *lazy_open(struct lxf_lazy_lib *lib)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);

	if (h)
		return h;
	if (lib->before)
		(void)lazy_open(lib->before);
	/* Two threads may both open it: dlopen counts references, same handle. */
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "%s: %s needs %s, which cannot be loaded: %s\n",
			program_invocation_short_name, lib->use, lib->soname, dlerror());
		exit(1);
	}
	__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	return h;
}

lxf_lazy_fn_t lxf_lazy_fn(struct lxf_lazy_lib *lib, const char *name, lxf_lazy_fn_t *slot)
{
	lxf_lazy_fn_t fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	void *h, *sym;

	if (fn)
		return fn;
	h = lazy_open(lib);
	sym = dlsym(h, name);
	if (!sym) {
		fprintf(stderr, "%s: %s has no %s: %s\n", program_invocation_short_name,
			lib->soname, name, dlerror());
		exit(1);
	}
	/* POSIX: dlsym's object pointer holds the function's address. */
	memcpy(&fn, &sym, sizeof(fn));
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	return fn;
}

/*
 * libcurl comes with libcrypto, whose 4,000 references to its own functions
 * are each looked up through every library opened with it; opened on its
 * own first, libcrypto relocates against itself and libc only: a request's
 * start costs 1.1 M instructions less (callgrind, 15.4 M -> 14.3 M).
 */
static struct lxf_lazy_lib lazy_crypto = {LXF_SONAME_CRYPTO, "certificate work", NULL, NULL};
static struct lxf_lazy_lib lazy_curl = {LXF_SONAME_CURL, "a request to a remote", &lazy_crypto,
					NULL};
static struct lxf_lazy_lib lazy_lws = {LXF_SONAME_LWS, "exec, console or monitor", &lazy_crypto,
				       NULL};
static struct lxf_lazy_lib lazy_ssl = {LXF_SONAME_SSL, "a TLS connection", &lazy_crypto, NULL};

/* clang-format off */
/* libcurl */
LXF_LAZY_STUB(lazy_curl, CURLcode, curl_global_init, (long flags), (flags))
LXF_LAZY_STUB(lazy_curl, CURL *, curl_easy_init, (void), ())
LXF_LAZY_STUB_VOID(lazy_curl, curl_easy_cleanup, (CURL *h), (h))
LXF_LAZY_STUB_VOID(lazy_curl, curl_easy_reset, (CURL *h), (h))
LXF_LAZY_STUB(lazy_curl, CURLcode, curl_easy_perform, (CURL *h), (h))
LXF_LAZY_STUB(lazy_curl, char *, curl_easy_escape, (CURL *h, const char *s, int len), (h, s, len))
LXF_LAZY_STUB(lazy_curl, const char *, curl_easy_strerror, (CURLcode cc), (cc))
LXF_LAZY_STUB_VOID(lazy_curl, curl_free, (void *p), (p))
LXF_LAZY_STUB(lazy_curl, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s))
LXF_LAZY_STUB_VOID(lazy_curl, curl_slist_free_all, (struct curl_slist *l), (l))
LXF_LAZY_STUB(lazy_curl, CURLM *, curl_multi_init, (void), ())
LXF_LAZY_STUB(lazy_curl, CURLMcode, curl_multi_cleanup, (CURLM *m), (m))
LXF_LAZY_STUB(lazy_curl, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h))
LXF_LAZY_STUB(lazy_curl, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h), (m, h))
LXF_LAZY_STUB(lazy_curl, CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running))
LXF_LAZY_STUB(lazy_curl, CURLMcode, curl_multi_poll,
	      (CURLM *m, struct curl_waitfd extra[], unsigned int n, int ms, int *ret), (m, extra, n, ms, ret))
LXF_LAZY_STUB(lazy_curl, CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left))
LXF_LAZY_STUB(lazy_curl, const char *, curl_multi_strerror, (CURLMcode mc), (mc))

/* libwebsockets */
LXF_LAZY_STUB_VOID(lazy_lws, lws_set_log_level, (int level, void (*emit)(int level, const char *line)), (level, emit))
LXF_LAZY_STUB(lazy_lws, struct lws_context *, lws_create_context, (const struct lws_context_creation_info *i), (i))
LXF_LAZY_STUB_VOID(lazy_lws, lws_context_destroy, (struct lws_context *ctx), (ctx))
LXF_LAZY_STUB(lazy_lws, void *, lws_context_user, (struct lws_context *ctx), (ctx))
LXF_LAZY_STUB(lazy_lws, int, lws_service, (struct lws_context *ctx, int ms), (ctx, ms))
LXF_LAZY_STUB_VOID(lazy_lws, lws_cancel_service, (struct lws_context *ctx), (ctx))
LXF_LAZY_STUB(lazy_lws, struct lws *, lws_client_connect_via_info, (const struct lws_client_connect_info *i), (i))
LXF_LAZY_STUB(lazy_lws, struct lws_context *, lws_get_context, (const struct lws *w), (w))
LXF_LAZY_STUB(lazy_lws, void *, lws_get_opaque_user_data, (const struct lws *w), (w))
LXF_LAZY_STUB_VOID(lazy_lws, lws_set_opaque_user_data, (struct lws *w, void *d), (w, d))
LXF_LAZY_STUB(lazy_lws, lws_sockfd_type, lws_get_socket_fd, (struct lws *w), (w))
LXF_LAZY_STUB(lazy_lws, int, lws_callback_on_writable, (struct lws *w), (w))
LXF_LAZY_STUB(lazy_lws, int, lws_write,
	      (struct lws *w, unsigned char *b, size_t n, enum lws_write_protocol p), (w, b, n, p))
LXF_LAZY_STUB_VOID(lazy_lws, lws_close_reason,
		   (struct lws *w, enum lws_close_status st, unsigned char *b, size_t n), (w, st, b, n))
LXF_LAZY_STUB(lazy_lws, int, lws_frame_is_binary, (struct lws *w), (w))
LXF_LAZY_STUB(lazy_lws, int, lws_is_first_fragment, (struct lws *w), (w))
LXF_LAZY_STUB(lazy_lws, int, lws_is_final_fragment, (struct lws *w), (w))
LXF_LAZY_STUB(lazy_lws, size_t, lws_remaining_packet_payload, (struct lws *w), (w))

/* libssl (already loaded by libcurl when this is called) */
LXF_LAZY_STUB_VOID(lazy_ssl, SSL_CTX_set_cert_verify_callback,
		   (SSL_CTX *ctx, int (*cb)(X509_STORE_CTX *, void *), void *arg), (ctx, cb, arg))

/* libcrypto */
LXF_LAZY_STUB_VOID(lazy_crypto, CRYPTO_free, (void *p, const char *file, int line), (p, file, line))
LXF_LAZY_STUB_VOID(lazy_crypto, OPENSSL_cleanse, (void *p, size_t n), (p, n))
LXF_LAZY_STUB(lazy_crypto, int, RAND_bytes, (unsigned char *b, int n), (b, n))
LXF_LAZY_STUB(lazy_crypto, const BIO_METHOD *, BIO_s_mem, (void), ())
LXF_LAZY_STUB(lazy_crypto, BIO *, BIO_new, (const BIO_METHOD *t), (t))
LXF_LAZY_STUB(lazy_crypto, BIO *, BIO_new_mem_buf, (const void *b, int n), (b, n))
LXF_LAZY_STUB(lazy_crypto, long, BIO_ctrl, (BIO *b, int cmd, long larg, void *parg), (b, cmd, larg, parg))
LXF_LAZY_STUB(lazy_crypto, int, BIO_free, (BIO *b), (b))
LXF_LAZY_STUB(lazy_crypto, BIGNUM *, BN_bin2bn, (const unsigned char *s, int n, BIGNUM *r), (s, n, r))
LXF_LAZY_STUB_VOID(lazy_crypto, BN_free, (BIGNUM *b), (b))
LXF_LAZY_STUB(lazy_crypto, ASN1_INTEGER *, BN_to_ASN1_INTEGER, (const BIGNUM *b, ASN1_INTEGER *a), (b, a))
LXF_LAZY_STUB(lazy_crypto, int, ASN1_TIME_to_tm, (const ASN1_TIME *s, struct tm *tm), (s, tm))
LXF_LAZY_STUB(lazy_crypto, int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
LXF_LAZY_STUB(lazy_crypto, int, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
LXF_LAZY_STUB(lazy_crypto, int, EVP_Digest,
	      (const void *d, size_t n, unsigned char *md, unsigned int *sz, const EVP_MD *t, ENGINE *e),
	      (d, n, md, sz, t, e))
LXF_LAZY_STUB(lazy_crypto, const EVP_MD *, EVP_sha256, (void), ())
LXF_LAZY_STUB(lazy_crypto, const EVP_MD *, EVP_sha384, (void), ())
LXF_LAZY_STUB_VOID(lazy_crypto, EVP_PKEY_free, (EVP_PKEY *k), (k))
LXF_LAZY_STUB(lazy_crypto, int, PEM_write_bio_PrivateKey_traditional,
	      (BIO *b, const EVP_PKEY *k, const EVP_CIPHER *enc, const unsigned char *ks, int kl,
	       pem_password_cb *cb, void *u), (b, k, enc, ks, kl, cb, u))
LXF_LAZY_STUB(lazy_crypto, X509 *, PEM_read_bio_X509, (BIO *b, X509 **x, pem_password_cb *cb, void *u), (b, x, cb, u))
LXF_LAZY_STUB(lazy_crypto, int, PEM_write_bio_X509, (BIO *b, const X509 *x), (b, x))
LXF_LAZY_STUB(lazy_crypto, X509 *, X509_new, (void), ())
LXF_LAZY_STUB_VOID(lazy_crypto, X509_free, (X509 *x), (x))
LXF_LAZY_STUB(lazy_crypto, X509 *, d2i_X509, (X509 **x, const unsigned char **in, long n), (x, in, n))
LXF_LAZY_STUB(lazy_crypto, int, i2d_X509, (const X509 *x, unsigned char **out), (x, out))
LXF_LAZY_STUB(lazy_crypto, int, X509_set_version, (X509 *x, long v), (x, v))
LXF_LAZY_STUB(lazy_crypto, ASN1_INTEGER *, X509_get_serialNumber, (X509 *x), (x))
LXF_LAZY_STUB(lazy_crypto, X509_NAME *, X509_get_subject_name, (const X509 *x), (x))
LXF_LAZY_STUB(lazy_crypto, int, X509_set_issuer_name, (X509 *x, const X509_NAME *n), (x, n))
LXF_LAZY_STUB(lazy_crypto, int, X509_set_pubkey, (X509 *x, EVP_PKEY *k), (x, k))
LXF_LAZY_STUB(lazy_crypto, const ASN1_TIME *, X509_get0_notAfter, (const X509 *x), (x))
LXF_LAZY_STUB(lazy_crypto, ASN1_TIME *, X509_getm_notAfter, (const X509 *x), (x))
LXF_LAZY_STUB(lazy_crypto, ASN1_TIME *, X509_getm_notBefore, (const X509 *x), (x))
LXF_LAZY_STUB(lazy_crypto, ASN1_TIME *, X509_gmtime_adj, (ASN1_TIME *s, long adj), (s, adj))
LXF_LAZY_STUB(lazy_crypto, int, X509_add_ext, (X509 *x, X509_EXTENSION *e, int loc), (x, e, loc))
LXF_LAZY_STUB_VOID(lazy_crypto, X509_EXTENSION_free, (X509_EXTENSION *e), (e))
LXF_LAZY_STUB(lazy_crypto, int, X509_sign, (X509 *x, EVP_PKEY *k, const EVP_MD *md), (x, k, md))
LXF_LAZY_STUB(lazy_crypto, int, X509_NAME_add_entry_by_txt,
	      (X509_NAME *n, const char *f, int t, const unsigned char *b, int len, int loc, int set),
	      (n, f, t, b, len, loc, set))
LXF_LAZY_STUB(lazy_crypto, int, X509_NAME_get_text_by_NID, (const X509_NAME *n, int nid, char *b, int len),
	      (n, nid, b, len))
LXF_LAZY_STUB(lazy_crypto, X509 *, X509_STORE_CTX_get0_cert, (const X509_STORE_CTX *c), (c))
LXF_LAZY_STUB_VOID(lazy_crypto, X509_STORE_CTX_set_error, (X509_STORE_CTX *c, int e), (c, e))
LXF_LAZY_STUB_VOID(lazy_crypto, X509V3_set_ctx,
		   (X509V3_CTX *c, X509 *iss, X509 *sub, X509_REQ *req, X509_CRL *crl, int fl),
		   (c, iss, sub, req, crl, fl))
LXF_LAZY_STUB(lazy_crypto, X509_EXTENSION *, X509V3_EXT_conf_nid,
	      (LHASH_OF(CONF_VALUE) *conf, X509V3_CTX *c, int nid, const char *v), (conf, c, nid, v))
/* clang-format on */

/*
 * The variadic ones. A va_list cannot be passed on, so each reads its one
 * argument by the type the option's number says and calls the library with
 * it. curl's setopts read it by the option's range (CURLOPTTYPE_*), the rule
 * curl_easy_setopt and curl_multi_setopt share (the multi handle has no blob
 * options); so do these.
 */
#define LAZY_CURL_SETOPT(rc, fn, h, opt, ap)                                                       \
	do {                                                                                       \
		if ((opt) < CURLOPTTYPE_OBJECTPOINT)                                               \
			(rc) = (fn)((h), (opt), va_arg((ap), long));                               \
		else if ((opt) < CURLOPTTYPE_FUNCTIONPOINT)                                        \
			(rc) = (fn)((h), (opt), va_arg((ap), void *));                             \
		else if ((opt) < CURLOPTTYPE_OFF_T)                                                \
			(rc) = (fn)((h), (opt), va_arg((ap), lxf_lazy_fn_t));                      \
		else if ((opt) < CURLOPTTYPE_BLOB)                                                 \
			(rc) = (fn)((h), (opt), va_arg((ap), curl_off_t));                         \
		else                                                                               \
			(rc) = (fn)((h), (opt), va_arg((ap), struct curl_blob *));                 \
	} while (0)

static lxf_lazy_fn_t lazy_setopt_slot, lazy_getinfo_slot, lazy_msetopt_slot, lazy_keygen_slot;

CURLcode(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
	__typeof__(&(curl_easy_setopt)) fn = (__typeof__(&(curl_easy_setopt)))lxf_lazy_fn(
	    &lazy_curl, "curl_easy_setopt", &lazy_setopt_slot);
	CURLcode cc;
	va_list ap;

	va_start(ap, opt);
	LAZY_CURL_SETOPT(cc, fn, h, opt, ap);
	va_end(ap);
	return cc;
}

CURLMcode(curl_multi_setopt)(CURLM *m, CURLMoption opt, ...)
{
	__typeof__(&(curl_multi_setopt)) fn = (__typeof__(&(curl_multi_setopt)))lxf_lazy_fn(
	    &lazy_curl, "curl_multi_setopt", &lazy_msetopt_slot);
	CURLMcode mc;
	va_list ap;

	va_start(ap, opt);
	LAZY_CURL_SETOPT(mc, fn, m, opt, ap);
	va_end(ap);
	return mc;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode(curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
	__typeof__(&(curl_easy_getinfo)) fn = (__typeof__(&(curl_easy_getinfo)))lxf_lazy_fn(
	    &lazy_curl, "curl_easy_getinfo", &lazy_getinfo_slot);
	CURLcode cc;
	va_list ap;

	va_start(ap, info);
	cc = fn(h, info, va_arg(ap, void *));
	va_end(ap);
	return cc;
}

/* OpenSSL's quick keygen: "RSA" takes the bits, "EC" the curve name, other
 * types nothing (as EVP_RSA_gen/EVP_EC_gen pass them). */
EVP_PKEY *(EVP_PKEY_Q_keygen)(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	__typeof__(&(EVP_PKEY_Q_keygen)) fn = (__typeof__(&(EVP_PKEY_Q_keygen)))lxf_lazy_fn(
	    &lazy_crypto, "EVP_PKEY_Q_keygen", &lazy_keygen_slot);
	EVP_PKEY *k;
	va_list ap;

	va_start(ap, type);
	if (strcmp(type, "RSA") == 0)
		k = fn(libctx, propq, type, va_arg(ap, size_t));
	else if (strcmp(type, "EC") == 0)
		k = fn(libctx, propq, type, va_arg(ap, char *));
	else
		k = fn(libctx, propq, type);
	va_end(ap);
	return k;
}
