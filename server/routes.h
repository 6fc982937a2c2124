/* routes.h - the REST API, independent of the HTTP library: a request in
 * (method, path, body, client identity), a JSON envelope out. The listener
 * (http.c) calls route_body_expected() before reading a body and
 * route_request() once it has it. */
#ifndef TEEV_ROUTES_H
#define TEEV_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct app;
struct admin_set;

struct route_request {
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated; may contain other NULs (len says) */
	size_t body_len;
	const char *client;             /* subject of the verified client certificate */
	const char *client_fingerprint; /* SHA-256 of its DER, lower-case hex */
	/* policy_admins as the listener that took the request read them (with
	 * its TLS files, so SIGHUP reloads both); NULL: nobody. */
	const struct admin_set *admins;
	/* SHA-256 of the body (hex) when the listener computed it while the
	 * body arrived; NULL otherwise. */
	const char *body_sha256;
	/* Query arguments ("?since=..."): arg(arg_ctx, name) or NULL. */
	const char *(*arg)(void *ctx, const char *name);
	void *arg_ctx;
};

struct route_reply {
	int code;
	struct json_object *envelope; /* owned by the caller after return */
	const char *allow;            /* Allow header for 405, else NULL */
	unsigned retry_after;         /* seconds for a Retry-After header (503); 0: none */
	const char *verdict;          /* for the request log: "pass", "fail", ... or NULL */
};

/* Decides, before any body is read, whether the request can only get an
 * error (unknown path, wrong method, unsupported version). Returns true and
 * fills reply when so. */
bool route_reject_early(const struct route_request *req, struct route_reply *reply);

/* An error answer for a request to path. On /vX.Y/verify/evidence it has
 * the shape of a verification, as every answer there must (API.md):
 * results {"valid": false, "claims": {}, "failures": [{"type":
 * failure_type, "context": {"message": message}}]}; elsewhere results
 * {"message": message}. */
void route_error(const char *path, int code, const char *failure_type, const char *message,
		 struct route_reply *reply);

/* Whether path is /vX.Y/verify/evidence (any version, supported or not). */
bool route_is_evidence(const char *path);

/* Whether a client without a certificate may make this request when
 * evidence_client_auth = optional: POST /vX.Y/verify/evidence and GET
 * /version, as upstream Keylime makes them public. */
bool route_anonymous_allowed(const char *method, const char *path);

/* Answers a complete request. */
void route_request(struct app *app, const struct route_request *req, struct route_reply *reply);

#endif
