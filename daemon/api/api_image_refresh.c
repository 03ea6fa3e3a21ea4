/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cached images kept fresh and flushed, as LXD 5.0 does for images pulled
 * from an image server (a row in image_sources, api_image_import.c):
 * - a refresh reads the image's update_source again (the simplestreams
 *   catalogue and alias, api_image_ss.c); when the alias names another
 *   fingerprint now, that image is downloaded (cached, auto_update, the
 *   same source), the local aliases move to it and the old image is
 *   deleted, as LXD deletes it (instances keep their own rootfs);
 * - POST /1.0/images/{fp}/refresh runs it now (image_force_refresh,
 *   `lxc image refresh`), its operation's metadata {"refreshed": bool};
 * - the sweep (api_images_sweep, every minute from lxfd's housekeeping)
 *   refreshes every auto_update image each images.auto_update_interval
 *   hours (default 6, 0 off) and deletes cached images not used to make an
 *   instance for images.remote_cache_expiry days (default 10, 0 never;
 *   last_used_at, else uploaded_at).
 * Refreshes are serialised: two at once would fetch the same image twice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "image.h"
#include "json.h"
#include "log.h"
#include "op.h"
#include "router.h"

#define DEF_INTERVAL_HOURS 6
#define DEF_EXPIRY_DAYS    10

static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;

/* Image old's update_source pulled again; *refreshed when it moved. Lock held. */
static int refresh_locked(const char *old, bool *refreshed, struct lxf_err *err)
{
	struct json_object *row = NULL, *src = NULL;
	char fp[IMG_FP_LEN + 1] = "";
	const char *alias;
	int ret;

	*refreshed = false;
	ret = db_row(&row, "Image source", NULL,
		     "SELECT server, protocol, certificate, alias FROM image_sources"
		     " WHERE fingerprint = ?",
		     "s", old);
	alias = lxf_json_str(row, "alias");
	/* Not from an image server, or pinned to a fingerprint: nothing to follow. */
	if (ret < 0 || strcmp(lxf_json_str(row, "protocol"), "simplestreams") != 0 || !alias ||
	    !alias[0]) {
		ret = 0;
		goto out;
	}
	if (!(src = json_object_new_object())) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	lxf_json_add_str(src, "server", lxf_json_str(row, "server"));
	lxf_json_add_str(src, "alias", alias);
	lxf_json_add_str(src, "certificate", lxf_json_str(row, "certificate"));
	ret = api_image_ss_pull(src, fp, err);
	if (ret < 0 || strcmp(fp, old) == 0)
		goto out;
	ret = db_exec(NULL, NULL, err, "UPDATE image_aliases SET target = ? WHERE target = ?", "ss",
		      fp, old);
	if (ret == 0)
		ret = api_image_remove(old, err);
	if (ret == 0) {
		*refreshed = true;
		lxf_info("Image %.12s refreshed: now %.12s", old, fp);
		events_lifecycle_at("image-refreshed", "/1.0/images/", fp);
	}
out:
	json_object_put(row);
	json_object_put(src);
	return ret;
}

static int refresh_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	bool refreshed = false;
	int ret;

	(void)op;
	pthread_mutex_lock(&refresh_lock);
	ret = refresh_locked(arg, &refreshed, err);
	pthread_mutex_unlock(&refresh_lock);
	if (ret == 0 && (*md = json_object_new_object()))
		json_object_object_add(*md, "refreshed", json_object_new_boolean(refreshed));
	return ret;
}

int api_image_refresh(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	struct op *op = NULL;
	char url[128], *fp = NULL;
	int ret = db_image_resolve(router_param(&req->match, "fp"), &row, err);

	if (ret < 0)
		return ret;
	if (!(fp = strdup(lxf_json_str(row, "fingerprint")))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(url, sizeof(url), "/1.0/images/%s", fp);
	op = op_run("Refreshing image", "images", url, refresh_op, fp, free, err);
	fp = NULL;
	ret = op ? api_async(req, op, err) : -err->code;
out:
	free(fp);
	op_unref(op);
	json_object_put(row);
	return ret;
}

/* Server config key as a number, def when unset or bad. */
static long config_num(const char *key, long def)
{
	char v[32];
	char *end = NULL;
	long n;

	if (api_server_config_get(key, v, sizeof(v)) != 1)
		return def;
	n = strtol(v, &end, 10);
	return end && !*end && n >= 0 ? n : def;
}

/* Each row's "fingerprint" of query sql (one int64 argument t) through fn. */
static void each_image(const char *sql, int64_t t, void (*fn)(const char *fp))
{
	struct json_object *rows = NULL;
	struct lxf_err err;

	if (db_exec(&rows, NULL, &err, sql, "i", t) < 0) {
		lxf_warn("Image sweep: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		fn(lxf_json_str(json_object_array_get_idx(rows, i), "fingerprint"));
	json_object_put(rows);
}

static void sweep_refresh(const char *fp)
{
	struct lxf_err err;
	bool refreshed;

	if (refresh_locked(fp, &refreshed, &err) < 0)
		lxf_warn("Image %.12s not refreshed: %s", fp, err.msg);
}

static void sweep_expire(const char *fp)
{
	struct lxf_err err;

	if (api_image_remove(fp, &err) < 0)
		lxf_warn("Expired image %.12s not deleted: %s", fp, err.msg);
	else
		lxf_info("Expired image %.12s deleted", fp);
}

void api_images_sweep(void)
{
	static int64_t last_refresh;
	int64_t now = (int64_t)time(NULL);
	long hours = config_num("images.auto_update_interval", DEF_INTERVAL_HOURS),
	     days = config_num("images.remote_cache_expiry", DEF_EXPIRY_DAYS);

	pthread_mutex_lock(&refresh_lock);
	/* The first sweep only starts the clock: no downloads at start-up. */
	if (!last_refresh)
		last_refresh = now;
	if (hours > 0 && now - last_refresh >= hours * 3600) {
		last_refresh = now;
		each_image("SELECT i.fingerprint FROM images i JOIN image_sources s"
			   " ON s.fingerprint = i.fingerprint WHERE i.auto_update AND ? >= 0",
			   0, sweep_refresh);
	}
	if (days > 0)
		each_image("SELECT i.fingerprint FROM images i JOIN image_sources s"
			   " ON s.fingerprint = i.fingerprint"
			   " WHERE MAX(i.last_used_at, i.uploaded_at) < ?",
			   now - (int64_t)days * 86400, sweep_expire);
	pthread_mutex_unlock(&refresh_lock);
}
