/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /1.0/instances with source {"type": "copy", "source": NAME,
 * "instance_only": B}: a copy of a stopped instance on this host (LXD's
 * createFromCopy; `lxf copy h1:c1 h1:c2`). The new instance gets the
 * source's config (volatile.* left out), devices and profiles unless the
 * request gives its own; its rootfs and, unless instance_only, its
 * snapshots (files and rows) are copied with cp -a. Both are on one host
 * with one id map, so owners are copied as they are. Any failure removes
 * what was made of the copy; the source is only read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "backend_config.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "instance.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "migrate.h"
#include "migrate_int.h"
#include "op.h"
#include "router.h"

#define CP_PATH "/bin/cp"

struct copy_arg {
	char name[64], src[64];
	bool instance_only, start;
	struct json_object *config, *devices; /* expanded */
};

static void copy_arg_free(void *p)
{
	struct copy_arg *a = p;

	if (!a)
		return;
	json_object_put(a->config);
	json_object_put(a->devices);
	free(a);
}

/* cp -a --reflink=auto -- from to; stderr is not kept (the exit status is). */
static int run_cp(const char *from, const char *to, struct lxf_err *err)
{
	char *const argv[] = {"cp", "-a", "--reflink=auto", "--", (char *)from, (char *)to, NULL};
	char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
	posix_spawn_file_actions_t fa;
	int rc, status = 0;
	pid_t pid;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0))
		rc = ENOMEM;
	else
		rc = posix_spawn(&pid, CP_PATH, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return lxf_err_sys(err, LXF_EIO, rc, "Cannot run " CP_PATH);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return lxf_err_sys(err, LXF_EIO, errno, "Cannot wait for " CP_PATH);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return lxf_err_set(err, LXF_EIO, "Copying %s failed (cp status %d)", from,
				   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* The files: rootfs contents into the new (empty) rootfs, then snapshots. */
static int copy_files(const struct copy_arg *a, struct lxf_err *err)
{
	char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	struct stat st;
	int ret;

	if (backend_dir(dir, sizeof(dir)) < 0)
		return lxf_err_set(err, LXF_EINTERNAL, "Backend not initialised");
	if (snprintf(from, sizeof(from), "%s/containers/%s/rootfs/.", dir, a->src) >=
		(int)sizeof(from) ||
	    snprintf(to, sizeof(to), "%s/containers/%s/rootfs", dir, a->name) >= (int)sizeof(to))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	ret = run_cp(from, to, err);
	if (ret < 0 || a->instance_only)
		return ret;
	if (snprintf(from, sizeof(from), "%s/snapshots/%s", dir, a->src) >= (int)sizeof(from) ||
	    snprintf(to, sizeof(to), "%s/snapshots/%s", dir, a->name) >= (int)sizeof(to))
		return lxf_err_set(err, LXF_EINVAL, "Path too long");
	if (stat(from, &st) < 0)
		return 0; /* never had a snapshot */
	ret = run_cp(from, to, err);
	if (ret < 0)
		return ret;
	return db_exec(NULL, NULL, err,
		       "INSERT INTO snapshots (instance, name, architecture, config, devices,"
		       " profiles, ephemeral, stateful, created_at, expires_at, last_used_at, size,"
		       " creating) SELECT ?, name, architecture, config, devices, profiles,"
		       " ephemeral, stateful, created_at, expires_at, last_used_at, size, 0"
		       " FROM snapshots WHERE instance = ? AND creating = 0",
		       "ss", a->name, a->src);
}

static int copy_op(struct op *op, void *arg, struct json_object **md, struct lxf_err *err)
{
	struct copy_arg *a = arg;
	struct lxf_err e;
	const char *st;
	int ret;

	(void)op;
	(void)md;
	/* Checked again here: the source may have started since the request. */
	st = backend_status(a->src);
	if (!st || strcmp(st, "Stopped") != 0) {
		ret = lxf_err_set(err, LXF_EBUSY, "Instance \"%s\" must be stopped to be copied",
				  a->src);
		db_exec(NULL, NULL, NULL, "DELETE FROM instances WHERE name = ?", "s", a->name);
		return ret;
	}
	ret = backend_create(a->name, NULL, a->config, a->devices, err);
	if (ret < 0) {
		/* backend_create cleaned up (or the files are not ours: EEXIST). */
		db_exec(NULL, NULL, NULL, "DELETE FROM instances WHERE name = ?", "s", a->name);
		return ret;
	}
	ret = copy_files(a, err);
	if (ret == 0) /* the copied rootfs's owner may not be the one made */
		ret = backend_modes_instance(a->name, err);
	if (ret == 0)
		ret = db_exec(NULL, NULL, err, "UPDATE instances SET creating = 0 WHERE name = ?",
			      "s", a->name);
	if (ret < 0)
		goto fail_row;
	lxf_info("Copied instance %s to %s", a->src, a->name);
	events_lifecycle_at("instance-created", "/1.0/instances/", a->name);
	if (a->start) {
		ret = backend_start(a->name, err);
		if (ret < 0)
			return ret;
		events_lifecycle_at("instance-started", "/1.0/instances/", a->name);
	}
	return 0;
fail_row:
	/* Row, snapshot rows (ON DELETE CASCADE) and whatever files were made. */
	(void)journal_instance_delete(a->name, &e);
	return ret;
}

int migrate_copy_post(struct http_req *req, struct json_object *body, struct lxf_err *err)
{
	struct json_object *source = NULL, *config = NULL, *devices = NULL, *profiles = NULL;
	struct json_object *row = NULL, *own_config = NULL, *src_config = NULL, *src_devices = NULL;
	struct copy_arg *a = NULL;
	const char *name = NULL, *src = NULL, *desc = NULL, *st;
	struct instance_new ni;
	struct op *op = NULL;
	char url[128];
	bool ephemeral = false;
	int ret;

	if (!(a = calloc(1, sizeof(*a))))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (lxf_json_get_string(body, "name", true, &name, err) < 0 ||
	    lxf_json_get_string(body, "description", false, &desc, err) < 0 ||
	    lxf_json_get_object(body, "source", true, &source, err) < 0 ||
	    lxf_json_get_string(source, "source", true, &src, err) < 0 ||
	    lxf_json_get_bool(source, "instance_only", false, &a->instance_only, err) < 0 ||
	    lxf_json_get_object(body, "config", false, &config, err) < 0 ||
	    lxf_json_get_object(body, "devices", false, &devices, err) < 0 ||
	    lxf_json_get_array(body, "profiles", false, &profiles, err) < 0 ||
	    lxf_json_get_bool(body, "ephemeral", false, &ephemeral, err) < 0 ||
	    lxf_json_get_bool(body, "start", false, &a->start, err) < 0) {
		ret = -LXF_EINVAL;
		goto out;
	}
	if (strchr(src, '/')) {
		ret = lxf_err_set(err, LXF_ENOTSUP, "Copying from a snapshot is not supported");
		goto out;
	}
	ret = db_row(&row, "Instance", err,
		     "SELECT * FROM instances WHERE name = ? AND creating = 0", "s", src);
	if (ret < 0)
		goto out;
	st = backend_status(src);
	if (!st || strcmp(st, "Stopped") != 0) {
		ret = lxf_err_set(err, LXF_EBUSY, "Instance \"%s\" must be stopped to be copied",
				  src);
		goto out;
	}
	if (!config)
		config = own_config =
		    lxf_json_without_prefix(json_object_object_get(row, "config"), "volatile.");
	if (!devices)
		devices = json_object_object_get(row, "devices");
	if (!profiles)
		profiles = json_object_object_get(row, "profiles");
	if (!config || (lxf_json_check_string_map(config, "config", err) < 0) ||
	    instance_check_devices(devices, err) < 0) {
		ret = config ? -LXF_EINVAL : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	ret = instance_expand(profiles, config, devices, &a->config, &a->devices, err);
	if (ret == 0)
		ret = bcfg_validate(a->config, a->devices, err);
	if (ret < 0)
		goto out;
	/* The files keep their owners: the copy must use the source's id map. */
	ret = instance_expand_row(row, &src_config, &src_devices, err);
	if (ret < 0)
		goto out;
	if (bcfg_privileged(src_config) != bcfg_privileged(a->config)) {
		ret = lxf_err_set(err, LXF_ENOTSUP,
				  "A copy cannot change security.privileged (the files keep their "
				  "owners)");
		goto out;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->src, sizeof(a->src), "%s", src);
	ni = (struct instance_new){
	    .name = name,
	    .description = desc ? desc : lxf_json_str(row, "description"),
	    .architecture = lxf_json_str(row, "architecture"),
	    .config = config,
	    .devices = devices,
	    .profiles = profiles,
	    .ephemeral = ephemeral,
	};
	ret = instance_create(&ni, err);
	if (ret < 0)
		goto out;
	instance_url(name, url, sizeof(url));
	op = op_run("Creating instance", "instances", url, copy_op, a, copy_arg_free, err);
	a = NULL; /* the op's now, whatever happened */
	if (!op) {
		instance_create_undo(name);
		ret = -err->code;
		goto out;
	}
	ret = mig_async(req, op, err);
out:
	op_unref(op);
	copy_arg_free(a);
	json_object_put(row);
	json_object_put(own_config);
	json_object_put(src_config);
	json_object_put(src_devices);
	return ret;
}
