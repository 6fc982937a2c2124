/* tpm_quote.c - Keylime's quote check (KEYLIME-TPM.md §4), step by step in
 * upstream's order so the same input yields the same failure id. Two
 * deliberate differences (§0.1, §0.2): a signature that does not verify is
 * always a failure, and the unsigned PCR blob must select exactly the banks
 * and PCRs the signed TPMS_QUOTE_INFO selects. A quote over several banks
 * is verified over all of them and judged on the bank of hash_alg. */
#include "verifier/tpm_quote.h"

#include "verifier/b64.h"
#include "verifier/failures.h"
#include "verifier/tpm_objects.h"

#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_INVALID_HASH_ALG "qoute_validation.invalid_hash_alg"
#define ID_INVALID_QUOTE "qoute_validation.invalid_quote"
#define ID_QUOTE_VALIDATION "qoute_validation.quote_validation"

/* Decode buffers. Multiples of 3 so that "too long to fit" can be told from
 * "not base64" by the encoded length alone; each holds well over the largest
 * valid structure (a TPM2B_PUBLIC is at most ~610 bytes, a TPMS_ATTEST ~350,
 * a TPMT_SIGNATURE 518). */
#define AK_CAP 1026
#define ATTEST_CAP 1026
#define SIG_CAP 1026
#define BLOB_CAP (((TPM_PCR_BLOB_MAX_SIZE) + 2) / 3 * 3)

/* Everything the check decodes, on the heap: the PCR blob alone is ~17 KB
 * and this runs on server worker threads. */
struct quote_work {
	uint8_t ak_raw[AK_CAP];
	uint8_t attest_raw[ATTEST_CAP];
	uint8_t sig_raw[SIG_CAP];
	uint8_t blob_raw[BLOB_CAP];
	size_t ak_len, attest_len, sig_len, blob_len;
	struct tpm_public ak;
	struct tpm_signature sig;
	struct tpm_attest attest;
	struct tpm_pcr_blob blob;
	char err[256];
};

const char *tpm_hash_alg_name(uint16_t alg)
{
	switch (alg) {
	case TPM_ALG_SHA1:
		return "sha1";
	case TPM_ALG_SHA256:
		return "sha256";
	case TPM_ALG_SHA384:
		return "sha384";
	case TPM_ALG_SHA512:
		return "sha512";
	case TPM_ALG_SM3_256:
		return "sm3_256";
	default:
		return "unknown";
	}
}

/* Keylime's Hash_Algorithms: exact, lower-case names. */
static uint16_t hash_alg_from_name(const char *name)
{
	static const uint16_t algs[] = {TPM_ALG_SHA1, TPM_ALG_SHA256, TPM_ALG_SHA384,
					TPM_ALG_SHA512, TPM_ALG_SM3_256};

	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(name, tpm_hash_alg_name(algs[i])) == 0)
			return algs[i];
	return 0;
}

/* ---- failure helpers: each appends exactly one failure and returns -1 ---- */

static int invalid_quote(struct failures *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int data_invalid(struct failures *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int invalid_quote(struct failures *f, const char *fmt, ...)
{
	char reason[FAILURE_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	failures_add(f, ID_INVALID_QUOTE, "Quote validation failed: %s", reason);
	return -1;
}

/* Upstream reports steps 4-6 as a fixed message plus the exception text in
 * "error"; the text here is never empty (§0.1). */
static int data_invalid(struct failures *f, const char *fmt, ...)
{
	char reason[FAILURE_MESSAGE_MAX];
	struct json_object *extra;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	extra = json_object_new_object();
	if (extra)
		json_object_object_add(extra, "error", json_object_new_string(reason));
	failures_add_extra(f, extra, ID_QUOTE_VALIDATION, "Quote data validation");
	return -1;
}

/* Attacker text quoted in a message: printable ASCII only, bounded, so the
 * JSON answer stays valid UTF-8 and short. */
static void printable_excerpt(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < 64 && o + 1 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[o++] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?');
	}
	if (n > 64 && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Strict standard base64 into buf; 1 = too long, -1 = not base64. */
static int decode_b64(const char *s, size_t n, uint8_t *buf, size_t cap, size_t *out_len)
{
	if (n > b64_encoded_len(B64_STD, cap))
		return 1;
	return b64_decode(B64_STD, s, n, buf, cap, out_len) == 0 ? 0 : -1;
}

/* ---- step 2: the AK ---- */

static EVP_PKEY *load_ak(const struct tpm_quote_input *in, struct quote_work *w,
			 struct failures *f)
{
	EVP_PKEY *key;
	int rc;

	rc = decode_b64(in->ak_b64, in->ak_len, w->ak_raw, sizeof(w->ak_raw), &w->ak_len);
	if (rc > 0) {
		invalid_quote(f, "tpm_ak is longer than any TPM2B_PUBLIC");
		return NULL;
	}
	if (rc < 0) {
		invalid_quote(f, "tpm_ak is not base64 of a TPM2B_PUBLIC");
		return NULL;
	}
	if (tpm_public_parse(w->ak_raw, w->ak_len, &w->ak, w->err, sizeof(w->err)) < 0) {
		invalid_quote(f, "tpm_ak: %s", w->err);
		return NULL;
	}
	key = tpm_public_to_evp(&w->ak, w->err, sizeof(w->err));
	if (!key)
		invalid_quote(f, "tpm_ak: %s", w->err);
	return key;
}

/* ---- step 3: "r<attest>:<signature>:<pcr blob>[:...]" ---- */

static int split_quote(const struct tpm_quote_input *in, struct quote_work *w,
		       struct failures *f)
{
	static const char *const part_names[3] = {"TPMS_ATTEST", "TPMT_SIGNATURE", "PCR blob"};
	uint8_t *bufs[3] = {w->attest_raw, w->sig_raw, w->blob_raw};
	size_t caps[3] = {sizeof(w->attest_raw), sizeof(w->sig_raw), sizeof(w->blob_raw)};
	size_t *lens[3] = {&w->attest_len, &w->sig_len, &w->blob_len};
	const char *body = in->quote + 1;
	size_t body_len = in->quote_len - 1;
	size_t start = 0;
	char excerpt[80];

	if (in->quote[0] != 'r') {
		unsigned char ch = (unsigned char)in->quote[0];
		if (ch >= 0x20 && ch < 0x7f)
			return invalid_quote(f, "Invalid quote type %c", ch);
		return invalid_quote(f, "Invalid quote type \\x%02x", ch);
	}
	for (int part = 0; part < 3; part++) {
		const char *colon = memchr(body + start, ':', body_len - start);
		size_t end = colon ? (size_t)(colon - body) : body_len;
		int rc;

		/* The third token may be the last one; the first two need a ':' after them. */
		if (!colon && part < 2) {
			printable_excerpt(body, body_len, excerpt, sizeof(excerpt));
			return invalid_quote(f, "Quote is not compound! %s", excerpt);
		}
		rc = decode_b64(body + start, end - start, bufs[part], caps[part], lens[part]);
		if (rc > 0)
			return invalid_quote(f, "the %s part of the quote is too long", part_names[part]);
		if (rc < 0)
			return invalid_quote(f, "the %s part of the quote is not valid base64",
					     part_names[part]);
		start = end + 1;
	}
	return 0;
}

/* ---- step 4: the signature ---- */

static int ecdsa_der(const struct tpm_signature *sig, uint8_t **der, size_t *der_len)
{
	ECDSA_SIG *ecdsa = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig->u.ecdsa.r, sig->u.ecdsa.r_len, NULL);
	BIGNUM *s = BN_bin2bn(sig->u.ecdsa.s, sig->u.ecdsa.s_len, NULL);
	int len, ret = -1;

	*der = NULL;
	if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by ecdsa now */
	len = i2d_ECDSA_SIG(ecdsa, der);
	if (len <= 0)
		goto out;
	*der_len = (size_t)len;
	ret = 0;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(ecdsa);
	return ret;
}

/* True when the signature verifies over digest = H(TPMS_ATTEST bytes). */
static bool signature_verifies(EVP_PKEY *key, const struct tpm_signature *sig,
			       const EVP_MD *md, const uint8_t *digest, size_t digest_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	uint8_t *der = NULL;
	const uint8_t *sig_bytes;
	size_t sig_len;
	bool ok = false;

	if (!ctx || EVP_PKEY_verify_init(ctx) != 1)
		goto out;
	if (sig->sig_alg == TPM_ALG_RSASSA) {
		if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)
			goto out;
		sig_bytes = sig->u.rsa.sig;
		sig_len = sig->u.rsa.sig_len;
	} else {
		if (ecdsa_der(sig, &der, &sig_len) < 0)
			goto out;
		sig_bytes = der;
	}
	if (EVP_PKEY_CTX_set_signature_md(ctx, md) != 1)
		goto out;
	ok = EVP_PKEY_verify(ctx, sig_bytes, sig_len, digest, digest_len) == 1;
out:
	/* A failed verification leaves reasons queued; they are reported here. */
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static int check_signature(const struct tpm_quote_input *in, uint16_t expected,
			   EVP_PKEY *key, struct quote_work *w, struct failures *f)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	uint16_t sig_alg;
	const EVP_MD *md;

	/* The key type decides the accepted scheme before anything else, as
	 * upstream does; so RSA-PSS gets upstream's message. */
	if (w->sig_len < 2)
		return data_invalid(f, "the signature blob is %zu bytes, too short for a TPMT_SIGNATURE",
				    w->sig_len);
	sig_alg = (uint16_t)(w->sig_raw[0] << 8 | w->sig_raw[1]);
	if (w->ak.type == TPM_ALG_RSA && sig_alg != TPM_ALG_RSASSA)
		return data_invalid(f, "Unsupported quote signature algorithm '0x%x' for RSA keys",
				    sig_alg);
	if (w->ak.type == TPM_ALG_ECC && sig_alg != TPM_ALG_ECDSA)
		return data_invalid(f, "Unsupported quote signature algorithm '0x%x' for EC keys",
				    sig_alg);
	if (tpm_signature_parse(w->sig_raw, w->sig_len, &w->sig, w->err, sizeof(w->err)) < 0)
		return data_invalid(f, "invalid signature blob: %s", w->err);
	md = tpm_hash_md(w->sig.hash_alg);
	if (!md)
		return data_invalid(f, "Unsupported hash with id 0x%x in signature blob",
				    w->sig.hash_alg);
	if (w->sig.hash_alg != expected)
		return data_invalid(f, "Quote was expected to use %s but used %s instead",
				    in->hash_alg, tpm_hash_alg_name(w->sig.hash_alg));
	if (EVP_Digest(w->attest_raw, w->attest_len, digest, &digest_len, md, NULL) != 1)
		return data_invalid(f, "hashing the quote failed");
	if (!signature_verifies(key, &w->sig, md, digest, digest_len))
		return data_invalid(f, "Invalid quote signature: the signature does not verify with the AK");
	return 0;
}

/* ---- step 5: TPMS_ATTEST and the nonce ---- */

/* The nonce matches as its raw bytes or, failing that, as standard base64
 * (the agent quotes either form); hex is deliberately not tried. */
static bool nonce_matches(const struct tpm_quote_input *in, const struct tpm_attest *a)
{
	uint8_t decoded[TPM_MAX_DIGEST + 2];
	size_t n = 0;

	if (in->nonce_len == a->extra_data_len &&
	    (in->nonce_len == 0 || memcmp(in->nonce, a->extra_data, in->nonce_len) == 0))
		return true;
	if (in->nonce_len == 0 || in->nonce_len > b64_encoded_len(B64_STD, sizeof(decoded)))
		return false;
	if (b64_decode(B64_STD, in->nonce, in->nonce_len, decoded, sizeof(decoded), &n) < 0)
		return false;
	return n == a->extra_data_len && memcmp(decoded, a->extra_data, n) == 0;
}

/* ---- step 6: PCR blob against the signed selection and digest ---- */

/* The signed selection of bank i as a mask; -1 when it names PCRs above 23. */
static long long signed_mask(const struct tpm_pcr_selection *sel)
{
	uint32_t mask = 0;

	for (uint8_t b = 0; b < sel->size_of_select; b++)
		mask |= (uint32_t)sel->select[b] << (8 * b);
	return mask >> TPM_PCR_COUNT ? -1 : (long long)mask;
}

/* The blob must select, bank by bank, exactly what the quote signed, and
 * hold each bank's values at that bank's size: its indices and banks are
 * unsigned, so they are only trusted when they are the signed ones
 * (upstream skips this and lets values be relabelled). Returns the index
 * of the signature's bank in the selection, or -1 after a failure. */
static int check_selection(struct quote_work *w, uint16_t bank, uint32_t masks[],
			   struct failures *f)
{
	int judged = -1;

	if (w->attest.selection_count == 0)
		return data_invalid(f, "the quote selects no PCR bank");
	if (w->blob.count != w->attest.selection_count)
		return data_invalid(f, "the PCR blob selects %u PCR banks, the quote %u",
				    w->blob.count, w->attest.selection_count);
	for (uint32_t i = 0; i < w->attest.selection_count; i++) {
		const struct tpm_pcr_selection *sel = &w->attest.selections[i];
		long long mask = signed_mask(sel);

		if (!tpm_hash_size(sel->hash_alg))
			return data_invalid(f, "the quote selects PCRs of bank 0x%04x, which teev "
					       "cannot read", sel->hash_alg);
		for (uint32_t j = 0; j < i; j++)
			if (w->attest.selections[j].hash_alg == sel->hash_alg)
				return data_invalid(f, "the quote selects bank %s twice",
						    tpm_hash_alg_name(sel->hash_alg));
		if (mask < 0)
			return data_invalid(f, "the quote selects PCRs above %d", TPM_PCR_COUNT - 1);
		if (w->blob.slots[i].hash_alg != sel->hash_alg)
			return data_invalid(f, "the PCR blob holds bank %s where the quote selects %s",
					    tpm_hash_alg_name(w->blob.slots[i].hash_alg),
					    tpm_hash_alg_name(sel->hash_alg));
		if (w->blob.slots[i].mask != (uint32_t)mask)
			return data_invalid(f, "the PCR selection of bank %s in the PCR blob (0x%06x) "
					       "differs from the signed selection (0x%06x)",
					    tpm_hash_alg_name(sel->hash_alg), w->blob.slots[i].mask,
					    (uint32_t)mask);
		masks[i] = (uint32_t)mask;
		if (sel->hash_alg == bank)
			judged = (int)i;
	}
	if (judged < 0)
		return data_invalid(f, "the quote selects PCRs of bank %s but is signed with %s",
				    tpm_hash_alg_name(w->attest.selections[0].hash_alg),
				    tpm_hash_alg_name(bank));
	return judged;
}

/* pcrDigest is the signature's hash over every selected value, bank by bank
 * in selection order, PCRs ascending (TPM 2.0 Part 3, TPM2_Quote); the bank
 * named by hash_alg (the signature's) is the one judged, as upstream does. */
static int check_pcrs(struct quote_work *w, struct tpm_pcr_values *out, struct failures *f)
{
	uint16_t bank = w->sig.hash_alg;
	uint32_t masks[TPM_MAX_PCR_BANKS] = {0};
	uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	EVP_MD_CTX *md_ctx = NULL;
	size_t used = 0;
	int judged, ret = -1;

	if (tpm_pcr_blob_parse(w->blob_raw, w->blob_len, &w->blob, w->err, sizeof(w->err)) < 0)
		return data_invalid(f, "invalid PCR blob: %s", w->err);
	judged = check_selection(w, bank, masks, f);
	if (judged < 0)
		return -1;

	md_ctx = EVP_MD_CTX_new();
	if (!md_ctx || EVP_DigestInit_ex(md_ctx, tpm_hash_md(bank), NULL) != 1) {
		data_invalid(f, "hashing the PCR values failed");
		goto out;
	}
	for (uint32_t i = 0; i < w->attest.selection_count; i++) {
		uint16_t alg = w->attest.selections[i].hash_alg;
		size_t size = tpm_hash_size(alg);

		for (int pcr = 0; pcr < TPM_PCR_COUNT; pcr++) {
			if (!(masks[i] & (1u << pcr)))
				continue;
			if (used >= w->blob.value_count) {
				data_invalid(f, "the PCR blob holds %zu values, fewer than the PCRs "
						"selected", w->blob.value_count);
				goto out;
			}
			if (w->blob.values[used].size != size) {
				data_invalid(f, "the value of PCR %d is %u bytes, not the %zu of %s",
					     pcr, w->blob.values[used].size, size,
					     tpm_hash_alg_name(alg));
				goto out;
			}
			if (EVP_DigestUpdate(md_ctx, w->blob.values[used].buf, size) != 1) {
				data_invalid(f, "hashing the PCR values failed");
				goto out;
			}
			if ((int)i == judged)
				memcpy(out->value[pcr], w->blob.values[used].buf, size);
			used++;
		}
	}
	if (used != w->blob.value_count) {
		data_invalid(f, "the PCR blob holds %zu values for %zu selected PCRs",
			     w->blob.value_count, used);
		goto out;
	}
	if (EVP_DigestFinal_ex(md_ctx, digest, &digest_len) != 1) {
		data_invalid(f, "hashing the PCR values failed");
		goto out;
	}
	if (w->attest.pcr_digest_len != digest_len ||
	    memcmp(w->attest.pcr_digest, digest, digest_len) != 0) {
		data_invalid(f, "The digest used for quoting is different than the one that was calculated");
		goto out;
	}
	out->bank = bank;
	out->digest_size = tpm_hash_size(bank);
	out->quoted = masks[judged];
	ret = 0;
out:
	EVP_MD_CTX_free(md_ctx);
	return ret;
}

int tpm_quote_verify(const struct tpm_quote_input *in, struct tpm_pcr_values *out,
		     struct failures *f)
{
	struct quote_work *w = NULL;
	EVP_PKEY *key = NULL;
	uint16_t expected;
	int ret = -1;

	memset(out, 0, sizeof(*out));

	/* 1. hash_alg */
	expected = hash_alg_from_name(in->hash_alg);
	if (expected == 0) {
		const char *name = in->hash_alg ? in->hash_alg : "";
		struct json_object *extra = json_object_new_object();

		if (extra)
			json_object_object_add(extra, "data", json_object_new_string(name));
		failures_add_extra(f, extra, ID_INVALID_HASH_ALG,
				   "TPM Quote is using an unrecognized hash algorithm: %s", name);
		return -1;
	}

	w = calloc(1, sizeof(*w));
	if (!w) {
		invalid_quote(f, "out of memory");
		goto out;
	}

	/* 2. the AK */
	key = load_ak(in, w, f);
	if (!key)
		goto out;

	/* 3. the quote string */
	if (!in->quote || in->quote_len == 0) {
		invalid_quote(f, "the quote is empty");
		goto out;
	}
	if (in->quote_len > TPM_QUOTE_MAX_LEN) {
		invalid_quote(f, "the quote is longer than %zu bytes", TPM_QUOTE_MAX_LEN);
		goto out;
	}
	if (split_quote(in, w, f) < 0)
		goto out;

	/* 4. signature */
	if (check_signature(in, expected, key, w, f) < 0)
		goto out;

	/* 5. TPMS_ATTEST, nonce */
	if (tpm_attest_parse(w->attest_raw, w->attest_len, &w->attest, w->err,
			     sizeof(w->err)) < 0) {
		data_invalid(f, "invalid TPMS_ATTEST: %s", w->err);
		goto out;
	}
	if (!nonce_matches(in, &w->attest)) {
		data_invalid(f, "The nonce from the attestation differs from the expected nonce");
		goto out;
	}

	/* 6. PCRs */
	if (check_pcrs(w, out, f) < 0)
		goto out;
	out->clock = w->attest.clock;
	out->reset_count = w->attest.reset_count;
	out->restart_count = w->attest.restart_count;
	out->safe = w->attest.safe;
	ret = 0;
out:
	if (ret < 0)
		memset(out, 0, sizeof(*out));
	EVP_PKEY_free(key);
	free(w);
	return ret;
}
