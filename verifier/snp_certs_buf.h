/* snp_certs_buf.h - the GHCB extended-report certificate table ("certs_buf").
 *
 * A table of 24-byte entries {GUID[16], u32 offset, u32 length} ended by an
 * all-zero entry, followed by the DER blobs it points at (SNP.md §9). The host
 * writes it, so every offset and length is checked against the buffer and the
 * table's own end; the certificates it yields are never trust anchors.
 */
#ifndef TEEV_SNP_CERTS_BUF_H
#define TEEV_SNP_CERTS_BUF_H

#include <stddef.h>
#include <stdint.h>

struct failures;

/* Upper bound on the host-supplied table (AMD's own is 4 pages at most). */
#define SNP_CERTS_BUF_MAX ((size_t)64 * 1024)

struct snp_blob {
	const uint8_t *data; /* points into the caller's buffer; NULL when absent */
	size_t len;
};

struct snp_certs_buf {
	struct snp_blob ark, ask, vcek, vlek, crl;
};

/* Fills out with pointers into buf. On a malformed table appends
 * tee_attestation.invalid_input naming the problem and returns -1. */
int snp_certs_buf_parse(const uint8_t *buf, size_t len, struct snp_certs_buf *out,
			struct failures *f);

#endif
