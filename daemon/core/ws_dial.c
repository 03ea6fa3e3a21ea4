/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Websockets that lxfd dials itself: a migration target pulling from its
 * source, or a source pushing to its target, connect to the other
 * daemon's /1.0/operations/ID/websocket?secret=S over wss, as LXD's own
 * daemons do (no client certificate: the secret is the credential).
 *
 * The connection is a struct ws_conn like an accepted one, with the same
 * ws_chan_ops, so a channel's owner does not care who dialed. Any thread
 * asks; lws_client_connect_via_info runs on the loop thread (ws_dial_service,
 * on each wake-up). The server must present exactly the certificate the
 * request named: it is pinned by its sha256 in the TLS handshake, before
 * the upgrade request (and its secret) is sent; host names are not checked.
 */
#include <libwebsockets.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "http.h"
#include "log.h"
#include "ws.h"
#include "ws_dial.h"

struct dial {
	struct dial *next;
	struct ws_conn *c; /* the loop's reference */
	char host[256];    /* as the URL names it: the Host header */
	char addr[64];     /* host resolved by the asking thread, never on the loop */
	int port;
	char path[1536];
};

static pthread_mutex_t dial_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dial *dials;

/* sha256 of cert's DER as 64 hex digits into out; 0 or -1. */
static int cert_pin(X509 *cert, char out[65])
{
	unsigned char *der = NULL, sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int len = i2d_X509(cert, &der);
	int ret = -1;

	if (len > 0 && EVP_Digest(der, (size_t)len, sum, &n, EVP_sha256(), NULL) == 1 && n == 32) {
		lxf_hex(sum, 32, out);
		ret = 0;
	}
	OPENSSL_free(der);
	return ret;
}

static int pem_pin(const char *pem, char out[65], struct lxf_err *err)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	int ret = x && cert_pin(x, out) == 0
		      ? 0
		      : lxf_err_set(err, LXF_EINVAL, "Invalid certificate for the peer");

	X509_free(x);
	BIO_free(b);
	return ret;
}

/* wss://HOST[:PORT]/PATH (HOST may be [v6]); port 8443 by default. */
static int parse_url(const char *url, struct dial *d, struct lxf_err *err)
{
	const char *p, *end, *slash;
	size_t hl;

	if (strncmp(url, "wss://", 6) != 0)
		return lxf_err_set(err, LXF_EINVAL, "Peer URL must be wss://: \"%s\"", url);
	p = url + 6;
	slash = strchr(p, '/');
	if (!slash)
		return lxf_err_set(err, LXF_EINVAL, "Peer URL has no path: \"%s\"", url);
	if (*p == '[') {
		end = memchr(p, ']', (size_t)(slash - p));
		if (!end)
			return lxf_err_set(err, LXF_EINVAL, "Bad address in \"%s\"", url);
		hl = (size_t)(end - p - 1);
		p++;
		end++;
	} else {
		end = memchr(p, ':', (size_t)(slash - p));
		if (!end)
			end = slash;
		hl = (size_t)(end - p);
	}
	if (hl == 0 || hl >= sizeof(d->host) || strlen(slash) >= sizeof(d->path))
		return lxf_err_set(err, LXF_EINVAL, "Peer URL too long or empty host: \"%s\"", url);
	memcpy(d->host, p, hl);
	d->host[hl] = '\0';
	d->port = 8443;
	if (*end == ':') {
		char *e = NULL;
		long v = strtol(end + 1, &e, 10);
		if (e != slash || v < 1 || v > 65535)
			return lxf_err_set(err, LXF_EINVAL, "Bad port in \"%s\"", url);
		d->port = (int)v;
	}
	snprintf(d->path, sizeof(d->path), "%s", slash);
	return 0;
}

/*
 * d->host as a numeric address in d->addr. lws would resolve a name with a
 * blocking getaddrinfo on the loop thread, stalling every client: the
 * (worker) thread that asks for the dial waits instead.
 */
static int resolve(struct dial *d, struct lxf_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(d->host, NULL, &hints, &res);

	if (rc != 0 || !res)
		return lxf_err_set(err, LXF_EUNAVAIL, "Cannot resolve \"%s\": %s", d->host,
				   gai_strerror(rc));
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, d->addr, sizeof(d->addr), NULL, 0,
			 NI_NUMERICHOST);
	freeaddrinfo(res);
	return rc == 0 ? 0
		       : lxf_err_set(err, LXF_EUNAVAIL, "Cannot resolve \"%s\": %s", d->host,
				     gai_strerror(rc));
}

int ws_dial(const char *url, const char *cert_pem, const struct ws_chan_ops *ops, void *data,
	    struct ws_conn **out, struct lxf_err *err)
{
	struct dial *d = calloc(1, sizeof(*d));
	char pin[65];
	int ret;

	*out = NULL;
	if (!d)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ret = parse_url(url, d, err);
	if (ret == 0)
		ret = resolve(d, err);
	if (ret == 0 && (!cert_pem || !cert_pem[0]))
		ret = lxf_err_set(err, LXF_EINVAL, "The peer's certificate is needed");
	if (ret == 0)
		ret = pem_pin(cert_pem, pin, err);
	if (ret == 0 && !(d->c = ws_conn_dial_new(ops, data, pin)))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret < 0) {
		free(d);
		return ret;
	}
	*out = d->c;
	pthread_mutex_lock(&dial_lock);
	d->next = dials;
	dials = d;
	pthread_mutex_unlock(&dial_lock);
	http_wake();
	return 0;
}

void ws_dial_service(struct lws_context *ctx)
{
	struct dial *list;

	pthread_mutex_lock(&dial_lock);
	list = dials;
	dials = NULL;
	pthread_mutex_unlock(&dial_lock);
	while (list) {
		struct dial *d = list;
		struct lws_client_connect_info ci;
		struct lws *wsi = NULL;

		list = d->next;
		memset(&ci, 0, sizeof(ci));
		ci.context = ctx;
		ci.address = d->addr;
		ci.port = d->port;
		ci.path = d->path;
		ci.host = d->host;
		ci.origin = d->host;
		/* No ALLOW_SELFSIGNED: lws would accept any self-signed certificate
		 * without asking; ws_verify_server decides, by the pin. */
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
		ci.local_protocol_name = "http"; /* http.c's protocol forwards to ws.c */
		ci.opaque_user_data = d->c;
		ci.pwsi = &wsi;
		if (lws_client_connect_via_info(&ci) && wsi)
			ws_conn_dial_bind(d->c, wsi);
		else
			ws_conn_dial_failed(d->c);
		free(d);
	}
}

int ws_verify_server(struct lws *wsi, void *x509_ctx)
{
	X509_STORE_CTX *ctx = x509_ctx;
	const char *pin = ws_conn_dial_pin(wsi);
	char got[65] = "";

	if (!pin)
		return 1; /* lxfd dials pinned peers only */
	/* Only the server's own certificate is pinned; what signed it does not matter. */
	if (X509_STORE_CTX_get_error_depth(ctx) > 0) {
		X509_STORE_CTX_set_error(ctx, X509_V_OK);
		return 0;
	}
	if (cert_pin(X509_STORE_CTX_get_current_cert(ctx), got) < 0 || strcmp(got, pin) != 0) {
		lxf_warn("Refusing a peer whose certificate is not the expected one (%.16s...)",
			 got);
		return 1;
	}
	X509_STORE_CTX_set_error(ctx, X509_V_OK);
	return 0;
}
