/* policy_cache.c - compiled policies, invalidated by the store's change
 * counter (see policy_cache.h). */
#include "policy/policy_cache.h"

#include "db/db.h"
#include "db/policy_store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct policy_entry {
	struct policy_entry *next;
	const struct policy_kind *kind;
	char name[POLICY_NAME_MAX + 1];
	enum policy_lookup status; /* FOUND, MISSING or BROKEN */
	char error[256];           /* why BROKEN */
	int64_t version;
	void *compiled;
	unsigned refs;  /* the cache's own reference counts as one while attached */
	bool attached;
};

struct policy_cache {
	pthread_mutex_t lock;
	struct db *db;
	const struct policy_compile_context *ctx;
	int64_t seen_change; /* the store's change counter when the entries were loaded */
	uint64_t compilations;
	struct policy_entry *entries;
};

struct policy_cache *policy_cache_new(struct db *db, const struct policy_compile_context *ctx)
{
	struct policy_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->db = db;
	c->ctx = ctx;
	c->seen_change = -1;
	return c;
}

static void entry_free(struct policy_entry *e)
{
	if (e->compiled)
		e->kind->release(e->compiled);
	free(e);
}

/* Drops one reference; the last one frees. Called with the lock held. */
static void entry_unref(struct policy_entry *e)
{
	if (--e->refs == 0)
		entry_free(e);
}

/* Detaches every entry; those still used by a request live until released. */
static void drop_all(struct policy_cache *c)
{
	struct policy_entry *e = c->entries;

	while (e) {
		struct policy_entry *next = e->next;
		e->attached = false;
		entry_unref(e);
		e = next;
	}
	c->entries = NULL;
}

void policy_cache_free(struct policy_cache *c)
{
	if (!c)
		return;
	drop_all(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct policy_entry *load(struct policy_cache *c, const struct policy_kind *kind,
				 const char *name, char *err, size_t err_len)
{
	struct policy_entry *e = calloc(1, sizeof(*e));
	struct stored_policy stored;
	enum store_result rc;

	if (!e) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	e->kind = kind;
	snprintf(e->name, sizeof(e->name), "%s", name);
	rc = policy_store_get(c->db, kind->kind, name, &stored, err, err_len);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		free(e);
		return NULL;
	}
	if (rc == STORE_NOT_FOUND) {
		e->status = POLICY_MISSING;
		return e;
	}
	e->version = stored.version;
	e->compiled = kind->compile(c->ctx, stored.document, strlen(stored.document), e->error,
				    sizeof(e->error));
	e->status = e->compiled ? POLICY_FOUND : POLICY_BROKEN;
	stored_policy_clear(&stored);
	return e;
}

enum policy_lookup policy_cache_get(struct policy_cache *c, const struct policy_kind *kind,
				    const char *name, struct policy_ref *out, char *err,
				    size_t err_len)
{
	int64_t change = db_policy_generation(c->db);
	struct policy_entry *e;
	enum policy_lookup status;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	if (change != c->seen_change) {
		drop_all(c);
		c->seen_change = change;
	}
	for (e = c->entries; e; e = e->next)
		if (e->kind == kind && strcmp(e->name, name) == 0)
			break;
	if (!e) {
		/* Compiling under the lock keeps two threads from compiling the
		 * same large policy twice; lookups of other policies wait briefly. */
		e = load(c, kind, name, err, err_len);
		if (e && e->status != POLICY_MISSING)
			c->compilations++;
		if (!e) {
			pthread_mutex_unlock(&c->lock);
			return POLICY_DB_ERROR;
		}
		e->refs = 1;
		e->attached = true;
		e->next = c->entries;
		c->entries = e;
	}
	status = e->status;
	if (status == POLICY_FOUND) {
		e->refs++;
		out->compiled = e->compiled;
		out->name = e->name;
		out->version = e->version;
		out->entry = e;
	} else if (status == POLICY_BROKEN) {
		snprintf(err, err_len, "%s", e->error);
	}
	pthread_mutex_unlock(&c->lock);
	return status;
}

uint64_t policy_cache_compilations(struct policy_cache *c)
{
	uint64_t n;

	pthread_mutex_lock(&c->lock);
	n = c->compilations;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void policy_ref_release(struct policy_cache *c, struct policy_ref *ref)
{
	if (!ref->entry)
		return;
	pthread_mutex_lock(&c->lock);
	entry_unref(ref->entry);
	pthread_mutex_unlock(&c->lock);
	memset(ref, 0, sizeof(*ref));
}
