/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Filters and sorting for `lxf list`, on LXD InstanceFull objects (the
 * columns are the instance view's, common/client/view.c). The rules mirror
 * lxc's so that scripts written for lxc keep working.
 */
#include "list.h"

#include <arpa/inet.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"

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

/* Appends the pick remote:name to *picks, grown as needed. */
static int list_add_pick(struct lxf_list_pick **picks, size_t *npicks, size_t *cap,
			 const char *remote, size_t rl, const char *name, const char *word,
			 struct lxf_err *err)
{
	if (rl == 0 || rl > LXF_REMOTE_NAME_MAX)
		return lxf_err_set(err, LXF_EUSAGE, "bad remote in '%s'", word);
	if (*npicks == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct lxf_list_pick *nv = realloc(*picks, nc * sizeof(*nv));

		if (!nv)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		*picks = nv;
		*cap = nc;
	}
	memcpy((*picks)[*npicks].remote, remote, rl);
	(*picks)[*npicks].remote[rl] = '\0';
	(*picks)[*npicks].word = word;
	(*picks)[(*npicks)++].name = name;
	return 0;
}

/* The picks of one "SPEC:NAME" word: one per remote spec names (lxf_remotes_expand). */
static int list_add_spec(const struct lxf_remotes *r, const char *spec, size_t sl, const char *name,
			 struct lxf_list_pick **picks, size_t *npicks, size_t *cap,
			 struct lxf_err *err)
{
	char *copy, **names = NULL;
	size_t n = 0;
	int rc;

	if (!r || sl == 0) /* ":c1": list_add_pick's usage error */
		return list_add_pick(picks, npicks, cap, spec, sl, name, spec, err);
	if (!(copy = strndup(spec, sl)))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_remotes_expand(r, copy, &names, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = list_add_pick(picks, npicks, cap, names[i], strlen(names[i]), name, spec, err);
	lxf_remotes_names_free(names, n);
	free(copy);
	return rc;
}

int lxf_list_split(const struct lxf_remotes *r, int argc, char *const *argv, const char **filters,
		   size_t *nfilters, struct lxf_list_pick **picks, size_t *npicks,
		   struct lxf_err *err)
{
	size_t cap = 0;
	int rc = 0;

	*nfilters = 0;
	*npicks = 0;
	*picks = NULL;
	for (int i = 0; i < argc && rc == 0; i++) {
		const char *a = argv[i], *colon = strchr(a, ':');

		/* "key=value" may hold ':' (ipv6=fd00::1): a filter, as lxc reads it.
		 * "@web" needs no ':' (no instance name starts with '@'). */
		if (strchr(a, '=') || (!colon && !lxf_remotes_is_group_spec(a))) {
			rc = lxf_list_check_filter(a, err);
			if (rc == 0)
				filters[(*nfilters)++] = a;
			continue;
		}
		if (!colon)
			colon = a + strlen(a);
		rc = list_add_spec(r, a, (size_t)(colon - a), *colon ? colon + 1 : colon, picks,
				   npicks, &cap, err);
	}
	if (rc) {
		free(*picks);
		*picks = NULL;
		*npicks = 0;
	}
	return rc;
}

bool lxf_list_picked(const struct lxf_list_pick *picks, size_t npicks, const char *remote,
		     const char *name)
{
	if (npicks == 0)
		return true;
	for (size_t i = 0; i < npicks; i++)
		if (strcmp(picks[i].remote, remote) == 0 &&
		    (!picks[i].name[0] || (name && strcmp(picks[i].name, name) == 0)))
			return true;
	return false;
}

static bool list_match_net(struct json_object *inst, const char *query, const char *family)
{
	struct json_object *net = lxf_view_ifaces(inst), *a;

	if (!net)
		return false;
	json_object_object_foreach(net, ifname, iface)
	{
		(void)ifname;
		for (size_t i = 0; (a = lxf_view_iface_addr(iface, i)); i++) {
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

/* ---- cells, for the callers that name a column by its letter ---- */

char *lxf_list_cell(struct json_object *inst, char letter)
{
	return lxf_view_cell(lxf_view_col(letter), inst);
}

void lxf_list_format_time(const char *rfc3339, char *buf, size_t len)
{
	lxf_view_format_time(rfc3339, buf, len);
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

/* An instance with its sort keys looked up once: lxf_list_cmp's four
 * member look-ups per comparison were a quarter of a 500-row list's
 * instructions. */
struct list_key {
	const char *remote, *name;
	struct json_object *inst;
};

static int list_key_cmp(const void *pa, const void *pb)
{
	const struct list_key *a = pa, *b = pb;
	int c = strverscmp(a->remote, b->remote);

	return c ? c : strverscmp(a->name, b->name);
}

void lxf_list_sort(struct json_object **v, size_t n)
{
	struct list_key *k;

	if (n < 2)
		return;
	k = malloc(n * sizeof(*k));
	if (!k) {
		qsort(v, n, sizeof(struct json_object *), list_qsort_cmp);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *r = lxf_json_str(v[i], "remote"), *nm = lxf_json_str(v[i], "name");

		k[i] = (struct list_key){r ? r : "", nm ? nm : "", v[i]};
	}
	qsort(k, n, sizeof(*k), list_key_cmp);
	for (size_t i = 0; i < n; i++)
		v[i] = k[i].inst;
	free(k);
}
