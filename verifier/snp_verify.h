/* snp_verify.h - the whole SEV-SNP verification path, shared by the server and
 * `teev verify`: report layout, endorsement key lookup, AMD chain, key-to-report
 * binding, report signature, nonce binding, and the claims of a good report.
 */
#ifndef TEEV_SNP_VERIFY_H
#define TEEV_SNP_VERIFY_H

#include "verifier/snp_report.h"
#include "verifier/snp_trust.h"
#include "verifier/verdict.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct vek_cache;
struct kds_client;
struct snp_certs_buf;

/* Persistent storage of proven certificates (the server backs it with
 * SQLite; NULL = none). kind is "vcek" or "crl"; key names the platform
 * ("<hwid>/bl03_tee00_snp08_ucode115") or, for a CRL, "vcek"/"vlek". */
struct cert_store {
	void *ctx;
	/* Returns a malloc'd DER or NULL; *next_update is 0 when unknown. */
	uint8_t *(*load)(void *ctx, const char *kind, const char *product, const char *key,
			 size_t *len, int64_t *next_update);
	void (*save)(void *ctx, const char *kind, const char *product, const char *key,
		     const uint8_t *der, size_t len, int64_t next_update);
};

struct snp_verifier_config {
	const char *amd_root_dir;     /* NULL or "": the embedded AMD roots */
	const char *vcek_offline_dir; /* Trustee layout vcek/<hwid>/...; NULL or "": none */
	size_t cache_slots;           /* 0: a default */
	const struct cert_store *store; /* NULL: nothing persists */
	struct kds_client *kds;         /* NULL: never fetch (offline); not owned */
	bool check_crl;                 /* ASK/ASVK revocation via AMD's CRL */
};

/* Long-lived and shared by all request threads; read-only after init except
 * for the internally locked caches. */
struct snp_verifier {
	struct snp_trust trust;
	char offline_dir[1024];
	struct vek_cache *cache;
	const struct cert_store *store;
	struct kds_client *kds;
	bool check_crl;
};

int snp_verifier_init(struct snp_verifier *v, const struct snp_verifier_config *cfg,
		      char *err, size_t err_len);
void snp_verifier_free(struct snp_verifier *v);

/* Decoded evidence. Pointers are borrowed for the duration of the call. */
struct snp_evidence {
	const uint8_t *report;
	size_t report_len;
	const uint8_t *certs_buf; /* NULL when the request had none */
	size_t certs_buf_len;
	const uint8_t *vek_der; /* an explicitly given VCEK/VLEK (CLI), else NULL */
	size_t vek_der_len;
	bool check_freshness;
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *pubkey_x;
	size_t pubkey_x_len;
	const uint8_t *pubkey_y;
	size_t pubkey_y_len;
};

/* What was learned, for claims and (later) policy evaluation. */
struct snp_result {
	struct snp_report report;
	enum snp_product product;
	/* "cache", "certs-buf", "file", "database", "offline folder", "AMD KDS" */
	const char *vek_source;
	/* The signature verified with a proven key: the report is AMD's and may
	 * be appraised (freshness may still have failed). */
	bool authenticated;
};

/* The largest nonce a caller may bind (a KBS sends 32 bytes). */
#define SNP_NONCE_MAX 1024

/* The checks of the evidence's shape that come before any verification or
 * cache lookup, the same for the server and `teev verify`: report length,
 * certs-buf size and table layout (filling *table when there is one), and,
 * when freshness is checked, the nonce size and tee-pubkey coordinates of
 * equal P-256/P-384/P-521 sizes. Failures name the request's fields and are
 * tee_attestation.invalid_input: the caller answers 400. Returns 0 or -1. */
int snp_evidence_check(const struct snp_evidence *e, struct snp_certs_buf *table,
		       struct failures *f);

/* Runs every check (snp_evidence_check first, so bad input is refused the
 * same way whatever the caches hold); returns the verdict status and fills
 * f. out is meaningful when the status is PASS or FAIL after the signature
 * verified. */
enum verdict_status snp_verify(struct snp_verifier *v, const struct snp_evidence *e,
			       time_t at, struct snp_result *out, struct failures *f);

/* The name of a VCEK by platform, as Trustee's offline store spells it
 * ("<hwid hex>/bl03_tee00_snp08_ucode115", Turin adds "_fmc00"): the key of
 * the offline folder and of the certificate database. */
void snp_platform_key(enum snp_product product, const uint8_t *hwid, size_t hwid_len,
		      struct snp_tcb tcb, char *out, size_t cap);

/* Proves a standalone VCEK (for import): AMD extensions, chain to the
 * anchors at time at, CRL when configured. Fills its product and platform
 * key. Returns -1 with failures. */
int snp_verifier_prove_vcek(struct snp_verifier *v, const uint8_t *der, size_t len, time_t at,
			    enum snp_product *product, char *key, size_t key_cap,
			    struct failures *f);

/* Keylime's claims (exact names and encodings) plus teev's extra ones. */
struct json_object *snp_claims(const struct snp_result *r);

#endif
