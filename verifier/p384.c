/* p384.c - ECDSA P-384 verification through nettle or OpenSSL (see p384.h). */
#include "verifier/p384.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if TEEV_P384_NETTLE
#include <gmp.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#endif

/* Longer digests or integers are refused by both implementations before
 * either looks at them: nothing real comes near (SNP's are 48 bytes), and
 * OpenSSL takes lengths as int. */
#define P384_MAX_INPUT 4096

struct p384_key {
	int refs;
	EVP_PKEY *evp;
#if TEEV_P384_NETTLE
	struct ecc_point point; /* the same public key, for nettle */
#endif
};

/* The affine coordinates of a P-384 key as 48-byte big-endian numbers. Fails
 * for another kind of key or curve, and for the point at infinity (which has
 * none, and under which anyone could forge a signature). */
static int affine_coordinates(EVP_PKEY *evp, uint8_t x[P384_SCALAR_SIZE],
			      uint8_t y[P384_SCALAR_SIZE])
{
	char group[32];
	BIGNUM *bx = NULL, *by = NULL;
	int ok = EVP_PKEY_get_base_id(evp) == EVP_PKEY_EC &&
		 EVP_PKEY_get_utf8_string_param(evp, OSSL_PKEY_PARAM_GROUP_NAME, group,
						 sizeof(group), NULL) == 1 &&
		 strcmp(group, "secp384r1") == 0 &&
		 EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
		 EVP_PKEY_get_bn_param(evp, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
		 BN_bn2binpad(bx, x, P384_SCALAR_SIZE) == P384_SCALAR_SIZE &&
		 BN_bn2binpad(by, y, P384_SCALAR_SIZE) == P384_SCALAR_SIZE;

	BN_free(bx);
	BN_free(by);
	ERR_clear_error();
	return ok ? 0 : -1;
}

#if TEEV_P384_NETTLE
/* Limbs hold the 384-bit numbers exactly (Debian's GMP has no nail bits). */
_Static_assert(GMP_NAIL_BITS == 0 && (8 * P384_SCALAR_SIZE) % GMP_NUMB_BITS == 0,
	       "P-384 numbers fill whole GMP limbs");
#define P384_LIMBS ((8 * P384_SCALAR_SIZE) / GMP_NUMB_BITS)

/* nettle's copy of the point; nettle checks it is on the curve (coordinates
 * below p, curve equation). */
static int nettle_point(struct ecc_point *point, const uint8_t x[P384_SCALAR_SIZE],
			const uint8_t y[P384_SCALAR_SIZE])
{
	mpz_t mx, my;
	int ok;

	mpz_init(mx);
	mpz_init(my);
	mpz_import(mx, P384_SCALAR_SIZE, 1, 1, 1, 0, x);
	mpz_import(my, P384_SCALAR_SIZE, 1, 1, 1, 0, y);
	ecc_point_init(point, nettle_get_secp_384r1());
	ok = ecc_point_set(point, mx, my);
	if (!ok)
		ecc_point_clear(point);
	mpz_clear(mx);
	mpz_clear(my);
	return ok ? 0 : -1;
}
#endif

struct p384_key *p384_key_new(EVP_PKEY *evp)
{
	uint8_t x[P384_SCALAR_SIZE], y[P384_SCALAR_SIZE];
	struct p384_key *k;

	if (!evp || affine_coordinates(evp, x, y))
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
#if TEEV_P384_NETTLE
	if (nettle_point(&k->point, x, y)) {
		free(k);
		return NULL;
	}
#endif
	if (EVP_PKEY_up_ref(evp) != 1) {
#if TEEV_P384_NETTLE
		ecc_point_clear(&k->point);
#endif
		free(k);
		return NULL;
	}
	k->evp = evp;
	k->refs = 1;
	return k;
}

struct p384_key *p384_key_ref(struct p384_key *k)
{
	if (k)
		__atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
	return k;
}

void p384_key_free(struct p384_key *k)
{
	if (!k || __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
#if TEEV_P384_NETTLE
	ecc_point_clear(&k->point);
#endif
	EVP_PKEY_free(k->evp);
	free(k);
}

EVP_PKEY *p384_key_evp(const struct p384_key *k)
{
	return k->evp;
}

const char *p384_implementation(void)
{
	return TEEV_P384_NETTLE ? "nettle" : "openssl";
}

static bool lengths_bounded(size_t digest_len, size_t r_len, size_t s_len)
{
	return digest_len <= P384_MAX_INPUT && r_len <= P384_MAX_INPUT && s_len <= P384_MAX_INPUT;
}

int p384_verify_openssl(const struct p384_key *k, const uint8_t *digest, size_t digest_len,
			const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	int der_len;
	EVP_PKEY_CTX *ctx = NULL;
	int ok = 0;

	if (!lengths_bounded(digest_len, r_len, s_len))
		return 0;
	sig = ECDSA_SIG_new();
	br = BN_bin2bn(r, (int)r_len, NULL);
	bs = BN_bin2bn(s, (int)s_len, NULL);
	if (!sig || !br || !bs || ECDSA_SIG_set0(sig, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		goto out;
	}
	/* sig owns the numbers from here on. OpenSSL checks 0 < r, s < n. */
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0)
		goto out;
	/* No digest set on the context: the digest is taken as given, any length. */
	ctx = EVP_PKEY_CTX_new(k->evp, NULL);
	ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, digest_len) == 1;
out:
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	return ok;
}

#if TEEV_P384_NETTLE
/* An unsigned big-endian integer as P-384 limbs (least significant first).
 * False when it does not fit in 384 bits: then it is at least 2^384 > n, out
 * of range for r and s, which nettle would refuse for the same reason. */
static bool to_limbs(const uint8_t *be, size_t len, mp_limb_t out[P384_LIMBS])
{
	while (len > 0 && be[0] == 0) {
		be++;
		len--;
	}
	if (len > P384_SCALAR_SIZE)
		return false;
	memset(out, 0, P384_LIMBS * sizeof(out[0]));
	for (size_t i = 0; i < len; i++) {
		size_t bit = 8 * i; /* of the byte i places from the least significant */
		out[bit / GMP_NUMB_BITS] |= (mp_limb_t)be[len - 1 - i] << (bit % GMP_NUMB_BITS);
	}
	return true;
}

int p384_verify_nettle(const struct p384_key *k, const uint8_t *digest, size_t digest_len,
		       const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len)
{
	mp_limb_t r_limbs[P384_LIMBS], s_limbs[P384_LIMBS];
	struct dsa_signature sig;

	if (!lengths_bounded(digest_len, r_len, s_len) || !to_limbs(r, r_len, r_limbs) ||
	    !to_limbs(s, s_len, s_limbs))
		return 0;
	/* Read-only views of the limbs: no allocation per verification. nettle
	 * checks 0 < r, s < n and takes the digest's leftmost 384 bits. */
	mpz_roinit_n(sig.r, r_limbs, P384_LIMBS);
	mpz_roinit_n(sig.s, s_limbs, P384_LIMBS);
	return ecdsa_verify(&k->point, digest_len, digest, &sig) == 1;
}
#endif

int p384_verify(const struct p384_key *k, const uint8_t digest[P384_DIGEST_SIZE],
		const uint8_t r[P384_SCALAR_SIZE], const uint8_t s[P384_SCALAR_SIZE])
{
#if TEEV_P384_NETTLE
	/* nettle decides what it accepts; what it refuses, OpenSSL decides again.
	 * nettle's sum u1*G + u2*Q is wrong when both points are equal (its own
	 * note in ecc-ecdsa-verify.c), and it refuses such a signature although it
	 * is valid. Making one takes the private key and a digest equal to d*r mod
	 * n, so no real report comes near; asking OpenSSL keeps both builds' answer
	 * the same on every input, at the cost of both checks for a refusal. */
	if (p384_verify_nettle(k, digest, P384_DIGEST_SIZE, r, P384_SCALAR_SIZE, s,
			       P384_SCALAR_SIZE) == 1)
		return 0;
#endif
	return p384_verify_openssl(k, digest, P384_DIGEST_SIZE, r, P384_SCALAR_SIZE, s,
				   P384_SCALAR_SIZE) == 1
		       ? 0
		       : -1;
}
