/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_CMD_H
#define LXF_CLI_CMD_H

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "client.h"
#include "err.h"
#include "output.h"
#include "remotes.h"

/*
 * The command table (tmux style): one const struct lxf_cmd per command, in
 * one file per command or group, listed once in cmds.def. The dispatcher
 * (cmd.c) matches multi-word names ("image alias create") longest first,
 * parses options with getopt_long from each entry's option list (adding
 * -f FORMAT for LXF_CMD_F_FORMAT), checks the argument count, resolves the
 * entry's target (remote, client, instance, snapshot), calls exec once or
 * once per target (LXF_CMD_F_EACH) and frees what it resolved. The same
 * entries serve the interactive prompt and the TUI.
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
	LXF_OPT_FAST = 400, /* list --fast, info --show-log / --resources */
	LXF_OPT_SHOW_LOG,
	LXF_OPT_RESOURCES,
	LXF_OPT_STATEFUL = 300, /* snapshot/restore/file options */
	LXF_OPT_REUSE,
	LXF_OPT_UID,
	LXF_OPT_GID,
	LXF_OPT_MODE,
	LXF_OPT_NO_EXPIRY, /* storage volume snapshot --no-expiry */
	LXF_OPT_ALL = 500, /* --all [REMOTES] [FILTER...] (select.h), with --yes, --parallel N */
	LXF_OPT_YES,
	LXF_OPT_PARALLEL,
	LXF_OPT_SNAP_NAME, /* snapshot --name SNAPSHOT, for --all */
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

/*
 * What an entry's positional arguments name. The dispatcher resolves it
 * before exec (the first argument, or each one with LXF_CMD_F_EACH) into
 * the target fields of struct lxf_cmd_args; a failure is reported as any
 * other error and exec is not called.
 */
enum lxf_cmd_target {
	LXF_CMD_T_NONE,     /* nothing resolved: exec parses its arguments */
	LXF_CMD_T_REMOTE,   /* "[REMOTE:]" (optional): a client; name is the rest */
	LXF_CMD_T_INSTANCE, /* "[REMOTE:]NAME": a client and a non-empty name */
	LXF_CMD_T_SNAPSHOT, /* "[REMOTE:]NAME[/SNAP]": as INSTANCE, name split at '/' */
	LXF_CMD_T_EITHER,   /* "REMOTE:" (the server) or "[REMOTE:]NAME" (as INSTANCE) */
};

/* Parsed options: every occurrence kept in order (-c k=v -c k2=v2). */
struct lxf_cmd_args {
	int argc; /* positional arguments */
	char **argv;
	int dash; /* argv[dash] is the first word after "--" (argc: none after it); -1: no "--" */
	size_t nopts;
	struct {
		int val;
		const char *arg;
	} opts[64];
	enum lxf_fmt fmt; /* -f FORMAT of LXF_CMD_F_FORMAT entries; TABLE when not given */
	/* The resolved target (entry's target kind), owned by the dispatcher. */
	const char *target_arg;    /* the argument it came from; NULL for none */
	struct lxf_client *client; /* its remote's client */
	char *name;                /* the instance ("" for REMOTE without a name) */
	char *snap;                /* SNAPSHOT: the part after '/', NULL without one */
};

struct lxf_cmd_index;

struct lxf_cmd_ctx {
	struct lxf_remotes *remotes;
	/* The fleet's instance names, asked at the first unqualified name (target.h). */
	struct lxf_cmd_index *index;
	FILE *out;
	FILE *err;
	bool quiet;
	long timeout_secs; /* lxf --timeout SECS, beating config.yml's; 0: not given */
};

/* Entry flags, with LXF_CMD_F_NOCONFIG (0x1) below. */
enum {
	LXF_CMD_F_FORMAT = 0x2,      /* the dispatcher adds -f FORMAT, parsed into args->fmt */
	LXF_CMD_F_EACH = 0x4,        /* exec runs once per positional argument, its target */
	LXF_CMD_F_DESTRUCTIVE = 0x8, /* deletes or overwrites what it names */
	LXF_CMD_F_ALL = 0x100,       /* --all selections run as targets (each.h's lxf_each_all) */
};
#define LXF_CMD_F_NOCONFIG 0x1 /* runs without loading config.yml */

struct lxf_obj_desc;

struct lxf_cmd {
	const char *name;       /* "list", "image import" */
	const char *aliases[4]; /* full names too: "image ls" */
	const char *usage;      /* "[REMOTE:]IMAGE [[REMOTE:]NAME]" */
	const char *summary;    /* one line for `lxf --help` */
	int min_args, max_args; /* positional bounds; max -1 = any */
	enum lxf_cmd_target target;
	unsigned flags;   /* LXF_CMD_F_* */
	const void *data; /* what a shared exec tells its entries apart by */
	/* Optional: checks the options once, before any target is resolved. */
	int (*check)(const struct lxf_cmd *self, const struct lxf_cmd_args *args,
		     struct lxf_err *err);
	struct lxf_cmd_opt opts[LXF_CMD_MAX_OPTS]; /* ended by a zero entry */
	int (*exec)(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args);
	const struct lxf_obj_desc *obj; /* resource descriptor (obj.h); NULL for most */
	const char *help; /* longer text `--help` prints after the summary; NULL for none */
};

/*
 * An entry in one line, for the simple ones: name, an alias (NULL for
 * none), usage, summary, the argument bounds, the target kind, the
 * LXF_CMD_F_* flags, exec and the option rows ({0} for none); _OBJ also
 * the resource descriptor (obj.h's entry macros are made of it).
 */
#define LXF_CMD_ENTRY_OBJ(nm, al, us, sum, lo, hi, tgt, fl, fn, desc, ...)                         \
	{                                                                                          \
		.name = nm, .aliases = {al}, .usage = us, .summary = sum, .min_args = lo,          \
		.max_args = hi, .target = tgt, .flags = fl, .exec = fn, .obj = desc, .opts = {     \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}
#define LXF_CMD_ENTRY(nm, al, us, sum, lo, hi, tgt, fl, fn, ...)                                   \
	LXF_CMD_ENTRY_OBJ(nm, al, us, sum, lo, hi, tgt, fl, fn, NULL, __VA_ARGS__)

/*
 * Runs one command line (argv[0] is the program name). Returns the exit
 * status (LXF_EXIT_*). Callable repeatedly: getopt and all state are reset
 * on each call, nothing is left allocated.
 */
int lxf_cmd_run(int argc, char **argv);

/*
 * Runs the command the words argv[0..argc) name (no program name; global
 * flags already taken), through ctx: a built-in command, else a user
 * alias's expansion (depth: expansions so far), else a usage error. The
 * words are borrowed. Returns the exit status.
 */
int lxf_cmd_dispatch(struct lxf_cmd_ctx *ctx, int argc, char **argv, int depth);

/* The built-in command the first words of argv name (longest match), or NULL. */
const struct lxf_cmd *lxf_cmd_lookup(int argc, char **argv);

/*
 * User aliases (cmd-alias.c). lxf_alias_expand: when the leading words of
 * argv are an alias of the map aliases (names -> command lines; NULL: none),
 * the longest one, returns 1 with *outv (lxf_alias_argv_free) the alias's
 * words, @ARGS@ replaced by the remaining arguments and @ARGn@ by the n-th
 * of them, or, with neither, the arguments appended. 0 when no alias
 * matches; -LXF_EUSAGE when an @ARGn@ has no argument.
 */
int lxf_alias_expand(const struct json_object *aliases, int argc, char *const *argv, int *outc,
		     char ***outv, struct lxf_err *err);
void lxf_alias_argv_free(int argc, char **argv);

/*
 * Expands argv by config.yml's aliases and dispatches the result: returns
 * its exit status, or -1 when no alias matches (nothing printed).
 */
int lxf_alias_run(struct lxf_cmd_ctx *ctx, int argc, char **argv, int depth);

/* Entry i of cmd.c's table, NULL past the end: the prompts complete from it. */
const struct lxf_cmd *lxf_cmd_nth(size_t i);

/* The interactive prompt (prompt.c), run by main.c when no command is given. */
int lxf_prompt_run(void);

/* --- helpers for exec functions --- */

/* The last value of option val, or NULL when not given. */
const char *lxf_args_get(const struct lxf_cmd_args *a, int val);
/* True when option val was given. */
bool lxf_args_has(const struct lxf_cmd_args *a, int val);

/* Prints "Error: MSG" on ctx->err and returns the exit status for err->code. */
int lxf_cmd_fail(struct lxf_cmd_ctx *ctx, const struct lxf_err *err);

/*
 * The one mapping of an error to what the user sees: a usage error
 * (LXF_EUSAGE) as lxf_cmd_usage_error, any other as lxf_cmd_fail.
 * Returns the exit status.
 */
int lxf_cmd_error(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, const struct lxf_err *err);

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

/*
 * `lxf remote add NAME TARGET [--password PW|--token T] [--accept-certificate]`
 * as a call (password, token_arg may be NULL): adds the remote to
 * ctx->remotes, for https pins its certificate (asking on a terminal
 * unless accept or a token's fingerprint says) and gets trusted, then
 * saves config.yml. Any failure leaves config.yml as it was (ctx->remotes
 * may hold the new remote: reload it). Returns 0 or an error in err.
 */
int lxf_cmd_remote_add(struct lxf_cmd_ctx *ctx, const char *name, const char *target,
		       const char *password, const char *token_arg, bool accept,
		       struct lxf_err *err);

/* Command entries, defined in the cmd-*.c files and listed in cmds.def. */
#define LXF_CMD(id) extern const struct lxf_cmd lxf_cmd_##id##_entry;
#include "cmds.def"
#undef LXF_CMD

#endif
