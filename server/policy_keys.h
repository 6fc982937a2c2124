/* policy_keys.h - loading the policy compile context (today: the public
 * keys that sign DSSE-wrapped runtime policies) from the configuration, for
 * `teev serve` and `teev policy`. */
#ifndef TEEV_POLICY_KEYS_H
#define TEEV_POLICY_KEYS_H

#include "policy/policy_cache.h"

#include <stddef.h>

struct teev_config;

/* Fills ctx from runtime_policy_signing_keys (empty: no keys). Returns -1
 * with err naming the file. Free with policy_context_clear. */
int policy_context_load(const struct teev_config *c, struct policy_compile_context *ctx,
			char *err, size_t err_len);
void policy_context_clear(struct policy_compile_context *ctx);

#endif
