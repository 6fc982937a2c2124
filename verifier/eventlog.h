/* eventlog.h - bounded parser and replayer of the binary UEFI event log
 * (binary_bios_measurements) an agent sends as mb_log (../shared/docs/
 * KEYLIME-TPM.md §7), following the TCG PC Client Platform Firmware Profile.
 *
 * The first record is a TCG_PCR_EVENT (SHA-1 format). When it is an
 * EV_NO_ACTION event whose data starts with the "Spec ID Event03" signature,
 * the log is crypto-agile: the Spec ID event's algorithm table gives the digest
 * size of every algorithm and the remaining records are TCG_PCR_EVENT2
 * {u32 pcr, u32 type, u32 count, count x (u16 alg, digest), u32 size, data}.
 * Otherwise the whole log is a legacy SHA-1 log of TCG_PCR_EVENT
 * {u32 pcr, u32 type, 20-byte digest, u32 size, data}. All little-endian.
 *
 * Replay: PCR = H(PCR || digest) for every event except EV_NO_ACTION, from
 * all-zero initial values except PCR 0, whose last byte starts as the TPM's
 * startup locality: the locality of an EV_NO_ACTION "StartupLocality" event on
 * PCR 0, or 4 when PCR 0's first measurement is an EV_EFI_HCRTM_EVENT (the
 * H-CRTM ran _TPM_Hash_Start from locality 4; a StartupLocality event after it
 * is ignored, as tpm2_eventlog does). A StartupLocality or H-CRTM event after
 * PCR 0 was already extended is refused: no TPM can produce that sequence.
 *
 * The input is untrusted: every count and size is checked against the bytes
 * that remain before it is used, nothing is allocated in proportion to a
 * claimed size, and the log is limited to EVENTLOG_MAX_EVENTS events and
 * EVENTLOG_MAX_BYTES bytes. Events are numbered from 0 in error messages,
 * the first record being event 0 (tpm2_eventlog's EventNum).
 */
#ifndef TEEV_EVENTLOG_H
#define TEEV_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENTLOG_PCRS 24
#define EVENTLOG_MAX_EVENTS 1000000
#define EVENTLOG_MAX_BYTES ((size_t)64 * 1024 * 1024)

struct eventlog_bank {
	uint16_t alg;        /* TPM_ALG_SHA1, _SHA256, _SHA384 or _SHA512 */
	size_t digest_size;  /* 20, 32, 48 or 64: the used part of each pcr[i] */
	/* Bit i: the log has an event for PCR i carrying this bank's digest, the
	 * rule tpm2_eventlog uses to list a PCR (in crypto-agile logs this counts
	 * EV_NO_ACTION events too, in SHA-1 logs it does not). PCRs without the
	 * bit are "absent" (upstream reports them as missing, not as zero). */
	uint32_t extended;
	uint8_t pcr[EVENTLOG_PCRS][64];
};

struct eventlog_replay {
	/* The sha1, sha256, sha384 and sha512 banks of the log, in that order,
	 * each listed only when at least one of its PCRs is present (a bank the
	 * Spec ID event names but no event touches is absent upstream as well). */
	size_t bank_count;
	struct eventlog_bank banks[4];
	size_t event_count;  /* every record, the Spec ID event included */
	bool crypto_agile;   /* false: legacy SHA-1 log */
};

/* Parses and replays buf[0..len). Returns 0, or -1 with a one-line reason in
 * err (e.g. "event 17: digest count 9 exceeds the 4 banks of the Spec ID
 * event", "event 3 ends at byte 912 beyond the log's 800 bytes") and *out
 * zeroed. Never reads outside [buf, buf+len); allocates only OpenSSL digest
 * objects, whatever the log claims. */
int eventlog_replay(const uint8_t *buf, size_t len, struct eventlog_replay *out, char *err,
		    size_t err_len);

/* The bank of algorithm alg (a TPM_ALG_ID), or NULL when the log has none. */
const struct eventlog_bank *eventlog_bank(const struct eventlog_replay *r, uint16_t alg);

/* Boot aggregates of a bank, hashed with the bank's own algorithm:
 * agg8 = H(PCR0 || ... || PCR7) and agg10 = H(PCR0 || ... || PCR9) of the
 * replayed values (digest_size bytes used, the rest zeroed). A variant is
 * skipped (its flag false, its buffer zeroed) when one of its PCRs is absent,
 * or when OpenSSL cannot compute it. */
void eventlog_boot_aggregates(const struct eventlog_bank *b, uint8_t agg8[64], bool *has8,
			      uint8_t agg10[64], bool *has10);

#endif
