/* envelope.h - Keylime's JSON answer: {"code": N, "status": "...", "results": {...}}.
 * Every answer on every route uses it, errors included. */
#ifndef TEEV_ENVELOPE_H
#define TEEV_ENVELOPE_H

struct json_object;
struct verdict;

/* Takes ownership of results (NULL means {}). */
struct json_object *envelope_new(int code, const char *status, struct json_object *results);

/* An error answer whose results carry {"message": text}. */
struct json_object *envelope_error(int code, const char *message);

/* An error answer in the shape of a verification (the /verify/evidence
 * route answers every request so): results {"valid": false, "claims": {},
 * "failures": [{"type": failure_type, "context": {"message": message}}]}.
 * status NULL means the reason phrase of code. */
struct json_object *envelope_failure(int code, const char *status, const char *failure_type,
				     const char *message);

/* The answer to a verification: 200/400/500 with valid, claims, failures. */
struct json_object *envelope_from_verdict(const struct verdict *v, int *http_code);

/* The standard reason phrase ("Bad Request"); "Unknown" for others. */
const char *http_reason(int code);

#endif
