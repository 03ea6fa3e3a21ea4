/* SPDX-License-Identifier: Apache-2.0 */
/* The stop watcher (watch.h): pidfds of running inits in one epoll. */
#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "db.h"
#include "events.h"
#include "instance.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "op.h"

#define WATCH_SETTLE_MS  50  /* between looks while liblxc's monitor cleans up */
#define WATCH_SETTLE_MAX 200 /* looks: 10 s, then the stop is handled anyway */
#define WATCH_MAX_EVENTS 16

#define POWER_KEY        "volatile.last_state.power"

struct entry {
	uint64_t id; /* epoll's data: entries are looked up, never pointed at */
	char name[64];
	int pidfd;
	bool expected; /* lxfd stops it (backend_stop): not ours to handle */
	struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;
static uint64_t next_id = 1; /* 0 is the wake eventfd */
static int epfd = -1, wakefd = -1;
static pthread_t thread;
static bool started, stopping;

/* Unlinks the entry for name (or id when name is NULL); caller frees. */
static struct entry *take_locked(const char *name, uint64_t id)
{
	for (struct entry **pp = &entries; *pp; pp = &(*pp)->next) {
		struct entry *e = *pp;
		if (name ? strcmp(e->name, name) == 0 : e->id == id) {
			*pp = e->next;
			(void)epoll_ctl(epfd, EPOLL_CTL_DEL, e->pidfd, NULL);
			return e;
		}
	}
	return NULL;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	close(e->pidfd);
	free(e);
}

void watch_instance(const char *name)
{
	struct entry *e = calloc(1, sizeof(*e)), *old = NULL;
	struct lxf_err err;
	int fd;

	if (!e || !started || strlen(name) >= sizeof(e->name)) {
		free(e);
		return;
	}
	fd = backend_init_pidfd(name, &err);
	if (fd < 0) {
		lxf_debug("watch %s: %s", name, err.msg);
		free(e);
		return;
	}
	e->pidfd = fd;
	snprintf(e->name, sizeof(e->name), "%s", name);
	pthread_mutex_lock(&lock);
	old = take_locked(name, 0);
	e->id = next_id++;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = e->id};
	if (stopping || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pthread_mutex_unlock(&lock);
		entry_free(e);
		entry_free(old);
		return;
	}
	e->next = entries;
	entries = e;
	pthread_mutex_unlock(&lock);
	entry_free(old);
}

/*
 * volatile.last_state.power as LXD keeps it: RUNNING at every start,
 * STOPPED at every stop, lxfd's or the container's own (lifecycle.c puts
 * RUNNING back after stopping an instance at daemon shutdown, so that it
 * starts again with lxfd). An instance made without one (a copy, an
 * import) gets its volatile.uuid at its first start, as in LXD.
 */
static void note_power(const char *name, const char *power)
{
	struct lxf_err err;

	if (instance_set_key(name, POWER_KEY, power, false, &err) < 0)
		lxf_warn("Cannot record %s of %s: %s", POWER_KEY, name, err.msg);
}

/*
 * The instances a start or stop touched since lxfd started, until the
 * autostart job is done with them (watch_touched_done): that job works
 * from rows read at start-up, beside the clients, so an instance a client
 * stopped meanwhile still reads RUNNING there and would be started again
 * after its acknowledged stop (test-torture found it).
 */
struct touched {
	struct touched *next;
	char name[];
};
static pthread_mutex_t touched_lock = PTHREAD_MUTEX_INITIALIZER;
static struct touched *touched;
static bool touched_done;

static bool touched_locked(const char *name)
{
	for (struct touched *t = touched; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return true;
	return false;
}

static void touch(const char *name)
{
	size_t n = strlen(name) + 1;
	struct touched *t;

	pthread_mutex_lock(&touched_lock);
	if (!touched_done && !touched_locked(name) && (t = malloc(sizeof(*t) + n))) {
		memcpy(t->name, name, n);
		t->next = touched;
		touched = t;
	}
	pthread_mutex_unlock(&touched_lock);
}

bool watch_touched(const char *name)
{
	bool yes;

	pthread_mutex_lock(&touched_lock);
	yes = touched_locked(name);
	pthread_mutex_unlock(&touched_lock);
	return yes;
}

void watch_touched_done(void)
{
	pthread_mutex_lock(&touched_lock);
	touched_done = true;
	while (touched) {
		struct touched *t = touched;
		touched = t->next;
		free(t);
	}
	pthread_mutex_unlock(&touched_lock);
}

static void on_started(const char *name)
{
	char uuid[37];

	touch(name);
	watch_instance(name);
	note_power(name, "RUNNING");
	instance_new_uuid(uuid);
	(void)instance_set_key(name, "volatile.uuid", uuid, true, NULL);
}

static void on_stopped(const char *name)
{
	touch(name);
	note_power(name, "STOPPED");
}

static void on_stopping(const char *name)
{
	touch(name);
	pthread_mutex_lock(&lock);
	for (struct entry *e = entries; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			e->expected = true;
	pthread_mutex_unlock(&lock);
}

static void sleep_ms(long ms)
{
	struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* POOL_OP: what LXD's onStop does for a stop from inside. */
static void stopped_job(void *arg)
{
	char *name = arg, url[128];
	struct json_object *row = NULL;
	struct lxf_err err;
	const char *st = NULL;

	/* init is gone; liblxc's monitor still tears down (cgroups, network)
	 * before the state reads STOPPED, and only then can it be deleted. */
	for (int i = 0; i < WATCH_SETTLE_MAX; i++) {
		st = backend_status(name);
		if (!st || strcmp(st, "Stopped") == 0)
			break;
		sleep_ms(WATCH_SETTLE_MS);
	}
	if (st && strcmp(st, "Running") == 0) {
		/* Still (again) running: a reboot from inside, which liblxc's
		 * monitor restarts. Follow its new init. */
		lxf_info("Instance %s restarted from inside", name);
		watch_instance(name);
		snprintf(url, sizeof(url), "/1.0/instances/%s", name);
		events_lifecycle("instance-restarted", url, NULL);
		goto out;
	}
	if (!st || strcmp(st, "Stopped") != 0) {
		/* Deleted meanwhile, or the monitor never finished: leave it. */
		lxf_debug("watch %s: %s after its init exited", name, st ? st : "gone");
		goto out;
	}
	if (db_row(&row, "Instance", NULL, "SELECT ephemeral FROM instances WHERE name = ?", "s",
		   name) < 0)
		goto out;
	snprintf(url, sizeof(url), "/1.0/instances/%s", name);
	lxf_info("Instance %s stopped from inside", name);
	note_power(name, "STOPPED");
	events_lifecycle("instance-shutdown", url, NULL);
	if (!json_object_get_boolean(json_object_object_get(row, "ephemeral")))
		goto out;
	if (journal_instance_delete(name, &err) < 0) {
		lxf_warn("Cannot delete ephemeral instance %s: %s", name, err.msg);
		goto out;
	}
	lxf_info("Deleted ephemeral instance %s", name);
	events_lifecycle("instance-deleted", url, NULL);
out:
	json_object_put(row);
	free(name);
}

static void *watch_main(void *data)
{
	struct epoll_event evs[WATCH_MAX_EVENTS];

	(void)data;
	for (;;) {
		int n = epoll_wait(epfd, evs, WATCH_MAX_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			struct entry *e;
			struct lxf_err err;
			char *name = NULL;
			bool expected = true;

			if (evs[i].data.u64 == 0) {
				pthread_mutex_lock(&lock);
				bool stop = stopping;
				pthread_mutex_unlock(&lock);
				if (stop)
					return NULL;
				continue;
			}
			pthread_mutex_lock(&lock);
			e = take_locked(NULL, evs[i].data.u64);
			pthread_mutex_unlock(&lock);
			if (!e)
				continue; /* replaced meanwhile */
			expected = e->expected;
			if (!expected)
				name = strdup(e->name);
			entry_free(e);
			if (name && pool_submit(POOL_OP, stopped_job, name, &err) < 0) {
				lxf_debug("watch: %s", err.msg);
				free(name);
			}
		}
	}
	return NULL;
}

int watch_init(struct lxf_err *err)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};

	if (epfd < 0 || wakefd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot set up the stop watcher");
	if (pthread_create(&thread, NULL, watch_main, NULL) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "Cannot start the stop watcher");
	started = true;
	backend_set_hooks(on_started, on_stopping, on_stopped);
	return 0;
}

void watch_shutdown(void)
{
	uint64_t one = 1;
	struct entry *all;

	if (!started)
		return;
	backend_set_hooks(NULL, NULL, NULL);
	pthread_mutex_lock(&lock);
	stopping = true;
	all = entries;
	entries = NULL;
	pthread_mutex_unlock(&lock);
	if (write(wakefd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		pthread_join(thread, NULL);
	while (all) {
		struct entry *e = all;
		all = e->next;
		entry_free(e);
	}
	started = false;
}
