/* tpm_forge.h - test-only TPM quotes in Keylime's format, made with OpenSSL
 * alone (no teev code, so a parser bug cannot hide in its own test input):
 * a TPMS_ATTEST over any PCR values of one or more banks, its
 * TPMT_SIGNATURE by a software AK (RSASSA for RSA keys, ECDSA for EC keys)
 * and the tpm2-tools PCR blob (KEYLIME-TPM.md §4), plus a few lies for the
 * tests that must see them refused. */
#ifndef TEEV_TESTS_TPM_FORGE_H
#define TEEV_TESTS_TPM_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evp_pkey_st EVP_PKEY;

#define TPM_FORGE_PCRS 24
#define TPM_FORGE_BANKS 4
#define TPM_FORGE_SHA1 0x0004
#define TPM_FORGE_SHA256 0x000B
#define TPM_FORGE_SHA384 0x000C
#define TPM_FORGE_SHA512 0x000D

struct tpm_forge_bank {
	uint16_t alg;   /* TPM_FORGE_SHA* */
	uint32_t mask;  /* bit i: PCR i selected */
	uint8_t pcr[TPM_FORGE_PCRS][64]; /* values; the bank's digest size is used */
};

struct tpm_forge {
	EVP_PKEY *key;     /* the AK: RSA signs RSASSA, EC signs ECDSA */
	uint16_t hash;     /* the signature's hash (Keylime's hash_alg) */
	const char *nonce; /* extraData, as bytes */
	size_t n_banks;
	struct tpm_forge_bank banks[TPM_FORGE_BANKS];
	/* Lies, each off when zero. */
	uint16_t blob_banks[TPM_FORGE_BANKS]; /* bank the blob names instead */
	bool blob_mask_set;
	uint32_t blob_mask1;      /* the blob's mask of bank 1 */
	size_t skip_digest_bank;  /* 1 + a bank left out of pcrDigest */
};

/* The three marshalled parts of a forged quote. */
struct tpm_forged {
	uint8_t attest[1024];
	uint8_t sig[1024];
	uint8_t blob[4 + 16 * 8 + 4 + 32 * 532];
	size_t attest_len, sig_len, blob_len;
};

/* Digest size of a TPM_FORGE_SHA* bank, 0 for others. */
size_t tpm_forge_digest_size(uint16_t alg);

/* Fills out; returns 0, or -1 (an OpenSSL failure, too many values). */
int tpm_forge_quote(const struct tpm_forge *f, struct tpm_forged *out);

/* Keylime's quote string "r" b64(attest) ":" b64(sig) ":" b64(blob),
 * malloc'd; NULL on failure. */
char *tpm_forge_quote_string(const struct tpm_forged *q);

/* Extends pcr (size bytes) with H(data) in that bank: pcr = H(pcr ‖ H(data)),
 * or with digest itself when data is NULL (digest_len must be size). */
int tpm_forge_extend(uint16_t alg, uint8_t *pcr, const uint8_t *data, size_t data_len,
		     const uint8_t *digest);

#endif
