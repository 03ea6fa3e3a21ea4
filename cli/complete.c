/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The prompts' line splitter and Tab completion (see complete.h). Command
 * words come from cmd.c's table, word by word for multi-word names; after
 * a whole command name, flags from its entry, "R:" from the configured
 * remotes and instance names from the caller's source.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "complete.h"
#include "fleet.h"

#define CMD_WORDS_MAX 3   /* words of the longest command name */
#define WORD_MAX      256 /* a candidate built from a typed word */

int lxf_words_split(struct lxf_words *w, const char *line, bool partial)
{
	const char *p = line;
	char *o = w->buf, *end = w->buf + sizeof(w->buf) - 1;
	char q = 0;
	bool in = false; /* a word is open ("" opens an empty one) */

	w->n = 0;
	w->open = false;
	w->v[0] = NULL;
	for (;; p++) {
		if (!q && (*p == '\0' || *p == ' ' || *p == '\t' || *p == '\n')) {
			w->open = in && *p == '\0';
			if (in) {
				*o++ = '\0';
				w->v[++w->n] = NULL;
			}
			in = false;
			if (*p == '\0')
				break;
			continue;
		}
		if (*p == '\0')
			break; /* inside a quote */
		if (o >= end - 1 || (!in && w->n == LXF_WORDS_MAX))
			return LXF_SPLIT_TOOMANY;
		if (!in) {
			w->v[w->n] = o;
			in = true;
		}
		if (q != '\'' && *p == '\\' && p[1]) {
			*o++ = *++p;
		} else if (!q && (*p == '\'' || *p == '"')) {
			q = *p;
		} else if (q && *p == q) {
			q = 0;
		} else {
			*o++ = *p;
		}
	}
	if (q) {
		/* The word in the open quote: the one being typed, or an error. */
		*o = '\0';
		w->v[++w->n] = NULL;
		w->open = true;
		return partial ? 0 : LXF_SPLIT_QUOTE;
	}
	return 0;
}

const char *lxf_words_strerror(int rc)
{
	return rc == LXF_SPLIT_QUOTE ? "unbalanced quotes" : "too many arguments";
}

void lxf_cands_add(struct lxf_cands *c, const char *s)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], s) == 0)
			return;
	if (c->n < LXF_CANDS_MAX && (c->v[c->n] = strdup(s)) != NULL)
		c->n++;
}

void lxf_cands_fini(struct lxf_cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	c->n = 0;
}

size_t lxf_cands_common(const struct lxf_cands *c, char *out, size_t len)
{
	size_t cl;

	out[0] = '\0';
	if (c->n == 0 || len < 2)
		return 0;
	(void)snprintf(out, len, "%s", c->v[0]);
	for (size_t i = 1; i < c->n; i++) {
		size_t k = 0;

		while (out[k] && out[k] == c->v[i][k])
			k++;
		out[k] = '\0';
	}
	cl = strlen(out);
	if (c->n == 1 && cl && out[cl - 1] != ':' && cl + 1 < len) {
		out[cl++] = ' ';
		out[cl] = '\0';
	}
	return cl;
}

/* The command named by the longest leading run of the n whole words, else NULL. */
static const struct lxf_cmd *complete_find(char *const *words, int n, size_t *used)
{
	char typed[WORD_MAX * CMD_WORDS_MAX] = "";
	const struct lxf_cmd *full = NULL;

	*used = 0;
	for (int k = 1; k <= n && k <= CMD_WORDS_MAX; k++) {
		size_t off = 0;

		for (int i = 0; i < k && off < sizeof(typed); i++)
			off += (size_t)snprintf(typed + off, sizeof(typed) - off, "%s%s",
						i ? " " : "", words[i]);
		for (size_t i = 0; lxf_cmd_nth(i); i++)
			if (strcmp(lxf_cmd_nth(i)->name, typed) == 0) {
				full = lxf_cmd_nth(i);
				*used = (size_t)k;
			}
	}
	return full;
}

/* The next word of every command name that starts with the words typed so far. */
static void complete_cmd_word(char *const *words, int n, const char *partial, bool builtins,
			      struct lxf_cands *c)
{
	char typed[WORD_MAX * (CMD_WORDS_MAX + 1)] = "";
	size_t off = 0;

	for (int i = 0; i < n && off < sizeof(typed); i++)
		off += (size_t)snprintf(typed + off, sizeof(typed) - off, "%s ", words[i]);
	if (off >= sizeof(typed))
		return;
	(void)snprintf(typed + off, sizeof(typed) - off, "%s", partial);
	for (size_t i = 0; lxf_cmd_nth(i); i++) {
		const char *name = lxf_cmd_nth(i)->name, *next;
		char word[WORD_MAX];
		size_t wl;

		if (strncmp(name, typed, strlen(typed)) != 0 || strlen(name) < off)
			continue;
		next = name + off;
		wl = strcspn(next, " ");
		if (wl >= sizeof(word))
			continue;
		memcpy(word, next, wl);
		word[wl] = '\0';
		lxf_cands_add(c, word);
	}
	if (n == 0 && builtins) {
		static const char *const words0[] = {"help", "exit", "quit"};

		for (size_t i = 0; i < sizeof(words0) / sizeof(words0[0]); i++)
			if (strncmp(words0[i], partial, strlen(partial)) == 0)
				lxf_cands_add(c, words0[i]);
	}
}

/* The host groups of r starting with partial, each after mark ("@web"; "" for bare names). */
static void complete_groups(const struct lxf_remotes *r, const char *mark, const char *partial,
			    struct lxf_cands *c)
{
	char buf[WORD_MAX];

	if (!r->groups)
		return;
	json_object_object_foreach(r->groups, key, val)
	{
		(void)val;
		(void)snprintf(buf, sizeof(buf), "%s%s", mark, key);
		if (strncmp(buf, partial, strlen(partial)) == 0)
			lxf_cands_add(c, buf);
	}
}

/*
 * Flags of cmd, or "R:", "R:NAME" and the default remote's bare names;
 * "@GROUP" once '@' is typed, group names for the remote group commands.
 */
static void complete_arg(const struct lxf_cmd *cmd, const char *partial,
			 const struct lxf_complete_src *src, struct lxf_cands *c)
{
	struct lxf_remotes *r = NULL;
	struct lxf_cands names = {.n = 0};
	const char *colon = strchr(partial, ':');
	size_t pl = strlen(partial);
	char buf[WORD_MAX * 2];

	if (partial[0] == '-') {
		for (size_t i = 0; cmd->opts[i].long_name; i++) {
			(void)snprintf(buf, sizeof(buf), "--%s", cmd->opts[i].long_name);
			if (strncmp(buf, partial, pl) == 0)
				lxf_cands_add(c, buf);
		}
		return;
	}
	if (lxf_remotes_load(NULL, &r, NULL) != 0)
		return;
	if (colon) {
		char remote[LXF_REMOTE_NAME_MAX + 1];
		size_t rl = (size_t)(colon - partial);

		if (rl <= LXF_REMOTE_NAME_MAX && src->instances) {
			memcpy(remote, partial, rl);
			remote[rl] = '\0';
			if (lxf_remotes_find(r, remote))
				src->instances(src->ctx, r, remote, &names);
			for (size_t i = 0; i < names.n; i++) {
				(void)snprintf(buf, sizeof(buf), "%s:%s", remote, names.v[i]);
				if (strncmp(buf, partial, pl) == 0)
					lxf_cands_add(c, buf);
			}
		}
	} else if (partial[0] == '@') {
		complete_groups(r, "@", partial, c);
	} else if (strncmp(cmd->name, "remote group ", 13) == 0) {
		/* GROUP REMOTE...: bare names of both. */
		complete_groups(r, "", partial, c);
		for (size_t i = 0; i < r->n; i++)
			if (strncmp(r->v[i].name, partial, pl) == 0)
				lxf_cands_add(c, r->v[i].name);
	} else {
		const struct lxf_remote *def = lxf_remotes_find(r, r->default_remote);

		for (size_t i = 0; i < r->n; i++) {
			/* The built-in local only when an lxfd runs here (fleet.h). */
			if (r->v[i].is_static && !lxf_fleet_member(&r->v[i]))
				continue;
			(void)snprintf(buf, sizeof(buf), "%s:", r->v[i].name);
			if (strncmp(buf, partial, pl) == 0)
				lxf_cands_add(c, buf);
		}
		/* Bare names: the default remote the user chose, else the fleet's (target.h). */
		for (size_t i = 0; src->instances && i < r->n; i++)
			if (def && !def->is_static ? &r->v[i] == def : lxf_fleet_member(&r->v[i]))
				src->instances(src->ctx, r, r->v[i].name, &names);
		for (size_t i = 0; i < names.n; i++)
			if (strncmp(names.v[i], partial, pl) == 0)
				lxf_cands_add(c, names.v[i]);
	}
	lxf_cands_fini(&names);
	lxf_remotes_free(r);
}

void lxf_complete(const char *line, const struct lxf_complete_src *src, struct lxf_cands *c,
		  char *partial, size_t plen)
{
	struct lxf_words *w = malloc(sizeof(*w));
	const struct lxf_cmd *cmd;
	size_t used;
	int n;

	c->n = 0;
	partial[0] = '\0';
	if (!w)
		return;
	if (lxf_words_split(w, line, true) != 0)
		goto out;
	n = w->n;
	if (w->open)
		(void)snprintf(partial, plen, "%s", w->v[--n]);
	cmd = complete_find(w->v, n, &used);
	if (cmd)
		complete_arg(cmd, partial, src, c);
	else
		complete_cmd_word(w->v, n, partial, src->builtins, c);
out:
	free(w);
}
