/* snp_report.h - the AMD SEV-SNP ATTESTATION_REPORT (SNP ABI spec 56860, ../shared/docs/SNP.md §1-6).
 *
 * snp_report_parse() checks the layout rules that hold for every report
 * (length, version, signature algorithm, signing key, must-be-zero ranges) and
 * fills a plain struct; it knows nothing about certificates or policies.
 * TCB values are kept raw because their byte layout depends on the product,
 * which v2 reports only reveal through the endorsement certificate.
 */
#ifndef TEEV_SNP_REPORT_H
#define TEEV_SNP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct failures;

#define SNP_REPORT_SIZE 0x4A0
#define SNP_SIGNED_SIZE 0x2A0

enum snp_product {
	SNP_PRODUCT_UNKNOWN = 0,
	SNP_PRODUCT_MILAN,
	SNP_PRODUCT_GENOA,
	SNP_PRODUCT_TURIN,
};
#define SNP_PRODUCT_COUNT 4

enum snp_signing_key {
	SNP_SIGNING_KEY_VCEK = 0,
	SNP_SIGNING_KEY_VLEK = 1,
	SNP_SIGNING_KEY_NONE = 7,
};

/* GUEST POLICY bits (SNP.md §2). */
#define SNP_POLICY_SMT (1ull << 16)
#define SNP_POLICY_RESERVED_ONE (1ull << 17)
#define SNP_POLICY_MIGRATE_MA (1ull << 18)
#define SNP_POLICY_DEBUG (1ull << 19)
#define SNP_POLICY_SINGLE_SOCKET (1ull << 20)

/* PLATFORM_INFO bits (SNP.md §3). */
#define SNP_PLATFORM_SMT_EN (1ull << 0)
#define SNP_PLATFORM_TSME_EN (1ull << 1)
#define SNP_PLATFORM_KNOWN_BITS 0xBFull /* bits 0-5 and 7; bit 6 is seen but undocumented */

struct snp_tcb {
	uint8_t fmc; /* Turin and later only */
	uint8_t bootloader;
	uint8_t tee;
	uint8_t snp;
	uint8_t microcode;
};

struct snp_firmware {
	uint8_t major, minor, build;
};

struct snp_report {
	uint32_t version;
	uint32_t guest_svn;
	uint64_t policy;
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t vmpl;
	uint32_t signature_algo;
	uint64_t current_tcb;
	uint64_t platform_info;
	bool author_key_en;
	bool mask_chip_key;
	enum snp_signing_key signing_key;
	uint8_t report_data[64];
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t id_key_digest[48];
	uint8_t author_key_digest[48];
	uint8_t report_id[32];
	uint8_t report_id_ma[32];
	uint64_t reported_tcb;
	uint8_t cpuid_family, cpuid_model, cpuid_stepping; /* v3+ only */
	uint8_t chip_id[64];
	uint64_t committed_tcb;
	struct snp_firmware current_fw;
	struct snp_firmware committed_fw;
	uint64_t launch_tcb;
	uint64_t launch_mit_vector;  /* v5+ */
	uint64_t current_mit_vector; /* v5+ */
	/* Signature as big-endian P-384 scalars (converted from the report's little-endian form). */
	uint8_t sig_r[48];
	uint8_t sig_s[48];
	/* Product named by the CPUID bytes; UNKNOWN for v2 reports. */
	enum snp_product cpuid_product;
};

/* Parses and checks the layout of a report. On a problem appends a failure
 * (tee_attestation.invalid_input for the wrong length, .report_version,
 * .report_format otherwise) and returns -1. */
int snp_report_parse(const uint8_t *buf, size_t len, struct snp_report *out,
		     struct failures *f);

/* Splits a raw TCB_VERSION according to the product's layout (SNP.md §5). */
struct snp_tcb snp_tcb_decode(uint64_t raw, enum snp_product product);
bool snp_tcb_equal(struct snp_tcb a, struct snp_tcb b, enum snp_product product);

/* "Milan", "Genoa", "Turin" or "unknown"; and the lower-case form for file names. */
const char *snp_product_name(enum snp_product product);
const char *snp_product_file_name(enum snp_product product);

/* Writes "bl=4 tee=0 snp=24 ucode=219" (with "fmc=N " first on Turin). */
void snp_tcb_format(struct snp_tcb tcb, enum snp_product product, char *out, size_t cap);

#endif
