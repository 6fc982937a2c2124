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

struct snp_verifier_config {
	const char *amd_root_dir;     /* NULL or "": the embedded AMD roots */
	const char *vcek_offline_dir; /* Trustee layout vcek/<hwid>/...; NULL or "": none */
	size_t cache_slots;           /* 0: a default */
};

/* Long-lived and shared by all request threads; read-only after init except
 * for the internally locked cache. */
struct snp_verifier {
	struct snp_trust trust;
	char offline_dir[1024];
	struct vek_cache *cache;
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
	const char *vek_source; /* "cache", "certs-buf", "file", "offline folder" */
	/* The signature verified with a proven key: the report is AMD's and may
	 * be appraised (freshness may still have failed). */
	bool authenticated;
};

/* Runs every check; returns the verdict status and fills f. out is
 * meaningful when the status is PASS or FAIL after the signature verified. */
enum verdict_status snp_verify(struct snp_verifier *v, const struct snp_evidence *e,
			       time_t at, struct snp_result *out, struct failures *f);

/* Keylime's claims (exact names and encodings) plus teev's extra ones. */
struct json_object *snp_claims(const struct snp_result *r);

#endif
