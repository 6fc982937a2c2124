/* fuzz_tpmt_signature.c - libFuzzer harness: the TPMT_SIGNATURE of a quote
 * (the second part of Keylime's quote string, decoded). */
#include "verifier/tpm_objects.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpm_signature sig;
	char err[256];

	if (tpm_signature_parse(data, size, &sig, err, sizeof(err)) == 0) {
		if (sig.sig_alg == TPM_ALG_ECDSA) {
			if (sig.u.ecdsa.r_len > TPM_MAX_ECC_BYTES || sig.u.ecdsa.s_len > TPM_MAX_ECC_BYTES)
				abort();
		} else if (sig.sig_alg == TPM_ALG_RSASSA || sig.sig_alg == TPM_ALG_RSAPSS) {
			if (sig.u.rsa.sig_len > TPM_MAX_RSA_BYTES)
				abort();
		} else {
			abort();
		}
		(void)tpm_hash_md(sig.hash_alg);
	}
	return 0;
}
