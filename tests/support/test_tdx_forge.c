/*
 * test_tdx_forge.c: proves that what tests/support/tdx_forge.c forges is what
 * a correct TDX verifier expects.
 *
 * Every check here uses OpenSSL directly, never teev's code. The checkers
 * (quote signature over header and body, QE report signature by the PCK key,
 * the binding of the attestation key, signatures over the exact bytes of a
 * collateral value, the SGX extension's structure) are first run on the real
 * quotes and collateral of shared/testdata/tdx, so they are anchored in
 * Intel's data, then on forged evidence. Set SHARED_DIR to find the vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tdx_forge.h"

#define PATH_SIZE 4096
#define SGX_OID "1.2.840.113741.1.13.1"

static void testdata_path(char out[PATH_SIZE], const char *dir, const char *name)
{
	const char *shared = getenv("SHARED_DIR");

	snprintf(out, PATH_SIZE, "%s/testdata/tdx/%s/%s", shared && *shared ? shared : "../shared",
		 dir, name);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = 0;
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* ECDSA P-256/SHA-256 with r || s; 1 when it verifies. */
static int verify_rs(EVP_PKEY *key, const uint8_t sig[64], const uint8_t *data, size_t len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int n, ok = 0;

	assert_non_null(s);
	assert_non_null(md);
	assert_int_equal(ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)),
			 1);
	n = i2d_ECDSA_SIG(s, &der);
	assert_true(n > 0);
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1)
		ok = EVP_DigestVerify(md, der, (size_t)n, data, len) == 1;
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(s);
	return ok;
}

static EVP_PKEY *p256_from_xy(const uint8_t xy[64])
{
	uint8_t point[65] = {0x04};
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	memcpy(point + 1, xy, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point,
						      sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* The pieces of a quote, read with offsets from TDX.md. */
struct pieces {
	size_t signed_len;
	const uint8_t *sig, *ak, *qe_report, *qe_sig, *auth;
	size_t auth_len;
	const uint8_t *chain;
	size_t chain_len;
	size_t end;
};

static void split(const uint8_t *q, size_t len, struct pieces *p)
{
	uint16_t version = le16(q);
	size_t body_end = version == 5 ? 54 + le32(q + 50) : 48 + 584;
	size_t sig_len = le32(q + body_end);
	const uint8_t *s = q + body_end + 4;

	assert_true(body_end + 4 + sig_len <= len);
	p->signed_len = body_end;
	p->sig = s;
	p->ak = s + 64;
	assert_int_equal(le16(s + 128), 6);
	assert_int_equal(le32(s + 130), sig_len - 134);
	p->qe_report = s + 134;
	p->qe_sig = p->qe_report + 384;
	p->auth_len = le16(p->qe_sig + 64);
	p->auth = p->qe_sig + 66;
	assert_int_equal(le16(p->auth + p->auth_len), 5);
	p->chain_len = le32(p->auth + p->auth_len + 2);
	p->chain = p->auth + p->auth_len + 6;
	p->end = body_end + 4 + sig_len;
	assert_true(p->chain + p->chain_len == q + p->end);
}

static X509 *first_pem(const uint8_t *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

	BIO_free(bio);
	assert_non_null(x);
	return x;
}

/* What a verifier checks cryptographically, in OpenSSL alone. */
static void check_quote_crypto(const uint8_t *q, size_t len)
{
	struct pieces p;
	EVP_PKEY *ak;
	X509 *pck;
	uint8_t digest[32];
	unsigned int n = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	split(q, len, &p);
	ak = p256_from_xy(p.ak);
	assert_true(verify_rs(ak, p.sig, q, p.signed_len));
	pck = first_pem(p.chain, p.chain_len);
	assert_true(verify_rs(X509_get0_pubkey(pck), p.qe_sig, p.qe_report, 384));
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(md, p.ak, 64);
	EVP_DigestUpdate(md, p.auth, p.auth_len);
	EVP_DigestFinal_ex(md, digest, &n);
	assert_memory_equal(digest, p.qe_report + 320, 32);
	for (int i = 32; i < 64; i++)
		assert_int_equal(p.qe_report[320 + i], 0);
	EVP_MD_CTX_free(md);
	X509_free(pck);
	EVP_PKEY_free(ak);
}

static void test_checker_accepts_real_quotes(void **state)
{
	static const char *const dirs[] = {"a-trustee-uptodate", "a-spr-e4-unsupported",
					   "b-automata-outofdate", "v5-sample"};
	char path[PATH_SIZE];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		size_t len = 0;
		uint8_t *q;

		testdata_path(path, dirs[i], "quote.dat");
		q = read_all(path, &len);
		check_quote_crypto(q, len);
		free(q);
	}
}

/* {"<key>":<value>,"signature":"<hex>"}: verifies the signature over the
 * value's exact bytes with the first certificate of chain_pem. */
static void check_signed_json(const char *doc, const char *key, const char *chain_pem)
{
	char head[64];
	const char *value, *sig_at;
	uint8_t sig[64];
	X509 *signer = first_pem((const uint8_t *)chain_pem, strlen(chain_pem));

	snprintf(head, sizeof(head), "{\"%s\":", key);
	assert_int_equal(strncmp(doc, head, strlen(head)), 0);
	value = doc + strlen(head);
	sig_at = strstr(value, ",\"signature\":\"");
	assert_non_null(sig_at);
	for (int i = 0; i < 64; i++) {
		unsigned byte = 0;
		assert_int_equal(sscanf(sig_at + 14 + 2 * i, "%2x", &byte), 1);
		sig[i] = (uint8_t)byte;
	}
	assert_true(verify_rs(X509_get0_pubkey(signer), sig, (const uint8_t *)value,
			      (size_t)(sig_at - value)));
	X509_free(signer);
}

static void test_checker_accepts_real_collateral(void **state)
{
	char path[PATH_SIZE];
	size_t len;
	char *chain, *tcb, *qe;

	(void)state;
	testdata_path(path, "a-trustee-uptodate", "tcb_signing_chain.pem");
	chain = (char *)read_all(path, &len);
	testdata_path(path, "a-trustee-uptodate", "tcb_info.json");
	tcb = (char *)read_all(path, &len);
	testdata_path(path, "a-trustee-uptodate", "qe_identity.json");
	qe = (char *)read_all(path, &len);
	check_signed_json(tcb, "tcbInfo", chain);
	check_signed_json(qe, "enclaveIdentity", chain);
	free(chain);
	free(tcb);
	free(qe);
}

/* The OIDs and value tags of an SGX extension, top level and TCB. */
struct skeleton {
	char oids[32][64];
	int tags[32];
	size_t n;
};

static void walk_pairs(const unsigned char *p, long len, struct skeleton *s, bool descend)
{
	const unsigned char *end = p + len;

	while (p < end) {
		long plen, vlen;
		int tag, cls;
		const unsigned char *pair, *v;
		ASN1_OBJECT *o = NULL;

		assert_false(ASN1_get_object(&p, &plen, &tag, &cls, end - p) & 0x80);
		assert_int_equal(tag, V_ASN1_SEQUENCE);
		pair = p;
		assert_non_null(d2i_ASN1_OBJECT(&o, &pair, plen));
		assert_true(s->n < 32);
		OBJ_obj2txt(s->oids[s->n], 64, o, 1);
		ASN1_OBJECT_free(o);
		v = pair;
		assert_false(ASN1_get_object(&v, &vlen, &tag, &cls, p + plen - pair) & 0x80);
		s->tags[s->n++] = tag;
		if (descend && tag == V_ASN1_SEQUENCE)
			walk_pairs(v, vlen, s, false);
		p += plen;
	}
}

static void sgx_skeleton(X509 *cert, struct skeleton *s)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SGX_OID, 1);
	int i = X509_get_ext_by_OBJ(cert, oid, -1);
	const ASN1_OCTET_STRING *v;
	const unsigned char *p;
	long len;
	int tag, cls;

	assert_true(i >= 0);
	v = X509_EXTENSION_get_data(X509_get_ext(cert, i));
	p = ASN1_STRING_get0_data(v);
	assert_false(ASN1_get_object(&p, &len, &tag, &cls, ASN1_STRING_length(v)) & 0x80);
	memset(s, 0, sizeof(*s));
	walk_pairs(p, len, s, true);
	ASN1_OBJECT_free(oid);
}

static void test_forged_pck_extension_has_the_real_shape(void **state)
{
	struct tdx_forge_pki pki;
	struct tdx_forge_pck_opts o;
	struct skeleton real, forged;
	char path[PATH_SIZE];
	size_t len;
	uint8_t *q;
	struct pieces p;
	X509 *pck;

	(void)state;
	testdata_path(path, "a-trustee-uptodate", "quote.dat");
	q = read_all(path, &len);
	split(q, len, &p);
	pck = first_pem(p.chain, p.chain_len);
	sgx_skeleton(pck, &real);
	tdx_forge_pck_opts_default(&o);
	assert_int_equal(tdx_forge_pki_create(&pki, &o), 0);
	sgx_skeleton(pki.pck, &forged);
	/* The forger writes .1 to .5 (PPID, TCB with 18 parts, PCE-ID, FMSPC,
	 * SGX type); real Platform CA PCKs add .6 and .7 after them. */
	assert_int_equal(forged.n, 1 + 1 + 18 + 3);
	assert_true(real.n >= forged.n);
	for (size_t i = 0; i < forged.n; i++) {
		assert_string_equal(forged.oids[i], real.oids[i]);
		assert_int_equal(forged.tags[i], real.tags[i]);
	}
	/* Names as Intel's, so a verifier can tell the CA type by them. */
	char cn[128];
	X509_NAME_get_text_by_NID(X509_get_issuer_name(pki.pck), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "Intel SGX PCK Platform CA");
	X509_free(pck);
	free(q);
	tdx_forge_pki_free(&pki);
}

static void test_forged_quotes_verify_with_openssl(void **state)
{
	struct tdx_forge_pki pki;
	struct tdx_forge_pck_opts o;
	struct tdx_forge_quote_opts qo;
	EVP_PKEY *ak = tdx_forge_p256_key();
	unsigned shapes[3][2] = {{4, 2}, {5, 2}, {5, 3}};

	(void)state;
	tdx_forge_pck_opts_default(&o);
	assert_int_equal(tdx_forge_pki_create(&pki, &o), 0);
	for (size_t i = 0; i < 3; i++) {
		uint8_t *q = NULL;
		size_t len = 0;

		tdx_forge_quote_opts_default(&qo);
		qo.version = shapes[i][0];
		qo.body_type = shapes[i][1];
		qo.trailing = 17;
		assert_int_equal(tdx_forge_quote(&pki, ak, &qo, &q, &len), 0);
		check_quote_crypto(q, len);
		assert_int_equal(le16(q), qo.version);
		assert_memory_equal(q + 12, tdx_forge_qe_vendor_id, 16);
		assert_int_equal(tdx_forge_body_offset(&qo), qo.version == 5 ? 54 : 48);
		if (qo.version == 5)
			assert_int_equal(le32(q + 50), qo.body_type == 3 ? 648 : 584);
		free(q);
	}
	EVP_PKEY_free(ak);
	tdx_forge_pki_free(&pki);
}

static void test_forged_collateral_verifies_with_openssl(void **state)
{
	struct tdx_forge_pki pki;
	struct tdx_forge_pck_opts o;
	struct tdx_forge_tcb_info_opts t;
	struct tdx_forge_qe_identity_opts i;
	char *tcb, *qe, *pem;
	uint8_t *crl_der = NULL;
	size_t crl_len = 0;
	const unsigned char *p;
	X509_CRL *crl;

	(void)state;
	tdx_forge_pck_opts_default(&o);
	tdx_forge_tcb_info_opts_default(&t);
	tdx_forge_qe_identity_opts_default(&i);
	assert_int_equal(tdx_forge_pki_create(&pki, &o), 0);
	tcb = tdx_forge_tcb_info(pki.signing_key, &t);
	qe = tdx_forge_qe_identity(pki.signing_key, &i);
	pem = tdx_forge_pem(&pki.signing, 1);
	assert_non_null(tcb);
	assert_non_null(qe);
	assert_non_null(pem);
	check_signed_json(tcb, "tcbInfo", pem);
	check_signed_json(qe, "enclaveIdentity", pem);
	assert_non_null(strstr(tcb, "\"fmspc\":\"50806f000000\""));
	assert_non_null(strstr(tcb, "\"id\":\"TDX_01\""));
	assert_int_equal(X509_verify(pki.signing, X509_get0_pubkey(pki.root)), 1);
	assert_int_equal(X509_verify(pki.ca, X509_get0_pubkey(pki.root)), 1);
	assert_int_equal(X509_verify(pki.pck, X509_get0_pubkey(pki.ca)), 1);

	X509 *const revoked[1] = {pki.pck};
	assert_int_equal(tdx_forge_crl(pki.ca, pki.ca_key, time(NULL) - 60, time(NULL) + 60,
				       revoked, 1, &crl_der, &crl_len),
			 0);
	p = crl_der;
	crl = d2i_X509_CRL(NULL, &p, (long)crl_len);
	assert_non_null(crl);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(pki.ca)), 1);
	X509_REVOKED *r = NULL;
	assert_int_equal(X509_CRL_get0_by_cert(crl, &r, pki.pck), 1);
	X509_CRL_free(crl);
	free(crl_der);
	free(tcb);
	free(qe);
	free(pem);
	tdx_forge_pki_free(&pki);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_accepts_real_quotes),
		cmocka_unit_test(test_checker_accepts_real_collateral),
		cmocka_unit_test(test_forged_pck_extension_has_the_real_shape),
		cmocka_unit_test(test_forged_quotes_verify_with_openssl),
		cmocka_unit_test(test_forged_collateral_verifies_with_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
