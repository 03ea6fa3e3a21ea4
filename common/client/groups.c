/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host groups, kept in config.yml under groups: ("groups: {web: [h1, h2]}"),
 * a key of lxf's own that lxc's client ignores. remotes.c reads and writes
 * the file; these functions own the groups: part of it and the "@web,h9"
 * remote lists that name them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remotes.h"

/* A list of names grown as needed: the fleet has no fixed cap. */
struct names {
	char **v;
	size_t n, cap;
};

static bool names_has(const struct names *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], name) == 0)
			return true;
	return false;
}

/* Appends a copy of name unless it is there already. */
static int names_add(struct names *l, const char *name, struct lxf_err *err)
{
	if (names_has(l, name))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		l->v = nv;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(name)))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	l->n++;
	return 0;
}

void lxf_remotes_names_free(char **names, size_t n)
{
	if (!names)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int group_check(const char *name, struct json_object *members, struct lxf_err *err)
{
	size_t n;

	if (!lxf_remote_name_ok(name))
		return lxf_err_set(err, LXF_EINVAL, "bad group name '%s'", name);
	if (!json_object_is_type(members, json_type_array) ||
	    (n = json_object_array_length(members)) == 0)
		return lxf_err_set(err, LXF_EINVAL, "group '%s' must be a list of remotes", name);
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(members, i);

		if (!json_object_is_type(m, json_type_string) ||
		    !lxf_remote_name_ok(json_object_get_string(m)))
			return lxf_err_set(err, LXF_EINVAL, "group '%s': bad remote name '%s'",
					   name, json_object_get_string(m));
	}
	return 0;
}

int lxf_remotes_groups_parse(struct lxf_remotes *r, struct json_object *root, struct lxf_err *err)
{
	struct json_object *map = NULL;
	int rc;

	if (!json_object_object_get_ex(root, "groups", &map) || !map)
		return 0;
	if (!json_object_is_type(map, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "'groups' must be a mapping");
	json_object_object_foreach(map, key, val)
	{
		if ((rc = group_check(key, val, err)) != 0)
			return rc;
	}
	r->groups = json_object_get(map);
	return 0;
}

int lxf_remotes_groups_emit(const struct lxf_remotes *r, struct json_object *root,
			    struct lxf_err *err)
{
	if (!r->groups || json_object_object_length(r->groups) == 0)
		return 0;
	if (json_object_object_add(root, "groups", json_object_get(r->groups)) != 0)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return 0;
}

bool lxf_remotes_is_group_spec(const char *word)
{
	return word && word[0] == '@';
}

struct json_object *lxf_remotes_group_get(const struct lxf_remotes *r, const char *name)
{
	struct json_object *v = NULL;

	if (!r->groups || !json_object_object_get_ex(r->groups, name, &v))
		return NULL;
	return v;
}

int lxf_remotes_group_unknown(const struct lxf_remotes *r, const char *name, struct lxf_err *err)
{
	size_t n = r->groups ? (size_t)json_object_object_length(r->groups) : 0, k = 0;
	const char **cands;
	int rc;

	if (n == 0)
		return lxf_err_set(err, LXF_ENOENT,
				   "group '%s' not found (no groups: see lxf remote group add)",
				   name);
	cands = calloc(n, sizeof(*cands));
	if (cands) {
		json_object_object_foreach(r->groups, key, val)
		{
			(void)val;
			cands[k++] = key;
		}
	}
	rc = lxf_remotes_not_found("group", "@", name, cands, k, err);
	free(cands);
	return rc;
}

/* Adds group's members to out, each of which must be a remote of r. */
static int expand_group(const struct lxf_remotes *r, const char *group, struct names *out,
			struct lxf_err *err)
{
	struct json_object *members = lxf_remotes_group_get(r, group);
	int rc;

	if (!members)
		return lxf_remotes_group_unknown(r, group, err);
	for (size_t i = 0; i < json_object_array_length(members); i++) {
		const char *m = json_object_get_string(json_object_array_get_idx(members, i));

		if (!lxf_remotes_find(r, m))
			return lxf_err_set(err, LXF_EINVAL,
					   "group '%s' names remote '%s', which is not in %s",
					   group, m, r->path ? r->path : "config.yml");
		if ((rc = names_add(out, m, err)) != 0)
			return rc;
	}
	return 0;
}

int lxf_remotes_expand(const struct lxf_remotes *r, const char *spec, char ***names, size_t *n,
		       struct lxf_err *err)
{
	struct names out = {0};
	char *copy = NULL, *item, *next;
	size_t len;
	int rc = 0;

	*names = NULL;
	*n = 0;
	len = strlen(spec);
	if (len && spec[len - 1] == ':')
		len--;
	if (!(copy = strndup(spec, len))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (item = copy; item; item = next) {
		if ((next = strchr(item, ',')))
			*next++ = '\0';
		if (!*item || strcmp(item, "@") == 0) {
			rc = lxf_err_set(err, LXF_EINVAL, "empty remote or group in '%s'", spec);
			goto out;
		}
		if (item[0] == '@')
			rc = expand_group(r, item + 1, &out, err);
		else if (!lxf_remotes_find(r, item))
			rc = lxf_remotes_unknown(r, item, err);
		else
			rc = names_add(&out, item, err);
		if (rc)
			goto out;
	}
	*names = out.v;
	*n = out.n;
	out.v = NULL;
	out.n = 0;
out:
	lxf_remotes_names_free(out.v, out.n);
	free(copy);
	return rc;
}

static bool members_have(struct json_object *members, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(members); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(members, i)), name) ==
		    0)
			return true;
	return false;
}

int lxf_remotes_group_add(struct lxf_remotes *r, const char *group, const char *const *members,
			  size_t n, struct lxf_err *err)
{
	struct json_object *list;
	bool fresh = false;

	if (!lxf_remote_name_ok(group))
		return lxf_err_set(err, LXF_EINVAL, "bad group name '%s'", group);
	if (n == 0)
		return lxf_err_set(err, LXF_EINVAL, "group '%s': no remotes given", group);
	for (size_t i = 0; i < n; i++)
		if (!lxf_remotes_find(r, members[i]))
			return lxf_remotes_unknown(r, members[i], err);
	if (!r->groups && !(r->groups = json_object_new_object()))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	list = lxf_remotes_group_get(r, group);
	if (!list) {
		if (!(list = json_object_new_array()))
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		fresh = true;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *s;

		if (members_have(list, members[i]))
			continue;
		s = json_object_new_string(members[i]);
		if (!s || json_object_array_add(list, s) != 0) {
			json_object_put(s);
			goto nomem;
		}
	}
	if (fresh && json_object_object_add(r->groups, group, list) != 0)
		goto nomem;
	return 0;
nomem:
	if (fresh)
		json_object_put(list);
	return lxf_err_set(err, LXF_ENOMEM, "out of memory");
}

/*
 * A copy of members without those named in drop, and with from renamed to
 * to (from dropped when to is NULL or already a member). NULL: no memory.
 */
static struct json_object *members_edit(struct json_object *members, const char *const *drop,
					size_t ndrop, const char *from, const char *to)
{
	struct json_object *out = json_object_new_array(), *add;
	bool has_to = to && members_have(members, to);

	for (size_t i = 0; out && i < json_object_array_length(members); i++) {
		struct json_object *m = json_object_array_get_idx(members, i);
		const char *name = json_object_get_string(m);
		bool skip = false;

		for (size_t j = 0; !skip && j < ndrop; j++)
			skip = strcmp(name, drop[j]) == 0;
		if (skip)
			continue;
		if (from && strcmp(name, from) == 0) {
			if (!to || has_to)
				continue;
			add = json_object_new_string(to);
		} else {
			add = json_object_get(m);
		}
		if (!add || json_object_array_add(out, add) != 0) {
			json_object_put(add);
			json_object_put(out);
			out = NULL;
		}
	}
	return out;
}

/* Replaces group's members by list (taken over), dropping the group when list is empty. */
static int group_replace(struct lxf_remotes *r, const char *group, struct json_object *list,
			 struct lxf_err *err)
{
	if (!list)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (json_object_array_length(list) == 0) {
		json_object_put(list);
		json_object_object_del(r->groups, group);
		return 0;
	}
	if (json_object_object_add(r->groups, group, list) != 0) {
		json_object_put(list);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_remotes_group_remove(struct lxf_remotes *r, const char *group, const char *const *members,
			     size_t n, struct lxf_err *err)
{
	struct json_object *list = lxf_remotes_group_get(r, group);

	if (!list)
		return lxf_remotes_group_unknown(r, group, err);
	if (n == 0) {
		json_object_object_del(r->groups, group);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!members_have(list, members[i]))
			return lxf_err_set(err, LXF_ENOENT, "remote '%s' is not in group '%s'",
					   members[i], group);
	return group_replace(r, group, members_edit(list, members, n, NULL, NULL), err);
}

int lxf_remotes_group_rename(struct lxf_remotes *r, const char *from, const char *to,
			     struct lxf_err *err)
{
	struct json_object *list = lxf_remotes_group_get(r, from);

	if (!list)
		return lxf_remotes_group_unknown(r, from, err);
	if (!lxf_remote_name_ok(to))
		return lxf_err_set(err, LXF_EINVAL, "bad group name '%s'", to);
	if (lxf_remotes_group_get(r, to))
		return lxf_err_set(err, LXF_EEXIST, "group '%s' already exists", to);
	if (json_object_object_add(r->groups, to, json_object_get(list)) != 0) {
		json_object_put(list);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	json_object_object_del(r->groups, from);
	return 0;
}

size_t lxf_remotes_groups_of(const struct lxf_remotes *r, const char *remote, char *buf, size_t len)
{
	size_t count = 0, off = 0;
	bool cut = false;

	if (len)
		buf[0] = '\0';
	if (!r->groups || len < 8)
		return 0;
	json_object_object_foreach(r->groups, key, val)
	{
		int w;

		if (!members_have(val, remote))
			continue;
		count++;
		if (cut)
			continue;
		w = snprintf(buf + off, len - 8 - off, "%s%s", off ? ", " : "", key);
		if (w < 0 || (size_t)w >= len - 8 - off) {
			(void)snprintf(buf + off, len - off, ", ...");
			cut = true;
			continue;
		}
		off += (size_t)w;
	}
	return count;
}

int lxf_remotes_groups_rename_member(struct lxf_remotes *r, const char *from, const char *to,
				     struct lxf_err *err)
{
	struct json_object *keys;
	int rc = 0;

	if (!r->groups)
		return 0;
	/* Collect the names first: group_replace edits the map being walked. */
	if (!(keys = json_object_new_array()))
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	json_object_object_foreach(r->groups, key, val)
	{
		if (members_have(val, from) &&
		    json_object_array_add(keys, json_object_new_string(key)) != 0) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < json_object_array_length(keys); i++) {
		const char *g = json_object_get_string(json_object_array_get_idx(keys, i));
		struct json_object *list = lxf_remotes_group_get(r, g);

		if ((rc = group_replace(r, g, members_edit(list, NULL, 0, from, to), err)) != 0)
			goto out;
	}
out:
	json_object_put(keys);
	return rc;
}
