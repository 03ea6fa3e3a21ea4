/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instance view: lxc's list columns and their cells over LXD instance
 * objects, in one place for the CLI and the console. The rules mirror
 * lxc/list.go so that scripts written for lxc keep working.
 */
#include "view.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "json.h"

/* ---- decoders ---- */

bool lxf_view_active(struct json_object *inst)
{
	const char *st = lxf_json_str(inst, "status");

	return st && strcasecmp(st, "Stopped") != 0 && strcasecmp(st, "Error") != 0;
}

static int64_t view_int(struct json_object *inst, const char *path)
{
	struct json_object *o = lxf_json_path(inst, path);

	if (!o ||
	    !(json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double)))
		return -1;
	return json_object_get_int64(o);
}

int64_t lxf_view_memory(struct json_object *inst)
{
	return lxf_view_active(inst) ? view_int(inst, "state.memory.usage") : -1;
}

int64_t lxf_view_cpu_ns(struct json_object *inst)
{
	return lxf_view_active(inst) ? view_int(inst, "state.cpu.usage") : -1;
}

void lxf_view_format_time(const char *s, char *buf, size_t len)
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

void lxf_view_size_iec(long long bytes, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		(void)snprintf(buf, len, "%lldB", bytes);
		return;
	}
	v /= 1024.0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	(void)snprintf(buf, len, "%.2f%s", v, units[u]);
}

/* One address as the IP cells show it; alen: the address's part of text. */
struct view_addr {
	char *text; /* "addr (iface)" */
	size_t alen;
};

static int view_addr_cmp_desc(const void *a, const void *b)
{
	return -strcmp(((const struct view_addr *)a)->text, ((const struct view_addr *)b)->text);
}

static void view_addrs_free(struct view_addr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

struct json_object *lxf_view_ifaces(struct json_object *inst)
{
	struct json_object *net = lxf_json_path(inst, "state.network");

	return net && json_object_is_type(net, json_type_object) ? net : NULL;
}

struct json_object *lxf_view_iface_addr(struct json_object *iface, size_t i)
{
	struct json_object *addrs = NULL;

	if (!json_object_object_get_ex(iface, "addresses", &addrs) ||
	    !json_object_is_type(addrs, json_type_array) || i >= json_object_array_length(addrs))
		return NULL;
	return json_object_array_get_idx(addrs, i);
}

/*
 * lxc's IP rule, for the cell and the single address alike: an active
 * instance's addresses of family on interfaces other than loopback, minus
 * link and host scoped ones, "addr (iface)" in reverse order. *out is
 * malloc'ed (view_addrs_free) or NULL when there is none.
 */
static int view_addrs(struct json_object *inst, const char *family, struct view_addr **out,
		      size_t *nout)
{
	struct json_object *net = lxf_view_ifaces(inst), *a;
	struct view_addr *v = NULL, *nv;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (!lxf_view_active(inst) || !net)
		return 0;
	json_object_object_foreach(net, ifname, iface)
	{
		const char *type = lxf_json_str(iface, "type");

		if (type && strcmp(type, "loopback") == 0)
			continue;
		for (size_t i = 0; (a = lxf_view_iface_addr(iface, i)); i++) {
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
			if (asprintf(&v[n].text, "%s (%s)", ad, ifname) < 0) {
				rc = -LXF_ENOMEM;
				goto out;
			}
			v[n++].alen = strlen(ad);
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), view_addr_cmp_desc);
out:
	if (rc) {
		view_addrs_free(v, n);
		return rc;
	}
	*out = v;
	*nout = n;
	return 0;
}

void lxf_view_addr_first(struct json_object *inst, const char *family, char *buf, size_t len)
{
	struct view_addr *v = NULL;
	size_t n = 0, pick = 0;

	buf[0] = '\0';
	if (view_addrs(inst, family, &v, &n) != 0 || n == 0)
		goto out;
	/* eth0 is the NIC of LXD's default profile: the address users look for. */
	for (size_t i = n; i-- > 0;)
		if (strcmp(v[i].text + v[i].alen, " (eth0)") == 0)
			pick = i;
	if (v[pick].alen < len)
		(void)snprintf(buf, len, "%.*s", (int)v[pick].alen, v[pick].text);
out:
	view_addrs_free(v, n);
}

int lxf_view_image(struct json_object *inst, struct lxf_buf *out)
{
	struct json_object *cfg = lxf_json_path(inst, "config");
	const char *os = lxf_json_str(cfg, "image.os"), *rel = lxf_json_str(cfg, "image.release");
	const char *desc = lxf_json_str(cfg, "image.description");
	const char *fp = lxf_json_str(cfg, "volatile.base_image");

	if (os && *os)
		return lxf_buf_addf(out, "%s%s%s", os, rel && *rel ? " " : "", rel ? rel : "");
	if (desc && *desc)
		return lxf_buf_adds(out, desc);
	if (fp && *fp)
		return lxf_buf_addf(out, "%.12s", fp);
	return lxf_buf_adds(out, "-");
}

/* ---- cells ---- */

static int view_str(struct json_object *inst, const char *key, const char *dflt, struct lxf_buf *b)
{
	const char *s = lxf_json_str(inst, key);

	return lxf_buf_adds(b, s ? s : dflt);
}

static int view_upper(const char *s, struct lxf_buf *out)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++)
		rc = lxf_buf_addc(out, (char)toupper((unsigned char)*s));
	return rc;
}

static int cell_ips(struct json_object *inst, const char *family, struct lxf_buf *b)
{
	struct view_addr *v = NULL;
	size_t n = 0;
	int rc = view_addrs(inst, family, &v, &n);

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = lxf_buf_addf(b, "%s%s", i ? "\n" : "", v[i].text);
	view_addrs_free(v, n);
	return rc;
}

static int cell_ipv4(struct json_object *inst, struct lxf_buf *b)
{
	return cell_ips(inst, "inet", b);
}

static int cell_ipv6(struct json_object *inst, struct lxf_buf *b)
{
	return cell_ips(inst, "inet6", b);
}

static int cell_arch(struct json_object *inst, struct lxf_buf *b)
{
	return view_str(inst, "architecture", "", b);
}

static int cell_pool(struct json_object *inst, struct lxf_buf *b)
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
			return view_str(dev, "pool", "", b);
	}
	return 0;
}

static int cell_time(struct json_object *inst, const char *key, struct lxf_buf *b)
{
	char tmp[64];

	lxf_view_format_time(lxf_json_str(inst, key), tmp, sizeof(tmp));
	return lxf_buf_adds(b, tmp);
}

static int cell_created(struct json_object *inst, struct lxf_buf *b)
{
	return cell_time(inst, "created_at", b);
}

static int cell_last_used(struct json_object *inst, struct lxf_buf *b)
{
	return cell_time(inst, "last_used_at", b);
}

static int cell_description(struct json_object *inst, struct lxf_buf *b)
{
	return view_str(inst, "description", "", b);
}

static int cell_project(struct json_object *inst, struct lxf_buf *b)
{
	return view_str(inst, "project", "default", b);
}

static int cell_base_image(struct json_object *inst, size_t max, struct lxf_buf *b)
{
	const char *s = lxf_json_str(lxf_json_path(inst, "config"), "volatile.base_image");
	size_t len = s ? strlen(s) : 0;

	return lxf_buf_add(b, s ? s : "", len > max ? max : len);
}

static int cell_base_image_short(struct json_object *inst, struct lxf_buf *b)
{
	return cell_base_image(inst, 12, b);
}

static int cell_base_image_full(struct json_object *inst, struct lxf_buf *b)
{
	return cell_base_image(inst, (size_t)-1, b);
}

static int cell_memory(struct json_object *inst, struct lxf_buf *b)
{
	int64_t v = lxf_view_memory(inst);
	char tmp[32];

	if (v <= 0)
		return 0;
	lxf_view_size_iec(v, tmp, sizeof(tmp));
	return lxf_buf_adds(b, tmp);
}

static int cell_state_int(struct json_object *inst, const char *path, struct lxf_buf *b)
{
	int64_t v;

	if (!lxf_view_active(inst) || !lxf_json_path(inst, "state"))
		return 0;
	v = view_int(inst, path);
	return lxf_buf_addf(b, "%lld", (long long)(v < 0 ? 0 : v));
}

static int cell_name(struct json_object *inst, struct lxf_buf *b)
{
	return view_str(inst, "name", "", b);
}

static int cell_processes(struct json_object *inst, struct lxf_buf *b)
{
	return cell_state_int(inst, "state.processes", b);
}

static int cell_pid(struct json_object *inst, struct lxf_buf *b)
{
	return cell_state_int(inst, "state.pid", b);
}

static int cell_profiles(struct json_object *inst, struct lxf_buf *b)
{
	struct json_object *o = NULL;
	int rc = 0;

	if (!json_object_object_get_ex(inst, "profiles", &o) ||
	    !json_object_is_type(o, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(o) && rc == 0; i++)
		rc = lxf_buf_addf(b, "%s%s", i ? "\n" : "",
				  json_object_get_string(json_object_array_get_idx(o, i)));
	return rc;
}

static int cell_remote(struct json_object *inst, struct lxf_buf *b)
{
	return view_str(inst, "remote", "", b);
}

static int cell_state(struct json_object *inst, struct lxf_buf *b)
{
	return view_upper(lxf_json_str(inst, "status"), b);
}

static int cell_snapshots(struct json_object *inst, struct lxf_buf *b)
{
	struct json_object *o = NULL;

	json_object_object_get_ex(inst, "snapshots", &o);
	return lxf_buf_addf(
	    b, "%zu",
	    o && json_object_is_type(o, json_type_array) ? json_object_array_length(o) : (size_t)0);
}

static int cell_type(struct json_object *inst, struct lxf_buf *b)
{
	const char *s = lxf_json_str(inst, "type");
	bool eph = false;
	int rc = view_upper(s && *s ? s : "container", b);

	(void)lxf_json_get_bool(inst, "ephemeral", false, &eph, NULL);
	return rc ? rc : eph ? lxf_buf_adds(b, " (EPHEMERAL)") : 0;
}

static int cell_cpu(struct json_object *inst, struct lxf_buf *b)
{
	int64_t v = lxf_view_cpu_ns(inst);

	return v > 0 ? lxf_buf_addf(b, "%llds", (long long)(v / 1000000000)) : 0;
}

static int cell_location(struct json_object *inst, struct lxf_buf *b)
{
	const char *s = lxf_json_str(inst, "location");

	return lxf_buf_adds(b, s && strcmp(s, "none") != 0 ? s : "");
}

#define ST LXF_VIEW_NEEDS_STATE
static const struct lxf_view_col view_cols[] = {
    {'4', "IPV4", ST, cell_ipv4, "status state.network"},
    {'6', "IPV6", ST, cell_ipv6, "status state.network"},
    {'a', "ARCHITECTURE", 0, cell_arch, "architecture"},
    {'b', "STORAGE POOL", 0, cell_pool, "expanded_devices"},
    {'c', "CREATED AT", 0, cell_created, "created_at"},
    {'d', "DESCRIPTION", 0, cell_description, "description"},
    {'e', "PROJECT", 0, cell_project, "project"},
    {'f', "BASE IMAGE", 0, cell_base_image_short, "config"},
    {'F', "BASE IMAGE", 0, cell_base_image_full, "config"},
    {'l', "LAST USED AT", 0, cell_last_used, "last_used_at"},
    {'m', "MEMORY USAGE", ST, cell_memory, "status state.memory"},
    {'n', "NAME", 0, cell_name, "name"},
    {'N', "PROCESSES", ST, cell_processes, "status state.processes"},
    {'p', "PID", ST, cell_pid, "status state.pid"},
    {'P', "PROFILES", 0, cell_profiles, "profiles"},
    {'r', "REMOTE", 0, cell_remote, "remote"},
    {'s', "STATE", 0, cell_state, "status"},
    {'S', "SNAPSHOTS", LXF_VIEW_NEEDS_SNAPSHOTS, cell_snapshots, "snapshots"},
    {'t', "TYPE", 0, cell_type, "type ephemeral"},
    {'u', "CPU USAGE", ST, cell_cpu, "status state.cpu"},
    {'L', "LOCATION", 0, cell_location, "location"},
};
#undef ST

const struct lxf_view_col *lxf_view_col(char letter)
{
	for (size_t i = 0; i < sizeof(view_cols) / sizeof(view_cols[0]); i++)
		if (view_cols[i].letter == letter)
			return &view_cols[i];
	return NULL;
}

int lxf_view_parse_columns(const char *spec, const struct lxf_view_col **cols, size_t max,
			   size_t *n, struct lxf_err *err)
{
	size_t k = 0;
	bool prev_comma = true;

	*n = 0;
	if (!*spec)
		return lxf_err_set(err, LXF_EUSAGE, "empty column list");
	for (const char *p = spec; *p; p++) {
		const struct lxf_view_col *found;

		if (*p == ',') {
			if (prev_comma)
				return lxf_err_set(err, LXF_EUSAGE, "empty column entry in '%s'",
						   spec);
			prev_comma = true;
			continue;
		}
		prev_comma = false;
		found = lxf_view_col(*p);
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

char *lxf_view_cell(const struct lxf_view_col *col, struct json_object *inst)
{
	struct lxf_buf b = {0};

	if (col && col->cell(inst, &b) != 0) {
		lxf_buf_fini(&b);
		return NULL;
	}
	return lxf_buf_take(&b);
}
