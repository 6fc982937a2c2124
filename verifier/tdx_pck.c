/* tdx_pck.c - PCK chain splitting, Intel's SGX extensions and CRL checks (see tdx_pck.h). */
#include "verifier/tdx_pck.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"
#define SGX_OID "1.2.840.113741.1.13.1"
#define PLATFORM_CA_CN "Intel SGX PCK Platform CA"
#define PROCESSOR_CA_CN "Intel SGX PCK Processor CA"

const char *tdx_ca_type_name(enum tdx_ca_type ca)
{
	return ca == TDX_CA_PROCESSOR ? "processor" : "platform";
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Where needle starts in hay[0..len), or len. */
static size_t find(const uint8_t *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, n) == 0)
			return i;
	return len;
}

static X509 *pem_block(const uint8_t *p, size_t len)
{
	BIO *bio = BIO_new_mem_buf(p, (int)len);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return cert;
}

void tdx_pck_chain_free(struct tdx_pck_chain *c)
{
	X509_free(c->leaf);
	X509_free(c->intermediate);
	X509_free(c->root);
	memset(c, 0, sizeof(*c));
}

int tdx_pem_split(const uint8_t *pem, size_t len, X509 **out, size_t max, char *why, size_t cap)
{
	size_t pos = 0, count = 0;

	for (;;) {
		while (pos < len && is_space(pem[pos]))
			pos++;
		if (pos == len || pem[pos] == '\0')
			break;
		size_t begin_len = sizeof(PEM_BEGIN) - 1, end_len = sizeof(PEM_END) - 1;
		if (len - pos < begin_len || memcmp(pem + pos, PEM_BEGIN, begin_len) != 0) {
			snprintf(why, cap,
				 "unexpected bytes at offset %zu where a PEM certificate or the end was expected",
				 pos);
			goto fail;
		}
		size_t end = find(pem + pos, len - pos, PEM_END);
		if (end == len - pos) {
			snprintf(why, cap, "the PEM certificate at offset %zu has no END line", pos);
			goto fail;
		}
		if (count == max) {
			snprintf(why, cap, "more than %zu certificates", max);
			goto fail;
		}
		size_t block = end + end_len;
		out[count] = pem_block(pem + pos, block);
		if (!out[count]) {
			snprintf(why, cap, "certificate %zu (at offset %zu) does not parse", count + 1,
				 pos);
			goto fail;
		}
		count++;
		pos += block;
	}
	/* Real quotes end the PEM text with a NUL; only NUL and white space may follow. */
	for (; pos < len; pos++) {
		if (pem[pos] != '\0' && !is_space(pem[pos])) {
			snprintf(why, cap, "unexpected byte 0x%02x at offset %zu after the certificates",
				 pem[pos], pos);
			goto fail;
		}
	}
	ERR_clear_error();
	return (int)count;
fail:
	for (size_t i = 0; i < count; i++) {
		X509_free(out[i]);
		out[i] = NULL;
	}
	ERR_clear_error();
	return -1;
}

int tdx_pck_chain_split(const uint8_t *pem, size_t len, struct tdx_pck_chain *out,
			struct failures *f)
{
	X509 *certs[3] = {NULL, NULL, NULL};
	char why[160];
	int n = tdx_pem_split(pem, len, certs, 3, why, sizeof(why));

	memset(out, 0, sizeof(*out));
	if (n < 0) {
		failures_add(f, "tee_attestation.quote_format", "PCK certificate chain: %s", why);
		return -1;
	}
	if (n != 3) {
		for (int i = 0; i < n; i++)
			X509_free(certs[i]);
		failures_add(f, "tee_attestation.quote_format",
			     "PCK certificate chain holds %d certificates, expected 3 (PCK leaf, PCK CA, Intel SGX Root CA)",
			     n);
		return -1;
	}
	out->leaf = certs[0];
	out->intermediate = certs[1];
	out->root = certs[2];
	return 0;
}

/* ---- the SGX extension ---- */

static bool oid_is(const ASN1_OBJECT *o, const char *dotted)
{
	char text[80];
	int n = OBJ_obj2txt(text, sizeof(text), o, 1);

	return n > 0 && (size_t)n < sizeof(text) && strcmp(text, dotted) == 0;
}

/* An element {OID, value} of an SGX extension SEQUENCE. */
struct element {
	STACK_OF(ASN1_TYPE) *pair;
	const ASN1_OBJECT *oid;
	const ASN1_TYPE *value;
};

static int decode_pair(const ASN1_TYPE *item, struct element *e)
{
	const unsigned char *p;
	long len;

	memset(e, 0, sizeof(*e));
	if (ASN1_TYPE_get(item) != V_ASN1_SEQUENCE)
		return -1;
	p = item->value.sequence->data;
	len = item->value.sequence->length;
	e->pair = d2i_ASN1_SEQUENCE_ANY(NULL, &p, len);
	if (!e->pair || p != item->value.sequence->data + len || sk_ASN1_TYPE_num(e->pair) != 2)
		return -1;
	if (ASN1_TYPE_get(sk_ASN1_TYPE_value(e->pair, 0)) != V_ASN1_OBJECT)
		return -1;
	e->oid = sk_ASN1_TYPE_value(e->pair, 0)->value.object;
	e->value = sk_ASN1_TYPE_value(e->pair, 1);
	return 0;
}

static void element_free(struct element *e)
{
	sk_ASN1_TYPE_pop_free(e->pair, ASN1_TYPE_free);
	memset(e, 0, sizeof(*e));
}

static int octets(const ASN1_TYPE *v, uint8_t *out, size_t n)
{
	if (ASN1_TYPE_get(v) != V_ASN1_OCTET_STRING || v->value.octet_string->length != (int)n)
		return -1;
	memcpy(out, v->value.octet_string->data, n);
	return 0;
}

static int integer(const ASN1_TYPE *v, int64_t max, int64_t *out)
{
	if (ASN1_TYPE_get(v) != V_ASN1_INTEGER ||
	    ASN1_INTEGER_get_int64(out, v->value.integer) != 1 || *out < 0 || *out > max)
		return -1;
	return 0;
}

static STACK_OF(ASN1_TYPE) *decode_sequence(const unsigned char *data, long len)
{
	const unsigned char *p = data;
	STACK_OF(ASN1_TYPE) *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, len);

	if (seq && p != data + len) {
		sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
		return NULL;
	}
	return seq;
}

/* .2: SEQUENCE of {.2.N, INTEGER} for N = 1..17 and {.2.18, OCTET STRING}. */
static int parse_tcb(const ASN1_TYPE *v, struct tdx_pck_info *out, char *bad, size_t cap)
{
	STACK_OF(ASN1_TYPE) *seq = NULL;
	uint32_t seen = 0;
	int rc = -1;

	if (ASN1_TYPE_get(v) != V_ASN1_SEQUENCE) {
		snprintf(bad, cap, "TCB (.2) is not a SEQUENCE");
		return -1;
	}
	seq = decode_sequence(v->value.sequence->data, v->value.sequence->length);
	if (!seq) {
		snprintf(bad, cap, "TCB (.2) does not decode");
		return -1;
	}
	for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		struct element e;
		char oid[64];
		unsigned n = 0;
		int64_t x = 0;

		if (decode_pair(sk_ASN1_TYPE_value(seq, i), &e)) {
			element_free(&e);
			snprintf(bad, cap, "TCB (.2) element %d is not {OID, value}", i);
			goto out;
		}
		for (n = 1; n <= 18; n++) {
			snprintf(oid, sizeof(oid), SGX_OID ".2.%u", n);
			if (oid_is(e.oid, oid))
				break;
		}
		if (n > 18) {
			element_free(&e); /* unknown components are Intel's to add */
			continue;
		}
		if (seen & (1u << n)) {
			element_free(&e);
			snprintf(bad, cap, "TCB component .2.%u appears twice", n);
			goto out;
		}
		seen |= 1u << n;
		if (n == 18) {
			if (octets(e.value, out->cpusvn, 16)) {
				element_free(&e);
				snprintf(bad, cap, "CPUSVN (.2.18) is not 16 bytes");
				goto out;
			}
		} else if (integer(e.value, n == 17 ? 65535 : 255, &x)) {
			element_free(&e);
			snprintf(bad, cap, "TCB component .2.%u is not an integer 0..%d", n,
				 n == 17 ? 65535 : 255);
			goto out;
		} else if (n == 17) {
			out->pcesvn = (uint16_t)x;
		} else {
			out->sgx_svn[n - 1] = (uint8_t)x;
		}
		element_free(&e);
	}
	for (unsigned n = 1; n <= 17; n++) {
		if (!(seen & (1u << n))) {
			snprintf(bad, cap, "TCB component .2.%u is missing", n);
			goto out;
		}
	}
	rc = 0;
out:
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	return rc;
}

static int parse_ca_type(X509 *leaf, enum tdx_ca_type *ca, struct failures *f)
{
	char cn[128];
	int n = X509_NAME_get_text_by_NID(X509_get_issuer_name(leaf), NID_commonName, cn,
					  sizeof(cn));

	if (n > 0 && strcmp(cn, PLATFORM_CA_CN) == 0) {
		*ca = TDX_CA_PLATFORM;
		return 0;
	}
	if (n > 0 && strcmp(cn, PROCESSOR_CA_CN) == 0) {
		*ca = TDX_CA_PROCESSOR;
		return 0;
	}
	failures_add(f, "tee_attestation.pck_extensions",
		     "PCK certificate issuer CN is \"%s\", expected \"" PLATFORM_CA_CN
		     "\" or \"" PROCESSOR_CA_CN "\"",
		     n > 0 ? cn : "(none)");
	return -1;
}

int tdx_pck_parse(X509 *leaf, struct tdx_pck_info *out, struct failures *f)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SGX_OID, 1);
	const ASN1_OCTET_STRING *ext = NULL;
	STACK_OF(ASN1_TYPE) *seq = NULL;
	char bad[160] = "";
	unsigned seen = 0;
	int index, rc = -1;

	memset(out, 0, sizeof(*out));
	if (parse_ca_type(leaf, &out->ca, f))
		goto out_free;
	index = oid ? X509_get_ext_by_OBJ(leaf, oid, -1) : -1;
	if (index < 0) {
		snprintf(bad, sizeof(bad), "the extension is missing");
		goto out;
	}
	if (X509_get_ext_by_OBJ(leaf, oid, index) >= 0) {
		snprintf(bad, sizeof(bad), "the extension appears twice");
		goto out;
	}
	ext = X509_EXTENSION_get_data(X509_get_ext(leaf, index));
	seq = decode_sequence(ASN1_STRING_get0_data(ext), ASN1_STRING_length(ext));
	if (!seq) {
		snprintf(bad, sizeof(bad), "the extension is not a DER SEQUENCE");
		goto out;
	}
	for (int i = 0; i < sk_ASN1_TYPE_num(seq); i++) {
		struct element e;
		unsigned which = 0;

		if (decode_pair(sk_ASN1_TYPE_value(seq, i), &e)) {
			element_free(&e);
			snprintf(bad, sizeof(bad), "element %d is not {OID, value}", i);
			goto out;
		}
		if (oid_is(e.oid, SGX_OID ".2"))
			which = 2;
		else if (oid_is(e.oid, SGX_OID ".3"))
			which = 3;
		else if (oid_is(e.oid, SGX_OID ".4"))
			which = 4;
		if (which && (seen & (1u << which))) {
			element_free(&e);
			snprintf(bad, sizeof(bad), "element .%u appears twice", which);
			goto out;
		}
		seen |= 1u << which;
		if ((which == 2 && parse_tcb(e.value, out, bad, sizeof(bad))) ||
		    (which == 3 && octets(e.value, out->pce_id, 2)) ||
		    (which == 4 && octets(e.value, out->fmspc, 6))) {
			if (!bad[0])
				snprintf(bad, sizeof(bad), "%s is not an OCTET STRING of %d bytes",
					 which == 3 ? "PCE-ID (.3)" : "FMSPC (.4)", which == 3 ? 2 : 6);
			element_free(&e);
			goto out;
		}
		element_free(&e);
	}
	for (unsigned which = 2; which <= 4; which++) {
		if (!(seen & (1u << which))) {
			snprintf(bad, sizeof(bad), "element %s is missing",
				 which == 2 ? "TCB (.2)" : which == 3 ? "PCE-ID (.3)" : "FMSPC (.4)");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		failures_add(f, "tee_attestation.pck_extensions",
			     "PCK certificate SGX extension (" SGX_OID "): %s", bad);
out_free:
	sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
	ASN1_OBJECT_free(oid);
	ERR_clear_error();
	return rc;
}

/* ---- CRLs ---- */

static int to_time_t(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static void format_time(time_t t, char *out, size_t cap)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "?");
}

static void serial_hex(X509 *cert, char *out, size_t cap)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	int n = serial ? serial->length : 0;

	if (n <= 0 || 2 * (size_t)n + 1 > cap) {
		snprintf(out, cap, "?");
		return;
	}
	bytes_to_hex(serial->data, (size_t)n, out);
}

int tdx_crl_check(const uint8_t *der, size_t len, X509 *issuer, X509 *const subjects[],
		  size_t n, time_t at, const char *name, struct failures *f)
{
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	X509_REVOKED *revoked = NULL;
	time_t from = 0, until = 0;
	char want[256], have[256], a[32], b[32], c[32], serial[80];
	int rc = -1;

	if (!crl || p != der + len) {
		failures_add(f, "tee_attestation.crl", "the %s is not a single DER CRL", name);
		goto out;
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
		X509_NAME_oneline(X509_get_subject_name(issuer), want, sizeof(want));
		X509_NAME_oneline(X509_CRL_get_issuer(crl), have, sizeof(have));
		failures_add(f, "tee_attestation.crl", "the %s is issued by %s, expected %s", name,
			     have, want);
		goto out;
	}
	if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
		failures_add(f, "tee_attestation.crl", "the %s signature does not verify with its issuer's key",
			     name);
		goto out;
	}
	if (to_time_t(X509_CRL_get0_lastUpdate(crl), &from) ||
	    to_time_t(X509_CRL_get0_nextUpdate(crl), &until) || at < from || at > until) {
		format_time(from, a, sizeof(a));
		format_time(until, b, sizeof(b));
		format_time(at, c, sizeof(c));
		failures_add(f, "tee_attestation.crl",
			     "the %s is valid %s .. %s, not at the verification time %s", name, a, b,
			     c);
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (subjects[i] && X509_CRL_get0_by_cert(crl, &revoked, subjects[i]) == 1) {
			X509_NAME_oneline(X509_get_subject_name(subjects[i]), have, sizeof(have));
			serial_hex(subjects[i], serial, sizeof(serial));
			failures_add(f, "tee_attestation.revoked", "%s (serial %s) is revoked by the %s",
				     have, serial, name);
			rc = -1;
		}
	}
out:
	X509_CRL_free(crl);
	ERR_clear_error();
	return rc;
}
