/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The target side of LXD's migration protocol (LXD 5.0's migrationSink):
 * POST /1.0/instances with source {"type": "migration", "mode": "push" or
 * "pull", "refresh": B, "instance_only": B, "live": false}. Push: the
 * websocket operation offers "control" and "fs"; the source — or a client
 * relaying the source's own channels — connects to them within
 * MIG_WS_WAIT s. Pull: lxfd dials the source operation's channels itself
 * (source.operation, source.secrets), source.certificate pinned.
 *
 * The files land in a staging directory, DIR/migrate/<name>, which holds
 * the container's rootfs (renamed there, empty for a new instance) during
 * the transfer: the stream is an LXD volume (rootfs/ plus whatever else
 * the source keeps beside it: backup.yaml, templates/), received by
 * `rsync --server` into that one fixed directory, so nothing lands outside
 * it and the container's own lxc config is never in reach of --delete.
 * Each snapshot arrives in turn there and is copied off with the usual
 * snapshot code; then the instance (twice when the source runs: a final
 * delta), then the rootfs is renamed home. Owners are re-shifted when the
 * source's on-disk id map differs from this instance's.
 *
 * Any failure removes what this migration made (instance, snapshots, DB
 * rows; for a refresh, only the snapshots it added) and tells the source.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "backend_config.h"
#include "db.h"
#include "events.h"
#include "file.h"
#include "http.h"
#include "instance.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "migrate_int.h"
#include "migrate_proto.h"
#include "op.h"
#include "ws.h"

struct mtgt {
	struct mig_link link;
	struct mig_chan *ctl, *fs;
	char name[64];
	bool refresh, instance_only, claimed;
	bool pull; /* we dial the source */
	char peer_url[520], ctl_secret[129], fs_secret[129];
	char *peer_cert;
	char arch[32];
	struct json_object *config, *devices; /* expanded, for backend_create */
	struct json_object *md;               /* the secrets */
	/* What this migration made, for the cleanup. */
	bool created;
	char stage[PATH_MAX], rootfs[PATH_MAX], staged[PATH_MAX];
	bool rootfs_staged;
	char (*new_snaps)[256];
	size_t n_new;
};

/*
 * Names with a migration running into them: a second one (two refreshes
 * of one instance) would stage over the first one's rootfs.
 */
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static char active[64][64];

static bool active_claim(const char *name)
{
	int free_slot = -1;
	bool ok = true;

	pthread_mutex_lock(&active_lock);
	for (int i = 0; i < 64; i++) {
		if (active[i][0] && strcmp(active[i], name) == 0)
			ok = false;
		else if (!active[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (ok && free_slot >= 0)
		snprintf(active[free_slot], sizeof(active[0]), "%.63s", name);
	pthread_mutex_unlock(&active_lock);
	return ok && free_slot >= 0;
}

static void active_release(const char *name)
{
	pthread_mutex_lock(&active_lock);
	for (int i = 0; i < 64; i++)
		if (active[i][0] && strcmp(active[i], name) == 0)
			active[i][0] = '\0';
	pthread_mutex_unlock(&active_lock);
}

static void mtgt_free(void *arg)
{
	struct mtgt *t = arg;

	if (!t)
		return;
	if (t->claimed)
		active_release(t->name);
	mig_chan_release(t->ctl);
	mig_chan_release(t->fs);
	mig_link_fini(&t->link);
	json_object_put(t->config);
	json_object_put(t->devices);
	json_object_put(t->md);
	free(t->new_snaps);
	free(t->peer_cert);
	free(t);
}

static void mtgt_cancel(struct op *op, void *arg)
{
	struct mtgt *t = arg;

	(void)op;
	atomic_store(&t->link.cancelled, true);
	mig_link_poke(&t->link);
}

/* Id maps */

static const struct idshift *g_shift; /* nftw has no user pointer; one walk at a time */
static pthread_mutex_t shift_lock = PTHREAD_MUTEX_INITIALIZER;

/* Host id of the source's on-disk id -> container id -> our host id. */
static long long shift_one(const struct idshift *s, unsigned long id, bool uid)
{
	long long cid = -1;
	bool any = false;

	for (size_t i = 0; i < s->src->n_idmap; i++) {
		const struct migp_idmap *e = &s->src->idmap[i];
		if (uid ? !e->isuid : !e->isgid)
			continue;
		any = true;
		if (id >= (unsigned long)e->hostid &&
		    id - (unsigned long)e->hostid < (unsigned long)e->range)
			cid = (long long)e->nsid + (long long)(id - (unsigned long)e->hostid);
	}
	if (!any)
		cid = (long long)id; /* not shifted on the source's disk */
	if (cid < 0 || (unsigned long long)cid >= s->count)
		return -1; /* unmapped there or here: left as it is */
	return (long long)s->base[uid ? 0 : 1] + cid;
}

static int shift_cb(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	long long u = shift_one(g_shift, st->st_uid, true);
	long long g = shift_one(g_shift, st->st_gid, false);

	(void)flag;
	(void)f;
	if ((u >= 0 && (uid_t)u != st->st_uid) || (g >= 0 && (gid_t)g != st->st_gid)) {
		if (lchown(path, u >= 0 ? (uid_t)u : st->st_uid, g >= 0 ? (gid_t)g : st->st_gid) <
		    0)
			return errno ? errno : EIO;
		/* chown clears set-id bits on files; put them back. */
		if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)))
			(void)chmod(path, st->st_mode & 07777);
	}
	return 0;
}

bool mig_same_map(const struct idshift *s)
{
	int ok = 0;

	if (s->count == 0)
		return s->src->n_idmap == 0;
	for (size_t i = 0; i < s->src->n_idmap; i++) {
		const struct migp_idmap *e = &s->src->idmap[i];
		if (e->nsid != 0 || (unsigned long)e->range < s->count)
			return false;
		if (e->isuid && (unsigned long)e->hostid == s->base[0])
			ok |= 1;
		if (e->isgid && (unsigned long)e->hostid == s->base[1])
			ok |= 2;
		if ((e->isuid && (unsigned long)e->hostid != s->base[0]) ||
		    (e->isgid && (unsigned long)e->hostid != s->base[1]))
			return false;
	}
	return ok == 3;
}

int mig_shift_tree(const struct idshift *s, const char *path, struct lxf_err *err)
{
	int rc;

	pthread_mutex_lock(&shift_lock);
	g_shift = s;
	rc = nftw(path, shift_cb, 64, FTW_PHYS | FTW_MOUNT);
	g_shift = NULL;
	pthread_mutex_unlock(&shift_lock);
	if (rc != 0)
		return lxf_err_sys(err, LXF_EIO, rc > 0 ? rc : errno, "Cannot re-own %s", path);
	return 0;
}

/* Staging */

static int stage_paths(struct mtgt *t, struct lxf_err *err)
{
	char dir[PATH_MAX];

	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (snprintf(t->stage, sizeof(t->stage), "%s/migrate/%s", dir, t->name) >=
		(int)sizeof(t->stage) ||
	    snprintf(t->staged, sizeof(t->staged), "%s/rootfs", t->stage) >=
		(int)sizeof(t->staged) ||
	    snprintf(t->rootfs, sizeof(t->rootfs), "%s/containers/%s/rootfs", dir, t->name) >=
		(int)sizeof(t->rootfs))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	return 0;
}

/* The staged rootfs must be a real directory, not whatever the peer made of it. */
static int staged_ok(struct mtgt *t, struct lxf_err *err)
{
	struct stat st;

	if (lstat(t->staged, &st) < 0 || !S_ISDIR(st.st_mode))
		return lxf_err_set(err, LXF_EINVAL,
				   "The migration stream held no rootfs directory");
	return 0;
}

static int stage_in(struct mtgt *t, struct lxf_err *err)
{
	char top[PATH_MAX];
	int ret;

	if (snprintf(top, sizeof(top), "%.*s", (int)(strrchr(t->stage, '/') - t->stage),
		     t->stage) >= (int)sizeof(top))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	(void)lxf_rm_rf(t->stage, NULL); /* left by a crash */
	ret = lxf_mkdir_p(top, 0700, err);
	if (ret == 0 && mkdir(t->stage, 0700) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", t->stage);
	if (ret == 0 && rename(t->rootfs, t->staged) < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot stage %s", t->rootfs);
	if (ret == 0)
		t->rootfs_staged = true;
	return ret;
}

static int stage_out(struct mtgt *t, struct lxf_err *err)
{
	if (!t->rootfs_staged)
		return 0;
	if (rename(t->staged, t->rootfs) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot put back %s", t->rootfs);
	t->rootfs_staged = false;
	return 0;
}

/* Snapshots */

static bool local_snap(const char *name, const char *snap)
{
	struct json_object *row = NULL;
	bool found = db_row(&row, "Snapshot", NULL,
			    "SELECT name FROM snapshots WHERE instance = ? AND name = ?", "ss",
			    name, snap) == 0;

	json_object_put(row);
	return found;
}

static bool offered(const struct migp_header *h, const char *snap)
{
	for (size_t i = 0; i < h->n_snaps; i++)
		if (strcmp(h->snaps[i].name, snap) == 0)
			return true;
	return false;
}

/*
 * A refresh syncs only the snapshots missing here and drops the ones the
 * source no longer has (LXD compares the same way, by name). resp gets the
 * snapshots to receive.
 */
static int plan_snapshots(struct mtgt *t, const struct migp_header *offer, struct migp_header *resp,
			  struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = 0;

	if (t->refresh) {
		ret = db_exec(&rows, NULL, err, "SELECT name FROM snapshots WHERE instance = ?",
			      "s", t->name);
		for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
			const char *snap = lxf_json_str(json_object_array_get_idx(rows, i), "name");
			if (offered(offer, snap))
				continue;
			ret = journal_snapshot_delete(t->name, snap, err);
		}
		json_object_put(rows);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < offer->n_snaps; i++) {
		const struct migp_snap *o = &offer->snaps[i];
		struct migp_snap *s;
		if (t->refresh && local_snap(t->name, o->name))
			continue;
		if (!(s = migp_header_add_snap(resp)))
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		*s = *o;
		s->config = json_object_get(o->config);
		s->devices = json_object_get(o->devices);
		s->profiles = json_object_get(o->profiles);
	}
	return 0;
}

/* The staged rootfs becomes snapshot s of the instance (files and row). */
static int keep_snapshot(struct mtgt *t, const struct migp_snap *s, const struct idshift *sh,
			 struct lxf_err *err)
{
	char(*ns)[256];
	char dir[PATH_MAX], path[PATH_MAX];
	struct json_object *empty_o = json_object_new_object(), *empty_a = json_object_new_array();
	int ret;

	if (!empty_o || !empty_a) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ret = staged_ok(t, err);
	if (ret == 0)
		ret = stage_out(t, err);
	if (ret == 0) {
		ret = backend_snapshot_create(t->name, s->name, err);
		if (rename(t->rootfs, t->staged) == 0)
			t->rootfs_staged = true;
		else if (ret == 0)
			ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot stage %s", t->rootfs);
	}
	if (ret < 0)
		goto out;
	if (!(ns = realloc(t->new_snaps, (t->n_new + 1) * sizeof(*ns)))) {
		(void)backend_snapshot_delete(t->name, s->name, NULL);
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	t->new_snaps = ns;
	snprintf(ns[t->n_new++], sizeof(ns[0]), "%s", s->name);
	if (sh && backend_dir(dir, sizeof(dir)) == 0 &&
	    snprintf(path, sizeof(path), "%s/snapshots/%s/%s/rootfs", dir, t->name, s->name) <
		(int)sizeof(path)) {
		ret = mig_shift_tree(sh, path, err);
		if (ret < 0)
			goto out;
	}
	ret = db_exec(
	    NULL, NULL, err,
	    "INSERT INTO snapshots (instance, name, architecture, config, devices,"
	    " profiles, ephemeral, stateful, created_at, expires_at, last_used_at, creating)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 0)",
	    "sssjjjbiii", t->name, s->name, s->arch ? migp_arch_name(s->arch) : t->arch,
	    s->config ? s->config : empty_o, s->devices ? s->devices : empty_o,
	    s->profiles ? s->profiles : empty_a, (int)s->ephemeral,
	    (int64_t)(s->created > 0 ? s->created : (int64_t)time(NULL)),
	    (int64_t)(s->expires > 0 ? s->expires : 0),
	    (int64_t)(s->last_used > 0 ? s->last_used : 0));
out:
	json_object_put(empty_o);
	json_object_put(empty_a);
	return ret;
}

/* Undoes what this migration made; the source is told by the caller. */
static void cleanup(struct mtgt *t)
{
	struct lxf_err e;

	lxf_err_clear(&e);
	if (stage_out(t, &e) < 0)
		lxf_warn("Migration of %s: %s", t->name, e.msg);
	for (size_t i = 0; i < t->n_new; i++)
		(void)journal_snapshot_delete(t->name, t->new_snaps[i], NULL);
	if (t->stage[0])
		(void)lxf_rm_rf(t->stage, NULL);
	if (!t->refresh) {
		/* Row, snapshot rows (ON DELETE CASCADE) and, when this
		 * migration made them, the files: one journalled change. */
		if (t->created)
			(void)journal_instance_delete(t->name, &e);
		else
			(void)db_exec(NULL, NULL, NULL, "DELETE FROM instances WHERE name = ?", "s",
				      t->name);
	}
}

/* After a failed transfer, the source's own word (if it sent one) says more. */
static void peer_reason(struct mtgt *t, struct lxf_err *err)
{
	struct lxf_buf b;
	char msg[200] = "";
	bool ok = true;

	lxf_buf_init(&b, MIGP_MSG_MAX);
	if (mig_chan_try_recv(t->ctl, &b) == 0 &&
	    migp_control_decode(b.data, b.len, &ok, msg, sizeof(msg), NULL) == 0 && !ok && msg[0])
		lxf_err_set(err, LXF_EIO, "Migration source failed: %s", msg);
	lxf_buf_fini(&b);
}

static int receive(struct mtgt *t, struct op *op, const struct migp_header *offer,
		   const struct migp_header *resp, struct lxf_err *err)
{
	struct mig_progress prog = {.op = op, .base_md = t->md};
	struct mig_rsync r = {
	    .send = false, .xattrs = true, .del = true, .compress = resp->compress};
	struct idshift sh = {.src = offer};
	bool final = offer->criu == MIGP_CRIU_NONE;
	int ret;

	ret = backend_idmap(t->name, &sh.base[0], &sh.base[1], &sh.count, err);
	if (ret < 0)
		return ret;
	ret = stage_in(t, err);
	if (ret < 0)
		return ret;
	r.path = t->stage;
	for (size_t i = 0; i < resp->n_snaps; i++) {
		snprintf(prog.what, sizeof(prog.what), "%s/%s", t->name, resp->snaps[i].name);
		ret = mig_rsync_run(&t->link, t->fs, &r, &prog, err);
		if (ret == 0 && !t->instance_only)
			ret =
			    keep_snapshot(t, &resp->snaps[i], mig_same_map(&sh) ? NULL : &sh, err);
		if (ret < 0)
			return ret;
	}
	snprintf(prog.what, sizeof(prog.what), "%s", t->name);
	for (int pass = 0; pass < (final ? 2 : 1); pass++) {
		ret = mig_rsync_run(&t->link, t->fs, &r, &prog, err);
		if (ret < 0)
			return ret;
	}
	ret = staged_ok(t, err);
	if (ret == 0 && !mig_same_map(&sh))
		ret = mig_shift_tree(&sh, t->staged, err);
	if (ret == 0)
		ret = stage_out(t, err);
	if (ret == 0) /* the shift may have given its root another owner */
		ret = backend_modes_instance(t->name, err);
	if (ret == 0)
		(void)lxf_rm_rf(t->stage, NULL);
	return ret;
}

static int target_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct mtgt *t = arg;
	struct migp_header offer = {0}, resp = {0};
	struct mig_chan *chs[2] = {t->ctl, t->fs};
	struct lxf_buf b;
	uint8_t *enc = NULL;
	size_t n = 0;
	const char *st;
	int ret;

	(void)md;
	lxf_buf_init(&b, MIGP_MSG_MAX);
	if (t->pull) {
		ret = mig_chan_dial(t->ctl, t->peer_url, t->ctl_secret, t->peer_cert, err);
		if (ret == 0)
			ret = mig_chan_dial(t->fs, t->peer_url, t->fs_secret, t->peer_cert, err);
	} else {
		ret = mig_wait_offered(&t->link, err);
	}
	if (ret == 0)
		ret = mig_chan_wait_open(&t->link, chs, 2, MIG_WS_WAIT, err);
	if (ret < 0 && t->pull)
		lxf_err_prefix(err, "Cannot reach the migration source %s", t->peer_url);
	if (ret < 0) {
		cleanup(t);
		goto out;
	}
	ret = mig_chan_recv(t->ctl, &b, MIG_MSG_WAIT, err);
	if (ret == 0)
		ret = migp_header_decode(b.data, b.len, &offer, err);
	if (ret < 0)
		goto fail;
	if (offer.fs != MIGP_FS_RSYNC) {
		ret = lxf_err_set(err, LXF_ENOTSUP, "Only rsync migration is supported by lxfd");
		goto fail;
	}
	if (offer.criu != MIGP_CRIU_ABSENT && offer.criu != MIGP_CRIU_NONE) {
		ret = lxf_err_set(
		    err, LXF_ENOTSUP,
		    "Live migration (CRIU) is not supported by lxfd: move it stateless");
		goto fail;
	}
	if (t->refresh) {
		st = backend_status(t->name);
		if (!st || strcmp(st, "Stopped") != 0) {
			ret =
			    lxf_err_set(err, LXF_EBUSY,
					"Instance \"%s\" must be stopped to be refreshed", t->name);
			goto fail;
		}
	} else {
		ret = backend_create(t->name, NULL, t->config, t->devices, err);
		if (ret < 0)
			goto fail;
		t->created = true;
	}
	resp.fs = MIGP_FS_RSYNC;
	resp.criu = offer.criu;
	resp.has_rsync = resp.xattrs = resp.del = resp.bidirectional = true;
	/* No compression when the source can be told so (bidirectional
	 * features): between hosts on a LAN, zlib costs more time than the
	 * bytes it saves, and container data is often compressed already. An
	 * older source compresses whatever the answer says. */
	resp.compress = !offer.bidirectional;
	resp.refresh = t->refresh;
	ret = stage_paths(t, err);
	if (ret == 0)
		ret = plan_snapshots(t, &offer, &resp, err);
	if (ret == 0)
		ret = migp_header_encode(&resp, &enc, &n, err);
	if (ret == 0)
		ret = mig_chan_send(t->ctl, true, enc, n, err);
	if (ret < 0)
		goto fail;
	lxf_info("Migration of %s: receiving%s", t->name, t->refresh ? " (refresh)" : "");
	ret = receive(t, op, &offer, &resp, err);
	if (ret < 0) {
		peer_reason(t, err);
		goto fail;
	}
	if (!t->refresh)
		ret = db_exec(NULL, NULL, err, "UPDATE instances SET creating = 0 WHERE name = ?",
			      "s", t->name);
	if (ret < 0)
		goto fail;
	mig_send_control(t->ctl, true, "");
	lxf_info("Migration of %s: received", t->name);
	if (!t->refresh)
		events_lifecycle_at("instance-created", "/1.0/instances/", t->name);
	goto out;
fail:
	mig_send_control(t->ctl, false, err->msg);
	cleanup(t);
	lxf_warn("Migration of %s failed: %s", t->name, err->msg);
out:
	/* Now, not when the op is reaped (OP_KEEP_SECS later): a late
	 * connection finds nothing, and the name is free again. */
	mig_chan_withdraw(t->ctl);
	mig_chan_withdraw(t->fs);
	mig_chan_close(t->ctl);
	mig_chan_close(t->fs);
	if (t->claimed) {
		active_release(t->name);
		t->claimed = false;
	}
	free(enc);
	lxf_buf_fini(&b);
	migp_header_fini(&offer);
	migp_header_fini(&resp);
	return ret;
}

/* The source's config for the new instance: its volatile.* state stays
 * behind, but for the MAC addresses, which a move keeps. */
static struct json_object *own_config(struct json_object *config)
{
	struct json_object *o = json_object_new_object();

	if (!o || !config)
		return o;
	json_object_object_foreach(config, k, v)
	{
		size_t n = strlen(k);
		if (strncmp(k, "volatile.", 9) == 0 && !(n > 7 && !strcmp(k + n - 7, ".hwaddr")))
			continue;
		json_object_object_add(o, k, json_object_get(v));
	}
	return o;
}

/* The row (instance_create, unless refreshing one), then the op, a websocket op. */
static int start_op(struct http_req *req, struct mtgt *t, const struct instance_new *ni,
		    const char *ctl_secret, const char *fs_secret, struct lxf_err *err)
{
	struct op *op = NULL;
	char url[128];
	int ret = 0;

	if (!t->refresh && (ret = instance_create(ni, err)) < 0) {
		mtgt_free(t);
		return ret;
	}
	instance_url(ni->name, url, sizeof(url));
	{
		struct mtgt *tt = t;
		bool refresh = t->refresh;

		/* Pulling, there is nothing to connect to: no secrets shown. */
		op = op_run_ws("Creating instance", "instances", url,
			       t->pull ? json_object_new_object() : lxf_json_copy(t->md), target_op,
			       t, mtgt_free, err);
		if (!op) {
			if (!refresh)
				instance_create_undo(ni->name);
			ret = -err->code;
			goto out;
		}
		op_set_cancel(op, mtgt_cancel);
		if (!tt->pull)
			ret = mig_offer(op, &tt->link, tt->ctl, ctl_secret, tt->fs, fs_secret, err);
	}
	if (ret == 0)
		ret = mig_async(req, op, err);
out:
	op_unref(op);
	return ret;
}

int migrate_target_post(struct http_req *req, struct json_object *body, struct lxf_err *err)
{
	struct json_object *source = NULL, *config = NULL, *devices = NULL, *profiles = NULL;
	struct json_object *secrets = NULL, *cfg = NULL, *own_profiles = NULL, *row = NULL;
	const char *name = NULL, *mode = NULL, *desc = NULL, *arch = NULL, *peer_op = NULL;
	const char *cert = NULL;
	bool live = false, inst_only = false, cont_only = false, refresh = false, eph = false;
	char ctl_secret[65], fs_secret[65];
	struct instance_new ni;
	struct mtgt *t = NULL;
	int ret;

	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    lxf_json_get_string(body, "architecture", false, &arch, err) < 0 ||
	    lxf_json_get_object(body, "source", true, &source, err) < 0 ||
	    lxf_json_get_string(source, "mode", false, &mode, err) < 0 ||
	    lxf_json_get_object(source, "secrets", false, &secrets, err) < 0 ||
	    lxf_json_get_string(source, "operation", false, &peer_op, err) < 0 ||
	    lxf_json_get_string(source, "certificate", false, &cert, err) < 0 ||
	    lxf_json_get_bool(source, "live", false, &live, err) < 0 ||
	    lxf_json_get_bool(source, "instance_only", false, &inst_only, err) < 0 ||
	    lxf_json_get_bool(source, "container_only", false, &cont_only, err) < 0 ||
	    lxf_json_get_bool(source, "refresh", false, &refresh, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_object(body, "devices", false, &devices, err) < 0 ||
	    lxf_json_get_array(body, "profiles", false, &profiles, err) < 0 ||
	    lxf_json_get_bool(body, "ephemeral", false, &eph, err) < 0)
		return -LXF_EINVAL;
	if (!mode)
		mode = "pull"; /* LXD's default */
	if (strcmp(mode, "push") != 0 && strcmp(mode, "pull") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Unknown migration mode \"%s\"", mode);
	if (strcmp(mode, "pull") == 0 && mig_check_peer(peer_op, secrets, cert, err) < 0)
		return -LXF_EINVAL;
	if (live || (secrets && json_object_object_get_ex(secrets, "criu", NULL)))
		return lxf_err_set(
		    err, LXF_ENOTSUP,
		    "Live migration (CRIU) is not supported by lxfd: move it stateless");
	if (arch && arch[0] && migp_arch_id(arch) == 0)
		return lxf_err_set(err, LXF_EINVAL, "Unknown architecture \"%s\"", arch);
	/* A refresh of an instance that is not here is a plain copy (LXD). */
	if (refresh &&
	    db_row(&row, "Instance", NULL,
		   "SELECT name FROM instances WHERE name = ? AND creating = 0", "s", name) < 0)
		refresh = false;
	if (!profiles && !refresh) {
		profiles = own_profiles = json_object_new_array();
		if (profiles)
			json_object_array_add(profiles, json_object_new_string("default"));
	}
	cfg = own_config(config);
	if (!cfg || (profiles == NULL && !refresh)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (lxf_json_check_string_map(cfg, "config", err) < 0 ||
	    (devices && instance_check_devices(devices, err) < 0)) {
		ret = -LXF_EINVAL;
		goto out;
	}
	if (!(t = calloc(1, sizeof(*t)))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	t->link.wake = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (!(t->claimed = active_claim(name))) {
		ret =
		    lxf_err_set(err, LXF_EBUSY, "A migration into \"%s\" is already running", name);
		goto out;
	}
	snprintf(t->arch, sizeof(t->arch), "%s", arch && arch[0] ? arch : "x86_64");
	t->refresh = refresh;
	t->instance_only = inst_only || cont_only;
	if (strcmp(mode, "pull") == 0) {
		t->pull = true;
		snprintf(t->peer_url, sizeof(t->peer_url), "%s", peer_op);
		snprintf(t->ctl_secret, sizeof(t->ctl_secret), "%s",
			 lxf_json_str(secrets, "control"));
		snprintf(t->fs_secret, sizeof(t->fs_secret), "%s", lxf_json_str(secrets, "fs"));
		if (!(t->peer_cert = strdup(cert))) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto out;
		}
	}
	if (!refresh) {
		ret = instance_expand(profiles, cfg, devices, &t->config, &t->devices, err);
		if (ret == 0)
			ret = bcfg_validate(t->config, t->devices, err);
		if (ret < 0)
			goto out;
	}
	ret = mig_link_init(&t->link, err);
	if (ret < 0)
		goto out;
	t->ctl = mig_chan_new(&t->link, "control", true);
	t->fs = mig_chan_new(&t->link, "fs", false);
	t->md = json_object_new_object();
	if (!t->ctl || !t->fs || !t->md) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ws_secret(ctl_secret);
	ws_secret(fs_secret);
	lxf_json_add_str(t->md, "control", ctl_secret);
	lxf_json_add_str(t->md, "fs", fs_secret);
	ni = (struct instance_new){
	    .name = name,
	    .description = desc,
	    .architecture = t->arch,
	    .config = cfg,
	    .devices = devices,
	    .profiles = profiles,
	    .ephemeral = eph,
	};
	ret = start_op(req, t, &ni, ctl_secret, fs_secret, err);
	t = NULL;
out:
	mtgt_free(t);
	json_object_put(cfg);
	json_object_put(own_profiles);
	json_object_put(row);
	return ret;
}

/*
 * After a crash mid-migration: a refreshed instance's rootfs may still sit
 * in DIR/migrate/<name>/rootfs; it goes home (a partly refreshed rootfs,
 * as LXD leaves one), and the staging area is emptied.
 */
void migrate_recover(void)
{
	char dir[PATH_MAX], stage[PATH_MAX], staged[PATH_MAX], home[PATH_MAX], cfg[PATH_MAX];
	struct json_object *rows = NULL;
	struct stat st;

	if (backend_dir(dir, sizeof(dir)) < 0 ||
	    db_exec(&rows, NULL, NULL, "SELECT name FROM instances", "") < 0)
		return;
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(rows, i), "name");
		if (!name ||
		    snprintf(stage, sizeof(stage), "%s/migrate/%s", dir, name) >=
			(int)sizeof(stage) ||
		    snprintf(staged, sizeof(staged), "%s/rootfs", stage) >= (int)sizeof(staged) ||
		    snprintf(home, sizeof(home), "%s/containers/%s/rootfs", dir, name) >=
			(int)sizeof(home) ||
		    snprintf(cfg, sizeof(cfg), "%s/containers/%s/config", dir, name) >=
			(int)sizeof(cfg))
			continue;
		if (lstat(staged, &st) == 0 && S_ISDIR(st.st_mode) && lstat(home, &st) < 0 &&
		    lstat(cfg, &st) == 0) {
			if (rename(staged, home) == 0)
				lxf_warn("Migration into %s was cut short: its rootfs is back",
					 name);
		}
	}
	json_object_put(rows);
	if (snprintf(stage, sizeof(stage), "%s/migrate", dir) < (int)sizeof(stage))
		(void)lxf_rm_rf(stage, NULL);
}
