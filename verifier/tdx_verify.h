/* tdx_verify.h - the whole Intel TDX verification path (TDX.md steps 1-11),
 * shared by `teev verify --tdx-quote` and, later, the server: quote layout,
 * PCK chain to the pinned Intel SGX Root CA, QE report signature,
 * attestation key binding, quote signature, PCK extensions, collateral
 * (signatures over exact bytes, validity, CRLs), TDX module identity, QE
 * identity, TCB level and status, freshness, and the claims of a TD.
 *
 * Inputs: a quote, a collateral source (tdx_collateral.h) and a time. Output:
 * failures (struct failures) and a struct tdx_result from which claims are
 * built and which a TDX policy (policy/tdx_policy.h) appraises. Checks of
 * trust (layout, chain, signatures, binding) stop at the first failure;
 * after the quote is authenticated every other check runs and each adds its
 * own failure, so one verdict names everything wrong with the collateral.
 */
#ifndef TEEV_TDX_VERIFY_H
#define TEEV_TDX_VERIFY_H

#include "verifier/tdx_collateral.h"
#include "verifier/tdx_pck.h"
#include "verifier/tdx_quote.h"
#include "verifier/tdx_tcb.h"
#include "verifier/tdx_trust.h"
#include "verifier/verdict.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct tdx_verifier_config {
	/* NULL or "": the embedded Intel SGX Root CA; else a PEM file, or a
	 * folder holding sgx_root_ca.pem (tests, and the config option). */
	const char *intel_root;
};

/* Long-lived, read-only after init, shared by request threads. */
struct tdx_verifier {
	struct tdx_trust trust;
};

int tdx_verifier_init(struct tdx_verifier *v, const struct tdx_verifier_config *cfg, char *err,
		      size_t err_len);
void tdx_verifier_free(struct tdx_verifier *v);

/* Decoded evidence; pointers are borrowed for the duration of the call. */
struct tdx_evidence {
	const uint8_t *quote;
	size_t quote_len;
	bool check_freshness;
	const uint8_t *nonce;
	size_t nonce_len;
	const uint8_t *pubkey_x;
	size_t pubkey_x_len;
	const uint8_t *pubkey_y;
	size_t pubkey_y_len;
};

/* What was learned, for claims and policy. Self-contained: it keeps no
 * pointer into the collateral, and its quote pointers point into the
 * evidence's quote buffer (which claims do not need). */
struct tdx_result {
	struct tdx_quote quote;
	struct tdx_pck_info pck;
	/* The PCK chain, QE report signature, attestation key binding and
	 * quote signature verified: the quote is Intel's and may be appraised. */
	bool authenticated;
	/* A TCB status was derived from verified collateral. */
	bool tcb_evaluated;
	enum tdx_tcb_status tcb_status;
	enum tdx_tcb_status platform_status; /* the matched TCB level's own status */
	char tcb_date[TDX_DATE_TEXT];
	int64_t tcb_eval_num; /* tcbEvaluationDataNumber of the TCB info */
	bool has_qe_identity;
	int64_t qe_eval_num;
	enum tdx_tcb_status qe_status;
	bool has_module_identity;
	char module_id[16]; /* "TDX_01" */
	enum tdx_tcb_status module_status;
	bool relaunch_advised;
	size_t advisory_count;
	char advisory_ids[TDX_MAX_RESULT_ADVISORIES][TDX_ADVISORY_ID_MAX];
	bool freshness_checked;
};

/* Runs every check at time at, taking collateral from src for the PCK's
 * FMSPC and CA type; fills out and f. Returns PASS, FAIL, or INTERNAL when
 * memory ran out. */
enum verdict_status tdx_verify(const struct tdx_verifier *v, const struct tdx_evidence *e,
			       const struct tdx_collateral_source *src, time_t at,
			       struct tdx_result *out, struct failures *f);

/* The claims of a verified TD (TDX.md "Claims", Trustee's names) plus
 * teev's extra ones. */
struct json_object *tdx_claims(const struct tdx_result *r);

#endif
