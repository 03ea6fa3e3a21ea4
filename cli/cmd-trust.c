/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf config trust list|add|remove|show: a server's trust store
 * (/1.0/certificates), with LXD 5.0's bodies. `add REMOTE: --name N`
 * creates a join token (POST {"name":N,"type":"client","token":true}, an
 * operation whose metadata carries the secret, the server's fingerprint
 * and addresses) and prints it encoded as lxc does.
 */
#include <libgen.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "output.h"

enum { TRUST_OPT_NAME = 440, TRUST_OPT_RESTRICTED, TRUST_OPT_PROJECTS, TRUST_OPT_TYPE };

/* The certificate's CN and expiry ("2036/01/02 15:04 UTC") from its base PEM. */
static void trust_cert_info(const char *pem, char *cn, size_t cnlen, char *exp, size_t explen)
{
	BIO *bio = pem ? BIO_new_mem_buf(pem, -1) : NULL;
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	struct tm tm;

	cn[0] = exp[0] = '\0';
	if (x) {
		(void)X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
						(int)cnlen);
		if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
			(void)strftime(exp, explen, "%Y/%m/%d %H:%M UTC", &tm);
	}
	X509_free(x);
	BIO_free(bio);
}

/* Connects to "[REMOTE:]" (nothing after the colon allowed) or the default remote. */
static int trust_remote(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, const char *arg,
			struct lxf_client **c, struct lxf_err *err)
{
	char *rest = NULL;
	int rc;

	(void)self;
	if (!arg)
		return lxf_cmd_client(ctx, NULL, c, err);
	rc = lxf_cmd_target(ctx, arg, false, c, &rest, err);
	if (rc == 0 && rest && *rest) {
		lxf_client_free(*c);
		*c = NULL;
		rc = lxf_err_set(err, LXF_EUSAGE, "want REMOTE:, got '%s'", arg);
	}
	free(rest);
	return rc;
}

/* The COMMON NAME or EXPIRY DATE cell of certificate o. */
static char *trust_cell(struct json_object *o, bool expiry)
{
	char cn[256], exp[64];

	trust_cert_info(lxf_json_str(o, "certificate"), cn, sizeof(cn), exp, sizeof(exp));
	return strdup(expiry ? exp : cn);
}

static char *trust_cn(struct json_object *o)
{
	return trust_cell(o, false);
}

static char *trust_expiry(struct json_object *o)
{
	return trust_cell(o, true);
}

static const struct lxf_obj_desc trust_desc = {
    .collection = "certificates",
    .flags = LXF_OBJ_DEL_STOP,
    .cols = {{"TYPE", LXF_CELL_STR, "type"},
	     {"NAME", LXF_CELL_STR, "name"},
	     {"COMMON NAME", LXF_CELL_FN, .fn = trust_cn},
	     {"FINGERPRINT", LXF_CELL_SHORT, "fingerprint"},
	     {"RESTRICTED", LXF_CELL_YES_NO, "restricted"},
	     {"EXPIRY DATE", LXF_CELL_FN, .fn = trust_expiry}},
};

/* The token from the operation LXD answers a token request with. */
static int trust_print_token(struct lxf_cmd_ctx *ctx, const char *name, struct json_object *op,
			     struct lxf_err *err)
{
	struct json_object *md = lxf_json_path(op, "metadata"), *addrs = NULL;
	struct lxf_token t = {0};
	const char *fp = lxf_json_str(md, "fingerprint");
	char *enc = NULL;
	int rc = 0;

	t.client_name = (char *)name;
	t.secret = (char *)lxf_json_str(md, "secret");
	t.expires_at = (char *)lxf_json_str(md, "expiresAt");
	(void)lxf_json_get_array(md, "addresses", false, &addrs, NULL);
	if (!t.secret || !fp || strlen(fp) != LXF_FP_HEX_LEN || !addrs) {
		rc = lxf_err_set(err, LXF_EIO,
				 "the server's token operation lacks its secret, "
				 "fingerprint or addresses");
		goto out;
	}
	memcpy(t.fingerprint, fp, LXF_FP_HEX_LEN + 1);
	for (size_t i = 0; i < json_object_array_length(addrs) && i < LXF_TOKEN_ADDRS; i++)
		t.addresses[t.naddresses++] =
		    (char *)json_object_get_string(json_object_array_get_idx(addrs, i));
	rc = lxf_token_encode(&t, &enc, err);
	if (rc)
		goto out;
	if (!ctx->quiet)
		fprintf(ctx->out, "Client %s certificate add token:\n", name);
	fprintf(ctx->out, "%s\n", enc);
out:
	free(enc);
	return rc;
}

/* The request body: name, type (client, or metrics: /1.0/metrics only), restricted and
 * projects as given. */
static struct json_object *trust_body(const struct lxf_cmd_args *args, const char *name)
{
	struct json_object *b = json_object_new_object(), *pa;
	const char *projects = lxf_args_get(args, TRUST_OPT_PROJECTS);
	const char *type = lxf_args_get(args, TRUST_OPT_TYPE);
	char *dup, *save = NULL;

	if (!b || lxf_json_add_str(b, "name", name) != 0 ||
	    lxf_json_add_str(b, "type", type ? type : "client") != 0 ||
	    json_object_object_add(
		b, "restricted", json_object_new_boolean(lxf_args_has(args, TRUST_OPT_RESTRICTED))))
		goto fail;
	if (projects) {
		pa = json_object_new_array();
		dup = strdup(projects);
		if (!pa || !dup || json_object_object_add(b, "projects", pa) != 0) {
			json_object_put(pa);
			free(dup);
			goto fail;
		}
		for (char *p = strtok_r(dup, ",", &save); p; p = strtok_r(NULL, ",", &save))
			(void)json_object_array_add(pa, json_object_new_string(p));
		free(dup);
	}
	return b;
fail:
	json_object_put(b);
	return NULL;
}

/* POSTs body to the remote: a certificate added, or a token printed. */
static int trust_post(struct lxf_cmd_ctx *ctx, struct lxf_client *c, struct json_object *body,
		      const char *name, bool token, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	int rc;

	if (!token)
		return lxf_client_do(c, "POST", "/1.0/certificates", body, NULL, err);
	/* The token operation stays running until used: read it, do not wait on it. */
	rc = lxf_client_request(c, "POST", "/1.0/certificates", body, &resp, err);
	if (rc == 0)
		rc = trust_print_token(ctx, name, resp.metadata, err);
	lxf_response_fini(&resp);
	return rc;
}

static int cmd_trust_add(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	const char *name = lxf_args_get(args, TRUST_OPT_NAME), *file = NULL, *remote = NULL;
	struct json_object *body = NULL;
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	unsigned char *der = NULL;
	size_t der_len = 0;
	char *b64 = NULL, *pathdup = NULL;
	int rc = 0;

	/* As lxc: "REMOTE:" alone (or nothing) asks for a token, else the last argument is a file. */
	if (args->argc == 2) {
		remote = args->argv[0];
		file = args->argv[1];
	} else if (args->argc == 1) {
		size_t l = strlen(args->argv[0]);

		if (l > 0 && args->argv[0][l - 1] == ':')
			remote = args->argv[0];
		else
			file = args->argv[0];
	}
	if (!file && (!name || !*name))
		return lxf_cmd_usage_error(self, ctx, "a token needs --name NAME (the client's)");
	if (lxf_args_get(args, TRUST_OPT_TYPE) &&
	    strcmp(lxf_args_get(args, TRUST_OPT_TYPE), "client") != 0 &&
	    strcmp(lxf_args_get(args, TRUST_OPT_TYPE), "metrics") != 0)
		return lxf_cmd_usage_error(self, ctx, "--type is client or metrics");
	if (!file && lxf_args_get(args, TRUST_OPT_TYPE) &&
	    strcmp(lxf_args_get(args, TRUST_OPT_TYPE), "client") != 0)
		return lxf_cmd_usage_error(self, ctx, "a metrics certificate needs its CERTFILE");
	if (file) {
		rc = lxf_cert_load_der(file, &der, &der_len, &err);
		b64 = rc ? NULL : malloc((der_len + 2) / 3 * 4 + 1);
		pathdup = rc ? NULL : strdup(file);
		if (rc == 0 && (!b64 || !pathdup))
			rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		if (rc)
			goto out;
		(void)EVP_EncodeBlock((unsigned char *)b64, der, (int)der_len);
		if (!name)
			name = basename(pathdup);
	}
	body = trust_body(args, name);
	if (!body ||
	    (file ? lxf_json_add_str(body, "certificate", b64)
		  : json_object_object_add(body, "token", json_object_new_boolean(1))) != 0)
		rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = trust_remote(self, ctx, remote, &c, &err);
	if (rc == 0)
		rc = trust_post(ctx, c, body, name, !file, &err);
out:
	if (body)
		json_object_put(body);
	lxf_client_free(c);
	free(der);
	free(b64);
	free(pathdup);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_trust_list_entry = LXF_OBJ_LIST_ENTRY(
    "config trust", "[REMOTE:]", "List the client certificates a server trusts", &trust_desc);
const struct lxf_cmd lxf_cmd_trust_add_entry = LXF_OBJ_ENTRY_OPTS(
    "config trust add", NULL,
    "[REMOTE:] [CERTFILE] [--name NAME] [--type client|metrics] [--restricted] [--projects P1,P2]",
    "Trust a client certificate, or print a join token (--name)", 0, 2, cmd_trust_add, &trust_desc,
    {"name", TRUST_OPT_NAME, required_argument, "NAME", "the client's name (required for a token)"},
    {"type", TRUST_OPT_TYPE, required_argument, "TYPE",
     "client (default), or metrics: GET /1.0/metrics only"},
    {"restricted", TRUST_OPT_RESTRICTED, no_argument, NULL, "restrict the client to --projects"},
    {"projects", TRUST_OPT_PROJECTS, required_argument, "P1,P2",
     "projects a restricted client may use"});
const struct lxf_cmd lxf_cmd_trust_show_entry =
    LXF_OBJ_ENTRY("config trust show", NULL, "[REMOTE:]FINGERPRINT", "Show a trusted certificate",
		  1, 1, lxf_obj_show, &trust_desc);
const struct lxf_cmd lxf_cmd_trust_remove_entry =
    LXF_OBJ_ENTRY("config trust remove", "config trust rm", "[REMOTE:]FINGERPRINT...",
		  "Stop trusting certificates", 1, -1, lxf_obj_delete, &trust_desc);
