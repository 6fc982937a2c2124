/* cert_store_db.c - struct cert_store over db/cert_cache (see cert_store_db.h). */
#include "server/cert_store_db.h"

#include "db/cert_cache.h"
#include "server/log.h"

static uint8_t *load(void *ctx, const char *kind, const char *product, const char *key,
		     size_t *len, int64_t *next_update)
{
	uint8_t *der = NULL;
	int64_t next = 0;

	if (cert_cache_get(ctx, kind, product, key, &der, len, &next) != 1)
		return NULL;
	*next_update = next;
	return der;
}

static void save(void *ctx, const char *kind, const char *product, const char *key,
		 const uint8_t *der, size_t len, int64_t next_update)
{
	/* A failed save only costs a later re-fetch; the verdict stands. */
	if (cert_cache_put(ctx, kind, product, key, der, len, next_update))
		log_warn("could not store a %s %s certificate in the database", product, kind);
}

void cert_store_db_init(struct cert_store *store, struct db *db)
{
	store->ctx = db;
	store->load = load;
	store->save = save;
}

/* `teev verify` reads the server's database but never writes it. */
static void save_nothing(void *ctx, const char *kind, const char *product, const char *key,
			 const uint8_t *der, size_t len, int64_t next_update)
{
	(void)ctx;
	(void)kind;
	(void)product;
	(void)key;
	(void)der;
	(void)len;
	(void)next_update;
}

void cert_store_db_init_readonly(struct cert_store *store, struct db *db)
{
	store->ctx = db;
	store->load = load;
	store->save = save_nothing;
}
