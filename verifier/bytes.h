/* bytes.h - small helpers over byte buffers and files, shared by the parsers
 * and the command line. */
#ifndef TEEV_BYTES_H
#define TEEV_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool bytes_all_zero(const uint8_t *p, size_t n);

/* Lower-case hex of p[0..n) into out, which holds at least 2n+1 bytes. */
void bytes_to_hex(const uint8_t *p, size_t n, char *out);

/* Reads a regular file of at most max bytes into a malloc'd buffer with a
 * NUL after the data (so text can be used as a string). Returns NULL and a
 * one-line reason in err when the file is missing, not regular, too large
 * or unreadable. */
uint8_t *bytes_read_file(const char *path, size_t max, size_t *len, char *err, size_t err_len);

#endif
