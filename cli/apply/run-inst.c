/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The actions of lxf apply, one at a time on one worker's client (run.h
 * says what each does; run.c schedules them). What a CREATE made is
 * deleted again when a later step fails or Ctrl-C comes before the
 * instance is provisioned: an instance either carries LXF_APPLY_DONE_KEY
 * or does not exist. Stops are forced, as lxf move's are: every write the
 * container's programs saw return is in the host's page cache already.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "migrate.h"
#include "run-int.h"

#define RUN_PATH_MAX 4096

static int inst_path(char *buf, const char *name, const char *suffix, struct lxf_err *err)
{
	return lxf_cmd_path(buf, RUN_PATH_MAX, "instances", name, suffix, err);
}

/* Sends a request and waits for its operation, if any; *op as lxf_client_do. */
static int inst_do(struct run_worker *w, const char *method, const char *path,
		   struct json_object *body, struct json_object **op, struct lxf_err *err)
{
	return lxf_client_do(w->c, method, path, body, op, err);
}

/* PUT .../state {"action", "force": true for stop} and wait. */
static int inst_state(struct run_worker *w, const char *name, const char *action,
		      struct lxf_err *err)
{
	struct json_object *b = json_object_new_object();
	char path[RUN_PATH_MAX];
	int rc;

	if (!b || lxf_json_add_str(b, "action", action) ||
	    json_object_object_add(b, "force",
				   json_object_new_boolean(strcmp(action, "stop") == 0)) ||
	    json_object_object_add(b, "timeout", json_object_new_int(-1))) {
		json_object_put(b);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	rc = inst_path(path, name, "/state", err);
	if (rc == 0)
		rc = inst_do(w, "PUT", path, b, NULL, err);
	if (rc)
		lxf_err_prefix(err, "%s %s", action, name);
	json_object_put(b);
	return rc;
}

static bool inst_status_is(const char *status, const char *want)
{
	return status && strcmp(status, want) == 0;
}

/* Stops (forced) when running or frozen, then deletes; a missing one is fine. */
static int inst_remove(struct run_worker *w, const char *name, struct lxf_err *err)
{
	struct json_object *cur = NULL;
	char path[RUN_PATH_MAX];
	const char *status;
	int rc;

	rc = inst_path(path, name, NULL, err);
	if (rc == 0)
		rc = inst_do(w, "GET", path, NULL, &cur, err);
	status = lxf_json_str(cur, "status");
	if (rc == 0 && (inst_status_is(status, "Running") || inst_status_is(status, "Frozen")))
		rc = inst_state(w, name, "stop", err);
	if (rc == 0 && (rc = inst_do(w, "DELETE", path, NULL, NULL, err)) != 0)
		lxf_err_prefix(err, "delete %s", name);
	if (rc == -LXF_ENOENT) {
		lxf_err_clear(err);
		rc = 0;
	}
	json_object_put(cur);
	return rc;
}

/* Copies REMOTE:ALIAS to w's remote, once for all workers; *fp: free(). */
static int inst_image_copy(struct run_worker *w, const char *ref, char **fp, struct lxf_err *err)
{
	struct run_ctx *ctx = w->ctx;
	const char *colon = strchr(ref, ':');
	struct run_img *im = NULL;
	char src[LXF_REMOTE_NAME_MAX + 1];
	size_t i;
	int rc = 0;

	(void)snprintf(src, sizeof(src), "%.*s", (int)(colon - ref), ref);
	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		for (i = 0; i < ctx->nimgs; i++)
			if (strcmp(ctx->imgs[i].remote, w->remote) == 0 &&
			    strcmp(ctx->imgs[i].ref, ref) == 0)
				break;
		if (i == ctx->nimgs) {
			struct run_img *nv = realloc(ctx->imgs, (i + 1) * sizeof(*nv));

			if (!nv) {
				rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
				goto out;
			}
			ctx->imgs = nv;
			memset(&nv[i], 0, sizeof(nv[i]));
			nv[i].remote = w->remote;
			nv[i].ref = ref;
			ctx->nimgs++;
		}
		if (!ctx->imgs[i].busy)
			break;
		pthread_cond_wait(&ctx->cond, &ctx->lock);
	}
	im = &ctx->imgs[i];
	if (im->fp || im->failed)
		goto done;
	im->busy = true;
	pthread_mutex_unlock(&ctx->lock);
	{
		struct lxf_err e = {0};
		char *got = NULL;
		int r2 = strcmp(src, w->remote) == 0
			     ? lxf_cmd_image_resolve(w->c, colon + 1, &got, &e)
			     : lxf_image_copy(ctx->r, src, colon + 1, w->remote, NULL, 0, false,
					      false, &got, &e);

		pthread_mutex_lock(&ctx->lock);
		im = &ctx->imgs[i]; /* the array may have moved */
		im->busy = false;
		im->fp = got;
		im->failed = r2 != 0;
		im->err = e;
		pthread_cond_broadcast(&ctx->cond);
	}
done:
	if (im->failed) {
		rc = lxf_err_set(err, im->err.code, "image %s to %s: %s", ref, w->remote,
				 im->err.msg);
	} else if (!(*fp = strdup(im->fp))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
out:
	pthread_mutex_unlock(&ctx->lock);
	return rc;
}

/* The fingerprint a CREATE on w's remote uses; *fp: free(). */
static int inst_image(struct run_worker *w, const char *ref, char **fp, struct lxf_err *err)
{
	const struct lxf_apply_live *live = w->ctx->live;

	*fp = NULL;
	if (strchr(ref, ':'))
		return inst_image_copy(w, ref, fp, err);
	for (size_t i = 0; i < live->nimages; i++) {
		const struct lxf_apply_image *im = &live->images[i];

		if (strcmp(im->remote, w->remote) != 0 || strcmp(im->ref, ref) != 0)
			continue;
		if (!im->fingerprint)
			return lxf_err_set(err, LXF_ENOENT,
					   "image %s is not on remote %s: import it there, or "
					   "write REMOTE:%s to copy it from REMOTE",
					   ref, w->remote, ref);
		if (!(*fp = strdup(im->fingerprint)))
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		return 0;
	}
	/* Not read beforehand: ask the remote now. */
	return lxf_cmd_image_resolve(w->c, ref, fp, err);
}

/* Sets a's profiles (the spec's, else LXD's ["default"]) as "profiles" of o. */
static int inst_set_profiles(struct json_object *o, const struct lxf_apply_instance *in)
{
	struct json_object *p = json_object_new_array();

	if (!p || json_object_object_add(o, "profiles", p))
		return -LXF_ENOMEM;
	if (!in->has_profiles)
		return json_object_array_add(p, json_object_new_string("default")) ? -LXF_ENOMEM
										   : 0;
	for (size_t i = 0; i < in->nprofiles; i++)
		if (json_object_array_add(p, json_object_new_string(in->profiles[i])))
			return -LXF_ENOMEM;
	return 0;
}

/* POST /1.0/instances body: the spec's config (with the tags), devices, profiles. */
static struct json_object *inst_create_body(struct run_worker *w, const struct lxf_apply_action *a,
					    const char *fp, bool done)
{
	const struct lxf_apply_instance *in = a->inst;
	struct json_object *b = json_object_new_object(), *src = json_object_new_object();
	struct json_object *cfg = lxf_apply_run_copy(w->ctx, in->config);
	struct json_object *devs = lxf_apply_run_copy(w->ctx, in->devices);
	bool ok = b && src && cfg && devs;

	ok = ok && json_object_object_add(b, "source", src) == 0;
	if (!ok)
		json_object_put(src);
	ok = ok && json_object_object_add(b, "config", cfg) == 0;
	if (!ok)
		json_object_put(cfg);
	ok = ok && json_object_object_add(b, "devices", devs) == 0;
	if (!ok)
		json_object_put(devs);
	ok = ok && lxf_json_add_str(b, "name", a->name) == 0 &&
	     lxf_json_add_str(b, "type", "container") == 0 &&
	     lxf_json_add_str(src, "type", "image") == 0 &&
	     lxf_json_add_str(src, "fingerprint", fp) == 0 &&
	     lxf_json_add_str(cfg, LXF_APPLY_STACK_KEY, w->ctx->o->stack) == 0 &&
	     (!done || lxf_json_add_str(cfg, LXF_APPLY_DONE_KEY, "1") == 0) &&
	     (!in->has_profiles || inst_set_profiles(b, in) == 0);
	if (!ok) {
		json_object_put(b);
		return NULL;
	}
	return b;
}

/* POST .../files?path=P with the file's content, mode, uid and gid. */
static int inst_file(struct run_worker *w, const char *name, const struct lxf_apply_file *f,
		     struct lxf_err *err)
{
	struct lxf_response resp = {0};
	char path[RUN_PATH_MAX], h[5][64];
	const char *hdrs[] = {h[0], h[1], h[2], h[3], h[4], NULL};
	char *ep = lxf_client_escape(f->path);
	size_t l;
	int rc;

	if (!ep)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = inst_path(path, name, "/files?path=", err);
	l = strlen(path);
	if (rc == 0 && (size_t)snprintf(path + l, sizeof(path) - l, "%s", ep) >= sizeof(path) - l)
		rc = lxf_err_set(err, LXF_EINVAL, "path too long");
	free(ep);
	(void)snprintf(h[0], sizeof(h[0]), "X-LXD-type: file");
	(void)snprintf(h[1], sizeof(h[1]), "X-LXD-write: overwrite");
	(void)snprintf(h[2], sizeof(h[2]), "X-LXD-mode: %04o", f->mode);
	(void)snprintf(h[3], sizeof(h[3]), "X-LXD-uid: %u", f->uid);
	(void)snprintf(h[4], sizeof(h[4]), "X-LXD-gid: %u", f->gid);
	if (rc == 0)
		rc = lxf_client_send(w->c, "POST", path, -1, f->content, f->content_len, hdrs,
				     &resp, err);
	if (rc)
		lxf_err_prefix(err, "file %s", f->path);
	lxf_response_fini(&resp);
	return rc;
}

/*
 * Waits for the run command's operation a second at a time (each wait
 * held by the server), so that Ctrl-C can cancel a command that hangs.
 */
static int inst_exec_wait(struct run_worker *w, const char *op_url, struct json_object **op,
			  struct lxf_err *err)
{
	int rc;

	for (;;) {
		if (lxf_apply_run_interrupted()) {
			struct lxf_err ignored = {0};

			/* Cancelling an exec kills the command. */
			(void)lxf_client_do(w->c, "DELETE", op_url, NULL, NULL, &ignored);
			return lxf_err_set(err, LXF_ECANCELED, "interrupted");
		}
		rc = lxf_client_wait_op(w->c, op_url, 1, op, err);
		if (rc != -LXF_ETIMEDOUT)
			return rc;
		lxf_err_clear(err);
	}
}

/* The run: command, non-interactive, output discarded; its status must be 0. */
static int inst_run(struct run_worker *w, const struct lxf_apply_instance *in, const char *name,
		    struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *cmd = json_object_new_array();
	struct json_object *op = NULL, *ret;
	struct lxf_response resp = {0};
	char path[RUN_PATH_MAX];
	int rc;

	if (!b || !cmd || json_object_object_add(b, "command", cmd)) {
		json_object_put(cmd);
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < in->nrun; i++)
		if (json_object_array_add(cmd, json_object_new_string(in->run[i]))) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
	if (json_object_object_add(b, "wait-for-websocket", json_object_new_boolean(false)) ||
	    json_object_object_add(b, "record-output", json_object_new_boolean(false)) ||
	    json_object_object_add(b, "interactive", json_object_new_boolean(false))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = inst_path(path, name, "/exec", err);
	if (rc == 0)
		rc = lxf_client_request(w->c, "POST", path, b, &resp, err);
	if (rc == 0 && !resp.operation)
		rc = lxf_err_set(err, LXF_EIO, "exec answered without an operation");
	if (rc == 0)
		rc = inst_exec_wait(w, resp.operation, &op, err);
	ret = rc == 0 ? lxf_json_path(op, "metadata.return") : NULL;
	if (rc == 0 && (!ret || json_object_get_int(ret) != 0))
		rc = lxf_err_set(err, LXF_EIO, "exited with status %d",
				 ret ? json_object_get_int(ret) : -1);
out:
	if (rc)
		lxf_err_prefix(err, "run %s%s", in->run[0], in->nrun > 1 ? " ..." : "");
	lxf_response_fini(&resp);
	json_object_put(op);
	json_object_put(b);
	return rc;
}

/* PATCH the DONE key: the instance is whole from now on. */
static int inst_mark_done(struct run_worker *w, const char *name, struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *cfg = json_object_new_object();
	char path[RUN_PATH_MAX];
	int rc;

	if (!b || !cfg || json_object_object_add(b, "config", cfg)) {
		json_object_put(cfg);
		json_object_put(b);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	if (lxf_json_add_str(cfg, LXF_APPLY_DONE_KEY, "1"))
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
	else
		rc = inst_path(path, name, NULL, err);
	if (rc == 0)
		rc = inst_do(w, "PATCH", path, b, NULL, err);
	json_object_put(b);
	return rc;
}

/* From status (LXD's "Running"...) to the spec's state, one or two state changes. */
static int inst_to_state(struct run_worker *w, const char *name, const char *status,
			 enum lxf_apply_state want, struct lxf_err *err)
{
	bool running = inst_status_is(status, "Running"), frozen = inst_status_is(status, "Frozen");
	int rc = 0;

	switch (want) {
	case LXF_APPLY_STATE_STOPPED:
		if (frozen)
			rc = inst_state(w, name, "unfreeze", err);
		if (rc == 0 && (running || frozen))
			rc = inst_state(w, name, "stop", err);
		break;
	case LXF_APPLY_STATE_FROZEN:
		if (!running && !frozen)
			rc = inst_state(w, name, "start", err);
		if (rc == 0 && !frozen)
			rc = inst_state(w, name, "freeze", err);
		break;
	default:
		if (frozen)
			rc = inst_state(w, name, "unfreeze", err);
		else if (!running)
			rc = inst_state(w, name, "start", err);
		break;
	}
	return rc;
}

static int inst_create(struct run_worker *w, const struct lxf_apply_action *a,
		       struct lxf_apply_result *res, struct lxf_err *err)
{
	const struct lxf_apply_instance *in = a->inst;
	bool provision = in->nfiles > 0 || in->run, made = false, started = false;
	struct json_object *body = NULL;
	char *fp = NULL;
	int rc;

	if (a->replace && (rc = inst_remove(w, a->name, err)) != 0)
		goto out;
	if ((rc = inst_image(w, in->image, &fp, err)) != 0)
		goto out;
	if (!(body = inst_create_body(w, a, fp, !provision))) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = inst_do(w, "POST", "/1.0/instances", body, NULL, err)) != 0)
		goto out;
	made = true;
	for (size_t i = 0; i < in->nfiles && rc == 0; i++)
		rc = inst_file(w, a->name, &in->files[i], err);
	if (rc == 0 && (in->state != LXF_APPLY_STATE_STOPPED || in->run)) {
		rc = inst_state(w, a->name, "start", err);
		started = rc == 0;
	}
	if (rc == 0 && in->run)
		rc = inst_run(w, in, a->name, err);
	if (rc == 0 && lxf_apply_run_interrupted())
		rc = lxf_err_set(err, LXF_ECANCELED, "interrupted");
	if (rc == 0 && provision)
		rc = inst_mark_done(w, a->name, err);
	if (rc)
		goto out;
	made = false; /* whole now: kept whatever comes */
	if (started && in->state == LXF_APPLY_STATE_STOPPED)
		rc = inst_state(w, a->name, "stop", err);
	else if (in->state == LXF_APPLY_STATE_FROZEN)
		rc = inst_state(w, a->name, "freeze", err);
out:
	if (made) {
		struct lxf_err e2 = {0};

		res->undone = inst_remove(w, a->name, &e2) == 0;
		if (!res->undone)
			lxf_err_prefix(err, "%s is left half-made (%s)", a->name, e2.msg);
	}
	json_object_put(body);
	free(fp);
	return rc;
}

/* The live config's own keys (volatile.*, image.*, user.lxf.*) into cfg. */
static int inst_keep_own(struct json_object *cfg, struct json_object *live_cfg)
{
	if (!json_object_is_type(live_cfg, json_type_object))
		return 0;
	json_object_object_foreach(live_cfg, k, v)
	{
		if ((strncmp(k, "volatile.", 9) == 0 || strncmp(k, "image.", 6) == 0 ||
		     strncmp(k, "user.lxf.", 9) == 0) &&
		    json_object_object_add(cfg, k, json_object_get(v)))
			return -LXF_ENOMEM;
	}
	return 0;
}

static bool inst_needs_put(const struct lxf_apply_action *a)
{
	if (a->adopt || a->kind == LXF_APPLY_MOVE)
		return true;
	for (size_t i = 0; i < a->nchanges; i++)
		if (a->changes[i].field != LXF_APPLY_F_STATE)
			return true;
	return false;
}

/* In place: one PUT of the live object with the spec's config, devices, profiles; then the state. */
static int inst_update(struct run_worker *w, const struct lxf_apply_action *a, struct lxf_err *err)
{
	const struct lxf_apply_instance *in = a->inst;
	struct json_object *cur = NULL, *cfg = NULL, *devs = NULL;
	char path[RUN_PATH_MAX];
	int rc;

	if ((rc = inst_path(path, a->name, NULL, err)) != 0 ||
	    (rc = inst_do(w, "GET", path, NULL, &cur, err)) != 0)
		goto out;
	if (!json_object_is_type(cur, json_type_object)) {
		rc = lxf_err_set(err, LXF_EIO, "remote %s sent no instance %s", a->remote, a->name);
		goto out;
	}
	if (inst_needs_put(a)) {
		cfg = lxf_apply_run_copy(w->ctx, in->config);
		devs = lxf_apply_run_copy(w->ctx, in->devices);
		if (!cfg || !devs || inst_keep_own(cfg, json_object_object_get(cur, "config")) ||
		    (a->adopt && (lxf_json_add_str(cfg, LXF_APPLY_STACK_KEY, w->ctx->o->stack) ||
				  lxf_json_add_str(cfg, LXF_APPLY_DONE_KEY, "1"))) ||
		    json_object_object_add(cur, "config", cfg)) {
			json_object_put(cfg);
			json_object_put(devs);
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		if (json_object_object_add(cur, "devices", devs) || inst_set_profiles(cur, in)) {
			rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = inst_do(w, "PUT", path, cur, NULL, err)) != 0)
			goto out;
	}
	rc = inst_to_state(w, a->name, lxf_json_str(cur, "status"), in->state, err);
out:
	json_object_put(cur);
	return rc;
}

/* The running-move path of lxf move (no handlers of its own: run.c has them), then in place. */
static int inst_move(struct run_worker *w, const struct lxf_apply_action *a, struct lxf_err *err)
{
	struct lxf_mig_opts mo;
	int rc;

	memset(&mo, 0, sizeof(mo));
	mo.stateless = true;
	mo.no_signals = true;
	rc = lxf_migrate_move(w->ctx->r, a->from, a->name, a->remote, a->name, &mo, err);
	if (rc == 0)
		rc = inst_update(w, a, err);
	return rc;
}

/* POST (create) or PUT (update, whole) of a profile of the file. */
static int inst_profile(struct run_worker *w, const struct lxf_apply_action *a, struct lxf_err *err)
{
	struct json_object *b = lxf_apply_run_copy(w->ctx, a->profile->obj);
	bool create = a->kind == LXF_APPLY_PROFILE_CREATE;
	char path[RUN_PATH_MAX];
	int rc;

	if (!b || (create && lxf_json_add_str(b, "name", a->name))) {
		json_object_put(b);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	if (create)
		rc = inst_do(w, "POST", "/1.0/profiles", b, NULL, err);
	else if ((rc = lxf_cmd_path(path, sizeof(path), "profiles", a->name, NULL, err)) == 0)
		rc = inst_do(w, "PUT", path, b, NULL, err);
	if (rc)
		lxf_err_prefix(err, "profile %s", a->name);
	json_object_put(b);
	return rc;
}

int lxf_apply_run_action(struct run_worker *w, const struct lxf_apply_action *a,
			 struct lxf_apply_result *res)
{
	struct lxf_err err = {0};
	int rc;

	switch (a->kind) {
	case LXF_APPLY_CREATE:
		rc = inst_create(w, a, res, &err);
		break;
	case LXF_APPLY_UPDATE:
		rc = inst_update(w, a, &err);
		break;
	case LXF_APPLY_MOVE:
		rc = inst_move(w, a, &err);
		break;
	case LXF_APPLY_DELETE:
		rc = inst_remove(w, a->name, &err);
		break;
	case LXF_APPLY_PROFILE_CREATE:
	case LXF_APPLY_PROFILE_UPDATE:
		rc = inst_profile(w, a, &err);
		break;
	default:
		rc = lxf_err_set(&err, LXF_EINTERNAL, "%s is not done by apply",
				 lxf_apply_kind_name(a->kind));
		break;
	}
	if (rc)
		(void)snprintf(res->error, sizeof(res->error), "%s", err.msg);
	return rc;
}
