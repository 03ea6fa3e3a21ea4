/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/storage-pools/default/volumes/custom/{vol}/snapshots[/{snap}] and
 * the "restore" form of PUT .../volumes/custom/{vol}, as LXD 5.0 answers
 * them: creates, renames, updates and deletes are operations; the rows
 * and files are store/volume_snap.c's (crash-safe by the journal's rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "auth.h"
#include "events.h"
#include "http.h"
#include "op.h"
#include "volume.h"

#define VOL_URL "/1.0/storage-pools/" VOLUME_POOL "/volumes/custom/"

struct vsnap_arg {
	char vol[64];
	char snap[64];
	char newsnap[64];
	char desc[1024];
	int64_t expires_at;
};

/* The custom volume of the path: LXD's errors for another pool or type. */
static int path_vol(struct http_req *req, const char **vol, struct lxf_err *err)
{
	const char *type = router_param(&req->match, "vtype");

	*vol = router_param(&req->match, "vol");
	if (strcmp(router_param(&req->match, "pool"), VOLUME_POOL) != 0)
		return lxf_err_set(err, LXF_ENOENT, "Storage pool not found");
	if (strcmp(type, "custom") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Invalid storage volume type \"%s\"", type);
	return 0;
}

static void snap_url(const char *vol, const char *snap, char *buf, size_t n)
{
	snprintf(buf, n, VOL_URL "%s/snapshots/%s", vol, snap);
}

/* StorageVolumeSnapshot; name as given (LXD lists "vol/snap", shows "snap"). */
static struct json_object *snap_json(struct json_object *row, const char *name)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	lxf_json_add_str(o, "name", name);
	lxf_json_add_str(o, "description", lxf_json_str(row, "description"));
	json_object_object_add(o, "config", lxf_json_copy(json_object_object_get(row, "config")));
	lxf_json_add_str(o, "content_type", "filesystem");
	api_add_time(o, row, "created_at");
	api_add_time(o, row, "expires_at");
	return o;
}

int api_volume_snaps_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *rows = NULL, *arr = NULL;
	const bool full = api_recursion(req) > 0;
	const char *vol = NULL;
	int ret = path_vol(req, &vol, err);

	if (ret == 0)
		ret = volume_snap_list(vol, &rows, err);
	if (ret < 0)
		return ret;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *v;
		char s[320];
		if (full) {
			snprintf(s, sizeof(s), "%s/%s", vol, lxf_json_str(row, "name"));
			v = snap_json(row, s);
		} else {
			snap_url(vol, lxf_json_str(row, "name"), s, sizeof(s));
			v = json_object_new_string(s);
		}
		if (!v || json_object_array_add(arr, v) < 0) {
			json_object_put(v);
			json_object_put(arr);
			arr = NULL;
		}
	}
	json_object_put(rows);
	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return reply_sync(req, arr, err);
}

/* Runs fn as an operation on the volume with a (taken). */
static int run_op(struct http_req *req, const char *desc, op_fn fn, struct vsnap_arg *a,
		  struct lxf_err *err)
{
	char url[160];
	struct op *op;
	int ret;

	snprintf(url, sizeof(url), VOL_URL "%s", a->vol);
	op = op_run(desc, "storage_volumes", url, fn, a, free, err);
	ret = op ? api_async(req, op, err) : -err->code;
	op_unref(op);
	return ret;
}

static int create_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct vsnap_arg *a = arg;
	char url[320];
	int ret;

	(void)op;
	(void)md;
	ret = volume_snap_create(a->vol, a->snap, a->desc, a->expires_at, err);
	if (ret == 0) {
		snap_url(a->vol, a->snap, url, sizeof(url));
		events_lifecycle("storage-volume-snapshot-created", url, NULL);
	}
	return ret;
}

/* Fills a from the path and the body's description (optional) and expires_at. */
static struct vsnap_arg *arg_new(const char *vol, const char *snap, struct json_object *body,
				 struct lxf_err *err)
{
	struct vsnap_arg *a = calloc(1, sizeof(*a));
	const char *desc = NULL;

	if (!a) {
		lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		return NULL;
	}
	snprintf(a->vol, sizeof(a->vol), "%s", vol);
	snprintf(a->snap, sizeof(a->snap), "%s", snap ? snap : "");
	if (body && (lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
		     api_get_expiry(body, &a->expires_at, err) < 0)) {
		free(a);
		return NULL;
	}
	snprintf(a->desc, sizeof(a->desc), "%s", desc ? desc : "");
	return a;
}

/* Without expires_at in the request: now + the volume's snapshots.expiry, if set. */
static int default_expiry(const char *vol, int64_t *out, struct lxf_err *err)
{
	struct json_object *row = NULL;
	const char *expr;
	int64_t secs = 0;
	int ret = volume_get(vol, &row, err);

	expr = ret == 0 ? lxf_json_str(json_object_object_get(row, "config"), "snapshots.expiry")
			: NULL;
	if (expr && expr[0] && (ret = auth_parse_expiry(expr, &secs, err)) == 0)
		*out = (int64_t)time(NULL) + secs;
	json_object_put(row);
	return ret;
}

/* POST .../snapshots: StorageVolumeSnapshotsPost; no name: the first free snap<N>. */
int api_volume_snaps_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *row = NULL;
	const char *vol = NULL, *snap = NULL;
	struct vsnap_arg *a = NULL;
	int ret = path_vol(req, &vol, err);

	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = volume_get(vol, &row, err);
	json_object_put(row);
	row = NULL;
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", false, &snap, err) < 0)
		return -LXF_EINVAL;
	if (snap && snap[0] && (ret = volume_snap_check_name(snap, err)) < 0)
		return ret;
	if (!(a = arg_new(vol, snap, body, err)))
		return -err->code;
	/* lxc sends null unless --no-expiry (Go's zero time: no expiry). */
	if (!json_object_object_get(body, "expires_at"))
		ret = default_expiry(vol, &a->expires_at, err);
	if (ret == 0 && !a->snap[0])
		ret = volume_snap_next_name(vol, a->snap, sizeof(a->snap), err);
	/* LXD answers a clash at once; a race with another create fails in the op. */
	if (ret == 0 && volume_snap_get(vol, a->snap, &row, NULL) == 0)
		ret = lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already in use", a->snap);
	json_object_put(row);
	if (ret < 0) {
		free(a);
		return ret;
	}
	return run_op(req, "Creating storage volume snapshot", create_op, a, err);
}

static struct json_object *etag_src(struct json_object *row)
{
	static const char *const keys[] = {"description"};
	struct json_object *o = json_object_new_object();

	if (o) {
		api_copy_fields(o, row, keys, 1);
		api_add_time(o, row, "expires_at");
	}
	return o;
}

int api_volume_snap_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL, *o, *src;
	const char *vol = NULL, *snap = router_param(&req->match, "snap");
	int ret = path_vol(req, &vol, err);

	if (ret == 0)
		ret = volume_snap_get(vol, snap, &row, err);
	if (ret < 0)
		return ret;
	o = snap_json(row, snap);
	src = etag_src(row);
	json_object_put(row);
	return reply_sync_etag_of(req, o, src, err);
}

static int update_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct vsnap_arg *a = arg;
	char url[320];
	int ret;

	(void)op;
	(void)md;
	ret = volume_snap_update(a->vol, a->snap, a->desc, a->expires_at, err);
	if (ret == 0) {
		snap_url(a->vol, a->snap, url, sizeof(url));
		events_lifecycle("storage-volume-snapshot-updated", url, NULL);
	}
	return ret;
}

/* PUT replaces description and expires_at (StorageVolumeSnapshotPut), PATCH keeps what is left out. */
int api_volume_snap_update(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *row = NULL, *src = NULL;
	const char *vol = NULL, *snap = router_param(&req->match, "snap");
	struct vsnap_arg *a = NULL;
	int ret = path_vol(req, &vol, err);

	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret == 0)
		ret = volume_snap_get(vol, snap, &row, err);
	if (ret < 0)
		return ret;
	src = etag_src(row);
	ret = reply_check_if_match(req, src, err);
	if (ret == 0 && !(a = arg_new(vol, snap, body, err)))
		ret = -err->code;
	if (ret < 0)
		goto out;
	if (api_is_patch(req) && !json_object_object_get_ex(body, "description", NULL))
		snprintf(a->desc, sizeof(a->desc), "%s", lxf_json_str(row, "description"));
	if (api_is_patch(req) && !json_object_object_get_ex(body, "expires_at", NULL))
		a->expires_at = json_object_get_int64(json_object_object_get(row, "expires_at"));
	ret = run_op(req, "Updating storage volume snapshot", update_op, a, err);
out:
	json_object_put(row);
	json_object_put(src);
	return ret;
}

static int rename_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct vsnap_arg *a = arg;
	char url[320];
	int ret;

	(void)op;
	(void)md;
	ret = volume_snap_rename(a->vol, a->snap, a->newsnap, err);
	if (ret == 0) {
		snap_url(a->vol, a->newsnap, url, sizeof(url));
		events_lifecycle("storage-volume-snapshot-renamed", url, NULL);
	}
	return ret;
}

/* POST .../snapshots/{snap}: a rename (StorageVolumeSnapshotPost); migration is refused. */
int api_volume_snap_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body = NULL, *row = NULL, *other = NULL;
	const char *vol = NULL, *snap = router_param(&req->match, "snap"), *newsnap = NULL;
	struct vsnap_arg *a = NULL;
	bool migration = false;
	int ret = path_vol(req, &vol, err);

	if (ret == 0)
		ret = api_body_object(req, &body, err);
	if (ret == 0 && (lxf_json_get_bool(body, "migration", false, &migration, err) < 0 ||
			 lxf_json_get_string(body, "name", true, &newsnap, err) < 0))
		ret = -LXF_EINVAL;
	if (ret == 0 && migration)
		ret = lxf_err_set(err, LXF_ENOTSUP,
				  "Storage volume snapshot \"%s/%s\": migration is not supported",
				  vol, snap);
	if (ret == 0)
		ret = volume_snap_check_name(newsnap, err);
	if (ret == 0)
		ret = volume_snap_get(vol, snap, &row, err);
	if (ret == 0 && volume_snap_get(vol, newsnap, &other, NULL) == 0)
		ret = lxf_err_set(err, LXF_EEXIST, "Snapshot \"%s\" already in use", newsnap);
	json_object_put(row);
	json_object_put(other);
	if (ret == 0 && !(a = arg_new(vol, snap, NULL, err)))
		ret = -err->code;
	if (ret < 0)
		return ret;
	snprintf(a->newsnap, sizeof(a->newsnap), "%s", newsnap);
	return run_op(req, "Renaming storage volume snapshot", rename_op, a, err);
}

static int delete_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct vsnap_arg *a = arg;
	char url[320];
	int ret;

	(void)op;
	(void)md;
	ret = volume_snap_delete(a->vol, a->snap, err);
	if (ret == 0) {
		snap_url(a->vol, a->snap, url, sizeof(url));
		events_lifecycle("storage-volume-snapshot-deleted", url, NULL);
	}
	return ret;
}

int api_volume_snap_delete(struct http_req *req, struct lxf_err *err)
{
	struct json_object *row = NULL;
	const char *vol = NULL, *snap = router_param(&req->match, "snap");
	struct vsnap_arg *a = NULL;
	int ret = path_vol(req, &vol, err);

	if (ret == 0)
		ret = volume_snap_get(vol, snap, &row, err);
	json_object_put(row);
	if (ret == 0 && !(a = arg_new(vol, snap, NULL, err)))
		ret = -err->code;
	if (ret < 0)
		return ret;
	return run_op(req, "Deleting storage volume snapshot", delete_op, a, err);
}

/* PUT .../volumes/custom/{vol} with "restore": synchronous, as in LXD 5.0. */
int api_volume_restore(struct http_req *req, const char *vol, const char *snap, struct lxf_err *err)
{
	struct json_object *ctx = NULL;
	char url[160];
	int ret;

	/* lxc sends the bare snapshot name; "vol/snap" is taken as well. */
	if (strchr(snap, '/')) {
		size_t n = strlen(vol);
		if (strncmp(snap, vol, n) != 0 || snap[n] != '/')
			return lxf_err_set(err, LXF_EINVAL,
					   "Snapshot \"%.100s\" is not a snapshot of volume \"%s\"",
					   snap, vol);
		snap += n + 1;
	}
	ret = volume_snap_check_name(snap, err);
	if (ret == 0)
		ret = volume_snap_restore(vol, snap, err);
	if (ret < 0)
		return ret;
	snprintf(url, sizeof(url), VOL_URL "%s", vol);
	ctx = json_object_new_object();
	if (ctx)
		lxf_json_add_str(ctx, "snapshot", snap);
	events_lifecycle("storage-volume-restored", url, ctx);
	json_object_put(ctx);
	return reply_sync(req, NULL, err);
}
