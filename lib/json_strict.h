/* json_strict.h - one strict JSON parse for documents that are not request
 * bodies (JOSE headers and payloads, JWK sets): server/json_guard's checks
 * (strict UTF-8, no duplicate keys, no \u0000, no NaN) and then json-c in its
 * strict mode, with nothing but white space after the value. */
#ifndef TEEV_JSON_STRICT_H
#define TEEV_JSON_STRICT_H

#include <stddef.h>

struct json_object;

/* The document in text[0..len), or NULL with a one-line reason in why. A
 * NUL byte anywhere is refused. The caller puts the result. Note that a
 * JSON null parses to NULL too: callers that want an object check for it. */
struct json_object *json_strict_parse(const char *text, size_t len, size_t max_depth, char *why,
				      size_t cap);

#endif
