/* test_ima.c - unit tests for verifier/ima.c: parsing, PCR 10 replay and
 * runtime-policy checks of IMA measurement lists.
 *
 * - Replays equal $SHARED_DIR/testdata/keylime/expected-replays.json
 *   ("ima_logs", computed by upstream Keylime) in the sha1 and sha256 banks,
 *   including which template-hash columns verify.
 * - Upstream's test_ima_verification expectations: MEASUREMENTS and
 *   MEASUREMENTS+SIGNATURES pass RUNTIME_POLICY_TEST, fail an empty policy,
 *   RUNTIME_POLICY_WRONG(+_WITH_EXCLUDES), KEYRINGS, BAD_SIGNATURES (template
 *   hash mismatch).
 * - Every golden IMA case of golden/tpm-cases.json: the ima.* failures equal
 *   upstream's, contexts included (PCR 10 is read from the quote's PCR blob).
 * - Replay rules: list longer than the quote, all-zero column extended as
 *   0xFF..FF, PCR column other than 10, unparsable lines not extended.
 * - Hostile input: truncated lines, bad hex, unknown templates, a 1 MiB line,
 *   10^6 empty lines (timed), non-UTF-8 paths, CRLF lists.
 * - 100,000 ima-ng entries against a 100,000-path policy, timed against the
 *   raw hashing cost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/runtime_policy.h"
#include "verifier/b64.h"
#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/ima.h"
#include "verifier/tpm_objects.h"
#include "tests/support/test_cleanup.h"

#define TIV "ima/test_ima_verification/"

/* A runtime policy with the keys Keylime's schema requires, open for more.
 * A test that sends one of them again replaces it (of repeated keys the
 * last wins, in json-c as in Python). */
#define POLICY_HEAD                                                                      \
	"{\"meta\": {\"version\": 1}, \"digests\": {}, \"excludes\": [], "               \
	"\"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", \"dm_policy\": null}, "

/* ---- helpers ---- */

/* Concatenation of several shared files (MEASUREMENTS+SIGNATURES). */
static char *read_concat(const char *a, const char *b, size_t *len)
{
	size_t la, lb;
	char *x = read_keylime_file(a, &la), *y = b ? read_keylime_file(b, &lb) : NULL, *out;

	if (!y)
		lb = 0;
	out = malloc(la + lb + 1);
	memcpy(out, x, la);
	if (y)
		memcpy(out + la, y, lb);
	out[la + lb] = 0;
	*len = la + lb;
	free(x);
	free(y);
	return out;
}

static struct runtime_policy *load_policy(const char *rel)
{
	size_t len;
	char *text = read_keylime_file(rel, &len), err[256] = "";
	struct runtime_policy *p = runtime_policy_parse(text, len, NULL, err, sizeof(err));

	if (!p)
		fail_msg("%s: %s", rel, err);
	free(text);
	return p;
}

static struct runtime_policy *policy_from(const char *text)
{
	char err[256] = "";
	struct runtime_policy *p = runtime_policy_parse(text, strlen(text), NULL, err, sizeof(err));

	if (!p)
		fail_msg("policy refused: %s", err);
	return p;
}

static size_t hash_len(uint16_t bank)
{
	return bank == TPM_ALG_SHA1 ? 20 : bank == TPM_ALG_SHA256 ? 32 : bank == TPM_ALG_SHA384 ? 48 : 64;
}

static const char *md_name(uint16_t bank)
{
	return bank == TPM_ALG_SHA1 ? "SHA1" : bank == TPM_ALG_SHA256 ? "SHA256" : bank == TPM_ALG_SHA384 ? "SHA384" : "SHA512";
}

static void md(uint16_t bank, const void *a, size_t a_len, const void *b, size_t b_len,
	       uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_int_equal(EVP_DigestInit_ex2(ctx, EVP_get_digestbyname(md_name(bank)), NULL), 1);
	EVP_DigestUpdate(ctx, a, a_len);
	if (b)
		EVP_DigestUpdate(ctx, b, b_len);
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, NULL), 1);
	EVP_MD_CTX_free(ctx);
}

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void replay(const char *list, size_t len, uint16_t bank, uint8_t out[64])
{
	size_t out_len = 0;

	assert_int_equal(ima_replay(list, len, bank, TPM_ALG_SHA1, out, &out_len, NULL), 0);
	assert_int_equal(out_len, hash_len(bank));
}

/* Runs ima_verify with PCR 10 set to the full replay of the list (so the only
 * failures are the per-entry ones). */
static int verify_full(const char *list, size_t len, uint16_t bank,
		       const struct runtime_policy *p, struct failures *f)
{
	uint8_t pcr[64];
	struct ima_input in = {.list = list, .list_len = len, .bank = bank, .pcr10 = pcr,
			       .pcr10_len = hash_len(bank), .policy = p};

	replay(list, len, bank, pcr);
	failures_init(f);
	return ima_verify(&in, f);
}

static size_t count_type(const struct failures *f, const char *type)
{
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++)
		n += strcmp(f->items[i].type, type) == 0;
	return n;
}

/* Asserts the failure types, in order (NULL-terminated list). */
static void assert_types(const struct failures *f, const char *const *types)
{
	size_t n = 0;

	while (types[n])
		n++;
	if (f->count != n) {
		for (size_t i = 0; i < f->count; i++)
			print_message("  got %s: %s\n", f->items[i].type, f->items[i].message);
		fail_msg("%zu failures, expected %zu", f->count, n);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(f->items[i].type, types[i]);
}

static const char *context_member(const struct failures *f, size_t i, const char *key)
{
	struct json_object *v;

	assert_non_null(f->items[i].extra);
	assert_true(json_object_object_get_ex(f->items[i].extra, key, &v));
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* ---- independent template encoder (for synthetic lines) ---- */

static size_t put32(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return 4;
}

/* An ima-ng / ima-sig / ima-buf line whose template-hash column is the sha1
 * of the template (or all zero). extra is the sig or buf field. */
static char *make_line(const char *pcr, const char *tmpl_name, const char *alg,
		       const uint8_t *dig, size_t dlen, const char *name, size_t name_len,
		       const uint8_t *extra, size_t elen, bool zero_column)
{
	size_t alg_len = strlen(alg), cap = 64 + alg_len + dlen + name_len + elen, w = 0;
	uint8_t *t = malloc(cap), column[20];
	char *line = malloc(3 * cap + 256), *hex = malloc(2 * cap + 1);
	size_t n;

	w += put32(t + w, alg_len + 2 + dlen);
	memcpy(t + w, alg, alg_len);
	w += alg_len;
	t[w++] = ':';
	t[w++] = 0;
	if (dlen)
		memcpy(t + w, dig, dlen);
	w += dlen;
	w += put32(t + w, name_len + 1);
	memcpy(t + w, name, name_len);
	w += name_len;
	t[w++] = 0;
	if (strcmp(tmpl_name, "ima-ng") != 0) {
		w += put32(t + w, elen);
		if (elen)
			memcpy(t + w, extra, elen);
		w += elen;
	}
	md(TPM_ALG_SHA1, t, w, NULL, 0, column);
	if (zero_column)
		memset(column, 0, sizeof(column));
	bytes_to_hex(column, 20, hex);
	n = (size_t)sprintf(line, "%s %s %s %s:", pcr, hex, tmpl_name, alg);
	bytes_to_hex(dig, dlen, line + n);
	n += 2 * dlen;
	line[n++] = ' ';
	memcpy(line + n, name, name_len);
	n += name_len;
	if (strcmp(tmpl_name, "ima-ng") != 0) {
		line[n++] = ' ';
		bytes_to_hex(extra, elen, line + n);
		n += 2 * elen;
	}
	line[n] = 0;
	free(t);
	free(hex);
	return line;
}

static char *make_ng(const char *name, const uint8_t *dig32)
{
	return make_line("10", "ima-ng", "sha256", dig32, 32, name, strlen(name), NULL, 0, false);
}

/* ---- expected replays ---- */

/* expected-replays.json "ima_logs" name → file(s) under testdata/keylime. */
static char *ima_log_for(const char *key, size_t *len)
{
	char a[256], b[256];
	const char *plus;

	if (strncmp(key, "test_ima_verification.", 22) == 0) {
		key += 22;
		plus = strchr(key, '+');
		if (plus) {
			snprintf(a, sizeof(a), TIV "%.*s.txt", (int)(plus - key), key);
			snprintf(b, sizeof(b), TIV "%s.txt", plus + 1);
			return read_concat(a, b, len);
		}
		snprintf(a, sizeof(a), TIV "%s.txt", key);
		return read_concat(a, NULL, len);
	}
	snprintf(a, sizeof(a), "ima/%s", key);
	return read_concat(a, NULL, len);
}

static void test_expected_replays(void **state)
{
	size_t len, checked = 0;
	char *text = read_keylime_file("expected-replays.json", &len);
	struct json_object *root = json_tokener_parse(text), *logs;
	struct runtime_policy *sha1_policy = policy_from(
		POLICY_HEAD "\"ima\": {\"log_hash_alg\": \"sha1\", \"dm_policy\": null}}");

	(void)state;
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "ima_logs", &logs));
	json_object_object_foreach(logs, key, expect)
	{
		size_t list_len, entries = 0, out_len = 0, bad_columns = 0;
		char *list = ima_log_for(key, &list_len);
		struct json_object *v, *ok_list;
		static const uint16_t banks[2] = {TPM_ALG_SHA1, TPM_ALG_SHA256};
		static const char *const fields[2] = {"pcr10_sha1", "pcr10_sha256"};
		struct failures f;

		for (int b = 0; b < 2; b++) {
			uint8_t out[64], want[64];
			struct ima_input in = {.list = list, .list_len = list_len, .bank = banks[b],
					       .pcr10 = want, .pcr10_len = hash_len(banks[b]),
					       .policy = sha1_policy};

			assert_true(json_object_object_get_ex(expect, fields[b], &v));
			assert_int_equal(unhex(json_object_get_string(v), want), hash_len(banks[b]));
			assert_int_equal(ima_replay(list, list_len, banks[b], TPM_ALG_SHA1, out, &out_len,
						    &entries),
					 0);
			if (memcmp(out, want, out_len) != 0)
				fail_msg("%s %s replay differs", key, fields[b]);
			assert_true(json_object_object_get_ex(expect, "entries", &v));
			assert_int_equal(entries, json_object_get_int(v));

			/* The same through ima_verify: no pcr_mismatch; the columns that
			 * do not verify (sha1) are exactly the ima_hash failures. */
			failures_init(&f);
			assert_true(ima_verify(&in, &f) >= 0);
			assert_int_equal(count_type(&f, "ima.pcr_mismatch"), 0);
			assert_true(json_object_object_get_ex(expect, "template_hash_column_ok(sha1)", &ok_list));
			bad_columns = 0;
			for (size_t i = 0; i < json_object_array_length(ok_list); i++)
				bad_columns += !json_object_get_boolean(json_object_array_get_idx(ok_list, i));
			assert_int_equal(count_type(&f, "ima.validation.ima_hash"), bad_columns);
			failures_clear(&f);
		}
		free(list);
		checked++;
	}
	assert_true(checked >= 11);
	runtime_policy_free(sha1_policy);
	json_object_put(root);
	free(text);
}

/* ---- upstream's test_ima_verification expectations ---- */

static void test_measurements_pass_test_policy(void **state)
{
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	static const uint16_t banks[4] = {TPM_ALG_SHA1, TPM_ALG_SHA256, TPM_ALG_SHA384, TPM_ALG_SHA512};
	struct failures f;

	(void)state;
	for (int b = 0; b < 4; b++) {
		size_t len;
		char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
		static const char *const none[] = {NULL};

		assert_int_equal(verify_full(m, len, banks[b], p, &f), 0);
		assert_types(&f, none);
		free(m);
		m = read_concat(TIV "MEASUREMENTS.txt", TIV "SIGNATURES.txt", &len);
		assert_int_equal(verify_full(m, len, banks[b], p, &f), 0);
		assert_types(&f, none);
		free(m);
	}
	runtime_policy_free(p);
}

static void test_measurements_fail_empty_policy(void **state)
{
	size_t len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
	struct failures f;
	static const char *const want[] = {"ima.validation.ima-ng.not_in_allowlist",
					   "ima.validation.ima-ng.not_in_allowlist",
					   "ima.validation.ima-ng.not_in_allowlist", NULL};

	(void)state;
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, NULL, &f), 3);
	assert_types(&f, want);
	assert_string_equal(f.items[0].message, "File not found in allowlist: boot_aggregate");
	assert_string_equal(f.items[1].message,
			    "File not found in allowlist: "
			    "/lib/modules/5.4.48-openpower1/kernel/drivers/usb/common/usb-common.ko");
	assert_null(f.items[0].extra);
	failures_clear(&f);
	free(m);
}

static void test_wrong_policies(void **state)
{
	size_t len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", TIV "SIGNATURES.txt", &len);
	struct runtime_policy *wrong = load_policy(TIV "RUNTIME_POLICY_WRONG.json");
	struct runtime_policy *wrong_ex = load_policy(TIV "RUNTIME_POLICY_WRONG_WITH_EXCLUDES.json");
	struct runtime_policy *with_ex = load_policy(TIV "RUNTIME_POLICY_WITH_EXCLUDES.json");
	struct failures f;
	static const char *const want[] = {"ima.validation.ima-ng.not_in_allowlist",
					   "ima.validation.ima-ng.not_in_allowlist",
					   "ima.validation.ima-ng.not_in_allowlist",
					   "ima.validation.ima-ng.runtime_policy_hash",
					   "ima.validation.ima-ng.runtime_policy_hash", NULL};
	static const char *const none[] = {NULL};

	(void)state;
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, wrong, &f), 5);
	assert_types(&f, want);
	assert_string_equal(f.items[3].message, "Hash not found in runtime policy");
	assert_string_equal(context_member(&f, 3, "got"),
			    "\"d33d5d13792292e202dbf69a6f1b07bc8a02f01424db8489ba7bb7d43c0290ef\"");
	assert_string_equal(context_member(&f, 3, "expected"),
			    "[\"bad05d13792292e202dbf69a6f1b07bc8a02f01424db8489ba7bb7d43c0290ef\"]");
	failures_clear(&f);

	assert_int_equal(verify_full(m, len, TPM_ALG_SHA1, wrong_ex, &f), 0);
	assert_types(&f, none);
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA1, with_ex, &f), 0);
	assert_types(&f, none);

	runtime_policy_free(wrong);
	runtime_policy_free(wrong_ex);
	runtime_policy_free(with_ex);
	free(m);
}

static void test_bad_signatures_template_hash_mismatch(void **state)
{
	size_t len;
	char *m = read_concat(TIV "BAD_SIGNATURES.txt", NULL, &len);
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	struct failures f;
	static const char *const want[] = {"ima.validation.ima_hash", NULL};

	(void)state;
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, want);
	assert_string_equal(f.items[0].message, "IMA template hash does not match the calculated hash.");
	assert_string_equal(context_member(&f, 0, "expected"),
			    "\"b']MQA\\\\xcc\\\\xd5\\\\x06mP\\\\xdc?!\\\\xd7\\\\x9b\\\\xa0/\\\\xed\\\\xc2BV'\"");
	failures_clear(&f);
	runtime_policy_free(p);
	free(m);
}

static void test_keyrings(void **state)
{
	size_t len;
	char *m = read_concat(TIV "KEYRINGS.txt", NULL, &len);
	struct runtime_policy *test = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	struct runtime_policy *wrong = load_policy(TIV "RUNTIME_POLICY_WRONG.json");
	struct runtime_policy *ignored = policy_from(
		POLICY_HEAD "\"ima\": {\"ignored_keyrings\": [\".ima\"], \"log_hash_alg\": \"sha1\", "
		"\"dm_policy\": null}}");
	struct runtime_policy *all = policy_from(
		POLICY_HEAD "\"ima\": {\"ignored_keyrings\": [\"*\"], \"log_hash_alg\": \"sha1\", "
		"\"dm_policy\": null}}");
	struct runtime_policy *bad = policy_from(
		POLICY_HEAD "\"keyrings\": {\".ima\": [\"00\"]}, "
		"\"ima-buf\": {\".ima\": [\"a7d52aaa18c23d2d9bb2abb4308c0eeee67387a42259f4a6b1a42257065f3d5a\"]}}");
	struct failures f;
	static const char *const none[] = {NULL};
	static const char *const missing[] = {"ima.validation.ima-ng.not_in_allowlist", NULL};
	static const char *const hash[] = {"ima.validation.ima-ng.runtime_policy_hash", NULL};

	(void)state;
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, test, &f), 0);
	assert_types(&f, none);
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, wrong, &f), 1);
	assert_types(&f, missing);
	assert_string_equal(f.items[0].message, "File not found in allowlist: .ima");
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, ignored, &f), 0);
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, all, &f), 0);
	/* A key goes to "keyrings", never to "ima-buf". */
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, bad, &f), 1);
	assert_types(&f, hash);
	assert_string_equal(context_member(&f, 0, "expected"), "[\"00\"]");
	failures_clear(&f);
	runtime_policy_free(test);
	runtime_policy_free(wrong);
	runtime_policy_free(ignored);
	runtime_policy_free(all);
	runtime_policy_free(bad);
	free(m);
}

/* ima-buf with a key type Keylime does not support, and with plain data. */
static void test_ima_buf_key_types_and_plain_buffers(void **state)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	uint8_t *der = NULL, dig[32], kernel_dig[32];
	int der_len = i2d_PUBKEY(ed, &der);
	char *line, list[8192];
	const char *plain = "5.14.0-generic";
	char policy[512], hex[65];
	struct runtime_policy *p;
	struct failures f;
	static const char *const invalid[] = {"ima.invalid_key", NULL};
	static const char *const none[] = {NULL};
	static const char *const missing[] = {"ima.validation.ima-ng.not_in_allowlist", NULL};

	(void)state;
	assert_true(der_len > 0);
	memset(dig, 0x11, sizeof(dig));
	line = make_line("10", "ima-buf", "sha256", dig, 32, ".ima", 4, der, (size_t)der_len, false);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, NULL, &f), 1);
	assert_types(&f, invalid);
	assert_string_equal(f.items[0].message,
			    "key from .ima does not have a supported key: Unsupported key type "
			    "Ed25519PublicKey");
	free(line);
	OPENSSL_free(der);

	/* An RSA private key (DER) counts as its public key: keyrings lookup. */
	der = NULL;
	der_len = i2d_PrivateKey(rsa, &der);
	assert_true(der_len > 0);
	line = make_line("10", "ima-buf", "sha256", dig, 32, "_ima", 4, der, (size_t)der_len, false);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, NULL, &f), 1);
	assert_types(&f, missing);
	assert_string_equal(f.items[0].message, "File not found in allowlist: _ima");
	free(line);
	OPENSSL_free(der);

	/* Not a key: checked in "ima-buf" by name. */
	md(TPM_ALG_SHA256, plain, strlen(plain), NULL, 0, kernel_dig);
	bytes_to_hex(kernel_dig, 32, hex);
	snprintf(policy, sizeof(policy),
		 POLICY_HEAD "\"ima-buf\": {\"kernel_version\": [\"%s\"]}}", hex);
	p = policy_from(policy);
	line = make_line("10", "ima-buf", "sha256", kernel_dig, 32, "kernel_version", 14,
			 (const uint8_t *)plain, strlen(plain), false);
	snprintf(list, sizeof(list), "%s\n", line);
	assert_int_equal(verify_full(list, strlen(list), TPM_ALG_SHA1, p, &f), 0);
	assert_types(&f, none);
	assert_int_equal(verify_full(list, strlen(list), TPM_ALG_SHA1, NULL, &f), 1);
	assert_types(&f, missing);
	free(line);
	runtime_policy_free(p);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
}

/* ---- replay rules ---- */

static void test_list_longer_than_quote(void **state)
{
	size_t len_m, len_ms;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len_m);
	char *ms = read_concat(TIV "MEASUREMENTS.txt", TIV "SIGNATURES.txt", &len_ms);
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	uint8_t pcr[64];
	char hex[129];
	struct ima_input in = {.list = ms, .list_len = len_ms, .bank = TPM_ALG_SHA256, .pcr10 = pcr,
			       .pcr10_len = 32, .policy = p};
	struct failures f;
	static const char *const mismatch[] = {"ima.pcr_mismatch", NULL};
	char want[256];

	(void)state;
	/* The quote was taken after the 3rd entry; the list has 5. */
	replay(m, len_m, TPM_ALG_SHA256, pcr);
	failures_init(&f);
	assert_int_equal(ima_verify(&in, &f), 0);
	assert_int_equal(f.count, 0);

	/* A PCR that no prefix reaches. */
	pcr[0] ^= 1;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_types(&f, mismatch);
	bytes_to_hex(pcr, 32, hex);
	snprintf(want, sizeof(want), "IMA measurement list does not match TPM PCR %s", hex);
	assert_string_equal(f.items[0].message, want);
	failures_clear(&f);

	/* A PCR of the wrong size never matches. */
	in.pcr10_len = 20;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_types(&f, mismatch);
	failures_clear(&f);

	/* No PCR value at all (pcrval=None): checked, never compared. */
	in.pcr10 = NULL;
	in.pcr10_len = 0;
	assert_int_equal(ima_verify(&in, &f), 0);
	runtime_policy_free(p);
	free(m);
	free(ms);
}

static void test_empty_list(void **state)
{
	uint8_t zero[32] = {0}, one[32] = {1};
	struct ima_input in = {.list = "", .list_len = 0, .bank = TPM_ALG_SHA256, .pcr10 = zero,
			       .pcr10_len = 32};
	struct failures f;
	static const char *const mismatch[] = {"ima.pcr_mismatch", NULL};

	(void)state;
	failures_init(&f);
	assert_int_equal(ima_verify(&in, &f), 0);
	in.list = NULL;
	assert_int_equal(ima_verify(&in, &f), 0);
	in.pcr10 = one;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_types(&f, mismatch);
	failures_clear(&f);
}

/* An all-zero column (log_hash_alg size) is extended as 0xFF..FF and its
 * content is not checked; an all-FF column is extended normally. */
static void test_zero_template_hash_extends_ff(void **state)
{
	uint8_t dig[32] = {0}, ff[64], running[64] = {0}, expect[64], got[64], t_hash[64];
	char *line = make_line("10", "ima-ng", "sha256", dig, 32, "/tmp/open-writers", 17, NULL, 0,
			       true);
	char *ff_line;
	struct failures f;
	static const uint16_t banks[3] = {TPM_ALG_SHA1, TPM_ALG_SHA256, TPM_ALG_SHA512};
	static const char *const none[] = {NULL};
	size_t n;

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	for (int b = 0; b < 3; b++) {
		size_t hl = hash_len(banks[b]);

		md(banks[b], running, hl, ff, hl, expect);
		replay(line, strlen(line), banks[b], got);
		assert_memory_equal(got, expect, hl);
		/* NULL policy: the content would be not_in_allowlist, but is skipped. */
		assert_int_equal(verify_full(line, strlen(line), banks[b], NULL, &f), 0);
		assert_types(&f, none);
	}

	/* The same column in the FF form is not a violation (the kernel never
	 * writes one): it is extended with the real template hash and must
	 * equal it, so it fails ima_hash (issue 12 item 1). */
	ff_line = strdup(line);
	memset(ff_line + 3, 'f', 40);
	replay(ff_line, strlen(ff_line), TPM_ALG_SHA256, got);
	assert_false(memcmp(got, expect, 32) == 0);
	assert_int_equal(verify_full(ff_line, strlen(ff_line), TPM_ALG_SHA256, NULL, &f), 1);
	assert_string_equal(f.items[0].type, "ima.validation.ima_hash");
	failures_clear(&f);

	/* A 32-byte zero column while log_hash_alg is sha1 is not "zero". */
	n = strlen(line) + 24 + 1;
	free(ff_line);
	ff_line = malloc(n);
	snprintf(ff_line, n, "10 %064d%s", 0, line + 3 + 40);
	replay(ff_line, strlen(ff_line), TPM_ALG_SHA256, got);
	{
		/* The template bytes are the same as line's: recompute its hash. */
		uint8_t tmpl[256];
		size_t w = 0;

		w += put32(tmpl + w, 6 + 2 + 32);
		memcpy(tmpl + w, "sha256:", 7);
		w += 7;
		tmpl[w++] = 0;
		memcpy(tmpl + w, dig, 32);
		w += 32;
		w += put32(tmpl + w, 18);
		memcpy(tmpl + w, "/tmp/open-writers", 18);
		w += 18;
		md(TPM_ALG_SHA256, tmpl, w, NULL, 0, t_hash);
		md(TPM_ALG_SHA256, running, 32, t_hash, 32, expect);
		assert_memory_equal(got, expect, 32);
	}
	free(ff_line);
	free(line);
}

/* Runs ima_verify on `list` with PCR 10 = the replay of `genuine`: the
 * value the kernel extended, whatever an attacker made of the text. */
static int verify_against(const char *list, const char *genuine, uint16_t bank,
			  const struct runtime_policy *p, struct failures *f)
{
	uint8_t pcr[64];
	struct ima_input in = {.list = list, .list_len = strlen(list), .bank = bank, .pcr10 = pcr,
			       .pcr10_len = hash_len(bank), .policy = p};

	replay(genuine, strlen(genuine), bank, pcr);
	failures_init(f);
	return ima_verify(&in, f);
}

/* Issue 12 item 1: the real /usr/bin/dd ima-sig entry, whose digest the policy
 * does not allow, with its template-hash column replaced by all-FF. The PCR
 * still replays (the template hash is extended), and upstream, like teev
 * before, then skipped every check of the entry. */
static void test_ff_column_does_not_hide_an_entry(void **state)
{
	size_t len;
	char *m = read_concat(TIV "SIGNATURES.txt", NULL, &len), *dd, *forged;
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_WRONG.json");
	struct failures f;
	static const char *const wrong[] = {"ima.validation.ima-ng.runtime_policy_hash", NULL};
	static const char *const hashed[] = {"ima.validation.ima_hash", NULL};

	(void)state;
	dd = strstr(m, " /usr/bin/dd ");
	assert_non_null(dd);
	while (dd > m && dd[-1] != '\n')
		dd--;
	dd[strcspn(dd, "\n")] = 0; /* the dd line alone */
	assert_int_equal(verify_against(dd, dd, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, wrong);
	failures_clear(&f);

	forged = strdup(dd);
	memset(forged + 3, 'f', 40);
	assert_int_equal(verify_against(forged, dd, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, hashed);
	assert_string_equal(f.items[0].message,
			    "IMA template hash does not match the calculated hash.");
	failures_clear(&f);
	/* With no runtime policy (Keylime's empty one) as well. */
	assert_int_equal(verify_against(forged, dd, TPM_ALG_SHA256, NULL, &f), 1);
	assert_types(&f, hashed);
	failures_clear(&f);
	free(forged);
	runtime_policy_free(p);
	free(m);
}

#define EXCLUDE_TMP_POLICY                                                             \
	POLICY_HEAD "\"digests\": {}, \"excludes\": [\"/tmp/.*\"], " \
	"\"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", \"dm_policy\": null}}"

/* The template bytes of a line built by make_line, from its own fields. */
static size_t ng_template(const uint8_t *dig, size_t dlen, const char *name, size_t name_len,
			  const uint8_t *sig, size_t sig_len, bool with_sig, uint8_t *t)
{
	size_t w = 0;

	w += put32(t + w, 7 + 1 + dlen);
	memcpy(t + w, "sha256:", 7);
	w += 7;
	t[w++] = 0;
	memcpy(t + w, dig, dlen);
	w += dlen;
	w += put32(t + w, name_len + 1);
	memcpy(t + w, name, name_len);
	w += name_len;
	t[w++] = 0;
	if (with_sig) {
		w += put32(t + w, sig_len);
		memcpy(t + w, sig, sig_len);
		w += sig_len;
	}
	return w;
}

/* The same template bytes written as a legacy "ima" line: digest = all but
 * the last 256 bytes (given as "sha256:<hex>", which upstream's legacy
 * parser takes at any length), name = the last 256 up to the first NUL. */
static char *relabel_as_legacy(const char *genuine, const uint8_t *t, size_t t_len)
{
	const uint8_t *field = t + t_len - 256;
	size_t name_len = strnlen((const char *)field, 256);
	char *line = malloc(64 + 2 * t_len + 300);
	size_t n = (size_t)sprintf(line, "10 %.40s ima sha256:", genuine + 3);

	bytes_to_hex(t, t_len - 256, line + n);
	n += 2 * (t_len - 256);
	line[n++] = ' ';
	memcpy(line + n, field, name_len);
	line[n + name_len] = 0;
	return line;
}

/* Issue 12 item 4a: a measured ima-ng (or ima-sig) entry re-labelled as a
 * legacy "ima" entry re-parses under another name, here one the policy
 * excludes, while its template bytes (so the column and PCR 10) stay the
 * kernel's. */
static void test_relabelled_legacy_entry_is_not_hidden(void **state)
{
	static const char *const refused[] = {"ima.parser.entry", "ima.pcr_mismatch", NULL};
	static const char *const missing[] = {"ima.validation.ima-ng.not_in_allowlist", NULL};
	struct runtime_policy *p = policy_from(EXCLUDE_TMP_POLICY);
	uint8_t dig[32], t[1024], sig[9 + 300];
	char path[300], *genuine, *forged;
	size_t t_len;
	struct failures f;

	(void)state;
	memset(dig, 0xe5, sizeof(dig));
	/* ima-ng, run from a 262-byte path whose last 255 bytes start "/tmp/". */
	snprintf(path, sizeof(path), "/root/x/tmp/%0250d", 0);
	memset(path + 12, 'e', 250);
	genuine = make_line("10", "ima-ng", "sha256", dig, 32, path, strlen(path), NULL, 0, false);
	assert_int_equal(verify_against(genuine, genuine, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, missing);
	failures_clear(&f);
	t_len = ng_template(dig, 32, path, strlen(path), NULL, 0, false, t);
	forged = relabel_as_legacy(genuine, t, t_len);
	assert_non_null(strstr(forged, " ima sha256:"));
	assert_int_equal(strncmp(strrchr(forged, ' ') + 1, "/tmp/eee", 8), 0);
	assert_int_equal(verify_against(forged, genuine, TPM_ALG_SHA256, p, &f), 2);
	assert_types(&f, refused);
	failures_clear(&f);
	free(forged);
	free(genuine);

	/* ima-sig: any path whose security.ima xattr (a signature the kernel
	 * logs without checking) ends in "/tmp/x" and NULs. */
	memset(sig, 0, sizeof(sig));
	memcpy(sig, (const uint8_t[]){3, 2, 4, 0xaa, 0xbb, 0xcc, 0xdd, 300 >> 8, 300 & 0xff}, 9);
	memset(sig + 9, 0x41, 300 - 256);
	memcpy(sig + 9 + 300 - 256, "/tmp/x", 6);
	genuine = make_line("10", "ima-sig", "sha256", dig, 32, "/usr/bin/evil", 13, sig,
			    sizeof(sig), false);
	assert_int_equal(verify_against(genuine, genuine, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, missing);
	failures_clear(&f);
	t_len = ng_template(dig, 32, "/usr/bin/evil", 13, sig, sizeof(sig), true, t);
	forged = relabel_as_legacy(genuine, t, t_len);
	assert_string_equal(strrchr(forged, ' ') + 1, "/tmp/x");
	assert_int_equal(verify_against(forged, genuine, TPM_ALG_SHA256, p, &f), 2);
	assert_types(&f, refused);
	failures_clear(&f);
	free(forged);
	free(genuine);
	runtime_policy_free(p);
}

/* Issue 12 item 4a, second rule: file entries and the list's first entry
 * (boot_aggregate) agree on whether they use the legacy template; the
 * ima-ng family (ima-ng, ima-sig, ima-buf) may mix, as kernels do. */
static void test_legacy_entry_after_ng_boot_aggregate(void **state)
{
	static const char *const tmpl[] = {"ima.validation.ima_template", NULL};
	static const char *const none[] = {NULL};
	uint8_t dig[32], legacy_t[20 + 256], col[20];
	char *boot, *ng, hex[65], legacy[400], list[2048], policy[600];
	struct runtime_policy *p;
	struct failures f;

	(void)state;
	memset(dig, 0x42, sizeof(dig));
	boot = make_line("10", "ima-ng", "sha256", dig, 32, "boot_aggregate", 14, NULL, 0, false);
	ng = make_line("10", "ima-sig", "sha256", dig, 32, "/bin/ng", 7, NULL, 0, false);
	memset(legacy_t, 0, sizeof(legacy_t));
	memcpy(legacy_t, dig, 20);
	memcpy(legacy_t + 20, "/bin/old", 8);
	md(TPM_ALG_SHA1, legacy_t, sizeof(legacy_t), NULL, 0, col);
	bytes_to_hex(col, 20, hex);
	snprintf(legacy, sizeof(legacy), "10 %s ima ", hex);
	bytes_to_hex(dig, 20, legacy + strlen(legacy));
	strcat(legacy, " /bin/old");
	bytes_to_hex(dig, 32, hex);
	snprintf(policy, sizeof(policy),
		 POLICY_HEAD "\"excludes\": [], \"digests\": {"
		 "\"boot_aggregate\": [\"%s\"], \"/bin/ng\": [\"%s\"], \"/bin/old\": [\"%.40s\"]}, "
		 "\"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", "
		 "\"dm_policy\": null}}",
		 hex, hex, hex);
	p = policy_from(policy);

	snprintf(list, sizeof(list), "%s\n%s\n", boot, ng);
	assert_int_equal(verify_against(list, list, TPM_ALG_SHA256, p, &f), 0);
	assert_types(&f, none);
	snprintf(list, sizeof(list), "%s\n%s\n%s\n", boot, ng, legacy);
	assert_int_equal(verify_against(list, list, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, tmpl);
	assert_string_equal(context_member(&f, 0, "expected"), "\"ima-ng\"");
	assert_string_equal(context_member(&f, 0, "got"), "\"ima\"");
	failures_clear(&f);
	/* A legacy list stays legacy: an ima-ng entry in it is refused too. */
	snprintf(list, sizeof(list), "%s\n%s\n", legacy, ng);
	assert_int_equal(verify_against(list, list, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, tmpl);
	failures_clear(&f);
	runtime_policy_free(p);
	free(boot);
	free(ng);
}

static void test_pcr_column_other_than_10(void **state)
{
	size_t len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	struct failures f;
	static const char *const want[] = {"ima.validation.ima_pcr", NULL};

	(void)state;
	m[0] = '1';
	m[1] = '1'; /* first entry on "PCR 11": still extended, still checked */
	assert_int_equal(verify_full(m, len, TPM_ALG_SHA256, p, &f), 1);
	assert_types(&f, want);
	assert_string_equal(f.items[0].message, "IMA PCR is not the configured one");
	assert_string_equal(context_member(&f, 0, "expected"), "\"10\"");
	assert_string_equal(context_member(&f, 0, "got"), "\"11\"");
	failures_clear(&f);
	runtime_policy_free(p);
	free(m);
}

/* ---- the legacy "ima" template ---- */

static void test_legacy_ima_template(void **state)
{
	uint8_t tmpl[20 + 256], col[20], dig[20], md5[16];
	char line[600], hex[41], policy[256];
	struct runtime_policy *p;
	struct failures f;
	static const char *const none[] = {NULL};
	static const char *const parse[] = {"ima.parser.entry", NULL};
	char long_name[300];

	(void)state;
	memset(dig, 0x5a, sizeof(dig));
	memset(tmpl, 0, sizeof(tmpl));
	memcpy(tmpl, dig, 20);
	memcpy(tmpl + 20, "/a b", 4); /* the legacy name may hold spaces */
	md(TPM_ALG_SHA1, tmpl, sizeof(tmpl), NULL, 0, col);
	bytes_to_hex(col, 20, hex);
	snprintf(line, sizeof(line), "10 %s ima ", hex);
	bytes_to_hex(dig, 20, line + strlen(line));
	strcat(line, " /a b");
	bytes_to_hex(dig, 20, hex);
	snprintf(policy, sizeof(policy), POLICY_HEAD "\"digests\": {\"/a b\": [\"%s\"]}}",
		 hex);
	p = policy_from(policy);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, p, &f), 0);
	assert_types(&f, none);
	runtime_policy_free(p);

	/* A bare 16-byte digest is md5; other bare lengths do not parse. */
	memset(md5, 0x33, sizeof(md5));
	memset(tmpl, 0, sizeof(tmpl));
	memcpy(tmpl, md5, 16);
	memcpy(tmpl + 16, "/m", 2);
	md(TPM_ALG_SHA1, tmpl, 16 + 256, NULL, 0, col);
	bytes_to_hex(col, 20, hex);
	snprintf(line, sizeof(line), "10 %s ima 33333333333333333333333333333333 /m", hex);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA1, NULL, &f), 1);
	assert_string_equal(f.items[0].type, "ima.validation.ima-ng.not_in_allowlist");
	snprintf(line, sizeof(line), "10 %s ima 3333 /m", hex);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA1, NULL, &f), 1);
	assert_types(&f, parse);

	/* Names over 255 bytes do not fit the 256-byte field. */
	memset(long_name, 'n', 256);
	long_name[256] = 0;
	snprintf(line, sizeof(line), "10 %s ima 33333333333333333333333333333333 %s", hex, long_name);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA1, NULL, &f), 1);
	assert_types(&f, parse);
	failures_clear(&f);
}

/* ---- hostile input ---- */

static void test_unparsable_lines_reported_and_not_extended(void **state)
{
	static const char *const bad[] = {
		"10",
		"10 abc",
		"10 0c8a706a75a5689c1e168f0a573a3cbec33061b5 ima-ng",
		"10 zz ima-ng sha1:0000000000000000000000000000000000000000 /x",
		"10 0c8a 706a ima-ng sha1:0000000000000000000000000000000000000000 /x",
		"10 1111111111111111111111111111111111111111 ima-modsig sha256:00 /x 00 00",
		"10 1111111111111111111111111111111111111111 ima-ngv2 sha256:00 /x",
		"10 1111111111111111111111111111111111111111 IMA-NG sha256:00 /x",
		"10 1111111111111111111111111111111111111111 ima-ng sha256:0 /x",
		"10 1111111111111111111111111111111111111111 ima-ng sha256:0g /x",
		"10 1111111111111111111111111111111111111111 ima-ng a:b:00 /x",
		"10 1111111111111111111111111111111111111111 ima-ng 0011 /x",
		"10 1111111111111111111111111111111111111111 ima-ng sha256:00",
		"10 1111111111111111111111111111111111111111 ima-sig sha256:00 /x",
		"10 1111111111111111111111111111111111111111 ima-buf sha256:00 /x zz",
		"10 1111111111111111111111111111111111111111 ima-buf sha256:00 /x",
		"10 1111111111111111111111111111111111111111  ima-ng sha256:00 /x",
		"\r",
		" ",
		"10 \xff\xfe ima-ng sha256:00 /x",
	};
	const size_t n_bad = sizeof(bad) / sizeof(bad[0]);
	size_t len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
	size_t cap = len + 4096, w = 0;
	char *mixed = malloc(cap), want[600];
	uint8_t clean[64], dirty[64];
	struct failures f;
	const char *line = m;

	(void)state;
	/* One bad line after each good one (and the rest at the end). */
	for (size_t i = 0; i < n_bad; i++) {
		const char *nl = line ? strchr(line, '\n') : NULL;

		if (nl) {
			memcpy(mixed + w, line, (size_t)(nl - line) + 1);
			w += (size_t)(nl - line) + 1;
			line = nl + 1;
		}
		w += (size_t)snprintf(mixed + w, cap - w, "%s\n", bad[i]);
	}
	replay(m, len, TPM_ALG_SHA256, clean);
	replay(mixed, w, TPM_ALG_SHA256, dirty);
	assert_memory_equal(clean, dirty, 32);

	assert_int_equal(verify_full(mixed, w, TPM_ALG_SHA256, NULL, &f), (int)(n_bad + 3));
	assert_int_equal(count_type(&f, "ima.parser.entry"), n_bad);
	for (size_t i = 0, k = 0; i < f.count; i++) {
		if (strcmp(f.items[i].type, "ima.parser.entry") != 0)
			continue;
		snprintf(want, sizeof(want), "Line was not parsable into a valid IMA entry: %s", bad[k++]);
		assert_string_equal(f.items[i].message, want);
		assert_null(f.items[i].extra);
	}
	failures_clear(&f);
	free(mixed);
	free(m);
}

/* Every prefix of a valid line parses or is reported, never crashes. */
static void test_truncated_lines(void **state)
{
	size_t len;
	char *m = read_concat(TIV "SIGNATURES.txt", NULL, &len);
	const char *nl = strchr(m, '\n');
	size_t line_len = nl ? (size_t)(nl - m) : len;
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	struct failures f;

	(void)state;
	for (size_t n = 0; n <= line_len; n++) {
		int rc = verify_full(m, n, TPM_ALG_SHA256, p, &f);

		assert_true(rc >= 0);
		assert_int_equal(count_type(&f, "ima.pcr_mismatch"), 0);
		if (n == line_len)
			assert_int_equal(rc, 0);
		failures_clear(&f);
	}
	runtime_policy_free(p);
	free(m);
}

static void test_huge_line(void **state)
{
	size_t n = 1u << 20;
	char *list = malloc(n + 1);
	struct failures f;

	(void)state;
	const char *head = "10 1111111111111111111111111111111111111111 ima-ng sha256:00 /";
	const char *quoted = "Line was not parsable into a valid IMA entry: 10 1111";

	memcpy(list, head, strlen(head));
	memset(list + strlen(head), 'a', n - strlen(head));
	list[n] = 0;
	assert_int_equal(verify_full(list, n, TPM_ALG_SHA256, NULL, &f), 1);
	assert_string_equal(f.items[0].type, "ima.parser.entry");
	assert_true(strlen(f.items[0].message) < FAILURE_MESSAGE_MAX);
	assert_true(strncmp(f.items[0].message, quoted, strlen(quoted)) == 0);
	failures_clear(&f);

	/* Just over IMA_LINE_MAX is refused; a long but legal ima-buf is fine. */
	assert_int_equal(verify_full(list, IMA_LINE_MAX + 1, TPM_ALG_SHA256, NULL, &f), 1);
	assert_string_equal(f.items[0].type, "ima.parser.entry");
	failures_clear(&f);
	{
		uint8_t dig[32] = {0}, *buf = malloc(30000);
		char *line;

		memset(buf, 0x41, 30000);
		line = make_line("10", "ima-buf", "sha256", dig, 32, "big", 3, buf, 30000, false);
		assert_true(strlen(line) < IMA_LINE_MAX);
		assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, NULL, &f), 1);
		assert_string_equal(f.items[0].type, "ima.validation.ima-ng.not_in_allowlist");
		failures_clear(&f);
		free(line);
		free(buf);
	}
	free(list);
}

static void test_million_empty_lines_fast(void **state)
{
	size_t n = 1000000, len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
	char *list = malloc(n + len);
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	struct failures f;
	double t0, elapsed;

	(void)state;
	memset(list, '\n', n + len);
	memcpy(list + n / 2, m, len); /* the real entries in the middle */
	t0 = test_now_seconds();
	assert_int_equal(verify_full(list, n + len, TPM_ALG_SHA256, p, &f), 0);
	elapsed = test_now_seconds() - t0;
	print_message("    10^6 empty lines (+3 entries, replayed twice) in %.3f s\n", elapsed);
	assert_true(elapsed < 1.0 * test_slowdown());
	runtime_policy_free(p);
	free(list);
	free(m);
}

/* At most IMA_MAX_LINES lines are read; the rest is reported, not parsed. */
static void test_line_count_bound(void **state)
{
	size_t n = IMA_MAX_LINES;
	char *list = malloc(n + 1);
	uint8_t zero[32] = {0};
	struct ima_input in = {.list = list, .list_len = n, .bank = TPM_ALG_SHA256, .pcr10 = zero,
			       .pcr10_len = 32};
	struct failures f;

	(void)state;
	memset(list, '\n', n + 1);
	failures_init(&f);
	assert_int_equal(ima_verify(&in, &f), 0);
	in.list_len = n + 1;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_string_equal(f.items[0].type, "ima.parser.entry");
	assert_string_equal(f.items[0].message,
			    "IMA measurement list has more than 10000000 lines; the rest was not read");
	failures_clear(&f);
	free(list);
}

/* Path bytes that are not UTF-8 are a path like any other. */
static void test_non_utf8_path(void **state)
{
	static const char name[] = "/opt/caf\xe9/\xff\xfe.bin";
	uint8_t dig[32];
	char *line;
	char hex[65], policy[512];
	struct runtime_policy *p;
	struct failures f;

	(void)state;
	memset(dig, 0x42, sizeof(dig));
	line = make_ng(name, dig);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, NULL, &f), 1);
	assert_string_equal(f.items[0].type, "ima.validation.ima-ng.not_in_allowlist");
	assert_string_equal(f.items[0].message, "File not found in allowlist: /opt/caf\xe9/\xff\xfe.bin");
	failures_clear(&f);

	/* Excluded by a prefix regex, matched as bytes. */
	p = policy_from(POLICY_HEAD "\"excludes\": [\"/opt/caf\"]}");
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, p, &f), 0);
	runtime_policy_free(p);
	/* A regex cannot match across bytes that are not UTF-8: not excluded. */
	p = policy_from(POLICY_HEAD "\"excludes\": [\"/opt/caf.*bin$\"]}");
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, p, &f), 1);
	assert_string_equal(f.items[0].type, "ima.validation.ima-ng.not_in_allowlist");
	failures_clear(&f);
	runtime_policy_free(p);

	/* A UTF-8 path listed in the policy matches byte for byte. */
	free(line);
	line = make_ng("/opt/caf\xc3\xa9", dig);
	bytes_to_hex(dig, 32, hex);
	snprintf(policy, sizeof(policy),
		 POLICY_HEAD "\"digests\": {\"/opt/caf\\u00e9\": [\"%s\"]}}", hex);
	p = policy_from(policy);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA256, p, &f), 0);
	runtime_policy_free(p);
	free(line);
}

/* A CRLF list: ima-sig's empty signature field becomes "\r", which
 * bytes.fromhex() skips, so the entries still verify (as upstream). */
static void test_crlf_list(void **state)
{
	size_t len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
	char *crlf = malloc(2 * len + 1);
	size_t w = 0;
	struct runtime_policy *p = load_policy(TIV "RUNTIME_POLICY_TEST.json");
	uint8_t a[64], b[64];
	struct failures f;

	(void)state;
	for (size_t i = 0; i < len; i++) {
		if (m[i] == '\n')
			crlf[w++] = '\r';
		crlf[w++] = m[i];
	}
	replay(m, len, TPM_ALG_SHA1, a);
	replay(crlf, w, TPM_ALG_SHA1, b);
	assert_memory_equal(a, b, 20);
	assert_int_equal(verify_full(crlf, w, TPM_ALG_SHA1, p, &f), 0);
	runtime_policy_free(p);
	free(crlf);
	free(m);
}

/* ima-sig: a signature whose header does not announce its length is
 * treated as absent (the template then holds a zero length). */
static void test_ima_sig_signature_rules(void **state)
{
	uint8_t dig[32], sig[9 + 4], fake[5] = {3, 2, 4, 0, 0};
	char *line;
	struct failures f;
	static const char *const hash[] = {"ima.validation.ima_hash",
					   NULL};

	(void)state;
	memset(dig, 0x24, sizeof(dig));
	memcpy(sig, (const uint8_t[]){3, 2, 4, 0xaa, 0xbb, 0xcc, 0xdd, 0, 4, 1, 2, 3, 4}, 13);
	/* A well-formed signature is part of the template. */
	line = make_line("10", "ima-sig", "sha256", dig, 32, "/s", 2, sig, sizeof(sig), false);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA1, NULL, &f), 1);
	assert_string_equal(f.items[0].type, "ima.validation.ima-ng.not_in_allowlist");
	free(line);
	/* A malformed one is dropped from the template: the column (hash of the
	 * template WITH it) no longer verifies. */
	line = make_line("10", "ima-sig", "sha256", dig, 32, "/s", 2, fake, sizeof(fake), false);
	assert_int_equal(verify_full(line, strlen(line), TPM_ALG_SHA1, NULL, &f), 1);
	assert_types(&f, hash);
	failures_clear(&f);
	free(line);
	/* Not even hex: also absent, the line still parses. */
	line = make_line("10", "ima-sig", "sha256", dig, 32, "/s", 2, NULL, 0, false);
	{
		size_t n = strlen(line);
		char *odd = malloc(n + 4);

		snprintf(odd, n + 4, "%szz", line);
		assert_int_equal(verify_full(odd, strlen(odd), TPM_ALG_SHA1, NULL, &f), 1);
		assert_string_equal(f.items[0].type, "ima.validation.ima-ng.not_in_allowlist");
		free(odd);
	}
	failures_clear(&f);
	free(line);
}

/* ---- boot aggregates from the measured-boot log ---- */

static void test_extra_boot_aggregates(void **state)
{
	size_t len;
	char *m = read_concat(TIV "MEASUREMENTS.txt", NULL, &len);
	struct runtime_policy *no_agg = policy_from(
		POLICY_HEAD "\"digests\": {"
		"\"/lib/modules/5.4.48-openpower1/kernel/drivers/usb/common/usb-common.ko\": "
		"[\"f1125b940480d20ad841d26d5ea253edc0704b5ec1548c891edf212cb1a9365e\"], "
		"\"/lib/modules/5.4.48-openpower1/kernel/drivers/gpu/drm/drm_panel_orientation_quirks.ko\": "
		"[\"cd026b58efdf66658685430ff526490d54a430a3f0066a35ac26a8acab66c55d\"]}}");
	struct runtime_policy *wrong_agg = policy_from(
		POLICY_HEAD "\"digests\": {\"boot_aggregate\": [\"sha256:x\", "
		"\"0101010101010101010101010101010101010101010101010101010101010101\"]}, "
		"\"excludes\": [\"/lib\"]}");
	uint8_t extras[3][64] = {{0}};
	uint8_t pcr[64];
	struct ima_input in = {.list = m, .list_len = len, .bank = TPM_ALG_SHA256, .pcr10 = pcr,
			       .pcr10_len = 32, .policy = no_agg, .extra_boot_aggregates = extras,
			       .n_extra_boot_aggregates = 2, .extra_boot_aggregate_len = 32};
	struct failures f;
	static const char *const missing[] = {"ima.validation.ima-ng.not_in_allowlist", NULL};
	static const char *const hash[] = {"ima.validation.ima-ng.runtime_policy_hash", NULL};

	(void)state;
	replay(m, len, TPM_ALG_SHA256, pcr);
	unhex("e4cb9f5709c88376b5fc3743cd88e76b9aae8f3d992d845678de5215edb31216", extras[1]);
	memset(extras[0], 0x01, 32);
	memset(extras[2], 0x02, 32);
	failures_init(&f);
	assert_int_equal(ima_verify(&in, &f), 0);

	/* Without the measured-boot value the entry is not in the allowlist... */
	in.n_extra_boot_aggregates = 0;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_types(&f, missing);
	assert_string_equal(f.items[0].message, "File not found in allowlist: boot_aggregate");
	failures_clear(&f);

	/* ...and with only other values it is a hash mismatch listing them. */
	in.extra_boot_aggregates = extras + 2;
	in.n_extra_boot_aggregates = 1;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_types(&f, hash);
	assert_string_equal(context_member(&f, 0, "expected"),
			    "[\"0202020202020202020202020202020202020202020202020202020202020202\"]");
	failures_clear(&f);

	/* Policy values first, then the extras not already there. */
	in.policy = wrong_agg;
	in.extra_boot_aggregates = extras;
	in.n_extra_boot_aggregates = 1;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_types(&f, hash);
	assert_string_equal(context_member(&f, 0, "expected"),
			    "[\"sha256:x\",\"0101010101010101010101010101010101010101010101010101010101010101\"]");
	assert_string_equal(context_member(&f, 0, "got"),
			    "\"e4cb9f5709c88376b5fc3743cd88e76b9aae8f3d992d845678de5215edb31216\"");
	failures_clear(&f);
	in.extra_boot_aggregates = extras + 2;
	assert_int_equal(ima_verify(&in, &f), 1);
	assert_string_equal(context_member(&f, 0, "expected"),
			    "[\"sha256:x\",\"0101010101010101010101010101010101010101010101010101010101010101\","
			    "\"0202020202020202020202020202020202020202020202020202020202020202\"]");
	failures_clear(&f);

	runtime_policy_free(no_agg);
	runtime_policy_free(wrong_agg);
	free(m);
}

/* ---- golden cases (upstream's own answers) ---- */

/* PCR 10 of the quote's tpm2-tools PCR blob: *found false when not quoted. */
static void quoted_pcr10(const char *quote, uint16_t *bank, uint8_t *pcr, size_t *pcr_len,
			 bool *found)
{
	const char *third = strrchr(quote, ':');
	size_t blob_len = 0, v = 0;
	uint8_t *blob = malloc(b64_decoded_max(strlen(third + 1)) + 1);
	struct tpm_pcr_blob *pb = malloc(sizeof(*pb));
	char err[128];

	*found = false;
	assert_int_equal(b64_decode(B64_STD, third + 1, strlen(third + 1), blob,
				    b64_decoded_max(strlen(third + 1)) + 1, &blob_len),
			 0);
	assert_int_equal(tpm_pcr_blob_parse(blob, blob_len, pb, err, sizeof(err)), 0);
	for (uint32_t s = 0; s < pb->count; s++) {
		for (int i = 0; i < 24; i++) {
			if (!(pb->slots[s].mask >> i & 1))
				continue;
			if (i == 10) {
				*bank = pb->slots[s].hash_alg;
				*pcr_len = pb->values[v].size;
				memcpy(pcr, pb->values[v].buf, *pcr_len);
				*found = true;
			}
			v++;
		}
	}
	free(pb);
	free(blob);
}

static void test_golden_ima_cases(void **state)
{
	size_t len, compared = 0;
	char *text = read_keylime_file("golden/tpm-cases.json", &len);
	struct json_object *cases = json_tokener_parse(text);

	(void)state;
	assert_non_null(cases);
	for (size_t c = 0; c < json_object_array_length(cases); c++) {
		struct json_object *tc = json_object_array_get_idx(cases, c), *req, *data, *v, *resp,
				   *results, *failures_want, *list_obj = NULL, *rp;
		const char *name = json_object_get_string(json_object_object_get(tc, "name"));
		struct runtime_policy *p = NULL;
		struct json_object *want = json_object_new_array(), *got_all, *got = json_object_new_array();
		uint8_t pcr[64];
		size_t pcr_len = 0;
		uint16_t bank = 0;
		bool quoted;
		struct failures f;
		const char *list = "";

		req = json_object_object_get(tc, "request");
		data = json_object_object_get(req, "data");
		resp = json_object_object_get(tc, "response");
		if (!json_object_is_type(data, json_type_object) ||
		    !json_object_object_get_ex(resp, "results", &results) ||
		    !json_object_object_get_ex(results, "failures", &failures_want) ||
		    !json_object_is_type(failures_want, json_type_array) ||
		    !json_object_object_get_ex(data, "quote", &v) ||
		    json_object_object_get_ex(data, "mb_log", NULL) || strncmp(name, "UPSTREAM_", 9) == 0)
			goto next;
		if (!json_object_object_get_ex(data, "ima_measurement_list", &list_obj) &&
		    !json_object_object_get_ex(data, "runtime_policy", NULL))
			goto next;
		quoted_pcr10(json_object_get_string(v), &bank, pcr, &pcr_len, &quoted);
		if (!quoted)
			goto next; /* IMA is skipped upstream when PCR 10 is not quoted */
		if (json_object_object_get_ex(data, "runtime_policy", &rp)) {
			char err[256] = "";

			p = runtime_policy_parse(json_object_get_string(rp),
						 (size_t)json_object_get_string_len(rp), NULL, err,
						 sizeof(err));
			if (!p)
				fail_msg("%s: policy refused: %s", name, err);
		}
		if (list_obj && json_object_is_type(list_obj, json_type_string))
			list = json_object_get_string(list_obj);
		{
			struct ima_input in = {.list = list, .list_len = strlen(list), .bank = bank,
					       .pcr10 = pcr, .pcr10_len = pcr_len, .policy = p};

			failures_init(&f);
			assert_true(ima_verify(&in, &f) >= 0);
		}
		for (size_t i = 0; i < json_object_array_length(failures_want); i++) {
			struct json_object *it = json_object_array_get_idx(failures_want, i);

			if (strncmp(json_object_get_string(json_object_object_get(it, "type")), "ima.", 4) == 0)
				json_object_array_add(want, json_object_get(it));
		}
		got_all = failures_to_json(&f);
		for (size_t i = 0; i < json_object_array_length(got_all); i++)
			json_object_array_add(got, json_object_get(json_object_array_get_idx(got_all, i)));
		json_object_put(got_all);
		if (!json_object_equal(want, got))
			fail_msg("%s:\n want %s\n got  %s", name,
				 json_object_to_json_string_ext(want, JSON_C_TO_STRING_PLAIN),
				 json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN));
		failures_clear(&f);
		compared++;
next:
		runtime_policy_free(p);
		json_object_put(want);
		json_object_put(got);
	}
	print_message("    %zu golden IMA cases compared\n", compared);
	assert_true(compared >= 10);
	json_object_put(cases);
	free(text);
}

/* ---- bounds and arguments ---- */

static void test_failures_overflow_counted(void **state)
{
	size_t n = 100, cap = n * 200, w = 0;
	char *list = malloc(cap);
	uint8_t dig[32] = {0};
	struct failures f;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char name[32], *line;

		snprintf(name, sizeof(name), "/f%zu", i);
		line = make_ng(name, dig);
		w += (size_t)snprintf(list + w, cap - w, "%s\n", line);
		free(line);
	}
	assert_int_equal(verify_full(list, w, TPM_ALG_SHA256, NULL, &f), (int)n);
	assert_int_equal(f.count, FAILURES_MAX);
	assert_true(f.truncated);
	failures_clear(&f);
	free(list);
}

static void test_bad_arguments(void **state)
{
	uint8_t pcr[32] = {0}, out[64], extras[1][64] = {{0}};
	size_t out_len;
	struct ima_input in = {.list = "", .bank = 0x0099, .pcr10 = pcr, .pcr10_len = 32};
	struct failures f;

	(void)state;
	failures_init(&f);
	assert_int_equal(ima_verify(&in, &f), -1);
	assert_int_equal(ima_verify(NULL, &f), -1);
	in.bank = TPM_ALG_SHA256;
	assert_int_equal(ima_verify(&in, NULL), -1);
	in.extra_boot_aggregates = extras;
	in.n_extra_boot_aggregates = 1;
	in.extra_boot_aggregate_len = 65;
	assert_int_equal(ima_verify(&in, &f), -1);
	in.list = NULL;
	in.list_len = 5;
	in.n_extra_boot_aggregates = 0;
	assert_int_equal(ima_verify(&in, &f), -1);
	assert_int_equal(ima_replay("", 0, 0x0099, TPM_ALG_SHA1, out, &out_len, NULL), -1);
	assert_int_equal(ima_replay("", 0, TPM_ALG_SHA256, 0x0099, out, &out_len, NULL), -1);
	assert_int_equal(ima_replay("", 0, TPM_ALG_SM3_256, TPM_ALG_SHA1, out, &out_len, NULL), 0);
	assert_int_equal(out_len, 32);
	assert_int_equal(f.count, 0);
}

/* A policy whose log_hash_alg is sha256 checks sha256 template-hash columns. */
static void test_log_hash_alg_sha256(void **state)
{
	size_t len;
	char *list = read_concat("ima/create-runtime-policy/ima-log-sha256", NULL, &len);
	struct runtime_policy *sha1 = policy_from(POLICY_HEAD "\"excludes\": [\".*\"]}");
	struct runtime_policy *sha256 = policy_from(
		POLICY_HEAD "\"excludes\": [\".*\"], "
			    "\"ima\": {\"log_hash_alg\": \"sha256\", \"dm_policy\": null}}");
	struct failures f;
	static const char *const none[] = {NULL};
	static const char *const two[] = {"ima.validation.ima_hash", "ima.validation.ima_hash", NULL};

	(void)state;
	assert_int_equal(verify_full(list, len, TPM_ALG_SHA256, sha1, &f), 0);
	assert_types(&f, none);
	assert_int_equal(verify_full(list, len, TPM_ALG_SHA256, sha256, &f), 2);
	assert_types(&f, two);
	failures_clear(&f);
	runtime_policy_free(sha1);
	runtime_policy_free(sha256);
	free(list);
}

/* ---- performance ---- */

static void test_100k_entries_against_100k_paths(void **state)
{
	const size_t n = 100000;
	size_t list_cap = n * 200, pol_cap = n * 140, lw = 0, pw = 0;
	char *list = malloc(list_cap), *pol = malloc(pol_cap), err[256] = "";
	uint8_t running[32] = {0}, dig[32], tmpl[256], col[20], th[32];
	struct runtime_policy *p;
	struct failures f;
	double t0, verify_s, raw_s, parse_s;

	(void)state;
	pw += (size_t)snprintf(pol + pw, pol_cap - pw, POLICY_HEAD "\"digests\": {");
	for (size_t i = 0; i < n; i++) {
		char name[64], hex_col[41], hex_dig[65];
		size_t name_len = (size_t)snprintf(name, sizeof(name), "/usr/lib/perf/lib%06zu.so", i);
		size_t w = 0;

		md(TPM_ALG_SHA256, name, name_len, NULL, 0, dig);
		w += put32(tmpl + w, 6 + 2 + 32);
		memcpy(tmpl + w, "sha256:", 7);
		w += 7;
		tmpl[w++] = 0;
		memcpy(tmpl + w, dig, 32);
		w += 32;
		w += put32(tmpl + w, name_len + 1);
		memcpy(tmpl + w, name, name_len + 1);
		w += name_len + 1;
		md(TPM_ALG_SHA1, tmpl, w, NULL, 0, col);
		md(TPM_ALG_SHA256, tmpl, w, NULL, 0, th);
		md(TPM_ALG_SHA256, running, 32, th, 32, running);
		bytes_to_hex(col, 20, hex_col);
		bytes_to_hex(dig, 32, hex_dig);
		lw += (size_t)snprintf(list + lw, list_cap - lw, "10 %s ima-ng sha256:%s %s\n", hex_col,
				       hex_dig, name);
		pw += (size_t)snprintf(pol + pw, pol_cap - pw, "%s\"%s\": [\"%s\"]", i ? ", " : "", name,
				       hex_dig);
	}
	pw += (size_t)snprintf(pol + pw, pol_cap - pw, "}}");

	t0 = test_now_seconds();
	p = runtime_policy_parse(pol, pw, NULL, err, sizeof(err));
	parse_s = test_now_seconds() - t0;
	if (!p)
		fail_msg("%s", err);

	{
		struct ima_input in = {.list = list, .list_len = lw, .bank = TPM_ALG_SHA256,
				       .pcr10 = running, .pcr10_len = 32, .policy = p};

		failures_init(&f);
		t0 = test_now_seconds();
		assert_int_equal(ima_verify(&in, &f), 0);
		verify_s = test_now_seconds() - t0;
		assert_int_equal(f.count, 0);
	}

	/* The floor: the same hashes done back to back (sha1 + sha256 of the
	 * template, one sha256 extend) on the same templates. */
	{
		EVP_MD_CTX *ctx = EVP_MD_CTX_new(), *ctx1 = EVP_MD_CTX_new();
		EVP_MD *s1 = EVP_MD_fetch(NULL, "SHA1", NULL), *s256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		uint8_t acc[32] = {0};

		t0 = test_now_seconds();
		for (size_t i = 0; i < n; i++) {
			tmpl[60] = (uint8_t)i;
			EVP_DigestInit_ex2(ctx1, s1, NULL);
			EVP_DigestUpdate(ctx1, tmpl, 76);
			EVP_DigestFinal_ex(ctx1, col, NULL);
			EVP_DigestInit_ex2(ctx, s256, NULL);
			EVP_DigestUpdate(ctx, tmpl, 76);
			EVP_DigestFinal_ex(ctx, th, NULL);
			EVP_DigestInit_ex2(ctx, s256, NULL);
			EVP_DigestUpdate(ctx, acc, 32);
			EVP_DigestUpdate(ctx, th, 32);
			EVP_DigestFinal_ex(ctx, acc, NULL);
		}
		raw_s = test_now_seconds() - t0;
		EVP_MD_free(s1);
		EVP_MD_free(s256);
		EVP_MD_CTX_free(ctx);
		EVP_MD_CTX_free(ctx1);
	}
	print_message("    policy (%zu paths, %.1f MiB) parsed in %.3f s\n", n, (double)pw / (1 << 20),
		      parse_s);
	print_message("    %zu entries verified in %.3f s: %.0f ns/entry (raw hashing %.0f ns/entry, "
		      "%.2fx)\n",
		      n, verify_s, verify_s * 1e9 / (double)n, raw_s * 1e9 / (double)n,
		      verify_s / raw_s);
	assert_true(verify_s < 1.0 * test_slowdown());
	runtime_policy_free(p);
	free(list);
	free(pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_replays),
		cmocka_unit_test(test_measurements_pass_test_policy),
		cmocka_unit_test(test_measurements_fail_empty_policy),
		cmocka_unit_test(test_wrong_policies),
		cmocka_unit_test(test_bad_signatures_template_hash_mismatch),
		cmocka_unit_test(test_keyrings),
		cmocka_unit_test(test_ima_buf_key_types_and_plain_buffers),
		cmocka_unit_test(test_list_longer_than_quote),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_zero_template_hash_extends_ff),
		cmocka_unit_test(test_ff_column_does_not_hide_an_entry),
		cmocka_unit_test(test_relabelled_legacy_entry_is_not_hidden),
		cmocka_unit_test(test_legacy_entry_after_ng_boot_aggregate),
		cmocka_unit_test(test_pcr_column_other_than_10),
		cmocka_unit_test(test_legacy_ima_template),
		cmocka_unit_test(test_unparsable_lines_reported_and_not_extended),
		cmocka_unit_test(test_truncated_lines),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_million_empty_lines_fast),
		cmocka_unit_test(test_line_count_bound),
		cmocka_unit_test(test_non_utf8_path),
		cmocka_unit_test(test_crlf_list),
		cmocka_unit_test(test_ima_sig_signature_rules),
		cmocka_unit_test(test_extra_boot_aggregates),
		cmocka_unit_test(test_golden_ima_cases),
		cmocka_unit_test(test_failures_overflow_counted),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_log_hash_alg_sha256),
		cmocka_unit_test(test_100k_entries_against_100k_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
