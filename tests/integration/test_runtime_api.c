/* test_runtime_api.c - runtime (IMA) and measured-boot policies stored
 * through the real server at Keylime's /allowlists and /mbpolicies routes,
 * in Keylime's shapes; selected with runtime_policy_name; a 20 MiB policy
 * stored and used; DSSE-signed policies verified when signing keys are
 * configured (and plain or forged ones refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct suite {
	struct teev_server plain;  /* no policy-signing keys */
	struct teev_server signing; /* runtime_policy_signing_keys = the test key */
	struct client_identity plain_admin, signing_admin;
	char shared[512];
	struct json_object *ima_ok;      /* golden case ima_ok_runtime_policy: request */
	struct json_object *dsse_case;   /* golden case runtime_policy_dsse_envelope_unverified */
};

static struct suite *S(void **state)
{
	return *state;
}

static struct json_object *golden_request(const char *shared, const char *name)
{
	char path[700];
	struct json_object *cases, *found = NULL;

	snprintf(path, sizeof(path), "%s/testdata/keylime/golden/tpm-cases.json", shared);
	cases = json_object_from_file(path);
	for (size_t i = 0; cases && i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i);
		if (strcmp(json_object_get_string(json_object_object_get(c, "name")), name) == 0)
			found = json_object_get(json_object_object_get(c, "request"));
	}
	json_object_put(cases);
	return found;
}

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char config[900];

	if (!s)
		return -1;
	*state = s;
	snprintf(s->shared, sizeof(s->shared), "%s", harness_env("SHARED_DIR", "../shared"));
	s->ima_ok = golden_request(s->shared, "ima_ok_runtime_policy");
	s->dsse_case = golden_request(s->shared, "runtime_policy_dsse_envelope_unverified");
	if (!s->ima_ok || !s->dsse_case || harness_start(&s->plain, NULL))
		return -1;
	snprintf(config, sizeof(config), "runtime_policy_signing_keys = %s/testdata/keylime/runtime-policies/runtime-policy-pubkey.pub\n",
		 s->shared);
	if (harness_start(&s->signing, config))
		return -1;
	harness_identity(s->plain.ca_dir, "client", &s->plain_admin);
	harness_identity(s->signing.ca_dir, "client", &s->signing_admin);
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int rc = 0;

	if (!s)
		return -1;
	rc |= harness_stop(&s->plain);
	rc |= harness_stop(&s->signing);
	json_object_put(s->ima_ok);
	json_object_put(s->dsse_case);
	free(s);
	return rc == 0 ? 0 : -1;
}

static char *base64_of(const char *text, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)text, (int)len);
	return out;
}

/* {"runtime_policy": b64(policy), "runtime_policy_sig": "", "runtime_policy_key": ""} */
static char *allowlist_body(const char *policy)
{
	char *b64 = base64_of(policy, strlen(policy));
	struct json_object *o = json_object_new_object();
	char *body;

	json_object_object_add(o, "tpm_policy", json_object_new_string(""));
	json_object_object_add(o, "runtime_policy", json_object_new_string(b64));
	json_object_object_add(o, "runtime_policy_sig", json_object_new_string(""));
	json_object_object_add(o, "runtime_policy_key", json_object_new_string(""));
	body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	free(b64);
	return body;
}

static long call(struct teev_server *server, const struct client_identity *id, const char *method,
		 const char *path, const char *body, struct http_result *r)
{
	assert_int_equal(harness_request(server, id, method, path, body, body ? strlen(body) : 0, r), 0);
	return r->status;
}

/* The golden IMA request with its inline policy swapped for a stored name. */
static char *request_by_name(struct json_object *request, const char *name)
{
	struct json_object *copy = NULL, *data;
	char *text;

	json_object_deep_copy(request, &copy, NULL);
	data = json_object_object_get(copy, "data");
	json_object_object_del(data, "runtime_policy");
	json_object_object_add(data, "runtime_policy_name", json_object_new_string(name));
	text = strdup(json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN));
	json_object_put(copy);
	return text;
}

static bool verdict_valid(struct http_result *r)
{
	struct json_object *results = NULL, *valid = NULL;

	json_object_object_get_ex(r->json, "results", &results);
	json_object_object_get_ex(results, "valid", &valid);
	return r->status == 200 && json_object_get_boolean(valid);
}

static void test_allowlists_in_keylime_shape(void **state)
{
	struct suite *s = S(state);
	const char *policy = json_object_get_string(
		json_object_object_get(json_object_object_get(s->ima_ok, "data"), "runtime_policy"));
	char *body = allowlist_body(policy);
	struct http_result r;
	struct json_object *results;

	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/golden", body, &r), 201);
	assert_int_equal(json_object_object_length(json_object_object_get(r.json, "results")), 0);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/golden", body, &r), 409);
	assert_non_null(strstr(r.body, "Runtime policy with name golden already exists"));
	http_result_free(&r);
	/* PUT replaces with 201 and empty results, as upstream Keylime answers. */
	assert_int_equal(call(&s->plain, &s->plain_admin, "PUT", "/v2.5/allowlists/golden", body, &r), 201);
	assert_int_equal(json_object_object_length(json_object_object_get(r.json, "results")), 0);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "PUT", "/v2.5/allowlists/absent", body, &r), 404);
	http_result_free(&r);

	/* GET answers Keylime's {name, tpm_policy, runtime_policy (base64)}. */
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/allowlists/golden", NULL, &r), 200);
	results = json_object_object_get(r.json, "results");
	assert_string_equal(json_object_get_string(json_object_object_get(results, "name")), "golden");
	char *b64 = base64_of(policy, strlen(policy));
	assert_string_equal(json_object_get_string(json_object_object_get(results, "runtime_policy")), b64);
	free(b64);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/allowlists", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"runtimepolicy names\":[\"golden\"]"));
	http_result_free(&r);

	/* Used by name, it judges the IMA list exactly as the inline copy does. */
	char *request = request_by_name(s->ima_ok, "golden");
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence", request, &r), 200);
	assert_true(verdict_valid(&r));
	http_result_free(&r);
	free(request);

	/* Inline and stored together: ambiguous. */
	struct json_object *both = NULL;
	json_object_deep_copy(s->ima_ok, &both, NULL);
	json_object_object_add(json_object_object_get(both, "data"), "runtime_policy_name",
			       json_object_new_string("golden"));
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence",
			      json_object_to_json_string(both), &r), 400);
	assert_non_null(strstr(r.body, "default.ambiguous_policy"));
	http_result_free(&r);
	json_object_put(both);

	/* Bad input is refused with the reason; nothing is stored. */
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/bad",
			      "{\"runtime_policy\": \"%%%\"}", &r), 400);
	assert_non_null(strstr(r.body, "base64"));
	http_result_free(&r);
	char *not_json = allowlist_body("{not json");
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/bad", not_json, &r), 400);
	http_result_free(&r);
	free(not_json);
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/allowlists/bad", NULL, &r), 404);
	http_result_free(&r);

	assert_int_equal(call(&s->plain, &s->plain_admin, "DELETE", "/v2.5/allowlists/golden", NULL, &r), 200);
	http_result_free(&r);
	request = request_by_name(s->ima_ok, "golden");
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence", request, &r), 400);
	assert_non_null(strstr(r.body, "default.missing_policy"));
	http_result_free(&r);
	free(request);
	free(body);
}

static void test_mbpolicies_in_keylime_shape(void **state)
{
	struct suite *s = S(state);
	struct http_result r;
	static const char body[] = "{\"mb_policy\": \"{\\\"scrtm_and_bios\\\": []}\"}";

	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/mbpolicies/refstate", body, &r), 201);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "PUT", "/v2.5/mbpolicies/refstate", body, &r), 201);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/mbpolicies/refstate", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"name\":\"refstate\""));
	assert_non_null(strstr(r.body, "scrtm_and_bios"));
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/mbpolicies", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"mbpolicy names\":[\"refstate\"]"));
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/mbpolicies/broken",
			      "{\"mb_policy\": \"not json\"}", &r), 400);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/mbpolicies/nothing", NULL, &r), 404);
	assert_non_null(strstr(r.body, "Measured boot policy nothing not found"));
	http_result_free(&r);
}

/* keylime/keylime#1167: 20 MiB per-agent policies. Stored once, compiled once. */
static void test_twenty_mib_policy(void **state)
{
	struct suite *s = S(state);
	struct json_object *policy = json_tokener_parse(json_object_get_string(
		json_object_object_get(json_object_object_get(s->ima_ok, "data"), "runtime_policy")));
	struct json_object *digests = json_object_object_get(policy, "digests");
	char path[128], digest[65];
	struct http_result r;
	size_t size;

	assert_non_null(digests);
	for (int i = 0; i < 150000; i++) {
		snprintf(path, sizeof(path), "/usr/lib/filler/%06d/some/long/path/to/a/shared/object.so", i);
		snprintf(digest, sizeof(digest), "%064x", i);
		struct json_object *list = json_object_new_array();
		json_object_array_add(list, json_object_new_string(digest));
		json_object_object_add(digests, path, list);
	}
	const char *text = json_object_to_json_string_ext(policy, JSON_C_TO_STRING_PLAIN);
	size = strlen(text);
	assert_true(size >= 20u * 1024 * 1024);
	char *body = allowlist_body(text);
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/big", body, &r), 201);
	http_result_free(&r);
	free(body);
	json_object_put(policy);

	char *request = request_by_name(s->ima_ok, "big");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence", request, &r), 200);
		assert_true(verdict_valid(&r));
		http_result_free(&r);
	}
	free(request);
	assert_int_equal(call(&s->plain, &s->plain_admin, "GET", "/v2.5/allowlists/big", NULL, &r), 200);
	assert_true(r.body_len > size); /* base64 of the whole policy came back */
	http_result_free(&r);
}

static void test_signed_policies_when_keys_are_configured(void **state)
{
	struct suite *s = S(state);
	char path[700];
	char *good, *bad, *body;
	struct http_result r;

	snprintf(path, sizeof(path), "%s/testdata/keylime/runtime-policies/runtime-policy-test-signed.json", s->shared);
	good = harness_read_file(path, NULL);
	snprintf(path, sizeof(path), "%s/testdata/keylime/runtime-policies/runtime-policy-test-signed-bad.json", s->shared);
	bad = harness_read_file(path, NULL);
	assert_non_null(good);
	assert_non_null(bad);

	body = allowlist_body(good);
	assert_int_equal(call(&s->signing, &s->signing_admin, "POST", "/v2.5/allowlists/signed", body, &r), 201);
	http_result_free(&r);
	free(body);
	body = allowlist_body(bad);
	assert_int_equal(call(&s->signing, &s->signing_admin, "POST", "/v2.5/allowlists/forged", body, &r), 400);
	assert_non_null(strstr(r.body, "signature"));
	http_result_free(&r);
	free(body);
	/* With keys configured, an unsigned policy is refused too: otherwise
	 * signing would be optional for whoever stores a policy. */
	body = allowlist_body("{\"meta\": {\"version\": 1}, \"digests\": {}, \"excludes\": [], "
			      "\"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": null}}");
	assert_int_equal(call(&s->signing, &s->signing_admin, "POST", "/v2.5/allowlists/plain", body, &r), 400);
	assert_non_null(strstr(r.body, "not a DSSE envelope"));
	http_result_free(&r);
	free(body);

	/* Inline: upstream uses a DSSE payload unverified; here the envelope of
	 * the golden case is not signed by the configured key, so it is refused,
	 * while the server without keys accepts it as upstream does. */
	const char *inline_request = json_object_to_json_string_ext(s->dsse_case, JSON_C_TO_STRING_PLAIN);
	assert_int_equal(call(&s->signing, &s->signing_admin, "POST", "/v2.5/verify/evidence",
			      inline_request, &r), 400);
	assert_non_null(strstr(r.body, "runtime_policy"));
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence",
			      inline_request, &r), 200);
	assert_true(verdict_valid(&r));
	http_result_free(&r);
	free(good);
	free(bad);
}

/* The golden IMA request's policy with one key changed (NULL value: removed). */
static char *policy_variant(struct json_object *request, const char *key, const char *json_value)
{
	struct json_object *policy = json_tokener_parse(json_object_get_string(
		json_object_object_get(json_object_object_get(request, "data"), "runtime_policy")));
	char *text;

	assert_non_null(policy);
	if (json_value)
		json_object_object_add(policy, key, json_tokener_parse(json_value));
	else
		json_object_object_del(policy, key);
	text = strdup(json_object_to_json_string_ext(policy, JSON_C_TO_STRING_PLAIN));
	json_object_put(policy);
	return text;
}

/* The golden IMA request with this inline runtime policy. */
static char *request_with_policy(struct json_object *request, const char *policy)
{
	struct json_object *copy = NULL;
	char *text;

	json_object_deep_copy(request, &copy, NULL);
	json_object_object_add(json_object_object_get(copy, "data"), "runtime_policy",
			       json_object_new_string(policy));
	text = strdup(json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN));
	json_object_put(copy);
	return text;
}

/* A policy refused alike inline (400, default.invalid_param), over REST
 * (400) and by the CLI (exit 1), each answer naming `named`. */
static void expect_policy_refused(struct suite *s, const char *policy, const char *named)
{
	char *body = allowlist_body(policy), *request = request_with_policy(s->ima_ok, policy);
	char file[400], *out = NULL, *err = NULL, in_json[200];
	struct json_object *escaped = json_object_new_string(named);
	struct http_result r;
	FILE *fp;

	/* How `named` reads inside a JSON answer: escaped, without its quotes. */
	snprintf(in_json, sizeof(in_json), "%s",
		 json_object_to_json_string_ext(escaped, JSON_C_TO_STRING_NOSLASHESCAPE) + 1);
	in_json[strlen(in_json) - 1] = 0;
	json_object_put(escaped);
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/refused", body, &r), 400);
	if (!strstr(r.body, in_json))
		fail_msg("REST answer does not name %s: %s", named, r.body);
	http_result_free(&r);
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence", request, &r), 400);
	if (!strstr(r.body, "default.invalid_param") || !strstr(r.body, in_json))
		fail_msg("inline answer does not name %s: %s", named, r.body);
	http_result_free(&r);
	snprintf(file, sizeof(file), "%s/refused.json", s->plain.dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(policy, fp);
	fclose(fp);
	const char *add[] = {"policy", "add", "--kind", "runtime", "refused", file, NULL};
	assert_int_equal(harness_teev(&s->plain, add, &out, &err), 1);
	if (!err || !strstr(err, named))
		fail_msg("CLI does not name %s: %s", named, err ? err : "");
	free(out);
	free(err);
	free(body);
	free(request);
}

/* Issue 12 items 5 and 4d: a policy without a key Keylime's schema requires,
 * or with an exclude PCRE2 and Python's re read differently, is refused
 * everywhere a policy is loaded. */
static void test_schema_and_exclude_dialect(void **state)
{
	struct suite *s = S(state);
	static const char *const required[] = {"digests", "excludes", "ima"};
	char *policy;

	for (size_t i = 0; i < 3; i++) {
		char named[40];

		policy = policy_variant(s->ima_ok, required[i], NULL);
		snprintf(named, sizeof(named), "no \"%s\"", required[i]);
		expect_policy_refused(s, policy, named);
		free(policy);
	}
	policy = policy_variant(s->ima_ok, "ima", "{\"log_hash_alg\": \"sha1\"}");
	expect_policy_refused(s, policy, "ima.dm_policy");
	free(policy);
	/* PCRE2 reads a POSIX class, Python the characters "[:alph" and "]". */
	policy = policy_variant(s->ima_ok, "excludes", "[\"/tmp/.*\", \"/var/log/[[:alpha:]]+\\\\.log\"]");
	expect_policy_refused(s, policy, "/var/log/[[:alpha:]]+");
	free(policy);
	policy = policy_variant(s->ima_ok, "excludes", "[\"\\\\Q/opt\\\\E.*\"]");
	expect_policy_refused(s, policy, "\"excludes\"[0]");
	free(policy);
	/* The same keys present: accepted, as before. */
	policy = policy_variant(s->ima_ok, "excludes", "[\"/tmp/.*\", \"/var/log/[a-z]+\\\\.log\"]");
	char *body = allowlist_body(policy);
	struct http_result r;
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/allowlists/portable", body, &r), 201);
	http_result_free(&r);
	free(body);
	free(policy);
}

static void test_cli_runtime_policy(void **state)
{
	struct suite *s = S(state);
	char file[400], *out = NULL, *err = NULL;
	FILE *fp;

	snprintf(file, sizeof(file), "%s/rp.json", s->plain.dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(json_object_get_string(json_object_object_get(json_object_object_get(s->ima_ok, "data"),
							    "runtime_policy")), fp);
	fclose(fp);
	const char *add[] = {"policy", "add", "--kind", "runtime", "fromcli", file, NULL};
	assert_int_equal(harness_teev(&s->plain, add, &out, &err), 0);
	free(out);
	free(err);
	char *request = request_by_name(s->ima_ok, "fromcli");
	struct http_result r;
	assert_int_equal(call(&s->plain, &s->plain_admin, "POST", "/v2.5/verify/evidence", request, &r), 200);
	assert_true(verdict_valid(&r));
	http_result_free(&r);
	free(request);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowlists_in_keylime_shape),
		cmocka_unit_test(test_mbpolicies_in_keylime_shape),
		cmocka_unit_test(test_twenty_mib_policy),
		cmocka_unit_test(test_signed_policies_when_keys_are_configured),
		cmocka_unit_test(test_schema_and_exclude_dialect),
		cmocka_unit_test(test_cli_runtime_policy),
	};
	return cmocka_run_group_tests_name("integration: runtime and measured-boot policies", tests,
					   suite_setup, suite_teardown);
}
