/* fuzz_pcr_blob.c - libFuzzer harness: the tpm2-tools PCR blob (the third
 * part of Keylime's quote string, decoded). */
#include "verifier/tpm_objects.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpm_pcr_blob blob;
	char err[256];

	if (tpm_pcr_blob_parse(data, size, &blob, err, sizeof(err)) == 0) {
		if (blob.count > TPM_PCR_BLOB_SLOTS || blob.list_count > TPM_PCR_BLOB_MAX_LISTS ||
		    blob.value_count > TPM_PCR_BLOB_MAX_VALUES)
			abort();
		for (size_t i = 0; i < blob.value_count; i++)
			if (blob.values[i].size == 0 || blob.values[i].size > TPM_MAX_DIGEST)
				abort();
		for (uint32_t i = 0; i < blob.count && i < TPM_PCR_BLOB_SLOTS; i++)
			(void)tpm_hash_size(blob.slots[i].hash_alg);
	}
	return 0;
}
