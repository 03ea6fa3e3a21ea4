/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What LXD's /1.0/metrics reports of a running container, read from the
 * handles a state already keeps (backend_live.c: the cgroups' files, open
 * per init) and the interfaces' counters from the init's
 * /proc/PID/net/dev. The files a state never reads (cpuacct.usage_all,
 * memory.stat, blkio..., net/dev) are opened once per init too: a scrape
 * is a pread per value file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backend.h"
#include "backend_int.h"

#define MX_FILE_CAP 8192 /* memory.stat: ~40 lines; usage_all: a line per CPU */
#define DEVNAMES    32
#define NETDEV_CAP  16384 /* /proc/PID/net/dev: ~120 bytes per interface */

/* The value of "key N" line key in text, or -1. */
static int64_t keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);
	int64_t v = -1;

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			if (sscanf(p + kl, "%" SCNd64, &v) != 1)
				v = -1;
			break;
		}
	return v;
}

/* v1 cpuacct.usage_all ("cpu user system" then a line per CPU, in ns)
 * or v2 cpu.stat (user_usec and system_usec, for all CPUs: CPU 0). */
static void read_cpu(struct backend_live *l, struct backend_mx *m)
{
	char buf[MX_FILE_CAP];
	const char *p;

	m->ncpu = 0;
	if (backend_live_read(l, BACKEND_LF_CPUALL, buf, sizeof(buf)) < 0)
		return;
	if (backend_host()->cgroup2) {
		int64_t u = keyed(buf, "user_usec"), s = keyed(buf, "system_usec");

		if (u >= 0 && s >= 0) {
			m->cpu[0].user = (double)u / 1e6;
			m->cpu[0].system = (double)s / 1e6;
			m->ncpu = 1;
		}
		return;
	}
	p = strchr(buf, '\n');
	while (p && *++p) {
		unsigned cpu;
		int64_t u, s;

		if (sscanf(p, "%u %" SCNd64 " %" SCNd64, &cpu, &u, &s) == 3 &&
		    cpu < BACKEND_MX_CPUS) {
			m->cpu[cpu].user = (double)u / 1e9;
			m->cpu[cpu].system = (double)s / 1e9;
			if ((int)cpu >= m->ncpu)
				m->ncpu = (int)cpu + 1;
		}
		p = strchr(p, '\n');
	}
}

/* The number of CPUs in a cpuset list such as "0-3,6". */
static int64_t cpu_list_count(const char *s)
{
	int64_t n = 0;

	while (*s && !isspace((unsigned char)*s)) {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		n += b - a + 1;
		s = *end == ',' ? end + 1 : end;
	}
	return n > 0 ? n : -1;
}

/* memory.stat's key per value, v1 (hierarchical totals) then v2. */
static const struct {
	enum backend_mx_mem m;
	const char *v1, *v2;
} mem_keys[] = {
    {BMX_ACTIVE_ANON, "total_active_anon", "active_anon"},
    {BMX_ACTIVE_FILE, "total_active_file", "active_file"},
    {BMX_CACHED, "total_cache", "file"},
    {BMX_DIRTY, "total_dirty", "file_dirty"},
    {BMX_INACTIVE_ANON, "total_inactive_anon", "inactive_anon"},
    {BMX_INACTIVE_FILE, "total_inactive_file", "inactive_file"},
    {BMX_MAPPED, "total_mapped_file", "file_mapped"},
    {BMX_RSS, "total_rss", "anon"},
    {BMX_SHMEM, "total_shmem", "shmem"},
    {BMX_UNEVICTABLE, "total_unevictable", "unevictable"},
    {BMX_WRITEBACK, "total_writeback", "file_writeback"},
};

static int64_t sum2(int64_t a, int64_t b)
{
	return a >= 0 && b >= 0 ? a + b : -1;
}

static void read_memory(struct backend_live *l, struct backend_mx *m, int64_t usage, int64_t swap)
{
	char buf[MX_FILE_CAP];
	bool v2 = backend_host()->cgroup2;
	int64_t limit = -1, total;
	struct sysinfo si;

	for (int i = 0; i < BMX_MEM_COUNT; i++)
		m->mem[i] = -1;
	if (backend_live_read(l, BACKEND_LF_MEMSTAT, buf, sizeof(buf)) >= 0)
		for (size_t i = 0; i < sizeof(mem_keys) / sizeof(mem_keys[0]); i++)
			m->mem[mem_keys[i].m] = keyed(buf, v2 ? mem_keys[i].v2 : mem_keys[i].v1);
	m->mem[BMX_ACTIVE] = sum2(m->mem[BMX_ACTIVE_ANON], m->mem[BMX_ACTIVE_FILE]);
	m->mem[BMX_INACTIVE] = sum2(m->mem[BMX_INACTIVE_ANON], m->mem[BMX_INACTIVE_FILE]);
	m->mem[BMX_SWAP] = swap;
	/* MemTotal: the limit, or the host's memory when unlimited ("max",
	 * or v1's page-rounded LLONG_MAX). */
	if (backend_live_read(l, BACKEND_LF_MEMMAX, buf, sizeof(buf)) >= 0 &&
	    sscanf(buf, "%" SCNd64, &limit) != 1)
		limit = -1;
	total = sysinfo(&si) == 0 ? (int64_t)si.totalram * (int64_t)si.mem_unit : -1;
	if (limit > 0 && (total < 0 || limit < total))
		total = limit;
	m->mem[BMX_MEM_TOTAL] = total;
	if (total >= 0 && usage >= 0) {
		int64_t avail;

		m->mem[BMX_MEM_FREE] = usage < total ? total - usage : 0;
		/* What could be had without swapping: the free part and the
		 * page cache that can be dropped. */
		avail = m->mem[BMX_MEM_FREE] +
			(m->mem[BMX_INACTIVE_FILE] > 0 ? m->mem[BMX_INACTIVE_FILE] : 0);
		m->mem[BMX_MEM_AVAILABLE] = avail < total ? avail : total;
	}
	m->oom_kills = backend_live_read(l, BACKEND_LF_OOM, buf, sizeof(buf)) >= 0
			   ? keyed(buf, "oom_kill")
			   : -1;
}

/* Block device names by number (read from sysfs once each). */
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned maj, min;
	char name[32];
} devnames[DEVNAMES];
static int ndevnames;

static void dev_name(unsigned maj, unsigned min, char *out, size_t n)
{
	char path[64], buf[512];
	const char *p;
	int fd;
	ssize_t r;

	pthread_mutex_lock(&dev_lock);
	for (int i = 0; i < ndevnames; i++)
		if (devnames[i].maj == maj && devnames[i].min == min) {
			snprintf(out, n, "%s", devnames[i].name);
			pthread_mutex_unlock(&dev_lock);
			return;
		}
	pthread_mutex_unlock(&dev_lock);
	snprintf(out, n, "%u:%u", maj, min);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", maj, min);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (r > 0) {
		buf[r] = '\0';
		p = strstr(buf, "DEVNAME=");
		if (p)
			snprintf(out, n, "%.*s", (int)strcspn(p + 8, "\n"), p + 8);
	}
	pthread_mutex_lock(&dev_lock);
	if (ndevnames < DEVNAMES) {
		devnames[ndevnames].maj = maj;
		devnames[ndevnames].min = min;
		snprintf(devnames[ndevnames].name, sizeof(devnames[0].name), "%s", out);
		ndevnames++;
	}
	pthread_mutex_unlock(&dev_lock);
}

static struct backend_mx_disk *disk_of(struct backend_mx *m, unsigned maj, unsigned min)
{
	char name[32];
	struct backend_mx_disk *d;

	dev_name(maj, min, name, sizeof(name));
	for (int i = 0; i < m->ndisk; i++)
		if (!strcmp(m->disk[i].name, name))
			return &m->disk[i];
	if (m->ndisk >= BACKEND_MX_DISKS)
		return NULL;
	d = &m->disk[m->ndisk++];
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->read_bytes = d->reads = d->written_bytes = d->writes = 0;
	return d;
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device. */
static void read_io_v2(struct backend_live *l, struct backend_mx *m)
{
	char buf[MX_FILE_CAP];

	if (backend_live_read(l, BACKEND_LF_IOBYTES, buf, sizeof(buf)) < 0)
		return;
	for (const char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned maj, min;
		uint64_t rb, wb, ri, wi;
		struct backend_mx_disk *d;

		if (sscanf(p,
			   "%u:%u rbytes=%" SCNu64 " wbytes=%" SCNu64 " rios=%" SCNu64
			   " wios=%" SCNu64,
			   &maj, &min, &rb, &wb, &ri, &wi) != 6 ||
		    !(d = disk_of(m, maj, min)))
			continue;
		d->read_bytes = (int64_t)rb;
		d->written_bytes = (int64_t)wb;
		d->reads = (int64_t)ri;
		d->writes = (int64_t)wi;
	}
}

/* v1 blkio: "MAJ:MIN Read N" and "MAJ:MIN Write N" lines, bytes then ops. */
static void read_io_v1(struct backend_live *l, struct backend_mx *m, enum backend_lf f)
{
	char buf[MX_FILE_CAP];

	if (backend_live_read(l, f, buf, sizeof(buf)) < 0)
		return;
	for (const char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned maj, min;
		uint64_t v;
		char op[8];
		struct backend_mx_disk *d;
		bool bytes = f == BACKEND_LF_IOBYTES;

		if (sscanf(p, "%u:%u %7s %" SCNu64, &maj, &min, op, &v) != 4 ||
		    (strcmp(op, "Read") && strcmp(op, "Write")) || !(d = disk_of(m, maj, min)))
			continue;
		if (op[0] == 'R')
			*(bytes ? &d->read_bytes : &d->reads) = (int64_t)v;
		else
			*(bytes ? &d->written_bytes : &d->writes) = (int64_t)v;
	}
}

/*
 * The interfaces' counters from the init's /proc/PID/net/dev (64-bit;
 * drop is rx_dropped + rx_missed_errors): "NAME: rx bytes packets errs
 * drop fifo frame compressed multicast, tx bytes packets errs drop ..."
 * after two heading lines, in the kernel's order of the interfaces. One pread of a file kept open,
 * where a netlink dump of the links (with every address family's
 * attributes and IPv6's statistics) and of the addresses cost most of a
 * scrape (PROFILE-metrics.md).
 */
static void read_nics(struct backend_live *l, struct backend_mx *m)
{
	char buf[NETDEV_CAP];
	const char *p = buf;

	m->nnic = 0;
	if (backend_live_read(l, BACKEND_LF_NETDEV, buf, sizeof(buf)) < 0)
		return;
	for (int skip = 0; p && skip < 2; skip++)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	for (; p && *p && m->nnic < BACKEND_MX_NICS;
	     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *colon = strchr(p, ':'), *name = p;
		struct backend_mx_nic *n = &m->nic[m->nnic];
		int64_t f[12];

		if (!colon)
			break;
		while (*name == ' ')
			name++;
		if (colon <= name ||
		    sscanf(colon + 1,
			   "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64
			   " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64,
			   &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
			   &f[10], &f[11]) != 12)
			continue;
		snprintf(n->name, sizeof(n->name), "%.*s", (int)(colon - name), name);
		n->rx_bytes = f[0];
		n->rx_packets = f[1];
		n->rx_errs = f[2];
		n->rx_drop = f[3];
		n->tx_bytes = f[8];
		n->tx_packets = f[9];
		n->tx_errs = f[10];
		n->tx_drop = f[11];
		m->nnic++;
	}
}

int backend_metrics(const char *name, struct backend_mx *m, struct lxf_err *err)
{
	struct backend_live *l = NULL;
	char buf[256], path[PATH_MAX];
	int64_t usage, swap;
	struct statvfs sv;
	int ret;

	ret = backend_state_live(name, &l, NULL, err);
	if (ret <= 0)
		goto out;
	read_cpu(l, m);
	m->cpus_effective =
	    backend_live_read(l, BACKEND_LF_CPUS, buf, sizeof(buf)) >= 0 ? cpu_list_count(buf) : -1;
	backend_live_counts(l, &usage, &swap, &m->procs);
	read_memory(l, m, usage, swap);
	m->ndisk = 0;
	if (backend_host()->cgroup2) {
		read_io_v2(l, m);
	} else {
		read_io_v1(l, m, BACKEND_LF_IOBYTES);
		read_io_v1(l, m, BACKEND_LF_IOOPS);
	}
	read_nics(l, m);
	m->fs_size = m->fs_avail = m->fs_free = -1;
	if (backend_ct_path(path, sizeof(path), name, "rootfs") == 0 && statvfs(path, &sv) == 0) {
		m->fs_size = (int64_t)(sv.f_blocks * sv.f_frsize);
		m->fs_avail = (int64_t)(sv.f_bavail * sv.f_frsize);
		m->fs_free = (int64_t)(sv.f_bfree * sv.f_frsize);
	}
	ret = 1;
out:
	backend_live_unref(l);
	return ret;
}

int backend_metrics_fs(char *dev, size_t dn, char *fstype, size_t fn)
{
	char path[PATH_MAX], line[4096];
	struct stat st;
	FILE *f;
	int ret = -LXF_ENOENT;

	if (backend_ct_path(path, sizeof(path), "", NULL) < 0 || stat(path, &st) < 0)
		return -LXF_ENOENT;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -LXF_ENOENT;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE ..." */
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char *sep = strstr(line, " - "), type[64], src[256];

		if (!sep || sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 ||
		    makedev(maj, min) != st.st_dev || sscanf(sep + 3, "%63s %255s", type, src) != 2)
			continue;
		snprintf(dev, dn, "%s", src);
		snprintf(fstype, fn, "%s", type);
		ret = 0; /* the last mount of the device wins, as the kernel's view */
	}
	(void)fclose(f);
	return ret;
}
