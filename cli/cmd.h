/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_CMD_H
#define LXF_CLI_CMD_H

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "client.h"
#include "err.h"
#include "remotes.h"

/*
 * The command table (tmux style): one const struct lxf_cmd per command, in
 * one file per command or group; cmd.c lists them, parses options with
 * getopt_long from each entry's option list, checks the argument count and
 * calls exec. Multi-word names ("image alias create") are matched longest
 * first. The same entries will serve the interactive prompt and the TUI.
 */

/* Exit statuses. */
enum { LXF_EXIT_OK = 0, LXF_EXIT_ERROR = 1, LXF_EXIT_USAGE = 2, LXF_EXIT_PARTIAL = 3 };

/* Long-only options get values past the char range. */
enum {
	LXF_OPT_NO_PROFILES = 256,
	LXF_OPT_ALIAS,
	LXF_OPT_RAW,
	LXF_OPT_WAIT,
	LXF_OPT_PUBLIC,
	LXF_OPT_TIMEOUT_VAL,
	LXF_OPT_STATEFUL = 300, /* snapshot/restore/file options */
	LXF_OPT_REUSE,
	LXF_OPT_UID,
	LXF_OPT_GID,
	LXF_OPT_MODE,
};

#define LXF_CMD_MAX_OPTS 16

/* One option of a command: getopt_long's fields plus a help line. */
struct lxf_cmd_opt {
	const char *long_name;
	int val; /* short letter or an LXF_OPT_* value */
	int has_arg;
	const char *arg_name; /* "COLUMNS" shown in help */
	const char *help;
};

/* Parsed options: every occurrence kept in order (-c k=v -c k2=v2). */
struct lxf_cmd_args {
	int argc; /* positional arguments */
	char **argv;
	size_t nopts;
	struct {
		int val;
		const char *arg;
	} opts[64];
};

struct lxf_cmd_ctx {
	struct lxf_remotes *remotes;
	FILE *out;
	FILE *err;
	bool quiet;
};

#define LXF_CMD_F_NOCONFIG 0x1 /* runs without loading config.yml */

struct lxf_obj_desc;

struct lxf_cmd {
	const char *name;       /* "list", "image import" */
	const char *aliases[4]; /* full names too: "image ls" */
	const char *usage;      /* "[REMOTE:]IMAGE [[REMOTE:]NAME]" */
	const char *summary;    /* one line for `lxf --help` */
	int min_args, max_args; /* positional bounds; max -1 = any */
	unsigned flags;
	struct lxf_cmd_opt opts[LXF_CMD_MAX_OPTS]; /* ended by a zero entry */
	int (*exec)(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args);
	const struct lxf_obj_desc *obj; /* resource descriptor (obj.h); NULL for most */
};

/*
 * Runs one command line (argv[0] is the program name). Returns the exit
 * status (LXF_EXIT_*). Callable repeatedly: getopt and all state are reset
 * on each call, nothing is left allocated.
 */
int lxf_cmd_run(int argc, char **argv);

/* --- helpers for exec functions --- */

/* The last value of option val, or NULL when not given. */
const char *lxf_args_get(const struct lxf_cmd_args *a, int val);
/* True when option val was given. */
bool lxf_args_has(const struct lxf_cmd_args *a, int val);

/* Prints "Error: MSG" on ctx->err and returns the exit status for err->code. */
int lxf_cmd_fail(struct lxf_cmd_ctx *ctx, const struct lxf_err *err);

/* Prints "Error: MSG" and the usage line; returns LXF_EXIT_USAGE. */
int lxf_cmd_usage_error(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Resolves the remote named remote (NULL: the default) and makes a client
 * for it. *out: lxf_client_free. -LXF_ENOENT "remote 'x' not found".
 */
int lxf_cmd_client(struct lxf_cmd_ctx *ctx, const char *remote, struct lxf_client **out,
		   struct lxf_err *err);

/*
 * Parses "[REMOTE:]NAME" and connects: *client for the remote, *name
 * malloc'ed (free()). With need_name, an empty name is -LXF_EINVAL.
 */
int lxf_cmd_target(struct lxf_cmd_ctx *ctx, const char *arg, bool need_name,
		   struct lxf_client **client, char **name, struct lxf_err *err);

/*
 * Builds "/1.0/<collection>/<escaped name><suffix>" into buf. Returns 0 or
 * -LXF_EINVAL (too long) / -LXF_ENOMEM.
 */
int lxf_cmd_path(char *buf, size_t len, const char *collection, const char *name,
		 const char *suffix, struct lxf_err *err);

/* Resolves an image alias or fingerprint prefix on c into *fp (malloc'ed). */
int lxf_cmd_image_resolve(struct lxf_client *c, const char *ref, char **fp, struct lxf_err *err);

/* Command entries, defined in the cmd-*.c files. */
extern const struct lxf_cmd lxf_cmd_list_entry;
extern const struct lxf_cmd lxf_cmd_launch_entry, lxf_cmd_init_entry;
extern const struct lxf_cmd lxf_cmd_start_entry, lxf_cmd_stop_entry, lxf_cmd_restart_entry,
    lxf_cmd_pause_entry;
extern const struct lxf_cmd lxf_cmd_delete_entry;
extern const struct lxf_cmd lxf_cmd_info_entry;
extern const struct lxf_cmd lxf_cmd_image_import_entry, lxf_cmd_image_list_entry,
    lxf_cmd_image_delete_entry, lxf_cmd_image_alias_create_entry, lxf_cmd_image_alias_delete_entry,
    lxf_cmd_image_alias_list_entry;
extern const struct lxf_cmd lxf_cmd_remote_add_entry, lxf_cmd_remote_list_entry,
    lxf_cmd_remote_remove_entry, lxf_cmd_remote_rename_entry, lxf_cmd_remote_switch_entry,
    lxf_cmd_remote_get_default_entry, lxf_cmd_remote_set_url_entry, lxf_cmd_remote_import_entry;
extern const struct lxf_cmd lxf_cmd_trust_list_entry, lxf_cmd_trust_add_entry,
    lxf_cmd_trust_show_entry, lxf_cmd_trust_remove_entry;
extern const struct lxf_cmd lxf_cmd_query_entry;
extern const struct lxf_cmd lxf_cmd_version_entry;
extern const struct lxf_cmd lxf_cmd_move_entry, lxf_cmd_copy_entry;
extern const struct lxf_cmd lxf_cmd_rename_entry, lxf_cmd_snapshot_entry, lxf_cmd_restore_entry;
extern const struct lxf_cmd lxf_cmd_config_show_entry, lxf_cmd_config_get_entry,
    lxf_cmd_config_set_entry, lxf_cmd_config_unset_entry, lxf_cmd_config_edit_entry;
extern const struct lxf_cmd lxf_cmd_config_device_add_entry, lxf_cmd_config_device_remove_entry,
    lxf_cmd_config_device_list_entry, lxf_cmd_config_device_show_entry,
    lxf_cmd_config_device_get_entry, lxf_cmd_config_device_set_entry,
    lxf_cmd_config_device_unset_entry;
extern const struct lxf_cmd lxf_cmd_profile_list_entry, lxf_cmd_profile_show_entry,
    lxf_cmd_profile_create_entry, lxf_cmd_profile_delete_entry, lxf_cmd_profile_get_entry,
    lxf_cmd_profile_set_entry, lxf_cmd_profile_unset_entry, lxf_cmd_profile_edit_entry,
    lxf_cmd_profile_copy_entry, lxf_cmd_profile_rename_entry, lxf_cmd_profile_add_entry,
    lxf_cmd_profile_remove_entry, lxf_cmd_profile_assign_entry;
extern const struct lxf_cmd lxf_cmd_profile_device_add_entry, lxf_cmd_profile_device_remove_entry,
    lxf_cmd_profile_device_list_entry, lxf_cmd_profile_device_show_entry,
    lxf_cmd_profile_device_get_entry, lxf_cmd_profile_device_set_entry,
    lxf_cmd_profile_device_unset_entry;
extern const struct lxf_cmd lxf_cmd_image_copy_entry;
extern const struct lxf_cmd lxf_cmd_image_info_entry, lxf_cmd_image_export_entry,
    lxf_cmd_image_edit_entry, lxf_cmd_image_alias_rename_entry;
extern const struct lxf_cmd lxf_cmd_file_push_entry, lxf_cmd_file_pull_entry,
    lxf_cmd_file_delete_entry;
extern const struct lxf_cmd lxf_cmd_operation_list_entry, lxf_cmd_operation_show_entry,
    lxf_cmd_operation_delete_entry;
extern const struct lxf_cmd lxf_cmd_network_list_entry, lxf_cmd_network_show_entry,
    lxf_cmd_network_info_entry, lxf_cmd_storage_list_entry, lxf_cmd_storage_show_entry;

#endif
