/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_APPLY_RUN_H
#define LXF_APPLY_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "plan.h"
#include "remotes.h"
#include "spec.h"

/*
 * The parts of lxf plan/apply/destroy that talk to servers (linked into
 * lxfcli, beside the pure spec/plan code of lxfapply):
 *   live.c: reads what the remotes of a stack hold now, all at once;
 *   run.c:  does a plan's actions, in parallel, per instance.
 */

/* What plan and apply read from the servers. */
struct lxf_apply_live {
	/* One per remote the spec names (instances' remotes and its
	 * remotes: section), sorted by name. facts[i].up false: down[i]
	 * says why (a transport error, "remote 'h3' not found", ...). */
	struct lxf_apply_facts *facts;
	struct lxf_err *down;
	size_t nfacts;
	/* Each instance image ref of the spec on each answering remote it
	 * may be placed on, resolved (fingerprint NULL: not there yet; a
	 * "REMOTE:ALIAS" ref is resolved on REMOTE and copied by apply). */
	struct lxf_apply_image *images;
	size_t nimages;
	void *priv; /* what facts and images borrow from */
};

/*
 * Adds the spec's remotes: missing from r (as `lxf remote add` with the
 * token would, saving config.yml) when add_remotes, then reads every
 * remote of the spec in parallel: GET /1.0/instances?recursion=1,
 * /1.0/profiles?recursion=1, /1.0/resources, and the image aliases.
 * A remote that does not answer within the client's timeouts is down,
 * not an error. Returns 0 and *out (lxf_apply_live_fini), or -code for
 * what stops the whole plan (ENOMEM, a remote that cannot be added).
 */
int lxf_apply_live_read(struct lxf_remotes *r, const struct lxf_apply_spec *spec, bool add_remotes,
			struct lxf_apply_live *out, struct lxf_err *err);

/* Frees what live holds; live is empty afterwards. */
void lxf_apply_live_fini(struct lxf_apply_live *live);

/* How one action ended. */
struct lxf_apply_result {
	int code; /* 0 done; -LXF_ECANCELED not started (Ctrl-C); else -code of the failure */
	char error[256]; /* the failure, "" when code is 0 */
	double secs;     /* wall time of the action, 0 when not started */
	bool undone;     /* it failed (or was interrupted) and what it made was removed */
};

/* Progress, for the live display: one call per change, under run.c's lock. */
struct lxf_apply_progress {
	const char *remote;  /* the remote whose line changed */
	size_t done, total;  /* actions ended / all of this remote */
	const char *current; /* "create web-3" in flight on it, NULL when idle */
	size_t index;        /* ended: the action's index in the plan; else (size_t)-1 */
	const struct lxf_apply_result *result; /* ended: how; else NULL */
};

struct lxf_apply_run_opts {
	const char *stack; /* the spec's name: what CREATE tags user.lxf.stack with */
	unsigned parallel; /* operations at once per remote; 0 = 4 */
	/* Called from the worker threads, one at a time; may be NULL. */
	void (*on_progress)(void *ud, const struct lxf_apply_progress *p);
	void *ud;
};

/*
 * Does plan (from lxf_apply_diff over live) against the remotes of r:
 * profiles first on each remote, then every instance action, all remotes
 * at once and at most o->parallel per remote (a move counts on its
 * target). CREATE: the image (copied from REMOTE: when the ref says so),
 * POST /1.0/instances with the stack tag, files, start, run, then
 * LXF_APPLY_DONE_KEY, then the wanted state; a failure deletes what it
 * made. UPDATE: one PUT of config, devices and profiles (the server's
 * own keys kept), then the state. MOVE: the running-move path of
 * `lxf move`, then as UPDATE. DELETE: stop, delete. DRIFT, CONFLICT and
 * UNPLACED are failures with their reason (nothing is done).
 * Ctrl-C (SIGINT, SIGTERM, SIGHUP, caught for the run) starts nothing
 * new: what is in flight finishes or is undone, the rest ends with
 * -LXF_ECANCELED. results has plan->n entries, one per action.
 * Returns 0 when every action is done, -LXF_EPARTIAL when some failed or
 * were cancelled (see results), other -code when nothing could start.
 */
int lxf_apply_run(const struct lxf_remotes *r, const struct lxf_apply_live *live,
		  const struct lxf_apply_plan *plan, const struct lxf_apply_run_opts *o,
		  struct lxf_apply_result *results, struct lxf_err *err);

#endif
