/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_APPLY_SPEC_H
#define LXF_APPLY_SPEC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct lxf_remotes; /* remotes.h: the user's config.yml */

/*
 * lxf.yaml(5), read into a model: what should run where. The file alone is
 * read here, no server is contacted; plan/apply compare the model with the
 * live state (diff.h). Every problem is reported as "FILE:LINE:COLUMN: what"
 * (a diagnostic), all of them in one pass up to LXF_APPLY_MAX_DIAGS.
 */

#define LXF_APPLY_MAX_SIZE      (1u << 20)  /* bytes of lxf.yaml */
#define LXF_APPLY_MAX_DEPTH     16          /* nesting; the format needs 5 */
#define LXF_APPLY_MAX_INSTANCES 5000        /* after range expansion */
#define LXF_APPLY_MAX_RANGE     1000        /* names one range may make */
#define LXF_APPLY_MAX_VALUE     (64u << 10) /* one scalar after ${VAR} substitution */
#define LXF_APPLY_MAX_DIAGS     20

/* Where a node starts in the file, both 1-based. */
struct lxf_apply_pos {
	unsigned line, col;
};

enum lxf_apply_state {
	LXF_APPLY_STATE_UNSET = 0, /* defaults: running */
	LXF_APPLY_STATE_RUNNING,
	LXF_APPLY_STATE_STOPPED,
	LXF_APPLY_STATE_FROZEN,
};

/* "running", "stopped", "frozen" ("running" for UNSET). */
const char *lxf_apply_state_name(enum lxf_apply_state s);

struct lxf_apply_remote {
	char *name;
	char *url;
	char *token; /* NULL when not given */
	struct lxf_apply_pos pos;
};

/* A profile in LXD's shape: {"config": {..}, "devices": {..}, "description": ".."}. */
struct lxf_apply_profile {
	char *name;
	struct json_object *obj; /* always has config and devices (maybe empty) */
	struct lxf_apply_pos pos;
};

struct lxf_apply_file {
	char *path; /* absolute */
	char *content;
	size_t content_len;
	unsigned mode; /* 0644 when not given */
	unsigned uid, gid;
};

struct lxf_apply_instance {
	char *name; /* one name: ranges are expanded, one instance each */
	/*
	 * The remotes it may live on (remote: or remotes:, else the user's
	 * default remote when known, else "local"), in the file's order.
	 */
	char **remotes;
	size_t nremotes;
	char *image; /* its own or defaults' (a missing image is an error) */
	/* Its own or defaults'; NULL when neither says: LXD's ["default"]. */
	char **profiles;
	size_t nprofiles;
	bool has_profiles;           /* profiles given (an empty list means none) */
	enum lxf_apply_state state;  /* its own or defaults', never UNSET */
	struct json_object *config;  /* object of strings, never NULL */
	struct json_object *devices; /* object of objects of strings, never NULL */
	struct lxf_apply_file *files;
	size_t nfiles;
	char **run; /* argv, NULL-terminated; NULL when none */
	size_t nrun;
	struct lxf_apply_pos pos; /* its name's */
};

struct lxf_apply_defaults {
	char *image;
	char **profiles;
	size_t nprofiles;
	bool has_profiles;
	enum lxf_apply_state state;
};

struct lxf_apply_spec {
	char *path; /* as given, for messages */
	int version;
	char *name; /* the stack: instances carry user.lxf.stack=NAME */
	struct lxf_apply_remote *remotes;
	size_t nremotes;
	struct lxf_apply_profile *profiles;
	size_t nprofiles;
	struct lxf_apply_defaults defaults;
	struct lxf_apply_instance *instances;
	size_t ninstances;
};

/* The messages of a failed parse, each "FILE:LINE:COLUMN: what", in file order. */
struct lxf_apply_diags {
	char **v;
	struct lxf_apply_pos *pos; /* v[i]'s position */
	size_t n;                  /* kept, at most LXF_APPLY_MAX_DIAGS */
	size_t dropped;            /* past the cap */
};

/*
 * Parses the len bytes of text (need not be NUL-terminated) as lxf.yaml;
 * path names it in messages. known (may be NULL) is the user's config.yml:
 * remotes named there are allowed besides the file's own, and its default
 * remote is where instances without remote(s) go. ${VAR} in a scalar value
 * is replaced from the environment (unset: an error; $$ is a '$').
 * Returns 0 and *out (lxf_apply_spec_free), or -LXF_EINVAL with every
 * problem in diags (lxf_apply_diags_fini) and the first in err;
 * -LXF_ENOMEM/-LXF_ETOOBIG in err alone.
 */
int lxf_apply_spec_parse(const char *path, const char *text, size_t len,
			 const struct lxf_remotes *known, struct lxf_apply_spec **out,
			 struct lxf_apply_diags *diags, struct lxf_err *err);

/* As lxf_apply_spec_parse, reading the file (capped at LXF_APPLY_MAX_SIZE). */
int lxf_apply_spec_load(const char *path, const struct lxf_remotes *known,
			struct lxf_apply_spec **out, struct lxf_apply_diags *diags,
			struct lxf_err *err);

/* Frees spec (NULL allowed). */
void lxf_apply_spec_free(struct lxf_apply_spec *spec);

/* The instance called name, or NULL. Borrowed from spec. */
const struct lxf_apply_instance *lxf_apply_spec_find(const struct lxf_apply_spec *spec,
						     const char *name);

/* Frees the messages; d is empty afterwards. */
void lxf_apply_diags_fini(struct lxf_apply_diags *d);

/* --- the string rules, exposed for their unit tests (expand.c) --- */

/*
 * Expands one name with at most one range, "web-{1..6}" or "db-{01..12}"
 * (zero-padded when either end has a leading zero; both ends must then
 * have the same width), into *names (count *n; free each and the array).
 * A name without '{' is itself. Returns 0, or -LXF_EINVAL with err saying
 * what is wrong (reversed, over LXF_APPLY_MAX_RANGE, not numbers,
 * mismatched padding, two ranges, unbalanced braces), or -LXF_ENOMEM.
 */
int lxf_apply_expand_range(const char *name, char ***names, size_t *n, struct lxf_err *err);

/*
 * Replaces ${VAR} in s with getenv("VAR") and "$$" with "$" (other '$'
 * stay) into *out (free()). An unset variable, an empty or bad name
 * ([A-Za-z_][A-Za-z0-9_]*) or a missing '}' is -LXF_EINVAL; a result over
 * LXF_APPLY_MAX_VALUE is -LXF_ETOOBIG.
 */
int lxf_apply_subst(const char *s, size_t len, char **out, size_t *outlen, struct lxf_err *err);

/* LXD's instance name rule (a hostname label): 0 or -LXF_EINVAL saying why. */
int lxf_apply_check_instance_name(const char *name, struct lxf_err *err);

#endif
