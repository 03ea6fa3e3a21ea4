/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxfd-admin image-fetch SERVER FINGERPRINT SECRET CERTFILE OUT: downloads
 * image FINGERPRINT from the LXD-protocol server SERVER (https://host:port)
 * into OUT, for lxfd's POST /1.0/images with source.type "image" (an image
 * copy between hosts, pulled by the target as LXD does). lxfd runs it on a
 * worker thread through lxfd_helper_run, so libcurl stays out of the
 * daemon.
 *
 * CERTFILE (or "" for the system's CAs) holds the server certificate the
 * client pinned: it is the only trust anchor, and host names are not
 * checked against it (the client reached the server by this URL and
 * pinned what it saw, as lxf's own client does). SECRET ("" for a public
 * image or a trusted client) is the one-time token of POST
 * /1.0/images/FP/secret. The tarball's sha256 must be FINGERPRINT; OUT is
 * removed otherwise. A split image comes as LXD sends it, one
 * multipart/form-data body (parts "metadata" and "rootfs"): OUT holds the
 * body as it came, unchecked here, and the answer names its content type;
 * lxfd cuts it (api_image_split.c) and checks the fingerprint of the two
 * parts when it imports them. Answers as every lxfd helper does
 * (helper.h), with {"size": N} and, for a split image, "content_type".
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "admin.h"
#include "helper.h"
#include "hex.h"
#include "json.h"

#define FETCH_MAX (2ull << 30) /* as POST /1.0/images uploads */
#define FP_LEN    64

struct fetch {
	int fd;
	uint64_t size, cap;
	EVP_MD_CTX *md;
	bool failed, too_big;
	char ctype[128]; /* a multipart answer's Content-Type, else "" */
};

static size_t on_data(char *p, size_t size, size_t n, void *data)
{
	struct fetch *f = data;
	size_t len = size * n, off = 0;

	if (f->size + len > f->cap) {
		f->too_big = true;
		return 0;
	}
	if (EVP_DigestUpdate(f->md, p, len) != 1) {
		f->failed = true;
		return 0;
	}
	while (off < len) {
		ssize_t w = write(f->fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			f->failed = true;
			return 0;
		}
		off += (size_t)w;
	}
	f->size += len;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
	struct fetch *f = data;
	size_t len = size * n;

	if (len > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		const char *v = p + 13;
		size_t vn;

		while (v < p + len && (*v == ' ' || *v == '\t'))
			v++;
		vn = (size_t)(p + len - v);
		while (vn > 0 && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
			vn--;
		f->ctype[0] = '\0';
		if (vn > 10 && vn < sizeof(f->ctype) && strncasecmp(v, "multipart/", 10) == 0)
			snprintf(f->ctype, sizeof(f->ctype), "%.*s", (int)vn, v);
	}
	return len;
}

/*
 * GETs url over HTTPS into f. certfile "" trusts the system's CAs, or the
 * file SSL_CERT_FILE names when it is set, as LXD (Go) does; else it is
 * the pinned server certificate, the only trust anchor, host not checked.
 */
static CURLcode perform(CURL *c, const char *url, const char *certfile, struct fetch *f,
			char *errbuf, long *status)
{
	const char *env = getenv("SSL_CERT_FILE");
	CURLcode cc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled server: under 1 kB/s for a minute ends the transfer. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (certfile[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, certfile);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (env && env[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, env);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return cc;
}

static bool valid_fp(const char *fp)
{
	return strlen(fp) == FP_LEN && strspn(fp, "0123456789abcdef") == FP_LEN;
}

int lxfd_admin_image_fetch(int argc, char **argv)
{
	const char *server, *fp, *secret, *certfile, *out = "";
	struct fetch f = {.fd = -1};
	struct json_object *md = NULL;
	struct lxf_err err;
	unsigned char sum[32];
	unsigned int sumlen = 0;
	char url[2048], got[FP_LEN + 1], *esc = NULL, errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	size_t n;
	int ret;

	lxf_err_clear(&err);
	if (argc != 7) {
		ret = lxf_err_set(&err, LXF_EINVAL,
				  "usage: lxfd-admin image-fetch SERVER FP SECRET CERTFILE OUT");
		goto out;
	}
	server = argv[2];
	fp = argv[3];
	secret = argv[4];
	certfile = argv[5];
	out = argv[6];
	if (strncmp(server, "https://", 8) != 0 || !valid_fp(fp)) {
		ret = lxf_err_set(&err, LXF_EINVAL, "Invalid image source \"%s\" or fingerprint",
				  server);
		goto out;
	}
	c = curl_easy_init();
	f.md = EVP_MD_CTX_new();
	if (!c || !f.md || EVP_DigestInit_ex(f.md, EVP_sha256(), NULL) != 1) {
		ret = lxf_err_set(&err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	esc = curl_easy_escape(c, secret, 0);
	n = strlen(server);
	while (n > 8 && server[n - 1] == '/')
		n--;
	if (!esc ||
	    snprintf(url, sizeof(url), "%.*s/1.0/images/%s/export%s%s", (int)n, server, fp,
		     secret[0] ? "?secret=" : "", secret[0] ? esc : "") >= (int)sizeof(url)) {
		ret = lxf_err_set(&err, LXF_EINVAL, "Image source URL too long");
		goto out;
	}
	/* lxfd made OUT (mkostemp, 0600) in its image store. */
	f.fd = open(out, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (f.fd < 0) {
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot create %s", out);
		goto out;
	}
	f.cap = FETCH_MAX;
	cc = perform(c, url, certfile, &f, errbuf, &status);
	if (f.too_big) {
		ret = lxf_err_set(&err, LXF_ETOOBIG, "The image is over %llu bytes", FETCH_MAX);
	} else if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && status != 200)) {
		ret = lxf_err_set(&err, LXF_EUNAVAIL, "Cannot download the image from %s: %s",
				  server, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	} else if (status == 403 || status == 404) {
		ret = lxf_err_set(&err, LXF_ENOENT,
				  "Image %.12s not found on %s (or not shared with this host)", fp,
				  server);
	} else if (status != 200) {
		ret = lxf_err_set(&err, LXF_EUNAVAIL, "Image download from %s failed: HTTP %ld",
				  server, status);
	} else if (f.failed || fsync(f.fd) < 0) {
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot write %s", out);
	} else if (f.ctype[0]) {
		ret = 0; /* split: checked by lxfd on import */
	} else if (EVP_DigestFinal_ex(f.md, sum, &sumlen) != 1 || sumlen != sizeof(sum)) {
		ret = lxf_err_set(&err, LXF_EINTERNAL, "Cannot hash the image");
	} else {
		lxf_hex(sum, sizeof(sum), got);
		ret = strcmp(got, fp) == 0
			  ? 0
			  : lxf_err_set(&err, LXF_EINVAL,
					"Image fingerprint mismatch: got %s, expected %s", got, fp);
	}
out:
	if (f.fd >= 0) {
		close(f.fd);
		if (ret < 0)
			unlink(out);
	}
	curl_free(esc);
	EVP_MD_CTX_free(f.md);
	if (c)
		curl_easy_cleanup(c);
	if (ret == 0 && (md = json_object_new_object())) {
		json_object_object_add(md, "size", json_object_new_int64((int64_t)f.size));
		if (f.ctype[0])
			lxf_json_add_str(md, "content_type", f.ctype);
	}
	(void)lxfd_helper_answer(ret, &err, md);
	json_object_put(md);
	return ret == 0 ? 0 : 1;
}

/*
 * lxfd-admin url-fetch URL CERTFILE OUT CAP [SHA256]: one file of an image
 * server (a simplestreams index, catalogue or image file) into OUT, at
 * most CAP bytes, its sha256 checked against SHA256 when given. Answers
 * {"size": N, "sha256": HEX}. Errors name the URL.
 */
int lxfd_admin_url_fetch(int argc, char **argv)
{
	struct fetch f = {.fd = -1};
	struct json_object *md = NULL;
	struct lxf_err err;
	unsigned char sum[32];
	unsigned int sumlen = 0;
	char got[FP_LEN + 1] = "", errbuf[CURL_ERROR_SIZE] = "";
	const char *url = argc > 2 ? argv[2] : "", *want = argc > 6 ? argv[6] : "";
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	int ret;

	lxf_err_clear(&err);
	if (argc != 6 && argc != 7) {
		ret = lxf_err_set(&err, LXF_EINVAL,
				  "usage: lxfd-admin url-fetch URL CERTFILE OUT CAP [SHA256]");
		goto out;
	}
	f.cap = strtoull(argv[5], NULL, 10);
	c = curl_easy_init();
	f.md = EVP_MD_CTX_new();
	if (!c || !f.md || EVP_DigestInit_ex(f.md, EVP_sha256(), NULL) != 1) {
		ret = lxf_err_set(&err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	f.fd = open(argv[4], O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (f.fd < 0) {
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot create %s", argv[4]);
		goto out;
	}
	cc = perform(c, url, argv[3], &f, errbuf, &status);
	if (f.too_big) {
		ret = lxf_err_set(&err, LXF_ETOOBIG, "%s is over %llu bytes", url,
				  (unsigned long long)f.cap);
	} else if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && status != 200)) {
		ret = lxf_err_set(&err, LXF_EUNAVAIL, "Cannot download %s: %s", url,
				  errbuf[0] ? errbuf : curl_easy_strerror(cc));
	} else if (status != 200) {
		ret = lxf_err_set(&err, status == 404 ? LXF_ENOENT : LXF_EUNAVAIL,
				  "Cannot download %s: HTTP %ld", url, status);
	} else if (f.failed || fsync(f.fd) < 0) {
		ret = lxf_err_sys(&err, LXF_EIO, errno, "Cannot write %s", argv[4]);
	} else if (EVP_DigestFinal_ex(f.md, sum, &sumlen) != 1 || sumlen != sizeof(sum)) {
		ret = lxf_err_set(&err, LXF_EINTERNAL, "Cannot hash %s", url);
	} else {
		lxf_hex(sum, sizeof(sum), got);
		ret = !want[0] || strcmp(got, want) == 0
			  ? 0
			  : lxf_err_set(&err, LXF_EINVAL,
					"sha256 mismatch (got %.12s, expected %.12s) for %s", got,
					want, url);
	}
out:
	if (f.fd >= 0) {
		close(f.fd);
		if (ret < 0)
			unlink(argv[4]);
	}
	EVP_MD_CTX_free(f.md);
	if (c)
		curl_easy_cleanup(c);
	if (ret == 0 && (md = json_object_new_object())) {
		json_object_object_add(md, "size", json_object_new_int64((int64_t)f.size));
		lxf_json_add_str(md, "sha256", got);
	}
	(void)lxfd_helper_answer(ret, &err, md);
	json_object_put(md);
	return ret == 0 ? 0 : 1;
}
