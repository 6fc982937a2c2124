/* db.h - the embedded SQLite database: opening, pragmas and schema migrations.
 *
 * SQL stays behind this module's functions so a server database can replace
 * SQLite later. The schema version is PRAGMA user_version; a database newer
 * than this binary knows is refused rather than guessed at.
 */
#ifndef TEEV_DB_H
#define TEEV_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* Opens (creating if needed) and migrates. Returns 0 or -1 with err. */
int db_open(const char *path, struct db **out, char *err, size_t err_len);
/* Opens an existing database for reading only (`teev verify`): no file is
 * created, nothing is migrated or written. Returns 0, 1 when there is no
 * file at path, or -1 with err (unreadable, or another schema version). */
int db_open_readonly(const char *path, struct db **out, char *err, size_t err_len);
void db_close(struct db *db);

/* A number that changes whenever any connection or process commits to the
 * database. Cheap enough to ask on every request (no table is read). */
int64_t db_change_counter(struct db *db);

/* A number that changes exactly when a policy is created, replaced or
 * deleted, by any connection or process (a trigger keeps it). Reads a table
 * only after some commit happened, so it is cheap to ask per request.
 * -1 when the database cannot answer. */
int64_t db_policy_generation(struct db *db);

/* 0 when PRAGMA integrity_check says ok; else -1 with its answer in err. */
int db_integrity_check(struct db *db, char *err, size_t err_len);

/* The schema version after migrations. */
int db_schema_version(struct db *db);
int db_schema_version_known(void);

#endif
