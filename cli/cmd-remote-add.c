/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf remote add: LXD 5.0's trust flow. For an https remote: fetch the
 * server certificate without trusting it, show its fingerprint and ask (or
 * check it against a token's), pin it in servercerts/NAME.crt, then, when
 * the server does not trust our client certificate yet, POST
 * /1.0/certificates with the password or the whole token (5.0 sends both
 * in "password") and check that GET /1.0 now says "trusted". Only then is
 * config.yml written; any failure leaves the configuration as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cert.h"
#include "cmd.h"
#include "file.h"
#include "json.h"

#define ADD_ADDR_MAX 512
#define ADD_PATH_MAX 4096
#define ADD_LINE_MAX 1024

enum { ADD_OPT_PASSWORD = 400, ADD_OPT_TOKEN, ADD_OPT_ACCEPT, ADD_OPT_PROTOCOL };

/* Reads one line from stdin without its newline; echo off when asked (passwords). */
static int add_read_line(char *buf, size_t len, bool secret)
{
	struct termios old, quiet;
	bool restore = false;
	char *p;

	if (secret && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
	}
	p = fgets(buf, (int)len, stdin);
	if (restore) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stdout);
	}
	if (!p)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* "h", "h:p", "https://h[:p]" -> "https://h:p" (LXD's port 8443 by default). */
static int add_normalize(const char *in, char *out, size_t len, struct lxf_err *err)
{
	const char *host = strncmp(in, "https://", 8) == 0 ? in + 8 : in;
	const char *close = host[0] == '[' ? strchr(host, ']') : NULL;
	bool has_port;
	size_t hl = strlen(host);
	int n;

	if (strstr(in, "://") && strncmp(in, "https://", 8) != 0)
		return lxf_err_set(err, LXF_EINVAL, "bad remote address '%s'", in);
	while (hl > 0 && host[hl - 1] == '/')
		hl--;
	if (host[0] == '[')
		has_port = close && close[1] == ':';
	else
		has_port = memchr(host, ':', hl) != NULL;
	n = snprintf(out, len, "https://%.*s%s", (int)hl, host, has_port ? "" : ":8443");
	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "remote address too long");
	return lxf_remote_check_addr(out, err);
}

/* Connects to addr trusting nothing, and returns the server's GET /1.0 and certificate. */
static int add_probe(const char *name, const char *addr, const char *dir, struct json_object **srv,
		     unsigned char **der, size_t *der_len, struct lxf_err *err)
{
	char crt[ADD_PATH_MAX], key[ADD_PATH_MAX];
	struct lxf_client_opts o = {.addr = addr,
				    .name = name,
				    .accept_any_cert = true,
				    .timeout_secs = 30,
				    /* A first contact waits as it always has. */
				    .connect_secs = 5,
				    .answer_secs = -1,
				    .cert_path = crt,
				    .key_path = key};
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	const unsigned char *p;
	int rc;

	*srv = NULL;
	*der = NULL;
	(void)snprintf(crt, sizeof(crt), "%s/client.crt", dir);
	(void)snprintf(key, sizeof(key), "%s/client.key", dir);
	rc = lxf_client_new(&o, &c, err);
	if (rc == 0)
		rc = lxf_client_request(c, "GET", "/1.0", NULL, &resp, err);
	if (rc)
		goto out;
	p = lxf_client_peer_cert(c, der_len);
	if (!p || !json_object_is_type(resp.metadata, json_type_object)) {
		rc = lxf_err_set(err, LXF_EIO,
				 "%s: not an LXD server (no certificate, or no server "
				 "information in GET /1.0)",
				 addr);
		goto out;
	}
	*der = malloc(*der_len);
	if (!*der) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(*der, p, *der_len);
	*srv = json_object_get(resp.metadata);
out:
	lxf_response_fini(&resp);
	lxf_client_free(c);
	return rc;
}

/* The user's yes to a fingerprint (lxc's prompt), or a reason for no. */
static int add_confirm(struct lxf_cmd_ctx *ctx, const char *fp, bool accept, struct lxf_err *err)
{
	char line[ADD_LINE_MAX];

	if (accept)
		return 0;
	if (!isatty(STDIN_FILENO))
		return lxf_err_set(err, LXF_EPERM,
				   "certificate fingerprint %s: not accepted (no terminal to ask "
				   "on); check it and pass --accept-certificate",
				   fp);
	fprintf(stdout, "Certificate fingerprint: %s\nok (y/n/[fingerprint])? ", fp);
	(void)fflush(stdout);
	if (add_read_line(line, sizeof(line), false) != 0)
		return lxf_err_set(err, LXF_ECANCELED, "no answer: certificate not accepted");
	(void)ctx;
	if (strcmp(line, fp) == 0 || line[0] == 'y' || line[0] == 'Y')
		return 0;
	if (line[0] == '\0' || line[0] == 'n' || line[0] == 'N')
		return lxf_err_set(err, LXF_ECANCELED, "server certificate NACKed by user");
	return lxf_err_set(err, LXF_EINVAL, "please type 'y', 'n' or the fingerprint");
}

/* POST /1.0/certificates with the secret, then GET /1.0 must say trusted. */
static int add_trust(struct lxf_client *c, const char *name, const char *secret,
		     struct lxf_err *err)
{
	struct json_object *body = json_object_new_object(), *srv = NULL;
	const char *auth;
	int rc;

	if (!body || lxf_json_add_str(body, "type", "client") != 0 ||
	    lxf_json_add_str(body, "password", secret) != 0) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_client_do(c, "POST", "/1.0/certificates", body, NULL, err);
	if (rc) {
		lxf_err_prefix(err, "remote '%s' refused the password or token", name);
		rc = -LXF_EPERM;
		err->code = LXF_EPERM;
		goto out;
	}
	rc = lxf_client_do(c, "GET", "/1.0", NULL, &srv, err);
	if (rc)
		goto out;
	auth = lxf_json_str(srv, "auth");
	if (!auth || strcmp(auth, "trusted") != 0)
		rc = lxf_err_set(err, LXF_EPERM, "server doesn't trust us after authentication");
out:
	if (srv)
		json_object_put(srv);
	json_object_put(body);
	return rc;
}

struct add_req {
	const char *name;
	char addr[ADD_ADDR_MAX];
	const char *secret; /* password or whole token; may be NULL */
	const char *token_fp;
	bool accept;
};

/*
 * One https address: probe, check or ask about the certificate, pin it,
 * run the trust flow. On failure the pinned file this made is removed.
 */
static int add_https(struct lxf_cmd_ctx *ctx, const struct add_req *q, struct lxf_err *err)
{
	struct lxf_remotes *r = ctx->remotes;
	struct json_object *srv = NULL;
	struct lxf_client *c = NULL;
	unsigned char *der = NULL;
	char fp[LXF_FP_HEX_LEN + 1], path[ADD_PATH_MAX], pw[ADD_LINE_MAX];
	char *pem = NULL;
	const char *auth, *secret = q->secret;
	bool pinned = false;
	size_t der_len = 0;
	int rc;

	rc = lxf_cert_ensure_client(r->dir, NULL, err);
	if (rc == 0)
		rc = add_probe(q->name, q->addr, r->dir, &srv, &der, &der_len, err);
	if (rc)
		goto out;
	lxf_cert_fingerprint(der, der_len, fp);
	if (q->token_fp && strcmp(q->token_fp, fp) != 0) {
		rc = lxf_err_set(err, LXF_EPERM,
				 "certificate fingerprint mismatch between the token (%s) and "
				 "server %s (%s)",
				 q->token_fp, q->addr, fp);
		goto out;
	}
	if (!q->token_fp) {
		rc = add_confirm(ctx, fp, q->accept, err);
		if (rc)
			goto out;
	}
	rc = lxf_remotes_servercert_path(r, q->name, path, sizeof(path), err);
	if (rc == 0)
		rc = lxf_cert_der_to_pem(der, der_len, &pem, err);
	if (rc == 0) {
		char dir[ADD_PATH_MAX];

		(void)snprintf(dir, sizeof(dir), "%s/servercerts", r->dir);
		rc = lxf_mkdir_p(dir, 0750, err);
	}
	if (rc == 0)
		rc = lxf_file_write_atomic(path, pem, strlen(pem), 0644, err);
	if (rc)
		goto out;
	pinned = true;
	auth = lxf_json_str(srv, "auth");
	if (auth && strcmp(auth, "trusted") == 0)
		goto done;
	if (!secret) {
		if (!isatty(STDIN_FILENO)) {
			rc = lxf_err_set(err, LXF_EPERM,
					 "remote '%s' does not trust this client: give --password "
					 "or --token",
					 q->name);
			goto out;
		}
		fprintf(stdout, "Admin password (or token) for %s: ", q->name);
		(void)fflush(stdout);
		if (add_read_line(pw, sizeof(pw), true) != 0) {
			rc = lxf_err_set(err, LXF_ECANCELED, "no password given");
			goto out;
		}
		secret = pw;
	}
	rc = lxf_remotes_client(r, lxf_remotes_find(r, q->name), &c, err);
	if (rc == 0)
		rc = add_trust(c, q->name, secret, err);
	if (rc)
		goto out;
	if (!ctx->quiet)
		fprintf(ctx->out, "Client certificate now trusted by server: %s\n", q->name);
done:
	pinned = false;
out:
	if (pinned)
		(void)unlink(path);
	explicit_bzero(pw, sizeof(pw));
	lxf_client_free(c);
	if (srv)
		json_object_put(srv);
	free(der);
	free(pem);
	return rc;
}

int lxf_cmd_remote_add(struct lxf_cmd_ctx *ctx, const char *name, const char *target,
		       const char *password, const char *token_arg, bool accept,
		       struct lxf_err *err)
{
	struct add_req q = {.name = name, .accept = accept};
	struct lxf_token tok = {0};
	bool is_token = false;
	int rc;

	if (strncmp(target, "unix://", 7) == 0) {
		rc = lxf_remotes_add(ctx->remotes, q.name, target, err);
		goto save;
	}
	/* As lxc: the address may itself be a token, and so may --password. */
	if (token_arg) {
		rc = lxf_token_decode(token_arg, &tok, err);
		if (rc)
			goto out;
		is_token = true;
	} else if (lxf_token_decode(target, &tok, NULL) == 0) {
		is_token = true;
		token_arg = target;
		target = NULL;
	} else if (password && !q.accept && lxf_token_decode(password, &tok, NULL) == 0) {
		is_token = true;
		token_arg = password;
	}
	q.secret = is_token ? token_arg : password;
	q.token_fp = is_token ? tok.fingerprint : NULL;
	/* Validate the name (and that it is free) before any network traffic. */
	rc = add_normalize(target ? target : tok.addresses[0], q.addr, sizeof(q.addr), err);
	if (rc == 0)
		rc = lxf_remotes_add(ctx->remotes, q.name, q.addr, err);
	if (rc)
		goto out;
	rc = add_https(ctx, &q, err);
	/* A token without an address to use: try each of its addresses in turn. */
	for (size_t i = 1; rc && is_token && !target && i < tok.naddresses; i++) {
		if (rc == -LXF_EPERM || rc == -LXF_ECANCELED)
			break;
		if (add_normalize(tok.addresses[i], q.addr, sizeof(q.addr), err) != 0 ||
		    lxf_remotes_set_url(ctx->remotes, q.name, q.addr, err) != 0)
			break;
		lxf_err_clear(err);
		rc = add_https(ctx, &q, err);
	}
save:
	if (rc == 0)
		rc = lxf_remotes_save(ctx->remotes, err);
out:
	lxf_token_fini(&tok);
	return rc;
}

/*
 * A simplestreams image server: public, nothing to pin or to be trusted by
 * (lxc stores it so too: protocol simplestreams, public true). The URL is
 * kept as given, path and all, but for trailing slashes.
 */
static int add_simplestreams(struct lxf_cmd_ctx *ctx, const char *name, const char *url,
			     struct lxf_err *err)
{
	char addr[ADD_ADDR_MAX];
	size_t n = strlen(url);
	int rc;

	while (n > 8 && url[n - 1] == '/')
		n--;
	if (strncmp(url, "https://", 8) != 0 || n <= 8)
		return lxf_err_set(err, LXF_EINVAL,
				   "a simplestreams remote needs an https:// URL, got '%s'", url);
	if (snprintf(addr, sizeof(addr), "%.*s", (int)n, url) >= (int)sizeof(addr))
		return lxf_err_set(err, LXF_EINVAL, "remote address too long");
	rc = lxf_remotes_add_ex(ctx->remotes, name, addr, "simplestreams", "default", "tls", true,
				err);
	return rc ? rc : lxf_remotes_save(ctx->remotes, err);
}

static int cmd_remote_add(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	const char *password = lxf_args_get(args, ADD_OPT_PASSWORD);
	const char *token_arg = lxf_args_get(args, ADD_OPT_TOKEN);
	const char *proto = lxf_args_get(args, ADD_OPT_PROTOCOL);
	struct lxf_err err = {0};

	if (password && token_arg)
		return lxf_cmd_usage_error(self, ctx, "--password and --token exclude each other");
	if (proto && strcmp(proto, "lxd") != 0) {
		if (strcmp(proto, "simplestreams") != 0)
			return lxf_cmd_usage_error(self, ctx, "--protocol: lxd or simplestreams");
		if (password || token_arg)
			return lxf_cmd_usage_error(self, ctx,
						   "a simplestreams remote takes no password or "
						   "token: it is public");
		if (add_simplestreams(ctx, args->argv[0], args->argv[1], &err) != 0)
			return lxf_cmd_fail(ctx, &err);
		return LXF_EXIT_OK;
	}
	if (lxf_cmd_remote_add(ctx, args->argv[0], args->argv[1], password, token_arg,
			       lxf_args_has(args, ADD_OPT_ACCEPT), &err) != 0)
		return lxf_cmd_fail(ctx, &err);
	return LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_remote_add_entry = {
    .name = "remote add",
    .usage = "NAME unix:///path|[https://]HOST[:PORT]|TOKEN [--password PW|--token TOKEN] "
	     "[--accept-certificate] [--protocol lxd|simplestreams]",
    .summary = "Add a remote (HTTPS: pin its certificate, get trusted)",
    .min_args = 2,
    .max_args = 2,
    .opts = {{"password", ADD_OPT_PASSWORD, required_argument, "PW",
	      "the server's trust password (or a token)"},
	     {"token", ADD_OPT_TOKEN, required_argument, "TOKEN",
	      "a certificate add token (lxf config trust add --name N)"},
	     {"accept-certificate", ADD_OPT_ACCEPT, no_argument, NULL,
	      "pin the server certificate without asking"},
	     {"protocol", ADD_OPT_PROTOCOL, required_argument, "PROTO",
	      "lxd (default), or simplestreams: a public image server (URL)"}},
    .exec = cmd_remote_add,
};
