/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The source side of LXD's migration protocol (LXD 5.0's
 * lxd/migrate_instance.go, migrationSourceWs): POST /1.0/instances/<name>
 * {"migration": true} makes a websocket operation offering two channels,
 * "control" and "fs". Once both are connected (within MIG_WS_WAIT s) the
 * source sends its MigrationHeader (rsync only; criu NONE when the
 * container runs; its on-disk id map; its snapshots, oldest first), reads
 * the target's answer, then sends one rsync per snapshot and one of the
 * instance (two when it runs: the target expects a final delta), and
 * waits for the target's MigrationControl verdict.
 *
 * The instance is only read: nothing here stops, freezes or deletes it.
 * A move's stop/delete is the client's (lxf move, lxc move). POST
 * /1.0/instances/<name>/snapshots/<snap> {"migration": true} sends that
 * snapshot as an instance with none of its own (LXD's snapshot copy).
 * With "target": {"operation", "certificate", "secrets"} (LXD's push
 * form) the source dials the target's channels instead of offering its
 * own, the target's certificate pinned.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "db.h"
#include "http.h"
#include "instance.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "migrate_int.h"
#include "migrate_proto.h"
#include "op.h"
#include "ws.h"

struct msrc {
	struct mig_link link;
	struct mig_chan *ctl, *fs;
	char name[64];
	char snap[256]; /* a snapshot sent as an instance (lxf copy c1/s1), or "" */
	bool instance_only;
	/* lxfd's "single_pass": one rootfs pass even when running (the client
	 * stops the source and refreshes afterwards, as lxf move does). */
	bool single_pass;
	struct json_object *md; /* the secrets: the op's metadata without progress */
	/* LXD's push form: we dial the target's channels. */
	bool push;
	char peer_url[520], ctl_secret[129], fs_secret[129];
	char *peer_cert;
};

static void msrc_free(void *arg)
{
	struct msrc *m = arg;

	if (!m)
		return;
	mig_chan_release(m->ctl);
	mig_chan_release(m->fs);
	mig_link_fini(&m->link);
	json_object_put(m->md);
	free(m->peer_cert);
	free(m);
}

static void msrc_cancel(struct op *op, void *arg)
{
	struct msrc *m = arg;

	(void)op;
	atomic_store(&m->link.cancelled, true);
	mig_link_poke(&m->link);
}

static bool is_running(const char *name)
{
	const char *st = backend_status(name);

	return st && (strcmp(st, "Running") == 0 || strcmp(st, "Frozen") == 0);
}

/* The snapshot rows of the instance as header entries, oldest first. */
static int add_snapshots(struct migp_header *h, const char *name, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret;

	ret = db_exec(&rows, NULL, err,
		      "SELECT * FROM snapshots WHERE instance = ? AND creating = 0"
		      " ORDER BY created_at, rowid",
		      "s", name);
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
		s->devices = json_object_get(json_object_object_get(r, "devices"));
		s->profiles = json_object_get(json_object_object_get(r, "profiles"));
		s->ephemeral = json_object_get_boolean(json_object_object_get(r, "ephemeral"));
		s->stateful = json_object_get_boolean(json_object_object_get(r, "stateful"));
		s->arch = migp_arch_id(lxf_json_str(r, "architecture"));
		s->created = lxf_json_get_int(r, "created_at", false, &v, NULL) == 0 ? v : 0;
		s->last_used = lxf_json_get_int(r, "last_used_at", false, &v, NULL) == 0 ? v : 0;
		s->expires = lxf_json_get_int(r, "expires_at", false, &v, NULL) == 0 ? v : 0;
	}
	json_object_put(rows);
	return ret;
}

/* The offer: what LXD's dir pool offers, with lxfd's on-disk id map. */
static int make_offer(const struct msrc *m, bool running, struct migp_header *h,
		      struct lxf_err *err)
{
	unsigned long ub = 0, gb = 0, count = 0;
	int ret;

	memset(h, 0, sizeof(*h));
	h->fs = MIGP_FS_RSYNC;
	h->criu = running ? MIGP_CRIU_NONE : MIGP_CRIU_ABSENT;
	h->has_rsync = h->xattrs = h->del = h->compress = h->bidirectional = true;
	ret = backend_idmap(m->name, &ub, &gb, &count, err);
	if (ret < 0)
		return ret;
	if (count > 0 && count <= INT32_MAX && ub <= INT32_MAX && gb <= INT32_MAX) {
		h->idmap[0] = (struct migp_idmap){true, false, (int32_t)ub, 0, (int32_t)count};
		h->idmap[1] = (struct migp_idmap){false, true, (int32_t)gb, 0, (int32_t)count};
		h->n_idmap = 2;
	}
	return m->instance_only ? 0 : add_snapshots(h, m->name, err);
}

static bool has_snap(const struct migp_header *h, const char *name)
{
	for (size_t i = 0; i < h->n_snaps; i++)
		if (strcmp(h->snaps[i].name, name) == 0)
			return true;
	return false;
}

/* The rsyncs: each snapshot asked for, then the instance (twice when running). */
static int send_files(struct msrc *m, struct op *op, const struct migp_header *offer,
		      const struct migp_header *resp, bool running, struct lxf_err *err)
{
	struct mig_progress prog = {.op = op, .base_md = m->md};
	struct mig_rsync r = {.send = true, .only_rootfs = true};
	const struct migp_header *list = resp->refresh ? resp : offer;
	char dir[PATH_MAX], path[PATH_MAX];
	int ret = 0;

	/* Without "bidirectional" the target is an older LXD: LXD then sends
	 * its base set whatever the answer said. */
	if (resp->bidirectional) {
		r.xattrs = resp->xattrs;
		r.del = resp->del;
		r.compress = resp->compress;
	} else {
		r.xattrs = r.del = r.compress = true;
	}
	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	for (size_t i = 0; !m->instance_only && i < list->n_snaps; i++) {
		const char *snap = list->snaps[i].name;
		if (!has_snap(offer, snap))
			return lxf_err_set(err, LXF_EINVAL,
					   "The target asked for snapshot \"%s\", not offered",
					   snap);
		if (snprintf(path, sizeof(path), "%s/snapshots/%s/%s", dir, m->name, snap) >=
		    (int)sizeof(path))
			return lxf_err_set(err, LXF_EINVAL, "Path too long");
		snprintf(prog.what, sizeof(prog.what), "%s/%s", m->name, snap);
		r.path = path;
		ret = mig_rsync_run(&m->link, m->fs, &r, &prog, err);
		if (ret < 0)
			return ret;
	}
	if ((m->snap[0] ? snprintf(path, sizeof(path), "%s/snapshots/%s/%s", dir, m->name, m->snap)
			: snprintf(path, sizeof(path), "%s/containers/%s", dir, m->name)) >=
	    (int)sizeof(path))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	snprintf(prog.what, sizeof(prog.what), "%s%s%s", m->name, m->snap[0] ? "/" : "", m->snap);
	r.path = path;
	for (int pass = 0; ret == 0 && pass < (running ? 2 : 1); pass++)
		ret = mig_rsync_run(&m->link, m->fs, &r, &prog, err);
	return ret;
}

/* After a failed transfer, the target's own word (if it sent one) says more. */
static void peer_reason(struct msrc *m, struct lxf_err *err)
{
	struct lxf_buf b;
	char msg[200] = "";
	bool ok = true;

	lxf_buf_init(&b, MIGP_MSG_MAX);
	if (mig_chan_try_recv(m->ctl, &b) == 0 &&
	    migp_control_decode(b.data, b.len, &ok, msg, sizeof(msg), NULL) == 0 && !ok && msg[0])
		lxf_err_set(err, LXF_EIO, "Migration target failed: %s", msg);
	lxf_buf_fini(&b);
}

static int source_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct msrc *m = arg;
	struct migp_header offer = {0}, resp = {0};
	struct mig_chan *chs[2] = {m->ctl, m->fs};
	struct lxf_buf b;
	uint8_t *enc = NULL;
	size_t n = 0;
	bool running, ok = false;
	char msg[200] = "";
	int ret;

	(void)md;
	lxf_buf_init(&b, MIGP_MSG_MAX);
	if (m->push) {
		ret = mig_chan_dial(m->ctl, m->peer_url, m->ctl_secret, m->peer_cert, err);
		if (ret == 0)
			ret = mig_chan_dial(m->fs, m->peer_url, m->fs_secret, m->peer_cert, err);
	} else {
		ret = mig_wait_offered(&m->link, err);
	}
	if (ret == 0)
		ret = mig_chan_wait_open(&m->link, chs, 2, MIG_WS_WAIT, err);
	if (ret < 0 && m->push)
		lxf_err_prefix(err, "Cannot reach the migration target %s", m->peer_url);
	if (ret < 0)
		goto out;
	/* A snapshot does not change; with single_pass the client makes the
	 * final delta itself, so the running source is sent as a stopped one
	 * is (one pass, criu absent: the target expects one). */
	running = !m->snap[0] && !m->single_pass && is_running(m->name);
	ret = make_offer(m, running, &offer, err);
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
	if (ret < 0)
		goto fail;
	if (resp.fs != MIGP_FS_RSYNC) {
		ret = lxf_err_set(err, LXF_ENOTSUP, "The target wants a transfer other than rsync");
		goto fail;
	}
	if (resp.index_version != 0) {
		ret = lxf_err_set(err, LXF_EINVAL,
				  "The target asked for an index header not offered");
		goto fail;
	}
	lxf_info("Migration of %s: sending%s", m->name, resp.refresh ? " (refresh)" : "");
	ret = send_files(m, op, &offer, &resp, running, err);
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
	lxf_info("Migration of %s: done", m->name);
	goto out;
fail:
	mig_send_control(m->ctl, false, err->msg);
out:
	mig_chan_withdraw(m->ctl); /* now, not when the op is reaped */
	mig_chan_withdraw(m->fs);
	mig_chan_close(m->ctl);
	mig_chan_close(m->fs);
	if (ret < 0)
		lxf_warn("Migration of %s failed: %s", m->name, err->msg);
	free(enc);
	lxf_buf_fini(&b);
	migp_header_fini(&offer);
	migp_header_fini(&resp);
	return ret;
}

int migrate_source_post(struct http_req *req, const char *name, const char *snap,
			struct json_object *body, struct lxf_err *err)
{
	struct json_object *target = NULL, *md = NULL;
	struct msrc *m = NULL, *mm;
	bool live = false, inst_only = false, cont_only = false, single = false;
	char ctl_secret[65], fs_secret[65], url[128];
	struct op *op = NULL;
	int ret;

	if (lxf_json_get_bool(body, "live", false, &live, err) < 0 ||
	    lxf_json_get_bool(body, "instance_only", false, &inst_only, err) < 0 ||
	    lxf_json_get_bool(body, "container_only", false, &cont_only, err) < 0 ||
	    lxf_json_get_bool(body, "single_pass", false, &single, err) < 0 ||
	    lxf_json_get_object(body, "target", false, &target, err) < 0)
		return -LXF_EINVAL;
	if (target) {
		struct json_object *secrets = NULL;
		const char *peer_op = NULL, *cert = NULL;
		if (lxf_json_get_string(target, "operation", true, &peer_op, err) < 0 ||
		    lxf_json_get_string(target, "certificate", false, &cert, err) < 0 ||
		    lxf_json_get_object(target, "secrets", false, &secrets, err) < 0)
			return -LXF_EINVAL;
		/* LXD 5.0 names them "secrets"; older clients "websockets". */
		if (!secrets && lxf_json_get_object(target, "websockets", false, &secrets, err) < 0)
			return -LXF_EINVAL;
		if (mig_check_peer(peer_op, secrets, cert, err) < 0)
			return -LXF_EINVAL;
	}
	if (live && !snap && is_running(name))
		return lxf_err_set(err, LXF_ENOTSUP,
				   "Live migration (CRIU) is not supported by lxfd: move it "
				   "stateless");
	if (!(m = calloc(1, sizeof(*m))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	m->link.wake = -1;
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->snap, sizeof(m->snap), "%s", snap ? snap : "");
	if (target) {
		struct json_object *secrets = json_object_object_get(target, "secrets");
		if (!secrets)
			secrets = json_object_object_get(target, "websockets");
		m->push = true;
		snprintf(m->peer_url, sizeof(m->peer_url), "%s", lxf_json_str(target, "operation"));
		snprintf(m->ctl_secret, sizeof(m->ctl_secret), "%s",
			 lxf_json_str(secrets, "control"));
		snprintf(m->fs_secret, sizeof(m->fs_secret), "%s", lxf_json_str(secrets, "fs"));
		if (!(m->peer_cert = strdup(lxf_json_str(target, "certificate")))) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto out;
		}
	}
	m->instance_only = inst_only || cont_only || snap;
	m->single_pass = single;
	ret = mig_link_init(&m->link, err);
	if (ret < 0)
		goto out;
	m->ctl = mig_chan_new(&m->link, "control", true);
	m->fs = mig_chan_new(&m->link, "fs", false);
	m->md = json_object_new_object();
	if (!m->ctl || !m->fs || !m->md) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ws_secret(ctl_secret);
	ws_secret(fs_secret);
	lxf_json_add_str(m->md, "control", ctl_secret);
	lxf_json_add_str(m->md, "fs", fs_secret);
	md = m->push ? json_object_new_object()
		     : lxf_json_copy(m->md); /* pushing: nothing to offer */
	instance_url(name, url, sizeof(url));
	op = op_run_ws("Migrating instance", "instances", url, md, source_op, m, msrc_free, err);
	mm = m;
	m = NULL; /* the op's now, whatever happened */
	if (!op) {
		ret = -err->code;
		goto out;
	}
	op_set_cancel(op, msrc_cancel);
	if (!mm->push)
		ret = mig_offer(op, &mm->link, mm->ctl, ctl_secret, mm->fs, fs_secret, err);
	if (ret == 0)
		ret = mig_async(req, op, err);
out:
	msrc_free(m);
	op_unref(op);
	return ret;
}
