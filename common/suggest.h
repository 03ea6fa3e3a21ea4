/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_SUGGEST_H
#define LXF_SUGGEST_H

#include <stddef.h>
#include <stdio.h>

/*
 * "Did you mean": the closest of a set of known words to one the user
 * typed, by edit distance (insert, delete, replace, swap of two
 * neighbours: "lsit" is one step from "list"). Pure functions, no
 * config, no server: tests/unit/test_suggest.c covers them. In common/ because
 * the remotes (common/client) suggest too.
 */

/*
 * Optimal string alignment distance between a and b (case-sensitive),
 * capped: any distance above cap (or words longer than 64 bytes) gives
 * cap + 1.
 */
int lxf_suggest_distance(const char *a, const char *b, int cap);

/*
 * The candidate closest to word, or NULL when none is close enough: at
 * most 1 edit for words of up to 4 characters, 2 up to 8, 3 beyond (a
 * candidate that word is a prefix of also counts, "rem" -> "remote").
 * Ties go to the first. n candidates; NULL entries are skipped. Borrowed
 * from cands.
 */
const char *lxf_suggest(const char *word, const char *const *cands, size_t n);

/*
 * Incremental form for candidates that are not in one array: zero a
 * struct lxf_suggest_best, offer each candidate, read .word (NULL: none).
 */
struct lxf_suggest_best {
	const char *word; /* borrowed from the offered candidate */
	int dist;
};
void lxf_suggest_offer(struct lxf_suggest_best *b, const char *word, const char *cand);

/* Prints "Did you mean: WORD\n" (prefix before it, e.g. "--") to f when best is not NULL. */
void lxf_suggest_print(FILE *f, const char *prefix, const char *best);

#endif
