/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf network list|show|info and lxf storage list|show: read-only views
 * of a remote's networks and storage pools; all but info are the generic
 * object verbs (obj-verbs.c).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "output.h"

static const struct lxf_obj_desc net_desc = {
    .collection = "networks",
    .cols = {{"NAME", LXF_CELL_STR, "name"},
	     {"TYPE", LXF_CELL_STR, "type"},
	     {"MANAGED", LXF_CELL_YES_NO, "managed"},
	     {"IPV4", LXF_CELL_STR, "ipv4.address", "config"},
	     {"IPV6", LXF_CELL_STR, "ipv6.address", "config"},
	     {"DESCRIPTION", LXF_CELL_STR, "description"},
	     {"USED BY", LXF_CELL_COUNT, "used_by"},
	     {"STATE", LXF_CELL_UPPER, "status"}},
};

static const struct lxf_obj_desc pool_desc = {
    .collection = "storage-pools",
    .cols = {{"NAME", LXF_CELL_STR, "name"},
	     {"DRIVER", LXF_CELL_STR, "driver"},
	     {"SOURCE", LXF_CELL_STR, "source", "config"},
	     {"DESCRIPTION", LXF_CELL_STR, "description"},
	     {"USED BY", LXF_CELL_COUNT, "used_by"},
	     {"STATE", LXF_CELL_UPPER, "status"}},
};

static void net_counter(FILE *f, struct json_object *cnt, const char *label, const char *key,
			bool bytes)
{
	int64_t v = 0;
	char tmp[64];

	(void)lxf_json_get_int(cnt, key, false, &v, NULL);
	if (bytes)
		lxf_output_size_iec(v, tmp, sizeof(tmp));
	else
		(void)snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
	fprintf(f, "  %s: %s\n", label, tmp);
}

static int net_info(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args, struct lxf_obj_ref *r, struct lxf_err *err)
{
	struct json_object *s, *addrs, *cnt;
	FILE *f = ctx->out;
	int64_t mtu = 0;
	int rc;

	(void)self;
	(void)args;
	rc = lxf_obj_path_add(r, "/state", err);
	if (rc == 0)
		rc = lxf_obj_get(r->c, r->path, &r->o, err);
	if (rc)
		return rc;
	s = r->o.full;
	(void)lxf_json_get_int(s, "mtu", false, &mtu, NULL);
	fprintf(f, "Name: %s\n", r->name);
	fprintf(f, "MAC address: %s\n", lxf_json_str(s, "hwaddr") ? lxf_json_str(s, "hwaddr") : "");
	fprintf(f, "MTU: %lld\n", (long long)mtu);
	fprintf(f, "State: %s\n", lxf_json_str(s, "state") ? lxf_json_str(s, "state") : "");
	fprintf(f, "Type: %s\n", lxf_json_str(s, "type") ? lxf_json_str(s, "type") : "");
	addrs = lxf_json_path(s, "addresses");
	if (addrs && json_object_is_type(addrs, json_type_array) &&
	    json_object_array_length(addrs)) {
		fputs("\nIP addresses:\n", f);
		for (size_t i = 0; i < json_object_array_length(addrs); i++) {
			struct json_object *a = json_object_array_get_idx(addrs, i);
			const char *fam = lxf_json_str(a, "family"), *sc = lxf_json_str(a, "scope");

			fprintf(f, "  %s\t%s/%s (%s)\n",
				fam && strcmp(fam, "inet6") == 0 ? "inet6" : "inet",
				lxf_json_str(a, "address") ? lxf_json_str(a, "address") : "",
				lxf_json_str(a, "netmask") ? lxf_json_str(a, "netmask") : "",
				sc ? sc : "");
		}
	}
	cnt = lxf_json_path(s, "counters");
	if (cnt) {
		fputs("\nNetwork usage:\n", f);
		net_counter(f, cnt, "Bytes received", "bytes_received", true);
		net_counter(f, cnt, "Bytes sent", "bytes_sent", true);
		net_counter(f, cnt, "Packets received", "packets_received", false);
		net_counter(f, cnt, "Packets sent", "packets_sent", false);
	}
	return 0;
}

LXF_OBJ_EXEC(cmd_network_info, LXF_OBJ_RUN_NOGET, net_info)

const struct lxf_cmd lxf_cmd_network_list_entry = LXF_OBJ_FLEET_LIST_ENTRY(
    "network", "[REMOTE:...]", "List the networks of every remote", &net_desc);
const struct lxf_cmd lxf_cmd_network_show_entry =
    LXF_OBJ_ENTRY("network show", NULL, "[REMOTE:]NETWORK", "Show a network as YAML", 1, 1,
		  lxf_obj_show, &net_desc);
const struct lxf_cmd lxf_cmd_network_info_entry =
    LXF_OBJ_ENTRY("network info", NULL, "[REMOTE:]NETWORK",
		  "Show a network's addresses and counters", 1, 1, cmd_network_info, &net_desc);
const struct lxf_cmd lxf_cmd_storage_list_entry = LXF_OBJ_FLEET_LIST_ENTRY(
    "storage", "[REMOTE:...]", "List the storage pools of every remote", &pool_desc);
const struct lxf_cmd lxf_cmd_storage_show_entry =
    LXF_OBJ_ENTRY("storage show", NULL, "[REMOTE:]POOL", "Show a storage pool as YAML", 1, 1,
		  lxf_obj_show, &pool_desc);
