/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container backend over liblxc (with backend_state.c, the live
 * state, and backend_exec.c). Every call that changes a container makes
 * its own lxc_container and puts it before returning, so worker threads
 * share nothing but the globals set once by backend_init and the query
 * objects of backend_state.c. What liblxc does not make thread-safe (parsing a
 * config, which touches its per-thread log state) runs under lxc_lock;
 * starts run in a spawned lxc-start (start_spawned), so no liblxc fork of
 * this process has to be kept apart from it.
 */
#include "backend.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_link.h>
#include <lxc/lxccontainer.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend_config.h"
#include "backend_int.h"
#include "buf.h"
#include "file.h"
#include "image.h"
#include "json.h"

#define NAME_MAX_LEN  63
#define SUBID_CAP     (64 * 1024)
#define CONFIG_CAP    (1024 * 1024)
#define LOG_TAIL      4096
#define DEF_ID_BASE   1000000UL
#define DEF_ID_COUNT  1000000000UL
#define CGROUP2_MAGIC 0x63677270
#define LXC_CONF_DIR  "/usr/share/lxc/config"

static pthread_mutex_t lxc_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_dir[PATH_MAX / 2];
static char g_lxcpath[PATH_MAX / 2];
static struct bcfg_host g_host;

/* LXD's instance name rules: a hostname label. */
static bool valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > NAME_MAX_LEN || name[0] == '-' || name[n - 1] == '-' ||
	    isdigit((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return false;
	return true;
}

static int path_of(char *buf, size_t n, const char *name, const char *leaf)
{
	int len = snprintf(buf, n, "%s/%s%s%s", g_lxcpath, name, leaf ? "/" : "", leaf ? leaf : "");

	return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
}

int backend_ct_path(char *buf, size_t n, const char *name, const char *leaf)
{
	return path_of(buf, n, name, leaf);
}

static int log_dir_of(char *buf, size_t n, const char *name)
{
	int len = snprintf(buf, n, "%s/logs/%s", g_dir, name);

	return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
}

int backend_log_path(const char *name, char *buf, size_t n)
{
	int len;

	if (!valid_name(name))
		return -LXF_EINVAL;
	len = snprintf(buf, n, "%s/logs/%s/lxc.log", g_dir, name);
	return len < 0 || (size_t)len >= n ? -LXF_EINVAL : 0;
}

/* First "root:start:count" (or "0:...") line with room for our map. */
static void read_subid(const char *path, unsigned long *base)
{
	struct lxf_buf b = {0};
	char *save = NULL, *line;

	*base = DEF_ID_BASE;
	lxf_buf_init(&b, SUBID_CAP);
	if (lxf_file_read(path, SUBID_CAP, &b, NULL) || !b.data)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, count;
		char who[64];

		if (sscanf(line, "%63[^:]:%lu:%lu", who, &start, &count) != 3)
			continue;
		if ((strcmp(who, "root") && strcmp(who, "0")) || count < BCFG_MAP_COUNT)
			continue;
		*base = start;
		break;
	}
out:
	lxf_buf_fini(&b);
}

/* Whether /sys/class/net lists exactly the interfaces of our netns. */
static bool sysfs_matches_netns(void)
{
	struct if_nameindex *ifs = if_nameindex();
	size_t want = 0, have = 0;
	bool ok = ifs != NULL;
	DIR *d;

	for (size_t i = 0; ok && ifs[i].if_index; i++, want++) {
		char p[IF_NAMESIZE + 32];

		snprintf(p, sizeof(p), "/sys/class/net/%s", ifs[i].if_name);
		ok = !access(p, F_OK);
	}
	if (ifs)
		if_freenameindex(ifs);
	d = ok ? opendir("/sys/class/net") : NULL;
	for (struct dirent *de; d && (de = readdir(d));)
		have += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return ok && want == have;
}

/*
 * lxfd may run in a netns entered with nsenter --net, in the host's mount
 * namespace: /sys then describes the host's interfaces and liblxc cannot
 * find the bridges of our netns (it looks in /sys/class/net). Give lxfd a
 * mount namespace of its own (a slave of the host's, so everything else
 * stays visible) with a sysfs of our netns and the host's cgroup tree moved
 * onto it. Only the cgroup tmpfs sits on the new sysfs, on a permanently
 * empty directory, so unprivileged containers may still mount sysfs. This
 * unshare only reaches threads created afterwards: backend_init must run
 * before lxfd starts any thread.
 */
static int netns_sysfs_fixup(struct lxf_err *err)
{
	char tmp[] = "/run/lxfd-cgroup.XXXXXX";
	int ret = 0;

	/* /proc/1/ns/net may be unreadable: compare what sysfs shows instead. */
	if (sysfs_matches_netns())
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return lxf_err_sys(err, LXF_EIO, errno, "cannot make a mount namespace for sysfs");
	if (!mkdtemp(tmp))
		return lxf_err_sys(err, LXF_EIO, errno, "cannot make %s", tmp);
	if (mount("/sys/fs/cgroup", tmp, NULL, MS_BIND | MS_REC, NULL)) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot keep the cgroup tree");
		goto out;
	}
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ||
	    mount(tmp, "/sys/fs/cgroup", NULL, MS_MOVE, NULL))
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot mount a sysfs of this netns");
out:
	if (ret)
		(void)umount2(tmp, MNT_DETACH);
	(void)rmdir(tmp);
	return ret;
}

int backend_init(const char *dir, struct lxf_err *err)
{
	struct statfs sfs;
	struct stat st;
	char path[PATH_MAX];
	int n, ret;

	n = snprintf(g_dir, sizeof(g_dir), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(g_dir))
		return lxf_err_set(err, LXF_EIO, "directory name too long");
	snprintf(g_lxcpath, sizeof(g_lxcpath), "%s/containers", dir);
	if (access(LXC_CONF_DIR "/common.conf", R_OK) || access(LXC_CONF_DIR "/userns.conf", R_OK))
		return lxf_err_sys(err, LXF_EIO, errno, "liblxc's " LXC_CONF_DIR " is incomplete");
	ret = lxf_mkdir_p(g_lxcpath, 0711, err);
	if (!ret) {
		snprintf(path, sizeof(path), "%s/logs", dir);
		ret = lxf_mkdir_p(path, 0700, err);
	}
	if (!ret) {
		snprintf(path, sizeof(path), "%s/images", dir);
		ret = lxf_mkdir_p(path, 0700, err);
	}
	if (ret)
		return ret;
	/* Unprivileged container roots must be able to walk down to their rootfs. */
	if (stat(dir, &st) || chmod(dir, (st.st_mode & 07777) | S_IXUSR | S_IXGRP | S_IXOTH) ||
	    chmod(g_lxcpath, 0711))
		return lxf_err_sys(err, LXF_EIO, errno, "cannot set the modes of %s", dir);
	ret = netns_sysfs_fixup(err);
	if (ret)
		return ret;
	read_subid("/etc/subuid", &g_host.uid_base);
	read_subid("/etc/subgid", &g_host.gid_base);
	g_host.cgroup2 = !statfs("/sys/fs/cgroup", &sfs) && sfs.f_type == CGROUP2_MAGIC;
	g_host.apparmor = !access("/sys/kernel/security/apparmor", F_OK);
	return 0;
}

const struct bcfg_host *backend_host(void)
{
	return &g_host;
}

/*
 * A liblxc container object for name, config parsed under lxc_lock.
 * NULL with err set when name is bad or (must_exist) not defined.
 */
struct lxc_container *backend_ct_get(const char *name, bool must_exist, struct lxf_err *err)
{
	struct lxc_container *c;

	if (!valid_name(name)) {
		lxf_err_set(err, LXF_EINVAL, "bad container name '%s'", name ? name : "");
		return NULL;
	}
	pthread_mutex_lock(&lxc_lock);
	c = lxc_container_new(name, g_lxcpath);
	pthread_mutex_unlock(&lxc_lock);
	if (!c) {
		lxf_err_set(err, LXF_EIO, "liblxc cannot load container '%s'", name);
		return NULL;
	}
	if (must_exist && !c->is_defined(c)) {
		lxc_container_put(c);
		lxf_err_set(err, LXF_ENOENT, "container '%s' not found", name);
		return NULL;
	}
	return c;
}

static int write_config(const char *name, struct json_object *config, struct json_object *devices,
			struct lxf_err *err)
{
	struct lxf_buf b = {0};
	char rootfs[PATH_MAX], logfile[PATH_MAX], cfg[PATH_MAX];
	struct bcfg_target t = {
	    .name = name, .rootfs = rootfs, .logfile = logfile, .seed = g_dir, .dir = g_dir};
	int ret;

	if (path_of(rootfs, sizeof(rootfs), name, "rootfs") ||
	    path_of(cfg, sizeof(cfg), name, "config") ||
	    backend_log_path(name, logfile, sizeof(logfile)))
		return lxf_err_set(err, LXF_EINVAL, "path too long for '%s'", name);
	lxf_buf_init(&b, CONFIG_CAP);
	ret = bcfg_render(&g_host, &t, config, devices, &b, err);
	if (!ret)
		ret = lxf_file_write_atomic(cfg, b.data, b.len, 0640, err);
	lxf_buf_fini(&b);
	return ret;
}

int backend_create(const char *name, const char *image_path, struct json_object *config,
		   struct json_object *devices, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	char cdir[PATH_MAX], rootfs[PATH_MAX], logdir[PATH_MAX];
	unsigned long shift;
	bool made = false;
	int ret;

	if (!valid_name(name))
		return lxf_err_set(err, LXF_EINVAL, "bad container name '%s'", name ? name : "");
	ret = bcfg_validate(config, devices, err);
	if (ret)
		return ret;
	if (path_of(cdir, sizeof(cdir), name, NULL) ||
	    path_of(rootfs, sizeof(rootfs), name, "rootfs") ||
	    log_dir_of(logdir, sizeof(logdir), name))
		return lxf_err_set(err, LXF_EINVAL, "path too long for '%s'", name);
	/* Root's alone until the rootfs is there to say who else may enter. */
	if (mkdir(cdir, 0700)) {
		if (errno == EEXIST)
			return lxf_err_set(err, LXF_EEXIST, "container '%s' already exists", name);
		return lxf_err_sys(err, LXF_EIO, errno, "cannot make %s", cdir);
	}
	made = true;
	shift = bcfg_privileged(config) ? 0 : g_host.uid_base;
	if (image_path) {
		ret = img_rootfs_make(image_path, rootfs, shift,
				      bcfg_privileged(config) ? 0 : g_host.gid_base, err);
	} else if (mkdir(rootfs, 0755) ||
		   chown(rootfs, (uid_t)shift,
			 (gid_t)(bcfg_privileged(config) ? 0 : g_host.gid_base))) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "cannot make %s", rootfs);
	}
	if (!ret)
		ret = backend_modes_instance(name, err);
	if (ret)
		goto out;
	(void)lxf_rm_rf(logdir, NULL); /* a stale log of an earlier namesake */
	ret = lxf_mkdir_p(logdir, 0700, err);
	if (!ret)
		ret = write_config(name, config, devices, err);
	if (ret)
		goto out;
	/* Let liblxc parse what we wrote: raw.lxc may hold values it refuses. */
	c = backend_ct_get(name, true, err);
	if (!c) {
		ret = lxf_err_set(err, LXF_EINVAL,
				  "liblxc refuses the config of '%s' (see raw.lxc)", name);
		goto out;
	}
	ret = 0;
out:
	if (c)
		lxc_container_put(c);
	if (ret && made) {
		(void)lxf_rm_rf(cdir, NULL);
		(void)lxf_rm_rf(logdir, NULL);
	}
	return ret;
}

int backend_render(const char *name, struct json_object *config, struct json_object *devices,
		   struct lxf_err *err)
{
	char cdir[PATH_MAX];
	struct stat st;
	int ret;

	if (!valid_name(name))
		return lxf_err_set(err, LXF_EINVAL, "bad container name '%s'", name ? name : "");
	ret = bcfg_validate(config, devices, err);
	if (ret)
		return ret;
	if (path_of(cdir, sizeof(cdir), name, NULL))
		return lxf_err_set(err, LXF_EINVAL, "path too long for '%s'", name);
	if (stat(cdir, &st) || !S_ISDIR(st.st_mode))
		return lxf_err_set(err, LXF_ENOENT, "container '%s' has no directory", name);
	/* The rootfs is shifted once, at create; a flip would leave it owned wrong. */
	if (path_of(cdir, sizeof(cdir), name, "rootfs") == 0 && stat(cdir, &st) == 0 &&
	    (st.st_uid == 0) != bcfg_privileged(config))
		return lxf_err_set(err, LXF_ENOTSUP,
				   "security.privileged cannot change on an existing container");
	return write_config(name, config, devices, err);
}

void backend_forget(const char *name)
{
	if (valid_name(name))
		backend_query_cache_drop(name);
}

/* The last ERROR line of the container's liblxc log, for start failures. */
static void log_last_error(const char *name, char *out, size_t n)
{
	char path[PATH_MAX], buf[LOG_TAIL + 1];
	const char *hit = NULL;
	ssize_t r;
	off_t size;
	int fd;

	out[0] = '\0';
	if (backend_log_path(name, path, sizeof(path)))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	r = size < 0 ? -1 : pread(fd, buf, LOG_TAIL, size > LOG_TAIL ? size - LOG_TAIL : 0);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	for (char *p = buf; (p = strstr(p, " ERROR ")); p++)
		hit = p + 7;
	if (hit)
		snprintf(out, n, "%.*s", (int)strcspn(hit, "\n"), hit);
}

static bool is_running(struct lxc_container *c)
{
	return c->is_running(c);
}

int backend_update(const char *name, struct json_object *config, struct json_object *devices,
		   struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	char rootfs[PATH_MAX], val[256];
	struct stat st;
	const char *key;
	int ret;

	ret = bcfg_validate(config, devices, err);
	if (ret)
		return ret;
	c = backend_ct_get(name, true, err);
	if (!c)
		return -err->code;
	ret = lxf_err_set(err, LXF_EIO, "cannot stat the rootfs of '%s'", name);
	if (path_of(rootfs, sizeof(rootfs), name, "rootfs") || stat(rootfs, &st))
		goto out;
	/* The rootfs is shifted once, at create; a flip would leave it owned wrong. */
	if ((st.st_uid == 0) != bcfg_privileged(config)) {
		ret = lxf_err_set(err, LXF_ENOTSUP,
				  "security.privileged cannot change on an existing container");
		goto out;
	}
	if (is_running(c)) {
		for (int i = 0; bcfg_live_limit(&g_host, config, i, &key, val, sizeof(val)); i++) {
			if (*val && !c->set_cgroup_item(c, key, val)) {
				ret = lxf_err_set(err, LXF_EINVAL, "cannot set %s to %s live", key,
						  val);
				goto out;
			}
		}
	}
	ret = write_config(name, config, devices, err);
	/* Volume disks follow the devices at once, as in LXD (backend_volume.c). */
	if (ret == 0 && devices && is_running(c) && c->init_pid(c) > 0)
		ret = backend_volume_hotplug(name, c->init_pid(c), devices, err);
out:
	lxc_container_put(c);
	return ret;
}

/*
 * liblxc 5.0 on cgroup v1 leaves each stopped container's empty
 * lxc.monitor.NAME cgroup behind and takes NAME-1, NAME-2... next time:
 * thousands pile up on a busy host. Before a start, the empty ones of
 * this name go. rmdir(2) removes only a cgroup with no process and no
 * child, so a running monitor (another host's container of the same name
 * included) is never touched.
 */
static void sweep_monitor_cgroups(const char *name)
{
	char pat[2][PATH_MAX];
	glob_t g;

	if (snprintf(pat[0], sizeof(pat[0]), "/sys/fs/cgroup/*/lxc.monitor.%s", name) < 0 ||
	    snprintf(pat[1], sizeof(pat[1]), "/sys/fs/cgroup/*/lxc.monitor.%s-[0-9]*", name) < 0)
		return;
	for (int i = 0; i < 2; i++) {
		if (glob(pat[i], GLOB_NOSORT | GLOB_ONLYDIR, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++)
			(void)rmdir(g.gl_pathv[j]);
		globfree(&g);
	}
}

/* watch.c's hooks (backend_set_hooks). */
static void (*hook_started)(const char *name);
static void (*hook_stopping)(const char *name);
static void (*hook_stopped)(const char *name);

void backend_set_hooks(void (*started)(const char *name), void (*stopping)(const char *name),
		       void (*stopped)(const char *name))
{
	hook_started = started;
	hook_stopping = stopping;
	hook_stopped = stopped;
}

/*
 * Starts name through liblxc's own lxc-start, spawned, rather than with
 * c->start() in this process: c->start() forks lxfd, which has many
 * threads, and the child then runs liblxc code that allocates. glibc's
 * malloc is safe across fork, but GCC 12's ASan allocator is not: a lock
 * held by another thread at fork time deadlocked a start in the ASan CI
 * run. posix_spawn execs at once, and lxc-start is single-threaded when it
 * forks the monitor. It reads the same config file and, like c->start()
 * with daemonize, returns once the container runs. Called on workers only.
 */
static int start_spawned(const char *name)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, ret;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	ret = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (!ret) {
		char *argv[] = {(char *)"lxc-start", (char *)"-P", g_lxcpath,    (char *)"-n",
				(char *)name,        (char *)"-d", (char *)"-C", NULL};

		ret = posix_spawnp(&pid, "lxc-start", &fa, NULL, argv, environ);
	}
	(void)posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int backend_start(const char *name, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	char logdir[PATH_MAX], why[200];
	bool ok;
	int ret;

	c = backend_ct_get(name, true, err);
	if (!c)
		return -err->code;
	if (is_running(c)) {
		ret = lxf_err_set(err, LXF_EBUSY, "container '%s' is already running", name);
		goto out;
	}
	sweep_monitor_cgroups(name);
	if (log_dir_of(logdir, sizeof(logdir), name) || lxf_mkdir_p(logdir, 0700, err)) {
		ret = lxf_err_set(err, LXF_EIO, "cannot make the log directory of '%s'", name);
		goto out;
	}
	/*
	 * -C: the monitor must not keep lxfd's sockets and database open. No
	 * lxc_lock: another process starts it, and holding the lock for the
	 * whole start would stall every state read meanwhile.
	 */
	ok = start_spawned(name) == 0;
	if (!ok) {
		log_last_error(name, why, sizeof(why));
		ret =
		    lxf_err_set(err, LXF_EIO, "cannot start '%s'%s%s", name, *why ? ": " : "", why);
		goto out;
	}
	if (hook_started)
		hook_started(name);
	ret = 0;
out:
	lxc_container_put(c);
	return ret;
}

int backend_stop(const char *name, bool force, int timeout, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	int ret;

	c = backend_ct_get(name, true, err);
	if (!c)
		return -err->code;
	if (!is_running(c)) {
		ret = lxf_err_set(err, LXF_EBUSY, "container '%s' is not running", name);
		goto out;
	}
	if (hook_stopping)
		hook_stopping(name);
	if (force) {
		ret = c->stop(c) ? 0 : lxf_err_set(err, LXF_EIO, "cannot stop '%s'", name);
		goto out;
	}
	/* A frozen init cannot act on the halt signal. */
	if (!strcmp(c->state(c), "FROZEN"))
		(void)c->unfreeze(c);
	ret = 0;
	if (!c->shutdown(c, timeout < 0 ? -1 : timeout))
		ret = lxf_err_set(err, is_running(c) ? LXF_ETIMEDOUT : LXF_EIO,
				  "'%s' did not stop within %d seconds", name, timeout);
out:
	if (ret == 0 && hook_stopped)
		hook_stopped(name);
	lxc_container_put(c);
	return ret;
}

static int freeze_op(const char *name, bool freeze, struct lxf_err *err)
{
	struct lxc_container *c = NULL;
	int ret = 0;

	c = backend_ct_get(name, true, err);
	if (!c)
		return -err->code;
	if (!is_running(c))
		ret = lxf_err_set(err, LXF_EBUSY, "container '%s' is not running", name);
	else if (!(freeze ? c->freeze(c) : c->unfreeze(c)))
		ret = lxf_err_set(err, LXF_EIO, "cannot %s '%s'", freeze ? "freeze" : "unfreeze",
				  name);
	lxc_container_put(c);
	return ret;
}

int backend_freeze(const char *name, struct lxf_err *err)
{
	return freeze_op(name, true, err);
}

int backend_unfreeze(const char *name, struct lxf_err *err)
{
	return freeze_op(name, false, err);
}
