/* json_span.h - a strict, bounded walk over JSON text that reports where
 * top-level members lie in the text.
 *
 * Intel signs the exact bytes of the "tcbInfo" / "enclaveIdentity" value of
 * its collateral, so the verifier must find that value's span in the text
 * as served, without re-serialising; json-c cannot say where a value was.
 * The walk also refuses what json-c lets through and a verifier must not:
 * duplicate keys (which one a reader keeps is parser-specific: one
 * signature, two documents), keys containing \u0000 (C strings stop there),
 * bytes that are not strict UTF-8, raw control characters in strings, and
 * anything outside RFC 8259's grammar. The walk is iterative, reads no byte
 * past len, and bounds nesting, members per object and key length.
 *
 * The same checks serve TDX policy documents before json-c parses them.
 */
#ifndef TEEV_JSON_SPAN_H
#define TEEV_JSON_SPAN_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_SPAN_MAX_DEPTH 64
#define JSON_SPAN_MAX_MEMBERS 256 /* per object */
#define JSON_SPAN_MAX_KEY 256     /* bytes of a decoded key */

/* A top-level member to locate: set name, read the rest after the walk. */
struct json_span_member {
	const char *name;
	bool found;
	size_t start, len; /* the value's bytes in the text, e.g. {...} or "..." */
};

/* Checks that text[0..len) is one JSON value (white space around it is
 * allowed) nested at most max_depth (<= JSON_SPAN_MAX_DEPTH) levels. When the
 * value is an object, fills the spans of the named members (keys compared
 * after decoding their escapes). Returns 0, or -1 with a one-line reason and
 * byte offset in why. */
int json_span_check(const char *text, size_t len, unsigned max_depth,
		    struct json_span_member *members, size_t n_members, char *why, size_t cap);

#endif
