/* vek_cache.c - bounded, thread-safe map from proof digest to verified key. */
#include "verifier/vek_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Linear probing over a short window; past it the oldest slot in the window is
 * replaced, so the cost of a lookup stays constant however full the cache is. */
#define PROBE_WINDOW 8

struct vek_slot {
	bool used;
	uint8_t digest[32];
	uint64_t inserted; /* insertion counter, to pick the oldest */
	struct vek_cache_entry entry;
};

struct vek_cache {
	pthread_rwlock_t lock;
	size_t slot_count;
	uint64_t insert_counter;
	struct vek_cache_stats stats;
	struct vek_slot *slots;
};

struct vek_cache *vek_cache_new(size_t slots)
{
	struct vek_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (slots < PROBE_WINDOW)
		slots = PROBE_WINDOW;
	c->slots = calloc(slots, sizeof(*c->slots));
	if (!c->slots || pthread_rwlock_init(&c->lock, NULL) != 0) {
		free(c->slots);
		free(c);
		return NULL;
	}
	c->slot_count = slots;
	return c;
}

void vek_cache_free(struct vek_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->slot_count; i++)
		if (c->slots[i].used)
			p384_key_free(c->slots[i].entry.key);
	pthread_rwlock_destroy(&c->lock);
	free(c->slots);
	free(c);
}

static size_t home_slot(const struct vek_cache *c, const uint8_t digest[32])
{
	uint64_t h;

	memcpy(&h, digest, sizeof(h)); /* the digest is already uniformly spread */
	return (size_t)(h % c->slot_count);
}

int vek_cache_get(struct vek_cache *c, const uint8_t digest[32], struct vek_cache_entry *out)
{
	size_t home = home_slot(c, digest);
	int found = 0;

	pthread_rwlock_rdlock(&c->lock);
	for (size_t i = 0; i < PROBE_WINDOW; i++) {
		struct vek_slot *s = &c->slots[(home + i) % c->slot_count];
		if (s->used && memcmp(s->digest, digest, 32) == 0) {
			*out = s->entry;
			p384_key_ref(out->key);
			found = 1;
			break;
		}
	}
	pthread_rwlock_unlock(&c->lock);

	/* Statistics are advisory; a relaxed atomic add keeps readers lock-free. */
	__atomic_add_fetch(found ? &c->stats.hits : &c->stats.misses, 1, __ATOMIC_RELAXED);
	return found;
}

void vek_cache_put(struct vek_cache *c, const uint8_t digest[32],
		   const struct vek_cache_entry *entry)
{
	size_t home = home_slot(c, digest);
	struct vek_slot *target = NULL;

	pthread_rwlock_wrlock(&c->lock);
	for (size_t i = 0; i < PROBE_WINDOW; i++) {
		struct vek_slot *s = &c->slots[(home + i) % c->slot_count];
		if (s->used && memcmp(s->digest, digest, 32) == 0) {
			target = s; /* refresh: another thread proved the same key */
			break;
		}
		if (!s->used && !target)
			target = s;
	}
	if (!target) {
		target = &c->slots[home];
		for (size_t i = 1; i < PROBE_WINDOW; i++) {
			struct vek_slot *s = &c->slots[(home + i) % c->slot_count];
			if (s->inserted < target->inserted)
				target = s;
		}
		c->stats.evictions++;
	}
	if (target->used)
		p384_key_free(target->entry.key);
	target->used = true;
	memcpy(target->digest, digest, 32);
	target->inserted = ++c->insert_counter;
	target->entry = *entry;
	p384_key_ref(target->entry.key);
	c->stats.inserts++;
	pthread_rwlock_unlock(&c->lock);
}

void vek_cache_stats(struct vek_cache *c, struct vek_cache_stats *out)
{
	pthread_rwlock_rdlock(&c->lock);
	*out = c->stats;
	out->hits = __atomic_load_n(&c->stats.hits, __ATOMIC_RELAXED);
	out->misses = __atomic_load_n(&c->stats.misses, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&c->lock);
}
