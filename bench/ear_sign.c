/*
 * ear_sign.c - what a signed result costs per verdict: builds, serialises and
 * signs the EAR of a passing SEV-SNP verdict (claims shaped like teev's real
 * ones) N times with a result-signing key, and checks it N times, through
 * the same code the server will use (evidence/ear.c, lib/jose.c).
 *
 *   ear_sign [--alg ES256|RS256] [--iterations N]
 *
 * Prints one JSON object: microseconds of CPU per signed EAR and per check,
 * and the token's length. Under callgrind, --toggle-collect=ear_sign counts
 * the instructions of signing alone.
 */
#include "evidence/ear.h"
#include "lib/jose.h"
#include "verifier/verdict.h"

#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct json_object *int_array(size_t n, int seed)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int((int)((i * 37 + (size_t)seed) % 256)));
	return a;
}

/* A passing SNP verdict's claims, as tee_evidence gives them. */
static void snp_verdict(struct verdict *v)
{
	struct json_object *c = json_object_new_object();

	verdict_init(v);
	v->status = VERDICT_PASS;
	snprintf(v->policy_name, sizeof(v->policy_name), "default");
	v->policy_version = 1;
	json_object_object_add(c, "measurement", int_array(48, 1));
	json_object_object_add(c, "report_data", int_array(64, 2));
	json_object_object_add(c, "host_data", int_array(32, 3));
	json_object_object_add(c, "platform_smt_enabled", json_object_new_boolean(1));
	json_object_object_add(c, "platform_tsme_enabled", json_object_new_boolean(0));
	json_object_object_add(c, "reported_tcb_bootloader", json_object_new_int(9));
	json_object_object_add(c, "reported_tcb_tee", json_object_new_int(0));
	json_object_object_add(c, "reported_tcb_snp", json_object_new_int(23));
	json_object_object_add(c, "reported_tcb_microcode", json_object_new_int(72));
	json_object_object_add(c, "policy_abi_major", json_object_new_int(0));
	json_object_object_add(c, "policy_abi_minor", json_object_new_int(31));
	json_object_object_add(c, "policy_smt_allowed", json_object_new_boolean(1));
	json_object_object_add(c, "policy_migrate_ma", json_object_new_boolean(0));
	json_object_object_add(c, "policy_debug_allowed", json_object_new_boolean(0));
	json_object_object_add(c, "policy_single_socket", json_object_new_boolean(0));
	json_object_object_add(
		c, "measurement_hex",
		json_object_new_string("5e3f9a1c0b7d4e2f8a6c1d3b5f7e9a0c2b4d6f8e1a3c5b7d"
				       "9f0e2a4c6b8d1f3e5a7c9b0d2f4e6a8c1b3d5f7e9a0c"));
	v->claims = c;
}

int main(int argc, char **argv)
{
	enum jose_alg alg = JOSE_ES256;
	long iterations = 2000;
	struct jose_key key;
	struct jose_keyset set = {0};
	struct verdict v;
	struct ear_input in = {.build = "teev bench",
			       .nonce = "q2pDkyPAeIlSplBDWJWtBVNGNzbVsMmNdV2X3+wX0DA=",
			       .count = 1};
	EVP_PKEY *pkey;
	char err[256];
	size_t token_len = 0;
	double t0, sign_s, check_s;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--alg") == 0 && i + 1 < argc)
			alg = jose_alg_from_name(argv[++i]);
		else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc)
			iterations = strtol(argv[++i], NULL, 10);
		else
			alg = 0;
	}
	if (!alg || iterations < 1) {
		fprintf(stderr, "usage: ear_sign [--alg ES256|RS256] [--iterations N]\n");
		return 2;
	}
	pkey = alg == JOSE_ES256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(3072);
	if (!pkey || jose_key_from_pkey(pkey, &key, err, sizeof(err)) ||
	    jose_keyset_add(&set, &key, err, sizeof(err))) {
		fprintf(stderr, "ear_sign: no key: %s\n", err);
		return 1;
	}
	snp_verdict(&v);
	in.appraisals[0].kind = EAR_SNP;
	in.appraisals[0].verdict = &v;
	in.iat = (int64_t)time(NULL);

	char **tokens = calloc((size_t)iterations, sizeof(*tokens));
	if (!tokens)
		return 1;
	t0 = cpu_seconds();
	for (long i = 0; i < iterations; i++) {
		tokens[i] = ear_sign(&in, &key, err, sizeof(err));
		if (!tokens[i]) {
			fprintf(stderr, "ear_sign: %s\n", err);
			return 1;
		}
	}
	sign_s = cpu_seconds() - t0;
	token_len = strlen(tokens[0]);
	t0 = cpu_seconds();
	for (long i = 0; i < iterations; i++) {
		struct ear_checked c;

		if (ear_check(tokens[i], strlen(tokens[i]), &set, &c, err, sizeof(err))) {
			fprintf(stderr, "ear_check: %s\n", err);
			return 1;
		}
		ear_checked_clear(&c);
	}
	check_s = cpu_seconds() - t0;
	printf("{\"alg\": \"%s\", \"iterations\": %ld, \"sign_us\": %.1f, \"check_us\": %.1f, "
	       "\"token_bytes\": %zu}\n",
	       jose_alg_name(alg), iterations, sign_s * 1e6 / (double)iterations,
	       check_s * 1e6 / (double)iterations, token_len);
	for (long i = 0; i < iterations; i++)
		free(tokens[i]);
	free(tokens);
	verdict_clear(&v);
	jose_keyset_clear(&set);
	jose_key_clear(&key);
	EVP_PKEY_free(pkey);
	return 0;
}
