/* test_json_guard.c - unit tests for server/json_guard.c's string scan,
 * which steps over plain ASCII eight bytes at a time: a control character,
 * a stray byte outside ASCII, a quote or a backslash at any offset of a long
 * string is still seen, and the bytes at the edges of the allowed range
 * (space, DEL, '~') still pass. The bad-input catalog covers the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "server/json_guard.h"

/* {"k": "aaaa...X...aaaa"} with byte x at offset at of a 40-byte value. */
static int check_with(unsigned char x, size_t at, char *why, size_t cap)
{
	char text[64];

	memcpy(text, "{\"k\": \"", 7);
	memset(text + 7, 'a', 40);
	text[7 + at] = (char)x;
	memcpy(text + 47, "\"}", 2);
	return json_guard_check(text, 49, 8, why, cap);
}

static void test_every_offset(void **state)
{
	char why[256];
	(void)state;

	for (size_t at = 0; at < 40; at++) {
		assert_int_equal(check_with(0x01, at, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "control character"));
		assert_int_equal(check_with(0x1f, at, why, sizeof(why)), -1);
		assert_int_equal(check_with(0x80, at, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "UTF-8"));
		assert_int_equal(check_with(0xff, at, why, sizeof(why)), -1);
		/* A quote ends the string early, and the closing one opens
		 * another that never ends. */
		assert_int_equal(check_with('"', at, why, sizeof(why)), -1);
		assert_non_null(strstr(why, "unterminated"));
		/* A backslash escapes the next byte: "\a" is not an escape. */
		assert_int_equal(check_with('\\', at, why, sizeof(why)), -1);
		assert_int_equal(check_with(' ', at, why, sizeof(why)), 0);
		assert_int_equal(check_with(0x7f, at, why, sizeof(why)), 0);
		assert_int_equal(check_with('~', at, why, sizeof(why)), 0);
		assert_int_equal(check_with('!', at, why, sizeof(why)), 0);
	}
}

/* A two-byte UTF-8 character across every 8-byte boundary. */
static void test_utf8_across_words(void **state)
{
	char text[64], why[256];
	(void)state;

	for (size_t at = 0; at < 39; at++) {
		memcpy(text, "{\"k\": \"", 7);
		memset(text + 7, 'a', 40);
		memcpy(text + 7 + at, "\xc3\xa9", 2);
		memcpy(text + 47, "\"}", 2);
		if (json_guard_check(text, 49, 8, why, sizeof(why)))
			fail_msg("offset %zu: %s", at, why);
		text[7 + at + 1] = 'a'; /* a lead byte without its continuation */
		assert_int_equal(json_guard_check(text, 49, 8, why, sizeof(why)), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_offset),
		cmocka_unit_test(test_utf8_across_words),
	};
	return cmocka_run_group_tests_name("json_guard", tests, NULL, NULL);
}
