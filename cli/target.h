/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_TARGET_H
#define LXF_CLI_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd.h"
#include "err.h"
#include "remotes.h"

/*
 * What a name on the command line means in the fleet (issue #17): with
 * "REMOTE:" it is there. Without it:
 *  - when the user chose the default remote (`lxf remote switch`), it is
 *    there, as in LXD;
 *  - else an existing instance is looked up across the fleet's members
 *    (lxf_fleet_member) in one parallel batch per command, kept in
 *    ctx->index: found on one remote, that one; on several, a usage error
 *    naming them; on none, not found naming the remotes searched;
 *  - anything else (a new instance, an image, a profile, "no argument")
 *    goes to the default remote when it is a member, else it is a usage
 *    error naming the remotes to choose from.
 */

/* How a name without "REMOTE:" is placed. */
enum lxf_name_kind {
	LXF_NAME_DEFAULT,  /* the default remote (new instances, other objects) */
	LXF_NAME_INSTANCE, /* an existing instance ("NAME[/...]"): looked up in the fleet */
};

/* Instance names of the fleet's members, asked once per command. */
struct lxf_cmd_index;

/* Frees ctx->index (NULL allowed) and clears it. */
void lxf_cmd_index_free(struct lxf_cmd_ctx *ctx);

/*
 * Splits "[REMOTE:]NAME" as lxf_remotes_parse_arg does, placing a name
 * without "REMOTE:" by kind (above). *remote and *name: free(); NULL on
 * failure. Errors: -LXF_ENOENT (unknown remote, instance nowhere),
 * -LXF_EUSAGE (on several remotes, no default remote to use).
 */
int lxf_cmd_parse_arg(struct lxf_cmd_ctx *ctx, const char *arg, enum lxf_name_kind kind,
		      char **remote, char **name, struct lxf_err *err);

/*
 * A destination "[REMOTE:]NAME" of copy/move: without "REMOTE:" it stays
 * on src_remote (the source's), unless the user chose the default remote
 * (LXD: the default). *remote, *name: free().
 */
int lxf_cmd_parse_dest(struct lxf_cmd_ctx *ctx, const char *arg, const char *src_remote,
		       char **remote, char **name, struct lxf_err *err);

/*
 * As lxf_cmd_target, an existing instance "[REMOTE:]NAME[/...]" looked up
 * across the fleet when unqualified. *client: lxf_client_free; *name: free().
 */
int lxf_cmd_target_inst(struct lxf_cmd_ctx *ctx, const char *arg, struct lxf_client **client,
			char **name, struct lxf_err *err);

/*
 * The dispatcher's target: resolves arg (NULL: not given) as cmd's target
 * kind into a's client, name and snap; lxf_cmd_target_fini releases them.
 */
int lxf_cmd_target_resolve(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, const char *arg,
			   struct lxf_cmd_args *a, struct lxf_err *err);
void lxf_cmd_target_fini(struct lxf_cmd_args *a);

/*
 * The pure decision for an unqualified instance name (unit-tested):
 * found[0..nfound) are the remotes that have it, searched[0..nsearched)
 * every remote asked, failed[0..nfailed) those that did not answer.
 * One found: 0 and *out = found[0] (borrowed). Several: -LXF_EUSAGE
 * "c1 is on h1, h2: use h1:c1". None: -LXF_ENOENT naming the remotes
 * searched (and those that did not answer); no remote at all: -LXF_EUSAGE.
 */
int lxf_target_pick(const char *name, const char *const *found, size_t nfound,
		    const char *const *searched, size_t nsearched, const char *const *failed,
		    size_t nfailed, const char **out, struct lxf_err *err);

/*
 * The remote for something unqualified that is not looked up: the
 * default remote when the user chose it or it is a fleet member; else
 * -LXF_EUSAGE naming the members to choose from. *out borrowed from
 * ctx->remotes.
 */
int lxf_cmd_default_remote(const struct lxf_remotes *r, const char **out, struct lxf_err *err);

/*
 * After image ref was not found on remote (launch, init): rewrites err
 * (-LXF_ENOENT) to name remote and where else in the fleet that alias
 * is, with the command that copies it there. One parallel batch.
 */
void lxf_target_image_hint(struct lxf_cmd_ctx *ctx, const char *remote, const char *ref,
			   struct lxf_err *err);

/* Writes "h1, h2, h3" (the fleet's members) into buf. */
void lxf_target_members(const struct lxf_remotes *r, char *buf, size_t len);

#endif
