/* json_raw.c - member spans in raw JSON text and verbatim serialisation
 * (see json_raw.h). */
#include "server/json_raw.h"

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdlib.h>
#include <string.h>

static size_t skip_space(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* i is just after an opening quote; returns the index after the closing one.
 * A quote closes the string unless an odd run of backslashes precedes it;
 * memchr finds the candidates (the IMA list is one 18 MB string). */
static size_t skip_string(const char *t, size_t len, size_t i)
{
	while (i < len) {
		const char *quote = memchr(t + i, '"', len - i);
		if (!quote)
			return len;
		size_t at = (size_t)(quote - t), backslashes = 0;
		while (at - backslashes > i && t[at - backslashes - 1] == '\\')
			backslashes++;
		if (backslashes % 2 == 0)
			return at + 1;
		i = at + 1;
	}
	return len;
}

/* Returns the index just after the value starting at i. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
	size_t depth = 0;

	if (i < len && t[i] == '"')
		return skip_string(t, len, i + 1);
	while (i < len) {
		char c = t[i];
		if (c == '"') {
			i = skip_string(t, len, i + 1);
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i; /* the end of the enclosing object */
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' ||
					  c == '\r')) {
			return i; /* the end of a number, true, false or null */
		}
		i++;
	}
	return len;
}

size_t json_raw_members(const char *text, size_t len, const char *const names[], size_t n,
			struct json_raw_span spans[])
{
	size_t found = 0;
	size_t i = skip_space(text, len, 0);

	memset(spans, 0, n * sizeof(spans[0]));
	if (i >= len || text[i] != '{')
		return 0;
	i++;
	while (found < n) {
		i = skip_space(text, len, i);
		if (i >= len || text[i] != '"')
			break;
		size_t key = i + 1;
		i = skip_string(text, len, key);
		size_t key_len = i - key - 1;
		struct json_raw_span *match = NULL;
		for (size_t k = 0; k < n; k++)
			if (!spans[k].found && strlen(names[k]) == key_len &&
			    memcmp(text + key, names[k], key_len) == 0)
				match = &spans[k];
		i = skip_space(text, len, i);
		if (i >= len || text[i] != ':')
			break;
		i = skip_space(text, len, i + 1);
		size_t value = i;
		i = skip_value(text, len, i);
		if (match && i > value) {
			match->found = true;
			match->start = value;
			match->len = i - value;
			found++;
		}
		i = skip_space(text, len, i);
		if (i >= len || text[i] != ',')
			break;
		i++;
	}
	return found;
}

bool json_raw_member(const char *text, size_t len, const char *name, size_t *start,
		     size_t *span)
{
	struct json_raw_span found;

	if (!json_raw_members(text, len, &name, 1, &found))
		return false;
	*start = found.start;
	*span = found.len;
	return true;
}

struct raw_text {
	const char *text;
	size_t len;
};

static int print_raw(struct json_object *obj, struct printbuf *pb, int level, int flags)
{
	const struct raw_text *raw = json_object_get_userdata(obj);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, raw->text, (int)raw->len);
}

static void free_raw(struct json_object *obj, void *userdata)
{
	(void)obj;
	free(userdata);
}

void json_raw_attach(struct json_object *obj, const char *text, size_t len)
{
	struct raw_text *raw;

	if (len > 0x7fffffff || !(raw = malloc(sizeof(*raw))))
		return; /* json-c serialises it as usual */
	raw->text = text;
	raw->len = len;
	json_object_set_serializer(obj, print_raw, raw, free_raw);
}
