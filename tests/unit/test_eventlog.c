/* test_eventlog.c - unit tests for verifier/eventlog.c: the bounded parser and
 * replayer of the binary UEFI event log (../shared/docs/KEYLIME-TPM.md §7).
 *
 *  - Every log in $SHARED_DIR/testdata/keylime/uefi-eventlogs replays to the
 *    PCR values, event count and boot aggregates upstream computed
 *    (expected-replays.json), and the banks upstream flags with
 *    invalid_pcrs_hashes are absent. One documented exception: PCR 0 of the
 *    Boot Guard log, whose StartupLocality event upstream's tpm2-tools 5.4
 *    extended as a measurement; the test proves that is the only difference.
 *  - The bogus and empty logs fail with clear reasons.
 *  - StartupLocality / H-CRTM rules, unknown algorithms, legacy SHA-1 logs and
 *    the table checks on synthetic logs whose PCRs the test computes itself.
 *  - Hostile input: every prefix of the real logs, lying counts and sizes,
 *    PCR 99, 10 MiB of 0xFF, the size and event-count limits, and 2000 seeded
 *    mutations of real logs. Each log is copied into a buffer of exactly its
 *    length so valgrind / ASan see any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "verifier/eventlog.h"
#include "tests/support/test_cleanup.h"

#define ALG_SHA1 0x0004
#define ALG_SHA256 0x000B
#define ALG_SHA384 0x000C
#define ALG_SHA512 0x000D
#define EV_NO_ACTION 0x00000003u
#define EV_POST_CODE 0x00000001u
#define EV_SEPARATOR 0x00000004u
#define EV_EFI_HCRTM_EVENT 0x80000010u

/* ---- files ---- */

/* Reads a whole file into a buffer of exactly its size (at least 1 byte
 * allocated so an empty file still gives a pointer). */
static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!fp)
		fail_msg("cannot open %s (set SHARED_DIR)", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	buf = malloc(size > 0 ? (size_t)size : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	*len = (size_t)size;
	return buf;
}

/* Base64 with line breaks (mb_log.b64) to bytes, in an exact-size buffer. */
static uint8_t *decode_b64_text(const uint8_t *text, size_t n, size_t *out_len)
{
	char *clean = malloc(n + 1);
	uint8_t *wide, *out;
	size_t m = 0, pad = 0;
	int decoded;

	assert_non_null(clean);
	for (size_t i = 0; i < n; i++) {
		if (!isspace(text[i]))
			clean[m++] = (char)text[i];
	}
	assert_int_equal(m % 4, 0);
	while (pad < 2 && pad < m && clean[m - 1 - pad] == '=')
		pad++;
	wide = malloc(m / 4 * 3 + 1);
	assert_non_null(wide);
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	decoded = EVP_DecodeBlock(wide, (const unsigned char *)clean, (int)m);
	assert_true(decoded >= 0 && (size_t)decoded >= pad);
	*out_len = (size_t)decoded - pad;
	out = malloc(*out_len ? *out_len : 1);
	assert_non_null(out);
	memcpy(out, wide, *out_len);
	free(wide);
	free(clean);
	return out;
}

/* Loads uefi-eventlogs/<name>; "*.b64" files are decoded. */
static uint8_t *load_log(const char *name, size_t *len)
{
	char path[1024];
	uint8_t *raw, *bin;
	size_t raw_len;
	size_t nlen = strlen(name);

	snprintf(path, sizeof(path), "%s/testdata/keylime/uefi-eventlogs/%s", shared_dir(), name);
	raw = read_whole(path, &raw_len);
	if (nlen < 4 || strcmp(name + nlen - 4, ".b64") != 0) {
		*len = raw_len;
		return raw;
	}
	bin = decode_b64_text(raw, raw_len, len);
	free(raw);
	return bin;
}

static struct json_object *load_expected_eventlogs(struct json_object **root)
{
	char path[1024];
	struct json_object *logs;

	snprintf(path, sizeof(path), "%s/testdata/keylime/expected-replays.json", shared_dir());
	*root = json_object_from_file(path);
	if (!*root)
		fail_msg("cannot read %s (set SHARED_DIR)", path);
	assert_true(json_object_object_get_ex(*root, "eventlogs", &logs));
	return logs;
}

/* The file behind a key of expected-replays.json's "eventlogs". */
static void key_to_file(const char *key, char *file, size_t cap)
{
	const char *suffix = " (decoded)";
	size_t n = strlen(key);

	snprintf(file, cap, "%s", key);
	if (n > strlen(suffix) && strcmp(key + n - strlen(suffix), suffix) == 0)
		file[n - strlen(suffix)] = '\0';
}

/* ---- small helpers ---- */

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
}

static uint16_t alg_of_name(const char *name)
{
	if (strcmp(name, "sha1") == 0)
		return ALG_SHA1;
	if (strcmp(name, "sha256") == 0)
		return ALG_SHA256;
	if (strcmp(name, "sha384") == 0)
		return ALG_SHA384;
	if (strcmp(name, "sha512") == 0)
		return ALG_SHA512;
	return 0;
}

static const char *md_name(uint16_t alg)
{
	switch (alg) {
	case ALG_SHA1:
		return "SHA1";
	case ALG_SHA256:
		return "SHA256";
	case ALG_SHA384:
		return "SHA384";
	default:
		return "SHA512";
	}
}

/* pcr = H(pcr || digest), computed independently of the code under test. */
static void ext(uint16_t alg, uint8_t *pcr, size_t n, const uint8_t *digest)
{
	uint8_t in[128];
	unsigned int out_len = 0;

	memcpy(in, pcr, n);
	memcpy(in + n, digest, n);
	assert_int_equal(EVP_Digest(in, 2 * n, pcr, &out_len, EVP_get_digestbyname(md_name(alg)), NULL),
			 1);
	assert_int_equal(out_len, n);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (size_t i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Replays a copy of buf[0..len) held in a buffer of exactly len bytes. */
static int replay_exact(const uint8_t *buf, size_t len, struct eventlog_replay *r, char *err,
			size_t err_len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	rc = eventlog_replay(len ? copy : NULL, len, r, err, err_len);
	free(copy);
	return rc;
}

/* Asserts that the log is refused with a reason containing want. */
static void assert_refused(const uint8_t *buf, size_t len, const char *want)
{
	struct eventlog_replay r;
	char err[256];

	memset(&r, 0xAA, sizeof(r));
	if (replay_exact(buf, len, &r, err, sizeof(err)) != -1)
		fail_msg("log accepted, wanted an error containing \"%s\"", want);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	assert_null(strchr(err, '\n'));
	assert_int_equal(r.bank_count, 0);
	assert_int_equal(r.event_count, 0);
}

static void assert_replays(const uint8_t *buf, size_t len, struct eventlog_replay *r)
{
	char err[256];

	if (replay_exact(buf, len, r, err, sizeof(err)) != 0)
		fail_msg("log refused: %s", err);
}

/* ---- an independent walker over the (trusted) real crypto-agile logs ---- */

#define WALK_MAX 256

struct walk {
	size_t count; /* events, the Spec ID event included */
	size_t ends[WALK_MAX];
	uint32_t pcr[WALK_MAX], type[WALK_MAX], data_size[WALK_MAX];
	const uint8_t *data[WALK_MAX];
	const uint8_t *sha1[WALK_MAX], *sha256[WALK_MAX];
};

static void walk_agile(const uint8_t *b, size_t len, struct walk *w)
{
	uint16_t table_alg[8] = { 0 }, table_size[8] = { 0 };
	uint32_t n = get_le32(b + 32 + 24);
	size_t off;

	memset(w, 0, sizeof(*w));
	assert_true(n <= 8);
	for (uint32_t i = 0; i < n; i++) {
		table_alg[i] = (uint16_t)(b[32 + 28 + 4 * i] | b[32 + 28 + 4 * i + 1] << 8);
		table_size[i] = (uint16_t)(b[32 + 28 + 4 * i + 2] | b[32 + 28 + 4 * i + 3] << 8);
	}
	off = 32 + get_le32(b + 28);
	w->ends[w->count++] = off;
	while (off < len) {
		size_t k = w->count++;
		uint32_t count;

		assert_true(k < WALK_MAX);
		w->pcr[k] = get_le32(b + off);
		w->type[k] = get_le32(b + off + 4);
		count = get_le32(b + off + 8);
		off += 12;
		for (uint32_t i = 0; i < count; i++) {
			uint16_t alg = (uint16_t)(b[off] | b[off + 1] << 8);
			uint32_t j;

			for (j = 0; j < n && table_alg[j] != alg; j++)
				;
			assert_true(j < n);
			if (alg == ALG_SHA1)
				w->sha1[k] = b + off + 2;
			if (alg == ALG_SHA256)
				w->sha256[k] = b + off + 2;
			off += 2 + table_size[j];
		}
		w->data_size[k] = get_le32(b + off);
		w->data[k] = b + off + 4;
		off += 4 + w->data_size[k];
		w->ends[k] = off;
	}
	assert_int_equal(off, len);
}

/* PCR 0 of a walked log under two rules: the PC Client PFP one (StartupLocality
 * seeds the last byte, EV_NO_ACTION never extends) and tpm2-tools <= 5.4's
 * (all-zero start, every event extended, EV_NO_ACTION included). */
static void walk_pcr0(const struct walk *w, uint16_t alg, bool pfp_rule, uint8_t out[64])
{
	size_t n = alg == ALG_SHA1 ? 20 : 32;

	memset(out, 0, 64);
	for (size_t k = 1; k < w->count; k++) {
		const uint8_t *d = alg == ALG_SHA1 ? w->sha1[k] : w->sha256[k];

		if (w->pcr[k] != 0 || !d)
			continue;
		if (w->type[k] == EV_NO_ACTION && pfp_rule) {
			if (w->data_size[k] == 17 && memcmp(w->data[k], "StartupLocality", 16) == 0)
				out[n - 1] = w->data[k][16];
			continue;
		}
		ext(alg, out, n, d);
	}
}

/* ---- the real logs against upstream ---- */

/* PCR 0 (and so the aggregates) of this log is the one known divergence. */
static bool is_startup_locality_log(const char *file)
{
	return strcmp(file, "binary_bios_measurements") == 0;
}

static void check_bank_against_upstream(const char *file, const char *bank_name,
					struct json_object *want, const struct eventlog_replay *r)
{
	uint16_t alg = alg_of_name(bank_name);
	const struct eventlog_bank *b = eventlog_bank(r, alg);
	struct json_object *pcrs, *parse_result;
	uint32_t want_mask = 0;

	assert_true(alg != 0);
	if (json_object_object_get_ex(want, "parse_result", &parse_result)) {
		assert_string_equal(json_object_get_string(json_object_array_get_idx(parse_result, 0)),
				    "measured_boot.parser.invalid_pcrs_hashes");
		if (b)
			fail_msg("%s: bank %s should be absent", file, bank_name);
		return;
	}
	assert_true(json_object_object_get_ex(want, "pcrs", &pcrs));
	if (!b)
		fail_msg("%s: bank %s missing", file, bank_name);
	json_object_object_foreach(pcrs, index, value)
	{
		int i = atoi(index);
		char got[129];

		assert_true(i >= 0 && i < EVENTLOG_PCRS);
		want_mask |= 1u << i;
		assert_true(b->extended & (1u << i));
		to_hex(b->pcr[i], b->digest_size, got);
		assert_int_equal(strlen(json_object_get_string(value)), 2 * b->digest_size);
		if (i == 0 && is_startup_locality_log(file))
			continue; /* test_startup_locality_log_vs_tpm2_tools_5_4 */
		if (strcmp(got, json_object_get_string(value)) != 0)
			fail_msg("%s %s PCR %d: got %s, upstream %s", file, bank_name, i, got,
				 json_object_get_string(value));
	}
	assert_int_equal(b->extended, want_mask);
}

/* Aggregates of one bank; for the StartupLocality log upstream's values are
 * checked against its own PCR values instead (they differ from ours in PCR 0). */
static void check_aggregates(const char *file, const char *bank_name, struct json_object *want,
			     struct json_object *want_pcrs, const struct eventlog_replay *r)
{
	const struct eventlog_bank *b = eventlog_bank(r, alg_of_name(bank_name));
	uint8_t agg8[64], agg10[64];
	bool has8, has10;
	char hex8[129], hex10[129];

	assert_non_null(b);
	eventlog_boot_aggregates(b, agg8, &has8, agg10, &has10);
	assert_true(has8);
	assert_true(has10);
	to_hex(agg8, b->digest_size, hex8);
	to_hex(agg10, b->digest_size, hex10);
	if (is_startup_locality_log(file)) {
		/* Recompute upstream's aggregates from upstream's PCRs. */
		struct eventlog_bank theirs = *b;
		struct json_object *v;

		for (int i = 0; i < 10; i++) {
			char key[16];
			const char *hex;

			snprintf(key, sizeof(key), "%d", i);
			assert_true(json_object_object_get_ex(want_pcrs, key, &v));
			hex = json_object_get_string(v);
			for (size_t j = 0; j < b->digest_size; j++)
				assert_int_equal(sscanf(hex + 2 * j, "%2hhx", &theirs.pcr[i][j]), 1);
		}
		eventlog_boot_aggregates(&theirs, agg8, &has8, agg10, &has10);
		to_hex(agg8, b->digest_size, hex8);
		to_hex(agg10, b->digest_size, hex10);
	}
	assert_string_equal(hex8, json_object_get_string(json_object_array_get_idx(want, 0)));
	assert_string_equal(hex10, json_object_get_string(json_object_array_get_idx(want, 1)));
}

static void test_real_logs_match_upstream(void **state)
{
	struct json_object *root, *logs = load_expected_eventlogs(&root);
	size_t checked = 0;

	(void)state;
	json_object_object_foreach(logs, key, want)
	{
		char file[256];
		uint8_t *buf;
		size_t len;
		struct eventlog_replay r;
		struct json_object *count, *aggs = NULL;
		size_t listed_banks = 0;

		key_to_file(key, file, sizeof(file));
		buf = load_log(file, &len);
		assert_replays(buf, len, &r);
		assert_true(r.crypto_agile);
		assert_true(json_object_object_get_ex(want, "event_count", &count));
		assert_int_equal(r.event_count, json_object_get_int(count));

		json_object_object_foreach(want, field, value)
		{
			if (strncmp(field, "boot_aggregates", 15) == 0)
				aggs = value;
			else if (alg_of_name(field) != 0) {
				struct json_object *p;

				check_bank_against_upstream(file, field, value, &r);
				listed_banks += json_object_object_get_ex(value, "pcrs", &p);
			}
		}
		/* No bank beyond those upstream lists with values. */
		assert_int_equal(r.bank_count, listed_banks);

		assert_non_null(aggs);
		json_object_object_foreach(aggs, bank_name, pair)
		{
			struct json_object *bank_want, *pcrs;

			assert_true(json_object_object_get_ex(want, bank_name, &bank_want));
			assert_true(json_object_object_get_ex(bank_want, "pcrs", &pcrs));
			check_aggregates(file, bank_name, pair, pcrs, &r);
		}
		assert_int_equal(json_object_object_length(aggs), r.bank_count);
		free(buf);
		checked++;
	}
	assert_int_equal(checked, 3);
	json_object_put(root);
}

/* The Boot Guard log starts TPM2_Startup at locality 3 (event 1 is
 * StartupLocality 3). Upstream's oracle ran tpm2-tools 5.4, which extended
 * the event's zero digest like a measurement and ignored the locality
 * (tpm2-tools issues 3224 and 3146, fixed in 5.5). We follow the PC Client
 * PFP (§7): this test pins both values so the difference stays deliberate. */
static void test_startup_locality_log_vs_tpm2_tools_5_4(void **state)
{
	struct json_object *root, *logs = load_expected_eventlogs(&root);
	struct json_object *log_want, *bank_want, *pcrs, *pcr0;
	struct eventlog_replay r;
	struct walk w;
	uint8_t *buf;
	size_t len;
	const char *banks[] = { "sha1", "sha256" };

	(void)state;
	buf = load_log("binary_bios_measurements", &len);
	walk_agile(buf, len, &w);
	assert_int_equal(w.type[1], EV_NO_ACTION);
	assert_memory_equal(w.data[1], "StartupLocality\0\3", 17);
	assert_replays(buf, len, &r);
	assert_true(json_object_object_get_ex(logs, "binary_bios_measurements", &log_want));

	for (size_t i = 0; i < 2; i++) {
		uint16_t alg = alg_of_name(banks[i]);
		const struct eventlog_bank *b = eventlog_bank(&r, alg);
		uint8_t pfp[64], old_tools[64];
		char hex[129];

		assert_non_null(b);
		walk_pcr0(&w, alg, true, pfp);
		walk_pcr0(&w, alg, false, old_tools);
		assert_memory_not_equal(pfp, old_tools, b->digest_size);
		/* Ours is the PFP rule... */
		assert_memory_equal(b->pcr[0], pfp, b->digest_size);
		/* ...upstream's is exactly the tpm2-tools 5.4 rule. */
		assert_true(json_object_object_get_ex(log_want, banks[i], &bank_want));
		assert_true(json_object_object_get_ex(bank_want, "pcrs", &pcrs));
		assert_true(json_object_object_get_ex(pcrs, "0", &pcr0));
		to_hex(old_tools, b->digest_size, hex);
		assert_string_equal(hex, json_object_get_string(pcr0));
	}
	/* Pinned values (PFP rule), for readers comparing with a TPM. */
	{
		char hex[129];

		to_hex(eventlog_bank(&r, ALG_SHA1)->pcr[0], 20, hex);
		assert_string_equal(hex, "78f3e576d5da8873860e557535d181f4a37e2963");
		to_hex(eventlog_bank(&r, ALG_SHA256)->pcr[0], 32, hex);
		assert_string_equal(hex, "0ee9a7feba8f4172f1a7451594aa5731665a4d353ac61814042ce107a00742f2");
	}
	free(buf);
	json_object_put(root);
}

static void test_bogus_and_empty_logs_fail(void **state)
{
	struct eventlog_replay r;
	char err[256];
	uint8_t *buf;
	size_t len;

	(void)state;
	buf = load_log("binary_bios_measurements-bogus", &len);
	assert_int_equal(len, 34);
	/* Text read as a first record: its "size" (bytes 28-31, "\nher") runs
	 * far past the 34 bytes. */
	assert_refused(buf, len, "event 0 ends at byte");
	assert_refused(buf, len, "beyond the log's 34 bytes");
	free(buf);

	buf = load_log("binary_bios_measurements-empty", &len);
	assert_int_equal(len, 0);
	assert_int_equal(eventlog_replay(buf, len, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "empty event log");
	assert_int_equal(eventlog_replay(NULL, 0, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "empty event log");
	free(buf);
}

/* ---- synthetic logs ---- */

struct logbuf {
	uint8_t *p;
	size_t len, cap;
};

static void lb_put(struct logbuf *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (src)
		memcpy(b->p + b->len, src, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

static void lb_u32(struct logbuf *b, uint32_t v)
{
	uint8_t le[4];

	put_le32(le, v);
	lb_put(b, le, 4);
}

static void lb_u16(struct logbuf *b, uint16_t v)
{
	uint8_t le[2];

	put_le16(le, v);
	lb_put(b, le, 2);
}

static void lb_fill(struct logbuf *b, uint8_t v, size_t n)
{
	lb_put(b, NULL, n);
	memset(b->p + b->len - n, v, n);
}

/* A Spec ID event whose table has nrows rows (alg, size) but which claims
 * `claimed` algorithms. */
static void lb_spec_id(struct logbuf *b, uint32_t claimed, const uint16_t rows[][2], size_t nrows)
{
	lb_u32(b, 0);
	lb_u32(b, EV_NO_ACTION);
	lb_fill(b, 0, 20);
	lb_u32(b, (uint32_t)(28 + 4 * nrows + 1));
	lb_put(b, "Spec ID Event03", 16);
	lb_u32(b, 0);                           /* platformClass */
	lb_put(b, (const uint8_t[]){ 0, 2, 0, 2 }, 4); /* minor, major, errata, uintnSize */
	lb_u32(b, claimed);
	for (size_t i = 0; i < nrows; i++) {
		lb_u16(b, rows[i][0]);
		lb_u16(b, rows[i][1]);
	}
	lb_fill(b, 0, 1); /* vendorInfoSize */
}

static const uint16_t std_rows[2][2] = { { ALG_SHA1, 20 }, { ALG_SHA256, 32 } };

/* An event with a sha1 and a sha256 digest, every byte of both = fill. */
static void lb_event2(struct logbuf *b, uint32_t pcr, uint32_t type, uint8_t fill, const void *data,
		      uint32_t size)
{
	lb_u32(b, pcr);
	lb_u32(b, type);
	lb_u32(b, 2);
	lb_u16(b, ALG_SHA1);
	lb_fill(b, fill, 20);
	lb_u16(b, ALG_SHA256);
	lb_fill(b, fill, 32);
	lb_u32(b, size);
	lb_put(b, data, size);
}

static void lb_locality(struct logbuf *b, uint8_t locality)
{
	uint8_t data[17];

	memcpy(data, "StartupLocality", 16);
	data[16] = locality;
	lb_event2(b, 0, EV_NO_ACTION, 0, data, sizeof(data));
}

/* PCR 0 after extending digests of bytes fills[0..n), starting at locality. */
static void expect_pcr0(uint16_t alg, uint8_t locality, const uint8_t *fills, size_t n, uint8_t out[64])
{
	size_t size = alg == ALG_SHA1 ? 20 : 32;
	uint8_t d[64];

	memset(out, 0, 64);
	out[size - 1] = locality;
	for (size_t i = 0; i < n; i++) {
		memset(d, fills[i], size);
		ext(alg, out, size, d);
	}
}

static void assert_pcr0(const struct eventlog_replay *r, uint8_t locality, const uint8_t *fills,
			size_t n)
{
	const uint16_t algs[2] = { ALG_SHA1, ALG_SHA256 };

	for (size_t i = 0; i < 2; i++) {
		const struct eventlog_bank *b = eventlog_bank(r, algs[i]);
		uint8_t want[64];

		assert_non_null(b);
		expect_pcr0(algs[i], locality, fills, n, want);
		assert_memory_equal(b->pcr[0], want, b->digest_size);
		assert_true(b->extended & 1u);
	}
}

static void test_startup_locality_seeds_pcr0(void **state)
{
	struct logbuf b = { 0 };
	struct eventlog_replay r;
	const uint8_t fills[] = { 0x11, 0x22 };

	(void)state;
	lb_spec_id(&b, 2, std_rows, 2);
	lb_locality(&b, 3);
	lb_event2(&b, 0, EV_POST_CODE, 0x11, "a", 1);
	lb_event2(&b, 0, EV_SEPARATOR, 0x22, "\0\0\0\0", 4);
	assert_replays(b.p, b.len, &r);
	assert_int_equal(r.event_count, 4);
	assert_pcr0(&r, 3, fills, 2);
	free(b.p);

	/* Locality 0 is the default; nothing changes. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_locality(&b, 0);
	lb_event2(&b, 0, EV_POST_CODE, 0x11, "a", 1);
	assert_replays(b.p, b.len, &r);
	assert_pcr0(&r, 0, fills, 1);
	free(b.p);

	/* On another PCR it is just an EV_NO_ACTION event. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_event2(&b, 5, EV_NO_ACTION, 0, "StartupLocality\0\3", 17);
	lb_event2(&b, 0, EV_POST_CODE, 0x11, "a", 1);
	assert_replays(b.p, b.len, &r);
	assert_pcr0(&r, 0, fills, 1);
	free(b.p);
}

static void test_startup_locality_must_come_first(void **state)
{
	struct logbuf b = { 0 };

	(void)state;
	lb_spec_id(&b, 2, std_rows, 2);
	lb_event2(&b, 0, EV_POST_CODE, 0x11, "a", 1);
	lb_locality(&b, 3);
	assert_refused(b.p, b.len, "event 2: StartupLocality event after PCR 0 was already extended");
	free(b.p);

	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_locality(&b, 5);
	assert_refused(b.p, b.len, "event 1: StartupLocality 5 is not a TPM locality (0-4)");
	free(b.p);

	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_event2(&b, 0, EV_NO_ACTION, 0, "StartupLocality", 16);
	assert_refused(b.p, b.len, "event 1: StartupLocality event has no locality byte");
	free(b.p);
}

static void test_hcrtm_event_seeds_locality_4(void **state)
{
	struct logbuf b = { 0 };
	struct eventlog_replay r;
	const uint8_t fills[] = { 0x33, 0x44 };

	(void)state;
	/* The H-CRTM digest is PCR 0's first extend, from 0...04. */
	lb_spec_id(&b, 2, std_rows, 2);
	lb_event2(&b, 0, EV_EFI_HCRTM_EVENT, 0x33, "HCRTM", 5);
	lb_event2(&b, 0, EV_POST_CODE, 0x44, "b", 1);
	assert_replays(b.p, b.len, &r);
	assert_pcr0(&r, 4, fills, 2);
	free(b.p);

	/* A StartupLocality before it is overridden, one after it ignored. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_locality(&b, 3);
	lb_event2(&b, 0, EV_EFI_HCRTM_EVENT, 0x33, "HCRTM", 5);
	lb_locality(&b, 3);
	lb_event2(&b, 0, EV_POST_CODE, 0x44, "b", 1);
	assert_replays(b.p, b.len, &r);
	assert_pcr0(&r, 4, fills, 2);
	free(b.p);

	/* On another PCR the H-CRTM event type is an ordinary extend. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_event2(&b, 0, EV_POST_CODE, 0x33, "b", 1);
	lb_event2(&b, 7, EV_EFI_HCRTM_EVENT, 0x44, "HCRTM", 5);
	lb_event2(&b, 0, EV_POST_CODE, 0x44, "b", 1);
	assert_replays(b.p, b.len, &r);
	assert_pcr0(&r, 0, fills, 2);
	free(b.p);

	/* After PCR 0 was extended it cannot be the H-CRTM measurement. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_event2(&b, 0, EV_POST_CODE, 0x33, "b", 1);
	lb_event2(&b, 0, EV_EFI_HCRTM_EVENT, 0x44, "HCRTM", 5);
	assert_refused(b.p, b.len, "event 2: EV_EFI_HCRTM_EVENT after PCR 0 was already extended");
	free(b.p);
}

/* Only EV_NO_ACTION on PCR 0 before any extend: PCR 0 is present (as
 * tpm2_eventlog lists it) with the locality as its value. */
static void test_no_action_marks_present_without_extending(void **state)
{
	struct logbuf b = { 0 };
	struct eventlog_replay r;

	(void)state;
	lb_spec_id(&b, 2, std_rows, 2);
	lb_locality(&b, 3);
	lb_event2(&b, 4, EV_NO_ACTION, 0x99, "x", 1);
	assert_replays(b.p, b.len, &r);
	assert_int_equal(r.bank_count, 2);
	assert_pcr0(&r, 3, NULL, 0);
	assert_int_equal(r.banks[0].extended, 0x11);
	for (int i = 0; i < 32; i++)
		assert_int_equal(r.banks[1].pcr[4][i], 0);
	free(b.p);

	/* Spec ID event only: no bank has a PCR, so no bank is listed. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	assert_replays(b.p, b.len, &r);
	assert_int_equal(r.event_count, 1);
	assert_int_equal(r.bank_count, 0);
	assert_true(r.crypto_agile);
	assert_null(eventlog_bank(&r, ALG_SHA256));
	free(b.p);
}

static void test_unknown_algorithm_is_walked_over(void **state)
{
	const uint16_t rows[3][2] = { { ALG_SHA1, 20 }, { 0x1234, 48 }, { ALG_SHA256, 32 } };
	struct logbuf b = { 0 };
	struct eventlog_replay r;
	uint8_t want1[64] = { 0 }, want256[64] = { 0 }, d[64];

	(void)state;
	lb_spec_id(&b, 3, rows, 3);
	for (uint8_t e = 1; e <= 3; e++) {
		lb_u32(&b, 2);
		lb_u32(&b, EV_POST_CODE);
		lb_u32(&b, 3);
		lb_u16(&b, 0x1234); /* order differs from the table on purpose */
		lb_fill(&b, 0xEE, 48);
		lb_u16(&b, ALG_SHA256);
		lb_fill(&b, e, 32);
		lb_u16(&b, ALG_SHA1);
		lb_fill(&b, e, 20);
		lb_u32(&b, 1);
		lb_fill(&b, 'x', 1);
		memset(d, e, sizeof(d));
		ext(ALG_SHA1, want1, 20, d);
		ext(ALG_SHA256, want256, 32, d);
	}
	assert_replays(b.p, b.len, &r);
	assert_int_equal(r.event_count, 4);
	assert_int_equal(r.bank_count, 2);
	assert_memory_equal(eventlog_bank(&r, ALG_SHA1)->pcr[2], want1, 20);
	assert_memory_equal(eventlog_bank(&r, ALG_SHA256)->pcr[2], want256, 32);
	assert_null(eventlog_bank(&r, 0x1234));
	free(b.p);

	/* Fewer digests than the table lists: only those banks move. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_u32(&b, 3);
	lb_u32(&b, EV_POST_CODE);
	lb_u32(&b, 1);
	lb_u16(&b, ALG_SHA256);
	lb_fill(&b, 1, 32);
	lb_u32(&b, 0);
	assert_replays(b.p, b.len, &r);
	assert_int_equal(r.bank_count, 1);
	assert_null(eventlog_bank(&r, ALG_SHA1));
	assert_int_equal(eventlog_bank(&r, ALG_SHA256)->extended, 1u << 3);
	free(b.p);
}

static void test_table_and_digest_list_checks(void **state)
{
	const uint16_t dup[2][2] = { { ALG_SHA256, 32 }, { ALG_SHA256, 32 } };
	const uint16_t wrong[1][2] = { { ALG_SHA256, 20 } };
	struct logbuf b = { 0 };

	(void)state;
	lb_spec_id(&b, 2, dup, 2);
	assert_refused(b.p, b.len, "Spec ID event lists algorithm 0x000b twice");
	free(b.p);

	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 1, wrong, 1);
	assert_refused(b.p, b.len, "Spec ID event gives sha256 a digest size of 20, not 32");
	free(b.p);

	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 0, std_rows, 0);
	assert_refused(b.p, b.len, "Spec ID event lists no digest algorithms");
	free(b.p);

	/* A digest of an algorithm the table does not list. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 1, (const uint16_t[][2]){ { ALG_SHA256, 32 } }, 1);
	lb_u32(&b, 0);
	lb_u32(&b, EV_POST_CODE);
	lb_u32(&b, 1);
	lb_u16(&b, ALG_SHA384);
	lb_fill(&b, 0, 48);
	lb_u32(&b, 0);
	assert_refused(b.p, b.len, "event 1: digest algorithm 0x000c is not in the Spec ID event");
	free(b.p);

	/* The same algorithm twice in one event. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	lb_u32(&b, 0);
	lb_u32(&b, EV_POST_CODE);
	lb_u32(&b, 2);
	lb_u16(&b, ALG_SHA256);
	lb_fill(&b, 0, 32);
	lb_u16(&b, ALG_SHA256);
	lb_fill(&b, 0, 32);
	lb_u32(&b, 0);
	assert_refused(b.p, b.len, "event 1: two digests of algorithm 0x000b");
	free(b.p);

	/* The Spec ID event belongs on PCR 0 with a zero digest. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	put_le32(b.p, 5);
	assert_refused(b.p, b.len, "event 0: the Spec ID event is on PCR 5, not 0");
	put_le32(b.p, 0);
	b.p[8] = 1;
	assert_refused(b.p, b.len, "event 0: the Spec ID event's digest is not zero");
	free(b.p);

	/* Vendor info longer than the event. */
	b = (struct logbuf){ 0 };
	lb_spec_id(&b, 2, std_rows, 2);
	b.p[b.len - 1] = 9;
	assert_refused(b.p, b.len, "vendor info of 9 bytes runs past");
	free(b.p);
}

static void test_legacy_sha1_log(void **state)
{
	struct logbuf b = { 0 };
	struct eventlog_replay r;
	uint8_t want0[64] = { 0 }, want4[64] = { 0 }, d[20];

	(void)state;
	/* The first record is an ordinary event: no Spec ID signature. */
	for (uint8_t e = 1; e <= 4; e++) {
		uint32_t pcr = e == 3 ? 4 : 0;
		uint32_t type = e == 2 ? EV_NO_ACTION : EV_POST_CODE;

		lb_u32(&b, pcr);
		lb_u32(&b, type);
		lb_fill(&b, e, 20);
		lb_u32(&b, 2);
		lb_put(&b, "ab", 2);
		memset(d, e, sizeof(d));
		if (type != EV_NO_ACTION)
			ext(ALG_SHA1, pcr == 4 ? want4 : want0, 20, d);
	}
	assert_replays(b.p, b.len, &r);
	assert_false(r.crypto_agile);
	assert_int_equal(r.event_count, 4);
	assert_int_equal(r.bank_count, 1);
	assert_int_equal(r.banks[0].alg, ALG_SHA1);
	assert_int_equal(r.banks[0].extended, (1u << 0) | (1u << 4));
	assert_memory_equal(r.banks[0].pcr[0], want0, 20);
	assert_memory_equal(r.banks[0].pcr[4], want4, 20);

	/* A TPM 1.2 style "Spec ID Event00" first record is not crypto-agile. */
	b.len = 0;
	lb_u32(&b, 0);
	lb_u32(&b, EV_NO_ACTION);
	lb_fill(&b, 0, 20);
	lb_u32(&b, 16);
	lb_put(&b, "Spec ID Event00", 16);
	lb_u32(&b, 1);
	lb_u32(&b, EV_POST_CODE);
	lb_fill(&b, 7, 20);
	lb_u32(&b, 0);
	assert_replays(b.p, b.len, &r);
	assert_false(r.crypto_agile);
	assert_int_equal(r.event_count, 2);
	assert_int_equal(r.banks[0].extended, 1u << 1);

	/* PCR index 99 in a legacy record. */
	put_le32(b.p + 48, 99); /* the second record starts after 32 + 16 bytes */
	assert_refused(b.p, b.len, "event 1: PCR index 99 is out of range (0-23)");
	free(b.p);
}

static void test_boot_aggregates_need_every_pcr(void **state)
{
	struct eventlog_bank b;
	uint8_t agg8[64], agg10[64], want[64];
	bool has8, has10;
	unsigned int n;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.alg = ALG_SHA256;
	b.digest_size = 32;
	for (int i = 0; i < EVENTLOG_PCRS; i++)
		memset(b.pcr[i], i + 1, 32);

	b.extended = 0xFF; /* PCRs 8 and 9 absent */
	eventlog_boot_aggregates(&b, agg8, &has8, agg10, &has10);
	assert_true(has8);
	assert_false(has10);
	/* pcr[i] rows are 64 wide: hash the used 32 bytes of each row. */
	{
		uint8_t cat[8 * 32];

		for (int i = 0; i < 8; i++)
			memcpy(cat + 32 * i, b.pcr[i], 32);
		assert_int_equal(EVP_Digest(cat, sizeof(cat), want, &n, EVP_sha256(), NULL), 1);
	}
	assert_memory_equal(agg8, want, 32);
	for (int i = 0; i < 64; i++)
		assert_int_equal(agg10[i], 0);

	b.extended = 0x3FF & ~(1u << 3);
	eventlog_boot_aggregates(&b, agg8, &has8, agg10, &has10);
	assert_false(has8);
	assert_false(has10);

	eventlog_boot_aggregates(NULL, agg8, &has8, agg10, &has10);
	assert_false(has8);
	assert_false(has10);
	assert_null(eventlog_bank(NULL, ALG_SHA1));
}

static void test_error_buffer_handling(void **state)
{
	struct eventlog_replay r;
	char tiny[8];
	const uint8_t ff[40] = { 0xFF };

	(void)state;
	assert_int_equal(eventlog_replay(NULL, 0, &r, NULL, 0), -1);
	assert_int_equal(eventlog_replay(ff, sizeof(ff), &r, tiny, sizeof(tiny)), -1);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1); /* truncated, terminated */
}

/* ---- hostile input ---- */

static void test_every_prefix_fails_cleanly_or_ends_on_a_boundary(void **state)
{
	const char *names[] = { "binary_bios_measurements", "binary_bios_measurements-secureboot",
				"mb_log.b64" };

	(void)state;
	for (size_t f = 0; f < 3; f++) {
		size_t len;
		uint8_t *buf = load_log(names[f], &len);
		struct walk w;
		size_t next = 0; /* index into w.ends of the next boundary */

		walk_agile(buf, len, &w);
		for (size_t cut = 1; cut <= len; cut += cut < 4096 ? 1 : 97) {
			struct eventlog_replay r;
			char err[256];
			int rc;

			while (next < w.count && w.ends[next] < cut)
				next++;
			rc = replay_exact(buf, cut, &r, err, sizeof(err));
			if (next < w.count && w.ends[next] == cut) {
				if (rc != 0)
					fail_msg("%s cut at boundary %zu: %s", names[f], cut, err);
				assert_int_equal(r.event_count, next + 1);
			} else {
				if (rc != -1)
					fail_msg("%s cut at %zu inside an event was accepted", names[f], cut);
				assert_true(err[0] != '\0');
				assert_int_equal(r.bank_count, 0);
			}
		}
		free(buf);
	}
}

/* Offset of event k's event-size field in a walked log. */
static size_t size_field(const struct walk *w, size_t k)
{
	return w->ends[k] - w->data_size[k] - 4;
}

static void test_lying_counts_and_sizes(void **state)
{
	size_t len;
	uint8_t *real = load_log("binary_bios_measurements", &len);
	uint8_t *buf = malloc(len);
	struct walk w;
	size_t ev1 = 32 + get_le32(real + 28);
	char want[128];

	(void)state;
	assert_non_null(buf);
	walk_agile(real, len, &w);

#define RESET() memcpy(buf, real, len)
	RESET();
	put_le32(buf + ev1 + 8, 0xFFFFFFFFu);
	assert_refused(buf, len, "event 1: digest count 4294967295 exceeds the 2 banks of the Spec ID event");

	RESET();
	put_le32(buf + size_field(&w, 1), 0xFFFFFFFFu);
	snprintf(want, sizeof(want), "event 1 ends at byte %zu beyond the log's %zu bytes",
		 size_field(&w, 1) + 4 + (size_t)0xFFFFFFFFu, len);
	assert_refused(buf, len, want);

	RESET();
	put_le32(buf + size_field(&w, 50), 0x7FFFFFFFu);
	assert_refused(buf, len, "event 50 ends at byte");

	RESET();
	put_le32(buf + 28, 0xFFFFFFFFu); /* the Spec ID event's own size */
	assert_refused(buf, len, "event 0 ends at byte");

	RESET();
	put_le32(buf + ev1, 99);
	assert_refused(buf, len, "event 1: PCR index 99 is out of range (0-23)");

	RESET();
	put_le32(buf + w.ends[119], 24);
	assert_refused(buf, len, "event 120: PCR index 24 is out of range");

	/* Spec ID: 1000 algorithms in an event with room for 2. */
	RESET();
	put_le32(buf + 32 + 24, 1000);
	assert_refused(buf, len, "Spec ID event lists 1000 digest algorithms but its 37 bytes hold at most 2");

	RESET();
	put_le16(buf + 32 + 28 + 2, 0);
	assert_refused(buf, len, "Spec ID event: algorithm 0x0004 has digest size 0, outside 1-64");

	RESET();
	put_le16(buf + 32 + 28 + 2, 65535);
	assert_refused(buf, len, "Spec ID event: algorithm 0x0004 has digest size 65535, outside 1-64");

	/* sha1 renamed to an unknown algorithm: the events' sha1 digests no
	 * longer have a table entry. */
	RESET();
	put_le16(buf + 32 + 28, 0x1234);
	assert_refused(buf, len, "event 1: digest algorithm 0x0004 is not in the Spec ID event");
#undef RESET
	free(buf);
	free(real);

	/* 1000 algorithms that really are there: over the table cap. */
	{
		struct logbuf b = { 0 };
		uint16_t(*rows)[2] = calloc(1000, sizeof(*rows));

		assert_non_null(rows);
		for (uint16_t i = 0; i < 1000; i++) {
			rows[i][0] = (uint16_t)(0x100 + i);
			rows[i][1] = 32;
		}
		lb_spec_id(&b, 1000, (const uint16_t(*)[2])rows, 1000);
		assert_refused(b.p, b.len, "Spec ID event lists 1000 digest algorithms, more than the 16 accepted");
		free(rows);
		free(b.p);
	}
}

static void test_10_mib_of_ff(void **state)
{
	size_t len = 10u * 1024 * 1024;
	uint8_t *buf = malloc(len);

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xFF, len);
	assert_refused(buf, len, "event 0 ends at byte");
	/* A valid Spec ID event followed by 0xFF: a digest count that lies. */
	{
		struct logbuf b = { 0 };

		lb_spec_id(&b, 2, std_rows, 2);
		memcpy(buf, b.p, b.len);
		assert_refused(buf, len, "event 1: PCR index 4294967295 is out of range");
		free(b.p);
	}
	free(buf);
}

static void test_size_and_event_limits(void **state)
{
	struct eventlog_replay r;
	char err[256];
	size_t big = EVENTLOG_MAX_BYTES + 1;
	uint8_t *buf = calloc(big, 1);
	struct logbuf b = { 0 };
	size_t header;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(eventlog_replay(buf, big, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "the event log's 67108865 bytes exceed the 67108864-byte limit");

	/* Exactly EVENTLOG_MAX_EVENTS records (16-byte events without digests)
	 * pass; one more is refused. */
	lb_spec_id(&b, 2, std_rows, 2);
	header = b.len;
	memcpy(buf, b.p, header);
	assert_int_equal(eventlog_replay(buf, header + 16 * (size_t)(EVENTLOG_MAX_EVENTS - 1), &r, err,
					 sizeof(err)),
			 0);
	assert_int_equal(r.event_count, EVENTLOG_MAX_EVENTS);
	assert_int_equal(r.bank_count, 0);
	assert_int_equal(eventlog_replay(buf, header + 16 * (size_t)EVENTLOG_MAX_EVENTS, &r, err,
					 sizeof(err)),
			 -1);
	assert_string_equal(err, "the log has more than 1000000 events");
	free(b.p);
	free(buf);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static void test_mutated_real_logs(void **state)
{
	const char *names[] = { "binary_bios_measurements", "binary_bios_measurements-secureboot",
				"mb_log.b64" };
	static const uint32_t words[] = { 0,          1,          3,          23,         24,
					  99,         0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x80000010,
					  0xFFFF,     0x10000 };
	static const uint16_t halves[] = { 0, ALG_SHA1, ALG_SHA256, ALG_SHA384, ALG_SHA512, 0x12, 0xFFFF, 65 };
	uint8_t *logs[3];
	size_t lens[3];
	uint64_t seed = 0x7465657665766c67ull;
	size_t accepted = 0;

	(void)state;
	for (size_t f = 0; f < 3; f++)
		logs[f] = load_log(names[f], &lens[f]);

	for (int iter = 0; iter < 2000; iter++) {
		size_t f = (size_t)iter % 3;
		size_t len = lens[f];
		uint8_t *buf = malloc(len);
		int mutations = 1 + (int)(next_random(&seed) % 4);
		struct eventlog_replay r;
		char err[256];
		int rc;

		assert_non_null(buf);
		memcpy(buf, logs[f], len);
		for (int m = 0; m < mutations; m++) {
			uint64_t x = next_random(&seed);
			/* Half the edits land in the first KiB, where the Spec ID event
			 * and the first headers are. */
			size_t span = (x & 1) ? 1024 : len;
			size_t off = (size_t)(next_random(&seed) % (span - 4));

			switch ((x >> 1) % 4) {
			case 0:
				buf[off] = (uint8_t)(x >> 8);
				break;
			case 1:
				put_le32(buf + off, words[(x >> 8) % (sizeof(words) / sizeof(words[0]))]);
				break;
			case 2:
				put_le16(buf + off, halves[(x >> 8) % (sizeof(halves) / sizeof(halves[0]))]);
				break;
			default:
				len = 1 + (size_t)((x >> 8) % len);
				break;
			}
		}
		rc = replay_exact(buf, len, &r, err, sizeof(err));
		if (rc == 0) {
			accepted++;
			assert_true(r.bank_count <= 4);
			assert_true(r.event_count >= 1 && r.event_count <= EVENTLOG_MAX_EVENTS);
			for (size_t i = 0; i < r.bank_count; i++) {
				assert_true(r.banks[i].digest_size >= 20 && r.banks[i].digest_size <= 64);
				assert_true(r.banks[i].extended != 0);
				assert_true(r.banks[i].extended < (1u << EVENTLOG_PCRS));
			}
		} else {
			assert_int_equal(rc, -1);
			assert_true(err[0] != '\0');
			assert_true(strlen(err) < sizeof(err));
			assert_int_equal(r.bank_count, 0);
		}
		free(buf);
	}
	/* Edits inside event data keep the log well-formed: some must pass. */
	assert_true(accepted > 100);
	for (size_t f = 0; f < 3; f++)
		free(logs[f]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_logs_match_upstream),
		cmocka_unit_test(test_startup_locality_log_vs_tpm2_tools_5_4),
		cmocka_unit_test(test_bogus_and_empty_logs_fail),
		cmocka_unit_test(test_startup_locality_seeds_pcr0),
		cmocka_unit_test(test_startup_locality_must_come_first),
		cmocka_unit_test(test_hcrtm_event_seeds_locality_4),
		cmocka_unit_test(test_no_action_marks_present_without_extending),
		cmocka_unit_test(test_unknown_algorithm_is_walked_over),
		cmocka_unit_test(test_table_and_digest_list_checks),
		cmocka_unit_test(test_legacy_sha1_log),
		cmocka_unit_test(test_boot_aggregates_need_every_pcr),
		cmocka_unit_test(test_error_buffer_handling),
		cmocka_unit_test(test_every_prefix_fails_cleanly_or_ends_on_a_boundary),
		cmocka_unit_test(test_lying_counts_and_sizes),
		cmocka_unit_test(test_10_mib_of_ff),
		cmocka_unit_test(test_size_and_event_limits),
		cmocka_unit_test(test_mutated_real_logs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
