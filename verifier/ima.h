/* ima.h - the IMA measurement list of a Keylime TPM request
 * (../shared/docs/KEYLIME-TPM.md §6): parses the ASCII list (templates ima,
 * ima-ng, ima-sig, ima-buf), replays it into the quoted PCR 10 bank, and
 * checks every entry against a compiled runtime policy, reporting Keylime's
 * failure ids in Keylime's order.
 */
#ifndef TEEV_IMA_H
#define TEEV_IMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verifier/tpm_objects.h" /* TPM_ALG_SHA1 ... TPM_ALG_SM3_256 */

struct failures;
struct runtime_policy;

/* Bounds on untrusted input. A longer line is reported as unparsable; lines
 * past IMA_MAX_LINES are not read (ima.parser.entry says so). */
#define IMA_LINE_MAX 65536
#define IMA_MAX_LINES 10000000

struct ima_input {
	const char *list; /* ASCII measurement list; need not be NUL-terminated */
	size_t list_len;
	uint16_t bank; /* TPM_ALG_SHA1/SHA256/SHA384/SHA512 (SM3_256 works too) */
	/* Quoted PCR 10 in that bank; NULL = no value to match (upstream's
	 * pcrval=None: the list is checked but never compared). */
	const uint8_t *pcr10;
	size_t pcr10_len;
	/* NULL = Keylime's empty policy: every file is not_in_allowlist. */
	const struct runtime_policy *policy;
	/* Boot aggregates replayed from the measured-boot log, also accepted for
	 * the "boot_aggregate" entry (each extra_boot_aggregate_len <= 64 bytes). */
	const uint8_t (*extra_boot_aggregates)[64];
	size_t n_extra_boot_aggregates;
	size_t extra_boot_aggregate_len;
	/* Keylime's ignore_tomtou_errors (default false). Upstream's logic is
	 * inverted: true REPORTS ima.validation.tomtou for ToMToU entries. */
	bool ignore_tomtou;
};

/* Replays and checks the list, appending failures to f in Keylime's order:
 * per line ima.parser.entry, or ima.validation.ima_pcr then one of
 * ima.validation.ima_template (teev: a legacy "ima" file entry in a list
 * whose first entry is not legacy, or the reverse) / ima.validation.ima_hash
 * (any column but all-zero that is not the template's hash, all-FF
 * included) / ima.validation.ima-ng.not_in_allowlist /
 * ima.validation.ima-ng.runtime_policy_hash / ima.invalid_key; finally
 * ima.pcr_mismatch. Returns the number of failures reported (some may have
 * been dropped by struct failures' FAILURES_MAX bound), or -1 on bad
 * arguments or an internal (OpenSSL, memory) error: treat that as a server
 * error, not as a verdict. */
int ima_verify(const struct ima_input *in, struct failures *f);

/* Replays the list alone: out receives the final PCR 10 value in bank
 * (out_len set to the bank's size), entries the number of lines extended.
 * log_hash_alg (TPM_ALG_*) only sizes the all-zero template-hash column that
 * is extended as 0xFF..FF. Returns 0, or -1 on bad arguments or an internal
 * error. Unparsable lines are skipped, as in ima_verify. */
int ima_replay(const char *list, size_t list_len, uint16_t bank, uint16_t log_hash_alg,
	       uint8_t out[64], size_t *out_len, size_t *entries);

#endif
