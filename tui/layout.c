/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fitting text to the screen, as htop and k9s do: the table's columns are
 * as wide as their content, the lowest-priority ones go first when the
 * terminal is narrow, and every cut value ends in an ellipsis so that a
 * cut is never mistaken for the value ("busybox 1" for "busybox 1.36").
 * Pure functions over plain data: unit-tested without a terminal.
 */
#include <string.h>

#include "tui.h"

int tui_text_cols(const char *s, bool utf8)
{
	int n = 0;

	/* One column per character: UTF-8 continuation bytes add none. Wide
	 * (CJK) characters count one; container and host names are ASCII. */
	for (; *s; s++)
		n += !utf8 || ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte offset of column w of s (s has more than w columns). */
static size_t col_offset(const char *s, int w, bool utf8)
{
	size_t i = 0;
	int n = 0;

	for (; s[i]; i++) {
		if (utf8 && ((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (n == w)
			break;
		n++;
	}
	return i;
}

int tui_fit(const char *s, int w, bool utf8, bool words, char *out, size_t outlen)
{
	const char *ell = utf8 ? "\u2026" : "~";
	size_t keep, ell_len = strlen(ell);
	int cols = tui_text_cols(s, utf8);

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (w <= 0)
		return 0;
	if (cols <= w) {
		keep = strlen(s);
		if (keep >= outlen)
			keep = outlen - 1;
		memcpy(out, s, keep);
		out[keep] = '\0';
		return cols;
	}
	keep = col_offset(s, w - 1, utf8);
	/* Prose (a hint line, a host's error) is cut after a whole word when
	 * that keeps at least half of the room. */
	if (words) {
		size_t sp = keep;

		while (sp > 0 && s[sp] != ' ')
			sp--;
		while (sp > 0 && (s[sp - 1] == ' ' || s[sp - 1] == ',' || s[sp - 1] == ':'))
			sp--;
		if (sp > 0 && (int)sp >= (w - 1) / 2)
			keep = sp;
	}
	if (keep + ell_len >= outlen)
		keep = outlen > ell_len + 1 ? outlen - ell_len - 1 : 0;
	memcpy(out, s, keep);
	memcpy(out + keep, ell, ell_len + 1);
	return tui_text_cols(out, utf8);
}

int tui_layout(const struct tui_colspec *cols, size_t n, int total, int *out)
{
	bool shown[TUI_LAYOUT_MAX];
	int need = 0, nshown = 0, used, maxp = 0;

	if (n > TUI_LAYOUT_MAX)
		n = TUI_LAYOUT_MAX;
	for (size_t c = 0; c < n; c++) {
		shown[c] = true;
		need += cols[c].min;
		maxp = cols[c].prio > maxp ? cols[c].prio : maxp;
		nshown++;
	}
	/* Drop the lowest-priority column while even the minimums and the
	 * separators do not fit; the first priority (0) always stays. */
	while (nshown > 1 && need + nshown - 1 > total) {
		size_t drop = n;

		for (size_t c = 0; c < n; c++)
			if (shown[c] && cols[c].prio > 0 &&
			    (drop == n || cols[c].prio > cols[drop].prio))
				drop = c;
		if (drop == n)
			break;
		shown[drop] = false;
		need -= cols[drop].min;
		nshown--;
	}
	used = need + (nshown > 0 ? nshown - 1 : 0);
	for (size_t c = 0; c < n; c++)
		out[c] = shown[c] ? cols[c].min : 0;
	/* What is left widens the shown columns, first priority first, each up
	 * to its content: spare width stays at the right, not in NAME. */
	for (int p = 0; p <= maxp && used < total; p++) {
		for (size_t c = 0; c < n && used < total; c++) {
			int add;

			if (!shown[c] || cols[c].prio != p)
				continue;
			add = cols[c].want - out[c];
			if (add > total - used)
				add = total - used;
			if (add > 0) {
				out[c] += add;
				used += add;
			}
		}
	}
	return used;
}
