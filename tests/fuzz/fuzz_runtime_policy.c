/* fuzz_runtime_policy.c - libFuzzer harness: a Keylime runtime policy
 * (runtime_policy, /allowlists), plain or as a DSSE envelope. Each input is
 * compiled twice: without signing keys (envelopes are unwrapped unverified,
 * as upstream) and with one trusted ECDSA P-256 key (the envelope must
 * verify). An accepted policy then answers the lookups the IMA check makes. */
#include "policy/runtime_policy.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key of ../shared/testdata/keylime/runtime-policies/runtime-policy-pubkey.pub
 * (Keylime's test data, Apache-2.0): it signed runtime-policy-test-signed.json. */
static const char dsse_key_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXIgsNuIpHj5ogMLDd+u/lxsAyKjv\n"
	"toXL1efXBUQ/MbCHlqnhUnn4I31sp6zBFrSYQJ1Bzz5OHLf1UqsOgy0Cpw==\n"
	"-----END PUBLIC KEY-----\n";

static struct runtime_policy_keys *keys;

static void free_keys(void)
{
	runtime_policy_keys_free(keys);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *pems[1] = {dsse_key_pem};
	char err[256];

	(void)argc;
	(void)argv;
	keys = runtime_policy_keys_from_pem(pems, 1, err, sizeof(err));
	if (!keys || runtime_policy_keys_count(keys) != 1) {
		fprintf(stderr, "fuzz_runtime_policy: the fixed key does not load: %s\n", err);
		abort();
	}
	atexit(free_keys);
	return 0;
}

static const char *const names[] = {
	"boot_aggregate", "/usr/bin/dd", ".ima", "dm_table_load", "/tmp/x", "", "/",
	"/lib/modules/5.4.48-openpower1/kernel/drivers/usb/common/usb-common.ko",
	"/bad\xff\xfeutf8", "\xc3\x28",
};

static void query(const struct runtime_policy *p)
{
	/* All zero, boot_aggregate's digest in the policies of the seeds, all ones. */
	uint8_t digests[3][64] = {
		{0},
		{0xe4, 0xcb, 0x9f, 0x57, 0x09, 0xc8, 0x83, 0x76, 0xb5, 0xfc, 0x37, 0x43, 0xcd, 0x88,
		 0xe7, 0x6b, 0x9a, 0xae, 0x8f, 0x3d, 0x99, 0x2d, 0x84, 0x56, 0x78, 0xde, 0x52, 0x15,
		 0xed, 0xb3, 0x12, 0x16},
		{0},
	};
	static const size_t digest_lens[] = {20, 32, 48, 64};
	const struct runtime_policy_info *info = runtime_policy_info(p);
	struct runtime_policy_matcher *matcher = runtime_policy_matcher_new(p);

	if (!info)
		abort();
	memset(digests[2], 0xff, sizeof(digests[2]));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t len = strlen(names[i]);
		for (int t = RUNTIME_POLICY_DIGESTS; t <= RUNTIME_POLICY_IMA_BUF; t++) {
			enum runtime_policy_table table = (enum runtime_policy_table)t;
			const struct runtime_policy_digests *d;

			runtime_policy_prefetch(p, table, names[i], len);
			d = runtime_policy_lookup(p, table, names[i], len);
			if (!d)
				continue;
			for (size_t k = 0; k < 3; k++)
				for (size_t l = 0; l < 4; l++)
					(void)runtime_policy_digests_contain(p, d, digests[k],
									     digest_lens[l]);
			struct json_object *array = json_object_new_array();
			runtime_policy_digests_append_json(p, d, array);
			json_object_put(array);
		}
		(void)runtime_policy_keyring_ignored(p, names[i], len);
		(void)runtime_policy_excluded(p, matcher, names[i], len);
	}
	runtime_policy_matcher_free(matcher);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runtime_policy *policy;
	char err[512];
	char *text = malloc(size ? size : 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	for (int signed_only = 0; signed_only < 2; signed_only++) {
		policy = runtime_policy_parse(text, size, signed_only ? keys : NULL, err, sizeof(err));
		if (policy) {
			query(policy);
			runtime_policy_free(policy);
		}
	}
	free(text);
	return 0;
}
