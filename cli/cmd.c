/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command table (cmds.def), dispatch (longest multi-word match), option
 * parsing with getopt_long built from each entry, target resolution and
 * the per-target loop, the error to exit status mapping, help texts and
 * shared helpers.
 */
#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "each.h"
#include "suggest.h"
#include "target.h"

static const struct lxf_cmd *const cmd_table[] = {
#define LXF_CMD(id) &lxf_cmd_##id##_entry,
#include "cmds.def"
#undef LXF_CMD
};

#define CMD_N        (sizeof(cmd_table) / sizeof(cmd_table[0]))
#define CMD_WORDS    3
#define CMD_NAME_MAX 128

const struct lxf_cmd *lxf_cmd_nth(size_t i)
{
	return i < CMD_N ? cmd_table[i] : NULL;
}

const char *lxf_args_get(const struct lxf_cmd_args *a, int val)
{
	const char *v = NULL;

	for (size_t i = 0; i < a->nopts; i++)
		if (a->opts[i].val == val)
			v = a->opts[i].arg;
	return v;
}

bool lxf_args_has(const struct lxf_cmd_args *a, int val)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (a->opts[i].val == val)
			return true;
	return false;
}

int lxf_cmd_fail(struct lxf_cmd_ctx *ctx, const struct lxf_err *err)
{
	fprintf(ctx->err, "Error: %s\n", err->msg[0] ? err->msg : lxf_code_text(err->code));
	return lxf_code_exit(err->code);
}

int lxf_cmd_error(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, const struct lxf_err *err)
{
	if (lxf_code_exit(err->code) == LXF_EXIT_USAGE)
		return lxf_cmd_usage_error(cmd, ctx, "%s", err->msg);
	return lxf_cmd_fail(ctx, err);
}

static void cmd_print_usage(FILE *f, const struct lxf_cmd *cmd)
{
	fprintf(f, "Usage: lxf %s%s%s\n", cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
}

int lxf_cmd_usage_error(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", ctx->err);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
	cmd_print_usage(ctx->err, cmd);
	return LXF_EXIT_USAGE;
}

static const char cmd_format_help[] = "table, csv, json, yaml or compact";

/* True when the dispatcher adds -f FORMAT: the flag, and no -f of the entry's own. */
static bool cmd_adds_format(const struct lxf_cmd *cmd)
{
	if (!(cmd->flags & LXF_CMD_F_FORMAT))
		return false;
	for (size_t i = 0; cmd->opts[i].long_name; i++)
		if (cmd->opts[i].val == 'f')
			return false;
	return true;
}

static void cmd_help(FILE *f, const struct lxf_cmd *cmd)
{
	char left[96];
	bool own_q = false;

	cmd_print_usage(f, cmd);
	fprintf(f, "\n%s\n", cmd->summary);
	if (cmd->help)
		fprintf(f, "\n%s", cmd->help);
	if (cmd->aliases[0]) {
		fputs("\nAliases:", f);
		for (size_t i = 0; i < 4 && cmd->aliases[i]; i++)
			fprintf(f, "%s %s", i ? "," : "", cmd->aliases[i]);
		fputc('\n', f);
	}
	fputs("\nOptions:\n", f);
	for (size_t i = 0; cmd->opts[i].long_name; i++) {
		const struct lxf_cmd_opt *o = &cmd->opts[i];

		own_q = own_q || o->val == 'q';
		if (o->val < 256)
			(void)snprintf(left, sizeof(left), "-%c, --%s%s%s", o->val, o->long_name,
				       o->has_arg ? " " : "", o->has_arg ? o->arg_name : "");
		else
			(void)snprintf(left, sizeof(left), "    --%s%s%s", o->long_name,
				       o->has_arg ? " " : "", o->has_arg ? o->arg_name : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
	if (cmd_adds_format(cmd))
		fprintf(f, "  %-28s %s\n", "-f, --format FORMAT", cmd_format_help);
	fprintf(f, "  %-28s %s\n", "-h, --help", "Show this help");
	if (!own_q)
		fprintf(f, "  %-28s %s\n", "-q, --quiet", "Print less");
}

/* One "  NAME  SUMMARY" line: two spaces at least after a long name (completion splits on them). */
static void cmd_help_line(FILE *f, const struct lxf_cmd *c)
{
	size_t n = strlen(c->name);

	fprintf(f, "  %-*s %s\n", n < 22 ? 22 : (int)n + 1, c->name, c->summary);
}

static void cmd_help_all(FILE *f)
{
	fputs("Usage: lxf [--version] [--help] [--verbose|--debug] COMMAND [OPTIONS] [ARGS...]\n\n"
	      "lxf manages system containers on many lxfd or LXD remotes at once.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < CMD_N; i++)
		cmd_help_line(f, cmd_table[i]);
	fputs("\nGlobal flags:\n"
	      "  -q, --quiet            Print less\n"
	      "  -v, --verbose          Print each HTTP request on stderr\n"
	      "      --debug            Print each HTTP request and response status on stderr\n"
	      "\nRun 'lxf help COMMAND' or 'lxf COMMAND --help' for a command's options;\n"
	      "'lxf alias list' shows your own command aliases.\n",
	      f);
}

/* What a bare `lxf` without a terminal says: a pointer, not the whole list. */
static void cmd_usage_short(FILE *f)
{
	fputs("Usage: lxf [--help] [--version] COMMAND [OPTIONS] [ARGS...]\n"
	      "Run 'lxf --help' for the commands, 'man lxf' for the manual;\n"
	      "on a terminal, lxf alone opens an interactive prompt.\n",
	      f);
}

/* Joins argv[0..n) with spaces; false when it does not fit. */
static bool cmd_join(char *buf, size_t len, int n, char **argv)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= len - off)
			return false;
		off += (size_t)w;
	}
	return true;
}

static bool cmd_is_named(const struct lxf_cmd *cmd, const char *name)
{
	if (strcmp(cmd->name, name) == 0)
		return true;
	for (size_t i = 0; i < 4 && cmd->aliases[i]; i++)
		if (strcmp(cmd->aliases[i], name) == 0)
			return true;
	return false;
}

/* Longest match of up to CMD_WORDS leading words; *words gets how many were used. */
static const struct lxf_cmd *cmd_find(int argc, char **argv, int *words)
{
	char name[CMD_NAME_MAX];

	for (int n = argc < CMD_WORDS ? argc : CMD_WORDS; n > 0; n--) {
		if (!cmd_join(name, sizeof(name), n, argv))
			continue;
		for (size_t i = 0; i < CMD_N; i++) {
			if (cmd_is_named(cmd_table[i], name)) {
				*words = n;
				return cmd_table[i];
			}
		}
	}
	return NULL;
}

/*
 * The group the leading words name ("image", "image alias"): its prefix
 * with a trailing space into prefix, and how many words it took; 0 when
 * they name no group.
 */
static int cmd_group_find(int argc, char **argv, char *prefix, size_t len)
{
	size_t plen;

	for (int n = argc < CMD_WORDS - 1 ? argc : CMD_WORDS - 1; n > 0; n--) {
		if (!cmd_join(prefix, len - 1, n, argv))
			continue;
		plen = strlen(prefix);
		prefix[plen] = ' ';
		prefix[plen + 1] = '\0';
		for (size_t i = 0; i < CMD_N; i++)
			if (strncmp(cmd_table[i]->name, prefix, plen + 1) == 0)
				return n;
	}
	return 0;
}

/* Lists the subcommands of the group prefix ("image "), as lxc's group help does. */
static void cmd_group_list(FILE *f, const char *prefix)
{
	size_t plen = strlen(prefix);

	fprintf(f, "Usage: lxf %sSUBCOMMAND [OPTIONS] [ARGS...]\n\nSubcommands:\n", prefix);
	for (size_t i = 0; i < CMD_N; i++)
		if (strncmp(cmd_table[i]->name, prefix, plen) == 0)
			cmd_help_line(f, cmd_table[i]);
	fprintf(f, "\nRun 'lxf %sSUBCOMMAND --help' for a subcommand's options.\n", prefix);
}

const struct lxf_cmd *lxf_cmd_lookup(int argc, char **argv)
{
	int words = 0;

	return cmd_find(argc, argv, &words);
}

/* Lists the subcommands when the leading words name a group ("image", "image alias"). */
static bool cmd_group_help(FILE *f, int argc, char **argv)
{
	char prefix[CMD_NAME_MAX];

	if (!cmd_group_find(argc, argv, prefix, sizeof(prefix)))
		return false;
	cmd_group_list(f, prefix);
	return true;
}

/* How many words a command name has ("image alias list": 3). */
static int cmd_words(const char *name)
{
	int n = 1;

	while ((name = strchr(name, ' ')) != NULL) {
		n++;
		name++;
	}
	return n;
}

/*
 * The closest command name (or group word, "imgae" -> "image") to the
 * words typed, into buf: false when none is close. Names of as many words
 * as typed are compared ("image lsit" with "image list"), longest first.
 */
static bool cmd_suggest(int argc, char **argv, char *buf, size_t len)
{
	struct lxf_suggest_best best = {0};
	char typed[CMD_NAME_MAX], group[CMD_NAME_MAX];

	for (int n = argc < CMD_WORDS ? argc : CMD_WORDS; n > 0 && !best.word; n--) {
		if (!cmd_join(typed, sizeof(typed), n, argv))
			continue;
		for (size_t i = 0; i < CMD_N; i++) {
			const struct lxf_cmd *c = cmd_table[i];

			if (cmd_words(c->name) != n)
				continue;
			lxf_suggest_offer(&best, typed, c->name);
			for (size_t a = 0; a < 4 && c->aliases[a]; a++)
				lxf_suggest_offer(&best, typed, c->aliases[a]);
		}
		if (best.word) {
			(void)snprintf(buf, len, "%s", best.word);
			return true;
		}
		if (n != 1)
			continue;
		for (size_t i = 0; i < CMD_N; i++) {
			const char *sp = strchr(cmd_table[i]->name, ' ');

			if (!sp || (size_t)(sp - cmd_table[i]->name) >= sizeof(group))
				continue;
			(void)snprintf(group, sizeof(group), "%.*s", (int)(sp - cmd_table[i]->name),
				       cmd_table[i]->name);
			lxf_suggest_offer(&best, typed, group);
			if (best.word) {
				(void)snprintf(buf, len, "%s", group);
				return true;
			}
		}
	}
	return false;
}

/* Is there a -h or --help among the words (a group asked for its help)? */
static bool cmd_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/*
 * getopt's '?': the flag named, the usage, and the closest long flag of
 * the command ("--forse" -> "--force"). arg is the word getopt stopped at.
 */
static int cmd_unknown_flag(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx,
			    const struct option *lopts, const char *arg)
{
	struct lxf_suggest_best best = {0};
	char word[64];
	int st;

	if (optopt && optopt < 256)
		return lxf_cmd_usage_error(cmd, ctx, "unknown flag '-%c'", optopt);
	st = lxf_cmd_usage_error(cmd, ctx, "unknown flag '%s'", arg);
	if (strncmp(arg, "--", 2) == 0) {
		(void)snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
		for (size_t i = 0; lopts[i].name; i++)
			lxf_suggest_offer(&best, word, lopts[i].name);
		lxf_suggest_print(ctx->err, "--", best.word);
	}
	return st;
}

static int cmd_parse(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, int argc, char **argv,
		     struct lxf_cmd_args *args, bool *help)
{
	struct option lopts[LXF_CMD_MAX_OPTS + 4];
	char shorts[LXF_CMD_MAX_OPTS * 2 + 7] = ":h";
	const char *fs, *after_dash = NULL;
	struct lxf_err err = {0};
	size_t no = 0, sl = 2;
	int c, idx, dash = -1;

	*help = false;
	memset(args, 0, sizeof(*args));
	for (size_t i = 0; cmd->opts[i].long_name; i++) {
		const struct lxf_cmd_opt *o = &cmd->opts[i];

		lopts[no++] = (struct option){o->long_name, o->has_arg, NULL, o->val};
		if (o->val < 256) {
			shorts[sl++] = (char)o->val;
			if (o->has_arg)
				shorts[sl++] = ':';
		}
	}
	if (cmd_adds_format(cmd)) {
		lopts[no++] = (struct option){"format", required_argument, NULL, 'f'};
		shorts[sl++] = 'f';
		shorts[sl++] = ':';
	}
	/* -q/--quiet is accepted by every command unless it defines its own. */
	if (!strchr(shorts, 'q')) {
		shorts[sl++] = 'q';
		lopts[no++] = (struct option){"quiet", no_argument, NULL, 'q'};
	}
	shorts[sl] = '\0';
	lopts[no++] = (struct option){"help", no_argument, NULL, 'h'};
	lopts[no] = (struct option){NULL, 0, NULL, 0};
	/* getopt moves "--" before the positional words: remember which word
	 * followed it (exec's targets end there). */
	for (int i = 1; i < argc && dash < 0; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			after_dash = i + 1 < argc ? argv[i + 1] : NULL;
		}
	optind = 0; /* GNU: a full reset, so lxf_cmd_run can run again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lopts, &idx)) != -1) {
		if (c == 'h') {
			*help = true;
			return 0;
		}
		if (c == '?')
			return cmd_unknown_flag(cmd, ctx, lopts, argv[optind - 1]);
		if (c == ':')
			return lxf_cmd_usage_error(cmd, ctx, "flag '%s' needs an argument",
						   argv[optind - 1]);
		if (c == 'q')
			ctx->quiet = true;
		if (args->nopts >= sizeof(args->opts) / sizeof(args->opts[0]))
			return lxf_cmd_usage_error(cmd, ctx, "too many flags");
		args->opts[args->nopts].val = c;
		args->opts[args->nopts].arg = optarg;
		args->nopts++;
	}
	args->argc = argc - optind;
	args->argv = argv + optind;
	args->dash = dash < 0 ? -1 : args->argc;
	for (int i = 0; after_dash && i < args->argc; i++)
		if (args->argv[i] == after_dash) {
			args->dash = i;
			break;
		}
	/* --all's words are a selection (each.h), not the entry's arguments. */
	if (!lxf_args_has(args, LXF_OPT_ALL) &&
	    (args->argc < cmd->min_args || (cmd->max_args >= 0 && args->argc > cmd->max_args)))
		return lxf_cmd_usage_error(cmd, ctx, "wrong number of arguments");
	args->fmt = LXF_FMT_TABLE;
	fs = lxf_args_get(args, 'f');
	if ((cmd->flags & LXF_CMD_F_FORMAT) && fs && lxf_fmt_parse(fs, &args->fmt, &err) != 0)
		return lxf_cmd_error(cmd, ctx, &err);
	return 0;
}

/* One call of exec on the target arg; everything resolved for it is released after. */
static int cmd_call(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, struct lxf_cmd_args *args,
		    const char *arg)
{
	struct lxf_err err = {0};
	int st;

	if (cmd->target != LXF_CMD_T_NONE && lxf_cmd_target_resolve(cmd, ctx, arg, args, &err) != 0)
		st = lxf_cmd_error(cmd, ctx, &err);
	else
		st = cmd->exec(cmd, ctx, args);
	lxf_cmd_target_fini(args);
	return st;
}

/*
 * LXF_CMD_F_EACH: exec once per positional argument. Every target is
 * resolved first, here; a usage error among them stops at once, before
 * anything runs. Then they run in parallel across remotes (each.c), or one
 * after the other when the command may ask questions (-i). Every target is
 * tried; some done, some not gives the partial status, as for list.
 */
static int cmd_call_each(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx,
			 struct lxf_cmd_args *args)
{
	size_t n = (size_t)args->argc;
	struct lxf_each_target *v = NULL;
	struct lxf_err err = {0};
	size_t max;
	int st = LXF_EXIT_OK;

	if (lxf_each_parallel_arg(args, &max, &err) != 0)
		return lxf_cmd_error(cmd, ctx, &err);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		fputs("Error: out of memory\n", ctx->err);
		return LXF_EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].args = *args;
		v[i].rc = lxf_cmd_target_resolve(cmd, ctx, args->argv[i], &v[i].args, &v[i].err);
		if (v[i].rc && lxf_code_exit(v[i].err.code) == LXF_EXIT_USAGE) {
			st = lxf_cmd_error(cmd, ctx, &v[i].err);
			n = i + 1;
			goto out;
		}
	}
	st = lxf_each_run_n(cmd, ctx, v, n, lxf_args_has(args, 'i') ? 1 : max);
out:
	for (size_t i = 0; i < n; i++)
		lxf_cmd_target_fini(&v[i].args);
	free(v);
	return st;
}

static int cmd_exec(const struct lxf_cmd *cmd, struct lxf_cmd_ctx *ctx, int argc, char **argv)
{
	struct lxf_cmd_args *args = NULL;
	struct lxf_err err = {0};
	bool help = false;
	int st;

	args = calloc(1, sizeof(*args));
	if (!args) {
		fputs("Error: out of memory\n", ctx->err);
		return LXF_EXIT_ERROR;
	}
	st = cmd_parse(cmd, ctx, argc, argv, args, &help);
	if (st)
		goto out;
	if (help) {
		cmd_help(ctx->out, cmd);
		goto out;
	}
	if (!(cmd->flags & LXF_CMD_F_NOCONFIG) &&
	    lxf_remotes_load(NULL, &ctx->remotes, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (ctx->remotes && ctx->timeout_secs)
		ctx->remotes->timeout_secs = ctx->timeout_secs;
	if (cmd->check && cmd->check(cmd, args, &err) != 0) {
		st = lxf_cmd_error(cmd, ctx, &err);
		goto out;
	}
	if ((cmd->flags & LXF_CMD_F_ALL) && lxf_args_has(args, LXF_OPT_ALL))
		st = lxf_each_all(cmd, ctx, args);
	else if (cmd->flags & LXF_CMD_F_EACH)
		st = cmd_call_each(cmd, ctx, args);
	else
		st = cmd_call(cmd, ctx, args, args->argc ? args->argv[0] : NULL);
out:
	lxf_cmd_index_free(ctx);
	lxf_remotes_free(ctx->remotes);
	ctx->remotes = NULL;
	free(args);
	return st;
}

/* lxf --timeout SECS or --timeout=SECS before the command: *i moves past it. */
static int cmd_global_timeout(struct lxf_cmd_ctx *ctx, int argc, char **argv, int *i)
{
	const char *v = argv[*i][9] == '=' ? argv[*i] + 10 : NULL;
	struct lxf_err err = {0};

	if (!v && *i + 1 < argc)
		v = argv[++*i];
	if (!v) {
		fputs("Error: flag '--timeout' needs an argument\n", ctx->err);
		return LXF_EXIT_USAGE;
	}
	if (lxf_remotes_parse_timeout(v, &ctx->timeout_secs, &err) != 0) {
		fprintf(ctx->err, "Error: --timeout: %s\n", err.msg);
		return LXF_EXIT_USAGE;
	}
	return LXF_EXIT_OK;
}

/*
 * The first words name no command: a user alias (config.yml's aliases:)
 * runs its expansion, a group asked for --help lists its subcommands
 * (exit 0), anything else is a usage error saying what exists. depth
 * counts alias expansions, so that aliases naming each other stop.
 */
static int cmd_not_found(struct lxf_cmd_ctx *ctx, int argc, char **argv, int depth)
{
	char prefix[CMD_NAME_MAX], best[CMD_NAME_MAX];
	int words, st;

	st = lxf_alias_run(ctx, argc, argv, depth);
	if (st >= 0)
		return st;
	words = cmd_group_find(argc, argv, prefix, sizeof(prefix));
	if (words && cmd_wants_help(argc - words, argv + words)) {
		cmd_group_list(ctx->out, prefix);
		return LXF_EXIT_OK;
	}
	if (words && words < argc && argv[words][0] != '-') {
		fprintf(ctx->err, "Error: unknown subcommand '%s%s'\n", prefix, argv[words]);
		if (cmd_suggest(argc, argv, best, sizeof(best))) {
			lxf_suggest_print(ctx->err, NULL, best);
			fprintf(ctx->err, "Run 'lxf %.*s --help' for its subcommands.\n",
				(int)strlen(prefix) - 1, prefix);
			return LXF_EXIT_USAGE;
		}
	} else if (words) {
		fprintf(ctx->err, "Error: missing subcommand after '%.*s'\n",
			(int)strlen(prefix) - 1, prefix);
	}
	if (words) {
		cmd_group_list(ctx->err, prefix);
		return LXF_EXIT_USAGE;
	}
	fprintf(ctx->err, "Error: unknown command '%s'\n", argv[0]);
	if (cmd_suggest(argc, argv, best, sizeof(best)))
		lxf_suggest_print(ctx->err, NULL, best);
	fputs("Run 'lxf --help' for the list.\n", ctx->err);
	return LXF_EXIT_USAGE;
}

int lxf_cmd_dispatch(struct lxf_cmd_ctx *ctx, int argc, char **argv, int depth)
{
	const struct lxf_cmd *cmd;
	int words = 0, st;

	cmd = cmd_find(argc, argv, &words);
	if (!cmd)
		return cmd_not_found(ctx, argc, argv, depth);
	/* getopt sees "NAME args..." with the command words folded into argv[0]. */
	st = cmd_exec(cmd, ctx, argc - words + 1, argv + words - 1);
	(void)fflush(ctx->out);
	return st;
}

int lxf_cmd_run(int argc, char **argv)
{
	struct lxf_cmd_ctx ctx = {.out = stdout, .err = stderr};
	const struct lxf_cmd *cmd;
	int i = 1, words = 0, trace = 0, st;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			fprintf(ctx.out, "%s\n", LXF_VERSION);
			return LXF_EXIT_OK;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cmd_help_all(ctx.out);
			return LXF_EXIT_OK;
		}
		if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			ctx.quiet = true;
			continue;
		}
		if (strcmp(argv[i], "--timeout") == 0 || strncmp(argv[i], "--timeout=", 10) == 0) {
			st = cmd_global_timeout(&ctx, argc, argv, &i);
			if (st)
				return st;
			continue;
		}
		if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
			trace = trace > 1 ? trace : 1;
			continue;
		}
		if (strcmp(argv[i], "--debug") == 0) {
			trace = 2;
			continue;
		}
		fprintf(ctx.err, "Error: unknown flag '%s'\n", argv[i]);
		cmd_usage_short(ctx.err);
		return LXF_EXIT_USAGE;
	}
	/* Set on every run: the prompt runs many command lines in one process. */
	lxf_client_set_trace(ctx.err, trace);
	if (i >= argc) {
		cmd_usage_short(ctx.err);
		return LXF_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			cmd_help_all(ctx.out);
			return LXF_EXIT_OK;
		}
		cmd = cmd_find(argc - i - 1, argv + i + 1, &words);
		if (cmd && words == argc - i - 1) {
			cmd_help(ctx.out, cmd);
			return LXF_EXIT_OK;
		}
		if (cmd_group_help(ctx.out, argc - i - 1, argv + i + 1))
			return LXF_EXIT_OK;
		fprintf(ctx.err, "Error: unknown command '%s'\n", argv[i + 1]);
		return LXF_EXIT_USAGE;
	}
	return lxf_cmd_dispatch(&ctx, argc - i, argv + i, 0);
}

int lxf_cmd_path(char *buf, size_t len, const char *collection, const char *name,
		 const char *suffix, struct lxf_err *err)
{
	char *esc = lxf_client_escape(name);
	int n;

	if (!esc)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	n = snprintf(buf, len, "/1.0/%s/%s%s", collection, esc, suffix ? suffix : "");
	free(esc);
	if (n < 0 || (size_t)n >= len)
		return lxf_err_set(err, LXF_EINVAL, "name too long");
	return 0;
}
