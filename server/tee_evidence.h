/* tee_evidence.h - the "data" object of a {"type": "tee"} evidence request:
 * decode the fields (Keylime's names, in Keylime's order of checks), dispatch
 * on "tee" (only "snp" today), appraise an authentic report against the
 * selected stored policy, and produce the verdict with claims.
 */
#ifndef TEEV_TEE_EVIDENCE_H
#define TEEV_TEE_EVIDENCE_H

#include "verifier/verdict.h"

#include <time.h>

struct json_object;
struct snp_verifier;
struct policy_cache;

struct tee_context {
	struct snp_verifier *snp;
	time_t now; /* verification time for certificate validity */
	struct policy_cache *policies;
	/* Used when the request names no "tee-policy" (a KBS never does). */
	const char *default_policy;
};

void tee_evidence_verify(const struct tee_context *ctx, struct json_object *data,
			struct verdict *out);

#endif
