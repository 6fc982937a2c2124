/* tdx_tcb.h - judging a TD's platform against Intel's TCB info and QE
 * identity (TDX.md steps 8-10): the TDX module identity, the QE identity,
 * the TCB level and the resulting status with its advisory ids.
 *
 * Each function appends its own failure ids, with messages that name the
 * expected and found values: tee_attestation.tdx_module (MRSIGNERSEAM,
 * SEAMATTRIBUTES, module identity), tee_attestation.qe_identity (the QE
 * report against the QE identity) and tee_attestation.tcb_status (no
 * matching level: "TCB level not supported"; or the status is Revoked).
 */
#ifndef TEEV_TDX_TCB_H
#define TEEV_TDX_TCB_H

#include "verifier/tdx_collateral.h"
#include "verifier/tdx_pck.h"
#include "verifier/tdx_quote.h"

#include <stdbool.h>

struct failures;

#define TDX_MAX_RESULT_ADVISORIES 256

/* The module entry that must describe the quote's SEAM module: the
 * tdxModuleIdentities entry "TDX_%02X" of TEE_TCB_SVN[1] when that is
 * non-zero, else tdxModule. Checks MRSIGNERSEAM and SEAMATTRIBUTES against
 * it. Returns the entry, or NULL with a failure. */
const struct tdx_module_identity *tdx_tcb_check_module(const struct tdx_tcb_info *ti,
						       const struct tdx_td_report *body,
						       struct failures *f);

/* Checks the QE report against the QE identity (MISCSELECT and ATTRIBUTES
 * under their masks, MRSIGNER, ISVPRODID) and returns the QE's level (the
 * first with isvsvn <= ISVSVN), or NULL with a failure. */
const struct tdx_isv_level *tdx_tcb_check_qe(const struct tdx_qe_identity *qi,
					     const struct tdx_qe_report *qe, struct failures *f);

struct tdx_tcb_outcome {
	const struct tdx_tcb_level *sgx_level; /* first level the SGX SVNs and PCESVN reach */
	const struct tdx_tcb_level *level;     /* first level the TDX SVNs reach as well */
	const struct tdx_module_identity *module; /* NULL when TEE_TCB_SVN[1] == 0 */
	const struct tdx_isv_level *module_level;
	const struct tdx_isv_level *qe_level; /* NULL when no QE identity was judged */
	enum tdx_tcb_status status;           /* the converged status */
	bool relaunch_advised;
	size_t advisory_count;
	const char *advisory_ids[TDX_MAX_RESULT_ADVISORIES]; /* point into the collateral */
};

/* Picks the TCB level and converges the statuses: a module or QE OutOfDate
 * turns UpToDate/SWHardeningNeeded into OutOfDate and
 * ConfigurationNeeded(+SWHardening) into OutOfDateConfigurationNeeded,
 * Revoked anywhere makes Revoked, and a TDX 1.5 body whose TEE_TCB_SVN2
 * reaches the latest level turns a module-caused OutOfDate into
 * TDRelaunchAdvised[ConfigurationNeeded]. qe_level may be NULL. Returns 0,
 * or -1 with tee_attestation.tcb_status when no level matches. */
int tdx_tcb_evaluate(const struct tdx_tcb_info *ti, const struct tdx_pck_info *pck,
		     const struct tdx_quote *quote, const struct tdx_isv_level *qe_level,
		     struct tdx_tcb_outcome *out, struct failures *f);

#endif
