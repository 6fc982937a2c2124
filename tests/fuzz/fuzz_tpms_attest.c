/* fuzz_tpms_attest.c - libFuzzer harness: the TPMS_ATTEST of a quote (the
 * first part of Keylime's quote string, decoded). */
#include "verifier/tpm_objects.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpm_attest attest;
	char err[256];

	if (tpm_attest_parse(data, size, &attest, err, sizeof(err)) == 0) {
		if (attest.magic != TPM_GENERATED_VALUE || attest.type != TPM_ST_ATTEST_QUOTE ||
		    attest.qualified_signer_len > TPM_MAX_NAME ||
		    attest.extra_data_len > TPM_MAX_DIGEST || attest.safe > 1 ||
		    attest.selection_count > TPM_MAX_PCR_BANKS ||
		    attest.pcr_digest_len > TPM_MAX_DIGEST)
			abort();
		for (uint32_t i = 0; i < attest.selection_count; i++) {
			if (attest.selections[i].size_of_select > TPM_PCR_SELECT_MAX)
				abort();
			(void)tpm_hash_size(attest.selections[i].hash_alg);
		}
	}
	return 0;
}
