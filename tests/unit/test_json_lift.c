/* test_json_lift.c - unit tests for server/json_lift.c and the request
 * parser that uses it: a body whose long strings are decoded outside json-c
 * parses to exactly the tree json-c alone gives (randomised strings with
 * every escape, at the top level and inside "data"); strings with \u
 * escapes, short strings and other members are left to json-c; and a body
 * that is not valid JSON still gets json-c's message with the right offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/json_lift.h"
#include "server/routes.h"
#include "server/routes_internal.h"

/* A deterministic generator, so a failure can be replayed. */
static uint32_t next_random(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

/* Appends the JSON text of a random string of about n characters: printable
 * ASCII, UTF-8, and every simple escape; \u escapes when with_u. */
static void random_string(char *out, size_t *len, size_t n, uint32_t *seed, int with_u)
{
	static const char *const escapes[] = {"\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b",
					      "\\f", "\\r"};
	size_t o = *len;

	out[o++] = '"';
	while (o - *len < n) {
		uint32_t r = next_random(seed) % 100;
		if (r < 8) {
			const char *e = escapes[r];
			memcpy(out + o, e, 2);
			o += 2;
		} else if (r < 10) {
			memcpy(out + o, "\xc3\xa9", 2); /* é */
			o += 2;
		} else if (r == 10 && with_u) {
			memcpy(out + o, "\\u00e9", 6);
			o += 6;
		} else {
			out[o++] = (char)(' ' + 1 + next_random(seed) % 90); /* no quote or backslash */
			if (out[o - 1] == '"' || out[o - 1] == '\\')
				out[o - 1] = 'x';
		}
	}
	out[o++] = '"';
	*len = o;
}

static struct json_object *parse(const char *text, size_t len, char *why, size_t cap)
{
	struct route_request req = {.method = "POST", .path = "/", .body = text, .body_len = len};

	return parse_json_body(&req, why, cap);
}

static struct json_object *json_c_alone(const char *text)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *doc = json_tokener_parse_ex(tok, text, (int)strlen(text));

	json_tokener_free(tok);
	return doc;
}

/* Builds {"type": "tpm", "runtime_policy": S1, "data": {"quote": "q",
 * "ima_measurement_list": S2, "mb_log": S3, "other": S4}} with long random
 * strings, and checks both parsers agree and which strings were lifted. */
static void check_body(uint32_t seed, int with_u, size_t n_lifted_expected)
{
	size_t cap = 6 * 300 * 1024, len = 0;
	char *text = malloc(cap);
	char why[256];

#define PUT(s)                                       \
	do {                                         \
		memcpy(text + len, (s), strlen(s)); \
		len += strlen(s);                    \
	} while (0)
	PUT("{\"type\": \"tpm\", \"runtime_policy\": ");
	random_string(text, &len, 100 * 1024, &seed, with_u);
	PUT(",\n \"data\": {\"quote\": \"q\", \"ima_measurement_list\":");
	random_string(text, &len, 200 * 1024, &seed, 0);
	PUT(", \"mb_log\" : ");
	random_string(text, &len, JSON_LIFT_MIN - 10, &seed, 0); /* too short to lift */
	PUT(", \"other\": ");
	random_string(text, &len, 100 * 1024, &seed, 0); /* not a liftable member */
	PUT("}}");
	text[len] = '\0';
#undef PUT

	struct json_lift_plan plan;
	json_lift_prepare(text, len, &plan);
	assert_int_equal(plan.count, n_lifted_expected);
	json_lift_free(&plan);

	struct json_object *lifted = parse(text, len, why, sizeof(why));
	struct json_object *plain = json_c_alone(text);
	if (!lifted)
		fail_msg("seed %u: %s", seed, why);
	assert_non_null(plain);
	if (!json_object_equal(lifted, plain))
		fail_msg("seed %u: the trees differ", seed);
	json_object_put(lifted);
	json_object_put(plain);
	free(text);
}

static void test_lifted_parse_equals_json_c(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++)
		check_body(seed, 0, 2); /* runtime_policy and ima_measurement_list */
}

static void test_unicode_escapes_are_left_to_json_c(void **state)
{
	(void)state;
	for (uint32_t seed = 100; seed <= 105; seed++)
		check_body(seed, 1, 1); /* only ima_measurement_list */
}

/* A grammar error after a long string: the message is json-c's on the
 * original text, with the original offset. */
static void test_errors_name_the_original_offset(void **state)
{
	size_t n = JSON_LIFT_MIN + 100;
	char *text = malloc(n + 64);
	char why[256];
	size_t len;
	(void)state;

	memcpy(text, "{\"data\": {\"ima_measurement_list\": \"", 35);
	memset(text + 35, 'a', n);
	len = 35 + n;
	memcpy(text + len, "\"}, \"x\": tru}", 14);
	len += 13;
	assert_null(parse(text, len, why, sizeof(why)));
	char want[64];
	snprintf(want, sizeof(want), "at offset %zu", len - 1);
	if (!strstr(why, want))
		fail_msg("%s (want %s)", why, want);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifted_parse_equals_json_c),
		cmocka_unit_test(test_unicode_escapes_are_left_to_json_c),
		cmocka_unit_test(test_errors_name_the_original_offset),
	};
	return cmocka_run_group_tests_name("json_lift", tests, NULL, NULL);
}
