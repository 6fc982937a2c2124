/* test_cli.c - the `teev` command line as scripts use it: `verify` on every
 * real vector (exit codes, JSON output), `certs init`, `serve` start-up
 * errors, `version`. Runs the real binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"
#include "verifier/p384.h"

#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
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

static X509 *load_pem_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	assert_non_null(cert);
	return cert;
}

/* --san on a folder that already has a server certificate: a warning that
 * says how to re-issue, the file unchanged; --reissue-server re-issues it
 * for the same key, chained to the same CA, with the new names. */
static void test_certs_init_san_on_existing_folder(void **state)
{
	char dir[] = "/tmp/teev-ca-XXXXXX";
	char ca[300], path[400], *out = NULL, *err = NULL, *before, *after;
	X509 *cert, *cacert;
	EVP_PKEY *key;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/cv_ca", dir);
	snprintf(path, sizeof(path), "%s/server-cert.crt", ca);
	const char *init[] = {teev(), "certs", "init", ca, NULL};
	assert_int_equal(harness_run_capture(init, NULL, NULL), 0);
	before = harness_read_file(path, NULL);

	const char *add[] = {teev(), "certs", "init", ca, "--san", "teev.example", "--san",
			     "10.1.2.3", NULL};
	assert_int_equal(harness_run_capture(add, &out, &err), 0);
	assert_null(strstr(out, "already complete"));
	assert_non_null(strstr(err, "warning"));
	assert_non_null(strstr(err, "does not name teev.example, 10.1.2.3; it was not changed"));
	assert_non_null(strstr(err, "--san teev.example --san 10.1.2.3 --reissue-server"));
	free(out);
	free(err);
	after = harness_read_file(path, NULL);
	assert_string_equal(before, after);
	free(after);

	const char *reissue[] = {teev(), "certs", "init", ca, "--san", "teev.example", "--san",
				 "10.1.2.3", "--reissue-server", NULL};
	assert_int_equal(harness_run_capture(reissue, &out, NULL), 0);
	assert_non_null(strstr(out, "re-issued"));
	free(out);
	after = harness_read_file(path, NULL);
	assert_string_not_equal(before, after);
	free(after);
	free(before);
	cert = load_pem_cert(path);
	assert_int_equal(X509_check_host(cert, "teev.example", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(cert, "10.1.2.3", 0), 1);
	snprintf(path, sizeof(path), "%s/cacert.crt", ca);
	cacert = load_pem_cert(path);
	assert_int_equal(X509_verify(cert, X509_get0_pubkey(cacert)), 1);
	snprintf(path, sizeof(path), "%s/server-private.pem", ca);
	f = fopen(path, "r");
	key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	assert_non_null(key);
	assert_int_equal(X509_check_private_key(cert, key), 1);

	/* Now the names are there: a repeat is "already complete". */
	assert_int_equal(harness_run_capture(add, &out, &err), 0);
	assert_non_null(strstr(out, "already complete"));
	assert_null(strstr(err, "warning"));
	free(out);
	free(err);
	EVP_PKEY_free(key);
	X509_free(cert);
	X509_free(cacert);
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

/* Every flag a command takes is in its --help, every flag its --help names
 * is one of them, and each is accepted (not "unrecognized"). */
static void test_help_lists_every_flag(void **state)
{
	static const struct {
		const char *command[3];
		const char *flags;
	} commands[] = {
		{{"serve"}, "--config --ip --port --tls-dir --database --amd-root-dir --log-level --help"},
		{{"verify"}, "--report --vcek --certs-buf --nonce --tee-pubkey-x --tee-pubkey-y "
			     "--policy --tee-policy --at --config --database --amd-root-dir --help"},
		{{"verify", "--tdx-quote", "/dev/null/teev-quote"},
		 "--tdx-quote --collateral --at --intel-root --policy --nonce --tee-pubkey-x "
		 "--tee-pubkey-y --help"},
		{{"certs", "init"}, "--san --reissue-server --result-key-alg --help"},
		{{"certs", "rotate-result-key"}, "--alg --help"},
		{{"certs", "import-vcek"}, "--config --database --amd-root-dir --help"},
		{{"policy", "list"}, "--kind --database --config --help"},
		{{"log", "list"}, "--since --valid --limit --database --config --help"},
		{{"verify-result"}, "--jwks --cacert --cert --key --keys-dir --config --nonce --max-age "
				    "--help"},
	};
	const size_t n_commands = sizeof(commands) / sizeof(commands[0]);
	(void)state;

	for (size_t i = 0; i < n_commands; i++) {
		const char *argv[8] = {teev()};
		size_t n = 1;
		char *out = NULL, flags[256];

		for (size_t k = 0; k < 3 && commands[i].command[k]; k++)
			argv[n++] = commands[i].command[k];
		argv[n] = "--help";
		argv[n + 1] = NULL;
		assert_int_equal(harness_run_capture(argv, &out, NULL), 0);
		snprintf(flags, sizeof(flags), "%s", commands[i].flags);
		for (char *f = strtok(flags, " "); f; f = strtok(NULL, " ")) {
			char *err = NULL;
			if (!strstr(out, f))
				fail_msg("teev %s --help does not mention %s", commands[i].command[0], f);
			/* A value that makes every command stop right after parsing
			 * (and "--port 99999" stops serve). */
			const char *probe[12] = {teev()};
			size_t m = 1;
			for (size_t k = 0; k < 3 && commands[i].command[k]; k++)
				probe[m++] = commands[i].command[k];
			probe[m++] = f;
			probe[m++] = "/dev/null/teev-probe";
			if (strcmp(commands[i].command[0], "serve") == 0) {
				probe[m++] = "--port";
				probe[m++] = "99999";
			}
			probe[m] = NULL;
			harness_run_capture(probe, NULL, &err);
			if (err && (strstr(err, "unrecognized option") ||
				    strstr(err, "unexpected argument \"--")))
				fail_msg("teev %s: %s is refused: %s", commands[i].command[0], f, err);
			free(err);
		}
		/* Each --flag of the help text is one the command family takes. */
		for (const char *p = out; (p = strstr(p, "--")) != NULL;) {
			char flag[64];
			bool known = false;
			size_t len = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
			p += len;
			if (len < 4 || len >= sizeof(flag))
				continue;
			memcpy(flag, p - len, len);
			flag[len] = '\0';
			for (size_t k = 0; k < n_commands; k++) {
				const char *hit = strstr(commands[k].flags, flag);
				if (strcmp(commands[k].command[0], commands[i].command[0]) == 0 && hit &&
				    (hit[len] == ' ' || hit[len] == '\0'))
					known = true;
			}
			if (!known)
				fail_msg("teev %s --help names %s, which it does not take",
					 commands[i].command[0], flag);
		}
		free(out);
	}

	/* serve --help points at every option and the TEEV_* variables. */
	const char *serve[] = {teev(), "serve", "--help", NULL};
	char *out = NULL;
	assert_int_equal(harness_run_capture(serve, &out, NULL), 0);
	assert_non_null(strstr(out, "TEEV_<OPTION>"));
	assert_non_null(strstr(out, "config/verifier.conf"));
	assert_non_null(strstr(out, "  check_crl = false"));
	assert_non_null(strstr(out, "  tee_policy = default"));
	free(out);
}

/* man/teev.1 is what `teev help --man` makes from the same texts. */
static void test_man_page_is_current(void **state)
{
	const char *argv[] = {teev(), "help", "--man", NULL};
	char *out = NULL, *kept;
	(void)state;

	assert_int_equal(harness_run_capture(argv, &out, NULL), 0);
	kept = harness_read_file("man/teev.1", NULL);
	if (!kept)
		skip(); /* not run from the source tree */
	if (strcmp(out, kept) != 0)
		fail_msg("man/teev.1 differs from `teev help --man`: run `make man`");
	assert_non_null(strstr(out, ".SS teev verify"));
	assert_non_null(strstr(out, "\\-\\-reissue\\-server"));
	free(out);
	free(kept);
}

static void test_version_command(void **state)
{
	char *out = NULL;
	(void)state;

	const char *argv[] = {teev(), "version", NULL};
	char line[96];
	assert_int_equal(harness_run_capture(argv, &out, NULL), 0);
	assert_non_null(strstr(out, "teev "));
	/* The build's P-384 library (make P384=...), as the binary reports it. */
	snprintf(line, sizeof(line), "SNP report signature (ECDSA P-384): %s\n",
		 p384_implementation());
	assert_non_null(strstr(out, line));
	free(out);
}

int main(void)
{
	/* `teev verify` reads the configured database (var/teev.db by
	 * default) for stored policies: one left by `make run` in the checkout
	 * must not change these verdicts. */
	setenv("TEEV_DATABASE", "/dev/null/teev-cli-test.db", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_every_real_vector),
		cmocka_unit_test(test_verify_expired_vlek_fails_now),
		cmocka_unit_test(test_verify_tampered_report_exit_1),
		cmocka_unit_test(test_verify_freshness_with_forged_fixture),
		cmocka_unit_test(test_verify_bad_usage_exit_2),
		cmocka_unit_test(test_certs_init_is_idempotent),
		cmocka_unit_test(test_certs_init_san_on_existing_folder),
		cmocka_unit_test(test_serve_startup_errors),
		cmocka_unit_test(test_help_lists_every_flag),
		cmocka_unit_test(test_man_page_is_current),
		cmocka_unit_test(test_version_command),
	};
	return cmocka_run_group_tests_name("integration: teev command line", tests, NULL, NULL);
}
