/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf launch|init [REMOTE:]IMAGE [[REMOTE:]NAME] [< config.yaml]: create
 * (and start) an instance, with the YAML on stdin as its configuration when
 * stdin is not a terminal (as lxc). An image without a remote is looked up
 * on the instance's target remote: in a fleet each host holds its own copy.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "migrate.h"
#include "obj.h"
#include "sstreams-get.h"
#include "target.h"

/* LXD-valid names ("lxf-3fa9c1"): the server need not generate them. */
static int cmd_launch_name(char **out, struct lxf_err *err)
{
	unsigned char r[3] = {0};

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return lxf_err_sys(err, LXF_EIO, 0, "getrandom");
	if (asprintf(out, "lxf-%02x%02x%02x", r[0], r[1], r[2]) < 0) {
		*out = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

/* A copy of a map of scalars as the string map LXD wants ("limits.cpu: 2" -> "2"). */
static int cmd_launch_strmap(struct json_object *in, const char *what, struct json_object **out,
			     struct lxf_err *err)
{
	struct json_object *m = NULL;

	*out = NULL;
	if (!json_object_is_type(in, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "stdin: '%s' must be a mapping", what);
	m = json_object_new_object();
	if (!m)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	json_object_object_foreach(in, k, v)
	{
		if (json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array)) {
			json_object_put(m);
			return lxf_err_set(err, LXF_EINVAL, "stdin: %s.%s must be a scalar", what,
					   k);
		}
		if (lxf_json_add_str(m, k, v ? json_object_get_string(v) : "") != 0) {
			json_object_put(m);
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
	}
	*out = m;
	return 0;
}

/*
 * The YAML given on stdin (lxc's InstancePut: config, devices, profiles,
 * description, ephemeral; other keys, as `lxf config show` prints them, are
 * ignored as lxc does) into the request body b. -c, -p, --no-profiles and
 * -e, applied after, win.
 */
static int cmd_launch_stdin(struct json_object *b, struct json_object *cfg, struct json_object *in,
			    struct lxf_err *err)
{
	struct json_object *v = NULL, *m = NULL, *devs = NULL;
	int rc = 0;

	if (!in)
		return 0;
	if (!json_object_is_type(in, json_type_object))
		return lxf_err_set(
		    err, LXF_EINVAL,
		    "stdin: want a mapping of config, devices, profiles, description");
	if (json_object_object_get_ex(in, "config", &v) && v) {
		rc = cmd_launch_strmap(v, "config", &m, err);
		if (rc)
			return rc;
		json_object_object_foreach(m, k, val)
		{
			if (json_object_object_add(cfg, k, json_object_get(val)) != 0) {
				json_object_put(m);
				return lxf_err_set(err, LXF_ENOMEM, "out of memory");
			}
		}
		json_object_put(m);
	}
	if (json_object_object_get_ex(in, "devices", &v) && v) {
		if (!json_object_is_type(v, json_type_object))
			return lxf_err_set(err, LXF_EINVAL, "stdin: 'devices' must be a mapping");
		devs = json_object_new_object();
		if (!devs || json_object_object_add(b, "devices", devs) != 0) {
			json_object_put(devs);
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
		json_object_object_foreach(v, dname, dev)
		{
			rc = cmd_launch_strmap(dev, dname, &m, err);
			if (rc)
				return rc;
			if (json_object_object_add(devs, dname, m) != 0) {
				json_object_put(m);
				return lxf_err_set(err, LXF_ENOMEM, "out of memory");
			}
		}
	}
	if (json_object_object_get_ex(in, "profiles", &v) && v) {
		for (size_t i = 0;
		     json_object_is_type(v, json_type_array) && i < json_object_array_length(v);
		     i++)
			if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
				v = NULL;
		if (!json_object_is_type(v, json_type_array))
			return lxf_err_set(err, LXF_EINVAL,
					   "stdin: 'profiles' must be a list of names");
		json_object_object_add(b, "profiles", json_object_get(v));
	}
	if (json_object_object_get_ex(in, "description", &v) && v)
		json_object_object_add(b, "description", json_object_get(v));
	if (json_object_object_get_ex(in, "ephemeral", &v) && json_object_get_boolean(v))
		json_object_object_add(b, "ephemeral", json_object_new_boolean(1));
	return 0;
}

/* The source of a create from simplestreams remote rem's image img, as lxc sends it. */
static int cmd_launch_ss_source(struct json_object *src, const struct lxf_remote *rem,
				const char *img)
{
	json_object_object_del(src, "fingerprint");
	return lxf_json_add_str(src, "mode", "pull") ||
	       lxf_json_add_str(src, "protocol", "simplestreams") ||
	       lxf_json_add_str(src, "server", rem->addr) || lxf_json_add_str(src, "alias", img);
}

static int cmd_launch_body(const struct lxf_cmd_args *args, const char *name, const char *fp,
			   struct json_object *in, struct json_object **out, struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *src = json_object_new_object();
	struct json_object *cfg = json_object_new_object(), *profiles = NULL;
	int rc = 0;

	*out = NULL;
	if (!b || !src || !cfg || json_object_object_add(b, "source", src) != 0) {
		json_object_put(src);
		goto nomem;
	}
	if (json_object_object_add(b, "config", cfg) != 0) {
		json_object_put(cfg);
		goto nomem;
	}
	if (lxf_json_add_str(b, "name", name) != 0 || lxf_json_add_str(b, "type", "container") ||
	    lxf_json_add_str(src, "type", "image") != 0 ||
	    lxf_json_add_str(src, "fingerprint", fp) != 0 ||
	    json_object_object_add(b, "ephemeral",
				   json_object_new_boolean(lxf_args_has(args, 'e'))) != 0)
		goto nomem;
	rc = cmd_launch_stdin(b, cfg, in, err);
	if (rc)
		goto out;
	if (lxf_args_has(args, 'p') || lxf_args_has(args, LXF_OPT_NO_PROFILES)) {
		profiles = json_object_new_array();
		if (!profiles || json_object_object_add(b, "profiles", profiles) != 0) {
			json_object_put(profiles);
			goto nomem;
		}
	}
	for (size_t i = 0; i < args->nopts; i++) {
		const char *a = args->opts[i].arg, *eq;
		char *key;
		int r2;

		if (args->opts[i].val == 'p') {
			if (json_object_array_add(profiles, json_object_new_string(a)) != 0)
				goto nomem;
			continue;
		}
		if (args->opts[i].val != 'c')
			continue;
		eq = strchr(a, '=');
		if (!eq || eq == a) {
			rc = lxf_err_set(err, LXF_EUSAGE, "bad config '%s': want KEY=VALUE", a);
			goto out;
		}
		key = strndup(a, (size_t)(eq - a));
		r2 = key ? lxf_json_add_str(cfg, key, eq + 1) : -1;
		free(key);
		if (r2 != 0)
			goto nomem;
	}
	*out = b;
	return 0;
nomem:
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	json_object_put(b);
	return rc;
}

static int cmd_launch_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	bool start = self->data != NULL;
	bool quiet = ctx->quiet || lxf_args_has(args, 'q');
	struct json_object *body = NULL, *sbody = NULL, *in = NULL;
	char *img_remote = NULL, *img = NULL, *remote = NULL, *name = NULL, *fp = NULL;
	struct lxf_client *c = NULL;
	bool ss = false;
	struct lxf_err err = {0};
	char path[1024];
	int st = LXF_EXIT_OK;

	if (lxf_args_has(args, 'p') && lxf_args_has(args, LXF_OPT_NO_PROFILES))
		return lxf_cmd_usage_error(self, ctx,
					   "--profile and --no-profiles exclude each other");
	/* As lxc: YAML piped in (not a terminal) is the instance's configuration. */
	if (!isatty(STDIN_FILENO) && lxf_obj_stdin_yaml(&in, &err) != 0) {
		lxf_err_prefix(&err, "stdin");
		goto fail;
	}
	if (lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &img_remote, &img, &err) != 0)
		goto fail;
	if (args->argc == 2) {
		if (lxf_cmd_parse_arg(ctx, args->argv[1], LXF_NAME_DEFAULT, &remote, &name, &err) !=
		    0)
			goto fail;
	} else {
		const char *def = img_remote;

		/* Not on an image server: on the default remote. */
		if ((!strchr(args->argv[0], ':') ||
		     lxf_ss_remote(lxf_remotes_find(ctx->remotes, img_remote))) &&
		    lxf_cmd_default_remote(ctx->remotes, &def, &err) != 0)
			goto fail;
		remote = strdup(def);
		name = strdup("");
		if (!remote || !name)
			goto nomem;
	}
	/* An unqualified image lives on the target remote. */
	if (!strchr(args->argv[0], ':')) {
		free(img_remote);
		img_remote = strdup(remote);
		if (!img_remote)
			goto nomem;
	}
	ss = lxf_ss_remote(lxf_remotes_find(ctx->remotes, img_remote));
	if (ss) {
		/* An image server: the target pulls the image itself, as lxc asks LXD. */
	} else if (strcmp(img_remote, remote) != 0) {
		/* The image goes to the instance's remote first (lxf image copy). */
		char *copied = NULL;

		if (lxf_image_copy(ctx->remotes, img_remote, img, remote, NULL, 0, false, false,
				   &copied, &err) != 0)
			goto fail;
		free(img);
		img = copied;
	}
	if (!*name) {
		free(name);
		name = NULL;
		if (cmd_launch_name(&name, &err) != 0)
			goto fail;
	}
	if (lxf_cmd_client(ctx, remote, &c, &err) != 0)
		goto fail;
	if (!ss && lxf_cmd_image_resolve(c, img, &fp, &err) != 0) {
		if (err.code == LXF_ENOENT)
			lxf_target_image_hint(ctx, remote, img, &err);
		goto fail;
	}
	if (cmd_launch_body(args, name, ss ? "" : fp, in, &body, &err) != 0) {
		st = lxf_cmd_error(self, ctx, &err); /* a bad -c is a usage error */
		goto out;
	}
	if (ss && cmd_launch_ss_source(json_object_object_get(body, "source"),
				       lxf_remotes_find(ctx->remotes, img_remote), img) != 0)
		goto nomem;
	if (!quiet)
		fprintf(ctx->out, "Creating %s\n", name);
	(void)fflush(ctx->out);
	if (lxf_client_do(c, "POST", "/1.0/instances", body, NULL, &err) != 0)
		goto fail;
	if (!start)
		goto out;
	if (!quiet)
		fprintf(ctx->out, "Starting %s\n", name);
	(void)fflush(ctx->out);
	sbody = json_object_new_object();
	if (!sbody || lxf_json_add_str(sbody, "action", "start") != 0)
		goto nomem;
	if (lxf_cmd_path(path, sizeof(path), "instances", name, "/state", &err) != 0 ||
	    lxf_client_do(c, "PUT", path, sbody, NULL, &err) != 0)
		goto fail;
	goto out;
nomem:
	lxf_err_set(&err, LXF_ENOMEM, "out of memory");
fail:
	st = lxf_cmd_fail(ctx, &err);
out:
	if (in)
		json_object_put(in);
	if (body)
		json_object_put(body);
	if (sbody)
		json_object_put(sbody);
	lxf_client_free(c);
	free(img_remote);
	free(img);
	free(remote);
	free(name);
	free(fp);
	return st;
}

#define LAUNCH_OPTS                                                                                \
	{                                                                                          \
		{"config", 'c', required_argument, "KEY=VALUE",                                    \
		 "Instance configuration (repeatable)"},                                           \
		    {"profile", 'p', required_argument, "PROFILE",                                 \
		     "Profile to apply (repeatable)"},                                             \
		    {"ephemeral", 'e', no_argument, NULL, "Ephemeral instance"},                   \
		    {"no-profiles", LXF_OPT_NO_PROFILES, no_argument, NULL,                        \
		     "Create without profiles"},                                                   \
		    {"quiet", 'q', no_argument, NULL, "Print nothing on success"},                 \
	}

/* launch and init differ in name, summary and whether the instance starts (.data). */
#define LAUNCH_ENTRY(nm, sum, then)                                                                \
	.name = (nm),                                                                              \
	.usage = "[REMOTE:]IMAGE [[REMOTE:]NAME] [-c KEY=VALUE]... [-p PROFILE]... [-e] "          \
		 "[--no-profiles]",                                                                \
	.summary = (sum), .min_args = 1, .max_args = 2, .data = (then), .opts = LAUNCH_OPTS,       \
	.exec = cmd_launch_exec

const struct lxf_cmd lxf_cmd_launch_entry = {
    LAUNCH_ENTRY("launch", "Create and start an instance from an image", "start"),
};

const struct lxf_cmd lxf_cmd_init_entry = {
    LAUNCH_ENTRY("init", "Create an instance from an image", NULL),
    .aliases = {"create"},
};
