/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/networks: the interfaces of lxfd's network namespace (unmanaged)
 * and the bridges lxfd manages (DB table networks, network.c). All sync,
 * as in LXD 5.0 without storage_and_network_operations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "network.h"

/* One change at a time: two creates of one name must not both make a bridge. */
static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;

static int get_managed(const char *name, struct json_object **row, struct lxf_err *err)
{
	return db_row(row, "Network", err, "SELECT * FROM networks WHERE name = ?", "s", name);
}

static bool sys_exists(const char *name, const char *leaf)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, leaf);
	return access(path, F_OK) == 0;
}

/* LXD's type of an unmanaged interface. */
static const char *iface_type(const char *name)
{
	unsigned flags = 0;
	struct ifaddrs *ifs = NULL;

	if (getifaddrs(&ifs) == 0) {
		for (struct ifaddrs *i = ifs; i; i = i->ifa_next)
			if (strcmp(i->ifa_name, name) == 0)
				flags = i->ifa_flags;
		freeifaddrs(ifs);
	}
	if (flags & IFF_LOOPBACK)
		return "loopback";
	if (sys_exists(name, "bridge"))
		return "bridge";
	if (sys_exists(name, "device"))
		return "physical";
	return "unknown";
}

/* Whether a device map uses network name (a nic with parent or network = name). */
static bool devices_use(struct json_object *devices, const char *name)
{
	if (!json_object_is_type(devices, json_type_object))
		return false;
	json_object_object_foreach(devices, dn, dev)
	{
		const char *t = lxf_json_str(dev, "type"), *p = lxf_json_str(dev, "parent"),
			   *n = lxf_json_str(dev, "network");
		(void)dn;
		if (t && strcmp(t, "nic") == 0 &&
		    ((p && strcmp(p, name) == 0) || (n && strcmp(n, name) == 0)))
			return true;
	}
	return false;
}

/* URLs of the profiles and instances using network name. New reference. */
static struct json_object *used_by(const char *name)
{
	struct json_object *used = json_object_new_array(), *profs = NULL, *insts = NULL;
	struct json_object *using = json_object_new_object();

	if (!used || !using)
		goto out;
	if (db_exec(&profs, NULL, NULL, "SELECT name, devices FROM profiles ORDER BY name", "") ==
	    0) {
		for (size_t i = 0; i < json_object_array_length(profs); i++) {
			struct json_object *r = json_object_array_get_idx(profs, i);
			char url[320];
			if (!devices_use(json_object_object_get(r, "devices"), name))
				continue;
			json_object_object_add(using, lxf_json_str(r, "name"), NULL);
			snprintf(url, sizeof(url), "/1.0/profiles/%s", lxf_json_str(r, "name"));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
	if (db_exec(
		&insts, NULL, NULL,
		"SELECT name, devices, profiles FROM instances WHERE creating = 0 ORDER BY name",
		"") == 0) {
		for (size_t i = 0; i < json_object_array_length(insts); i++) {
			struct json_object *r = json_object_array_get_idx(insts, i);
			struct json_object *pl = json_object_object_get(r, "profiles");
			bool hit = devices_use(json_object_object_get(r, "devices"), name);
			char url[128];
			for (size_t j = 0; !hit && j < json_object_array_length(pl); j++)
				hit = json_object_object_get_ex(
				    using, json_object_get_string(json_object_array_get_idx(pl, j)),
				    NULL);
			if (!hit)
				continue;
			instance_url(lxf_json_str(r, "name"), url, sizeof(url));
			json_object_array_add(used, json_object_new_string(url));
		}
	}
out:
	json_object_put(profs);
	json_object_put(insts);
	json_object_put(using);
	return used;
}

/* The Network object: row is the DB row of a managed one, or NULL. */
static struct json_object *network_json(const char *name, struct json_object *row)
{
	struct json_object *o = json_object_new_object(), *loc = json_object_new_array();

	if (!o || !loc) {
		json_object_put(o);
		json_object_put(loc);
		return NULL;
	}
	json_object_array_add(loc, json_object_new_string("none"));
	lxf_json_add_str(o, "name", name);
	lxf_json_add_str(o, "description", row ? lxf_json_str(row, "description") : "");
	lxf_json_add_str(o, "type", row ? lxf_json_str(row, "type") : iface_type(name));
	json_object_object_add(o, "managed", json_object_new_boolean(row != NULL));
	lxf_json_add_str(o, "status", row ? (if_nametoindex(name) ? "Created" : "Errored") : "");
	json_object_object_add(o, "config",
			       row ? lxf_json_copy(json_object_object_get(row, "config"))
				   : json_object_new_object());
	json_object_object_add(o, "used_by", used_by(name));
	json_object_object_add(o, "locations", loc);
	return o;
}

static struct json_object *etag_src(struct json_object *row)
{
	struct json_object *o = json_object_new_object();

	if (o) {
		lxf_json_add_str(o, "description", lxf_json_str(row, "description"));
		json_object_object_add(o, "config",
				       lxf_json_copy(json_object_object_get(row, "config")));
	}
	return o;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
		      json_object_get_string(*(struct json_object *const *)b));
}

/* Names of every interface and managed network, sorted, without duplicates. */
static int all_names(struct json_object **out, struct lxf_err *err)
{
	struct if_nameindex *ifs = if_nameindex();
	struct json_object *rows = NULL, *set = json_object_new_object(), *arr = NULL;
	int ret = db_exec(&rows, NULL, err, "SELECT name FROM networks", "");

	*out = NULL;
	if (ret == 0 && !set)
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	for (size_t i = 0; ret == 0 && ifs && ifs[i].if_index; i++)
		json_object_object_add(set, ifs[i].if_name, NULL);
	for (size_t i = 0; ret == 0 && i < json_object_array_length(rows); i++)
		json_object_object_add(
		    set, lxf_json_str(json_object_array_get_idx(rows, i), "name"), NULL);
	if (ret == 0 && !(arr = json_object_new_array()))
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (ret == 0) {
		json_object_object_foreach(set, k, v)
		{
			(void)v;
			json_object_array_add(arr, json_object_new_string(k));
		}
		json_object_array_sort(arr, cmp_names);
		*out = arr;
	}
	if (ifs)
		if_freenameindex(ifs);
	json_object_put(rows);
	json_object_put(set);
	return ret;
}

int api_networks_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *names = NULL, *arr = NULL;
	int rec = api_recursion(req);
	int ret = all_names(&names, err);

	if (ret < 0)
		return ret;
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		struct json_object *row = NULL, *o;
		char url[320];
		if (rec == 0) {
			snprintf(url, sizeof(url), "/1.0/networks/%s", n);
			json_object_array_add(arr, json_object_new_string(url));
			continue;
		}
		(void)get_managed(n, &row, NULL);
		o = network_json(n, row);
		json_object_put(row);
		if (!o) {
			json_object_put(arr);
			arr = NULL;
			break;
		}
		json_object_array_add(arr, o);
	}
	json_object_put(names);
	return arr ? reply_sync(req, arr, err) : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
}

int api_network_get(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "network");
	struct json_object *row = NULL, *o, *src = NULL;
	int ret = get_managed(name, &row, err);

	if (ret == -LXF_ENOENT && if_nametoindex(name) == 0)
		return lxf_err_set(err, LXF_ENOENT, "Network not found");
	if (ret < 0 && ret != -LXF_ENOENT)
		return ret;
	o = network_json(name, row);
	if (row)
		src = etag_src(row);
	json_object_put(row);
	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ret = reply_sync_etag(req, o, src, err);
	json_object_put(src);
	return ret;
}

int api_networks_post(struct http_req *req, struct lxf_err *err)
{
	struct json_object *body, *config = NULL, *resolved = NULL, *row = NULL;
	const char *name = NULL, *type = "bridge", *desc = "";
	char url[320];
	bool locked = false;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "type", false, &type, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0)
		return -LXF_EINVAL;
	ret = network_check_name(name, err);
	if (ret < 0)
		return ret;
	if (type[0] && strcmp(type, "bridge") != 0)
		return lxf_err_set(err, LXF_EINVAL, "Network type \"%s\" is not supported", type);
	pthread_mutex_lock(&net_lock);
	locked = true;
	if (get_managed(name, &row, NULL) == 0 || if_nametoindex(name) != 0) {
		ret = lxf_err_set(err, LXF_EEXIST, "The network already exists");
		goto out;
	}
	ret = network_resolve_config(config, &resolved, err);
	if (ret == 0)
		ret = network_bridge_up(lxfd_conf.dir, name, resolved, err);
	if (ret < 0)
		goto out;
	ret = db_exec(NULL, NULL, err,
		      "INSERT INTO networks (name, description, type, config) VALUES (?, ?, ?, ?)",
		      "sssj", name, desc, "bridge", resolved);
	if (ret < 0) {
		struct lxf_err e;
		(void)network_bridge_down(lxfd_conf.dir, name, &e);
		goto out;
	}
	lxf_info("Created network %s (%s)", name, lxf_json_str(resolved, "ipv4.address"));
	snprintf(url, sizeof(url), "/1.0/networks/%s", name);
	ret = reply_sync_created(req, NULL, url, err);
out:
	if (locked)
		pthread_mutex_unlock(&net_lock);
	json_object_put(row);
	json_object_put(resolved);
	return ret;
}

int api_network_update(struct http_req *req, struct lxf_err *err)
{
	const bool patch = api_is_patch(req);
	const char *name = router_param(&req->match, "network"), *desc = NULL;
	struct json_object *body, *row = NULL, *src = NULL, *config = NULL, *want = NULL,
				  *resolved = NULL;
	int ret;

	ret = api_body_object(req, &body, err);
	if (ret < 0)
		return ret;
	if (lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0)
		return -LXF_EINVAL;
	if (config && lxf_json_check_string_map(config, "config", err) < 0)
		return -LXF_EINVAL;
	pthread_mutex_lock(&net_lock);
	ret = get_managed(name, &row, err);
	if (ret == -LXF_ENOENT)
		ret = if_nametoindex(name)
			  ? lxf_err_set(err, LXF_EINVAL, "Only managed networks can be modified")
			  : lxf_err_set(err, LXF_ENOENT, "Network not found");
	if (ret < 0)
		goto out;
	src = etag_src(row);
	ret = reply_check_if_match(req, src, err);
	if (ret < 0)
		goto out;
	want = api_update_map(json_object_object_get(row, "config"), config, patch, true);
	if (!want) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ret = network_resolve_config(want, &resolved, err);
	if (ret == 0)
		ret = network_bridge_up(lxfd_conf.dir, name, resolved, err);
	if (ret < 0) {
		struct lxf_err e;
		/* Put the old setup back rather than leave a half-changed bridge. */
		(void)network_bridge_up(lxfd_conf.dir, name, json_object_object_get(row, "config"),
					&e);
		goto out;
	}
	if (!desc && patch)
		desc = lxf_json_str(row, "description");
	ret = db_exec(NULL, NULL, err,
		      "UPDATE networks SET config = ?, description = ? WHERE name = ?", "jss",
		      resolved, desc ? desc : "", name);
	if (ret == 0)
		ret = reply_sync(req, NULL, err);
out:
	pthread_mutex_unlock(&net_lock);
	json_object_put(row);
	json_object_put(src);
	json_object_put(want);
	json_object_put(resolved);
	return ret;
}

int api_network_delete(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "network");
	struct json_object *row = NULL, *used = NULL;
	int ret;

	pthread_mutex_lock(&net_lock);
	ret = get_managed(name, &row, err);
	if (ret == -LXF_ENOENT)
		ret = if_nametoindex(name)
			  ? lxf_err_set(err, LXF_EINVAL, "Only managed networks can be deleted")
			  : lxf_err_set(err, LXF_ENOENT, "Network not found");
	if (ret < 0)
		goto out;
	used = used_by(name);
	if (!used) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	if (json_object_array_length(used) > 0) {
		ret = lxf_err_set(err, LXF_EINVAL, "The network is currently in use (by %s)",
				  json_object_get_string(json_object_array_get_idx(used, 0)));
		goto out;
	}
	ret = network_bridge_down(lxfd_conf.dir, name, err);
	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "DELETE FROM networks WHERE name = ?", "s", name);
	if (ret == 0) {
		lxf_info("Deleted network %s", name);
		ret = reply_sync(req, NULL, err);
	}
out:
	pthread_mutex_unlock(&net_lock);
	json_object_put(row);
	json_object_put(used);
	return ret;
}

/* ---- /state ---- */

int api_network_state(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "network");
	struct json_object *o = NULL, *addrs = NULL, *cnt = NULL;
	struct ifaddrs *ifs = NULL;
	struct ifreq ifr;
	char mac[18] = "";
	int sock, mtu = 0;
	unsigned flags = 0;

	if (if_nametoindex(name) == 0)
		return lxf_err_set(err, LXF_ENOENT, "Network interface \"%s\" not found", name);
	if (getifaddrs(&ifs) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot list interfaces");
	o = json_object_new_object();
	addrs = json_object_new_array();
	cnt = json_object_new_object();
	if (!o || !addrs || !cnt) {
		freeifaddrs(ifs);
		json_object_put(o);
		json_object_put(addrs);
		json_object_put(cnt);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		int fam = i->ifa_addr ? i->ifa_addr->sa_family : AF_UNSPEC;
		if (strcmp(i->ifa_name, name) != 0)
			continue;
		flags = i->ifa_flags;
		if (fam == AF_INET || fam == AF_INET6) {
			(void)backend_ifaddr_json(addrs, i);
		} else if (fam == AF_PACKET) {
			const struct sockaddr_ll *ll = (const void *)i->ifa_addr;
			const struct rtnl_link_stats *s = i->ifa_data;
			if (ll->sll_halen == 6)
				snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
					 ll->sll_addr[0], ll->sll_addr[1], ll->sll_addr[2],
					 ll->sll_addr[3], ll->sll_addr[4], ll->sll_addr[5]);
			if (s) {
				json_object_object_add(cnt, "bytes_received",
						       json_object_new_int64(s->rx_bytes));
				json_object_object_add(cnt, "bytes_sent",
						       json_object_new_int64(s->tx_bytes));
				json_object_object_add(cnt, "packets_received",
						       json_object_new_int64(s->rx_packets));
				json_object_object_add(cnt, "packets_sent",
						       json_object_new_int64(s->tx_packets));
			}
		}
	}
	freeifaddrs(ifs);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (sock >= 0 && ioctl(sock, SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_mtu;
	if (sock >= 0)
		close(sock);
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "counters", cnt);
	lxf_json_add_str(o, "hwaddr", mac);
	json_object_object_add(o, "mtu", json_object_new_int(mtu));
	lxf_json_add_str(o, "state", (flags & IFF_UP) ? "up" : "down");
	lxf_json_add_str(o, "type", (flags & IFF_LOOPBACK) ? "loopback" : "broadcast");
	return reply_sync(req, o, err);
}
