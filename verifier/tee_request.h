/* tee_request.h - the "data" object of a {"type": "tee"} evidence request:
 * decode the fields (Keylime's names, in Keylime's order of checks), dispatch
 * on "tee" (only "snp" today), and produce the verdict with claims.
 */
#ifndef TEEV_TEE_REQUEST_H
#define TEEV_TEE_REQUEST_H

#include "verifier/verdict.h"

#include <time.h>

struct json_object;
struct snp_verifier;

struct tee_context {
	struct snp_verifier *snp;
	time_t now; /* verification time for certificate validity */
};

void tee_request_verify(const struct tee_context *ctx, struct json_object *data,
			struct verdict *out);

#endif
