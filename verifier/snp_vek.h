/* snp_vek.h - the VCEK/VLEK endorsement certificate: AMD's X.509 extensions
 * (SNP.md §7) and the rules that bind a certificate to a report.
 */
#ifndef TEEV_SNP_VEK_H
#define TEEV_SNP_VEK_H

#include "verifier/snp_report.h"

#include <openssl/x509.h>
#include <stdbool.h>

struct failures;

struct snp_vek_info {
	bool is_vlek; /* subject CN says SEV-VLEK */
	char product_name[32];  /* productName extension, e.g. "Milan-B0" */
	enum snp_product product; /* productName without the stepping suffix */
	bool has_spl[5];          /* fmc, bootloader, tee, snp, microcode */
	struct snp_tcb spl;
	uint8_t hwid[64];
	size_t hwid_len; /* 0 when absent */
	char csp_id[128];
	bool has_csp_id;
};

/* Reads AMD's extensions. Returns -1 with tee_attestation.invalid_public_key
 * when an extension is malformed or the key is not EC P-384. */
int snp_vek_parse(X509 *cert, struct snp_vek_info *out, struct failures *f);

/* Checks that a parsed endorsement certificate belongs to the report (SNP.md §7
 * matching rules): signer kind, product, every SPL == REPORTED_TCB, hwID ==
 * CHIP_ID for a VCEK, cspID and no hwID for a VLEK. Appends one failure per
 * broken rule and returns -1 when any broke. */
int snp_vek_match_report(const struct snp_vek_info *vek, const struct snp_report *report,
			 enum snp_product product, struct failures *f);

#endif
