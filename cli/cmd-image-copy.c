/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf image copy [REMOTE:]ALIAS|FP REMOTE: [--alias A] [--copy-aliases]
 * [--public] [--mode pull|push|relay], and the image half of `lxf launch
 * a:IMAGE b:NAME`.
 *
 * Between HTTPS remotes the target pulls the image itself, as LXD's
 * CopyImage does: POST /1.0/images {"source": {"type": "image", "mode":
 * "pull", "server", "protocol": "lxd", "certificate", "fingerprint"
 * [, "secret"]}} (a private image gets a one-time secret from the source
 * first). A unix-socket remote cannot be dialled by the other daemon (and
 * a daemon may refuse image pull), so lxf relays: the export is streamed to a temporary file and uploaded to
 * the target (a split image's multipart export as the same multipart body), and the target's fingerprint must be the source's (else the
 * upload is deleted again).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "migrate-int.h"

/* The image's path on its remote: "/1.0/images/<fp>" plus suffix. */
static int img_path(char *buf, size_t len, const char *fp, const char *suffix, struct lxf_err *err)
{
	return lxf_cmd_path(buf, len, "images", fp, suffix, err);
}

/* Pull: the target dials the source (both HTTPS). */
static int img_copy_pull(struct mig_end *s, struct mig_end *d, const char *fp, bool public,
			 struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *src = json_object_new_object();
	struct lxf_response tok = {0};
	const char *cert, *secret = NULL;
	char path[512];
	int rc;

	if (!b || !src || json_object_object_add(b, "source", src)) {
		json_object_put(src);
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = lxf_mig_end_cert(s, &cert, err)) != 0)
		goto out;
	if (!public) {
		/* A private image: a one-time secret from the source. */
		/* A token operation: it runs until the target uses the secret,
		 * so it is read from the answer, never waited for. */
		if ((rc = img_path(path, sizeof(path), fp, "/secret", err)) != 0 ||
		    (rc = lxf_client_request(s->c, "POST", path, NULL, &tok, err)) != 0) {
			lxf_err_prefix(err, "source '%s'", s->rem->name);
			goto out;
		}
		secret = lxf_json_str(lxf_json_path(tok.metadata, "metadata"), "secret");
		if (!secret) {
			rc = lxf_err_set(err, LXF_EIO, "remote '%s' gave no image secret",
					 s->rem->name);
			goto out;
		}
	}
	if (lxf_json_add_str(src, "type", "image") || lxf_json_add_str(src, "mode", "pull") ||
	    lxf_json_add_str(src, "server", s->rem->addr) ||
	    lxf_json_add_str(src, "protocol", "lxd") ||
	    lxf_json_add_str(src, "certificate", cert) ||
	    lxf_json_add_str(src, "fingerprint", fp) ||
	    (secret && lxf_json_add_str(src, "secret", secret)) ||
	    json_object_object_add(b, "public", json_object_new_boolean(public))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_client_do(d->c, "POST", "/1.0/images", b, NULL, err);
	if (rc)
		lxf_err_prefix(err, "target '%s'", d->rem->name);
out:
	if (rc && tok.operation) {
		/* An unused secret is revoked, not left valid. */
		struct lxf_response r2 = {0};
		struct lxf_err ign = {0};

		(void)lxf_client_request(s->c, "DELETE", tok.operation, NULL, &r2, &ign);
		lxf_response_fini(&r2);
	}
	lxf_response_fini(&tok);
	json_object_put(b);
	return rc;
}

/* Push: a token from the target, then the source uploads to it (both HTTPS;
 * LXD's "images_push_relay"). The token is revoked at the end either way. */
static int img_copy_push(struct mig_end *s, struct mig_end *d, const char *fp, bool public,
			 struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *src = json_object_new_object();
	struct json_object *x = json_object_new_object();
	struct lxf_response tok = {0}, r2 = {0};
	struct lxf_err ign = {0};
	const char *cert, *secret;
	char path[512];
	int rc;

	if (!b || !src || !x || json_object_object_add(b, "source", src) ||
	    lxf_json_add_str(src, "mode", "push") || lxf_json_add_str(src, "fingerprint", fp) ||
	    json_object_object_add(b, "public", json_object_new_boolean(public))) {
		if (!b || json_object_object_get(b, "source") != src)
			json_object_put(src);
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = lxf_mig_end_cert(d, &cert, err)) != 0)
		goto out;
	/* A token operation: it runs until the source uses it, so it is read
	 * from the answer, never waited for. */
	if ((rc = lxf_client_request(d->c, "POST", "/1.0/images", b, &tok, err)) != 0) {
		lxf_err_prefix(err, "target '%s'", d->rem->name);
		goto out;
	}
	secret = lxf_json_str(lxf_json_path(tok.metadata, "metadata"), "secret");
	if (!secret) {
		rc = lxf_err_set(err, LXF_EIO, "remote '%s' gave no push token", d->rem->name);
		goto out;
	}
	if (lxf_json_add_str(x, "target", d->rem->addr) ||
	    lxf_json_add_str(x, "certificate", cert) || lxf_json_add_str(x, "secret", secret)) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = img_path(path, sizeof(path), fp, "/export", err)) == 0 &&
	    (rc = lxf_client_do(s->c, "POST", path, x, NULL, err)) != 0)
		lxf_err_prefix(err, "source '%s'", s->rem->name);
out:
	if (tok.operation)
		(void)lxf_client_request(d->c, "DELETE", tok.operation, NULL, &r2, &ign);
	lxf_response_fini(&r2);
	lxf_response_fini(&tok);
	json_object_put(b);
	json_object_put(x);
	return rc;
}

/* Relay: export to a temporary file, upload it, check the fingerprint. */
static int img_copy_relay(struct mig_end *s, struct mig_end *d, const char *fp, bool public,
			  struct lxf_err *err)
{
	struct lxf_response resp = {0};
	struct json_object *op = NULL;
	char tmp[] = "/var/tmp/lxf-image-XXXXXX", path[512], hname[128], hpub[32], hct[160];
	const char *headers[4] = {hname, hpub, NULL, NULL}, *got;
	int fd = -1, rc;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "creating a file in /var/tmp");
	(void)unlink(tmp);
	if ((rc = img_path(path, sizeof(path), fp, "/export", err)) != 0)
		goto out;
	rc = lxf_client_download(s->c, path, fd, &resp, err);
	if (rc == 0 && !resp.streamed)
		rc = lxf_err_set(err, LXF_EIO, "remote '%s' sent no image file", s->rem->name);
	if (rc) {
		lxf_err_prefix(err, "source '%s'", s->rem->name);
		goto out;
	}
	/* A split image's export is a multipart body (metadata and rootfs):
	 * it goes up as it came, as LXD's client uploads a split image. */
	if (strncmp(resp.content_type, "multipart/", 10) == 0) {
		(void)snprintf(hct, sizeof(hct), "Content-Type: %s", resp.content_type);
		headers[2] = hct;
	}
	lxf_response_fini(&resp);
	/* The upload reads the file by name: hand it the open (unlinked) one. */
	(void)snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", fd);
	if (lseek(fd, 0, SEEK_SET) != 0) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "rewinding the image file");
		goto out;
	}
	(void)snprintf(hname, sizeof(hname), "X-LXD-filename: %.64s.tar.gz", fp);
	(void)snprintf(hpub, sizeof(hpub), "X-LXD-public: %d", public ? 1 : 0);
	rc = lxf_client_upload(d->c, "/1.0/images", tmp, headers, &resp, err);
	if (rc == 0 && (resp.type != LXF_RESP_ASYNC || !resp.operation))
		rc = lxf_err_set(err, LXF_EIO, "the image upload did not start an operation");
	if (rc == 0)
		rc = lxf_client_wait_op(d->c, resp.operation, -1, &op, err);
	if (rc) {
		lxf_err_prefix(err, "target '%s'", d->rem->name);
		goto out;
	}
	got = lxf_json_str(lxf_json_path(op, "metadata"), "fingerprint");
	if (!got || strcmp(got, fp) != 0) {
		struct lxf_err ign = {0};

		rc = lxf_err_set(err, LXF_EIO,
				 "the image arrived with fingerprint %s, not %s: removed again",
				 got ? got : "(none)", fp);
		if (got && img_path(path, sizeof(path), got, NULL, &ign) == 0)
			(void)lxf_client_do(d->c, "DELETE", path, NULL, NULL, &ign);
	}
out:
	json_object_put(op);
	lxf_response_fini(&resp);
	if (fd >= 0)
		(void)close(fd);
	return rc;
}

/* Aliases named on the target; one already there for this image is fine. */
static int img_alias(struct mig_end *d, const char *alias, const char *fp, struct lxf_err *err)
{
	struct json_object *b = json_object_new_object();
	char *have = NULL;
	int rc;

	if (lxf_cmd_image_resolve(d->c, alias, &have, err) == 0 && strcmp(have, fp) == 0) {
		rc = 0;
		goto out;
	}
	if (!b || lxf_json_add_str(b, "name", alias) || lxf_json_add_str(b, "target", fp)) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_client_do(d->c, "POST", "/1.0/images/aliases", b, NULL, err);
	if (rc)
		lxf_err_prefix(err, "alias '%s' on '%s'", alias, d->rem->name);
out:
	free(have);
	json_object_put(b);
	return rc;
}

int lxf_image_copy(const struct lxf_remotes *r, const char *src_remote, const char *ref,
		   const char *dst_remote, const char *const *aliases, size_t naliases,
		   bool copy_aliases, bool public, char **fp_out, struct lxf_err *err)
{
	return lxf_image_copy_mode(r, src_remote, ref, dst_remote, NULL, aliases, naliases,
				   copy_aliases, public, fp_out, err);
}

/* One transfer in mode ("pull", "push", "relay") or, when NULL, pull between
 * HTTPS remotes with relay as the fallback. */
static int img_send(struct mig_end *s, struct mig_end *d, const char *mode, const char *fp,
		    bool public, struct lxf_err *err)
{
	bool https =
	    strncmp(s->rem->addr, "https://", 8) == 0 && strncmp(d->rem->addr, "https://", 8) == 0;
	int rc = -LXF_ENOTSUP;

	if (mode && strcmp(mode, "relay") == 0)
		return img_copy_relay(s, d, fp, public, err);
	if (mode && !https)
		return lxf_err_set(err, LXF_EINVAL,
				   "--mode %s needs two HTTPS remotes (the daemons connect)", mode);
	if (mode && strcmp(mode, "push") == 0)
		return img_copy_push(s, d, fp, public, err);
	if (https)
		rc = img_copy_pull(s, d, fp, public, err);
	/* A daemon without image pull (or image secrets) refuses the
	 * request before anything is made: relay instead. */
	if (!mode && (rc == -LXF_ENOTSUP || rc == -LXF_EINVAL || rc == -LXF_ENOMETHOD ||
		      rc == -LXF_ENOENT)) {
		lxf_err_clear(err);
		rc = img_copy_relay(s, d, fp, public, err);
	}
	return rc;
}

int lxf_image_copy_mode(const struct lxf_remotes *r, const char *src_remote, const char *ref,
			const char *dst_remote, const char *mode, const char *const *aliases,
			size_t naliases, bool copy_aliases, bool public, char **fp_out,
			struct lxf_err *err)
{
	struct mig_end s = {0}, d = {0};
	struct json_object *img = NULL;
	struct lxf_response resp = {0};
	char *fp = NULL, path[512];
	int rc;

	if (fp_out)
		*fp_out = NULL;
	s.rem = lxf_remotes_find(r, src_remote);
	d.rem = lxf_remotes_find(r, dst_remote);
	if (!s.rem || !d.rem)
		return lxf_remotes_unknown(r, s.rem ? dst_remote : src_remote, err);
	if ((rc = lxf_remotes_client(r, s.rem, &s.c, err)) != 0 ||
	    (rc = lxf_remotes_client(r, d.rem, &d.c, err)) != 0)
		goto out;
	if ((rc = lxf_cmd_image_resolve(s.c, ref, &fp, err)) != 0 ||
	    (rc = img_path(path, sizeof(path), fp, NULL, err)) != 0 ||
	    (rc = lxf_client_do(s.c, "GET", path, NULL, &img, err)) != 0) {
		lxf_err_prefix(err, "remote '%s'", src_remote);
		goto out;
	}
	/* Already there (same fingerprint): only the aliases are missing. */
	if (lxf_client_request(d.c, "GET", path, NULL, &resp, err) != 0) {
		rc = img_send(&s, &d, mode, fp, public, err);
		if (rc)
			goto out;
	}
	lxf_err_clear(err);
	for (size_t i = 0; i < naliases && rc == 0; i++)
		rc = img_alias(&d, aliases[i], fp, err);
	if (copy_aliases && rc == 0) {
		struct json_object *al = lxf_json_path(img, "aliases");
		size_t n = al && json_object_is_type(al, json_type_array)
			       ? json_object_array_length(al)
			       : 0;

		for (size_t i = 0; i < n && rc == 0; i++) {
			const char *name = lxf_json_str(json_object_array_get_idx(al, i), "name");

			if (name)
				rc = img_alias(&d, name, fp, err);
		}
	}
	if (rc == 0 && fp_out) {
		*fp_out = fp;
		fp = NULL;
	}
out:
	lxf_response_fini(&resp);
	json_object_put(img);
	free(fp);
	lxf_client_free(s.c);
	lxf_client_free(d.c);
	free(s.cert);
	free(d.cert);
	return rc;
}

enum { OPT_COPY_ALIASES = 420 };

static int cmd_image_copy(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	const char *aliases[LXF_MIG_KV_MAX], *mode = lxf_args_get(args, LXF_OPT_MODE);
	char *srem = NULL, *ref = NULL, *drem = NULL, *dname = NULL, *fp = NULL;
	struct lxf_err err = {0};
	size_t na = 0;
	int st = LXF_EXIT_OK;

	for (size_t i = 0; i < args->nopts; i++) {
		if (args->opts[i].val != LXF_OPT_ALIAS)
			continue;
		if (na == LXF_MIG_KV_MAX)
			return lxf_cmd_usage_error(self, ctx, "at most %d --alias options",
						   LXF_MIG_KV_MAX);
		aliases[na++] = args->opts[i].arg;
	}
	if (mode && strcmp(mode, "pull") != 0 && strcmp(mode, "push") != 0 &&
	    strcmp(mode, "relay") != 0)
		return lxf_cmd_usage_error(self, ctx, "--mode is pull, push or relay, not '%s'",
					   mode);
	if (lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &srem, &ref, &err) != 0 ||
	    lxf_remotes_parse_arg(ctx->remotes, args->argv[1], &drem, &dname, &err) != 0)
		goto fail;
	if (!*ref || *dname) {
		st = lxf_cmd_usage_error(self, ctx, "want [REMOTE:]IMAGE REMOTE:, got '%s' '%s'",
					 args->argv[0], args->argv[1]);
		goto out;
	}
	if (strcmp(srem, drem) == 0) {
		st = lxf_cmd_usage_error(self, ctx, "the image is already on remote '%s'", srem);
		goto out;
	}
	if (lxf_image_copy_mode(ctx->remotes, srem, ref, drem, mode, aliases, na,
				lxf_args_has(args, OPT_COPY_ALIASES),
				lxf_args_has(args, LXF_OPT_PUBLIC), &fp, &err) != 0)
		goto fail;
	if (!ctx->quiet)
		fprintf(ctx->out, "Image copied successfully: %s\n", fp);
	goto out;
fail:
	st = lxf_cmd_fail(ctx, &err);
out:
	free(srem);
	free(ref);
	free(drem);
	free(dname);
	free(fp);
	return st;
}

const struct lxf_cmd lxf_cmd_image_copy_entry = {
    .name = "image copy",
    .aliases = {"image cp"},
    .usage = "[REMOTE:]IMAGE REMOTE:",
    .summary = "Copy an image to another remote",
    .min_args = 2,
    .max_args = 2,
    .opts = {{"alias", LXF_OPT_ALIAS, required_argument, "ALIAS",
	      "Alias for the copy on the target (repeatable)"},
	     {"copy-aliases", OPT_COPY_ALIASES, no_argument, NULL,
	      "Give the copy the source's aliases too"},
	     {"public", LXF_OPT_PUBLIC, no_argument, NULL, "Make the copy public"},
	     {"mode", LXF_OPT_MODE, required_argument, "MODE",
	      "Transfer mode between remotes: pull, push or relay"}},
    .exec = cmd_image_copy,
};
