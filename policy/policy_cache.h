/* policy_cache.h - compiled policies by (kind, name), shared by all request
 * threads.
 *
 * A policy is parsed ("compiled") once when first needed and reused until the
 * database changes: every lookup asks the store's change counter (no table
 * read) and drops the cache when it moved, so a policy written through the
 * REST API or by `teev policy` in another process takes effect on the next
 * request without a restart. Verdicts written to the verification log do not
 * count as changes. Lookups that find nothing are cached too.
 */
#ifndef TEEV_POLICY_CACHE_H
#define TEEV_POLICY_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct policy_cache;
struct runtime_policy_keys;
struct policy_entry;

/* What compiling may need besides the text: today the public keys that
 * sign DSSE-wrapped runtime policies. Passed explicitly, never global. */
struct policy_compile_context {
	const struct runtime_policy_keys *dsse_keys; /* NULL: none configured */
};

/* How to compile one kind of policy document. */
struct policy_kind {
	const char *kind; /* "snp", "tpm", ... as stored */
	void *(*compile)(const struct policy_compile_context *ctx, const char *document,
			 size_t len, char *err, size_t err_len);
	void (*release)(void *compiled);
};

enum policy_lookup {
	POLICY_FOUND,
	POLICY_MISSING,
	POLICY_BROKEN,   /* stored but does not compile (e.g. written by an older teev) */
	POLICY_DB_ERROR,
};

/* A reference to a compiled policy; valid until policy_ref_release. */
struct policy_ref {
	const void *compiled;
	const char *name;
	int64_t version;
	struct policy_entry *entry; /* internal */
};

/* ctx (may be NULL) must outlive the cache. */
struct policy_cache *policy_cache_new(struct db *db, const struct policy_compile_context *ctx);
void policy_cache_free(struct policy_cache *c);

/* Finds and (if needed) compiles kind/name. On POLICY_BROKEN and
 * POLICY_DB_ERROR err says why. */
enum policy_lookup policy_cache_get(struct policy_cache *c, const struct policy_kind *kind,
				    const char *name, struct policy_ref *out, char *err,
				    size_t err_len);
void policy_ref_release(struct policy_cache *c, struct policy_ref *ref);

/* How many documents have been compiled (for metrics and tests). */
uint64_t policy_cache_compilations(struct policy_cache *c);

#endif
