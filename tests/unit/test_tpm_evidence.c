/* test_tpm_evidence.c - unit tests for server/tpm_evidence.c: how the PCRs of
 * a verified quote are routed to the IMA list, the boot log and the
 * policies, with quotes forged over chosen PCR values by the golden
 * software AK (tests/support/tpm_forge), the real UEFI log
 * binary_bios_measurements-secureboot and the PCR values upstream replayed
 * from it (expected-replays.json).
 *
 * - Issue 12 item 3: the boot log's aggregates stand beside a pinned
 *   boot_aggregate only when the quote covers PCRs 0-9 and the log replays
 *   to them.
 * - Issue 12 item 4c: a measured-boot policy needs the PCRs it judges in
 *   the quote (measured_boot.missing_pcrs).
 * - Issue 12 item 6: "mb_policy": null, [], {} are no policy.
 * - Issue 12 item 8: mb_log as a JSON list or object is a 400.
 * - tpm_policy, runtime_policy and mb_policy false, 0 or 0.0 are no policy,
 *   as upstream reads them (found by make compat).
 * - Issue 13 item 2: a runtime policy and an IMA list with a quote that
 *   does not cover PCR 10 fail (ima.missing_pcr_10), inline or stored.
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
#include <unistd.h>

#include "db/db.h"
#include "db/policy_store.h"
#include "policy/policy_cache.h"
#include "server/tpm_evidence.h"
#include "tests/support/test_cleanup.h"
#include "tests/support/tpm_forge.h"

#define NONCE "evidenceNonce0123456"
#define LOG "uefi-eventlogs/binary_bios_measurements-secureboot"
#define PCRS_0_9 0x03FFu
#define PCR_BIT(n) (1u << (n))

struct fixture {
	EVP_PKEY *key;
	char *ak_b64;
	char *log_b64;
	uint8_t log_pcr[TPM_FORGE_PCRS][32]; /* upstream's replay of LOG (sha256) */
	uint32_t log_pcrs;                   /* the PCRs it has */
	uint8_t aggregate[32];               /* its 10-PCR boot aggregate */
	char aggregate_hex[65];
};

static struct fixture fx;

/* ---- helpers ---- */

static void hex_to(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static char *b64_of(const uint8_t *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static int suite_setup(void **state)
{
	size_t len, log_len;
	char *pem = read_keylime_file("golden/keys/ak-rsa2048-private.pem", &len);
	char *log = read_keylime_file(LOG, &log_len);
	char *replays = read_keylime_file("expected-replays.json", &len);
	struct json_object *doc = json_tokener_parse(replays), *bank, *pcrs, *aggs;
	BIO *bio = BIO_new_mem_buf(pem, -1);

	(void)state;
	fx.key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	fx.ak_b64 = read_keylime_file("golden/keys/ak-rsa2048.tpm2b_public.b64", &len);
	fx.ak_b64[strcspn(fx.ak_b64, "\r\n")] = 0;
	fx.log_b64 = b64_of((const uint8_t *)log, log_len);
	bank = json_object_object_get(
		json_object_object_get(json_object_object_get(doc, "eventlogs"),
				       "binary_bios_measurements-secureboot"),
		"sha256");
	pcrs = json_object_object_get(bank, "pcrs");
	json_object_object_foreach(pcrs, key, value)
	{
		int pcr = atoi(key);

		hex_to(json_object_get_string(value), fx.log_pcr[pcr], 32);
		fx.log_pcrs |= PCR_BIT(pcr);
	}
	aggs = json_object_object_get(
		json_object_object_get(json_object_object_get(doc, "eventlogs"),
				       "binary_bios_measurements-secureboot"),
		"boot_aggregates (8-PCR and 10-PCR variants per bank)");
	snprintf(fx.aggregate_hex, sizeof(fx.aggregate_hex), "%s",
		 json_object_get_string(json_object_array_get_idx(
			 json_object_object_get(aggs, "sha256"), 1)));
	hex_to(fx.aggregate_hex, fx.aggregate, 32);
	json_object_put(doc);
	free(replays);
	free(log);
	free(pem);
	return fx.key && (fx.log_pcrs & PCRS_0_9) == PCRS_0_9 ? 0 : -1;
}

static int suite_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(fx.key);
	free(fx.ak_b64);
	free(fx.log_b64);
	return 0;
}

/* An ima-ng line whose digest is `digest` (sha256), and PCR 10 after it. */
static char *ima_line(const char *name, const uint8_t digest[32], uint8_t pcr10[32])
{
	uint8_t t[512], column[20];
	size_t w = 0, name_len = strlen(name);
	char column_hex[41], digest_hex[65], *line = malloc(600);

	t[w++] = 6 + 2 + 32;
	t[w++] = 0;
	t[w++] = 0;
	t[w++] = 0;
	memcpy(t + w, "sha256:", 8); /* with the NUL after ':' */
	w += 8;
	memcpy(t + w, digest, 32);
	w += 32;
	t[w++] = (uint8_t)(name_len + 1);
	t[w++] = 0;
	t[w++] = 0;
	t[w++] = 0;
	memcpy(t + w, name, name_len + 1);
	w += name_len + 1;
	assert_int_equal(EVP_Digest(t, w, column, NULL, EVP_sha1(), NULL), 1);
	memset(pcr10, 0, 32);
	assert_int_equal(tpm_forge_extend(TPM_FORGE_SHA256, pcr10, t, w, NULL), 0);
	to_hex(column, 20, column_hex);
	to_hex(digest, 32, digest_hex);
	snprintf(line, 600, "10 %s ima-ng sha256:%s %s", column_hex, digest_hex, name);
	return line;
}

/* A sha256 quote over `mask` with the log's PCR values, these overrides
 * (pcr, value; value NULL = the log's), and PCR 10 = pcr10 when quoted. */
static char *quote_over(uint32_t mask, const uint8_t pcr10[32], int changed_pcr)
{
	struct tpm_forge *f = calloc(1, sizeof(*f));
	struct tpm_forged *q = calloc(1, sizeof(*q));
	char *out;

	assert_non_null(f);
	assert_non_null(q);
	f->key = fx.key;
	f->hash = TPM_FORGE_SHA256;
	f->nonce = NONCE;
	f->n_banks = 1;
	f->banks[0].alg = TPM_FORGE_SHA256;
	f->banks[0].mask = mask;
	for (int i = 0; i < TPM_FORGE_PCRS; i++)
		memcpy(f->banks[0].pcr[i], fx.log_pcr[i], 32);
	memset(f->banks[0].pcr[16], 0x16, 32);
	if (pcr10)
		memcpy(f->banks[0].pcr[10], pcr10, 32);
	if (changed_pcr >= 0)
		f->banks[0].pcr[changed_pcr][0] ^= 0x01;
	assert_int_equal(tpm_forge_quote(f, q), 0);
	out = tpm_forge_quote_string(q);
	assert_non_null(out);
	free(f);
	free(q);
	return out;
}

/* A runtime policy allowing boot_aggregate = `aggregate_hex` only. */
static char *runtime_policy(const char *aggregate_hex)
{
	char *text = malloc(600);

	snprintf(text, 600,
		 "{\"meta\": {\"version\": 1}, \"digests\": {\"boot_aggregate\": [\"%s\"]}, "
		 "\"excludes\": [], \"ima\": {\"ignored_keyrings\": [], \"log_hash_alg\": \"sha1\", "
		 "\"dm_policy\": null}}",
		 aggregate_hex);
	return text;
}

/* The request's data: the required fields and a quote; the caller adds. */
static struct json_object *data_with(const char *quote)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "quote", json_object_new_string(quote));
	json_object_object_add(data, "nonce", json_object_new_string(NONCE));
	json_object_object_add(data, "hash_alg", json_object_new_string("sha256"));
	json_object_object_add(data, "tpm_ek", json_object_new_string("unused"));
	json_object_object_add(data, "tpm_ak", json_object_new_string(fx.ak_b64));
	return data;
}

static void add(struct json_object *data, const char *key, const char *value)
{
	json_object_object_add(data, key, value ? json_object_new_string(value) : NULL);
}

/* Runs the verifier; "status:type,type" in out (status P/F/B/I). */
static void run(const struct tpm_context *ctx, struct json_object *data, char *out, size_t cap)
{
	static const char statuses[] = "PFBI";
	struct verdict v;
	size_t w;

	verdict_init(&v);
	tpm_evidence_verify(ctx, data, &v);
	w = (size_t)snprintf(out, cap, "%c:", statuses[v.status]);
	for (size_t i = 0; i < v.failures.count && w < cap; i++)
		w += (size_t)snprintf(out + w, cap - w, "%s%s", i ? "," : "", v.failures.items[i].type);
	verdict_clear(&v);
	json_object_put(data);
}

static void expect(const struct tpm_context *ctx, struct json_object *data, const char *want)
{
	char got[1024];

	run(ctx, data, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("expected %s\n     got %s", want, got);
}

static const struct tpm_context default_ctx = {.mb_engine = MB_ENGINE_ACCEPT_ALL};

/* ---- issue 12 item 3: boot aggregates from the log ---- */

static void test_log_aggregate_needs_quoted_boot_pcrs(void **state)
{
	uint8_t pcr10[32], pinned[32];
	char pinned_hex[65];
	char *line = ima_line("boot_aggregate", fx.aggregate, pcr10), *policy, *quote;
	struct json_object *d;

	(void)state;
	/* The policy pins another (the known-good) aggregate: this machine
	 * booted something else. */
	memset(pinned, 0x42, sizeof(pinned));
	to_hex(pinned, 32, pinned_hex);
	policy = runtime_policy(pinned_hex);

	/* The attack: a quote over PCR 10 alone, any real log attached. */
	quote = quote_over(PCR_BIT(10), pcr10, -1);
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", line);
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "F:ima.validation.ima-ng.runtime_policy_hash");
	free(quote);

	/* The log does not replay to a quoted boot PCR: not trusted either. */
	quote = quote_over(PCRS_0_9 | PCR_BIT(10), pcr10, 5);
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", line);
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "F:ima.validation.ima-ng.runtime_policy_hash");
	free(quote);
	/* PCRs 0-7 are not enough: the aggregate covers 0-9. */
	quote = quote_over(0xFFu | PCR_BIT(10), pcr10, -1);
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", line);
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "F:ima.validation.ima-ng.runtime_policy_hash");
	free(quote);

	/* Proven: PCRs 0-9 quoted and replayed by the log. The log's
	 * aggregate then stands beside the policy's, as upstream has it. */
	quote = quote_over(PCRS_0_9 | PCR_BIT(10), pcr10, -1);
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", line);
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "P:");
	free(quote);

	/* The pinned aggregate itself passes without a log. */
	free(policy);
	policy = runtime_policy(fx.aggregate_hex);
	quote = quote_over(PCR_BIT(10), pcr10, -1);
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", line);
	expect(&default_ctx, d, "P:");
	free(quote);
	free(policy);
	free(line);
}

/* ---- issue 12 item 4c: the PCRs a measured-boot policy judges ---- */

static void test_mb_policy_needs_its_pcrs(void **state)
{
	static const char *const mb = "{\"anything\": 1}";
	struct tpm_context example = {.mb_engine = MB_ENGINE_EXAMPLE};
	char *quote;
	struct json_object *d;

	(void)state;
	/* A quote over PCR 16 alone, with a log: nothing was compared. */
	quote = quote_over(PCR_BIT(16), NULL, -1);
	d = data_with(quote);
	add(d, "mb_policy", mb);
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "F:measured_boot.missing_pcrs");
	/* Without a log as well. */
	d = data_with(quote);
	add(d, "mb_policy", mb);
	expect(&default_ctx, d, "F:measured_boot.missing_pcrs");
	/* An empty policy turns measured boot off: nothing is required. */
	d = data_with(quote);
	add(d, "mb_policy", "{}");
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "P:");
	free(quote);

	/* accept-all judges the firmware's PCRs 0-7. */
	quote = quote_over(0x7Fu | PCR_BIT(16), NULL, -1);
	d = data_with(quote);
	add(d, "mb_policy", mb);
	add(d, "mb_log", fx.log_b64);
	{
		struct verdict v;

		verdict_init(&v);
		tpm_evidence_verify(&default_ctx, d, &v);
		assert_int_equal(v.failures.count, 1);
		assert_string_equal(v.failures.items[0].type, "measured_boot.missing_pcrs");
		assert_string_equal(
			json_object_to_json_string_ext(v.failures.items[0].extra, JSON_C_TO_STRING_PLAIN),
			"{\"context\":\"PCRs are missing in quote\",\"data\":[7]}");
		verdict_clear(&v);
		json_object_put(d);
	}
	free(quote);
	quote = quote_over(0xFFu | PCR_BIT(16), NULL, -1);
	d = data_with(quote);
	add(d, "mb_policy", mb);
	add(d, "mb_log", fx.log_b64);
	expect(&default_ctx, d, "P:");
	/* The example engine judges 0-9 and 14. */
	d = data_with(quote);
	add(d, "mb_policy", mb);
	add(d, "mb_log", fx.log_b64);
	expect(&example, d, "F:measured_boot.missing_pcrs");
	free(quote);
	quote = quote_over(PCRS_0_9 | PCR_BIT(14), NULL, -1);
	d = data_with(quote);
	add(d, "mb_policy", mb);
	add(d, "mb_log", fx.log_b64);
	expect(&example, d, "P:");
	free(quote);
}

/* ---- issue 12 item 6: mb_policy null or [] ---- */

static void test_mb_policy_null_or_empty_is_absent(void **state)
{
	char *quote = quote_over(PCR_BIT(16), NULL, -1), tpm[200], hex16[65];
	uint8_t v16[32];
	struct json_object *d;

	(void)state;
	memset(v16, 0x16, sizeof(v16));
	to_hex(v16, 32, hex16);
	snprintf(tpm, sizeof(tpm), "{\"16\": [\"%s\"]}", hex16);
	d = data_with(quote);
	add(d, "tpm_policy", tpm);
	add(d, "mb_policy", NULL); /* JSON null */
	expect(&default_ctx, d, "P:");
	d = data_with(quote);
	add(d, "tpm_policy", tpm);
	json_object_object_add(d, "mb_policy", json_object_new_array());
	expect(&default_ctx, d, "P:");
	d = data_with(quote);
	add(d, "tpm_policy", tpm);
	json_object_object_add(d, "mb_policy", json_object_new_object());
	expect(&default_ctx, d, "P:");
	/* Alone, they are no policy at all. */
	d = data_with(quote);
	add(d, "mb_policy", NULL);
	expect(&default_ctx, d, "B:default.missing_policy");
	d = data_with(quote);
	json_object_object_add(d, "mb_policy", json_object_new_array());
	expect(&default_ctx, d, "B:default.missing_policy");
	/* The string "null" is upstream's invalid_mb_policy still. */
	d = data_with(quote);
	add(d, "tpm_policy", tpm);
	add(d, "mb_policy", "null");
	expect(&default_ctx, d, "F:pcr_validation.invalid_mb_policy");
	free(quote);
}

/* ---- tpm_policy and runtime_policy false or 0 (make compat) ---- */

/* Upstream's "if tpm_policy" finds false, 0 and 0.0 false, as null and []:
 * no policy (default.missing_policy when none is left), not a bad one. */
static void test_policy_false_or_zero_is_absent(void **state)
{
	char *quote = quote_over(PCR_BIT(16), NULL, -1), tpm[200], hex16[65];
	const char *fields[] = {"tpm_policy", "runtime_policy", "mb_policy"};
	uint8_t v16[32];
	struct json_object *d;

	(void)state;
	memset(v16, 0x16, sizeof(v16));
	to_hex(v16, 32, hex16);
	snprintf(tpm, sizeof(tpm), "{\"16\": [\"%s\"]}", hex16);
	for (size_t i = 0; i < 3; i++) {
		struct json_object *falsy[] = {json_object_new_boolean(0), json_object_new_int(0),
					       json_object_new_double(0.0)};

		for (size_t k = 0; k < 3; k++) {
			d = data_with(quote);
			json_object_object_add(d, fields[i], json_object_get(falsy[k]));
			expect(&default_ctx, d, "B:default.missing_policy");
			if (i == 0) {
				json_object_put(falsy[k]);
				continue;
			}
			/* Beside a PCR policy that passes: the verdict is that policy's. */
			d = data_with(quote);
			add(d, "tpm_policy", tpm);
			json_object_object_add(d, fields[i], falsy[k]);
			expect(&default_ctx, d, "P:");
		}
	}
	/* true and 1 are policies, and not ones that parse: upstream's catch-all. */
	d = data_with(quote);
	json_object_object_add(d, "tpm_policy", json_object_new_boolean(1));
	expect(&default_ctx, d, "F:qoute_validation.invalid_quote");
	free(quote);
}

/* ---- issue 12 item 8: mb_log that is not a string ---- */

static void test_mb_log_not_a_string(void **state)
{
	char *quote = quote_over(0xFFu, NULL, -1);
	struct json_object *values[] = {json_object_new_array(), json_object_new_object(),
					json_object_new_int(5)};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct json_object *d = data_with(quote);
		struct verdict v;

		add(d, "mb_policy", "{\"x\": 1}");
		json_object_object_add(d, "mb_log", values[i]);
		verdict_init(&v);
		tpm_evidence_verify(&default_ctx, d, &v);
		assert_int_equal(v.status, VERDICT_BAD_INPUT);
		assert_int_equal(v.failures.count, 1);
		assert_string_equal(v.failures.items[0].type, "default.invalid_param");
		assert_non_null(strstr(v.failures.items[0].message, "\"mb_log\""));
		verdict_clear(&v);
		json_object_put(d);
	}
	free(quote);
}

/* ---- issue 13 item 2: PCR 10 not quoted ---- */

static void test_runtime_policy_without_pcr10(void **state)
{
	uint8_t pcr10[32], other[32];
	char *line, *policy = runtime_policy(fx.aggregate_hex), *quote, path[] = "/tmp/teev-tev-XXXXXX";
	char dbfile[64], err[256];
	struct json_object *d;
	struct db *db = NULL;
	struct tpm_context stored = default_ctx;
	int fd;

	(void)state;
	memset(other, 0x77, sizeof(other));
	/* An entry the policy does not allow: appraisal would fail it. */
	line = ima_line("/usr/bin/evil", other, pcr10);
	quote = quote_over(PCR_BIT(16), NULL, -1);
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", line);
	expect(&default_ctx, d, "F:ima.missing_pcr_10");

	/* Stored and named alike. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(dbfile, sizeof(dbfile), "%s", path);
	unlink(dbfile);
	assert_int_equal(db_open(dbfile, &db, err, sizeof(err)), 0);
	assert_int_equal(policy_store_create(db, "runtime", "rp", policy, NULL, err, sizeof(err)),
			 STORE_OK);
	stored.policies = policy_cache_new(db, NULL);
	assert_non_null(stored.policies);
	d = data_with(quote);
	add(d, "runtime_policy_name", "rp");
	add(d, "ima_measurement_list", line);
	expect(&stored, d, "F:ima.missing_pcr_10");

	/* No list, or an empty one: nothing was left unchecked. */
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	expect(&default_ctx, d, "P:");
	d = data_with(quote);
	add(d, "runtime_policy", policy);
	add(d, "ima_measurement_list", "");
	expect(&default_ctx, d, "P:");
	/* PCR 10 quoted: the list is appraised (and fails here). */
	free(quote);
	quote = quote_over(PCR_BIT(10) | PCR_BIT(16), pcr10, -1);
	d = data_with(quote);
	add(d, "runtime_policy_name", "rp");
	add(d, "ima_measurement_list", line);
	expect(&stored, d, "F:ima.validation.ima-ng.not_in_allowlist");

	policy_cache_free(stored.policies);
	db_close(db);
	unlink(dbfile);
	free(quote);
	free(line);
	free(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_aggregate_needs_quoted_boot_pcrs),
		cmocka_unit_test(test_mb_policy_needs_its_pcrs),
		cmocka_unit_test(test_mb_policy_null_or_empty_is_absent),
		cmocka_unit_test(test_policy_false_or_zero_is_absent),
		cmocka_unit_test(test_mb_log_not_a_string),
		cmocka_unit_test(test_runtime_policy_without_pcr10),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
