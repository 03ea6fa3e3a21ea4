/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Target resolution: which remote a command-line name is on (target.h),
 * the clients for it and the dispatcher's per-command target.
 */
#include "target.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fleet.h"

struct lxf_cmd_index {
	struct lxf_fleet_job *jobs; /* one per member; instances: URLs (recursion=0) */
	size_t n;
};

void lxf_cmd_index_free(struct lxf_cmd_ctx *ctx)
{
	if (!ctx->index)
		return;
	lxf_fleet_jobs_fini(ctx->index->jobs, ctx->index->n);
	free(ctx->index->jobs);
	free(ctx->index);
	ctx->index = NULL;
}

/* Appends "a, b, c" of names to buf (capped). */
static void target_join(char *buf, size_t len, const char *const *v, size_t n)
{
	size_t off = strlen(buf);

	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", v[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

void lxf_target_members(const struct lxf_remotes *r, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n && off < len; i++) {
		int w;

		if (!lxf_fleet_member(&r->v[i]))
			continue;
		w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", r->v[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

int lxf_target_pick(const char *name, const char *const *found, size_t nfound,
		    const char *const *searched, size_t nsearched, const char *const *failed,
		    size_t nfailed, const char **out, struct lxf_err *err)
{
	char list[LXF_ERR_MSG_MAX] = "";

	*out = NULL;
	if (nfound == 1) {
		*out = found[0];
		return 0;
	}
	if (nfound > 1) {
		target_join(list, sizeof(list), found, nfound);
		return lxf_err_set(err, LXF_EUSAGE, "%s is on %s: use %s:%s", name, list, found[0],
				   name);
	}
	if (nsearched == 0)
		return lxf_err_set(err, LXF_EUSAGE,
				   "no remote to look for '%s' on: add one (lxf remote add) or "
				   "name it as REMOTE:%s",
				   name, name);
	target_join(list, sizeof(list), searched, nsearched);
	if (nfailed) {
		char down[LXF_ERR_MSG_MAX] = "";

		target_join(down, sizeof(down), failed, nfailed);
		return lxf_err_set(err, LXF_ENOENT,
				   "instance '%s' not found on %s (%s did not answer)", name, list,
				   down);
	}
	return lxf_err_set(err, LXF_ENOENT, "instance '%s' not found on %s", name, list);
}

/* True when the user chose the default remote: it is not the built-in one. */
static bool target_user_default(const struct lxf_remotes *r)
{
	const struct lxf_remote *rem = lxf_remotes_find(r, r->default_remote);

	return rem && !rem->is_static;
}

int lxf_cmd_default_remote(const struct lxf_remotes *r, const char **out, struct lxf_err *err)
{
	const struct lxf_remote *rem = lxf_remotes_find(r, r->default_remote);
	char list[LXF_ERR_MSG_MAX - 96];

	*out = NULL;
	if (rem && (!rem->is_static || lxf_fleet_member(rem))) {
		*out = rem->name;
		return 0;
	}
	lxf_target_members(r, list, sizeof(list));
	if (!list[0])
		return lxf_err_set(err, LXF_EUSAGE,
				   "no remote: no lxfd runs here and none was added (lxf remote "
				   "add NAME ADDR)");
	return lxf_err_set(err, LXF_EUSAGE,
			   "no lxfd runs here (remote '%s'): name a remote, one of %s (as REMOTE:)",
			   r->default_remote, list);
}

/*
 * The member jobs of the index, fetched once per command. Targets may be
 * resolved from several threads (per-target actions in parallel): the
 * first one fetches, the others wait for it; the index is read-only after.
 */
static int target_index(struct lxf_cmd_ctx *ctx, struct lxf_err *err)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	const struct lxf_remotes *r = ctx->remotes;
	struct lxf_cmd_index *ix = NULL;
	int rc = 0;

	pthread_mutex_lock(&mu);
	if (ctx->index)
		goto out;
	ix = calloc(1, sizeof(*ix));
	if (!ix || !(ix->jobs = calloc(r->n ? r->n : 1, sizeof(*ix->jobs)))) {
		free(ix);
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n; i++)
		if (lxf_fleet_member(&r->v[i]))
			ix->jobs[ix->n++].remote = &r->v[i];
	ctx->index = ix;
	if (lxf_fleet_fetch(r, ix->jobs, ix->n, "/1.0/instances") != 0)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	pthread_mutex_unlock(&mu);
	return rc;
}

/* True when the URL list urls ("/1.0/instances/c1") holds name. */
static bool target_has(struct json_object *urls, const char *name, size_t nl)
{
	for (size_t i = 0; i < json_object_array_length(urls); i++) {
		const char *u = json_object_get_string(json_object_array_get_idx(urls, i));
		const char *base = u ? strrchr(u, '/') : NULL;

		if (base && strncmp(base + 1, name, nl) == 0 &&
		    (base[1 + nl] == '\0' || base[1 + nl] == '?'))
			return true;
	}
	return false;
}

/* The remote holding instance name (text up to '/'): lxf_target_pick on the index. */
static int target_lookup(struct lxf_cmd_ctx *ctx, const char *name, const char **out,
			 struct lxf_err *err)
{
	const char **found = NULL, **searched = NULL, **failed = NULL;
	size_t nf = 0, ns = 0, nd = 0, nl = strcspn(name, "/");
	char *inst = NULL;
	int rc = target_index(ctx, err);

	if (rc)
		return rc;
	found = calloc(ctx->index->n + 1, sizeof(*found));
	searched = calloc(ctx->index->n + 1, sizeof(*searched));
	failed = calloc(ctx->index->n + 1, sizeof(*failed));
	inst = strndup(name, nl);
	if (!found || !searched || !failed || !inst) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < ctx->index->n; j++) {
		const struct lxf_fleet_job *job = &ctx->index->jobs[j];

		searched[ns++] = job->remote->name;
		if (job->rc)
			failed[nd++] = job->remote->name;
		else if (target_has(job->instances, inst, nl))
			found[nf++] = job->remote->name;
	}
	rc = lxf_target_pick(inst, found, nf, searched, ns, failed, nd, out, err);
out:
	free(inst);
	free(found);
	free(searched);
	free(failed);
	return rc;
}

int lxf_cmd_parse_arg(struct lxf_cmd_ctx *ctx, const char *arg, enum lxf_name_kind kind,
		      char **remote, char **name, struct lxf_err *err)
{
	const char *rn = NULL;
	int rc;

	if (strchr(arg, ':') || target_user_default(ctx->remotes))
		return lxf_remotes_parse_arg(ctx->remotes, arg, remote, name, err);
	*remote = NULL;
	*name = NULL;
	if (kind == LXF_NAME_INSTANCE && arg[0] && arg[0] != '/')
		rc = target_lookup(ctx, arg, &rn, err);
	else
		rc = lxf_cmd_default_remote(ctx->remotes, &rn, err);
	if (rc)
		return rc;
	if (!rn)
		return lxf_err_set(err, LXF_EINTERNAL, "no remote for '%s'", arg);
	*remote = strdup(rn);
	*name = strdup(arg);
	if (!*remote || !*name) {
		free(*remote);
		free(*name);
		*remote = *name = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_cmd_parse_dest(struct lxf_cmd_ctx *ctx, const char *arg, const char *src_remote,
		       char **remote, char **name, struct lxf_err *err)
{
	if (strchr(arg, ':') || target_user_default(ctx->remotes))
		return lxf_remotes_parse_arg(ctx->remotes, arg, remote, name, err);
	*remote = strdup(src_remote);
	*name = strdup(arg);
	if (!*remote || !*name) {
		free(*remote);
		free(*name);
		*remote = *name = NULL;
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	return 0;
}

int lxf_cmd_client(struct lxf_cmd_ctx *ctx, const char *remote, struct lxf_client **out,
		   struct lxf_err *err)
{
	const struct lxf_remote *rem;
	int rc;

	*out = NULL;
	if (!remote) {
		rc = lxf_cmd_default_remote(ctx->remotes, &remote, err);
		if (rc)
			return rc;
	}
	rem = lxf_remotes_find(ctx->remotes, remote);
	if (!rem)
		return lxf_remotes_unknown(ctx->remotes, remote, err);
	return lxf_remotes_client(ctx->remotes, rem, out, err);
}

/* lxf_cmd_target and lxf_cmd_target_inst: kind says how an unqualified name is placed. */
static int target_connect(struct lxf_cmd_ctx *ctx, const char *arg, bool need_name,
			  enum lxf_name_kind kind, struct lxf_client **client, char **name,
			  struct lxf_err *err)
{
	char *rn = NULL, *nm = NULL;
	int rc;

	*client = NULL;
	*name = NULL;
	if (need_name && !arg[0])
		return lxf_err_set(err, LXF_EINVAL, "missing name in '%s'", arg);
	rc = lxf_cmd_parse_arg(ctx, arg, kind, &rn, &nm, err);
	if (rc)
		goto out;
	if (need_name && (!nm || !*nm)) {
		rc = lxf_err_set(err, LXF_EINVAL, "missing name in '%s'", arg);
		goto out;
	}
	rc = lxf_cmd_client(ctx, rn, client, err);
	if (rc)
		goto out;
	*name = nm;
	nm = NULL;
out:
	free(rn);
	free(nm);
	return rc;
}

int lxf_cmd_target(struct lxf_cmd_ctx *ctx, const char *arg, bool need_name,
		   struct lxf_client **client, char **name, struct lxf_err *err)
{
	return target_connect(ctx, arg, need_name, LXF_NAME_DEFAULT, client, name, err);
}

int lxf_cmd_target_inst(struct lxf_cmd_ctx *ctx, const char *arg, struct lxf_client **client,
			char **name, struct lxf_err *err)
{
	return target_connect(ctx, arg, true, LXF_NAME_INSTANCE, client, name, err);
}

void lxf_cmd_target_fini(struct lxf_cmd_args *a)
{
	lxf_client_free(a->client);
	free(a->name);
	free(a->snap);
	a->target_arg = NULL;
	a->client = NULL;
	a->name = NULL;
	a->snap = NULL;
}

int lxf_cmd_target_resolve(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, const char *arg,
			   struct lxf_cmd_args *a, struct lxf_err *err)
{
	char *inst = NULL;
	int rc;

	a->target_arg = arg;
	/* test_cmd checks the table: no LXF_CMD_F_NOCONFIG entry has a target. */
	if (!ctx->remotes)
		return lxf_err_set(err, LXF_EINVAL, "'%s' has a target but no config", cmd->name);
	if (!arg) {
		a->name = strdup("");
		if (!a->name)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		return lxf_cmd_client(ctx, NULL, &a->client, err);
	}
	/* EITHER: "h1:" is the server; a name, qualified or not, an instance. */
	if (cmd->target == LXF_CMD_T_REMOTE ||
	    (cmd->target == LXF_CMD_T_EITHER && arg[0] && arg[strlen(arg) - 1] == ':'))
		rc = lxf_cmd_target(ctx, arg, false, &a->client, &a->name, err);
	else
		rc = lxf_cmd_target_inst(ctx, arg, &a->client, &a->name, err);
	if (rc || cmd->target != LXF_CMD_T_SNAPSHOT || !a->name || !strchr(a->name, '/'))
		return rc;
	rc = lxf_args_split_snap(a->name, &inst, &a->snap, err);
	if (rc)
		return rc;
	free(a->name);
	a->name = inst;
	return 0;
}

void lxf_target_image_hint(struct lxf_cmd_ctx *ctx, const char *remote, const char *ref,
			   struct lxf_err *err)
{
	const struct lxf_remotes *r = ctx->remotes;
	struct lxf_fleet_job *jobs = calloc(r->n ? r->n : 1, sizeof(*jobs));
	const char **found = calloc(r->n ? r->n : 1, sizeof(*found));
	char list[LXF_ERR_MSG_MAX / 2] = "";
	size_t n = 0, nf = 0;

	if (!jobs || !found || strchr(ref, '/'))
		goto out;
	for (size_t i = 0; i < r->n; i++)
		if (lxf_fleet_member(&r->v[i]) && strcmp(r->v[i].name, remote) != 0)
			jobs[n++].remote = &r->v[i];
	if (lxf_fleet_fetch(r, jobs, n, "/1.0/images/aliases") != 0)
		goto out;
	for (size_t j = 0; j < n; j++)
		if (!jobs[j].rc && target_has(jobs[j].instances, ref, strlen(ref)))
			found[nf++] = jobs[j].remote->name;
	target_join(list, sizeof(list), found, nf);
	if (nf)
		lxf_err_set(err, LXF_ENOENT,
			    "image '%s' not found on %s (it is on %s: lxf image copy %s:%s %s: "
			    "--alias %s)",
			    ref, remote, list, found[0], ref, remote, ref);
	else
		lxf_err_set(err, LXF_ENOENT, "image '%s' not found on %s%s", ref, remote,
			    n ? " nor elsewhere in the fleet" : "");
out:
	lxf_fleet_jobs_fini(jobs, n);
	free(jobs);
	free(found);
}
