/* tee_evidence.c - decode, verify and appraise {"type":"tee"} evidence (see tee_evidence.h). */
#include "server/tee_evidence.h"

#include "db/policy_store.h"
#include "policy/policy_cache.h"
#include "policy/policy_kinds.h"
#include "policy/snp_policy.h"
#include "verifier/b64.h"
#include "verifier/snp_certs_buf.h"
#include "verifier/snp_report.h"
#include "verifier/snp_verify.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on the decoded fields: a KBS nonce is 32 bytes, an EC coordinate at
 * most 66 (P-521). Anything far larger is refused before decoding. */
#define NONCE_MAX 1024
#define COORD_MAX 66

struct tee_fields {
	uint8_t report[SNP_REPORT_SIZE];
	size_t report_len;
	uint8_t *certs_buf; /* owned */
	size_t certs_buf_len;
	uint8_t nonce[NONCE_MAX];
	size_t nonce_len;
	uint8_t x[COORD_MAX], y[COORD_MAX];
	size_t x_len, y_len;
};

static void missing(struct verdict *out, const char *name)
{
	failures_add(&out->failures, "tee_attestation.missing_param",
		     "missing parameter \"%s\"", name);
	out->status = VERDICT_BAD_INPUT;
}

static void invalid(struct verdict *out, const char *name, const char *why)
{
	failures_add(&out->failures, "tee_attestation.invalid_input", "parameter \"%s\" %s",
		     name, why);
	out->status = VERDICT_BAD_INPUT;
}

/* Keylime treats a key whose value is "" as absent; JSON null likewise. */
static struct json_object *present(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value) || value == NULL)
		return NULL;
	if (json_object_is_type(value, json_type_string) && json_object_get_string_len(value) == 0)
		return NULL;
	return value;
}

/* Decodes a string member. Returns 0, or -1 after recording a 400. */
static int decode_field(struct json_object *value, const char *name,
			enum b64_alphabet alphabet, uint8_t *buf, size_t cap, size_t *len,
			struct verdict *out)
{
	const char *text;
	size_t text_len;

	if (!json_object_is_type(value, json_type_string)) {
		invalid(out, name, "must be a string");
		return -1;
	}
	text = json_object_get_string(value);
	text_len = (size_t)json_object_get_string_len(value);
	return tee_decode_text(name, text, text_len, alphabet, buf, cap, len, out);
}

int tee_decode_text(const char *name, const char *text, size_t text_len,
		    enum b64_alphabet alphabet, uint8_t *buf, size_t cap, size_t *len,
		    struct verdict *out)
{
	if (text_len == 0) {
		missing(out, name); /* Keylime reads "" as absent */
		return -1;
	}
	if (text_len > b64_encoded_len(B64_STD, cap)) {
		char why[96];
		snprintf(why, sizeof(why), "is too long (%zu characters; at most %zu bytes decoded)",
			 text_len, cap);
		invalid(out, name, why);
		return -1;
	}
	if (b64_decode(alphabet, text, text_len, buf, cap, len)) {
		invalid(out, name,
			alphabet == B64_STD ? "is not valid standard base64"
					    : "is not valid base64url without padding");
		return -1;
	}
	return 0;
}

static int decode_snp(struct json_object *evidence, struct json_object *data,
		      struct tee_fields *fields, struct verdict *out)
{
	struct json_object *report = present(evidence, "snp-report");
	struct json_object *certs = present(evidence, "certs-buf");
	struct json_object *nonce = present(data, "nonce");
	struct json_object *x = present(data, "tee-pubkey-x-b64");
	struct json_object *y = present(data, "tee-pubkey-y-b64");

	if (!report) {
		missing(out, "snp-report");
		return -1;
	}
	/* One spare byte tells "exactly 1184" apart from "longer". */
	uint8_t report_buf[SNP_REPORT_SIZE + 3];
	if (decode_field(report, "snp-report", B64_STD, report_buf, sizeof(report_buf),
			 &fields->report_len, out))
		return -1;
	if (fields->report_len != SNP_REPORT_SIZE) {
		failures_add(&out->failures, "tee_attestation.invalid_input",
			     "SEV-SNP attestation report input invalid: parameter \"snp-report\" must decode to %d bytes, got %zu",
			     SNP_REPORT_SIZE, fields->report_len);
		out->status = VERDICT_BAD_INPUT;
		return -1;
	}
	memcpy(fields->report, report_buf, SNP_REPORT_SIZE);

	if (certs) {
		fields->certs_buf = malloc(SNP_CERTS_BUF_MAX);
		if (!fields->certs_buf) {
			out->status = VERDICT_INTERNAL;
			return -1;
		}
		if (decode_field(certs, "certs-buf", B64_STD, fields->certs_buf,
				 SNP_CERTS_BUF_MAX, &fields->certs_buf_len, out))
			return -1;
	}
	if (decode_field(nonce, "nonce", B64_STD, fields->nonce, sizeof(fields->nonce),
			 &fields->nonce_len, out))
		return -1;
	if (decode_field(x, "tee-pubkey-x-b64", B64_URL_NOPAD, fields->x, sizeof(fields->x),
			 &fields->x_len, out) ||
	    decode_field(y, "tee-pubkey-y-b64", B64_URL_NOPAD, fields->y, sizeof(fields->y),
			 &fields->y_len, out))
		return -1;
	/* Their sizes (and the report's, the nonce's and certs-buf's table) are
	 * checked by snp_verify's snp_evidence_check, as for `teev verify`. */
	return 0;
}

/* The stored policy's name: the request's "tee-policy" (teev extension) or
 * the configured default. Returns NULL after recording a 400. */
static const char *policy_name(const struct tee_context *ctx, struct json_object *data,
			       struct verdict *out)
{
	struct json_object *named = present(data, "tee-policy");
	const char *name;

	if (!named)
		return ctx->default_policy;
	if (!json_object_is_type(named, json_type_string)) {
		invalid(out, "tee-policy", "must be a string naming a stored SNP policy");
		return NULL;
	}
	name = json_object_get_string(named);
	if (!policy_name_valid(name)) {
		invalid(out, "tee-policy", "is not a valid policy name");
		return NULL;
	}
	return name;
}

/* Appraises an authentic report against the named stored policy. A missing
 * policy fails closed: a KBS request carries no policy name, so an
 * unconfigured verifier must not pass everything. */
static void appraise(const struct tee_context *ctx, const char *name,
		     const struct snp_result *result, struct verdict *out,
		     struct json_object **decided_by)
{
	const struct policy_kind_info *kind = policy_kind_by_cli_name("snp");
	struct policy_ref ref;
	char err[512];

	switch (policy_cache_get(ctx->policies, &kind->ops, name, &ref, err, sizeof(err))) {
	case POLICY_FOUND:
		snp_policy_evaluate(ref.compiled, result, &out->failures);
		snprintf(out->policy_name, sizeof(out->policy_name), "%s", ref.name);
		out->policy_version = ref.version;
		*decided_by = json_object_new_object();
		json_object_object_add(*decided_by, "name", json_object_new_string(ref.name));
		json_object_object_add(*decided_by, "version", json_object_new_int64(ref.version));
		policy_ref_release(ctx->policies, &ref);
		return;
	case POLICY_MISSING:
		failures_add(&out->failures, "tee_attestation.policy.missing",
			     "no stored SNP policy named \"%s\" (store one with POST /v2.5/teepolicies/%s or `teev policy add --kind snp %s FILE`)",
			     name, name, name);
		return;
	case POLICY_BROKEN:
		failures_add(&out->failures, "tee_attestation.policy.invalid",
			     "stored SNP policy \"%s\" is invalid: %s (replace it: `teev policy "
			     "replace --kind snp %s FILE` or PUT /v2.5/teepolicies/%s)",
			     name, err, name, name);
		return;
	case POLICY_DB_ERROR:
		out->status = VERDICT_INTERNAL;
		return;
	}
}

void tee_snp_judge(const struct tee_context *ctx, const struct snp_evidence *e,
		   const char *policy_name, const struct snp_policy *inline_policy,
		   struct verdict *out)
{
	struct snp_result result;
	struct json_object *decided_by = NULL;

	out->status = snp_verify(ctx->snp, e, ctx->now, &result, &out->failures);
	if (!result.authenticated)
		return;
	if (inline_policy)
		snp_policy_evaluate(inline_policy, &result, &out->failures);
	else if (ctx->policies)
		appraise(ctx, policy_name, &result, out, &decided_by);
	if (out->status != VERDICT_INTERNAL)
		out->status = out->failures.count ? VERDICT_FAIL : VERDICT_PASS;
	if (out->status == VERDICT_PASS) {
		out->claims = snp_claims(&result);
		if (decided_by)
			json_object_object_add(out->claims, "tee_policy", decided_by);
		decided_by = NULL;
	}
	json_object_put(decided_by);
}

void tee_evidence_verify(const struct tee_context *ctx, struct json_object *data,
			struct verdict *out)
{
	struct json_object *tee_evidence, *tee, *evidence;
	struct tee_fields *fields = NULL;

	if (!json_object_is_type(data, json_type_object)) {
		invalid(out, "data", "must be a JSON object");
		return;
	}
	/* Upstream's order of presence checks, so the first missing field named
	 * is the same one Keylime would name. */
	tee_evidence = present(data, "tee-evidence");
	if (!tee_evidence) {
		missing(out, "tee-evidence");
		return;
	}
	if (!present(data, "nonce")) {
		missing(out, "nonce");
		return;
	}
	if (!present(data, "tee-pubkey-x-b64")) {
		missing(out, "tee-pubkey-x-b64");
		return;
	}
	if (!present(data, "tee-pubkey-y-b64")) {
		missing(out, "tee-pubkey-y-b64");
		return;
	}
	if (!json_object_is_type(tee_evidence, json_type_object)) {
		invalid(out, "tee-evidence", "must be a JSON object");
		return;
	}
	tee = present(tee_evidence, "tee");
	if (!tee) {
		missing(out, "tee");
		return;
	}
	evidence = present(tee_evidence, "evidence");
	if (!evidence) {
		missing(out, "evidence");
		return;
	}
	if (!json_object_is_type(tee, json_type_string) ||
	    strcmp(json_object_get_string(tee), "snp") != 0) {
		failures_add(&out->failures, "tee_attestation.invalid.tee",
			     "invalid tee argument: \"tee\" must be \"snp\" (the only TEE supported)");
		out->status = VERDICT_BAD_INPUT;
		return;
	}
	if (!json_object_is_type(evidence, json_type_object)) {
		invalid(out, "evidence", "must be a JSON object");
		return;
	}

	const char *name = policy_name(ctx, data, out);
	if (!name)
		return;
	fields = calloc(1, sizeof(*fields));
	if (!fields) {
		out->status = VERDICT_INTERNAL;
		return;
	}
	if (decode_snp(evidence, data, fields, out))
		goto out;

	struct snp_evidence e = {
		.report = fields->report,
		.report_len = fields->report_len,
		.certs_buf = fields->certs_buf,
		.certs_buf_len = fields->certs_buf_len,
		.check_freshness = true,
		.nonce = fields->nonce,
		.nonce_len = fields->nonce_len,
		.pubkey_x = fields->x,
		.pubkey_x_len = fields->x_len,
		.pubkey_y = fields->y,
		.pubkey_y_len = fields->y_len,
	};
	tee_snp_judge(ctx, &e, name, NULL, out);
out:
	free(fields->certs_buf);
	free(fields);
}
