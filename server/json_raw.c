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

/* i is just after an opening quote; returns the index after the closing one. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
	while (i < len && t[i] != '"')
		i += t[i] == '\\' ? 2 : 1;
	return i < len ? i + 1 : len;
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

bool json_raw_member(const char *text, size_t len, const char *name, size_t *start,
		     size_t *span)
{
	size_t name_len = strlen(name);
	size_t i = skip_space(text, len, 0);

	if (i >= len || text[i] != '{')
		return false;
	i++;
	for (;;) {
		i = skip_space(text, len, i);
		if (i >= len || text[i] != '"')
			return false;
		size_t key = i + 1;
		i = skip_string(text, len, key);
		bool match = i - key - 1 == name_len && memcmp(text + key, name, name_len) == 0;
		i = skip_space(text, len, i);
		if (i >= len || text[i] != ':')
			return false;
		i = skip_space(text, len, i + 1);
		size_t value = i;
		i = skip_value(text, len, i);
		if (match) {
			*start = value;
			*span = i - value;
			return i > value;
		}
		i = skip_space(text, len, i);
		if (i >= len || text[i] != ',')
			return false;
		i++;
	}
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
