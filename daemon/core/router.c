/* SPDX-License-Identifier: Apache-2.0 */
#include "router.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hex.h"

static const struct route *routes;
static size_t nroutes;

static const char *const method_names[ROUTE_METHODS] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

void router_init(const struct route *table, size_t n)
{
	routes = table;
	nroutes = n;
}

const struct route *router_table(size_t *n)
{
	*n = nroutes;
	return routes;
}

int router_method(const char *name)
{
	for (int i = 0; i < ROUTE_METHODS; i++)
		if (strcmp(name, method_names[i]) == 0)
			return i;
	return -1;
}

const char *router_method_name(enum route_method m)
{
	return (unsigned)m < ROUTE_METHODS ? method_names[m] : "?";
}

int router_check_instance_name(const char *name, const char *what, struct lxf_err *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > 63)
		return lxf_err_set(err, LXF_EINVAL, "Invalid %s: must be 1 to 63 characters long",
				   what);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isascii(c) && (isalnum(c) || c == '-')))
			return lxf_err_set(
			    err, LXF_EINVAL,
			    "Invalid %s \"%.63s\": only letters, digits and '-' are allowed", what,
			    name);
	}
	if (isdigit((unsigned char)name[0]) || name[0] == '-')
		return lxf_err_set(err, LXF_EINVAL,
				   "Invalid %s \"%s\": must not start with a digit or '-'", what,
				   name);
	if (name[len - 1] == '-')
		return lxf_err_set(err, LXF_EINVAL, "Invalid %s \"%s\": must not end with '-'",
				   what, name);
	return 0;
}

int router_check_object_name(const char *name, const char *what, struct lxf_err *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > 255)
		return lxf_err_set(err, LXF_EINVAL, "Invalid %s: must be 1 to 255 characters long",
				   what);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return lxf_err_set(err, LXF_EINVAL, "Invalid %s \"%s\"", what, name);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c < 0x20 || c == 0x7f || c == ' ')
			return lxf_err_set(
			    err, LXF_EINVAL,
			    "Invalid %s: no '/', spaces or control characters allowed", what);
	}
	return 0;
}

static int check_hex(const char *s, size_t min, size_t max, const char *what, struct lxf_err *err)
{
	size_t len = strlen(s);

	if (len < min || len > max)
		return lxf_err_set(err, LXF_EINVAL, "Invalid %s \"%.80s\"", what, s);
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return lxf_err_set(err, LXF_EINVAL, "Invalid %s \"%.80s\"", what, s);
	return 0;
}

static int check_uuid(const char *s, struct lxf_err *err)
{
	size_t len = strlen(s);

	if (len != 36)
		return lxf_err_set(err, LXF_EINVAL, "Invalid operation id \"%.80s\"", s);
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return lxf_err_set(err, LXF_EINVAL, "Invalid operation id \"%.80s\"", s);
	}
	return 0;
}

static int check_param(const char *name, const char *val, struct lxf_err *err)
{
	if (strcmp(name, "name") == 0)
		return router_check_instance_name(val, "instance name", err);
	if (strcmp(name, "fp") == 0)
		return check_hex(val, 1, 64, "image fingerprint", err);
	if (strcmp(name, "id") == 0)
		return check_uuid(val, err);
	if (strcmp(name, "alias") == 0)
		return router_check_object_name(val, "alias name", err);
	if (strcmp(name, "profile") == 0)
		return router_check_object_name(val, "profile name", err);
	if (strcmp(name, "pool") == 0)
		return router_check_object_name(val, "pool name", err);
	if (strcmp(name, "vtype") == 0)
		return router_check_object_name(val, "storage volume type", err);
	if (strcmp(name, "vol") == 0)
		return router_check_object_name(val, "storage volume name", err);
	if (strcmp(name, "network") == 0)
		return router_check_object_name(val, "network name", err);
	if (strcmp(name, "snap") == 0)
		return router_check_object_name(val, "snapshot name", err);
	if (strcmp(name, "cert") == 0)
		return check_hex(val, 1, 64, "certificate fingerprint", err);
	if (strcmp(name, "backup") == 0)
		return router_check_object_name(val, "backup name", err);
	if (strcmp(name, "file") == 0)
		return router_check_object_name(val, "log file name", err);
	return lxf_err_set(err, LXF_EINTERNAL, "No validation for parameter {%s}", name);
}

/* %-decodes n bytes of s into out (size cap); a NUL byte or bad escape is refused. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = lxf_hexval(s[i + 1]);
			int lo = lxf_hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/*
 * Compares template t with path p segment by segment. Returns the number of
 * literal segments matched (>= 0) or -1 when the shapes differ; raw params
 * are recorded in m (not yet decoded).
 */
static int match_tmpl(const char *t, const char *p, struct route_match *m, const char **raw,
		      size_t *rawlen)
{
	int literals = 0;

	m->nparams = 0;
	while (*t && *p) {
		if (*t != '/' || *p != '/')
			return -1;
		t++;
		p++;
		size_t tl = strcspn(t, "/");
		size_t pl = strcspn(p, "/");
		if (tl > 2 && t[0] == '{' && t[tl - 1] == '}') {
			if (pl == 0 || m->nparams >= ROUTE_MAX_PARAMS ||
			    tl - 2 >= sizeof(m->names[0]))
				return -1;
			memcpy(m->names[m->nparams], t + 1, tl - 2);
			m->names[m->nparams][tl - 2] = '\0';
			raw[m->nparams] = p;
			rawlen[m->nparams] = pl;
			m->nparams++;
		} else {
			if (tl != pl || memcmp(t, p, tl) != 0)
				return -1;
			literals++;
		}
		t += tl;
		p += pl;
	}
	return *t || *p ? -1 : literals;
}

int router_match(int method, const char *path, struct route_match *m, struct lxf_err *err)
{
	static const char alias[] = "/1.0/containers";
	char buf[2048];
	const char *raw[ROUTE_MAX_PARAMS] = {NULL};
	size_t rawlen[ROUTE_MAX_PARAMS] = {0};
	const char *best_tmpl = NULL;
	int best = -1;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	int n;
	if (strncmp(path, alias, sizeof(alias) - 1) == 0 &&
	    (path[sizeof(alias) - 1] == '/' || path[sizeof(alias) - 1] == '\0'))
		n = snprintf(buf, sizeof(buf), "/1.0/instances%s", path + sizeof(alias) - 1);
	else
		n = snprintf(buf, sizeof(buf), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return lxf_err_set(err, LXF_ENOENT, "Not found");
	/* A trailing slash names the same resource ("/1.0/" is "/1.0"). */
	if (n > 1 && buf[n - 1] == '/')
		buf[n - 1] = '\0';
	path = buf;

	for (size_t i = 0; i < nroutes; i++) {
		struct route_match tmp;
		const char *traw[ROUTE_MAX_PARAMS];
		size_t tlen[ROUTE_MAX_PARAMS];
		int lit = match_tmpl(routes[i].tmpl, path, &tmp, traw, tlen);
		if (lit < 0)
			continue;
		if (lit > best) {
			best = lit;
			best_tmpl = routes[i].tmpl;
			m->route = NULL;
		}
		if (lit == best && strcmp(routes[i].tmpl, best_tmpl) == 0 &&
		    (int)routes[i].method == method) {
			*m = tmp;
			m->route = &routes[i];
			memcpy(raw, traw, sizeof(raw));
			memcpy(rawlen, tlen, sizeof(rawlen));
		}
	}
	if (!best_tmpl) {
		ret = lxf_err_set(err, LXF_ENOENT, "Not found");
		goto out;
	}
	if (!m->route) {
		ret = lxf_err_set(err, LXF_ENOMETHOD, "Method not allowed");
		goto out;
	}
	for (int i = 0; i < m->nparams; i++) {
		if (pct_decode(raw[i], rawlen[i], m->params[i], sizeof(m->params[i])) < 0) {
			ret = lxf_err_set(err, LXF_EINVAL, "Invalid %s in URL", m->names[i]);
			goto out;
		}
		ret = check_param(m->names[i], m->params[i], err);
		if (ret < 0)
			goto out;
	}
out:
	if (ret < 0)
		memset(m, 0, sizeof(*m));
	return ret;
}

const char *router_param(const struct route_match *m, const char *name)
{
	for (int i = 0; i < m->nparams; i++)
		if (strcmp(m->names[i], name) == 0)
			return m->params[i];
	return NULL;
}
