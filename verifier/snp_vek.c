/* snp_vek.c - AMD VCEK/VLEK certificate extensions and their binding to a report. */
#include "verifier/snp_vek.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

enum spl_index { SPL_FMC, SPL_BOOTLOADER, SPL_TEE, SPL_SNP, SPL_MICROCODE };

/* The extension's value bytes for the dotted OID, or NULL when absent. */
static const ASN1_OCTET_STRING *find_extension(X509 *cert, const char *oid_text)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(oid_text, 1);
	const ASN1_OCTET_STRING *value = NULL;
	int index;

	if (!oid)
		return NULL;
	index = X509_get_ext_by_OBJ(cert, oid, -1);
	if (index >= 0)
		value = X509_EXTENSION_get_data(X509_get_ext(cert, index));
	ASN1_OBJECT_free(oid);
	return value;
}

/* An SPL extension holds a DER INTEGER in 0..255. Returns 1 found, 0 absent, -1 bad. */
static int read_spl(X509 *cert, const char *oid_text, uint8_t *out)
{
	const ASN1_OCTET_STRING *value = find_extension(cert, oid_text);
	const unsigned char *p;
	ASN1_INTEGER *integer;
	int64_t v = -1;

	if (!value)
		return 0;
	p = ASN1_STRING_get0_data(value);
	integer = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(value));
	if (!integer)
		return -1;
	if (p != ASN1_STRING_get0_data(value) + ASN1_STRING_length(value) ||
	    ASN1_INTEGER_get_int64(&v, integer) != 1 || v < 0 || v > 255) {
		ASN1_INTEGER_free(integer);
		return -1;
	}
	ASN1_INTEGER_free(integer);
	*out = (uint8_t)v;
	return 1;
}

/* productName and cspID are DER IA5Strings. Returns 1 found, 0 absent, -1 bad. */
static int read_ia5(X509 *cert, const char *oid_text, char *out, size_t cap)
{
	const ASN1_OCTET_STRING *value = find_extension(cert, oid_text);
	const unsigned char *p;
	ASN1_IA5STRING *text;
	int n;

	if (!value)
		return 0;
	p = ASN1_STRING_get0_data(value);
	text = d2i_ASN1_IA5STRING(NULL, &p, ASN1_STRING_length(value));
	if (!text)
		return -1;
	n = ASN1_STRING_length(text);
	if (n < 0 || (size_t)n >= cap ||
	    memchr(ASN1_STRING_get0_data(text), '\0', (size_t)n)) {
		ASN1_IA5STRING_free(text);
		return -1;
	}
	memcpy(out, ASN1_STRING_get0_data(text), (size_t)n);
	out[n] = '\0';
	ASN1_IA5STRING_free(text);
	return 1;
}

/* hwID is stored raw (64 bytes Milan/Genoa, 8 bytes Turin); some tools wrap it
 * in a DER OCTET STRING, which we also accept. */
static int read_hwid(X509 *cert, uint8_t out[64], size_t *out_len)
{
	const ASN1_OCTET_STRING *value = find_extension(cert, "1.3.6.1.4.1.3704.1.4");
	const unsigned char *data;
	int n;

	*out_len = 0;
	if (!value)
		return 0;
	data = ASN1_STRING_get0_data(value);
	n = ASN1_STRING_length(value);
	if ((n == 66 && data[0] == 0x04 && data[1] == 64) ||
	    (n == 10 && data[0] == 0x04 && data[1] == 8)) {
		data += 2;
		n -= 2;
	}
	if (n != 64 && n != 8)
		return -1;
	memcpy(out, data, (size_t)n);
	*out_len = (size_t)n;
	return 1;
}

static enum snp_product product_from_name(const char *name)
{
	/* "Milan-B0": the family comes before the optional stepping suffix. */
	size_t family_len = strcspn(name, "-");

	if (family_len == 5 && strncmp(name, "Milan", 5) == 0)
		return SNP_PRODUCT_MILAN;
	if (family_len == 5 && strncmp(name, "Genoa", 5) == 0)
		return SNP_PRODUCT_GENOA;
	if (family_len == 5 && strncmp(name, "Turin", 5) == 0)
		return SNP_PRODUCT_TURIN;
	return SNP_PRODUCT_UNKNOWN;
}

static bool key_is_p384(X509 *cert)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	char group[32];

	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return false;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
					    sizeof(group), NULL))
		return false;
	return strcmp(group, "secp384r1") == 0;
}

static bool subject_cn_is(X509 *cert, const char *expected)
{
	char cn[64];
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn,
					  sizeof(cn));
	return n > 0 && strcmp(cn, expected) == 0;
}

int snp_vek_parse(X509 *cert, struct snp_vek_info *out, struct failures *f)
{
	static const char *const spl_oids[5] = {
		"1.3.6.1.4.1.3704.1.3.9", "1.3.6.1.4.1.3704.1.3.1", "1.3.6.1.4.1.3704.1.3.2",
		"1.3.6.1.4.1.3704.1.3.3", "1.3.6.1.4.1.3704.1.3.8",
	};
	uint8_t *spl_fields[5];
	int rc;

	memset(out, 0, sizeof(*out));
	spl_fields[SPL_FMC] = &out->spl.fmc;
	spl_fields[SPL_BOOTLOADER] = &out->spl.bootloader;
	spl_fields[SPL_TEE] = &out->spl.tee;
	spl_fields[SPL_SNP] = &out->spl.snp;
	spl_fields[SPL_MICROCODE] = &out->spl.microcode;

	if (!key_is_p384(cert)) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate key is not an EC P-384 key");
		return -1;
	}
	if (subject_cn_is(cert, "SEV-VLEK")) {
		out->is_vlek = true;
	} else if (!subject_cn_is(cert, "SEV-VCEK")) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate subject CN is neither SEV-VCEK nor SEV-VLEK");
		return -1;
	}
	rc = read_ia5(cert, "1.3.6.1.4.1.3704.1.2", out->product_name,
		      sizeof(out->product_name));
	if (rc != 1) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate productName extension is %s",
			     rc == 0 ? "missing" : "malformed");
		return -1;
	}
	out->product = product_from_name(out->product_name);
	for (size_t i = 0; i < 5; i++) {
		rc = read_spl(cert, spl_oids[i], spl_fields[i]);
		if (rc < 0) {
			failures_add(f, "tee_attestation.invalid_public_key",
				     "endorsement certificate SPL extension %s is malformed",
				     spl_oids[i]);
			return -1;
		}
		out->has_spl[i] = rc == 1;
	}
	if (read_hwid(cert, out->hwid, &out->hwid_len) < 0) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate hwID extension is neither 64 nor 8 bytes");
		return -1;
	}
	rc = read_ia5(cert, "1.3.6.1.4.1.3704.1.5", out->csp_id, sizeof(out->csp_id));
	if (rc < 0) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate cspID extension is malformed");
		return -1;
	}
	out->has_csp_id = rc == 1;
	return 0;
}

/* One failure that names every component that differs, with both values. */
static void match_spls(const struct snp_vek_info *vek, struct snp_tcb reported,
		       enum snp_product product, struct failures *f)
{
	static const char *const names[5] = {"fmc", "bootloader", "tee", "snp", "microcode"};
	const uint8_t want[5] = {reported.fmc, reported.bootloader, reported.tee, reported.snp,
				 reported.microcode};
	const uint8_t have[5] = {vek->spl.fmc, vek->spl.bootloader, vek->spl.tee,
				 vek->spl.snp, vek->spl.microcode};
	char detail[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < 5; i++) {
		bool needed = i != SPL_FMC || product == SNP_PRODUCT_TURIN;
		int n;

		if (!needed || (vek->has_spl[i] && have[i] == want[i]))
			continue;
		if (vek->has_spl[i])
			n = snprintf(detail + used, sizeof(detail) - used, "%s%s %u != %u",
				     used ? ", " : "", names[i], want[i], have[i]);
		else
			n = snprintf(detail + used, sizeof(detail) - used,
				     "%s%s %u != (no extension)", used ? ", " : "", names[i],
				     want[i]);
		if (n > 0 && (size_t)n < sizeof(detail) - used)
			used += (size_t)n;
	}
	if (used) {
		char want_tcb[64], have_tcb[64];

		snp_tcb_format(reported, product, want_tcb, sizeof(want_tcb));
		snp_tcb_format(vek->spl, product, have_tcb, sizeof(have_tcb));
		failures_add(f, "tee_attestation.tcb_mismatch",
			     "REPORTED_TCB {%s} does not match the endorsement certificate {%s}: %s (report != certificate)",
			     want_tcb, have_tcb, detail);
	}
}

static void match_vcek_chip(const struct snp_vek_info *vek, const struct snp_report *report,
			    enum snp_product product, struct failures *f)
{
	size_t want_len = product == SNP_PRODUCT_TURIN ? 8 : 64;
	char want_hex[129], have_hex[129];

	if (vek->has_csp_id)
		failures_add(f, "tee_attestation.signing_key_mismatch",
			     "report is VCEK-signed but the certificate carries a cspID (a VLEK extension)");
	if (vek->hwid_len == 0) {
		failures_add(f, "tee_attestation.signing_key_mismatch",
			     "VCEK certificate has no hwID extension");
		return;
	}
	/* A masked CHIP_ID (all zero) cannot be compared; the VCEK signature still
	 * proves the chip, because the key is derived per chip and TCB. */
	if (bytes_all_zero(report->chip_id, sizeof(report->chip_id)))
		return;
	if (vek->hwid_len != want_len) {
		failures_add(f, "tee_attestation.chip_id_mismatch",
			     "VCEK hwID is %zu bytes, %s uses %zu", vek->hwid_len,
			     snp_product_name(product), want_len);
		return;
	}
	bytes_to_hex(report->chip_id, want_len, want_hex);
	bytes_to_hex(vek->hwid, vek->hwid_len, have_hex);
	if (memcmp(report->chip_id, vek->hwid, want_len) != 0) {
		failures_add(f, "tee_attestation.chip_id_mismatch",
			     "report CHIP_ID %s does not match VCEK hwID %s", want_hex, have_hex);
		return;
	}
	if (want_len == 8) {
		for (size_t i = 8; i < 64; i++) {
			if (report->chip_id[i]) {
				failures_add(f, "tee_attestation.chip_id_mismatch",
					     "Turin report CHIP_ID bytes 8..63 must be zero");
				return;
			}
		}
	}
}

int snp_vek_match_report(const struct snp_vek_info *vek, const struct snp_report *report,
			 enum snp_product product, struct failures *f)
{
	size_t before = f->count;
	bool want_vlek = report->signing_key == SNP_SIGNING_KEY_VLEK;
	struct snp_tcb reported = snp_tcb_decode(report->reported_tcb, product);

	if (vek->is_vlek != want_vlek) {
		failures_add(f, "tee_attestation.signing_key_mismatch",
			     "report SIGNING_KEY says %s but the certificate is a %s",
			     want_vlek ? "VLEK" : "VCEK", vek->is_vlek ? "VLEK" : "VCEK");
		return -1;
	}
	if (vek->product != product) {
		failures_add(f, "tee_attestation.product_mismatch",
			     "report is from a %s but the endorsement certificate productName is \"%s\"",
			     snp_product_name(product), vek->product_name);
		return -1;
	}
	match_spls(vek, reported, product, f);
	if (want_vlek) {
		if (vek->hwid_len)
			failures_add(f, "tee_attestation.signing_key_mismatch",
				     "VLEK certificate must not carry a hwID extension");
		if (!vek->has_csp_id)
			failures_add(f, "tee_attestation.signing_key_mismatch",
				     "VLEK certificate has no cspID extension");
	} else {
		match_vcek_chip(vek, report, product, f);
	}
	return f->count > before ? -1 : 0;
}
