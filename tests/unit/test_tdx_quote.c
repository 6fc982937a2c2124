/* test_tdx_quote.c - unit tests for verifier/tdx_quote.c (the quote layout)
 * and the PEM split and SGX extensions of verifier/tdx_pck.c.
 *
 * The real quotes of $SHARED_DIR/testdata/tdx parse with the values their
 * expected.json records; every prefix of a real quote is refused without a
 * read past its end (the test runs under ASan in `make asan`); and each
 * layout rule is broken on its own, in a copy of a real quote, with the
 * failure id and message checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/test_cleanup.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/tdx_pck.h"
#include "verifier/tdx_quote.h"

static void free_failures(void *p)
{
	failures_clear(p);
	free(p);
}

static struct failures *new_failures(void)
{
	struct failures *f = malloc(sizeof(*f));

	assert_non_null(f);
	failures_init(f);
	return defer(free_failures, f);
}

static uint8_t *read_quote(const char *vector, const char *file, size_t *len)
{
	char path[1024], err[512];
	uint8_t *data;

	snprintf(path, sizeof(path), "%s/testdata/tdx/%s/%s", shared_dir(), vector, file);
	data = bytes_read_file(path, TDX_QUOTE_MAX_SIZE, len, err, sizeof(err));
	if (!data)
		fail_msg("%s (set SHARED_DIR)", err);
	return defer(free, data);
}

/* A private copy of a real quote, to break. */
static uint8_t *copy_of(const char *vector, size_t *len)
{
	uint8_t *q = read_quote(vector, "quote.dat", len);
	uint8_t *c = malloc(*len);

	assert_non_null(c);
	memcpy(c, q, *len);
	return defer(free, c);
}

static void put_le16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void expect_refused(const uint8_t *q, size_t len, const char *type, const char *text)
{
	struct failures *f = new_failures();
	struct tdx_quote *parsed = defer(free, malloc(sizeof(*parsed)));

	assert_int_equal(tdx_quote_parse(q, len, parsed, f), -1);
	assert_int_equal(f->count, 1);
	assert_string_equal(f->items[0].type, type);
	if (text && !strstr(f->items[0].message, text))
		fail_msg("message \"%s\" lacks \"%s\"", f->items[0].message, text);
}

static struct tdx_quote *parse_ok(const uint8_t *q, size_t len)
{
	struct failures *f = new_failures();
	struct tdx_quote *parsed = defer(free, malloc(sizeof(*parsed)));

	if (tdx_quote_parse(q, len, parsed, f) != 0)
		fail_msg("refused: %s: %s", f->items[0].type, f->items[0].message);
	assert_int_equal(f->count, 0);
	return parsed;
}

static void test_real_v4_quote(void **state)
{
	size_t len = 0;
	uint8_t *q = read_quote("a-trustee-uptodate", "quote.dat", &len);
	struct tdx_quote *p = parse_ok(q, len);
	char hex[129];

	(void)state;
	assert_int_equal(p->version, 4);
	assert_int_equal(p->att_key_type, 2);
	assert_int_equal(p->tee_type, 0x81);
	assert_int_equal(p->body_type, TDX_BODY_TYPE_TD10);
	assert_int_equal(p->signed_len, 632);
	assert_int_equal(p->trailing, 0);
	bytes_to_hex(p->body.mr_td, 48, hex);
	assert_string_equal(hex, "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031");
	bytes_to_hex(p->body.tee_tcb_svn, 16, hex);
	assert_string_equal(hex, "03000500000000000000000000000000");
	bytes_to_hex(p->body.report_data, 64, hex);
	assert_string_equal(hex, "7c71fe2c86eff65a7cf8dbc22b3275689fd0464a267baced1bf94fc1324656aeb755da3d44d098c0c87382f3a5f85b45c8a28fee1d3bdb38342bf96671501429");
	bytes_to_hex(p->body.td_attributes, 8, hex);
	assert_string_equal(hex, "0100001000000000");
	assert_int_equal(p->qe_report.isv_prod_id, 2);
	assert_int_equal(p->qe_report.isv_svn, 4);
	assert_int_equal(p->auth_data_len, 32);
	assert_true(p->pck_chain > q && p->pck_chain + p->pck_chain_len == q + len);
	assert_int_equal(p->pck_chain[p->pck_chain_len - 1], 0); /* the NUL real quotes carry */
}

static void test_real_quotes_with_trailing_bytes(void **state)
{
	size_t len = 0;
	uint8_t *q;

	(void)state;
	q = read_quote("a-spr-e4-unsupported", "quote.dat", &len);
	assert_int_equal(parse_ok(q, len)->trailing, 39); /* "\nextra bytes(only for testing purpose)\n" */
	q = read_quote("b-automata-outofdate", "quote.dat", &len);
	assert_int_equal(len, 8000);
	assert_int_equal(parse_ok(q, len)->trailing, 3065);
}

static void test_real_v5_quote(void **state)
{
	size_t len = 0;
	uint8_t *q = read_quote("v5-sample", "quote.dat", &len);
	struct tdx_quote *p = parse_ok(q, len);
	char hex[97];

	(void)state;
	assert_int_equal(p->version, 5);
	assert_int_equal(p->body_type, TDX_BODY_TYPE_TD15);
	assert_int_equal(p->signed_len, 48 + 6 + 648);
	bytes_to_hex(p->body.mr_td, 48, hex);
	assert_string_equal(hex, "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876");
	bytes_to_hex(p->body.tee_tcb_svn, 16, hex);
	assert_string_equal(hex, "0b010400000000000000000000000000");
}

static void test_every_prefix_refused(void **state)
{
	static const char *const vectors[] = {"a-trustee-uptodate", "v5-sample"};

	(void)state;
	for (size_t v = 0; v < 2; v++) {
		size_t len = 0;
		uint8_t *q = read_quote(vectors[v], "quote.dat", &len);

		for (size_t n = 0; n < len; n++) {
			/* An exact-size heap copy, so ASan sees any read past n. */
			uint8_t *cut = malloc(n ? n : 1);
			struct failures f;
			struct tdx_quote p;

			assert_non_null(cut);
			memcpy(cut, q, n);
			failures_init(&f);
			if (tdx_quote_parse(cut, n, &p, &f) != -1 || f.count != 1 ||
			    strcmp(f.items[0].type, "tee_attestation.quote_format") != 0)
				fail_msg("%s cut to %zu bytes: %s", vectors[v], n,
					 f.count ? f.items[0].message : "accepted");
			failures_clear(&f);
			free(cut);
		}
	}
}

static void test_header_fields(void **state)
{
	size_t len = 0;
	uint8_t *q;

	(void)state;
	q = copy_of("a-trustee-uptodate", &len);
	put_le16(q, 3);
	expect_refused(q, len, "tee_attestation.quote_version", "quote version is 3, expected 4 or 5");
	q = copy_of("a-trustee-uptodate", &len);
	put_le16(q + 2, 3);
	expect_refused(q, len, "tee_attestation.quote_version", "attestation key type is 3");
	q = copy_of("a-trustee-uptodate", &len);
	put_le32(q + 4, 0);
	expect_refused(q, len, "tee_attestation.quote_version", "0 is an SGX quote");
	q = copy_of("a-trustee-uptodate", &len);
	q[12] ^= 0x01;
	expect_refused(q, len, "tee_attestation.quote_version",
		       "QE vendor id is 929a7233f79c4ca9940a0db3957f0607");
	expect_refused(q, 47, "tee_attestation.quote_format", "shorter than its 48-byte header");
	expect_refused(NULL, 0, "tee_attestation.quote_format", "quote is 0 bytes");
}

static void test_v5_descriptor(void **state)
{
	size_t len = 0;
	uint8_t *q;

	(void)state;
	q = copy_of("v5-sample", &len);
	put_le16(q + 48, 1);
	expect_refused(q, len, "tee_attestation.quote_version", "1 is an SGX body");
	q = copy_of("v5-sample", &len);
	put_le16(q + 48, 4);
	expect_refused(q, len, "tee_attestation.quote_version", "v5 body type is 4");
	q = copy_of("v5-sample", &len);
	put_le32(q + 50, 584);
	expect_refused(q, len, "tee_attestation.quote_format", "declares 584 bytes, expected 648");
	q = copy_of("v5-sample", &len);
	put_le16(q + 48, 2); /* type 2 with the 648-byte size */
	expect_refused(q, len, "tee_attestation.quote_format", "declares 648 bytes, expected 584");
}

/* Offsets in the v4 quote of a-trustee-uptodate (TDX.md). */
enum {
	SIG_LEN = 632,
	SIG_DATA = 636,
	CERT_TYPE = SIG_DATA + 128,
	CERT_SIZE = SIG_DATA + 130,
	QE_REPORT = SIG_DATA + 134,
	AUTH_LEN = QE_REPORT + 384 + 64,
	INNER_TYPE = AUTH_LEN + 2 + 32,
	INNER_SIZE = INNER_TYPE + 2,
	CHAIN = INNER_SIZE + 4,
};

static void test_signature_data_lengths(void **state)
{
	size_t len = 0;
	uint8_t *q;

	(void)state;
	q = copy_of("a-trustee-uptodate", &len);
	put_le32(q + SIG_LEN, 0xFFFFFFFFu);
	expect_refused(q, len, "tee_attestation.quote_format", "signature data declares 4294967295 bytes");
	q = copy_of("a-trustee-uptodate", &len);
	put_le32(q + SIG_LEN, 200); /* the rest becomes trailing bytes, and the cert data is cut */
	expect_refused(q, len, "tee_attestation.quote_format",
		       "QE report certification data declares 4166 bytes but 66 remain");
	q = copy_of("a-trustee-uptodate", &len);
	put_le16(q + CERT_TYPE, 5);
	expect_refused(q, len, "tee_attestation.quote_format", "certification data type is 5, expected 6");
	q = copy_of("a-trustee-uptodate", &len);
	put_le32(q + CERT_SIZE, 4165);
	expect_refused(q, len, "tee_attestation.quote_format",
		       "QE report certification data declares 4165 bytes but 4166 remain");
	q = copy_of("a-trustee-uptodate", &len);
	put_le16(q + AUTH_LEN, 5000);
	expect_refused(q, len, "tee_attestation.quote_format", "QE authentication data needs 5000 bytes");
	q = copy_of("a-trustee-uptodate", &len);
	put_le16(q + INNER_TYPE, 4);
	expect_refused(q, len, "tee_attestation.quote_format", "holds type 4, expected 5");
	q = copy_of("a-trustee-uptodate", &len);
	put_le32(q + INNER_SIZE, 3677);
	expect_refused(q, len, "tee_attestation.quote_format",
		       "PCK certification data declares 3677 bytes but 3678 remain");
	q = copy_of("a-trustee-uptodate", &len);
	q[CHAIN] = 'X';
	expect_refused(q, len, "tee_attestation.quote_format", "does not start with a PEM certificate");
}

static void test_der_chain_refused(void **state)
{
	size_t len = 0;
	uint8_t *q = read_quote("qvl-wrong-root", "quote.dat", &len);

	(void)state;
	expect_refused(q, len, "tee_attestation.quote_format",
		       "holds DER certificates, not the PEM chain the quote format specifies");
	q = read_quote("qvl-wrong-root", "quote_pem_chain.dat", &len);
	parse_ok(q, len);
}

/* ---- the PEM chain ---- */

static int split(const char *text, size_t len, struct failures *f)
{
	struct tdx_pck_chain chain;
	int rc = tdx_pck_chain_split((const uint8_t *)text, len, &chain, f);

	tdx_pck_chain_free(&chain);
	return rc;
}

static void test_pem_chain_split(void **state)
{
	size_t len = 0;
	uint8_t *q = read_quote("a-trustee-uptodate", "quote.dat", &len);
	struct tdx_quote *p = parse_ok(q, len);
	const char *pem = (const char *)p->pck_chain;
	size_t n = p->pck_chain_len;
	struct failures *f = new_failures();
	struct tdx_pck_chain chain;
	char *text;

	(void)state;
	assert_int_equal(tdx_pck_chain_split(p->pck_chain, n, &chain, f), 0);
	assert_non_null(chain.leaf);
	assert_non_null(chain.root);
	tdx_pck_chain_free(&chain);

	/* Two certificates only. */
	const char *third = strstr(strstr(strstr(pem, "-----END") + 1, "-----END") + 1, "-----BEGIN");
	assert_non_null(third);
	assert_int_equal(split(pem, (size_t)(third - pem), f), -1);
	assert_string_equal(f->items[0].type, "tee_attestation.quote_format");
	assert_non_null(strstr(f->items[0].message, "holds 2 certificates, expected 3"));

	/* Four certificates. */
	text = defer(free, malloc(2 * n));
	memcpy(text, pem, n - 1); /* without the NUL */
	memcpy(text + n - 1, pem, n);
	f = new_failures();
	assert_int_equal(split(text, 2 * n - 1, f), -1);
	assert_non_null(strstr(f->items[0].message, "more than 3 certificates"));

	/* Junk after the chain's NUL, and between certificates. */
	memcpy(text, pem, n);
	text[n] = 'x';
	f = new_failures();
	assert_int_equal(split(text, n + 1, f), -1);
	assert_non_null(strstr(f->items[0].message, "unexpected byte 0x78"));
	memcpy(text, pem, n);
	text[third - pem - 1] = '#';
	f = new_failures();
	assert_int_equal(split(text, n, f), -1);
	assert_non_null(strstr(f->items[0].message, "unexpected bytes at offset"));

	/* A certificate with no END line. */
	f = new_failures();
	assert_int_equal(split(pem, (size_t)(strstr(pem, "-----END") - pem), f), -1);
	assert_non_null(strstr(f->items[0].message, "has no END line"));
}

static void test_pck_extensions_of_real_quotes(void **state)
{
	static const struct {
		const char *vector;
		const char *fmspc;
		uint16_t pcesvn;
		uint8_t svn0;
	} cases[] = {
		{"a-trustee-uptodate", "50806f000000", 11, 5},
		{"a-spr-e4-unsupported", "50806f000000", 11, 3},
		{"b-automata-outofdate", "00806f050000", 11, 6},
		{"v5-sample", "90c06f000000", 13, 4},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0;
		uint8_t *q = read_quote(cases[i].vector, "quote.dat", &len);
		struct tdx_quote *p = parse_ok(q, len);
		struct failures *f = new_failures();
		struct tdx_pck_chain chain;
		struct tdx_pck_info info;
		char hex[13];

		assert_int_equal(tdx_pck_chain_split(p->pck_chain, p->pck_chain_len, &chain, f), 0);
		assert_int_equal(tdx_pck_parse(chain.leaf, &info, f), 0);
		tdx_pck_chain_free(&chain);
		bytes_to_hex(info.fmspc, 6, hex);
		assert_string_equal(hex, cases[i].fmspc);
		assert_int_equal(info.pcesvn, cases[i].pcesvn);
		assert_int_equal(info.sgx_svn[0], cases[i].svn0);
		assert_int_equal(info.ca, TDX_CA_PLATFORM);
		assert_int_equal(info.pce_id[0], 0);
		assert_int_equal(info.pce_id[1], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_real_v4_quote, run_cleanups),
		cmocka_unit_test_teardown(test_real_quotes_with_trailing_bytes, run_cleanups),
		cmocka_unit_test_teardown(test_real_v5_quote, run_cleanups),
		cmocka_unit_test_teardown(test_every_prefix_refused, run_cleanups),
		cmocka_unit_test_teardown(test_header_fields, run_cleanups),
		cmocka_unit_test_teardown(test_v5_descriptor, run_cleanups),
		cmocka_unit_test_teardown(test_signature_data_lengths, run_cleanups),
		cmocka_unit_test_teardown(test_der_chain_refused, run_cleanups),
		cmocka_unit_test_teardown(test_pem_chain_split, run_cleanups),
		cmocka_unit_test_teardown(test_pck_extensions_of_real_quotes, run_cleanups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
