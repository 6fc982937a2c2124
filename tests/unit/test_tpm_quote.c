/* test_tpm_quote.c - unit tests for verifier/tpm_quote.c: Keylime's quote
 * check (KEYLIME-TPM.md §4) with its failure ids and contexts.
 *
 * Evidence:
 *  - the real swtpm quote (tpm-quote-swtpm/) and the second real quote
 *    (tpm-quote-unit-test/) with the negative variants upstream's test uses;
 *  - every quote-related case of golden/tpm-cases.json (those without IMA,
 *    measured-boot or runtime-policy fields), compared with upstream's answer
 *    except where upstream is wrong (UPSTREAM_BUG_* / UPSTREAM_WEAKNESS_*);
 *  - quotes forged here with the golden AKs (golden/keys/) and generated
 *    keys on every NIST curve: ECDSA, sha1/sha384/sha512, multi-list PCR
 *    blobs, and structures that lie about their selection or counts;
 *  - every prefix and every single-byte change of the real structures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/tpm_objects.h"
#include "verifier/tpm_quote.h"
#include "tests/support/test_cleanup.h"
#include "tests/support/tpm_forge.h"

#define QV "qoute_validation.quote_validation"
#define IQ "qoute_validation.invalid_quote"
#define IH "qoute_validation.invalid_hash_alg"

/* ---- per-test cleanup (a failed assertion longjmps past a test's frees) ---- */

static void put_json(void *o)
{
	json_object_put(o);
}

static void free_pkey(void *k)
{
	EVP_PKEY_free(k);
}

static void free_failures(void *p)
{
	failures_clear(p);
	free(p);
}

static void *owned_malloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	assert_non_null(p);
	return defer(free, p);
}

static struct failures *new_failures(void)
{
	struct failures *f = malloc(sizeof(*f));

	assert_non_null(f);
	failures_init(f);
	return defer(free_failures, f);
}

/* ---- files and encodings ---- */

/* A Keylime test vector, freed at teardown. */
static uint8_t *read_keylime(const char *rel, size_t *len)
{
	return defer(free, read_keylime_file(rel, len));
}

/* A text file without its trailing newline. */
static const char *read_text(const char *rel)
{
	size_t len;
	char *text = (char *)read_keylime(rel, &len);

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return text;
}

static struct json_object *read_json(const char *rel)
{
	struct json_object *o = json_tokener_parse(read_text(rel));

	if (!o)
		fail_msg("%s is not JSON", rel);
	return defer(put_json, o);
}

static const char *json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		fail_msg("test data lacks \"%s\"", key);
	return json_object_get_string(v);
}

static char *encode_b64(const uint8_t *p, size_t n)
{
	size_t cap = b64_encoded_len(B64_STD, n) + 1;
	char *s = owned_malloc(cap);

	assert_int_equal(b64_encode(B64_STD, p, n, s, cap), cap - 1);
	return s;
}

static uint8_t *decode_b64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *buf = owned_malloc(b64_decoded_max(n));

	if (b64_decode(B64_STD, s, n, buf, b64_decoded_max(n), len) < 0)
		fail_msg("bad base64 in test data: %.40s", s);
	return buf;
}

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(hex), 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* "r" b64(attest) ":" b64(sig) ":" b64(blob) [tail] */
static const char *quote_string(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
				size_t sig_len, const uint8_t *blob, size_t blob_len,
				const char *tail)
{
	const char *a = encode_b64(attest, attest_len);
	const char *s = encode_b64(sig, sig_len);
	const char *b = encode_b64(blob, blob_len);
	size_t n = strlen(a) + strlen(s) + strlen(b) + strlen(tail) + 4;
	char *q = owned_malloc(n);

	snprintf(q, n, "r%s:%s:%s%s", a, s, b, tail);
	return q;
}

/* ---- running the check ---- */

struct run {
	int rc;
	struct failures *f;
	struct tpm_pcr_values *pcrs;
	struct json_object *context; /* of the single failure, or NULL */
};

static struct run verify(const char *quote, size_t quote_len, const char *nonce,
			 const char *hash_alg, const char *ak_b64)
{
	struct tpm_quote_input in = {
		.quote = quote,
		.quote_len = quote_len,
		.nonce = nonce,
		.nonce_len = nonce ? strlen(nonce) : 0,
		.hash_alg = hash_alg,
		.ak_b64 = ak_b64,
		.ak_len = ak_b64 ? strlen(ak_b64) : 0,
	};
	struct run r = {.f = new_failures(), .pcrs = owned_malloc(sizeof(struct tpm_pcr_values))};

	r.rc = tpm_quote_verify(&in, r.pcrs, r.f);
	if (r.rc == 0) {
		if (r.f->count != 0)
			fail_msg("success with %zu failures (first %s)", r.f->count,
				 r.f->items[0].type);
	} else {
		struct json_object *arr;

		assert_int_equal(r.rc, -1);
		if (r.f->count != 1)
			fail_msg("%zu failures instead of exactly one", r.f->count);
		arr = defer(put_json, failures_to_json(r.f));
		r.context = json_object_object_get(json_object_array_get_idx(arr, 0), "context");
		assert_non_null(r.context);
	}
	return r;
}

static struct run verify_str(const char *quote, const char *nonce, const char *hash_alg,
			     const char *ak_b64)
{
	return verify(quote, strlen(quote), nonce, hash_alg, ak_b64);
}

static const char *context_str(const struct run *r, const char *key)
{
	struct json_object *v = json_object_object_get(r->context, key);

	return v ? json_object_get_string(v) : NULL;
}

static void expect_ok(const struct run *r)
{
	if (r->rc != 0)
		fail_msg("expected success, got %s: %s", r->f->items[0].type,
			 json_object_to_json_string(r->context));
}

/* The single failure has this type and, for quote_validation, a non-empty
 * "error" containing want (NULL: any); for the others, a message
 * containing want. */
static void expect_failure(const struct run *r, const char *type, const char *want)
{
	const char *text;

	if (r->rc == 0)
		fail_msg("expected %s (%s), got success", type, want ? want : "");
	if (strcmp(r->f->items[0].type, type) != 0)
		fail_msg("expected %s, got %s: %s", type, r->f->items[0].type,
			 json_object_to_json_string(r->context));
	if (strcmp(type, QV) == 0) {
		assert_string_equal(context_str(r, "message"), "Quote data validation");
		text = context_str(r, "error");
		assert_non_null(text);
		assert_true(text[0] != '\0');
	} else {
		text = context_str(r, "message");
		assert_non_null(text);
	}
	if (want && !strstr(text, want))
		fail_msg("%s: \"%s\" does not contain \"%s\"", type, text, want);
}

/* ---- the real swtpm quote ---- */

struct real_quote {
	const uint8_t *attest, *sig, *blob, *ak;
	size_t attest_len, sig_len, blob_len, ak_len;
	const char *quote, *nonce, *ak_b64;
	const char *hash_alg;
};

static struct real_quote swtpm_quote(void)
{
	struct real_quote q;
	size_t rand_len;
	const uint8_t *rand = read_keylime("tpm-quote-swtpm/rand.out", &rand_len);

	q.attest = read_keylime("tpm-quote-swtpm/quote.out", &q.attest_len);
	q.sig = read_keylime("tpm-quote-swtpm/quotesig.out", &q.sig_len);
	q.blob = read_keylime("tpm-quote-swtpm/quotepcr.out", &q.blob_len);
	q.ak = read_keylime("tpm-quote-swtpm/ak.pub", &q.ak_len);
	q.quote = quote_string(q.attest, q.attest_len, q.sig, q.sig_len, q.blob, q.blob_len, "");
	q.nonce = encode_b64(rand, rand_len);
	q.ak_b64 = encode_b64(q.ak, q.ak_len);
	q.hash_alg = "sha256";
	return q;
}

static struct real_quote unit_test_quote(void)
{
	struct json_object *j = read_json("tpm-quote-unit-test/tpm_util_test-quote.json");
	struct real_quote q;

	q.attest = decode_b64(json_str(j, "quoteblob_b64"), &q.attest_len);
	q.sig = decode_b64(json_str(j, "sigblob_b64"), &q.sig_len);
	q.blob = decode_b64(json_str(j, "pcrblob_b64"), &q.blob_len);
	q.ak_b64 = json_str(j, "ak_tpm2b_public_b64_synthesized_from_pem");
	q.ak = decode_b64(q.ak_b64, &q.ak_len);
	q.quote = json_str(j, "quote");
	q.nonce = json_str(j, "nonce");
	q.hash_alg = json_str(j, "hash_alg");
	/* The JSON's quote string is the three blobs joined as §4 says. */
	assert_string_equal(q.quote, quote_string(q.attest, q.attest_len, q.sig, q.sig_len,
						  q.blob, q.blob_len, ""));
	return q;
}

static void test_swtpm_quote(void **state)
{
	struct real_quote q = swtpm_quote();
	struct run r = verify_str(q.quote, q.nonce, "sha256", q.ak_b64);
	uint8_t pcr16[32];
	(void)state;

	assert_string_equal(q.nonce, "2x2ymNttYOY4W3IxdD6cMFahgAM=");
	expect_ok(&r);
	assert_int_equal(r.pcrs->bank, TPM_ALG_SHA256);
	assert_int_equal(r.pcrs->digest_size, 32);
	assert_int_equal(r.pcrs->quoted, (1u << 15) | (1u << 16) | (1u << 22));
	assert_true(bytes_all_zero(r.pcrs->value[15], 32));
	hex_to_bytes("9dbb22387e019c04da95477333546082ce313152c4a7f8a6e1d5f0c77f4fb6f0", pcr16, 32);
	assert_memory_equal(r.pcrs->value[16], pcr16, 32);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(r.pcrs->value[22][i], 0xff);
	assert_int_equal(r.pcrs->clock, 5994);
	assert_int_equal(r.pcrs->reset_count, 0);
	assert_int_equal(r.pcrs->restart_count, 0);
	assert_int_equal(r.pcrs->safe, 1);

	/* The hex form of the same nonce is not accepted (golden case
	 * real_quote_test_data_files_nonce_as_hex_fails). */
	r = verify_str(q.quote, "db1db298db6d60e6385b7231743e9c3056a18003", "sha256", q.ak_b64);
	expect_failure(&r, QV, "The nonce from the attestation differs from the expected nonce");

	/* Tokens after the third are ignored, as upstream. */
	r = verify_str(quote_string(q.attest, q.attest_len, q.sig, q.sig_len, q.blob,
				    q.blob_len, ":extra:tokens"),
		       q.nonce, "sha256", q.ak_b64);
	expect_ok(&r);

	/* Another hash_alg than the signature's. */
	r = verify_str(q.quote, q.nonce, "sha1", q.ak_b64);
	expect_failure(&r, QV, "Quote was expected to use sha1 but used sha256 instead");
	r = verify_str(q.quote, q.nonce, "sha384", q.ak_b64);
	expect_failure(&r, QV, "Quote was expected to use sha384 but used sha256 instead");
	/* sm3_256 is recognised in step 1 and fails in step 4, as upstream. */
	r = verify_str(q.quote, q.nonce, "sm3_256", q.ak_b64);
	expect_failure(&r, QV, "Quote was expected to use sm3_256 but used sha256 instead");
}

/* upstream's test_checkquote and its negative variants */
static void test_unit_test_quote(void **state)
{
	struct json_object *j = read_json("tpm-quote-unit-test/tpm_util_test-quote.json");
	struct json_object *clock = json_object_object_get(j, "expected_clock_info");
	struct real_quote q = unit_test_quote();
	uint8_t *copy, want[32];
	char *nonce;
	struct run r;
	(void)state;

	r = verify_str(q.quote, q.nonce, q.hash_alg, q.ak_b64);
	expect_ok(&r);
	assert_int_equal(r.pcrs->quoted, 1u << 16);
	hex_to_bytes(json_str(json_object_object_get(j, "expected_pcrs_sha256"), "16"), want, 32);
	assert_memory_equal(r.pcrs->value[16], want, 32);
	assert_int_equal(r.pcrs->clock, json_object_get_int64(json_object_object_get(clock, "clock")));
	assert_int_equal(r.pcrs->reset_count,
			 json_object_get_int(json_object_object_get(clock, "resetCount")));
	assert_int_equal(r.pcrs->restart_count,
			 json_object_get_int(json_object_object_get(clock, "restartCount")));
	assert_int_equal(r.pcrs->safe, json_object_get_int(json_object_object_get(clock, "safe")));

	/* flipping byte 5 of quoteblob -> signature fails */
	copy = owned_malloc(q.attest_len);
	memcpy(copy, q.attest, q.attest_len);
	copy[5] ^= 0xff;
	r = verify_str(quote_string(copy, q.attest_len, q.sig, q.sig_len, q.blob, q.blob_len, ""),
		       q.nonce, q.hash_alg, q.ak_b64);
	expect_failure(&r, QV, "signature");

	/* changing first nonce char -> nonce mismatch */
	nonce = owned_malloc(strlen(q.nonce) + 1);
	strcpy(nonce, q.nonce);
	nonce[0] = nonce[0] == 'A' ? 'B' : 'A';
	r = verify_str(q.quote, nonce, q.hash_alg, q.ak_b64);
	expect_failure(&r, QV, "The nonce from the attestation differs from the expected nonce");

	/* flipping byte 5 of pcrblob -> error */
	copy = owned_malloc(q.blob_len);
	memcpy(copy, q.blob, q.blob_len);
	copy[5] ^= 0xff;
	r = verify_str(quote_string(q.attest, q.attest_len, q.sig, q.sig_len, copy, q.blob_len, ""),
		       q.nonce, q.hash_alg, q.ak_b64);
	expect_failure(&r, QV, NULL);

	/* exp hash sha1 -> error */
	r = verify_str(q.quote, q.nonce, "sha1", q.ak_b64);
	expect_failure(&r, QV, "Quote was expected to use sha1 but used sha256 instead");
}

/* ---- golden cases ---- */

/* The golden answer blames the tpm_policy (not the quote) when the policy
 * is not a JSON object whose keys, "mask" aside, are integers. */
static bool policy_is_bad(struct json_object *data)
{
	struct json_object *policy_text, *policy;
	bool bad = false;

	if (!json_object_object_get_ex(data, "tpm_policy", &policy_text))
		return false;
	policy = json_tokener_parse(json_object_get_string(policy_text));
	if (!policy || !json_object_is_type(policy, json_type_object)) {
		json_object_put(policy);
		return true;
	}
	json_object_object_foreach(policy, key, value)
	{
		char *end;
		(void)value;
		if (strcmp(key, "mask") == 0)
			continue;
		strtol(key, &end, 10);
		if (end == key || *end != '\0')
			bad = true;
	}
	json_object_put(policy);
	return bad;
}

/* On a golden success, every quoted PCR named by the policy has an allowed
 * value: the values reported are the ones upstream compared. */
static void check_policy_values(const char *name, struct json_object *data,
				const struct tpm_pcr_values *pcrs)
{
	struct json_object *policy_text, *policy;

	if (!json_object_object_get_ex(data, "tpm_policy", &policy_text))
		return;
	policy = defer(put_json, json_tokener_parse(json_object_get_string(policy_text)));
	json_object_object_foreach(policy, key, allowed)
	{
		char hex[2 * 64 + 1];
		long pcr;
		bool found = false;

		if (strcmp(key, "mask") == 0)
			continue;
		pcr = strtol(key, NULL, 10);
		assert_true(pcr >= 0 && pcr < TPM_PCR_COUNT);
		if (!(pcrs->quoted & (1u << pcr)))
			fail_msg("%s: policy PCR %ld not quoted", name, pcr);
		bytes_to_hex(pcrs->value[pcr], pcrs->digest_size, hex);
		for (size_t i = 0; i < json_object_array_length(allowed); i++)
			if (strcmp(hex, json_object_get_string(json_object_array_get_idx(allowed, i))) == 0)
				found = true;
		if (!found)
			fail_msg("%s: PCR %ld = %s not in the policy", name, pcr, hex);
	}
}

static void test_golden_cases(void **state)
{
	static const char *const skipped_fields[] = {"ima_measurement_list", "mb_log",
						     "mb_policy", "runtime_policy"};
	struct json_object *cases = read_json("golden/tpm-cases.json");
	int ran = 0, failing = 0;
	(void)state;

	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i);
		const char *name = json_str(c, "name");
		struct json_object *request = json_object_object_get(c, "request");
		struct json_object *data = json_object_object_get(request, "data");
		struct json_object *results, *failures, *first = NULL;
		const char *golden_type = NULL, *want_type = NULL;
		bool skip = false;
		struct run r;

		if (!json_object_is_type(data, json_type_object) ||
		    json_object_get_int(json_object_object_get(c, "http_status")) != 200 ||
		    !json_object_object_get_ex(data, "quote", NULL))
			continue;
		for (size_t k = 0; k < 4; k++)
			if (json_object_object_get_ex(data, skipped_fields[k], NULL))
				skip = true;
		if (skip)
			continue;

		results = json_object_object_get(json_object_object_get(c, "response"), "results");
		failures = json_object_object_get(results, "failures");
		if (json_object_array_length(failures) > 0) {
			first = json_object_array_get_idx(failures, 0);
			golden_type = json_str(first, "type");
		}
		if (golden_type && strncmp(golden_type, "qoute_validation.", 17) == 0 &&
		    !policy_is_bad(data))
			want_type = golden_type;

		r = verify_str(json_str(data, "quote"), json_str(data, "nonce"),
			       json_str(data, "hash_alg"), json_str(data, "tpm_ak"));
		ran++;

		if (strcmp(name, "UPSTREAM_BUG_bad_signature_with_pcr_policy") == 0) {
			/* Upstream went on with no PCRs; the forged signature must fail. */
			expect_failure(&r, QV, "signature");
			failing++;
			continue;
		}
		if (strcmp(name, "UPSTREAM_WEAKNESS_pcrblob_selection_not_checked") == 0) {
			/* Upstream accepted PCR values relabelled by the unsigned blob. */
			expect_failure(&r, QV, "selection");
			failing++;
			continue;
		}
		if (!want_type) {
			if (r.rc != 0)
				fail_msg("%s: expected success, got %s: %s", name,
					 r.f->items[0].type, json_object_to_json_string(r.context));
			if (!golden_type)
				check_policy_values(name, data, r.pcrs);
			continue;
		}
		failing++;
		if (r.rc == 0 || strcmp(r.f->items[0].type, want_type) != 0)
			fail_msg("%s: expected %s, got %s", name, want_type,
				 r.rc == 0 ? "success" : r.f->items[0].type);
		if (strcmp(want_type, QV) == 0) {
			/* Same context as upstream, error text included. */
			if (!json_object_equal(r.context, json_object_object_get(first, "context")))
				fail_msg("%s: context %s, upstream %s", name,
					 json_object_to_json_string(r.context),
					 json_object_to_json_string(json_object_object_get(first, "context")));
		} else {
			/* invalid_quote texts are Python exception strings upstream;
			 * only the prefix is shared. */
			assert_non_null(strstr(context_str(&r, "message"), "Quote validation failed: "));
		}
	}
	/* 16 quote-related cases; 8 of them must fail. */
	assert_int_equal(ran, 16);
	assert_int_equal(failing, 8);
}

/* ---- forging quotes ---- */

static EVP_PKEY *read_private_key(const char *rel)
{
	size_t len;
	const uint8_t *pem = read_keylime(rel, &len);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *key;

	assert_non_null(bio);
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		fail_msg("cannot read %s", rel);
	return defer(free_pkey, key);
}

static EVP_PKEY *new_ec_key(const char *group)
{
	EVP_PKEY *key = EVP_EC_gen(group);

	assert_non_null(key);
	return defer(free_pkey, key);
}

static void put16(uint8_t *buf, size_t *o, uint16_t v)
{
	buf[(*o)++] = (uint8_t)(v >> 8);
	buf[(*o)++] = (uint8_t)v;
}

static void put32(uint8_t *buf, size_t *o, uint32_t v)
{
	put16(buf, o, (uint16_t)(v >> 16));
	put16(buf, o, (uint16_t)v);
}

static void put_le16(uint8_t *buf, size_t *o, uint16_t v)
{
	buf[(*o)++] = (uint8_t)v;
	buf[(*o)++] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *buf, size_t *o, uint32_t v)
{
	put_le16(buf, o, (uint16_t)v);
	put_le16(buf, o, (uint16_t)(v >> 16));
}

static void put_bytes(uint8_t *buf, size_t *o, const void *p, size_t n)
{
	memcpy(buf + *o, p, n);
	*o += n;
}

static void put_bn(EVP_PKEY *key, const char *param, uint8_t *buf, size_t *o, size_t width)
{
	BIGNUM *bn = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(key, param, &bn), 1);
	assert_int_equal(BN_bn2binpad(bn, buf + *o, (int)width), (int)width);
	BN_free(bn);
	*o += width;
}

/* Field size and TPM curve id of an EC key, by its size in bits. */
static size_t ec_field(EVP_PKEY *key, uint16_t *curve_id)
{
	switch (EVP_PKEY_get_bits(key)) {
	case 192:
		*curve_id = TPM_ECC_NIST_P192;
		return 24;
	case 224:
		*curve_id = TPM_ECC_NIST_P224;
		return 28;
	case 256:
		*curve_id = TPM_ECC_NIST_P256;
		return 32;
	case 384:
		*curve_id = TPM_ECC_NIST_P384;
		return 48;
	default:
		*curve_id = TPM_ECC_NIST_P521;
		return 66;
	}
}

/* The TPM2B_PUBLIC tpm2_createak -f tss writes for the key (restricted
 * signing AK, RSASSA/ECDSA with SHA-256), as base64. short_p521 writes a
 * P-521 coordinate whose top byte is zero in 65 bytes. */
static const char *ak_tpm2b_b64(EVP_PKEY *key, bool short_p521)
{
	uint8_t buf[1024];
	size_t o = 2;
	bool rsa = EVP_PKEY_is_a(key, "RSA");

	put16(buf, &o, rsa ? TPM_ALG_RSA : TPM_ALG_ECC);
	put16(buf, &o, TPM_ALG_SHA256);
	put32(buf, &o, 0x00050072);
	put16(buf, &o, 0); /* authPolicy */
	put16(buf, &o, TPM_ALG_NULL);
	put16(buf, &o, rsa ? TPM_ALG_RSASSA : TPM_ALG_ECDSA);
	put16(buf, &o, TPM_ALG_SHA256);
	if (rsa) {
		size_t bytes = (size_t)EVP_PKEY_get_bits(key) / 8;
		BIGNUM *e = NULL;

		assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
		put16(buf, &o, (uint16_t)(bytes * 8));
		put32(buf, &o, BN_get_word(e) == 65537 ? 0 : (uint32_t)BN_get_word(e));
		BN_free(e);
		put16(buf, &o, (uint16_t)bytes);
		put_bn(key, OSSL_PKEY_PARAM_RSA_N, buf, &o, bytes);
	} else {
		uint16_t curve;
		size_t field = ec_field(key, &curve);
		const char *coords[2] = {OSSL_PKEY_PARAM_EC_PUB_X, OSSL_PKEY_PARAM_EC_PUB_Y};

		put16(buf, &o, curve);
		put16(buf, &o, TPM_ALG_NULL); /* kdf */
		for (int i = 0; i < 2; i++) {
			size_t size_at = o;
			put16(buf, &o, (uint16_t)field);
			put_bn(key, coords[i], buf, &o, field);
			if (short_p521 && field == 66 && buf[size_at + 2] == 0) {
				memmove(buf + size_at + 2, buf + size_at + 3, 65);
				buf[size_at + 1] = 65;
				o--;
			}
		}
	}
	buf[0] = (uint8_t)((o - 2) >> 8);
	buf[1] = (uint8_t)(o - 2);
	return encode_b64(buf, o);
}

struct forge {
	EVP_PKEY *key;
	uint16_t sig_alg;  /* TPM_ALG_RSASSA, TPM_ALG_RSAPSS or TPM_ALG_ECDSA */
	uint16_t hash;     /* signature hash = the quoted bank */
	uint32_t mask;     /* signed PCR selection */
	const char *extra; /* extraData (the nonce) */
	/* Defaults (0) give an honest quote; the rest lie in one way each. */
	uint16_t sel_bank;       /* bank in the signed selection */
	uint32_t sel_count;      /* entries in the signed selection */
	uint8_t size_of_select;  /* signed sizeofSelect */
	uint16_t blob_bank;      /* bank of the PCR blob slot */
	bool blob_mask_set;
	uint32_t blob_mask;      /* selection the PCR blob claims */
	uint32_t blob_count;     /* selection count in the PCR blob */
	size_t value_size;       /* bytes per PCR value in the blob */
	int extra_values;        /* values beyond the selection (negative: fewer) */
	bool corrupt_digest;     /* pcrDigest that does not match */
};

struct forged {
	uint8_t attest[1024];
	uint8_t sig[1024];
	uint8_t blob[TPM_PCR_BLOB_MAX_SIZE];
	size_t attest_len, sig_len, blob_len;
	uint8_t pcr[TPM_PCR_COUNT][64];
};

static const uint16_t other_banks[] = {TPM_ALG_SHA1, TPM_ALG_SHA384, TPM_ALG_SHA512,
				       TPM_ALG_SM3_256, TPM_ALG_SHA256};

static void forge_attest(const struct forge *fp, struct forged *q)
{
	uint16_t bank = fp->sel_bank ? fp->sel_bank : fp->hash;
	uint32_t count = fp->sel_count ? fp->sel_count : 1;
	uint8_t size_of_select = fp->size_of_select ? fp->size_of_select : 3;
	size_t size = tpm_hash_size(bank) ? tpm_hash_size(bank) : 32;
	uint8_t digest[64];
	unsigned int digest_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t o = 0;

	/* pcrDigest over the signed selection, in index order. */
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, tpm_hash_md(fp->hash), NULL), 1);
	for (int i = 0; i < TPM_PCR_COUNT; i++)
		if (fp->mask & (1u << i))
			EVP_DigestUpdate(ctx, q->pcr[i], size);
	assert_int_equal(EVP_DigestFinal_ex(ctx, digest, &digest_len), 1);
	EVP_MD_CTX_free(ctx);
	if (fp->corrupt_digest)
		digest[0] ^= 1;

	put32(q->attest, &o, TPM_GENERATED_VALUE);
	put16(q->attest, &o, TPM_ST_ATTEST_QUOTE);
	put16(q->attest, &o, 34); /* qualifiedSigner: a sha256 name */
	put16(q->attest, &o, TPM_ALG_SHA256);
	memset(q->attest + o, 0x5a, 32);
	o += 32;
	put16(q->attest, &o, (uint16_t)strlen(fp->extra));
	put_bytes(q->attest, &o, fp->extra, strlen(fp->extra));
	put32(q->attest, &o, 0);
	put32(q->attest, &o, 1000); /* clock */
	put32(q->attest, &o, 2);    /* resetCount */
	put32(q->attest, &o, 1);    /* restartCount */
	q->attest[o++] = 1;         /* safe */
	put32(q->attest, &o, 0x20160511);
	put32(q->attest, &o, 0x00162800);
	put32(q->attest, &o, count);
	for (uint32_t s = 0; s < count; s++) {
		put16(q->attest, &o, s == 0 ? bank : other_banks[(s - 1) % 5]);
		q->attest[o++] = size_of_select;
		for (uint8_t b = 0; b < size_of_select; b++)
			q->attest[o++] = (uint8_t)(fp->mask >> (8 * b));
	}
	put16(q->attest, &o, (uint16_t)digest_len);
	put_bytes(q->attest, &o, digest, digest_len);
	q->attest_len = o;
}

static void forge_blob(const struct forge *fp, struct forged *q)
{
	uint32_t mask = fp->blob_mask_set ? fp->blob_mask : fp->mask;
	uint32_t count = fp->blob_count ? fp->blob_count : 1;
	size_t size = fp->value_size ? fp->value_size : tpm_hash_size(fp->hash);
	uint8_t values[TPM_PCR_COUNT + 8][64];
	size_t n = 0, lists, o = 0;

	for (int i = 0; i < TPM_PCR_COUNT; i++)
		if (mask & (1u << i))
			memcpy(values[n++], q->pcr[i], 64);
	if (fp->extra_values < 0)
		n -= (size_t)-fp->extra_values;
	for (int i = 0; i < fp->extra_values; i++)
		memset(values[n++], 0x33, 64);

	put_le32(q->blob, &o, count);
	for (int slot = 0; slot < TPM_PCR_BLOB_SLOTS; slot++) {
		if ((uint32_t)slot < count) {
			put_le16(q->blob, &o, slot == 0 ? (fp->blob_bank ? fp->blob_bank : fp->hash)
							: other_banks[(slot - 1) % 5]);
			q->blob[o++] = 3;
			q->blob[o++] = (uint8_t)mask;
			q->blob[o++] = (uint8_t)(mask >> 8);
			q->blob[o++] = (uint8_t)(mask >> 16);
		} else {
			memset(q->blob + o, 0, 6);
			o += 6;
		}
		q->blob[o++] = 0; /* spare select byte */
		q->blob[o++] = 0; /* padding */
	}
	lists = (n + 7) / 8;
	put_le32(q->blob, &o, (uint32_t)lists);
	for (size_t l = 0; l < lists; l++) {
		size_t in_list = n - 8 * l;

		if (in_list > 8)
			in_list = 8;
		put_le32(q->blob, &o, (uint32_t)in_list);
		for (size_t i = 0; i < 8; i++) {
			put_le16(q->blob, &o, i < in_list ? (uint16_t)size : 0);
			memset(q->blob + o, 0, 64);
			if (i < in_list)
				memcpy(q->blob + o, values[8 * l + i], size);
			o += 64;
		}
	}
	q->blob_len = o;
}

/* TPMT_SIGNATURE over H(attest) with the forge's key and scheme. */
static void forge_sign(const struct forge *fp, struct forged *q)
{
	const EVP_MD *md = tpm_hash_md(fp->hash);
	uint8_t digest[64], sig[1024];
	unsigned int digest_len = 0;
	size_t sig_len = sizeof(sig), o = 0;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, fp->key, NULL);

	assert_non_null(ctx);
	assert_int_equal(EVP_Digest(q->attest, q->attest_len, digest, &digest_len, md, NULL), 1);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	if (fp->sig_alg != TPM_ALG_ECDSA) {
		int padding = fp->sig_alg == TPM_ALG_RSAPSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, padding), 1);
	}
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, sig, &sig_len, digest, digest_len), 1);
	EVP_PKEY_CTX_free(ctx);

	put16(q->sig, &o, fp->sig_alg);
	put16(q->sig, &o, fp->hash);
	if (fp->sig_alg != TPM_ALG_ECDSA) {
		put16(q->sig, &o, (uint16_t)sig_len);
		put_bytes(q->sig, &o, sig, sig_len);
	} else {
		const uint8_t *p = sig;
		ECDSA_SIG *ecdsa = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
		uint16_t curve;
		size_t field = ec_field(fp->key, &curve);

		assert_non_null(ecdsa);
		put16(q->sig, &o, (uint16_t)field);
		BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), q->sig + o, (int)field);
		o += field;
		put16(q->sig, &o, (uint16_t)field);
		BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), q->sig + o, (int)field);
		o += field;
		ECDSA_SIG_free(ecdsa);
	}
	q->sig_len = o;
}

/* PCR i holds bytes i+1, i+2, ... so values differ and relabelling shows. */
static struct forged *forge(const struct forge *fp)
{
	struct forged *q = owned_malloc(sizeof(*q));

	for (int i = 0; i < TPM_PCR_COUNT; i++)
		for (int b = 0; b < 64; b++)
			q->pcr[i][b] = (uint8_t)(i + 1 + b);
	forge_attest(fp, q);
	forge_blob(fp, q);
	forge_sign(fp, q);
	return q;
}

static const char *forged_quote(const struct forged *q)
{
	return quote_string(q->attest, q->attest_len, q->sig, q->sig_len, q->blob, q->blob_len, "");
}

static struct run verify_forged(const struct forge *fp, const struct forged *q,
				const char *hash_alg)
{
	return verify_str(forged_quote(q), fp->extra, hash_alg, ak_tpm2b_b64(fp->key, false));
}

static void expect_forged_values(const struct run *r, const struct forge *fp,
				 const struct forged *q)
{
	expect_ok(r);
	assert_int_equal(r->pcrs->bank, fp->hash);
	assert_int_equal(r->pcrs->digest_size, tpm_hash_size(fp->hash));
	assert_int_equal(r->pcrs->quoted, fp->mask);
	for (int i = 0; i < TPM_PCR_COUNT; i++) {
		if (fp->mask & (1u << i))
			assert_memory_equal(r->pcrs->value[i], q->pcr[i], r->pcrs->digest_size);
		else
			assert_true(bytes_all_zero(r->pcrs->value[i], 64));
	}
	assert_int_equal(r->pcrs->clock, 1000);
	assert_int_equal(r->pcrs->reset_count, 2);
	assert_int_equal(r->pcrs->restart_count, 1);
	assert_int_equal(r->pcrs->safe, 1);
}

#define NONCE "hello-nonce-123456"
#define MASK_15_22 ((1u << 15) | (1u << 22))

/* The forge's AK encoding is exactly the golden TPM2B_PUBLIC files. */
static void test_forge_matches_golden_keys(void **state)
{
	(void)state;
	assert_string_equal(ak_tpm2b_b64(read_private_key("golden/keys/ak-rsa2048-private.pem"), false),
			    read_text("golden/keys/ak-rsa2048.tpm2b_public.b64"));
	assert_string_equal(ak_tpm2b_b64(read_private_key("golden/keys/ak-p256-private.pem"), false),
			    read_text("golden/keys/ak-p256.tpm2b_public.b64"));
}

static void test_forged_ecdsa(void **state)
{
	struct forge fp = {
		.key = read_private_key("golden/keys/ak-p256-private.pem"),
		.sig_alg = TPM_ALG_ECDSA,
		.hash = TPM_ALG_SHA256,
		.mask = MASK_15_22,
		.extra = NONCE,
	};
	struct forged *q = forge(&fp);
	struct run r;
	(void)state;

	/* The golden tpm2b_public file is the AK sent. */
	r = verify_str(forged_quote(q), NONCE, "sha256",
		       read_text("golden/keys/ak-p256.tpm2b_public.b64"));
	expect_forged_values(&r, &fp, q);

	/* A changed r or s, an ECDSA signature by another key. */
	q->sig[10] ^= 1;
	r = verify_forged(&fp, q, "sha256");
	expect_failure(&r, QV, "signature");
	q->sig[10] ^= 1;
	q->sig[q->sig_len - 1] ^= 1;
	r = verify_forged(&fp, q, "sha256");
	expect_failure(&r, QV, "signature");
	r = verify_str(forged_quote(q), NONCE, "sha256", ak_tpm2b_b64(new_ec_key("P-256"), false));
	expect_failure(&r, QV, "signature");

	/* ECDSA with a sha384 quote on a P-256 key. */
	fp.hash = TPM_ALG_SHA384;
	q = forge(&fp);
	r = verify_forged(&fp, q, "sha384");
	expect_forged_values(&r, &fp, q);

	/* An RSA key accepts only RSASSA, an EC key only ECDSA. */
	q->sig[0] = 0x00, q->sig[1] = 0x14;
	r = verify_forged(&fp, q, "sha384");
	expect_failure(&r, QV, "Unsupported quote signature algorithm '0x14' for EC keys");
	r = verify_str(forged_quote(q), NONCE, "sha384",
		       read_text("golden/keys/ak-rsa2048.tpm2b_public.b64"));
	expect_failure(&r, QV, "signature");
	q->sig[1] = 0x18;
	r = verify_str(forged_quote(q), NONCE, "sha384",
		       read_text("golden/keys/ak-rsa2048.tpm2b_public.b64"));
	expect_failure(&r, QV, "Unsupported quote signature algorithm '0x18' for RSA keys");
}

static void test_forged_rsa_banks(void **state)
{
	static const struct {
		uint16_t alg;
		const char *name;
	} banks[] = {{TPM_ALG_SHA1, "sha1"}, {TPM_ALG_SHA256, "sha256"},
		     {TPM_ALG_SHA384, "sha384"}, {TPM_ALG_SHA512, "sha512"}};
	EVP_PKEY *key = read_private_key("golden/keys/ak-rsa2048-private.pem");
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		struct forge fp = {
			.key = key,
			.sig_alg = TPM_ALG_RSASSA,
			.hash = banks[i].alg,
			.mask = (1u << 0) | (1u << 7) | (1u << 10) | (1u << 23),
			.extra = NONCE,
		};
		struct forged *q = forge(&fp);
		struct run r = verify_forged(&fp, q, banks[i].name);

		expect_forged_values(&r, &fp, q);
		assert_string_equal(tpm_hash_alg_name(banks[i].alg), banks[i].name);
		/* The bank must be the one asked for. */
		r = verify_forged(&fp, q, i == 0 ? "sha256" : "sha1");
		expect_failure(&r, QV, "Quote was expected to use");
	}
}

/* Quotes by AKs on every NIST curve the parser knows, P-521 with the
 * 65-byte coordinates some TPMs write. */
static void test_forged_all_curves(void **state)
{
	static const char *const groups[] = {"P-192", "P-224", "P-256", "P-384", "P-521"};
	(void)state;

	for (size_t i = 0; i < 5; i++) {
		struct forge fp = {
			.key = new_ec_key(groups[i]),
			.sig_alg = TPM_ALG_ECDSA,
			.hash = TPM_ALG_SHA512,
			.mask = MASK_15_22,
			.extra = NONCE,
		};
		struct forged *q = forge(&fp);
		struct run r = verify_forged(&fp, q, "sha512");

		expect_forged_values(&r, &fp, q);
	}
	/* P-521 keys until one has an X (or Y) whose top byte is zero. */
	for (int tries = 0; tries < 64; tries++) {
		struct forge fp = {
			.key = new_ec_key("P-521"),
			.sig_alg = TPM_ALG_ECDSA,
			.hash = TPM_ALG_SHA256,
			.mask = MASK_15_22,
			.extra = NONCE,
		};
		const char *full = ak_tpm2b_b64(fp.key, false);
		const char *shortened = ak_tpm2b_b64(fp.key, true);
		struct forged *q;
		struct run r;

		if (strcmp(full, shortened) == 0)
			continue;
		q = forge(&fp);
		r = verify_str(forged_quote(q), NONCE, "sha256", shortened);
		expect_forged_values(&r, &fp, q);
		return;
	}
	fail_msg("no P-521 key with a 65-byte coordinate in 64 tries");
}

static void test_forged_rsapss_refused(void **state)
{
	struct forge fp = {
		.key = read_private_key("golden/keys/ak-rsa2048-private.pem"),
		.sig_alg = TPM_ALG_RSAPSS,
		.hash = TPM_ALG_SHA256,
		.mask = MASK_15_22,
		.extra = NONCE,
	};
	struct run r = verify_forged(&fp, forge(&fp), "sha256");
	(void)state;

	expect_failure(&r, QV, NULL);
	assert_string_equal(context_str(&r, "error"),
			    "Unsupported quote signature algorithm '0x16' for RSA keys");
}

/* Selections and PCR blobs that do not tell the signed truth. */
static void test_forged_selection_lies(void **state)
{
	EVP_PKEY *key = read_private_key("golden/keys/ak-rsa2048-private.pem");
	struct forge base = {
		.key = key,
		.sig_alg = TPM_ALG_RSASSA,
		.hash = TPM_ALG_SHA256,
		.mask = MASK_15_22,
		.extra = NONCE,
	};
	struct forge fp;
	struct forged *q;
	struct run r;
	(void)state;

	q = forge(&base);
	r = verify_forged(&base, q, "sha256");
	expect_forged_values(&r, &base, q);

	/* The blob relabels PCR 15 as PCR 10 (the golden weakness case). */
	fp = base;
	fp.blob_mask_set = true;
	fp.blob_mask = (1u << 10) | (1u << 22);
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "differs from the signed selection");

	/* A blob selecting fewer or more PCRs than signed. */
	fp = base;
	fp.blob_mask_set = true;
	fp.blob_mask = 1u << 22;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "differs from the signed selection");
	fp.blob_mask = MASK_15_22 | 1u << 3;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "differs from the signed selection");

	/* Five banks signed and one in the blob, or the reverse (several
	 * banks are fine when both say the same: test_multi_bank_quotes). */
	fp = base;
	fp.sel_count = 5;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "the PCR blob selects 1 PCR banks, the quote 5");
	fp = base;
	fp.blob_count = 5;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "the PCR blob selects 5 PCR banks, the quote 1");
	fp = base;
	fp.sel_count = 2;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "the PCR blob selects 1 PCR banks, the quote 2");

	/* The signed bank, or the blob's, is not the signature's hash. */
	fp = base;
	fp.sel_bank = TPM_ALG_SHA1;
	fp.blob_bank = TPM_ALG_SHA1; /* the blob agrees with the signed selection */
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "the quote selects PCRs of bank sha1 but is signed with sha256");
	fp.blob_bank = 0; /* and when it does not */
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "the PCR blob holds bank sha256 where the quote selects sha1");
	fp = base;
	fp.blob_bank = TPM_ALG_SHA384;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "bank sha384");

	/* A signed selection naming PCR 24 and up. */
	fp = base;
	fp.size_of_select = 4;
	fp.mask = MASK_15_22 | 1u << 25;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "above 23");

	/* Values of the wrong size, one value too many or too few. */
	fp = base;
	fp.value_size = 20;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "not the 32 of sha256");
	fp = base;
	fp.extra_values = 1;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "holds 3 values for 2 selected PCRs");
	fp = base;
	fp.extra_values = -1;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, "fewer than the PCRs selected");

	/* pcrDigest that does not match the values. */
	fp = base;
	fp.corrupt_digest = true;
	r = verify_forged(&fp, forge(&fp), "sha256");
	expect_failure(&r, QV, NULL);
	assert_string_equal(context_str(&r, "error"),
			    "The digest used for quoting is different than the one that was calculated");

	/* A changed PCR value in the (unsigned) blob. */
	q = forge(&base);
	q->blob[136 + 4 + 2 + 5] ^= 1;
	r = verify_forged(&base, q, "sha256");
	expect_failure(&r, QV, "The digest used for quoting is different");

	/* Counts in the blob that lie. */
	q = forge(&base);
	q->blob[136] = 3; /* TPML_DIGEST says 3, two filled */
	r = verify_forged(&base, q, "sha256");
	expect_failure(&r, QV, "invalid PCR blob");
	q = forge(&base);
	q->blob[0] = 0; /* no selection, one slot filled */
	r = verify_forged(&base, q, "sha256");
	expect_failure(&r, QV, "the PCR blob selects 0 PCR banks");
	q = forge(&base);
	q->blob[132] = 2; /* two lists, one present */
	r = verify_forged(&base, q, "sha256");
	expect_failure(&r, QV, "invalid PCR blob");
}

/* ---- quotes over several banks (issue 12 item 7) ---- */

/* An honest quote over the banks of f (tests/support/tpm_forge), every
 * value distinct: bank b, PCR i holds 17b + i + 1, 17b + i + 2, ... */
static struct tpm_forged *forge_banks(struct tpm_forge *f)
{
	struct tpm_forged *q = owned_malloc(sizeof(*q));

	f->nonce = NONCE;
	for (size_t b = 0; b < f->n_banks; b++)
		for (int i = 0; i < TPM_PCR_COUNT; i++)
			for (int k = 0; k < 64; k++)
				f->banks[b].pcr[i][k] = (uint8_t)(17 * b + i + 1 + k);
	assert_int_equal(tpm_forge_quote(f, q), 0);
	return q;
}

static struct run verify_banks(const struct tpm_forge *f, const struct tpm_forged *q,
			       const char *hash_alg)
{
	char *quote = tpm_forge_quote_string(q);

	assert_non_null(quote);
	defer(free, quote);
	return verify_str(quote, NONCE, hash_alg, ak_tpm2b_b64(f->key, false));
}

/* The judged values are those of the bank named by hash_alg. */
static void expect_bank(const struct run *r, const struct tpm_forge *f, size_t b)
{
	const struct tpm_forge_bank *bank = &f->banks[b];

	expect_ok(r);
	assert_int_equal(r->pcrs->bank, bank->alg);
	assert_int_equal(r->pcrs->digest_size, tpm_hash_size(bank->alg));
	assert_int_equal(r->pcrs->quoted, bank->mask);
	for (int i = 0; i < TPM_PCR_COUNT; i++)
		if (bank->mask & (1u << i))
			assert_memory_equal(r->pcrs->value[i], bank->pcr[i], tpm_hash_size(bank->alg));
}

static void test_multi_bank_quotes(void **state)
{
	EVP_PKEY *key = read_private_key("golden/keys/ak-rsa2048-private.pem");
	struct tpm_forge *base = owned_malloc(sizeof(*base)), *f = owned_malloc(sizeof(*f));
	struct tpm_forged *q;
	struct run r;
	(void)state;

	memset(base, 0, sizeof(*base));
	base->key = key;
	base->hash = TPM_ALG_SHA256;
	base->n_banks = 2;
	base->banks[0].alg = TPM_ALG_SHA1;
	base->banks[0].mask = MASK_15_22;
	base->banks[1].alg = TPM_ALG_SHA256;
	base->banks[1].mask = MASK_15_22;

	/* sha1 and sha256 over the same PCRs, as TPMs produce: signed with
	 * sha256, judged on sha256; signed with sha1, judged on sha1. */
	*f = *base;
	q = forge_banks(f);
	r = verify_banks(f, q, "sha256");
	expect_bank(&r, f, 1);
	f->hash = TPM_ALG_SHA1;
	q = forge_banks(f);
	r = verify_banks(f, q, "sha1");
	expect_bank(&r, f, 0);

	/* Three banks, different PCRs each, the judged one in the middle. */
	*f = *base;
	f->n_banks = 3;
	f->banks[2].alg = TPM_ALG_SHA512;
	f->banks[0].mask = 1u << 0;
	f->banks[1].mask = (1u << 7) | (1u << 10) | (1u << 23);
	f->banks[2].mask = 0xffff;
	q = forge_banks(f);
	r = verify_banks(f, q, "sha256");
	expect_bank(&r, f, 1);

	/* A value of the bank not judged is still signed: changing it fails. */
	*f = *base;
	q = forge_banks(f);
	q->blob[136 + 4 + 2] ^= 1; /* the first (sha1) value */
	r = verify_banks(f, q, "sha256");
	expect_failure(&r, QV, "The digest used for quoting is different");
	f->skip_digest_bank = 1;
	r = verify_banks(f, forge_banks(f), "sha256");
	expect_failure(&r, QV, "The digest used for quoting is different");

	/* The blob's banks or selections must be the signed ones. */
	*f = *base;
	f->blob_banks[0] = TPM_ALG_SHA256;
	f->blob_banks[1] = TPM_ALG_SHA1;
	r = verify_banks(f, forge_banks(f), "sha256");
	expect_failure(&r, QV, "the PCR blob holds bank sha256 where the quote selects sha1");
	*f = *base;
	f->blob_mask_set = true;
	f->blob_mask1 = (1u << 14) | (1u << 22);
	r = verify_banks(f, forge_banks(f), "sha256");
	expect_failure(&r, QV, "the PCR selection of bank sha256 in the PCR blob");

	/* One bank twice is ambiguous; a bank other than the signature's
	 * alone cannot be judged. */
	*f = *base;
	f->banks[0].alg = TPM_ALG_SHA256;
	r = verify_banks(f, forge_banks(f), "sha256");
	expect_failure(&r, QV, "selects bank sha256 twice");
	*f = *base;
	f->banks[1].alg = TPM_ALG_SHA384;
	r = verify_banks(f, forge_banks(f), "sha256");
	expect_failure(&r, QV, "but is signed with sha256");
	/* hash_alg names the signature's hash, which decides the bank. */
	*f = *base;
	r = verify_banks(f, forge_banks(f), "sha1");
	expect_failure(&r, QV, "Quote was expected to use sha1 but used sha256");
}

/* Where teev is stricter than upstream on input it could read (README's
 * compatibility table, issue 12 item 9): lenient base64 and trailing
 * bytes after the TPMT_SIGNATURE are refused. */
static void test_stricter_than_upstream(void **state)
{
	struct forge fp = {
		.key = read_private_key("golden/keys/ak-rsa2048-private.pem"),
		.sig_alg = TPM_ALG_RSASSA,
		.hash = TPM_ALG_SHA256,
		.mask = MASK_15_22,
		.extra = "",
	};
	struct forged *q = forge(&fp);
	const char *ak = ak_tpm2b_b64(fp.key, false), *good = forged_quote(q);
	char *spaced = owned_malloc(strlen(good) + 2);
	struct run r;
	(void)state;

	/* An empty qualifying data: Python's b64decode("=") is b"", so
	 * upstream takes "=" as that nonce; strict base64 does not. */
	r = verify_str(good, "", "sha256", ak);
	expect_ok(&r);
	r = verify_str(good, "=", "sha256", ak);
	expect_failure(&r, QV, "The nonce from the attestation differs from the expected nonce");

	/* A space inside the base64 of the TPMS_ATTEST: dropped upstream. */
	memcpy(spaced, good, 9);
	spaced[9] = ' ';
	strcpy(spaced + 10, good + 9);
	r = verify_str(spaced, "", "sha256", ak);
	expect_failure(&r, IQ, "the TPMS_ATTEST part of the quote is not valid base64");

	/* One byte after the TPMT_SIGNATURE: ignored upstream. */
	q->sig[q->sig_len++] = 0;
	r = verify_str(forged_quote(q), "", "sha256", ak);
	expect_failure(&r, QV, "invalid signature blob");
}

/* All 24 PCRs (three TPML_DIGEST lists) and none at all. */
static void test_forged_selection_sizes(void **state)
{
	struct forge fp = {
		.key = read_private_key("golden/keys/ak-rsa2048-private.pem"),
		.sig_alg = TPM_ALG_RSASSA,
		.hash = TPM_ALG_SHA384,
		.mask = 0xffffff,
		.extra = NONCE,
	};
	struct forged *q = forge(&fp);
	struct run r = verify_forged(&fp, q, "sha384");
	(void)state;

	assert_int_equal(q->blob_len, 136 + 3 * TPM_PCR_BLOB_LIST_SIZE);
	expect_forged_values(&r, &fp, q);

	fp.mask = 0;
	q = forge(&fp);
	r = verify_forged(&fp, q, "sha384");
	expect_forged_values(&r, &fp, q);
}

static void test_forged_nonce_forms(void **state)
{
	struct forge fp = {
		.key = read_private_key("golden/keys/ak-p256-private.pem"),
		.sig_alg = TPM_ALG_ECDSA,
		.hash = TPM_ALG_SHA256,
		.mask = MASK_15_22,
		.extra = NONCE,
	};
	struct forged *q = forge(&fp);
	const char *quote = forged_quote(q);
	const char *ak = ak_tpm2b_b64(fp.key, false);
	char hex[2 * sizeof(NONCE) + 1];
	char long_nonce[200];
	struct run r;
	(void)state;

	/* Raw UTF-8 bytes and their base64 both match. */
	r = verify_str(quote, NONCE, "sha256", ak);
	expect_ok(&r);
	r = verify_str(quote, encode_b64((const uint8_t *)NONCE, strlen(NONCE)), "sha256", ak);
	expect_ok(&r);
	/* Hex, a prefix, an empty nonce, an overlong one and non-canonical
	 * base64 do not. */
	bytes_to_hex((const uint8_t *)NONCE, strlen(NONCE), hex);
	r = verify_str(quote, hex, "sha256", ak);
	expect_failure(&r, QV, "nonce");
	r = verify_str(quote, "hello-nonce-12345", "sha256", ak);
	expect_failure(&r, QV, "nonce");
	r = verify_str(quote, "", "sha256", ak);
	expect_failure(&r, QV, "nonce");
	memset(long_nonce, 'A', sizeof(long_nonce) - 1);
	long_nonce[sizeof(long_nonce) - 1] = '\0';
	r = verify_str(quote, long_nonce, "sha256", ak);
	expect_failure(&r, QV, "nonce");
	r = verify_str(quote, "aGVsbG8tbm9uY2UtMTIzNDU2", "sha256", ak);
	expect_ok(&r); /* base64("hello-nonce-123456") */
	r = verify_str(quote, "aGVsbG8tbm9uY2UtMTIzNDU2\n", "sha256", ak);
	expect_failure(&r, QV, "nonce");
}

/* ---- step 1-3 failures ---- */

static void test_hash_alg_and_quote_string(void **state)
{
	struct real_quote q = swtpm_quote();
	struct json_object *want;
	char *big;
	struct run r;
	(void)state;

	/* invalid_hash_alg: message and "data" as upstream. */
	r = verify_str(q.quote, q.nonce, "md5", q.ak_b64);
	expect_failure(&r, IH, NULL);
	want = defer(put_json, json_tokener_parse(
				       "{\"message\": \"TPM Quote is using an unrecognized hash "
				       "algorithm: md5\", \"data\": \"md5\"}"));
	assert_true(json_object_equal(r.context, want));
	r = verify_str(q.quote, q.nonce, "SHA256", q.ak_b64);
	expect_failure(&r, IH, "SHA256");
	r = verify_str(q.quote, q.nonce, "", q.ak_b64);
	expect_failure(&r, IH, NULL);
	/* hash_alg is checked before the AK and the quote. */
	r = verify_str("junk", q.nonce, "sha999", "junk");
	expect_failure(&r, IH, "sha999");

	/* invalid_quote: the AK is checked before the quote string. */
	r = verify_str("junk", q.nonce, "sha256", read_text("tpm-quote-swtpm/akpub.pem"));
	expect_failure(&r, IQ, "Quote validation failed: ");
	r = verify_str(q.quote, q.nonce, "sha256", "");
	expect_failure(&r, IQ, "tpm_ak");
	r = verify_str(q.quote, q.nonce, "sha256", encode_b64(q.ak, q.ak_len - 1));
	expect_failure(&r, IQ, "tpm_ak");
	/* Another valid key (the EK) parses, and then the signature fails. */
	{
		size_t ek_len;
		const uint8_t *ek = read_keylime("tpm-quote-swtpm/ek.pub", &ek_len);
		r = verify_str(q.quote, q.nonce, "sha256", encode_b64(ek, ek_len));
		expect_failure(&r, QV, "signature");
	}

	r = verify_str(q.quote + 1, q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, NULL);
	assert_string_equal(context_str(&r, "message"), "Quote validation failed: Invalid quote type /");
	r = verify_str("", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "empty");
	r = verify_str("rAAAA:BBBB", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "Quote is not compound! AAAA:BBBB");
	r = verify_str("r", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "Quote is not compound!");
	r = verify_str("r!!!!:AAAA:AAAA", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "TPMS_ATTEST part of the quote is not valid base64");
	r = verify_str("rAAAA:AA=A:AAAA", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "TPMT_SIGNATURE part of the quote is not valid base64");
	r = verify_str("rAAAA:AAAA:AAA", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "PCR blob part of the quote is not valid base64");

	/* Empty parts decode; the empty signature is then too short. */
	r = verify_str("r::", q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, QV, "too short");

	/* Oversized: a part longer than any structure, the whole string over 64 KiB. */
	big = owned_malloc(TPM_QUOTE_MAX_LEN + 2);
	memset(big, 'A', TPM_QUOTE_MAX_LEN + 1);
	big[0] = 'r';
	r = verify(big, TPM_QUOTE_MAX_LEN + 1, q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "longer than 65536");
	big[2000] = ':';
	big[4000] = ':';
	r = verify(big, 5000, q.nonce, "sha256", q.ak_b64);
	expect_failure(&r, IQ, "TPMS_ATTEST part of the quote is too long");
	/* ... but a long ignored tail within the bound is fine. */
	snprintf(big, TPM_QUOTE_MAX_LEN + 2, "%s:", q.quote);
	memset(big + strlen(big), 'x', TPM_QUOTE_MAX_LEN - strlen(big));
	big[TPM_QUOTE_MAX_LEN] = '\0';
	r = verify(big, TPM_QUOTE_MAX_LEN, q.nonce, "sha256", q.ak_b64);
	expect_ok(&r);

	/* The signature's hash id must be a known one. */
	{
		uint8_t *sig = owned_malloc(q.sig_len);
		memcpy(sig, q.sig, q.sig_len);
		sig[3] = 0x12; /* TPM_ALG_SM3_256 */
		r = verify_str(quote_string(q.attest, q.attest_len, sig, q.sig_len, q.blob,
					    q.blob_len, ""),
			       q.nonce, "sm3_256", q.ak_b64);
		expect_failure(&r, QV, "Unsupported hash with id 0x12 in signature blob");
	}
}

/* ---- hostile inputs: every prefix and every byte of the real quotes ---- */

static void test_every_prefix(void **state)
{
	struct real_quote quotes[2] = {swtpm_quote(), unit_test_quote()};
	(void)state;

	for (int k = 0; k < 2; k++) {
		const struct real_quote *q = &quotes[k];
		size_t mark = defer_mark();
		struct run r;

		for (size_t cut = 0; cut < q->attest_len; cut++, release_to(mark)) {
			r = verify_str(quote_string(q->attest, cut, q->sig, q->sig_len, q->blob,
						    q->blob_len, ""),
				       q->nonce, q->hash_alg, q->ak_b64);
			expect_failure(&r, QV, NULL);
		}
		for (size_t cut = 0; cut < q->sig_len; cut++, release_to(mark)) {
			r = verify_str(quote_string(q->attest, q->attest_len, q->sig, cut, q->blob,
						    q->blob_len, ""),
				       q->nonce, q->hash_alg, q->ak_b64);
			expect_failure(&r, QV, NULL);
		}
		for (size_t cut = 0; cut < q->blob_len; cut++, release_to(mark)) {
			r = verify_str(quote_string(q->attest, q->attest_len, q->sig, q->sig_len,
						    q->blob, cut, ""),
				       q->nonce, q->hash_alg, q->ak_b64);
			expect_failure(&r, QV, NULL);
		}
		for (size_t cut = 0; cut < q->ak_len; cut++, release_to(mark)) {
			r = verify_str(q->quote, q->nonce, q->hash_alg, encode_b64(q->ak, cut));
			expect_failure(&r, IQ, "tpm_ak");
		}
		/* Prefixes of the quote string itself. */
		for (size_t cut = 0; cut < strlen(q->quote); cut++, release_to(mark)) {
			r = verify(q->quote, cut, q->nonce, q->hash_alg, q->ak_b64);
			assert_int_equal(r.rc, -1);
		}
	}
}

static void test_every_byte(void **state)
{
	struct real_quote quotes[2] = {swtpm_quote(), unit_test_quote()};
	(void)state;

	for (int k = 0; k < 2; k++) {
		const struct real_quote *q = &quotes[k];
		struct run good = verify_str(q->quote, q->nonce, q->hash_alg, q->ak_b64);
		uint8_t *copy = owned_malloc(q->attest_len + q->sig_len + q->blob_len);
		size_t mark = defer_mark();
		struct run r;

		expect_ok(&good);
		/* Any change to the signed TPMS_ATTEST or to the signature fails. */
		for (size_t i = 0; i < q->attest_len; i++, release_to(mark)) {
			memcpy(copy, q->attest, q->attest_len);
			copy[i] ^= 0x01;
			r = verify_str(quote_string(copy, q->attest_len, q->sig, q->sig_len,
						    q->blob, q->blob_len, ""),
				       q->nonce, q->hash_alg, q->ak_b64);
			expect_failure(&r, QV, "signature");
		}
		for (size_t i = 0; i < q->sig_len; i++, release_to(mark)) {
			memcpy(copy, q->sig, q->sig_len);
			copy[i] ^= 0x01;
			r = verify_str(quote_string(q->attest, q->attest_len, copy, q->sig_len,
						    q->blob, q->blob_len, ""),
				       q->nonce, q->hash_alg, q->ak_b64);
			expect_failure(&r, QV, NULL);
		}
		/* The PCR blob is unsigned: a change either fails or, in bytes
		 * nothing reads (padding, unused slots and buffers), leaves the
		 * reported values exactly as they were. */
		for (size_t i = 0; i < q->blob_len; i++, release_to(mark)) {
			memcpy(copy, q->blob, q->blob_len);
			copy[i] ^= 0x01;
			r = verify_str(quote_string(q->attest, q->attest_len, q->sig, q->sig_len,
						    copy, q->blob_len, ""),
				       q->nonce, q->hash_alg, q->ak_b64);
			if (r.rc == 0)
				assert_memory_equal(r.pcrs, good.pcrs, sizeof(*good.pcrs));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_swtpm_quote, run_cleanups),
		cmocka_unit_test_teardown(test_unit_test_quote, run_cleanups),
		cmocka_unit_test_teardown(test_golden_cases, run_cleanups),
		cmocka_unit_test_teardown(test_forge_matches_golden_keys, run_cleanups),
		cmocka_unit_test_teardown(test_forged_ecdsa, run_cleanups),
		cmocka_unit_test_teardown(test_forged_rsa_banks, run_cleanups),
		cmocka_unit_test_teardown(test_forged_all_curves, run_cleanups),
		cmocka_unit_test_teardown(test_forged_rsapss_refused, run_cleanups),
		cmocka_unit_test_teardown(test_forged_selection_lies, run_cleanups),
		cmocka_unit_test_teardown(test_multi_bank_quotes, run_cleanups),
		cmocka_unit_test_teardown(test_stricter_than_upstream, run_cleanups),
		cmocka_unit_test_teardown(test_forged_selection_sizes, run_cleanups),
		cmocka_unit_test_teardown(test_forged_nonce_forms, run_cleanups),
		cmocka_unit_test_teardown(test_hash_alg_and_quote_string, run_cleanups),
		cmocka_unit_test_teardown(test_every_prefix, run_cleanups),
		cmocka_unit_test_teardown(test_every_byte, run_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
