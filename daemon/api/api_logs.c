/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /1.0/instances/{name}/logs[/{file}]: the files of the instance's log
 * directory (DIR/logs/<name>/: lxc.log, console.log when present). The
 * router already refuses names with '/' and "."/".."; files are opened
 * O_NOFOLLOW relative to the directory and must be regular.
 */
#include <dirent.h>
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
#include "http.h"

#define LOGS_MAX 1000

/* The instance's log directory, opened O_DIRECTORY. */
static int open_logdir(struct http_req *req, int *dfd, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *row = NULL;
	char path[PATH_MAX], *slash;
	int ret;

	*dfd = -1;
	ret = db_row(&row, "Instance", err,
		     "SELECT name FROM instances WHERE name = ? AND creating = 0", "s", name);
	json_object_put(row);
	if (ret < 0)
		return ret;
	if (backend_log_path(name, path, sizeof(path)) < 0 || !(slash = strrchr(path, '/')))
		return lxf_err_set(err, LXF_EINVAL, "Bad instance name");
	*slash = '\0';
	*dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0 && errno != ENOENT)
		return lxf_err_sys(err, LXF_EIO, errno, "Cannot open the log directory");
	return 0; /* no directory yet: no logs */
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
		      json_object_get_string(*(struct json_object *const *)b));
}

int api_logs_get(struct http_req *req, struct lxf_err *err)
{
	const char *name = router_param(&req->match, "name");
	struct json_object *arr = json_object_new_array();
	struct dirent *de;
	DIR *d = NULL;
	int dfd = -1, ret;

	if (!arr)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ret = open_logdir(req, &dfd, err);
	if (ret < 0 || dfd < 0)
		goto done;
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot read the log directory");
		goto done;
	}
	while ((de = readdir(d)) && json_object_array_length(arr) < LOGS_MAX) {
		struct stat st;
		char url[512];
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		/* LXD lists the files as URLs. */
		snprintf(url, sizeof(url), "/1.0/instances/%s/logs/%s", name, de->d_name);
		json_object_array_add(arr, json_object_new_string(url));
	}
	json_object_array_sort(arr, cmp_str);
done:
	if (d)
		closedir(d);
	if (ret == 0) {
		ret = reply_sync(req, arr, err);
		arr = NULL;
	}
	json_object_put(arr);
	return ret;
}

/* Opens file of the log dir (regular, not a symlink) for reading. */
static int open_log(int dfd, const char *file, int *fd, struct stat *st, struct lxf_err *err)
{
	int f = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	*fd = -1;
	if (f < 0)
		return errno == ENOENT || errno == ELOOP
			   ? lxf_err_set(err, LXF_ENOENT, "Log file \"%s\" not found", file)
			   : lxf_err_sys(err, LXF_EIO, errno, "Cannot open log file \"%s\"", file);
	if (fstat(f, st) < 0 || !S_ISREG(st->st_mode)) {
		close(f);
		return lxf_err_set(err, LXF_ENOENT, "Log file \"%s\" not found", file);
	}
	*fd = f;
	return 0;
}

int api_log_get(struct http_req *req, struct lxf_err *err)
{
	const char *file = router_param(&req->match, "file");
	struct stat st;
	int dfd = -1, fd = -1, ret;

	memset(&st, 0, sizeof(st));
	ret = open_logdir(req, &dfd, err);
	if (ret < 0)
		return ret;
	if (dfd < 0)
		return lxf_err_set(err, LXF_ENOENT, "Log file \"%s\" not found", file);
	ret = open_log(dfd, file, &fd, &st, err);
	close(dfd);
	if (ret < 0)
		return ret;
	return reply_sync_fd(req, fd, "text/plain", "log file", err);
}

int api_log_delete(struct http_req *req, struct lxf_err *err)
{
	const char *file = router_param(&req->match, "file");
	struct stat st;
	int dfd = -1, fd = -1, ret;

	if (strcmp(file, "lxc.log") == 0)
		return lxf_err_set(err, LXF_EINVAL, "lxc.log can't be deleted");
	ret = open_logdir(req, &dfd, err);
	if (ret < 0)
		return ret;
	if (dfd < 0)
		return lxf_err_set(err, LXF_ENOENT, "Log file \"%s\" not found", file);
	ret = open_log(dfd, file, &fd, &st, err);
	if (ret == 0) {
		close(fd);
		if (unlinkat(dfd, file, 0) < 0)
			ret =
			    lxf_err_sys(err, LXF_EIO, errno, "Cannot delete log file \"%s\"", file);
	}
	close(dfd);
	if (ret == 0)
		ret = reply_sync(req, json_object_new_object(), err);
	return ret;
}
