/* verdict.c - lifetime of a verdict (see verdict.h). */
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <string.h>

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	failures_init(&v->failures);
	v->freshness_checked = 1;
}

void verdict_clear(struct verdict *v)
{
	failures_clear(&v->failures);
	json_object_put(v->claims);
	verdict_init(v);
}
