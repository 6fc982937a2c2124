/* test_kds_server.c - the real server fetching VCEKs from a fake AMD KDS on
 * loopback: one fetch per platform (the second request and a restarted
 * server make no network call), 429 answered with a clear failure and a
 * back-off, offline mode never fetching, a VCEK that does not chain refused
 * and not cached, and `teev certs import-vcek` for air-gapped servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"
#include "tests/support/fake_kds.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct suite {
	struct fake_kds *kds;
	struct teev_server online, offline;
	struct client_identity online_client, offline_client;
	char fixture[256], other_fixture[256], kds_root[300];
};

static struct suite *S(void **state)
{
	return *state;
}

/* The KDS path and query for a fixture product, computed from the report
 * bytes as SNP.md §5 and §8 describe (independently of teev's code). */
static void kds_target(const char *fixture, const char *product, char *out, size_t cap)
{
	char path[512];
	size_t len = 0;
	unsigned char *r;
	char hwid[129];
	bool turin = strcmp(product, "turin") == 0;
	size_t hwid_len = turin ? 8 : 64;

	snprintf(path, sizeof(path), "%s/%s/report.bin", fixture, product);
	r = (unsigned char *)harness_read_file(path, &len);
	assert_int_equal(len, 1184);
	for (size_t i = 0; i < hwid_len; i++)
		snprintf(hwid + 2 * i, 3, "%02x", r[0x1A0 + i]);
	const unsigned char *tcb = r + 0x180;
	if (turin)
		snprintf(out, cap,
			 "/vcek/v1/Turin/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u&fmcSPL=%02u",
			 hwid, tcb[1], tcb[2], tcb[3], tcb[7], tcb[0]);
	else
		snprintf(out, cap, "/vcek/v1/%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
			 strcmp(product, "milan") == 0 ? "Milan" : "Genoa", hwid, tcb[0], tcb[1],
			 tcb[6], tcb[7]);
	free(r);
}

/* Places a certificate where the fake KDS serves target from. */
static void serve(struct suite *s, const char *target, const char *cert_file)
{
	char file[1024], cmd[2600];

	assert_int_equal(fake_kds_path(s->kds_root, target, file, sizeof(file)), 0);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && cp '%s' '%s'", file, cert_file,
		 file);
	assert_int_equal(system(cmd), 0);
}

static int forge_fixture(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/teev-kfx-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	const char *forge[] = {harness_env("SNP_FORGE", "build/snp-forge"), "fixture", "--out", dir, NULL};
	return harness_run(forge);
}

static int store_default(struct teev_server *server, const struct client_identity *admin)
{
	static const char doc[] = "{\"allow_any_measurement\": true}";
	struct http_result r;
	int rc = harness_request(server, admin, "POST", "/v2.5/teepolicies/default", doc,
				 strlen(doc), &r);

	rc = rc == 0 && r.status == 201 ? 0 : -1;
	http_result_free(&r);
	return rc;
}

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char config[1024];

	if (!s)
		return -1;
	*state = s;
	if (forge_fixture(s->fixture, sizeof(s->fixture)) ||
	    forge_fixture(s->other_fixture, sizeof(s->other_fixture)))
		return -1;
	snprintf(s->kds_root, sizeof(s->kds_root), "%s/kds", s->fixture);
	mkdir(s->kds_root, 0700);
	s->kds = fake_kds_start(s->kds_root);
	if (!s->kds)
		return -1;
	snprintf(config, sizeof(config),
		 "amd_root_dir = %s/amd\nkds_url = http://127.0.0.1:%u\nkds_backoff = 2\n",
		 s->fixture, fake_kds_port(s->kds));
	if (harness_start(&s->online, config))
		return -1;
	snprintf(config, sizeof(config), "amd_root_dir = %s/amd\noffline = true\nkds_url = http://127.0.0.1:%u\n",
		 s->fixture, fake_kds_port(s->kds));
	if (harness_start(&s->offline, config))
		return -1;
	harness_identity(s->online.ca_dir, "client", &s->online_client);
	harness_identity(s->offline.ca_dir, "client", &s->offline_client);
	return store_default(&s->online, &s->online_client) ||
	       store_default(&s->offline, &s->offline_client);
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int rc = 0;

	if (!s)
		return -1;
	rc |= harness_stop(&s->online);
	rc |= harness_stop(&s->offline);
	if (s->kds)
		fake_kds_stop(s->kds);
	const char *rm[] = {"/bin/rm", "-rf", s->fixture, s->other_fixture, NULL};
	harness_run(rm);
	free(s);
	return rc == 0 ? 0 : -1;
}

/* Posts <fixture>/<product>/request-nocerts.json: the server must find the
 * VCEK itself. Fills the failure ids and returns valid. */
static bool verify_without_certs(struct teev_server *server, const struct client_identity *id,
				 const char *fixture, const char *product, char *types, size_t cap,
				 char **body_out)
{
	char path[512];
	char *body;
	struct http_result r;
	struct json_object *results = NULL, *valid = NULL;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s/request-nocerts.json", fixture, product);
	body = harness_read_file(path, NULL);
	assert_non_null(body);
	assert_int_equal(harness_request(server, id, "POST", "/v2.5/verify/evidence", body,
					 strlen(body), &r), 0);
	assert_int_equal(r.status, 200);
	harness_failure_types(r.json, types, cap);
	json_object_object_get_ex(r.json, "results", &results);
	json_object_object_get_ex(results, "valid", &valid);
	ok = json_object_get_boolean(valid);
	if (body_out)
		*body_out = strdup(r.body);
	http_result_free(&r);
	free(body);
	return ok;
}

static void test_fetch_once_then_cache_then_restart(void **state)
{
	struct suite *s = S(state);
	char target[512], cert[512], types[256];

	kds_target(s->fixture, "milan", target, sizeof(target));
	snprintf(cert, sizeof(cert), "%s/milan/vcek.der", s->fixture);
	serve(s, target, cert);

	assert_true(verify_without_certs(&s->online, &s->online_client, s->fixture, "milan", types,
					 sizeof(types), NULL));
	assert_int_equal(fake_kds_hits(s->kds, target), 1);
	/* The second request for the same platform makes no network call. */
	assert_true(verify_without_certs(&s->online, &s->online_client, s->fixture, "milan", types,
					 sizeof(types), NULL));
	assert_int_equal(fake_kds_hits(s->kds, target), 1);
	/* Neither does a restarted server: the VCEK is in SQLite. */
	assert_int_equal(harness_kill_and_restart(&s->online), 0);
	assert_true(verify_without_certs(&s->online, &s->online_client, s->fixture, "milan", types,
					 sizeof(types), NULL));
	assert_int_equal(fake_kds_hits(s->kds, "/vcek/"), 1);
}

static void test_turin_url_and_fetch(void **state)
{
	struct suite *s = S(state);
	char target[512], cert[512], types[256];

	kds_target(s->fixture, "turin", target, sizeof(target));
	snprintf(cert, sizeof(cert), "%s/turin/vcek.der", s->fixture);
	serve(s, target, cert);
	assert_true(verify_without_certs(&s->online, &s->online_client, s->fixture, "turin", types,
					 sizeof(types), NULL));
	assert_int_equal(fake_kds_hits(s->kds, target), 1);
}

static void test_rate_limited_then_back_off(void **state)
{
	struct suite *s = S(state);
	char target[512], cert[512], types[256];
	char *body = NULL;

	kds_target(s->fixture, "genoa", target, sizeof(target));
	snprintf(cert, sizeof(cert), "%s/genoa/vcek.der", s->fixture);
	serve(s, target, cert);
	fake_kds_set_status(s->kds, 429, 1, 0);
	assert_false(verify_without_certs(&s->online, &s->online_client, s->fixture, "genoa", types,
					  sizeof(types), &body));
	assert_string_equal(types, "tee_attestation.vcek_fetch");
	assert_non_null(strstr(body, "429"));
	free(body);
	assert_int_equal(fake_kds_hits(s->kds, target), 1);
	/* Within the back-off: refused without asking KDS again. */
	assert_false(verify_without_certs(&s->online, &s->online_client, s->fixture, "genoa", types,
					  sizeof(types), &body));
	assert_non_null(strstr(body, "backing off"));
	free(body);
	assert_int_equal(fake_kds_hits(s->kds, target), 1);
	/* After it (kds_backoff = 2 s), the fetch happens and succeeds. */
	sleep(3);
	assert_true(verify_without_certs(&s->online, &s->online_client, s->fixture, "genoa", types,
					 sizeof(types), NULL));
	assert_int_equal(fake_kds_hits(s->kds, target), 2);
}

static void test_vcek_that_does_not_chain_is_not_cached(void **state)
{
	struct suite *s = S(state);
	char target[512], foreign[512], types[256];

	/* KDS answers this fixture's VLEK-less Milan platform... with a VCEK of
	 * another (forged) AMD chain. It must not be believed or kept. Use the
	 * second fixture's report so the platform is a fresh one. */
	kds_target(s->other_fixture, "milan", target, sizeof(target));
	snprintf(foreign, sizeof(foreign), "%s/milan/vcek.der", s->other_fixture);
	serve(s, target, foreign);
	for (int i = 1; i <= 2; i++) {
		assert_false(verify_without_certs(&s->online, &s->online_client, s->other_fixture,
						  "milan", types, sizeof(types), NULL));
		assert_string_equal(types, "tee_attestation.cert_chain");
		/* Not cached: the next request asks again. */
		assert_int_equal(fake_kds_hits(s->kds, target), i);
	}
}

static void test_offline_mode_never_fetches(void **state)
{
	struct suite *s = S(state);
	char types[256];
	char *body = NULL;
	unsigned before = fake_kds_hits(s->kds, "/");

	assert_false(verify_without_certs(&s->offline, &s->offline_client, s->fixture, "genoa", types,
					  sizeof(types), &body));
	assert_string_equal(types, "tee_attestation.vcek_fetch");
	assert_non_null(strstr(body, "offline"));
	free(body);
	assert_int_equal(fake_kds_hits(s->kds, "/"), before);
}

static void test_imported_vcek_serves_offline_server(void **state)
{
	struct suite *s = S(state);
	char cert[512], roots[512], types[256];
	char *out = NULL;

	snprintf(cert, sizeof(cert), "%s/genoa/vcek.der", s->fixture);
	snprintf(roots, sizeof(roots), "%s/amd", s->fixture);
	const char *import[] = {"certs", "import-vcek", cert, NULL};
	assert_int_equal(harness_teev(&s->offline, import, &out, NULL), 0);
	assert_non_null(strstr(out, "imported Genoa VCEK"));
	free(out);
	/* A foreign VCEK (another chain) is refused by import. */
	snprintf(cert, sizeof(cert), "%s/genoa/vcek.der", s->other_fixture);
	const char *bad[] = {"certs", "import-vcek", cert, NULL};
	assert_int_equal(harness_teev(&s->offline, bad, &out, NULL), 1);
	free(out);

	assert_true(verify_without_certs(&s->offline, &s->offline_client, s->fixture, "genoa", types,
					 sizeof(types), NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_once_then_cache_then_restart),
		cmocka_unit_test(test_turin_url_and_fetch),
		cmocka_unit_test(test_rate_limited_then_back_off),
		cmocka_unit_test(test_vcek_that_does_not_chain_is_not_cached),
		cmocka_unit_test(test_offline_mode_never_fetches),
		cmocka_unit_test(test_imported_vcek_serves_offline_server),
	};
	return cmocka_run_group_tests_name("integration: AMD KDS and the certificate cache", tests,
					   suite_setup, suite_teardown);
}
