/* tpm_policy.h - Keylime's PCR policy ("tpm_policy"): {"<pcr>": ["<hex>", ...],
 * "mask": "0x..."}, evaluated against the PCRs of a verified quote exactly as
 * upstream does (KEYLIME-TPM.md §5): "mask" is ignored, values are compared
 * as exact strings with the quote's lower-case hex. Unlike upstream's
 * one-shot path, a policy no quote could ever pass (an unknown PCR, a value
 * that is not a digest, PCR 10) is refused when it is read. */
#ifndef TEEV_TPM_POLICY_H
#define TEEV_TPM_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct failures;
struct json_object;
struct tpm_pcr_values;

struct tpm_policy;

/* What a policy must be (both forms): a JSON object whose keys are "mask"
 * (a "0x..." hex string, ignored) and PCR numbers 0-23 in decimal, PCR 10
 * excluded (the IMA list owns it), each naming a non-empty list of
 * lower-case hex digests of 20, 32, 48 or 64 bytes (a bare digest string
 * counts as a list of one, as Keylime's tenant reads it). */
enum tpm_policy_use {
	TPM_POLICY_INLINE, /* sent in a request: may name no PCR (upstream passes "mask" alone) */
	TPM_POLICY_STORED, /* stored (REST, CLI): must name at least one PCR */
};

/* Why a policy was refused. */
enum tpm_policy_refusal {
	TPM_POLICY_UPSTREAM_INVALID, /* Keylime refuses it too (not JSON, not an object, a key
				      * that is not an integer): its invalid_quote */
	TPM_POLICY_TOO_LOOSE,        /* teev's stricter checks (400 naming the field) */
};

/* From JSON text (a stored policy, or an inline policy sent as a string).
 * On NULL, err says why and *why (when not NULL) which kind of refusal. */
struct tpm_policy *tpm_policy_parse(const char *text, size_t len, enum tpm_policy_use use,
				    enum tpm_policy_refusal *why, char *err, size_t err_len);
/* From an already parsed JSON object (an inline policy sent as an object). */
struct tpm_policy *tpm_policy_from_json(struct json_object *doc, enum tpm_policy_use use,
					enum tpm_policy_refusal *why, char *err, size_t err_len);
void tpm_policy_free(struct tpm_policy *p);

/* Every quoted PCR in `which` that the policy lists must have an allowed
 * value (pcr_validation.invalid_pcr_N), in ascending PCR order. */
size_t tpm_policy_check_pcrs(const struct tpm_policy *p, const struct tpm_pcr_values *pcrs,
			     uint32_t which, struct failures *f);
/* Every PCR the policy lists must have been quoted (pcr_validation.missing_pcrs). */
size_t tpm_policy_check_missing(const struct tpm_policy *p, const struct tpm_pcr_values *pcrs,
				struct failures *f);

/* Steps 4-5 of §5 together: check_pcrs over the quoted PCRs not in
 * `consumed` (judged elsewhere, like PCR 10 by IMA), then check_missing. */
size_t tpm_policy_evaluate(const struct tpm_policy *p, const struct tpm_pcr_values *pcrs,
			   uint32_t consumed, struct failures *f);

#endif
