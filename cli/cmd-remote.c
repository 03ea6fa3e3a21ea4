/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf remote list|remove|rename|switch|get-default|set-url: edits of
 * config.yml, each loaded, changed in memory and saved atomically. `remote
 * add` (the HTTPS trust flow) is cmd-remote-add.c, `remote import-lxc`
 * cmd-remote-import.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fleet.h"
#include "json.h"
#include "obj.h"
#include "output.h"

/* Saves, or reports why not; the file on disk is unchanged on failure. */
static int cmd_remote_save(struct lxf_cmd_ctx *ctx, int rc, struct lxf_err *err)
{
	if (rc == 0)
		rc = lxf_remotes_save(ctx->remotes, err);
	return rc ? lxf_cmd_fail(ctx, err) : LXF_EXIT_OK;
}

/*
 * Says which groups a removed (to NULL) or renamed remote was in, once the
 * change is saved: groups.c drops or renames it there, which the user did
 * not name. groups: the list lxf_remotes_groups_of gave before the change.
 */
static void cmd_remote_groups_note(struct lxf_cmd_ctx *ctx, const char *name, const char *to,
				   size_t n, const char *groups)
{
	if (n == 0)
		return;
	if (to)
		fprintf(ctx->err, "Renamed '%s' to '%s' in group%s %s\n", name, to,
			n > 1 ? "s" : "", groups);
	else
		fprintf(ctx->err, "Removed '%s' from group%s %s\n", name, n > 1 ? "s" : "", groups);
}

/* Says which groups had name as their only member: removing it removed them. */
static void cmd_remote_groups_emptied(struct lxf_cmd_ctx *ctx, const char *name,
				      struct json_object *before)
{
	if (!before)
		return;
	json_object_object_foreach(before, key, val)
	{
		if (json_object_array_length(val) == 1 &&
		    strcmp(json_object_get_string(json_object_array_get_idx(val, 0)), name) == 0)
			fprintf(ctx->err, "Group '%s' is empty and was removed\n", key);
	}
}

static int cmd_remote_remove(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	char crt[4096], groups[256];
	size_t ng = lxf_remotes_groups_of(ctx->remotes, args->argv[0], groups, sizeof(groups));
	/* A copy: removing the remote edits the groups in place. */
	struct json_object *before =
	    ctx->remotes->groups ? lxf_json_copy(ctx->remotes->groups) : NULL;
	int st;

	(void)self;
	/* The pin goes with the remote, so that adding it again asks afresh (as lxc). */
	if (lxf_remotes_servercert_path(ctx->remotes, args->argv[0], crt, sizeof(crt), &err) != 0)
		crt[0] = '\0';
	st = cmd_remote_save(ctx, lxf_remotes_remove(ctx->remotes, args->argv[0], &err), &err);
	if (st == LXF_EXIT_OK && crt[0])
		(void)unlink(crt);
	if (st == LXF_EXIT_OK) {
		cmd_remote_groups_note(ctx, args->argv[0], NULL, ng, groups);
		cmd_remote_groups_emptied(ctx, args->argv[0], before);
	}
	if (before)
		json_object_put(before);
	return st;
}

static int cmd_remote_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	char from[4096], to[4096], groups[256];
	size_t ng = lxf_remotes_groups_of(ctx->remotes, args->argv[0], groups, sizeof(groups));
	int st;

	(void)self;
	if (lxf_remotes_servercert_path(ctx->remotes, args->argv[0], from, sizeof(from), &err) !=
		0 ||
	    lxf_remotes_servercert_path(ctx->remotes, args->argv[1], to, sizeof(to), &err) != 0)
		from[0] = '\0';
	st = cmd_remote_save(
	    ctx, lxf_remotes_rename(ctx->remotes, args->argv[0], args->argv[1], &err), &err);
	/* The pinned certificate follows the name it is looked up by. */
	if (st == LXF_EXIT_OK && from[0] && access(from, F_OK) == 0 && rename(from, to) != 0)
		fprintf(ctx->err, "Warning: could not rename %s to %s\n", from, to);
	if (st == LXF_EXIT_OK)
		cmd_remote_groups_note(ctx, args->argv[0], args->argv[1], ng, groups);
	return st;
}

static int cmd_remote_switch(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	(void)self;
	return cmd_remote_save(ctx, lxf_remotes_set_default(ctx->remotes, args->argv[0], &err),
			       &err);
}

static int cmd_remote_set_url(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	(void)self;
	return cmd_remote_save(
	    ctx, lxf_remotes_set_url(ctx->remotes, args->argv[0], args->argv[1], &err), &err);
}

static int cmd_remote_get_default(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				  const struct lxf_cmd_args *args)
{
	(void)self;
	(void)args;
	fprintf(ctx->out, "%s\n", ctx->remotes->default_remote);
	return LXF_EXIT_OK;
}

/*
 * Which remotes remote list shows: *shown NULL for all (no argument), else
 * a flag per remote of ctx->remotes for those the arguments name (REMOTE,
 * @GROUP, lists of them: lxf_remotes_expand). *shown: free().
 */
static int cmd_remote_shown(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args, bool **shown,
			    struct lxf_err *err)
{
	const struct lxf_remotes *rs = ctx->remotes;
	int rc = 0;

	*shown = NULL;
	if (args->argc == 0)
		return 0;
	if (!(*shown = calloc(rs->n + 1, sizeof(**shown))))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	for (int a = 0; rc == 0 && a < args->argc; a++) {
		char **names = NULL;
		size_t n = 0;

		rc = lxf_remotes_expand(rs, args->argv[a], &names, &n, err);
		for (size_t i = 0; i < n; i++)
			(*shown)[lxf_remotes_find(rs, names[i]) - rs->v] = true;
		lxf_remotes_names_free(names, n);
	}
	return rc;
}

static int cmd_remote_list_json(struct lxf_cmd_ctx *ctx, enum lxf_fmt fmt, const bool *shown)
{
	struct json_object *root = json_object_new_object(), *o;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	for (size_t i = 0; root && i < ctx->remotes->n; i++) {
		const struct lxf_remote *r = &ctx->remotes->v[i];

		if (shown && !shown[i])
			continue;
		o = json_object_new_object();
		if (!o || json_object_object_add(root, r->name, o) != 0 ||
		    lxf_json_add_str(o, "addr", r->addr) != 0 ||
		    lxf_json_add_str(o, "protocol", r->protocol) != 0 ||
		    lxf_json_add_str(o, "auth_type", r->auth_type) != 0 ||
		    lxf_json_add_str(o, "project", r->project) != 0 ||
		    json_object_object_add(o, "public", json_object_new_boolean(r->public)) != 0 ||
		    json_object_object_add(o, "static", json_object_new_boolean(r->is_static)) !=
			0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
	}
	if (lxf_output_json(ctx->out, fmt, root, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
out:
	json_object_put(root);
	return st;
}

/* STATUS and SERVER of rem from its answer to GET /1.0 (q): malloc'ed. */
static void cmd_remote_cells(const struct lxf_remote *rem, const struct lxf_client_req *q,
			     char **status, char **server)
{
	struct json_object *env = lxf_json_path(q->resp.metadata, "environment");
	const char *sv = lxf_json_str(env, "server"), *ver = lxf_json_str(env, "server_version");

	*status = *server = NULL;
	if (!lxf_fleet_member(rem)) {
		/* The built-in local without a socket, image servers, public remotes. */
		*status = strdup(rem->is_static ? "absent" : "-");
		return;
	}
	if (!q->c || q->rc) {
		if (asprintf(status, "down: %s", q->err.msg) < 0)
			*status = NULL;
		return;
	}
	*status = strdup("up");
	if (!sv)
		*server = lxf_obj_strdup(lxf_json_str(q->resp.metadata, "auth"));
	else if (asprintf(server, "%s %s", sv, ver ? ver : "") < 0)
		*server = NULL;
}

/*
 * The table of remote list: config.yml's fields, then whether each member
 * answers GET /1.0 and its server and version, all asked at once
 * (lxf_client_request_all, the client's timeouts).
 */
static int cmd_remote_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"NAME",   "URL",    "PROTOCOL", "AUTH TYPE",
					      "PUBLIC", "STATIC", "STATUS",   "SERVER"};
	const struct lxf_remotes *rs = ctx->remotes;
	enum lxf_fmt fmt = args->fmt;
	struct lxf_client_req *q = NULL;
	struct lxf_table t;
	struct lxf_err err = {0};
	size_t ncols = fmt == LXF_FMT_CSV ? 6 : 8;
	bool *shown = NULL;
	char *row[8];
	int st = LXF_EXIT_OK;

	(void)self;
	lxf_table_init(&t, ncols, headers);
	if (cmd_remote_shown(ctx, args, &shown, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		st = cmd_remote_list_json(ctx, fmt, shown);
		goto out;
	}
	q = calloc(rs->n + 1, sizeof(*q));
	if (!q)
		goto nomem;
	/* CSV stays config.yml's: scripts and the completion read it without waiting. */
	for (size_t i = 0; ncols == 8 && i < rs->n; i++) {
		q[i].method = "GET";
		q[i].path = "/1.0";
		q[i].last = true;
		if (lxf_fleet_member(&rs->v[i]) && (!shown || shown[i]))
			q[i].rc = lxf_remotes_client(rs, &rs->v[i], &q[i].c, &q[i].err);
	}
	if (ncols == 8 && lxf_client_request_all(q, rs->n) != 0)
		goto nomem;
	for (size_t i = 0; i < ctx->remotes->n; i++) {
		const struct lxf_remote *r = &ctx->remotes->v[i];
		bool cur = strcmp(r->name, ctx->remotes->default_remote) == 0;

		if (shown && !shown[i])
			continue;
		if (asprintf(&row[0], "%s%s", r->name, cur ? " (current)" : "") < 0)
			row[0] = NULL;
		row[1] = strdup(r->addr);
		row[2] = strdup(r->protocol);
		row[3] = strdup(r->auth_type);
		row[4] = strdup(r->public ? "YES" : "NO");
		row[5] = strdup(r->is_static ? "YES" : "NO");
		if (ncols == 8)
			cmd_remote_cells(r, &q[i], &row[6], &row[7]);
		if (lxf_table_add_row(&t, row) != 0)
			goto nomem;
	}
	lxf_table_print(ctx->out, fmt, &t, false);
	goto out;
nomem:
	lxf_err_set(&err, LXF_ENOMEM, "out of memory");
	st = lxf_cmd_fail(ctx, &err);
out:
	for (size_t i = 0; q && i < rs->n; i++) {
		lxf_response_fini(&q[i].resp);
		lxf_client_free(q[i].c);
	}
	free(q);
	free(shown);
	lxf_table_fini(&t);
	return st;
}

const struct lxf_cmd lxf_cmd_remote_list_entry =
    LXF_CMD_ENTRY("remote list", "remote ls", "[REMOTE|@GROUP...] [-f FORMAT]",
		  "List the remotes (or those named)", 0, -1, LXF_CMD_T_NONE, LXF_CMD_F_FORMAT,
		  cmd_remote_list, {0});

const struct lxf_cmd lxf_cmd_remote_remove_entry =
    LXF_CMD_ENTRY("remote remove", "remote rm", "NAME", "Remove a remote", 1, 1, LXF_CMD_T_NONE, 0,
		  cmd_remote_remove, {0});

const struct lxf_cmd lxf_cmd_remote_rename_entry =
    LXF_CMD_ENTRY("remote rename", "remote mv", "OLD NEW", "Rename a remote", 2, 2, LXF_CMD_T_NONE,
		  0, cmd_remote_rename, {0});

const struct lxf_cmd lxf_cmd_remote_switch_entry =
    LXF_CMD_ENTRY("remote switch", NULL, "NAME", "Make a remote the default one", 1, 1,
		  LXF_CMD_T_NONE, 0, cmd_remote_switch, {0});

const struct lxf_cmd lxf_cmd_remote_get_default_entry =
    LXF_CMD_ENTRY("remote get-default", NULL, "", "Show the default remote", 0, 0, LXF_CMD_T_NONE,
		  0, cmd_remote_get_default, {0});

const struct lxf_cmd lxf_cmd_remote_set_url_entry =
    LXF_CMD_ENTRY("remote set-url", NULL, "NAME URL", "Change a remote's address", 2, 2,
		  LXF_CMD_T_NONE, 0, cmd_remote_set_url, {0});
