/* test_envelope.c - unit tests for server/envelope.c: the answers of
 * /verify/evidence keep the shape {"valid": false, "claims": {}, "failures":
 * [...]} in every outcome (issue 12, item 10), including the internal fault
 * (500, Trustee's literal status text), and error answers elsewhere keep
 * {"message": ...}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <string.h>

#include "server/envelope.h"
#include "verifier/verdict.h"

/* results of an envelope, checked to be a failed verification; returns
 * the first failure's type. */
static const char *failed_verification(struct json_object *envelope)
{
	struct json_object *results, *failures, *first;

	assert_true(json_object_object_get_ex(envelope, "results", &results));
	assert_true(json_object_is_type(json_object_object_get(results, "valid"), json_type_boolean));
	assert_false(json_object_get_boolean(json_object_object_get(results, "valid")));
	assert_true(json_object_is_type(json_object_object_get(results, "claims"), json_type_object));
	assert_int_equal(json_object_object_length(json_object_object_get(results, "claims")), 0);
	assert_true(json_object_object_get_ex(results, "failures", &failures));
	assert_true(json_object_array_length(failures) >= 1);
	first = json_object_array_get_idx(failures, 0);
	assert_true(json_object_get_string_len(json_object_object_get(
			    json_object_object_get(first, "context"), "message")) > 0);
	return json_object_get_string(json_object_object_get(first, "type"));
}

static void test_internal_fault_keeps_the_shape(void **state)
{
	struct verdict v;
	int code = 0;
	struct json_object *e;

	(void)state;
	verdict_init(&v);
	v.status = VERDICT_INTERNAL;
	e = envelope_from_verdict(&v, &code);
	assert_int_equal(code, 500);
	assert_int_equal(json_object_get_int(json_object_object_get(e, "code")), 500);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "status")),
			    "Internal Server Error: Failed to process attestation data");
	assert_string_equal(failed_verification(e), "default.internal_error");
	json_object_put(e);
	verdict_clear(&v);
}

static void test_failure_envelope(void **state)
{
	struct json_object *e;

	(void)state;
	e = envelope_failure(413, NULL, "default.body_too_large", "too big");
	assert_string_equal(json_object_get_string(json_object_object_get(e, "status")),
			    "Payload Too Large");
	assert_string_equal(failed_verification(e), "default.body_too_large");
	json_object_put(e);
	/* Keylime's status text when one is given. */
	e = envelope_failure(400, "missing parameter 'type'", "default.missing_param",
			     "missing parameter 'type'");
	assert_string_equal(json_object_get_string(json_object_object_get(e, "status")),
			    "missing parameter 'type'");
	assert_string_equal(failed_verification(e), "default.missing_param");
	json_object_put(e);
	/* Keylime's key order: valid, claims, failures. */
	e = envelope_failure(503, NULL, "default.overloaded", "busy");
	assert_non_null(strstr(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN),
			       "\"results\":{\"valid\":false,\"claims\":{},\"failures\":["));
	json_object_put(e);
}

static void test_plain_error_elsewhere(void **state)
{
	struct json_object *e = envelope_error(404, "no such endpoint");

	(void)state;
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_object_get(e, "results"), "message")),
			    "no such endpoint");
	assert_null(json_object_object_get(json_object_object_get(e, "results"), "valid"));
	json_object_put(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_internal_fault_keeps_the_shape),
		cmocka_unit_test(test_failure_envelope),
		cmocka_unit_test(test_plain_error_elsewhere),
	};
	return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
