/* ear.c - verdicts as signed EAR tokens, and their checker (see ear.h). */
#include "evidence/ear.h"

#include "verifier/bytes.h"
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATUS_NAMES[] = {"none", "affirming", "warning", "contraindicated"};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t cap, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

const char *ear_kind_name(enum ear_kind kind)
{
	switch (kind) {
	case EAR_SNP:
		return "snp";
	case EAR_TDX:
		return "tdx";
	case EAR_TPM:
		return "tpm";
	}
	return "?";
}

const char *ear_status_name(enum ear_status status)
{
	return (size_t)status < sizeof(STATUS_NAMES) / sizeof(STATUS_NAMES[0])
		       ? STATUS_NAMES[status]
		       : "?";
}

int ear_status_from_name(const char *text)
{
	for (size_t i = 0; text && i < sizeof(STATUS_NAMES) / sizeof(STATUS_NAMES[0]); i++) {
		if (strcmp(text, STATUS_NAMES[i]) == 0)
			return (int)i;
	}
	return -1;
}

enum ear_status ear_status_of(const struct verdict *v)
{
	switch (v->status) {
	case VERDICT_PASS:
		return v->freshness_checked ? EAR_STATUS_AFFIRMING : EAR_STATUS_WARNING;
	case VERDICT_FAIL:
		return EAR_STATUS_CONTRAINDICATED;
	case VERDICT_BAD_INPUT:
	case VERDICT_INTERNAL:
		break;
	}
	return EAR_STATUS_NONE;
}

/* {"sha256": hex, "length": n}: binds a long claim without carrying it. */
static struct json_object *digest_of(const char *text, size_t len)
{
	unsigned char digest[32];
	unsigned int n = 0;
	char hex[65];
	struct json_object *o;

	if (EVP_Digest(text, len, digest, &n, EVP_sha256(), NULL) != 1 || n != sizeof(digest))
		return NULL;
	bytes_to_hex(digest, sizeof(digest), hex);
	o = json_object_new_object();
	json_object_object_add(o, "sha256", json_object_new_string(hex));
	json_object_object_add(o, "length", json_object_new_int64((int64_t)len));
	return o;
}

/* The verdict's claims for ear.veraison.annotated-evidence. Built member by
 * member: a TPM verdict's claims serialise as the request's raw bytes
 * (server/json_raw), megabytes of IMA list that a token must not carry. */
static struct json_object *annotated_evidence(const struct verdict *v)
{
	struct json_object *out = json_object_new_object();

	if (v->status != VERDICT_PASS || !v->claims ||
	    !json_object_is_type(v->claims, json_type_object))
		return out;
	json_object_object_foreach (v->claims, name, value) {
		struct json_object *copy;

		if (json_object_is_type(value, json_type_string) &&
		    (size_t)json_object_get_string_len(value) > EAR_CLAIM_STRING_MAX)
			copy = digest_of(json_object_get_string(value),
					 (size_t)json_object_get_string_len(value));
		else
			copy = json_object_get(value);
		if (!copy) {
			json_object_put(out);
			return NULL;
		}
		json_object_object_add(out, name, copy);
	}
	return out;
}

static struct json_object *submod(enum ear_kind kind, const struct verdict *v)
{
	struct json_object *o = json_object_new_object();
	struct json_object *ids = json_object_new_array();
	struct json_object *evidence = annotated_evidence(v);
	char policy[sizeof(v->policy_name) + 48];

	if (!evidence) {
		json_object_put(o);
		json_object_put(ids);
		return NULL;
	}
	json_object_object_add(o, "ear.status",
			       json_object_new_string(ear_status_name(ear_status_of(v))));
	if (v->policy_name[0]) {
		snprintf(policy, sizeof(policy), "policy:%s/%s@%lld", ear_kind_name(kind),
			 v->policy_name, v->policy_version);
		json_object_object_add(o, "ear.appraisal-policy-id",
				       json_object_new_string(policy));
	}
	json_object_object_add(o, "ear.veraison.annotated-evidence", evidence);
	for (size_t i = 0; i < v->failures.count; i++)
		json_object_array_add(ids, json_object_new_string(v->failures.items[i].type));
	json_object_object_add(o, "teev.failures", ids);
	return o;
}

struct json_object *ear_claims(const struct ear_input *in, char *err, size_t cap)
{
	struct json_object *claims, *submods, *vid;
	unsigned seen = 0;
	size_t nonce_len;

	if (!in->build || !in->build[0] || in->iat <= 0) {
		set_err(err, cap,
			"an EAR needs the verifier's build and the time of the appraisal");
		return NULL;
	}
	if (in->count == 0 || in->count > EAR_SUBMODS_MAX) {
		set_err(err, cap, "an EAR reports 1 to %d appraisals, not %zu", EAR_SUBMODS_MAX,
			in->count);
		return NULL;
	}
	for (size_t i = 0; i < in->count; i++) {
		const struct ear_appraisal *a = &in->appraisals[i];

		if ((unsigned)a->kind > EAR_TPM || !a->verdict) {
			set_err(err, cap, "appraisal %zu has no evidence kind or verdict", i);
			return NULL;
		}
		if (seen & (1u << a->kind)) {
			set_err(err, cap, "two appraisals of %s evidence", ear_kind_name(a->kind));
			return NULL;
		}
		seen |= 1u << a->kind;
		if (ear_status_of(a->verdict) == EAR_STATUS_NONE) {
			set_err(err, cap,
				"the %s evidence was not appraised (bad input or an internal "
				"error)",
				ear_kind_name(a->kind));
			return NULL;
		}
	}
	claims = json_object_new_object();
	json_object_object_add(claims, "eat_profile", json_object_new_string(EAR_PROFILE));
	json_object_object_add(claims, "iat", json_object_new_int64(in->iat));
	vid = json_object_new_object();
	json_object_object_add(vid, "developer", json_object_new_string(EAR_DEVELOPER));
	json_object_object_add(vid, "build", json_object_new_string(in->build));
	json_object_object_add(claims, "ear.verifier-id", vid);
	if (in->nonce) {
		nonce_len = strlen(in->nonce);
		json_object_object_add(claims,
				       nonce_len >= EAR_NONCE_MIN && nonce_len <= EAR_NONCE_MAX
					       ? "eat_nonce"
					       : "teev.nonce",
				       json_object_new_string(in->nonce));
	}
	submods = json_object_new_object();
	json_object_object_add(claims, "submods", submods);
	for (size_t i = 0; i < in->count; i++) {
		const struct ear_appraisal *a = &in->appraisals[i];
		struct json_object *s = submod(a->kind, a->verdict);

		if (!s) {
			set_err(err, cap, "out of memory");
			json_object_put(claims);
			return NULL;
		}
		json_object_object_add(submods, ear_kind_name(a->kind), s);
	}
	return claims;
}

char *ear_sign(const struct ear_input *in, const struct jose_key *key, char *err, size_t cap)
{
	struct json_object *claims = ear_claims(in, err, cap);
	const char *text;
	char *token;

	if (!claims)
		return NULL;
	text = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
	token = jose_sign(key, EAR_JWT_TYP, text, strlen(text), err, cap);
	if (token && strlen(token) > JOSE_TOKEN_MAX) {
		set_err(err, cap, "the EAR would be %zu bytes, more than the %zu a checker reads",
			strlen(token), JOSE_TOKEN_MAX);
		free(token);
		token = NULL;
	}
	json_object_put(claims);
	return token;
}

/* ---- checking ---- */

static struct json_object *member(struct json_object *obj, const char *name, enum json_type type)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* The submodules' statuses; the least favourable one overall. */
static int check_submods(struct json_object *submods, enum ear_status *overall, char *err,
			 size_t cap)
{
	size_t n = 0;
	bool any_none = false, any_warning = false, any_contra = false;

	json_object_object_foreach (submods, name, value) {
		struct json_object *status_obj = NULL;
		int status;

		n++;
		if (!json_object_is_type(value, json_type_object) ||
		    !(status_obj = member(value, "ear.status", json_type_string))) {
			set_err(err, cap, "submodule \"%.64s\" has no \"ear.status\" string", name);
			return -1;
		}
		status = ear_status_from_name(json_object_get_string(status_obj));
		if (status < 0) {
			set_err(err, cap, "submodule \"%.64s\" has an unknown status \"%.32s\"",
				name, json_object_get_string(status_obj));
			return -1;
		}
		any_none = any_none || status == EAR_STATUS_NONE;
		any_warning = any_warning || status == EAR_STATUS_WARNING;
		any_contra = any_contra || status == EAR_STATUS_CONTRAINDICATED;
	}
	if (n == 0) {
		set_err(err, cap, "\"submods\" is empty");
		return -1;
	}
	*overall = any_contra    ? EAR_STATUS_CONTRAINDICATED
		   : any_warning ? EAR_STATUS_WARNING
		   : any_none    ? EAR_STATUS_NONE
				 : EAR_STATUS_AFFIRMING;
	return 0;
}

int ear_check(const char *token, size_t len, const struct jose_keyset *keys,
	      struct ear_checked *out, char *err, size_t cap)
{
	struct json_object *claims, *profile, *iat, *vid, *submods, *nonce;
	char why[256];

	memset(out, 0, sizeof(*out));
	if (jose_verify(token, len, keys, &out->jws, why, sizeof(why))) {
		set_err(err, cap, "%s", why);
		return -1;
	}
	claims = out->jws.payload;
	profile = member(claims, "eat_profile", json_type_string);
	if (!profile || strcmp(json_object_get_string(profile), EAR_PROFILE) != 0) {
		set_err(err, cap, "\"eat_profile\" is not \"%s\"", EAR_PROFILE);
		goto fail;
	}
	iat = member(claims, "iat", json_type_int);
	if (!iat || json_object_get_int64(iat) <= 0) {
		set_err(err, cap, "\"iat\" is not a positive integer");
		goto fail;
	}
	out->iat = json_object_get_int64(iat);
	vid = member(claims, "ear.verifier-id", json_type_object);
	if (!vid || !member(vid, "developer", json_type_string) ||
	    !member(vid, "build", json_type_string)) {
		set_err(err, cap, "\"ear.verifier-id\" is not {\"developer\", \"build\"}");
		goto fail;
	}
	submods = member(claims, "submods", json_type_object);
	if (!submods) {
		set_err(err, cap, "\"submods\" is not an object");
		goto fail;
	}
	if (check_submods(submods, &out->status, err, cap))
		goto fail;
	nonce = member(claims, "eat_nonce", json_type_string);
	if (!nonce)
		nonce = member(claims, "teev.nonce", json_type_string);
	out->nonce = nonce ? json_object_get_string(nonce) : NULL;
	return 0;
fail:
	ear_checked_clear(out);
	return -1;
}

void ear_checked_clear(struct ear_checked *c)
{
	jose_verified_clear(&c->jws);
	memset(c, 0, sizeof(*c));
}
