/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text of /1.0/metrics: LXD 5.0's metric families (names, HELP lines,
 * types and labels, so that dashboards made for LXD work unchanged) in the
 * OpenMetrics text format. Pure: the numbers come in (api_metrics.c reads
 * them), the text goes out; unit-tested (test_metrics_fmt).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api_metrics.h"

/* LXD's families, in its order. kind says what a sample is made of. */
enum mx_kind { K_CPU, K_CPUS, K_DISK, K_FS, K_MEM, K_OOM, K_NET, K_PROCS };

static const struct mx_family {
	const char *name, *help;
	bool counter;
	enum mx_kind kind;
	int field; /* K_MEM: enum backend_mx_mem; K_DISK, K_FS, K_NET: which value */
} families[] = {
    {"lxd_cpu_seconds_total", "The total number of CPU time used in seconds.", true, K_CPU, 0},
    {"lxd_cpu_effective_total", "The total number of effective CPUs.", false, K_CPUS, 0},
    {"lxd_disk_read_bytes_total", "The total number of bytes read.", true, K_DISK, 0},
    {"lxd_disk_reads_completed_total", "The total number of completed reads.", true, K_DISK, 1},
    {"lxd_disk_written_bytes_total", "The total number of bytes written.", true, K_DISK, 2},
    {"lxd_disk_writes_completed_total", "The total number of completed writes.", true, K_DISK, 3},
    {"lxd_filesystem_avail_bytes", "The number of available space in bytes.", false, K_FS, 0},
    {"lxd_filesystem_free_bytes", "The number of free space in bytes.", false, K_FS, 1},
    {"lxd_filesystem_size_bytes", "The size of the filesystem in bytes.", false, K_FS, 2},
    {"lxd_memory_Active_anon_bytes", "The amount of anonymous memory on active LRU list.", false,
     K_MEM, BMX_ACTIVE_ANON},
    {"lxd_memory_Active_file_bytes", "The amount of file-backed memory on active LRU list.", false,
     K_MEM, BMX_ACTIVE_FILE},
    {"lxd_memory_Active_bytes", "The amount of memory on active LRU list.", false, K_MEM,
     BMX_ACTIVE},
    {"lxd_memory_Cached_bytes", "The amount of cached memory.", false, K_MEM, BMX_CACHED},
    {"lxd_memory_Dirty_bytes", "The amount of memory waiting to get written back to the disk.",
     false, K_MEM, BMX_DIRTY},
    {"lxd_memory_Inactive_anon_bytes", "The amount of anonymous memory on inactive LRU list.",
     false, K_MEM, BMX_INACTIVE_ANON},
    {"lxd_memory_Inactive_file_bytes", "The amount of file-backed memory on inactive LRU list.",
     false, K_MEM, BMX_INACTIVE_FILE},
    {"lxd_memory_Inactive_bytes", "The amount of memory on inactive LRU list.", false, K_MEM,
     BMX_INACTIVE},
    {"lxd_memory_Mapped_bytes", "The amount of mapped memory.", false, K_MEM, BMX_MAPPED},
    {"lxd_memory_MemAvailable_bytes", "The amount of available memory.", false, K_MEM,
     BMX_MEM_AVAILABLE},
    {"lxd_memory_MemFree_bytes", "The amount of free memory.", false, K_MEM, BMX_MEM_FREE},
    {"lxd_memory_MemTotal_bytes", "The amount of used memory.", false, K_MEM, BMX_MEM_TOTAL},
    {"lxd_memory_RSS_bytes", "The amount of anonymous and swap cache memory.", false, K_MEM,
     BMX_RSS},
    {"lxd_memory_Shmem_bytes", "The amount of cached filesystem data that is swap-backed.", false,
     K_MEM, BMX_SHMEM},
    {"lxd_memory_Swap_bytes", "The amount of used swap memory.", false, K_MEM, BMX_SWAP},
    {"lxd_memory_Unevictable_bytes", "The amount of unevictable memory.", false, K_MEM,
     BMX_UNEVICTABLE},
    {"lxd_memory_Writeback_bytes", "The amount of memory queued for syncing to disk.", false, K_MEM,
     BMX_WRITEBACK},
    {"lxd_memory_OOM_kills_total", "The number of out of memory kills.", true, K_OOM, 0},
    {"lxd_network_receive_bytes_total", "The amount of received bytes on a given interface.", true,
     K_NET, 0},
    {"lxd_network_receive_drop_total", "The amount of received dropped bytes on a given interface.",
     true, K_NET, 1},
    {"lxd_network_receive_errs_total", "The amount of received errors on a given interface.", true,
     K_NET, 2},
    {"lxd_network_receive_packets_total", "The amount of received packets on a given interface.",
     true, K_NET, 3},
    {"lxd_network_transmit_bytes_total", "The amount of transmitted bytes on a given interface.",
     true, K_NET, 4},
    {"lxd_network_transmit_drop_total",
     "The amount of transmitted dropped bytes on a given interface.", true, K_NET, 5},
    {"lxd_network_transmit_errs_total", "The amount of transmitted errors on a given interface.",
     true, K_NET, 6},
    {"lxd_network_transmit_packets_total",
     "The amount of transmitted packets on a given interface.", true, K_NET, 7},
    {"lxd_procs_total", "The number of running processes.", false, K_PROCS, 0},
};

int api_mx_escape(struct lxf_buf *b, const char *v)
{
	int ret = 0;

	for (; *v && !ret; v++) {
		if (*v == '\\')
			ret = lxf_buf_adds(b, "\\\\");
		else if (*v == '"')
			ret = lxf_buf_adds(b, "\\\"");
		else if (*v == '\n')
			ret = lxf_buf_adds(b, "\\n");
		else
			ret = lxf_buf_addc(b, *v);
	}
	return ret;
}

/* A sample: NAME{LEADING LABELS,name="..",project="default",type="container"} VALUE.
 * lead: labels before name (sorted, as LXD's), already escaped, or "". */
static int sample(struct lxf_buf *b, const char *metric, const char *lead, const char *inst,
		  const char *value)
{
	int ret = lxf_buf_addf(b, "%s{%s%sname=\"", metric, lead, lead[0] ? "," : "");

	if (!ret)
		ret = api_mx_escape(b, inst);
	if (!ret)
		ret = lxf_buf_addf(b, "\",project=\"default\",type=\"container\"} %s\n", value);
	return ret;
}

static int sample_i64(struct lxf_buf *b, const char *metric, const char *lead, const char *inst,
		      int64_t v)
{
	char num[24];

	if (v < 0)
		return 0; /* unknown: left out, as LXD leaves out what it cannot read */
	snprintf(num, sizeof(num), "%" PRId64, v);
	return sample(b, metric, lead, inst, num);
}

/* lead labels device="DEV"[,more]: DEV escaped. */
static int lead_device(struct lxf_buf *lead, const char *dev, const char *more)
{
	int ret;

	lxf_buf_reset(lead);
	ret = lxf_buf_adds(lead, "device=\"");
	if (!ret)
		ret = api_mx_escape(lead, dev);
	if (!ret)
		ret = lxf_buf_addf(lead, "\"%s", more);
	return ret;
}

static int64_t disk_value(const struct backend_mx_disk *d, int f)
{
	const int64_t v[] = {d->read_bytes, d->reads, d->written_bytes, d->writes};

	return v[f];
}

static int64_t nic_value(const struct backend_mx_nic *n, int f)
{
	const int64_t v[] = {n->rx_bytes, n->rx_drop, n->rx_errs, n->rx_packets,
			     n->tx_bytes, n->tx_drop, n->tx_errs, n->tx_packets};

	return v[f];
}

static int family_samples(struct lxf_buf *b, struct lxf_buf *lead, const struct mx_family *f,
			  const struct api_mx_inst *in, const struct api_mx_fs *fs)
{
	const struct backend_mx *m = in->m;
	char num[48], more[400];
	int ret = 0;

	switch (f->kind) {
	case K_CPU:
		for (int c = 0; c < m->ncpu && !ret; c++) {
			char l[64];

			snprintf(l, sizeof(l), "cpu=\"%d\",mode=\"system\"", c);
			snprintf(num, sizeof(num), "%.6f", m->cpu[c].system);
			ret = sample(b, f->name, l, in->name, num);
			snprintf(l, sizeof(l), "cpu=\"%d\",mode=\"user\"", c);
			snprintf(num, sizeof(num), "%.6f", m->cpu[c].user);
			if (!ret)
				ret = sample(b, f->name, l, in->name, num);
		}
		return ret;
	case K_CPUS:
		return sample_i64(b, f->name, "", in->name, m->cpus_effective);
	case K_DISK:
		for (int d = 0; d < m->ndisk && !ret; d++) {
			ret = lead_device(lead, m->disk[d].name, "");
			if (!ret)
				ret = sample_i64(b, f->name, lxf_buf_str(lead), in->name,
						 disk_value(&m->disk[d], f->field));
		}
		return ret;
	case K_FS: {
		const int64_t v[] = {m->fs_avail, m->fs_free, m->fs_size};
		struct lxf_buf t = {0};

		ret = lxf_buf_adds(&t, ",fstype=\"");
		if (!ret)
			ret = api_mx_escape(&t, fs->fstype);
		if (!ret)
			ret = lxf_buf_adds(&t, "\",mountpoint=\"/\"");
		snprintf(more, sizeof(more), "%s", ret ? "" : lxf_buf_str(&t));
		lxf_buf_fini(&t);
		if (!ret)
			ret = lead_device(lead, fs->device, more);
		return ret ? ret : sample_i64(b, f->name, lxf_buf_str(lead), in->name, v[f->field]);
	}
	case K_MEM:
		return sample_i64(b, f->name, "", in->name, m->mem[f->field]);
	case K_OOM:
		return sample_i64(b, f->name, "", in->name, m->oom_kills);
	case K_NET:
		for (int n = 0; n < m->nnic && !ret; n++) {
			ret = lead_device(lead, m->nic[n].name, "");
			if (!ret)
				ret = sample_i64(b, f->name, lxf_buf_str(lead), in->name,
						 nic_value(&m->nic[n], f->field));
		}
		return ret;
	case K_PROCS:
		return sample_i64(b, f->name, "", in->name, m->procs);
	}
	return 0;
}

int api_mx_format(struct lxf_buf *b, const struct api_mx_inst *in, size_t n,
		  const struct api_mx_fs *fs)
{
	struct lxf_buf lead = {0};
	int ret = 0;

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]) && !ret; i++) {
		const struct mx_family *f = &families[i];

		ret = lxf_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
				   f->counter ? "counter" : "gauge");
		for (size_t k = 0; k < n && !ret; k++)
			if (in[k].m)
				ret = family_samples(b, &lead, f, &in[k], fs);
		if (!ret)
			ret = lxf_buf_addc(b, '\n');
	}
	lxf_buf_fini(&lead);
	return ret;
}

int api_mx_format_daemon(struct lxf_buf *b, const struct api_mx_daemon *d)
{
	int ret = lxf_buf_adds(b, "# HELP lxd_api_requests_completed_total The total number of "
				  "completed API requests.\n"
				  "# TYPE lxd_api_requests_completed_total counter\n");

	for (int e = 0; e < d->nentities && !ret; e++)
		for (int r = 0; r < HTTP_RES_COUNT && !ret; r++)
			ret =
			    lxf_buf_addf(b,
					 "lxd_api_requests_completed_total{entity_type=\"%s\","
					 "result=\"%s\"} %" PRId64 "\n",
					 d->entity[e], http_stats_result_name((enum http_result)r),
					 d->done[e][r]);
	if (!ret)
		ret =
		    lxf_buf_adds(b, "\n# HELP lxd_api_requests_ongoing The number of API requests "
				    "currently being handled.\n"
				    "# TYPE lxd_api_requests_ongoing gauge\n");
	for (int e = 0; e < d->nentities && !ret; e++)
		ret = lxf_buf_addf(b, "lxd_api_requests_ongoing{entity_type=\"%s\"} %" PRId64 "\n",
				   d->entity[e], d->ongoing[e]);
	if (!ret)
		ret =
		    lxf_buf_addf(b,
				 "\n# HELP lxd_operations_total The number of running operations\n"
				 "# TYPE lxd_operations_total gauge\nlxd_operations_total %" PRId64
				 "\n\n# HELP lxd_uptime_seconds The daemon uptime in seconds.\n"
				 "# TYPE lxd_uptime_seconds gauge\nlxd_uptime_seconds %.3f\n\n"
				 "# HELP lxd_warnings_total The number of active warnings.\n"
				 "# TYPE lxd_warnings_total gauge\nlxd_warnings_total 0\n\n"
				 "# HELP lxd_instances The number of instances.\n"
				 "# TYPE lxd_instances gauge\n"
				 "lxd_instances{type=\"container\"} %" PRId64 "\n"
				 "lxd_instances{type=\"virtual-machine\"} 0\n\n# EOF\n",
				 d->operations, d->uptime, d->instances);
	return ret;
}
