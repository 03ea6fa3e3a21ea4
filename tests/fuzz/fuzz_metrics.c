/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target over the /1.0/metrics text (common/client/metrics.c):
 * the input is a scrape. One that parses is then turned into per-instance
 * counters and rated against itself, as lxf top does with two scrapes.
 * Run: build-fuzz/tests/fuzz/fuzz_metrics tests/fuzz/corpus-metrics
 */
#include <stdint.h>
#include <stdlib.h>

/* By path: scripts/lint's clang-tidy has no compile command for fuzz targets. */
#include "../../common/client/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lxf_metrics m = {0};
	struct lxf_usage_set set = {0};
	struct lxf_usage_rate r;
	struct lxf_err err = {0};

	if (lxf_metrics_parse((const char *)data, size, &m, &err) == 0) {
		for (size_t i = 0; i < m.n; i++)
			(void)lxf_metric_label(&m.samples[i], "name");
		if (lxf_usage_from_metrics(&m, &set, &err) == 0)
			for (size_t i = 0; i < set.n; i++)
				lxf_usage_rate(&set.v[i], &set.v[i], 2.0, &r);
	}
	lxf_usage_set_fini(&set);
	lxf_metrics_fini(&m);
	return 0;
}
