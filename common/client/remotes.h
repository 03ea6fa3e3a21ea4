/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_REMOTES_H
#define LXF_REMOTES_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"
#include "err.h"

/*
 * The client configuration: $LXF_CONF, else ~/.config/lxf/, holding
 * config.yml in LXD's format:
 *
 *   default-remote: local
 *   remotes:
 *     h1: {addr: https://h1:8443, protocol: lxd, public: false,
 *          project: default, auth_type: tls}
 *   groups:                  # lxf's own key (groups.c); lxc ignores it
 *     web: [h1, h2]
 *
 * plus client.crt, client.key and servercerts/<remote>.crt. The remote
 * "local" (addr unix://, the local lxfd) always exists and is never saved.
 */

#define LXF_REMOTE_NAME_MAX 64
#define LXF_CONFIG_MAX      (1u << 20)

struct lxf_remote {
	char *name;
	char *addr; /* "unix://", "unix:///path" or "https://host:port" */
	char *protocol;
	char *project;
	char *auth_type;
	bool public;
	bool is_static; /* built in ("local"): never saved, never removed */
};

struct lxf_remotes {
	char *dir;  /* the configuration directory */
	char *path; /* dir + "/config.yml" */
	char *default_remote;
	/* "timeout: SECS" of config.yml (lxf --timeout overrides it): how
	 * long a remote may take to connect and stay silent in answer to an
	 * ordinary request; 0 = the client's defaults (lxf_client_opts). */
	long timeout_secs;
	struct lxf_remote *v;
	size_t n;
	size_t cap; /* v's room: v grows as remotes are added */
	/* aliases: (aliases.c): alias name -> command line, strings; NULL when none. */
	struct json_object *aliases;
	/* groups: (groups.c): group name -> array of remote names, in the
	 * order given, never empty; NULL when none. */
	struct json_object *groups;
	/* Top-level keys lxf does not know (a newer lxc's), written back as read. */
	struct json_object *extra;
};

/*
 * Loads the configuration from dir (NULL: $LXF_CONF, else
 * $HOME/.config/lxf). A missing config.yml gives just "local". A malformed
 * one is -LXF_EINVAL with "PATH: line L column C: problem" (or naming the
 * bad key). Returns 0 and *out (lxf_remotes_free), or an error.
 */
int lxf_remotes_load(const char *dir, struct lxf_remotes **out, struct lxf_err *err);

/* Frees r (NULL allowed). */
void lxf_remotes_free(struct lxf_remotes *r);

/*
 * Writes config.yml atomically (lxf_file_write_atomic, mode 0600; the
 * directory is created 0700), leaving out static remotes. On failure the
 * old file is untouched. Returns 0 or an error.
 */
int lxf_remotes_save(const struct lxf_remotes *r, struct lxf_err *err);

/*
 * User command aliases (aliases.c). parse takes config.yml's aliases: map
 * from root (the parsed file) into r; emit puts r's back into root for
 * saving. get: the alias's command line, borrowed from r, or NULL. set adds
 * or replaces; remove: -LXF_ENOENT "alias 'x' not found". Save with
 * lxf_remotes_save.
 */
int lxf_remotes_aliases_parse(struct lxf_remotes *r, struct json_object *root, struct lxf_err *err);
int lxf_remotes_aliases_emit(const struct lxf_remotes *r, struct json_object *root,
			     struct lxf_err *err);
const char *lxf_remotes_alias_get(const struct lxf_remotes *r, const char *name);
int lxf_remotes_alias_set(struct lxf_remotes *r, const char *name, const char *target,
			  struct lxf_err *err);
int lxf_remotes_alias_remove(struct lxf_remotes *r, const char *name, struct lxf_err *err);

/*
 * Host groups (groups.c): named lists of remotes, written "@NAME" wherever
 * a list of remotes is taken. Group names follow the rules of remote names
 * and live in their own namespace ('@' tells them apart). Members are
 * remote names; a member that is not (or no longer) a remote is reported
 * by lxf_remotes_expand, not at load, since lxc may edit the remotes.
 *
 * parse takes config.yml's groups: map from root into r (a bad group name
 * or member is -LXF_EINVAL naming it); emit puts r's back into root.
 */
int lxf_remotes_groups_parse(struct lxf_remotes *r, struct json_object *root, struct lxf_err *err);
int lxf_remotes_groups_emit(const struct lxf_remotes *r, struct json_object *root,
			    struct lxf_err *err);

/* True for a word that names a group ("@web", "@web,h1:"), so that
 * callers tell remote lists from filters and instance names. */
bool lxf_remotes_is_group_spec(const char *word);

/*
 * Expands spec, a comma-separated list of remote names and @groups
 * ("@web,h9"), optionally ending in ':', into *names: a malloc'ed array of
 * *n malloc'ed remote names, deduplicated, in the order first met (free
 * each, then the array; lxf_remotes_names_free). An unknown remote is
 * lxf_remotes_unknown's -LXF_ENOENT, an unknown group
 * lxf_remotes_group_unknown's; a group naming a remote that config.yml does
 * not have is -LXF_EINVAL naming both; an empty item is -LXF_EINVAL.
 * On error *names is NULL and *n 0.
 */
int lxf_remotes_expand(const struct lxf_remotes *r, const char *spec, char ***names, size_t *n,
		       struct lxf_err *err);

/* Frees what lxf_remotes_expand returned (NULL allowed). */
void lxf_remotes_names_free(char **names, size_t n);

/* The members of group name (a json array of strings, borrowed from r), or NULL. */
struct json_object *lxf_remotes_group_get(const struct lxf_remotes *r, const char *name);

/*
 * Fills err for a group that r does not have: -LXF_ENOENT "group 'x' not
 * found", with the closest group ("did you mean") and the known ones.
 */
int lxf_remotes_group_unknown(const struct lxf_remotes *r, const char *name, struct lxf_err *err);

/*
 * Edits in memory (save with lxf_remotes_save). add creates group or
 * appends members to it (those already in it are skipped); every member
 * must be a remote of r (else lxf_remotes_unknown's error, nothing
 * changed); a bad group name is -LXF_EINVAL. remove takes members out
 * (n == 0: the whole group); a member not in the group is -LXF_ENOENT,
 * nothing changed; a group left empty is removed. rename: -LXF_ENOENT
 * for an unknown group, -LXF_EEXIST when to is taken.
 */
int lxf_remotes_group_add(struct lxf_remotes *r, const char *group, const char *const *members,
			  size_t n, struct lxf_err *err);
int lxf_remotes_group_remove(struct lxf_remotes *r, const char *group, const char *const *members,
			     size_t n, struct lxf_err *err);
int lxf_remotes_group_rename(struct lxf_remotes *r, const char *from, const char *to,
			     struct lxf_err *err);

/*
 * Writes into buf the groups that name remote ("web, db"; "" for none),
 * cut at a whole name with ", ..." when buf is short. Returns how many.
 * lxf_remotes_remove drops a removed remote from its groups (removing any
 * left empty) and lxf_remotes_rename renames it in them: callers use this
 * first to say so.
 */
size_t lxf_remotes_groups_of(const struct lxf_remotes *r, const char *remote, char *buf,
			     size_t len);

/* For remotes.c: renames remote from to to in every group, or with to
 * NULL drops it (removing groups left empty). */
int lxf_remotes_groups_rename_member(struct lxf_remotes *r, const char *from, const char *to,
				     struct lxf_err *err);

/* True for a good remote or group name: 1-64 chars of [A-Za-z0-9._-], not
 * starting with '.' or '-'. */
bool lxf_remote_name_ok(const char *name);

/* The remote called name, or NULL. Borrowed from r. */
const struct lxf_remote *lxf_remotes_find(const struct lxf_remotes *r, const char *name);

/*
 * Edits in memory (save with lxf_remotes_save). Names must be 1-64 chars
 * of [A-Za-z0-9._-] not starting with '.' or '-'. add: -LXF_EEXIST when
 * taken, -LXF_EINVAL for a bad name or address. remove/rename/set_url on
 * an unknown name: -LXF_ENOENT "remote 'x' not found"; on a static one:
 * -LXF_EPERM. Removing the default remote makes "local" the default.
 */
int lxf_remotes_add(struct lxf_remotes *r, const char *name, const char *addr, struct lxf_err *err);
/* As lxf_remotes_add with every field given (NULL: LXD's default). */
int lxf_remotes_add_ex(struct lxf_remotes *r, const char *name, const char *addr,
		       const char *protocol, const char *project, const char *auth_type,
		       bool public, struct lxf_err *err);
int lxf_remotes_remove(struct lxf_remotes *r, const char *name, struct lxf_err *err);
int lxf_remotes_rename(struct lxf_remotes *r, const char *from, const char *to,
		       struct lxf_err *err);
int lxf_remotes_set_url(struct lxf_remotes *r, const char *name, const char *addr,
			struct lxf_err *err);
int lxf_remotes_set_default(struct lxf_remotes *r, const char *name, struct lxf_err *err);

/* Checks an address: "unix://", "unix:///abs/path" or "https://host[:port]". */
int lxf_remote_check_addr(const char *addr, struct lxf_err *err);

/*
 * Fills err for a remote called name that r does not have: -LXF_ENOENT
 * "remote 'x' not found", naming the closest remote ("did you mean") and
 * the known ones. Returns -LXF_ENOENT.
 */
int lxf_remotes_unknown(const struct lxf_remotes *r, const char *name, struct lxf_err *err);

/*
 * The error of both: -LXF_ENOENT "KIND 'name' not found", the closest of
 * the n cands (lxf_suggest) written after mark ("did you mean '@web'?")
 * and the known ones ("(groups: web, db)"), cut at a whole name.
 */
int lxf_remotes_not_found(const char *kind, const char *mark, const char *name,
			  const char *const *cands, size_t n, struct lxf_err *err);

/*
 * Splits "[REMOTE:]NAME" as LXD does: text before the first ':' is a
 * remote, which must exist (else lxf_remotes_unknown's error); without
 * ':' the remote is the default one. *remote and *name (either may be
 * NULL) are malloc'ed (free()); *name may be "" ("h1:"). A host group
 * ("@web:c1") is -LXF_EUSAGE: an instance is on one remote.
 */
int lxf_remotes_parse_arg(const struct lxf_remotes *r, const char *arg, char **remote, char **name,
			  struct lxf_err *err);

/*
 * The unix socket path for a unix remote: "unix://" means $LXF_DIR/unix.socket,
 * else /var/lib/lxf/unix.socket. Writes into buf; returns 0, or -LXF_EINVAL
 * for a non-unix remote or a path too long.
 */
int lxf_remote_socket_path(const struct lxf_remote *rem, char *buf, size_t len,
			   struct lxf_err *err);

/* dir/servercerts/NAME.crt into buf: 0, or -LXF_EINVAL when too long. */
int lxf_remotes_servercert_path(const struct lxf_remotes *r, const char *name, char *buf,
				size_t len, struct lxf_err *err);

/* The highest "timeout:" config.yml and lxf --timeout accept. */
#define LXF_REMOTES_TIMEOUT_MAX 86400L

/*
 * Parses a timeout in whole seconds, 1..LXF_REMOTES_TIMEOUT_MAX, from
 * text (config.yml's "timeout:", lxf --timeout). Returns 0 and *secs, or
 * -LXF_EINVAL naming what (e.g. "timeout 'x'").
 */
int lxf_remotes_parse_timeout(const char *text, long *secs, struct lxf_err *err);

/*
 * Makes a client for rem, using the client certificate and the pinned
 * server certificate from r->dir for https remotes (the client certificate
 * is made on first use), and r->timeout_secs when set as both its connect
 * and answer timeouts. *out: lxf_client_free.
 */
int lxf_remotes_client(const struct lxf_remotes *r, const struct lxf_remote *rem,
		       struct lxf_client **out, struct lxf_err *err);

#endif
