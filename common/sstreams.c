/* SPDX-License-Identifier: Apache-2.0 */
/* Simplestreams index and products catalogues as LXD reads them (sstreams.h). */
#include "sstreams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

#define FP_LEN 64

static const char *const arch_names[][2] = {
    {"amd64", "x86_64"},    {"arm64", "aarch64"}, {"armhf", "armv7l"},    {"i386", "i686"},
    {"ppc64el", "ppc64le"}, {"s390x", "s390x"},   {"riscv64", "riscv64"},
};

const char *lxf_ss_arch(const char *s)
{
	for (size_t i = 0; s && i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (strcmp(s, arch_names[i][0]) == 0 || strcmp(s, arch_names[i][1]) == 0)
			return arch_names[i][1];
	return NULL;
}

int lxf_ss_index_paths(struct json_object *index, struct json_object **out, struct lxf_err *err)
{
	struct json_object *idx = json_object_object_get(index, "index"), *paths;

	*out = NULL;
	if (!json_object_is_type(idx, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "not a simplestreams index (no \"index\")");
	if (!(paths = json_object_new_array()))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	json_object_object_foreach(idx, name, e)
	{
		const char *dt = lxf_json_str(e, "datatype"), *path = lxf_json_str(e, "path");
		(void)name;
		if (dt && strcmp(dt, "image-downloads") == 0 && path && path[0])
			json_object_array_add(paths, json_object_new_string(path));
	}
	if (json_object_array_length(paths) == 0) {
		json_object_put(paths);
		return lxf_err_set(err, LXF_EINVAL,
				   "the simplestreams index lists no image catalogue");
	}
	*out = paths;
	return 0;
}

/* "20261207_00:00" -> seconds at that day's start (UTC); -1 when not a date. */
static int64_t serial_date(const char *name)
{
	struct tm tm = {0};
	char day[9];

	if (!name || strlen(name) < 8 || strspn(name, "0123456789") < 8)
		return -1;
	memcpy(day, name, 8);
	day[8] = '\0';
	if (!strptime(day, "%Y%m%d", &tm))
		return -1;
	return (int64_t)timegm(&tm);
}

static int64_t item_size(struct json_object *it)
{
	return json_object_get_int64(json_object_object_get(it, "size"));
}

static struct json_object *file_json(struct json_object *it)
{
	struct json_object *f = json_object_new_object();

	lxf_json_add_str(f, "path", lxf_json_str(it, "path"));
	lxf_json_add_str(f, "sha256", lxf_json_str(it, "sha256"));
	json_object_object_add(f, "size", json_object_new_int64(item_size(it)));
	return f;
}

static const char *str_or(struct json_object *o, const char *k)
{
	const char *v = lxf_json_str(o, k);

	return v ? v : "";
}

static void add_prop(struct json_object *props, const char *k, const char *v)
{
	if (v && v[0])
		lxf_json_add_str(props, k, v);
}

/* The Image of product prod's version ver (named serial) from meta and root (or NULL). */
static struct json_object *make_image(struct json_object *prod, const char *serial,
				      struct json_object *ver, struct json_object *meta,
				      struct json_object *root, int64_t date)
{
	const char *ftype = root ? lxf_json_str(root, "ftype") : NULL, *fp;
	const char *path = lxf_json_str(meta, "path"), *slash, *label = lxf_json_str(ver, "label");
	struct json_object *img, *props, *files, *names;
	char desc[512];

	if (!root)
		fp = lxf_json_str(meta, "sha256");
	else if (strcmp(ftype, "squashfs") == 0)
		fp = lxf_json_str(meta, "combined_squashfs_sha256");
	else if (!(fp = lxf_json_str(meta, "combined_rootxz_sha256")))
		fp = lxf_json_str(meta, "combined_sha256");
	if (!fp || strlen(fp) != FP_LEN || strspn(fp, "0123456789abcdef") != FP_LEN || !path ||
	    !path[0] || (root && !lxf_json_str(root, "path")))
		return NULL;
	slash = strrchr(path, '/');
	img = json_object_new_object();
	props = json_object_new_object();
	files = json_object_new_array();
	names = json_object_new_array();
	lxf_json_add_str(img, "fingerprint", fp);
	lxf_json_add_str(img, "architecture", lxf_ss_arch(lxf_json_str(prod, "arch")));
	json_object_object_add(
	    img, "size", json_object_new_int64(item_size(meta) + (root ? item_size(root) : 0)));
	lxf_json_add_str(img, "filename", slash ? slash + 1 : path);
	json_object_object_add(img, "created_at", json_object_new_int64(date));
	json_object_object_add(img, "uploaded_at", json_object_new_int64(date));
	json_object_object_add(img, "public", json_object_new_boolean(1));
	lxf_json_add_str(img, "type", "container");
	snprintf(desc, sizeof(desc), "%s %s %s%s%s%s (%s)", str_or(prod, "os"),
		 str_or(prod, "release_title"), str_or(prod, "arch"), label ? " (" : "",
		 label ? label : "", label ? ")" : "", serial);
	add_prop(props, "os", lxf_json_str(prod, "os"));
	add_prop(props, "release", lxf_json_str(prod, "release"));
	add_prop(props, "version", lxf_json_str(prod, "version"));
	add_prop(props, "architecture", lxf_json_str(prod, "arch"));
	add_prop(props, "label", label);
	add_prop(props, "serial", serial);
	add_prop(props, "description", desc);
	add_prop(props, "variant", lxf_json_str(prod, "variant"));
	add_prop(props, "type", root ? ftype : "tar.gz");
	json_object_object_add(img, "properties", props);
	json_object_array_add(files, file_json(meta));
	if (root)
		json_object_array_add(files, file_json(root));
	json_object_object_add(img, "files", files);
	/* The product's aliases, given out by lxf_ss_images once sorted. */
	for (const char *a = lxf_json_str(prod, "aliases"); a && *a;) {
		size_t n = strcspn(a, ",");
		if (n > 0)
			json_object_array_add(names, json_object_new_string_len(a, (int)n));
		a += n + (a[n] == ',');
	}
	json_object_object_add(img, "product_aliases", names);
	return img;
}

/* The images of one version: unified items, and each metadata item with each rootfs. */
static void version_images(struct json_object *prod, const char *serial, struct json_object *ver,
			   struct json_object *out)
{
	struct json_object *items = json_object_object_get(ver, "items"), *img;
	int64_t date = serial_date(serial);

	if (date < 0 || !json_object_is_type(items, json_type_object))
		return;
	json_object_object_foreach(items, k1, it)
	{
		const char *ft = lxf_json_str(it, "ftype");
		(void)k1;
		if (ft && strcmp(ft, "lxd_combined.tar.gz") == 0 &&
		    (img = make_image(prod, serial, ver, it, NULL, date)))
			json_object_array_add(out, img);
		if (!ft || strcmp(ft, "lxd.tar.xz") != 0)
			continue;
		json_object_object_foreach(items, k2, root)
		{
			const char *rt = lxf_json_str(root, "ftype");
			(void)k2;
			if (rt && (!strcmp(rt, "squashfs") || !strcmp(rt, "root.tar.xz")) &&
			    (img = make_image(prod, serial, ver, it, root, date)))
				json_object_array_add(out, img);
		}
	}
}

static int type_rank(struct json_object *img)
{
	const char *t = lxf_json_str(json_object_object_get(img, "properties"), "type");

	return !t ? 0 : !strcmp(t, "squashfs") ? 2 : !strcmp(t, "root.tar.xz") ? 1 : 0;
}

/* Newest serial first, then squashfs, tarball, unified; then by fingerprint (stable). */
static int image_cmp(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a;
	struct json_object *y = *(struct json_object *const *)b;
	const char *sx = lxf_json_str(json_object_object_get(x, "properties"), "serial");
	const char *sy = lxf_json_str(json_object_object_get(y, "properties"), "serial");
	int c = strcmp(sy ? sy : "", sx ? sx : "");

	if (c)
		return c;
	if (type_rank(x) != type_rank(y))
		return type_rank(y) - type_rank(x);
	return strcmp(lxf_json_str(x, "fingerprint"), lxf_json_str(y, "fingerprint"));
}

/* Gives each product alias (and ALIAS/ARCH) to the first image that may have it. */
static void apply_aliases(struct json_object *images, const char *local_arch)
{
	struct json_object *taken = json_object_new_object();

	for (size_t i = 0; i < json_object_array_length(images); i++) {
		struct json_object *img = json_object_array_get_idx(images, i);
		struct json_object *names = json_object_object_get(img, "product_aliases");
		struct json_object *list = json_object_new_array();
		const char *arch = lxf_json_str(img, "architecture");
		const char *ssarch =
		    lxf_json_str(json_object_object_get(img, "properties"), "architecture");

		for (size_t k = 0; k < json_object_array_length(names); k++) {
			const char *n = json_object_get_string(json_object_array_get_idx(names, k));
			char medium[512];
			const char *both[2] = {local_arch && !strcmp(arch, local_arch) ? n : NULL,
					       medium};

			snprintf(medium, sizeof(medium), "%s/%s", n, ssarch ? ssarch : arch);
			for (int j = 0; j < 2; j++) {
				struct json_object *al;
				if (!both[j] || json_object_object_get_ex(taken, both[j], NULL))
					continue;
				json_object_object_add(taken, both[j], NULL);
				al = json_object_new_object();
				lxf_json_add_str(al, "name", both[j]);
				lxf_json_add_str(al, "description", "");
				json_object_array_add(list, al);
			}
		}
		json_object_object_del(img, "product_aliases");
		json_object_object_add(img, "aliases", list);
	}
	json_object_put(taken);
}

int lxf_ss_images(struct json_object *cat, const char *local_arch, struct json_object **out,
		  struct lxf_err *err)
{
	struct json_object *prods = json_object_object_get(cat, "products"), *images;

	*out = NULL;
	if (!json_object_is_type(prods, json_type_object))
		return lxf_err_set(err, LXF_EINVAL,
				   "not a simplestreams products catalogue (no \"products\")");
	if (!(images = json_object_new_array()))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	json_object_object_foreach(prods, pname, prod)
	{
		struct json_object *vers = json_object_object_get(prod, "versions");
		(void)pname;
		if (!lxf_ss_arch(lxf_json_str(prod, "arch")) ||
		    !json_object_is_type(vers, json_type_object))
			continue;
		json_object_object_foreach(vers, serial, ver)
		{
			version_images(prod, serial, ver, images);
		}
	}
	json_object_array_sort(images, image_cmp);
	apply_aliases(images, local_arch);
	*out = images;
	return 0;
}

struct json_object *lxf_ss_find(struct json_object *images, const char *alias, const char *fp)
{
	for (size_t i = 0; i < json_object_array_length(images); i++) {
		struct json_object *img = json_object_array_get_idx(images, i);
		struct json_object *als = json_object_object_get(img, "aliases");

		if (!alias || !alias[0]) {
			if (fp && fp[0] &&
			    !strncmp(lxf_json_str(img, "fingerprint"), fp, strlen(fp)))
				return img;
			continue;
		}
		for (size_t k = 0; k < json_object_array_length(als); k++)
			if (!strcmp(lxf_json_str(json_object_array_get_idx(als, k), "name"), alias))
				return img;
	}
	return NULL;
}
