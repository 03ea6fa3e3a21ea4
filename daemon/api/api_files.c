/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/instances/{name}/files?path=P: LXD's file API. Every path is
 * resolved inside the container's rootfs by fsops.c (openat2
 * RESOLVE_IN_ROOT), never by string handling here. Ids in the X-LXD-uid
 * and X-LXD-gid headers are the container's: shifted by its id map.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "backend.h"
#include "db.h"
#include "events.h"
#include "fsops.h"
#include "http.h"

#define DIR_MAX_ENTRIES 100000
#define OVERFLOW_ID     65534 /* what the container sees for an unmapped id */

struct idmap {
	unsigned long uid_base, gid_base, count; /* count 0: not shifted */
};

/* The instance must exist (and be made); fills its path query and id map. */
static int prepare(struct http_req *req, char *path, size_t n, struct idmap *m, int *root,
		   struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *row = NULL;
	int ret;

	*root = -1;
	ret = db_row(&row, "Instance", err,
		     "SELECT name FROM instances WHERE name = ? AND creating = 0", "s", name);
	json_object_put(row);
	if (ret < 0)
		return ret;
	if (!http_query(req, "path", path, n) || !path[0])
		return lxf_err_set(err, LXF_EINVAL, "Missing path argument");
	ret = backend_idmap(name, &m->uid_base, &m->gid_base, &m->count, err);
	if (ret == 0)
		ret = backend_rootfs_open(name, root, err);
	return ret;
}

static long long to_container(unsigned long long host, unsigned long base, unsigned long count)
{
	if (count == 0)
		return (long long)host;
	if (host >= base && host - base < count)
		return (long long)(host - base);
	return OVERFLOW_ID;
}

static int add_meta_headers(struct http_req *req, const struct stat *st, const struct idmap *m,
			    const char *type)
{
	char v[32];
	int ret = 0;

	snprintf(v, sizeof(v), "%lld", to_container(st->st_uid, m->uid_base, m->count));
	ret |= http_add_header(req, "X-LXD-uid", v);
	snprintf(v, sizeof(v), "%lld", to_container(st->st_gid, m->gid_base, m->count));
	ret |= http_add_header(req, "X-LXD-gid", v);
	snprintf(v, sizeof(v), "%04o", (unsigned)(st->st_mode & 07777));
	ret |= http_add_header(req, "X-LXD-mode", v);
	ret |= http_add_header(req, "X-LXD-type", type);
	return ret;
}

static int send_file(struct http_req *req, int pathfd, struct lxf_err *err)
{
	int fd = -1;
	int ret = fsops_open_read(pathfd, &fd, err);

	if (ret < 0)
		return ret;
	return reply_sync_fd(req, fd, "application/octet-stream", "file", err);
}

int api_files_get(struct http_req *req, struct lxf_err *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct json_object *names = NULL;
	struct idmap m = {0};
	struct stat st;
	int root = -1, pfd = -1, ret;

	memset(&st, 0, sizeof(st));

	ret = prepare(req, path, sizeof(path), &m, &root, err);
	if (ret == 0)
		ret = fsops_lookup(root, path, &pfd, &st, err);
	if (ret < 0)
		goto out;
	if (S_ISREG(st.st_mode)) {
		ret = add_meta_headers(req, &st, &m, "file") < 0
			  ? lxf_err_set(err, LXF_EINTERNAL, "Too many headers")
			  : send_file(req, pfd, err);
	} else if (S_ISDIR(st.st_mode)) {
		ret = fsops_list(pfd, DIR_MAX_ENTRIES, &names, err);
		if (ret == 0 && add_meta_headers(req, &st, &m, "directory") < 0)
			ret = lxf_err_set(err, LXF_EINTERNAL, "Too many headers");
		if (ret == 0) {
			ret = reply_sync(req, names, err);
			names = NULL;
		}
	} else if (S_ISLNK(st.st_mode)) {
		ret = fsops_readlink(pfd, target, sizeof(target), err);
		if (ret == 0 && add_meta_headers(req, &st, &m, "symlink") < 0)
			ret = lxf_err_set(err, LXF_EINTERNAL, "Too many headers");
		if (ret == 0 && lxf_buf_adds(&req->out, target) < 0)
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		if (ret == 0) {
			req->ctype = "application/octet-stream";
			req->status = 200;
		}
	} else {
		ret = lxf_err_set(err, LXF_EINVAL, "\"%.200s\" is not a file, directory or symlink",
				  path);
	}
out:
	json_object_put(names);
	if (pfd >= 0)
		close(pfd);
	if (root >= 0)
		close(root);
	return ret;
}

/* A decimal id header ("" and "-1": not given) shifted into the host's range. */
static int parse_id(const char *s, const char *what, unsigned long base, unsigned long count,
		    long long *out, struct lxf_err *err)
{
	char *end = NULL;
	long long v;

	*out = -1;
	if (!s[0] || strcmp(s, "-1") == 0)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || v > 0xfffffffeLL)
		return lxf_err_set(err, LXF_EINVAL, "Bad X-LXD-%s header \"%.20s\"", what, s);
	if (count && (unsigned long long)v >= count)
		return lxf_err_set(err, LXF_EINVAL, "%s %lld is outside the container's id map",
				   what, v);
	*out = (long long)base + v;
	return 0;
}

static int parse_mode(const char *s, int *out, struct lxf_err *err)
{
	char *end = NULL;
	long v;

	*out = -1;
	if (!s[0] || strcmp(s, "-1") == 0)
		return 0;
	errno = 0;
	v = strtol(s, &end, 8);
	if (errno || *end || v < 0 || v > 07777)
		return lxf_err_set(err, LXF_EINVAL, "Bad X-LXD-mode header \"%.16s\"", s);
	*out = (int)v;
	return 0;
}

/* The symlink target: the whole (small) request body. */
static int read_target(const struct http_req *req, char *buf, size_t n, struct lxf_err *err)
{
	int fd = open(req->upload_path, O_RDONLY | O_CLOEXEC);
	ssize_t len;
	int ret = 0;

	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot read the request body");
	len = read(fd, buf, n);
	if (len < 0)
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot read the request body");
	else if ((size_t)len >= n)
		ret = lxf_err_set(err, LXF_EINVAL, "Symlink target too long");
	else if (len == 0 || memchr(buf, '\0', (size_t)len))
		ret = lxf_err_set(err, LXF_EINVAL, "Bad symlink target");
	else
		buf[len] = '\0';
	close(fd);
	return ret;
}

static void file_event(const char *action, const char *name, const char *path, const char *type)
{
	struct json_object *ctx = json_object_new_object();
	char url[128];

	instance_url(name, url, sizeof(url));
	if (ctx) {
		lxf_json_add_str(ctx, "file-path", path);
		if (type)
			lxf_json_add_str(ctx, "file-type", type);
	}
	events_lifecycle(action, url, ctx);
	json_object_put(ctx);
}

int api_files_post(struct http_req *req, struct lxf_err *err)
{
	const char *type = req->x_type[0] ? req->x_type : "file";
	char path[PATH_MAX], target[PATH_MAX];
	struct fsops_attr a = {.uid = -1, .gid = -1, .mode = -1};
	struct idmap m = {0};
	bool append = false;
	int root = -1, src = -1, ret;

	ret = prepare(req, path, sizeof(path), &m, &root, err);
	if (ret < 0)
		goto out;
	if (strcmp(type, "file") && strcmp(type, "directory") && strcmp(type, "symlink")) {
		ret = lxf_err_set(err, LXF_EINVAL, "Bad X-LXD-type \"%.16s\"", type);
		goto out;
	}
	if (req->x_write[0] && strcmp(req->x_write, "overwrite") &&
	    strcmp(req->x_write, "append")) {
		ret = lxf_err_set(err, LXF_EINVAL, "Bad X-LXD-write \"%.16s\"", req->x_write);
		goto out;
	}
	append = strcmp(req->x_write, "append") == 0;
	ret = parse_id(req->x_uid, "uid", m.uid_base, m.count, &a.uid, err);
	if (ret == 0)
		ret = parse_id(req->x_gid, "gid", m.gid_base, m.count, &a.gid, err);
	if (ret == 0)
		ret = parse_mode(req->x_mode, &a.mode, err);
	if (ret < 0)
		goto out;
	/* New entries belong to the container's root unless told otherwise. */
	a.def_uid = (long long)m.uid_base;
	a.def_gid = (long long)m.gid_base;
	if (strcmp(type, "directory") == 0) {
		ret = fsops_mkdir(root, path, &a, err);
	} else if (strcmp(type, "symlink") == 0) {
		ret = read_target(req, target, sizeof(target), err);
		if (ret == 0)
			ret = fsops_symlink(root, path, target, &a, err);
	} else {
		src = open(req->upload_path, O_RDONLY | O_CLOEXEC);
		ret = src < 0 ? lxf_err_sys(err, LXF_EIO, errno, "Cannot read the request body")
			      : fsops_write_file(root, path, src, append, &a, err);
	}
	if (ret == 0)
		ret = reply_sync(req, json_object_new_object(), err);
	if (ret == 0)
		file_event("instance-file-pushed", router_param(&req->match, "name"), path, type);
out:
	if (src >= 0)
		close(src);
	if (root >= 0)
		close(root);
	return ret;
}

int api_files_delete(struct http_req *req, struct lxf_err *err)
{
	char path[PATH_MAX];
	struct idmap m = {0};
	int root = -1, ret;

	ret = prepare(req, path, sizeof(path), &m, &root, err);
	if (ret == 0)
		ret = fsops_remove(root, path, err);
	if (ret == 0)
		ret = reply_sync(req, json_object_new_object(), err);
	if (ret == 0)
		file_event("instance-file-deleted", router_param(&req->match, "name"), path, NULL);
	if (root >= 0)
		close(root);
	return ret;
}
