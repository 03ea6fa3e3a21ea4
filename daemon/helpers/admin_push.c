/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-admin image-push TARGET FINGERPRINT SECRET CERTFILE FILE [ROOTFS]:
 * uploads image file FILE to the LXD-protocol server TARGET (https://host:port),
 * for lxfd's POST /1.0/images/FP/export (LXD's push mode of image copies,
 * extension "images_push_relay"). The target issued SECRET, a one-time
 * push token, to the client that orchestrates the copy; with it this
 * untrusted upload is let in. A split image (ROOTFS given) goes as LXD's
 * client sends one: a multipart/form-data body with the parts "metadata"
 * (FILE) and "rootfs". Then the target's import is waited for on
 * its operation, whose own "secret" lets an untrusted caller wait.
 *
 * CERTFILE holds the target's certificate the client pinned: the only
 * trust anchor, host names not checked (as admin_fetch.c). lxfd runs it on
 * a worker thread through lxfd_helper_run, so libcurl stays out of the
 * daemon. Answers as every lxfd helper does (helper.h).
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "buf.h"
#include "helper.h"
#include "json.h"

#define PUSH_ANSWER_MAX (256u * 1024) /* an LXD answer (an operation) is far smaller */
#define PUSH_WAIT_SECS  3600L         /* the target's import of a 2 GiB image */

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static size_t on_answer(char *p, size_t size, size_t n, void *data)
{
	return lxf_buf_add(data, p, size * n) == 0 ? size * n : 0;
}

/* One request on c (URL and method set); the answer's JSON into *out. */
static int perform(CURL *c, const char *target, struct lxf_buf *b, struct json_object **out,
		   struct lxf_err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;

	lxf_buf_reset(b);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK)
		return lxf_err_set(err, LXF_EUNAVAIL, "Cannot push the image to %s: %s", target,
				   errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (lxf_json_parse(lxf_buf_str(b), b->len, 32, out, err) < 0 ||
	    !json_object_is_type(*out, json_type_object))
		return lxf_err_set(err, LXF_EIO, "%s answered the image push with no LXD response",
				   target);
	if (strcmp(lxf_json_str(*out, "type"), "error") == 0)
		return lxf_err_set(err, LXF_EIO, "%s refused the image: %s", target,
				   lxf_json_str(*out, "error"));
	return 0;
}

static void common_opts(CURL *c, const char *certfile)
{
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (certfile[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, certfile);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* The two parts of a split image's upload, named as LXD's client names them. */
static curl_mime *split_body(CURL *c, const char *fp, const char *meta, const char *rootfs)
{
	curl_mime *m = curl_mime_init(c);
	curl_mimepart *p;
	char name[96];
	bool ok = m != NULL;

	for (int i = 0; ok && i < 2; i++) {
		snprintf(name, sizeof(name), "%s%.64s", i ? "" : "meta-", fp);
		ok = (p = curl_mime_addpart(m)) &&
		     curl_mime_name(p, i ? "rootfs" : "metadata") == 0 &&
		     curl_mime_filedata(p, i ? rootfs : meta) == CURLE_OK &&
		     curl_mime_filename(p, name) == CURLE_OK &&
		     curl_mime_type(p, "application/octet-stream") == CURLE_OK;
	}
	if (!ok) {
		curl_mime_free(m);
		m = NULL;
	}
	return m;
}

/* POST TARGET/1.0/images with the file (or mime, a split image's two): the
 * target's operation (id, secret). */
static int upload(CURL *c, const char *base, const char *fp, const char *secret, FILE *f,
		  curl_off_t size, curl_mime *mime, struct lxf_buf *b, char *op_id, size_t id_n,
		  char *op_secret, size_t sec_n, struct lxf_err *err)
{
	struct curl_slist *h = NULL, *h2;
	struct json_object *ans = NULL, *md;
	char url[1024], line[3][160];
	int ret;

	snprintf(line[0], sizeof(line[0]), "X-LXD-fingerprint: %s", fp);
	snprintf(line[1], sizeof(line[1]), "X-LXD-secret: %s", secret);
	snprintf(line[2], sizeof(line[2]), "X-LXD-filename: %s", fp);
	if (snprintf(url, sizeof(url), "%s/1.0/images", base) >= (int)sizeof(url))
		return lxf_err_set(err, LXF_EINVAL, "Image push target URL too long");
	/* curl sets a multipart body's own Content-Type (with its boundary). */
	h = curl_slist_append(h, mime ? "Expect:" : "Content-Type: application/octet-stream");
	for (int i = 0; h && i < 3; i++)
		if ((h2 = curl_slist_append(h, line[i])))
			h = h2;
		else {
			curl_slist_free_all(h);
			h = NULL;
		}
	if (!h)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (mime) {
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	} else {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READDATA, f);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, size);
	}
	/* A stalled target: under 1 kB/s for a minute ends the upload. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	ret = perform(c, base, b, &ans, err);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
	curl_slist_free_all(h);
	md = json_object_object_get(ans, "metadata");
	if (ret == 0 && !lxf_json_str(md, "id"))
		ret =
		    lxf_err_set(err, LXF_EIO, "%s answered the image push with no operation", base);
	if (ret == 0) {
		snprintf(op_id, id_n, "%s", lxf_json_str(md, "id"));
		snprintf(op_secret, sec_n, "%s",
			 or_empty(lxf_json_str(json_object_object_get(md, "metadata"), "secret")));
	}
	json_object_put(ans);
	return ret;
}

/* GET TARGET/1.0/operations/ID/wait?secret=S: the target's import, to its end. */
static int wait_import(CURL *c, const char *base, const char *op_id, const char *op_secret,
		       struct lxf_buf *b, struct lxf_err *err)
{
	struct json_object *ans = NULL, *md;
	char url[2048], *eid = curl_easy_escape(c, op_id, 0),
			*esec = curl_easy_escape(c, op_secret, 0);
	int64_t code = 0;
	int ret = 0;

	if (!eid || !esec)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	else if (snprintf(url, sizeof(url), "%s/1.0/operations/%s/wait?timeout=-1%s%s", base, eid,
			  op_secret[0] ? "&secret=" : "", esec) >= (int)sizeof(url))
		ret = lxf_err_set(err, LXF_EINVAL, "Image push target URL too long");
	if (ret == 0) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 0L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT, PUSH_WAIT_SECS);
		ret = perform(c, base, b, &ans, err);
	}
	md = json_object_object_get(ans, "metadata");
	if (ret == 0 && (lxf_json_get_int(md, "status_code", true, &code, err) < 0 || code != 200))
		ret = lxf_err_set(err, LXF_EIO, "%s could not import the image: %s", base,
				  lxf_json_str(md, "err") ? lxf_json_str(md, "err")
							  : "no reason given");
	json_object_put(ans);
	curl_free(eid);
	curl_free(esec);
	return ret;
}

int lxfd_admin_image_push(int argc, char **argv)
{
	const char *target, *fp, *secret, *certfile, *file;
	char base[1024], op_id[128] = "", op_secret[160] = "";
	struct lxf_buf b;
	struct lxf_err err;
	struct stat st;
	curl_mime *mime = NULL;
	FILE *f = NULL;
	CURL *c = NULL;
	size_t n;
	int ret = 0;

	lxf_err_clear(&err);
	lxf_buf_init(&b, PUSH_ANSWER_MAX);
	if (argc != 7 && argc != 8) {
		ret = lxf_err_set(
		    &err, LXF_EINVAL,
		    "usage: lxfd-admin image-push TARGET FP SECRET CERTFILE FILE [ROOTFS]");
		goto out;
	}
	target = argv[2];
	fp = argv[3];
	secret = argv[4];
	certfile = argv[5];
	file = argv[6];
	n = strlen(target);
	while (n > 8 && target[n - 1] == '/')
		n--;
	if (strncmp(target, "https://", 8) != 0 || n >= sizeof(base) - 64 || strlen(fp) > 64 ||
	    strlen(secret) > 128) {
		ret = lxf_err_set(&err, LXF_EINVAL, "Invalid image push target \"%s\"", target);
		goto out;
	}
	snprintf(base, sizeof(base), "%.*s", (int)n, target);
	f = fopen(file, "rbe");
	if (!f || fstat(fileno(f), &st) < 0) {
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot open image file %s", file);
		goto out;
	}
	if (!(c = curl_easy_init())) {
		ret = lxf_err_set(&err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	common_opts(c, certfile);
	if (argc == 8 && !(mime = split_body(c, fp, file, argv[7]))) {
		ret =
		    lxf_err_set(&err, LXF_EIO, "Cannot send image files %s and %s", file, argv[7]);
		goto out;
	}
	ret = upload(c, base, fp, secret, f, (curl_off_t)st.st_size, mime, &b, op_id, sizeof(op_id),
		     op_secret, sizeof(op_secret), &err);
	if (ret == 0)
		ret = wait_import(c, base, op_id, op_secret, &b, &err);
out:
	if (f)
		(void)fclose(f);
	curl_mime_free(mime);
	if (c)
		curl_easy_cleanup(c);
	lxf_buf_fini(&b);
	(void)lxfd_helper_answer(ret, &err, NULL);
	return ret == 0 ? 0 : 1;
}
