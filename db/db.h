/* db.h - the embedded SQLite database: opening, pragmas and schema migrations.
 *
 * SQL stays behind this module's functions so a server database can replace
 * SQLite later. The schema version is PRAGMA user_version; a database newer
 * than this binary knows is refused rather than guessed at.
 */
#ifndef TEEV_DB_H
#define TEEV_DB_H

#include <stddef.h>

struct db;

/* Opens (creating if needed) and migrates. Returns 0 or -1 with err. */
int db_open(const char *path, struct db **out, char *err, size_t err_len);
void db_close(struct db *db);

/* The schema version after migrations. */
int db_schema_version(struct db *db);
int db_schema_version_known(void);

#endif
