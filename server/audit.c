/* audit.c - metrics and the verification log for each verdict (see audit.h). */
#include "server/audit.h"

#include "db/verification_log.h"
#include "server/app.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "verifier/bytes.h"
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Claims of TPM verdicts echo the whole request (IMA lists can be MBs):
 * beyond this the log keeps a digest, not the bytes. */
#define CLAIMS_KEPT_MAX ((size_t)64 * 1024)

const char *audit_result(const struct verdict *v)
{
	switch (v->status) {
	case VERDICT_PASS:
		return "pass";
	case VERDICT_FAIL:
		return "fail";
	case VERDICT_BAD_INPUT:
		return "bad_input";
	case VERDICT_INTERNAL:
		break;
	}
	return "error";
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char digest[32];
	unsigned int n = 0;

	if (EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) != 1 || n != 32)
		memset(digest, 0, sizeof(digest));
	bytes_to_hex(digest, 32, out);
}

static char *claims_text(const struct verdict *v, const struct json_object *data)
{
	const char *text;
	size_t len;

	if (!v->claims)
		return strdup("{}");
	/* TPM claims echo the request's data (Keylime's rule), which can be
	 * megabytes of IMA list: the record's evidence_sha256 already names it. */
	if (v->claims == data)
		return strdup("{\"echo_of_request_data\":true}");
	text = json_object_to_json_string_ext(v->claims, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	if (len <= CLAIMS_KEPT_MAX)
		return strdup(text);
	char digest[65], summary[200];
	sha256_hex(text, len, digest);
	snprintf(summary, sizeof(summary), "{\"truncated\":true,\"bytes\":%zu,\"sha256\":\"%s\"}", len,
		 digest);
	return strdup(summary);
}

static char *failure_ids(const struct verdict *v)
{
	struct json_object *ids = json_object_new_array();
	char *text;

	for (size_t i = 0; i < v->failures.count; i++)
		json_object_array_add(ids, json_object_new_string(v->failures.items[i].type));
	text = strdup(json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN));
	json_object_put(ids);
	return text;
}

void audit_verdict(struct app *app, const struct route_request *req, const char *type,
		   struct json_object *data, const struct verdict *v, int http_code)
{
	struct verification_record r;
	struct json_object *nonce = NULL;
	struct timespec now;

	if (app->metrics)
		metrics_verdict(app->metrics, type, audit_result(v), &v->failures);
	if (!app->log)
		return;
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_REALTIME, &now);
	r.time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	snprintf(r.client, sizeof(r.client), "%s", req->client ? req->client : "");
	snprintf(r.evidence_type, sizeof(r.evidence_type), "%s", type);
	/* The listener hashed the body as it arrived; hash here only when not. */
	if (req->body_sha256)
		snprintf(r.evidence_sha256, sizeof(r.evidence_sha256), "%s", req->body_sha256);
	else
		sha256_hex(req->body, req->body_len, r.evidence_sha256);
	if (json_object_object_get_ex(data, "nonce", &nonce) && json_object_is_type(nonce, json_type_string))
		snprintf(r.nonce, sizeof(r.nonce), "%s", json_object_get_string(nonce));
	r.valid = v->status == VERDICT_PASS;
	r.http_status = http_code;
	snprintf(r.policy_name, sizeof(r.policy_name), "%s", v->policy_name);
	r.policy_version = v->policy_version;
	r.failures = failure_ids(v);
	r.claims = claims_text(v, data);
	/* Never blocks: a full queue drops (and counts) the record. */
	verification_log_append(app->log, &r);
}
