/* cert_store_db.h - the verifier's struct cert_store backed by the SQLite
 * certificate cache (db/cert_cache.h). */
#ifndef TEEV_CERT_STORE_DB_H
#define TEEV_CERT_STORE_DB_H

#include "verifier/snp_verify.h"

struct db;

/* Fills store so it reads and writes db; db must outlive it. */
void cert_store_db_init(struct cert_store *store, struct db *db);
/* The same, reading only: what the verifier proves is not stored. */
void cert_store_db_init_readonly(struct cert_store *store, struct db *db);

#endif
