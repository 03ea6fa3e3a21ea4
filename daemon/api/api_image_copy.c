/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images copied between hosts, as LXD copies them (client CopyImage, pull
 * mode): the client asks the source for a one-time download secret (POST
 * /1.0/images/FP/secret, a token operation), then asks the target to POST
 * /1.0/images {"source": {"type": "image", "mode": "pull", "protocol":
 * "lxd", "server": URL, "certificate": PEM, "fingerprint": FP, "secret":
 * S}, "aliases": [...], "public": B, "properties": {...}}; the target
 * downloads GET URL/1.0/images/FP/export?secret=S as an untrusted client
 * and checks the fingerprint. Both halves are here: the target's download
 * runs in lxfd-admin (libcurl, admin_fetch.c), never in the daemon.
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
#include "events.h"
#include "file.h"
#include "helper.h"
#include "hex.h"
#include "http.h"
#include "image.h"
#include "json.h"
#include "op.h"
#include "router.h"

#define SECRET_LEN    64
#define COPY_BODY_MAX (1u << 20)

/* ---- the source: download secrets ---- */

struct img_secret {
	struct img_secret *next;
	char fp[IMG_FP_LEN + 1];
	char secret[SECRET_LEN + 1];
	struct op *op;
};

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static struct img_secret *secrets;

/* Drops secrets whose op ended (used or revoked). Lock held. */
static void secrets_prune_locked(void)
{
	for (struct img_secret **pp = &secrets; *pp;) {
		struct img_secret *s = *pp;
		if (op_is_running(s->op)) {
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		op_unref(s->op);
		free(s);
	}
}

int api_image_secret(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *md = NULL;
	struct img_secret *s = calloc(1, sizeof(*s));
	unsigned char rnd[SECRET_LEN / 2];
	int ret = db_image_resolve(router_param(&req->match, "fp"), &row, err);

	if (ret < 0)
		goto out;
	if (!s || !(md = json_object_new_object())) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot make a random secret");
		goto out;
	}
	lxf_hex(rnd, sizeof(rnd), s->secret);
	snprintf(s->fp, sizeof(s->fp), "%s", lxf_json_str(row, "fingerprint"));
	lxf_json_add_str(md, "secret", s->secret);
	ret = api_token_async(req, "Image download token", md, &s->op, err);
	md = NULL;
	if (ret < 0)
		goto out;
	pthread_mutex_lock(&secrets_lock);
	secrets_prune_locked();
	s->next = secrets;
	secrets = s;
	s = NULL;
	pthread_mutex_unlock(&secrets_lock);
out:
	if (s) {
		op_unref(s->op);
		free(s);
	}
	json_object_put(md);
	json_object_put(row);
	return ret;
}

bool api_image_visible(struct http_req *req, const char *fp, bool public, bool consume)
{
	struct img_secret *found = NULL;
	char secret[SECRET_LEN + 8];

	if (req->level >= AUTH_RESTRICTED || public)
		return true;
	if (!http_query(req, "secret", secret, sizeof(secret)) || strlen(secret) != SECRET_LEN)
		return false;
	pthread_mutex_lock(&secrets_lock);
	secrets_prune_locked();
	for (struct img_secret *s = secrets; s && !found; s = s->next)
		if (strcmp(s->fp, fp) == 0 && CRYPTO_memcmp(s->secret, secret, SECRET_LEN) == 0)
			found = s;
	/* Used once: the download ends the token op, as in LXD. */
	if (found && consume && !op_token_finish(found->op))
		found = NULL;
	pthread_mutex_unlock(&secrets_lock);
	return found != NULL;
}

/* ---- the target: pull from another server ---- */

struct copy_arg {
	char server[512];
	char fp[IMG_FP_LEN + 1];
	char secret[SECRET_LEN + 1];
	char filename[256];
	char *cert; /* PEM, may be "" */
	bool public;
	struct json_object *properties, *aliases; /* may be NULL */
};

static void copy_arg_free(void *p)
{
	struct copy_arg *a = p;

	if (!a)
		return;
	free(a->cert);
	json_object_put(a->properties);
	json_object_put(a->aliases);
	free(a);
}

/* A private temporary file in DIR/images (same file system as the store). */
int api_temp_in_images(char *path, size_t n, const char *what, struct lxf_err *err)
{
	int fd;

	if (snprintf(path, n, "%s/images/.%s-XXXXXX", lxfd_conf.dir, what) >= (int)n)
		return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot create a temporary file");
	return fd;
}

int api_image_add_aliases(const char *fp, struct json_object *aliases, struct lxf_err *err)
{
	for (size_t i = 0; aliases && i < json_object_array_length(aliases); i++) {
		struct json_object *al = json_object_array_get_idx(aliases, i);
		const char *name = lxf_json_str(al, "name"),
			   *desc = lxf_json_str(al, "description");
		int ret = db_exec(NULL, NULL, err,
				  "INSERT INTO image_aliases (name, target, description)"
				  " VALUES (?, ?, ?)",
				  "sss", name, fp, desc ? desc : "");
		if (ret == -LXF_EEXIST)
			return lxf_err_set(err, LXF_EEXIST, "Alias \"%s\" already exists", name);
		if (ret < 0)
			return ret;
		events_lifecycle_at("image-alias-created", "/1.0/images/aliases/", name);
	}
	return 0;
}

static int copy_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct copy_arg *a = arg;
	char certpath[PATH_MAX] = "", out[PATH_MAX] = "", meta[PATH_MAX] = "",
	     rootfs[PATH_MAX] = "";
	struct json_object *ans = NULL;
	const char *ctype;
	char *argv[] = {"lxfd-admin", "image-fetch", a->server, a->fp,
			a->secret,    certpath,      out,       NULL};
	int fd, ret;

	(void)op;
	if (a->cert[0]) {
		fd = api_temp_in_images(certpath, sizeof(certpath), "cert", err);
		if (fd < 0) {
			certpath[0] = '\0';
			ret = fd;
			goto out;
		}
		ret = write(fd, a->cert, strlen(a->cert)) != (ssize_t)strlen(a->cert)
			  ? lxf_err_sys(err, LXF_EIO, errno, "Cannot write the certificate")
			  : 0;
		close(fd);
		if (ret < 0)
			goto out;
	}
	fd = api_temp_in_images(out, sizeof(out), "fetch", err);
	if (fd < 0) {
		out[0] = '\0';
		ret = fd;
		goto out;
	}
	close(fd);
	ret = lxfd_helper_run("lxfd-admin", argv, 4096, &ans, err);
	ctype = lxf_json_str(json_object_object_get(ans, "metadata"), "content_type");
	/* A split image came as one multipart body: its two files. */
	if (ret == 0 && ctype)
		ret = api_image_split_file(out, ctype, meta, rootfs, NULL, 0, err);
	if (ret == 0) {
		struct api_img_in in = {.tmp = ctype ? meta : out,
					.rootfs = ctype ? rootfs : NULL,
					.want_fp = a->fp,
					.filename = a->filename,
					.public = a->public,
					.properties = a->properties};

		ret = api_image_import(&in, md, err);
		meta[0] = rootfs[0] = '\0'; /* consumed */
		if (!ctype)
			out[0] = '\0';
	}
	if (ret == 0)
		ret = api_image_add_aliases(a->fp, a->aliases, err);
out:
	if (certpath[0])
		unlink(certpath);
	for (char *p[] = {out, meta, rootfs, NULL}, **q = p; *q; q++)
		if ((*q)[0])
			unlink(*q);
	json_object_put(ans);
	return ret;
}

/* The body of a ROUTE_F_UPLOAD request, read back as JSON (at most 1 MiB). */
static int upload_json(struct http_req *req, struct json_object **out, struct lxf_err *err)
{
	struct lxf_buf b = {0};
	int ret;

	*out = NULL;
	if (req->upload_len > COPY_BODY_MAX)
		return lxf_err_set(err, LXF_ETOOBIG, "Request body too large");
	ret = lxf_file_read(req->upload_path, COPY_BODY_MAX, &b, err);
	if (ret == 0)
		ret = lxf_json_parse(lxf_buf_str(&b), b.len, 32, out, err);
	lxf_buf_fini(&b);
	if (ret == 0 && !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		ret = lxf_err_set(err, LXF_EINVAL, "The request body must be a JSON object");
	}
	return ret;
}

static int check_aliases(struct json_object *aliases, struct lxf_err *err)
{
	for (size_t i = 0; aliases && i < json_object_array_length(aliases); i++) {
		struct json_object *al = json_object_array_get_idx(aliases, i);
		const char *name = lxf_json_str(al, "name");
		if (!json_object_is_type(al, json_type_object) || !name)
			return lxf_err_set(err, LXF_EINVAL, "aliases: each needs a \"name\"");
		if (router_check_object_name(name, "alias name", err) < 0)
			return -err->code;
	}
	return 0;
}

int api_image_copy_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *src = NULL, *props = NULL, *aliases = NULL;
	const char *type = "", *mode = "pull", *proto = "lxd", *server = "", *fp = "";
	const char *secret = "", *cert = "", *alias = "", *filename = "";
	struct copy_arg *a = NULL;
	struct op *op = NULL;
	bool public = false;
	int ret = upload_json(req, &body, err);

	if (ret < 0)
		return ret;
	if (lxf_json_get_object(body, "source", true, &src, err) < 0 ||
	    lxf_json_get_string(src, "mode", false, &mode, err) < 0 ||
	    lxf_json_get_string(src, "fingerprint", false, &fp, err) < 0) {
		ret = -err->code;
		goto out;
	}
	/* LXD's push token request names no source type. */
	if (strcmp(mode, "push") == 0) {
		ret = api_image_push_token(req, body, fp, err);
		goto out;
	}
	if (lxf_json_get_string(src, "type", true, &type, err) < 0 ||
	    lxf_json_get_string(src, "protocol", false, &proto, err) < 0 ||
	    lxf_json_get_string(src, "server", false, &server, err) < 0 ||
	    lxf_json_get_string(src, "fingerprint", false, &fp, err) < 0 ||
	    lxf_json_get_string(src, "alias", false, &alias, err) < 0 ||
	    lxf_json_get_string(src, "secret", false, &secret, err) < 0 ||
	    lxf_json_get_string(src, "certificate", false, &cert, err) < 0 ||
	    lxf_json_get_string(body, "filename", false, &filename, err) < 0 ||
	    lxf_json_get_bool(body, "public", false, &public, err) < 0 ||
	    lxf_json_get_object(body, "properties", false, &props, err) < 0 ||
	    (props && lxf_json_check_string_map(props, "properties", err) < 0) ||
	    lxf_json_get_array(body, "aliases", false, &aliases, err) < 0 ||
	    check_aliases(aliases, err) < 0) {
		ret = -err->code;
		goto out;
	}
	if (!strcmp(type, "instance") || !strcmp(type, "container") || !strcmp(type, "snapshot"))
		ret = api_publish_post(req, body, err);
	else if (strcmp(type, "image") != 0)
		ret = lxf_err_set(err, LXF_ENOTSUP, "Image source type \"%s\" is not supported",
				  type);
	else if (strcmp(mode, "pull") != 0)
		ret = lxf_err_set(err, LXF_ENOTSUP,
				  "Image copy mode \"%s\" is not supported (pull or push)", mode);
	else if (strcmp(proto, "lxd") != 0)
		ret =
		    lxf_err_set(err, LXF_ENOTSUP, "Image protocol \"%s\" is not supported", proto);
	else if (strncmp(server, "https://", 8) != 0 || strlen(server) >= sizeof(a->server))
		ret = lxf_err_set(err, LXF_EINVAL, "source.server must be an https:// URL");
	else if (strlen(fp) != IMG_FP_LEN || strspn(fp, "0123456789abcdef") != IMG_FP_LEN)
		ret =
		    lxf_err_set(err, LXF_EINVAL,
				alias[0] ? "Copies by alias are not supported: give the"
					   " full fingerprint"
					 : "source.fingerprint must be a full sha256 fingerprint");
	else if (secret[0] && strlen(secret) != SECRET_LEN)
		ret = lxf_err_set(err, LXF_EINVAL, "Invalid source.secret");
	if (ret < 0 || strcmp(type, "image") != 0)
		goto out;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->cert = strdup(cert))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->server, sizeof(a->server), "%s", server);
	snprintf(a->fp, sizeof(a->fp), "%s", fp);
	snprintf(a->secret, sizeof(a->secret), "%s", secret);
	snprintf(a->filename, sizeof(a->filename), "%s", filename);
	a->public = public;
	a->properties = json_object_get(props);
	a->aliases = json_object_get(aliases);
	op = op_run("Downloading image", NULL, NULL, copy_op, a, copy_arg_free, err);
	a = NULL;
	ret = op ? api_async(req, op, err) : -err->code;
out:
	copy_arg_free(a);
	op_unref(op);
	json_object_put(body);
	return ret;
}
