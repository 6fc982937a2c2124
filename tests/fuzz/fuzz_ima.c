/* fuzz_ima.c - libFuzzer harness: the IMA measurement list of a TPM request
 * (ima_measurement_list), judged by ima_verify against a small fixed runtime
 * policy with digests, excludes, keyrings and ima-buf entries.
 *
 * The first input byte picks the run's options: bits 0-1 the bank (SHA-1,
 * -256, -384, -512), bit 2 the PCR 10 value (the list's own replay, so the
 * list is judged as a consistent one; else none), bit 3 ignore_tomtou, bit 4
 * the empty policy instead of the fixed one, bit 5 an extra boot aggregate.
 * The rest is the list; it is copied to a buffer of exactly its length (the
 * API says it need not be NUL-terminated). */
#include "policy/runtime_policy.h"
#include "verifier/failures.h"
#include "verifier/ima.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
	"{\"meta\": {\"version\": 1},"
	" \"digests\": {"
	"  \"boot_aggregate\": [\"e4cb9f5709c88376b5fc3743cd88e76b9aae8f3d992d845678de5215edb31216\","
	"                       \"0000000000000000000000000000000000000000\"],"
	"  \"/usr/bin/dd\": [\"d33d5d13792292e202dbf69a6f1b07bc8a02f01424db8489ba7bb7d43c0290ef\"],"
	"  \"/usr/bin/zless\": [\"233ad3a8e77c63a7d9a56063ec2cad1eafa58850\", \"NOT-HEX\"],"
	"  \"/data\": [\"96d7fae8adb7286a419a88f78c13d35fb782d63df654b7db56f154765698b754\"]},"
	" \"excludes\": [\"/tmp/.*\", \"^/var/log/[a-z]+\\\\.log$\", \"/opt/(a|b)*c\"],"
	" \"keyrings\": {\".ima\": [\"a7d52aaa18c23d2d9bb2abb4308c0eeee67387a42259f4a6b1a42257065f3d5a\"]},"
	" \"ima\": {\"ignored_keyrings\": [\".builtin_trusted_keys\"], \"log_hash_alg\": \"sha1\","
	"         \"dm_policy\": null},"
	" \"ima-buf\": {\"dm_table_load\": [\"aa\"]},"
	" \"verification-keys\": \"\"}";

static struct runtime_policy *policy;

static void free_policy(void)
{
	runtime_policy_free(policy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	policy = runtime_policy_parse(policy_text, strlen(policy_text), NULL, err, sizeof(err));
	if (!policy) {
		fprintf(stderr, "fuzz_ima: the fixed runtime policy does not compile: %s\n", err);
		abort();
	}
	atexit(free_policy);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t banks[4] = {TPM_ALG_SHA1, TPM_ALG_SHA256, TPM_ALG_SHA384,
					  TPM_ALG_SHA512};
	static struct failures f;
	uint8_t options, pcr10[64], aggregate[1][64];
	size_t pcr10_len = 0, entries = 0;
	char *list;

	if (size < 1)
		return 0;
	options = data[0];
	data++;
	size--;
	list = malloc(size ? size : 1);
	if (!list)
		abort();
	memcpy(list, data, size);

	struct ima_input in = {
		.list = list,
		.list_len = size,
		.bank = banks[options & 3],
		.policy = (options & 16) ? NULL : policy,
		.ignore_tomtou = (options & 8) != 0,
	};
	if ((options & 4) &&
	    ima_replay(list, size, in.bank, TPM_ALG_SHA1, pcr10, &pcr10_len, &entries) == 0) {
		in.pcr10 = pcr10;
		in.pcr10_len = pcr10_len;
	}
	if (options & 32) {
		memset(aggregate, 0, sizeof(aggregate));
		in.extra_boot_aggregates = (const uint8_t(*)[64])aggregate;
		in.n_extra_boot_aggregates = 1;
		in.extra_boot_aggregate_len = pcr10_len ? pcr10_len : 20;
	}
	failures_init(&f);
	(void)ima_verify(&in, &f);
	json_object_put(failures_to_json(&f));
	failures_clear(&f);
	free(list);
	return 0;
}
