/* fuzz_mb_policy.c - libFuzzer harness: a measured-boot reference state
 * (mb_policy), as text and as an already parsed JSON value. */
#include "policy/mb_policy.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use(struct mb_policy *policy)
{
	if (!policy)
		return;
	(void)mb_policy_is_empty(policy);
	(void)json_object_to_json_string((struct json_object *)mb_policy_document(policy));
	mb_policy_free(policy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *doc;
	char err[512];
	char *text = malloc(size ? size : 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	use(mb_policy_parse(text, size, err, sizeof(err)));
	tok = json_tokener_new_ex(64);
	if (tok && size < 0x7fffffff) {
		doc = json_tokener_parse_ex(tok, text, (int)size);
		if (doc && json_tokener_get_error(tok) == json_tokener_success)
			use(mb_policy_from_json(doc, err, sizeof(err)));
		json_object_put(doc);
	}
	json_tokener_free(tok);
	free(text);
	return 0;
}
