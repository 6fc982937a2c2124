/* tdx_collateral.h - Intel's TDX collateral: what it is, where it comes
 * from, and the signed JSON documents decoded (TDX.md "Collateral", step 7).
 *
 * Raw collateral is five items as Intel PCS (or a PCCS) serves them: TCB
 * info for the platform's FMSPC, the TD QE identity, the PCK CRL of the CA
 * type that issued the PCK, the Intel SGX Root CA CRL, and the TCB signing
 * chain (PEM) that signs the two JSON documents. A *source* hands the
 * verifier the raw items for an FMSPC and CA type; today a folder (`teev
 * verify --collateral DIR`) or a fixed in-memory set (tests); a database
 * cache filled from PCS implements the same interface. The verifier checks
 * every item itself, whatever the source: a source is never trusted.
 */
#ifndef TEEV_TDX_COLLATERAL_H
#define TEEV_TDX_COLLATERAL_H

#include "verifier/tdx_pck.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct failures;

enum tdx_collateral_item {
	TDX_COLLATERAL_TCB_INFO,          /* tcb_info.json */
	TDX_COLLATERAL_QE_IDENTITY,       /* qe_identity.json */
	TDX_COLLATERAL_PCK_CRL,           /* pck_crl.der (of the PCK's CA type) */
	TDX_COLLATERAL_ROOT_CRL,          /* root_crl.der */
	TDX_COLLATERAL_TCB_SIGNING_CHAIN, /* tcb_signing_chain.pem */
	TDX_COLLATERAL_ITEMS,
};

/* Largest accepted item, in bytes (a processor CA CRL is the big one). */
#define TDX_COLLATERAL_MAX_ITEM ((size_t)4 * 1024 * 1024)

/* "TCB info", "QE identity", "PCK CRL", "root CA CRL", "TCB signing chain". */
const char *tdx_collateral_item_name(enum tdx_collateral_item item);
/* The file name of the item in a collateral folder ("tcb_info.json", ...). */
const char *tdx_collateral_item_file(enum tdx_collateral_item item);

/* A set of raw items; data NULL means the item is missing. where[i] says
 * where item i came from (a path or URL), for messages. The bytes belong to
 * the source until it releases the set. */
struct tdx_collateral {
	const uint8_t *data[TDX_COLLATERAL_ITEMS];
	size_t len[TDX_COLLATERAL_ITEMS];
	char where[TDX_COLLATERAL_ITEMS][512];
};

/* Where collateral comes from. get() fills *out for the platform with this
 * FMSPC whose PCK was issued by the ca CA, as needed at time at. It returns
 * 0 (items may be missing: the verifier reports each one), or -1 after
 * appending a failure saying why nothing could be had (URL and reason).
 * release() gives back what get() handed out; it may be NULL. */
struct tdx_collateral_source {
	void *ctx;
	int (*get)(void *ctx, const uint8_t fmspc[6], enum tdx_ca_type ca, time_t at,
		   struct tdx_collateral *out, struct failures *f);
	void (*release)(void *ctx, struct tdx_collateral *c);
};

/* A source that serves one fixed set whatever the platform (tests, and a
 * caller that already holds the collateral). set must outlive the source. */
void tdx_collateral_source_fixed(struct tdx_collateral_source *src,
				 const struct tdx_collateral *set);

/* A source reading the five files of a folder laid out like each folder of
 * ../shared/testdata/tdx/ (names from tdx_collateral_item_file); a file that
 * does not exist is a missing item, one that cannot be read or is larger
 * than TDX_COLLATERAL_MAX_ITEM is a failure. dir must outlive the source. */
void tdx_collateral_source_dir(struct tdx_collateral_source *src, const char *dir);

/* ---- the signed JSON documents, decoded ---- */

enum tdx_tcb_status {
	TDX_TCB_UP_TO_DATE,
	TDX_TCB_SW_HARDENING_NEEDED,
	TDX_TCB_CONFIGURATION_NEEDED,
	TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	TDX_TCB_OUT_OF_DATE,
	TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	TDX_TCB_REVOKED,
	TDX_TCB_RELAUNCH_ADVISED,
	TDX_TCB_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
	TDX_TCB_STATUS_COUNT,
};

/* Intel's spelling: "UpToDate", ..., "TDRelaunchAdvisedConfigurationNeeded". */
const char *tdx_tcb_status_name(enum tdx_tcb_status s);
/* -1 when name is not one of them. */
int tdx_tcb_status_from_name(const char *name, size_t len, enum tdx_tcb_status *out);

#define TDX_ADVISORY_ID_MAX 32 /* bytes, with the NUL ("INTEL-SA-00079" is 14) */
#define TDX_MAX_ADVISORIES 128 /* per level */
#define TDX_MAX_LEVELS 128
#define TDX_MAX_MODULE_IDENTITIES 32
#define TDX_DATE_TEXT 24 /* "2023-06-18T08:42:58Z" and its NUL */
#define TDX_COLLATERAL_JSON_DEPTH 16

struct tdx_advisories {
	size_t count;
	char (*ids)[TDX_ADVISORY_ID_MAX];
};

struct tdx_tcb_level {
	uint8_t sgx_svn[16];
	uint16_t pcesvn;
	uint8_t tdx_svn[16];
	char tcb_date[TDX_DATE_TEXT];
	enum tdx_tcb_status status;
	struct tdx_advisories advisories;
};

/* A level of a TDX module identity or of the QE identity: by ISV SVN. */
struct tdx_isv_level {
	uint16_t isvsvn;
	char tcb_date[TDX_DATE_TEXT];
	enum tdx_tcb_status status;
	struct tdx_advisories advisories;
};

struct tdx_module_identity {
	char id[16]; /* "TDX_01" */
	uint8_t mrsigner[48];
	uint8_t attributes[8], attributes_mask[8];
	size_t level_count;
	struct tdx_isv_level *levels;
};

struct tdx_tcb_info {
	char id[16];
	int version;
	time_t issue_date, next_update;
	char issue_text[TDX_DATE_TEXT], next_text[TDX_DATE_TEXT];
	uint8_t fmspc[6];
	uint8_t pce_id[2];
	int64_t tcb_type;
	int64_t eval_num; /* tcbEvaluationDataNumber */
	struct tdx_module_identity module; /* tdxModule (no id, no levels) */
	size_t module_count;
	struct tdx_module_identity *modules; /* tdxModuleIdentities, may be empty */
	size_t level_count;
	struct tdx_tcb_level *levels;
};

struct tdx_qe_identity {
	char id[16]; /* "TD_QE" */
	int version;
	time_t issue_date, next_update;
	char issue_text[TDX_DATE_TEXT], next_text[TDX_DATE_TEXT];
	int64_t eval_num;
	uint8_t miscselect[4], miscselect_mask[4];
	uint8_t attributes[16], attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	size_t level_count;
	struct tdx_isv_level *levels;
};

/* Checks a TCB info document as served ({"tcbInfo": {...}, "signature":
 * "<128 hex>"}): strict JSON, the signature ECDSA-P256/SHA-256 by signer
 * over the exact bytes of the tcbInfo value, id "TDX" and version 3; then
 * decodes it. where names the document in messages. Appends
 * tee_attestation.collateral (malformed), .collateral_signature or
 * .tcb_info_mismatch (id, version) and returns NULL. */
struct tdx_tcb_info *tdx_tcb_info_load(const uint8_t *text, size_t len, EVP_PKEY *signer,
				       const char *where, struct failures *f);
void tdx_tcb_info_free(struct tdx_tcb_info *t);

/* The same for a QE identity ({"enclaveIdentity": {...}, "signature": ...},
 * id "TD_QE", version 2); a wrong id or version is tee_attestation.qe_identity. */
struct tdx_qe_identity *tdx_qe_identity_load(const uint8_t *text, size_t len, EVP_PKEY *signer,
					     const char *where, struct failures *f);
void tdx_qe_identity_free(struct tdx_qe_identity *q);

/* Intel's time format, exactly "YYYY-MM-DDTHH:MM:SSZ". */
int tdx_parse_time(const char *text, size_t len, time_t *out);
void tdx_format_time(time_t t, char out[TDX_DATE_TEXT]);

#endif
