/* failures.h - the list of verification failures a verdict carries.
 *
 * A verification step never prints or exits: it appends {type, context} to a
 * struct failures and returns. Types are the stable Keylime-style ids from
 * API.md ("tee_attestation.invalid_signature"). The context is a JSON object,
 * usually {"message": "..."}; structured contexts are attached as json-c objects.
 */
#ifndef TEEV_FAILURES_H
#define TEEV_FAILURES_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define FAILURE_TYPE_MAX 96
#define FAILURE_MESSAGE_MAX 480
#define FAILURES_MAX 32

struct failure {
	char type[FAILURE_TYPE_MAX];
	char message[FAILURE_MESSAGE_MAX];
	/* Optional extra context members (owned); merged beside "message", or
	 * the whole context when message is empty (failures_add_context). */
	struct json_object *extra;
};

struct failures {
	size_t count;
	/* Set when more than FAILURES_MAX failures were added; the last slot says so. */
	bool truncated;
	struct failure items[FAILURES_MAX];
};

void failures_init(struct failures *f);
void failures_clear(struct failures *f);

/* Appends a failure whose context is {"message": <formatted text>}. */
void failures_add(struct failures *f, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like failures_add, and takes ownership of extra (a JSON object whose members
 * are added to the context after "message"). */
void failures_add_extra(struct failures *f, struct json_object *extra,
			const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Appends a failure whose whole context is the given JSON object (owned),
 * for Keylime's ids whose context has no "message" member. */
void failures_add_context(struct failures *f, const char *type, struct json_object *context);

bool failures_has_suffix(const struct failures *f, const char *suffix);
bool failures_contains(const struct failures *f, const char *type);

/* Builds the JSON array [{"type":..., "context":{...}}, ...]; caller owns it. */
struct json_object *failures_to_json(const struct failures *f);

#endif
