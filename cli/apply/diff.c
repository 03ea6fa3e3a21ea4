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
	/* Per spec instance: the remote it is made or kept on, whose profiles
	 * it needs there (NULL: none, it is left alone); and the remote of
	 * a copy to delete because it is re-created elsewhere. */
	const char **needs;
	const char **del_from;
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

/* want (the file's) against have (live, may be NULL); with own, the server's and lxf's keys are skipped. */
static void diff_config(struct diff_ctx *c, struct json_object *want, struct json_object *have,
			bool own, struct lxf_apply_action *a)
{
	json_object_object_foreach(want, k, v)
	{
		const char *w = json_object_get_string(v);
		const char *h = lxf_json_str(have, k);

		if (!h || strcmp(h, w) != 0)
			diff_change(c, a, LXF_APPLY_F_CONFIG, k, diff_dup(c, h), diff_dup(c, w));
	}
	if (!json_object_is_type(have, json_type_object))
		return;
	json_object_object_foreach(have, lk, lv)
	{
		if (!(own && diff_own_key(lk)) && !json_object_object_get_ex(want, lk, NULL))
			diff_change(c, a, LXF_APPLY_F_CONFIG, lk,
				    diff_dup(c, json_object_get_string(lv)), NULL);
	}
}

static void diff_devices(struct diff_ctx *c, struct json_object *want, struct json_object *devs,
			 struct lxf_apply_action *a)
{
	bool live_ok = json_object_is_type(devs, json_type_object);

	json_object_object_foreach(want, k, v)
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
		if (!json_object_object_get_ex(want, lk, NULL))
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
	diff_config(c, in->config, json_object_object_get(live, "config"), true, a);
	diff_devices(c, in->devices, json_object_object_get(live, "devices"), a);
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

/* The image it has (volatile.base_image) when it is not the file's resolved one, else NULL. */
static const char *diff_image_drift(const struct diff_ctx *c, const struct lxf_apply_instance *in,
				    const char *remote, struct json_object *live, const char **want)
{
	const char *have =
	    lxf_json_str(json_object_object_get(live, "config"), "volatile.base_image");

	*want = diff_image_fp(c, remote, in->image);
	/* Either may be a prefix of the other: export writes 12 characters. */
	if (!*want || !have || strncmp(have, *want, strlen(*want)) == 0 ||
	    strncmp(*want, have, strlen(have)) == 0)
		return NULL;
	return have;
}

/* The image differs: only --replace re-creates an instance. */
static void diff_image(struct diff_ctx *c, const struct lxf_apply_instance *in, const char *remote,
		       struct json_object *live)
{
	const char *want = NULL, *have = diff_image_drift(c, in, remote, live, &want);
	struct lxf_apply_action *a;
	char reason[160];

	if (!have)
		return;
	a = diff_action(c, LXF_APPLY_DRIFT, in, in->name, remote);
	if (!a)
		return;
	(void)snprintf(reason, sizeof(reason), "image %.12s is not %s (%.12s): needs --replace %s",
		       have, in->image, want, in->name);
	a->reason = diff_dup(c, reason);
	diff_change(c, a, LXF_APPLY_F_IMAGE, NULL, diff_dup(c, have), diff_dup(c, want));
}

/* An element of the array arr (objects) whose "name" is name, or NULL. */
static struct json_object *diff_named(struct json_object *arr, const char *name)
{
	size_t n = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;

	for (size_t k = 0; k < n; k++) {
		struct json_object *o = json_object_array_get_idx(arr, k);
		const char *nm = lxf_json_str(o, "name");

		if (nm && strcmp(nm, name) == 0)
			return o;
	}
	return NULL;
}

static const struct lxf_apply_facts *diff_facts(const struct diff_ctx *c, const char *remote)
{
	for (size_t i = 0; i < c->nfacts; i++)
		if (c->facts[i].up && strcmp(c->facts[i].remote, remote) == 0)
			return &c->facts[i];
	return NULL;
}

static struct json_object *diff_live(const struct diff_ctx *c, const char *remote, const char *name)
{
	const struct lxf_apply_facts *f = diff_facts(c, remote);

	return f ? diff_named(f->instances, name) : NULL;
}

static const char *diff_stack_of(struct json_object *live)
{
	return lxf_json_str(json_object_object_get(live, "config"), LXF_APPLY_STACK_KEY);
}

static bool diff_listed(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

/* --only: is name one of them (or is there no --only)? */
static bool diff_selected(const struct diff_ctx *c, const char *name)
{
	return !c->opts->only || diff_listed(c->opts->only, c->opts->nonly, name);
}

/* Does live already match in in every compared field (config, devices, profiles, state, image)? */
static bool diff_matches(struct diff_ctx *c, const struct lxf_apply_instance *in,
			 const char *remote, struct json_object *live)
{
	struct lxf_apply_action scratch = {0};
	const char *want = NULL;
	bool same;

	diff_instance(c, in, live, &scratch);
	same = scratch.nchanges == 0 && !diff_image_drift(c, in, remote, live, &want);
	for (size_t k = 0; k < scratch.nchanges; k++) {
		free(scratch.changes[k].key);
		free(scratch.changes[k].old);
		free(scratch.changes[k].new);
	}
	free(scratch.changes);
	return same;
}

/* An instance not of this stack without --adopt: left alone when it matches, else a conflict. */
static void diff_foreign(struct diff_ctx *c, const struct lxf_apply_instance *in,
			 const char *remote, struct json_object *live, const char *tag)
{
	struct lxf_apply_action *a;
	char reason[192];

	if (diff_matches(c, in, remote, live))
		return;
	a = diff_action(c, LXF_APPLY_CONFLICT, in, in->name, remote);
	(void)snprintf(reason, sizeof(reason),
		       "exists on %s and is not of stack %s (%s%s): --adopt takes it over", remote,
		       c->spec->name, tag ? "of stack " : "untagged", tag ? tag : "");
	if (a)
		a->reason = diff_dup(c, reason);
}

/*
 * Why live is to be made again rather than changed: it is half-made (of
 * this stack without the done key), or --replace names it and its image
 * drifted. NULL: it is changed in place.
 */
static const char *diff_recreate(const struct diff_ctx *c, const struct lxf_apply_instance *in,
				 const char *remote, struct json_object *live, bool ours)
{
	const char *want = NULL;

	if (ours && !lxf_json_str(json_object_object_get(live, "config"), LXF_APPLY_DONE_KEY))
		return "replaces a half-made one";
	if (diff_listed(c->opts->replace, c->opts->nreplace, in->name) &&
	    diff_image_drift(c, in, remote, live, &want))
		return "--replace";
	return NULL;
}

static void diff_one(struct diff_ctx *c, size_t idx, const struct lxf_apply_place *p)
{
	const struct lxf_apply_instance *in = &c->spec->instances[idx];
	const char *tag, *src, *why;
	struct lxf_apply_action *a;
	struct json_object *live;
	bool ours;

	if (!p->remote) {
		a = diff_action(c, LXF_APPLY_UNPLACED, in, in->name, NULL);
		if (a)
			a->reason = diff_dup(c, p->reason);
		return;
	}
	src = p->from ? p->from : p->remote;
	live = diff_live(c, src, in->name);
	c->needs[idx] = p->remote;
	if (!live) {
		(void)diff_action(c, LXF_APPLY_CREATE, in, in->name, p->remote);
		return;
	}
	tag = diff_stack_of(live);
	ours = tag && strcmp(tag, c->spec->name) == 0;
	if (!ours && !c->opts->adopt) {
		c->needs[idx] = NULL;
		diff_foreign(c, in, src, live, tag);
		return;
	}
	why = diff_recreate(c, in, src, live, ours);
	if (why) {
		a = diff_action(c, LXF_APPLY_CREATE, in, in->name, p->remote);
		if (a)
			a->reason = diff_dup(c, why);
		/* Made anew on the target: the old copy goes, there first or after. */
		if (a && p->from)
			c->del_from[idx] = p->from;
		else if (a)
			a->replace = true;
		return;
	}
	a = diff_action(c, p->from ? LXF_APPLY_MOVE : LXF_APPLY_UPDATE, in, in->name, p->remote);
	if (!a)
		return;
	a->from = diff_dup(c, p->from);
	if (!ours) {
		a->adopt = true;
		diff_change(c, a, LXF_APPLY_F_CONFIG, LXF_APPLY_STACK_KEY, diff_dup(c, tag),
			    diff_dup(c, c->spec->name));
	}
	diff_instance(c, in, live, a);
	if (!c->ret && !p->from && a->nchanges == 0) {
		/* Nothing to do in place: drop the action again. */
		free(a->name);
		free(a->remote);
		c->plan->n--;
	}
	diff_image(c, in, src, live);
}

/* --- profiles of the file, on the remotes whose instances use them --- */

struct diff_use {
	const char *remote;
	const struct lxf_apply_profile *profile;
};

static int diff_cmp_use(const void *a, const void *b)
{
	const struct diff_use *x = a, *y = b;
	int r = strcmp(x->remote, y->remote);

	return r ? r : strcmp(x->profile->name, y->profile->name);
}

static const struct lxf_apply_profile *diff_spec_profile(const struct lxf_apply_spec *spec,
							 const char *name)
{
	for (size_t i = 0; i < spec->nprofiles; i++)
		if (strcmp(spec->profiles[i].name, name) == 0)
			return &spec->profiles[i];
	return NULL;
}

/* One profile on one remote: create it, or update what differs (PUT replaces it whole). */
static void diff_profile(struct diff_ctx *c, const struct diff_use *u)
{
	const struct lxf_apply_facts *f = diff_facts(c, u->remote);
	struct json_object *want = u->profile->obj;
	struct json_object *have = f ? diff_named(f->profiles, u->profile->name) : NULL;
	const char *wd, *hd;
	struct lxf_apply_action *a;

	a = diff_action(c, have ? LXF_APPLY_PROFILE_UPDATE : LXF_APPLY_PROFILE_CREATE, NULL,
			u->profile->name, u->remote);
	if (!a)
		return;
	a->profile = u->profile;
	if (!have)
		return;
	diff_config(c, json_object_object_get(want, "config"),
		    json_object_object_get(have, "config"), false, a);
	diff_devices(c, json_object_object_get(want, "devices"),
		     json_object_object_get(have, "devices"), a);
	wd = lxf_json_str(want, "description");
	hd = lxf_json_str(have, "description");
	if (strcmp(wd ? wd : "", hd ? hd : "") != 0)
		diff_change(c, a, LXF_APPLY_F_DESCRIPTION, NULL, diff_dup(c, hd ? hd : ""),
			    diff_dup(c, wd ? wd : ""));
	if (!c->ret && a->nchanges == 0) {
		free(a->name);
		free(a->remote);
		c->plan->n--;
	}
}

/* Every (remote, profile of the file) that a kept or made instance uses, sorted, once each. */
static void diff_profiles_plan(struct diff_ctx *c)
{
	static const char *const lxd_default[] = {"default"};
	const struct lxf_apply_spec *spec = c->spec;
	struct diff_use *uses = NULL;
	size_t n = 0, max = 0;

	for (size_t i = 0; i < spec->ninstances; i++)
		max += spec->instances[i].has_profiles ? spec->instances[i].nprofiles : 1;
	uses = calloc(max ? max : 1, sizeof(*uses));
	if (!uses) {
		c->ret = -LXF_ENOMEM;
		return;
	}
	for (size_t i = 0; i < spec->ninstances; i++) {
		const struct lxf_apply_instance *in = &spec->instances[i];
		const char *const *names =
		    in->has_profiles ? (const char *const *)in->profiles : lxd_default;
		size_t nn = in->has_profiles ? in->nprofiles : 1;

		for (size_t k = 0; c->needs[i] && k < nn; k++) {
			const struct lxf_apply_profile *pr = diff_spec_profile(spec, names[k]);

			if (pr)
				uses[n++] = (struct diff_use){c->needs[i], pr};
		}
	}
	qsort(uses, n, sizeof(*uses), diff_cmp_use);
	for (size_t i = 0; i < n && !c->ret; i++)
		if (i == 0 || diff_cmp_use(&uses[i - 1], &uses[i]) != 0)
			diff_profile(c, &uses[i]);
	free(uses);
}

/* Moves plan->v[from..n) to the front, keeping both parts' order. */
static void diff_to_front(struct diff_ctx *c, size_t from)
{
	struct lxf_apply_plan *p = c->plan;
	size_t tail = p->n - from;
	struct lxf_apply_action *tmp;

	if (tail == 0 || from == 0)
		return;
	tmp = malloc(tail * sizeof(*tmp));
	if (!tmp) {
		c->ret = -LXF_ENOMEM;
		return;
	}
	memcpy(tmp, p->v + from, tail * sizeof(*tmp));
	memmove(p->v + tail, p->v, from * sizeof(*tmp));
	memcpy(p->v, tmp, tail * sizeof(*tmp));
	free(tmp);
}

/* --- deletes --- */

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

/* The old copy of an instance made anew on another remote. */
static bool diff_superseded(const struct diff_ctx *c, const char *remote, const char *name)
{
	const struct lxf_apply_instance *in = lxf_apply_spec_find(c->spec, name);
	const char *from = in ? c->del_from[in - c->spec->instances] : NULL;

	return from && strcmp(from, remote) == 0;
}

/* How many instances the answering remotes hold. */
static size_t diff_nlive(const struct diff_ctx *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nfacts; i++)
		if (c->facts[i].up && json_object_is_type(c->facts[i].instances, json_type_array))
			n += json_object_array_length(c->facts[i].instances);
	return n;
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

/* Is the live instance name on remote (tagged tag) to be deleted? */
static bool diff_doomed(const struct diff_ctx *c, const struct lxf_apply_place *place,
			const char *remote, const char *name, const char *tag)
{
	bool ours = tag && strcmp(tag, c->spec->name) == 0;

	if (!diff_selected(c, name))
		return false;
	if (c->opts->destroy)
		return ours;
	if (diff_superseded(c, remote, name))
		return true;
	return c->opts->prune && ours && !diff_claimed(c, place, remote, name);
}

/* Prune, destroy and superseded copies, on answering remotes, by remote and name. */
static void diff_deletes(struct diff_ctx *c, const struct lxf_apply_place *place)
{
	struct diff_del *dels = NULL;
	size_t n = 0, max = 0;

	max = diff_nlive(c);
	dels = calloc(max ? max : 1, sizeof(*dels));
	if (!dels) {
		c->ret = -LXF_ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->nfacts; i++) {
		const struct lxf_apply_facts *f = &c->facts[i];
		size_t m = f->up && json_object_is_type(f->instances, json_type_array)
			       ? json_object_array_length(f->instances)
			       : 0;

		for (size_t j = 0; j < m; j++) {
			struct json_object *o = json_object_array_get_idx(f->instances, j);
			const char *name = lxf_json_str(o, "name");

			if (name && diff_doomed(c, place, f->remote, name, diff_stack_of(o)))
				dels[n++] = (struct diff_del){f->remote, name};
		}
	}
	qsort(dels, n, sizeof(*dels), diff_cmp_del);
	for (size_t i = 0; i < n; i++)
		(void)diff_action(c, LXF_APPLY_DELETE, NULL, dels[i].name, dels[i].remote);
	free(dels);
}

/*
 * Every live instance of the answering remotes, for placement. With
 * --adopt a same-named one of no (or another) stack counts as this
 * stack's: it may stay or move like one.
 */
static int diff_wheres(const struct diff_ctx *c, struct lxf_apply_where **out, size_t *n)
{
	size_t total = 0, k = 0;
	struct lxf_apply_where *w;

	total = diff_nlive(c);
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
			w[k].in_stack = (tag && strcmp(tag, c->spec->name) == 0) ||
					(c->opts->adopt && lxf_apply_spec_find(c->spec, name));
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
	struct diff_ctx c = {spec, facts, nfacts, opts ? opts : &none, plan, NULL, NULL, 0};
	struct lxf_apply_place *place = NULL;
	struct lxf_apply_where *live = NULL;
	size_t nlive = 0, nsi = spec->ninstances ? spec->ninstances : 1, ninst;
	int ret;

	memset(plan, 0, sizeof(*plan));
	place = calloc(nsi, sizeof(*place));
	c.needs = calloc(nsi, sizeof(*c.needs));
	c.del_from = calloc(nsi, sizeof(*c.del_from));
	if (!place || !c.needs || !c.del_from || diff_wheres(&c, &live, &nlive) < 0) {
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	ret = lxf_apply_placement(spec, facts, nfacts, live, nlive, place, err);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < spec->ninstances && !c.opts->destroy && !c.ret; i++)
		if (diff_selected(&c, spec->instances[i].name))
			diff_one(&c, i, &place[i]);
	if (!c.ret)
		diff_deletes(&c, place);
	/* Profiles go first: the instances that use them come after. */
	ninst = plan->n;
	if (!c.ret)
		diff_profiles_plan(&c);
	if (!c.ret)
		diff_to_front(&c, ninst);
	if (c.ret)
		ret = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	if (ret < 0)
		lxf_apply_plan_fini(plan);
	free(place);
	free(live);
	free(c.needs);
	free(c.del_from);
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
