/* SPDX-License-Identifier: Apache-2.0 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "hex.h"
#include "log.h"

#define TLS_PEM_MAX   (64 * 1024)
#define TLS_VALID_SEC (10L * 365 * 24 * 3600)

static char srv_crt_path[4096], srv_key_path[4096];
static char *srv_pem;
static char srv_fp[TLS_FP_LEN + 1];

const char *tls_server_cert_pem(void)
{
	return srv_pem ? srv_pem : "";
}

const char *tls_server_fingerprint(void)
{
	return srv_fp;
}

const char *tls_server_cert_path(void)
{
	return srv_crt_path;
}

const char *tls_server_key_path(void)
{
	return srv_key_path;
}

void tls_fingerprint_der(const unsigned char *der, size_t len, char fp[TLS_FP_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	fp[0] = '\0';
	if (!EVP_Digest(der, len, md, &n, EVP_sha256(), NULL))
		return;
	lxf_hex(md, n * 2 < TLS_FP_LEN ? n : TLS_FP_LEN / 2, fp);
}

static int x509_fingerprint(X509 *x, char fp[TLS_FP_LEN + 1])
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (len <= 0)
		return -1;
	tls_fingerprint_der(der, (size_t)len, fp);
	OPENSSL_free(der);
	return fp[0] ? 0 : -1;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* "DNS:host,IP:a,IP:b..." for the server certificate's SAN, like LXD's mynames(). */
static void san_list(const char *host, char *out, size_t n)
{
	struct ifaddrs *ifa = NULL;
	size_t o;

	o = (size_t)snprintf(out, n, "DNS:%s", host);
	if (o >= n || getifaddrs(&ifa) < 0)
		return;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		char addr[INET6_ADDRSTRLEN];
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct in_addr *a =
			    &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
			if ((ntohl(a->s_addr) >> 16) == 0xa9fe) /* 169.254/16 */
				continue;
			inet_ntop(AF_INET, a, addr, sizeof(addr));
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a =
			    &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MC_LINKLOCAL(a))
				continue;
			inet_ntop(AF_INET6, a, addr, sizeof(addr));
		} else {
			continue;
		}
		int w = snprintf(out + o, n - o, ",IP:%s", addr);
		if (w < 0 || (size_t)w >= n - o)
			break; /* the list is full: the rest is left out */
		o += (size_t)w;
	}
	freeifaddrs(ifa);
}

static int write_pem(const char *path, mode_t mode, X509 *x, EVP_PKEY *key, struct lxf_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;
	int ret = 0;

	if (!b || (x ? !PEM_write_bio_X509(b, x)
		     : !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot encode %s", path);
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	ret = lxf_file_write_atomic(path, data, (size_t)len, mode, err);
out:
	BIO_free(b);
	return ret;
}

int tls_make_cert(const char *crt_path, const char *key_path, int client, struct lxf_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	char host[256], cn[300], san[4096];
	int ret = 0;

	if (gethostname(host, sizeof(host)) < 0 || !host[0])
		snprintf(host, sizeof(host), "UNKNOWN");
	host[sizeof(host) - 1] = '\0';
	snprintf(cn, sizeof(cn), "root@%s", host);
	key = EVP_EC_gen("P-384");
	x = X509_new();
	bn = BN_new();
	if (!key || !x || !bn || !X509_set_version(x, 2) || !BN_rand(bn, 128, BN_RAND_TOP_ANY, 0) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), TLS_VALID_SEC) || !X509_set_pubkey(x, key)) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot make a certificate");
		goto out;
	}
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)"linuxcontainers.org", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0) ||
	    !X509_set_issuer_name(x, name)) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot name the certificate");
		goto out;
	}
	if (!client)
		san_list(host, san, sizeof(san));
	if (add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
	    add_ext(x, NID_ext_key_usage, client ? "clientAuth" : "serverAuth") < 0 ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    (!client && add_ext(x, NID_subject_alt_name, san) < 0) ||
	    !X509_sign(x, key, EVP_sha384())) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot sign the certificate");
		goto out;
	}
	/* The key first: a certificate without its key would be kept as valid. */
	ret = write_pem(key_path, 0600, NULL, key, err);
	if (ret == 0)
		ret = write_pem(crt_path, 0644, x, NULL, err);
out:
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

static X509 *pem_to_x509(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

int tls_server_init(const char *dir, struct lxf_err *err)
{
	struct lxf_buf crt = {0}, key = {0};
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	BIO *kb = NULL;
	int ret = 0;

	if (snprintf(srv_crt_path, sizeof(srv_crt_path), "%s/server.crt", dir) >=
		(int)sizeof(srv_crt_path) ||
	    snprintf(srv_key_path, sizeof(srv_key_path), "%s/server.key", dir) >=
		(int)sizeof(srv_key_path))
		return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
	if (access(srv_crt_path, F_OK) < 0 || access(srv_key_path, F_OK) < 0) {
		lxf_info("Generating the server certificate %s", srv_crt_path);
		ret = tls_make_cert(srv_crt_path, srv_key_path, 0, err);
		if (ret < 0)
			goto out;
	}
	ret = lxf_file_read(srv_crt_path, TLS_PEM_MAX, &crt, err);
	if (ret == 0)
		ret = lxf_file_read(srv_key_path, TLS_PEM_MAX, &key, err);
	if (ret < 0)
		goto out;
	x = pem_to_x509(crt.data, crt.len);
	kb = BIO_new_mem_buf(key.data, (int)key.len);
	pk = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	if (!x || !pk || X509_check_private_key(x, pk) != 1 || x509_fingerprint(x, srv_fp) < 0) {
		ret = lxf_err_set(err, LXF_EINVAL, "%s and %s are not a certificate and its key",
				  srv_crt_path, srv_key_path);
		goto out;
	}
	free(srv_pem);
	srv_pem = strndup(crt.data, crt.len);
	if (!srv_pem)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(kb);
	lxf_buf_fini(&crt);
	OPENSSL_cleanse(key.data, key.len);
	lxf_buf_fini(&key);
	return ret;
}

/* LXD's certificateValidate(): in its validity period, RSA keys of 2048 bits at least. */
static int validate(X509 *x, struct lxf_buf *pem, char fp[TLS_FP_LEN + 1], char *cn, size_t cn_n,
		    struct lxf_err *err)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BIO *b = NULL;
	char *data = NULL;
	long len;
	int ret = 0;

	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		return lxf_err_set(err, LXF_EINVAL, "The provided certificate isn't valid yet");
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		return lxf_err_set(err, LXF_EINVAL, "The provided certificate is expired");
	if (!pk)
		return lxf_err_set(err, LXF_EINVAL, "Invalid certificate material: no public key");
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pk) < 2048)
		return lxf_err_set(err, LXF_EINVAL, "RSA key is too weak (minimum of 2048bit)");
	if (x509_fingerprint(x, fp) < 0)
		return lxf_err_set(err, LXF_EINVAL, "Invalid certificate material");
	if (cn && cn_n) {
		cn[0] = '\0';
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
					      (int)cn_n) < 0)
			cn[0] = '\0';
	}
	b = BIO_new(BIO_s_mem());
	if (!b || !PEM_write_bio_X509(b, x)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	len = BIO_get_mem_data(b, &data);
	if (lxf_buf_add(pem, data, (size_t)len) < 0)
		ret = lxf_err_set(err, LXF_ETOOBIG, "Certificate too large");
out:
	BIO_free(b);
	return ret;
}

int tls_cert_check_der(const unsigned char *der, size_t len, struct lxf_buf *pem,
		       char fp[TLS_FP_LEN + 1], char *cn, size_t cn_n, struct lxf_err *err)
{
	const unsigned char *p = der;
	X509 *x = len <= TLS_PEM_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
	int ret;

	if (!x || p != der + len) {
		X509_free(x);
		return lxf_err_set(err, LXF_EINVAL, "Invalid certificate material");
	}
	ret = validate(x, pem, fp, cn, cn_n, err);
	X509_free(x);
	return ret;
}

int tls_cert_check(const char *text, int is_pem, struct lxf_buf *pem, char fp[TLS_FP_LEN + 1],
		   char *cn, size_t cn_n, struct lxf_err *err)
{
	size_t len = strlen(text);
	unsigned char *der = NULL;
	X509 *x = NULL;
	int ret;

	if (len == 0 || len > TLS_PEM_MAX)
		return lxf_err_set(err, LXF_EINVAL, "Invalid certificate material");
	if (is_pem) {
		x = pem_to_x509(text, len);
		if (!x)
			return lxf_err_set(err, LXF_EINVAL, "Invalid certificate material");
		ret = validate(x, pem, fp, cn, cn_n, err);
		X509_free(x);
		return ret;
	}
	/* Base64 DER. LXD's decoder (Go's StdEncoding) skips CR and LF, and
	 * pylxd sends 64-character lines; EVP_DecodeBlock takes no whitespace
	 * and counts the padding as data, so the line breaks go first. */
	char *flat = malloc(len + 1);
	size_t flen = 0;
	der = malloc(len);
	if (!flat || !der) {
		free(flat);
		free(der);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\r' && text[i] != '\n')
			flat[flen++] = text[i];
	flat[flen] = '\0';
	int n = flen > 0 && flen % 4 == 0
		    ? EVP_DecodeBlock(der, (const unsigned char *)flat, (int)flen)
		    : -1;
	for (size_t i = flen; n > 0 && i > 0 && flat[i - 1] == '='; i--)
		n--;
	free(flat);
	if (n < 0) {
		free(der);
		return lxf_err_set(err, LXF_EINVAL, "Invalid certificate: not base64");
	}
	ret = tls_cert_check_der(der, (size_t)n, pem, fp, cn, cn_n, err);
	free(der);
	return ret;
}
