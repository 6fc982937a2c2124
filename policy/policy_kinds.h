/* policy_kinds.h - the kinds of stored policy teev knows, by the REST
 * collection and CLI name that select them. Adding a kind is one table row
 * plus its compile/release functions. */
#ifndef TEEV_POLICY_KINDS_H
#define TEEV_POLICY_KINDS_H

#include "policy/policy_cache.h"

struct policy_kind_info {
	const char *cli_name;   /* `teev policy ... --kind snp` */
	const char *collection; /* REST: /v2.x/teepolicies */
	struct policy_kind ops; /* ops.kind is the stored kind */
};

const struct policy_kind_info *policy_kind_by_collection(const char *collection);
const struct policy_kind_info *policy_kind_by_cli_name(const char *name);
/* "snp" for help texts: the names joined by ", ". */
const char *policy_kind_names(void);

#endif
