/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_SELECT_H
#define LXF_CLI_SELECT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "fleet.h"
#include "remotes.h"

/*
 * The instances `--all [REMOTES] [FILTER...]` picks (issue #20), shared by
 * the acting commands (start, stop, restart, pause, delete, snapshot) and
 * lxf exec --all. The words are lxf list's: "REMOTE:" (or "h1,h2:"), a
 * bare remote name and "@group" choose remotes (none: the whole fleet,
 * lxf_fleet_member); every other word is a filter as lxf list reads it
 * (key=value, a name regex; list.h). A word naming one instance
 * ("h1:c1") is a usage error: --all selects, it is not given names.
 * One GET per remote, all at once (fleet.h).
 */

struct lxf_sel_item {
	const struct lxf_remote *remote; /* borrowed from the lxf_remotes */
	char *name;                      /* owned */
	struct json_object *inst;        /* the Instance object; a reference owned */
};

/* A remote that did not answer: named to the user, counted as a failure. */
struct lxf_sel_fail {
	const struct lxf_remote *remote;
	struct lxf_err err;
};

struct lxf_sel {
	struct lxf_sel_item *v; /* sorted by remote then name (version order) */
	size_t n;
	struct lxf_sel_fail *fails; /* in the order the remotes were chosen */
	size_t nfails;
};

/*
 * Selects from r's remotes by the words argv[0..argc) (borrowed). out is
 * filled (lxf_sel_fini it, also on failure); a remote that did not answer
 * is in out->fails, not an error of the call. Errors: -LXF_EUSAGE (a bad
 * filter, a word naming an instance), -LXF_ENOENT (an unknown remote or
 * group, with did-you-mean), -LXF_ENOMEM.
 */
int lxf_select(const struct lxf_remotes *r, int argc, char *const *argv, struct lxf_sel *out,
	       struct lxf_err *err);

/* Frees what out holds and zeroes it; NULL and a zeroed one are fine. */
void lxf_sel_fini(struct lxf_sel *s);

/* ---- the two halves of lxf_select, without a server (unit-tested) ---- */

/*
 * Sorts the words: the remotes chosen into rems (deduplicated, in order;
 * room for r->n), the filters into filters (room for argc; borrowed from
 * argv). No remote named: rems stays empty (the caller takes the fleet).
 * *need_state: a filter reads the instance state (ipv4=, ipv6=).
 */
int lxf_sel_words(const struct lxf_remotes *r, int argc, char *const *argv,
		  const struct lxf_remote **rems, size_t *nrems, const char **filters,
		  size_t *nfilters, bool *need_state, struct lxf_err *err);

/*
 * Adds the instances of the answered jobs that pass the filters to out
 * (sorted), and the jobs that failed to out->fails. Tags each instance
 * with its "remote". Returns 0 or -LXF_ENOMEM.
 */
int lxf_sel_collect(const struct lxf_fleet_job *jobs, size_t njobs, const char *const *filters,
		    size_t nfilters, struct lxf_sel *out, struct lxf_err *err);

#endif
