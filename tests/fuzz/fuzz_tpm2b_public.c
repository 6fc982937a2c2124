/* fuzz_tpm2b_public.c - libFuzzer harness: the AK as a TPM2B_PUBLIC
 * (tpm_ak). Parses it, computes its TPM name, and turns it into an OpenSSL
 * key as the quote check does. */
#include "verifier/tpm_objects.h"

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpm_public pub;
	uint8_t name[TPM_MAX_NAME];
	size_t name_len = 0;
	char err[256];

	(void)tpm_public_name(data, size, name, &name_len, err, sizeof(err));
	if (tpm_public_parse(data, size, &pub, err, sizeof(err)) == 0) {
		/* What the header promises of an accepted key. */
		if (pub.type == TPM_ALG_RSA) {
			if (pub.u.rsa.modulus_len != pub.u.rsa.key_bits / 8 ||
			    pub.u.rsa.modulus_len < TPM_MIN_RSA_BYTES ||
			    pub.u.rsa.modulus_len > TPM_MAX_RSA_BYTES ||
			    !(pub.u.rsa.modulus[pub.u.rsa.modulus_len - 1] & 1) ||
			    (pub.u.rsa.exponent & 1) == 0 || pub.u.rsa.exponent < 3)
				abort();
		} else if (pub.type == TPM_ALG_ECC) {
			if (pub.u.ecc.field_len == 0 ||
			    pub.u.ecc.field_len != tpm_ecc_field_len(pub.u.ecc.curve_id))
				abort();
		} else {
			abort();
		}
		if (pub.tpmt_offset + pub.tpmt_len > size)
			abort();
		EVP_PKEY *key = tpm_public_to_evp(&pub, err, sizeof(err));
		EVP_PKEY_free(key);
		(void)tpm_ecc_field_len(pub.u.ecc.curve_id);
		(void)tpm_hash_md(pub.name_alg);
		(void)tpm_hash_size(pub.scheme_hash);
	}
	return 0;
}
