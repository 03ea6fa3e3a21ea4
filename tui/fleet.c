/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Feeding the model: one thread per host. A session connects the events
 * websocket first (so nothing is missed between the list and the follow),
 * lists every instance once with recursion=2, reads /1.0/resources, then
 * re-reads only the instances that events name. A session ends when the
 * websocket closes or a request fails: the host is marked down with the
 * reason and retried after 1, 2, 4 ... 30 s. Nothing here ever blocks the
 * UI thread: it only takes the model lock for short copies. Every request
 * is timed (req_since_ms) so that the UI can show a host that stopped
 * answering as slow long before the request times out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "tui.h"
#include "ws.h"

#define FLEET_BACKOFF_MAX 30
#define FLEET_PROBE_SECS  1 /* a down host is pinged this often */
/*
 * What a host gets asked while up, by what the screen shows of it
 * (tui_host.shown, set by the UI each frame): CPU/memory/addresses are
 * not in events, so a host in the host panel, or with rows shown and
 * containers running, has its running containers read every 5 s (a ping
 * when none runs, so that a hung host shows slow); a shown host is
 * re-listed every 30 s; its resources are read only while it is in the
 * panel. Anything else is asked every 30 and 120 s: the idle console's
 * work grows with what it shows, not with the fleet. A host that comes
 * into view is read at once.
 */
#define FLEET_STATS_SECS         5
#define FLEET_METRICS_SECS       10 /* /1.0/metrics: LXD and lxfd cache it 8 s */
#define FLEET_RELIST_SECS        30
#define FLEET_HIDDEN_STATS_SECS  30
#define FLEET_HIDDEN_RELIST_SECS 120
#define FLEET_EVENT_DEPTH        32

static void host_status(struct tui_host *h, enum tui_host_status st, const char *reason)
{
	pthread_mutex_lock(&h->m->lock);
	/* Log transitions only: a retry of a down host is not news. */
	if (h->status != st &&
	    !(h->status == TUI_HOST_CONNECTING && st == TUI_HOST_DOWN && h->was_down)) {
		if (st == TUI_HOST_DOWN)
			tui_model_log(h->m, "%s: down: %s", h->name, reason ? reason : "");
		else if (st == TUI_HOST_UP)
			tui_model_log(h->m, "%s: up", h->name);
	}
	if (st == TUI_HOST_DOWN) {
		/* Its rows are the last thing it said, not what runs now. */
		if (!h->was_down)
			tui_model_set_stale(h->m, h->idx);
		h->was_down = true;
		h->gap_ms = tui_now_ms(); /* its graphs: a gap, not a flat line */
	} else if (st == TUI_HOST_UP)
		h->was_down = false;
	h->status = st;
	(void)snprintf(h->reason, sizeof(h->reason), "%s", reason ? reason : "");
	if (st != TUI_HOST_UP)
		h->nops = 0;
	if (st != TUI_HOST_DOWN)
		h->retry_ms = 0;
	tui_model_changed(h->m);
	pthread_mutex_unlock(&h->m->lock);
}

static void ev_on_message(struct lxf_ws *ws, void *ud, const void *data, size_t len, bool binary)
{
	struct tui_host *h = ud;
	struct json_object *o = NULL;
	struct tui_event ev;

	(void)ws;
	if (binary || len == 0 || lxf_json_parse(data, len, FLEET_EVENT_DEPTH, &o, NULL) != 0)
		return;
	if (tui_event_parse(o, &ev) != 0 || ev.kind == TUI_EV_IGNORE)
		goto out;
	if (ev.kind == TUI_EV_OP) {
		pthread_mutex_lock(&h->m->lock);
		tui_model_set_op(h->m, h->idx, &ev.op, ev.op_done);
		pthread_mutex_unlock(&h->m->lock);
		goto out;
	}
	pthread_mutex_lock(&h->m->lock);
	tui_model_log(h->m, "%s: %s %s", h->name, ev.action, ev.name);
	if (ev.kind == TUI_EV_DELETED)
		(void)tui_model_remove(h->m, h->idx, ev.name);
	pthread_mutex_unlock(&h->m->lock);
	if (ev.kind == TUI_EV_DELETED)
		goto out;
	pthread_mutex_lock(&h->qlock);
	if (ev.kind == TUI_EV_RELIST) {
		h->relist = true;
	} else {
		size_t i;

		for (i = 0; i < h->nqueue && strcmp(h->queue[i], ev.name) != 0; i++)
			;
		if (i == h->nqueue) {
			if (h->nqueue < sizeof(h->queue) / sizeof(h->queue[0]))
				(void)snprintf(h->queue[h->nqueue++], TUI_NAME_MAX, "%s", ev.name);
			else
				h->relist = true; /* a burst: one list is cheaper */
		}
	}
	pthread_cond_signal(&h->qcond);
	pthread_mutex_unlock(&h->qlock);
out:
	json_object_put(o);
}

static void ev_on_close(struct lxf_ws *ws, void *ud)
{
	struct tui_host *h = ud;

	(void)ws;
	pthread_mutex_lock(&h->qlock);
	h->closed = true;
	pthread_cond_signal(&h->qcond);
	pthread_mutex_unlock(&h->qlock);
}

static const struct lxf_ws_ops ev_ops = {.on_message = ev_on_message, .on_close = ev_on_close};

/* lxf_client_request, with the host marked busy while it waits. */
static int host_req(struct tui_host *h, struct lxf_client *c, const char *path,
		    struct lxf_response *resp, struct lxf_err *err)
{
	int rc;

	pthread_mutex_lock(&h->m->lock);
	h->req_since_ms = tui_now_ms();
	pthread_mutex_unlock(&h->m->lock);
	rc = lxf_client_request(c, "GET", path, NULL, resp, err);
	pthread_mutex_lock(&h->m->lock);
	/* A slow host shown as such is news again once it answers; its
	 * graphs keep the slots it did not answer in as a gap. */
	if (tui_now_ms() - h->req_since_ms >= TUI_SLOW_MS) {
		h->gap_ms = tui_now_ms();
		tui_model_changed(h->m);
	}
	h->req_since_ms = 0;
	if (rc == 0)
		h->seen = time(NULL);
	pthread_mutex_unlock(&h->m->lock);
	return rc;
}

static int host_relist(struct tui_host *h, struct lxf_client *c, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	int rc;

	rc = host_req(h, c, "/1.0/instances?recursion=2", &resp, err);
	if (rc != 0)
		goto out;
	pthread_mutex_lock(&h->m->lock);
	rc = tui_model_relist(h->m, h->idx, resp.metadata, tui_now_ms());
	tui_model_host_sample(h->m, h->idx, tui_now_ms());
	pthread_mutex_unlock(&h->m->lock);
	if (rc != 0)
		rc = lxf_err_set(err, LXF_EIO, "bad instance list from the server");
out:
	lxf_response_fini(&resp);
	return rc;
}

/*
 * The host's CPUs and memory, which only the host panel shows: read when
 * the host is in the panel, at each re-list (due) or once it comes into
 * it (*tried false). Optional: an old server or a restricted client has none.
 */
static void host_resources(struct tui_host *h, struct lxf_client *c, bool due, bool *tried)
{
	struct lxf_response resp = {0};
	struct json_object *cpu, *mem;
	bool panel;

	pthread_mutex_lock(&h->m->lock);
	panel = (h->shown & TUI_SHOWN_PANEL) != 0;
	pthread_mutex_unlock(&h->m->lock);
	if (!panel || (!due && *tried))
		return;
	*tried = true;
	if (host_req(h, c, "/1.0/resources", &resp, NULL) == 0) {
		cpu = lxf_json_path(resp.metadata, "cpu.total");
		mem = lxf_json_path(resp.metadata, "memory");
		pthread_mutex_lock(&h->m->lock);
		h->ncpu = cpu ? json_object_get_int(cpu) : 0;
		h->mem_used = mem ? json_object_get_int64(lxf_json_path(mem, "used")) : -1;
		h->mem_total = mem ? json_object_get_int64(lxf_json_path(mem, "total")) : -1;
		tui_model_changed(h->m);
		pthread_mutex_unlock(&h->m->lock);
	}
	lxf_response_fini(&resp);
}

/* Re-reads one instance and its state; gone means the row goes. */
static int host_refresh(struct tui_host *h, struct lxf_client *c, const char *name,
			struct lxf_err *err)
{
	struct lxf_response resp = {0}, st = {0};
	char path[256];
	int rc;

	(void)snprintf(path, sizeof(path), "/1.0/instances/%s", name);
	rc = host_req(h, c, path, &resp, err);
	if (rc == -LXF_ENOENT) {
		pthread_mutex_lock(&h->m->lock);
		(void)tui_model_remove(h->m, h->idx, name);
		pthread_mutex_unlock(&h->m->lock);
		rc = 0;
		goto out;
	}
	if (rc != 0 || !resp.metadata)
		goto out;
	(void)snprintf(path, sizeof(path), "/1.0/instances/%s/state", name);
	if (host_req(h, c, path, &st, NULL) == 0 && st.metadata)
		json_object_object_add(resp.metadata, "state", json_object_get(st.metadata));
	pthread_mutex_lock(&h->m->lock);
	(void)tui_model_upsert(h->m, h->idx, resp.metadata, tui_now_ms());
	pthread_mutex_unlock(&h->m->lock);
out:
	lxf_response_fini(&resp);
	lxf_response_fini(&st);
	return rc;
}

/* The source of h's graphs, from GET /1.0's answer (server). */
static enum tui_src host_source(struct tui_host *h, struct json_object *server)
{
	enum tui_src src = tui_stats_source(server);

	pthread_mutex_lock(&h->m->lock);
	h->src = src;
	if (src == TUI_SRC_METRICS)
		tui_model_log(h->m, "%s: graphs from %s", h->name, LXF_METRICS_PATH);
	pthread_mutex_unlock(&h->m->lock);
	return src;
}

/*
 * A scrape of /1.0/metrics into the graphs. -LXF_ENOENT or -LXF_EPERM (an
 * LXD that does not trust us for metrics): h goes back to /state.
 */
static int host_scrape(struct tui_host *h, struct lxf_client *c, struct tui_scrape *s,
		       struct lxf_err *err)
{
	struct lxf_response resp = {0};
	struct lxf_usage_set cur = {0};
	int rc = host_req(h, c, LXF_METRICS_PATH, &resp, err);

	if (rc == -LXF_ENOENT || rc == -LXF_EPERM) {
		pthread_mutex_lock(&h->m->lock);
		h->src = TUI_SRC_STATE;
		tui_model_log(h->m, "%s: graphs from /state: %s", h->name, err->msg);
		pthread_mutex_unlock(&h->m->lock);
		lxf_err_clear(err);
	}
	if (rc == 0)
		rc = lxf_usage_from_response(&resp, true, &cur, err);
	if (rc == 0) {
		pthread_mutex_lock(&h->m->lock);
		if (tui_model_metrics(h->m, h->idx, s, &cur, tui_now_ms()))
			tui_model_host_sample(h->m, h->idx, tui_now_ms());
		pthread_mutex_unlock(&h->m->lock);
	}
	lxf_usage_set_fini(&cur);
	lxf_response_fini(&resp);
	return rc;
}

/*
 * The running containers' CPU and memory, for the CPU rate: a scrape of
 * /1.0/metrics where the first read's GET /1.0 lists the extension, else
 * one filtered list (a server without filters sends them all, which is
 * only slower). Rows are updated, never added or removed: that is the
 * re-list's job.
 */
static int host_stats(struct tui_host *h, struct lxf_client *c, struct tui_scrape *s,
		      struct lxf_err *err)
{
	struct lxf_response resp = {0};
	size_t running;
	enum tui_src src;
	int rc = 0;

	pthread_mutex_lock(&h->m->lock);
	running = h->nrun;
	src = h->src;
	pthread_mutex_unlock(&h->m->lock);
	/* Nothing running: a ping, so that a host that stopped answering
	 * shows slow now rather than at the next re-list. */
	if (running == 0 || src == TUI_SRC_UNKNOWN) {
		rc = host_req(h, c, "/1.0", &resp, err);
		if (rc == 0 && src == TUI_SRC_UNKNOWN)
			src = host_source(h, resp.metadata);
		if (rc == 0 && running == 0) {
			pthread_mutex_lock(&h->m->lock);
			tui_model_host_sample(h->m, h->idx, tui_now_ms());
			pthread_mutex_unlock(&h->m->lock);
		}
		lxf_response_fini(&resp);
		if (rc != 0 || running == 0)
			goto out;
	}
	/* /state too until the scrapes give rates (the third answer): the
	 * first rates come as soon as without the endpoint. */
	if (src == TUI_SRC_METRICS) {
		rc = host_scrape(h, c, s, err);
		if ((rc == 0 && s->exact) || (rc != 0 && rc != -LXF_ENOENT && rc != -LXF_EPERM))
			goto out;
	}
	rc = host_req(h, c, "/1.0/instances?recursion=2&filter=status%20eq%20Running", &resp, err);
	if (rc != 0)
		goto out;
	pthread_mutex_lock(&h->m->lock);
	tui_model_refresh(h->m, h->idx, resp.metadata, tui_now_ms());
	tui_model_host_sample(h->m, h->idx, tui_now_ms());
	pthread_mutex_unlock(&h->m->lock);
out:
	lxf_response_fini(&resp);
	return rc;
}

static int host_ping(struct tui_host *h, struct lxf_client *c, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	int rc = host_req(h, c, "/1.0", &resp, err);

	lxf_response_fini(&resp);
	return rc;
}

static void deadline_in(struct timespec *ts, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	(void)clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* When the next stats read and re-list of h fall due (tui_now_ms), by
 * whether the screen shows it, from when each was last done. */
static void host_due(struct tui_host *h, int64_t stats_at, int64_t relist_at, int64_t *stats_due,
		     int64_t *relist_due)
{
	bool shown, busy;
	int secs;

	pthread_mutex_lock(&h->m->lock);
	shown = h->shown != 0;
	/* Its line (up, slow) or the CPU of its running rows on the screen. */
	busy = (h->shown & TUI_SHOWN_PANEL) || (shown && h->nrun > 0);
	secs = h->scraped ? FLEET_METRICS_SECS : FLEET_STATS_SECS;
	pthread_mutex_unlock(&h->m->lock);
	*stats_due = stats_at + 1000 * (busy ? secs : FLEET_HIDDEN_STATS_SECS);
	*relist_due = relist_at + 1000 * (shown ? FLEET_RELIST_SECS : FLEET_HIDDEN_RELIST_SECS);
}

/* One connected session; returns when it ends (err says why) or on stop. */
static int host_session(struct tui_host *h, int *backoff, struct lxf_err *err)
{
	struct lxf_client *c = NULL;
	struct lxf_ws_ctx *wc = NULL;
	struct lxf_ws *ws = NULL;
	char names[16][TUI_NAME_MAX];
	struct tui_scrape scrape = {0};
	int64_t stats_at, relist_at;
	bool res_tried = false;
	int rc;

	pthread_mutex_lock(&h->qlock);
	h->closed = false;
	h->relist = false;
	h->retry = false;
	h->poke = false;
	h->nqueue = 0;
	pthread_mutex_unlock(&h->qlock);
	pthread_mutex_lock(&h->m->lock);
	h->src = TUI_SRC_UNKNOWN; /* asked again: the server may have changed */
	h->scraped = false;
	pthread_mutex_unlock(&h->m->lock);
	rc = lxf_remotes_client(h->m->remotes, h->rem, &c, err);
	if (rc == 0)
		rc = lxf_ws_ctx_for_remote(h->m->remotes, h->rem, &wc, err);
	if (rc == 0)
		rc = lxf_ws_connect(wc, "/1.0/events?type=lifecycle,operation", &ev_ops, h, &ws,
				    err);
	/* A failed handshake says less than GET /1.0's error ("cannot connect
	 * to ..."): asked only then, not at every start (a request per host). */
	if (rc != 0 && c && wc) {
		struct lxf_err perr = {0};

		if (host_ping(h, c, &perr) != 0)
			*err = perr;
	}
	if (rc == 0)
		rc = host_relist(h, c, err);
	if (rc != 0)
		goto out;
	host_status(h, TUI_HOST_UP, NULL);
	*backoff = 1;
	stats_at = relist_at = tui_now_ms();
	for (;;) {
		size_t n;
		bool relist, stats, timed_out = false;
		int64_t stats_due, relist_due, now;
		struct timespec until;

		host_due(h, stats_at, relist_at, &stats_due, &relist_due);
		now = tui_now_ms();
		deadline_in(&until, (stats_due < relist_due ? stats_due : relist_due) - now);
		pthread_mutex_lock(&h->qlock);
		while (!h->nqueue && !h->relist && !h->closed && !h->stop && !h->poke &&
		       !timed_out && now < stats_due && now < relist_due)
			timed_out =
			    pthread_cond_timedwait(&h->qcond, &h->qlock, &until) == ETIMEDOUT;
		if (h->stop || h->closed) {
			rc = h->stop ? 0 : lxf_err_set(err, LXF_EUNAVAIL, "events connection lost");
			pthread_mutex_unlock(&h->qlock);
			break;
		}
		n = h->nqueue;
		memcpy(names, h->queue, n * sizeof(names[0]));
		h->nqueue = 0;
		relist = h->relist;
		h->relist = false;
		h->poke = false;
		pthread_mutex_unlock(&h->qlock);
		/* Come into view (poke) or due: the deadlines by what is shown now. */
		host_due(h, stats_at, relist_at, &stats_due, &relist_due);
		now = tui_now_ms();
		relist = relist || now >= relist_due;
		stats = now >= stats_due;
		for (size_t i = 0; i < n && rc == 0 && !relist; i++)
			rc = host_refresh(h, c, names[i], err);
		if (rc == 0)
			host_resources(h, c, relist, &res_tried);
		if (rc == 0 && relist) {
			rc = host_relist(h, c, err);
			stats_at = relist_at = tui_now_ms();
		} else if (rc == 0 && stats) {
			rc = host_stats(h, c, &scrape, err);
			stats_at = tui_now_ms();
		}
		if (rc != 0)
			break;
	}
out:
	tui_scrape_fini(&scrape);
	lxf_ws_ctx_free(wc);
	lxf_client_free(c);
	return rc;
}

/*
 * Waits backoff seconds before the next retry of a down host, or less: a
 * ping each FLEET_PROBE_SECS that fails and then answers means the host is
 * back (a ping that answers from the start does not: the session failed
 * for another reason, and the backoff stands). Returns true on stop.
 */
static bool host_wait(struct tui_host *h, int backoff)
{
	struct lxf_client *c = NULL;
	int64_t end = tui_now_ms() + (int64_t)backoff * 1000;
	bool failed = false, stop = false;

	pthread_mutex_lock(&h->m->lock);
	h->retry_ms = end;
	tui_model_changed(h->m);
	pthread_mutex_unlock(&h->m->lock);
	(void)lxf_remotes_client(h->m->remotes, h->rem, &c, NULL);
	for (;;) {
		struct timespec until;
		struct lxf_response resp = {0};
		bool retry;
		int rc;

		deadline_in(&until, FLEET_PROBE_SECS * 1000);
		pthread_mutex_lock(&h->qlock);
		while (!h->stop && !h->retry &&
		       pthread_cond_timedwait(&h->qcond, &h->qlock, &until) != ETIMEDOUT)
			;
		stop = h->stop;
		retry = h->retry;
		h->retry = false;
		pthread_mutex_unlock(&h->qlock);
		if (stop || retry || !c || tui_now_ms() >= end)
			break;
		rc = lxf_client_request(c, "GET", "/1.0", NULL, &resp, NULL);
		lxf_response_fini(&resp);
		if (rc != 0)
			failed = true;
		else if (failed)
			break;
	}
	lxf_client_free(c);
	return stop;
}

static void *host_main(void *arg)
{
	struct tui_host *h = arg;
	int backoff = 1;

	for (;;) {
		struct lxf_err err = {0};
		bool stop;

		host_status(h, TUI_HOST_CONNECTING, NULL);
		(void)host_session(h, &backoff, &err);
		pthread_mutex_lock(&h->qlock);
		stop = h->stop;
		pthread_mutex_unlock(&h->qlock);
		if (stop)
			break;
		host_status(h, TUI_HOST_DOWN, err.msg[0] ? err.msg : "disconnected");
		if (host_wait(h, backoff))
			break;
		backoff = backoff * 2 > FLEET_BACKOFF_MAX ? FLEET_BACKOFF_MAX : backoff * 2;
	}
	return NULL;
}

int tui_fleet_start(struct tui_model *m)
{
	for (size_t i = 0; i < m->nhosts; i++) {
		struct tui_host *h = &m->hosts[i];

		h->m = m;
		h->idx = (uint16_t)i;
		if (pthread_mutex_init(&h->qlock, NULL) != 0 ||
		    pthread_cond_init(&h->qcond, NULL) != 0)
			return -1;
		if (pthread_create(&h->thread, NULL, host_main, h) != 0)
			return -1;
		h->started = true;
	}
	return 0;
}

void tui_fleet_relist(struct tui_model *m, uint16_t host)
{
	struct tui_host *h = &m->hosts[host];

	pthread_mutex_lock(&h->qlock);
	h->relist = true;
	pthread_cond_signal(&h->qcond);
	pthread_mutex_unlock(&h->qlock);
}

void tui_fleet_poke(struct tui_model *m, uint16_t host)
{
	struct tui_host *h = &m->hosts[host];

	if (!h->started)
		return;
	pthread_mutex_lock(&h->qlock);
	h->poke = true;
	pthread_cond_signal(&h->qcond);
	pthread_mutex_unlock(&h->qlock);
}

void tui_fleet_retry(struct tui_model *m)
{
	for (size_t i = 0; i < m->nhosts; i++) {
		struct tui_host *h = &m->hosts[i];

		if (!h->started)
			continue;
		pthread_mutex_lock(&h->qlock);
		h->retry = true; /* read while it waits to retry; up, it re-lists */
		h->relist = true;
		pthread_cond_signal(&h->qcond);
		pthread_mutex_unlock(&h->qlock);
	}
}

/*
 * Asks every host thread to stop and waits a little for them. A thread
 * stuck in a request to a hung server is left behind (the process is
 * about to exit); returns false when one was.
 */
bool tui_fleet_stop(struct tui_model *m)
{
	struct timespec until;
	bool all = true;

	for (size_t i = 0; i < m->nhosts; i++) {
		struct tui_host *h = &m->hosts[i];

		if (!h->started)
			continue;
		pthread_mutex_lock(&h->qlock);
		h->stop = true;
		pthread_cond_signal(&h->qcond);
		pthread_mutex_unlock(&h->qlock);
	}
	deadline_in(&until, 2000);
	for (size_t i = 0; i < m->nhosts; i++) {
		struct tui_host *h = &m->hosts[i];

		if (!h->started)
			continue;
		if (pthread_timedjoin_np(h->thread, NULL, &until) != 0) {
			all = false;
			continue;
		}
		h->started = false;
		(void)pthread_cond_destroy(&h->qcond);
		(void)pthread_mutex_destroy(&h->qlock);
	}
	return all;
}
