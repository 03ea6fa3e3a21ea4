/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_COMPLETE_H
#define LXF_CLI_COMPLETE_H

/*
 * The line splitter and the Tab completion of the two prompts that run lxf
 * commands: `lxf` with no arguments (prompt.c, libedit) and the `:` prompt
 * of lxf-tui (tui/jobs.c). Both split a line the same way and complete
 * from the same command table; only where instance names come from
 * differs (the prompt asks the remote, the console reads its own model).
 */

#include <stdbool.h>
#include <stddef.h>

#define LXF_LINE_MAX  4096 /* bytes of one prompt line */
#define LXF_WORDS_MAX 256  /* words of one prompt line */
#define LXF_CANDS_MAX 512  /* completion candidates kept */

enum {
	LXF_SPLIT_QUOTE = -1,  /* a quote is not closed */
	LXF_SPLIT_TOOMANY = -2 /* more than LXF_WORDS_MAX words, or longer than LXF_LINE_MAX */
};

/*
 * A line split into words as a shell splits plain words: blanks separate,
 * '...' keeps everything, "..." keeps everything but a backslash, which
 * (like a backslash outside quotes) takes the next character as it is.
 * The words point into buf.
 */
struct lxf_words {
	char buf[LXF_LINE_MAX];
	char *v[LXF_WORDS_MAX + 1]; /* NULL after the last */
	int n;
	bool open; /* the line ends in a word (no blank after it): v[n-1] is being typed */
};

/*
 * Splits line into w. With partial (completion), a quote still open is the
 * word being typed and not an error. Returns 0, LXF_SPLIT_QUOTE or
 * LXF_SPLIT_TOOMANY; w holds the words before the error.
 */
int lxf_words_split(struct lxf_words *w, const char *line, bool partial);

/* The text of a LXF_SPLIT_* error, for "Error: %s". */
const char *lxf_words_strerror(int rc);

/* Completion candidates: strings owned by the set (lxf_cands_fini frees them). */
struct lxf_cands {
	char *v[LXF_CANDS_MAX];
	size_t n;
};

struct lxf_remotes;

/* Where completion gets what the command table does not know. */
struct lxf_complete_src {
	bool builtins; /* offer the prompt's own words (help, exit, quit) as a first word */
	/*
	 * Adds (lxf_cands_add) to c the instance names on remote, one of r.
	 * NULL: instance names are not completed.
	 */
	void (*instances)(void *ctx, const struct lxf_remotes *r, const char *remote,
			  struct lxf_cands *c);
	void *ctx;
};

/*
 * Fills c with the candidates for the word at the end of line (the text
 * before the cursor): command words (multi-word names word by word), then
 * for a known command its flags, remotes and instance names. The word
 * being completed (unquoted, "" after a blank) goes to partial. c starts
 * empty; lxf_cands_fini it.
 */
void lxf_complete(const char *line, const struct lxf_complete_src *src, struct lxf_cands *c,
		  char *partial, size_t plen);

/*
 * The longest common prefix of the candidates into out, with a blank after
 * a single candidate that is a whole word (not "R:"). Returns its length.
 */
size_t lxf_cands_common(const struct lxf_cands *c, char *out, size_t len);

/* Adds s unless it is there already or the set is full. */
void lxf_cands_add(struct lxf_cands *c, const char *s);
void lxf_cands_fini(struct lxf_cands *c);

#endif
