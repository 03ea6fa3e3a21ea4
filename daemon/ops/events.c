/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event hub. Subscribers sit on one list under one lock; an event is
 * rendered once and queued on every subscriber that wants its type.
 * Queueing never blocks: ws_conn_send() refuses past the cap and the
 * subscriber is dropped, as LXD drops a listener that falls behind.
 */
#include "events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "op.h"
#include "ws.h"

struct sub {
	struct ws_conn *c; /* NULL until the handshake completes */
	unsigned mask;
	struct sub *next;
};

static pthread_mutex_t subs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sub *subs;
static unsigned wanted; /* union of the masks, under subs_lock */
static bool hooked;

static const struct {
	const char *name;
	unsigned bit;
} type_names[] = {
    {"lifecycle", EVENTS_LIFECYCLE},
    {"operation", EVENTS_OPERATION},
    {"logging", EVENTS_LOGGING},
};

int events_parse_types(const char *s, unsigned *mask, struct lxf_err *err)
{
	unsigned m = 0;

	while (*s) {
		size_t len = strcspn(s, ",");
		bool known = false;
		for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
			if (strlen(type_names[i].name) == len &&
			    strncmp(type_names[i].name, s, len) == 0) {
				m |= type_names[i].bit;
				known = true;
			}
		if (!known && len > 0)
			return lxf_err_set(err, LXF_EINVAL, "Unknown event type \"%.*s\"",
					   (int)(len > 64 ? 64 : len), s);
		s += len;
		if (*s == ',')
			s++;
	}
	*mask = m ? m : EVENTS_ALL;
	return 0;
}

void events_timestamp(const struct timespec *t, char *buf, size_t n)
{
	struct tm tm;
	char base[32];

	if (!gmtime_r(&t->tv_sec, &tm) ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(base, sizeof(base), "1970-01-01T00:00:00");
	snprintf(buf, n, "%s.%09ldZ", base, (long)t->tv_nsec);
}

struct json_object *events_build(const char *type, const struct timespec *t, struct json_object *md)
{
	struct json_object *o = json_object_new_object();
	char ts[64];

	if (!o) {
		json_object_put(md);
		return NULL;
	}
	events_timestamp(t, ts, sizeof(ts));
	if (lxf_json_add_str(o, "type", type) < 0 || lxf_json_add_str(o, "timestamp", ts) < 0 ||
	    json_object_object_add(o, "metadata", md) < 0) {
		json_object_put(o);
		return NULL;
	}
	if (lxf_json_add_str(o, "location", "none") < 0 ||
	    lxf_json_add_str(o, "project", "default") < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

bool events_wanted(unsigned type)
{
	bool r;

	pthread_mutex_lock(&subs_lock);
	r = (wanted & type) != 0;
	pthread_mutex_unlock(&subs_lock);
	return r;
}

static void recompute_wanted_locked(void)
{
	wanted = 0;
	for (struct sub *s = subs; s; s = s->next)
		if (s->c)
			wanted |= s->mask;
}

/* Renders and queues; takes md. */
static void emit(unsigned type, const char *name, struct json_object *md)
{
	struct timespec t;
	struct json_object *o;
	const char *s;
	size_t len;

	if (!events_wanted(type)) {
		json_object_put(md);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &t);
	o = events_build(name, &t, md);
	if (!o)
		return;
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(s);
	pthread_mutex_lock(&subs_lock);
	for (struct sub *sb = subs; sb; sb = sb->next) {
		if (!sb->c || !(sb->mask & type))
			continue;
		int ret = ws_conn_send(sb->c, false, s, len);
		if (ret == -LXF_ETOOBIG || ret == -LXF_ENOMEM)
			ws_conn_abort(sb->c); /* too slow: dropped, never waited for */
	}
	pthread_mutex_unlock(&subs_lock);
	json_object_put(o);
}

void events_lifecycle(const char *action, const char *source, struct json_object *ctx)
{
	struct json_object *md;

	if (!events_wanted(EVENTS_LIFECYCLE))
		return;
	md = json_object_new_object();
	if (!md)
		return;
	lxf_json_add_str(md, "action", action);
	lxf_json_add_str(md, "source", source ? source : "");
	if (ctx)
		json_object_object_add(md, "context", json_object_get(ctx));
	emit(EVENTS_LIFECYCLE, "lifecycle", md);
}

void events_lifecycle_at(const char *action, const char *prefix, const char *name)
{
	char src[512];

	if (!action || !events_wanted(EVENTS_LIFECYCLE))
		return;
	snprintf(src, sizeof(src), "%s%s", prefix, name);
	events_lifecycle(action, src, NULL);
}

int events_if(int ret, const char *action, const char *prefix, const char *name)
{
	if (ret == 0)
		events_lifecycle_at(action, prefix, name);
	return ret;
}

const char *events_state_action(const char *action, bool force)
{
	static const char *const map[][2] = {
	    {"start", "instance-started"},
	    {"restart", "instance-restarted"},
	    {"freeze", "instance-paused"},
	    {"unfreeze", "instance-resumed"},
	};

	if (strcmp(action, "stop") == 0)
		return force ? "instance-stopped" : "instance-shutdown";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(action, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

void events_logging(enum lxf_log_level level, const char *message)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	struct json_object *md;

	if (level < LXF_LOG_INFO || level > LXF_LOG_ERROR || !events_wanted(EVENTS_LOGGING))
		return;
	md = json_object_new_object();
	if (!md)
		return;
	lxf_json_add_str(md, "message", message);
	lxf_json_add_str(md, "level", names[level]);
	json_object_object_add(md, "context", json_object_new_object());
	emit(EVENTS_LOGGING, "logging", md);
}

void events_operation(struct json_object *op_json)
{
	emit(EVENTS_OPERATION, "operation", json_object_get(op_json));
}

static void on_op_change(struct op *op, void *data)
{
	struct json_object *o;

	(void)data;
	if (!events_wanted(EVENTS_OPERATION))
		return;
	o = op_to_json(op);
	if (o)
		emit(EVENTS_OPERATION, "operation", o);
}

int events_init(struct lxf_err *err)
{
	if (hooked)
		return 0;
	if (op_on_change(on_op_change, NULL) < 0)
		return lxf_err_set(err, LXF_ENOMEM, "Too many operation hooks");
	/* lxfd's own log lines become "logging" events; emit() never logs. */
	lxf_log_set_hook(events_logging);
	hooked = true;
	return 0;
}

/* Subscribers: the websocket side */

static void sub_open(void *data, struct ws_conn *c)
{
	struct sub *s = data;

	pthread_mutex_lock(&subs_lock);
	s->c = ws_conn_ref(c);
	recompute_wanted_locked();
	pthread_mutex_unlock(&subs_lock);
}

/* Clients send nothing that matters on the events socket. */
static int sub_data(void *data, struct ws_conn *c, bool binary, const void *p, size_t n)
{
	(void)data;
	(void)c;
	(void)binary;
	(void)p;
	(void)n;
	return 0;
}

static void sub_close(void *data, struct ws_conn *c)
{
	struct sub *s = data;

	(void)c;
	pthread_mutex_lock(&subs_lock);
	for (struct sub **pp = &subs; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	recompute_wanted_locked();
	pthread_mutex_unlock(&subs_lock);
	ws_conn_unref(s->c);
	free(s);
}

static const struct ws_chan_ops sub_ops = {
    .on_open = sub_open,
    .on_data = sub_data,
    .on_close = sub_close,
};

int events_sub_new(const char *types, const struct ws_chan_ops **ops, void **data,
		   struct lxf_err *err)
{
	unsigned mask = 0;
	struct sub *s;
	int ret = events_parse_types(types, &mask, err);

	if (ret < 0)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	s->mask = mask;
	pthread_mutex_lock(&subs_lock);
	s->next = subs;
	subs = s;
	pthread_mutex_unlock(&subs_lock);
	*ops = &sub_ops;
	*data = s;
	return 0;
}

int events_ws_open(struct ws_conn *c, const struct route_match *m, const char *query,
		   struct lxf_err *err)
{
	char val[128];
	const char *types = ws_query_get(query, "type", val, sizeof(val));
	const struct ws_chan_ops *ops = NULL;
	void *data = NULL;
	int ret = events_sub_new(types ? types : "", &ops, &data, err);

	(void)m;
	if (ret == 0)
		ws_conn_bind(c, ops, data);
	return ret;
}
