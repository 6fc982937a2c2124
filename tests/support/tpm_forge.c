/* tpm_forge.c - test-only TPM quotes from OpenSSL alone (see tpm_forge.h).
 *
 * Layouts from the specs, not from teev: TPMS_ATTEST and TPMT_SIGNATURE are
 * TPM 2.0 Part 2 structures (big-endian); pcrDigest is the signature's hash
 * over every selected value, bank by bank in selection order, PCRs
 * ascending (Part 3, TPM2_Quote); the PCR blob is tpm2-tools' in-memory
 * dump (little-endian): u32 count, 16 slots of {u16 hash, u8 sizeofSelect,
 * 3 select bytes, spare, pad}, u32 N, N x TPML_DIGEST {u32 count, 8 x (u16
 * size, 64 bytes)}. */
#include "tests/support/tpm_forge.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#define TPM_GENERATED_VALUE 0xFF544347u
#define TPM_ST_ATTEST_QUOTE 0x8018
#define TPM_ALG_RSASSA 0x0014
#define TPM_ALG_ECDSA 0x0018
#define BLOB_SLOTS 16
#define DIGESTS_PER_LIST 8
#define MAX_VALUES (32 * DIGESTS_PER_LIST)

size_t tpm_forge_digest_size(uint16_t alg)
{
	switch (alg) {
	case TPM_FORGE_SHA1:
		return 20;
	case TPM_FORGE_SHA256:
		return 32;
	case TPM_FORGE_SHA384:
		return 48;
	case TPM_FORGE_SHA512:
		return 64;
	default:
		return 0;
	}
}

static const EVP_MD *md_of(uint16_t alg)
{
	switch (alg) {
	case TPM_FORGE_SHA1:
		return EVP_sha1();
	case TPM_FORGE_SHA256:
		return EVP_sha256();
	case TPM_FORGE_SHA384:
		return EVP_sha384();
	case TPM_FORGE_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static void be16(uint8_t *b, size_t *o, unsigned v)
{
	b[(*o)++] = (uint8_t)(v >> 8);
	b[(*o)++] = (uint8_t)v;
}

static void be32(uint8_t *b, size_t *o, uint32_t v)
{
	be16(b, o, v >> 16);
	be16(b, o, v & 0xffff);
}

static void le16(uint8_t *b, size_t *o, unsigned v)
{
	b[(*o)++] = (uint8_t)v;
	b[(*o)++] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *b, size_t *o, uint32_t v)
{
	le16(b, o, v & 0xffff);
	le16(b, o, v >> 16);
}

int tpm_forge_extend(uint16_t alg, uint8_t *pcr, const uint8_t *data, size_t data_len,
		     const uint8_t *digest)
{
	const EVP_MD *md = md_of(alg);
	size_t size = tpm_forge_digest_size(alg);
	uint8_t h[64], both[128];

	if (!md)
		return -1;
	if (!digest) {
		if (EVP_Digest(data, data_len, h, NULL, md, NULL) != 1)
			return -1;
		digest = h;
	}
	memcpy(both, pcr, size);
	memcpy(both + size, digest, size);
	return EVP_Digest(both, 2 * size, pcr, NULL, md, NULL) == 1 ? 0 : -1;
}

static int forge_attest(const struct tpm_forge *f, struct tpm_forged *q)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t digest[64];
	unsigned int digest_len = 0;
	size_t o = 0, nonce_len = strlen(f->nonce);
	int rc = -1;

	if (!ctx || EVP_DigestInit_ex(ctx, md_of(f->hash), NULL) != 1)
		goto out;
	for (size_t b = 0; b < f->n_banks; b++)
		for (int i = 0; i < TPM_FORGE_PCRS; i++)
			if ((f->banks[b].mask & (1u << i)) && f->skip_digest_bank != b + 1 &&
			    EVP_DigestUpdate(ctx, f->banks[b].pcr[i],
					     tpm_forge_digest_size(f->banks[b].alg)) != 1)
				goto out;
	if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || nonce_len > 64)
		goto out;
	be32(q->attest, &o, TPM_GENERATED_VALUE);
	be16(q->attest, &o, TPM_ST_ATTEST_QUOTE);
	be16(q->attest, &o, 0); /* qualifiedSigner */
	be16(q->attest, &o, (unsigned)nonce_len);
	memcpy(q->attest + o, f->nonce, nonce_len);
	o += nonce_len;
	be32(q->attest, &o, 0); /* clock, 64 bits */
	be32(q->attest, &o, 4242);
	be32(q->attest, &o, 1); /* resetCount */
	be32(q->attest, &o, 0); /* restartCount */
	q->attest[o++] = 1;     /* safe */
	be32(q->attest, &o, 0); /* firmwareVersion */
	be32(q->attest, &o, 0);
	be32(q->attest, &o, (uint32_t)f->n_banks);
	for (size_t b = 0; b < f->n_banks; b++) {
		be16(q->attest, &o, f->banks[b].alg);
		q->attest[o++] = 3;
		for (int k = 0; k < 3; k++)
			q->attest[o++] = (uint8_t)(f->banks[b].mask >> (8 * k));
	}
	be16(q->attest, &o, digest_len);
	memcpy(q->attest + o, digest, digest_len);
	q->attest_len = o + digest_len;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int forge_blob(const struct tpm_forge *f, struct tpm_forged *q)
{
	const uint8_t *values[MAX_VALUES];
	uint16_t sizes[MAX_VALUES];
	size_t n = 0, o = 0, lists;

	for (size_t b = 0; b < f->n_banks; b++)
		for (int i = 0; i < TPM_FORGE_PCRS; i++) {
			if (!(f->banks[b].mask & (1u << i)))
				continue;
			if (n == MAX_VALUES)
				return -1;
			values[n] = f->banks[b].pcr[i];
			sizes[n++] = (uint16_t)tpm_forge_digest_size(f->banks[b].alg);
		}
	le32(q->blob, &o, (uint32_t)f->n_banks);
	for (size_t slot = 0; slot < BLOB_SLOTS; slot++) {
		if (slot < f->n_banks) {
			uint32_t mask = slot == 1 && f->blob_mask_set ? f->blob_mask1 : f->banks[slot].mask;
			le16(q->blob, &o, f->blob_banks[slot] ? f->blob_banks[slot] : f->banks[slot].alg);
			q->blob[o++] = 3;
			for (int k = 0; k < 3; k++)
				q->blob[o++] = (uint8_t)(mask >> (8 * k));
		} else {
			memset(q->blob + o, 0, 6);
			o += 6;
		}
		q->blob[o++] = 0; /* spare select byte */
		q->blob[o++] = 0; /* padding */
	}
	lists = (n + DIGESTS_PER_LIST - 1) / DIGESTS_PER_LIST;
	le32(q->blob, &o, (uint32_t)lists);
	for (size_t l = 0; l < lists; l++) {
		size_t first = DIGESTS_PER_LIST * l;
		size_t in_list = n - first > DIGESTS_PER_LIST ? DIGESTS_PER_LIST : n - first;

		le32(q->blob, &o, (uint32_t)in_list);
		for (size_t i = 0; i < DIGESTS_PER_LIST; i++) {
			le16(q->blob, &o, i < in_list ? sizes[first + i] : 0);
			memset(q->blob + o, 0, 64);
			if (i < in_list)
				memcpy(q->blob + o, values[first + i], sizes[first + i]);
			o += 64;
		}
	}
	q->blob_len = o;
	return 0;
}

/* TPMT_SIGNATURE over H(attest). */
static int forge_sign(const struct tpm_forge *f, struct tpm_forged *q)
{
	const EVP_MD *md = md_of(f->hash);
	uint8_t digest[64], sig[1024];
	unsigned int digest_len = 0;
	size_t sig_len = sizeof(sig), o = 0;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, f->key, NULL);
	bool ec = EVP_PKEY_is_a(f->key, "EC");
	int rc = -1;

	if (!ctx || EVP_Digest(q->attest, q->attest_len, digest, &digest_len, md, NULL) != 1 ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    (!ec && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
	    EVP_PKEY_sign(ctx, sig, &sig_len, digest, digest_len) != 1)
		goto out;
	be16(q->sig, &o, ec ? TPM_ALG_ECDSA : TPM_ALG_RSASSA);
	be16(q->sig, &o, f->hash);
	if (!ec) {
		be16(q->sig, &o, (unsigned)sig_len);
		memcpy(q->sig + o, sig, sig_len);
		o += sig_len;
	} else {
		const uint8_t *p = sig;
		ECDSA_SIG *ecdsa = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
		int field = (EVP_PKEY_get_bits(f->key) + 7) / 8;

		if (!ecdsa)
			goto out;
		be16(q->sig, &o, (unsigned)field);
		BN_bn2binpad(ECDSA_SIG_get0_r(ecdsa), q->sig + o, field);
		o += (size_t)field;
		be16(q->sig, &o, (unsigned)field);
		BN_bn2binpad(ECDSA_SIG_get0_s(ecdsa), q->sig + o, field);
		o += (size_t)field;
		ECDSA_SIG_free(ecdsa);
	}
	q->sig_len = o;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int tpm_forge_quote(const struct tpm_forge *f, struct tpm_forged *out)
{
	memset(out, 0, sizeof(*out));
	if (!f->key || !md_of(f->hash) || !f->nonce || f->n_banks > TPM_FORGE_BANKS)
		return -1;
	for (size_t b = 0; b < f->n_banks; b++)
		if (!tpm_forge_digest_size(f->banks[b].alg))
			return -1;
	if (forge_attest(f, out) || forge_blob(f, out) || forge_sign(f, out))
		return -1;
	return 0;
}

static char *b64(const uint8_t *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

char *tpm_forge_quote_string(const struct tpm_forged *q)
{
	char *a = b64(q->attest, q->attest_len), *s = b64(q->sig, q->sig_len);
	char *p = b64(q->blob, q->blob_len), *out = NULL;

	if (a && s && p) {
		size_t n = strlen(a) + strlen(s) + strlen(p) + 4;
		out = malloc(n);
		if (out) {
			out[0] = 'r';
			strcpy(out + 1, a);
			strcat(out, ":");
			strcat(out, s);
			strcat(out, ":");
			strcat(out, p);
		}
	}
	free(a);
	free(s);
	free(p);
	return out;
}
