/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_CONNS_H
#define LXFD_CONNS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Admission of connections to lxfd, so that no one client can take the
 * daemon's connections or file descriptors from the others (issue #14).
 * Connections are opaque handles (lws wsi); the caller closes what this
 * module names and tells it when a handle is gone. Loop thread only, but
 * conns_stats_json (any thread).
 *
 * HTTPS: every connection starts "in handshake" and counts against the
 * share of its source (an IPv4 address, an IPv6 /64) and against the pool
 * of connections not known to be trusted. At the end of the TLS handshake
 * a client whose certificate is in the trust store leaves both (it only
 * counts against the total); any other client stays in them as
 * "untrusted". When a share or the pool is full, a newcomer takes the
 * place of the least useful connection of that source (or of the busiest
 * source): the oldest that sent nothing yet, else the longest idle
 * untrusted one, else the oldest handshake; only when all are busy is the
 * newcomer refused. So a trusted client gets in from anywhere while the
 * pool is full, and from behind an address that floods lxfd with idle
 * connects (https.c's listener also keeps those in the kernel for a few
 * seconds with TCP_DEFER_ACCEPT, which slows such a flood down). Handshakes have CONNS_HANDSHAKE_MS, untrusted clients
 * CONNS_REQUEST_MS (from the handshake or their last answer) for each
 * whole request.
 *
 * The unix socket: a share per peer uid (SO_PEERCRED; root has none) and a
 * total that leaves room for root and file descriptors for everything
 * else, so the daemon keeps answering while a flood is held.
 */

#define CONNS_HTTPS_PER_ADDR  16
#define CONNS_HANDSHAKE_MS    5000
#define CONNS_REQUEST_MS      10000
#define CONNS_UNIX_ROOT_SLOTS 64

struct conns_limits {
	long nofile;         /* RLIMIT_NOFILE the limits come from */
	int https_max;       /* every HTTPS connection */
	int https_untrusted; /* in handshake or untrusted */
	int https_per_addr;  /* of those, per source */
	int unix_max;        /* every unix socket connection (root's included) */
	int unix_per_uid;    /* per uid but root */
	int unix_root_slots; /* of unix_max, only root may use */
};

/* CLOCK_MONOTONIC in milliseconds: the clock of the functions below. */
int64_t conns_now_ms(void);

/* Sets the limits from the number of file descriptors lxfd may have. */
void conns_init(long nofile);

/* Borrowed; valid after conns_init. */
const struct conns_limits *conns_get_limits(void);

/* An HTTPS source: an IPv4 address (v4-mapped too) or an IPv6 /64. */
struct conns_src {
	unsigned char fam; /* 4 or 6 */
	unsigned char a[8];
};

void conns_src_from(const struct sockaddr *sa, socklen_t len, struct conns_src *out);

/* "10.0.0.3" or "2001:db8:1:2::/64". */
void conns_src_str(const struct conns_src *src, char *buf, size_t n);

/*
 * True when the client behind h has sent something (its TLS hello); a
 * connection that has not is the first to make room.
 */
typedef bool (*conns_hello_fn)(void *h);

/* Closes h (asynchronously); conns_gone(h) comes later. */
typedef void (*conns_close_fn)(void *h);

void conns_set_ops(conns_hello_fn hello, conns_close_fn close);

/*
 * May a new HTTPS connection from src come in? Makes room by closing
 * another (close_fn) if it must. 0: add it with conns_https_add; -1:
 * refused (counted and logged), close it.
 */
int conns_https_admit(const struct conns_src *src, int64_t now_ms);

/* Counts h, in handshake. 0 or -1 (out of memory: close h). */
int conns_https_add(void *h, const struct conns_src *src, int64_t now_ms);

/* h finished its TLS handshake; trusted: its certificate is in the trust store. */
void conns_https_handshake(void *h, bool trusted, int64_t now_ms);

/*
 * h has a request in hand (busy) or finished answering (idle again, its
 * request deadline starts over). A websocket stays busy.
 */
void conns_busy(void *h, bool busy, int64_t now_ms);

/*
 * Closes the HTTPS connections past their deadline. Returns the number of
 * connections still under a deadline (0: no need to call again).
 */
int conns_sweep(int64_t now_ms);

/* May a new unix socket connection of uid come in? 0, or -1 (refused, counted, logged). */
int conns_unix_admit(uid_t uid, int64_t now_ms);

/* Counts h for uid. 0 or -1 (out of memory: close h). */
int conns_unix_add(void *h, uid_t uid);

/* h is gone (any handle: unknown ones are ignored). */
void conns_gone(void *h);

/*
 * Counters and current counts as a JSON object (new reference), for
 * GET /internal/connections. Any thread.
 */
struct json_object *conns_stats_json(void);

/* Forgets every connection and counter (the context is going). */
void conns_fini(void);

#endif
