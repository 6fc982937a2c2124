/* envelope.c - Keylime's JSON envelope (see envelope.h). */
#include "server/envelope.h"

#include "verifier/verdict.h"

#include <json-c/json.h>

const char *http_reason(int code)
{
	switch (code) {
	case 200:
		return "Success";
	case 201:
		return "Created";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

struct json_object *envelope_new(int code, const char *status, struct json_object *results)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "results", results ? results : json_object_new_object());
	return o;
}

struct json_object *envelope_error(int code, const char *message)
{
	struct json_object *results = json_object_new_object();

	json_object_object_add(results, "message", json_object_new_string(message));
	return envelope_new(code, http_reason(code), results);
}

struct json_object *envelope_failure(int code, const char *status, const char *failure_type,
				     const char *message)
{
	struct json_object *results = json_object_new_object();
	struct json_object *failures = json_object_new_array();
	struct json_object *failure = json_object_new_object();
	struct json_object *context = json_object_new_object();

	json_object_object_add(context, "message", json_object_new_string(message));
	json_object_object_add(failure, "type", json_object_new_string(failure_type));
	json_object_object_add(failure, "context", context);
	json_object_array_add(failures, failure);
	/* Keylime's key order: valid, claims, failures. */
	json_object_object_add(results, "valid", json_object_new_boolean(0));
	json_object_object_add(results, "claims", json_object_new_object());
	json_object_object_add(results, "failures", failures);
	return envelope_new(code, status ? status : http_reason(code), results);
}

struct json_object *envelope_from_verdict(const struct verdict *v, int *http_code)
{
	struct json_object *results;

	if (v->status == VERDICT_INTERNAL) {
		/* Trustee matches this status text literally; the results keep
		 * the shape of every other answer of the route. */
		*http_code = 500;
		return envelope_failure(500, "Internal Server Error: Failed to process attestation data",
					"default.internal_error",
					"the server could not process this evidence (see its log)");
	}
	*http_code = v->status == VERDICT_BAD_INPUT ? 400 : 200;
	/* Keylime's key order: valid, claims, failures. Claims only on success. */
	results = json_object_new_object();
	json_object_object_add(results, "valid",
			       json_object_new_boolean(v->status == VERDICT_PASS));
	json_object_object_add(results, "claims",
			       v->status == VERDICT_PASS && v->claims
				       ? json_object_get(v->claims)
				       : json_object_new_object());
	json_object_object_add(results, "failures", failures_to_json(&v->failures));
	return envelope_new(*http_code, http_reason(*http_code), results);
}
