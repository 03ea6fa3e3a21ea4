/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interactive prompt: `lxf` with no arguments on a terminal. Lines are
 * read with libedit, split by complete.c (quotes and backslashes work as in
 * a shell) and run through lxf_cmd_run(), the same path as `lxf ARGS`.
 * History is kept in $LXF_CONF/history. Tab completes through complete.c
 * (command names word by word, flags, "R:"); the instance names of the
 * remote being typed come from here: fetched with a short timeout and
 * cached, so a dead remote costs at most PROMPT_FETCH_SECS once a minute.
 */
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "complete.h"
#include "file.h"
#include "json.h"

#define PROMPT_HISTORY_MAX 1000
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
static const struct prompt_cache *prompt_cache_get(const struct lxf_remotes *r, const char *remote)
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

/* complete.c's source of instance names: the cache, refreshed from the remote. */
static void prompt_instances(void *ctx, const struct lxf_remotes *r, const char *remote,
			     struct lxf_cands *c)
{
	const struct prompt_cache *pc = prompt_cache_get(r, remote);

	(void)ctx;
	for (size_t i = 0; pc && i < pc->n; i++)
		lxf_cands_add(c, pc->names[i]);
}

static unsigned char prompt_complete(EditLine *el, int ch)
{
	static const struct lxf_complete_src src = {.builtins = true,
						    .instances = prompt_instances};
	const LineInfo *li = el_line(el);
	char line[LXF_LINE_MAX], partial[LXF_LINE_MAX], common[LXF_LINE_MAX];
	struct lxf_cands c = {.n = 0};
	size_t pl, cl;
	unsigned char ret = CC_REFRESH_BEEP;

	(void)ch;
	(void)snprintf(line, sizeof(line), "%.*s", (int)(li->cursor - li->buffer), li->buffer);
	lxf_complete(line, &src, &c, partial, sizeof(partial));
	if (c.n == 0)
		goto out;
	pl = strlen(partial);
	cl = lxf_cands_common(&c, common, sizeof(common));
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
	lxf_cands_fini(&c);
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
static bool prompt_run_line(struct lxf_words *w, const char *line)
{
	char *argv[LXF_WORDS_MAX + 2];
	int rc = lxf_words_split(w, line, false);

	if (rc != 0) {
		fprintf(stderr, "Error: %s\n", lxf_words_strerror(rc));
		return true;
	}
	if (w->n == 0)
		return true;
	if (w->n == 1 && (strcmp(w->v[0], "exit") == 0 || strcmp(w->v[0], "quit") == 0))
		return false;
	argv[0] = (char *)"lxf";
	for (int i = 0; i < w->n; i++)
		argv[i + 1] = w->v[i];
	argv[w->n + 1] = NULL;
	(void)lxf_cmd_run(w->n + 1, argv);
	(void)fflush(stdout);
	return true;
}

int lxf_prompt_run(void)
{
	char hpath[PROMPT_PATH_MAX];
	EditLine *el = NULL;
	History *hist = NULL;
	struct lxf_words *w = NULL;
	HistEvent ev;
	const char *line;
	int count, st = LXF_EXIT_OK;

	el = el_init("lxf", stdin, stdout, stderr);
	hist = history_init();
	w = malloc(sizeof(*w));
	if (!el || !hist || !w) {
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
		if (!prompt_run_line(w, copy)) {
			free(copy);
			break;
		}
		free(copy);
	}
	fputc('\n', stdout);
out:
	for (size_t i = 0; i < PROMPT_CACHE_MAX; i++)
		prompt_cache_drop(&prompt_caches[i]);
	free(w);
	if (el)
		el_end(el);
	if (hist)
		history_end(hist);
	return st;
}
