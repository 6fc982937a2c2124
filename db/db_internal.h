/* db_internal.h - for the db/ module's own files only: the SQLite handle.
 * Everything outside db/ goes through the functions of db.h and the stores. */
#ifndef TEEV_DB_INTERNAL_H
#define TEEV_DB_INTERNAL_H

#include <sqlite3.h>

struct db;
sqlite3 *db_handle(struct db *db);

#endif
