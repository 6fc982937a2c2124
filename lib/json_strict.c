/* json_strict.c - a strict JSON parse (see json_strict.h). */
#include "lib/json_strict.h"

#include "server/json_guard.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

struct json_object *json_strict_parse(const char *text, size_t len, size_t max_depth, char *why,
				      size_t cap)
{
	struct json_tokener *tok;
	struct json_object *doc;
	enum json_tokener_error error;

	if (memchr(text, '\0', len)) {
		snprintf(why, cap, "contains a NUL byte");
		return NULL;
	}
	if (len > INT_MAX || max_depth > INT_MAX) {
		snprintf(why, cap, "too large to parse");
		return NULL;
	}
	if (json_guard_check(text, len, max_depth, why, cap))
		return NULL;
	tok = json_tokener_new_ex((int)max_depth);
	if (!tok) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, (int)len);
	error = json_tokener_get_error(tok);
	if (error == json_tokener_continue) {
		snprintf(why, cap, "not valid JSON: unexpected end of input");
		json_object_put(doc);
		doc = NULL;
	} else if (error != json_tokener_success) {
		snprintf(why, cap, "not valid JSON: %s at offset %zu",
			 json_tokener_error_desc(error), json_tokener_get_parse_end(tok));
	} else {
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
			if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' &&
			    text[i] != '\n') {
				snprintf(why, cap, "not valid JSON: trailing data at offset %zu",
					 i);
				json_object_put(doc);
				doc = NULL;
				break;
			}
		}
	}
	json_tokener_free(tok);
	return doc;
}
