/* test_tpm_golden.c - upstream Keylime's recorded answers for TPM evidence
 * (../shared/testdata/keylime/golden/tpm-cases.json), replayed through the
 * real server. For each case in scope: the HTTP status, "valid", the ordered
 * list of failure ids, the exact context of every pcr_validation.* failure,
 * and, on success, claims equal to the request's data. Where teev answers
 * differently on purpose, the deviation table below says what it answers
 * instead and why (the README's compatibility table lists the same). */
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
	struct teev_server server;
	struct client_identity client;
	char golden_dir[512];
	struct json_object *cases;
};

struct deviation {
	const char *name;
	long status;       /* 0: upstream's status */
	const char *types; /* comma-separated failure ids teev gives; NULL: see prepend */
	const char *why;
	const char *prepend; /* failure ids teev adds before upstream's own */
	const char *append;  /* ... and after them */
	const char *engine;  /* only under this measured_boot_policy_name (NULL: any) */
};

static const struct deviation deviations[] = {
	{"UPSTREAM_BUG_bad_signature_with_pcr_policy", 200, "qoute_validation.quote_validation",
	 "a quote whose signature does not verify always fails (upstream went on with no PCRs)", NULL,
	 NULL, NULL},
	/* Its PCR policy pins PCR 10, refused before the quote is read; the
	 * relabelled selection itself is refused by test_tpm_quote and
	 * test_swtpm (test_relabelled_pcr_selection). */
	{"UPSTREAM_WEAKNESS_pcrblob_selection_not_checked", 400, "default.invalid_param",
	 "a PCR policy may not pin PCR 10 (the IMA list's)", NULL, NULL, NULL},
	{"ima_ok_with_tpm_policy_on_pcr10_ignored", 400, "default.invalid_param",
	 "a PCR policy may not pin PCR 10: upstream never checks it in one-shot", NULL, NULL, NULL},
	{"UPSTREAM_BUG_bad_signature_runtime_policy_only", 200, "qoute_validation.quote_validation",
	 "a quote whose signature does not verify always fails (upstream passed it)", NULL, NULL, NULL},
	{"data_number", 400, "default.invalid_param", "bad input is 400, not 500", NULL, NULL, NULL},
	{"runtime_policy_invalid_json", 400, "default.invalid_param", "bad input is 400, not 500", NULL,
	 NULL, NULL},
	{"runtime_policy_as_object_not_string", 400, "default.invalid_param",
	 "bad input is 400, not 500", NULL, NULL, NULL},
	/* uefi-eventlogs/binary_bios_measurements starts at locality 3
	 * (StartupLocality event). Upstream's recorded PCR 0 comes from
	 * tpm2-tools 5.4, which ignored that event and extended its zero digest
	 * (fixed in 5.5); the quotes were built from those values. teev replays
	 * per the TCG PC Client profile, as a real TPM's PCR 0 would read. */
	{"mb_ok_nonempty_policy_accept_all", 0, NULL, "StartupLocality", "measured_boot.invalid_pcr_0",
	 NULL, NULL},
	{"mb_nonempty_policy_ok", 0, NULL, "StartupLocality", "measured_boot.invalid_pcr_0", NULL,
	 NULL},
	{"mb_example_refstate_policy", 0, NULL, "StartupLocality", "measured_boot.invalid_pcr_0", NULL,
	 NULL},
	/* The example engine judges PCRs 0-9 and 14, which this quote lacks:
	 * teev says so whenever that policy is in force; upstream only when it
	 * evaluates the engine (measured_boot_evaluate = always, which gives
	 * the same measured_boot.missing_pcrs). */
	{"mb_quote_lacks_pcr8_9_14", 0, NULL, "StartupLocality; the example engine's PCRs",
	 "measured_boot.invalid_pcr_0", "measured_boot.missing_pcrs", "example"},
	{"mb_quote_lacks_pcr8_9_14", 0, NULL, "StartupLocality", "measured_boot.invalid_pcr_0", NULL,
	 NULL},
	{"body_not_json", 400, "default.invalid_request",
	 "upstream's harness artefact; teev answers 400 with the parser's message", NULL, NULL, NULL},
	/* Upstream skips the list silently when PCR 10 is not quoted. */
	{"ima_runtime_policy_without_pcr10_in_quote", 200, "ima.missing_pcr_10",
	 "a runtime policy and an IMA list the quote cannot vouch for fail, not pass", NULL, NULL, NULL},
	/* Issue 12, item 10: upstream's top-level errors have empty results,
	 * which a strict client (Trustee's KBS) cannot parse; teev keeps the
	 * status and its text, and answers results in the shape of every
	 * other answer of the route. */
	{"missing_type", 0, "default.missing_param", "results {valid, claims, failures}", NULL, NULL,
	 NULL},
	{"empty_type", 0, "default.missing_param", "results {valid, claims, failures}", NULL, NULL,
	 NULL},
	{"invalid_type", 0, "default.invalid_param", "results {valid, claims, failures}", NULL, NULL,
	 NULL},
	{"missing_data", 0, "default.missing_param", "results {valid, claims, failures}", NULL, NULL,
	 NULL},
};

/* Deviations whose "status" text is still upstream's, word for word. */
static const char *const same_status_text[] = {"missing_type", "empty_type", "invalid_type",
					       "missing_data"};

static bool keeps_status_text(const char *name)
{
	for (size_t i = 0; i < sizeof(same_status_text) / sizeof(same_status_text[0]); i++)
		if (strcmp(same_status_text[i], name) == 0)
			return true;
	return false;
}

/* The deviation for a case under config (NULL: the default configuration). */
static const struct deviation *find_deviation(const char *name, struct json_object *config)
{
	const char *engine = json_object_get_string(
		json_object_object_get(config, "measured_boot_policy_name"));

	for (size_t i = 0; i < sizeof(deviations) / sizeof(deviations[0]); i++)
		if (strcmp(deviations[i].name, name) == 0 &&
		    (!deviations[i].engine || (engine && strcmp(deviations[i].engine, engine) == 0)))
			return &deviations[i];
	return NULL;
}

/* Replaces "@base64file:PATH" strings (relative to the golden folder) with
 * the base64 of that file, everywhere in the document. */
static void resolve_placeholders(struct json_object *o, const char *dir)
{
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, value)
		{
			if (json_object_is_type(value, json_type_string) &&
			    strncmp(json_object_get_string(value), "@base64file:", 12) == 0) {
				char path[1024];
				size_t len = 0;
				/* PATH is relative to testdata/keylime/, the golden folder's parent. */
				snprintf(path, sizeof(path), "%s/../%s", dir, json_object_get_string(value) + 12);
				unsigned char *raw = (unsigned char *)harness_read_file(path, &len);
				assert_non_null(raw);
				char *b64 = malloc(4 * ((len + 2) / 3) + 1);
				EVP_EncodeBlock((unsigned char *)b64, raw, (int)len);
				json_object_object_add(o, key, json_object_new_string(b64));
				free(b64);
				free(raw);
			} else {
				resolve_placeholders(value, dir);
			}
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			resolve_placeholders(json_object_array_get_idx(o, i), dir);
	}
}

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char path[600];

	if (!s)
		return -1;
	*state = s;
	snprintf(s->golden_dir, sizeof(s->golden_dir), "%s/testdata/keylime/golden",
		 harness_env("SHARED_DIR", "../shared"));
	snprintf(path, sizeof(path), "%s/tpm-cases.json", s->golden_dir);
	s->cases = json_object_from_file(path);
	if (!s->cases || harness_start(&s->server, NULL))
		return -1;
	harness_identity(s->server.ca_dir, "client", &s->client);
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int rc;

	if (!s)
		return -1;
	rc = harness_stop(&s->server);
	json_object_put(s->cases);
	free(s);
	return rc == 0 ? 0 : -1;
}

static struct json_object *results_of(struct json_object *envelope, const char *key)
{
	struct json_object *results = NULL, *value = NULL;

	if (json_object_object_get_ex(envelope, "results", &results))
		json_object_object_get_ex(results, key, &value);
	return value;
}

/* pcr_validation contexts are deterministic: they must match upstream's. */
static void compare_pcr_contexts(const char *name, struct json_object *want, struct json_object *got)
{
	struct json_object *want_failures = results_of(want, "failures");
	struct json_object *got_failures = results_of(got, "failures");

	if (!json_object_is_type(want_failures, json_type_array) ||
	    !json_object_is_type(got_failures, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(want_failures); i++) {
		struct json_object *w = json_object_array_get_idx(want_failures, i);
		struct json_object *g = json_object_array_get_idx(got_failures, i);
		const char *type = json_object_get_string(json_object_object_get(w, "type"));
		if (strncmp(type, "pcr_validation.", 15) != 0)
			continue;
		if (!json_object_equal(json_object_object_get(w, "context"),
				       json_object_object_get(g, "context")))
			fail_msg("%s: context of %s differs: want %s got %s", name, type,
				 json_object_to_json_string(json_object_object_get(w, "context")),
				 json_object_to_json_string(json_object_object_get(g, "context")));
	}
}

/* Runs every case of `cases` (those whose "config" equals `config`, when
 * given) against `server`; fails listing every case that differs. */
static void run_cases(struct teev_server *server, const struct client_identity *client,
		      const char *golden_dir, struct json_object *cases, struct json_object *config,
		      size_t *ran_out, size_t *deviated_out)
{
	size_t ran = 0, deviated = 0, wrong = 0;

	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i);
		const char *name = json_object_get_string(json_object_object_get(c, "name"));
		struct json_object *request = json_object_object_get(c, "request");
		struct json_object *want = json_object_object_get(c, "response");
		const struct deviation *d = find_deviation(name, json_object_object_get(c, "config"));
		char want_types[1024], got_types[1024];
		long want_status;
		const char *body;
		struct http_result r;

		if (config && !json_object_equal(config, json_object_object_get(c, "config")))
			continue;
		ran++;
		resolve_placeholders(request, golden_dir);
		body = json_object_is_type(request, json_type_string)
			       ? json_object_get_string(request)
			       : json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
		assert_int_equal(harness_request(server, client, "POST", "/v2.5/verify/evidence", body,
						 strlen(body), &r), 0);
		harness_failure_types(r.json, got_types, sizeof(got_types));
		if (d && d->prepend) {
			/* Upstream's answer with teev's extra failures first. */
			char upstream[900];
			deviated++;
			want_status = json_object_get_int(json_object_object_get(c, "http_status"));
			harness_failure_types(want, upstream, sizeof(upstream));
			snprintf(want_types, sizeof(want_types), "%s%s%s%s%s", d->prepend,
				 upstream[0] ? "," : "", upstream, d->append ? "," : "",
				 d->append ? d->append : "");
		} else if (d) {
			deviated++;
			want_status = d->status ? d->status
						: json_object_get_int(json_object_object_get(c, "http_status"));
			snprintf(want_types, sizeof(want_types), "%s", d->types);
		} else {
			want_status = json_object_get_int(json_object_object_get(c, "http_status"));
			harness_failure_types(want, want_types, sizeof(want_types));
		}
		if (r.status != want_status || strcmp(got_types, want_types) != 0) {
			/* Report every differing case, then fail once. */
			print_message("MISMATCH %s: expected %ld [%s], got %ld %.600s\n", name,
				      want_status, want_types, r.status, r.body ? r.body : r.error);
			wrong++;
			http_result_free(&r);
			continue;
		}
		if (!d) {
			struct json_object *want_valid = results_of(want, "valid");
			struct json_object *got_valid = results_of(r.json, "valid");
			if (want_valid && json_object_get_boolean(want_valid) != json_object_get_boolean(got_valid))
				fail_msg("%s: valid differs", name);
			compare_pcr_contexts(name, want, r.json);
			/* "@request.data": the claims are the request's data, echoed. */
			struct json_object *claims = results_of(want, "claims");
			if (claims && json_object_is_type(claims, json_type_string) &&
			    strcmp(json_object_get_string(claims), "@request.data") == 0 &&
			    !json_object_equal(results_of(r.json, "claims"),
					       json_object_object_get(request, "data")))
				fail_msg("%s: claims are not the request's data", name);
		} else if (keeps_status_text(name)) {
			const char *want_text = json_object_get_string(json_object_object_get(want, "status"));
			const char *got_text = json_object_get_string(json_object_object_get(r.json, "status"));
			if (!want_text || !got_text || strcmp(want_text, got_text) != 0)
				fail_msg("%s: status text differs: want %s got %s", name, want_text, got_text);
		} else if (strncmp(name, "UPSTREAM_BUG_bad_signature", 26) == 0) {
			/* The forged signature must be reported with a reason. */
			assert_non_null(strstr(r.body, "\"error\":\""));
			assert_null(strstr(r.body, "\"error\":\"\""));
		}
		http_result_free(&r);
	}
	assert_int_equal(wrong, 0);
	*ran_out += ran;
	*deviated_out += deviated;
}

static void test_recorded_cases(void **state)
{
	struct suite *s = *state;
	size_t ran = 0, deviated = 0;

	run_cases(&s->server, &s->client, s->golden_dir, s->cases, NULL, &ran, &deviated);
	/* Every recorded case ran: 59, of which 16 answer differently on purpose
	 * (mb_quote_lacks_pcr8_9_14 occurs in the config variants only; 4 are
	 * top-level errors whose results teev fills in, issue 12). */
	assert_int_equal(ran, json_object_array_length(s->cases));
	assert_int_equal(ran, 59);
	assert_int_equal(deviated, 16);
}

/* The configuration lines for a variant's "config", or NULL when teev does
 * not support it (README: the "example" engine's refstate checks). */
static bool variant_config(struct json_object *config, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	json_object_object_foreach(config, key, value)
	{
		const char *text = json_object_is_type(value, json_type_boolean)
					   ? (json_object_get_boolean(value) ? "true" : "false")
					   : json_object_get_string(value);
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s = %s\n", key, text);
	}
	return !(strstr(out, "measured_boot_policy_name = example") &&
		 strstr(out, "measured_boot_evaluate = always"));
}

static void test_config_variants(void **state)
{
	struct suite *s = *state;
	char path[700], lines[512];
	struct json_object *variants, *configs = json_object_new_array();
	size_t ran = 0, deviated = 0, unsupported = 0;

	snprintf(path, sizeof(path), "%s/tpm-cases-config-variants.json", s->golden_dir);
	variants = json_object_from_file(path);
	assert_non_null(variants);
	/* The distinct configurations, in file order. */
	for (size_t i = 0; i < json_object_array_length(variants); i++) {
		struct json_object *config = json_object_object_get(json_object_array_get_idx(variants, i), "config");
		bool seen = false;
		for (size_t j = 0; j < json_object_array_length(configs); j++)
			seen = seen || json_object_equal(config, json_object_array_get_idx(configs, j));
		if (!seen)
			json_object_array_add(configs, json_object_get(config));
	}
	for (size_t j = 0; j < json_object_array_length(configs); j++) {
		struct json_object *config = json_object_array_get_idx(configs, j);
		struct teev_server server;
		struct client_identity client;

		if (!variant_config(config, lines, sizeof(lines))) {
			for (size_t i = 0; i < json_object_array_length(variants); i++)
				unsupported += json_object_equal(config, json_object_object_get(
									 json_object_array_get_idx(variants, i), "config"));
			continue;
		}
		assert_int_equal(harness_start(&server, lines), 0);
		harness_identity(server.ca_dir, "client", &client);
		run_cases(&server, &client, s->golden_dir, variants, config, &ran, &deviated);
		assert_int_equal(harness_stop(&server), 0);
	}
	/* 26 recorded variants: 20 in configurations teev supports, 6 with the
	 * example engine evaluated "always", which teev refuses to start with. */
	assert_int_equal(ran + unsupported, json_object_array_length(variants));
	assert_int_equal(unsupported, 6);
	/* Of the 20 run, 9 are the StartupLocality deviation (3 cases x 3
	 * configurations); the README states the same numbers. */
	assert_int_equal(ran, 20);
	assert_int_equal(deviated, 9);
	json_object_put(configs);
	json_object_put(variants);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_cases),
		cmocka_unit_test(test_config_variants),
	};
	return cmocka_run_group_tests_name("integration: Keylime's recorded TPM answers", tests,
					   suite_setup, suite_teardown);
}
