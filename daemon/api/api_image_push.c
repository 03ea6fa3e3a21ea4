/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image copies in push mode (LXD's "images_push_relay"; `lxc image copy
 * --mode=push`). The client asks the target for a push token: POST
 * /1.0/images {"source": {"mode": "push", "fingerprint": FP}, "aliases",
 * "properties", "public", "expires_at"} answers a token operation whose
 * metadata holds the "secret". Then it asks the source to push: POST
 * /1.0/images/FP/export {"target": URL, "certificate": PEM, "secret": S}
 * runs `lxfd-admin image-push` (admin_push.c), which uploads the image to
 * the target as an untrusted client with X-LXD-fingerprint and
 * X-LXD-secret; the target lets that upload in (ROUTE_F_TOKEN, checked
 * before the body is read), uses the token up, imports the image with the
 * options the token kept, and answers an operation with its own "secret"
 * so that the untrusted source can wait for it. The client cancels the
 * token at the end: a token never used leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "helper.h"
#include "hex.h"
#include "http.h"
#include "image.h"
#include "json.h"
#include "op.h"
#include "router.h"

#define PUSH_SECRET_LEN 64

/* ---- the target: push tokens ---- */

struct push_token {
	struct push_token *next;
	char fp[IMG_FP_LEN + 1];
	char secret[PUSH_SECRET_LEN + 1];
	struct op *op;
	struct json_object *opts; /* {"aliases", "properties", "public"} from the request */
};

static pthread_mutex_t tokens_lock = PTHREAD_MUTEX_INITIALIZER;
static struct push_token *tokens;

static void token_free(struct push_token *t)
{
	if (!t)
		return;
	op_unref(t->op);
	json_object_put(t->opts);
	free(t);
}

/* Drops tokens whose op ended (used, cancelled). Lock held. */
static void tokens_prune_locked(void)
{
	for (struct push_token **pp = &tokens; *pp;) {
		struct push_token *t = *pp;
		if (op_is_running(t->op)) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		token_free(t);
	}
}

/* The running token for fp and secret, or NULL. Lock held. */
static struct push_token *token_find_locked(const char *fp, const char *secret)
{
	tokens_prune_locked();
	if (strlen(secret) != PUSH_SECRET_LEN)
		return NULL;
	for (struct push_token *t = tokens; t; t = t->next)
		if (strcmp(t->fp, fp) == 0 &&
		    CRYPTO_memcmp(t->secret, secret, PUSH_SECRET_LEN) == 0)
			return t;
	return NULL;
}

static int random_secret(char out[PUSH_SECRET_LEN + 1], struct lxf_err *err)
{
	unsigned char rnd[PUSH_SECRET_LEN / 2];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return lxf_err_set(err, LXF_EIO, "Cannot make a random secret");
	lxf_hex(rnd, sizeof(rnd), out);
	return 0;
}

int api_image_push_token(struct http_req *req, struct json_object *body, const char *fp,
			 struct lxf_err *err)
{
	struct push_token *t = NULL;
	struct json_object *md = NULL, *v;
	int ret = 0;

	if (strlen(fp) != IMG_FP_LEN || strspn(fp, "0123456789abcdef") != IMG_FP_LEN)
		return lxf_err_set(err, LXF_EINVAL,
				   "source.fingerprint must be a full sha256 fingerprint");
	if (!(t = calloc(1, sizeof(*t))) || !(t->opts = json_object_new_object()) ||
	    !(md = json_object_new_object())) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ret = random_secret(t->secret, err);
	if (ret < 0)
		goto out;
	snprintf(t->fp, sizeof(t->fp), "%s", fp);
	for (const char *const *k =
		 (const char *const[]){"aliases", "properties", "public", "expires_at", NULL};
	     *k; k++)
		if ((v = json_object_object_get(body, *k))) {
			json_object_object_add(t->opts, *k, json_object_get(v));
			json_object_object_add(md, *k, json_object_get(v));
		}
	lxf_json_add_str(md, "secret", t->secret);
	ret = api_token_async(req, "Image push token", md, &t->op, err);
	md = NULL;
	if (ret < 0)
		goto out;
	pthread_mutex_lock(&tokens_lock);
	tokens_prune_locked();
	t->next = tokens;
	tokens = t;
	t = NULL;
	pthread_mutex_unlock(&tokens_lock);
out:
	token_free(t);
	json_object_put(md);
	return ret;
}

bool api_image_push_admit(const char *fp, const char *secret)
{
	bool ok;

	pthread_mutex_lock(&tokens_lock);
	ok = token_find_locked(fp, secret) != NULL;
	pthread_mutex_unlock(&tokens_lock);
	return ok;
}

struct json_object *api_image_push_take(const char *fp, const char *secret)
{
	struct json_object *opts = NULL;
	struct push_token *t;

	pthread_mutex_lock(&tokens_lock);
	t = token_find_locked(fp, secret);
	/* Used once: taking it ends the token op, as LXD cancels it. */
	if (t && op_token_finish(t->op))
		opts = json_object_get(t->opts);
	pthread_mutex_unlock(&tokens_lock);
	return opts;
}

int api_image_push_secret(char out[65], struct lxf_err *err)
{
	return random_secret(out, err);
}

/* ---- the source: POST /1.0/images/FP/export ---- */

struct export_arg {
	char target[512];
	char fp[IMG_FP_LEN + 1];
	char secret[PUSH_SECRET_LEN + 1];
	char *cert; /* PEM, may be "" */
};

static void export_arg_free(void *p)
{
	struct export_arg *a = p;

	if (!a)
		return;
	free(a->cert);
	free(a);
}

static int export_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct export_arg *a = arg;
	char certpath[PATH_MAX] = "", file[PATH_MAX], rootfs[PATH_MAX];
	/* A split image's rootfs goes too (the upload is then multipart). */
	char *argv[] = {"lxfd-admin", "image-push", a->target, a->fp, a->secret,
			certpath,     file,         rootfs,    NULL};
	int fd, ret = 0;

	(void)op;
	(void)md;
	img_path(lxfd_conf.dir, a->fp, file, sizeof(file));
	if (img_rootfs_file(file, rootfs, sizeof(rootfs)) != 1)
		argv[7] = NULL;
	if (a->cert[0]) {
		if (snprintf(certpath, sizeof(certpath), "%s/images/.cert-XXXXXX", lxfd_conf.dir) >=
		    (int)sizeof(certpath))
			return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
		fd = mkostemp(certpath, O_CLOEXEC);
		if (fd < 0)
			return lxf_err_sys(err, LXF_EIO, errno, "Cannot create a temporary file");
		if (write(fd, a->cert, strlen(a->cert)) != (ssize_t)strlen(a->cert))
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot write the certificate");
		close(fd);
	}
	if (ret == 0)
		ret = lxfd_helper_run("lxfd-admin", argv, 4096, NULL, err);
	if (certpath[0])
		unlink(certpath);
	return ret;
}

int api_image_export_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	const char *target = NULL, *cert = "", *secret = "";
	struct export_arg *a = NULL;
	struct op *op = NULL;
	char url[128];
	int ret = db_image_resolve(router_param(&req->match, "fp"), &row, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_string(req->json, "target", true, &target, err) < 0 ||
	    lxf_json_get_string(req->json, "certificate", false, &cert, err) < 0 ||
	    lxf_json_get_string(req->json, "secret", false, &secret, err) < 0) {
		ret = -err->code;
		goto out;
	}
	if (strncmp(target, "https://", 8) != 0 || strlen(target) >= sizeof(a->target)) {
		ret = lxf_err_set(err, LXF_EINVAL, "target must be an https:// URL");
		goto out;
	}
	if (strlen(secret) > PUSH_SECRET_LEN ||
	    strspn(secret, "0123456789abcdef") != strlen(secret)) {
		ret = lxf_err_set(err, LXF_EINVAL, "Invalid secret");
		goto out;
	}
	if (!(a = calloc(1, sizeof(*a))) || !(a->cert = strdup(cert))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->target, sizeof(a->target), "%s", target);
	snprintf(a->fp, sizeof(a->fp), "%s", lxf_json_str(row, "fingerprint"));
	snprintf(a->secret, sizeof(a->secret), "%s", secret);
	snprintf(url, sizeof(url), "/1.0/images/%s", a->fp);
	op = op_run("Pushing image", "images", url, export_op, a, export_arg_free, err);
	a = NULL;
	ret = op ? api_async(req, op, err) : -err->code;
out:
	export_arg_free(a);
	op_unref(op);
	json_object_put(row);
	return ret;
}
