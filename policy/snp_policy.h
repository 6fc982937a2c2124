/* snp_policy.h - an operator-written JSON appraisal policy for SEV-SNP evidence.
 *
 * A policy says which verified reports are acceptable: launch measurements,
 * TCB and firmware floors, guest-policy and platform bits, allowlists of
 * report fields. snp_policy_parse() validates the whole document strictly
 * (unknown fields, wrong types, out-of-range values, empty lists and
 * duplicate keys are refused, naming the field) and decodes it once into an
 * immutable struct; snp_policy_evaluate() then judges a report that
 * snp_verify() has already authenticated. Every field is optional except that
 * "measurements" is required unless "allow_any_measurement" is true:
 *
 *   description                      string, at most 1024 bytes, informational
 *   measurements                     ["<96 hex>", ...]       MEASUREMENT in list
 *   allow_any_measurement            bool                    (instead of measurements)
 *   min_tcb, min_launch_tcb          {"bootloader","tee","snp","microcode","fmc": 0..255}
 *                                    REPORTED_TCB / LAUNCH_TCB >= per component
 *                                    (fmc only on Turin)
 *   require_committed_equals_current bool                    no provisional firmware
 *   min_firmware                     "M.m" or "M.m.b"        current firmware >=
 *   allow_debug, allow_migrate_ma    bool, default false     guest policy bits
 *   allow_smt                        bool, default true
 *   require_single_socket            bool, default false
 *   min_abi                          "M.m"                   guest policy ABI >=
 *   vmpls                            [0..3, ...]             VMPL in list
 *   host_data                        ["<64 hex>", ...]
 *   id_key_digests, author_key_digests ["<96 hex>", ...]
 *   family_ids, image_ids            ["<32 hex>", ...]
 *   chip_ids                         ["<128 hex>" or "<16 hex>" (Turin: CHIP_ID[0:8], rest zero)]
 *   min_guest_svn                    0..4294967295
 *   min_report_version               2..255
 *   signing_keys                     ["vcek", "vlek"]
 *   products                         ["Milan", "Genoa", "Turin"] (any case)
 *   platform                         {"smt_enabled", "tsme_enabled", "ecc_enabled",
 *                                     "rapl_disabled", "ciphertext_hiding_enabled",
 *                                     "alias_check_complete", "tio_enabled": bool}
 *                                    true = PLATFORM_INFO bit must be set, false = clear
 *
 * Each broken rule adds one failure "tee_attestation.policy.<rule>" with rule
 * one of: measurement, min_tcb, min_launch_tcb, committed_tcb, min_firmware,
 * debug, migrate_ma, smt, single_socket, abi, vmpl, host_data, id_key_digest,
 * author_key_digest, family_id, image_id, chip_id, guest_svn, report_version,
 * signing_key, product, platform.
 */
#ifndef TEEV_SNP_POLICY_H
#define TEEV_SNP_POLICY_H

#include <stddef.h>

struct failures;
struct snp_result;

#define SNP_POLICY_MAX_SIZE ((size_t)1024 * 1024) /* bytes of JSON text */
#define SNP_POLICY_MAX_LIST 4096          /* entries per list */
#define SNP_POLICY_MAX_DEPTH 16           /* JSON nesting */

/* Opaque, immutable after parse, safe to share across threads. */
struct snp_policy;

/* Parses and validates. On error returns NULL and writes a one-line message to
 * err that names the offending field with a JSON-path-like name, e.g.
 * `field "min_tcb.snp": expected an integer 0..255, got 300`,
 * `unknown field "min_tbc"`, `field "measurements[2]": expected 96 hex digits, ...`. */
struct snp_policy *snp_policy_parse(const char *json_text, size_t len, char *err,
				    size_t err_len);
void snp_policy_free(struct snp_policy *p);

/* Appends one failure per broken rule (all rules are evaluated, not just the
 * first) and returns the number of broken rules. Allocates nothing. */
size_t snp_policy_evaluate(const struct snp_policy *p, const struct snp_result *r,
			   struct failures *f);

#endif
