/* SPDX-License-Identifier: Apache-2.0 */
/*
 * History rings and sparkline glyphs (spark.h). The blocks are those of
 * spark(1) and btop; ASCII keeps the same eight heights for a terminal
 * without UTF-8 (LANG=C) or --ascii.
 */
#include <string.h>

#include "spark.h"

static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
				      "\u2585", "\u2586", "\u2587", "\u2588"};
static const char *const ascii_ramp[8] = {"_", ".", ":", "-", "=", "+", "*", "#"};

int64_t tui_series_slot(int64_t now_ms)
{
	return now_ms < 0 ? 0 : now_ms / TUI_SERIES_SLOT_MS;
}

void tui_series_init(struct tui_series *h)
{
	h->last = -1;
	h->head = 0;
	for (size_t i = 0; i < TUI_SERIES_SLOTS; i++)
		h->v[i] = TUI_SERIES_GAP;
}

void tui_series_push(struct tui_series *h, int64_t now_ms, uint32_t v, bool gap)
{
	int64_t slot = tui_series_slot(now_ms), k;

	if (v == TUI_SERIES_GAP)
		v--; /* the largest value, not a gap */
	if (h->last >= 0 && slot <= h->last) {
		/* The same slot (an event's re-read): the newest sample wins. */
		h->v[h->head] = v;
		return;
	}
	k = h->last < 0 ? 1 : slot - h->last;
	if (k > TUI_SERIES_SLOTS)
		k = TUI_SERIES_SLOTS;
	for (int64_t i = 1; i <= k; i++) {
		h->head = (uint8_t)((h->head + 1) % TUI_SERIES_SLOTS);
		h->v[h->head] = i == k || !gap ? v : TUI_SERIES_GAP;
	}
	h->last = slot;
}

uint32_t tui_series_at(const struct tui_series *h, int64_t end, size_t back)
{
	int64_t slot = end - (int64_t)back, age;

	if (h->last < 0 || slot > h->last)
		return TUI_SERIES_GAP;
	age = h->last - slot;
	if (age >= TUI_SERIES_SLOTS)
		return TUI_SERIES_GAP;
	return h->v[(h->head + TUI_SERIES_SLOTS - (size_t)age) % TUI_SERIES_SLOTS];
}

uint32_t tui_series_max(const struct tui_series *h, int64_t end, size_t n)
{
	uint32_t max = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t v = tui_series_at(h, end, i);

		if (v != TUI_SERIES_GAP && v > max)
			max = v;
	}
	return max;
}

int64_t tui_series_mean(const struct tui_series *h, int64_t end)
{
	int64_t sum = 0, n = 0;

	for (size_t i = 0; i < TUI_SERIES_SLOTS; i++) {
		uint32_t v = tui_series_at(h, end, i);

		if (v != TUI_SERIES_GAP) {
			sum += v;
			n++;
		}
	}
	return n ? sum / n : -1;
}

int tui_spark_level(uint32_t v, uint32_t scale)
{
	uint64_t l;

	if (v == TUI_SERIES_GAP)
		return -1;
	if (v == 0)
		return 0;
	if (scale == 0 || v >= scale)
		return 7;
	l = ((uint64_t)v * 7 + scale - 1) / scale;
	return l > 7 ? 7 : (int)l;
}

const char *tui_spark_glyph(uint32_t v, uint32_t scale, bool utf8)
{
	int l = tui_spark_level(v, scale);

	if (l < 0)
		return " ";
	return utf8 ? blocks[l] : ascii_ramp[l];
}

const char *tui_graph_glyph(uint32_t v, uint32_t scale, int line, int height, bool utf8)
{
	uint64_t total = (uint64_t)height * 8, e;
	uint64_t below = (uint64_t)line * 8;

	if (v == TUI_SERIES_GAP || height <= 0 || line < 0 || line >= height)
		return " ";
	if (v == 0)
		return line == 0 ? (utf8 ? blocks[0] : "_") : " ";
	e = scale == 0 || v >= scale ? total : ((uint64_t)v * total + scale - 1) / scale;
	if (e >= below + 8)
		return utf8 ? blocks[7] : "#";
	if (e <= below)
		return " ";
	if (utf8)
		return blocks[e - below - 1];
	return e - below < 4 ? "." : "+";
}

int tui_spark(const struct tui_series *h, int64_t end, int w, uint32_t scale, bool utf8, char *out,
	      size_t outlen)
{
	size_t off = 0;
	int n = 0;

	if (outlen == 0)
		return 0;
	for (int i = w - 1; i >= 0; i--) {
		const char *g = tui_spark_glyph(tui_series_at(h, end, (size_t)i), scale, utf8);
		size_t gl = strlen(g);

		if (off + gl >= outlen)
			break;
		memcpy(out + off, g, gl);
		off += gl;
		n++;
	}
	out[off] = '\0';
	return n;
}

int tui_spark_heat(uint32_t v, uint32_t scale)
{
	uint64_t pct;

	if (v == TUI_SERIES_GAP)
		return -1;
	if (scale == 0)
		return 0;
	pct = (uint64_t)v * 100 / scale;
	return pct < 60 ? 0 : pct < 90 ? 1 : 2;
}
