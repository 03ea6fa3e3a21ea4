/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interactive prompt: `lxf` with no arguments on a terminal. Lines are
 * read with libedit, split with its tokenizer (quotes work as in a shell)
 * and run through lxf_cmd_run(), the same path as `lxf ARGS`. History is
 * kept in $LXF_CONF/history. Tab completes command names (multi-word ones
 * word by word), flags, remote names ("R:") and the instance names of the
 * remote being typed; instance lists are fetched with a short timeout and
 * cached, so a dead remote costs at most PROMPT_FETCH_SECS once a minute.
 */
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "file.h"
#include "json.h"

#define PROMPT_HISTORY_MAX 1000
#define PROMPT_ARGS_MAX    256
#define PROMPT_CANDS_MAX   512
#define PROMPT_WORD_MAX    256
#define PROMPT_FETCH_SECS  2L
#define PROMPT_CACHE_SECS  60
#define PROMPT_CACHE_MAX   64
#define PROMPT_PATH_MAX    4096

struct prompt_cache {
	char remote[LXF_REMOTE_NAME_MAX + 1];
	time_t at;
	char **names;
	size_t n;
};

static struct prompt_cache prompt_caches[PROMPT_CACHE_MAX];

struct prompt_cands {
	char *v[PROMPT_CANDS_MAX];
	size_t n;
};

static void prompt_cands_add(struct prompt_cands *c, const char *s)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i], s) == 0)
			return;
	if (c->n < PROMPT_CANDS_MAX && (c->v[c->n] = strdup(s)) != NULL)
		c->n++;
}

static void prompt_cands_fini(struct prompt_cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	c->n = 0;
}

static void prompt_cache_drop(struct prompt_cache *pc)
{
	for (size_t i = 0; i < pc->n; i++)
		free(pc->names[i]);
	free(pc->names);
	pc->names = NULL;
	pc->n = 0;
}

/* A client like lxf_remotes_client's, but with a short timeout. */
static int prompt_client(const struct lxf_remotes *r, const struct lxf_remote *rem,
			 struct lxf_client **out, struct lxf_err *err)
{
	struct lxf_client_opts o = {.project = rem->project, .timeout_secs = PROMPT_FETCH_SECS};
	char sock[PROMPT_PATH_MAX + 8], path[PROMPT_PATH_MAX], crt[PROMPT_PATH_MAX],
	    key[PROMPT_PATH_MAX], srv[PROMPT_PATH_MAX];

	if (strncmp(rem->addr, "unix://", 7) == 0) {
		int rc = lxf_remote_socket_path(rem, path, sizeof(path), err);

		if (rc)
			return rc;
		(void)snprintf(sock, sizeof(sock), "unix://%s", path);
		o.addr = sock;
		return lxf_client_new(&o, out, err);
	}
	o.addr = rem->addr;
	(void)snprintf(crt, sizeof(crt), "%s/client.crt", r->dir);
	(void)snprintf(key, sizeof(key), "%s/client.key", r->dir);
	(void)snprintf(srv, sizeof(srv), "%s/servercerts/%s.crt", r->dir, rem->name);
	if (access(crt, R_OK) == 0 && access(key, R_OK) == 0) {
		o.cert_path = crt;
		o.key_path = key;
	}
	if (access(srv, R_OK) == 0)
		o.server_cert_path = srv;
	return lxf_client_new(&o, out, err);
}

/* The cached instance names of remote, fetched when older than PROMPT_CACHE_SECS. */
static const struct prompt_cache *prompt_instances(const struct lxf_remotes *r, const char *remote)
{
	const struct lxf_remote *rem = lxf_remotes_find(r, remote);
	struct prompt_cache *pc = NULL, *oldest = &prompt_caches[0];
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	time_t now = time(NULL);
	size_t len;

	if (!rem || strlen(remote) > LXF_REMOTE_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < PROMPT_CACHE_MAX; i++) {
		if (strcmp(prompt_caches[i].remote, remote) == 0)
			pc = &prompt_caches[i];
		if (prompt_caches[i].at < oldest->at)
			oldest = &prompt_caches[i];
	}
	if (pc && now - pc->at < PROMPT_CACHE_SECS)
		return pc;
	if (!pc)
		pc = oldest;
	prompt_cache_drop(pc);
	(void)snprintf(pc->remote, sizeof(pc->remote), "%s", remote);
	pc->at = now; /* a failure is cached too: no retry storm on a dead remote */
	if (prompt_client(r, rem, &c, &err) != 0 ||
	    lxf_client_request(c, "GET", "/1.0/instances", NULL, &resp, &err) != 0 ||
	    !json_object_is_type(resp.metadata, json_type_array))
		goto out;
	len = json_object_array_length(resp.metadata);
	pc->names = calloc(len ? len : 1, sizeof(*pc->names));
	for (size_t i = 0; pc->names && i < len; i++) {
		const char *url =
		    json_object_get_string(json_object_array_get_idx(resp.metadata, i));
		const char *slash = url ? strrchr(url, '/') : NULL;

		if (slash && slash[1] && (pc->names[pc->n] = strdup(slash + 1)) != NULL)
			pc->n++;
	}
out:
	lxf_response_fini(&resp);
	lxf_client_free(c);
	return pc;
}

/* Words of the command line before the cursor; *partial is the word being typed. */
static size_t prompt_split(const LineInfo *li, char words[][PROMPT_WORD_MAX], size_t max,
			   char *partial, size_t plen)
{
	size_t n = 0, wl = 0;
	char cur[PROMPT_WORD_MAX] = "";

	for (const char *p = li->buffer; p < li->cursor; p++) {
		if (*p == ' ' || *p == '\t') {
			if (wl && n < max) {
				cur[wl] = '\0';
				memcpy(words[n++], cur, wl + 1);
			}
			wl = 0;
		} else if (wl + 1 < sizeof(cur)) {
			cur[wl++] = *p;
		}
	}
	cur[wl] = '\0';
	(void)snprintf(partial, plen, "%s", cur);
	return n;
}

/* Command words: candidates for word number n given the previous words. */
static const struct lxf_cmd *prompt_complete_cmd(char words[][PROMPT_WORD_MAX], size_t n,
						 const char *partial, struct prompt_cands *c,
						 size_t *used)
{
	char typed[PROMPT_WORD_MAX * 3] = "";
	const struct lxf_cmd *full = NULL;
	size_t off = 0;

	*used = 0;
	/* The longest leading run of words that names a command. */
	for (size_t k = 1; k <= n && k <= 3; k++) {
		off = 0;
		typed[0] = '\0';
		for (size_t i = 0; i < k; i++)
			off += (size_t)snprintf(typed + off, sizeof(typed) - off, "%s%s",
						i ? " " : "", words[i]);
		for (size_t i = 0; lxf_cmd_nth(i); i++)
			if (strcmp(lxf_cmd_nth(i)->name, typed) == 0) {
				full = lxf_cmd_nth(i);
				*used = k;
			}
	}
	if (full)
		return full;
	off = 0;
	typed[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(typed + off, sizeof(typed) - off, "%s ", words[i]);
	(void)snprintf(typed + off, sizeof(typed) - off, "%s", partial);
	for (size_t i = 0; lxf_cmd_nth(i); i++) {
		const char *name = lxf_cmd_nth(i)->name, *next;
		char word[PROMPT_WORD_MAX];
		size_t wl;

		if (strncmp(name, typed, strlen(typed)) != 0 || strlen(name) < off)
			continue;
		next = name + off;
		wl = strcspn(next, " ");
		if (wl >= sizeof(word))
			continue;
		memcpy(word, next, wl);
		word[wl] = '\0';
		prompt_cands_add(c, word);
	}
	if (n == 0) {
		static const char *const builtins[] = {"help", "exit", "quit"};

		for (size_t i = 0; i < 3; i++)
			if (strncmp(builtins[i], partial, strlen(partial)) == 0)
				prompt_cands_add(c, builtins[i]);
	}
	return NULL;
}

static void prompt_complete_arg(const struct lxf_cmd *cmd, const char *partial,
				struct prompt_cands *c)
{
	struct lxf_remotes *r = NULL;
	const struct prompt_cache *pc;
	const char *colon = strchr(partial, ':');
	char buf[PROMPT_WORD_MAX * 2];

	if (partial[0] == '-') {
		for (size_t i = 0; cmd->opts[i].long_name; i++) {
			(void)snprintf(buf, sizeof(buf), "--%s", cmd->opts[i].long_name);
			if (strncmp(buf, partial, strlen(partial)) == 0)
				prompt_cands_add(c, buf);
		}
		return;
	}
	if (lxf_remotes_load(NULL, &r, NULL) != 0)
		return;
	if (colon) {
		char remote[LXF_REMOTE_NAME_MAX + 1];
		size_t rl = (size_t)(colon - partial);

		if (rl <= LXF_REMOTE_NAME_MAX) {
			memcpy(remote, partial, rl);
			remote[rl] = '\0';
			pc = prompt_instances(r, remote);
			for (size_t i = 0; pc && i < pc->n; i++) {
				(void)snprintf(buf, sizeof(buf), "%s:%s", remote, pc->names[i]);
				if (strncmp(buf, partial, strlen(partial)) == 0)
					prompt_cands_add(c, buf);
			}
		}
	} else {
		for (size_t i = 0; i < r->n; i++) {
			(void)snprintf(buf, sizeof(buf), "%s:", r->v[i].name);
			if (strncmp(buf, partial, strlen(partial)) == 0)
				prompt_cands_add(c, buf);
		}
		pc = prompt_instances(r, r->default_remote);
		for (size_t i = 0; pc && i < pc->n; i++)
			if (strncmp(pc->names[i], partial, strlen(partial)) == 0)
				prompt_cands_add(c, pc->names[i]);
	}
	lxf_remotes_free(r);
}

static unsigned char prompt_complete(EditLine *el, int ch)
{
	char words[8][PROMPT_WORD_MAX], partial[PROMPT_WORD_MAX], common[PROMPT_WORD_MAX];
	const LineInfo *li = el_line(el);
	struct prompt_cands c = {.n = 0};
	const struct lxf_cmd *cmd;
	size_t n, used, pl, cl;
	unsigned char ret = CC_REFRESH_BEEP;

	(void)ch;
	n = prompt_split(li, words, 8, partial, sizeof(partial));
	cmd = prompt_complete_cmd(words, n, partial, &c, &used);
	if (cmd)
		prompt_complete_arg(cmd, partial, &c);
	if (c.n == 0)
		goto out;
	pl = strlen(partial);
	(void)snprintf(common, sizeof(common), "%s", c.v[0]);
	for (size_t i = 1; i < c.n; i++) {
		size_t k = 0;

		while (common[k] && common[k] == c.v[i][k])
			k++;
		common[k] = '\0';
	}
	cl = strlen(common);
	if (c.n == 1 && common[cl - 1] != ':' && cl + 1 < sizeof(common))
		common[cl++] = ' ', common[cl] = '\0';
	if (cl > pl) {
		(void)el_insertstr(el, common + pl);
		ret = CC_REFRESH;
	} else {
		/* Nothing more in common: show the choices. */
		fputc('\n', stdout);
		for (size_t i = 0; i < c.n; i++)
			printf("%s%s", c.v[i], i + 1 < c.n ? "  " : "\n");
		ret = CC_REDISPLAY;
	}
out:
	prompt_cands_fini(&c);
	return ret;
}

static char *prompt_text(EditLine *el)
{
	(void)el;
	return (char *)"lxf> ";
}

static void prompt_history_path(char *buf, size_t len)
{
	const char *conf = getenv("LXF_CONF"), *home = getenv("HOME");
	char dir[PROMPT_PATH_MAX];

	buf[0] = '\0';
	if (conf && *conf)
		(void)snprintf(dir, sizeof(dir), "%s", conf);
	else if (home && *home)
		(void)snprintf(dir, sizeof(dir), "%s/.config/lxf", home);
	else
		return;
	if (lxf_mkdir_p(dir, 0700, NULL) == 0 &&
	    snprintf(buf, len, "%.*s/history", (int)(len - 16), dir) >= (int)len)
		buf[0] = '\0';
}

/* Runs one line. Returns false for exit/quit. */
static bool prompt_run_line(Tokenizer *tok, const char *line)
{
	const char **targv = NULL;
	char *argv[PROMPT_ARGS_MAX + 2];
	int targc = 0;

	tok_reset(tok);
	if (tok_str(tok, line, &targc, &targv) != 0) {
		fputs("Error: unbalanced quotes\n", stderr);
		return true;
	}
	if (targc == 0)
		return true;
	if (targc == 1 && (strcmp(targv[0], "exit") == 0 || strcmp(targv[0], "quit") == 0))
		return false;
	if (targc > PROMPT_ARGS_MAX) {
		fputs("Error: too many arguments\n", stderr);
		return true;
	}
	argv[0] = (char *)"lxf";
	for (int i = 0; i < targc; i++)
		argv[i + 1] = (char *)targv[i];
	argv[targc + 1] = NULL;
	(void)lxf_cmd_run(targc + 1, argv);
	(void)fflush(stdout);
	return true;
}

int lxf_prompt_run(void)
{
	char hpath[PROMPT_PATH_MAX];
	EditLine *el = NULL;
	History *hist = NULL;
	Tokenizer *tok = NULL;
	HistEvent ev;
	const char *line;
	int count, st = LXF_EXIT_OK;

	el = el_init("lxf", stdin, stdout, stderr);
	hist = history_init();
	tok = tok_init(NULL);
	if (!el || !hist || !tok) {
		fputs("Error: cannot start the line editor\n", stderr);
		st = LXF_EXIT_ERROR;
		goto out;
	}
	(void)history(hist, &ev, H_SETSIZE, PROMPT_HISTORY_MAX);
	(void)history(hist, &ev, H_SETUNIQUE, 1);
	prompt_history_path(hpath, sizeof(hpath));
	if (hpath[0])
		(void)history(hist, &ev, H_LOAD, hpath);
	(void)el_set(el, EL_EDITOR, "emacs");
	(void)el_set(el, EL_SIGNAL, 1);
	(void)el_set(el, EL_PROMPT, prompt_text);
	(void)el_set(el, EL_HIST, history, hist);
	(void)el_set(el, EL_ADDFN, "lxf-complete", "Complete lxf words", prompt_complete);
	(void)el_set(el, EL_BIND, "^I", "lxf-complete", NULL);
	fputs("lxf interactive prompt: 'help' lists commands, 'exit' or Ctrl-D leaves.\n", stdout);
	while ((line = el_gets(el, &count)) != NULL) {
		char *copy;
		size_t len;

		if (count <= 0)
			break;
		copy = strdup(line);
		if (!copy)
			break;
		len = strlen(copy);
		while (len && (copy[len - 1] == '\n' || copy[len - 1] == '\r'))
			copy[--len] = '\0';
		if (len && strspn(copy, " \t") != len) {
			(void)history(hist, &ev, H_ENTER, copy);
			if (hpath[0])
				(void)history(hist, &ev, H_SAVE, hpath);
		}
		if (!prompt_run_line(tok, copy)) {
			free(copy);
			break;
		}
		free(copy);
	}
	fputc('\n', stdout);
out:
	for (size_t i = 0; i < PROMPT_CACHE_MAX; i++)
		prompt_cache_drop(&prompt_caches[i]);
	if (tok)
		tok_end(tok);
	if (el)
		el_end(el);
	if (hist)
		history_end(hist);
	return st;
}
