/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_AUTH_H
#define LXFD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tls.h"

/*
 * Who may do what. The unix socket is trusted (its file mode decides who
 * connects); an HTTPS client is trusted when the sha256 fingerprint of its
 * TLS certificate is in the trust store (the certificates table). The
 * store is cached in memory so the loop checks every request without a
 * database query; api_certificates.c reloads it after each change.
 */

/* Loads the cache from the database. 0 or -LXF_EIO. */
int auth_init(struct lxf_err *err);

/* Reloads the cache after the certificates table changed. 0 or -LXF_EIO. */
int auth_reload(struct lxf_err *err);

/* The level of a client certificate (enum auth_level) is in tls.h. */

/* The level of fp (64 lower-case hex digits): AUTH_NONE when not in the store. Any thread. */
enum auth_level auth_cert_level(const char *fp);

/*
 * core.trust_password as LXD 5.0 stores it: hex(salt[32] || scrypt(pw,
 * salt, N=2^14, r=8, p=1, 64 bytes)). *out is malloc'd (free it).
 * Returns 0 or -LXF_EIO/-LXF_ENOMEM.
 */
int auth_password_hash(const char *pw, char **out, struct lxf_err *err);

/* True when pw matches stored (an auth_password_hash result). Constant-time compare. */
bool auth_password_check(const char *stored, const char *pw);

/*
 * Failed password attempts, per source address: a token bucket of
 * AUTH_RATE_BURST attempts refilled at one per AUTH_RATE_REFILL_SECS.
 * auth_rate_allow is false once the bucket of addr is empty (the attempt
 * is refused before any scrypt work); auth_rate_fail takes one token and
 * what was refilled of the next.
 */
#define AUTH_RATE_BURST       5
#define AUTH_RATE_REFILL_SECS 12
bool auth_rate_allow(const char *addr);
void auth_rate_fail(const char *addr);

/*
 * LXD's expiry expressions (shared.GetExpiry, core.remote_token_expiry):
 * space-separated <n><unit>, unit one of S M H d w m y, each at most once.
 * *secs gets the length. Returns 0 or -LXF_EINVAL.
 */
int auth_parse_expiry(const char *s, int64_t *secs, struct lxf_err *err);

#endif
