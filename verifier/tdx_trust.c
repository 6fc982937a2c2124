/* tdx_trust.c - the pinned Intel SGX Root CA and chain verification (see tdx_trust.h). */
#include "verifier/tdx_trust.h"

#include "certs/intel_roots.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROOT_FILE_MAX ((size_t)64 * 1024)

int tdx_key_is_p256(X509 *cert)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	char group[32];

	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    NULL))
		return 0;
	return strcmp(group, "prime256v1") == 0;
}

/* Exactly one PEM certificate and nothing but white space around it. */
static X509 *one_pem_certificate(const char *text, size_t len)
{
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	X509 *extra = NULL;

	if (cert && bio) {
		extra = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (extra) {
			X509_free(extra);
			X509_free(cert);
			cert = NULL;
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return cert;
}

static X509 *load_root(const char *path, char *origin, size_t origin_len, char *err,
		       size_t err_len)
{
	char file[1100], why[512];
	struct stat st;
	uint8_t *text;
	size_t len = 0;
	X509 *cert;

	if (!path || !path[0]) {
		snprintf(origin, origin_len, "embedded Intel SGX Root CA");
		for (size_t i = 0; i < intel_root_pem_count; i++) {
			if (strcmp(intel_root_pems[i].file_name, TDX_ROOT_FILE_NAME) == 0) {
				const char *pem = intel_root_pems[i].pem;
				cert = one_pem_certificate(pem, strlen(pem));
				if (!cert)
					snprintf(err, err_len, "the embedded %s does not parse",
						 TDX_ROOT_FILE_NAME);
				return cert;
			}
		}
		snprintf(err, err_len, "no %s was embedded at build time", TDX_ROOT_FILE_NAME);
		return NULL;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(file, sizeof(file), "%s/%s", path, TDX_ROOT_FILE_NAME);
	else
		snprintf(file, sizeof(file), "%s", path);
	snprintf(origin, origin_len, "%s", file);
	text = bytes_read_file(file, ROOT_FILE_MAX, &len, why, sizeof(why));
	if (!text) {
		snprintf(err, err_len, "Intel root: %s", why);
		return NULL;
	}
	cert = one_pem_certificate((const char *)text, len);
	free(text);
	if (!cert)
		snprintf(err, err_len, "%s does not hold exactly one PEM certificate", file);
	return cert;
}

int tdx_trust_load(struct tdx_trust *t, const char *path, char *err, size_t err_len)
{
	unsigned char *der = NULL;
	int n;

	memset(t, 0, sizeof(*t));
	t->root = load_root(path, t->origin, sizeof(t->origin), err, err_len);
	if (!t->root)
		goto fail;
	if (X509_check_issued(t->root, t->root) != X509_V_OK ||
	    X509_verify(t->root, X509_get0_pubkey(t->root)) != 1) {
		snprintf(err, err_len, "%s is not a self-signed certificate", t->origin);
		goto fail;
	}
	if (X509_check_ca(t->root) == 0 || !tdx_key_is_p256(t->root)) {
		snprintf(err, err_len, "%s is not a CA certificate with an EC P-256 key", t->origin);
		goto fail;
	}
	n = i2d_X509(t->root, &der);
	t->store = X509_STORE_new();
	if (n <= 0 || !t->store || X509_STORE_add_cert(t->store, t->root) != 1) {
		OPENSSL_free(der);
		snprintf(err, err_len, "out of memory loading %s", t->origin);
		goto fail;
	}
	t->root_der = der;
	t->root_der_len = (size_t)n;
	ERR_clear_error();
	return 0;
fail:
	tdx_trust_free(t);
	ERR_clear_error();
	return -1;
}

void tdx_trust_free(struct tdx_trust *t)
{
	X509_STORE_free(t->store);
	X509_free(t->root);
	OPENSSL_free(t->root_der);
	memset(t, 0, sizeof(*t));
}

static void der_sha256_hex(X509 *cert, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		memset(md, 0, sizeof(md));
	bytes_to_hex(md, 32, out);
}

static const char *subject_cn(X509 *cert, char *buf, size_t cap)
{
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf,
					  (int)cap);

	if (n <= 0)
		snprintf(buf, cap, "(no CN)");
	return buf;
}

static int same_der(X509 *cert, const unsigned char *der, size_t len)
{
	unsigned char *mine = NULL;
	int n = i2d_X509(cert, &mine);
	int same = n > 0 && (size_t)n == len && memcmp(mine, der, len) == 0;

	OPENSSL_free(mine);
	return same;
}

/* ECDSA-SHA256 signature and a P-256 key, for every certificate of a chain. */
static int check_algorithms(X509 *const certs[], size_t n, const char *what,
			    const char *failure_type, struct failures *f)
{
	char cn[128];

	for (size_t i = 0; i < n; i++) {
		int nid = X509_get_signature_nid(certs[i]);

		if (nid != NID_ecdsa_with_SHA256 || !tdx_key_is_p256(certs[i])) {
			failures_add(f, failure_type,
				     "%s chain certificate \"%s\" must use ECDSA-SHA256 with a P-256 key, found signature %s",
				     what, subject_cn(certs[i], cn, sizeof(cn)),
				     nid == NID_undef ? "unknown" : OBJ_nid2sn(nid));
			return -1;
		}
	}
	return 0;
}

int tdx_trust_verify_chain(const struct tdx_trust *t, X509 *leaf, X509 *intermediate,
			   X509 *presented_root, time_t at, const char *what,
			   const char *failure_type, struct failures *f)
{
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	char want[65], have[65], cn[128];
	int rc = -1;

	if (presented_root && !same_der(presented_root, t->root_der, t->root_der_len)) {
		der_sha256_hex(presented_root, have);
		der_sha256_hex(t->root, want);
		failures_add(f, failure_type,
			     "%s chain ends in \"%s\" (SHA-256 %s), not the pinned Intel SGX Root CA (SHA-256 %s, %s)",
			     what, subject_cn(presented_root, cn, sizeof(cn)), have, want,
			     t->origin);
		return -1;
	}
	X509 *const certs[3] = {leaf, intermediate ? intermediate : t->root, t->root};
	if (check_algorithms(certs, intermediate ? 3 : 2, what, failure_type, f))
		return -1;
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx || (intermediate && !sk_X509_push(untrusted, intermediate)) ||
	    X509_STORE_CTX_init(ctx, t->store, leaf, untrusted) != 1) {
		failures_add(f, failure_type, "out of memory verifying the %s chain", what);
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
	if (X509_verify_cert(ctx) != 1) {
		int error = X509_STORE_CTX_get_error(ctx);
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
		char from[64] = "?", until[64] = "?";

		if (bad) {
			BIO *b = BIO_new(BIO_s_mem());
			if (b && ASN1_TIME_print(b, X509_get0_notBefore(bad)) == 1) {
				int n = BIO_read(b, from, sizeof(from) - 1);
				from[n > 0 ? n : 0] = '\0';
			}
			BIO_free(b);
			b = BIO_new(BIO_s_mem());
			if (b && ASN1_TIME_print(b, X509_get0_notAfter(bad)) == 1) {
				int n = BIO_read(b, until, sizeof(until) - 1);
				until[n > 0 ? n : 0] = '\0';
			}
			BIO_free(b);
		}
		failures_add(f, failure_type,
			     "%s chain does not verify to the pinned Intel SGX Root CA (%s): %s (certificate \"%s\", valid %s .. %s)",
			     what, t->origin, X509_verify_cert_error_string(error),
			     bad ? subject_cn(bad, cn, sizeof(cn)) : "?", from, until);
		goto out;
	}
	/* Exactly leaf -> intermediate -> root: OpenSSL would also accept a leaf
	 * signed by the root directly, or another path through the store. */
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int want_len = intermediate ? 3 : 2;
	if (sk_X509_num(chain) != want_len ||
	    (intermediate && X509_cmp(sk_X509_value(chain, 1), intermediate) != 0)) {
		failures_add(f, failure_type, "%s chain has %d certificates where %d were expected",
			     what, sk_X509_num(chain), want_len);
		goto out;
	}
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return rc;
}

int tdx_ecdsa_verify(EVP_PKEY *key, const uint8_t sig[64], const uint8_t *data, size_t len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL);
	BIGNUM *ss = BN_bin2bn(sig + 32, 32, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	unsigned char *p = der;
	int der_len, ok = 0;

	if (!key || !s || !r || !ss || !md || ECDSA_SIG_set0(s, r, ss) != 1) {
		BN_free(r);
		BN_free(ss);
		goto out;
	}
	/* s owns r and ss from here on. */
	der_len = i2d_ECDSA_SIG(s, NULL);
	if (der_len <= 0 || (size_t)der_len > sizeof(der))
		goto out;
	der_len = i2d_ECDSA_SIG(s, &p);
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1)
		goto out;
	ok = EVP_DigestVerify(md, der, (size_t)der_len, data, len) == 1;
out:
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(s);
	ERR_clear_error();
	return ok ? 0 : -1;
}

EVP_PKEY *tdx_p256_key(const uint8_t xy[64])
{
	uint8_t point[65];
	char group[] = "prime256v1";
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *key = NULL;

	point[0] = 0x04;
	memcpy(point + 1, xy, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point,
						      sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	/* fromdata decodes the point; the check makes sure it is on the curve. */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1)
		goto fail;
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return key;
fail:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return NULL;
}
