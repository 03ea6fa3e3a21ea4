/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_APPLY_PLAN_H
#define LXF_APPLY_PLAN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

/*
 * From a spec and the live facts of its remotes to the actions that make
 * the fleet match it. Pure functions: the caller (lxf plan/apply) reads the
 * facts from the servers and does the actions; nothing here does I/O.
 */

/* The tag every instance of a stack carries: user.lxf.stack=NAME. */
#define LXF_APPLY_STACK_KEY "user.lxf.stack"
/*
 * Set by apply last, once an instance's files and run are done (or it
 * needed none; adopt sets it too). An instance of the stack without it
 * is half-made (apply was killed while making it): the plan re-creates it.
 */
#define LXF_APPLY_DONE_KEY "user.lxf.provisioned"

/* What one remote answered (or that it did not). */
struct lxf_apply_facts {
	const char *remote;
	bool up;                       /* false: nothing below is known */
	uint64_t mem_free;             /* bytes, from GET /1.0/resources */
	struct json_object *instances; /* GET /1.0/instances?recursion=1, an array; borrowed */
	struct json_object *profiles;  /* GET /1.0/profiles?recursion=1, an array; borrowed */
};

/* An instance that exists now, for placement. */
struct lxf_apply_where {
	const char *name;
	const char *remote;
	bool in_stack; /* tagged user.lxf.stack=<this stack> */
};

/* Where one spec instance goes. Strings borrowed from the spec or the input. */
struct lxf_apply_place {
	const char *remote; /* NULL: nowhere for now, see reason */
	const char *from;   /* lives on this other remote now: a move; else NULL */
	char reason[160];
};

/*
 * Sticky placement: an instance that exists on a remote it may live on
 * stays there. The others (new, or on a remote no longer allowed) go to
 * the allowed remote holding the fewest instances of the stack, then with
 * the most free memory, then the first by name; each choice counts for
 * the next. An instance none of whose allowed remotes is up gets NULL, as
 * does one whose allowed remotes include a down one (it may live there).
 * out has spec->ninstances entries, in the spec's order. Returns 0 or
 * -LXF_ENOMEM.
 */
int lxf_apply_placement(const struct lxf_apply_spec *spec, const struct lxf_apply_facts *facts,
			size_t nfacts, const struct lxf_apply_where *live, size_t nlive,
			struct lxf_apply_place *out, struct lxf_err *err);

enum lxf_apply_kind {
	LXF_APPLY_CREATE,         /* + create on remote */
	LXF_APPLY_UPDATE,         /* ~ in place: changes */
	LXF_APPLY_MOVE,           /* > from -> remote, then changes */
	LXF_APPLY_DRIFT,          /* ! apply will not change it by itself: reason names the flag */
	LXF_APPLY_DELETE,         /* - of this stack, no longer in the file (prune only) */
	LXF_APPLY_CONFLICT,       /* ! same name, not of this stack: needs --adopt */
	LXF_APPLY_UNPLACED,       /* ! no remote for it now: reason */
	LXF_APPLY_PROFILE_CREATE, /* + a profile of the file, missing on remote */
	LXF_APPLY_PROFILE_UPDATE, /* ~ a profile of the file on remote: changes */
};

/* "create", "update", "move", "drift", "delete", "conflict", "unplaced",
 * "profile-create", "profile-update" */
const char *lxf_apply_kind_name(enum lxf_apply_kind k);

enum lxf_apply_field {
	LXF_APPLY_F_CONFIG,      /* key: the config key */
	LXF_APPLY_F_DEVICE,      /* key: the device name; values "k=v, k=v" sorted by key */
	LXF_APPLY_F_PROFILES,    /* values "a, b" */
	LXF_APPLY_F_STATE,       /* "running" / "stopped" / "frozen" */
	LXF_APPLY_F_IMAGE,       /* fingerprints (drift) */
	LXF_APPLY_F_DESCRIPTION, /* a profile's description */
};

/* One changed value: old -> new; NULL old = added, NULL new = removed. */
struct lxf_apply_change {
	enum lxf_apply_field field;
	char *key; /* NULL for profiles, state, image */
	char *old;
	char *new;
};

struct lxf_apply_action {
	enum lxf_apply_kind kind;
	const struct lxf_apply_instance
	    *inst; /* borrowed from the spec; NULL for DELETE, PROFILE_* */
	const struct lxf_apply_profile *profile; /* PROFILE_*: borrowed from the spec */
	char *name;
	char *remote; /* where it is to be (create, update, move) or is (the others) */
	char *from;   /* MOVE: where it is now */
	char *reason; /* DRIFT, CONFLICT, UNPLACED; CREATE with replace: why */
	/* CREATE: delete the instance of that name on remote first (it is
	 * half-made, or --replace named it); MOVE/UPDATE: it is not of this
	 * stack yet (--adopt), so apply also sets LXF_APPLY_DONE_KEY. */
	bool replace;
	bool adopt;
	struct lxf_apply_change *changes;
	size_t nchanges;
};

struct lxf_apply_plan {
	/* Profiles first (by remote and name), then instances in the spec's
	 * order, then deletes by remote and name. */
	struct lxf_apply_action *v;
	size_t n;
};

/* An image reference resolved on a remote (GET /1.0/images/aliases/...). */
struct lxf_apply_image {
	const char *remote;
	const char *ref; /* as the spec writes it */
	const char *fingerprint;
};

struct lxf_apply_diff_opts {
	bool prune; /* DELETE this stack's instances the file no longer names */
	bool adopt; /* take over same-named instances of no (or another) stack */
	/* destroy: every instance of this stack on an answering remote is a
	 * DELETE, and nothing else is planned (no profiles either). */
	bool destroy;
	/* --replace NAME: its image drift becomes a CREATE with replace. */
	const char *const *replace;
	size_t nreplace;
	/* --only NAME: actions for these instances only (and the profiles
	 * they use); NULL: all. */
	const char *const *only;
	size_t nonly;
	const struct lxf_apply_image *images; /* unresolved images: no image drift check */
	size_t nimages;
};

/*
 * The actions from spec to the facts: placement (above), then per
 * instance one of create / update / move / conflict / unplaced (update
 * only when something changed) and a drift when its image differs, then
 * the deletes (prune; the old copy of one re-created elsewhere). An
 * instance of the stack without LXF_APPLY_DONE_KEY is re-created
 * (CREATE, replace, "replaces a half-made one"), as is one --replace
 * names whose image drifted ("--replace"). One of no or another stack
 * that matches the file in every compared field gets no action (not a
 * conflict). The file's profiles that a placed instance of the stack
 * uses come first, per remote. Config keys volatile.*, image.* and
 * user.lxf.* of a live instance are its own and never compared.
 * Deterministic: the same input gives the same plan. Returns 0 and
 * *plan (lxf_apply_plan_fini), or -LXF_ENOMEM.
 */
int lxf_apply_diff(const struct lxf_apply_spec *spec, const struct lxf_apply_facts *facts,
		   size_t nfacts, const struct lxf_apply_diff_opts *opts,
		   struct lxf_apply_plan *plan, struct lxf_err *err);

/* Frees the actions; plan is empty afterwards. */
void lxf_apply_plan_fini(struct lxf_apply_plan *plan);

#endif
