/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXF_CLI_OBJ_H
#define LXF_CLI_OBJ_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "cmd.h"
#include "err.h"

/*
 * Objects edited whole, as lxc does: GET (keeping the ETag), change the
 * writable fields, PUT with If-Match so that a concurrent change is
 * refused (412) instead of overwritten. Shared by config, profile, image
 * and device commands.
 */

/* The writable fields of each kind (LXD's *Put structs), NULL-terminated. */
extern const char *const lxf_obj_instance_keys[];
extern const char *const lxf_obj_profile_keys[];
extern const char *const lxf_obj_server_keys[];
extern const char *const lxf_obj_image_keys[];
extern const char *const lxf_obj_network_keys[];
extern const char *const lxf_obj_snapshot_keys[];

/* One fetched object: its metadata and ETag. Zero it before use. */
struct lxf_obj {
	struct json_object *full; /* the GET metadata (owned) */
	char etag[128];
};

/* Releases o->full; o is zeroed. */
void lxf_obj_fini(struct lxf_obj *o);

/* GETs path into o (previous contents released). Returns 0 or the server error. */
int lxf_obj_get(struct lxf_client *c, const char *path, struct lxf_obj *o, struct lxf_err *err);

/*
 * A new object holding copies of full's members named in keys (absent
 * ones are left out). NULL on ENOMEM. json_object_put it.
 */
struct json_object *lxf_obj_writable(struct json_object *full, const char *const *keys);

/*
 * PUTs body to path with "If-Match: etag" (when etag is non-empty) and
 * waits for the operation when the answer is async (instances).
 */
int lxf_obj_put(struct lxf_client *c, const char *path, struct json_object *body, const char *etag,
		struct lxf_err *err);

/*
 * The member key of o as a string map (created when absent). Borrowed
 * from o; NULL on ENOMEM or when it is not an object.
 */
struct json_object *lxf_obj_map(struct json_object *o, const char *key);

/* Prints o as YAML on f. Returns 0 or an error. */
int lxf_obj_print_yaml(FILE *f, struct json_object *o, struct lxf_err *err);

/*
 * Reads all of stdin (capped at LXF_YAML_MAX_SIZE) as one YAML document:
 * *out a new reference (NULL for an empty input), or an error with the
 * line and column of bad YAML.
 */
int lxf_obj_stdin_yaml(struct json_object **out, struct lxf_err *err);

/* Called with the edited document; returns 0 or an error to show. */
typedef int (*lxf_obj_apply_fn)(void *ud, struct json_object *edited, struct lxf_err *err);

/*
 * The `edit` flow of lxc: when stdin is not a terminal, reads YAML from it
 * (capped) and applies it once (errors end the command). Otherwise writes
 * current as YAML to a private temporary file, runs $VISUAL, $EDITOR or
 * vi on it, parses and applies; on a parse or apply error prints it and
 * offers to re-open the editor (Enter) or give up (Ctrl-D, -LXF_ECANCELED).
 * An unchanged file applies nothing. Returns 0 or an error.
 */
int lxf_obj_edit(struct lxf_cmd_ctx *ctx, struct json_object *current, lxf_obj_apply_fn apply,
		 void *ud, struct lxf_err *err);

/*
 * lxf_obj_edit's apply step for an object whose PUT takes the members in
 * keys (what GET shows beyond them, e.g. name or used_by, is dropped), or
 * the document as edited when keys is NULL: ud is a struct
 * lxf_obj_put_edit, borrowed.
 */
struct lxf_obj_put_edit {
	struct lxf_client *c;
	const char *path, *etag;
	const char *const *keys;
	bool string_config; /* config values must be strings (an instance's) */
};
int lxf_obj_put_edit_apply(void *ud, struct json_object *edited, struct lxf_err *err);

/* strdup of s, or of "" for NULL. */
char *lxf_obj_strdup(const char *s);

/*
 * Parses "[REMOTE:]NAME" where the NEW name of a rename may also carry a
 * remote: that remote must be the same as from_remote (-LXF_EUSAGE
 * otherwise). *name: free().
 */
int lxf_obj_same_remote(struct lxf_cmd_ctx *ctx, const char *from_arg, const char *to_arg,
			char **name, struct lxf_err *err);

/*
 * Resource descriptors: what the generic object commands (obj-verbs.c)
 * need to know of a kind of object. A command entry points at its
 * descriptor through lxf_cmd.obj and at a generic verb through exec.
 */

/* How a list cell is made from one member of an object. */
enum lxf_obj_cell {
	LXF_CELL_STR,    /* the string, "" when absent */
	LXF_CELL_UPPER,  /* the string in capitals (STATE, STATUS) */
	LXF_CELL_SHORT,  /* the first 12 characters (fingerprints) */
	LXF_CELL_YES_NO, /* a boolean as YES or NO */
	LXF_CELL_yes_no, /* a boolean as yes or no */
	LXF_CELL_COUNT,  /* an array's length (USED BY) */
	LXF_CELL_TIME,   /* a timestamp as lxc prints it */
	LXF_CELL_SIZE,   /* bytes in IEC units */
	LXF_CELL_KIND,   /* "virtual-machine" as VIRTUAL-MACHINE, else CONTAINER */
	LXF_CELL_FN,     /* made by fn */
};

/* One column of a list table. */
struct lxf_obj_col {
	const char *header;
	enum lxf_obj_cell cell;
	const char *key;                    /* the member */
	const char *in;                     /* NULL, or the map holding key ("config") */
	char *(*fn)(struct json_object *o); /* LXF_CELL_FN: a malloc'ed cell or NULL */
};

#define LXF_OBJ_MAX_COLS 8

/* Descriptor flags. */
enum {
	LXF_OBJ_SERVER = 0x1,   /* "REMOTE:" or no target names the server (/1.0), as config */
	LXF_OBJ_SNAPSHOT = 0x2, /* show and get read NAME/SNAPSHOT */
	LXF_OBJ_EXPANDED = 0x4, /* --expanded reads expanded_config/devices; profiles add devices */
	LXF_OBJ_EDIT_RAW =
	    0x8, /* edit PUTs the document as edited, config values checked as strings */
	LXF_OBJ_DEL_STOP = 0x10,    /* delete stops at the first failure */
	LXF_OBJ_DEL_PARTIAL = 0x20, /* delete exits LXF_EXIT_PARTIAL when only some failed */
	LXF_OBJ_FILTER = 0x40,      /* list takes [REMOTE:][FILTER], passed to keep */
};

struct lxf_obj_desc {
	const char *collection;        /* "profiles", "images/aliases": below /1.0 */
	const char *noun;              /* "Profile": "Profile NAME deleted"; NULL prints nothing */
	const char *const *keys;       /* writable members (PUT body); NULL: read-only */
	const char *const *show_extra; /* show: these GET members after the writable ones;
					  NULL: show the whole GET */
	const char *snap_write;        /* LXF_OBJ_SNAPSHOT: why a write cannot name one */
	unsigned flags;
	struct lxf_obj_col cols[LXF_OBJ_MAX_COLS]; /* list; ended by a NULL header */
	/* list: the array of objects in the GET answer md (new reference); NULL: md. */
	struct json_object *(*rows)(struct json_object *md);
	/* list: whether o is listed (filter: "" when not given). NULL: all. */
	bool (*keep)(struct json_object *o, const char *filter);
	/* The id in the path for the name given (images: alias or prefix). NULL: the name. */
	int (*resolve)(struct lxf_client *c, const char *ref, char **id, struct lxf_err *err);
};

/* Profiles (cmd-profile.c), also the target of profile device commands. */
extern const struct lxf_obj_desc lxf_obj_profile_desc;
/* Images (named by alias or fingerprint prefix) and aliases (cmd-image.c). */
extern const struct lxf_obj_desc lxf_obj_image_desc, lxf_obj_image_alias_desc;

/* One object named on the command line, resolved. Zero it before lxf_obj_open. */
struct lxf_obj_ref {
	struct lxf_client *c;
	char *name;       /* as given, without the remote (NULL: the server) */
	char *id;         /* resolved name (images: the fingerprint); NULL: the server */
	char *snap;       /* NULL: not a snapshot */
	char path[1024];  /* "/1.0/<collection>/<id>[/snapshots/<snap>]" or "/1.0" */
	struct lxf_obj o; /* filled by lxf_obj_open_get */
};

/* Releases everything r holds; r is zeroed. */
void lxf_obj_ref_fini(struct lxf_obj_ref *r);

/*
 * Connects for arg "[REMOTE:]NAME" and fills r (d->resolve applied). With
 * LXF_OBJ_SERVER, arg NULL or "REMOTE:" names the server. With
 * LXF_OBJ_SNAPSHOT, NAME/SNAP names a snapshot, unless write: then a '/'
 * in NAME is -LXF_EUSAGE "<d->snap_write>: '<arg>'".
 */
int lxf_obj_open(struct lxf_cmd_ctx *ctx, const struct lxf_obj_desc *d, const char *arg, bool write,
		 struct lxf_obj_ref *r, struct lxf_err *err);

/* Appends suffix ("/state") to r->path. -LXF_EINVAL when too long. */
int lxf_obj_path_add(struct lxf_obj_ref *r, const char *suffix, struct lxf_err *err);

/* What a command does to the object r that lxf_obj_run opened; 0 or an error in err. */
typedef int (*lxf_obj_fn)(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			  const struct lxf_cmd_args *args, struct lxf_obj_ref *r,
			  struct lxf_err *err);

enum {
	LXF_OBJ_RUN_NOGET = 0x1, /* open only: r->o stays empty */
	LXF_OBJ_RUN_WRITE = 0x2, /* the command writes: a snapshot is a usage error */
};

/*
 * The frame of a command on one object: lxf_obj_open(self->obj, target),
 * GET (unless LXF_OBJ_RUN_NOGET), fn, release, and the exit status.
 */
int lxf_obj_run(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
		const struct lxf_cmd_args *args, const char *target, unsigned how, lxf_obj_fn fn);

/* Defines the exec function name: lxf_obj_run of fn on the first argument. */
#define LXF_OBJ_EXEC(name, how, fn)                                                                \
	static int name(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,                       \
			const struct lxf_cmd_args *args)                                           \
	{                                                                                          \
		return lxf_obj_run(self, ctx, args, args->argv[0], how, fn);                       \
	}

/*
 * The generic verbs, exec functions of entries whose obj is set:
 * list   [REMOTE:][FILTER] [-f FORMAT]: d->cols as a table, or the GET as JSON/YAML
 *        (the dispatcher resolves the remote and parses -f: LXF_OBJ_LIST_ENTRY);
 * list_fleet [REMOTE:[FILTER]...] [FILTER...]: as list over the fleet's members (or the
 *        remotes named) in one parallel batch, a REMOTE column first, "remote" in each
 *        JSON object; a remote that fails is named on stderr, exit 3 (LXF_OBJ_FLEET_LIST_ENTRY);
 * show   TARGET: YAML (writable members and show_extra, or the whole GET; --expanded);
 * get    TARGET KEY: one config key (non-strings as JSON; --expanded);
 * set    TARGET KEY VALUE | key=value...; unset TARGET KEY: GET + PUT with If-Match;
 * edit   TARGET: lxf_obj_edit on the writable members;
 * rename TARGET [REMOTE:]NEW: POST {"name": NEW} (same remote, NEW not empty);
 * delete TARGET...: DELETE each, as d->flags says.
 * With LXF_OBJ_SERVER the TARGET may be left out or be "REMOTE:".
 */
typedef int lxf_obj_verb(const struct lxf_cmd *self, struct lxf_cmd_ctx *ctx,
			 const struct lxf_cmd_args *args);
lxf_obj_verb lxf_obj_list, lxf_obj_list_fleet, lxf_obj_show, lxf_obj_get_key, lxf_obj_set,
    lxf_obj_unset, lxf_obj_edit_cmd, lxf_obj_rename, lxf_obj_delete;

/*
 * A command entry in one line: name, an alias (NULL for none), usage,
 * summary, the argument bounds, exec, the descriptor and (_OPTS) the
 * option rows. cmd.h's LXF_CMD_ENTRY_OBJ also takes a target and flags.
 */
#define LXF_OBJ_ENTRY_OPTS(nm, al, us, sum, lo, hi, fn, desc, ...)                                 \
	LXF_CMD_ENTRY_OBJ(nm, al, us, sum, lo, hi, LXF_CMD_T_NONE, 0, fn, desc, __VA_ARGS__)
#define LXF_OBJ_ENTRY(nm, al, us, sum, lo, hi, fn, desc)                                           \
	LXF_OBJ_ENTRY_OPTS(nm, al, us, sum, lo, hi, fn, desc, {0})

/* A list entry "GROUP list" (alias "GROUP ls") on "[REMOTE:]", usage us plus -f FORMAT. */
#define LXF_OBJ_LIST_ENTRY(grp, us, sum, desc)                                                     \
	LXF_CMD_ENTRY_OBJ(grp " list", grp " ls", us " [-f FORMAT]", sum, 0, 1, LXF_CMD_T_REMOTE,  \
			  LXF_CMD_F_FORMAT, lxf_obj_list, desc, {0})

/* As LXF_OBJ_LIST_ENTRY over the fleet (lxf_obj_list_fleet): any number of REMOTE: arguments. */
#define LXF_OBJ_FLEET_LIST_ENTRY(grp, us, sum, desc)                                               \
	LXF_CMD_ENTRY_OBJ(grp " list", grp " ls", us " [-f FORMAT]", sum, 0, -1, LXF_CMD_T_NONE,   \
			  LXF_CMD_F_FORMAT, lxf_obj_list_fleet, desc, {0})

#endif
