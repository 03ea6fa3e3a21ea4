/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_BACKUP_H
#define LXF_CLI_BACKUP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "remotes.h"

/*
 * The pure parts of `lxf publish`, `lxf export INSTANCE` and `lxf import`
 * (cmd-publish.c, cmd-backup.c), unit-tested in test_backup_cli.c.
 */

/* What `lxf publish` asks for; all borrowed. */
struct lxf_publish_req {
	const char *name, *snap; /* snap NULL: the instance itself */
	const char *const *aliases;
	size_t naliases;
	char *const *props; /* key=value words */
	size_t nprops;
	bool public;
	const char *compression; /* NULL: the server's default */
	const char *expires_at;  /* RFC 3339 (lxf_backup_expiry), NULL: never */
};

/*
 * The body of POST /1.0/images for r (LXD's ImagesPost with an instance
 * or snapshot source). *out: new reference. -LXF_EUSAGE for a property
 * that is not key=value.
 */
int lxf_publish_body(const struct lxf_publish_req *r, struct json_object **out,
		     struct lxf_err *err);

/*
 * --expire's value as RFC 3339 into out (size n): an RFC 3339 time as
 * given, or a duration from now: a number with s, m, h, d or w ("30d").
 * -LXF_EUSAGE otherwise.
 */
int lxf_backup_expiry(const char *s, time_t now, char *out, size_t n, struct lxf_err *err);

/*
 * Which `lxf export` a command line is: the stack export (lxf-apply(1))
 * when there is no argument or the first one names remotes ("h1",
 * "h1:", "@web", "h1,h2"); an instance backup when it is REMOTE:NAME or a word that is
 * not a remote.
 */
bool lxf_export_is_stack(const struct lxf_remotes *r, int argc, char *const *argv);

/* `lxf export [REMOTE:]INSTANCE [FILE]`: the instance backup (cmd-backup.c). */
struct lxf_cmd;
struct lxf_cmd_ctx;
struct lxf_cmd_args;
int lxf_export_instance(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			const struct lxf_cmd_args *args);

#endif
