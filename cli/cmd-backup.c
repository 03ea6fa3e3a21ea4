/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instance backups as tarballs, as `lxc export` and `lxc import` make and
 * read them (LXD's layout, so each reads the other's):
 *   lxf export [REMOTE:]INSTANCE [FILE] [--instance-only] [--compression ALG]
 *     a backup made on the server (POST .../backups, an operation),
 *     downloaded into a temporary file beside FILE (default
 *     INSTANCE.tar.gz) that is renamed when complete, then deleted on the
 *     server whatever happened: a failure leaves no partial file and no
 *     backup behind. Reached through `lxf export`'s dispatch
 *     (cmd-export.c, lxf_export_is_stack).
 *   lxf import [REMOTE:] FILE [NAME]
 *     the tarball streamed as the body of POST /1.0/instances
 *     (application/octet-stream, X-LXD-name for a new name); the server
 *     makes the instance and its snapshots, or nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "cmd.h"
#include "file.h"
#include "json.h"

/* `lxf export`'s option values (cmd-export.c's entry lists them). */
enum { BK_OPT_STACK_NAME = 500, BK_OPT_INSTANCE_ONLY = 540, BK_OPT_COMPRESSION };

/* Makes backup bname of name on c (an operation, waited for). */
static int backup_make(struct lxf_client *c, const char *name, const char *bname,
		       const struct lxf_cmd_args *args, struct lxf_err *err)
{
	struct json_object *b = json_object_new_object();
	const char *alg = lxf_args_get(args, BK_OPT_COMPRESSION);
	char path[512];
	int rc;

	if (!b)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	lxf_json_add_str(b, "name", bname);
	json_object_object_add(b, "instance_only",
			       json_object_new_boolean(lxf_args_has(args, BK_OPT_INSTANCE_ONLY)));
	if (alg)
		lxf_json_add_str(b, "compression_algorithm", alg);
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/backups", err);
	if (rc == 0)
		rc = lxf_client_do(c, "POST", path, b, NULL, err);
	json_object_put(b);
	return rc;
}

int lxf_export_instance(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args)
{
	struct lxf_file_tmp tmp = {-1, NULL};
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	char *name = NULL, *file = NULL, bname[64], path[1024];
	bool made = false;
	int st = LXF_EXIT_OK, rc;

	if (args->argc > 2)
		return lxf_cmd_usage_error(self, ctx, "want [REMOTE:]INSTANCE [FILE]");
	if (lxf_args_get(args, BK_OPT_STACK_NAME))
		return lxf_cmd_usage_error(self, ctx, "--name is for the stack export only");
	rc = lxf_cmd_target(ctx, args->argv[0], true, &c, &name, &err);
	if (rc)
		goto fail;
	if (args->argc > 1)
		file = strdup(args->argv[1]);
	else if (asprintf(&file, "%s.tar.gz", name) < 0)
		file = NULL;
	if (!file) {
		(void)lxf_err_set(&err, LXF_ENOMEM, "out of memory");
		goto fail;
	}
	/* First the place to write: an unwritable one costs no backup. */
	if (lxf_file_tmp_open(&tmp, "%s.lxf-", file) != 0) {
		(void)lxf_err_sys(&err, LXF_EIO, errno, "cannot create %s", file);
		goto fail;
	}
	snprintf(bname, sizeof(bname), "lxf-export-%ld-%d", (long)time(NULL), (int)getpid());
	rc = backup_make(c, name, bname, args, &err);
	if (rc) {
		lxf_err_prefix(&err, "%s", args->argv[0]);
		goto fail;
	}
	made = true;
	snprintf(path, sizeof(path), "/1.0/instances/%s/backups/%s/export", name, bname);
	rc = lxf_client_download(c, path, tmp.fd, &resp, &err);
	if (rc == 0 && !resp.streamed)
		rc = lxf_err_set(&err, LXF_EIO, "the server sent no backup file");
	if (rc == 0 && lxf_file_tmp_commit(&tmp, 0600, file) != 0)
		rc = lxf_err_sys(&err, LXF_EIO, errno, "writing %s", file);
	if (rc)
		goto fail;
	if (!ctx->quiet)
		fprintf(ctx->out, "Backup exported to %s\n", file);
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	if (made) {
		struct lxf_err e = {0};
		snprintf(path, sizeof(path), "/1.0/instances/%s/backups/%s", name, bname);
		if (lxf_client_do(c, "DELETE", path, NULL, NULL, &e) != 0)
			fprintf(ctx->err, "Warning: backup %s left on the server: %s\n", bname,
				e.msg);
	}
	lxf_file_tmp_fini(&tmp);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(name);
	free(file);
	return st;
}

static int cmd_import_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			   const struct lxf_cmd_args *args)
{
	const char *file, *newname = NULL, *remote = NULL;
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct json_object *op = NULL;
	char hdr[128], *rem = NULL, *rest = NULL;
	const char *hdrs[2] = {NULL, NULL};
	int i = 0, st = LXF_EXIT_OK, rc;

	/* [REMOTE:] first, as lxc has it. */
	if (args->argc > 1 && args->argv[0][0] && args->argv[0][strlen(args->argv[0]) - 1] == ':') {
		rc = lxf_remotes_parse_arg(ctx->remotes, args->argv[0], &rem, &rest, &err);
		if (rc)
			goto fail;
		remote = rem;
		i = 1;
	}
	if (args->argc - i < 1 || args->argc - i > 2)
		return lxf_cmd_usage_error(self, ctx, "want [REMOTE:] FILE [NAME]");
	file = args->argv[i];
	if (args->argc - i == 2) {
		newname = args->argv[i + 1];
		snprintf(hdr, sizeof(hdr), "X-LXD-name: %s", newname);
		hdrs[0] = hdr;
	}
	if (access(file, R_OK) != 0) {
		(void)lxf_err_sys(&err, LXF_ENOENT, errno, "cannot read %s", file);
		goto fail;
	}
	rc = lxf_cmd_client(ctx, remote, &c, &err);
	if (rc == 0 && (rc = lxf_client_upload(c, "/1.0/instances", file, hdrs, &resp, &err)))
		lxf_err_prefix(&err, "import of %s", file);
	/* The operation's error names the instance already. */
	if (rc == 0 && resp.operation)
		rc = lxf_client_wait_op(c, resp.operation, -1, &op, &err);
	if (rc)
		goto fail;
	if (!ctx->quiet)
		fprintf(ctx->out, "Instance imported from %s\n", file);
	goto out;
fail:
	st = lxf_cmd_error(self, ctx, &err);
out:
	json_object_put(op);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(rem);
	free(rest);
	return st;
}

const struct lxf_cmd lxf_cmd_import_entry = {
    .name = "import",
    .usage = "[REMOTE:] FILE [NAME]",
    .summary = "Make an instance from a backup tarball (lxf export, lxc export)",
    .min_args = 1,
    .max_args = 3,
    .exec = cmd_import_exec,
};
