/* SPDX-License-Identifier: Apache-2.0 */
/* lxfd init: apply an LXD preseed (or the --auto one) through the REST API. */
#include "init.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "yaml.h"

#define REPLY_CAP (8u << 20)

struct reply {
	long status;
	struct json_object *md; /* metadata, new reference */
	char error[LXF_ERR_MSG_MAX];
};

static size_t gather(char *p, size_t size, size_t n, void *data)
{
	return lxf_buf_add(data, p, size * n) == 0 ? size * n : 0;
}

/* One request; a transport failure or an error envelope gives -1 with r->error. */
static int request(const char *sock, const char *method, const char *path, struct json_object *body,
		   struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	struct lxf_buf out = {0};
	struct json_object *resp = NULL;
	char url[1024];
	CURLcode cc;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!c) {
		snprintf(r->error, sizeof(r->error), "Out of memory");
		return -1;
	}
	lxf_buf_init(&out, REPLY_CAP);
	snprintf(url, sizeof(url), "http://lxd%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gather);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS,
				 json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "cannot reach lxfd on %s: %s", sock,
			 curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (lxf_json_parse(lxf_buf_str(&out), out.len, 0, &resp, NULL) < 0) {
		snprintf(r->error, sizeof(r->error), "HTTP %ld with a body that is not JSON",
			 r->status);
		goto out;
	}
	if (r->status >= 400) {
		const char *e = lxf_json_str(resp, "error");
		snprintf(r->error, sizeof(r->error), "%s", e && e[0] ? e : "request failed");
		goto out;
	}
	r->md = json_object_get(json_object_object_get(resp, "metadata"));
	ret = 0;
out:
	json_object_put(resp);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	lxf_buf_fini(&out);
	return ret;
}

/* LXD reads config and device values as strings: "true", 1500 become strings. */
static int stringify_map(struct json_object *m, const char *what, char *msg, size_t n)
{
	if (!m)
		return 0;
	if (!json_object_is_type(m, json_type_object)) {
		snprintf(msg, n, "%s must be a mapping", what);
		return -1;
	}
	json_object_object_foreach(m, k, v)
	{
		enum json_type t = json_object_get_type(v);
		if (t == json_type_object || t == json_type_array) {
			snprintf(msg, n, "%s: \"%s\" must be a single value", what, k);
			return -1;
		}
		if (t != json_type_string)
			json_object_object_add(
			    m, k,
			    json_object_new_string(
				t == json_type_null ? "" : json_object_get_string(v)));
	}
	return 0;
}

static int fix_devices(struct json_object *devs, const char *what, char *msg, size_t n)
{
	if (!devs)
		return 0;
	if (!json_object_is_type(devs, json_type_object)) {
		snprintf(msg, n, "%s: devices must be a mapping", what);
		return -1;
	}
	json_object_object_foreach(devs, k, d)
	{
		char w[300];
		snprintf(w, sizeof(w), "%s: device %s", what, k);
		if (stringify_map(d, w, msg, n) < 0)
			return -1;
	}
	return 0;
}

/* A new object with the listed members of src (present ones only). */
static struct json_object *pick(struct json_object *src, const char *const *keys)
{
	struct json_object *o = json_object_new_object();

	for (; o && *keys; keys++) {
		struct json_object *v = json_object_object_get(src, *keys);
		if (v)
			json_object_object_add(o, *keys, json_object_get(v));
	}
	return o;
}

/* Creates with POST, or updates with PUT when GET finds it. */
static int apply_object(const char *sock, const char *coll, struct json_object *item,
			const char *what, bool managed_check)
{
	static const char *const put_keys[] = {"description", "config", "devices", NULL};
	const char *name = lxf_json_str(item, "name");
	struct reply r;
	char path[512];
	int ret;

	if (!name || !name[0]) {
		fprintf(stderr, "lxfd init: %s: no name\n", what);
		return -1;
	}
	snprintf(path, sizeof(path), "/1.0/%s/%s", coll, name);
	ret = request(sock, "GET", path, NULL, &r);
	/* Pools cannot be edited: lxfd accepts its one pool being "created" again. */
	if ((ret < 0 && r.status == 404) || strcmp(coll, "storage-pools") == 0) {
		json_object_put(r.md);
		r.md = NULL;
		snprintf(path, sizeof(path), "/1.0/%s", coll);
		ret = request(sock, "POST", path, item, &r);
	} else if (ret == 0 && managed_check &&
		   !json_object_get_boolean(json_object_object_get(r.md, "managed"))) {
		snprintf(r.error, sizeof(r.error), "an unmanaged interface of that name exists");
		ret = -1;
	} else if (ret == 0) {
		struct json_object *body = pick(item, put_keys);
		json_object_put(r.md);
		ret = request(sock, "PUT", path, body, &r);
		json_object_put(body);
	}
	json_object_put(r.md);
	if (ret < 0)
		fprintf(stderr, "lxfd init: %s (%s): %s\n", what, name, r.error);
	return ret;
}

static int apply_list(const char *sock, struct json_object *list, const char *key)
{
	char what[64], msg[LXF_ERR_MSG_MAX];

	if (!list)
		return 0;
	if (!json_object_is_type(list, json_type_array)) {
		fprintf(stderr, "lxfd init: %s must be a list\n", key);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		snprintf(what, sizeof(what), "%s[%zu]", key, i);
		if (!json_object_is_type(item, json_type_object)) {
			fprintf(stderr, "lxfd init: %s must be a mapping\n", what);
			return -1;
		}
		if (stringify_map(json_object_object_get(item, "config"), what, msg, sizeof(msg)) <
			0 ||
		    fix_devices(json_object_object_get(item, "devices"), what, msg, sizeof(msg)) <
			0) {
			fprintf(stderr, "lxfd init: %s\n", msg);
			return -1;
		}
		if (apply_object(sock, strcmp(key, "storage_pools") == 0 ? "storage-pools" : key,
				 item, what, strcmp(key, "networks") == 0) < 0)
			return -1;
	}
	return 0;
}

static int apply_preseed(const char *sock, struct json_object *doc)
{
	static const char *const known[] = {"config", "networks", "storage_pools", "profiles"};
	struct json_object *config = json_object_object_get(doc, "config");
	char msg[LXF_ERR_MSG_MAX];
	struct reply r;

	if (!json_object_is_type(doc, json_type_object)) {
		fprintf(stderr, "lxfd init: the preseed must be a YAML mapping\n");
		return -1;
	}
	json_object_object_foreach(doc, k, v)
	{
		bool ok = false;
		(void)v;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok = ok || strcmp(k, known[i]) == 0;
		if (!ok) {
			fprintf(stderr, "lxfd init: preseed section \"%s\" is not supported\n", k);
			return -1;
		}
	}
	if (config) {
		struct json_object *body = json_object_new_object();
		int ret;
		if (stringify_map(config, "config", msg, sizeof(msg)) < 0) {
			fprintf(stderr, "lxfd init: %s\n", msg);
			json_object_put(body);
			return -1;
		}
		json_object_object_add(body, "config", json_object_get(config));
		ret = request(sock, "PATCH", "/1.0", body, &r);
		json_object_put(body);
		json_object_put(r.md);
		if (ret < 0) {
			fprintf(stderr, "lxfd init: config: %s\n", r.error);
			return -1;
		}
	}
	if (apply_list(sock, json_object_object_get(doc, "storage_pools"), "storage_pools") < 0 ||
	    apply_list(sock, json_object_object_get(doc, "networks"), "networks") < 0 ||
	    apply_list(sock, json_object_object_get(doc, "profiles"), "profiles") < 0)
		return -1;
	return 0;
}

static struct json_object *copy(struct json_object *o)
{
	struct json_object *c = NULL;

	if (o && json_object_deep_copy(o, &c, NULL) < 0)
		return NULL;
	return c;
}

/* --auto as a preseed: the default profile keeps what it has and gains root and eth0. */
static int auto_preseed(const char *sock, struct json_object **doc)
{
	static const char yaml[] = "networks:\n"
				   "- name: lxfbr0\n"
				   "  type: bridge\n"
				   "  config:\n"
				   "    ipv4.address: auto\n"
				   "    ipv4.nat: \"true\"\n"
				   "    ipv6.address: none\n"
				   "storage_pools:\n"
				   "- name: default\n"
				   "  driver: dir\n";
	struct json_object *prof = NULL, *devs, *d;
	struct lxf_err err;
	struct reply r;

	*doc = NULL;
	if (lxf_yaml_parse(yaml, sizeof(yaml) - 1, doc, &err) < 0)
		return -1;
	/* A bridge of that name that is already there (managed or not) is used as is. */
	if (request(sock, "GET", "/1.0/networks/lxfbr0", NULL, &r) == 0)
		json_object_object_del(*doc, "networks");
	json_object_put(r.md);
	if (request(sock, "GET", "/1.0/profiles/default", NULL, &r) < 0) {
		fprintf(stderr, "lxfd init: profiles (default): %s\n", r.error);
		return -1;
	}
	prof = json_object_new_object();
	lxf_json_add_str(prof, "name", "default");
	json_object_object_add(prof, "description",
			       json_object_get(json_object_object_get(r.md, "description")));
	json_object_object_add(prof, "config", copy(json_object_object_get(r.md, "config")));
	devs = copy(json_object_object_get(r.md, "devices"));
	json_object_put(r.md);
	if (!devs)
		devs = json_object_new_object();
	if (!json_object_object_get(devs, "root")) {
		d = json_object_new_object();
		lxf_json_add_str(d, "type", "disk");
		lxf_json_add_str(d, "path", "/");
		lxf_json_add_str(d, "pool", "default");
		json_object_object_add(devs, "root", d);
	}
	if (!json_object_object_get(devs, "eth0")) {
		d = json_object_new_object();
		lxf_json_add_str(d, "type", "nic");
		lxf_json_add_str(d, "nictype", "bridged");
		lxf_json_add_str(d, "parent", "lxfbr0");
		lxf_json_add_str(d, "name", "eth0");
		json_object_object_add(devs, "eth0", d);
	}
	json_object_object_add(prof, "devices", devs);
	{
		struct json_object *list = json_object_new_array();
		json_object_array_add(list, prof);
		json_object_object_add(*doc, "profiles", list);
	}
	return 0;
}

int lxfd_init_cmd(const char *sock, bool preseed)
{
	struct json_object *doc = NULL;
	struct lxf_buf in = {0};
	struct lxf_err err;
	char chunk[8192];
	ssize_t n;
	int ret = 1;

	lxf_err_clear(&err);
	lxf_buf_init(&in, LXF_YAML_MAX_SIZE);
	if (preseed) {
		while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0)
			if (lxf_buf_add(&in, chunk, (size_t)n) < 0) {
				fprintf(stderr, "lxfd init: the preseed is larger than %u bytes\n",
					LXF_YAML_MAX_SIZE);
				goto out;
			}
		if (n < 0) {
			perror("lxfd init: reading the preseed");
			goto out;
		}
		if (lxf_yaml_parse(lxf_buf_str(&in), in.len, &doc, &err) < 0) {
			fprintf(stderr, "lxfd init: bad preseed: %s\n", err.msg);
			goto out;
		}
		if (!doc) {
			fprintf(stderr, "lxfd init: the preseed is empty\n");
			goto out;
		}
	} else if (auto_preseed(sock, &doc) < 0) {
		goto out;
	}
	if (apply_preseed(sock, doc) == 0)
		ret = 0;
out:
	json_object_put(doc);
	lxf_buf_fini(&in);
	return ret;
}
