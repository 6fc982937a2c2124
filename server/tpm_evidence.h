/* tpm_evidence.h - the "data" object of a {"type": "tpm"} evidence request
 * (KEYLIME-TPM.md §2-§7): required fields in Keylime's order, policy
 * selection (inline, or stored by name: a teev extension), quote
 * verification, then §5's routing of the quoted PCRs - PCR 10 to the IMA
 * list and runtime policy, boot PCRs to the UEFI event log, the rest to the
 * PCR policy - and the claims (the request's data, echoed). */
#ifndef TEEV_TPM_EVIDENCE_H
#define TEEV_TPM_EVIDENCE_H

#include "verifier/verdict.h"

#include <stdbool.h>

struct json_object;
struct policy_cache;
struct policy_compile_context;

/* Keylime's measured-boot engines (measured_boot_policy_name). */
enum mb_engine { MB_ENGINE_ACCEPT_ALL, MB_ENGINE_REJECT_ALL, MB_ENGINE_EXAMPLE };

struct tpm_context {
	struct policy_cache *policies;
	const struct policy_compile_context *policy_ctx; /* for inline runtime policies */
	enum mb_engine mb_engine;
	bool mb_evaluate_always; /* measured_boot_evaluate = always */
	bool ignore_tomtou;      /* ignore_tomtou_errors */
};

/* Reads measured_boot_policy_name and measured_boot_evaluate. Returns -1
 * with err for values teev does not support. */
int tpm_context_configure(struct tpm_context *ctx, const char *mb_policy_name,
			  const char *mb_evaluate, char *err, size_t err_len);

void tpm_evidence_verify(const struct tpm_context *ctx, struct json_object *data,
			 struct verdict *out);

#endif
