/* fuzz_p384.c - libFuzzer harness, differential: ECDSA P-384 through nettle
 * and through OpenSSL (verifier/p384.c) must agree on every (key, digest,
 * signature), and so must the two libraries on whether a key is a point.
 *
 * Input: a 5-byte header, the public key x || y (96 bytes), then the digest,
 * r and s with the lengths the header gives:
 *   [0] bits 0-2: what to do with r (as given, 0, n, r + n, n - r, four
 *       leading zero bytes, r mod n, p), bits 3-5: the same for s, bits 6-7:
 *       the key (as given, y -> p - y, x and y swapped, point at infinity)
 *   [1] bits 0-1: the digest (as given, 48 zero bytes, n, 0xFF * 48)
 *   [2] digest length, [3] r length, [4] s length
 * The seeds (tests/fuzz/seed.sh) are the real SNP reports' signatures with
 * their VCEK/VLEK keys, valid as given, and the same under other headers.
 *
 * Aborts when nettle and OpenSSL disagree on a point or a signature, when
 * p384_key_new refuses a point both take or takes the point at infinity,
 * and when p384_verify says otherwise than OpenSSL. In a P384=openssl build
 * only the last two are checked.
 */
#include "verifier/p384.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
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
#define MAX_NUMBER 260 /* 255 bytes of input plus four leading zeros, or 49 for r + n */

struct curve {
	BIGNUM *n, *p;
	BN_CTX *ctx;
};

static const struct curve *curve(void)
{
	static struct curve c;

	if (!c.n) {
		EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_secp384r1);
		c.n = BN_new();
		c.p = BN_new();
		c.ctx = BN_CTX_new();
		if (!g || !c.n || !c.p || !c.ctx || !BN_copy(c.n, EC_GROUP_get0_order(g)) ||
		    EC_GROUP_get_curve(g, c.p, NULL, NULL, NULL) != 1)
			abort();
		EC_GROUP_free(g);
	}
	return &c;
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
	t = BN_new();
	if (!v || !t)
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
	/* At least 48 bytes; longer numbers keep all theirs (up to 256 bytes). */
	out_len = (size_t)BN_num_bytes(t);
	if (out_len < 48)
		out_len = 48;
	if (!ok || BN_bn2binpad(t, out, (int)out_len) < 0)
		abort();
	BN_free(v);
	BN_free(t);
	return out_len;
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
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, enc, len) != 1 ||
	    !(params = OSSL_PARAM_BLD_to_param(b)))
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
#endif

/* The key after the header's transformation (0x04 || x || y, or 0x00). */
static size_t key_encoding(unsigned op, const uint8_t *in, uint8_t enc[1 + KEY])
{
	const struct curve *c = curve();

	if (op == 3) {
		enc[0] = 0x00;
		return 1;
	}
	enc[0] = 0x04;
	if (op == 2) {
		memcpy(enc + 1, in + 48, 48);
		memcpy(enc + 49, in, 48);
		return 1 + KEY;
	}
	memcpy(enc + 1, in, KEY);
	if (op == 1) {
		BIGNUM *y = BN_bin2bn(in + 48, 48, NULL);
		if (!y)
			abort();
		/* -Q = (x, p - y); a y at or above p stays as it is. */
		if (BN_cmp(y, c->p) < 0 && !BN_is_zero(y) &&
		    (BN_sub(y, c->p, y) != 1 || BN_bn2binpad(y, enc + 49, 48) != 48))
			abort();
		BN_free(y);
	}
	return 1 + KEY;
}

static void check_signature(const struct p384_key *k, const uint8_t *digest, size_t digest_len,
			    const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len)
{
	int openssl = p384_verify_openssl(k, digest, digest_len, r, r_len, s, s_len);

#if TEEV_P384_NETTLE
	if (p384_verify_nettle(k, digest, digest_len, r, r_len, s, s_len) != openssl)
		abort();
#endif
	if (digest_len == P384_DIGEST_SIZE && r_len == P384_SCALAR_SIZE &&
	    s_len == P384_SCALAR_SIZE && (p384_verify(k, digest, r, s) == 0) != (openssl == 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t enc[1 + KEY], r[MAX_NUMBER], s[MAX_NUMBER], digest[255];
	size_t enc_len, r_len, s_len, digest_len, at = HEADER + KEY;
	EVP_PKEY *evp;
	struct p384_key *k;

	if (size < HEADER + KEY)
		return 0;
	digest_len = data[2];
	if (size < HEADER + KEY + digest_len + data[3] + data[4])
		return 0; /* bytes past the three are ignored */
	memcpy(digest, data + at, digest_len);
	at += digest_len;
	r_len = transform(data[0] & 7, data + at, data[3], r);
	at += data[3];
	s_len = transform((data[0] >> 3) & 7, data + at, data[4], s);
	switch (data[1] & 3) {
	case 1:
		memset(digest, 0, 48);
		digest_len = 48;
		break;
	case 2:
		if (BN_bn2binpad(curve()->n, digest, 48) != 48)
			abort();
		digest_len = 48;
		break;
	case 3:
		memset(digest, 0xFF, 48);
		digest_len = 48;
		break;
	default:
		break;
	}

	enc_len = key_encoding(data[0] >> 6, data + HEADER, enc);
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
		check_signature(k, digest, digest_len, r, r_len, s, s_len);
	p384_key_free(k);
	EVP_PKEY_free(evp);
	return 0;
}
