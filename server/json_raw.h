/* json_raw.h - reusing the request's own JSON text in the answer.
 *
 * Keylime echoes a passing TPM request's `data` in the answer's claims. For
 * a 100,000-entry IMA list that is 18 MB which json-c would serialise again,
 * escaping every byte. The text already is valid JSON (json_guard and
 * json-c checked it), so the answer can carry those bytes verbatim.
 */
#ifndef TEEV_JSON_RAW_H
#define TEEV_JSON_RAW_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/* Where the value of the top-level member `name` lies in text, a JSON
 * object that passed json_guard_check and json-c (so the value is unique).
 * Only an unescaped key matches; false when there is none. */
bool json_raw_member(const char *text, size_t len, const char *name, size_t *start,
		     size_t *span);

/* The same for several names in one pass (an IMA list is scanned once, not
 * once per name). Returns how many were found. */
struct json_raw_span {
	bool found;
	size_t start, len;
};
size_t json_raw_members(const char *text, size_t len, const char *const names[], size_t n,
			struct json_raw_span spans[]);

/* Makes json-c serialise obj as the bytes text[0..len) (which must be the
 * JSON text obj was parsed from). The bytes are not copied: they must
 * outlive every serialisation of obj. */
void json_raw_attach(struct json_object *obj, const char *text, size_t len);

#endif
