/* tpm_objects.c - bounds-checked parsers of TPM 2.0 wire structures and the
 * tpm2-tools PCR blob (see tpm_objects.h). */
#include "verifier/tpm_objects.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A read position in an untrusted buffer. Every get_* checks that the bytes
 * exist before touching them and names the field in the error, so a reason
 * says which field ran past the end. */
struct cursor {
	const uint8_t *buf;
	size_t len, off;
	char *err;
	size_t err_len;
};

static int fail(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
	if (err && err_len > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static size_t left(const struct cursor *c)
{
	return c->len - c->off;
}

static int take(struct cursor *c, size_t n, const char *what, const uint8_t **p)
{
	*p = NULL;
	if (left(c) < n) {
		fail(c->err, c->err_len, "%s truncated at offset %zu (needs %zu bytes, %zu left)",
		     what, c->off, n, left(c));
		return -1;
	}
	*p = c->buf + c->off;
	c->off += n;
	return 0;
}

static int get_u8(struct cursor *c, const char *what, uint8_t *v)
{
	const uint8_t *p;

	if (take(c, 1, what, &p) < 0)
		return -1;
	*v = p[0];
	return 0;
}

static int get_u16(struct cursor *c, const char *what, uint16_t *v)
{
	const uint8_t *p;

	if (take(c, 2, what, &p) < 0)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

static int get_u32(struct cursor *c, const char *what, uint32_t *v)
{
	const uint8_t *p;

	if (take(c, 4, what, &p) < 0)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

static int get_u64(struct cursor *c, const char *what, uint64_t *v)
{
	uint32_t hi, lo;

	if (get_u32(c, what, &hi) < 0 || get_u32(c, what, &lo) < 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Little-endian readers, for the tpm2-tools PCR blob only. */
static int get_le16(struct cursor *c, const char *what, uint16_t *v)
{
	const uint8_t *p;

	if (take(c, 2, what, &p) < 0)
		return -1;
	*v = (uint16_t)(p[0] | p[1] << 8);
	return 0;
}

static int get_le32(struct cursor *c, const char *what, uint32_t *v)
{
	const uint8_t *p;

	if (take(c, 4, what, &p) < 0)
		return -1;
	*v = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return 0;
}

/* A TPM2B: u16 size, then size bytes, which must not exceed max (the
 * capacity of the union member the TPM spec allows). dst may be NULL to skip. */
static int get_tpm2b(struct cursor *c, const char *what, size_t max, uint8_t *dst,
		     uint16_t *dst_len)
{
	uint16_t size;
	const uint8_t *p;

	if (get_u16(c, what, &size) < 0)
		return -1;
	if (size > max) {
		fail(c->err, c->err_len, "%s size %u exceeds the maximum of %zu", what, size, max);
		return -1;
	}
	if (take(c, size, what, &p) < 0)
		return -1;
	if (dst)
		memcpy(dst, p, size);
	if (dst_len)
		*dst_len = size;
	return 0;
}

static int expect_end(const struct cursor *c, const char *what)
{
	if (left(c) != 0)
		return fail(c->err, c->err_len, "%zu trailing bytes after %s", left(c), what);
	return 0;
}

size_t tpm_hash_size(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return 20;
	case TPM_ALG_SHA256:
		return 32;
	case TPM_ALG_SHA384:
		return 48;
	case TPM_ALG_SHA512:
		return 64;
	default:
		return 0;
	}
}

const EVP_MD *tpm_hash_md(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return EVP_sha1();
	case TPM_ALG_SHA256:
		return EVP_sha256();
	case TPM_ALG_SHA384:
		return EVP_sha384();
	case TPM_ALG_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* ---- TPM2B_PUBLIC ---- */

struct nist_curve {
	uint16_t id;
	uint16_t field_len;
	uint8_t p[TPM_MAX_ECC_BYTES]; /* field prime, big-endian, field_len bytes */
	const char *group;            /* OpenSSL group name */
};

/* Field primes (FIPS 186-4 D.1.2): a coordinate must be < p (SEC 1 §2.3.5). */
static const struct nist_curve nist_curves[] = {
	{TPM_ECC_NIST_P192, 24,
	 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	 "prime192v1"},
	{TPM_ECC_NIST_P224, 28,
	 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01},
	 "secp224r1"},
	{TPM_ECC_NIST_P256, 32,
	 {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	 "prime256v1"},
	{TPM_ECC_NIST_P384, 48,
	 {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff},
	 "secp384r1"},
	/* 2^521 - 1 */
	{TPM_ECC_NIST_P521, 66,
	 {0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	 "secp521r1"},
};

static const struct nist_curve *find_curve(uint16_t id)
{
	for (size_t i = 0; i < sizeof(nist_curves) / sizeof(nist_curves[0]); i++)
		if (nist_curves[i].id == id)
			return &nist_curves[i];
	return NULL;
}

size_t tpm_ecc_field_len(uint16_t curve_id)
{
	const struct nist_curve *curve = find_curve(curve_id);

	return curve ? curve->field_len : 0;
}

/* Big-endian compare of a field_len-byte coordinate with the curve prime. */
static bool below_prime(const struct nist_curve *curve, const uint8_t *v)
{
	for (size_t i = 0; i < curve->field_len; i++) {
		if (v[i] != curve->p[i])
			return v[i] < curve->p[i];
	}
	return false; /* equal to p */
}

/* TPMT_SYM_DEF_OBJECT: the key-bits and mode members exist only for a real
 * block cipher; TPMI_ALG_SYM_OBJECT allows no other algorithm. */
static int parse_sym_def(struct cursor *c, struct tpm_public *out)
{
	if (get_u16(c, "symmetric algorithm", &out->sym_alg) < 0)
		return -1;
	switch (out->sym_alg) {
	case TPM_ALG_NULL:
		return 0;
	case TPM_ALG_AES:
	case 0x0013: /* TPM_ALG_SM4 */
	case 0x0026: /* TPM_ALG_CAMELLIA */
		if (get_u16(c, "symmetric key bits", &out->sym_key_bits) < 0 ||
		    get_u16(c, "symmetric mode", &out->sym_mode) < 0)
			return -1;
		return 0;
	default:
		return fail(c->err, c->err_len, "unsupported symmetric algorithm 0x%04x",
			    out->sym_alg);
	}
}

/* TPMT_RSA_SCHEME / TPMT_ECC_SCHEME: each scheme's details have their own
 * layout (RSAES has none, ECDAA adds a count), so unknown schemes are refused
 * rather than guessed at. */
static int parse_scheme(struct cursor *c, uint16_t type, struct tpm_public *out)
{
	uint16_t count;

	if (get_u16(c, "scheme", &out->scheme) < 0)
		return -1;
	if (out->scheme == TPM_ALG_NULL)
		return 0;
	if (type == TPM_ALG_RSA) {
		switch (out->scheme) {
		case 0x0015: /* TPM_ALG_RSAES: TPMS_EMPTY */
			return 0;
		case TPM_ALG_RSASSA:
		case TPM_ALG_RSAPSS:
		case 0x0017: /* TPM_ALG_OAEP */
			return get_u16(c, "scheme hash", &out->scheme_hash);
		default:
			break;
		}
	} else {
		switch (out->scheme) {
		case TPM_ALG_ECDSA:
		case 0x0019: /* TPM_ALG_ECDH */
		case 0x001B: /* TPM_ALG_SM2 */
		case 0x001C: /* TPM_ALG_ECSCHNORR */
		case 0x001D: /* TPM_ALG_ECMQV */
			return get_u16(c, "scheme hash", &out->scheme_hash);
		case 0x001A: /* TPM_ALG_ECDAA: hashAlg, then a u16 count */
			if (get_u16(c, "scheme hash", &out->scheme_hash) < 0)
				return -1;
			return get_u16(c, "ECDAA count", &count);
		default:
			break;
		}
	}
	return fail(c->err, c->err_len, "unsupported %s scheme 0x%04x",
		    type == TPM_ALG_RSA ? "RSA" : "ECC", out->scheme);
}

static int parse_rsa(struct cursor *c, struct tpm_public *out)
{
	uint32_t exponent;
	uint16_t key_bits, modulus_len;

	if (get_u16(c, "RSA keyBits", &key_bits) < 0 ||
	    get_u32(c, "RSA exponent", &exponent) < 0 ||
	    get_tpm2b(c, "RSA modulus", TPM_MAX_RSA_BYTES, out->u.rsa.modulus, &modulus_len) < 0)
		return -1;
	if ((size_t)modulus_len * 8 != key_bits)
		return fail(c->err, c->err_len,
			    "RSA modulus is %u bytes but keyBits is %u", modulus_len, key_bits);
	if (modulus_len < TPM_MIN_RSA_BYTES)
		return fail(c->err, c->err_len, "RSA key of %u bits is too small", key_bits);
	/* A top byte of zero would make the key shorter than keyBits says. */
	if (out->u.rsa.modulus[0] == 0 || (out->u.rsa.modulus[modulus_len - 1] & 1) == 0)
		return fail(c->err, c->err_len,
			    "RSA modulus is not a %u-bit odd number", key_bits);
	if (exponent == 0)
		exponent = 65537; /* TPM 2.0 Part 2 §12.2.3.5: 0 means 2^16 + 1 */
	if (exponent < 3 || (exponent & 1) == 0)
		return fail(c->err, c->err_len, "RSA exponent %u is invalid", exponent);
	out->u.rsa.key_bits = key_bits;
	out->u.rsa.exponent = exponent;
	out->u.rsa.modulus_len = modulus_len;
	return 0;
}

/* One coordinate: field_len bytes, or one fewer for P-521 whose top byte
 * carries a single bit (as upstream accepts); stored left-padded. */
static int parse_coordinate(struct cursor *c, const struct nist_curve *curve,
			    const char *what, uint8_t *dst)
{
	uint8_t raw[TPM_MAX_ECC_BYTES];
	uint16_t raw_len;
	size_t min_len = curve->id == TPM_ECC_NIST_P521 ? 65 : curve->field_len;

	if (get_tpm2b(c, what, TPM_MAX_ECC_BYTES, raw, &raw_len) < 0)
		return -1;
	if (raw_len < min_len || raw_len > curve->field_len)
		return fail(c->err, c->err_len, "ECC %s is %u bytes, expected %u for curve 0x%04x",
			    what, raw_len, curve->field_len, curve->id);
	memset(dst, 0, curve->field_len);
	memcpy(dst + curve->field_len - raw_len, raw, raw_len);
	if (!below_prime(curve, dst))
		return fail(c->err, c->err_len,
			    "ECC %s is not below the field prime of curve 0x%04x", what,
			    curve->id);
	return 0;
}

static int parse_ecc(struct cursor *c, struct tpm_public *out)
{
	const struct nist_curve *curve;

	if (get_u16(c, "ECC curveID", &out->u.ecc.curve_id) < 0 ||
	    get_u16(c, "ECC kdf scheme", &out->u.ecc.kdf) < 0)
		return -1;
	if (out->u.ecc.kdf != TPM_ALG_NULL &&
	    get_u16(c, "ECC kdf hash", &out->u.ecc.kdf_hash) < 0)
		return -1;
	curve = find_curve(out->u.ecc.curve_id);
	if (!curve)
		return fail(c->err, c->err_len, "unsupported ECC curve 0x%04x",
			    out->u.ecc.curve_id);
	out->u.ecc.field_len = curve->field_len;
	if (parse_coordinate(c, curve, "X coordinate", out->u.ecc.x) < 0 ||
	    parse_coordinate(c, curve, "Y coordinate", out->u.ecc.y) < 0)
		return -1;
	return 0;
}

int tpm_public_parse(const uint8_t *buf, size_t len, struct tpm_public *out,
		     char *err, size_t err_len)
{
	struct cursor outer = {buf, len, 0, err, err_len};
	struct cursor c;
	uint16_t size;

	memset(out, 0, sizeof(*out));
	if (get_u16(&outer, "TPM2B_PUBLIC size", &size) < 0)
		return -1;
	if (size != left(&outer))
		return fail(err, err_len,
			    "TPM2B_PUBLIC size %u does not match the %zu bytes that follow",
			    size, left(&outer));
	out->tpmt_offset = outer.off;
	out->tpmt_len = size;
	c = (struct cursor){buf, len, outer.off, err, err_len};

	if (get_u16(&c, "type", &out->type) < 0 || get_u16(&c, "nameAlg", &out->name_alg) < 0 ||
	    get_u32(&c, "objectAttributes", &out->object_attributes) < 0 ||
	    get_tpm2b(&c, "authPolicy", TPM_MAX_DIGEST, out->auth_policy,
		      &out->auth_policy_size) < 0)
		return -1;
	if (out->type != TPM_ALG_RSA && out->type != TPM_ALG_ECC)
		return fail(err, err_len, "unsupported object type 0x%04x", out->type);
	if (parse_sym_def(&c, out) < 0 || parse_scheme(&c, out->type, out) < 0)
		return -1;
	if (out->type == TPM_ALG_RSA) {
		if (parse_rsa(&c, out) < 0)
			return -1;
	} else if (parse_ecc(&c, out) < 0) {
		return -1;
	}
	return expect_end(&c, "TPMT_PUBLIC");
}

int tpm_public_name(const uint8_t *buf, size_t len, uint8_t *out, size_t *out_len,
		    char *err, size_t err_len)
{
	struct tpm_public pub;
	const EVP_MD *md;
	unsigned int digest_len = 0;

	if (tpm_public_parse(buf, len, &pub, err, err_len) < 0)
		return -1;
	md = tpm_hash_md(pub.name_alg);
	if (!md)
		return fail(err, err_len, "unsupported nameAlg 0x%04x", pub.name_alg);
	out[0] = (uint8_t)(pub.name_alg >> 8);
	out[1] = (uint8_t)pub.name_alg;
	if (EVP_Digest(buf + pub.tpmt_offset, pub.tpmt_len, out + 2, &digest_len, md, NULL) != 1)
		return fail(err, err_len, "hashing the public area failed");
	*out_len = 2 + (size_t)digest_len;
	return 0;
}

static EVP_PKEY *key_from_params(const char *type, OSSL_PARAM_BLD *bld, char *err,
				 size_t err_len)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		fail(err, err_len, "OpenSSL refused the %s public key", type);
		ERR_clear_error(); /* the reason is in err; keep the queue clean */
		goto out;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *rsa_to_evp(const struct tpm_public *pub, char *err, size_t err_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_bin2bn(pub->u.rsa.modulus, pub->u.rsa.modulus_len, NULL);
	BIGNUM *e = BN_new();
	EVP_PKEY *pkey = NULL;

	if (!bld || !n || !e || BN_set_word(e, pub->u.rsa.exponent) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1) {
		fail(err, err_len, "out of memory building the RSA key");
		goto out;
	}
	pkey = key_from_params("RSA", bld, err, err_len);
out:
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *ecc_to_evp(const struct tpm_public *pub, char *err, size_t err_len)
{
	const struct nist_curve *curve = find_curve(pub->u.ecc.curve_id);
	uint8_t point[1 + 2 * TPM_MAX_ECC_BYTES];
	size_t field = pub->u.ecc.field_len;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (!curve || field != curve->field_len) {
		fail(err, err_len, "unsupported ECC curve 0x%04x", pub->u.ecc.curve_id);
		goto out;
	}
	point[0] = 0x04; /* SEC 1 uncompressed point */
	memcpy(point + 1, pub->u.ecc.x, field);
	memcpy(point + 1 + field, pub->u.ecc.y, field);
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve->group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
					     1 + 2 * field) != 1) {
		fail(err, err_len, "out of memory building the EC key");
		goto out;
	}
	pkey = key_from_params("EC", bld, err, err_len);
	if (!pkey) {
		fail(err, err_len, "ECC point is not on curve %s", curve->group);
		goto out;
	}
	/* Loading already rejects most bad points; the explicit check also
	 * covers the point at infinity and keeps the guarantee independent of
	 * the provider's import path. */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1) {
		fail(err, err_len, "ECC point is not on curve %s", curve->group);
		ERR_clear_error();
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(check);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

EVP_PKEY *tpm_public_to_evp(const struct tpm_public *pub, char *err, size_t err_len)
{
	if (pub->type == TPM_ALG_RSA)
		return rsa_to_evp(pub, err, err_len);
	if (pub->type == TPM_ALG_ECC)
		return ecc_to_evp(pub, err, err_len);
	fail(err, err_len, "unsupported object type 0x%04x", pub->type);
	return NULL;
}

/* ---- TPMT_SIGNATURE ---- */

int tpm_signature_parse(const uint8_t *buf, size_t len, struct tpm_signature *out,
			char *err, size_t err_len)
{
	struct cursor c = {buf, len, 0, err, err_len};

	memset(out, 0, sizeof(*out));
	if (get_u16(&c, "signature algorithm", &out->sig_alg) < 0)
		return -1;
	switch (out->sig_alg) {
	case TPM_ALG_RSASSA:
	case TPM_ALG_RSAPSS:
		if (get_u16(&c, "signature hash", &out->hash_alg) < 0 ||
		    get_tpm2b(&c, "RSA signature", TPM_MAX_RSA_BYTES, out->u.rsa.sig,
			      &out->u.rsa.sig_len) < 0)
			return -1;
		break;
	case TPM_ALG_ECDSA:
		if (get_u16(&c, "signature hash", &out->hash_alg) < 0 ||
		    get_tpm2b(&c, "ECDSA r", TPM_MAX_ECC_BYTES, out->u.ecdsa.r,
			      &out->u.ecdsa.r_len) < 0 ||
		    get_tpm2b(&c, "ECDSA s", TPM_MAX_ECC_BYTES, out->u.ecdsa.s,
			      &out->u.ecdsa.s_len) < 0)
			return -1;
		break;
	default:
		return fail(err, err_len, "unsupported signature algorithm 0x%04x", out->sig_alg);
	}
	return expect_end(&c, "TPMT_SIGNATURE");
}

/* ---- TPMS_ATTEST ---- */

int tpm_attest_parse(const uint8_t *buf, size_t len, struct tpm_attest *out,
		     char *err, size_t err_len)
{
	struct cursor c = {buf, len, 0, err, err_len};

	memset(out, 0, sizeof(*out));
	if (get_u32(&c, "magic", &out->magic) < 0)
		return -1;
	if (out->magic != TPM_GENERATED_VALUE)
		return fail(err, err_len, "bad magic 0x%08x in TPMS_ATTEST", out->magic);
	if (get_u16(&c, "attestation type", &out->type) < 0)
		return -1;
	if (out->type != TPM_ST_ATTEST_QUOTE)
		return fail(err, err_len, "TPMS_ATTEST type 0x%04x is not a quote", out->type);
	if (get_tpm2b(&c, "qualifiedSigner", TPM_MAX_NAME, out->qualified_signer,
		      &out->qualified_signer_len) < 0 ||
	    get_tpm2b(&c, "extraData", TPM_MAX_DIGEST, out->extra_data,
		      &out->extra_data_len) < 0 ||
	    get_u64(&c, "clock", &out->clock) < 0 ||
	    get_u32(&c, "resetCount", &out->reset_count) < 0 ||
	    get_u32(&c, "restartCount", &out->restart_count) < 0 ||
	    get_u8(&c, "safe", &out->safe) < 0 ||
	    get_u64(&c, "firmwareVersion", &out->firmware_version) < 0 ||
	    get_u32(&c, "PCR selection count", &out->selection_count) < 0)
		return -1;
	if (out->safe > 1)
		return fail(err, err_len, "clockInfo.safe is %u, not a TPMI_YES_NO", out->safe);
	if (out->selection_count > TPM_MAX_PCR_BANKS)
		return fail(err, err_len, "PCR selection count %u exceeds %d",
			    out->selection_count, TPM_MAX_PCR_BANKS);
	for (uint32_t i = 0; i < out->selection_count; i++) {
		struct tpm_pcr_selection *sel = &out->selections[i];
		const uint8_t *p;

		if (get_u16(&c, "PCR selection hash", &sel->hash_alg) < 0 ||
		    get_u8(&c, "sizeofSelect", &sel->size_of_select) < 0)
			return -1;
		if (sel->size_of_select > TPM_PCR_SELECT_MAX)
			return fail(err, err_len, "sizeofSelect %u exceeds %d",
				    sel->size_of_select, TPM_PCR_SELECT_MAX);
		if (take(&c, sel->size_of_select, "pcrSelect", &p) < 0)
			return -1;
		memcpy(sel->select, p, sel->size_of_select);
	}
	if (get_tpm2b(&c, "pcrDigest", TPM_MAX_DIGEST, out->pcr_digest,
		      &out->pcr_digest_len) < 0)
		return -1;
	return expect_end(&c, "TPMS_ATTEST");
}

/* ---- tpm2-tools PCR blob ---- */

/* One TPML_DIGEST as tpm2-tools keeps it in memory: u32 count, then always
 * eight {u16 size, 64-byte buffer}. Exactly the first count entries are
 * filled; a count that disagrees with the sizes is refused. */
static int parse_digest_list(struct cursor *c, uint32_t index, struct tpm_pcr_blob *out)
{
	uint32_t count;

	if (get_le32(c, "TPML_DIGEST count", &count) < 0)
		return -1;
	if (count > TPM_PCR_BLOB_LIST_DIGESTS)
		return fail(c->err, c->err_len, "digest list %u claims %u digests (at most %d)",
			    index, count, TPM_PCR_BLOB_LIST_DIGESTS);
	for (uint32_t i = 0; i < TPM_PCR_BLOB_LIST_DIGESTS; i++) {
		uint16_t size;
		const uint8_t *p;

		if (get_le16(c, "digest size", &size) < 0 || take(c, 64, "digest", &p) < 0)
			return -1;
		if (size > TPM_MAX_DIGEST)
			return fail(c->err, c->err_len, "digest %u of list %u has size %u", i,
				    index, size);
		if ((i < count) != (size != 0))
			return fail(c->err, c->err_len,
				    "digest list %u claims %u digests but entry %u has size %u",
				    index, count, i, size);
		if (size == 0)
			continue;
		/* Bounded: at most 8 values per list and TPM_PCR_BLOB_MAX_LISTS lists. */
		out->values[out->value_count].size = size;
		memcpy(out->values[out->value_count].buf, p, size);
		out->value_count++;
	}
	return 0;
}

int tpm_pcr_blob_parse(const uint8_t *buf, size_t len, struct tpm_pcr_blob *out,
		       char *err, size_t err_len)
{
	struct cursor c = {buf, len, 0, err, err_len};

	memset(out, 0, sizeof(*out));
	if (get_le32(&c, "PCR selection count", &out->count) < 0)
		return -1;
	if (out->count > TPM_PCR_BLOB_SLOTS)
		return fail(err, err_len, "PCR blob selection count %u exceeds %d", out->count,
			    TPM_PCR_BLOB_SLOTS);
	/* All 16 slots are always present: tpm2-tools dumps the whole array. */
	for (size_t i = 0; i < TPM_PCR_BLOB_SLOTS; i++) {
		const uint8_t *sel;

		if (get_le16(&c, "PCR selection hash", &out->slots[i].hash_alg) < 0 ||
		    get_u8(&c, "sizeofSelect", &out->slots[i].size_of_select) < 0)
			return -1;
		if (out->slots[i].size_of_select != 0 && out->slots[i].size_of_select != 3)
			return fail(err, err_len, "PCR blob slot %zu has sizeofSelect %u (must be 0 or 3)",
				    i, out->slots[i].size_of_select);
		/* 3 select bytes, the unused 4th select byte, 1 byte of padding. */
		if (take(&c, 5, "pcrSelect", &sel) < 0)
			return -1;
		if (out->slots[i].size_of_select == 3)
			out->slots[i].mask = sel[0] | (uint32_t)sel[1] << 8 | (uint32_t)sel[2] << 16;
	}
	if (get_le32(&c, "digest list count", &out->list_count) < 0)
		return -1;
	if (out->list_count > TPM_PCR_BLOB_MAX_LISTS)
		return fail(err, err_len, "PCR blob claims %u digest lists (at most %d)",
			    out->list_count, TPM_PCR_BLOB_MAX_LISTS);
	if (left(&c) != (size_t)out->list_count * TPM_PCR_BLOB_LIST_SIZE)
		return fail(err, err_len,
			    "PCR blob has %zu bytes for %u digest lists of %d bytes", left(&c),
			    out->list_count, TPM_PCR_BLOB_LIST_SIZE);
	for (uint32_t i = 0; i < out->list_count; i++)
		if (parse_digest_list(&c, i, out) < 0)
			return -1;
	return expect_end(&c, "the PCR blob");
}
