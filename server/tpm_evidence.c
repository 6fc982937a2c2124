/* tpm_evidence.c - decode, verify and appraise {"type":"tpm"} evidence (see tpm_evidence.h).
 *
 * The order of everything here is Keylime's (KEYLIME-TPM.md §2, §4, §5),
 * because clients compare failure lists: required fields, policies present,
 * quote, then for the quoted PCRs: (1) parse the boot log, (2) PCR 10 by the
 * IMA list (or ima.missing_pcr_10 when a runtime policy and a list came but
 * PCR 10 did not), (3) boot PCRs by the log when a measured-boot policy is
 * given, (4) the remaining PCRs by the PCR policy, (5) PCRs the policy
 * wanted but the quote lacks, (6) a measured-boot policy that is not JSON,
 * (7) boot PCRs a measured-boot policy judges but the quote lacks, then the
 * measured-boot engine when configured to run. Where teev departs from
 * upstream here, README's compatibility table says why.
 */
#include "server/tpm_evidence.h"

#include "db/policy_store.h"
#include "policy/mb_policy.h"
#include "policy/policy_cache.h"
#include "policy/policy_kinds.h"
#include "policy/runtime_policy.h"
#include "policy/tpm_policy.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/eventlog.h"
#include "verifier/ima.h"
#include "verifier/tpm_quote.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMA_PCR 10
/* §5 step 3: PCRs a boot log can speak for (PCR 10 belongs to IMA). */
#define MB_PCRS 0xFBFFu          /* 0-9, 11-15 */
#define MB_EXAMPLE_PCRS 0x43FFu  /* 0-9, 14: the "example" engine's PCRs */
/* The PCRs a measured-boot policy judges, which the quote must cover: the
 * firmware's 0-7 (accept-all and reject-all name none), or the engine's. */
#define MB_REQUIRED_PCRS 0x00FFu
/* IMA's boot_aggregate covers PCRs 0-9 (0-7 for sha1 on older kernels). */
#define BOOT_AGGREGATE_PCRS 0x03FFu

/* Bounds python_repr()'s recursion. No document reaching it nests this deep
 * (request bodies are parsed with a depth limit of 64, mb_policy texts with
 * 32), so the cut-off, printed as "...", never shows in practice. */
#define REPR_MAX_DEPTH 64

int tpm_context_configure(struct tpm_context *ctx, const char *mb_policy_name,
			  const char *mb_evaluate, char *err, size_t err_len)
{
	if (strcmp(mb_policy_name, "accept-all") == 0)
		ctx->mb_engine = MB_ENGINE_ACCEPT_ALL;
	else if (strcmp(mb_policy_name, "reject-all") == 0)
		ctx->mb_engine = MB_ENGINE_REJECT_ALL;
	else if (strcmp(mb_policy_name, "example") == 0)
		ctx->mb_engine = MB_ENGINE_EXAMPLE;
	else {
		snprintf(err, err_len,
			 "measured_boot_policy_name \"%s\" is not supported (accept-all, reject-all, example)",
			 mb_policy_name);
		return -1;
	}
	if (strcmp(mb_evaluate, "once") == 0) {
		ctx->mb_evaluate_always = false;
	} else if (strcmp(mb_evaluate, "always") == 0) {
		ctx->mb_evaluate_always = true;
	} else {
		snprintf(err, err_len, "measured_boot_evaluate \"%s\" must be once or always", mb_evaluate);
		return -1;
	}
	if (ctx->mb_engine == MB_ENGINE_EXAMPLE && ctx->mb_evaluate_always) {
		/* Its refstate checks (secure-boot keys, kernels) are not in teev:
		 * refusing the setting beats a verdict that never ran them. */
		snprintf(err, err_len,
			 "measured_boot_policy_name example with measured_boot_evaluate always is not supported");
		return -1;
	}
	return 0;
}

/* Keylime: "present" = the key exists and its value is not exactly "". */
static bool present(struct json_object *data, const char *key, struct json_object **value)
{
	*value = NULL;
	if (!json_object_object_get_ex(data, key, value))
		return false;
	return !(*value && json_object_is_type(*value, json_type_string) &&
		 json_object_get_string_len(*value) == 0);
}

/* Keylime: a policy counts when Python finds its value true ("if
 * tpm_policy"): absent, "", null, false, 0, 0.0, [] and {} are no policy. */
static bool truthy(struct json_object *data, const char *key)
{
	struct json_object *value;

	if (!present(data, key, &value) || !value)
		return false;
	switch (json_object_get_type(value)) {
	case json_type_boolean:
		return json_object_get_boolean(value);
	case json_type_int:
		return json_object_get_int64(value) != 0;
	case json_type_double:
		return json_object_get_double(value) != 0.0;
	case json_type_array:
		return json_object_array_length(value) > 0;
	case json_type_object:
		return json_object_object_length(value) > 0;
	default:
		return true;
	}
}

static void bad_input(struct verdict *out, const char *type, const char *fmt, const char *arg)
{
	failures_add(&out->failures, type, fmt, arg);
	out->status = VERDICT_BAD_INPUT;
}

/* Upstream's catch-all: a 200 verdict whose only failure is invalid_quote. */
static void invalid_quote(struct verdict *out, const char *fmt, const char *arg)
{
	failures_clear(&out->failures);
	failures_add(&out->failures, "qoute_validation.invalid_quote", fmt, arg);
	out->status = VERDICT_FAIL;
}

static const char *text_of(struct json_object *data, const char *key)
{
	struct json_object *value = NULL;

	json_object_object_get_ex(data, key, &value);
	return json_object_get_string(value);
}

static size_t length_of(struct json_object *data, const char *key)
{
	struct json_object *value = NULL;

	json_object_object_get_ex(data, key, &value);
	return (size_t)json_object_get_string_len(value);
}

/* The required fields, checked in Keylime's order so the same one is named. */
static int check_required(struct json_object *data, struct verdict *out)
{
	static const char *const required[] = {"quote", "nonce", "hash_alg", "tpm_ek", "tpm_ak"};
	struct json_object *value;

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!present(data, required[i], &value)) {
			bad_input(out, "default.missing_param", "missing parameter \"%s\"", required[i]);
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		present(data, required[i], &value);
		if (!json_object_is_type(value, json_type_string)) {
			bad_input(out, "default.invalid_param", "parameter \"%s\" must be a string",
				  required[i]);
			return -1;
		}
	}
	return 0;
}

/* A policy in force for one kind: inline (owned) or stored (a cache ref). */
struct selected {
	const void *compiled;
	void *owned;
	const struct policy_kind_info *kind;
	struct policy_ref ref;
};

static void selected_release(const struct tpm_context *ctx, struct selected *s)
{
	if (s->owned)
		s->kind->ops.release(s->owned);
	policy_ref_release(ctx->policies, &s->ref);
	memset(s, 0, sizeof(*s));
}

/* Looks up <kind>_name in the store. Returns -1 after recording a verdict. */
static int select_stored(const struct tpm_context *ctx, struct json_object *name_value,
			 const char *field, struct selected *s, struct verdict *out)
{
	char err[512];
	const char *name = json_object_get_string(name_value);

	if (!json_object_is_type(name_value, json_type_string) || !policy_name_valid(name)) {
		bad_input(out, "default.invalid_param", "parameter \"%s\" must name a stored policy",
			  field);
		return -1;
	}
	switch (policy_cache_get(ctx->policies, &s->kind->ops, name, &s->ref, err, sizeof(err))) {
	case POLICY_FOUND:
		s->compiled = s->ref.compiled;
		if (!out->policy_name[0]) {
			snprintf(out->policy_name, sizeof(out->policy_name), "%s:%s", s->kind->cli_name,
				 s->ref.name);
			out->policy_version = s->ref.version;
		}
		return 0;
	case POLICY_MISSING:
		failures_add(&out->failures, "default.missing_policy",
			     "no stored %s policy named \"%s\" (store one with `teev policy add "
			     "--kind %s %s FILE` or at /v2.5/%s/%s)",
			     s->kind->cli_name, name, s->kind->cli_name, name, s->kind->collection,
			     name);
		out->status = VERDICT_BAD_INPUT;
		return -1;
	case POLICY_BROKEN: {
		/* Stored before a check it now fails (teev's checks grew stricter);
		 * `teev serve` names it at start too. */
		char why[900];

		snprintf(why, sizeof(why),
			 "stored %s policy \"%s\" is invalid: %s (replace it: `teev policy replace "
			 "--kind %s %s FILE` or PUT /v2.5/%s/%s)",
			 s->kind->cli_name, name, err, s->kind->cli_name, name, s->kind->collection,
			 name);
		invalid_quote(out, "Quote validation failed: %s", why);
		return -1;
	}
	case POLICY_DB_ERROR:
		out->status = VERDICT_INTERNAL;
		return -1;
	}
	return -1;
}

/* Inline <field> or stored <field>_name, never both. *invalid_mb is set for
 * a measured-boot policy that is present but not JSON (§5 step 6). */
static int select_policy(const struct tpm_context *ctx, struct json_object *data,
			 const char *field, const char *cli_name, struct selected *s,
			 bool *invalid_mb, struct verdict *out)
{
	char name_field[64], err[512];
	struct json_object *value = NULL, *name = NULL;
	bool has_inline, has_name;

	memset(s, 0, sizeof(*s));
	s->kind = policy_kind_by_cli_name(cli_name);
	snprintf(name_field, sizeof(name_field), "%s_name", field);
	has_name = present(data, name_field, &name) && name;
	/* An mb_policy of "{}" (a string) is a policy that turns measured boot
	 * off; null, [], {}, false or 0 are no policy at all, for every kind, as
	 * upstream reads them (its "if mb_policy" never holds for them). */
	has_inline = truthy(data, field);
	if (has_inline && has_name) {
		char both[160];
		snprintf(both, sizeof(both), "\"%s\" and \"%s\"", field, name_field);
		bad_input(out, "default.ambiguous_policy",
			  "both %s were given: send an inline policy or the name of a stored one, not both",
			  both);
		return -1;
	}
	if (has_name)
		return select_stored(ctx, name, name_field, s, out);
	if (!has_inline)
		return 0;
	present(data, field, &value);
	if (strcmp(field, "tpm_policy") == 0) {
		enum tpm_policy_refusal why = TPM_POLICY_UPSTREAM_INVALID;

		s->owned = json_object_is_type(value, json_type_string)
				   ? tpm_policy_parse(json_object_get_string(value),
						      (size_t)json_object_get_string_len(value),
						      TPM_POLICY_INLINE, &why, err, sizeof(err))
				   : tpm_policy_from_json(value, TPM_POLICY_INLINE, &why, err,
							  sizeof(err));
		if (!s->owned && why == TPM_POLICY_UPSTREAM_INVALID) {
			/* Upstream fails these too, with its catch-all. */
			invalid_quote(out, "Quote validation failed: tpm_policy: %s", err);
			return -1;
		}
		if (!s->owned) {
			char why_text[600];
			snprintf(why_text, sizeof(why_text), "parameter \"tpm_policy\" is invalid: %s",
				 err);
			bad_input(out, "default.invalid_param", "%s", why_text);
			return -1;
		}
	} else if (strcmp(field, "runtime_policy") == 0) {
		/* Upstream answers 500 to these; bad input is 400 here. */
		if (!json_object_is_type(value, json_type_string)) {
			bad_input(out, "default.invalid_param",
				  "parameter \"%s\" must be a JSON string holding the runtime policy", field);
			return -1;
		}
		s->owned = runtime_policy_parse(json_object_get_string(value),
						(size_t)json_object_get_string_len(value),
						ctx->policy_ctx ? ctx->policy_ctx->dsse_keys : NULL, err,
						sizeof(err));
		if (!s->owned) {
			char why[600];
			snprintf(why, sizeof(why), "parameter \"runtime_policy\" is invalid: %s", err);
			bad_input(out, "default.invalid_param", "%s", why);
			return -1;
		}
	} else {
		if (value && json_object_is_type(value, json_type_string))
			s->owned = mb_policy_parse(json_object_get_string(value),
						   (size_t)json_object_get_string_len(value), err,
						   sizeof(err));
		else if (json_object_is_type(value, json_type_object))
			s->owned = mb_policy_from_json(value, err, sizeof(err));
		if (!s->owned)
			*invalid_mb = true; /* not fatal: reported at step 6 */
	}
	s->compiled = s->owned;
	return 0;
}

/* Python's repr() of a parsed JSON value, as upstream prints a refstate;
 * depth counts the arrays and objects around o. */
static void python_repr(struct json_object *o, int depth, char *out, size_t cap, // NOLINT(misc-no-recursion): depth <= REPR_MAX_DEPTH
			size_t *used)
{
#define PUT(...)                                                                   \
	do {                                                                           \
		int n_ = snprintf(out + *used, *used < cap ? cap - *used : 0, __VA_ARGS__); \
		if (n_ > 0)                                                            \
			*used += (size_t)n_;                                           \
	} while (0)
	if (depth > REPR_MAX_DEPTH) {
		PUT("...");
		return;
	}
	switch (json_object_get_type(o)) {
	case json_type_null:
		PUT("None");
		break;
	case json_type_boolean:
		PUT("%s", json_object_get_boolean(o) ? "True" : "False");
		break;
	case json_type_string:
		PUT("'%s'", json_object_get_string(o));
		break;
	case json_type_array:
		PUT("[");
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			if (i)
				PUT(", ");
			python_repr(json_object_array_get_idx(o, i), depth + 1, out, cap, used);
		}
		PUT("]");
		break;
	case json_type_object: {
		bool first = true;
		PUT("{");
		json_object_object_foreach(o, key, value)
		{
			PUT("%s'%s': ", first ? "" : ", ", key);
			python_repr(value, depth + 1, out, cap, used);
			first = false;
		}
		PUT("}");
		break;
	}
	default:
		PUT("%s", json_object_to_json_string(o));
	}
#undef PUT
}

/* §5 step 3 for one PCR: replayed (absent = 0) against quoted. */
static bool log_matches(const struct eventlog_bank *bank, const struct tpm_pcr_values *pcrs,
			unsigned pcr)
{
	static const uint8_t zero[64];
	const uint8_t *replayed = (bank->extended & (1u << pcr)) ? bank->pcr[pcr] : zero;

	return memcmp(replayed, pcrs->value[pcr], pcrs->digest_size) == 0;
}

/* Every PCR of `which` is quoted and the log replays to its quoted value. */
static bool log_proves(const struct eventlog_bank *bank, const struct tpm_pcr_values *pcrs,
		       uint32_t which)
{
	if ((pcrs->quoted & which) != which)
		return false;
	for (unsigned pcr = 0; pcr < TPM_PCR_COUNT; pcr++)
		if ((which & (1u << pcr)) && !log_matches(bank, pcrs, pcr))
			return false;
	return true;
}

/* measured_boot.missing_pcrs, upstream's shape: the PCRs as a list. */
static void mb_missing_pcrs(uint32_t missing, struct failures *f)
{
	struct json_object *context = json_object_new_object();
	struct json_object *list = json_object_new_array();

	for (unsigned pcr = 0; pcr < TPM_PCR_COUNT; pcr++)
		if (missing & (1u << pcr))
			json_object_array_add(list, json_object_new_int((int)pcr));
	json_object_object_add(context, "context", json_object_new_string("PCRs are missing in quote"));
	json_object_object_add(context, "data", list);
	failures_add_context(f, "measured_boot.missing_pcrs", context);
}

static struct json_object *mb_mismatch(const struct eventlog_bank *bank,
				       const struct tpm_pcr_values *pcrs, unsigned pcr)
{
	static const uint8_t zero[64];
	const uint8_t *replayed = (bank->extended & (1u << pcr)) ? bank->pcr[pcr] : zero;
	char got[129], expected[129];
	const char *trimmed = expected;
	struct json_object *context = json_object_new_object();

	bytes_to_hex(pcrs->value[pcr], pcrs->digest_size, got);
	bytes_to_hex(replayed, pcrs->digest_size, expected);
	/* Upstream compares integers, so its expected value has no leading zeros. */
	while (trimmed[0] == '0' && trimmed[1])
		trimmed++;
	json_object_object_add(context, "context",
			       json_object_new_string("SHA256 boot event log PCR value does not match"));
	json_object_object_add(context, "got", json_object_new_string(got));
	json_object_object_add(context, "expected", json_object_new_string(trimmed));
	return context;
}

struct evidence {
	struct selected tpm, runtime, mb;
	bool invalid_mb;
	uint8_t *log;
	size_t log_len;
	bool has_log;
	struct eventlog_replay *replay; /* NULL until parsed */
	struct tpm_pcr_values pcrs;
};

/* ima_measurement_list holds a list (a string that is not empty). */
static bool ima_list_given(struct json_object *data)
{
	struct json_object *list = NULL;

	return json_object_object_get_ex(data, "ima_measurement_list", &list) &&
	       json_object_is_type(list, json_type_string) && json_object_get_string_len(list) > 0;
}

/* Steps 1-7 of §5 over a verified quote. */
static void route_pcrs(const struct tpm_context *ctx, struct json_object *data,
		       struct evidence *ev, struct verdict *out)
{
	const struct tpm_pcr_values *pcrs = &ev->pcrs;
	const struct eventlog_bank *bank = NULL;
	uint32_t consumed = 0;
	bool log_parsed = false;
	char err[512];

	/* 1: the boot log. */
	if (ev->has_log) {
		ev->replay = calloc(1, sizeof(*ev->replay));
		if (!ev->replay) {
			out->status = VERDICT_INTERNAL;
			return;
		}
		if (eventlog_replay(ev->log, ev->log_len, ev->replay, err, sizeof(err)))
			failures_add(&out->failures, "measured_boot.parser.tpm2_eventlog.error",
				     "the UEFI event log does not parse: %s", err);
		else
			log_parsed = true;
		if (log_parsed)
			bank = eventlog_bank(ev->replay, pcrs->bank);
	}

	/* 2: PCR 10 and the IMA list. */
	if (pcrs->quoted & (1u << IMA_PCR)) {
		struct json_object *list = NULL;
		bool null_list = json_object_object_get_ex(data, "ima_measurement_list", &list) &&
				 list == NULL;
		consumed |= 1u << IMA_PCR;
		if (null_list) {
			failures_add(&out->failures, "pcr_validation.unused_pcr_10",
				     "IMA PCR in policy, but no measurement list provided");
		} else {
			uint8_t aggregates[2][64];
			size_t n_aggregates = 0;
			/* The log's aggregates stand beside the policy's only when the
			 * log is proven: it replays to the quoted PCRs 0-9. Otherwise
			 * any real log would bypass a pinned boot_aggregate. */
			if (bank && log_proves(bank, pcrs, BOOT_AGGREGATE_PCRS)) {
				bool has8, has10;
				eventlog_boot_aggregates(bank, aggregates[0], &has8, aggregates[1], &has10);
				if (has8 && has10)
					n_aggregates = 2;
				else if (has8 || has10) {
					if (!has8)
						memcpy(aggregates[0], aggregates[1], 64);
					n_aggregates = 1;
				}
			}
			/* Only a string is a list here: [] means none (see tpm_evidence_verify). */
			bool text = list && json_object_is_type(list, json_type_string);
			struct ima_input in = {
				.list = text ? json_object_get_string(list) : "",
				.list_len = text ? (size_t)json_object_get_string_len(list) : 0,
				.bank = pcrs->bank,
				.pcr10 = pcrs->value[IMA_PCR],
				.pcr10_len = pcrs->digest_size,
				.policy = ev->runtime.compiled,
				.extra_boot_aggregates = (const uint8_t(*)[64])aggregates,
				.n_extra_boot_aggregates = n_aggregates,
				.extra_boot_aggregate_len = pcrs->digest_size,
				.ignore_tomtou = ctx->ignore_tomtou,
			};
			if (ima_verify(&in, &out->failures) < 0) {
				out->status = VERDICT_INTERNAL;
				return;
			}
		}
	} else if (ev->runtime.compiled && ima_list_given(data)) {
		/* Upstream skips the list silently: a pass on an unauthenticated
		 * list when the caller asked for IMA appraisal. */
		failures_add(&out->failures, "ima.missing_pcr_10",
			     "IMA measurement list and runtime policy given, but PCR %d is not in the "
			     "quote: the list cannot be checked against it",
			     IMA_PCR);
	}

	/* 3: boot PCRs against the log, when a (non-empty) MB policy asks. */
	const struct mb_policy *mb = ev->mb.compiled;
	bool mb_active = mb && !mb_policy_is_empty(mb) && (!ev->has_log || log_parsed);
	if (mb_active) {
		uint32_t relevant = ctx->mb_engine == MB_ENGINE_EXAMPLE ? MB_EXAMPLE_PCRS : MB_PCRS;
		struct failures later;

		failures_init(&later);
		if (ev->has_log && !bank) {
			struct json_object *context = json_object_new_object();
			json_object_object_add(context, "got", NULL);
			failures_add_context(&later, "measured_boot.parser.invalid_pcrs_hashes", context);
		}
		for (unsigned pcr = 0; pcr < TPM_PCR_COUNT; pcr++) {
			if (!((pcrs->quoted & relevant) & (1u << pcr)))
				continue;
			if (!ev->has_log) {
				char type[64];
				snprintf(type, sizeof(type), "pcr_validation.unused_pcr_%u", pcr);
				failures_add(&out->failures, type,
					     "Measured Boot PCR %u in policy, but no measurement list provided",
					     pcr);
				continue; /* falls to step 4 */
			}
			consumed |= 1u << pcr;
			if (ev->tpm.compiled)
				tpm_policy_check_pcrs(ev->tpm.compiled, pcrs, 1u << pcr, &out->failures);
			if (bank && !log_matches(bank, pcrs, pcr)) {
				char type[64];
				snprintf(type, sizeof(type), "measured_boot.invalid_pcr_%u", pcr);
				failures_add_context(&later, type, mb_mismatch(bank, pcrs, pcr));
			}
		}
		/* Upstream emits the measured-boot failures after the loop's. */
		for (size_t i = 0; i < later.count; i++)
			failures_add_context(&out->failures, later.items[i].type,
					     json_object_get(later.items[i].extra));
		failures_clear(&later);
	}

	/* 4 and 5: the PCR policy. */
	if (ev->tpm.compiled) {
		tpm_policy_check_pcrs(ev->tpm.compiled, pcrs, ~consumed, &out->failures);
		tpm_policy_check_missing(ev->tpm.compiled, pcrs, &out->failures);
	}

	/* 6: an MB policy that is not JSON. */
	if (ev->invalid_mb)
		failures_add(&out->failures, "pcr_validation.invalid_mb_policy",
			     "Invalid measured boot policy");

	/* 7: a measured-boot policy judges boot PCRs the quote must hold (else
	 * a quote over PCR 16 alone passed it), then the engine, when
	 * configured to run in one-shot (upstream skips it when PCRs lack). */
	uint32_t mb_missing = 0;
	if (mb_active) {
		uint32_t required = ctx->mb_engine == MB_ENGINE_EXAMPLE ? MB_EXAMPLE_PCRS
									: MB_REQUIRED_PCRS;
		mb_missing = required & ~pcrs->quoted;
		if (mb_missing)
			mb_missing_pcrs(mb_missing, &out->failures);
	}
	if (mb_active && !mb_missing && ctx->mb_evaluate_always &&
	    ctx->mb_engine == MB_ENGINE_REJECT_ALL) {
		char refstate[2048];
		size_t used = 0;
		struct json_object *context = json_object_new_object();

		python_repr((struct json_object *)mb_policy_document(mb), 0, refstate,
			    sizeof(refstate), &used);
		json_object_object_add(context, "context",
				       json_object_new_string("Boot attestation failed"));
		json_object_object_add(context, "policy", json_object_new_string("reject-all"));
		json_object_object_add(context, "refstate", json_object_new_string(refstate));
		json_object_object_add(context, "reason", json_object_new_string("reject all"));
		failures_add_context(&out->failures, "measured_boot.policy_reject-all", context);
	}
}

/* The boot log: strict base64 (a bad one is upstream's invalid_quote). */
static int decode_log(struct json_object *data, struct evidence *ev, struct verdict *out)
{
	struct json_object *value;
	size_t cap;

	if (!present(data, "mb_log", &value) || !value)
		return 0;
	if (!json_object_is_type(value, json_type_string)) {
		bad_input(out, "default.invalid_param", "parameter \"%s\" must be a base64 string",
			  "mb_log");
		return -1;
	}
	cap = b64_decoded_max((size_t)json_object_get_string_len(value));
	ev->log = malloc(cap ? cap : 1);
	if (!ev->log) {
		out->status = VERDICT_INTERNAL;
		return -1;
	}
	if (b64_decode(B64_STD, json_object_get_string(value), (size_t)json_object_get_string_len(value),
		       ev->log, cap, &ev->log_len)) {
		invalid_quote(out, "Quote validation failed: %s", "mb_log is not valid standard base64");
		return -1;
	}
	ev->has_log = true;
	return 0;
}

void tpm_evidence_verify(const struct tpm_context *ctx, struct json_object *data,
			 struct verdict *out)
{
	struct evidence *ev = NULL;
	struct json_object *value;

	if (!json_object_is_type(data, json_type_object)) {
		bad_input(out, "default.invalid_param", "parameter \"%s\" must be a JSON object", "data");
		return;
	}
	if (check_required(data, out))
		return;
	if (!truthy(data, "tpm_policy") && !truthy(data, "runtime_policy") &&
	    !truthy(data, "mb_policy") && !(present(data, "tpm_policy_name", &value) && value) &&
	    !(present(data, "runtime_policy_name", &value) && value) &&
	    !(present(data, "mb_policy_name", &value) && value)) {
		/* Upstream's sentence, then teev's by-name extensions. */
		bad_input(out, "default.missing_policy", "%s",
			  "at least one policy (tpm_policy, runtime_policy, or mb_policy) must be provided; "
			  "teev also takes a stored policy by name: tpm_policy_name, "
			  "runtime_policy_name or mb_policy_name");
		return;
	}
	ev = calloc(1, sizeof(*ev));
	if (!ev) {
		out->status = VERDICT_INTERNAL;
		return;
	}
	if (select_policy(ctx, data, "tpm_policy", "tpm", &ev->tpm, &ev->invalid_mb, out) ||
	    select_policy(ctx, data, "runtime_policy", "runtime", &ev->runtime, &ev->invalid_mb, out) ||
	    select_policy(ctx, data, "mb_policy", "mb", &ev->mb, &ev->invalid_mb, out))
		goto out;
	/* keylime_oneshot_attestation sends [] when the machine has no IMA
	 * list (its default value); upstream's verifier then fails the quote.
	 * An empty JSON list is "no list", as an absent member is. */
	if (present(data, "ima_measurement_list", &value) && value &&
	    !json_object_is_type(value, json_type_string) &&
	    !(json_object_is_type(value, json_type_array) && json_object_array_length(value) == 0)) {
		invalid_quote(out, "Quote validation failed: %s", "ima_measurement_list must be a string");
		goto out;
	}
	if (decode_log(data, ev, out))
		goto out;

	struct tpm_quote_input in = {
		.quote = text_of(data, "quote"),
		.quote_len = length_of(data, "quote"),
		.nonce = text_of(data, "nonce"),
		.nonce_len = length_of(data, "nonce"),
		.hash_alg = text_of(data, "hash_alg"),
		.ak_b64 = text_of(data, "tpm_ak"),
		.ak_len = length_of(data, "tpm_ak"),
	};
	if (tpm_quote_verify(&in, &ev->pcrs, &out->failures)) {
		out->status = VERDICT_FAIL;
		goto out;
	}
	route_pcrs(ctx, data, ev, out);
	if (out->status == VERDICT_INTERNAL)
		goto out;
	out->status = out->failures.count ? VERDICT_FAIL : VERDICT_PASS;
	if (out->status == VERDICT_PASS)
		out->claims = json_object_get(data); /* upstream echoes the request's data */
out:
	selected_release(ctx, &ev->tpm);
	selected_release(ctx, &ev->runtime);
	selected_release(ctx, &ev->mb);
	free(ev->replay);
	free(ev->log);
	free(ev);
}
