/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The instances an --all selection picks (select.h): the words sorted
 * into remotes and filters, every chosen remote asked at once, lxf list's
 * filters applied to the answers.
 */
#include "select.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "list.h"

/* Adds the remotes spec names to rems, each once. */
static int sel_add_remotes(const struct lxf_remotes *r, const char *spec,
			   const struct lxf_remote **rems, size_t *nrems, struct lxf_err *err)
{
	char **names = NULL;
	size_t n = 0;
	int rc = lxf_remotes_expand(r, spec, &names, &n, err);

	for (size_t i = 0; i < n; i++) {
		const struct lxf_remote *rem = lxf_remotes_find(r, names[i]);
		bool dup = false;

		for (size_t j = 0; rem && j < *nrems; j++)
			dup |= rems[j] == rem;
		if (rem && !dup && *nrems < r->n)
			rems[(*nrems)++] = rem;
	}
	lxf_remotes_names_free(names, n);
	return rc;
}

int lxf_sel_words(const struct lxf_remotes *r, int argc, char *const *argv,
		  const struct lxf_remote **rems, size_t *nrems, const char **filters,
		  size_t *nfilters, bool *need_state, struct lxf_err *err)
{
	int rc = 0;

	*nrems = 0;
	*nfilters = 0;
	*need_state = false;
	for (int i = 0; i < argc && rc == 0; i++) {
		const char *a = argv[i], *colon = strchr(a, ':');

		/* "key=value" may hold ':' (ipv6=fd00::1): a filter, as lxf list reads it. */
		if (strchr(a, '=') ||
		    (!colon && !lxf_remotes_is_group_spec(a) && !lxf_remotes_find(r, a))) {
			rc = lxf_list_check_filter(a, err);
			if (rc == 0)
				filters[(*nfilters)++] = a;
			*need_state |=
			    strncasecmp(a, "ipv4=", 5) == 0 || strncasecmp(a, "ipv6=", 5) == 0;
		} else if (colon && colon[1]) {
			rc = lxf_err_set(err, LXF_EUSAGE,
					 "'%s' names an instance: --all takes remotes (%.*s:) "
					 "and filters, not names",
					 a, (int)(colon - a), a);
		} else if (colon == a) {
			rc = lxf_err_set(err, LXF_EUSAGE, "bad remote in '%s'", a);
		} else {
			rc = sel_add_remotes(r, a, rems, nrems, err);
		}
	}
	return rc;
}

static int sel_item_cmp(const void *a, const void *b)
{
	return lxf_list_cmp(((const struct lxf_sel_item *)a)->inst,
			    ((const struct lxf_sel_item *)b)->inst);
}

/* Appends inst of rem to s; -LXF_ENOMEM. */
static int sel_add_item(struct lxf_sel *s, const struct lxf_remote *rem, struct json_object *inst,
			struct lxf_err *err)
{
	struct lxf_sel_item *nv = realloc(s->v, (s->n + 1) * sizeof(*nv)), *it;

	if (!nv)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	s->v = nv;
	it = &s->v[s->n];
	it->name = strdup(lxf_json_str(inst, "name"));
	if (!it->name)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	it->remote = rem;
	it->inst = json_object_get(inst);
	s->n++;
	return 0;
}

int lxf_sel_collect(const struct lxf_fleet_job *jobs, size_t njobs, const char *const *filters,
		    size_t nfilters, struct lxf_sel *out, struct lxf_err *err)
{
	for (size_t j = 0; j < njobs; j++) {
		struct json_object *arr = jobs[j].instances;

		if (jobs[j].rc) {
			struct lxf_sel_fail *nf =
			    realloc(out->fails, (out->nfails + 1) * sizeof(*nf));

			if (!nf)
				return lxf_err_set(err, LXF_ENOMEM, "out of memory");
			out->fails = nf;
			out->fails[out->nfails++] =
			    (struct lxf_sel_fail){jobs[j].remote, jobs[j].err};
			continue;
		}
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			struct json_object *inst = json_object_array_get_idx(arr, i);

			if (!json_object_is_type(inst, json_type_object) ||
			    !lxf_json_str(inst, "name"))
				continue;
			if (lxf_json_add_str(inst, "remote", jobs[j].remote->name) != 0)
				return lxf_err_set(err, LXF_ENOMEM, "out of memory");
			if (lxf_list_match(inst, filters, nfilters) &&
			    sel_add_item(out, jobs[j].remote, inst, err) != 0)
				return -LXF_ENOMEM;
		}
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), sel_item_cmp);
	return 0;
}

int lxf_select(const struct lxf_remotes *r, int argc, char *const *argv, struct lxf_sel *out,
	       struct lxf_err *err)
{
	const struct lxf_remote **rems = calloc(r->n + 1, sizeof(const struct lxf_remote *));
	const char **filters = calloc((size_t)argc + 1, sizeof(*filters));
	struct lxf_fleet_job *jobs = calloc(r->n + 1, sizeof(*jobs));
	size_t nrems = 0, nfilters = 0, njobs = 0;
	bool need_state = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!rems || !filters || !jobs) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_sel_words(r, argc, argv, rems, &nrems, filters, &nfilters, &need_state, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < nrems; i++)
		jobs[njobs++].remote = rems[i];
	for (size_t i = 0; nrems == 0 && i < r->n; i++)
		if (lxf_fleet_member(&r->v[i]))
			jobs[njobs++].remote = &r->v[i];
	/* recursion=1 has status and config, what the filters read; state only when asked. */
	rc = lxf_fleet_fetch(r, jobs, njobs,
			     need_state ? "/1.0/instances?recursion=2"
					: "/1.0/instances?recursion=1");
	if (rc) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = lxf_sel_collect(jobs, njobs, filters, nfilters, out, err);
out:
	lxf_fleet_jobs_fini(jobs, njobs);
	free(jobs);
	free(filters);
	free(rems);
	return rc;
}

void lxf_sel_fini(struct lxf_sel *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		json_object_put(s->v[i].inst);
	}
	free(s->v);
	free(s->fails);
	memset(s, 0, sizeof(*s));
}
