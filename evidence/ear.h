/* ear.h - a verdict as an EAR (IETF draft "EAT Attestation Results", profile
 * tag:github.com,2023:veraison/ear): a JWT signed with teev's result-signing
 * key that a relying party can check without trusting the channel, and the
 * checker `teev verify-result` uses.
 *
 * The claims set:
 *   eat_profile      "tag:github.com,2023:veraison/ear"
 *   iat              when teev decided (seconds since the epoch)
 *   ear.verifier-id  {"developer": "teev", "build": "teev <version>"}
 *   eat_nonce        the request's nonce, as sent, when it is 8 to 88
 *                    characters (EAT's bounds); otherwise "teev.nonce"
 *   submods          one member per evidence: "snp", "tdx" or "tpm", each
 *     ear.status                       see ear_status_of()
 *     ear.appraisal-policy-id          "policy:KIND/NAME@VERSION", the stored
 *                                      policy that decided (absent when none
 *                                      did: inline policies, or evidence
 *                                      refused before appraisal)
 *     ear.veraison.annotated-evidence  the verdict's claims on a pass ({} on
 *                                      a fail, as in Keylime's answer); a
 *                                      top-level string claim longer than
 *                                      EAR_CLAIM_STRING_MAX (a TPM request's
 *                                      IMA list or boot log) appears as
 *                                      {"sha256": hex, "length": bytes}
 *     teev.failures                    the failure ids, in order ([] on a pass)
 */
#ifndef TEEV_EAR_H
#define TEEV_EAR_H

#include "lib/jose.h"

#include <stddef.h>
#include <stdint.h>

struct json_object;
struct verdict;

#define EAR_PROFILE "tag:github.com,2023:veraison/ear"
#define EAR_DEVELOPER "teev"
#define EAR_JWT_TYP "JWT"
#define EAR_SUBMODS_MAX 4
#define EAR_CLAIM_STRING_MAX ((size_t)4096)
/* EAT (RFC 9711) bounds a text nonce to 8..88 characters in JSON. */
#define EAR_NONCE_MIN 8
#define EAR_NONCE_MAX 88

enum ear_kind { EAR_SNP, EAR_TDX, EAR_TPM };

/* AR4SI tiers, in order of increasing concern. */
enum ear_status {
	EAR_STATUS_NONE,            /* no claim is made */
	EAR_STATUS_AFFIRMING,       /* verified, matches the policy, bound to the nonce */
	EAR_STATUS_WARNING,         /* verified and matches, but freshness was not checked */
	EAR_STATUS_CONTRAINDICATED, /* verification or appraisal failed */
};

struct ear_appraisal {
	enum ear_kind kind;
	const struct verdict *verdict;
};

struct ear_input {
	const char *build; /* ear.verifier-id build, e.g. "teev 0.1.0" */
	int64_t iat;
	const char *nonce; /* the request's nonce; NULL when it had none */
	size_t count;
	struct ear_appraisal appraisals[EAR_SUBMODS_MAX];
};

const char *ear_kind_name(enum ear_kind kind);
const char *ear_status_name(enum ear_status status);
/* The status named by text, or -1. */
int ear_status_from_name(const char *text);

/* A pass whose freshness was checked is affirming, a pass without that
 * check (the offline `teev verify` without --nonce) a warning, a fail
 * contraindicated. Bad input and internal errors were never appraised:
 * EAR_STATUS_NONE, for which no token is issued. */
enum ear_status ear_status_of(const struct verdict *v);

/* The claims set for in, or NULL with err (nothing appraised, a repeated
 * evidence kind, a missing build or iat). The caller puts it. */
struct json_object *ear_claims(const struct ear_input *in, char *err, size_t cap);

/* The signed EAR: a malloc'd compact JWS, or NULL with err. Tokens longer
 * than JOSE_TOKEN_MAX (what a checker reads) are refused. */
char *ear_sign(const struct ear_input *in, const struct jose_key *key, char *err, size_t cap);

/* A checked EAR: the token verified and its claims are a well-formed EAR
 * of teev's profile. status is the least favourable submodule status. */
struct ear_checked {
	struct jose_verified jws;
	enum ear_status status;
	int64_t iat;
	const char *nonce; /* eat_nonce or teev.nonce (inside jws.payload); NULL: none */
};

int ear_check(const char *token, size_t len, const struct jose_keyset *keys,
	      struct ear_checked *out, char *err, size_t cap);
void ear_checked_clear(struct ear_checked *c);

#endif
