/* tpm_evidence.c - decode, verify and appraise {"type":"tpm"} evidence (see tpm_evidence.h). */
#include "server/tpm_evidence.h"

#include "db/policy_store.h"
#include "policy/policy_cache.h"
#include "policy/policy_kinds.h"
#include "policy/tpm_policy.h"
#include "verifier/tpm_quote.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMA_PCR 10

/* Keylime: "present" = the key exists and its value is not exactly "". */
static bool present(struct json_object *data, const char *key, struct json_object **value)
{
	*value = NULL;
	if (!json_object_object_get_ex(data, key, value))
		return false;
	return !(*value && json_object_is_type(*value, json_type_string) &&
		 json_object_get_string_len(*value) == 0);
}

/* Keylime: a policy counts when truthy: absent, "", null and {} do not. */
static bool truthy_policy(struct json_object *data, const char *key)
{
	struct json_object *value;

	if (!present(data, key, &value) || !value)
		return false;
	if (json_object_is_type(value, json_type_object) || json_object_is_type(value, json_type_array))
		return json_object_object_length(value) > 0 || json_object_array_length(value) > 0;
	return true;
}

static void bad_input(struct verdict *out, const char *type, const char *fmt, const char *arg)
{
	failures_add(&out->failures, type, fmt, arg);
	out->status = VERDICT_BAD_INPUT;
}

/* The required fields, checked in Keylime's order so the same one is named. */
static int check_required(struct json_object *data, struct verdict *out)
{
	static const char *const required[] = {"quote", "nonce", "hash_alg", "tpm_ek", "tpm_ak"};

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct json_object *value;
		if (!present(data, required[i], &value)) {
			bad_input(out, "default.missing_param", "missing parameter \"%s\"", required[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct json_object *value;
		present(data, required[i], &value);
		if (!json_object_is_type(value, json_type_string)) {
			bad_input(out, "default.invalid_param", "parameter \"%s\" must be a string",
				  required[i]);
			return -1;
		}
	}
	return 0;
}

/* The PCR policy in force, inline or stored; NULL when the request has none.
 * Returns -1 after recording the verdict. On success *owned is set when the
 * caller must free it, *ref when it came from the cache. */
static int select_tpm_policy(const struct tpm_context *ctx, struct json_object *data,
			     const struct tpm_policy **policy, struct tpm_policy **owned,
			     struct policy_ref *ref, struct verdict *out)
{
	struct json_object *inline_policy = NULL, *name = NULL;
	bool has_inline = truthy_policy(data, "tpm_policy");
	bool has_name = present(data, "tpm_policy_name", &name) && name;
	char err[512];

	*policy = NULL;
	*owned = NULL;
	memset(ref, 0, sizeof(*ref));
	if (has_inline && has_name) {
		bad_input(out, "default.ambiguous_policy",
			  "both %s were given: send an inline policy or the name of a stored one, not both",
			  "\"tpm_policy\" and \"tpm_policy_name\"");
		return -1;
	}
	if (has_inline) {
		present(data, "tpm_policy", &inline_policy);
		if (json_object_is_type(inline_policy, json_type_string))
			*owned = tpm_policy_parse(json_object_get_string(inline_policy),
						  (size_t)json_object_get_string_len(inline_policy),
						  err, sizeof(err));
		else
			*owned = tpm_policy_from_json(inline_policy, err, sizeof(err));
		if (!*owned) {
			/* Upstream's catch-all: a 200 verdict, and the only failure. */
			failures_add(&out->failures, "qoute_validation.invalid_quote",
				     "Quote validation failed: tpm_policy: %s", err);
			out->status = VERDICT_FAIL;
			return -1;
		}
		*policy = *owned;
		return 0;
	}
	if (!has_name)
		return 0;
	if (!json_object_is_type(name, json_type_string) ||
	    !policy_name_valid(json_object_get_string(name))) {
		bad_input(out, "default.invalid_param", "parameter \"%s\" must name a stored TPM policy",
			  "tpm_policy_name");
		return -1;
	}
	switch (policy_cache_get(ctx->policies, &policy_kind_by_cli_name("tpm")->ops,
				 json_object_get_string(name), ref, err, sizeof(err))) {
	case POLICY_FOUND:
		*policy = ref->compiled;
		return 0;
	case POLICY_MISSING:
		bad_input(out, "default.missing_policy", "no stored TPM policy named \"%s\"",
			  json_object_get_string(name));
		return -1;
	case POLICY_BROKEN:
		failures_add(&out->failures, "qoute_validation.invalid_quote",
			     "Quote validation failed: stored TPM policy does not compile: %s", err);
		out->status = VERDICT_FAIL;
		return -1;
	case POLICY_DB_ERROR:
		out->status = VERDICT_INTERNAL;
		return -1;
	}
	return -1;
}

/* PCR 10 belongs to the IMA measurement list (§5 step 2): it is never
 * compared with tpm_policy. With no list (or an empty one) the replay of
 * nothing is all zeros, so PCR 10 must be zero. */
static uint32_t judge_ima_pcr(struct json_object *data, const struct tpm_pcr_values *pcrs,
			      struct verdict *out)
{
	struct json_object *list = NULL;
	bool has_key = json_object_object_get_ex(data, "ima_measurement_list", &list);
	bool zero = true;

	if (!(pcrs->quoted & (1u << IMA_PCR)))
		return 0;
	if (has_key && list == NULL) {
		failures_add(&out->failures, "pcr_validation.unused_pcr_10",
			     "IMA PCR in policy, but no measurement list provided");
		return 1u << IMA_PCR;
	}
	for (size_t i = 0; i < pcrs->digest_size; i++)
		zero = zero && pcrs->value[IMA_PCR][i] == 0;
	if (!zero) {
		char hex[129];
		for (size_t i = 0; i < pcrs->digest_size; i++)
			snprintf(hex + 2 * i, 3, "%02x", pcrs->value[IMA_PCR][i]);
		failures_add(&out->failures, "ima.pcr_mismatch",
			     "IMA measurement list does not match TPM PCR %s", hex);
	}
	return 1u << IMA_PCR;
}

void tpm_evidence_verify(const struct tpm_context *ctx, struct json_object *data,
			 struct verdict *out)
{
	const struct tpm_policy *policy = NULL;
	struct tpm_policy *owned = NULL;
	struct policy_ref ref = {0};
	struct tpm_pcr_values pcrs;
	struct json_object *value;
	uint32_t consumed;

	if (!json_object_is_type(data, json_type_object)) {
		bad_input(out, "default.invalid_param", "parameter \"%s\" must be a JSON object", "data");
		return;
	}
	if (check_required(data, out))
		return;
	/* Measured boot and runtime (IMA) policies are judged by a later part of
	 * teev; refusing them beats passing evidence nobody checked. */
	const char *unsupported[] = {"runtime_policy", "mb_policy", "runtime_policy_name",
				     "mb_policy_name", "mb_log"};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (truthy_policy(data, unsupported[i])) {
			bad_input(out, "default.unsupported_param",
				  "parameter \"%s\" is not supported by this teev yet", unsupported[i]);
			return;
		}
	}
	if (present(data, "ima_measurement_list", &value) && value &&
	    !(json_object_is_type(value, json_type_string) && json_object_get_string_len(value) == 0)) {
		bad_input(out, "default.unsupported_param",
			  "parameter \"%s\" is not supported by this teev yet", "ima_measurement_list");
		return;
	}
	if (!truthy_policy(data, "tpm_policy") && !truthy_policy(data, "runtime_policy") &&
	    !truthy_policy(data, "mb_policy") && !(present(data, "tpm_policy_name", &value) && value)) {
		bad_input(out, "default.missing_policy", "%s",
			  "at least one policy (tpm_policy, runtime_policy, or mb_policy) must be provided");
		return;
	}
	if (select_tpm_policy(ctx, data, &policy, &owned, &ref, out))
		goto out;

	struct json_object *quote, *nonce, *hash_alg, *ak;
	present(data, "quote", &quote);
	present(data, "nonce", &nonce);
	present(data, "hash_alg", &hash_alg);
	present(data, "tpm_ak", &ak);
	struct tpm_quote_input in = {
		.quote = json_object_get_string(quote),
		.quote_len = (size_t)json_object_get_string_len(quote),
		.nonce = json_object_get_string(nonce),
		.nonce_len = (size_t)json_object_get_string_len(nonce),
		.hash_alg = json_object_get_string(hash_alg),
		.ak_b64 = json_object_get_string(ak),
		.ak_len = (size_t)json_object_get_string_len(ak),
	};
	if (tpm_quote_verify(&in, &pcrs, &out->failures)) {
		out->status = VERDICT_FAIL;
		goto out;
	}
	consumed = judge_ima_pcr(data, &pcrs, out);
	if (policy)
		tpm_policy_evaluate(policy, &pcrs, consumed, &out->failures);
	out->status = out->failures.count ? VERDICT_FAIL : VERDICT_PASS;
	if (out->status == VERDICT_PASS)
		out->claims = json_object_get(data); /* upstream echoes the request's data */
out:
	tpm_policy_free(owned);
	policy_ref_release(ctx->policies, &ref);
}
