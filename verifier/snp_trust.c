/* snp_trust.c - AMD trust anchors and VCEK/VLEK chain verification. */
#include "verifier/snp_trust.h"

#include "certs/amd_roots.h"
#include "verifier/failures.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

static const enum snp_product all_products[] = {SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA,
						SNP_PRODUCT_TURIN};

static X509 *pem_from_memory(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return cert;
}

static const char *embedded_pem(const char *file_name)
{
	for (size_t i = 0; i < amd_root_pem_count; i++)
		if (strcmp(amd_root_pems[i].file_name, file_name) == 0)
			return amd_root_pems[i].pem;
	return NULL;
}

/* Reads one anchor. A missing file is not an error (the product is then
 * unsupported); a file that is present but unreadable is. */
static int load_one(const char *dir, const char *file_name, X509 **out, char *err,
		    size_t err_len)
{
	*out = NULL;
	if (dir == NULL || dir[0] == '\0') {
		const char *pem = embedded_pem(file_name);
		if (!pem)
			return 0;
		*out = pem_from_memory(pem);
		if (!*out) {
			snprintf(err, err_len, "embedded %s does not parse", file_name);
			return -1;
		}
		return 0;
	}

	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file_name);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	*out = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!*out) {
		snprintf(err, err_len, "%s is not a PEM certificate", path);
		return -1;
	}
	return 0;
}

static int signed_by(X509 *child, X509 *issuer)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer);

	return key && X509_verify(child, key) == 1;
}

static int load_product(struct snp_trust *t, const char *dir, enum snp_product product,
			char *err, size_t err_len)
{
	struct snp_trust_product *p = &t->products[product];
	const char *name = snp_product_file_name(product);
	char file[64];

	snprintf(file, sizeof(file), "%s_ark.pem", name);
	if (load_one(dir, file, &p->ark, err, err_len))
		return -1;
	snprintf(file, sizeof(file), "%s_ask.pem", name);
	if (load_one(dir, file, &p->ask, err, err_len))
		return -1;
	snprintf(file, sizeof(file), "%s_asvk.pem", name);
	if (load_one(dir, file, &p->asvk, err, err_len))
		return -1;
	if (!p->ark) {
		/* Intermediates without their root are useless; drop them. */
		X509_free(p->ask);
		X509_free(p->asvk);
		p->ask = p->asvk = NULL;
		return 0;
	}
	if (!signed_by(p->ark, p->ark)) {
		snprintf(err, err_len, "%s ARK self-signature does not verify",
			 snp_product_name(product));
		return -1;
	}
	if (p->ask && !signed_by(p->ask, p->ark)) {
		snprintf(err, err_len, "%s ASK is not signed by the %s ARK",
			 snp_product_name(product), snp_product_name(product));
		return -1;
	}
	if (p->asvk && !signed_by(p->asvk, p->ark)) {
		snprintf(err, err_len, "%s ASVK is not signed by the %s ARK",
			 snp_product_name(product), snp_product_name(product));
		return -1;
	}
	p->store = X509_STORE_new();
	if (!p->store || X509_STORE_add_cert(p->store, p->ark) != 1) {
		snprintf(err, err_len, "out of memory building the %s trust store",
			 snp_product_name(product));
		return -1;
	}
	return 0;
}

int snp_trust_load(struct snp_trust *t, const char *dir, char *err, size_t err_len)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->origin, sizeof(t->origin), "%s",
		 dir && dir[0] ? dir : "embedded AMD roots");
	for (size_t i = 0; i < sizeof(all_products) / sizeof(all_products[0]); i++) {
		if (load_product(t, dir, all_products[i], err, err_len)) {
			snp_trust_free(t);
			return -1;
		}
	}
	if (snp_trust_product_count(t) == 0) {
		snprintf(err, err_len, "no <product>_ark.pem found in %s", t->origin);
		snp_trust_free(t);
		return -1;
	}
	return 0;
}

void snp_trust_free(struct snp_trust *t)
{
	for (size_t i = 0; i < SNP_PRODUCT_COUNT; i++) {
		X509_STORE_free(t->products[i].store);
		X509_free(t->products[i].ark);
		X509_free(t->products[i].ask);
		X509_free(t->products[i].asvk);
	}
	memset(t, 0, sizeof(*t));
}

int snp_trust_product_count(const struct snp_trust *t)
{
	int n = 0;

	for (size_t i = 0; i < SNP_PRODUCT_COUNT; i++)
		n += t->products[i].ark != NULL;
	return n;
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

/* Intersection of the certificates' validity periods. */
static void chain_validity(X509 *const certs[3], struct snp_validity *v)
{
	v->from = 0;
	v->until = 0;
	for (size_t i = 0; i < 3; i++) {
		time_t from, until;

		if (asn1_time_to_time_t(X509_get0_notBefore(certs[i]), &from) ||
		    asn1_time_to_time_t(X509_get0_notAfter(certs[i]), &until)) {
			/* Unreadable times: an empty window makes every cache hit miss. */
			v->from = 1;
			v->until = 0;
			return;
		}
		if (i == 0 || from > v->from)
			v->from = from;
		if (i == 0 || until < v->until)
			v->until = until;
	}
}

int snp_trust_verify_vek(const struct snp_trust *t, enum snp_product product, bool vlek,
			 X509 *leaf, time_t at, struct snp_validity *validity,
			 struct failures *f)
{
	const struct snp_trust_product *p = &t->products[product];
	X509 *intermediate = vlek ? p->asvk : p->ask;
	const char *kind = vlek ? "VLEK" : "VCEK";
	const char *issuer_kind = vlek ? "ASVK" : "ASK";
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	int rc = -1;

	if (!p->store || !intermediate) {
		failures_add(f, "tee_attestation.cert_chain",
			     "no %s ARK/%s trust anchor is configured (%s)",
			     snp_product_name(product), issuer_kind, t->origin);
		return -1;
	}
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx || !sk_X509_push(untrusted, intermediate) ||
	    X509_STORE_CTX_init(ctx, p->store, leaf, untrusted) != 1) {
		failures_add(f, "tee_attestation.cert_chain", "out of memory verifying the %s chain",
			     kind);
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
	if (X509_verify_cert(ctx) != 1) {
		int error = X509_STORE_CTX_get_error(ctx);
		failures_add(f, "tee_attestation.cert_chain",
			     "%s does not chain to the %s %s and ARK (%s): %s", kind,
			     snp_product_name(product), issuer_kind, t->origin,
			     X509_verify_cert_error_string(error));
		goto out;
	}
	/* The chain must be exactly leaf -> expected intermediate -> ARK; OpenSSL
	 * could otherwise accept a leaf signed directly by the ARK. */
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	if (sk_X509_num(chain) != 3 || X509_cmp(sk_X509_value(chain, 1), intermediate) != 0) {
		failures_add(f, "tee_attestation.cert_chain",
			     "%s is not issued by the %s %s", kind, snp_product_name(product),
			     issuer_kind);
		goto out;
	}
	X509 *const certs[3] = {leaf, intermediate, p->ark};
	chain_validity(certs, validity);
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return rc;
}

int snp_trust_check_crl(const struct snp_trust *t, enum snp_product product, bool vlek,
			const uint8_t *crl_der, size_t crl_len, time_t at, time_t *next_update,
			struct failures *f)
{
	const struct snp_trust_product *p = &t->products[product];
	X509 *intermediate = vlek ? p->asvk : p->ask;
	const unsigned char *cursor = crl_der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &cursor, (long)crl_len);
	X509_REVOKED *revoked = NULL;
	time_t until = 0;
	int rc = -1;

	if (!crl || cursor != crl_der + crl_len) {
		failures_add(f, "tee_attestation.crl_fetch", "the %s %s CRL is not a DER CRL",
			     snp_product_name(product), vlek ? "VLEK" : "VCEK");
		goto out;
	}
	if (!p->ark || !intermediate ||
	    X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(p->ark)) != 0 ||
	    X509_CRL_verify(crl, X509_get0_pubkey(p->ark)) != 1) {
		failures_add(f, "tee_attestation.crl_fetch",
			     "the %s %s CRL is not signed by the %s ARK (%s)", snp_product_name(product),
			     vlek ? "VLEK" : "VCEK", snp_product_name(product), t->origin);
		goto out;
	}
	if (!X509_CRL_get0_nextUpdate(crl) ||
	    asn1_time_to_time_t(X509_CRL_get0_nextUpdate(crl), &until) || until < at) {
		failures_add(f, "tee_attestation.crl_fetch",
			     "the %s %s CRL is out of date (no nextUpdate in the future)",
			     snp_product_name(product), vlek ? "VLEK" : "VCEK");
		goto out;
	}
	if (X509_CRL_get0_by_cert(crl, &revoked, intermediate) == 1) {
		failures_add(f, "tee_attestation.revoked", "the %s %s is revoked by AMD's CRL",
			     snp_product_name(product), vlek ? "ASVK" : "ASK");
		goto out;
	}
	*next_update = until;
	rc = 0;
out:
	X509_CRL_free(crl);
	ERR_clear_error();
	return rc;
}
