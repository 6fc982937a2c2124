/*
 * tdx_forge.c: forges Intel TDX evidence and collateral for tests (see tdx_forge.h).
 *
 * Everything here is written from shared/docs/TDX.md and from the shape of
 * the real quotes, certificates and collateral in shared/testdata/tdx,
 * never from teev's verifier, so that the two cannot share a misreading of
 * the format.
 */
#include "tdx_forge.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define SGX_OID "1.2.840.113741.1.13.1"
#define DAY 86400
#define CA_YEARS 25
#define PCK_YEARS 7
#define PATH_SIZE 4096

const uint8_t tdx_forge_qe_mrsigner[32] = {
	0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34, 0xa7, 0xfc, 0x43, 0xed,
	0x03, 0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba, 0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54,
	0xa8, 0xc5};
const uint8_t tdx_forge_qe_vendor_id[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					    0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/* ---- a growing byte buffer ---- */

#define PUT_LITERAL(b, s) put((b), (s), sizeof(s) - 1)

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		uint8_t *grown = realloc(b->p, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0; /* text stays NUL-terminated */
}

static void put_u16(struct buf *b, unsigned v)
{
	uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(b, p, 2);
}

static void put_u32(struct buf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, p, 4);
}

static void putf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct buf *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		b->failed = true;
		return;
	}
	put(b, text, (size_t)n);
}

static void put_hex(struct buf *b, const uint8_t *p, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
		put(b, two, 2);
	}
}

/* ---- DER, for the SGX extension ---- */

static void der_tlv(struct buf *b, uint8_t tag, const uint8_t *v, size_t n)
{
	uint8_t head[4] = {tag};
	size_t h = 2;

	if (n < 0x80) {
		head[1] = (uint8_t)n;
	} else if (n < 0x100) {
		head[1] = 0x81;
		head[2] = (uint8_t)n;
		h = 3;
	} else {
		head[1] = 0x82;
		head[2] = (uint8_t)(n >> 8);
		head[3] = (uint8_t)n;
		h = 4;
	}
	put(b, head, h);
	put(b, v, n);
}

static void der_oid(struct buf *b, const char *dotted)
{
	ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);
	unsigned char *der = NULL;
	int n = o ? i2d_ASN1_OBJECT(o, &der) : -1;

	if (n <= 0)
		b->failed = true;
	else
		put(b, der, (size_t)n);
	OPENSSL_free(der);
	ASN1_OBJECT_free(o);
}

static void der_uint(struct buf *b, uint8_t tag, unsigned v)
{
	uint8_t bytes[3];
	size_t n = 0;

	/* Minimal two's complement: a leading zero when the top bit is set. */
	if (v > 0xFF)
		bytes[n++] = (uint8_t)(v >> 8);
	bytes[n++] = (uint8_t)v;
	if (bytes[0] & 0x80) {
		memmove(bytes + 1, bytes, n);
		bytes[0] = 0;
		n++;
	}
	der_tlv(b, tag, bytes, n);
}

/* SEQUENCE { OID, value } with value already DER in v. */
static void der_pair(struct buf *b, const char *oid, const struct buf *v)
{
	struct buf inner = {0};

	der_oid(&inner, oid);
	put(&inner, v->p, v->len);
	if (inner.failed || v->failed)
		b->failed = true;
	else
		der_tlv(b, 0x30, inner.p, inner.len);
	free(inner.p);
}

static void der_pair_octets(struct buf *b, const char *oid, const uint8_t *p, size_t n)
{
	struct buf v = {0};

	der_tlv(&v, 0x04, p, n);
	der_pair(b, oid, &v);
	free(v.p);
}

static void der_pair_uint(struct buf *b, const char *oid, uint8_t tag, unsigned x)
{
	struct buf v = {0};

	der_uint(&v, tag, x);
	der_pair(b, oid, &v);
	free(v.p);
}

/* Intel's SGX extension, in the order and with the types of real PCKs. */
static int sgx_extension(const struct tdx_forge_pck_opts *o, struct buf *out)
{
	struct buf tcb = {0}, tcb_seq = {0}, all = {0};
	uint8_t ppid[16], cpusvn[16];
	char oid[64];
	int rc = -1;

	if (RAND_bytes(ppid, sizeof(ppid)) != 1)
		return -1;
	memcpy(cpusvn, o->sgx_svn, 16);
	for (unsigned i = 1; i <= 16; i++) {
		snprintf(oid, sizeof(oid), SGX_OID ".2.%u", i);
		der_pair_uint(&tcb, oid, 0x02, o->sgx_svn[i - 1]);
	}
	der_pair_uint(&tcb, SGX_OID ".2.17", 0x02, o->pcesvn);
	der_pair_octets(&tcb, SGX_OID ".2.18", cpusvn, 16);
	der_tlv(&tcb_seq, 0x30, tcb.p, tcb.len);

	der_pair_octets(&all, SGX_OID ".1", ppid, 16);
	der_pair(&all, SGX_OID ".2", &tcb_seq);
	der_pair_octets(&all, SGX_OID ".3", o->pce_id, 2);
	if (!o->omit_fmspc)
		der_pair_octets(&all, SGX_OID ".4", o->fmspc, 6);
	der_pair_uint(&all, SGX_OID ".5", 0x0A, 0); /* SGX type: Standard */
	if (tcb.failed || tcb_seq.failed || all.failed)
		goto out;
	der_tlv(out, 0x30, all.p, all.len);
	rc = out->failed ? -1 : 0;
out:
	free(tcb.p);
	free(tcb_seq.p);
	free(all.p);
	return rc;
}

/* ---- keys and certificates ---- */

EVP_PKEY *tdx_forge_p256_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int set_intel_name(X509_NAME *name, const char *cn)
{
	static const char *const fields[][2] = {
		{"O", "Intel Corporation"}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};

	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
				       0) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (X509_NAME_add_entry_by_txt(name, fields[i][0], MBSTRING_UTF8,
					       (const unsigned char *)fields[i][1], -1, -1, 0) != 1)
			return -1;
	return 0;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -1;
	rc = X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

static int random_serial(X509 *cert)
{
	uint8_t bytes[20];
	BIGNUM *bn = NULL;
	int rc = -1;

	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		return -1;
	bytes[0] &= 0x7F; /* positive */
	bytes[0] |= 0x01; /* and 20 bytes long, like Intel's */
	bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		rc = 0;
	BN_free(bn);
	return rc;
}

enum cert_kind { CERT_ROOT, CERT_CA, CERT_LEAF };

/* A certificate for key, issued by issuer (NULL: self-signed) with issuer_key. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
		       enum cert_kind kind, time_t not_before, time_t not_after,
		       const struct buf *sgx_ext)
{
	X509 *x = X509_new();

	if (!x || X509_set_version(x, 2) != 1 || random_serial(x) ||
	    set_intel_name(X509_get_subject_name(x), cn) ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
					   : X509_get_subject_name(x)) != 1 ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), not_after) || X509_set_pubkey(x, key) != 1)
		goto fail;
	if (add_ext(x, issuer, NID_subject_key_identifier, "hash") ||
	    (issuer && add_ext(x, issuer, NID_authority_key_identifier, "keyid:always")))
		goto fail;
	if (kind == CERT_ROOT &&
	    (add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE,pathlen:1") ||
	     add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign")))
		goto fail;
	if (kind == CERT_CA &&
	    (add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	     add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign")))
		goto fail;
	if (kind == CERT_LEAF &&
	    (add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") ||
	     add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation")))
		goto fail;
	if (sgx_ext) {
		ASN1_OBJECT *oid = OBJ_txt2obj(SGX_OID, 1);
		ASN1_OCTET_STRING *value = ASN1_OCTET_STRING_new();
		X509_EXTENSION *ext = NULL;
		int ok = oid && value &&
			 ASN1_OCTET_STRING_set(value, sgx_ext->p, (int)sgx_ext->len) &&
			 (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value)) &&
			 X509_add_ext(x, ext, -1) == 1;
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(value);
		ASN1_OBJECT_free(oid);
		if (!ok)
			goto fail;
	}
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

void tdx_forge_pck_opts_default(struct tdx_forge_pck_opts *o)
{
	static const uint8_t svn[16] = {5, 5, 2, 2, 3, 1, 0, 3};
	static const uint8_t fmspc[6] = {0x50, 0x80, 0x6f, 0x00, 0x00, 0x00};

	memset(o, 0, sizeof(*o));
	memcpy(o->fmspc, fmspc, 6);
	memcpy(o->sgx_svn, svn, 16);
	o->pcesvn = 11;
}

int tdx_forge_pki_reissue_pck(struct tdx_forge_pki *pki, const struct tdx_forge_pck_opts *o)
{
	struct buf ext = {0};
	time_t now = time(NULL);
	time_t from = o->not_before ? o->not_before : now - DAY;
	time_t until = o->not_after ? o->not_after : from + (time_t)PCK_YEARS * 365 * DAY;
	EVP_PKEY *key = tdx_forge_p256_key();
	X509 *cert = NULL;

	if (key && sgx_extension(o, &ext) == 0)
		cert = make_cert("Intel SGX PCK Certificate", key, pki->ca, pki->ca_key, CERT_LEAF,
				 from, until, &ext);
	free(ext.p);
	if (!cert) {
		EVP_PKEY_free(key);
		return -1;
	}
	EVP_PKEY_free(pki->pck_key);
	X509_free(pki->pck);
	pki->pck_key = key;
	pki->pck = cert;
	return 0;
}

int tdx_forge_pki_create(struct tdx_forge_pki *pki, const struct tdx_forge_pck_opts *o)
{
	time_t from = time(NULL) - DAY;
	time_t until = from + (time_t)CA_YEARS * 365 * DAY;

	memset(pki, 0, sizeof(*pki));
	pki->processor_ca = o->processor_ca;
	pki->root_key = tdx_forge_p256_key();
	pki->ca_key = tdx_forge_p256_key();
	pki->signing_key = tdx_forge_p256_key();
	if (!pki->root_key || !pki->ca_key || !pki->signing_key)
		goto fail;
	pki->root = make_cert("Intel SGX Root CA", pki->root_key, NULL, pki->root_key, CERT_ROOT,
			      from, until, NULL);
	if (!pki->root)
		goto fail;
	pki->ca = make_cert(o->processor_ca ? "Intel SGX PCK Processor CA" : "Intel SGX PCK Platform CA",
			    pki->ca_key, pki->root, pki->root_key, CERT_CA, from, until, NULL);
	pki->signing = make_cert("Intel SGX TCB Signing", pki->signing_key, pki->root, pki->root_key,
				 CERT_LEAF, from, until, NULL);
	if (!pki->ca || !pki->signing || tdx_forge_pki_reissue_pck(pki, o))
		goto fail;
	return 0;
fail:
	tdx_forge_pki_free(pki);
	return -1;
}

void tdx_forge_pki_free(struct tdx_forge_pki *pki)
{
	EVP_PKEY_free(pki->root_key);
	EVP_PKEY_free(pki->ca_key);
	EVP_PKEY_free(pki->pck_key);
	EVP_PKEY_free(pki->signing_key);
	X509_free(pki->root);
	X509_free(pki->ca);
	X509_free(pki->pck);
	X509_free(pki->signing);
	memset(pki, 0, sizeof(*pki));
}

char *tdx_forge_pem(X509 *const certs[], size_t n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	for (size_t i = 0; bio && i < n; i++)
		if (PEM_write_bio_X509(bio, certs[i]) != 1)
			goto out;
	len = bio ? BIO_get_mem_data(bio, &data) : -1;
	if (len < 0)
		goto out;
	out = malloc((size_t)len + 1);
	if (out) {
		memcpy(out, data, (size_t)len);
		out[len] = '\0';
	}
out:
	BIO_free(bio);
	return out;
}

/* ---- signatures ---- */

/* ECDSA P-256/SHA-256 as r || s, 32 bytes each, big-endian. */
static int sign_rs(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t out[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t der_len = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *sig = NULL;
	int rc = -1;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &der_len, data, len) != 1)
		goto out;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) != 32)
		goto out;
	rc = 0;
out:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

static int point_xy(EVP_PKEY *key, uint8_t xy[64])
{
	uint8_t point[65];
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
					    &len) != 1 ||
	    len != 65 || point[0] != 0x04)
		return -1;
	memcpy(xy, point + 1, 64);
	return 0;
}

static int sha(const EVP_MD *md, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	       const uint8_t *c, size_t clen, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		 EVP_DigestUpdate(ctx, a, alen) == 1 && EVP_DigestUpdate(ctx, b, blen) == 1 &&
		 EVP_DigestUpdate(ctx, c, clen) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int tdx_forge_report_data_bind(uint8_t out[64], const uint8_t *x, size_t xlen, const uint8_t *y,
			       size_t ylen, const uint8_t *nonce, size_t nlen)
{
	return sha(EVP_sha512(), x, xlen, y, ylen, nonce, nlen, out);
}

/* ---- quotes ---- */

void tdx_forge_quote_opts_default(struct tdx_forge_quote_opts *o)
{
	static const uint8_t qe_attributes[16] = {0x15, 0, 0, 0, 0, 0, 0, 0, 0xe7};
	static const uint8_t xfam[8] = {0xe7, 0x42, 0x06};

	memset(o, 0, sizeof(*o));
	o->version = 4;
	o->body_type = 2;
	o->tee_tcb_svn[0] = 3;
	o->tee_tcb_svn[2] = 5;
	memset(o->mr_seam, 0x2f, sizeof(o->mr_seam));
	o->td_attributes[3] = 0x10; /* SEPT_VE_DISABLE, no DEBUG */
	memcpy(o->xfam, xfam, 8);
	memset(o->mr_td, 0x70, sizeof(o->mr_td));
	memset(o->mr_config_id, 0x01, sizeof(o->mr_config_id));
	memset(o->mr_owner, 0x02, sizeof(o->mr_owner));
	memset(o->mr_owner_config, 0x03, sizeof(o->mr_owner_config));
	for (int i = 0; i < 4; i++)
		memset(o->rtmr[i], 0xa0 + i, sizeof(o->rtmr[i]));
	memset(o->report_data, 0x5a, sizeof(o->report_data));
	memset(o->mr_servicetd, 0x44, sizeof(o->mr_servicetd));
	memcpy(o->qe_attributes, qe_attributes, 16);
	memset(o->qe_mrenclave, 0x3c, sizeof(o->qe_mrenclave));
	memcpy(o->qe_mrsigner, tdx_forge_qe_mrsigner, 32);
	o->qe_isvprodid = 2;
	o->qe_isvsvn = 4;
	for (size_t i = 0; i < 32; i++)
		o->auth_data[i] = (uint8_t)i;
	o->auth_data_len = 32;
	o->chain_nul = true;
}

static size_t body_size(const struct tdx_forge_quote_opts *o)
{
	return o->version == 5 && o->body_type == 3 ? TDX_FORGE_BODY15_SIZE : TDX_FORGE_BODY10_SIZE;
}

size_t tdx_forge_body_offset(const struct tdx_forge_quote_opts *o)
{
	return TDX_FORGE_HEADER_SIZE + (o->version == 5 ? 6 : 0);
}

size_t tdx_forge_signature_offset(const struct tdx_forge_quote_opts *o)
{
	return tdx_forge_body_offset(o) + body_size(o) + 4;
}

size_t tdx_forge_qe_report_offset(const struct tdx_forge_quote_opts *o)
{
	return tdx_forge_signature_offset(o) + 64 + 64 + 6;
}

static void put_body(struct buf *b, const struct tdx_forge_quote_opts *o)
{
	put(b, o->tee_tcb_svn, 16);
	put(b, o->mr_seam, 48);
	put(b, o->mrsigner_seam, 48);
	put(b, o->seam_attributes, 8);
	put(b, o->td_attributes, 8);
	put(b, o->xfam, 8);
	put(b, o->mr_td, 48);
	put(b, o->mr_config_id, 48);
	put(b, o->mr_owner, 48);
	put(b, o->mr_owner_config, 48);
	put(b, o->rtmr, sizeof(o->rtmr));
	put(b, o->report_data, 64);
	if (body_size(o) == TDX_FORGE_BODY15_SIZE) {
		put(b, o->tee_tcb_svn2, 16);
		put(b, o->mr_servicetd, 48);
	}
}

static void put_der(struct buf *b, X509 *cert)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);

	if (n <= 0)
		b->failed = true;
	else
		put(b, der, (size_t)n);
	OPENSSL_free(der);
}

static int qe_report(const struct tdx_forge_quote_opts *o, const uint8_t ak_xy[64], uint8_t r[384])
{
	memset(r, 0, 384);
	memcpy(r, o->qe_cpusvn, 16);
	memcpy(r + 16, o->qe_miscselect, 4);
	memcpy(r + 48, o->qe_attributes, 16);
	memcpy(r + 64, o->qe_mrenclave, 32);
	memcpy(r + 128, o->qe_mrsigner, 32);
	r[256] = (uint8_t)o->qe_isvprodid;
	r[257] = (uint8_t)(o->qe_isvprodid >> 8);
	r[258] = (uint8_t)o->qe_isvsvn;
	r[259] = (uint8_t)(o->qe_isvsvn >> 8);
	if (sha(EVP_sha256(), ak_xy, 64, o->auth_data, o->auth_data_len, NULL, 0, r + 320))
		return -1;
	if (o->unbound_key)
		r[320] ^= 0x01;
	return 0;
}

int tdx_forge_quote(const struct tdx_forge_pki *pki, EVP_PKEY *attest_key,
		    const struct tdx_forge_quote_opts *o, uint8_t **out, size_t *len)
{
	struct buf q = {0}, chain = {0}, cert6 = {0}, sig_data = {0};
	uint8_t ak[64], report[384], qe_sig[64], quote_sig[64];
	size_t signed_len, sig_at;
	int rc = -1;

	if (point_xy(attest_key, ak) || qe_report(o, ak, report) ||
	    sign_rs(pki->pck_key, report, sizeof(report), qe_sig))
		goto out;
	if (o->der_chain) {
		put_der(&chain, pki->root);
		put_der(&chain, pki->ca);
		put_der(&chain, pki->pck);
	} else {
		X509 *const certs[3] = {pki->pck, pki->ca, pki->root};
		char *pem = tdx_forge_pem(certs, 3);
		if (!pem)
			goto out;
		put(&chain, pem, strlen(pem) + (o->chain_nul ? 1 : 0));
		free(pem);
	}
	/* Certification data type 6: QE report, its signature, auth data, type 5. */
	put(&cert6, report, sizeof(report));
	put(&cert6, qe_sig, sizeof(qe_sig));
	put_u16(&cert6, (unsigned)o->auth_data_len);
	put(&cert6, o->auth_data, o->auth_data_len);
	put_u16(&cert6, 5);
	put_u32(&cert6, (uint32_t)chain.len);
	put(&cert6, chain.p, chain.len);

	put_u16(&q, o->version);
	put_u16(&q, 2);
	put_u32(&q, 0x81);
	put_u32(&q, 0);
	put(&q, tdx_forge_qe_vendor_id, 16);
	for (int i = 0; i < 20; i++)
		put(&q, "\0", 1);
	if (o->version == 5) {
		put_u16(&q, o->body_type);
		put_u32(&q, (uint32_t)body_size(o));
	}
	put_body(&q, o);
	signed_len = q.len;
	if (q.failed || sign_rs(attest_key, q.p, signed_len, quote_sig))
		goto out;
	put(&sig_data, quote_sig, 64);
	put(&sig_data, ak, 64);
	put_u16(&sig_data, 6);
	put_u32(&sig_data, (uint32_t)cert6.len);
	put(&sig_data, cert6.p, cert6.len);
	put_u32(&q, (uint32_t)sig_data.len);
	sig_at = q.len;
	put(&q, sig_data.p, sig_data.len);
	for (size_t i = 0; i < o->trailing; i++)
		put(&q, "\0", 1);
	if (q.failed || chain.failed || cert6.failed || sig_data.failed ||
	    sig_at != tdx_forge_signature_offset(o))
		goto out;
	*out = q.p;
	*len = q.len;
	q.p = NULL;
	rc = 0;
out:
	free(q.p);
	free(chain.p);
	free(cert6.p);
	free(sig_data.p);
	return rc;
}

/* ---- collateral ---- */

static void put_time(struct buf *b, time_t t)
{
	struct tm tm;
	char text[32];

	if (!gmtime_r(&t, &tm) || strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		b->failed = true;
	else
		put(b, text, strlen(text));
}

static void put_components(struct buf *b, const char *name, const uint8_t svn[16])
{
	putf(b, "\"%s\":[", name);
	for (int i = 0; i < 16; i++)
		putf(b, "%s{\"svn\":%u}", i ? "," : "", svn[i]);
	PUT_LITERAL(b, "]");
}

static void put_level_tail(struct buf *b, const char *date, const char *status,
			   const char *advisories)
{
	putf(b, "\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"", date, status);
	if (advisories)
		putf(b, ",\"advisoryIDs\":[%s]", advisories);
	PUT_LITERAL(b, "}");
}

static void put_isv_levels(struct buf *b, const struct tdx_forge_isv_level *levels, size_t n)
{
	PUT_LITERAL(b, "\"tcbLevels\":[");
	for (size_t i = 0; i < n; i++) {
		putf(b, "%s{\"tcb\":{\"isvsvn\":%u},", i ? "," : "", levels[i].isvsvn);
		put_level_tail(b, levels[i].date, levels[i].status, levels[i].advisories);
	}
	PUT_LITERAL(b, "]");
}

/* {"<key>":<value>,"signature":"<r || s hex>"} signed over value's bytes. */
static char *signed_document(EVP_PKEY *key, const char *name, struct buf *value)
{
	struct buf doc = {0};
	uint8_t sig[64];

	if (value->failed || sign_rs(key, value->p, value->len, sig))
		return NULL;
	putf(&doc, "{\"%s\":", name);
	put(&doc, value->p, value->len);
	PUT_LITERAL(&doc, ",\"signature\":\"");
	put_hex(&doc, sig, 64, false);
	PUT_LITERAL(&doc, "\"}");
	if (doc.failed) {
		free(doc.p);
		return NULL;
	}
	return (char *)doc.p;
}

void tdx_forge_tcb_info_opts_default(struct tdx_forge_tcb_info_opts *o)
{
	static const uint8_t sgx[16] = {5, 5, 2, 2, 3, 1, 0, 3};
	static const uint8_t tdx[16] = {3, 0, 5};
	static const uint8_t low[16] = {1, 1, 1, 1, 1, 1, 0, 1};
	static const uint8_t fmspc[6] = {0x50, 0x80, 0x6f, 0x00, 0x00, 0x00};
	time_t now = time(NULL);

	memset(o, 0, sizeof(*o));
	o->id = "TDX";
	o->version = 3;
	o->issue_date = now - DAY;
	o->next_update = now + 30 * DAY;
	memcpy(o->fmspc, fmspc, 6);
	o->eval_num = 17;
	o->module_count = 1;
	o->modules[0] = (struct tdx_forge_module){
		.id = "TDX_01",
		.level_count = 2,
		.levels = {{4, "2024-03-13T00:00:00Z", "UpToDate", NULL},
			   {2, "2023-08-09T00:00:00Z", "OutOfDate", "\"INTEL-SA-01036\""}},
	};
	o->level_count = 3;
	memcpy(o->levels[0].sgx_svn, sgx, 16);
	o->levels[0].pcesvn = 11;
	memcpy(o->levels[0].tdx_svn, tdx, 16);
	o->levels[0].date = "2024-03-13T00:00:00Z";
	o->levels[0].status = "UpToDate";
	o->levels[1] = o->levels[0];
	o->levels[1].pcesvn = 5;
	o->levels[1].date = "2023-02-15T00:00:00Z";
	o->levels[1].status = "OutOfDate";
	o->levels[1].advisories = "\"INTEL-SA-00837\",\"INTEL-SA-00960\"";
	memcpy(o->levels[2].sgx_svn, low, 16);
	o->levels[2].pcesvn = 4;
	memcpy(o->levels[2].tdx_svn, low, 16);
	o->levels[2].date = "2018-01-04T00:00:00Z";
	o->levels[2].status = "OutOfDate";
	o->levels[2].advisories = "\"INTEL-SA-00106\",\"INTEL-SA-00837\"";
}

char *tdx_forge_tcb_info(EVP_PKEY *key, const struct tdx_forge_tcb_info_opts *o)
{
	struct buf v = {0};
	char *doc;

	putf(&v, "{\"id\":\"%s\",\"version\":%d,\"issueDate\":\"", o->id, o->version);
	put_time(&v, o->issue_date);
	PUT_LITERAL(&v, "\",\"nextUpdate\":\"");
	put_time(&v, o->next_update);
	PUT_LITERAL(&v, "\",\"fmspc\":\"");
	put_hex(&v, o->fmspc, 6, false);
	PUT_LITERAL(&v, "\",\"pceId\":\"");
	put_hex(&v, o->pce_id, 2, false);
	putf(&v, "\",\"tcbType\":%u,\"tcbEvaluationDataNumber\":%u,", o->tcb_type, o->eval_num);
	PUT_LITERAL(&v, "\"tdxModule\":{\"mrsigner\":\"");
	put_hex(&v, o->module_mrsigner, 48, true);
	PUT_LITERAL(&v, "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"}");
	if (o->module_count) {
		PUT_LITERAL(&v, ",\"tdxModuleIdentities\":[");
		for (size_t i = 0; i < o->module_count; i++) {
			const struct tdx_forge_module *m = &o->modules[i];
			putf(&v, "%s{\"id\":\"%s\",\"mrsigner\":\"", i ? "," : "", m->id);
			put_hex(&v, m->mrsigner, 48, true);
			PUT_LITERAL(&v, "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\",");
			put_isv_levels(&v, m->levels, m->level_count);
			PUT_LITERAL(&v, "}");
		}
		PUT_LITERAL(&v, "]");
	}
	PUT_LITERAL(&v, ",\"tcbLevels\":[");
	for (size_t i = 0; i < o->level_count; i++) {
		const struct tdx_forge_tcb_level *l = &o->levels[i];
		putf(&v, "%s{\"tcb\":{", i ? "," : "");
		put_components(&v, "sgxtcbcomponents", l->sgx_svn);
		putf(&v, ",\"pcesvn\":%u,", l->pcesvn);
		put_components(&v, "tdxtcbcomponents", l->tdx_svn);
		PUT_LITERAL(&v, "},");
		put_level_tail(&v, l->date, l->status, l->advisories);
	}
	PUT_LITERAL(&v, "]}");
	doc = signed_document(key, "tcbInfo", &v);
	free(v.p);
	return doc;
}

void tdx_forge_qe_identity_opts_default(struct tdx_forge_qe_identity_opts *o)
{
	static const uint8_t attributes[16] = {0x11};
	static const uint8_t mask[16] = {0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	time_t now = time(NULL);

	memset(o, 0, sizeof(*o));
	o->id = "TD_QE";
	o->version = 2;
	o->issue_date = now - DAY;
	o->next_update = now + 30 * DAY;
	o->eval_num = 17;
	memset(o->miscselect_mask, 0xFF, 4);
	memcpy(o->attributes, attributes, 16);
	memcpy(o->attributes_mask, mask, 16);
	memcpy(o->mrsigner, tdx_forge_qe_mrsigner, 32);
	o->isvprodid = 2;
	o->level_count = 2;
	o->levels[0] = (struct tdx_forge_isv_level){4, "2024-03-13T00:00:00Z", "UpToDate", NULL};
	o->levels[1] = (struct tdx_forge_isv_level){2, "2023-02-15T00:00:00Z", "OutOfDate",
						    "\"INTEL-SA-00615\""};
}

char *tdx_forge_qe_identity(EVP_PKEY *key, const struct tdx_forge_qe_identity_opts *o)
{
	struct buf v = {0};
	char *doc;

	putf(&v, "{\"id\":\"%s\",\"version\":%d,\"issueDate\":\"", o->id, o->version);
	put_time(&v, o->issue_date);
	PUT_LITERAL(&v, "\",\"nextUpdate\":\"");
	put_time(&v, o->next_update);
	putf(&v, "\",\"tcbEvaluationDataNumber\":%u,\"miscselect\":\"", o->eval_num);
	put_hex(&v, o->miscselect, 4, true);
	PUT_LITERAL(&v, "\",\"miscselectMask\":\"");
	put_hex(&v, o->miscselect_mask, 4, true);
	PUT_LITERAL(&v, "\",\"attributes\":\"");
	put_hex(&v, o->attributes, 16, true);
	PUT_LITERAL(&v, "\",\"attributesMask\":\"");
	put_hex(&v, o->attributes_mask, 16, true);
	PUT_LITERAL(&v, "\",\"mrsigner\":\"");
	put_hex(&v, o->mrsigner, 32, true);
	putf(&v, "\",\"isvprodid\":%u,", o->isvprodid);
	put_isv_levels(&v, o->levels, o->level_count);
	PUT_LITERAL(&v, "}");
	doc = signed_document(key, "enclaveIdentity", &v);
	free(v.p);
	return doc;
}

int tdx_forge_crl(X509 *issuer, EVP_PKEY *key, time_t this_update, time_t next_update,
		  X509 *const revoked[], size_t n, uint8_t **der, size_t *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	unsigned char *out = NULL;
	int rc = -1, k;

	if (!crl || !t || X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
	    !ASN1_TIME_set(t, this_update) || X509_CRL_set1_lastUpdate(crl, t) != 1 ||
	    !ASN1_TIME_set(t, next_update) || X509_CRL_set1_nextUpdate(crl, t) != 1)
		goto out;
	for (size_t i = 0; i < n; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		if (!r ||
		    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i])) != 1 ||
		    !ASN1_TIME_set(t, this_update) || X509_REVOKED_set_revocationDate(r, t) != 1 ||
		    X509_CRL_add0_revoked(crl, r) != 1) {
			X509_REVOKED_free(r);
			goto out;
		}
	}
	if (X509_CRL_sort(crl) != 1 || X509_CRL_sign(crl, key, EVP_sha256()) <= 0)
		goto out;
	k = i2d_X509_CRL(crl, &out);
	if (k <= 0)
		goto out;
	*der = malloc((size_t)k);
	if (!*der)
		goto out;
	memcpy(*der, out, (size_t)k);
	*len = (size_t)k;
	rc = 0;
out:
	OPENSSL_free(out);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return rc;
}

int tdx_forge_set_make(const struct tdx_forge_pki *pki, EVP_PKEY *attest_key,
		       const struct tdx_forge_quote_opts *q,
		       const struct tdx_forge_tcb_info_opts *t,
		       const struct tdx_forge_qe_identity_opts *i, struct tdx_forge_set *out)
{
	time_t now = time(NULL);
	X509 *const chain[2] = {pki->signing, pki->root};

	memset(out, 0, sizeof(*out));
	if (tdx_forge_quote(pki, attest_key, q, &out->quote, &out->quote_len))
		goto fail;
	out->tcb_info = tdx_forge_tcb_info(pki->signing_key, t);
	out->qe_identity = tdx_forge_qe_identity(pki->signing_key, i);
	out->signing_chain = tdx_forge_pem(chain, 2);
	if (!out->tcb_info || !out->qe_identity || !out->signing_chain ||
	    tdx_forge_crl(pki->ca, pki->ca_key, now - DAY, now + 30 * DAY, NULL, 0, &out->pck_crl,
			  &out->pck_crl_len) ||
	    tdx_forge_crl(pki->root, pki->root_key, now - DAY, now + 30 * DAY, NULL, 0,
			  &out->root_crl, &out->root_crl_len))
		goto fail;
	return 0;
fail:
	tdx_forge_set_free(out);
	return -1;
}

void tdx_forge_set_free(struct tdx_forge_set *s)
{
	free(s->quote);
	free(s->tcb_info);
	free(s->qe_identity);
	free(s->signing_chain);
	free(s->pck_crl);
	free(s->root_crl);
	memset(s, 0, sizeof(*s));
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_SIZE];
	FILE *fp;
	int rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -1;
	fp = fopen(path, "wb");
	if (!fp)
		return -1;
	if (fwrite(data, 1, len, fp) == len)
		rc = 0;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

static int make_dir(const char *dir)
{
	return mkdir(dir, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int tdx_forge_set_write(const struct tdx_forge_set *s, const char *dir)
{
	if (make_dir(dir) || write_file(dir, "quote.dat", s->quote, s->quote_len) ||
	    write_file(dir, "tcb_info.json", s->tcb_info, strlen(s->tcb_info)) ||
	    write_file(dir, "qe_identity.json", s->qe_identity, strlen(s->qe_identity)) ||
	    write_file(dir, "pck_crl.der", s->pck_crl, s->pck_crl_len) ||
	    write_file(dir, "root_crl.der", s->root_crl, s->root_crl_len) ||
	    write_file(dir, "tcb_signing_chain.pem", s->signing_chain, strlen(s->signing_chain)))
		return -1;
	return 0;
}

/* ---- fixture: the files `tdx-forge fixture` writes ---- */

static char *base64(const uint8_t *p, size_t n, bool url)
{
	size_t cap = 4 * ((n + 2) / 3) + 1;
	char *out = malloc(cap);
	int k;

	if (!out)
		return NULL;
	k = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	if (k < 0) {
		free(out);
		return NULL;
	}
	out[k] = '\0';
	if (url) {
		for (char *c = out; *c; c++) {
			if (*c == '+')
				*c = '-';
			else if (*c == '/')
				*c = '_';
			else if (*c == '=')
				*c = '\0';
		}
	}
	return out;
}

/* One case: a quote bound to a fresh nonce and key, its collateral, and
 * request.json (the body a KBS posts; API.md "tee tdx"). */
static int fixture_case(const struct tdx_forge_pki *pki, const char *dir, const char *name,
			struct tdx_forge_quote_opts *q, const struct tdx_forge_tcb_info_opts *t,
			const struct tdx_forge_qe_identity_opts *i)
{
	struct tdx_forge_set set;
	EVP_PKEY *ak = tdx_forge_p256_key();
	uint8_t nonce[32], x[32], y[32];
	char path[PATH_SIZE];
	char *q64 = NULL, *n64 = NULL, *x64 = NULL, *y64 = NULL;
	struct buf req = {0};
	int rc = -1;

	if (!ak || RAND_bytes(nonce, 32) != 1 || RAND_bytes(x, 32) != 1 || RAND_bytes(y, 32) != 1 ||
	    tdx_forge_report_data_bind(q->report_data, x, 32, y, 32, nonce, 32))
		goto out;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    tdx_forge_set_make(pki, ak, q, t, i, &set))
		goto out;
	q64 = base64(set.quote, set.quote_len, false);
	n64 = base64(nonce, 32, false);
	x64 = base64(x, 32, true);
	y64 = base64(y, 32, true);
	if (q64 && n64 && x64 && y64) {
		PUT_LITERAL(&req, "{\"type\":\"tee\",\"data\":{\"tee-evidence\":{\"tee\":\"tdx\",\"evidence\":{\"quote\":\"");
		put(&req, q64, strlen(q64));
		putf(&req, "\",\"cc-eventlog\":null}},\"nonce\":\"%s\",\"tee-pubkey-x-b64\":\"%s\",\"tee-pubkey-y-b64\":\"%s\"}}\n",
		     n64, x64, y64);
	}
	if (!req.failed && req.p && tdx_forge_set_write(&set, path) == 0 &&
	    write_file(path, "request.json", req.p, req.len) == 0)
		rc = 0;
	tdx_forge_set_free(&set);
out:
	free(req.p);
	free(q64);
	free(n64);
	free(x64);
	free(y64);
	EVP_PKEY_free(ak);
	return rc;
}

static const char fixture_readme[] =
	"Forged Intel TDX test fixture, written by `tdx-forge fixture` (tests/support/tdx_forge.c).\n"
	"\n"
	"intel/sgx_root_ca.pem is a fake Intel SGX Root CA. Every folder holds a quote (quote.dat)\n"
	"and its collateral in the layout of `teev verify --collateral DIR`: tcb_info.json,\n"
	"qe_identity.json, pck_crl.der, root_crl.der, tcb_signing_chain.pem (valid from a day ago\n"
	"for 30 days), and request.json, the body a KBS posts for tee \"tdx\", whose quote binds\n"
	"REPORTDATA = SHA-512(x || y || nonce) of that request.\n"
	"\n"
	"  uptodate-v4/   quote v4, TCB status UpToDate\n"
	"  uptodate-v5/   quote v5 with a TDX 1.5 body, TDX module TDX_01, UpToDate\n"
	"  outofdate/     PCESVN 5: the OutOfDate level (INTEL-SA-00837, INTEL-SA-00960)\n"
	"  unsupported/   PCESVN 3: below every TCB level\n"
	"\n"
	"A verifier trusting intel/sgx_root_ca.pem (teev verify --intel-root) accepts uptodate-*.\n"
	"Fresh keys on every run; the shape of the files never changes.\n";

int tdx_forge_fixture_write(const char *dir)
{
	struct tdx_forge_pki pki;
	struct tdx_forge_pck_opts pck;
	struct tdx_forge_quote_opts q;
	struct tdx_forge_tcb_info_opts t;
	struct tdx_forge_qe_identity_opts i;
	char path[PATH_SIZE];
	char *root = NULL;
	int rc = -1;

	tdx_forge_pck_opts_default(&pck);
	tdx_forge_quote_opts_default(&q);
	tdx_forge_tcb_info_opts_default(&t);
	tdx_forge_qe_identity_opts_default(&i);
	if (make_dir(dir) || tdx_forge_pki_create(&pki, &pck))
		return -1;
	root = tdx_forge_pem(&pki.root, 1);
	if (!root || (size_t)snprintf(path, sizeof(path), "%s/intel", dir) >= sizeof(path) ||
	    make_dir(path) || write_file(path, "sgx_root_ca.pem", root, strlen(root)) ||
	    write_file(dir, "README.txt", fixture_readme, sizeof(fixture_readme) - 1))
		goto out;
	if (fixture_case(&pki, dir, "uptodate-v4", &q, &t, &i))
		goto out;
	q.version = 5;
	q.body_type = 3;
	q.tee_tcb_svn[0] = 4;
	q.tee_tcb_svn[1] = 1;
	q.tee_tcb_svn2[0] = 4;
	q.tee_tcb_svn2[1] = 1;
	q.tee_tcb_svn2[2] = 5;
	if (fixture_case(&pki, dir, "uptodate-v5", &q, &t, &i))
		goto out;
	tdx_forge_quote_opts_default(&q);
	pck.pcesvn = 5;
	if (tdx_forge_pki_reissue_pck(&pki, &pck) || fixture_case(&pki, dir, "outofdate", &q, &t, &i))
		goto out;
	pck.pcesvn = 3;
	if (tdx_forge_pki_reissue_pck(&pki, &pck) ||
	    fixture_case(&pki, dir, "unsupported", &q, &t, &i))
		goto out;
	rc = 0;
out:
	free(root);
	tdx_forge_pki_free(&pki);
	return rc;
}
