/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf.yaml into struct lxf_apply_spec. libyaml loads the document into a
 * tree whose nodes keep their positions (after an event pass that refuses
 * aliases, more than one document and deep nesting with the exact place);
 * the walk then checks every node's shape against the format and reports
 * each problem as "FILE:LINE:COLUMN: what", going on past it so that one
 * run shows them all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "spec-int.h"

static const char *const top_keys[] = {"version",  "name",      "remotes", "profiles",
				       "defaults", "instances", NULL};
static const char *const remote_keys[] = {"url", "token", NULL};
static const char *const profile_keys[] = {"config", "devices", "description", NULL};
static const char *const defaults_keys[] = {"image", "profiles", "state", NULL};

static const char *const state_names[] = {
    [LXF_APPLY_STATE_UNSET] = "running",
    [LXF_APPLY_STATE_RUNNING] = "running",
    [LXF_APPLY_STATE_STOPPED] = "stopped",
    [LXF_APPLY_STATE_FROZEN] = "frozen",
};

const char *lxf_apply_state_name(enum lxf_apply_state s)
{
	return (unsigned)s <= LXF_APPLY_STATE_FROZEN ? state_names[s] : "running";
}

static int sp_diag_at(struct sp_ctx *c, size_t line, size_t col, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static int sp_diag_at(struct sp_ctx *c, size_t line, size_t col, const char *fmt, va_list ap)
{
	struct lxf_apply_diags *d = c->diags;
	char msg[LXF_ERR_MSG_MAX];
	char *s = NULL;

	if (c->fatal)
		return c->fatal;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (d->n >= LXF_APPLY_MAX_DIAGS) {
		d->dropped++;
		return -LXF_EINVAL;
	}
	if (!d->v) {
		d->v = calloc(LXF_APPLY_MAX_DIAGS, sizeof(*d->v));
		d->pos = calloc(LXF_APPLY_MAX_DIAGS, sizeof(*d->pos));
		if (!d->v || !d->pos)
			return sp_nomem(c);
	}
	if (asprintf(&s, "%s:%zu:%zu: %s", c->path, line, col, msg) < 0)
		return sp_nomem(c);
	d->pos[d->n].line = (unsigned)line;
	d->pos[d->n].col = (unsigned)col;
	d->v[d->n++] = s;
	return -LXF_EINVAL;
}

int sp_diag(struct sp_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sp_diag_at(c, n->start_mark.line + 1, n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return ret;
}

static int sp_diag_mark(struct sp_ctx *c, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int sp_diag_mark(struct sp_ctx *c, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sp_diag_at(c, m->line + 1, m->column + 1, fmt, ap);
	va_end(ap);
	return ret;
}

int sp_nomem(struct sp_ctx *c)
{
	c->fatal = -LXF_ENOMEM;
	return lxf_err_set(c->err, LXF_ENOMEM, "out of memory");
}

yaml_node_t *sp_node(struct sp_ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static bool sp_is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n->data.scalar.length == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *sp_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return sp_is_null(n) ? "empty" : "a string";
}

/* The key's text when it is a non-empty scalar without a NUL, else NULL. */
static const char *sp_key_text(const yaml_node_t *k)
{
	if (!k || k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0 ||
	    strlen((const char *)k->data.scalar.value) != k->data.scalar.length)
		return NULL;
	return (const char *)k->data.scalar.value;
}

yaml_node_t *sp_get(struct sp_ctx *c, const yaml_node_t *m, const char *key, yaml_node_t **key_node)
{
	if (key_node)
		*key_node = NULL;
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = sp_node(c, p->key);
		const char *t = sp_key_text(k);

		if (t && strcmp(t, key) == 0) {
			if (key_node)
				*key_node = k;
			return sp_node(c, p->value);
		}
	}
	return NULL;
}

/* "a, b, c" of a key table, for messages. */
static void sp_key_list(const char *const *keys, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; keys[i] && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", keys[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

int sp_mapping(struct sp_ctx *c, const yaml_node_t *n, const char *what, const char *const *keys)
{
	int ret = 0;

	if (n->type != YAML_MAPPING_NODE)
		return sp_diag(c, n, "%s must be a mapping, not %s", what, sp_kind(n));
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = sp_node(c, p->key);
		const char *t = sp_key_text(k);
		bool ok = !keys;
		char list[160];

		if (!t) {
			ret = sp_diag(c, k, "keys of %s must be non-empty strings", what);
			continue;
		}
		for (size_t i = 0; keys && keys[i]; i++)
			ok = ok || strcmp(keys[i], t) == 0;
		if (!ok) {
			sp_key_list(keys, list, sizeof(list));
			ret = sp_diag(c, k, "unknown key '%s' in %s (known: %s)", t, what, list);
			continue;
		}
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k0 = sp_node(c, q->key);
			const char *t0 = sp_key_text(k0);

			if (t0 && strcmp(t0, t) == 0) {
				ret = sp_diag(c, k, "duplicate key '%s' in %s (first at %zu:%zu)",
					      t, what, k0->start_mark.line + 1,
					      k0->start_mark.column + 1);
				break;
			}
		}
	}
	return c->fatal ? c->fatal : ret;
}

int sp_string(struct sp_ctx *c, const yaml_node_t *n, const char *what, char **out, size_t *len)
{
	struct lxf_err e = {0};
	size_t l = 0;
	int ret;

	*out = NULL;
	if (n->type != YAML_SCALAR_NODE || sp_is_null(n))
		return sp_diag(c, n, "%s must be a string, not %s", what, sp_kind(n));
	ret =
	    lxf_apply_subst((const char *)n->data.scalar.value, n->data.scalar.length, out, &l, &e);
	if (ret == -LXF_ENOMEM)
		return sp_nomem(c);
	if (ret < 0)
		return sp_diag(c, n, "%s: %s", what, e.msg);
	if (strlen(*out) != l) {
		free(*out);
		*out = NULL;
		return sp_diag(c, n, "%s contains a NUL byte", what);
	}
	if (len)
		*len = l;
	return 0;
}

void sp_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int sp_string_list(struct sp_ctx *c, const yaml_node_t *n, const char *what, char ***v,
		   size_t *count)
{
	size_t cnt = 0, max;
	char **list = NULL;
	int ret = 0;

	*v = NULL;
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return sp_diag(c, n, "%s must be a list, not %s", what, sp_kind(n));
	max = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	list = calloc(max + 1, sizeof(*list));
	if (!list)
		return sp_nomem(c);
	for (size_t i = 0; i < max; i++) {
		yaml_node_t *it = sp_node(c, n->data.sequence.items.start[i]);
		char *s = NULL;
		int r = sp_string(c, it, what, &s, NULL);

		if (r < 0) {
			ret = r;
			continue;
		}
		for (size_t k = 0; k < cnt; k++) {
			if (strcmp(list[k], s) == 0) {
				ret = sp_diag(c, it, "'%s' is twice in %s", s, what);
				free(s);
				s = NULL;
				break;
			}
		}
		if (s)
			list[cnt++] = s;
	}
	if (ret < 0 || c->fatal) {
		sp_strv_free(list, cnt);
		return c->fatal ? c->fatal : ret;
	}
	*v = list;
	*count = cnt;
	return 0;
}

/* Reads one value of a mapping into *val (a new reference). */
typedef int (*sp_value_fn)(struct sp_ctx *c, const char *key, const yaml_node_t *v,
			   const char *label, struct json_object **val);

/* A mapping whose values fn reads (each called "item 'key'"), into a json object. */
static int sp_map_of(struct sp_ctx *c, const yaml_node_t *n, const char *what, const char *item,
		     sp_value_fn fn, struct json_object **out)
{
	struct json_object *o = NULL;
	int ret;

	*out = NULL;
	ret = sp_mapping(c, n, what, NULL);
	if (ret < 0)
		return ret;
	o = json_object_new_object();
	if (!o)
		return sp_nomem(c);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *key = (const char *)sp_node(c, p->key)->data.scalar.value;
		struct json_object *val = NULL;
		char label[160];
		int r;

		(void)snprintf(label, sizeof(label), "%s '%s'", item, key);
		r = fn(c, key, sp_node(c, p->value), label, &val);
		if (r == 0 && json_object_object_add(o, key, val) != 0) {
			json_object_put(val);
			r = sp_nomem(c);
		}
		if (r < 0)
			ret = r;
		if (c->fatal)
			break;
	}
	if (ret < 0 || c->fatal) {
		json_object_put(o);
		return c->fatal ? c->fatal : ret;
	}
	*out = o;
	return 0;
}

static int sp_string_value(struct sp_ctx *c, const char *key, const yaml_node_t *v,
			   const char *label, struct json_object **val)
{
	char *s = NULL;
	size_t len = 0;
	int ret;

	(void)key;
	ret = sp_string(c, v, label, &s, &len);
	if (ret < 0)
		return ret;
	*val = json_object_new_string_len(s, (int)len);
	free(s);
	return *val ? 0 : sp_nomem(c);
}

int sp_string_map(struct sp_ctx *c, const yaml_node_t *n, const char *what,
		  struct json_object **out)
{
	return sp_map_of(c, n, what, what, sp_string_value, out);
}

static int sp_device_value(struct sp_ctx *c, const char *key, const yaml_node_t *v,
			   const char *label, struct json_object **val)
{
	int ret = sp_string_map(c, v, label, val);

	if (ret == 0 && !json_object_object_get_ex(*val, "type", NULL)) {
		json_object_put(*val);
		*val = NULL;
		ret = sp_diag(c, v, "device '%s' has no 'type'", key);
	}
	return ret;
}

int sp_devices(struct sp_ctx *c, const yaml_node_t *n, struct json_object **out)
{
	return sp_map_of(c, n, "devices", "device", sp_device_value, out);
}

int sp_state(struct sp_ctx *c, const yaml_node_t *n, enum lxf_apply_state *out)
{
	char *s = NULL;
	int ret = sp_string(c, n, "state", &s, NULL);

	if (ret < 0)
		return ret;
	ret = 0;
	if (strcmp(s, "running") == 0)
		*out = LXF_APPLY_STATE_RUNNING;
	else if (strcmp(s, "stopped") == 0)
		*out = LXF_APPLY_STATE_STOPPED;
	else if (strcmp(s, "frozen") == 0)
		*out = LXF_APPLY_STATE_FROZEN;
	else
		ret = sp_diag(c, n, "bad state '%s': want running, stopped or frozen", s);
	free(s);
	return ret;
}

bool sp_remote_known(const struct sp_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->spec->nremotes; i++)
		if (strcmp(c->spec->remotes[i].name, name) == 0)
			return true;
	return c->known ? lxf_remotes_find(c->known, name) != NULL : strcmp(name, "local") == 0;
}

static int sp_version(struct sp_ctx *c, const yaml_node_t *root)
{
	yaml_node_t *n = sp_get(c, root, "version", NULL);
	const char *s;

	if (!n)
		return sp_diag(c, root, "missing 'version' (this lxf reads version: 1)");
	s = (const char *)n->data.scalar.value;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    strcmp(s, "1") != 0)
		return sp_diag(c, n, "unsupported version '%s' (this lxf reads version: 1)",
			       n->type == YAML_SCALAR_NODE ? s : sp_kind(n));
	c->spec->version = 1;
	return 0;
}

static int sp_name(struct sp_ctx *c, const yaml_node_t *root)
{
	yaml_node_t *n = sp_get(c, root, "name", NULL);
	struct lxf_err e = {0};
	int ret;

	if (!n)
		return sp_diag(c, root, "missing 'name' (the stack's name)");
	ret = sp_string(c, n, "name", &c->spec->name, NULL);
	if (ret < 0)
		return ret;
	/* It becomes user.lxf.stack: the instance name rule keeps it plain. */
	if (lxf_apply_check_instance_name(c->spec->name, &e) < 0)
		return sp_diag(c, n, "bad stack name '%s': letters, digits and '-', 1 to 63",
			       c->spec->name);
	return 0;
}

static int sp_remote(struct sp_ctx *c, struct lxf_remotes *scratch, const yaml_node_t *k,
		     const yaml_node_t *v, struct lxf_apply_remote *r)
{
	const char *name = (const char *)k->data.scalar.value;
	yaml_node_t *url, *tok;
	struct lxf_err e = {0};
	const struct lxf_remote *cfg;
	char label[128];
	int ret;

	(void)snprintf(label, sizeof(label), "remote '%s'", name);
	r->pos.line = (unsigned)k->start_mark.line + 1;
	r->pos.col = (unsigned)k->start_mark.column + 1;
	r->name = strdup(name);
	if (!r->name)
		return sp_nomem(c);
	ret = sp_mapping(c, v, label, remote_keys);
	if (v->type != YAML_MAPPING_NODE)
		return ret;
	url = sp_get(c, v, "url", NULL);
	if (!url)
		return sp_diag(c, v, "remote '%s' has no 'url'", name);
	if (sp_string(c, url, "url", &r->url, NULL) < 0)
		ret = -LXF_EINVAL;
	tok = sp_get(c, v, "token", NULL);
	if (tok && sp_string(c, tok, "token", &r->token, NULL) < 0)
		ret = -LXF_EINVAL;
	if (!r->url)
		return ret;
	/* lxf remote add's own rules for the address and the name. */
	if (lxf_remote_check_addr(r->url, &e) < 0)
		return sp_diag(c, url, "%s", e.msg);
	switch (lxf_remotes_add(scratch, name, r->url, &e)) {
	case 0:
		break;
	case -LXF_ENOMEM:
		return sp_nomem(c);
	default:
		return sp_diag(c, k, "%s", e.msg);
	}
	if (ret < 0)
		return ret;
	cfg = c->known ? lxf_remotes_find(c->known, name) : NULL;
	if (cfg && strcmp(cfg->addr, r->url) != 0)
		return sp_diag(c, url, "remote '%s' is %s in config.yml, not %s", name, cfg->addr,
			       r->url);
	return 0;
}

/* The top-level mapping key (remotes, profiles) into *n with its size: 1, 0 when absent, or <0. */
static int sp_section(struct sp_ctx *c, const yaml_node_t *root, const char *key, yaml_node_t **n,
		      size_t *max)
{
	int ret;

	*n = sp_get(c, root, key, NULL);
	*max = 0;
	if (!*n)
		return 0;
	ret = sp_mapping(c, *n, key, NULL);
	if (ret < 0)
		return ret;
	*max = (size_t)((*n)->data.mapping.pairs.top - (*n)->data.mapping.pairs.start);
	return 1;
}

static int sp_remotes(struct sp_ctx *c, const yaml_node_t *root)
{
	struct lxf_remotes *scratch = NULL;
	yaml_node_t *n = NULL;
	size_t max = 0;
	int ret = sp_section(c, root, "remotes", &n, &max);

	if (ret <= 0)
		return ret;
	ret = 0;
	c->spec->remotes = calloc(max ? max : 1, sizeof(*c->spec->remotes));
	scratch = calloc(1, sizeof(*scratch));
	if (!c->spec->remotes || !scratch) {
		free(scratch);
		return sp_nomem(c);
	}
	for (size_t i = 0; i < max; i++) {
		yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
		int r = sp_remote(c, scratch, sp_node(c, p->key), sp_node(c, p->value),
				  &c->spec->remotes[c->spec->nremotes++]);

		if (r < 0)
			ret = r;
	}
	lxf_remotes_free(scratch);
	return c->fatal ? c->fatal : ret;
}

static int sp_profile_names_check(struct sp_ctx *c, const yaml_node_t *n, const char *name)
{
	size_t len = strlen(name);

	/* LXD's object name rule. */
	if (len > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return sp_diag(c, n, "bad profile name '%.80s'", name);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '/' || ch <= ' ' || ch == 0x7f)
			return sp_diag(c, n,
				       "bad profile name '%s': no '/', spaces or control "
				       "characters",
				       name);
	}
	return 0;
}

static int sp_profile(struct sp_ctx *c, const yaml_node_t *k, const yaml_node_t *v,
		      struct lxf_apply_profile *p)
{
	const char *name = (const char *)k->data.scalar.value;
	struct json_object *cfg = NULL, *devs = NULL;
	yaml_node_t *n;
	char label[128], *desc = NULL;
	int ret;

	p->pos.line = (unsigned)k->start_mark.line + 1;
	p->pos.col = (unsigned)k->start_mark.column + 1;
	p->name = strdup(name);
	p->obj = json_object_new_object();
	if (!p->name || !p->obj)
		return sp_nomem(c);
	ret = sp_profile_names_check(c, k, name);
	(void)snprintf(label, sizeof(label), "profile '%s'", name);
	if (sp_mapping(c, v, label, profile_keys) < 0)
		ret = -LXF_EINVAL;
	if (v->type != YAML_MAPPING_NODE)
		return ret;
	n = sp_get(c, v, "config", NULL);
	if (n && sp_string_map(c, n, "config", &cfg) < 0)
		ret = -LXF_EINVAL;
	n = sp_get(c, v, "devices", NULL);
	if (n && sp_devices(c, n, &devs) < 0)
		ret = -LXF_EINVAL;
	n = sp_get(c, v, "description", NULL);
	if (n && sp_string(c, n, "description", &desc, NULL) < 0)
		ret = -LXF_EINVAL;
	if (!cfg)
		cfg = json_object_new_object();
	if (!devs)
		devs = json_object_new_object();
	if (!cfg || !devs || json_object_object_add(p->obj, "config", cfg) != 0) {
		json_object_put(cfg);
		json_object_put(devs);
		free(desc);
		return sp_nomem(c);
	}
	if (json_object_object_add(p->obj, "devices", devs) != 0 ||
	    (desc &&
	     json_object_object_add(p->obj, "description", json_object_new_string(desc)) != 0)) {
		free(desc);
		return sp_nomem(c);
	}
	free(desc);
	return c->fatal ? c->fatal : ret;
}

static int sp_profiles(struct sp_ctx *c, const yaml_node_t *root)
{
	yaml_node_t *n = NULL;
	size_t max = 0;
	int ret = sp_section(c, root, "profiles", &n, &max);

	if (ret <= 0)
		return ret;
	ret = 0;
	c->spec->profiles = calloc(max ? max : 1, sizeof(*c->spec->profiles));
	if (!c->spec->profiles)
		return sp_nomem(c);
	for (size_t i = 0; i < max; i++) {
		yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
		int r = sp_profile(c, sp_node(c, p->key), sp_node(c, p->value),
				   &c->spec->profiles[c->spec->nprofiles++]);

		if (r < 0)
			ret = r;
	}
	return c->fatal ? c->fatal : ret;
}

static int sp_defaults(struct sp_ctx *c, const yaml_node_t *root)
{
	struct lxf_apply_defaults *d = &c->spec->defaults;
	yaml_node_t *n = sp_get(c, root, "defaults", NULL), *v;
	int ret;

	if (!n)
		return 0;
	ret = sp_mapping(c, n, "defaults", defaults_keys);
	if (n->type != YAML_MAPPING_NODE)
		return ret;
	v = sp_get(c, n, "image", NULL);
	if (v && sp_string(c, v, "image", &d->image, NULL) < 0)
		ret = -LXF_EINVAL;
	v = sp_get(c, n, "profiles", NULL);
	if (v) {
		d->has_profiles = true;
		if (sp_string_list(c, v, "profiles", &d->profiles, &d->nprofiles) < 0)
			ret = -LXF_EINVAL;
	}
	v = sp_get(c, n, "state", NULL);
	if (v && sp_state(c, v, &d->state) < 0)
		ret = -LXF_EINVAL;
	return c->fatal ? c->fatal : ret;
}

/*
 * The event pass: libyaml's loader resolves aliases into shared nodes (a
 * walk over them could blow up: billion laughs) and forgets where they
 * were, so they are refused here, where their position is known.
 */
static int sp_scan(struct sp_ctx *c, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, docs = 0, ret = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return sp_nomem(c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && ret == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR)
				ret = sp_nomem(c);
			else
				ret = sp_diag_mark(c, &parser.problem_mark, "YAML: %s%s%s",
						   parser.problem ? parser.problem : "invalid",
						   parser.context ? " " : "",
						   parser.context ? parser.context : "");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				ret = sp_diag_mark(c, &ev.start_mark, "only one document allowed");
			break;
		case YAML_ALIAS_EVENT:
			ret = sp_diag_mark(c, &ev.start_mark, "YAML aliases are not allowed");
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			/* The anchor fields sit at the same place in all three. */
			if (ev.data.scalar.anchor)
				ret =
				    sp_diag_mark(c, &ev.start_mark, "YAML anchors are not allowed");
			else if (ev.type != YAML_SCALAR_EVENT && ++depth > LXF_APPLY_MAX_DEPTH)
				ret = sp_diag_mark(c, &ev.start_mark, "nested too deep");
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ret;
}

static int sp_walk(struct sp_ctx *c)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc), *n;
	int ret = 0;

	if (!root)
		return sp_diag_mark(c, &(yaml_mark_t){0}, "the file is empty");
	ret = sp_mapping(c, root, "the file", top_keys);
	if (root->type != YAML_MAPPING_NODE)
		return ret;
	/* Every part is walked even after an error, for one complete report. */
	if (sp_version(c, root) < 0)
		ret = -LXF_EINVAL;
	if (sp_name(c, root) < 0)
		ret = -LXF_EINVAL;
	if (sp_remotes(c, root) < 0)
		ret = -LXF_EINVAL;
	if (sp_profiles(c, root) < 0)
		ret = -LXF_EINVAL;
	if (sp_defaults(c, root) < 0)
		ret = -LXF_EINVAL;
	n = sp_get(c, root, "instances", NULL);
	if (n && sp_instances(c, n) < 0)
		ret = -LXF_EINVAL;
	return c->fatal ? c->fatal : ret;
}

/* The walk reports by part, not by line: put the messages in file order (stable). */
static void sp_diags_sort(struct lxf_apply_diags *d)
{
	for (size_t i = 1; i < d->n; i++) {
		struct lxf_apply_pos p = d->pos[i];
		char *m = d->v[i];
		size_t j = i;

		for (; j > 0 && (d->pos[j - 1].line > p.line ||
				 (d->pos[j - 1].line == p.line && d->pos[j - 1].col > p.col));
		     j--) {
			d->pos[j] = d->pos[j - 1];
			d->v[j] = d->v[j - 1];
		}
		d->pos[j] = p;
		d->v[j] = m;
	}
}

int lxf_apply_spec_parse(const char *path, const char *text, size_t len,
			 const struct lxf_remotes *known, struct lxf_apply_spec **out,
			 struct lxf_apply_diags *diags, struct lxf_err *err)
{
	struct sp_ctx c = {.path = path, .diags = diags, .err = err, .known = known};
	yaml_document_t doc;
	yaml_parser_t parser;
	bool doc_ok = false;
	int ret;

	*out = NULL;
	memset(diags, 0, sizeof(*diags));
	if (len > LXF_APPLY_MAX_SIZE)
		return lxf_err_set(err, LXF_ETOOBIG, "%s: larger than %u bytes", path,
				   LXF_APPLY_MAX_SIZE);
	c.spec = calloc(1, sizeof(*c.spec));
	if (!c.spec || !(c.spec->path = strdup(path))) {
		ret = sp_nomem(&c);
		goto out;
	}
	ret = sp_scan(&c, text, len);
	if (ret < 0)
		goto out;
	if (!yaml_parser_initialize(&parser)) {
		ret = sp_nomem(&c);
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	doc_ok = yaml_parser_load(&parser, &doc) != 0;
	if (!doc_ok)
		ret = parser.error == YAML_MEMORY_ERROR
			  ? sp_nomem(&c)
			  : sp_diag_mark(&c, &parser.problem_mark, "YAML: %s",
					 parser.problem ? parser.problem : "invalid");
	yaml_parser_delete(&parser);
	if (ret < 0)
		goto out;
	c.doc = &doc;
	ret = sp_walk(&c);
out:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (ret == -LXF_EINVAL && diags->n) {
		sp_diags_sort(diags);
		lxf_err_set(err, LXF_EINVAL, "%s", diags->v[0]);
	} else if (ret < 0) {
		lxf_apply_diags_fini(diags);
	}
	if (ret < 0) {
		lxf_apply_spec_free(c.spec);
		return ret;
	}
	*out = c.spec;
	return 0;
}

int lxf_apply_spec_load(const char *path, const struct lxf_remotes *known,
			struct lxf_apply_spec **out, struct lxf_apply_diags *diags,
			struct lxf_err *err)
{
	struct lxf_buf b;
	int ret;

	*out = NULL;
	memset(diags, 0, sizeof(*diags));
	lxf_buf_init(&b, LXF_APPLY_MAX_SIZE);
	ret = lxf_file_read(path, LXF_APPLY_MAX_SIZE, &b, err);
	if (ret == -LXF_ETOOBIG)
		ret = lxf_err_set(err, LXF_ETOOBIG, "%s: larger than %u bytes", path,
				  LXF_APPLY_MAX_SIZE);
	if (ret == 0)
		ret =
		    lxf_apply_spec_parse(path, b.data ? b.data : "", b.len, known, out, diags, err);
	lxf_buf_fini(&b);
	return ret;
}

void lxf_apply_spec_free(struct lxf_apply_spec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; i < spec->nremotes; i++) {
		free(spec->remotes[i].name);
		free(spec->remotes[i].url);
		free(spec->remotes[i].token);
	}
	free(spec->remotes);
	for (size_t i = 0; i < spec->nprofiles; i++) {
		free(spec->profiles[i].name);
		json_object_put(spec->profiles[i].obj);
	}
	free(spec->profiles);
	free(spec->defaults.image);
	sp_strv_free(spec->defaults.profiles, spec->defaults.nprofiles);
	for (size_t i = 0; i < spec->ninstances; i++)
		sp_instance_fini(&spec->instances[i]);
	free(spec->instances);
	free(spec->name);
	free(spec->path);
	free(spec);
}

const struct lxf_apply_instance *lxf_apply_spec_find(const struct lxf_apply_spec *spec,
						     const char *name)
{
	for (size_t i = 0; i < spec->ninstances; i++)
		if (strcmp(spec->instances[i].name, name) == 0)
			return &spec->instances[i];
	return NULL;
}

void lxf_apply_diags_fini(struct lxf_apply_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	free(d->pos);
	memset(d, 0, sizeof(*d));
}
