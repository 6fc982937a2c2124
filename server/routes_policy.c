/* routes_policy.c - stored policies over REST:
 *   GET    /vX.Y/<collection>          list
 *   GET    /vX.Y/<collection>/NAME     one
 *   POST   /vX.Y/<collection>/NAME     create (409 if it exists)
 *   PUT    /vX.Y/<collection>/NAME     replace (bumps the version)
 *   DELETE /vX.Y/<collection>/NAME
 * teev's collections (teepolicies, tpmpolicies) take the document itself as
 * the body and answer with its version and timestamps. Keylime's
 * (allowlists, mbpolicies) keep Keylime's shapes: the document travels in
 * "runtime_policy" (base64) or "mb_policy", lists are "<kind> names".
 * Writes need a policy-admin client certificate (403 otherwise). A document
 * is compiled before it is stored, so nothing invalid or half-written is
 * ever kept. */
#include "db/policy_store.h"
#include "policy/policy_kinds.h"
#include "server/admins.h"
#include "server/app.h"
#include "server/envelope.h"
#include "server/routes_internal.h"
#include "verifier/b64.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *policy_route_allowed(const char *name)
{
	return name ? "GET, POST, PUT, DELETE" : "GET";
}

static struct json_object *timestamp(int64_t seconds)
{
	char text[32];
	time_t t = (time_t)seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(text);
}

static struct json_object *policy_summary(const struct stored_policy *p)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "kind", json_object_new_string(p->kind));
	json_object_object_add(o, "version", json_object_new_int64(p->version));
	json_object_object_add(o, "created_at", timestamp(p->created_at));
	json_object_object_add(o, "updated_at", timestamp(p->updated_at));
	return o;
}

static void reply_ok(struct route_reply *reply, int code, struct json_object *results)
{
	reply->code = code;
	reply->envelope = envelope_new(code, http_reason(code), results);
}

static const char *label(const struct policy_kind_info *kind)
{
	return kind->keylime ? kind->keylime->label : kind->cli_name;
}

/* 503 when the storage itself failed (full, read-only): the client may try
 * again later and nothing stored changed; 500 for anything else. */
static void reply_store_error(struct route_reply *reply, enum store_result rc, const char *err)
{
	if (rc == STORE_UNAVAILABLE)
		reply_error(reply, 503, "policy storage unavailable, nothing was changed: %s", err);
	else
		reply_error(reply, 500, "%s", err);
}

static void list_policies(struct app *app, const struct policy_kind_info *kind,
			  struct route_reply *reply)
{
	struct stored_policy *items = NULL;
	char err[512];
	int n = policy_store_list(app->db, kind->ops.kind, &items, err, sizeof(err));
	struct json_object *results, *list;

	if (n < 0) {
		reply_error(reply, 500, "%s", err);
		return;
	}
	results = json_object_new_object();
	list = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(list, kind->keylime ? json_object_new_string(items[i].name)
							  : policy_summary(&items[i]));
	if (kind->keylime) {
		json_object_object_add(results, kind->keylime->list_key, list);
	} else {
		json_object_object_add(results, "kind", json_object_new_string(kind->ops.kind));
		json_object_object_add(results, "policies", list);
	}
	free(items);
	reply_ok(reply, 200, results);
}

/* Keylime's answer to GET: {"name", "tpm_policy", "runtime_policy": b64} or
 * {"name", "mb_policy": text}. */
static struct json_object *keylime_show(const struct policy_kind_info *kind,
					const struct stored_policy *p)
{
	struct json_object *o = json_object_new_object();
	size_t len = strlen(p->document);

	json_object_object_add(o, "name", json_object_new_string(p->name));
	if (!kind->keylime->base64) {
		json_object_object_add(o, kind->keylime->body_field,
				       json_object_new_string(p->document));
		return o;
	}
	size_t cap = b64_encoded_len(B64_STD, len) + 1;
	char *encoded = malloc(cap);
	if (encoded && (len == 0 || b64_encode(B64_STD, (const uint8_t *)p->document, len, encoded, cap) > 0)) {
		if (len == 0)
			encoded[0] = '\0';
		json_object_object_add(o, "tpm_policy", json_object_new_string(""));
		json_object_object_add(o, kind->keylime->body_field, json_object_new_string(encoded));
	}
	free(encoded);
	return o;
}

static void show_policy(struct app *app, const struct policy_kind_info *kind, const char *name,
			struct route_reply *reply)
{
	struct stored_policy p;
	char err[512];
	enum store_result rc = policy_store_get(app->db, kind->ops.kind, name, &p, err, sizeof(err));
	struct json_object *results;

	if (rc == STORE_NOT_FOUND) {
		reply_error(reply, 404, "%s %s not found", label(kind), name);
		return;
	}
	if (rc != STORE_OK) {
		reply_store_error(reply, rc, err);
		return;
	}
	if (kind->keylime) {
		results = keylime_show(kind, &p);
	} else {
		results = policy_summary(&p);
		json_object_object_add(results, "policy", json_tokener_parse(p.document));
	}
	stored_policy_clear(&p);
	reply_ok(reply, 200, results);
}

/* The document text a write carries: the body itself for teev's kinds, a
 * field of it for Keylime's. Returns malloc'd text or NULL after a 400. */
static char *document_of(const struct policy_kind_info *kind, const struct route_request *req,
			 struct route_reply *reply)
{
	char why[512];
	struct json_object *doc = parse_json_body(req, why, sizeof(why));
	struct json_object *field = NULL;
	char *text = NULL;

	if (!doc) {
		reply_error(reply, 400, "%s", req->body_len ? why : "missing policy document in the body");
		return NULL;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		reply_error(reply, 400, kind->keylime ? "the body must be a JSON object with \"%s\""
						    : "the body must be the policy document, a JSON object%s",
			    kind->keylime ? kind->keylime->body_field : "");
		goto out;
	}
	if (!kind->keylime) {
		text = strdup(json_object_to_json_string_ext(
			doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		goto out;
	}
	json_object_object_foreach(doc, key, value)
	{
		/* Keylime's detached-signature fields: only empty ones are accepted;
		 * a signed runtime policy comes as a DSSE envelope. */
		if ((strcmp(key, "runtime_policy_sig") == 0 || strcmp(key, "runtime_policy_key") == 0) &&
		    json_object_is_type(value, json_type_string) && json_object_get_string_len(value) == 0)
			continue;
		if (strcmp(key, "tpm_policy") == 0 && (value == NULL || json_object_get_string_len(value) == 0 ||
						       strcmp(json_object_get_string(value), "{}") == 0))
			continue;
		if (strcmp(key, kind->keylime->body_field) != 0) {
			reply_error(reply, 400,
				    "field \"%s\" is not supported here (send the policy in \"%s\"; signed runtime policies as a DSSE envelope)",
				    key, kind->keylime->body_field);
			goto out;
		}
	}
	json_object_object_get_ex(doc, kind->keylime->body_field, &field);
	if (kind->keylime->base64) {
		size_t len = 0, cap;
		if (!json_object_is_type(field, json_type_string) || json_object_get_string_len(field) == 0) {
			reply_error(reply, 400, "missing parameter \"%s\" (base64 of the policy JSON)",
				    kind->keylime->body_field);
			goto out;
		}
		cap = b64_decoded_max((size_t)json_object_get_string_len(field)) + 1;
		text = malloc(cap);
		if (!text || b64_decode(B64_STD, json_object_get_string(field),
					(size_t)json_object_get_string_len(field), (uint8_t *)text, cap - 1,
					&len)) {
			reply_error(reply, 400, "parameter \"%s\" is not valid standard base64",
				    kind->keylime->body_field);
			free(text);
			text = NULL;
			goto out;
		}
		text[len] = '\0';
	} else if (json_object_is_type(field, json_type_string) && json_object_get_string_len(field) > 0) {
		text = strdup(json_object_get_string(field));
	} else if (json_object_is_type(field, json_type_object)) {
		text = strdup(json_object_to_json_string_ext(field, JSON_C_TO_STRING_PLAIN));
	} else {
		reply_error(reply, 400, "missing parameter \"%s\" (the policy as a JSON string)",
			    kind->keylime->body_field);
	}
out:
	json_object_put(doc);
	return text;
}

static void write_policy(struct app *app, const struct policy_kind_info *kind, const char *name,
			 const struct route_request *req, bool create, struct route_reply *reply)
{
	struct stored_policy stored;
	char err[512];
	enum store_result rc;
	char *text = document_of(kind, req, reply);
	void *compiled;

	if (!text)
		return;
	compiled = kind->ops.compile(app->policy_ctx, text, strlen(text), err, sizeof(err));
	if (!compiled) {
		reply_error(reply, 400, "invalid %s policy: %s", kind->cli_name, err);
		goto out;
	}
	kind->ops.release(compiled);
	rc = create ? policy_store_create(app->db, kind->ops.kind, name, text, &stored, err,
					  sizeof(err))
		    : policy_store_replace(app->db, kind->ops.kind, name, text, &stored, err,
					   sizeof(err));
	if (rc == STORE_EXISTS) {
		reply_error(reply, 409, "%s with name %s already exists (use PUT to replace it)",
			    label(kind), name);
	} else if (rc == STORE_NOT_FOUND) {
		reply_error(reply, 404, "%s %s not found (use POST to create it)", label(kind), name);
	} else if (rc != STORE_OK) {
		reply_store_error(reply, rc, err);
	} else {
		/* Keylime answers a write with empty results and 201, for PUT
		 * as well (cloud_verifier_tornado.py, 7.14.3); teev's own
		 * collections say the version and answer a replacement with 200. */
		reply_ok(reply, create || kind->keylime ? 201 : 200,
			 kind->keylime ? json_object_new_object() : policy_summary(&stored));
		stored_policy_clear(&stored);
	}
out:
	free(text);
}

static void delete_policy(struct app *app, const struct policy_kind_info *kind, const char *name,
			  struct route_reply *reply)
{
	char err[512];
	enum store_result rc = policy_store_delete(app->db, kind->ops.kind, name, err, sizeof(err));
	struct json_object *results;

	if (rc == STORE_NOT_FOUND) {
		reply_error(reply, 404, "%s %s not found", label(kind), name);
		return;
	}
	if (rc != STORE_OK) {
		reply_store_error(reply, rc, err);
		return;
	}
	results = json_object_new_object();
	if (!kind->keylime) {
		json_object_object_add(results, "name", json_object_new_string(name));
		json_object_object_add(results, "deleted", json_object_new_boolean(1));
	}
	reply_ok(reply, 200, results);
}

void handle_policy_route(struct app *app, const struct route_request *req,
			 const char *collection, const char *name, struct route_reply *reply)
{
	const struct policy_kind_info *kind = policy_kind_by_collection(collection);
	bool reading = strcmp(req->method, "GET") == 0;

	if (name && !policy_name_valid(name)) {
		reply_error(reply, 400,
			    "policy name \"%s\" is invalid: use 1..128 of A-Z a-z 0-9 . _ - (not starting with '.')",
			    name);
		return;
	}
	if (!reading && !admins_contains(req->admins, req->client_fingerprint)) {
		reply_error(reply, 403,
			    "this client certificate is not a policy administrator (see policy_admins)");
		return;
	}
	if (!name)
		list_policies(app, kind, reply);
	else if (reading)
		show_policy(app, kind, name, reply);
	else if (strcmp(req->method, "POST") == 0)
		write_policy(app, kind, name, req, true, reply);
	else if (strcmp(req->method, "PUT") == 0)
		write_policy(app, kind, name, req, false, reply);
	else
		delete_policy(app, kind, name, reply);
}
