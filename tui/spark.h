/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_SPARK_H
#define LXF_TUI_SPARK_H

/*
 * The console's graphs: a few minutes of history per host and per
 * container, kept in the client in rings of fixed size (no allocation per
 * sample, ~1 KB a row), and the glyphs that draw them. Time is cut into
 * slots of TUI_SERIES_SLOT_MS, the stats interval of a host on the screen;
 * a slot with no sample is a gap (a down or slow host, a stopped
 * container) and draws as a blank, never as the last value held flat.
 * Pure functions over plain data: unit-tested without a terminal.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_SERIES_SLOTS   60   /* 5 minutes */
#define TUI_SERIES_SLOT_MS 5000 /* fleet.c's FLEET_STATS_SECS */
#define TUI_SERIES_GAP     UINT32_MAX

struct tui_series {
	int64_t last; /* the slot (ms / TUI_SERIES_SLOT_MS) of the newest sample; -1 none */
	uint8_t head; /* v[head] is slot last's */
	uint32_t v[TUI_SERIES_SLOTS];
};

/* The slot of time now_ms (tui_now_ms). */
int64_t tui_series_slot(int64_t now_ms);
void tui_series_init(struct tui_series *h);
/*
 * Records v for the slot of now_ms (a later sample in the same slot
 * replaces it). The slots skipped since the last sample get v too (a rate
 * over a longer interval holds for each of its slots: a host polled every
 * 30 s) unless gap, when they stay gaps (the host was down or slow
 * meanwhile).
 */
void tui_series_push(struct tui_series *h, int64_t now_ms, uint32_t v, bool gap);
/* The value back slots before slot end (0: end's own); TUI_SERIES_GAP when none was recorded. */
uint32_t tui_series_at(const struct tui_series *h, int64_t end, size_t back);
/* The largest value of the n slots up to end, gaps left out; 0 for none. */
uint32_t tui_series_max(const struct tui_series *h, int64_t end, size_t n);
/* The mean of the samples of the window up to end; -1 when there are none. */
int64_t tui_series_mean(const struct tui_series *h, int64_t end);

/*
 * Glyphs, each a NUL-terminated string of one column: a UTF-8 block
 * (U+2581..U+2588) with utf8, else ASCII ("_.:-=+*#"); a gap is " ".
 * A level is v's share of scale in eighths, rounded up: any v > 0 shows.
 */
int tui_spark_level(uint32_t v, uint32_t scale); /* 0..7; -1 for a gap */
const char *tui_spark_glyph(uint32_t v, uint32_t scale, bool utf8);
/*
 * The glyph of line (0: the bottom) of a bar height lines tall for v of
 * scale: full, a partial top, blank above; a zero is a baseline on the
 * bottom line, a gap is blank on every line.
 */
const char *tui_graph_glyph(uint32_t v, uint32_t scale, int line, int height, bool utf8);
/*
 * Writes into out (outlen bytes) the sparkline of the w slots of h up to
 * end, the oldest left, scaled to scale. Returns the columns written (w,
 * or fewer when out is too small).
 */
int tui_spark(const struct tui_series *h, int64_t end, int w, uint32_t scale, bool utf8, char *out,
	      size_t outlen);

/* Colour thresholds of v on scale: 0 calm (< 60%), 1 busy (< 90%), 2 hot; -1 a gap. */
int tui_spark_heat(uint32_t v, uint32_t scale);

#endif
