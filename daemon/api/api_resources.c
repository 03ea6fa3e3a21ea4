/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /1.0/resources: LXD's Resources object, limited to what the host
 * tells without helpers: cpu (sysfs topology + /proc/cpuinfo), memory
 * (/proc/meminfo), and the storage and network sections empty but present.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "api.h"
#include "buf.h"
#include "file.h"
#include "http.h"

#define PROC_CAP   (1u << 20)
#define MAX_CPUS   4096
#define SYSCPU_DIR "/sys/devices/system/cpu"

struct cpu_info {
	int id;
	long socket, core;
	bool online;
	char vendor[64], model[128];
};

/* The first integer in a small sysfs file, or dflt. */
static long read_long(const char *path, long dflt)
{
	struct lxf_buf b = {0};
	long v = dflt;

	lxf_buf_init(&b, 4096);
	if (lxf_file_read(path, 4096, &b, NULL) == 0 && b.data)
		if (sscanf(b.data, "%ld", &v) != 1)
			v = dflt;
	lxf_buf_fini(&b);
	return v;
}

/* "vendor_id" and "model name" of each processor in /proc/cpuinfo. */
static void cpuinfo_names(struct cpu_info *cpus, int n)
{
	struct lxf_buf b = {0};
	char *save = NULL;
	int cur = -1;

	lxf_buf_init(&b, PROC_CAP);
	if (lxf_file_read("/proc/cpuinfo", PROC_CAP, &b, NULL) < 0 || !b.data)
		goto out;
	for (char *l = strtok_r(b.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':'), *val;
		size_t klen;
		if (!colon)
			continue;
		val = colon + 1 + (colon[1] == ' ');
		klen = (size_t)(colon - l);
		while (klen && (l[klen - 1] == ' ' || l[klen - 1] == '\t'))
			klen--;
		if (klen == 9 && strncmp(l, "processor", 9) == 0) {
			cur = (int)strtol(val, NULL, 10);
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (cpus[i].id != cur)
				continue;
			if (klen == 9 && strncmp(l, "vendor_id", 9) == 0)
				snprintf(cpus[i].vendor, sizeof(cpus[i].vendor), "%s", val);
			else if (klen == 10 && strncmp(l, "model name", 10) == 0)
				snprintf(cpus[i].model, sizeof(cpus[i].model), "%s", val);
		}
	}
out:
	lxf_buf_fini(&b);
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct cpu_info *x = a, *y = b;

	if (x->socket != y->socket)
		return x->socket < y->socket ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	return x->id - y->id;
}

/* Every cpuN of sysfs with its topology; *n gets the count. Caller frees. */
static struct cpu_info *list_cpus(int *n)
{
	struct cpu_info *cpus = calloc(MAX_CPUS, sizeof(*cpus));
	DIR *d = opendir(SYSCPU_DIR);
	struct dirent *de;
	int count = 0;

	*n = 0;
	if (!cpus || !d) {
		free(cpus);
		if (d)
			closedir(d);
		return NULL;
	}
	while ((de = readdir(d)) && count < MAX_CPUS) {
		char path[PATH_MAX], *end = NULL;
		long id;
		if (strncmp(de->d_name, "cpu", 3) != 0)
			continue;
		id = strtol(de->d_name + 3, &end, 10);
		if (end == de->d_name + 3 || *end || id < 0)
			continue;
		cpus[count].id = (int)id;
		snprintf(path, sizeof(path), SYSCPU_DIR "/cpu%ld/topology/physical_package_id", id);
		cpus[count].socket = read_long(path, 0);
		snprintf(path, sizeof(path), SYSCPU_DIR "/cpu%ld/topology/core_id", id);
		cpus[count].core = read_long(path, id);
		/* cpu0 often has no "online" file: it cannot go offline. */
		snprintf(path, sizeof(path), SYSCPU_DIR "/cpu%ld/online", id);
		cpus[count].online = read_long(path, 1) != 0;
		count++;
	}
	closedir(d);
	cpuinfo_names(cpus, count);
	qsort(cpus, (size_t)count, sizeof(*cpus), cmp_cpu);
	*n = count;
	return cpus;
}

static struct json_object *thread_json(const struct cpu_info *c, int idx)
{
	struct json_object *t = json_object_new_object();

	if (!t)
		return NULL;
	json_object_object_add(t, "id", json_object_new_int(c->id));
	json_object_object_add(t, "numa_node", json_object_new_int(0));
	json_object_object_add(t, "thread", json_object_new_int(idx));
	json_object_object_add(t, "online", json_object_new_boolean(c->online));
	json_object_object_add(t, "isolated", json_object_new_boolean(0));
	return t;
}

static struct json_object *cpu_json(void)
{
	struct json_object *cpu = json_object_new_object(), *sockets = json_object_new_array();
	struct json_object *sock = NULL, *cores = NULL, *core = NULL, *threads = NULL;
	struct utsname u;
	int n = 0, tidx = 0;
	struct cpu_info *cpus = list_cpus(&n);

	if (!cpu || !sockets) {
		json_object_put(cpu);
		json_object_put(sockets);
		free(cpus);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		const struct cpu_info *c = &cpus[i];
		if (!sock || c->socket != cpus[i - 1].socket) {
			sock = json_object_new_object();
			cores = json_object_new_array();
			json_object_object_add(sock, "socket", json_object_new_int64(c->socket));
			lxf_json_add_str(sock, "name", c->model);
			lxf_json_add_str(sock, "vendor", c->vendor);
			json_object_object_add(sock, "cores", cores);
			json_object_array_add(sockets, sock);
			core = NULL;
		}
		if (!core || c->core != cpus[i - 1].core) {
			core = json_object_new_object();
			threads = json_object_new_array();
			json_object_object_add(core, "core", json_object_new_int64(c->core));
			json_object_object_add(core, "die", json_object_new_int(0));
			json_object_object_add(core, "threads", threads);
			json_object_array_add(cores, core);
			tidx = 0;
		}
		json_object_array_add(threads, thread_json(c, tidx++));
	}
	free(cpus);
	if (uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	lxf_json_add_str(cpu, "architecture", u.machine);
	json_object_object_add(cpu, "sockets", sockets);
	json_object_object_add(cpu, "total", json_object_new_int(n));
	return cpu;
}

/* MemTotal and MemAvailable of /proc/meminfo, in bytes. */
static struct json_object *memory_json(void)
{
	struct lxf_buf b = {0};
	struct json_object *m = json_object_new_object();
	uint64_t total = 0, avail = 0;
	const char *p;

	if (!m)
		return NULL;
	lxf_buf_init(&b, PROC_CAP);
	if (lxf_file_read("/proc/meminfo", PROC_CAP, &b, NULL) == 0 && b.data) {
		if ((p = strstr(b.data, "MemTotal:")))
			(void)sscanf(p + 9, "%" SCNu64, &total);
		if ((p = strstr(b.data, "MemAvailable:")))
			(void)sscanf(p + 13, "%" SCNu64, &avail);
	}
	lxf_buf_fini(&b);
	json_object_object_add(m, "total", json_object_new_int64((int64_t)(total * 1024)));
	json_object_object_add(
	    m, "used",
	    json_object_new_int64((int64_t)((total > avail ? total - avail : 0) * 1024)));
	json_object_object_add(m, "hugepages_total", json_object_new_int64(0));
	json_object_object_add(m, "hugepages_used", json_object_new_int64(0));
	json_object_object_add(m, "hugepages_size", json_object_new_int64(0));
	return m;
}

/* An LXD section lxfd does not fill: {"<list>": [], "total": 0}. */
static struct json_object *empty_section(const char *list)
{
	struct json_object *o = json_object_new_object();

	if (o) {
		json_object_object_add(o, list, json_object_new_array());
		json_object_object_add(o, "total", json_object_new_int(0));
	}
	return o;
}

int api_resources_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *o = json_object_new_object();
	struct json_object *cpu = cpu_json(), *mem = memory_json();
	struct json_object *storage = empty_section("disks"), *net = empty_section("cards");

	if (!o || !cpu || !mem || !storage || !net) {
		json_object_put(o);
		json_object_put(cpu);
		json_object_put(mem);
		json_object_put(storage);
		json_object_put(net);
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	json_object_object_add(o, "cpu", cpu);
	json_object_object_add(o, "memory", mem);
	json_object_object_add(o, "storage", storage);
	json_object_object_add(o, "network", net);
	return reply_sync(req, o, err);
}
