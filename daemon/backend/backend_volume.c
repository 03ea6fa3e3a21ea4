/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Custom storage volumes of the dir pool: DIR/custom/<name>/root is the
 * tree a disk device mounts. <name> is mode 0100 and owned by the
 * unprivileged containers' root, as an instance directory is
 * (backend_modes.c): container root walks through it, host users do not.
 * root/ is made owned by that same root, the id map every unprivileged
 * container shares, so a volume is writable by the root of each
 * container it is attached to, and its files carry the container's host
 * uids, with no shift at attach time.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/mount.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend.h"
#include "backend_int.h"
#include "file.h"
#include "json.h"

bool backend_volume_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > 63 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
			return false;
	return true;
}

int backend_volume_path(const char *name, const char *leaf, char *buf, size_t n,
			struct lxf_err *err)
{
	char dir[PATH_MAX];
	int len;

	if (!backend_volume_name_ok(name))
		return lxf_err_set(err, LXF_EINVAL, "Invalid storage volume name \"%.64s\"",
				   name ? name : "");
	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	len = snprintf(buf, n, "%s/custom/%s%s%s", dir, name, leaf ? "/" : "", leaf ? leaf : "");
	if (len < 0 || (size_t)len >= n)
		return lxf_err_set(err, LXF_EINVAL, "Path too long for volume \"%s\"", name);
	return 0;
}

int backend_volume_make(const char *name, struct lxf_err *err)
{
	const struct bcfg_host *h = backend_host();
	char top[PATH_MAX], vol[PATH_MAX], root[PATH_MAX];
	int ret;

	if (backend_volume_path(name, NULL, vol, sizeof(vol), err) < 0 ||
	    backend_volume_path(name, "root", root, sizeof(root), err) < 0)
		return -LXF_EINVAL;
	snprintf(top, sizeof(top), "%.*s", (int)(strrchr(vol, '/') - vol), vol);
	ret = lxf_mkdir_p(top, 0711, err);
	if (ret < 0)
		return ret;
	if (mkdir(vol, 0100) < 0)
		return errno == EEXIST ? lxf_err_set(err, LXF_EEXIST,
						     "Storage volume \"%s\" already exists", name)
				       : lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", vol);
	if (chown(vol, (uid_t)h->uid_base, (gid_t)h->gid_base) < 0 || chmod(vol, 0100) < 0 ||
	    mkdir(root, 0755) < 0 || chown(root, (uid_t)h->uid_base, (gid_t)h->gid_base) < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot make %s", root);
	return 0;
}

void backend_volume_idmap(unsigned long *uid_base, unsigned long *gid_base, unsigned long *count)
{
	const struct bcfg_host *h = backend_host();

	*uid_base = h->uid_base;
	*gid_base = h->gid_base;
	*count = BCFG_MAP_COUNT;
}

int backend_volume_remove(const char *name, struct lxf_err *err)
{
	char vol[PATH_MAX];

	if (backend_volume_path(name, NULL, vol, sizeof(vol), err) < 0)
		return -LXF_EINVAL;
	return lxf_rm_rf(vol, err);
}

static __thread long long usage_sum;

static int usage_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	usage_sum += (long long)st->st_blocks * 512;
	return 0;
}

long long backend_volume_usage(const char *name)
{
	char root[PATH_MAX];

	if (backend_volume_path(name, "root", root, sizeof(root), NULL) < 0)
		return -1;
	usage_sum = 0;
	/* FTW_PHYS: never follow a link the containers planted; FTW_MOUNT: stay on this fs. */
	if (nftw(root, usage_add, 16, FTW_PHYS | FTW_MOUNT) < 0)
		return -1;
	return usage_sum;
}

/*
 * Hot-plug: a running container gets the volume disks its devices gain
 * and loses those they drop, as LXD does, without a restart. The mounts
 * are made in the container's mount namespace by a short-lived thread
 * with an fs context of its own (unshare(CLONE_FS), which setns into a
 * mount namespace needs; lxfd never forks: see backend.c), from a detached
 * clone of the volume's tree (open_tree), so no path inside the container
 * is resolved from the host.
 */
#define HOT_MAX 64

struct hot_mount {
	char vol[64];
	char path[PATH_MAX];
};

/* The volume mounts in the container's mountinfo: their root ends in /custom/V/root. */
static size_t hot_mounted(pid_t pid, struct hot_mount *m, size_t max)
{
	char proc[64], line[2 * PATH_MAX], root[PATH_MAX], mnt[PATH_MAX];
	size_t n = 0;
	FILE *f;

	snprintf(proc, sizeof(proc), "/proc/%d/mountinfo", (int)pid);
	f = fopen(proc, "re");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		const char *end, *v;
		size_t len;

		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		len = strlen(root);
		if (len < sizeof("/custom/x/root") - 1 || strcmp(root + len - 5, "/root") != 0)
			continue;
		end = root + len - 5;
		for (v = end; v > root && v[-1] != '/'; v--)
			;
		if (v - root < 8 || strncmp(v - 8, "/custom/", 8) != 0 ||
		    (size_t)(end - v) >= sizeof(m[n].vol))
			continue;
		memcpy(m[n].vol, v, (size_t)(end - v));
		m[n].vol[end - v] = '\0';
		snprintf(m[n].path, sizeof(m[n].path), "%s", mnt);
		n++;
	}
	(void)fclose(f);
	return n;
}

/* In the child, inside the container: mkdir -p path, new levels owned by its root. */
static int hot_mkdirs(char *path, uid_t uid, gid_t gid)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0755) == 0) {
			if (lchown(path, uid, gid) < 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

struct hot_job {
	int nsfd, tree; /* tree < 0: unplug */
	char path[PATH_MAX];
	uid_t uid;
	gid_t gid;
	int ret;
};

static void *hot_thread(void *arg)
{
	struct hot_job *j = arg;

	if (unshare(CLONE_FS) < 0 || setns(j->nsfd, CLONE_NEWNS) < 0)
		j->ret = -errno;
	else if (j->tree >= 0)
		j->ret = hot_mkdirs(j->path, j->uid, j->gid) < 0 ||
				 syscall(SYS_move_mount, j->tree, "", AT_FDCWD, j->path,
					 MOVE_MOUNT_F_EMPTY_PATH) < 0
			     ? -EIO
			     : 0;
	else
		j->ret = umount2(j->path, MNT_DETACH) < 0 && errno != EINVAL ? -EIO : 0;
	return NULL;
}

/* Runs one plug (tree >= 0) or unplug in the container's mount namespace. */
static int hot_run(int nsfd, int tree, const char *path, uid_t uid, gid_t gid)
{
	struct hot_job j = {.nsfd = nsfd, .tree = tree, .uid = uid, .gid = gid};
	pthread_t t;
	int e;

	snprintf(j.path, sizeof(j.path), "%s", path);
	e = pthread_create(&t, NULL, hot_thread, &j);
	if (e)
		return -e;
	pthread_join(t, NULL);
	return j.ret;
}

static bool hot_wanted(struct json_object *devices, const char *vol, const char *path)
{
	json_object_object_foreach(devices, dev, d)
	{
		const char *p = lxf_json_str(d, "path"), *s = lxf_json_str(d, "source");

		(void)dev;
		if (lxf_json_str(d, "pool") && p && s && !strcmp(s, vol) && !strcmp(p, path))
			return true;
	}
	return false;
}

int backend_volume_hotplug(const char *name, pid_t pid, struct json_object *devices,
			   struct lxf_err *err)
{
	struct hot_mount *m = calloc(HOT_MAX, sizeof(*m));
	unsigned long ub = 0, gb = 0, count = 0;
	char proc[64], src[PATH_MAX];
	size_t n;
	int nsfd = -1, ret = 0;

	if (!m)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	snprintf(proc, sizeof(proc), "/proc/%d/ns/mnt", (int)pid);
	nsfd = open(proc, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || backend_idmap(name, &ub, &gb, &count, err) < 0) {
		ret = nsfd < 0 ? lxf_err_sys(err, LXF_EIO, errno, "Cannot enter '%s'", name) : -EIO;
		goto out;
	}
	n = hot_mounted(pid, m, HOT_MAX);
	/* Dropped: mounted volumes no device names at that path any more. */
	for (size_t i = 0; i < n && ret == 0; i++)
		if (!hot_wanted(devices, m[i].vol, m[i].path) &&
		    hot_run(nsfd, -1, m[i].path, 0, 0) < 0)
			ret = lxf_err_set(err, LXF_EIO, "Cannot unmount %s from '%s'", m[i].path,
					  name);
	json_object_object_foreach(devices, dev, d)
	{
		const char *path = lxf_json_str(d, "path"), *vol = lxf_json_str(d, "source");
		bool have = false;
		int tree;

		if (ret < 0 || !lxf_json_str(d, "pool") || !path || !vol || !strcmp(path, "/"))
			continue;
		for (size_t i = 0; i < n && !have; i++)
			have = !strcmp(m[i].vol, vol) && !strcmp(m[i].path, path);
		if (have)
			continue;
		if (backend_volume_path(vol, "root", src, sizeof(src), err) < 0) {
			ret = -LXF_EINVAL;
			break;
		}
		tree = (int)syscall(SYS_open_tree, AT_FDCWD, src,
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (tree < 0) {
			ret = lxf_err_sys(err, LXF_EIO, errno, "device '%s': cannot open %s", dev,
					  src);
			break;
		}
		if (hot_run(nsfd, tree, path, (uid_t)ub, (gid_t)gb) < 0)
			ret =
			    lxf_err_set(err, LXF_EIO, "device '%s': cannot mount volume '%s' at %s",
					dev, vol, path);
		close(tree);
	}
out:
	if (nsfd >= 0)
		close(nsfd);
	free(m);
	return ret;
}
