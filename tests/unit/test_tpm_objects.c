/* test_tpm_objects.c - unit tests for verifier/tpm_objects.c: the TPM2B_PUBLIC,
 * TPMT_SIGNATURE, TPMS_ATTEST and tpm2-tools PCR blob parsers, the TPM name
 * and the OpenSSL key built from a public area.
 *
 * Evidence: every vector of $SHARED_DIR/testdata/keylime/tpm2b-public-vectors.json
 * (names, attributes and key numbers as the file gives them), the real swtpm
 * quote files (tpm-quote-swtpm/), the second real quote
 * (tpm-quote-unit-test/) and the golden AKs (golden/keys/). Hostile inputs
 * are those files cut at every length, extended by a byte, or edited so a
 * size or count lies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/tpm_objects.h"
#include "tests/support/test_cleanup.h"

/* ---- per-test cleanup (a failed assertion longjmps past a test's frees) ---- */

static void put_json(void *o)
{
	json_object_put(o);
}

static void free_pkey(void *k)
{
	EVP_PKEY_free(k);
}

static void free_bn(void *b)
{
	BN_free(b);
}

static void *owned_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	assert_non_null(p);
	return defer(free, p);
}

/* ---- files and encodings ---- */

/* A Keylime test vector, freed at teardown. */
static uint8_t *read_keylime(const char *rel, size_t *len)
{
	return defer(free, read_keylime_file(rel, len));
}

static struct json_object *read_json(const char *rel)
{
	size_t len;
	const char *text = (const char *)read_keylime(rel, &len);
	struct json_object *o = json_tokener_parse(text);

	if (!o)
		fail_msg("%s is not JSON", rel);
	return defer(put_json, o);
}

static uint8_t *decode_b64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *buf = owned_malloc(b64_decoded_max(n));

	if (b64_decode(B64_STD, s, n, buf, b64_decoded_max(n), len) < 0)
		fail_msg("bad base64 in test data: %.40s", s);
	return buf;
}

static uint8_t *decode_hex(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *buf = owned_malloc(n / 2);

	assert_int_equal(n % 2, 0);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			fail_msg("bad hex in test data");
		buf[i] = (uint8_t)v;
	}
	*len = n / 2;
	return buf;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	bytes_to_hex(p, n, out);
}

static EVP_PKEY *key_of(const struct tpm_public *pub)
{
	char err[256] = "";
	EVP_PKEY *k = tpm_public_to_evp(pub, err, sizeof(err));

	if (!k)
		fail_msg("tpm_public_to_evp: %s", err);
	return defer(free_pkey, k);
}

static struct tpm_public *parse_public_ok(const uint8_t *buf, size_t len)
{
	struct tpm_public *pub = owned_malloc(sizeof(*pub));
	char err[256] = "";

	if (tpm_public_parse(buf, len, pub, err, sizeof(err)) != 0)
		fail_msg("tpm_public_parse: %s", err);
	return pub;
}

/* Asserts a parser refuses buf and leaves a non-empty reason. */
#define assert_refused(parse, buf, len, out)                                             \
	do {                                                                             \
		char why_[256] = "";                                                     \
		assert_int_equal((parse)((buf), (len), (out), why_, sizeof(why_)), -1);   \
		assert_true(why_[0] != '\0');                                            \
	} while (0)

/* Every proper prefix and the buffer plus one byte must be refused: each
 * structure must end exactly at the end of its buffer. */
#define assert_exact_length(parse, buf, len, type)                                       \
	do {                                                                             \
		type *out_ = owned_malloc(sizeof(type));                                 \
		uint8_t *longer_ = owned_malloc((len) + 1);                              \
		for (size_t cut_ = 0; cut_ < (len); cut_++)                              \
			assert_refused(parse, (buf), cut_, out_);                        \
		memcpy(longer_, (buf), (len));                                           \
		longer_[(len)] = 0;                                                      \
		assert_refused(parse, longer_, (len) + 1, out_);                         \
	} while (0)

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- TPM2B_PUBLIC vectors ---- */

static const struct {
	const char *name; /* as tpm2b-public-vectors.json writes it */
	uint16_t id;
} curve_names[] = {
	{"secp192r1", TPM_ECC_NIST_P192}, {"secp224r1", TPM_ECC_NIST_P224},
	{"secp256r1", TPM_ECC_NIST_P256}, {"secp384r1", TPM_ECC_NIST_P384},
	{"secp521r1", TPM_ECC_NIST_P521},
};

static void check_bn_param(EVP_PKEY *key, const char *param, const char *decimal)
{
	BIGNUM *got = NULL, *want = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(key, param, &got), 1);
	defer(free_bn, got);
	assert_true(BN_dec2bn(&want, decimal) > 0);
	defer(free_bn, want);
	if (BN_cmp(got, want) != 0)
		fail_msg("%s differs from %s", param, decimal);
}

/* Checks one vector against whatever expectations the file gives for it:
 * <prefix>_expected_name_hex, <prefix>_expected_attributes ("... (0x...)"),
 * <prefix>_expected {bits, e} or {curve, x, y}. Returns how many were checked. */
static int check_vector(struct json_object *vectors, const char *prefix,
			const uint8_t *blob, size_t len)
{
	struct tpm_public *pub = parse_public_ok(blob, len);
	EVP_PKEY *key = key_of(pub);
	struct json_object *v;
	char key_name[256];
	int checked = 0;

	snprintf(key_name, sizeof(key_name), "%s_expected_name_hex", prefix);
	if (json_object_object_get_ex(vectors, key_name, &v)) {
		uint8_t name[TPM_MAX_NAME];
		char hex[2 * TPM_MAX_NAME + 1], err[256] = "";
		size_t name_len = 0;

		if (tpm_public_name(blob, len, name, &name_len, err, sizeof(err)) != 0)
			fail_msg("tpm_public_name: %s", err);
		to_hex(name, name_len, hex);
		assert_string_equal(hex, json_object_get_string(v));
		checked++;
	}
	snprintf(key_name, sizeof(key_name), "%s_expected_attributes", prefix);
	if (json_object_object_get_ex(vectors, key_name, &v)) {
		const char *text = strstr(json_object_get_string(v), "(0x");

		assert_non_null(text);
		assert_int_equal(pub->object_attributes, strtoul(text + 1, NULL, 16));
		checked++;
	}
	snprintf(key_name, sizeof(key_name), "%s_expected", prefix);
	if (json_object_object_get_ex(vectors, key_name, &v)) {
		struct json_object *m;

		if (json_object_object_get_ex(v, "bits", &m)) {
			assert_int_equal(pub->type, TPM_ALG_RSA);
			assert_int_equal(pub->u.rsa.key_bits, json_object_get_int(m));
			assert_int_equal(EVP_PKEY_get_bits(key), json_object_get_int(m));
			assert_true(json_object_object_get_ex(v, "e", &m));
			assert_int_equal(pub->u.rsa.exponent, json_object_get_int(m));
			check_bn_param(key, OSSL_PKEY_PARAM_RSA_E, json_object_get_string(m));
			checked++;
		}
		if (json_object_object_get_ex(v, "curve", &m)) {
			uint16_t id = 0;
			for (size_t i = 0; i < sizeof(curve_names) / sizeof(curve_names[0]); i++)
				if (strcmp(curve_names[i].name, json_object_get_string(m)) == 0)
					id = curve_names[i].id;
			assert_int_equal(pub->type, TPM_ALG_ECC);
			assert_int_equal(pub->u.ecc.curve_id, id);
			assert_true(json_object_object_get_ex(v, "x", &m));
			check_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, json_object_get_string(m));
			assert_true(json_object_object_get_ex(v, "y", &m));
			check_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, json_object_get_string(m));
			checked++;
		}
	}
	return checked;
}

static void test_public_vectors(void **state)
{
	struct json_object *vectors = read_json("tpm2b-public-vectors.json");
	int vector_count = 0, expectation_count = 0;
	(void)state;

	json_object_object_foreach(vectors, key, value)
	{
		size_t klen = strlen(key), len = 0;
		const uint8_t *blob = NULL;
		char prefix[128];

		if (klen > 17 && strcmp(key + klen - 17, "_tpm2b_public_b64") == 0) {
			blob = decode_b64(json_object_get_string(value), &len);
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(klen - 17), key);
		} else if (klen > 17 && strcmp(key + klen - 17, "_tpm2b_public_hex") == 0) {
			blob = decode_hex(json_object_get_string(value), &len);
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(klen - 17), key);
		} else {
			continue;
		}
		vector_count++;
		expectation_count += check_vector(vectors, prefix, blob, len);
		assert_exact_length(tpm_public_parse, blob, len, struct tpm_public);
	}
	/* 6 blobs; a name, attributes, RSA numbers and ECC numbers to compare. */
	assert_int_equal(vector_count, 6);
	assert_int_equal(expectation_count, 4);
}

/* Parameters parsed field by field, not skipped: the EK carries an AES-128
 * CFB symmetric definition, the AK an RSASSA-SHA256 scheme. */
static void test_public_parameters(void **state)
{
	struct json_object *vectors = read_json("tpm2b-public-vectors.json");
	struct json_object *v;
	struct tpm_public *pub;
	const uint8_t *blob;
	size_t len;
	(void)state;

	assert_true(json_object_object_get_ex(vectors, "ek_rsa2048_low_range_tpm2b_public_b64", &v));
	blob = decode_b64(json_object_get_string(v), &len);
	pub = parse_public_ok(blob, len);
	assert_int_equal(pub->type, TPM_ALG_RSA);
	assert_int_equal(pub->name_alg, TPM_ALG_SHA256);
	assert_int_equal(pub->auth_policy_size, 32);
	assert_int_equal(pub->sym_alg, TPM_ALG_AES);
	assert_int_equal(pub->sym_key_bits, 128);
	assert_int_equal(pub->sym_mode, TPM_ALG_CFB);
	assert_int_equal(pub->scheme, TPM_ALG_NULL);
	assert_int_equal(pub->u.rsa.key_bits, 2048);
	assert_int_equal(pub->u.rsa.exponent, 65537);
	assert_int_equal(pub->u.rsa.modulus_len, 256);

	assert_true(json_object_object_get_ex(vectors, "ek_ecc_p256_low_range_tpm2b_public_b64", &v));
	blob = decode_b64(json_object_get_string(v), &len);
	pub = parse_public_ok(blob, len);
	assert_int_equal(pub->type, TPM_ALG_ECC);
	assert_int_equal(pub->sym_alg, TPM_ALG_AES);
	assert_int_equal(pub->sym_key_bits, 128);
	assert_int_equal(pub->sym_mode, TPM_ALG_CFB);
	assert_int_equal(pub->scheme, TPM_ALG_NULL);
	assert_int_equal(pub->u.ecc.curve_id, TPM_ECC_NIST_P256);
	assert_int_equal(pub->u.ecc.kdf, TPM_ALG_NULL);
	assert_int_equal(pub->u.ecc.field_len, 32);
	key_of(pub);

	assert_true(json_object_object_get_ex(vectors, "ak_ecc_p256_tpm2b_public_hex", &v));
	blob = decode_hex(json_object_get_string(v), &len);
	pub = parse_public_ok(blob, len);
	assert_int_equal(pub->sym_alg, TPM_ALG_NULL);
	assert_int_equal(pub->scheme, TPM_ALG_ECDSA);
	assert_int_equal(pub->scheme_hash, TPM_ALG_SHA256);

	assert_true(json_object_object_get_ex(vectors, "rsa_key_null_scheme_tpm2b_public_b64", &v));
	blob = decode_b64(json_object_get_string(v), &len);
	pub = parse_public_ok(blob, len);
	assert_int_equal(pub->sym_alg, TPM_ALG_NULL);
	assert_int_equal(pub->scheme, TPM_ALG_NULL);
	assert_int_equal(pub->scheme_hash, 0);
	assert_int_equal(pub->u.rsa.key_bits, 2048);
}

static EVP_PKEY *read_pem_key(const char *rel, bool private_key)
{
	size_t len;
	const uint8_t *pem = read_keylime(rel, &len);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key;

	assert_non_null(bio);
	key = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
			  : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		fail_msg("cannot read %s", rel);
	return defer(free_pkey, key);
}

/* The swtpm AK and EK: TPM name, and the key equals the PEM Keylime ships. */
static void test_public_swtpm_files(void **state)
{
	size_t len, name_len = 0, want_len;
	const uint8_t *ak = read_keylime("tpm-quote-swtpm/ak.pub", &len);
	const uint8_t *want = read_keylime("tpm-quote-swtpm/ak.name", &want_len);
	uint8_t name[TPM_MAX_NAME];
	char err[256] = "";
	struct tpm_public *pub = parse_public_ok(ak, len);
	(void)state;

	assert_int_equal(tpm_public_name(ak, len, name, &name_len, err, sizeof(err)), 0);
	assert_int_equal(name_len, want_len);
	assert_memory_equal(name, want, want_len);
	assert_int_equal(pub->object_attributes, 0x00050072);
	assert_int_equal(EVP_PKEY_eq(key_of(pub), read_pem_key("tpm-quote-swtpm/akpub.pem", false)), 1);
	assert_exact_length(tpm_public_parse, ak, len, struct tpm_public);

	ak = read_keylime("tpm-quote-swtpm/ek.pub", &len);
	pub = parse_public_ok(ak, len);
	assert_int_equal(EVP_PKEY_eq(key_of(pub), read_pem_key("tpm-quote-swtpm/ekpub.pem", false)), 1);
	assert_exact_length(tpm_public_parse, ak, len, struct tpm_public);
}

/* The golden AKs: the TPM2B_PUBLIC matches the private key that signs the
 * synthetic quotes. */
static void test_public_golden_keys(void **state)
{
	static const char *const pairs[][2] = {
		{"golden/keys/ak-rsa2048.tpm2b_public.b64", "golden/keys/ak-rsa2048-private.pem"},
		{"golden/keys/ak-p256.tpm2b_public.b64", "golden/keys/ak-p256-private.pem"},
	};
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		size_t len, blob_len;
		char *text = (char *)read_keylime(pairs[i][0], &len);
		const uint8_t *blob;

		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		blob = decode_b64(text, &blob_len);
		assert_int_equal(EVP_PKEY_eq(key_of(parse_public_ok(blob, blob_len)),
					     read_pem_key(pairs[i][1], true)),
				 1);
	}
}

/* Copies of the swtpm AK with one field edited. The TPMT_PUBLIC layout of
 * that AK: type@2 nameAlg@4 attrs@6 authPolicy@10 (empty) sym@12 scheme@14
 * schemeHash@16 keyBits@18 exponent@20 modulus size@24 modulus@26. */
static uint8_t *swtpm_ak_copy(size_t *len)
{
	const uint8_t *ak = read_keylime("tpm-quote-swtpm/ak.pub", len);
	uint8_t *copy = owned_malloc(*len + 4);

	memcpy(copy, ak, *len);
	assert_int_equal(be16(copy + 18), 2048);
	assert_int_equal(be16(copy + 24), 256);
	return copy;
}

static void test_public_hostile(void **state)
{
	struct tpm_public *pub = owned_malloc(sizeof(*pub));
	uint8_t *ak;
	size_t len;
	(void)state;

	/* keyBits that does not match the modulus. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 18, 2040);
	assert_refused(tpm_public_parse, ak, len, pub);
	put_be16(ak + 18, 4096);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* Outer size that does not cover exactly one TPMT_PUBLIC. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak, (uint16_t)(be16(ak) + 1));
	assert_refused(tpm_public_parse, ak, len, pub);
	put_be16(ak, (uint16_t)(be16(ak) - 2));
	assert_refused(tpm_public_parse, ak, len, pub);

	/* A TPM2B (the modulus) claiming more than the buffer holds. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 24, 0xffff);
	assert_refused(tpm_public_parse, ak, len, pub);
	put_be16(ak + 24, 257);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* authPolicy claiming more than a digest. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 10, 0xfff0);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* Other object types (KEYEDHASH 0x0008, SYMCIPHER 0x0025) are refused. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 2, 0x0008);
	assert_refused(tpm_public_parse, ak, len, pub);
	put_be16(ak + 2, 0x0025);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* Unknown symmetric algorithm / scheme: their layout is unknown. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 12, 0x0007);
	assert_refused(tpm_public_parse, ak, len, pub);
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 14, TPM_ALG_ECDSA); /* an ECC scheme in an RSA key */
	assert_refused(tpm_public_parse, ak, len, pub);

	/* Even exponent; even modulus. */
	ak = swtpm_ak_copy(&len);
	ak[23] = 4;
	assert_refused(tpm_public_parse, ak, len, pub);
	ak = swtpm_ak_copy(&len);
	ak[len - 1] &= 0xfe;
	assert_refused(tpm_public_parse, ak, len, pub);

	/* NULL symmetric definition read properly: flipping sym to AES makes
	 * keyBits/mode appear and the rest no longer lines up. */
	ak = swtpm_ak_copy(&len);
	put_be16(ak + 12, TPM_ALG_AES);
	assert_refused(tpm_public_parse, ak, len, pub);
}

/* The hex ECC AK of the vectors: type@2 ... curve@18 kdf@20 x@22(size)
 * y@56(size). */
static uint8_t *ecc_ak_copy(size_t *len)
{
	struct json_object *vectors = read_json("tpm2b-public-vectors.json");
	struct json_object *v;
	const uint8_t *blob;
	uint8_t *copy;

	assert_true(json_object_object_get_ex(vectors, "ak_ecc_p256_tpm2b_public_hex", &v));
	blob = decode_hex(json_object_get_string(v), len);
	copy = owned_malloc(*len);
	memcpy(copy, blob, *len);
	assert_int_equal(be16(copy + 18), TPM_ECC_NIST_P256);
	assert_int_equal(be16(copy + 22), 32);
	assert_int_equal(be16(copy + 56), 32);
	return copy;
}

static void test_public_ecc_hostile(void **state)
{
	struct tpm_public *pub = owned_malloc(sizeof(*pub));
	char err[256] = "";
	uint8_t *ak;
	size_t len;
	(void)state;

	/* A point that is not on the curve parses (the coordinates are in
	 * range) but is refused as a key. */
	ak = ecc_ak_copy(&len);
	ak[len - 1] ^= 1;
	assert_int_equal(tpm_public_parse(ak, len, pub, err, sizeof(err)), 0);
	assert_null(tpm_public_to_evp(pub, err, sizeof(err)));
	assert_non_null(strstr(err, "not on curve"));

	/* X = p (all of P-256's prime) and X = 2^256 - 1 are not field elements. */
	ak = ecc_ak_copy(&len);
	memset(ak + 24, 0xff, 32);
	assert_refused(tpm_public_parse, ak, len, pub);
	ak = ecc_ak_copy(&len);
	memcpy(ak + 24,
	       "\xff\xff\xff\xff\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"
	       "\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	       32);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* Unknown curves (BN-256 0x0010, SM2 0x0020) are refused. */
	ak = ecc_ak_copy(&len);
	put_be16(ak + 18, 0x0010);
	assert_refused(tpm_public_parse, ak, len, pub);
	put_be16(ak + 18, 0x0020);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* The curve says P-384 but the coordinates are 32 bytes. */
	ak = ecc_ak_copy(&len);
	put_be16(ak + 18, TPM_ECC_NIST_P384);
	assert_refused(tpm_public_parse, ak, len, pub);

	/* The point at infinity encoded as (0, 0) is not on the curve. */
	ak = ecc_ak_copy(&len);
	memset(ak + 24, 0, 32);
	memset(ak + 58, 0, 32);
	assert_int_equal(tpm_public_parse(ak, len, pub, err, sizeof(err)), 0);
	assert_null(tpm_public_to_evp(pub, err, sizeof(err)));
}

/* A P-521 TPM2B_PUBLIC whose coordinates are x_len / y_len bytes of fill. */
static size_t p521_public(uint8_t *out, size_t x_len, size_t y_len, uint8_t fill)
{
	size_t o = 2;

	put_be16(out + o, TPM_ALG_ECC), o += 2;
	put_be16(out + o, TPM_ALG_SHA256), o += 2;
	memcpy(out + o, "\x00\x05\x00\x72", 4), o += 4;
	put_be16(out + o, 0), o += 2;                  /* authPolicy */
	put_be16(out + o, TPM_ALG_NULL), o += 2;       /* symmetric */
	put_be16(out + o, TPM_ALG_ECDSA), o += 2;      /* scheme */
	put_be16(out + o, TPM_ALG_SHA512), o += 2;
	put_be16(out + o, TPM_ECC_NIST_P521), o += 2;
	put_be16(out + o, 0x0020), o += 2;             /* kdf KDF1_SP800_56A */
	put_be16(out + o, TPM_ALG_SHA256), o += 2;     /*   with its hash */
	put_be16(out + o, (uint16_t)x_len), o += 2;
	memset(out + o, fill, x_len), o += x_len;
	put_be16(out + o, (uint16_t)y_len), o += 2;
	memset(out + o, fill, y_len), o += y_len;
	put_be16(out, (uint16_t)(o - 2));
	return o;
}

static void test_public_p521_lengths(void **state)
{
	struct tpm_public *pub = owned_malloc(sizeof(*pub));
	uint8_t buf[256];
	char err[256] = "";
	size_t len;
	(void)state;

	/* 66 bytes below p and 65 bytes (as upstream accepts) parse; the 65-byte
	 * form is stored left-padded to 66. */
	len = p521_public(buf, 66, 66, 0x01);
	assert_int_equal(tpm_public_parse(buf, len, pub, err, sizeof(err)), 0);
	assert_int_equal(pub->u.ecc.kdf, 0x0020);
	assert_int_equal(pub->u.ecc.kdf_hash, TPM_ALG_SHA256);
	assert_int_equal(pub->u.ecc.field_len, 66);
	len = p521_public(buf, 65, 65, 0xff);
	assert_int_equal(tpm_public_parse(buf, len, pub, err, sizeof(err)), 0);
	assert_int_equal(pub->u.ecc.x[0], 0);
	assert_int_equal(pub->u.ecc.x[1], 0xff);
	assert_int_equal(pub->u.ecc.y[65], 0xff);
	/* 64 bytes is too short, 67 too long; 66 bytes of 0xff is >= p. */
	len = p521_public(buf, 64, 66, 0x01);
	assert_refused(tpm_public_parse, buf, len, pub);
	len = p521_public(buf, 66, 67, 0x01);
	assert_refused(tpm_public_parse, buf, len, pub);
	len = p521_public(buf, 66, 66, 0xff);
	assert_refused(tpm_public_parse, buf, len, pub);
	/* Truncated anywhere. */
	len = p521_public(buf, 66, 66, 0x01);
	assert_exact_length(tpm_public_parse, buf, len, struct tpm_public);
}

/* ---- TPMT_SIGNATURE ---- */

static void test_signature(void **state)
{
	size_t len;
	const uint8_t *sig = read_keylime("tpm-quote-swtpm/quotesig.out", &len);
	struct tpm_signature *out = owned_malloc(sizeof(*out));
	uint8_t *copy = owned_malloc(len);
	uint8_t ecdsa[2 + 2 + 2 + 32 + 2 + 32];
	char err[256] = "";
	(void)state;

	assert_int_equal(tpm_signature_parse(sig, len, out, err, sizeof(err)), 0);
	assert_int_equal(out->sig_alg, TPM_ALG_RSASSA);
	assert_int_equal(out->hash_alg, TPM_ALG_SHA256);
	assert_int_equal(out->u.rsa.sig_len, 256);
	assert_memory_equal(out->u.rsa.sig, sig + 6, 256);
	assert_exact_length(tpm_signature_parse, sig, len, struct tpm_signature);

	/* A signature size beyond the buffer, an unknown algorithm. */
	memcpy(copy, sig, len);
	put_be16(copy + 4, 0x0101);
	assert_refused(tpm_signature_parse, copy, len, out);
	memcpy(copy, sig, len);
	put_be16(copy, TPM_ALG_NULL);
	assert_refused(tpm_signature_parse, copy, len, out);

	/* ECDSA: hash, r, s. */
	put_be16(ecdsa, TPM_ALG_ECDSA);
	put_be16(ecdsa + 2, TPM_ALG_SHA384);
	put_be16(ecdsa + 4, 32);
	memset(ecdsa + 6, 0x11, 32);
	put_be16(ecdsa + 38, 32);
	memset(ecdsa + 40, 0x22, 32);
	assert_int_equal(tpm_signature_parse(ecdsa, sizeof(ecdsa), out, err, sizeof(err)), 0);
	assert_int_equal(out->sig_alg, TPM_ALG_ECDSA);
	assert_int_equal(out->hash_alg, TPM_ALG_SHA384);
	assert_int_equal(out->u.ecdsa.r_len, 32);
	assert_int_equal(out->u.ecdsa.s_len, 32);
	assert_int_equal(out->u.ecdsa.r[0], 0x11);
	assert_int_equal(out->u.ecdsa.s[31], 0x22);
	assert_exact_length(tpm_signature_parse, ecdsa, sizeof(ecdsa), struct tpm_signature);
	put_be16(ecdsa + 4, 67); /* r larger than any field */
	assert_refused(tpm_signature_parse, ecdsa, sizeof(ecdsa), out);
}

/* ---- TPMS_ATTEST ---- */

/* Offsets in the swtpm quote.out (133 bytes): qualifiedSigner@6 (34 bytes),
 * extraData@42 (20), clock@64, resetCount@72, restartCount@76, safe@80,
 * firmware@81, selection count@89, hash@93, sizeofSelect@95, select@96,
 * pcrDigest@99 (32). */
static void test_attest(void **state)
{
	size_t len, rand_len;
	const uint8_t *quote = read_keylime("tpm-quote-swtpm/quote.out", &len);
	const uint8_t *rand = read_keylime("tpm-quote-swtpm/rand.out", &rand_len);
	struct tpm_attest *out = owned_malloc(sizeof(*out));
	uint8_t *copy = owned_malloc(len + 16);
	char err[256] = "";
	(void)state;

	assert_int_equal(len, 133);
	assert_int_equal(tpm_attest_parse(quote, len, out, err, sizeof(err)), 0);
	assert_int_equal(out->magic, TPM_GENERATED_VALUE);
	assert_int_equal(out->type, TPM_ST_ATTEST_QUOTE);
	assert_int_equal(out->qualified_signer_len, 34);
	assert_int_equal(out->extra_data_len, rand_len);
	assert_memory_equal(out->extra_data, rand, rand_len);
	assert_int_equal(out->clock, 5994);
	assert_int_equal(out->reset_count, 0);
	assert_int_equal(out->restart_count, 0);
	assert_int_equal(out->safe, 1);
	assert_int_equal(out->selection_count, 1);
	assert_int_equal(out->selections[0].hash_alg, TPM_ALG_SHA256);
	assert_int_equal(out->selections[0].size_of_select, 3);
	assert_memory_equal(out->selections[0].select, "\x00\x80\x41", 3);
	assert_int_equal(out->pcr_digest_len, 32);
	assert_memory_equal(out->pcr_digest, quote + 101, 32);
	assert_exact_length(tpm_attest_parse, quote, len, struct tpm_attest);

#define EDIT(stmt)                         \
	do {                               \
		memcpy(copy, quote, len);  \
		stmt;                      \
		assert_refused(tpm_attest_parse, copy, len, out); \
	} while (0)
	EDIT(copy[0] = 0xfe);                       /* magic */
	EDIT(put_be16(copy + 4, 0x8017));           /* TPM_ST_ATTEST_CERTIFY */
	EDIT(put_be16(copy + 6, 0xffff));           /* qualifiedSigner beyond the buffer */
	EDIT(put_be16(copy + 6, 67));               /* qualifiedSigner larger than a name */
	EDIT(put_be16(copy + 42, 65));              /* extraData larger than 64 */
	EDIT(copy[80] = 2);                         /* safe is a TPMI_YES_NO */
	EDIT(copy[92] = 2);                         /* selection count lies (2, one present) */
	EDIT(copy[92] = 0);                         /* ... (0, one present) */
	EDIT(copy[89] = 1);                         /* count 0x01000001 */
	EDIT(copy[95] = 5);                         /* sizeofSelect > 4 */
	EDIT(copy[95] = 2);                         /* sizeofSelect lies */
	EDIT(put_be16(copy + 99, 33));              /* pcrDigest size lies */
	EDIT(put_be16(copy + 99, 65));              /* pcrDigest larger than 64 */
#undef EDIT

	/* A 17-entry selection is refused even when all the bytes are there. */
	memcpy(copy, quote, 89);
	copy[89] = 0, copy[90] = 0, copy[91] = 0, copy[92] = 17;
	assert_refused(tpm_attest_parse, copy, 93, out);
}

/* ---- PCR blob ---- */

/* Layout of quotepcr.out (668 bytes, little-endian): count@0, 16 slots of 8
 * bytes @4 (hash, sizeofSelect, 3 select, spare, pad), list count@132,
 * TPML_DIGEST@136: count, then 8 x {size, 64 bytes}. */
static void test_pcr_blob(void **state)
{
	size_t len;
	const uint8_t *blob = read_keylime("tpm-quote-swtpm/quotepcr.out", &len);
	struct tpm_pcr_blob *out = owned_malloc(sizeof(*out));
	uint8_t *copy = owned_malloc(len + TPM_PCR_BLOB_LIST_SIZE);
	char err[256] = "";
	(void)state;

	assert_int_equal(len, 668);
	assert_int_equal(tpm_pcr_blob_parse(blob, len, out, err, sizeof(err)), 0);
	assert_int_equal(out->count, 1);
	assert_int_equal(out->slots[0].hash_alg, TPM_ALG_SHA256);
	assert_int_equal(out->slots[0].size_of_select, 3);
	assert_int_equal(out->slots[0].mask, (1u << 15) | (1u << 16) | (1u << 22));
	assert_int_equal(out->list_count, 1);
	assert_int_equal(out->value_count, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(out->values[i].size, 32);
	assert_true(bytes_all_zero(out->values[0].buf, 32));
	assert_int_equal(out->values[1].buf[0], 0x9d);
	assert_memory_equal(out->values[2].buf,
			    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
			    "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
			    32);
	assert_exact_length(tpm_pcr_blob_parse, blob, len, struct tpm_pcr_blob);

#define EDIT(stmt)                         \
	do {                               \
		memcpy(copy, blob, len);   \
		stmt;                      \
		assert_refused(tpm_pcr_blob_parse, copy, len, out); \
	} while (0)
	EDIT(copy[0] = 17);         /* selection count > 16 */
	EDIT(copy[6] = 2);          /* sizeofSelect not 0 or 3 */
	EDIT(copy[4 + 8 * 9 + 2] = 4); /* ... in an unused slot too (as upstream) */
	EDIT(copy[132] = 2);        /* two digest lists claimed, one present */
	EDIT(copy[132] = 0);        /* none claimed, one present */
	EDIT(copy[135] = 1);        /* 2^24 lists */
	EDIT(copy[136] = 9);        /* TPML_DIGEST count > 8 */
	EDIT(copy[136] = 2);        /* count lies: 2 claimed, 3 filled */
	EDIT(copy[136] = 4);        /* count lies: 4 claimed, 3 filled */
	EDIT(copy[140] = 65);       /* digest size > 64 */
	EDIT(copy[140] = 0);        /* a hole before filled entries */
#undef EDIT

	/* 33 lists are refused even when the bytes are all there. */
	memcpy(copy, blob, 136);
	copy[132] = 33;
	assert_refused(tpm_pcr_blob_parse, copy, 136, out);

	/* A second list that the count announces parses (values are appended). */
	memcpy(copy, blob, len);
	memcpy(copy + len, blob + 136, TPM_PCR_BLOB_LIST_SIZE);
	copy[132] = 2;
	assert_int_equal(tpm_pcr_blob_parse(copy, len + TPM_PCR_BLOB_LIST_SIZE, out, err,
					    sizeof(err)),
			 0);
	assert_int_equal(out->value_count, 6);
}

/* The second real quote (tpm_util_test): TPMS_ATTEST and PCR blob. */
static void test_unit_test_quote(void **state)
{
	struct json_object *q = read_json("tpm-quote-unit-test/tpm_util_test-quote.json");
	struct tpm_attest *attest = owned_malloc(sizeof(*attest));
	struct tpm_pcr_blob *blob = owned_malloc(sizeof(*blob));
	struct tpm_signature *sig = owned_malloc(sizeof(*sig));
	struct json_object *v;
	const uint8_t *raw;
	char err[256] = "";
	size_t len;
	(void)state;

	assert_true(json_object_object_get_ex(q, "quoteblob_b64", &v));
	raw = decode_b64(json_object_get_string(v), &len);
	assert_int_equal(tpm_attest_parse(raw, len, attest, err, sizeof(err)), 0);
	assert_int_equal(attest->clock, 1284787942);
	assert_int_equal(attest->reset_count, 3);
	assert_int_equal(attest->restart_count, 0);
	assert_int_equal(attest->safe, 1);
	assert_int_equal(attest->extra_data_len, 20);
	assert_memory_equal(attest->extra_data, "Ai5M5SjYjnkyv4P7itH1", 20);
	assert_exact_length(tpm_attest_parse, raw, len, struct tpm_attest);

	assert_true(json_object_object_get_ex(q, "pcrblob_b64", &v));
	raw = decode_b64(json_object_get_string(v), &len);
	assert_int_equal(tpm_pcr_blob_parse(raw, len, blob, err, sizeof(err)), 0);
	assert_int_equal(blob->slots[0].mask, 1u << 16);
	assert_int_equal(blob->value_count, 1);
	assert_exact_length(tpm_pcr_blob_parse, raw, len, struct tpm_pcr_blob);

	assert_true(json_object_object_get_ex(q, "sigblob_b64", &v));
	raw = decode_b64(json_object_get_string(v), &len);
	assert_int_equal(tpm_signature_parse(raw, len, sig, err, sizeof(err)), 0);
	assert_int_equal(sig->sig_alg, TPM_ALG_RSASSA);
	assert_int_equal(sig->hash_alg, TPM_ALG_SHA256);
}

static void test_hash_helpers(void **state)
{
	(void)state;
	assert_int_equal(tpm_hash_size(TPM_ALG_SHA1), 20);
	assert_int_equal(tpm_hash_size(TPM_ALG_SHA256), 32);
	assert_int_equal(tpm_hash_size(TPM_ALG_SHA384), 48);
	assert_int_equal(tpm_hash_size(TPM_ALG_SHA512), 64);
	assert_int_equal(tpm_hash_size(TPM_ALG_SM3_256), 0);
	assert_non_null(tpm_hash_md(TPM_ALG_SHA384));
	assert_null(tpm_hash_md(TPM_ALG_SM3_256));
	assert_int_equal(tpm_ecc_field_len(TPM_ECC_NIST_P192), 24);
	assert_int_equal(tpm_ecc_field_len(TPM_ECC_NIST_P224), 28);
	assert_int_equal(tpm_ecc_field_len(TPM_ECC_NIST_P521), 66);
	assert_int_equal(tpm_ecc_field_len(0x0010), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_public_vectors, run_cleanups),
		cmocka_unit_test_teardown(test_public_parameters, run_cleanups),
		cmocka_unit_test_teardown(test_public_swtpm_files, run_cleanups),
		cmocka_unit_test_teardown(test_public_golden_keys, run_cleanups),
		cmocka_unit_test_teardown(test_public_hostile, run_cleanups),
		cmocka_unit_test_teardown(test_public_ecc_hostile, run_cleanups),
		cmocka_unit_test_teardown(test_public_p521_lengths, run_cleanups),
		cmocka_unit_test_teardown(test_signature, run_cleanups),
		cmocka_unit_test_teardown(test_attest, run_cleanups),
		cmocka_unit_test_teardown(test_pcr_blob, run_cleanups),
		cmocka_unit_test_teardown(test_unit_test_quote, run_cleanups),
		cmocka_unit_test_teardown(test_hash_helpers, run_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
