/* mb_policy.c - measured-boot reference states (see mb_policy.h). */
#include "policy/mb_policy.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB_POLICY_MAX_DEPTH 32

struct mb_policy {
	struct json_object *doc;
};

struct mb_policy *mb_policy_parse(const char *text, size_t len, char *err, size_t err_len)
{
	struct json_tokener *tok = json_tokener_new_ex(MB_POLICY_MAX_DEPTH);
	struct mb_policy *p = NULL;
	struct json_object *doc;

	if (!tok) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	if (len > 0x7fffffff || memchr(text, '\0', len)) {
		snprintf(err, err_len, "the measured boot policy is not JSON text");
		goto out;
	}
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || doc == NULL) {
		snprintf(err, err_len, "the measured boot policy is not valid JSON");
		json_object_put(doc);
		goto out;
	}
	if (!json_object_is_type(doc, json_type_object) && !json_object_is_type(doc, json_type_array)) {
		snprintf(err, err_len, "the measured boot policy must be a JSON object");
		json_object_put(doc);
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, err_len, "out of memory");
		json_object_put(doc);
		goto out;
	}
	p->doc = doc;
out:
	json_tokener_free(tok);
	return p;
}

struct mb_policy *mb_policy_from_json(struct json_object *doc, char *err, size_t err_len)
{
	struct mb_policy *p;

	if (!json_object_is_type(doc, json_type_object) && !json_object_is_type(doc, json_type_array)) {
		snprintf(err, err_len, "the measured boot policy must be a JSON object");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	p->doc = json_object_get(doc);
	return p;
}

void mb_policy_free(struct mb_policy *p)
{
	if (!p)
		return;
	json_object_put(p->doc);
	free(p);
}

bool mb_policy_is_empty(const struct mb_policy *p)
{
	if (json_object_is_type(p->doc, json_type_array))
		return json_object_array_length(p->doc) == 0;
	return json_object_object_length(p->doc) == 0;
}

const struct json_object *mb_policy_document(const struct mb_policy *p)
{
	return p->doc;
}
