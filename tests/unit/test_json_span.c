/* test_json_span.c - unit tests for verifier/json_span.c: the strict JSON
 * walk that finds where Intel's signed collateral values lie in the text,
 * and refuses what json-c would let through (duplicate keys, \u0000 in keys,
 * bad UTF-8, grammar json-c tolerates). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/json_span.h"

static int check(const char *text, char *why, size_t cap)
{
	return json_span_check(text, strlen(text), JSON_SPAN_MAX_DEPTH, NULL, 0, why, cap);
}

static void expect_ok(const char *text)
{
	char why[160] = "";

	if (check(text, why, sizeof(why)) != 0)
		fail_msg("refused %s: %s", text, why);
}

static void expect_refused(const char *text, const char *reason)
{
	char why[160] = "";

	if (check(text, why, sizeof(why)) != -1)
		fail_msg("accepted %s", text);
	if (!strstr(why, reason))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", text, why, reason);
}

static void expect_span(const char *text, struct json_span_member *m, const char *want)
{
	if (!want) {
		assert_false(m->found);
		return;
	}
	assert_true(m->found);
	assert_int_equal(m->len, strlen(want));
	assert_memory_equal(text + m->start, want, m->len);
}

static void test_member_spans(void **state)
{
	const char *text = " { \"a\" : 1 , \"b\":{\"c\":[1, {\"a\":2}]},\n\"d\":\"x\\\"y\" ,\"e\":[] } ";
	struct json_span_member m[5] = {{"a", 0, 0, 0}, {"b", 0, 0, 0}, {"d", 0, 0, 0},
					{"e", 0, 0, 0}, {"zz", 0, 0, 0}};
	char why[160];

	(void)state;
	assert_int_equal(json_span_check(text, strlen(text), 8, m, 5, why, sizeof(why)), 0);
	expect_span(text, &m[0], "1");
	expect_span(text, &m[1], "{\"c\":[1, {\"a\":2}]}");
	expect_span(text, &m[2], "\"x\\\"y\"");
	expect_span(text, &m[3], "[]");
	expect_span(text, &m[4], NULL);
}

static void test_span_keeps_exact_bytes(void **state)
{
	/* White space and escapes inside the value are part of what was signed. */
	const char *text = "{\"tcbInfo\" :\t{ \"id\" : \"T\\u0044X\" ,\"v\":1.50 }\r\n,\"signature\":\"ab\"}";
	struct json_span_member m[2] = {{"tcbInfo", 0, 0, 0}, {"signature", 0, 0, 0}};
	char why[160];

	(void)state;
	assert_int_equal(json_span_check(text, strlen(text), 8, m, 2, why, sizeof(why)), 0);
	expect_span(text, &m[0], "{ \"id\" : \"T\\u0044X\" ,\"v\":1.50 }");
	expect_span(text, &m[1], "\"ab\"");
}

static void test_escaped_key_matches(void **state)
{
	const char *text = "{\"tcb\\u0049nfo\":{}}";
	struct json_span_member m[1] = {{"tcbInfo", 0, 0, 0}};
	char why[160];

	(void)state;
	assert_int_equal(json_span_check(text, strlen(text), 8, m, 1, why, sizeof(why)), 0);
	expect_span(text, &m[0], "{}");
}

static void test_no_member_of_a_non_object(void **state)
{
	const char *text = "[{\"a\":1}]";
	struct json_span_member m[1] = {{"a", 0, 0, 0}};
	char why[160];

	(void)state;
	assert_int_equal(json_span_check(text, strlen(text), 8, m, 1, why, sizeof(why)), 0);
	assert_false(m[0].found);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_refused("{\"a\":1,\"a\":2}", "duplicate key at offset 7");
	expect_refused("{\"a\":1,\"\\u0061\":2}", "duplicate key");
	expect_refused("{\"x\":{\"k\":1,\"k\":2}}", "duplicate key");
	expect_refused("[{\"k\":1,\"b\":2,\"k\":3}]", "duplicate key");
	/* The same key in different objects is fine. */
	expect_ok("{\"x\":{\"k\":1},\"y\":{\"k\":2},\"z\":[{\"k\":1},{\"k\":1}],\"k\":0}");
	/* Keys that differ after decoding are different. */
	expect_ok("{\"a\":1,\"\\u0062\":2,\"a\\/\":3,\"a/b\":4}");
	expect_refused("{\"a/\":1,\"a\\/\":2}", "duplicate key");
}

static void test_keys(void **state)
{
	char key[300 + 16];

	(void)state;
	expect_refused("{\"a\\u0000b\":1}", "a key containing \\u0000");
	expect_ok("{\"a\":\"x\\u0000y\"}"); /* in a value it is just a character */
	memset(key, 'k', sizeof(key));
	key[0] = '{';
	key[1] = '"';
	snprintf(key + 258, sizeof(key) - 258, "\":1}");
	expect_ok(key); /* 256 bytes */
	key[258] = 'k';
	snprintf(key + 259, sizeof(key) - 259, "\":1}");
	expect_refused(key, "a key longer than 256 bytes");
	expect_refused("{1:2}", "expected a key");
	expect_refused("{\"a\" 1}", "expected ':'");
}

static void test_strings(void **state)
{
	(void)state;
	expect_ok("\"\\ud83d\\ude00 \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \xc3\xa9 \xf0\x9f\x98\x80\"");
	expect_refused("\"\\ud83d\"", "unpaired UTF-16 surrogate");
	expect_refused("\"\\ude00\"", "unpaired UTF-16 surrogate");
	expect_refused("\"\\ud83d\\u0041\"", "unpaired UTF-16 surrogate");
	expect_refused("\"\\x41\"", "bad escape sequence");
	expect_refused("\"\\u12G4\"", "bad escape sequence");
	expect_refused("\"\\u12\"", "bad escape sequence");
	expect_refused("\"a\tb\"", "raw control character");
	expect_refused("\"\xc0\x80\"", "not UTF-8");
	expect_refused("\"\xed\xa0\x80\"", "not UTF-8");
	expect_refused("\"\xf4\x90\x80\x80\"", "not UTF-8");
	expect_refused("\"\xe9\"", "not UTF-8");
	expect_refused("\"abc", "unterminated string");
	expect_refused("\"abc\\", "unterminated string");
}

static void test_numbers_and_literals(void **state)
{
	static const char *const good[] = {"0", "-0", "12", "1.5", "-1.5e-3", "2E+10", "true",
					   "false", "null", " 7 "};
	static const char *const bad[] = {"01", "-", "1.", ".5", "1e", "1e+", "+1", "tru", "nul",
					  "True", "NaN", "Infinity", "0x10"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		expect_ok(good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[160] = "";
		if (check(bad[i], why, sizeof(why)) != -1)
			fail_msg("accepted %s", bad[i]);
	}
}

static void test_structure(void **state)
{
	(void)state;
	expect_refused("", "empty document");
	expect_refused("   ", "empty document");
	expect_refused("{} x", "trailing data");
	expect_refused("{}{}", "trailing data");
	expect_refused("[1,]", "unexpected character at offset 3");
	expect_refused("[1 2]", "expected ',' or ']'");
	expect_refused("{\"a\":1,}", "expected a key");
	expect_refused("{\"a\":1 \"b\":2}", "expected ',' or '}'");
	expect_refused("[1", "document ends early");
	expect_refused("{\"a\":", "value expected");
	expect_refused("{\"a\":1]", "expected ',' or '}'");
	expect_refused("/* c */ {}", "unexpected character");
	expect_ok("\n[ ] ");
	expect_ok("{}");
}

static void test_depth_and_members(void **state)
{
	char text[8192];
	char why[160];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 16; i++)
		text[n++] = '[';
	for (int i = 0; i < 16; i++)
		text[n++] = ']';
	assert_int_equal(json_span_check(text, n, 16, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(json_span_check(text, n, 15, NULL, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "nested too deeply"));

	n = 0;
	text[n++] = '{';
	for (int i = 0; i < 257; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"k%d\":%d", i ? "," : "", i, i);
	text[n++] = '}';
	assert_int_equal(json_span_check(text, n, 4, NULL, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 256 members"));
	/* 256 is fine: cut the last member. */
	char *last = strstr(text, ",\"k256\"");
	assert_non_null(last);
	last[0] = '}';
	n = (size_t)(last - text) + 1;
	assert_int_equal(json_span_check(text, n, 4, NULL, 0, why, sizeof(why)), 0);
}

static void test_reads_nothing_past_len(void **state)
{
	/* A valid document cut short at every length: refused, never read past
	 * (ASan in `make asan` sees an exact-size heap copy). */
	const char *text = "{\"tcbInfo\":{\"a\":[1,2.5e3,true,null,\"\\u00e9\\n\"]},\"signature\":\"ab\"}";
	size_t len = strlen(text);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		char *cut = malloc(n ? n : 1);
		char why[160];

		assert_non_null(cut);
		memcpy(cut, text, n);
		assert_int_equal(json_span_check(cut, n, 8, NULL, 0, why, sizeof(why)), -1);
		free(cut);
	}
	expect_ok(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_member_spans),
		cmocka_unit_test(test_span_keeps_exact_bytes),
		cmocka_unit_test(test_escaped_key_matches),
		cmocka_unit_test(test_no_member_of_a_non_object),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers_and_literals),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_depth_and_members),
		cmocka_unit_test(test_reads_nothing_past_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
