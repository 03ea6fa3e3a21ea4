/* SPDX-License-Identifier: Apache-2.0 */
/* POST /1.0/instances/{name}/exec: the body (LXD's InstanceExecPost) into struct exec. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "exec_int.h"
#include "http.h"
#include "json.h"

#define EXEC_MAX_ARGS     4096
#define EXEC_MAX_ENV      1024
#define EXEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static char *env_pair(const char *k, const char *v)
{
	size_t n = strlen(k) + strlen(v) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s=%s", k, v);
	return s;
}

static int parse_command(struct json_object *body, struct exec *x, struct lxf_err *err)
{
	struct json_object *cmd = NULL;
	size_t n;
	int ret = lxf_json_get_array(body, "command", true, &cmd, err);

	if (ret < 0)
		return ret;
	n = json_object_array_length(cmd);
	if (n == 0)
		return lxf_err_set(err, LXF_EINVAL, "The command is empty");
	if (n > EXEC_MAX_ARGS)
		return lxf_err_set(err, LXF_EINVAL, "Too many arguments (limit %d)", EXEC_MAX_ARGS);
	x->argv = calloc(n + 1, sizeof(char *));
	if (!x->argv)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(cmd, i);
		if (!json_object_is_type(a, json_type_string) ||
		    strlen(json_object_get_string(a)) != (size_t)json_object_get_string_len(a))
			return lxf_err_set(err, LXF_EINVAL, "command[%zu] must be a string", i);
		if (!(x->argv[i] = strdup(json_object_get_string(a))))
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	if (!x->argv[0][0])
		return lxf_err_set(err, LXF_EINVAL, "The command is empty");
	return 0;
}

/* LXD's defaults under the client's environment map. */
static int parse_env(struct json_object *body, struct exec *x, struct lxf_err *err)
{
	static const char *const defaults[][2] = {
	    {"PATH", EXEC_DEFAULT_PATH}, {"LANG", "C.UTF-8"}, {"HOME", "/root"}, {"USER", "root"}};
	struct json_object *env = NULL;
	size_t n = 0, cnt;
	int ret = lxf_json_get_object(body, "environment", false, &env, err);

	if (ret < 0)
		return ret;
	if (env && (ret = lxf_json_check_string_map(env, "environment", err)) < 0)
		return ret;
	cnt = env ? (size_t)json_object_object_length(env) : 0;
	if (cnt > EXEC_MAX_ENV)
		return lxf_err_set(err, LXF_EINVAL, "Too many environment variables");
	x->env = calloc(cnt + 5, sizeof(char *));
	if (!x->env)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	if (env) {
		json_object_object_foreach(env, k, v)
		{
			const char *s = json_object_get_string(v);
			if (!k[0] || strchr(k, '=') ||
			    strlen(s) != (size_t)json_object_get_string_len(v))
				return lxf_err_set(err, LXF_EINVAL,
						   "Invalid environment variable \"%s\"", k);
			if (!(x->env[n++] = env_pair(k, s)))
				return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		}
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (env && json_object_object_get_ex(env, defaults[i][0], NULL))
			continue;
		/* HOME and USER name root: only right for uid 0. */
		if (i >= 2 && x->uid > 0)
			continue;
		if (!(x->env[n++] = env_pair(defaults[i][0], defaults[i][1])))
			return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	}
	return 0;
}

int exec_parse_body(struct http_req *req, struct exec *x, struct lxf_err *err)
{
	struct json_object *body = NULL;
	const char *cwd = NULL;
	int64_t w = 0, h = 0, uid = 0, gid = 0;
	bool record = false;
	int ret = api_body_object(req, &body, err);

	if (ret < 0)
		return ret;
	x->wait_ws = false;
	if (lxf_json_get_bool(body, "interactive", false, &x->interactive, err) < 0 ||
	    lxf_json_get_bool(body, "wait-for-websocket", false, &x->wait_ws, err) < 0 ||
	    lxf_json_get_bool(body, "record-output", false, &record, err) < 0 ||
	    lxf_json_get_int(body, "width", false, &w, err) < 0 ||
	    lxf_json_get_int(body, "height", false, &h, err) < 0 ||
	    lxf_json_get_int(body, "user", false, &uid, err) < 0 ||
	    lxf_json_get_int(body, "group", false, &gid, err) < 0 ||
	    lxf_json_get_string(body, "cwd", false, &cwd, err) < 0)
		return -LXF_EINVAL;
	if (record)
		return lxf_err_set(err, LXF_ENOTSUP, "record-output is not supported");
	if (w < 0 || w > 65535 || h < 0 || h > 65535)
		return lxf_err_set(err, LXF_EINVAL, "Invalid terminal size %lldx%lld", (long long)w,
				   (long long)h);
	if (uid < 0 || uid > 0xfffffffeLL || gid < 0 || gid > 0xfffffffeLL)
		return lxf_err_set(err, LXF_EINVAL, "Invalid user or group");
	if (cwd && cwd[0] && cwd[0] != '/')
		return lxf_err_set(err, LXF_EINVAL, "cwd must be an absolute path");
	x->width = (int)w;
	x->height = (int)h;
	x->uid = (long)uid;
	x->gid = (long)gid;
	if (cwd && cwd[0] && !(x->cwd = strdup(cwd)))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	ret = parse_command(body, x, err);
	if (ret == 0)
		ret = parse_env(body, x, err);
	return ret;
}
