/* fuzz_snp_report.c - libFuzzer harness: an SEV-SNP ATTESTATION_REPORT as the
 * host hands it over. Parses the layout, then runs what the server derives
 * from a parsed report (TCB decoding for every product, claims). */
#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "verifier/snp_verify.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	struct snp_result result;
	char text[128];

	failures_init(&f);
	memset(&result, 0, sizeof(result));
	if (snp_report_parse(data, size, &result.report, &f) == 0) {
		const struct snp_report *r = &result.report;
		/* The layout rules the header and README promise. */
		if (size != SNP_REPORT_SIZE || f.count != 0 || r->signature_algo != 1 ||
		    (r->version != 2 && r->version != 3 && r->version != 4 && r->version != 5) ||
		    r->vmpl > 3 || !(r->policy & SNP_POLICY_RESERVED_ONE) ||
		    (r->signing_key != SNP_SIGNING_KEY_VCEK && r->signing_key != SNP_SIGNING_KEY_VLEK &&
		     r->signing_key != SNP_SIGNING_KEY_NONE))
			abort();
		for (int p = 0; p < SNP_PRODUCT_COUNT; p++) {
			enum snp_product product = (enum snp_product)p;
			struct snp_tcb a = snp_tcb_decode(result.report.reported_tcb, product);
			struct snp_tcb b = snp_tcb_decode(result.report.launch_tcb, product);
			(void)snp_tcb_equal(a, b, product);
			snp_tcb_format(a, product, text, sizeof(text));
			(void)snp_product_name(product);
			(void)snp_product_file_name(product);
		}
		result.product = result.report.cpuid_product;
		result.vek_source = "certs-buf";
		result.authenticated = true;
		json_object_put(snp_claims(&result));
	}
	json_object_put(failures_to_json(&f));
	failures_clear(&f);
	return 0;
}
