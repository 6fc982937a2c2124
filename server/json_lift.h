/* json_lift.h - parsing request bodies that carry a few very long strings.
 *
 * json-c reads a string a byte at a time into a growing buffer and then
 * copies it: for the 18 MB IMA list of a 100,000-entry quote that was most
 * of a verdict's CPU. Before json-c runs, a plan takes the long strings out
 * of the text (only the members Keylime's API makes long, at the top level
 * or in the top-level "data" object, and only strings without \u escapes),
 * and decodes them in one pass; json-c parses what is left, and the plan
 * puts the decoded strings back. The tree is the same as json-c's own.
 * The text must already have passed json_guard_check.
 */
#ifndef TEEV_JSON_LIFT_H
#define TEEV_JSON_LIFT_H

#include <stddef.h>

struct json_object;

/* Strings shorter than this are left to json-c. */
#define JSON_LIFT_MIN (64 * 1024)
#define JSON_LIFT_MAX_MEMBERS 8

struct json_lift_member {
	const char *name;    /* member name (static) */
	const char *parent;  /* NULL: the top-level object; else this top-level member */
	char *decoded;       /* the string's value (owned), NUL-terminated */
	size_t decoded_len;
	size_t start, end;   /* the string's content (between the quotes) in the text */
};

struct json_lift_plan {
	struct json_lift_member members[JSON_LIFT_MAX_MEMBERS];
	size_t count;
	char *text; /* the text without the lifted strings (owned) */
	size_t len;
};

/* Fills plan; plan->count is 0 (and plan->text NULL) when there is nothing
 * worth lifting or the memory for it is not there: parse the text as is. */
void json_lift_prepare(const char *text, size_t len, struct json_lift_plan *plan);

/* Puts the lifted strings back into doc, parsed from plan->text. Returns 0,
 * or -1 when doc does not have the expected shape (then parse the
 * original text instead). */
int json_lift_restore(struct json_lift_plan *plan, struct json_object *doc);

void json_lift_free(struct json_lift_plan *plan);

#endif
