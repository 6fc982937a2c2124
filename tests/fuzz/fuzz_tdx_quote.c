/* fuzz_tdx_quote.c - libFuzzer harness: an Intel TDX quote as a TD hands it
 * over (v4 or v5, any trailing bytes). Parses the layout, then what the
 * verifier derives from a parsed quote before any signature: the PEM PCK
 * chain split, Intel's SGX extensions of the leaf, and the claims. Aborts
 * when a parse the header promises to be bounded points outside the input. */
#include "verifier/failures.h"
#include "verifier/tdx_pck.h"
#include "verifier/tdx_quote.h"
#include "verifier/tdx_verify.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && p + n <= data + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	static struct tdx_result result;
	struct tdx_pck_chain chain;

	if (size > TDX_QUOTE_MAX_SIZE)
		return 0; /* callers read at most this much */
	failures_init(&f);
	memset(&result, 0, sizeof(result));
	if (tdx_quote_parse(data, size, &result.quote, &f) == 0) {
		const struct tdx_quote *q = &result.quote;

		/* The layout rules the header promises. */
		if (f.count != 0 || (q->version != 4 && q->version != 5) || q->att_key_type != 2 ||
		    q->tee_type != TDX_TEE_TYPE_TDX || q->trailing > TDX_QUOTE_MAX_TRAILING ||
		    (q->body_type != TDX_BODY_TYPE_TD10 && q->body_type != TDX_BODY_TYPE_TD15) ||
		    q->signed_len > size ||
		    !inside(q->qe_report_raw, TDX_QE_REPORT_SIZE, data, size) ||
		    !inside(q->auth_data, q->auth_data_len, data, size) ||
		    !inside(q->pck_chain, q->pck_chain_len, data, size) ||
		    q->pck_chain + q->pck_chain_len + q->trailing != data + size)
			abort();
		if (tdx_pck_chain_split(q->pck_chain, q->pck_chain_len, &chain, &f) == 0) {
			(void)tdx_pck_parse(chain.leaf, &result.pck, &f);
			tdx_pck_chain_free(&chain);
		}
		result.authenticated = true;
		json_object_put(tdx_claims(&result));
	} else if (f.count != 1) {
		abort(); /* a refusal names exactly one reason */
	}
	json_object_put(failures_to_json(&f));
	failures_clear(&f);
	return 0;
}
