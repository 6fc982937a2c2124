/* snp_report.c - parse and check the layout of an SEV-SNP attestation report. */
#include "verifier/snp_report.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <stdio.h>
#include <string.h>

/* Reads little-endian integers; the caller guarantees the bounds (the length
 * is checked once, up front, against the fixed report size). */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The little-endian 72-byte R/S fields hold 48 significant bytes; the rest must be zero. */
static bool scalar_from_le72(const uint8_t *le, uint8_t be[48])
{
	for (size_t i = 0; i < 48; i++)
		be[i] = le[47 - i];
	return bytes_all_zero(le + 48, 72 - 48);
}

static enum snp_product product_from_cpuid(uint8_t family, uint8_t model)
{
	if (family == 0x19) {
		if (model <= 0x0F)
			return SNP_PRODUCT_MILAN;
		/* Genoa: 0x10-0x1F (0x00-0x0F returned Milan just above) and 0xA0-0xAF. */
		if (model <= 0x1F || (model >= 0xA0 && model <= 0xAF))
			return SNP_PRODUCT_GENOA;
	}
	if (family == 0x1A && model <= 0x11)
		return SNP_PRODUCT_TURIN;
	return SNP_PRODUCT_UNKNOWN;
}

struct mbz_range {
	size_t offset, length;
	const char *what;
};

static int check_mbz(const uint8_t *buf, const struct mbz_range *ranges, size_t n,
		     struct failures *f)
{
	for (size_t i = 0; i < n; i++) {
		if (!bytes_all_zero(buf + ranges[i].offset, ranges[i].length)) {
			failures_add(f, "tee_attestation.report_format",
				     "report %s (bytes 0x%zX..0x%zX) must be zero",
				     ranges[i].what, ranges[i].offset,
				     ranges[i].offset + ranges[i].length - 1);
			return -1;
		}
	}
	return 0;
}

int snp_report_parse(const uint8_t *buf, size_t len, struct snp_report *out,
		     struct failures *f)
{
	static const struct mbz_range common_mbz[] = {
		{0x04C, 4, "reserved field"},
		{0x1EB, 1, "reserved byte after CURRENT_VERSION"},
		{0x1EF, 1, "reserved byte after COMMITTED_VERSION"},
		{0x208, 0x2A0 - 0x208, "reserved area"},
		{0x2A0 + 0x90, SNP_REPORT_SIZE - 0x2A0 - 0x90, "signature padding"},
	};
	static const struct mbz_range v2_mbz[] = {
		{0x188, 0x18, "reserved area (v2 has no CPUID fields)"},
		{0x1F8, 0x10, "mitigation vectors (v5 only)"},
	};
	static const struct mbz_range v3_mbz[] = {
		{0x18B, 0x15, "reserved area after CPUID fields"},
		{0x1F8, 0x10, "mitigation vectors (v5 only)"},
	};
	static const struct mbz_range v5_mbz[] = {
		{0x18B, 0x15, "reserved area after CPUID fields"},
	};
	uint32_t signer_info;
	uint32_t signing_key;

	memset(out, 0, sizeof(*out));
	if (len != SNP_REPORT_SIZE) {
		failures_add(f, "tee_attestation.invalid_input",
			     "SEV-SNP attestation report must be %d bytes, got %zu",
			     SNP_REPORT_SIZE, len);
		return -1;
	}

	out->version = le32(buf + 0x000);
	if (out->version != 2 && out->version != 3 && out->version != 4 &&
	    out->version != 5) {
		failures_add(f, "tee_attestation.report_version",
			     "report version %u is not supported (expected 2, 3, 4 or 5)",
			     out->version);
		return -1;
	}
	out->signature_algo = le32(buf + 0x034);
	if (out->signature_algo != 1) {
		failures_add(f, "tee_attestation.report_format",
			     "signature algorithm %u is not supported (expected 1, ECDSA P-384 with SHA-384)",
			     out->signature_algo);
		return -1;
	}

	signer_info = le32(buf + 0x048);
	signing_key = (signer_info >> 2) & 7;
	if (signer_info >> 5) {
		failures_add(f, "tee_attestation.report_format",
			     "signer info 0x%08X has must-be-zero bits 31:5 set", signer_info);
		return -1;
	}
	if (signing_key != SNP_SIGNING_KEY_VCEK && signing_key != SNP_SIGNING_KEY_VLEK &&
	    signing_key != SNP_SIGNING_KEY_NONE) {
		failures_add(f, "tee_attestation.report_format",
			     "SIGNING_KEY %u is reserved (expected 0 VCEK, 1 VLEK or 7 none)",
			     signing_key);
		return -1;
	}

	out->policy = le64(buf + 0x008);
	if (!(out->policy & SNP_POLICY_RESERVED_ONE)) {
		failures_add(f, "tee_attestation.report_format",
			     "guest policy 0x%llX has reserved bit 17 clear (must be 1)",
			     (unsigned long long)out->policy);
		return -1;
	}
	if (out->policy >> 26) {
		failures_add(f, "tee_attestation.report_format",
			     "guest policy 0x%llX has must-be-zero bits 63:26 set",
			     (unsigned long long)out->policy);
		return -1;
	}

	if (check_mbz(buf, common_mbz, sizeof(common_mbz) / sizeof(common_mbz[0]), f))
		return -1;
	if (out->version == 2 && check_mbz(buf, v2_mbz, 2, f))
		return -1;
	if ((out->version == 3 || out->version == 4) && check_mbz(buf, v3_mbz, 2, f))
		return -1;
	if (out->version >= 5 && check_mbz(buf, v5_mbz, 1, f))
		return -1;

	out->guest_svn = le32(buf + 0x004);
	memcpy(out->family_id, buf + 0x010, 16);
	memcpy(out->image_id, buf + 0x020, 16);
	out->vmpl = le32(buf + 0x030);
	out->current_tcb = le64(buf + 0x038);
	out->platform_info = le64(buf + 0x040);
	out->author_key_en = signer_info & 1;
	out->mask_chip_key = (signer_info >> 1) & 1;
	out->signing_key = (enum snp_signing_key)signing_key;
	memcpy(out->report_data, buf + 0x050, 64);
	memcpy(out->measurement, buf + 0x090, 48);
	memcpy(out->host_data, buf + 0x0C0, 32);
	memcpy(out->id_key_digest, buf + 0x0E0, 48);
	memcpy(out->author_key_digest, buf + 0x110, 48);
	memcpy(out->report_id, buf + 0x140, 32);
	memcpy(out->report_id_ma, buf + 0x160, 32);
	out->reported_tcb = le64(buf + 0x180);
	if (out->version >= 3) {
		out->cpuid_family = buf[0x188];
		out->cpuid_model = buf[0x189];
		out->cpuid_stepping = buf[0x18A];
		out->cpuid_product = product_from_cpuid(out->cpuid_family, out->cpuid_model);
	}
	memcpy(out->chip_id, buf + 0x1A0, 64);
	out->committed_tcb = le64(buf + 0x1E0);
	out->current_fw = (struct snp_firmware){buf[0x1EA], buf[0x1E9], buf[0x1E8]};
	out->committed_fw = (struct snp_firmware){buf[0x1EE], buf[0x1ED], buf[0x1EC]};
	out->launch_tcb = le64(buf + 0x1F0);
	if (out->version >= 5) {
		out->launch_mit_vector = le64(buf + 0x1F8);
		out->current_mit_vector = le64(buf + 0x200);
	}

	if (out->vmpl > 3) {
		failures_add(f, "tee_attestation.report_format",
			     "VMPL %u is out of range (0..3)", out->vmpl);
		return -1;
	}
	if (!scalar_from_le72(buf + 0x2A0, out->sig_r) ||
	    !scalar_from_le72(buf + 0x2A0 + 0x48, out->sig_s)) {
		failures_add(f, "tee_attestation.report_format",
			     "signature R or S has non-zero bytes beyond the 48 bytes of a P-384 scalar");
		return -1;
	}
	return 0;
}

struct snp_tcb snp_tcb_decode(uint64_t raw, enum snp_product product)
{
	struct snp_tcb t = {0};
	uint8_t b[8];

	for (size_t i = 0; i < 8; i++)
		b[i] = (uint8_t)(raw >> (8 * i));
	if (product == SNP_PRODUCT_TURIN) {
		t.fmc = b[0];
		t.bootloader = b[1];
		t.tee = b[2];
		t.snp = b[3];
	} else {
		t.bootloader = b[0];
		t.tee = b[1];
		t.snp = b[6];
	}
	t.microcode = b[7];
	return t;
}

bool snp_tcb_equal(struct snp_tcb a, struct snp_tcb b, enum snp_product product)
{
	if (product == SNP_PRODUCT_TURIN && a.fmc != b.fmc)
		return false;
	return a.bootloader == b.bootloader && a.tee == b.tee && a.snp == b.snp &&
	       a.microcode == b.microcode;
}

const char *snp_product_name(enum snp_product product)
{
	switch (product) {
	case SNP_PRODUCT_MILAN:
		return "Milan";
	case SNP_PRODUCT_GENOA:
		return "Genoa";
	case SNP_PRODUCT_TURIN:
		return "Turin";
	case SNP_PRODUCT_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *snp_product_file_name(enum snp_product product)
{
	switch (product) {
	case SNP_PRODUCT_MILAN:
		return "milan";
	case SNP_PRODUCT_GENOA:
		return "genoa";
	case SNP_PRODUCT_TURIN:
		return "turin";
	case SNP_PRODUCT_UNKNOWN:
		break;
	}
	return "unknown";
}

void snp_tcb_format(struct snp_tcb tcb, enum snp_product product, char *out, size_t cap)
{
	if (product == SNP_PRODUCT_TURIN)
		snprintf(out, cap, "fmc=%u bl=%u tee=%u snp=%u ucode=%u", tcb.fmc,
			 tcb.bootloader, tcb.tee, tcb.snp, tcb.microcode);
	else
		snprintf(out, cap, "bl=%u tee=%u snp=%u ucode=%u", tcb.bootloader,
			 tcb.tee, tcb.snp, tcb.microcode);
}
