/* tdx_policy.h - an operator-written JSON appraisal policy for Intel TDX evidence.
 *
 * A policy says which verified TDs are acceptable: TCB statuses, collateral
 * freshness, advisories, the TD's measurements and attributes, the SEAM
 * module. tdx_policy_parse() validates the whole document strictly (unknown
 * fields, wrong types, out-of-range values, empty lists and duplicate keys
 * are refused, naming the field) and decodes it once into an immutable
 * struct; tdx_policy_evaluate() then judges a quote tdx_verify() has
 * authenticated and whose TCB status it derived. Every field is optional
 * except that "mr_td" is required unless "allow_any_mr_td" is true:
 *
 *   description           string, at most 1024 bytes, informational
 *   tcb_statuses          ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
 *                          "ConfigurationAndSWHardeningNeeded", "OutOfDate",
 *                          "OutOfDateConfigurationNeeded", "TDRelaunchAdvised",
 *                          "TDRelaunchAdvisedConfigurationNeeded"]
 *                         the TCB status is one of these; default ["UpToDate"].
 *                         Revoked can never be allowed.
 *   min_tcb_eval_num      0..4294967295: the tcbEvaluationDataNumber of the
 *                         TCB info and of the QE identity are >= this
 *   refused_advisory_ids  ["INTEL-SA-00837", ...]: none of these applies
 *   mr_td                 ["<96 hex>", ...]       MRTD in list
 *   allow_any_mr_td       bool                    (instead of mr_td)
 *   rtmr_0 .. rtmr_3, mr_config_id, mr_owner, mr_owner_config, mr_seam,
 *   mrsigner_seam         ["<96 hex>", ...]       the field is one of these
 *   allow_debug           bool, default false     TDATTRIBUTES.DEBUG may be set
 *   td_attributes, xfam   ["<16 hex>", ...]       the 8 bytes are one of these
 *                                                 (hex of the bytes as in the
 *                                                 quote, like the claims)
 *   min_tee_tcb_svn       "<32 hex>"              every byte of TEE_TCB_SVN >=
 *                                                 the same byte here
 *
 * Each broken rule adds one failure "tee_attestation.policy.<rule>" with rule
 * one of: tcb_status, tcb_eval_num, advisory_id, mr_td, rtmr_0 .. rtmr_3,
 * mr_config_id, mr_owner, mr_owner_config, mr_seam, mrsigner_seam, debug,
 * td_attributes, xfam, tee_tcb_svn.
 */
#ifndef TEEV_TDX_POLICY_H
#define TEEV_TDX_POLICY_H

#include <stddef.h>

struct failures;
struct tdx_result;

#define TDX_POLICY_MAX_SIZE ((size_t)1024 * 1024) /* bytes of JSON text */
#define TDX_POLICY_MAX_LIST 4096                  /* entries per list */
#define TDX_POLICY_MAX_DEPTH 16                   /* JSON nesting */

/* Opaque, immutable after parse, safe to share across threads. */
struct tdx_policy;

/* Parses and validates. On error returns NULL and writes a one-line message
 * to err that names the offending field, e.g. `unknown field "mr_tdd"`,
 * `field "rtmr_1[0]": expected 96 hex digits, got 95 characters`. */
struct tdx_policy *tdx_policy_parse(const char *json_text, size_t len, char *err, size_t err_len);
void tdx_policy_free(struct tdx_policy *p);

/* Appends one failure per broken rule (all rules are evaluated) and returns
 * the number of broken rules. A result whose TCB status was not derived
 * breaks the status rule. */
size_t tdx_policy_evaluate(const struct tdx_policy *p, const struct tdx_result *r,
			   struct failures *f);

/* The rules that hold without a policy document: the TCB status is
 * UpToDate (the default of tcb_statuses). For `teev verify` without
 * --policy; the server always has a policy (it fails closed without one). */
size_t tdx_policy_evaluate_default(const struct tdx_result *r, struct failures *f);

#endif
