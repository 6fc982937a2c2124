/*
 * tdx_forge: test-only forger of Intel TDX evidence and collateral.
 *
 * Builds, with OpenSSL alone and without any of teev's own code, what a TD
 * and Intel's PCS would hand a verifier: a fake Intel SGX Root CA, a PCK
 * Platform (or Processor) CA, PCK certificates carrying Intel's SGX
 * extensions, a TCB signing certificate, quotes v4 and v5 (TDX 1.0 and 1.5
 * bodies) signed by an attestation key that a QE report binds, TCB info and
 * QE identity JSON signed over their exact bytes, and CRLs. Layouts follow
 * shared/docs/TDX.md and the real quotes and collateral in
 * shared/testdata/tdx.
 *
 * Keeping this independent of the verifier is the point: a bug in the
 * verifier's parser cannot hide in test input produced by the same parser.
 * Knobs cover the negative cases; tests tamper bytes of a built quote at the
 * offsets below (e.g. the body, the QE report, the signature).
 * Functions returning int give 0 on success and -1 on failure.
 */
#ifndef TEEV_TESTS_SUPPORT_TDX_FORGE_H
#define TEEV_TESTS_SUPPORT_TDX_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define TDX_FORGE_HEADER_SIZE 48U
#define TDX_FORGE_BODY10_SIZE 584U
#define TDX_FORGE_BODY15_SIZE 648U
#define TDX_FORGE_QE_REPORT_SIZE 384U

/* Offsets inside a TD report body and a QE report (TDX.md). */
#define TDX_FORGE_BODY_TD_ATTRIBUTES 120U
#define TDX_FORGE_BODY_MR_TD 136U
#define TDX_FORGE_BODY_REPORT_DATA 520U
#define TDX_FORGE_QE_ISVSVN 258U

/* Intel's real TD QE identity values (shared/testdata/tdx set A). */
extern const uint8_t tdx_forge_qe_mrsigner[32];
extern const uint8_t tdx_forge_qe_vendor_id[16];

/* The certificate hierarchy: root -> PCK CA -> PCK; root -> TCB signing. */
struct tdx_forge_pki {
	EVP_PKEY *root_key, *ca_key, *pck_key, *signing_key;
	X509 *root, *ca, *pck, *signing;
	bool processor_ca;
};

struct tdx_forge_pck_opts {
	bool processor_ca; /* "Intel SGX PCK Processor CA" instead of Platform */
	uint8_t fmspc[6];
	uint8_t pce_id[2];
	uint8_t sgx_svn[16];
	uint16_t pcesvn;
	bool omit_fmspc;  /* leave the FMSPC element out of the SGX extension */
	time_t not_before, not_after; /* 0: now - 1 day .. not_before + 7 years */
};

/* FMSPC 50806f000000, PCE-ID 0000, SGX SVNs 5,5,2,2,3,1,0,3,0.., PCESVN 11:
 * the first (UpToDate) level of tdx_forge_tcb_info_opts_default(). */
void tdx_forge_pck_opts_default(struct tdx_forge_pck_opts *o);

/* A fresh hierarchy (all keys EC P-256, all signatures ECDSA-SHA256). CAs
 * are valid from now - 1 day for 25 years. */
int tdx_forge_pki_create(struct tdx_forge_pki *pki, const struct tdx_forge_pck_opts *o);
/* Replaces the PCK (new key and certificate) under the same CA. */
int tdx_forge_pki_reissue_pck(struct tdx_forge_pki *pki, const struct tdx_forge_pck_opts *o);
void tdx_forge_pki_free(struct tdx_forge_pki *pki);

/* A fresh EC P-256 key (an attestation key); NULL on failure. */
EVP_PKEY *tdx_forge_p256_key(void);

/* Concatenated PEM of certs (malloc'd, NUL-terminated). */
char *tdx_forge_pem(X509 *const certs[], size_t n);

struct tdx_forge_quote_opts {
	unsigned version;   /* 4 or 5 */
	unsigned body_type; /* v5: 2 (TDX 1.0) or 3 (TDX 1.5) */
	uint8_t tee_tcb_svn[16], tee_tcb_svn2[16];
	uint8_t mr_seam[48], mrsigner_seam[48], seam_attributes[8], td_attributes[8], xfam[8];
	uint8_t mr_td[48], mr_config_id[48], mr_owner[48], mr_owner_config[48];
	uint8_t rtmr[4][48], report_data[64], mr_servicetd[48];
	/* QE report */
	uint8_t qe_cpusvn[16], qe_miscselect[4], qe_attributes[16];
	uint8_t qe_mrenclave[32], qe_mrsigner[32];
	uint16_t qe_isvprodid, qe_isvsvn;
	uint8_t auth_data[64];
	size_t auth_data_len;
	size_t trailing;    /* zero bytes after the signature data */
	bool der_chain;     /* type 5 holds DER, root first (Intel's QVL sample) */
	bool chain_nul;     /* a NUL after the PEM chain, as real quotes have */
	bool unbound_key;   /* QE REPORTDATA not SHA-256(attest key || auth data) */
};

/* Version 4, TEE_TCB_SVN 03 00 05 00.., SEAM signer all zero, TD attributes
 * 0000001000000000 (no debug), XFAM e742060000000000, MRTD/RTMRs distinct
 * patterns, QE values of Intel's TD QE (MRSIGNER dc9e2a7c.., ISVPRODID 2,
 * ISVSVN 4, ATTRIBUTES 15..e7..), 32 bytes of auth data, a NUL after the
 * PEM chain. */
void tdx_forge_quote_opts_default(struct tdx_forge_quote_opts *o);

/* Builds and signs a quote with pki's PCK (QE report) and attest_key (quote). */
int tdx_forge_quote(const struct tdx_forge_pki *pki, EVP_PKEY *attest_key,
		    const struct tdx_forge_quote_opts *o, uint8_t **out, size_t *len);

/* Where things are in a quote built with o. */
size_t tdx_forge_body_offset(const struct tdx_forge_quote_opts *o);
size_t tdx_forge_signature_offset(const struct tdx_forge_quote_opts *o); /* r || s */
size_t tdx_forge_qe_report_offset(const struct tdx_forge_quote_opts *o);

/* REPORTDATA as Keylime binds it: SHA-512(x || y || nonce). */
int tdx_forge_report_data_bind(uint8_t out[64], const uint8_t *x, size_t xlen, const uint8_t *y,
			       size_t ylen, const uint8_t *nonce, size_t nlen);

/* ---- collateral ---- */

struct tdx_forge_tcb_level {
	uint8_t sgx_svn[16];
	uint16_t pcesvn;
	uint8_t tdx_svn[16];
	const char *date;       /* "2023-02-15T00:00:00Z" */
	const char *status;     /* "UpToDate", "OutOfDate", ... */
	const char *advisories; /* "\"INTEL-SA-00837\",\"INTEL-SA-00960\"" or NULL */
};

struct tdx_forge_isv_level {
	uint16_t isvsvn;
	const char *date, *status, *advisories;
};

#define TDX_FORGE_MAX_LEVELS 8

struct tdx_forge_module {
	const char *id; /* "TDX_01" */
	uint8_t mrsigner[48];
	size_t level_count;
	struct tdx_forge_isv_level levels[TDX_FORGE_MAX_LEVELS];
};

struct tdx_forge_tcb_info_opts {
	const char *id; /* "TDX" */
	int version;    /* 3 */
	time_t issue_date, next_update;
	uint8_t fmspc[6], pce_id[2];
	unsigned tcb_type; /* 0, the only one Intel defines */
	unsigned eval_num;
	uint8_t module_mrsigner[48];
	size_t module_count;
	struct tdx_forge_module modules[4];
	size_t level_count;
	struct tdx_forge_tcb_level levels[TDX_FORGE_MAX_LEVELS];
};

/* Valid now - 1 day .. now + 30 days, FMSPC and PCE-ID as the default PCK,
 * eval number 17, module TDX_01 (levels isvsvn 4 UpToDate, 2 OutOfDate with
 * INTEL-SA-01036), levels: UpToDate (the default PCK and quote exactly),
 * then OutOfDate at PCESVN 5 with INTEL-SA-00837, then OutOfDate at PCESVN
 * 4, SGX SVNs 1, TDX SVNs 1 with INTEL-SA-00106. */
void tdx_forge_tcb_info_opts_default(struct tdx_forge_tcb_info_opts *o);

struct tdx_forge_qe_identity_opts {
	const char *id; /* "TD_QE" */
	int version;    /* 2 */
	time_t issue_date, next_update;
	unsigned eval_num;
	uint8_t miscselect[4], miscselect_mask[4], attributes[16], attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	size_t level_count;
	struct tdx_forge_isv_level levels[TDX_FORGE_MAX_LEVELS];
};

/* Intel's TD QE identity (set A), valid now - 1 day .. now + 30 days, one
 * level isvsvn 4 UpToDate and one isvsvn 2 OutOfDate. */
void tdx_forge_qe_identity_opts_default(struct tdx_forge_qe_identity_opts *o);

/* The documents as PCS serves them, signed with key over the exact bytes of
 * the inner value; malloc'd, NUL-terminated. */
char *tdx_forge_tcb_info(EVP_PKEY *key, const struct tdx_forge_tcb_info_opts *o);
char *tdx_forge_qe_identity(EVP_PKEY *key, const struct tdx_forge_qe_identity_opts *o);

/* A DER CRL of issuer (signed with key), listing the serials of revoked. */
int tdx_forge_crl(X509 *issuer, EVP_PKEY *key, time_t this_update, time_t next_update,
		  X509 *const revoked[], size_t n, uint8_t **der, size_t *len);

/* Everything a verifier needs for one quote, as files would hold it. */
struct tdx_forge_set {
	uint8_t *quote;
	size_t quote_len;
	char *tcb_info, *qe_identity, *signing_chain;
	uint8_t *pck_crl, *root_crl;
	size_t pck_crl_len, root_crl_len;
};

/* Builds a quote and its collateral; CRLs valid now - 1 day .. now + 30
 * days and empty; the signing chain is signing certificate + root. */
int tdx_forge_set_make(const struct tdx_forge_pki *pki, EVP_PKEY *attest_key,
		       const struct tdx_forge_quote_opts *q,
		       const struct tdx_forge_tcb_info_opts *t,
		       const struct tdx_forge_qe_identity_opts *i, struct tdx_forge_set *out);
/* Writes quote.dat, tcb_info.json, qe_identity.json, pck_crl.der,
 * root_crl.der and tcb_signing_chain.pem into dir (created if missing). */
int tdx_forge_set_write(const struct tdx_forge_set *s, const char *dir);
void tdx_forge_set_free(struct tdx_forge_set *s);

/* Writes the fixture of `tdx-forge fixture` (layout in the README.txt it
 * writes). Fresh keys on every call. */
int tdx_forge_fixture_write(const char *dir);

#endif
