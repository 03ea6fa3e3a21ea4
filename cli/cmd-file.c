/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf file push|pull|delete over the /files API. Bodies stream between
 * the local file and the socket (lxf_client_send / lxf_client_download):
 * a large file is never held in memory. Ownership and mode travel in the
 * X-LXD-uid/gid/mode/type headers; -r walks directories without following
 * symlinks (they are copied as links), -p creates missing parents.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "file.h"
#include "json.h"
#include "target.h"

#define FILE_URL_MAX  8192
#define FILE_DEPTH    64
#define FILE_LINK_MAX 4096

struct file_ctx {
	struct lxf_cmd_ctx *ctx;
	struct lxf_client *c;
	char *inst;
	bool recursive, parents;
	long long uid, gid; /* -1: not given */
	int mode;           /* -1: the source's */
};

/* "/1.0/instances/<inst>/files?path=<p>" */
static int file_url(char *buf, const char *inst, const char *path, struct lxf_err *err)
{
	char *ep = lxf_client_escape(path);
	size_t l;
	int rc;

	if (!ep)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_cmd_path(buf, FILE_URL_MAX, "instances", inst, "/files?path=", err);
	l = strlen(buf);
	if (rc == 0 && (size_t)snprintf(buf + l, FILE_URL_MAX - l, "%s", ep) >= FILE_URL_MAX - l)
		rc = lxf_err_set(err, LXF_EINVAL, "path too long");
	free(ep);
	return rc;
}

/* Joins dir and name with exactly one '/'. NULL on ENOMEM / too long. */
static char *file_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir);
	char *out = NULL;

	if (dl + strlen(name) + 2 > PATH_MAX)
		return NULL;
	if (asprintf(&out, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name) < 0)
		return NULL;
	return out;
}

/* The last component of p ("/a/b/" -> "b"), malloc'ed. */
static char *file_base(const char *p)
{
	char *copy = strdup(p), *b, *r;

	if (!copy)
		return NULL;
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	b = basename(copy);
	r = strdup(b);
	free(copy);
	return r;
}

/* POSTs one entry: type file (from fd), directory, or symlink (data = target). */
static int file_post(struct file_ctx *f, const char *path, const char *type, int fd,
		     const char *data, int mode, long long uid, long long gid, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	char url[FILE_URL_MAX], h[5][64];
	const char *hdrs[6] = {NULL};
	size_t nh = 0;
	int rc;

	rc = file_url(url, f->inst, path, err);
	if (rc)
		return rc;
	(void)snprintf(h[0], sizeof(h[0]), "X-LXD-type: %s", type);
	hdrs[nh++] = h[0];
	(void)snprintf(h[1], sizeof(h[1]), "X-LXD-write: overwrite");
	hdrs[nh++] = h[1];
	if (mode >= 0) {
		(void)snprintf(h[2], sizeof(h[2]), "X-LXD-mode: %04o", (unsigned)mode);
		hdrs[nh++] = h[2];
	}
	if (uid >= 0) {
		(void)snprintf(h[3], sizeof(h[3]), "X-LXD-uid: %lld", uid);
		hdrs[nh++] = h[3];
	}
	if (gid >= 0) {
		(void)snprintf(h[4], sizeof(h[4]), "X-LXD-gid: %lld", gid);
		hdrs[nh++] = h[4];
	}
	rc =
	    lxf_client_send(f->c, "POST", url, fd, data, data ? strlen(data) : 0, hdrs, &resp, err);
	if (rc)
		lxf_err_prefix(err, "%s/%s", f->inst, path[0] == '/' ? path + 1 : path);
	lxf_response_fini(&resp);
	return rc;
}

/* What the instance has at path: 0 and *type ("file", "directory"...), or -LXF_ENOENT. */
static int file_stat(struct file_ctx *f, const char *path, char *type, size_t tlen,
		     struct lxf_err *err)
{
	struct lxf_response resp = {0};
	char url[FILE_URL_MAX];
	int fd, rc;

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "open /dev/null");
	rc = file_url(url, f->inst, path, err);
	if (rc == 0)
		rc = lxf_client_download(f->c, url, fd, &resp, err);
	if (rc == 0)
		(void)snprintf(type, tlen, "%s", resp.file_type[0] ? resp.file_type : "file");
	(void)close(fd);
	lxf_response_fini(&resp);
	return rc;
}

/* mkdir -p inside the instance for every parent of path. */
static int file_mkdir_parents(struct file_ctx *f, const char *path, struct lxf_err *err)
{
	char *p = strdup(path), type[16];
	int rc = 0;

	if (!p)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	for (char *s = strchr(p + 1, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		rc = file_stat(f, p, type, sizeof(type), err);
		if (rc == -LXF_ENOENT) {
			lxf_err_clear(err);
			rc = file_post(f, p, "directory", -1, NULL, 0755, f->uid, f->gid, err);
		} else if (rc == 0 && strcmp(type, "directory") != 0) {
			rc = lxf_err_set(err, LXF_EINVAL, "%s/%s is not a directory", f->inst,
					 p + 1);
		}
		*s = '/';
	}
	free(p);
	return rc;
}

static int file_push_one(struct file_ctx *f, const char *src, const char *dst, int depth,
			 struct lxf_err *err);

static int file_push_dir(struct file_ctx *f, const char *src, const char *dst,
			 const struct stat *st, int depth, struct lxf_err *err)
{
	struct dirent *de;
	DIR *d = NULL;
	char *s = NULL, *t = NULL;
	int rc;

	rc = file_post(f, dst, "directory", -1, NULL,
		       f->mode >= 0 ? f->mode : (int)(st->st_mode & 07777), f->uid, f->gid, err);
	if (rc)
		return rc;
	d = opendir(src); /* glibc opens directories O_CLOEXEC */
	if (!d)
		return lxf_err_sys(err, LXF_EIO, errno, "opendir %s", src);
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = file_join(src, de->d_name);
		t = file_join(dst, de->d_name);
		if (!s || !t)
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory or path too long");
		else
			rc = file_push_one(f, s, t, depth + 1, err);
		free(s);
		free(t);
		s = t = NULL;
	}
	if (rc == 0 && errno)
		rc = lxf_err_sys(err, LXF_EIO, errno, "readdir %s", src);
	(void)closedir(d);
	return rc;
}

static int file_push_one(struct file_ctx *f, const char *src, const char *dst, int depth,
			 struct lxf_err *err)
{
	char link[FILE_LINK_MAX];
	struct stat st;
	ssize_t n;
	int fd = -1, rc;

	if (depth > FILE_DEPTH)
		return lxf_err_set(err, LXF_EINVAL, "%s: nested deeper than %d", src, FILE_DEPTH);
	if (lstat(src, &st) != 0)
		return lxf_err_sys(err, errno == ENOENT ? LXF_ENOENT : LXF_EIO, errno, "%s", src);
	if (S_ISDIR(st.st_mode)) {
		if (!f->recursive)
			return lxf_err_set(err, LXF_EINVAL, "%s is a directory: use -r", src);
		return file_push_dir(f, src, dst, &st, depth, err);
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(src, link, sizeof(link) - 1);
		if (n < 0)
			return lxf_err_sys(err, LXF_EIO, errno, "readlink %s", src);
		link[n] = '\0';
		return file_post(f, dst, "symlink", -1, link, -1, f->uid, f->gid, err);
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(f->ctx->err, "Warning: skipping %s: not a file, directory or symlink\n",
			src);
		return 0;
	}
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "open %s", src);
	rc = file_post(f, dst, "file", fd, NULL, f->mode >= 0 ? f->mode : (int)(st.st_mode & 07777),
		       f->uid, f->gid, err);
	(void)close(fd);
	return rc;
}

/* Parses [REMOTE:]INSTANCE/PATH into f (client, instance) and *path. */
static int file_open_target(struct file_ctx *f, const char *arg, char **path, struct lxf_err *err)
{
	char *rest = NULL;
	int rc;

	*path = NULL;
	lxf_client_free(f->c);
	f->c = NULL;
	free(f->inst);
	f->inst = NULL;
	rc = lxf_cmd_target_inst(f->ctx, arg, &f->c, &rest, err);
	if (rc == 0)
		rc = lxf_args_split_path(rest, &f->inst, path, err);
	free(rest);
	return rc;
}

static int file_opts(const struct lxf_cmd_args *args, struct file_ctx *f, struct lxf_err *err)
{
	const char *v;

	f->uid = f->gid = -1;
	f->mode = -1;
	f->recursive = lxf_args_has(args, 'r');
	f->parents = lxf_args_has(args, 'p');
	if ((v = lxf_args_get(args, LXF_OPT_UID)) && lxf_args_id(v, "uid", &f->uid, err) != 0)
		return -LXF_EUSAGE;
	if ((v = lxf_args_get(args, LXF_OPT_GID)) && lxf_args_id(v, "gid", &f->gid, err) != 0)
		return -LXF_EUSAGE;
	if ((v = lxf_args_get(args, LXF_OPT_MODE)) && lxf_args_mode(v, &f->mode, err) != 0)
		return -LXF_EUSAGE;
	return 0;
}

static int file_done(const struct lxf_cmd *self, struct file_ctx *f, int rc,
		     const struct lxf_err *err)
{
	struct lxf_cmd_ctx *ctx = f->ctx;

	lxf_client_free(f->c);
	free(f->inst);
	if (rc == 0)
		return LXF_EXIT_OK;
	return lxf_cmd_error(self, ctx, err);
}

static int cmd_file_push(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	struct file_ctx f = {.ctx = ctx};
	struct lxf_err err = {0};
	char *tpath = NULL, *dst = NULL, *b = NULL;
	int nsrc = args->argc - 1, rc;
	bool into_dir;

	rc = file_opts(args, &f, &err);
	if (rc == 0)
		rc = file_open_target(&f, args->argv[nsrc], &tpath, &err);
	if (rc)
		goto out;
	into_dir = nsrc > 1 || f.recursive || tpath[strlen(tpath) - 1] == '/';
	for (int i = 0; i < nsrc && rc == 0; i++) {
		b = file_base(args->argv[i]);
		dst = into_dir ? (b ? file_join(tpath, b) : NULL) : strdup(tpath);
		if (!dst) {
			rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			break;
		}
		if (f.parents)
			rc = file_mkdir_parents(&f, dst, &err);
		if (rc == 0)
			rc = file_push_one(&f, args->argv[i], dst, 0, &err);
		free(b);
		free(dst);
		b = dst = NULL;
	}
out:
	free(tpath);
	return file_done(self, &f, rc, &err);
}

static int file_pull_one(struct file_ctx *f, const char *src, const char *dst, int depth,
			 struct lxf_err *err);

/* A directory listing (JSON array of names) pulled recursively into dst. */
static int file_pull_dir(struct file_ctx *f, const char *src, const char *dst,
			 struct json_object *list, int mode, int depth, struct lxf_err *err)
{
	char *s = NULL, *t = NULL;
	int rc = 0;

	if (!f->recursive)
		return lxf_err_set(err, LXF_EINVAL, "%s/%s is a directory: use -r", f->inst,
				   src + 1);
	if (mkdir(dst, mode >= 0 ? (mode_t)mode : 0755) != 0 && errno != EEXIST)
		return lxf_err_sys(err, LXF_EIO, errno, "mkdir %s", dst);
	for (size_t i = 0; list && json_object_is_type(list, json_type_array) &&
			   i < json_object_array_length(list) && rc == 0;
	     i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(list, i));

		if (!n || !*n || strchr(n, '/') || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue; /* never let the server steer us out of dst */
		s = file_join(src, n);
		t = file_join(dst, n);
		if (!s || !t)
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory or path too long");
		else
			rc = file_pull_one(f, s, t, depth + 1, err);
		free(s);
		free(t);
	}
	return rc;
}

static int file_pull_one(struct file_ctx *f, const char *src, const char *dst, int depth,
			 struct lxf_err *err)
{
	struct lxf_file_tmp tmp = {-1, NULL};
	struct lxf_response resp = {0};
	char url[FILE_URL_MAX];
	int rc;

	if (depth > FILE_DEPTH)
		return lxf_err_set(err, LXF_EINVAL, "%s: nested deeper than %d", src, FILE_DEPTH);
	rc = file_url(url, f->inst, src, err);
	if (rc)
		goto out;
	if (strcmp(dst, "-") == 0) {
		rc = lxf_client_download(f->c, url, STDOUT_FILENO, &resp, err);
		if (rc == 0 && !resp.streamed)
			rc = lxf_err_set(err, LXF_EINVAL, "%s/%s is not a file", f->inst, src + 1);
		goto out;
	}
	/* Into a temporary file beside dst, renamed when complete. */
	if (lxf_file_tmp_open(&tmp, "%s.lxf-", dst) != 0) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "cannot create %s", dst);
		goto out;
	}
	rc = lxf_client_download(f->c, url, tmp.fd, &resp, err);
	if (rc) {
		lxf_err_prefix(err, "%s/%s", f->inst, src + 1);
		goto out;
	}
	if (resp.streamed) {
		if (resp.file_mode >= 0 && fchmod(tmp.fd, (mode_t)resp.file_mode & 07777) != 0)
			rc = lxf_err_sys(err, LXF_EIO, errno, "chmod %s", dst);
		else if (lxf_file_tmp_commit(&tmp, -1, dst) != 0)
			rc = lxf_err_sys(err, LXF_EIO, errno, "writing %s", dst);
		goto out;
	}
	if (strcmp(resp.file_type, "symlink") == 0) {
		(void)unlink(dst);
		if (symlink(lxf_buf_str(&resp.body), dst) != 0)
			rc = lxf_err_sys(err, LXF_EIO, errno, "symlink %s", dst);
		goto out;
	}
	rc = file_pull_dir(f, src, dst, resp.metadata, resp.file_mode, depth, err);
out:
	lxf_file_tmp_fini(&tmp);
	lxf_response_fini(&resp);
	return rc;
}

static int cmd_file_pull(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	const char *target = args->argv[args->argc - 1];
	struct file_ctx f = {.ctx = ctx};
	struct lxf_err err = {0};
	char *spath = NULL, *dst = NULL, *b = NULL, *parent = NULL;
	int nsrc = args->argc - 1, rc;
	struct stat st;
	bool into_dir;

	rc = file_opts(args, &f, &err);
	if (rc)
		goto out;
	if (strcmp(target, "-") == 0 && (nsrc > 1 || f.recursive)) {
		rc = lxf_err_set(&err, LXF_EUSAGE, "'-' takes exactly one file");
		goto out;
	}
	if (f.parents && strcmp(target, "-") != 0) {
		parent = strdup(target);
		if (!parent || lxf_mkdir_p(nsrc > 1 || f.recursive ? target : dirname(parent), 0755,
					   &err) != 0) {
			rc = parent ? -err.code : lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	into_dir = strcmp(target, "-") != 0 && stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	if (nsrc > 1 && !into_dir) {
		rc = lxf_err_set(&err, LXF_EINVAL, "%s is not a directory", target);
		goto out;
	}
	for (int i = 0; i < nsrc && rc == 0; i++) {
		rc = file_open_target(&f, args->argv[i], &spath, &err);
		if (rc)
			break;
		b = file_base(spath);
		dst = into_dir ? (b ? file_join(target, b) : NULL) : strdup(target);
		if (!dst)
			rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		else
			rc = file_pull_one(&f, spath, dst, 0, &err);
		free(b);
		free(dst);
		free(spath);
		b = dst = spath = NULL;
	}
out:
	free(parent);
	return file_done(self, &f, rc, &err);
}

static int cmd_file_delete(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	struct file_ctx f = {.ctx = ctx};
	struct lxf_err err = {0};
	char url[FILE_URL_MAX], *path = NULL;
	int rc = 0;

	for (int i = 0; i < args->argc && rc == 0; i++) {
		rc = file_open_target(&f, args->argv[i], &path, &err);
		if (rc == 0)
			rc = file_url(url, f.inst, path, &err);
		if (rc == 0)
			rc = lxf_client_do(f.c, "DELETE", url, NULL, NULL, &err);
		free(path);
		path = NULL;
	}
	return file_done(self, &f, rc, &err);
}

#define FILE_OWNER_OPTS                                                                            \
	{"uid", LXF_OPT_UID, required_argument, "UID", "Owner of the new files"},                  \
	    {"gid", LXF_OPT_GID, required_argument, "GID", "Group of the new files"},              \
	{                                                                                          \
		"mode", LXF_OPT_MODE, required_argument, "MODE",                                   \
		    "Octal mode of the new files (default: the source's)"                          \
	}

const struct lxf_cmd lxf_cmd_file_push_entry = {
    .name = "file push",
    .usage = "[-r] [-p] [--uid UID] [--gid GID] [--mode MODE] SOURCE... "
	     "[REMOTE:]INSTANCE/PATH",
    .summary = "Copy local files into an instance",
    .min_args = 2,
    .max_args = -1,
    .opts =
	{
	    {"recursive", 'r', no_argument, NULL, "Copy directories recursively"},
	    {"create-dirs", 'p', no_argument, NULL, "Create missing parent directories"},
	    FILE_OWNER_OPTS,
	},
    .exec = cmd_file_push,
};

const struct lxf_cmd lxf_cmd_file_pull_entry = {
    .name = "file pull",
    .usage = "[-r] [-p] [REMOTE:]INSTANCE/PATH... TARGET",
    .summary = "Copy files out of an instance (TARGET '-': stdout)",
    .min_args = 2,
    .max_args = -1,
    .opts =
	{
	    {"recursive", 'r', no_argument, NULL, "Copy directories recursively"},
	    {"create-dirs", 'p', no_argument, NULL, "Create missing local directories"},
	},
    .exec = cmd_file_pull,
};

const struct lxf_cmd lxf_cmd_file_delete_entry =
    LXF_CMD_ENTRY("file delete", "file rm", "[REMOTE:]INSTANCE/PATH...",
		  "Delete files in an instance", 1, -1, LXF_CMD_T_NONE, 0, cmd_file_delete, {0});
