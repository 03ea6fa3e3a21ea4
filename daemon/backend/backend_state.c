/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live state of containers: status, init pid, cgroup counters and the
 * network as seen from inside. What a recursion=2 list asks for every
 * container, so it avoids what is slow here: no fork, no config parse per
 * call (query objects, below), one read of /proc/PID/cgroup per container.
 */
#include "backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend_int.h"
#include "json.h"
#include "log.h"

#define CGROUP_CAP   8192 /* /proc/PID/cgroup: a line per v1 hierarchy */
#define CG_VALUE_CAP 1024 /* a counter, or cpu.stat's few lines */
#define MAX_NICS     64
#define QC_BUCKETS   256  /* qc_: the query cache, below */
#define QC_MAX       4096 /* beyond: fresh objects, never a growing table */

/*
 * The query cache (qc_*): one liblxc object per container name, kept to
 * read its state and never used to change anything. state(), init_pid()
 * and get_running_config_item() ask the container's monitor over its
 * command socket and use only the object's name and lxcpath, never its
 * parsed config; but lxc_container_new() parses the config and its
 * includes each time (four memfd maps and unmaps, each unmap a TLB
 * shootdown across the CPUs of this many-threaded process): that was
 * most of a recursion=2 list. So one object per name is made once, its
 * parsed config dropped (a few kB kept per container), and reused until
 * the container is deleted or renamed (backend_query_cache_drop). Each
 * entry also keeps what was read from the running init: its veth pairs,
 * its pidfd and its freezer file (live_status).
 */
struct qent {
	char name[64];
	struct lxc_container *c;
	pid_t pairs_pid;           /* the init whose veth names pairs holds */
	struct json_object *pairs; /* {ifname: host-side veth name} */
	pid_t init;                /* the running init's pid, known by ... */
	int init_fd;               /* ... its pidfd (-1: none): it is this one */
	char *freezer;             /* its cgroup's freezer.state (v2: cgroup.events) */
	struct qent *next;
};

static pthread_mutex_t qc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct qent *qc_tab[QC_BUCKETS];
static size_t qc_count;

static unsigned qc_hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % QC_BUCKETS;
}

/* name's entry or NULL; under qc_lock. */
static struct qent *qc_find_locked(const char *name)
{
	struct qent *e = qc_tab[qc_hash(name)];

	while (e && strcmp(e->name, name) != 0)
		e = e->next;
	return e;
}

/* Unlinks name's entry under qc_lock; the caller puts its object. */
static struct lxc_container *qc_take_locked(const char *name)
{
	for (struct qent **pp = &qc_tab[qc_hash(name)]; *pp; pp = &(*pp)->next) {
		struct qent *e = *pp;
		struct lxc_container *c = e->c;

		if (strcmp(e->name, name) != 0)
			continue;
		*pp = e->next;
		json_object_put(e->pairs);
		if (e->init_fd >= 0)
			close(e->init_fd);
		free(e->freezer);
		free(e);
		qc_count--;
		return c;
	}
	return NULL;
}

void backend_query_cache_drop(const char *name)
{
	struct lxc_container *c;

	pthread_mutex_lock(&qc_lock);
	c = qc_take_locked(name);
	pthread_mutex_unlock(&qc_lock);
	if (c)
		lxc_container_put(c);
}

/*
 * A query object for defined container name (a reference: the caller
 * puts it), or NULL with err set as backend_ct_get does.
 */
static struct lxc_container *qc_get(const char *name, struct lxf_err *err)
{
	struct lxc_container *c = NULL, *fresh = NULL;
	struct qent *e = NULL;

	if (!name || strlen(name) >= sizeof(e->name))
		return backend_ct_get(name, true, err);
	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e && lxc_container_get(e->c))
		c = e->c;
	pthread_mutex_unlock(&qc_lock);
	if (c) {
		if (c->is_defined(c)) /* one stat(): deleted behind our back? */
			return c;
		lxc_container_put(c);
		backend_query_cache_drop(name);
		lxf_err_set(err, LXF_ENOENT, "container '%s' not found", name);
		return NULL;
	}
	fresh = backend_ct_get(name, true, err);
	if (!fresh)
		return NULL;
	fresh->clear_config(fresh);
	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (!e && qc_count < QC_MAX && (e = calloc(1, sizeof(*e)))) {
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->init_fd = -1;
		e->c = fresh;
		e->next = qc_tab[qc_hash(name)];
		qc_tab[qc_hash(name)] = e;
		qc_count++;
		fresh = NULL; /* the table's reference now */
	}
	if (e && lxc_container_get(e->c))
		c = e->c;
	pthread_mutex_unlock(&qc_lock);
	if (!c) { /* not cached (table full): the fresh object serves once */
		c = fresh;
		fresh = NULL;
	}
	if (fresh)
		lxc_container_put(fresh); /* another thread cached the name first */
	return c;
}

/* liblxc's state names onto the three LXD statuses the API reports. */
static const char *status_of(const char *lxc_state, int *code)
{
	if (!strcmp(lxc_state, "STOPPED")) {
		*code = 102;
		return "Stopped";
	}
	if (!strcmp(lxc_state, "FROZEN")) {
		*code = 110;
		return "Frozen";
	}
	*code = 103;
	return "Running";
}

/* ---- state ---- */

/*
 * The cgroup directory for a v1 controller ("memory"), or v2 when ctrl is
 * "", from cg, the text of /proc/PID/cgroup (read once per container).
 */
int backend_cgroup_dir(const char *cg, const char *ctrl, char *out, size_t n)
{
	size_t cl = strlen(ctrl);

	for (const char *l = cg; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *ctrls = strchr(l, ':'), *cgpath, *end;
		bool hit = false;
		int len;

		if (!ctrls || !(cgpath = strchr(ctrls + 1, ':')))
			break;
		ctrls++;
		end = strchr(cgpath, '\n');
		if (!end)
			end = cgpath + strlen(cgpath);
		if (!cl) {
			hit = cgpath == ctrls;
		} else {
			/* "cpu,cpuacct" is mounted under that very name on systemd hosts. */
			for (const char *p = ctrls; p < cgpath && !hit;) {
				size_t w = strcspn(p, ",:");
				hit = w == cl && !strncmp(p, ctrl, cl);
				p += w + 1;
			}
		}
		if (!hit)
			continue;
		if (cl)
			len = snprintf(out, n, "/sys/fs/cgroup/%.*s%.*s", (int)(cgpath - ctrls),
				       ctrls, (int)(end - cgpath - 1), cgpath + 1);
		else
			len = snprintf(out, n, "/sys/fs/cgroup%s%.*s",
				       backend_host()->cgroup2 ? "" : "/unified",
				       (int)(end - cgpath - 1), cgpath + 1);
		return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
	}
	return -LXF_ENOENT;
}

/*
 * The content of the small kernel file path (a cgroup value, cpu.stat,
 * /proc/PID/cgroup) into buf, NUL ended, cut at n - 1 bytes; -1 when
 * unreadable. One read: these files are made whole by one show call and
 * handed over by the first read. (Not lxf_file_read: its 64 kB stack
 * chunk, probed page by page, plus a read for EOF, was the largest
 * user-space cost of a recursion=2 list.)
 */
static ssize_t read_small(const char *path, char *buf, size_t n)
{
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	do
		r = read(fd, buf, n - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

/* The first number in file dir/leaf, or in its "key N" line when key is set. */
static int64_t cg_read(const char *dir, const char *leaf, const char *key)
{
	char path[PATH_MAX], buf[CG_VALUE_CAP];
	const char *p = buf;
	int64_t v = -1;

	if (snprintf(path, sizeof(path), "%s/%s", dir, leaf) >= (int)sizeof(path) ||
	    read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	if (key) {
		size_t kl = strlen(key);

		for (; p && (strncmp(p, key, kl) || p[kl] != ' ');
		     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			;
		p = p ? p + kl : NULL;
	}
	if (p && sscanf(p, "%" SCNd64, &v) != 1)
		v = -1;
	return v;
}

static int add_i64(struct json_object *o, const char *key, int64_t v)
{
	struct json_object *j = json_object_new_int64(v < 0 ? 0 : v);

	if (!j || json_object_object_add(o, key, j)) {
		json_object_put(j);
		return -LXF_ENOMEM;
	}
	return 0;
}

static int add_obj(struct json_object *o, const char *key, struct json_object **child)
{
	*child = json_object_new_object();
	if (!*child || json_object_object_add(o, key, *child)) {
		json_object_put(*child);
		*child = NULL;
		return -LXF_ENOMEM;
	}
	return 0;
}

static int state_cgroups(pid_t pid, struct json_object *st)
{
	struct json_object *cpu = NULL, *mem = NULL;
	char dir[PATH_MAX], path[64], cg[CGROUP_CAP];
	int64_t procs = -1, usage = -1, peak = -1, sw = -1, swpeak = -1, cpuns = -1;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (pid <= 0 || read_small(path, cg, sizeof(cg)) < 0)
		cg[0] = '\0';
	if (backend_host()->cgroup2) {
		if (!backend_cgroup_dir(cg, "", dir, sizeof(dir))) {
			procs = cg_read(dir, "pids.current", NULL);
			cpuns = cg_read(dir, "cpu.stat", "usage_usec");
			cpuns = cpuns < 0 ? -1 : cpuns * 1000;
			usage = cg_read(dir, "memory.current", NULL);
			peak = cg_read(dir, "memory.peak", NULL);
			sw = cg_read(dir, "memory.swap.current", NULL);
			swpeak = cg_read(dir, "memory.swap.peak", NULL);
		}
	} else {
		if (!backend_cgroup_dir(cg, "pids", dir, sizeof(dir)))
			procs = cg_read(dir, "pids.current", NULL);
		if (!backend_cgroup_dir(cg, "cpuacct", dir, sizeof(dir)))
			cpuns = cg_read(dir, "cpuacct.usage", NULL);
		if (!backend_cgroup_dir(cg, "memory", dir, sizeof(dir))) {
			usage = cg_read(dir, "memory.usage_in_bytes", NULL);
			peak = cg_read(dir, "memory.max_usage_in_bytes", NULL);
			/* memsw counts memory + swap; swap is the difference. */
			sw = cg_read(dir, "memory.memsw.usage_in_bytes", NULL);
			sw = sw >= usage && usage >= 0 ? sw - usage : 0;
			swpeak = cg_read(dir, "memory.memsw.max_usage_in_bytes", NULL);
			swpeak = swpeak >= peak && peak >= 0 ? swpeak - peak : 0;
		}
	}
	ret = add_i64(st, "processes", procs);
	if (!ret)
		ret = add_obj(st, "cpu", &cpu);
	if (!ret)
		ret = add_i64(cpu, "usage", cpuns);
	if (!ret)
		ret = add_obj(st, "memory", &mem);
	if (!ret)
		ret = add_i64(mem, "usage", usage);
	if (!ret)
		ret = add_i64(mem, "usage_peak", peak);
	if (!ret)
		ret = add_i64(mem, "swap_usage", sw);
	if (!ret)
		ret = add_i64(mem, "swap_usage_peak", swpeak);
	return ret;
}

/*
 * Interfaces are read from inside the container's network namespace by a
 * short-lived thread that setns()es into it (netns is per thread), so no
 * process is forked: getifaddrs() there gives names, flags, addresses,
 * MACs and the counters from the container's point of view.
 */
struct netns_job {
	int nsfd;
	struct json_object *net; /* filled by the thread */
	int ret;
};

static struct json_object *nic_entry(struct json_object *net, const char *ifname)
{
	struct json_object *e = NULL, *a = NULL, *cnt = NULL;

	if (json_object_object_get_ex(net, ifname, &e))
		return e;
	if (json_object_object_length(net) >= MAX_NICS || add_obj(net, ifname, &e) ||
	    !(a = json_object_new_array()) || json_object_object_add(e, "addresses", a)) {
		json_object_put(a);
		return NULL;
	}
	if (add_obj(e, "counters", &cnt) || lxf_json_add_str(e, "hwaddr", "") ||
	    lxf_json_add_str(e, "host_name", "") || add_i64(e, "mtu", 0) ||
	    lxf_json_add_str(e, "state", "down") || lxf_json_add_str(e, "type", "broadcast"))
		return NULL;
	return e;
}

int backend_ifaddr_json(struct json_object *arr, const struct ifaddrs *ifa)
{
	struct json_object *o;
	char addr[INET6_ADDRSTRLEN] = "", mask[16];
	const char *scope = "global";
	int prefix = 0, bytes;
	const unsigned char *m;

	if (ifa->ifa_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(void *)ifa->ifa_addr;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		if ((ntohl(in->sin_addr.s_addr) >> 24) == 127)
			scope = "local";
		bytes = 4;
		m = ifa->ifa_netmask ? (const unsigned char *)&(
					   (const struct sockaddr_in *)(void *)ifa->ifa_netmask)
					   ->sin_addr
				     : NULL;
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(void *)ifa->ifa_addr;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			scope = "local";
		else if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr))
			scope = "link";
		bytes = 16;
		m = ifa->ifa_netmask ? (const unsigned char *)&(
					   (const struct sockaddr_in6 *)(void *)ifa->ifa_netmask)
					   ->sin6_addr
				     : NULL;
	}
	for (int i = 0; m && i < bytes; i++)
		prefix += __builtin_popcount(m[i]);
	snprintf(mask, sizeof(mask), "%d", prefix);
	o = json_object_new_object();
	if (!o || lxf_json_add_str(o, "family", bytes == 4 ? "inet" : "inet6") ||
	    lxf_json_add_str(o, "address", addr) || lxf_json_add_str(o, "netmask", mask) ||
	    lxf_json_add_str(o, "scope", scope) || json_object_array_add(arr, o)) {
		json_object_put(o);
		return -LXF_ENOMEM;
	}
	return 0;
}

static int add_link(struct json_object *e, const struct ifaddrs *ifa, int sock)
{
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)(void *)ifa->ifa_addr;
	const struct rtnl_link_stats *s = ifa->ifa_data;
	struct json_object *cnt = json_object_object_get(e, "counters");
	struct ifreq ifr = {0};
	char mac[18] = "";
	int ret;

	if (ll->sll_halen == 6)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ll->sll_addr[0],
			 ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4],
			 ll->sll_addr[5]);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifa->ifa_name);
	if (sock < 0 || ioctl(sock, SIOCGIFMTU, &ifr))
		ifr.ifr_mtu = 0;
	ret = lxf_json_add_str(e, "hwaddr", mac);
	if (!ret)
		ret = add_i64(e, "mtu", ifr.ifr_mtu);
	if (!ret)
		ret = lxf_json_add_str(e, "state", (ifa->ifa_flags & IFF_UP) ? "up" : "down");
	if (!ret)
		ret = lxf_json_add_str(e, "type",
				       (ifa->ifa_flags & IFF_LOOPBACK) ? "loopback" : "broadcast");
	if (!ret && s) {
		ret = add_i64(cnt, "bytes_received", s->rx_bytes);
		if (!ret)
			ret = add_i64(cnt, "bytes_sent", s->tx_bytes);
		if (!ret)
			ret = add_i64(cnt, "packets_received", s->rx_packets);
		if (!ret)
			ret = add_i64(cnt, "packets_sent", s->tx_packets);
	}
	return ret;
}

/* Reads the interfaces of the netns the calling thread is in into j->net. */
static void netns_read(struct netns_job *j)
{
	struct ifaddrs *ifs = NULL;
	int sock = -1;

	j->ret = -LXF_EIO;
	if (getifaddrs(&ifs))
		return;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	j->ret = 0;
	for (struct ifaddrs *ifa = ifs; ifa && !j->ret; ifa = ifa->ifa_next) {
		struct json_object *e;
		int fam = ifa->ifa_addr ? ifa->ifa_addr->sa_family : AF_UNSPEC;

		if (fam != AF_PACKET && fam != AF_INET && fam != AF_INET6)
			continue;
		e = nic_entry(j->net, ifa->ifa_name);
		if (!e)
			j->ret = -LXF_ENOMEM;
		else if (fam == AF_PACKET)
			j->ret = add_link(e, ifa, sock);
		else
			j->ret = backend_ifaddr_json(json_object_object_get(e, "addresses"), ifa);
	}
	if (sock >= 0)
		close(sock);
	freeifaddrs(ifs);
}

static void *netns_thread(void *arg)
{
	struct netns_job *j = arg;

	j->ret = -LXF_EIO;
	if (setns(j->nsfd, CLONE_NEWNET) == 0)
		netns_read(j);
	return NULL;
}

/*
 * Inline reads (backend_state_inline_netns): a thread that may be moved
 * into a container's netns and back, instead of a thread made per
 * container (a clone, and on its exit a stack madvise: TLB shootdowns
 * across CPUs, most of a list's cost on this kind of host). host_net is
 * lxfd's own netns, opened once; a thread that could not go back is
 * marked broken and must not be used for anything else (abstract unix
 * sockets, liblxc's monitor commands among them, are per netns).
 */
static __thread bool netns_inline, netns_broken;
static int host_net = -1;
static pthread_once_t host_net_once = PTHREAD_ONCE_INIT;

static void host_net_open(void)
{
	host_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

void backend_state_inline_netns(bool on)
{
	netns_inline = on;
}

bool backend_state_thread_broken(void)
{
	return netns_broken;
}

/* 1 when read inline (j->ret set), 0 when the caller must use a thread. */
static int netns_read_inline(struct netns_job *j)
{
	if (!netns_inline || netns_broken)
		return 0;
	(void)pthread_once(&host_net_once, host_net_open);
	if (host_net < 0)
		return 0;
	if (setns(j->nsfd, CLONE_NEWNET)) {
		j->ret = -LXF_EIO;
		return 1;
	}
	netns_read(j);
	if (setns(host_net, CLONE_NEWNET)) {
		netns_broken = true;
		lxf_error("Cannot return a list worker to lxfd's netns: %s", strerror(errno));
	}
	return 1;
}

/*
 * {ifname: host-side veth} of running name, asked from its monitor. Only
 * a parsed config may ask (liblxc refuses running config items to an
 * object without one), and the names hold for the life of the init: so
 * they are asked once per init pid, with a fresh object, and kept with the
 * query object. A new reference, or NULL.
 */
static struct json_object *veth_pairs(const char *name, pid_t pid)
{
	struct json_object *pairs = NULL;
	struct lxc_container *c = NULL;
	struct qent *e;
	char key[64];

	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e && e->pairs && e->pairs_pid == pid)
		pairs = json_object_get(e->pairs);
	pthread_mutex_unlock(&qc_lock);
	if (pairs)
		return pairs;
	c = backend_ct_get(name, true, NULL);
	pairs = json_object_new_object();
	for (int i = 0; c && pairs && i < MAX_NICS; i++) {
		char *type, *ifname, *pair;

		snprintf(key, sizeof(key), "lxc.net.%d.type", i);
		type = c->get_running_config_item(c, key);
		if (!type)
			break;
		snprintf(key, sizeof(key), "lxc.net.%d.name", i);
		ifname = c->get_running_config_item(c, key);
		snprintf(key, sizeof(key), "lxc.net.%d.veth.pair", i);
		pair = c->get_running_config_item(c, key);
		if (ifname && pair)
			(void)lxf_json_add_str(pairs, ifname, pair);
		free(type);
		free(ifname);
		free(pair);
	}
	if (c)
		lxc_container_put(c);
	if (!pairs)
		return NULL;
	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e) {
		json_object_put(e->pairs);
		e->pairs = json_object_get(pairs);
		e->pairs_pid = pid;
	}
	pthread_mutex_unlock(&qc_lock);
	return pairs;
}

static int state_network(const char *name, pid_t pid, struct json_object *net)
{
	struct netns_job j = {.nsfd = -1, .net = net, .ret = -LXF_EIO};
	struct json_object *pairs;
	char path[64];
	pthread_t th;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	j.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (j.nsfd < 0)
		return -LXF_EIO;
	if (!netns_read_inline(&j)) {
		if (pthread_create(&th, NULL, netns_thread, &j)) {
			close(j.nsfd);
			return -LXF_EIO;
		}
		pthread_join(th, NULL);
	}
	close(j.nsfd);
	if (j.ret)
		return j.ret;
	/* host_name: the host end of each veth. */
	pairs = veth_pairs(name, pid);
	if (!pairs)
		return 0;
	json_object_object_foreach(pairs, ifname, pair)
	{
		struct json_object *e;

		if (json_object_object_get_ex(net, ifname, &e))
			(void)lxf_json_add_str(e, "host_name", json_object_get_string(pair));
	}
	json_object_put(pairs);
	return 0;
}

/* The file that says whether pid's cgroup is frozen (malloc'ed), or NULL. */
static char *freezer_path(pid_t pid)
{
	char cg[CGROUP_CAP], dir[PATH_MAX], path[PATH_MAX];
	bool v2 = backend_host()->cgroup2;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_small(path, cg, sizeof(cg)) < 0 ||
	    backend_cgroup_dir(cg, v2 ? "" : "freezer", dir, sizeof(dir)) < 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dir, v2 ? "cgroup.events" : "freezer.state") >=
		(int)sizeof(path))
		return NULL;
	return strdup(path);
}

/*
 * The init pid of running container name (c its query object). Asking the
 * monitor costs a command round trip (and a wake-up of the monitor) per
 * container per list; the answer holds as long as that process lives. So
 * it is kept with a pidfd, which always means that very process (never a
 * recycled pid): while the pidfd does not poll readable (exited), the pid
 * is still the init. The pidfd is taken between two monitor answers that
 * agree, so it is the init's and not a process that got its pid since.
 */
static pid_t init_pid_cached(const char *name, struct lxc_container *c)
{
	struct qent *e;
	pid_t pid = -1, again;
	char *freezer = NULL;
	int fd = -1;

	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e && e->init_fd >= 0) {
		struct pollfd p = {.fd = e->init_fd, .events = POLLIN};

		if (poll(&p, 1, 0) == 0)
			pid = e->init;
	}
	pthread_mutex_unlock(&qc_lock);
	if (pid > 0)
		return pid;
	pid = c->init_pid(c);
	if (pid <= 0)
		return pid;
	fd = (int)syscall(SYS_pidfd_open, pid, 0); /* close-on-exec always */
	if (fd < 0)
		return pid;
	again = c->init_pid(c);
	if (again != pid) {
		close(fd);
		return again;
	}
	freezer = freezer_path(pid);
	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e) {
		if (e->init_fd >= 0)
			close(e->init_fd);
		free(e->freezer);
		e->init_fd = fd;
		e->init = pid;
		e->freezer = freezer;
		fd = -1;
		freezer = NULL;
	}
	pthread_mutex_unlock(&qc_lock);
	if (fd >= 0)
		close(fd);
	free(freezer);
	return pid;
}

/*
 * What a live init known by its pidfd tells without asking the monitor
 * (a command round trip and a wake-up of the monitor per container per
 * list, most of a recursion=1 list): while the pidfd does not poll
 * readable the init runs, so liblxc would say RUNNING (or STARTING or
 * STOPPING: all Running here) unless frozen, and frozen is read where the
 * kernel keeps it, the freezer file of the init's cgroup (as current as
 * the monitor's answer). 1 with *pid and *frozen set; 0 when unknown: ask.
 */
static int live_status(const char *name, pid_t *pid, bool *frozen)
{
	struct qent *e;
	char path[PATH_MAX] = "", buf[64];
	pid_t p = -1;

	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e && e->init_fd >= 0 && e->freezer) {
		struct pollfd pf = {.fd = e->init_fd, .events = POLLIN};

		if (poll(&pf, 1, 0) == 0) {
			p = e->init;
			snprintf(path, sizeof(path), "%s", e->freezer);
		}
	}
	pthread_mutex_unlock(&qc_lock);
	if (p <= 0 || read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	*pid = p;
	*frozen = backend_host()->cgroup2 ? strstr(buf, "frozen 1") != NULL
					  : strncmp(buf, "FROZEN", 6) == 0;
	return 1;
}

/* The status of name (c its query object) and, unless stopped, its init's pid. */
static const char *status_now(const char *name, struct lxc_container *c, int *code, pid_t *pid)
{
	const char *s;
	bool frozen = false;

	*pid = -1;
	if (live_status(name, pid, &frozen)) {
		*code = frozen ? 110 : 103;
		return frozen ? "Frozen" : "Running";
	}
	s = status_of(c->state(c), code);
	if (*code != 102)
		*pid = init_pid_cached(name, c);
	return s;
}

const char *backend_status(const char *name)
{
	struct lxc_container *c = qc_get(name, NULL);
	const char *s;
	pid_t pid;
	int code;

	if (!c)
		return NULL;
	s = status_now(name, c, &code, &pid);
	lxc_container_put(c);
	return s;
}

int backend_state(const char *name, struct json_object **out, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	struct json_object *st = NULL, *net = NULL, *disk = NULL;
	const char *status;
	pid_t pid = -1;
	int code, ret;

	c = qc_get(name, err);
	if (!c)
		return -err->code;
	status = status_now(name, c, &code, &pid);
	st = json_object_new_object();
	if (!st || lxf_json_add_str(st, "status", status) || add_i64(st, "status_code", code) ||
	    add_i64(st, "pid", pid > 0 ? pid : 0) || add_obj(st, "disk", &disk) ||
	    add_obj(st, "network", &net))
		goto nomem;
	if (pid > 0) {
		ret = state_cgroups(pid, st);
		if (ret)
			goto nomem;
		/* A container that stops meanwhile just shows no interfaces. */
		ret = state_network(name, pid, net);
		if (ret == -LXF_ENOMEM)
			goto nomem;
	} else {
		ret = state_cgroups(-1, st);
		if (ret)
			goto nomem;
	}
	*out = st;
	st = NULL;
	ret = 0;
	goto out;
nomem:
	ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	json_object_put(st);
	lxc_container_put(c);
	return ret;
}
