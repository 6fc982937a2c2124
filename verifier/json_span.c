/* json_span.c - strict bounded JSON walk with top-level member spans (see json_span.h).
 *
 * Not a tree builder: one pass, an explicit stack of open containers, and
 * for each open object the (hash, offset) of its keys so a duplicate can be
 * found without keeping decoded keys around (a hash match is confirmed by
 * decoding both keys again).
 */
#include "verifier/json_span.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct key_ref {
	uint64_t hash;
	size_t offset; /* of the key's opening quote */
};

struct frame {
	bool object;
	size_t first_key; /* index into keys of this object's first key */
	size_t members;
};

struct walk {
	const unsigned char *s;
	size_t len, pos;
	char *why;
	size_t cap;
	unsigned max_depth;
	size_t depth;
	struct frame frames[JSON_SPAN_MAX_DEPTH];
	struct key_ref *keys;
	size_t n_keys, keys_cap;
	struct json_span_member *members;
	size_t n_members;
	long pending; /* member whose value is being read at depth 1, or -1 */
};

static int fail(struct walk *w, const char *what)
{
	if (w->why && w->cap)
		snprintf(w->why, w->cap, "invalid JSON: %s at offset %zu", what, w->pos);
	return -1;
}

static void skip_ws(struct walk *w)
{
	while (w->pos < w->len) {
		unsigned char c = w->s[w->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		w->pos++;
	}
}

/* Length of a strict UTF-8 sequence (RFC 3629) at p, or 0. */
static size_t utf8_length(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return left >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
			return 0; /* overlong, or a UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
			return 0; /* overlong, or above U+10FFFF */
		return 4;
	}
	return 0;
}

static int hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Appends the UTF-8 form of code point cp to out (when out is not NULL). */
static int put_code_point(unsigned long cp, char *out, size_t cap, size_t *n)
{
	unsigned char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		k = 4;
	}
	if (!out)
		return 0;
	if (*n + k > cap)
		return -1;
	memcpy(out + *n, b, k);
	*n += k;
	return 0;
}

enum string_error {
	STRING_OK = 0,
	STRING_UNTERMINATED,
	STRING_CONTROL,
	STRING_UTF8,
	STRING_ESCAPE,
	STRING_SURROGATE,
	STRING_NUL_KEY,
	STRING_LONG_KEY,
};

static const char *string_error_text(enum string_error e)
{
	switch (e) {
	case STRING_UNTERMINATED:
		return "unterminated string";
	case STRING_CONTROL:
		return "raw control character in a string";
	case STRING_UTF8:
		return "bytes that are not UTF-8";
	case STRING_ESCAPE:
		return "bad escape sequence";
	case STRING_SURROGATE:
		return "unpaired UTF-16 surrogate escape";
	case STRING_NUL_KEY:
		return "a key containing \\u0000";
	case STRING_LONG_KEY:
		return "a key longer than 256 bytes";
	case STRING_OK:
		break;
	}
	return "bad string";
}

/* Reads the string whose opening quote is at s[*pos]; on success *pos is
 * past the closing quote. With out (a key), decodes into out[0..*n). */
static enum string_error read_string(const unsigned char *s, size_t len, size_t *pos, char *out,
				     size_t cap, size_t *n)
{
	size_t p = *pos + 1;

	if (n)
		*n = 0;
	while (p < len && s[p] != '"') {
		unsigned char c = s[p];

		if (c < 0x20)
			return STRING_CONTROL;
		if (c != '\\') {
			size_t k = utf8_length(s + p, len - p);
			if (k == 0)
				return STRING_UTF8;
			if (out) {
				if (*n + k > cap)
					return STRING_LONG_KEY;
				memcpy(out + *n, s + p, k);
				*n += k;
			}
			p += k;
			continue;
		}
		if (p + 1 >= len)
			return STRING_UNTERMINATED;
		c = s[p + 1];
		if (c == 'u') {
			unsigned hi, lo;
			unsigned long cp;

			if (p + 6 > len || hex4(s + p + 2, &hi))
				return STRING_ESCAPE;
			p += 6;
			if (hi >= 0xDC00 && hi <= 0xDFFF)
				return STRING_SURROGATE;
			if (hi >= 0xD800 && hi <= 0xDBFF) {
				if (p + 6 > len || s[p] != '\\' || s[p + 1] != 'u' ||
				    hex4(s + p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return STRING_SURROGATE;
				p += 6;
				cp = 0x10000 + (((unsigned long)hi - 0xD800) << 10) + (lo - 0xDC00);
			} else {
				cp = hi;
			}
			if (cp == 0 && out)
				return STRING_NUL_KEY;
			if (put_code_point(cp, out, cap, n))
				return STRING_LONG_KEY;
			continue;
		}
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
		const char *at = c ? strchr(from, c) : NULL;
		if (!at)
			return STRING_ESCAPE;
		if (out) {
			if (*n + 1 > cap)
				return STRING_LONG_KEY;
			out[(*n)++] = to[at - from];
		}
		p += 2;
	}
	if (p >= len)
		return STRING_UNTERMINATED;
	*pos = p + 1;
	return STRING_OK;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int read_number(struct walk *w)
{
	const unsigned char *s = w->s;
	size_t p = w->pos;

	if (p < w->len && s[p] == '-')
		p++;
	if (p >= w->len || s[p] < '0' || s[p] > '9')
		return fail(w, "bad number");
	if (s[p] == '0') {
		p++;
	} else {
		while (p < w->len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < w->len && s[p] == '.') {
		p++;
		if (p >= w->len || s[p] < '0' || s[p] > '9')
			return fail(w, "bad number");
		while (p < w->len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	if (p < w->len && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < w->len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= w->len || s[p] < '0' || s[p] > '9')
			return fail(w, "bad number");
		while (p < w->len && s[p] >= '0' && s[p] <= '9')
			p++;
	}
	w->pos = p;
	return 0;
}

static int read_literal(struct walk *w)
{
	static const char *const words[] = {"true", "false", "null"};

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);
		if (w->len - w->pos >= n && memcmp(w->s + w->pos, words[i], n) == 0) {
			w->pos += n;
			return 0;
		}
	}
	return fail(w, "unexpected character");
}

/* Reads a key of the innermost object (at its opening quote), refuses a
 * duplicate, and consumes the ':' after it. */
static int read_key(struct walk *w)
{
	struct frame *fr = &w->frames[w->depth - 1];
	char key[JSON_SPAN_MAX_KEY], other[JSON_SPAN_MAX_KEY];
	size_t key_len = 0, other_len = 0, start = w->pos;
	enum string_error e;
	uint64_t hash;

	if (w->pos >= w->len || w->s[w->pos] != '"')
		return fail(w, "expected a key");
	e = read_string(w->s, w->len, &w->pos, key, sizeof(key), &key_len);
	if (e != STRING_OK)
		return fail(w, string_error_text(e));
	if (fr->members >= JSON_SPAN_MAX_MEMBERS)
		return fail(w, "more than 256 members in one object");
	hash = fnv1a(key, key_len);
	for (size_t i = fr->first_key; i < w->n_keys; i++) {
		size_t p = w->keys[i].offset;

		if (w->keys[i].hash != hash)
			continue;
		(void)read_string(w->s, w->len, &p, other, sizeof(other), &other_len);
		if (other_len == key_len && memcmp(other, key, key_len) == 0) {
			w->pos = start;
			return fail(w, "duplicate key");
		}
	}
	if (w->n_keys == w->keys_cap) {
		size_t cap = w->keys_cap ? w->keys_cap * 2 : 64;
		struct key_ref *grown = realloc(w->keys, cap * sizeof(*grown));
		if (!grown)
			return fail(w, "out of memory");
		w->keys = grown;
		w->keys_cap = cap;
	}
	w->keys[w->n_keys++] = (struct key_ref){hash, start};
	fr->members++;
	skip_ws(w);
	if (w->pos >= w->len || w->s[w->pos] != ':')
		return fail(w, "expected ':'");
	w->pos++;
	skip_ws(w);
	if (w->depth == 1) {
		w->pending = -1;
		for (size_t i = 0; i < w->n_members; i++) {
			const char *name = w->members[i].name;
			if (strlen(name) == key_len && memcmp(name, key, key_len) == 0) {
				w->members[i].start = w->pos;
				w->pending = (long)i;
			}
		}
	}
	return 0;
}

/* A value just ended at w->pos: finish a member span, then consume
 * separators and closing brackets until the next value or the end. Returns
 * 1 when the document is complete, 0 when a value follows, -1 on error. */
static int after_value(struct walk *w)
{
	for (;;) {
		if (w->depth == 1 && w->frames[0].object && w->pending >= 0) {
			struct json_span_member *m = &w->members[w->pending];
			m->found = true;
			m->len = w->pos - m->start;
			w->pending = -1;
		}
		skip_ws(w);
		if (w->depth == 0)
			return w->pos == w->len ? 1 : fail(w, "trailing data");
		struct frame *fr = &w->frames[w->depth - 1];
		if (w->pos >= w->len)
			return fail(w, "document ends early");
		if (w->s[w->pos] == ',') {
			w->pos++;
			skip_ws(w);
			if (fr->object)
				return read_key(w);
			return 0;
		}
		if (w->s[w->pos] == (fr->object ? '}' : ']')) {
			w->pos++;
			if (fr->object)
				w->n_keys = fr->first_key;
			w->depth--;
			continue;
		}
		return fail(w, fr->object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int walk_document(struct walk *w)
{
	skip_ws(w);
	if (w->pos >= w->len)
		return fail(w, "empty document");
	for (;;) {
		int rc;

		skip_ws(w);
		if (w->pos >= w->len)
			return fail(w, "value expected");
		unsigned char c = w->s[w->pos];
		if (c == '{' || c == '[') {
			if (w->depth >= w->max_depth)
				return fail(w, "nested too deeply");
			w->frames[w->depth++] = (struct frame){c == '{', w->n_keys, 0};
			w->pos++;
			skip_ws(w);
			if (w->pos < w->len && w->s[w->pos] == (c == '{' ? '}' : ']')) {
				/* Empty: let after_value close it. */
				w->depth--;
				w->pos++;
			} else if (c == '{') {
				if (read_key(w))
					return -1;
				continue;
			} else {
				continue;
			}
		} else if (c == '"') {
			enum string_error e = read_string(w->s, w->len, &w->pos, NULL, 0, NULL);
			if (e != STRING_OK)
				return fail(w, string_error_text(e));
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (read_number(w))
				return -1;
		} else if (read_literal(w)) {
			return -1;
		}
		rc = after_value(w);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
}

int json_span_check(const char *text, size_t len, unsigned max_depth,
		    struct json_span_member *members, size_t n_members, char *why, size_t cap)
{
	struct walk *w = calloc(1, sizeof(*w));
	int rc;

	if (!w) {
		if (why && cap)
			snprintf(why, cap, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n_members; i++) {
		members[i].found = false;
		members[i].start = 0;
		members[i].len = 0;
	}
	w->s = (const unsigned char *)text;
	w->len = len;
	w->why = why;
	w->cap = cap;
	w->max_depth = max_depth > JSON_SPAN_MAX_DEPTH ? JSON_SPAN_MAX_DEPTH : max_depth;
	w->members = members;
	w->n_members = n_members;
	w->pending = -1;
	rc = walk_document(w);
	if (rc)
		for (size_t i = 0; i < n_members; i++)
			members[i].found = false;
	free(w->keys);
	free(w);
	return rc;
}
