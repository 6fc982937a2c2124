/* json_guard.c - strict checks on raw JSON text (see json_guard.h).
 *
 * Not a parser: json-c parses afterwards and reports grammar errors. This
 * walks the bytes once, tracking only whether it is inside a string and the
 * stack of open objects with their keys.
 */
#include "server/json_guard.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key {
	uint64_t hash;
	size_t offset; /* into the decoded-key arena */
	size_t len;
};

struct guard {
	const unsigned char *p;
	size_t len, pos;
	char *why;
	size_t cap;
	/* Keys of all open objects; object i's keys start at frames[i]. */
	struct key *keys;
	size_t n_keys, keys_cap;
	size_t *frames; /* per nesting level: first key index, or SIZE_MAX for arrays */
	size_t depth;
	unsigned char *arena; /* decoded key bytes */
	size_t arena_len, arena_cap;
};

static int fail(struct guard *g, const char *what)
{
	snprintf(g->why, g->cap, "body is not valid JSON: %s at offset %zu", what, g->pos);
	return -1;
}

/* Length of a strict UTF-8 sequence at p (RFC 3629), or 0. */
static size_t utf8_sequence(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && p[1] >= 0xA0)
			return 0; /* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xF4 && p[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

static int hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int arena_put(struct guard *g, const unsigned char *bytes, size_t n)
{
	if (g->arena_len + n > g->arena_cap) {
		size_t cap = g->arena_cap ? g->arena_cap * 2 : 1024;
		while (cap < g->arena_len + n)
			cap *= 2;
		unsigned char *grown = realloc(g->arena, cap);
		if (!grown)
			return -1;
		g->arena = grown;
		g->arena_cap = cap;
	}
	memcpy(g->arena + g->arena_len, bytes, n);
	g->arena_len += n;
	return 0;
}

/* True when none of the 8 bytes at p is a control character (below 0x20),
 * outside ASCII, a quote or a backslash. Bit tricks on one 64-bit word: for
 * bytes below 0x80, (x - k) & ~x has a byte's top bit set exactly when some
 * byte of x is below k; comparing with c is "below 1" after x ^ c. */
static bool plain_ascii8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
	uint64_t w, quote, backslash;

	memcpy(&w, p, 8);
	if (w & tops)
		return false;
	quote = w ^ (ones * '"');
	backslash = w ^ (ones * '\\');
	uint64_t special = ((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
			   ((backslash - ones) & ~backslash);
	return (special & tops) == 0;
}

/* Walks a string starting after its opening quote; when as_key, decodes it
 * into the arena. Leaves pos after the closing quote. */
static int scan_string(struct guard *g, bool as_key, size_t *key_start)
{
	*key_start = g->arena_len;
	while (g->pos < g->len) {
		/* Values are mostly printable ASCII (an IMA list is one 18 MB
		 * string): step over such runs eight bytes, then one byte, at a time. */
		while (!as_key && g->len - g->pos >= 8 && plain_ascii8(g->p + g->pos))
			g->pos += 8;
		while (!as_key && g->pos < g->len && g->p[g->pos] >= 0x20 && g->p[g->pos] < 0x80 &&
		       g->p[g->pos] != '"' && g->p[g->pos] != '\\')
			g->pos++;
		if (g->pos == g->len)
			break;
		unsigned char c = g->p[g->pos];
		if (c == '"') {
			g->pos++;
			return 0;
		}
		if (c < 0x20)
			return fail(g, "a raw control character inside a string");
		if (c == '\\') {
			unsigned char decoded[4];
			size_t n = 1;
			if (g->pos + 1 >= g->len)
				return fail(g, "an unfinished escape");
			unsigned char e = g->p[g->pos + 1];
			if (e == 'u') {
				unsigned cp;
				if (g->pos + 6 > g->len || hex4(g->p + g->pos + 2, &cp))
					return fail(g, "a bad \\u escape");
				if (cp == 0)
					return fail(g, "the escape \\u0000 (NUL) inside a string");
				g->pos += 6;
				if (!as_key)
					continue;
				/* Keys are compared decoded: "\u0074ype" is "type". Surrogate
				 * pairs are kept as escaped units, which still compare equal
				 * to themselves. */
				if (cp < 0x80) {
					decoded[0] = (unsigned char)cp;
				} else if (cp < 0x800) {
					decoded[0] = (unsigned char)(0xC0 | cp >> 6);
					decoded[1] = (unsigned char)(0x80 | (cp & 0x3F));
					n = 2;
				} else {
					decoded[0] = (unsigned char)(0xE0 | cp >> 12);
					decoded[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
					decoded[2] = (unsigned char)(0x80 | (cp & 0x3F));
					n = 3;
				}
				if (arena_put(g, decoded, n))
					return fail(g, "out of memory");
				continue;
			}
			static const char simple[] = "\"\\/bfnrt";
			static const char meaning[] = "\"\\/\b\f\n\r\t";
			const char *at = strchr(simple, e);
			if (!at || e == '\0')
				return fail(g, "a bad escape");
			decoded[0] = (unsigned char)meaning[at - simple];
			g->pos += 2;
			if (as_key && arena_put(g, decoded, 1))
				return fail(g, "out of memory");
			continue;
		}
		size_t n = utf8_sequence(g->p + g->pos, g->len - g->pos);
		if (n == 0)
			return fail(g, "bytes that are not strict UTF-8");
		if (as_key && arena_put(g, g->p + g->pos, n))
			return fail(g, "out of memory");
		g->pos += n;
	}
	return fail(g, "an unterminated string");
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int compare_keys(const void *a, const void *b, void *arena)
{
	const struct key *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp((const unsigned char *)arena + x->offset, (const unsigned char *)arena + y->offset,
		      x->len);
}

/* On closing an object: sort its keys and look for equal neighbours. */
static int check_object_keys(struct guard *g, size_t first)
{
	size_t n = g->n_keys - first;
	size_t lowest = g->arena_len;

	if (n == 0)
		return 0; /* {} (and keys may still be unallocated) */

	/* Keys are appended in order, and inner objects' keys are released when
	 * they close: this object's bytes start at its lowest key offset. */
	for (size_t i = first; i < g->n_keys; i++)
		if (g->keys[i].offset < lowest)
			lowest = g->keys[i].offset;
	qsort_r(g->keys + first, n, sizeof(struct key), compare_keys, g->arena);
	for (size_t i = first + 1; i < g->n_keys; i++) {
		if (compare_keys(&g->keys[i - 1], &g->keys[i], g->arena) == 0) {
			snprintf(g->why, g->cap,
				 "body is not valid JSON: the key \"%.*s\" appears twice in one object",
				 (int)(g->keys[i].len > 64 ? 64 : g->keys[i].len),
				 (const char *)g->arena + g->keys[i].offset);
			return -1;
		}
	}
	g->arena_len = lowest;
	g->n_keys = first;
	return 0;
}

static int push_key(struct guard *g, size_t start)
{
	if (g->n_keys == g->keys_cap) {
		size_t cap = g->keys_cap ? g->keys_cap * 2 : 64;
		struct key *grown = realloc(g->keys, cap * sizeof(*grown));
		if (!grown)
			return fail(g, "out of memory");
		g->keys = grown;
		g->keys_cap = cap;
	}
	g->keys[g->n_keys].offset = start;
	g->keys[g->n_keys].len = g->arena_len - start;
	g->keys[g->n_keys].hash = fnv1a(g->arena + start, g->arena_len - start);
	g->n_keys++;
	return 0;
}

int json_guard_check(const char *text, size_t len, size_t max_depth, char *why, size_t cap)
{
	struct guard g = {.p = (const unsigned char *)text, .len = len, .why = why, .cap = cap};
	/* After '{' or ',' inside an object the next string is a key. */
	bool expect_key = false;
	size_t first = 0;
	int rc = -1;

	while (first < len && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' ||
			       text[first] == '\r'))
		first++;
	if (first == len || (text[first] != '{' && text[first] != '[')) {
		snprintf(why, cap, "body is not valid JSON: expected a JSON object ('{') at offset %zu",
			 first);
		return -1;
	}
	g.frames = calloc(max_depth + 1, sizeof(*g.frames));
	/* Always allocated: offsets into it are then valid even for empty keys
	 * (pointer arithmetic on NULL is undefined, as the fuzzer showed). */
	g.arena_cap = 256;
	g.arena = malloc(g.arena_cap);
	if (!g.frames || !g.arena) {
		free(g.frames);
		free(g.arena);
		snprintf(why, cap, "out of memory");
		return -1;
	}
	while (g.pos < g.len) {
		unsigned char c = g.p[g.pos];
		size_t key_start;

		switch (c) {
		case '"':
			g.pos++;
			if (scan_string(&g, expect_key, &key_start))
				goto out;
			if (expect_key && push_key(&g, key_start))
				goto out;
			expect_key = false;
			break;
		case '{':
		case '[':
			if (g.depth == max_depth) {
				fail(&g, "nesting too deep");
				goto out;
			}
			g.frames[g.depth++] = c == '{' ? g.n_keys : SIZE_MAX;
			expect_key = c == '{';
			g.pos++;
			break;
		case '}':
		case ']':
			if (g.depth == 0) {
				fail(&g, "an unbalanced bracket");
				goto out;
			}
			g.depth--;
			if (g.frames[g.depth] != SIZE_MAX && check_object_keys(&g, g.frames[g.depth]))
				goto out;
			expect_key = false;
			g.pos++;
			break;
		case ',':
			expect_key = g.depth > 0 && g.frames[g.depth - 1] != SIZE_MAX;
			g.pos++;
			break;
		case 'N':
		case 'I':
			fail(&g, "NaN or Infinity (not JSON numbers)");
			goto out;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				fail(&g, "a control character");
				goto out;
			}
			if (c >= 0x80) {
				fail(&g, "bytes outside a string");
				goto out;
			}
			g.pos++;
		}
	}
	rc = 0;
out:
	free(g.frames);
	free(g.keys);
	free(g.arena);
	return rc;
}
