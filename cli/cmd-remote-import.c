/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf remote import-lxc: takes over an lxc client configuration (its
 * config.yml is in the same format as ours): the LXD remotes that lxf does
 * not have yet, their pinned server certificates, and lxc's client
 * certificate when lxf has none. Nothing of lxf's is ever overwritten.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "file.h"

#define IMP_PATH_MAX 4096
#define IMP_FILE_MAX (1u << 20)

enum { IMP_OPT_CONF = 420 };

/* --conf, else $LXD_CONF, else ~/.config/lxc, else the snap's. */
static int imp_source_dir(const char *opt, char *buf, size_t len, struct lxf_err *err)
{
	const char *env = getenv("LXD_CONF"), *home = getenv("HOME");
	struct stat st;
	int n;

	if (opt && *opt)
		n = snprintf(buf, len, "%s", opt);
	else if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (!home || !*home)
		return lxf_err_set(err, LXF_EINVAL, "HOME is not set: give --conf DIR");
	else {
		n = snprintf(buf, len, "%s/.config/lxc", home);
		if (n > 0 && (size_t)n < len && stat(buf, &st) != 0)
			n = snprintf(buf, len, "%s/snap/lxd/common/config", home);
	}
	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "configuration path too long");
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
		return lxf_err_set(err, LXF_ENOENT, "no lxc configuration in %s", buf);
	return 0;
}

/* Copies src to dst (atomically, with mode) unless dst exists. 1 copied, 0 not, <0 error. */
static int imp_copy(const char *src, const char *dst, mode_t mode, struct lxf_err *err)
{
	struct lxf_buf b = {0};
	int rc;

	if (access(dst, F_OK) == 0 || access(src, F_OK) != 0)
		return 0;
	lxf_buf_init(&b, IMP_FILE_MAX);
	rc = lxf_file_read(src, IMP_FILE_MAX, &b, err);
	if (rc == 0)
		rc = lxf_file_write_atomic(dst, b.data ? b.data : "", b.len, mode, err);
	lxf_buf_fini(&b);
	return rc ? rc : 1;
}

static bool imp_is_image_server(const struct lxf_remote *rem)
{
	return strcmp(rem->protocol, "lxd") != 0 || strcmp(rem->name, "images") == 0 ||
	       strcmp(rem->name, "ubuntu") == 0 || strcmp(rem->name, "ubuntu-daily") == 0;
}

static int imp_remotes(struct lxf_cmd_ctx *ctx, const struct lxf_remotes *src, int *count,
		       struct lxf_err *err)
{
	char from[IMP_PATH_MAX], to[IMP_PATH_MAX];
	int rc = 0;

	(void)snprintf(to, sizeof(to), "%s/servercerts", ctx->remotes->dir);
	for (size_t i = 0; i < src->n; i++) {
		const struct lxf_remote *rem = &src->v[i];

		if (rem->is_static)
			continue;
		if (imp_is_image_server(rem)) {
			fprintf(ctx->err, "Skipped %s: image server (%s), not supported by lxf\n",
				rem->name, rem->protocol);
			continue;
		}
		if (lxf_remotes_find(ctx->remotes, rem->name)) {
			fprintf(ctx->err, "Skipped %s: lxf already has a remote of that name\n",
				rem->name);
			continue;
		}
		rc = lxf_remotes_add_ex(ctx->remotes, rem->name, rem->addr, rem->protocol,
					rem->project, rem->auth_type, rem->public, err);
		if (rc)
			return rc;
		if (strncmp(rem->addr, "https://", 8) == 0) {
			rc = lxf_mkdir_p(to, 0750, err);
			if (rc)
				return rc;
			(void)snprintf(from, sizeof(from), "%s/servercerts/%s.crt", src->dir,
				       rem->name);
			if (lxf_remotes_servercert_path(ctx->remotes, rem->name, to, sizeof(to),
							err) != 0)
				return -LXF_EINVAL;
			rc = imp_copy(from, to, 0644, err);
			if (rc < 0)
				return rc;
			(void)snprintf(to, sizeof(to), "%s/servercerts", ctx->remotes->dir);
		}
		if (!ctx->quiet)
			fprintf(ctx->out, "Imported remote %s (%s)\n", rem->name, rem->addr);
		(*count)++;
	}
	return 0;
}

/* lxc's client certificate, only when lxf has neither file of its own. */
static int imp_client_cert(struct lxf_cmd_ctx *ctx, const char *src, struct lxf_err *err)
{
	char sc[IMP_PATH_MAX + 16], sk[IMP_PATH_MAX + 16], dc[IMP_PATH_MAX + 16],
	    dk[IMP_PATH_MAX + 16];
	int rc;

	(void)snprintf(sc, sizeof(sc), "%s/client.crt", src);
	(void)snprintf(sk, sizeof(sk), "%s/client.key", src);
	(void)snprintf(dc, sizeof(dc), "%s/client.crt", ctx->remotes->dir);
	(void)snprintf(dk, sizeof(dk), "%s/client.key", ctx->remotes->dir);
	if (access(sc, R_OK) != 0 || access(sk, R_OK) != 0)
		return 0;
	if (access(dc, F_OK) == 0 || access(dk, F_OK) == 0) {
		if (!ctx->quiet)
			fprintf(ctx->out, "Kept lxf's own client certificate (lxc's not copied)\n");
		return 0;
	}
	rc = lxf_mkdir_p(ctx->remotes->dir, 0700, err);
	if (rc)
		return rc;
	rc = imp_copy(sk, dk, 0600, err);
	if (rc >= 0)
		rc = imp_copy(sc, dc, 0644, err);
	if (rc < 0) {
		(void)unlink(dk);
		return rc;
	}
	if (!ctx->quiet)
		fprintf(ctx->out, "Imported the client certificate\n");
	return 0;
}

static int cmd_remote_import(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			     const struct lxf_cmd_args *args)
{
	struct lxf_remotes *src = NULL;
	struct lxf_err err = {0};
	char dir[IMP_PATH_MAX];
	int rc, count = 0;

	(void)self;
	rc = imp_source_dir(lxf_args_get(args, IMP_OPT_CONF), dir, sizeof(dir), &err);
	if (rc == 0)
		rc = lxf_remotes_load(dir, &src, &err);
	if (rc == 0)
		rc = imp_client_cert(ctx, dir, &err);
	if (rc == 0)
		rc = imp_remotes(ctx, src, &count, &err);
	if (rc == 0 && count > 0)
		rc = lxf_remotes_save(ctx->remotes, &err);
	if (rc == 0 && !ctx->quiet)
		fprintf(ctx->out, "%d remote%s imported from %s\n", count, count == 1 ? "" : "s",
			dir);
	lxf_remotes_free(src);
	return rc ? lxf_cmd_fail(ctx, &err) : LXF_EXIT_OK;
}

const struct lxf_cmd lxf_cmd_remote_import_entry =
    LXF_CMD_ENTRY("remote import-lxc", NULL, "[--conf DIR]",
		  "Copy the remotes and certificates of an lxc configuration", 0, 0, LXF_CMD_T_NONE,
		  0, cmd_remote_import,
		  {"conf", IMP_OPT_CONF, required_argument, "DIR",
		   "lxc's configuration directory (default $LXD_CONF, ~/.config/lxc)"});
