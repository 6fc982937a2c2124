/* p384.h - ECDSA P-384 verification: the SEV-SNP report signature.
 *
 * The one public-key operation on every SNP verdict, so the one place teev
 * uses a second crypto library (DESIGN.md): nettle (hogweed), already in the
 * process under GnuTLS, verifies P-384 in about half the time of Debian 12's
 * OpenSSL 3.0 (generic bignum code). `make` builds p384_verify on nettle;
 * `make P384=openssl` builds teev without nettle (BUILD/gen/p384_config.h
 * records the choice). Everything else (certificates, chains, CRLs, hashing)
 * is OpenSSL's.
 *
 * Keys only come from OpenSSL, which parsed them from a certificate it
 * verified: p384_key_new converts such a key once (the VEK cache keeps the
 * result), so a verification converts nothing. tests/unit/test_p384.c and
 * tests/fuzz/fuzz_p384.c give both implementations the same inputs and require
 * the same answers.
 */
#ifndef TEEV_P384_H
#define TEEV_P384_H

#include "p384_config.h" /* TEEV_P384_NETTLE: 1 or 0, written by the Makefile */

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#define P384_SCALAR_SIZE 48 /* r, s, coordinates */
#define P384_DIGEST_SIZE 48 /* SHA-384 */

struct p384_key;

/* A verification key from an EC key on P-384 (secp384r1); the key holds its
 * own reference to evp. NULL when evp is another kind of key or curve, is
 * the point at infinity, or does not convert. */
struct p384_key *p384_key_new(EVP_PKEY *evp);
/* Another reference (thread-safe); p384_key_free drops one (NULL is fine). */
struct p384_key *p384_key_ref(struct p384_key *k);
void p384_key_free(struct p384_key *k);
/* The OpenSSL key it was made from (borrowed). */
EVP_PKEY *p384_key_evp(const struct p384_key *k);

/* "nettle" or "openssl": what p384_verify uses in this build. */
const char *p384_implementation(void);

/* Returns 0 when (r, s), 48-byte big-endian integers, is a valid ECDSA
 * signature of the 48-byte digest under k, -1 otherwise. A high s (above
 * n / 2) is valid, as in both libraries: ECDSA does not ask for low s.
 * With nettle, a signature nettle refuses is checked again by OpenSSL (see
 * p384.c): a valid signature costs one nettle verification, a refusal both. */
int p384_verify(const struct p384_key *k, const uint8_t digest[P384_DIGEST_SIZE],
		const uint8_t r[P384_SCALAR_SIZE], const uint8_t s[P384_SCALAR_SIZE]);

/* Each implementation alone, for the tests and the fuzz harness that compare
 * them. Any lengths: the digest as ECDSA takes it (its leftmost 384 bits),
 * r and s as unsigned big-endian integers (leading zero bytes allowed).
 * Returns 1 for a valid signature, 0 otherwise. */
int p384_verify_openssl(const struct p384_key *k, const uint8_t *digest, size_t digest_len,
			const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len);
#if TEEV_P384_NETTLE
int p384_verify_nettle(const struct p384_key *k, const uint8_t *digest, size_t digest_len,
		       const uint8_t *r, size_t r_len, const uint8_t *s, size_t s_len);
#endif

#endif
