/* SPDX-License-Identifier: Apache-2.0 */
/* The reply envelope of LXD's REST API, its ETags and its times. */
#include "reply.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "hex.h"
#include "http.h"
#include "json.h"

static int envelope(struct http_req *req, int status, const char *type, struct json_object *md,
		    const char *op_url, struct lxf_err *err)
{
	struct json_object *o = json_object_new_object();
	int ret = 0;

	if (!o) {
		json_object_put(md);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	lxf_json_add_str(o, "type", type);
	lxf_json_add_str(o, "status", status == 202 ? "Operation created" : "Success");
	json_object_object_add(o, "status_code", json_object_new_int(status == 202 ? 100 : 200));
	lxf_json_add_str(o, "operation", op_url ? op_url : "");
	json_object_object_add(o, "error_code", json_object_new_int(0));
	lxf_json_add_str(o, "error", "");
	json_object_object_add(o, "metadata", md);
	lxf_buf_reset(&req->out);
	if (lxf_buf_adds(&req->out,
			 json_object_to_json_string_ext(
			     o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
	    lxf_buf_addc(&req->out, '\n') < 0)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	else
		req->status = status;
	json_object_put(o);
	return ret;
}

int reply_sync(struct http_req *req, struct json_object *md, struct lxf_err *err)
{
	return envelope(req, 200, "sync", md, NULL, err);
}

int reply_sync_created(struct http_req *req, struct json_object *md, const char *location,
		       struct lxf_err *err)
{
	int ret = envelope(req, 201, "sync", md, NULL, err);

	if (ret == 0 && location)
		snprintf(req->location, sizeof(req->location), "%s", location);
	return ret;
}

int reply_sync_etag(struct http_req *req, struct json_object *md, struct json_object *etag_src,
		    struct lxf_err *err)
{
	if (etag_src && reply_etag(etag_src, req->etag) < 0) {
		json_object_put(md);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	return envelope(req, 200, "sync", md, NULL, err);
}

int reply_sync_etag_of(struct http_req *req, struct json_object *md, struct json_object *etag_src,
		       struct lxf_err *err)
{
	int ret;

	if (!md || !etag_src) {
		json_object_put(md);
		json_object_put(etag_src);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	ret = reply_sync_etag(req, md, etag_src, err);
	json_object_put(etag_src);
	return ret;
}

int reply_sync_fd(struct http_req *req, int fd, const char *ctype, const char *what,
		  struct lxf_err *err)
{
	struct stat st;
	int ret;

	if (fstat(fd, &st) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot stat %s", what);
		close(fd);
		return ret;
	}
	req->file_fd = fd;
	req->file_len = (uint64_t)st.st_size;
	req->ctype = ctype;
	req->status = 200;
	return 0;
}

int reply_async(struct http_req *req, struct json_object *md, const char *op_url,
		struct lxf_err *err)
{
	snprintf(req->location, sizeof(req->location), "%s", op_url);
	return envelope(req, 202, "async", md, op_url, err);
}

void reply_error(struct http_req *req, const struct lxf_err *err)
{
	int status = lxf_code_http(err->code);
	struct json_object *o = json_object_new_object();
	const char *msg = err->msg[0] ? err->msg : lxf_code_text(err->code);

	req->status = status;
	req->location[0] = '\0';
	req->etag[0] = '\0';
	if (req->file_fd >= 0) {
		close(req->file_fd);
		req->file_fd = -1;
	}
	lxf_buf_reset(&req->out);
	if (o) {
		lxf_json_add_str(o, "type", "error");
		lxf_json_add_str(o, "status", "");
		json_object_object_add(o, "status_code", json_object_new_int(0));
		lxf_json_add_str(o, "operation", "");
		json_object_object_add(o, "error_code", json_object_new_int(status));
		lxf_json_add_str(o, "error", msg);
		json_object_object_add(o, "metadata", NULL);
		if (lxf_buf_adds(&req->out, json_object_to_json_string_ext(
						o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE)) == 0 &&
		    lxf_buf_addc(&req->out, '\n') == 0) {
			json_object_put(o);
			return;
		}
		json_object_put(o);
	}
	/* Out of memory: a fixed body still tells the client what happened. */
	lxf_buf_fini(&req->out);
	req->status = 500;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON with object keys sorted, so equal values always hash alike. */
static int canonical(struct json_object *o, struct lxf_buf *b)
{
	int ret = 0;

	if (json_object_get_type(o) == json_type_object) {
		int n = json_object_object_length(o), i = 0;
		const char **keys = calloc((size_t)n + 1, sizeof(*keys));
		if (!keys)
			return -LXF_ENOMEM;
		json_object_object_foreach(o, k, v)
		{
			(void)v;
			keys[i++] = k;
		}
		qsort(keys, (size_t)n, sizeof(*keys), cmp_keys);
		ret = lxf_buf_addc(b, '{');
		for (i = 0; i < n && ret == 0; i++) {
			struct json_object *ks = json_object_new_string(keys[i]);
			ret = ks ? lxf_buf_addf(b, "%s%s:", i ? "," : "",
						json_object_to_json_string(ks))
				 : -LXF_ENOMEM;
			json_object_put(ks);
			if (ret == 0)
				ret = canonical(json_object_object_get(o, keys[i]), b);
		}
		free(keys);
		return ret ? ret : lxf_buf_addc(b, '}');
	}
	if (json_object_get_type(o) == json_type_array) {
		size_t n = json_object_array_length(o);
		ret = lxf_buf_addc(b, '[');
		for (size_t i = 0; i < n && ret == 0; i++) {
			if (i)
				ret = lxf_buf_addc(b, ',');
			if (ret == 0)
				ret = canonical(json_object_array_get_idx(o, i), b);
		}
		return ret ? ret : lxf_buf_addc(b, ']');
	}
	return lxf_buf_adds(b, json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int reply_etag(struct json_object *o, char out[65])
{
	struct lxf_buf b = {0};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ret = canonical(o, &b);

	if (ret == 0 && !EVP_Digest(b.data ? b.data : "", b.len, md, &mdlen, EVP_sha256(), NULL))
		ret = -LXF_ENOMEM;
	if (ret == 0)
		lxf_hex(md, mdlen < 32 ? mdlen : 32, out);
	lxf_buf_fini(&b);
	return ret;
}

int reply_check_if_match(const struct http_req *req, struct json_object *o, struct lxf_err *err)
{
	char want[65], got[160];
	size_t n;

	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (!req->if_match[0])
		return 0;
	snprintf(got, sizeof(got), "%s", req->if_match + (req->if_match[0] == '"'));
	n = strlen(got);
	if (n > 0 && got[n - 1] == '"')
		got[n - 1] = '\0';
	if (reply_etag(o, want) < 0)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (strcmp(want, got) != 0)
		return lxf_err_set(err, LXF_EPRECOND, "ETag doesn't match: %s vs %s", want, got);
	return 0;
}

void reply_time_str(int64_t secs, char *buf, size_t n)
{
	struct tm tm;
	time_t t = (time_t)secs;

	if (secs == 0 || !gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, n, "0001-01-01T00:00:00Z");
}

void reply_timespec_str(const struct timespec *ts, char *buf, size_t n)
{
	struct tm tm;
	char base[32];

	if (!gmtime_r(&ts->tv_sec, &tm) ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(base, sizeof(base), "0001-01-01T00:00:00");
	snprintf(buf, n, "%s.%09ldZ", base, ts->tv_nsec);
}

struct json_object *reply_time_json(int64_t secs)
{
	char buf[40];

	reply_time_str(secs, buf, sizeof(buf));
	return json_object_new_string(buf);
}
