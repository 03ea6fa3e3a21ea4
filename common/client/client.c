/* SPDX-License-Identifier: Apache-2.0 */
/*
 * REST client over libcurl: one easy handle per remote, LXD's envelope
 * decoded into struct lxf_response, operations awaited with /wait.
 */
#include "client.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cert.h"
#include "client_int.h"
#include "json.h"
#include "tcp.h"

#define CLIENT_URL_MAX     4096
#define CLIENT_DEFAULT_SEC 60L

static pthread_once_t client_once = PTHREAD_ONCE_INIT;
static CURLcode client_global_rc = CURLE_OK;

static void client_global_init(void)
{
	client_global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *client_strdup_opt(const char *s, bool *failed)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*failed = true;
	return d;
}

int lxf_client_new(const struct lxf_client_opts *opts, struct lxf_client **out, struct lxf_err *err)
{
	struct lxf_client *c = NULL;
	bool failed = false;
	int rc = 0;

	*out = NULL;
	pthread_once(&client_once, client_global_init);
	if (client_global_rc != CURLE_OK) {
		rc = lxf_err_set(err, LXF_EINTERNAL, "curl_global_init failed");
		goto out;
	}
	if (!opts || !opts->addr) {
		rc = lxf_err_set(err, LXF_EINVAL, "remote address missing");
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	c->addr = client_strdup_opt(opts->addr, &failed);
	if (strncmp(opts->addr, "unix://", 7) == 0) {
		if (opts->addr[7] != '/') {
			rc = lxf_err_set(err, LXF_EINVAL,
					 "bad unix address '%s': want unix:///path", opts->addr);
			goto out;
		}
		c->socket_path = client_strdup_opt(opts->addr + 7, &failed);
		c->base = client_strdup_opt("http://lxd", &failed);
	} else if (strncmp(opts->addr, "https://", 8) == 0 && opts->addr[8] != '\0') {
		c->base = client_strdup_opt(opts->addr, &failed);
		/* "https://h:8443/" would give "//1.0" in URLs. */
		if (c->base && c->base[strlen(c->base) - 1] == '/')
			c->base[strlen(c->base) - 1] = '\0';
	} else {
		rc =
		    lxf_err_set(err, LXF_EINVAL,
				"bad remote address '%s': want unix:///path or https://host[:port]",
				opts->addr);
		goto out;
	}
	if (opts->project && strcmp(opts->project, "default") != 0)
		c->project = client_strdup_opt(opts->project, &failed);
	c->cert_path = client_strdup_opt(opts->cert_path, &failed);
	c->key_path = client_strdup_opt(opts->key_path, &failed);
	c->server_cert_path = client_strdup_opt(opts->server_cert_path, &failed);
	c->name = client_strdup_opt(opts->name, &failed);
	c->accept_any = opts->accept_any_cert;
	if (opts->server_cert_path && !c->socket_path) {
		rc = lxf_cert_load_der(opts->server_cert_path, &c->pin_der, &c->pin_len, err);
		if (rc) {
			lxf_err_prefix(err, "pinned server certificate");
			goto out;
		}
	}
	c->connect_secs = opts->connect_secs > 0 ? opts->connect_secs : LXF_CLIENT_CONNECT_SECS;
	c->answer_secs = opts->answer_secs > 0   ? opts->answer_secs
			 : opts->answer_secs < 0 ? 0
						 : LXF_CLIENT_ANSWER_SECS;
	c->timeout_secs = opts->timeout_secs > 0 ? opts->timeout_secs : CLIENT_DEFAULT_SEC;
	if (opts->timeout_secs <= 0 && c->answer_secs > c->timeout_secs)
		c->timeout_secs = c->answer_secs;
	c->curl = curl_easy_init();
	if (failed || !c->curl) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	*out = c;
	c = NULL;
out:
	lxf_client_free(c);
	return rc;
}

void lxf_client_free(struct lxf_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->addr);
	free(c->socket_path);
	free(c->base);
	free(c->project);
	free(c->cert_path);
	free(c->key_path);
	free(c->server_cert_path);
	free(c->name);
	free(c->pin_der);
	free(c->peer_der);
	free(c);
}

const char *lxf_client_addr(const struct lxf_client *c)
{
	return c->addr;
}

const unsigned char *lxf_client_peer_cert(const struct lxf_client *c, size_t *len)
{
	*len = c->peer_len;
	return c->peer_der;
}

void lxf_response_fini(struct lxf_response *resp)
{
	if (!resp)
		return;
	free(resp->operation);
	if (resp->envelope)
		json_object_put(resp->envelope);
	lxf_buf_fini(&resp->body);
	memset(resp, 0, sizeof(*resp));
}

char *lxf_client_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *d;

	if (!e)
		return NULL;
	/* curl's string must go back through curl_free; hand out a malloc'ed copy. */
	d = strdup(e);
	curl_free(e);
	return d;
}

/* A download's body goes to the fd only for a successful non-JSON answer. */
static bool client_stream_body(struct client_xfer *x)
{
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300)
		return false;
	if (strncasecmp(x->resp->content_type, "application/json", 16) == 0)
		return false;
	return strcmp(x->resp->file_type, "directory") != 0 &&
	       strcmp(x->resp->file_type, "symlink") != 0;
}

static size_t client_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct client_xfer *x = userdata;
	size_t n = size * nmemb, done = 0;

	if (x->fd >= 0 && x->sink == CLIENT_SINK_UNDECIDED) {
		x->sink = client_stream_body(x) ? CLIENT_SINK_FD : CLIENT_SINK_BUFFER;
		x->resp->streamed = x->sink == CLIENT_SINK_FD;
	}
	if (x->sink == CLIENT_SINK_FD) {
		while (done < n) {
			ssize_t w = write(x->fd, ptr + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				x->write_errno = w < 0 ? errno : EIO;
				return 0;
			}
			done += (size_t)w;
		}
		return n;
	}
	if (lxf_buf_add(&x->resp->body, ptr, n) != 0) {
		x->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return n;
}

/* Copies a header's value (trimmed) into dst when the line is "name: value". */
static bool client_header_value(const char *line, size_t n, const char *name, char *dst,
				size_t dlen)
{
	size_t klen = strlen(name), vlen;
	const char *v;

	if (n <= klen || strncasecmp(line, name, klen) != 0 || line[klen] != ':')
		return false;
	v = line + klen + 1;
	vlen = n - klen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen >= dlen)
		vlen = dlen - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return true;
}

static long long client_header_num(const char *v, int base)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, base);
	if (errno || end == v || *end)
		return -1;
	return n;
}

/* The filename="..." parameter of a Content-Disposition value, without any directory. */
static void client_disposition(const char *v, char *dst, size_t dlen)
{
	const char *p = strstr(v, "filename=");
	const char *slash;
	size_t len;

	dst[0] = '\0';
	if (!p)
		return;
	p += 9;
	if (*p == '"')
		p++;
	len = strcspn(p, "\";");
	(void)snprintf(dst, dlen, "%.*s", (int)len, p);
	slash = strrchr(dst, '/');
	if (slash)
		memmove(dst, slash + 1, strlen(slash + 1) + 1);
	if (strcmp(dst, ".") == 0 || strcmp(dst, "..") == 0)
		dst[0] = '\0';
}

static size_t client_header_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct client_xfer *x = userdata;
	struct lxf_response *r = x->resp;
	size_t n = size * nmemb;
	char v[256];

	if (client_header_value(ptr, n, "Content-Type", r->content_type, sizeof(r->content_type)))
		return n;
	if (client_header_value(ptr, n, "ETag", r->etag, sizeof(r->etag)))
		return n;
	if (client_header_value(ptr, n, "X-LXD-type", r->file_type, sizeof(r->file_type)))
		return n;
	if (client_header_value(ptr, n, "X-LXD-uid", v, sizeof(v)))
		r->file_uid = client_header_num(v, 10);
	else if (client_header_value(ptr, n, "X-LXD-gid", v, sizeof(v)))
		r->file_gid = client_header_num(v, 10);
	else if (client_header_value(ptr, n, "X-LXD-mode", v, sizeof(v)))
		r->file_mode = (int)client_header_num(v, 8);
	else if (client_header_value(ptr, n, "Content-Disposition", v, sizeof(v)))
		client_disposition(v, r->filename, sizeof(r->filename));
	return n;
}

/* Empties resp for a new request; numeric header fields start as "absent". */
static void client_resp_reset(struct lxf_response *resp)
{
	lxf_response_fini(resp);
	lxf_buf_init(&resp->body, LXF_CLIENT_JSON_MAX);
	resp->file_uid = -1;
	resp->file_gid = -1;
	resp->file_mode = -1;
}

static int client_build_url(const struct lxf_client *c, const char *path, char *url, size_t len,
			    struct lxf_err *err)
{
	int n;

	if (path[0] != '/')
		return lxf_err_set(err, LXF_EINVAL, "path '%s' must start with '/'", path);
	if (c->project)
		n = snprintf(url, len, "%s%s%cproject=%s", c->base, path,
			     strchr(path, '?') ? '&' : '?', c->project);
	else
		n = snprintf(url, len, "%s%s", c->base, path);
	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "URL too long");
	return 0;
}

/*
 * Replaces OpenSSL's chain check (LXD's certificates are self-signed and
 * rarely name the address dialled): the server's leaf certificate must be
 * byte for byte the pinned one, as lxc's pinned-CA check amounts to. It
 * runs in the handshake, so nothing is sent to a server that fails it.
 */
static int client_verify_cb(X509_STORE_CTX *sctx, void *arg)
{
	struct lxf_client *c = arg;
	X509 *leaf = X509_STORE_CTX_get0_cert(sctx);
	unsigned char *der = NULL;
	int n;

	if (!leaf || (n = i2d_X509(leaf, &der)) <= 0) {
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_UNSPECIFIED);
		return 0;
	}
	free(c->peer_der);
	c->peer_der = malloc((size_t)n);
	c->peer_len = c->peer_der ? (size_t)n : 0;
	if (c->peer_der)
		memcpy(c->peer_der, der, (size_t)n);
	if (c->pin_der && !c->accept_any &&
	    (c->pin_len != (size_t)n || memcmp(c->pin_der, der, (size_t)n) != 0)) {
		c->pin_mismatch = true;
		OPENSSL_free(der);
		X509_STORE_CTX_set_error(sctx, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	OPENSSL_free(der);
	return 1;
}

static CURLcode client_ssl_ctx_cb(CURL *curl, void *ssl_ctx, void *userptr)
{
	(void)curl;
	SSL_CTX_set_cert_verify_callback(ssl_ctx, client_verify_cb, userptr);
	return CURLE_OK;
}

/* A server that vanishes silently (network cut) fails the request within
 * LXF_TCP_DEAD_SECS, even one the server holds on purpose (operation waits). */
static int client_sockopt_cb(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	(void)clientp;
	(void)purpose;
	/* Best effort: a socket without the options still works. */
	(void)lxf_tcp_dead_peer(fd);
	return CURL_SOCKOPT_OK;
}

/* lxf --verbose / --debug (lxf_client_set_trace): process-wide, set before any request. */
static FILE *client_trace_out;
static int client_trace_level;

void lxf_client_set_trace(FILE *f, int level)
{
	client_trace_out = level > 0 ? f : NULL;
	client_trace_level = level;
}

/* curl's debug callback: the request line, and with level 2 the response status line. */
static int client_trace_cb(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	const struct lxf_client *c = userp;
	const char *who = c->name ? c->name : c->addr;
	size_t n = 0;

	(void)h;
	while (n < size && data[n] != '\r' && data[n] != '\n')
		n++;
	if (type == CURLINFO_HEADER_OUT)
		fprintf(client_trace_out, "lxf: %s: > %.*s\n", who, (int)n, data);
	else if (type == CURLINFO_HEADER_IN && client_trace_level > 1 && size > 5 &&
		 strncmp(data, "HTTP/", 5) == 0)
		fprintf(client_trace_out, "lxf: %s: < %.*s\n", who, (int)n, data);
	return 0;
}

/* Options common to every request; reset first so that a reused handle carries nothing over. */
static void client_setup(struct lxf_client *c, const char *url, struct client_xfer *x)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	c->cur_answer = 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_secs);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "lxf/" LXF_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, client_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, client_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	if (client_trace_out) {
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, client_trace_cb);
		curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	}
	if (c->socket_path) {
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
		return;
	}
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, client_sockopt_cb);
	/* LXD's client insists on TLS 1.3; the pinned certificate is the only CA. */
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	if (c->cert_path)
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_path);
	if (c->key_path)
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_path);
	c->pin_mismatch = false;
	if (c->pin_der || c->accept_any) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		/* Self-signed server certs rarely name the address we dial; the pin is the check. */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, client_ssl_ctx_cb);
		curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
		/* client_verify_cb replaces the chain check: the system CA bundle
		 * would never be read, yet loading it was 80% of lxf's CPU for
		 * one request to an HTTPS remote (about 60 ms here). */
		curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
		/* Every new connection shows its certificate again (no resumption). */
		curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
}

/* The loud refusal of a server whose certificate is not the pinned one. */
static int client_pin_error(const struct lxf_client *c, struct lxf_err *err)
{
	char pinned[LXF_FP_HEX_LEN + 1], now[LXF_FP_HEX_LEN + 1] = "?";
	const char *name = c->name ? c->name : "NAME";

	lxf_cert_fingerprint(c->pin_der, c->pin_len, pinned);
	if (c->peer_der)
		lxf_cert_fingerprint(c->peer_der, c->peer_len, now);
	return lxf_err_set(err, LXF_EPERM,
			   "server certificate CHANGED, refused: pinned %s, server sent %s. If "
			   "expected: lxf remote remove %s, then add it again",
			   pinned, now, name);
}

/* Which deadline passed: connecting, or the server's silence (client_limits). */
static int client_timeout_error(const struct lxf_client *c, struct lxf_err *err)
{
	curl_off_t connected = 0;

	/* HTTPS: connected means the handshake is done. */
	curl_easy_getinfo(c->curl,
			  c->socket_path ? CURLINFO_CONNECT_TIME_T : CURLINFO_APPCONNECT_TIME_T,
			  &connected);
	if (connected == 0)
		return lxf_err_set(err, LXF_ETIMEDOUT, "%s: no connection within %ld s", c->addr,
				   c->connect_secs);
	if (c->cur_answer)
		return lxf_err_set(err, LXF_ETIMEDOUT, "%s: no answer for %ld s", c->addr,
				   c->cur_answer);
	return lxf_err_set(err, LXF_ETIMEDOUT, "%s: %s", c->addr,
			   curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
}

static int client_curl_error(const struct lxf_client *c, CURLcode cc, const struct client_xfer *x,
			     struct lxf_err *err)
{
	if (c->pin_mismatch)
		return client_pin_error(c, err);
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return lxf_err_set(err, LXF_EUNAVAIL, "cannot connect to %s: %s", c->addr,
				   curl_easy_strerror(cc));
	case CURLE_OPERATION_TIMEDOUT:
		return client_timeout_error(c, err);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* Also what a silent peer comes to (client_sockopt_cb). */
		return lxf_err_set(err, LXF_EUNAVAIL, "connection to %s lost: %s", c->addr,
				   curl_easy_strerror(cc));
	case CURLE_WRITE_ERROR:
		if (x->too_big)
			return lxf_err_set(err, LXF_ETOOBIG, "%s: response larger than %u bytes",
					   c->addr, LXF_CLIENT_JSON_MAX);
		break;
	default:
		break;
	}
	return lxf_err_set(err, LXF_EIO, "%s: %s", c->addr, curl_easy_strerror(cc));
}

/* Decodes the body of a finished transfer into resp's envelope fields. */
static int client_decode(const struct lxf_client *c, struct lxf_response *resp, struct lxf_err *err)
{
	struct json_object *env = NULL;
	struct lxf_err perr = {0};
	const char *type, *op, *msg;
	int64_t code = 0;
	int rc = 0;

	if (lxf_json_parse(resp->body.data ? resp->body.data : "", resp->body.len, 0, &env,
			   &perr) != 0 ||
	    !json_object_is_type(env, json_type_object)) {
		/* Not an envelope (a file, a log): fine unless the status says failure. */
		if (env)
			json_object_put(env);
		if (resp->http_status >= 400)
			rc = lxf_err_set(err, lxf_code_from_http(resp->http_status),
					 "%s answered HTTP %d", c->addr, resp->http_status);
		goto out;
	}
	resp->envelope = env;
	resp->metadata = json_object_object_get(env, "metadata");
	type = lxf_json_str(env, "type");
	(void)lxf_json_get_int(env, "status_code", false, &code, NULL);
	resp->status_code = (int)code;
	if (type && strcmp(type, "sync") == 0) {
		resp->type = LXF_RESP_SYNC;
	} else if (type && strcmp(type, "async") == 0) {
		resp->type = LXF_RESP_ASYNC;
		op = lxf_json_str(env, "operation");
		if (op) {
			resp->operation = strdup(op);
			if (!resp->operation) {
				rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
				goto out;
			}
		}
	} else if (type && strcmp(type, "error") == 0) {
		resp->type = LXF_RESP_ERROR;
	}
	if (resp->type == LXF_RESP_ERROR || resp->http_status >= 400) {
		code = resp->http_status;
		(void)lxf_json_get_int(env, "error_code", false, &code, NULL);
		msg = lxf_json_str(env, "error");
		rc = lxf_err_set(err, lxf_code_from_http((int)code), "%s",
				 msg && *msg ? msg : "request failed");
	}
out:
	return rc;
}

int lxf_client_finish(struct lxf_client *c, CURLcode cc, struct client_xfer *x, struct lxf_err *err)
{
	long status = 0;

	if (cc != CURLE_OK)
		return client_curl_error(c, cc, x, err);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	x->resp->http_status = (int)status;
	return client_decode(c, x->resp, err);
}

static int client_perform(struct lxf_client *c, struct client_xfer *x, struct lxf_err *err)
{
	return lxf_client_finish(c, curl_easy_perform(c->curl), x, err);
}

int lxf_client_prepare(struct lxf_client *c, const char *method, const char *path,
		       struct json_object *body, long timeout, long answer,
		       const char *const *headers, struct client_xfer *x, struct curl_slist **hdrs,
		       struct lxf_err *err)
{
	struct curl_slist *tmp;
	char url[CLIENT_URL_MAX];
	const char *payload = NULL;
	int rc;

	*hdrs = NULL;
	client_resp_reset(x->resp);
	rc = client_build_url(c, path, url, sizeof(url), err);
	if (rc)
		return rc;
	client_setup(c, url, x);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout);
	c->cur_answer = answer;
	if (answer > 0) {
		/* Silence, not slowness: any byte either way restarts the count. */
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, answer);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	if (body) {
		payload = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
		tmp = curl_slist_append(*hdrs, "Content-Type: application/json");
		if (!payload || !tmp)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		*hdrs = tmp;
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(payload));
	}
	for (size_t i = 0; headers && headers[i]; i++) {
		tmp = curl_slist_append(*hdrs, headers[i]);
		if (!tmp)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		*hdrs = tmp;
	}
	if (*hdrs)
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, *hdrs);
	return 0;
}

static int client_request_timeout(struct lxf_client *c, const char *method, const char *path,
				  struct json_object *body, long timeout, long answer,
				  const char *const *headers, struct lxf_response *resp,
				  struct lxf_err *err)
{
	struct curl_slist *hdrs = NULL;
	struct client_xfer x = {.resp = resp, .fd = -1, .in_fd = -1};
	int rc;

	rc = lxf_client_prepare(c, method, path, body, timeout, answer, headers, &x, &hdrs, err);
	if (!rc)
		rc = client_perform(c, &x, err);
	curl_slist_free_all(hdrs);
	return rc;
}

int lxf_client_request(struct lxf_client *c, const char *method, const char *path,
		       struct json_object *body, struct lxf_response *resp, struct lxf_err *err)
{
	return client_request_timeout(c, method, path, body, c->timeout_secs, c->answer_secs, NULL,
				      resp, err);
}

int lxf_client_request_hdrs(struct lxf_client *c, const char *method, const char *path,
			    struct json_object *body, const char *const *headers,
			    struct lxf_response *resp, struct lxf_err *err)
{
	return client_request_timeout(c, method, path, body, c->timeout_secs, c->answer_secs,
				      headers, resp, err);
}

int lxf_client_upload(struct lxf_client *c, const char *path, const char *file_path,
		      const char *const *headers, struct lxf_response *resp, struct lxf_err *err)
{
	struct curl_slist *hdrs = NULL, *tmp;
	struct client_xfer x = {.resp = resp, .fd = -1, .in_fd = -1};
	char url[CLIENT_URL_MAX];
	struct stat st;
	FILE *f = NULL;
	bool own_ct = false;
	int fd = -1;
	int rc;

	client_resp_reset(resp);
	rc = client_build_url(c, path, url, sizeof(url), err);
	if (rc)
		goto out;
	fd = open(file_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = lxf_err_sys(err, errno == ENOENT ? LXF_ENOENT : LXF_EIO, errno, "open %s",
				 file_path);
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = lxf_err_set(err, LXF_EINVAL, "%s is not a regular file", file_path);
		goto out;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "fdopen %s", file_path);
		goto out;
	}
	fd = -1;
	/* A caller's Content-Type (a multipart body) replaces the default. */
	for (size_t i = 0; headers && headers[i] && !own_ct; i++)
		own_ct = strncasecmp(headers[i], "Content-Type:", 13) == 0;
	if (!own_ct) {
		tmp = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
		if (!tmp)
			goto nomem;
		hdrs = tmp;
	}
	for (size_t i = 0; headers && headers[i]; i++) {
		tmp = curl_slist_append(hdrs, headers[i]);
		if (!tmp)
			goto nomem;
		hdrs = tmp;
	}
	/* Large images: no 100-continue round trip. */
	tmp = curl_slist_append(hdrs, "Expect:");
	if (!tmp)
		goto nomem;
	hdrs = tmp;
	client_setup(c, url, &x);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_READDATA, f);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	rc = client_perform(c, &x, err);
	goto out;
nomem:
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	curl_slist_free_all(hdrs);
	if (f)
		(void)fclose(f);
	if (fd >= 0)
		(void)close(fd);
	return rc;
}

int lxf_client_wait_op(struct lxf_client *c, const char *op_url, int timeout_secs,
		       struct json_object **op, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	char path[CLIENT_URL_MAX];
	const char *msg;
	int64_t status = 0;
	long curl_timeout;
	int n, rc;

	if (op)
		*op = NULL;
	if (!op_url || strncmp(op_url, "/1.0/operations/", 16) != 0 || strchr(op_url, '?')) {
		rc = lxf_err_set(err, LXF_EINVAL, "bad operation URL '%s'",
				 op_url ? op_url : "(null)");
		goto out;
	}
	n = snprintf(path, sizeof(path), "%s/wait?timeout=%d", op_url,
		     timeout_secs < 0 ? -1 : timeout_secs);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		rc = lxf_err_set(err, LXF_EINVAL, "operation URL too long");
		goto out;
	}
	/* The server holds the request until done: the HTTP timeout must outlast it. */
	curl_timeout = timeout_secs < 0 ? 0L : (long)timeout_secs + 30L;
	rc = client_request_timeout(c, "GET", path, NULL, curl_timeout, 0, NULL, &resp, err);
	if (rc == -LXF_ETIMEDOUT) {
		/* The server never answered: not "still running", which callers
		 * wait out again, but a server gone. */
		char why[LXF_ERR_MSG_MAX];

		(void)snprintf(why, sizeof(why), "%s", err ? err->msg : "timeout");
		rc = lxf_err_set(err, LXF_EUNAVAIL, "no answer (network down or host gone?): %s",
				 why);
	}
	if (rc)
		goto out;
	if (!resp.metadata || !json_object_is_type(resp.metadata, json_type_object)) {
		rc = lxf_err_set(err, LXF_EIO, "operation wait returned no operation");
		goto out;
	}
	(void)lxf_json_get_int(resp.metadata, "status_code", false, &status, NULL);
	msg = lxf_json_str(resp.metadata, "err");
	if (status == 400) {
		rc = lxf_err_set(err, LXF_EIO, "%s", msg && *msg ? msg : "operation failed");
		goto out;
	}
	if (status == 401) {
		rc = lxf_err_set(err, LXF_ECANCELED, "%s",
				 msg && *msg ? msg : "operation cancelled");
		goto out;
	}
	if (status != 200) {
		rc = lxf_err_set(err, LXF_ETIMEDOUT, "operation %s still running after %d s",
				 op_url, timeout_secs);
		goto out;
	}
	if (op)
		*op = json_object_get(resp.metadata);
out:
	lxf_response_fini(&resp);
	return rc;
}

int lxf_client_do(struct lxf_client *c, const char *method, const char *path,
		  struct json_object *body, struct json_object **op, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	int rc;

	if (op)
		*op = NULL;
	rc = lxf_client_request(c, method, path, body, &resp, err);
	if (rc)
		goto out;
	if (resp.type == LXF_RESP_ASYNC && resp.operation) {
		rc = lxf_client_wait_op(c, resp.operation, -1, op, err);
		goto out;
	}
	if (op && resp.metadata)
		*op = json_object_get(resp.metadata);
out:
	lxf_response_fini(&resp);
	return rc;
}

int lxf_client_download(struct lxf_client *c, const char *path, int fd, struct lxf_response *resp,
			struct lxf_err *err)
{
	struct client_xfer x = {.resp = resp, .fd = fd, .in_fd = -1, .curl = c->curl};
	char url[CLIENT_URL_MAX];
	CURLcode cc;
	long status = 0;
	int rc;

	client_resp_reset(resp);
	rc = client_build_url(c, path, url, sizeof(url), err);
	if (rc)
		return rc;
	client_setup(c, url, &x);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_WRITE_ERROR && x.write_errno)
		return lxf_err_sys(err, LXF_EIO, x.write_errno, "write");
	if (cc != CURLE_OK)
		return client_curl_error(c, cc, &x, err);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	resp->http_status = (int)status;
	if (resp->streamed)
		return 0;
	/* An empty file never reached the write callback. */
	if (resp->body.len == 0 && status >= 200 && status < 300) {
		resp->streamed = true;
		return 0;
	}
	if (strncasecmp(resp->content_type, "application/json", 16) != 0 && status < 300)
		return 0; /* a symlink's target, raw */
	return client_decode(c, resp, err);
}

static size_t client_read_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct client_xfer *x = userdata;
	ssize_t n;

	do
		n = read(x->in_fd, buf, size * nitems);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		x->write_errno = errno;
		return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

int lxf_client_send(struct lxf_client *c, const char *method, const char *path, int fd,
		    const void *data, size_t len, const char *const *headers,
		    struct lxf_response *resp, struct lxf_err *err)
{
	struct client_xfer x = {.resp = resp, .fd = -1, .in_fd = fd, .curl = c->curl};
	struct curl_slist *hdrs = NULL, *tmp;
	char url[CLIENT_URL_MAX];
	curl_off_t size = -1;
	struct stat st;
	int rc;

	client_resp_reset(resp);
	rc = client_build_url(c, path, url, sizeof(url), err);
	if (rc)
		goto out;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t pos = lseek(fd, 0, SEEK_CUR);

		size = (curl_off_t)(st.st_size - (pos > 0 ? pos : 0));
	}
	tmp = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
	if (!tmp)
		goto nomem;
	hdrs = tmp;
	tmp = curl_slist_append(hdrs, "Expect:");
	if (!tmp)
		goto nomem;
	hdrs = tmp;
	for (size_t i = 0; headers && headers[i]; i++) {
		tmp = curl_slist_append(hdrs, headers[i]);
		if (!tmp)
			goto nomem;
		hdrs = tmp;
	}
	client_setup(c, url, &x);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	if (fd >= 0) {
		curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, client_read_cb);
		curl_easy_setopt(c->curl, CURLOPT_READDATA, &x);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, size);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data ? data : "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	rc = client_perform(c, &x, err);
	if (rc && x.write_errno)
		rc = lxf_err_sys(err, LXF_EIO, x.write_errno, "read");
	goto out;
nomem:
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	curl_slist_free_all(hdrs);
	return rc;
}
