/* audit.h - what happens after every verdict: counted in the metrics and
 * appended to the verification log (time, client, evidence type and hash,
 * nonce, result, failure ids, deciding policy, claims). */
#ifndef TEEV_AUDIT_H
#define TEEV_AUDIT_H

struct app;
struct json_object;
struct route_request;
struct verdict;

void audit_verdict(struct app *app, const struct route_request *req, const char *type,
		   struct json_object *data, const struct verdict *v, int http_code);

/* "pass", "fail", "bad_input" or "error". */
const char *audit_result(const struct verdict *v);

#endif
