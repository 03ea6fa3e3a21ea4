/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protobuf-c side of migrate_proto.h. Encoding builds the generated
 * structs on the stack and in one scratch arena per call; decoding copies
 * what it needs out of protobuf-c's tree and frees the tree at once, so
 * nothing of protobuf-c outlives a call.
 */
#include "migrate_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.pb-c.h"

static const char *const arch_names[] = {
    "unknown", "i686", "x86_64", "armv7l",  "aarch64", "ppc",    "ppc64",  "ppc64le",
    "s390x",   "mips", "mips64", "riscv32", "riscv64", "armv6l", "armv8l",
};
#define ARCH_COUNT ((int32_t)(sizeof(arch_names) / sizeof(arch_names[0])))

int32_t migp_arch_id(const char *name)
{
	for (int32_t i = 1; name && i < ARCH_COUNT; i++)
		if (strcmp(arch_names[i], name) == 0)
			return i;
	return 0;
}

const char *migp_arch_name(int32_t id)
{
	return id > 0 && id < ARCH_COUNT ? arch_names[id] : "unknown";
}

bool migp_snap_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	/* lxfd's own rule for snapshot names (api_snapshots.c). */
	if (n == 0 || n > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c == ' ' || c < 0x20 || c == 0x7f || strchr("?#%\\\"'", c))
			return false;
	}
	return true;
}

void migp_header_fini(struct migp_header *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_snaps; i++) {
		json_object_put(h->snaps[i].config);
		json_object_put(h->snaps[i].devices);
		json_object_put(h->snaps[i].profiles);
	}
	free(h->snaps);
	memset(h, 0, sizeof(*h));
}

struct migp_snap *migp_header_add_snap(struct migp_header *h)
{
	struct migp_snap *s;

	if (h->n_snaps >= MIGP_SNAP_MAX)
		return NULL;
	s = realloc(h->snaps, (h->n_snaps + 1) * sizeof(*s));
	if (!s)
		return NULL;
	h->snaps = s;
	s = &h->snaps[h->n_snaps++];
	memset(s, 0, sizeof(*s));
	return s;
}

/* Encoding */

/*
 * Everything one encode allocates, freed together: protobuf-c wants
 * arrays of pointers to structs.
 */
struct arena {
	void **p;
	size_t n, alloc;
	bool failed;
};

static void *arena_alloc(struct arena *a, size_t size)
{
	void *p;

	if (a->failed)
		return NULL;
	if (a->n == a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 64;
		void **np = realloc(a->p, na * sizeof(*np));
		if (!np) {
			a->failed = true;
			return NULL;
		}
		a->p = np;
		a->alloc = na;
	}
	p = calloc(1, size ? size : 1);
	if (!p) {
		a->failed = true;
		return NULL;
	}
	a->p[a->n++] = p;
	return p;
}

/* An array of n pointers (protobuf-c's repeated fields). */
static void *arena_ptrs(struct arena *a, size_t n)
{
	return arena_alloc(a, n * sizeof(void *));
}

static void arena_free(struct arena *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->p[i]);
	free(a->p);
}

/* A string map as Config entries; non-string values are skipped. */
static Lxfmig__Config **configs_of(struct arena *a, struct json_object *map, size_t *n)
{
	size_t cnt = map ? (size_t)json_object_object_length(map) : 0, i = 0;
	Lxfmig__Config **v = arena_ptrs(a, cnt);

	*n = 0;
	if (!v || !map)
		return v;
	json_object_object_foreach(map, k, val)
	{
		Lxfmig__Config *c;
		if (!json_object_is_type(val, json_type_string))
			continue;
		if (!(c = arena_alloc(a, sizeof(*c))))
			return NULL;
		lxfmig__config__init(c);
		c->key = k;
		c->value = (char *)json_object_get_string(val);
		v[i++] = c;
	}
	*n = i;
	return v;
}

static Lxfmig__Snapshot *snap_of(struct arena *a, const struct migp_snap *s)
{
	Lxfmig__Snapshot *ps = arena_alloc(a, sizeof(*ps));
	size_t nd = s->devices ? (size_t)json_object_object_length(s->devices) : 0, i = 0;
	size_t np = s->profiles ? json_object_array_length(s->profiles) : 0;

	if (!ps)
		return NULL;
	lxfmig__snapshot__init(ps);
	ps->name = (char *)s->name;
	ps->localconfig = configs_of(a, s->config, &ps->n_localconfig);
	ps->ephemeral = s->ephemeral;
	ps->stateful = s->stateful;
	ps->architecture = s->arch;
	ps->has_creation_date = ps->has_last_used_date = ps->has_expiry_date = 1;
	ps->creation_date = s->created;
	ps->last_used_date = s->last_used;
	ps->expiry_date = s->expires;
	ps->profiles = arena_ptrs(a, np);
	for (size_t j = 0; ps->profiles && j < np; j++) {
		struct json_object *p = json_object_array_get_idx(s->profiles, j);
		if (json_object_is_type(p, json_type_string))
			ps->profiles[ps->n_profiles++] = (char *)json_object_get_string(p);
	}
	ps->localdevices = arena_ptrs(a, nd);
	if (ps->localdevices && s->devices) {
		json_object_object_foreach(s->devices, dn, dv)
		{
			Lxfmig__Device *d = arena_alloc(a, sizeof(*d));
			if (!d)
				return NULL;
			lxfmig__device__init(d);
			d->name = dn;
			d->config = configs_of(a, dv, &d->n_config);
			ps->localdevices[i++] = d;
		}
		ps->n_localdevices = i;
	}
	return a->failed ? NULL : ps;
}

int migp_header_encode(const struct migp_header *h, uint8_t **out, size_t *n, struct lxf_err *err)
{
	Lxfmig__MigrationHeader m = LXFMIG__MIGRATION_HEADER__INIT;
	Lxfmig__RsyncFeatures rf = LXFMIG__RSYNC_FEATURES__INIT;
	struct arena a = {0};
	uint8_t *buf = NULL;
	size_t len;
	int ret = 0;

	*out = NULL;
	*n = 0;
	m.fs = (Lxfmig__MigrationFSType)h->fs;
	if (h->criu != MIGP_CRIU_ABSENT) {
		m.has_criu = 1;
		m.criu = (Lxfmig__CRIUType)h->criu;
	}
	m.idmap = arena_ptrs(&a, h->n_idmap);
	for (size_t i = 0; m.idmap && i < h->n_idmap && i < MIGP_IDMAP_MAX; i++) {
		Lxfmig__IDMapType *e = arena_alloc(&a, sizeof(*e));
		if (!e)
			break;
		lxfmig__idmap_type__init(e);
		e->isuid = h->idmap[i].isuid;
		e->isgid = h->idmap[i].isgid;
		e->hostid = h->idmap[i].hostid;
		e->nsid = h->idmap[i].nsid;
		e->maprange = h->idmap[i].range;
		m.idmap[m.n_idmap++] = e;
	}
	m.snapshotnames = arena_ptrs(&a, h->n_snaps);
	m.snapshots = arena_ptrs(&a, h->n_snaps);
	for (size_t i = 0; m.snapshots && m.snapshotnames && i < h->n_snaps; i++) {
		Lxfmig__Snapshot *s = snap_of(&a, &h->snaps[i]);
		if (!s)
			break;
		m.snapshotnames[i] = (char *)h->snaps[i].name;
		m.snapshots[i] = s;
		m.n_snapshotnames = m.n_snapshots = i + 1;
	}
	if (h->has_rsync) {
		rf.has_xattrs = rf.has_delete_ = rf.has_compress = rf.has_bidirectional = 1;
		rf.xattrs = h->xattrs;
		rf.delete_ = h->del;
		rf.compress = h->compress;
		rf.bidirectional = h->bidirectional;
		m.rsyncfeatures = &rf;
	}
	m.has_refresh = 1;
	m.refresh = h->refresh;
	m.has_predump = 1;
	m.predump = 0;
	m.has_indexheaderversion = 1;
	m.indexheaderversion = h->index_version;
	if (a.failed) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	len = lxfmig__migration_header__get_packed_size(&m);
	if (len > MIGP_MSG_MAX) {
		ret =
		    lxf_err_set(err, LXF_ETOOBIG, "Migration header of %zu bytes is too big", len);
		goto out;
	}
	if (!(buf = malloc(len ? len : 1))) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	*n = lxfmig__migration_header__pack(&m, buf);
	*out = buf;
out:
	arena_free(&a);
	return ret;
}

/* Decoding */

static struct json_object *map_of(Lxfmig__Config **c, size_t n)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < n; i++)
		json_object_object_add(o, c[i]->key, json_object_new_string(c[i]->value));
	return o;
}

static int snap_from(const Lxfmig__Snapshot *ps, struct migp_snap *s, struct lxf_err *err)
{
	if (!migp_snap_name_ok(ps->name))
		return lxf_err_set(err, LXF_EINVAL, "Bad snapshot name in the migration header");
	snprintf(s->name, sizeof(s->name), "%s", ps->name);
	s->config = map_of(ps->localconfig, ps->n_localconfig);
	s->devices = json_object_new_object();
	s->profiles = json_object_new_array();
	if (!s->config || !s->devices || !s->profiles)
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	for (size_t i = 0; i < ps->n_localdevices; i++) {
		const Lxfmig__Device *d = ps->localdevices[i];
		struct json_object *dm = map_of(d->config, d->n_config);
		if (!dm || !d->name[0]) {
			json_object_put(dm);
			return lxf_err_set(err, LXF_EINVAL, "Bad device in the migration header");
		}
		json_object_object_add(s->devices, d->name, dm);
	}
	for (size_t i = 0; i < ps->n_profiles; i++)
		json_object_array_add(s->profiles, json_object_new_string(ps->profiles[i]));
	s->ephemeral = ps->ephemeral;
	s->stateful = ps->stateful;
	s->arch = ps->architecture;
	s->created = ps->has_creation_date ? ps->creation_date : 0;
	s->last_used = ps->has_last_used_date ? ps->last_used_date : 0;
	s->expires = ps->has_expiry_date ? ps->expiry_date : 0;
	return 0;
}

int migp_header_decode(const void *p, size_t n, struct migp_header *h, struct lxf_err *err)
{
	Lxfmig__MigrationHeader *m = NULL;
	int ret = 0;

	memset(h, 0, sizeof(*h));
	h->criu = MIGP_CRIU_ABSENT;
	if (n > MIGP_MSG_MAX)
		return lxf_err_set(err, LXF_ETOOBIG, "Migration header too big");
	m = lxfmig__migration_header__unpack(NULL, n, p);
	if (!m)
		return lxf_err_set(err, LXF_EINVAL, "Malformed migration header");
	if (m->n_idmap > MIGP_IDMAP_MAX || m->n_snapshots > MIGP_SNAP_MAX ||
	    m->n_snapshotnames > MIGP_SNAP_MAX) {
		ret = lxf_err_set(err, LXF_EINVAL, "Migration header over lxfd's limits");
		goto out;
	}
	if (m->n_snapshots && m->n_snapshots != m->n_snapshotnames) {
		ret = lxf_err_set(err, LXF_EINVAL, "Migration header: snapshot lists disagree");
		goto out;
	}
	h->fs = (int)m->fs;
	h->criu = m->has_criu ? (int)m->criu : MIGP_CRIU_ABSENT;
	for (size_t i = 0; i < m->n_idmap; i++) {
		const Lxfmig__IDMapType *e = m->idmap[i];
		if (e->maprange < 0 || e->hostid < 0 || e->nsid < 0) {
			ret = lxf_err_set(err, LXF_EINVAL, "Bad id map in the migration header");
			goto out;
		}
		h->idmap[i] =
		    (struct migp_idmap){e->isuid, e->isgid, e->hostid, e->nsid, e->maprange};
	}
	h->n_idmap = m->n_idmap;
	for (size_t i = 0; i < m->n_snapshotnames; i++) {
		struct migp_snap *s = migp_header_add_snap(h);
		if (!s) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto out;
		}
		if (m->n_snapshots) {
			if (strcmp(m->snapshots[i]->name, m->snapshotnames[i]) != 0) {
				ret = lxf_err_set(err, LXF_EINVAL,
						  "Migration header: snapshot lists disagree");
				goto out;
			}
			ret = snap_from(m->snapshots[i], s, err);
		} else if (!migp_snap_name_ok(m->snapshotnames[i])) {
			ret = lxf_err_set(err, LXF_EINVAL,
					  "Bad snapshot name in the migration header");
		} else {
			snprintf(s->name, sizeof(s->name), "%s", m->snapshotnames[i]);
			s->arch = 0;
		}
		if (ret < 0)
			goto out;
	}
	if (m->rsyncfeatures) {
		h->has_rsync = true;
		h->xattrs = m->rsyncfeatures->has_xattrs && m->rsyncfeatures->xattrs;
		h->del = m->rsyncfeatures->has_delete_ && m->rsyncfeatures->delete_;
		h->compress = m->rsyncfeatures->has_compress && m->rsyncfeatures->compress;
		h->bidirectional =
		    m->rsyncfeatures->has_bidirectional && m->rsyncfeatures->bidirectional;
	}
	h->refresh = m->has_refresh && m->refresh;
	h->index_version = m->has_indexheaderversion ? m->indexheaderversion : 0;
out:
	lxfmig__migration_header__free_unpacked(m, NULL);
	return ret;
}

int migp_control_encode(bool success, const char *message, uint8_t **out, size_t *n,
			struct lxf_err *err)
{
	Lxfmig__MigrationControl m = LXFMIG__MIGRATION_CONTROL__INIT;
	size_t len;

	m.success = success;
	m.message = (char *)(message ? message : "");
	len = lxfmig__migration_control__get_packed_size(&m);
	if (!(*out = malloc(len ? len : 1)))
		return lxf_err_set(err, LXF_ENOMEM, "Out of memory");
	*n = lxfmig__migration_control__pack(&m, *out);
	return 0;
}

int migp_control_decode(const void *p, size_t n, bool *success, char *msg, size_t msgn,
			struct lxf_err *err)
{
	Lxfmig__MigrationControl *m;

	if (n > MIGP_MSG_MAX)
		return lxf_err_set(err, LXF_ETOOBIG, "Migration control message too big");
	m = lxfmig__migration_control__unpack(NULL, n, p);
	if (!m)
		return lxf_err_set(err, LXF_EINVAL, "Malformed migration control message");
	*success = m->success;
	if (msgn)
		snprintf(msg, msgn, "%s", m->message ? m->message : "");
	lxfmig__migration_control__free_unpacked(m, NULL);
	return 0;
}
