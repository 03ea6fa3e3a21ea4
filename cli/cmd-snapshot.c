/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf snapshot [REMOTE:]NAME [SNAP] (or --all [REMOTES] [FILTER...], each.h)
 * and lxf restore [REMOTE:]NAME SNAP,
 * plus the snapshot table of `lxf info` and the snapshot deletion of
 * `lxf delete NAME/SNAP`.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "each.h"
#include "json.h"
#include "list.h"
#include "output.h"
#include "snap.h"

int lxf_snap_path(char *buf, size_t len, const char *name, const char *snap, struct lxf_err *err)
{
	char *esc = NULL;
	size_t l;
	int rc;

	rc = lxf_cmd_path(buf, len, "instances", name, "/snapshots", err);
	if (rc || !snap)
		return rc;
	esc = lxf_client_escape(snap);
	if (!esc)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	l = strlen(buf);
	if ((size_t)snprintf(buf + l, len - l, "/%s", esc) >= len - l)
		rc = lxf_err_set(err, LXF_EINVAL, "name too long");
	free(esc);
	return rc;
}

int lxf_snap_delete(struct lxf_client *c, const char *name, const char *snap, struct lxf_err *err)
{
	char path[1024];
	int rc = lxf_snap_path(path, sizeof(path), name, snap, err);

	if (rc == 0)
		rc = lxf_client_do(c, "DELETE", path, NULL, NULL, err);
	return rc;
}

void lxf_snap_print_info(FILE *f, struct lxf_client *c, const char *name)
{
	static const char *const headers[] = {"NAME", "TAKEN AT", "EXPIRES AT", "STATEFUL"};
	struct lxf_response resp = {0};
	struct lxf_err err = {0};
	struct lxf_table t;
	char path[1024], *row[4], tmp[64];
	size_t n;

	lxf_table_init(&t, 4, headers);
	/* Snapshots are an extra: a server without the endpoint just shows none. */
	if (lxf_snap_path(path, sizeof(path), name, NULL, &err) != 0)
		goto out;
	n = strlen(path);
	if ((size_t)snprintf(path + n, sizeof(path) - n, "?recursion=1") >= sizeof(path) - n)
		goto out;
	if (lxf_client_request(c, "GET", path, NULL, &resp, &err) != 0 || !resp.metadata ||
	    !json_object_is_type(resp.metadata, json_type_array))
		goto out;
	n = json_object_array_length(resp.metadata);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(resp.metadata, i);
		const char *sn = lxf_json_str(s, "name");
		bool stateful = false;

		if (!sn)
			continue;
		/* Older servers send "c1/snap0" as the name. */
		if (strchr(sn, '/'))
			sn = strchr(sn, '/') + 1;
		(void)lxf_json_get_bool(s, "stateful", false, &stateful, NULL);
		row[0] = strdup(sn);
		lxf_list_format_time(lxf_json_str(s, "created_at"), tmp, sizeof(tmp));
		row[1] = strdup(tmp);
		lxf_list_format_time(lxf_json_str(s, "expires_at"), tmp, sizeof(tmp));
		row[2] = strdup(tmp);
		row[3] = strdup(stateful ? "YES" : "NO");
		if (lxf_table_add_row(&t, row) != 0)
			goto out;
	}
	if (t.nrows) {
		fputs("\nSnapshots:\n", f);
		lxf_table_print(f, LXF_FMT_TABLE, &t, false);
	}
out:
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
}

/* Sets "stateful" from --stateful and key to value in a new body. */
static int cmd_snap_body(const struct lxf_cmd_args *args, const char *key, const char *value,
			 struct json_object **out, struct lxf_err *err)
{
	struct json_object *body = json_object_new_object();

	*out = NULL;
	if (!body || lxf_json_add_str(body, key, value) != 0 ||
	    json_object_object_add(body, "stateful",
				   json_object_new_boolean(lxf_args_has(args, LXF_OPT_STATEFUL))) !=
		0) {
		if (body)
			json_object_put(body);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	*out = body;
	return 0;
}

/*
 * The snapshot name given: the second argument, else --name (the only
 * way with --all, whose words are a selection); NULL for none.
 */
static const char *cmd_snap_name(const struct lxf_cmd_args *args)
{
	if (args->argc > 1 && !lxf_args_has(args, LXF_OPT_ALL))
		return args->argv[1];
	return lxf_args_get(args, LXF_OPT_SNAP_NAME);
}

/* The snapshot name of "lxf snapshot" and "lxf restore", if given: not empty, no '/'. */
static int cmd_snap_check(const struct lxf_cmd *self, const struct lxf_cmd_args *args,
			  struct lxf_err *err)
{
	const char *snap = cmd_snap_name(args);

	(void)self;
	if (snap && (!*snap || strchr(snap, '/')))
		return lxf_err_set(err, LXF_EUSAGE, "bad snapshot name '%s'", snap);
	return 0;
}

static int cmd_snapshot_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	const char *snap = cmd_snap_name(args);
	struct json_object *body = NULL;
	struct lxf_err err = {0};
	char path[1024];
	int rc;

	if (strchr(args->name, '/')) {
		rc = lxf_err_set(&err, LXF_EUSAGE, "'%s' is a snapshot, not an instance",
				 args->target_arg);
		goto out;
	}
	if (snap && lxf_args_has(args, LXF_OPT_REUSE)) {
		/* --reuse: replace an existing snapshot of that name. */
		rc = lxf_snap_delete(args->client, args->name, snap, &err);
		if (rc && err.code != LXF_ENOENT)
			goto out;
		lxf_err_clear(&err);
	}
	rc = cmd_snap_body(args, "name", snap ? snap : "", &body, &err);
	if (rc == 0)
		rc = lxf_snap_path(path, sizeof(path), args->name, NULL, &err);
	if (rc == 0)
		rc = lxf_client_do(args->client, "POST", path, body, NULL, &err);
out:
	if (body)
		json_object_put(body);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

static int cmd_restore_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct json_object *body = NULL;
	struct lxf_err err = {0};
	char path[1024];
	int rc;

	rc = cmd_snap_body(args, "restore", args->argv[1], &body, &err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "instances", args->name, NULL, &err);
	if (rc == 0)
		rc = lxf_client_do(args->client, "PUT", path, body, NULL, &err);
	if (body)
		json_object_put(body);
	return rc ? lxf_cmd_error(self, ctx, &err) : LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_snapshot_entry = {
    .name = "snapshot",
    .usage = "[REMOTE:]NAME [SNAPSHOT] | --all [REMOTES] [FILTER...] [--name SNAPSHOT] "
	     "[--stateful] [--reuse]",
    .summary = "Take a snapshot of an instance",
    .min_args = 1,
    .max_args = 2,
    .target = LXF_CMD_T_INSTANCE,
    .flags = LXF_CMD_F_ALL,
    .opts =
	{
	    {"stateful", LXF_OPT_STATEFUL, no_argument, NULL, "Include the running state"},
	    {"reuse", LXF_OPT_REUSE, no_argument, NULL, "Replace a snapshot of the same name"},
	    {"name", LXF_OPT_SNAP_NAME, required_argument, "SNAPSHOT",
	     "The snapshot's name, for a selection"},
	    LXF_EACH_ALL_OPTS,
	},
    .check = cmd_snap_check,
    .exec = cmd_snapshot_exec,
    .help = LXF_EACH_ALL_HELP,
};

const struct lxf_cmd lxf_cmd_restore_entry = {
    .name = "restore",
    .usage = "[REMOTE:]NAME SNAPSHOT [--stateful]",
    .summary = "Restore an instance from a snapshot",
    .min_args = 2,
    .max_args = 2,
    .target = LXF_CMD_T_INSTANCE,
    .flags = LXF_CMD_F_DESTRUCTIVE,
    .opts = {{"stateful", LXF_OPT_STATEFUL, no_argument, NULL, "Restore the running state"}},
    .check = cmd_snap_check,
    .exec = cmd_restore_exec,
};
