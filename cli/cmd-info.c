/* SPDX-License-Identifier: Apache-2.0 */
/* lxf info [REMOTE:]NAME: one instance's configuration summary and state. */
#include <stdlib.h>
#include <string.h>

#include "apply/plan.h"
#include "cmd.h"
#include "json.h"
#include "list.h"
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
out:
	if (inst)
		json_object_put(inst);
	if (state)
		json_object_put(state);
	return st;
}

const struct lxf_cmd lxf_cmd_info_entry =
    LXF_CMD_ENTRY("info", NULL, "[REMOTE:]NAME", "Show an instance's state and resources", 1, 1,
		  LXF_CMD_T_INSTANCE, 0, cmd_info_exec, {0});
