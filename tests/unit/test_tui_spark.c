/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for tui/spark.c: the history rings, their gaps, scaling and the glyphs. */
/* cmocka.h needs these before it; blank lines keep clang-format from reordering. */
#include <stdarg.h>
#include <stddef.h>

#include <setjmp.h>

#include <cmocka.h>

#include <string.h>

#include "spark.h"

#define SLOT TUI_SERIES_SLOT_MS

static void test_ring(void **state)
{
	struct tui_series h;

	(void)state;
	tui_series_init(&h);
	assert_int_equal(tui_series_at(&h, 0, 0), TUI_SERIES_GAP);
	assert_int_equal(tui_series_max(&h, 10, TUI_SERIES_SLOTS), 0);
	assert_int_equal(tui_series_mean(&h, 10), -1);
	tui_series_push(&h, 100 * SLOT, 5, false);
	tui_series_push(&h, 101 * SLOT + 10, 7, false);
	assert_int_equal(h.last, 101);
	assert_int_equal(tui_series_at(&h, 101, 0), 7);
	assert_int_equal(tui_series_at(&h, 101, 1), 5);
	assert_int_equal(tui_series_at(&h, 101, 2), TUI_SERIES_GAP);
	/* Later than the last sample: nothing known yet. */
	assert_int_equal(tui_series_at(&h, 102, 0), TUI_SERIES_GAP);
	/* A second sample in a slot replaces the first. */
	tui_series_push(&h, 101 * SLOT + 4000, 9, false);
	assert_int_equal(tui_series_at(&h, 101, 0), 9);
	assert_int_equal(tui_series_max(&h, 101, 2), 9);
	assert_int_equal(tui_series_mean(&h, 101), 7);
	/* Fixed memory: past TUI_SERIES_SLOTS samples the oldest go. */
	for (int i = 0; i < TUI_SERIES_SLOTS; i++)
		tui_series_push(&h, (102 + i) * SLOT, (uint32_t)i, false);
	assert_int_equal(tui_series_at(&h, h.last, 0), TUI_SERIES_SLOTS - 1);
	assert_int_equal(tui_series_at(&h, h.last, TUI_SERIES_SLOTS - 1), 0);
	assert_int_equal(tui_series_at(&h, h.last, TUI_SERIES_SLOTS), TUI_SERIES_GAP);
	assert_int_equal(tui_series_max(&h, h.last, 3), TUI_SERIES_SLOTS - 1);
	/* The gap value itself cannot be recorded: it would read as no sample. */
	tui_series_push(&h, (h.last + 1) * SLOT, TUI_SERIES_GAP, false);
	assert_int_equal(tui_series_at(&h, h.last, 0), TUI_SERIES_GAP - 1);
}

static void test_gaps(void **state)
{
	struct tui_series h;

	(void)state;
	tui_series_init(&h);
	tui_series_push(&h, 10 * SLOT, 4, false);
	/* A host polled every 30 s, up all along: its rate holds for each slot. */
	tui_series_push(&h, 16 * SLOT, 6, false);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(tui_series_at(&h, 16, i), 6);
	assert_int_equal(tui_series_at(&h, 16, 6), 4);
	/* Down (or slow) meanwhile: the slots between stay gaps. */
	tui_series_push(&h, 20 * SLOT, 8, true);
	assert_int_equal(tui_series_at(&h, 20, 0), 8);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(tui_series_at(&h, 20, i), TUI_SERIES_GAP);
	assert_int_equal(tui_series_at(&h, 20, 4), 6);
	/* A gap longer than the window leaves only the new sample. */
	tui_series_push(&h, 500 * SLOT, 1, true);
	assert_int_equal(tui_series_at(&h, 500, 0), 1);
	for (size_t i = 1; i < TUI_SERIES_SLOTS; i++)
		assert_int_equal(tui_series_at(&h, 500, i), TUI_SERIES_GAP);
	assert_int_equal(tui_series_mean(&h, 500), 1);
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(tui_spark_level(TUI_SERIES_GAP, 100), -1);
	assert_int_equal(tui_spark_level(0, 100), 0);
	/* Anything above zero shows above the baseline. */
	assert_int_equal(tui_spark_level(1, 1000), 1);
	assert_int_equal(tui_spark_level(500, 1000), 4);
	assert_int_equal(tui_spark_level(1000, 1000), 7);
	/* Over the scale (a burst past one CPU): the top, not past it. */
	assert_int_equal(tui_spark_level(5000, 1000), 7);
	assert_int_equal(tui_spark_level(3, 0), 7);
	assert_int_equal(tui_spark_heat(100, 1000), 0);
	assert_int_equal(tui_spark_heat(700, 1000), 1);
	assert_int_equal(tui_spark_heat(950, 1000), 2);
	assert_int_equal(tui_spark_heat(TUI_SERIES_GAP, 1000), -1);
}

static void test_glyphs(void **state)
{
	(void)state;
	assert_string_equal(tui_spark_glyph(0, 1000, true), "\u2581");
	assert_string_equal(tui_spark_glyph(1000, 1000, true), "\u2588");
	assert_string_equal(tui_spark_glyph(500, 1000, true), "\u2585");
	assert_string_equal(tui_spark_glyph(0, 1000, false), "_");
	assert_string_equal(tui_spark_glyph(1000, 1000, false), "#");
	assert_string_equal(tui_spark_glyph(500, 1000, false), "=");
	/* A gap is blank in both: never the baseline of a zero. */
	assert_string_equal(tui_spark_glyph(TUI_SERIES_GAP, 1000, true), " ");
	assert_string_equal(tui_spark_glyph(TUI_SERIES_GAP, 1000, false), " ");
	/* The tall graph: 3 lines of 8 eighths, 1000 is the top. */
	assert_string_equal(tui_graph_glyph(1000, 1000, 2, 3, true), "\u2588");
	assert_string_equal(tui_graph_glyph(500, 1000, 0, 3, true), "\u2588");
	assert_string_equal(tui_graph_glyph(500, 1000, 1, 3, true), "\u2584"); /* 12 of 24 */
	assert_string_equal(tui_graph_glyph(500, 1000, 2, 3, true), " ");
	assert_string_equal(tui_graph_glyph(500, 1000, 0, 3, false), "#");
	assert_string_equal(tui_graph_glyph(500, 1000, 1, 3, false), "+");
	assert_string_equal(tui_graph_glyph(100, 1000, 0, 3, false), ".");
	/* Zero: a baseline on the bottom line only; a gap: blank everywhere. */
	assert_string_equal(tui_graph_glyph(0, 1000, 0, 3, true), "\u2581");
	assert_string_equal(tui_graph_glyph(0, 1000, 1, 3, true), " ");
	assert_string_equal(tui_graph_glyph(0, 1000, 0, 3, false), "_");
	assert_string_equal(tui_graph_glyph(TUI_SERIES_GAP, 1000, 0, 3, true), " ");
	assert_string_equal(tui_graph_glyph(TUI_SERIES_GAP, 1000, 0, 3, false), " ");
}

static void test_sparkline(void **state)
{
	struct tui_series h;
	char out[64], small[8];

	(void)state;
	tui_series_init(&h);
	tui_series_push(&h, 10 * SLOT, 0, false);
	tui_series_push(&h, 11 * SLOT, 1000, false);
	tui_series_push(&h, 14 * SLOT, 500, true);
	/* The oldest left; before the first sample and in the gap: blanks. */
	assert_int_equal(tui_spark(&h, 14, 6, 1000, true, out, sizeof(out)), 6);
	assert_string_equal(out, " \u2581\u2588  \u2585");
	assert_int_equal(tui_spark(&h, 14, 6, 1000, false, out, sizeof(out)), 6);
	assert_string_equal(out, " _#  =");
	/* Ending at now, after the last sample (a host down since): the gap grows. */
	assert_int_equal(tui_spark(&h, 16, 4, 1000, false, out, sizeof(out)), 4);
	assert_string_equal(out, " =  ");
	/* A short buffer gets fewer whole glyphs, never a cut one. */
	assert_int_equal(tui_spark(&h, 14, 6, 1000, true, small, sizeof(small)), 3);
	assert_string_equal(small, " \u2581\u2588");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring),      cmocka_unit_test(test_gaps),
	    cmocka_unit_test(test_levels),    cmocka_unit_test(test_glyphs),
	    cmocka_unit_test(test_sparkline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
