/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/images: upload (raw unified tarball), list, get/update/delete, export. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "db.h"
#include "events.h"
#include "hex.h"
#include "http.h"
#include "image.h"
#include "journal.h"
#include "log.h"
#include "op.h"

/* When image fp expires (a published image may say), 0: never. */
static int64_t image_expiry(const char *fp)
{
	struct json_object *row = NULL;
	int64_t t = 0;

	if (fp && db_row(&row, "Image", NULL,
			 "SELECT expires_at FROM image_expiry WHERE fingerprint = ?", "s", fp) == 0)
		t = json_object_get_int64(json_object_object_get(row, "expires_at"));
	json_object_put(row);
	return t;
}

/* "cached" and "update_source" of image fp into o, from image_sources. */
static void api_image_add_source(struct json_object *o, const char *fp)
{
	struct json_object *src = NULL;

	if (fp &&
	    db_row(&src, "Image source", NULL,
		   "SELECT server, protocol, certificate, alias FROM image_sources"
		   " WHERE fingerprint = ?",
		   "s", fp) == 0 &&
	    src) {
		lxf_json_add_str(src, "image_type", "container");
		json_object_object_add(o, "cached", json_object_new_boolean(1));
		json_object_object_add(o, "update_source", src);
		return;
	}
	json_object_put(src);
	json_object_object_add(o, "cached", json_object_new_boolean(0));
	json_object_object_add(o, "update_source", NULL);
}

struct json_object *api_image_json(struct json_object *row)
{
	static const char *const copied[] = {"architecture", "auto_update", "filename",
					     "fingerprint",  "properties",  "public",
					     "size"};
	struct json_object *o = json_object_new_object(), *aliases = NULL, *list;
	const char *fp = lxf_json_str(row, "fingerprint");

	if (!o)
		return NULL;
	api_copy_fields(o, row, copied, sizeof(copied) / sizeof(copied[0]));
	list = json_object_new_array();
	if (db_exec(&aliases, NULL, NULL,
		    "SELECT name, description FROM image_aliases WHERE target = ? ORDER BY name",
		    "s", fp ? fp : "") == 0) {
		for (size_t i = 0; list && i < json_object_array_length(aliases); i++)
			json_object_array_add(
			    list, json_object_get(json_object_array_get_idx(aliases, i)));
	}
	json_object_put(aliases);
	json_object_object_add(o, "aliases", list);
	api_image_add_source(o, fp);
	api_add_time(o, row, "created_at");
	json_object_object_add(o, "expires_at", reply_time_json(image_expiry(fp)));
	api_add_time(o, row, "last_used_at");
	api_add_time(o, row, "uploaded_at");
	lxf_json_add_str(o, "type", "container");
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string("default"));
	json_object_object_add(o, "profiles", list);
	return o;
}

static struct json_object *image_etag_src(struct json_object *row)
{
	static const char *const keys[] = {"public", "auto_update", "properties"};
	struct json_object *o = json_object_new_object();

	if (o)
		api_copy_fields(o, row, keys, sizeof(keys) / sizeof(keys[0]));
	return o;
}

int api_images_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_exec(&rows, NULL, err, "SELECT * FROM images ORDER BY fingerprint", "");

	if (ret < 0)
		return ret;
	return api_list_rows(req, rows, "/1.0/images/", "fingerprint", api_image_json, err);
}

/* Form-decodes s[0..n) ('+' is a space) into a new string; NULL on a bad escape. */
static char *form_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < n ? lxf_hexval(s[i + 1]) : -1;
			int lo = hi >= 0 ? lxf_hexval(s[i + 2]) : -1;
			if (lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* X-LXD-properties: "k1=v1&k2=v2", url-encoded, as LXD's client sends it. */
static int parse_properties(const char *hdr, struct json_object **out, struct lxf_err *err)
{
	struct json_object *o = json_object_new_object();

	*out = NULL;
	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	for (const char *p = hdr; *p;) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		if (len > 0) {
			char *k = form_decode(p, eq ? (size_t)(eq - p) : len);
			char *v = eq ? form_decode(eq + 1, len - (size_t)(eq - p) - 1) : strdup("");
			if (!k || !v || !k[0]) {
				free(k);
				free(v);
				json_object_put(o);
				return lxf_err_set(err, LXF_EINVAL, "Bad X-LXD-properties header");
			}
			lxf_json_add_str(o, k, v);
			free(k);
			free(v);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	*out = o;
	return 0;
}

struct upload_arg {
	char tmp[PATH_MAX];
	char rootfs[PATH_MAX]; /* a split image's, or "" */
	char fp[IMG_FP_LEN + 1];
	char filename[256];
	bool public;
	struct json_object *properties;
	struct json_object *aliases; /* a push token's, or NULL */
	char secret[65];             /* pushed here: the op's secret, or "" */
};

static void upload_arg_free(void *p)
{
	struct upload_arg *a = p;

	if (!a)
		return;
	if (a->tmp[0])
		unlink(a->tmp);
	if (a->rootfs[0])
		unlink(a->rootfs);
	json_object_put(a->properties);
	json_object_put(a->aliases);
	free(a);
}

static int upload_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct upload_arg *a = arg;
	int ret;

	(void)op;
	ret = api_image_import(&(struct api_img_in){.tmp = a->tmp,
						    .rootfs = a->rootfs[0] ? a->rootfs : NULL,
						    .want_fp = a->fp,
						    .filename = a->filename,
						    .public = a->public,
						    .properties = a->properties},
			       md, err);
	a->tmp[0] = a->rootfs[0] = '\0'; /* img_import consumed them either way */
	if (ret == 0)
		ret = api_image_add_aliases(a->fp, a->aliases, err);
	/* The untrusted sender still waits with it (LXD keeps it too). */
	if (ret == 0 && a->secret[0] && *md)
		lxf_json_add_str(*md, "secret", a->secret);
	return ret;
}

/*
 * An image pushed here (api_image_push.c): the push token is used up,
 * whether the sender is trusted or not, and what the client asked for
 * with it (aliases, properties, public) applies. An untrusted sender
 * without a live token is refused.
 */
static int upload_push(struct http_req *req, struct upload_arg *a, struct json_object **md,
		       struct lxf_err *err)
{
	struct json_object *opts = NULL, *v;
	int ret = 0;

	if (req->x_secret[0])
		opts = api_image_push_take(req->x_fingerprint, req->x_secret);
	if (!opts)
		return req->trusted ? 0 : lxf_err_set(err, LXF_EPERM, "not authorized");
	if ((v = json_object_object_get(opts, "public")))
		a->public = json_object_get_boolean(v);
	if ((v = json_object_object_get(opts, "properties")) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_put(a->properties);
		a->properties = json_object_get(v);
	}
	if ((v = json_object_object_get(opts, "aliases")) &&
	    json_object_is_type(v, json_type_array))
		a->aliases = json_object_get(v);
	json_object_put(opts);
	ret = api_image_push_secret(a->secret, err);
	if (ret == 0 &&
	    (!(*md = json_object_new_object()) || lxf_json_add_str(*md, "secret", a->secret) < 0))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return ret;
}

int api_images_post(struct http_req *req, struct lxf_err *err)
{
	struct upload_arg *a = NULL;
	struct json_object *md = NULL;
	struct op *op = NULL;
	int ret = 0;

	if (!req->trusted && strncmp(req->content_type, "multipart/", 10) != 0 &&
	    strncmp(req->content_type, "application/octet-stream", 24) != 0)
		return lxf_err_set(err, LXF_EPERM, "not authorized");
	if (strncmp(req->content_type, "application/json", 16) == 0)
		return api_image_copy_post(req, err);
	if (req->upload_len == 0)
		return lxf_err_set(err, LXF_EINVAL, "The image upload is empty");
	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (req->x_fingerprint[0]) {
		if (strlen(req->x_fingerprint) != IMG_FP_LEN ||
		    strspn(req->x_fingerprint, "0123456789abcdef") != IMG_FP_LEN) {
			ret = lxf_err_set(err, LXF_EINVAL, "Bad X-LXD-fingerprint");
			goto out;
		}
		memcpy(a->fp, req->x_fingerprint, IMG_FP_LEN);
		a->fp[IMG_FP_LEN] = '\0';
	}
	snprintf(a->filename, sizeof(a->filename), "%s", req->x_filename);
	a->public = strcmp(req->x_public, "true") == 0 || strcmp(req->x_public, "1") == 0;
	ret = parse_properties(req->x_properties, &a->properties, err);
	if (ret == 0)
		ret = upload_push(req, a, &md, err);
	if (ret < 0)
		goto out;
	if (strncmp(req->content_type, "multipart/", 10) == 0) {
		ret = api_image_split_upload(req, a->tmp, a->rootfs, err);
		if (ret < 0)
			goto out;
	} else {
		snprintf(a->tmp, sizeof(a->tmp), "%s", req->upload_path);
		req->upload_path[0] = '\0';
	}
	op = op_run_md("Downloading image", NULL, NULL, md, upload_op, a, upload_arg_free, err);
	md = NULL;
	a = NULL;
	ret = op ? api_async(req, op, err) : -err->code;
out:
	json_object_put(md);
	upload_arg_free(a);
	op_unref(op);
	return ret;
}

static int find_image(struct http_req *req, struct json_object **row, struct lxf_err *err)
{
	return db_image_resolve(router_param(&req->match, "fp"), row, err);
}

int api_image_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o, *src;
	int ret = find_image(req, &row, err);

	if (ret == 0 &&
	    !api_image_visible(req, lxf_json_str(row, "fingerprint"),
			       json_object_get_boolean(json_object_object_get(row, "public")),
			       false)) {
		json_object_put(row);
		ret = lxf_err_set(err, LXF_ENOENT, "Image not found");
	}
	if (ret < 0)
		return ret;
	o = api_image_json(row);
	src = image_etag_src(row);
	json_object_put(row);
	return reply_sync_etag_of(req, o, src, err);
}

int api_image_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	struct json_object *row = NULL, *body, *src = NULL, *props = NULL;
	bool pub = false, au = false;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = find_image(req, &row, err);
	if (ret < 0)
		return ret;
	src = image_etag_src(row);
	ret = reply_check_if_match(req, src, err);
	if (ret < 0)
		goto out;
	pub = json_object_get_boolean(json_object_object_get(row, "public"));
	au = json_object_get_boolean(json_object_object_get(row, "auto_update"));
	if (!patch)
		pub = au = false;
	if (lxf_json_get_bool(body, "public", false, &pub, err) < 0 ||
	    lxf_json_get_bool(body, "auto_update", false, &au, err) < 0 ||
	    lxf_json_get_object(body, "properties", false, &props, err) < 0 ||
	    (props && lxf_json_check_string_map(props, "properties", err) < 0)) {
		ret = -LXF_EINVAL;
		goto out;
	}
	struct json_object *newprops =
	    api_update_map(json_object_object_get(row, "properties"), props, patch, false);
	ret = db_exec(NULL, NULL, err,
		      "UPDATE images SET public = ?, auto_update = ?, properties = ?"
		      " WHERE fingerprint = ?",
		      "bbjs", (int)pub, (int)au, newprops, lxf_json_str(row, "fingerprint"));
	json_object_put(newprops);
	if (ret == 0)
		ret = reply_sync(req, NULL, err);
out:
	json_object_put(row);
	json_object_put(src);
	return ret;
}

static int image_delete_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	const char *fp = arg;
	struct lxf_err cerr;
	char rel[128];
	struct journal j;
	int ret;

	(void)op;
	(void)md;
	/* Row and file as one journalled change (journal.c). */
	if (snprintf(rel, sizeof(rel), "images/%s", fp) >= (int)sizeof(rel))
		return lxf_err_set(err, LXF_EINVAL, "Bad fingerprint \"%s\"", fp);
	ret = journal_begin(&j, err);
	if (ret < 0)
		return ret;
	ret = db_exec(NULL, NULL, err, "DELETE FROM images WHERE fingerprint = ?", "s", fp);
	if (ret == 0)
		ret = journal_remove(&j, rel, err);
	/* A split image's rootfs beside it: a missing one is fine. */
	if (ret == 0 && strlen(rel) + sizeof(IMG_ROOTFS_SUFFIX) <= sizeof(rel))
		ret = journal_remove(&j, strcat(rel, IMG_ROOTFS_SUFFIX), err);
	if (ret < 0)
		db_rollback();
	else
		ret = journal_commit(&j, err);
	/* Gone with the image; one left by a kill here goes at start-up. */
	if (ret == 0 && img_cache_drop(lxfd_conf.dir, fp, &cerr) < 0)
		lxf_warn("Image %s deleted, its unpacked copies not: %s", fp, cerr.msg);
	return events_if(ret, "image-deleted", "/1.0/images/", fp);
}

int api_image_remove(const char *fp, struct lxf_err *err)
{
	return image_delete_op(NULL, (void *)fp, NULL, err);
}

int api_image_delete(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	struct op *op = NULL;
	char url[128], *fp;
	int ret = find_image(req, &row, err);

	if (ret < 0)
		return ret;
	fp = strdup(lxf_json_str(row, "fingerprint"));
	json_object_put(row);
	if (!fp)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(url, sizeof(url), "/1.0/images/%s", fp);
	op = op_run("Deleting image", "images", url, image_delete_op, fp, free, err);
	ret = op ? api_async(req, op, err) : -err->code;
	op_unref(op);
	return ret;
}

/*
 * Content-Disposition names the file as LXD does: the image's filename, else
 * its fingerprint. LXD's client needs it to import what it downloaded (an
 * image copy pulled by LXD). Only a plain file name goes into the header.
 */
static void export_disposition(struct http_req *req, struct json_object *row)
{
	static const char ok[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-";
	const char *name = lxf_json_str(row, "filename");
	char v[sizeof(req->xhdr_value[0])];

	if (!name || !name[0] || name[0] == '.' || strspn(name, ok) != strlen(name) ||
	    strlen(name) > 255)
		name = lxf_json_str(row, "fingerprint");
	snprintf(v, sizeof(v), "attachment; filename=%s", name);
	(void)http_add_header(req, "Content-Disposition", v);
}

int api_image_export(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	char path[PATH_MAX], rootfs[PATH_MAX];
	int fd, ret = find_image(req, &row, err);

	if (ret == 0 && !api_image_visible(
			    req, lxf_json_str(row, "fingerprint"),
			    json_object_get_boolean(json_object_object_get(row, "public")), true)) {
		json_object_put(row);
		ret = lxf_err_set(err, LXF_ENOENT, "Image not found");
	}
	if (ret < 0)
		return ret;
	img_path(lxfd_conf.dir, lxf_json_str(row, "fingerprint"), path, sizeof(path));
	if (img_rootfs_file(path, rootfs, sizeof(rootfs)) == 1) {
		ret = api_image_export_split(req, lxf_json_str(row, "fingerprint"), path, rootfs,
					     err);
		json_object_put(row);
		return ret;
	}
	export_disposition(req, row);
	json_object_put(row);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lxf_err_sys(err, errno == ENOENT ? LXF_ENOENT : LXF_EIO, errno,
				   "Cannot open image file");
	return reply_sync_fd(req, fd, "application/octet-stream", "image file", err);
}
