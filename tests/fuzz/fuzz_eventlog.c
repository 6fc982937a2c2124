/* fuzz_eventlog.c - libFuzzer harness: the binary UEFI event log of a TPM
 * request (mb_log, decoded). Replays it, then reads every bank and its boot
 * aggregates as the IMA check does. */
#include "verifier/eventlog.h"
#include "verifier/tpm_objects.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t algs[] = {TPM_ALG_SHA1, TPM_ALG_SHA256, TPM_ALG_SHA384,
					TPM_ALG_SHA512, TPM_ALG_SM3_256};
	static struct eventlog_replay replay;
	uint8_t agg8[64], agg10[64];
	bool has8, has10;
	char err[512];

	if (eventlog_replay(data, size, &replay, err, sizeof(err)) != 0)
		return 0;
	if (replay.bank_count > 4)
		abort();
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct eventlog_bank *bank = eventlog_bank(&replay, algs[i]);
		if (!bank)
			continue;
		if (bank->digest_size == 0 || bank->digest_size > 64)
			abort();
		eventlog_boot_aggregates(bank, agg8, &has8, agg10, &has10);
	}
	return 0;
}
