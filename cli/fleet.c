/* SPDX-License-Identifier: Apache-2.0 */
/* The fleet's instance lists in one batch: see fleet.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"
#include "fleet.h"
#include "note.h"

/* The longest member path fleet_prune builds; keep's are far shorter. */
#define FLEET_PATH_MAX 256

/* The paths of a keep list, split once for every member of every answer. */
struct fleet_keep {
	size_t n;
	struct {
		const char *s;
		size_t len;
	} v[];
};

static struct fleet_keep *fleet_keep_new(const char *keep)
{
	size_t cap = 1;
	struct fleet_keep *k;

	for (const char *p = keep; *p; p++)
		cap += *p == ' ';
	k = calloc(1, sizeof(*k) + cap * sizeof(k->v[0]));
	while (k && *keep) {
		size_t n = strcspn(keep, " ");

		if (n) {
			k->v[k->n].s = keep;
			k->v[k->n++].len = n;
		}
		keep += n;
		keep += *keep == ' ';
	}
	return k;
}

/* Whether keep names path itself (2), only members below it (1), or neither (0). */
static int fleet_kept(const struct fleet_keep *keep, const char *path, size_t len)
{
	int found = 0;

	for (size_t i = 0; i < keep->n; i++) {
		size_t n = keep->v[i].len;

		if (n < len || memcmp(keep->v[i].s, path, len) != 0)
			continue;
		if (n == len)
			return 2;
		found |= keep->v[i].s[len] == '.';
	}
	return found;
}

/* Drops every member of o (at path, len bytes of buf) that keep does not name. */
static void fleet_prune(struct json_object *o, const struct fleet_keep *keep, char *buf, size_t len)
{
	json_object_object_foreach(o, key, val)
	{
		size_t klen = strlen(key), at = len ? len + 1 : 0;
		int k;

		if (at + klen >= FLEET_PATH_MAX)
			continue; /* longer than any kept path: kept, never wrongly dropped */
		if (len)
			buf[len] = '.';
		memcpy(buf + at, key, klen + 1);
		k = fleet_kept(keep, buf, at + klen);
		/* json-c's foreach has read the next entry already: key may go. */
		if (k == 0)
			json_object_object_del(o, key);
		else if (k == 1 && json_object_is_type(val, json_type_object))
			fleet_prune(val, keep, buf, at + klen);
	}
}

/* A batch member's answer, as soon as it is in: only what keep names stays
 * of each instance, and the raw body and the client (its curl handle and
 * buffers) go, so that the next answers parse into the memory this one no
 * longer needs. */
static void fleet_answer_done(struct lxf_client_req *r, void *arg)
{
	const struct fleet_keep *keep = arg;
	struct json_object *md = r->resp.metadata;
	char buf[FLEET_PATH_MAX];

	lxf_buf_fini(&r->resp.body);
	lxf_client_free(r->c);
	r->c = NULL;
	if (r->rc || !md || !json_object_is_type(md, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(md); i++) {
		struct json_object *inst = json_object_array_get_idx(md, i);

		if (json_object_is_type(inst, json_type_object))
			fleet_prune(inst, keep, buf, 0);
	}
}

static int fleet_batch(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs, size_t njobs,
		       const char *path, bool want_array, const char *keep)
{
	struct lxf_client_req *reqs = calloc(njobs ? njobs : 1, sizeof(*reqs));
	struct fleet_keep *k = keep ? fleet_keep_new(keep) : NULL;
	int rc;

	if (!reqs || (keep && !k)) {
		free(reqs);
		free(k);
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
	free(k);
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
