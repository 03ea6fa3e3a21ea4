/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf config show|get|set|unset|edit: an instance's (or snapshot's)
 * configuration, or the server's when the target is "REMOTE:" alone, as
 * lxc config does. The generic object verbs (obj-verbs.c) do the work;
 * writes are GET + PUT with If-Match.
 */
#include "cmd.h"
#include "obj.h"

/* Instances, snapshots read-only, and the server for "REMOTE:". */
static const struct lxf_obj_desc cfg_desc = {
    .collection = "instances",
    .keys = lxf_obj_instance_keys,
    .snap_write = "snapshots cannot be changed here",
    .flags = LXF_OBJ_SERVER | LXF_OBJ_SNAPSHOT | LXF_OBJ_EXPANDED | LXF_OBJ_EDIT_RAW,
};

const struct lxf_cmd lxf_cmd_config_show_entry = LXF_OBJ_ENTRY_OPTS(
    "config show", NULL, "[[REMOTE:]NAME[/SNAPSHOT] | REMOTE:] [--expanded]",
    "Show an instance's or the server's configuration as YAML", 0, 1, lxf_obj_show, &cfg_desc,
    {"expanded", 'e', no_argument, NULL, "Include the profiles' configuration"});
const struct lxf_cmd lxf_cmd_config_get_entry =
    LXF_OBJ_ENTRY_OPTS("config get", NULL, "[[REMOTE:]NAME | REMOTE:] KEY [--expanded]",
		       "Get one configuration key", 1, 2, lxf_obj_get_key, &cfg_desc,
		       {"expanded", 'e', no_argument, NULL, "Look in the expanded configuration"});
const struct lxf_cmd lxf_cmd_config_set_entry =
    LXF_OBJ_ENTRY("config set", NULL, "[[REMOTE:]NAME | REMOTE:] KEY VALUE | key=value...",
		  "Set configuration keys", 1, -1, lxf_obj_set, &cfg_desc);
const struct lxf_cmd lxf_cmd_config_unset_entry =
    LXF_OBJ_ENTRY("config unset", NULL, "[[REMOTE:]NAME | REMOTE:] KEY",
		  "Unset a configuration key", 1, 2, lxf_obj_unset, &cfg_desc);
const struct lxf_cmd lxf_cmd_config_edit_entry = LXF_OBJ_ENTRY(
    "config edit", NULL, "[[REMOTE:]NAME | REMOTE:]",
    "Edit a configuration in $EDITOR (or from YAML on stdin)", 0, 1, lxf_obj_edit_cmd, &cfg_desc);
