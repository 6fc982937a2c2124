/*
 * snp_forge: test-only forger of AMD SEV-SNP evidence.
 *
 * Builds, with OpenSSL alone and without any of teev's own code, what a real
 * SNP guest and AMD's KDS would hand a verifier: a fake AMD root chain
 * (ARK -> ASK -> VCEK, ARK -> ASVK -> VLEK), VCEK/VLEK certificates carrying
 * AMD's X.509 extensions, 1184-byte attestation reports signed with the
 * VCEK/VLEK key, and GHCB certificate tables (certs_buf). Layouts follow
 * shared/docs/SNP.md and the real certificates in shared/testdata/snp.
 *
 * Keeping this independent of the verifier is the point: a bug in the
 * verifier's parser cannot hide in test input produced by the same parser.
 *
 * To forge a malformed report, build it, change the bytes, then sign it.
 * Functions returning int give 0 on success and -1 on failure (OpenSSL's
 * error queue says why).
 */
#ifndef TEEV_TESTS_SUPPORT_SNP_FORGE_H
#define TEEV_TESTS_SUPPORT_SNP_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define FORGE_REPORT_SIZE 1184U
#define FORGE_REPORT_SIGNED_SIZE 0x2A0U /* signature covers [0, 0x2A0) */
#define FORGE_CERTS_ENTRY_SIZE 24U      /* GUID[16], u32 offset, u32 length */

enum forge_product { FORGE_MILAN, FORGE_GENOA, FORGE_TURIN };
#define FORGE_PRODUCT_COUNT 3

/* "Milan", "Genoa", "Turin" (as in AMD's CNs and KDS URLs); NULL if unknown. */
const char *forge_product_name(enum forge_product p);

/* TCB components; fmc exists only on Turin and is ignored for Milan/Genoa. */
struct forge_tcb {
	uint8_t fmc, bootloader, tee, snp, microcode;
};

/* The 8-byte TCB_VERSION in the product's layout (SNP.md section 5). */
uint64_t forge_tcb_encode(enum forge_product p, const struct forge_tcb *t);

/* A plausible TCB for the product, taken from real reports. */
struct forge_tcb forge_tcb_default(enum forge_product p);

/* Fake AMD roots for one product: RSA-2048 keys, RSASSA-PSS/SHA-384 certs. */
struct forge_chain {
	enum forge_product product;
	EVP_PKEY *ark_key, *ask_key, *asvk_key;
	X509 *ark, *ask, *asvk;
};

int forge_chain_create(enum forge_product p, struct forge_chain *out);
/* Writes <dir>/<p>_ark.pem, <p>_ask.pem, <p>_asvk.pem (p lower-case). */
int forge_chain_write(const struct forge_chain *c, const char *dir);
void forge_chain_free(struct forge_chain *c);

/*
 * VCEK/VLEK options. The hwID extension is written whenever hwid is set and
 * the cspID extension whenever csp_id is set, whatever vlek says, so tests
 * can forge wrong combinations; a correct VCEK has hwid, a correct VLEK has
 * csp_id. A time of 0 takes the default: not_before = now - 1 day,
 * not_after = not_before + 7 years (VCEK) or + 1 year (VLEK), as AMD does.
 */
struct forge_vek_opts {
	bool vlek; /* signed by the ASVK, CN=SEV-VLEK */
	struct forge_tcb tcb;
	const uint8_t *hwid; /* 64 bytes Milan/Genoa, 8 bytes Turin */
	size_t hwid_len;
	bool hwid_der_wrapped;    /* OCTET STRING around hwID (AMD: raw) */
	const char *product_name; /* NULL = "Milan-B0"/"Genoa"/"Turin" (VLEK: "Milan") */
	const char *csp_id;       /* e.g. "CN=test.example" */
	time_t not_before, not_after;
};

/* A VCEK/VLEK for vek_key (EC P-384) signed by c's ASK/ASVK; NULL on error. */
X509 *forge_vek_create(const struct forge_chain *c, EVP_PKEY *vek_key,
		       const struct forge_vek_opts *o);

/* All report fields a test may want to set; the rest are zero (reserved). */
struct forge_report_opts {
	uint32_t version; /* 2, 3 or 5; CPUID bytes are written for 3 and up */
	enum forge_product product;
	uint32_t guest_svn;
	uint64_t policy;
	uint32_t vmpl;
	uint64_t platform_info;
	bool vlek; /* SIGNING_KEY = 1 (VLEK) instead of 0 (VCEK) */
	struct forge_tcb current_tcb, reported_tcb, committed_tcb, launch_tcb;
	uint8_t report_data[64], measurement[48], host_data[32], chip_id[64];
	uint8_t id_key_digest[48], family_id[16], image_id[16];
	uint8_t report_id[32], report_id_ma[32];
	uint8_t fw_major, fw_minor, fw_build; /* current and committed */
	uint64_t launch_mit_vector, current_mit_vector; /* version 5 only */
};

/*
 * Sane values for a report from product p: version 3 (Turin 5), policy
 * 0x30000, VMPL 0, default TCB everywhere, firmware 1.55.x, REPORT_ID_MA all
 * 0xFF (no migration agent); byte arrays other than that are zero.
 */
void forge_report_opts_default(struct forge_report_opts *o,
			       enum forge_product p);

/* Lays out an unsigned report (signature area zero) per SNP.md section 1. */
void forge_report_build(uint8_t out[FORGE_REPORT_SIZE],
			const struct forge_report_opts *o);

/*
 * ECDSA P-384/SHA-384 over [0, 0x2A0); R and S little-endian, zero-extended
 * to 72 bytes at 0x2A0 and 0x2E8, rest of the signature area zeroed.
 */
int forge_report_sign(uint8_t report[FORGE_REPORT_SIZE], EVP_PKEY *vek_key);

/* REPORT_DATA as SVSM and Keylime bind it: SHA-512(x || y || nonce). */
int forge_report_data_bind(uint8_t out[64], const uint8_t *x, size_t xlen,
			   const uint8_t *y, size_t ylen, const uint8_t *nonce,
			   size_t nlen);

/* certs_buf entry kinds; the ASVK goes under FORGE_CERT_ASK, as AMD's GUIDs have it. */
enum forge_cert_kind {
	FORGE_CERT_ARK,
	FORGE_CERT_ASK,
	FORGE_CERT_VCEK,
	FORGE_CERT_VLEK,
	FORGE_CERT_CRL
};

struct forge_cert_entry {
	enum forge_cert_kind kind;
	const uint8_t *der;
	size_t der_len;
};

/* The 16 GUID bytes (canonical big-endian order) of a kind; NULL if unknown. */
const uint8_t *forge_cert_guid(enum forge_cert_kind kind);

/*
 * GHCB certificate table: n entries {GUID, u32 offset LE, u32 length LE}, an
 * all-zero terminator entry, then the blobs in entry order. Returns the size
 * the table needs, like snprintf: nothing is written unless it is <= cap
 * (out may be NULL to ask for the size). Returns 0 on invalid input.
 */
size_t forge_certs_buf(uint8_t *out, size_t cap,
		       const struct forge_cert_entry *entries, size_t n);

/*
 * Writes the complete fixture that `snp-forge fixture` produces (layout in
 * the README.txt it writes, and in snp_forge.c). Fresh keys on every call.
 */
int forge_fixture_write(const char *dir);

#endif
