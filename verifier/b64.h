/* b64.h - strict base64 (RFC 4648 §4) and base64url (§5) codecs.
 *
 * Decoding is strict on purpose: attacker-supplied evidence must have exactly
 * one encoding, so characters outside the alphabet, bad padding and non-zero
 * trailing bits are refused rather than skipped (upstream Keylime's decoder
 * silently drops junk).
 */
#ifndef TEEV_B64_H
#define TEEV_B64_H

#include <stddef.h>
#include <stdint.h>

enum b64_alphabet {
	B64_STD,        /* '+' '/', padding required */
	B64_URL_NOPAD,  /* '-' '_', padding refused */
	B64_URL_ANYPAD, /* '-' '_', padding optional (liberal reader) */
};

/* The largest number of bytes in_len characters can decode to. */
size_t b64_decoded_max(size_t in_len);

/* Decodes in[0..in_len) into out (capacity cap). Returns 0 and sets *out_len, or
 * -1 when the text is not valid in the alphabet or does not fit. */
int b64_decode(enum b64_alphabet alphabet, const char *in, size_t in_len,
	       uint8_t *out, size_t cap, size_t *out_len);

/* Encodes with padding (B64_STD) or without (URL variants). Returns the
 * string length written (NUL-terminated), or 0 when cap is too small. */
size_t b64_encode(enum b64_alphabet alphabet, const uint8_t *in, size_t in_len,
		  char *out, size_t cap);
size_t b64_encoded_len(enum b64_alphabet alphabet, size_t in_len);

#endif
