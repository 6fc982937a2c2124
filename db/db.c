/* db.c - SQLite open, pragmas and migrations (see db.h). */
#include "db/db.h"

#include "db/db_internal.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

struct db {
	sqlite3 *handle;  /* every read and write (serialized: FULLMUTEX) */
	sqlite3 *watcher; /* only asks PRAGMA data_version, to see others' commits */
	sqlite3_stmt *data_version;
	sqlite3_stmt *generation;
	int64_t seen_data_version; /* under watch_lock */
	int64_t policy_generation;
	pthread_mutex_t watch_lock;
	int version;
};

/* Migration N takes the schema from version N to N+1. Append only: a
 * released migration is never edited. */
static const char *const migrations[] = {
	/* 1: bookkeeping */
	"CREATE TABLE teev_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO teev_meta (key, value) VALUES ('created_by', 'teev');",
	/* 2: stored policies and the endorsement certificate cache */
	"CREATE TABLE policies ("
	"  kind TEXT NOT NULL CHECK (kind IN ('snp', 'tpm', 'runtime', 'mb')),"
	"  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 128),"
	"  version INTEGER NOT NULL CHECK (version >= 1),"
	"  document TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, name));"
	"CREATE TABLE cert_cache ("
	"  kind TEXT NOT NULL CHECK (kind IN ('vcek', 'vlek', 'chain', 'crl')),"
	"  product TEXT NOT NULL,"
	"  lookup_key TEXT NOT NULL,"
	"  der BLOB NOT NULL,"
	"  fetched_at INTEGER NOT NULL,"
	"  next_update INTEGER,"
	"  PRIMARY KEY (kind, product, lookup_key));",
	/* 3: the verification log, one row per verdict */
	"CREATE TABLE verifications ("
	"  id INTEGER PRIMARY KEY,"
	"  time_ms INTEGER NOT NULL,"
	"  client TEXT NOT NULL,"
	"  evidence_type TEXT NOT NULL,"
	"  evidence_sha256 TEXT NOT NULL,"
	"  nonce TEXT NOT NULL,"
	"  valid INTEGER NOT NULL,"
	"  http_status INTEGER NOT NULL,"
	"  failures TEXT NOT NULL,"
	"  policy_name TEXT,"
	"  policy_version INTEGER,"
	"  claims TEXT NOT NULL);"
	"CREATE INDEX verifications_time ON verifications (time_ms);"
	"CREATE INDEX verifications_valid ON verifications (valid, time_ms);",
	/* 4: a counter only policy writes move. data_version also moves for
	 * verification-log commits, which must not invalidate compiled policies. */
	"CREATE TABLE policy_generation (n INTEGER NOT NULL);"
	"INSERT INTO policy_generation (n) VALUES (0);"
	"CREATE TRIGGER policies_insert AFTER INSERT ON policies"
	"  BEGIN UPDATE policy_generation SET n = n + 1; END;"
	"CREATE TRIGGER policies_update AFTER UPDATE ON policies"
	"  BEGIN UPDATE policy_generation SET n = n + 1; END;"
	"CREATE TRIGGER policies_delete AFTER DELETE ON policies"
	"  BEGIN UPDATE policy_generation SET n = n + 1; END;",
};
#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

int db_schema_version_known(void)
{
	return MIGRATION_COUNT;
}

static int exec(sqlite3 *h, const char *sql, const char *what, char *err, size_t err_len)
{
	char *message = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &message) != SQLITE_OK) {
		snprintf(err, err_len, "%s: %s", what, message ? message : sqlite3_errmsg(h));
		sqlite3_free(message);
		return -1;
	}
	return 0;
}

static int read_user_version(sqlite3 *h, int *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		*out = sqlite3_column_int(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* Each migration and its version bump commit together, so a crash leaves
 * either the old schema or the new one. */
static int migrate(struct db *db, const char *path, char *err, size_t err_len)
{
	if (read_user_version(db->handle, &db->version)) {
		snprintf(err, err_len, "%s: cannot read the schema version: %s", path,
			 sqlite3_errmsg(db->handle));
		return -1;
	}
	if (db->version > MIGRATION_COUNT) {
		snprintf(err, err_len,
			 "%s has schema version %d but this teev knows only up to %d; use a newer teev",
			 path, db->version, MIGRATION_COUNT);
		return -1;
	}
	while (db->version < MIGRATION_COUNT) {
		char bump[64];

		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d;", db->version + 1);
		if (exec(db->handle, "BEGIN IMMEDIATE;", "begin migration", err, err_len))
			return -1;
		if (exec(db->handle, migrations[db->version], "migration", err, err_len) ||
		    exec(db->handle, bump, "schema version", err, err_len) ||
		    exec(db->handle, "COMMIT;", "commit migration", err, err_len)) {
			sqlite3_exec(db->handle, "ROLLBACK;", NULL, NULL, NULL);
			return -1;
		}
		db->version++;
	}
	return 0;
}

/* SQLite says "disk I/O error" when it cannot create the WAL's files on a
 * full disk: name the likely cause when the file system shows it. */
static void add_storage_hint(const char *path, char *err, size_t err_len)
{
	char dir[4096];
	struct statvfs fs;
	char *slash;
	size_t used = strlen(err);

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (statvfs(dir, &fs) != 0 || used + 1 >= err_len)
		return;
	if (fs.f_flag & ST_RDONLY)
		snprintf(err + used, err_len - used, " (%s is on a read-only file system)", dir);
	else if (fs.f_bavail == 0)
		snprintf(err + used, err_len - used, " (the file system holding %s is full)", dir);
}

/* A second connection sees every commit made through the first one, or
 * by another process (the CLI), as a change of its data_version. */
static int open_watcher(struct db *db, const char *path, char *err, size_t err_len)
{
	if (sqlite3_open_v2(path, &db->watcher, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db->watcher, "PRAGMA data_version", -1, &db->data_version, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db->watcher, "SELECT n FROM policy_generation", -1, &db->generation,
			       NULL) != SQLITE_OK) {
		snprintf(err, err_len, "%s: cannot open a watcher connection: %s", path,
			 db->watcher ? sqlite3_errmsg(db->watcher) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(db->watcher, 5000);
	db->seen_data_version = -1;
	db->policy_generation = -1;
	return 0;
}

int db_open(const char *path, struct db **out, char *err, size_t err_len)
{
	struct db *db = calloc(1, sizeof(*db));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;

	*out = NULL;
	if (!db) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	pthread_mutex_init(&db->watch_lock, NULL);
	if (sqlite3_open_v2(path, &db->handle, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "cannot open database %s: %s", path,
			 db->handle ? sqlite3_errmsg(db->handle) : "out of memory");
		goto fail;
	}
	/* SQLite quietly falls back to reading when it cannot write; teev
	 * would then fail later on every policy write and log record. */
	if (sqlite3_db_readonly(db->handle, "main") == 1) {
		snprintf(err, err_len,
			 "database %s is read-only (its file or file system does not allow "
			 "writing); teev stores policies and the verification log there",
			 path);
		goto fail;
	}
	sqlite3_busy_timeout(db->handle, 5000);
	if (exec(db->handle, "PRAGMA journal_mode = WAL;", path, err, err_len) ||
	    exec(db->handle, "PRAGMA foreign_keys = ON;", path, err, err_len) ||
	    exec(db->handle, "PRAGMA synchronous = NORMAL;", path, err, err_len))
		goto fail;
	if (migrate(db, path, err, err_len))
		goto fail;
	if (open_watcher(db, path, err, err_len))
		goto fail;
	*out = db;
	return 0;
fail:
	add_storage_hint(path, err, err_len);
	db_close(db);
	return -1;
}

int db_open_readonly(const char *path, struct db **out, char *err, size_t err_len)
{
	struct db *db;
	struct stat st;

	*out = NULL;
	if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	pthread_mutex_init(&db->watch_lock, NULL);
	if (sqlite3_open_v2(path, &db->handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, err_len, "cannot open database %s: %s", path,
			 db->handle ? sqlite3_errmsg(db->handle) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->handle, 5000);
	if (read_user_version(db->handle, &db->version)) {
		snprintf(err, err_len, "%s: cannot read the schema version: %s", path,
			 sqlite3_errmsg(db->handle));
		goto fail;
	}
	/* Nothing is migrated here: a reader must not change the file. */
	if (db->version != MIGRATION_COUNT) {
		snprintf(err, err_len,
			 "%s has schema version %d but this teev reads version %d%s", path,
			 db->version, MIGRATION_COUNT,
			 db->version > MIGRATION_COUNT
				 ? "; use a newer teev"
				 : "; `teev serve` or `teev policy list` upgrades it");
		goto fail;
	}
	if (open_watcher(db, path, err, err_len))
		goto fail;
	*out = db;
	return 0;
fail:
	db_close(db);
	return -1;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->data_version);
	sqlite3_finalize(db->generation);
	sqlite3_close(db->watcher);
	sqlite3_close(db->handle);
	pthread_mutex_destroy(&db->watch_lock);
	free(db);
}

bool db_error_is_transient(int sqlite_code)
{
	switch (sqlite_code & 0xff) {
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_IOERR:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_CANTOPEN:
	case SQLITE_NOMEM:
		return true;
	default:
		return false;
	}
}

int64_t db_change_counter(struct db *db)
{
	int64_t value = -1;

	pthread_mutex_lock(&db->watch_lock);
	if (sqlite3_step(db->data_version) == SQLITE_ROW)
		value = sqlite3_column_int64(db->data_version, 0);
	sqlite3_reset(db->data_version);
	pthread_mutex_unlock(&db->watch_lock);
	return value;
}

int64_t db_policy_generation(struct db *db)
{
	int64_t version = -1;

	pthread_mutex_lock(&db->watch_lock);
	if (sqlite3_step(db->data_version) == SQLITE_ROW)
		version = sqlite3_column_int64(db->data_version, 0);
	sqlite3_reset(db->data_version);
	/* Read the table only after some commit happened (cheap otherwise). */
	if (version != db->seen_data_version || version < 0) {
		if (sqlite3_step(db->generation) == SQLITE_ROW) {
			db->policy_generation = sqlite3_column_int64(db->generation, 0);
			db->seen_data_version = version;
		} else {
			db->policy_generation = -1;
		}
		sqlite3_reset(db->generation);
	}
	version = db->policy_generation;
	pthread_mutex_unlock(&db->watch_lock);
	return version;
}

sqlite3 *db_handle(struct db *db)
{
	return db->handle;
}

int db_integrity_check(struct db *db, char *err, size_t err_len)
{
	sqlite3_stmt *stmt = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db->handle, "PRAGMA integrity_check", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 0);
		if (text && strcmp(text, "ok") == 0)
			rc = 0;
		else
			snprintf(err, err_len, "integrity_check: %s", text ? text : "(no answer)");
	} else {
		snprintf(err, err_len, "integrity_check: %s", sqlite3_errmsg(db->handle));
	}
	sqlite3_finalize(stmt);
	return rc;
}

int db_schema_version(struct db *db)
{
	return db->version;
}
