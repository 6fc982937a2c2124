/* cert_cache.h - AMD certificates kept across restarts: VCEKs by product,
 * hwid and TCB, and CRLs with their next-update time. Only certificates that
 * were verified against the trust anchors are ever stored (the callers
 * prove them first); a loaded certificate is verified again before use. */
#ifndef TEEV_CERT_CACHE_H
#define TEEV_CERT_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* kind: "vcek", "vlek", "chain" or "crl". Returns 1 found (*der malloc'd),
 * 0 absent, -1 on a database error. next_update may be NULL. */
int cert_cache_get(struct db *db, const char *kind, const char *product, const char *lookup_key,
		   uint8_t **der, size_t *len, int64_t *next_update);
/* Inserts or replaces. Returns 0 or -1. */
int cert_cache_put(struct db *db, const char *kind, const char *product, const char *lookup_key,
		   const uint8_t *der, size_t len, int64_t next_update);
/* Number of entries of a kind (for tests and diagnostics), or -1. */
int cert_cache_count(struct db *db, const char *kind);

#endif
