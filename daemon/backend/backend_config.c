/* SPDX-License-Identifier: Apache-2.0 */
/*
 * LXD config keys and devices -> liblxc config lines. Everything is table
 * driven: one row per key (or key prefix) with a checker and a renderer, one
 * row per device type with its allowed keys. Every value that ends up in the
 * liblxc config is refused when it holds control characters, so no input can
 * smuggle in a line of its own.
 */
#include "backend_config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "file.h"
#include "json.h"

#define LXF_CONF_DIR   "/usr/share/lxc/config"
#define CPU_MAX        1024
#define DEV_NAME_MAX   64
#define IFNAME_MAX     15
#define RAW_LXC_MAX    (64 * 1024)
#define MEMINFO_CAP    (64 * 1024)
#define CPU_ONLINE_CAP 4096

typedef int (*key_check_fn)(const char *key, const char *val, struct lxf_err *err);
typedef int (*key_render_fn)(const struct bcfg_host *host, const char *key, const char *val,
			     struct lxf_buf *out, struct lxf_err *err);

struct key_rule {
	const char *name; /* exact key, or a prefix when it ends with '.' */
	key_check_fn check;
	key_render_fn render; /* NULL: stored only (the server uses it) */
	bool multiline;       /* may hold newlines (not rendered as one line) */
};

/* ---- small parsers ---- */

bool bcfg_is_true(const char *s)
{
	return s && (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") ||
		     !strcasecmp(s, "on"));
}

static bool is_false(const char *s)
{
	return !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
	       !strcasecmp(s, "off") || !*s;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -LXF_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -LXF_EINVAL;
	*out = v;
	return 0;
}

int bcfg_parse_bytes(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
	    {"", 1},
	    {"B", 1},
	    {"kB", 1000ULL},
	    {"MB", 1000ULL * 1000},
	    {"GB", 1000ULL * 1000 * 1000},
	    {"TB", 1000ULL * 1000 * 1000 * 1000},
	    {"PB", 1000ULL * 1000 * 1000 * 1000 * 1000},
	    {"KiB", 1ULL << 10},
	    {"MiB", 1ULL << 20},
	    {"GiB", 1ULL << 30},
	    {"TiB", 1ULL << 40},
	    {"PiB", 1ULL << 50},
	};
	char *end = NULL;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -LXF_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -LXF_EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].mult)
			return -LXF_EINVAL;
		*out = v * units[i].mult;
		return 0;
	}
	return -LXF_EINVAL;
}

/* Total RAM from /proc/meminfo, for "50%" memory limits. */
static int mem_total(uint64_t *out)
{
	struct lxf_buf b = {0};
	const char *p;
	uint64_t kb = 0;
	int ret;

	lxf_buf_init(&b, MEMINFO_CAP);
	ret = lxf_file_read("/proc/meminfo", MEMINFO_CAP, &b, NULL);
	if (ret)
		goto out;
	p = strstr(lxf_buf_str(&b), "MemTotal:");
	ret = -LXF_EIO;
	if (!p || sscanf(p, "MemTotal: %" SCNu64, &kb) != 1 || !kb)
		goto out;
	*out = kb * 1024;
	ret = 0;
out:
	lxf_buf_fini(&b);
	return ret;
}

/* Parses a cpuset list "0-1,3" into set (CPU_MAX bits); 0 or -LXF_EINVAL. */
static int parse_cpuset(const char *s, unsigned char set[CPU_MAX / 8])
{
	memset(set, 0, CPU_MAX / 8);
	while (*s) {
		char *end = NULL;
		unsigned long lo, hi;

		if (!isdigit((unsigned char)*s))
			return -LXF_EINVAL;
		lo = strtoul(s, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -LXF_EINVAL;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo > hi || hi >= CPU_MAX)
			return -LXF_EINVAL;
		for (unsigned long c = lo; c <= hi; c++)
			set[c / 8] |= (unsigned char)(1u << (c % 8));
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -LXF_EINVAL;
		s = end;
	}
	return 0;
}

static int online_cpus(unsigned char set[CPU_MAX / 8])
{
	struct lxf_buf b = {0};
	char *nl;
	int ret;

	lxf_buf_init(&b, CPU_ONLINE_CAP);
	ret = lxf_file_read("/sys/devices/system/cpu/online", CPU_ONLINE_CAP, &b, NULL);
	if (ret)
		goto out;
	nl = strchr(b.data ? b.data : "", '\n');
	if (nl)
		*nl = '\0';
	ret = parse_cpuset(lxf_buf_str(&b), set);
out:
	lxf_buf_fini(&b);
	return ret;
}

/* Writes set as a list "0-1,3" into out. */
static int cpuset_format(const unsigned char set[CPU_MAX / 8], struct lxf_buf *out)
{
	int ret = 0;

	for (int c = 0; c < CPU_MAX && !ret; c++) {
		int e = c;

		if (!(set[c / 8] & (1u << (c % 8))))
			continue;
		while (e + 1 < CPU_MAX && (set[(e + 1) / 8] & (1u << ((e + 1) % 8))))
			e++;
		ret = lxf_buf_addf(out, "%s%d", out->len ? "," : "", c);
		if (!ret && e > c)
			ret = lxf_buf_addf(out, "-%d", e);
		c = e;
	}
	return ret;
}

/* limits.cpu "N" (a count) or a set: the cpuset list to pin to. */
static int cpu_list(const char *val, struct lxf_buf *out)
{
	unsigned char set[CPU_MAX / 8], online[CPU_MAX / 8];
	uint64_t n;
	int ret;

	if (parse_u64(val, CPU_MAX, &n)) {
		ret = parse_cpuset(val, set);
		return ret ? ret : cpuset_format(set, out);
	}
	/* A count pins to the first N online CPUs (all when N exceeds them). */
	ret = online_cpus(online);
	if (ret)
		return ret;
	memset(set, 0, sizeof(set));
	for (int c = 0; c < CPU_MAX && n; c++) {
		if (online[c / 8] & (1u << (c % 8))) {
			set[c / 8] |= (unsigned char)(1u << (c % 8));
			n--;
		}
	}
	return cpuset_format(set, out);
}

static int memory_bytes(const char *val, uint64_t *out)
{
	size_t len = strlen(val);
	uint64_t pct, total;

	if (len > 1 && val[len - 1] == '%') {
		char num[8];

		if (len - 1 >= sizeof(num))
			return -LXF_EINVAL;
		memcpy(num, val, len - 1);
		num[len - 1] = '\0';
		if (parse_u64(num, 100, &pct) || !pct || mem_total(&total))
			return -LXF_EINVAL;
		*out = total / 100 * pct;
		return 0;
	}
	if (bcfg_parse_bytes(val, out) || !*out)
		return -LXF_EINVAL;
	return 0;
}

/* ---- config key checkers ---- */

static int check_bool(const char *key, const char *val, struct lxf_err *err)
{
	if (bcfg_is_true(val) || is_false(val))
		return 0;
	return lxf_err_set(err, LXF_EINVAL, "'%s' must be true or false, not '%s'", key, val);
}

static int check_uint(const char *key, const char *val, struct lxf_err *err)
{
	uint64_t v;

	if (!*val || !parse_u64(val, INT32_MAX, &v))
		return 0;
	return lxf_err_set(err, LXF_EINVAL, "'%s' must be a number, not '%s'", key, val);
}

static int check_any(const char *key, const char *val, struct lxf_err *err)
{
	(void)key;
	(void)val;
	(void)err;
	return 0;
}

static int check_cpu(const char *key, const char *val, struct lxf_err *err)
{
	unsigned char set[CPU_MAX / 8];
	uint64_t n;
	long conf = sysconf(_SC_NPROCESSORS_CONF);

	if (!*val)
		return 0;
	if (!parse_u64(val, CPU_MAX, &n)) {
		if (n)
			return 0;
	} else if (!parse_cpuset(val, set)) {
		for (long c = conf > 0 ? conf : CPU_MAX; c < CPU_MAX; c++)
			if (set[c / 8] & (1u << (c % 8)))
				return lxf_err_set(err, LXF_EINVAL, "'%s': CPU %ld does not exist",
						   key, c);
		return 0;
	}
	return lxf_err_set(err, LXF_EINVAL,
			   "'%s' must be a CPU count (\"2\") or a CPU set (\"0-1,3\"), not '%s'",
			   key, val);
}

static int check_memory(const char *key, const char *val, struct lxf_err *err)
{
	uint64_t b;

	if (!*val || !memory_bytes(val, &b))
		return 0;
	return lxf_err_set(err, LXF_EINVAL,
			   "'%s' must be a size (\"256MB\", \"1GiB\") or a percentage (\"50%%\"), "
			   "not '%s'",
			   key, val);
}

static int check_processes(const char *key, const char *val, struct lxf_err *err)
{
	uint64_t n;

	if (!*val || (!parse_u64(val, INT32_MAX, &n) && n))
		return 0;
	return lxf_err_set(err, LXF_EINVAL, "'%s' must be a positive number, not '%s'", key, val);
}

static int check_env(const char *key, const char *val, struct lxf_err *err)
{
	const char *name = key + strlen("environment.");

	(void)val;
	if (!*name || isdigit((unsigned char)*name))
		goto bad;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			goto bad;
	return 0;
bad:
	return lxf_err_set(err, LXF_EINVAL, "'%s': bad environment variable name", key);
}

/* raw.lxc may only set keys that cannot break out of what lxfd manages. */
static const struct {
	const char *key;
	bool prefix; /* key names a family: "lxc.cgroup." matches lxc.cgroup.x */
} raw_allowed[] = {
    {"lxc.cgroup.", true},
    {"lxc.cgroup2.", true},
    {"lxc.sysctl.", true},
    {"lxc.prlimit.", true},
    {"lxc.start.", true},
    {"lxc.environment", false},
    {"lxc.mount.entry", false},
    {"lxc.mount.auto", false},
    {"lxc.cap.drop", false},
    {"lxc.cap.keep", false},
    {"lxc.signal.halt", false},
    {"lxc.signal.reboot", false},
    {"lxc.signal.stop", false},
    {"lxc.tty.max", false},
    {"lxc.pty.max", false},
    {"lxc.log.level", false},
    {"lxc.apparmor.profile", false},
};
static const char *const raw_refused[] = {"lxc.cgroup.dir", "lxc.cgroup.relative",
					  "lxc.cgroup2.dir"};

static bool raw_key_ok(const char *key)
{
	for (size_t i = 0; i < sizeof(raw_refused) / sizeof(raw_refused[0]); i++)
		if (!strncmp(key, raw_refused[i], strlen(raw_refused[i])))
			return false;
	for (size_t i = 0; i < sizeof(raw_allowed) / sizeof(raw_allowed[0]); i++) {
		size_t n = strlen(raw_allowed[i].key);

		if (raw_allowed[i].prefix ? !strncmp(key, raw_allowed[i].key, n) && key[n]
					  : !strcmp(key, raw_allowed[i].key))
			return true;
	}
	return false;
}

static int check_raw_lxc(const char *key, const char *val, struct lxf_err *err)
{
	const char *line = val;
	int lineno = 0;

	if (strlen(val) > RAW_LXC_MAX)
		return lxf_err_set(err, LXF_EINVAL, "'%s' is longer than %d bytes", key,
				   RAW_LXC_MAX);
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char k[128];
		size_t kl = 0, i = 0;

		lineno++;
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i < len && line[i] != '#') {
			while (i < len && line[i] != '=' && !isspace((unsigned char)line[i]) &&
			       kl < sizeof(k) - 1)
				k[kl++] = line[i++];
			k[kl] = '\0';
			while (i < len && isspace((unsigned char)line[i]))
				i++;
			if (i >= len || line[i] != '=')
				return lxf_err_set(err, LXF_EINVAL,
						   "'%s' line %d: expected 'lxc.key = value'", key,
						   lineno);
			for (size_t j = i + 1; j < len; j++)
				if (iscntrl((unsigned char)line[j]) && line[j] != '\t')
					return lxf_err_set(err, LXF_EINVAL,
							   "'%s' line %d: control character", key,
							   lineno);
			if (!raw_key_ok(k))
				return lxf_err_set(err, LXF_EINVAL,
						   "'%s' line %d: key '%s' is not allowed", key,
						   lineno, k);
		}
		line += len + (eol ? 1 : 0);
	}
	return 0;
}

/* ---- config key renderers ---- */

static const char *cg(const struct bcfg_host *host)
{
	return host->cgroup2 ? "lxc.cgroup2" : "lxc.cgroup";
}

static int render_cpu(const struct bcfg_host *host, const char *key, const char *val,
		      struct lxf_buf *out, struct lxf_err *err)
{
	struct lxf_buf list = {0};
	int ret;

	if (!*val)
		return 0;
	ret = cpu_list(val, &list);
	if (ret)
		ret = lxf_err_set(err, LXF_EINVAL, "'%s': cannot read the online CPUs", key);
	else
		ret = lxf_buf_addf(out, "%s.cpuset.cpus = %s\n", cg(host), lxf_buf_str(&list));
	lxf_buf_fini(&list);
	return ret;
}

static int render_memory(const struct bcfg_host *host, const char *key, const char *val,
			 struct lxf_buf *out, struct lxf_err *err)
{
	uint64_t b = 0;

	if (!*val)
		return 0;
	if (memory_bytes(val, &b))
		return lxf_err_set(err, LXF_EINVAL, "'%s': bad size '%s'", key, val);
	return lxf_buf_addf(out, "%s.%s = %" PRIu64 "\n", cg(host),
			    host->cgroup2 ? "memory.max" : "memory.limit_in_bytes", b);
}

static int render_processes(const struct bcfg_host *host, const char *key, const char *val,
			    struct lxf_buf *out, struct lxf_err *err)
{
	(void)key;
	(void)err;
	if (!*val)
		return 0;
	return lxf_buf_addf(out, "%s.pids.max = %s\n", cg(host), val);
}

static int render_nesting(const struct bcfg_host *host, const char *key, const char *val,
			  struct lxf_buf *out, struct lxf_err *err)
{
	int ret;

	(void)key;
	(void)err;
	if (!bcfg_is_true(val))
		return 0;
	/* What nesting.conf does, minus its AppArmor profile (absent here). */
	ret =
	    lxf_buf_adds(out, "lxc.mount.entry = proc dev/.lxc/proc proc create=dir,optional 0 0\n"
			      "lxc.mount.entry = sys dev/.lxc/sys sysfs create=dir,optional 0 0\n");
	if (!ret && host->apparmor)
		ret = lxf_buf_adds(out, "lxc.apparmor.allow_nesting = 1\n");
	return ret;
}

static int render_env(const struct bcfg_host *host, const char *key, const char *val,
		      struct lxf_buf *out, struct lxf_err *err)
{
	(void)host;
	(void)err;
	return lxf_buf_addf(out, "lxc.environment = %s=%s\n", key + strlen("environment."), val);
}

static const struct key_rule key_rules[] = {
    {"limits.cpu", check_cpu, render_cpu, false},
    {"limits.memory", check_memory, render_memory, false},
    {"limits.processes", check_processes, render_processes, false},
    {"security.privileged", check_bool, NULL, false}, /* decides idmap, see bcfg_render */
    {"security.nesting", check_bool, render_nesting, false},
    {"boot.autostart", check_bool, NULL, false},
    {"boot.autostart.delay", check_uint, NULL, false},
    {"boot.autostart.priority", check_uint, NULL, false},
    {"boot.host_shutdown_timeout", check_uint, NULL, false},
    {"environment.", check_env, render_env, false},
    {"raw.lxc", check_raw_lxc, NULL, true}, /* appended last, see bcfg_render */
    {"user.", check_any, NULL, true},
    {"image.", check_any, NULL, true},
    {"volatile.", check_any, NULL, true},
};

static const struct key_rule *key_rule_find(const char *key)
{
	for (size_t i = 0; i < sizeof(key_rules) / sizeof(key_rules[0]); i++) {
		const char *n = key_rules[i].name;
		size_t len = strlen(n);

		if (n[len - 1] == '.' ? !strncmp(key, n, len) && key[len] : !strcmp(key, n))
			return &key_rules[i];
	}
	return NULL;
}

static bool has_cntrl(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

static int validate_config(struct json_object *config, struct lxf_err *err)
{
	int ret;

	if (!config)
		return 0;
	ret = lxf_json_check_string_map(config, "config", err);
	if (ret)
		return ret;
	json_object_object_foreach(config, key, v)
	{
		const struct key_rule *r = key_rule_find(key);
		const char *val = json_object_get_string(v);

		if (!r)
			return lxf_err_set(err, LXF_EINVAL, "unknown config key '%s'", key);
		if (!r->multiline && has_cntrl(val))
			return lxf_err_set(err, LXF_EINVAL, "'%s' must not hold control characters",
					   key);
		ret = r->check(key, val, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- devices ---- */

struct dev_ctx {
	const struct bcfg_host *host;
	const struct bcfg_target *t;
	struct json_object *config;
	const char *dev; /* device name */
	struct json_object *d;
	int net_index;
};

struct dev_rule {
	const char *type;
	const char *const *keys; /* allowed keys besides "type", NULL-terminated */
	int (*check)(const char *dev, struct json_object *d, struct lxf_err *err);
	int (*render)(struct dev_ctx *c, struct lxf_buf *out, struct lxf_err *err);
};

static bool valid_mac(const char *s)
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				      &b[4], &b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return false;
	return !(b[0] & 1); /* not multicast */
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

/* A path usable in an fstab-style lxc.mount.entry: absolute, no spaces. */
static bool valid_mount_path(const char *s)
{
	if (*s != '/' || strstr(s, "/../") ||
	    !strcmp(s + strlen(s) - (strlen(s) > 2 ? 3 : 0), "/.."))
		return false;
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s) || *s == '\\')
			return false;
	return true;
}

static int check_nic(const char *dev, struct json_object *d, struct lxf_err *err)
{
	const char *nictype = lxf_json_str(d, "nictype");
	const char *parent = lxf_json_str(d, "parent");
	const char *network = lxf_json_str(d, "network");
	const char *s;
	uint64_t mtu;

	if (nictype && strcmp(nictype, "bridged"))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': nictype '%s' is not supported",
				   dev, nictype);
	if (parent && network)
		return lxf_err_set(err, LXF_EINVAL,
				   "device '%s': 'parent' and 'network' are exclusive", dev);
	if (!parent)
		parent = network;
	if (!parent || !valid_ifname(parent))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': needs a bridge in 'parent'", dev);
	s = lxf_json_str(d, "name");
	if (s && !valid_ifname(s))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': bad interface name '%s'", dev, s);
	s = lxf_json_str(d, "host_name");
	if (s && !valid_ifname(s))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': bad host_name '%s'", dev, s);
	s = lxf_json_str(d, "hwaddr");
	if (s && !valid_mac(s))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': bad hwaddr '%s'", dev, s);
	s = lxf_json_str(d, "mtu");
	if (s && (parse_u64(s, 65535, &mtu) || mtu < 68))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': bad mtu '%s'", dev, s);
	return 0;
}

/* 00:16:3e (LXD's prefix) + 3 bytes of sha256(seed, name, device): stable. */
int bcfg_default_mac(const char *seed, const char *name, const char *dev, char mac[18])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	int ok;

	if (!x)
		return -LXF_ENOMEM;
	ok = EVP_DigestInit_ex(x, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(x, seed, strlen(seed) + 1) &&
	     EVP_DigestUpdate(x, name, strlen(name) + 1) &&
	     EVP_DigestUpdate(x, dev, strlen(dev) + 1) && EVP_DigestFinal_ex(x, md, &mdlen);
	EVP_MD_CTX_free(x);
	if (!ok || mdlen < 3)
		return -LXF_EINTERNAL;
	snprintf(mac, 18, "00:16:3e:%02x:%02x:%02x", md[0], md[1], md[2]);
	return 0;
}

static int render_nic(struct dev_ctx *c, struct lxf_buf *out, struct lxf_err *err)
{
	const char *parent = lxf_json_str(c->d, "parent");
	const char *name = lxf_json_str(c->d, "name");
	const char *hwaddr = lxf_json_str(c->d, "hwaddr");
	const char *mtu = lxf_json_str(c->d, "mtu");
	const char *host_name = lxf_json_str(c->d, "host_name");
	char vkey[DEV_NAME_MAX + 32], mac[18];
	int n = c->net_index++;
	int ret;

	if (!parent)
		parent = lxf_json_str(c->d, "network");
	if (!hwaddr) {
		/* The server may keep a MAC in volatile.<dev>.hwaddr, as LXD does. */
		snprintf(vkey, sizeof(vkey), "volatile.%s.hwaddr", c->dev);
		hwaddr = lxf_json_str(c->config, vkey);
		if (hwaddr && !valid_mac(hwaddr))
			return lxf_err_set(err, LXF_EINVAL, "'%s': bad MAC address '%s'", vkey,
					   hwaddr);
	}
	if (!hwaddr) {
		ret = bcfg_default_mac(c->t->seed, c->t->name, c->dev, mac);
		if (ret)
			return lxf_err_set(err, -ret, "device '%s': cannot make a MAC address",
					   c->dev);
		hwaddr = mac;
	}
	ret = lxf_buf_addf(out,
			   "# device %s\nlxc.net.%d.type = veth\nlxc.net.%d.link = %s\n"
			   "lxc.net.%d.flags = up\nlxc.net.%d.name = %s\nlxc.net.%d.hwaddr = %s\n",
			   c->dev, n, n, parent, n, n, name ? name : c->dev, n, hwaddr);
	if (!ret && mtu)
		ret = lxf_buf_addf(out, "lxc.net.%d.mtu = %s\n", n, mtu);
	if (!ret && host_name)
		ret = lxf_buf_addf(out, "lxc.net.%d.veth.pair = %s\n", n, host_name);
	return ret;
}

static int check_disk(const char *dev, struct json_object *d, struct lxf_err *err)
{
	const char *path = lxf_json_str(d, "path");
	const char *source = lxf_json_str(d, "source");
	const char *s;
	uint64_t size;

	if (!path)
		return lxf_err_set(err, LXF_EINVAL, "device '%s': disk needs 'path'", dev);
	if (!strcmp(path, "/")) {
		if (source)
			return lxf_err_set(err, LXF_EINVAL,
					   "device '%s': the root disk takes no 'source'", dev);
		s = lxf_json_str(d, "size");
		if (s && *s && bcfg_parse_bytes(s, &size))
			return lxf_err_set(err, LXF_EINVAL, "device '%s': bad size '%s'", dev, s);
		return 0;
	}
	if (!source)
		return lxf_err_set(err, LXF_EINVAL, "device '%s': disk needs 'source'", dev);
	if (lxf_json_str(d, "size"))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': 'size' is for the root disk only",
				   dev);
	/* With a pool, source names a custom volume of it (backend_volume.c). */
	s = lxf_json_str(d, "pool");
	if (s && strcmp(s, "default") != 0)
		return lxf_err_set(err, LXF_EINVAL, "device '%s': storage pool '%s' not found", dev,
				   s);
	if (s && !backend_volume_name_ok(source))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': bad storage volume name '%s'",
				   dev, source);
	if (!valid_mount_path(path) || (!s && !valid_mount_path(source)))
		return lxf_err_set(
		    err, LXF_EINVAL,
		    "device '%s': 'source' and 'path' must be absolute paths without "
		    "spaces or '..'",
		    dev);
	s = lxf_json_str(d, "readonly");
	if (s && check_bool("readonly", s, err))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': 'readonly' must be a boolean",
				   dev);
	s = lxf_json_str(d, "optional");
	if (s && check_bool("optional", s, err))
		return lxf_err_set(err, LXF_EINVAL, "device '%s': 'optional' must be a boolean",
				   dev);
	return 0;
}

static int render_disk(struct dev_ctx *c, struct lxf_buf *out, struct lxf_err *err)
{
	const char *path = lxf_json_str(c->d, "path");
	const char *source = lxf_json_str(c->d, "source");
	char vol[PATH_MAX];
	struct stat st;
	bool file;

	if (!strcmp(path, "/"))
		return 0; /* the rootfs itself, see lxc.rootfs.path */
	if (lxf_json_str(c->d, "pool")) {
		if (!c->t->dir || snprintf(vol, sizeof(vol), "%s/custom/%s/root", c->t->dir,
					   source) >= (int)sizeof(vol))
			return lxf_err_set(err, LXF_EINVAL, "device '%s': no path for volume '%s'",
					   c->dev, source);
		source = vol;
	}
	/* The mount target is made like the source; a missing source fails at start. */
	file = !stat(source, &st) && !S_ISDIR(st.st_mode);
	return lxf_buf_addf(out,
			    "# device %s\nlxc.mount.entry = %s %s none bind,create=%s%s%s 0 0\n",
			    c->dev, source, path + 1, file ? "file" : "dir",
			    bcfg_is_true(lxf_json_str(c->d, "readonly")) ? ",ro" : "",
			    bcfg_is_true(lxf_json_str(c->d, "optional")) ? ",optional" : "");
}

static int check_none(const char *dev, struct json_object *d, struct lxf_err *err)
{
	(void)dev;
	(void)d;
	(void)err;
	return 0;
}

static const char *const nic_keys[] = {"nictype", "parent",    "network", "name",
				       "hwaddr",  "host_name", "mtu",     NULL};
static const char *const disk_keys[] = {"path",     "source",   "pool", "size",
					"readonly", "optional", NULL};
static const char *const none_keys[] = {NULL};

static const struct dev_rule dev_rules[] = {
    {"nic", nic_keys, check_nic, render_nic},
    {"disk", disk_keys, check_disk, render_disk},
    {"none", none_keys, check_none, NULL}, /* masks a profile's device */
};

static const struct dev_rule *dev_rule_find(const char *type)
{
	for (size_t i = 0; i < sizeof(dev_rules) / sizeof(dev_rules[0]); i++)
		if (!strcmp(dev_rules[i].type, type))
			return &dev_rules[i];
	return NULL;
}

static bool valid_dev_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > DEV_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static int validate_device(const char *dev, struct json_object *d, struct lxf_err *err)
{
	const struct dev_rule *r;
	const char *type;
	int ret;

	if (!valid_dev_name(dev))
		return lxf_err_set(err, LXF_EINVAL, "bad device name '%s'", dev);
	ret = lxf_json_check_string_map(d, "device", err);
	if (ret) {
		lxf_err_prefix(err, "device '%s'", dev);
		return ret;
	}
	type = lxf_json_str(d, "type");
	if (!type)
		return lxf_err_set(err, LXF_EINVAL, "device '%s' has no type", dev);
	r = dev_rule_find(type);
	if (!r)
		return lxf_err_set(err, LXF_EINVAL, "device '%s': unknown device type '%s'", dev,
				   type);
	json_object_object_foreach(d, key, v)
	{
		bool ok = !strcmp(key, "type");

		for (size_t i = 0; !ok && r->keys[i]; i++)
			ok = !strcmp(key, r->keys[i]);
		if (!ok)
			return lxf_err_set(err, LXF_EINVAL, "device '%s': unknown %s key '%s'", dev,
					   type, key);
		if (has_cntrl(json_object_get_string(v)))
			return lxf_err_set(err, LXF_EINVAL,
					   "device '%s': '%s' must not hold control characters",
					   dev, key);
	}
	return r->check(dev, d, err);
}

int bcfg_validate(struct json_object *config, struct json_object *devices, struct lxf_err *err)
{
	int roots = 0;
	int ret;

	ret = validate_config(config, err);
	if (ret)
		return ret;
	if (!devices)
		return 0;
	if (!json_object_is_type(devices, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "devices must be an object");
	json_object_object_foreach(devices, dev, d)
	{
		const char *path;

		if (!json_object_is_type(d, json_type_object))
			return lxf_err_set(err, LXF_EINVAL, "device '%s' must be an object", dev);
		ret = validate_device(dev, d, err);
		if (ret)
			return ret;
		path = lxf_json_str(d, "path");
		if (!strcmp(lxf_json_str(d, "type"), "disk") && path && !strcmp(path, "/"))
			roots++;
	}
	if (roots > 1)
		return lxf_err_set(err, LXF_EINVAL, "more than one root disk device");
	return 0;
}

bool bcfg_privileged(struct json_object *config)
{
	return bcfg_is_true(lxf_json_str(config, "security.privileged"));
}

/* ---- whole config ---- */

/*
 * common.conf asks for "cgroup:mixed", but liblxc reads that, in a cgroup
 * namespace (it makes one whenever the kernel has them) with CAP_SYS_ADMIN
 * kept, as "the container's init mounts its cgroups" (cgfsng_mount: "Mounting
 * cgroups not requested or needed"): busybox init never does and
 * /sys/fs/cgroup stayed empty. ":force" makes liblxc mount fresh cgroup
 * filesystems inside the namespace, so their root is the container's own
 * cgroup and nothing above it is reachable. Unprivileged roots can make
 * sub-cgroups and move their processes among them (liblxc hands them the
 * directory and cgroup.procs) but cannot write the limits, owned by host
 * root. As LXD: read-write cgroup2 on a pure cgroup2 host; on v1 and hybrid
 * hosts a tmpfs with one cgroup filesystem per hierarchy, and "mixed" keeps
 * the parents read-only should a kernel without cgroup namespaces bind-mount.
 */
static const char *cgroup_mount(const struct bcfg_host *host)
{
	return host->cgroup2 ? "cgroup:rw:force" : "cgroup:mixed:force";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Devices in name order, so that lxc.net.N numbering is stable. */
static int render_devices(const struct bcfg_host *host, const struct bcfg_target *t,
			  struct json_object *config, struct json_object *devices,
			  struct lxf_buf *out, struct lxf_err *err)
{
	struct dev_ctx c = {.host = host, .t = t, .config = config};
	const char **names = NULL;
	size_t n = 0, cnt;
	int ret = 0;

	cnt = devices ? (size_t)json_object_object_length(devices) : 0;
	if (cnt) {
		names = calloc(cnt, sizeof(*names));
		if (!names)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		json_object_object_foreach(devices, dev, d)
		{
			(void)d;
			names[n++] = dev;
		}
		qsort(names, n, sizeof(*names), cmp_str);
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct dev_rule *r;

		c.dev = names[i];
		c.d = json_object_object_get(devices, names[i]);
		r = dev_rule_find(lxf_json_str(c.d, "type"));
		if (r && r->render)
			ret = r->render(&c, out, err);
	}
	/* Without a nic the container still gets its own netns with lo only. */
	if (!ret && !c.net_index)
		ret = lxf_buf_adds(out, "lxc.net.0.type = empty\n");
	free(names);
	return ret;
}

int bcfg_render(const struct bcfg_host *host, const struct bcfg_target *t,
		struct json_object *config, struct json_object *devices, struct lxf_buf *out,
		struct lxf_err *err)
{
	bool priv = bcfg_privileged(config);
	const char *raw;
	int ret;

	ret = bcfg_validate(config, devices, err);
	if (ret)
		return ret;
	/*
	 * lxc.signal.halt: SIGPWR (liblxc's default, written out on purpose).
	 * systemd in a container powers off on SIGPWR
	 * (sigpwr-container-shutdown.service) and busybox init treats SIGPWR
	 * as halt: a clean stop of both finishes in about two seconds. SIGUSR1
	 * or SIGUSR2 would work for busybox only; systemd ignores them.
	 *
	 * The empty hook lines drop what packages put in common.conf.d:
	 * lxcfs adds a mount hook and a post-stop hook that sleeps 0.5 s,
	 * which made every stop half a second slower. lxfd runs no lxcfs.
	 */
	ret = lxf_buf_addf(out,
			   "# Written by lxfd; it rewrites this file on every change.\n"
			   "lxc.include = " LXF_CONF_DIR "/common.conf\n"
			   "%s"
			   "lxc.uts.name = %s\n"
			   "lxc.rootfs.path = dir:%s\n"
			   "lxc.log.file = %s\n"
			   "lxc.log.level = INFO\n"
			   "lxc.autodev = 1\n"
			   "lxc.signal.halt = SIGPWR\n"
			   "lxc.hook.mount =\n"
			   "lxc.hook.post-stop =\n"
			   "lxc.console.buffer.size = auto\n", /* GET .../console reads it */
			   priv ? "" : "lxc.include = " LXF_CONF_DIR "/userns.conf\n", t->name,
			   t->rootfs, t->logfile);
	if (!ret)
		ret = lxf_buf_addf(out, "lxc.mount.auto = %s\n", cgroup_mount(host));
	/* Without AppArmor in the kernel the only profile liblxc accepts is none. */
	if (!ret && !host->apparmor)
		ret = lxf_buf_adds(out, "lxc.apparmor.profile = unconfined\n");
	if (!ret && !priv)
		ret = lxf_buf_addf(out, "lxc.idmap = u 0 %lu %lu\nlxc.idmap = g 0 %lu %lu\n",
				   host->uid_base, BCFG_MAP_COUNT, host->gid_base, BCFG_MAP_COUNT);
	if (ret)
		goto nomem;
	if (config) {
		json_object_object_foreach(config, key, v)
		{
			const struct key_rule *r = key_rule_find(key);

			if (!r || !r->render)
				continue;
			ret = r->render(host, key, json_object_get_string(v), out, err);
			/* Renderers fill err themselves except for buffer failures. */
			if (ret == -LXF_ENOMEM || ret == -LXF_ETOOBIG)
				goto nomem;
			if (ret)
				return ret;
		}
	}
	ret = render_devices(host, t, config, devices, out, err);
	if (ret == -LXF_ENOMEM || ret == -LXF_ETOOBIG)
		goto nomem;
	if (ret)
		return ret;
	raw = lxf_json_str(config, "raw.lxc");
	if (raw && *raw)
		ret = lxf_buf_addf(out, "# raw.lxc\n%s%s", raw,
				   raw[strlen(raw) - 1] == '\n' ? "" : "\n");
	if (!ret)
		return 0;
nomem:
	return lxf_err_set(err, -ret, "cannot build the liblxc config");
}

bool bcfg_live_limit(const struct bcfg_host *host, struct json_object *config, int i,
		     const char **key, char *val, size_t n)
{
	const char *v;
	struct lxf_buf b = {0};
	uint64_t bytes;
	bool ok = true;

	switch (i) {
	case 0:
		*key = host->cgroup2 ? "memory.max" : "memory.limit_in_bytes";
		v = lxf_json_str(config, "limits.memory");
		if (v && *v && !memory_bytes(v, &bytes))
			snprintf(val, n, "%" PRIu64, bytes);
		else
			snprintf(val, n, "%s", host->cgroup2 ? "max" : "-1");
		return true;
	case 1:
		*key = "pids.max";
		v = lxf_json_str(config, "limits.processes");
		snprintf(val, n, "%s", v && *v ? v : "max");
		return true;
	case 2:
		*key = "cpuset.cpus";
		v = lxf_json_str(config, "limits.cpu");
		if (v && *v)
			ok = !cpu_list(v, &b);
		else
			ok = !cpu_list("1024", &b); /* every online CPU */
		snprintf(val, n, "%s", ok ? lxf_buf_str(&b) : "");
		lxf_buf_fini(&b);
		return true;
	default:
		return false;
	}
}
