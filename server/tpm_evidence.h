/* tpm_evidence.h - the "data" object of a {"type": "tpm"} evidence request
 * (KEYLIME-TPM.md §2-§5): required fields in Keylime's order, policy
 * selection (inline, or stored by name: a teev extension), quote
 * verification, PCR policy, and the claims (the request's data, echoed). */
#ifndef TEEV_TPM_EVIDENCE_H
#define TEEV_TPM_EVIDENCE_H

#include "verifier/verdict.h"

struct json_object;
struct policy_cache;

struct tpm_context {
	struct policy_cache *policies;
};

void tpm_evidence_verify(const struct tpm_context *ctx, struct json_object *data,
			 struct verdict *out);

#endif
