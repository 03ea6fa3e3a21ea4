/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LXFD_DB_H
#define LXFD_DB_H

#include <json-c/json.h>
#include <stdbool.h>

#include "err.h"

/*
 * lxfd's state in SQLite (DIR/lxf.db, WAL). One connection behind one
 * (recursive) mutex: statements are short, and any thread may call these.
 * Rows come back as JSON objects keyed by column name; columns declared
 * JSON are parsed, BOOLEAN ones are JSON booleans.
 */

/* Opens (creating) the database and its schema. Returns 0 or -LXF_EIO. */
int db_open(const char *path, struct lxf_err *err);
void db_close(void);

/* Hold the lock across several statements that must be atomic. Recursive. */
void db_lock(void);
void db_unlock(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK, with the lock taken by begin and released by the end. */
int db_begin(struct lxf_err *err);
int db_commit(struct lxf_err *err);
void db_rollback(void);
/* A read transaction: the queries between see one state of the database and
 * take its file lock once, not once each. Holds db_lock until db_read_end. */
int db_read_begin(struct lxf_err *err);
void db_read_end(void);

/*
 * Prepares sql, binds one parameter per character of fmt from the varargs
 * ('s' const char *, 'i' int64_t, 'b' int as 0/1, 'j' struct json_object *
 * stored as its JSON text) and steps it to the end. With rows non-NULL,
 * *rows is a new array of row objects. With changes non-NULL it gets the
 * changed row count. Returns 0, -LXF_EEXIST for a UNIQUE or PRIMARY KEY
 * violation, -LXF_EIO otherwise.
 */
int db_exec(struct json_object **rows, int *changes, struct lxf_err *err, const char *sql,
	    const char *fmt, ...);

/*
 * The single row of a query (new reference) or -LXF_ENOENT with
 * "<what> not found" (LXD's message shape).
 */
int db_row(struct json_object **row, const char *what, struct lxf_err *err, const char *sql,
	   const char *fmt, ...);

/*
 * Runs a query as db_exec does and groups its rows by the string column
 * key: *map is a new object {value: [rows in query order]}, or with
 * unique {value: first row}. Rows whose key is NULL are left out. Lets a
 * list read a table once rather than once per item.
 */
int db_rows_by(struct json_object **map, const char *key, bool unique, struct lxf_err *err,
	       const char *sql, const char *fmt, ...);

/* Looks up an image by fingerprint prefix: -LXF_ENOENT, -LXF_EINVAL when ambiguous. */
int db_image_resolve(const char *prefix, struct json_object **row, struct lxf_err *err);

/* Server config (key/value); *out NULL when unset. Returned string: free(). */
int db_config_get(const char *key, char **out, struct lxf_err *err);
int db_config_set(const char *key, const char *value, struct lxf_err *err);

#endif
