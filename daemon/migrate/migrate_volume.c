/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Custom volumes between hosts: LXD 5.0's volume migration
 * (lxd/migrate_storage_volumes.go) over the instance migration's
 * machinery (mig_chan_*, mig_rsync_run, the MigrationHeader codec, the id
 * shift). Source: POST .../volumes/custom/<name> {"migration": true,
 * "volume_only": B, "target": {...}?} answers a websocket operation whose
 * metadata holds the "control" and "fs" secrets (or, with "target",
 * dials the target's). Target: POST .../volumes/custom {"source": {"type":
 * "migration", "mode": "pull"|"push", "operation", "certificate",
 * "secrets", "volume_only"}}.
 *
 * The source offers rsync (no index header; its files' id map as an
 * instance source does) and, unless volume_only, its snapshots; then it
 * sends one rsync per snapshot offered and one of the volume's tree,
 * DIR/custom/<name>/root: what LXD's dir driver sends for a custom volume
 * (the volume's mount path). The target receives each into the new
 * volume's tree and keeps a snapshot copy of it (volume_snap_adopt). The target
 * receives straight into the new volume, hidden behind its creating row
 * (volume_create_begin): a failure, or a crash (volume_recover), leaves
 * no half-made volume, and a name already taken fails before any byte.
 * The source is only read; a move's delete is the client's, once the
 * copy succeeded.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "events.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "migrate_int.h"
#include "migrate_proto.h"
#include "op.h"
#include "volume.h"
#include "ws.h"

#define VOL_URL "/1.0/storage-pools/" VOLUME_POOL "/volumes/custom/"

struct mvol {
	struct mig_link link;
	struct mig_chan *ctl, *fs;
	char name[64];
	bool target;      /* receiving */
	bool dial;        /* we dial the peer's channels (a pushing source, a pulling target) */
	bool volume_only; /* snapshots stay behind */
	char peer_url[520], ctl_secret[129], fs_secret[129];
	char *peer_cert;
	struct json_object *md; /* the secrets: the op's metadata without progress */
	struct idshift_map {    /* target: the source's map when its header has none */
		size_t n;       /* LXD's volatile.idmap.last of the volume, parsed */
		struct migp_idmap e[MIGP_IDMAP_MAX];
	} last;
};

static void mvol_free(void *arg)
{
	struct mvol *m = arg;

	if (!m)
		return;
	mig_chan_release(m->ctl);
	mig_chan_release(m->fs);
	mig_link_fini(&m->link);
	json_object_put(m->md);
	free(m->peer_cert);
	free(m);
}

static void mvol_cancel(struct op *op, void *arg)
{
	struct mvol *m = arg;

	(void)op;
	atomic_store(&m->link.cancelled, true);
	mig_link_poke(&m->link);
}

/* Both channels open: dialled, or offered and taken within MIG_WS_WAIT s. */
static int connect_peer(struct mvol *m, struct lxf_err *err)
{
	struct mig_chan *chs[2] = {m->ctl, m->fs};
	int ret;

	if (m->dial) {
		ret = mig_chan_dial(m->ctl, m->peer_url, m->ctl_secret, m->peer_cert, err);
		if (ret == 0)
			ret = mig_chan_dial(m->fs, m->peer_url, m->fs_secret, m->peer_cert, err);
	} else {
		ret = mig_wait_offered(&m->link, err);
	}
	if (ret == 0)
		ret = mig_chan_wait_open(&m->link, chs, 2, MIG_WS_WAIT, err);
	if (ret < 0 && m->dial)
		lxf_err_prefix(err, "Cannot reach the migration %s %s",
			       m->target ? "source" : "target", m->peer_url);
	return ret;
}

/* After a failed transfer, the peer's own word (if it sent one) says more. */
static void peer_reason(struct mvol *m, struct lxf_err *err)
{
	struct lxf_buf b;
	char msg[200] = "";
	bool ok = true;

	lxf_buf_init(&b, MIGP_MSG_MAX);
	if (mig_chan_try_recv(m->ctl, &b) == 0 &&
	    migp_control_decode(b.data, b.len, &ok, msg, sizeof(msg), NULL) == 0 && !ok && msg[0])
		lxf_err_set(err, LXF_EIO, "Migration %s failed: %s",
			    m->target ? "source" : "target", msg);
	lxf_buf_fini(&b);
}

static void hang_up(struct mvol *m)
{
	mig_chan_withdraw(m->ctl); /* now, not when the op is reaped */
	mig_chan_withdraw(m->fs);
	mig_chan_close(m->ctl);
	mig_chan_close(m->fs);
}

/* Source */

/* The volume's snapshots as header entries, oldest first. */
static int add_snapshots(struct migp_header *h, const char *name, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret = volume_snap_list(name, &rows, err);

	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		struct migp_snap *s = migp_header_add_snap(h);
		int64_t v;

		if (!s) {
			ret = lxf_err_set(err, LXF_ETOOBIG,
					  "Too many snapshots to migrate (max %d)", MIGP_SNAP_MAX);
			break;
		}
		snprintf(s->name, sizeof(s->name), "%s", lxf_json_str(r, "name"));
		s->config = json_object_get(json_object_object_get(r, "config"));
		s->created = lxf_json_get_int(r, "created_at", false, &v, NULL) == 0 ? v : 0;
		s->expires = lxf_json_get_int(r, "expires_at", false, &v, NULL) == 0 ? v : 0;
	}
	json_object_put(rows);
	return ret;
}

static int source_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct mvol *m = arg;
	struct migp_header offer = {0}, resp = {0};
	struct mig_progress prog = {.op = op, .base_md = m->md};
	struct mig_rsync r = {.send = true};
	char root[PATH_MAX], snap[PATH_MAX];
	unsigned long ub, gb, count;
	struct lxf_buf b;
	uint8_t *enc = NULL;
	size_t n = 0;
	bool ok = false;
	char msg[200] = "";
	int ret;

	(void)md;
	lxf_buf_init(&b, MIGP_MSG_MAX);
	ret = connect_peer(m, err);
	if (ret < 0)
		goto out;
	offer.fs = MIGP_FS_RSYNC;
	offer.criu = MIGP_CRIU_ABSENT;
	offer.has_rsync = offer.xattrs = offer.del = offer.compress = offer.bidirectional = true;
	backend_volume_idmap(&ub, &gb, &count);
	offer.idmap[0] = (struct migp_idmap){true, false, (int32_t)ub, 0, (int32_t)count};
	offer.idmap[1] = (struct migp_idmap){false, true, (int32_t)gb, 0, (int32_t)count};
	offer.n_idmap = 2;
	ret = m->volume_only ? 0 : add_snapshots(&offer, m->name, err);
	if (ret == 0)
		ret = backend_volume_path(m->name, "root", root, sizeof(root), err);
	if (ret == 0)
		ret = migp_header_encode(&offer, &enc, &n, err);
	if (ret == 0)
		ret = mig_chan_send(m->ctl, true, enc, n, err);
	if (ret == 0)
		ret = mig_chan_recv(m->ctl, &b, MIG_MSG_WAIT, err);
	if (ret == 0 && migp_header_decode(b.data, b.len, &resp, err) < 0) {
		/* A target that gives up at once answers with its verdict. */
		ret = -err->code;
		if (migp_control_decode(b.data, b.len, &ok, msg, sizeof(msg), NULL) == 0 && !ok) {
			ret = lxf_err_set(err, LXF_EIO, "Migration target failed: %s", msg);
			goto out;
		}
	}
	if (ret == 0 && resp.fs != MIGP_FS_RSYNC)
		ret = lxf_err_set(err, LXF_ENOTSUP, "The target wants a transfer other than rsync");
	if (ret == 0 && resp.index_version != 0)
		ret = lxf_err_set(err, LXF_EINVAL,
				  "The target asked for an index header not offered");
	if (ret < 0)
		goto fail;
	/* Without "bidirectional" the target is an older LXD, which takes
	 * LXD's base set whatever it answered. */
	r.xattrs = !resp.bidirectional || resp.xattrs;
	r.del = !resp.bidirectional || resp.del;
	r.compress = !resp.bidirectional || resp.compress;
	lxf_info("Migration of volume %s: sending", m->name);
	/* Each snapshot offered, oldest first (LXD's source sends them all,
	 * whatever the answer), then the volume. */
	for (size_t i = 0; ret == 0 && i < offer.n_snaps; i++) {
		ret = backend_volsnap_path(m->name, offer.snaps[i].name, "root", snap, sizeof(snap),
					   err);
		snprintf(prog.what, sizeof(prog.what), "%s/%s", m->name, offer.snaps[i].name);
		r.path = snap;
		if (ret == 0)
			ret = mig_rsync_run(&m->link, m->fs, &r, &prog, err);
	}
	r.path = root;
	snprintf(prog.what, sizeof(prog.what), "%s", m->name);
	if (ret == 0)
		ret = mig_rsync_run(&m->link, m->fs, &r, &prog, err);
	if (ret < 0) {
		peer_reason(m, err);
		goto fail;
	}
	ret = mig_chan_recv(m->ctl, &b, MIG_MSG_WAIT, err);
	if (ret == 0)
		ret = migp_control_decode(b.data, b.len, &ok, msg, sizeof(msg), err);
	if (ret < 0)
		goto fail;
	if (!ok) {
		ret = lxf_err_set(err, LXF_EIO, "Migration target failed: %s",
				  msg[0] ? msg : "no reason given");
		goto out; /* the target knows */
	}
	lxf_info("Migration of volume %s: done", m->name);
	goto out;
fail:
	mig_send_control(m->ctl, false, err->msg);
out:
	hang_up(m);
	if (ret < 0)
		lxf_warn("Migration of volume %s failed: %s", m->name, err->msg);
	free(enc);
	lxf_buf_fini(&b);
	migp_header_fini(&offer);
	migp_header_fini(&resp);
	return ret;
}

/* The channels and their secrets (into m->md); peer: LXD's {"operation",
 * "certificate", "secrets"} to dial, or NULL to offer ours. */
static int mvol_init(struct mvol *m, struct json_object *peer, char *ctl_secret, char *fs_secret,
		     struct lxf_err *err)
{
	if (peer) {
		struct json_object *secrets = json_object_object_get(peer, "secrets");
		if (!secrets)
			secrets = json_object_object_get(peer, "websockets");
		m->dial = true;
		snprintf(m->peer_url, sizeof(m->peer_url), "%s", lxf_json_str(peer, "operation"));
		snprintf(m->ctl_secret, sizeof(m->ctl_secret), "%s",
			 lxf_json_str(secrets, "control"));
		snprintf(m->fs_secret, sizeof(m->fs_secret), "%s", lxf_json_str(secrets, "fs"));
		if (!(m->peer_cert = strdup(lxf_json_str(peer, "certificate"))))
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	if (mig_link_init(&m->link, err) < 0)
		return -err->code;
	m->ctl = mig_chan_new(&m->link, "control", true);
	m->fs = mig_chan_new(&m->link, "fs", false);
	m->md = json_object_new_object();
	if (!m->ctl || !m->fs || !m->md)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ws_secret(ctl_secret);
	ws_secret(fs_secret);
	lxf_json_add_str(m->md, "control", ctl_secret);
	lxf_json_add_str(m->md, "fs", fs_secret);
	return 0;
}

/* LXD's peer object: "operation" and "secrets" (5.0) or "websockets" (older), checked. */
static int check_peer(struct json_object *peer, struct lxf_err *err)
{
	struct json_object *secrets = NULL;
	const char *peer_op = NULL, *cert = NULL;

	if (lxf_json_get_string(peer, "operation", true, &peer_op, err) < 0 ||
	    lxf_json_get_string(peer, "certificate", false, &cert, err) < 0 ||
	    lxf_json_get_object(peer, "secrets", false, &secrets, err) < 0 ||
	    (!secrets && lxf_json_get_object(peer, "websockets", false, &secrets, err) < 0))
		return -LXF_EINVAL;
	return mig_check_peer(peer_op, secrets, cert, err);
}

/*
 * The op, offered or dialling, answered as LXD answers. Takes m. Once the
 * op runs, its body undoes a target's row whatever happens; when it
 * cannot start, the row is undone here.
 */
static int start(struct http_req *req, struct mvol *m, const char *desc, op_fn fn,
		 const char *ctl_secret, const char *fs_secret, struct lxf_err *err)
{
	char url[160], name[64];
	struct op *op;
	bool offer = !m->dial, target = m->target;
	int ret = 0;

	snprintf(name, sizeof(name), "%s", m->name);
	snprintf(url, sizeof(url), VOL_URL "%s", m->name);
	/* Dialling, there is nothing to connect to: no secrets shown. */
	op = op_run_ws(desc, "storage_volumes", url,
		       m->dial ? json_object_new_object() : lxf_json_copy(m->md), fn, m, mvol_free,
		       err);
	if (!op) {
		if (target)
			(void)volume_create_end(name, false, NULL);
		return -err->code;
	}
	op_set_cancel(op, mvol_cancel);
	if (offer)
		ret = mig_offer(op, &m->link, m->ctl, ctl_secret, m->fs, fs_secret, err);
	if (ret == 0)
		ret = mig_async(req, op, err);
	op_unref(op);
	return ret;
}

int migrate_volume_source_post(struct http_req *req, const char *name, struct json_object *body,
			       struct lxf_err *err)
{
	struct json_object *target = NULL, *row = NULL;
	bool vol_only = false;
	char ctl_secret[65], fs_secret[65];
	struct mvol *m;
	int ret;

	if (lxf_json_get_bool(body, "volume_only", false, &vol_only, err) < 0 ||
	    lxf_json_get_object(body, "target", false, &target, err) < 0 ||
	    (target && check_peer(target, err) < 0))
		return -LXF_EINVAL;
	ret = volume_get(name, &row, err);
	json_object_put(row);
	if (ret < 0)
		return ret;
	if (!(m = calloc(1, sizeof(*m))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	m->link.wake = -1;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->volume_only = vol_only;
	ret = mvol_init(m, target, ctl_secret, fs_secret, err);
	if (ret < 0) {
		mvol_free(m);
		return ret;
	}
	return start(req, m, "Migrating storage volume", source_op, ctl_secret, fs_secret, err);
}

/* Target */

/*
 * LXD keeps a volume's on-disk map in volatile.idmap.last, JSON:
 * [{"Isuid":true,"Isgid":false,"Hostid":1000000,"Nsid":0,"Maprange":N}].
 * Absent (an LXD volume never attached, or idmapped mounts): unshifted.
 */
static void parse_last_map(struct mvol *m, const char *s)
{
	struct json_object *arr = s ? json_tokener_parse(s) : NULL;

	m->last.n = 0;
	for (size_t i = 0; json_object_is_type(arr, json_type_array) &&
			   i < json_object_array_length(arr) && m->last.n < MIGP_IDMAP_MAX;
	     i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		int64_t host = 0, ns = 0, range = 0;
		if (lxf_json_get_int(e, "Hostid", true, &host, NULL) < 0 ||
		    lxf_json_get_int(e, "Nsid", true, &ns, NULL) < 0 ||
		    lxf_json_get_int(e, "Maprange", true, &range, NULL) < 0 || host < 0 ||
		    host > INT32_MAX || ns < 0 || ns > INT32_MAX || range <= 0 || range > INT32_MAX)
			continue;
		m->last.e[m->last.n++] =
		    (struct migp_idmap){json_object_get_boolean(json_object_object_get(e, "Isuid")),
					json_object_get_boolean(json_object_object_get(e, "Isgid")),
					(int32_t)host, (int32_t)ns, (int32_t)range};
	}
	json_object_put(arr);
}

/* Each snapshot the source sends, then the volume, into the new volume's
 * tree (each pass replaces the last: --delete); then our owners. */
static int receive(struct mvol *m, struct op *op, struct migp_header *offer,
		   const struct migp_header *resp, struct lxf_err *err)
{
	struct mig_progress prog = {.op = op, .base_md = m->md};
	struct mig_rsync r = {.xattrs = true, .del = true, .compress = resp->compress};
	struct idshift sh = {.src = offer};
	char root[PATH_MAX];
	int ret = backend_volume_path(m->name, "root", root, sizeof(root), err);

	r.path = root;
	for (size_t i = 0; ret == 0 && i < offer->n_snaps; i++) {
		const struct migp_snap *s = &offer->snaps[i];
		snprintf(prog.what, sizeof(prog.what), "%s/%s", m->name, s->name);
		ret = mig_rsync_run(&m->link, m->fs, &r, &prog, err);
		/* The snapshot as it arrived: a copy of the tree (the next pass
		 * brings only what changed), its row beside the new volume's. */
		if (ret == 0 && !m->volume_only)
			ret = backend_volsnap_make(m->name, s->name, err);
		if (ret == 0 && !m->volume_only)
			ret = volume_snap_adopt(m->name, s->name, NULL, s->config, s->created,
						s->expires, err);
	}
	snprintf(prog.what, sizeof(prog.what), "%s", m->name);
	if (ret == 0)
		ret = mig_rsync_run(&m->link, m->fs, &r, &prog, err);
	if (ret < 0)
		return ret;
	if (offer->n_idmap == 0 && m->last.n > 0) {
		memcpy(offer->idmap, m->last.e, m->last.n * sizeof(m->last.e[0]));
		offer->n_idmap = m->last.n;
	}
	backend_volume_idmap(&sh.base[0], &sh.base[1], &sh.count);
	if (mig_same_map(&sh))
		return 0;
	ret = mig_shift_tree(&sh, root, err);
	for (size_t i = 0; ret == 0 && !m->volume_only && i < offer->n_snaps; i++) {
		ret = backend_volsnap_path(m->name, offer->snaps[i].name, "root", root,
					   sizeof(root), err);
		if (ret == 0)
			ret = mig_shift_tree(&sh, root, err);
	}
	return ret;
}

static int target_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct mvol *m = arg;
	struct migp_header offer = {0}, resp = {0};
	struct lxf_buf b;
	uint8_t *enc = NULL;
	size_t n = 0;
	char url[160];
	int ret;

	(void)md;
	lxf_buf_init(&b, MIGP_MSG_MAX);
	ret = connect_peer(m, err);
	if (ret < 0)
		goto out;
	ret = mig_chan_recv(m->ctl, &b, MIG_MSG_WAIT, err);
	if (ret == 0)
		ret = migp_header_decode(b.data, b.len, &offer, err);
	if (ret == 0 && offer.fs != MIGP_FS_RSYNC)
		ret = lxf_err_set(err, LXF_ENOTSUP, "Only rsync migration is supported by lxfd");
	if (ret < 0)
		goto fail;
	resp.fs = MIGP_FS_RSYNC;
	resp.criu = MIGP_CRIU_ABSENT;
	resp.has_rsync = resp.xattrs = resp.del = resp.bidirectional = true;
	/* As for instances: no zlib between hosts when the source can be told. */
	resp.compress = !offer.bidirectional;
	/* LXD's source sends every snapshot it offered, whatever the answer:
	 * each is received, and kept unless volume_only. */
	for (size_t i = 0; i < offer.n_snaps; i++) {
		struct migp_snap *s = migp_header_add_snap(&resp);
		if (!s) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto fail;
		}
		snprintf(s->name, sizeof(s->name), "%s", offer.snaps[i].name);
	}
	ret = migp_header_encode(&resp, &enc, &n, err);
	if (ret == 0)
		ret = mig_chan_send(m->ctl, true, enc, n, err);
	if (ret < 0)
		goto fail;
	lxf_info("Migration of volume %s: receiving", m->name);
	ret = receive(m, op, &offer, &resp, err);
	if (ret < 0) {
		peer_reason(m, err);
		goto fail;
	}
	ret = volume_create_end(m->name, true, err);
	if (ret < 0)
		goto fail;
	mig_send_control(m->ctl, true, "");
	lxf_info("Migration of volume %s: received", m->name);
	snprintf(url, sizeof(url), VOL_URL "%s", m->name);
	events_lifecycle("storage-volume-created", url, NULL);
	goto out;
fail:
	mig_send_control(m->ctl, false, err->msg);
	lxf_warn("Migration of volume %s failed: %s", m->name, err->msg);
out:
	if (ret < 0)
		(void)volume_create_end(m->name, false, NULL);
	hang_up(m);
	free(enc);
	lxf_buf_fini(&b);
	migp_header_fini(&offer);
	migp_header_fini(&resp);
	return ret;
}

int migrate_volume_target_post(struct http_req *req, struct json_object *body, struct lxf_err *err)
{
	struct json_object *source = NULL, *config = NULL;
	const char *name = NULL, *desc = NULL, *mode = NULL;
	bool vol_only = false, refresh = false;
	char ctl_secret[65], fs_secret[65];
	struct mvol *m = NULL;
	int ret;

	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_object(body, "source", true, &source, err) < 0 ||
	    lxf_json_get_string(source, "mode", false, &mode, err) < 0 ||
	    lxf_json_get_bool(source, "volume_only", false, &vol_only, err) < 0 ||
	    lxf_json_get_bool(source, "refresh", false, &refresh, err) < 0)
		return -LXF_EINVAL;
	if (!mode || !*mode)
		mode = "pull"; /* LXD's default */
	if (strcmp(mode, "push") != 0 && strcmp(mode, "pull") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Unknown migration mode \"%s\"", mode);
	if (refresh)
		return lxf_err_set(err, LXF_ENOTSUP,
				   "Storage volume \"%s\": refresh is not supported", name);
	if (strcmp(mode, "pull") == 0 && check_peer(source, err) < 0)
		return -LXF_EINVAL;
	if (!(m = calloc(1, sizeof(*m))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	m->link.wake = -1;
	m->target = true;
	m->volume_only = vol_only;
	snprintf(m->name, sizeof(m->name), "%s", name);
	parse_last_map(m, lxf_json_str(config, "volatile.idmap.last"));
	ret = mvol_init(m, strcmp(mode, "pull") == 0 ? source : NULL, ctl_secret, fs_secret, err);
	/* The source's volatile.* state stays behind (volume_create_begin drops it). */
	if (ret == 0)
		ret = volume_create_begin(name, desc, config, err);
	if (ret < 0)
		goto out;
	ret = start(req, m, "Creating storage volume", target_op, ctl_secret, fs_secret, err);
	m = NULL; /* the op's, or freed */
out:
	mvol_free(m);
	return ret;
}
