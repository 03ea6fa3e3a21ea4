/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-process probe (probe.h). Only the UI thread calls it. Keys wait in
 * a small array for their frame; a burst larger than it (a paste) is
 * written with the frame that shows the first ones, the rest dropped and
 * counted: the probe measures typing, not pastes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define PROBE_KEYS 64

bool tui_probe_on;

static FILE *probe_f;
static int64_t probe_t0_ns;
static struct {
	int ch;
	int64_t read_us;
} probe_keys[PROBE_KEYS];
static size_t probe_nkeys, probe_dropped, probe_frames;
static int64_t probe_draw_max, probe_draw_sum;
static bool probe_table_done;

static int64_t mono_ns(clockid_t clk)
{
	struct timespec ts;

	(void)clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Exec to now from /proc/self/stat's starttime (field 22, clock ticks since
 * boot); -1 when unreadable. */
static int64_t pre_main_us(void)
{
	char buf[1024], *p;
	unsigned long long start = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	/* comm (field 2) may hold spaces: count fields after its ')'. */
	p = strrchr(buf, ')');
	if (!p || hz <= 0)
		return -1;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return -1;
	return mono_ns(CLOCK_BOOTTIME) / 1000 - (int64_t)(start * 1000000ULL / (unsigned long)hz);
}

void tui_probe_init(void)
{
	const char *path = getenv("LXF_TUI_PROBE");

	probe_t0_ns = mono_ns(CLOCK_MONOTONIC);
	if (!path || !*path)
		return;
	probe_f = fopen(path, "we");
	if (!probe_f) {
		(void)fprintf(stderr, "lxf-tui: LXF_TUI_PROBE: cannot open %s\n", path);
		return;
	}
	/* A line at a time: a killed console still leaves what it measured. */
	(void)setvbuf(probe_f, NULL, _IOLBF, 0);
	tui_probe_on = true;
	(void)fprintf(probe_f, "start pre_main_us=%lld\n", (long long)pre_main_us());
}

void tui_probe_fini(void)
{
	int64_t now = tui_probe_now();

	if (!tui_probe_on)
		return;
	/* A key that quit has no frame: it is shown by the terminal given back. */
	for (size_t i = 0; i < probe_nkeys; i++)
		(void)fprintf(probe_f, "key %lld %lld code=%d\n", (long long)probe_keys[i].read_us,
			      (long long)now, probe_keys[i].ch);
	probe_nkeys = 0;
	(void)fprintf(probe_f, "frames %zu draw_us_max=%lld draw_us_sum=%lld keys_dropped=%zu\n",
		      probe_frames, (long long)probe_draw_max, (long long)probe_draw_sum,
		      probe_dropped);
	(void)fclose(probe_f);
	probe_f = NULL;
	tui_probe_on = false;
}

int64_t tui_probe_now(void)
{
	return (mono_ns(CLOCK_MONOTONIC) - probe_t0_ns) / 1000;
}

void tui_probe_key(int ch, int64_t read_us)
{
	if (probe_nkeys == PROBE_KEYS) {
		probe_dropped++;
		return;
	}
	probe_keys[probe_nkeys].ch = ch;
	probe_keys[probe_nkeys++].read_us = read_us;
}

void tui_probe_frame(int64_t begin_us, bool complete, size_t rows, size_t hosts, size_t up,
		     size_t down)
{
	int64_t now = tui_probe_now(), took = now - begin_us;

	probe_frames++;
	probe_draw_sum += took;
	if (took > probe_draw_max)
		probe_draw_max = took;
	if (complete && !probe_table_done) {
		struct rusage ru = {0};

		(void)getrusage(RUSAGE_SELF, &ru);
		probe_table_done = true;
		(void)fprintf(probe_f,
			      "table %lld rows=%zu hosts=%zu up=%zu down=%zu cpu_us=%lld\n",
			      (long long)now, rows, hosts, up, down,
			      (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
				  ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	}
	for (size_t i = 0; i < probe_nkeys; i++)
		(void)fprintf(probe_f, "key %lld %lld code=%d\n", (long long)probe_keys[i].read_us,
			      (long long)now, probe_keys[i].ch);
	probe_nkeys = 0;
}
