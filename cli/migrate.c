/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copy and move between remotes: what is asked of each daemon and in which
 * order, and how a failure is undone. The transfer itself (operations,
 * relay, progress) is migrate-xfer.c.
 *
 * A running container moves in two transfers: the first while it runs
 * (the target is made stopped), then a forced stop, then a refresh
 * transfer (only what changed: rsync --delete) and a start on the target.
 * The forced stop is what keeps the downtime short without losing data:
 * every write() the container's programs saw return is in the page cache,
 * which is what the final rsync reads; a clean shutdown would only add the
 * time the container's init takes to give up.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "json.h"
#include "migrate-int.h"

int lxf_mig_mode_parse(const char *s, enum lxf_mig_mode *mode, struct lxf_err *err)
{
	static const struct {
		const char *name;
		enum lxf_mig_mode mode;
	} modes[] = {{"pull", LXF_MIG_PULL}, {"push", LXF_MIG_PUSH}, {"relay", LXF_MIG_RELAY}};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*mode = modes[i].mode;
			return 0;
		}
	return lxf_err_set(err, LXF_EUSAGE, "unknown mode '%s': want pull, push or relay", s);
}

static void mig_on_sigint(int sig)
{
	(void)sig;
	lxf_mig_interrupted = 1;
}

/*
 * Ctrl-C (and TERM, HUP) cancel the migration and undo it (the waits see
 * the flag) instead of killing lxf half-way through a move.
 */
static const int mig_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define MIG_NSIG (sizeof(mig_signals) / sizeof(mig_signals[0]))

struct mig_sig {
	struct sigaction old[MIG_NSIG];
};

static void mig_sig_arm(struct mig_sig *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = mig_on_sigint;
	(void)sigemptyset(&sa.sa_mask);
	lxf_mig_interrupted = 0;
	for (size_t i = 0; i < MIG_NSIG; i++)
		(void)sigaction(mig_signals[i], &sa, &s->old[i]);
}

static void mig_sig_disarm(struct mig_sig *s)
{
	for (size_t i = 0; i < MIG_NSIG; i++)
		(void)sigaction(mig_signals[i], &s->old[i], NULL);
}

static int mig_end_open(const struct lxf_remotes *r, const char *remote, struct mig_end *e,
			struct lxf_err *err)
{
	memset(e, 0, sizeof(*e));
	e->rem = lxf_remotes_find(r, remote);
	if (!e->rem)
		return lxf_remotes_unknown(r, remote, err);
	return lxf_remotes_client(r, e->rem, &e->c, err);
}

static void mig_end_close(struct mig_end *e)
{
	lxf_client_free(e->c);
	free(e->cert);
	memset(e, 0, sizeof(*e));
}

/* AUTO: relay when a daemon cannot reach the other (unix socket), else pull (LXD's default). */
enum lxf_mig_mode lxf_mig_mode_pick(const struct lxf_mig_opts *o, const struct mig_end *s,
				    const struct mig_end *d)
{
	if (o->mode != LXF_MIG_AUTO)
		return o->mode;
	if (strncmp(s->rem->addr, "https://", 8) != 0 || strncmp(d->rem->addr, "https://", 8) != 0)
		return LXF_MIG_RELAY;
	return LXF_MIG_PULL;
}

/* GET of the instance or snapshot; *out: json_object_put. */
static int mig_get(struct mig_end *e, const char *name, const char *snap, struct json_object **out,
		   struct lxf_err *err)
{
	struct lxf_response resp = {0};
	char path[1024], suffix[512];
	int rc;

	*out = NULL;
	if (snap) {
		char *esc = lxf_client_escape(snap);

		if (!esc)
			return lxf_err_set(err, LXF_ENOMEM, "out of memory");
		(void)snprintf(suffix, sizeof(suffix), "/snapshots/%s", esc);
		free(esc);
	}
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, snap ? suffix : NULL, err);
	if (rc == 0)
		rc = lxf_client_request(e->c, "GET", path, NULL, &resp, err);
	if (rc == 0 && !json_object_is_type(resp.metadata, json_type_object))
		rc = lxf_err_set(err, LXF_EIO, "remote '%s' sent no instance", e->rem->name);
	if (rc == 0)
		*out = json_object_get(resp.metadata);
	lxf_response_fini(&resp);
	return rc;
}

/* A string map copied without volatile.* (made anew by the target, as LXD's copy does). */
static struct json_object *mig_config(struct json_object *src, const struct lxf_mig_opts *o,
				      struct lxf_err *err)
{
	struct json_object *cfg = json_object_new_object();

	if (!cfg) {
		lxf_err_set(err, LXF_ENOMEM, "out of memory");
		return NULL;
	}
	if (src && json_object_is_type(src, json_type_object)) {
		json_object_object_foreach(src, k, v)
		{
			if (strncmp(k, "volatile.", 9) == 0 &&
			    strcmp(k, "volatile.base_image") != 0)
				continue;
			if (json_object_object_add(cfg, k, json_object_get(v)))
				goto nomem;
		}
	}
	for (size_t i = 0; i < o->nconfig; i++) {
		const char *eq = strchr(o->config[i], '=');
		char *k;
		int r2;

		if (!eq || eq == o->config[i]) {
			json_object_put(cfg);
			lxf_err_set(err, LXF_EUSAGE, "bad config '%s': want KEY=VALUE",
				    o->config[i]);
			return NULL;
		}
		if (!(k = strndup(o->config[i], (size_t)(eq - o->config[i]))))
			goto nomem;
		r2 = lxf_json_add_str(cfg, k, eq + 1);
		free(k);
		if (r2)
			goto nomem;
	}
	return cfg;
nomem:
	json_object_put(cfg);
	lxf_err_set(err, LXF_ENOMEM, "out of memory");
	return NULL;
}

/* The target's create request, without "source", from the source's instance. */
int lxf_mig_target_body(struct json_object *inst, const char *newname, const struct lxf_mig_opts *o,
			struct json_object **out, struct lxf_err *err)
{
	struct json_object *b = json_object_new_object(), *cfg, *v;
	const char *keep[] = {"architecture", "description", "type"};
	int rc = 0;

	*out = NULL;
	if (!b)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (!(cfg = mig_config(lxf_json_path(inst, "config"), o, err))) {
		rc = -err->code;
		goto out;
	}
	if (json_object_object_add(b, "config", cfg) || lxf_json_add_str(b, "name", newname))
		goto nomem;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if ((v = lxf_json_path(inst, keep[i])) &&
		    json_object_object_add(b, keep[i], json_object_get(v)))
			goto nomem;
	if ((v = lxf_json_path(inst, "devices")) &&
	    json_object_object_add(b, "devices", json_object_get(v)))
		goto nomem;
	if ((v = lxf_json_path(inst, "ephemeral")) &&
	    json_object_object_add(b, "ephemeral", json_object_get(v)))
		goto nomem;
	if (o->nprofiles) {
		struct json_object *p = json_object_new_array();

		if (!p || json_object_object_add(b, "profiles", p))
			goto nomem;
		for (size_t i = 0; i < o->nprofiles; i++)
			if (json_object_array_add(p, json_object_new_string(o->profiles[i])))
				goto nomem;
	} else if ((v = lxf_json_path(inst, "profiles")) &&
		   json_object_object_add(b, "profiles", json_object_get(v))) {
		goto nomem;
	}
	*out = b;
	b = NULL;
	goto out;
nomem:
	rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	json_object_put(b);
	return rc;
}

/* PUT .../state {"action": action, "force": force} and wait. */
static int mig_state(struct mig_end *e, const char *name, const char *action, bool force,
		     struct lxf_err *err)
{
	struct json_object *b = json_object_new_object();
	char path[1024];
	int rc;

	if (!b || lxf_json_add_str(b, "action", action) ||
	    json_object_object_add(b, "force", json_object_new_boolean(force)) ||
	    json_object_object_add(b, "timeout", json_object_new_int(-1))) {
		json_object_put(b);
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	}
	rc = lxf_cmd_path(path, sizeof(path), "instances", name, "/state", err);
	if (rc == 0)
		rc = lxf_client_do(e->c, "PUT", path, b, NULL, err);
	if (rc)
		lxf_err_prefix(err, "%s '%s' on '%s'", action, name, e->rem->name);
	json_object_put(b);
	return rc;
}

/* Deletes an instance; a missing one is success (the target may have cleaned up). */
static int mig_delete(struct mig_end *e, const char *name, struct lxf_err *err)
{
	char path[1024];
	int rc = lxf_cmd_path(path, sizeof(path), "instances", name, NULL, err);

	if (rc == 0)
		rc = lxf_client_do(e->c, "DELETE", path, NULL, NULL, err);
	if (rc == -LXF_ENOENT)
		rc = 0;
	if (rc)
		lxf_err_prefix(err, "delete '%s' on '%s'", name, e->rem->name);
	return rc;
}

/* Undo on the target after a failure: only what this run made. */
static void mig_undo_target(struct mig_end *d, const char *name, struct lxf_err *err)
{
	struct lxf_err e2 = {0};
	char first[LXF_ERR_MSG_MAX];

	if (d->gone)
		lxf_err_set(&e2, LXF_EUNAVAIL, "unreachable");
	else if (mig_delete(d, name, &e2) == 0)
		return;
	(void)snprintf(first, sizeof(first), "%s", err->msg);
	/* Unreachable (network cut): its own transfer fails too, and a daemon
	 * removes what a failed migration made by itself. */
	if (e2.code == LXF_EUNAVAIL || e2.code == LXF_ETIMEDOUT)
		(void)lxf_err_set(err, err->code,
				  "%s; '%s' unreachable: it removes its copy itself", first,
				  d->rem->name);
	else
		(void)lxf_err_set(err, err->code, "%s; and could not remove the partial copy: %s",
				  first, e2.msg);
}

/*
 * After a failed transfer from a running source: LXD freezes the source
 * for its final sync and a cancelled operation can leave it frozen; put
 * it back to running, and say so when that fails too.
 */
static void mig_restore_source(struct mig_end *s, const char *name, struct lxf_err *err)
{
	struct json_object *inst = NULL;
	struct lxf_err e2 = {0};
	const char *st;
	int rc = 0;

	for (int tries = 0; tries < 10 && rc == 0; tries++) {
		json_object_put(inst);
		inst = NULL;
		if ((rc = mig_get(s, name, NULL, &inst, &e2)) != 0)
			break;
		st = lxf_json_str(inst, "status");
		if (!st || strcmp(st, "Running") == 0)
			break;
		if (strcmp(st, "Frozen") == 0)
			rc = mig_state(s, name, "unfreeze", false, &e2);
		else if (strcmp(st, "Stopped") == 0)
			rc = mig_state(s, name, "start", false, &e2);
		else /* Freezing, Stopping...: let it settle */
			(void)usleep(200000);
	}
	json_object_put(inst);
	if (rc) {
		char first[LXF_ERR_MSG_MAX];

		(void)snprintf(first, sizeof(first), "%s", err->msg);
		(void)lxf_err_set(err, err->code, "%s; and the source is not running again: %s",
				  first, e2.msg);
	}
}

/* `criu check`, quietly: true when this machine can checkpoint. */
static bool mig_criu_ok(void)
{
	int st = system("criu check >/dev/null 2>&1");

	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool mig_was_running(struct json_object *inst)
{
	const char *st = lxf_json_str(inst, "status");

	return st && strcmp(st, "Running") == 0;
}

struct mig_run {
	const struct lxf_remotes *r;
	struct mig_end s, d;
	struct json_object *inst, *body;
	enum lxf_mig_mode mode;
	struct mig_sig sig;
	bool armed;
};

/* Both ends and the mode: pull and push need the daemons to reach each
 * other over HTTPS, refused before anything is asked of either. */
static int mig_ends_open(struct mig_run *m, const char *src_remote, const char *dst_remote,
			 const struct lxf_mig_opts *o, struct lxf_err *err)
{
	int rc;

	if ((rc = mig_end_open(m->r, src_remote, &m->s, err)) != 0 ||
	    (rc = mig_end_open(m->r, dst_remote, &m->d, err)) != 0)
		return rc;
	m->mode = lxf_mig_mode_pick(o, &m->s, &m->d);
	if (m->mode != LXF_MIG_RELAY) {
		const struct mig_end *e =
		    strncmp(m->s.rem->addr, "https://", 8) != 0 ? &m->s : &m->d;

		if (strncmp(e->rem->addr, "https://", 8) != 0)
			return lxf_err_set(err, LXF_EINVAL,
					   "remote '%s' is a unix socket: the other daemon cannot "
					   "reach it (use --mode relay)",
					   e->rem->name);
	}
	return 0;
}

static int mig_run_open(struct mig_run *m, const struct lxf_remotes *r, const char *src_remote,
			const char *name, const char *snap, const char *dst_remote,
			const char *newname, const struct lxf_mig_opts *o, struct lxf_err *err)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->r = r;
	if (o->stateful && !mig_criu_ok())
		return lxf_err_set(err, LXF_ENOTSUP,
				   "stateful migration needs CRIU and `criu check` fails here: "
				   "move stateless (the default) instead");
	if ((rc = mig_ends_open(m, src_remote, dst_remote, o, err)) != 0)
		return rc;
	if ((rc = mig_get(&m->s, name, snap, &m->inst, err)) != 0) {
		lxf_err_prefix(err, "remote '%s'", src_remote);
		return rc;
	}
	if ((rc = lxf_mig_target_body(m->inst, newname, o, &m->body, err)) != 0)
		return rc;
	if (!o->no_signals) {
		mig_sig_arm(&m->sig);
		m->armed = true;
	}
	return 0;
}

static void mig_run_close(struct mig_run *m)
{
	if (m->armed)
		mig_sig_disarm(&m->sig);
	json_object_put(m->inst);
	json_object_put(m->body);
	mig_end_close(&m->s);
	mig_end_close(&m->d);
}

static void mig_xfer_init(struct mig_xfer *x, struct mig_run *m, const char *name, const char *snap,
			  bool refresh, const struct lxf_mig_opts *o)
{
	memset(x, 0, sizeof(*x));
	x->src = &m->s;
	x->dst = &m->d;
	x->name = name;
	x->snap = snap;
	x->body = m->body;
	x->refresh = refresh;
	x->instance_only = o->instance_only;
	x->live = o->stateful;
	x->o = o;
}

int lxf_migrate_copy(const struct lxf_remotes *r, const char *src_remote, const char *name,
		     const char *snap, const char *dst_remote, const char *newname,
		     const struct lxf_mig_opts *o, struct lxf_err *err)
{
	struct mig_run m;
	struct mig_xfer x;
	int rc;

	rc = mig_run_open(&m, r, src_remote, name, snap, dst_remote, newname, o, err);
	if (rc)
		goto out;
	mig_xfer_init(&x, &m, name, snap, o->refresh, o);
	rc = lxf_mig_xfer_run(r, &x, m.mode, err);
	if (rc && x.made)
		mig_undo_target(&m.d, newname, err);
	if (rc && !snap && mig_was_running(m.inst))
		mig_restore_source(&m.s, name, err);
out:
	mig_run_close(&m);
	return rc;
}

int lxf_migrate_volume(const struct lxf_remotes *r, const char *src_remote, const char *pool,
		       const char *name, const char *dst_remote, const char *dst_pool,
		       const char *newname, const struct lxf_mig_opts *o, struct lxf_err *err)
{
	static const char *const keys[] = {"description", "config", "content_type"};
	struct lxf_response resp = {0};
	struct mig_run m = {.r = r};
	struct mig_xfer x;
	char path[1024], coll[320];
	int rc;

	(void)snprintf(coll, sizeof(coll), "storage-pools/%s/volumes/custom", pool);
	if ((rc = mig_ends_open(&m, src_remote, dst_remote, o, err)) != 0 ||
	    (rc = lxf_cmd_path(path, sizeof(path), coll, name, NULL, err)) != 0)
		goto out;
	if ((rc = lxf_client_request(m.s.c, "GET", path, NULL, &resp, err)) != 0) {
		lxf_err_prefix(err, "remote '%s'", src_remote);
		goto out;
	}
	/* The target's StorageVolumesPost: the source's config and description,
	 * as LXD's client sends them (the target drops volatile.* keys). */
	if (!(m.body = json_object_new_object()) || lxf_json_add_str(m.body, "name", newname) ||
	    lxf_json_add_str(m.body, "type", "custom")) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct json_object *v = json_object_object_get(resp.metadata, keys[i]);

		if (v)
			json_object_object_add(m.body, keys[i], json_object_get(v));
	}
	if (!o->no_signals) {
		mig_sig_arm(&m.sig);
		m.armed = true;
	}
	mig_xfer_init(&x, &m, name, NULL, false, o);
	x.pool = pool;
	x.dst_pool = dst_pool;
	/* On failure the target removes what it made itself (LXD and lxfd). */
	rc = lxf_mig_xfer_run(r, &x, m.mode, err);
out:
	lxf_response_fini(&resp);
	mig_run_close(&m);
	return rc;
}

/* The running move's second half; the source is stopped when called. */
static int mig_move_final(struct mig_run *m, const char *name, const char *newname,
			  const struct lxf_mig_opts *o, struct lxf_err *err)
{
	struct mig_xfer x;
	int rc;

	mig_xfer_init(&x, m, name, NULL, true, o);
	rc = lxf_mig_xfer_run(m->r, &x, m->mode, err);
	if (rc == 0 && !lxf_mig_interrupted)
		rc = mig_state(&m->d, newname, "start", false, err);
	if (rc == 0 && lxf_mig_interrupted)
		rc = lxf_err_set(err, LXF_ECANCELED, "interrupted");
	return rc;
}

int lxf_migrate_move(const struct lxf_remotes *r, const char *src_remote, const char *name,
		     const char *dst_remote, const char *newname, const struct lxf_mig_opts *o,
		     struct lxf_err *err)
{
	struct lxf_err e2 = {0};
	struct mig_run m;
	struct mig_xfer x;
	const char *status;
	bool running;
	int rc;

	rc = mig_run_open(&m, r, src_remote, name, NULL, dst_remote, newname, o, err);
	if (rc)
		goto out;
	status = lxf_json_str(m.inst, "status");
	running = mig_was_running(m.inst);
	if (status && strcmp(status, "Frozen") == 0) {
		rc = lxf_err_set(err, LXF_EBUSY, "'%s' is frozen: unfreeze it first", name);
		goto out;
	}
	if (running && !o->stateless && !o->stateful && o->msg)
		(void)fprintf(o->msg,
			      "Moving '%s' stateless (processes restart on '%s'; "
			      "--stateless is implied for containers)\n",
			      name, dst_remote);
	/* Pass 1 while it runs: the bulk of the data, no downtime. */
	mig_xfer_init(&x, &m, name, NULL, false, o);
	x.single_pass = running;
	rc = lxf_mig_xfer_run(r, &x, m.mode, err);
	if (rc) {
		if (x.made)
			mig_undo_target(&m.d, newname, err);
		if (running)
			mig_restore_source(&m.s, name, err);
		goto out;
	}
	if (running) {
		if (lxf_mig_interrupted) {
			rc = lxf_err_set(err, LXF_ECANCELED, "interrupted");
			mig_undo_target(&m.d, newname, err);
			goto out;
		}
		if ((rc = mig_state(&m.s, name, "stop", true, err)) != 0) {
			mig_undo_target(&m.d, newname, err);
			goto out;
		}
		rc = mig_move_final(&m, name, newname, o, err);
		if (rc) {
			/* Back to where we started: no target, the source running. */
			mig_undo_target(&m.d, newname, err);
			if (mig_state(&m.s, name, "start", false, &e2) != 0) {
				char first[LXF_ERR_MSG_MAX];

				(void)snprintf(first, sizeof(first), "%s", err->msg);
				(void)lxf_err_set(err, err->code,
						  "%s; and restarting the source failed: %s", first,
						  e2.msg);
			}
			goto out;
		}
	}
	/* Only now, with the copy complete (and running if the source was). */
	rc = mig_delete(&m.s, name, err);
	if (rc)
		lxf_err_prefix(err, "moved to '%s', but the source is left", dst_remote);
out:
	mig_run_close(&m);
	return rc;
}

int lxf_mig_opts_from_args(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args,
			   struct lxf_mig_opts *o, struct lxf_err *err)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < args->nopts; i++) {
		int v = args->opts[i].val;
		const char *a = args->opts[i].arg;

		if (v == 'c' || v == 'p') {
			const char **arr = v == 'c' ? o->config : o->profiles;
			size_t *n = v == 'c' ? &o->nconfig : &o->nprofiles;

			if (*n >= LXF_MIG_KV_MAX)
				return lxf_err_set(err, LXF_EUSAGE, "at most %d -%c options",
						   LXF_MIG_KV_MAX, v);
			arr[(*n)++] = a;
		} else if (v == LXF_MIG_OPT_MODE) {
			int rc = lxf_mig_mode_parse(a, &o->mode, err);

			if (rc)
				return rc;
		}
	}
	o->instance_only = lxf_args_has(args, LXF_MIG_OPT_INSTANCE_ONLY);
	o->stateless = lxf_args_has(args, LXF_MIG_OPT_STATELESS);
	o->stateful = lxf_args_has(args, LXF_MIG_OPT_STATEFUL);
	o->refresh = lxf_args_has(args, LXF_MIG_OPT_REFRESH);
	if (o->stateless && o->stateful)
		return lxf_err_set(err, LXF_EUSAGE,
				   "--stateless and --stateful exclude each other");
	o->msg = ctx->quiet ? NULL : ctx->err;
	o->progress_tty = o->msg && isatty(fileno(o->msg));
	return 0;
}

int lxf_mig_each_source(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args, lxf_mig_one_fn one)
{
	struct lxf_mig_opts mo;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	if (lxf_mig_opts_from_args(ctx, args, &mo, &err) != 0)
		return lxf_cmd_usage_error(self, ctx, "%s", err.msg);
	for (int i = 0; i + 1 < args->argc && st == LXF_EXIT_OK; i++)
		st = one(self, ctx, args, args->argv[i], args->argv[args->argc - 1], args->argc > 2,
			 &mo);
	return st;
}
