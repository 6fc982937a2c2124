/* eventlog.c - parse and replay the binary UEFI event log (see eventlog.h).
 *
 * The parser walks the log once, front to back, with an offset that only
 * grows. Every read goes through take() or take_data(), which check the
 * requested size against the bytes that remain; nothing is read before its
 * bounds are known (both return NULL, with the reason in err, rather than run
 * past the end). The only allocations are the OpenSSL digest objects,
 * fetched once per call and reused for every extend.
 */
#include "verifier/eventlog.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* Event types (TCG PC Client PFP, "Events"). */
#define EV_NO_ACTION 0x00000003u
#define EV_EFI_HCRTM_EVENT 0x80000010u

#define SHA1_SIZE 20
/* TCG_PCR_EVENT: u32 pcrIndex, u32 eventType, 20-byte digest, u32 eventDataSize. */
#define LEGACY_HEADER_SIZE (4 + 4 + SHA1_SIZE + 4)
/* TCG_EfiSpecIDEvent up to numberOfAlgorithms: signature[16], u32 platformClass,
 * u8 specVersionMinor, u8 specVersionMajor, u8 specErrata, u8 uintnSize,
 * u32 numberOfAlgorithms. */
#define SPEC_ID_FIXED_SIZE 28
#define SIGNATURE_SIZE 16
/* A generous cap on the algorithm table: TPMs implement a handful of banks,
 * and the table is kept in a fixed array. */
#define SPEC_ID_MAX_ALGS 16
/* sizeof(TPMU_HA): no TPM hash algorithm has a longer digest. */
#define MAX_DIGEST_SIZE 64
/* The H-CRTM runs _TPM_Hash_Start from locality 4 (TPM 2.0 Part 1, H-CRTM
 * before TPM2_Startup), which resets PCR 0 to 0...04. */
#define HCRTM_LOCALITY 4

/* Both signatures are 15 characters and a NUL: exactly SIGNATURE_SIZE bytes. */
static const char spec_id_signature[SIGNATURE_SIZE] = "Spec ID Event03";
static const char startup_locality_signature[SIGNATURE_SIZE] = "StartupLocality";

/* The banks we replay, in the order eventlog_replay lists them. */
#define KNOWN_ALGS 4
static const struct {
	uint16_t alg;
	uint16_t size;
	const char *openssl_name;
	const char *name;
} known_algs[KNOWN_ALGS] = {
	{ 0x0004, 20, "SHA1", "sha1" },
	{ 0x000B, 32, "SHA256", "sha256" },
	{ 0x000C, 48, "SHA384", "sha384" },
	{ 0x000D, 64, "SHA512", "sha512" },
};

/* One row of the Spec ID event's algorithm table. */
struct spec_alg {
	uint16_t alg;
	uint16_t size;
	int known; /* index into known_algs, or -1: walked over, not replayed */
};

/* One digest of the event being parsed; points into the log. */
struct event_digest {
	int known; /* index into known_algs, or -1 */
	const uint8_t *bytes;
};

struct replay_ctx {
	const uint8_t *buf;
	size_t len;
	size_t off;   /* next unread byte; only ever grows */
	size_t event; /* number of the event being parsed, for messages */
	char *err;
	size_t err_len;

	/* Working banks, indexed like known_algs; copied out on success only. */
	struct eventlog_bank banks[KNOWN_ALGS];
	bool in_log[KNOWN_ALGS];
	EVP_MD *md[KNOWN_ALGS];
	EVP_MD_CTX *mdctx;

	struct spec_alg algs[SPEC_ID_MAX_ALGS];
	size_t alg_count;

	bool pcr0_measured; /* an event other than EV_NO_ACTION extended PCR 0 */
	bool hcrtm_seen;
};

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int known_index(uint16_t alg)
{
	for (int k = 0; k < KNOWN_ALGS; k++) {
		if (known_algs[k].alg == alg)
			return k;
	}
	return -1;
}

__attribute__((format(printf, 2, 3))) static int fail(struct replay_ctx *c, const char *fmt, ...)
{
	if (c->err && c->err_len > 0) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(c->err, c->err_len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Hands out the next n bytes of the log, or NULL after naming what was cut
 * off. */
static const uint8_t *take(struct replay_ctx *c, size_t n, const char *what)
{
	const uint8_t *p = c->buf + c->off;

	if (n > c->len - c->off) {
		fail(c, "event %zu is truncated: its %s needs %zu bytes at byte %zu of the log's %zu",
		     c->event, what, n, c->off, c->len);
		return NULL;
	}
	c->off += n;
	return p;
}

/* Like take() for the event data, whose size is a claim of the log. */
static const uint8_t *take_data(struct replay_ctx *c, uint32_t size)
{
	const uint8_t *p = c->buf + c->off;

	if (size > c->len - c->off) {
		fail(c, "event %zu ends at byte %" PRIu64 " beyond the log's %zu bytes", c->event,
		     (uint64_t)c->off + size, c->len);
		return NULL;
	}
	c->off += size;
	return p;
}

static int start_bank(struct replay_ctx *c, int k)
{
	c->md[k] = EVP_MD_fetch(NULL, known_algs[k].openssl_name, NULL);
	if (!c->md[k])
		return fail(c, "OpenSSL cannot compute %s for the %s bank", known_algs[k].openssl_name,
			    known_algs[k].name);
	c->in_log[k] = true;
	c->banks[k].alg = known_algs[k].alg;
	c->banks[k].digest_size = known_algs[k].size;
	return 0;
}

/* PCR = H(PCR || digest), in place. */
static int extend(struct replay_ctx *c, int k, uint32_t pcr, const uint8_t *digest)
{
	uint8_t *value = c->banks[k].pcr[pcr];
	size_t size = known_algs[k].size;

	if (EVP_DigestInit_ex2(c->mdctx, c->md[k], NULL) != 1 ||
	    EVP_DigestUpdate(c->mdctx, value, size) != 1 ||
	    EVP_DigestUpdate(c->mdctx, digest, size) != 1 ||
	    EVP_DigestFinal_ex(c->mdctx, value, NULL) != 1)
		return fail(c, "event %zu: OpenSSL failed to extend %s PCR %u", c->event,
			    known_algs[k].name, (unsigned)pcr);
	return 0;
}

/* PCR 0's reset value carries the startup locality in its last byte. Only
 * called while PCR 0 is still at its reset value, so setting the byte
 * changes the initial value and nothing else. */
static void set_startup_locality(struct replay_ctx *c, uint8_t locality)
{
	for (int k = 0; k < KNOWN_ALGS; k++) {
		if (c->in_log[k])
			c->banks[k].pcr[0][known_algs[k].size - 1] = locality;
	}
}

/* An EV_NO_ACTION event on PCR 0: TCG_EfiStartupLocalityEvent is the
 * signature "StartupLocality\0" and one byte, the locality TPM2_Startup came
 * from. */
static int startup_locality_event(struct replay_ctx *c, const uint8_t *data, uint32_t size)
{
	uint8_t locality;

	if (size < SIGNATURE_SIZE || memcmp(data, startup_locality_signature, SIGNATURE_SIZE) != 0)
		return 0; /* some other EV_NO_ACTION event */
	if (size < SIGNATURE_SIZE + 1)
		return fail(c, "event %zu: StartupLocality event has no locality byte", c->event);
	locality = data[SIGNATURE_SIZE];
	if (locality > HCRTM_LOCALITY)
		return fail(c, "event %zu: StartupLocality %u is not a TPM locality (0-4)", c->event,
			    (unsigned)locality);
	/* The H-CRTM already fixed PCR 0's start at locality 4; tpm2_eventlog
	 * ignores a later StartupLocality too. */
	if (c->hcrtm_seen)
		return 0;
	/* The locality is PCR 0's reset value: it cannot be learnt after
	 * measurements were extended on top of that value. */
	if (c->pcr0_measured)
		return fail(c, "event %zu: StartupLocality event after PCR 0 was already extended",
			    c->event);
	set_startup_locality(c, locality);
	return 0;
}

/* Replays one fully parsed event. mark_no_action: whether an EV_NO_ACTION
 * event still marks its PCRs present (tpm2_eventlog does so in crypto-agile
 * logs, not in SHA-1 logs). */
static int apply_event(struct replay_ctx *c, uint32_t pcr, uint32_t type,
		       const struct event_digest *digests, size_t count, const uint8_t *data,
		       uint32_t size, bool mark_no_action)
{
	if (type == EV_NO_ACTION) {
		if (pcr == 0 && startup_locality_event(c, data, size) != 0)
			return -1;
		for (size_t i = 0; mark_no_action && i < count; i++) {
			if (digests[i].known >= 0)
				c->banks[digests[i].known].extended |= 1u << pcr;
		}
		return 0;
	}
	if (type == EV_EFI_HCRTM_EVENT && pcr == 0) {
		/* _TPM_Hash_Start resets PCR 0 and _TPM_Hash_End extends the
		 * H-CRTM digest into it before any firmware measurement: an
		 * H-CRTM event can only be PCR 0's first. */
		if (c->pcr0_measured)
			return fail(c, "event %zu: EV_EFI_HCRTM_EVENT after PCR 0 was already extended",
				    c->event);
		set_startup_locality(c, HCRTM_LOCALITY);
		c->hcrtm_seen = true;
	}
	for (size_t i = 0; i < count; i++) {
		int k = digests[i].known;

		if (k < 0)
			continue;
		if (extend(c, k, pcr, digests[i].bytes) != 0)
			return -1;
		c->banks[k].extended |= 1u << pcr;
	}
	if (pcr == 0)
		c->pcr0_measured = true;
	return 0;
}

static int check_pcr_index(struct replay_ctx *c, uint32_t pcr)
{
	if (pcr >= EVENTLOG_PCRS)
		return fail(c, "event %zu: PCR index %" PRIu32 " is out of range (0-%d)", c->event, pcr,
			    EVENTLOG_PCRS - 1);
	return 0;
}

/* Parses the TCG_EfiSpecIDEvent in the first record's data: the algorithm
 * table fixes the size of every digest in the TCG_PCR_EVENT2 records. */
static int parse_spec_id(struct replay_ctx *c, const uint8_t *data, uint32_t size)
{
	uint32_t n;
	size_t table_end;

	if (size < SPEC_ID_FIXED_SIZE + 1)
		return fail(c, "Spec ID event: its %" PRIu32 " bytes are too few for a TCG_EfiSpecIDEvent",
			    size);
	n = le32(data + 24);
	if (n == 0)
		return fail(c, "Spec ID event lists no digest algorithms");
	/* The table and the vendorInfoSize byte after it must fit the event;
	 * compared in 64 bits so a huge n cannot wrap. */
	if ((uint64_t)n * 4 + 1 > size - SPEC_ID_FIXED_SIZE)
		return fail(c, "Spec ID event lists %" PRIu32 " digest algorithms but its %" PRIu32
			    " bytes hold at most %" PRIu32,
			    n, size, (size - SPEC_ID_FIXED_SIZE - 1) / 4);
	if (n > SPEC_ID_MAX_ALGS)
		return fail(c, "Spec ID event lists %" PRIu32 " digest algorithms, more than the %d accepted",
			    n, SPEC_ID_MAX_ALGS);

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *row = data + SPEC_ID_FIXED_SIZE + (size_t)i * 4;
		uint16_t alg = le16(row);
		uint16_t dsize = le16(row + 2);
		int k = known_index(alg);

		/* An unknown algorithm is walked with this size, so a zero or
		 * absurd one is refused rather than trusted. */
		if (dsize == 0 || dsize > MAX_DIGEST_SIZE)
			return fail(c, "Spec ID event: algorithm 0x%04x has digest size %u, outside 1-%d",
				    (unsigned)alg, (unsigned)dsize, MAX_DIGEST_SIZE);
		for (uint32_t j = 0; j < i; j++) {
			if (c->algs[j].alg == alg)
				return fail(c, "Spec ID event lists algorithm 0x%04x twice", (unsigned)alg);
		}
		if (k >= 0 && dsize != known_algs[k].size)
			return fail(c, "Spec ID event gives %s a digest size of %u, not %u",
				    known_algs[k].name, (unsigned)dsize, (unsigned)known_algs[k].size);
		c->algs[i] = (struct spec_alg){ .alg = alg, .size = dsize, .known = k };
		c->alg_count = i + 1;
		if (k >= 0 && start_bank(c, k) != 0)
			return -1;
	}

	table_end = SPEC_ID_FIXED_SIZE + 4 * (size_t)n;
	/* vendorInfoSize (u8) and vendorInfo must lie inside the event too. */
	if (table_end + 1 + data[table_end] > size)
		return fail(c, "Spec ID event: its vendor info of %u bytes runs past the event's %" PRIu32
			    " bytes",
			    (unsigned)data[table_end], size);
	return 0;
}

/* One TCG_PCR_EVENT2 record. */
static int parse_event2(struct replay_ctx *c)
{
	struct event_digest digests[SPEC_ID_MAX_ALGS];
	uint32_t seen = 0; /* bit j: algs[j] already had its digest */
	const uint8_t *p;
	const uint8_t *data;
	uint32_t pcr, type, count, size;

	p = take(c, 12, "header");
	if (!p)
		return -1;
	pcr = le32(p);
	type = le32(p + 4);
	count = le32(p + 8);
	if (check_pcr_index(c, pcr) != 0)
		return -1;
	/* A digest list longer than the algorithm table must repeat or invent
	 * an algorithm; refusing it here also bounds the loop below. */
	if (count > c->alg_count)
		return fail(c, "event %zu: digest count %" PRIu32 " exceeds the %zu bank%s of the Spec ID event",
			    c->event, count, c->alg_count, c->alg_count == 1 ? "" : "s");

	for (uint32_t i = 0; i < count; i++) {
		size_t j;
		uint16_t alg;

		p = take(c, 2, "digest algorithm");
		if (!p)
			return -1;
		alg = le16(p);
		for (j = 0; j < c->alg_count && c->algs[j].alg != alg; j++)
			;
		/* Only the table says how long a digest is. */
		if (j == c->alg_count)
			return fail(c, "event %zu: digest algorithm 0x%04x is not in the Spec ID event",
				    c->event, (unsigned)alg);
		if (seen & (1u << j))
			return fail(c, "event %zu: two digests of algorithm 0x%04x", c->event,
				    (unsigned)alg);
		seen |= 1u << j;
		p = take(c, c->algs[j].size, "digest");
		if (!p)
			return -1;
		digests[i] = (struct event_digest){ .known = c->algs[j].known, .bytes = p };
	}

	p = take(c, 4, "event size");
	if (!p)
		return -1;
	size = le32(p);
	data = take_data(c, size);
	if (!data)
		return -1;
	return apply_event(c, pcr, type, digests, count, data, size, true);
}

/* One TCG_PCR_EVENT record of a legacy SHA-1 log. */
static int parse_legacy_event(struct replay_ctx *c)
{
	struct event_digest digest;
	const uint8_t *p;
	const uint8_t *data;
	uint32_t pcr, type, size;

	p = take(c, LEGACY_HEADER_SIZE, "header");
	if (!p)
		return -1;
	pcr = le32(p);
	type = le32(p + 4);
	size = le32(p + 28);
	if (check_pcr_index(c, pcr) != 0)
		return -1;
	data = take_data(c, size);
	if (!data)
		return -1;
	digest = (struct event_digest){ .known = 0 /* sha1 */, .bytes = p + 8 };
	return apply_event(c, pcr, type, &digest, 1, data, size, false);
}

/* Numbers and parses events until the log ends. */
static int parse_events(struct replay_ctx *c, int (*parse_one)(struct replay_ctx *c))
{
	while (c->off < c->len) {
		if (c->event >= EVENTLOG_MAX_EVENTS)
			return fail(c, "the log has more than %d events", EVENTLOG_MAX_EVENTS);
		if (parse_one(c) != 0)
			return -1;
		c->event++;
	}
	return 0;
}

/* Reads the first record and picks the format it announces. */
static int parse_log(struct replay_ctx *c, bool *crypto_agile)
{
	const uint8_t *hdr;
	const uint8_t *data;
	uint32_t size;

	hdr = take(c, LEGACY_HEADER_SIZE, "header");
	if (!hdr)
		return -1;
	size = le32(hdr + 28);
	data = take_data(c, size);
	if (!data)
		return -1;

	*crypto_agile = le32(hdr + 4) == EV_NO_ACTION && size >= SIGNATURE_SIZE &&
			memcmp(data, spec_id_signature, SIGNATURE_SIZE) == 0;
	if (!*crypto_agile) {
		/* A legacy log: its first record is an ordinary event. */
		c->off = 0;
		if (start_bank(c, 0) != 0)
			return -1;
		return parse_events(c, parse_legacy_event);
	}

	if (le32(hdr) != 0)
		return fail(c, "event 0: the Spec ID event is on PCR %" PRIu32 ", not 0", le32(hdr));
	for (size_t i = 0; i < SHA1_SIZE; i++) {
		if (hdr[8 + i] != 0)
			return fail(c, "event 0: the Spec ID event's digest is not zero");
	}
	if (parse_spec_id(c, data, size) != 0)
		return -1;
	c->event = 1;
	return parse_events(c, parse_event2);
}

int eventlog_replay(const uint8_t *buf, size_t len, struct eventlog_replay *out, char *err,
		    size_t err_len)
{
	struct replay_ctx c = { .buf = buf, .len = len, .err = err, .err_len = err_len };
	bool crypto_agile = false;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (err && err_len > 0)
		err[0] = '\0';
	if (!buf || len == 0)
		return fail(&c, "empty event log");
	if (len > EVENTLOG_MAX_BYTES)
		return fail(&c, "the event log's %zu bytes exceed the %zu-byte limit", len,
			    EVENTLOG_MAX_BYTES);

	c.mdctx = EVP_MD_CTX_new();
	if (!c.mdctx) {
		fail(&c, "out of memory for a digest context");
		goto out;
	}
	if (parse_log(&c, &crypto_agile) != 0)
		goto out;

	for (int k = 0; k < KNOWN_ALGS; k++) {
		if (c.in_log[k] && c.banks[k].extended != 0)
			out->banks[out->bank_count++] = c.banks[k];
	}
	out->event_count = c.event;
	out->crypto_agile = crypto_agile;
	rc = 0;
out:
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	for (int k = 0; k < KNOWN_ALGS; k++)
		EVP_MD_free(c.md[k]);
	EVP_MD_CTX_free(c.mdctx);
	return rc;
}

const struct eventlog_bank *eventlog_bank(const struct eventlog_replay *r, uint16_t alg)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->bank_count && i < 4; i++) {
		if (r->banks[i].alg == alg)
			return &r->banks[i];
	}
	return NULL;
}

/* H(PCR0 || ... || PCR(n-1)) into agg; false when OpenSSL fails. */
static bool aggregate(EVP_MD_CTX *ctx, const EVP_MD *md, const struct eventlog_bank *b, int n,
		      uint8_t agg[64])
{
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1)
		return false;
	for (int i = 0; i < n; i++) {
		if (EVP_DigestUpdate(ctx, b->pcr[i], b->digest_size) != 1)
			return false;
	}
	return EVP_DigestFinal_ex(ctx, agg, NULL) == 1;
}

void eventlog_boot_aggregates(const struct eventlog_bank *b, uint8_t agg8[64], bool *has8,
			      uint8_t agg10[64], bool *has10)
{
	const uint32_t pcrs0_7 = 0xFFu, pcrs0_9 = 0x3FFu;
	EVP_MD *md = NULL;
	EVP_MD_CTX *ctx = NULL;
	int k;

	memset(agg8, 0, 64);
	memset(agg10, 0, 64);
	*has8 = false;
	*has10 = false;
	if (!b)
		return;
	k = known_index(b->alg);
	if (k < 0 || b->digest_size != known_algs[k].size)
		return;
	if ((b->extended & pcrs0_7) != pcrs0_7)
		return; /* then PCRs 0-9 are incomplete as well */

	md = EVP_MD_fetch(NULL, known_algs[k].openssl_name, NULL);
	ctx = EVP_MD_CTX_new();
	if (!md || !ctx)
		goto out;
	*has8 = aggregate(ctx, md, b, 8, agg8);
	if ((b->extended & pcrs0_9) == pcrs0_9)
		*has10 = aggregate(ctx, md, b, 10, agg10);
out:
	if (!*has8)
		memset(agg8, 0, 64);
	if (!*has10)
		memset(agg10, 0, 64);
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
}
