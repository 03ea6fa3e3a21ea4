/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of simplestreams remotes (`lxf remote add NAME URL
 * --protocol simplestreams`): their images as `lxf image list NAME:`
 * shows them, read from the server's index and products catalogues
 * (common/sstreams.c) over HTTPS. The server is public: trusted through
 * the system's CAs, or the file SSL_CERT_FILE names, as lxc does.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "sstreams-get.h"
#include "sstreams.h"

#define SS_DOC_MAX (64u << 20) /* an index or a catalogue */

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
	return lxf_buf_add(data, p, size * n) == 0 ? size * n : 0;
}

/* GETs base/path into *out (JSON, new ref). Errors name the URL. */
static int ss_get_json(const char *base, const char *path, struct json_object **out,
		       struct lxf_err *err)
{
	const char *ca = getenv("SSL_CERT_FILE");
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	struct lxf_buf b = {0};
	CURL *c = curl_easy_init();
	size_t n = strlen(base);
	long status = 0;
	CURLcode cc;
	int rc;

	*out = NULL;
	lxf_buf_init(&b, SS_DOC_MAX);
	while (n > 8 && base[n - 1] == '/')
		n--;
	if (!c) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (snprintf(url, sizeof(url), "%.*s/%s", (int)n, base, path) >= (int)sizeof(url)) {
		rc = lxf_err_set(err, LXF_EINVAL, "URL too long");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	if (ca && ca[0]) {
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK)
		rc = lxf_err_set(err, LXF_EUNAVAIL, "cannot get %s: %s", url,
				 errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (status != 200)
		rc = lxf_err_set(err, status == 404 ? LXF_ENOENT : LXF_EUNAVAIL,
				 "cannot get %s: HTTP %ld", url, status);
	else if ((rc = lxf_json_parse(lxf_buf_str(&b), b.len, 64, out, err)) != 0)
		lxf_err_prefix(err, "%s", url);
out:
	lxf_buf_fini(&b);
	if (c)
		curl_easy_cleanup(c);
	return rc;
}

/* created_at and uploaded_at (seconds) as the RFC 3339 strings LXD sends. */
static void ss_times(struct json_object *img)
{
	static const char *const keys[] = {"created_at", "uploaded_at"};
	char buf[32];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		time_t t = (time_t)json_object_get_int64(json_object_object_get(img, keys[i]));
		struct tm tm;

		if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
			continue;
		lxf_json_add_str(img, keys[i], buf);
	}
	json_object_object_del(img, "files");
}

int lxf_ss_remote_images(const struct lxf_remote *rem, struct json_object **out,
			 struct lxf_err *err)
{
	struct json_object *index = NULL, *paths = NULL, *all = json_object_new_array();
	struct utsname u;
	int rc;

	*out = NULL;
	if (!all || uname(&u) < 0)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = ss_get_json(rem->addr, LXF_SS_INDEX, &index, err);
	if (rc == 0)
		rc = lxf_ss_index_paths(index, &paths, err);
	for (size_t i = 0; rc == 0 && i < json_object_array_length(paths); i++) {
		struct json_object *cat = NULL, *images = NULL;

		rc = ss_get_json(rem->addr,
				 json_object_get_string(json_object_array_get_idx(paths, i)), &cat,
				 err);
		if (rc == 0)
			rc = lxf_ss_images(cat, u.machine, &images, err);
		for (size_t k = 0; rc == 0 && k < json_object_array_length(images); k++) {
			struct json_object *img = json_object_array_get_idx(images, k);

			ss_times(img);
			json_object_array_add(all, json_object_get(img));
		}
		json_object_put(cat);
		json_object_put(images);
	}
	json_object_put(index);
	json_object_put(paths);
	if (rc == 0)
		*out = all;
	else
		json_object_put(all);
	return rc;
}

bool lxf_ss_remote(const struct lxf_remote *rem)
{
	return rem && rem->protocol && strcmp(rem->protocol, "simplestreams") == 0;
}
