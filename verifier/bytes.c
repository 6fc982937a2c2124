/* bytes.c - byte-buffer and bounded file helpers (see bytes.h). */
#include "verifier/bytes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool bytes_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

void bytes_to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

uint8_t *bytes_read_file(const char *path, size_t max, size_t *len, char *err, size_t err_len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct stat st;

	if (!fp) {
		snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	/* fstat on the open file: the size checked is the size read. */
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "%s is not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, err_len, "%s is %lld bytes, more than the %zu allowed", path,
			 (long long)st.st_size, max);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		snprintf(err, err_len, "cannot read %s", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
out:
	fclose(fp);
	return buf;
}
