/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf alias add|list|remove|rename: user command aliases, kept in
 * config.yml under aliases: (common/client/aliases.c) as lxc keeps them,
 * and their expansion before dispatch (lxf_alias_run, called by cmd.c when
 * the first words name no command).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "output.h"

#define ALIAS_DEPTH_MAX 8  /* expansions of one command line: a loop stops here */
#define ALIAS_WORDS_MAX 64 /* words of one alias's command line */

void lxf_alias_argv_free(int argc, char **argv)
{
	for (int i = 0; argv && i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* How many leading words of argv the alias name (space-separated words) matches; 0: none. */
static int alias_match(const char *name, int argc, char *const *argv)
{
	int n = 0;

	while (*name) {
		size_t len = strcspn(name, " ");

		if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], name, len) != 0)
			return 0;
		n++;
		name += len;
		name += strspn(name, " ");
	}
	return n;
}

/* Appends a copy of s to v (room for ALIAS_WORDS_MAX + argc words is there). */
static int alias_push(char **v, int *n, const char *s, size_t len, struct lxf_err *err)
{
	v[*n] = strndup(s, len);
	if (!v[*n])
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* @ARGn@ (n >= 1) as a number, or 0 when word is not one. */
static int alias_argn(const char *w, size_t len)
{
	int n = 0;

	if (len < 6 || strncmp(w, "@ARG", 4) != 0 || w[len - 1] != '@')
		return 0;
	for (size_t i = 4; i < len - 1; i++) {
		if (w[i] < '0' || w[i] > '9' || n > 1000)
			return 0;
		n = n * 10 + (w[i] - '0');
	}
	return n;
}

int lxf_alias_expand(const struct json_object *aliases, int argc, char *const *argv, int *outc,
		     char ***outv, struct lxf_err *err)
{
	const char *best = NULL, *line, *w;
	int words = 0, n = 0, rc = 0, rest;
	bool placed = false;
	char **v = NULL;

	*outc = 0;
	*outv = NULL;
	if (!aliases)
		return 0;
	/* The longest alias name that the words start with, as lxc's findAlias. */
	json_object_object_foreach((struct json_object *)aliases, key, val)
	{
		int m = alias_match(key, argc, argv);

		(void)val;
		if (m > words) {
			words = m;
			best = key;
		}
	}
	if (!best)
		return 0;
	line = lxf_json_str((struct json_object *)aliases, best);
	rest = argc - words;
	v = calloc((size_t)ALIAS_WORDS_MAX + (size_t)argc + 1, sizeof(*v));
	if (!v || !line) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (w = line + strspn(line, " \t"); *w; w += strspn(w, " \t")) {
		size_t len = strcspn(w, " \t");
		int k = alias_argn(w, len);

		if (n >= ALIAS_WORDS_MAX) {
			rc = lxf_err_set(err, LXF_EUSAGE, "alias '%s' has too many words", best);
			goto out;
		}
		if (len == 6 && strncmp(w, "@ARGS@", 6) == 0) {
			for (int i = 0; i < rest && rc == 0; i++)
				rc = alias_push(v, &n, argv[words + i], strlen(argv[words + i]),
						err);
			placed = true;
		} else if (k) {
			if (k > rest) {
				rc = lxf_err_set(err, LXF_EUSAGE,
						 "alias '%s' needs at least %d argument%s", best, k,
						 k == 1 ? "" : "s");
				goto out;
			}
			rc = alias_push(v, &n, argv[words + k - 1], strlen(argv[words + k - 1]),
					err);
			placed = true;
		} else {
			rc = alias_push(v, &n, w, len, err);
		}
		if (rc)
			goto out;
		w += len;
	}
	/* Without @ARGS@ or @ARGn@ the arguments go at the end, as lxc. */
	for (int i = 0; !placed && i < rest && rc == 0; i++)
		rc = alias_push(v, &n, argv[words + i], strlen(argv[words + i]), err);
	if (rc == 0 && n == 0)
		rc = lxf_err_set(err, LXF_EUSAGE, "alias '%s' is empty", best);
out:
	if (rc) {
		lxf_alias_argv_free(n, v);
		return rc;
	}
	*outc = n;
	*outv = v;
	return 1;
}

int lxf_alias_run(struct lxf_cmd_ctx *ctx, int argc, char **argv, int depth)
{
	struct lxf_remotes *r = NULL;
	struct lxf_err err = {0};
	char **v = NULL;
	int n = 0, rc, st = -1;

	/* A config that does not load has no aliases: the caller says "unknown command". */
	if (lxf_remotes_load(NULL, &r, &err) != 0)
		return -1;
	rc = lxf_alias_expand(r->aliases, argc, argv, &n, &v, &err);
	lxf_remotes_free(r);
	if (rc == 0)
		return -1;
	if (rc < 0)
		return lxf_cmd_fail(ctx, &err);
	if (depth >= ALIAS_DEPTH_MAX) {
		fprintf(ctx->err, "Error: alias '%s' expands in a loop (more than %d steps)\n",
			argv[0], ALIAS_DEPTH_MAX);
		st = LXF_EXIT_USAGE;
	} else {
		st = lxf_cmd_dispatch(ctx, n, v, depth + 1);
	}
	lxf_alias_argv_free(n, v);
	return st;
}

/* Saves, or reports why not; the file on disk is unchanged on failure. */
static int cmd_alias_save(struct lxf_cmd_ctx *ctx, int rc, struct lxf_err *err)
{
	if (rc == 0)
		rc = lxf_remotes_save(ctx->remotes, err);
	return rc ? lxf_cmd_fail(ctx, err) : LXF_EXIT_OK;
}

/* An alias whose leading words are a command would never run: refused, as a usage error. */
static int cmd_alias_check_name(const char *name, struct lxf_err *err)
{
	char copy[256];
	char *words[8], *save = NULL;
	int n = 0;

	if (!*name || name[0] == '-' || strchr(name, ':') || strlen(name) >= sizeof(copy))
		return lxf_err_set(err, LXF_EUSAGE, "bad alias name '%s'", name);
	memcpy(copy, name, strlen(name) + 1);
	for (char *t = strtok_r(copy, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save))
		words[n++] = t;
	if (n == 0)
		return lxf_err_set(err, LXF_EUSAGE, "bad alias name '%s'", name);
	if (lxf_cmd_lookup(n, words))
		return lxf_err_set(err, LXF_EUSAGE,
				   "alias '%s' would hide the built-in command '%s'", name,
				   lxf_cmd_lookup(n, words)->name);
	return 0;
}

static int cmd_alias_add(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	if (cmd_alias_check_name(args->argv[0], &err) != 0)
		return lxf_cmd_error(self, ctx, &err);
	if (lxf_remotes_alias_get(ctx->remotes, args->argv[0]))
		return lxf_cmd_usage_error(
		    self, ctx, "alias '%s' exists: remove or rename it first", args->argv[0]);
	return cmd_alias_save(
	    ctx, lxf_remotes_alias_set(ctx->remotes, args->argv[0], args->argv[1], &err), &err);
}

static int cmd_alias_remove(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct lxf_err err = {0};

	(void)self;
	return cmd_alias_save(ctx, lxf_remotes_alias_remove(ctx->remotes, args->argv[0], &err),
			      &err);
}

static int cmd_alias_rename(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	const char *line = lxf_remotes_alias_get(ctx->remotes, args->argv[0]);
	struct lxf_err err = {0};
	char *copy;
	int rc;

	if (!line) {
		lxf_err_set(&err, LXF_ENOENT, "alias '%s' not found", args->argv[0]);
		return lxf_cmd_fail(ctx, &err);
	}
	if (cmd_alias_check_name(args->argv[1], &err) != 0)
		return lxf_cmd_error(self, ctx, &err);
	if (lxf_remotes_alias_get(ctx->remotes, args->argv[1]))
		return lxf_cmd_usage_error(self, ctx, "alias '%s' exists", args->argv[1]);
	/* line lives in the map entry that remove frees. */
	copy = strdup(line);
	if (!copy)
		rc = lxf_err_set(&err, LXF_ENOMEM, "out of memory");
	else if ((rc = lxf_remotes_alias_set(ctx->remotes, args->argv[1], copy, &err)) == 0)
		rc = lxf_remotes_alias_remove(ctx->remotes, args->argv[0], &err);
	free(copy);
	return cmd_alias_save(ctx, rc, &err);
}

static int cmd_alias_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"ALIAS", "TARGET"};
	struct json_object *empty = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	int st = LXF_EXIT_OK;

	(void)self;
	if (args->fmt == LXF_FMT_JSON || args->fmt == LXF_FMT_YAML) {
		empty = json_object_new_object();
		if (lxf_output_json(ctx->out, args->fmt,
				    ctx->remotes->aliases ? ctx->remotes->aliases : empty,
				    &err) != 0)
			st = lxf_cmd_fail(ctx, &err);
		json_object_put(empty);
		return st;
	}
	lxf_table_init(&t, 2, headers);
	if (ctx->remotes->aliases) {
		json_object_object_foreach(ctx->remotes->aliases, key, val)
		{
			char *row[2] = {strdup(key), strdup(json_object_get_string(val))};

			if (lxf_table_add_row(&t, row) != 0) {
				lxf_table_fini(&t);
				lxf_err_set(&err, LXF_ENOMEM, "out of memory");
				return lxf_cmd_fail(ctx, &err);
			}
		}
	}
	lxf_table_print(ctx->out, args->fmt, &t, false);
	lxf_table_fini(&t);
	return st;
}

const struct lxf_cmd lxf_cmd_alias_add_entry =
    LXF_CMD_ENTRY("alias add", NULL, "ALIAS 'COMMAND [ARGS...]'",
		  "Add a command alias (@ARGS@, @ARG1@... place the arguments)", 2, 2,
		  LXF_CMD_T_NONE, 0, cmd_alias_add, {0});
const struct lxf_cmd lxf_cmd_alias_list_entry =
    LXF_CMD_ENTRY("alias list", "alias ls", "", "List the command aliases", 0, 0, LXF_CMD_T_NONE,
		  LXF_CMD_F_FORMAT, cmd_alias_list, {0});
const struct lxf_cmd lxf_cmd_alias_remove_entry =
    LXF_CMD_ENTRY("alias remove", "alias rm", "ALIAS", "Remove a command alias", 1, 1,
		  LXF_CMD_T_NONE, 0, cmd_alias_remove, {0});
const struct lxf_cmd lxf_cmd_alias_rename_entry =
    LXF_CMD_ENTRY("alias rename", "alias mv", "OLD NEW", "Rename a command alias", 2, 2,
		  LXF_CMD_T_NONE, 0, cmd_alias_rename, {0});
