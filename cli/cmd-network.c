/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf network list|show|info and lxf storage list|show: read-only views
 * of a remote's networks and storage pools.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "obj.h"
#include "output.h"

static void net_upper(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* Fills one table row from obj (a network or a pool); cells are malloc'ed. */
typedef void (*net_row_fn)(struct json_object *o, char **row);

static void net_row(struct json_object *n, char **row)
{
	struct json_object *cfg = lxf_json_path(n, "config");
	bool managed = false;

	(void)lxf_json_get_bool(n, "managed", false, &managed, NULL);
	row[0] = lxf_obj_strdup(lxf_json_str(n, "name"));
	row[1] = lxf_obj_strdup(lxf_json_str(n, "type"));
	row[2] = strdup(managed ? "YES" : "NO");
	row[3] = lxf_obj_strdup(lxf_json_str(cfg, "ipv4.address"));
	row[4] = lxf_obj_strdup(lxf_json_str(cfg, "ipv6.address"));
	row[5] = lxf_obj_strdup(lxf_json_str(n, "description"));
	row[6] = lxf_obj_used_by(n);
	row[7] = lxf_obj_strdup(lxf_json_str(n, "status"));
	net_upper(row[7]);
}

static void pool_row(struct json_object *p, char **row)
{
	row[0] = lxf_obj_strdup(lxf_json_str(p, "name"));
	row[1] = lxf_obj_strdup(lxf_json_str(p, "driver"));
	row[2] = lxf_obj_strdup(lxf_json_str(lxf_json_path(p, "config"), "source"));
	row[3] = lxf_obj_strdup(lxf_json_str(p, "description"));
	row[4] = lxf_obj_used_by(p);
	row[5] = lxf_obj_strdup(lxf_json_str(p, "status"));
	net_upper(row[5]);
}

static int net_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		    const struct lxf_cmd_args *args, const char *url, size_t ncols,
		    const char *const *headers, net_row_fn fill)
{
	struct lxf_response resp = {0};
	struct lxf_client *c = NULL;
	struct lxf_err err = {0};
	struct lxf_table t;
	char *rest = NULL, *row[8];
	int st, fmt;

	st = lxf_obj_fmt(self, ctx, args, &fmt);
	if (st)
		return st;
	lxf_table_init(&t, ncols, headers);
	if ((args->argc ? lxf_cmd_target(ctx, args->argv[0], false, &c, &rest, &err)
			: lxf_cmd_client(ctx, NULL, &c, &err)) != 0)
		goto fail;
	if (rest && *rest) {
		st = lxf_cmd_usage_error(self, ctx, "want REMOTE:, got '%s'", args->argv[0]);
		goto out;
	}
	if (lxf_client_request(c, "GET", url, NULL, &resp, &err) != 0)
		goto fail;
	if (fmt == LXF_FMT_JSON || fmt == LXF_FMT_YAML) {
		if (lxf_output_json(ctx->out, (enum lxf_fmt)fmt, resp.metadata, &err) != 0)
			goto fail;
		goto out;
	}
	for (size_t i = 0; resp.metadata && json_object_is_type(resp.metadata, json_type_array) &&
			   i < json_object_array_length(resp.metadata);
	     i++) {
		fill(json_object_array_get_idx(resp.metadata, i), row);
		if (lxf_table_add_row(&t, row) != 0) {
			lxf_err_set(&err, LXF_ENOMEM, "out of memory");
			goto fail;
		}
	}
	lxf_table_print(ctx->out, (enum lxf_fmt)fmt, &t, false);
	goto out;
fail:
	st = lxf_cmd_fail(ctx, &err);
out:
	lxf_table_fini(&t);
	lxf_response_fini(&resp);
	lxf_client_free(c);
	free(rest);
	return st;
}

/* GETs collection/NAME[suffix] into *out. */
static int net_get(struct lxf_cmd_ctx *ctx, const char *arg, const char *collection,
		   const char *suffix, struct json_object **out, struct lxf_err *err)
{
	struct lxf_client *c = NULL;
	char *name = NULL, path[1024];
	int rc;

	rc = lxf_cmd_target(ctx, arg, true, &c, &name, err);
	if (rc == 0)
		rc = lxf_cmd_path(path, sizeof(path), collection, name, suffix, err);
	if (rc == 0)
		rc = lxf_client_do(c, "GET", path, NULL, out, err);
	lxf_client_free(c);
	free(name);
	return rc;
}

static int cmd_network_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"NAME", "TYPE",        "MANAGED", "IPV4",
					      "IPV6", "DESCRIPTION", "USED BY", "STATE"};

	return net_list(self, ctx, args, "/1.0/networks?recursion=1", 8, headers, net_row);
}

static int cmd_storage_list(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	static const char *const headers[] = {"NAME",        "DRIVER",  "SOURCE",
					      "DESCRIPTION", "USED BY", "STATE"};

	return net_list(self, ctx, args, "/1.0/storage-pools?recursion=1", 6, headers, pool_row);
}

static int net_show(struct lxf_cmd_ctx *ctx, const char *arg, const char *collection)
{
	struct json_object *o = NULL;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;

	if (net_get(ctx, arg, collection, NULL, &o, &err) != 0 ||
	    lxf_obj_print_yaml(ctx->out, o, &err) != 0)
		st = lxf_cmd_fail(ctx, &err);
	if (o)
		json_object_put(o);
	return st;
}

static int cmd_network_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	(void)self;
	return net_show(ctx, args->argv[0], "networks");
}

static int cmd_storage_show(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	(void)self;
	return net_show(ctx, args->argv[0], "storage-pools");
}

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

static int cmd_network_info(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			    const struct lxf_cmd_args *args)
{
	struct json_object *s = NULL, *addrs, *cnt;
	struct lxf_err err = {0};
	const char *colon = strchr(args->argv[0], ':');
	FILE *f = ctx->out;
	int64_t mtu = 0;
	int st = LXF_EXIT_OK;

	(void)self;
	if (net_get(ctx, args->argv[0], "networks", "/state", &s, &err) != 0) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	(void)lxf_json_get_int(s, "mtu", false, &mtu, NULL);
	fprintf(f, "Name: %s\n", colon ? colon + 1 : args->argv[0]);
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
out:
	if (s)
		json_object_put(s);
	return st;
}

#define NET_FMT_OPT                                                                                \
	{                                                                                          \
		"format", 'f', required_argument, "FORMAT", "table, csv, json, yaml or compact"    \
	}

const struct lxf_cmd lxf_cmd_network_list_entry = {
    .name = "network list",
    .aliases = {"network ls"},
    .usage = "[REMOTE:] [-f FORMAT]",
    .summary = "List networks",
    .min_args = 0,
    .max_args = 1,
    .opts = {NET_FMT_OPT},
    .exec = cmd_network_list,
};

const struct lxf_cmd lxf_cmd_network_show_entry = {
    .name = "network show",
    .usage = "[REMOTE:]NETWORK",
    .summary = "Show a network as YAML",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_network_show,
};

const struct lxf_cmd lxf_cmd_network_info_entry = {
    .name = "network info",
    .usage = "[REMOTE:]NETWORK",
    .summary = "Show a network's addresses and counters",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_network_info,
};

const struct lxf_cmd lxf_cmd_storage_list_entry = {
    .name = "storage list",
    .aliases = {"storage ls"},
    .usage = "[REMOTE:] [-f FORMAT]",
    .summary = "List storage pools",
    .min_args = 0,
    .max_args = 1,
    .opts = {NET_FMT_OPT},
    .exec = cmd_storage_list,
};

const struct lxf_cmd lxf_cmd_storage_show_entry = {
    .name = "storage show",
    .usage = "[REMOTE:]POOL",
    .summary = "Show a storage pool as YAML",
    .min_args = 1,
    .max_args = 1,
    .exec = cmd_storage_show,
};
