/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Placement over an instance's allowed remotes: sticky first (what exists
 * stays, so re-applying moves nothing), then the rest by fewest instances
 * of the stack, most free memory and name, so that the same facts always
 * give the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static const struct lxf_apply_facts *place_facts(const struct lxf_apply_facts *facts, size_t n,
						 const char *remote)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(facts[i].remote, remote) == 0)
			return &facts[i];
	return NULL;
}

static bool place_allowed(const struct lxf_apply_instance *in, const char *remote)
{
	for (size_t i = 0; i < in->nremotes; i++)
		if (strcmp(in->remotes[i], remote) == 0)
			return true;
	return false;
}

/* Sticky: the allowed remote it exists on (first by name when on several). */
static const char *place_sticky(const struct lxf_apply_instance *in,
				const struct lxf_apply_where *live, size_t nlive)
{
	const char *best = NULL;

	for (size_t i = 0; i < nlive; i++)
		if (strcmp(live[i].name, in->name) == 0 && place_allowed(in, live[i].remote) &&
		    (!best || strcmp(live[i].remote, best) < 0))
			best = live[i].remote;
	return best;
}

/* The remote of this stack's copy it lives on elsewhere (a move's source). */
static const char *place_elsewhere(const struct lxf_apply_instance *in,
				   const struct lxf_apply_where *live, size_t nlive)
{
	const char *best = NULL;

	for (size_t i = 0; i < nlive; i++)
		if (live[i].in_stack && strcmp(live[i].name, in->name) == 0 &&
		    (!best || strcmp(live[i].remote, best) < 0))
			best = live[i].remote;
	return best;
}

/* Index of facts f in the array, for the per-remote counters. */
static size_t place_idx(const struct lxf_apply_facts *facts, const struct lxf_apply_facts *f)
{
	return (size_t)(f - facts);
}

/* Counts the stack's instances that stay where they are (not moving away). */
static void place_count(const struct lxf_apply_spec *spec, const struct lxf_apply_facts *facts,
			size_t nfacts, const struct lxf_apply_where *live, size_t nlive,
			const struct lxf_apply_place *out, size_t *count)
{
	for (size_t i = 0; i < nlive; i++) {
		const struct lxf_apply_facts *f = place_facts(facts, nfacts, live[i].remote);
		const struct lxf_apply_instance *in;
		size_t k;

		if (!f || !live[i].in_stack)
			continue;
		in = lxf_apply_spec_find(spec, live[i].name);
		k = in ? (size_t)(in - spec->instances) : 0;
		if (in && (!out[k].remote || strcmp(out[k].remote, live[i].remote) != 0))
			continue;
		count[place_idx(facts, f)]++;
	}
}

static void place_new(const struct lxf_apply_instance *in, const struct lxf_apply_facts *facts,
		      size_t nfacts, size_t *count, struct lxf_apply_place *p)
{
	const struct lxf_apply_facts *best = NULL;

	for (size_t r = 0; r < in->nremotes; r++) {
		const struct lxf_apply_facts *f = place_facts(facts, nfacts, in->remotes[r]);
		size_t fi, bi;

		if (!f || !f->up)
			continue;
		if (!best) {
			best = f;
			continue;
		}
		fi = place_idx(facts, f);
		bi = place_idx(facts, best);
		if (count[fi] != count[bi]) {
			if (count[fi] < count[bi])
				best = f;
		} else if (f->mem_free != best->mem_free) {
			if (f->mem_free > best->mem_free)
				best = f;
		} else if (strcmp(f->remote, best->remote) < 0) {
			best = f;
		}
	}
	if (!best) {
		(void)snprintf(p->reason, sizeof(p->reason), "none of its remotes is up");
		return;
	}
	p->remote = best->remote;
	count[place_idx(facts, best)]++;
}

int lxf_apply_placement(const struct lxf_apply_spec *spec, const struct lxf_apply_facts *facts,
			size_t nfacts, const struct lxf_apply_where *live, size_t nlive,
			struct lxf_apply_place *out, struct lxf_err *err)
{
	size_t *count = calloc(nfacts ? nfacts : 1, sizeof(*count));
	bool *pending = calloc(spec->ninstances ? spec->ninstances : 1, sizeof(*pending));
	int ret = 0;

	if (!count || !pending) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	/* First what stays, and what cannot be placed while a remote is down. */
	for (size_t i = 0; i < spec->ninstances; i++) {
		const struct lxf_apply_instance *in = &spec->instances[i];
		const char *down = NULL;
		bool any_up = false;

		memset(&out[i], 0, sizeof(out[i]));
		out[i].remote = place_sticky(in, live, nlive);
		if (out[i].remote)
			continue;
		for (size_t r = 0; r < in->nremotes; r++) {
			const struct lxf_apply_facts *f =
			    place_facts(facts, nfacts, in->remotes[r]);

			if (f && f->up)
				any_up = true;
			else if (!down)
				down = in->remotes[r];
		}
		if (down) {
			(void)snprintf(out[i].reason, sizeof(out[i].reason),
				       any_up ? "remote %s is down and may hold it"
					      : "remote %s is down",
				       down);
			continue;
		}
		out[i].from = place_elsewhere(in, live, nlive);
		pending[i] = true;
	}
	place_count(spec, facts, nfacts, live, nlive, out, count);
	/* Then the rest, in the file's order, each choice counting for the next. */
	for (size_t i = 0; i < spec->ninstances; i++)
		if (pending[i])
			place_new(&spec->instances[i], facts, nfacts, count, &out[i]);
out:
	free(count);
	free(pending);
	return ret;
}
