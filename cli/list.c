/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Columns, filters and sorting for `lxf list`, on LXD InstanceFull objects.
 * The rules mirror lxc's so that scripts written for lxc keep working.
 */
#include "list.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "output.h"

static const struct lxf_list_col list_cols[] = {
    {'4', "IPV4", true, false},          {'6', "IPV6", true, false},
    {'a', "ARCHITECTURE", false, false}, {'b', "STORAGE POOL", false, false},
    {'c', "CREATED AT", false, false},   {'d', "DESCRIPTION", false, false},
    {'e', "PROJECT", false, false},      {'f', "BASE IMAGE", false, false},
    {'F', "BASE IMAGE", false, false},   {'l', "LAST USED AT", false, false},
    {'m', "MEMORY USAGE", true, false},  {'n', "NAME", false, false},
    {'N', "PROCESSES", true, false},     {'p', "PID", true, false},
    {'P', "PROFILES", false, false},     {'s', "STATE", false, false},
    {'S', "SNAPSHOTS", false, true},     {'t', "TYPE", false, false},
    {'u', "CPU USAGE", true, false},     {'L', "LOCATION", false, false},
};

int lxf_list_parse_columns(const char *spec, const struct lxf_list_col **cols, size_t max,
			   size_t *n, struct lxf_err *err)
{
	size_t k = 0;
	bool prev_comma = true;

	*n = 0;
	if (!*spec)
		return lxf_err_set(err, LXF_EUSAGE, "empty column list");
	for (const char *p = spec; *p; p++) {
		const struct lxf_list_col *found = NULL;

		if (*p == ',') {
			if (prev_comma)
				return lxf_err_set(err, LXF_EUSAGE, "empty column entry in '%s'",
						   spec);
			prev_comma = true;
			continue;
		}
		prev_comma = false;
		for (size_t i = 0; i < sizeof(list_cols) / sizeof(list_cols[0]); i++)
			if (list_cols[i].letter == *p)
				found = &list_cols[i];
		if (!found) {
			if (isprint((unsigned char)*p))
				return lxf_err_set(err, LXF_EUSAGE, "unknown column '%c'", *p);
			return lxf_err_set(err, LXF_EUSAGE, "unknown column '\\x%02x'",
					   (unsigned char)*p);
		}
		if (k >= max)
			return lxf_err_set(err, LXF_EUSAGE, "too many columns (max %zu)", max);
		cols[k++] = found;
	}
	if (prev_comma)
		return lxf_err_set(err, LXF_EUSAGE, "empty column entry in '%s'", spec);
	*n = k;
	return 0;
}

/* ---- filters ---- */

/* POSIX ERE, anchored unless the pattern anchors itself (lxc's rule). -1: not a regex. */
static int list_regex_match(const char *pattern, const char *subject)
{
	char *anchored = NULL;
	regex_t re;
	int rc;

	if (!strchr(pattern, '^') && !strchr(pattern, '$')) {
		if (asprintf(&anchored, "^(%s)$", pattern) < 0)
			return -1;
		pattern = anchored;
	}
	rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0)
		return -1;
	rc = regexec(&re, subject, 0, NULL, 0) == 0;
	regfree(&re);
	return rc;
}

/* "s.priv" matches "security.privileged": same number of dotted parts, each a prefix. */
static bool list_dot_prefix(const char *shrt, const char *full)
{
	while (*shrt || *full) {
		size_t ls = strcspn(shrt, "."), lf = strcspn(full, ".");

		if (ls > lf || strncmp(shrt, full, ls) != 0)
			return false;
		shrt += ls;
		full += lf;
		if ((*shrt == '.') != (*full == '.'))
			return false;
		if (*shrt == '.') {
			shrt++;
			full++;
		}
	}
	return true;
}

static bool list_status_active(struct json_object *inst)
{
	const char *st = lxf_json_str(inst, "status");

	return st && strcasecmp(st, "Stopped") != 0 && strcasecmp(st, "Error") != 0;
}

/* Address equality or membership of a CIDR. */
static bool list_addr_in(const char *addr, const char *query, int af)
{
	unsigned char a[16], q[16];
	char net[64];
	const char *slash = strchr(query, '/');
	long bits;
	size_t nbytes = af == AF_INET ? 4 : 16;
	char *end;

	if (strcmp(addr, query) == 0)
		return true;
	if (!slash || (size_t)(slash - query) >= sizeof(net))
		return false;
	memcpy(net, query, (size_t)(slash - query));
	net[slash - query] = '\0';
	bits = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || bits < 0 || bits > (long)nbytes * 8)
		return false;
	if (inet_pton(af, net, q) != 1 || inet_pton(af, addr, a) != 1)
		return false;
	for (long i = 0; i < bits; i++) {
		unsigned char m = (unsigned char)(0x80u >> (i % 8));

		if ((a[i / 8] & m) != (q[i / 8] & m))
			return false;
	}
	return true;
}

/* True when q is an address, or a CIDR, of family af. */
static bool list_addr_valid(const char *q, int af)
{
	unsigned char buf[16];
	char net[64];
	const char *slash = strchr(q, '/');
	char *end;
	long bits;

	if (!slash)
		return inet_pton(af, q, buf) == 1;
	if ((size_t)(slash - q) >= sizeof(net))
		return false;
	memcpy(net, q, (size_t)(slash - q));
	net[slash - q] = '\0';
	bits = strtol(slash + 1, &end, 10);
	return !*end && end != slash + 1 && bits >= 0 && bits <= (af == AF_INET ? 32 : 128) &&
	       inet_pton(af, net, buf) == 1;
}

int lxf_list_check_filter(const char *f, struct lxf_err *err)
{
	const char *eq = strchr(f, '=');

	if (!*f)
		return lxf_err_set(err, LXF_EUSAGE, "empty filter");
	if (!eq)
		return 0;
	if (eq == f)
		return lxf_err_set(err, LXF_EUSAGE, "bad filter '%s': empty key", f);
	if (strncasecmp(f, "ipv4=", 5) == 0 && !list_addr_valid(eq + 1, AF_INET))
		return lxf_err_set(err, LXF_EUSAGE, "bad filter '%s': not an IPv4 address or CIDR",
				   f);
	if (strncasecmp(f, "ipv6=", 5) == 0 && !list_addr_valid(eq + 1, AF_INET6))
		return lxf_err_set(err, LXF_EUSAGE, "bad filter '%s': not an IPv6 address or CIDR",
				   f);
	return 0;
}

static bool list_match_net(struct json_object *inst, const char *query, const char *family)
{
	struct json_object *net = lxf_json_path(inst, "state.network"), *addrs;

	if (!net || !json_object_is_type(net, json_type_object))
		return false;
	json_object_object_foreach(net, ifname, iface)
	{
		(void)ifname;
		if (!json_object_object_get_ex(iface, "addresses", &addrs) ||
		    !json_object_is_type(addrs, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(addrs); i++) {
			struct json_object *a = json_object_array_get_idx(addrs, i);
			const char *fam = lxf_json_str(a, "family"),
				   *ad = lxf_json_str(a, "address");

			if (!fam || !ad || strcmp(fam, family) != 0)
				continue;
			if (list_addr_in(ad, query,
					 strcmp(family, "inet") == 0 ? AF_INET : AF_INET6))
				return true;
		}
	}
	return false;
}

static bool list_match_one_short(struct json_object *inst, const char *key, const char *val)
{
	const char *field;

	if (strcasecmp(key, "ipv4") == 0)
		return list_match_net(inst, val, "inet");
	if (strcasecmp(key, "ipv6") == 0)
		return list_match_net(inst, val, "inet6");
	if (strcasecmp(key, "type") == 0)
		field = lxf_json_str(inst, "type");
	else if (strcasecmp(key, "status") == 0)
		field = lxf_json_str(inst, "status");
	else if (strcasecmp(key, "architecture") == 0)
		field = lxf_json_str(inst, "architecture");
	else
		field = lxf_json_str(inst, "location");
	return field && strcasecmp(field, val) == 0;
}

/* Returns 1 match, 0 no match, -1 key is not a shorthand. */
static int list_match_shorthand(struct json_object *inst, const char *key, const char *val)
{
	static const char *const keys[] = {"type",     "status", "architecture",
					   "location", "ipv4",   "ipv6"};
	bool known = false;
	char *copy, *save = NULL;
	int hit = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(key, keys[i]) == 0)
			known = true;
	if (!known)
		return -1;
	copy = strdup(val);
	if (!copy)
		return 0;
	if (!strchr(copy, ',')) {
		hit = list_match_one_short(inst, key, copy);
	} else {
		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (list_match_one_short(inst, key, tok))
				hit = 1;
	}
	free(copy);
	return hit;
}

static bool list_match_kv(struct json_object *inst, const char *key, const char *val)
{
	struct json_object *cfg = NULL;
	const char *exact;
	bool found = false;

	if (list_match_shorthand(inst, key, val) == 1)
		return true;
	if (!json_object_object_get_ex(inst, "expanded_config", &cfg) ||
	    !json_object_is_type(cfg, json_type_object))
		cfg = NULL;
	if (cfg) {
		json_object_object_foreach(cfg, ckey, cval)
		{
			const char *v = json_object_is_type(cval, json_type_string)
					    ? json_object_get_string(cval)
					    : "";

			if (!list_dot_prefix(key, ckey))
				continue;
			int m = list_regex_match(val, v);
			if (m < 0) {
				if (strcmp(val, v) == 0) {
					found = true;
					break;
				}
				return false;
			}
			if (m == 1) {
				found = true;
				break;
			}
		}
	}
	/* An absent key reads as "", so "user.x=" selects instances without it. */
	exact = cfg ? lxf_json_str(cfg, key) : NULL;
	if (strcmp(exact ? exact : "", val) == 0)
		return true;
	return found;
}

bool lxf_list_match(struct json_object *inst, const char *const *filters, size_t nfilters)
{
	const char *name = lxf_json_str(inst, "name");

	if (!name)
		name = "";
	for (size_t i = 0; i < nfilters; i++) {
		const char *f = filters[i], *eq = strchr(f, '=');

		if (eq) {
			char *key = strndup(f, (size_t)(eq - f));
			bool ok;

			if (!key)
				return false;
			ok = list_match_kv(inst, key, eq + 1);
			free(key);
			if (!ok)
				return false;
			continue;
		}
		if (list_regex_match(f, name) == 1)
			continue;
		if (strncmp(name, f, strlen(f)) != 0)
			return false;
	}
	return true;
}

/* ---- cells ---- */

void lxf_list_format_time(const char *s, char *buf, size_t len)
{
	struct tm tm = {0};
	const char *rest;
	time_t t;
	long off = 0;

	buf[0] = '\0';
	if (!s)
		return;
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest || tm.tm_year + 1900 <= 1970)
		return; /* Go's zero time and the epoch both mean "never" */
	if (*rest == '.')
		for (rest++; isdigit((unsigned char)*rest); rest++)
			;
	if ((rest[0] == '+' || rest[0] == '-') && isdigit((unsigned char)rest[1]) &&
	    isdigit((unsigned char)rest[2]) && rest[3] == ':') {
		off = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600L +
		      ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60L;
		if (rest[0] == '-')
			off = -off;
	}
	t = timegm(&tm) - off;
	if (!gmtime_r(&t, &tm))
		return;
	(void)strftime(buf, len, "%Y/%m/%d %H:%M UTC", &tm);
}

static int list_cmp_str_desc(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* Global addresses of one family, "addr (iface)", reverse sorted, one per line. */
static int list_ips(struct json_object *inst, const char *family, struct lxf_buf *out)
{
	struct json_object *net = lxf_json_path(inst, "state.network"), *addrs;
	char **v = NULL, **nv;
	size_t n = 0;
	int rc = 0;

	if (!list_status_active(inst) || !net || !json_object_is_type(net, json_type_object))
		return 0;
	json_object_object_foreach(net, ifname, iface)
	{
		const char *type = lxf_json_str(iface, "type");

		if ((type && strcmp(type, "loopback") == 0) ||
		    !json_object_object_get_ex(iface, "addresses", &addrs) ||
		    !json_object_is_type(addrs, json_type_array))
			continue;
		for (size_t i = 0; i < json_object_array_length(addrs); i++) {
			struct json_object *a = json_object_array_get_idx(addrs, i);
			const char *fam = lxf_json_str(a, "family"),
				   *ad = lxf_json_str(a, "address");
			const char *scope = lxf_json_str(a, "scope");

			if (!fam || !ad || strcmp(fam, family) != 0)
				continue;
			if (scope && (strcmp(scope, "link") == 0 || strcmp(scope, "local") == 0))
				continue;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				rc = -LXF_ENOMEM;
				goto out;
			}
			v = nv;
			if (asprintf(&v[n], "%s (%s)", ad, ifname) < 0) {
				rc = -LXF_ENOMEM;
				goto out;
			}
			n++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), list_cmp_str_desc);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = lxf_buf_addf(out, "%s%s", i ? "\n" : "", v[i]);
out:
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

static int list_upper(const char *s, struct lxf_buf *out)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++)
		rc = lxf_buf_addc(out, (char)toupper((unsigned char)*s));
	return rc;
}

static int64_t list_state_int(struct json_object *inst, const char *path)
{
	struct json_object *o = lxf_json_path(inst, path);

	return o && json_object_is_type(o, json_type_int) ? json_object_get_int64(o) : 0;
}

static int list_pool(struct json_object *inst, struct lxf_buf *out)
{
	struct json_object *devs = NULL;

	if (!json_object_object_get_ex(inst, "expanded_devices", &devs) ||
	    !json_object_is_type(devs, json_type_object))
		return 0;
	json_object_object_foreach(devs, dname, dev)
	{
		const char *type = lxf_json_str(dev, "type"), *path = lxf_json_str(dev, "path");

		(void)dname;
		if (type && path && strcmp(type, "disk") == 0 && strcmp(path, "/") == 0)
			return lxf_buf_adds(
			    out, lxf_json_str(dev, "pool") ? lxf_json_str(dev, "pool") : "");
	}
	return 0;
}

static int list_cell_fill(struct json_object *inst, char letter, struct lxf_buf *b)
{
	struct json_object *o = NULL;
	const char *s;
	char tmp[64];
	int64_t v;

	switch (letter) {
	case 'n':
		return lxf_buf_adds(b,
				    lxf_json_str(inst, "name") ? lxf_json_str(inst, "name") : "");
	case 's':
		return list_upper(lxf_json_str(inst, "status"), b);
	case '4':
		return list_ips(inst, "inet", b);
	case '6':
		return list_ips(inst, "inet6", b);
	case 't': {
		bool eph = false;
		int rc;

		s = lxf_json_str(inst, "type");
		rc = list_upper(s && *s ? s : "container", b);
		(void)lxf_json_get_bool(inst, "ephemeral", false, &eph, NULL);
		return rc ? rc : eph ? lxf_buf_adds(b, " (EPHEMERAL)") : 0;
	}
	case 'S':
		json_object_object_get_ex(inst, "snapshots", &o);
		return lxf_buf_addf(b, "%zu",
				    o && json_object_is_type(o, json_type_array)
					? json_object_array_length(o)
					: (size_t)0);
	case 'L':
		s = lxf_json_str(inst, "location");
		return lxf_buf_adds(b, s && strcmp(s, "none") != 0 ? s : "");
	case 'a':
	case 'd':
	case 'e':
		s = lxf_json_str(inst, letter == 'a'   ? "architecture"
				       : letter == 'd' ? "description"
						       : "project");
		return lxf_buf_adds(b, s ? s : (letter == 'e' ? "default" : ""));
	case 'b':
		return list_pool(inst, b);
	case 'c':
	case 'l':
		lxf_list_format_time(
		    lxf_json_str(inst, letter == 'c' ? "created_at" : "last_used_at"), tmp,
		    sizeof(tmp));
		return lxf_buf_adds(b, tmp);
	case 'f':
	case 'F':
		s = lxf_json_str(lxf_json_path(inst, "config"), "volatile.base_image");
		if (!s)
			return 0;
		return lxf_buf_add(b, s, letter == 'f' && strlen(s) > 12 ? 12 : strlen(s));
	case 'm':
		v = list_state_int(inst, "state.memory.usage");
		if (!list_status_active(inst) || v <= 0)
			return 0;
		lxf_output_size_iec(v, tmp, sizeof(tmp));
		return lxf_buf_adds(b, tmp);
	case 'N':
	case 'p':
		if (!list_status_active(inst) || !lxf_json_path(inst, "state"))
			return 0;
		return lxf_buf_addf(b, "%lld",
				    (long long)list_state_int(
					inst, letter == 'p' ? "state.pid" : "state.processes"));
	case 'P':
		json_object_object_get_ex(inst, "profiles", &o);
		for (size_t i = 0; o && json_object_is_type(o, json_type_array) &&
				   i < json_object_array_length(o);
		     i++) {
			int rc =
			    lxf_buf_addf(b, "%s%s", i ? "\n" : "",
					 json_object_get_string(json_object_array_get_idx(o, i)));
			if (rc)
				return rc;
		}
		return 0;
	case 'u':
		v = list_state_int(inst, "state.cpu.usage");
		if (!list_status_active(inst) || v <= 0)
			return 0;
		return lxf_buf_addf(b, "%llds", (long long)(v / 1000000000));
	default:
		return 0;
	}
}

char *lxf_list_cell(struct json_object *inst, char letter)
{
	struct lxf_buf b = {0};

	if (list_cell_fill(inst, letter, &b) != 0) {
		lxf_buf_fini(&b);
		return NULL;
	}
	return lxf_buf_take(&b);
}

/* ---- sorting ---- */

int lxf_list_cmp(struct json_object *a, struct json_object *b)
{
	const char *ra = lxf_json_str(a, "remote"), *rb = lxf_json_str(b, "remote");
	const char *na = lxf_json_str(a, "name"), *nb = lxf_json_str(b, "name");
	int c = strverscmp(ra ? ra : "", rb ? rb : "");

	return c ? c : strverscmp(na ? na : "", nb ? nb : "");
}

static int list_qsort_cmp(const void *a, const void *b)
{
	return lxf_list_cmp(*(struct json_object *const *)a, *(struct json_object *const *)b);
}

void lxf_list_sort(struct json_object **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(struct json_object *), list_qsort_cmp);
}
