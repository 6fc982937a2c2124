/* snp_verify.c - the SEV-SNP verification path (see snp_verify.h).
 *
 * Order of checks: report layout -> product -> endorsement key (cache, else
 * certificate from the request, file or offline folder -> AMD chain -> binding
 * of the certificate to the report) -> report signature -> nonce binding.
 * A failure of trust (layout, key, chain, binding, signature) stops there: what
 * follows would be judging unauthenticated bytes.
 */
#include "verifier/snp_verify.h"

#include "verifier/bytes.h"
#include "verifier/failures.h"
#include "verifier/kds.h"
#include "verifier/p384.h"
#include "verifier/snp_certs_buf.h"
#include "verifier/snp_vek.h"
#include "verifier/vek_cache.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_CACHE_SLOTS 4096
#define MAX_CERT_FILE ((size_t)64 * 1024)

static const enum snp_product known_products[] = {SNP_PRODUCT_MILAN, SNP_PRODUCT_GENOA,
						  SNP_PRODUCT_TURIN};
#define KNOWN_PRODUCT_COUNT (sizeof(known_products) / sizeof(known_products[0]))

int snp_verifier_init(struct snp_verifier *v, const struct snp_verifier_config *cfg,
		      char *err, size_t err_len)
{
	memset(v, 0, sizeof(*v));
	if (snp_trust_load(&v->trust, cfg->amd_root_dir, err, err_len))
		return -1;
	snprintf(v->offline_dir, sizeof(v->offline_dir), "%s",
		 cfg->vcek_offline_dir ? cfg->vcek_offline_dir : "");
	v->store = cfg->store;
	v->kds = cfg->kds;
	v->check_crl = cfg->check_crl;
	v->cache = vek_cache_new(cfg->cache_slots ? cfg->cache_slots : DEFAULT_CACHE_SLOTS);
	if (!v->cache) {
		snprintf(err, err_len, "out of memory creating the VCEK cache");
		snp_trust_free(&v->trust);
		return -1;
	}
	return 0;
}

void snp_verifier_free(struct snp_verifier *v)
{
	vek_cache_free(v->cache);
	snp_trust_free(&v->trust);
	memset(v, 0, sizeof(*v));
}

/* Hashes the concatenation of parts with md into out. */
struct byte_span {
	const void *data;
	size_t len;
};

static void digest_spans(const EVP_MD *md, const struct byte_span *spans, size_t n,
			 uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int out_len = 0;

	/* Failing here would only mean no memory; an all-zero digest then fails
	 * closed (cache misses, freshness mismatch). */
	memset(out, 0, (size_t)EVP_MD_get_size(md));
	if (ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1) {
		for (size_t i = 0; i < n; i++)
			EVP_DigestUpdate(ctx, spans[i].data, spans[i].len);
		EVP_DigestFinal_ex(ctx, out, &out_len);
	}
	EVP_MD_CTX_free(ctx);
}

/* Cache key for a VCEK identified by its platform: AMD derives exactly one key
 * per (chip, TCB), so a key proven once for these values stays proven. */
static void platform_digest(enum snp_product product, const struct snp_report *r,
			    uint8_t out[32])
{
	uint8_t tag[2] = {(uint8_t)product, 'C'};
	uint8_t tcb[8];

	for (size_t i = 0; i < 8; i++)
		tcb[i] = (uint8_t)(r->reported_tcb >> (8 * i));
	const struct byte_span spans[] = {
		{"teev-vek-platform-v1", 20},
		{tag, sizeof(tag)},
		{r->chip_id, sizeof(r->chip_id)},
		{tcb, sizeof(tcb)},
	};
	digest_spans(EVP_sha256(), spans, 4, out);
}

/* Cache key for a certificate that cannot be named by platform (a VLEK, or a
 * VCEK behind a masked CHIP_ID): the certificate bytes themselves. */
static void certificate_digest(const uint8_t *der, size_t len, uint8_t out[32])
{
	const struct byte_span spans[] = {{"teev-vek-cert-v1", 16}, {der, len}};

	digest_spans(EVP_sha256(), spans, 2, out);
}

static bool keyed_by_platform(const struct snp_report *r)
{
	return r->signing_key == SNP_SIGNING_KEY_VCEK &&
	       !bytes_all_zero(r->chip_id, sizeof(r->chip_id));
}

static bool usable_at(const struct vek_cache_entry *e, time_t at)
{
	return at >= e->validity.from && at <= e->validity.until;
}

void snp_platform_key(enum snp_product product, const uint8_t *hwid, size_t hwid_len,
		      struct snp_tcb tcb, char *out, size_t cap)
{
	char hex[129];

	bytes_to_hex(hwid, hwid_len > 64 ? 64 : hwid_len, hex);
	if (product == SNP_PRODUCT_TURIN)
		snprintf(out, cap, "%s/bl%02u_tee%02u_snp%02u_ucode%02u_fmc%02u", hex, tcb.bootloader,
			 tcb.tee, tcb.snp, tcb.microcode, tcb.fmc);
	else
		snprintf(out, cap, "%s/bl%02u_tee%02u_snp%02u_ucode%02u", hex, tcb.bootloader,
			 tcb.tee, tcb.snp, tcb.microcode);
}

/* The platform key of the VCEK a report needs. */
static void platform_key(const struct snp_report *r, enum snp_product product, char *out,
			 size_t cap)
{
	snp_platform_key(product, r->chip_id, product == SNP_PRODUCT_TURIN ? 8 : 64,
			 snp_tcb_decode(r->reported_tcb, product), out, cap);
}

/* Trustee's offline layout: <dir>/vcek/<platform key>_vcek.der, else
 * <dir>/vcek/<hwid>/vcek.der. Returns a malloc'd DER or NULL. */
static uint8_t *offline_vcek(const char *dir, const struct snp_report *r,
			     enum snp_product product, size_t *len)
{
	char key[256], path[2048];
	char why[256]; /* a missing file is the normal case; the caller reports */
	uint8_t *der;

	platform_key(r, product, key, sizeof(key));
	snprintf(path, sizeof(path), "%s/vcek/%s_vcek.der", dir, key);
	der = bytes_read_file(path, MAX_CERT_FILE, len, why, sizeof(why));
	if (der)
		return der;
	*strchr(key, '/') = '\0';
	snprintf(path, sizeof(path), "%s/vcek/%s/vcek.der", dir, key);
	return bytes_read_file(path, MAX_CERT_FILE, len, why, sizeof(why));
}

/* Verifies the report signature with a proven key: ECDSA P-384 over SHA-384
 * of bytes [0, 0x2A0) (the hash through OpenSSL, the curve through p384.h). */
static int verify_report_signature(const struct p384_key *key, const uint8_t *report,
				   const struct snp_report *r)
{
	uint8_t digest[P384_DIGEST_SIZE];
	unsigned int digest_len = 0;
	int ok = EVP_Digest(report, SNP_SIGNED_SIZE, digest, &digest_len, EVP_sha384(), NULL) == 1 &&
		 digest_len == sizeof(digest) && p384_verify(key, digest, r->sig_r, r->sig_s) == 0;

	ERR_clear_error();
	return ok ? 0 : -1;
}

/* Where the endorsement certificate came from, with its bytes (owned or borrowed). */
struct vek_candidate {
	const uint8_t *der;
	size_t len;
	uint8_t *owned;
	const char *source;
	enum snp_product product; /* the product it was looked up for; UNKNOWN if any */
};

/* The products a report may be from: known from CPUID (v3+); for v2 the
 * ones whose chip id shape fits (Turin uses 8 bytes, the rest zero). */
static size_t candidate_products(const struct snp_report *r, enum snp_product product,
				 enum snp_product out[3])
{
	if (product != SNP_PRODUCT_UNKNOWN) {
		out[0] = product;
		return 1;
	}
	if (bytes_all_zero(r->chip_id + 8, 56)) {
		out[0] = SNP_PRODUCT_TURIN;
		return 1;
	}
	out[0] = SNP_PRODUCT_MILAN;
	out[1] = SNP_PRODUCT_GENOA;
	return 2;
}

/* Asks AMD's KDS. Returns 1 with a candidate, 0 when KDS has none for any
 * candidate product, -1 after recording why it could not answer. For a v2
 * report (no CPUID) each candidate product is asked in turn: KDS answers a
 * chip of another product with 404 or 400, and either means "try the next
 * one"; the last such answer is kept for the message. */
static int fetch_from_kds(struct snp_verifier *v, const struct snp_report *r,
			  const enum snp_product *products, size_t n, struct vek_candidate *c,
			  char *last, size_t last_cap, struct failures *f)
{
	char err[512] = "";

	for (size_t i = 0; i < n; i++) {
		struct snp_tcb tcb = snp_tcb_decode(r->reported_tcb, products[i]);
		enum kds_status status = kds_fetch_vcek(v->kds, products[i], r->chip_id, tcb,
							&c->owned, &c->len, err, sizeof(err));
		if (status == KDS_OK) {
			c->der = c->owned;
			c->source = "AMD KDS";
			c->product = products[i];
			return 1;
		}
		if (status != KDS_NOT_FOUND && status != KDS_BAD_REQUEST) {
			failures_add(f, "tee_attestation.vcek_fetch", "%s", err);
			return -1;
		}
		snprintf(last, last_cap, "%s", err);
	}
	return 0;
}

/* Finds a certificate for the report: explicit file, then certs-buf, then the
 * database, the offline folder and AMD's KDS. Returns 0 with a candidate, -1
 * with a failure appended. */
static int find_certificate(struct snp_verifier *v, const struct snp_evidence *e,
			    const struct snp_certs_buf *table, const struct snp_report *r,
			    enum snp_product product, struct vek_candidate *c, struct failures *f)
{
	bool vlek = r->signing_key == SNP_SIGNING_KEY_VLEK;
	const char *kind = vlek ? "VLEK" : "VCEK";
	enum snp_product products[3];
	size_t n_products = candidate_products(r, product, products);
	bool by_platform = !vlek && !bytes_all_zero(r->chip_id, sizeof(r->chip_id));
	char key[256];

	memset(c, 0, sizeof(*c));
	if (e->vek_der) {
		c->der = e->vek_der;
		c->len = e->vek_der_len;
		c->source = "file";
		return 0;
	}
	if (table) {
		const struct snp_blob *blob = vlek ? &table->vlek : &table->vcek;
		if (blob->data) {
			c->der = blob->data;
			c->len = blob->len;
			c->source = "certs-buf";
			return 0;
		}
		if ((vlek ? table->vcek.data : table->vlek.data) != NULL) {
			failures_add(f, "tee_attestation.signing_key_mismatch",
				     "report SIGNING_KEY says %s but certs-buf only holds a %s", kind,
				     vlek ? "VCEK" : "VLEK");
			return -1;
		}
	}
	for (size_t i = 0; by_platform && v->store && i < n_products; i++) {
		int64_t next_update = 0;
		platform_key(r, products[i], key, sizeof(key));
		c->owned = v->store->load(v->store->ctx, "vcek", snp_product_name(products[i]), key,
					  &c->len, &next_update);
		if (c->owned) {
			c->der = c->owned;
			c->source = "database";
			c->product = products[i];
			return 0;
		}
	}
	for (size_t i = 0; by_platform && v->offline_dir[0] && i < n_products; i++) {
		c->owned = offline_vcek(v->offline_dir, r, products[i], &c->len);
		if (c->owned) {
			c->der = c->owned;
			c->source = "offline folder";
			c->product = products[i];
			return 0;
		}
	}
	char kds_answer[512] = "";
	if (by_platform && v->kds) {
		int found = fetch_from_kds(v, r, products, n_products, c, kds_answer,
					   sizeof(kds_answer), f);
		if (found != 0)
			return found > 0 ? 0 : -1;
	}

	char hwid[129];
	char tcb_text[64];
	bytes_to_hex(r->chip_id, products[0] == SNP_PRODUCT_TURIN ? 8 : 64, hwid);
	snp_tcb_format(snp_tcb_decode(r->reported_tcb, products[0]), products[0], tcb_text,
		       sizeof(tcb_text));
	if (vlek)
		failures_add(f, "tee_attestation.vcek_fetch",
			     "no VLEK certificate in the request's certs-buf (VLEKs are per cloud provider and only accepted from certs-buf)");
	else if (!by_platform)
		failures_add(f, "tee_attestation.vcek_fetch",
			     "no VCEK certificate in the request's certs-buf, and CHIP_ID is masked (all zero) so none can be looked up");
	else
		/* Names only the places this verifier has: `teev verify` without
		 * a database must not say it looked in one. */
		failures_add(f, "tee_attestation.vcek_fetch",
			     "no VCEK certificate for chip %s at TCB {%s}: not in the request's certs-buf%s%s%s%s%s",
			     hwid, tcb_text, v->store ? ", the database" : " (no database)",
			     v->offline_dir[0] ? ", vcek_offline_dir" : " (no vcek_offline_dir configured)",
			     v->kds ? " nor at AMD KDS" : " (offline: AMD KDS not asked)",
			     kds_answer[0] ? ": " : "", kds_answer);
	return -1;
}

/* Proves a candidate certificate: parse, product, chain, binding. On success
 * fills entry (with an owned key reference) and *product_out. */
/* The CRL for the product and signer kind: from the store while current,
 * else from KDS (verified, then stored). */
static int check_revocation(struct snp_verifier *v, enum snp_product product, bool vlek,
			    time_t at, time_t *next_update, struct failures *f)
{
	const char *which = vlek ? "vlek" : "vcek";
	const char *name = snp_product_name(product);
	uint8_t *der = NULL;
	size_t len = 0;
	int64_t stored_next = 0;
	char err[512];
	int rc;

	if (v->store) {
		der = v->store->load(v->store->ctx, "crl", name, which, &len, &stored_next);
		if (der && stored_next < at) {
			free(der); /* out of date: fetch a new one */
			der = NULL;
		}
		if (der) {
			rc = snp_trust_check_crl(&v->trust, product, vlek, der, len, at, next_update, f);
			free(der);
			return rc;
		}
	}
	if (!v->kds) {
		failures_add(f, "tee_attestation.crl_fetch",
			     "check_crl is on but no current %s %s CRL is cached and teev is offline",
			     name, vlek ? "VLEK" : "VCEK");
		return -1;
	}
	if (kds_fetch_crl(v->kds, product, vlek, &der, &len, err, sizeof(err)) != KDS_OK) {
		failures_add(f, "tee_attestation.crl_fetch", "%s", err);
		return -1;
	}
	rc = snp_trust_check_crl(&v->trust, product, vlek, der, len, at, next_update, f);
	if (rc == 0 && v->store)
		v->store->save(v->store->ctx, "crl", name, which, der, len, (int64_t)*next_update);
	free(der);
	return rc;
}

static int prove_certificate(struct snp_verifier *v, const struct vek_candidate *c,
			     const struct snp_report *r, enum snp_product product, time_t at,
			     struct vek_cache_entry *entry, enum snp_product *product_out,
			     struct failures *f)
{
	const unsigned char *p = c->der;
	X509 *cert = d2i_X509(NULL, &p, (long)c->len);
	int rc = -1;

	memset(entry, 0, sizeof(*entry));
	if (!cert || p != c->der + c->len) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate from %s is not a single DER X.509 certificate",
			     c->source);
		goto out;
	}
	if (snp_vek_parse(cert, &entry->info, f))
		goto out;
	if (product != SNP_PRODUCT_UNKNOWN && entry->info.product != product) {
		/* Said before the chain check, which would only say "unknown issuer". */
		failures_add(f, "tee_attestation.product_mismatch",
			     "report is from a %s (CPUID) but the endorsement certificate productName is \"%s\"",
			     snp_product_name(product), entry->info.product_name);
		goto out;
	}
	if (product == SNP_PRODUCT_UNKNOWN) {
		/* v2 reports carry no CPUID: the certificate names the product. It is
		 * still verified against that product's own ARK below. */
		product = entry->info.product;
		if (product == SNP_PRODUCT_UNKNOWN) {
			failures_add(f, "tee_attestation.product_mismatch",
				     "endorsement certificate productName \"%s\" is not a known product (Milan, Genoa, Turin)",
				     entry->info.product_name);
			goto out;
		}
	}
	if (snp_trust_verify_vek(&v->trust, product, entry->info.is_vlek, cert, at,
				 &entry->validity, f))
		goto out;
	if (snp_vek_match_report(&entry->info, r, product, f))
		goto out;
	if (v->check_crl) {
		time_t next_update = 0;
		if (check_revocation(v, product, entry->info.is_vlek, at, &next_update, f))
			goto out;
		/* Re-prove once AMD's next CRL is due. */
		if (next_update < entry->validity.until)
			entry->validity.until = next_update;
	}
	/* Converted once here; the cache keeps the result for every later verdict. */
	entry->key = p384_key_new(X509_get0_pubkey(cert));
	if (!entry->key) {
		failures_add(f, "tee_attestation.invalid_public_key",
			     "endorsement certificate public key does not load as a P-384 key (%s)",
			     p384_implementation());
		goto out;
	}
	*product_out = product;
	rc = 0;
out:
	X509_free(cert);
	ERR_clear_error();
	return rc;
}

/* Finds a proven key: from the cache when this platform or certificate was
 * proven before, else by proving a certificate (and caching it). */
static int obtain_key(struct snp_verifier *v, const struct snp_evidence *e,
		      const struct snp_certs_buf *table, const struct snp_report *r, time_t at,
		      struct snp_result *out, struct p384_key **key, struct failures *f)
{
	struct vek_cache_entry entry;
	struct vek_candidate cand;
	uint8_t digest[32];
	enum snp_product product = r->cpuid_product;
	int rc = -1;

	if (keyed_by_platform(r)) {
		for (size_t i = 0; i < KNOWN_PRODUCT_COUNT; i++) {
			enum snp_product p = known_products[i];
			if (product != SNP_PRODUCT_UNKNOWN && p != product)
				continue;
			platform_digest(p, r, digest);
			if (!vek_cache_get(v->cache, digest, &entry))
				continue;
			if (usable_at(&entry, at)) {
				*key = entry.key;
				out->product = p;
				out->vek_source = "cache";
				return 0;
			}
			p384_key_free(entry.key);
		}
	}

	if (find_certificate(v, e, table, r, product, &cand, f))
		return -1;
	if (!keyed_by_platform(r)) {
		certificate_digest(cand.der, cand.len, digest);
		if (vek_cache_get(v->cache, digest, &entry)) {
			if (usable_at(&entry, at)) {
				/* The digest names the certificate, not this report: the
				 * binding (product, signer kind, TCB) is checked every time. */
				enum snp_product p = product != SNP_PRODUCT_UNKNOWN
							     ? product
							     : entry.info.product;
				if (snp_vek_match_report(&entry.info, r, p, f)) {
					p384_key_free(entry.key);
					goto out;
				}
				*key = entry.key;
				out->product = p;
				out->vek_source = "cache";
				rc = 0;
				goto out;
			}
			p384_key_free(entry.key);
		}
	}
	if (prove_certificate(v, &cand, r, product, at, &entry, &out->product, f))
		goto out;
	if (keyed_by_platform(r)) {
		platform_digest(out->product, r, digest);
		/* Proven: keep it across restarts (KDS rate-limits, certs-buf may not come again). */
		if (v->store && strcmp(cand.source, "database") != 0) {
			char name[256];
			platform_key(r, out->product, name, sizeof(name));
			v->store->save(v->store->ctx, "vcek", snp_product_name(out->product), name,
				       cand.der, cand.len, 0);
		}
	}
	vek_cache_put(v->cache, digest, &entry);
	*key = entry.key;
	out->vek_source = cand.source;
	rc = 0;
out:
	free(cand.owned);
	return rc;
}

static void check_freshness(const struct snp_evidence *e, const struct snp_report *r,
			    struct failures *f)
{
	uint8_t expected[64];
	const struct byte_span spans[] = {
		{e->pubkey_x, e->pubkey_x_len},
		{e->pubkey_y, e->pubkey_y_len},
		{e->nonce, e->nonce_len},
	};

	digest_spans(EVP_sha512(), spans, 3, expected);
	if (CRYPTO_memcmp(expected, r->report_data, sizeof(expected)) != 0) {
		char want[129], have[129];

		bytes_to_hex(expected, sizeof(expected), want);
		bytes_to_hex(r->report_data, sizeof(r->report_data), have);
		failures_add(f, "tee_attestation.freshness_hash_failed",
			     "REPORT_DATA freshness hash incorrect: expected SHA-512(x || y || nonce) = %s, report has %s",
			     want, have);
	}
}

static void invalid_input(struct failures *f, const char *field, const char *fmt, size_t a,
			  size_t b)
{
	char why[160];

	snprintf(why, sizeof(why), fmt, a, b);
	failures_add(f, "tee_attestation.invalid_input", "parameter \"%s\" %s", field, why);
}

int snp_evidence_check(const struct snp_evidence *e, struct snp_certs_buf *table,
		       struct failures *f)
{
	size_t x = e->pubkey_x_len, y = e->pubkey_y_len;

	if (e->report_len != SNP_REPORT_SIZE) {
		failures_add(f, "tee_attestation.invalid_input",
			     "SEV-SNP attestation report input invalid: parameter \"snp-report\" must decode to %d bytes, got %zu",
			     SNP_REPORT_SIZE, e->report_len);
		return -1;
	}
	if (e->certs_buf) {
		if (e->certs_buf_len > SNP_CERTS_BUF_MAX) {
			invalid_input(f, "certs-buf", "is %zu bytes; at most %zu are accepted",
				      e->certs_buf_len, SNP_CERTS_BUF_MAX);
			return -1;
		}
		/* Before any cache is asked: a malformed table is bad input even
		 * when the key it should carry is already known. */
		if (snp_certs_buf_parse(e->certs_buf, e->certs_buf_len, table, f))
			return -1;
	}
	if (!e->check_freshness)
		return 0;
	if (e->nonce_len > SNP_NONCE_MAX) {
		invalid_input(f, "nonce", "decodes to %zu bytes; at most %zu are accepted",
			      e->nonce_len, SNP_NONCE_MAX);
		return -1;
	}
	/* P-256, P-384 and P-521 coordinates; the hash covers exactly these bytes. */
	if ((x != 32 && x != 48 && x != 66) || x != y) {
		invalid_input(f, "tee-pubkey-x-b64/tee-pubkey-y-b64",
			      "decode to %zu and %zu bytes; expected equal sizes of 32 (P-256), 48 (P-384) or 66 (P-521)",
			      x, y);
		return -1;
	}
	return 0;
}

enum verdict_status snp_verify(struct snp_verifier *v, const struct snp_evidence *e,
			       time_t at, struct snp_result *out, struct failures *f)
{
	struct p384_key *key = NULL;
	size_t before = f->count;
	struct snp_certs_buf table;

	memset(out, 0, sizeof(*out));
	if (snp_evidence_check(e, &table, f))
		return VERDICT_BAD_INPUT;
	if (snp_report_parse(e->report, e->report_len, &out->report, f))
		return failures_contains(f, "tee_attestation.invalid_input") ? VERDICT_BAD_INPUT
									     : VERDICT_FAIL;
	if (out->report.signing_key == SNP_SIGNING_KEY_NONE) {
		failures_add(f, "tee_attestation.invalid_signature",
			     "report is unsigned (SIGNING_KEY is 7, no key)");
		return VERDICT_FAIL;
	}
	if (out->report.version >= 3 && out->report.cpuid_product == SNP_PRODUCT_UNKNOWN) {
		failures_add(f, "tee_attestation.product_mismatch",
			     "CPUID family 0x%02X model 0x%02X is not a known SEV-SNP product",
			     out->report.cpuid_family, out->report.cpuid_model);
		return VERDICT_FAIL;
	}
	if (obtain_key(v, e, e->certs_buf ? &table : NULL, &out->report, at, out, &key, f))
		return failures_contains(f, "tee_attestation.invalid_input") ? VERDICT_BAD_INPUT
									     : VERDICT_FAIL;
	if (verify_report_signature(key, e->report, &out->report)) {
		p384_key_free(key);
		failures_add(f, "tee_attestation.invalid_signature",
			     "VEK public key does not sign SEV-SNP attestation report (%s %s from %s)",
			     snp_product_name(out->product),
			     out->report.signing_key == SNP_SIGNING_KEY_VLEK ? "VLEK" : "VCEK",
			     out->vek_source);
		return VERDICT_FAIL;
	}
	p384_key_free(key);
	out->authenticated = true;
	if (e->check_freshness)
		check_freshness(e, &out->report, f);
	return f->count > before ? VERDICT_FAIL : VERDICT_PASS;
}

static struct json_object *int_array(const uint8_t *p, size_t n)
{
	struct json_object *a = json_object_new_array_ext((int)n);

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int(p[i]));
	return a;
}

static struct json_object *hex_string(const uint8_t *p, size_t n)
{
	char text[2 * 64 + 1];

	bytes_to_hex(p, n, text);
	return json_object_new_string(text);
}

static struct json_object *tcb_object(uint64_t raw, enum snp_product product)
{
	struct snp_tcb t = snp_tcb_decode(raw, product);
	struct json_object *o = json_object_new_object();

	if (product == SNP_PRODUCT_TURIN)
		json_object_object_add(o, "fmc", json_object_new_int(t.fmc));
	json_object_object_add(o, "bootloader", json_object_new_int(t.bootloader));
	json_object_object_add(o, "tee", json_object_new_int(t.tee));
	json_object_object_add(o, "snp", json_object_new_int(t.snp));
	json_object_object_add(o, "microcode", json_object_new_int(t.microcode));
	return o;
}

static struct json_object *firmware_string(struct snp_firmware fw)
{
	char text[16];

	snprintf(text, sizeof(text), "%u.%u.%u", fw.major, fw.minor, fw.build);
	return json_object_new_string(text);
}

static void add(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add(o, key, value);
}

struct json_object *snp_claims(const struct snp_result *res)
{
	const struct snp_report *r = &res->report;
	struct snp_tcb reported = snp_tcb_decode(r->reported_tcb, res->product);
	struct json_object *c = json_object_new_object();

	/* Keylime's claims, names and encodings unchanged (Trustee copies them). */
	add(c, "measurement", int_array(r->measurement, sizeof(r->measurement)));
	add(c, "report_data", int_array(r->report_data, sizeof(r->report_data)));
	add(c, "host_data", int_array(r->host_data, sizeof(r->host_data)));
	add(c, "platform_smt_enabled",
	    json_object_new_boolean((r->platform_info & SNP_PLATFORM_SMT_EN) != 0));
	add(c, "platform_tsme_enabled",
	    json_object_new_boolean((r->platform_info & SNP_PLATFORM_TSME_EN) != 0));
	add(c, "reported_tcb_bootloader", json_object_new_int(reported.bootloader));
	add(c, "reported_tcb_tee", json_object_new_int(reported.tee));
	add(c, "reported_tcb_snp", json_object_new_int(reported.snp));
	add(c, "reported_tcb_microcode", json_object_new_int(reported.microcode));
	add(c, "policy_abi_major", json_object_new_int((int)((r->policy >> 8) & 0xFF)));
	add(c, "policy_abi_minor", json_object_new_int((int)(r->policy & 0xFF)));
	add(c, "policy_smt_allowed", json_object_new_boolean((r->policy & SNP_POLICY_SMT) != 0));
	add(c, "policy_migrate_ma", json_object_new_boolean((r->policy & SNP_POLICY_MIGRATE_MA) != 0));
	add(c, "policy_debug_allowed", json_object_new_boolean((r->policy & SNP_POLICY_DEBUG) != 0));
	add(c, "policy_single_socket",
	    json_object_new_boolean((r->policy & SNP_POLICY_SINGLE_SOCKET) != 0));

	/* teev's extra claims, beside them. */
	add(c, "product", json_object_new_string(snp_product_name(res->product)));
	add(c, "report_version", json_object_new_int((int)r->version));
	add(c, "signing_key", json_object_new_string(
				      r->signing_key == SNP_SIGNING_KEY_VLEK ? "vlek" : "vcek"));
	add(c, "vmpl", json_object_new_int((int)r->vmpl));
	add(c, "guest_svn", json_object_new_int64(r->guest_svn));
	add(c, "guest_policy", json_object_new_int64((int64_t)r->policy));
	add(c, "platform_info", json_object_new_int64((int64_t)r->platform_info));
	if (res->product == SNP_PRODUCT_TURIN)
		add(c, "reported_tcb_fmc", json_object_new_int(reported.fmc));
	add(c, "reported_tcb", tcb_object(r->reported_tcb, res->product));
	add(c, "current_tcb", tcb_object(r->current_tcb, res->product));
	add(c, "committed_tcb", tcb_object(r->committed_tcb, res->product));
	add(c, "launch_tcb", tcb_object(r->launch_tcb, res->product));
	add(c, "firmware_current", firmware_string(r->current_fw));
	add(c, "firmware_committed", firmware_string(r->committed_fw));
	add(c, "measurement_hex", hex_string(r->measurement, sizeof(r->measurement)));
	add(c, "report_data_hex", hex_string(r->report_data, sizeof(r->report_data)));
	add(c, "host_data_hex", hex_string(r->host_data, sizeof(r->host_data)));
	add(c, "chip_id", hex_string(r->chip_id, sizeof(r->chip_id)));
	add(c, "family_id", hex_string(r->family_id, sizeof(r->family_id)));
	add(c, "image_id", hex_string(r->image_id, sizeof(r->image_id)));
	add(c, "id_key_digest", hex_string(r->id_key_digest, sizeof(r->id_key_digest)));
	add(c, "author_key_digest",
	    hex_string(r->author_key_digest, sizeof(r->author_key_digest)));
	add(c, "report_id", hex_string(r->report_id, sizeof(r->report_id)));
	if (r->version >= 5) {
		add(c, "launch_mit_vector", json_object_new_int64((int64_t)r->launch_mit_vector));
		add(c, "current_mit_vector", json_object_new_int64((int64_t)r->current_mit_vector));
	}
	return c;
}

int snp_verifier_prove_vcek(struct snp_verifier *v, const uint8_t *der, size_t len, time_t at,
			    enum snp_product *product, char *key, size_t key_cap,
			    struct failures *f)
{
	const unsigned char *p = der;
	X509 *cert = d2i_X509(NULL, &p, (long)len);
	struct snp_vek_info info;
	struct snp_validity validity;
	int rc = -1;

	if (!cert || p != der + len) {
		failures_add(f, "tee_attestation.invalid_public_key", "not a single DER X.509 certificate");
		goto out;
	}
	if (snp_vek_parse(cert, &info, f))
		goto out;
	if (info.is_vlek || info.hwid_len == 0) {
		failures_add(f, "tee_attestation.signing_key_mismatch",
			     "only VCEKs (with a hwID) are kept by platform; VLEKs come in certs-buf");
		goto out;
	}
	if (info.product == SNP_PRODUCT_UNKNOWN) {
		failures_add(f, "tee_attestation.product_mismatch",
			     "productName \"%s\" is not a known product", info.product_name);
		goto out;
	}
	for (size_t i = 0; i < 5; i++) {
		if (!info.has_spl[i] && (i != 0 || info.product == SNP_PRODUCT_TURIN)) {
			failures_add(f, "tee_attestation.invalid_public_key",
				     "VCEK lacks an SPL extension, so its TCB is unknown");
			goto out;
		}
	}
	if (snp_trust_verify_vek(&v->trust, info.product, false, cert, at, &validity, f))
		goto out;
	if (v->check_crl) {
		time_t next_update;
		if (check_revocation(v, info.product, false, at, &next_update, f))
			goto out;
	}
	*product = info.product;
	snp_platform_key(info.product, info.hwid, info.hwid_len, info.spl, key, key_cap);
	rc = 0;
out:
	X509_free(cert);
	ERR_clear_error();
	return rc;
}
