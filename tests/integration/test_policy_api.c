/* test_policy_api.c - stored SNP policies through the real server and the
 * real CLI: REST CRUD with 201/200/404/409/400/403, selection by the default
 * name and by "tee-policy", changes picked up without a restart (REST and the
 * CLI in another process), a policy replaced while requests run, and SIGKILL
 * during a stream of writes losing nothing that was acknowledged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/policy_store.h"
#include "tests/integration/harness.h"

#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALLOW_ANY "{\"allow_any_measurement\": true}"

struct suite {
	struct teev_server server; /* amd_root_dir = fixture/amd */
	struct client_identity admin, lookalike;
	char fixture[256];
	char milan_request[512];
	char measurement_hex[97]; /* the milan fixture report's measurement */
};

static struct suite *S(void **state)
{
	return *state;
}

static int suite_teardown(void **state);

/* A second client certificate from the same CA with the same subject as the
 * admin's (CN=client): it must not be an admin. */
static int make_lookalike(struct suite *s)
{
	char key[400], csr[400], ext[400], cmd[4096];
	FILE *fp;

	snprintf(key, sizeof(key), "%s/lookalike-private.pem", s->server.ca_dir);
	snprintf(csr, sizeof(csr), "%s/lookalike.csr", s->server.ca_dir);
	snprintf(ext, sizeof(ext), "%s/lookalike.ext", s->server.ca_dir);
	fp = fopen(ext, "w");
	if (!fp)
		return -1;
	fprintf(fp, "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
		    "extendedKeyUsage=clientAuth\n");
	fclose(fp);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -new -newkey rsa:2048 -nodes -keyout %s -subj /CN=client -out %s 2>/dev/null &&"
		 " openssl x509 -req -in %s -CA %s/cacert.crt -CAkey %s/ca-private.pem -CAcreateserial"
		 " -days 2 -sha256 -extfile %s -out %s/lookalike-cert.crt 2>/dev/null",
		 key, csr, csr, s->server.ca_dir, s->server.ca_dir, ext, s->server.ca_dir);
	if (system(cmd) != 0)
		return -1;
	harness_identity(s->server.ca_dir, "lookalike", &s->lookalike);
	return 0;
}

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char config[512], report_path[512];
	size_t len = 0;
	char *report;

	if (!s)
		return -1;
	*state = s;
	snprintf(s->fixture, sizeof(s->fixture), "/tmp/teev-pfx-XXXXXX");
	if (!mkdtemp(s->fixture))
		return -1;
	const char *forge[] = {harness_env("SNP_FORGE", "build/snp-forge"), "fixture", "--out",
			       s->fixture, NULL};
	if (harness_run(forge) != 0)
		return -1;
	snprintf(s->milan_request, sizeof(s->milan_request), "%s/milan/request.json", s->fixture);
	snprintf(report_path, sizeof(report_path), "%s/milan/report.bin", s->fixture);
	report = harness_read_file(report_path, &len);
	if (!report || len != 1184)
		return -1;
	for (size_t i = 0; i < 48; i++)
		snprintf(s->measurement_hex + 2 * i, 3, "%02x", (unsigned char)report[0x90 + i]);
	free(report);
	snprintf(config, sizeof(config), "amd_root_dir = %s/amd\n", s->fixture);
	if (harness_start(&s->server, config))
		return -1;
	harness_identity(s->server.ca_dir, "client", &s->admin);
	return make_lookalike(s);
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int rc;

	if (!s)
		return -1;
	rc = harness_stop(&s->server);
	const char *rm[] = {"/bin/rm", "-rf", s->fixture, NULL};
	harness_run(rm);
	free(s);
	return rc == 0 ? 0 : -1;
}

static long request(struct suite *s, const struct client_identity *id, const char *method,
		    const char *path, const char *body, struct http_result *r)
{
	assert_int_equal(harness_request(&s->server, id, method, path, body, body ? strlen(body) : 0, r), 0);
	return r->status;
}

/* Posts the fixture's Milan request (optionally naming a policy); returns
 * the failure ids ("" when valid). */
static void verify_milan(struct suite *s, const char *policy_name, char *types, size_t cap,
			 bool *valid)
{
	char *body = harness_read_file(s->milan_request, NULL);
	struct json_object *doc, *results = NULL, *v = NULL;
	struct http_result r;

	assert_non_null(body);
	if (policy_name) {
		doc = json_tokener_parse(body);
		json_object_object_add(json_object_object_get(doc, "data"), "tee-policy",
				       json_object_new_string(policy_name));
		free(body);
		body = strdup(json_object_to_json_string(doc));
		json_object_put(doc);
	}
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/verify/evidence", body, &r), 200);
	harness_failure_types(r.json, types, cap);
	json_object_object_get_ex(r.json, "results", &results);
	json_object_object_get_ex(results, "valid", &v);
	*valid = json_object_get_boolean(v);
	free(body);
	http_result_free(&r);
}

static void test_missing_default_policy_fails_closed(void **state)
{
	char types[512];
	bool valid;

	verify_milan(S(state), NULL, types, sizeof(types), &valid);
	assert_false(valid);
	assert_string_equal(types, "tee_attestation.policy.missing");
}

static void test_crud(void **state)
{
	struct suite *s = S(state);
	struct http_result r;
	struct json_object *results;

	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/crud", ALLOW_ANY, &r), 201);
	assert_true(json_object_object_get_ex(r.json, "results", &results));
	assert_int_equal(json_object_get_int(json_object_object_get(results, "version")), 1);
	http_result_free(&r);

	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/crud", ALLOW_ANY, &r), 409);
	assert_non_null(strstr(r.body, "already exists"));
	http_result_free(&r);

	assert_int_equal(request(s, &s->admin, "PUT", "/v2.4/teepolicies/crud",
				 "{\"allow_any_measurement\": true, \"vmpls\": [0]}", &r), 200);
	json_object_object_get_ex(r.json, "results", &results);
	assert_int_equal(json_object_get_int(json_object_object_get(results, "version")), 2);
	http_result_free(&r);

	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/teepolicies/crud", NULL, &r), 200);
	json_object_object_get_ex(r.json, "results", &results);
	assert_int_equal(json_object_get_int(json_object_object_get(results, "version")), 2);
	assert_non_null(strstr(r.body, "\"vmpls\":[0]"));
	assert_non_null(strstr(r.body, "\"created_at\":\""));
	http_result_free(&r);

	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/teepolicies", NULL, &r), 200);
	assert_non_null(strstr(r.body, "\"name\":\"crud\""));
	http_result_free(&r);

	assert_int_equal(request(s, &s->admin, "DELETE", "/v2.5/teepolicies/crud", NULL, &r), 200);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "DELETE", "/v2.5/teepolicies/crud", NULL, &r), 404);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/teepolicies/crud", NULL, &r), 404);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "PUT", "/v2.5/teepolicies/nothere", ALLOW_ANY, &r), 404);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "PATCH", "/v2.5/teepolicies/x", ALLOW_ANY, &r), 405);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies", ALLOW_ANY, &r), 405);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/..bad", ALLOW_ANY, &r), 400);
	http_result_free(&r);
}

static void test_invalid_documents_are_refused(void **state)
{
	struct suite *s = S(state);
	struct {
		const char *body, *text;
	} cases[] = {
		{"{\"allow_any_measurment\": true}", "allow_any_measurment"},
		{"{\"allow_any_measurement\": true, \"vmpls\": [7]}", "vmpls"},
		{"{\"measurements\": [\"abc\"]}", "measurements"},
		{"{\"allow_any_measurement\": true, \"min_tcb\": {\"snp\": 300}}", "min_tcb.snp"},
		{"{}", "measurements"},
		{"[1]", "JSON object"},
		{"{\"allow_any_measurement\": tru", "not valid JSON"},
		{"", "missing policy document"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_result r;
		long status = request(s, &s->admin, "POST", "/v2.5/teepolicies/bad", cases[i].body, &r);
		if (status != 400 || !strstr(r.body, cases[i].text))
			fail_msg("case %zu: %ld %s", i, status, r.body);
		http_result_free(&r);
	}
	/* Nothing half-written was kept. */
	struct http_result r;
	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/teepolicies/bad", NULL, &r), 404);
	http_result_free(&r);
}

/* Issue 13 item 6 and issue 12 item 4b: PCR policies are validated alike
 * over REST and by the CLI (one parser), naming the field. */
static void test_tpm_policies_validated(void **state)
{
	struct suite *s = S(state);
	static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
	char ok[200], pcr10[200], upper[200];
	struct {
		const char *body, *text;
	} cases[] = {
		{"{\"99\": [\"zz\"]}", "PCR \\\"99\\\""},
		{"{\"16\": \"notalist\"}", "PCR \\\"16\\\""},
		{"{}", "at least one PCR"},
		{"{\"mask\": \"0x8000\"}", "at least one PCR"},
		{pcr10, "PCR \\\"10\\\""},
		{upper, "lower-case hex"},
		{"{\"15\": []}", "empty list"},
		{"{\"abc\": [\"00\"]}", "\\\"abc\\\""},
	};
	char file[512], *out = NULL, *err = NULL;
	struct http_result r;
	FILE *fp;

	snprintf(ok, sizeof(ok), "{\"mask\": \"0x18000\", \"15\": [\"%s\"], \"16\": \"%s\"}", zero,
		 zero);
	snprintf(pcr10, sizeof(pcr10), "{\"10\": [\"%s\"]}", zero);
	snprintf(upper, sizeof(upper), "{\"15\": [\"%.62sAB\"]}", zero);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long status = request(s, &s->admin, "POST", "/v2.5/tpmpolicies/bad", cases[i].body, &r);
		if (status != 400 || !strstr(r.body, cases[i].text))
			fail_msg("REST case %zu: %ld %s", i, status, r.body);
		http_result_free(&r);
	}
	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/tpmpolicies/bad", NULL, &r), 404);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/tpmpolicies/good", ok, &r), 201);
	http_result_free(&r);

	snprintf(file, sizeof(file), "%s/tpm-policy.json", s->server.dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The CLI prints the reason as is: the same text without JSON's escapes. */
		char plain[80];
		size_t w = 0;

		for (const char *c = cases[i].text; *c && w + 1 < sizeof(plain); c++)
			if (*c != '\\')
				plain[w++] = *c;
		plain[w] = 0;
		fp = fopen(file, "w");
		assert_non_null(fp);
		fputs(cases[i].body, fp);
		fclose(fp);
		const char *add[] = {"policy", "add", "--kind", "tpm", "badcli", file, NULL};
		assert_int_equal(harness_teev(&s->server, add, NULL, &err), 1);
		if (!err || !strstr(err, plain))
			fail_msg("CLI case %zu: %s", i, err ? err : "");
		free(err);
		err = NULL;
	}
	fp = fopen(file, "w");
	assert_non_null(fp);
	fputs(ok, fp);
	fclose(fp);
	const char *add[] = {"policy", "add", "--kind", "tpm", "goodcli", file, NULL};
	assert_int_equal(harness_teev(&s->server, add, &out, &err), 0);
	free(out);
	free(err);
}

static void test_lookalike_client_is_not_admin(void **state)
{
	struct suite *s = S(state);
	struct http_result r;

	/* Same CA, same subject CN=client: may read, may not write. */
	assert_int_equal(request(s, &s->lookalike, "GET", "/v2.5/teepolicies", NULL, &r), 200);
	http_result_free(&r);
	assert_int_equal(request(s, &s->lookalike, "POST", "/v2.5/teepolicies/sneaky", ALLOW_ANY, &r), 403);
	assert_non_null(strstr(r.body, "policy administrator"));
	http_result_free(&r);
	assert_int_equal(request(s, &s->lookalike, "DELETE", "/v2.5/teepolicies/default", NULL, &r), 403);
	http_result_free(&r);
}

static void test_default_and_named_policy_selection(void **state)
{
	struct suite *s = S(state);
	struct http_result r;
	char types[512], body[512];
	bool valid;

	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/default", ALLOW_ANY, &r), 201);
	http_result_free(&r);
	verify_milan(s, NULL, types, sizeof(types), &valid);
	assert_true(valid);

	/* A policy that allows another measurement only. */
	snprintf(body, sizeof(body), "{\"measurements\": [\"%096d\"]}", 0);
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/strict", body, &r), 201);
	http_result_free(&r);
	verify_milan(s, "strict", types, sizeof(types), &valid);
	assert_false(valid);
	assert_string_equal(types, "tee_attestation.policy.measurement");

	/* Replaced to allow the real measurement: picked up without a restart. */
	snprintf(body, sizeof(body), "{\"measurements\": [\"%s\"]}", s->measurement_hex);
	assert_int_equal(request(s, &s->admin, "PUT", "/v2.5/teepolicies/strict", body, &r), 200);
	http_result_free(&r);
	verify_milan(s, "strict", types, sizeof(types), &valid);
	assert_true(valid);

	verify_milan(s, "nosuchpolicy", types, sizeof(types), &valid);
	assert_false(valid);
	assert_string_equal(types, "tee_attestation.policy.missing");
}

static void test_claims_name_the_deciding_policy(void **state)
{
	struct suite *s = S(state);
	char *body = harness_read_file(s->milan_request, NULL);
	struct http_result r;

	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/verify/evidence", body, &r), 200);
	assert_non_null(strstr(r.body, "\"tee_policy\":{\"name\":\"default\",\"version\":1}"));
	http_result_free(&r);
	free(body);
}

static void test_cli_writes_are_seen_by_the_running_server(void **state)
{
	struct suite *s = S(state);
	char file[512], types[512], *out = NULL, *err = NULL;
	bool valid;
	FILE *fp;

	snprintf(file, sizeof(file), "%s/cli-policy.json", s->server.dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fprintf(fp, "{\"allow_any_measurement\": true, \"vmpls\": [2]}");
	fclose(fp);
	const char *add[] = {"policy", "add", "--kind", "snp", "fromcli", file, NULL};
	assert_int_equal(harness_teev(&s->server, add, &out, &err), 0);
	assert_non_null(strstr(out, "version 1"));
	free(out);
	free(err);
	/* The fixture report runs at VMPL 0: this CLI-stored policy refuses it. */
	verify_milan(s, "fromcli", types, sizeof(types), &valid);
	assert_false(valid);
	assert_string_equal(types, "tee_attestation.policy.vmpl");

	const char *again[] = {"policy", "add", "--kind", "snp", "fromcli", file, NULL};
	assert_int_equal(harness_teev(&s->server, again, NULL, &err), 1);
	assert_non_null(strstr(err, "already exists"));
	free(err);
	const char *list[] = {"policy", "list", "--kind", "snp", NULL};
	assert_int_equal(harness_teev(&s->server, list, &out, NULL), 0);
	assert_non_null(strstr(out, "fromcli"));
	assert_non_null(strstr(out, "strict\tversion 2"));
	free(out);
	const char *show[] = {"policy", "show", "--kind", "snp", "fromcli", NULL};
	assert_int_equal(harness_teev(&s->server, show, &out, NULL), 0);
	assert_non_null(strstr(out, "\"vmpls\""));
	free(out);
	const char *del[] = {"policy", "delete", "--kind", "snp", "fromcli", NULL};
	assert_int_equal(harness_teev(&s->server, del, NULL, NULL), 0);
	verify_milan(s, "fromcli", types, sizeof(types), &valid);
	assert_string_equal(types, "tee_attestation.policy.missing");

	fp = fopen(file, "w");
	fprintf(fp, "{\"vmpls\": [0, 9]}");
	fclose(fp);
	const char *validate[] = {"policy", "validate", "--kind", "snp", file, NULL};
	assert_int_equal(harness_teev(&s->server, validate, NULL, &err), 1);
	assert_non_null(strstr(err, "vmpls"));
	free(err);
	const char *bad_kind[] = {"policy", "list", "--kind", "sgx", NULL};
	assert_int_equal(harness_teev(&s->server, bad_kind, NULL, NULL), 2);
}

struct hammer {
	struct suite *s;
	volatile int stop;
	int requests, valid, refused, other;
};

static void *hammer_requests(void *arg)
{
	struct hammer *h = arg;
	char *body = harness_read_file(h->s->milan_request, NULL);
	struct json_object *doc = json_tokener_parse(body);

	json_object_object_add(json_object_object_get(doc, "data"), "tee-policy",
			       json_object_new_string("flip"));
	const char *text = json_object_to_json_string(doc);
	while (!h->stop) {
		struct http_result r;
		char types[256];
		harness_request(&h->s->server, &h->s->admin, "POST", "/v2.5/verify/evidence", text,
				strlen(text), &r);
		harness_failure_types(r.json, types, sizeof(types));
		h->requests++;
		if (r.status == 200 && types[0] == '\0')
			h->valid++;
		else if (r.status == 200 && strcmp(types, "tee_attestation.policy.measurement") == 0)
			h->refused++;
		else
			h->other++;
		http_result_free(&r);
	}
	json_object_put(doc);
	free(body);
	return NULL;
}

/* Requests keep flowing while the policy flips between "allow" and "deny":
 * every answer is one of the two verdicts, never an error or a mixture. */
static void test_policy_replaced_while_requests_run(void **state)
{
	struct suite *s = S(state);
	struct hammer h = {.s = s};
	pthread_t thread;
	char allow[256], deny[256];
	struct http_result r;

	snprintf(allow, sizeof(allow), "{\"measurements\": [\"%s\"]}", s->measurement_hex);
	snprintf(deny, sizeof(deny), "{\"measurements\": [\"%096d\"]}", 1);
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/flip", allow, &r), 201);
	http_result_free(&r);
	assert_int_equal(pthread_create(&thread, NULL, hammer_requests, &h), 0);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(request(s, &s->admin, "PUT", "/v2.5/teepolicies/flip",
					 i % 2 ? allow : deny, &r), 200);
		http_result_free(&r);
	}
	h.stop = 1;
	pthread_join(thread, NULL);
	assert_true(h.requests > 0);
	assert_int_equal(h.other, 0);
	assert_int_equal(h.valid + h.refused, h.requests);
	/* The last write (i = 29: allow) is what the next request sees. */
	char types[256];
	bool valid;
	verify_milan(s, "flip", types, sizeof(types), &valid);
	assert_true(valid);
}

struct writer {
	struct suite *s;
	int acknowledged; /* policies w0..w(acknowledged-1) got 201 */
};

static void *write_stream(void *arg)
{
	struct writer *w = arg;

	for (int i = 0; i < 100000; i++) {
		char path[64];
		struct http_result r;
		snprintf(path, sizeof(path), "/v2.5/teepolicies/w%d", i);
		harness_request(&w->s->server, &w->s->admin, "POST", path, ALLOW_ANY,
				strlen(ALLOW_ANY), &r);
		long status = r.status;
		http_result_free(&r);
		if (status != 201)
			break; /* the server died under us */
		__atomic_store_n(&w->acknowledged, i + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* SIGKILL in the middle of a stream of writes: after a restart, every write
 * that was acknowledged is there and the database is intact. */
static void test_sigkill_during_policy_writes(void **state)
{
	struct suite *s = S(state);
	struct writer w = {.s = s};
	pthread_t thread;
	struct db *db = NULL;
	char err[512];

	assert_int_equal(pthread_create(&thread, NULL, write_stream, &w), 0);
	/* Kill in the middle of the stream: after a few writes were
	 * acknowledged, however slow the server is (valgrind). */
	for (int waited = 0; __atomic_load_n(&w.acknowledged, __ATOMIC_RELAXED) < 6 && waited < 60000;
	     waited += 10)
		usleep(10 * 1000);
	usleep(50 * 1000);
	kill(s->server.pid, SIGKILL);
	pthread_join(thread, NULL);
	assert_true(w.acknowledged > 5);
	assert_int_equal(harness_kill_and_restart(&s->server), 0);

	for (int i = 0; i < w.acknowledged; i++) {
		char path[64];
		struct http_result r;
		snprintf(path, sizeof(path), "/v2.5/teepolicies/w%d", i);
		if (request(s, &s->admin, "GET", path, NULL, &r) != 200)
			fail_msg("acknowledged write %s lost after SIGKILL", path);
		http_result_free(&r);
	}
	assert_int_equal(db_open(s->server.db_path, &db, err, sizeof(err)), 0);
	if (db_integrity_check(db, err, sizeof(err)))
		fail_msg("%s", err);
	db_close(db);
}

/* Issue 12, item 4: "%00" decodes to a NUL, and the path libmicrohttpd
 * hands on ends there: "name%00.evil" acted on "name". Any URL whose decoded
 * path or query holds a NUL is refused with 400, whatever the method. */
static void test_nul_in_path_is_refused(void **state)
{
	struct suite *s = S(state);
	struct http_result r;
	char types[256];

	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/name%00.evil", ALLOW_ANY, &r),
			 400);
	assert_non_null(strstr(r.body, "NUL"));
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/teepolicies/name", NULL, &r), 404);
	http_result_free(&r);

	/* A policy of that name exists; DELETE .../name%00x must not touch it. */
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/teepolicies/name", ALLOW_ANY, &r), 201);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "DELETE", "/v2.5/teepolicies/name%00x", NULL, &r), 400);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "PUT", "/v2.5/teepolicies/name%00x", ALLOW_ANY, &r), 400);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/teepolicies/name", NULL, &r), 200);
	assert_int_equal(json_object_get_int(json_object_object_get(
				 json_object_object_get(r.json, "results"), "version")),
			 1);
	http_result_free(&r);
	/* In the query too, and on the evidence route in its results shape. */
	assert_int_equal(request(s, &s->admin, "GET", "/v2.5/verifications?since=2020-01-01T00:00:00Z%00x", NULL, &r), 400);
	http_result_free(&r);
	assert_int_equal(request(s, &s->admin, "POST", "/v2.5/verify/evidence%00x", "{}", &r), 400);
	harness_failure_types(r.json, types, sizeof(types));
	assert_string_equal(types, "default.invalid_path");
	http_result_free(&r);
	/* An encoded character that is not a NUL still works. */
	assert_int_equal(request(s, &s->admin, "DELETE", "/v2.5/teepolicies/n%61me", NULL, &r), 200);
	http_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_default_policy_fails_closed),
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_invalid_documents_are_refused),
		cmocka_unit_test(test_tpm_policies_validated),
		cmocka_unit_test(test_lookalike_client_is_not_admin),
		cmocka_unit_test(test_default_and_named_policy_selection),
		cmocka_unit_test(test_claims_name_the_deciding_policy),
		cmocka_unit_test(test_cli_writes_are_seen_by_the_running_server),
		cmocka_unit_test(test_policy_replaced_while_requests_run),
		cmocka_unit_test(test_sigkill_during_policy_writes),
		cmocka_unit_test(test_nul_in_path_is_refused),
	};
	return cmocka_run_group_tests_name("integration: stored SNP policies", tests, suite_setup,
					   suite_teardown);
}
