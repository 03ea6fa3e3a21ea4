/* SPDX-License-Identifier: Apache-2.0 */
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"

static sqlite3 *db;
static pthread_mutex_t db_mutex;
static pthread_once_t db_once = PTHREAD_ONCE_INIT;

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS instances ("
    " name TEXT PRIMARY KEY,"
    " description TEXT NOT NULL DEFAULT '',"
    " architecture TEXT NOT NULL DEFAULT 'x86_64',"
    " config JSON NOT NULL DEFAULT '{}',"
    " devices JSON NOT NULL DEFAULT '{}',"
    " profiles JSON NOT NULL DEFAULT '[]',"
    " ephemeral BOOLEAN NOT NULL DEFAULT 0,"
    " stateful BOOLEAN NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " last_used_at INTEGER NOT NULL DEFAULT 0,"
    " creating BOOLEAN NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS images ("
    " fingerprint TEXT PRIMARY KEY,"
    " filename TEXT NOT NULL DEFAULT '',"
    " size INTEGER NOT NULL,"
    " architecture TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " uploaded_at INTEGER NOT NULL,"
    " last_used_at INTEGER NOT NULL DEFAULT 0,"
    " properties JSON NOT NULL DEFAULT '{}',"
    " public BOOLEAN NOT NULL DEFAULT 0,"
    " auto_update BOOLEAN NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS image_aliases ("
    " name TEXT PRIMARY KEY,"
    " target TEXT NOT NULL REFERENCES images(fingerprint) ON DELETE CASCADE,"
    " description TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS profiles ("
    " name TEXT PRIMARY KEY,"
    " description TEXT NOT NULL DEFAULT '',"
    " config JSON NOT NULL DEFAULT '{}',"
    " devices JSON NOT NULL DEFAULT '{}');"
    "CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    /* api_snapshots.c. The foreign key follows instance renames and deletes. */
    "CREATE TABLE IF NOT EXISTS snapshots ("
    " instance TEXT NOT NULL REFERENCES instances(name) ON DELETE CASCADE ON UPDATE CASCADE,"
    " name TEXT NOT NULL,"
    " architecture TEXT NOT NULL DEFAULT 'x86_64',"
    " config JSON NOT NULL DEFAULT '{}',"
    " devices JSON NOT NULL DEFAULT '{}',"
    " profiles JSON NOT NULL DEFAULT '[]',"
    " ephemeral BOOLEAN NOT NULL DEFAULT 0,"
    " stateful BOOLEAN NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL DEFAULT 0,"
    " last_used_at INTEGER NOT NULL DEFAULT 0,"
    " size INTEGER NOT NULL DEFAULT 0,"
    " creating BOOLEAN NOT NULL DEFAULT 1,"
    " PRIMARY KEY (instance, name));"
    /* Version 2: the trust store (api_certificates.c). IF NOT EXISTS adds it
     * to a version 1 database as it opens. */
    "CREATE TABLE IF NOT EXISTS certificates ("
    " fingerprint TEXT PRIMARY KEY,"
    " type TEXT NOT NULL DEFAULT 'client',"
    " name TEXT NOT NULL,"
    " certificate TEXT NOT NULL,"
    " restricted BOOLEAN NOT NULL DEFAULT 0,"
    " projects JSON NOT NULL DEFAULT '[]');"
    /* Version 3: file steps of committed changes not yet carried out
     * (journal.c); op is 'rename' (path to dest) or 'remove' (path). */
    "CREATE TABLE IF NOT EXISTS fs_intents ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch INTEGER NOT NULL,"
    " op TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " dest TEXT NOT NULL DEFAULT '');"
    /* Version 4: instance backups (api_backups.c; files in DIR/backups,
     * made under a temporary name, kept while the row is) and the expiry
     * of images that have one (api_publish.c). */
    "CREATE TABLE IF NOT EXISTS backups ("
    " instance TEXT NOT NULL REFERENCES instances(name) ON DELETE CASCADE ON UPDATE CASCADE,"
    " name TEXT NOT NULL,"
    " file TEXT NOT NULL,"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL DEFAULT 0,"
    " instance_only BOOLEAN NOT NULL DEFAULT 0,"
    " optimized_storage BOOLEAN NOT NULL DEFAULT 0,"
    " compression TEXT NOT NULL DEFAULT 'gzip',"
    " PRIMARY KEY (instance, name));"
    "CREATE TABLE IF NOT EXISTS image_expiry ("
    " fingerprint TEXT PRIMARY KEY REFERENCES images(fingerprint) ON DELETE CASCADE,"
    " expires_at INTEGER NOT NULL);"
    /* Version 5: custom storage volumes of the pool "default" (volume.c;
     * files in DIR/custom/NAME, scratch while creating is set). */
    "CREATE TABLE IF NOT EXISTS storage_volumes ("
    " name TEXT PRIMARY KEY,"
    " description TEXT NOT NULL DEFAULT '',"
    " config JSON NOT NULL DEFAULT '{}',"
    " created_at INTEGER NOT NULL,"
    " creating BOOLEAN NOT NULL DEFAULT 1);"
    /* Version 6: snapshots of custom volumes (volume_snap.c; files in
     * DIR/custom/VOLUME/snapshots/NAME, scratch while creating is set).
     * The foreign key follows volume renames and deletes. */
    "CREATE TABLE IF NOT EXISTS storage_volume_snapshots ("
    " volume TEXT NOT NULL REFERENCES storage_volumes(name) ON DELETE CASCADE"
    " ON UPDATE CASCADE,"
    " name TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '',"
    " config JSON NOT NULL DEFAULT '{}',"
    " created_at INTEGER NOT NULL,"
    " expires_at INTEGER NOT NULL DEFAULT 0,"
    " creating BOOLEAN NOT NULL DEFAULT 1,"
    " PRIMARY KEY (volume, name));"
    "PRAGMA user_version = 6;";

static void db_mutex_init(void)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	/* Cannot fail for a process-private recursive mutex with default protocol. */
	(void)pthread_mutex_init(&db_mutex, &attr);
	pthread_mutexattr_destroy(&attr);
}

void db_lock(void)
{
	pthread_once(&db_once, db_mutex_init);
	pthread_mutex_lock(&db_mutex);
}

void db_unlock(void)
{
	pthread_mutex_unlock(&db_mutex);
}

/*
 * Prepared statements kept between calls, found by the address of their
 * SQL text (string literals, so it is stable; the text is compared too, for
 * SQL built in a buffer). Parsing SQL was a sixth of lxfd's CPU in a list
 * request. Direct-mapped: a clash finalizes the older statement. Used
 * under db_lock only; a statement is reset before the lock is let go, so
 * none holds a read transaction open between calls.
 */
#define DB_STMT_SLOTS 64

static struct {
	const char *sql;
	sqlite3_stmt *st;
} stmt_cache[DB_STMT_SLOTS];

static unsigned stmt_slot(const char *sql)
{
	uintptr_t p = (uintptr_t)sql;

	return (unsigned)((p >> 3) ^ (p >> 11)) % DB_STMT_SLOTS;
}

/* *cached tells the caller to reset the statement (true) or finalize it. */
static int stmt_get(const char *sql, sqlite3_stmt **out, bool *cached)
{
	unsigned i = stmt_slot(sql);
	const char *tail = NULL;
	int rc;

	*cached = false;
	if (stmt_cache[i].st && stmt_cache[i].sql == sql &&
	    strcmp(sqlite3_sql(stmt_cache[i].st), sql) == 0) {
		*out = stmt_cache[i].st;
		*cached = true;
		return SQLITE_OK;
	}
	rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, &tail);
	/* Only a whole single statement is kept: its text is then all of sql. */
	if (rc != SQLITE_OK || !*out || (tail && *tail))
		return rc;
	if (stmt_cache[i].st)
		sqlite3_finalize(stmt_cache[i].st);
	stmt_cache[i].sql = sql;
	stmt_cache[i].st = *out;
	*cached = true;
	return SQLITE_OK;
}

static void stmt_cache_clear(void)
{
	for (size_t i = 0; i < DB_STMT_SLOTS; i++) {
		sqlite3_finalize(stmt_cache[i].st); /* NULL is a no-op */
		stmt_cache[i].st = NULL;
		stmt_cache[i].sql = NULL;
	}
}

int db_open(const char *path, struct lxf_err *err)
{
	char *msg = NULL;
	int ret = 0;

	db_lock();
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot open database %s: %s", path,
				  db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	/* The database holds the whole configuration: root only, like its WAL files after it. */
	if (chmod(path, 0600) < 0) {
		ret = lxf_err_sys(err, LXF_EIO, errno, "Cannot chmod %s", path);
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	/* A small page cache keeps the idle daemon light; the data set is tiny. */
	if (sqlite3_exec(db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 " PRAGMA foreign_keys=ON; PRAGMA cache_size=-256;",
			 NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		ret = lxf_err_set(err, LXF_EIO, "Cannot set up database %s: %s", path,
				  msg ? msg : "unknown error");
		goto out;
	}
out:
	sqlite3_free(msg);
	if (ret < 0 && db) {
		stmt_cache_clear();
		sqlite3_close(db);
		db = NULL;
	}
	db_unlock();
	return ret;
}

void db_close(void)
{
	db_lock();
	stmt_cache_clear();
	sqlite3_close(db);
	db = NULL;
	db_unlock();
}

static struct json_object *column_json(sqlite3_stmt *st, int i)
{
	const char *decl = sqlite3_column_decltype(st, i);
	int type = sqlite3_column_type(st, i);

	if (type == SQLITE_NULL)
		return NULL;
	if (decl && strcmp(decl, "JSON") == 0) {
		const char *text = (const char *)sqlite3_column_text(st, i);
		struct json_object *o = NULL;
		if (text && lxf_json_parse(text, strlen(text), 0, &o, NULL) == 0)
			return o;
		return NULL;
	}
	if (decl && strcmp(decl, "BOOLEAN") == 0)
		return json_object_new_boolean(sqlite3_column_int(st, i) != 0);
	if (type == SQLITE_INTEGER)
		return json_object_new_int64(sqlite3_column_int64(st, i));
	return json_object_new_string((const char *)sqlite3_column_text(st, i));
}

static int bind_args(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	for (int i = 0; fmt[i]; i++) {
		int rc;
		switch (fmt[i]) {
		case 's':
			rc = sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
					       SQLITE_TRANSIENT);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'b':
			rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int) ? 1 : 0);
			break;
		case 'j': {
			struct json_object *o = va_arg(ap, struct json_object *);
			const char *text =
			    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
			rc = sqlite3_bind_text(st, i + 1, text, -1, SQLITE_TRANSIENT);
			break;
		}
		default:
			rc = SQLITE_MISUSE;
			break;
		}
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

static int db_vexec(struct json_object **rows, int *changes, struct lxf_err *err, const char *sql,
		    const char *fmt, va_list ap)
{
	sqlite3_stmt *st = NULL;
	struct json_object *arr = NULL;
	bool cached = false;
	int ret = 0;
	int rc;

	db_lock();
	if (!db) {
		ret = lxf_err_set(err, LXF_EIO, "Database is not open");
		goto out;
	}
	rc = stmt_get(sql, &st, &cached);
	if (rc == SQLITE_OK)
		rc = bind_args(st, fmt, ap);
	if (rc != SQLITE_OK) {
		ret = lxf_err_set(err, LXF_EIO, "Database error: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (rows && !(arr = json_object_new_array())) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!arr)
			continue;
		struct json_object *row = json_object_new_object();
		if (!row) {
			ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
			goto out;
		}
		for (int i = 0; i < sqlite3_column_count(st); i++)
			json_object_object_add(row, sqlite3_column_name(st, i), column_json(st, i));
		json_object_array_add(arr, row);
	}
	if (rc != SQLITE_DONE) {
		int ext = sqlite3_extended_errcode(db);
		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
			ret = lxf_err_set(err, LXF_EEXIST, "Already exists");
		else
			ret = lxf_err_set(err, LXF_EIO, "Database error: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (changes)
		*changes = sqlite3_changes(db);
	if (rows) {
		*rows = arr;
		arr = NULL;
	}
out:
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	db_unlock();
	json_object_put(arr);
	return ret;
}

int db_exec(struct json_object **rows, int *changes, struct lxf_err *err, const char *sql,
	    const char *fmt, ...)
{
	va_list ap;
	int ret;

	if (rows)
		*rows = NULL;
	va_start(ap, fmt);
	ret = db_vexec(rows, changes, err, sql, fmt, ap);
	va_end(ap);
	return ret;
}

int db_row(struct json_object **row, const char *what, struct lxf_err *err, const char *sql,
	   const char *fmt, ...)
{
	struct json_object *rows = NULL;
	va_list ap;
	int ret;

	*row = NULL;
	va_start(ap, fmt);
	ret = db_vexec(&rows, NULL, err, sql, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return ret;
	if (json_object_array_length(rows) == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "%s not found", what);
	else
		*row = json_object_get(json_object_array_get_idx(rows, 0));
	json_object_put(rows);
	return ret;
}

int db_rows_by(struct json_object **map, const char *key, bool unique, struct lxf_err *err,
	       const char *sql, const char *fmt, ...)
{
	struct json_object *rows = NULL, *m = NULL;
	va_list ap;
	int ret;

	*map = NULL;
	va_start(ap, fmt);
	ret = db_vexec(&rows, NULL, err, sql, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return ret;
	if (!(m = json_object_new_object())) {
		ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i), *group = NULL;
		const char *k = lxf_json_str(row, key);

		if (!k || (unique && json_object_object_get_ex(m, k, NULL)))
			continue;
		if (unique) {
			if (json_object_object_add(m, k, json_object_get(row)))
				goto nomem;
			continue;
		}
		if (!json_object_object_get_ex(m, k, &group)) {
			if (!(group = json_object_new_array()) ||
			    json_object_object_add(m, k, group)) {
				json_object_put(group);
				goto nomem;
			}
		}
		if (json_object_array_add(group, json_object_get(row)))
			goto nomem;
	}
	*map = m;
	m = NULL;
	goto out;
nomem:
	ret = lxf_err_set(err, LXF_ENOMEM, "Out of memory");
out:
	json_object_put(m);
	json_object_put(rows);
	return ret;
}

/* Takes db_lock, then starts a transaction with sql; the lock stays held on success. */
static int db_begin_sql(const char *sql, struct lxf_err *err)
{
	int ret;

	db_lock();
	ret = db_exec(NULL, NULL, err, sql, "");
	if (ret < 0)
		db_unlock();
	return ret;
}

int db_begin(struct lxf_err *err)
{
	return db_begin_sql("BEGIN IMMEDIATE", err);
}

int db_commit(struct lxf_err *err)
{
	int ret = db_exec(NULL, NULL, err, "COMMIT", "");

	if (ret < 0)
		db_exec(NULL, NULL, NULL, "ROLLBACK", "");
	db_unlock();
	return ret;
}

void db_rollback(void)
{
	db_exec(NULL, NULL, NULL, "ROLLBACK", "");
	db_unlock();
}

int db_read_begin(struct lxf_err *err)
{
	return db_begin_sql("BEGIN", err);
}

void db_read_end(void)
{
	db_exec(NULL, NULL, NULL, "COMMIT", "");
	db_unlock();
}

int db_image_resolve(const char *prefix, struct json_object **row, struct lxf_err *err)
{
	struct json_object *rows = NULL;
	size_t n;
	int ret;

	*row = NULL;
	/* substr() rather than LIKE: the prefix is hex, but LIKE would read '_' and '%'. */
	ret = db_exec(&rows, NULL, err,
		      "SELECT * FROM images WHERE substr(fingerprint, 1, length(?1)) = ?1 LIMIT 2",
		      "s", prefix);
	if (ret < 0)
		return ret;
	n = json_object_array_length(rows);
	if (n == 0)
		ret = lxf_err_set(err, LXF_ENOENT, "Image not found");
	else if (n > 1)
		ret = lxf_err_set(err, LXF_EINVAL, "More than one image matches \"%s\"", prefix);
	else
		*row = json_object_get(json_object_array_get_idx(rows, 0));
	json_object_put(rows);
	return ret;
}

int db_config_get(const char *key, char **out, struct lxf_err *err)
{
	struct json_object *row = NULL;
	int ret;

	*out = NULL;
	ret = db_row(&row, "Config key", err, "SELECT value FROM config WHERE key = ?", "s", key);
	if (ret == -LXF_ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	*out = strdup(lxf_json_str(row, "value") ? lxf_json_str(row, "value") : "");
	json_object_put(row);
	return *out ? 0 : lxf_err_set(err, LXF_ENOMEM, "Out of memory");
}

int db_config_set(const char *key, const char *value, struct lxf_err *err)
{
	return db_exec(NULL, NULL, err,
		       "INSERT INTO config (key, value) VALUES (?, ?)"
		       " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		       "ss", key, value);
}
