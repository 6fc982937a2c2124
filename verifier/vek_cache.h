/* vek_cache.h - verified VCEK/VLEK public keys, shared by all server threads.
 *
 * An entry says "this key was proven by AMD's chain to belong to (product,
 * signer kind, chip id, reported TCB)" and is reused until the chain's
 * validity window ends, so a platform's chain is verified once, not per
 * request. Keys are SHA-256 digests of what the entry proves (see
 * snp_verify.c). A fixed number of slots bounds memory; a full cache evicts.
 */
#ifndef TEEV_VEK_CACHE_H
#define TEEV_VEK_CACHE_H

#include "verifier/p384.h"
#include "verifier/snp_vek.h"
#include "verifier/snp_trust.h"

#include <stdint.h>

struct vek_cache;

struct vek_cache_entry {
	/* The OpenSSL key and its conversion for p384_verify, made once when the
	 * certificate was proven: a reference the caller owns after a hit
	 * (p384_key_free). */
	struct p384_key *key;
	struct snp_vek_info info;
	struct snp_validity validity;
};

struct vek_cache *vek_cache_new(size_t slots);
void vek_cache_free(struct vek_cache *c);

/* Returns 1 on a hit (out->key is an owned reference), 0 on a miss. */
int vek_cache_get(struct vek_cache *c, const uint8_t digest[32], struct vek_cache_entry *out);
/* Stores a reference to entry->key (the caller keeps its own). */
void vek_cache_put(struct vek_cache *c, const uint8_t digest[32],
		   const struct vek_cache_entry *entry);

struct vek_cache_stats {
	uint64_t hits, misses, inserts, evictions;
};
void vek_cache_stats(struct vek_cache *c, struct vek_cache_stats *out);

#endif
