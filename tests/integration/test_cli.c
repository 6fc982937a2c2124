/* test_cli.c - the `teev` command line as scripts use it: `verify` on every
 * real vector (exit codes, JSON output), `certs init`, `serve` start-up
 * errors, `version`. Runs the real binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *teev(void)
{
	return harness_env("TEEV_BIN", "build/teev");
}

static void vector_path(const char *vector, const char *file, char *out, size_t cap)
{
	snprintf(out, cap, "%s/testdata/snp/%s/%s", harness_env("SHARED_DIR", "../shared"), vector,
		 file);
}

/* Runs `teev verify ...`, returns the exit code and the parsed stdout. */
static int run_verify(const char *const args[], struct json_object **results, char **err)
{
	const char *argv[24] = {teev(), "verify"};
	size_t n = 2;
	char *out = NULL;
	int rc;

	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	rc = harness_run_capture(argv, &out, err);
	*results = out ? json_tokener_parse(out) : NULL;
	free(out);
	return rc;
}

struct vector {
	const char *name, *cert, *at, *product;
	int version;
	int bootloader, tee, snp, microcode;
	bool debug;
};

/* Expected values from ../shared/testdata/snp/README.md. Times are pinned
 * inside each certificate's validity (the VLEK expired in 2025). */
static const struct vector vectors[] = {
	{"milan-v2-trustee", "vcek.der", "2024-01-01T00:00:00Z", "Milan", 2, 3, 0, 8, 115, false},
	{"milan-v2-gosevguest", "vcek.der", "2024-01-01T00:00:00Z", "Milan", 2, 2, 0, 5, 68, true},
	{"milan-v2-virtee", "vcek.der", "2024-01-01T00:00:00Z", "Milan", 2, 3, 0, 8, 115, false},
	{"milan-v3-azure", "vcek.der", "2026-01-01T00:00:00Z", "Milan", 3, 4, 0, 24, 219, false},
	{"milan-v3-vlek-aws", "vlek.der", "2025-06-01T00:00:00Z", "Milan", 3, 4, 0, 24, 217, false},
	{"milan-v3-oak", "vcek.der", "2026-01-01T00:00:00Z", "Milan", 3, 4, 0, 24, 219, false},
	{"genoa-v3-trustee-e2e", "vcek.der", "2026-01-01T00:00:00Z", "Genoa", 3, 10, 0, 23, 25, false},
	{"genoa-v5-oak", "vcek.der", "2026-01-01T00:00:00Z", "Genoa", 5, 10, 0, 25, 84, false},
	{"turin-v5-oak", "vcek.der", "2026-01-01T00:00:00Z", "Turin", 5, 1, 0, 2, 71, false},
};

static int claim_int(struct json_object *results, const char *name)
{
	struct json_object *claims = json_object_object_get(results, "claims");
	return json_object_get_int(json_object_object_get(claims, name));
}

static void test_verify_every_real_vector(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		char report[1024], cert[1024];
		struct json_object *results, *claims;
		char *err = NULL;

		vector_path(v->name, "report.bin", report, sizeof(report));
		vector_path(v->name, v->cert, cert, sizeof(cert));
		const char *args[] = {"--report", report, "--vcek", cert, "--at", v->at, NULL};
		int rc = run_verify(args, &results, &err);
		if (rc != 0 || !results)
			fail_msg("%s: exit %d, stderr %s", v->name, rc, err ? err : "");
		assert_true(json_object_get_boolean(json_object_object_get(results, "valid")));
		/* Without --nonce the output says freshness was not checked. */
		assert_non_null(strstr(json_object_get_string(json_object_object_get(results, "freshness")),
				       "not checked"));
		assert_non_null(strstr(err, "not checked"));
		claims = json_object_object_get(results, "claims");
		assert_string_equal(json_object_get_string(json_object_object_get(claims, "product")),
				    v->product);
		assert_int_equal(claim_int(results, "report_version"), v->version);
		assert_int_equal(claim_int(results, "reported_tcb_bootloader"), v->bootloader);
		assert_int_equal(claim_int(results, "reported_tcb_tee"), v->tee);
		assert_int_equal(claim_int(results, "reported_tcb_snp"), v->snp);
		assert_int_equal(claim_int(results, "reported_tcb_microcode"), v->microcode);
		assert_int_equal(json_object_get_boolean(json_object_object_get(claims, "policy_debug_allowed")),
				 v->debug);
		json_object_put(results);
		free(err);
	}
}

static void test_verify_expired_vlek_fails_now(void **state)
{
	char report[1024], cert[1024];
	struct json_object *results;
	char *err = NULL;
	(void)state;

	vector_path("milan-v3-vlek-aws", "report.bin", report, sizeof(report));
	vector_path("milan-v3-vlek-aws", "vlek.der", cert, sizeof(cert));
	const char *args[] = {"--report", report, "--vcek", cert, NULL};
	assert_int_equal(run_verify(args, &results, &err), 1);
	assert_false(json_object_get_boolean(json_object_object_get(results, "valid")));
	assert_non_null(strstr(json_object_to_json_string(results), "tee_attestation.cert_chain"));
	assert_non_null(strstr(json_object_to_json_string(results), "expired"));
	json_object_put(results);
	free(err);
}

static void test_verify_tampered_report_exit_1(void **state)
{
	char report[1024], cert[1024], tampered[] = "/tmp/teev-report-XXXXXX";
	size_t len = 0;
	char *bytes;
	struct json_object *results;
	int fd;
	(void)state;

	vector_path("turin-v5-oak", "report.bin", report, sizeof(report));
	vector_path("turin-v5-oak", "vcek.der", cert, sizeof(cert));
	bytes = harness_read_file(report, &len);
	assert_int_equal(len, 1184);
	bytes[0x90] ^= 1; /* one bit of the launch measurement */
	fd = mkstemp(tampered);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, len), (ssize_t)len);
	close(fd);
	const char *args[] = {"--report", tampered, "--vcek", cert, "--at", "2026-01-01T00:00:00Z", NULL};
	assert_int_equal(run_verify(args, &results, NULL), 1);
	assert_non_null(strstr(json_object_to_json_string(results), "tee_attestation.invalid_signature"));
	json_object_put(results);
	unlink(tampered);
	free(bytes);
}

/* A forged report with a real nonce binding passes with --nonce, and the same
 * report with another nonce fails only on freshness. */
static void test_verify_freshness_with_forged_fixture(void **state)
{
	char fixture[] = "/tmp/teev-clifx-XXXXXX";
	char request[512], report[512], cert[512], roots[512];
	struct json_object *doc, *data, *results;
	(void)state;

	assert_non_null(mkdtemp(fixture));
	const char *forge[] = {harness_env("SNP_FORGE", "build/snp-forge"), "fixture", "--out", fixture, NULL};
	assert_int_equal(harness_run(forge), 0);
	snprintf(request, sizeof(request), "%s/milan/request.json", fixture);
	snprintf(report, sizeof(report), "%s/milan/report.bin", fixture);
	snprintf(cert, sizeof(cert), "%s/milan/vcek.der", fixture);
	snprintf(roots, sizeof(roots), "%s/amd", fixture);
	doc = json_object_from_file(request);
	assert_non_null(doc);
	data = json_object_object_get(doc, "data");
	const char *nonce = json_object_get_string(json_object_object_get(data, "nonce"));
	const char *x = json_object_get_string(json_object_object_get(data, "tee-pubkey-x-b64"));
	const char *y = json_object_get_string(json_object_object_get(data, "tee-pubkey-y-b64"));

	const char *good[] = {"--report", report, "--vcek", cert, "--amd-root-dir", roots, "--nonce",
			      nonce, "--tee-pubkey-x", x, "--tee-pubkey-y", y, NULL};
	assert_int_equal(run_verify(good, &results, NULL), 0);
	assert_null(json_object_object_get(results, "freshness"));
	json_object_put(results);

	const char *bad[] = {"--report", report, "--vcek", cert, "--amd-root-dir", roots, "--nonce",
			     "AAAA", "--tee-pubkey-x", x, "--tee-pubkey-y", y, NULL};
	assert_int_equal(run_verify(bad, &results, NULL), 1);
	assert_non_null(strstr(json_object_to_json_string(results), "freshness_hash_failed"));
	json_object_put(results);

	/* The embedded (real) AMD roots do not trust the forged chain. */
	const char *untrusted[] = {"--report", report, "--vcek", cert, NULL};
	assert_int_equal(run_verify(untrusted, &results, NULL), 1);
	assert_non_null(strstr(json_object_to_json_string(results), "tee_attestation.cert_chain"));
	json_object_put(results);

	json_object_put(doc);
	const char *rm[] = {"/bin/rm", "-rf", fixture, NULL};
	harness_run(rm);
}

static void test_verify_bad_usage_exit_2(void **state)
{
	char report[1024];
	struct json_object *results;
	(void)state;

	vector_path("turin-v5-oak", "report.bin", report, sizeof(report));
	const char *no_report[] = {NULL};
	const char *missing_file[] = {"--report", "/nonexistent/report.bin", NULL};
	const char *bad_time[] = {"--report", report, "--at", "yesterday", NULL};
	const char *bad_offset[] = {"--report", report, "--at", "2025-06-01T00:00:00+-1:00", NULL};
	const char *long_offset[] = {"--report", report, "--at", "2025-06-01T00:00:00+01:000", NULL};
	const char *half_nonce[] = {"--report", report, "--nonce", "AAAA", NULL};
	const char *bad_nonce[] = {"--report", report, "--nonce", "%%", "--tee-pubkey-x", "AQ",
				   "--tee-pubkey-y", "AQ", NULL};
	const char *unknown_flag[] = {"--report", report, "--frobnicate", NULL};
	const char *short_report[] = {"--report", "/etc/hostname", NULL};
	const char *const *cases[] = {no_report, missing_file, bad_time, bad_offset, long_offset, half_nonce,
				      bad_nonce, unknown_flag, short_report};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *err = NULL;
		int rc = run_verify(cases[i], &results, &err);
		if (rc != 2)
			fail_msg("case %zu: exit %d (stderr: %s)", i, rc, err ? err : "");
		json_object_put(results);
		free(err);
	}

	/* A well-formed offset is still accepted: it is not a usage error. */
	const char *good_offset[] = {"--report", report, "--at", "2026-01-01T01:30:00+01:30", NULL};
	char *err = NULL;
	int rc = run_verify(good_offset, &results, &err);
	if (rc == 2)
		fail_msg("valid offset rejected (stderr: %s)", err ? err : "");
	json_object_put(results);
	free(err);
}

static void test_certs_init_is_idempotent(void **state)
{
	char dir[] = "/tmp/teev-ca-XXXXXX";
	char ca[300], key[400];
	char *out = NULL;
	struct stat st;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/cv_ca", dir);
	const char *init[] = {teev(), "certs", "init", ca, "--san", "teev.example", NULL};
	assert_int_equal(harness_run_capture(init, &out, NULL), 0);
	/* The nine files of Keylime's layout and teev's two result-signing key files. */
	assert_non_null(strstr(out, "wrote 11 file(s)"));
	free(out);
	snprintf(key, sizeof(key), "%s/server-private.pem", ca);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(harness_run_capture(init, &out, NULL), 0);
	assert_non_null(strstr(out, "nothing written"));
	free(out);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

static void test_serve_startup_errors(void **state)
{
	char *err = NULL;
	(void)state;

	const char *no_tls[] = {teev(), "serve", "--tls-dir", "/nonexistent/cv_ca", NULL};
	assert_int_equal(harness_run_capture(no_tls, NULL, &err), 1);
	assert_non_null(strstr(err, "certs init"));
	free(err);
	const char *bad_port[] = {teev(), "serve", "--port", "99999", NULL};
	assert_int_equal(harness_run_capture(bad_port, NULL, &err), 2);
	assert_non_null(strstr(err, "port"));
	free(err);
	const char *bad_config[] = {teev(), "serve", "--config", "/nonexistent.conf", NULL};
	assert_int_equal(harness_run_capture(bad_config, NULL, &err), 2);
	assert_non_null(strstr(err, "/nonexistent.conf"));
	free(err);
}

static void test_version_command(void **state)
{
	char *out = NULL;
	(void)state;

	const char *argv[] = {teev(), "version", NULL};
	assert_int_equal(harness_run_capture(argv, &out, NULL), 0);
	assert_non_null(strstr(out, "teev "));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_every_real_vector),
		cmocka_unit_test(test_verify_expired_vlek_fails_now),
		cmocka_unit_test(test_verify_tampered_report_exit_1),
		cmocka_unit_test(test_verify_freshness_with_forged_fixture),
		cmocka_unit_test(test_verify_bad_usage_exit_2),
		cmocka_unit_test(test_certs_init_is_idempotent),
		cmocka_unit_test(test_serve_startup_errors),
		cmocka_unit_test(test_version_command),
	};
	return cmocka_run_group_tests_name("integration: teev command line", tests, NULL, NULL);
}
