/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client's remotes: config.yml in LXD's format, read and written
 * through the json-c data model (common/yaml.h), replaced atomically.
 */
#include "remotes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cert.h"
#include "file.h"
#include "json.h"
#include "suggest.h"
#include "yaml.h"

#define REMOTES_PATH_MAX 4096

static void remote_fini(struct lxf_remote *rem)
{
	free(rem->name);
	free(rem->addr);
	free(rem->protocol);
	free(rem->project);
	free(rem->auth_type);
	memset(rem, 0, sizeof(*rem));
}

void lxf_remotes_free(struct lxf_remotes *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		remote_fini(&r->v[i]);
	free(r->v);
	free(r->dir);
	free(r->path);
	free(r->default_remote);
	if (r->aliases)
		json_object_put(r->aliases);
	if (r->groups)
		json_object_put(r->groups);
	if (r->extra)
		json_object_put(r->extra);
	free(r);
}

bool lxf_remote_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > LXF_REMOTE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

int lxf_remote_check_addr(const char *addr, struct lxf_err *err)
{
	if (strcmp(addr, "unix://") == 0)
		return 0;
	if (strncmp(addr, "unix:///", 8) == 0 && addr[8] != '\0')
		return 0;
	if (strncmp(addr, "https://", 8) == 0 && addr[8] != '\0' && addr[8] != '/' &&
	    !strpbrk(addr + 8, " \t\r\n"))
		return 0;
	return lxf_err_set(err, LXF_EINVAL,
			   "bad remote address '%s': want unix:///path or https://host[:port]",
			   addr);
}

/* Appends a remote; strings copied. NULL protocol/project/auth_type get LXD's defaults. */
static int remotes_push(struct lxf_remotes *r, const char *name, const char *addr,
			const char *protocol, const char *project, const char *auth_type,
			bool public, bool is_static, struct lxf_err *err)
{
	struct lxf_remote *nv, *rem;

	/* No cap on the count (config.yml's size caps it): grow by doubling. */
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;

		nv = realloc(r->v, cap * sizeof(*nv));
		if (!nv)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		r->v = nv;
		r->cap = cap;
	}
	rem = &r->v[r->n];
	memset(rem, 0, sizeof(*rem));
	rem->name = strdup(name);
	rem->addr = strdup(addr);
	rem->protocol = strdup(protocol ? protocol : "lxd");
	rem->project = strdup(project ? project : "default");
	rem->auth_type = strdup(auth_type ? auth_type : "tls");
	rem->public = public;
	rem->is_static = is_static;
	if (!rem->name || !rem->addr || !rem->protocol || !rem->project || !rem->auth_type) {
		remote_fini(rem);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	r->n++;
	return 0;
}

static int remotes_parse_one(struct lxf_remotes *r, const char *name, struct json_object *o,
			     struct lxf_err *err)
{
	const char *addr = NULL, *protocol = NULL, *project = NULL, *auth_type = NULL;
	bool public = false;
	int rc;

	if (!json_object_is_type(o, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "remote '%s' must be a mapping", name);
	if (!lxf_remote_name_ok(name))
		return lxf_err_set(err, LXF_EINVAL, "bad remote name '%s'", name);
	if ((rc = lxf_json_get_string(o, "addr", true, &addr, err)) != 0 ||
	    (rc = lxf_json_get_string(o, "protocol", false, &protocol, err)) != 0 ||
	    (rc = lxf_json_get_string(o, "project", false, &project, err)) != 0 ||
	    (rc = lxf_json_get_string(o, "auth_type", false, &auth_type, err)) != 0 ||
	    (rc = lxf_json_get_bool(o, "public", false, &public, err)) != 0) {
		lxf_err_prefix(err, "remote '%s'", name);
		return rc;
	}
	rc = lxf_remote_check_addr(addr, err);
	if (rc) {
		lxf_err_prefix(err, "remote '%s'", name);
		return rc;
	}
	if (lxf_remotes_find(r, name))
		return lxf_err_set(err, LXF_EINVAL, "remote '%s' defined twice", name);
	return remotes_push(r, name, addr, protocol, project, auth_type, public, false, err);
}

int lxf_remotes_parse_timeout(const char *text, long *secs, struct lxf_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > LXF_REMOTES_TIMEOUT_MAX)
		return lxf_err_set(err, LXF_EINVAL, "bad timeout '%s': want 1-%ld seconds", text,
				   LXF_REMOTES_TIMEOUT_MAX);
	*secs = v;
	return 0;
}

/* The top-level "timeout:" key (an lxf extension; lxc ignores it). */
static int remotes_parse_timeouts(struct lxf_remotes *r, struct json_object *root,
				  struct lxf_err *err)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(root, "timeout", &v) || !v)
		return 0;
	return lxf_remotes_parse_timeout(json_object_get_string(v), &r->timeout_secs, err);
}

/* The top-level keys read here and in aliases.c and groups.c. */
static const char *const remotes_known_keys[] = {"default-remote", "remotes", "timeout", "aliases",
						 "groups"};

/* Keeps the top-level keys lxf does not know, so that saving writes them back. */
static int remotes_keep_extra(struct lxf_remotes *r, struct json_object *root, struct lxf_err *err)
{
	json_object_object_foreach(root, key, val)
	{
		bool known = false;

		for (size_t i = 0; i < sizeof(remotes_known_keys) / sizeof(*remotes_known_keys);
		     i++)
			known = known || strcmp(key, remotes_known_keys[i]) == 0;
		if (known)
			continue;
		if (!r->extra && !(r->extra = json_object_new_object()))
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		if (json_object_object_add(r->extra, key, json_object_get(val)) != 0) {
			json_object_put(val);
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		}
	}
	return 0;
}

static int remotes_parse(struct lxf_remotes *r, const char *text, size_t len, struct lxf_err *err)
{
	struct json_object *root = NULL, *remotes = NULL;
	const char *def = NULL;
	int rc;

	rc = lxf_yaml_parse(text, len, &root, err);
	if (rc)
		goto out;
	if (!root)
		goto out; /* empty file */
	if (!json_object_is_type(root, json_type_object)) {
		rc = lxf_err_set(err, LXF_EINVAL, "top level must be a mapping");
		goto out;
	}
	rc = lxf_json_get_string(root, "default-remote", false, &def, err);
	if (rc == 0)
		rc = remotes_parse_timeouts(r, root, err);
	if (rc)
		goto out;
	if (def) {
		free(r->default_remote);
		r->default_remote = strdup(def);
		if (!r->default_remote) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (json_object_object_get_ex(root, "remotes", &remotes) && remotes &&
	    !json_object_is_type(remotes, json_type_object)) {
		rc = lxf_err_set(err, LXF_EINVAL, "'remotes' must be a mapping");
		goto out;
	}
	if (remotes) {
		json_object_object_foreach(remotes, key, val)
		{
			/* Static remotes come from the code, not the file. */
			if (strcmp(key, "local") == 0)
				continue;
			rc = remotes_parse_one(r, key, val, err);
			if (rc)
				goto out;
		}
	}
	rc = lxf_remotes_aliases_parse(r, root, err);
	if (rc == 0)
		rc = lxf_remotes_groups_parse(r, root, err);
	if (rc == 0)
		rc = remotes_keep_extra(r, root, err);
	if (rc)
		goto out;
	if (!lxf_remotes_find(r, r->default_remote)) {
		rc = lxf_err_set(err, LXF_EINVAL, "default-remote '%s' is not a known remote",
				 r->default_remote);
		goto out;
	}
out:
	if (root)
		json_object_put(root);
	return rc;
}

static int remotes_dir(const char *dir, char **out, struct lxf_err *err)
{
	const char *env = getenv("LXF_CONF"), *home;
	char buf[REMOTES_PATH_MAX];
	int n;

	*out = NULL;
	if (dir && *dir) {
		n = snprintf(buf, sizeof(buf), "%s", dir);
	} else if (env && *env) {
		n = snprintf(buf, sizeof(buf), "%s", env);
	} else {
		home = getenv("HOME");
		if (!home || !*home)
			return lxf_err_set(err, LXF_EINVAL, "neither LXF_CONF nor HOME is set");
		n = snprintf(buf, sizeof(buf), "%s/.config/lxf", home);
	}
	if (n < 0 || (size_t)n >= sizeof(buf))
		return lxf_err_set(err, LXF_EINVAL, "configuration path too long");
	*out = strdup(buf);
	if (!*out)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return 0;
}

int lxf_remotes_load(const char *dir, struct lxf_remotes **out, struct lxf_err *err)
{
	struct lxf_remotes *r = NULL;
	struct lxf_buf text = {0};
	int rc;

	*out = NULL;
	lxf_buf_init(&text, LXF_CONFIG_MAX);
	r = calloc(1, sizeof(*r));
	if (!r) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = remotes_dir(dir, &r->dir, err);
	if (rc)
		goto out;
	if (asprintf(&r->path, "%s/config.yml", r->dir) < 0) {
		r->path = NULL;
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	r->default_remote = strdup("local");
	if (!r->default_remote) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = remotes_push(r, "local", "unix://", "lxd", "default", "tls", false, true, err);
	if (rc)
		goto out;
	rc = lxf_file_read(r->path, LXF_CONFIG_MAX, &text, err);
	if (rc == -LXF_ENOENT) {
		lxf_err_clear(err);
		rc = 0;
		goto done;
	}
	if (rc)
		goto out;
	rc = remotes_parse(r, lxf_buf_str(&text), text.len, err);
	if (rc) {
		lxf_err_prefix(err, "%s", r->path);
		goto out;
	}
done:
	*out = r;
	r = NULL;
out:
	lxf_buf_fini(&text);
	lxf_remotes_free(r);
	return rc;
}

static int remotes_to_json(const struct lxf_remotes *r, struct json_object **out,
			   struct lxf_err *err)
{
	struct json_object *root = json_object_new_object(), *map = json_object_new_object(), *o;
	int rc = 0;

	*out = NULL;
	if (!root || !map || json_object_object_add(root, "remotes", map) != 0) {
		json_object_put(map);
		goto nomem;
	}
	if (lxf_json_add_str(root, "default-remote", r->default_remote) != 0)
		goto nomem;
	if (r->timeout_secs &&
	    json_object_object_add(root, "timeout", json_object_new_int64(r->timeout_secs)) != 0)
		goto nomem;
	for (size_t i = 0; i < r->n; i++) {
		const struct lxf_remote *rem = &r->v[i];

		if (rem->is_static)
			continue;
		o = json_object_new_object();
		if (!o || json_object_object_add(map, rem->name, o) != 0) {
			json_object_put(o);
			goto nomem;
		}
		if (lxf_json_add_str(o, "addr", rem->addr) != 0 ||
		    lxf_json_add_str(o, "protocol", rem->protocol) != 0 ||
		    lxf_json_add_str(o, "project", rem->project) != 0 ||
		    lxf_json_add_str(o, "auth_type", rem->auth_type) != 0 ||
		    json_object_object_add(o, "public", json_object_new_boolean(rem->public)) != 0)
			goto nomem;
	}
	rc = lxf_remotes_aliases_emit(r, root, err);
	if (rc == 0)
		rc = lxf_remotes_groups_emit(r, root, err);
	if (rc == 0 && r->extra) {
		json_object_object_foreach(r->extra, key, val)
		{
			if (json_object_object_add(root, key, json_object_get(val)) != 0) {
				json_object_put(val);
				rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
				break;
			}
		}
	}
	if (rc) {
		json_object_put(root);
		return rc;
	}
	*out = root;
	return 0;
nomem:
	json_object_put(root);
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return rc;
}

int lxf_remotes_save(const struct lxf_remotes *r, struct lxf_err *err)
{
	struct json_object *root = NULL;
	struct lxf_buf text = {0};
	int rc;

	rc = remotes_to_json(r, &root, err);
	if (rc)
		goto out;
	rc = lxf_yaml_emit(root, &text, err);
	if (rc)
		goto out;
	rc = lxf_mkdir_p(r->dir, 0700, err);
	if (rc)
		goto out;
	rc = lxf_file_write_atomic(r->path, lxf_buf_str(&text), text.len, 0600, err);
out:
	if (root)
		json_object_put(root);
	lxf_buf_fini(&text);
	return rc;
}

const struct lxf_remote *lxf_remotes_find(const struct lxf_remotes *r, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	return NULL;
}

/* Mutable look-up with the errors every editing call shares. */
static int remotes_find_mut(struct lxf_remotes *r, const char *name, struct lxf_remote **out,
			    struct lxf_err *err)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->v[i].name, name) != 0)
			continue;
		if (r->v[i].is_static) {
			(void)lxf_err_set(err, LXF_EPERM,
					  "remote '%s' is static and can't be changed", name);
			return -LXF_EPERM;
		}
		*out = &r->v[i];
		return 0;
	}
	/* Spelled out so that analyzers see a non-zero return with *out unset. */
	(void)lxf_err_set(err, LXF_ENOENT, "remote '%s' not found", name);
	return -LXF_ENOENT;
}

int lxf_remotes_add(struct lxf_remotes *r, const char *name, const char *addr, struct lxf_err *err)
{
	return lxf_remotes_add_ex(r, name, addr, NULL, NULL, NULL, false, err);
}

int lxf_remotes_add_ex(struct lxf_remotes *r, const char *name, const char *addr,
		       const char *protocol, const char *project, const char *auth_type,
		       bool public, struct lxf_err *err)
{
	int rc;

	if (!lxf_remote_name_ok(name))
		return lxf_err_set(err, LXF_EINVAL, "bad remote name '%s'", name);
	if (lxf_remotes_find(r, name))
		return lxf_err_set(err, LXF_EEXIST, "remote '%s' already exists", name);
	rc = lxf_remote_check_addr(addr, err);
	if (rc)
		return rc;
	return remotes_push(r, name, addr, protocol, project, auth_type, public, false, err);
}

int lxf_remotes_remove(struct lxf_remotes *r, const char *name, struct lxf_err *err)
{
	struct lxf_remote *rem = NULL;
	size_t i;
	int rc;

	rc = remotes_find_mut(r, name, &rem, err);
	if (rc == 0)
		rc = lxf_remotes_groups_rename_member(r, name, NULL, err);
	if (rc)
		return rc;
	if (strcmp(r->default_remote, name) == 0) {
		char *def = strdup("local");

		if (!def)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		free(r->default_remote);
		r->default_remote = def;
	}
	i = (size_t)(rem - r->v);
	remote_fini(rem);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
	r->n--;
	return 0;
}

int lxf_remotes_rename(struct lxf_remotes *r, const char *from, const char *to, struct lxf_err *err)
{
	struct lxf_remote *rem = NULL;
	char *nn, *def = NULL;
	int rc;

	rc = remotes_find_mut(r, from, &rem, err);
	if (rc)
		return rc;
	if (!lxf_remote_name_ok(to))
		return lxf_err_set(err, LXF_EINVAL, "bad remote name '%s'", to);
	if (lxf_remotes_find(r, to))
		return lxf_err_set(err, LXF_EEXIST, "remote '%s' already exists", to);
	rc = lxf_remotes_groups_rename_member(r, from, to, err);
	if (rc)
		return rc;
	nn = strdup(to);
	if (strcmp(r->default_remote, from) == 0)
		def = strdup(to);
	if (!nn || (strcmp(r->default_remote, from) == 0 && !def)) {
		free(nn);
		free(def);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	free(rem->name);
	rem->name = nn;
	if (def) {
		free(r->default_remote);
		r->default_remote = def;
	}
	return 0;
}

int lxf_remotes_set_url(struct lxf_remotes *r, const char *name, const char *addr,
			struct lxf_err *err)
{
	struct lxf_remote *rem = NULL;
	char *a;
	int rc;

	rc = remotes_find_mut(r, name, &rem, err);
	if (rc)
		return rc;
	rc = lxf_remote_check_addr(addr, err);
	if (rc)
		return rc;
	a = strdup(addr);
	if (!a)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	free(rem->addr);
	rem->addr = a;
	return 0;
}

int lxf_remotes_set_default(struct lxf_remotes *r, const char *name, struct lxf_err *err)
{
	char *d;

	if (!lxf_remotes_find(r, name))
		return lxf_err_set(err, LXF_ENOENT, "remote '%s' not found", name);
	d = strdup(name);
	if (!d)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	free(r->default_remote);
	r->default_remote = d;
	return 0;
}

int lxf_remotes_not_found(const char *kind, const char *mark, const char *name,
			  const char *const *cands, size_t n, struct lxf_err *err)
{
	const char *best = lxf_suggest(name, cands, n);
	char known[160] = "";
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		/* The last 8 bytes are kept for ", ...": a cut list ends after a whole name. */
		int w =
		    snprintf(known + off, sizeof(known) - 8 - off, "%s%s", i ? ", " : "", cands[i]);

		if (w < 0 || (size_t)w >= sizeof(known) - 8 - off) {
			(void)snprintf(known + off, sizeof(known) - off, ", ...");
			break;
		}
		off += (size_t)w;
	}
	if (best)
		return lxf_err_set(err, LXF_ENOENT,
				   "%s '%s' not found: did you mean '%s%s'? (%ss: %s)", kind, name,
				   mark, best, kind, known);
	return lxf_err_set(err, LXF_ENOENT, "%s '%s' not found (%ss: %s)", kind, name, kind, known);
}

int lxf_remotes_unknown(const struct lxf_remotes *r, const char *name, struct lxf_err *err)
{
	const char **cands = calloc(r->n + 1, sizeof(*cands));
	int rc;

	for (size_t i = 0; cands && i < r->n; i++)
		cands[i] = r->v[i].name;
	rc = lxf_remotes_not_found("remote", "", name, cands, cands ? r->n : 0, err);
	free(cands);
	return rc;
}

int lxf_remotes_parse_arg(const struct lxf_remotes *r, const char *arg, char **remote, char **name,
			  struct lxf_err *err)
{
	const char *colon = strchr(arg, ':');
	char *rn = NULL, *nm = NULL;
	int rc = 0;

	if (remote)
		*remote = NULL;
	if (name)
		*name = NULL;
	if (colon) {
		rn = strndup(arg, (size_t)(colon - arg));
		nm = strdup(colon + 1);
	} else {
		rn = strdup(r->default_remote);
		nm = strdup(arg);
	}
	if (!rn || !nm) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if (lxf_remotes_is_group_spec(rn)) {
		/* "@web:c1": a group is several remotes, an instance is on one. */
		rc = lxf_err_set(err, LXF_EUSAGE, "'%s': %s is a host group: name one remote", arg,
				 rn);
		goto out;
	}
	if (!lxf_remotes_find(r, rn)) {
		rc = lxf_remotes_unknown(r, rn, err);
		goto out;
	}
	if (remote) {
		*remote = rn;
		rn = NULL;
	}
	if (name) {
		*name = nm;
		nm = NULL;
	}
out:
	free(rn);
	free(nm);
	return rc;
}

int lxf_remote_socket_path(const struct lxf_remote *rem, char *buf, size_t len, struct lxf_err *err)
{
	const char *dir = getenv("LXF_DIR");
	int n;

	if (strncmp(rem->addr, "unix://", 7) != 0)
		return lxf_err_set(err, LXF_EINVAL, "remote '%s' is not a unix remote", rem->name);
	if (rem->addr[7] != '\0')
		n = snprintf(buf, len, "%s", rem->addr + 7);
	else if (dir && *dir)
		n = snprintf(buf, len, "%s/unix.socket", dir);
	else
		n = snprintf(buf, len, "/var/lib/lxf/unix.socket");
	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "socket path too long");
	return 0;
}

int lxf_remotes_client(const struct lxf_remotes *r, const struct lxf_remote *rem,
		       struct lxf_client **out, struct lxf_err *err)
{
	struct lxf_client_opts opts = {.project = rem->project,
				       .name = rem->name,
				       .connect_secs = r->timeout_secs,
				       .answer_secs = r->timeout_secs};
	char sock[REMOTES_PATH_MAX + 8], crt[REMOTES_PATH_MAX], key[REMOTES_PATH_MAX],
	    srv[REMOTES_PATH_MAX];

	*out = NULL;
	if (strcmp(rem->protocol, "lxd") != 0)
		return lxf_err_set(err, LXF_ENOTSUP, "remote '%s': protocol '%s' not supported",
				   rem->name, rem->protocol);
	if (strncmp(rem->addr, "unix://", 7) == 0) {
		char path[REMOTES_PATH_MAX];
		int rc = lxf_remote_socket_path(rem, path, sizeof(path), err);

		if (rc)
			return rc;
		(void)snprintf(sock, sizeof(sock), "unix://%s", path);
		opts.addr = sock;
		return lxf_client_new(&opts, out, err);
	}
	opts.addr = rem->addr;
	/* lxc makes its client certificate on first use; so do we. */
	{
		int rc = lxf_cert_ensure_client(r->dir, NULL, err);

		if (rc)
			return rc;
	}
	if (snprintf(crt, sizeof(crt), "%s/client.crt", r->dir) >= (int)sizeof(crt) ||
	    snprintf(key, sizeof(key), "%s/client.key", r->dir) >= (int)sizeof(key) ||
	    snprintf(srv, sizeof(srv), "%s/servercerts/%s.crt", r->dir, rem->name) >=
		(int)sizeof(srv))
		return lxf_err_set(err, LXF_EINVAL, "configuration path too long");
	if (access(crt, R_OK) == 0 && access(key, R_OK) == 0) {
		opts.cert_path = crt;
		opts.key_path = key;
	}
	if (access(srv, F_OK) == 0)
		opts.server_cert_path = srv;
	return lxf_client_new(&opts, out, err);
}

int lxf_remotes_servercert_path(const struct lxf_remotes *r, const char *name, char *buf,
				size_t len, struct lxf_err *err)
{
	int n = snprintf(buf, len, "%s/servercerts/%s.crt", r->dir, name);

	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "configuration path too long");
	return 0;
}
