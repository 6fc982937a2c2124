/* test_runtime_policy.c - unit tests for policy/runtime_policy.c: Keylime
 * runtime policy v1 parsing and compilation.
 *
 * Covers the shared test policies (upstream's test_ima_verification set and
 * runtime-policy-test.json with its unmatchable "sha256:" boot_aggregate),
 * DSSE envelopes (good and bad signature against the P-256 key, unverified
 * unwrap without keys, a plain policy refused when keys are configured, an
 * RSA key), strictness (JSON shape, meta.version, list types, dm_policy),
 * defaults (missing "ima", unknown log_hash_alg), excludes with Python
 * re.match semantics (anchored at the start only, invalid list ignored,
 * non-UTF-8 paths), ignored keyrings, and a 100,000-path policy timed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/runtime_policy.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/tpm_objects.h"
#include "tests/support/test_cleanup.h"

#define KL "/testdata/keylime/"

/* ---- helpers ---- */

static void shared_path(const char *rel, char *out, size_t cap)
{
	snprintf(out, cap, "%s" KL "%s", shared_dir(), rel);
}

static struct runtime_policy *parse_text(const char *text, char *err, size_t err_len)
{
	return runtime_policy_parse(text, strlen(text), NULL, err, err_len);
}

static struct runtime_policy *must_parse(const char *text)
{
	char err[256] = "";
	struct runtime_policy *p = parse_text(text, err, sizeof(err));

	if (!p)
		fail_msg("refused: %s\n%s", err, text);
	return p;
}

static void assert_refused(const char *text, const char *reason_part)
{
	char err[256] = "";
	struct runtime_policy *p = parse_text(text, err, sizeof(err));

	if (p) {
		runtime_policy_free(p);
		fail_msg("accepted: %s", text);
	}
	if (reason_part && !strstr(err, reason_part))
		fail_msg("reason \"%s\" lacks \"%s\"", err, reason_part);
}

static size_t hex_decode(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static bool policy_allows(const struct runtime_policy *p, enum runtime_policy_table t,
			  const char *name, const char *hex)
{
	uint8_t digest[128];
	size_t n = hex_decode(hex, digest);
	const struct runtime_policy_digests *d = runtime_policy_lookup(p, t, name, strlen(name));

	return d && runtime_policy_digests_contain(p, d, digest, n);
}

static bool excluded(const struct runtime_policy *p, const char *path, size_t len)
{
	struct runtime_policy_matcher *m = runtime_policy_matcher_new(p);
	bool r = runtime_policy_excluded(p, m, path, len);

	runtime_policy_matcher_free(m);
	return r;
}

/* A policy with the keys Keylime's schema requires, open for more. A test
 * that sends one of them again replaces it: of repeated keys the last wins,
 * in json-c as in Python. */
#define MINIMAL_HEAD                                                                     \
	"{\"meta\": {\"version\": 1}, \"digests\": {}, \"excludes\": [], "               \
	"\"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", \"dm_policy\": null}, "
#define IMA_WITH(extra) "\"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": null, " extra "}"

/* ---- the shared policies ---- */

static void test_upstream_test_policy(void **state)
{
	size_t len;
	char *text = read_keylime_file("ima/test_ima_verification/RUNTIME_POLICY_TEST.json", &len);
	char err[256];
	struct runtime_policy *p = runtime_policy_parse(text, len, NULL, err, sizeof(err));
	const struct runtime_policy_info *info;

	(void)state;
	assert_non_null(p);
	info = runtime_policy_info(p);
	assert_int_equal(info->log_hash_alg, TPM_ALG_SHA1);
	assert_false(info->log_hash_alg_defaulted);
	assert_false(info->dsse_envelope);
	assert_int_equal(info->n_digest_paths, 6);
	assert_int_equal(info->n_keyrings, 1);
	assert_int_equal(info->n_ima_buf, 0);
	assert_int_equal(info->n_excludes, 0);
	assert_int_equal(info->n_unmatchable_digests, 0);
	assert_true(policy_allows(p, RUNTIME_POLICY_DIGESTS, "/usr/bin/dd",
				  "d33d5d13792292e202dbf69a6f1b07bc8a02f01424db8489ba7bb7d43c0290ef"));
	assert_true(policy_allows(p, RUNTIME_POLICY_DIGESTS, "/usr/bin/zless",
				  "233ad3a8e77c63a7d9a56063ec2cad1eafa58850"));
	assert_false(policy_allows(p, RUNTIME_POLICY_DIGESTS, "/usr/bin/dd",
				   "233ad3a8e77c63a7d9a56063ec2cad1eafa58850"));
	assert_null(runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "/usr/bin/d", 10));
	assert_null(runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "/usr/bin/dd\0", 12));
	assert_null(runtime_policy_lookup(p, RUNTIME_POLICY_KEYRINGS, "/usr/bin/dd", 11));
	assert_true(policy_allows(p, RUNTIME_POLICY_KEYRINGS, ".ima",
				  "a7d52aaa18c23d2d9bb2abb4308c0eeee67387a42259f4a6b1a42257065f3d5a"));
	assert_false(runtime_policy_keyring_ignored(p, ".ima", 4));
	assert_null(runtime_policy_matcher_new(p)); /* no excludes */
	assert_false(runtime_policy_excluded(p, NULL, "/usr/bin/dd", 11));
	runtime_policy_free(p);
	free(text);
}

/* runtime-policy-test.json lists boot_aggregate as "sha256:<hex>": kept (it
 * shows in "expected") but it can never match, as upstream. */
static void test_prefixed_digest_kept_but_unmatchable(void **state)
{
	size_t len;
	char *text = read_keylime_file("runtime-policies/runtime-policy-test.json", &len);
	char err[256];
	struct runtime_policy *p = runtime_policy_parse(text, len, NULL, err, sizeof(err));
	const struct runtime_policy_digests *d;
	struct json_object *arr = json_object_new_array();
	const char *first;

	(void)state;
	assert_non_null(p);
	assert_true(runtime_policy_info(p)->n_unmatchable_digests >= 1);
	d = runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "boot_aggregate", 14);
	assert_non_null(d);
	runtime_policy_digests_append_json(p, d, arr);
	assert_true(json_object_array_length(arr) >= 1);
	first = json_object_get_string(json_object_array_get_idx(arr, 0));
	assert_true(strncmp(first, "sha256:", 7) == 0);
	json_object_put(arr);
	runtime_policy_free(p);
	free(text);
}

static void test_all_shared_policies_parse(void **state)
{
	static const char *const files[] = {
		"ima/test_ima_verification/RUNTIME_POLICY_TEST.json",
		"ima/test_ima_verification/RUNTIME_POLICY_WITH_EXCLUDES.json",
		"ima/test_ima_verification/RUNTIME_POLICY_WITH_VERIFICATION_KEYS.json",
		"ima/test_ima_verification/RUNTIME_POLICY_WRONG.json",
		"ima/test_ima_verification/RUNTIME_POLICY_WRONG_WITH_EXCLUDES.json",
		"ima/create-runtime-policy/policy-sha1",
		"ima/create-runtime-policy/policy-sha256",
		"ima/create-runtime-policy/policy-sha384",
		"ima/create-runtime-policy/policy-sha512",
		"ima/create-runtime-policy/policy-sm3_256",
		"ima/create-runtime-policy/policy-unknown",
		"runtime-policies/runtime-policy-test.json",
		"runtime-policies/runtime-policy-test-signed.json",
		"runtime-policies/runtime-policy-test-signed-bad.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = read_keylime_file(files[i], &len);
		char err[256] = "";
		struct runtime_policy *p = runtime_policy_parse(text, len, NULL, err, sizeof(err));

		if (!p)
			fail_msg("%s refused: %s", files[i], err);
		runtime_policy_free(p);
		free(text);
	}
}

/* ---- DSSE ---- */

static struct runtime_policy_keys *shared_key(void)
{
	char path[1024], err[256] = "";
	const char *paths[1] = {path};
	struct runtime_policy_keys *k;

	shared_path("runtime-policies/runtime-policy-pubkey.pub", path, sizeof(path));
	k = runtime_policy_keys_load(paths, 1, err, sizeof(err));
	if (!k)
		fail_msg("key: %s", err);
	assert_int_equal(runtime_policy_keys_count(k), 1);
	return k;
}

static void test_dsse_good_signature_verifies(void **state)
{
	struct runtime_policy_keys *k = shared_key();
	size_t len;
	char *text = read_keylime_file("runtime-policies/runtime-policy-test-signed.json", &len);
	char err[256] = "";
	struct runtime_policy *p = runtime_policy_parse(text, len, k, err, sizeof(err));

	(void)state;
	if (!p)
		fail_msg("refused: %s", err);
	assert_true(runtime_policy_info(p)->dsse_envelope);
	assert_true(runtime_policy_info(p)->dsse_verified);
	/* The payload is the same policy as runtime-policy-test.json. */
	assert_non_null(runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "boot_aggregate", 14));
	runtime_policy_free(p);
	runtime_policy_keys_free(k);
	free(text);
}

static void test_dsse_bad_signature_refused(void **state)
{
	struct runtime_policy_keys *k = shared_key();
	size_t len;
	char *text = read_keylime_file("runtime-policies/runtime-policy-test-signed-bad.json", &len);
	char err[256] = "";
	struct runtime_policy *p = runtime_policy_parse(text, len, k, err, sizeof(err));

	(void)state;
	assert_null(p);
	assert_non_null(strstr(err, "signature does not verify with any of the 1 configured "
				    "policy-signing keys"));
	runtime_policy_keys_free(k);
	free(text);
}

/* Flipping one byte of the payload type or payload breaks the good signature:
 * the PAE binds both. */
static void test_dsse_pae_binds_type_and_payload(void **state)
{
	struct runtime_policy_keys *k = shared_key();
	size_t len;
	char *text = read_keylime_file("runtime-policies/runtime-policy-test-signed.json", &len);
	char *moved = strstr(text, "application/vnd.keylime+json");
	char err[256];
	struct runtime_policy *p;

	(void)state;
	assert_non_null(moved);
	moved[0] = 'A';
	p = runtime_policy_parse(text, len, k, err, sizeof(err));
	assert_null(p);
	moved[0] = 'a';
	moved = strstr(text, "\"payload\": \"");
	assert_non_null(moved);
	moved += 12;
	moved[1] = moved[1] == 'J' ? 'K' : 'J'; /* a different, still base64 payload */
	p = runtime_policy_parse(text, len, k, err, sizeof(err));
	assert_null(p);
	runtime_policy_keys_free(k);
	free(text);
}

/* Without configured keys both envelopes are unwrapped unverified (upstream). */
static void test_dsse_unverified_without_keys(void **state)
{
	static const char *const files[] = {"runtime-policies/runtime-policy-test-signed.json",
					    "runtime-policies/runtime-policy-test-signed-bad.json"};

	(void)state;
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *text = read_keylime_file(files[i], &len);
		char err[256] = "";
		struct runtime_policy *p = runtime_policy_parse(text, len, NULL, err, sizeof(err));

		if (!p)
			fail_msg("%s refused: %s", files[i], err);
		assert_true(runtime_policy_info(p)->dsse_envelope);
		assert_false(runtime_policy_info(p)->dsse_verified);
		assert_non_null(runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "boot_aggregate", 14));
		runtime_policy_free(p);
		free(text);
	}
}

static void test_dsse_required_when_keys_configured(void **state)
{
	struct runtime_policy_keys *k = shared_key();
	size_t len;
	char *text = read_keylime_file("runtime-policies/runtime-policy-test.json", &len);
	char err[256] = "";

	(void)state;
	assert_null(runtime_policy_parse(text, len, k, err, sizeof(err)));
	assert_non_null(strstr(err, "not a DSSE envelope"));
	assert_null(runtime_policy_parse("{\"payload\": 5}", 14, NULL, err, sizeof(err)));
	assert_null(runtime_policy_parse("{\"payload\": \"!!\"}", 17, NULL, err, sizeof(err)));
	/* A payload that is not a JSON object. */
	assert_null(runtime_policy_parse("{\"payload\": \"WzFd\"}", 19, NULL, err, sizeof(err)));
	runtime_policy_keys_free(k);
	free(text);
}

/* An RSA-2048 key signs an envelope built here; any of several keys may verify. */
static void test_dsse_rsa_key_and_key_sets(void **state)
{
	const char *payload = MINIMAL_HEAD "\"digests\": {\"/a\": [\"00\"]}}";
	const char *type = "application/vnd.keylime+json";
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char pae[512], b64_payload[512], b64_sig[1024], envelope[2048], err[256] = "";
	uint8_t sig[512];
	size_t sig_len = sizeof(sig);
	int pae_len = snprintf(pae, sizeof(pae), "DSSEv1 %zu %s %zu %s", strlen(type), type,
			       strlen(payload), payload);
	char *pems[2] = {0};
	struct runtime_policy_keys *keys;
	struct runtime_policy *p;

	(void)state;
	assert_non_null(rsa);
	assert_non_null(ec);
	assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, rsa, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (uint8_t *)pae, (size_t)pae_len), 1);
	b64_encode(B64_STD, (const uint8_t *)payload, strlen(payload), b64_payload,
		   sizeof(b64_payload));
	b64_encode(B64_STD, sig, sig_len, b64_sig, sizeof(b64_sig));
	snprintf(envelope, sizeof(envelope),
		 "{\"payload\": \"%s\", \"payloadType\": \"%s\", \"signatures\": "
		 "[{\"keyid\": \"x\", \"sig\": \"AAAA\"}, {\"keyid\": \"y\", \"sig\": \"%s\"}]}",
		 b64_payload, type, b64_sig);

	for (int i = 0; i < 2; i++) {
		BIO *bio = BIO_new(BIO_s_mem());
		char *data;
		long n;

		PEM_write_bio_PUBKEY(bio, i == 0 ? ec : rsa);
		n = BIO_get_mem_data(bio, &data);
		pems[i] = strndup(data, (size_t)n);
		BIO_free(bio);
	}
	/* EC P-384 first: it does not verify, the RSA key does. */
	keys = runtime_policy_keys_from_pem((const char *const *)pems, 2, err, sizeof(err));
	if (!keys)
		fail_msg("%s", err);
	p = runtime_policy_parse(envelope, strlen(envelope), keys, err, sizeof(err));
	if (!p)
		fail_msg("refused: %s", err);
	assert_true(runtime_policy_info(p)->dsse_verified);
	assert_true(policy_allows(p, RUNTIME_POLICY_DIGESTS, "/a", "00"));
	runtime_policy_free(p);
	runtime_policy_keys_free(keys);

	/* Only the EC key: refused, and the count is in the reason. */
	keys = runtime_policy_keys_from_pem((const char *const *)pems, 1, err, sizeof(err));
	assert_non_null(keys);
	assert_null(runtime_policy_parse(envelope, strlen(envelope), keys, err, sizeof(err)));
	assert_non_null(strstr(err, "any of the 1 configured"));
	runtime_policy_keys_free(keys);

	free(pems[0]);
	free(pems[1]);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void test_signing_keys_refused(void **state)
{
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *k256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	EVP_PKEY *all[3] = {small, ed, k256};
	char err[256] = "";
	const char *missing[1] = {"/nonexistent/key.pem"};
	const char *junk[1] = {"not a pem"};

	(void)state;
	for (int i = 0; i < 3; i++) {
		BIO *bio = BIO_new(BIO_s_mem());
		char *data, *pem;
		long n;

		assert_non_null(all[i]);
		PEM_write_bio_PUBKEY(bio, all[i]);
		n = BIO_get_mem_data(bio, &data);
		pem = strndup(data, (size_t)n);
		assert_null(runtime_policy_keys_from_pem((const char *const *)&pem, 1, err, sizeof(err)));
		free(pem);
		BIO_free(bio);
		EVP_PKEY_free(all[i]);
	}
	assert_null(runtime_policy_keys_load(missing, 1, err, sizeof(err)));
	assert_null(runtime_policy_keys_from_pem(junk, 1, err, sizeof(err)));
	assert_null(runtime_policy_keys_from_pem(junk, 0, err, sizeof(err)));
}

/* ---- strictness and defaults ---- */

static void test_refused_shapes(void **state)
{
	(void)state;
	assert_refused("", "not valid JSON");
	assert_refused("{bad", "not valid JSON");
	assert_refused("[]", "not a JSON object");
	assert_refused("\"x\"", NULL);
	assert_refused("null", NULL);
	assert_refused(MINIMAL_HEAD "\"digests\": {}} x", "not valid JSON");
	assert_refused(MINIMAL_HEAD "\"digests\": {},}", "not valid JSON"); /* strict JSON */
	assert_refused("{\"digests\": {}}", "meta");
	assert_refused("{\"meta\": {}, \"digests\": {}}", "meta.version");
	assert_refused("{\"meta\": {\"version\": 2}}", "only version 1");
	assert_refused("{\"meta\": {\"version\": \"1\"}}", "only version 1");
	assert_refused("{\"meta\": [1]}", "meta");
	assert_refused(MINIMAL_HEAD "\"digests\": []}", "\"digests\" is not an object");
	assert_refused(MINIMAL_HEAD "\"digests\": {\"/a\": \"00\"}}", "not a list");
	assert_refused(MINIMAL_HEAD "\"digests\": {\"/a\": [0]}}", "non-string");
	assert_refused(MINIMAL_HEAD "\"keyrings\": {\".ima\": [null]}}", "non-string");
	assert_refused(MINIMAL_HEAD "\"ima-buf\": {\"x\": {}}}", "not a list");
	assert_refused(MINIMAL_HEAD "\"excludes\": \"/tmp\"}", "not a list");
	assert_refused(MINIMAL_HEAD "\"excludes\": [1]}", "non-string");
	assert_refused(MINIMAL_HEAD "\"ima\": []}", "\"ima\" is not an object");
	assert_refused(MINIMAL_HEAD "\"ima\": {\"log_hash_alg\": 1, \"dm_policy\": null}}",
		       "log_hash_alg");
	assert_refused(MINIMAL_HEAD "\"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": {}}}",
		       "not supported");
	assert_refused(MINIMAL_HEAD IMA_WITH("\"ignored_keyrings\": \"*\"") "}", "not a list");
	assert_refused(MINIMAL_HEAD IMA_WITH("\"ignored_keyrings\": [1]") "}", "non-string");
	assert_refused("{\"meta\": {\"version\": 1}, \"x\": \"\xff\"}", "not valid JSON"); /* UTF-8 */
}

/* Issue 12 item 5: the keys Keylime's schema requires and its verifier
 * reads (upstream fails a request whose policy lacks them; teev used to
 * fill in defaults). */
static void test_required_keys(void **state)
{
	static const char *const ima = "\"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": null}";
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "{\"meta\": {\"version\": 1}, \"excludes\": [], %s}", ima);
	assert_refused(text, "runtime policy has no \"digests\"");
	snprintf(text, sizeof(text), "{\"meta\": {\"version\": 1}, \"digests\": {}, %s}", ima);
	assert_refused(text, "runtime policy has no \"excludes\"");
	assert_refused("{\"meta\": {\"version\": 1}, \"digests\": {}, \"excludes\": []}",
		       "runtime policy has no \"ima\"");
	assert_refused(MINIMAL_HEAD "\"ima\": {\"dm_policy\": null}}",
		       "runtime policy has no \"ima.log_hash_alg\"");
	assert_refused(MINIMAL_HEAD "\"ima\": {\"log_hash_alg\": \"sha256\"}}",
		       "runtime policy has no \"ima.dm_policy\"");
	assert_refused(MINIMAL_HEAD "\"digests\": null}", "\"digests\" is not an object");
	assert_refused(MINIMAL_HEAD "\"excludes\": null}", "\"excludes\" is not a list");
	assert_refused(MINIMAL_HEAD "\"ima\": null}", "\"ima\" is not an object");
	/* A DSSE payload is held to the same schema. */
	/* The payload is {"meta": {"version": 1}}. */
	assert_refused("{\"payload\": \"eyJtZXRhIjogeyJ2ZXJzaW9uIjogMX19\"}",
		       "runtime policy has no \"digests\"");
	/* What upstream's one-shot verifier reads with defaults stays optional. */
	snprintf(text, sizeof(text),
		 "{\"meta\": {\"version\": 1}, \"digests\": {}, \"excludes\": [], "
		 "\"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": null}}");
	runtime_policy_free(must_parse(text));
}

static void test_defaults_and_unknown_keys(void **state)
{
	struct runtime_policy *p;
	const struct runtime_policy_info *info;

	(void)state;
	/* Unknown top-level keys are fine. */
	p = must_parse(MINIMAL_HEAD "\"future\": {\"x\": 1}, \"release\": 7, \"verification-keys\": 5}");
	info = runtime_policy_info(p);
	assert_int_equal(info->log_hash_alg, TPM_ALG_SHA1);
	assert_false(info->log_hash_alg_defaulted);
	assert_int_equal(info->n_digest_paths, 0);
	assert_null(runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "/a", 2));
	runtime_policy_free(p);

	p = must_parse(MINIMAL_HEAD "\"ima\": {\"log_hash_alg\": \"sha512\", \"dm_policy\": null}}");
	assert_int_equal(runtime_policy_info(p)->log_hash_alg, TPM_ALG_SHA512);
	assert_false(runtime_policy_info(p)->log_hash_alg_defaulted);
	runtime_policy_free(p);

	p = must_parse(MINIMAL_HEAD "\"ima\": {\"log_hash_alg\": \"sm3_256\", \"dm_policy\": null}}");
	assert_int_equal(runtime_policy_info(p)->log_hash_alg, TPM_ALG_SM3_256);
	runtime_policy_free(p);

	/* Unknown or upper-case names fall back to sha1, as upstream. */
	p = must_parse(MINIMAL_HEAD "\"ima\": {\"log_hash_alg\": \"SHA256\", \"dm_policy\": null}}");
	assert_int_equal(runtime_policy_info(p)->log_hash_alg, TPM_ALG_SHA1);
	assert_true(runtime_policy_info(p)->log_hash_alg_defaulted);
	runtime_policy_free(p);
}

/* Keylime compares hex strings exactly: only lower-case hex can match. */
static void test_digest_string_matching(void **state)
{
	struct runtime_policy *p = must_parse(
		MINIMAL_HEAD "\"digests\": {\"/a\": [\"ABCD\", \"abcd\", \"abc\", \"\", \"zz\"], "
			     "\"/b\": [\"ABCD\"], \"/b\": [\"0102\"]}}");
	const struct runtime_policy_digests *d = runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "/a", 2);
	struct json_object *arr = json_object_new_array();
	static const uint8_t abcd[2] = {0xab, 0xcd}, x0102[2] = {1, 2};

	(void)state;
	assert_true(runtime_policy_digests_contain(p, d, abcd, 2));
	assert_true(runtime_policy_digests_contain(p, d, abcd, 0)); /* "" is the empty digest */
	assert_false(runtime_policy_digests_contain(p, d, abcd, 1));
	assert_int_equal(runtime_policy_info(p)->n_unmatchable_digests, 3); /* json-c drops the first "/b" */
	runtime_policy_digests_append_json(p, d, arr);
	assert_string_equal(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN),
			    "[\"ABCD\",\"abcd\",\"abc\",\"\",\"zz\"]");
	/* A repeated key keeps the last list, like Python's json module. */
	d = runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "/b", 2);
	assert_true(runtime_policy_digests_contain(p, d, x0102, 2));
	assert_false(runtime_policy_digests_contain(p, d, abcd, 2));
	json_object_put(arr);
	runtime_policy_free(p);
}

/* ---- excludes ---- */

static void test_excludes_match_at_start_only(void **state)
{
	struct runtime_policy *p = must_parse(
		MINIMAL_HEAD "\"excludes\": [\"/tmp/\", \"boot_aggregate\", \".*\\\\.pyc$\", \"bin\"]}");

	(void)state;
	assert_int_equal(runtime_policy_info(p)->n_excludes, 4);
	assert_false(runtime_policy_info(p)->excludes_ignored);
	assert_true(excluded(p, "/tmp/x", 6));
	assert_true(excluded(p, "boot_aggregate", 14));
	assert_true(excluded(p, "boot_aggregate_more", 19)); /* re.match: prefix */
	assert_true(excluded(p, "/usr/lib/a.pyc", 14));
	assert_false(excluded(p, "/usr/lib/a.pyc2", 15));
	assert_false(excluded(p, "/usr/bin/ls", 11)); /* "bin" only at the start */
	assert_true(excluded(p, "bin/ls", 6));
	assert_false(excluded(p, "x/tmp/", 6));
	assert_false(excluded(p, "", 0));
	/* Not UTF-8: matched as bytes, no error. */
	assert_true(excluded(p, "/tmp/\xff\xfe", 7));
	assert_false(excluded(p, "\xff/tmp/", 7));
	runtime_policy_free(p);

	/* The joined form "(a)|(b)": alternation inside one item stays local. */
	p = must_parse(MINIMAL_HEAD "\"excludes\": [\"a|b\", \"^/c\"]}");
	assert_true(excluded(p, "b", 1));
	assert_true(excluded(p, "/c", 2));
	assert_false(excluded(p, "xb", 2));
	runtime_policy_free(p);

	/* An empty pattern matches everything, as in Python. */
	p = must_parse(MINIMAL_HEAD "\"excludes\": [\"\"]}");
	assert_true(excluded(p, "/anything", 9));
	runtime_policy_free(p);

	/* Python's Unicode classes: \\w matches a non-ASCII letter. */
	p = must_parse(MINIMAL_HEAD "\"excludes\": [\"/\\\\w+$\"]}");
	assert_true(excluded(p, "/\xc3\xa9t\xc3\xa9", 6));
	runtime_policy_free(p);
}

static void test_invalid_excludes_ignored(void **state)
{
	struct runtime_policy *p = must_parse(MINIMAL_HEAD "\"excludes\": [\"(unclosed\", \"/tmp\"]}");
	const struct runtime_policy_info *info = runtime_policy_info(p);

	(void)state;
	assert_true(info->excludes_ignored);
	assert_true(info->excludes_error[0] != 0);
	assert_null(runtime_policy_matcher_new(p));
	assert_false(excluded(p, "/tmp/x", 6));
	runtime_policy_free(p);

	/* "a)|(b" is broken alone but valid once joined: upstream compiles it. */
	p = must_parse(MINIMAL_HEAD "\"excludes\": [\"a)|(b\"]}");
	assert_false(runtime_policy_info(p)->excludes_ignored);
	assert_true(excluded(p, "b", 1));
	runtime_policy_free(p);
}

/* A policy whose excludes are `n` of fmt (one %d: the index) with the
 * given excludes spliced in at their indexes (NULL-terminated pairs). */
static char *many_excludes(size_t n, const char *fmt, const char *const *at_index)
{
	size_t cap = 256 + n * (strlen(fmt) + 16), w;
	char *text = malloc(cap);

	assert_non_null(text);
	w = (size_t)snprintf(text, cap, MINIMAL_HEAD "\"excludes\": [");
	for (size_t i = 0; i < n; i++) {
		const char *own = NULL;

		for (size_t k = 0; at_index && at_index[k]; k += 2)
			if ((size_t)atoi(at_index[k]) == i)
				own = at_index[k + 1];
		if (i)
			w += (size_t)snprintf(text + w, cap - w, ", ");
		w += (size_t)snprintf(text + w, cap - w, "\"");
		if (own)
			w += (size_t)snprintf(text + w, cap - w, "%s", own);
		else
			w += (size_t)snprintf(text + w, cap - w, fmt, (int)i);
		w += (size_t)snprintf(text + w, cap - w, "\"");
		assert_true(w < cap);
	}
	snprintf(text + w, cap - w, "]}");
	return text;
}

/* Debian's PCRE2 (link size 2) cannot hold more than about 1,500 excludes
 * in one program; Python's re takes any number. A large list is compiled
 * in groups with the same meaning (found by make compat: teev ignored the
 * whole list). */
static void test_large_excludes(void **state)
{
	/* Pairs that only read as regexes joined ("(p50()|()q50)"): a group
	 * never ends between them. */
	static const char *const pairs[] = {
		"50", "p50(", "51", ")q50", "700", "p700(", "701", ")q700",
		"1499", "p1499(", "1500", ")q1499", "2999", "(?P<last>/last)", NULL};
	char *text = many_excludes(3000, "/var/lib/app%d/cache/.*", pairs);
	struct runtime_policy *p = must_parse(text);
	const struct runtime_policy_info *info = runtime_policy_info(p);
	char path[64];

	(void)state;
	assert_false(info->excludes_ignored);
	assert_int_equal(info->n_excludes, 3000);
	assert_true(info->n_exclude_programs > 1);
	for (int i = 0; i < 3000; i += 7) {
		bool paired = i == 50 || i == 51 || i == 700 || i == 701 || i == 1499 ||
			      i == 1500 || i == 2999;

		snprintf(path, sizeof(path), "/var/lib/app%d/cache/x", i);
		if (excluded(p, path, strlen(path)) == paired)
			fail_msg("%s: excluded %d", path, !paired);
	}
	assert_true(excluded(p, "/var/lib/app2998/cache/x", 24));
	assert_false(excluded(p, "/var/lib/app3000/cache/x", 24));
	assert_false(excluded(p, "/var/lib/app12", 14));
	assert_false(excluded(p, "/usr/bin/ls", 11));
	assert_true(excluded(p, "p50", 3));
	assert_true(excluded(p, "q50", 3));
	assert_true(excluded(p, "p1499x", 6));
	assert_true(excluded(p, "q1499", 5));
	assert_true(excluded(p, "/last/x", 7));
	runtime_policy_free(p);
	free(text);

	/* A regex error anywhere still ignores the whole list, as upstream. */
	static const char *const unclosed[] = {"2500", "(unclosed", NULL};
	text = many_excludes(3000, "/var/lib/app%d/cache/.*", unclosed);
	p = must_parse(text);
	assert_true(runtime_policy_info(p)->excludes_ignored);
	assert_non_null(strstr(runtime_policy_info(p)->excludes_error, "missing closing"));
	assert_null(runtime_policy_matcher_new(p));
	runtime_policy_free(p);
	free(text);

	/* More groups than one PCRE2 program may hold (65535), and a name
	 * used twice: Python refuses the joined list, so it is ignored. */
	static const char *const twice[] = {"3", "(?P<n>a)", "69990", "(?P<n>b)", NULL};
	text = many_excludes(70000, "a%d", twice);
	p = must_parse(text);
	assert_true(runtime_policy_info(p)->excludes_ignored);
	assert_non_null(strstr(runtime_policy_info(p)->excludes_error, "\"n\" is used twice"));
	runtime_policy_free(p);
	free(text);
	text = many_excludes(70000, "a%d", NULL);
	p = must_parse(text);
	assert_false(runtime_policy_info(p)->excludes_ignored);
	assert_true(excluded(p, "a69999", 6));
	assert_true(excluded(p, "a0", 2));
	assert_false(excluded(p, "b", 1));
	runtime_policy_free(p);
	free(text);

	/* One exclude too large for any PCRE2 program: refused, not ignored. */
	assert_refused(MINIMAL_HEAD "\"excludes\": [\"/x\", \"(?:ab|cd){30000}\"]}",
		       "\"excludes\"[1] is too large for one PCRE2 program");
}

/* Issue 12 item 4d: an exclude that PCRE2 and Python's re read differently
 * is refused when the policy is loaded, naming it; the common ground stays. */
static void test_excludes_dialect(void **state)
{
	static const struct {
		const char *exclude, *reason;
	} refused[] = {
		/* A POSIX class to PCRE2; "[:alph" and "]" to Python, so upstream
		 * appraises /var/log/evil.log while PCRE2 would exclude it. */
		{"/var/log/[[:alpha:]]+\\\\.log", "POSIX class"},
		/* Compiles in PCRE2, an error to Python: upstream then ignores
		 * every exclude. */
		{"\\\\Q/opt\\\\E.*", "\\Q...\\E"},
		{"/tmp/\\\\K.*", "\\K"},
		{"(*UTF)/tmp/.*", "(*...)"},
		{"/tmp/.*+", "possessive"},
		{"/tmp/(?>a+)", "atomic"},
		{"(?<n>/tmp)/.*", "(?<name>"},
		{"/a/(?1)", "(?1"},
		{"(?i)/tmp/.*", "(?i)"},
		{"(?i:/tmp/.*)", "(?i)"},
		{"(?m)/tmp", "must open a group"},
		{"/tmp/\\\\s", "\\s"},
		{"/tmp/\\\\v", "\\v"},
		{"/tmp/\\\\h", "\\h"},
		{"/tmp/\\\\R", "\\R"},
		{"/tmp/\\\\X", "\\X"},
		{"/tmp/\\\\x{41}", "\\x"},
		{"/tmp/\\\\u0041", "\\u"},
		{"/tmp/a{,3}", "{,n}"},
		{"/tmp/a{70000}", "65535"},
		{"(a)\\\\1", "backreferences"},
		{"(?<=/a|/bc)x", "lookbehind"},
		{"?", "(?)"}, /* joined, "(?)" is a PCRE2 group, an error to Python */
	};
	static const char *const kept[] = {
		"/proc/.*", "/sys/.*", "/tmp/.*", "boot_aggregate", ".*\\\\.pyc$",
		"/usr/lib/python3\\\\.[0-9]+/.*", "/var/(lib|log)/.*", "/etc/(?:mtab|ld\\\\.so\\\\.cache)$",
		"/dev/shm/[^/]+", "/run/user/\\\\d+/.*", "(?s:.*)", "/a[]b]", "(?P<n>x)y",
		"(?<=/x)y", "a{2,3}?", "\\\\x41\\\\.\\\\0", "[\\\\w.-]+", "a{ 2}",
	};
	char text[1024], err[400];

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct runtime_policy *p;
		char expect[160];

		snprintf(text, sizeof(text), MINIMAL_HEAD "\"excludes\": [\"/ok/.*\", \"%s\"]}",
			 refused[i].exclude);
		err[0] = 0;
		p = parse_text(text, err, sizeof(err));
		if (p) {
			runtime_policy_free(p);
			fail_msg("accepted exclude %s", refused[i].exclude);
		}
		snprintf(expect, sizeof(expect), "\"excludes\"[1] \"");
		if (!strstr(err, expect) || !strstr(err, "PCRE2 and Python's re") ||
		    !strstr(err, refused[i].reason))
			fail_msg("exclude %s: reason \"%s\" lacks [1] or \"%s\"", refused[i].exclude,
				 err, refused[i].reason);
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		struct runtime_policy *p;

		snprintf(text, sizeof(text), MINIMAL_HEAD "\"excludes\": [\"%s\"]}", kept[i]);
		p = must_parse(text);
		assert_false(runtime_policy_info(p)->excludes_ignored);
		runtime_policy_free(p);
	}
}

/* A pathological regex against a long path hits the match limit: not excluded. */
static void test_excludes_backtracking_bounded(void **state)
{
	struct runtime_policy *p = must_parse(MINIMAL_HEAD "\"excludes\": [\"(a+)+$\"]}");
	char path[4096];
	double t0;

	(void)state;
	memset(path, 'a', sizeof(path));
	path[sizeof(path) - 1] = '!';
	t0 = test_now_seconds();
	assert_false(excluded(p, path, sizeof(path)));
	assert_true(test_now_seconds() - t0 < 2.0 * test_slowdown());
	runtime_policy_free(p);
}

static void test_ignored_keyrings(void **state)
{
	struct runtime_policy *p =
		must_parse(MINIMAL_HEAD IMA_WITH("\"ignored_keyrings\": [\".ima\", \"_evm\"]") "}");

	(void)state;
	assert_true(runtime_policy_keyring_ignored(p, ".ima", 4));
	assert_true(runtime_policy_keyring_ignored(p, "_evm", 4));
	assert_false(runtime_policy_keyring_ignored(p, ".im", 3));
	assert_false(runtime_policy_keyring_ignored(p, ".builtin_trusted_keys", 21));
	runtime_policy_free(p);

	p = must_parse(MINIMAL_HEAD IMA_WITH("\"ignored_keyrings\": [\"*\"]") "}");
	assert_true(runtime_policy_keyring_ignored(p, ".anything", 9));
	runtime_policy_free(p);
	assert_false(runtime_policy_keyring_ignored(NULL, ".ima", 4));
}

/* ---- size ---- */

/* Over 20 MiB: 100,000 paths with two sha256 digests each. */
static void test_large_policy_parses_fast(void **state)
{
	const size_t n = 100000;
	size_t cap = 24u << 20, len = 0;
	char *text = malloc(cap), err[256] = "";
	struct runtime_policy *p;
	double t0, elapsed;
	char probe[128], hex[65];

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, MINIMAL_HEAD "\"digests\": {");
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(text + len, cap - len,
					"%s\"/usr/lib/x86_64-linux-gnu/generated/subdir-of-libraries/library-%06zu.so.1\": "
					"[\"%064zx\", \"%064zx\"]",
					i ? ", " : "", i, i, i + n);
	}
	len += (size_t)snprintf(text + len, cap - len,
				"}, \"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": null}}");
	assert_true(len > (20u << 20));

	t0 = test_now_seconds();
	p = runtime_policy_parse(text, len, NULL, err, sizeof(err));
	elapsed = test_now_seconds() - t0;
	if (!p)
		fail_msg("refused: %s", err);
	print_message("    %zu-path policy of %.1f MiB parsed in %.3f s\n", n,
		      (double)len / (1 << 20), elapsed);
	assert_true(elapsed < 1.0 * test_slowdown());
	assert_int_equal(runtime_policy_info(p)->n_digest_paths, n);
	for (size_t i = 0; i < n; i += 9973) {
		snprintf(probe, sizeof(probe),
			 "/usr/lib/x86_64-linux-gnu/generated/subdir-of-libraries/library-%06zu.so.1", i);
		snprintf(hex, sizeof(hex), "%064zx", i + n);
		assert_true(policy_allows(p, RUNTIME_POLICY_DIGESTS, probe, hex));
	}
	assert_null(runtime_policy_lookup(p, RUNTIME_POLICY_DIGESTS, "/usr/lib/none", 13));
	runtime_policy_free(p);
	free(text);
}

static void test_oversized_name_refused(void **state)
{
	size_t n = RUNTIME_POLICY_MAX_NAME + 1;
	char *text = malloc(n + sizeof(MINIMAL_HEAD) + 64), err[256] = "";
	size_t len = (size_t)sprintf(text, MINIMAL_HEAD "\"digests\": {\"");

	(void)state;
	memset(text + len, 'a', n);
	len += n;
	len += (size_t)sprintf(text + len, "\": []}}");
	assert_null(runtime_policy_parse(text, len, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_test_policy),
		cmocka_unit_test(test_prefixed_digest_kept_but_unmatchable),
		cmocka_unit_test(test_all_shared_policies_parse),
		cmocka_unit_test(test_dsse_good_signature_verifies),
		cmocka_unit_test(test_dsse_bad_signature_refused),
		cmocka_unit_test(test_dsse_pae_binds_type_and_payload),
		cmocka_unit_test(test_dsse_unverified_without_keys),
		cmocka_unit_test(test_dsse_required_when_keys_configured),
		cmocka_unit_test(test_dsse_rsa_key_and_key_sets),
		cmocka_unit_test(test_signing_keys_refused),
		cmocka_unit_test(test_refused_shapes),
		cmocka_unit_test(test_required_keys),
		cmocka_unit_test(test_defaults_and_unknown_keys),
		cmocka_unit_test(test_digest_string_matching),
		cmocka_unit_test(test_excludes_match_at_start_only),
		cmocka_unit_test(test_invalid_excludes_ignored),
		cmocka_unit_test(test_large_excludes),
		cmocka_unit_test(test_excludes_dialect),
		cmocka_unit_test(test_excludes_backtracking_bounded),
		cmocka_unit_test(test_ignored_keyrings),
		cmocka_unit_test(test_large_policy_parses_fast),
		cmocka_unit_test(test_oversized_name_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
