/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One migration transfer: the source and target operations, the relay
 * pump between their websockets (relay mode), and the wait for both with
 * progress and Ctrl-C. The pump knows nothing of the protocol: every
 * message crosses unchanged, binary stays binary and the empty text
 * barrier stays text, as LXD's own relay does.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "migrate-int.h"
#include "ws.h"

#define MIG_CHANS_MAX 3 /* control, fs, criu */
#define MIG_PEND_MAX  (16u << 20)
#define MIG_SRC_WAIT  30 /* s for the source op once the target's is done */
#define MIG_URL_MAX   2048

volatile sig_atomic_t lxf_mig_interrupted;

/* A message from the target that arrived before its source peer was up. */
struct mig_pend {
	struct mig_pend *next;
	size_t len;
	bool binary;
	unsigned char data[];
};

struct mig_relay;

struct mig_chan {
	struct mig_relay *r;
	char name[16];
	struct lxf_ws *ws[2]; /* 0: source, 1: target; under r->mu */
	struct mig_side {
		struct mig_chan *ch;
		int side;
	} ud[2];
	struct mig_pend *pend, *pend_tail; /* target -> source, under r->mu */
	size_t pend_bytes;
	bool flushing;
};

struct mig_relay {
	pthread_mutex_t mu;
	struct lxf_ws_ctx *ctx[2];
	struct mig_chan ch[MIG_CHANS_MAX];
	size_t nch;
};

static void relay_on_message(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	struct mig_side *s = ud;
	struct mig_chan *ch = s->ch;
	struct lxf_ws *peer;
	struct lxf_err err = {0};

	(void)ws;
	pthread_mutex_lock(&ch->r->mu);
	peer = ch->ws[1 - s->side];
	if (!peer || (s->side == 1 && (ch->pend || ch->flushing))) {
		/* Keep the order: queue behind what waits already. */
		struct mig_pend *p = NULL;

		if (ch->pend_bytes + len <= MIG_PEND_MAX)
			p = malloc(sizeof(*p) + len);
		if (p) {
			p->next = NULL;
			p->len = len;
			p->binary = binary;
			memcpy(p->data, data, len);
			if (ch->pend_tail)
				ch->pend_tail->next = p;
			else
				ch->pend = p;
			ch->pend_tail = p;
			ch->pend_bytes += len;
		}
		pthread_mutex_unlock(&ch->r->mu);
		if (!p)
			lxf_ws_close(ws);
		return;
	}
	pthread_mutex_unlock(&ch->r->mu);
	/* Source -> target carries the data: waiting there for queue room is
	 * the back-pressure that bounds memory. Target -> source (rsync's
	 * checksums and acks, control replies) never waits: were both
	 * directions to wait, each service thread could block on the other's
	 * full queue and the transfer would stall for good. */
	if ((s->side == 0 ? lxf_ws_send(peer, data, len, binary, &err)
			  : lxf_ws_send_nowait(peer, data, len, binary, &err)) != 0)
		lxf_ws_close(ws);
}

/* One side ended: end the other after what it has queued (LXD does the same). */
static void relay_on_close(struct lxf_ws *ws, void *ud)
{
	struct mig_side *s = ud;
	struct lxf_ws *peer;

	(void)ws;
	pthread_mutex_lock(&s->ch->r->mu);
	peer = s->ch->ws[1 - s->side];
	pthread_mutex_unlock(&s->ch->r->mu);
	if (peer)
		lxf_ws_close(peer);
}

static const struct lxf_ws_ops relay_ops = {
    .on_message = relay_on_message,
    .on_close = relay_on_close,
};

/* Sends what the target said before the source's websocket was up. */
static void relay_flush(struct mig_chan *ch)
{
	struct lxf_err err = {0};

	for (;;) {
		struct mig_pend *p;
		struct lxf_ws *peer;

		pthread_mutex_lock(&ch->r->mu);
		p = ch->pend;
		if (p) {
			ch->pend = p->next;
			if (!ch->pend)
				ch->pend_tail = NULL;
			ch->pend_bytes -= p->len;
			ch->flushing = true;
		} else {
			ch->flushing = false;
		}
		peer = ch->ws[0];
		pthread_mutex_unlock(&ch->r->mu);
		if (!p)
			return;
		if (peer)
			(void)lxf_ws_send_nowait(peer, p->data, p->len, p->binary, &err);
		free(p);
	}
}

static void relay_free(struct mig_relay *r)
{
	if (!r)
		return;
	/* A source callback may be waiting for room in a target websocket's
	 * queue that never drains (the target cut off): closing every relay
	 * websocket first lets it return, so that its thread can be joined. */
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nch; i++)
		for (int s = 0; s < 2; s++)
			if (r->ch[i].ws[s])
				lxf_ws_close(r->ch[i].ws[s]);
	pthread_mutex_unlock(&r->mu);
	/* Frees the websockets too; no callback runs after. */
	lxf_ws_ctx_free(r->ctx[0]);
	lxf_ws_ctx_free(r->ctx[1]);
	for (size_t i = 0; i < r->nch; i++) {
		struct mig_pend *p = r->ch[i].pend, *n;

		for (; p; p = n) {
			n = p->next;
			free(p);
		}
	}
	pthread_mutex_destroy(&r->mu);
	free(r);
}

int lxf_mig_ws_path(char *buf, size_t len, const char *op_url, const char *secret,
		    struct lxf_err *err)
{
	char *esc = lxf_client_escape(secret);
	int n;

	if (!esc)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	n = snprintf(buf, len, "%s/websocket?secret=%s", op_url, esc);
	free(esc);
	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "operation URL too long");
	return 0;
}

/*
 * Connects every channel of the source's secrets to the same channel of
 * the target's: target side first, so that what the source sends always
 * has somewhere to go.
 */
static int relay_start(const struct lxf_remotes *rs, struct mig_xfer *x, const char *sop,
		       struct json_object *ssec, const char *dop, struct json_object *dsec,
		       struct mig_relay **out, struct lxf_err *err)
{
	struct mig_relay *r = calloc(1, sizeof(*r));
	char path[MIG_URL_MAX];
	int rc = 0;

	*out = NULL;
	if (!r)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	(void)pthread_mutex_init(&r->mu, NULL);
	if ((rc = lxf_ws_ctx_for_remote(rs, x->src->rem, &r->ctx[0], err)) != 0 ||
	    (rc = lxf_ws_ctx_for_remote(rs, x->dst->rem, &r->ctx[1], err)) != 0)
		goto out;
	json_object_object_foreach(ssec, key, val)
	{
		const char *dsecret = lxf_json_str(dsec, key);
		struct mig_chan *ch;

		if (!json_object_is_type(val, json_type_string))
			continue;
		if (!dsecret) {
			rc = lxf_err_set(err, LXF_EIO,
					 "the target offers no '%s' websocket (the source does)",
					 key);
			goto out;
		}
		if (r->nch >= MIG_CHANS_MAX) {
			rc = lxf_err_set(err, LXF_EIO, "too many migration websockets");
			goto out;
		}
		ch = &r->ch[r->nch++];
		ch->r = r;
		(void)snprintf(ch->name, sizeof(ch->name), "%s", key);
		for (int s = 0; s < 2; s++)
			ch->ud[s] = (struct mig_side){.ch = ch, .side = s};
	}
	for (size_t i = 0; i < r->nch; i++) {
		struct mig_chan *ch = &r->ch[i];
		struct lxf_ws *ws = NULL;

		rc = lxf_mig_ws_path(path, sizeof(path), dop, lxf_json_str(dsec, ch->name), err);
		if (rc == 0)
			rc = lxf_ws_connect(r->ctx[1], path, &relay_ops, &ch->ud[1], &ws, err);
		if (rc) {
			lxf_err_prefix(err, "target '%s'", x->dst->rem->name);
			goto out;
		}
		pthread_mutex_lock(&r->mu);
		ch->ws[1] = ws;
		pthread_mutex_unlock(&r->mu);
	}
	for (size_t i = 0; i < r->nch; i++) {
		struct mig_chan *ch = &r->ch[i];
		struct lxf_ws *ws = NULL;

		rc = lxf_mig_ws_path(path, sizeof(path), sop, lxf_json_str(ssec, ch->name), err);
		if (rc == 0)
			rc = lxf_ws_connect(r->ctx[0], path, &relay_ops, &ch->ud[0], &ws, err);
		if (rc) {
			lxf_err_prefix(err, "source '%s'", x->src->rem->name);
			goto out;
		}
		pthread_mutex_lock(&r->mu);
		ch->ws[0] = ws;
		pthread_mutex_unlock(&r->mu);
		relay_flush(ch);
	}
	*out = r;
	r = NULL;
out:
	relay_free(r);
	return rc;
}

int lxf_mig_end_cert(struct mig_end *e, const char **pem, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	const char *c;
	int rc = 0;

	*pem = NULL;
	if (!e->cert) {
		rc = lxf_client_request(e->c, "GET", "/1.0", NULL, &resp, err);
		if (rc)
			goto out;
		c = lxf_json_str(lxf_json_path(resp.metadata, "environment"), "certificate");
		if (!c || !*c) {
			rc = lxf_err_set(err, LXF_EIO, "remote '%s' sent no server certificate",
					 e->rem->name);
			goto out;
		}
		if (!(e->cert = strdup(c))) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	*pem = e->cert;
out:
	lxf_response_fini(&resp);
	return rc;
}

/* "https://host:port" + op_url. */
int lxf_mig_op_full_url(const struct mig_end *e, const char *op_url, char *buf, size_t len,
			struct lxf_err *err)
{
	const char *a = e->rem->addr;
	size_t al = strlen(a);

	if (strncmp(a, "https://", 8) != 0)
		return lxf_err_set(err, LXF_EINVAL,
				   "remote '%s' is a unix socket: the other daemon cannot reach "
				   "it (use --mode relay)",
				   e->rem->name);
	while (al > 8 && a[al - 1] == '/')
		al--;
	if (snprintf(buf, len, "%.*s%s", (int)al, a, op_url) >= (int)len)
		return lxf_err_set(err, LXF_EINVAL, "operation URL too long");
	return 0;
}

/* POSTs body to path on e; the async answer's op URL and metadata (secrets). */
static int mig_post_op(struct mig_end *e, const char *path, struct json_object *body, char **op_url,
		       struct json_object **secrets, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	struct json_object *md;
	int rc;

	*op_url = NULL;
	*secrets = NULL;
	rc = lxf_client_request(e->c, "POST", path, body, &resp, err);
	if (rc)
		goto out;
	if (resp.type != LXF_RESP_ASYNC || !resp.operation) {
		rc = lxf_err_set(err, LXF_EIO, "remote '%s' did not start an operation for %s",
				 e->rem->name, path);
		goto out;
	}
	md = lxf_json_path(resp.metadata, "metadata");
	if (!(*op_url = strdup(resp.operation))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	*secrets = md ? json_object_get(md) : json_object_new_object();
out:
	lxf_response_fini(&resp);
	return rc;
}

static void mig_cancel_op(struct mig_end *e, const char *op_url)
{
	struct lxf_response resp = {0};
	struct lxf_err ign = {0};

	if (op_url && !e->gone)
		(void)lxf_client_request(e->c, "DELETE", op_url, NULL, &resp, &ign);
	lxf_response_fini(&resp);
}

/* The first "*progress" string of an operation's metadata, or NULL. */
const char *lxf_mig_progress_text(struct json_object *op)
{
	struct json_object *md = lxf_json_path(op, "metadata");

	if (!md || !json_object_is_type(md, json_type_object))
		return NULL;
	json_object_object_foreach(md, k, v)
	{
		size_t kl = strlen(k);

		if (kl >= 8 && strcmp(k + kl - 8, "progress") == 0 &&
		    json_object_is_type(v, json_type_string))
			return json_object_get_string(v);
	}
	return NULL;
}

/*
 * Waits for op_url on e, a second at a time (the server holds each wait:
 * no busy polling), showing progress and giving up on Ctrl-C.
 */
static int mig_wait(struct mig_xfer *x, struct mig_end *e, const char *op_url, int limit_secs,
		    struct lxf_err *err)
{
	bool shown = false;
	int rc;

	for (int waited = 0;; waited++) {
		struct lxf_response resp = {0};
		const char *p;

		if (lxf_mig_interrupted) {
			rc = lxf_err_set(err, LXF_ECANCELED, "interrupted");
			break;
		}
		rc = lxf_client_wait_op(e->c, op_url, 1, NULL, err);
		if (rc == -LXF_EUNAVAIL)
			e->gone = true;
		if (rc != -LXF_ETIMEDOUT)
			break;
		if (limit_secs >= 0 && waited >= limit_secs)
			break;
		if (!x->o->progress_tty || !x->o->msg)
			continue;
		if (lxf_client_request(e->c, "GET", op_url, NULL, &resp, err) == 0 &&
		    (p = lxf_mig_progress_text(resp.metadata)) != NULL) {
			(void)fprintf(x->o->msg, "\r\033[KTransferring %s: %s", x->name, p);
			(void)fflush(x->o->msg);
			shown = true;
		}
		lxf_response_fini(&resp);
	}
	if (shown) {
		(void)fputs("\r\033[K", x->o->msg);
		(void)fflush(x->o->msg);
	}
	return rc;
}

int lxf_mig_source_path(const struct mig_xfer *x, char *buf, size_t len, struct lxf_err *err)
{
	char snap[512];

	if (x->pool) {
		char coll[320];

		(void)snprintf(coll, sizeof(coll), "storage-pools/%s/volumes/custom", x->pool);
		return lxf_cmd_path(buf, len, coll, x->name, NULL, err);
	}
	if (!x->snap)
		return lxf_cmd_path(buf, len, "instances", x->name, NULL, err);
	{
		char *esc = lxf_client_escape(x->snap);
		int n;

		if (!esc)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		n = snprintf(snap, sizeof(snap), "/snapshots/%s", esc);
		free(esc);
		if (n < 0 || (size_t)n >= sizeof(snap))
			return lxf_err_set(err, LXF_EINVAL, "snapshot name too long");
	}
	return lxf_cmd_path(buf, len, "instances", x->name, snap, err);
}

/* The source request: {"migration": true, "live": false, ...}. */
struct json_object *lxf_mig_source_body(const struct mig_xfer *x)
{
	struct json_object *b = json_object_new_object();

	if (!b)
		return NULL;
	if (x->pool) { /* LXD's StorageVolumePost */
		if (json_object_object_add(b, "migration", json_object_new_boolean(1)) ||
		    lxf_json_add_str(b, "name", x->name) != 0 ||
		    lxf_json_add_str(b, "pool", x->pool) != 0 ||
		    json_object_object_add(b, "volume_only",
					   json_object_new_boolean(x->instance_only))) {
			json_object_put(b);
			return NULL;
		}
		return b;
	}
	if (json_object_object_add(b, "migration", json_object_new_boolean(1)) ||
	    json_object_object_add(b, "live", json_object_new_boolean(x->live)) ||
	    json_object_object_add(b, "instance_only",
				   json_object_new_boolean(x->instance_only || x->snap)) ||
	    (x->single_pass &&
	     json_object_object_add(b, "single_pass", json_object_new_boolean(1))) ||
	    (x->snap && lxf_json_add_str(b, "name", x->snap) != 0)) {
		json_object_put(b);
		return NULL;
	}
	return b;
}

/* The target's "source" object for mode; op/secrets only for pull. */
static int mig_target_source(struct mig_xfer *x, enum lxf_mig_mode mode, const char *sop,
			     struct json_object *ssec, struct json_object **out,
			     struct lxf_err *err)
{
	struct json_object *s = json_object_new_object();
	char url[MIG_URL_MAX];
	const char *cert;
	int rc = 0;

	*out = NULL;
	if (!s || lxf_json_add_str(s, "type", "migration") != 0 ||
	    lxf_json_add_str(s, "mode", mode == LXF_MIG_PULL ? "pull" : "push") != 0 ||
	    json_object_object_add(s, "live", json_object_new_boolean(x->live)) ||
	    json_object_object_add(s, "refresh", json_object_new_boolean(x->refresh)) ||
	    json_object_object_add(s, "instance_only",
				   json_object_new_boolean(x->instance_only || x->snap)) ||
	    (x->pool &&
	     json_object_object_add(s, "volume_only", json_object_new_boolean(x->instance_only)))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (mode == LXF_MIG_PULL) {
		if ((rc = lxf_mig_op_full_url(x->src, sop, url, sizeof(url), err)) != 0 ||
		    (rc = lxf_mig_end_cert(x->src, &cert, err)) != 0)
			goto out;
		if (lxf_json_add_str(s, "operation", url) != 0 ||
		    lxf_json_add_str(s, "certificate", cert) != 0 ||
		    json_object_object_add(s, "secrets", json_object_get(ssec))) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	*out = s;
	s = NULL;
out:
	json_object_put(s);
	return rc;
}

/* Push: the source dials the target: {"target": {operation, certificate, secrets}}. */
static int mig_push_target(struct mig_xfer *x, struct json_object *sbody, const char *dop,
			   struct json_object *dsec, struct lxf_err *err)
{
	struct json_object *t = json_object_new_object();
	char url[MIG_URL_MAX];
	const char *cert;
	int rc;

	if (!t)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if ((rc = lxf_mig_op_full_url(x->dst, dop, url, sizeof(url), err)) != 0 ||
	    (rc = lxf_mig_end_cert(x->dst, &cert, err)) != 0)
		goto out;
	if (lxf_json_add_str(t, "operation", url) != 0 ||
	    lxf_json_add_str(t, "certificate", cert) ||
	    json_object_object_add(t, "secrets", json_object_get(dsec)) ||
	    json_object_object_add(sbody, "target", t)) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	t = NULL;
out:
	json_object_put(t);
	return rc;
}

int lxf_mig_xfer_run(const struct lxf_remotes *rs, struct mig_xfer *x, enum lxf_mig_mode mode,
		     struct lxf_err *err)
{
	struct json_object *sbody = NULL, *ssec = NULL, *dsec = NULL, *tsrc = NULL;
	char *sop = NULL, *dop = NULL, spath[1024], dpath[320] = "/1.0/instances";
	struct mig_relay *relay = NULL;
	struct lxf_err serr = {0};
	bool target_done = false;
	int rc;

	x->made = false;
	if ((rc = lxf_mig_source_path(x, spath, sizeof(spath), err)) != 0)
		goto out;
	if (!(sbody = lxf_mig_source_body(x))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (mode != LXF_MIG_PUSH) {
		rc = mig_post_op(x->src, spath, sbody, &sop, &ssec, err);
		if (rc) {
			lxf_err_prefix(err, "source '%s'", x->src->rem->name);
			goto out;
		}
	}
	if ((rc = mig_target_source(x, mode, sop, ssec, &tsrc, err)) != 0)
		goto out;
	json_object_object_del(x->body, "source");
	if (json_object_object_add(x->body, "source", tsrc)) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	tsrc = NULL;
	if (x->dst_pool && (rc = lxf_cmd_path(dpath, sizeof(dpath), "storage-pools", x->dst_pool,
					      "/volumes/custom", err)) != 0)
		goto out;
	rc = mig_post_op(x->dst, dpath, x->body, &dop, &dsec, err);
	if (rc) {
		lxf_err_prefix(err, "target '%s'", x->dst->rem->name);
		goto out;
	}
	x->made = !x->refresh;
	if (mode == LXF_MIG_PUSH) {
		if ((rc = mig_push_target(x, sbody, dop, dsec, err)) != 0)
			goto out;
		rc = mig_post_op(x->src, spath, sbody, &sop, &ssec, err);
		if (rc) {
			lxf_err_prefix(err, "source '%s'", x->src->rem->name);
			goto out;
		}
	} else if (mode == LXF_MIG_RELAY) {
		if ((rc = relay_start(rs, x, sop, ssec, dop, dsec, &relay, err)) != 0)
			goto out;
	}
	rc = mig_wait(x, x->dst, dop, -1, err);
	if (rc) {
		lxf_err_prefix(err, "target '%s'", x->dst->rem->name);
		goto out;
	}
	/* The target has everything. The relay stays up until the source's op
	 * ends too: the target's last control message may still be on its way. */
	target_done = true;
	rc = mig_wait(x, x->src, sop, MIG_SRC_WAIT, err);
	if (rc)
		lxf_err_prefix(err, "source '%s'", x->src->rem->name);
out:
	if (rc) {
		/* The source's error usually says why the target's failed. */
		if (sop && !target_done && rc != -LXF_ECANCELED &&
		    lxf_client_wait_op(x->src->c, sop, 0, NULL, &serr) == -LXF_EIO) {
			char first[LXF_ERR_MSG_MAX];

			(void)snprintf(first, sizeof(first), "%s", err->msg);
			(void)lxf_err_set(err, -rc, "%s (source '%s': %s)", first,
					  x->src->rem->name, serr.msg);
		}
		mig_cancel_op(x->dst, dop);
		mig_cancel_op(x->src, sop);
	}
	relay_free(relay);
	json_object_put(tsrc);
	json_object_put(sbody);
	json_object_put(ssec);
	json_object_put(dsec);
	free(sop);
	free(dop);
	return rc;
}
