/* runtime_policy.c - parses a Keylime runtime policy v1 (or its DSSE
 * envelope) and compiles it into the structures the IMA verifier queries per
 * measurement: open-addressing hash tables keyed by path/name, digests stored
 * decoded, and one PCRE2 program for all excludes, or a few when the list is
 * too large for one (see runtime_policy.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "policy/runtime_policy.h"

#include <endian.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/regex_dialect.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/tpm_objects.h"

#define EMPTY_SLOT UINT32_MAX
#define ARENA_MAX ((size_t)UINT32_MAX - 1)
#define KEY_FILE_MAX ((size_t)1024 * 1024)
/* Catastrophic backtracking in an operator's regex must not stall a request:
 * past these limits the path counts as not excluded (fail closed). */
#define EXCLUDES_MATCH_LIMIT 1000000
#define EXCLUDES_DEPTH_LIMIT 10000
/* Debian's PCRE2 (link size 2) holds at most 64K code units per program:
 * about 1,500 typical excludes joined. A longer list is compiled in groups
 * of whole excludes of at least this many bytes of joined text each. */
#define EXCLUDES_GROUP_BYTES 16384

/* Digest record kinds in the arena: decoded bytes of a lower-case hex string
 * (matchable), or a string kept verbatim because it can never match. */
enum { DIGEST_BYTES = 0, DIGEST_VERBATIM = 1 };

/* A hash-table slot; also the public "one name's digest list" handle. */
struct runtime_policy_digests {
	uint64_t hash;
	uint32_t name_off, name_len; /* name_len == EMPTY_SLOT: free slot */
	uint32_t list_off, list_count;
};

struct rp_table {
	struct runtime_policy_digests *slots;
	size_t mask, count;
};

struct runtime_policy {
	uint8_t sip_key[16]; /* random per policy: a crafted policy cannot flood one bucket */
	uint8_t *arena;
	size_t arena_len, arena_cap;
	struct rp_table tables[3];
	uint32_t *ignored_off, *ignored_len;
	size_t n_ignored;
	bool ignore_all_keyrings;
	/* The excludes: usually one program; for a list too large for one,
	 * several, each the same "(a)|(b)|..." text over a run of whole
	 * excludes, so "any program matches" is "the joined list matches". */
	pcre2_code **excludes;
	size_t n_programs;
	pcre2_match_context *match_ctx;
	struct runtime_policy_info info;
};

struct runtime_policy_keys {
	EVP_PKEY **keys;
	size_t n;
};

struct runtime_policy_matcher {
	pcre2_match_data *md;
};

/* ---- SipHash-1-3 (keyed, so bucket collisions cannot be precomputed) ---- */

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL64(v1, 13);                                           \
		v1 ^= v0;                                                      \
		v0 = ROTL64(v0, 32);                                           \
		v2 += v3;                                                      \
		v3 = ROTL64(v3, 16);                                           \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL64(v3, 21);                                           \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL64(v1, 17);                                           \
		v1 ^= v2;                                                      \
		v2 = ROTL64(v2, 32);                                           \
	} while (0)

static uint64_t siphash13(const uint8_t key[16], const uint8_t *in, size_t n)
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t last = (uint64_t)n << 56;
	size_t whole = n - (n % 8);

	for (size_t i = 0; i < whole; i += 8) {
		uint64_t m = load_le64(in + i);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t i = 0; i < n % 8; i++)
		last |= (uint64_t)in[whole + i] << (8 * i);
	v3 ^= last;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- arena ---- */

/* Appends n bytes; returns their offset, or -1 when the arena would exceed
 * what 32-bit offsets address or memory runs out. */
static long long arena_put(struct runtime_policy *p, const void *data, size_t n)
{
	size_t off = p->arena_len;

	if (n > ARENA_MAX - off)
		return -1;
	if (off + n > p->arena_cap) {
		size_t cap = p->arena_cap ? p->arena_cap : 4096;
		uint8_t *grown;

		while (cap < off + n)
			cap *= 2;
		grown = realloc(p->arena, cap);
		if (!grown)
			return -1;
		p->arena = grown;
		p->arena_cap = cap;
	}
	if (data && n)
		memcpy(p->arena + off, data, n); /* NULL data: reserve, the caller fills */
	p->arena_len = off + n;
	return (long long)off;
}

static int hex_nibble(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case never matches upstream's exact string compare */
}

static bool is_lower_hex(const char *s, size_t n)
{
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hex_nibble((unsigned char)s[i]) < 0)
			return false;
	return true;
}

/* Appends one digest record: kind byte, u32 length, then the bytes. */
static int arena_put_digest(struct runtime_policy *p, const char *s, size_t n)
{
	uint8_t head[5];
	bool decode = is_lower_hex(s, n);
	uint32_t len = (uint32_t)(decode ? n / 2 : n);
	long long off;

	if (n > ARENA_MAX)
		return -1;
	head[0] = decode ? DIGEST_BYTES : DIGEST_VERBATIM;
	memcpy(head + 1, &len, 4);
	if (arena_put(p, head, sizeof(head)) < 0)
		return -1;
	if (!decode)
		return arena_put(p, s, n) < 0 ? -1 : 0;
	off = arena_put(p, NULL, len);
	if (off < 0)
		return -1;
	/* is_lower_hex() vouched for every nibble, so none is negative here. */
	for (size_t i = 0; i < len; i++) {
		unsigned hi = (unsigned)hex_nibble((unsigned char)s[2 * i]);
		unsigned lo = (unsigned)hex_nibble((unsigned char)s[2 * i + 1]);

		p->arena[off + (long long)i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* ---- hash tables ---- */

static struct runtime_policy_digests *table_find(const struct runtime_policy *p,
						 const struct rp_table *t, uint64_t h,
						 const char *name, size_t len)
{
	size_t i;

	if (!t->slots)
		return NULL;
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		struct runtime_policy_digests *s = &t->slots[i];

		if (s->name_len == EMPTY_SLOT)
			return s; /* the free slot where it would go */
		/* An empty name may have no arena behind it: compare nothing. */
		if (s->hash == h && s->name_len == len &&
		    (len == 0 || memcmp(p->arena + s->name_off, name, len) == 0))
			return s;
	}
}

/* Compiles one of "digests" / "keyrings" / "ima-buf": {name: [string, ...]}. */
static int build_table(struct runtime_policy *p, struct rp_table *t, struct json_object *obj,
		       const char *what, char *err, size_t err_len)
{
	size_t n, cap = 8;

	if (!obj || json_object_is_type(obj, json_type_null))
		return 0; /* absent: an empty table, every lookup misses (fails closed) */
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, err_len, "runtime policy \"%s\" is not an object", what);
		return -1;
	}
	n = (size_t)json_object_object_length(obj);
	while (cap < 2 * n)
		cap *= 2;
	t->slots = malloc(cap * sizeof(*t->slots));
	if (!t->slots) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cap; i++)
		t->slots[i].name_len = EMPTY_SLOT;
	t->mask = cap - 1;

	json_object_object_foreach(obj, key, value)
	{
		size_t key_len = strlen(key), count;
		uint64_t h;
		struct runtime_policy_digests *slot;
		long long name_off, list_off;

		if (key_len > RUNTIME_POLICY_MAX_NAME) {
			snprintf(err, err_len, "runtime policy \"%s\" has a name longer than %d bytes",
				 what, RUNTIME_POLICY_MAX_NAME);
			return -1;
		}
		if (!json_object_is_type(value, json_type_array)) {
			snprintf(err, err_len,
				 "runtime policy \"%s\" entry \"%.80s\" is not a list of hex strings",
				 what, key);
			return -1;
		}
		count = json_object_array_length(value);
		list_off = (long long)p->arena_len;
		for (size_t j = 0; j < count; j++) {
			struct json_object *item = json_object_array_get_idx(value, j);
			const char *s;
			size_t s_len;

			if (!json_object_is_type(item, json_type_string)) {
				snprintf(err, err_len,
					 "runtime policy \"%s\" entry \"%.80s\" holds a non-string",
					 what, key);
				return -1;
			}
			s = json_object_get_string(item);
			s_len = (size_t)json_object_get_string_len(item);
			if (!is_lower_hex(s, s_len))
				p->info.n_unmatchable_digests++;
			if (arena_put_digest(p, s, s_len) != 0)
				goto too_big;
		}
		if (count > UINT32_MAX)
			goto too_big;
		h = siphash13(p->sip_key, (const uint8_t *)key, key_len);
		slot = table_find(p, t, h, key, key_len);
		if (slot->name_len == EMPTY_SLOT) {
			name_off = arena_put(p, key, key_len);
			if (name_off < 0)
				goto too_big;
			slot->hash = h;
			slot->name_off = (uint32_t)name_off;
			slot->name_len = (uint32_t)key_len;
			t->count++;
		}
		/* A repeated name (possible only through json-c key truncation at
		 * NUL) keeps the last list, like Python's json module. */
		slot->list_off = (uint32_t)list_off;
		slot->list_count = (uint32_t)count;
	}
	return 0;

too_big:
	snprintf(err, err_len, "runtime policy is too large");
	return -1;
}

/* ---- lookups ---- */

const struct runtime_policy_digests *runtime_policy_lookup(const struct runtime_policy *p,
							   enum runtime_policy_table table,
							   const char *name, size_t name_len)
{
	const struct rp_table *t;
	const struct runtime_policy_digests *s;

	if (!p || (unsigned)table > RUNTIME_POLICY_IMA_BUF)
		return NULL;
	t = &p->tables[table];
	if (!t->slots || name_len > RUNTIME_POLICY_MAX_NAME)
		return NULL;
	s = table_find(p, t, siphash13(p->sip_key, (const uint8_t *)name, name_len), name,
		       name_len);
	return s && s->name_len != EMPTY_SLOT ? s : NULL;
}

void runtime_policy_prefetch(const struct runtime_policy *p, enum runtime_policy_table table,
			     const char *name, size_t name_len)
{
	const struct rp_table *t;
	uint64_t h;

	if (!p || (unsigned)table > RUNTIME_POLICY_IMA_BUF)
		return;
	t = &p->tables[table];
	if (!t->slots || name_len > RUNTIME_POLICY_MAX_NAME)
		return;
	h = siphash13(p->sip_key, (const uint8_t *)name, name_len);
	__builtin_prefetch(&t->slots[h & t->mask]);
}

bool runtime_policy_digests_contain(const struct runtime_policy *p,
				    const struct runtime_policy_digests *d, const uint8_t *digest,
				    size_t digest_len)
{
	const uint8_t *rec;

	if (!p || !d)
		return false;
	rec = p->arena + d->list_off;
	for (uint32_t i = 0; i < d->list_count; i++) {
		uint32_t len;

		memcpy(&len, rec + 1, 4);
		if (rec[0] == DIGEST_BYTES && len == digest_len && memcmp(rec + 5, digest, len) == 0)
			return true;
		rec += 5 + (size_t)len;
	}
	return false;
}

void runtime_policy_digests_append_json(const struct runtime_policy *p,
					const struct runtime_policy_digests *d,
					struct json_object *array)
{
	const uint8_t *rec;

	if (!p || !d || !array)
		return;
	rec = p->arena + d->list_off;
	for (uint32_t i = 0; i < d->list_count; i++) {
		uint32_t len;

		memcpy(&len, rec + 1, 4);
		if (rec[0] == DIGEST_BYTES) {
			char *hex = malloc(2 * (size_t)len + 1);

			if (hex) {
				bytes_to_hex(rec + 5, len, hex);
				json_object_array_add(array, json_object_new_string_len(hex, (int)(2 * len)));
				free(hex);
			}
		} else {
			json_object_array_add(array,
					      json_object_new_string_len((const char *)rec + 5, (int)len));
		}
		rec += 5 + (size_t)len;
	}
}

bool runtime_policy_keyring_ignored(const struct runtime_policy *p, const char *name,
				    size_t name_len)
{
	if (!p)
		return false;
	if (p->ignore_all_keyrings)
		return true;
	for (size_t i = 0; i < p->n_ignored; i++)
		if (p->ignored_len[i] == name_len &&
		    memcmp(p->arena + p->ignored_off[i], name, name_len) == 0)
			return true;
	return false;
}

const struct runtime_policy_info *runtime_policy_info(const struct runtime_policy *p)
{
	return p ? &p->info : NULL;
}

struct runtime_policy_matcher *runtime_policy_matcher_new(const struct runtime_policy *p)
{
	struct runtime_policy_matcher *m;

	if (!p || !p->n_programs)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	/* One ovector pair is enough: only "did it match" matters. */
	m->md = pcre2_match_data_create(1, NULL);
	if (!m->md) {
		free(m);
		return NULL;
	}
	return m;
}

void runtime_policy_matcher_free(struct runtime_policy_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	free(m);
}

bool runtime_policy_excluded(const struct runtime_policy *p, struct runtime_policy_matcher *m,
			     const char *path, size_t path_len)
{
	if (!p || !p->n_programs || !m)
		return false;
	for (size_t i = 0; i < p->n_programs; i++) {
		int rc = pcre2_match(p->excludes[i], (PCRE2_SPTR)path, path_len, 0, 0, m->md,
				     p->match_ctx);
		/* rc == 0 is a match whose groups did not fit the one-pair ovector;
		 * a limit hit in one program leaves the others to try. */
		if (rc >= 0)
			return true;
	}
	return false;
}

/* ---- excludes ---- */

/* At most max bytes of s for a message, cut at a UTF-8 character boundary. */
static int utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* Refuses the list when the joined pattern holds a construct that PCRE2
 * and Python's re read differently (regex_dialect.h), naming the exclude. */
static int check_dialect(struct json_object *list, const char *pattern, size_t len, char *err,
			 size_t err_len)
{
	char why[240];
	size_t where = 0, start = 1;

	if (regex_dialect_portable(pattern, len, &where, why, sizeof(why)) == 0)
		return 0;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		size_t item_len = (size_t)json_object_get_string_len(item);

		/* Exclude i is [start, start + item_len); the "(" before it and the
		 * ")|" after it count as its. */
		if (where < start + item_len + 2 || i + 1 == json_object_array_length(list)) {
			const char *text = json_object_get_string(item);
			snprintf(err, err_len,
				 "runtime policy \"excludes\"[%zu] \"%.*s%s\" is not read the same way "
				 "by PCRE2 and Python's re (Keylime): %s",
				 i, utf8_prefix(text, item_len, 80), text, item_len > 80 ? "..." : "",
				 why);
			return -1;
		}
		start += item_len + 3;
	}
	return -1;
}

#define EXCLUDES_FLAGS (PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_ANCHORED)

/* Errors that say the program is too large for PCRE2, not that the regex is
 * wrong: Python's re has none of these limits. */
static bool too_large_for_pcre2(int errcode)
{
	return errcode == PCRE2_ERROR_PATTERN_TOO_LARGE || errcode == PCRE2_ERROR_TOO_MANY_CAPTURES ||
	       errcode == PCRE2_ERROR_TOO_MANY_NAMED_SUBPATTERNS;
}

static void compile_error(int errcode, size_t erroff, const char *what, char *out, size_t cap)
{
	PCRE2_UCHAR msg[120];

	pcre2_get_error_message(errcode, msg, sizeof(msg));
	snprintf(out, cap, "%s at offset %zu of %s", (const char *)msg, erroff, what);
}

static int add_program(struct runtime_policy *p, pcre2_code *code, size_t cap)
{
	if (!p->excludes) {
		p->excludes = calloc(cap, sizeof(pcre2_code *));
		if (!p->excludes)
			return -1;
	}
	p->excludes[p->n_programs++] = code;
	return 0;
}

static void drop_programs(struct runtime_policy *p)
{
	for (size_t i = 0; i < p->n_programs; i++)
		pcre2_code_free(p->excludes[i]);
	free(p->excludes);
	p->excludes = NULL;
	p->n_programs = 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One joined pattern holds each group name once (Python refuses a name
 * twice); across the programs of a split list that is checked here. 1 when
 * a name repeats, 0 when not, -1 when memory is short. */
static int names_repeat(const struct runtime_policy *p, char *name, size_t name_cap)
{
	size_t total = 0, w = 0;
	const char **names;
	int rc = 0;

	for (size_t i = 0; i < p->n_programs; i++) {
		uint32_t count = 0;

		pcre2_pattern_info(p->excludes[i], PCRE2_INFO_NAMECOUNT, &count);
		total += count;
	}
	if (total < 2)
		return 0;
	names = malloc(total * sizeof(*names));
	if (!names)
		return -1;
	for (size_t i = 0; i < p->n_programs; i++) {
		uint32_t count = 0, size = 0;
		PCRE2_SPTR table = NULL;

		pcre2_pattern_info(p->excludes[i], PCRE2_INFO_NAMECOUNT, &count);
		pcre2_pattern_info(p->excludes[i], PCRE2_INFO_NAMEENTRYSIZE, &size);
		pcre2_pattern_info(p->excludes[i], PCRE2_INFO_NAMETABLE, &table);
		/* Each entry: a 2-byte group number, then the name and a NUL. */
		for (uint32_t k = 0; k < count && table; k++)
			names[w++] = (const char *)table + (size_t)k * size + 2;
	}
	qsort(names, w, sizeof(*names), compare_names);
	for (size_t i = 1; i < w && !rc; i++)
		if (strcmp(names[i - 1], names[i]) == 0) {
			snprintf(name, name_cap, "%s", names[i]);
			rc = 1;
		}
	free(names);
	return rc;
}

/* The joined pattern of n excludes: exclude i is pattern[start[i],
 * start[i] + len[i]), a "(" before it and a ")" after it. */
struct joined {
	const char *pattern;
	size_t n;
	const size_t *start, *len;
	const bool *cut; /* cut[i]: a group may end after exclude i */
};

/* The end (exclusive) of the group that starts at exclude a: at least
 * bytes of joined text, and only where the pattern may be cut. */
static size_t group_end(const struct joined *j, size_t a, size_t bytes)
{
	size_t b = a + 1;

	while (b < j->n &&
	       (j->start[b - 1] + j->len[b - 1] - j->start[a] < bytes || !j->cut[b - 1]))
		b++;
	return b;
}

/* A list too large for one PCRE2 program: compiled in groups of whole
 * excludes, cut only between excludes where no group, class or escape
 * spans the cut (so each group reads as it does in the whole), halving a
 * group that is still too large. 0, or -1 with err (a refusal), or 1 with
 * why (a regex error: the list is ignored, as upstream ignores it). */
static int compile_groups(struct runtime_policy *p, const struct joined *j, char *why,
			  size_t why_len, char *err, size_t err_len)
{
	size_t a = 0, bytes = EXCLUDES_GROUP_BYTES;
	char name[64];

	while (a < j->n) {
		size_t b = group_end(j, a, bytes);
		size_t off = j->start[a] - 1, end = j->start[b - 1] + j->len[b - 1] + 1;
		int errcode = 0;
		PCRE2_SIZE erroff = 0;
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)(j->pattern + off), end - off,
						 EXCLUDES_FLAGS, &errcode, &erroff, NULL);

		if (code) {
			if (add_program(p, code, j->n) != 0) {
				pcre2_code_free(code);
				snprintf(err, err_len, "out of memory");
				return -1;
			}
			a = b;
			bytes = EXCLUDES_GROUP_BYTES;
			continue;
		}
		if (errcode == PCRE2_ERROR_HEAP_FAILED) {
			snprintf(err, err_len, "out of memory");
			return -1;
		}
		if (!too_large_for_pcre2(errcode)) {
			compile_error(errcode, off + erroff, "the joined excludes", why, why_len);
			return 1;
		}
		if (b == group_end(j, a, 0)) {
			/* One exclude (or a run that cannot be cut) alone: Python's re
			 * would take it, PCRE2 cannot; refused rather than judged
			 * differently. */
			snprintf(err, err_len,
				 "runtime policy \"excludes\"[%zu] is too large for one PCRE2 program "
				 "(%s); split it into several excludes",
				 a, b - a > 1 ? "with the excludes up to the next one it may be "
						"cut after" : "alone");
			return -1;
		}
		/* Smaller each time: the group shrinks, down to the smallest one. */
		size_t size = j->start[b - 1] + j->len[b - 1] - j->start[a];
		bytes = (size < bytes ? size : bytes) / 2;
	}
	if (p->n_programs > 1) {
		int rc = names_repeat(p, name, sizeof(name));

		if (rc < 0) {
			snprintf(err, err_len, "out of memory");
			return -1;
		}
		if (rc > 0) {
			snprintf(why, why_len, "group name \"%s\" is used twice in the joined excludes",
				 name);
			return 1;
		}
	}
	return 0;
}

/* Upstream joins the list as "(" + ")|(".join(excludes) + ")" and uses
 * re.match; the same string is compiled here, anchored at the start, after
 * check_dialect() has made sure it means the same to PCRE2 as to Python. A
 * list whose regex does not compile is ignored (upstream logs and carries
 * on); one too large for a PCRE2 program is compiled in groups. */
static int compile_excludes(struct runtime_policy *p, struct json_object *list, char *err,
			    size_t err_len)
{
	size_t n, total = 2, plen;
	char *pattern = NULL, *w;
	size_t *start = NULL, *lens = NULL, *ends = NULL;
	bool *cut = NULL;
	int errcode = 0;
	PCRE2_SIZE erroff = 0;
	pcre2_code *whole;
	int rc = -1;

	if (!list || json_object_is_type(list, json_type_null))
		return 0;
	if (!json_object_is_type(list, json_type_array)) {
		snprintf(err, err_len, "runtime policy \"excludes\" is not a list");
		return -1;
	}
	n = json_object_array_length(list);
	p->info.n_excludes = n;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);

		if (!json_object_is_type(item, json_type_string)) {
			snprintf(err, err_len, "runtime policy \"excludes\" holds a non-string");
			return -1;
		}
		total += (size_t)json_object_get_string_len(item) + 3;
	}
	pattern = malloc(total);
	start = calloc(n, sizeof(*start));
	lens = calloc(n, sizeof(*lens));
	ends = calloc(n, sizeof(*ends));
	cut = calloc(n, sizeof(*cut));
	if (!pattern || !start || !lens || !ends || !cut) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	w = pattern;
	*w++ = '(';
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		size_t len = (size_t)json_object_get_string_len(item);

		if (i) {
			*w++ = ')';
			*w++ = '|';
			*w++ = '(';
		}
		start[i] = (size_t)(w - pattern);
		lens[i] = len;
		memcpy(w, json_object_get_string(item), len);
		w += len;
	}
	*w++ = ')';
	plen = (size_t)(w - pattern);
	if (check_dialect(list, pattern, plen, err, err_len) != 0)
		goto out;

	/* UTF + UCP: Python str patterns are Unicode-aware; MATCH_INVALID_UTF lets
	 * paths that are not UTF-8 be matched safely instead of being an error. */
	whole = pcre2_compile((PCRE2_SPTR)pattern, (PCRE2_SIZE)plen, EXCLUDES_FLAGS, &errcode,
			      &erroff, NULL);
	if (whole) {
		if (add_program(p, whole, 1) != 0) {
			pcre2_code_free(whole);
			snprintf(err, err_len, "out of memory");
			goto out;
		}
	} else if (errcode == PCRE2_ERROR_HEAP_FAILED) {
		snprintf(err, err_len, "out of memory");
		goto out;
	} else if (!too_large_for_pcre2(errcode)) {
		p->info.excludes_ignored = true;
		compile_error(errcode, (size_t)erroff, "the joined excludes", p->info.excludes_error,
			      sizeof(p->info.excludes_error));
		rc = 0;
		goto out;
	} else {
		/* Where the list may be cut: at the ")" after exclude i, with only
		 * that exclude's own "(" open. */
		struct joined j = {pattern, n, start, lens, cut};
		int g;

		for (size_t i = 0; i + 1 < n; i++)
			ends[i] = start[i] + lens[i];
		if (n > 1)
			regex_dialect_depth_at(pattern, plen, ends, n - 1, 1, cut);
		g = compile_groups(p, &j, p->info.excludes_error, sizeof(p->info.excludes_error),
				   err, err_len);
		if (g != 0)
			drop_programs(p);
		if (g < 0)
			goto out;
		if (g > 0) {
			p->info.excludes_ignored = true;
			rc = 0;
			goto out;
		}
	}
	p->info.n_exclude_programs = p->n_programs;
	for (size_t i = 0; i < p->n_programs; i++)
		(void)pcre2_jit_compile(p->excludes[i], PCRE2_JIT_COMPLETE); /* else interpreted */
	p->match_ctx = pcre2_match_context_create(NULL);
	if (!p->match_ctx) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	pcre2_set_match_limit(p->match_ctx, EXCLUDES_MATCH_LIMIT);
	pcre2_set_depth_limit(p->match_ctx, EXCLUDES_DEPTH_LIMIT);
	rc = 0;
out:
	free(pattern);
	free(start);
	free(lens);
	free(ends);
	free(cut);
	return rc;
}

/* ---- "ima" section ---- */

static int parse_ima_section(struct runtime_policy *p, struct json_object *ima, char *err,
			     size_t err_len)
{
	static const struct {
		const char *name;
		uint16_t alg;
	} algs[] = {
		{"sha1", TPM_ALG_SHA1},       {"sha256", TPM_ALG_SHA256}, {"sha384", TPM_ALG_SHA384},
		{"sha512", TPM_ALG_SHA512},   {"sm3_256", TPM_ALG_SM3_256},
	};
	struct json_object *v;
	size_t n;

	p->info.log_hash_alg = TPM_ALG_SHA1;
	p->info.log_hash_alg_defaulted = true;
	if (!ima || json_object_is_type(ima, json_type_null))
		return 0;
	if (!json_object_is_type(ima, json_type_object)) {
		snprintf(err, err_len, "runtime policy \"ima\" is not an object");
		return -1;
	}

	if (json_object_object_get_ex(ima, "log_hash_alg", &v) && v) {
		const char *name;

		if (!json_object_is_type(v, json_type_string)) {
			snprintf(err, err_len, "runtime policy \"ima.log_hash_alg\" is not a string");
			return -1;
		}
		/* Unknown names fall back to sha1, as upstream does (with a warning). */
		name = json_object_get_string(v);
		for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
			if (strcmp(name, algs[i].name) == 0) {
				p->info.log_hash_alg = algs[i].alg;
				p->info.log_hash_alg_defaulted = false;
			}
		}
	}

	if (json_object_object_get_ex(ima, "dm_policy", &v) && v &&
	    !json_object_is_type(v, json_type_null)) {
		snprintf(err, err_len,
			 "runtime policy \"ima.dm_policy\" is set: device-mapper validation is not supported");
		return -1;
	}

	if (!json_object_object_get_ex(ima, "ignored_keyrings", &v) || !v ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		snprintf(err, err_len, "runtime policy \"ima.ignored_keyrings\" is not a list");
		return -1;
	}
	n = json_object_array_length(v);
	p->ignored_off = calloc(n ? n : 1, sizeof(*p->ignored_off));
	p->ignored_len = calloc(n ? n : 1, sizeof(*p->ignored_len));
	if (!p->ignored_off || !p->ignored_len) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(v, i);
		size_t len;
		long long off;

		if (!json_object_is_type(item, json_type_string)) {
			snprintf(err, err_len, "runtime policy \"ima.ignored_keyrings\" holds a non-string");
			return -1;
		}
		len = (size_t)json_object_get_string_len(item);
		if (len == 1 && json_object_get_string(item)[0] == '*')
			p->ignore_all_keyrings = true;
		off = arena_put(p, json_object_get_string(item), len);
		if (off < 0) {
			snprintf(err, err_len, "runtime policy is too large");
			return -1;
		}
		p->ignored_off[p->n_ignored] = (uint32_t)off;
		p->ignored_len[p->n_ignored++] = (uint32_t)len;
	}
	return 0;
}

/* ---- JSON ---- */

/* Strict JSON (RFC 8259, valid UTF-8), one value, only whitespace after it. */
static struct json_object *parse_json_object(const char *text, size_t len, const char *what,
					     char *err, size_t err_len)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if (len > RUNTIME_POLICY_MAX_BYTES) {
		snprintf(err, err_len, "%s is larger than %zu bytes", what, RUNTIME_POLICY_MAX_BYTES);
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!obj || jerr != json_tokener_success) {
		snprintf(err, err_len, "%s is not valid JSON: %s", what,
			 jerr == json_tokener_continue ? "unexpected end of text"
						       : json_tokener_error_desc(jerr));
		json_object_put(obj);
		obj = NULL;
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		char c = text[end];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			snprintf(err, err_len, "%s is not valid JSON: extra data after the value", what);
			json_object_put(obj);
			obj = NULL;
			goto out;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, err_len, "%s is not a JSON object", what);
		json_object_put(obj);
		obj = NULL;
	}
out:
	json_tokener_free(tok);
	return obj;
}

/* ---- DSSE ---- */

/* Standard base64 first (what Keylime writes), then URL-safe: DSSE allows both. */
static uint8_t *b64_decode_any(const char *s, size_t n, size_t *out_len)
{
	size_t cap = b64_decoded_max(n) + 1;
	uint8_t *out = malloc(cap);

	if (!out)
		return NULL;
	if (b64_decode(B64_STD, s, n, out, cap, out_len) == 0 ||
	    b64_decode(B64_URL_ANYPAD, s, n, out, cap, out_len) == 0) {
		out[*out_len] = 0;
		return out;
	}
	free(out);
	return NULL;
}

/* PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
 * lengths as ASCII decimal byte counts (DSSE protocol.md). */
static uint8_t *dsse_pae(const char *type, size_t type_len, const uint8_t *body, size_t body_len,
			 size_t *out_len)
{
	char head[64];
	int head_len = snprintf(head, sizeof(head), "DSSEv1 %zu ", type_len);
	char mid[32];
	int mid_len = snprintf(mid, sizeof(mid), " %zu ", body_len);
	size_t total = (size_t)head_len + type_len + (size_t)mid_len + body_len;
	uint8_t *pae = malloc(total ? total : 1);

	if (!pae)
		return NULL;
	memcpy(pae, head, (size_t)head_len);
	memcpy(pae + head_len, type, type_len);
	memcpy(pae + head_len + type_len, mid, (size_t)mid_len);
	if (body_len)
		memcpy(pae + head_len + type_len + mid_len, body, body_len);
	*out_len = total;
	return pae;
}

static bool verify_with_key(EVP_PKEY *key, const uint8_t *sig, size_t sig_len,
			    const uint8_t *msg, size_t msg_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	ECDSA_SIG *ec = NULL;
	bool ok = false;

	if (!ctx)
		goto out;
	if (EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1) {
		ok = true;
		goto out;
	}
	/* Some signers emit raw r||s (IEEE P1363) instead of DER for ECDSA. */
	if (EVP_PKEY_is_a(key, "EC")) {
		size_t half = ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
		BIGNUM *r, *s;
		int der_len;

		if (sig_len != 2 * half)
			goto out;
		ec = ECDSA_SIG_new();
		r = BN_bin2bn(sig, (int)half, NULL);
		s = BN_bin2bn(sig + half, (int)half, NULL);
		if (!ec || !r || !s || ECDSA_SIG_set0(ec, r, s) != 1) {
			BN_free(r);
			BN_free(s);
			goto out;
		}
		der_len = i2d_ECDSA_SIG(ec, &der);
		if (der_len <= 0)
			goto out;
		EVP_MD_CTX_reset(ctx);
		ok = EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
		     EVP_DigestVerify(ctx, der, (size_t)der_len, msg, msg_len) == 1;
	}
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(ec);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error(); /* failed attempts leave errors that are not ours to report */
	return ok;
}

/* Checks the envelope and returns its decoded payload (NUL-terminated). */
static uint8_t *dsse_unwrap(struct json_object *env, const struct runtime_policy_keys *keys,
			    size_t *payload_len, bool *verified, char *err, size_t err_len)
{
	struct json_object *payload, *type, *sigs;
	uint8_t *body = NULL, *pae = NULL;
	size_t pae_len = 0, n_sigs;

	*verified = false;
	if (!json_object_object_get_ex(env, "payload", &payload) ||
	    !json_object_is_type(payload, json_type_string)) {
		snprintf(err, err_len, "DSSE envelope \"payload\" is not a string");
		return NULL;
	}
	body = b64_decode_any(json_object_get_string(payload),
			      (size_t)json_object_get_string_len(payload), payload_len);
	if (!body) {
		snprintf(err, err_len, "DSSE envelope \"payload\" is not base64");
		return NULL;
	}
	if (!keys) {
		/* No policy-signing keys configured: unwrap unverified, exactly as
		 * upstream Keylime's one-shot path does (KEYLIME-TPM.md §0.6). */
		return body;
	}

	if (!json_object_object_get_ex(env, "payloadType", &type) ||
	    !json_object_is_type(type, json_type_string)) {
		snprintf(err, err_len, "DSSE envelope \"payloadType\" is not a string");
		goto fail;
	}
	if (!json_object_object_get_ex(env, "signatures", &sigs) ||
	    !json_object_is_type(sigs, json_type_array)) {
		snprintf(err, err_len, "DSSE envelope \"signatures\" is not a list");
		goto fail;
	}
	pae = dsse_pae(json_object_get_string(type), (size_t)json_object_get_string_len(type), body,
		       *payload_len, &pae_len);
	if (!pae) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	n_sigs = json_object_array_length(sigs);
	for (size_t i = 0; i < n_sigs && !*verified; i++) {
		struct json_object *entry = json_object_array_get_idx(sigs, i), *sig_obj;
		uint8_t *sig;
		size_t sig_len;

		if (!json_object_is_type(entry, json_type_object) ||
		    !json_object_object_get_ex(entry, "sig", &sig_obj) ||
		    !json_object_is_type(sig_obj, json_type_string))
			continue;
		sig = b64_decode_any(json_object_get_string(sig_obj),
				     (size_t)json_object_get_string_len(sig_obj), &sig_len);
		if (!sig)
			continue; /* undecodable: cannot verify, try the next one */
		for (size_t k = 0; k < keys->n && !*verified; k++)
			*verified = verify_with_key(keys->keys[k], sig, sig_len, pae, pae_len);
		free(sig);
	}
	free(pae);
	if (*verified)
		return body;
	snprintf(err, err_len,
		 "runtime policy DSSE signature does not verify with any of the %zu configured "
		 "policy-signing keys",
		 keys->n);
fail:
	free(body);
	return NULL;
}

/* ---- policy ---- */

static int check_meta(struct json_object *root, char *err, size_t err_len)
{
	struct json_object *meta, *version;

	if (!json_object_object_get_ex(root, "meta", &meta) ||
	    !json_object_is_type(meta, json_type_object)) {
		snprintf(err, err_len, "runtime policy has no \"meta\" object (a v1 policy needs one)");
		return -1;
	}
	if (!json_object_object_get_ex(meta, "version", &version) ||
	    !json_object_is_type(version, json_type_int) || json_object_get_int64(version) != 1) {
		snprintf(err, err_len, "runtime policy \"meta.version\" is %s, only version 1 is supported",
			 version ? json_object_to_json_string(version) : "missing");
		return -1;
	}
	return 0;
}

/* The keys Keylime's runtime-policy schema requires (keylime/ima/ima.py)
 * that its verifier reads unconditionally: without them upstream fails the
 * request (invalid_quote) where teev would otherwise fill in defaults.
 * "release", "meta.generator", "keyrings", "ima-buf", "verification-keys" and
 * "ima.ignored_keyrings" stay optional: upstream's one-shot verifier reads
 * them with defaults or only when an entry needs them. */
static int check_required(struct json_object *root, char *err, size_t err_len)
{
	static const struct {
		const char *key;
		enum json_type type;
		const char *what;
	} top[] = {
		{"digests", json_type_object, "an object"},
		{"excludes", json_type_array, "a list"},
		{"ima", json_type_object, "an object"},
	};
	struct json_object *v, *ima = NULL;

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		if (!json_object_object_get_ex(root, top[i].key, &v)) {
			snprintf(err, err_len,
				 "runtime policy has no \"%s\" (Keylime's schema requires it)",
				 top[i].key);
			return -1;
		}
		if (!json_object_is_type(v, top[i].type)) {
			snprintf(err, err_len, "runtime policy \"%s\" is not %s", top[i].key,
				 top[i].what);
			return -1;
		}
	}
	json_object_object_get_ex(root, "ima", &ima);
	if (!json_object_object_get_ex(ima, "log_hash_alg", &v)) {
		snprintf(err, err_len,
			 "runtime policy has no \"ima.log_hash_alg\" (Keylime's schema requires it)");
		return -1;
	}
	if (!json_object_object_get_ex(ima, "dm_policy", &v)) {
		snprintf(err, err_len,
			 "runtime policy has no \"ima.dm_policy\" (Keylime's schema requires it; "
			 "null when unused)");
		return -1;
	}
	return 0;
}

static int compile_policy(struct runtime_policy *p, struct json_object *root, char *err,
			  size_t err_len)
{
	static const char *const names[3] = {"digests", "keyrings", "ima-buf"};
	struct json_object *v;

	if (check_meta(root, err, err_len) != 0 || check_required(root, err, err_len) != 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		v = NULL;
		json_object_object_get_ex(root, names[i], &v);
		if (build_table(p, &p->tables[i], v, names[i], err, err_len) != 0)
			return -1;
	}
	p->info.n_digest_paths = p->tables[RUNTIME_POLICY_DIGESTS].count;
	p->info.n_keyrings = p->tables[RUNTIME_POLICY_KEYRINGS].count;
	p->info.n_ima_buf = p->tables[RUNTIME_POLICY_IMA_BUF].count;

	v = NULL;
	json_object_object_get_ex(root, "ima", &v);
	if (parse_ima_section(p, v, err, err_len) != 0)
		return -1;
	v = NULL;
	json_object_object_get_ex(root, "excludes", &v);
	return compile_excludes(p, v, err, err_len);
}

struct runtime_policy *runtime_policy_parse(const char *text, size_t len,
					    const struct runtime_policy_keys *dsse_keys, char *err,
					    size_t err_len)
{
	struct runtime_policy *p = NULL;
	struct json_object *root = NULL, *inner = NULL, *payload;
	uint8_t *body = NULL;
	size_t body_len = 0;
	bool is_dsse, verified = false;

	if (!text) {
		snprintf(err, err_len, "no runtime policy");
		return NULL;
	}
	root = parse_json_object(text, len, "runtime policy", err, err_len);
	if (!root)
		return NULL;
	is_dsse = json_object_object_get_ex(root, "payload", &payload);
	if (dsse_keys && !is_dsse) {
		snprintf(err, err_len,
			 "runtime policy is not a DSSE envelope, but policy-signing keys are configured");
		goto fail;
	}
	if (is_dsse) {
		body = dsse_unwrap(root, dsse_keys, &body_len, &verified, err, err_len);
		if (!body)
			goto fail;
		inner = parse_json_object((const char *)body, body_len, "DSSE payload", err, err_len);
		if (!inner)
			goto fail;
	}

	p = calloc(1, sizeof(*p));
	if (!p || RAND_bytes(p->sip_key, sizeof(p->sip_key)) != 1) {
		snprintf(err, err_len, "out of memory or no randomness");
		goto fail;
	}
	/* The arena is never NULL, so offsets into it are valid pointer
	 * arithmetic even for a policy of empty names and lists (the fuzzer
	 * found the NULL + 0 case). */
	p->arena_cap = 4096;
	p->arena = malloc(p->arena_cap);
	if (!p->arena) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	p->info.dsse_envelope = is_dsse;
	p->info.dsse_verified = verified;
	if (compile_policy(p, inner ? inner : root, err, err_len) != 0)
		goto fail;
	/* The arena no longer grows: give back the slack of the doubling. */
	if (p->arena_len && p->arena_len < p->arena_cap) {
		uint8_t *shrunk = realloc(p->arena, p->arena_len);

		if (shrunk) {
			p->arena = shrunk;
			p->arena_cap = p->arena_len;
		}
	}
	goto out;

fail:
	runtime_policy_free(p);
	p = NULL;
out:
	json_object_put(inner);
	json_object_put(root);
	free(body);
	return p;
}

void runtime_policy_free(struct runtime_policy *p)
{
	if (!p)
		return;
	for (int i = 0; i < 3; i++)
		free(p->tables[i].slots);
	free(p->ignored_off);
	free(p->ignored_len);
	drop_programs(p);
	pcre2_match_context_free(p->match_ctx);
	free(p->arena);
	free(p);
}

/* ---- signing keys ---- */

/* Accepts EC P-256/P-384 and RSA >= 2048: what DSSE signers for Keylime use. */
static int check_key(EVP_PKEY *key, char *err, size_t err_len)
{
	char group[64] = "";

	if (EVP_PKEY_is_a(key, "RSA")) {
		if (EVP_PKEY_get_bits(key) < 2048) {
			snprintf(err, err_len, "RSA key of %d bits (at least 2048 needed)",
				 EVP_PKEY_get_bits(key));
			return -1;
		}
		return 0;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof(group), NULL) == 1 &&
		    (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0))
			return 0;
		snprintf(err, err_len, "EC key on curve %s (P-256 or P-384 needed)",
			 group[0] ? group : "?");
		return -1;
	}
	snprintf(err, err_len, "key type %s is not EC or RSA", EVP_PKEY_get0_type_name(key));
	return -1;
}

static EVP_PKEY *key_from_pem(const char *pem, size_t len, char *err, size_t err_len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	if (!bio) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	if (!key) {
		(void)BIO_reset(bio);
		cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (cert)
			key = X509_get_pubkey(cert);
	}
	ERR_clear_error();
	X509_free(cert);
	BIO_free(bio);
	if (!key) {
		snprintf(err, err_len, "no PEM public key or certificate");
		return NULL;
	}
	if (check_key(key, err, err_len) != 0) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

static struct runtime_policy_keys *keys_new(size_t n)
{
	struct runtime_policy_keys *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->keys = calloc(n ? n : 1, sizeof(EVP_PKEY *));
	if (!k->keys) {
		free(k);
		return NULL;
	}
	return k;
}

struct runtime_policy_keys *runtime_policy_keys_from_pem(const char *const *pems, size_t n,
							 char *err, size_t err_len)
{
	struct runtime_policy_keys *k;
	char why[160];

	if (n == 0) {
		snprintf(err, err_len, "no policy-signing keys given");
		return NULL;
	}
	k = keys_new(n);
	if (!k) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		k->keys[i] = key_from_pem(pems[i], strlen(pems[i]), why, sizeof(why));
		if (!k->keys[i]) {
			snprintf(err, err_len, "policy-signing key %zu: %s", i + 1, why);
			runtime_policy_keys_free(k);
			return NULL;
		}
		k->n++;
	}
	return k;
}

/* Reads the files, then builds the set from their texts: one code path. */
struct runtime_policy_keys *runtime_policy_keys_load(const char *const *pem_paths, size_t n,
						     char *err, size_t err_len)
{
	char **texts = calloc(n ? n : 1, sizeof(char *));
	struct runtime_policy_keys *k = NULL;
	char why[160];

	if (!texts) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		texts[i] = (char *)bytes_read_file(pem_paths[i], KEY_FILE_MAX, &len, why, sizeof(why));
		if (!texts[i]) {
			snprintf(err, err_len, "policy-signing key %s: %s", pem_paths[i], why);
			goto out;
		}
	}
	k = runtime_policy_keys_from_pem((const char *const *)texts, n, err, err_len);
out:
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	return k;
}

void runtime_policy_keys_free(struct runtime_policy_keys *keys)
{
	if (!keys)
		return;
	for (size_t i = 0; i < keys->n; i++)
		EVP_PKEY_free(keys->keys[i]);
	free(keys->keys);
	free(keys);
}

size_t runtime_policy_keys_count(const struct runtime_policy_keys *keys)
{
	return keys ? keys->n : 0;
}
