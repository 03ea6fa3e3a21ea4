/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User command aliases, kept in config.yml under aliases: as lxc keeps
 * them ("aliases: {ls2: list -c ns}"). remotes.c reads and writes the
 * file; these functions own the aliases: part of it.
 */
#include <string.h>

#include "json.h"
#include "remotes.h"

#define ALIAS_TARGET_MAX 1024

int lxf_remotes_aliases_parse(struct lxf_remotes *r, struct json_object *root, struct lxf_err *err)
{
	struct json_object *map = NULL;

	if (!json_object_object_get_ex(root, "aliases", &map) || !map)
		return 0;
	if (!json_object_is_type(map, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "'aliases' must be a mapping");
	json_object_object_foreach(map, key, val)
	{
		if (!json_object_is_type(val, json_type_string) || !*key)
			return lxf_err_set(err, LXF_EINVAL, "alias '%s' must be a command line",
					   key);
	}
	r->aliases = json_object_get(map);
	return 0;
}

int lxf_remotes_aliases_emit(const struct lxf_remotes *r, struct json_object *root,
			     struct lxf_err *err)
{
	if (!r->aliases || json_object_object_length(r->aliases) == 0)
		return 0;
	if (json_object_object_add(root, "aliases", json_object_get(r->aliases)) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return 0;
}

const char *lxf_remotes_alias_get(const struct lxf_remotes *r, const char *name)
{
	struct json_object *v = NULL;

	if (!r->aliases || !json_object_object_get_ex(r->aliases, name, &v))
		return NULL;
	return json_object_get_string(v);
}

int lxf_remotes_alias_set(struct lxf_remotes *r, const char *name, const char *target,
			  struct lxf_err *err)
{
	if (!*name || strlen(target) > ALIAS_TARGET_MAX || !*target)
		return lxf_err_set(err, LXF_EINVAL, "alias '%s': empty or too long", name);
	if (!r->aliases && !(r->aliases = json_object_new_object()))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (lxf_json_add_str(r->aliases, name, target) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return 0;
}

int lxf_remotes_alias_remove(struct lxf_remotes *r, const char *name, struct lxf_err *err)
{
	if (!lxf_remotes_alias_get(r, name))
		return lxf_err_set(err, LXF_ENOENT, "alias '%s' not found", name);
	json_object_object_del(r->aliases, name);
	return 0;
}
