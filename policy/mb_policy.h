/* mb_policy.h - a measured-boot reference state ("mb_policy"): the JSON
 * document Keylime's measured-boot policy engines read. teev keeps it
 * parsed; with Keylime's default engine (accept-all) and evaluation mode
 * (once) its content is never judged in one-shot, only its presence turns
 * on the check that the boot log replays to the quoted PCRs. */
#ifndef TEEV_MB_POLICY_H
#define TEEV_MB_POLICY_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct mb_policy;

struct mb_policy *mb_policy_parse(const char *text, size_t len, char *err, size_t err_len);
/* From an already parsed JSON object (takes its own reference). */
struct mb_policy *mb_policy_from_json(struct json_object *doc, char *err, size_t err_len);
void mb_policy_free(struct mb_policy *p);

/* {} or []: counts as a policy but turns measured-boot checks off (upstream). */
bool mb_policy_is_empty(const struct mb_policy *p);
const struct json_object *mb_policy_document(const struct mb_policy *p);

#endif
