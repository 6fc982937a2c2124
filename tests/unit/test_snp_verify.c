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
 * Every negative case asserts the status and the exact (single) failure type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tests/support/snp_forge.h"
#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "verifier/snp_verify.h"
#include "tests/support/test_cleanup.h"

#define DAY 86400
#define T_2025_06_01 ((time_t)1748736000) /* 2025-06-01T00:00:00Z */

/* ---- per-test cleanup ----
 * A failed assertion leaves a test by longjmp, skipping its own frees; so
 * what a test allocates is registered with defer() and released by the teardown,
 * which cmocka runs whether the test passed or not. */

static void *owned_malloc(size_t n)
{
	void *p = malloc(n);

	assert_non_null(p);
	return defer(free, p);
}

static void put_json(void *o)
{
	json_object_put(o);
}

static void free_failures(void *p)
{
	failures_clear(p);
	free(p);
}

/* An empty failure list owned by the test. */
static struct failures *new_failures(void)
{
	struct failures *f = malloc(sizeof(*f));

	assert_non_null(f);
	failures_init(f);
	return defer(free_failures, f);
}

static void free_verifier(void *p)
{
	snp_verifier_free(p);
	free(p);
}

/* A verifier with an empty cache, owned by the test. */
static struct snp_verifier *new_verifier_cfg(const struct snp_verifier_config *cfg)
{
	struct snp_verifier *v = malloc(sizeof(*v));
	char err[256] = "";

	assert_non_null(v);
	if (snp_verifier_init(v, cfg, err, sizeof(err)) == 0)
		return defer(free_verifier, v);
	free(v);
	fail_msg("snp_verifier_init: %s", err);
	return NULL;
}

/* amd_root_dir NULL: the embedded AMD roots. */
static struct snp_verifier *new_verifier(const char *amd_root_dir)
{
	struct snp_verifier_config cfg = {.amd_root_dir = amd_root_dir};

	return new_verifier_cfg(&cfg);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes a folder and everything in it. */
static void remove_dir(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_tree(void *path)
{
	remove_dir(path);
	free(path);
}

/* A fresh mkdtemp folder, removed with its contents after the test. */
static const char *new_temp_dir(void)
{
	char *dir = strdup("/tmp/teev-snp-verify-XXXXXX");

	assert_non_null(dir);
	if (mkdtemp(dir))
		return defer(remove_tree, dir);
	free(dir);
	fail_msg("mkdtemp failed");
	return NULL;
}

/* snp_claims() of a result, owned by the test. */
static struct json_object *claims_of(const struct snp_result *res)
{
	struct json_object *c = snp_claims(res);

	assert_non_null(c);
	return defer(put_json, c);
}

/* ---- files ---- */

/* Reads a whole file under $SHARED_DIR/testdata. */
static uint8_t *read_testdata(const char *rel, size_t *len)
{
	char path[1024];
	FILE *fp;
	long size = -1;
	uint8_t *buf = NULL;

	snprintf(path, sizeof(path), "%s/testdata/%s", shared_dir(), rel);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s (set SHARED_DIR)", path);
	if (fseek(fp, 0, SEEK_END) == 0)
		size = ftell(fp);
	if (size > 0) {
		rewind(fp);
		buf = malloc((size_t)size);
		*len = buf ? fread(buf, 1, (size_t)size, fp) : 0;
	}
	fclose(fp);
	if (buf && *len == (size_t)size)
		return defer(free, buf);
	free(buf);
	fail_msg("cannot read %s", path);
	return NULL;
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
	int ok;

	assert_non_null(cert);
	ok = ASN1_TIME_to_tm(X509_get0_notBefore(cert), &tm);
	X509_free(cert);
	assert_int_equal(ok, 1);
	return timegm(&tm) + DAY;
}

/* ---- verdict assertions ---- */

static const char *describe(const struct failures *f)
{
	static char text[2048];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < f->count && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s[%s: %s]",
					 i ? " " : "", f->items[i].type, f->items[i].message);
	return f->count ? text : "no failures";
}

static void assert_pass(enum verdict_status status, const struct failures *f)
{
	if (status != VERDICT_PASS || f->count != 0)
		fail_msg("expected PASS, got status %d with %s", (int)status, describe(f));
}

/* Asserts the status and exactly one failure of type whose message holds text. */
static void assert_one_failure(enum verdict_status status, const struct failures *f,
			       enum verdict_status want_status, const char *type,
			       const char *text)
{
	if (status != want_status || f->count != 1 || strcmp(f->items[0].type, type) != 0)
		fail_msg("expected status %d with one %s, got status %d with %s",
			 (int)want_status, type, (int)status, describe(f));
	if (text && !strstr(f->items[0].message, text))
		fail_msg("message \"%s\" lacks \"%s\"", f->items[0].message, text);
}

/* ---- claims ---- */

/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

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
	const char *firmware; /* current major.minor.build */
};

/* Values from shared/testdata/snp/README.md. */
static const struct vector vectors[] = {
	{"milan-v2-trustee", "vcek.der", "Milan", 2, 0, false, 0, 3, 0, 8, 115, false, false,
	 "1.52.4"},
	{"milan-v2-gosevguest", "vcek.der", "Milan", 2, 0, false, 0, 2, 0, 5, 68, true, false,
	 "1.49.3"},
	{"milan-v2-virtee", "vcek.der", "Milan", 2, 0, false, 0, 3, 0, 8, 115, false, false,
	 "1.52.4"},
	{"milan-v3-azure", "vcek.der", "Milan", 3, 0, false, 0, 4, 0, 24, 219, false, false,
	 "1.55.29"},
	{"milan-v3-vlek-aws", "vlek.der", "Milan", 3, 1, true, 0, 4, 0, 24, 217, false, true,
	 "1.55.29"},
	{"milan-v3-oak", "vcek.der", "Milan", 3, 0, false, 0, 4, 0, 24, 219, false, false,
	 "1.55.29"},
	{"genoa-v3-trustee-e2e", "vcek.der", "Genoa", 3, 0, false, 0, 10, 0, 23, 25, false,
	 false, "1.55.40"},
	{"genoa-v5-oak", "vcek.der", "Genoa", 5, 0, false, 0, 10, 0, 25, 84, false, false,
	 "1.55.43"},
	{"turin-v5-oak", "vcek.der", "Turin", 5, 0, false, 0, 1, 0, 2, 71, false, true,
	 "1.55.61"},
};
#define VECTOR_COUNT (sizeof(vectors) / sizeof(vectors[0]))

static const struct vector *vector_named(const char *dir)
{
	for (size_t i = 0; i < VECTOR_COUNT; i++)
		if (strcmp(vectors[i].dir, dir) == 0)
			return &vectors[i];
	fail_msg("no vector %s", dir);
	return NULL;
}

/* A real vector's report and leaf certificate, and its pinned time. */
struct loaded {
	uint8_t *report, *leaf;
	size_t report_len, leaf_len;
	time_t at;
};

static struct loaded load(const char *dir, const char *leaf)
{
	struct loaded l;

	l.report = read_vector(dir, "report.bin", &l.report_len);
	l.leaf = read_vector(dir, leaf, &l.leaf_len);
	l.at = pinned_time(l.leaf, l.leaf_len);
	return l;
}

/* Verifies report with an explicit certificate (the CLI's --vcek) on a fresh
 * verifier with the embedded AMD roots. */
static enum verdict_status verify_with_cert(const uint8_t *report, size_t report_len,
					    const uint8_t *der, size_t der_len, time_t at,
					    struct snp_result *res, struct failures *f)
{
	struct snp_evidence e = {
		.report = report,
		.report_len = report_len,
		.vek_der = der,
		.vek_der_len = der_len,
	};

	return snp_verify(new_verifier(NULL), &e, at, res, f);
}

/* The same with the certificates in a certs_buf. */
static enum verdict_status verify_with_certs_buf(const uint8_t *report, size_t report_len,
						 const uint8_t *buf, size_t buf_len, time_t at,
						 struct snp_result *res, struct failures *f)
{
	struct snp_evidence e = {
		.report = report,
		.report_len = report_len,
		.certs_buf = buf,
		.certs_buf_len = buf_len,
	};

	return snp_verify(new_verifier(NULL), &e, at, res, f);
}

/* A GHCB certificate table of the given entries (built by the forge). */
static uint8_t *make_certs_buf(const struct forge_cert_entry *entries, size_t n,
			       size_t *len)
{
	size_t need = forge_certs_buf(NULL, 0, entries, n);
	uint8_t *buf;

	assert_true(need > 0);
	buf = owned_malloc(need);
	assert_int_equal(forge_certs_buf(buf, need, entries, n), need);
	*len = need;
	return buf;
}

static void check_vector_claims(const struct vector *vec, const uint8_t *report,
				const struct snp_result *res)
{
	struct json_object *c = claims_of(res);
	char text[129];

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
	assert_bool_claim(c, "policy_smt_allowed", true); /* every vector allows SMT */
	assert_bool_claim(c, "policy_migrate_ma", false);
	assert_bool_claim(c, "policy_single_socket", false);
	assert_bool_claim(c, "platform_smt_enabled", true);
	assert_int_claim(c, "policy_abi_major", report[0x09]);
	assert_int_claim(c, "policy_abi_minor", report[0x08]);
	/* teev's extra claims beside Keylime's. */
	assert_string_claim(c, "firmware_current", vec->firmware);
	hex(report + 0x90, 48, text);
	assert_string_claim(c, "measurement_hex", text);
	hex(report + 0x1A0, 64, text);
	assert_string_claim(c, "chip_id", text);
}

static void test_real_vectors_pass_with_vek_der(void **state)
{
	(void)state;
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		const struct vector *vec = &vectors[i];
		struct loaded l = load(vec->dir, vec->leaf);
		struct failures *f = new_failures();
		struct snp_result res;

		print_message("  %s at notBefore + 1 day\n", vec->dir);
		assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					     &res, f),
			    f);
		assert_string_equal(res.vek_source, "file");
		assert_string_equal(snp_product_name(res.product), vec->product);
		assert_int_equal(res.report.version, vec->version);
		check_vector_claims(vec, l.report, &res);
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
	struct json_object *yes = defer(put_json, json_object_new_boolean(1));

	(void)state;
	for (size_t d = 0; d < 2; d++) {
		const struct vector *vec = vector_named(dirs[d]);
		struct loaded l = load(vec->dir, vec->leaf);
		struct failures *f = new_failures();
		struct snp_result res;
		struct json_object *c;

		assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					     &res, f),
			    f);
		c = claims_of(&res);
		for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			struct json_object *v = claim(c, names[n]);

			if (json_object_get_boolean(v) && !json_object_equal(v, yes))
				fail_msg("%s: claim %s is stored as %d, not a canonical true",
					 vec->dir, names[n], (int)json_object_get_boolean(v));
		}
	}
}

/* ---- the real VLEK vector and time ---- */

static void test_vlek_vector_passes_in_validity(void **state)
{
	struct loaded l = load("milan-v3-vlek-aws", "vlek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, T_2025_06_01,
				     &res, f),
		    f);
	assert_int_equal(res.product, SNP_PRODUCT_MILAN);
	assert_int_equal(res.report.signing_key, SNP_SIGNING_KEY_VLEK);
	assert_int_equal(res.report.vmpl, 1);
	assert_string_claim(claims_of(&res), "signing_key", "vlek");
}

/* The AWS VLEK expired on 2025-12-10 (VLEK certificates live one year). */
static void test_vlek_vector_expired_now(void **state)
{
	struct loaded l = load("milan-v3-vlek-aws", "vlek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_one_failure(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len,
					    time(NULL), &res, f),
			   f, VERDICT_FAIL, "tee_attestation.cert_chain", "expired");
}

/* ---- negative cases from real vectors ---- */

/* Verifies milan-v3-oak with byte off XORed with mask, expecting one failure. */
static void assert_oak_byte_change_fails(size_t off, uint8_t mask, const char *type,
					 const char *text)
{
	struct loaded l = load("milan-v3-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	l.report[off] ^= mask;
	assert_one_failure(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					    &res, f),
			   f, VERDICT_FAIL, type, text);
}

static void test_flipped_signature_byte(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x2A0, 0x01, "tee_attestation.invalid_signature",
				     "does not sign");
	assert_oak_byte_change_fails(0x2E8 + 20, 0x80, "tee_attestation.invalid_signature",
				     "does not sign");
}

/* Writes a 48-byte big-endian number into the report's 72-byte little-endian
 * signature field at off (the rest of the field zero). */
static void put_scalar_le(uint8_t *report, size_t off, const uint8_t be[48])
{
	memset(report + off, 0, 72);
	for (size_t i = 0; i < 48; i++)
		report[off + i] = be[47 - i];
}

/* milan-v3-oak with S replaced by f(S): the verdict's status and failures. */
static void assert_oak_with_s(void (*change)(BIGNUM *s, const BIGNUM *n), bool passes)
{
	struct loaded l = load("milan-v3-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_result res;
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BIGNUM *s = BN_new();
	uint8_t be[48];
	enum verdict_status status;

	assert_true(g && s);
	for (size_t i = 0; i < 48; i++)
		be[i] = l.report[0x2E8 + 47 - i];
	assert_non_null(BN_bin2bn(be, 48, s));
	change(s, EC_GROUP_get0_order(g));
	assert_int_equal(BN_bn2binpad(s, be, 48), 48);
	BN_free(s);
	EC_GROUP_free(g);
	put_scalar_le(l.report, 0x2E8, be);
	status = verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at, &res, f);
	if (passes)
		assert_pass(status, f);
	else
		assert_one_failure(status, f, VERDICT_FAIL, "tee_attestation.invalid_signature",
				   "does not sign");
}

static void s_to_n_minus_s(BIGNUM *s, const BIGNUM *n)
{
	assert_int_equal(BN_sub(s, n, s), 1);
}

static void s_to_n(BIGNUM *s, const BIGNUM *n)
{
	assert_non_null(BN_copy(s, n));
}

static void s_to_zero(BIGNUM *s, const BIGNUM *n)
{
	(void)n;
	BN_zero(s);
}

/* ECDSA takes s and n - s alike (so do upstream Keylime's python cryptography
 * and both of teev's P-384 implementations, see test_p384): a report with its
 * S replaced by n - S still passes. S = n and S = 0 are out of range. */
static void test_signature_high_s_and_out_of_range_s(void **state)
{
	(void)state;
	assert_oak_with_s(s_to_n_minus_s, true);
	assert_oak_with_s(s_to_n, false);
	assert_oak_with_s(s_to_zero, false);
}

static void test_flipped_measurement_byte(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x90, 0x01, "tee_attestation.invalid_signature",
				     "does not sign");
	assert_oak_byte_change_fails(0x90 + 47, 0x40, "tee_attestation.invalid_signature",
				     NULL);
}

/* REPORTED_TCB bl 4 -> 5: the VCEK (bl 4) no longer belongs to the report,
 * and the message names both values. */
static void test_reported_tcb_changed(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x180, 0x01, "tee_attestation.tcb_mismatch",
				     "bootloader 5 != 4");
	assert_oak_byte_change_fails(0x180, 0x01, "tee_attestation.tcb_mismatch",
				     "{bl=5 tee=0 snp=24 ucode=219}");
	assert_oak_byte_change_fails(0x180, 0x01, "tee_attestation.tcb_mismatch",
				     "{bl=4 tee=0 snp=24 ucode=219}");
	/* The microcode byte (7) of the Milan layout: 219 ^ 2 = 217. */
	assert_oak_byte_change_fails(0x187, 0x02, "tee_attestation.tcb_mismatch",
				     "microcode 217 != 219");
}

/* A v3+ report must name a known product in its CPUID bytes. */
static void test_unknown_cpuid_is_product_mismatch(void **state)
{
	(void)state;
	assert_oak_byte_change_fails(0x189, 0x30, "tee_attestation.product_mismatch",
				     "0x31"); /* model 0x01 ^ 0x30 */
	assert_oak_byte_change_fails(0x188, 0x01, "tee_attestation.product_mismatch",
				     "0x18"); /* family 0x19 ^ 0x01 */
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
	struct loaded milan = load("milan-v3-oak", "vcek.der");
	struct loaded genoa = load("genoa-v5-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_one_failure(verify_with_cert(milan.report, milan.report_len, genoa.leaf,
					    genoa.leaf_len, genoa.at, &res, f),
			   f, VERDICT_FAIL, "tee_attestation.product_mismatch", "Genoa");
}

static void test_vlek_cert_for_vcek_report(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct loaded aws = load("milan-v3-vlek-aws", "vlek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_one_failure(verify_with_cert(oak.report, oak.report_len, aws.leaf, aws.leaf_len,
					    T_2025_06_01, &res, f),
			   f, VERDICT_FAIL, "tee_attestation.signing_key_mismatch", "VLEK");
}

static void test_vcek_cert_for_vlek_report(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct loaded aws = load("milan-v3-vlek-aws", "vlek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_one_failure(verify_with_cert(aws.report, aws.report_len, oak.leaf, oak.leaf_len,
					    T_2025_06_01, &res, f),
			   f, VERDICT_FAIL, "tee_attestation.signing_key_mismatch", "VCEK");
}

/* The real VCEK in a certs_buf (with the real ASK and ARK beside it) gives the
 * same verdict and claims as the same VCEK given as a file. */
static void test_certs_buf_with_real_vcek(void **state)
{
	static const char *const dirs[] = {"milan-v3-azure", "turin-v5-oak",
					   "milan-v2-trustee"};

	(void)state;
	for (size_t d = 0; d < 3; d++) {
		const char *product = strncmp(dirs[d], "turin", 5) == 0 ? "turin" : "milan";
		struct loaded l = load(dirs[d], "vcek.der");
		struct failures *f = new_failures();
		struct snp_result by_buf, by_file;
		char rel[64];
		size_t ask_len, ark_len, buf_len;
		uint8_t *ask, *ark, *buf;

		print_message("  %s\n", dirs[d]);
		snprintf(rel, sizeof(rel), "snp/amd/%s_ask.pem", product);
		ask = read_testdata(rel, &ask_len);
		snprintf(rel, sizeof(rel), "snp/amd/%s_ark.pem", product);
		ark = read_testdata(rel, &ark_len);
		{
			const struct forge_cert_entry entries[] = {
				{FORGE_CERT_VCEK, l.leaf, l.leaf_len},
				{FORGE_CERT_ASK, ask, ask_len},
				{FORGE_CERT_ARK, ark, ark_len},
			};
			buf = make_certs_buf(entries, 3, &buf_len);
		}
		assert_pass(verify_with_certs_buf(l.report, l.report_len, buf, buf_len, l.at,
						  &by_buf, f),
			    f);
		assert_string_equal(by_buf.vek_source, "certs-buf");
		assert_pass(verify_with_cert(l.report, l.report_len, l.leaf, l.leaf_len, l.at,
					     &by_file, f),
			    f);
		assert_string_equal(json_object_to_json_string(claims_of(&by_buf)),
				    json_object_to_json_string(claims_of(&by_file)));
	}
}

static void test_certs_buf_only_vlek_for_vcek_report(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct loaded aws = load("milan-v3-vlek-aws", "vlek.der");
	const struct forge_cert_entry entry = {FORGE_CERT_VLEK, aws.leaf, aws.leaf_len};
	struct failures *f = new_failures();
	struct snp_result res;
	size_t buf_len;
	uint8_t *buf = make_certs_buf(&entry, 1, &buf_len);

	(void)state;
	assert_one_failure(verify_with_certs_buf(oak.report, oak.report_len, buf, buf_len,
						 oak.at, &res, f),
			   f, VERDICT_FAIL, "tee_attestation.signing_key_mismatch",
			   "only holds a VLEK");
}

/* A malformed table is the caller's fault: BAD_INPUT, not FAIL. */
static void test_malformed_certs_buf_is_bad_input(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_result res;
	uint8_t buf[24 * 2]; /* two non-zero entries, no terminator */

	(void)state;
	memset(buf, 0x11, sizeof(buf));
	assert_one_failure(verify_with_certs_buf(oak.report, oak.report_len, buf, sizeof(buf),
						 oak.at, &res, f),
			   f, VERDICT_BAD_INPUT, "tee_attestation.invalid_input", "certs-buf");
}

static void test_wrong_report_length_is_bad_input(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_one_failure(verify_with_cert(oak.report, oak.report_len - 1, oak.leaf,
					    oak.leaf_len, oak.at, &res, f),
			   f, VERDICT_BAD_INPUT, "tee_attestation.invalid_input", "1183");
}

static void test_no_certificate_is_vcek_fetch(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_evidence e = {.report = oak.report, .report_len = oak.report_len};
	struct snp_result res;

	(void)state;
	/* The message names the chip (its CHIP_ID in hex) and the TCB to fetch. */
	assert_one_failure(snp_verify(new_verifier(NULL), &e, oak.at, &res, f), f,
			   VERDICT_FAIL, "tee_attestation.vcek_fetch", "a3fdc2c64dc299ab");
	assert_non_null(strstr(f->items[0].message, "bl=4 tee=0 snp=24 ucode=219"));
	assert_non_null(strstr(f->items[0].message, "vcek_offline_dir"));
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Puts vector's VCEK in an offline folder (Trustee's layout:
 * vcek/<hwid hex>/<file>) and verifies the report with no certificate in the
 * request: the folder supplies it. */
static void check_offline_vector(const char *vector, size_t hwid_len, const char *file)
{
	struct loaded l = load(vector, "vcek.der");
	const char *dir = new_temp_dir();
	struct snp_verifier_config cfg = {.vcek_offline_dir = dir};
	struct snp_evidence e = {.report = l.report, .report_len = l.report_len};
	struct failures *f = new_failures();
	struct snp_result res;
	char hwid[129], path[512];

	print_message("  %s: vcek/<hwid>/%s\n", vector, file);
	hex(l.report + 0x1A0, hwid_len, hwid);
	snprintf(path, sizeof(path), "%s/vcek", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vcek/%s", dir, hwid);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/vcek/%s/%s", dir, hwid, file);
	write_file(path, l.leaf, l.leaf_len);
	assert_pass(snp_verify(new_verifier_cfg(&cfg), &e, l.at, &res, f), f);
	assert_string_equal(res.vek_source, "offline folder");
}

static void test_offline_folder(void **state)
{
	(void)state;
	check_offline_vector("milan-v3-oak", 64, "bl04_tee00_snp24_ucode219_vcek.der");
	check_offline_vector("turin-v5-oak", 8, "bl01_tee00_snp02_ucode71_fmc00_vcek.der");
	check_offline_vector("genoa-v3-trustee-e2e", 64, "vcek.der");
	check_offline_vector("milan-v2-trustee", 64, "vcek.der"); /* v2: no CPUID */
}

/* A folder without this chip's certificate: vcek_fetch names the folder. */
static void test_offline_folder_without_the_chip(void **state)
{
	struct loaded l = load("milan-v3-oak", "vcek.der");
	struct snp_verifier_config cfg = {.vcek_offline_dir = new_temp_dir()};
	struct snp_evidence e = {.report = l.report, .report_len = l.report_len};
	struct failures *f = new_failures();
	struct snp_result res;

	(void)state;
	assert_one_failure(snp_verify(new_verifier_cfg(&cfg), &e, l.at, &res, f), f,
			   VERDICT_FAIL, "tee_attestation.vcek_fetch", "vcek_offline_dir");
}

/* A self-signed P-384 certificate has the right key type but no AMD
 * extensions and no AMD issuer: it must never pass. */
static void test_self_signed_p384_cert_refused(void **state)
{
	struct loaded oak = load("milan-v3-oak", "vcek.der");
	struct failures *f = new_failures();
	struct snp_result res;
	size_t fake_len;
	uint8_t *fake = read_testdata("keylime/golden/keys/fake-vcek.der", &fake_len);
	enum verdict_status status;

	(void)state;
	status = verify_with_cert(oak.report, oak.report_len, fake, fake_len, T_2025_06_01,
				  &res, f);
	assert_int_equal(status, VERDICT_FAIL);
	assert_int_equal(f->count, 1);
	if (strcmp(f->items[0].type, "tee_attestation.invalid_public_key") != 0 &&
	    strcmp(f->items[0].type, "tee_attestation.cert_chain") != 0)
		fail_msg("unexpected failure %s", describe(f));
}

/* ---- forged evidence ---- */

/* Fake AMD roots for Milan and Turin, made once (RSA key generation is the
 * slow part) and written to a mkdtemp folder used as amd_root_dir. */
struct forge_state {
	struct forge_chain milan, turin;
	char root_dir[64];
};

static int group_teardown(void **state)
{
	struct forge_state *s = *state;

	if (!s)
		return 0;
	if (s->root_dir[0])
		remove_dir(s->root_dir);
	forge_chain_free(&s->milan);
	forge_chain_free(&s->turin);
	free(s);
	return 0;
}

static int group_setup(void **state)
{
	struct forge_state *s = calloc(1, sizeof(*s));
	char dir[] = "/tmp/teev-snp-verify-XXXXXX";

	*state = s;
	if (!s)
		return -1;
	if (!mkdtemp(dir))
		return -1;
	snprintf(s->root_dir, sizeof(s->root_dir), "%s", dir);
	if (forge_chain_create(FORGE_MILAN, &s->milan) != 0 ||
	    forge_chain_create(FORGE_TURIN, &s->turin) != 0 ||
	    forge_chain_write(&s->milan, s->root_dir) != 0 ||
	    forge_chain_write(&s->turin, s->root_dir) != 0) {
		group_teardown(state);
		*state = NULL;
		return -1;
	}
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

static void free_platform(void *arg)
{
	struct platform *p = arg;

	EVP_PKEY_free(p->key);
	free(p->cert_der);
	free(p);
}

/* (Re)mints the certificate from cert_opts. */
static void platform_mint_cert(struct platform *p)
{
	X509 *cert = forge_vek_create(p->chain, p->key, &p->cert_opts);
	unsigned char *der = NULL;
	int len;

	assert_non_null(cert);
	len = i2d_X509(cert, &der);
	X509_free(cert);
	assert_true(len > 0);
	free(p->cert_der);
	p->cert_der = malloc((size_t)len);
	if (p->cert_der)
		memcpy(p->cert_der, der, (size_t)len);
	OPENSSL_free(der);
	assert_non_null(p->cert_der);
	p->cert_len = (size_t)len;
}

/* Lays out report_opts and signs the report with the platform key. */
static void platform_sign(struct platform *p)
{
	forge_report_build(p->report, &p->report_opts);
	assert_int_equal(forge_report_sign(p->report, p->key), 0);
}

/* A platform of the chain's product. VCEK: a chip id derived from seed and the
 * matching hwID (64 bytes, or 8 on Turin). VLEK: no chip id, a cspID. */
static struct platform *new_platform(const struct forge_chain *chain, bool vlek, uint8_t seed)
{
	size_t hwid_len = chain->product == FORGE_TURIN ? 8 : 64;
	struct platform *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	defer(free_platform, p);
	p->chain = chain;
	p->key = EVP_EC_gen("secp384r1");
	assert_non_null(p->key);
	forge_report_opts_default(&p->report_opts, chain->product);
	p->report_opts.vlek = vlek;
	for (size_t i = 0; i < sizeof(p->report_opts.measurement); i++)
		p->report_opts.measurement[i] = (uint8_t)(seed + i);
	if (vlek) {
		p->cert_opts.csp_id = "CN=test.example";
	} else {
		for (size_t i = 0; i < hwid_len; i++)
			p->hwid[i] = (uint8_t)(seed * 7 + i + 1);
		memcpy(p->report_opts.chip_id, p->hwid, hwid_len);
		p->cert_opts.hwid = p->hwid;
		p->cert_opts.hwid_len = hwid_len;
	}
	p->cert_opts.vlek = vlek;
	p->cert_opts.tcb = p->report_opts.reported_tcb;
	platform_mint_cert(p);
	platform_sign(p);
	return p;
}

/* Another report from the same platform (same key and certificate). */
static struct platform *platform_copy(const struct platform *from)
{
	struct platform *p = malloc(sizeof(*p));

	assert_non_null(p);
	*p = *from;
	p->cert_der = NULL;
	p->key = NULL;
	defer(free_platform, p);
	assert_int_equal(EVP_PKEY_up_ref(from->key), 1);
	p->key = from->key;
	p->cert_der = malloc(from->cert_len);
	assert_non_null(p->cert_der);
	memcpy(p->cert_der, from->cert_der, from->cert_len);
	if (from->cert_opts.hwid)
		p->cert_opts.hwid = p->hwid;
	return p;
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
 * coord_len bytes, checked against the nonce the verifier is given. */
static void check_freshness_case(const struct forge_state *s, size_t coord_len,
				 bool same_nonce)
{
	uint8_t x[66], y[66], nonce[32], other_nonce[32];
	struct platform *p = new_platform(&s->milan, false, 0x21);
	struct failures *f = new_failures();
	struct snp_evidence e = {0};
	struct snp_result res;
	enum verdict_status status;

	print_message("  %zu-byte coordinates, %s nonce\n", coord_len,
		      same_nonce ? "same" : "another");
	for (size_t i = 0; i < sizeof(x); i++) {
		x[i] = (uint8_t)(0x10 + i);
		y[i] = (uint8_t)(0x90 + i);
	}
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = other_nonce[i] = (uint8_t)(0xC0 ^ i);
	other_nonce[31] ^= 1;
	assert_int_equal(forge_report_data_bind(p->report_opts.report_data, x, coord_len, y,
						coord_len, nonce, sizeof(nonce)),
			 0);
	platform_sign(p);

	e.report = p->report;
	e.report_len = sizeof(p->report);
	e.vek_der = p->cert_der;
	e.vek_der_len = p->cert_len;
	e.check_freshness = true;
	e.nonce = same_nonce ? nonce : other_nonce;
	e.nonce_len = sizeof(nonce);
	e.pubkey_x = x;
	e.pubkey_x_len = coord_len;
	e.pubkey_y = y;
	e.pubkey_y_len = coord_len;

	status = snp_verify(new_verifier(s->root_dir), &e, time(NULL), &res, f);
	if (same_nonce)
		assert_pass(status, f);
	else
		assert_one_failure(status, f, VERDICT_FAIL,
				   "tee_attestation.freshness_hash_failed", "SHA-512");
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
	check_freshness_case(*state, 48, false);
}

/* Without freshness checking, REPORT_DATA is not judged. */
static void test_forged_without_freshness_passes(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->milan, false, 0x22);
	struct failures *f = new_failures();
	struct snp_result res;

	assert_pass(verify_platform(new_verifier(s->root_dir), p, &res, f), f);
	assert_int_equal(res.product, SNP_PRODUCT_MILAN);
	assert_string_equal(res.vek_source, "file");
}

/* Only AMD's ARK is trusted by default: a forged chain must not chain. */
static void test_forged_chain_with_embedded_roots(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->milan, false, 0x23);
	struct failures *f = new_failures();
	struct snp_result res;

	assert_one_failure(verify_platform(new_verifier(NULL), p, &res, f), f, VERDICT_FAIL,
			   "tee_attestation.cert_chain", "Milan");
}

static void test_forged_turin_with_fmc(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->turin, false, 0x24);
	struct failures *f = new_failures();
	struct snp_result res;
	struct json_object *c;

	p->report_opts.reported_tcb.fmc = 3;
	p->report_opts.reported_tcb.bootloader = 5;
	p->cert_opts.tcb = p->report_opts.reported_tcb;
	platform_mint_cert(p);
	platform_sign(p);
	assert_pass(verify_platform(new_verifier(s->root_dir), p, &res, f), f);
	assert_int_equal(res.product, SNP_PRODUCT_TURIN);
	c = claims_of(&res);
	assert_string_claim(c, "product", "Turin");
	assert_int_claim(c, "reported_tcb_fmc", 3);
	assert_int_claim(c, "reported_tcb_bootloader", 5);
	assert_int_claim(c, "reported_tcb_microcode", p->report_opts.reported_tcb.microcode);
}

static void test_forged_turin_fmc_spl_mismatch(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->turin, false, 0x25);
	struct failures *f = new_failures();
	struct snp_result res;

	p->report_opts.reported_tcb.fmc = 3;
	p->cert_opts.tcb = p->report_opts.reported_tcb;
	p->cert_opts.tcb.fmc = 4;
	platform_mint_cert(p);
	platform_sign(p);
	assert_one_failure(verify_platform(new_verifier(s->root_dir), p, &res, f), f,
			   VERDICT_FAIL, "tee_attestation.tcb_mismatch", "fmc 3 != 4");
}

/* SIGNING_KEY 7: no key signed the report. */
static void test_unsigned_report(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->milan, false, 0x26);
	struct failures *f = new_failures();
	struct snp_result res;

	forge_report_build(p->report, &p->report_opts); /* signature area zero */
	p->report[0x48] = 7 << 2;
	assert_one_failure(verify_platform(new_verifier(s->root_dir), p, &res, f), f,
			   VERDICT_FAIL, "tee_attestation.invalid_signature", "unsigned");
}

/* ---- the VCEK cache ---- */

static void test_cache_second_verification(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->milan, false, 0x31);
	struct snp_verifier *v = new_verifier(s->root_dir);
	struct failures *f = new_failures();
	struct snp_result res;

	assert_pass(verify_platform(v, p, &res, f), f);
	assert_string_equal(res.vek_source, "file");
	assert_pass(verify_platform(v, p, &res, f), f);
	assert_string_equal(res.vek_source, "cache");
	assert_int_equal(res.product, SNP_PRODUCT_MILAN);

	/* The cached key still checks the signature... */
	p->report[0x2A0] ^= 0x01;
	assert_one_failure(verify_platform(v, p, &res, f), f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", "from cache");
	assert_string_equal(res.vek_source, "cache");
	failures_clear(f);
	/* ...and so a changed measurement. */
	p->report[0x2A0] ^= 0x01;
	p->report[0x90] ^= 0x01;
	assert_one_failure(verify_platform(v, p, &res, f), f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", NULL);
}

/* The cache is keyed by (product, CHIP_ID, REPORTED_TCB): another TCB of the
 * same chip has another VCEK and must be proven from its own certificate. */
static void test_cache_is_per_tcb(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->milan, false, 0x32);
	struct snp_verifier *v = new_verifier(s->root_dir);
	struct failures *f = new_failures();
	struct snp_result res;

	assert_pass(verify_platform(v, p, &res, f), f);
	p->report_opts.reported_tcb.microcode++;
	platform_sign(p);
	/* Same key and certificate, new REPORTED_TCB: no cache hit, and the
	 * certificate no longer matches. */
	assert_one_failure(verify_platform(v, p, &res, f), f, VERDICT_FAIL,
			   "tee_attestation.tcb_mismatch", "microcode");
}

/* The cache entry for a platform says "AMD's chain proved this key belongs to
 * this chip at this TCB". A later request for the same chip and TCB is judged
 * with that proven key, whatever certificate it carries: a garbage VCEK in its
 * certs-buf is never parsed, and the request passes because the report's
 * signature verifies under the key AMD vouched for. That is sound: the
 * certificate only ever served to obtain that key, and no one can make a
 * report verify under it without the chip. */
static void test_cache_hit_ignores_garbage_certs_buf(void **state)
{
	const struct forge_state *s = *state;
	struct platform *p = new_platform(&s->milan, false, 0x33);
	struct snp_verifier *v = new_verifier(s->root_dir);
	struct failures *f = new_failures();
	struct snp_result res;
	uint8_t garbage[200];
	const struct forge_cert_entry entry = {FORGE_CERT_VCEK, garbage, sizeof(garbage)};
	struct snp_evidence e = {.report = p->report, .report_len = sizeof(p->report)};

	memset(garbage, 0x30, sizeof(garbage));
	e.certs_buf = make_certs_buf(&entry, 1, &e.certs_buf_len);

	/* Cold: the garbage certificate is parsed and refused. */
	assert_one_failure(snp_verify(v, &e, time(NULL), &res, f), f, VERDICT_FAIL,
			   "tee_attestation.invalid_public_key", "certs-buf");
	failures_clear(f);

	/* Warm: after a good request for this chip+TCB, the cached key decides. */
	assert_pass(verify_platform(v, p, &res, f), f);
	assert_pass(snp_verify(v, &e, time(NULL), &res, f), f);
	assert_string_equal(res.vek_source, "cache");

	/* And the cached key still refuses a report it did not sign. */
	p->report[0x2A0 + 10] ^= 0x04;
	assert_one_failure(snp_verify(v, &e, time(NULL), &res, f), f, VERDICT_FAIL,
			   "tee_attestation.invalid_signature", NULL);
}

/* Verifies request on a fresh verifier (cold) and on one that first verified
 * warm_up (warm, the certificate now cached); both must fail the same way. */
static void assert_same_failure_cold_and_warm(const struct forge_state *s,
					      const struct platform *warm_up,
					      const struct platform *request, const char *type)
{
	struct snp_verifier *cold = new_verifier(s->root_dir);
	struct snp_verifier *warm = new_verifier(s->root_dir);
	struct failures *f = new_failures();
	struct snp_result res;

	print_message("  cold verifier\n");
	assert_one_failure(verify_platform(cold, request, &res, f), f, VERDICT_FAIL, type,
			   NULL);
	failures_clear(f);
	print_message("  warm verifier (the certificate is cached)\n");
	assert_pass(verify_platform(warm, warm_up, &res, f), f);
	assert_one_failure(verify_platform(warm, request, &res, f), f, VERDICT_FAIL, type,
			   NULL);
}

/* VLEK certificates are cached by their bytes. A hit must not skip the rules
 * that bind the certificate to the report: a VLEK-signed report whose
 * REPORTED_TCB differs from the certificate's SPLs fails on a cold verifier
 * and must fail the same way once the certificate is cached. */
static void test_cert_cache_hit_still_checks_tcb(void **state)
{
	const struct forge_state *s = *state;
	struct platform *good = new_platform(&s->milan, true, 0x41);
	struct platform *other_tcb = platform_copy(good);

	other_tcb->report_opts.reported_tcb.microcode++;
	platform_sign(other_tcb);
	assert_same_failure_cold_and_warm(s, good, other_tcb, "tee_attestation.tcb_mismatch");
}

/* Same for the signer kind: a VCEK for a masked (all-zero) CHIP_ID is cached
 * by its bytes; a report that says VLEK but offers that VCEK is a mismatch,
 * cached or not. */
static void test_cert_cache_hit_still_checks_signing_key(void **state)
{
	const struct forge_state *s = *state;
	struct platform *masked = new_platform(&s->milan, false, 0x42);
	struct platform *says_vlek;

	memset(masked->report_opts.chip_id, 0, sizeof(masked->report_opts.chip_id));
	platform_sign(masked);
	says_vlek = platform_copy(masked);
	says_vlek->report_opts.vlek = true;
	platform_sign(says_vlek);
	assert_same_failure_cold_and_warm(s, masked, says_vlek,
					  "tee_attestation.signing_key_mismatch");
}

#define TEST(fn) cmocka_unit_test_teardown(fn, run_cleanups)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_real_vectors_pass_with_vek_der),
		TEST(test_real_vector_boolean_claims_are_canonical),
		TEST(test_vlek_vector_passes_in_validity),
		TEST(test_vlek_vector_expired_now),
		TEST(test_flipped_signature_byte),
		TEST(test_signature_high_s_and_out_of_range_s),
		TEST(test_flipped_measurement_byte),
		TEST(test_reported_tcb_changed),
		TEST(test_chip_id_changed),
		TEST(test_unknown_cpuid_is_product_mismatch),
		TEST(test_genoa_vcek_for_milan_report),
		TEST(test_vlek_cert_for_vcek_report),
		TEST(test_vcek_cert_for_vlek_report),
		TEST(test_certs_buf_with_real_vcek),
		TEST(test_certs_buf_only_vlek_for_vcek_report),
		TEST(test_malformed_certs_buf_is_bad_input),
		TEST(test_wrong_report_length_is_bad_input),
		TEST(test_no_certificate_is_vcek_fetch),
		TEST(test_offline_folder),
		TEST(test_offline_folder_without_the_chip),
		TEST(test_self_signed_p384_cert_refused),
		TEST(test_forged_freshness_p521_coordinates),
		TEST(test_forged_freshness_wrong_nonce),
		TEST(test_forged_freshness_p256_p384_coordinates),
		TEST(test_forged_without_freshness_passes),
		TEST(test_forged_chain_with_embedded_roots),
		TEST(test_forged_turin_with_fmc),
		TEST(test_forged_turin_fmc_spl_mismatch),
		TEST(test_unsigned_report),
		TEST(test_cache_second_verification),
		TEST(test_cache_is_per_tcb),
		TEST(test_cache_hit_ignores_garbage_certs_buf),
		TEST(test_cert_cache_hit_still_checks_tcb),
		TEST(test_cert_cache_hit_still_checks_signing_key),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
