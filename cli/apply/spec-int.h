/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_APPLY_SPEC_INT_H
#define LXF_APPLY_SPEC_INT_H

/*
 * Internal to spec*.c: the walk over libyaml's document tree. Each sp_*
 * reader checks one node's shape, reports what is wrong as a diagnostic at
 * the node's position and returns 0, -LXF_EINVAL (reported; the walk goes
 * on with the next node) or -LXF_ENOMEM (fatal, in c->fatal).
 */

#include <stdbool.h>

/* common/yaml.h shadows libyaml's <yaml.h>: name it by its full path. */
#ifndef LXF_LIBYAML_HEADER
#define LXF_LIBYAML_HEADER "/usr/include/yaml.h"
#endif
#include LXF_LIBYAML_HEADER

#include "remotes.h"
#include "spec.h"

struct sp_ctx {
	const char *path;
	yaml_document_t *doc;
	struct lxf_apply_diags *diags;
	struct lxf_err *err; /* the first diagnostic, or the fatal error */
	int fatal;           /* -LXF_ENOMEM once allocation failed */
	struct lxf_apply_spec *spec;
	const struct lxf_remotes *known;
};

/* Records "PATH:LINE:COL: msg" for node n; returns -LXF_EINVAL (or c->fatal). */
int sp_diag(struct sp_ctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records the allocation failure; returns -LXF_ENOMEM. */
int sp_nomem(struct sp_ctx *c);

yaml_node_t *sp_node(struct sp_ctx *c, int idx);
/* The value of key in mapping m, or NULL; *key_node (may be NULL) gets the key. */
yaml_node_t *sp_get(struct sp_ctx *c, const yaml_node_t *m, const char *key,
		    yaml_node_t **key_node);
/* "a mapping", "a list", "a string" */
const char *sp_kind(const yaml_node_t *n);
/*
 * Checks that n is a mapping whose keys are distinct non-empty strings and,
 * with keys (NULL-terminated) given, among them. what names it in messages.
 */
int sp_mapping(struct sp_ctx *c, const yaml_node_t *n, const char *what, const char *const *keys);
/* A scalar (not a plain null) after ${VAR} substitution into *out (free()). */
int sp_string(struct sp_ctx *c, const yaml_node_t *n, const char *what, char **out, size_t *len);
/* A list of distinct strings into *v (n entries, NULL-terminated; free each and v). */
int sp_string_list(struct sp_ctx *c, const yaml_node_t *n, const char *what, char ***v,
		   size_t *count);
/* A mapping of strings to strings into a json object (LXD's config). */
int sp_string_map(struct sp_ctx *c, const yaml_node_t *n, const char *what,
		  struct json_object **out);
/* A mapping of device names to string maps, each with a "type". */
int sp_devices(struct sp_ctx *c, const yaml_node_t *n, struct json_object **out);
/* running | stopped | frozen */
int sp_state(struct sp_ctx *c, const yaml_node_t *n, enum lxf_apply_state *out);
/* True when a remote of that name is in the file or in config.yml. */
bool sp_remote_known(const struct sp_ctx *c, const char *name);

/* spec-inst.c: the instances list, with c->spec's remotes and defaults read. */
int sp_instances(struct sp_ctx *c, const yaml_node_t *n);
void sp_instance_fini(struct lxf_apply_instance *in);
void sp_strv_free(char **v, size_t n);

#endif
