/* json_lift.c - long strings decoded outside json-c (see json_lift.h). */
#include "server/json_lift.h"

#include "server/json_raw.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The members Keylime's API lets grow to megabytes: at the top level (the
 * policy routes) and in the top-level "data" object (verify/evidence). */
static const char *const top_level[] = {"runtime_policy", "mb_policy", "data"}; /* data last */
static const char *const in_data[] = {"ima_measurement_list", "runtime_policy", "mb_log",
				      "mb_policy"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Decodes the content of a JSON string, copying the runs between escapes
 * whole. NULL at a \u escape (json-c's handling of surrogates is its own,
 * so such strings are left to it), or without memory. */
static char *decode_plain(const char *s, size_t n, size_t *out_len)
{
	char *out = malloc(n + 1);
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	while (i < n) {
		const char *backslash = memchr(s + i, '\\', n - i);
		size_t run = backslash ? (size_t)(backslash - (s + i)) : n - i;

		memcpy(out + o, s + i, run);
		o += run;
		i += run;
		if (!backslash)
			break;
		if (i + 1 >= n)
			goto fail;
		switch (s[i + 1]) {
		case '"':
		case '\\':
		case '/':
			out[o++] = s[i + 1];
			break;
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		default:
			goto fail;
		}
		i += 2;
	}
	out[o] = '\0';
	*out_len = o;
	return out;
fail:
	free(out);
	return NULL;
}

/* When the value at text[span] is a long string, decodes it into m ("data"
 * itself, an object, never is). */
static bool lift_one(const char *text, const struct json_raw_span *span, const char *name,
		     const char *parent, struct json_lift_member *m)
{
	if (!span->found || span->len < 2 + JSON_LIFT_MIN || text[span->start] != '"' ||
	    text[span->start + span->len - 1] != '"')
		return false;
	m->start = span->start + 1;
	m->end = span->start + span->len - 1;
	m->name = name;
	m->parent = parent;
	m->decoded = decode_plain(text + m->start, m->end - m->start, &m->decoded_len);
	return m->decoded != NULL;
}

/* Lifts the long strings among the members found in one object. */
static void lift_spans(const char *text, const struct json_raw_span spans[],
		       const char *const names[], size_t n, const char *parent,
		       struct json_lift_plan *plan, size_t *lifted)
{
	for (size_t i = 0; i < n && plan->count < JSON_LIFT_MAX_MEMBERS; i++) {
		struct json_lift_member *m = &plan->members[plan->count];
		if (lift_one(text, &spans[i], names[i], parent, m)) {
			*lifted += m->end - m->start;
			plan->count++;
		}
	}
}

static int by_start(const void *a, const void *b)
{
	const struct json_lift_member *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void json_lift_prepare(const char *text, size_t len, struct json_lift_plan *plan)
{
	struct json_raw_span top[COUNT(top_level)], data[COUNT(in_data)];
	const struct json_raw_span *data_span = &top[COUNT(top_level) - 1];
	size_t lifted = 0;

	memset(plan, 0, sizeof(*plan));
	/* One pass over each object: the IMA list is scanned twice in all. */
	json_raw_members(text, len, top_level, COUNT(top_level), top);
	lift_spans(text, top, top_level, COUNT(top_level), NULL, plan, &lifted);
	if (data_span->found && text[data_span->start] == '{') {
		json_raw_members(text + data_span->start, data_span->len, in_data, COUNT(in_data),
				 data);
		for (size_t i = 0; i < COUNT(in_data); i++)
			data[i].start += data_span->start;
		lift_spans(text, data, in_data, COUNT(in_data), "data", plan, &lifted);
	}
	if (plan->count == 0)
		return;

	/* The text with every lifted string emptied: "" where it stood. */
	qsort(plan->members, plan->count, sizeof(plan->members[0]), by_start);
	plan->text = malloc(len - lifted + 1);
	if (!plan->text) {
		json_lift_free(plan);
		return;
	}
	size_t from = 0;
	for (size_t i = 0; i < plan->count; i++) {
		memcpy(plan->text + plan->len, text + from, plan->members[i].start - from);
		plan->len += plan->members[i].start - from;
		from = plan->members[i].end;
	}
	memcpy(plan->text + plan->len, text + from, len - from);
	plan->len += len - from;
	plan->text[plan->len] = '\0';
}

int json_lift_restore(struct json_lift_plan *plan, struct json_object *doc)
{
	for (size_t i = 0; i < plan->count; i++) {
		struct json_lift_member *m = &plan->members[i];
		struct json_object *parent = doc, *placeholder = NULL, *value;

		if (m->parent && !json_object_object_get_ex(doc, m->parent, &parent))
			return -1;
		if (!json_object_is_type(parent, json_type_object) ||
		    !json_object_object_get_ex(parent, m->name, &placeholder) ||
		    !json_object_is_type(placeholder, json_type_string) ||
		    json_object_get_string_len(placeholder) != 0)
			return -1;
		value = json_object_new_string_len(m->decoded, (int)m->decoded_len);
		if (!value || json_object_object_add(parent, m->name, value) != 0) {
			json_object_put(value);
			return -1;
		}
		free(m->decoded);
		m->decoded = NULL;
	}
	return 0;
}

void json_lift_free(struct json_lift_plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		free(plan->members[i].decoded);
	free(plan->text);
	memset(plan, 0, sizeof(*plan));
}
