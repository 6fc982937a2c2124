/* test_ear.c - unit tests for evidence/ear.c: every evidence kind (snp, tdx,
 * tpm) with a passing and a failing verdict gives a signed EAR that teev's
 * checker and PyJWT both verify, with the claims ear.h promises (profile,
 * iat, verifier id, status, policy id, annotated evidence, failure ids,
 * nonce); verdicts that were never appraised give none; EARs of another
 * shape are refused by the checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "evidence/ear.h"
#include "tests/support/jose_testing.h"
#include "tests/support/test_cleanup.h"
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONCE "q2pDkyPAeIlSplBDWJWtBVNGNzbVsMmNdV2X3+wX0DA="
#define IAT 1767225600

static void key_release(void *p)
{
	jose_key_clear(p);
	free(p);
}

static void keyset_release(void *p)
{
	jose_keyset_clear(p);
	free(p);
}

static void verdict_release(void *p)
{
	verdict_clear(p);
	free(p);
}

static void checked_release(void *p)
{
	ear_checked_clear(p);
	free(p);
}

static struct jose_key *new_key(enum jose_alg alg)
{
	EVP_PKEY *pkey = alg == JOSE_ES256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
	struct jose_key *key = calloc(1, sizeof(*key));
	char err[256];

	assert_non_null(pkey);
	assert_non_null(key);
	assert_int_equal(jose_key_from_pkey(pkey, key, err, sizeof(err)), 0);
	EVP_PKEY_free(pkey);
	return defer(key_release, key);
}

static struct jose_keyset *set_of(const struct jose_key *key)
{
	struct jose_keyset *set = calloc(1, sizeof(*set));
	char err[256];

	assert_non_null(set);
	defer(keyset_release, set);
	assert_int_equal(jose_keyset_add(set, key, err, sizeof(err)), 0);
	return set;
}

/* A verdict like the evidence code leaves it. */
static struct verdict *make_verdict(enum verdict_status status, const char *policy)
{
	struct verdict *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	verdict_init(v);
	defer(verdict_release, v);
	v->status = status;
	if (policy) {
		snprintf(v->policy_name, sizeof(v->policy_name), "%s", policy);
		v->policy_version = 3;
	}
	if (status == VERDICT_PASS) {
		v->claims = json_object_new_object();
		json_object_object_add(v->claims, "measurement_hex",
				       json_object_new_string("ab01"));
		json_object_object_add(v->claims, "policy_debug_allowed",
				       json_object_new_boolean(0));
	} else if (status == VERDICT_FAIL) {
		failures_add(&v->failures, "tee_attestation.freshness_hash_failed", "stale");
		failures_add(&v->failures, "tee_attestation.policy.measurement", "other");
	}
	return v;
}

static struct ear_input input_for(enum ear_kind kind, const struct verdict *v)
{
	struct ear_input in = {.build = "teev 0.1.0", .iat = IAT, .nonce = NONCE, .count = 1};

	in.appraisals[0].kind = kind;
	in.appraisals[0].verdict = v;
	return in;
}

static char *sign_ear(const struct ear_input *in, const struct jose_key *key)
{
	char err[256];
	char *token = ear_sign(in, key, err, sizeof(err));

	if (!token)
		fail_msg("ear_sign: %s", err);
	return defer(free, token);
}

static struct ear_checked *check(const char *token, const struct jose_keyset *set)
{
	struct ear_checked *c = calloc(1, sizeof(*c));
	char err[256];

	assert_non_null(c);
	defer(checked_release, c);
	if (ear_check(token, strlen(token), set, c, err, sizeof(err)))
		fail_msg("ear_check: %s", err);
	return c;
}

/* The JSON value at a path of object members ("submods", "snp", ...). */
static struct json_object *at(struct json_object *o, const char *a, const char *b, const char *c)
{
	const char *path[] = {a, b, c};

	for (size_t i = 0; i < 3 && path[i]; i++) {
		if (!json_object_object_get_ex(o, path[i], &o))
			fail_msg("no member \"%s\"", path[i]);
	}
	return o;
}

static const char *text_at(struct json_object *o, const char *a, const char *b, const char *c)
{
	return json_object_get_string(at(o, a, b, c));
}

static void test_every_kind_both_statuses(void **state)
{
	static const enum ear_kind kinds[] = {EAR_SNP, EAR_TDX, EAR_TPM};
	const char *dir = jt_tmpdir();
	struct jose_key *key = new_key(JOSE_ES256);
	struct jose_keyset *set = set_of(key);
	struct json_object *jwks = jose_jwks(set);
	const char *jwks_path = jt_write(
		dir, "jwks.json", json_object_to_json_string_ext(jwks, JSON_C_TO_STRING_PLAIN));

	(void)state;
	json_object_put(jwks);
	for (size_t k = 0; k < 3; k++) {
		for (int pass = 0; pass <= 1; pass++) {
			struct verdict *v =
				make_verdict(pass ? VERDICT_PASS : VERDICT_FAIL, "prod");
			struct ear_input in = input_for(kinds[k], v);
			char *token = sign_ear(&in, key), *out = NULL;
			struct ear_checked *c = check(token, set);
			struct json_object *claims = c->jws.payload, *sub, *ids;
			const char *name = ear_kind_name(kinds[k]);
			char policy[64];

			assert_int_equal(c->status,
					 pass ? EAR_STATUS_AFFIRMING : EAR_STATUS_CONTRAINDICATED);
			assert_int_equal(c->iat, IAT);
			assert_string_equal(c->nonce, NONCE);
			assert_string_equal(text_at(claims, "eat_profile", NULL, NULL),
					    EAR_PROFILE);
			assert_string_equal(text_at(claims, "eat_nonce", NULL, NULL), NONCE);
			assert_string_equal(text_at(claims, "ear.verifier-id", "developer", NULL),
					    "teev");
			assert_string_equal(text_at(claims, "ear.verifier-id", "build", NULL),
					    "teev 0.1.0");
			sub = at(claims, "submods", name, NULL);
			assert_int_equal(
				json_object_object_length(at(claims, "submods", NULL, NULL)), 1);
			assert_string_equal(text_at(sub, "ear.status", NULL, NULL),
					    pass ? "affirming" : "contraindicated");
			snprintf(policy, sizeof(policy), "policy:%s/prod@3", name);
			assert_string_equal(text_at(sub, "ear.appraisal-policy-id", NULL, NULL),
					    policy);
			ids = at(sub, "teev.failures", NULL, NULL);
			if (pass) {
				assert_int_equal(json_object_array_length(ids), 0);
				assert_string_equal(text_at(sub, "ear.veraison.annotated-evidence",
							    "measurement_hex", NULL),
						    "ab01");
			} else {
				assert_int_equal(json_object_array_length(ids), 2);
				assert_string_equal(
					json_object_get_string(json_object_array_get_idx(ids, 1)),
					"tee_attestation.policy.measurement");
				assert_int_equal(json_object_object_length(
							 at(sub, "ear.veraison.annotated-evidence",
							    NULL, NULL)),
						 0);
			}
			/* The independent implementation agrees. */
			assert_int_equal(jt_python(&out, "verify", jwks_path,
						   jt_write(dir, "token", token), NULL),
					 0);
			assert_non_null(
				strstr(out, pass ? "\"affirming\"" : "\"contraindicated\""));
		}
	}
}

static void test_rs256_ear(void **state)
{
	struct jose_key *key = new_key(JOSE_RS256);
	struct ear_input in = input_for(EAR_SNP, make_verdict(VERDICT_PASS, "prod"));
	struct ear_checked *c = check(sign_ear(&in, key), set_of(key));

	(void)state;
	assert_int_equal(c->jws.alg, JOSE_RS256);
	assert_int_equal(c->status, EAR_STATUS_AFFIRMING);
}

/* A pass whose freshness was not checked is a warning, not an affirmation. */
static void test_unchecked_freshness_is_warning(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct verdict *v = make_verdict(VERDICT_PASS, "prod");
	struct ear_input in = input_for(EAR_SNP, v);
	struct ear_checked *c;

	(void)state;
	v->freshness_checked = 0;
	in.nonce = NULL;
	c = check(sign_ear(&in, key), set_of(key));
	assert_int_equal(c->status, EAR_STATUS_WARNING);
	assert_null(c->nonce);
	assert_false(json_object_object_get_ex(c->jws.payload, "eat_nonce", NULL));
}

static void test_not_appraised_gives_no_token(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct ear_input in = input_for(EAR_TPM, make_verdict(VERDICT_BAD_INPUT, NULL));
	char err[256];

	(void)state;
	assert_null(ear_sign(&in, key, err, sizeof(err)));
	assert_non_null(strstr(err, "not appraised"));
	in.appraisals[0].verdict = make_verdict(VERDICT_INTERNAL, NULL);
	assert_null(ear_sign(&in, key, err, sizeof(err)));
	in.appraisals[0].verdict = make_verdict(VERDICT_PASS, NULL);
	in.build = NULL;
	assert_null(ear_sign(&in, key, err, sizeof(err)));
	in.build = "teev";
	in.iat = 0;
	assert_null(ear_sign(&in, key, err, sizeof(err)));
	in.iat = IAT;
	in.count = 2;
	in.appraisals[1] = in.appraisals[0];
	assert_null(ear_sign(&in, key, err, sizeof(err)));
	assert_non_null(strstr(err, "two appraisals"));
	in.count = 0;
	assert_null(ear_sign(&in, key, err, sizeof(err)));
}

/* Two evidence kinds in one EAR; the overall status is the worst. */
static void test_two_submods(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct ear_input in = input_for(EAR_SNP, make_verdict(VERDICT_PASS, "a"));
	struct ear_checked *c;

	(void)state;
	in.count = 2;
	in.appraisals[1].kind = EAR_TPM;
	in.appraisals[1].verdict = make_verdict(VERDICT_FAIL, NULL);
	c = check(sign_ear(&in, key), set_of(key));
	assert_int_equal(c->status, EAR_STATUS_CONTRAINDICATED);
	/* No stored policy decided the TPM verdict: no policy id. */
	assert_false(json_object_object_get_ex(at(c->jws.payload, "submods", "tpm", NULL),
					       "ear.appraisal-policy-id", NULL));
}

/* A TPM verdict's claims echo the request: a long string is carried as its digest. */
static void test_long_claims_digested(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct verdict *v = make_verdict(VERDICT_PASS, "tpm:pcrs");
	struct ear_input in = input_for(EAR_TPM, v);
	char *list = calloc(1, 100001);
	struct json_object *digest;

	(void)state;
	assert_non_null(list);
	memset(list, 'x', 100000);
	json_object_object_add(v->claims, "ima_measurement_list", json_object_new_string(list));
	free(list);
	digest = at(check(sign_ear(&in, key), set_of(key))->jws.payload, "submods", "tpm",
		    "ear.veraison.annotated-evidence");
	assert_int_equal(json_object_get_int64(at(digest, "ima_measurement_list", "length", NULL)),
			 100000);
	assert_int_equal(strlen(text_at(digest, "ima_measurement_list", "sha256", NULL)), 64);
	assert_string_equal(text_at(digest, "measurement_hex", NULL, NULL), "ab01");
}

/* EAT bounds eat_nonce to 8..88 characters; others are kept as teev.nonce. */
static void test_nonce_outside_eat_bounds(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct ear_input in = input_for(EAR_TPM, make_verdict(VERDICT_PASS, NULL));
	struct ear_checked *c;

	(void)state;
	in.nonce = "short";
	c = check(sign_ear(&in, key), set_of(key));
	assert_false(json_object_object_get_ex(c->jws.payload, "eat_nonce", NULL));
	assert_string_equal(text_at(c->jws.payload, "teev.nonce", NULL, NULL), "short");
	assert_string_equal(c->nonce, "short");
}

/* The checker refuses signed JWTs that are not EARs of teev's profile. */
static void test_checker_refuses_other_shapes(void **state)
{
	static const char *const bad[] = {
		"{\"iat\":1,\"submods\":{\"snp\":{\"ear.status\":\"affirming\"}}}",
		"{\"eat_profile\":\"tag:github.com,2022:veraison/ear\",\"iat\":1,"
		"\"ear.verifier-id\":{\"developer\":\"x\",\"build\":\"y\"},"
		"\"submods\":{\"snp\":{\"ear.status\":\"affirming\"}}}",
		"{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1.5,"
		"\"ear.verifier-id\":{\"developer\":\"x\",\"build\":\"y\"},"
		"\"submods\":{\"snp\":{\"ear.status\":\"affirming\"}}}",
		"{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,"
		"\"submods\":{\"snp\":{\"ear.status\":\"affirming\"}}}",
		"{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,"
		"\"ear.verifier-id\":{\"developer\":\"x\",\"build\":\"y\"},\"submods\":{}}",
		"{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,"
		"\"ear.verifier-id\":{\"developer\":\"x\",\"build\":\"y\"},"
		"\"submods\":{\"snp\":{\"ear.status\":\"fine\"}}}",
		"{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,"
		"\"ear.verifier-id\":{\"developer\":\"x\",\"build\":\"y\"},"
		"\"submods\":{\"snp\":{\"ear.status\":2}}}",
	};
	struct jose_key *key = new_key(JOSE_ES256);
	struct jose_keyset *set = set_of(key);
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *token = jose_sign(key, "JWT", bad[i], strlen(bad[i]), err, sizeof(err));
		struct ear_checked c;

		assert_non_null(token);
		if (ear_check(token, strlen(token), set, &c, err, sizeof(err)) == 0)
			fail_msg("accepted: %s", bad[i]);
		free(token);
	}
	/* A well-formed one with a "none" submodule is valid but not affirming. */
	const char *none = "{\"eat_profile\":\"" EAR_PROFILE "\",\"iat\":1,"
			   "\"ear.verifier-id\":{\"developer\":\"x\",\"build\":\"y\"},"
			   "\"submods\":{\"a\":{\"ear.status\":\"affirming\"},"
			   "\"b\":{\"ear.status\":\"none\"}}}";
	char *token = defer(free, jose_sign(key, "JWT", none, strlen(none), err, sizeof(err)));
	assert_int_equal(check(token, set)->status, EAR_STATUS_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_every_kind_both_statuses, run_cleanups),
		cmocka_unit_test_teardown(test_rs256_ear, run_cleanups),
		cmocka_unit_test_teardown(test_unchecked_freshness_is_warning, run_cleanups),
		cmocka_unit_test_teardown(test_not_appraised_gives_no_token, run_cleanups),
		cmocka_unit_test_teardown(test_two_submods, run_cleanups),
		cmocka_unit_test_teardown(test_long_claims_digested, run_cleanups),
		cmocka_unit_test_teardown(test_nonce_outside_eat_bounds, run_cleanups),
		cmocka_unit_test_teardown(test_checker_refuses_other_shapes, run_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
