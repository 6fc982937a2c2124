/* routes_evidence.c - POST /vX.Y/verify/evidence: Keylime's one-shot API. */
#include "server/app.h"
#include "server/audit.h"
#include "server/config.h"
#include "server/envelope.h"
#include "server/json_raw.h"
#include "server/routes_internal.h"
#include "server/tee_evidence.h"
#include "server/tpm_evidence.h"
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

/* Keylime's top-level errors carry their text in "status" (kept), with
 * empty results, which a strict client cannot parse: here the results have
 * the shape of every answer of this route, the failure naming the cause. */
static void reply_request_error(struct route_reply *reply, const char *failure_type,
				const char *status)
{
	reply->code = 400;
	reply->envelope = envelope_failure(400, status, failure_type, status);
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

void handle_verify_evidence(struct app *app, const struct route_request *req,
			    struct route_reply *reply)
{
	struct json_object *doc, *type, *data;
	char why[256];
	struct verdict verdict;
	const char *type_text;

	if (req->body_len == 0) {
		reply_request_error(reply, "default.missing_param",
				    "missing request body: expected {\"type\": ..., \"data\": ...}");
		return;
	}
	doc = parse_json_body(req, why, sizeof(why));
	if (!doc) {
		reply_request_error(reply, "default.invalid_request", why);
		return;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		reply_request_error(reply, "default.invalid_request",
				    "body must be a JSON object {\"type\": ..., \"data\": ...}");
		goto out;
	}
	if (!present(doc, "type", &type)) {
		/* Upstream's status text, and a message that names the choices. */
		reply->code = 400;
		reply->envelope = envelope_failure(400, "missing parameter 'type'",
						   "default.missing_param",
						   "missing parameter 'type' (\"tee\" or \"tpm\")");
		goto out;
	}
	if (!present(doc, "data", &data)) {
		reply_request_error(reply, "default.missing_param", "missing parameter 'data'");
		goto out;
	}
	type_text = json_object_is_type(type, json_type_string) ? json_object_get_string(type) : "";
	if (strcmp(type_text, "tee") != 0 && strcmp(type_text, "tpm") != 0) {
		/* Upstream's status text, and a message that names the field. */
		reply->code = 400;
		reply->envelope = envelope_failure(400, "invalid evidence type", "default.invalid_param",
						   "invalid evidence type: \"type\" must be \"tee\" "
						   "(SEV-SNP evidence) or \"tpm\" (a TPM quote)");
		goto out;
	}
	verdict_init(&verdict);
	if (strcmp(type_text, "tee") == 0) {
		struct tee_context ctx = {
			.snp = app->snp,
			.now = time(NULL),
			.policies = app->policies,
			.default_policy = app->config->tee_policy,
		};
		tee_evidence_verify(&ctx, data, &verdict);
	} else {
		size_t start, span;
		/* A passing verdict echoes data: reuse the request's bytes for it. */
		if (json_object_is_type(data, json_type_object) &&
		    json_raw_member(req->body, req->body_len, "data", &start, &span))
			json_raw_attach(data, req->body + start, span);
		tpm_evidence_verify(app->tpm, data, &verdict);
	}
	reply->envelope = envelope_from_verdict(&verdict, &reply->code);
	reply->verdict = audit_result(&verdict);
	audit_verdict(app, req, type_text, data, &verdict, reply->code);
	verdict_clear(&verdict);
out:
	json_object_put(doc);
}
