/* fuzz_json_lift.c - libFuzzer harness, differential: request bodies whose
 * long strings teev decodes itself (server/json_lift.c) must parse to
 * exactly the tree json-c gives on its own.
 *
 * The input is the content of an IMA list: it is placed between the quotes
 * of data.ima_measurement_list and padded past JSON_LIFT_MIN, so every input
 * takes the lifted path. The first byte picks where the padding goes
 * (before or after the input) and whether a second long member,
 * runtime_policy at the top level, carries the input too. */
#include "server/json_lift.h"
#include "server/routes.h"
#include "server/routes_internal.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t put(char *out, size_t at, const void *bytes, size_t n)
{
	memcpy(out + at, bytes, n);
	return at + n;
}

/* "…" holding the input and JSON_LIFT_MIN bytes of padding. */
static size_t long_string(char *out, size_t at, const uint8_t *in, size_t n, int pad_first)
{
	at = put(out, at, "\"", 1);
	if (pad_first) {
		memset(out + at, 'p', JSON_LIFT_MIN);
		at += JSON_LIFT_MIN;
	}
	at = put(out, at, in, n);
	if (!pad_first) {
		memset(out + at, 'p', JSON_LIFT_MIN);
		at += JSON_LIFT_MIN;
	}
	return put(out, at, "\"", 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"type\": \"tpm\", ";
	static const char policy[] = "\"runtime_policy\": ";
	static const char list[] = "\"data\": {\"quote\": \"q\", \"ima_measurement_list\": ";
	char why[256];

	if (size < 1 || size > 64 * 1024)
		return 0;
	int pad_first = data[0] & 1, two = data[0] & 2;
	data++;
	size--;

	size_t cap = 2 * (size + JSON_LIFT_MIN) + 256, len = 0;
	char *text = malloc(cap);
	if (!text)
		return 0;
	len = put(text, len, head, sizeof(head) - 1);
	if (two) {
		len = put(text, len, policy, sizeof(policy) - 1);
		len = long_string(text, len, data, size, !pad_first);
		len = put(text, len, ", ", 2);
	}
	len = put(text, len, list, sizeof(list) - 1);
	len = long_string(text, len, data, size, pad_first);
	len = put(text, len, "}}", 2);
	text[len] = '\0';

	struct route_request req = {.method = "POST", .path = "/", .body = text, .body_len = len};
	struct json_object *lifted = parse_json_body(&req, why, sizeof(why));
	if (lifted) {
		/* json-c alone, with the flags parse_json_body uses. */
		struct json_tokener *tok = json_tokener_new_ex(64);
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
		struct json_object *plain = json_tokener_parse_ex(tok, text, (int)len);
		if (!plain || !json_object_equal(lifted, plain))
			abort(); /* the two parsers disagree */
		json_object_put(plain);
		json_tokener_free(tok);
		json_object_put(lifted);
	}
	free(text);
	return 0;
}
