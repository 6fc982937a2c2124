/* test_messages.c - what teev says when something is off, so a new user can
 * act on it: start-up without the default SNP policy warns; a bad server
 * certificate or key is named with GnuTLS's reason; an unknown TEEV_*
 * variable warns; Keylime's own verifier.conf options are ignored with a
 * note; a clean stop ends with "stopped"; a bad "type" and a missing TPM
 * policy name the valid values and the *_policy_name extensions; a stored
 * policy that no longer passes validation (stored by an older teev) is
 * named at start, and in the verdict of each request that names it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"
#include "db/policy_store.h"
#include "tests/integration/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A server a failed assertion left running (cmocka longjmps past the
 * test's own harness_stop) is stopped by the test's teardown. */
static struct teev_server *running;

static struct teev_server *track(struct teev_server *s)
{
	running = s;
	return s;
}

static int stop_running(void **state)
{
	(void)state;
	if (running && running->pid > 0)
		harness_stop(running);
	running = NULL;
	return 0;
}

static const char *teev(void)
{
	return harness_env("TEEV_BIN", "build/teev");
}

static void assert_contains(const char *text, const char *needle)
{
	if (!text || !strstr(text, needle))
		fail_msg("\"%s\" not in:\n%s", needle, text ? text : "(nothing)");
}

static void shell(const char *fmt, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
}

static void test_startup_without_default_policy_warns_and_stop_says_stopped(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	char *log, *last;
	(void)state;

	assert_int_equal(harness_start(track(&server), NULL), 0);
	log = harness_read_file(server.log_path, NULL);
	assert_contains(log, "WARN no SNP policy named \"default\" (tee_policy) is stored");
	assert_contains(log, "tee_attestation.policy.missing");
	free(log);
	assert_int_equal(harness_terminate(&server), 0);
	log = harness_read_file(server.log_path, NULL);
	assert_non_null(log);
	while (strlen(log) > 0 && log[strlen(log) - 1] == '\n')
		log[strlen(log) - 1] = '\0';
	last = strrchr(log, '\n');
	assert_contains(last ? last : log, "INFO stopped");
	free(log);
	const char *rm[] = {"/bin/rm", "-rf", server.dir, NULL};
	harness_run(rm);
}

static void test_bad_server_files_are_named(void **state)
{
	char dir[] = "/tmp/teev-msg-XXXXXX";
	char ca[300], db[300], *err = NULL;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/cv_ca", dir);
	snprintf(db, sizeof(db), "%s/teev.db", dir);
	const char *init[] = {teev(), "certs", "init", ca, NULL};
	assert_int_equal(harness_run_capture(init, NULL, NULL), 0);
	const char *serve[] = {teev(), "serve", "--tls-dir", ca, "--port", "0", "--database", db,
			       NULL};

	/* A key of another pair. */
	shell("cp %s/cv_ca/server-private.pem %s/keep.pem && "
	      "cp %s/cv_ca/client-private.pem %s/cv_ca/server-private.pem",
	      dir);
	assert_int_equal(harness_run_capture(serve, NULL, &err), 1);
	assert_contains(err, "server_key");
	assert_contains(err, "/cv_ca/server-private.pem");
	assert_contains(err, "do not go together: The certificate and the given key do not match");
	free(err);

	/* A certificate file that is not one. */
	shell("cp %s/keep.pem %s/cv_ca/server-private.pem && echo garbage >%s/cv_ca/server-cert.crt",
	      dir);
	assert_int_equal(harness_run_capture(serve, NULL, &err), 1);
	assert_contains(err, "server_cert");
	assert_contains(err, "/cv_ca/server-cert.crt is not a usable certificate");
	free(err);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

static void test_unknown_env_and_keylime_options(void **state)
{
	char dir[] = "/tmp/teev-msg-XXXXXX";
	char conf[300], *err = NULL;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/keylime.conf", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	/* Parts of a Keylime 7.x verifier.conf. */
	fprintf(f, "[verifier]\nversion = 2.6\nuuid = default\nip = 127.0.0.1\nport = 8881\n"
		   "database_url = sqlite\nquote_interval = 2\nmax_upload_size = 104857600\n"
		   "[revocations]\nenabled_revocation_notifications = []\n");
	fclose(f);
	const char *policy[] = {teev(), "policy", "list", "--kind", "snp", "--config", conf,
				"--database", "/dev/null/teev.db", NULL};
	setenv("TEEV_PROT", "9000", 1);
	harness_run_capture(policy, NULL, &err);
	unsetenv("TEEV_PROT");
	assert_contains(err, "were ignored: version, uuid, database_url, quote_interval");
	assert_contains(err, "environment variable TEEV_PROT is not a teev option");
	/* Only the open database fails: the config file itself was accepted. */
	assert_contains(err, "/dev/null/teev.db");
	free(err);

	/* teev's own options are still checked strictly. */
	f = fopen(conf, "a");
	fprintf(f, "[verifier]\nmax_uplod_size = 1M\n");
	fclose(f);
	assert_int_equal(harness_run_capture(policy, NULL, &err), 2);
	assert_contains(err, "unknown option \"max_uplod_size\"");
	free(err);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

static void test_bad_type_and_missing_policy_name_the_choices(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	struct client_identity client;
	struct http_result r;
	static const char bad_type[] = "{\"type\": \"sgx\", \"data\": {\"a\": 1}}";
	static const char no_policy[] =
		"{\"type\": \"tpm\", \"data\": {\"quote\": \"r\", \"nonce\": \"n\", "
		"\"hash_alg\": \"sha256\", \"tpm_ek\": \"e\", \"tpm_ak\": \"a\"}}";
	static const char unknown_name[] =
		"{\"type\": \"tpm\", \"data\": {\"quote\": \"r\", \"nonce\": \"n\", "
		"\"hash_alg\": \"sha256\", \"tpm_ek\": \"e\", \"tpm_ak\": \"a\", "
		"\"tpm_policy_name\": \"prod\"}}";
	(void)state;

	assert_int_equal(harness_start(track(&server), NULL), 0);
	harness_identity(server.ca_dir, "client", &client);
	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/verify/evidence",
					 bad_type, strlen(bad_type), &r),
			 0);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "invalid evidence type: \\\"type\\\" must be \\\"tee\\\"");
	assert_contains(r.body, "\\\"tpm\\\"");
	http_result_free(&r);

	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/verify/evidence",
					 no_policy, strlen(no_policy), &r),
			 0);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "default.missing_policy");
	assert_contains(r.body, "tpm_policy_name, runtime_policy_name or mb_policy_name");
	http_result_free(&r);

	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/verify/evidence",
					 unknown_name, strlen(unknown_name), &r),
			 0);
	assert_int_equal(r.status, 400);
	assert_contains(r.body, "no stored tpm policy named \\\"prod\\\"");
	assert_contains(r.body, "teev policy add --kind tpm prod FILE");
	assert_contains(r.body, "/v2.5/tpmpolicies/prod");
	http_result_free(&r);
	assert_int_equal(harness_stop(&server), 0);
}

/* Writes a policy as an older teev would have, without today's checks. */
static void store_raw(struct db *db, const char *kind, const char *name, const char *document)
{
	char err[256];

	if (policy_store_create(db, kind, name, document, NULL, err, sizeof(err)) != STORE_OK)
		fail_msg("storing %s/%s: %s", kind, name, err);
}

static void test_stored_policies_that_no_longer_validate_are_named(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	static const char pin10[] =
		"{\"10\": [\"1111111111111111111111111111111111111111111111111111111111111111\"]}";
	static const char good[] =
		"{\"16\": [\"1616161616161616161616161616161616161616161616161616161616161616\"]}";
	static const char no_excludes[] =
		"{\"meta\": {\"version\": 1}, \"digests\": {}, \"ima\": {\"ignored_keyrings\": "
		"[], \"log_hash_alg\": \"sha1\", \"dm_policy\": null}}";
	static const char bad_regex[] =
		"{\"meta\": {\"version\": 1}, \"digests\": {}, \"excludes\": [\"(unclosed\"], "
		"\"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", "
		"\"dm_policy\": null}}";
	static const char request[] =
		"{\"type\": \"tpm\", \"data\": {\"quote\": \"r\", \"nonce\": \"n\", "
		"\"hash_alg\": \"sha256\", \"tpm_ek\": \"e\", \"tpm_ak\": \"a\", "
		"\"tpm_policy_name\": \"pin10\"}}";
	char dir[] = "/tmp/teev-msg-XXXXXX", db_path[64], err[256], *log;
	struct client_identity client;
	struct http_result r;
	struct db *db = NULL;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/teev.db", dir);
	assert_int_equal(db_open(db_path, &db, err, sizeof(err)), 0);
	store_raw(db, "tpm", "pin10", pin10);
	store_raw(db, "tpm", "notalist", "{\"16\": \"notalist\"}");
	store_raw(db, "tpm", "good", good);
	store_raw(db, "runtime", "no-excludes", no_excludes);
	store_raw(db, "runtime", "bad-regex", bad_regex);
	db_close(db);

	assert_int_equal(harness_start_on(track(&server), NULL, db_path), 0);
	log = harness_read_file(server.log_path, NULL);
	assert_contains(log, "WARN stored tpm policy \"pin10\" (version 1) is invalid: ");
	assert_contains(log, "WARN stored tpm policy \"notalist\" (version 1) is invalid: ");
	assert_contains(log, "WARN stored runtime policy \"no-excludes\" (version 1) is invalid: "
			     "runtime policy has no \"excludes\"");
	assert_contains(log, "teev policy replace --kind tpm pin10 FILE");
	assert_contains(log, "WARN stored runtime policy \"bad-regex\" (version 1): its \"excludes\" "
			     "do not compile and are ignored");
	assert_null(strstr(log, "\"good\""));
	/* One warning per policy. */
	assert_null(strstr(strstr(log, "policy \"pin10\" (version 1) is invalid") + 1,
			   "policy \"pin10\" (version 1) is invalid"));
	free(log);

	harness_identity(server.ca_dir, "client", &client);
	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/verify/evidence", request,
					 strlen(request), &r),
			 0);
	assert_int_equal(r.status, 200);
	assert_contains(r.body, "qoute_validation.invalid_quote");
	assert_contains(r.body, "stored tpm policy \\\"pin10\\\" is invalid: ");
	assert_contains(r.body, "PCR \\\"10\\\"");
	assert_contains(r.body, "PUT /v2.5/tpmpolicies/pin10");
	http_result_free(&r);
	assert_int_equal(harness_stop(&server), 0);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_startup_without_default_policy_warns_and_stop_says_stopped,
					  stop_running),
		cmocka_unit_test_teardown(test_bad_server_files_are_named, stop_running),
		cmocka_unit_test_teardown(test_unknown_env_and_keylime_options, stop_running),
		cmocka_unit_test_teardown(test_bad_type_and_missing_policy_name_the_choices,
					  stop_running),
		cmocka_unit_test_teardown(test_stored_policies_that_no_longer_validate_are_named,
					  stop_running),
	};
	return cmocka_run_group_tests_name("integration: messages", tests, NULL, NULL);
}
