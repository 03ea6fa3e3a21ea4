/* SPDX-License-Identifier: Apache-2.0 */
/* Admission of connections (see conns.h). */
#include "conns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LOG_EVERY_MS 10000 /* at most one line per reason this often */

enum st { ST_HANDSHAKE, ST_UNTRUSTED, ST_TRUSTED, ST_UNIX };

struct src_ent {
	struct conns_src key;
	int n; /* connections in handshake or untrusted */
};

struct uid_ent {
	uid_t uid;
	int n;
};

struct conn {
	void *h;
	enum st st;
	bool busy;
	bool gone;                /* closed by us: no longer counted, waiting for conns_gone */
	int64_t since;            /* accept (handshake) or the start of idleness (untrusted) */
	struct src_ent *src;      /* ST_HANDSHAKE, ST_UNTRUSTED */
	struct uid_ent *uid;      /* ST_UNIX */
	struct conn *prev, *next; /* the list of HTTPS connections under a deadline */
};

/* Why a connection was refused or closed: the counters, and their log lines. */
enum why {
	W_ADDR_REFUSED,
	W_ADDR_EVICTED,
	W_POOL_REFUSED,
	W_POOL_EVICTED,
	W_HANDSHAKE_TIMEOUT,
	W_REQUEST_TIMEOUT,
	W_UID_REFUSED,
	W_UNIX_REFUSED,
	W_COUNT
};

static const struct {
	const char *key; /* in conns_stats_json */
	const char *text;
} whys[W_COUNT] = {
    [W_ADDR_REFUSED] = {"https_refused_address", "refused a connection: its address has its share"},
    [W_ADDR_EVICTED] = {"https_replaced_address",
			"closed an idle connection to make room for a newer one of its address"},
    [W_POOL_REFUSED] = {"https_refused_full", "refused a connection: all are taken"},
    [W_POOL_EVICTED] = {"https_replaced_full",
			"closed an idle connection to make room for a newer one (all were taken)"},
    [W_HANDSHAKE_TIMEOUT] = {"https_handshake_timeout",
			     "closed a connection that did not finish its TLS handshake in time"},
    [W_REQUEST_TIMEOUT] = {"https_request_timeout",
			   "closed an untrusted connection that sent no whole request in time"},
    [W_UID_REFUSED] = {"unix_refused_user", "refused a connection: the user has its share"},
    [W_UNIX_REFUSED] = {"unix_refused_full", "refused a connection: all are taken"},
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* for conns_stats_json */
static struct conns_limits lim;
static conns_hello_fn hello_fn;
static conns_close_fn close_fn;
static void *by_handle, *by_src, *by_uid; /* tsearch trees */
static struct conn *timed_head;           /* ST_HANDSHAKE and ST_UNTRUSTED, oldest first */
static struct conn *timed_tail;
static int https_total, https_timed, https_trusted, unix_total;
static long counts[W_COUNT];
static long since_log[W_COUNT];
static int64_t last_log[W_COUNT];

static int clamp(long v, long lo, long hi)
{
	return (int)(v < lo ? lo : v > hi ? hi : v);
}

int64_t conns_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void conns_init(long nofile)
{
	long reserve = nofile / 16 > 256 ? nofile / 16 : 256;

	pthread_mutex_lock(&lock);
	lim.nofile = nofile;
	lim.https_max = clamp(nofile / 4, 64, 1024);
	lim.https_untrusted = lim.https_max / 4 > 256 ? 256 : lim.https_max / 4;
	if (lim.https_untrusted < 32)
		lim.https_untrusted = 32;
	lim.https_per_addr = CONNS_HTTPS_PER_ADDR;
	lim.unix_max = clamp(nofile - reserve - lim.https_max, 64, 1L << 30);
	lim.unix_root_slots = clamp(lim.unix_max / 4, 1, CONNS_UNIX_ROOT_SLOTS);
	lim.unix_per_uid = clamp((lim.unix_max - lim.unix_root_slots) / 4, 8, 1024);
	pthread_mutex_unlock(&lock);
	lxf_info("Connection limits (%ld file descriptors): HTTPS %d, %d of them not trusted, "
		 "%d per address; unix socket %d, %d per user, %d kept for root",
		 nofile, lim.https_max, lim.https_untrusted, lim.https_per_addr, lim.unix_max,
		 lim.unix_per_uid, lim.unix_root_slots);
}

const struct conns_limits *conns_get_limits(void)
{
	return &lim;
}

void conns_set_ops(conns_hello_fn hello, conns_close_fn close)
{
	hello_fn = hello;
	close_fn = close;
}

void conns_src_from(const struct sockaddr *sa, socklen_t len, struct conns_src *out)
{
	memset(out, 0, sizeof(*out));
	out->fam = 4;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memcpy(out->a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out->a, a->s6_addr + 12, 4);
		} else {
			out->fam = 6;
			memcpy(out->a, a->s6_addr, 8); /* the /64 */
		}
	}
}

void conns_src_str(const struct conns_src *src, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (src->fam == 4) {
		inet_ntop(AF_INET, src->a, a, sizeof(a));
		snprintf(buf, n, "%s", a);
	} else {
		unsigned char full[16] = {0};
		memcpy(full, src->a, 8);
		inet_ntop(AF_INET6, full, a, sizeof(a));
		snprintf(buf, n, "%s/64", a);
	}
}

/* tsearch comparators. */
static int cmp_handle(const void *a, const void *b)
{
	const struct conn *x = a, *y = b;
	return x->h < y->h ? -1 : x->h > y->h;
}

static int cmp_src(const void *a, const void *b)
{
	return memcmp(&((const struct src_ent *)a)->key, &((const struct src_ent *)b)->key,
		      sizeof(struct conns_src));
}

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = ((const struct uid_ent *)a)->uid, y = ((const struct uid_ent *)b)->uid;
	return x < y ? -1 : x > y;
}

static struct conn *find(void *h)
{
	struct conn key = {.h = h};
	void **p = tfind(&key, &by_handle, cmp_handle);

	return p ? *p : NULL;
}

/* Counts one event of why about who: a log line at most every LOG_EVERY_MS. */
static void note(enum why w, const char *who, int64_t now)
{
	counts[w]++;
	since_log[w]++;
	if (last_log[w] && now - last_log[w] < LOG_EVERY_MS)
		return;
	lxf_warn("%s: %s (%s; %ld such since the last report, %ld in all)",
		 w >= W_UID_REFUSED ? "Unix socket" : "HTTPS", whys[w].text, who, since_log[w],
		 counts[w]);
	last_log[w] = now ? now : 1;
	since_log[w] = 0;
}

static void timed_unlink(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else if (timed_head == c)
		timed_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else if (timed_tail == c)
		timed_tail = c->prev;
	c->prev = c->next = NULL;
}

static void src_put(struct src_ent *s)
{
	if (--s->n > 0)
		return;
	tdelete(s, &by_src, cmp_src);
	free(s);
}

static void uid_put(struct uid_ent *u)
{
	if (--u->n > 0)
		return;
	tdelete(u, &by_uid, cmp_uid);
	free(u);
}

/* c stops counting (closed by us or gone). */
static void uncount(struct conn *c)
{
	switch (c->st) {
	case ST_HANDSHAKE:
	case ST_UNTRUSTED:
		timed_unlink(c);
		src_put(c->src);
		c->src = NULL;
		https_timed--;
		https_total--;
		break;
	case ST_TRUSTED:
		https_trusted--;
		https_total--;
		break;
	case ST_UNIX:
		uid_put(c->uid);
		c->uid = NULL;
		unix_total--;
		break;
	}
}

/* c is closed by us, for why. */
static void drop(struct conn *c, enum why w, int64_t now)
{
	char who[64];

	conns_src_str(&c->src->key, who, sizeof(who));
	note(w, who, now);
	uncount(c);
	c->gone = true;
	close_fn(c->h);
}

/*
 * How readily c makes room: 0 it has sent nothing, 1 an idle untrusted
 * one, 2 a handshake under way; -1 not at all (busy).
 */
static int rank(struct conn *c)
{
	if (c->st == ST_HANDSHAKE)
		return hello_fn(c->h) ? 2 : 0;
	return c->busy ? -1 : 1;
}

/* True when c (rank r) makes room before best (rank best_r). */
static bool before(const struct conn *c, int r, const struct conn *best, int best_r, bool any)
{
	if (!best || r != best_r)
		return !best || r < best_r;
	if (any && c->src->n != best->src->n)
		return c->src->n > best->src->n; /* the busiest source pays first */
	return c->since < best->since;           /* then the oldest */
}

/* The connection to make room from src (NULL: from any source). */
static struct conn *victim(const struct src_ent *src)
{
	struct conn *best = NULL;
	int best_r = -1;

	for (struct conn *c = timed_head; c; c = c->next) {
		int r;
		if (src && c->src != src)
			continue;
		r = rank(c);
		if (r >= 0 && before(c, r, best, best_r, !src)) {
			best = c;
			best_r = r;
		}
	}
	return best;
}

static struct src_ent *src_find(const struct conns_src *key)
{
	struct src_ent k = {.key = *key};
	void **p = tfind(&k, &by_src, cmp_src);

	return p ? *p : NULL;
}

int conns_https_admit(const struct conns_src *key, int64_t now)
{
	struct src_ent *s;
	struct conn *v;
	char who[64];
	int ret = 0;

	pthread_mutex_lock(&lock);
	s = src_find(key);
	if (s && s->n >= lim.https_per_addr) {
		v = victim(s);
		if (!v) {
			conns_src_str(key, who, sizeof(who));
			note(W_ADDR_REFUSED, who, now);
			ret = -1;
			goto out;
		}
		drop(v, W_ADDR_EVICTED, now);
	}
	if (https_timed >= lim.https_untrusted || https_total >= lim.https_max) {
		v = https_timed > 0 ? victim(NULL) : NULL;
		if (!v) {
			conns_src_str(key, who, sizeof(who));
			note(W_POOL_REFUSED, who, now);
			ret = -1;
			goto out;
		}
		drop(v, W_POOL_EVICTED, now);
	}
out:
	pthread_mutex_unlock(&lock);
	return ret;
}

int conns_https_add(void *h, const struct conns_src *key, int64_t now)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct src_ent *s = NULL;
	void **p;
	int ret = -1;

	pthread_mutex_lock(&lock);
	if (!c)
		goto out;
	s = src_find(key);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (s)
			s->key = *key;
		if (!s || !tsearch(s, &by_src, cmp_src)) {
			free(s);
			goto out;
		}
	}
	c->h = h;
	c->st = ST_HANDSHAKE;
	c->since = now;
	c->src = s;
	s->n++;
	p = tsearch(c, &by_handle, cmp_handle);
	if (!p || *p != c) {
		src_put(s);
		goto out;
	}
	c->prev = timed_tail;
	if (timed_tail)
		timed_tail->next = c;
	else
		timed_head = c;
	timed_tail = c;
	https_timed++;
	https_total++;
	c = NULL;
	ret = 0;
out:
	pthread_mutex_unlock(&lock);
	free(c);
	return ret;
}

void conns_https_handshake(void *h, bool trusted, int64_t now)
{
	struct conn *c;

	pthread_mutex_lock(&lock);
	c = find(h);
	if (c && !c->gone && c->st == ST_HANDSHAKE) {
		if (trusted) {
			timed_unlink(c);
			src_put(c->src);
			c->src = NULL;
			https_timed--;
			https_trusted++;
			c->st = ST_TRUSTED;
		} else {
			c->st = ST_UNTRUSTED;
			c->since = now;
		}
	}
	pthread_mutex_unlock(&lock);
}

void conns_busy(void *h, bool busy, int64_t now)
{
	struct conn *c;

	pthread_mutex_lock(&lock);
	c = find(h);
	if (c && !c->gone && c->st == ST_UNTRUSTED) {
		c->busy = busy;
		if (!busy)
			c->since = now;
	}
	pthread_mutex_unlock(&lock);
}

int conns_sweep(int64_t now)
{
	struct conn *c, *next;
	int left;

	pthread_mutex_lock(&lock);
	for (c = timed_head; c; c = next) {
		next = c->next;
		if (c->st == ST_HANDSHAKE && now - c->since >= CONNS_HANDSHAKE_MS)
			drop(c, W_HANDSHAKE_TIMEOUT, now);
		else if (c->st == ST_UNTRUSTED && !c->busy && now - c->since >= CONNS_REQUEST_MS)
			drop(c, W_REQUEST_TIMEOUT, now);
	}
	left = https_timed;
	pthread_mutex_unlock(&lock);
	return left;
}

int conns_unix_admit(uid_t uid, int64_t now)
{
	struct uid_ent k = {.uid = uid};
	void **p;
	char who[32];
	int ret = 0;

	pthread_mutex_lock(&lock);
	p = tfind(&k, &by_uid, cmp_uid);
	snprintf(who, sizeof(who), "uid %u", (unsigned)uid);
	if (uid != 0 && p && ((struct uid_ent *)*p)->n >= lim.unix_per_uid) {
		note(W_UID_REFUSED, who, now);
		ret = -1;
	} else if (unix_total >= lim.unix_max - (uid == 0 ? 0 : lim.unix_root_slots)) {
		note(W_UNIX_REFUSED, who, now);
		ret = -1;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

int conns_unix_add(void *h, uid_t uid)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct uid_ent k = {.uid = uid}, *u = NULL;
	void **p;
	int ret = -1;

	pthread_mutex_lock(&lock);
	if (!c)
		goto out;
	p = tfind(&k, &by_uid, cmp_uid);
	u = p ? *p : NULL;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (u)
			u->uid = uid;
		if (!u || !tsearch(u, &by_uid, cmp_uid)) {
			free(u);
			goto out;
		}
	}
	c->h = h;
	c->st = ST_UNIX;
	c->uid = u;
	u->n++;
	p = tsearch(c, &by_handle, cmp_handle);
	if (!p || *p != c) {
		uid_put(u);
		goto out;
	}
	unix_total++;
	c = NULL;
	ret = 0;
out:
	pthread_mutex_unlock(&lock);
	free(c);
	return ret;
}

void conns_gone(void *h)
{
	struct conn *c;

	pthread_mutex_lock(&lock);
	c = find(h);
	if (c) {
		if (!c->gone)
			uncount(c);
		tdelete(c, &by_handle, cmp_handle);
		free(c);
	}
	pthread_mutex_unlock(&lock);
}

struct json_object *conns_stats_json(void)
{
	struct json_object *o = json_object_new_object(), *l = json_object_new_object();
	struct json_object *cur = json_object_new_object(), *cnt = json_object_new_object();

	if (!o || !l || !cur || !cnt) {
		json_object_put(o);
		json_object_put(l);
		json_object_put(cur);
		json_object_put(cnt);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	json_object_object_add(l, "nofile", json_object_new_int64(lim.nofile));
	json_object_object_add(l, "https_max", json_object_new_int(lim.https_max));
	json_object_object_add(l, "https_untrusted", json_object_new_int(lim.https_untrusted));
	json_object_object_add(l, "https_per_address", json_object_new_int(lim.https_per_addr));
	json_object_object_add(l, "https_handshake_ms", json_object_new_int(CONNS_HANDSHAKE_MS));
	json_object_object_add(l, "https_request_ms", json_object_new_int(CONNS_REQUEST_MS));
	json_object_object_add(l, "unix_max", json_object_new_int(lim.unix_max));
	json_object_object_add(l, "unix_per_user", json_object_new_int(lim.unix_per_uid));
	json_object_object_add(l, "unix_root_slots", json_object_new_int(lim.unix_root_slots));
	json_object_object_add(cur, "https", json_object_new_int(https_total));
	json_object_object_add(cur, "https_trusted", json_object_new_int(https_trusted));
	json_object_object_add(cur, "https_not_trusted", json_object_new_int(https_timed));
	json_object_object_add(cur, "unix", json_object_new_int(unix_total));
	for (int i = 0; i < W_COUNT; i++)
		json_object_object_add(cnt, whys[i].key, json_object_new_int64(counts[i]));
	pthread_mutex_unlock(&lock);
	json_object_object_add(o, "limits", l);
	json_object_object_add(o, "current", cur);
	json_object_object_add(o, "closed", cnt);
	return o;
}

static void free_conn(void *p)
{
	free(p);
}

void conns_fini(void)
{
	pthread_mutex_lock(&lock);
	tdestroy(by_handle, free_conn);
	tdestroy(by_src, free_conn);
	tdestroy(by_uid, free_conn);
	by_handle = by_src = by_uid = NULL;
	timed_head = timed_tail = NULL;
	https_total = https_timed = https_trusted = unix_total = 0;
	memset(counts, 0, sizeof(counts));
	memset(since_log, 0, sizeof(since_log));
	memset(last_log, 0, sizeof(last_log));
	pthread_mutex_unlock(&lock);
}
