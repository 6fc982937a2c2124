/* json_guard.h - what json-c lets through and a verifier must not: one pass
 * over a request body's raw text before json-c parses it. Refused: bytes
 * that are not strict UTF-8 (overlong forms, surrogates, code points above
 * U+10FFFF), raw control characters inside strings, the escape \u0000
 * (C-string comparisons would stop at it: "snp\u0000junk" must not count
 * as "snp"), NaN and Infinity, and duplicate keys in an object (which one
 * wins is parser-specific: a classic way to show two readers two
 * documents). Keys are compared after decoding their escapes. */
#ifndef TEEV_JSON_GUARD_H
#define TEEV_JSON_GUARD_H

#include <stddef.h>

/* 0 when the text passes; -1 with a one-line reason (and byte offset). */
int json_guard_check(const char *text, size_t len, size_t max_depth, char *why, size_t cap);

#endif
