/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict JSON parsing (depth cap, no trailing garbage) and typed member
 * look-ups that turn "wrong shape" into a clear EINVAL message, so that
 * handlers never dereference a member of an unexpected type.
 */
#include "json.h"

#include <limits.h>
#include <string.h>

static bool json_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int lxf_json_parse(const char *s, size_t len, int max_depth, struct json_object **out,
		   struct lxf_err *err)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t off;
	int ret = 0;

	*out = NULL;
	if (max_depth <= 0)
		max_depth = LXF_JSON_MAX_DEPTH;
	if (len > INT_MAX) {
		ret = lxf_err_set(err, LXF_ETOOBIG, "JSON document too large");
		goto out;
	}
	if (len == 0) {
		ret = lxf_err_set(err, LXF_EINVAL, "invalid JSON: empty document");
		goto out;
	}
	/* json-c's depth counts the top-level value too; ours counts nesting levels below it. */
	tok = json_tokener_new_ex(max_depth + 1);
	if (!tok) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* Input ended inside a value: a bare number ends here, anything else is cut short. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		off = len;
	}
	if (jerr != json_tokener_success) {
		ret = lxf_err_set(err, LXF_EINVAL, "invalid JSON at offset %zu: %s", off,
				  json_tokener_error_desc(jerr));
		goto out;
	}
	for (; off < len; off++) {
		if (!json_is_space(s[off])) {
			ret = lxf_err_set(err, LXF_EINVAL,
					  "invalid JSON at offset %zu: trailing data after value",
					  off);
			goto out;
		}
	}
	*out = obj;
	obj = NULL;
out:
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	return ret;
}

/*
 * Shared shape of the typed getters: 1 = member found with the right type in
 * *val, 0 = absent and optional, <0 = error already filled.
 */
static int json_member(struct json_object *o, const char *key, bool required, json_type type,
		       const char *type_name, struct json_object **val, struct lxf_err *err)
{
	struct json_object *v = NULL;

	*val = NULL;
	if (!o || !json_object_is_type(o, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "expected an object holding '%s'", key);
	/* LXD's Go clients send null for an empty map or list: same as absent. */
	if (!json_object_object_get_ex(o, key, &v) || !v) {
		if (required)
			return lxf_err_set(err, LXF_EINVAL, "missing '%s'", key);
		return 0;
	}
	if (!json_object_is_type(v, type))
		return lxf_err_set(err, LXF_EINVAL, "'%s' must be %s", key, type_name);
	*val = v;
	return 1;
}

int lxf_json_get_string(struct json_object *o, const char *key, bool required, const char **out,
			struct lxf_err *err)
{
	struct json_object *v;
	int ret = json_member(o, key, required, json_type_string, "a string", &v, err);

	if (ret <= 0)
		return ret;
	*out = json_object_get_string(v);
	return 0;
}

int lxf_json_get_int(struct json_object *o, const char *key, bool required, int64_t *out,
		     struct lxf_err *err)
{
	struct json_object *v;
	int ret = json_member(o, key, required, json_type_int, "an integer", &v, err);

	if (ret <= 0)
		return ret;
	/* json-c stores big positive values as uint64; refuse what int64 cannot hold. */
	if (json_object_get_int64(v) == INT64_MAX &&
	    json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return lxf_err_set(err, LXF_EINVAL, "'%s' is out of range", key);
	*out = json_object_get_int64(v);
	return 0;
}

int lxf_json_get_bool(struct json_object *o, const char *key, bool required, bool *out,
		      struct lxf_err *err)
{
	struct json_object *v;
	int ret = json_member(o, key, required, json_type_boolean, "a boolean", &v, err);

	if (ret <= 0)
		return ret;
	*out = json_object_get_boolean(v) != 0;
	return 0;
}

int lxf_json_get_object(struct json_object *o, const char *key, bool required,
			struct json_object **out, struct lxf_err *err)
{
	struct json_object *v;
	int ret = json_member(o, key, required, json_type_object, "an object", &v, err);

	if (ret <= 0)
		return ret;
	*out = v;
	return 0;
}

int lxf_json_get_array(struct json_object *o, const char *key, bool required,
		       struct json_object **out, struct lxf_err *err)
{
	struct json_object *v;
	int ret = json_member(o, key, required, json_type_array, "an array", &v, err);

	if (ret <= 0)
		return ret;
	*out = v;
	return 0;
}

const char *lxf_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int lxf_json_check_string_map(struct json_object *o, const char *what, struct lxf_err *err)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "'%s' must be an object", what);
	json_object_object_foreach(o, key, val)
	{
		if (!json_object_is_type(val, json_type_string))
			return lxf_err_set(err, LXF_EINVAL, "%s: value of '%s' must be a string",
					   what, key);
	}
	return 0;
}

int lxf_json_add_str(struct json_object *o, const char *key, const char *val)
{
	struct json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object))
		return -LXF_EINTERNAL;
	if (val) {
		v = json_object_new_string(val);
		if (!v)
			return -LXF_ENOMEM;
	}
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -LXF_ENOMEM;
	}
	return 0;
}

struct json_object *lxf_json_copy(struct json_object *o)
{
	struct json_object *c = NULL;

	if (!o || json_object_deep_copy(o, &c, NULL) < 0)
		return NULL;
	return c;
}

struct json_object *lxf_json_without_prefix(struct json_object *o, const char *prefix)
{
	struct json_object *c = json_object_new_object();
	size_t n = strlen(prefix);

	if (!c || !o)
		return c;
	json_object_object_foreach(o, k, v)
	{
		if (strncmp(k, prefix, n) != 0)
			json_object_object_add(c, k, json_object_get(v));
	}
	return c;
}

struct json_object *lxf_json_path(struct json_object *o, const char *dotted)
{
	const char *p = dotted;
	char key[256];

	while (o && p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		struct json_object *next = NULL;

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &next))
			return NULL;
		o = next;
		p = dot ? dot + 1 : NULL;
	}
	return o;
}
