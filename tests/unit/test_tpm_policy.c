/* test_tpm_policy.c - unit tests for policy/tpm_policy.c: which PCR policies
 * are read, which are refused and with what kind of refusal (upstream's
 * own, or teev's stricter one that names the field), inline and stored,
 * and how a read policy judges the PCRs of a quote.
 *
 * Issue 12 item 4b (PCR 10) and issue 13 item 6 (PCR numbers, digests,
 * list shapes, empty stored policies); Keylime's accepted shapes ("mask",
 * a bare digest string, PCR 16, several banks' digests) stay accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/tpm_policy.h"
#include "verifier/failures.h"
#include "verifier/tpm_objects.h"
#include "verifier/tpm_quote.h"
#include "tests/support/test_cleanup.h"

#define SHA1_0 "0000000000000000000000000000000000000000"
#define SHA256_0 "0000000000000000000000000000000000000000000000000000000000000000"
#define SHA256_F "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define SHA384_0 SHA256_0 "00000000000000000000000000000000"
#define SHA512_0 SHA256_0 SHA256_0

static struct tpm_policy *parse(const char *text, enum tpm_policy_use use,
				enum tpm_policy_refusal *why, char *err, size_t err_len)
{
	return tpm_policy_parse(text, strlen(text), use, why, err, err_len);
}

static void assert_accepted(const char *text, enum tpm_policy_use use)
{
	char err[512] = "";
	struct tpm_policy *p = parse(text, use, NULL, err, sizeof(err));

	if (!p)
		fail_msg("refused %s: %s", text, err);
	tpm_policy_free(p);
}

/* Refused in both uses (unless only_stored), with this kind and a reason
 * that contains `names`. */
static void assert_refused(const char *text, enum tpm_policy_refusal kind, const char *names)
{
	static const enum tpm_policy_use uses[] = {TPM_POLICY_INLINE, TPM_POLICY_STORED};

	for (size_t i = 0; i < 2; i++) {
		enum tpm_policy_refusal why = kind == TPM_POLICY_TOO_LOOSE ? TPM_POLICY_UPSTREAM_INVALID
									   : TPM_POLICY_TOO_LOOSE;
		char err[512] = "";
		struct tpm_policy *p = parse(text, uses[i], &why, err, sizeof(err));

		if (p) {
			tpm_policy_free(p);
			fail_msg("accepted %s", text);
		}
		if (why != kind)
			fail_msg("%s: refused as %s", text,
				 why == TPM_POLICY_TOO_LOOSE ? "too loose" : "upstream-invalid");
		if (!strstr(err, names))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", text, err, names);
	}
}

static void test_keylime_shapes_accepted(void **state)
{
	(void)state;
	/* The golden cases' shapes and what Keylime's verifier stores. */
	assert_accepted("{\"15\": [\"" SHA256_0 "\"]}", TPM_POLICY_STORED);
	assert_accepted("{\"mask\": \"0x408000\", \"15\": [\"" SHA256_0 "\"], \"22\": [\"" SHA256_F
			"\"]}",
			TPM_POLICY_STORED);
	/* PCR 16 is an ordinary PCR in one-shot (no data-PCR binding). */
	assert_accepted("{\"16\": [\"" SHA256_0 "\", \"" SHA256_F "\"]}", TPM_POLICY_STORED);
	/* A bare digest, as Keylime's tenant wraps a singleton. */
	assert_accepted("{\"0\": \"" SHA1_0 "\"}", TPM_POLICY_STORED);
	/* Digests of every bank, mixed: the quote's bank picks. */
	assert_accepted("{\"23\": [\"" SHA1_0 "\", \"" SHA256_0 "\", \"" SHA384_0 "\", \"" SHA512_0
			"\"]}",
			TPM_POLICY_STORED);
	/* Inline, "mask" alone (golden tpm_policy_only_mask) and {} check no
	 * PCR and pass upstream; they stay accepted inline. */
	assert_accepted("{\"mask\": \"0x408000\"}", TPM_POLICY_INLINE);
	assert_accepted("{}", TPM_POLICY_INLINE);
}

static void test_refused_like_upstream(void **state)
{
	(void)state;
	assert_refused("{not json", TPM_POLICY_UPSTREAM_INVALID, "not valid JSON");
	assert_refused("[1]", TPM_POLICY_UPSTREAM_INVALID, "JSON object");
	assert_refused("{\"abc\": [\"00\"]}", TPM_POLICY_UPSTREAM_INVALID, "\"abc\"");
	/* Upstream cannot read the key, whatever else is wrong. */
	assert_refused("{\"10\": [\"zz\"], \"x\": []}", TPM_POLICY_UPSTREAM_INVALID, "\"x\"");
}

static void test_refused_as_too_loose(void **state)
{
	static const struct {
		const char *text, *names;
	} cases[] = {
		/* Issue 12 item 4b: PCR 10 is the IMA list's. */
		{"{\"10\": [\"" SHA256_0 "\"]}", "PCR \"10\""},
		{"{\"15\": [\"" SHA256_0 "\"], \"10\": \"" SHA256_0 "\"}", "PCR \"10\""},
		/* Issue 13 item 6: the policies that were stored and could never pass. */
		{"{\"99\": [\"zz\"]}", "PCR \"99\""},
		{"{\"24\": [\"" SHA256_0 "\"]}", "PCR \"24\""},
		{"{\"-1\": [\"" SHA256_0 "\"]}", "PCR \"-1\""},
		{"{\"16\": \"notalist\"}", "PCR \"16\""},
		{"{\"16\": 5}", "PCR \"16\""},
		{"{\"16\": {}}", "PCR \"16\""},
		{"{\"16\": null}", "PCR \"16\""},
		{"{\"16\": []}", "PCR \"16\""},
		{"{\"16\": [5]}", "PCR \"16\"[0]"},
		{"{\"16\": [\"" SHA256_0 "\", \"zz\"]}", "PCR \"16\"[1]"},
		{"{\"16\": [\"00\"]}", "PCR \"16\"[0]: 2 hex digits"},
		{"{\"16\": [\"" SHA256_0 "0\"]}", "65 hex digits"},
		{"{\"16\": [\"" SHA256_F "\"], \"17\": [\"FF" SHA256_0 "\"]}", "PCR \"17\"[0]"},
		/* Keys Python's int() reads but that are no plain PCR number. */
		{"{\"015\": [\"" SHA256_0 "\"]}", "PCR \"015\""},
		{"{\"+15\": [\"" SHA256_0 "\"]}", "PCR \"+15\""},
		{"{\" 15\": [\"" SHA256_0 "\"]}", "PCR \" 15\""},
		{"{\"1_5\": [\"" SHA256_0 "\"]}", "PCR \"1_5\""},
		{"{\"mask\": 5}", "\"mask\""},
		{"{\"mask\": \"all\"}", "\"mask\""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(cases[i].text, TPM_POLICY_TOO_LOOSE, cases[i].names);
}

static void test_stored_policy_names_a_pcr(void **state)
{
	static const char *const empty[] = {"{}", "{\"mask\": \"0x408000\"}"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		enum tpm_policy_refusal why = TPM_POLICY_UPSTREAM_INVALID;
		char err[512] = "";

		assert_null(parse(empty[i], TPM_POLICY_STORED, &why, err, sizeof(err)));
		assert_int_equal(why, TPM_POLICY_TOO_LOOSE);
		assert_non_null(strstr(err, "at least one PCR"));
	}
}

static void test_object_form(void **state)
{
	struct json_object *doc = json_tokener_parse("{\"10\": [\"" SHA256_0 "\"]}");
	enum tpm_policy_refusal why = TPM_POLICY_UPSTREAM_INVALID;
	char err[512] = "";
	struct tpm_policy *p;

	(void)state;
	assert_null(tpm_policy_from_json(doc, TPM_POLICY_INLINE, &why, err, sizeof(err)));
	assert_int_equal(why, TPM_POLICY_TOO_LOOSE);
	json_object_put(doc);
	doc = json_tokener_parse("{\"15\": [\"" SHA256_0 "\"]}");
	p = tpm_policy_from_json(doc, TPM_POLICY_INLINE, &why, err, sizeof(err));
	assert_non_null(p);
	tpm_policy_free(p);
	json_object_put(doc);
	assert_null(tpm_policy_from_json(NULL, TPM_POLICY_INLINE, &why, err, sizeof(err)));
	assert_int_equal(why, TPM_POLICY_UPSTREAM_INVALID);
}

/* A read policy judges as upstream does: the listed quoted PCRs in order,
 * then the listed PCRs the quote lacks. */
static void test_evaluation(void **state)
{
	struct tpm_pcr_values pcrs;
	struct failures f;
	char err[512] = "";
	struct tpm_policy *p =
		parse("{\"23\": \"" SHA256_F "\", \"15\": [\"" SHA256_0 "\"], \"7\": [\"" SHA256_F "\"]}",
		      TPM_POLICY_STORED, NULL, err, sizeof(err));

	(void)state;
	assert_non_null(p);
	memset(&pcrs, 0, sizeof(pcrs));
	pcrs.bank = TPM_ALG_SHA256;
	pcrs.digest_size = 32;
	pcrs.quoted = (1u << 15) | (1u << 23);
	memset(pcrs.value[23], 0xee, 32);
	failures_init(&f);
	assert_int_equal(tpm_policy_evaluate(p, &pcrs, 0, &f), 2);
	assert_string_equal(f.items[0].type, "pcr_validation.invalid_pcr_23");
	assert_string_equal(f.items[1].type, "pcr_validation.missing_pcrs");
	assert_string_equal(json_object_to_json_string_ext(f.items[1].extra, JSON_C_TO_STRING_PLAIN),
			    "{\"context\":\"PCRs are missing in quote\",\"data\":[7]}");
	failures_clear(&f);
	tpm_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keylime_shapes_accepted),
		cmocka_unit_test(test_refused_like_upstream),
		cmocka_unit_test(test_refused_as_too_loose),
		cmocka_unit_test(test_stored_policy_names_a_pcr),
		cmocka_unit_test(test_object_form),
		cmocka_unit_test(test_evaluation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
