/* fuzz_snp_policy.c - libFuzzer harness: an operator's SNP policy document
 * (POST /teepolicies, `teev policy add`). Parses it strictly and, when it
 * is accepted, evaluates it against authenticated reports of each product. */
#include "policy/snp_policy.h"
#include "verifier/failures.h"
#include "verifier/snp_verify.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A report with every field set to something a rule can compare. */
static void sample_result(struct snp_result *r, enum snp_product product, uint8_t fill)
{
	memset(r, 0, sizeof(*r));
	r->product = product;
	r->authenticated = true;
	r->vek_source = "certs-buf";
	r->report.version = product == SNP_PRODUCT_MILAN ? 2 : 5;
	r->report.guest_svn = fill;
	r->report.policy = SNP_POLICY_RESERVED_ONE | SNP_POLICY_SMT | (fill & 1 ? SNP_POLICY_DEBUG : 0);
	memset(r->report.family_id, fill, sizeof(r->report.family_id));
	memset(r->report.image_id, fill, sizeof(r->report.image_id));
	r->report.vmpl = fill & 3;
	r->report.signature_algo = 1;
	r->report.current_tcb = 0x1800000000000304ull * (fill & 1);
	r->report.reported_tcb = r->report.current_tcb;
	r->report.committed_tcb = r->report.current_tcb;
	r->report.launch_tcb = r->report.current_tcb;
	r->report.platform_info = fill;
	r->report.signing_key = fill & 2 ? SNP_SIGNING_KEY_VLEK : SNP_SIGNING_KEY_VCEK;
	memset(r->report.measurement, fill, sizeof(r->report.measurement));
	memset(r->report.host_data, fill, sizeof(r->report.host_data));
	memset(r->report.id_key_digest, fill, sizeof(r->report.id_key_digest));
	memset(r->report.author_key_digest, fill, sizeof(r->report.author_key_digest));
	memset(r->report.chip_id, fill, sizeof(r->report.chip_id));
	r->report.current_fw = (struct snp_firmware){1, 55, fill};
	r->report.committed_fw = (struct snp_firmware){1, 55, 0};
	r->report.cpuid_product = product;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	static struct snp_result results[6];
	struct snp_policy *policy;
	char err[512];
	char *text;

	/* The store hands the parser exactly the document's bytes. */
	text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	policy = snp_policy_parse(text, size, err, sizeof(err));
	if (policy) {
		for (int i = 0; i < 6; i++) {
			sample_result(&results[i], (enum snp_product)(1 + i % 3), (uint8_t)(i * 0x55));
			failures_init(&f);
			size_t broken = snp_policy_evaluate(policy, &results[i], &f);
			if (broken > 0 && f.count == 0)
				abort(); /* a broken rule must be reported */
			json_object_put(failures_to_json(&f));
			failures_clear(&f);
		}
		snp_policy_free(policy);
	}
	free(text);
	return 0;
}
