/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Images pulled from a simplestreams server, as LXD pulls them when an
 * instance is made from {"source": {"type": "image", "mode": "pull",
 * "protocol": "simplestreams", "server": URL, "alias": A | "fingerprint":
 * F, "certificate": PEM}} (what `lxc launch REMOTE:A` sends): the index and
 * the products catalogues are read (common/sstreams.c), the image for this
 * machine's architecture is chosen, its files are downloaded over HTTPS
 * (lxfd-admin url-fetch, so libcurl stays out of lxfd) with each sha256
 * from the catalogue checked, and it is stored as a cached image with its
 * update_source, auto_update on. An image already here is not downloaded
 * again. Runs on a worker (the create operation).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "db.h"
#include "file.h"
#include "helper.h"
#include "image.h"
#include "json.h"
#include "sstreams.h"

#define INDEX_MAX     (4u << 20)  /* index.json */
#define CATALOGUE_MAX (64u << 20) /* a products catalogue */
#define FILE_MAX      "2147483648"

struct ss_pull {
	const char *server, *alias, *fp, *cert;
	char certpath[PATH_MAX]; /* the pinned certificate's temporary, or "" */
	char tmp[2][PATH_MAX];   /* downloads in DIR/images */
};

/* server + "/" + path into url. */
static int ss_url(const char *server, const char *path, char *url, size_t n, struct lxf_err *err)
{
	size_t len = strlen(server);

	while (len > 8 && server[len - 1] == '/')
		len--;
	if (snprintf(url, n, "%.*s/%s", (int)len, server, path) >= (int)n)
		return lxf_err_set(err, LXF_EINVAL, "Image server URL too long");
	return 0;
}

/* Downloads server's path into p->tmp[slot] (made here), sha256 checked when sha. */
static int ss_get(struct ss_pull *p, const char *path, int slot, const char *cap, const char *sha,
		  struct lxf_err *err)
{
	char url[2048];
	char *argv[] = {"lxfd-admin", "url-fetch", url,         p->certpath,
			p->tmp[slot], (char *)cap, (char *)sha, NULL};
	int fd, ret = ss_url(p->server, path, url, sizeof(url), err);

	if (ret < 0)
		return ret;
	if (strstr(path, "..") || path[0] == '/')
		return lxf_err_set(err, LXF_EINVAL, "Bad path \"%s\" in the catalogue", path);
	fd = api_temp_in_images(p->tmp[slot], sizeof(p->tmp[slot]), "ss", err);
	if (fd < 0) {
		p->tmp[slot][0] = '\0';
		return fd;
	}
	close(fd);
	return lxfd_helper_run("lxfd-admin", argv, 4096, NULL, err);
}

/* A downloaded JSON document (index or catalogue) from slot 0, which is removed. */
static int ss_json(struct ss_pull *p, const char *path, unsigned cap, struct json_object **out,
		   struct lxf_err *err)
{
	struct lxf_buf b = {0};
	char capstr[32];
	int ret;

	snprintf(capstr, sizeof(capstr), "%u", cap);
	ret = ss_get(p, path, 0, capstr, NULL, err);
	if (ret == 0)
		ret = lxf_file_read(p->tmp[0], cap, &b, err);
	if (ret == 0)
		ret = lxf_json_parse(lxf_buf_str(&b), b.len, 64, out, err);
	if (ret < 0 && ret != -LXF_EUNAVAIL && ret != -LXF_ENOENT)
		lxf_err_prefix(err, "%s", path);
	lxf_buf_fini(&b);
	if (p->tmp[0][0])
		unlink(p->tmp[0]);
	p->tmp[0][0] = '\0';
	return ret;
}

/* The catalogue image for this machine that p names: *img (new ref). */
static int ss_find(struct ss_pull *p, struct json_object **img, struct lxf_err *err)
{
	struct json_object *index = NULL, *paths = NULL, *cat = NULL, *images = NULL, *hit;
	struct utsname u;
	int ret;

	*img = NULL;
	if (uname(&u) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "uname");
	ret = ss_json(p, LXF_SS_INDEX, INDEX_MAX, &index, err);
	if (ret == 0)
		ret = lxf_ss_index_paths(index, &paths, err);
	for (size_t i = 0; ret == 0 && !*img && i < json_object_array_length(paths); i++) {
		const char *path = json_object_get_string(json_object_array_get_idx(paths, i));

		ret = ss_json(p, path, CATALOGUE_MAX, &cat, err);
		if (ret == 0)
			ret = lxf_ss_images(cat, u.machine, &images, err);
		/* As LXD: an alias that names no image may be a fingerprint. */
		if (ret == 0 && ((hit = lxf_ss_find(images, p->alias, p->fp)) ||
				 (hit = lxf_ss_find(images, NULL, p->alias))))
			*img = json_object_get(hit);
		json_object_put(cat);
		json_object_put(images);
		cat = images = NULL;
	}
	if (ret == 0 && !*img)
		ret = lxf_err_set(err, LXF_ENOENT, "no such image for %s", u.machine);
	json_object_put(index);
	json_object_put(paths);
	return ret;
}

/* Downloads the files of img (catalogue image) and stores it as a cached image. */
static int ss_download(struct ss_pull *p, struct json_object *img, struct lxf_err *err)
{
	struct json_object *files = json_object_object_get(img, "files"), *src = NULL, *md = NULL;
	size_t n = json_object_array_length(files);
	int ret = 0;

	if (n < 1 || n > 2)
		return lxf_err_set(err, LXF_EINVAL, "bad file list in the catalogue");
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		const char *sha = lxf_json_str(f, "sha256");

		if (!sha || strlen(sha) != 64)
			return lxf_err_set(err, LXF_EINVAL, "no sha256 for %s in the catalogue",
					   lxf_json_str(f, "path"));
		ret = ss_get(p, lxf_json_str(f, "path"), (int)i, FILE_MAX, sha, err);
	}
	if (ret < 0)
		return ret;
	src = json_object_new_object();
	lxf_json_add_str(src, "server", p->server);
	lxf_json_add_str(src, "protocol", "simplestreams");
	lxf_json_add_str(src, "alias", p->alias ? p->alias : "");
	lxf_json_add_str(src, "certificate", p->cert ? p->cert : "");
	ret = api_image_import(
	    &(struct api_img_in){.tmp = p->tmp[0],
				 .rootfs = n == 2 ? p->tmp[1] : NULL,
				 .want_fp = lxf_json_str(img, "fingerprint"),
				 .filename = lxf_json_str(img, "filename"),
				 .properties = json_object_object_get(img, "properties"),
				 .source = src},
	    &md, err);
	p->tmp[0][0] = p->tmp[1][0] = '\0'; /* consumed */
	/* Pulled at once by another create: the same image, stored. */
	if (ret == -LXF_EEXIST)
		ret = 0;
	json_object_put(src);
	json_object_put(md);
	return ret;
}

static int write_cert(struct ss_pull *p, struct lxf_err *err)
{
	size_t len = strlen(p->cert);
	int fd = api_temp_in_images(p->certpath, sizeof(p->certpath), "cert", err), ret = 0;

	if (fd < 0) {
		p->certpath[0] = '\0';
		return fd;
	}
	if (write(fd, p->cert, len) != (ssize_t)len)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot write the certificate");
	close(fd);
	return ret;
}

int api_image_ss_pull(struct json_object *source, char fp_out[IMG_FP_LEN + 1], struct lxf_err *err)
{
	struct ss_pull p = {.server = lxf_json_str(source, "server"),
			    .alias = lxf_json_str(source, "alias"),
			    .fp = lxf_json_str(source, "fingerprint"),
			    .cert = lxf_json_str(source, "certificate")};
	struct json_object *img = NULL, *row = NULL;
	const char *name = p.alias && p.alias[0] ? p.alias : p.fp ? p.fp : "";
	int ret;

	fp_out[0] = '\0';
	if (!p.server || strncmp(p.server, "https://", 8) != 0)
		return lxf_err_set(err, LXF_EINVAL, "source.server must be an https:// URL");
	if (!name[0])
		return lxf_err_set(err, LXF_EINVAL,
				   "The image source needs an alias or a fingerprint");
	ret = p.cert && p.cert[0] ? write_cert(&p, err) : 0;
	if (ret == 0)
		ret = ss_find(&p, &img, err);
	if (ret == 0) {
		snprintf(fp_out, IMG_FP_LEN + 1, "%s", lxf_json_str(img, "fingerprint"));
		/* Already here (a second launch): nothing to download. */
		if (db_row(&row, "Image", NULL,
			   "SELECT fingerprint FROM images WHERE fingerprint = ?", "s",
			   fp_out) != 0)
			ret = ss_download(&p, img, err);
	}
	if (ret < 0)
		lxf_err_prefix(err, "Failed getting image \"%s\" from %s", name, p.server);
	for (int i = 0; i < 2; i++)
		if (p.tmp[i][0])
			unlink(p.tmp[i]);
	if (p.certpath[0])
		unlink(p.certpath);
	json_object_put(img);
	json_object_put(row);
	return ret;
}
