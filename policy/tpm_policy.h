/* tpm_policy.h - Keylime's PCR policy ("tpm_policy"): {"<pcr>": ["<hex>", ...],
 * "mask": "0x..."}, evaluated against the PCRs of a verified quote exactly as
 * upstream does (KEYLIME-TPM.md §5): "mask" is ignored, keys are integers as
 * Python's int() reads them, values are compared as exact, case-sensitive
 * strings with the quote's lower-case hex. */
#ifndef TEEV_TPM_POLICY_H
#define TEEV_TPM_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct failures;
struct json_object;
struct tpm_pcr_values;

struct tpm_policy;

/* From JSON text (a stored policy, or an inline policy sent as a string). */
struct tpm_policy *tpm_policy_parse(const char *text, size_t len, char *err, size_t err_len);
/* From an already parsed JSON object (an inline policy sent as an object). */
struct tpm_policy *tpm_policy_from_json(struct json_object *doc, char *err, size_t err_len);
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
