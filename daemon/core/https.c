/* SPDX-License-Identifier: Apache-2.0 */
#include "https.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conns.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "tls.h"

#define HTTPS_DEFAULT_PORT 8443
#define HTTPS_ADDR_MAX     256
#define HTTPS_DEFER_SECS   3
#define HTTPS_BACKLOG      1024 /* also the connects held silent by TCP_DEFER_ACCEPT */

static struct lws_context *hctx;
static const struct lws_protocols *hprotocols;
static struct lws_vhost *vh;             /* loop thread only */
static struct lws *lwsi_listen;          /* our listening socket, polled by lws */
static char cur_addr[HTTPS_ADDR_MAX];    /* what lwsi_listen listens on, "" = none */
static lws_sorted_usec_list_t sweep_sul; /* closes what is past its deadline (conns.h) */
static bool sweep_armed;
/* The trust store's verdict on a client certificate (http_https_conf). */
static enum auth_level (*cert_level)(const char *fp);

/* One change at a time, asked by a worker, made by the loop. */
static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t set_cond = PTHREAD_COND_INITIALIZER;
static bool set_busy, set_pending, set_done, set_stopped;
static char set_addr[HTTPS_ADDR_MAX];
static int set_ret;
static struct lxf_err set_err;

int http_https_parse(const char *addr, char *host, size_t n, int *port, struct lxf_err *err)
{
	const char *h = addr, *p = NULL, *rb;
	size_t hlen;

	*port = HTTPS_DEFAULT_PORT;
	if (strlen(addr) >= HTTPS_ADDR_MAX)
		return lxf_err_set(err, LXF_EINVAL, "Address too long");
	if (addr[0] == '[') {
		rb = strchr(addr, ']');
		if (!rb || (rb[1] && rb[1] != ':'))
			return lxf_err_set(err, LXF_EINVAL, "Bad address \"%s\"", addr);
		h = addr + 1;
		hlen = (size_t)(rb - h);
		p = rb[1] ? rb + 2 : NULL;
	} else {
		const char *c = strchr(addr, ':');
		if (c && strchr(c + 1, ':')) {
			hlen = strlen(addr); /* a bare IPv6 address */
		} else {
			hlen = c ? (size_t)(c - addr) : strlen(addr);
			p = c ? c + 1 : NULL;
		}
	}
	if (p) {
		char *end = NULL;
		long v = strtol(p, &end, 10);
		if (!*p || *end || v < 1 || v > 65535)
			return lxf_err_set(err, LXF_EINVAL, "Bad port in \"%s\"", addr);
		*port = (int)v;
	}
	if (hlen >= n)
		return lxf_err_set(err, LXF_EINVAL, "Bad address \"%s\"", addr);
	for (size_t i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-:%_", h[i]))
			return lxf_err_set(err, LXF_EINVAL, "Bad host in \"%s\"", addr);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return 0;
}

/* "host:port" with IPv6 in brackets, as Go's net.JoinHostPort. */
static void join_host_port(const char *host, int port, char *out, size_t n)
{
	snprintf(out, n, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
}

struct json_object *http_https_addresses(const char *addr)
{
	struct json_object *arr = json_object_new_array();
	struct ifaddrs *ifa = NULL;
	char host[HTTPS_ADDR_MAX], buf[HTTPS_ADDR_MAX + 16];
	int port;

	if (!arr || !addr || !addr[0] ||
	    http_https_parse(addr, host, sizeof(host), &port, NULL) < 0)
		return arr;
	if (host[0] && strcmp(host, "0.0.0.0") != 0 && strcmp(host, "::") != 0) {
		join_host_port(host, port, buf, sizeof(buf));
		json_object_array_add(arr, json_object_new_string(buf));
		return arr;
	}
	/* A wildcard: every global unicast address (only IPv4 ones for 0.0.0.0), as LXD. */
	if (getifaddrs(&ifa) < 0)
		return arr;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		char a[INET6_ADDRSTRLEN];
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			const struct in_addr *in =
			    &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
			uint32_t v = ntohl(in->s_addr);
			if ((v >> 24) == 127 || (v >> 16) == 0xa9fe || v == 0 || (v >> 28) == 0xe)
				continue;
			inet_ntop(AF_INET, in, a, sizeof(a));
		} else if (i->ifa_addr->sa_family == AF_INET6 && strcmp(host, "0.0.0.0") != 0) {
			const struct in6_addr *in =
			    &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LOOPBACK(in) || IN6_IS_ADDR_LINKLOCAL(in) ||
			    IN6_IS_ADDR_MULTICAST(in) || IN6_IS_ADDR_UNSPECIFIED(in))
				continue;
			inet_ntop(AF_INET6, in, a, sizeof(a));
		} else {
			continue;
		}
		join_host_port(a, port, buf, sizeof(buf));
		json_object_array_add(arr, json_object_new_string(buf));
	}
	freeifaddrs(ifa);
	return arr;
}

/*
 * The TLS vhost, made on first use and kept: it has no listener of its
 * own (lws would keep a dropped listener's socket, and share it with the
 * next vhost on the same port, until its periodic check up to 30 s
 * later). Our listening socket is polled by the loop as a raw descriptor
 * on the default vhost and each accepted connection is handed to vh.
 */
static int tls_vhost(struct lxf_err *err)
{
	struct lws_context_creation_info info;

	if (vh)
		return 0;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "https";
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = hprotocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT |
		       LWS_SERVER_OPTION_PEER_CERT_NOT_REQUIRED |
		       LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	info.ssl_cert_filepath = tls_server_cert_path();
	info.ssl_private_key_filepath = tls_server_key_path();
	/* HTTP/1.1 only: websockets and our body handling assume it. */
	info.alpn = "http/1.1";
	/* TLS 1.2 and 1.3 only (the lxc client insists on 1.3). */
	info.ssl_options_set = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
	/* Slow or idle clients: handshakes and headers within 30 s, idle keep-alive 30 s;
	 * conns.c closes clients not known to be trusted sooner. */
	info.timeout_secs = 30;
	info.keepalive_timeout = 30;
	/* The end of each handshake: conns.c learns who is trusted (https_conn_event). */
	info.ssl_info_event_mask = SSL_CB_HANDSHAKE_DONE;
	vh = lws_create_vhost(hctx, &info);
	return vh ? 0 : lxf_err_set(err, LXF_EIO, "Cannot set up TLS (server.crt, server.key)");
}

/* A listening socket for addr, or -1 with err filled. */
static int listen_socket(const char *addr, struct lxf_err *err)
{
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char host[HTTPS_ADDR_MAX] = "", port_s[16];
	int port, fd = -1, on = 1, off = 0;

	if (http_https_parse(addr, host, sizeof(host), &port, err) < 0)
		return -1;
	snprintf(port_s, sizeof(port_s), "%d", port);
	/* No host or "::": every address, IPv4 too (a dual-stack socket). */
	if (!host[0] || strcmp(host, "::") == 0) {
		hints.ai_family = AF_INET6;
		snprintf(host, sizeof(host), "::");
	}
	if (getaddrinfo(host, port_s, &hints, &res) != 0 || !res) {
		lxf_err_set(err, LXF_EINVAL, "Cannot resolve \"%s\"", host);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    (res->ai_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) ||
	    /* A connection reaches accept() once its client has said something
	     * (or after a few seconds): connects that stay silent wait in the
	     * kernel instead of taking a place here (conns.h). */
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &(int){HTTPS_DEFER_SECS}, sizeof(int)) <
		0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, HTTPS_BACKLOG) < 0) {
		lxf_err_sys(err, LXF_EIO, errno, "Cannot listen on %s", addr);
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* Loop thread: makes the listener match addr; the old one stays on failure. */
static int listen_on(const char *addr, struct lxf_err *err)
{
	lws_sock_file_fd_type u;
	struct lws *w;
	int fd = -1;

	if (strcmp(addr, cur_addr) == 0 && (lwsi_listen || !addr[0]))
		return 0;
	if (addr[0]) {
		if (tls_vhost(err) < 0 || (fd = listen_socket(addr, err)) < 0) {
			/* Nothing changed: the old listener (if any) is still there. */
			return -err->code;
		}
	}
	/* The old one goes first: it may hold the new address with another port. */
	if (lwsi_listen) {
		lws_set_timeout(lwsi_listen, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
		lwsi_listen = NULL;
		lxf_info("HTTPS listener on %s closed", cur_addr);
	}
	cur_addr[0] = '\0';
	if (!addr[0])
		return 0;
	u.filefd = fd;
	w = lws_adopt_descriptor_vhost(lws_get_vhost_by_name(hctx, "default"),
				       LWS_ADOPT_RAW_FILE_DESC, u, "lxf-https-listen", NULL);
	if (!w) {
		close(fd);
		return lxf_err_set(err, LXF_EIO, "Cannot poll the listener on %s", addr);
	}
	lwsi_listen = w;
	snprintf(cur_addr, sizeof(cur_addr), "%s", addr);
	lxf_info("HTTPS listening on %s (certificate %.16s...)", addr, tls_server_fingerprint());
	return 0;
}

/* conns.c's view of a TLS connection: has its client said anything yet? */
static bool conn_hello(void *h)
{
	struct lws *wsi = h;
	SSL *ssl = lws_get_ssl(wsi);
	int n = 0;

	if (ssl && SSL_get_state(ssl) != TLS_ST_BEFORE)
		return true;
	/* A hello lws has not read yet (a burst of accepts comes first). */
	return ioctl(lws_get_socket_fd(wsi), FIONREAD, &n) == 0 && n > 0;
}

static void conn_close(void *h)
{
	lws_set_timeout(h, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void sweep(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	sweep_armed = conns_sweep(conns_now_ms()) > 0 && hctx;
	if (sweep_armed)
		lws_sul_schedule(hctx, 0, &sweep_sul, sweep, LWS_US_PER_SEC);
}

/* Hands fd (accepted from src) to the TLS vhost and counts it. */
static void handshake_done(struct lws *wsi);

static void adopt(int fd, const struct conns_src *src, int64_t now)
{
	struct lws *w;
	SSL *ssl;

	/* An answer must not wait for the client's delayed ACK of the
	 * session tickets sent before it: without TCP_NODELAY, Nagle held
	 * every response to an HTTPS request back by 40 ms. lws sets it on
	 * sockets it accepts, not on adopted ones. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	/* On failure lws closes fd itself. */
	w = lws_adopt_socket_vhost(vh, fd);
	if (!w)
		return;
	if (conns_https_add(w, src, now) < 0) {
		lws_set_timeout(w, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	/* lws runs SSL_accept once while adopting: when the loop came late to
	 * this connection (a loaded machine), the client's whole flight was
	 * already queued and the handshake ended right there, its SSL_INFO
	 * before conns.c knew w. Left "in handshake", the connection (a trusted
	 * client's events websocket, say) was closed 5 s later as too slow. */
	ssl = lws_get_ssl(w);
	if (ssl && SSL_is_init_finished(ssl))
		handshake_done(w);
	if (!sweep_armed) {
		sweep_armed = true;
		lws_sul_schedule(hctx, 0, &sweep_sul, sweep, LWS_US_PER_SEC);
	}
}

/* The listener's protocol: accepts, and hands what conns.c admits to the TLS vhost. */
int https_listen_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage sa;
		socklen_t salen = sizeof(sa);
		struct conns_src src;
		int fd =
		    accept4(lws_get_socket_fd(wsi), (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
		int64_t now = conns_now_ms();

		if (fd < 0)
			break;
		conns_src_from((struct sockaddr *)&sa, salen, &src);
		if (conns_https_admit(&src, now) < 0) {
			close(fd);
			continue;
		}
		adopt(fd, &src, now);
	}
	return 0;
}

int http_https_set(const char *addr, struct lxf_err *err)
{
	int ret;

	pthread_mutex_lock(&set_lock);
	while (set_busy && !set_stopped)
		pthread_cond_wait(&set_cond, &set_lock);
	if (set_stopped || !hctx) {
		pthread_mutex_unlock(&set_lock);
		return lxf_err_set(err, LXF_EUNAVAIL, "The daemon is shutting down");
	}
	set_busy = true;
	set_pending = true;
	set_done = false;
	snprintf(set_addr, sizeof(set_addr), "%s", addr ? addr : "");
	lxf_err_clear(&set_err);
	http_wake();
	while (!set_done && !set_stopped)
		pthread_cond_wait(&set_cond, &set_lock);
	ret = set_done ? set_ret : lxf_err_set(&set_err, LXF_EUNAVAIL, "Shutting down");
	if (ret < 0 && err)
		*err = set_err;
	set_busy = false;
	set_pending = false;
	pthread_cond_broadcast(&set_cond);
	pthread_mutex_unlock(&set_lock);
	return ret;
}

void https_service(void)
{
	char addr[HTTPS_ADDR_MAX];
	struct lxf_err e;
	int ret;

	pthread_mutex_lock(&set_lock);
	if (!set_pending || set_done) {
		pthread_mutex_unlock(&set_lock);
		return;
	}
	snprintf(addr, sizeof(addr), "%s", set_addr);
	pthread_mutex_unlock(&set_lock);
	lxf_err_clear(&e);
	ret = listen_on(addr, &e);
	pthread_mutex_lock(&set_lock);
	set_ret = ret;
	set_err = e;
	set_done = true;
	pthread_cond_broadcast(&set_cond);
	pthread_mutex_unlock(&set_lock);
}

int https_start(struct lws_context *ctx, const struct lws_protocols *protocols, const char *dir,
		const struct http_https_conf *conf, struct lxf_err *err)
{
	struct lxf_err e;
	int ret;

	hctx = ctx;
	hprotocols = protocols;
	cert_level = conf->cert_level;
	conns_set_ops(conn_hello, conn_close);
	ret = tls_server_init(dir, err);
	if (ret < 0)
		return ret;
	if (conf->address[0] && listen_on(conf->address, &e) < 0)
		lxf_error("core.https_address: %s", e.msg);
	return 0;
}

void https_stop(void)
{
	pthread_mutex_lock(&set_lock);
	set_stopped = true;
	pthread_cond_broadcast(&set_cond);
	pthread_mutex_unlock(&set_lock);
	lws_sul_cancel(&sweep_sul);
	sweep_armed = false;
	vh = NULL; /* lws_context_destroy ends both */
	lwsi_listen = NULL;
	hctx = NULL;
}

bool https_is_tls(struct lws *wsi)
{
	return vh && lws_get_vhost(wsi) == vh;
}

/* The peer's certificate as DER (malloc'd) and its fingerprint; NULL without one. */
static unsigned char *peer_cert(struct lws *wsi, size_t *len, char fp[TLS_FP_LEN + 1])
{
	SSL *ssl = lws_get_ssl(wsi);
	X509 *x = ssl ? SSL_get1_peer_certificate(ssl) : NULL;
	unsigned char *der = NULL, *copy = NULL;
	int n;

	fp[0] = '\0';
	if (!x)
		return NULL;
	n = i2d_X509(x, &der);
	if (n > 0 && (copy = malloc((size_t)n)) != NULL) {
		memcpy(copy, der, (size_t)n);
		*len = (size_t)n;
		tls_fingerprint_der(der, (size_t)n, fp);
	}
	OPENSSL_free(der);
	X509_free(x);
	return copy;
}

/* The client's address; an IPv4 one as such, not v4-mapped (our socket is dual-stack). */
static void peer_addr(struct lws *wsi, char *buf, size_t n)
{
	buf[0] = '\0';
	lws_get_peer_simple(wsi, buf, n);
	if (strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.'))
		memmove(buf, buf + 7, strlen(buf + 7) + 1);
}

int https_identify(struct lws *wsi, struct http_req *req)
{
	if (!https_is_tls(wsi)) {
		req->trusted = true;
		req->level = AUTH_FULL;
		return 0;
	}
	req->tls = true;
	peer_addr(wsi, req->remote, sizeof(req->remote));
	req->peer_der = peer_cert(wsi, &req->peer_der_len, req->peer_fp);
	req->level = req->peer_fp[0] ? cert_level(req->peer_fp) : AUTH_NONE;
	req->trusted = req->level > AUTH_METRICS; /* on_http: metrics routes trust AUTH_METRICS */
	return 0;
}

int https_restricted_check(const struct http_req *req, struct lxf_err *err)
{
	unsigned flags = req->match.route->flags;

	if (req->level == AUTH_METRICS && !(flags & (ROUTE_F_METRICS | ROUTE_F_UNTRUSTED))) {
		lxf_warn("Refusing %s to metrics client %s", req->path, req->remote);
		return lxf_err_set(err, LXF_EPERM, "Certificate is restricted to metrics");
	}
	if (flags & ROUTE_F_ADMIN) {
		lxf_warn("Refusing %s to restricted client %s", req->path, req->remote);
		return lxf_err_set(err, LXF_EPERM, "Certificate is restricted");
	}
	if (req->level == AUTH_NO_PROJECT && !(flags & (ROUTE_F_SERVER | ROUTE_F_UNTRUSTED))) {
		lxf_warn("Refusing %s to restricted client %s", req->path, req->remote);
		return lxf_err_set(err, LXF_EPERM,
				   "Certificate is restricted to projects other than \"default\"");
	}
	return 0;
}

bool https_ws_allowed(struct lws *wsi)
{
	char path[1024], fp[TLS_FP_LEN + 1];
	unsigned char *der;
	size_t len = 0;
	struct route_match m;
	enum auth_level level;
	bool ok;

	if (!https_is_tls(wsi))
		return true;
	der = peer_cert(wsi, &len, fp);
	free(der);
	level = fp[0] ? cert_level(fp) : AUTH_NONE;
	if (level >= AUTH_RESTRICTED)
		return true;
	/* Untrusted, or restricted away from the default project: only what
	 * LXD leaves open (an operation's websocket, with its secret). */
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0)
		return false;
	path[strcspn(path, "?")] = '\0';
	ok = router_match(ROUTE_GET, path, &m, NULL) == 0 && (m.route->flags & ROUTE_F_UNTRUSTED);
	if (!ok) {
		char peer[64];
		peer_addr(wsi, peer, sizeof(peer));
		lxf_warn("Rejecting websocket %s from untrusted client %s", path, peer);
	}
	return ok;
}

/* Tells conns.c that wsi's TLS handshake is over and whether its client is trusted. */
static void handshake_done(struct lws *wsi)
{
	char fp[TLS_FP_LEN + 1];
	size_t len = 0;

	free(peer_cert(wsi, &len, fp));
	conns_https_handshake(wsi, fp[0] && cert_level(fp) != AUTH_NONE, conns_now_ms());
}

int https_conn_event(struct lws *wsi, int reason, void *in)
{
	const struct lws_ssl_info *si = in;

	switch (reason) {
	case LWS_CALLBACK_SSL_INFO:
		if (!https_is_tls(wsi) || !si || !(si->where & SSL_CB_HANDSHAKE_DONE))
			return 0;
		handshake_done(wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		conns_gone(wsi);
		return 0;
	default:
		return 0;
	}
}
