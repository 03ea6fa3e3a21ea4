/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf remote group add|remove|list|show|rename: the host groups of
 * config.yml (groups: {web: [h1, h2]}), written @web wherever a list of
 * remotes is taken. Each loads, edits in memory (common/client/groups.c)
 * and saves atomically, as the other remote commands do.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "output.h"

static int cmd_group_save(struct lxf_cmd_ctx *ctx, int rc, struct lxf_err *err)
{
	if (rc == 0)
		rc = lxf_remotes_save(ctx->remotes, err);
	return rc ? lxf_cmd_fail(ctx, err) : LXF_EXIT_OK;
}

/* "@web" and "web" both name group web. */
static const char *group_name(const char *arg)
{
	return lxf_remotes_is_group_spec(arg) ? arg + 1 : arg;
}

static int cmd_group_add(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	(void)self;
	return cmd_group_save(ctx,
			      lxf_remotes_group_add(ctx->remotes, group_name(args->argv[0]),
						    (const char *const *)args->argv + 1,
						    (size_t)args->argc - 1, &err),
			      &err);
}

static int cmd_group_remove(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	const char *g = group_name(args->argv[0]);
	struct lxf_err err = {0};
	bool existed = lxf_remotes_group_get(ctx->remotes, g) != NULL;
	int st;

	(void)self;
	st = cmd_group_save(ctx,
			    lxf_remotes_group_remove(ctx->remotes, g,
						     (const char *const *)args->argv + 1,
						     (size_t)args->argc - 1, &err),
			    &err);
	/* Taking out the last members removes the group: say so, it was not asked for. */
	if (st == LXF_EXIT_OK && existed && args->argc > 1 &&
	    !lxf_remotes_group_get(ctx->remotes, g))
		fprintf(ctx->err, "Group '%s' is empty and was removed\n", g);
	return st;
}

static int cmd_group_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	(void)self;
	return cmd_group_save(ctx,
			      lxf_remotes_group_rename(ctx->remotes, group_name(args->argv[0]),
						       group_name(args->argv[1]), &err),
			      &err);
}

/* "h1, h2": a group's members on one line (malloc'ed, NULL: no memory). */
static char *group_members_line(struct json_object *members)
{
	struct lxf_buf b;

	lxf_buf_init(&b, 0);
	for (size_t i = 0; i < json_object_array_length(members); i++)
		if (lxf_buf_addf(&b, "%s%s", i ? ", " : "",
				 json_object_get_string(json_object_array_get_idx(members, i))) !=
		    0) {
			lxf_buf_fini(&b);
			return NULL;
		}
	return lxf_buf_take(&b);
}

static int cmd_group_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"GROUP", "REMOTES"};
	struct json_object *groups = ctx->remotes->groups, *empty = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	char *row[2];
	int st = LXF_EXIT_OK;

	(void)self;
	if (args->fmt == LXF_FMT_JSON || args->fmt == LXF_FMT_YAML) {
		if (!groups && !(groups = empty = json_object_new_object()))
			goto nomem;
		if (lxf_output_json(ctx->out, args->fmt, groups, &err) != 0)
			st = lxf_cmd_fail(ctx, &err);
		json_object_put(empty);
		return st;
	}
	lxf_table_init(&t, 2, headers);
	if (groups) {
		json_object_object_foreach(groups, key, val)
		{
			row[0] = strdup(key);
			row[1] = group_members_line(val);
			if (lxf_table_add_row(&t, row) != 0) {
				lxf_table_fini(&t);
				goto nomem;
			}
		}
	}
	lxf_table_print(ctx->out, args->fmt, &t, false);
	lxf_table_fini(&t);
	return st;
nomem:
	lxf_err_set(&err, LXF_ENOMEM, "out of memory");
	return lxf_cmd_fail(ctx, &err);
}

static int cmd_group_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	const char *g = group_name(args->argv[0]);
	struct json_object *members = lxf_remotes_group_get(ctx->remotes, g), *o = NULL;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	(void)self;
	if (!members) {
		lxf_remotes_group_unknown(ctx->remotes, g, &err);
		return lxf_cmd_fail(ctx, &err);
	}
	o = json_object_new_object();
	if (!o || lxf_json_add_str(o, "name", g) != 0 ||
	    json_object_object_add(o, "remotes", json_object_get(members)) != 0) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		st = lxf_cmd_fail(ctx, &err);
	} else if (lxf_output_json(ctx->out, LXF_FMT_YAML, o, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
	}
	json_object_put(o);
	return st;
}

const struct lxf_cmd lxf_cmd_remote_group_add_entry =
    LXF_CMD_ENTRY("remote group add", NULL, "GROUP REMOTE...",
		  "Create a host group, or add remotes to one (then use @GROUP as a remote list)",
		  2, -1, LXF_CMD_T_NONE, 0, cmd_group_add, {0});
const struct lxf_cmd lxf_cmd_remote_group_remove_entry = LXF_CMD_ENTRY(
    "remote group remove", "remote group rm", "GROUP [REMOTE...]",
    "Remove a host group, or remotes from it", 1, -1, LXF_CMD_T_NONE, 0, cmd_group_remove, {0});
const struct lxf_cmd lxf_cmd_remote_group_list_entry =
    LXF_CMD_ENTRY("remote group list", "remote group ls", "[-f FORMAT]", "List the host groups", 0,
		  0, LXF_CMD_T_NONE, LXF_CMD_F_FORMAT, cmd_group_list, {0});
const struct lxf_cmd lxf_cmd_remote_group_show_entry =
    LXF_CMD_ENTRY("remote group show", NULL, "GROUP", "Show a host group's remotes (YAML)", 1, 1,
		  LXF_CMD_T_NONE, 0, cmd_group_show, {0});
const struct lxf_cmd lxf_cmd_remote_group_rename_entry =
    LXF_CMD_ENTRY("remote group rename", "remote group mv", "OLD NEW", "Rename a host group", 2, 2,
		  LXF_CMD_T_NONE, 0, cmd_group_rename, {0});
