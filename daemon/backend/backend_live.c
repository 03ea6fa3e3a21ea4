/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What is kept on a running container's init (backend_int.h, struct
 * backend_live): its pidfd and the files of its cgroups that a state
 * reads, opened once per init. A recursion=2 list reads seven of them per
 * running container; opened each time by path, that was an open (a walk
 * of five or six cgroupfs components), a read and a close per value, and
 * a read of /proc/PID/cgroup first, most of the system time of a list.
 * Kept open, a value is one pread at offset 0: these are seq files, made
 * afresh by each read from the start (as top keeps /proc/stat open).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_int.h"
#include "json.h"

#define CGROUP_CAP   8192 /* /proc/PID/cgroup: a line per v1 hierarchy */
#define CG_VALUE_CAP 1024 /* a counter, or cpu.stat's few lines */

/* The files a state reads, opened with the handles; then those only
 * metrics read (BACKEND_LF_*, backend_int.h), opened at their first read. */
enum { LF_FREEZER, LF_PROCS, LF_CPU, LF_MEM, LF_MEMPEAK, LF_SW, LF_SWPEAK, LF_EAGER };
#define LF_COUNT    (LF_EAGER + BACKEND_LF_COUNT)
#define LF_UNOPENED (-2)

struct backend_live {
	int refs; /* atomic */
	pid_t init;
	int pidfd;        /* -1: none (a one-time read) */
	int fd[LF_COUNT]; /* -1: not there; LF_UNOPENED: not tried yet (atomic) */
	char *cg;         /* /proc/PID/cgroup, for the files opened later */
};

/* The file of each value: v1 controller and file, v2 file; key: its "key N" line. */
static const struct {
	const char *ctrl, *v1, *v2, *key;
} files[LF_COUNT] = {
    [LF_FREEZER] = {"freezer", "freezer.state", "cgroup.events", NULL},
    [LF_PROCS] = {"pids", "pids.current", "pids.current", NULL},
    [LF_CPU] = {"cpuacct", "cpuacct.usage", "cpu.stat", "usage_usec"},
    [LF_MEM] = {"memory", "memory.usage_in_bytes", "memory.current", NULL},
    [LF_MEMPEAK] = {"memory", "memory.max_usage_in_bytes", "memory.peak", NULL},
    [LF_SW] = {"memory", "memory.memsw.usage_in_bytes", "memory.swap.current", NULL},
    [LF_SWPEAK] = {"memory", "memory.memsw.max_usage_in_bytes", "memory.swap.peak", NULL},
    [LF_EAGER + BACKEND_LF_CPUALL] = {"cpuacct", "cpuacct.usage_all", "cpu.stat", NULL},
    [LF_EAGER +
	BACKEND_LF_CPUS] = {"cpuset", "cpuset.effective_cpus", "cpuset.cpus.effective", NULL},
    [LF_EAGER + BACKEND_LF_MEMSTAT] = {"memory", "memory.stat", "memory.stat", NULL},
    [LF_EAGER + BACKEND_LF_MEMMAX] = {"memory", "memory.limit_in_bytes", "memory.max", NULL},
    [LF_EAGER + BACKEND_LF_OOM] = {"memory", "memory.oom_control", "memory.events", NULL},
    [LF_EAGER + BACKEND_LF_IOBYTES] = {"blkio", "blkio.throttle.io_service_bytes_recursive",
				       "io.stat", NULL},
    [LF_EAGER +
	BACKEND_LF_IOOPS] = {"blkio", "blkio.throttle.io_serviced_recursive", "io.stat", NULL},
    /* Not a cgroup's: the init's /proc/PID/net/dev (open_value). */
    [LF_EAGER + BACKEND_LF_NETDEV] = {NULL, "net/dev", "net/dev", NULL},
};

/*
 * The cgroup directory for a v1 controller ("memory"), or v2 when ctrl is
 * "", from cg, the text of /proc/PID/cgroup (read once per init).
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
 * The content of kernel file fd from its start into buf, NUL ended, cut
 * at n - 1 bytes; -1 when unreadable. One read: these files are made whole
 * by one show call and handed over by the first read.
 */
static ssize_t pread_small(int fd, char *buf, size_t n)
{
	ssize_t r;

	if (fd < 0)
		return -1;
	do
		r = pread(fd, buf, n - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

/* The text of /proc/PID/cgroup into cg (empty when unreadable). */
static void read_cgroups(pid_t pid, char cg[CGROUP_CAP])
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -1;
	if (pread_small(fd, cg, CGROUP_CAP) < 0)
		cg[0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* The path of file v1 (v2 on a cgroup2 host) in the cgroup of value file i; 0 or <0. */
static int value_path(const char *cg, int i, const char *v1, const char *v2, char *path, size_t n)
{
	bool is_v2 = backend_host()->cgroup2;
	char dir[PATH_MAX];

	if (backend_cgroup_dir(cg, is_v2 ? "" : files[i].ctrl, dir, sizeof(dir)) < 0)
		return -LXF_ENOENT;
	return snprintf(path, n, "%s/%s", dir, is_v2 ? v2 : v1) >= (int)n ? -LXF_EINVAL : 0;
}

/* Value file i of the cgroups in cg (or of init's /proc dir), opened; -1
 * when not there. */
static int open_value(const char *cg, pid_t init, int i)
{
	char path[PATH_MAX];

	if (!files[i].ctrl) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)init, files[i].v1);
		return init > 0 ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -1;
	}
	if (value_path(cg, i, files[i].v1, files[i].v2, path, sizeof(path)) < 0)
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

struct backend_live *backend_live_new(pid_t pid, int pidfd)
{
	struct backend_live *l = calloc(1, sizeof(*l));
	char cg[CGROUP_CAP];

	if (!l) {
		if (pidfd >= 0)
			close(pidfd);
		return NULL;
	}
	l->refs = 1;
	l->init = pid;
	l->pidfd = pidfd;
	read_cgroups(pid, cg);
	for (int i = 0; i < LF_EAGER; i++)
		l->fd[i] = open_value(cg, pid, i);
	for (int i = LF_EAGER; i < LF_COUNT; i++)
		l->fd[i] = LF_UNOPENED;
	l->cg = strdup(cg); /* NULL: the later files read as unknown */
	return l;
}

ssize_t backend_live_read(struct backend_live *l, enum backend_lf f, char *buf, size_t n)
{
	int i = LF_EAGER + (int)f, fd, unopened = LF_UNOPENED;

	if (!l || f >= BACKEND_LF_COUNT)
		return -1;
	fd = __atomic_load_n(&l->fd[i], __ATOMIC_ACQUIRE);
	if (fd == LF_UNOPENED) {
		/* Two first readers may race: one file is kept, the other closed. */
		fd = l->cg ? open_value(l->cg, l->init, i) : -1;
		if (!__atomic_compare_exchange_n(&l->fd[i], &unopened, fd, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			if (fd >= 0)
				close(fd);
			fd = unopened;
		}
	}
	return pread_small(fd, buf, n);
}

int backend_cgroup_thaw(pid_t pid)
{
	const char *v = backend_host()->cgroup2 ? "0" : "THAWED";
	char cg[CGROUP_CAP], path[PATH_MAX];
	int fd, ret;

	read_cgroups(pid, cg);
	ret = value_path(cg, LF_FREEZER, "freezer.state", "cgroup.freeze", path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -LXF_EIO;
	ret = write(fd, v, strlen(v)) == (ssize_t)strlen(v) ? 0 : -LXF_EIO;
	close(fd);
	return ret;
}

struct backend_live *backend_live_ref(struct backend_live *l)
{
	if (l)
		__atomic_add_fetch(&l->refs, 1, __ATOMIC_RELAXED);
	return l;
}

void backend_live_unref(struct backend_live *l)
{
	if (!l || __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (int i = 0; i < LF_COUNT; i++)
		if (l->fd[i] >= 0)
			close(l->fd[i]);
	free(l->cg);
	if (l->pidfd >= 0)
		close(l->pidfd);
	free(l);
}

pid_t backend_live_pid(const struct backend_live *l)
{
	return l->init;
}

bool backend_live_alive(const struct backend_live *l)
{
	struct pollfd p = {.fd = l->pidfd, .events = POLLIN};

	return l->pidfd >= 0 && poll(&p, 1, 0) == 0;
}

int backend_live_frozen(const struct backend_live *l)
{
	char buf[64];

	if (pread_small(l->fd[LF_FREEZER], buf, sizeof(buf)) < 0)
		return -1;
	return backend_host()->cgroup2 ? strstr(buf, "frozen 1") != NULL
				       : strncmp(buf, "FROZEN", 6) == 0;
}

/* The first number in value file i, or in its "key N" line; -1 when unknown. */
static int64_t value(const struct backend_live *l, int i)
{
	char buf[CG_VALUE_CAP];
	const char *p = buf, *key = backend_host()->cgroup2 ? files[i].key : NULL;
	int64_t v = -1;

	if (!l || pread_small(l->fd[i], buf, sizeof(buf)) < 0)
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

int backend_add_obj(struct json_object *o, const char *key, struct json_object **child)
{
	*child = json_object_new_object();
	if (!*child || json_object_object_add(o, key, *child)) {
		json_object_put(*child);
		*child = NULL;
		return -LXF_ENOMEM;
	}
	return 0;
}

int backend_add_i64(struct json_object *o, const char *key, int64_t v)
{
	struct json_object *j = json_object_new_int64(v < 0 ? 0 : v);

	if (!j || json_object_object_add(o, key, j)) {
		json_object_put(j);
		return -LXF_ENOMEM;
	}
	return 0;
}

int backend_live_cgroups(const struct backend_live *l, struct json_object *st)
{
	struct json_object *cpu = NULL, *mem = NULL;
	int64_t cpuns = value(l, LF_CPU), usage = value(l, LF_MEM), peak = value(l, LF_MEMPEAK);
	int64_t sw = value(l, LF_SW), swpeak = value(l, LF_SWPEAK);
	int ret;

	if (backend_host()->cgroup2) {
		cpuns = cpuns < 0 ? -1 : cpuns * 1000;
	} else {
		/* memsw counts memory + swap; swap is the difference. */
		sw = sw >= usage && usage >= 0 ? sw - usage : 0;
		swpeak = swpeak >= peak && peak >= 0 ? swpeak - peak : 0;
	}
	ret = backend_add_i64(st, "processes", value(l, LF_PROCS));
	if (!ret)
		ret = backend_add_obj(st, "cpu", &cpu);
	if (!ret)
		ret = backend_add_i64(cpu, "usage", cpuns);
	if (!ret)
		ret = backend_add_obj(st, "memory", &mem);
	if (!ret)
		ret = backend_add_i64(mem, "usage", usage);
	if (!ret)
		ret = backend_add_i64(mem, "usage_peak", peak);
	if (!ret)
		ret = backend_add_i64(mem, "swap_usage", sw);
	if (!ret)
		ret = backend_add_i64(mem, "swap_usage_peak", swpeak);
	return ret;
}

void backend_live_counts(const struct backend_live *l, int64_t *mem, int64_t *swap, int64_t *procs)
{
	*mem = value(l, LF_MEM);
	*swap = value(l, LF_SW);
	*procs = value(l, LF_PROCS);
	if (!backend_host()->cgroup2) /* memsw counts memory + swap */
		*swap = *swap >= *mem && *mem >= 0 ? *swap - *mem : -1;
}
