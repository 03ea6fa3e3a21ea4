/* SPDX-License-Identifier: Apache-2.0 */
/* Managed bridges: iproute2, dnsmasq and nftables driven without a shell. */
#include "network.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "file.h"
#include "json.h"
#include "log.h"

extern char **environ;

#define TOOL_OUT_CAP 4096
#define ROUTES_CAP   (256 * 1024)

int network_check_name(const char *name, struct lxf_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= IF_NAMESIZE || !isalpha((unsigned char)name[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			goto bad;
	return 0;
bad:
	return lxf_err_set(err, LXF_EINVAL,
			   "Invalid network name \"%s\": 1-15 letters, digits, '_', '.' or '-',"
			   " starting with a letter",
			   name ? name : "");
}

/* The absolute path of tool in the usual system directories. */
static int find_tool(const char *tool, char *buf, size_t n, struct lxf_err *err)
{
	static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(buf, n, "%s/%s", dirs[i], tool);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return lxf_err_set(err, LXF_EIO, "%s is not installed", tool);
}

/*
 * Runs argv (argv[0] a tool name) and waits for it. stdout goes to
 * /dev/null; the first line of stderr becomes the error message on failure.
 */
static int run_tool(const char *const argv[], struct lxf_err *err)
{
	posix_spawn_file_actions_t fa;
	char path[PATH_MAX], out[TOOL_OUT_CAP];
	int pfd[2] = {-1, -1}, status = 0, ret = 0;
	size_t len = 0;
	pid_t pid = -1;
	ssize_t r;

	ret = find_tool(argv[0], path, sizeof(path), err);
	if (ret < 0)
		return ret;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot run %s", argv[0]);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	errno = posix_spawn(&pid, path, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (errno) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot run %s", path);
		goto out;
	}
	while ((r = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0 ||
	       (r < 0 && errno == EINTR))
		if (r > 0)
			len += (size_t)r;
	out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		out[strcspn(out, "\n")] = '\0';
		ret = lxf_err_set(err, LXF_EIO, "%s %s failed: %s", argv[0], argv[1],
				  out[0] ? out : "no message");
	}
out:
	close(pfd[0]);
	return ret;
}

/* ---- config ---- */

struct v4net {
	struct in_addr gw; /* the bridge's address */
	int prefix;
};

static int parse_cidr(const char *s, struct v4net *n, struct lxf_err *err)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	char *end = NULL;
	long prefix;
	uint32_t host, mask;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return lxf_err_set(err, LXF_EINVAL, "ipv4.address: \"%s\" is not a CIDR address",
				   s);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || prefix < 8 || prefix > 30 || inet_pton(AF_INET, addr, &n->gw) != 1)
		return lxf_err_set(err, LXF_EINVAL,
				   "ipv4.address: \"%s\" must be ADDRESS/8..30, e.g. 10.0.3.1/24",
				   s);
	n->prefix = (int)prefix;
	mask = 0xffffffffu << (32 - prefix);
	host = ntohl(n->gw.s_addr) & ~mask;
	if (host == 0 || host == ~mask)
		return lxf_err_set(err, LXF_EINVAL,
				   "ipv4.address: \"%s\" is the network or broadcast address", s);
	return 0;
}

static bool is_bool(const char *v)
{
	static const char *const words[] = {"true", "false", "1", "0", "yes", "no", "on", "off"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(v, words[i]) == 0)
			return true;
	return false;
}

static bool truthy(const char *v)
{
	return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
		     strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0);
}

/* Whether 10.x.y.0/24 overlaps an address or route of this namespace. */
static bool subnet_used(uint32_t net)
{
	struct ifaddrs *ifs = NULL;
	struct lxf_buf b = {0};
	char *save = NULL;
	bool used = false;

	if (getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i && !used; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !i->ifa_netmask)
				continue;
			uint32_t a =
			    ntohl(((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr.s_addr);
			uint32_t m =
			    ntohl(((struct sockaddr_in *)(void *)i->ifa_netmask)->sin_addr.s_addr);
			used = (a & m & 0xffffff00u) == (net & m & 0xffffff00u);
		}
		freeifaddrs(ifs);
	}
	/* /proc/net/route: Iface Destination Gateway Flags ... Mask, hex in host order. */
	lxf_buf_init(&b, ROUTES_CAP);
	if (!used && lxf_file_read("/proc/net/route", ROUTES_CAP, &b, NULL) == 0 && b.data) {
		for (char *l = strtok_r(b.data, "\n", &save); l && !used;
		     l = strtok_r(NULL, "\n", &save)) {
			unsigned int dst, gw, flags, mask;
			char ifn[IF_NAMESIZE + 1];
			if (sscanf(l, "%16s %x %x %x %*s %*s %*s %x", ifn, &dst, &gw, &flags,
				   &mask) != 5 ||
			    mask == 0)
				continue;
			dst = ntohl(dst);
			mask = ntohl(mask);
			used = (dst & mask & 0xffffff00u) == (net & mask & 0xffffff00u);
		}
	}
	lxf_buf_fini(&b);
	return used;
}

static int pick_subnet(char *buf, size_t n, struct lxf_err *err)
{
	uint16_t seed = 0;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint16_t)time(NULL);
	for (unsigned i = 0; i < 65536; i++) {
		unsigned v = (seed + i * 40503u) & 0xffffu;
		unsigned x = v >> 8, y = v & 0xff;
		if (y == 0 || y == 255)
			continue;
		uint32_t net = (10u << 24) | (x << 16) | (y << 8);
		if (!subnet_used(net)) {
			snprintf(buf, n, "10.%u.%u.1/24", x, y);
			return 0;
		}
	}
	return lxf_err_set(err, LXF_EIO, "ipv4.address: no free 10.x.y.0/24 subnet");
}

int network_resolve_config(struct json_object *config, struct json_object **out,
			   struct lxf_err *err)
{
	struct json_object *c = json_object_new_object();
	char cidr[32];
	int ret = 0;

	*out = NULL;
	if (!c)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (config && lxf_json_check_string_map(config, "config", err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	if (config) {
		json_object_object_foreach(config, k, v)
		{
			const char *val = json_object_get_string(v);
			struct v4net net;
			if (strcmp(k, "ipv4.address") == 0) {
				if (strcmp(val, "auto") != 0 && strcmp(val, "none") != 0 &&
				    (ret = parse_cidr(val, &net, err)) < 0)
					goto out;
			} else if (strcmp(k, "ipv4.nat") == 0 || strcmp(k, "ipv4.dhcp") == 0) {
				if (!is_bool(val)) {
					ret = lxf_err_set(err, LXF_EINVAL,
							  "%s: \"%s\" is not a boolean", k, val);
					goto out;
				}
			} else if (strcmp(k, "ipv6.address") == 0) {
				if (strcmp(val, "none") != 0 && val[0]) {
					ret =
					    lxf_err_set(err, LXF_EINVAL,
							"ipv6.address: only \"none\" is supported");
					goto out;
				}
			} else {
				ret = lxf_err_set(err, LXF_EINVAL,
						  "Unknown network config key \"%s\"", k);
				goto out;
			}
			if (val[0])
				lxf_json_add_str(c, k, val);
		}
	}
	if (!lxf_json_str(c, "ipv4.address") ||
	    strcmp(lxf_json_str(c, "ipv4.address"), "auto") == 0) {
		ret = pick_subnet(cidr, sizeof(cidr), err);
		if (ret < 0)
			goto out;
		lxf_json_add_str(c, "ipv4.address", cidr);
	}
	if (!lxf_json_str(c, "ipv4.nat"))
		lxf_json_add_str(c, "ipv4.nat", "true");
	if (!lxf_json_str(c, "ipv6.address"))
		lxf_json_add_str(c, "ipv6.address", "none");
	*out = c;
	c = NULL;
out:
	json_object_put(c);
	return ret;
}

/* ---- dnsmasq ---- */

static int net_dir(const char *dir, const char *name, const char *leaf, char *buf, size_t n)
{
	int len =
	    snprintf(buf, n, "%s/networks/%s%s%s", dir, name, leaf ? "/" : "", leaf ? leaf : "");

	return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
}

/* The pid in the pid file when /proc says it is a dnsmasq using that file. */
static pid_t dnsmasq_pid(const char *pidfile)
{
	struct lxf_buf b = {0}, cmd = {0};
	char proc[64];
	long pid = 0;
	pid_t ret = -1;

	lxf_buf_init(&b, 64);
	lxf_buf_init(&cmd, 64 * 1024);
	if (lxf_file_read(pidfile, 64, &b, NULL) < 0 || !b.data ||
	    sscanf(b.data, "%ld", &pid) != 1 || pid <= 1)
		goto out;
	snprintf(proc, sizeof(proc), "/proc/%ld/cmdline", pid);
	if (lxf_file_read(proc, 64 * 1024, &cmd, NULL) < 0 || !cmd.data)
		goto out;
	/* cmdline is NUL-separated: look for our --pid-file argument among them. */
	for (size_t off = 0; off < cmd.len; off += strlen(cmd.data + off) + 1)
		if (strncmp(cmd.data + off, "--pid-file=", 11) == 0 &&
		    strcmp(cmd.data + off + 11, pidfile) == 0)
			ret = (pid_t)pid;
out:
	lxf_buf_fini(&b);
	lxf_buf_fini(&cmd);
	return ret;
}

void network_dnsmasq_stop(const char *dir, const char *name)
{
	char pidfile[PATH_MAX];
	pid_t pid;

	if (net_dir(dir, name, "dnsmasq.pid", pidfile, sizeof(pidfile)) < 0)
		return;
	pid = dnsmasq_pid(pidfile);
	if (pid > 0) {
		kill(pid, SIGTERM);
		/* Give it a moment to release the DHCP and DNS sockets. */
		for (int i = 0; i < 50 && kill(pid, 0) == 0; i++)
			usleep(20 * 1000);
		if (kill(pid, 0) == 0)
			kill(pid, SIGKILL);
	}
	(void)unlink(pidfile);
}

static int dnsmasq_start(const char *dir, const char *name, const struct v4net *net,
			 struct lxf_err *err)
{
	char ndir[PATH_MAX], lease[PATH_MAX + 32], pid[PATH_MAX + 32], log[PATH_MAX + 32];
	char iface[64], listen[64], range[128], gw[INET_ADDRSTRLEN], lo[INET_ADDRSTRLEN],
	    hi[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	uint32_t m = 0xffffffffu << (32 - net->prefix), base = ntohl(net->gw.s_addr) & m;
	struct in_addr a;
	int ret;

	if (net_dir(dir, name, NULL, ndir, sizeof(ndir)) < 0)
		return lxf_err_set(err, LXF_EINVAL, "Directory path too long");
	ret = lxf_mkdir_p(ndir, 0700, err);
	if (ret < 0)
		return ret;
	inet_ntop(AF_INET, &net->gw, gw, sizeof(gw));
	a.s_addr = htonl(base + 2);
	inet_ntop(AF_INET, &a, lo, sizeof(lo));
	a.s_addr = htonl((base | ~m) - 1);
	inet_ntop(AF_INET, &a, hi, sizeof(hi));
	a.s_addr = htonl(m);
	inet_ntop(AF_INET, &a, mask, sizeof(mask));
	snprintf(lease, sizeof(lease), "--dhcp-leasefile=%s/dnsmasq.leases", ndir);
	snprintf(pid, sizeof(pid), "--pid-file=%s/dnsmasq.pid", ndir);
	snprintf(log, sizeof(log), "--log-facility=%s/dnsmasq.log", ndir);
	snprintf(iface, sizeof(iface), "--interface=%s", name);
	snprintf(listen, sizeof(listen), "--listen-address=%s", gw);
	snprintf(range, sizeof(range), "--dhcp-range=%s,%s,%s,1h", lo, hi, mask);
	{
		const char *const argv[] = {"dnsmasq",
					    "--conf-file=/dev/null",
					    "--user=root",
					    "--group=root",
					    "--strict-order",
					    "--bind-interfaces",
					    "--except-interface=lo",
					    iface,
					    listen,
					    range,
					    "--dhcp-authoritative",
					    "--dhcp-no-override",
					    "--no-resolv",
					    "--no-hosts",
					    lease,
					    pid,
					    log,
					    "--log-dhcp",
					    NULL};
		/* dnsmasq checks its sockets before it daemonizes: a failure shows here. */
		ret = run_tool(argv, err);
	}
	return ret;
}

/* ---- NAT ---- */

static void nat_down(const char *name)
{
	char table[32];

	snprintf(table, sizeof(table), "lxfd-%s", name);
	{
		const char *const argv[] = {"nft", "delete", "table", "ip", table, NULL};
		(void)run_tool(argv, NULL);
	}
}

static int nat_up(const char *name, const struct v4net *net, struct lxf_err *err)
{
	char table[32], subnet[40], addr[INET_ADDRSTRLEN];
	uint32_t m = 0xffffffffu << (32 - net->prefix);
	struct in_addr a = {.s_addr = htonl(ntohl(net->gw.s_addr) & m)};
	int ret;

	snprintf(table, sizeof(table), "lxfd-%s", name);
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	snprintf(subnet, sizeof(subnet), "%s/%d", addr, net->prefix);
	nat_down(name);
	{
		const char *const t[] = {"nft", "add", "table", "ip", table, NULL};
		const char *const c[] = {
		    "nft", "add",  "chain",       "ip",       table, "postrouting", "{", "type",
		    "nat", "hook", "postrouting", "priority", "100", ";",           "}", NULL};
		const char *const r[] = {"nft",         "add", "rule",  "ip",         table,
					 "postrouting", "ip",  "saddr", subnet,       "ip",
					 "daddr",       "!=",  subnet,  "masquerade", NULL};
		ret = run_tool(t, err);
		if (ret == 0)
			ret = run_tool(c, err);
		if (ret == 0)
			ret = run_tool(r, err);
	}
	if (ret < 0)
		nat_down(name);
	return ret;
}

static int enable_forwarding(struct lxf_err *err)
{
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || write(fd, "1\n", 2) != 2)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot enable IPv4 forwarding");
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---- the bridge ---- */

int network_bridge_up(const char *dir, const char *name, struct json_object *config,
		      struct lxf_err *err)
{
	const char *addr = lxf_json_str(config, "ipv4.address");
	bool made = false, has_v4 = addr && strcmp(addr, "none") != 0;
	struct v4net net = {0};
	int ret;

	if (has_v4 && (ret = parse_cidr(addr, &net, err)) < 0)
		return ret;
	network_dnsmasq_stop(dir, name);
	nat_down(name);
	if (if_nametoindex(name) == 0) {
		const char *const argv[] = {"ip", "link", "add", name, "type", "bridge", NULL};
		ret = run_tool(argv, err);
		if (ret < 0)
			return ret;
		made = true;
	}
	{
		const char *const flush[] = {"ip", "-4", "addr", "flush", "dev", name, NULL};
		const char *const add[] = {"ip", "addr", "add", addr, "dev", name, NULL};
		const char *const up[] = {"ip", "link", "set", name, "up", NULL};
		ret = run_tool(flush, err);
		if (ret == 0 && has_v4)
			ret = run_tool(add, err);
		if (ret == 0)
			ret = run_tool(up, err);
	}
	if (ret == 0 && has_v4 && truthy(lxf_json_str(config, "ipv4.nat")))
		ret = enable_forwarding(err);
	if (ret == 0 && has_v4 && truthy(lxf_json_str(config, "ipv4.nat")))
		ret = nat_up(name, &net, err);
	if (ret == 0 && has_v4 &&
	    (!lxf_json_str(config, "ipv4.dhcp") || truthy(lxf_json_str(config, "ipv4.dhcp"))))
		ret = dnsmasq_start(dir, name, &net, err);
	if (ret < 0) {
		lxf_err_prefix(err, "Network \"%s\"", name);
		network_dnsmasq_stop(dir, name);
		nat_down(name);
		if (made) {
			const char *const del[] = {"ip", "link", "del", name, NULL};
			(void)run_tool(del, NULL);
		}
	}
	return ret;
}

int network_bridge_down(const char *dir, const char *name, struct lxf_err *err)
{
	char ndir[PATH_MAX];
	int ret = 0;

	network_dnsmasq_stop(dir, name);
	nat_down(name);
	if (if_nametoindex(name) != 0) {
		const char *const del[] = {"ip", "link", "del", name, NULL};
		ret = run_tool(del, err);
	}
	if (ret == 0 && net_dir(dir, name, NULL, ndir, sizeof(ndir)) == 0)
		(void)lxf_rm_rf(ndir, NULL);
	return ret;
}

int network_restore_all(const char *dir, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	int ret;

	ret = db_exec(NULL, NULL, err,
		      "CREATE TABLE IF NOT EXISTS networks (name TEXT PRIMARY KEY,"
		      " description TEXT NOT NULL DEFAULT '', type TEXT NOT NULL DEFAULT 'bridge',"
		      " config JSON NOT NULL DEFAULT '{}')",
		      "");
	if (ret == 0)
		ret = db_exec(&rows, NULL, err, "SELECT * FROM networks ORDER BY name", "");
	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);
		const char *name = lxf_json_str(row, "name");
		struct lxf_err e;
		lxf_err_clear(&e);
		if (network_bridge_up(dir, name, json_object_object_get(row, "config"), &e) < 0)
			lxf_error("Cannot bring up network %s: %s", name, e.msg);
		else
			lxf_info("Network %s is up", name);
	}
	json_object_put(rows);
	return ret;
}
