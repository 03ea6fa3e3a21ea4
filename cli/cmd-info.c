/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf info [REMOTE:]NAME [--show-log]: one instance's configuration
 * summary and state (and its lxc.log); lxf info [REMOTE:] --resources: the
 * server's CPU, memory and storage.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/plan.h"
#include "cmd.h"
#include "json.h"
#include "list.h"
#include "output.h"
#include "snap.h"

static void cmd_info_line(FILE *f, const char *label, char *val)
{
	if (val && *val) {
		/* Multi-line cells (profiles) print comma-separated here. */
		for (char *p = val; *p; p++)
			if (*p == '\n')
				*p = ',';
		fprintf(f, "%s: %s\n", label, val);
	}
	free(val);
}

static void cmd_info_network(FILE *f, struct json_object *inst)
{
	struct json_object *net = lxf_view_ifaces(inst), *a;

	if (!net)
		return;
	fputs("  Network usage:\n", f);
	json_object_object_foreach(net, ifname, iface)
	{
		fprintf(f, "    %s:\n", ifname);
		fprintf(f, "      Type: %s\n",
			lxf_json_str(iface, "type") ? lxf_json_str(iface, "type") : "");
		fprintf(f, "      State: %s\n",
			lxf_json_str(iface, "state") ? lxf_json_str(iface, "state") : "");
		if (lxf_json_str(iface, "hwaddr") && *lxf_json_str(iface, "hwaddr"))
			fprintf(f, "      MAC address: %s\n", lxf_json_str(iface, "hwaddr"));
		for (size_t i = 0; (a = lxf_view_iface_addr(iface, i)); i++) {
			const char *fam = lxf_json_str(a, "family"),
				   *ad = lxf_json_str(a, "address");
			const char *nm = lxf_json_str(a, "netmask"), *sc = lxf_json_str(a, "scope");

			fprintf(f, "      IP address: %s/%s (%s%s%s)\n", ad ? ad : "", nm ? nm : "",
				fam ? fam : "", sc ? ", " : "", sc ? sc : "");
		}
	}
}

/* "  Memory: 1.20GiB used of 7.70GiB" style lines: used may be < 0 (not known). */
static void cmd_info_usage_line(FILE *f, const char *label, long long used, long long total)
{
	char u[32], t[32];

	lxf_output_size_iec(total, t, sizeof(t));
	if (used < 0) {
		fprintf(f, "%s: %s\n", label, t);
		return;
	}
	lxf_output_size_iec(used, u, sizeof(u));
	fprintf(f, "%s: %s used of %s\n", label, u, t);
}

static long long cmd_info_num(struct json_object *o, const char *path)
{
	struct json_object *v = lxf_json_path(o, path);

	return v ? (long long)json_object_get_int64(v) : -1;
}

/* The storage pools and their space (GET /1.0/storage-pools, then each one's resources). */
static void cmd_info_pools(FILE *f, struct lxf_client *c)
{
	struct json_object *pools = NULL, *res = NULL;
	struct lxf_err err = {0};
	char path[1024];

	if (lxf_client_do(c, "GET", "/1.0/storage-pools?recursion=1", NULL, &pools, &err) != 0 ||
	    !json_object_is_type(pools, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(pools); i++) {
		const char *name = lxf_json_str(json_object_array_get_idx(pools, i), "name");
		const char *drv = lxf_json_str(json_object_array_get_idx(pools, i), "driver");
		char label[128];

		if (!name)
			continue;
		(void)snprintf(label, sizeof(label), "  Pool %s (%s)", name, drv ? drv : "?");
		if (lxf_cmd_path(path, sizeof(path), "storage-pools", name, "/resources", &err) !=
			0 ||
		    lxf_client_do(c, "GET", path, NULL, &res, &err) != 0) {
			fprintf(f, "%s: %s\n", label, err.msg);
			lxf_err_clear(&err);
			continue;
		}
		cmd_info_usage_line(f, label, cmd_info_num(res, "space.used"),
				    cmd_info_num(res, "space.total"));
		json_object_put(res);
		res = NULL;
	}
out:
	if (pools)
		json_object_put(pools);
}

/* lxf info REMOTE: --resources: what lxc info --resources shows, in short. */
static int cmd_info_resources(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			      struct lxf_client *c)
{
	struct json_object *res = NULL, *socks, *disks;
	struct lxf_err err = {0};
	FILE *f = ctx->out;
	int st = LXF_EXIT_OK;

	if (lxf_client_do(c, "GET", "/1.0/resources", NULL, &res, &err) != 0) {
		st = lxf_cmd_error(self, ctx, &err);
		goto out;
	}
	fputs("CPU:\n", f);
	cmd_info_line(f, "  Architecture",
		      lxf_json_str(lxf_json_path(res, "cpu"), "architecture")
			  ? strdup(lxf_json_str(lxf_json_path(res, "cpu"), "architecture"))
			  : NULL);
	fprintf(f, "  Threads: %lld\n", cmd_info_num(res, "cpu.total"));
	socks = lxf_json_path(res, "cpu.sockets");
	for (size_t i = 0;
	     json_object_is_type(socks, json_type_array) && i < json_object_array_length(socks);
	     i++) {
		struct json_object *s = json_object_array_get_idx(socks, i), *cores;
		const char *model = lxf_json_str(s, "name"), *vendor = lxf_json_str(s, "vendor");

		cores = lxf_json_path(s, "cores");
		fprintf(f, "  Socket %zu: %s%s%s, %zu cores\n", i, vendor ? vendor : "",
			vendor && model ? " " : "", model ? model : "",
			json_object_is_type(cores, json_type_array)
			    ? json_object_array_length(cores)
			    : 0);
	}
	fputs("\nMemory:\n", f);
	cmd_info_usage_line(f, "  Total", cmd_info_num(res, "memory.used"),
			    cmd_info_num(res, "memory.total"));
	fputs("\nStorage:\n", f);
	disks = lxf_json_path(res, "storage.disks");
	for (size_t i = 0;
	     json_object_is_type(disks, json_type_array) && i < json_object_array_length(disks);
	     i++) {
		struct json_object *d = json_object_array_get_idx(disks, i);
		const char *id = lxf_json_str(d, "id"), *model = lxf_json_str(d, "model");
		char label[160];

		(void)snprintf(label, sizeof(label), "  Disk %s%s%s", id ? id : "?",
			       model && *model ? " " : "", model ? model : "");
		cmd_info_usage_line(f, label, -1, cmd_info_num(d, "size"));
	}
	cmd_info_pools(f, c);
out:
	if (res)
		json_object_put(res);
	return st;
}

/* --show-log: the instance's lxc.log, streamed as it comes (as lxc info --show-log). */
static int cmd_info_log(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx, struct lxf_client *c,
			const char *name)
{
	struct lxf_response resp = {0};
	struct lxf_err err = {0};
	char path[1024];
	int st = LXF_EXIT_OK;

	fputs("\nLog:\n\n", ctx->out);
	(void)fflush(ctx->out);
	if (lxf_cmd_path(path, sizeof(path), "instances", name, "/logs/lxc.log", &err) != 0 ||
	    lxf_client_download(c, path, fileno(ctx->out), &resp, &err) != 0)
		st = lxf_cmd_error(self, ctx, &err);
	else if (!resp.streamed)
		(void)fwrite(resp.body.data, 1, resp.body.len, ctx->out);
	lxf_response_fini(&resp);
	return st;
}

static int cmd_info_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args)
{
	struct json_object *inst = NULL, *state = NULL;
	struct lxf_client *c = args->client;
	const char *name = args->name, *stack;
	struct lxf_err err = {0};
	char path[1024];
	int st = LXF_EXIT_OK;
	FILE *f = ctx->out;

	if (lxf_args_has(args, LXF_OPT_RESOURCES)) {
		if (*name)
			return lxf_cmd_usage_error(self, ctx,
						   "--resources shows a server: give REMOTE:");
		return cmd_info_resources(self, ctx, c);
	}
	if (!*name)
		return lxf_cmd_usage_error(
		    self, ctx, "missing instance name%s%s%s", args->target_arg ? " in '" : "",
		    args->target_arg ? args->target_arg : "", args->target_arg ? "'" : "");
	if (lxf_cmd_path(path, sizeof(path), "instances", name, NULL, &err) != 0 ||
	    lxf_client_do(c, "GET", path, NULL, &inst, &err) != 0 ||
	    lxf_cmd_path(path, sizeof(path), "instances", name, "/state", &err) != 0 ||
	    lxf_client_do(c, "GET", path, NULL, &state, &err) != 0) {
		st = lxf_cmd_error(self, ctx, &err);
		goto out;
	}
	/* The InstanceFull shape, so the list cell code applies unchanged. */
	json_object_object_add(inst, "state", json_object_get(state));
	cmd_info_line(f, "Name", lxf_list_cell(inst, 'n'));
	cmd_info_line(f, "Status", lxf_list_cell(inst, 's'));
	cmd_info_line(f, "Type", lxf_list_cell(inst, 't'));
	cmd_info_line(f, "Architecture", lxf_list_cell(inst, 'a'));
	cmd_info_line(f, "Location", lxf_list_cell(inst, 'L'));
	cmd_info_line(f, "PID", lxf_list_cell(inst, 'p'));
	cmd_info_line(f, "Created", lxf_list_cell(inst, 'c'));
	cmd_info_line(f, "Last Used", lxf_list_cell(inst, 'l'));
	cmd_info_line(f, "Profiles", lxf_list_cell(inst, 'P'));
	/* The stack of lxf-apply(1) that made it, if any: the one place it shows. */
	stack = lxf_json_str(lxf_json_path(inst, "config"), LXF_APPLY_STACK_KEY);
	cmd_info_line(f, "Stack", stack ? strdup(stack) : NULL);
	fputs("\nResources:\n", f);
	cmd_info_line(f, "  Processes", lxf_list_cell(inst, 'N'));
	cmd_info_line(f, "  CPU usage", lxf_list_cell(inst, 'u'));
	cmd_info_line(f, "  Memory usage", lxf_list_cell(inst, 'm'));
	cmd_info_network(f, inst);
	lxf_snap_print_info(f, c, name);
	if (lxf_args_has(args, LXF_OPT_SHOW_LOG))
		st = cmd_info_log(self, ctx, c, name);
out:
	if (inst)
		json_object_put(inst);
	if (state)
		json_object_put(state);
	return st;
}

const struct lxf_cmd lxf_cmd_info_entry = LXF_CMD_ENTRY(
    "info", NULL, "[REMOTE:]NAME [--show-log] | [REMOTE:] --resources",
    "Show an instance's state and resources, or a server's resources", 0, 1, LXF_CMD_T_EITHER, 0,
    cmd_info_exec, {"show-log", LXF_OPT_SHOW_LOG, no_argument, NULL, "Show the instance's lxc.log"},
    {"resources", LXF_OPT_RESOURCES, no_argument, NULL,
     "Show the server's CPU, memory and storage (REMOTE: only)"});
