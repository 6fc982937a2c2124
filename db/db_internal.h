/* db_internal.h - for the db/ module's own files only: the SQLite handle.
 * Everything outside db/ goes through the functions of db.h and the stores. */
#ifndef TEEV_DB_INTERNAL_H
#define TEEV_DB_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

struct db;
sqlite3 *db_handle(struct db *db);

/* Errors of the storage rather than of the statement (full, read-only,
 * busy, failing disk, no memory): the same write may succeed later. */
bool db_error_is_transient(int sqlite_code);

#endif
