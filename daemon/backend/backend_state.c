/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live state of containers: status, init pid, cgroup counters and the
 * network as seen from inside. What a recursion=2 list asks for every
 * container, so it avoids what is slow here: no fork, no config parse per
 * call (query objects, below), the cgroups' files kept open per init
 * (backend_live.c).
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

#define MAX_NICS   64
#define QC_BUCKETS 256  /* qc_: the query cache, below */
#define QC_MAX     4096 /* beyond: fresh objects, never a growing table */

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
 * its pidfd and its cgroups' open files (backend_live.c).
 */
struct qent {
	char name[64];
	struct lxc_container *c;
	pid_t pairs_pid;           /* the init whose veth names pairs holds */
	struct json_object *pairs; /* {ifname: host-side veth name} */
	struct backend_live *live; /* the running init's handles, or NULL */
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
		backend_live_unref(e->live);
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

struct json_object *backend_nic_entry(struct json_object *net, const char *ifname)
{
	struct json_object *e = NULL, *a = NULL, *cnt = NULL;

	if (json_object_object_get_ex(net, ifname, &e))
		return e;
	if (json_object_object_length(net) >= MAX_NICS || backend_add_obj(net, ifname, &e) ||
	    !(a = json_object_new_array()) || json_object_object_add(e, "addresses", a)) {
		json_object_put(a);
		return NULL;
	}
	if (backend_add_obj(e, "counters", &cnt) || lxf_json_add_str(e, "hwaddr", "") ||
	    lxf_json_add_str(e, "host_name", "") || backend_add_i64(e, "mtu", 0) ||
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

int backend_nic_link(struct json_object *e, const struct ifaddrs *ifa, int mtu)
{
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)(void *)ifa->ifa_addr;
	const struct rtnl_link_stats *s = ifa->ifa_data;
	struct json_object *cnt = json_object_object_get(e, "counters");
	char mac[18] = "";
	int ret;

	if (ll->sll_halen == 6)
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", ll->sll_addr[0],
			 ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4],
			 ll->sll_addr[5]);
	ret = lxf_json_add_str(e, "hwaddr", mac);
	if (!ret)
		ret = backend_add_i64(e, "mtu", mtu);
	if (!ret)
		ret = lxf_json_add_str(e, "state", (ifa->ifa_flags & IFF_UP) ? "up" : "down");
	if (!ret)
		ret = lxf_json_add_str(e, "type",
				       (ifa->ifa_flags & IFF_LOOPBACK) ? "loopback" : "broadcast");
	if (!ret && s) {
		ret = backend_add_i64(cnt, "bytes_received", s->rx_bytes);
		if (!ret)
			ret = backend_add_i64(cnt, "bytes_sent", s->tx_bytes);
		if (!ret)
			ret = backend_add_i64(cnt, "packets_received", s->rx_packets);
		if (!ret)
			ret = backend_add_i64(cnt, "packets_sent", s->tx_packets);
		/* LXD's network_counters_errors_dropped fields (also metrics'). */
		if (!ret)
			ret = backend_add_i64(cnt, "errors_received", s->rx_errors);
		if (!ret)
			ret = backend_add_i64(cnt, "errors_sent", s->tx_errors);
		if (!ret)
			ret = backend_add_i64(cnt, "packets_dropped_inbound", s->rx_dropped);
		if (!ret)
			ret = backend_add_i64(cnt, "packets_dropped_outbound", s->tx_dropped);
	}
	return ret;
}

static int link_mtu(int sock, const char *ifname)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	return sock < 0 || ioctl(sock, SIOCGIFMTU, &ifr) ? 0 : ifr.ifr_mtu;
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
		e = backend_nic_entry(j->net, ifa->ifa_name);
		if (!e)
			j->ret = -LXF_ENOMEM;
		else if (fam == AF_PACKET)
			j->ret = backend_nic_link(e, ifa, link_mtu(sock, ifa->ifa_name));
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

	/* From here by the netns id when it has one (backend_rtnl.c). */
	j.ret = backend_rtnl_read(pid, netns_inline && !netns_broken, net);
	if (j.ret != 1)
		goto read;
	j.ret = -LXF_EIO;
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
read:
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

/*
 * The handles on name's init while it runs (a reference: the caller
 * unrefs it), or NULL. The pidfd always means that very process (never a
 * recycled pid): while it does not poll readable, the pid is still the
 * init. The handles of an init found gone are dropped at once (they hold
 * its cgroups' files open).
 */
static struct backend_live *live_get(const char *name)
{
	struct backend_live *l = NULL, *dead = NULL;
	struct qent *e;

	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e && e->live) {
		if (backend_live_alive(e->live)) {
			l = backend_live_ref(e->live);
		} else {
			dead = e->live;
			e->live = NULL;
		}
	}
	pthread_mutex_unlock(&qc_lock);
	backend_live_unref(dead);
	return l;
}

/*
 * The init pid of running container name (c its query object), asked
 * from its monitor (a command round trip and a wake-up of the monitor);
 * the answer holds as long as that process lives, so the handles on it
 * are made and kept (*live, a reference, or NULL). The pidfd is taken
 * between two monitor answers that agree, so it is the init's and not a
 * process that got its pid since.
 */
static pid_t init_pid_cached(const char *name, struct lxc_container *c, struct backend_live **live)
{
	struct backend_live *l, *old = NULL;
	struct qent *e;
	pid_t pid = c->init_pid(c), again;
	int fd;

	*live = NULL;
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
	l = backend_live_new(pid, fd);
	if (!l)
		return pid;
	pthread_mutex_lock(&qc_lock);
	e = qc_find_locked(name);
	if (e) {
		old = e->live;
		e->live = backend_live_ref(l);
	}
	pthread_mutex_unlock(&qc_lock);
	backend_live_unref(old);
	*live = l;
	return pid;
}

/*
 * The status of name (c its query object) and, unless stopped, its init's
 * pid and handles (*live: a reference, or NULL). A live init known by its
 * pidfd tells it without asking the monitor (a command round trip and a
 * wake-up of the monitor per container per list, most of a recursion=1
 * list): liblxc would say RUNNING (or STARTING or STOPPING: all Running
 * here) unless frozen, and frozen is read where the kernel keeps it, the
 * freezer file of the init's cgroup (as current as the monitor's answer).
 */
static const char *status_now(const char *name, struct lxc_container *c, int *code, pid_t *pid,
			      struct backend_live **live)
{
	const char *s;
	int frozen;

	*pid = -1;
	*live = live_get(name);
	if (*live) {
		frozen = backend_live_frozen(*live);
		if (frozen >= 0) {
			*pid = backend_live_pid(*live);
			*code = frozen ? 110 : 103;
			return frozen ? "Frozen" : "Running";
		}
		backend_live_unref(*live);
		*live = NULL;
	}
	s = status_of(c->state(c), code);
	if (*code != 102)
		*pid = init_pid_cached(name, c, live);
	return s;
}
const char *backend_status(const char *name)
{
	struct lxc_container *c = qc_get(name, NULL);
	struct backend_live *live = NULL;
	const char *s;
	pid_t pid;
	int code;

	if (!c)
		return NULL;
	s = status_now(name, c, &code, &pid, &live);
	backend_live_unref(live);
	lxc_container_put(c);
	return s;
}

int backend_state(const char *name, struct json_object **out, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	struct backend_live *live = NULL;
	struct json_object *st = NULL, *net = NULL, *disk = NULL;
	const char *status;
	pid_t pid = -1;
	int code, ret;

	c = qc_get(name, err);
	if (!c)
		return -err->code;
	status = status_now(name, c, &code, &pid, &live);
	st = json_object_new_object();
	if (!st || lxf_json_add_str(st, "status", status) ||
	    backend_add_i64(st, "status_code", code) ||
	    backend_add_i64(st, "pid", pid > 0 ? pid : 0) || backend_add_obj(st, "disk", &disk) ||
	    backend_add_obj(st, "network", &net))
		goto nomem;
	if (pid > 0) {
		if (!live) /* no pidfd: the files are opened for this once */
			live = backend_live_new(pid, -1);
		ret = backend_live_cgroups(live, st);
		if (ret)
			goto nomem;
		/* A container that stops meanwhile just shows no interfaces. */
		ret = state_network(name, pid, net);
		if (ret == -LXF_ENOMEM)
			goto nomem;
	} else {
		ret = backend_live_cgroups(NULL, st);
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
	backend_live_unref(live);
	lxc_container_put(c);
	return ret;
}

int backend_state_live(const char *name, struct backend_live **live, struct json_object *net,
		       struct lxf_err *err)
{
	struct lxc_container *c = qc_get(name, err);
	pid_t pid = -1;
	int code, ret;

	*live = NULL;
	if (!c)
		return -err->code;
	(void)status_now(name, c, &code, &pid, live);
	lxc_container_put(c);
	if (pid <= 0) {
		backend_live_unref(*live);
		*live = NULL;
		return 0;
	}
	if (!*live)
		*live = backend_live_new(pid, -1);
	ret = net ? state_network(name, pid, net) : 0;
	if (ret == -LXF_ENOMEM) {
		backend_live_unref(*live);
		*live = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 1;
}
