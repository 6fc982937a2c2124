/* test_json_raw.c - unit tests for server/json_raw.c: finding a top-level
 * member's value in raw JSON text (every value type, strings holding
 * brackets, quotes and escapes, nested members of the same name, escaped
 * keys, whitespace), and serialising a json-c object as those raw bytes so
 * that the echoed value parses back equal to the original. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "server/json_raw.h"

/* The value text of member name in text, or "(none)". */
static const char *member(const char *text, const char *name, char *out, size_t cap)
{
	size_t start, span;

	if (!json_raw_member(text, strlen(text), name, &start, &span))
		return "(none)";
	assert_true(span < cap);
	memcpy(out, text + start, span);
	out[span] = '\0';
	return out;
}

static void test_member_values_of_every_type(void **state)
{
	char buf[256];
	(void)state;

	static const struct {
		const char *text, *name, *want;
	} cases[] = {
		{"{\"type\":\"tpm\",\"data\":{\"a\":1}}", "data", "{\"a\":1}"},
		{"{\"data\":{\"a\":1},\"type\":\"tpm\"}", "data", "{\"a\":1}"},
		{" {\n \"type\" : \"tpm\" ,\n \"data\" :\t[1, 2, {\"b\": []}] \n} ", "data",
		 "[1, 2, {\"b\": []}]"},
		{"{\"data\":\"a \\\" } ] { string\\\\\",\"x\":1}", "data",
		 "\"a \\\" } ] { string\\\\\""},
		{"{\"data\":{\"s\":\"}\\\"{\",\"t\":[\"]\"]},\"x\":1}", "data",
		 "{\"s\":\"}\\\"{\",\"t\":[\"]\"]}"},
		{"{\"data\":12.5e3}", "data", "12.5e3"},
		{"{\"data\":-1 , \"x\":2}", "data", "-1"},
		{"{\"data\":true}", "data", "true"},
		{"{\"data\":null,\"x\":0}", "data", "null"},
		{"{\"x\":{\"data\":1},\"data\":2}", "data", "2"},
		{"{\"x\":\"\\\"data\\\":3\",\"data\":4}", "data", "4"},
		{"{\"database\":1,\"dat\":2}", "data", "(none)"},
		{"{\"d\\u0061ta\":1}", "data", "(none)"},
		{"{}", "data", "(none)"},
		{"[{\"data\":1}]", "data", "(none)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = member(cases[i].text, cases[i].name, buf, sizeof(buf));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: %s -> %s, want %s", i, cases[i].text, got, cases[i].want);
	}
}

/* Truncated text (never passed to it in teev, which checks JSON first)
 * still stays inside the buffer. */
static void test_truncated_text_stays_in_bounds(void **state)
{
	const char *text = "{\"x\":\"abc\\\"\",\"data\":{\"a\":[1,2,\"]\"]}}";
	size_t len = strlen(text);
	(void)state;

	for (size_t cut = 0; cut < len; cut++) {
		size_t start = 0, span = 0;
		if (json_raw_member(text, cut, "data", &start, &span))
			assert_true(start + span <= cut);
	}
}

/* The serialised answer carries the request's bytes, and they parse back
 * to a value equal to what json-c parsed. */
static void test_attached_object_serialises_verbatim(void **state)
{
	const char *body = "{\"type\": \"tpm\", \"data\": {\"quote\": \"r\\u00e9sum\\u00e9 \\/x\","
			   "  \"n\": [1.50, 2e2, null],\n\"ima\": \"a\\nb\\\"c\"}}";
	struct json_object *doc = json_tokener_parse(body);
	struct json_object *data = json_object_object_get(doc, "data");
	struct json_object *answer = json_object_new_object();
	size_t start, span;
	(void)state;

	assert_non_null(data);
	assert_true(json_raw_member(body, strlen(body), "data", &start, &span));
	json_raw_attach(data, body + start, span);
	json_object_object_add(answer, "claims", json_object_get(data));
	const char *text = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN);

	char want[512];
	snprintf(want, sizeof(want), "{\"claims\":%.*s}", (int)span, body + start);
	assert_string_equal(text, want);
	struct json_object *back = json_tokener_parse(text);
	assert_non_null(back);
	assert_true(json_object_equal(json_object_object_get(back, "claims"), data));
	json_object_put(back);
	json_object_put(answer);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_values_of_every_type),
		cmocka_unit_test(test_truncated_text_stays_in_bounds),
		cmocka_unit_test(test_attached_object_serialises_verbatim),
	};
	return cmocka_run_group_tests_name("json_raw", tests, NULL, NULL);
}
