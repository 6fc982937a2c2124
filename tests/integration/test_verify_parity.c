/* test_verify_parity.c - `teev verify --config FILE` gives the verdict the
 * server gives for the same evidence under the same configuration: on every
 * real SEV-SNP vector of ../shared/testdata/snp (with and without the
 * endorsement key in certs-buf), with a VCEK imported by `teev certs
 * import-vcek` (read from the database), with check_crl on and the ASK
 * revoked, with kds_url online (a fake KDS) and offline, with tee-pubkey
 * coordinates of the wrong size, and for a v2 report whose KDS lookup gets
 * 400 for the first product. Also: a malformed certs-buf is 400 whether or
 * not the chip's key is already cached.
 *
 * "The same verdict" is: HTTP 200 valid:true / 200 valid:false / 400 against
 * exit 0 / 1 / 2, and equal failures (types and messages, in order) and
 * claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"
#include "tests/support/fake_kds.h"
#include "tests/support/snp_forge.h"

#include <dirent.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A nonce and P-384 coordinates that no real vector binds. */
static const char NONCE[] = "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=";

struct suite {
	char dir[256];   /* scratch: evidence files, forged chains, KDS root */
	char fixture[256]; /* snp-forge fixture */
	struct fake_kds *kds;
	char kds_root[300];
	/* real roots, offline; forged fixture roots with the fake KDS, online
	 * and offline; in-process chains with check_crl and the fake KDS */
	struct teev_server real, online, offline, forged;
	struct client_identity admin_real, admin_online, admin_offline, admin_forged;
	char x[80], y[80];
	struct forge_chain milan, genoa;
};

static struct suite *S(void **state)
{
	return *state;
}

static char *b64(const uint8_t *data, size_t len, bool url)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	if (url) {
		size_t n = strlen(out);
		while (n > 0 && out[n - 1] == '=')
			out[--n] = '\0';
		for (char *p = out; *p; p++)
			*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	}
	return out;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Evidence as files for the CLI and as a request body for the server. */
struct evidence {
	const uint8_t *report;
	const uint8_t *certs; /* NULL: none */
	size_t certs_len;
	const char *nonce, *x, *y; /* as sent */
};

static char *request_body(const struct evidence *e)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *data = json_object_new_object();
	struct json_object *tee = json_object_new_object();
	struct json_object *ev = json_object_new_object();
	char *text, *report = b64(e->report, FORGE_REPORT_SIZE, false);

	json_object_object_add(ev, "snp-report", json_object_new_string(report));
	if (e->certs) {
		char *certs = b64(e->certs, e->certs_len, false);
		json_object_object_add(ev, "certs-buf", json_object_new_string(certs));
		free(certs);
	}
	json_object_object_add(tee, "tee", json_object_new_string("snp"));
	json_object_object_add(tee, "evidence", ev);
	json_object_object_add(data, "tee-evidence", tee);
	json_object_object_add(data, "nonce", json_object_new_string(e->nonce));
	json_object_object_add(data, "tee-pubkey-x-b64", json_object_new_string(e->x));
	json_object_object_add(data, "tee-pubkey-y-b64", json_object_new_string(e->y));
	json_object_object_add(doc, "type", json_object_new_string("tee"));
	json_object_object_add(doc, "data", data);
	text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	free(report);
	return text;
}

static const char *string_of(struct json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "(none)";
}

/* The exit code `teev verify` gives for a server answer. */
static int expected_exit(long status, struct json_object *results)
{
	if (status == 400)
		return 2;
	if (status != 200)
		return -1;
	return json_object_get_boolean(json_object_object_get(results, "valid")) ? 0 : 1;
}

/* Asks the server, then `teev verify --config` the server's file (plus
 * extra CLI arguments), and checks both say the same. Returns the server's
 * results (owned) for further checks. */
static struct json_object *judge_both(struct suite *s, struct teev_server *server,
				      const struct client_identity *client, const char *label,
				      const struct evidence *e, bool cli_first)
{
	char report_path[512], certs_path[512];
	char *body = request_body(e);
	char *out = NULL, *err = NULL;
	struct http_result r = {0};
	struct json_object *cli = NULL, *results;
	int rc = -1;

	snprintf(report_path, sizeof(report_path), "%s/report.bin", s->dir);
	snprintf(certs_path, sizeof(certs_path), "%s/certs.bin", s->dir);
	write_file(report_path, e->report, FORGE_REPORT_SIZE);
	if (e->certs)
		write_file(certs_path, e->certs, e->certs_len);
	const char *args[] = {"verify", "--report", report_path, "--nonce", e->nonce,
			      "--tee-pubkey-x", e->x, "--tee-pubkey-y", e->y,
			      e->certs ? "--certs-buf" : NULL, certs_path, NULL};
	for (int round = 0; round < 2; round++) {
		if ((round == 0) == cli_first) {
			rc = harness_teev(server, args, &out, &err);
			cli = out ? json_tokener_parse(out) : NULL;
		} else {
			assert_int_equal(harness_request(server, client, "POST",
							 "/v2.5/verify/evidence", body,
							 strlen(body), &r),
					 0);
		}
	}
	if (!cli)
		fail_msg("%s: teev verify exit %d printed no JSON; stderr: %s", label, rc,
			 err ? err : "");
	results = json_object_object_get(r.json, "results");
	if (!results)
		fail_msg("%s: server answered %ld: %s", label, r.status, r.body ? r.body : "");
	if (rc != expected_exit(r.status, results) ||
	    !json_object_equal(json_object_object_get(cli, "valid"),
			       json_object_object_get(results, "valid")) ||
	    !json_object_equal(json_object_object_get(cli, "failures"),
			       json_object_object_get(results, "failures")) ||
	    !json_object_equal(json_object_object_get(cli, "claims"),
			       json_object_object_get(results, "claims")))
		fail_msg("%s: server %ld %s\n  but teev verify exit %d %s\n  stderr %s", label,
			 r.status, string_of(results), rc, string_of(cli), err ? err : "");
	results = json_object_get(results);
	json_object_put(cli);
	http_result_free(&r);
	free(out);
	free(err);
	free(body);
	return results;
}

static void assert_failures(struct json_object *results, const char *types)
{
	struct json_object *failures = json_object_object_get(results, "failures");
	char got[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < json_object_array_length(failures); i++) {
		const char *t = json_object_get_string(
			json_object_object_get(json_object_array_get_idx(failures, i), "type"));
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", i ? "," : "", t);
	}
	if (strcmp(got, types) != 0)
		fail_msg("failures \"%s\", expected \"%s\" (%s)", got, types, string_of(results));
}

static bool valid(struct json_object *results)
{
	return json_object_get_boolean(json_object_object_get(results, "valid"));
}

static int store_default(struct teev_server *server, struct client_identity *admin)
{
	static const char doc[] = "{\"allow_any_measurement\": true}";
	struct http_result r;
	int rc;

	harness_identity(server->ca_dir, "client", admin);
	rc = harness_request(server, admin, "POST", "/v2.5/teepolicies/default", doc,
			     strlen(doc), &r);
	rc = rc == 0 && r.status == 201 ? 0 : -1;
	http_result_free(&r);
	return rc;
}

/* The KDS URL (path?query) for a report's VCEK, from the report bytes (SNP.md
 * §5 and §8), independently of teev's code. */
static void kds_target(const uint8_t *r, const char *product, char *out, size_t cap)
{
	bool turin = strcmp(product, "Turin") == 0;
	char hwid[129];
	const uint8_t *tcb = r + 0x180;

	for (size_t i = 0; i < (turin ? 8u : 64u); i++)
		snprintf(hwid + 2 * i, 3, "%02x", r[0x1A0 + i]);
	if (turin)
		snprintf(out, cap,
			 "/vcek/v1/Turin/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u&fmcSPL=%02u",
			 hwid, tcb[1], tcb[2], tcb[3], tcb[7], tcb[0]);
	else
		snprintf(out, cap, "/vcek/v1/%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u",
			 product, hwid, tcb[0], tcb[1], tcb[6], tcb[7]);
}

static void serve_bytes(struct suite *s, const char *target, const void *data, size_t len)
{
	char file[1024], dir[1024];

	assert_int_equal(fake_kds_path(s->kds_root, target, file, sizeof(file)), 0);
	snprintf(dir, sizeof(dir), "%s", file);
	*strrchr(dir, '/') = '\0';
	const char *mkdir_p[] = {"/bin/mkdir", "-p", dir, NULL};
	assert_int_equal(harness_run(mkdir_p), 0);
	write_file(file, data, len);
}

static uint8_t *der_of(X509 *cert, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	uint8_t *copy;

	assert_true(n > 0);
	copy = malloc((size_t)n);
	memcpy(copy, der, (size_t)n);
	OPENSSL_free(der);
	*len = (size_t)n;
	return copy;
}

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	uint8_t coord[48];
	char config[1024], amd[300];
	char *x, *y;

	if (!s)
		return -1;
	*state = s;
	snprintf(s->dir, sizeof(s->dir), "/tmp/teev-parity-XXXXXX");
	if (!mkdtemp(s->dir) || harness_forge_fixture(s->fixture, sizeof(s->fixture)))
		return -1;
	for (size_t i = 0; i < sizeof(coord); i++)
		coord[i] = (uint8_t)(0x40 + i);
	x = b64(coord, sizeof(coord), true);
	coord[0] ^= 0xFF;
	y = b64(coord, sizeof(coord), true);
	snprintf(s->x, sizeof(s->x), "%s", x);
	snprintf(s->y, sizeof(s->y), "%s", y);
	free(x);
	free(y);

	snprintf(s->kds_root, sizeof(s->kds_root), "%s/kds", s->dir);
	snprintf(amd, sizeof(amd), "%s/amd", s->dir);
	if (mkdir(s->kds_root, 0700) || mkdir(amd, 0700))
		return -1;
	s->kds = fake_kds_start(s->kds_root);
	if (!s->kds || forge_chain_create(FORGE_MILAN, &s->milan) ||
	    forge_chain_create(FORGE_GENOA, &s->genoa) || forge_chain_write(&s->milan, amd) ||
	    forge_chain_write(&s->genoa, amd))
		return -1;

	if (harness_start(&s->real, "offline = true\n") || store_default(&s->real, &s->admin_real))
		return -1;
	snprintf(config, sizeof(config), "amd_root_dir = %s/amd\nkds_url = http://127.0.0.1:%u\n",
		 s->fixture, fake_kds_port(s->kds));
	if (harness_start(&s->online, config) || store_default(&s->online, &s->admin_online))
		return -1;
	snprintf(config, sizeof(config),
		 "amd_root_dir = %s/amd\nkds_url = http://127.0.0.1:%u\noffline = true\n", s->fixture,
		 fake_kds_port(s->kds));
	if (harness_start(&s->offline, config) || store_default(&s->offline, &s->admin_offline))
		return -1;
	snprintf(config, sizeof(config),
		 "amd_root_dir = %s\nkds_url = http://127.0.0.1:%u\ncheck_crl = true\n", amd,
		 fake_kds_port(s->kds));
	if (harness_start(&s->forged, config) || store_default(&s->forged, &s->admin_forged))
		return -1;
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = S(state);
	int rc = 0;

	if (!s)
		return 0;
	struct teev_server *servers[] = {&s->real, &s->online, &s->offline, &s->forged};
	for (size_t i = 0; i < 4; i++) {
		if (servers[i]->pid > 0 && harness_stop(servers[i]) != 0)
			rc = -1;
	}
	if (s->kds)
		fake_kds_stop(s->kds);
	forge_chain_free(&s->milan);
	forge_chain_free(&s->genoa);
	const char *rm[] = {"/bin/rm", "-rf", s->dir, s->fixture[0] ? s->fixture : s->dir, NULL};
	harness_run(rm);
	free(s);
	return rc;
}

/* Every real vector, with its endorsement key in certs-buf and without. */
static void test_every_real_vector(void **state)
{
	struct suite *s = S(state);
	char root[512];
	DIR *dir;
	struct dirent *entry;
	int vectors = 0;

	snprintf(root, sizeof(root), "%s/testdata/snp", harness_env("SHARED_DIR", "../shared"));
	dir = opendir(root);
	assert_non_null(dir);
	while ((entry = readdir(dir)) != NULL) {
		char path[1024], label[300];
		size_t report_len = 0, cert_len = 0;
		bool vlek = false;
		uint8_t *report, *cert;

		snprintf(path, sizeof(path), "%s/%s/report.bin", root, entry->d_name);
		report = (uint8_t *)harness_read_file(path, &report_len);
		if (!report)
			continue; /* amd/, extra/, README.md */
		assert_int_equal(report_len, FORGE_REPORT_SIZE);
		snprintf(path, sizeof(path), "%s/%s/vcek.der", root, entry->d_name);
		cert = (uint8_t *)harness_read_file(path, &cert_len);
		if (!cert) {
			snprintf(path, sizeof(path), "%s/%s/vlek.der", root, entry->d_name);
			cert = (uint8_t *)harness_read_file(path, &cert_len);
			vlek = true;
		}
		assert_non_null(cert);
		struct forge_cert_entry entries[] = {
			{vlek ? FORGE_CERT_VLEK : FORGE_CERT_VCEK, cert, cert_len}};
		uint8_t table[8192];
		size_t table_len = forge_certs_buf(table, sizeof(table), entries, 1);
		assert_true(table_len > 0 && table_len <= sizeof(table));

		struct evidence with = {report, table, table_len, NONCE, s->x, s->y};
		snprintf(label, sizeof(label), "%s with certs-buf", entry->d_name);
		struct json_object *results = judge_both(s, &s->real, &s->admin_real, label, &with,
							  false);
		/* Authentic but captured elsewhere (or, for the VLEK, expired). */
		assert_false(valid(results));
		json_object_put(results);

		struct evidence without = {report, NULL, 0, NONCE, s->x, s->y};
		snprintf(label, sizeof(label), "%s without certs-buf", entry->d_name);
		results = judge_both(s, &s->real, &s->admin_real, label, &without, false);
		assert_false(valid(results));
		json_object_put(results);
		free(report);
		free(cert);
		vectors++;
	}
	closedir(dir);
	assert_true(vectors >= 9);
}

/* A VCEK imported with `teev certs import-vcek` is read from the database by
 * both (teev verify used to ignore the database and say it had looked). */
static void test_imported_vcek(void **state)
{
	struct suite *s = S(state);
	char report_path[512], vcek_path[512];
	size_t len = 0;
	uint8_t *report;
	struct json_object *results;
	const char *shared = harness_env("SHARED_DIR", "../shared");

	snprintf(report_path, sizeof(report_path), "%s/testdata/snp/genoa-v5-oak/report.bin",
		 shared);
	snprintf(vcek_path, sizeof(vcek_path), "%s/testdata/snp/genoa-v5-oak/vcek.der", shared);
	report = (uint8_t *)harness_read_file(report_path, &len);
	assert_non_null(report);
	struct evidence e = {report, NULL, 0, NONCE, s->x, s->y};

	results = judge_both(s, &s->real, &s->admin_real, "before import", &e, false);
	assert_failures(results, "tee_attestation.vcek_fetch");
	json_object_put(results);

	const char *import[] = {"certs", "import-vcek", vcek_path, NULL};
	assert_int_equal(harness_teev(&s->real, import, NULL, NULL), 0);
	results = judge_both(s, &s->real, &s->admin_real, "imported VCEK", &e, false);
	/* Only the nonce binding fails: the key came from the database. */
	assert_failures(results, "tee_attestation.freshness_hash_failed");
	json_object_put(results);
	free(report);
}

/* A signed, fresh report from an in-process forged chain; certs-buf holds
 * its VCEK when with_certs. */
struct forged {
	uint8_t report[FORGE_REPORT_SIZE];
	uint8_t table[4096];
	size_t table_len;
	char nonce[64], x[80], y[80];
	X509 *vcek;
};

static void forge(struct forge_chain *chain, enum forge_product product, uint32_t version,
		  uint8_t chip_seed, struct forged *out)
{
	struct forge_report_opts opts;
	EVP_PKEY *key = EVP_EC_gen("P-384");
	uint8_t nonce[32], x[48], y[48];
	size_t der_len;
	uint8_t *der;
	char *text;

	assert_non_null(key);
	memset(out, 0, sizeof(*out));
	forge_report_opts_default(&opts, product);
	opts.version = version;
	for (size_t i = 0; i < 64; i++)
		opts.chip_id[i] = (uint8_t)(chip_seed + i);
	for (size_t i = 0; i < 48; i++) {
		x[i] = (uint8_t)(i + 1);
		y[i] = (uint8_t)(0x80 + i);
	}
	for (size_t i = 0; i < 32; i++)
		nonce[i] = (uint8_t)(i * 7);
	assert_int_equal(forge_report_data_bind(opts.report_data, x, 48, y, 48, nonce, 32), 0);
	struct forge_vek_opts vo = {.tcb = opts.reported_tcb, .hwid = opts.chip_id,
				    .hwid_len = product == FORGE_TURIN ? 8 : 64};
	out->vcek = forge_vek_create(chain, key, &vo);
	assert_non_null(out->vcek);
	forge_report_build(out->report, &opts);
	assert_int_equal(forge_report_sign(out->report, key), 0);
	der = der_of(out->vcek, &der_len);
	struct forge_cert_entry entries[] = {{FORGE_CERT_VCEK, der, der_len}};
	out->table_len = forge_certs_buf(out->table, sizeof(out->table), entries, 1);
	assert_true(out->table_len > 0 && out->table_len <= sizeof(out->table));
	free(der);
	text = b64(nonce, 32, false);
	snprintf(out->nonce, sizeof(out->nonce), "%s", text);
	free(text);
	text = b64(x, 48, true);
	snprintf(out->x, sizeof(out->x), "%s", text);
	free(text);
	text = b64(y, 48, true);
	snprintf(out->y, sizeof(out->y), "%s", text);
	free(text);
	EVP_PKEY_free(key);
}

/* Serves the product's VCEK CRL, signed by its ARK, listing the ASK when
 * revoke_ask. */
static void serve_crl(struct suite *s, const struct forge_chain *chain, const char *product,
		      bool revoke_ask)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_adj(NULL, time(NULL), 0, -3600);
	ASN1_TIME *next = ASN1_TIME_adj(NULL, time(NULL), 0, 86400);
	unsigned char *der = NULL;
	char target[64];
	int n;

	assert_non_null(crl);
	X509_CRL_set_version(crl, X509_CRL_VERSION_2);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(chain->ark));
	X509_CRL_set1_lastUpdate(crl, last);
	X509_CRL_set1_nextUpdate(crl, next);
	if (revoke_ask) {
		X509_REVOKED *entry = X509_REVOKED_new();
		X509_REVOKED_set_serialNumber(entry, X509_get_serialNumber(chain->ask));
		X509_REVOKED_set_revocationDate(entry, last);
		X509_CRL_add0_revoked(crl, entry);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, chain->ark_key, EVP_sha384()) > 0);
	n = i2d_X509_CRL(crl, &der);
	assert_true(n > 0);
	snprintf(target, sizeof(target), "/vcek/v1/%s/crl", product);
	serve_bytes(s, target, der, (size_t)n);
	OPENSSL_free(der);
	X509_CRL_free(crl);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
}

/* check_crl = true and AMD's CRL (from KDS) revokes the ASK: both answer
 * tee_attestation.revoked (teev verify used to ignore check_crl). */
static void test_check_crl_revoked_ask(void **state)
{
	struct suite *s = S(state);
	struct forged f;
	struct json_object *results;

	forge(&s->milan, FORGE_MILAN, 3, 0xA0, &f);
	serve_crl(s, &s->milan, "Milan", true);

	struct evidence e = {f.report, f.table, f.table_len, f.nonce, f.x, f.y};
	/* teev verify first: it fetches the CRL itself rather than reading the
	 * one the server stored. */
	results = judge_both(s, &s->forged, &s->admin_forged, "revoked ASK", &e, true);
	assert_failures(results, "tee_attestation.revoked");
	json_object_put(results);
	assert_true(fake_kds_hits(s->kds, "/vcek/v1/Milan/crl") >= 1);
	X509_free(f.vcek);
}

/* kds_url and offline apply to teev verify as to the server. */
static void test_kds_online_and_offline(void **state)
{
	struct suite *s = S(state);
	char path[512], target[512];
	size_t report_len = 0, vcek_len = 0;
	uint8_t *report, *vcek;
	struct json_object *request, *data, *results;
	unsigned before;

	snprintf(path, sizeof(path), "%s/turin/report.bin", s->fixture);
	report = (uint8_t *)harness_read_file(path, &report_len);
	snprintf(path, sizeof(path), "%s/turin/vcek.der", s->fixture);
	vcek = (uint8_t *)harness_read_file(path, &vcek_len);
	snprintf(path, sizeof(path), "%s/turin/request.json", s->fixture);
	request = json_object_from_file(path);
	assert_non_null(report);
	assert_non_null(vcek);
	assert_non_null(request);
	data = json_object_object_get(request, "data");
	kds_target(report, "Turin", target, sizeof(target));
	serve_bytes(s, target, vcek, vcek_len);
	struct evidence e = {
		report, NULL, 0, json_object_get_string(json_object_object_get(data, "nonce")),
		json_object_get_string(json_object_object_get(data, "tee-pubkey-x-b64")),
		json_object_get_string(json_object_object_get(data, "tee-pubkey-y-b64"))};

	results = judge_both(s, &s->offline, &s->admin_offline, "offline", &e, true);
	assert_failures(results, "tee_attestation.vcek_fetch");
	json_object_put(results);
	assert_int_equal(fake_kds_hits(s->kds, "/vcek/v1/Turin/"), 0);

	/* teev verify first: the VCEK comes from KDS, not from what the server
	 * stored after its own fetch. */
	before = fake_kds_hits(s->kds, "/vcek/v1/Turin/");
	results = judge_both(s, &s->online, &s->admin_online, "online", &e, true);
	assert_true(valid(results));
	json_object_put(results);
	assert_int_equal(fake_kds_hits(s->kds, "/vcek/v1/Turin/"), before + 2);
	json_object_put(request);
	free(report);
	free(vcek);
}

/* tee-pubkey coordinates of 1, 3 or 0 bytes, or of unequal sizes: 400 from
 * the server, exit 2 from teev verify, with the same failure. */
static void test_pubkey_sizes(void **state)
{
	struct suite *s = S(state);
	char path[512];
	size_t len = 0;
	uint8_t *report;
	struct json_object *request, *data, *results;
	static const struct {
		const char *x, *y, *failure;
	} cases[] = {
		{"AQ", "AQ", "tee_attestation.invalid_input"},
		{"AQID", "AQID", "tee_attestation.invalid_input"},
		{"", "", "tee_attestation.missing_param"},
		{"AQID", "AQ", "tee_attestation.invalid_input"},
	};

	snprintf(path, sizeof(path), "%s/genoa/report.bin", s->fixture);
	report = (uint8_t *)harness_read_file(path, &len);
	snprintf(path, sizeof(path), "%s/genoa/request.json", s->fixture);
	request = json_object_from_file(path);
	assert_non_null(report);
	assert_non_null(request);
	data = json_object_object_get(request, "data");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char label[64];
		struct evidence e = {
			report, NULL, 0,
			json_object_get_string(json_object_object_get(data, "nonce")),
			cases[i].x, cases[i].y};
		snprintf(label, sizeof(label), "x \"%s\" y \"%s\"", cases[i].x, cases[i].y);
		results = judge_both(s, &s->online, &s->admin_online, label, &e, false);
		assert_failures(results, cases[i].failure);
		json_object_put(results);
	}
	json_object_put(request);
	free(report);
}

/* A v2 report names no product: Milan is asked first, and KDS's 400 for a
 * Genoa chip means "next product", not a failed verdict. */
static void test_v2_kds_product_fallback_after_400(void **state)
{
	struct suite *s = S(state);
	struct forged f, g;
	char target[512];
	size_t der_len;
	uint8_t *der;
	struct json_object *results;

	serve_crl(s, &s->genoa, "Genoa", false); /* check_crl is on for this server */
	forge(&s->genoa, FORGE_GENOA, 2, 0x10, &f);
	der = der_of(f.vcek, &der_len);
	kds_target(f.report, "Genoa", target, sizeof(target));
	serve_bytes(s, target, der, der_len);
	free(der);
	struct evidence e = {f.report, NULL, 0, f.nonce, f.x, f.y};

	/* teev verify first (it asks Milan, gets 400, then Genoa), then the
	 * server (Milan: 404, then Genoa). */
	fake_kds_set_status(s->kds, 400, 1, 0);
	results = judge_both(s, &s->forged, &s->admin_forged, "v2 report", &e, true);
	assert_true(valid(results));
	json_object_put(results);

	/* The server on its own, for another chip: the 400 is its own. */
	forge(&s->genoa, FORGE_GENOA, 2, 0x30, &g);
	der = der_of(g.vcek, &der_len);
	kds_target(g.report, "Genoa", target, sizeof(target));
	serve_bytes(s, target, der, der_len);
	struct evidence e2 = {g.report, NULL, 0, g.nonce, g.x, g.y};
	unsigned milan_before = fake_kds_hits(s->kds, "/vcek/v1/Milan/");
	fake_kds_set_status(s->kds, 400, 1, 0);
	char *body = request_body(&e2);
	struct http_result r;
	assert_int_equal(harness_request(&s->forged, &s->admin_forged, "POST",
					 "/v2.5/verify/evidence", body, strlen(body), &r),
			 0);
	assert_int_equal(r.status, 200);
	results = json_object_object_get(r.json, "results");
	if (!valid(results))
		fail_msg("v2 report after a KDS 400: %s", r.body);
	assert_string_equal(json_object_get_string(json_object_object_get(
				    json_object_object_get(results, "claims"), "product")),
			    "Genoa");
	assert_int_equal(fake_kds_hits(s->kds, "/vcek/v1/Milan/"), milan_before + 1);
	http_result_free(&r);
	free(body);
	free(der);
	X509_free(f.vcek);
	X509_free(g.vcek);
}

/* A malformed certs-buf is bad input every time, also once the chip's VCEK
 * is in the key cache (it used to pass then). */
static void test_bad_certs_buf_is_400_even_when_cached(void **state)
{
	struct suite *s = S(state);
	char path[512];
	size_t len = 0;
	uint8_t *report, garbage[100];
	struct json_object *request, *data, *results;

	memset(garbage, 0x41, sizeof(garbage));
	snprintf(path, sizeof(path), "%s/milan/report.bin", s->fixture);
	report = (uint8_t *)harness_read_file(path, &len);
	snprintf(path, sizeof(path), "%s/milan/request.json", s->fixture);
	request = json_object_from_file(path);
	assert_non_null(report);
	assert_non_null(request);
	data = json_object_object_get(request, "data");
	const char *nonce = json_object_get_string(json_object_object_get(data, "nonce"));
	const char *x = json_object_get_string(json_object_object_get(data, "tee-pubkey-x-b64"));
	const char *y = json_object_get_string(json_object_object_get(data, "tee-pubkey-y-b64"));
	struct evidence bad = {report, garbage, sizeof(garbage), nonce, x, y};

	results = judge_both(s, &s->online, &s->admin_online, "garbage certs-buf, cold", &bad,
			     false);
	assert_failures(results, "tee_attestation.invalid_input");
	json_object_put(results);

	/* The good request proves and caches this chip's VCEK. */
	const char *body = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
	struct http_result r;
	assert_int_equal(harness_request(&s->online, &s->admin_online, "POST",
					 "/v2.5/verify/evidence", body, strlen(body), &r),
			 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"valid\":true"));
	http_result_free(&r);

	for (int i = 0; i < 2; i++) {
		results = judge_both(s, &s->online, &s->admin_online, "garbage certs-buf, cached",
				     &bad, false);
		assert_failures(results, "tee_attestation.invalid_input");
		json_object_put(results);
	}
	json_object_put(request);
	free(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: the vectors' keys are not in the database yet. */
		cmocka_unit_test(test_imported_vcek),
		cmocka_unit_test(test_every_real_vector),
		cmocka_unit_test(test_check_crl_revoked_ask),
		cmocka_unit_test(test_kds_online_and_offline),
		cmocka_unit_test(test_pubkey_sizes),
		cmocka_unit_test(test_v2_kds_product_fallback_after_400),
		cmocka_unit_test(test_bad_certs_buf_is_400_even_when_cached),
	};
	return cmocka_run_group_tests_name("integration: teev verify gives the server's verdict",
					   tests, suite_setup, suite_teardown);
}
