/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_HTTP_STATS_H
#define LXFD_HTTP_STATS_H

#include <stdint.h>

/*
 * Counts of API requests by the kind of object they are about (LXD's
 * entity_type label of lxd_api_requests_*): ongoing (handed to a handler,
 * not yet answered) and completed by result. Kept by http.c, read by the
 * metrics endpoint; lock-free counters, any thread.
 */
enum http_result { HTTP_RES_OK, HTTP_RES_CLIENT, HTTP_RES_SERVER, HTTP_RES_COUNT };

/* The number of entity types, and the name of type i ("instance"...). */
int http_stats_entities(void);
const char *http_stats_entity_name(int i);
const char *http_stats_result_name(enum http_result r);

/* The entity type of a route template ("/1.0/instances/{name}" -> instance). */
int http_stats_entity(const char *tmpl);

void http_stats_begin(int entity);
void http_stats_end(int entity);
void http_stats_completed(int entity, int status);

/* The counts now. */
int64_t http_stats_ongoing(int entity);
int64_t http_stats_done(int entity, enum http_result r);

#endif
