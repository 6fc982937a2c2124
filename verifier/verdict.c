/* verdict.c - lifetime of a verdict (see verdict.h). */
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <string.h>

void verdict_init(struct verdict *v)
{
	v->status = VERDICT_PASS;
	failures_init(&v->failures);
	v->claims = NULL;
	v->freshness_checked = 1;
	v->policy_name[0] = '\0';
	v->policy_version = 0;
}

void verdict_clear(struct verdict *v)
{
	failures_clear(&v->failures);
	json_object_put(v->claims);
	verdict_init(v);
}
