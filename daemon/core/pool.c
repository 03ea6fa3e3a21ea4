/* SPDX-License-Identifier: Apache-2.0 */
/* The worker pools behind pool_submit (pool.h): fixed threads per pool, FIFO jobs. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct job {
	void (*fn)(void *arg);
	void *arg;
	struct job *next;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a job is queued, or the pool stops */
	pthread_cond_t idle; /* a job ended while stopping (pool_stop waits) */
	struct job *head, *tail;
	pthread_t threads[4];
	int nthreads;
	int busy;
	bool stopping;
};

static struct pool pools[POOL_COUNT] = {
    {.lock = PTHREAD_MUTEX_INITIALIZER,
     .cond = PTHREAD_COND_INITIALIZER,
     .idle = PTHREAD_COND_INITIALIZER},
    {.lock = PTHREAD_MUTEX_INITIALIZER,
     .cond = PTHREAD_COND_INITIALIZER,
     .idle = PTHREAD_COND_INITIALIZER},
};
static const int pool_size[POOL_COUNT] = {2, 3};

static void *pool_main(void *data)
{
	struct pool *p = data;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->head)
			break;
		struct job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&p->lock);
		p->busy--;
		/* Only pool_stop waits for jobs to end. Waking the idle workers
		 * here after every job (they find nothing and sleep again) was
		 * two wasted wake-ups per API request. */
		if (p->stopping)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int pool_submit(enum pool_id pool, void (*fn)(void *arg), void *arg, struct lxf_err *err)
{
	struct pool *p = &pools[pool];
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		free(j);
		return lxf_err_set(err, LXF_EUNAVAIL, "The daemon is shutting down");
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int pool_start(struct lxf_err *err)
{
	for (int p = 0; p < POOL_COUNT; p++) {
		for (int i = 0; i < pool_size[p]; i++) {
			if (pthread_create(&pools[p].threads[i], NULL, pool_main, &pools[p]) != 0)
				return lxf_err_set(err, LXF_ENOMEM, "Cannot start worker threads");
			pools[p].nthreads++;
		}
	}
	return 0;
}

int pool_stop(int grace_secs)
{
	struct timespec deadline;
	int busy = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += grace_secs;
	for (int p = 0; p < POOL_COUNT; p++) {
		struct pool *pl = &pools[p];
		pthread_mutex_lock(&pl->lock);
		pl->stopping = true;
		pthread_cond_broadcast(&pl->cond);
		while ((pl->busy || pl->head) &&
		       pthread_cond_timedwait(&pl->idle, &pl->lock, &deadline) != ETIMEDOUT)
			;
		int left = pl->busy + (pl->head != NULL);
		pthread_mutex_unlock(&pl->lock);
		if (left) {
			busy += left;
			continue;
		}
		for (int i = 0; i < pl->nthreads; i++)
			pthread_join(pl->threads[i], NULL);
		pl->nthreads = 0;
	}
	return busy;
}
