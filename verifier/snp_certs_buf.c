/* snp_certs_buf.c - parse the GHCB certificate table (see snp_certs_buf.h). */
#include "verifier/snp_certs_buf.h"

#include "verifier/failures.h"

#include <stdbool.h>
#include <string.h>

#define ENTRY_SIZE 24

/* GUIDs in canonical (RFC 4122, big-endian) byte order, as the table stores them. */
static const uint8_t guid_ark[16] = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
				     0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};
static const uint8_t guid_ask[16] = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
				     0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
static const uint8_t guid_vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
				      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
static const uint8_t guid_vlek[16] = {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
				      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1};
static const uint8_t guid_crl[16] = {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
				     0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static struct snp_blob *slot_for(struct snp_certs_buf *out, const uint8_t guid[16],
				 const char **name)
{
	if (memcmp(guid, guid_ark, 16) == 0) {
		*name = "ARK";
		return &out->ark;
	}
	if (memcmp(guid, guid_ask, 16) == 0) {
		*name = "ASK";
		return &out->ask;
	}
	if (memcmp(guid, guid_vcek, 16) == 0) {
		*name = "VCEK";
		return &out->vcek;
	}
	if (memcmp(guid, guid_vlek, 16) == 0) {
		*name = "VLEK";
		return &out->vlek;
	}
	if (memcmp(guid, guid_crl, 16) == 0) {
		*name = "CRL";
		return &out->crl;
	}
	return NULL; /* unknown GUIDs are ignored, as the GHCB spec allows */
}

int snp_certs_buf_parse(const uint8_t *buf, size_t len, struct snp_certs_buf *out,
			struct failures *f)
{
	size_t table_end = 0;
	size_t entries = 0;

	memset(out, 0, sizeof(*out));
	if (len > SNP_CERTS_BUF_MAX) {
		failures_add(f, "tee_attestation.invalid_input",
			     "certs-buf is %zu bytes, more than the %zu allowed", len,
			     SNP_CERTS_BUF_MAX);
		return -1;
	}
	/* First pass: find the terminator, so every blob can be checked to lie past it. */
	for (;;) {
		if (table_end + ENTRY_SIZE > len) {
			failures_add(f, "tee_attestation.invalid_input",
				     "certs-buf table has no all-zero terminator entry within its %zu bytes",
				     len);
			return -1;
		}
		if (is_zero(buf + table_end, ENTRY_SIZE))
			break;
		table_end += ENTRY_SIZE;
		entries++;
	}
	table_end += ENTRY_SIZE;

	for (size_t i = 0; i < entries; i++) {
		const uint8_t *entry = buf + i * ENTRY_SIZE;
		uint32_t offset = le32(entry + 16);
		uint32_t length = le32(entry + 20);
		const char *name = NULL;
		struct snp_blob *slot = slot_for(out, entry, &name);

		if (!slot)
			continue;
		if (offset < table_end || length == 0 || offset > len ||
		    length > len - offset) {
			failures_add(f, "tee_attestation.invalid_input",
				     "certs-buf entry %zu (%s) has offset %u length %u outside the blob area [%zu, %zu)",
				     i, name, offset, length, table_end, len);
			return -1;
		}
		if (slot->data) {
			failures_add(f, "tee_attestation.invalid_input",
				     "certs-buf holds more than one %s entry", name);
			return -1;
		}
		slot->data = buf + offset;
		slot->len = length;
	}

	/* Blobs must not overlap: a host that aliases two certificates is malformed. */
	const struct snp_blob *const all[] = {&out->ark, &out->ask, &out->vcek, &out->vlek, &out->crl};
	for (size_t i = 0; i < 5; i++) {
		for (size_t j = i + 1; j < 5; j++) {
			const struct snp_blob *a = all[i], *b = all[j];
			if (!a->data || !b->data)
				continue;
			if (a->data < b->data + b->len && b->data < a->data + a->len) {
				failures_add(f, "tee_attestation.invalid_input",
					     "certs-buf entries overlap (bytes %td..%td and %td..%td)",
					     a->data - buf, a->data - buf + (ptrdiff_t)a->len,
					     b->data - buf, b->data - buf + (ptrdiff_t)b->len);
				return -1;
			}
		}
	}
	return 0;
}
