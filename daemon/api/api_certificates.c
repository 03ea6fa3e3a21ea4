/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/certificates: the trust store, the trust password and join tokens,
 * with LXD 5.0's semantics (lxd/certificates.go): POST takes base64 DER,
 * the stored and shown form is PEM; an untrusted client adds its own TLS
 * certificate with the trust password or a token, which the lxc client
 * (5.0) sends in "password" too (newer ones send "trust_token").
 */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "auth.h"
#include "db.h"
#include "events.h"
#include "hex.h"
#include "http.h"
#include "log.h"
#include "op.h"
#include "router.h"
#include "tls.h"

#define TOKEN_MAX 4096

/* Join tokens handed out and not yet used: their op holds them visible. */
struct token {
	struct op *op;
	char secret[65];
	struct json_object *request; /* name, type, restricted, projects */
	time_t expires;              /* 0 = never */
	struct token *next;
};
static pthread_mutex_t tokens_lock = PTHREAD_MUTEX_INITIALIZER;
static struct token *tokens;

static struct json_object *cert_json(struct json_object *row)
{
	struct json_object *o = json_object_new_object();
	struct json_object *projects = json_object_object_get(row, "projects");

	if (!o)
		return NULL;
	lxf_json_add_str(o, "name", lxf_json_str(row, "name"));
	lxf_json_add_str(o, "type", lxf_json_str(row, "type"));
	json_object_object_add(o, "restricted",
			       json_object_get(json_object_object_get(row, "restricted")));
	json_object_object_add(o, "projects",
			       projects ? json_object_get(projects) : json_object_new_array());
	lxf_json_add_str(o, "certificate", lxf_json_str(row, "certificate"));
	lxf_json_add_str(o, "fingerprint", lxf_json_str(row, "fingerprint"));
	return o;
}

/* A restricted client sees its own certificate only, as in LXD. */
int api_certificates_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_exec(&rows, NULL, err,
			  "SELECT * FROM certificates WHERE ?1 = '' OR fingerprint = ?1"
			  " ORDER BY fingerprint",
			  "s", req->level == AUTH_FULL ? "" : req->peer_fp);

	if (ret < 0)
		return ret;
	return api_list_rows(req, rows, "/1.0/certificates/", "fingerprint", cert_json, err);
}

/* The row whose fingerprint starts with the {cert} param (LXD matches prefixes). */
static int resolve(const struct http_req *req, struct json_object **row, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	const char *prefix = router_param(&req->match, "cert");
	size_t n;
	int ret;

	*row = NULL;
	ret = db_exec(&rows, NULL, err,
		      "SELECT * FROM certificates WHERE substr(fingerprint, 1, length(?1)) = ?1"
		      " AND (?2 = '' OR fingerprint = ?2) LIMIT 2",
		      "ss", prefix ? prefix : "", req->level == AUTH_FULL ? "" : req->peer_fp);
	if (ret < 0)
		return ret;
	n = json_object_array_length(rows);
	if (n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Certificate not found");
	else if (n > 1)
		ret = lxf_err_set(err, LXF_EINVAL, "More than one certificate matches \"%s\"",
				  prefix);
	else
		*row = json_object_get(json_object_array_get_idx(rows, 0));
	json_object_put(rows);
	return ret;
}

int api_certificate_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o;
	int ret = resolve(req, &row, err);

	if (ret < 0)
		return ret;
	o = cert_json(row);
	json_object_put(row);
	return reply_sync_etag_of(req, o, json_object_get(o), err);
}

/* Client and metrics certificates ("" is client): lxfd has no cluster members. A metrics
 * certificate reaches /1.0/metrics and nothing else (auth.c, https.c). */
static int check_type(const char *type, struct lxf_err *err)
{
	if (type[0] && strcmp(type, "client") != 0 && strcmp(type, "metrics") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Invalid certificate type \"%.32s\"", type);
	return 0;
}

static int check_projects(struct json_object *projects, struct lxf_err *err)
{
	for (size_t i = 0; projects && i < json_object_array_length(projects); i++) {
		struct json_object *p = json_object_array_get_idx(projects, i);
		if (!json_object_is_type(p, json_type_string))
			return lxf_err_set(err, LXF_EINVAL, "'projects' must be a list of names");
		if (strcmp(json_object_get_string(p), "default") != 0)
			return lxf_err_set(err, LXF_ENOENT, "Project \"%.64s\" not found",
					   json_object_get_string(p));
	}
	return 0;
}

/* PUT (whole object) and PATCH (merged over the current one). */
int api_certificate_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	struct json_object *row = NULL, *cur = NULL, *body = NULL, *projects = NULL, *empty = NULL;
	struct lxf_buf pem = {0};
	const char *name = "", *type = "", *cert = "";
	char fp[TLS_FP_LEN + 1];
	bool restricted = false;
	int ret;

	ret = resolve(req, &row, err);
	if (ret == 0 && !(cur = cert_json(row)))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret == 0)
		ret = reply_check_if_match(req, cur, err);
	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret < 0)
		goto out;
	if (patch) {
		name = lxf_json_str(cur, "name");
		type = lxf_json_str(cur, "type");
		restricted = json_object_get_boolean(json_object_object_get(cur, "restricted"));
		projects = json_object_object_get(cur, "projects");
	}
	if (lxf_json_get_string(body, "name", false, &name, err) < 0 ||
	    lxf_json_get_string(body, "type", false, &type, err) < 0 ||
	    lxf_json_get_string(body, "certificate", false, &cert, err) < 0 ||
	    lxf_json_get_bool(body, "restricted", false, &restricted, err) < 0 ||
	    lxf_json_get_array(body, "projects", false, &projects, err) < 0 ||
	    check_type(type, err) < 0 || check_projects(projects, err) < 0) {
		ret = -err->code;
		goto out;
	}
	snprintf(fp, sizeof(fp), "%s", lxf_json_str(row, "fingerprint"));
	if (cert[0] && strcmp(cert, lxf_json_str(row, "certificate")) != 0) {
		ret = tls_cert_check(cert, 1, &pem, fp, NULL, 0, err);
		if (ret < 0)
			goto out;
	} else {
		ret = lxf_buf_adds(&pem, lxf_json_str(row, "certificate")) < 0
			  ? lxf_err_set(err, LXF_ENOMEM, "Out of memory")
			  : 0;
	}
	if (ret == 0 && !projects)
		projects = empty = json_object_new_array();
	if (ret == 0)
		ret =
		    db_exec(NULL, NULL, err,
			    "UPDATE certificates SET fingerprint = ?, name = ?, type = ?,"
			    " certificate = ?, restricted = ?, projects = ? WHERE fingerprint = ?",
			    "ssssbjs", fp, name, type[0] ? type : "client", lxf_buf_str(&pem),
			    restricted, projects, lxf_json_str(row, "fingerprint"));
	if (ret == -LXF_EEXIST)
		ret = lxf_err_set(err, LXF_EEXIST, "Certificate already in trust store");
	if (ret == 0)
		ret = auth_reload(err);
	if (ret == 0) {
		events_lifecycle_at("certificate-updated", "/1.0/certificates/", fp);
		ret = reply_sync(req, NULL, err);
	}
out:
	lxf_buf_fini(&pem);
	json_object_put(empty);
	json_object_put(row);
	json_object_put(cur);
	return ret;
}

int api_certificate_delete(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	int ret = resolve(req, &row, err);

	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "DELETE FROM certificates WHERE fingerprint = ?",
			      "s", lxf_json_str(row, "fingerprint"));
	if (ret == 0)
		ret = auth_reload(err);
	if (ret == 0) {
		lxf_info("Certificate %.16s... removed from the trust store",
			 lxf_json_str(row, "fingerprint"));
		events_lifecycle_at("certificate-deleted", "/1.0/certificates/",
				    lxf_json_str(row, "fingerprint"));
		ret = reply_sync(req, NULL, err);
	}
	json_object_put(row);
	return ret;
}

/* ---- tokens ---- */

/* Drops tokens whose op ended (revoked, used). Lock held. */
static void tokens_prune_locked(void)
{
	for (struct token **pp = &tokens; *pp;) {
		struct token *t = *pp;
		if (op_is_running(t->op)) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		op_unref(t->op);
		json_object_put(t->request);
		free(t);
	}
}

static int make_token(struct http_req *req, const char *name, bool restricted,
		      struct json_object *projects, struct lxf_err *err)
{
	struct json_object *md = json_object_new_object(), *request = json_object_new_object();
	struct token *t = calloc(1, sizeof(*t));
	unsigned char rnd[32];
	char addr[256], exp[64], when[64];
	int64_t secs = 0;
	int ret = 0;

	if (!md || !request || !t) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (api_server_config_get("core.https_address", addr, sizeof(addr)) != 1) {
		ret = lxf_err_set(err, LXF_EINVAL,
				  "Can't issue token when server isn't listening on network");
		goto out;
	}
	if (api_server_config_get("core.remote_token_expiry", exp, sizeof(exp)) == 1 &&
	    (ret = auth_parse_expiry(exp, &secs, err)) < 0)
		goto out;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot make a random secret");
		goto out;
	}
	lxf_hex(rnd, sizeof(rnd), t->secret);
	lxf_json_add_str(request, "name", name);
	lxf_json_add_str(request, "type", "client");
	json_object_object_add(request, "restricted", json_object_new_boolean(restricted));
	json_object_object_add(request, "projects",
			       projects ? json_object_get(projects) : json_object_new_array());
	lxf_json_add_str(request, "certificate", "");
	lxf_json_add_str(request, "password", "");
	json_object_object_add(request, "token", json_object_new_boolean(1));
	lxf_json_add_str(md, "secret", t->secret);
	lxf_json_add_str(md, "fingerprint", tls_server_fingerprint());
	json_object_object_add(md, "addresses", http_https_addresses(addr));
	json_object_object_add(md, "request", json_object_get(request));
	if (secs > 0) {
		t->expires = time(NULL) + secs;
		reply_time_str(t->expires, when, sizeof(when));
		lxf_json_add_str(md, "expiresAt", when);
	}
	t->request = request;
	request = NULL;
	ret = api_token_async(req, "Certificate add token", md, &t->op, err);
	md = NULL;
	if (ret < 0)
		goto out;
	lxf_info("Join token issued for client \"%s\"", name);
	pthread_mutex_lock(&tokens_lock);
	tokens_prune_locked();
	t->next = tokens;
	tokens = t;
	t = NULL;
	pthread_mutex_unlock(&tokens_lock);
out:
	if (t) {
		op_unref(t->op);
		json_object_put(t->request);
		free(t);
	}
	json_object_put(md);
	json_object_put(request);
	return ret;
}

/* The secret of a join token (base64 JSON with a "secret"), or NULL when s is not one. */
static char *token_secret(const char *s)
{
	size_t len = strlen(s);
	unsigned char *raw = NULL;
	struct json_object *o = NULL;
	char *secret = NULL;
	int n;

	if (len < 8 || len > TOKEN_MAX || len % 4 != 0)
		return NULL;
	raw = malloc(len);
	if (!raw)
		return NULL;
	n = EVP_DecodeBlock(raw, (const unsigned char *)s, (int)len);
	for (size_t i = len; i > 0 && s[i - 1] == '=' && n > 0; i--)
		n--;
	if (n > 0 && lxf_json_parse((const char *)raw, (size_t)n, 4, &o, NULL) == 0 &&
	    lxf_json_str(o, "secret"))
		secret = strdup(lxf_json_str(o, "secret"));
	json_object_put(o);
	free(raw);
	return secret;
}

/* Uses the token with secret: its request (new reference), or 403 as LXD answers. */
static int token_use(const char *secret, struct json_object **request, struct lxf_err *err)
{
	struct token *found = NULL;
	int ret = 0;

	*request = NULL;
	pthread_mutex_lock(&tokens_lock);
	for (struct token **pp = &tokens; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->secret, secret) == 0) {
			found = *pp;
			*pp = found->next;
			break;
		}
	pthread_mutex_unlock(&tokens_lock);
	/* Used once: whoever ends its op first has it. */
	if (!found || !op_token_finish(found->op))
		ret = lxf_err_set(err, LXF_EPERM, "No matching certificate add operation found");
	else if (found->expires && time(NULL) > found->expires)
		ret = lxf_err_set(err, LXF_EPERM, "Token has expired");
	else
		*request = json_object_get(found->request);
	if (found) {
		op_unref(found->op);
		json_object_put(found->request);
		free(found);
	}
	return ret;
}

/* ---- POST ---- */

/* An untrusted client's proof: a join token, else the trust password. */
static int untrusted_proof(struct http_req *req, const char *secret, const char **name,
			   bool *restricted, struct json_object **projects,
			   struct json_object **token_req, struct lxf_err *err)
{
	char *tsecret = token_secret(secret);
	char *stored = NULL;
	int ret;

	if (tsecret) {
		ret = token_use(tsecret, token_req, err);
		free(tsecret);
		if (ret < 0) {
			lxf_warn("Refused join token from %s: %s", req->remote, err->msg);
			return ret;
		}
		*name = lxf_json_str(*token_req, "name");
		*restricted =
		    json_object_get_boolean(json_object_object_get(*token_req, "restricted"));
		*projects = json_object_object_get(*token_req, "projects");
		return 0;
	}
	/* Refused before any scrypt work: a guesser also costs us 16 MiB and CPU a try. */
	if (!auth_rate_allow(req->remote)) {
		lxf_warn("Too many failed trust password attempts from %s", req->remote);
		return lxf_err_set(err, LXF_EPERM,
				   "Too many failed password attempts, try again later");
	}
	ret = db_config_get("core.trust_password", &stored, err);
	if (ret == 0 && !(stored && stored[0] && auth_password_check(stored, secret))) {
		auth_rate_fail(req->remote);
		lxf_warn("Bad trust password from %s", req->remote);
		ret = lxf_err_set(err, LXF_EPERM, "not authorized");
	}
	free(stored);
	return ret;
}

int api_certificates_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *projects = NULL, *token_req = NULL, *empty = NULL;
	const char *name = "", *type = "", *cert = "", *password = "", *ttoken = "";
	bool token = false, restricted = false;
	struct lxf_buf pem = {0};
	char fp[TLS_FP_LEN + 1], cn[256] = "", url[128];
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", false, &name, err) < 0 ||
	    lxf_json_get_string(body, "type", false, &type, err) < 0 ||
	    lxf_json_get_string(body, "certificate", false, &cert, err) < 0 ||
	    lxf_json_get_string(body, "password", false, &password, err) < 0 ||
	    lxf_json_get_string(body, "trust_token", false, &ttoken, err) < 0 ||
	    lxf_json_get_bool(body, "token", false, &token, err) < 0 ||
	    lxf_json_get_bool(body, "restricted", false, &restricted, err) < 0 ||
	    lxf_json_get_array(body, "projects", false, &projects, err) < 0 ||
	    check_type(type, err) < 0 || check_projects(projects, err) < 0)
		return -err->code;
	if (token && cert[0])
		return lxf_err_set(err, LXF_EINVAL, "Can't use certificate if token is requested");
	if (req->trusted && !cert[0] && !token)
		return lxf_err_set(err, LXF_EINVAL, "Client is already trusted");
	if (req->trusted && req->level != AUTH_FULL)
		return lxf_err_set(err, LXF_EPERM, "Certificate is restricted");
	if (!req->trusted) {
		const char *secret = ttoken[0] ? ttoken : password;
		if (token || !secret[0])
			return lxf_err_set(err, LXF_EPERM, "not authorized");
		ret = untrusted_proof(req, secret, &name, &restricted, &projects, &token_req, err);
		if (ret < 0)
			goto out;
	}
	if (token) {
		ret = make_token(req, name, restricted, projects, err);
		goto out;
	}
	if (cert[0])
		ret = tls_cert_check(cert, 0, &pem, fp, cn, sizeof(cn), err);
	else if (req->peer_der)
		ret = tls_cert_check_der(req->peer_der, req->peer_der_len, &pem, fp, cn, sizeof(cn),
					 err);
	else
		ret = lxf_err_set(err, LXF_EINVAL,
				  req->tls ? "No client certificate provided"
					   : "Can't use TLS data on non-TLS link");
	if (ret < 0)
		goto out;
	if (!name || !name[0])
		name = cn[0] ? cn : req->remote;
	if (!projects)
		projects = empty = json_object_new_array();
	ret = db_exec(NULL, NULL, err,
		      "INSERT INTO certificates (fingerprint, type, name, certificate, restricted,"
		      " projects) VALUES (?, ?, ?, ?, ?, ?)",
		      "ssssbj", fp, type[0] ? type : "client", name, lxf_buf_str(&pem), restricted,
		      projects);
	if (ret == -LXF_EEXIST)
		ret = lxf_err_set(err, LXF_EEXIST, "Certificate already in trust store");
	if (ret == 0)
		ret = auth_reload(err);
	if (ret < 0)
		goto out;
	lxf_info("Certificate %.16s... (\"%s\") added to the trust store%s%s", fp, name,
		 req->trusted ? "" : " by ", req->trusted ? "" : req->remote);
	snprintf(url, sizeof(url), "/1.0/certificates/%s", fp);
	events_lifecycle("certificate-created", url, NULL);
	ret = reply_sync_created(req, NULL, url, err);
out:
	json_object_put(empty);
	json_object_put(token_req);
	lxf_buf_fini(&pem);
	return ret;
}
