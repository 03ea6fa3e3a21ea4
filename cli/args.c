/* SPDX-License-Identifier: Apache-2.0 */
/* Pure argument parsing shared by the commands (see args.h). */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int lxf_args_split_path(const char *s, char **name, char **path, struct lxf_err *err)
{
	const char *slash = strchr(s, '/');

	*name = NULL;
	*path = NULL;
	if (!slash || slash == s || slash[1] == '\0')
		return lxf_err_set(err, LXF_EUSAGE, "'%s': want [REMOTE:]INSTANCE/PATH", s);
	*name = strndup(s, (size_t)(slash - s));
	*path = strdup(slash);
	if (!*name || !*path) {
		free(*name);
		free(*path);
		*name = NULL;
		*path = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_args_split_snap(const char *s, char **name, char **snap, struct lxf_err *err)
{
	const char *slash = strchr(s, '/');

	*name = NULL;
	*snap = NULL;
	if (slash && (slash == s || slash[1] == '\0' || strchr(slash + 1, '/')))
		return lxf_err_set(err, LXF_EUSAGE, "'%s': want INSTANCE/SNAPSHOT", s);
	if (!*s)
		return lxf_err_set(err, LXF_EUSAGE, "missing instance name");
	*name = slash ? strndup(s, (size_t)(slash - s)) : strdup(s);
	if (slash)
		*snap = strdup(slash + 1);
	if (!*name || (slash && !*snap)) {
		free(*name);
		free(*snap);
		*name = NULL;
		*snap = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_args_kv(const char *s, char **key, char **value, struct lxf_err *err)
{
	const char *eq = strchr(s, '=');

	*key = NULL;
	*value = NULL;
	if (!eq || eq == s || strcspn(s, " \t\n") < (size_t)(eq - s))
		return lxf_err_set(err, LXF_EUSAGE, "bad key=value '%s'", s);
	*key = strndup(s, (size_t)(eq - s));
	*value = strdup(eq + 1);
	if (!*key || !*value) {
		free(*key);
		free(*value);
		*key = NULL;
		*value = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

/* Sets (or, for NULL/"" without keep_empty, removes) one key of obj. */
static int args_put(struct json_object *obj, const char *key, const char *val, bool keep_empty,
		    struct lxf_err *err)
{
	struct json_object *v;

	if (!val)
		val = "";
	if (!*val && !keep_empty) {
		json_object_object_del(obj, key);
		return 0;
	}
	v = json_object_new_string(val);
	if (!v || json_object_object_add(obj, key, v) != 0) {
		json_object_put(v);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_args_apply_kvs(struct json_object *obj, int n, char *const *words, struct lxf_err *err)
{
	char *k = NULL, *v = NULL;
	int rc = 0;

	if (n <= 0)
		return lxf_err_set(err, LXF_EUSAGE, "missing key=value");
	/* Validate everything first: a bad word changes nothing. */
	for (int i = 0; i < n; i++) {
		rc = lxf_args_kv(words[i], &k, &v, err);
		free(k);
		free(v);
		if (rc)
			return rc;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		rc = lxf_args_kv(words[i], &k, &v, err);
		if (rc == 0)
			rc = args_put(obj, k, v, false, err);
		free(k);
		free(v);
	}
	return rc;
}

int lxf_args_apply_set(struct json_object *obj, int n, char *const *words, bool keep_empty,
		       struct lxf_err *err)
{
	if (n == 2 && !strchr(words[0], '=')) {
		if (!*words[0] || strcspn(words[0], " \t\n") != strlen(words[0]))
			return lxf_err_set(err, LXF_EUSAGE, "bad key '%s'", words[0]);
		return args_put(obj, words[0], words[1], keep_empty, err);
	}
	return lxf_args_apply_kvs(obj, n, words, err);
}

int lxf_args_mode(const char *s, int *mode, struct lxf_err *err)
{
	char *end;
	long m;

	errno = 0;
	m = strtol(s, &end, 8);
	if (errno || end == s || *end || m < 0 || m > 07777)
		return lxf_err_set(err, LXF_EUSAGE, "bad mode '%s' (want octal, e.g. 0644)", s);
	*mode = (int)m;
	return 0;
}

int lxf_args_id(const char *s, const char *what, long long *id, struct lxf_err *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 4294967294LL)
		return lxf_err_set(err, LXF_EUSAGE, "bad %s '%s'", what, s);
	*id = v;
	return 0;
}
