/* fuzz_vcek.c - libFuzzer harness: a DER endorsement certificate (VCEK or
 * VLEK) from certs-buf, the offline folder or KDS. Reads AMD's extensions,
 * then binds the result to a report of each product (two chip ids: one
 * derived from the certificate so the comparison runs past the first byte). */
#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "verifier/snp_vek.h"

#include <json-c/json.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	const unsigned char *p = data;
	struct snp_vek_info info;
	struct snp_report report;
	X509 *cert;

	if (size > 64 * 1024)
		return 0; /* certs-buf is at most 64 KiB */
	cert = d2i_X509(NULL, &p, (long)size);
	if (!cert)
		return 0;
	failures_init(&f);
	memset(&info, 0xA5, sizeof(info)); /* the parser must set every field it reports */
	if (snp_vek_parse(cert, &info, &f) == 0) {
		memset(&report, 0, sizeof(report));
		report.version = 3;
		report.signing_key = info.is_vlek ? SNP_SIGNING_KEY_VLEK : SNP_SIGNING_KEY_VCEK;
		memcpy(report.chip_id, info.hwid, info.hwid_len <= 64 ? info.hwid_len : 64);
		report.reported_tcb = (uint64_t)info.spl.microcode << 56 |
				      (uint64_t)info.spl.snp << 48 | (uint64_t)info.spl.tee << 8 |
				      info.spl.bootloader;
		for (int i = 0; i < SNP_PRODUCT_COUNT; i++) {
			enum snp_product product = (enum snp_product)i;
			report.cpuid_product = product;
			(void)snp_vek_match_report(&info, &report, product, &f);
			report.chip_id[0] ^= 1;
			(void)snp_vek_match_report(&info, &report, product, &f);
			report.chip_id[0] ^= 1;
		}
	}
	json_object_put(failures_to_json(&f));
	failures_clear(&f);
	X509_free(cert);
	return 0;
}
