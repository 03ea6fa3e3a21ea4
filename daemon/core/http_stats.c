/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request counts for /1.0/metrics (http_stats.h). The entity of a route is
 * the first segment after /1.0 of its template, from one table; routes of
 * no listed kind (/1.0 itself, resources, events, metrics, /internal)
 * count as "server", as in LXD.
 */
#include "http_stats.h"

#include <string.h>

static const struct {
	const char *segment, *name;
} entities[] = {
    {NULL, "server"},          {"certificates", "certificate"}, {"images", "image"},
    {"instances", "instance"}, {"networks", "network"},         {"operations", "operation"},
    {"profiles", "profile"},   {"projects", "project"},         {"storage-pools", "storage_pool"},
    {"warnings", "warning"},
};
#define NENT ((int)(sizeof(entities) / sizeof(entities[0])))

static int64_t ongoing[NENT], done[NENT][HTTP_RES_COUNT];

int http_stats_entities(void)
{
	return NENT;
}

const char *http_stats_entity_name(int i)
{
	return i >= 0 && i < NENT ? entities[i].name : entities[0].name;
}

const char *http_stats_result_name(enum http_result r)
{
	static const char *const names[HTTP_RES_COUNT] = {"succeeded", "error_client",
							  "error_server"};

	return names[r < HTTP_RES_COUNT ? r : HTTP_RES_SERVER];
}

int http_stats_entity(const char *tmpl)
{
	size_t n;

	if (!tmpl || strncmp(tmpl, "/1.0/", 5) != 0)
		return 0;
	tmpl += 5;
	n = strcspn(tmpl, "/");
	for (int i = 1; i < NENT; i++)
		if (strlen(entities[i].segment) == n && !strncmp(tmpl, entities[i].segment, n))
			return i;
	return 0;
}

void http_stats_begin(int entity)
{
	if (entity >= 0 && entity < NENT)
		__atomic_add_fetch(&ongoing[entity], 1, __ATOMIC_RELAXED);
}

void http_stats_end(int entity)
{
	if (entity >= 0 && entity < NENT)
		__atomic_sub_fetch(&ongoing[entity], 1, __ATOMIC_RELAXED);
}

void http_stats_completed(int entity, int status)
{
	enum http_result r = status >= 500   ? HTTP_RES_SERVER
			     : status >= 400 ? HTTP_RES_CLIENT
					     : HTTP_RES_OK;

	if (entity >= 0 && entity < NENT)
		__atomic_add_fetch(&done[entity][r], 1, __ATOMIC_RELAXED);
}

int64_t http_stats_ongoing(int entity)
{
	return entity >= 0 && entity < NENT ? __atomic_load_n(&ongoing[entity], __ATOMIC_RELAXED)
					    : 0;
}

int64_t http_stats_done(int entity, enum http_result r)
{
	return entity >= 0 && entity < NENT && r < HTTP_RES_COUNT
		   ? __atomic_load_n(&done[entity][r], __ATOMIC_RELAXED)
		   : 0;
}
