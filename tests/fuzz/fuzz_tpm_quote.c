/* fuzz_tpm_quote.c - libFuzzer harness: Keylime's whole quote check
 * (tpm_quote_verify) over the four request fields it reads. The input is
 * split at newlines into quote, nonce, hash_alg and tpm_ak (missing fields
 * are empty); each field is copied into a buffer of exactly its length, so a
 * read past a length is caught, as is one past the hash_alg terminator. */
#include "verifier/failures.h"
#include "verifier/tpm_quote.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct failures f;
	static struct tpm_pcr_values pcrs;
	const uint8_t *start[FIELDS] = {0};
	size_t len[FIELDS] = {0};
	char *copy[FIELDS];
	size_t field = 0, from = 0;

	for (size_t i = 0; i <= size && field < FIELDS; i++) {
		if (i == size || (data[i] == '\n' && field < FIELDS - 1)) {
			start[field] = data + from;
			len[field] = i - from;
			field++;
			from = i + 1;
		}
	}
	for (size_t i = 0; i < FIELDS; i++) {
		/* hash_alg is a C string; the others carry their length. */
		size_t extra = i == 2 ? 1 : 0;
		copy[i] = malloc(len[i] + extra > 0 ? len[i] + extra : 1);
		if (!copy[i])
			abort();
		if (len[i])
			memcpy(copy[i], start[i], len[i]);
		if (extra)
			copy[i][len[i]] = '\0';
	}
	struct tpm_quote_input in = {
		.quote = copy[0],
		.quote_len = len[0],
		.nonce = copy[1],
		.nonce_len = len[1],
		.hash_alg = copy[2],
		.ak_b64 = copy[3],
		.ak_len = len[3],
	};
	failures_init(&f);
	if (tpm_quote_verify(&in, &pcrs, &f) == 0) {
		/* Success fills the quoted bank; nothing else may be claimed. */
		if (f.count != 0 || pcrs.digest_size == 0 || pcrs.digest_size > 64)
			abort();
		(void)tpm_hash_alg_name(pcrs.bank);
	} else if (f.count != 1) {
		abort(); /* the header promises exactly one failure */
	}
	json_object_put(failures_to_json(&f));
	failures_clear(&f);
	for (size_t i = 0; i < FIELDS; i++)
		free(copy[i]);
	return 0;
}
