/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML <-> json-c. Parsing walks libyaml's event stream with an explicit
 * stack of open containers, so a hostile document cannot recurse us into
 * the ground; anchors and aliases are refused outright (billion laughs).
 * Emitting goes through libyaml's emitter; strings that would read back as
 * another type are forced into double quotes so that parse(emit(o)) == o.
 */
#include "yaml.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Our own yaml.h sits on the include path ahead of libyaml's <yaml.h> (same
 * name), so libyaml's header is named by its full path; the build may
 * override it where libyaml lives elsewhere.
 */
#ifndef LXF_LIBYAML_HEADER
#define LXF_LIBYAML_HEADER "/usr/include/yaml.h"
#endif
#include LXF_LIBYAML_HEADER

enum yaml_kind { YK_STRING, YK_NULL, YK_BOOL, YK_INT, YK_FLOAT };

struct yaml_frame {
	struct json_object *obj; /* borrowed: owned by its parent (or root) */
	char *key;               /* mapping: the key waiting for its value */
};

struct yaml_ctx {
	struct yaml_frame stack[LXF_YAML_MAX_DEPTH];
	int depth;
	struct json_object *root;
	bool have_root;
	int docs;
	struct lxf_err *err;
};

static bool yaml_is_digits(const char *p, const char **end)
{
	const char *s = p;

	while (*p >= '0' && *p <= '9')
		p++;
	*end = p;
	return p > s;
}

/* Decimal float: [-+]? digits ( '.' digits? )? ( [eE] [-+]? digits )?, needing '.' or exponent. */
static bool yaml_is_float(const char *s)
{
	const char *p = s;
	bool frac = false, ex = false, mant;

	if (*p == '-' || *p == '+')
		p++;
	mant = yaml_is_digits(p, &p);
	if (*p == '.') {
		p++;
		frac = true;
		mant = yaml_is_digits(p, &p) || mant;
	}
	if (!mant)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!yaml_is_digits(p, &p))
			return false;
		ex = true;
	}
	return *p == '\0' && (frac || ex);
}

/* How a plain scalar of this text reads back; the emitter uses the same rule. */
static enum yaml_kind yaml_classify(const char *s, size_t len)
{
	const char *p = s;
	const char *end;

	if (strlen(s) != len)
		return YK_STRING;
	if (len == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0)
		return YK_NULL;
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0)
		return YK_BOOL;
	if (*p == '-' || *p == '+')
		p++;
	if (yaml_is_digits(p, &end) && *end == '\0')
		return YK_INT;
	if (yaml_is_float(s))
		return YK_FLOAT;
	return YK_STRING;
}

static int yaml_fail(struct yaml_ctx *c, const yaml_mark_t *m, const char *what)
{
	return lxf_err_set(c->err, LXF_EINVAL, "line %zu column %zu: %s", m->line + 1,
			   m->column + 1, what);
}

static int yaml_scalar_value(struct yaml_ctx *c, const yaml_event_t *ev, struct json_object **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	enum yaml_kind kind = YK_STRING;
	long long ll;
	double d;

	*out = NULL;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag)
		kind = yaml_classify(s, len);
	switch (kind) {
	case YK_NULL:
		return 0;
	case YK_BOOL:
		*out = json_object_new_boolean(strcasecmp(s, "true") == 0);
		break;
	case YK_INT:
		errno = 0;
		ll = strtoll(s, NULL, 10);
		if (errno == ERANGE)
			return yaml_fail(c, &ev->start_mark, "integer out of range");
		*out = json_object_new_int64(ll);
		break;
	case YK_FLOAT:
		errno = 0;
		d = strtod(s, NULL);
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			return yaml_fail(c, &ev->start_mark, "number out of range");
		*out = json_object_new_double(d);
		break;
	case YK_STRING:
		*out = json_object_new_string_len(s, (int)len);
		break;
	}
	if (!*out)
		return lxf_err_set(c->err, LXF_ENOMEM, "out of memory");
	return 0;
}

/* Attaches val (reference taken over) to the open container, or makes it the root. */
static int yaml_attach(struct yaml_ctx *c, struct json_object *val)
{
	struct yaml_frame *f;
	int ret = 0;

	if (c->depth == 0) {
		c->root = val;
		c->have_root = true;
		return 0;
	}
	f = &c->stack[c->depth - 1];
	if (json_object_is_type(f->obj, json_type_array)) {
		if (json_object_array_add(f->obj, val) != 0)
			ret = -LXF_ENOMEM;
	} else {
		if (json_object_object_add(f->obj, f->key, val) != 0)
			ret = -LXF_ENOMEM;
		free(f->key);
		f->key = NULL;
	}
	if (ret < 0) {
		json_object_put(val);
		return lxf_err_set(c->err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

/* True when the open container is a mapping expecting a key next. */
static bool yaml_wants_key(const struct yaml_ctx *c)
{
	const struct yaml_frame *f;

	if (c->depth == 0)
		return false;
	f = &c->stack[c->depth - 1];
	return json_object_is_type(f->obj, json_type_object) && !f->key;
}

static int yaml_on_key(struct yaml_ctx *c, const yaml_event_t *ev)
{
	struct yaml_frame *f = &c->stack[c->depth - 1];
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	if (strlen(s) != len)
		return yaml_fail(c, &ev->start_mark, "mapping key contains a NUL byte");
	if (json_object_object_get_ex(f->obj, s, NULL)) {
		char what[LXF_ERR_MSG_MAX / 2];

		(void)snprintf(what, sizeof(what), "duplicate key '%s'", s);
		return yaml_fail(c, &ev->start_mark, what);
	}
	f->key = strdup(s);
	if (!f->key)
		return lxf_err_set(c->err, LXF_ENOMEM, "out of memory");
	return 0;
}

static int yaml_on_start(struct yaml_ctx *c, const yaml_event_t *ev, bool mapping)
{
	struct json_object *o;
	int ret;

	if (yaml_wants_key(c))
		return yaml_fail(c, &ev->start_mark, "mapping keys must be scalars");
	if (c->depth >= LXF_YAML_MAX_DEPTH)
		return yaml_fail(c, &ev->start_mark, "nesting too deep");
	o = mapping ? json_object_new_object() : json_object_new_array();
	if (!o)
		return lxf_err_set(c->err, LXF_ENOMEM, "out of memory");
	ret = yaml_attach(c, o);
	if (ret < 0)
		return ret;
	c->stack[c->depth].obj = o;
	c->stack[c->depth].key = NULL;
	c->depth++;
	return 0;
}

static int yaml_on_event(struct yaml_ctx *c, const yaml_event_t *ev)
{
	struct json_object *val = NULL;
	int ret;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++c->docs > 1)
			return yaml_fail(c, &ev->start_mark, "only one document is allowed");
		return 0;
	case YAML_ALIAS_EVENT:
		return yaml_fail(c, &ev->start_mark, "aliases are not allowed");
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			return yaml_fail(c, &ev->start_mark, "anchors are not allowed");
		if (yaml_wants_key(c))
			return yaml_on_key(c, ev);
		ret = yaml_scalar_value(c, ev, &val);
		if (ret < 0)
			return ret;
		return yaml_attach(c, val);
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor)
			return yaml_fail(c, &ev->start_mark, "anchors are not allowed");
		return yaml_on_start(c, ev, false);
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor)
			return yaml_fail(c, &ev->start_mark, "anchors are not allowed");
		return yaml_on_start(c, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (c->depth == 0)
			return yaml_fail(c, &ev->start_mark, "unbalanced end of collection");
		c->depth--;
		free(c->stack[c->depth].key);
		c->stack[c->depth].key = NULL;
		return 0;
	default:
		return 0;
	}
}

int lxf_yaml_parse(const char *s, size_t len, struct json_object **out, struct lxf_err *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct yaml_ctx c;
	bool parser_ok = false;
	bool done = false;
	int ret = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.err = err;
	if (len > LXF_YAML_MAX_SIZE) {
		ret = lxf_err_set(err, LXF_EINVAL, "YAML document larger than %u bytes",
				  LXF_YAML_MAX_SIZE);
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ret = lxf_err_set(
			    err, LXF_EINVAL, "line %zu column %zu: %s%s%s",
			    parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			    parser.problem ? parser.problem : "invalid YAML",
			    parser.context ? " " : "", parser.context ? parser.context : "");
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ret = yaml_on_event(&c, &ev);
		yaml_event_delete(&ev);
		if (ret < 0)
			goto out;
	}
	*out = c.root;
	c.root = NULL;
out:
	for (int i = 0; i < c.depth; i++)
		free(c.stack[i].key);
	json_object_put(c.root);
	if (parser_ok)
		yaml_parser_delete(&parser);
	return ret;
}

struct yaml_out {
	struct lxf_buf buf;
	int ret; /* why the write handler failed */
};

static int yaml_write_handler(void *data, unsigned char *p, size_t n)
{
	struct yaml_out *o = data;
	int ret = lxf_buf_add(&o->buf, p, n);

	if (ret < 0) {
		o->ret = ret;
		return 0;
	}
	return 1;
}

static int yaml_emit_fail(const yaml_emitter_t *em, const struct yaml_out *o, struct lxf_err *err)
{
	if (o->ret == -LXF_ETOOBIG)
		return lxf_err_set(err, LXF_ETOOBIG, "YAML output over the buffer cap");
	if (o->ret == -LXF_ENOMEM || em->error == YAML_MEMORY_ERROR)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return lxf_err_set(err, LXF_EINTERNAL, "YAML emitter: %s",
			   em->problem ? em->problem : "failed");
}

/* libyaml takes the event over whether or not emitting succeeds. */
static int yaml_emit_event(yaml_emitter_t *em, yaml_event_t *ev, struct yaml_out *o,
			   struct lxf_err *err)
{
	if (yaml_emitter_emit(em, ev))
		return 0;
	return yaml_emit_fail(em, o, err);
}

static int yaml_emit_scalar(yaml_emitter_t *em, const char *s, size_t len, bool force_quote,
			    struct yaml_out *o, struct lxf_err *err)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	yaml_event_t ev;

	if (len > INT_MAX)
		return lxf_err_set(err, LXF_ETOOBIG, "string too long for YAML");
	if (force_quote)
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (memchr(s, '\n', len))
		style =
		    YAML_LITERAL_SCALAR_STYLE; /* libyaml falls back when a literal cannot hold it */
	/* libyaml refuses invalid UTF-8 here (and fails on malloc, which is far rarer). */
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style))
		return lxf_err_set(err, LXF_EINVAL, "cannot write string as YAML: invalid UTF-8");
	return yaml_emit_event(em, &ev, o, err);
}

/* YAML 1.1 readers (go-yaml v2 in LXD) take these as booleans; we keep them strings. */
static bool yaml_is_yaml11_bool(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "on", "off"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	return false;
}

static int yaml_emit_string(yaml_emitter_t *em, const char *s, size_t len, struct yaml_out *o,
			    struct lxf_err *err)
{
	bool quote = yaml_classify(s, len) != YK_STRING || yaml_is_yaml11_bool(s);

	return yaml_emit_scalar(em, s, len, quote, o, err);
}

static int yaml_emit_node(yaml_emitter_t *em, struct json_object *v, int depth, struct yaml_out *o,
			  struct lxf_err *err)
{
	yaml_event_t ev;
	char num[64];
	int ret = 0;
	int ok;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return yaml_emit_scalar(em, "null", 4, false, o, err);
	case json_type_boolean:
		return json_object_get_boolean(v) ? yaml_emit_scalar(em, "true", 4, false, o, err)
						  : yaml_emit_scalar(em, "false", 5, false, o, err);
	case json_type_int:
		if (json_object_get_int64(v) == INT64_MAX &&
		    json_object_get_uint64(v) > (uint64_t)INT64_MAX)
			(void)snprintf(num, sizeof(num), "%llu",
				       (unsigned long long)json_object_get_uint64(v));
		else
			(void)snprintf(num, sizeof(num), "%lld",
				       (long long)json_object_get_int64(v));
		return yaml_emit_scalar(em, num, strlen(num), false, o, err);
	case json_type_double: {
		double d = json_object_get_double(v);

		if (!isfinite(d))
			return lxf_err_set(err, LXF_EINVAL, "cannot write a non-finite number");
		(void)snprintf(num, sizeof(num), "%.17g", d);
		/* "5" would read back as an integer. */
		if (!strpbrk(num, ".eE"))
			(void)snprintf(num + strlen(num), sizeof(num) - strlen(num), ".0");
		return yaml_emit_scalar(em, num, strlen(num), false, o, err);
	}
	case json_type_string:
		return yaml_emit_string(em, json_object_get_string(v),
					(size_t)json_object_get_string_len(v), o, err);
	case json_type_object:
	case json_type_array:
		break;
	}
	if (depth >= LXF_YAML_MAX_DEPTH)
		return lxf_err_set(err, LXF_EINVAL, "nesting too deep for YAML");
	if (json_object_is_type(v, json_type_object))
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE);
	else
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_BLOCK_SEQUENCE_STYLE);
	if (!ok)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	ret = yaml_emit_event(em, &ev, o, err);
	if (ret < 0)
		return ret;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val)
		{
			ret = yaml_emit_string(em, key, strlen(key), o, err);
			if (ret == 0)
				ret = yaml_emit_node(em, val, depth + 1, o, err);
			if (ret < 0)
				return ret;
		}
		ok = yaml_mapping_end_event_initialize(&ev);
	} else {
		size_t n = json_object_array_length(v);

		for (size_t i = 0; i < n; i++) {
			ret =
			    yaml_emit_node(em, json_object_array_get_idx(v, i), depth + 1, o, err);
			if (ret < 0)
				return ret;
		}
		ok = yaml_sequence_end_event_initialize(&ev);
	}
	if (!ok)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return yaml_emit_event(em, &ev, o, err);
}

int lxf_yaml_emit(struct json_object *obj, struct lxf_buf *out, struct lxf_err *err)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	struct yaml_out o;
	bool em_ok = false;
	int ret = 0;

	/* Emit into a side buffer so that a failure leaves out untouched. */
	memset(&o, 0, sizeof(o));
	lxf_buf_init(&o.buf, out->cap ? (out->cap > out->len ? out->cap - out->len : 1) : 0);
	if (!yaml_emitter_initialize(&em)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	em_ok = true;
	yaml_emitter_set_output(&em, yaml_write_handler, &o);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = yaml_emit_event(&em, &ev, &o, err);
	if (ret < 0)
		goto out;
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = yaml_emit_event(&em, &ev, &o, err);
	if (ret == 0)
		ret = yaml_emit_node(&em, obj, 0, &o, err);
	if (ret < 0)
		goto out;
	if (!yaml_document_end_event_initialize(&ev, 1)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = yaml_emit_event(&em, &ev, &o, err);
	if (ret < 0)
		goto out;
	if (!yaml_stream_end_event_initialize(&ev)) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = yaml_emit_event(&em, &ev, &o, err);
	if (ret == 0 && !yaml_emitter_flush(&em))
		ret = yaml_emit_fail(&em, &o, err);
	if (ret < 0)
		goto out;
	ret = lxf_buf_add(out, o.buf.data ? o.buf.data : "", o.buf.len);
	if (ret < 0)
		lxf_err_set(err, -ret, "YAML output over the buffer cap");
out:
	if (em_ok)
		yaml_emitter_delete(&em);
	lxf_buf_fini(&o.buf);
	return ret;
}
