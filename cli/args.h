/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_ARGS_H
#define LXF_CLI_ARGS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

/*
 * Pure parsing of command arguments (no server, no config), kept apart so
 * that unit tests cover it: "NAME/PATH", "NAME/SNAP", "key=value" lists.
 * Remote prefixes are split before, by lxf_remotes_parse_arg.
 */

/*
 * Splits "NAME/PATH" (the remote already removed) as lxc file does:
 * *name is the text before the first '/', *path the rest with its leading
 * '/' kept ("c1/etc/hosts" -> "c1", "/etc/hosts"). -LXF_EUSAGE when there
 * is no name or no path. *name, *path: free(); NULL on failure.
 */
int lxf_args_split_path(const char *s, char **name, char **path, struct lxf_err *err);

/*
 * Splits "NAME[/SNAP]": *snap is NULL when there is no '/'. A '/' with an
 * empty part on either side, or a second '/', is -LXF_EUSAGE. *name,
 * *snap: free().
 */
int lxf_args_split_snap(const char *s, char **name, char **snap, struct lxf_err *err);

/*
 * Splits "key=value" at the first '='. The key must be non-empty and have
 * no blanks; the value may be empty ("key=" unsets in lxc's set). Returns
 * 0 or -LXF_EUSAGE "bad key=value 'x'". *key, *value: free().
 */
int lxf_args_kv(const char *s, char **key, char **value, struct lxf_err *err);

/*
 * Applies "key=value" words (n of them) to the string map obj: an empty
 * value removes the key, as `lxc config set k=` does. Nothing is changed
 * unless every word is valid. Returns 0, -LXF_EUSAGE or -LXF_ENOMEM.
 */
int lxf_args_apply_kvs(struct json_object *obj, int n, char *const *words, struct lxf_err *err);

/*
 * The set form shared by config set, profile set, device set: either
 * "KEY VALUE" (exactly two words, the first without '=') or one or more
 * "key=value" words. Applies them to obj as lxf_args_apply_kvs, except
 * that "KEY VALUE" with an empty VALUE sets the key to "" only when
 * keep_empty is true. Returns 0, -LXF_EUSAGE or -LXF_ENOMEM.
 */
int lxf_args_apply_set(struct json_object *obj, int n, char *const *words, bool keep_empty,
		       struct lxf_err *err);

/* Parses an octal file mode "0644" / "644" (0-07777). Returns 0 or -LXF_EUSAGE. */
int lxf_args_mode(const char *s, int *mode, struct lxf_err *err);

/* Parses a uid/gid (0 .. 2^32-2). Returns 0 or -LXF_EUSAGE. */
int lxf_args_id(const char *s, const char *what, long long *id, struct lxf_err *err);

#endif
