/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's instance lists in one batch: see fleet.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"
#include "fleet.h"
#include "json-keep.h"
#include "note.h"

/* A batch member's answer, as soon as it is in: only what keep names stays
 * of each instance, and the raw body and the client (its curl handle and
 * buffers) go, so that the next answers parse into the memory this one no
 * longer needs. */
static void fleet_answer_done(struct lxf_client_req *r, void *arg)
{
	const struct lxf_json_keep *keep = arg;
	struct json_object *md = r->resp.metadata;

	lxf_buf_fini(&r->resp.body);
	lxf_client_free(r->c);
	r->c = NULL;
	if (r->rc || !md || !json_object_is_type(md, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(md); i++)
		lxf_json_keep_prune(json_object_array_get_idx(md, i), keep);
}

static int fleet_batch(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs, size_t njobs,
		       const char *path, bool want_array, const char *keep)
{
	struct lxf_client_req *reqs = calloc(njobs ? njobs : 1, sizeof(*reqs));
	struct lxf_json_keep *k = keep ? lxf_json_keep_new(keep) : NULL;
	int rc;

	if (!reqs || (keep && !k)) {
		free(reqs);
		lxf_json_keep_free(k);
		return -LXF_ENOMEM;
	}
	for (size_t j = 0; j < njobs; j++) {
		reqs[j].method = "GET";
		reqs[j].path = path;
		reqs[j].last = true;
		if (k) {
			reqs[j].done = fleet_answer_done;
			reqs[j].done_arg = k;
		}
		jobs[j].rc = lxf_remotes_client(remotes, jobs[j].remote, &reqs[j].c, &jobs[j].err);
	}
	rc = lxf_client_request_all_note(reqs, njobs, lxf_cli_waiting_note, stderr);
	for (size_t j = 0; j < njobs; j++) {
		struct json_object *md = reqs[j].resp.metadata;

		if (jobs[j].rc)
			continue; /* no client: jobs[j] holds why */
		if (reqs[j].rc) {
			jobs[j].rc = reqs[j].rc;
			jobs[j].err = reqs[j].err;
		} else if (!md || (want_array && !json_object_is_type(md, json_type_array))) {
			jobs[j].rc =
			    lxf_err_set(&jobs[j].err, LXF_EIO, "the answer to %s is not %s", path,
					want_array ? "an array" : "an object");
		} else {
			jobs[j].instances = json_object_get(md);
		}
		lxf_response_fini(&reqs[j].resp);
		lxf_client_free(reqs[j].c);
	}
	free(reqs);
	lxf_json_keep_free(k);
	return rc;
}

int lxf_fleet_fetch(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs, size_t njobs,
		    const char *path)
{
	return fleet_batch(remotes, jobs, njobs, path, true, NULL);
}

int lxf_fleet_fetch_keep(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs,
			 size_t njobs, const char *path, const char *keep)
{
	return fleet_batch(remotes, jobs, njobs, path, true, keep);
}

int lxf_fleet_get(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs, size_t njobs,
		  const char *path, bool want_array)
{
	return fleet_batch(remotes, jobs, njobs, path, want_array, NULL);
}

bool lxf_fleet_member(const struct lxf_remote *rem)
{
	struct stat st;
	char path[4096];

	/* Image servers (simplestreams) and public remotes hold no containers. */
	if ((rem->protocol && strcmp(rem->protocol, "lxd") != 0) || rem->public)
		return false;
	if (!rem->is_static)
		return true;
	if (lxf_remote_socket_path(rem, path, sizeof(path), NULL) != 0)
		return true;
	return stat(path, &st) == 0;
}

void lxf_fleet_jobs_fini(struct lxf_fleet_job *jobs, size_t njobs)
{
	for (size_t j = 0; jobs && j < njobs; j++)
		if (jobs[j].instances) {
			json_object_put(jobs[j].instances);
			jobs[j].instances = NULL;
		}
}

bool lxf_fleet_is_list(const char *word)
{
	return lxf_remotes_is_group_spec(word) || memchr(word, ',', strcspn(word, ":"));
}

int lxf_fleet_add_words(const struct lxf_remotes *r, int argc, char *const *argv,
			struct lxf_fleet_job *jobs, size_t *njobs, struct lxf_err *err)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		size_t len = strcspn(a, ":");
		int rc;

		if (a[len] && a[len + 1])
			return lxf_err_set(err, LXF_EUSAGE,
					   "'%s' is not a remote (REMOTE or REMOTE:)", a);
		rc = lxf_fleet_add_spec(r, a, len, jobs, njobs, err);
		if (rc)
			return rc;
	}
	return 0;
}

int lxf_fleet_add_spec(const struct lxf_remotes *r, const char *spec, size_t len,
		       struct lxf_fleet_job *jobs, size_t *njobs, struct lxf_err *err)
{
	char *copy = strndup(spec, len), **names = NULL;
	size_t n = 0;
	int rc;

	if (!copy)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	rc = lxf_remotes_expand(r, copy, &names, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct lxf_remote *rem = lxf_remotes_find(r, names[i]);
		bool dup = false;

		for (size_t j = 0; j < *njobs; j++)
			dup |= jobs[j].remote == rem;
		if (!dup)
			jobs[(*njobs)++].remote = rem;
	}
	lxf_remotes_names_free(names, n);
	free(copy);
	return rc;
}
