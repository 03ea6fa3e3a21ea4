/* SPDX-License-Identifier: Apache-2.0 */
/* "Did you mean": edit distance over known words (see suggest.h). */
#include "suggest.h"

#include <string.h>

#define SUGGEST_WORD_MAX 64

static int suggest_min3(int a, int b, int c)
{
	int m = a < b ? a : b;

	return m < c ? m : c;
}

int lxf_suggest_distance(const char *a, const char *b, int cap)
{
	/* Three rows of the optimal string alignment table: the swap looks two back. */
	int rows[3][SUGGEST_WORD_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);
	int *pp, *p, *cur;

	if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX ||
	    (la > lb ? la - lb : lb - la) > (size_t)cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		rows[1][j] = (int)j;
	pp = rows[0];
	p = rows[1];
	cur = rows[2];
	for (size_t i = 1; i <= la; i++) {
		int *t;

		cur[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];

			cur[j] = suggest_min3(p[j] + 1, cur[j - 1] + 1, p[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < cur[j])
				cur[j] = pp[j - 2] + 1;
		}
		t = pp;
		pp = p;
		p = cur;
		cur = t;
	}
	return p[lb] > cap ? cap + 1 : p[lb];
}

/* How far a word of this length may be from what was meant. */
static int suggest_cap(size_t len)
{
	return len <= 4 ? 1 : len <= 8 ? 2 : 3;
}

void lxf_suggest_offer(struct lxf_suggest_best *b, const char *word, const char *cand)
{
	size_t wl = strlen(word);
	int cap = suggest_cap(wl), d;

	if (!cand || !*word || strcmp(word, cand) == 0)
		return;
	/* A prefix of two letters or more ("rem", "snap") is as good as one edit. */
	if (wl >= 2 && strncmp(cand, word, wl) == 0)
		d = 1;
	else
		d = lxf_suggest_distance(word, cand, cap);
	if (d <= cap && (!b->word || d < b->dist)) {
		b->word = cand;
		b->dist = d;
	}
}

const char *lxf_suggest(const char *word, const char *const *cands, size_t n)
{
	struct lxf_suggest_best b = {0};

	for (size_t i = 0; i < n; i++)
		lxf_suggest_offer(&b, word, cands[i]);
	return b.word;
}

void lxf_suggest_print(FILE *f, const char *prefix, const char *best)
{
	if (best)
		fprintf(f, "Did you mean: %s%s\n", prefix ? prefix : "", best);
}
