/* test_evidence_answers.c - issue 12, item 10: every answer of
 * /vX.Y/verify/evidence, errors included, carries results {"valid": false,
 * "claims": {}, "failures": [at least one, naming the field or cause]},
 * the shape Trustee's KBS deserialises on every answer (API.md). Each error
 * path of the route: empty body, not JSON, not an object, missing or empty
 * or unknown type, missing data, unsupported version, wrong method, body
 * too large (announced and chunked), no client certificate, a refused
 * certificate, a body over max_body_memory (announced and chunked), and a
 * request on a keep-alive connection during shutdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_UPLOAD (512 * 1024)
#define BODY_MEMORY (1200 * 1024) /* two bodies of MAX_UPLOAD fit, a third does not */

struct suite {
	struct teev_server server;
	struct client_identity client, stranger;
	struct teev_server other; /* only its CA: a certificate teev does not trust */
	unsigned ops_port;
};

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char extra[256];

	if (!s)
		return -1;
	*state = s;
	s->ops_port = harness_free_port();
	snprintf(extra, sizeof(extra),
		 "max_upload_size = %d\nmax_body_memory = %d\nops_port = %u\nshutdown_timeout = 20\n",
		 MAX_UPLOAD, BODY_MEMORY, s->ops_port);
	if (harness_start(&s->server, extra) || harness_start(&s->other, NULL))
		return -1;
	harness_identity(s->server.ca_dir, "client", &s->client);
	harness_identity(s->other.ca_dir, "client", &s->stranger);
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;

	if (!s)
		return -1;
	harness_stop(&s->server); /* the last test stops it */
	harness_stop(&s->other);
	free(s);
	return 0;
}

/* The answer has the shape of a verification that failed, with a failure
 * of type want_type (when given) whose message is not empty. */
static void assert_parseable(const struct http_result *r, long want_status, const char *want_type)
{
	struct json_object *results, *valid, *claims, *failures, *first, *type, *context, *message;

	if (r->status != want_status || !r->json)
		fail_msg("expected %ld, got %ld %s %.300s", want_status, r->status, r->error,
			 r->body ? r->body : "");
	assert_int_equal(json_object_get_int(json_object_object_get(r->json, "code")), want_status);
	assert_true(json_object_object_get_ex(r->json, "results", &results));
	assert_true(json_object_object_get_ex(results, "valid", &valid));
	assert_true(json_object_is_type(valid, json_type_boolean));
	assert_false(json_object_get_boolean(valid));
	assert_true(json_object_object_get_ex(results, "claims", &claims));
	assert_true(json_object_is_type(claims, json_type_object));
	assert_int_equal(json_object_object_length(claims), 0);
	assert_true(json_object_object_get_ex(results, "failures", &failures));
	assert_true(json_object_is_type(failures, json_type_array));
	assert_true(json_object_array_length(failures) >= 1);
	first = json_object_array_get_idx(failures, 0);
	assert_true(json_object_object_get_ex(first, "type", &type));
	assert_true(json_object_object_get_ex(first, "context", &context));
	assert_true(json_object_object_get_ex(context, "message", &message));
	assert_true(json_object_get_string_len(message) > 0);
	if (want_type && strcmp(json_object_get_string(type), want_type) != 0)
		fail_msg("expected failure %s, got %s", want_type, r->body);
}

static void check(struct suite *s, const struct client_identity *id, const char *method,
		  const char *path, const char *body, long status, const char *type)
{
	struct http_result r;

	assert_int_equal(harness_request(&s->server, id, method, path, body, body ? strlen(body) : 0,
					 &r),
			 0);
	assert_parseable(&r, status, type);
	http_result_free(&r);
}

static void test_request_errors(void **state)
{
	struct suite *s = *state;
	struct client_identity none = {.none = true};
	const char *ev = "/v2.5/verify/evidence";
	struct http_result r;

	check(s, &s->client, "POST", ev, "", 400, "default.missing_param");
	check(s, &s->client, "POST", ev, "{\"type\": ", 400, "default.invalid_request");
	check(s, &s->client, "POST", ev, "[1, 2]", 400, "default.invalid_request");
	check(s, &s->client, "POST", ev, "{\"data\": {}}", 400, "default.missing_param");
	check(s, &s->client, "POST", ev, "{\"type\": \"\", \"data\": {}}", 400, "default.missing_param");
	check(s, &s->client, "POST", ev, "{\"type\": \"sgx\", \"data\": {}}", 400, "default.invalid_param");
	check(s, &s->client, "POST", ev, "{\"type\": \"tpm\"}", 400, "default.missing_param");
	/* Keylime's status text stays as upstream sends it. */
	assert_int_equal(harness_request(&s->server, &s->client, "POST", ev, "{\"data\": {}}", 12, &r), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(r.json, "status")),
			    "missing parameter 'type'");
	http_result_free(&r);
	/* Evidence that reaches a verifier still fails with its own ids. */
	check(s, &s->client, "POST", ev, "{\"type\": \"tpm\", \"data\": {}}", 400,
	      "default.missing_param");
	check(s, &s->client, "POST", "/v2.9/verify/evidence", "{}", 400, "default.unsupported_version");
	check(s, &s->client, "POST", "/v1/verify/evidence", "{}", 400, "default.unsupported_version");
	check(s, &s->client, "GET", ev, NULL, 405, "default.method_not_allowed");
	check(s, &s->client, "DELETE", "/v2.4/verify/evidence", NULL, 405, "default.method_not_allowed");
	check(s, &none, "POST", ev, "{}", 401, "default.client_certificate_required");
	check(s, &s->stranger, "POST", ev, "{}", 403, "default.client_certificate_refused");
	check(s, &s->client, "POST", "/v2.5/verify/evidence%00", "{}", 400, "default.invalid_path");
	/* Other routes keep their {"message": ...} results. */
	assert_int_equal(harness_request(&s->server, &s->client, "GET", "/v2.9/teepolicies", NULL, 0, &r),
			 0);
	assert_int_equal(r.status, 400);
	assert_non_null(json_object_object_get(json_object_object_get(r.json, "results"), "message"));
	http_result_free(&r);
}

static void test_body_too_large(void **state)
{
	struct suite *s = *state;
	size_t n = MAX_UPLOAD + 1;
	char *big = malloc(n + 1);
	const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
	struct request_options o = {.headers = chunked};
	struct http_result r;

	assert_non_null(big);
	memset(big, ' ', n);
	big[n] = '\0';
	/* Announced in Content-Length: refused before the body. */
	assert_int_equal(harness_request(&s->server, &s->client, "POST", "/v2.5/verify/evidence", big, n,
					 &r),
			 0);
	assert_parseable(&r, 413, "default.body_too_large");
	assert_non_null(strstr(r.body, "max_upload_size"));
	http_result_free(&r);
	/* Sent in chunks: refused once it grows past the limit. */
	assert_int_equal(harness_request_ex(&s->server, &s->client, "POST", "/v2.5/verify/evidence",
					    big, n, &o, &r),
			 0);
	assert_parseable(&r, 413, "default.body_too_large");
	http_result_free(&r);
	free(big);
}

/* ---- requests held open half-way, over raw TLS ---- */

struct held {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

static int tcp_connect(unsigned port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval timeout = {10, 0};

	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void held_open(struct suite *s, struct held *h)
{
	char path[400];

	memset(h, 0, sizeof(*h));
	h->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(h->ctx);
	snprintf(path, sizeof(path), "%s/cacert.crt", s->server.ca_dir);
	SSL_CTX_load_verify_locations(h->ctx, path, NULL);
	SSL_CTX_set_verify(h->ctx, SSL_VERIFY_PEER, NULL);
	assert_int_equal(SSL_CTX_use_certificate_file(h->ctx, s->client.cert, SSL_FILETYPE_PEM), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey_file(h->ctx, s->client.key, SSL_FILETYPE_PEM), 1);
	h->fd = tcp_connect(s->server.port);
	assert_true(h->fd >= 0);
	h->ssl = SSL_new(h->ctx);
	SSL_set_fd(h->ssl, h->fd);
	assert_int_equal(SSL_connect(h->ssl), 1);
}

static void held_send(struct held *h, const char *text)
{
	assert_int_equal(SSL_write(h->ssl, text, (int)strlen(text)), (int)strlen(text));
}

/* Starts a POST announcing `length` bytes and sends only a few. */
static void held_start_upload(struct suite *s, struct held *h, size_t length)
{
	char head[256];

	held_open(s, h);
	snprintf(head, sizeof(head),
		 "POST /v2.5/verify/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n{\"type\"",
		 length);
	held_send(h, head);
}

/* Reads one HTTP answer (headers and a Content-Length body); returns the status. */
static long held_read_answer(struct held *h, char *body, size_t cap)
{
	char buf[16384];
	size_t used = 0;
	long status = 0;

	body[0] = '\0';
	for (;;) {
		int n = SSL_read(h->ssl, buf + used, (int)(sizeof(buf) - 1 - used));
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		char *end = strstr(buf, "\r\n\r\n");
		char *length = strcasestr(buf, "Content-Length:");
		if (end && length && length < end &&
		    used >= (size_t)(end + 4 - buf) + strtoul(length + 15, NULL, 10))
			break;
	}
	if (used > 12)
		status = strtol(buf + 9, NULL, 10);
	char *end = strstr(buf, "\r\n\r\n");
	if (end)
		snprintf(body, cap, "%s", end + 4);
	return status;
}

static void held_close(struct held *h)
{
	SSL_free(h->ssl);
	SSL_CTX_free(h->ctx);
	if (h->fd >= 0)
		close(h->fd);
	ERR_clear_error();
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

static long long body_refusals(struct suite *s)
{
	char *text = NULL;
	long long v = -1;

	if (harness_ops_get(s->ops_port, "/metrics", &text) == 200)
		v = harness_metric(text, "teev_body_memory_refusals_total");
	free(text);
	return v;
}

static void test_body_memory_full(void **state)
{
	struct suite *s = *state;
	struct held a, b;
	char *big = malloc(MAX_UPLOAD + 1);
	const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
	struct request_options o = {.headers = chunked};
	struct http_result r;
	long long before = body_refusals(s);

	assert_non_null(big);
	memset(big, ' ', MAX_UPLOAD);
	big[0] = '{';
	big[MAX_UPLOAD - 1] = '}'; /* an object without "type": 400 when judged */
	big[MAX_UPLOAD] = '\0';
	/* Two uploads of MAX_UPLOAD announced and under way: the budget is spent. */
	held_start_upload(s, &a, MAX_UPLOAD);
	held_start_upload(s, &b, MAX_UPLOAD);
	usleep(200 * 1000);
	assert_int_equal(harness_request(&s->server, &s->client, "POST", "/v2.5/verify/evidence", big,
					 MAX_UPLOAD, &r),
			 0);
	assert_parseable(&r, 503, "default.overloaded");
	assert_non_null(strstr(r.body, "max_body_memory"));
	assert_string_equal(r.retry_after, "2");
	http_result_free(&r);
	/* A client that waits for "100 Continue" is told before it sends. */
	const char *expect[] = {"Expect: 100-continue", NULL};
	struct request_options wait = {.headers = expect, .timeout_ms = 5000};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(harness_request_ex(&s->server, &s->client, "POST", "/v2.5/verify/evidence",
					    big, MAX_UPLOAD, &wait, &r),
			 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_parseable(&r, 503, "default.overloaded");
	/* (curl would send the body anyway after waiting 1 s for 100 Continue) */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 <
		    900 * (long)harness_slowdown());
	http_result_free(&r);
	/* Sent in chunks, it is refused once it outgrows what is left. */
	assert_int_equal(harness_request_ex(&s->server, &s->client, "POST", "/v2.5/verify/evidence",
					    big, MAX_UPLOAD, &o, &r),
			 0);
	assert_parseable(&r, 503, "default.overloaded");
	http_result_free(&r);
	assert_int_equal(body_refusals(s), before + 3);
	/* Small requests are still answered. */
	check(s, &s->client, "POST", "/v2.5/verify/evidence", "{\"type\": \"tpm\"}", 400,
	      "default.missing_param");
	/* One upload gone: the large request is taken (and answered normally). */
	held_close(&a);
	usleep(200 * 1000);
	assert_int_equal(harness_request(&s->server, &s->client, "POST", "/v2.5/verify/evidence", big,
					 MAX_UPLOAD, &r),
			 0);
	assert_parseable(&r, 400, "default.missing_param");
	http_result_free(&r);
	held_close(&b);
	free(big);
}

/* Last: a request that starts on a keep-alive connection after SIGTERM. */
static void test_shutdown_answer(void **state)
{
	struct suite *s = *state;
	struct held keepalive, slow;
	char body[4096];
	struct json_object *doc, *results, *failures;

	held_open(s, &keepalive);
	held_send(&keepalive, "GET /version HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(held_read_answer(&keepalive, body, sizeof(body)), 200);
	/* An upload in flight keeps the server draining (up to shutdown_timeout). */
	held_start_upload(s, &slow, 100);
	usleep(200 * 1000);
	kill(s->server.pid, SIGTERM);
	usleep(300 * 1000);
	held_send(&keepalive, "POST /v2.5/verify/evidence HTTP/1.1\r\nHost: x\r\n"
			      "Content-Length: 2\r\n\r\n{}");
	assert_int_equal(held_read_answer(&keepalive, body, sizeof(body)), 503);
	doc = json_tokener_parse(body);
	assert_non_null(doc);
	results = json_object_object_get(doc, "results");
	assert_false(json_object_get_boolean(json_object_object_get(results, "valid")));
	failures = json_object_object_get(results, "failures");
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_array_get_idx(failures, 0), "type")),
			    "default.unavailable");
	json_object_put(doc);
	held_close(&keepalive);
	held_close(&slow);
	assert_int_equal(harness_terminate(&s->server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_body_too_large),
		cmocka_unit_test(test_body_memory_full),
		cmocka_unit_test(test_shutdown_answer),
	};
	return cmocka_run_group_tests_name("integration: every answer of /verify/evidence parses",
					   tests, suite_setup, suite_teardown);
}
