/* tdx_quote.h - the Intel TDX quote, versions 4 and 5 (../shared/docs/TDX.md "Layout").
 *
 * tdx_quote_parse() checks the layout rules that hold for every quote
 * (version, attestation key type, TEE type, QE vendor, body type and size,
 * every nested length) and fills a plain struct; it knows nothing about
 * certificates or collateral. Pointers in the struct point into the buffer
 * that was parsed, which must outlive it. Bytes after the signature data are
 * accepted (real quotes are zero-padded to a fixed size, or carry text
 * there), up to TDX_QUOTE_MAX_TRAILING, and counted.
 */
#ifndef TEEV_TDX_QUOTE_H
#define TEEV_TDX_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct failures;

#define TDX_QUOTE_HEADER_SIZE 48
#define TDX_BODY10_SIZE 584 /* TDX 1.0 TD report body */
#define TDX_BODY15_SIZE 648 /* TDX 1.5: + TEE_TCB_SVN2, MRSERVICETD */
#define TDX_QE_REPORT_SIZE 384
#define TDX_QUOTE_MAX_TRAILING 16384
#define TDX_QUOTE_MAX_SIZE ((size_t)128 * 1024) /* what a caller should read at most */

#define TDX_ATT_KEY_ECDSA_P256 2
#define TDX_TEE_TYPE_TDX 0x81
#define TDX_BODY_TYPE_TD10 2
#define TDX_BODY_TYPE_TD15 3
#define TDX_CERT_DATA_PCK_CHAIN 5
#define TDX_CERT_DATA_QE_REPORT 6

#define TDX_TD_ATTRIBUTES_DEBUG 0x01 /* bit 0 of TDATTRIBUTES byte 0 */

/* Intel's Quoting Enclave vendor id. */
extern const uint8_t tdx_intel_qe_vendor_id[16];

struct tdx_td_report {
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mrsigner_seam[48];
	uint8_t seam_attributes[8];
	uint8_t td_attributes[8];
	uint8_t xfam[8];
	uint8_t mr_td[48];
	uint8_t mr_config_id[48];
	uint8_t mr_owner[48];
	uint8_t mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
	/* TDX 1.5 bodies (v5, type 3) only; zero otherwise. */
	uint8_t tee_tcb_svn2[16];
	uint8_t mr_servicetd[48];
};

/* The SGX report body of the Quoting Enclave (TDX.md "QE report body offsets"). */
struct tdx_qe_report {
	uint8_t cpusvn[16];
	uint8_t miscselect[4]; /* as in the report; the QE identity writes these bytes in hex */
	uint8_t attributes[16];
	uint8_t mr_enclave[32];
	uint8_t mr_signer[32];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint8_t report_data[64];
};

struct tdx_quote {
	uint16_t version;      /* 4 or 5 */
	uint16_t att_key_type; /* 2 */
	uint32_t tee_type;     /* 0x81 */
	uint8_t header_reserved[4];
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
	uint16_t body_type; /* 2 (TDX 1.0) or 3 (TDX 1.5); v4 quotes are type 2 */
	struct tdx_td_report body;
	size_t signed_len; /* the quote signature covers buf[0..signed_len) */
	uint8_t signature[64];  /* r || s, big-endian */
	uint8_t attest_key[64]; /* x || y of the P-256 attestation key */
	const uint8_t *qe_report_raw; /* TDX_QE_REPORT_SIZE bytes, signed by the PCK key */
	struct tdx_qe_report qe_report;
	uint8_t qe_report_signature[64];
	const uint8_t *auth_data;
	size_t auth_data_len;
	const uint8_t *pck_chain; /* certification data type 5: PEM, leaf first */
	size_t pck_chain_len;
	size_t trailing; /* bytes after the signature data */
};

/* Parses and checks the layout. On a problem appends a failure
 * (tee_attestation.quote_version for a version, key type, TEE type, QE
 * vendor or body type teev does not accept, tee_attestation.quote_format for
 * lengths and certification data) and returns -1. */
int tdx_quote_parse(const uint8_t *buf, size_t len, struct tdx_quote *out, struct failures *f);

#endif
