/* routes.c - path parsing, API versions and the handlers (see routes.h). */
#include "server/routes.h"

#include "server/app.h"
#include "server/envelope.h"
#include "verifier/tee_request.h"
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The API versions this server answers; the last is current. */
static const char *const supported_versions[] = {"2.4", "2.5"};
#define SUPPORTED_COUNT (sizeof(supported_versions) / sizeof(supported_versions[0]))
#define CURRENT_VERSION "2.5"

/* Nesting deeper than this is refused before any handler sees the document. */
#define JSON_MAX_DEPTH 64

enum route_kind { ROUTE_NONE, ROUTE_VERSION, ROUTE_VERIFY_EVIDENCE };

struct parsed_path {
	enum route_kind kind;
	bool bad_version;
	char version[16];
};

/* "/v2.5/verify/evidence", "/2.5/...", "/v2/...": Keylime accepts an
 * optional "v" and a major-only version. */
static void parse_path(const char *path, struct parsed_path *out)
{
	const char *p = path;
	const char *rest;
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
	if (strcmp(rest, "/verify/evidence") != 0)
		return;
	out->kind = ROUTE_VERIFY_EVIDENCE;
	if (strcmp(out->version, "2") == 0) {
		snprintf(out->version, sizeof(out->version), "%s", CURRENT_VERSION);
		return;
	}
	for (size_t i = 0; i < SUPPORTED_COUNT; i++)
		if (strcmp(out->version, supported_versions[i]) == 0)
			return;
	out->bad_version = true;
}

static void reply_error(struct route_reply *reply, int code, const char *fmt, const char *arg)
{
	char message[512];

	snprintf(message, sizeof(message), fmt, arg);
	reply->code = code;
	reply->envelope = envelope_error(code, message);
}

bool route_reject_early(const struct route_request *req, struct route_reply *reply)
{
	struct parsed_path path;

	memset(reply, 0, sizeof(*reply));
	parse_path(req->path, &path);
	switch (path.kind) {
	case ROUTE_NONE:
		reply_error(reply, 404, "no such endpoint: %s", req->path);
		return true;
	case ROUTE_VERSION:
		if (strcmp(req->method, "GET") != 0) {
			reply_error(reply, 405, "method %s is not allowed on /version (use GET)",
				    req->method);
			reply->allow = "GET";
			return true;
		}
		return false;
	case ROUTE_VERIFY_EVIDENCE:
		if (path.bad_version) {
			char message[256];
			snprintf(message, sizeof(message),
				 "API version %s is not supported (supported: 2.4, 2.5)",
				 path.version);
			reply->code = 400;
			reply->envelope = envelope_error(400, message);
			return true;
		}
		if (strcmp(req->method, "POST") != 0) {
			reply_error(reply, 405,
				    "method %s is not allowed on /verify/evidence (use POST)",
				    req->method);
			reply->allow = "POST";
			return true;
		}
		return false;
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

/* Keylime's top-level errors carry their text in "status" and empty results. */
static void reply_request_error(struct route_reply *reply, const char *status)
{
	reply->code = 400;
	reply->envelope = envelope_new(400, status, NULL);
}

/* Parses the body strictly: one JSON value, nothing after it, bounded depth. */
static struct json_object *parse_body(const struct route_request *req, char *why, size_t cap)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	struct json_object *doc = NULL;
	enum json_tokener_error error;

	if (!tok) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	if (memchr(req->body, '\0', req->body_len)) {
		snprintf(why, cap, "body contains a NUL byte");
		goto out;
	}
	doc = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	error = json_tokener_get_error(tok);
	if (error == json_tokener_continue) {
		snprintf(why, cap, "body is not valid JSON: unexpected end of input");
		json_object_put(doc);
		doc = NULL;
		goto out;
	}
	if (error != json_tokener_success) {
		snprintf(why, cap, "body is not valid JSON: %s at offset %zu",
			 json_tokener_error_desc(error), json_tokener_get_parse_end(tok));
		goto out;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < req->body_len; i++) {
		char c = req->body[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			snprintf(why, cap, "body is not valid JSON: trailing data at offset %zu", i);
			json_object_put(doc);
			doc = NULL;
			goto out;
		}
	}
out:
	json_tokener_free(tok);
	return doc;
}

/* Keylime: a key is present when it exists and its value is not "" (JSON
 * null counts as present; json-c represents it as a NULL value). */
static bool present(struct json_object *obj, const char *key, struct json_object **value)
{
	*value = NULL;
	if (!json_object_object_get_ex(obj, key, value))
		return false;
	return !(*value && json_object_is_type(*value, json_type_string) &&
		 json_object_get_string_len(*value) == 0);
}

static void handle_verify(struct app *app, const struct route_request *req,
			  struct route_reply *reply)
{
	struct json_object *doc, *type, *data;
	char why[256];
	struct verdict verdict;
	const char *type_text;

	if (req->body_len == 0) {
		reply_request_error(reply, "missing request body: expected {\"type\": ..., \"data\": ...}");
		return;
	}
	doc = parse_body(req, why, sizeof(why));
	if (!doc) {
		reply_request_error(reply, why);
		return;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		reply_request_error(reply, "body must be a JSON object {\"type\": ..., \"data\": ...}");
		json_object_put(doc);
		return;
	}
	if (!present(doc, "type", &type)) {
		reply_request_error(reply, "missing parameter 'type'");
		json_object_put(doc);
		return;
	}
	if (!present(doc, "data", &data)) {
		reply_request_error(reply, "missing parameter 'data'");
		json_object_put(doc);
		return;
	}
	type_text = json_object_is_type(type, json_type_string) ? json_object_get_string(type) : "";
	verdict_init(&verdict);
	if (strcmp(type_text, "tee") == 0) {
		struct tee_context ctx = {.snp = app->snp, .now = time(NULL)};
		tee_request_verify(&ctx, data, &verdict);
	} else {
		reply_request_error(reply, "invalid evidence type");
		verdict_clear(&verdict);
		json_object_put(doc);
		return;
	}
	reply->envelope = envelope_from_verdict(&verdict, &reply->code);
	verdict_clear(&verdict);
	json_object_put(doc);
}

void route_request(struct app *app, const struct route_request *req, struct route_reply *reply)
{
	struct parsed_path path;

	if (route_reject_early(req, reply))
		return;
	parse_path(req->path, &path);
	if (path.kind == ROUTE_VERSION)
		handle_version(reply);
	else
		handle_verify(app, req, reply);
}
