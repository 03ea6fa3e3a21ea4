/* SPDX-License-Identifier: Apache-2.0 */
/* cli/apply/place.c and diff.c: sticky placement and desired-vs-live actions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"

#define HEAD                                                                                       \
	"version: 1\nname: st\nremotes:\n"                                                         \
	"  h1: {url: \"https://10.0.0.1:8443\"}\n"                                                 \
	"  h2: {url: \"https://10.0.0.2:8443\"}\n"                                                 \
	"  h3: {url: \"https://10.0.0.3:8443\"}\n"                                                 \
	"defaults: {image: busybox}\n"

/* The file HEAD, then the profiles section (may be ""), then instances. */
static struct lxf_apply_spec *spec_with(const char *profiles, const char *instances)
{
	struct lxf_apply_spec *s = NULL;
	struct lxf_apply_diags d;
	struct lxf_err err = {0};
	char text[4096];

	(void)snprintf(text, sizeof(text), "%s%sinstances:\n%s", HEAD, profiles, instances);
	if (lxf_apply_spec_parse("t.yaml", text, strlen(text), NULL, &s, &d, &err) != 0)
		fail_msg("%s", err.msg);
	return s;
}

static struct lxf_apply_spec *spec_of(const char *instances)
{
	return spec_with("", instances);
}

static void place(const struct lxf_apply_spec *s, const struct lxf_apply_facts *f, size_t nf,
		  const struct lxf_apply_where *w, size_t nw, struct lxf_apply_place *out)
{
	struct lxf_err err = {0};

	assert_int_equal(lxf_apply_placement(s, f, nf, w, nw, out, &err), 0);
}

static void test_place_spread(void **state)
{
	struct lxf_apply_spec *s = spec_of("  - {name: \"w-{1..6}\", remotes: [h3, h1, h2]}\n");
	struct lxf_apply_facts f[] = {{"h1", true, 1000, NULL, NULL},
				      {"h2", true, 1000, NULL, NULL},
				      {"h3", true, 1000, NULL, NULL}};
	static const char *const want[] = {"h1", "h2", "h3", "h1", "h2", "h3"};
	struct lxf_apply_place p[6];

	(void)state;
	place(s, f, 3, NULL, 0, p);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(p[i].remote, want[i]);
		assert_null(p[i].from);
	}
	/* Equal counts: most free memory first, then by count again. */
	f[1].mem_free = 5000;
	f[2].mem_free = 3000;
	place(s, f, 3, NULL, 0, p);
	assert_string_equal(p[0].remote, "h2");
	assert_string_equal(p[1].remote, "h3");
	assert_string_equal(p[2].remote, "h1");
	assert_string_equal(p[3].remote, "h2");
	lxf_apply_spec_free(s);
}

static void test_place_sticky(void **state)
{
	struct lxf_apply_spec *s = spec_of("  - {name: \"w-{1..4}\", remotes: [h1, h2, h3]}\n"
					   "  - {name: solo, remote: h2}\n");
	struct lxf_apply_facts f[] = {{"h1", true, 1000, NULL, NULL},
				      {"h2", true, 1000, NULL, NULL},
				      {"h3", true, 9000, NULL, NULL}};
	/* w-3 lives on h3 and stays; other stack members count where they are. */
	struct lxf_apply_where w[] = {
	    {"w-3", "h3", true}, {"old", "h1", true}, {"old2", "h1", true}, {"x", "h2", false}};
	struct lxf_apply_place p[5];

	(void)state;
	place(s, f, 3, w, 4, p);
	assert_string_equal(p[2].remote, "h3");
	/*
	 * Counts h1=2 (old, old2), h2=0, h3=1 (w-3): w-1 to h2 (fewest), w-2 to
	 * h3 (tied with h2 at 1, more memory), w-4 to h2 (the only one at 1).
	 */
	assert_string_equal(p[0].remote, "h2");
	assert_string_equal(p[1].remote, "h3");
	assert_string_equal(p[3].remote, "h2");
	assert_string_equal(p[4].remote, "h2");
	lxf_apply_spec_free(s);
}

static void test_place_move_and_down(void **state)
{
	struct lxf_apply_spec *s = spec_of("  - {name: mv, remotes: [h3]}\n"
					   "  - {name: here, remotes: [h1, h2]}\n"
					   "  - {name: maybe, remotes: [h1, h2]}\n"
					   "  - {name: only, remote: h2}\n");
	struct lxf_apply_facts f[] = {{"h1", true, 1000, NULL, NULL},
				      {"h2", false, 0, NULL, NULL},
				      {"h3", true, 1000, NULL, NULL}};
	struct lxf_apply_where w[] = {{"mv", "h1", true}, {"here", "h1", true}};
	struct lxf_apply_place p[4];

	(void)state;
	place(s, f, 3, w, 2, p);
	/* mv is on a remote it may no longer live on: it moves from h1 to h3. */
	assert_string_equal(p[0].remote, "h3");
	assert_string_equal(p[0].from, "h1");
	/* here is found on an allowed remote that answered: it stays. */
	assert_string_equal(p[1].remote, "h1");
	/* maybe could be on the down h2: not placed, so never made twice. */
	assert_null(p[2].remote);
	assert_string_equal(p[2].reason, "remote h2 is down and may hold it");
	assert_null(p[3].remote);
	assert_string_equal(p[3].reason, "remote h2 is down");
	lxf_apply_spec_free(s);
}

/* --- diff --- */

static struct json_object *js(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

static void diff(const struct lxf_apply_spec *s, const struct lxf_apply_facts *f, size_t nf,
		 const struct lxf_apply_diff_opts *o, struct lxf_apply_plan *p)
{
	struct lxf_err err = {0};

	assert_int_equal(lxf_apply_diff(s, f, nf, o, p, &err), 0);
}

static void change_is(const struct lxf_apply_change *c, enum lxf_apply_field field, const char *key,
		      const char *old, const char *new)
{
	assert_int_equal(c->field, field);
	if (key)
		assert_string_equal(c->key, key);
	else
		assert_null(c->key);
	if (old)
		assert_string_equal(c->old, old);
	else
		assert_null(c->old);
	if (new)
		assert_string_equal(c->new, new);
	else
		assert_null(c->new);
}

/* a is kind, for name, on remote (NULL: not checked). */
static void action_is(const struct lxf_apply_action *a, enum lxf_apply_kind kind, const char *name,
		      const char *remote)
{
	assert_int_equal(a->kind, kind);
	assert_string_equal(a->name, name);
	if (remote)
		assert_string_equal(a->remote, remote);
}

#define SPEC_ONE                                                                                   \
	"  - name: c1\n    remote: h1\n    profiles: [default, small]\n"                           \
	"    config: {limits.cpu: \"2\", environment.ROLE: web}\n"                                 \
	"    devices: {data: {type: disk, source: /srv, path: /srv}}\n"

#define LIVE_SAME                                                                                  \
	"{\"name\": \"c1\", \"status\": \"Running\", \"profiles\": [\"default\", \"small\"],"      \
	" \"config\": {\"environment.ROLE\": \"web\", \"limits.cpu\": \"2\","                      \
	" \"volatile.base_image\": \"aaaa1111\", \"image.os\": \"busybox\","                       \
	" \"user.lxf.stack\": \"st\", \"user.lxf.provisioned\": \"1\"},"                           \
	" \"devices\": {\"data\": {\"path\": \"/srv\", \"type\": \"disk\", \"source\": "           \
	"\"/srv\"}}}"

static void test_diff_nothing_and_create(void **state)
{
	struct lxf_apply_spec *s = spec_of(SPEC_ONE);
	struct json_object *h1 = js("[" LIVE_SAME "]"), *empty = js("[]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}};
	struct lxf_apply_image im[] = {{"h1", "busybox", "aaaa1111bbbb"}};
	struct lxf_apply_diff_opts o = {.images = im, .nimages = 1, .prune = true};
	struct lxf_apply_plan p = {0};

	(void)state;
	/* Re-applying what is there: nothing, not even with prune. */
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 0);
	lxf_apply_plan_fini(&p);

	f[0].instances = empty;
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 1);
	action_is(&p.v[0], LXF_APPLY_CREATE, "c1", "h1");
	assert_ptr_equal(p.v[0].inst, &s->instances[0]);
	assert_string_equal(lxf_apply_kind_name(p.v[0].kind), "create");
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	json_object_put(empty);
	lxf_apply_spec_free(s);
}

static void test_diff_update(void **state)
{
	struct lxf_apply_spec *s = spec_of(SPEC_ONE "    state: running\n");
	/* Changed by hand: a key set, one changed, a device changed, one added, profiles, state. */
	struct json_object *h1 =
	    js("[{\"name\": \"c1\", \"status\": \"Stopped\", \"profiles\": [\"default\"],"
	       " \"config\": {\"limits.cpu\": \"4\", \"boot.autostart\": \"true\","
	       " \"volatile.idmap.base\": \"0\", \"user.lxf.stack\": \"st\","
	       " \"user.lxf.provisioned\": \"1\"},"
	       " \"devices\": {\"data\": {\"type\": \"disk\", \"source\": \"/other\", \"path\": "
	       "\"/srv\"},"
	       " \"extra\": {\"type\": \"none\"}}}]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}};
	struct lxf_apply_plan p = {0};

	(void)state;
	diff(s, f, 1, NULL, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_UPDATE);
	assert_int_equal(p.v[0].nchanges, 7);
	change_is(&p.v[0].changes[0], LXF_APPLY_F_CONFIG, "limits.cpu", "4", "2");
	change_is(&p.v[0].changes[1], LXF_APPLY_F_CONFIG, "environment.ROLE", NULL, "web");
	change_is(&p.v[0].changes[2], LXF_APPLY_F_CONFIG, "boot.autostart", "true", NULL);
	change_is(&p.v[0].changes[3], LXF_APPLY_F_DEVICE, "data",
		  "path=/srv, source=/other, type=disk", "path=/srv, source=/srv, type=disk");
	change_is(&p.v[0].changes[4], LXF_APPLY_F_DEVICE, "extra", "type=none", NULL);
	change_is(&p.v[0].changes[5], LXF_APPLY_F_PROFILES, NULL, "default", "default, small");
	change_is(&p.v[0].changes[6], LXF_APPLY_F_STATE, NULL, "stopped", "running");
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	lxf_apply_spec_free(s);
}

static void test_diff_conflict_adopt(void **state)
{
	struct lxf_apply_spec *s = spec_of("  - {name: c1, remote: h1, profiles: []}\n");
	/* Untagged and not as the file says (limits.cpu): a conflict. */
	struct json_object *h1 = js("[{\"name\": \"c1\", \"status\": \"Running\", \"profiles\": [],"
				    " \"config\": {\"limits.cpu\": \"1\"}, \"devices\": {}}]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}};
	struct lxf_apply_diff_opts o = {.adopt = false, .prune = true};
	struct lxf_apply_plan p = {0};

	(void)state;
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_CONFLICT);
	assert_string_equal(
	    p.v[0].reason, "exists on h1 and is not of stack st (untagged): --adopt takes it over");
	lxf_apply_plan_fini(&p);
	o.adopt = true;
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_UPDATE);
	assert_true(p.v[0].adopt);
	assert_false(p.v[0].replace);
	assert_int_equal(p.v[0].nchanges, 2);
	change_is(&p.v[0].changes[0], LXF_APPLY_F_CONFIG, "user.lxf.stack", NULL, "st");
	change_is(&p.v[0].changes[1], LXF_APPLY_F_CONFIG, "limits.cpu", "1", NULL);
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	lxf_apply_spec_free(s);
}

static void test_diff_foreign_match(void **state)
{
	struct lxf_apply_spec *s = spec_of(SPEC_ONE "  - {name: c2, remote: h1, state: stopped}\n");
	/* c1 of another stack and c2 of none, both just as the file says. */
	struct json_object *h1 = js(
	    "[{\"name\": \"c1\", \"status\": \"Running\", \"profiles\": [\"default\", \"small\"],"
	    " \"config\": {\"environment.ROLE\": \"web\", \"limits.cpu\": \"2\","
	    " \"volatile.base_image\": \"aaaa1111\", \"user.lxf.stack\": \"other\"},"
	    " \"devices\": {\"data\": {\"path\": \"/srv\", \"type\": \"disk\", \"source\": "
	    "\"/srv\"}}},"
	    " {\"name\": \"c2\", \"status\": \"Stopped\", \"profiles\": [\"default\"],"
	    " \"config\": {\"volatile.base_image\": \"aaaa1111\"}, \"devices\": {}}]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}};
	struct lxf_apply_image im[] = {{"h1", "busybox", "aaaa1111bbbb"}},
			       other[] = {{"h1", "busybox", "cccc2222"}};
	struct lxf_apply_diff_opts o = {.images = im, .nimages = 1, .prune = true};
	struct lxf_apply_plan p = {0};

	(void)state;
	/* Nothing to write: no action, not a conflict (export then plan). */
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 0);
	lxf_apply_plan_fini(&p);
	/* A different image is a difference too. */
	o.images = other;
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].kind, LXF_APPLY_CONFLICT);
	assert_string_equal(p.v[0].reason, "exists on h1 and is not of stack st (of stack other): "
					   "--adopt takes it over");
	assert_int_equal(p.v[1].kind, LXF_APPLY_CONFLICT);
	lxf_apply_plan_fini(&p);
	/* --adopt takes even a matching one: the tag is written. */
	o.images = im;
	o.adopt = true;
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.v[0].kind, LXF_APPLY_UPDATE);
	assert_true(p.v[0].adopt);
	assert_int_equal(p.v[0].nchanges, 1);
	change_is(&p.v[0].changes[0], LXF_APPLY_F_CONFIG, "user.lxf.stack", "other", "st");
	action_is(&p.v[1], LXF_APPLY_UPDATE, "c2", NULL);
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	lxf_apply_spec_free(s);
}

static void test_diff_adopt_move(void **state)
{
	struct lxf_apply_spec *s = spec_of("  - {name: mv, remote: h2, profiles: []}\n");
	struct json_object *h1 = js("[{\"name\": \"mv\", \"status\": \"Running\", \"profiles\": [],"
				    " \"config\": {}, \"devices\": {}}]");
	struct json_object *h2 = js("[]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}, {"h2", true, 1, h2, NULL}};
	struct lxf_apply_diff_opts o = {.prune = true};
	struct lxf_apply_plan p = {0};

	(void)state;
	/* Not ours and not where the file says: a new one; the other stays. */
	diff(s, f, 2, &o, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_CREATE);
	assert_string_equal(p.v[0].remote, "h2");
	lxf_apply_plan_fini(&p);
	o.adopt = true;
	diff(s, f, 2, &o, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_MOVE);
	assert_string_equal(p.v[0].from, "h1");
	assert_string_equal(p.v[0].remote, "h2");
	assert_true(p.v[0].adopt);
	assert_int_equal(p.v[0].nchanges, 1);
	change_is(&p.v[0].changes[0], LXF_APPLY_F_CONFIG, "user.lxf.stack", NULL, "st");
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	json_object_put(h2);
	lxf_apply_spec_free(s);
}

static void test_diff_half_made(void **state)
{
	struct lxf_apply_spec *s = spec_of("  - {name: c1, remote: h1, profiles: []}\n"
					   "  - {name: mv, remote: h2, profiles: []}\n");
	/* Both of the stack, as the file says, but without the done key. */
	struct json_object *h1 = js("[{\"name\": \"c1\", \"status\": \"Running\", \"profiles\": [],"
				    " \"config\": {\"user.lxf.stack\": \"st\"}, \"devices\": {}},"
				    " {\"name\": \"mv\", \"status\": \"Running\", \"profiles\": [],"
				    " \"config\": {\"user.lxf.stack\": \"st\"}, \"devices\": {}}]");
	struct json_object *h2 = js("[]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}, {"h2", true, 1, h2, NULL}};
	struct lxf_apply_plan p = {0};

	(void)state;
	diff(s, f, 2, NULL, &p);
	assert_int_equal(p.n, 3);
	action_is(&p.v[0], LXF_APPLY_CREATE, "c1", "h1");
	assert_true(p.v[0].replace);
	assert_string_equal(p.v[0].reason, "replaces a half-made one");
	/* On a remote it may no longer live on: made on h2, the half-made one deleted, no prune. */
	action_is(&p.v[1], LXF_APPLY_CREATE, "mv", "h2");
	assert_false(p.v[1].replace);
	assert_string_equal(p.v[1].reason, "replaces a half-made one");
	action_is(&p.v[2], LXF_APPLY_DELETE, "mv", "h1");
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	json_object_put(h2);
	lxf_apply_spec_free(s);
}

static void test_diff_replace(void **state)
{
	struct lxf_apply_spec *s = spec_of(SPEC_ONE "    state: stopped\n");
	struct json_object *h1 = js("[" LIVE_SAME "]");
	struct lxf_apply_facts f[] = {{"h1", true, 1, h1, NULL}};
	struct lxf_apply_image im[] = {{"h1", "busybox", "aaaa1111bbbb"}},
			       other[] = {{"h1", "busybox", "cccc2222"}};
	static const char *const rep[] = {"other", "c1"};
	struct lxf_apply_diff_opts o = {.images = im, .nimages = 1, .replace = rep, .nreplace = 2};
	struct lxf_apply_plan p = {0};

	(void)state;
	/* --replace without an image drift: changed in place as ever. */
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_UPDATE);
	lxf_apply_plan_fini(&p);
	/* With one: re-created, no update, no drift. */
	o.images = other;
	diff(s, f, 1, &o, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].kind, LXF_APPLY_CREATE);
	assert_true(p.v[0].replace);
	assert_string_equal(p.v[0].reason, "--replace");
	assert_string_equal(p.v[0].remote, "h1");
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	lxf_apply_spec_free(s);
}

#define PROFILES                                                                                   \
	"profiles:\n"                                                                              \
	"  small: {config: {limits.cpu: \"1\"}, description: tiny}\n"                              \
	"  big: {devices: {d: {type: disk, source: /x, path: /x}}}\n"                              \
	"  unused: {}\n"                                                                           \
	"  default: {config: {limits.memory: 64MiB}}\n"

static void test_diff_profiles(void **state)
{
	struct lxf_apply_spec *s =
	    spec_with(PROFILES, "  - {name: a, remote: h2, profiles: [default, small]}\n"
				"  - {name: b, remote: h1, profiles: [small, big]}\n"
				"  - {name: c, remote: h1, profiles: [big]}\n"
				"  - {name: x, remote: h3, profiles: [big]}\n"
				"  - {name: y, remote: h3}\n");
	struct json_object *h1 = js("[]"), *h2 = js("[]");
	/* y is someone else's on h3 and differs: a conflict, whose profiles are not ours to write. */
	struct json_object *h3 = js("[{\"name\": \"y\", \"status\": \"Stopped\", \"config\": {}}]");
	struct json_object *p1 =
	    js("[{\"name\": \"small\", \"description\": \"\", \"config\": {\"limits.cpu\": \"2\","
	       " \"boot.autostart\": \"1\"}, \"devices\": {\"e\": {\"type\": \"none\"}}}]");
	struct json_object *p2 = js(
	    "[{\"name\": \"small\", \"description\": \"tiny\", \"config\": {\"limits.cpu\": "
	    "\"1\"}, \"devices\": {}}, {\"name\": \"default\", \"config\": {}, \"devices\": {}}]");
	struct json_object *p3 = js("[]");
	struct lxf_apply_facts f[] = {
	    {"h1", true, 1, h1, p1}, {"h2", true, 1, h2, p2}, {"h3", true, 1, h3, p3}};
	static const char *const only[] = {"c", "y"};
	struct lxf_apply_diff_opts o = {0};
	struct lxf_apply_plan p = {0};

	(void)state;
	diff(s, f, 3, &o, &p);
	/* By remote and name, before the instances; h2's small is as the file says. */
	assert_int_equal(p.n, 9);
	action_is(&p.v[0], LXF_APPLY_PROFILE_CREATE, "big", "h1");
	assert_ptr_equal(p.v[0].profile, &s->profiles[1]);
	assert_null(p.v[0].inst);
	assert_string_equal(lxf_apply_kind_name(p.v[0].kind), "profile-create");
	action_is(&p.v[1], LXF_APPLY_PROFILE_UPDATE, "small", "h1");
	assert_int_equal(p.v[1].nchanges, 4);
	change_is(&p.v[1].changes[0], LXF_APPLY_F_CONFIG, "limits.cpu", "2", "1");
	change_is(&p.v[1].changes[1], LXF_APPLY_F_CONFIG, "boot.autostart", "1", NULL);
	change_is(&p.v[1].changes[2], LXF_APPLY_F_DEVICE, "e", "type=none", NULL);
	change_is(&p.v[1].changes[3], LXF_APPLY_F_DESCRIPTION, NULL, "", "tiny");
	action_is(&p.v[2], LXF_APPLY_PROFILE_UPDATE, "default", "h2");
	change_is(&p.v[2].changes[0], LXF_APPLY_F_CONFIG, "limits.memory", NULL, "64MiB");
	action_is(&p.v[3], LXF_APPLY_PROFILE_CREATE, "big", "h3");
	for (size_t i = 4; i < 8; i++)
		assert_int_equal(p.v[i].kind, LXF_APPLY_CREATE);
	assert_string_equal(p.v[4].name, "a");
	action_is(&p.v[8], LXF_APPLY_CONFLICT, "y", NULL);
	lxf_apply_plan_fini(&p);

	/* --only: those instances and the profiles they use, nothing else. */
	o.only = only;
	o.nonly = 2;
	diff(s, f, 3, &o, &p);
	assert_int_equal(p.n, 3);
	action_is(&p.v[0], LXF_APPLY_PROFILE_CREATE, "big", "h1");
	action_is(&p.v[1], LXF_APPLY_CREATE, "c", NULL);
	assert_int_equal(p.v[2].kind, LXF_APPLY_CONFLICT);
	lxf_apply_plan_fini(&p);
	for (size_t i = 0; i < 3; i++) {
		json_object_put(f[i].instances);
		json_object_put(f[i].profiles);
	}
	lxf_apply_spec_free(s);
}

#define TAGGED(nm, st)                                                                             \
	"{\"name\": \"" nm "\", \"status\": \"Running\", \"config\": {\"user.lxf.stack\": \"" st   \
	"\", \"user.lxf.provisioned\": \"1\"}}"

static void test_diff_only_prune_destroy(void **state)
{
	struct lxf_apply_spec *s =
	    spec_with(PROFILES, "  - {name: a, remote: h1, profiles: [small]}\n"
				"  - {name: b, remote: h2}\n");
	struct json_object *h1 = js("[" TAGGED("old2", "st") ", " TAGGED("old1", "st") ", " TAGGED(
	    "theirs", "other") ", {\"name\": \"half\", \"config\": {\"user.lxf.stack\": \"st\"}}]");
	struct json_object *h2 = js("[" TAGGED("b", "st") ", " TAGGED("gone", "st") "]");
	struct lxf_apply_facts f[] = {
	    {"h1", true, 1, h1, NULL}, {"h2", true, 1, h2, NULL}, {"h3", false, 0, NULL, NULL}};
	static const char *const only[] = {"old1", "b"};
	struct lxf_apply_diff_opts o = {.prune = true, .only = only, .nonly = 2};
	struct lxf_apply_plan p = {0};

	(void)state;
	/* Prune among the --only names: old1, not old2, half or gone; b (without
	 * its profiles) an update, after the default profile of the file it uses. */
	diff(s, f, 3, &o, &p);
	assert_int_equal(p.n, 3);
	action_is(&p.v[0], LXF_APPLY_PROFILE_CREATE, "default", "h2");
	action_is(&p.v[1], LXF_APPLY_UPDATE, "b", NULL);
	action_is(&p.v[2], LXF_APPLY_DELETE, "old1", "h1");
	lxf_apply_plan_fini(&p);

	/* Destroy: every instance of the stack that answers, sorted; nothing else. */
	o.only = NULL;
	o.nonly = 0;
	o.prune = false;
	o.destroy = true;
	diff(s, f, 3, &o, &p);
	assert_int_equal(p.n, 5);
	static const char *const want[][2] = {
	    {"h1", "half"}, {"h1", "old1"}, {"h1", "old2"}, {"h2", "b"}, {"h2", "gone"}};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(p.v[i].kind, LXF_APPLY_DELETE);
		assert_string_equal(p.v[i].remote, want[i][0]);
		assert_string_equal(p.v[i].name, want[i][1]);
	}
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	json_object_put(h2);
	lxf_apply_spec_free(s);
}

static void test_diff_drift_move_prune(void **state)
{
	struct lxf_apply_spec *s = spec_of(SPEC_ONE "  - {name: mv, remotes: [h2], profiles: []}\n"
						    "  - {name: far, remote: h3}\n");
	struct json_object *h1 =
	    js("[" LIVE_SAME ","
	       " {\"name\": \"gone\", \"status\": \"Running\", \"config\": {\"user.lxf.stack\": "
	       "\"st\"}},"
	       " {\"name\": \"theirs\", \"config\": {\"user.lxf.stack\": \"other\"}},"
	       " {\"name\": \"untagged\", \"config\": {}},"
	       " {\"name\": \"mv\", \"status\": \"Running\", \"profiles\": [],"
	       "  \"config\": {\"user.lxf.stack\": \"st\", \"user.lxf.provisioned\": \"1\","
	       "  \"limits.cpu\": \"1\"}, \"devices\": {}}]");
	struct json_object *h2 = js("[]");
	struct lxf_apply_facts f[] = {
	    {"h1", true, 1, h1, NULL}, {"h2", true, 1, h2, NULL}, {"h3", false, 0, NULL, NULL}};
	struct lxf_apply_image im[] = {{"h1", "busybox", "cccc2222"}};
	struct lxf_apply_diff_opts o = {.images = im, .nimages = 1};
	struct lxf_apply_plan p = {0};

	(void)state;
	diff(s, f, 3, &o, &p);
	assert_int_equal(p.n, 3);
	action_is(&p.v[0], LXF_APPLY_DRIFT, "c1", NULL);
	assert_string_equal(p.v[0].reason,
			    "image aaaa1111 is not busybox (cccc2222): needs --replace c1");
	change_is(&p.v[0].changes[0], LXF_APPLY_F_IMAGE, NULL, "aaaa1111", "cccc2222");
	action_is(&p.v[1], LXF_APPLY_MOVE, "mv", NULL);
	assert_string_equal(p.v[1].from, "h1");
	assert_string_equal(p.v[1].remote, "h2");
	assert_int_equal(p.v[1].nchanges, 1);
	change_is(&p.v[1].changes[0], LXF_APPLY_F_CONFIG, "limits.cpu", "1", NULL);
	assert_int_equal(p.v[2].kind, LXF_APPLY_UNPLACED);
	assert_string_equal(p.v[2].reason, "remote h3 is down");
	lxf_apply_plan_fini(&p);

	/* Prune deletes this stack's "gone" only: not another stack's, not untagged ones. */
	o.prune = true;
	diff(s, f, 3, &o, &p);
	assert_int_equal(p.n, 4);
	action_is(&p.v[3], LXF_APPLY_DELETE, "gone", "h1");
	assert_null(p.v[3].inst);
	lxf_apply_plan_fini(&p);
	json_object_put(h1);
	json_object_put(h2);
	lxf_apply_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_place_spread),
	    cmocka_unit_test(test_place_sticky),
	    cmocka_unit_test(test_place_move_and_down),
	    cmocka_unit_test(test_diff_nothing_and_create),
	    cmocka_unit_test(test_diff_update),
	    cmocka_unit_test(test_diff_conflict_adopt),
	    cmocka_unit_test(test_diff_drift_move_prune),
	    cmocka_unit_test(test_diff_foreign_match),
	    cmocka_unit_test(test_diff_adopt_move),
	    cmocka_unit_test(test_diff_half_made),
	    cmocka_unit_test(test_diff_replace),
	    cmocka_unit_test(test_diff_profiles),
	    cmocka_unit_test(test_diff_only_prune_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
