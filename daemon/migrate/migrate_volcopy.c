/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /1.0/storage-pools/default/volumes/custom with source {"type":
 * "copy", "pool": "default", "name": SRC, "volume_only": B}: a copy of a
 * custom volume on this host (LXD's createStoragePoolVolumeFromCopy; `lxc
 * storage volume copy h1:default/v1 h1:default/v2`), as an async
 * operation, its snapshots too unless volume_only. The copy is made behind
 * its creating row (volume_create_begin) with cp -a (owners, modes,
 * xattrs: one host, one id map), and shown only once whole; the source is
 * only read.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "events.h"
#include "file.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "migrate_int.h"
#include "op.h"
#include "volume.h"

struct vcopy {
	char name[64], src[64];
	bool volume_only; /* its snapshots stay behind */
};

static int vcopy_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct vcopy *a = arg;
	struct json_object *snaps = NULL;
	char from[PATH_MAX], to[PATH_MAX], url[160];
	size_t n;
	int ret;

	(void)op;
	(void)md;
	ret = backend_volume_path(a->name, "root", to, sizeof(to), err);
	if (ret == 0 && !a->volume_only)
		ret = volume_snap_list(a->src, &snaps, err);
	/* Each snapshot goes through the new volume's root (backend_volsnap_make
	 * copies a volume's root), then the volume itself. */
	n = snaps ? json_object_array_length(snaps) : 0;
	for (size_t i = 0; ret == 0 && i <= n; i++) {
		struct json_object *r = i < n ? json_object_array_get_idx(snaps, i) : NULL;
		const char *snap = r ? lxf_json_str(r, "name") : NULL;
		int64_t created = 0, expires = 0;

		ret = snap ? backend_volsnap_path(a->src, snap, "root", from, sizeof(from), err)
			   : backend_volume_path(a->src, "root", from, sizeof(from), err);
		/* backend_copy_tree makes its destination: the root there goes first. */
		if (ret == 0)
			ret = lxf_rm_rf(to, err);
		if (ret == 0)
			ret = backend_copy_tree(from, to, err);
		if (ret < 0 || !snap)
			continue;
		ret = backend_volsnap_make(a->name, snap, err);
		(void)lxf_json_get_int(r, "created_at", false, &created, NULL);
		(void)lxf_json_get_int(r, "expires_at", false, &expires, NULL);
		if (ret == 0)
			ret = volume_snap_adopt(a->name, snap, lxf_json_str(r, "description"),
						json_object_object_get(r, "config"), created,
						expires, err);
	}
	json_object_put(snaps);
	if (ret < 0)
		lxf_err_prefix(err, "Copying storage volume \"%s\" to \"%s\"", a->src, a->name);
	if (volume_create_end(a->name, ret == 0, ret == 0 ? err : NULL) < 0 || ret < 0)
		return ret < 0 ? ret : -err->code;
	lxf_info("Copied storage volume %s to %s", a->src, a->name);
	snprintf(url, sizeof(url), "/1.0/storage-pools/" VOLUME_POOL "/volumes/custom/%s", a->name);
	events_lifecycle("storage-volume-created", url, NULL);
	return 0;
}

int migrate_volume_copy_post(struct http_req *req, struct json_object *body, struct lxf_err *err)
{
	struct json_object *source = NULL, *config = NULL, *row = NULL;
	const char *name = NULL, *desc = NULL, *src = NULL, *pool = NULL;
	bool vol_only = false;
	char url[160];
	struct vcopy *a = NULL;
	struct op *op;
	int ret;

	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_object(body, "source", true, &source, err) < 0 ||
	    lxf_json_get_string(source, "name", true, &src, err) < 0 ||
	    lxf_json_get_string(source, "pool", false, &pool, err) < 0 ||
	    lxf_json_get_bool(source, "volume_only", false, &vol_only, err) < 0)
		return -LXF_EINVAL;
	if (pool && *pool && strcmp(pool, VOLUME_POOL) != 0)
		return lxf_err_set(err, LXF_ENOENT,
				   "Storage volume \"%s\": storage pool \"%s\" not found", src,
				   pool);
	if (strchr(src, '/'))
		return lxf_err_set(err, LXF_ENOTSUP,
				   "Storage volume \"%s\": copying a snapshot is not supported",
				   src);
	ret = volume_get(src, &row, err);
	if (ret < 0)
		return ret;
	/* LXD takes the request's config and description (the client sends the source's). */
	if (!config)
		config = json_object_object_get(row, "config");
	if (!desc)
		desc = lxf_json_str(row, "description");
	if (!(a = calloc(1, sizeof(*a)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->src, sizeof(a->src), "%s", src);
	a->volume_only = vol_only;
	ret = volume_create_begin(name, desc, config, err);
	if (ret < 0)
		goto out;
	snprintf(url, sizeof(url), "/1.0/storage-pools/" VOLUME_POOL "/volumes/custom/%s", name);
	op = op_run("Copying storage volume", "storage_volumes", url, vcopy_op, a, free, err);
	a = NULL;
	if (!op) {
		(void)volume_create_end(name, false, NULL);
		ret = -err->code;
		goto out;
	}
	ret = mig_async(req, op, err);
	op_unref(op);
out:
	free(a);
	json_object_put(row);
	return ret;
}
