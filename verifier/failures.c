/* failures.c - append-only list of verification failures (see failures.h). */
#include "verifier/failures.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void failures_init(struct failures *f)
{
	/* Slots are written before they are read; zeroing 18 KB per request
	 * showed in profiles. */
	f->count = 0;
	f->truncated = false;
}

void failures_clear(struct failures *f)
{
	for (size_t i = 0; i < f->count; i++) {
		json_object_put(f->items[i].extra);
		f->items[i].extra = NULL;
	}
	failures_init(f);
}

static void failures_vadd(struct failures *f, struct json_object *extra,
			  const char *type, const char *fmt, va_list ap)
{
	struct failure *slot;

	if (f->count == FAILURES_MAX) {
		/* Keep the first failures intact; say in the last one that more were cut. */
		json_object_put(extra);
		if (!f->truncated) {
			slot = &f->items[FAILURES_MAX - 1];
			size_t used = strlen(slot->message);
			snprintf(slot->message + used, sizeof(slot->message) - used,
				 " (further failures omitted)");
			f->truncated = true;
		}
		return;
	}
	slot = &f->items[f->count++];
	snprintf(slot->type, sizeof(slot->type), "%s", type);
	vsnprintf(slot->message, sizeof(slot->message), fmt, ap);
	slot->extra = extra;
}

void failures_add(struct failures *f, const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failures_vadd(f, NULL, type, fmt, ap);
	va_end(ap);
}

void failures_add_extra(struct failures *f, struct json_object *extra,
			const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failures_vadd(f, extra, type, fmt, ap);
	va_end(ap);
}

void failures_add_context(struct failures *f, const char *type, struct json_object *context)
{
	failures_add_extra(f, context, type, "%s", "");
}

bool failures_has_suffix(const struct failures *f, const char *suffix)
{
	size_t slen = strlen(suffix);

	for (size_t i = 0; i < f->count; i++) {
		size_t tlen = strlen(f->items[i].type);
		if (tlen >= slen && strcmp(f->items[i].type + tlen - slen, suffix) == 0)
			return true;
	}
	return false;
}

bool failures_contains(const struct failures *f, const char *type)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->items[i].type, type) == 0)
			return true;
	return false;
}

struct json_object *failures_to_json(const struct failures *f)
{
	struct json_object *array = json_object_new_array_ext((int)f->count);

	for (size_t i = 0; i < f->count; i++) {
		const struct failure *it = &f->items[i];
		struct json_object *entry = json_object_new_object();
		struct json_object *context = json_object_new_object();

		if (it->message[0] || !it->extra)
			json_object_object_add(context, "message",
					       json_object_new_string(it->message));
		if (it->extra) {
			json_object_object_foreach(it->extra, key, value)
			{
				json_object_object_add(context, key,
						       json_object_get(value));
			}
		}
		json_object_object_add(entry, "type", json_object_new_string(it->type));
		json_object_object_add(entry, "context", context);
		json_object_array_add(array, entry);
	}
	return array;
}
