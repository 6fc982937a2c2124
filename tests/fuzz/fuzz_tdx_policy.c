/* fuzz_tdx_policy.c - libFuzzer harness: an operator's TDX policy document.
 * Parses it strictly and, when it is accepted, evaluates it against verified
 * results of every TCB status, with and without debug, module and QE. */
#include "policy/tdx_policy.h"
#include "verifier/failures.h"
#include "verifier/tdx_verify.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A result with every field set to something a rule can compare. */
static void sample_result(struct tdx_result *r, unsigned i)
{
	uint8_t fill = (uint8_t)(i * 0x35);

	memset(r, 0, sizeof(*r));
	r->authenticated = true;
	r->tcb_evaluated = i % 5 != 4;
	r->tcb_status = (enum tdx_tcb_status)(i % TDX_TCB_STATUS_COUNT);
	r->tcb_eval_num = (int64_t)i * 7;
	r->has_qe_identity = i & 1;
	r->qe_eval_num = (int64_t)i * 5;
	r->advisory_count = i % 3;
	for (size_t k = 0; k < r->advisory_count; k++)
		snprintf(r->advisory_ids[k], TDX_ADVISORY_ID_MAX, "INTEL-SA-%05u", 837 + (unsigned)k * 123);
	memset(&r->quote.body, fill, sizeof(r->quote.body));
	r->quote.body.td_attributes[0] = (uint8_t)(i & 1);
	r->quote.version = 4 + (i & 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	static struct tdx_result results[9];
	struct tdx_policy *policy;
	char err[512];
	char *text;

	text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	policy = tdx_policy_parse(text, size, err, sizeof(err));
	if (policy) {
		for (unsigned i = 0; i < 9; i++) {
			sample_result(&results[i], i);
			failures_init(&f);
			size_t broken = tdx_policy_evaluate(policy, &results[i], &f);
			if (broken != f.count)
				abort(); /* every broken rule is reported, once */
			json_object_put(failures_to_json(&f));
			failures_clear(&f);
		}
		tdx_policy_free(policy);
	} else if (err[0] == '\0') {
		abort(); /* a refusal says why */
	}
	free(text);
	return 0;
}
