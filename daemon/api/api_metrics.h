/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_API_METRICS_H
#define LXFD_API_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "buf.h"
#include "http_stats.h"

/*
 * api_metrics_fmt.c: the OpenMetrics text of /1.0/metrics, pure (the
 * numbers are read by api_metrics.c). Each function appends to b and
 * returns 0 or the lxf_buf error (-LXF_ENOMEM, -LXF_ETOOBIG).
 */

/* One running instance: its name and counters (m NULL: left out). Borrowed. */
struct api_mx_inst {
	const char *name;
	const struct backend_mx *m;
};

/* The filesystem of the rootfs (backend_metrics_fs), the same for all. */
struct api_mx_fs {
	char device[256], fstype[64];
};

/* The daemon's own figures. */
#define API_MX_ENTITIES 16
struct api_mx_daemon {
	int nentities;
	const char *entity[API_MX_ENTITIES];
	int64_t ongoing[API_MX_ENTITIES], done[API_MX_ENTITIES][HTTP_RES_COUNT];
	int64_t operations, instances;
	double uptime;
};

/* A label value as the exposition format wants it: \ " and newline escaped. */
int api_mx_escape(struct lxf_buf *b, const char *v);

/* Every instance family, HELP and TYPE lines first, then the n instances' samples. */
int api_mx_format(struct lxf_buf *b, const struct api_mx_inst *in, size_t n,
		  const struct api_mx_fs *fs);

/* The daemon's families and the closing "# EOF". */
int api_mx_format_daemon(struct lxf_buf *b, const struct api_mx_daemon *d);

#endif
