/* regex_dialect.c - refuses regex constructs that PCRE2 and Python's re read
 * differently (see regex_dialect.h).
 *
 * One pass over the pattern, tracking character classes and the group
 * stack. What is accepted was compared, compile result and match result,
 * between PCRE2 10.42 (UTF, UCP, newline LF: what runtime_policy.c
 * compiles) and CPython 3.11's re; what is refused, and why:
 *   - PCRE2-only syntax that Python rejects: \Q..\E, \K, \h, \R, \X, \G,
 *     \z, \e, \c, \o, \g, \k, \p, \x{..}, (*VERB), (?<name>..), (?'..'),
 *     (?|..), (?R), (?1), (?&..), (?P>..), (?C..), (?^..), (?J) and other
 *     flags, conditionals;
 *   - Python-only syntax that PCRE2 10.42 rejects or reads as literals:
 *     \u, \U, \N{..}, {,n}, counts above 65535;
 *   - the same syntax with different meanings: POSIX classes [[:alpha:]]
 *     (a class to PCRE2, the characters "[:alph" and a "]" to Python), \v
 *     (vertical space vs VT), \s and \S (Python adds U+001C-U+001F, PCRE2
 *     U+180E), (?i) (Python folds i and I to U+0130/U+0131 too), (?x)
 *     (PCRE2 ignores more white space), inline flags that do not open a
 *     group (Python refuses them once the excludes are joined, which puts
 *     them mid-pattern), alternatives directly in a lookbehind (PCRE2 allows
 *     different lengths, Python does not), backreferences and octal \1-\9
 *     (forward references and \10+ differ);
 *   - possessive quantifiers and atomic groups, which Python's re accepts
 *     only from 3.11 on: Keylime on an older Python ignores the whole list.
 */
#include "policy/regex_dialect.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* PCRE2's default nesting limit is 250 parentheses; Python has none. */
#define MAX_NEST 200
#define MAX_COUNT 65535 /* PCRE2's largest {n,m} count */
#define MAX_GROUP_NAME 32

struct scan {
	const char *p;
	size_t n, i;
	char *why;
	size_t why_len;
	/* regex_dialect_depth_at(): the offsets asked about, and the answers */
	const size_t *marks;
	size_t n_marks, next_mark, mark_depth;
	bool *clean;
};

static int refuse(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct scan *s, const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(s->why, s->why_len, "%s", reason);
	return -1;
}

static int at(const struct scan *s, size_t k)
{
	return s->i + k < s->n ? (unsigned char)s->p[s->i + k] : -1;
}

static bool is_hex(int c)
{
	return c >= 0 && c < 0x80 && isxdigit(c);
}

/* One escape at s->i (the backslash). */
static int check_escape(struct scan *s, bool in_class)
{
	int c = at(s, 1);

	if (c < 0) {
		s->i++;
		return 0; /* a trailing backslash: an error to both */
	}
	if (c >= 0x80 || !isalnum(c)) {
		s->i += 2; /* an escaped punctuation mark or non-ASCII character is itself */
		return 0;
	}
	switch (c) {
	case '0': /* \0 and up to two more octal digits, in both */
	case 'a':
	case 'f':
	case 'n':
	case 'r':
	case 't':
	case 'd':
	case 'D':
	case 'w':
	case 'W':
	case 'b': /* a word boundary outside a class, backspace inside, in both */
		s->i += 2;
		return 0;
	case 'B':
		return refuse(s, "\\B differs on an empty name (Python's never matches one)");
	case 'A':
	case 'Z': /* \Z differs only before a final newline; IMA names have none */
		if (in_class)
			return refuse(s, "\\%c inside a character class", c);
		s->i += 2;
		return 0;
	case 'x':
		if (is_hex(at(s, 2)) && is_hex(at(s, 3))) {
			s->i += 4;
			return 0;
		}
		return refuse(s, "\\x must be followed by exactly two hex digits (Python's form)");
	case 's':
	case 'S':
		return refuse(s, "\\%c matches different characters in PCRE2 and Python (U+001C-U+001F, "
				 "U+180E); name the characters instead",
			      c);
	case 'v':
		return refuse(s, "\\v is vertical white space to PCRE2 but the VT character to Python");
	case 'Q':
	case 'E':
		return refuse(s, "\\Q...\\E quoting is PCRE2 syntax, an error to Python");
	case 'u':
	case 'U':
	case 'N':
		return refuse(s, "\\%c is a Python escape that PCRE2 reads differently; write the "
				 "character itself",
			      c);
	default:
		if (c >= '1' && c <= '9')
			return refuse(s, "backreferences and octal escapes \\1-\\9 differ between "
					 "PCRE2 and Python");
		return refuse(s, "\\%c is not an escape that PCRE2 and Python read the same way", c);
	}
}

/* A character class at s->i (the '['). */
static int check_class(struct scan *s)
{
	s->i++;
	if (at(s, 0) == '^')
		s->i++;
	if (at(s, 0) == ':' || at(s, 0) == '.' || at(s, 0) == '=')
		return refuse(s, "a class starting with '%c' reads as a POSIX class to PCRE2; put "
				 "the '%c' later in the class",
			      at(s, 0), at(s, 0));
	if (at(s, 0) == ']')
		s->i++; /* a leading ']' is a member, in both */
	while (s->i < s->n) {
		int c = at(s, 0);

		if (c == ']') {
			s->i++;
			return 0;
		}
		if (c == '\\') {
			if (check_escape(s, true) != 0)
				return -1;
			continue;
		}
		if (c == '[' && (at(s, 1) == ':' || at(s, 1) == '.' || at(s, 1) == '=')) {
			return refuse(s, "[%c...%c] is a POSIX class to PCRE2 but literal characters to "
					 "Python",
				      at(s, 1), at(s, 1));
		}
		s->i++;
	}
	return 0; /* unterminated: an error to both */
}

/* After a quantifier: a lazy '?' is common ground, a possessive '+' is not. */
static int check_after_quantifier(struct scan *s)
{
	if (at(s, 0) == '?')
		s->i++;
	if (at(s, 0) == '+')
		return refuse(s, "possessive quantifiers are not in Python's re before 3.11");
	return 0;
}

/* Decimal digits at s->i; their value (saturated) in *v, how many in the return. */
static size_t digits(struct scan *s, unsigned long *v)
{
	size_t k = 0;

	*v = 0;
	while (at(s, (size_t)k) >= '0' && at(s, (size_t)k) <= '9') {
		if (*v <= MAX_COUNT)
			*v = *v * 10 + (unsigned long)(at(s, (size_t)k) - '0');
		k++;
	}
	return k;
}

/* '{' at s->i: a counted quantifier in both, or a literal brace in both. */
static int check_brace(struct scan *s)
{
	size_t start = s->i, k;
	unsigned long lo = 0, hi = 0;

	if (at(s, 1) == ',')
		return refuse(s, "{,n} is a quantifier to Python but literal text to PCRE2 10.42; "
				 "write {0,n}");
	s->i++;
	k = digits(s, &lo);
	if (k == 0) {
		s->i = start + 1; /* "{" not followed by a count: literal, in both */
		return 0;
	}
	s->i += k;
	if (at(s, 0) == ',') {
		s->i++;
		s->i += digits(s, &hi);
	}
	if (at(s, 0) != '}') {
		s->i = start + 1;
		return 0;
	}
	s->i++;
	if (lo > MAX_COUNT || hi > MAX_COUNT) {
		s->i = start;
		return refuse(s, "counts above %d are an error to PCRE2", MAX_COUNT);
	}
	return check_after_quantifier(s);
}

/* (?P<name>: letters, digits and '_', not starting with a digit. */
static int check_group_name(struct scan *s)
{
	size_t k = 0;

	while (s->i + k < s->n && s->p[s->i + k] != '>') {
		int c = at(s, k);

		if (!(c < 0x80 && (isalnum(c) || c == '_')) || (k == 0 && isdigit(c)))
			return refuse(s, "group names must be ASCII letters, digits and '_' (PCRE2 "
					 "and Python differ on others)");
		k++;
	}
	if (k == 0 || k > MAX_GROUP_NAME)
		return refuse(s, "group names must be 1 to %d characters", MAX_GROUP_NAME);
	s->i += k + 1;
	return 0;
}

/* Inline flags at s->i (just after "(?"): only scoped m and s. */
static int check_flags(struct scan *s)
{
	size_t k = 0;
	bool minus = false, any_before = false, any_after = false;

	for (;; k++) {
		int c = at(s, k);

		if (c == ':' || c == ')')
			break;
		if (c == '-' && !minus) {
			minus = true;
			continue;
		}
		if (c == 'i')
			return refuse(s, "(?i) folds case differently (Python also matches i and I to "
					 "U+0130 and U+0131)");
		if (c == 'x')
			return refuse(s, "(?x) ignores different white space in PCRE2 and Python");
		if (c != 'm' && c != 's')
			return refuse(s, "inline flags other than m and s are not read the same way "
					 "by PCRE2 and Python");
		if (minus)
			any_after = true;
		else
			any_before = true;
	}
	if (at(s, k) != ':')
		return refuse(s, "inline flags must open a group, as in (?s:...): Python refuses "
				 "flags in the middle of the joined excludes");
	if ((minus && !any_after) || (!any_before && !any_after))
		return refuse(s, "an inline flag group needs a flag after each '-' (Python's rule)");
	s->i += k + 1;
	return 0;
}

/* "(" at s->i: which group it opens, or a refusal. *lookbehind is set for
 * (?<= and (?<!. */
static int check_group(struct scan *s, bool *lookbehind)
{
	int c = at(s, 1), d;

	*lookbehind = false;
	if (c == '*')
		return refuse(s, "(*...) verbs and options are PCRE2 syntax, an error to Python");
	if (c != '?') {
		s->i++;
		return 0;
	}
	d = at(s, 2);
	switch (d) {
	case ':':
	case '=':
	case '!':
		s->i += 3;
		return 0;
	case '<':
		if (at(s, 3) == '=' || at(s, 3) == '!') {
			*lookbehind = true;
			s->i += 4;
			return 0;
		}
		return refuse(s, "(?<name>...) is PCRE2 syntax; Python needs (?P<name>...)");
	case 'P':
		if (at(s, 3) == '<') {
			s->i += 4;
			return check_group_name(s);
		}
		if (at(s, 3) == '=')
			return refuse(s, "named backreferences differ between PCRE2 and Python");
		return refuse(s, "(?P%c is not read the same way by PCRE2 and Python",
			      at(s, 3) < 0 ? ' ' : at(s, 3));
	case '>':
		return refuse(s, "atomic groups are not in Python's re before 3.11");
	case '(':
		return refuse(s, "conditional groups are not read the same way by PCRE2 and Python");
	default:
		if (d == '-' || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z')) {
			s->i += 2;
			return check_flags(s);
		}
		return refuse(s, "(?%c is not a group that PCRE2 and Python read the same way",
			      d < 0 ? ' ' : d);
	}
}

/* The whole pattern; s->i is where a refusal was found. */
static int scan_pattern(struct scan *s)
{
	bool lookbehind[MAX_NEST + 1] = {false};
	size_t depth = 0;

	while (s->i < s->n) {
		int c = at(s, 0);
		bool lb;

		/* Marks the last construct stepped over are inside it. */
		while (s->next_mark < s->n_marks && s->marks[s->next_mark] < s->i)
			s->next_mark++;
		if (s->next_mark < s->n_marks && s->marks[s->next_mark] == s->i)
			s->clean[s->next_mark++] = depth == s->mark_depth;

		switch (c) {
		case '\\':
			if (check_escape(s, false) != 0)
				return -1;
			break;
		case '[':
			if (check_class(s) != 0)
				return -1;
			break;
		case '(':
			if (at(s, 1) == '?' && at(s, 2) == '#') {
				/* A comment, up to the first ')' in both. */
				const char *end = memchr(s->p + s->i, ')', s->n - s->i);
				s->i = end ? (size_t)(end - s->p) + 1 : s->n;
				if (at(s, 0) == '*' || at(s, 0) == '+' || at(s, 0) == '?' ||
				    at(s, 0) == '{')
					return refuse(s, "a quantifier after a (?#...) comment applies "
							 "differently in PCRE2 and Python");
				break;
			}
			if (check_group(s, &lb) != 0)
				return -1;
			if (depth == MAX_NEST)
				return refuse(s, "groups nested deeper than %d", MAX_NEST);
			lookbehind[++depth] = lb;
			break;
		case ')':
			if (depth > 0)
				depth--;
			s->i++;
			break;
		case '|':
			if (lookbehind[depth])
				return refuse(s, "alternatives directly inside a lookbehind (PCRE2 allows "
						 "different lengths, Python does not); write one "
						 "lookbehind per alternative");
			s->i++;
			break;
		case '*':
		case '+':
		case '?':
			s->i++;
			if (check_after_quantifier(s) != 0)
				return -1;
			break;
		case '{':
			if (check_brace(s) != 0)
				return -1;
			break;
		default:
			s->i++;
		}
	}
	return 0;
}

int regex_dialect_portable(const char *re, size_t len, size_t *where, char *why,
			   size_t why_len)
{
	struct scan s = {re, len, 0, why, why_len, NULL, 0, 0, 0, NULL};
	int rc = scan_pattern(&s);

	if (rc != 0 && where)
		*where = s.i;
	return rc;
}

int regex_dialect_depth_at(const char *re, size_t len, const size_t *at, size_t n_at,
			   size_t depth, bool *clean)
{
	char why[200];
	struct scan s = {re, len, 0, why, sizeof(why), at, n_at, 0, depth, clean};

	for (size_t k = 0; k < n_at; k++)
		clean[k] = false;
	return scan_pattern(&s);
}
