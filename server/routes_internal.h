/* routes_internal.h - shared by the route handlers (routes*.c) only. */
#ifndef TEEV_ROUTES_INTERNAL_H
#define TEEV_ROUTES_INTERNAL_H

#include "server/routes.h"

#include <stddef.h>

struct json_object;

/* Fills reply with an error envelope whose results carry the message. */
void reply_error(struct route_reply *reply, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses a body strictly (one JSON value, nothing after it, bounded depth,
 * valid UTF-8, no NUL). Returns NULL with a message in why. */
struct json_object *parse_json_body(const struct route_request *req, char *why, size_t cap);

void handle_verify_evidence(struct app *app, const struct route_request *req,
			    struct route_reply *reply);

/* /vX.Y/<collection>[/<name>] for a stored-policy kind. */
void handle_policy_route(struct app *app, const struct route_request *req,
			 const char *collection, const char *name, struct route_reply *reply);
/* GET /vX.Y/verifications[/ID]: the verification log (admins only). */
void handle_verifications(struct app *app, const struct route_request *req, const char *id,
			  struct route_reply *reply);

/* The methods a policy path allows, for 405 answers. */
const char *policy_route_allowed(const char *name);

#endif
