/* db.c - SQLite open, pragmas and migrations (see db.h). */
#include "db/db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct db {
	sqlite3 *handle;
	int version;
};

/* Migration N takes the schema from version N to N+1. Append only: a
 * released migration is never edited. */
static const char *const migrations[] = {
	"CREATE TABLE teev_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO teev_meta (key, value) VALUES ('created_by', 'teev');",
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

int db_open(const char *path, struct db **out, char *err, size_t err_len)
{
	struct db *db = calloc(1, sizeof(*db));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;

	*out = NULL;
	if (!db) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &db->handle, flags, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "cannot open database %s: %s", path,
			 db->handle ? sqlite3_errmsg(db->handle) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->handle, 5000);
	if (exec(db->handle, "PRAGMA journal_mode = WAL;", path, err, err_len) ||
	    exec(db->handle, "PRAGMA foreign_keys = ON;", path, err, err_len) ||
	    exec(db->handle, "PRAGMA synchronous = NORMAL;", path, err, err_len))
		goto fail;
	if (migrate(db, path, err, err_len))
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
	sqlite3_close(db->handle);
	free(db);
}

int db_schema_version(struct db *db)
{
	return db->version;
}
