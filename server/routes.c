/* routes.c - path parsing, API versions and dispatch (see routes.h). */
#include "server/routes.h"

#include "policy/policy_kinds.h"
#include "server/envelope.h"
#include "server/json_guard.h"
#include "server/json_lift.h"
#include "server/routes_internal.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The API versions GET /version announces (../shared/docs/API.md); the last
 * is current. */
static const char *const supported_versions[] = {"2.4", "2.5"};
#define SUPPORTED_COUNT (sizeof(supported_versions) / sizeof(supported_versions[0]))
#define CURRENT_VERSION "2.5"

/* The versions a path may name: every 2.x that upstream Keylime 7.14.3
 * serves its 2.x routes under (keylime/api_version.py, routes made by
 * _make_versioned_routes), so a client pinned to any of them is answered as
 * upstream answers it. Major-only "2" is CURRENT_VERSION. */
static const char *const accepted_versions[] = {"2.0", "2.1", "2.2", "2.3",
						"2.4", "2.5", "2.6"};
#define ACCEPTED_COUNT (sizeof(accepted_versions) / sizeof(accepted_versions[0]))
#define ACCEPTED_TEXT "2.0 to 2.6"

/* Nesting deeper than this is refused before any handler sees the document. */
#define JSON_MAX_DEPTH 64

enum route_kind { ROUTE_NONE, ROUTE_VERSION, ROUTE_VERIFY_EVIDENCE, ROUTE_POLICY,
		  ROUTE_VERIFICATIONS };

struct parsed_path {
	enum route_kind kind;
	bool bad_version;
	char version[16];
	char collection[32];
	char name[160];
};

static bool version_accepted(const char *version)
{
	for (size_t i = 0; i < ACCEPTED_COUNT; i++)
		if (strcmp(version, accepted_versions[i]) == 0)
			return true;
	return false;
}

/* "/v2.5/verify/evidence", "/v2/...": Keylime's spellings; "/2.5/..."
 * without the "v" is accepted too (upstream answers it 404). Policy paths:
 * "/v2.5/teepolicies[/NAME]". */
static void parse_path(const char *path, struct parsed_path *out)
{
	const char *p = path;
	const char *rest, *slash;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (strcmp(path, "/version") == 0) {
		out->kind = ROUTE_VERSION;
		return;
	}
	if (*p++ != '/')
		return;
	rest = strchr(p, '/');
	if (!rest)
		return;
	if (*p == 'v')
		p++;
	len = (size_t)(rest - p);
	if (len == 0 || len >= sizeof(out->version))
		return;
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] == '.' && i > 0)))
			return;
	memcpy(out->version, p, len);
	out->version[len] = '\0';
	rest++;
	if (strcmp(rest, "verify/evidence") == 0) {
		out->kind = ROUTE_VERIFY_EVIDENCE;
	} else {
		slash = strchr(rest, '/');
		len = slash ? (size_t)(slash - rest) : strlen(rest);
		if (len == 0 || len >= sizeof(out->collection))
			return;
		memcpy(out->collection, rest, len);
		out->collection[len] = '\0';
		bool log = strcmp(out->collection, "verifications") == 0;
		if (!log && !policy_kind_by_collection(out->collection))
			return;
		if (slash) {
			if (strlen(slash + 1) >= sizeof(out->name) || strchr(slash + 1, '/'))
				return;
			snprintf(out->name, sizeof(out->name), "%s", slash + 1);
			if (out->name[0] == '\0')
				return;
		}
		out->kind = log ? ROUTE_VERIFICATIONS : ROUTE_POLICY;
	}
	if (strcmp(out->version, "2") == 0)
		snprintf(out->version, sizeof(out->version), "%s", CURRENT_VERSION);
	else if (!version_accepted(out->version))
		out->bad_version = true;
}

void reply_error(struct route_reply *reply, int code, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	reply->code = code;
	reply->envelope = envelope_error(code, message);
}

void route_error(const char *path, int code, const char *failure_type, const char *message,
		 struct route_reply *reply)
{
	reply->code = code;
	reply->envelope = route_is_evidence(path) ? envelope_failure(code, NULL, failure_type, message)
						  : envelope_error(code, message);
}

bool route_is_evidence(const char *path)
{
	struct parsed_path parsed;

	parse_path(path, &parsed);
	return parsed.kind == ROUTE_VERIFY_EVIDENCE;
}

bool route_anonymous_allowed(const char *method, const char *path)
{
	struct parsed_path parsed;

	parse_path(path, &parsed);
	if (parsed.kind == ROUTE_VERIFY_EVIDENCE)
		return strcmp(method, "POST") == 0;
	if (parsed.kind == ROUTE_VERSION)
		return strcmp(method, "GET") == 0;
	return false;
}

/* route_error with a formatted message. */
static void reply_route_error(struct route_reply *reply, const char *path, int code,
			      const char *failure_type, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void reply_route_error(struct route_reply *reply, const char *path, int code,
			      const char *failure_type, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	route_error(path, code, failure_type, message, reply);
}

static bool method_is(const struct route_request *req, const char *method)
{
	return strcmp(req->method, method) == 0;
}

/* Whether method is one of the comma-separated methods in list ("GET, POST"). */
static bool method_in_list(const char *method, const char *list)
{
	size_t n = strlen(method);

	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len == n && strncmp(p, method, n) == 0)
			return true;
		p += len;
	}
	return false;
}

bool route_reject_early(const struct route_request *req, struct route_reply *reply)
{
	struct parsed_path path;

	memset(reply, 0, sizeof(*reply));
	parse_path(req->path, &path);
	if (path.kind == ROUTE_NONE) {
		reply_error(reply, 404, "no such endpoint: %s", req->path);
		return true;
	}
	if (path.bad_version) {
		reply_route_error(reply, req->path, 400, "default.unsupported_version",
				  "API version %s is not supported (supported: " ACCEPTED_TEXT ")",
				  path.version);
		return true;
	}
	switch (path.kind) {
	case ROUTE_VERSION:
		if (method_is(req, "GET"))
			return false;
		reply_error(reply, 405, "method %s is not allowed on /version (use GET)", req->method);
		reply->allow = "GET";
		return true;
	case ROUTE_VERIFY_EVIDENCE:
		if (method_is(req, "POST"))
			return false;
		reply_route_error(reply, req->path, 405, "default.method_not_allowed",
				  "method %s is not allowed on /verify/evidence (use POST)",
				  req->method);
		reply->allow = "POST";
		return true;
	case ROUTE_VERIFICATIONS:
		if (method_is(req, "GET"))
			return false;
		reply_error(reply, 405, "method %s is not allowed on %s (use GET)", req->method,
			    req->path);
		reply->allow = "GET";
		return true;
	case ROUTE_POLICY: {
		const char *allowed = policy_route_allowed(path.name[0] ? path.name : NULL);
		if (method_in_list(req->method, allowed))
			return false;
		reply_error(reply, 405, "method %s is not allowed on %s (allowed: %s)", req->method,
			    req->path, allowed);
		reply->allow = allowed;
		return true;
	}
	case ROUTE_NONE:
		break;
	}
	return false;
}

static void handle_version(struct route_reply *reply)
{
	struct json_object *results = json_object_new_object();
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < SUPPORTED_COUNT; i++)
		json_object_array_add(list, json_object_new_string(supported_versions[i]));
	json_object_object_add(results, "current_version", json_object_new_string(CURRENT_VERSION));
	json_object_object_add(results, "supported_versions", list);
	reply->code = 200;
	reply->envelope = envelope_new(200, "Success", results);
}

/* json-c over text[0..len): the document, or NULL with why. */
static struct json_object *tokenize(const char *text, size_t len, char *why, size_t cap)
{
	struct json_tokener *tok;
	struct json_object *doc = NULL;
	enum json_tokener_error error;

	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (!tok) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, (int)len);
	error = json_tokener_get_error(tok);
	if (error == json_tokener_continue) {
		snprintf(why, cap, "body is not valid JSON: unexpected end of input");
		json_object_put(doc);
		doc = NULL;
	} else if (error != json_tokener_success) {
		snprintf(why, cap, "body is not valid JSON: %s at offset %zu",
			 json_tokener_error_desc(error), json_tokener_get_parse_end(tok));
	} else {
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
			char c = text[i];
			if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
				snprintf(why, cap, "body is not valid JSON: trailing data at offset %zu", i);
				json_object_put(doc);
				doc = NULL;
				break;
			}
		}
	}
	json_tokener_free(tok);
	return doc;
}

struct json_object *parse_json_body(const struct route_request *req, char *why, size_t cap)
{
	struct json_lift_plan plan;
	struct json_object *doc = NULL;

	if (memchr(req->body, '\0', req->body_len)) {
		snprintf(why, cap, "body contains a NUL byte");
		return NULL;
	}
	if (req->body_len > (size_t)0x7fffffff) {
		snprintf(why, cap, "body is too large to parse");
		return NULL;
	}
	if (json_guard_check(req->body, req->body_len, JSON_MAX_DEPTH, why, cap))
		return NULL;
	/* Long strings (IMA lists, inline policies) are decoded outside json-c;
	 * if that does not work out, json-c reads the original text. */
	json_lift_prepare(req->body, req->body_len, &plan);
	if (plan.count) {
		doc = tokenize(plan.text, plan.len, why, cap);
		if (doc && json_lift_restore(&plan, doc)) {
			json_object_put(doc);
			doc = NULL;
		}
		json_lift_free(&plan);
		if (doc)
			return doc;
	}
	return tokenize(req->body, req->body_len, why, cap);
}


void route_request(struct app *app, const struct route_request *req, struct route_reply *reply)
{
	struct parsed_path path;

	if (route_reject_early(req, reply))
		return;
	parse_path(req->path, &path);
	switch (path.kind) {
	case ROUTE_VERSION:
		handle_version(reply);
		break;
	case ROUTE_VERIFY_EVIDENCE:
		handle_verify_evidence(app, req, reply);
		break;
	case ROUTE_POLICY:
		handle_policy_route(app, req, path.collection, path.name[0] ? path.name : NULL,
				    reply);
		break;
	case ROUTE_VERIFICATIONS:
		handle_verifications(app, req, path.name[0] ? path.name : NULL, reply);
		break;
	case ROUTE_NONE:
		reply_error(reply, 404, "no such endpoint: %s", req->path);
		break;
	}
}
