/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_TLS_H
#define LXFD_TLS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * lxfd's server certificate and the X.509 helpers of the trust store.
 * The certificate is made the way LXD makes its own (self-signed ECDSA
 * P-384, 10 years, O=linuxcontainers.org, CN=root@HOST, extended key
 * usage serverAuth, a SAN with the host name and its non-link-local
 * addresses): the lxc client pins it as its only CA and checks the first
 * DNS name of its SAN, so that name must be there.
 */

#define TLS_FP_LEN 64 /* hex sha256 */

/*
 * What a client certificate may do (the trust store, auth.c, decides). A restricted certificate (LXD's
 * `restricted: true`) reaches only the projects it lists; lxfd has one
 * project, "default", so it reaches either that (AUTH_RESTRICTED: the
 * instances, images, profiles, networks and operations, not the server's
 * config, storage pools or the trust store) or nothing (AUTH_NO_PROJECT:
 * GET /1.0 and the read-only server-level lists). A metrics certificate
 * (AUTH_METRICS) reaches /1.0/metrics and is untrusted everywhere else.
 */
enum auth_level { AUTH_NONE, AUTH_METRICS, AUTH_NO_PROJECT, AUTH_RESTRICTED, AUTH_FULL };

/*
 * Loads DIR/server.crt and DIR/server.key, generating both first when
 * either is missing (key mode 0600). Keeps the PEM and fingerprint in
 * memory. Returns 0, -LXF_EIO or -LXF_EINVAL (unreadable pair).
 */
int tls_server_init(const char *dir, struct lxf_err *err);

/* After tls_server_init: borrowed strings, "" before it. */
const char *tls_server_cert_pem(void);
const char *tls_server_fingerprint(void);
const char *tls_server_cert_path(void);
const char *tls_server_key_path(void);

/*
 * A client certificate for the trust store, from base64 DER (POST
 * /1.0/certificates) or PEM (PUT/PATCH): checks it parses, is within its
 * validity dates and (RSA) has at least 2048 bits, as LXD does. pem
 * (appended) gets the PEM form, fp the fingerprint, cn
 * (size cn_n, may be NULL) the subject CN. Returns 0 or -LXF_EINVAL.
 */
int tls_cert_check(const char *text, int is_pem, struct lxf_buf *pem, char fp[TLS_FP_LEN + 1],
		   char *cn, size_t cn_n, struct lxf_err *err);

/* Same from DER bytes (the TLS peer's certificate). */
int tls_cert_check_der(const unsigned char *der, size_t len, struct lxf_buf *pem,
		       char fp[TLS_FP_LEN + 1], char *cn, size_t cn_n, struct lxf_err *err);

/* Hex sha256 of der into fp. */
void tls_fingerprint_der(const unsigned char *der, size_t len, char fp[TLS_FP_LEN + 1]);

/*
 * Makes a self-signed certificate and key like tls_server_init (client:
 * extended key usage clientAuth, no SAN) into crt_path/key_path. For
 * tests and tools. Returns 0 or -LXF_EIO.
 */
int tls_make_cert(const char *crt_path, const char *key_path, int client, struct lxf_err *err);

#endif
