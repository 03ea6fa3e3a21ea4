/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf operation list|show|delete: background operations of a remote, as
 * generic object verbs (obj-verbs.c).
 */
#include "cmd.h"
#include "obj.h"

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

static const struct lxf_obj_desc op_desc = {
    .collection = "operations",
    .cols = {{"ID", LXF_CELL_STR, "id"},
	     {"TYPE", LXF_CELL_STR, "class"},
	     {"DESCRIPTION", LXF_CELL_STR, "description"},
	     {"STATUS", LXF_CELL_UPPER, "status"},
	     {"CANCELABLE", LXF_CELL_YES_NO, "may_cancel"},
	     {"CREATED", LXF_CELL_TIME, "created_at"}},
    .rows = op_flatten,
};

const struct lxf_cmd lxf_cmd_operation_list_entry = LXF_OBJ_FLEET_LIST_ENTRY(
    "operation", "[REMOTE:...]", "List the background operations of every remote", &op_desc);
const struct lxf_cmd lxf_cmd_operation_show_entry =
    LXF_OBJ_ENTRY("operation show", NULL, "[REMOTE:]ID", "Show an operation as YAML", 1, 1,
		  lxf_obj_show, &op_desc);
const struct lxf_cmd lxf_cmd_operation_delete_entry = {
    .name = "operation delete",
    .aliases = {"operation rm", "operation cancel"},
    .usage = "[REMOTE:]ID...",
    .summary = "Cancel operations",
    .min_args = 1,
    .max_args = -1,
    .exec = lxf_obj_delete,
    .obj = &op_desc,
};
