/* regex_dialect.h - the part of regular-expression syntax that PCRE2 (which
 * teev runs) and Python's re (which Keylime runs on the same runtime-policy
 * "excludes") read the same way.
 *
 * A construct outside it either compiles in one dialect and not the other
 * (upstream Keylime then ignores the whole excludes list while teev uses
 * it, or the reverse) or matches different paths in each, so the same
 * policy would exclude different files. Such an exclude is refused when a
 * policy is loaded, with the reason, rather than judged differently.
 */
#ifndef TEEV_REGEX_DIALECT_H
#define TEEV_REGEX_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

/* 0 when every construct of the regex (len bytes, UTF-8) means the same to
 * PCRE2 (UTF, UCP, newline LF) and to Python 3's re on str patterns; -1
 * with a one-line reason in why and the byte offset of the construct in
 * *where (when not NULL) otherwise. Syntax errors that both dialects refuse
 * are left to the compilers (0). Check the pattern as it is compiled:
 * joined excludes can form constructs that no single one holds. */
int regex_dialect_portable(const char *re, size_t len, size_t *where, char *why,
			   size_t why_len);

/* For each offset at[k] of the same regex (ascending), clean[k] is set
 * when the scan reaches exactly that offset between two constructs (not
 * inside an escape, a character class, a comment or a group opener) with
 * exactly depth groups open. For a regex that regex_dialect_portable()
 * accepts and PCRE2 parses, a clean offset is where the pattern may be cut
 * into pieces that each read as they do in the whole. Returns -1 when the
 * regex is not portable. */
int regex_dialect_depth_at(const char *re, size_t len, const size_t *at, size_t n_at,
			   size_t depth, bool *clean);

#endif
