/* fuzz_p384.c - libFuzzer harness, differential: ECDSA P-384 through nettle
 * and through OpenSSL (verifier/p384.c) must agree on every (key, digest,
 * signature), and so must the two libraries on whether a key is a point.
 *
 * Input: a 5-byte header, the public key x || y (96 bytes), then the digest,
 * r and s with the lengths the header gives (bytes after them are ignored):
 *   [0] bits 0-2: what to do with r (as given, 0, n, r + n, n - r, four
 *       leading zero bytes, r mod n, p), bits 3-5: the same for s, bits 6-7:
 *       the key (as given, y -> p - y, x and y swapped, point at infinity)
 *   [1] bits 0-2: the digest (as given, 48 zero bytes, n, 48 0xFF bytes, r,
 *       n - r, d*r mod n, as given); bits 3-4: the key's source (the 96
 *       bytes, or the harness's private key d = 1, n - 1 or a fixed number,
 *       whose public key then replaces the 96 bytes); bit 5: sign, with that
 *       d and the nonce r mod n, before r and s are transformed
 *   [2] digest length, [3] r length, [4] s length
 * The seeds (tests/fuzz/seed.sh) are the real SNP reports' signatures with
 * their VCEK/VLEK keys, valid as given, the same under other headers, and
 * signatures the harness makes with its own keys.
 *
 * Aborts when nettle and OpenSSL disagree on a point or a signature, when
 * p384_key_new refuses a point both take or takes the point at infinity,
 * and when p384_verify says otherwise than OpenSSL. One disagreement is
 * known and allowed, and only when the harness proves it is that one:
 * nettle refuses a valid signature whose u1*G and u2*Q are the same point
 * (test_p384.c explains; p384_verify then asks OpenSSL). In a P384=openssl
 * build only the checks against p384_key_new and p384_verify are made.
 */
#include "verifier/p384.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if TEEV_P384_NETTLE
#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADER 5
#define KEY 96
#define MAX_NUMBER 260 /* 255 bytes of input plus four leading zeros, or 256 for + n */

struct curve {
	EC_GROUP *g;
	BIGNUM *n, *p, *keys[3]; /* the harness's private keys */
	BN_CTX *ctx;
};

static const struct curve *curve(void)
{
	static struct curve c;
	static const uint8_t fixed[48] = {
		0x5e, 0x1f, 0x0d, 0x9c, 0x27, 0x44, 0xa1, 0x3b, 0x80, 0x6d, 0xe2, 0x19,
		0x4f, 0xc7, 0x3a, 0x58, 0x91, 0x0e, 0xb6, 0x72, 0x2d, 0xf4, 0x63, 0x08,
		0xca, 0x35, 0x9f, 0x1e, 0x7b, 0x46, 0xd0, 0x21, 0xae, 0x5c, 0x83, 0x17,
		0xe9, 0x64, 0x3f, 0xb2, 0x0a, 0xd5, 0x78, 0x9b, 0x26, 0xc1, 0x4d, 0x6e,
	};

	if (!c.g) {
		c.g = EC_GROUP_new_by_curve_name(NID_secp384r1);
		c.n = BN_new();
		c.p = BN_new();
		c.ctx = BN_CTX_new();
		for (int i = 0; i < 3; i++)
			c.keys[i] = BN_new();
		if (!c.g || !c.n || !c.p || !c.ctx || !c.keys[0] || !c.keys[1] || !c.keys[2] ||
		    !BN_copy(c.n, EC_GROUP_get0_order(c.g)) ||
		    EC_GROUP_get_curve(c.g, c.p, NULL, NULL, NULL) != 1 || !BN_one(c.keys[0]) ||
		    !BN_sub(c.keys[1], c.n, c.keys[0]) || !BN_bin2bn(fixed, 48, c.keys[2]))
			abort();
	}
	return &c;
}

static BIGNUM *bn(void)
{
	BIGNUM *b = BN_new();

	if (!b)
		abort();
	return b;
}

/* One of r or s after the header's transformation, big-endian in out. */
static size_t transform(unsigned op, const uint8_t *in, size_t len, uint8_t out[MAX_NUMBER])
{
	const struct curve *c = curve();
	BIGNUM *v, *t;
	size_t out_len;
	int ok;

	if (op == 0 || op == 5) { /* the bytes as given, or after four zero bytes */
		size_t zeros = op == 5 ? 4 : 0;
		memset(out, 0, zeros);
		memcpy(out + zeros, in, len);
		return zeros + len;
	}
	v = BN_bin2bn(in, (int)len, NULL);
	t = bn();
	if (!v)
		abort();
	switch (op) {
	case 1:
		BN_zero(t);
		ok = 1;
		break;
	case 2:
		ok = BN_copy(t, c->n) != NULL;
		break;
	case 3:
		ok = BN_add(t, v, c->n);
		break;
	case 4: /* the other s of a valid signature; above n: v - n */
		ok = BN_cmp(v, c->n) <= 0 ? BN_sub(t, c->n, v) : BN_sub(t, v, c->n);
		break;
	case 6:
		ok = BN_nnmod(t, v, c->n, c->ctx);
		break;
	default:
		ok = BN_copy(t, c->p) != NULL;
		break;
	}
	/* At least 48 bytes; longer numbers keep all theirs. */
	out_len = (size_t)BN_num_bytes(t);
	if (out_len < 48)
		out_len = 48;
	if (!ok || BN_bn2binpad(t, out, (int)out_len) < 0)
		abort();
	BN_free(v);
	BN_free(t);
	return out_len;
}

/* The number ECDSA takes from a digest: its leftmost 384 bits (whole bytes). */
static BIGNUM *digest_number(const uint8_t *digest, size_t len)
{
	BIGNUM *h = BN_bin2bn(digest, (int)(len > 48 ? 48 : len), NULL);

	if (!h)
		abort();
	return h;
}

/* The digest operations that depend on r: r, n - r, d*r mod n (48 bytes). */
static void digest_from_r(unsigned op, const BIGNUM *r, const BIGNUM *d, uint8_t digest[255],
			  size_t *digest_len)
{
	const struct curve *c = curve();
	BIGNUM *h = bn();
	int ok;

	if (op == 4)
		ok = BN_nnmod(h, r, c->n, c->ctx);
	else if (op == 5)
		ok = BN_nnmod(h, r, c->n, c->ctx) && BN_mod_sub(h, c->n, h, c->n, c->ctx);
	else
		ok = BN_mod_mul(h, d, r, c->n, c->ctx);
	if (!ok || BN_bn2binpad(h, digest, 48) != 48)
		abort();
	*digest_len = 48;
	BN_free(h);
}

/* x(P) mod n. */
static void x_mod_n(const EC_POINT *pt, BIGNUM *out)
{
	const struct curve *c = curve();
	BIGNUM *x = bn();

	if (EC_POINT_get_affine_coordinates(c->g, pt, x, NULL, c->ctx) != 1 ||
	    !BN_nnmod(out, x, c->n, c->ctx))
		abort();
	BN_free(x);
}

/*
 * Signs with d: the nonce is the r bytes mod n (1 when that is 0), r = x(kG)
 * mod n; a digest operation that depends on r (4 to 6) is applied now, so the
 * signature is valid for it; s = (h + r*d) / k. r and s go to r_in, s_in.
 */
static void sign(const BIGNUM *d, unsigned digest_op, uint8_t digest[255], size_t *digest_len,
		 uint8_t r_in[255], size_t *r_len, uint8_t s_in[255], size_t *s_len)
{
	const struct curve *c = curve();
	BIGNUM *k = BN_bin2bn(r_in, (int)*r_len, NULL), *r = bn(), *s = bn(), *h;
	EC_POINT *pt = EC_POINT_new(c->g);

	if (!k || !pt || !BN_nnmod(k, k, c->n, c->ctx) || (BN_is_zero(k) && !BN_one(k)) ||
	    EC_POINT_mul(c->g, pt, k, NULL, NULL, c->ctx) != 1)
		abort();
	x_mod_n(pt, r);
	if (digest_op >= 4 && digest_op <= 6)
		digest_from_r(digest_op, r, d, digest, digest_len);
	h = digest_number(digest, *digest_len);
	if (!BN_mod_mul(s, r, d, c->n, c->ctx) || !BN_mod_add(s, s, h, c->n, c->ctx) ||
	    !BN_mod_inverse(k, k, c->n, c->ctx) || !BN_mod_mul(s, s, k, c->n, c->ctx) ||
	    BN_bn2binpad(r, r_in, 48) != 48 || BN_bn2binpad(s, s_in, 48) != 48)
		abort();
	*r_len = *s_len = 48;
	BN_free(k);
	BN_free(r);
	BN_free(s);
	BN_free(h);
	EC_POINT_free(pt);
}

/* The public key of d as x || y. */
static void public_key(const BIGNUM *d, uint8_t xy[KEY])
{
	const struct curve *c = curve();
	EC_POINT *q = EC_POINT_new(c->g);
	BIGNUM *x = bn(), *y = bn();

	if (!q || EC_POINT_mul(c->g, q, d, NULL, NULL, c->ctx) != 1 ||
	    EC_POINT_get_affine_coordinates(c->g, q, x, y, c->ctx) != 1 ||
	    BN_bn2binpad(x, xy, 48) != 48 || BN_bn2binpad(y, xy + 48, 48) != 48)
		abort();
	EC_POINT_free(q);
	BN_free(x);
	BN_free(y);
}

/* OpenSSL's key for an encoded point, NULL when it refuses the point. */
static EVP_PKEY *openssl_key(const uint8_t *enc, size_t len)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *evp = NULL;

	if (!b || !ctx ||
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "secp384r1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, enc, len) != 1)
		abort();
	params = OSSL_PARAM_BLD_to_param(b);
	if (!params)
		abort();
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &evp, EVP_PKEY_PUBLIC_KEY, params) != 1)
		evp = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	return evp;
}

#if TEEV_P384_NETTLE
static int nettle_takes(const uint8_t x[48], const uint8_t y[48])
{
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
	return ok != 0;
}

/* True when 0 < r, s < n and u1*G = u2*Q (u1 = h/s, u2 = r/s): the sum
 * nettle cannot form. enc is the key's encoding (0x04 || x || y). */
static bool equal_halves(const uint8_t *enc, size_t enc_len, const uint8_t *digest,
			 size_t digest_len, const uint8_t *r, size_t r_len, const uint8_t *s,
			 size_t s_len)
{
	const struct curve *c = curve();
	BIGNUM *h = digest_number(digest, digest_len), *br = BN_bin2bn(r, (int)r_len, NULL),
	       *bs = BN_bin2bn(s, (int)s_len, NULL), *inv = bn(), *u1 = bn(), *u2 = bn();
	EC_POINT *q = EC_POINT_new(c->g), *p1 = EC_POINT_new(c->g), *p2 = EC_POINT_new(c->g);
	bool equal = false;

	if (!br || !bs || !q || !p1 || !p2)
		abort();
	if (!BN_is_zero(br) && !BN_is_zero(bs) && BN_cmp(br, c->n) < 0 && BN_cmp(bs, c->n) < 0) {
		if (EC_POINT_oct2point(c->g, q, enc, enc_len, c->ctx) != 1 ||
		    !BN_mod_inverse(inv, bs, c->n, c->ctx) ||
		    !BN_mod_mul(u1, h, inv, c->n, c->ctx) ||
		    !BN_mod_mul(u2, br, inv, c->n, c->ctx) ||
		    EC_POINT_mul(c->g, p1, u1, NULL, NULL, c->ctx) != 1 ||
		    EC_POINT_mul(c->g, p2, NULL, q, u2, c->ctx) != 1)
			abort();
		equal = !BN_is_zero(u1) && EC_POINT_cmp(c->g, p1, p2, c->ctx) == 0;
	}
	BN_free(h);
	BN_free(br);
	BN_free(bs);
	BN_free(inv);
	BN_free(u1);
	BN_free(u2);
	EC_POINT_free(q);
	EC_POINT_free(p1);
	EC_POINT_free(p2);
	return equal;
}
#endif

/* The key after the header's transformation (0x04 || x || y, or 0x00). */
static size_t key_encoding(unsigned op, const uint8_t xy[KEY], uint8_t enc[1 + KEY])
{
	const struct curve *c = curve();

	if (op == 3) {
		enc[0] = 0x00;
		return 1;
	}
	enc[0] = 0x04;
	if (op == 2) {
		memcpy(enc + 1, xy + 48, 48);
		memcpy(enc + 49, xy, 48);
		return 1 + KEY;
	}
	memcpy(enc + 1, xy, KEY);
	if (op == 1) {
		BIGNUM *y = BN_bin2bn(xy + 48, 48, NULL);
		if (!y)
			abort();
		/* -Q = (x, p - y); a y of 0 or at or above p stays as it is. */
		if (BN_cmp(y, c->p) < 0 && !BN_is_zero(y) &&
		    (BN_sub(y, c->p, y) != 1 || BN_bn2binpad(y, enc + 49, 48) != 48))
			abort();
		BN_free(y);
	}
	return 1 + KEY;
}

static void check_signature(const struct p384_key *k, const uint8_t *enc, size_t enc_len,
			    const uint8_t *digest, size_t digest_len, const uint8_t *r,
			    size_t r_len, const uint8_t *s, size_t s_len)
{
	int openssl = p384_verify_openssl(k, digest, digest_len, r, r_len, s, s_len);

#if TEEV_P384_NETTLE
	int nettle = p384_verify_nettle(k, digest, digest_len, r, r_len, s, s_len);
	if (nettle != openssl &&
	    !(nettle == 0 && openssl == 1 &&
	      equal_halves(enc, enc_len, digest, digest_len, r, r_len, s, s_len)))
		abort();
#else
	(void)enc;
	(void)enc_len;
#endif
	if (digest_len == P384_DIGEST_SIZE && r_len == P384_SCALAR_SIZE &&
	    s_len == P384_SCALAR_SIZE && (p384_verify(k, digest, r, s) == 0) != (openssl == 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t xy[KEY], enc[1 + KEY], digest[255], r_in[255], s_in[255];
	uint8_t r[MAX_NUMBER], s[MAX_NUMBER];
	size_t enc_len, r_len, s_len, digest_len, r_in_len, s_in_len, at = HEADER + KEY;
	unsigned digest_op, source;
	const BIGNUM *d = NULL;
	EVP_PKEY *evp;
	struct p384_key *k;

	if (size < HEADER + KEY || size < HEADER + KEY + data[2] + data[3] + data[4])
		return 0; /* bytes past the three are ignored */
	digest_op = data[1] & 7;
	source = (data[1] >> 3) & 3;
	digest_len = data[2];
	r_in_len = data[3];
	s_in_len = data[4];
	memcpy(digest, data + at, digest_len);
	memcpy(r_in, data + at + digest_len, r_in_len);
	memcpy(s_in, data + at + digest_len + r_in_len, s_in_len);
	memcpy(xy, data + HEADER, KEY);
	if (source) {
		d = curve()->keys[source - 1];
		public_key(d, xy);
	}

	/* Fixed digests first, then the signature, then what depends on r. */
	if (digest_op >= 1 && digest_op <= 3) {
		if (digest_op == 2 && BN_bn2binpad(curve()->n, digest, 48) != 48)
			abort();
		else if (digest_op != 2)
			memset(digest, digest_op == 1 ? 0 : 0xFF, 48);
		digest_len = 48;
	}
	if (d && (data[1] & 0x20))
		sign(d, digest_op, digest, &digest_len, r_in, &r_in_len, s_in, &s_in_len);
	r_len = transform(data[0] & 7, r_in, r_in_len, r);
	s_len = transform((data[0] >> 3) & 7, s_in, s_in_len, s);
	if (!(d && (data[1] & 0x20)) && digest_op >= 4 && digest_op <= 6 &&
	    (digest_op != 6 || d)) {
		BIGNUM *br = BN_bin2bn(r, (int)r_len, NULL);
		if (!br)
			abort();
		digest_from_r(digest_op, br, d, digest, &digest_len);
		BN_free(br);
	}

	enc_len = key_encoding(data[0] >> 6, xy, enc);
	evp = openssl_key(enc, enc_len);
#if TEEV_P384_NETTLE
	if (enc_len > 1 && nettle_takes(enc + 1, enc + 49) != (evp != NULL))
		abort();
#endif
	if (!evp)
		return 0;
	k = p384_key_new(evp);
	if ((k != NULL) != (enc_len > 1)) /* every point both take, never infinity */
		abort();
	if (k)
		check_signature(k, enc, enc_len, digest, digest_len, r, r_len, s, s_len);
	p384_key_free(k);
	EVP_PKEY_free(evp);
	return 0;
}
