/* tdx_trust.h - the Intel SGX Root CA and the chains that must end in it.
 *
 * One anchor signs everything a TDX verdict rests on: the PCK chain in the
 * quote (PCK leaf -> Platform or Processor CA -> root) and the TCB signing
 * chain of the collateral (TCB Signing -> root). The anchor comes from the
 * binary (certs/intel/sgx_root_ca.pem) or, for tests, from a PEM file or a
 * folder holding sgx_root_ca.pem. Nothing in a quote or in collateral is ever
 * added as an anchor: a root that travels with them must be byte for byte
 * the pinned one.
 */
#ifndef TEEV_TDX_TRUST_H
#define TEEV_TDX_TRUST_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct failures;

#define TDX_ROOT_FILE_NAME "sgx_root_ca.pem"

struct tdx_trust {
	X509 *root;
	X509_STORE *store; /* holds the root only */
	unsigned char *root_der;
	size_t root_der_len;
	char origin[1100]; /* "embedded Intel SGX Root CA" or the file, for messages */
};

/* Loads the embedded root (path NULL or ""), the PEM file path, or
 * <path>/sgx_root_ca.pem when path is a folder. The root must be a
 * self-signed CA certificate with an EC P-256 key. Returns -1 with err. */
int tdx_trust_load(struct tdx_trust *t, const char *path, char *err, size_t err_len);
void tdx_trust_free(struct tdx_trust *t);

/* Verifies leaf -> [intermediate ->] pinned root at time at: every signature
 * ECDSA-SHA256 with P-256 keys, every certificate valid at at, the chain
 * exactly that long. presented_root, when not NULL, is the root that came
 * with the chain and must equal the pinned root byte for byte. what names the
 * chain in messages ("PCK", "TCB signing"). Appends failure_type with the
 * reason and returns -1 on failure. */
int tdx_trust_verify_chain(const struct tdx_trust *t, X509 *leaf, X509 *intermediate,
			   X509 *presented_root, time_t at, const char *what,
			   const char *failure_type, struct failures *f);

/* True when cert's key is EC P-256. */
int tdx_key_is_p256(X509 *cert);

/* ECDSA P-256/SHA-256 over data[0..len) with key; sig is r || s, 32 bytes
 * each, big-endian, as quotes and Intel's JSON carry it. 0 when it verifies. */
int tdx_ecdsa_verify(EVP_PKEY *key, const uint8_t sig[64], const uint8_t *data, size_t len);

/* The P-256 public key whose uncompressed point is 0x04 || xy; NULL when xy
 * is not a point on the curve. The caller frees it. */
EVP_PKEY *tdx_p256_key(const uint8_t xy[64]);

#endif
