/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf profile list|show|create|delete|get|set|unset|edit|copy|rename and
 * add|remove|assign (an instance's profile list). Profile devices are in
 * cmd-device.c. List, show, get, set, unset, edit and delete are the
 * generic object verbs (obj-verbs.c) on lxf_obj_profile_desc.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "output.h"

static const char *const prof_show_extra[] = {"name", "used_by", NULL};

const struct lxf_obj_desc lxf_obj_profile_desc = {
    .collection = "profiles",
    .noun = "Profile",
    .keys = lxf_obj_profile_keys,
    .show_extra = prof_show_extra,
    .flags = LXF_OBJ_DEL_PARTIAL,
    .cols = {{"NAME", LXF_CELL_STR, "name"},
	     {"DESCRIPTION", LXF_CELL_STR, "description"},
	     {"USED BY", LXF_CELL_COUNT, "used_by"}},
};

/* The instance whose profile list add, remove and assign rewrite. */
static const struct lxf_obj_desc prof_instance_desc = {
    .collection = "instances",
    .keys = lxf_obj_instance_keys,
};

static int prof_create(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		       const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	const char *desc = lxf_args_get(args, 'd');
	struct json_object *body = json_object_new_object();
	int rc = 0;

	(void)self;
	if (!body || lxf_json_add_str(body, "name", r->name) != 0 ||
	    (desc && lxf_json_add_str(body, "description", desc) != 0))
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (rc == 0)
		rc = lxf_client_do(r->c, "POST", "/1.0/profiles", body, NULL, err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "Profile %s created\n", r->name);
	json_object_put(body);
	return rc;
}

static int prof_copy(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		     const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *w = NULL;
	struct lxf_client *dc = NULL;
	char *dname = NULL;
	int rc;

	(void)self;
	rc = lxf_cmd_target(ctx, args->argv[1], false, &dc, &dname, err);
	if (rc == 0) {
		w = lxf_obj_writable(r->o.full, lxf_obj_profile_keys);
		if (!w || lxf_json_add_str(w, "name", *dname ? dname : r->name) != 0)
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = lxf_client_do(dc, "POST", "/1.0/profiles", w, NULL, err);
	if (w)
		json_object_put(w);
	lxf_client_free(dc);
	free(dname);
	return rc;
}

/* The instance's profiles after add (op '+'), remove ('-') or assign ('='), as a new array. */
static struct json_object *prof_list(struct json_object *cur, const char *p, char op, bool *found)
{
	struct json_object *list = json_object_new_array();
	char *copy = NULL, *save = NULL;

	*found = false;
	for (size_t i = 0; list && op != '=' && cur && json_object_is_type(cur, json_type_array) &&
			   i < json_object_array_length(cur);
	     i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(cur, i));

		if (n && strcmp(n, p) == 0) {
			*found = true;
			if (op == '-')
				continue;
		}
		if (json_object_array_add(list, json_object_new_string(n ? n : "")) != 0)
			goto nomem;
	}
	if (list && op == '+' && json_object_array_add(list, json_object_new_string(p)) != 0)
		goto nomem;
	/* assign: "a,b" in order; "" clears the list, as lxc profile assign does. */
	if (list && op == '=' && !(copy = strdup(p)))
		goto nomem;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		if (json_object_array_add(list, json_object_new_string(t)) != 0)
			goto nomem;
	free(copy);
	return list;
nomem:
	free(copy);
	json_object_put(list);
	return NULL;
}

/* "Profiles default, web applied to h1:c1" (or "No profiles applied to ..."). */
static void prof_print_assigned(FILE *f, const char *target, struct json_object *list)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	if (n == 0) {
		fprintf(f, "No profiles applied to %s\n", target);
		return;
	}
	fputs(n == 1 ? "Profile " : "Profiles ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(list, i)));
	fprintf(f, " applied to %s\n", target);
}

/* add/remove/assign: rewrites the instance's profiles list; op is the verb's first letter. */
static int prof_instance(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args,
			 struct lxf_obj_ref *r, struct lxf_err *err, char op)
{
	struct json_object *w = lxf_obj_writable(r->o.full, lxf_obj_instance_keys), *list;
	const char *p = args->argv[1];
	bool found = false;
	int rc = 0;

	list = w ? prof_list(lxf_json_path(w, "profiles"), p, op, &found) : NULL;
	if (!list)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	else if (op == '+' && found)
		rc = lxf_err_set(err, LXF_EEXIST, "profile '%s' is already applied to '%s'", p,
				 r->name);
	else if (op == '-' && !found)
		rc = lxf_err_set(err, LXF_ENOENT, "profile '%s' isn't applied to '%s'", p, r->name);
	if (rc == 0) {
		json_object_object_add(w, "profiles", list);
		list = NULL;
		rc = lxf_obj_put(r->c, r->path, w, r->o.etag, err);
	}
	/* What happened, in words, naming the instance as it was given (lxc's wording). */
	if (rc == 0 && !ctx->quiet && op == '+')
		fprintf(ctx->out, "Profile %s added to %s\n", p, args->argv[0]);
	else if (rc == 0 && !ctx->quiet && op == '-')
		fprintf(ctx->out, "Profile %s removed from %s\n", p, args->argv[0]);
	else if (rc == 0 && !ctx->quiet)
		prof_print_assigned(ctx->out, args->argv[0], lxf_json_path(w, "profiles"));
	if (list)
		json_object_put(list);
	if (w)
		json_object_put(w);
	return rc;
}

/* prof_VERB and cmd_profile_VERB for add, remove and assign. */
#define PROF_INSTANCE_CMD(verb, op)                                                                \
	static int prof_##verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,                \
			       const struct lxf_cmd_args *args, struct lxf_obj_ref *r,             \
			       struct lxf_err *err)                                                \
	{                                                                                          \
		(void)self;                                                                        \
		return prof_instance(ctx, args, r, err, op);                                       \
	}                                                                                          \
	LXF_OBJ_EXEC(cmd_profile_##verb, 0, prof_##verb)

PROF_INSTANCE_CMD(add, '+')
PROF_INSTANCE_CMD(remove, '-')
PROF_INSTANCE_CMD(assign, '=')
LXF_OBJ_EXEC(cmd_profile_create, LXF_OBJ_RUN_NOGET, prof_create)
LXF_OBJ_EXEC(cmd_profile_copy, 0, prof_copy)

#define PROF_ENTRY(verb, alias, usage, summary, lo, hi, fn)                                        \
	LXF_OBJ_ENTRY("profile " verb, alias, usage, summary, lo, hi, fn, &lxf_obj_profile_desc)

const struct lxf_cmd lxf_cmd_profile_list_entry = LXF_OBJ_FLEET_LIST_ENTRY(
    "profile", "[REMOTE:...]", "List the profiles of every remote", &lxf_obj_profile_desc);
const struct lxf_cmd lxf_cmd_profile_show_entry =
    PROF_ENTRY("show", NULL, "[REMOTE:]PROFILE", "Show a profile as YAML", 1, 1, lxf_obj_show);
const struct lxf_cmd lxf_cmd_profile_create_entry = LXF_OBJ_ENTRY_OPTS(
    "profile create", NULL, "[REMOTE:]PROFILE [--description TEXT]", "Create an empty profile", 1,
    1, cmd_profile_create, &lxf_obj_profile_desc,
    {"description", 'd', required_argument, "TEXT", "Description of the profile"});
const struct lxf_cmd lxf_cmd_profile_delete_entry = PROF_ENTRY(
    "delete", "profile rm", "[REMOTE:]PROFILE...", "Delete profiles", 1, -1, lxf_obj_delete);
const struct lxf_cmd lxf_cmd_profile_get_entry = PROF_ENTRY(
    "get", NULL, "[REMOTE:]PROFILE KEY", "Get a profile configuration key", 2, 2, lxf_obj_get_key);
const struct lxf_cmd lxf_cmd_profile_set_entry =
    PROF_ENTRY("set", NULL, "[REMOTE:]PROFILE KEY VALUE | key=value...",
	       "Set profile configuration keys", 2, -1, lxf_obj_set);
const struct lxf_cmd lxf_cmd_profile_unset_entry =
    PROF_ENTRY("unset", NULL, "[REMOTE:]PROFILE KEY", "Unset a profile configuration key", 2, 2,
	       lxf_obj_unset);
const struct lxf_cmd lxf_cmd_profile_edit_entry =
    PROF_ENTRY("edit", NULL, "[REMOTE:]PROFILE",
	       "Edit a profile in $EDITOR (or from YAML on stdin)", 1, 1, lxf_obj_edit_cmd);
const struct lxf_cmd lxf_cmd_profile_copy_entry =
    PROF_ENTRY("copy", "profile cp", "[REMOTE:]PROFILE [REMOTE:][NEW]",
	       "Copy a profile (to another remote too)", 2, 2, cmd_profile_copy);
const struct lxf_cmd lxf_cmd_profile_rename_entry = PROF_ENTRY(
    "rename", "profile mv", "[REMOTE:]PROFILE NEW", "Rename a profile", 2, 2, lxf_obj_rename);
const struct lxf_cmd lxf_cmd_profile_add_entry = LXF_OBJ_ENTRY(
    "profile add", NULL, "[REMOTE:]INSTANCE PROFILE", "Append a profile to an instance's profiles",
    2, 2, cmd_profile_add, &prof_instance_desc);
const struct lxf_cmd lxf_cmd_profile_remove_entry = LXF_OBJ_ENTRY(
    "profile remove", NULL, "[REMOTE:]INSTANCE PROFILE", "Remove a profile from an instance", 2, 2,
    cmd_profile_remove, &prof_instance_desc);
const struct lxf_cmd lxf_cmd_profile_assign_entry = LXF_OBJ_ENTRY(
    "profile assign", "profile apply", "[REMOTE:]INSTANCE PROFILE[,PROFILE...]",
    "Set an instance's profiles (\"\" for none)", 2, 2, cmd_profile_assign, &prof_instance_desc);
