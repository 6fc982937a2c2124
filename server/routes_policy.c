/* routes_policy.c - stored policies over REST:
 *   GET    /vX.Y/<collection>          list
 *   GET    /vX.Y/<collection>/NAME     one, with version and timestamps
 *   POST   /vX.Y/<collection>/NAME     create (409 if it exists)
 *   PUT    /vX.Y/<collection>/NAME     replace (bumps the version)
 *   DELETE /vX.Y/<collection>/NAME
 * The body of POST and PUT is the policy document itself. Writes need a
 * policy-admin client certificate (403 otherwise). A document is compiled
 * before it is stored, so nothing invalid or half-written is ever kept. */
#include "db/policy_store.h"
#include "policy/policy_kinds.h"
#include "server/admins.h"
#include "server/app.h"
#include "server/envelope.h"
#include "server/routes_internal.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
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
		json_object_array_add(list, policy_summary(&items[i]));
	json_object_object_add(results, "kind", json_object_new_string(kind->ops.kind));
	json_object_object_add(results, "policies", list);
	free(items);
	reply_ok(reply, 200, results);
}

static void show_policy(struct app *app, const struct policy_kind_info *kind, const char *name,
			struct route_reply *reply)
{
	struct stored_policy p;
	char err[512];
	enum store_result rc = policy_store_get(app->db, kind->ops.kind, name, &p, err, sizeof(err));
	struct json_object *results;

	if (rc == STORE_NOT_FOUND) {
		reply_error(reply, 404, "no %s policy named \"%s\"", kind->cli_name, name);
		return;
	}
	if (rc != STORE_OK) {
		reply_error(reply, 500, "%s", err);
		return;
	}
	results = policy_summary(&p);
	json_object_object_add(results, "policy", json_tokener_parse(p.document));
	stored_policy_clear(&p);
	reply_ok(reply, 200, results);
}

/* Parses and compiles a document from the body; returns its canonical text
 * (owned by doc) or NULL after filling a 400 reply. */
static const char *checked_document(const struct policy_kind_info *kind,
				    const struct route_request *req, struct json_object **doc,
				    struct route_reply *reply)
{
	char why[512];
	const char *text;
	void *compiled;

	*doc = parse_json_body(req, why, sizeof(why));
	if (!*doc) {
		reply_error(reply, 400, "%s", req->body_len ? why : "missing policy document in the body");
		return NULL;
	}
	if (!json_object_is_type(*doc, json_type_object)) {
		reply_error(reply, 400, "the body must be the policy document, a JSON object");
		return NULL;
	}
	text = json_object_to_json_string_ext(*doc, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	compiled = kind->ops.compile(text, strlen(text), why, sizeof(why));
	if (!compiled) {
		reply_error(reply, 400, "invalid %s policy: %s", kind->cli_name, why);
		return NULL;
	}
	kind->ops.release(compiled);
	return text;
}

static void write_policy(struct app *app, const struct policy_kind_info *kind, const char *name,
			 const struct route_request *req, bool create, struct route_reply *reply)
{
	struct json_object *doc = NULL;
	struct stored_policy stored;
	char err[512];
	enum store_result rc;
	const char *text = checked_document(kind, req, &doc, reply);

	if (!text)
		goto out;
	rc = create ? policy_store_create(app->db, kind->ops.kind, name, text, &stored, err,
					  sizeof(err))
		    : policy_store_replace(app->db, kind->ops.kind, name, text, &stored, err,
					   sizeof(err));
	if (rc == STORE_EXISTS) {
		reply_error(reply, 409, "a %s policy named \"%s\" already exists (use PUT to replace it)",
			    kind->cli_name, name);
	} else if (rc == STORE_NOT_FOUND) {
		reply_error(reply, 404, "no %s policy named \"%s\" (use POST to create it)",
			    kind->cli_name, name);
	} else if (rc != STORE_OK) {
		reply_error(reply, 500, "%s", err);
	} else {
		reply_ok(reply, create ? 201 : 200, policy_summary(&stored));
		stored_policy_clear(&stored);
	}
out:
	json_object_put(doc);
}

static void delete_policy(struct app *app, const struct policy_kind_info *kind, const char *name,
			  struct route_reply *reply)
{
	char err[512];
	enum store_result rc = policy_store_delete(app->db, kind->ops.kind, name, err, sizeof(err));
	struct json_object *results;

	if (rc == STORE_NOT_FOUND) {
		reply_error(reply, 404, "no %s policy named \"%s\"", kind->cli_name, name);
		return;
	}
	if (rc != STORE_OK) {
		reply_error(reply, 500, "%s", err);
		return;
	}
	results = json_object_new_object();
	json_object_object_add(results, "name", json_object_new_string(name));
	json_object_object_add(results, "deleted", json_object_new_boolean(1));
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
	if (!reading && !admins_contains(app->admins, req->client_fingerprint)) {
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
