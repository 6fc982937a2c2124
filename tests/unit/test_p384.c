/* test_p384.c - unit tests for verifier/p384.c: ECDSA P-384 through nettle and
 * through OpenSSL, which must give the same answer to every input.
 *
 * Every check goes through agree(): both implementations on the same (key,
 * digest, r, s), the test fails when they differ, and p384_verify (what a
 * verdict uses) must say the same. Inputs:
 *  - every real report under $SHARED_DIR/testdata/snp with its VCEK/VLEK, as
 *    signed, and changed: r or s zero, n, above n, 2^384 - 1, high s (n - s,
 *    valid), swapped, off by one, wrong lengths, another vector's key;
 *  - reports forged with fresh keys by tests/support/snp_forge.h;
 *  - keys nettle or OpenSSL must refuse (off the curve, at infinity, other
 *    curves and kinds);
 *  - the sums u1*G + u2*Q that are special (zero digest, equal points, the
 *    point at infinity), made with a private key this test holds.
 * In an OpenSSL-only build (make P384=openssl) the same expectations hold for
 * OpenSSL alone.
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

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "tests/support/snp_forge.h"
#include "tests/support/test_cleanup.h"
#include "verifier/p384.h" /* first: it says whether nettle is built in */

#if TEEV_P384_NETTLE
#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#endif

#define SIG_R_OFFSET 0x2A0
#define SIG_S_OFFSET 0x2E8
#define SIG_FIELD_SIZE 72
#define REPORT_SIZE 1184
#define MAX_VECTORS 32

/* ---- helpers ---- */

static void free_key(void *k)
{
	p384_key_free(k);
}

static void free_evp(void *k)
{
	EVP_PKEY_free(k);
}

static void free_bn(void *b)
{
	BN_free(b);
}

/* A p384_key owned by the test; fails when it does not load. */
static struct p384_key *owned_key(EVP_PKEY *evp)
{
	struct p384_key *k = p384_key_new(evp);

	if (!k)
		fail_msg("p384_key_new refused a P-384 key");
	return defer(free_key, k);
}

static EVP_PKEY *new_p384_evp(void)
{
	EVP_PKEY *evp = EVP_EC_gen("P-384");

	assert_non_null(evp);
	return defer(free_evp, evp);
}

static BIGNUM *owned_bn(void)
{
	BIGNUM *b = BN_new();

	assert_non_null(b);
	return defer(free_bn, b);
}

/* The group order n of P-384, from OpenSSL (owned by the test). */
static const BIGNUM *order(void)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	BIGNUM *n;

	assert_non_null(g);
	n = BN_dup(EC_GROUP_get0_order(g));
	EC_GROUP_free(g);
	assert_non_null(n);
	return defer(free_bn, n);
}

static void to_bytes(const BIGNUM *b, uint8_t out[P384_SCALAR_SIZE])
{
	assert_int_equal(BN_bn2binpad(b, out, P384_SCALAR_SIZE), P384_SCALAR_SIZE);
}

static BIGNUM *from_bytes(const uint8_t *p, size_t len)
{
	BIGNUM *b = owned_bn();

	assert_non_null(BN_bin2bn(p, (int)len, b));
	return b;
}

/*
 * Both implementations' answer (1 valid, 0 not) to one input; fails the test
 * when they differ, and when p384_verify (48-byte inputs only) says otherwise.
 */
static int agree(const struct p384_key *k, const uint8_t *digest, size_t digest_len,
		 const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len, const char *what)
{
	int openssl = p384_verify_openssl(k, digest, digest_len, r, r_len, s, s_len);

#if TEEV_P384_NETTLE
	int nettle = p384_verify_nettle(k, digest, digest_len, r, r_len, s, s_len);
	if (nettle != openssl)
		fail_msg("%s: nettle says %d, OpenSSL %d", what, nettle, openssl);
#endif
	if (digest_len == P384_DIGEST_SIZE && r_len == P384_SCALAR_SIZE &&
	    s_len == P384_SCALAR_SIZE && (p384_verify(k, digest, r, s) == 0) != (openssl == 1))
		fail_msg("%s: p384_verify says %s, OpenSSL %d", what,
			 openssl ? "invalid" : "valid", openssl);
	return openssl;
}

static void expect(int want, const struct p384_key *k, const uint8_t *digest,
		   size_t digest_len, const uint8_t *r, size_t r_len, const uint8_t *s,
		   size_t s_len, const char *what)
{
	int got = agree(k, digest, digest_len, r, r_len, s, s_len, what);

	if (got != want)
		fail_msg("%s: both say %s, expected %s", what, got ? "valid" : "invalid",
			 want ? "valid" : "invalid");
}

/* A signature over a digest, as the report holds it (big-endian here). */
struct signed_digest {
	const char *name;
	struct p384_key *key;
	uint8_t digest[P384_DIGEST_SIZE];
	uint8_t r[P384_SCALAR_SIZE], s[P384_SCALAR_SIZE];
};

/* SHA-384 of [0, 0x2A0) and r, s from their 72-byte little-endian fields. */
static void from_report(const uint8_t report[REPORT_SIZE], struct signed_digest *sd)
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(report, 0x2A0, sd->digest, &len, EVP_sha384(), NULL), 1);
	assert_int_equal(len, P384_DIGEST_SIZE);
	for (size_t i = 0; i < P384_SCALAR_SIZE; i++) {
		sd->r[i] = report[SIG_R_OFFSET + P384_SCALAR_SIZE - 1 - i];
		sd->s[i] = report[SIG_S_OFFSET + P384_SCALAR_SIZE - 1 - i];
	}
	for (size_t i = P384_SCALAR_SIZE; i < SIG_FIELD_SIZE; i++)
		assert_true(report[SIG_R_OFFSET + i] == 0 && report[SIG_S_OFFSET + i] == 0);
}

/* <shared>/testdata/snp/<dir>/<name>, or NULL when it does not exist. */
static uint8_t *read_snp_file(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	long size = -1;
	uint8_t *buf = NULL;

	snprintf(path, sizeof(path), "%s/testdata/snp/%s/%s", shared_dir(), dir, name);
	fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0)
		size = ftell(fp);
	if (size > 0 && size < (1 << 20)) {
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

static struct p384_key *key_of_certificate(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *cert = d2i_X509(NULL, &p, (long)len);
	struct p384_key *k;

	assert_non_null(cert);
	k = p384_key_new(X509_get0_pubkey(cert)); /* holds its own reference */
	X509_free(cert);
	if (!k)
		fail_msg("p384_key_new refused a VCEK/VLEK key");
	return defer(free_key, k);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct signed_digest *)a)->name,
		      ((const struct signed_digest *)b)->name);
}

/* Every vector folder with a report.bin and its vcek.der or vlek.der, plus the
 * report inside Azure's HCL report; sorted by name. */
static size_t load_vectors(struct signed_digest out[MAX_VECTORS])
{
	char root[1024];
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	snprintf(root, sizeof(root), "%s/testdata/snp", shared_dir());
	d = opendir(root);
	if (!d)
		fail_msg("cannot open %s (set SHARED_DIR)", root);
	while ((e = readdir(d)) != NULL && n < MAX_VECTORS - 1) {
		size_t report_len = 0, hcl_len = 0, cert_len = 0;
		uint8_t *report, *hcl, *cert;
		struct p384_key *key;

		if (e->d_name[0] == '.')
			continue;
		report = read_snp_file(e->d_name, "report.bin", &report_len);
		cert = read_snp_file(e->d_name, "vcek.der", &cert_len);
		if (!cert)
			cert = read_snp_file(e->d_name, "vlek.der", &cert_len);
		if (!report || !cert)
			continue;
		assert_int_equal(report_len, REPORT_SIZE);
		key = key_of_certificate(cert, cert_len);
		out[n].name = strdup(e->d_name);
		assert_non_null(defer(free, (void *)out[n].name));
		out[n].key = key;
		from_report(report, &out[n++]);
		hcl = read_snp_file(e->d_name, "hcl_report.bin", &hcl_len);
		if (hcl && hcl_len >= 0x20 + REPORT_SIZE) {
			out[n].name = "milan-v3-azure/hcl_report.bin";
			out[n].key = key;
			from_report(hcl + 0x20, &out[n++]);
		}
	}
	closedir(d);
	qsort(out, n, sizeof(out[0]), by_name);
	/* The nine real reports of shared/testdata/snp/README.md, and the HCL copy. */
	assert_true(n >= 10);
	return n;
}

/* ---- real vectors ---- */

static void test_vectors_verify_in_both(void **state)
{
	struct signed_digest v[MAX_VECTORS];
	size_t n = load_vectors(v);

	(void)state;
	for (size_t i = 0; i < n; i++)
		expect(1, v[i].key, v[i].digest, 48, v[i].r, 48, v[i].s, 48, v[i].name);
}

/* The changed forms of one vector's signature, each with the answer ECDSA gives. */
static void check_changed_signatures(const struct signed_digest *v, const struct p384_key *other)
{
	const BIGNUM *n = order();
	BIGNUM *r = from_bytes(v->r, 48), *s = from_bytes(v->s, 48), *x = owned_bn();
	uint8_t zero[48] = {0}, ones[48], n_bytes[48], buf[48], big[49], digest[49];
	char what[160];

	memset(ones, 0xFF, sizeof(ones));
	to_bytes(n, n_bytes);
#define CASE(want, d, dl, rr, rl, ss, sl, label)                                                \
	do {                                                                                    \
		snprintf(what, sizeof(what), "%s: %s", v->name, label);                         \
		expect(want, v->key, d, dl, rr, rl, ss, sl, what);                              \
	} while (0)

	CASE(0, v->digest, 48, zero, 48, v->s, 48, "r = 0");
	CASE(0, v->digest, 48, v->r, 48, zero, 48, "s = 0");
	CASE(0, v->digest, 48, zero, 48, zero, 48, "r = s = 0");
	CASE(0, v->digest, 48, n_bytes, 48, v->s, 48, "r = n");
	CASE(0, v->digest, 48, v->r, 48, n_bytes, 48, "s = n");
	CASE(0, v->digest, 48, ones, 48, v->s, 48, "r = 2^384 - 1");
	CASE(0, v->digest, 48, v->r, 48, ones, 48, "s = 2^384 - 1");

	/* r + n and s + n: the same residues, out of range (49 bytes when they carry). */
	assert_int_equal(BN_add(x, r, n), 1);
	assert_int_equal(BN_bn2binpad(x, big, 49), 49);
	CASE(0, v->digest, 48, big, 49, v->s, 48, "r + n");
	assert_int_equal(BN_add(x, s, n), 1);
	assert_int_equal(BN_bn2binpad(x, big, 49), 49);
	CASE(0, v->digest, 48, v->r, 48, big, 49, "s + n");

	/* High s: n - s is the other valid s of every ECDSA signature. */
	assert_int_equal(BN_sub(x, n, s), 1);
	to_bytes(x, buf);
	CASE(1, v->digest, 48, v->r, 48, buf, 48, "s -> n - s (high/low s)");
	assert_int_equal(BN_sub(x, n, r), 1);
	to_bytes(x, buf);
	CASE(0, v->digest, 48, buf, 48, v->s, 48, "r -> n - r");

	/* Off by one, swapped, another key, another digest. */
	assert_non_null(BN_copy(x, r));
	assert_int_equal(BN_add_word(x, 1), 1);
	to_bytes(x, buf);
	CASE(0, v->digest, 48, buf, 48, v->s, 48, "r + 1");
	assert_non_null(BN_copy(x, s));
	assert_int_equal(BN_add_word(x, 1), 1);
	to_bytes(x, buf);
	CASE(0, v->digest, 48, v->r, 48, buf, 48, "s + 1");
	CASE(0, v->digest, 48, v->s, 48, v->r, 48, "r and s swapped");
	snprintf(what, sizeof(what), "%s: another vector's key", v->name);
	expect(0, other, v->digest, 48, v->r, 48, v->s, 48, what);
	memcpy(digest, v->digest, 48);
	digest[47] ^= 1;
	CASE(0, digest, 48, v->r, 48, v->s, 48, "digest's last bit flipped");
	memcpy(digest, v->digest, 48);
	digest[0] ^= 0x80;
	CASE(0, digest, 48, v->r, 48, v->s, 48, "digest's first bit flipped");

	/* Lengths: integers are values (leading zeros change nothing, a byte more
	 * or less changes the value); ECDSA takes the digest's leftmost 384 bits. */
	big[0] = 0;
	memcpy(big + 1, v->r, 48);
	CASE(1, v->digest, 48, big, 49, v->s, 48, "r with a leading zero byte");
	memcpy(big + 1, v->s, 48);
	CASE(1, v->digest, 48, v->r, 48, big, 49, "s with a leading zero byte");
	CASE(0, v->digest, 48, v->r, 47, v->s, 48, "r without its last byte");
	/* The same value when that byte is zero (1 in 256 signatures). */
	CASE(v->r[0] == 0, v->digest, 48, v->r + 1, 47, v->s, 48, "r without its first byte");
	CASE(0, v->digest, 48, v->r, 48, v->s, 47, "s without its last byte");
	memcpy(big, v->r, 48);
	big[48] = 0;
	CASE(0, v->digest, 48, big, 49, v->s, 48, "r with a trailing zero byte (r * 256)");
	CASE(0, v->digest, 48, v->r, 0, v->s, 48, "r empty");
	CASE(0, v->digest, 48, v->r, 48, v->s, 0, "s empty");
	memcpy(digest, v->digest, 48);
	digest[48] = 0xA5;
	CASE(1, digest, 49, v->r, 48, v->s, 48, "digest with a 49th byte (ignored by ECDSA)");
	CASE(0, v->digest, 47, v->r, 48, v->s, 48, "digest without its last byte");
	CASE(0, v->digest, 0, v->r, 48, v->s, 48, "empty digest");
#undef CASE
}

static void test_vectors_changed_are_judged_alike(void **state)
{
	struct signed_digest v[MAX_VECTORS];
	size_t n = load_vectors(v);

	(void)state;
	for (size_t i = 0; i < n; i++)
		check_changed_signatures(&v[i], v[(i + 1) % n].key == v[i].key
							? v[(i + 2) % n].key
							: v[(i + 1) % n].key);
}

/* ---- forged reports ---- */

static void test_forged_reports_verify_in_both(void **state)
{
	static const enum forge_product products[] = {FORGE_MILAN, FORGE_GENOA, FORGE_TURIN};

	(void)state;
	for (size_t i = 0; i < 24; i++) {
		struct forge_report_opts o;
		uint8_t report[REPORT_SIZE];
		EVP_PKEY *evp = new_p384_evp();
		struct signed_digest sd = {.name = "forged", .key = owned_key(evp)};
		char what[64];

		forge_report_opts_default(&o, products[i % 3]);
		o.vlek = i % 4 == 3;
		memset(o.report_data, (int)i, sizeof(o.report_data));
		forge_report_build(report, &o);
		assert_int_equal(forge_report_sign(report, evp), 0);
		from_report(report, &sd);
		snprintf(what, sizeof(what), "forged report %zu", i);
		expect(1, sd.key, sd.digest, 48, sd.r, 48, sd.s, 48, what);
		check_changed_signatures(&sd, owned_key(new_p384_evp()));
		/* A signed byte changed after signing. */
		report[0x50] ^= 1;
		from_report(report, &sd);
		expect(0, sd.key, sd.digest, 48, sd.r, 48, sd.s, 48, what);
	}
}

/* ---- keys ---- */

/* An EC key from an encoded point (0x04 || x || y, or 0x00 for infinity),
 * NULL when OpenSSL refuses it. */
static EVP_PKEY *evp_from_point(const char *group, const uint8_t *enc, size_t len)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *evp = NULL;

	assert_true(b && ctx);
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
			 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, enc, len), 1);
	params = OSSL_PARAM_BLD_to_param(b);
	assert_non_null(params);
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &evp, EVP_PKEY_PUBLIC_KEY, params) != 1)
		evp = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	return evp ? defer(free_evp, evp) : NULL;
}

/* Whether nettle takes (x, y) as a P-384 point; OpenSSL's answer without nettle. */
static bool nettle_takes_point(const uint8_t x[48], const uint8_t y[48], bool openssl)
{
#if TEEV_P384_NETTLE
	struct ecc_point p;
	mpz_t mx, my;
	int ok;

	mpz_init(mx);
	mpz_init(my);
	mpz_import(mx, 48, 1, 1, 1, 0, x);
	mpz_import(my, 48, 1, 1, 1, 0, y);
	ecc_point_init(&p, nettle_get_secp_384r1());
	ok = ecc_point_set(&p, mx, my);
	ecc_point_clear(&p);
	mpz_clear(mx);
	mpz_clear(my);
	(void)openssl;
	return ok != 0;
#else
	(void)x;
	(void)y;
	return openssl;
#endif
}

/* OpenSSL and nettle decide alike on (x, y); want says what both must decide. */
static void expect_point(bool want, const uint8_t x[48], const uint8_t y[48], const char *what)
{
	uint8_t enc[97] = {0x04};
	EVP_PKEY *evp;
	bool nettle;

	memcpy(enc + 1, x, 48);
	memcpy(enc + 49, y, 48);
	evp = evp_from_point("secp384r1", enc, sizeof(enc));
	nettle = nettle_takes_point(x, y, evp != NULL);
	if (nettle != (evp != NULL))
		fail_msg("%s: nettle %s the point, OpenSSL %s it", what,
			 nettle ? "takes" : "refuses", evp ? "takes" : "refuses");
	if ((evp != NULL) != want)
		fail_msg("%s: both %s the point", what, evp ? "take" : "refuse");
	if (evp) {
		struct p384_key *k = p384_key_new(evp);
		if (!k)
			fail_msg("%s: p384_key_new refuses a point both libraries take", what);
		p384_key_free(k);
	}
}

static void test_points_on_and_off_the_curve(void **state)
{
	EVP_PKEY *evp = new_p384_evp();
	BIGNUM *bx = NULL, *by = NULL, *p = owned_bn(), *t = owned_bn();
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	uint8_t x[48], y[48], v[48], zero[48] = {0}, p_bytes[48];

	(void)state;
	assert_non_null(g);
	assert_int_equal(EC_GROUP_get_curve(g, p, NULL, NULL, NULL), 1);
	EC_GROUP_free(g);
	to_bytes(p, p_bytes);
	assert_int_equal(EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_EC_PUB_X, &bx), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_EC_PUB_Y, &by), 1);
	defer(free_bn, bx);
	defer(free_bn, by);
	to_bytes(bx, x);
	to_bytes(by, y);

	expect_point(true, x, y, "a generated key");
	assert_int_equal(BN_sub(t, p, by), 1); /* -Q = (x, p - y) */
	to_bytes(t, v);
	expect_point(true, x, v, "its negation");
	memcpy(v, y, 48);
	v[47] ^= 1;
	expect_point(false, x, v, "y with its last bit flipped");
	memcpy(v, x, 48);
	v[0] ^= 0x40;
	expect_point(false, v, y, "x with a bit flipped");
	expect_point(false, zero, zero, "(0, 0)");
	expect_point(false, p_bytes, y, "x = p");
	expect_point(false, x, p_bytes, "y = p");
	memset(v, 0xFF, sizeof(v));
	expect_point(false, x, v, "y = 2^384 - 1");
}

static void test_keys_p384_key_new_refuses(void **state)
{
	uint8_t infinity[1] = {0};
	EVP_PKEY *evp;

	(void)state;
	assert_null(p384_key_new(NULL));
	/* OpenSSL loads the point at infinity as a public key, and under it its own
	 * verify accepts a signature made without any private key. */
	evp = evp_from_point("secp384r1", infinity, sizeof(infinity));
	if (evp)
		assert_null(p384_key_new(evp));
	evp = EVP_EC_gen("P-256");
	assert_non_null(defer(free_evp, evp));
	assert_null(p384_key_new(evp));
	evp = EVP_EC_gen("P-521");
	assert_non_null(defer(free_evp, evp));
	assert_null(p384_key_new(evp));
	evp = EVP_RSA_gen(2048);
	assert_non_null(defer(free_evp, evp));
	assert_null(p384_key_new(evp));
}

static void test_key_holds_its_own_reference(void **state)
{
	EVP_PKEY *evp = EVP_EC_gen("P-384");
	struct p384_key *k, *again;
	struct signed_digest sd;
	struct forge_report_opts o;
	uint8_t report[REPORT_SIZE];

	(void)state;
	assert_non_null(evp);
	forge_report_opts_default(&o, FORGE_GENOA);
	forge_report_build(report, &o);
	assert_int_equal(forge_report_sign(report, evp), 0);
	from_report(report, &sd);
	k = p384_key_new(evp);
	assert_non_null(k);
	assert_ptr_equal(p384_key_evp(k), evp);
	EVP_PKEY_free(evp); /* the key keeps it alive */
	again = p384_key_ref(k);
	p384_key_free(k);
	assert_int_equal(p384_verify(again, sd.digest, sd.r, sd.s), 0);
	p384_key_free(again);
	p384_key_free(NULL);
}

/* ---- the special sums ---- */

struct ec_env {
	EC_GROUP *g;
	BN_CTX *ctx;
	BIGNUM *d; /* the private key */
	EC_POINT *q;
};

static void free_env(void *p)
{
	struct ec_env *e = p;

	EC_POINT_free(e->q);
	BN_free(e->d);
	BN_CTX_free(e->ctx);
	EC_GROUP_free(e->g);
	free(e);
}

static struct ec_env *new_env(EVP_PKEY *evp)
{
	struct ec_env *e = calloc(1, sizeof(*e));
	BIGNUM *x = owned_bn(), *y = owned_bn();
	BIGNUM *bx = NULL, *by = NULL;

	assert_non_null(defer(free_env, e));
	e->g = EC_GROUP_new_by_curve_name(NID_secp384r1);
	e->ctx = BN_CTX_new();
	e->q = e->g ? EC_POINT_new(e->g) : NULL;
	assert_true(e->g && e->ctx && e->q);
	assert_int_equal(EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_PRIV_KEY, &e->d), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_EC_PUB_X, &bx), 1);
	assert_int_equal(EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_EC_PUB_Y, &by), 1);
	assert_non_null(BN_copy(x, bx));
	assert_non_null(BN_copy(y, by));
	BN_free(bx);
	BN_free(by);
	assert_int_equal(EC_POINT_set_affine_coordinates(e->g, e->q, x, y, e->ctx), 1);
	return e;
}

/* x(P) mod n. */
static void x_mod_n(struct ec_env *e, const EC_POINT *pt, BIGNUM *out)
{
	BIGNUM *x = owned_bn();

	assert_int_equal(EC_POINT_get_affine_coordinates(e->g, pt, x, NULL, e->ctx), 1);
	assert_int_equal(BN_nnmod(out, x, order(), e->ctx), 1);
}

/*
 * ECDSA verification computes R = u1*G + u2*Q with u1 = h/s, u2 = r/s and
 * accepts when x(R) = r (mod n). Three sums are special:
 *  - h = 0 (or n): u1 = 0 and R = u2*Q. Such a signature can be made from the
 *    public key alone (r = x(tQ), s = r/t): valid, and no SHA-384 output is 0;
 *  - u1*G = u2*Q, which needs h = d*r: R is a doubling. nettle's addition
 *    cannot double and refuses the valid signature; p384_verify asks OpenSSL
 *    again and accepts, like an OpenSSL-only build;
 *  - u1*G = -u2*Q (h = -d*r): R is the point at infinity, which has no x:
 *    invalid in both.
 */
static void test_special_sums(void **state)
{
	EVP_PKEY *evp = new_p384_evp();
	struct p384_key *k = owned_key(evp);
	struct ec_env *e = new_env(evp);
	const BIGNUM *n = order();
	BIGNUM *t = owned_bn(), *r = owned_bn(), *s = owned_bn(), *h = owned_bn(),
	       *inv = owned_bn();
	EC_POINT *pt = EC_POINT_new(e->g);
	uint8_t rb[48], sb[48], hb[48], n_bytes[48];
	int nettle_refused = 0;

	(void)state;
	assert_non_null(pt);
	to_bytes(n, n_bytes);
	for (int round = 0; round < 8; round++) {
		/* h = 0 and h = n: made without the private key. */
		assert_int_equal(BN_rand_range(t, n), 1);
		assert_int_equal(EC_POINT_mul(e->g, pt, NULL, e->q, t, e->ctx), 1);
		x_mod_n(e, pt, r);
		assert_non_null(BN_mod_inverse(inv, t, n, e->ctx));
		assert_int_equal(BN_mod_mul(s, r, inv, n, e->ctx), 1);
		to_bytes(r, rb);
		to_bytes(s, sb);
		memset(hb, 0, sizeof(hb));
		expect(1, k, hb, 48, rb, 48, sb, 48, "digest 0, signature from the public key");
		expect(1, k, n_bytes, 48, rb, 48, sb, 48,
		       "digest n, signature from the public key");
		hb[47] = 1;
		expect(0, k, hb, 48, rb, 48, sb, 48, "digest 1 with that signature");

		/* u1*G = u2*Q: r = x(tG), h = d*r, s = 2h/t, so u1 = u2*d = t/2. */
		assert_int_equal(EC_POINT_mul(e->g, pt, t, NULL, NULL, e->ctx), 1);
		x_mod_n(e, pt, r);
		assert_int_equal(BN_mod_mul(h, e->d, r, n, e->ctx), 1);
		assert_int_equal(BN_mod_add(s, h, h, n, e->ctx), 1);
		assert_int_equal(BN_mod_mul(s, s, inv, n, e->ctx), 1);
		to_bytes(r, rb);
		to_bytes(s, sb);
		to_bytes(h, hb);
		assert_int_equal(p384_verify_openssl(k, hb, 48, rb, 48, sb, 48), 1);
		assert_int_equal(p384_verify(k, hb, rb, sb), 0);
#if TEEV_P384_NETTLE
		nettle_refused += p384_verify_nettle(k, hb, 48, rb, 48, sb, 48) == 0;
#endif

		/* u1*G = -u2*Q: h = -d*r; R is the point at infinity. */
		assert_int_equal(BN_mod_mul(h, e->d, r, n, e->ctx), 1);
		assert_int_equal(BN_mod_sub(h, n, h, n, e->ctx), 1);
		to_bytes(h, hb);
		expect(0, k, hb, 48, rb, 48, sb, 48, "u1*G = -u2*Q (sum at infinity)");
	}
	EC_POINT_free(pt);
	if (TEEV_P384_NETTLE)
		printf("  nettle alone refused %d of 8 signatures with u1*G = u2*Q\n",
		       nettle_refused);
}

static void test_implementation_name(void **state)
{
	(void)state;
	assert_string_equal(p384_implementation(), TEEV_P384_NETTLE ? "nettle" : "openssl");
}

#define TEST(fn) cmocka_unit_test_teardown(fn, run_cleanups)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_vectors_verify_in_both),
		TEST(test_vectors_changed_are_judged_alike),
		TEST(test_forged_reports_verify_in_both),
		TEST(test_points_on_and_off_the_curve),
		TEST(test_keys_p384_key_new_refuses),
		TEST(test_key_holds_its_own_reference),
		TEST(test_special_sums),
		TEST(test_implementation_name),
	};

	printf("P-384 in this build: %s\n", p384_implementation());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
