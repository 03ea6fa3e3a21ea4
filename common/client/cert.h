/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CERT_H
#define LXF_CERT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Certificates on the client side, as LXD 5.0's lxc handles them: the
 * client's own certificate (EC P-384, self-signed), fingerprints (sha256
 * of the DER, lowercase hex) and LXD's certificate add tokens (base64 of
 * a JSON object with client_name, fingerprint, addresses, secret,
 * expires_at).
 */

#define LXF_FP_HEX_LEN   64 /* sha256 as hex, without the NUL */
#define LXF_CERT_PEM_MAX (64u << 10)
#define LXF_TOKEN_MAX    8192
#define LXF_TOKEN_ADDRS  16

/*
 * Makes dir/client.crt and dir/client.key (mode 0600, written first) when
 * neither exists: EC P-384, self-signed for 10 years, CN=USER@HOST, client
 * auth. Both present: nothing to do. Exactly one present: -LXF_EINVAL
 * naming the missing file (never overwrites). *created (may be NULL) says
 * whether a pair was made. Returns 0 or an error.
 */
int lxf_cert_ensure_client(const char *dir, bool *created, struct lxf_err *err);

/* Writes the sha256 fingerprint of der into hex (LXF_FP_HEX_LEN + 1 bytes). */
void lxf_cert_fingerprint(const unsigned char *der, size_t len, char *hex);

/*
 * Reads the first certificate of a PEM file (or a DER one) into *der
 * (malloc'ed, free()) and *len. -LXF_ENOENT when missing, -LXF_EINVAL when
 * it holds no certificate.
 */
int lxf_cert_load_der(const char *path, unsigned char **der, size_t *len, struct lxf_err *err);

/* PEM text of a DER certificate into *pem (malloc'ed, NUL-terminated, free()). */
int lxf_cert_der_to_pem(const unsigned char *der, size_t len, char **pem, struct lxf_err *err);

/* A decoded certificate add token. Zero it; lxf_token_fini releases it. */
struct lxf_token {
	char *client_name;
	char fingerprint[LXF_FP_HEX_LEN + 1];
	char *addresses[LXF_TOKEN_ADDRS]; /* "10.0.0.1:8443", NULL-terminated */
	size_t naddresses;
	char *secret;
	char *expires_at; /* may be NULL */
};

/*
 * Decodes an LXD 5.0 token: standard base64 of JSON, every field but
 * expires_at required, as LXD's own decoder wants. -LXF_EINVAL names what
 * is wrong; callers try a string as a token first, as lxc does.
 */
int lxf_token_decode(const char *s, struct lxf_token *out, struct lxf_err *err);

/* Releases what out holds; out is zeroed. NULL allowed. */
void lxf_token_fini(struct lxf_token *t);

/*
 * Encodes t as LXD does (JSON, standard base64) into *out (malloc'ed,
 * free()). expires_at NULL is Go's zero time.
 */
int lxf_token_encode(const struct lxf_token *t, char **out, struct lxf_err *err);

#endif
