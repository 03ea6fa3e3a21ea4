/* SPDX-License-Identifier: Apache-2.0 */
/* LXD's simple instance filters: parse once, match each Instance object. */
#include "filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hex.h"
#include "json.h"

#define FILTER_MAX_LEN     4096
#define FILTER_MAX_CLAUSES 64

enum join { JOIN_FIRST, JOIN_AND, JOIN_OR };

struct clause {
	enum join join;
	bool negate, ne;
	char *field, *value;
};

struct filter {
	int n;
	struct clause c[FILTER_MAX_CLAUSES];
};

static const char *const plain_fields[] = {"name",        "status",       "type",
					   "description", "architecture", "location",
					   "project",     "ephemeral",    "stateful"};

void filter_free(struct filter *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		free(f->c[i].field);
		free(f->c[i].value);
	}
	free(f);
}

/* %XX and '+' decoding, in place. */
static void url_decode(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '+') {
			*w++ = ' ';
		} else if (*r == '%' && lxf_hexval(r[1]) >= 0 && lxf_hexval(r[2]) >= 0) {
			*w++ = (char)(lxf_hexval(r[1]) * 16 + lxf_hexval(r[2]));
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* The next word of *p (quotes group, and are removed); NULL at the end. */
static int next_token(char **p, char **tok, struct lxf_err *err)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	*tok = NULL;
	if (!*s) {
		*p = s;
		return 0;
	}
	if (*s == '"' || *s == '\'') {
		char q = *s++;
		char *end = strchr(s, q);
		if (!end)
			return lxf_err_set(err, LXF_EINVAL, "Invalid filter: unterminated quote");
		*end = '\0';
		*tok = s;
		*p = end + 1;
		if (**p && **p != ' ' && **p != '\t')
			return lxf_err_set(err, LXF_EINVAL,
					   "Invalid filter: text after a closing quote");
		return 0;
	}
	w = s;
	while (*w && *w != ' ' && *w != '\t')
		w++;
	if (*w)
		*w++ = '\0';
	*tok = s;
	*p = w;
	return 0;
}

static bool field_ok(const char *f)
{
	for (size_t i = 0; i < sizeof(plain_fields) / sizeof(plain_fields[0]); i++)
		if (strcmp(f, plain_fields[i]) == 0)
			return true;
	return (strncmp(f, "config.", 7) == 0 && f[7]) ||
	       (strncmp(f, "expanded_config.", 16) == 0 && f[16]);
}

static int parse_clause(char **p, struct clause *c, struct lxf_err *err)
{
	char *tok = NULL, *op = NULL, *val = NULL;

	if (next_token(p, &tok, err) < 0)
		return -LXF_EINVAL;
	if (tok && strcasecmp(tok, "not") == 0) {
		c->negate = true;
		if (next_token(p, &tok, err) < 0)
			return -LXF_EINVAL;
	}
	if (!tok)
		return lxf_err_set(err, LXF_EINVAL, "Invalid filter: a field name is missing");
	if (next_token(p, &op, err) < 0)
		return -LXF_EINVAL;
	if (!op)
		return lxf_err_set(err, LXF_EINVAL, "Invalid filter: no operator after \"%s\"",
				   tok);
	if (next_token(p, &val, err) < 0)
		return -LXF_EINVAL;
	if (!field_ok(tok))
		return lxf_err_set(err, LXF_EINVAL, "Invalid filter: unknown field \"%s\"", tok);
	if (strcasecmp(op, "eq") != 0 && strcasecmp(op, "ne") != 0)
		return lxf_err_set(err, LXF_EINVAL,
				   "Invalid filter: operator \"%s\" (only eq and ne are supported)",
				   op);
	if (!val)
		return lxf_err_set(err, LXF_EINVAL, "Invalid filter: no value after \"%s %s\"", tok,
				   op);
	c->ne = strcasecmp(op, "ne") == 0;
	c->field = strdup(tok);
	c->value = strdup(val);
	if (!c->field || !c->value)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return 0;
}

int filter_parse(const char *s, struct filter **out, struct lxf_err *err)
{
	struct filter *f = NULL;
	char *copy = NULL, *p, *tok = NULL;
	int ret = 0;

	*out = NULL;
	if (!s || strlen(s) > FILTER_MAX_LEN)
		return lxf_err_set(err, LXF_EINVAL, "Invalid filter: longer than %d bytes",
				   FILTER_MAX_LEN);
	copy = strdup(s);
	f = calloc(1, sizeof(*f));
	if (!copy || !f) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	url_decode(copy);
	p = copy;
	for (enum join join = JOIN_FIRST;;) {
		if (f->n == FILTER_MAX_CLAUSES) {
			ret = lxf_err_set(err, LXF_EINVAL, "Invalid filter: more than %d clauses",
					  FILTER_MAX_CLAUSES);
			goto out;
		}
		f->c[f->n].join = join;
		ret = parse_clause(&p, &f->c[f->n], err);
		f->n++;
		if (ret < 0)
			goto out;
		ret = next_token(&p, &tok, err);
		if (ret < 0 || !tok)
			break;
		if (strcasecmp(tok, "and") != 0 && strcasecmp(tok, "or") != 0) {
			ret = lxf_err_set(err, LXF_EINVAL,
					  "Invalid filter: expected \"and\" or \"or\", got \"%s\"",
					  tok);
			goto out;
		}
		join = strcasecmp(tok, "and") == 0 ? JOIN_AND : JOIN_OR;
	}
out:
	free(copy);
	if (ret < 0)
		filter_free(f);
	else
		*out = f;
	return ret;
}

/* The field's value as text into buf (config keys may be absent: ""). */
static const char *field_value(struct json_object *inst, const char *field, char *buf, size_t n)
{
	struct json_object *v = NULL;
	const char *dot = strchr(field, '.');

	if (dot &&
	    (strncmp(field, "config.", 7) == 0 || strncmp(field, "expanded_config.", 16) == 0)) {
		char top[32];
		snprintf(top, sizeof(top), "%.*s", (int)(dot - field), field);
		v = json_object_object_get(json_object_object_get(inst, top), dot + 1);
	} else {
		v = json_object_object_get(inst, field);
	}
	if (!v)
		return "";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	snprintf(buf, n, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return buf;
}

static bool clause_match(const struct clause *c, struct json_object *inst)
{
	char buf[256];
	const char *v = field_value(inst, c->field, buf, sizeof(buf));
	bool fold = strcmp(c->field, "status") == 0 || strcmp(c->field, "type") == 0;
	bool eq = fold ? strcasecmp(v, c->value) == 0 : strcmp(v, c->value) == 0;
	bool hit = c->ne ? !eq : eq;

	return c->negate ? !hit : hit;
}

bool filter_match(const struct filter *f, struct json_object *inst)
{
	bool result = true;

	for (int i = 0; f && i < f->n; i++) {
		bool m = clause_match(&f->c[i], inst);
		if (f->c[i].join == JOIN_FIRST)
			result = m;
		else if (f->c[i].join == JOIN_AND)
			result = result && m;
		else
			result = result || m;
	}
	return result;
}
