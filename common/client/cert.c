/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Client certificates, fingerprints and LXD certificate add tokens, with
 * OpenSSL for the crypto and base64 and json-c for the token's JSON.
 */
#include "cert.h"

#include <errno.h>
#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "hex.h"
#include "json.h"

#define CERT_PATH_MAX 4096
#define CERT_DAYS     3650L

void lxf_cert_fingerprint(const unsigned char *der, size_t len, char *hex)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md)) {
		hex[0] = '\0';
		return;
	}
	lxf_hex(md, sizeof(md), hex);
}

int lxf_cert_load_der(const char *path, unsigned char **der, size_t *len, struct lxf_err *err)
{
	struct lxf_buf text = {0};
	const unsigned char *p;
	unsigned char *out = NULL;
	X509 *x = NULL;
	BIO *bio = NULL;
	int n, rc;

	*der = NULL;
	*len = 0;
	lxf_buf_init(&text, LXF_CERT_PEM_MAX);
	rc = lxf_file_read(path, LXF_CERT_PEM_MAX, &text, err);
	if (rc)
		goto out;
	bio = BIO_new_mem_buf(text.data ? text.data : "", (int)text.len);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (!x && text.len > 0) {
		p = (const unsigned char *)text.data;
		x = d2i_X509(NULL, &p, (long)text.len);
	}
	if (!x) {
		rc = lxf_err_set(err, LXF_EINVAL, "%s: no certificate in it", path);
		goto out;
	}
	n = i2d_X509(x, &out);
	if (n <= 0) {
		rc = lxf_err_set(err, LXF_EINVAL, "%s: bad certificate", path);
		goto out;
	}
	*der = malloc((size_t)n);
	if (!*der) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(*der, out, (size_t)n);
	*len = (size_t)n;
out:
	OPENSSL_free(out);
	X509_free(x);
	BIO_free(bio);
	lxf_buf_fini(&text);
	return rc;
}

int lxf_cert_der_to_pem(const unsigned char *der, size_t len, char **pem, struct lxf_err *err)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;
	int rc = 0;

	*pem = NULL;
	if (!x || !bio || PEM_write_bio_X509(bio, x) != 1) {
		rc = lxf_err_set(err, LXF_EINVAL, "bad certificate");
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	*pem = n > 0 ? strndup(data, (size_t)n) : NULL;
	if (!*pem)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	X509_free(x);
	BIO_free(bio);
	return rc;
}

/* "root@host", as lxc names its client certificates. */
static void cert_common_name(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(geteuid());
	char host[256] = "localhost";

	if (gethostname(host, sizeof(host) - 1) != 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(buf, len, "%s@%s", pw && pw->pw_name ? pw->pw_name : "lxf", host);
}

static int cert_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* A self-signed EC P-384 client certificate and its key, as PEM in two buffers. */
static int cert_generate(char **crt_pem, char **key_pem, struct lxf_err *err)
{
	EVP_PKEY *pkey = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	BIO *cb = NULL, *kb = NULL;
	unsigned char serial[16];
	char cn[320], *data = NULL;
	long n;
	int rc = 0;

	*crt_pem = NULL;
	*key_pem = NULL;
	pkey = EVP_EC_gen("secp384r1");
	x = X509_new();
	if (!pkey || !x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f; /* a positive serial */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	cert_common_name(cn, sizeof(cn));
	name = X509_get_subject_name(x);
	if (!bn || X509_set_version(x, 2) != 1 ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -60) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), CERT_DAYS * 24 * 3600) ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
				       (const unsigned char *)"linuxcontainers.org", -1, -1,
				       0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    cert_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    cert_add_ext(x, NID_key_usage, "critical,digitalSignature") != 0 ||
	    cert_add_ext(x, NID_ext_key_usage, "clientAuth") != 0 ||
	    X509_sign(x, pkey, EVP_sha384()) == 0)
		goto fail;
	cb = BIO_new(BIO_s_mem());
	kb = BIO_new(BIO_s_mem());
	/* "EC PRIVATE KEY", the form lxc writes. */
	if (!cb || !kb || PEM_write_bio_X509(cb, x) != 1 ||
	    PEM_write_bio_PrivateKey_traditional(kb, pkey, NULL, NULL, 0, NULL, NULL) != 1)
		goto fail;
	n = BIO_get_mem_data(cb, &data);
	*crt_pem = n > 0 ? strndup(data, (size_t)n) : NULL;
	n = BIO_get_mem_data(kb, &data);
	*key_pem = n > 0 ? strndup(data, (size_t)n) : NULL;
	if (!*crt_pem || !*key_pem) {
		free(*crt_pem);
		free(*key_pem);
		*crt_pem = *key_pem = NULL;
		goto fail;
	}
	goto out;
fail:
	rc = lxf_err_set(err, LXF_EINTERNAL, "cannot generate the client certificate (OpenSSL)");
out:
	BIO_free(cb);
	BIO_free(kb);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}

int lxf_cert_ensure_client(const char *dir, bool *created, struct lxf_err *err)
{
	char crt[CERT_PATH_MAX], key[CERT_PATH_MAX];
	char *crt_pem = NULL, *key_pem = NULL;
	bool have_crt, have_key;
	int rc = 0;

	if (created)
		*created = false;
	if (snprintf(crt, sizeof(crt), "%s/client.crt", dir) >= (int)sizeof(crt) ||
	    snprintf(key, sizeof(key), "%s/client.key", dir) >= (int)sizeof(key))
		return lxf_err_set(err, LXF_EINVAL, "configuration path too long");
	have_crt = access(crt, F_OK) == 0;
	have_key = access(key, F_OK) == 0;
	if (have_crt && have_key)
		return 0;
	if (have_crt || have_key)
		return lxf_err_set(err, LXF_EINVAL,
				   "%s exists but %s does not: restore it or remove both",
				   have_crt ? crt : key, have_crt ? key : crt);
	rc = cert_generate(&crt_pem, &key_pem, err);
	if (rc == 0 && (!crt_pem || !key_pem))
		rc = lxf_err_set(err, LXF_EINTERNAL, "cannot generate the client certificate");
	if (rc || !crt_pem || !key_pem)
		goto out;
	rc = lxf_mkdir_p(dir, 0700, err);
	if (rc)
		goto out;
	/* The key first: a crash in between leaves no certificate without its key. */
	rc = lxf_file_write_atomic(key, key_pem, strlen(key_pem), 0600, err);
	if (rc == 0)
		rc = lxf_file_write_atomic(crt, crt_pem, strlen(crt_pem), 0644, err);
	if (rc) {
		(void)unlink(key);
		goto out;
	}
	if (created)
		*created = true;
out:
	if (key_pem)
		OPENSSL_cleanse(key_pem, strlen(key_pem));
	free(key_pem);
	free(crt_pem);
	return rc;
}

void lxf_token_fini(struct lxf_token *t)
{
	if (!t)
		return;
	free(t->client_name);
	for (size_t i = 0; i < t->naddresses; i++)
		free(t->addresses[i]);
	if (t->secret)
		OPENSSL_cleanse(t->secret, strlen(t->secret));
	free(t->secret);
	free(t->expires_at);
	memset(t, 0, sizeof(*t));
}

/* Standard base64 with padding, the only form LXD's decoder takes. */
static int token_unbase64(const char *s, unsigned char **out, size_t *outlen)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *buf;
	int n;

	*out = NULL;
	if (len == 0 || len % 4 != 0 || len > LXF_TOKEN_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || (c == '=' && i >= len - 2)))
			return -1;
	}
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	if (pad == 1 && s[len - 2] == '=')
		return -1;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return -1;
	n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad) {
		free(buf);
		return -1;
	}
	*outlen = (size_t)n - pad; /* EVP_DecodeBlock counts the padding as zero bytes */
	buf[*outlen] = '\0';
	*out = buf;
	return 0;
}

static int token_strdup(struct json_object *o, const char *key, char **dst, struct lxf_err *err)
{
	const char *v = NULL;
	int rc = lxf_json_get_string(o, key, true, &v, err);

	if (rc)
		return rc;
	if (!*v)
		return lxf_err_set(err, LXF_EINVAL, "token: empty '%s'", key);
	*dst = strdup(v);
	return *dst ? 0 : lxf_err_set(err, LXF_ENOMEM, "out of memory");
}

int lxf_token_decode(const char *s, struct lxf_token *out, struct lxf_err *err)
{
	struct lxf_token t = {0};
	struct json_object *root = NULL, *addrs = NULL;
	unsigned char *raw = NULL;
	const char *fp = NULL, *exp = NULL;
	size_t rawlen = 0, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (token_unbase64(s, &raw, &rawlen) != 0) {
		rc = lxf_err_set(err, LXF_EINVAL, "not a certificate add token (bad base64)");
		goto out;
	}
	rc = lxf_json_parse((const char *)raw, rawlen, 4, &root, err);
	if (rc == 0 && !json_object_is_type(root, json_type_object))
		rc = lxf_err_set(err, LXF_EINVAL, "not a JSON object");
	if (rc == 0)
		rc = token_strdup(root, "client_name", &t.client_name, err);
	if (rc == 0)
		rc = token_strdup(root, "secret", &t.secret, err);
	if (rc == 0)
		rc = lxf_json_get_string(root, "fingerprint", true, &fp, err);
	if (rc == 0)
		rc = lxf_json_get_array(root, "addresses", true, &addrs, err);
	if (rc == 0)
		rc = lxf_json_get_string(root, "expires_at", false, &exp, err);
	if (rc)
		goto bad;
	if (strlen(fp) != LXF_FP_HEX_LEN || strspn(fp, "0123456789abcdef") != LXF_FP_HEX_LEN) {
		rc = lxf_err_set(err, LXF_EINVAL, "bad certificate fingerprint '%s'", fp);
		goto bad;
	}
	memcpy(t.fingerprint, fp, LXF_FP_HEX_LEN + 1);
	n = json_object_array_length(addrs);
	if (n == 0 || n > LXF_TOKEN_ADDRS) {
		rc = lxf_err_set(err, LXF_EINVAL, "%s server addresses", n ? "too many" : "no");
		goto bad;
	}
	for (size_t i = 0; i < n; i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(addrs, i));

		if (!json_object_is_type(json_object_array_get_idx(addrs, i), json_type_string) ||
		    !*a || strpbrk(a, " \t\r\n/")) {
			rc = lxf_err_set(err, LXF_EINVAL, "bad server address in 'addresses'");
			goto bad;
		}
		t.addresses[i] = strdup(a);
		if (!t.addresses[i]) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		t.naddresses++;
	}
	if (exp && !(t.expires_at = strdup(exp))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	*out = t;
	memset(&t, 0, sizeof(t));
	goto out;
bad:
	lxf_err_prefix(err, "certificate add token");
out:
	lxf_token_fini(&t);
	if (root)
		json_object_put(root);
	free(raw);
	return rc;
}

int lxf_token_encode(const struct lxf_token *t, char **out, struct lxf_err *err)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *js;
	char *b64 = NULL;
	size_t len;
	int rc = 0;

	*out = NULL;
	if (!o || !a || lxf_json_add_str(o, "client_name", t->client_name) != 0 ||
	    lxf_json_add_str(o, "fingerprint", t->fingerprint) != 0 ||
	    json_object_object_add(o, "addresses", json_object_get(a)) != 0)
		goto nomem;
	for (size_t i = 0; i < t->naddresses; i++)
		if (json_object_array_add(a, json_object_new_string(t->addresses[i])) != 0)
			goto nomem;
	if (lxf_json_add_str(o, "secret", t->secret) != 0 ||
	    lxf_json_add_str(o, "expires_at",
			     t->expires_at ? t->expires_at : "0001-01-01T00:00:00Z") != 0)
		goto nomem;
	js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!js)
		goto nomem;
	len = strlen(js);
	b64 = malloc((len + 2) / 3 * 4 + 1);
	if (!b64)
		goto nomem;
	(void)EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)js, (int)len);
	*out = b64;
	goto out;
nomem:
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	json_object_put(a);
	json_object_put(o);
	return rc;
}
