/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_TUI_PROBE_H
#define LXF_TUI_PROBE_H

/*
 * LXF_TUI_PROBE=FILE: lxf-tui writes, in FILE, when each key was read and
 * when the frame showing it reached the terminal, and when the table first
 * held every answering host's containers, so that bench/tui.sh measures the
 * console itself and not tmux's capture-pane loop. Times are microseconds
 * of CLOCK_MONOTONIC since main() started. The lines, in order:
 *
 *   start pre_main_us=N               once, first: exec to main() (10 ms ticks)
 *   table T rows=N hosts=N up=N down=N cpu_us=N
 *                                     once: the first frame drawn with no host
 *                                     still connecting (each listed or down),
 *                                     and the CPU time used until then
 *   key READ SHOWN code=N             per key: poll() saw it, refresh() returned
 *                                     (a key that quits: the console's exit)
 *   frames N draw_us_max=N draw_us_sum=N
 *                                     once, at exit: the frames drawn, the
 *                                     longest and the total time in tui_draw
 *
 * Off (no variable), every hook is one test of tui_probe_on.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool tui_probe_on;

/* Opens $LXF_TUI_PROBE (truncated) and writes the start line; off without it. */
void tui_probe_init(void);
/* Writes the frames line and closes the file. */
void tui_probe_fini(void);
/* Microseconds since tui_probe_init. */
int64_t tui_probe_now(void);
/* Key ch, read in a poll() wake-up at read_us: written with the next frame. */
void tui_probe_key(int ch, int64_t read_us);
/*
 * A frame reached the terminal: it began at begin_us; complete when no host
 * was still connecting, with the model's counts under the same lock.
 */
void tui_probe_frame(int64_t begin_us, bool complete, size_t rows, size_t hosts, size_t up,
		     size_t down);

#endif
