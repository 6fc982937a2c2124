/* routes_log.c - GET /vX.Y/verifications[?since=RFC3339&valid=false&limit=N]
 * and GET /vX.Y/verifications/ID: the verification log, newest first. Only
 * policy administrators may read it: it names clients and their evidence. */
#include "db/verification_log.h"
#include "server/admins.h"
#include "server/app.h"
#include "server/envelope.h"
#include "server/routes_internal.h"
#include "server/timefmt.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Reads the query; returns -1 after filling a 400 reply. */
static int read_query(const struct route_request *req, struct verification_query *q,
		      struct route_reply *reply)
{
	const char *since = req->arg ? req->arg(req->arg_ctx, "since") : NULL;
	const char *valid = req->arg ? req->arg(req->arg_ctx, "valid") : NULL;
	const char *limit = req->arg ? req->arg(req->arg_ctx, "limit") : NULL;
	time_t t;

	q->since_ms = 0;
	q->valid = -1;
	q->limit = 100;
	if (since) {
		if (parse_rfc3339(since, &t)) {
			reply_error(reply, 400, "query \"since\" must be an RFC 3339 time, got \"%s\"", since);
			return -1;
		}
		q->since_ms = (int64_t)t * 1000;
	}
	if (valid) {
		if (strcmp(valid, "true") == 0)
			q->valid = 1;
		else if (strcmp(valid, "false") == 0)
			q->valid = 0;
		else {
			reply_error(reply, 400, "query \"valid\" must be true or false, got \"%s\"", valid);
			return -1;
		}
	}
	if (limit) {
		char *end;
		errno = 0;
		long long n = strtoll(limit, &end, 10);
		if (errno || *end || n < 1 || n > 10000) {
			reply_error(reply, 400, "query \"limit\" must be 1..10000, got \"%s\"", limit);
			return -1;
		}
		q->limit = n;
	}
	return 0;
}

void handle_verifications(struct app *app, const struct route_request *req, const char *id,
			  struct route_reply *reply)
{
	char err[512];
	struct json_object *results;

	if (!admins_contains(req->admins, req->client_fingerprint)) {
		reply_error(reply, 403,
			    "this client certificate may not read the verification log (see policy_admins)");
		return;
	}
	if (id) {
		char *end;
		errno = 0;
		long long n = strtoll(id, &end, 10);
		if (errno || *end || n < 1) {
			reply_error(reply, 400, "verification id \"%s\" is not a positive number", id);
			return;
		}
		struct json_object *record = verification_log_get(app->db, n, err, sizeof(err));
		if (!record) {
			if (err[0])
				reply_error(reply, 500, "%s", err);
			else
				reply_error(reply, 404, "no verification with id %lld", n);
			return;
		}
		reply->code = 200;
		reply->envelope = envelope_new(200, "Success", record);
		return;
	}
	struct verification_query q;
	if (read_query(req, &q, reply))
		return;
	struct json_object *list = verification_log_query(app->db, &q, err, sizeof(err));
	if (!list) {
		reply_error(reply, 500, "%s", err);
		return;
	}
	results = json_object_new_object();
	json_object_object_add(results, "verifications", list);
	reply->code = 200;
	reply->envelope = envelope_new(200, "Success", results);
}
