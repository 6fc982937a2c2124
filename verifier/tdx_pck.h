/* tdx_pck.h - the PCK certificate chain of a TDX quote and Intel's SGX
 * X.509 extensions (TDX.md step 6), plus the CRL checks of step 2.
 *
 * The chain travels in the quote's certification data type 5 as PEM: PCK
 * leaf, Intel SGX PCK Platform CA or Processor CA, Intel SGX Root CA.
 * tdx_pck_chain_split() takes exactly those three certificates and nothing
 * but white space (and the NUL padding real quotes carry) around them.
 */
#ifndef TEEV_TDX_PCK_H
#define TEEV_TDX_PCK_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct failures;

/* The CA that issued the PCK; it names the PCK CRL (?ca=platform|processor). */
enum tdx_ca_type {
	TDX_CA_PLATFORM,
	TDX_CA_PROCESSOR,
};

const char *tdx_ca_type_name(enum tdx_ca_type ca); /* "platform" or "processor" */

struct tdx_pck_chain {
	X509 *leaf, *intermediate, *root;
};

/* Splits PEM text into at most max certificates; only CERTIFICATE blocks,
 * white space between them and white space or NULs after the last are
 * allowed. Returns how many (the caller frees them), or -1 with why. */
int tdx_pem_split(const uint8_t *pem, size_t len, X509 **out, size_t max, char *why, size_t cap);

/* Splits the type-5 PEM text. Appends tee_attestation.quote_format on a
 * chain that is not exactly three PEM certificates. */
int tdx_pck_chain_split(const uint8_t *pem, size_t len, struct tdx_pck_chain *out,
			struct failures *f);
void tdx_pck_chain_free(struct tdx_pck_chain *c);

/* Values of the SGX extension (OID 1.2.840.113741.1.13.1). */
struct tdx_pck_info {
	enum tdx_ca_type ca;
	uint8_t fmspc[6];        /* .4 */
	uint8_t pce_id[2];       /* .3 */
	uint8_t sgx_svn[16];     /* .2.1 .. .2.16, the SGX TCB component SVNs */
	uint16_t pcesvn;         /* .2.17 */
	uint8_t cpusvn[16];      /* .2.18 */
};

/* Reads the SGX extension of the PCK leaf and the CA type from the leaf's
 * issuer. Appends tee_attestation.pck_extensions when it is missing or
 * malformed (a component out of range, one missing or given twice). */
int tdx_pck_parse(X509 *leaf, struct tdx_pck_info *out, struct failures *f);

/* Checks a DER CRL: issued and signed by issuer, thisUpdate <= at <=
 * nextUpdate; then that none of the n subjects is listed. name says which
 * CRL in messages ("PCK platform CA CRL"). Appends tee_attestation.crl (bad
 * or out of date) or tee_attestation.revoked and returns -1. */
int tdx_crl_check(const uint8_t *der, size_t len, X509 *issuer, X509 *const subjects[],
		  size_t n, time_t at, const char *name, struct failures *f);

#endif
