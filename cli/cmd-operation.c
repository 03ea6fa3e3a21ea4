/* SPDX-License-Identifier: Apache-2.0 */
/* lxf operation list|show|delete: background operations of a remote. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "list.h"
#include "obj.h"
#include "output.h"

/* Flattens LXD's {"running":[...],"success":[...]} (or a plain array) into one new array. */
static struct json_object *op_flatten(struct json_object *md)
{
	struct json_object *all = json_object_new_array();

	if (!all || !md)
		return all;
	if (json_object_is_type(md, json_type_array)) {
		json_object_put(all);
		return json_object_get(md);
	}
	if (!json_object_is_type(md, json_type_object))
		return all;
	json_object_object_foreach(md, status, list)
	{
		(void)status;
		for (size_t i = 0; list && json_object_is_type(list, json_type_array) &&
				   i < json_object_array_length(list);
		     i++)
			json_object_array_add(all,
					      json_object_get(json_object_array_get_idx(list, i)));
	}
	return all;
}

static int cmd_operation_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"ID",     "TYPE",       "DESCRIPTION",
					      "STATUS", "CANCELABLE", "CREATED"};
	struct json_object *all = NULL;
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	char *rest = NULL, *row[6], tmp[64];
	int st, fmt;

	st = lxf_obj_fmt(self, ctx, args, &fmt);
	if (st)
		return st;
	lxf_table_init(&t, 6, headers);
	if ((args->argc ? lxf_cmd_target(ctx, args->argv[0], false, &c, &rest, &err)
			: lxf_cmd_client(ctx, NULL, &c, &err)) != 0)
		goto fail;
	if (rest && *rest) {
		st = lxf_cmd_usage_error(self, ctx, "want REMOTE:, got '%s'", args->argv[0]);
		goto out;
	}
	if (lxf_client_request(c, "GET", "/1.0/operations?recursion=1", NULL, &resp, &err) != 0)
		goto fail;
	all = op_flatten(resp.metadata);
	if (!all) {
		lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		if (lxf_output_json(ctx->out, (enum lxf_fmt)fmt, all, &err) != 0)
			goto fail;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(all); i++) {
		struct json_object *op = json_object_array_get_idx(all, i);
		const char *status = lxf_json_str(op, "status");
		bool may = false;

		(void)lxf_json_get_bool(op, "may_cancel", false, &may, NULL);
		row[0] = lxf_obj_strdup(lxf_json_str(op, "id"));
		row[1] = lxf_obj_strdup(lxf_json_str(op, "class"));
		row[2] = lxf_obj_strdup(lxf_json_str(op, "description"));
		row[3] = lxf_obj_strdup(status);
		for (char *p = row[3]; p && *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		row[4] = strdup(may ? "YES" : "NO");
		lxf_list_format_time(lxf_json_str(op, "created_at"), tmp, sizeof(tmp));
		row[5] = strdup(tmp);
		if (lxf_table_add_row(&t, row) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			goto fail;
		}
	}
	lxf_table_print(ctx->out, (enum lxf_fmt)fmt, &t, false);
	goto out;
fail:
	st = lxf_cmd_fail(ctx, &err);
out:
	if (all)
		json_object_put(all);
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(rest);
	return st;
}

/* show and delete: [REMOTE:]ID. */
static int op_one(struct lxf_cmd_ctx *ctx, const char *arg, const char *method,
		  struct json_object **out, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	char *id = NULL, path[1024];
	int rc;

	rc = lxf_cmd_target(ctx, arg, true, &c, &id, err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), "operations", id, NULL, err);
	if (rc == 0)
		rc = lxf_client_request(c, method, path, NULL, &resp, err);
	if (rc == 0 && out)
		*out = resp.metadata ? json_object_get(resp.metadata) : NULL;
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(id);
	return rc;
}

static int cmd_operation_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args)
{
	struct json_object *op = NULL;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	(void)self;
	if (op_one(ctx, args->argv[0], "GET", &op, &err) != 0 ||
	    lxf_obj_print_yaml(ctx->out, op, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
	if (op)
		json_object_put(op);
	return st;
}

static int cmd_operation_delete(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
				const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	(void)self;
	for (int i = 0; i < args->argc; i++) {
		lxf_err_clear(&err);
		if (op_one(ctx, args->argv[i], "DELETE", NULL, &err) != 0)
			st = lxf_cmd_fail(ctx, &err);
	}
	return st;
}

const struct lxf_cmd lxf_cmd_operation_list_entry = {
    .name = "operation list",
    .aliases = {"operation ls"},
    .usage = "[REMOTE:] [-f FORMAT]",
    .summary = "List background operations",
    .min_args = 0,
    .max_args = 1,
    .opts = {{"format", 'f', required_argument, "FORMAT", "table, csv, json, yaml or compact"}},
    .exec = cmd_operation_list,
};

const struct lxf_cmd lxf_cmd_operation_show_entry = {
    .name = "operation show",
    .usage = "[REMOTE:]ID",
    .summary = "Show an operation as YAML",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_operation_show,
};

const struct lxf_cmd lxf_cmd_operation_delete_entry = {
    .name = "operation delete",
    .aliases = {"operation rm", "operation cancel"},
    .usage = "[REMOTE:]ID...",
    .summary = "Cancel operations",
    .min_args = 1,
    .max_args = -1,
    .exec = cmd_operation_delete,
};
