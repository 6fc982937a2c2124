/* policy_kinds.h - the kinds of stored policy teev knows, by the REST
 * collection and CLI name that select them. Adding a kind is one table row
 * plus its compile/release functions. */
#ifndef TEEV_POLICY_KINDS_H
#define TEEV_POLICY_KINDS_H

#include "policy/policy_cache.h"

#include <stdbool.h>
#include <stddef.h>

/* Keylime's REST shape for a collection it defines (/allowlists,
 * /mbpolicies): the document travels in one field of the body, lists are
 * {"<list_key>": [names]}, a create answers 201 with empty results. */
struct keylime_shape {
	const char *body_field; /* "runtime_policy" or "mb_policy" */
	bool base64;            /* the field holds base64 of the document */
	const char *list_key;   /* "runtimepolicy names", "mbpolicy names" */
	const char *label;      /* "Runtime policy", for messages */
};

struct policy_kind_info {
	const char *cli_name;   /* `teev policy ... --kind snp` */
	const char *collection; /* REST: /v2.x/teepolicies */
	struct policy_kind ops; /* ops.kind is the stored kind */
	/* NULL for teev's own collections: the body is the document itself. */
	const struct keylime_shape *keylime;
};

const struct policy_kind_info *policy_kind_by_collection(const char *collection);
/* The i-th kind, from 0; NULL past the last (to visit every kind). */
const struct policy_kind_info *policy_kind_at(size_t i);
const struct policy_kind_info *policy_kind_by_cli_name(const char *name);
/* For help texts: the CLI names joined by ", ". */
const char *policy_kind_names(void);

#endif
