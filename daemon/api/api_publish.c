/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Publishing: POST /1.0/images {"source": {"type": "instance" |
 * "container" | "snapshot", "name": "c1" or "c1/snap0"}, "properties",
 * "aliases", "public", "filename", "compression_algorithm",
 * "expires_at"}, as LXD does: an async operation that packs the stopped
 * instance's (or the snapshot's) rootfs as a unified image tarball —
 * metadata.yaml + rootfs/, owners shifted back from the instance's id map
 * to the container's own ids — and imports it as any upload is
 * (api_image_import: checked, fingerprinted, stored). The tarball is made
 * under a temporary name in DIR/images, which start-up removes when a
 * crash leaves one; a failure after the import (an alias taken meanwhile)
 * deletes the image again: a failed publish leaves no image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "backup.h"
#include "buf.h"
#include "db.h"
#include "events.h"
#include "file.h"
#include "image.h"
#include "log.h"
#include "op.h"
#include "yaml.h"

struct publish_arg {
	char name[64], snap[256];
	char filename[256], compression[16];
	bool public;
	int64_t expires_at;
	struct json_object *properties, *aliases;
	char arch[32];
};

static void publish_arg_free(void *p)
{
	struct publish_arg *a = p;

	if (!a)
		return;
	json_object_put(a->properties);
	json_object_put(a->aliases);
	free(a);
}

/* The image's properties: the instance's image.* keys (what it was made from), then the request's. */
static struct json_object *merged_properties(struct json_object *row, struct json_object *req)
{
	struct json_object *o = json_object_new_object();
	struct json_object *config = json_object_object_get(row, "config");

	if (!o)
		return NULL;
	if (json_object_is_type(config, json_type_object)) {
		json_object_object_foreach(config, k, v)
		{
			if (strncmp(k, "image.", 6) == 0 && k[6])
				json_object_object_add(o, k + 6, json_object_get(v));
		}
	}
	if (req) {
		json_object_object_foreach(req, k, v)
		{
			json_object_object_add(o, k, json_object_get(v));
		}
	}
	return o;
}

/* metadata.yaml of the image into a temporary file beside the tarball. */
static int write_metadata(const struct publish_arg *a, const char *path, struct lxf_err *err)
{
	struct json_object *meta = json_object_new_object();
	struct lxf_buf b;
	int ret;

	lxf_buf_init(&b, 1u << 20);
	if (!meta)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	lxf_json_add_str(meta, "architecture", a->arch);
	json_object_object_add(meta, "creation_date", json_object_new_int64((int64_t)time(NULL)));
	if (a->expires_at > 0)
		json_object_object_add(meta, "expiry_date", json_object_new_int64(a->expires_at));
	json_object_object_add(meta, "properties", json_object_get(a->properties));
	ret = lxf_yaml_emit(meta, &b, err);
	if (ret == 0)
		ret = lxf_file_write_atomic(path, b.data, b.len, 0600, err);
	json_object_put(meta);
	lxf_buf_fini(&b);
	return ret;
}

/* Undoes an imported image (row, aliases by cascade, file). */
static void drop_image(const char *fp)
{
	(void)db_exec(NULL, NULL, NULL, "DELETE FROM images WHERE fingerprint = ?", "s", fp);
	(void)img_remove(lxfd_conf.dir, fp, NULL);
}

static int publish_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct publish_arg *a = arg;
	char tar[PATH_MAX + 32] = "", meta[PATH_MAX + 40] = "", rootfs[PATH_MAX];
	unsigned long ub = 0, gb = 0, count = 0;
	const char *fp;
	int fd, ret, n;

	(void)op;
	n = a->snap[0] ? snprintf(rootfs, sizeof(rootfs), "%s/snapshots/%s/%s/rootfs",
				  lxfd_conf.dir, a->name, a->snap)
		       : snprintf(rootfs, sizeof(rootfs), "%s/containers/%s/rootfs", lxfd_conf.dir,
				  a->name);
	if (n < 0 || (size_t)n >= sizeof(rootfs))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	ret = backend_idmap(a->name, &ub, &gb, &count, err);
	if (ret < 0)
		return ret;
	if (!count)
		ub = gb = 0;
	snprintf(tar, sizeof(tar), "%s/images/.publish-XXXXXX", lxfd_conf.dir);
	fd = mkostemp(tar, O_CLOEXEC);
	if (fd < 0) {
		tar[0] = '\0';
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot create a temporary file");
		goto out;
	}
	close(fd);
	snprintf(meta, sizeof(meta), "%s.yaml", tar);
	ret = write_metadata(a, meta, err);
	if (ret < 0)
		goto out;
	{
		const char *const items[][2] = {{meta, "metadata.yaml"}, {rootfs, "rootfs"}};

		lxf_info("Publishing %s%s%s", a->name, a->snap[0] ? "/" : "", a->snap);
		ret = bk_pack(tar, a->compression, ub, gb, items, 2, err);
	}
	if (ret < 0)
		goto out;
	/* Properties are in metadata.yaml already: the import copies them. */
	ret = api_image_import(
	    &(struct api_img_in){.tmp = tar, .filename = a->filename, .public = a->public}, md,
	    err);
	tar[0] = '\0'; /* consumed */
	if (ret < 0)
		goto out;
	fp = lxf_json_str(*md, "fingerprint");
	if (a->expires_at > 0)
		ret = db_exec(NULL, NULL, err,
			      "INSERT OR REPLACE INTO image_expiry (fingerprint, expires_at)"
			      " VALUES (?, ?)",
			      "si", fp, a->expires_at);
	if (ret == 0)
		ret = api_image_add_aliases(fp, a->aliases, err);
	if (ret < 0)
		drop_image(fp);
out:
	if (ret < 0)
		lxf_err_prefix(err, "Publish %s%s%s", a->name, a->snap[0] ? "/" : "", a->snap);
	if (tar[0])
		unlink(tar);
	if (meta[0])
		unlink(meta);
	return ret;
}

/* The source: an instance that is not running, or a snapshot; fills a->name/snap/arch. */
static int check_source(struct json_object *src, const char *type, struct publish_arg *a,
			struct json_object **row, struct lxf_err *err)
{
	const char *name = NULL, *slash, *st;
	int ret;

	if (lxf_json_get_string(src, "name", true, &name, err) < 0)
		return -LXF_EINVAL;
	slash = strchr(name, '/');
	if (!strcmp(type, "snapshot") != !!slash)
		return lxf_err_set(err, LXF_EINVAL,
				   slash
				       ? "source.name \"%s\" names a snapshot: give type snapshot"
				       : "A snapshot source is named INSTANCE/SNAPSHOT, not \"%s\"",
				   name);
	if ((size_t)(slash ? slash - name : (ptrdiff_t)strlen(name)) >= sizeof(a->name) ||
	    (slash && strlen(slash + 1) >= sizeof(a->snap)))
		return lxf_err_set(err, LXF_EINVAL, "source.name \"%.80s\" is too long", name);
	snprintf(a->name, sizeof(a->name), "%.*s",
		 (int)(slash ? slash - name : (ptrdiff_t)strlen(name)), name);
	if (slash) {
		snprintf(a->snap, sizeof(a->snap), "%s", slash + 1);
		ret = db_row(
		    row, "Snapshot", err,
		    "SELECT * FROM snapshots WHERE instance = ? AND name = ? AND creating = 0",
		    "ss", a->name, a->snap);
	} else {
		ret =
		    db_row(row, "Instance", err,
			   "SELECT * FROM instances WHERE name = ? AND creating = 0", "s", a->name);
	}
	if (ret < 0)
		return ret;
	if (!slash && (st = backend_status(a->name)) && strcmp(st, "Stopped") != 0)
		return lxf_err_set(err, LXF_EBUSY,
				   "Instance \"%s\" is %s: stop it (or publish a snapshot of it)",
				   a->name, st);
	snprintf(a->arch, sizeof(a->arch), "%s",
		 lxf_json_str(*row, "architecture") ? lxf_json_str(*row, "architecture")
						    : "x86_64");
	return 0;
}

/* Every alias asked for must be free now; one taken later fails the op (and drops the image). */
static int check_aliases_free(struct json_object *aliases, struct lxf_err *err)
{
	for (size_t i = 0; aliases && i < json_object_array_length(aliases); i++) {
		struct json_object *al = json_object_array_get_idx(aliases, i), *row = NULL;
		const char *name = lxf_json_str(al, "name");
		int ret;

		if (!name)
			return lxf_err_set(err, LXF_EINVAL, "aliases: each needs a \"name\"");
		ret = db_row(&row, "Alias", NULL, "SELECT name FROM image_aliases WHERE name = ?",
			     "s", name);
		json_object_put(row);
		if (ret == 0)
			return lxf_err_set(err, LXF_EEXIST, "Alias \"%s\" already exists", name);
	}
	return 0;
}

int api_publish_post(struct http_req *req, struct json_object *body, struct lxf_err *err)
{
	struct json_object *src = NULL, *props = NULL, *aliases = NULL, *row = NULL;
	const char *type = NULL, *filename = "", *alg = "gzip";
	struct publish_arg *a = calloc(1, sizeof(*a));
	struct op *op = NULL;
	char url[128];
	int ret;

	if (!a)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (lxf_json_get_object(body, "source", true, &src, err) < 0 ||
	    lxf_json_get_string(src, "type", true, &type, err) < 0 ||
	    lxf_json_get_string(body, "filename", false, &filename, err) < 0 ||
	    lxf_json_get_string(body, "compression_algorithm", false, &alg, err) < 0 ||
	    lxf_json_get_bool(body, "public", false, &a->public, err) < 0 ||
	    lxf_json_get_object(body, "properties", false, &props, err) < 0 ||
	    lxf_json_get_array(body, "aliases", false, &aliases, err) < 0 ||
	    api_get_expiry(body, &a->expires_at, err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	if (!alg || !alg[0])
		alg = "gzip";
	ret = bk_compression_check(alg, err);
	if (ret == 0)
		ret = check_source(src, type, a, &row, err);
	if (ret == 0)
		ret = check_aliases_free(aliases, err);
	if (ret < 0)
		goto out;
	snprintf(a->filename, sizeof(a->filename), "%s", filename ? filename : "");
	snprintf(a->compression, sizeof(a->compression), "%s", alg);
	a->properties = merged_properties(row, props);
	a->aliases = json_object_get(aliases);
	instance_url(a->name, url, sizeof(url));
	op = op_run("Publishing instance", "instances", url, publish_op, a, publish_arg_free, err);
	a = NULL;
	ret = op ? api_async(req, op, err) : -err->code;
out:
	publish_arg_free(a);
	json_object_put(row);
	op_unref(op);
	return ret;
}
