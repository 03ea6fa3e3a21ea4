/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target over lxfd's request path without the network: the
 * router (method, path, %-decoding, param checks) and the JSON body as
 * lxfd parses it (depth cap), then the handlers that run on the database
 * alone (server config, trust store, profiles, aliases), as an untrusted
 * and a trusted client. Input: "METHOD PATH[?QUERY]\n" then the body.
 * A scratch state dir (/tmp/lxf-fuzz.*) holds the database.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Handlers that need neither containers, operations nor the loop. */
static const route_fn safe[] = {
    api_root_get,          api_server_get,      api_server_update,      api_certificates_get,
    api_certificates_post, api_certificate_get, api_certificate_update, api_certificate_delete,
    api_profiles_get,      api_profiles_post,   api_profile_get,        api_profile_update,
    api_aliases_get,       api_alias_get,
};

static bool is_safe(route_fn fn)
{
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		if (safe[i] == fn)
			return true;
	return false;
}

static int setup(void)
{
	static int done;
	char dir[] = "/tmp/lxf-fuzz.XXXXXX", path[64];
	struct lxf_err err;

	if (done)
		return 0;
	done = 1;
	api_routes_init();
	lxf_log_open("fuzz", "/dev/null", LXF_LOG_ERROR);
	if (!mkdtemp(dir))
		return -1;
	snprintf(lxfd_conf.dir, sizeof(lxfd_conf.dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/lxf.db", dir);
	if (db_open(path, &err) < 0 || auth_init(&err) < 0) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void run(const char *method, const char *target, const uint8_t *body, size_t blen,
		bool trusted)
{
	struct http_req *req = calloc(1, sizeof(*req));
	const char *q = strchr(target, '?');
	struct lxf_err err;
	int ret;

	if (!req)
		return;
	req->upload_fd = req->file_fd = -1;
	req->trusted = trusted;
	req->tls = !trusted;
	snprintf(req->remote, sizeof(req->remote), "192.0.2.1");
	snprintf(req->path, sizeof(req->path), "%.*s",
		 (int)(q ? (size_t)(q - target) : strlen(target)), target);
	if (q)
		snprintf(req->query, sizeof(req->query), "%s", q + 1);
	lxf_err_clear(&err);
	ret = router_match(router_method(method), req->path, &req->match, &err);
	if (ret == 0 && !trusted && !(req->match.route->flags & ROUTE_F_UNTRUSTED))
		ret = -LXF_EPERM;
	if (ret == 0 && (req->match.route->flags & ROUTE_F_JSON)) {
		if (blen > req->match.route->body_cap)
			ret = -LXF_ETOOBIG;
		else if (blen == 0)
			ret = -LXF_EINVAL;
		else
			ret = lxf_json_parse((const char *)body, blen, 0, &req->json, &err);
	}
	if (ret == 0 && is_safe(req->match.route->handler))
		ret = req->match.route->handler(req, &err);
	if (ret < 0)
		reply_error(req, &err);
	json_object_put(req->json);
	lxf_buf_fini(&req->out);
	lxf_buf_fini(&req->body);
	free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[4096], method[16], target[4000];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t llen = nl ? (size_t)(nl - data) : size;

	if (setup() < 0 || llen >= sizeof(line))
		return 0;
	memcpy(line, data, llen);
	line[llen] = '\0';
	if (memchr(line, '\0', llen) || sscanf(line, "%15s %3999s", method, target) != 2)
		return 0;
	run(method, target, nl ? nl + 1 : data + size, nl ? size - llen - 1 : 0, false);
	run(method, target, nl ? nl + 1 : data + size, nl ? size - llen - 1 : 0, true);
	return 0;
}
