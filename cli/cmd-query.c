/* SPDX-License-Identifier: Apache-2.0 */
/* lxf query [-X METHOD] [-d DATA] [--raw] [--wait] [REMOTE:]PATH: a raw API call. */
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "output.h"

static bool cmd_query_method_ok(const char *m)
{
	static const char *const ok[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(m, ok[i]) == 0)
			return true;
	return false;
}

/* -X METHOD (GET, or POST with -d) and -d DATA parsed into *body (NULL without -d). */
static int cmd_query_opts(const struct lxf_cmd_args *args, const char **method,
			  struct json_object **body, struct lxf_err *err)
{
	const char *data = lxf_args_get(args, 'd');
	int rc;

	*body = NULL;
	*method = lxf_args_get(args, 'X');
	if (!*method)
		*method = data ? "POST" : "GET";
	if (!cmd_query_method_ok(*method))
		return lxf_err_set(err, LXF_EUSAGE, "unknown method '%s'", *method);
	if (!data)
		return 0;
	rc = lxf_json_parse(data, strlen(data), 0, body, err);
	if (rc)
		lxf_err_prefix(err, "bad --data");
	return rc;
}

static int cmd_query_check(const struct lxf_cmd *self, const struct lxf_cmd_args *args,
			   struct lxf_err *err)
{
	struct json_object *body = NULL;
	const char *method;
	int rc = cmd_query_opts(args, &method, &body, err);

	(void)self;
	if (body)
		json_object_put(body);
	return rc;
}

static int cmd_query_exec(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args)
{
	struct json_object *body = NULL, *op = NULL;
	struct lxf_response resp = {0};
	struct lxf_client *c = args->client;
	const char *path = args->name, *method;
	struct lxf_err err = {0};
	int st = LXF_EXIT_OK;
	int rc = cmd_query_opts(args, &method, &body, &err); /* checked already */

	(void)self;
	if (rc == 0 && path[0] != '/')
		rc = lxf_err_set(&err, LXF_EINVAL, "query path must start with /");
	if (rc == 0)
		rc = lxf_client_request(c, method, path, body, &resp, &err);
	if (lxf_args_has(args, LXF_OPT_RAW) && resp.body.len) {
		/* --raw shows what the server sent, errors included. */
		(void)fwrite(lxf_buf_str(&resp.body), 1, resp.body.len, ctx->out);
		if (resp.body.data[resp.body.len - 1] != '\n')
			fputc('\n', ctx->out);
		st = rc ? lxf_code_exit(err.code) : LXF_EXIT_OK;
		goto out;
	}
	if (rc) {
		st = lxf_cmd_fail(ctx, &err);
		goto out;
	}
	if (!resp.envelope) {
		(void)fwrite(lxf_buf_str(&resp.body), 1, resp.body.len, ctx->out);
		goto out;
	}
	if (resp.type == LXF_RESP_ASYNC && resp.operation && lxf_args_has(args, LXF_OPT_WAIT)) {
		if (lxf_client_wait_op(c, resp.operation, -1, &op, &err) != 0) {
			st = lxf_cmd_fail(ctx, &err);
			goto out;
		}
		(void)lxf_output_json(ctx->out, LXF_FMT_JSON, op, &err);
		goto out;
	}
	if (resp.metadata)
		(void)lxf_output_json(ctx->out, LXF_FMT_JSON, resp.metadata, &err);
out:
	if (body)
		json_object_put(body);
	if (op)
		json_object_put(op);
	lxf_response_fini(&resp);
	return st;
}

const struct lxf_cmd lxf_cmd_query_entry = {
    .name = "query",
    .usage = "[-X METHOD] [-d DATA] [--raw] [--wait] [REMOTE:]PATH",
    .summary = "Send a raw request to a remote's API",
    .min_args = 1,
    .max_args = 1,
    .target = LXF_CMD_T_INSTANCE, /* its name is the path */
    .opts =
	{
	    {"request", 'X', required_argument, "METHOD",
	     "HTTP method (default GET, POST with -d)"},
	    {"data", 'd', required_argument, "DATA", "JSON request body"},
	    {"raw", LXF_OPT_RAW, no_argument, NULL, "Print the raw response envelope"},
	    {"wait", LXF_OPT_WAIT, no_argument, NULL, "Wait for an async operation and print it"},
	},
    .check = cmd_query_check,
    .exec = cmd_query_exec,
};
