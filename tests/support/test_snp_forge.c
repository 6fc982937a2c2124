/*
 * test_snp_forge.c: proves that what tests/support/snp_forge.c forges is what
 * a correct SEV-SNP verifier expects.
 *
 * Every check here uses OpenSSL (and json-c for the fixture's JSON) directly,
 * never teev's code, and the forged certificates are compared byte for byte
 * with real AMD ones from shared/testdata/snp (override the location with
 * TEEV_SNP_TESTDATA or SHARED_DIR; the default assumes the tests run from the
 * repo root with shared/ beside it). The signature helper is also run on the real
 * reports, so its R/S handling is anchored in real data, not in the forger.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "snp_forge.h"

#define AMD_ARC "1.3.6.1.4.1.3704.1."
#define SIG_OFF 0x2A0
#define SIG_PART ((size_t)72)
#define PATH_SIZE 4096

/* Chains made once per run: RSA key generation dominates the test time. */
struct forge_state {
	struct forge_chain chains[FORGE_PRODUCT_COUNT];
};

/* A real vector: report + leaf cert; used to anchor the forger to reality. */
struct real_vector {
	const char *dir;
	const char *leaf;
	enum forge_product product;
	bool vlek;
	const char *csp_id;
};

static const struct real_vector real_vectors[] = {
	{"milan-v2-trustee", "vcek.der", FORGE_MILAN, false, NULL},
	{"milan-v2-gosevguest", "vcek.der", FORGE_MILAN, false, NULL},
	{"milan-v2-virtee", "vcek.der", FORGE_MILAN, false, NULL},
	{"milan-v3-azure", "vcek.der", FORGE_MILAN, false, NULL},
	{"milan-v3-oak", "vcek.der", FORGE_MILAN, false, NULL},
	{"milan-v3-vlek-aws", "vlek.der", FORGE_MILAN, true, "CN=cc-us-east-2.amazonaws.com"},
	{"genoa-v3-trustee-e2e", "vcek.der", FORGE_GENOA, false, NULL},
	{"genoa-v5-oak", "vcek.der", FORGE_GENOA, false, NULL},
	{"turin-v5-oak", "vcek.der", FORGE_TURIN, false, NULL},
};

/*
 * <testdata>/<dir>/<name>, where <testdata> is TEEV_SNP_TESTDATA, else
 * $SHARED_DIR/testdata/snp (as `make check` sets it), else the default.
 */
static void testdata_path(char out[PATH_SIZE], const char *dir, const char *name)
{
	const char *d = getenv("TEEV_SNP_TESTDATA");
	const char *shared = getenv("SHARED_DIR");

	if (d && *d)
		snprintf(out, PATH_SIZE, "%s/%s/%s", d, dir, name);
	else if (shared && *shared)
		snprintf(out, PATH_SIZE, "%s/testdata/snp/%s/%s", shared, dir, name);
	else
		snprintf(out, PATH_SIZE, "../shared/testdata/snp/%s/%s", dir, name);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

/* Whole file, malloc'd; NULL if unreadable. */
static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *ret = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0)
		goto out;
	size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto out;
	*len = (size_t)size;
	ret = buf;
	buf = NULL;
out:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

/* DER or PEM certificate from a file. */
static X509 *load_cert(const char *path)
{
	size_t len = 0;
	uint8_t *buf = read_all(path, &len);
	const unsigned char *p = buf;
	X509 *x = NULL;
	BIO *bio = NULL;

	if (!buf)
		goto out;
	x = d2i_X509(NULL, &p, (long)len);
	if (x)
		goto out;
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
out:
	BIO_free(bio);
	free(buf);
	return x;
}

static X509 *load_testdata_cert(const char *dir, const char *name)
{
	char path[PATH_SIZE];

	testdata_path(path, dir, name);
	return load_cert(path);
}

static uint8_t *load_testdata_report(const char *dir)
{
	char path[PATH_SIZE];
	size_t len = 0;
	uint8_t *r;

	testdata_path(path, dir, "report.bin");
	r = read_all(path, &len);
	if (r && len != FORGE_REPORT_SIZE) {
		free(r);
		return NULL;
	}
	return r;
}

/*
 * The report check a verifier does, written from SNP.md 6 only: R and S are
 * 72-byte little-endian at 0x2A0 and 0x2E8; ECDSA P-384/SHA-384 over
 * [0, 0x2A0). Returns 1 valid, 0 invalid, -1 on error.
 */
static int verify_report_signature(const uint8_t *report, X509 *vek)
{
	EVP_PKEY *key = X509_get0_pubkey(vek);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_lebin2bn(report + SIG_OFF, SIG_PART, NULL);
	BIGNUM *s = BN_lebin2bn(report + SIG_OFF + SIG_PART, SIG_PART, NULL);
	unsigned char *der = NULL;
	int der_len, rc = -1;

	if (!key || !md || !sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
		goto out;
	r = NULL; /* owned by sig now */
	s = NULL;
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0 || EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, key) != 1)
		goto out;
	rc = EVP_DigestVerify(md, der, (size_t)der_len, report, SIG_OFF) == 1 ? 1 : 0;
out:
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

/* X509_verify_cert with only ark trusted; 1 if leaf chains through inter. */
static int verify_chain(X509 *ark, X509 *inter, X509 *leaf, bool check_time)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int rc = -1;

	if (!store || !ctx || !untrusted || X509_STORE_add_cert(store, ark) != 1 ||
	    !sk_X509_push(untrusted, inter))
		goto out;
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		goto out;
	if (!check_time)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	rc = X509_verify_cert(ctx) == 1 ? 1 : 0;
out:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

/* Value (the OCTET STRING contents) of AMD extension AMD_ARC<suffix>. */
static const ASN1_OCTET_STRING *amd_ext(X509 *x, const char *suffix)
{
	char want[64], have[64];

	snprintf(want, sizeof want, "%s%s", AMD_ARC, suffix);
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);

		OBJ_obj2txt(have, sizeof have, X509_EXTENSION_get_object(e), 1);
		if (strcmp(have, want) == 0)
			return X509_EXTENSION_get_data(e);
	}
	return NULL;
}

/* An SPL extension's INTEGER, decoded by OpenSSL; -1 if absent or malformed. */
static long amd_ext_int(X509 *x, const char *suffix)
{
	const ASN1_OCTET_STRING *os = amd_ext(x, suffix);
	const unsigned char *p;
	ASN1_INTEGER *i;
	long v;

	if (!os)
		return -1;
	p = ASN1_STRING_get0_data(os);
	i = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(os));
	if (!i)
		return -1;
	v = ASN1_INTEGER_get(i);
	ASN1_INTEGER_free(i);
	return v;
}

/* The TCB a real VCEK/VLEK was minted for, read from its SPL extensions. */
static struct forge_tcb tcb_from_cert(X509 *x, enum forge_product p)
{
	struct forge_tcb t = {
		.bootloader = (uint8_t)amd_ext_int(x, "3.1"),
		.tee = (uint8_t)amd_ext_int(x, "3.2"),
		.snp = (uint8_t)amd_ext_int(x, "3.3"),
		.microcode = (uint8_t)amd_ext_int(x, "3.8"),
	};

	if (p == FORGE_TURIN)
		t.fmc = (uint8_t)amd_ext_int(x, "3.9");
	return t;
}

static bool ext_equals(X509 *x, const char *suffix, const uint8_t *bytes, size_t len)
{
	const ASN1_OCTET_STRING *os = amd_ext(x, suffix);

	return os && (size_t)ASN1_STRING_length(os) == len &&
	       memcmp(ASN1_STRING_get0_data(os), bytes, len) == 0;
}

/* DER of an OpenSSL object through its i2d function, for byte comparisons. */
#define DER_EQUAL(i2d, a, b)                                                       \
	do {                                                                       \
		unsigned char *da_ = NULL, *db_ = NULL;                            \
		int la_ = i2d((a), &da_), lb_ = i2d((b), &db_);                    \
		assert_true(la_ > 0);                                              \
		assert_int_equal(la_, lb_);                                        \
		assert_memory_equal(da_, db_, (size_t)la_);                        \
		OPENSSL_free(da_);                                                 \
		OPENSSL_free(db_);                                                 \
	} while (0)

static int i2d_sigalg(const X509_ALGOR *a, unsigned char **out)
{
	return i2d_X509_ALGOR(a, out);
}

/* The outer signatureAlgorithm, which must repeat the TBS one. */
static const X509_ALGOR *fake_sigalg(const X509 *x)
{
	const X509_ALGOR *alg = NULL;

	X509_get0_signature(NULL, &alg, x);
	return alg;
}

static X509 *forge_vcek(const struct forge_chain *c, EVP_PKEY *key, bool vlek)
{
	static const uint8_t hwid[64] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct forge_vek_opts o = {.vlek = vlek, .tcb = forge_tcb_default(c->product)};

	if (vlek) {
		o.csp_id = "CN=test.example";
	} else {
		o.hwid = hwid;
		o.hwid_len = c->product == FORGE_TURIN ? 8 : 64;
	}
	return forge_vek_create(c, key, &o);
}

static int group_setup(void **state)
{
	struct forge_state *st = calloc(1, sizeof *st);

	if (!st)
		return -1;
	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		if (forge_chain_create((enum forge_product)p, &st->chains[p]) != 0) {
			for (int q = 0; q < p; q++)
				forge_chain_free(&st->chains[q]);
			free(st);
			return -1;
		}
	}
	*state = st;
	return 0;
}

static int group_teardown(void **state)
{
	struct forge_state *st = *state;

	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++)
		forge_chain_free(&st->chains[p]);
	free(st);
	return 0;
}

static void test_tcb_encode_turin(void **state)
{
	struct forge_tcb t = {.fmc = 0, .bootloader = 1, .tee = 0, .snp = 2, .microcode = 0x47};

	(void)state;
	assert_true(forge_tcb_encode(FORGE_TURIN, &t) == 0x4700000002000100ULL);
}

static void test_tcb_encode_milan_genoa(void **state)
{
	/* fmc must be ignored outside Turin. */
	struct forge_tcb t = {.fmc = 9, .bootloader = 4, .tee = 0, .snp = 0x18, .microcode = 0xDB};

	(void)state;
	assert_true(forge_tcb_encode(FORGE_MILAN, &t) == 0xDB18000000000004ULL);
	assert_true(forge_tcb_encode(FORGE_GENOA, &t) == 0xDB18000000000004ULL);
}

/* Real VCEK SPLs, encoded by the forger, must equal the real REPORTED_TCB. */
static void test_tcb_encode_matches_real_reports(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof real_vectors / sizeof real_vectors[0]; i++) {
		const struct real_vector *v = &real_vectors[i];
		X509 *leaf = load_testdata_cert(v->dir, v->leaf);
		uint8_t *report = load_testdata_report(v->dir);
		struct forge_tcb t;

		assert_non_null(leaf);
		assert_non_null(report);
		t = tcb_from_cert(leaf, v->product);
		assert_true(forge_tcb_encode(v->product, &t) == le64(report + 0x180));
		X509_free(leaf);
		free(report);
	}
}

static void test_chain_vcek_verifies(void **state)
{
	struct forge_state *st = *state;

	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		const struct forge_chain *c = &st->chains[p];
		EVP_PKEY *key = EVP_EC_gen("P-384");
		X509 *vcek = forge_vcek(c, key, false);

		assert_non_null(vcek);
		assert_int_equal(X509_verify(c->ark, X509_get0_pubkey(c->ark)), 1);
		assert_int_equal(X509_check_issued(c->ark, c->ark), X509_V_OK);
		assert_int_equal(verify_chain(c->ark, c->ask, vcek, true), 1);
		/* A chain that proves nothing must fail, or the check above is empty. */
		assert_int_equal(verify_chain(c->ark, c->asvk, vcek, true), 0);
		assert_int_equal(verify_chain(st->chains[(p + 1) % FORGE_PRODUCT_COUNT].ark,
					      c->ask, vcek, true),
				 0);
		X509_free(vcek);
		EVP_PKEY_free(key);
	}
}

static void test_chain_vlek_verifies(void **state)
{
	struct forge_state *st = *state;

	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		const struct forge_chain *c = &st->chains[p];
		EVP_PKEY *key = EVP_EC_gen("P-384");
		X509 *vlek = forge_vcek(c, key, true);

		assert_non_null(vlek);
		assert_int_equal(verify_chain(c->ark, c->asvk, vlek, true), 1);
		assert_int_equal(verify_chain(c->ark, c->ask, vlek, true), 0);
		X509_free(vlek);
		EVP_PKEY_free(key);
	}
}

/* Fake ASK/ASVK/ARK DNs and algorithms must be AMD's, byte for byte. */
static void test_chain_matches_real_roots(void **state)
{
	struct forge_state *st = *state;
	static const char *const names[] = {"milan", "genoa", "turin"};

	X509 *vcek = load_testdata_cert("milan-v3-oak", "vcek.der");

	assert_non_null(vcek);
	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		const struct forge_chain *c = &st->chains[p];
		X509 *real[3];
		X509 *fake[3] = {c->ark, c->ask, c->asvk};
		static const char *const roles[] = {"ark", "ask", "asvk"};

		for (int r = 0; r < 3; r++) {
			char file[64];

			snprintf(file, sizeof file, "%s_%s.pem", names[p], roles[r]);
			real[r] = load_testdata_cert("amd", file);
			assert_non_null(real[r]);
			DER_EQUAL(i2d_X509_NAME, X509_get_subject_name(real[r]),
				  X509_get_subject_name(fake[r]));
			DER_EQUAL(i2d_X509_NAME, X509_get_issuer_name(real[r]),
				  X509_get_issuer_name(fake[r]));
			/*
			 * AMD's roots spell out the default trailerField (a3 03 02 01 01),
			 * which OpenSSL never writes; its VCEKs leave it out. Compare with
			 * the VCEK's form: same hash, MGF1 hash and salt.
			 */
			DER_EQUAL(i2d_sigalg, X509_get0_tbs_sigalg(vcek), X509_get0_tbs_sigalg(fake[r]));
			DER_EQUAL(i2d_sigalg, X509_get0_tbs_sigalg(vcek), fake_sigalg(fake[r]));
			assert_int_equal(X509_get_version(fake[r]), X509_VERSION_3);
			assert_int_equal(X509_get_extension_flags(fake[r]) & EXFLAG_CA, EXFLAG_CA);
			assert_int_equal(X509_get_key_usage(fake[r]) & KU_KEY_CERT_SIGN,
					 KU_KEY_CERT_SIGN);
			assert_int_equal(X509_get_key_usage(real[r]), X509_get_key_usage(fake[r]));
			X509_free(real[r]);
		}
		assert_int_equal(X509_get_pathlen(c->ask), 0);
		assert_int_equal(X509_get_pathlen(c->asvk), 0);
	}
	X509_free(vcek);
}

/*
 * A VCEK/VLEK forged for the same TCB and hwID as a real one must have the
 * same DNs, algorithms and extensions, byte for byte, in the same order.
 */
static void test_vek_matches_real_certs(void **state)
{
	struct forge_state *st = *state;
	static const size_t samples[] = {4, 5, 7, 8}; /* milan-v3-oak, aws, genoa-v5, turin */

	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		const struct real_vector *v = &real_vectors[samples[i]];
		X509 *real = load_testdata_cert(v->dir, v->leaf);
		EVP_PKEY *key = EVP_EC_gen("P-384");
		const ASN1_OCTET_STRING *hwid;
		struct forge_vek_opts o = {.vlek = v->vlek, .csp_id = v->csp_id};
		X509 *fake;
		int days_real, days_fake, secs;

		assert_non_null(real);
		o.tcb = tcb_from_cert(real, v->product);
		hwid = amd_ext(real, "4");
		assert_true(v->vlek == (hwid == NULL));
		if (hwid) {
			o.hwid = ASN1_STRING_get0_data(hwid);
			o.hwid_len = (size_t)ASN1_STRING_length(hwid);
		}
		fake = forge_vek_create(&st->chains[v->product], key, &o);
		assert_non_null(fake);

		assert_int_equal(X509_get_version(fake), X509_VERSION_3);
		assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(fake)), 0);
		DER_EQUAL(i2d_X509_NAME, X509_get_subject_name(real), X509_get_subject_name(fake));
		DER_EQUAL(i2d_X509_NAME, X509_get_issuer_name(real), X509_get_issuer_name(fake));
		DER_EQUAL(i2d_sigalg, X509_get0_tbs_sigalg(real), X509_get0_tbs_sigalg(fake));
		assert_int_equal(X509_get_ext_count(real), X509_get_ext_count(fake));
		for (int e = 0; e < X509_get_ext_count(real); e++)
			DER_EQUAL(i2d_X509_EXTENSION, X509_get_ext(real, e), X509_get_ext(fake, e));

		/* Same lifetime give or take the leap days in between. */
		assert_int_equal(ASN1_TIME_diff(&days_real, &secs, X509_get0_notBefore(real),
						X509_get0_notAfter(real)),
				 1);
		assert_int_equal(ASN1_TIME_diff(&days_fake, &secs, X509_get0_notBefore(fake),
						X509_get0_notAfter(fake)),
				 1);
		assert_true(abs(days_real - days_fake) <= 1);
		X509_free(fake);
		X509_free(real);
		EVP_PKEY_free(key);
	}
}

/* The public key differs, so compare only the algorithm part of the SPKI. */
static int i2d_pubkey_alg(EVP_PKEY *k, unsigned char **out)
{
	X509_PUBKEY *pub = NULL;
	X509_ALGOR *alg = NULL;
	int len = -1;

	if (X509_PUBKEY_set(&pub, k) == 1 &&
	    X509_PUBKEY_get0_param(NULL, NULL, NULL, &alg, pub) == 1)
		len = i2d_X509_ALGOR(alg, out);
	X509_PUBKEY_free(pub);
	return len;
}

static void test_vek_key_algorithm(void **state)
{
	struct forge_state *st = *state;
	X509 *real = load_testdata_cert("milan-v3-oak", "vcek.der");
	EVP_PKEY *key = EVP_EC_gen("P-384");
	X509 *fake = forge_vcek(&st->chains[FORGE_MILAN], key, false);

	assert_non_null(real);
	assert_non_null(fake);
	DER_EQUAL(i2d_pubkey_alg, X509_get0_pubkey(real), X509_get0_pubkey(fake));
	X509_free(fake);
	X509_free(real);
	EVP_PKEY_free(key);
}

static void test_vek_spl_integer_bytes(void **state)
{
	struct forge_state *st = *state;
	static const uint8_t ucode_219[] = {0x02, 0x02, 0x00, 0xDB};
	static const uint8_t bl_127[] = {0x02, 0x01, 0x7F};
	static const uint8_t bl_128[] = {0x02, 0x02, 0x00, 0x80};
	static const uint8_t zero[] = {0x02, 0x01, 0x00};
	EVP_PKEY *key = EVP_EC_gen("P-384");
	struct forge_vek_opts o = {.tcb = {.bootloader = 127, .microcode = 219}};
	X509 *x = forge_vek_create(&st->chains[FORGE_MILAN], key, &o);

	assert_non_null(x);
	assert_true(ext_equals(x, "3.8", ucode_219, sizeof ucode_219));
	assert_true(ext_equals(x, "3.1", bl_127, sizeof bl_127));
	assert_true(ext_equals(x, "3.4", zero, sizeof zero));
	assert_null(amd_ext(x, "3.9"));
	X509_free(x);

	o.tcb.bootloader = 128;
	x = forge_vek_create(&st->chains[FORGE_TURIN], key, &o);
	assert_non_null(x);
	assert_true(ext_equals(x, "3.1", bl_128, sizeof bl_128));
	assert_true(ext_equals(x, "3.9", zero, sizeof zero));
	assert_null(amd_ext(x, "3.4"));
	X509_free(x);
	EVP_PKEY_free(key);
}

static void test_vek_hwid_and_cspid(void **state)
{
	struct forge_state *st = *state;
	uint8_t hwid[64], wrapped[66] = {0x04, 0x40};
	EVP_PKEY *key = EVP_EC_gen("P-384");
	struct forge_vek_opts o = {.hwid = hwid, .hwid_len = sizeof hwid};
	X509 *x;
	char oid[64];

	for (size_t i = 0; i < sizeof hwid; i++)
		hwid[i] = (uint8_t)(0xA0 + i);
	memcpy(wrapped + 2, hwid, sizeof hwid);

	x = forge_vek_create(&st->chains[FORGE_GENOA], key, &o);
	assert_non_null(x);
	assert_true(ext_equals(x, "4", hwid, sizeof hwid)); /* raw, as AMD does */
	assert_null(amd_ext(x, "5"));
	/* No standard extension at all: every one is under AMD's arc. */
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);

		OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(e), 1);
		assert_true(strncmp(oid, AMD_ARC, strlen(AMD_ARC)) == 0);
		assert_int_equal(X509_EXTENSION_get_critical(e), 0);
	}
	X509_free(x);

	o.hwid_der_wrapped = true;
	x = forge_vek_create(&st->chains[FORGE_GENOA], key, &o);
	assert_non_null(x);
	assert_true(ext_equals(x, "4", wrapped, sizeof wrapped));
	X509_free(x);

	o = (struct forge_vek_opts){.vlek = true, .csp_id = "CN=test.example"};
	x = forge_vek_create(&st->chains[FORGE_GENOA], key, &o);
	assert_non_null(x);
	assert_null(amd_ext(x, "4"));
	assert_true(ext_equals(x, "5", (const uint8_t *)"\x16\x0f" "CN=test.example", 17));
	assert_true(ext_equals(x, "2", (const uint8_t *)"\x16\x05" "Genoa", 7));
	X509_free(x);
	EVP_PKEY_free(key);
}

static void test_vek_validity(void **state)
{
	struct forge_state *st = *state;
	EVP_PKEY *key = EVP_EC_gen("P-384");
	struct forge_vek_opts o = {.tcb = forge_tcb_default(FORGE_MILAN)};
	time_t now = time(NULL);
	int days, secs;
	X509 *x = forge_vek_create(&st->chains[FORGE_MILAN], key, &o);

	assert_non_null(x);
	/* Default notBefore is a day back, so clock skew cannot make it "not yet valid". */
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), now - 86400 + 600), -1);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), now - 86400 - 600), 1);
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
					X509_get0_notAfter(x)),
			 1);
	assert_in_range(days, 7 * 365, 7 * 365 + 2);
	X509_free(x);

	o.vlek = true;
	x = forge_vek_create(&st->chains[FORGE_MILAN], key, &o);
	assert_non_null(x);
	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
					X509_get0_notAfter(x)),
			 1);
	assert_in_range(days, 365, 366);
	X509_free(x);

	/* Explicit times are taken as given, e.g. to forge an expired VCEK. */
	o.not_before = 1000000000;
	o.not_after = 1000086400;
	x = forge_vek_create(&st->chains[FORGE_MILAN], key, &o);
	assert_non_null(x);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), 1000000000), 0);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), 1000086400), 0);
	assert_int_equal(verify_chain(st->chains[FORGE_MILAN].ark, st->chains[FORGE_MILAN].asvk,
				      x, true),
			 0);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void fill(uint8_t *p, size_t len, uint8_t start)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(start + i);
}

static void test_report_layout(void **state)
{
	static const uint8_t cpuid[FORGE_PRODUCT_COUNT][3] = {
		{0x19, 0x01, 0x01}, {0x19, 0x11, 0x01}, {0x1A, 0x02, 0x01}};
	uint8_t r[FORGE_REPORT_SIZE];
	struct forge_report_opts o;

	(void)state;
	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		forge_report_opts_default(&o, (enum forge_product)p);
		o.version = 5;
		o.guest_svn = 0x1000B;
		o.policy = 0x3001F;
		o.vmpl = 2;
		o.platform_info = 0x25;
		o.vlek = true;
		o.current_tcb = (struct forge_tcb){1, 2, 3, 4, 5};
		o.reported_tcb = (struct forge_tcb){6, 7, 8, 9, 10};
		o.committed_tcb = (struct forge_tcb){11, 12, 13, 14, 15};
		o.launch_tcb = (struct forge_tcb){16, 17, 18, 19, 20};
		fill(o.report_data, 64, 0x10);
		fill(o.measurement, 48, 0x20);
		fill(o.host_data, 32, 0x30);
		fill(o.chip_id, 64, 0x40);
		fill(o.id_key_digest, 48, 0x50);
		fill(o.family_id, 16, 0x60);
		fill(o.image_id, 16, 0x70);
		fill(o.report_id, 32, 0x80);
		o.fw_major = 1;
		o.fw_minor = 55;
		o.fw_build = 61;
		o.launch_mit_vector = 0xB;
		o.current_mit_vector = 0x1;
		memset(r, 0xEE, sizeof r);
		forge_report_build(r, &o);

		assert_int_equal(le32(r + 0x000), 5);
		assert_int_equal(le32(r + 0x004), 0x1000B);
		assert_true(le64(r + 0x008) == 0x3001F);
		assert_memory_equal(r + 0x010, o.family_id, 16);
		assert_memory_equal(r + 0x020, o.image_id, 16);
		assert_int_equal(le32(r + 0x030), 2);
		assert_int_equal(le32(r + 0x034), 1);
		assert_true(le64(r + 0x038) == forge_tcb_encode(p, &o.current_tcb));
		assert_true(le64(r + 0x040) == 0x25);
		assert_int_equal(le32(r + 0x048), 1U << 2); /* SIGNING_KEY = VLEK */
		assert_int_equal(le32(r + 0x04C), 0);
		assert_memory_equal(r + 0x050, o.report_data, 64);
		assert_memory_equal(r + 0x090, o.measurement, 48);
		assert_memory_equal(r + 0x0C0, o.host_data, 32);
		assert_memory_equal(r + 0x0E0, o.id_key_digest, 48);
		assert_true(all_bytes(r + 0x110, 48, 0)); /* author key digest */
		assert_memory_equal(r + 0x140, o.report_id, 32);
		assert_true(all_bytes(r + 0x160, 32, 0xFF));
		assert_true(le64(r + 0x180) == forge_tcb_encode(p, &o.reported_tcb));
		assert_memory_equal(r + 0x188, cpuid[p], 3);
		assert_true(all_bytes(r + 0x18B, 0x1A0 - 0x18B, 0));
		assert_memory_equal(r + 0x1A0, o.chip_id, 64);
		assert_true(le64(r + 0x1E0) == forge_tcb_encode(p, &o.committed_tcb));
		assert_memory_equal(r + 0x1E8, "\x3d\x37\x01\x00\x3d\x37\x01\x00", 8);
		assert_true(le64(r + 0x1F0) == forge_tcb_encode(p, &o.launch_tcb));
		assert_true(le64(r + 0x1F8) == 0xB);
		assert_true(le64(r + 0x200) == 0x1);
		assert_true(all_bytes(r + 0x208, FORGE_REPORT_SIZE - 0x208, 0));

		/* v2 has no CPUID bytes and v3 no mitigation vectors. */
		o.version = 2;
		forge_report_build(r, &o);
		assert_true(all_bytes(r + 0x188, 0x1A0 - 0x188, 0));
		o.version = 3;
		o.vlek = false;
		forge_report_build(r, &o);
		assert_memory_equal(r + 0x188, cpuid[p], 3);
		assert_true(all_bytes(r + 0x1F8, 16, 0));
		assert_int_equal(le32(r + 0x048), 0);
	}
}

static void test_report_signature_roundtrip(void **state)
{
	struct forge_state *st = *state;

	for (int p = 0; p < FORGE_PRODUCT_COUNT; p++) {
		EVP_PKEY *key = EVP_EC_gen("P-384");
		X509 *vcek = forge_vcek(&st->chains[p], key, false);
		struct forge_report_opts o;
		uint8_t r[FORGE_REPORT_SIZE], bad[FORGE_REPORT_SIZE];

		assert_non_null(vcek);
		forge_report_opts_default(&o, (enum forge_product)p);
		fill(o.measurement, 48, 7);
		forge_report_build(r, &o);
		memset(r + SIG_OFF, 0xAA, FORGE_REPORT_SIZE - SIG_OFF); /* sign must clear it */
		assert_int_equal(forge_report_sign(r, key), 0);
		assert_int_equal(verify_report_signature(r, vcek), 1);
		/* R and S are 48 significant bytes zero-extended; the tail is MBZ. */
		assert_true(all_bytes(r + SIG_OFF + 48, SIG_PART - 48, 0));
		assert_true(all_bytes(r + SIG_OFF + SIG_PART + 48, SIG_PART - 48, 0));
		assert_true(all_bytes(r + SIG_OFF + 2 * SIG_PART,
				      FORGE_REPORT_SIZE - SIG_OFF - 2 * SIG_PART, 0));

		memcpy(bad, r, sizeof bad);
		bad[0x90] ^= 1;
		assert_int_equal(verify_report_signature(bad, vcek), 0);
		memcpy(bad, r, sizeof bad);
		bad[SIG_OFF] ^= 1;
		assert_int_equal(verify_report_signature(bad, vcek), 0);
		X509_free(vcek);
		EVP_PKEY_free(key);
	}
}

static void test_report_sign_rejects_wrong_key(void **state)
{
	EVP_PKEY *p256 = EVP_EC_gen("P-256");
	uint8_t r[FORGE_REPORT_SIZE] = {0};

	(void)state;
	assert_non_null(p256);
	assert_int_equal(forge_report_sign(r, p256), -1);
	assert_int_equal(forge_report_sign(r, NULL), -1);
	EVP_PKEY_free(p256);
}

static void test_report_data_bind(void **state)
{
	uint8_t x[66], y[66], nonce[32], all[164], want[64], got[64];

	(void)state;
	fill(x, sizeof x, 1);
	fill(y, sizeof y, 100);
	fill(nonce, sizeof nonce, 200);
	memcpy(all, x, 66);
	memcpy(all + 66, y, 66);
	memcpy(all + 132, nonce, 32);
	assert_int_equal(EVP_Digest(all, sizeof all, want, NULL, EVP_sha512(), NULL), 1);
	assert_int_equal(forge_report_data_bind(got, x, 66, y, 66, nonce, 32), 0);
	assert_memory_equal(got, want, 64);
}

static void test_certs_buf_roundtrip(void **state)
{
	static const uint8_t guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
					      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
	static const uint8_t guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
					     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
	static const uint8_t guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
					     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
	static const uint8_t guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
					      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
	const uint8_t *guids[] = {guid_vcek, guid_ask, guid_ark};
	uint8_t a[100], b[37], c[5], buf[512];
	const struct forge_cert_entry e[] = {
		{FORGE_CERT_VCEK, a, sizeof a},
		{FORGE_CERT_ASK, b, sizeof b},
		{FORGE_CERT_ARK, c, sizeof c},
	};
	const uint8_t *blobs[] = {a, b, c};
	const struct forge_cert_entry bad = {(enum forge_cert_kind)99, a, 1};
	size_t table = 4 * (size_t)24, total = table + sizeof a + sizeof b + sizeof c;

	(void)state;
	fill(a, sizeof a, 1);
	fill(b, sizeof b, 2);
	fill(c, sizeof c, 3);
	assert_int_equal(forge_certs_buf(NULL, 0, e, 3), total);
	memset(buf, 0xCC, sizeof buf);
	assert_int_equal(forge_certs_buf(buf, total - 1, e, 3), total);
	assert_true(all_bytes(buf, sizeof buf, 0xCC)); /* too small: nothing written */
	assert_int_equal(forge_certs_buf(buf, sizeof buf, e, 3), total);

	/* Parse it back the way a verifier would. */
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *ent = buf + i * 24;
		uint32_t off = le32(ent + 16), len = le32(ent + 20);

		assert_memory_equal(ent, guids[i], 16);
		assert_true(off >= table);
		assert_true((size_t)off + len <= total);
		assert_memory_equal(buf + off, blobs[i], len);
	}
	assert_true(all_bytes(buf + table - 24, 24, 0)); /* the terminator */
	assert_memory_equal(forge_cert_guid(FORGE_CERT_VLEK), guid_vlek, 16);
	assert_null(forge_cert_guid((enum forge_cert_kind)99));
	assert_int_equal(forge_certs_buf(buf, sizeof buf, &bad, 1), 0);
	assert_int_equal(forge_certs_buf(buf, sizeof buf, NULL, 0), 24);
}

/* The helper must accept real AMD-signed data, or the round trip proves nothing. */
static void test_real_turin_vector_verifies(void **state)
{
	X509 *vcek = load_testdata_cert("turin-v5-oak", "vcek.der");
	X509 *ark = load_testdata_cert("amd", "turin_ark.pem");
	X509 *ask = load_testdata_cert("amd", "turin_ask.pem");
	uint8_t *r = load_testdata_report("turin-v5-oak");

	(void)state;
	assert_non_null(vcek);
	assert_non_null(ark);
	assert_non_null(ask);
	assert_non_null(r);
	assert_int_equal(verify_report_signature(r, vcek), 1);
	r[0x50] ^= 1;
	assert_int_equal(verify_report_signature(r, vcek), 0);
	assert_int_equal(verify_chain(ark, ask, vcek, false), 1);
	free(r);
	X509_free(ask);
	X509_free(ark);
	X509_free(vcek);
}

static void test_real_vectors_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof real_vectors / sizeof real_vectors[0]; i++) {
		const struct real_vector *v = &real_vectors[i];
		X509 *leaf = load_testdata_cert(v->dir, v->leaf);
		uint8_t *r = load_testdata_report(v->dir);

		assert_non_null(leaf);
		assert_non_null(r);
		assert_int_equal(verify_report_signature(r, leaf), 1);
		assert_int_equal((le32(r + 0x48) >> 2) & 7, v->vlek ? 1 : 0);
		free(r);
		X509_free(leaf);
	}
}

/* ---- fixture written by forge_fixture_write (what `snp-forge fixture` does) ---- */

static int remove_tree(const char *path)
{
	struct stat sb;
	DIR *d = NULL;
	struct dirent *de;
	char child[PATH_SIZE];
	int rc = -1;

	if (lstat(path, &sb) != 0)
		goto out;
	if (!S_ISDIR(sb.st_mode)) {
		rc = unlink(path);
		goto out;
	}
	d = opendir(path);
	if (!d)
		goto out;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof child, "%s/%s", path, de->d_name);
		if (remove_tree(child) != 0)
			goto out;
	}
	rc = rmdir(path);
out:
	if (d)
		closedir(d);
	return rc;
}

/* Strict base64 (std, or url without padding when url); malloc'd. */
static uint8_t *b64_decode(const char *in, bool url, size_t *len)
{
	size_t n = in ? strlen(in) : 0, padded = url ? (n + 3) / 4 * 4 : n, pad = 0;
	char *std = calloc(padded + 1, 1);
	uint8_t *out = NULL, *ret = NULL;
	int got;

	if (!in || !std || padded % 4 != 0)
		goto out;
	memcpy(std, in, n);
	for (size_t i = 0; url && i < padded; i++) {
		if (i >= n)
			std[i] = '=';
		else if (std[i] == '-')
			std[i] = '+';
		else if (std[i] == '_')
			std[i] = '/';
		else if (std[i] == '+' || std[i] == '/' || std[i] == '=')
			goto out; /* not base64url-no-pad */
	}
	/* EVP_DecodeBlock counts padding as zero bytes; take them off again. */
	while (pad < 2 && padded > pad && std[padded - 1 - pad] == '=')
		pad++;
	out = malloc(padded / 4 * 3 + 1);
	if (!out)
		goto out;
	got = EVP_DecodeBlock(out, (const unsigned char *)std, (int)padded);
	if (got < 0 || (size_t)got < pad)
		goto out;
	*len = (size_t)got - pad;
	ret = out;
	out = NULL;
out:
	free(out);
	free(std);
	return ret;
}

static const char *json_str(json_object *root, const char *const *keys, size_t n)
{
	json_object *o = root;

	for (size_t i = 0; i < n; i++) {
		if (!json_object_object_get_ex(o, keys[i], &o))
			return NULL;
	}
	return json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static void check_fixture_dir(const char *fx, const char *sub, enum forge_product p, bool vlek)
{
	static const char *const names[] = {"milan", "genoa", "turin"};
	static const char *const k_report[] = {"data", "tee-evidence", "evidence", "snp-report"};
	static const char *const k_certs[] = {"data", "tee-evidence", "evidence", "certs-buf"};
	static const char *const k_tee[] = {"data", "tee-evidence", "tee"};
	static const char *const k_type[] = {"type"};
	static const char *const k_nonce[] = {"data", "nonce"};
	static const char *const k_x[] = {"data", "tee-pubkey-x-b64"};
	static const char *const k_y[] = {"data", "tee-pubkey-y-b64"};
	char path[PATH_SIZE];
	json_object *req, *nocerts, *cb_null = NULL;
	uint8_t *report, *file_report, *certs, *x, *y, *nonce, *leaf_file, pt[133];
	uint8_t all[164], want[64];
	struct forge_tcb t;
	size_t report_len = 0, file_len = 0, certs_len = 0, xl = 0, yl = 0, nl = 0, leaf_len = 0;
	X509 *ark, *inter, *leaf;
	const unsigned char *dp;
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_secp521r1);
	EC_POINT *point = EC_POINT_new(group);

	snprintf(path, sizeof path, "%s/%s/request.json", fx, sub);
	req = json_object_from_file(path);
	snprintf(path, sizeof path, "%s/%s/request-nocerts.json", fx, sub);
	nocerts = json_object_from_file(path);
	assert_non_null(req);
	assert_non_null(nocerts);
	assert_string_equal(json_str(req, k_type, 1), "tee");
	assert_string_equal(json_str(req, k_tee, 3), "snp");

	report = b64_decode(json_str(req, k_report, 4), false, &report_len);
	certs = b64_decode(json_str(req, k_certs, 4), false, &certs_len);
	nonce = b64_decode(json_str(req, k_nonce, 2), false, &nl);
	x = b64_decode(json_str(req, k_x, 2), true, &xl);
	y = b64_decode(json_str(req, k_y, 2), true, &yl);
	assert_non_null(report);
	assert_non_null(certs);
	assert_non_null(nonce);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(report_len, FORGE_REPORT_SIZE);
	assert_int_equal(nl, 32);
	assert_int_equal(xl, 66);
	assert_int_equal(yl, 66);

	/* request-nocerts.json: same request, certs-buf null. */
	assert_string_equal(json_str(nocerts, k_report, 4), json_str(req, k_report, 4));
	assert_string_equal(json_str(nocerts, k_nonce, 2), json_str(req, k_nonce, 2));
	assert_string_equal(json_str(nocerts, k_x, 2), json_str(req, k_x, 2));
	assert_string_equal(json_str(nocerts, k_y, 2), json_str(req, k_y, 2));
	assert_true(json_object_object_get_ex(
		json_object_object_get(json_object_object_get(
					       json_object_object_get(nocerts, "data"), "tee-evidence"),
				       "evidence"),
		"certs-buf", &cb_null));
	assert_null(cb_null);

	snprintf(path, sizeof path, "%s/%s/report.bin", fx, sub);
	file_report = read_all(path, &file_len);
	assert_non_null(file_report);
	assert_int_equal(file_len, FORGE_REPORT_SIZE);
	assert_memory_equal(file_report, report, FORGE_REPORT_SIZE);

	/* x, y: a real P-521 point; REPORT_DATA binds them and the nonce. */
	pt[0] = 0x04;
	memcpy(pt + 1, x, 66);
	memcpy(pt + 67, y, 66);
	assert_int_equal(EC_POINT_oct2point(group, point, pt, sizeof pt, NULL), 1);
	memcpy(all, x, 66);
	memcpy(all + 66, y, 66);
	memcpy(all + 132, nonce, 32);
	assert_int_equal(EVP_Digest(all, sizeof all, want, NULL, EVP_sha512(), NULL), 1);
	assert_memory_equal(report + 0x50, want, 64);

	/* certs_buf: one entry with the leaf, then the terminator. */
	assert_true(certs_len > 48);
	assert_memory_equal(certs, forge_cert_guid(vlek ? FORGE_CERT_VLEK : FORGE_CERT_VCEK), 16);
	assert_int_equal(le32(certs + 16), 48);
	assert_int_equal(le32(certs + 20), certs_len - 48);
	assert_true(all_bytes(certs + 24, 24, 0));
	snprintf(path, sizeof path, "%s/%s/%s", fx, sub, vlek ? "vlek.der" : "vcek.der");
	leaf_file = read_all(path, &leaf_len);
	assert_non_null(leaf_file);
	assert_int_equal(leaf_len, certs_len - 48);
	assert_memory_equal(leaf_file, certs + 48, leaf_len);
	dp = certs + 48;
	leaf = d2i_X509(NULL, &dp, (long)leaf_len);
	assert_non_null(leaf);

	/* Chain from the fake roots written to amd/, signature, report fields. */
	snprintf(path, sizeof path, "%s/amd/%s_ark.pem", fx, names[p]);
	ark = load_cert(path);
	snprintf(path, sizeof path, "%s/amd/%s_%s.pem", fx, names[p], vlek ? "asvk" : "ask");
	inter = load_cert(path);
	assert_non_null(ark);
	assert_non_null(inter);
	assert_int_equal(verify_chain(ark, inter, leaf, true), 1);
	assert_int_equal(verify_report_signature(report, leaf), 1);
	assert_int_equal(le32(report), p == FORGE_TURIN ? 5 : 3);
	assert_int_equal(le32(report + 0x30), 0);
	assert_true(le64(report + 0x08) == 0x30000);
	assert_int_equal((le32(report + 0x48) >> 2) & 7, vlek ? 1 : 0);
	t = tcb_from_cert(leaf, p);
	assert_true(forge_tcb_encode(p, &t) == le64(report + 0x180));
	if (vlek) {
		assert_true(all_bytes(report + 0x1A0, 64, 0));
		assert_null(amd_ext(leaf, "4"));
		assert_true(ext_equals(leaf, "5", (const uint8_t *)"\x16\x0f" "CN=test.example", 17));
	} else {
		size_t hw = p == FORGE_TURIN ? 8 : 64;

		assert_true(ext_equals(leaf, "4", report + 0x1A0, hw));
		assert_true(all_bytes(report + 0x1A0 + hw, 64 - hw, 0));
		assert_false(all_bytes(report + 0x1A0, hw, 0));
		assert_null(amd_ext(leaf, "5"));
	}

	X509_free(leaf);
	X509_free(inter);
	X509_free(ark);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	free(leaf_file);
	free(file_report);
	free(report);
	free(certs);
	free(nonce);
	free(x);
	free(y);
	json_object_put(nocerts);
	json_object_put(req);
}

/* A fresh temporary directory; teardown removes it even when a check fails. */
static int fixture_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char *fx = malloc(1024); /* short enough for fx/amd/... to fit PATH_SIZE */

	if (!fx)
		return -1;
	snprintf(fx, 1024, "%s/snp-forge-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	char *fx = *state;
	int rc = remove_tree(fx);

	free(fx);
	return rc;
}

static void test_fixture_is_consistent(void **state)
{
	const char *fx = *state;
	char path[PATH_SIZE];
	struct stat sb;

	assert_int_equal(forge_fixture_write(fx), 0);
	check_fixture_dir(fx, "milan", FORGE_MILAN, false);
	check_fixture_dir(fx, "genoa", FORGE_GENOA, false);
	check_fixture_dir(fx, "turin", FORGE_TURIN, false);
	check_fixture_dir(fx, "milan-vlek", FORGE_MILAN, true);
	snprintf(path, sizeof path, "%s/README.txt", fx);
	assert_int_equal(stat(path, &sb), 0);
	snprintf(path, sizeof path, "%s/amd/genoa_asvk.pem", fx);
	assert_int_equal(stat(path, &sb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcb_encode_turin),
		cmocka_unit_test(test_tcb_encode_milan_genoa),
		cmocka_unit_test(test_tcb_encode_matches_real_reports),
		cmocka_unit_test(test_chain_vcek_verifies),
		cmocka_unit_test(test_chain_vlek_verifies),
		cmocka_unit_test(test_chain_matches_real_roots),
		cmocka_unit_test(test_vek_matches_real_certs),
		cmocka_unit_test(test_vek_key_algorithm),
		cmocka_unit_test(test_vek_spl_integer_bytes),
		cmocka_unit_test(test_vek_hwid_and_cspid),
		cmocka_unit_test(test_vek_validity),
		cmocka_unit_test(test_report_layout),
		cmocka_unit_test(test_report_signature_roundtrip),
		cmocka_unit_test(test_report_sign_rejects_wrong_key),
		cmocka_unit_test(test_report_data_bind),
		cmocka_unit_test(test_certs_buf_roundtrip),
		cmocka_unit_test(test_real_turin_vector_verifies),
		cmocka_unit_test(test_real_vectors_verify),
		cmocka_unit_test_setup_teardown(test_fixture_is_consistent, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
