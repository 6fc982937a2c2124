/* test_cli_tdx.c - `teev verify --tdx-quote FILE --collateral DIR` as scripts
 * use it: every real vector of $SHARED_DIR/testdata/tdx at its fixed time
 * (exit code, results JSON), a policy both ways, forged evidence made by
 * `tdx-forge fixture` (TDX_FORGE) with its nonce binding, and usage errors
 * (exit 2). Runs the real binary (TEEV_BIN). */
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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *teev(void)
{
	return harness_env("TEEV_BIN", "build/teev");
}

static const char *vector_dir(const char *vector, char *out, size_t cap)
{
	snprintf(out, cap, "%s/testdata/tdx/%s", harness_env("SHARED_DIR", "../shared"), vector);
	return out;
}

struct outcome {
	int rc;
	struct json_object *results;
	char *err;
	char types[512];
};

static void outcome_free(struct outcome *o)
{
	json_object_put(o->results);
	free(o->err);
}

/* Runs `teev verify args...`; parses stdout and lists the failure ids. */
static void run(const char *const args[], struct outcome *o)
{
	const char *argv[32] = {teev(), "verify"};
	size_t n = 2, used = 0;
	char *out = NULL;
	struct json_object *failures;

	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	memset(o, 0, sizeof(*o));
	o->rc = harness_run_capture(argv, &out, &o->err);
	o->results = out ? json_tokener_parse(out) : NULL;
	free(out);
	if (o->results && json_object_object_get_ex(o->results, "failures", &failures)) {
		for (size_t i = 0; i < json_object_array_length(failures); i++) {
			struct json_object *type = json_object_object_get(
				json_object_array_get_idx(failures, i), "type");
			used += (size_t)snprintf(o->types + used, sizeof(o->types) - used, "%s%s",
						 i ? "," : "", json_object_get_string(type));
		}
	}
}

static const char *claim(const struct outcome *o, const char *name)
{
	struct json_object *claims = json_object_object_get(o->results, "claims");
	struct json_object *v = json_object_object_get(claims, name);

	return v ? json_object_get_string(v) : "";
}

static void test_real_uptodate(void **state)
{
	char dir[1024], quote[1100];
	struct outcome o;

	(void)state;
	vector_dir("a-trustee-uptodate", dir, sizeof(dir));
	snprintf(quote, sizeof(quote), "%s/quote.dat", dir);
	const char *args[] = {"--tdx-quote", quote, "--collateral", dir, "--at", "2023-07-01T01:00:00Z",
			      NULL};
	run(args, &o);
	assert_int_equal(o.rc, 0);
	assert_non_null(o.results);
	assert_true(json_object_get_boolean(json_object_object_get(o.results, "valid")));
	assert_string_equal(claim(&o, "tcb_status"), "UpToDate");
	assert_string_equal(claim(&o, "fmspc"), "50806f000000");
	assert_string_equal(claim(&o, "mr_td"), "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031");
	assert_non_null(json_object_object_get(o.results, "freshness"));
	assert_non_null(strstr(o.err, "only the TCB status was appraised"));
	outcome_free(&o);
}

static void test_real_unsupported(void **state)
{
	char dir[1024], collateral[1024], quote[1100];
	struct outcome o;

	(void)state;
	vector_dir("a-spr-e4-unsupported", dir, sizeof(dir));
	vector_dir("a-trustee-uptodate", collateral, sizeof(collateral));
	snprintf(quote, sizeof(quote), "%s/quote.dat", dir);
	const char *args[] = {"--tdx-quote",  quote, "--collateral", collateral,
			      "--at=2023-07-01T01:00:00Z", NULL};
	run(args, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.tcb_status");
	outcome_free(&o);
}

static void test_real_outofdate_with_and_without_policy(void **state)
{
	char dir[1024], quote[1100], policy[] = "/tmp/teev-tdx-policy-XXXXXX";
	static const char allow[] = "{\"allow_any_mr_td\": true, \"tcb_statuses\": [\"UpToDate\", \"OutOfDate\"]}";
	static const char refuse[] = "{\"allow_any_mr_td\": true, \"tcb_statuses\": [\"UpToDate\", \"OutOfDate\"], "
				     "\"refused_advisory_ids\": [\"INTEL-SA-00960\"]}";
	struct outcome o;
	int fd;

	(void)state;
	vector_dir("b-automata-outofdate", dir, sizeof(dir));
	snprintf(quote, sizeof(quote), "%s/quote.dat", dir);
	const char *plain[] = {"--tdx-quote", quote, "--collateral", dir, "--at", "2025-07-15T00:00:00Z",
			       NULL};
	run(plain, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.policy.tcb_status");
	outcome_free(&o);

	fd = mkstemp(policy);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, allow, sizeof(allow) - 1), (ssize_t)(sizeof(allow) - 1));
	close(fd);
	const char *with[] = {"--tdx-quote", quote, "--collateral", dir, "--at", "2025-07-15T00:00:00Z",
			      "--policy", policy, NULL};
	run(with, &o);
	assert_int_equal(o.rc, 0);
	assert_string_equal(claim(&o, "tcb_status"), "OutOfDate");
	assert_string_equal(claim(&o, "tdx_module_identity"), "TDX_01");
	struct json_object *ids = json_object_object_get(json_object_object_get(o.results, "claims"),
							 "advisory_ids");
	assert_int_equal(json_object_array_length(ids), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)), "INTEL-SA-00960");
	assert_null(strstr(o.err, "only the TCB status"));
	outcome_free(&o);

	fd = open(policy, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, refuse, sizeof(refuse) - 1), (ssize_t)(sizeof(refuse) - 1));
	close(fd);
	run(with, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.policy.advisory_id");
	outcome_free(&o);
	unlink(policy);
}

static int copy_file(const char *from, const char *to_dir, const char *name)
{
	char path[1200];
	size_t len = 0;
	char *data = harness_read_file(from, &len);
	FILE *fp;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", to_dir, name);
	fp = data ? fopen(path, "wb") : NULL;
	if (fp && fwrite(data, 1, len, fp) == len)
		rc = 0;
	if (fp)
		fclose(fp);
	free(data);
	return rc;
}

static void test_real_v5_partial_collateral(void **state)
{
	char v5[1024], b[1024], from[1200], quote[1100], tmp[] = "/tmp/teev-tdx-v5-XXXXXX";
	struct outcome o;

	(void)state;
	/* The README's inputs: the v5 TCB info with set B's chain and root CRL;
	 * no QE identity and no PCK CRL exist for that window. */
	vector_dir("v5-sample", v5, sizeof(v5));
	vector_dir("b-automata-outofdate", b, sizeof(b));
	assert_non_null(mkdtemp(tmp));
	snprintf(from, sizeof(from), "%s/tcb_info.json", v5);
	assert_int_equal(copy_file(from, tmp, "tcb_info.json"), 0);
	snprintf(from, sizeof(from), "%s/root_crl.der", b);
	assert_int_equal(copy_file(from, tmp, "root_crl.der"), 0);
	snprintf(from, sizeof(from), "%s/tcb_signing_chain.pem", b);
	assert_int_equal(copy_file(from, tmp, "tcb_signing_chain.pem"), 0);
	snprintf(quote, sizeof(quote), "%s/quote.dat", v5);
	const char *args[] = {"--tdx-quote", quote, "--collateral", tmp, "--at", "2026-02-03T01:00:00Z",
			      NULL};
	run(args, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.collateral,tee_attestation.collateral");
	outcome_free(&o);
	const char *rm[] = {"/bin/rm", "-rf", tmp, NULL};
	harness_run(rm);
}

static void test_unreadable_collateral_item(void **state)
{
	static const char *const files[] = {"quote.dat", "tcb_info.json", "pck_crl.der",
					    "root_crl.der", "tcb_signing_chain.pem"};
	char dir[1024], from[1200], sub[1100], quote[1100], tmp[] = "/tmp/teev-tdx-dir-XXXXXX";
	struct outcome o;

	(void)state;
	/* qe_identity.json is a folder: not "missing" but a failure naming it. */
	vector_dir("a-trustee-uptodate", dir, sizeof(dir));
	assert_non_null(mkdtemp(tmp));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(from, sizeof(from), "%s/%s", dir, files[i]);
		assert_int_equal(copy_file(from, tmp, files[i]), 0);
	}
	snprintf(sub, sizeof(sub), "%s/qe_identity.json", tmp);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(quote, sizeof(quote), "%s/quote.dat", tmp);
	const char *args[] = {"--tdx-quote", quote, "--collateral", tmp, "--at", "2023-07-01T01:00:00Z",
			      NULL};
	run(args, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.collateral");
	assert_non_null(strstr(json_object_to_json_string(o.results), "is not a regular file"));
	outcome_free(&o);
	const char *rm[] = {"/bin/rm", "-rf", tmp, NULL};
	harness_run(rm);
}

static void test_real_qvl_samples(void **state)
{
	char dir[1024], quote[1100];
	struct outcome o;

	(void)state;
	vector_dir("qvl-wrong-root", dir, sizeof(dir));
	snprintf(quote, sizeof(quote), "%s/quote_pem_chain.dat", dir);
	const char *args[] = {"--tdx-quote", quote, "--collateral", dir, "--at", "2023-07-01T01:00:00Z",
			      NULL};
	run(args, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.cert_chain");
	outcome_free(&o);
	snprintf(quote, sizeof(quote), "%s/quote.dat", dir);
	run(args, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.quote_format");
	outcome_free(&o);
}

static char *json_member(const char *request_path, const char *name)
{
	char *text = harness_read_file(request_path, NULL);
	struct json_object *doc = text ? json_tokener_parse(text) : NULL;
	struct json_object *data = json_object_object_get(doc, "data");
	char *value = strdup(json_object_get_string(json_object_object_get(data, name)));

	json_object_put(doc);
	free(text);
	return value;
}

static void test_forged_fixture_with_nonce(void **state)
{
	char fx[] = "/tmp/teev-tdx-fx-XXXXXX", root[128], request[200], quote[200], coll[200];
	struct outcome o;

	(void)state;
	assert_non_null(mkdtemp(fx));
	const char *forge[] = {harness_env("TDX_FORGE", "build/tdx-forge"), "fixture", "--out", fx,
			       NULL};
	assert_int_equal(harness_run(forge), 0);
	snprintf(root, sizeof(root), "%s/intel/sgx_root_ca.pem", fx);
	static const char *const cases[] = {"uptodate-v4", "uptodate-v5"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(request, sizeof(request), "%s/%s/request.json", fx, cases[i]);
		snprintf(quote, sizeof(quote), "%s/%s/quote.dat", fx, cases[i]);
		snprintf(coll, sizeof(coll), "%s/%s", fx, cases[i]);
		char *nonce = json_member(request, "nonce");
		char *x = json_member(request, "tee-pubkey-x-b64");
		char *y = json_member(request, "tee-pubkey-y-b64");
		const char *args[] = {"--tdx-quote", quote, "--collateral", coll, "--intel-root", root,
				      "--nonce", nonce, "--tee-pubkey-x", x, "--tee-pubkey-y", y, NULL};
		run(args, &o);
		assert_int_equal(o.rc, 0);
		assert_null(json_object_object_get(o.results, "freshness"));
		assert_string_equal(claim(&o, "tcb_status"), "UpToDate");
		outcome_free(&o);
		/* Another challenge: the quote is stale. */
		const char *stale[] = {"--tdx-quote", quote, "--collateral", coll, "--intel-root", root,
				       "--nonce", "AAAA", "--tee-pubkey-x", x, "--tee-pubkey-y", y, NULL};
		run(stale, &o);
		assert_int_equal(o.rc, 1);
		assert_string_equal(o.types, "tee_attestation.freshness_hash_failed");
		outcome_free(&o);
		/* The real Intel root does not anchor forged evidence. */
		const char *real_root[] = {"--tdx-quote", quote, "--collateral", coll, NULL};
		run(real_root, &o);
		assert_int_equal(o.rc, 1);
		assert_string_equal(o.types, "tee_attestation.cert_chain");
		outcome_free(&o);
		free(nonce);
		free(x);
		free(y);
	}
	snprintf(quote, sizeof(quote), "%s/unsupported/quote.dat", fx);
	snprintf(coll, sizeof(coll), "%s/unsupported", fx);
	const char *unsupported[] = {"--tdx-quote", quote, "--collateral", coll, "--intel-root", root,
				     NULL};
	run(unsupported, &o);
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.types, "tee_attestation.tcb_status");
	outcome_free(&o);
	const char *rm[] = {"/bin/rm", "-rf", fx, NULL};
	harness_run(rm);
}

static void test_usage_errors(void **state)
{
	char dir[1024], quote[1100], bad_policy[] = "/tmp/teev-tdx-policy-XXXXXX";
	static const char policy_text[] = "{\"allow_any_mr_td\": true, \"mr_tdd\": []}";
	struct outcome o;
	int fd;

	(void)state;
	vector_dir("a-trustee-uptodate", dir, sizeof(dir));
	snprintf(quote, sizeof(quote), "%s/quote.dat", dir);
	fd = mkstemp(bad_policy);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, policy_text, sizeof(policy_text) - 1),
			 (ssize_t)(sizeof(policy_text) - 1));
	close(fd);
	static const struct {
		const char *args[12];
		const char *stderr_text;
	} cases[] = {
		{{"--tdx-quote", "QUOTE", NULL}, "--collateral DIR are required"},
		{{"--tdx-quote", "/nonexistent/quote.dat", "--collateral", "DIR", NULL}, "cannot open"},
		{{"--tdx-quote", "QUOTE", "--collateral", "DIR", "--at", "yesterday", NULL},
		 "not an RFC 3339 time"},
		{{"--tdx-quote", "QUOTE", "--collateral", "DIR", "--nonce", "AAAA", NULL}, "go together"},
		{{"--tdx-quote", "QUOTE", "--collateral", "DIR", "--intel-root", "/nonexistent/root.pem",
		  NULL},
		 "cannot load the Intel SGX Root CA"},
		{{"--tdx-quote", "QUOTE", "--collateral", "DIR", "--policy", "POLICY", NULL},
		 "unknown field \"mr_tdd\""},
		{{"--tdx-quote", "QUOTE", "--collateral", "DIR", "--vcek", "x", NULL}, "usage"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[12];
		size_t k = 0;

		for (; cases[i].args[k]; k++) {
			const char *a = cases[i].args[k];
			args[k] = strcmp(a, "QUOTE") == 0	? quote
				  : strcmp(a, "DIR") == 0	? dir
				  : strcmp(a, "POLICY") == 0 ? bad_policy
							     : a;
		}
		args[k] = NULL;
		run(args, &o);
		if (o.rc != 2 || !o.err || !strstr(o.err, cases[i].stderr_text))
			fail_msg("case %zu: exit %d, stderr \"%s\" (wanted exit 2 and \"%s\")", i, o.rc,
				 o.err ? o.err : "", cases[i].stderr_text);
		outcome_free(&o);
	}
	unlink(bad_policy);
	const char *help[] = {"--tdx-quote", "x", "--help", NULL};
	char *out = NULL;
	const char *argv[] = {teev(), "verify", help[0], help[1], help[2], NULL};
	assert_int_equal(harness_run_capture(argv, &out, NULL), 0);
	assert_non_null(strstr(out, "usage: teev verify --tdx-quote FILE --collateral DIR"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_uptodate),
		cmocka_unit_test(test_real_unsupported),
		cmocka_unit_test(test_real_outofdate_with_and_without_policy),
		cmocka_unit_test(test_real_v5_partial_collateral),
		cmocka_unit_test(test_unreadable_collateral_item),
		cmocka_unit_test(test_real_qvl_samples),
		cmocka_unit_test(test_forged_fixture_with_nonce),
		cmocka_unit_test(test_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
