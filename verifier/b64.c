/* b64.c - strict base64 / base64url (see b64.h). */
#include "verifier/b64.h"

#include <stdbool.h>

static const char std_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of c in the alphabet, or -1. Branches instead of a table so the
 * decoder keeps no static state and reads top to bottom. */
static int sextet(enum b64_alphabet alphabet, char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (alphabet == B64_STD) {
		if (c == '+')
			return 62;
		if (c == '/')
			return 63;
	} else {
		if (c == '-')
			return 62;
		if (c == '_')
			return 63;
	}
	return -1;
}

size_t b64_decoded_max(size_t in_len)
{
	return in_len / 4 * 3 + 3;
}

int b64_decode(enum b64_alphabet alphabet, const char *in, size_t in_len,
	       uint8_t *out, size_t cap, size_t *out_len)
{
	size_t pad = 0;
	size_t n = 0;
	uint32_t acc = 0;
	size_t bits = 0;

	while (in_len > 0 && in[in_len - 1] == '=' && pad < 2) {
		in_len--;
		pad++;
	}
	if (pad > 0 && alphabet == B64_URL_NOPAD)
		return -1;
	if (alphabet == B64_STD && (in_len + pad) % 4 != 0)
		return -1;
	if (pad > 0 && (in_len + pad) % 4 != 0)
		return -1;
	/* A lone sextet cannot carry a whole byte. */
	if (in_len % 4 == 1)
		return -1;

	for (size_t i = 0; i < in_len; i++) {
		int v = sextet(alphabet, in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Canonical encodings leave the unused low bits zero. */
	if (acc != 0)
		return -1;
	*out_len = n;
	return 0;
}

size_t b64_encoded_len(enum b64_alphabet alphabet, size_t in_len)
{
	if (alphabet == B64_STD)
		return (in_len + 2) / 3 * 4;
	return in_len / 3 * 4 + (in_len % 3 == 0 ? 0 : in_len % 3 + 1);
}

size_t b64_encode(enum b64_alphabet alphabet, const uint8_t *in, size_t in_len,
		  char *out, size_t cap)
{
	const char *chars = alphabet == B64_STD ? std_chars : url_chars;
	bool padded = alphabet == B64_STD;
	size_t need = b64_encoded_len(alphabet, in_len);
	size_t n = 0;

	if (cap < need + 1)
		return 0;
	for (size_t i = 0; i < in_len; i += 3) {
		uint32_t chunk = (uint32_t)in[i] << 16;
		size_t left = in_len - i;
		if (left > 1)
			chunk |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			chunk |= in[i + 2];
		out[n++] = chars[(chunk >> 18) & 63];
		out[n++] = chars[(chunk >> 12) & 63];
		if (left > 1)
			out[n++] = chars[(chunk >> 6) & 63];
		else if (padded)
			out[n++] = '=';
		if (left > 2)
			out[n++] = chars[chunk & 63];
		else if (padded)
			out[n++] = '=';
	}
	out[n] = '\0';
	return n;
}
