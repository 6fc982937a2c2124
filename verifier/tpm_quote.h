/* tpm_quote.h - Keylime's TPM quote check (../shared/docs/KEYLIME-TPM.md §4).
 *
 * tpm_quote_verify() decides whether the AK signed a quote over the caller's
 * nonce and which PCR values it covers. It reports Keylime's failure ids
 * (note the wire-format misspelling "qoute_validation") and, unlike
 * upstream, never lets a signature that does not verify through, and only
 * trusts PCR indices that the signed TPMS_QUOTE_INFO selection names. A
 * quote may select several banks: all are verified, the bank of the
 * signature's hash (Keylime's hash_alg) is the one returned.
 */
#ifndef TEEV_TPM_QUOTE_H
#define TEEV_TPM_QUOTE_H

#include <stddef.h>
#include <stdint.h>

struct failures;

#define TPM_PCR_COUNT 24

/* Bound on the quote string; real quotes are a few KB. */
#define TPM_QUOTE_MAX_LEN ((size_t)64 * 1024)

struct tpm_pcr_values {
	uint16_t bank;          /* TPM_ALG_SHA1/SHA256/SHA384/SHA512 of the signature = the judged bank */
	size_t digest_size;
	uint32_t quoted;        /* bit i set: PCR i of `bank` is in the (signed) selection */
	uint8_t value[TPM_PCR_COUNT][64];
	/* from the TPMS_ATTEST, for claims/logs */
	uint64_t clock;
	uint32_t reset_count, restart_count;
	uint8_t safe;
};

struct tpm_quote_input {
	const char *quote;    size_t quote_len;    /* "r<b64 TPMS_ATTEST>:<b64 TPMT_SIGNATURE>:<b64 pcr blob>[:...]" */
	const char *nonce;    size_t nonce_len;    /* compared with extraData as raw UTF-8 bytes, else its std base64 decoding (hex NOT accepted) */
	const char *hash_alg;                      /* "sha1","sha256","sha384","sha512"; "sm3_256" recognised but fails later (as upstream) */
	const char *ak_b64;   size_t ak_len;       /* base64 TPM2B_PUBLIC; PEM is refused */
};

/* 0 on success with every quoted PCR value filled; -1 with exactly one
 * failure appended:
 *   qoute_validation.invalid_hash_alg  {"message": "TPM Quote is using an unrecognized hash algorithm: X", "data": "X"}
 *   qoute_validation.invalid_quote     {"message": "Quote validation failed: <reason>"}
 *   qoute_validation.quote_validation  {"message": "Quote data validation", "error": "<reason>"} */
int tpm_quote_verify(const struct tpm_quote_input *in, struct tpm_pcr_values *out,
		     struct failures *f);

/* "sha1", "sha256", "sha384", "sha512", "sm3_256"; "unknown" otherwise. */
const char *tpm_hash_alg_name(uint16_t alg);

#endif
