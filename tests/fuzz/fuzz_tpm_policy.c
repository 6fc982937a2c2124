/* fuzz_tpm_policy.c - libFuzzer harness: Keylime's PCR policy (tpm_policy),
 * sent as text or as a JSON object. Both entry points parse the input; an
 * accepted policy is evaluated against quotes in the SHA-1 and SHA-256
 * banks. */
#include "policy/tpm_policy.h"
#include "verifier/failures.h"
#include "verifier/tpm_objects.h"
#include "verifier/tpm_quote.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void evaluate(const struct tpm_policy *policy)
{
	static struct tpm_pcr_values pcrs;
	static struct failures f;

	for (int bank = 0; bank < 2; bank++) {
		memset(&pcrs, 0, sizeof(pcrs));
		pcrs.bank = bank ? TPM_ALG_SHA256 : TPM_ALG_SHA1;
		pcrs.digest_size = bank ? 32 : 20;
		pcrs.quoted = bank ? 0x00FFFFFFu : 0x0000C3A5u;
		for (int pcr = 0; pcr < TPM_PCR_COUNT; pcr++)
			memset(pcrs.value[pcr], pcr % 3 == 0 ? 0 : pcr % 3 == 1 ? 0xff : pcr,
			       pcrs.digest_size);
		failures_init(&f);
		(void)tpm_policy_evaluate(policy, &pcrs, 1u << 10, &f);
		(void)tpm_policy_check_pcrs(policy, &pcrs, pcrs.quoted, &f);
		(void)tpm_policy_check_missing(policy, &pcrs, &f);
		json_object_put(failures_to_json(&f));
		failures_clear(&f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *doc;
	struct tpm_policy *policy;
	char err[512];
	char *text = malloc(size ? size : 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	policy = tpm_policy_parse(text, size, TPM_POLICY_STORED, NULL, err, sizeof(err));
	if (policy) {
		evaluate(policy);
		tpm_policy_free(policy);
	}
	/* The inline object form, as json-c parses a request body. */
	tok = json_tokener_new_ex(64);
	if (tok && size < 0x7fffffff) {
		doc = json_tokener_parse_ex(tok, text, (int)size);
		if (doc && json_tokener_get_error(tok) == json_tokener_success) {
			policy = tpm_policy_from_json(doc, TPM_POLICY_INLINE, NULL, err, sizeof(err));
			if (policy) {
				evaluate(policy);
				tpm_policy_free(policy);
			}
		}
		json_object_put(doc);
	}
	json_tokener_free(tok);
	free(text);
	return 0;
}
