/* verdict.h - what every evidence verifier returns, whatever the evidence type.
 *
 * The HTTP layer maps it onto Keylime's envelope: PASS and FAIL are 200 (valid
 * true/false), BAD_INPUT is 400 (the caller sent something undecodable or
 * incomplete; a failure names the field), INTERNAL is 500 and never the
 * answer to bad input.
 */
#ifndef TEEV_VERDICT_H
#define TEEV_VERDICT_H

#include "verifier/failures.h"

enum verdict_status {
	VERDICT_PASS,
	VERDICT_FAIL,
	VERDICT_BAD_INPUT,
	VERDICT_INTERNAL,
};

struct verdict {
	enum verdict_status status;
	struct failures failures;
	struct json_object *claims; /* owned; NULL means {} */
	/* Extra result members for the offline CLI (e.g. freshness skipped). */
	int freshness_checked;
	/* The stored policy that decided, for the verification log ("" when
	 * none or inline). */
	char policy_name[160];
	long long policy_version;
};

void verdict_init(struct verdict *v);
void verdict_clear(struct verdict *v);

#endif
