/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests to many remotes at once, driven by curl multi handles. A thread
 * per remote costs more than the request itself against a nearby daemon: a
 * stack, a malloc arena, and an easy_perform's own multi handle and wake-up
 * socketpair, each touched for the first time. So unix remotes all share
 * one multi handle in the calling thread. TLS handshakes are real CPU work
 * in the client, though: HTTPS remotes are spread over up to one multi
 * handle per online CPU, each in its own thread (the first one in the
 * calling thread, with the unix remotes).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "client_int.h"

/* How long one curl_multi_poll may sleep; curl's own timers cut it short. */
#define MULTI_POLL_MS 1000
/* More handshake threads than this gain nothing for one terminal's list. */
#define MULTI_MAX_THREADS 8

/* One multi handle's share of the batch. */
struct slice {
	struct lxf_client_req **v;
	size_t n;
	pthread_t thread;
	bool started;
};

static void slice_fail(const struct slice *s, int code, const char *why)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i]->rc)
			s->v[i]->rc = lxf_err_set(&s->v[i]->err, code, "%s", why);
}

/* Hands each finished transfer its answer. */
static void slice_collect(CURLM *m, const struct slice *s, struct client_xfer *xs, bool *done)
{
	struct CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m, &left))) {
		char *priv = NULL;
		size_t i;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (!priv)
			continue;
		i = (size_t)(priv - (char *)xs) / sizeof(*xs);
		s->v[i]->rc =
		    lxf_client_finish(s->v[i]->c, msg->data.result, &xs[i], &s->v[i]->err);
		done[i] = true;
	}
}

static void *slice_run(void *arg)
{
	const struct slice *s = arg;
	static const char *const close_hdr[] = {"Connection: close", NULL};
	struct client_xfer *xs = calloc(s->n ? s->n : 1, sizeof(*xs));
	struct curl_slist **hdrs = calloc(s->n ? s->n : 1, sizeof(struct curl_slist *));
	bool *added = calloc(s->n ? s->n : 1, sizeof(*added));
	bool *done = calloc(s->n ? s->n : 1, sizeof(*done));
	CURLM *m = curl_multi_init();
	CURLMcode mc = CURLM_OK;
	int running = 0;

	if (!xs || !hdrs || !added || !done || !m) {
		slice_fail(s, LXF_ENOMEM, "out of memory");
		goto out;
	}
	/* Each remote gets its own connection at once; no waiting to multiplex. */
	curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
	for (size_t i = 0; i < s->n; i++) {
		struct lxf_client_req *r = s->v[i];

		xs[i] = (struct client_xfer){.resp = &r->resp, .fd = -1, .in_fd = -1};
		r->rc = lxf_client_prepare(r->c, r->method, r->path, NULL, r->c->timeout_secs,
					   r->last ? close_hdr : NULL, &xs[i], &hdrs[i], &r->err);
		if (r->rc)
			continue;
		/* The transfer's own slot: finished transfers are told apart by it. */
		curl_easy_setopt(r->c->curl, CURLOPT_PRIVATE, (char *)&xs[i]);
		if (curl_multi_add_handle(m, r->c->curl) != CURLM_OK) {
			r->rc = lxf_err_set(&r->err, LXF_EIO, "cannot queue the request");
			continue;
		}
		added[i] = true;
	}
	for (;;) {
		mc = curl_multi_perform(m, &running);
		if (mc != CURLM_OK)
			break;
		slice_collect(m, s, xs, done);
		if (!running)
			break;
		mc = curl_multi_poll(m, NULL, 0, MULTI_POLL_MS, NULL);
		if (mc != CURLM_OK)
			break;
	}
	for (size_t i = 0; i < s->n; i++)
		if (added[i] && !done[i])
			s->v[i]->rc =
			    lxf_err_set(&s->v[i]->err, LXF_EIO, "%s: %s",
					lxf_client_addr(s->v[i]->c), curl_multi_strerror(mc));
out:
	for (size_t i = 0; m && added && i < s->n; i++)
		if (added[i]) {
			curl_multi_remove_handle(m, s->v[i]->c->curl);
			curl_easy_setopt(s->v[i]->c->curl, CURLOPT_PRIVATE, NULL);
		}
	if (m)
		curl_multi_cleanup(m);
	for (size_t i = 0; hdrs && i < s->n; i++)
		curl_slist_free_all(hdrs[i]);
	free(hdrs);
	free(done);
	free(added);
	free(xs);
	return NULL;
}

/* How many slices: one, plus one per further CPU while HTTPS remotes last. */
static size_t slices_for(const struct lxf_client_req *reqs, size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t tls = 0, k;

	for (size_t i = 0; i < n; i++)
		if (reqs[i].c && !reqs[i].c->socket_path)
			tls++;
	k = cpus > 1 ? (size_t)cpus : 1;
	if (k > MULTI_MAX_THREADS)
		k = MULTI_MAX_THREADS;
	if (k > tls)
		k = tls;
	return k ? k : 1;
}

int lxf_client_request_all(struct lxf_client_req *reqs, size_t n)
{
	size_t k = slices_for(reqs, n), nunix = 0, ntls = 0, at = 0;
	struct slice *sl = calloc(k, sizeof(*sl));
	struct lxf_client_req **v = calloc(n ? n : 1, sizeof(struct lxf_client_req *));
	int rc = 0;

	if (!sl || !v) {
		for (size_t i = 0; i < n; i++)
			if (reqs[i].c)
				reqs[i].rc = lxf_err_set(&reqs[i].err, LXF_ENOMEM, "out of memory");
		rc = -LXF_ENOMEM;
		goto out;
	}
	/* v: the unix remotes, then the HTTPS ones; slice 0 takes all the unix
	 * ones, and the HTTPS ones are dealt out evenly over the k slices. */
	for (size_t i = 0; i < n; i++) {
		if (!reqs[i].c || !reqs[i].c->socket_path)
			continue;
		reqs[i].rc = 0;
		v[nunix++] = &reqs[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (!reqs[i].c || reqs[i].c->socket_path)
			continue;
		reqs[i].rc = 0;
		v[nunix + ntls++] = &reqs[i];
	}
	for (size_t s = 0; s < k; s++) {
		sl[s].v = v + at;
		sl[s].n = ntls / k + (s < ntls % k ? 1 : 0) + (s == 0 ? nunix : 0);
		at += sl[s].n;
	}
	for (size_t s = 1; s < k; s++)
		sl[s].started = pthread_create(&sl[s].thread, NULL, slice_run, &sl[s]) == 0;
	slice_run(&sl[0]);
	for (size_t s = 1; s < k; s++) {
		if (sl[s].started)
			pthread_join(sl[s].thread, NULL);
		else
			slice_run(&sl[s]); /* no thread for it: here, after slice 0 */
	}
out:
	free(v);
	free(sl);
	return rc;
}
