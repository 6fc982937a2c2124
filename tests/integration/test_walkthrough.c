/* test_walkthrough.c - the README's paths to "valid": true keep working:
 * the TPM walk-through's shell blocks, run as written (only the server's
 * address is changed from 127.0.0.1:8881 to this test's server) with the
 * real swtpm and tpm2-tools; `make demo`'s script; the shipped samples of
 * config/examples (the TPM request passes, the SNP request fails only on
 * freshness, the offline sample passes its example policy). Runs from the
 * top of the source tree, as `make check` does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"
#include "tests/integration/swtpm.h"

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The ```sh blocks between "<!-- walkthrough:NAME -->" and its closing
 * marker, one after the other, with every "127.0.0.1:8881" replaced by
 * "127.0.0.1:<port>". NULL when not found. */
static char *walkthrough_script(const char *readme, const char *name, unsigned port)
{
	char begin_mark[64], end_mark[64];
	const char *begin, *end;
	char *script = NULL, address[32];
	size_t len = 0;
	FILE *out;

	snprintf(begin_mark, sizeof(begin_mark), "<!-- walkthrough:%s -->", name);
	snprintf(end_mark, sizeof(end_mark), "<!-- /walkthrough:%s -->", name);
	begin = strstr(readme, begin_mark);
	end = begin ? strstr(begin, end_mark) : NULL;
	if (!begin || !end)
		return NULL;
	snprintf(address, sizeof(address), "127.0.0.1:%u", port);
	out = open_memstream(&script, &len);
	fputs("set -eu\n", out);
	for (const char *p = begin; (p = strstr(p, "```sh\n")) != NULL && p < end;) {
		const char *stop = strstr(p + 6, "```\n");
		if (!stop || stop > end)
			break;
		for (const char *q = p + 6; q < stop; q++) {
			if (strncmp(q, "127.0.0.1:8881", 14) == 0) {
				fputs(address, out);
				q += 13;
			} else {
				fputc(*q, out);
			}
		}
		p = stop + 4;
	}
	fclose(out);
	return script;
}

/* A software TPM the script left running (it failed before its last
 * block) must not outlive the test. */
static void stop_leftover_swtpm(const char *dir)
{
	char path[512];
	char *text;

	snprintf(path, sizeof(path), "%s/var/tpm-demo/swtpm.pid", dir);
	text = harness_read_file(path, NULL);
	if (text && atoi(text) > 0 && kill(atoi(text), 0) == 0)
		kill(atoi(text), SIGTERM);
	free(text);
}

static void test_readme_tpm_walkthrough(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	char dir[] = "/tmp/teev-walk-XXXXXX";
	char path[512], link[512], cwd[1024], *readme, *script, *out = NULL, *err = NULL;
	const char *missing = swtpm_missing_program();
	FILE *f;
	int rc;
	(void)state;

	if (missing) {
		print_message("skipped: %s is not installed (make test installs it)\n", missing);
		skip();
	}
	readme = harness_read_file("README.md", NULL);
	assert_non_null(readme); /* run from the top of the source tree */
	assert_int_equal(harness_start(track(&server), NULL), 0);
	script = walkthrough_script(readme, "tpm", server.port);
	assert_non_null(script);
	assert_non_null(strstr(script, "tpm2_quote"));

	/* The README's paths: var/cv_ca is the running server's CA folder. */
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/var", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(link, sizeof(link), "%s/var/cv_ca", dir);
	assert_int_equal(symlink(server.ca_dir, link), 0);
	snprintf(path, sizeof(path), "%s/walkthrough.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(script, f);
	fclose(f);

	char command[1200];
	snprintf(command, sizeof(command), "cd '%s' && exec sh walkthrough.sh", dir);
	const char *argv[] = {"/bin/sh", "-c", command, NULL};
	rc = harness_run_capture(argv, &out, &err);
	stop_leftover_swtpm(dir);
	if (rc != 0)
		fail_msg("the README's TPM walk-through exited %d\nstdout: %s\nstderr: %s", rc,
			 out ? out : "", err ? err : "");
	/* First answer: valid; second (another nonce): the quote is refused. */
	const char *first = strstr(out, "\"valid\":true");
	if (!first)
		fail_msg("no passing verdict in the walk-through's output: %s", out);
	const char *second = strstr(first, "\"valid\":false");
	if (!second || !strstr(second, "qoute_validation.quote_validation"))
		fail_msg("the replayed quote was not refused: %s", out);
	/* The request it made has the shape of the shipped sample. */
	snprintf(path, sizeof(path), "%s/var/tpm-demo/request.json", dir);
	struct json_object *made = json_object_from_file(path);
	struct json_object *shipped = json_object_from_file("config/examples/tpm-request.json");
	assert_non_null(made);
	assert_non_null(shipped);
	json_object_object_foreach(json_object_object_get(shipped, "data"), key, value)
	{
		(void)value;
		if (!json_object_object_get_ex(json_object_object_get(made, "data"), key, NULL))
			fail_msg("the walk-through's request has no \"%s\"", key);
	}
	json_object_put(made);
	json_object_put(shipped);
	free(out);
	free(err);
	free(script);
	free(readme);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
	assert_int_equal(harness_stop(&server), 0);
}

/* "Writing a real policy": run where `make run` left a database with the
 * development policy, build/ holding the teev under test. */
static void test_readme_policy_walkthrough(void **state)
{
	char dir[] = "/tmp/teev-walk-XXXXXX";
	char path[600], target[2100], cwd[1024], bin[1024], *readme, *script, *out = NULL;
	char *err = NULL;
	FILE *f;
	(void)state;

	readme = harness_read_file("README.md", NULL);
	assert_non_null(readme);
	script = walkthrough_script(readme, "snp-policy", 8881);
	assert_non_null(script);
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* build -> the folder of the teev under test (build-asan/ under make asan). */
	snprintf(bin, sizeof(bin), "%s", harness_env("TEEV_BIN", "build/teev"));
	*strrchr(bin, '/') = '\0';
	snprintf(path, sizeof(path), "%s/build", dir);
	if (bin[0] == '/')
		snprintf(target, sizeof(target), "%s", bin);
	else
		snprintf(target, sizeof(target), "%s/%s", cwd, bin);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/config", dir);
	snprintf(target, sizeof(target), "%s/config", cwd);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/var", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/walkthrough.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("build/teev policy add --kind snp default config/examples/snp-dev-policy.json "
	      "--config config/verifier.conf\n",
	      f);
	fputs(script, f);
	fclose(f);

	char command[1200];
	snprintf(command, sizeof(command), "cd '%s' && exec sh walkthrough.sh", dir);
	const char *argv[] = {"/bin/sh", "-c", command, NULL};
	int rc = harness_run_capture(argv, &out, &err);
	if (rc != 0)
		fail_msg("the README's policy walk-through exited %d\nstdout: %s\nstderr: %s", rc,
			 out ? out : "", err ? err : "");
	assert_non_null(strstr(out, "\"measurement_hex\": \"c57729018b0a6fb9"));
	assert_non_null(strstr(out, "\"reported_tcb_microcode\": 84"));
	assert_non_null(strstr(out, "\"valid\": true"));
	assert_non_null(strstr(out, "replaced snp policy \"default\" version 2"));
	free(out);
	free(err);
	free(script);
	free(readme);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

static void test_make_demo_script(void **state)
{
	char dir[] = "/tmp/teev-demo-XXXXXX";
	char demo[300], *out = NULL, *err = NULL;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(demo, sizeof(demo), "%s/demo", dir);
	setenv("TEEV_BIN", harness_env("TEEV_BIN", "build/teev"), 1);
	setenv("SNP_FORGE", harness_env("SNP_FORGE", "build/snp-forge"), 1);
	const char *argv[] = {"/bin/sh", "tests/support/demo.sh", demo, NULL};
	int rc = harness_run_capture(argv, &out, &err);
	if (rc != 0)
		fail_msg("make demo's script exited %d\nstdout: %s\nstderr: %s", rc, out ? out : "",
			 err ? err : "");
	assert_non_null(strstr(out, "\"valid\": true"));   /* teev verify */
	assert_non_null(strstr(out, "\"valid\":true"));    /* the server */
	assert_non_null(strstr(out, "\"tee_policy\":{\"name\":\"default\",\"version\":1}"));
	assert_non_null(strstr(out, "NOT FOR PRODUCTION"));
	free(out);
	free(err);
	const char *rm[] = {"/bin/rm", "-rf", dir, NULL};
	harness_run(rm);
}

static void test_shipped_samples(void **state)
{
	static struct teev_server server; /* static: the teardown may stop it */
	struct client_identity client;
	struct http_result r;
	char *body, types[512], *out = NULL;
	(void)state;

	assert_int_equal(harness_start(track(&server), NULL), 0);
	harness_identity(server.ca_dir, "client", &client);
	/* What `make run` stores. */
	body = harness_read_file("config/examples/snp-dev-policy.json", NULL);
	assert_non_null(body);
	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/teepolicies/default", body,
					 strlen(body), &r),
			 0);
	assert_int_equal(r.status, 201);
	http_result_free(&r);
	free(body);

	body = harness_read_file("config/examples/tpm-request.json", NULL);
	assert_non_null(body);
	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/verify/evidence", body,
					 strlen(body), &r),
			 0);
	if (r.status != 200 || !strstr(r.body, "\"valid\":true"))
		fail_msg("config/examples/tpm-request.json: %ld %s", r.status, r.body);
	http_result_free(&r);
	free(body);

	body = harness_read_file("config/examples/snp-genoa-request.json", NULL);
	assert_non_null(body);
	assert_int_equal(harness_request(&server, &client, "POST", "/v2.5/verify/evidence", body,
					 strlen(body), &r),
			 0);
	harness_failure_types(r.json, types, sizeof(types));
	assert_string_equal(types, "tee_attestation.freshness_hash_failed");
	http_result_free(&r);
	free(body);

	/* The README's offline check, with the server's database (its dev
	 * policy), then with the example production policy. */
	const char *offline[] = {"verify", "--report", "config/examples/genoa-report.bin",
				 "--vcek", "config/examples/genoa-vcek.der", NULL};
	assert_int_equal(harness_teev(&server, offline, &out, NULL), 0);
	assert_non_null(strstr(out, "\"valid\": true"));
	assert_non_null(strstr(out, "\"tee_policy\": {"));
	free(out);
	const char *with_policy[] = {"verify", "--report", "config/examples/genoa-report.bin",
				     "--vcek", "config/examples/genoa-vcek.der", "--policy",
				     "config/examples/snp-genoa-policy.json", NULL};
	assert_int_equal(harness_teev(&server, with_policy, &out, NULL), 0);
	assert_non_null(strstr(out, "\"valid\": true"));
	free(out);
	assert_int_equal(harness_stop(&server), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_shipped_samples, stop_running),
		cmocka_unit_test_teardown(test_readme_policy_walkthrough, stop_running),
		cmocka_unit_test_teardown(test_make_demo_script, stop_running),
		cmocka_unit_test_teardown(test_readme_tpm_walkthrough, stop_running),
	};
	return cmocka_run_group_tests_name("integration: the README's walk-throughs", tests, NULL,
					   NULL);
}
