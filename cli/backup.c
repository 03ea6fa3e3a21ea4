/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parts of publish, export and import (backup.h). */
#include "backup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fleet.h"
#include "json.h"

int lxf_publish_body(const struct lxf_publish_req *r, struct json_object **out, struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *src = json_object_new_object();
	struct json_object *props = json_object_new_object(), *al = json_object_new_array();
	char name[512];
	int rc = 0;

	*out = NULL;
	if (!b || !src || !props || !al) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (r->snap)
		snprintf(name, sizeof(name), "%s/%s", r->name, r->snap);
	else
		snprintf(name, sizeof(name), "%s", r->name);
	lxf_json_add_str(src, "type", r->snap ? "snapshot" : "instance");
	lxf_json_add_str(src, "name", name);
	rc = r->nprops ? lxf_args_apply_kvs(props, (int)r->nprops, r->props, err) : 0;
	if (rc)
		goto out;
	for (size_t i = 0; i < r->naliases; i++) {
		struct json_object *a = json_object_new_object();

		if (!a || json_object_array_add(al, a)) {
			json_object_put(a);
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		lxf_json_add_str(a, "name", r->aliases[i]);
	}
	json_object_object_add(b, "source", src);
	json_object_object_add(b, "properties", props);
	json_object_object_add(b, "aliases", al);
	src = props = al = NULL;
	json_object_object_add(b, "public", json_object_new_boolean(r->public));
	if (r->compression)
		lxf_json_add_str(b, "compression_algorithm", r->compression);
	if (r->expires_at)
		lxf_json_add_str(b, "expires_at", r->expires_at);
	*out = b;
	b = NULL;
out:
	json_object_put(b);
	json_object_put(src);
	json_object_put(props);
	json_object_put(al);
	return rc;
}

int lxf_backup_expiry(const char *s, time_t now, char *out, size_t n, struct lxf_err *err)
{
	static const struct {
		char unit;
		long long secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
	char *end = NULL;
	long long v;
	struct tm tm;
	time_t t;

	/* An RFC 3339 time: the server checks it to the letter. */
	if (strlen(s) >= 20 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[10] == 'T') {
		if (strlen(s) >= n)
			return lxf_err_set(err, LXF_EUSAGE, "expiry '%s' is too long", s);
		snprintf(out, n, "%s", s);
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!errno && end != s && v > 0 && v < 100000000LL && end[0] && !end[1]) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (end[0] != units[i].unit)
				continue;
			t = now + (time_t)(v * units[i].secs);
			if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
				break;
			return 0;
		}
	}
	return lxf_err_set(err, LXF_EUSAGE,
			   "bad expiry '%s': want an RFC 3339 time or a duration like 30d, 12h", s);
}

bool lxf_export_is_stack(const struct lxf_remotes *r, int argc, char *const *argv)
{
	const char *a;
	size_t len;

	if (argc == 0)
		return true;
	a = argv[0];
	len = strcspn(a, ":");
	if (a[len] == ':' && a[len + 1])
		return false; /* REMOTE:NAME */
	if (lxf_fleet_is_list(a))
		return true; /* @web, h1,h2: remotes, which only the stack export takes */
	for (size_t k = 0; k < r->n; k++)
		if (strlen(r->v[k].name) == len && strncmp(r->v[k].name, a, len) == 0)
			return true;
	/* "x:" of an unknown remote: the stack export says it is not found. */
	return a[len] == ':';
}
