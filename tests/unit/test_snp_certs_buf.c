/* test_snp_certs_buf.c - unit tests for verifier/snp_certs_buf.c: the GHCB
 * extended-report certificate table (../shared/docs/SNP.md §9).
 *
 * Good tables come from the test forge (forge_certs_buf, written without
 * teev's code) and from hand-built entries; bad ones are built by hand, one
 * defect each: no terminator, an offset inside the table, a blob past the
 * end, u32 wrap-around, zero length, overlapping blobs, a duplicate entry and
 * an oversized buffer. Every refusal must be -1 with exactly one
 * tee_attestation.invalid_input failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/snp_forge.h"
#include "verifier/failures.h"
#include "verifier/snp_certs_buf.h"

#define ENTRY 24u

/* VCEK GUID 63da758d-e664-4564-adc5-f4b93be8accd in canonical byte order
 * (SNP.md §9), spelled out here to anchor the byte order independently. */
static const uint8_t vcek_guid[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
				      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t unknown_guid[16] = {0xec, 0xae, 0x0c, 0x0f, 0x95, 0x02, 0x43, 0xb1,
					 0xaf, 0xa2, 0x0a, 0xe2, 0xe0, 0xd5, 0x65, 0xb6};

/* ---- helpers ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (size_t i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes table entry index: GUID, offset, length (little-endian u32s). */
static void put_entry(uint8_t *buf, size_t index, const uint8_t guid[16], uint32_t offset,
		      uint32_t length)
{
	uint8_t *e = buf + index * ENTRY;

	memcpy(e, guid, 16);
	put_le32(e + 16, offset);
	put_le32(e + 20, length);
}

static const uint8_t *guid_of(enum forge_cert_kind kind)
{
	const uint8_t *g = forge_cert_guid(kind);

	assert_non_null(g);
	return g;
}

static void assert_parses(const uint8_t *buf, size_t len, struct snp_certs_buf *out)
{
	struct failures f;

	failures_init(&f);
	if (snp_certs_buf_parse(buf, len, out, &f) != 0)
		fail_msg("refused: %s", f.items[0].message);
	assert_int_equal(f.count, 0);
	failures_clear(&f);
}

/* Asserts -1 with exactly one invalid_input whose message contains want_text. */
static void assert_refused(const uint8_t *buf, size_t len, const char *want_text)
{
	struct snp_certs_buf out;
	struct failures f;

	failures_init(&f);
	assert_int_equal(snp_certs_buf_parse(buf, len, &out, &f), -1);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].type, "tee_attestation.invalid_input");
	if (want_text && !strstr(f.items[0].message, want_text))
		fail_msg("message \"%s\" lacks \"%s\"", f.items[0].message, want_text);
	failures_clear(&f);
}

/* Distinct fake DER blobs, so pointers can be told apart by content. */
static uint8_t blob_ark[40], blob_ask[50], blob_vcek[60], blob_vlek[70], blob_crl[30];

static int fill_blobs(void **state)
{
	(void)state;
	memset(blob_ark, 0xA1, sizeof(blob_ark));
	memset(blob_ask, 0xA2, sizeof(blob_ask));
	memset(blob_vcek, 0xA3, sizeof(blob_vcek));
	memset(blob_vlek, 0xA4, sizeof(blob_vlek));
	memset(blob_crl, 0xA5, sizeof(blob_crl));
	return 0;
}

/* Builds a forged table into a malloc'd buffer. */
static uint8_t *forge_table(const struct forge_cert_entry *entries, size_t n, size_t *len)
{
	size_t need = forge_certs_buf(NULL, 0, entries, n);
	uint8_t *buf;

	assert_true(need > 0);
	buf = malloc(need);
	assert_non_null(buf);
	assert_int_equal(forge_certs_buf(buf, need, entries, n), need);
	*len = need;
	return buf;
}

static void assert_blob(const struct snp_blob *b, const uint8_t *want, size_t want_len)
{
	assert_non_null(b->data);
	assert_int_equal(b->len, want_len);
	assert_memory_equal(b->data, want, want_len);
}

/* ---- good tables ---- */

static void test_forged_table_vcek_ask_ark(void **state)
{
	const struct forge_cert_entry entries[] = {
		{FORGE_CERT_VCEK, blob_vcek, sizeof(blob_vcek)},
		{FORGE_CERT_ASK, blob_ask, sizeof(blob_ask)},
		{FORGE_CERT_ARK, blob_ark, sizeof(blob_ark)},
	};
	struct snp_certs_buf out;
	size_t len;
	uint8_t *buf = forge_table(entries, 3, &len);

	(void)state;
	assert_parses(buf, len, &out);
	assert_blob(&out.vcek, blob_vcek, sizeof(blob_vcek));
	assert_blob(&out.ask, blob_ask, sizeof(blob_ask));
	assert_blob(&out.ark, blob_ark, sizeof(blob_ark));
	/* Pointers are into the caller's buffer, right after the 4-entry table. */
	assert_ptr_equal(out.vcek.data, buf + 4 * ENTRY);
	assert_null(out.vlek.data);
	assert_int_equal(out.vlek.len, 0);
	assert_null(out.crl.data);
	free(buf);
}

static void test_forged_table_all_kinds(void **state)
{
	const struct forge_cert_entry entries[] = {
		{FORGE_CERT_ARK, blob_ark, sizeof(blob_ark)},
		{FORGE_CERT_ASK, blob_ask, sizeof(blob_ask)},
		{FORGE_CERT_VLEK, blob_vlek, sizeof(blob_vlek)},
		{FORGE_CERT_CRL, blob_crl, sizeof(blob_crl)},
	};
	struct snp_certs_buf out;
	size_t len;
	uint8_t *buf = forge_table(entries, 4, &len);

	(void)state;
	assert_parses(buf, len, &out);
	assert_blob(&out.ark, blob_ark, sizeof(blob_ark));
	assert_blob(&out.ask, blob_ask, sizeof(blob_ask));
	assert_blob(&out.vlek, blob_vlek, sizeof(blob_vlek));
	assert_blob(&out.crl, blob_crl, sizeof(blob_crl));
	assert_null(out.vcek.data);
	free(buf);
}

/* A hand-made table with the GUID spelled from SNP.md, and slack after the blob. */
static void test_hand_built_table(void **state)
{
	uint8_t buf[2 * ENTRY + sizeof(blob_vcek) + 16];
	struct snp_certs_buf out;

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, vcek_guid, 2 * ENTRY, sizeof(blob_vcek));
	memcpy(buf + 2 * ENTRY, blob_vcek, sizeof(blob_vcek));
	assert_parses(buf, sizeof(buf), &out);
	assert_blob(&out.vcek, blob_vcek, sizeof(blob_vcek));
	assert_ptr_equal(out.vcek.data, buf + 2 * ENTRY);
}

static void test_only_terminator_is_empty_table(void **state)
{
	uint8_t buf[ENTRY] = {0};
	struct snp_certs_buf out;

	(void)state;
	assert_parses(buf, sizeof(buf), &out);
	assert_null(out.ark.data);
	assert_null(out.ask.data);
	assert_null(out.vcek.data);
	assert_null(out.vlek.data);
	assert_null(out.crl.data);
}

/* Unknown GUIDs are skipped even when their offset/length are nonsense. */
static void test_unknown_guid_ignored(void **state)
{
	uint8_t buf[3 * ENTRY + sizeof(blob_vcek)];
	struct snp_certs_buf out;

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, unknown_guid, 0xFFFFFFF0u, 0x20);
	put_entry(buf, 1, vcek_guid, 3 * ENTRY, sizeof(blob_vcek));
	memcpy(buf + 3 * ENTRY, blob_vcek, sizeof(blob_vcek));
	assert_parses(buf, sizeof(buf), &out);
	assert_blob(&out.vcek, blob_vcek, sizeof(blob_vcek));
	assert_null(out.ark.data);
	assert_null(out.ask.data);
}

/* A blob may start right after the terminator and end at the last byte. */
static void test_blob_at_exact_bounds(void **state)
{
	uint8_t buf[2 * ENTRY + 8];
	struct snp_certs_buf out;

	(void)state;
	memset(buf, 0x5A, sizeof(buf));
	memset(buf, 0, 2 * ENTRY);
	put_entry(buf, 0, vcek_guid, 2 * ENTRY, 8);
	assert_parses(buf, sizeof(buf), &out);
	assert_ptr_equal(out.vcek.data, buf + 2 * ENTRY);
	assert_int_equal(out.vcek.len, 8);
}

/* Blobs that touch but do not share a byte are fine. */
static void test_adjacent_blobs_accepted(void **state)
{
	uint8_t buf[3 * ENTRY + 20];
	struct snp_certs_buf out;

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, guid_of(FORGE_CERT_VCEK), 3 * ENTRY, 10);
	put_entry(buf, 1, guid_of(FORGE_CERT_ASK), 3 * ENTRY + 10, 10);
	assert_parses(buf, sizeof(buf), &out);
	assert_int_equal(out.ask.data - out.vcek.data, 10);
}

static void test_exactly_max_size_accepted(void **state)
{
	uint8_t *buf = calloc(1, SNP_CERTS_BUF_MAX);
	struct snp_certs_buf out;

	(void)state;
	assert_non_null(buf);
	put_entry(buf, 0, vcek_guid, 2 * ENTRY, SNP_CERTS_BUF_MAX - 2 * ENTRY);
	assert_parses(buf, SNP_CERTS_BUF_MAX, &out);
	assert_int_equal(out.vcek.len, SNP_CERTS_BUF_MAX - 2 * ENTRY);
	free(buf);
}

/* ---- malformed tables ---- */

static void test_no_terminator(void **state)
{
	uint8_t buf[2 * ENTRY];

	(void)state;
	put_entry(buf, 0, vcek_guid, 2 * ENTRY, 1);
	put_entry(buf, 1, guid_of(FORGE_CERT_ASK), 2 * ENTRY, 1);
	assert_refused(buf, sizeof(buf), "terminator");
	/* Shorter than one entry, and empty. */
	assert_refused(buf, ENTRY - 1, "terminator");
	assert_refused(buf, 0, "terminator");
	/* A terminator cut short by the end of the buffer. */
	memset(buf + ENTRY, 0, ENTRY);
	assert_refused(buf, 2 * ENTRY - 1, "terminator");
}

static void test_offset_inside_table(void **state)
{
	uint8_t buf[2 * ENTRY + 64];

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, vcek_guid, 0, 16);
	assert_refused(buf, sizeof(buf), "VCEK");
	/* Pointing at the terminator itself is still inside the table. */
	put_entry(buf, 0, vcek_guid, ENTRY, 16);
	assert_refused(buf, sizeof(buf), "VCEK");
	put_entry(buf, 0, vcek_guid, 2 * ENTRY - 1, 16);
	assert_refused(buf, sizeof(buf), "outside");
}

static void test_blob_beyond_buffer(void **state)
{
	uint8_t buf[2 * ENTRY + 64];

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, vcek_guid, 2 * ENTRY, 65);
	assert_refused(buf, sizeof(buf), "length 65");
	put_entry(buf, 0, vcek_guid, 2 * ENTRY + 64, 1);
	assert_refused(buf, sizeof(buf), "outside");
	put_entry(buf, 0, vcek_guid, 2 * ENTRY + 65, 1);
	assert_refused(buf, sizeof(buf), "outside");
}

/* offset + length wraps a u32: 0xFFFFFFF0 + 0x20 = 0x10. */
static void test_u32_overflow(void **state)
{
	uint8_t buf[2 * ENTRY + 64];

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, vcek_guid, 0xFFFFFFF0u, 0x20);
	assert_refused(buf, sizeof(buf), "4294967280");
	put_entry(buf, 0, vcek_guid, 2 * ENTRY, 0xFFFFFFFFu);
	assert_refused(buf, sizeof(buf), "outside");
}

static void test_zero_length(void **state)
{
	uint8_t buf[2 * ENTRY + 64];

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, guid_of(FORGE_CERT_ARK), 2 * ENTRY, 0);
	assert_refused(buf, sizeof(buf), "ARK");
}

static void test_overlapping_entries(void **state)
{
	uint8_t buf[3 * ENTRY + 64];

	(void)state;
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, guid_of(FORGE_CERT_VCEK), 3 * ENTRY, 20);
	put_entry(buf, 1, guid_of(FORGE_CERT_ASK), 3 * ENTRY + 19, 20);
	assert_refused(buf, sizeof(buf), "overlap");
	/* One blob wholly inside another. */
	put_entry(buf, 0, guid_of(FORGE_CERT_VCEK), 3 * ENTRY, 64);
	put_entry(buf, 1, guid_of(FORGE_CERT_CRL), 3 * ENTRY + 10, 4);
	assert_refused(buf, sizeof(buf), "overlap");
	/* The very same range under two GUIDs. */
	put_entry(buf, 1, guid_of(FORGE_CERT_VLEK), 3 * ENTRY, 64);
	assert_refused(buf, sizeof(buf), "overlap");
}

static void test_duplicate_vcek_entry(void **state)
{
	const struct forge_cert_entry entries[] = {
		{FORGE_CERT_VCEK, blob_vcek, sizeof(blob_vcek)},
		{FORGE_CERT_ASK, blob_ask, sizeof(blob_ask)},
		{FORGE_CERT_VCEK, blob_vlek, sizeof(blob_vlek)},
	};
	size_t len;
	uint8_t *buf = forge_table(entries, 3, &len);

	(void)state;
	assert_refused(buf, len, "more than one VCEK");
	free(buf);
}

static void test_oversized_buffer(void **state)
{
	const struct forge_cert_entry entries[] = {
		{FORGE_CERT_VCEK, blob_vcek, sizeof(blob_vcek)},
	};
	size_t table_len = forge_certs_buf(NULL, 0, entries, 1);
	uint8_t *buf = calloc(1, SNP_CERTS_BUF_MAX + 1);

	(void)state;
	assert_non_null(buf);
	/* A perfectly good table, followed by slack past the limit. */
	assert_int_equal(forge_certs_buf(buf, table_len, entries, 1), table_len);
	assert_refused(buf, SNP_CERTS_BUF_MAX + 1, "65537");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_table_vcek_ask_ark),
		cmocka_unit_test(test_forged_table_all_kinds),
		cmocka_unit_test(test_hand_built_table),
		cmocka_unit_test(test_only_terminator_is_empty_table),
		cmocka_unit_test(test_unknown_guid_ignored),
		cmocka_unit_test(test_blob_at_exact_bounds),
		cmocka_unit_test(test_adjacent_blobs_accepted),
		cmocka_unit_test(test_exactly_max_size_accepted),
		cmocka_unit_test(test_no_terminator),
		cmocka_unit_test(test_offset_inside_table),
		cmocka_unit_test(test_blob_beyond_buffer),
		cmocka_unit_test(test_u32_overflow),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_overlapping_entries),
		cmocka_unit_test(test_duplicate_vcek_entry),
		cmocka_unit_test(test_oversized_buffer),
	};

	return cmocka_run_group_tests(tests, fill_blobs, NULL);
}
