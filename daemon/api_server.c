/* SPDX-License-Identifier: Apache-2.0 */
/* GET /1.0, the storage pool, shutdown and start-up housekeeping. */
#include <ifaddrs.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "buf.h"
#include "db.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "op.h"

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
	return api_sync(req, arr, err);
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

int api_server_get(struct http_req *req, struct lxf_err *err)
{
	static const char *const extensions[] = {"instances", "container_full",
						 "instance_create_start", "etag"};
	struct json_object *o = json_object_new_object(), *env = json_object_new_object();
	struct json_object *ext = json_object_new_array();
	struct utsname u;
	char host[256], osname[128], osver[64];

	if (!o || !env || !ext) {
		json_object_put(o);
		json_object_put(env);
		json_object_put(ext);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	os_release(osname, sizeof(osname), osver, sizeof(osver));
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		json_object_array_add(ext, json_object_new_string(extensions[i]));
	json_object_object_add(o, "api_extensions", ext);
	lxf_json_add_str(o, "api_status", "stable");
	lxf_json_add_str(o, "api_version", "1.0");
	lxf_json_add_str(o, "auth", "trusted");
	json_object_object_add(o, "auth_methods", str_array("tls"));
	json_object_object_add(o, "public", json_object_new_boolean(0));
	json_object_object_add(o, "config", json_object_new_object());
	json_object_object_add(env, "addresses", json_object_new_array());
	json_object_object_add(env, "architectures",
			       str_array(u.machine[0] ? u.machine : "x86_64"));
	lxf_json_add_str(env, "certificate", "");
	lxf_json_add_str(env, "certificate_fingerprint", "");
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
	return api_sync(req, o, err);
}

static struct json_object *pool_json(void)
{
	struct json_object *o = json_object_new_object(), *cfg = json_object_new_object();
	struct json_object *rows = NULL, *used = json_object_new_array();
	char path[PATH_MAX + 16];

	if (!o || !cfg || !used) {
		json_object_put(o);
		json_object_put(cfg);
		json_object_put(used);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/containers", lxfd_conf.dir);
	lxf_json_add_str(cfg, "source", path);
	if (db_exec(&rows, NULL, NULL,
		    "SELECT name FROM instances WHERE creating = 0 ORDER BY name", "") == 0) {
		for (size_t i = 0; i < json_object_array_length(rows); i++) {
			char url[128];
			api_instance_url(lxf_json_str(json_object_array_get_idx(rows, i), "name"),
					 url, sizeof(url));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
	json_object_put(rows);
	lxf_json_add_str(o, "name", "default");
	lxf_json_add_str(o, "driver", "dir");
	lxf_json_add_str(o, "description", "");
	json_object_object_add(o, "config", cfg);
	json_object_object_add(o, "used_by", used);
	lxf_json_add_str(o, "status", "Created");
	json_object_object_add(o, "locations", str_array("none"));
	return o;
}

int api_pools_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *arr = json_object_new_array();

	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (api_recursion(req) > 0)
		json_object_array_add(arr, pool_json());
	else
		json_object_array_add(arr, json_object_new_string("/1.0/storage-pools/default"));
	return api_sync(req, arr, err);
}

int api_pool_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *o;

	if (strcmp(router_param(&req->match, "pool"), "default") != 0)
		return lxf_err_set(err, LXF_ENOENT, "Storage pool not found");
	o = pool_json();
	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return api_sync(req, o, err);
}

void api_stop_all(int timeout)
{
	struct json_object *rows = NULL;
	struct lxf_err err;

	if (db_exec(&rows, NULL, &err, "SELECT name FROM instances WHERE creating = 0", "") < 0) {
		lxf_error("Cannot list instances to stop: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		const char *st = backend_status(name);
		if (!st || strcmp(st, "Stopped") == 0)
			continue;
		lxf_info("Stopping %s", name);
		bool frozen = strcmp(st, "Frozen") == 0;
		if (frozen || backend_stop(name, false, timeout, &err) < 0) {
			if (!frozen)
				lxf_warn("Clean stop of %s failed (%s), killing it", name, err.msg);
			if (backend_stop(name, true, -1, &err) < 0)
				lxf_error("Cannot stop %s: %s", name, err.msg);
		}
	}
	json_object_put(rows);
}

static void shutdown_job(void *arg)
{
	int timeout = (int)(intptr_t)arg;

	lxf_info("Shutdown requested: stopping all instances");
	api_stop_all(timeout);
	lxfd_conf.quit = 1;
	http_wake();
}

int api_internal_shutdown(struct http_req *req, struct lxf_err *err)
{
	char buf[16];
	const char *t = http_query(req, "timeout", buf, sizeof(buf));
	long timeout = t ? strtol(t, NULL, 10) : 30;
	int ret;

	if (timeout <= 0 || timeout > 86400)
		timeout = 30;
	ret = op_submit(POOL_OP, shutdown_job, (void *)(intptr_t)timeout, err);
	if (ret < 0)
		return ret;
	return api_sync(req, NULL, err);
}

/* True when a network interface of that name exists in our namespace. */
static bool have_interface(const char *name)
{
	return if_nametoindex(name) != 0;
}

static int ensure_default_profile(struct lxf_err *err)
{
	struct json_object *devs = json_object_new_object(), *root = json_object_new_object();
	int changes = 0, ret;

	if (!devs || !root) {
		json_object_put(devs);
		json_object_put(root);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	lxf_json_add_str(root, "type", "disk");
	lxf_json_add_str(root, "path", "/");
	lxf_json_add_str(root, "pool", "default");
	json_object_object_add(devs, "root", root);
	if (have_interface("lxfbr0")) {
		struct json_object *eth = json_object_new_object();
		lxf_json_add_str(eth, "type", "nic");
		lxf_json_add_str(eth, "nictype", "bridged");
		lxf_json_add_str(eth, "parent", "lxfbr0");
		lxf_json_add_str(eth, "name", "eth0");
		json_object_object_add(devs, "eth0", eth);
	}
	ret = db_exec(NULL, &changes, err,
		      "INSERT OR IGNORE INTO profiles (name, description, config, devices)"
		      " VALUES ('default', 'Default LXD profile', '{}', ?)",
		      "j", devs);
	if (ret == 0 && changes)
		lxf_info("Created the default profile%s",
			 json_object_object_get(devs, "eth0") ? " (eth0 on lxfbr0)" : "");
	json_object_put(devs);
	return ret;
}

/* Instances whose creation was cut short (crash, kill) are removed entirely. */
static int cleanup_creating(struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = db_exec(&rows, NULL, err, "SELECT name FROM instances WHERE creating = 1", "");

	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		char path[PATH_MAX + 80];
		struct lxf_err e;
		lxf_warn("Removing half-created instance %s", name);
		if (backend_status(name) && backend_delete(name, &e) < 0)
			lxf_warn("Cannot delete %s: %s", name, e.msg);
		snprintf(path, sizeof(path), "%s/containers/%s", lxfd_conf.dir, name);
		if (lxf_rm_rf(path, &e) < 0)
			lxf_warn("Cannot remove %s: %s", path, e.msg);
		ret = db_exec(NULL, NULL, err, "DELETE FROM instances WHERE name = ?", "s", name);
	}
	json_object_put(rows);
	return ret;
}

int api_server_init(struct lxf_err *err)
{
	int ret = ensure_default_profile(err);

	if (ret == 0)
		ret = cleanup_creating(err);
	return ret;
}
