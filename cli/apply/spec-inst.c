/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instances list of lxf.yaml: each entry is read once into a template,
 * its name expanded ({A..B}) and the template copied under each name with
 * the defaults filled in; names must then be unique across the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec-int.h"

static const char *const inst_keys[] = {"name",     "remote", "remotes", "image",
					"profiles", "state",  "config",  "devices",
					"files",    "run",    NULL};
static const char *const file_keys[] = {"path", "content", "mode", "uid", "gid", NULL};

void sp_instance_fini(struct lxf_apply_instance *in)
{
	free(in->name);
	sp_strv_free(in->remotes, in->nremotes);
	free(in->image);
	sp_strv_free(in->profiles, in->nprofiles);
	json_object_put(in->config);
	json_object_put(in->devices);
	for (size_t i = 0; i < in->nfiles; i++) {
		free(in->files[i].path);
		free(in->files[i].content);
	}
	free(in->files);
	sp_strv_free(in->run, in->nrun);
	memset(in, 0, sizeof(*in));
}

/* A copy of v[0..n) (NULL-terminated), or NULL with *ok false on ENOMEM. */
static char **strv_dup(char *const *v, size_t n, bool *ok)
{
	char **d;

	if (!v)
		return NULL;
	d = calloc(n + 1, sizeof(*d));
	if (!d) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (!d[i]) {
			sp_strv_free(d, i);
			*ok = false;
			return NULL;
		}
	}
	return d;
}

/* Octal permission bits "0644" / "644" / "1777": up to 4 digits, at most 07777. */
static int inst_mode(struct sp_ctx *c, const yaml_node_t *n, unsigned *out)
{
	char *s = NULL, *end = NULL;
	unsigned long v;
	int ret;

	ret = sp_string(c, n, "mode", &s, NULL);
	if (ret < 0)
		return ret;
	v = strtoul(s, &end, 8);
	if (strlen(s) < 3 || strlen(s) > 4 || *end != '\0' || s[0] == '-' || s[0] == '+' ||
	    v > 07777)
		ret = sp_diag(c, n, "bad file mode '%s': want octal digits like \"0644\"", s);
	else
		*out = (unsigned)v;
	free(s);
	return ret;
}

static int inst_id(struct sp_ctx *c, const yaml_node_t *n, const char *what, unsigned *out)
{
	char *s = NULL, *end = NULL;
	unsigned long long v;
	int ret;

	ret = sp_string(c, n, what, &s, NULL);
	if (ret < 0)
		return ret;
	v = strtoull(s, &end, 10);
	if (!*s || *end != '\0' || s[0] == '-' || s[0] == '+' || v >= 0xffffffffULL)
		ret = sp_diag(c, n, "bad %s '%s': want a number from 0 to 4294967294", what, s);
	else
		*out = (unsigned)v;
	free(s);
	return ret;
}

static int inst_file(struct sp_ctx *c, const yaml_node_t *n, struct lxf_apply_file *f)
{
	yaml_node_t *v;
	int ret;

	f->mode = 0644;
	ret = sp_mapping(c, n, "a file", file_keys);
	if (n->type != YAML_MAPPING_NODE)
		return ret;
	v = sp_get(c, n, "path", NULL);
	if (!v)
		ret = sp_diag(c, n, "file has no 'path'");
	else if (sp_string(c, v, "path", &f->path, NULL) < 0)
		ret = -LXF_EINVAL;
	else if (f->path[0] != '/')
		ret = sp_diag(c, v, "file path '%s' must be absolute", f->path);
	v = sp_get(c, n, "content", NULL);
	if (!v)
		ret = sp_diag(c, n, "file has no 'content'");
	else if (sp_string(c, v, "content", &f->content, &f->content_len) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, n, "mode", NULL);
	if (v && inst_mode(c, v, &f->mode) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, n, "uid", NULL);
	if (v && inst_id(c, v, "uid", &f->uid) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, n, "gid", NULL);
	if (v && inst_id(c, v, "gid", &f->gid) < 0)
		ret = -LXF_EINVAL;
	return c->fatal ? c->fatal : ret;
}

static int inst_files(struct sp_ctx *c, const yaml_node_t *n, struct lxf_apply_instance *t)
{
	size_t max;
	int ret = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return sp_diag(c, n, "files must be a list, not %s", sp_kind(n));
	max = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	t->files = calloc(max ? max : 1, sizeof(*t->files));
	if (!t->files)
		return sp_nomem(c);
	for (size_t i = 0; i < max; i++) {
		yaml_node_t *it = sp_node(c, n->data.sequence.items.start[i]);
		struct lxf_apply_file *f = &t->files[t->nfiles++];

		if (inst_file(c, it, f) < 0) {
			ret = -LXF_EINVAL;
			continue;
		}
		for (size_t k = 0; k + 1 < t->nfiles; k++)
			if (t->files[k].path && strcmp(t->files[k].path, f->path) == 0)
				ret = sp_diag(c, it, "file '%s' is twice in files", f->path);
	}
	return c->fatal ? c->fatal : ret;
}

/* remote: NAME or remotes: [NAMES], each known; neither: the default remote. */
static int inst_remotes(struct sp_ctx *c, const yaml_node_t *m, struct lxf_apply_instance *t)
{
	yaml_node_t *one = sp_get(c, m, "remote", NULL), *many = sp_get(c, m, "remotes", NULL);
	const char *def;
	int ret = 0;

	if (one && many)
		return sp_diag(c, many, "give either remote or remotes, not both");
	if (one) {
		t->remotes = calloc(2, sizeof(*t->remotes));
		if (!t->remotes)
			return sp_nomem(c);
		ret = sp_string(c, one, "remote", &t->remotes[0], NULL);
		if (ret < 0)
			return ret;
		t->nremotes = 1;
	} else if (many) {
		ret = sp_string_list(c, many, "remotes", &t->remotes, &t->nremotes);
		if (ret < 0)
			return ret;
		if (t->nremotes == 0)
			return sp_diag(c, many, "remotes must name at least one remote");
	} else {
		def = c->known && c->known->default_remote ? c->known->default_remote : "local";
		t->remotes = calloc(2, sizeof(*t->remotes));
		if (!t->remotes || !(t->remotes[0] = strdup(def)))
			return sp_nomem(c);
		t->nremotes = 1;
		return 0;
	}
	for (size_t i = 0; i < t->nremotes; i++) {
		yaml_node_t *at = one ? one : sp_node(c, many->data.sequence.items.start[i]);

		if (!sp_remote_known(c, t->remotes[i]))
			ret = sp_diag(c, at,
				      "unknown remote '%s' (not in this file's remotes nor in "
				      "config.yml)",
				      t->remotes[i]);
	}
	return c->fatal ? c->fatal : ret;
}

/* Reads everything but the name into t, defaults applied. */
static int inst_template(struct sp_ctx *c, const yaml_node_t *m, struct lxf_apply_instance *t)
{
	const struct lxf_apply_defaults *d = &c->spec->defaults;
	yaml_node_t *v;
	bool ok = true;
	int ret = 0;

	if (inst_remotes(c, m, t) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, m, "image", NULL);
	if (v && sp_string(c, v, "image", &t->image, NULL) < 0)
		ret = -LXF_EINVAL;
	else if (!v && d->image && !(t->image = strdup(d->image)))
		return sp_nomem(c);
	else if (!v && !d->image)
		ret = sp_diag(c, m, "no image: give image here or in defaults");
	v = sp_get(c, m, "profiles", NULL);
	if (v) {
		t->has_profiles = true;
		if (sp_string_list(c, v, "profiles", &t->profiles, &t->nprofiles) < 0)
			ret = -LXF_EINVAL;
	} else if (d->has_profiles) {
		t->has_profiles = true;
		t->nprofiles = d->nprofiles;
		t->profiles = strv_dup(d->profiles, d->nprofiles, &ok);
	}
	t->state = d->state ? d->state : LXF_APPLY_STATE_RUNNING;
	v = sp_get(c, m, "state", NULL);
	if (v && sp_state(c, v, &t->state) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, m, "config", NULL);
	if (v && sp_string_map(c, v, "config", &t->config) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, m, "devices", NULL);
	if (v && sp_devices(c, v, &t->devices) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, m, "files", NULL);
	if (v && inst_files(c, v, t) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, m, "run", NULL);
	if (v && sp_string_list(c, v, "run", &t->run, &t->nrun) == 0 && t->nrun == 0)
		ret = sp_diag(c, v, "run must have the command to run");
	else if (v && !t->run)
		ret = -LXF_EINVAL;
	if (!t->config)
		t->config = json_object_new_object();
	if (!t->devices)
		t->devices = json_object_new_object();
	if (!ok || !t->config || !t->devices)
		return sp_nomem(c);
	return c->fatal ? c->fatal : ret;
}

/* t under another name: shared json (read-only), copied strings. */
static int inst_copy(struct sp_ctx *c, const struct lxf_apply_instance *t, char *name,
		     struct lxf_apply_instance *in)
{
	bool ok = true;

	*in = *t;
	in->name = name;
	in->remotes = strv_dup(t->remotes, t->nremotes, &ok);
	in->image = t->image ? strdup(t->image) : NULL;
	in->profiles = strv_dup(t->profiles, t->nprofiles, &ok);
	in->run = strv_dup(t->run, t->nrun, &ok);
	in->config = json_object_get(t->config);
	in->devices = json_object_get(t->devices);
	in->files = t->nfiles ? calloc(t->nfiles, sizeof(*in->files)) : NULL;
	if (t->nfiles && !in->files) {
		in->nfiles = 0;
		ok = false;
	}
	for (size_t i = 0; in->files && i < t->nfiles; i++) {
		in->files[i] = t->files[i];
		in->files[i].path = strdup(t->files[i].path);
		in->files[i].content = malloc(t->files[i].content_len + 1);
		if (!in->files[i].path || !in->files[i].content)
			ok = false;
		else
			memcpy(in->files[i].content, t->files[i].content,
			       t->files[i].content_len + 1);
	}
	if (!ok || (t->image && !in->image))
		return sp_nomem(c);
	return 0;
}

static int inst_add_names(struct sp_ctx *c, const yaml_node_t *name_node,
			  const struct lxf_apply_instance *t, char **names, size_t n)
{
	struct lxf_apply_spec *s = c->spec;
	struct lxf_apply_instance *nv;
	struct lxf_err e = {0};
	int ret = 0;

	if (n > LXF_APPLY_MAX_INSTANCES - s->ninstances)
		return sp_diag(c, name_node, "more than %d instances in the file",
			       LXF_APPLY_MAX_INSTANCES);
	nv = realloc(s->instances, (s->ninstances + n) * sizeof(*nv));
	if (!nv)
		return sp_nomem(c);
	s->instances = nv;
	for (size_t i = 0; i < n; i++) {
		const struct lxf_apply_instance *dup;
		struct lxf_apply_instance *in;
		char *name;

		if (lxf_apply_check_instance_name(names[i], &e) < 0) {
			ret = sp_diag(c, name_node, "%s", e.msg);
			continue;
		}
		dup = lxf_apply_spec_find(s, names[i]);
		if (dup) {
			ret = sp_diag(c, name_node, "duplicate instance name '%s' (first at %u:%u)",
				      names[i], dup->pos.line, dup->pos.col);
			continue;
		}
		in = &s->instances[s->ninstances++];
		name = names[i];
		names[i] = NULL; /* in owns it, whatever inst_copy does */
		if (inst_copy(c, t, name, in) < 0)
			return c->fatal;
		in->pos.line = (unsigned)name_node->start_mark.line + 1;
		in->pos.col = (unsigned)name_node->start_mark.column + 1;
	}
	return ret;
}

static int inst_one(struct sp_ctx *c, const yaml_node_t *m)
{
	struct lxf_apply_instance t = {0};
	yaml_node_t *name_node;
	struct lxf_err e = {0};
	char **names = NULL, *name = NULL;
	size_t n = 0;
	int ret;

	ret = sp_mapping(c, m, "an instance", inst_keys);
	if (m->type != YAML_MAPPING_NODE)
		return ret;
	name_node = sp_get(c, m, "name", NULL);
	if (!name_node) {
		ret = sp_diag(c, m, "instance has no 'name'");
	} else if (sp_string(c, name_node, "name", &name, NULL) == 0) {
		int r = lxf_apply_expand_range(name, &names, &n, &e);

		if (r == -LXF_ENOMEM)
			ret = sp_nomem(c);
		else if (r < 0)
			ret = sp_diag(c, name_node, "%s", e.msg);
	} else {
		ret = -LXF_EINVAL;
	}
	if (inst_template(c, m, &t) < 0)
		ret = c->fatal ? c->fatal : -LXF_EINVAL;
	if (ret == 0)
		ret = inst_add_names(c, name_node, &t, names, n);
	sp_strv_free(names, n);
	free(name);
	sp_instance_fini(&t);
	return ret;
}

int sp_instances(struct sp_ctx *c, const yaml_node_t *n)
{
	int ret = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return sp_diag(c, n, "instances must be a list, not %s", sp_kind(n));
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		int r = inst_one(c, sp_node(c, *it));

		if (c->fatal)
			return c->fatal;
		if (r < 0)
			ret = r;
	}
	return ret;
}
