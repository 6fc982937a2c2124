/* test_snp_report.c - unit tests for verifier/snp_report.c: parsing and the
 * layout rules of the SEV-SNP ATTESTATION_REPORT (../shared/docs/SNP.md §1-6).
 *
 * Every real report in $SHARED_DIR/testdata/snp/<vector>/report.bin must parse
 * to the values listed in that folder's README. Negative cases start from a
 * real report and change one thing each (length, version, signature
 * algorithm, signing key, policy bits, a must-be-zero byte, VMPL, the R/S
 * padding) and assert the exact failure type. TCB decoding per product
 * layout, CPUID-to-product mapping and the small helpers are covered too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "tests/support/test_cleanup.h"

/* ---- helpers ---- */

/* Reads <shared>/testdata/snp/<vector>/report.bin into buf (SNP_REPORT_SIZE). */
static void load_report(const char *vector, uint8_t buf[SNP_REPORT_SIZE])
{
	char path[1024];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/testdata/snp/%s/report.bin", shared_dir(), vector);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open %s (set SHARED_DIR)", path);
	n = fread(buf, 1, SNP_REPORT_SIZE, fp);
	assert_int_equal(fgetc(fp), EOF); /* exactly 1184 bytes */
	fclose(fp);
	assert_int_equal(n, SNP_REPORT_SIZE);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (size_t i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (size_t i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Parses buf and asserts that it fails with exactly one failure of type; the
 * message must contain want_text when that is not NULL. */
static void assert_parse_fails(const uint8_t *buf, size_t len, const char *type,
			       const char *want_text)
{
	struct snp_report r;
	struct failures f;

	failures_init(&f);
	assert_int_equal(snp_report_parse(buf, len, &r, &f), -1);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].type, type);
	if (want_text && !strstr(f.items[0].message, want_text))
		fail_msg("message \"%s\" lacks \"%s\"", f.items[0].message, want_text);
	failures_clear(&f);
}

static void assert_parses(const uint8_t *buf, struct snp_report *r)
{
	struct failures f;

	failures_init(&f);
	if (snp_report_parse(buf, SNP_REPORT_SIZE, r, &f) != 0)
		fail_msg("parse failed: %s: %s", f.items[0].type, f.items[0].message);
	assert_int_equal(f.count, 0);
	failures_clear(&f);
}

/* A real v3 (Milan, Oak) report with byte off changed to value, then parsed. */
static void assert_v3_byte_fails(size_t off, uint8_t value, const char *type,
				 const char *want_text)
{
	uint8_t buf[SNP_REPORT_SIZE];

	load_report("milan-v3-oak", buf);
	buf[off] = value;
	assert_parse_fails(buf, sizeof(buf), type, want_text);
}

/* ---- real vectors ---- */

struct expected_report {
	const char *vector;
	uint32_t version, vmpl, guest_svn;
	uint64_t policy, platform_info, reported_tcb, current_tcb;
	enum snp_signing_key signing_key;
	enum snp_product cpuid_product;
	uint8_t cpuid_family, cpuid_model;
	struct snp_firmware fw;
	uint64_t launch_mit, current_mit;
	uint8_t first_chip_id_byte;
};

/* Values from shared/testdata/snp/README.md. */
static const struct expected_report real_reports[] = {
	{"milan-v2-trustee", 2, 0, 4, 0x3001f, 0x1, 0x7308000000000003, 0xce08000000000003,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_UNKNOWN, 0, 0, {1, 52, 4}, 0, 0, 0xc3},
	{"milan-v2-gosevguest", 2, 0, 0, 0xb0000, 0x1, 0x4405000000000002, 0x4405000000000002,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_UNKNOWN, 0, 0, {1, 49, 3}, 0, 0, 0x3a},
	{"milan-v2-virtee", 2, 0, 0, 0x30000, 0x1, 0x7308000000000003, 0x7308000000000003,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_UNKNOWN, 0, 0, {1, 52, 4}, 0, 0, 0xd4},
	{"milan-v3-azure", 3, 0, 10, 0x3001f, 0x25, 0xdb18000000000004, 0xdb18000000000004,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_MILAN, 0x19, 0x01, {1, 55, 29}, 0, 0, 0x66},
	{"milan-v3-vlek-aws", 3, 1, 0, 0x30000, 0x27, 0xd918000000000004, 0xdc18000000000004,
	 SNP_SIGNING_KEY_VLEK, SNP_PRODUCT_MILAN, 0x19, 0x01, {1, 55, 29}, 0, 0, 0x00},
	{"milan-v3-oak", 3, 0, 0, 0x30000, 0x25, 0xdb18000000000004, 0xdb18000000000004,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_MILAN, 0x19, 0x01, {1, 55, 29}, 0, 0, 0xa3},
	{"genoa-v3-trustee-e2e", 3, 0, 0, 0x30000, 0x25, 0x191700000000000a,
	 0x191700000000000a, SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_GENOA, 0x19, 0xa0, {1, 55, 40},
	 0, 0, 0x37},
	{"genoa-v5-oak", 5, 0, 0, 0x30000, 0x25, 0x541900000000000a, 0x541900000000000a,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_GENOA, 0x19, 0x11, {1, 55, 43}, 1, 1, 0xd2},
	{"turin-v5-oak", 5, 0, 0, 0x30000, 0x67, 0x4700000002000100, 0x4700000002000100,
	 SNP_SIGNING_KEY_VCEK, SNP_PRODUCT_TURIN, 0x1a, 0x02, {1, 55, 61}, 0, 0, 0x3b},
};

static void check_real_report(const struct expected_report *want)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	load_report(want->vector, buf);
	assert_parses(buf, &r);
	assert_int_equal(r.version, want->version);
	assert_int_equal(r.vmpl, want->vmpl);
	assert_int_equal(r.guest_svn, want->guest_svn);
	assert_int_equal(r.policy, want->policy);
	assert_int_equal(r.platform_info, want->platform_info);
	assert_int_equal(r.reported_tcb, want->reported_tcb);
	assert_int_equal(r.current_tcb, want->current_tcb);
	assert_int_equal(r.signature_algo, 1);
	assert_int_equal(r.signing_key, want->signing_key);
	assert_false(r.mask_chip_key);
	assert_false(r.author_key_en);
	assert_int_equal(r.cpuid_product, want->cpuid_product);
	assert_int_equal(r.cpuid_family, want->cpuid_family);
	assert_int_equal(r.cpuid_model, want->cpuid_model);
	assert_int_equal(r.current_fw.major, want->fw.major);
	assert_int_equal(r.current_fw.minor, want->fw.minor);
	assert_int_equal(r.current_fw.build, want->fw.build);
	assert_int_equal(r.launch_mit_vector, want->launch_mit);
	assert_int_equal(r.current_mit_vector, want->current_mit);
	assert_int_equal(r.chip_id[0], want->first_chip_id_byte);
	/* Byte fields are copied from their offsets. */
	assert_memory_equal(r.report_data, buf + 0x50, 64);
	assert_memory_equal(r.measurement, buf + 0x90, 48);
	assert_memory_equal(r.host_data, buf + 0xC0, 32);
	assert_memory_equal(r.id_key_digest, buf + 0xE0, 48);
	assert_memory_equal(r.chip_id, buf + 0x1A0, 64);
	assert_int_equal(r.committed_tcb, get_le64(buf + 0x1E0));
	assert_int_equal(r.launch_tcb, get_le64(buf + 0x1F0));
	/* REPORT_ID_MA is all 0xFF in every real report (no migration agent). */
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(r.report_id_ma[i], 0xFF);
	/* R and S are little-endian in the report and big-endian in the struct. */
	for (size_t i = 0; i < 48; i++) {
		assert_int_equal(r.sig_r[i], buf[0x2A0 + 47 - i]);
		assert_int_equal(r.sig_s[i], buf[0x2E8 + 47 - i]);
	}
}

static void test_every_real_report_parses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(real_reports) / sizeof(real_reports[0]); i++) {
		print_message("  %s\n", real_reports[i].vector);
		check_real_report(&real_reports[i]);
	}
}

/* Values the README spells out per vector, decoded with each layout. */
static void test_real_report_tcb_decode(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;
	struct snp_tcb t;

	(void)state;
	load_report("milan-v3-azure", buf);
	assert_parses(buf, &r);
	t = snp_tcb_decode(r.reported_tcb, SNP_PRODUCT_MILAN);
	assert_int_equal(t.bootloader, 4);
	assert_int_equal(t.tee, 0);
	assert_int_equal(t.snp, 24);
	assert_int_equal(t.microcode, 219);
	assert_int_equal(t.fmc, 0);

	load_report("turin-v5-oak", buf);
	assert_parses(buf, &r);
	t = snp_tcb_decode(r.reported_tcb, SNP_PRODUCT_TURIN);
	assert_int_equal(t.fmc, 0);
	assert_int_equal(t.bootloader, 1);
	assert_int_equal(t.tee, 0);
	assert_int_equal(t.snp, 2);
	assert_int_equal(t.microcode, 0x47);

	load_report("genoa-v5-oak", buf);
	assert_parses(buf, &r);
	t = snp_tcb_decode(r.reported_tcb, SNP_PRODUCT_GENOA);
	assert_int_equal(t.bootloader, 10);
	assert_int_equal(t.tee, 0);
	assert_int_equal(t.snp, 25);
	assert_int_equal(t.microcode, 84);

	load_report("milan-v3-vlek-aws", buf);
	assert_parses(buf, &r);
	t = snp_tcb_decode(r.reported_tcb, SNP_PRODUCT_MILAN);
	assert_int_equal(t.microcode, 217); /* REPORTED lags CURRENT (220) here */
	t = snp_tcb_decode(r.current_tcb, SNP_PRODUCT_MILAN);
	assert_int_equal(t.microcode, 220);
}

/* ---- TCB helpers ---- */

static void test_tcb_decode_layouts(void **state)
{
	struct snp_tcb milan = snp_tcb_decode(0xDB18000000000004ull, SNP_PRODUCT_MILAN);
	struct snp_tcb turin = snp_tcb_decode(0x4700000002000100ull, SNP_PRODUCT_TURIN);
	struct snp_tcb bytes = snp_tcb_decode(0x8877665544332211ull, SNP_PRODUCT_TURIN);
	struct snp_tcb genoa = snp_tcb_decode(0x8877665544332211ull, SNP_PRODUCT_GENOA);

	(void)state;
	assert_int_equal(milan.bootloader, 4);
	assert_int_equal(milan.tee, 0);
	assert_int_equal(milan.snp, 24);
	assert_int_equal(milan.microcode, 219);
	assert_int_equal(milan.fmc, 0);
	assert_int_equal(turin.fmc, 0);
	assert_int_equal(turin.bootloader, 1);
	assert_int_equal(turin.tee, 0);
	assert_int_equal(turin.snp, 2);
	assert_int_equal(turin.microcode, 0x47);
	/* Distinct bytes show which byte each component comes from. */
	assert_int_equal(bytes.fmc, 0x11);
	assert_int_equal(bytes.bootloader, 0x22);
	assert_int_equal(bytes.tee, 0x33);
	assert_int_equal(bytes.snp, 0x44);
	assert_int_equal(bytes.microcode, 0x88);
	assert_int_equal(genoa.fmc, 0);
	assert_int_equal(genoa.bootloader, 0x11);
	assert_int_equal(genoa.tee, 0x22);
	assert_int_equal(genoa.snp, 0x77);
	assert_int_equal(genoa.microcode, 0x88);
}

static void test_tcb_equal_is_per_component(void **state)
{
	struct snp_tcb a = {.fmc = 1, .bootloader = 4, .tee = 0, .snp = 24, .microcode = 219};
	struct snp_tcb b = a;

	(void)state;
	assert_true(snp_tcb_equal(a, b, SNP_PRODUCT_TURIN));
	b.fmc = 2;
	/* fmc only exists on Turin. */
	assert_false(snp_tcb_equal(a, b, SNP_PRODUCT_TURIN));
	assert_true(snp_tcb_equal(a, b, SNP_PRODUCT_MILAN));
	b = a;
	b.microcode = 220;
	assert_false(snp_tcb_equal(a, b, SNP_PRODUCT_MILAN));
	b = a;
	b.snp = 23;
	assert_false(snp_tcb_equal(a, b, SNP_PRODUCT_GENOA));
	b = a;
	b.bootloader = 3;
	assert_false(snp_tcb_equal(a, b, SNP_PRODUCT_TURIN));
	b = a;
	b.tee = 1;
	assert_false(snp_tcb_equal(a, b, SNP_PRODUCT_MILAN));
}

static void test_tcb_format_and_product_names(void **state)
{
	char text[64];
	struct snp_tcb t = {.fmc = 3, .bootloader = 4, .tee = 0, .snp = 24, .microcode = 219};

	(void)state;
	snp_tcb_format(t, SNP_PRODUCT_MILAN, text, sizeof(text));
	assert_string_equal(text, "bl=4 tee=0 snp=24 ucode=219");
	snp_tcb_format(t, SNP_PRODUCT_TURIN, text, sizeof(text));
	assert_string_equal(text, "fmc=3 bl=4 tee=0 snp=24 ucode=219");
	assert_string_equal(snp_product_name(SNP_PRODUCT_MILAN), "Milan");
	assert_string_equal(snp_product_name(SNP_PRODUCT_GENOA), "Genoa");
	assert_string_equal(snp_product_name(SNP_PRODUCT_TURIN), "Turin");
	assert_string_equal(snp_product_name(SNP_PRODUCT_UNKNOWN), "unknown");
	assert_string_equal(snp_product_file_name(SNP_PRODUCT_MILAN), "milan");
	assert_string_equal(snp_product_file_name(SNP_PRODUCT_GENOA), "genoa");
	assert_string_equal(snp_product_file_name(SNP_PRODUCT_TURIN), "turin");
}

/* ---- CPUID to product (v3+) ---- */

static enum snp_product product_for_cpuid(uint8_t family, uint8_t model)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	load_report("milan-v3-oak", buf);
	buf[0x188] = family;
	buf[0x189] = model;
	assert_parses(buf, &r);
	assert_int_equal(r.cpuid_family, family);
	assert_int_equal(r.cpuid_model, model);
	return r.cpuid_product;
}

static void test_cpuid_product_mapping(void **state)
{
	(void)state;
	assert_int_equal(product_for_cpuid(0x19, 0x01), SNP_PRODUCT_MILAN);
	assert_int_equal(product_for_cpuid(0x19, 0x0F), SNP_PRODUCT_MILAN);
	assert_int_equal(product_for_cpuid(0x19, 0x10), SNP_PRODUCT_GENOA);
	assert_int_equal(product_for_cpuid(0x19, 0x11), SNP_PRODUCT_GENOA);
	assert_int_equal(product_for_cpuid(0x19, 0xA0), SNP_PRODUCT_GENOA);
	assert_int_equal(product_for_cpuid(0x19, 0xAF), SNP_PRODUCT_GENOA);
	assert_int_equal(product_for_cpuid(0x19, 0x20), SNP_PRODUCT_UNKNOWN);
	assert_int_equal(product_for_cpuid(0x19, 0xB0), SNP_PRODUCT_UNKNOWN);
	assert_int_equal(product_for_cpuid(0x1A, 0x02), SNP_PRODUCT_TURIN);
	assert_int_equal(product_for_cpuid(0x1A, 0x11), SNP_PRODUCT_TURIN);
	assert_int_equal(product_for_cpuid(0x1A, 0x12), SNP_PRODUCT_UNKNOWN);
	assert_int_equal(product_for_cpuid(0x17, 0x01), SNP_PRODUCT_UNKNOWN);
	assert_int_equal(product_for_cpuid(0x00, 0x00), SNP_PRODUCT_UNKNOWN);
}

/* ---- length and version ---- */

static void test_wrong_length_is_invalid_input(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE + 1];

	(void)state;
	load_report("milan-v3-oak", buf);
	buf[SNP_REPORT_SIZE] = 0;
	assert_parse_fails(buf, SNP_REPORT_SIZE - 1, "tee_attestation.invalid_input", "1183");
	assert_parse_fails(buf, SNP_REPORT_SIZE + 1, "tee_attestation.invalid_input", "1185");
	assert_parse_fails(buf, 0, "tee_attestation.invalid_input", "1184");
}

static void test_unsupported_versions(void **state)
{
	static const uint32_t bad[] = {0, 1, 6, 0x100, 0xFFFFFFFF};
	uint8_t buf[SNP_REPORT_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[32];

		load_report("milan-v3-oak", buf);
		put_le32(buf, bad[i]);
		snprintf(text, sizeof(text), "version %u", bad[i]);
		assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_version", text);
	}
}

/* Version 4 was never seen; it is read like version 3 (CPUID bytes, v3 MBZ rules). */
static void test_version4_parses_like_version3(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	(void)state;
	load_report("milan-v3-oak", buf);
	put_le32(buf, 4);
	assert_parses(buf, &r);
	assert_int_equal(r.version, 4);
	assert_int_equal(r.cpuid_family, 0x19);
	assert_int_equal(r.cpuid_product, SNP_PRODUCT_MILAN);
	assert_int_equal(r.launch_mit_vector, 0);
	/* Mitigation vectors are v5 only: non-zero in v4 is refused as in v3. */
	buf[0x1F8] = 1;
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "0x1F8");
	buf[0x1F8] = 0;
	buf[0x18B] = 1;
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "0x18B");
}

/* ---- fixed fields ---- */

static void test_signature_algorithm_must_be_1(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];

	(void)state;
	load_report("milan-v3-oak", buf);
	put_le32(buf + 0x34, 2);
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format",
			   "signature algorithm 2");
	put_le32(buf + 0x34, 0);
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format",
			   "signature algorithm 0");
}

static void test_reserved_signing_keys_refused(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	(void)state;
	for (uint32_t key = 2; key <= 6; key++) {
		char text[32];

		load_report("milan-v3-oak", buf);
		put_le32(buf + 0x48, key << 2);
		snprintf(text, sizeof(text), "SIGNING_KEY %u", key);
		assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", text);
	}
	/* 7 (no key) is a valid layout; the verifier refuses it later. */
	load_report("milan-v3-oak", buf);
	put_le32(buf + 0x48, 7u << 2);
	assert_parses(buf, &r);
	assert_int_equal(r.signing_key, SNP_SIGNING_KEY_NONE);
	/* The other signer-info bits. */
	put_le32(buf + 0x48, 0x3);
	assert_parses(buf, &r);
	assert_true(r.author_key_en);
	assert_true(r.mask_chip_key);
	assert_int_equal(r.signing_key, SNP_SIGNING_KEY_VCEK);
	put_le32(buf + 0x48, 1u << 5);
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "31:5");
	put_le32(buf + 0x48, 1u << 31);
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "31:5");
}

static void test_policy_bit17_must_be_set(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];

	(void)state;
	load_report("milan-v3-oak", buf);
	put_le64(buf + 0x08, 0x10000); /* SMT only, bit 17 clear */
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "bit 17");
}

static void test_policy_high_bits_must_be_zero(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	(void)state;
	load_report("milan-v3-oak", buf);
	put_le64(buf + 0x08, 0x30000 | (1ull << 26));
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "63:26");
	put_le64(buf + 0x08, 0x30000 | (1ull << 63));
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "63:26");
	/* Bit 25 (PAGE_SWAP_DISABLE) is the highest defined bit. */
	put_le64(buf + 0x08, 0x30000 | (1ull << 25));
	assert_parses(buf, &r);
	assert_int_equal(r.policy, 0x30000 | (1ull << 25));
}

/* ---- must-be-zero ranges ---- */

static void test_mbz_ranges_v3(void **state)
{
	/* First and last byte of each range a v3 report must keep zero. */
	static const size_t offsets[] = {
		0x04C, 0x04F,          /* reserved after signer info */
		0x18B, 0x19F,          /* after the CPUID bytes */
		0x1EB, 0x1EF,          /* after CURRENT/COMMITTED version */
		0x1F8, 0x207,          /* mitigation vectors (v5 only) */
		0x208, 0x29F,          /* reserved before the signature */
		0x330, 0x49F,          /* signature area tail */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		print_message("  v3 byte 0x%zX\n", offsets[i]);
		assert_v3_byte_fails(offsets[i], 0x01, "tee_attestation.report_format",
				     "must be zero");
	}
}

static void test_mbz_range_v2_includes_cpuid_bytes(void **state)
{
	/* A byte, and the start of the range the failure message must name. */
	static const struct {
		size_t offset;
		const char *range;
	} cases[] = {
		{0x188, "0x188..0x19F"}, {0x189, "0x188..0x19F"}, {0x18A, "0x188..0x19F"},
		{0x19F, "0x188..0x19F"}, {0x1F8, "0x1F8..0x207"}, {0x04C, "0x4C..0x4F"},
		{0x208, "0x208..0x29F"},
	};
	uint8_t buf[SNP_REPORT_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_report("milan-v2-trustee", buf);
		buf[cases[i].offset] = 0x80;
		print_message("  v2 byte 0x%zX\n", cases[i].offset);
		assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format",
				   cases[i].range);
	}
}

/* v5 uses 0x1F8..0x207 for the mitigation vectors. */
static void test_v5_mitigation_vectors_allowed(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	(void)state;
	load_report("turin-v5-oak", buf);
	put_le64(buf + 0x1F8, 0x0123456789ABCDEFull);
	put_le64(buf + 0x200, 0xFEDCBA9876543210ull);
	assert_parses(buf, &r);
	assert_int_equal(r.launch_mit_vector, 0x0123456789ABCDEFull);
	assert_int_equal(r.current_mit_vector, 0xFEDCBA9876543210ull);
	buf[0x18B] = 1;
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "0x18B");
}

/* R and S are 72-byte slots holding 48-byte scalars. */
static void test_signature_scalar_padding_must_be_zero(void **state)
{
	(void)state;
	assert_v3_byte_fails(0x2A0 + 48, 0x01, "tee_attestation.report_format", "P-384");
	assert_v3_byte_fails(0x2A0 + 71, 0x01, "tee_attestation.report_format", "P-384");
	assert_v3_byte_fails(0x2E8 + 48, 0x01, "tee_attestation.report_format", "P-384");
	assert_v3_byte_fails(0x2E8 + 71, 0x01, "tee_attestation.report_format", "P-384");
}

/* ---- VMPL and platform info ---- */

static void test_vmpl_range(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	(void)state;
	load_report("milan-v3-oak", buf);
	put_le32(buf + 0x30, 3);
	assert_parses(buf, &r);
	assert_int_equal(r.vmpl, 3);
	put_le32(buf + 0x30, 4);
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "VMPL 4");
	put_le32(buf + 0x30, 0xFFFFFFFF);
	assert_parse_fails(buf, sizeof(buf), "tee_attestation.report_format", "VMPL");
}

/* Unknown PLATFORM_INFO bits are reported, not refused (real Turin has bit 6). */
static void test_platform_info_unknown_bits_accepted(void **state)
{
	uint8_t buf[SNP_REPORT_SIZE];
	struct snp_report r;

	(void)state;
	load_report("turin-v5-oak", buf);
	assert_parses(buf, &r);
	assert_int_equal(r.platform_info, 0x67);
	assert_true(r.platform_info & (1u << 6));
	assert_true(r.platform_info & SNP_PLATFORM_TSME_EN);
	load_report("milan-v3-oak", buf);
	put_le64(buf + 0x40, 0x25 | (1ull << 6) | (1ull << 63));
	assert_parses(buf, &r);
	assert_int_equal(r.platform_info, 0x25 | (1ull << 6) | (1ull << 63));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_real_report_parses),
		cmocka_unit_test(test_real_report_tcb_decode),
		cmocka_unit_test(test_tcb_decode_layouts),
		cmocka_unit_test(test_tcb_equal_is_per_component),
		cmocka_unit_test(test_tcb_format_and_product_names),
		cmocka_unit_test(test_cpuid_product_mapping),
		cmocka_unit_test(test_wrong_length_is_invalid_input),
		cmocka_unit_test(test_unsupported_versions),
		cmocka_unit_test(test_version4_parses_like_version3),
		cmocka_unit_test(test_signature_algorithm_must_be_1),
		cmocka_unit_test(test_reserved_signing_keys_refused),
		cmocka_unit_test(test_policy_bit17_must_be_set),
		cmocka_unit_test(test_policy_high_bits_must_be_zero),
		cmocka_unit_test(test_mbz_ranges_v3),
		cmocka_unit_test(test_mbz_range_v2_includes_cpuid_bytes),
		cmocka_unit_test(test_v5_mitigation_vectors_allowed),
		cmocka_unit_test(test_signature_scalar_padding_must_be_zero),
		cmocka_unit_test(test_vmpl_range),
		cmocka_unit_test(test_platform_info_unknown_bits_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
