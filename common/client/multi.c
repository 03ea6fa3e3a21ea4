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
 *
 * A batch may also name a waiting note: once a second has passed and some
 * requests have ended while others have not, it is told which remotes are
 * still awaited (lxf prints "waiting for h3…"). Whichever slice still runs
 * a pending request sees that moment, so the note needs no thread of its own.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "client_int.h"

/* How long one curl_multi_poll may sleep; curl's own timers cut it short. */
#define MULTI_POLL_MS 1000
/* More handshake threads than this gain nothing for one terminal's list. */
#define MULTI_MAX_THREADS 8
/* The waiting note: after this long, then checked this often. */
#define MULTI_NOTE_MS      1000
#define MULTI_NOTE_TICK_MS 250

/* What the slices of one batch share: which requests have ended, the note. */
struct batch {
	struct lxf_client_req *reqs;
	size_t n;
	pthread_mutex_t lock;
	bool *ended;    /* by index in reqs */
	size_t nactive; /* requests with a client */
	size_t nended;
	bool noted; /* the note was given, or there is none */
	struct timespec start;
	lxf_client_waiting_fn note;
	void *note_arg;
};

/* One multi handle's share of the batch. */
struct slice {
	struct batch *b;
	struct lxf_client_req **v;
	size_t n;
	pthread_t thread;
	bool started;
};

static long batch_elapsed_ms(const struct batch *b)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - b->start.tv_sec) * 1000 +
	       (now.tv_nsec - b->start.tv_nsec) / 1000000;
}

static void batch_end(struct batch *b, const struct lxf_client_req *r)
{
	size_t i = (size_t)(r - b->reqs);

	pthread_mutex_lock(&b->lock);
	if (!b->ended[i]) {
		b->ended[i] = true;
		b->nended++;
	}
	pthread_mutex_unlock(&b->lock);
}

/* Gives the note when it is due: a second gone, some ended, some not. */
static void batch_note(struct batch *b)
{
	const char **names;
	size_t k = 0;

	if (batch_elapsed_ms(b) < MULTI_NOTE_MS)
		return;
	pthread_mutex_lock(&b->lock);
	if (b->noted || b->nended == 0 || b->nended >= b->nactive)
		goto out;
	names = calloc(b->nactive - b->nended, sizeof(*names));
	if (!names)
		goto out;
	for (size_t i = 0; i < b->n; i++)
		if (b->reqs[i].c && !b->ended[i])
			names[k++] = b->reqs[i].c->name ? b->reqs[i].c->name : b->reqs[i].c->addr;
	b->note(b->note_arg, names, k);
	free(names);
	b->noted = true;
out:
	pthread_mutex_unlock(&b->lock);
}

/* How long one poll may sleep: until the note is due, then a tick at a time. */
static int batch_poll_ms(struct batch *b)
{
	long left = MULTI_NOTE_MS - batch_elapsed_ms(b);
	bool noted;

	pthread_mutex_lock(&b->lock);
	noted = b->noted;
	pthread_mutex_unlock(&b->lock);
	if (noted)
		return MULTI_POLL_MS;
	return left > MULTI_NOTE_TICK_MS ? (int)left : MULTI_NOTE_TICK_MS;
}

static void slice_fail(const struct slice *s, int code, const char *why)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i]->rc)
			s->v[i]->rc = lxf_err_set(&s->v[i]->err, code, "%s", why);
		batch_end(s->b, s->v[i]);
	}
}

/* Hands each finished transfer its answer, then the request's done hook. */
static void slice_collect(CURLM *m, const struct slice *s, struct client_xfer *xs, bool *added,
			  bool *done)
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
		/* Out of the batch at once: the hook may free the client. */
		curl_multi_remove_handle(m, s->v[i]->c->curl);
		curl_easy_setopt(s->v[i]->c->curl, CURLOPT_PRIVATE, NULL);
		added[i] = false;
		done[i] = true;
		batch_end(s->b, s->v[i]);
		if (s->v[i]->done)
			s->v[i]->done(s->v[i], s->v[i]->done_arg);
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
					   r->c->answer_secs, r->last ? close_hdr : NULL, &xs[i],
					   &hdrs[i], &r->err);
		if (r->rc) {
			batch_end(s->b, r);
			continue;
		}
		/* The transfer's own slot: finished transfers are told apart by it. */
		curl_easy_setopt(r->c->curl, CURLOPT_PRIVATE, (char *)&xs[i]);
		if (curl_multi_add_handle(m, r->c->curl) != CURLM_OK) {
			r->rc = lxf_err_set(&r->err, LXF_EIO, "cannot queue the request");
			batch_end(s->b, r);
			continue;
		}
		added[i] = true;
	}
	for (;;) {
		mc = curl_multi_perform(m, &running);
		if (mc != CURLM_OK)
			break;
		slice_collect(m, s, xs, added, done);
		if (!running)
			break;
		batch_note(s->b);
		mc = curl_multi_poll(m, NULL, 0, batch_poll_ms(s->b), NULL);
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
	return lxf_client_request_all_note(reqs, n, NULL, NULL);
}

int lxf_client_request_all_note(struct lxf_client_req *reqs, size_t n, lxf_client_waiting_fn note,
				void *note_arg)
{
	size_t k = slices_for(reqs, n), nunix = 0, ntls = 0, at = 0;
	struct slice *sl = calloc(k, sizeof(*sl));
	struct lxf_client_req **v = calloc(n ? n : 1, sizeof(struct lxf_client_req *));
	struct batch b = {.reqs = reqs,
			  .n = n,
			  .note = note,
			  .note_arg = note_arg,
			  .noted = !note,
			  .lock = PTHREAD_MUTEX_INITIALIZER};
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &b.start);
	b.ended = calloc(n ? n : 1, sizeof(*b.ended));
	if (!sl || !v || !b.ended) {
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
		b.nactive++;
	}
	for (size_t i = 0; i < n; i++) {
		if (!reqs[i].c || reqs[i].c->socket_path)
			continue;
		reqs[i].rc = 0;
		v[nunix + ntls++] = &reqs[i];
		b.nactive++;
	}
	for (size_t s = 0; s < k; s++) {
		sl[s].b = &b;
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
	pthread_mutex_destroy(&b.lock);
	free(b.ended);
	free(v);
	free(sl);
	return rc;
}
