/* fuzz_tdx_collateral.c - libFuzzer harness: a TCB info or QE identity
 * document as PCS (or whatever serves collateral) hands it over.
 *
 * The signature would stop almost every input before the decoder, so the
 * harness plays Intel: it runs json_span on the input as is, and when a
 * "tcbInfo" / "enclaveIdentity" value is found it re-signs exactly those
 * bytes with its own key and loads the document with that key. The strict
 * walk sees the raw input; the decoder and the TCB level matching see every
 * value the walk lets through. */
#include "verifier/failures.h"
#include "verifier/json_span.h"
#include "verifier/tdx_collateral.h"
#include "verifier/tdx_tcb.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;

/* {"<name>":<value>,"signature":"<r || s of value by key>"}, malloc'd. */
static char *resign(const char *name, const uint8_t *value, size_t len, size_t *out_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	size_t der_len = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *sig = NULL;
	uint8_t rs[64];
	char *doc = NULL;
	size_t n = 0, cap = len + strlen(name) + 160;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &der_len, value, len) != 1)
		goto out;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) != 32)
		goto out;
	doc = malloc(cap);
	if (!doc)
		goto out;
	n = (size_t)snprintf(doc, cap, "{\"%s\":", name);
	memcpy(doc + n, value, len);
	n += len;
	n += (size_t)snprintf(doc + n, cap - n, ",\"signature\":\"");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(doc + n, cap - n, "%02x", rs[i]);
	n += (size_t)snprintf(doc + n, cap - n, "\"}");
	*out_len = n;
out:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return doc;
}

static void exercise_tcb_info(const struct tdx_tcb_info *ti, struct failures *f)
{
	static struct tdx_quote quote;
	struct tdx_pck_info pck;
	struct tdx_tcb_outcome outcome;

	/* The first level's own values, and a platform below them. */
	for (int k = 0; k < 2; k++) {
		memset(&pck, 0, sizeof(pck));
		memset(&quote, 0, sizeof(quote));
		if (ti->level_count) {
			memcpy(pck.sgx_svn, ti->levels[0].sgx_svn, 16);
			pck.pcesvn = ti->levels[0].pcesvn;
			memcpy(quote.body.tee_tcb_svn, ti->levels[0].tdx_svn, 16);
		}
		if (k == 1) {
			pck.pcesvn = 0;
			quote.body.tee_tcb_svn[1] = 1;
			quote.body.tee_tcb_svn2[1] = 1;
		}
		quote.body_type = k ? TDX_BODY_TYPE_TD15 : TDX_BODY_TYPE_TD10;
		(void)tdx_tcb_check_module(ti, &quote.body, f);
		(void)tdx_tcb_evaluate(ti, &pck, &quote, NULL, &outcome, f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	struct json_span_member m[2] = {{"tcbInfo", false, 0, 0}, {"enclaveIdentity", false, 0, 0}};
	char why[160];

	if (!key)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!key)
		abort();
	failures_init(&f);
	/* The walk on the raw input: what a verifier sees first. */
	if (json_span_check((const char *)data, size, TDX_COLLATERAL_JSON_DEPTH, m, 2, why,
			    sizeof(why)) == 0) {
		for (int i = 0; i < 2; i++) {
			size_t len = 0;
			char *doc;

			if (!m[i].found || m[i].start + m[i].len > size)
				continue;
			doc = resign(m[i].name, data + m[i].start, m[i].len, &len);
			if (!doc)
				continue;
			if (i == 0) {
				struct tdx_tcb_info *ti =
					tdx_tcb_info_load((const uint8_t *)doc, len, key, "fuzz", &f);
				if (ti)
					exercise_tcb_info(ti, &f);
				tdx_tcb_info_free(ti);
			} else {
				struct tdx_qe_identity *qi =
					tdx_qe_identity_load((const uint8_t *)doc, len, key, "fuzz", &f);
				static struct tdx_qe_report qe;
				if (qi) {
					memcpy(qe.mr_signer, qi->mrsigner, 32);
					qe.isv_prod_id = qi->isvprodid;
					memcpy(qe.attributes, qi->attributes, 16);
					memcpy(qe.miscselect, qi->miscselect, 4);
					(void)tdx_tcb_check_qe(qi, &qe, &f);
				}
				tdx_qe_identity_free(qi);
			}
			free(doc);
		}
	}
	failures_clear(&f);
	return 0;
}
