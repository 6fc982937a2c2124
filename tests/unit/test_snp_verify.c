/* test_snp_verify.c - unit tests for verifier/snp_verify.c: the whole SEV-SNP
 * verification path (report layout, endorsement key lookup, AMD chain,
 * key-to-report binding, signature, nonce binding, cache) and snp_claims().
 *
 * Three sources of evidence:
 *  - the real vectors in $SHARED_DIR/testdata/snp, verified against the
 *    embedded AMD roots with the time pinned per vector (the leaf's notBefore
 *    + 1 day, read from the certificate with OpenSSL), and negative cases made
 *    from them by changing one byte or offering the wrong certificate;
 *  - the test forge (tests/support/snp_forge.h), which mints a fake AMD chain
 *    written to a mkdtemp folder used as amd_root_dir, for what no real vector
 *    has: a REPORT_DATA nonce binding, FMC on Turin, unsigned reports and
 *    cache behaviour;
 *  - a self-signed P-384 certificate without AMD extensions.
 * Every negative case asserts the exact failure type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tests/support/snp_forge.h"
#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "verifier/snp_verify.h"

#define DAY 86400
#define T_2025_06_01 ((time_t)1748736000) /* 2025-06-01T00:00:00Z */

/* ---- files ---- */

static const char *shared_dir(void)
{
	const char *dir = getenv("SHARED_DIR");

	return dir && dir[0] ? dir : "../shared";
}

/* Reads a whole file under $SHARED_DIR/testdata; the caller frees. */
static uint8_t *read_testdata(const char *rel, size_t *len)
{
	char path[1024];
	FILE *fp;
	long size;
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/testdata/%s", shared_dir(), rel);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s (set SHARED_DIR)", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size > 0);
	rewind(fp);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return buf;
}

static uint8_t *read_vector(const char *vector, const char *file, size_t *len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "snp/%s/%s", vector, file);
	return read_testdata(rel, len);
}

/* The certificate's notBefore + 1 day: a time at which the whole chain is valid. */
static time_t pinned_time(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *cert = d2i_X509(NULL, &p, (long)len);
	struct tm tm;

	assert_non_null(cert);
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(cert), &tm), 1);
	X509_free(cert);
	return timegm(&tm) + DAY;
}

/* ---- verifier and results ---- */

static void verifier_init(struct snp_verifier *v, const char *amd_root_dir)
{
	struct snp_verifier_config cfg = {.amd_root_dir = amd_root_dir};
	char err[256] = "";

	if (snp_verifier_init(v, &cfg, err, sizeof(err)) != 0)
		fail_msg("snp_verifier_init: %s", err);
}

static const char *type_list(const struct failures *f)
{
	static char text[1024];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < f->count && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s[%s: %s]",
					 i ? " " : "", f->items[i].type, f->items[i].message);
	return text;
}

static void assert_pass(enum verdict_status status, const struct failures *f)
{
	if (status != VERDICT_PASS || f->count != 0)
		fail_msg("expected PASS, got status %d with %s", (int)status, type_list(f));
}

/* Asserts the status and exactly one failure of type whose message holds text. */
static void assert_one_failure(enum verdict_status status, const struct failures *f,
			       enum verdict_status want_status, const char *type,
			       const char *text)
{
	if (status != want_status || f->count != 1 || strcmp(f->items[0].type, type) != 0)
		fail_msg("expected status %d with one %s, got status %d with %s",
			 (int)want_status, type, (int)status, type_list(f));
	if (text && !strstr(f->items[0].message, text))
		fail_msg("message \"%s\" lacks \"%s\"", f->items[0].message, text);
}

/* ---- claims ---- */

static struct json_object *claim(struct json_object *claims, const char *name)
{
	struct json_object *value = NULL;

	if (!json_object_object_get_ex(claims, name, &value))
		fail_msg("claim \"%s\" is missing", name);
	return value;
}

static void assert_int_claim(struct json_object *claims, const char *name, int64_t want)
{
	struct json_object *v = claim(claims, name);

	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), want);
}

static void assert_string_claim(struct json_object *claims, const char *name,
				const char *want)
{
	struct json_object *v = claim(claims, name);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

/* A JSON boolean that reads and serialises as want. */
static void assert_bool_claim(struct json_object *claims, const char *name, bool want)
{
	struct json_object *v = claim(claims, name);

	assert_true(json_object_is_type(v, json_type_boolean));
	if ((json_object_get_boolean(v) != 0) != want)
		fail_msg("claim %s is %s, expected %s", name, json_object_to_json_string(v),
			 want ? "true" : "false");
	assert_string_equal(json_object_to_json_string(v), want ? "true" : "false");
}

/* Keylime encodes byte fields as a JSON array of ints 0..255. */
static void assert_byte_array_claim(struct json_object *claims, const char *name,
				    const uint8_t *want, size_t n)
{
	struct json_object *a = claim(claims, name);

	assert_true(json_object_is_type(a, json_type_array));
	assert_int_equal(json_object_array_length(a), n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(a, i);

		assert_true(json_object_is_type(item, json_type_int));
		assert_int_equal(json_object_get_int(item), want[i]);
	}
}

/* ---- the real vectors ---- */

struct vector {
	const char *dir;
	const char *leaf; /* vcek.der or vlek.der */
	const char *product;
	uint32_t version, vmpl;
	bool vlek;
	uint8_t fmc, bootloader, tee, snp, microcode; /* REPORTED_TCB */
	bool debug, tsme;
};

/* Values from shared/testdata/snp/README.md. */
static const struct vector vectors[] = {
	{"milan-v2-trustee", "vcek.der", "Milan", 2, 0, false, 0, 3, 0, 8, 115, false, false},
	{"milan-v2-gosevguest", "vcek.der", "Milan", 2, 0, false, 0, 2, 0, 5, 68, true, false},
	{"milan-v2-virtee", "vcek.der", "Milan", 2, 0, false, 0, 3, 0, 8, 115, false, false},
	{"milan-v3-azure", "vcek.der", "Milan", 3, 0, false, 0, 4, 0, 24, 219, false, false},
	{"milan-v3-vlek-aws", "vlek.der", "Milan", 3, 1, true, 0, 4, 0, 24, 217, false, true},
	{"milan-v3-oak", "vcek.der", "Milan", 3, 0, false, 0, 4, 0, 24, 219, false, false},
	{"genoa-v3-trustee-e2e", "vcek.der", "Genoa", 3, 0, false, 0, 10, 0, 23, 25, false,
	 false},
	{"genoa-v5-oak", "vcek.der", "Genoa", 5, 0, false, 0, 10, 0, 25, 84, false, false},
	{"turin-v5-oak", "vcek.der", "Turin", 5, 0, false, 0, 1, 0, 2, 71, false, true},
};
#define VECTOR_COUNT (sizeof(vectors) / sizeof(vectors[0]))

/* A real vector's report and leaf certificate, loaded. */
struct loaded {
	uint8_t *report, *leaf;
	size_t report_len, leaf_len;
	time_t at;
};

static void load(const char *dir, const char *leaf, struct loaded *l)
{
	l->report = read_vector(dir, "report.bin", &l->report_len);
	l->leaf = read_vector(dir, leaf, &l->leaf_len);
	l->at = pinned_time(l->leaf, l->leaf_len);
}

static void unload(struct loaded *l)
{
	free(l->report);
	free(l->leaf);
}

/* Verifies report with the explicit certificate (the CLI's --vcek) on a fresh
 * verifier with the embedded AMD roots. */
static enum verdict_status verify_with_cert(const uint8_t *report, size_t report_len,
					    const uint8_t *der, size_t der_len, time_t at,
					    struct snp_result *res, struct failures *f)
{
	struct snp_verifier v;
	struct snp_evidence e = {
		.report = report,
		.report_len = report_len,
		.vek_der = der,
		.vek_der_len = der_len,
	};
	enum verdict_status status;

	verifier_init(&v, NULL);
	status = snp_verify(&v, &e, at, res, f);
	snp_verifier_free(&v);
	return status;
}

static void check_vector_claims(const struct vector *vec, const uint8_t *report,
				const struct snp_result *res)
{
	struct json_object *c = snp_claims(res);

	assert_non_null(c);
	assert_string_claim(c, "product", vec->product);
	assert_int_claim(c, "report_version", vec->version);
	assert_int_claim(c, "vmpl", vec->vmpl);
	assert_string_claim(c, "signing_key", vec->vlek ? "vlek" : "vcek");
	assert_int_claim(c, "reported_tcb_bootloader", vec->bootloader);
	assert_int_claim(c, "reported_tcb_tee", vec->tee);
	assert_int_claim(c, "reported_tcb_snp", vec->snp);
	assert_int_claim(c, "reported_tcb_microcode", vec->microcode);
	if (strcmp(vec->product, "Turin") == 0)
		assert_int_claim(c, "reported_tcb_fmc", vec->fmc);
	else
		assert_false(json_object_object_get_ex(c, "reported_tcb_fmc", NULL));
	assert_byte_array_claim(c, "measurement", report + 0x90, 48);
	assert_byte_array_claim(c, "report_data", report + 0x50, 64);
	assert_byte_array_claim(c, "host_data", report + 0xC0, 32);
	assert_bool_claim(c, "policy_debug_allowed", vec->debug);
	assert_bool_claim(c, "platform_tsme_enabled", vec->tsme);
	assert_bool_claim(c, "policy_smt_allowed", true); /* every vector sets SMT */
	assert_bool_claim(c, "policy_migrate_ma", false);
	assert_bool_claim(c, "policy_single_socket", false);
	assert_bool_claim(c, "platform_smt_enabled", true);
	assert_int_claim(c, "policy_abi_major", (report[0x09]));
	assert_int_claim(c, "policy_abi_minor", (report[0x08]));
	json_object_put(c);
}

static void test_real_vectors_pass_with_vek_der(void **state)
{
	(void)state;
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		const struct vector *vec = &vectors[i];
		struct loaded l;
		struct snp_result res;
		struct failures f;

		print_message("  %s\n", vec->dir);
		load(vec->dir, vec->leaf, &l);
		failures_init(&f);
		assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					     &res, &f),
			    &f);
		assert_string_equal(res.vek_source, "file");
		assert_string_equal(snp_product_name(res.product), vec->product);
		assert_int_equal(res.report.version, vec->version);
		check_vector_claims(vec, l.report, &res);
		failures_clear(&f);
		unload(&l);
	}
}

/* json-c documents json_object_new_boolean() as taking 1 or 0, and
 * json_object_equal() compares the stored value: a claim built from a raw bit
 * mask (e.g. 1 << 19) is "true" on the wire but unequal to a canonical true,
 * so a policy comparing claims with json_object_equal would misjudge it. */
static void test_real_vector_boolean_claims_are_canonical(void **state)
{
	static const char *const names[] = {
		"policy_debug_allowed", "platform_tsme_enabled", "policy_smt_allowed",
		"platform_smt_enabled",
	};
	static const char *const dirs[] = {"milan-v2-gosevguest", "turin-v5-oak"};
	struct json_object *yes = json_object_new_boolean(1);

	(void)state;
	for (size_t d = 0; d < 2; d++) {
		const struct vector *vec = NULL;
		struct loaded l;
		struct snp_result res;
		struct failures f;
		struct json_object *c;

		for (size_t i = 0; i < VECTOR_COUNT; i++)
			if (strcmp(vectors[i].dir, dirs[d]) == 0)
				vec = &vectors[i];
		assert_non_null(vec);
		load(vec->dir, vec->leaf, &l);
		failures_init(&f);
		assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					     &res, &f),
			    &f);
		c = snp_claims(&res);
		for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			struct json_object *v = claim(c, names[n]);

			if (json_object_get_boolean(v) && !json_object_equal(v, yes))
				fail_msg("%s: claim %s is stored as %d, not a canonical true",
					 vec->dir, names[n], (int)json_object_get_boolean(v));
		}
		json_object_put(c);
		failures_clear(&f);
		unload(&l);
	}
	json_object_put(yes);
}

/* ---- the real VLEK vector and time ---- */

static void test_vlek_vector_passes_in_validity(void **state)
{
	struct loaded l;
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-vlek-aws", "vlek.der", &l);
	failures_init(&f);
	assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, T_2025_06_01,
				     &res, &f),
		    &f);
	assert_int_equal(res.product, SNP_PRODUCT_MILAN);
	assert_int_equal(res.report.signing_key, SNP_SIGNING_KEY_VLEK);
	assert_int_equal(res.report.vmpl, 1);
	failures_clear(&f);
	unload(&l);
}

/* The AWS VLEK expired on 2025-12-10 (VLEK certificates live one year). */
static void test_vlek_vector_expired_now(void **state)
{
	struct loaded l;
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-vlek-aws", "vlek.der", &l);
	failures_init(&f);
	assert_one_failure(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len,
					    time(NULL), &res, &f),
			   &f, VERDICT_FAIL, "tee_attestation.cert_chain", "expired");
	failures_clear(&f);
	unload(&l);
}

/* ---- negative cases from real vectors ---- */

/* Verifies milan-v3-oak with byte off XORed with mask, expecting one failure. */
static void assert_oak_byte_change_fails(size_t off, uint8_t mask, const char *type,
					 const char *text)
{
	struct loaded l;
	struct snp_result res;
	struct failures f;

	load("milan-v3-oak", "vcek.der", &l);
	l.report[off] ^= mask;
	failures_init(&f);
	assert_one_failure(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					    &res, &f),
			   &f, VERDICT_FAIL, type, text);
	failures_clear(&f);
	unload(&l);
}

static void test_flipped_signature_byte(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x2A0, 0x01, "tee_attestation.invalid_signature",
				     "does not sign");
	assert_oak_byte_change_fails(0x2E8 + 20, 0x80, "tee_attestation.invalid_signature",
				     "does not sign");
}

static void test_flipped_measurement_byte(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x90, 0x01, "tee_attestation.invalid_signature",
				     "does not sign");
	assert_oak_byte_change_fails(0x90 + 47, 0x40, "tee_attestation.invalid_signature",
				     NULL);
}

/* REPORTED_TCB bl 4 -> 5: the VCEK (bl 4) no longer belongs to the report. */
static void test_reported_tcb_changed(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x180, 0x01, "tee_attestation.tcb_mismatch",
				     "bootloader 5 != 4");
	assert_oak_byte_change_fails(0x180, 0x01, "tee_attestation.tcb_mismatch",
				     "bl=5 tee=0 snp=24 ucode=219");
	assert_oak_byte_change_fails(0x180, 0x01, "tee_attestation.tcb_mismatch",
				     "bl=4 tee=0 snp=24 ucode=219");
	/* The microcode byte (7) of the Milan layout. */
	assert_oak_byte_change_fails(0x187, 0x02, "tee_attestation.tcb_mismatch",
				     "microcode 217 != 219");
}

static void test_chip_id_changed(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x1A0 + 5, 0x10, "tee_attestation.chip_id_mismatch",
				     "a3fdc2c64dc2"); /* the certificate's hwID */
	assert_oak_byte_change_fails(0x1A0 + 63, 0x01, "tee_attestation.chip_id_mismatch",
				     NULL);
}

/* The report's CPUID says Milan; a Genoa VCEK is the wrong product's key. */
static void test_genoa_vcek_for_milan_report(void **state)
{
	struct loaded milan;
	size_t genoa_len;
	uint8_t *genoa = read_vector("genoa-v5-oak", "vcek.der", &genoa_len);
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-oak", "vcek.der", &milan);
	failures_init(&f);
	assert_one_failure(verify_with_cert(milan.report, milan.report_len, genoa, genoa_len,
					    pinned_time(genoa, genoa_len), &res, &f),
			   &f, VERDICT_FAIL, "tee_attestation.product_mismatch", "Genoa");
	failures_clear(&f);
	unload(&milan);
	free(genoa);
}

static void test_vlek_cert_for_vcek_report(void **state)
{
	struct loaded oak;
	size_t vlek_len;
	uint8_t *vlek = read_vector("milan-v3-vlek-aws", "vlek.der", &vlek_len);
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-oak", "vcek.der", &oak);
	failures_init(&f);
	assert_one_failure(verify_with_cert(oak.report, oak.report_len, vlek, vlek_len,
					    T_2025_06_01, &res, &f),
			   &f, VERDICT_FAIL, "tee_attestation.signing_key_mismatch", "VLEK");
	failures_clear(&f);
	unload(&oak);
	free(vlek);
}

static void test_vcek_cert_for_vlek_report(void **state)
{
	struct loaded aws;
	size_t vcek_len;
	uint8_t *vcek = read_vector("milan-v3-oak", "vcek.der", &vcek_len);
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-vlek-aws", "vlek.der", &aws);
	failures_init(&f);
	assert_one_failure(verify_with_cert(aws.report, aws.report_len, vcek, vcek_len,
					    T_2025_06_01, &res, &f),
			   &f, VERDICT_FAIL, "tee_attestation.signing_key_mismatch", "VCEK");
	failures_clear(&f);
	unload(&aws);
	free(vcek);
}

/* Builds a certs_buf holding one entry of kind; the caller frees. */
static uint8_t *certs_buf_one(enum forge_cert_kind kind, const uint8_t *der, size_t der_len,
			      size_t *len)
{
	const struct forge_cert_entry entry = {kind, der, der_len};
	size_t need = forge_certs_buf(NULL, 0, &entry, 1);
	uint8_t *buf = malloc(need);

	assert_true(need > der_len);
	assert_non_null(buf);
	assert_int_equal(forge_certs_buf(buf, need, &entry, 1), need);
	*len = need;
	return buf;
}

static enum verdict_status verify_with_certs_buf(const uint8_t *report, size_t report_len,
						 const uint8_t *buf, size_t buf_len, time_t at,
						 struct snp_result *res, struct failures *f)
{
	struct snp_verifier v;
	struct snp_evidence e = {
		.report = report,
		.report_len = report_len,
		.certs_buf = buf,
		.certs_buf_len = buf_len,
	};
	enum verdict_status status;

	verifier_init(&v, NULL);
	status = snp_verify(&v, &e, at, res, f);
	snp_verifier_free(&v);
	return status;
}

/* The real VCEK in a certs_buf (with the real ASK and ARK beside it) gives the
 * same verdict and claims as the same VCEK given as a file. */
static void test_certs_buf_with_real_vcek(void **state)
{
	static const char *const dirs[] = {"milan-v3-azure", "turin-v5-oak",
					   "milan-v2-trustee"};

	(void)state;
	for (size_t d = 0; d < 3; d++) {
		struct loaded l;
		size_t ask_len, ark_len, buf_len;
		char ask_rel[64], ark_rel[64];
		const char *product = strcmp(dirs[d], "turin-v5-oak") == 0 ? "turin" : "milan";
		uint8_t *ask, *ark, *buf;
		struct snp_result by_buf, by_file;
		struct failures f;
		struct json_object *claims_buf, *claims_file;

		print_message("  %s\n", dirs[d]);
		load(dirs[d], "vcek.der", &l);
		snprintf(ask_rel, sizeof(ask_rel), "snp/amd/%s_ask.pem", product);
		snprintf(ark_rel, sizeof(ark_rel), "snp/amd/%s_ark.pem", product);
		ask = read_testdata(ask_rel, &ask_len);
		ark = read_testdata(ark_rel, &ark_len);
		{
			const struct forge_cert_entry entries[] = {
				{FORGE_CERT_VCEK, l.leaf, l.leaf_len},
				{FORGE_CERT_ASK, ask, ask_len},
				{FORGE_CERT_ARK, ark, ark_len},
			};
			buf_len = forge_certs_buf(NULL, 0, entries, 3);
			buf = malloc(buf_len);
			assert_non_null(buf);
			assert_int_equal(forge_certs_buf(buf, buf_len, entries, 3), buf_len);
		}
		failures_init(&f);
		assert_pass(verify_with_certs_buf(l.report, l.report_len, buf, buf_len, l.at,
						  &by_buf, &f),
			    &f);
		assert_string_equal(by_buf.vek_source, "certs-buf");
		assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					     &by_file, &f),
			    &f);
		claims_buf = snp_claims(&by_buf);
		claims_file = snp_claims(&by_file);
		assert_string_equal(json_object_to_json_string(claims_buf),
				    json_object_to_json_string(claims_file));
		json_object_put(claims_buf);
		json_object_put(claims_file);
		failures_clear(&f);
		free(buf);
		free(ask);
		free(ark);
		unload(&l);
	}
}

static void test_certs_buf_only_vlek_for_vcek_report(void **state)
{
	struct loaded oak;
	size_t vlek_len, buf_len;
	uint8_t *vlek = read_vector("milan-v3-vlek-aws", "vlek.der", &vlek_len);
	uint8_t *buf;
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-oak", "vcek.der", &oak);
	buf = certs_buf_one(FORGE_CERT_VLEK, vlek, vlek_len, &buf_len);
	failures_init(&f);
	assert_one_failure(verify_with_certs_buf(oak.report, oak.report_len, buf, buf_len,
						 oak.at, &res, &f),
			   &f, VERDICT_FAIL, "tee_attestation.signing_key_mismatch",
			   "only holds a VLEK");
	failures_clear(&f);
	free(buf);
	free(vlek);
	unload(&oak);
}

/* A malformed table is the caller's fault: BAD_INPUT, not FAIL. */
static void test_malformed_certs_buf_is_bad_input(void **state)
{
	struct loaded oak;
	uint8_t buf[24 * 2]; /* one entry, no terminator */
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-oak", "vcek.der", &oak);
	memset(buf, 0x11, sizeof(buf));
	failures_init(&f);
	assert_one_failure(verify_with_certs_buf(oak.report, oak.report_len, buf, sizeof(buf),
						 oak.at, &res, &f),
			   &f, VERDICT_BAD_INPUT, "tee_attestation.invalid_input", "certs-buf");
	failures_clear(&f);
	unload(&oak);
}

static void test_wrong_report_length_is_bad_input(void **state)
{
	struct loaded oak;
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-oak", "vcek.der", &oak);
	failures_init(&f);
	assert_one_failure(verify_with_cert(oak.report, oak.report_len - 1, oak.leaf,
					    oak.leaf_len, oak.at, &res, &f),
			   &f, VERDICT_BAD_INPUT, "tee_attestation.invalid_input", "1183");
	failures_clear(&f);
	unload(&oak);
}

static void test_no_certificate_is_vcek_fetch(void **state)
{
	struct loaded oak;
	struct snp_verifier v;
	struct snp_evidence e = {0};
	struct snp_result res;
	struct failures f;

	(void)state;
	load("milan-v3-oak", "vcek.der", &oak);
	e.report = oak.report;
	e.report_len = oak.report_len;
	verifier_init(&v, NULL);
	failures_init(&f);
	/* The message names the chip (its CHIP_ID in hex) and the TCB to fetch. */
	assert_one_failure(snp_verify(&v, &e, oak.at, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.vcek_fetch", "a3fdc2c64dc299ab");
	assert_non_null(strstr(f.items[0].message, "bl=4 tee=0 snp=24 ucode=219"));
	assert_non_null(strstr(f.items[0].message, "vcek_offline_dir"));
	failures_clear(&f);
	snp_verifier_free(&v);
	unload(&oak);
}

/* A self-signed P-384 certificate has the right key type but no AMD
 * extensions and no AMD issuer: it must never pass. */
static void test_self_signed_p384_cert_refused(void **state)
{
	struct loaded oak;
	size_t fake_len;
	uint8_t *fake = read_testdata("keylime/golden/keys/fake-vcek.der", &fake_len);
	struct snp_result res;
	struct failures f;
	enum verdict_status status;

	(void)state;
	load("milan-v3-oak", "vcek.der", &oak);
	failures_init(&f);
	status = verify_with_cert(oak.report, oak.report_len, fake, fake_len, T_2025_06_01,
				  &res, &f);
	assert_int_equal(status, VERDICT_FAIL);
	assert_int_equal(f.count, 1);
	if (strcmp(f.items[0].type, "tee_attestation.invalid_public_key") != 0 &&
	    strcmp(f.items[0].type, "tee_attestation.cert_chain") != 0)
		fail_msg("unexpected failure %s", type_list(&f));
	failures_clear(&f);
	free(fake);
	unload(&oak);
}

/* ---- forged evidence ---- */

/* Fake AMD roots for Milan and Turin, made once (RSA key generation is the
 * slow part) and written to a mkdtemp folder used as amd_root_dir. */
struct forge_state {
	struct forge_chain milan, turin;
	char root_dir[64];
};

static int group_setup(void **state)
{
	struct forge_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->root_dir, sizeof(s->root_dir), "/tmp/teev-snp-verify-XXXXXX");
	if (!mkdtemp(s->root_dir) || forge_chain_create(FORGE_MILAN, &s->milan) != 0 ||
	    forge_chain_create(FORGE_TURIN, &s->turin) != 0 ||
	    forge_chain_write(&s->milan, s->root_dir) != 0 ||
	    forge_chain_write(&s->turin, s->root_dir) != 0)
		return -1;
	*state = s;
	return 0;
}

static int group_teardown(void **state)
{
	struct forge_state *s = *state;
	DIR *dir;
	struct dirent *ent;

	if (!s)
		return 0;
	dir = opendir(s->root_dir);
	if (dir) {
		while ((ent = readdir(dir)) != NULL) {
			char path[512];

			if (ent->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", s->root_dir, ent->d_name);
			unlink(path);
		}
		closedir(dir);
	}
	rmdir(s->root_dir);
	forge_chain_free(&s->milan);
	forge_chain_free(&s->turin);
	free(s);
	return 0;
}

/* One forged platform: its VCEK/VLEK key and certificate, and a signed report. */
struct platform {
	const struct forge_chain *chain;
	EVP_PKEY *key;
	struct forge_vek_opts cert_opts;
	uint8_t hwid[64];
	uint8_t *cert_der;
	size_t cert_len;
	struct forge_report_opts report_opts;
	uint8_t report[FORGE_REPORT_SIZE];
};

/* (Re)mints the certificate from cert_opts. */
static void platform_mint_cert(struct platform *p)
{
	X509 *cert = forge_vek_create(p->chain, p->key, &p->cert_opts);
	unsigned char *der = NULL;
	int len;

	assert_non_null(cert);
	len = i2d_X509(cert, &der);
	assert_true(len > 0);
	X509_free(cert);
	free(p->cert_der);
	p->cert_der = malloc((size_t)len);
	assert_non_null(p->cert_der);
	memcpy(p->cert_der, der, (size_t)len);
	p->cert_len = (size_t)len;
	OPENSSL_free(der);
}

/* Lays out report_opts and signs with the platform key. */
static void platform_sign(struct platform *p)
{
	forge_report_build(p->report, &p->report_opts);
	assert_int_equal(forge_report_sign(p->report, p->key), 0);
}

/* A platform of the chain's product. VCEK: a chip id derived from seed and the
 * matching hwID (64 bytes, or 8 on Turin). VLEK: no chip id, a cspID. */
static void platform_init(struct platform *p, const struct forge_chain *chain, bool vlek,
			  uint8_t seed)
{
	enum forge_product product = chain->product;
	size_t hwid_len = product == FORGE_TURIN ? 8 : 64;

	memset(p, 0, sizeof(*p));
	p->chain = chain;
	p->key = EVP_EC_gen("secp384r1");
	assert_non_null(p->key);
	forge_report_opts_default(&p->report_opts, product);
	p->report_opts.vlek = vlek;
	for (size_t i = 0; i < sizeof(p->report_opts.measurement); i++)
		p->report_opts.measurement[i] = (uint8_t)(seed + i);
	if (!vlek) {
		for (size_t i = 0; i < hwid_len; i++)
			p->hwid[i] = (uint8_t)(seed * 7 + i + 1);
		memcpy(p->report_opts.chip_id, p->hwid, hwid_len);
		p->cert_opts.hwid = p->hwid;
		p->cert_opts.hwid_len = hwid_len;
	} else {
		p->cert_opts.csp_id = "CN=test.example";
	}
	p->cert_opts.vlek = vlek;
	p->cert_opts.tcb = p->report_opts.reported_tcb;
	platform_mint_cert(p);
	platform_sign(p);
}

static void platform_free(struct platform *p)
{
	EVP_PKEY_free(p->key);
	free(p->cert_der);
}

static enum verdict_status verify_platform(struct snp_verifier *v, const struct platform *p,
					  struct snp_result *res, struct failures *f)
{
	struct snp_evidence e = {
		.report = p->report,
		.report_len = sizeof(p->report),
		.vek_der = p->cert_der,
		.vek_der_len = p->cert_len,
	};

	return snp_verify(v, &e, time(NULL), res, f);
}

/* Freshness: REPORT_DATA = SHA-512(x || y || nonce) with key coordinates of
 * the given size, checked against the nonce the verifier is given. */
static void check_freshness_case(const struct forge_state *s, size_t coord_len,
				 bool same_nonce)
{
	uint8_t x[66], y[66], nonce[32], other_nonce[32];
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;
	struct snp_evidence e = {0};
	enum verdict_status status;

	for (size_t i = 0; i < sizeof(x); i++) {
		x[i] = (uint8_t)(0x10 + i);
		y[i] = (uint8_t)(0x90 + i);
	}
	for (size_t i = 0; i < sizeof(nonce); i++) {
		nonce[i] = (uint8_t)(0xC0 ^ i);
		other_nonce[i] = nonce[i];
	}
	other_nonce[31] ^= 1;
	platform_init(&p, &s->milan, false, 0x21);
	assert_int_equal(forge_report_data_bind(p.report_opts.report_data, x, coord_len, y,
						coord_len, nonce, sizeof(nonce)),
			 0);
	platform_sign(&p);

	e.report = p.report;
	e.report_len = sizeof(p.report);
	e.vek_der = p.cert_der;
	e.vek_der_len = p.cert_len;
	e.check_freshness = true;
	e.nonce = same_nonce ? nonce : other_nonce;
	e.nonce_len = sizeof(nonce);
	e.pubkey_x = x;
	e.pubkey_x_len = coord_len;
	e.pubkey_y = y;
	e.pubkey_y_len = coord_len;

	verifier_init(&v, s->root_dir);
	failures_init(&f);
	status = snp_verify(&v, &e, time(NULL), &res, &f);
	if (same_nonce)
		assert_pass(status, &f);
	else
		assert_one_failure(status, &f, VERDICT_FAIL,
				   "tee_attestation.freshness_hash_failed", "SHA-512");
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

static void test_forged_freshness_p521_coordinates(void **state)
{
	check_freshness_case(*state, 66, true);
}

static void test_forged_freshness_wrong_nonce(void **state)
{
	check_freshness_case(*state, 66, false);
}

static void test_forged_freshness_p256_p384_coordinates(void **state)
{
	check_freshness_case(*state, 32, true);
	check_freshness_case(*state, 48, true);
	check_freshness_case(*state, 32, false);
}

/* Without freshness checking, REPORT_DATA is not judged. */
static void test_forged_without_freshness_passes(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	platform_init(&p, &s->milan, false, 0x22);
	verifier_init(&v, s->root_dir);
	failures_init(&f);
	assert_pass(verify_platform(&v, &p, &res, &f), &f);
	assert_int_equal(res.product, SNP_PRODUCT_MILAN);
	assert_string_equal(res.vek_source, "file");
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

/* Only AMD's ARK is trusted by default: a forged chain must not chain. */
static void test_forged_chain_with_embedded_roots(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	platform_init(&p, &s->milan, false, 0x23);
	verifier_init(&v, NULL);
	failures_init(&f);
	assert_one_failure(verify_platform(&v, &p, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.cert_chain", "Milan");
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

static void test_forged_turin_with_fmc(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;
	struct json_object *c;

	platform_init(&p, &s->turin, false, 0x24);
	p.report_opts.reported_tcb.fmc = 3;
	p.report_opts.reported_tcb.bootloader = 5;
	p.cert_opts.tcb = p.report_opts.reported_tcb;
	platform_mint_cert(&p);
	platform_sign(&p);
	verifier_init(&v, s->root_dir);
	failures_init(&f);
	assert_pass(verify_platform(&v, &p, &res, &f), &f);
	assert_int_equal(res.product, SNP_PRODUCT_TURIN);
	c = snp_claims(&res);
	assert_string_claim(c, "product", "Turin");
	assert_int_claim(c, "reported_tcb_fmc", 3);
	assert_int_claim(c, "reported_tcb_bootloader", 5);
	assert_int_claim(c, "reported_tcb_microcode", p.report_opts.reported_tcb.microcode);
	json_object_put(c);
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

static void test_forged_turin_fmc_spl_mismatch(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	platform_init(&p, &s->turin, false, 0x25);
	p.report_opts.reported_tcb.fmc = 3;
	p.cert_opts.tcb = p.report_opts.reported_tcb;
	p.cert_opts.tcb.fmc = 4;
	platform_mint_cert(&p);
	platform_sign(&p);
	verifier_init(&v, s->root_dir);
	failures_init(&f);
	assert_one_failure(verify_platform(&v, &p, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.tcb_mismatch", "fmc 3 != 4");
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

/* SIGNING_KEY 7: no key signed the report. */
static void test_unsigned_report(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	platform_init(&p, &s->milan, false, 0x26);
	forge_report_build(p.report, &p.report_opts); /* signature area zero */
	p.report[0x48] = 7 << 2;
	verifier_init(&v, s->root_dir);
	failures_init(&f);
	assert_one_failure(verify_platform(&v, &p, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", "unsigned");
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

/* ---- the VCEK cache ---- */

static void test_cache_second_verification(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	platform_init(&p, &s->milan, false, 0x31);
	verifier_init(&v, s->root_dir);
	failures_init(&f);
	assert_pass(verify_platform(&v, &p, &res, &f), &f);
	assert_string_equal(res.vek_source, "file");
	assert_pass(verify_platform(&v, &p, &res, &f), &f);
	assert_string_equal(res.vek_source, "cache");
	assert_int_equal(res.product, SNP_PRODUCT_MILAN);

	/* The cached key still checks the signature. */
	p.report[0x2A0] ^= 0x01;
	assert_one_failure(verify_platform(&v, &p, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", "from cache");
	assert_string_equal(res.vek_source, "cache");
	failures_clear(&f);
	p.report[0x2A0] ^= 0x01;
	p.report[0x90] ^= 0x01;
	assert_one_failure(verify_platform(&v, &p, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", NULL);
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

/* The cache is keyed by (product, CHIP_ID, REPORTED_TCB): another TCB of the
 * same chip has another VCEK and must be proven from its own certificate. */
static void test_cache_is_per_tcb(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	platform_init(&p, &s->milan, false, 0x32);
	verifier_init(&v, s->root_dir);
	failures_init(&f);
	assert_pass(verify_platform(&v, &p, &res, &f), &f);
	p.report_opts.reported_tcb.microcode++;
	platform_sign(&p);
	/* Same key, same certificate, new REPORTED_TCB: no cache hit, the old
	 * certificate no longer matches. */
	assert_one_failure(verify_platform(&v, &p, &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.tcb_mismatch", "microcode");
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
}

/* The cache entry for a platform says "AMD's chain proved this key belongs to
 * this chip at this TCB". A later request for the same chip and TCB is judged
 * with that proven key, whatever certificate it carries: a garbage VCEK in its
 * certs-buf is never parsed, and the request passes because the report's
 * signature verifies with the key AMD vouched for. That is sound: the
 * certificate only ever served to obtain that key, and an attacker cannot
 * make a report verify under it without the chip. */
static void test_cache_hit_ignores_garbage_certs_buf(void **state)
{
	const struct forge_state *s = *state;
	struct platform p;
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;
	uint8_t garbage[200];
	size_t buf_len;
	uint8_t *buf;
	struct snp_evidence e = {0};

	memset(garbage, 0x30, sizeof(garbage));
	buf = certs_buf_one(FORGE_CERT_VCEK, garbage, sizeof(garbage), &buf_len);
	platform_init(&p, &s->milan, false, 0x33);
	e.report = p.report;
	e.report_len = sizeof(p.report);
	e.certs_buf = buf;
	e.certs_buf_len = buf_len;
	failures_init(&f);

	/* Cold: the garbage certificate is parsed and refused. */
	verifier_init(&v, s->root_dir);
	assert_one_failure(snp_verify(&v, &e, time(NULL), &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.invalid_public_key", "certs-buf");
	failures_clear(&f);

	/* Warm: after a good request for this chip+TCB, the cached key decides. */
	assert_pass(verify_platform(&v, &p, &res, &f), &f);
	assert_pass(snp_verify(&v, &e, time(NULL), &res, &f), &f);
	assert_string_equal(res.vek_source, "cache");
	/* And the cached key still refuses a report it did not sign. */
	p.report[0x2A0 + 10] ^= 0x04;
	assert_one_failure(snp_verify(&v, &e, time(NULL), &res, &f), &f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", NULL);
	failures_clear(&f);
	snp_verifier_free(&v);
	platform_free(&p);
	free(buf);
}

/* Verifies the same request on a fresh verifier (cold) and on one that first
 * verified warm_up (warm); both must fail the same way. */
static void assert_same_failure_cold_and_warm(const struct forge_state *s,
					      const struct platform *warm_up,
					      const struct platform *request, const char *type)
{
	struct snp_verifier v;
	struct snp_result res;
	struct failures f;

	failures_init(&f);
	print_message("  cold verifier\n");
	verifier_init(&v, s->root_dir);
	assert_one_failure(verify_platform(&v, request, &res, &f), &f, VERDICT_FAIL, type, NULL);
	failures_clear(&f);
	snp_verifier_free(&v);

	print_message("  warm verifier (the certificate is cached)\n");
	verifier_init(&v, s->root_dir);
	assert_pass(verify_platform(&v, warm_up, &res, &f), &f);
	assert_one_failure(verify_platform(&v, request, &res, &f), &f, VERDICT_FAIL, type, NULL);
	failures_clear(&f);
	snp_verifier_free(&v);
}

/* VLEK certificates are cached by their bytes. A hit must not skip the rules
 * that bind the certificate to the report: a VLEK-signed report whose
 * REPORTED_TCB differs from the certificate's SPLs fails on a cold verifier
 * and must fail the same way once the certificate is cached. */
static void test_cert_cache_hit_still_checks_tcb(void **state)
{
	const struct forge_state *s = *state;
	struct platform good, other_tcb;

	platform_init(&good, &s->milan, true, 0x41);
	other_tcb = good;
	other_tcb.cert_der = malloc(good.cert_len);
	assert_non_null(other_tcb.cert_der);
	memcpy(other_tcb.cert_der, good.cert_der, good.cert_len);
	assert_int_equal(EVP_PKEY_up_ref(good.key), 1);
	other_tcb.report_opts.reported_tcb.microcode++;
	platform_sign(&other_tcb);

	assert_same_failure_cold_and_warm(s, &good, &other_tcb, "tee_attestation.tcb_mismatch");
	platform_free(&other_tcb);
	platform_free(&good);
}

/* Same for the signer kind: a VCEK for a masked CHIP_ID is cached by its
 * bytes; a report that says VLEK but offers that VCEK is a mismatch, cached
 * or not. */
static void test_cert_cache_hit_still_checks_signing_key(void **state)
{
	const struct forge_state *s = *state;
	struct platform masked, says_vlek;

	platform_init(&masked, &s->milan, false, 0x42);
	memset(masked.report_opts.chip_id, 0, sizeof(masked.report_opts.chip_id));
	platform_sign(&masked);
	says_vlek = masked;
	says_vlek.cert_der = malloc(masked.cert_len);
	assert_non_null(says_vlek.cert_der);
	memcpy(says_vlek.cert_der, masked.cert_der, masked.cert_len);
	assert_int_equal(EVP_PKEY_up_ref(masked.key), 1);
	says_vlek.report_opts.vlek = true;
	platform_sign(&says_vlek);

	assert_same_failure_cold_and_warm(s, &masked, &says_vlek,
					  "tee_attestation.signing_key_mismatch");
	platform_free(&says_vlek);
	platform_free(&masked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_vectors_pass_with_vek_der),
		cmocka_unit_test(test_real_vector_boolean_claims_are_canonical),
		cmocka_unit_test(test_vlek_vector_passes_in_validity),
		cmocka_unit_test(test_vlek_vector_expired_now),
		cmocka_unit_test(test_flipped_signature_byte),
		cmocka_unit_test(test_flipped_measurement_byte),
		cmocka_unit_test(test_reported_tcb_changed),
		cmocka_unit_test(test_chip_id_changed),
		cmocka_unit_test(test_genoa_vcek_for_milan_report),
		cmocka_unit_test(test_vlek_cert_for_vcek_report),
		cmocka_unit_test(test_vcek_cert_for_vlek_report),
		cmocka_unit_test(test_certs_buf_with_real_vcek),
		cmocka_unit_test(test_certs_buf_only_vlek_for_vcek_report),
		cmocka_unit_test(test_malformed_certs_buf_is_bad_input),
		cmocka_unit_test(test_wrong_report_length_is_bad_input),
		cmocka_unit_test(test_no_certificate_is_vcek_fetch),
		cmocka_unit_test(test_self_signed_p384_cert_refused),
		cmocka_unit_test(test_forged_freshness_p521_coordinates),
		cmocka_unit_test(test_forged_freshness_wrong_nonce),
		cmocka_unit_test(test_forged_freshness_p256_p384_coordinates),
		cmocka_unit_test(test_forged_without_freshness_passes),
		cmocka_unit_test(test_forged_chain_with_embedded_roots),
		cmocka_unit_test(test_forged_turin_with_fmc),
		cmocka_unit_test(test_forged_turin_fmc_spl_mismatch),
		cmocka_unit_test(test_unsigned_report),
		cmocka_unit_test(test_cache_second_verification),
		cmocka_unit_test(test_cache_is_per_tcb),
		cmocka_unit_test(test_cache_hit_ignores_garbage_certs_buf),
		cmocka_unit_test(test_cert_cache_hit_still_checks_tcb),
		cmocka_unit_test(test_cert_cache_hit_still_checks_signing_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
