/* test_operations.c - operating teev: the verification log holds exactly
 * one record per verdict after a burst of concurrent requests with a
 * SIGTERM in the middle; /metrics counters equal the requests sent and pass
 * Prometheus' own parser (promtool); /readyz flips to 503 while a shutdown
 * drains; /healthz answers; the log is readable with `teev log` and
 * GET /verifications (admins only); JSON log lines; SIGHUP reloads TLS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/db_internal.h"
#include "server/commands.h"
#include "tests/integration/harness.h"
#include "verifier/p384.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALLOW_ANY "{\"allow_any_measurement\": true}"

struct suite {
	char fixture[256];
	char request[512]; /* a passing SNP request (forged chain) */
};

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	*state = s;
	if (harness_forge_fixture(s->fixture, sizeof(s->fixture)))
		return -1;
	snprintf(s->request, sizeof(s->request), "%s/milan/request.json", s->fixture);
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;

	if (!s)
		return -1;
	const char *rm[] = {"/bin/rm", "-rf", s->fixture, NULL};
	harness_run(rm);
	free(s);
	return 0;
}

/* A server trusting the fixture's roots, with a default policy stored and
 * the operations listener on the port returned. */
static unsigned start(struct suite *s, struct teev_server *server, struct client_identity *admin,
		      const char *extra)
{
	unsigned ops_port = harness_start_snp(server, admin, s->fixture, extra, NULL);

	assert_int_not_equal(ops_port, 0);
	return ops_port;
}

static void test_metrics_count_requests_and_parse(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	unsigned ops = start(s, &server, &admin, NULL);
	char *body = harness_read_file(s->request, NULL), *scrape = NULL, *err = NULL;
	struct http_result r;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/verify/evidence", body,
						 strlen(body), &r), 0);
		assert_int_equal(r.status, 200);
		http_result_free(&r);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(harness_request(&server, &admin, "GET", "/version", NULL, 0, &r), 0);
		http_result_free(&r);
	}
	assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/verify/evidence", "{}", 2, &r), 0);
	assert_int_equal(r.status, 400);
	http_result_free(&r);

	assert_int_equal(harness_ops_get(ops, "/metrics", &scrape), 200);
	assert_int_equal(harness_metric(scrape, "teev_http_requests_total{route=\"/verify/evidence\",status=\"200\"}"), 5);
	assert_int_equal(harness_metric(scrape, "teev_http_requests_total{route=\"/verify/evidence\",status=\"400\"}"), 1);
	assert_int_equal(harness_metric(scrape, "teev_http_requests_total{route=\"/version\",status=\"200\"}"), 3);
	assert_int_equal(harness_metric(scrape, "teev_http_requests_total{route=\"/teepolicies\",status=\"201\"}"), 1);
	assert_int_equal(harness_metric(scrape, "teev_verdicts_total{type=\"tee\",result=\"pass\"}"), 5);
	assert_int_equal(harness_metric(scrape, "teev_http_request_duration_seconds_count{route=\"/verify/evidence\"}"), 6);
	assert_int_equal(harness_metric(scrape, "teev_ready"), 1);
	char build_info[128];
	snprintf(build_info, sizeof(build_info), "teev_build_info{version=\"%s\",p384=\"%s\"}",
		 TEEV_VERSION, p384_implementation());
	assert_int_equal(harness_metric(scrape, build_info), 1);
	/* The VCEK chain was proven once; the other four verdicts hit the cache. */
	assert_int_equal(harness_metric(scrape, "teev_vek_cache_hits_total"), 4);

	/* Prometheus' own parser accepts the exposition. */
	char path[400];
	snprintf(path, sizeof(path), "%s/metrics.txt", server.dir);
	FILE *fp = fopen(path, "w");
	fputs(scrape, fp);
	fclose(fp);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", path);
	FILE *check = popen(cmd, "r");
	char output[2048] = "";
	size_t got = fread(output, 1, sizeof(output) - 1, check);
	output[got] = '\0';
	int status = pclose(check);
	if (status != 0)
		fail_msg("promtool check metrics failed (%d): %s", status, output);

	assert_int_equal(harness_ops_get(ops, "/healthz", &err), 200);
	free(err);
	assert_int_equal(harness_ops_get(ops, "/nothing", &err), 404);
	free(err);
	free(scrape);
	free(body);
	assert_int_equal(harness_stop(&server), 0);
}

struct burst {
	struct teev_server *server;
	const struct client_identity *id;
	const char *body;
	int verdicts; /* answers carrying a verdict (200 or 400) */
};

static void *send_burst(void *arg)
{
	struct burst *b = arg;

	for (int i = 0; i < 40; i++) {
		struct http_result r;
		harness_request(b->server, b->id, "POST", "/v2.5/verify/evidence", b->body,
				strlen(b->body), &r);
		if (r.status == 200 || r.status == 400)
			b->verdicts++;
		http_result_free(&r);
		if (r.status == 0)
			break; /* the server stopped accepting */
	}
	return NULL;
}

/* One record per verdict, even when SIGTERM arrives mid-burst: the server
 * finishes what it accepted and writes every queued record before exit. */
static void test_one_record_per_verdict_across_sigterm(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	char *body;
	struct burst bursts[4];
	pthread_t threads[4];
	int total = 0;

	start(s, &server, &admin, NULL);
	body = harness_read_file(s->request, NULL);
	for (int i = 0; i < 4; i++) {
		bursts[i] = (struct burst){.server = &server, .id = &admin,
					   .body = i == 3 ? "{\"type\":\"tee\",\"data\":{}}" : body};
		assert_int_equal(pthread_create(&threads[i], NULL, send_burst, &bursts[i]), 0);
	}
	usleep(300 * 1000);
	assert_int_equal(harness_terminate(&server), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		total += bursts[i].verdicts;
	}
	assert_true(total > 0);
	assert_int_equal(harness_count_verifications(server.db_path, ""), total);
	assert_int_equal(harness_count_verifications(server.db_path, "WHERE valid = 1"),
			 bursts[0].verdicts + bursts[1].verdicts + bursts[2].verdicts);
	assert_int_equal(harness_count_verifications(server.db_path, "WHERE http_status = 400"), bursts[3].verdicts);

	/* teev log reads it on the host. */
	char *out = NULL;
	const char *list[] = {"log", "list", "--valid", "false", "--limit", "3", NULL};
	assert_int_equal(harness_teev(&server, list, &out, NULL), 0);
	struct json_object *records = json_tokener_parse(out);
	assert_non_null(records);
	assert_int_equal(json_object_array_length(records), bursts[3].verdicts < 3 ? bursts[3].verdicts : 3);
	const char *show[] = {"log", "show", "1", NULL};
	free(out);
	assert_int_equal(harness_teev(&server, show, &out, NULL), 0);
	assert_non_null(strstr(out, "\"evidence_sha256\""));
	assert_non_null(strstr(out, "\"client\""));
	free(out);
	char *errors = NULL;
	const char *not_a_number[] = {"log", "show", "abc", NULL};
	assert_int_equal(harness_teev(&server, not_a_number, &out, &errors), 1);
	assert_non_null(strstr(errors, "positive whole number, not \"abc\""));
	free(out);
	free(errors);
	const char *absent[] = {"log", "show", "999999", NULL};
	assert_int_equal(harness_teev(&server, absent, &out, &errors), 1);
	assert_non_null(strstr(errors, "no verification with id 999999"));
	free(errors);
	json_object_put(records);
	free(out);
	free(body);
	const char *rm[] = {"/bin/rm", "-rf", server.dir, NULL};
	harness_run(rm);
}

struct slow_request {
	struct teev_server *server;
	const struct client_identity *id;
	long status;
};

/* A request whose body arrives over ~2 s: it is in flight during shutdown. */
static size_t slow_read(char *buf, size_t size, size_t n, void *userdata)
{
	int *sent = userdata;
	(void)n;
	(void)size;
	if (*sent >= 20)
		return 0;
	usleep(100 * 1000);
	buf[0] = ' ';
	(*sent)++;
	return 1;
}

static size_t discard(char *data, size_t size, size_t n, void *userdata)
{
	(void)data;
	(void)userdata;
	return size * n;
}

static void *send_slow(void *arg)
{
	struct slow_request *sr = arg;
	CURL *curl = curl_easy_init();
	char url[128], cacert[400];
	int sent = 0;
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Length: 20");

	snprintf(url, sizeof(url), "https://127.0.0.1:%u/version", sr->server->port);
	snprintf(cacert, sizeof(cacert), "%s/cacert.crt", sr->server->ca_dir);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(curl, CURLOPT_SSLCERT, sr->id->cert);
	curl_easy_setopt(curl, CURLOPT_SSLKEY, sr->id->key);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "GET");
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, slow_read);
	curl_easy_setopt(curl, CURLOPT_READDATA, &sent);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &sr->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return NULL;
}

/* Verdicts are committed to the verification log; those commits must not
 * count as policy changes (they once made every request recompile its
 * stored policy). 20 verdicts, then a policy write, then 5 more verdicts:
 * two compilations in all. */
static void test_policy_compiled_once_across_logged_verdicts(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	unsigned ops = start(s, &server, &admin, NULL);
	char *body = harness_read_file(s->request, NULL), *scrape = NULL;
	struct http_result r;

	for (int i = 0; i < 20; i++) {
		assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/verify/evidence", body,
						 strlen(body), &r), 0);
		assert_int_equal(r.status, 200);
		http_result_free(&r);
		usleep(20 * 1000); /* let the log writer commit between verdicts */
	}
	assert_int_equal(harness_ops_get(ops, "/metrics", &scrape), 200);
	assert_int_equal(harness_metric(scrape, "teev_policy_compilations_total"), 1);
	assert_true(harness_metric(scrape, "teev_verification_log_written_total") >= 1);
	free(scrape);
	assert_int_equal(harness_request(&server, &admin, "PUT", "/v2.5/teepolicies/default", ALLOW_ANY,
					 strlen(ALLOW_ANY), &r), 0);
	assert_int_equal(r.status, 200);
	http_result_free(&r);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/verify/evidence", body,
						 strlen(body), &r), 0);
		http_result_free(&r);
	}
	assert_int_equal(harness_ops_get(ops, "/metrics", &scrape), 200);
	assert_int_equal(harness_metric(scrape, "teev_policy_compilations_total"), 2);
	free(scrape);
	free(body);
	assert_int_equal(harness_stop(&server), 0);
}

/* A keep-alive client: GET /version on one reused connection. */
static CURL *keepalive_client(const struct teev_server *server, const struct client_identity *id,
			      char *cacert, size_t cap)
{
	CURL *curl = curl_easy_init();
	char url[128];

	snprintf(url, sizeof(url), "https://127.0.0.1:%u/version", server->port);
	snprintf(cacert, cap, "%s/cacert.crt", server->ca_dir);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(curl, CURLOPT_SSLCERT, id->cert);
	curl_easy_setopt(curl, CURLOPT_SSLKEY, id->key);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	return curl;
}

static long keepalive_get(CURL *curl, long *connects)
{
	long status = 0;

	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, connects);
	return status;
}

static void test_readyz_flips_during_shutdown(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	unsigned ops = start(s, &server, &admin, "shutdown_timeout = 10\nconnection_timeout = 30\n");
	struct slow_request sr = {.server = &server, .id = &admin};
	pthread_t thread;
	char *out = NULL;

	char cacert[400];
	CURL *keepalive = keepalive_client(&server, &admin, cacert, sizeof(cacert));
	long connects = 0;

	assert_int_equal(harness_ops_get(ops, "/readyz", &out), 200);
	free(out);
	assert_int_equal(keepalive_get(keepalive, &connects), 200);
	assert_int_equal(connects, 1);
	assert_int_equal(pthread_create(&thread, NULL, send_slow, &sr), 0);
	usleep(500 * 1000);
	kill(server.pid, SIGTERM);
	usleep(300 * 1000);
	/* Draining: alive, not ready. */
	assert_int_equal(harness_ops_get(ops, "/readyz", &out), 503);
	free(out);
	assert_int_equal(harness_ops_get(ops, "/healthz", &out), 200);
	free(out);
	/* A request starting now on the open connection is told to go
	 * elsewhere, not given an answer the closing connection might lose. */
	assert_int_equal(keepalive_get(keepalive, &connects), 503);
	assert_int_equal(connects, 0); /* the same connection */
	curl_easy_cleanup(keepalive);
	pthread_join(thread, NULL);
	/* The in-flight request was finished, not cut. */
	assert_int_equal(sr.status, 200);
	assert_int_equal(harness_stop(&server), 0);
}

static void test_verifications_route_and_json_logs(void **state)
{
	struct suite *s = *state;
	struct teev_server server;
	struct client_identity admin;
	char *body, *log;
	struct http_result r;

	start(s, &server, &admin, "log_format = json\n");
	body = harness_read_file(s->request, NULL);
	assert_int_equal(harness_request(&server, &admin, "POST", "/v2.5/verify/evidence", body,
					 strlen(body), &r), 0);
	http_result_free(&r);
	/* The writer thread batches; give it a moment. */
	for (int i = 0; i < 50; i++) {
		assert_int_equal(harness_request(&server, &admin, "GET", "/v2.5/verifications?valid=true&limit=5",
						 NULL, 0, &r), 0);
		if (r.status == 200 && strstr(r.body, "\"evidence_type\":\"tee\""))
			break;
		http_result_free(&r);
		usleep(100 * 1000);
	}
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"valid\":true"));
	assert_non_null(strstr(r.body, "\"policy\":{\"name\":\"default\",\"version\":1}"));
	/* The record names the evidence by the SHA-256 of the bytes sent. */
	unsigned char digest[32];
	char hex[65], field[100];
	SHA256((const unsigned char *)body, strlen(body), digest);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	snprintf(field, sizeof(field), "\"evidence_sha256\":\"%s\"", hex);
	assert_non_null(strstr(r.body, field));
	http_result_free(&r);
	assert_int_equal(harness_request(&server, &admin, "GET", "/v2.5/verifications?since=yesterday",
					 NULL, 0, &r), 0);
	assert_int_equal(r.status, 400);
	http_result_free(&r);
	assert_int_equal(harness_request(&server, &admin, "GET", "/v2.5/verifications/999999", NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	http_result_free(&r);

	/* JSON log lines: one object per request line. */
	log = harness_read_file(server.log_path, NULL);
	assert_non_null(strstr(log, "\"request_id\":"));
	assert_non_null(strstr(log, "\"path\":\"/v2.5/verify/evidence\",\"status\":200"));
	assert_non_null(strstr(log, "\"verdict\":\"pass\""));
	free(log);

	/* SIGHUP reloads the TLS files; the server keeps answering. */
	kill(server.pid, SIGHUP);
	usleep(500 * 1000);
	assert_true(harness_alive(&server));
	assert_int_equal(harness_request(&server, &admin, "GET", "/version", NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	http_result_free(&r);
	log = harness_read_file(server.log_path, NULL);
	assert_non_null(strstr(log, "TLS certificates reloaded"));
	free(log);
	free(body);
	assert_int_equal(harness_stop(&server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_count_requests_and_parse),
		cmocka_unit_test(test_one_record_per_verdict_across_sigterm),
		cmocka_unit_test(test_policy_compiled_once_across_logged_verdicts),
		cmocka_unit_test(test_readyz_flips_during_shutdown),
		cmocka_unit_test(test_verifications_route_and_json_logs),
	};
	return cmocka_run_group_tests_name("integration: operations", tests, suite_setup,
					   suite_teardown);
}
