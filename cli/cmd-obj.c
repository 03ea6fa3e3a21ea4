/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole-object editing shared by config, profile, image and device
 * commands: GET with ETag, PUT with If-Match, YAML show and the editor
 * loop of `edit` (see obj.h).
 */
#include "obj.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "json.h"
#include "output.h"
#include "yaml.h"

const char *const lxf_obj_instance_keys[] = {"architecture", "config",   "devices",     "ephemeral",
					     "profiles",     "stateful", "description", NULL};
const char *const lxf_obj_profile_keys[] = {"config", "description", "devices", NULL};
const char *const lxf_obj_server_keys[] = {"config", NULL};
const char *const lxf_obj_image_keys[] = {"auto_update", "properties", "public",
					  "expires_at",  "profiles",   NULL};
const char *const lxf_obj_network_keys[] = {"config", "description", NULL};
const char *const lxf_obj_snapshot_keys[] = {"expires_at", NULL};

#define OBJ_EDIT_HEADER                                                                            \
	"### This is a YAML representation of the object.\n"                                       \
	"### Any line starting with a '#' will be ignored.\n"                                      \
	"### Save and quit to apply; an error re-opens the editor.\n"

void lxf_obj_fini(struct lxf_obj *o)
{
	if (o->full)
		json_object_put(o->full);
	memset(o, 0, sizeof(*o));
}

int lxf_obj_get(struct lxf_client *c, const char *path, struct lxf_obj *o, struct lxf_err *err)
{
	struct lxf_response resp = {0};
	int rc;

	lxf_obj_fini(o);
	rc = lxf_client_request(c, "GET", path, NULL, &resp, err);
	if (rc)
		goto out;
	if (!resp.metadata || !json_object_is_type(resp.metadata, json_type_object)) {
		rc = lxf_err_set(err, LXF_EIO, "%s: the server sent no object", path);
		goto out;
	}
	o->full = json_object_get(resp.metadata);
	(void)snprintf(o->etag, sizeof(o->etag), "%s", resp.etag);
out:
	lxf_response_fini(&resp);
	return rc;
}

struct json_object *lxf_obj_writable(struct json_object *full, const char *const *keys)
{
	struct json_object *w = json_object_new_object(), *v, *copy;

	if (!w)
		return NULL;
	for (size_t i = 0; keys[i]; i++) {
		if (!json_object_object_get_ex(full, keys[i], &v))
			continue;
		copy = NULL;
		if (v && json_object_deep_copy(v, &copy, NULL) != 0) {
			json_object_put(w);
			return NULL;
		}
		if (json_object_object_add(w, keys[i], copy) != 0) {
			json_object_put(copy);
			json_object_put(w);
			return NULL;
		}
	}
	return w;
}

int lxf_obj_put(struct lxf_client *c, const char *path, struct json_object *body, const char *etag,
		struct lxf_err *err)
{
	struct lxf_response resp = {0};
	char hdr[160];
	const char *hdrs[2] = {hdr, NULL};
	int rc;

	(void)snprintf(hdr, sizeof(hdr), "If-Match: %s", etag ? etag : "");
	rc = lxf_client_request_hdrs(c, "PUT", path, body, etag && *etag ? hdrs : NULL, &resp, err);
	if (rc == -LXF_EPRECOND)
		lxf_err_prefix(err, "changed by someone else meanwhile (ETag mismatch)");
	if (rc == 0 && resp.type == LXF_RESP_ASYNC && resp.operation)
		rc = lxf_client_wait_op(c, resp.operation, -1, NULL, err);
	lxf_response_fini(&resp);
	return rc;
}

struct json_object *lxf_obj_map(struct json_object *o, const char *key)
{
	struct json_object *m = NULL;

	if (json_object_object_get_ex(o, key, &m) && m) {
		if (!json_object_is_type(m, json_type_object))
			return NULL;
		return m;
	}
	m = json_object_new_object();
	if (!m || json_object_object_add(o, key, m) != 0) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

int lxf_obj_print_yaml(FILE *f, struct json_object *o, struct lxf_err *err)
{
	return lxf_output_json(f, LXF_FMT_YAML, o, err);
}

int lxf_obj_stdin_yaml(struct json_object **out, struct lxf_err *err)
{
	struct lxf_buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;

	*out = NULL;
	lxf_buf_init(&b, LXF_YAML_MAX_SIZE);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		rc = lxf_buf_add(&b, chunk, n);
		if (rc) {
			rc = lxf_err_set(err, -rc, "input larger than %u bytes", LXF_YAML_MAX_SIZE);
			goto out;
		}
	}
	if (ferror(stdin)) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "reading stdin");
		goto out;
	}
	rc = lxf_yaml_parse(lxf_buf_str(&b), b.len, out, err);
out:
	lxf_buf_fini(&b);
	return rc;
}

/* Reads all of stdin (capped) and applies it once. */
static int obj_edit_stdin(lxf_obj_apply_fn apply, void *ud, struct lxf_err *err)
{
	struct json_object *doc = NULL;
	int rc;

	rc = lxf_obj_stdin_yaml(&doc, err);
	if (rc == 0)
		rc = apply(ud, doc, err);
	if (doc)
		json_object_put(doc);
	return rc;
}

/* Runs the user's editor on path through sh, so that EDITOR may carry arguments. */
static int obj_run_editor(const char *path, struct lxf_err *err)
{
	const char *ed = getenv("VISUAL");
	char cmd[1024];
	pid_t pid;
	int status = 0;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	if ((size_t)snprintf(cmd, sizeof(cmd), "%s \"$1\"", ed) >= sizeof(cmd))
		return lxf_err_set(err, LXF_EINVAL, "editor command too long");
	pid = fork();
	if (pid < 0)
		return lxf_err_sys(err, LXF_EIO, errno, "fork");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return lxf_err_sys(err, LXF_EIO, errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return lxf_err_set(err, LXF_ECANCELED, "editor '%s' failed", ed);
	return 0;
}

/* One round: edit, read back, parse, apply. *again: the user asked to retry. */
static int obj_edit_round(struct lxf_cmd_ctx *ctx, const char *path, const struct lxf_buf *orig,
			  lxf_obj_apply_fn apply, void *ud, bool *again, struct lxf_err *err)
{
	struct json_object *doc = NULL;
	struct lxf_buf b;
	char *line = NULL;
	size_t cap = 0;
	int rc;

	*again = false;
	lxf_buf_init(&b, LXF_YAML_MAX_SIZE);
	rc = obj_run_editor(path, err);
	if (rc)
		goto out;
	rc = lxf_file_read(path, LXF_YAML_MAX_SIZE, &b, err);
	if (rc)
		goto out;
	if (b.len == orig->len && memcmp(b.data, orig->data, b.len) == 0)
		goto out; /* unchanged: nothing to send */
	rc = lxf_yaml_parse(lxf_buf_str(&b), b.len, &doc, err);
	if (rc == 0)
		rc = apply(ud, doc, err);
	if (rc == 0)
		goto out;
	fprintf(ctx->err,
		"Config parsing error: %s\nPress enter to open the editor again or ctrl+c to "
		"abort change\n",
		err->msg);
	if (getline(&line, &cap, stdin) < 0) {
		rc = lxf_err_set(err, LXF_ECANCELED, "edit aborted");
		goto out;
	}
	lxf_err_clear(err);
	*again = true;
	rc = 0;
out:
	free(line);
	if (doc)
		json_object_put(doc);
	lxf_buf_fini(&b);
	return rc;
}

int lxf_obj_edit(struct lxf_cmd_ctx *ctx, struct json_object *current, lxf_obj_apply_fn apply,
		 void *ud, struct lxf_err *err)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[512];
	struct lxf_buf text = {0};
	bool again = true;
	int fd = -1, rc;

	if (!isatty(STDIN_FILENO))
		return obj_edit_stdin(apply, ud, err);
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/lxf_editor_XXXXXX.yaml", tmpdir) >=
	    sizeof(path))
		return lxf_err_set(err, LXF_EINVAL, "TMPDIR too long");
	rc = lxf_buf_adds(&text, OBJ_EDIT_HEADER);
	if (rc == 0)
		rc = lxf_yaml_emit(current, &text, err);
	if (rc)
		goto out;
	fd = mkostemps(path, 5, O_CLOEXEC);
	if (fd < 0) {
		rc = lxf_err_sys(err, LXF_EIO, errno, "creating a temporary file in %s", tmpdir);
		goto out;
	}
	if (write(fd, text.data, text.len) != (ssize_t)text.len || close(fd) != 0) {
		fd = -1;
		rc = lxf_err_sys(err, LXF_EIO, errno, "writing %s", path);
		goto out_unlink;
	}
	fd = -1;
	while (again) {
		rc = obj_edit_round(ctx, path, &text, apply, ud, &again, err);
		if (rc)
			break;
	}
out_unlink:
	(void)unlink(path);
out:
	if (fd >= 0)
		(void)close(fd);
	lxf_buf_fini(&text);
	return rc;
}

char *lxf_obj_strdup(const char *s)
{
	return strdup(s ? s : "");
}

int lxf_obj_same_remote(struct lxf_cmd_ctx *ctx, const char *from_arg, const char *to_arg,
			char **name, struct lxf_err *err)
{
	char *r1 = NULL, *n1 = NULL, *r2 = NULL, *n2 = NULL;
	int rc;

	*name = NULL;
	if (!strchr(to_arg, ':')) {
		*name = strdup(to_arg);
		return *name ? 0 : lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	rc = lxf_remotes_parse_arg(ctx->remotes, from_arg, &r1, &n1, err);
	if (rc == 0)
		rc = lxf_remotes_parse_arg(ctx->remotes, to_arg, &r2, &n2, err);
	if (rc)
		goto out;
	if (strcmp(r1, r2) != 0) {
		rc = lxf_err_set(err, LXF_EUSAGE,
				 "'%s' and '%s' are on different remotes: use move or copy",
				 from_arg, to_arg);
		goto out;
	}
	*name = n2;
	n2 = NULL;
out:
	free(r1);
	free(n1);
	free(r2);
	free(n2);
	return rc;
}

int lxf_obj_put_edit_apply(void *ud, struct json_object *edited, struct lxf_err *err)
{
	const struct lxf_obj_put_edit *e = ud;
	struct json_object *w, *cfg;
	int rc;

	if (!json_object_is_type(edited, json_type_object))
		return lxf_err_set(err, LXF_EINVAL, "the document must be a YAML mapping");
	/* Instance config values are strings; the server's may be other scalars. */
	cfg = lxf_json_path(edited, "config");
	if (e->string_config && cfg) {
		rc = lxf_json_check_string_map(cfg, "config", err);
		if (rc)
			return rc;
	}
	if (!e->keys)
		return lxf_obj_put(e->c, e->path, edited, e->etag, err);
	w = lxf_obj_writable(edited, e->keys);
	if (!w)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_obj_put(e->c, e->path, w, e->etag, err);
	json_object_put(w);
	return rc;
}
