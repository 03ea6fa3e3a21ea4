/* SPDX-License-Identifier: Apache-2.0 */
/* Keep lists: see json-keep.h. */
#include "json-keep.h"

#include <stdlib.h>
#include <string.h>

/* The paths of a keep list, split once for every member of every object. */
struct lxf_json_keep {
	size_t n;
	struct {
		const char *s;
		size_t len;
	} v[];
};

#define KEEP_SEPS " ,"

struct lxf_json_keep *lxf_json_keep_new(const char *keep)
{
	size_t cap = 1;
	struct lxf_json_keep *k;

	for (const char *p = keep; *p; p++)
		cap += strchr(KEEP_SEPS, *p) != NULL;
	k = calloc(1, sizeof(*k) + cap * sizeof(k->v[0]));
	while (k && *keep) {
		size_t n = strcspn(keep, KEEP_SEPS);

		if (n) {
			k->v[k->n].s = keep;
			k->v[k->n++].len = n;
		}
		keep += n;
		keep += *keep != '\0';
	}
	return k;
}

void lxf_json_keep_free(struct lxf_json_keep *k)
{
	free(k);
}

int lxf_json_keep_has(const struct lxf_json_keep *k, const char *path, size_t len)
{
	int found = 0;

	for (size_t i = 0; i < k->n; i++) {
		size_t n = k->v[i].len;

		if (n < len || memcmp(k->v[i].s, path, len) != 0)
			continue;
		if (n == len)
			return 2;
		found |= k->v[i].s[len] == '.';
	}
	return found;
}

/* Drops every member of o (at path, len bytes of buf) that k does not name. */
static void keep_prune(struct json_object *o, const struct lxf_json_keep *k, char *buf, size_t len)
{
	json_object_object_foreach(o, key, val)
	{
		size_t klen = strlen(key), at = len ? len + 1 : 0;
		int has;

		if (at + klen >= LXF_JSON_KEEP_PATH_MAX)
			continue; /* longer than any kept path: kept, never wrongly dropped */
		if (len)
			buf[len] = '.';
		memcpy(buf + at, key, klen + 1);
		has = lxf_json_keep_has(k, buf, at + klen);
		/* json-c's foreach has read the next entry already: key may go. */
		if (has == 0)
			json_object_object_del(o, key);
		else if (has == 1 && json_object_is_type(val, json_type_object))
			keep_prune(val, k, buf, at + klen);
	}
}

void lxf_json_keep_prune(struct json_object *o, const struct lxf_json_keep *k)
{
	char buf[LXF_JSON_KEEP_PATH_MAX];

	if (json_object_is_type(o, json_type_object))
		keep_prune(o, k, buf, 0);
}
