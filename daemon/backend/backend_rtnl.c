/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's interfaces read from lxfd's own netns (backend_int.h,
 * backend_rtnl_read): rtnetlink dumps aimed at the container's netns by
 * its id here (IFLA_TARGET_NETNSID, IFA_TARGET_NETNSID), an id the kernel
 * gave it with the host end of its veth. Read from inside instead, by
 * getifaddrs() in a thread moved into the netns and back, each running
 * container of a list cost an open of its netns, two setns, two sockets
 * (one bound), an ioctl per interface and glibc's copy of it all, the
 * largest part of a recursion=2 list. The answer is what netns_read makes
 * of getifaddrs(): the links first in the kernel's order, then the
 * addresses, named by IFA_LABEL or else by their link, the address being
 * IFA_LOCAL or else IFA_ADDRESS, as glibc does.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend.h"
#include "backend_int.h"
#include "json.h"

#define RTNL_BUF   32768 /* a dump part: the kernel makes them at most this big */
#define RTNL_LINKS 64    /* as MAX_NICS: more and the entry fails anyway */

struct rtnl_ctx {
	struct json_object *net;
	struct {
		int index;
		char name[IFNAMSIZ];
	} links[RTNL_LINKS];
	int nlinks;
	int32_t nsid;
	int ret; /* -LXF_ENOMEM from a callback */
};

static __thread int kept_fd = -1;
static __thread uint32_t seq;

/* A request of type with header hdr (hlen bytes) and one 32-bit attribute. */
static int rtnl_send(int fd, uint16_t type, uint16_t flags, const void *hdr, size_t hlen,
		     uint16_t attr, uint32_t val)
{
	struct {
		struct nlmsghdr nh;
		char body[64];
	} req;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct rtattr *rta;
	size_t off = NLMSG_ALIGN(hlen);

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(off + RTA_SPACE(sizeof(val)));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | flags;
	req.nh.nlmsg_seq = ++seq;
	memcpy(req.body, hdr, hlen);
	rta = (struct rtattr *)(void *)(req.body + off);
	rta->rta_type = attr;
	rta->rta_len = RTA_LENGTH(sizeof(val));
	memcpy(RTA_DATA(rta), &val, sizeof(val));
	return sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) ==
		       (ssize_t)req.nh.nlmsg_len
		   ? 0
		   : -1;
}

/*
 * The answer to the last request: cb on each message until the end of a
 * dump, or the one answer. 0, or -1 on an error (the kernel's, a
 * truncated part, a callback's).
 */
static int rtnl_recv(int fd, struct rtnl_ctx *x, int (*cb)(struct rtnl_ctx *x, struct nlmsghdr *nh))
{
	uint32_t buf[RTNL_BUF / sizeof(uint32_t)]; /* NLMSG_ALIGNTO */

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > sizeof(buf))
			return -1;
		left = (size_t)n;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != seq)
				continue; /* a late part of an abandoned request */
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR || cb(x, nh) < 0)
				return -1;
			if (!(nh->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

static int on_nsid(struct rtnl_ctx *x, struct nlmsghdr *nh)
{
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg)));
	struct rtattr *rta = (struct rtattr *)(void *)((char *)NLMSG_DATA(nh) +
						       NLMSG_ALIGN(sizeof(struct rtgenmsg)));

	if (nh->nlmsg_type != RTM_NEWNSID)
		return -1;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == NETNSA_NSID && RTA_PAYLOAD(rta) >= sizeof(int32_t))
			memcpy(&x->nsid, RTA_DATA(rta), sizeof(int32_t));
	return 0;
}

static int on_link(struct rtnl_ctx *x, struct nlmsghdr *nh)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)IFLA_PAYLOAD(nh), mtu = 0;
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_ifindex = ifi->ifi_index};
	struct rtnl_link_stats stats;
	struct ifaddrs ifa = {.ifa_flags = ifi->ifi_flags, .ifa_addr = (struct sockaddr *)&ll};
	struct json_object *e;

	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	for (struct rtattr *rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type == IFLA_IFNAME && n > 0 && x->nlinks < RTNL_LINKS) {
			snprintf(x->links[x->nlinks].name, IFNAMSIZ, "%.*s", (int)n,
				 (const char *)RTA_DATA(rta));
			ifa.ifa_name = x->links[x->nlinks].name;
		} else if (rta->rta_type == IFLA_ADDRESS) {
			ll.sll_halen =
			    n < sizeof(ll.sll_addr) ? (unsigned char)n : sizeof(ll.sll_addr);
			memcpy(ll.sll_addr, RTA_DATA(rta), ll.sll_halen);
		} else if (rta->rta_type == IFLA_MTU && n >= sizeof(uint32_t)) {
			memcpy(&mtu, RTA_DATA(rta), sizeof(mtu));
		} else if (rta->rta_type == IFLA_STATS && n >= sizeof(stats)) {
			memcpy(&stats, RTA_DATA(rta), sizeof(stats));
			ifa.ifa_data = &stats;
		}
	}
	if (!ifa.ifa_name)
		return x->nlinks < RTNL_LINKS ? 0 : (x->ret = -LXF_ENOMEM);
	x->links[x->nlinks++].index = ifi->ifi_index;
	e = backend_nic_entry(x->net, ifa.ifa_name);
	x->ret = e ? backend_nic_link(e, &ifa, mtu) : -LXF_ENOMEM;
	return x->ret;
}

static int on_addr(struct rtnl_ctx *x, struct nlmsghdr *nh)
{
	struct ifaddrmsg *am = NLMSG_DATA(nh);
	int len = (int)IFA_PAYLOAD(nh);
	const void *addr = NULL, *local = NULL;
	const char *name = NULL;
	char label[IFNAMSIZ];
	size_t alen = am->ifa_family == AF_INET ? 4 : 16;
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa = {0}, mask = {0};
	struct ifaddrs ifa = {.ifa_addr = (struct sockaddr *)&sa,
			      .ifa_netmask = (struct sockaddr *)&mask};
	unsigned char *a = am->ifa_family == AF_INET ? (unsigned char *)&sa.in.sin_addr
						     : (unsigned char *)&sa.in6.sin6_addr;
	unsigned char *m = am->ifa_family == AF_INET ? (unsigned char *)&mask.in.sin_addr
						     : (unsigned char *)&mask.in6.sin6_addr;
	struct json_object *e;

	if (nh->nlmsg_type != RTM_NEWADDR ||
	    (am->ifa_family != AF_INET && am->ifa_family != AF_INET6))
		return 0;
	for (struct rtattr *rta = IFA_RTA(am); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n = RTA_PAYLOAD(rta);

		if (rta->rta_type == IFA_ADDRESS && n >= alen)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL && n >= alen)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LABEL && n > 0) {
			snprintf(label, sizeof(label), "%.*s", (int)n, (const char *)RTA_DATA(rta));
			name = label;
		}
	}
	for (int i = 0; !name && i < x->nlinks; i++)
		if (x->links[i].index == (int)am->ifa_index)
			name = x->links[i].name;
	if (!name || !(local || addr))
		return 0;
	sa.in.sin_family = mask.in.sin_family = am->ifa_family;
	memcpy(a, local ? local : addr, alen);
	for (size_t i = 0, bits = am->ifa_prefixlen; i < alen && bits > 0;
	     i++, bits -= bits < 8 ? bits : 8)
		m[i] = (unsigned char)(0xff00 >> (bits < 8 ? bits : 8));
	e = backend_nic_entry(x->net, name);
	x->ret =
	    e ? backend_ifaddr_json(json_object_object_get(e, "addresses"), &ifa) : -LXF_ENOMEM;
	return x->ret;
}

/* The dumps into x->net over fd: 0, 1 (no id, refused), or -LXF_ENOMEM. */
static int rtnl_dump(int fd, pid_t pid, struct rtnl_ctx *x)
{
	struct rtgenmsg g = {.rtgen_family = AF_UNSPEC};
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct ifaddrmsg am = {.ifa_family = AF_UNSPEC};

	x->nsid = -1;
	if (rtnl_send(fd, RTM_GETNSID, 0, &g, sizeof(g), NETNSA_PID, (uint32_t)pid) < 0 ||
	    rtnl_recv(fd, x, on_nsid) < 0 || x->nsid < 0)
		return 1;
	if (rtnl_send(fd, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi), IFLA_TARGET_NETNSID,
		      (uint32_t)x->nsid) < 0 ||
	    rtnl_recv(fd, x, on_link) < 0 ||
	    rtnl_send(fd, RTM_GETADDR, NLM_F_DUMP, &am, sizeof(am), IFA_TARGET_NETNSID,
		      (uint32_t)x->nsid) < 0 ||
	    rtnl_recv(fd, x, on_addr) < 0)
		return x->ret ? x->ret : 1;
	return 0;
}

int backend_rtnl_read(pid_t pid, bool keep, struct json_object *net)
{
	struct rtnl_ctx x = {.net = json_object_new_object()};
	int fd = keep ? kept_fd : -1, ret;

	if (!x.net)
		return -LXF_ENOMEM;
	if (fd < 0) {
		int one = 1;

		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		/* Without strict checks the address dumps ignore IFA_TARGET_NETNSID
		 * and answer for this netns. */
		if (fd >= 0 &&
		    setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	ret = fd < 0 ? 1 : rtnl_dump(fd, pid, &x);
	/* A socket left mid-answer is not kept: its next read would start there. */
	if (keep && ret == 0)
		kept_fd = fd;
	else if (fd >= 0) {
		close(fd);
		if (keep)
			kept_fd = -1;
	}
	if (ret == 0) {
		json_object_object_foreach(x.net, ifname, e)
		{
			if (json_object_object_add(net, ifname, json_object_get(e))) {
				json_object_put(e);
				ret = -LXF_ENOMEM;
				break;
			}
		}
	}
	json_object_put(x.net);
	return ret;
}
