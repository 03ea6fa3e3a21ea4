/* SPDX-License-Identifier: Apache-2.0 */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "hex.h"
#include "json.h"
#include "tls.h"

#define SALT_LEN   32
#define HASH_LEN   64
#define SCRYPT_N   (1u << 14)
#define SCRYPT_R   8u
#define SCRYPT_P   1u
#define SCRYPT_MB  (64u << 20) /* scrypt needs 128*r*N = 16 MiB */

#define RATE_SLOTS 128

struct trusted_cert {
	char fp[TLS_FP_LEN + 1];
	enum auth_level level;
};

static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trusted_cert *trusted;
static size_t ntrusted;

struct rate_slot {
	char addr[64];
	double tokens;
	struct timespec last;
};
static struct rate_slot slots[RATE_SLOTS];

/* lxfd has the default project only: a restricted certificate reaches it or nothing. */
static enum auth_level row_level(struct json_object *row)
{
	struct json_object *projects = json_object_object_get(row, "projects");

	if (!strcmp(lxf_json_str(row, "type"), "metrics"))
		return AUTH_METRICS;
	if (!json_object_get_boolean(json_object_object_get(row, "restricted")))
		return AUTH_FULL;
	for (size_t i = 0; i < json_object_array_length(projects); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(projects, i)),
			   "default") == 0)
			return AUTH_RESTRICTED;
	return AUTH_NO_PROJECT;
}

int auth_reload(struct lxf_err *err)
{
	struct json_object *rows = NULL;
	struct trusted_cert *list = NULL;
	size_t n = 0;
	int ret;

	ret = db_exec(&rows, NULL, err,
		      "SELECT fingerprint, type, restricted, projects FROM certificates"
		      " WHERE type IN ('client', 'metrics')",
		      "");
	if (ret < 0)
		return ret;
	if (json_object_array_length(rows) > 0) {
		list = calloc(json_object_array_length(rows), sizeof(*list));
		if (!list) {
			json_object_put(rows);
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		}
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *fp = lxf_json_str(row, "fingerprint");
		if (list && fp && strlen(fp) == TLS_FP_LEN) {
			memcpy(list[n].fp, fp, TLS_FP_LEN + 1);
			list[n++].level = row_level(row);
		}
	}
	json_object_put(rows);
	pthread_mutex_lock(&auth_lock);
	free(trusted);
	trusted = list;
	ntrusted = n;
	pthread_mutex_unlock(&auth_lock);
	return 0;
}

int auth_init(struct lxf_err *err)
{
	return auth_reload(err);
}

enum auth_level auth_cert_level(const char *fp)
{
	enum auth_level level = AUTH_NONE;

	if (!fp || strlen(fp) != TLS_FP_LEN)
		return AUTH_NONE;
	pthread_mutex_lock(&auth_lock);
	for (size_t i = 0; i < ntrusted && level == AUTH_NONE; i++)
		if (memcmp(trusted[i].fp, fp, TLS_FP_LEN) == 0)
			level = trusted[i].level;
	pthread_mutex_unlock(&auth_lock);
	return level;
}

static int scrypt(const char *pw, const unsigned char *salt, unsigned char out[HASH_LEN])
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, SALT_LEN, SCRYPT_N, SCRYPT_R, SCRYPT_P,
			      SCRYPT_MB, out, HASH_LEN) == 1
		   ? 0
		   : -1;
}

int auth_password_hash(const char *pw, char **out, struct lxf_err *err)
{
	unsigned char buf[SALT_LEN + HASH_LEN];
	char *hex;

	*out = NULL;
	if (RAND_bytes(buf, SALT_LEN) != 1 || scrypt(pw, buf, buf + SALT_LEN) < 0)
		return lxf_err_set(err, LXF_EIO, "Cannot hash the password");
	hex = malloc(sizeof(buf) * 2 + 1);
	if (!hex)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	lxf_hex(buf, sizeof(buf), hex);
	OPENSSL_cleanse(buf, sizeof(buf));
	*out = hex;
	return 0;
}

bool auth_password_check(const char *stored, const char *pw)
{
	unsigned char want[SALT_LEN + HASH_LEN], got[HASH_LEN];
	bool ok;

	if (!stored || strlen(stored) != sizeof(want) * 2)
		return false;
	for (size_t i = 0; i < sizeof(want); i++) {
		int hi = lxf_hexval(stored[2 * i]), lo = lxf_hexval(stored[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		want[i] = (unsigned char)(hi * 16 + lo);
	}
	ok = scrypt(pw, want, got) == 0 && CRYPTO_memcmp(got, want + SALT_LEN, HASH_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The slot of addr, refilled up to now; a new address takes the stalest slot. Lock held. */
static struct rate_slot *slot_locked(const char *addr)
{
	struct rate_slot *s = NULL, *oldest = &slots[0];
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (size_t i = 0; i < RATE_SLOTS && !s; i++) {
		if (slots[i].addr[0] && strcmp(slots[i].addr, addr) == 0)
			s = &slots[i];
		else if (oldest->addr[0] &&
			 (!slots[i].addr[0] || elapsed(&slots[i].last, &oldest->last) > 0))
			oldest = &slots[i];
	}
	if (!s) {
		s = oldest;
		snprintf(s->addr, sizeof(s->addr), "%s", addr);
		s->tokens = AUTH_RATE_BURST;
		s->last = now;
	}
	s->tokens += elapsed(&s->last, &now) / AUTH_RATE_REFILL_SECS;
	if (s->tokens > AUTH_RATE_BURST)
		s->tokens = AUTH_RATE_BURST;
	s->last = now;
	return s;
}

bool auth_rate_allow(const char *addr)
{
	bool ok;

	pthread_mutex_lock(&auth_lock);
	ok = slot_locked(addr && addr[0] ? addr : "?")->tokens >= 1.0;
	pthread_mutex_unlock(&auth_lock);
	return ok;
}

void auth_rate_fail(const char *addr)
{
	pthread_mutex_lock(&auth_lock);
	struct rate_slot *s = slot_locked(addr && addr[0] ? addr : "?");
	/* A failure also drops the part of a token refilled so far: else a
	 * bucket left at 0.99 by earlier failures grants a try a moment
	 * after refusing one, and a guesser who drained it waits less than
	 * AUTH_RATE_REFILL_SECS for the next (tokens stay within 0..BURST). */
	s->tokens = s->tokens >= 1.0 ? (double)(long)s->tokens - 1.0 : 0;
	pthread_mutex_unlock(&auth_lock);
}

/* Months count 30 days and years 365: close enough for a token's life. */
int auth_parse_expiry(const char *s, int64_t *secs, struct lxf_err *err)
{
	static const char units[] = "SMHdwmy";
	static const int64_t mult[] = {1, 60, 3600, 86400, 7 * 86400, 30 * 86400, 365 * 86400};
	bool seen[sizeof(units)] = {false};
	int64_t total = 0;

	while (*s) {
		char *end = NULL;
		const char *u;
		long long v;
		if (*s == ' ') {
			s++;
			continue;
		}
		if (*s < '0' || *s > '9')
			goto bad;
		v = strtoll(s, &end, 10);
		u = *end ? strchr(units, *end) : NULL;
		if (!u || v > 100000 || seen[u - units] || (end[1] && end[1] != ' '))
			goto bad;
		seen[u - units] = true;
		total += v * mult[u - units];
		s = end + 1;
	}
	*secs = total;
	return 0;
bad:
	return lxf_err_set(err, LXF_EINVAL, "Invalid expiry expression");
}
