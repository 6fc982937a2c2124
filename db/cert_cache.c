/* cert_cache.c - certificates and CRLs in SQLite (see cert_cache.h). */
#include "db/cert_cache.h"

#include "db/db_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int cert_cache_get(struct db *db, const char *kind, const char *product, const char *lookup_key,
		   uint8_t **der, size_t *len, int64_t *next_update)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *stmt = NULL;
	int rc = -1;
	int step;

	*der = NULL;
	if (sqlite3_prepare_v2(h,
			       "SELECT der, next_update FROM cert_cache "
			       "WHERE kind = ?1 AND product = ?2 AND lookup_key = ?3",
			       -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, product, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, lookup_key, -1, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE) {
		rc = 0;
	} else if (step == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(stmt, 0);
		int n = sqlite3_column_bytes(stmt, 0);
		if (blob && n > 0 && (*der = malloc((size_t)n)) != NULL) {
			memcpy(*der, blob, (size_t)n);
			*len = (size_t)n;
			if (next_update)
				*next_update = sqlite3_column_int64(stmt, 1);
			rc = 1;
		}
	}
	sqlite3_finalize(stmt);
	return rc;
}

int cert_cache_put(struct db *db, const char *kind, const char *product, const char *lookup_key,
		   const uint8_t *der, size_t len, int64_t next_update)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *stmt = NULL;
	int rc = -1;

	if (len > 0x7fffffff ||
	    sqlite3_prepare_v2(h,
			       "INSERT OR REPLACE INTO cert_cache "
			       "(kind, product, lookup_key, der, fetched_at, next_update) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			       -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, product, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, lookup_key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 4, der, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)time(NULL));
	if (next_update)
		sqlite3_bind_int64(stmt, 6, next_update);
	else
		sqlite3_bind_null(stmt, 6);
	if (sqlite3_step(stmt) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(stmt);
	return rc;
}

int cert_cache_count(struct db *db, const char *kind)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *stmt = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM cert_cache WHERE kind = ?1", -1, &stmt,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			n = sqlite3_column_int(stmt, 0);
	}
	sqlite3_finalize(stmt);
	return n;
}
