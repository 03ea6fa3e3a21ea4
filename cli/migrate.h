/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_MIGRATE_H
#define LXF_CLI_MIGRATE_H

#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"
#include "remotes.h"

/*
 * Copies and moves of instances between remotes over LXD 5.0's migration
 * API, driven from the client: the source daemon gets
 * POST /1.0/instances/NAME {"migration": true}, the target
 * POST /1.0/instances {"source": {"type": "migration"}}, and
 *   relay: lxf connects to both operations' websockets (control, fs) and
 *          pumps every message across unchanged (the only mode for unix
 *          socket remotes, which the daemons cannot reach each other by);
 *   pull:  the target dials the source's operation over HTTPS;
 *   push:  the source dials the target's operation over HTTPS.
 * Used by `lxf copy`, `lxf move` and, through them, by lxf-tui.
 */

enum lxf_mig_mode { LXF_MIG_AUTO, LXF_MIG_PULL, LXF_MIG_PUSH, LXF_MIG_RELAY };

#define LXF_MIG_KV_MAX 32

struct lxf_mig_opts {
	enum lxf_mig_mode mode;
	bool instance_only;
	bool refresh;   /* copy: sync into an existing (stopped) target */
	bool stateful;  /* asked for CRIU: refused unless `criu check` passes */
	bool stateless; /* said explicitly: no notice printed */
	/* -c KEY=VALUE and -p PROFILE (borrowed); no_profiles: --no-profiles. */
	const char *config[LXF_MIG_KV_MAX];
	size_t nconfig;
	const char *profiles[LXF_MIG_KV_MAX];
	size_t nprofiles;
	/* Where the progress line and the notices go; progress only when
	 * progress_tty (a terminal and not -q). Borrowed. */
	FILE *msg;
	bool progress_tty;
	/* The caller catches SIGINT/TERM/HUP itself and sets
	 * lxf_mig_interrupted (lxf apply's worker threads): no handlers are
	 * installed and the flag is not reset. */
	bool no_signals;
};

/* Set when a migration is to give up (Ctrl-C): its waits see it and undo. */
extern volatile sig_atomic_t lxf_mig_interrupted;

/* Options of `lxf copy` and `lxf move` past the shared LXF_OPT_* values. */
enum {
	LXF_MIG_OPT_INSTANCE_ONLY = 400,
	LXF_MIG_OPT_MODE,
	LXF_MIG_OPT_STATELESS,
	LXF_MIG_OPT_STATEFUL,
	LXF_MIG_OPT_REFRESH,
};

struct lxf_cmd_ctx;
struct lxf_cmd_args;

/*
 * Fills o from the parsed options (-c, -p, --mode, --instance-only,
 * --stateless, --stateful, --refresh); strings are borrowed from args.
 * Progress goes to ctx->err when it is a terminal and -q was not given.
 * Returns 0 or -LXF_EUSAGE.
 */
int lxf_mig_opts_from_args(struct lxf_cmd_ctx *ctx, const struct lxf_cmd_args *args,
			   struct lxf_mig_opts *o, struct lxf_err *err);

struct lxf_cmd;

/* One source of copy or move to dst_arg; many when there are several. Returns the exit status. */
typedef int (*lxf_mig_one_fn)(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      const struct lxf_cmd_args *args, const char *src_arg,
			      const char *dst_arg, bool many, const struct lxf_mig_opts *mo);

/*
 * The argument loop of copy and move: parses the options once, then runs
 * one for each source (all arguments but the last, the destination) in
 * order, stopping at the first failure. Returns the exit status.
 */
int lxf_mig_each_source(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args, lxf_mig_one_fn one);

/*
 * The target's create request (no "source"; also a copy on one remote's, with -c or -p) from the source instance:
 * its config without volatile.* (volatile.base_image kept) plus -c, its
 * devices, type, architecture, description, ephemeral, and its profiles
 * unless -p gave others. *out: json_object_put. -LXF_EUSAGE for a bad -c.
 */
int lxf_mig_target_body(struct json_object *inst, const char *newname, const struct lxf_mig_opts *o,
			struct json_object **out, struct lxf_err *err);

/* Parses "pull", "push", "relay" into *mode; -LXF_EUSAGE otherwise. */
int lxf_mig_mode_parse(const char *s, enum lxf_mig_mode *mode, struct lxf_err *err);

/*
 * Copies SRC_REMOTE:NAME[/SNAP] to DST_REMOTE:NEWNAME (the remotes differ).
 * The source is never changed (a running source keeps running; its copy
 * is made stopped). On failure nothing is left on the target (what this
 * call made is deleted; with refresh the existing target is kept) and
 * -code is returned with err filled. Ctrl-C cancels: -LXF_ECANCELED.
 */
int lxf_migrate_copy(const struct lxf_remotes *r, const char *src_remote, const char *name,
		     const char *snap, const char *dst_remote, const char *newname,
		     const struct lxf_mig_opts *o, struct lxf_err *err);

/*
 * Moves SRC_REMOTE:NAME to DST_REMOTE:NEWNAME. A stopped instance is
 * copied, then the source deleted. A running one: a first copy while it
 * runs, then a forced stop, a final delta (refresh) copy, a start on the
 * target and only then the source deleted: never two copies running.
 * Any failure (or Ctrl-C) before the source is deleted removes what was
 * made on the target and leaves the source as it was, running if it was.
 */
int lxf_migrate_move(const struct lxf_remotes *r, const char *src_remote, const char *name,
		     const char *dst_remote, const char *newname, const struct lxf_mig_opts *o,
		     struct lxf_err *err);

/*
 * Copies custom volume SRC_REMOTE:POOL/NAME to DST_REMOTE:DST_POOL/NEWNAME
 * (the remotes differ) with LXD's volume migration, in o->mode (AUTO:
 * pull between HTTPS remotes, else relay); o->instance_only: without its
 * snapshots (--volume-only). The source is only read; on failure the
 * target keeps nothing (its daemon removes what it made). 0 or -code.
 */
int lxf_migrate_volume(const struct lxf_remotes *r, const char *src_remote, const char *pool,
		       const char *name, const char *dst_remote, const char *dst_pool,
		       const char *newname, const struct lxf_mig_opts *o, struct lxf_err *err);

/*
 * Copies image REF (alias or fingerprint prefix) from src_remote to
 * dst_remote: the target pulls it when both remotes are HTTPS, else lxf
 * relays it (export, upload, fingerprint checked). An image already on
 * the target is not sent again. Then the aliases (borrowed) and, with
 * copy_aliases, the source's are made on the target. *fp_out (may be
 * NULL) gets the fingerprint (free()). Returns 0 or -code.
 */
int lxf_image_copy(const struct lxf_remotes *r, const char *src_remote, const char *ref,
		   const char *dst_remote, const char *const *aliases, size_t naliases,
		   bool copy_aliases, bool public, char **fp_out, struct lxf_err *err);
/* As lxf_image_copy, in mode "pull", "push" (the source uploads to the
 * target with the target's token) or "relay"; NULL is lxf_image_copy's
 * choice. pull and push need two HTTPS remotes. */
int lxf_image_copy_mode(const struct lxf_remotes *r, const char *src_remote, const char *ref,
			const char *dst_remote, const char *mode, const char *const *aliases,
			size_t naliases, bool copy_aliases, bool public, char **fp_out,
			struct lxf_err *err);

#endif
