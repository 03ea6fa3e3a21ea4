/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lxf_apply_live_read (run.h): what the remotes of a stack hold now. Every
 * GET goes out in one batch (lxf_client_request_all: all remotes at once,
 * one client per request), so a plan costs about one `lxf list` whatever
 * the fleet's size. Image references are resolved from each remote's
 * GET /1.0/images?recursion=1 (an image carries its aliases) rather than
 * one GET /1.0/images/aliases/NAME per reference and remote: one request
 * more per remote in the same batch, no second round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "note.h"
#include "run.h"

/* The GETs of one remote, in the order of live_paths. */
enum { LIVE_INSTANCES, LIVE_PROFILES, LIVE_RESOURCES, LIVE_IMAGES, LIVE_NREQ };

static const char *const live_paths[LIVE_NREQ] = {
    "/1.0/instances?recursion=1",
    "/1.0/profiles?recursion=1",
    "/1.0/resources",
    "/1.0/images?recursion=1",
};

/* One remote read: those of the spec (facts) and image sources (images only). */
struct live_remote {
	const char *name;            /* borrowed from the keep array */
	bool facts;                  /* one of the spec's: has facts; else an image source */
	struct lxf_err down;         /* code != 0: not read */
	struct json_object *images;  /* its images?recursion=1 array, or NULL */
	struct lxf_client_req *reqs; /* its LIVE_NREQ requests (facts) or 1 (LIVE_IMAGES) */
};

struct live_ctx {
	struct lxf_remotes *r;
	const struct lxf_apply_spec *spec;
	struct json_object *keep; /* owns every string and object that live borrows */
	struct live_remote *v;
	size_t n;
	struct lxf_client_req *reqs;
	size_t nreqs;
};

/* A string kept alive by the keep array; NULL on ENOMEM. */
static const char *live_keep_str(struct live_ctx *c, const char *s)
{
	struct json_object *o = json_object_new_string(s);

	if (!o || json_object_array_add(c->keep, o) != 0) {
		json_object_put(o);
		return NULL;
	}
	return json_object_get_string(o);
}

static struct live_remote *live_find(const struct live_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].name, name) == 0)
			return &c->v[i];
	return NULL;
}

/* Adds name once (facts: a remote of the spec). Returns 0 or -LXF_ENOMEM. */
static int live_add(struct live_ctx *c, const char *name, bool facts)
{
	struct live_remote *have = live_find(c, name), *nv;
	const char *kept;

	if (have) {
		have->facts = have->facts || facts;
		return 0;
	}
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -LXF_ENOMEM;
	c->v = nv;
	kept = live_keep_str(c, name);
	if (!kept)
		return -LXF_ENOMEM;
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	c->v[c->n].name = kept;
	c->v[c->n].facts = facts;
	c->n++;
	return 0;
}

static int live_cmp_remote(const void *a, const void *b)
{
	const struct live_remote *x = a, *y = b;

	if (x->facts != y->facts)
		return x->facts ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* "REMOTE:ALIAS" with a known REMOTE: its length, else 0 (the ref is local). */
static size_t live_ref_remote(const struct lxf_remotes *r, const char *ref)
{
	const char *colon = strchr(ref, ':');
	char name[LXF_REMOTE_NAME_MAX + 1];
	size_t len = colon ? (size_t)(colon - ref) : 0;

	if (!len || len > LXF_REMOTE_NAME_MAX)
		return 0;
	memcpy(name, ref, len);
	name[len] = '\0';
	return lxf_remotes_find(r, name) ? len : 0;
}

/*
 * The file's remotes: missing from config.yml are added (add_remotes) as
 * `lxf remote add NAME URL --token T` would; quietly, as stdout carries
 * the plan.
 */
static int live_add_remotes(struct live_ctx *c, bool add_remotes, struct lxf_err *err)
{
	struct lxf_cmd_ctx ctx = {.remotes = c->r, .out = stderr, .err = stderr, .quiet = true};

	for (size_t i = 0; add_remotes && i < c->spec->nremotes; i++) {
		const struct lxf_apply_remote *rem = &c->spec->remotes[i];
		int rc;

		if (lxf_remotes_find(c->r, rem->name))
			continue;
		rc = lxf_cmd_remote_add(&ctx, rem->name, rem->url, NULL, rem->token, false, err);
		if (rc) {
			lxf_err_prefix(err, "%s:%u:%u: adding remote '%s'", c->spec->path,
				       rem->pos.line, rem->pos.col, rem->name);
			return rc;
		}
	}
	return 0;
}

/* Every remote to read: the spec's (sorted), then the image sources. */
static int live_collect(struct live_ctx *c, struct lxf_err *err)
{
	const struct lxf_apply_spec *s = c->spec;
	int rc = 0;

	for (size_t i = 0; i < s->nremotes && rc == 0; i++)
		rc = live_add(c, s->remotes[i].name, true);
	for (size_t i = 0; i < s->ninstances && rc == 0; i++) {
		const struct lxf_apply_instance *in = &s->instances[i];
		size_t len = in->image ? live_ref_remote(c->r, in->image) : 0;

		for (size_t k = 0; k < in->nremotes && rc == 0; k++)
			rc = live_add(c, in->remotes[k], true);
		if (len && rc == 0) {
			char name[LXF_REMOTE_NAME_MAX + 1];

			memcpy(name, in->image, len);
			name[len] = '\0';
			rc = live_add(c, name, false);
		}
	}
	if (rc)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), live_cmp_remote);
	return 0;
}

/* One client per request (request_all uses a client once); a failure marks the remote down. */
static int live_requests(struct live_ctx *c, struct lxf_err *err)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < c->n; i++)
		total += c->v[i].facts ? LIVE_NREQ : 1;
	c->reqs = calloc(total ? total : 1, sizeof(*c->reqs));
	if (!c->reqs)
		return lxf_err_set(err, LXF_ENOMEM, "out of memory");
	c->nreqs = total;
	for (size_t i = 0; i < c->n; i++) {
		struct live_remote *lr = &c->v[i];
		const struct lxf_remote *rem = lxf_remotes_find(c->r, lr->name);
		size_t first = lr->facts ? 0 : LIVE_IMAGES;

		lr->reqs = &c->reqs[k];
		for (size_t j = first; j < LIVE_NREQ; j++, k++) {
			struct lxf_client_req *q = &c->reqs[k];

			q->method = "GET";
			q->path = live_paths[j];
			q->last = true;
			if (lr->down.code)
				continue;
			if (!rem)
				(void)lxf_err_set(&lr->down, LXF_ENOENT, "remote '%s' not found",
						  lr->name);
			else if (lxf_remotes_client(c->r, rem, &q->c, &lr->down) != 0)
				q->c = NULL;
		}
		/* A remote that failed half-way gets no request at all. */
		for (size_t j = 0; lr->down.code && j < (lr->facts ? LIVE_NREQ : 1u); j++) {
			lxf_client_free(lr->reqs[j].c);
			lr->reqs[j].c = NULL;
		}
	}
	return 0;
}

/* The metadata of an answered request, kept; NULL when it failed or is not an array. */
static struct json_object *live_take(struct live_ctx *c, struct lxf_client_req *q, bool array)
{
	struct json_object *m = q->resp.metadata;

	if (!q->c || q->rc != 0 || !m)
		return NULL;
	if (array && !json_object_is_type(m, json_type_array))
		return NULL;
	if (json_object_array_add(c->keep, json_object_get(m)) != 0) {
		json_object_put(m);
		return NULL;
	}
	return m;
}

/* LXD's and lxfd's GET /1.0/resources: memory.total - memory.used. */
static uint64_t live_mem_free(struct json_object *res)
{
	struct json_object *mem = json_object_object_get(res, "memory");
	int64_t total = json_object_get_int64(json_object_object_get(mem, "total"));
	int64_t used = json_object_get_int64(json_object_object_get(mem, "used"));

	return total > used && used >= 0 ? (uint64_t)(total - used) : 0;
}

/* The answers of one spec remote into its facts (up only when instances and profiles came). */
static int live_facts(struct live_ctx *c, struct live_remote *lr, struct lxf_apply_facts *f,
		      struct lxf_err *down)
{
	struct lxf_client_req *q = lr->reqs;

	f->remote = lr->name;
	*down = lr->down;
	lr->images = live_take(c, &q[LIVE_IMAGES], true);
	if (down->code)
		return 0;
	for (size_t j = LIVE_INSTANCES; j <= LIVE_PROFILES; j++) {
		if (q[j].rc) {
			*down = q[j].err;
			return 0;
		}
		if (!json_object_is_type(q[j].resp.metadata, json_type_array)) {
			(void)lxf_err_set(down, LXF_EIO, "GET %s: not a list", live_paths[j]);
			return 0;
		}
	}
	f->instances = live_take(c, &q[LIVE_INSTANCES], true);
	f->profiles = live_take(c, &q[LIVE_PROFILES], true);
	if (!f->instances || !f->profiles)
		return -LXF_ENOMEM;
	/* No resources (a restricted certificate, an old server): placement
	 * just does not weigh its memory. */
	if (q[LIVE_RESOURCES].rc == 0)
		f->mem_free = live_mem_free(q[LIVE_RESOURCES].resp.metadata);
	f->up = true;
	return 0;
}

/* name (an alias, else a unique fingerprint prefix) among images; NULL when not there. */
static const char *live_resolve(struct json_object *images, const char *name)
{
	size_t n = images ? json_object_array_length(images) : 0, len = strlen(name);
	const char *found = NULL;

	for (size_t i = 0; i < n; i++) {
		struct json_object *im = json_object_array_get_idx(images, i);
		struct json_object *aliases = json_object_object_get(im, "aliases");
		size_t na = json_object_is_type(aliases, json_type_array)
				? json_object_array_length(aliases)
				: 0;

		for (size_t k = 0; k < na; k++) {
			const char *a = lxf_json_str(json_object_array_get_idx(aliases, k), "name");

			if (a && strcmp(a, name) == 0)
				return lxf_json_str(im, "fingerprint");
		}
	}
	for (size_t i = 0; len && i < n; i++) {
		const char *fp = lxf_json_str(json_object_array_get_idx(images, i), "fingerprint");

		if (!fp || strncmp(fp, name, len) != 0)
			continue;
		if (found)
			return NULL; /* ambiguous */
		found = fp;
	}
	return found;
}

static bool live_has_image(const struct lxf_apply_live *out, const char *remote, const char *ref)
{
	for (size_t i = 0; i < out->nimages; i++)
		if (strcmp(out->images[i].remote, remote) == 0 &&
		    strcmp(out->images[i].ref, ref) == 0)
			return true;
	return false;
}

/* Each instance's image on each answering remote it may go to. */
static int live_images(struct live_ctx *c, struct lxf_apply_live *out)
{
	const struct lxf_apply_spec *s = c->spec;

	for (size_t i = 0; i < s->ninstances; i++) {
		const struct lxf_apply_instance *in = &s->instances[i];
		size_t len = in->image ? live_ref_remote(c->r, in->image) : 0;

		for (size_t k = 0; in->image && k < in->nremotes; k++) {
			const struct live_remote *lr = live_find(c, in->remotes[k]), *src = lr;
			const char *name = in->image, *ref, *fp = NULL;
			struct lxf_apply_image *nv;

			if (!lr || lr->down.code || live_has_image(out, lr->name, in->image))
				continue;
			if (len) {
				char rn[LXF_REMOTE_NAME_MAX + 1];

				memcpy(rn, in->image, len);
				rn[len] = '\0';
				src = live_find(c, rn);
				name = in->image + len + 1;
			}
			if (src)
				fp = live_resolve(src->images, name);
			ref = live_keep_str(c, in->image);
			nv = ref ? realloc(out->images, (out->nimages + 1) * sizeof(*nv)) : NULL;
			if (!nv)
				return -LXF_ENOMEM;
			out->images = nv;
			out->images[out->nimages++] = (struct lxf_apply_image){
			    .remote = lr->name, .ref = ref, .fingerprint = fp};
		}
	}
	return 0;
}

int lxf_apply_live_read(struct lxf_remotes *r, const struct lxf_apply_spec *spec, bool add_remotes,
			struct lxf_apply_live *out, struct lxf_err *err)
{
	struct live_ctx c = {.r = r, .spec = spec, .keep = json_object_new_array()};
	size_t nf = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!c.keep) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	rc = live_add_remotes(&c, add_remotes, err);
	if (rc == 0)
		rc = live_collect(&c, err);
	if (rc == 0)
		rc = live_requests(&c, err);
	if (rc)
		goto out;
	if (c.nreqs &&
	    lxf_client_request_all_note(c.reqs, c.nreqs, lxf_cli_waiting_note, stderr) != 0) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c.n; i++)
		nf += c.v[i].facts;
	out->facts = calloc(nf ? nf : 1, sizeof(*out->facts));
	out->down = calloc(nf ? nf : 1, sizeof(*out->down));
	if (!out->facts || !out->down) {
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
		goto out;
	}
	out->nfacts = nf;
	/* live_collect sorted the spec's remotes first, by name. */
	for (size_t i = 0; i < c.n && rc == 0; i++) {
		if (c.v[i].facts)
			rc = live_facts(&c, &c.v[i], &out->facts[i], &out->down[i]);
		else
			c.v[i].images = live_take(&c, &c.v[i].reqs[0], true);
	}
	if (rc == 0)
		rc = live_images(&c, out);
	if (rc)
		rc = lxf_err_set(err, LXF_ENOMEM, "out of memory");
out:
	for (size_t i = 0; i < c.nreqs; i++) {
		lxf_client_free(c.reqs[i].c);
		lxf_response_fini(&c.reqs[i].resp);
	}
	free(c.reqs);
	free(c.v);
	out->priv = c.keep;
	if (rc)
		lxf_apply_live_fini(out);
	return rc;
}

void lxf_apply_live_fini(struct lxf_apply_live *live)
{
	free(live->facts);
	free(live->down);
	free(live->images);
	if (live->priv)
		json_object_put(live->priv);
	memset(live, 0, sizeof(*live));
}
