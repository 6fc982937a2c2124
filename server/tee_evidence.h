/* tee_evidence.h - the "data" object of a {"type": "tee"} evidence request:
 * decode the fields (Keylime's names, in Keylime's order of checks), dispatch
 * on "tee" (only "snp" today), appraise an authentic report against the
 * selected stored policy, and produce the verdict with claims.
 */
#ifndef TEEV_TEE_EVIDENCE_H
#define TEEV_TEE_EVIDENCE_H

#include "verifier/b64.h"
#include "verifier/verdict.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct json_object;
struct snp_verifier;
struct policy_cache;
struct snp_evidence;
struct snp_policy;

struct tee_context {
	struct snp_verifier *snp;
	time_t now; /* verification time for certificate validity */
	struct policy_cache *policies;
	/* Used when the request names no "tee-policy" (a KBS never does). */
	const char *default_policy;
};

void tee_evidence_verify(const struct tee_context *ctx, struct json_object *data,
			struct verdict *out);

/* Decodes one base64 field of the request (name as on the wire) into buf,
 * with the server's bounds and messages: "" is a missing parameter, text
 * longer than cap allows or not in the alphabet is invalid input. Returns
 * 0, or -1 after recording a 400 in out. For `teev verify`'s arguments. */
int tee_decode_text(const char *name, const char *text, size_t text_len,
		    enum b64_alphabet alphabet, uint8_t *buf, size_t cap, size_t *len,
		    struct verdict *out);

/* The judgement itself, shared by the server (after decoding a request) and
 * `teev verify` (after reading its files): snp_verify, then an authentic
 * report is appraised against inline_policy when given, else against the
 * stored policy policy_name (ctx->policies; NULL there means no store, and
 * then no appraisal: the CLI says so). Fills out's status, failures and, on
 * a pass, claims (with "tee_policy" when a stored policy decided). */
void tee_snp_judge(const struct tee_context *ctx, const struct snp_evidence *e,
		   const char *policy_name, const struct snp_policy *inline_policy,
		   struct verdict *out);

#endif
