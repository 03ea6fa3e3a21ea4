/* SPDX-License-Identifier: Apache-2.0 */
/* GET /1.0, the server config, the storage pool and /internal/shutdown. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "backend.h"
#include "buf.h"
#include "conns.h"
#include "db.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "op.h"
#include "tls.h"

#ifndef LXF_LXC_VERSION
#define LXF_LXC_VERSION "unknown"
#endif

struct lxfd_conf lxfd_conf;

int api_root_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *arr = json_object_new_array();

	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	json_object_array_add(arr, json_object_new_string("/1.0"));
	return reply_sync(req, arr, err);
}

/* NAME and VERSION_ID of /etc/os-release, as LXD reports them. */
static void os_release(char *name, size_t nn, char *version, size_t vn)
{
	struct lxf_buf b = {0};

	snprintf(name, nn, "Linux");
	version[0] = '\0';
	if (lxf_file_read("/etc/os-release", 65536, &b, NULL) < 0)
		goto out;
	for (char *line = b.data, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		size_t len = strlen(eq);
		if (len >= 2 && eq[0] == '"' && eq[len - 1] == '"') {
			eq[len - 1] = '\0';
			eq++;
		}
		if (strcmp(line, "NAME") == 0)
			snprintf(name, nn, "%s", eq);
		else if (strcmp(line, "VERSION_ID") == 0)
			snprintf(version, vn, "%s", eq);
	}
out:
	lxf_buf_fini(&b);
}

static struct json_object *str_array(const char *s)
{
	struct json_object *a = json_object_new_array();

	if (a && s)
		json_object_array_add(a, json_object_new_string(s));
	return a;
}

/* ---- server config ---- */

/*
 * The server config keys lxfd knows. A key is stored only when its check
 * passes; refused keys have a check that always explains why.
 */
struct srv_key {
	const char *key;
	int (*check)(const char *key, const char *val, struct lxf_err *err);
};

/* LXD's forms: HOST, HOST:PORT, :PORT, [V6], [V6]:PORT (port 8443 by default). */
static int check_https(const char *key, const char *val, struct lxf_err *err)
{
	char host[256];
	int port;

	if (http_https_parse(val, host, sizeof(host), &port, err) < 0) {
		lxf_err_prefix(err, "%s", key);
		return -LXF_EINVAL;
	}
	return 0;
}

/* Any password; it is stored hashed (server_update). */
static int check_any(const char *key, const char *val, struct lxf_err *err)
{
	(void)key;
	(void)val;
	(void)err;
	return 0;
}

static int check_expiry(const char *key, const char *val, struct lxf_err *err)
{
	int64_t secs;

	if (auth_parse_expiry(val, &secs, err) < 0) {
		lxf_err_prefix(err, "%s", key);
		return -LXF_EINVAL;
	}
	return 0;
}

static int check_uint(const char *key, const char *val, long max, struct lxf_err *err)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (!isdigit((unsigned char)val[0]) || *end || errno || v > max)
		return lxf_err_set(err, LXF_EINVAL, "%s: \"%s\" is not a number from 0 to %ld", key,
				   val, max);
	return 0;
}

static int check_minutes(const char *key, const char *val, struct lxf_err *err)
{
	return check_uint(key, val, 1440, err);
}

static int check_hours(const char *key, const char *val, struct lxf_err *err)
{
	return check_uint(key, val, 8760, err);
}

static int check_days(const char *key, const char *val, struct lxf_err *err)
{
	return check_uint(key, val, 36500, err);
}

static const struct srv_key srv_keys[] = {
    {"core.https_address", check_https},          {"core.trust_password", check_any},
    {"core.remote_token_expiry", check_expiry},   {"core.shutdown_timeout", check_minutes},
    {"images.auto_update_interval", check_hours}, {"images.remote_cache_expiry", check_days},
};

static const struct srv_key *srv_key_find(const char *key)
{
	for (size_t i = 0; i < sizeof(srv_keys) / sizeof(srv_keys[0]); i++)
		if (strcmp(srv_keys[i].key, key) == 0)
			return &srv_keys[i];
	return NULL;
}

/*
 * The stored config as a string map (new reference); only known keys.
 * For display, core.trust_password (a hash) shows as true, as in LXD.
 */
static int server_config(struct json_object **out, bool display, struct lxf_err *err)
{
	struct json_object *rows = NULL, *cfg = NULL;
	int ret;

	*out = NULL;
	ret = db_exec(&rows, NULL, err, "SELECT key, value FROM config ORDER BY key", "");
	if (ret < 0)
		return ret;
	cfg = json_object_new_object();
	if (!cfg) {
		json_object_put(rows);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		const char *k = lxf_json_str(r, "key");
		if (k && srv_key_find(k) && display && strcmp(k, "core.trust_password") == 0)
			json_object_object_add(cfg, k, json_object_new_boolean(1));
		else if (k && srv_key_find(k))
			lxf_json_add_str(cfg, k, lxf_json_str(r, "value"));
	}
	json_object_put(rows);
	*out = cfg;
	return 0;
}

int api_server_config_get(const char *key, char *buf, size_t n)
{
	char *v = NULL;
	int ret = db_config_get(key, &v, NULL);

	if (ret == 0 && v && v[0]) {
		snprintf(buf, n, "%s", v);
		ret = 1;
	}
	free(v);
	return ret;
}

/* The value of key in the stored config (raw) or "" (borrowed from cfg). */
static const char *cfg_str(struct json_object *cfg, const char *key)
{
	const char *v = lxf_json_str(cfg, key);

	return v ? v : "";
}

/*
 * Stores next, first moving the HTTPS listener when core.https_address
 * changes: a bind error refuses the whole update, and a failed write puts
 * the old listener back.
 */
static int server_store(struct json_object *cur, struct json_object *next, struct lxf_err *err)
{
	const char *old_https = cfg_str(cur, "core.https_address");
	const char *new_https = cfg_str(next, "core.https_address");
	bool move = strcmp(old_https, new_https) != 0;
	int ret = 0;

	if (move && (ret = http_https_set(new_https, err)) < 0)
		return ret;
	ret = db_begin(err);
	for (size_t i = 0; ret == 0 && i < sizeof(srv_keys) / sizeof(srv_keys[0]); i++) {
		const char *val = lxf_json_str(next, srv_keys[i].key);
		if (val)
			ret = db_config_set(srv_keys[i].key, val, err);
		else
			ret = db_exec(NULL, NULL, err, "DELETE FROM config WHERE key = ?", "s",
				      srv_keys[i].key);
		if (ret < 0)
			db_rollback();
	}
	if (ret == 0)
		ret = db_commit(err);
	if (ret < 0 && move) {
		struct lxf_err e2;
		if (http_https_set(old_https, &e2) < 0)
			lxf_error("Cannot restore the HTTPS listener on %s: %s", old_https, e2.msg);
	}
	return ret;
}

/*
 * PUT replaces the whole map (absent keys are unset), PATCH merges; an
 * empty value unsets. Every key is checked before anything is written.
 * core.trust_password is stored hashed; the true that GET shows for it
 * (sent back by `lxc config edit`) keeps the stored one.
 */
int api_server_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	/* One update at a time: the listener and the stored address must agree. */
	static pthread_mutex_t update_lock = PTHREAD_MUTEX_INITIALIZER;
	struct json_object *body, *config = NULL, *cur = NULL, *shown = NULL, *next = NULL;
	int ret;

	pthread_mutex_lock(&update_lock);
	ret = api_body_object(req, &body, err);
	if (ret == 0 && lxf_json_get_object(body, "config", false, &config, err) < 0)
		ret = -LXF_EINVAL;
	if (ret == 0)
		ret = server_config(&cur, false, err);
	if (ret == 0)
		ret = server_config(&shown, true, err);
	if (ret == 0)
		ret = reply_check_if_match(req, shown, err);
	if (ret < 0)
		goto out;
	next = patch ? lxf_json_copy(cur) : json_object_new_object();
	if (!next) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (config) {
		json_object_object_foreach(config, k, v)
		{
			const struct srv_key *sk = srv_key_find(k);
			bool pw = strcmp(k, "core.trust_password") == 0;
			const char *val;
			char *hash = NULL;
			if (!sk) {
				ret = lxf_err_set(err, LXF_EINVAL,
						  "Unknown server config key \"%s\"", k);
				goto out;
			}
			if (pw && json_object_is_type(v, json_type_boolean) &&
			    json_object_get_boolean(v)) {
				if (cfg_str(cur, k)[0])
					lxf_json_add_str(next, k, cfg_str(cur, k));
				continue;
			}
			if (!json_object_is_type(v, json_type_string)) {
				ret = lxf_err_set(err, LXF_EINVAL, "config: '%s' must be a string",
						  k);
				goto out;
			}
			val = json_object_get_string(v);
			if (val[0] && (ret = sk->check(k, val, err)) < 0)
				goto out;
			if (val[0] && pw && (ret = auth_password_hash(val, &hash, err)) < 0)
				goto out;
			if (val[0])
				lxf_json_add_str(next, k, hash ? hash : val);
			else
				json_object_object_del(next, k);
			free(hash);
		}
	}
	ret = server_store(cur, next, err);
	if (ret == 0) {
		lxf_info("Server config updated");
		ret = reply_sync(req, NULL, err);
	}
out:
	pthread_mutex_unlock(&update_lock);
	json_object_put(cur);
	json_object_put(shown);
	json_object_put(next);
	return ret;
}

/* GET /1.0's api_extensions: the YES rows of extensions.def, in its order. */
#define LXF_EXT(name, status, why) LXF_EXT_##status(name)
#define LXF_EXT_YES(name)          #name,
#define LXF_EXT_NO(name)
#define LXF_EXT_NA(name)
static const char *const extensions[] = {
#include "extensions.def"
};
#undef LXF_EXT
#undef LXF_EXT_YES
#undef LXF_EXT_NO
#undef LXF_EXT_NA

const char *const *api_extensions(size_t *n)
{
	*n = sizeof(extensions) / sizeof(extensions[0]);
	return extensions;
}

int api_server_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *o = json_object_new_object(), *env = json_object_new_object();
	struct json_object *ext = json_object_new_array(), *cfg = NULL;
	struct utsname u;
	char host[256], osname[128], osver[64];
	int ret;

	/* Untrusted clients learn only what LXD tells them (ServerUntrusted). */
	ret = req->trusted ? server_config(&cfg, true, err) : 0;
	if (ret == 0 && (!o || !env || !ext))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret < 0) {
		json_object_put(o);
		json_object_put(env);
		json_object_put(ext);
		json_object_put(cfg);
		return ret;
	}
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		json_object_array_add(ext, json_object_new_string(extensions[i]));
	json_object_object_add(o, "api_extensions", ext);
	lxf_json_add_str(o, "api_status", "stable");
	lxf_json_add_str(o, "api_version", "1.0");
	lxf_json_add_str(o, "auth", req->trusted ? "trusted" : "untrusted");
	json_object_object_add(o, "public", json_object_new_boolean(0));
	json_object_object_add(o, "auth_methods", str_array("tls"));
	if (!req->trusted) {
		json_object_put(env);
		return reply_sync(req, o, err);
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	os_release(osname, sizeof(osname), osver, sizeof(osver));
	json_object_object_add(env, "addresses",
			       http_https_addresses(lxf_json_str(cfg, "core.https_address")));
	/* A restricted client does not see the server's config (LXD hides it too). */
	json_object_object_add(o, "config",
			       req->level == AUTH_FULL ? cfg : json_object_new_object());
	json_object_object_add(env, "architectures",
			       str_array(u.machine[0] ? u.machine : "x86_64"));
	lxf_json_add_str(env, "certificate", tls_server_cert_pem());
	lxf_json_add_str(env, "certificate_fingerprint", tls_server_fingerprint());
	lxf_json_add_str(env, "driver", "lxc");
	lxf_json_add_str(env, "driver_version", LXF_LXC_VERSION);
	lxf_json_add_str(env, "firewall", "");
	lxf_json_add_str(env, "kernel", u.sysname);
	lxf_json_add_str(env, "kernel_architecture", u.machine);
	lxf_json_add_str(env, "kernel_version", u.release);
	lxf_json_add_str(env, "os_name", osname);
	lxf_json_add_str(env, "os_version", osver);
	lxf_json_add_str(env, "project", "default");
	lxf_json_add_str(env, "server", "lxfd");
	json_object_object_add(env, "server_clustered", json_object_new_boolean(0));
	lxf_json_add_str(env, "server_name", host);
	json_object_object_add(env, "server_pid", json_object_new_int64(getpid()));
	lxf_json_add_str(env, "server_version", LXF_VERSION);
	lxf_json_add_str(env, "storage", "dir");
	lxf_json_add_str(env, "storage_version", "1");
	json_object_object_add(o, "environment", env);
	ret = reply_sync_etag(req, o, cfg, err);
	if (req->level != AUTH_FULL)
		json_object_put(cfg); /* not handed to o above */
	return ret;
}

static void shutdown_job(void *arg)
{
	int timeout = (int)(intptr_t)arg;

	lxf_info("Shutdown requested: stopping all instances");
	lxfd_conf.stop_all(timeout);
	lxfd_conf.quit = 1;
	http_wake();
}

int api_internal_shutdown(struct http_req *req, struct lxf_err *err)
{
	char buf[16];
	const char *t = http_query(req, "timeout", buf, sizeof(buf));
	char conf[32];
	long timeout = t ? strtol(t, NULL, 10) : 30;
	int ret;

	/* core.shutdown_timeout (minutes) is the default when the caller names none. */
	if (!t && api_server_config_get("core.shutdown_timeout", conf, sizeof(conf)) == 1)
		timeout = strtol(conf, NULL, 10) * 60;

	if (timeout <= 0 || timeout > 86400)
		timeout = 30;
	ret = pool_submit(POOL_OP, shutdown_job, (void *)(intptr_t)timeout, err);
	if (ret < 0)
		return ret;
	return reply_sync(req, NULL, err);
}

/* What conns.c refused and closed, and the limits: an admin's view (lxfd(8)). */
int api_internal_connections(struct http_req *req, struct lxf_err *err)
{
	struct json_object *md = conns_stats_json();

	if (!md)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return reply_sync(req, md, err);
}
