/* test_b64.c - unit tests for verifier/b64.c: the strict base64 (RFC 4648 §4)
 * and base64url (§5) codecs. Covers both alphabets, the padding rules of each
 * variant, refusal of non-canonical trailing bits, junk characters and
 * impossible lengths, the output capacity limit, and encode/decode round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "verifier/b64.h"

/* Decodes a NUL-terminated text; returns b64_decode's status. */
static int decode(enum b64_alphabet a, const char *text, uint8_t *out, size_t cap,
		  size_t *out_len)
{
	return b64_decode(a, text, strlen(text), out, cap, out_len);
}

/* Asserts that text decodes in alphabet a to exactly want[0..want_len). */
static void assert_decodes_to(enum b64_alphabet a, const char *text, const char *want,
			      size_t want_len)
{
	uint8_t out[128];
	size_t out_len = 999;

	assert_int_equal(decode(a, text, out, sizeof(out), &out_len), 0);
	assert_int_equal(out_len, want_len);
	assert_memory_equal(out, want, want_len);
}

static void assert_refused(enum b64_alphabet a, const char *text)
{
	uint8_t out[128];
	size_t out_len = 999;

	if (decode(a, text, out, sizeof(out), &out_len) != -1)
		fail_msg("\"%s\" was accepted in alphabet %d", text, (int)a);
	assert_int_equal(out_len, 999); /* untouched on failure */
}

/* RFC 4648 §10 test vectors, standard alphabet. */
static void test_std_rfc4648_vectors(void **state)
{
	(void)state;
	assert_decodes_to(B64_STD, "", "", 0);
	assert_decodes_to(B64_STD, "Zg==", "f", 1);
	assert_decodes_to(B64_STD, "Zm8=", "fo", 2);
	assert_decodes_to(B64_STD, "Zm9v", "foo", 3);
	assert_decodes_to(B64_STD, "Zm9vYg==", "foob", 4);
	assert_decodes_to(B64_STD, "Zm9vYmE=", "fooba", 5);
	assert_decodes_to(B64_STD, "Zm9vYmFy", "foobar", 6);
}

/* '+' '/' belong to the standard alphabet only, '-' '_' to the URL one only. */
static void test_alphabet_specific_characters(void **state)
{
	(void)state;
	assert_decodes_to(B64_STD, "+/8=", "\xfb\xff", 2);
	assert_decodes_to(B64_URL_NOPAD, "-_8", "\xfb\xff", 2);
	assert_decodes_to(B64_URL_ANYPAD, "-_8=", "\xfb\xff", 2);
	assert_refused(B64_STD, "-_8=");
	assert_refused(B64_URL_NOPAD, "+/8");
	assert_refused(B64_URL_ANYPAD, "+/8=");
}

static void test_std_requires_padding(void **state)
{
	(void)state;
	assert_refused(B64_STD, "Zg");
	assert_refused(B64_STD, "Zg=");
	assert_refused(B64_STD, "Zm8");
	assert_refused(B64_STD, "Zm9vYg");
	/* Too much padding is as wrong as too little. */
	assert_refused(B64_STD, "Zm9v====");
	assert_refused(B64_STD, "Zm8==");
	assert_refused(B64_STD, "Zg===");
	assert_refused(B64_STD, "====");
	assert_refused(B64_STD, "=");
}

static void test_url_nopad_refuses_padding(void **state)
{
	(void)state;
	assert_decodes_to(B64_URL_NOPAD, "Zg", "f", 1);
	assert_decodes_to(B64_URL_NOPAD, "Zm8", "fo", 2);
	assert_decodes_to(B64_URL_NOPAD, "Zm9v", "foo", 3);
	assert_refused(B64_URL_NOPAD, "Zg==");
	assert_refused(B64_URL_NOPAD, "Zg=");
	assert_refused(B64_URL_NOPAD, "Zm8=");
	assert_refused(B64_URL_NOPAD, "=");
}

static void test_url_anypad_accepts_both_forms(void **state)
{
	(void)state;
	assert_decodes_to(B64_URL_ANYPAD, "Zg", "f", 1);
	assert_decodes_to(B64_URL_ANYPAD, "Zg==", "f", 1);
	assert_decodes_to(B64_URL_ANYPAD, "Zm8", "fo", 2);
	assert_decodes_to(B64_URL_ANYPAD, "Zm8=", "fo", 2);
	/* Padding, when present, must complete the quantum exactly. */
	assert_refused(B64_URL_ANYPAD, "Zg=");
	assert_refused(B64_URL_ANYPAD, "Zm8==");
	assert_refused(B64_URL_ANYPAD, "Zm9v=");
	assert_refused(B64_URL_ANYPAD, "Zm9v==");
}

/* One byte leaves 4 unused bits, two bytes leave 2; they must be zero. */
static void test_noncanonical_trailing_bits_refused(void **state)
{
	(void)state;
	assert_decodes_to(B64_STD, "QQ==", "A", 1);
	assert_refused(B64_STD, "QR==");
	assert_refused(B64_STD, "QX==");
	assert_refused(B64_STD, "Q/==");
	assert_decodes_to(B64_STD, "QUI=", "AB", 2);
	assert_refused(B64_STD, "QUJ=");
	assert_refused(B64_STD, "QUL=");
	assert_decodes_to(B64_URL_NOPAD, "QQ", "A", 1);
	assert_refused(B64_URL_NOPAD, "QR");
	assert_refused(B64_URL_NOPAD, "QUJ");
	assert_refused(B64_URL_ANYPAD, "QR==");
	assert_refused(B64_URL_ANYPAD, "QR");
}

static void test_junk_characters_refused(void **state)
{
	(void)state;
	assert_refused(B64_STD, "Zm9v\n");
	assert_refused(B64_STD, "Zm9v\nYmFy");
	assert_refused(B64_STD, " Zm9v");
	assert_refused(B64_STD, "Zm 9vYmFy");
	assert_refused(B64_STD, "Zm9v!mFy");
	assert_refused(B64_STD, "Zm9v.mFy");
	assert_refused(B64_STD, "Zm9v\x80mFy");
	assert_refused(B64_STD, "Zm9v\xffmFy");
	/* '=' in the middle is not padding. */
	assert_refused(B64_STD, "Zg==Zg==");
	assert_refused(B64_STD, "Z=9v");
	assert_refused(B64_URL_ANYPAD, "Zg==Zg");
	assert_refused(B64_URL_NOPAD, "Zm9v\r\n");
}

static void test_embedded_nul_refused(void **state)
{
	uint8_t out[16];
	size_t out_len = 0;

	(void)state;
	/* The length, not a NUL, ends the input: a NUL inside it is junk. */
	assert_int_equal(b64_decode(B64_STD, "Zm9v\0mFy", 8, out, sizeof(out), &out_len), -1);
	/* And decoding honours the length instead of reading to the NUL. */
	assert_int_equal(b64_decode(B64_STD, "Zm9vYmFyJUNK", 8, out, sizeof(out), &out_len), 0);
	assert_int_equal(out_len, 6);
	assert_memory_equal(out, "foobar", 6);
}

/* A length of 1 mod 4 (after padding is removed) cannot encode whole bytes. */
static void test_length_one_mod_four_refused(void **state)
{
	(void)state;
	assert_refused(B64_URL_NOPAD, "Q");
	assert_refused(B64_URL_NOPAD, "QUJDR");
	assert_refused(B64_URL_ANYPAD, "A");
	assert_refused(B64_URL_ANYPAD, "AAAAA");
	assert_refused(B64_URL_ANYPAD, "QUJDR===");
	assert_refused(B64_STD, "QUJDR===");
	assert_refused(B64_STD, "AAAAA");
}

static void test_capacity_overflow_refused(void **state)
{
	uint8_t out[8];
	size_t out_len = 0;

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(decode(B64_STD, "Zm9vYmFy", out, 5, &out_len), -1);
	/* Nothing past the capacity was written. */
	assert_int_equal(out[5], 0xAA);
	assert_int_equal(out[6], 0xAA);
	assert_int_equal(decode(B64_STD, "Zm9vYmFy", out, 6, &out_len), 0);
	assert_int_equal(out_len, 6);
	assert_int_equal(decode(B64_URL_NOPAD, "Zg", out, 0, &out_len), -1);
	assert_int_equal(decode(B64_URL_NOPAD, "Zg", out, 1, &out_len), 0);
	assert_int_equal(out_len, 1);
}

static void test_decoded_max_is_an_upper_bound(void **state)
{
	(void)state;
	for (size_t n = 0; n <= 200; n++) {
		/* n characters carry at most floor(6n / 8) bytes. */
		assert_true(b64_decoded_max(n) >= n * 6 / 8);
	}
}

static void test_encode_known_vectors(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(b64_encode(B64_STD, (const uint8_t *)"f", 1, out, sizeof(out)), 4);
	assert_string_equal(out, "Zg==");
	assert_int_equal(b64_encode(B64_STD, (const uint8_t *)"fo", 2, out, sizeof(out)), 4);
	assert_string_equal(out, "Zm8=");
	assert_int_equal(b64_encode(B64_STD, (const uint8_t *)"foobar", 6, out, sizeof(out)), 8);
	assert_string_equal(out, "Zm9vYmFy");
	assert_int_equal(b64_encode(B64_URL_NOPAD, (const uint8_t *)"f", 1, out, sizeof(out)), 2);
	assert_string_equal(out, "Zg");
	assert_int_equal(b64_encode(B64_URL_NOPAD, (const uint8_t *)"\xfb\xff", 2, out,
				    sizeof(out)),
			 3);
	assert_string_equal(out, "-_8");
	assert_int_equal(b64_encode(B64_STD, (const uint8_t *)"\xfb\xff", 2, out, sizeof(out)),
			 4);
	assert_string_equal(out, "+/8=");
	assert_int_equal(b64_encode(B64_STD, NULL, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* The output needs room for the text and its NUL. */
static void test_encode_capacity(void **state)
{
	char out[16];

	(void)state;
	memset(out, 'x', sizeof(out));
	assert_int_equal(b64_encode(B64_STD, (const uint8_t *)"foo", 3, out, 4), 0);
	assert_int_equal(out[4], 'x');
	assert_int_equal(b64_encode(B64_STD, (const uint8_t *)"foo", 3, out, 5), 4);
	assert_string_equal(out, "Zm9v");
	assert_int_equal(b64_encode(B64_URL_NOPAD, (const uint8_t *)"fo", 2, out, 3), 0);
	assert_int_equal(b64_encode(B64_URL_NOPAD, (const uint8_t *)"fo", 2, out, 4), 3);
	assert_string_equal(out, "Zm8");
}

static void round_trip(enum b64_alphabet a)
{
	uint8_t in[70], back[80];
	char text[128];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 251); /* every byte value class, incl. 0xFB/0xFF */
	for (size_t len = 0; len <= sizeof(in); len++) {
		size_t want = b64_encoded_len(a, len);
		size_t got = b64_encode(a, in, len, text, sizeof(text));
		size_t back_len = 999;

		assert_int_equal(got, want);
		assert_int_equal(strlen(text), want);
		if (a == B64_STD)
			assert_int_equal(want % 4, 0);
		else
			assert_null(strchr(text, '='));
		assert_true(b64_decoded_max(want) >= len);
		assert_int_equal(b64_decode(a, text, got, back, sizeof(back), &back_len), 0);
		assert_int_equal(back_len, len);
		assert_memory_equal(back, in, len);
	}
}

static void test_round_trip_std(void **state)
{
	(void)state;
	round_trip(B64_STD);
}

static void test_round_trip_url_nopad(void **state)
{
	(void)state;
	round_trip(B64_URL_NOPAD);
}

static void test_round_trip_url_anypad(void **state)
{
	(void)state;
	round_trip(B64_URL_ANYPAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_std_rfc4648_vectors),
		cmocka_unit_test(test_alphabet_specific_characters),
		cmocka_unit_test(test_std_requires_padding),
		cmocka_unit_test(test_url_nopad_refuses_padding),
		cmocka_unit_test(test_url_anypad_accepts_both_forms),
		cmocka_unit_test(test_noncanonical_trailing_bits_refused),
		cmocka_unit_test(test_junk_characters_refused),
		cmocka_unit_test(test_embedded_nul_refused),
		cmocka_unit_test(test_length_one_mod_four_refused),
		cmocka_unit_test(test_capacity_overflow_refused),
		cmocka_unit_test(test_decoded_max_is_an_upper_bound),
		cmocka_unit_test(test_encode_known_vectors),
		cmocka_unit_test(test_encode_capacity),
		cmocka_unit_test(test_round_trip_std),
		cmocka_unit_test(test_round_trip_url_nopad),
		cmocka_unit_test(test_round_trip_url_anypad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
