/* SPDX-License-Identifier: Apache-2.0 */
/* /1.0/operations: list, get, cancel and wait. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "events.h"
#include "http.h"
#include "json.h"
#include "op.h"

int api_operations_get(struct http_req *req, struct lxf_err *err)
{
	struct json_object *o = op_list_json(api_recursion(req));

	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return reply_sync(req, o, err);
}

static int find(struct http_req *req, struct op **op, struct lxf_err *err)
{
	*op = op_find(router_param(&req->match, "id"));
	return *op ? 0 : lxf_err_set(err, LXF_ENOENT, "Operation not found");
}

int api_operation_get(struct http_req *req, struct lxf_err *err)
{
	struct op *op = NULL;
	struct json_object *o;
	int ret = find(req, &op, err);

	if (ret < 0)
		return ret;
	o = op_to_json(op);
	op_unref(op);
	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return reply_sync(req, o, err);
}

int api_operation_delete(struct http_req *req, struct lxf_err *err)
{
	struct op *op = NULL;
	int ret = find(req, &op, err);

	if (ret == 0)
		ret = op_cancel(op, err);
	if (ret == 0) {
		char url[64];
		op_url(op, url, sizeof(url));
		events_lifecycle("operation-cancelled", url, NULL);
		ret = reply_sync(req, NULL, err);
	}
	op_unref(op);
	return ret;
}

/* Answers req with op as it is now (a finished wait, or its timeout). */
static int wait_reply(struct http_req *req, struct op *op, struct lxf_err *err)
{
	struct json_object *o = op_to_json(op);

	if (!o)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	return reply_sync(req, o, err);
}

/* op_wait_fn: completes the deferred request arg. */
static void wait_done(struct op *op, void *arg)
{
	struct http_req *req = arg;
	struct lxf_err err;

	if (wait_reply(req, op, &err) < 0) {
		lxf_err_set(&err, LXF_ENOMEM, "Out of memory");
		reply_error(req, &err);
	}
	http_req_done(req);
}

/*
 * An untrusted caller may wait only for an op whose metadata holds a
 * "secret" and who gives it (?secret=): an image pushed to this host
 * (api_image_push.c), waited for by its untrusted sender, as in LXD.
 */
static bool secret_ok(struct http_req *req, struct op *op)
{
	struct json_object *o = op_to_json(op);
	const char *want = lxf_json_str(json_object_object_get(o, "metadata"), "secret");
	char got[160];
	bool ok = want && strlen(want) >= 32 && http_query(req, "secret", got, sizeof(got)) &&
		  strlen(got) == strlen(want) && CRYPTO_memcmp(got, want, strlen(want)) == 0;

	json_object_put(o);
	return ok;
}

int api_operation_wait(struct http_req *req, struct lxf_err *err)
{
	struct op *op = NULL;
	char buf[24];
	const char *t = http_query(req, "timeout", buf, sizeof(buf));
	long timeout = -1;
	int ret;

	if (t) {
		char *end = NULL;
		timeout = strtol(t, &end, 10);
		if (!*t || *end || timeout < -1 || timeout > 86400 * 365)
			return lxf_err_set(err, LXF_EINVAL, "Invalid timeout \"%s\"", t);
	}
	ret = find(req, &op, err);
	if (ret == 0 && !req->trusted && !secret_ok(req, op)) {
		op_unref(op);
		ret = lxf_err_set(err, LXF_EPERM, "not authorized");
	}
	if (ret < 0)
		return ret;
	ret = op_wait_async(op, (int)timeout, wait_done, req, err);
	if (ret == 0)
		ret = wait_reply(req, op, err);
	else if (ret > 0)
		ret = HTTP_DEFERRED;
	op_unref(op);
	return ret;
}
