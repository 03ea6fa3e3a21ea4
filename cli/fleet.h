/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_FLEET_H
#define LXF_CLI_FLEET_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "remotes.h"

/*
 * One GET of every instance on each of several remotes at once, for the
 * commands that read the whole fleet (lxf list, lxf export): one client per
 * remote, all driven together (lxf_client_request_all), so a dead host
 * costs one connect timeout and hides nothing else.
 */

/* One remote's part: set remote, zero the rest; the fetch fills them. */
struct lxf_fleet_job {
	const struct lxf_remote *remote;
	struct json_object *instances; /* the array (metadata) answered; owned (json_object_put) */
	struct lxf_err err;            /* why not, when rc != 0 */
	int rc;
};

/*
 * GETs path (an instance list, "/1.0/instances?recursion=1") on every
 * job's remote at once; each job keeps its own outcome (an answer that is
 * not an array is -LXF_EIO). Returns 0, or -LXF_ENOMEM when the batch
 * could not start.
 */
int lxf_fleet_fetch(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs, size_t njobs,
		    const char *path);

/*
 * As lxf_fleet_fetch, but of each instance only the members keep names
 * (dotted paths separated by spaces, "name status state.network": a path
 * keeps all below it, and the objects on its way) are kept, cut from each
 * answer as it comes in while the others are still awaited. keep is
 * borrowed for the call.
 */
int lxf_fleet_fetch_keep(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs,
			 size_t njobs, const char *path, const char *keep);

/*
 * As lxf_fleet_fetch for any GET (images, profiles, operations): each
 * job's instances holds the answer's metadata, an array when want_array.
 */
int lxf_fleet_get(const struct lxf_remotes *remotes, struct lxf_fleet_job *jobs, size_t njobs,
		  const char *path, bool want_array);

/*
 * The one rule of who is in the fleet when no remote is named, for every
 * command that reads the fleet, lxf monitor and lxf-tui: every LXD-protocol,
 * non-public remote of config.yml, and the built-in `local` only when its
 * socket exists (the user never added it: no lxfd there, no noise).
 */
bool lxf_fleet_member(const struct lxf_remote *rem);

/*
 * Adds to jobs (room for r->n) each remote the first len bytes of spec
 * name ("h1", "@web,h9": lxf_remotes_expand), each once across calls.
 * Returns 0 or lxf_remotes_expand's error (an unknown remote or group).
 */
int lxf_fleet_add_spec(const struct lxf_remotes *r, const char *spec, size_t len,
		       struct lxf_fleet_job *jobs, size_t *njobs, struct lxf_err *err);

/* True for a word that names several remotes: "@web", "h1,h2:" (not "h1:c1"). */
bool lxf_fleet_is_list(const char *word);

/*
 * lxf_fleet_add_spec for each of argv's argc words (REMOTE, REMOTE:,
 * @GROUP or lists of them); a word with a name after ':' is -LXF_EUSAGE.
 */
int lxf_fleet_add_words(const struct lxf_remotes *r, int argc, char *const *argv,
			struct lxf_fleet_job *jobs, size_t *njobs, struct lxf_err *err);

/* Frees every job's instances. */
void lxf_fleet_jobs_fini(struct lxf_fleet_job *jobs, size_t njobs);

#endif
