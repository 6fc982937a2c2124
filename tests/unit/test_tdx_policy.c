/* test_tdx_policy.c - unit tests for policy/tdx_policy.c.
 *
 * Parsing: the strictness rules, each with the offending field named.
 * Evaluation: one test per field, passing and failing, on the real quotes of
 * $SHARED_DIR/testdata/tdx verified at their fixed times:
 * a-trustee-uptodate (UpToDate, a debug TD, evaluation number 15) and
 * b-automata-outofdate (OutOfDate with INTEL-SA-00960/00982/00986, module
 * TDX_01, evaluation number 17).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/tdx_policy.h"
#include "tests/support/test_cleanup.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/tdx_verify.h"

static void free_failures(void *p)
{
	failures_clear(p);
	free(p);
}

static struct failures *new_failures(void)
{
	struct failures *f = malloc(sizeof(*f));

	assert_non_null(f);
	failures_init(f);
	return defer(free_failures, f);
}

static void free_policy(void *p)
{
	tdx_policy_free(p);
}

static struct tdx_policy *parse_ok(const char *text)
{
	char err[512] = "";
	struct tdx_policy *p = tdx_policy_parse(text, strlen(text), err, sizeof(err));

	if (!p)
		fail_msg("refused %s: %s", text, err);
	return defer(free_policy, p);
}

static void expect_refused(const char *text, const char *reason)
{
	char err[512] = "";
	struct tdx_policy *p = tdx_policy_parse(text, strlen(text), err, sizeof(err));

	if (p) {
		tdx_policy_free(p);
		fail_msg("accepted %s", text);
	}
	if (!strstr(err, reason))
		fail_msg("%s: \"%s\" lacks \"%s\"", text, err, reason);
}

/* ---- parsing ---- */

static void test_parse_minimal_and_full(void **state)
{
	(void)state;
	parse_ok("{\"allow_any_mr_td\": true}");
	parse_ok("{\"description\": \"prod TDs\", \"tcb_statuses\": [\"UpToDate\", \"SWHardeningNeeded\", "
		 "\"ConfigurationNeeded\", \"ConfigurationAndSWHardeningNeeded\", \"OutOfDate\", "
		 "\"OutOfDateConfigurationNeeded\", \"TDRelaunchAdvised\", "
		 "\"TDRelaunchAdvisedConfigurationNeeded\"], \"min_tcb_eval_num\": 17, "
		 "\"refused_advisory_ids\": [\"INTEL-SA-00837\"], "
		 "\"mr_td\": [\"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"], "
		 "\"rtmr_0\": [\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"], "
		 "\"allow_debug\": false, \"td_attributes\": [\"0000001000000000\"], "
		 "\"xfam\": [\"e742060000000000\"], \"min_tee_tcb_svn\": \"03000500000000000000000000000000\"}");
}

static void test_parse_refusals(void **state)
{
	static const struct {
		const char *text, *reason;
	} cases[] = {
		{"{\"allow_any_mr_td\": true, \"mr_tdd\": []}", "unknown field \"mr_tdd\""},
		{"{\"allow_any_mr_td\": true, \"allow_debug\": false, \"allow_debug\": true}",
		 "duplicate key"},
		{"{\"allow_any_mr_td\": true, \"allow_debu\\u0067\": false, \"allow_debug\": true}",
		 "duplicate key"},
		{"{}", "field \"mr_td\" is required"},
		{"{\"allow_any_mr_td\": false}", "field \"mr_td\" is required"},
		{"{\"allow_any_mr_td\": true, \"mr_td\": [\"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"]}",
		 "ambiguous"},
		{"{\"allow_any_mr_td\": 1}", "field \"allow_any_mr_td\": expected true or false, got 1"},
		{"{\"allow_any_mr_td\": true, \"tcb_statuses\": []}", "field \"tcb_statuses\": an empty list"},
		{"{\"allow_any_mr_td\": true, \"tcb_statuses\": [\"Revoked\"]}",
		 "field \"tcb_statuses[0]\": a Revoked TCB is never acceptable"},
		{"{\"allow_any_mr_td\": true, \"tcb_statuses\": [\"UpToDate\", \"uptodate\"]}",
		 "field \"tcb_statuses[1]\": expected a TCB status"},
		{"{\"allow_any_mr_td\": true, \"min_tcb_eval_num\": -1}", "field \"min_tcb_eval_num\""},
		{"{\"allow_any_mr_td\": true, \"min_tcb_eval_num\": 4294967296}", "field \"min_tcb_eval_num\""},
		{"{\"allow_any_mr_td\": true, \"min_tcb_eval_num\": 17.0}", "field \"min_tcb_eval_num\""},
		{"{\"allow_any_mr_td\": true, \"refused_advisory_ids\": [\"INTEL SA\"]}",
		 "field \"refused_advisory_ids[0]\": expected an advisory id"},
		{"{\"allow_any_mr_td\": true, \"refused_advisory_ids\": [\"\"]}",
		 "field \"refused_advisory_ids[0]\""},
		{"{\"mr_td\": [\"00\"]}", "field \"mr_td[0]\": expected 96 hex digits, got 2 characters"},
		{"{\"allow_any_mr_td\": true, \"rtmr_2\": [\"zz0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\"]}",
		 "field \"rtmr_2[0]\": expected 96 hex digits, found a non-hex character at position 0"},
		{"{\"allow_any_mr_td\": true, \"xfam\": \"e742060000000000\"}",
		 "field \"xfam\": expected an array"},
		{"{\"allow_any_mr_td\": true, \"td_attributes\": [7]}",
		 "field \"td_attributes[0]\": expected 16 hex digits, got 7"},
		{"{\"allow_any_mr_td\": true, \"min_tee_tcb_svn\": \"0300\"}",
		 "field \"min_tee_tcb_svn\": expected 32 hex digits, got 4 characters"},
		{"{\"allow_any_mr_td\": true, \"description\": 5}", "field \"description\": expected a string"},
		{"[]", "the policy must be a JSON object"},
		{"", "the policy must be a JSON object"},
		{"{\"allow_any_mr_td\": true} {}", "trailing data"},
		{"{\"allow_any_mr_td\": true,}", "expected a key"},
		{"{\"a\\u0000\": 1}", "\\u0000"},
		{"{\"allow_any_mr_td\": true, \"description\": \"\xff\"}", "not UTF-8"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refused(cases[i].text, cases[i].reason);
}

static void test_parse_limits(void **state)
{
	char err[256];
	size_t big = TDX_POLICY_MAX_SIZE + 1;
	char *text = malloc(big);
	char deep[64];
	size_t n = 0;

	(void)state;
	assert_non_null(text);
	memset(text, ' ', big);
	text[0] = '{';
	assert_null(tdx_policy_parse(text, big, err, sizeof(err)));
	assert_non_null(strstr(err, "more than the limit"));
	free(text);
	/* A NUL inside the document. */
	assert_null(tdx_policy_parse("{\"allow_any_mr_td\": true}\0x", 27, err, sizeof(err)));
	/* Nesting beyond 16. */
	n += (size_t)snprintf(deep, sizeof(deep), "{\"description\":");
	for (int i = 0; i < 17; i++)
		deep[n++] = '[';
	for (int i = 0; i < 17; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	assert_null(tdx_policy_parse(deep, n, err, sizeof(err)));
	assert_non_null(strstr(err, "nested too deeply"));
}

/* ---- evaluation on real quotes ---- */

struct vector_result {
	const char *vector, *at;
	struct tdx_result *r;
};

static struct vector_result trustee = {"a-trustee-uptodate", "2023-07-01T01:00:00Z", NULL};
static struct vector_result automata = {"b-automata-outofdate", "2025-07-15T00:00:00Z", NULL};

/* The verified result of a real vector (computed once per process). */
static const struct tdx_result *result_of(struct vector_result *v)
{
	struct tdx_verifier verifier;
	struct tdx_collateral_source src;
	struct failures f;
	char dir[1024], path[1100], err[512];
	size_t len = 0;
	uint8_t *quote;
	time_t at = 0;

	if (v->r)
		return v->r;
	snprintf(dir, sizeof(dir), "%s/testdata/tdx/%s", shared_dir(), v->vector);
	snprintf(path, sizeof(path), "%s/quote.dat", dir);
	quote = bytes_read_file(path, TDX_QUOTE_MAX_SIZE, &len, err, sizeof(err));
	if (!quote)
		fail_msg("%s (set SHARED_DIR)", err);
	assert_int_equal(tdx_verifier_init(&verifier, NULL, err, sizeof(err)), 0);
	assert_int_equal(tdx_parse_time(v->at, strlen(v->at), &at), 0);
	tdx_collateral_source_dir(&src, dir);
	v->r = calloc(1, sizeof(*v->r));
	assert_non_null(v->r);
	failures_init(&f);
	struct tdx_evidence e = {.quote = quote, .quote_len = len};
	assert_int_equal(tdx_verify(&verifier, &e, &src, at, v->r, &f), VERDICT_PASS);
	failures_clear(&f);
	tdx_verifier_free(&verifier);
	free(quote);
	assert_true(v->r->tcb_evaluated);
	return v->r;
}

/* Evaluates base + extra (extra is ", \"field\": ..." or ""). */
static struct failures *evaluate(struct vector_result *v, const char *base, const char *extra)
{
	char text[4096];
	struct failures *f = new_failures();
	size_t broken;

	snprintf(text, sizeof(text), "{%s%s}", base, extra);
	broken = tdx_policy_evaluate(parse_ok(text), result_of(v), f);
	assert_int_equal(broken, f->count);
	return f;
}

static const char *const debug_ok = "\"allow_any_mr_td\": true, \"allow_debug\": true";
static const char *const any_td = "\"allow_any_mr_td\": true";
static const char *const automata_ok =
	"\"allow_any_mr_td\": true, \"tcb_statuses\": [\"UpToDate\", \"OutOfDate\"]";

static void expect_pass(struct vector_result *v, const char *base, const char *extra)
{
	struct failures *f = evaluate(v, base, extra);

	if (f->count)
		fail_msg("%s%s: unexpected %s: %s", base, extra, f->items[0].type, f->items[0].message);
}

static void expect_fail(struct vector_result *v, const char *base, const char *extra,
			const char *type, const char *text)
{
	struct failures *f = evaluate(v, base, extra);

	if (f->count != 1 || strcmp(f->items[0].type, type) != 0)
		fail_msg("%s%s: expected one %s, got %zu failures (%s)", base, extra, type, f->count,
			 f->count ? f->items[0].type : "none");
	if (text && !strstr(f->items[0].message, text))
		fail_msg("message \"%s\" lacks \"%s\"", f->items[0].message, text);
}

static void test_field_tcb_statuses(void **state)
{
	(void)state;
	expect_pass(&trustee, debug_ok, "");
	expect_fail(&automata, any_td, "", "tee_attestation.policy.tcb_status",
		    "TCB status OutOfDate is not one of the allowed statuses: UpToDate");
	expect_pass(&automata, any_td, ", \"tcb_statuses\": [\"UpToDate\", \"OutOfDate\"]");
	expect_fail(&trustee, debug_ok, ", \"tcb_statuses\": [\"OutOfDate\", \"SWHardeningNeeded\"]",
		    "tee_attestation.policy.tcb_status",
		    "TCB status UpToDate is not one of the allowed statuses: SWHardeningNeeded, OutOfDate");
}

static void test_field_min_tcb_eval_num(void **state)
{
	(void)state;
	expect_pass(&trustee, debug_ok, ", \"min_tcb_eval_num\": 15");
	expect_fail(&trustee, debug_ok, ", \"min_tcb_eval_num\": 16", "tee_attestation.policy.tcb_eval_num",
		    "TCB info tcbEvaluationDataNumber 15, QE identity tcbEvaluationDataNumber 15 below the minimum 16");
	expect_pass(&automata, automata_ok, ", \"min_tcb_eval_num\": 17");
	expect_fail(&automata, automata_ok, ", \"min_tcb_eval_num\": 18",
		    "tee_attestation.policy.tcb_eval_num", "below the minimum 18");
}

static void test_field_refused_advisory_ids(void **state)
{
	(void)state;
	expect_pass(&automata, automata_ok, ", \"refused_advisory_ids\": [\"INTEL-SA-00837\"]");
	expect_fail(&automata, automata_ok,
		    ", \"refused_advisory_ids\": [\"INTEL-SA-00837\", \"intel-sa-00982\"]",
		    "tee_attestation.policy.advisory_id", "refused advisories: INTEL-SA-00982");
	/* An UpToDate TCB with no advisories passes any list. */
	expect_pass(&trustee, debug_ok, ", \"refused_advisory_ids\": [\"INTEL-SA-00982\"]");
}

static const char *const trustee_mr_td =
	"705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031";
static const char *const zeros48 =
	"000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
static const char *const ones48 =
	"111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111";

static void test_field_mr_td(void **state)
{
	char extra[512];

	(void)state;
	snprintf(extra, sizeof(extra), "\"allow_debug\": true, \"mr_td\": [\"%s\", \"%s\"]", ones48,
		 trustee_mr_td);
	expect_pass(&trustee, "", extra);
	snprintf(extra, sizeof(extra), "\"allow_debug\": true, \"mr_td\": [\"%s\"]", ones48);
	expect_fail(&trustee, "", extra, "tee_attestation.policy.mr_td", "is not the allowed value 1111");
	snprintf(extra, sizeof(extra), "\"allow_debug\": true, \"mr_td\": [\"%s\", \"%s\"]", ones48, zeros48);
	expect_fail(&trustee, "", extra, "tee_attestation.policy.mr_td",
		    "MRTD 705ee938");
	expect_pass(&trustee, debug_ok, ""); /* allow_any_mr_td */
}

/* An allowlist field: the quote's own value passes, another fails. */
static void check_allowlist(struct vector_result *v, const char *base, const char *field,
			    const char *actual, const char *other, const char *id)
{
	char extra[512];

	snprintf(extra, sizeof(extra), ", \"%s\": [\"%s\"]", field, actual);
	expect_pass(v, base, extra);
	snprintf(extra, sizeof(extra), ", \"%s\": [\"%s\", \"%s\"]", field, other, actual);
	expect_pass(v, base, extra);
	snprintf(extra, sizeof(extra), ", \"%s\": [\"%s\"]", field, other);
	expect_fail(v, base, extra, id, actual);
}

static void test_field_rtmrs(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "rtmr_0",
			"e940da7c2712d2790e2961e00484f4fa8e6f9eed71361655ae22699476b14f9e63867eb41edd4b480fef0c59f496b288",
			ones48, "tee_attestation.policy.rtmr_0");
	check_allowlist(&trustee, debug_ok, "rtmr_1",
			"559cfcf42716ed6c40a48a73d5acb7da255435012f0a9f00fbe8c1c57612ede486a5684c4c9ff3ddf52315fcdca3a596",
			ones48, "tee_attestation.policy.rtmr_1");
	check_allowlist(&trustee, debug_ok, "rtmr_2", zeros48, ones48, "tee_attestation.policy.rtmr_2");
	check_allowlist(&trustee, debug_ok, "rtmr_3", zeros48, ones48, "tee_attestation.policy.rtmr_3");
}

static void test_field_mr_config_id(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "mr_config_id", zeros48, ones48,
			"tee_attestation.policy.mr_config_id");
}

static void test_field_mr_owner(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "mr_owner", zeros48, ones48,
			"tee_attestation.policy.mr_owner");
}

static void test_field_mr_owner_config(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "mr_owner_config", zeros48, ones48,
			"tee_attestation.policy.mr_owner_config");
}

static void test_field_mr_seam(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "mr_seam",
			"2fd279c16164a93dd5bf373d834328d46008c2b693af9ebb865b08b2ced320c9a89b4869a9fab60fbe9d0c5a5363c656",
			ones48, "tee_attestation.policy.mr_seam");
}

static void test_field_mrsigner_seam(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "mrsigner_seam", zeros48, ones48,
			"tee_attestation.policy.mrsigner_seam");
}

static void test_field_allow_debug(void **state)
{
	(void)state;
	/* a-trustee-uptodate is a debug TD (TDATTRIBUTES 0100001000000000). */
	expect_fail(&trustee, any_td, "", "tee_attestation.policy.debug",
		    "TDATTRIBUTES 0100001000000000 has DEBUG (bit 0) set");
	expect_fail(&trustee, any_td, ", \"allow_debug\": false", "tee_attestation.policy.debug", NULL);
	expect_pass(&trustee, any_td, ", \"allow_debug\": true");
	/* b-automata-outofdate is not. */
	expect_pass(&automata, automata_ok, "");
}

static void test_field_td_attributes(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "td_attributes", "0100001000000000", "0000001000000000",
			"tee_attestation.policy.td_attributes");
	check_allowlist(&automata, automata_ok, "td_attributes", "0000001000000000",
			"0000000000000000", "tee_attestation.policy.td_attributes");
}

static void test_field_xfam(void **state)
{
	(void)state;
	check_allowlist(&trustee, debug_ok, "xfam", "e742060000000000", "e700060000000000",
			"tee_attestation.policy.xfam");
	check_allowlist(&automata, automata_ok, "xfam", "e700060000000000", "e742060000000000",
			"tee_attestation.policy.xfam");
}

static void test_field_min_tee_tcb_svn(void **state)
{
	(void)state;
	/* a-trustee-uptodate: 03000500000000000000000000000000. */
	expect_pass(&trustee, debug_ok, ", \"min_tee_tcb_svn\": \"03000500000000000000000000000000\"");
	expect_pass(&trustee, debug_ok, ", \"min_tee_tcb_svn\": \"02000400000000000000000000000000\"");
	expect_fail(&trustee, debug_ok, ", \"min_tee_tcb_svn\": \"03000600000000000000000000000000\"",
		    "tee_attestation.policy.tee_tcb_svn",
		    "TEE_TCB_SVN 03000500000000000000000000000000 is below the minimum 03000600000000000000000000000000: [2] 5 < 6");
	/* b-automata-outofdate: 04010700000000000000000000000000. */
	expect_fail(&automata, automata_ok, ", \"min_tee_tcb_svn\": \"05010700000000000000000000000001\"",
		    "tee_attestation.policy.tee_tcb_svn", "[0] 4 < 5, [15] 0 < 1");
}

static void test_description_and_every_rule_reported(void **state)
{
	char extra[1024];

	(void)state;
	expect_pass(&trustee, debug_ok, ", \"description\": \"lab TDs\"");
	/* Every broken rule is reported, not just the first. */
	snprintf(extra, sizeof(extra),
		 "\"mr_td\": [\"%s\"], \"rtmr_3\": [\"%s\"], \"xfam\": [\"0000000000000000\"], "
		 "\"min_tcb_eval_num\": 99",
		 ones48, ones48);
	struct failures *f = evaluate(&trustee, "", extra);
	assert_int_equal(f->count, 5);
	assert_string_equal(f->items[0].type, "tee_attestation.policy.tcb_eval_num");
	assert_string_equal(f->items[1].type, "tee_attestation.policy.mr_td");
	assert_string_equal(f->items[2].type, "tee_attestation.policy.rtmr_3");
	assert_string_equal(f->items[3].type, "tee_attestation.policy.xfam");
	assert_string_equal(f->items[4].type, "tee_attestation.policy.debug");
}

static void test_default_rules(void **state)
{
	struct failures *f = new_failures();

	(void)state;
	assert_int_equal(tdx_policy_evaluate_default(result_of(&trustee), f), 0);
	assert_int_equal(f->count, 0);
	assert_int_equal(tdx_policy_evaluate_default(result_of(&automata), f), 1);
	assert_string_equal(f->items[0].type, "tee_attestation.policy.tcb_status");
}

static void test_status_unknown_fails(void **state)
{
	struct tdx_result *r = calloc(1, sizeof(*r));
	struct failures *f = new_failures();

	(void)state;
	defer(free, r);
	r->authenticated = true; /* authentic, but no TCB info could be judged */
	assert_int_equal(tdx_policy_evaluate(parse_ok("{\"allow_any_mr_td\": true}"), r, f), 1);
	assert_string_equal(f->items[0].type, "tee_attestation.policy.tcb_status");
	assert_non_null(strstr(f->items[0].message, "unknown"));
}

static int free_results(void **state)
{
	(void)state;
	free(trustee.r);
	free(automata.r);
	trustee.r = automata.r = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_parse_minimal_and_full, run_cleanups),
		cmocka_unit_test_teardown(test_parse_refusals, run_cleanups),
		cmocka_unit_test_teardown(test_parse_limits, run_cleanups),
		cmocka_unit_test_teardown(test_field_tcb_statuses, run_cleanups),
		cmocka_unit_test_teardown(test_field_min_tcb_eval_num, run_cleanups),
		cmocka_unit_test_teardown(test_field_refused_advisory_ids, run_cleanups),
		cmocka_unit_test_teardown(test_field_mr_td, run_cleanups),
		cmocka_unit_test_teardown(test_field_rtmrs, run_cleanups),
		cmocka_unit_test_teardown(test_field_mr_config_id, run_cleanups),
		cmocka_unit_test_teardown(test_field_mr_owner, run_cleanups),
		cmocka_unit_test_teardown(test_field_mr_owner_config, run_cleanups),
		cmocka_unit_test_teardown(test_field_mr_seam, run_cleanups),
		cmocka_unit_test_teardown(test_field_mrsigner_seam, run_cleanups),
		cmocka_unit_test_teardown(test_field_allow_debug, run_cleanups),
		cmocka_unit_test_teardown(test_field_td_attributes, run_cleanups),
		cmocka_unit_test_teardown(test_field_xfam, run_cleanups),
		cmocka_unit_test_teardown(test_field_min_tee_tcb_svn, run_cleanups),
		cmocka_unit_test_teardown(test_description_and_every_rule_reported, run_cleanups),
		cmocka_unit_test_teardown(test_default_rules, run_cleanups),
		cmocka_unit_test_teardown(test_status_unknown_fails, run_cleanups),
	};
	return cmocka_run_group_tests(tests, NULL, free_results);
}
