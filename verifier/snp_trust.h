/* snp_trust.h - the AMD trust anchors per product and chain verification.
 *
 * Per product: the ARK (the only trust anchor) and the ASK and ASVK it signed.
 * They come from the binary (certs/amd/) or, when amd_root_dir is configured,
 * from <product>_ark.pem, <product>_ask.pem and <product>_asvk.pem in that
 * folder. Nothing that arrives in a request is ever added here.
 */
#ifndef TEEV_SNP_TRUST_H
#define TEEV_SNP_TRUST_H

#include "verifier/snp_report.h"

#include <openssl/x509.h>
#include <time.h>

struct failures;

struct snp_trust_product {
	X509 *ark, *ask, *asvk; /* NULL when this product has no anchors */
	X509_STORE *store;      /* holds the ARK only */
};

struct snp_trust {
	struct snp_trust_product products[SNP_PRODUCT_COUNT];
	char origin[256]; /* "embedded" or the folder, for logs */
};

/* Loads the embedded anchors (dir NULL or "") or those of dir, checking each
 * ARK's self-signature and that it signed its ASK/ASVK. Returns -1 with err. */
int snp_trust_load(struct snp_trust *t, const char *dir, char *err, size_t err_len);
void snp_trust_free(struct snp_trust *t);

/* Number of products with a usable ARK. */
int snp_trust_product_count(const struct snp_trust *t);

/* The window in which every certificate of a verified chain is valid. */
struct snp_validity {
	time_t from, until;
};

/* Verifies leaf -> ASK (or ASVK when vlek) -> ARK of the product at time at.
 * On success fills *validity for the whole chain. Appends
 * tee_attestation.cert_chain on failure. */
int snp_trust_verify_vek(const struct snp_trust *t, enum snp_product product, bool vlek,
			 X509 *leaf, time_t at, struct snp_validity *validity,
			 struct failures *f);

/* Checks an AMD CRL for the product (vcek: lists ASKs; vlek: ASVKs): it must
 * be signed by the product's ARK, be current at time at, and not list the
 * intermediate. On success *next_update is the CRL's nextUpdate. Appends
 * tee_attestation.revoked or tee_attestation.crl_fetch and returns -1. */
int snp_trust_check_crl(const struct snp_trust *t, enum snp_product product, bool vlek,
			const uint8_t *crl_der, size_t crl_len, time_t at, time_t *next_update,
			struct failures *f);

#endif
