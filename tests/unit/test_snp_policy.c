/* test_snp_policy.c - unit tests for policy/snp_policy.c: parsing and strict
 * validation of SEV-SNP appraisal policies, and their evaluation.
 *
 * Evaluation runs on real verified results: the group setup verifies every
 * real vector in $SHARED_DIR/testdata/snp with snp_verify() (embedded AMD
 * roots, the vector's own VCEK/VLEK, a fixed time inside its validity), so the
 * policy sees exactly what the server would hand it. Each field gets a passing
 * and a failing policy; the few bits no real report has set (MIGRATE_MA,
 * SINGLE_SOCKET) are set on a copy of a real result. Evaluation asserts the
 * exact failure type and the values the message must name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/snp_policy.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/snp_report.h"
#include "verifier/snp_verify.h"
#include "tests/support/test_cleanup.h"

#define T_2024_01_01 ((time_t)1704067200)
#define T_2025_06_01 ((time_t)1748736000)
#define T_2026_01_01 ((time_t)1767225600)

#define PREFIX "tee_attestation.policy."

/* Measurements and ids from shared/testdata/snp/README.md. */
#define AZURE_MEASUREMENT                                                                   \
	"6a063be9dd79f6371c842e480f8dc3b5c725961344e57130e88c5adf49e8f7f6c79b75a5eb77fc76995" \
	"9f4aeb2f9401e"
#define OAK_MEASUREMENT                                                                     \
	"195b01b74976a1faba13bd85eaf787958f0a46e6dddd45c5bdbf8673522777842b8057ae5d866b7541" \
	"6efb62012deaa3"
#define TRUSTEE_ID_KEY_DIGEST                                                               \
	"0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e0" \
	"b2bb57af7a44a3"
#define AZURE_ID_KEY_DIGEST                                                                 \
	"942fd93ebde6ea7a96efadeafc60f1c6b3d10e703b1dafd7555b92f7f3d32d0e006767648cba5b102a" \
	"f3d65756af4177"
#define TRUSTEE_FAMILY_ID "01000000000000000000000000000000"
#define TRUSTEE_IMAGE_ID "02000000000000000000000000000000"
#define OAK_CHIP_ID                                                                         \
	"a3fdc2c64dc299ab90d4238973864b586378e2e5ef9c9d4dc608f3bdaa89a969a03f1b5752cad55a0c" \
	"1547ade800dbd7404e9cb3f9738da3b280d1df69cf82e4"
#define AZURE_CHIP_ID                                                                       \
	"66a5a7b4403a3006ca734aa36a76dd3061d56f398e1e73b0be683ecd2eede9e70811c677abf8d9c925" \
	"1b52baafbdc97b8121ec0c75661ffba636073b09fa563a"
#define TURIN_CHIP_ID_SHORT "3b42092f69c656d3"
#define ZERO_HEX_32 "00000000000000000000000000000000"
#define ZERO_HEX_64 ZERO_HEX_32 ZERO_HEX_32
#define ZERO_HEX_96 ZERO_HEX_64 ZERO_HEX_32

/* ---- the real vectors, verified once ---- */

struct vector {
	const char *dir;
	const char *leaf;
	time_t at; /* inside the leaf certificate's validity */
	struct snp_result result;
};

static struct vector vectors[] = {
	{.dir = "milan-v2-trustee", .leaf = "vcek.der", .at = T_2024_01_01},
	{.dir = "milan-v2-gosevguest", .leaf = "vcek.der", .at = T_2024_01_01},
	{.dir = "milan-v2-virtee", .leaf = "vcek.der", .at = T_2024_01_01},
	{.dir = "milan-v3-azure", .leaf = "vcek.der", .at = T_2026_01_01},
	{.dir = "milan-v3-vlek-aws", .leaf = "vlek.der", .at = T_2025_06_01},
	{.dir = "milan-v3-oak", .leaf = "vcek.der", .at = T_2026_01_01},
	{.dir = "genoa-v3-trustee-e2e", .leaf = "vcek.der", .at = T_2026_01_01},
	{.dir = "genoa-v5-oak", .leaf = "vcek.der", .at = T_2026_01_01},
	{.dir = "turin-v5-oak", .leaf = "vcek.der", .at = T_2026_01_01},
};
#define VECTOR_COUNT (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t *read_vector_file(const char *dir, const char *file, size_t *len)
{
	char path[1024], err[256];
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s/testdata/snp/%s/%s", shared_dir(), dir, file);
	buf = bytes_read_file(path, 1 << 20, len, err, sizeof(err));
	if (!buf)
		fprintf(stderr, "%s (set SHARED_DIR)\n", err);
	return buf;
}

static int verify_vector(struct snp_verifier *v, struct vector *vec)
{
	struct failures f;
	struct snp_evidence e = {0};
	size_t report_len = 0, leaf_len = 0;
	uint8_t *report = read_vector_file(vec->dir, "report.bin", &report_len);
	uint8_t *leaf = read_vector_file(vec->dir, vec->leaf, &leaf_len);
	enum verdict_status status = VERDICT_INTERNAL;
	int rc = -1;

	failures_init(&f);
	if (!report || !leaf)
		goto out;
	e.report = report;
	e.report_len = report_len;
	e.vek_der = leaf;
	e.vek_der_len = leaf_len;
	e.check_freshness = false;
	status = snp_verify(v, &e, vec->at, &vec->result, &f);
	if (status != VERDICT_PASS || f.count) {
		fprintf(stderr, "%s: status %d, %s\n", vec->dir, (int)status,
			f.count ? f.items[0].message : "no failure");
		goto out;
	}
	rc = 0;
out:
	failures_clear(&f);
	free(report);
	free(leaf);
	return rc;
}

static int verify_all_vectors(void **state)
{
	struct snp_verifier_config cfg = {0};
	struct snp_verifier v;
	char err[256] = "";
	int rc = 0;

	(void)state;
	if (snp_verifier_init(&v, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "snp_verifier_init: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < VECTOR_COUNT && rc == 0; i++)
		rc = verify_vector(&v, &vectors[i]);
	snp_verifier_free(&v);
	return rc;
}

static const struct snp_result *result_of(const char *dir)
{
	for (size_t i = 0; i < VECTOR_COUNT; i++)
		if (strcmp(vectors[i].dir, dir) == 0)
			return &vectors[i].result;
	fail_msg("no vector %s", dir);
	return NULL;
}

/* ---- helpers ---- */

static const char *failure_list(const struct failures *f, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < f->count && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s[%s: %s]", i ? " " : "",
					 f->items[i].type, f->items[i].message);
	return out;
}

/* Parses json and evaluates it against res into f; the policy is freed before
 * the caller asserts, so a failed assertion leaks nothing. Returns the count. */
static size_t evaluate_json(const char *json, const struct snp_result *res, struct failures *f)
{
	char err[512] = "";
	struct snp_policy *p = snp_policy_parse(json, strlen(json), err, sizeof(err));
	size_t n;

	if (!p)
		fail_msg("policy refused: %s\n%s", err, json);
	failures_init(f);
	n = snp_policy_evaluate(p, res, f);
	snp_policy_free(p);
	assert_int_equal(n, f->count);
	return n;
}

static void expect_pass_result(const struct snp_result *res, const char *json)
{
	char text[2048];
	struct failures f;

	if (evaluate_json(json, res, &f) != 0)
		fail_msg("expected no failure, got %s\npolicy: %s",
			 failure_list(&f, text, sizeof(text)), json);
	failures_clear(&f);
}

static void expect_pass(const char *dir, const char *json)
{
	expect_pass_result(result_of(dir), json);
}

/* Exactly one failure PREFIX id whose message holds text1 and text2 (if given). */
static void expect_fail_result(const struct snp_result *res, const char *json, const char *id,
			       const char *text1, const char *text2)
{
	char text[2048], type[128];
	struct failures f;

	snprintf(type, sizeof(type), PREFIX "%s", id);
	if (evaluate_json(json, res, &f) != 1 || strcmp(f.items[0].type, type) != 0)
		fail_msg("expected one %s, got %s\npolicy: %s", type,
			 failure_list(&f, text, sizeof(text)), json);
	if (text1 && !strstr(f.items[0].message, text1))
		fail_msg("message \"%s\" lacks \"%s\"", f.items[0].message, text1);
	if (text2 && !strstr(f.items[0].message, text2))
		fail_msg("message \"%s\" lacks \"%s\"", f.items[0].message, text2);
	failures_clear(&f);
}

static void expect_fail(const char *dir, const char *json, const char *id, const char *text1,
			const char *text2)
{
	expect_fail_result(result_of(dir), json, id, text1, text2);
}

/* A policy that allows any measurement plus the given members. */
static const char *any(const char *members, char *buf, size_t cap)
{
	snprintf(buf, cap, "{\"allow_any_measurement\": true%s%s}", members[0] ? ", " : "",
		 members);
	return buf;
}

#define ANY(members) any(members, (char[4096]){0}, 4096)

static void expect_refused_len(const char *json, size_t len, const char *needle)
{
	char err[512] = "";
	struct snp_policy *p = snp_policy_parse(json, len, err, sizeof(err));

	if (p) {
		snp_policy_free(p);
		fail_msg("policy accepted, expected a refusal naming \"%s\"", needle);
	}
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
	if (strchr(err, '\n'))
		fail_msg("error \"%s\" is not one line", err);
}

static void expect_refused(const char *json, const char *needle)
{
	expect_refused_len(json, strlen(json), needle);
}

/* ---- the vectors themselves ---- */

static void test_every_vector_passes_a_permissive_policy(void **state)
{
	(void)state;
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		const struct snp_result *res = &vectors[i].result;

		/* Only the DEBUG report needs allow_debug. */
		expect_pass_result(res, ANY("\"allow_debug\": true"));
		if (!(res->report.policy & SNP_POLICY_DEBUG))
			expect_pass_result(res, ANY(""));
	}
	assert_int_equal(result_of("turin-v5-oak")->product, SNP_PRODUCT_TURIN);
	assert_int_equal(result_of("milan-v2-trustee")->product, SNP_PRODUCT_MILAN);
}

/* ---- one test per field ---- */

static void test_measurements(void **state)
{
	(void)state;
	expect_pass("milan-v3-azure", "{\"measurements\": [\"" AZURE_MEASUREMENT "\"]}");
	expect_pass("milan-v3-azure",
		    "{\"measurements\": [\"" OAK_MEASUREMENT "\", \"" AZURE_MEASUREMENT "\"]}");
	expect_fail("milan-v3-azure", "{\"measurements\": [\"" OAK_MEASUREMENT "\"]}",
		    "measurement", AZURE_MEASUREMENT, OAK_MEASUREMENT);
	expect_fail("milan-v3-oak",
		    "{\"measurements\": [\"" AZURE_MEASUREMENT "\", \"" TRUSTEE_ID_KEY_DIGEST
		    "\"]}",
		    "measurement", OAK_MEASUREMENT, "one of the 2 allowed measurements");
	/* allow_any_measurement false beside a list is consistent. */
	expect_pass("milan-v3-oak", "{\"allow_any_measurement\": false, "
				    "\"measurements\": [\"" OAK_MEASUREMENT "\"]}");
}

static void test_measurement_hex_is_case_insensitive(void **state)
{
	char upper[128];
	char json[256];

	(void)state;
	snprintf(upper, sizeof(upper), "%s", AZURE_MEASUREMENT);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	snprintf(json, sizeof(json), "{\"measurements\": [\"%s\"]}", upper);
	expect_pass("milan-v3-azure", json);
}

static void test_measurement_list_too_long_for_message(void **state)
{
	/* 40 wrong measurements: the message names the found one, some allowed
	 * ones and how many more, and stays within the failure message size. */
	char *json = malloc(64 * 1024);
	size_t used;
	struct failures f;

	(void)state;
	assert_non_null(json);
	used = (size_t)snprintf(json, 64 * 1024, "{\"measurements\": [");
	for (int i = 0; i < 40; i++)
		used += (size_t)snprintf(json + used, 64 * 1024 - used, "%s\"%02x%s\"",
					 i ? ", " : "", i, &OAK_MEASUREMENT[2]);
	snprintf(json + used, 64 * 1024 - used, "]}");
	evaluate_json(json, result_of("milan-v3-azure"), &f);
	free(json);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].type, PREFIX "measurement");
	assert_non_null(strstr(f.items[0].message, AZURE_MEASUREMENT));
	assert_non_null(strstr(f.items[0].message, "one of the 40 allowed"));
	assert_non_null(strstr(f.items[0].message, "more"));
	failures_clear(&f);
}

static void test_allow_any_measurement(void **state)
{
	(void)state;
	expect_pass("milan-v3-azure", "{\"allow_any_measurement\": true}");
	expect_refused("{\"allow_any_measurement\": false}", "\"measurements\"");
	expect_refused("{\"allow_any_measurement\": 1}", "\"allow_any_measurement\"");
}

static void test_min_tcb(void **state)
{
	(void)state;
	/* milan-v3-azure REPORTED_TCB bl=4 tee=0 snp=24 ucode=219 */
	expect_pass("milan-v3-azure", ANY("\"min_tcb\": {\"snp\": 24}"));
	expect_pass("milan-v3-azure",
		    ANY("\"min_tcb\": {\"bootloader\": 4, \"tee\": 0, \"snp\": 24, \"microcode\": 219}"));
	expect_fail("milan-v3-azure", ANY("\"min_tcb\": {\"snp\": 25}"), "min_tcb",
		    "REPORTED_TCB snp 24 is below the minimum 25", NULL);
	/* One failure names every component below its minimum. */
	expect_fail("milan-v3-azure",
		    ANY("\"min_tcb\": {\"bootloader\": 5, \"snp\": 24, \"microcode\": 220}"),
		    "min_tcb", "bootloader 4 is below the minimum 5",
		    "microcode 219 is below the minimum 220");
	/* The VLEK report's REPORTED_TCB (ucode 217) is below its LAUNCH_TCB (219). */
	expect_fail("milan-v3-vlek-aws", ANY("\"min_tcb\": {\"microcode\": 219}"), "min_tcb",
		    "microcode 217", NULL);
}

static void test_min_tcb_fmc_only_on_turin(void **state)
{
	(void)state;
	/* turin-v5-oak: fmc=0 bl=1 tee=0 snp=2 ucode=71, Turin byte layout. */
	expect_pass("turin-v5-oak", ANY("\"min_tcb\": {\"fmc\": 0}"));
	expect_pass("turin-v5-oak",
		    ANY("\"min_tcb\": {\"fmc\": 0, \"bootloader\": 1, \"snp\": 2, \"microcode\": 71}"));
	expect_fail("turin-v5-oak", ANY("\"min_tcb\": {\"fmc\": 1}"), "min_tcb",
		    "fmc 0 is below the minimum 1", NULL);
	expect_fail("turin-v5-oak", ANY("\"min_tcb\": {\"snp\": 3}"), "min_tcb",
		    "snp 2 is below the minimum 3", NULL);
	/* Milan has no FMC: the minimum is ignored there. */
	expect_pass("milan-v3-azure", ANY("\"min_tcb\": {\"fmc\": 255}"));
}

static void test_min_launch_tcb(void **state)
{
	(void)state;
	/* milan-v3-vlek-aws LAUNCH_TCB ucode 219 while REPORTED_TCB ucode is 217. */
	expect_pass("milan-v3-vlek-aws", ANY("\"min_launch_tcb\": {\"microcode\": 219}"));
	expect_fail("milan-v3-vlek-aws", ANY("\"min_launch_tcb\": {\"microcode\": 220}"),
		    "min_launch_tcb", "LAUNCH_TCB microcode 219 is below the minimum 220", NULL);
	expect_fail("turin-v5-oak", ANY("\"min_launch_tcb\": {\"fmc\": 2, \"tee\": 0}"),
		    "min_launch_tcb", "fmc 0 is below the minimum 2", NULL);
}

static void test_require_committed_equals_current(void **state)
{
	(void)state;
	expect_pass("milan-v3-azure", ANY("\"require_committed_equals_current\": true"));
	expect_pass("turin-v5-oak", ANY("\"require_committed_equals_current\": true"));
	/* COMMITTED_TCB ucode 219, CURRENT_TCB ucode 220. */
	expect_fail("milan-v3-vlek-aws", ANY("\"require_committed_equals_current\": true"),
		    "committed_tcb", "ucode=219", "ucode=220");
	expect_pass("milan-v3-vlek-aws", ANY("\"require_committed_equals_current\": false"));
}

static void test_committed_firmware_differs(void **state)
{
	struct snp_result res = *result_of("milan-v3-azure");

	(void)state;
	res.report.committed_fw.build = 28;
	expect_fail_result(&res, ANY("\"require_committed_equals_current\": true"),
			   "committed_tcb", "committed firmware 1.55.28 differs from current 1.55.29",
			   NULL);
}

static void test_min_firmware(void **state)
{
	(void)state;
	/* milan-v3-azure current firmware 1.55.29 */
	expect_pass("milan-v3-azure", ANY("\"min_firmware\": \"1.55.29\""));
	expect_pass("milan-v3-azure", ANY("\"min_firmware\": \"1.55\""));
	expect_pass("milan-v3-azure", ANY("\"min_firmware\": \"1.54.255\""));
	expect_pass("milan-v3-azure", ANY("\"min_firmware\": \"0.99\""));
	expect_fail("milan-v3-azure", ANY("\"min_firmware\": \"1.55.30\""), "min_firmware",
		    "1.55.29 is below the minimum 1.55.30", NULL);
	expect_fail("milan-v3-azure", ANY("\"min_firmware\": \"1.56\""), "min_firmware",
		    "minimum 1.56", NULL);
	expect_fail("milan-v3-azure", ANY("\"min_firmware\": \"2.0.0\""), "min_firmware",
		    "minimum 2.0.0", NULL);
}

static void test_allow_debug(void **state)
{
	(void)state;
	/* milan-v2-gosevguest has policy 0xb0000: DEBUG set. */
	expect_fail("milan-v2-gosevguest", ANY(""), "debug", "0xb0000", "allow_debug");
	expect_fail("milan-v2-gosevguest", ANY("\"allow_debug\": false"), "debug", NULL, NULL);
	expect_pass("milan-v2-gosevguest", ANY("\"allow_debug\": true"));
	expect_pass("milan-v2-virtee", ANY("\"allow_debug\": false"));
}

static void test_allow_migrate_ma(void **state)
{
	struct snp_result res = *result_of("milan-v3-oak");

	(void)state;
	expect_pass_result(&res, ANY("\"allow_migrate_ma\": false"));
	/* No real report has MIGRATE_MA; set it on a copy of a verified result. */
	res.report.policy |= SNP_POLICY_MIGRATE_MA;
	expect_fail_result(&res, ANY(""), "migrate_ma", "0x70000", NULL);
	expect_fail_result(&res, ANY("\"allow_migrate_ma\": false"), "migrate_ma", NULL, NULL);
	expect_pass_result(&res, ANY("\"allow_migrate_ma\": true"));
}

static void test_allow_smt(void **state)
{
	(void)state;
	/* Every real report allows SMT (bit 16). */
	for (size_t i = 0; i < VECTOR_COUNT; i++) {
		const struct snp_result *res = &vectors[i].result;

		if (res->report.policy & SNP_POLICY_DEBUG)
			continue;
		expect_fail_result(res, ANY("\"allow_smt\": false"), "smt", "SMT", NULL);
		expect_pass_result(res, ANY("\"allow_smt\": true"));
	}
}

static void test_require_single_socket(void **state)
{
	struct snp_result res = *result_of("genoa-v5-oak");

	(void)state;
	expect_pass_result(&res, ANY("\"require_single_socket\": false"));
	expect_fail_result(&res, ANY("\"require_single_socket\": true"), "single_socket",
			   "SINGLE_SOCKET", NULL);
	res.report.policy |= SNP_POLICY_SINGLE_SOCKET;
	expect_pass_result(&res, ANY("\"require_single_socket\": true"));
}

static void test_min_abi(void **state)
{
	(void)state;
	/* milan-v3-azure guest policy 0x3001f: ABI 0.31; milan-v3-oak: 0.0. */
	expect_pass("milan-v3-azure", ANY("\"min_abi\": \"0.31\""));
	expect_pass("milan-v3-azure", ANY("\"min_abi\": \"0.0\""));
	expect_fail("milan-v3-azure", ANY("\"min_abi\": \"0.32\""), "abi",
		    "ABI 0.31 is below the minimum 0.32", NULL);
	expect_fail("milan-v3-oak", ANY("\"min_abi\": \"1.0\""), "abi",
		    "ABI 0.0 is below the minimum 1.0", NULL);
}

static void test_vmpls(void **state)
{
	(void)state;
	/* The VLEK report was taken at VMPL 1. */
	expect_fail("milan-v3-vlek-aws", ANY("\"vmpls\": [0]"), "vmpl", "VMPL 1",
		    "allowed VMPLs: 0");
	expect_pass("milan-v3-vlek-aws", ANY("\"vmpls\": [1]"));
	expect_pass("milan-v3-vlek-aws", ANY("\"vmpls\": [0, 1]"));
	expect_pass("milan-v3-azure", ANY("\"vmpls\": [0]"));
	expect_fail("milan-v3-azure", ANY("\"vmpls\": [2, 3]"), "vmpl", "VMPL 0", "2, 3");
}

static void test_host_data(void **state)
{
	(void)state;
	expect_pass("milan-v3-azure", ANY("\"host_data\": [\"" ZERO_HEX_64 "\"]"));
	expect_fail("milan-v3-azure",
		    ANY("\"host_data\": [\"01" ZERO_HEX_32 "000000000000000000000000000000\"]"),
		    "host_data", "HOST_DATA " ZERO_HEX_64, "01" ZERO_HEX_32);
}

static void test_id_key_digests(void **state)
{
	(void)state;
	expect_pass("milan-v2-trustee", ANY("\"id_key_digests\": [\"" TRUSTEE_ID_KEY_DIGEST "\"]"));
	expect_fail("milan-v2-trustee", ANY("\"id_key_digests\": [\"" AZURE_ID_KEY_DIGEST "\"]"),
		    "id_key_digest", TRUSTEE_ID_KEY_DIGEST, AZURE_ID_KEY_DIGEST);
	/* No ID block: the digest is zero and a real digest does not match it. */
	expect_fail("milan-v3-oak", ANY("\"id_key_digests\": [\"" TRUSTEE_ID_KEY_DIGEST "\"]"),
		    "id_key_digest", ZERO_HEX_96, NULL);
}

static void test_author_key_digests(void **state)
{
	(void)state;
	/* No real report has AUTHOR_KEY_EN: the digest is zero everywhere. */
	expect_pass("milan-v2-trustee", ANY("\"author_key_digests\": [\"" ZERO_HEX_96 "\"]"));
	expect_fail("milan-v2-trustee",
		    ANY("\"author_key_digests\": [\"" TRUSTEE_ID_KEY_DIGEST "\"]"),
		    "author_key_digest", ZERO_HEX_96, TRUSTEE_ID_KEY_DIGEST);
}

static void test_family_ids(void **state)
{
	(void)state;
	expect_pass("milan-v2-trustee", ANY("\"family_ids\": [\"" TRUSTEE_FAMILY_ID "\"]"));
	expect_fail("milan-v2-trustee", ANY("\"family_ids\": [\"" TRUSTEE_IMAGE_ID "\"]"),
		    "family_id", "FAMILY_ID " TRUSTEE_FAMILY_ID, TRUSTEE_IMAGE_ID);
}

static void test_image_ids(void **state)
{
	(void)state;
	expect_pass("milan-v2-trustee", ANY("\"image_ids\": [\"" TRUSTEE_IMAGE_ID "\"]"));
	expect_fail("milan-v2-trustee", ANY("\"image_ids\": [\"" TRUSTEE_FAMILY_ID "\"]"),
		    "image_id", "IMAGE_ID " TRUSTEE_IMAGE_ID, TRUSTEE_FAMILY_ID);
}

static void test_chip_ids(void **state)
{
	(void)state;
	expect_pass("milan-v3-oak", ANY("\"chip_ids\": [\"" OAK_CHIP_ID "\"]"));
	expect_pass("milan-v3-oak", ANY("\"chip_ids\": [\"" AZURE_CHIP_ID "\", \"" OAK_CHIP_ID "\"]"));
	expect_fail("milan-v3-oak", ANY("\"chip_ids\": [\"" AZURE_CHIP_ID "\"]"), "chip_id",
		    OAK_CHIP_ID, AZURE_CHIP_ID);
	/* Turin: 16 hex digits for CHIP_ID[0:8], or the full zero-padded form. */
	expect_pass("turin-v5-oak", ANY("\"chip_ids\": [\"" TURIN_CHIP_ID_SHORT "\"]"));
	expect_pass("turin-v5-oak",
		    ANY("\"chip_ids\": [\"" TURIN_CHIP_ID_SHORT ZERO_HEX_96 "0000000000000000\"]"));
	expect_fail("turin-v5-oak", ANY("\"chip_ids\": [\"3b42092f69c656d4\"]"), "chip_id",
		    "CHIP_ID " TURIN_CHIP_ID_SHORT " ", "3b42092f69c656d4");
	/* The short form does not match a 64-byte Milan chip id starting the same way. */
	expect_fail("milan-v3-oak", ANY("\"chip_ids\": [\"a3fdc2c64dc299ab\"]"), "chip_id",
		    OAK_CHIP_ID, NULL);
	/* The VLEK report's CHIP_ID is zero: no listed chip matches it. */
	expect_fail("milan-v3-vlek-aws", ANY("\"chip_ids\": [\"" OAK_CHIP_ID "\"]"), "chip_id",
		    "CHIP_ID " ZERO_HEX_64 ZERO_HEX_64 " ", NULL);
}

static void test_min_guest_svn(void **state)
{
	(void)state;
	/* milan-v3-azure GUEST_SVN 10 */
	expect_pass("milan-v3-azure", ANY("\"min_guest_svn\": 10"));
	expect_pass("milan-v3-azure", ANY("\"min_guest_svn\": 0"));
	expect_fail("milan-v3-azure", ANY("\"min_guest_svn\": 11"), "guest_svn",
		    "GUEST_SVN 10 is below the minimum 11", NULL);
	expect_fail("milan-v3-azure", ANY("\"min_guest_svn\": 4294967295"), "guest_svn",
		    "4294967295", NULL);
}

static void test_min_report_version(void **state)
{
	(void)state;
	expect_pass("genoa-v5-oak", ANY("\"min_report_version\": 5"));
	expect_pass("milan-v3-oak", ANY("\"min_report_version\": 3"));
	expect_fail("milan-v3-oak", ANY("\"min_report_version\": 5"), "report_version",
		    "VERSION 3 is below the minimum 5", NULL);
	expect_fail("milan-v2-virtee", ANY("\"min_report_version\": 3"), "report_version",
		    "VERSION 2", NULL);
}

static void test_signing_keys(void **state)
{
	(void)state;
	expect_fail("milan-v3-vlek-aws", ANY("\"signing_keys\": [\"vcek\"]"), "signing_key",
		    "vlek", "vcek");
	expect_pass("milan-v3-vlek-aws", ANY("\"signing_keys\": [\"vlek\"]"));
	expect_pass("milan-v3-azure", ANY("\"signing_keys\": [\"vcek\", \"vlek\"]"));
	expect_fail("milan-v3-azure", ANY("\"signing_keys\": [\"VLEK\"]"), "signing_key", "vcek",
		    NULL);
}

static void test_products(void **state)
{
	(void)state;
	expect_pass("turin-v5-oak", ANY("\"products\": [\"Turin\"]"));
	expect_pass("turin-v5-oak", ANY("\"products\": [\"milan\", \"TURIN\"]"));
	expect_fail("turin-v5-oak", ANY("\"products\": [\"Milan\", \"Genoa\"]"), "product",
		    "Turin", "Milan, Genoa");
	/* v2 reports: the product comes from the VCEK. */
	expect_pass("milan-v2-trustee", ANY("\"products\": [\"Milan\"]"));
	expect_fail("genoa-v3-trustee-e2e", ANY("\"products\": [\"Milan\"]"), "product", "Genoa",
		    NULL);
}

static void test_platform(void **state)
{
	(void)state;
	/* milan-v3-oak PLATFORM_INFO 0x25 (TSME off); turin-v5-oak 0x67. */
	expect_fail("milan-v3-oak", ANY("\"platform\": {\"tsme_enabled\": true}"), "platform",
		    "tsme_enabled is false, required true", "0x25");
	expect_pass("turin-v5-oak", ANY("\"platform\": {\"tsme_enabled\": true}"));
	expect_pass("milan-v3-oak", ANY("\"platform\": {\"tsme_enabled\": false}"));
	expect_pass("turin-v5-oak",
		    ANY("\"platform\": {\"smt_enabled\": true, \"tsme_enabled\": true, "
			"\"ecc_enabled\": true, \"rapl_disabled\": false, "
			"\"ciphertext_hiding_enabled\": false, \"alias_check_complete\": true, "
			"\"tio_enabled\": false}"));
	/* One failure lists every mismatch. */
	expect_fail("milan-v3-oak",
		    ANY("\"platform\": {\"tsme_enabled\": true, \"smt_enabled\": false, "
			"\"ecc_enabled\": true}"),
		    "platform",
		    "smt_enabled is true, required false; tsme_enabled is false, required true",
		    NULL);
	expect_fail("milan-v2-virtee", ANY("\"platform\": {\"alias_check_complete\": true}"),
		    "platform", "alias_check_complete", NULL);
}

static void test_description(void **state)
{
	char *json = malloc(2048);

	(void)state;
	assert_non_null(json);
	expect_pass("milan-v3-azure", ANY("\"description\": \"Azure CVM, Milan \\u00e9\""));
	snprintf(json, 2048, "{\"allow_any_measurement\": true, \"description\": \"%01025d\"}", 0);
	expect_refused(json, "\"description\"");
	free(json);
}

static void test_all_failures_reported(void **state)
{
	struct failures f;
	size_t n;

	(void)state;
	n = evaluate_json("{\"measurements\": [\"" OAK_MEASUREMENT "\"], \"vmpls\": [1], "
			  "\"min_guest_svn\": 11}",
			  result_of("milan-v3-azure"), &f);
	assert_int_equal(n, 3);
	assert_string_equal(f.items[0].type, PREFIX "measurement");
	assert_true(failures_contains(&f, PREFIX "vmpl"));
	assert_true(failures_contains(&f, PREFIX "guest_svn"));
	failures_clear(&f);

	/* The DEBUG report against a strict policy: every rule it breaks is listed. */
	n = evaluate_json("{\"measurements\": [\"" OAK_MEASUREMENT "\"], \"allow_smt\": false, "
			  "\"min_tcb\": {\"snp\": 6}, \"min_report_version\": 3, "
			  "\"require_single_socket\": true, \"min_abi\": \"1.0\"}",
			  result_of("milan-v2-gosevguest"), &f);
	assert_int_equal(n, 7);
	failures_clear(&f);
}

static void test_full_policy_passes(void **state)
{
	(void)state;
	expect_pass("turin-v5-oak",
		    "{\"description\": \"Oak on Turin\", "
		    "\"measurements\": [\"f924dd18f168df60fbea937f0b086284d51b1b376de872bac43694f6"
		    "1134d57967c318018de7335503023dbb50dee624\"], "
		    "\"min_tcb\": {\"fmc\": 0, \"bootloader\": 1, \"tee\": 0, \"snp\": 2, "
		    "\"microcode\": 71}, "
		    "\"min_launch_tcb\": {\"microcode\": 71}, "
		    "\"require_committed_equals_current\": true, \"min_firmware\": \"1.55.61\", "
		    "\"allow_debug\": false, \"allow_migrate_ma\": false, \"allow_smt\": true, "
		    "\"require_single_socket\": false, \"min_abi\": \"0.0\", \"vmpls\": [0], "
		    "\"host_data\": [\"" ZERO_HEX_64 "\"], \"id_key_digests\": [\"" ZERO_HEX_96
		    "\"], \"author_key_digests\": [\"" ZERO_HEX_96 "\"], "
		    "\"family_ids\": [\"" ZERO_HEX_32 "\"], \"image_ids\": [\"" ZERO_HEX_32 "\"], "
		    "\"chip_ids\": [\"" TURIN_CHIP_ID_SHORT "\"], \"min_guest_svn\": 0, "
		    "\"min_report_version\": 5, \"signing_keys\": [\"vcek\"], "
		    "\"products\": [\"Turin\"], \"platform\": {\"tsme_enabled\": true}}");
}

/* ---- parsing ---- */

struct bad_policy {
	const char *json;
	const char *needle; /* what err must contain */
};

static const struct bad_policy bad_policies[] = {
	{"{\"allow_any_measurement\": true, \"min_tbc\": {}}", "unknown field \"min_tbc\""},
	{"{\"allow_any_measurement\": true, \"min_tcb\": {\"snpp\": 1}}",
	 "unknown field \"min_tcb.snpp\""},
	{"{\"allow_any_measurement\": true, \"min_tcb\": {\"snp\": \"24\"}}",
	 "field \"min_tcb.snp\": expected an integer 0..255, got \"24\""},
	{"{\"allow_any_measurement\": true, \"min_tcb\": {\"snp\": 300}}",
	 "field \"min_tcb.snp\": expected an integer 0..255, got 300"},
	{"{\"allow_any_measurement\": true, \"min_launch_tcb\": {\"tee\": -1}}",
	 "field \"min_launch_tcb.tee\": expected an integer 0..255, got -1"},
	{"{\"allow_any_measurement\": true, \"min_tcb\": {\"snp\": 24.0}}", "\"min_tcb.snp\""},
	{"{\"allow_any_measurement\": true, \"min_tcb\": [24]}",
	 "field \"min_tcb\": expected an object"},
	{"{\"measurements\": [\"" AZURE_MEASUREMENT "\", \"" OAK_MEASUREMENT "\", \"zz"
	 "5b01b74976a1faba13bd85eaf787958f0a46e6dddd45c5bdbf8673522777842b8057ae5d866b75416efb"
	 "62012deaa3\"]}",
	 "field \"measurements[2]\": expected 96 hex digits"},
	{"{\"measurements\": [\"" AZURE_MEASUREMENT "00\"]}",
	 "field \"measurements[0]\": expected 96 hex digits, got 98 characters"},
	{"{\"measurements\": [42]}", "field \"measurements[0]\": expected 96 hex digits, got 42"},
	{"{\"measurements\": []}", "allow_any_measurement"},
	{"{\"measurements\": \"" AZURE_MEASUREMENT "\"}",
	 "field \"measurements\": expected an array"},
	{"{}", "\"measurements\" is required"},
	{"{\"description\": \"no measurements\"}", "\"measurements\" is required"},
	{"{\"allow_any_measurement\": true, \"measurements\": [\"" AZURE_MEASUREMENT "\"]}",
	 "ambiguous"},
	{"{\"allow_any_measurement\": true, \"vmpls\": [0, 4]}",
	 "field \"vmpls[1]\": expected an integer 0..3, got 4"},
	{"{\"allow_any_measurement\": true, \"vmpls\": []}", "field \"vmpls\": an empty list"},
	{"{\"allow_any_measurement\": true, \"min_firmware\": \"1.x\"}",
	 "field \"min_firmware\": expected \"major.minor\" or \"major.minor.build\""},
	{"{\"allow_any_measurement\": true, \"min_firmware\": \"1.256\"}", "\"min_firmware\""},
	{"{\"allow_any_measurement\": true, \"min_firmware\": \"1.2.3.4\"}", "\"min_firmware\""},
	{"{\"allow_any_measurement\": true, \"min_firmware\": \"1\"}", "\"min_firmware\""},
	{"{\"allow_any_measurement\": true, \"min_firmware\": \"1..2\"}", "\"min_firmware\""},
	{"{\"allow_any_measurement\": true, \"min_firmware\": \" 1.2\"}", "\"min_firmware\""},
	{"{\"allow_any_measurement\": true, \"min_firmware\": 1.55}", "\"min_firmware\""},
	{"{\"allow_any_measurement\": true, \"min_abi\": \"1.2.3\"}",
	 "field \"min_abi\": expected \"major.minor\""},
	{"{\"allow_any_measurement\": true, \"allow_debug\": \"false\"}",
	 "field \"allow_debug\": expected true or false, got \"false\""},
	{"{\"allow_any_measurement\": true, \"allow_smt\": 0}", "field \"allow_smt\""},
	{"{\"allow_any_measurement\": true, \"require_single_socket\": null}",
	 "field \"require_single_socket\": expected true or false, got null"},
	{"{\"allow_any_measurement\": true, \"host_data\": [\"" ZERO_HEX_32 "\"]}",
	 "field \"host_data[0]\": expected 64 hex digits, got 32 characters"},
	{"{\"allow_any_measurement\": true, \"id_key_digests\": [\"" ZERO_HEX_64 "\"]}",
	 "field \"id_key_digests[0]\": expected 96 hex digits"},
	{"{\"allow_any_measurement\": true, \"author_key_digests\": [\"" ZERO_HEX_96 "g\"]}",
	 "field \"author_key_digests[0]\""},
	{"{\"allow_any_measurement\": true, \"family_ids\": [\"" ZERO_HEX_32 "\", \"x\"]}",
	 "field \"family_ids[1]\": expected 32 hex digits"},
	{"{\"allow_any_measurement\": true, \"image_ids\": []}", "field \"image_ids\": an empty"},
	{"{\"allow_any_measurement\": true, \"chip_ids\": [\"3b42092f69c656\"]}",
	 "field \"chip_ids[0]\": expected 128 or 16 hex digits"},
	{"{\"allow_any_measurement\": true, \"chip_ids\": [\"0000000000000000\"]}",
	 "field \"chip_ids[0]\": an all-zero chip id"},
	{"{\"allow_any_measurement\": true, \"min_guest_svn\": 4294967296}",
	 "field \"min_guest_svn\": expected an integer 0..4294967295, got 4294967296"},
	{"{\"allow_any_measurement\": true, \"min_report_version\": 1}",
	 "field \"min_report_version\": expected an integer 2..255, got 1"},
	{"{\"allow_any_measurement\": true, \"min_report_version\": 99999999999999999999}",
	 "field \"min_report_version\""},
	{"{\"allow_any_measurement\": true, \"signing_keys\": [\"vcek\", \"ask\"]}",
	 "field \"signing_keys[1]\": expected one of \"vcek\", \"vlek\", got \"ask\""},
	{"{\"allow_any_measurement\": true, \"signing_keys\": [\"vcek\\u0000\"]}",
	 "field \"signing_keys[0]\""},
	{"{\"allow_any_measurement\": true, \"products\": [\"Venice\"]}",
	 "field \"products[0]\": expected one of"},
	{"{\"allow_any_measurement\": true, \"platform\": {\"tsme\": true}}",
	 "unknown field \"platform.tsme\""},
	{"{\"allow_any_measurement\": true, \"platform\": {\"tsme_enabled\": 1}}",
	 "field \"platform.tsme_enabled\": expected true or false"},
	{"{\"allow_any_measurement\": true, \"description\": 5}",
	 "field \"description\": expected a string"},
	/* Structure and syntax. */
	{"[{\"allow_any_measurement\": true}]", "must be a JSON object"},
	{"\"allow_any_measurement\"", "must be a JSON object"},
	{"42", "must be a JSON object"},
	{"", "empty"},
	{"  \n ", "must be a JSON object"},
	{"{\"allow_any_measurement\": true} x", "invalid JSON"},
	{"{\"allow_any_measurement\": true}{}", "invalid JSON"},
	{"{\"allow_any_measurement\": true", "ends early"},
	{"{\"allow_any_measurement\": true,}", "invalid JSON"},
	{"{'allow_any_measurement': true}", "invalid JSON"},
	{"/* c */ {\"allow_any_measurement\": true}", "must be a JSON object"},
	{"{\"allow_any_measurement\": true /* c */}", "invalid JSON"},
	{"{\"allow_any_measurement\": True}", "invalid JSON"},
	{"{\"allow_any_measurement\": true, \"description\": \"\xff\"}", "invalid JSON"},
	/* Duplicate keys: json-c would keep the last silently. */
	{"{\"allow_debug\": false, \"allow_any_measurement\": true, \"allow_debug\": true}",
	 "duplicate key \"allow_debug\""},
	{"{\"allow_any_measurement\": true, \"min_tcb\": {\"snp\": 24, \"snp\": 1}}",
	 "duplicate key \"min_tcb.snp\""},
	{"{\"allow_any_measurement\": true, \"platform\": {\"tsme_enabled\": true, "
	 "\"tsme_enabled\": false}}",
	 "duplicate key \"platform.tsme_enabled\""},
	{"{\"allow_any_measurement\": true, \"allow_\\u0064ebug\": false, \"allow_debug\": true}",
	 "duplicate key \"allow_debug\""},
	{"{\"allow_any_measurement\": true, \"allow_debug\\u0000x\": true, \"allow_debug\": false}",
	 "\\u0000"},
	{"{\"allow_any_measurement\": true, \"min_tcb\": {}, \"min_tcb\": {\"snp\": 1}}",
	 "duplicate key \"min_tcb\""},
};
#define BAD_POLICY_COUNT (sizeof(bad_policies) / sizeof(bad_policies[0]))

static void test_invalid_policies_name_the_field(void **state)
{
	(void)state;
	assert_true(BAD_POLICY_COUNT >= 15);
	for (size_t i = 0; i < BAD_POLICY_COUNT; i++)
		expect_refused(bad_policies[i].json, bad_policies[i].needle);
}

static void test_nesting_depth(void **state)
{
	char json[256];
	size_t used;

	(void)state;
	/* 16 levels are accepted by the tokenizer (then refused by the schema);
	 * 17 are refused as too deep. */
	used = (size_t)snprintf(json, sizeof(json), "{\"allow_any_measurement\": true, \"description\": ");
	for (int i = 0; i < 15; i++)
		json[used++] = '[';
	for (int i = 0; i < 15; i++)
		json[used++] = ']';
	json[used++] = '}';
	json[used] = '\0';
	expect_refused(json, "field \"description\": expected a string, got an array");

	used = (size_t)snprintf(json, sizeof(json), "{\"allow_any_measurement\": true, \"description\": ");
	for (int i = 0; i < 16; i++)
		json[used++] = '[';
	for (int i = 0; i < 16; i++)
		json[used++] = ']';
	json[used++] = '}';
	json[used] = '\0';
	expect_refused(json, "nested deeper than 16");
}

/* A list of n copies of entry (with a comma between) under name. */
static char *list_policy(const char *name, const char *entry, size_t n)
{
	size_t cap = 128 + n * (strlen(entry) + 2);
	char *json = malloc(cap);
	size_t used;

	assert_non_null(json);
	used = (size_t)snprintf(json, cap, "{\"allow_any_measurement\": true, \"%s\": [", name);
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(json + used, cap - used, "%s%s", i ? "," : "", entry);
	snprintf(json + used, cap - used, "]}");
	return json;
}

static void test_list_length_limit(void **state)
{
	char *json;
	char err[256] = "";
	struct snp_policy *p;

	(void)state;
	json = list_policy("vmpls", "0", 5000);
	expect_refused(json, "field \"vmpls\": 5000 entries, more than the limit of 4096");
	free(json);

	json = list_policy("host_data", "\"" ZERO_HEX_64 "\"", 4096);
	p = snp_policy_parse(json, strlen(json), err, sizeof(err));
	free(json);
	if (!p)
		fail_msg("4096 entries refused: %s", err);
	snp_policy_free(p);
}

static void test_document_size_limit(void **state)
{
	size_t len = SNP_POLICY_MAX_SIZE + 1;
	char *json = malloc(len);
	const char *head = "{\"allow_any_measurement\": true, \"description\": \"x\"";

	(void)state;
	assert_non_null(json);
	memset(json, ' ', len);
	memcpy(json, head, strlen(head));
	json[len - 1] = '}';
	expect_refused_len(json, len, "more than the limit");
	/* The same document within 1 MiB (less trailing white space) is fine. */
	json[len - 2] = '}';
	{
		char err[256] = "";
		struct snp_policy *p = snp_policy_parse(json, len - 1, err, sizeof(err));

		free(json);
		if (!p)
			fail_msg("1 MiB policy refused: %s", err);
		snp_policy_free(p);
	}
}

static void test_nul_byte_refused(void **state)
{
	static const char json[] = "{\"allow_any_measurement\": true}\0{}";

	(void)state;
	expect_refused_len(json, sizeof(json) - 1, "NUL");
}

static void test_err_may_be_null(void **state)
{
	(void)state;
	assert_null(snp_policy_parse("{}", 2, NULL, 0));
	assert_null(snp_policy_parse(NULL, 0, NULL, 0));
	snp_policy_free(NULL);
}

static void test_policy_is_reusable(void **state)
{
	/* One parsed policy judges many results (it is immutable). */
	const char *json = "{\"measurements\": [\"" AZURE_MEASUREMENT "\"]}";
	char err[256] = "";
	struct snp_policy *p = snp_policy_parse(json, strlen(json), err, sizeof(err));
	struct failures f;
	size_t broken = 0;

	(void)state;
	if (!p)
		fail_msg("refused: %s", err);
	failures_init(&f);
	for (size_t i = 0; i < VECTOR_COUNT; i++)
		broken += snp_policy_evaluate(p, &vectors[i].result, &f);
	snp_policy_free(p);
	/* Every vector but azure fails the measurement; gosevguest also fails debug. */
	assert_int_equal(broken, VECTOR_COUNT - 1 + 1);
	assert_int_equal(f.count, broken);
	failures_clear(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_vector_passes_a_permissive_policy),
		cmocka_unit_test(test_measurements),
		cmocka_unit_test(test_measurement_hex_is_case_insensitive),
		cmocka_unit_test(test_measurement_list_too_long_for_message),
		cmocka_unit_test(test_allow_any_measurement),
		cmocka_unit_test(test_min_tcb),
		cmocka_unit_test(test_min_tcb_fmc_only_on_turin),
		cmocka_unit_test(test_min_launch_tcb),
		cmocka_unit_test(test_require_committed_equals_current),
		cmocka_unit_test(test_committed_firmware_differs),
		cmocka_unit_test(test_min_firmware),
		cmocka_unit_test(test_allow_debug),
		cmocka_unit_test(test_allow_migrate_ma),
		cmocka_unit_test(test_allow_smt),
		cmocka_unit_test(test_require_single_socket),
		cmocka_unit_test(test_min_abi),
		cmocka_unit_test(test_vmpls),
		cmocka_unit_test(test_host_data),
		cmocka_unit_test(test_id_key_digests),
		cmocka_unit_test(test_author_key_digests),
		cmocka_unit_test(test_family_ids),
		cmocka_unit_test(test_image_ids),
		cmocka_unit_test(test_chip_ids),
		cmocka_unit_test(test_min_guest_svn),
		cmocka_unit_test(test_min_report_version),
		cmocka_unit_test(test_signing_keys),
		cmocka_unit_test(test_products),
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_description),
		cmocka_unit_test(test_all_failures_reported),
		cmocka_unit_test(test_full_policy_passes),
		cmocka_unit_test(test_invalid_policies_name_the_field),
		cmocka_unit_test(test_nesting_depth),
		cmocka_unit_test(test_list_length_limit),
		cmocka_unit_test(test_document_size_limit),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_err_may_be_null),
		cmocka_unit_test(test_policy_is_reusable),
	};

	return cmocka_run_group_tests(tests, verify_all_vectors, NULL);
}
