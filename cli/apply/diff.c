/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Desired (the spec) against live (each remote's instances as LXD's
 * GET /1.0/instances?recursion=1 gives them) into actions. Only an
 * instance's own config and devices are compared, never the expanded ones
 * (those carry the profiles'), and never the keys the server or lxf keep
 * there (volatile.*, image.*, user.lxf.*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "plan.h"

static const char *const kind_names[] = {
    [LXF_APPLY_CREATE] = "create",
    [LXF_APPLY_UPDATE] = "update",
    [LXF_APPLY_MOVE] = "move",
    [LXF_APPLY_DRIFT] = "drift",
    [LXF_APPLY_DELETE] = "delete",
    [LXF_APPLY_CONFLICT] = "conflict",
    [LXF_APPLY_UNPLACED] = "unplaced",
    [LXF_APPLY_PROFILE_CREATE] = "profile-create",
    [LXF_APPLY_PROFILE_UPDATE] = "profile-update",
};

const char *lxf_apply_kind_name(enum lxf_apply_kind k)
{
	return (unsigned)k <= LXF_APPLY_PROFILE_UPDATE ? kind_names[k] : "?";
}

struct diff_ctx {
	const struct lxf_apply_spec *spec;
	const struct lxf_apply_facts *facts;
	size_t nfacts;
	const struct lxf_apply_diff_opts *opts;
	struct lxf_apply_plan *plan;
	int ret; /* -LXF_ENOMEM once something failed */
};

static bool diff_own_key(const char *key)
{
	return strncmp(key, "volatile.", 9) == 0 || strncmp(key, "image.", 6) == 0 ||
	       strncmp(key, "user.lxf.", 9) == 0;
}

static char *diff_dup(struct diff_ctx *c, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		c->ret = -LXF_ENOMEM;
	return d;
}

static struct lxf_apply_action *diff_action(struct diff_ctx *c, enum lxf_apply_kind kind,
					    const struct lxf_apply_instance *in, const char *name,
					    const char *remote)
{
	struct lxf_apply_plan *p = c->plan;
	struct lxf_apply_action *nv, *a;

	if (c->ret)
		return NULL;
	nv = realloc(p->v, (p->n + 1) * sizeof(*nv));
	if (!nv) {
		c->ret = -LXF_ENOMEM;
		return NULL;
	}
	p->v = nv;
	a = &p->v[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->inst = in;
	a->name = diff_dup(c, name);
	a->remote = diff_dup(c, remote);
	return a;
}

/* Takes old and new (malloc'ed, either NULL) over. */
static void diff_change(struct diff_ctx *c, struct lxf_apply_action *a, enum lxf_apply_field field,
			const char *key, char *old, char *new)
{
	struct lxf_apply_change *nv, *ch;

	nv = c->ret ? NULL : realloc(a->changes, (a->nchanges + 1) * sizeof(*nv));
	if (!nv) {
		c->ret = -LXF_ENOMEM;
		free(old);
		free(new);
		return;
	}
	a->changes = nv;
	ch = &a->changes[a->nchanges++];
	ch->field = field;
	ch->key = diff_dup(c, key);
	ch->old = old;
	ch->new = new;
}

static int diff_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A device as "k=v, k=v" sorted by key; NULL on ENOMEM (c->ret set). */
static char *diff_device_text(struct diff_ctx *c, struct json_object *dev)
{
	size_t n = (size_t)json_object_object_length(dev), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	struct lxf_buf b;
	char *s = NULL;
	int ret = 0;

	lxf_buf_init(&b, 0);
	if (!keys)
		goto out;
	json_object_object_foreach(dev, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, n, sizeof(*keys), diff_cmp_str);
	for (i = 0; i < n && ret == 0; i++)
		ret = lxf_buf_addf(&b, "%s%s=%s", i ? ", " : "", keys[i],
				   json_object_get_string(json_object_object_get(dev, keys[i])));
	if (ret == 0)
		s = lxf_buf_take(&b);
out:
	if (!s)
		c->ret = -LXF_ENOMEM;
	lxf_buf_fini(&b);
	free(keys);
	return s;
}

static bool diff_same_map(struct json_object *a, struct json_object *b)
{
	if (!json_object_is_type(b, json_type_object) ||
	    json_object_object_length(a) != json_object_object_length(b))
		return false;
	json_object_object_foreach(a, k, v)
	{
		struct json_object *w = NULL;

		if (!json_object_object_get_ex(b, k, &w) ||
		    strcmp(json_object_get_string(v), json_object_get_string(w)) != 0)
			return false;
	}
	return true;
}

static void diff_config(struct diff_ctx *c, const struct lxf_apply_instance *in,
			struct json_object *live, struct lxf_apply_action *a)
{
	struct json_object *cfg = json_object_object_get(live, "config");

	json_object_object_foreach(in->config, k, v)
	{
		const char *want = json_object_get_string(v);
		const char *have = lxf_json_str(cfg, k);

		if (!have || strcmp(have, want) != 0)
			diff_change(c, a, LXF_APPLY_F_CONFIG, k, diff_dup(c, have),
				    diff_dup(c, want));
	}
	if (!json_object_is_type(cfg, json_type_object))
		return;
	json_object_object_foreach(cfg, lk, lv)
	{
		if (!diff_own_key(lk) && !json_object_object_get_ex(in->config, lk, NULL))
			diff_change(c, a, LXF_APPLY_F_CONFIG, lk,
				    diff_dup(c, json_object_get_string(lv)), NULL);
	}
}

static void diff_devices(struct diff_ctx *c, const struct lxf_apply_instance *in,
			 struct json_object *live, struct lxf_apply_action *a)
{
	struct json_object *devs = json_object_object_get(live, "devices");
	bool live_ok = json_object_is_type(devs, json_type_object);

	json_object_object_foreach(in->devices, k, v)
	{
		struct json_object *have = live_ok ? json_object_object_get(devs, k) : NULL;

		if (!have || !diff_same_map(v, have))
			diff_change(c, a, LXF_APPLY_F_DEVICE, k,
				    have ? diff_device_text(c, have) : NULL,
				    diff_device_text(c, v));
	}
	if (!live_ok)
		return;
	json_object_object_foreach(devs, lk, lv)
	{
		if (!json_object_object_get_ex(in->devices, lk, NULL))
			diff_change(c, a, LXF_APPLY_F_DEVICE, lk, diff_device_text(c, lv), NULL);
	}
}

/* "a, b" of v[0..n); NULL on ENOMEM (c->ret set). */
static char *diff_join(struct diff_ctx *c, const char *const *v, size_t n)
{
	struct lxf_buf b;
	char *s = NULL;
	int ret;

	lxf_buf_init(&b, 0);
	ret = lxf_buf_adds(&b, "");
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = lxf_buf_addf(&b, "%s%s", i ? ", " : "", v[i]);
	if (ret == 0)
		s = lxf_buf_take(&b);
	if (!s)
		c->ret = -LXF_ENOMEM;
	lxf_buf_fini(&b);
	return s;
}

static char *diff_live_profiles(struct diff_ctx *c, struct json_object *live)
{
	struct json_object *arr = json_object_object_get(live, "profiles");
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	const char **v = calloc(n ? n : 1, sizeof(*v));
	char *s;

	if (!v) {
		c->ret = -LXF_ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_object_get_string(json_object_array_get_idx(arr, i));
	s = diff_join(c, v, n);
	free(v);
	return s;
}

static void diff_profiles(struct diff_ctx *c, const struct lxf_apply_instance *in,
			  struct json_object *live, struct lxf_apply_action *a)
{
	static const char *const lxd_default[] = {"default"};
	/* No profiles in the spec: LXD's ["default"]. */
	char *want = in->has_profiles
			 ? diff_join(c, (const char *const *)in->profiles, in->nprofiles)
			 : diff_join(c, lxd_default, 1);
	char *have = diff_live_profiles(c, live);

	if (want && have && strcmp(want, have) != 0) {
		diff_change(c, a, LXF_APPLY_F_PROFILES, NULL, have, want);
		return;
	}
	free(want);
	free(have);
}

static void diff_state(struct diff_ctx *c, const struct lxf_apply_instance *in,
		       struct json_object *live, struct lxf_apply_action *a)
{
	const char *status = lxf_json_str(live, "status");
	const char *want = lxf_apply_state_name(in->state);
	char have[16] = "";

	for (size_t i = 0; status && status[i] && i + 1 < sizeof(have); i++)
		have[i] = (char)(status[i] >= 'A' && status[i] <= 'Z' ? status[i] + 32 : status[i]);
	if (strcmp(have, want) != 0)
		diff_change(c, a, LXF_APPLY_F_STATE, NULL, diff_dup(c, status ? have : NULL),
			    diff_dup(c, want));
}

/* Every in-place change of in against live into a (config, devices, profiles, state). */
static void diff_instance(struct diff_ctx *c, const struct lxf_apply_instance *in,
			  struct json_object *live, struct lxf_apply_action *a)
{
	diff_config(c, in, live, a);
	diff_devices(c, in, live, a);
	diff_profiles(c, in, live, a);
	diff_state(c, in, live, a);
}

static const char *diff_image_fp(const struct diff_ctx *c, const char *remote, const char *ref)
{
	for (size_t i = 0; i < c->opts->nimages; i++) {
		const struct lxf_apply_image *im = &c->opts->images[i];

		if (strcmp(im->remote, remote) == 0 && strcmp(im->ref, ref) == 0)
			return im->fingerprint;
	}
	return NULL;
}

/* The image differs: only --replace re-creates an instance. */
static void diff_image(struct diff_ctx *c, const struct lxf_apply_instance *in, const char *remote,
		       struct json_object *live)
{
	const char *want = diff_image_fp(c, remote, in->image);
	const char *have =
	    lxf_json_str(json_object_object_get(live, "config"), "volatile.base_image");
	struct lxf_apply_action *a;
	char reason[160];

	if (!want || !have || strncmp(have, want, strlen(want)) == 0 ||
	    strncmp(want, have, strlen(have)) == 0)
		return;
	a = diff_action(c, LXF_APPLY_DRIFT, in, in->name, remote);
	if (!a)
		return;
	(void)snprintf(reason, sizeof(reason), "image %.12s is not %s (%.12s): needs --replace %s",
		       have, in->image, want, in->name);
	a->reason = diff_dup(c, reason);
	diff_change(c, a, LXF_APPLY_F_IMAGE, NULL, diff_dup(c, have), diff_dup(c, want));
}

static struct json_object *diff_live(const struct diff_ctx *c, const char *remote, const char *name)
{
	for (size_t i = 0; i < c->nfacts; i++) {
		const struct lxf_apply_facts *f = &c->facts[i];
		size_t n;

		if (!f->up || strcmp(f->remote, remote) != 0 ||
		    !json_object_is_type(f->instances, json_type_array))
			continue;
		n = json_object_array_length(f->instances);
		for (size_t k = 0; k < n; k++) {
			struct json_object *o = json_object_array_get_idx(f->instances, k);
			const char *nm = lxf_json_str(o, "name");

			if (nm && strcmp(nm, name) == 0)
				return o;
		}
	}
	return NULL;
}

static const char *diff_stack_of(struct json_object *live)
{
	return lxf_json_str(json_object_object_get(live, "config"), LXF_APPLY_STACK_KEY);
}

static void diff_one(struct diff_ctx *c, const struct lxf_apply_instance *in,
		     const struct lxf_apply_place *p)
{
	const char *stack = c->spec->name, *tag;
	struct lxf_apply_action *a;
	struct json_object *live;
	char reason[192];

	if (!p->remote) {
		a = diff_action(c, LXF_APPLY_UNPLACED, in, in->name, NULL);
		if (a)
			a->reason = diff_dup(c, p->reason);
		return;
	}
	if (p->from) {
		live = diff_live(c, p->from, in->name);
		a = diff_action(c, LXF_APPLY_MOVE, in, in->name, p->remote);
		if (a && live) {
			a->from = diff_dup(c, p->from);
			diff_instance(c, in, live, a);
			diff_image(c, in, p->from, live);
		}
		return;
	}
	live = diff_live(c, p->remote, in->name);
	if (!live) {
		(void)diff_action(c, LXF_APPLY_CREATE, in, in->name, p->remote);
		return;
	}
	tag = diff_stack_of(live);
	if ((!tag || strcmp(tag, stack) != 0) && !c->opts->adopt) {
		a = diff_action(c, LXF_APPLY_CONFLICT, in, in->name, p->remote);
		(void)snprintf(reason, sizeof(reason),
			       "exists on %s and is not of stack %s (%s%s): --adopt takes it over",
			       p->remote, stack, tag ? "of stack " : "untagged", tag ? tag : "");
		if (a)
			a->reason = diff_dup(c, reason);
		return;
	}
	a = diff_action(c, LXF_APPLY_UPDATE, in, in->name, p->remote);
	if (!a)
		return;
	if (!tag || strcmp(tag, stack) != 0)
		diff_change(c, a, LXF_APPLY_F_CONFIG, LXF_APPLY_STACK_KEY, diff_dup(c, tag),
			    diff_dup(c, stack));
	diff_instance(c, in, live, a);
	if (!c->ret && a->nchanges == 0) {
		/* Nothing to do in place: drop the action again. */
		free(a->name);
		free(a->remote);
		c->plan->n--;
	}
	diff_image(c, in, p->remote, live);
}

static bool diff_claimed(const struct diff_ctx *c, const struct lxf_apply_place *place,
			 const char *remote, const char *name)
{
	const struct lxf_apply_instance *in = lxf_apply_spec_find(c->spec, name);
	const struct lxf_apply_place *p;

	if (!in)
		return false;
	p = &place[in - c->spec->instances];
	/* Unplaced: keep every copy until its remotes answer again. */
	return !p->remote || strcmp(p->remote, remote) == 0 ||
	       (p->from && strcmp(p->from, remote) == 0);
}

struct diff_del {
	const char *remote, *name;
};

static int diff_cmp_del(const void *a, const void *b)
{
	const struct diff_del *x = a, *y = b;
	int r = strcmp(x->remote, y->remote);

	return r ? r : strcmp(x->name, y->name);
}

/* Prune: this stack's instances on an answering remote that the file does not place there. */
static void diff_deletes(struct diff_ctx *c, const struct lxf_apply_place *place,
			 const struct lxf_apply_where *live, size_t nlive)
{
	struct diff_del *dels = calloc(nlive ? nlive : 1, sizeof(*dels));
	size_t n = 0;

	if (!dels) {
		c->ret = -LXF_ENOMEM;
		return;
	}
	for (size_t i = 0; i < nlive; i++)
		if (live[i].in_stack && !diff_claimed(c, place, live[i].remote, live[i].name))
			dels[n++] = (struct diff_del){live[i].remote, live[i].name};
	qsort(dels, n, sizeof(*dels), diff_cmp_del);
	for (size_t i = 0; i < n; i++)
		(void)diff_action(c, LXF_APPLY_DELETE, NULL, dels[i].name, dels[i].remote);
	free(dels);
}

/* Every live instance of the answering remotes, for placement. */
static int diff_wheres(const struct diff_ctx *c, struct lxf_apply_where **out, size_t *n)
{
	size_t total = 0, k = 0;
	struct lxf_apply_where *w;

	for (size_t i = 0; i < c->nfacts; i++)
		if (c->facts[i].up && json_object_is_type(c->facts[i].instances, json_type_array))
			total += json_object_array_length(c->facts[i].instances);
	w = calloc(total ? total : 1, sizeof(*w));
	if (!w)
		return -LXF_ENOMEM;
	for (size_t i = 0; i < c->nfacts; i++) {
		const struct lxf_apply_facts *f = &c->facts[i];
		size_t m;

		if (!f->up || !json_object_is_type(f->instances, json_type_array))
			continue;
		m = json_object_array_length(f->instances);
		for (size_t j = 0; j < m; j++) {
			struct json_object *o = json_object_array_get_idx(f->instances, j);
			const char *name = lxf_json_str(o, "name"), *tag = diff_stack_of(o);

			if (!name)
				continue;
			w[k].name = name;
			w[k].remote = f->remote;
			w[k].in_stack = tag && strcmp(tag, c->spec->name) == 0;
			k++;
		}
	}
	*out = w;
	*n = k;
	return 0;
}

int lxf_apply_diff(const struct lxf_apply_spec *spec, const struct lxf_apply_facts *facts,
		   size_t nfacts, const struct lxf_apply_diff_opts *opts,
		   struct lxf_apply_plan *plan, struct lxf_err *err)
{
	static const struct lxf_apply_diff_opts none = {0};
	struct diff_ctx c = {spec, facts, nfacts, opts ? opts : &none, plan, 0};
	struct lxf_apply_place *place = NULL;
	struct lxf_apply_where *live = NULL;
	size_t nlive = 0;
	int ret;

	memset(plan, 0, sizeof(*plan));
	place = calloc(spec->ninstances ? spec->ninstances : 1, sizeof(*place));
	if (!place || diff_wheres(&c, &live, &nlive) < 0) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = lxf_apply_placement(spec, facts, nfacts, live, nlive, place, err);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < spec->ninstances && !c.ret; i++)
		diff_one(&c, &spec->instances[i], &place[i]);
	if (c.opts->prune && !c.ret)
		diff_deletes(&c, place, live, nlive);
	if (c.ret)
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	if (ret < 0)
		lxf_apply_plan_fini(plan);
	free(place);
	free(live);
	return ret;
}

void lxf_apply_plan_fini(struct lxf_apply_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		struct lxf_apply_action *a = &plan->v[i];

		for (size_t k = 0; k < a->nchanges; k++) {
			free(a->changes[k].key);
			free(a->changes[k].old);
			free(a->changes[k].new);
		}
		free(a->changes);
		free(a->name);
		free(a->remote);
		free(a->from);
		free(a->reason);
	}
	free(plan->v);
	memset(plan, 0, sizeof(*plan));
}
