/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_API_H
#define LXFD_API_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "instance.h"
#include "json.h"
#include "op.h"
#include "reply.h"

/*
 * Private to lxfd: the REST handlers (api_*.c, one file per area) and the
 * helpers they share (api_util.c); the reply envelope is core's (reply.h).
 */

struct http_req;
struct op;

/* Daemon-wide settings, written once by main() before the loop starts. */
struct lxfd_conf {
	char dir[PATH_MAX];
	volatile int quit; /* set by signals and /internal/shutdown; the loop exits */
	/* What /internal/shutdown runs first: lifecycle_stop_all (lxfd/lifecycle.h). */
	void (*stop_all)(int timeout);
};
extern struct lxfd_conf lxfd_conf;

/* Every handler of routes.def (the ROUTE_WS openers are ws.h's and events.h's). */
#define ROUTE(meth, tmpl, fn, flags, cap) int fn(struct http_req *req, struct lxf_err *err);
#define ROUTE_WS(tmpl, open, flags)
#include "routes.def"
#undef ROUTE_WS
#undef ROUTE

/* Hands routes.def, bound to the handlers (routes.c), to the router. Call first. */
void api_routes_init(void);

/* reply_async (reply.h) with the op object and its URL. Borrows op. */
int api_async(struct http_req *req, struct op *op, struct lxf_err *err);
/* A token op (op_new_token; md taken) answered as api_async: a new
 * reference in *op (op_unref it), or an error with the op, if made,
 * finished and *op NULL. */
int api_token_async(struct http_req *req, const char *description, struct json_object *md,
		    struct op **op, struct lxf_err *err);

/* req's JSON body as an object (borrowed), or -LXF_EINVAL. */
int api_body_object(const struct http_req *req, struct json_object **o, struct lxf_err *err);

/*
 * PUT and PATCH of an object share one handler (api_*_update in routes.def)
 * and this is its PATCH flag. LXD's semantics: PUT replaces the editable
 * fields (those the body leaves out become empty), PATCH changes only the
 * fields the body names and merges maps key by key.
 */
bool api_is_patch(const struct http_req *req);

/*
 * The map an update leaves in one field: PATCH starts from a copy of old,
 * PUT from {}; then each key of changes (NULL: none) is set to a copy of
 * its value or, with unset_empty, removed when that value is "". New
 * reference, NULL when out of memory.
 */
struct json_object *api_update_map(struct json_object *old, struct json_object *changes, bool patch,
				   bool unset_empty);

/*
 * The fields an instance row and a profile row share, updated in place
 * from the body's (each NULL when absent): config and devices as
 * api_update_map, and description, "" on PUT when absent.
 */
void api_update_row(struct json_object *row, struct json_object *config,
		    struct json_object *devices, const char *desc, bool patch);

/* ?recursion= as 0, 1 or 2 (bad or absent values read as 0). */
int api_recursion(const struct http_req *req);

/* Adds to o a deep copy of row's fields keys[0..n) (null where row has none). */
void api_copy_fields(struct json_object *o, struct json_object *row, const char *const *keys,
		     size_t n);

/* Adds to o row's field key, Unix seconds, as an RFC 3339 time (reply_time_json). */
void api_add_time(struct json_object *o, struct json_object *row, const char *key);

/*
 * A collection GET answered from DB rows (taken over, whatever the
 * outcome): with ?recursion=0 the URLs prefix + row[key], else
 * to_json(row) for each row (a new reference).
 */
int api_list_rows(struct http_req *req, struct json_object *rows, const char *prefix,
		  const char *key, struct json_object *(*to_json)(struct json_object *row),
		  struct lxf_err *err);

/* The whole Instance object (recursion 1) for DB row row; with full, also state etc. */
struct json_object *api_instance_json(struct json_object *row, bool full);
/* What a list reads once for all its rows (db_rows_by): profiles {name: row},
 * snapshots {instance: [rows]} (recursion=2 only). */
struct lxf_json_keep;
struct api_list_ctx {
	struct json_object *profiles, *snaps;
	/* fields= of the list (NULL: all): what is not named is neither
	 * read (state, snapshots, expansion) nor sent. */
	const struct lxf_json_keep *keep;
};
/*
 * Runs fn(arg, i) for each i in [0, n), spread (when spread and n > 4)
 * over the list threads, which read containers' netns inline
 * (backend_state_inline_netns), and the caller; returns when all are done.
 * fn must be safe to run concurrently for different i.
 */
void api_list_each(size_t n, bool spread, void (*fn)(void *arg, size_t i), void *arg);

/* api_instance_json with ctx's rows instead of a query per row (ctx may be NULL). */
struct json_object *api_instance_json_in(struct json_object *row, bool full,
					 const struct api_list_ctx *ctx);

/*
 * The InstanceState of an instance whose container is missing or
 * unreadable: status "Error" (112) with every field LXD's client reads
 * present and zero, so that `lxc info` and `lxc list` can show it. New
 * reference or NULL.
 */
struct json_object *api_state_broken(void);

/* The Image object for DB row row. */
struct json_object *api_image_json(struct json_object *row);

/* What api_image_import stores; every pointer borrowed. */
struct api_img_in {
	const char *tmp;    /* the tarball (a split image's metadata), consumed */
	const char *rootfs; /* a split image's rootfs, consumed; NULL: unified */
	const char *want_fp, *filename;
	bool public;
	struct json_object *properties; /* overlaid on metadata.yaml's; may be NULL */
	/* A copy cached from an image server: {server, protocol, alias,
	 * certificate} (LXD's update_source); the image is cached and
	 * auto_update. NULL: an image of its own. */
	struct json_object *source;
};

/*
 * api_image_import.c: imports in->tmp (and in->rootfs) as an image:
 * checked against want_fp when non-empty. *md gets {fingerprint, size}.
 * -LXF_EEXIST when that image is already stored.
 */
int api_image_import(const struct api_img_in *in, struct json_object **md, struct lxf_err *err);

/*
 * api_image_ss.c: the image a simplestreams source names ({server, alias
 * or fingerprint, certificate}), pulled into the store unless it is here
 * already; its fingerprint into fp_out. Errors name the server and the
 * alias; nothing half-made stays. Worker threads only.
 */
int api_image_ss_pull(struct json_object *source, char fp_out[65], struct lxf_err *err);

/*
 * api_image_refresh.c: POST /1.0/images/{fp}/refresh (a cached image's
 * update_source read again, the image replaced when its alias moved) and
 * api_images_sweep, lxfd's periodic auto_update and cache expiry.
 */
int api_image_refresh(struct http_req *req, struct lxf_err *err);
void api_images_sweep(void);
/* Image fp's row and files deleted now (as DELETE /1.0/images/{fp}). */
int api_image_remove(const char *fp, struct lxf_err *err);

/* A private temporary file in DIR/images (same file system as the store):
 * its fd, path into path (size n). */
int api_temp_in_images(char *path, size_t n, const char *what, struct lxf_err *err);

/*
 * api_image_split.c: api_image_split_upload cuts a multipart upload
 * (parts "metadata" and "rootfs") into two temporaries of DIR/images, their
 * paths into meta and rootfs (owned by the caller, "" on failure);
 * api_image_export_split answers the export of split image fp (files path
 * and rootfs) as one multipart/form-data body, as LXD does.
 * api_image_split_file does the cutting for a body in file path of content
 * type ctype (an upload, or an export pulled from another server); the
 * metadata part's filename goes into fname when that is "" (fname may be
 * NULL).
 */
int api_image_split_file(const char *path, const char *ctype, char meta[PATH_MAX],
			 char rootfs[PATH_MAX], char *fname, size_t fname_n, struct lxf_err *err);
int api_image_split_upload(struct http_req *req, char meta[PATH_MAX], char rootfs[PATH_MAX],
			   struct lxf_err *err);
int api_image_export_split(struct http_req *req, const char *fp, const char *path,
			   const char *rootfs, struct lxf_err *err);

/*
 * api_image_copy.c: POST /1.0/images with a JSON body (source.type
 * "image", mode "pull": an image copied from another LXD-protocol server),
 * and the untrusted side of copies from this host: one-time download
 * secrets (POST /1.0/images/FP/secret) checked by image GET and export.
 */
int api_image_copy_post(struct http_req *req, struct lxf_err *err);

/*
 * api_image_push.c, LXD's push mode of image copies. The target:
 * api_image_push_token answers a push token op for image fp (body
 * borrowed: its aliases, properties, public and expires_at are kept);
 * api_image_push_admit says whether fp and secret are a live token (for
 * http_set_token_check); api_image_push_take uses the token up and
 * returns its kept options (a new reference; json_object_put it), or NULL
 * when there is no such token; api_image_push_secret makes a secret for
 * the upload's op. The source: POST /1.0/images/{fp}/export.
 */
int api_image_push_token(struct http_req *req, struct json_object *body, const char *fp,
			 struct lxf_err *err);
bool api_image_push_admit(const char *fp, const char *secret);
struct json_object *api_image_push_take(const char *fp, const char *secret);
int api_image_push_secret(char out[65], struct lxf_err *err);
int api_image_export_post(struct http_req *req, struct lxf_err *err);
/* True when req may see image fp: a client reaching the default project,
 * a public image, or ?secret= a live secret of fp (used up when consume). */
bool api_image_visible(struct http_req *req, const char *fp, bool public, bool consume);

/* api_snapshots.c: the InstanceSnapshot objects of instance name (new
 * array, empty on errors), for recursion=2 instance objects. */
struct json_object *api_snapshots_json(const char *name);
/* The same from snapshot rows already read (NULL: none), profiles from pmap. */
struct json_object *api_snapshots_json_rows(struct json_object *rows, struct json_object *pmap);

/* api_snapshots.c: deletes the snapshots whose expires_at has passed (periodic). */
void snapshots_prune_expired(void);

/* api_snapshots.c: PUT /1.0/instances/{name} with {"restore": SNAP}. body borrowed. */
int api_snapshot_restore(struct http_req *req, const char *name, struct json_object *body,
			 struct lxf_err *err);

/* A stored server config value into buf: 1 when set, 0 when unset, < 0 on error. */
/* An RFC 3339 time as Unix seconds (Go's zero time: 0); -LXF_EINVAL. */
int api_parse_time(const char *s, int64_t *out, struct lxf_err *err);
/* Body field "expires_at" (RFC 3339, absent or Go's zero time: 0) as Unix seconds. */
int api_get_expiry(struct json_object *body, int64_t *out, struct lxf_err *err);

/* api_publish.c: POST /1.0/images with an instance or snapshot source
 * (body borrowed, from api_image_copy_post). */
int api_publish_post(struct http_req *req, struct json_object *body, struct lxf_err *err);

/* api_image_copy.c: adds aliases ([{name, description}]) to image fp. */
int api_image_add_aliases(const char *fp, struct json_object *aliases, struct lxf_err *err);

/* api_backups.c: POST /1.0/instances with a backup tarball as the body. */
int api_backup_import(struct http_req *req, struct lxf_err *err);
/* At start-up, after journal_recover: removes backup files no row names. */
void api_backups_recover(void);

int api_server_config_get(const char *key, char *buf, size_t n);

/* api_server.c: the api_extensions GET /1.0 lists (extensions.def's YES
 * rows), *n of them. Static: never freed. */
const char *const *api_extensions(size_t *n);

/*
 * api_volume_snaps.c: PUT .../volumes/custom/{vol} with a non-empty
 * "restore" (snapshot name, or "vol/snap"): the volume's files become the
 * snapshot's. Answers the request (synchronous, as LXD 5.0).
 */
int api_volume_restore(struct http_req *req, const char *vol, const char *snap,
		       struct lxf_err *err);

#endif
