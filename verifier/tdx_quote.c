/* tdx_quote.c - bounded parser of TDX quotes v4 and v5 (see tdx_quote.h).
 *
 * Every read goes through a cursor that refuses to move past the end of the
 * region it was given; nested regions (signature data, certification data)
 * get their own cursor over exactly their declared length, so a length that
 * lies is caught where it is read.
 */
#include "verifier/tdx_quote.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <stdio.h>
#include <string.h>

const uint8_t tdx_intel_qe_vendor_id[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					    0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"

struct cursor {
	const uint8_t *p;
	size_t len, pos;
	const char *region; /* named in messages */
};

/* The next n bytes, or NULL (and the cursor unchanged) when fewer are left. */
static const uint8_t *take(struct cursor *c, size_t n)
{
	const uint8_t *at;

	if (n > c->len - c->pos)
		return NULL;
	at = c->p + c->pos;
	c->pos += n;
	return at;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int short_read(struct cursor *c, const char *what, size_t want, struct failures *f)
{
	failures_add(f, "tee_attestation.quote_format",
		     "%s: %s needs %zu bytes at offset %zu but only %zu are left", c->region, what,
		     want, c->pos, c->len - c->pos);
	return -1;
}

/* Reads n bytes into out (or only skips them when out is NULL). */
static int read_bytes(struct cursor *c, void *out, size_t n, const char *what, struct failures *f)
{
	const uint8_t *at = take(c, n);

	if (!at)
		return short_read(c, what, n, f);
	if (out)
		memcpy(out, at, n);
	return 0;
}

static int read_u16(struct cursor *c, uint16_t *out, const char *what, struct failures *f)
{
	const uint8_t *at = take(c, 2);

	if (!at)
		return short_read(c, what, 2, f);
	*out = le16(at);
	return 0;
}

static int read_u32(struct cursor *c, uint32_t *out, const char *what, struct failures *f)
{
	const uint8_t *at = take(c, 4);

	if (!at)
		return short_read(c, what, 4, f);
	*out = le32(at);
	return 0;
}

static int parse_header(struct cursor *c, struct tdx_quote *q, struct failures *f)
{
	char want[33], have[33];

	if (c->len < TDX_QUOTE_HEADER_SIZE) {
		failures_add(f, "tee_attestation.quote_format",
			     "quote is %zu bytes, shorter than its %d-byte header", c->len,
			     TDX_QUOTE_HEADER_SIZE);
		return -1;
	}
	(void)read_u16(c, &q->version, "version", f);
	(void)read_u16(c, &q->att_key_type, "attestation key type", f);
	(void)read_u32(c, &q->tee_type, "TEE type", f);
	(void)read_bytes(c, q->header_reserved, 4, "reserved", f);
	(void)read_bytes(c, q->qe_vendor_id, 16, "QE vendor id", f);
	(void)read_bytes(c, q->user_data, 20, "user data", f);
	if (q->version != 4 && q->version != 5) {
		failures_add(f, "tee_attestation.quote_version",
			     "quote version is %u, expected 4 or 5", q->version);
		return -1;
	}
	if (q->att_key_type != TDX_ATT_KEY_ECDSA_P256) {
		failures_add(f, "tee_attestation.quote_version",
			     "attestation key type is %u, expected 2 (ECDSA P-256)", q->att_key_type);
		return -1;
	}
	if (q->tee_type != TDX_TEE_TYPE_TDX) {
		failures_add(f, "tee_attestation.quote_version",
			     "TEE type is 0x%08x, expected 0x00000081 (TDX)%s", q->tee_type,
			     q->tee_type == 0 ? "; 0 is an SGX quote" : "");
		return -1;
	}
	if (memcmp(q->qe_vendor_id, tdx_intel_qe_vendor_id, 16) != 0) {
		bytes_to_hex(tdx_intel_qe_vendor_id, 16, want);
		bytes_to_hex(q->qe_vendor_id, 16, have);
		failures_add(f, "tee_attestation.quote_version",
			     "QE vendor id is %s, expected Intel's Quoting Enclave %s", have, want);
		return -1;
	}
	return 0;
}

static void decode_body(const uint8_t *b, bool td15, struct tdx_td_report *r)
{
	size_t at = 0;

#define FIELD(member)                                      \
	do {                                               \
		memcpy(r->member, b + at, sizeof(r->member)); \
		at += sizeof(r->member);                   \
	} while (0)
	memset(r, 0, sizeof(*r));
	FIELD(tee_tcb_svn);
	FIELD(mr_seam);
	FIELD(mrsigner_seam);
	FIELD(seam_attributes);
	FIELD(td_attributes);
	FIELD(xfam);
	FIELD(mr_td);
	FIELD(mr_config_id);
	FIELD(mr_owner);
	FIELD(mr_owner_config);
	FIELD(rtmr);
	FIELD(report_data);
	if (td15) {
		FIELD(tee_tcb_svn2);
		FIELD(mr_servicetd);
	}
#undef FIELD
}

static int parse_body(struct cursor *c, struct tdx_quote *q, struct failures *f)
{
	size_t size = TDX_BODY10_SIZE;
	const uint8_t *body;

	q->body_type = TDX_BODY_TYPE_TD10;
	if (q->version == 5) {
		uint32_t declared = 0;

		if (read_u16(c, &q->body_type, "body descriptor type", f) ||
		    read_u32(c, &declared, "body descriptor size", f))
			return -1;
		if (q->body_type == TDX_BODY_TYPE_TD10) {
			size = TDX_BODY10_SIZE;
		} else if (q->body_type == TDX_BODY_TYPE_TD15) {
			size = TDX_BODY15_SIZE;
		} else {
			failures_add(f, "tee_attestation.quote_version",
				     "v5 body type is %u, expected 2 (TDX 1.0) or 3 (TDX 1.5)%s",
				     q->body_type, q->body_type == 1 ? "; 1 is an SGX body" : "");
			return -1;
		}
		if (declared != size) {
			failures_add(f, "tee_attestation.quote_format",
				     "v5 body of type %u declares %u bytes, expected %zu", q->body_type,
				     declared, size);
			return -1;
		}
	}
	body = take(c, size);
	if (!body)
		return short_read(c, "TD report body", size, f);
	decode_body(body, q->body_type == TDX_BODY_TYPE_TD15, &q->body);
	q->signed_len = c->pos;
	return 0;
}

static void decode_qe_report(const uint8_t *b, struct tdx_qe_report *r)
{
	memcpy(r->cpusvn, b, 16);
	memcpy(r->miscselect, b + 16, 4);
	memcpy(r->attributes, b + 48, 16);
	memcpy(r->mr_enclave, b + 64, 32);
	memcpy(r->mr_signer, b + 128, 32);
	r->isv_prod_id = le16(b + 256);
	r->isv_svn = le16(b + 258);
	memcpy(r->report_data, b + 320, 64);
}

/* The nested PCK chain (type 5); the PEM itself is split by tdx_pck. */
static int parse_pck_chain(struct cursor *c, struct tdx_quote *q, struct failures *f)
{
	uint16_t type = 0;
	uint32_t size = 0;

	if (read_u16(c, &type, "PCK certification data type", f) ||
	    read_u32(c, &size, "PCK certification data size", f))
		return -1;
	if (type != TDX_CERT_DATA_PCK_CHAIN) {
		failures_add(f, "tee_attestation.quote_format",
			     "QE certification data holds type %u, expected 5 (PCK certificate chain)",
			     type);
		return -1;
	}
	if (size != c->len - c->pos) {
		failures_add(f, "tee_attestation.quote_format",
			     "PCK certification data declares %u bytes but %zu remain in the QE certification data",
			     size, c->len - c->pos);
		return -1;
	}
	q->pck_chain = take(c, size);
	q->pck_chain_len = size;
	if (size > 0 && q->pck_chain[0] == 0x30) {
		failures_add(f, "tee_attestation.quote_format",
			     "PCK certification data (type 5) holds DER certificates, not the PEM chain the quote format specifies");
		return -1;
	}
	if (size < sizeof(PEM_BEGIN) - 1 ||
	    memcmp(q->pck_chain, PEM_BEGIN, sizeof(PEM_BEGIN) - 1) != 0) {
		failures_add(f, "tee_attestation.quote_format",
			     "PCK certification data (type 5) does not start with a PEM certificate");
		return -1;
	}
	return 0;
}

static int parse_signature_data(struct cursor *c, struct tdx_quote *q, struct failures *f)
{
	uint32_t sig_len = 0, cert_size = 0;
	uint16_t cert_type = 0;
	const uint8_t *region;

	if (read_u32(c, &sig_len, "signature data length", f))
		return -1;
	region = take(c, sig_len);
	if (!region) {
		failures_add(f, "tee_attestation.quote_format",
			     "signature data declares %u bytes but the quote has %zu after offset %zu",
			     sig_len, c->len - c->pos, c->pos);
		return -1;
	}
	q->trailing = c->len - c->pos;
	if (q->trailing > TDX_QUOTE_MAX_TRAILING) {
		failures_add(f, "tee_attestation.quote_format",
			     "%zu bytes follow the signature data, more than the %d accepted",
			     q->trailing, TDX_QUOTE_MAX_TRAILING);
		return -1;
	}

	struct cursor sig = {region, sig_len, 0, "signature data"};
	if (read_bytes(&sig, q->signature, 64, "quote signature", f) ||
	    read_bytes(&sig, q->attest_key, 64, "attestation key", f) ||
	    read_u16(&sig, &cert_type, "certification data type", f) ||
	    read_u32(&sig, &cert_size, "certification data size", f))
		return -1;
	if (cert_type != TDX_CERT_DATA_QE_REPORT) {
		failures_add(f, "tee_attestation.quote_format",
			     "certification data type is %u, expected 6 (QE report certification data)",
			     cert_type);
		return -1;
	}
	if (cert_size != sig.len - sig.pos) {
		failures_add(f, "tee_attestation.quote_format",
			     "QE report certification data declares %u bytes but %zu remain in the signature data",
			     cert_size, sig.len - sig.pos);
		return -1;
	}

	struct cursor qe = {sig.p + sig.pos, cert_size, 0, "QE report certification data"};
	uint16_t auth_len = 0;
	q->qe_report_raw = take(&qe, TDX_QE_REPORT_SIZE);
	if (!q->qe_report_raw)
		return short_read(&qe, "QE report", TDX_QE_REPORT_SIZE, f);
	decode_qe_report(q->qe_report_raw, &q->qe_report);
	if (read_bytes(&qe, q->qe_report_signature, 64, "QE report signature", f) ||
	    read_u16(&qe, &auth_len, "QE authentication data length", f))
		return -1;
	q->auth_data = take(&qe, auth_len);
	if (!q->auth_data)
		return short_read(&qe, "QE authentication data", auth_len, f);
	q->auth_data_len = auth_len;
	return parse_pck_chain(&qe, q, f);
}

int tdx_quote_parse(const uint8_t *buf, size_t len, struct tdx_quote *out, struct failures *f)
{
	struct cursor c = {buf, len, 0, "quote"};

	memset(out, 0, sizeof(*out));
	if (!buf)
		c.len = 0;
	if (parse_header(&c, out, f) || parse_body(&c, out, f) ||
	    parse_signature_data(&c, out, f))
		return -1;
	return 0;
}
