/* tpm_objects.h - parsers of the TPM 2.0 wire structures a Keylime quote
 * carries (../shared/docs/KEYLIME-TPM.md §4): TPM2B_PUBLIC (the AK),
 * TPMT_SIGNATURE, TPMS_ATTEST (quote flavour) and the tpm2-tools PCR blob.
 *
 * TPM structures are big-endian; the PCR blob is little-endian because
 * tpm2-tools writes its in-memory structs as they are. Every parser takes
 * untrusted bytes, checks bounds before each read, fills a fixed struct
 * (no allocation) and returns 0, or -1 with a one-line reason in err.
 * Only tpm_public_name() and tpm_public_to_evp() call OpenSSL.
 */
#ifndef TEEV_TPM_OBJECTS_H
#define TEEV_TPM_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_st EVP_MD;

/* TPM_ALG_ID values (TPM 2.0 Part 2 §6.3). */
#define TPM_ALG_RSA 0x0001
#define TPM_ALG_SHA1 0x0004
#define TPM_ALG_AES 0x0006
#define TPM_ALG_SHA256 0x000B
#define TPM_ALG_SHA384 0x000C
#define TPM_ALG_SHA512 0x000D
#define TPM_ALG_NULL 0x0010
#define TPM_ALG_SM3_256 0x0012
#define TPM_ALG_RSASSA 0x0014
#define TPM_ALG_RSAPSS 0x0016
#define TPM_ALG_ECDSA 0x0018
#define TPM_ALG_ECC 0x0023
#define TPM_ALG_CFB 0x0043

/* TPM_ECC_CURVE values. */
#define TPM_ECC_NIST_P192 0x0001
#define TPM_ECC_NIST_P224 0x0002
#define TPM_ECC_NIST_P256 0x0003
#define TPM_ECC_NIST_P384 0x0004
#define TPM_ECC_NIST_P521 0x0005

#define TPM_GENERATED_VALUE 0xFF544347u
#define TPM_ST_ATTEST_QUOTE 0x8018

/* TPMA_OBJECT bits the tests and callers name. */
#define TPMA_OBJECT_FIXEDTPM 0x00000002u
#define TPMA_OBJECT_FIXEDPARENT 0x00000010u
#define TPMA_OBJECT_SENSITIVEDATAORIGIN 0x00000020u
#define TPMA_OBJECT_USERWITHAUTH 0x00000040u
#define TPMA_OBJECT_ADMINWITHPOLICY 0x00000080u
#define TPMA_OBJECT_RESTRICTED 0x00010000u
#define TPMA_OBJECT_DECRYPT 0x00020000u
#define TPMA_OBJECT_SIGN_ENCRYPT 0x00040000u

#define TPM_MAX_DIGEST 64      /* SHA-512 */
#define TPM_MAX_RSA_BYTES 512  /* RSA-4096 */
#define TPM_MIN_RSA_BYTES 128  /* RSA-1024: smaller moduli are refused */
#define TPM_MAX_ECC_BYTES 66   /* P-521 */
#define TPM_MAX_NAME (2 + TPM_MAX_DIGEST)
#define TPM_PCR_SELECT_MAX 4   /* sizeofSelect bound in TPMS_PCR_SELECTION */
#define TPM_MAX_PCR_BANKS 16   /* TPML_PCR_SELECTION count bound */

/* ---- TPM2B_PUBLIC ---- */

struct tpm_public {
	uint16_t type;          /* TPM_ALG_RSA or TPM_ALG_ECC */
	uint16_t name_alg;
	uint32_t object_attributes;
	uint16_t auth_policy_size;
	uint8_t auth_policy[TPM_MAX_DIGEST];
	/* TPMT_SYM_DEF_OBJECT: key_bits and mode are 0 when sym_alg is NULL. */
	uint16_t sym_alg, sym_key_bits, sym_mode;
	/* TPMT_RSA_SCHEME / TPMT_ECC_SCHEME: scheme_hash is 0 when scheme is NULL. */
	uint16_t scheme, scheme_hash;
	union {
		struct {
			uint16_t key_bits;
			uint32_t exponent; /* 0 on the wire is reported as 65537 */
			uint16_t modulus_len; /* == key_bits / 8 */
			uint8_t modulus[TPM_MAX_RSA_BYTES];
		} rsa;
		struct {
			uint16_t curve_id;
			uint16_t kdf, kdf_hash; /* kdf_hash is 0 when kdf is NULL */
			uint16_t field_len; /* coordinate size of the curve (66 for P-521) */
			/* Left-padded with zeros to field_len (a 65-byte P-521
			 * coordinate on the wire becomes 66 bytes here). */
			uint8_t x[TPM_MAX_ECC_BYTES];
			uint8_t y[TPM_MAX_ECC_BYTES];
		} ecc;
	} u;
	/* Where the TPMT_PUBLIC lies in the parsed buffer (the name hashes it). */
	size_t tpmt_offset, tpmt_len;
};

/* The outer size must cover exactly one TPMT_PUBLIC of type RSA or ECC.
 * Symmetric and scheme parameters are read per algorithm (unknown ones are
 * refused: their layout is unknown). RSA: modulus length == keyBits/8, at
 * least 1024 bits, odd; exponent odd and >= 3 (0 reads as 65537). ECC: NIST
 * P-192..P-521, each coordinate exactly the field size (P-521 also 65
 * bytes) and below the field prime; the point itself is only checked by
 * tpm_public_to_evp(). */
int tpm_public_parse(const uint8_t *buf, size_t len, struct tpm_public *out,
		     char *err, size_t err_len);

/* The TPM name of the object in buf (a TPM2B_PUBLIC): nameAlg (u16 BE) ‖
 * H_nameAlg(TPMT_PUBLIC bytes). out holds TPM_MAX_NAME bytes. Fails on a
 * bad structure or a nameAlg other than SHA-1/256/384/512. */
int tpm_public_name(const uint8_t *buf, size_t len, uint8_t *out, size_t *out_len,
		    char *err, size_t err_len);

/* OpenSSL key of a parsed public area (RSA n/e, or EC group + point checked
 * to lie on the curve). Returns NULL with a reason on failure; the caller
 * frees the key with EVP_PKEY_free(). */
EVP_PKEY *tpm_public_to_evp(const struct tpm_public *pub, char *err, size_t err_len);

/* Coordinate size in bytes of a TPM_ECC_NIST_* curve, 0 when unknown. */
size_t tpm_ecc_field_len(uint16_t curve_id);

/* ---- TPMT_SIGNATURE ---- */

struct tpm_signature {
	uint16_t sig_alg; /* TPM_ALG_RSASSA, TPM_ALG_RSAPSS or TPM_ALG_ECDSA */
	uint16_t hash_alg;
	union {
		struct {
			uint16_t sig_len;
			uint8_t sig[TPM_MAX_RSA_BYTES];
		} rsa;
		struct {
			uint16_t r_len, s_len;
			uint8_t r[TPM_MAX_ECC_BYTES];
			uint8_t s[TPM_MAX_ECC_BYTES];
		} ecdsa;
	} u;
};

/* RSASSA/RSAPSS: hash, TPM2B signature (<= 512 bytes); ECDSA: hash, TPM2B r,
 * TPM2B s (<= 66 bytes each). Other schemes are refused; the structure must
 * end at the end of buf. */
int tpm_signature_parse(const uint8_t *buf, size_t len, struct tpm_signature *out,
			char *err, size_t err_len);

/* ---- TPMS_ATTEST (TPM_ST_ATTEST_QUOTE only) ---- */

struct tpm_pcr_selection {
	uint16_t hash_alg;
	uint8_t size_of_select;
	uint8_t select[TPM_PCR_SELECT_MAX];
};

struct tpm_attest {
	uint32_t magic;
	uint16_t type;
	uint16_t qualified_signer_len;
	uint8_t qualified_signer[TPM_MAX_NAME];
	uint16_t extra_data_len;
	uint8_t extra_data[TPM_MAX_DIGEST];
	uint64_t clock;
	uint32_t reset_count, restart_count;
	uint8_t safe;
	uint64_t firmware_version;
	uint32_t selection_count;
	struct tpm_pcr_selection selections[TPM_MAX_PCR_BANKS];
	uint16_t pcr_digest_len;
	uint8_t pcr_digest[TPM_MAX_DIGEST];
};

/* Magic TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE, qualifiedSigner <= 66
 * bytes, extraData <= 64, safe 0/1, selection count <= 16 with sizeofSelect
 * <= 4, pcrDigest <= 64; must end exactly at the end of buf. */
int tpm_attest_parse(const uint8_t *buf, size_t len, struct tpm_attest *out,
		     char *err, size_t err_len);

/* ---- tpm2-tools PCR blob (tpm2_quote -o / --pcr output, little-endian) ---- */

#define TPM_PCR_BLOB_SLOTS 16
#define TPM_PCR_BLOB_MAX_LISTS 32 /* tpm2-tools TPM2_MAX_PCRS */
#define TPM_PCR_BLOB_LIST_DIGESTS 8
#define TPM_PCR_BLOB_LIST_SIZE (4 + TPM_PCR_BLOB_LIST_DIGESTS * (2 + 64))
#define TPM_PCR_BLOB_MAX_SIZE \
	(4 + TPM_PCR_BLOB_SLOTS * 8 + 4 + TPM_PCR_BLOB_MAX_LISTS * TPM_PCR_BLOB_LIST_SIZE)
#define TPM_PCR_BLOB_MAX_VALUES (TPM_PCR_BLOB_MAX_LISTS * TPM_PCR_BLOB_LIST_DIGESTS)

struct tpm_pcr_blob {
	uint32_t count; /* selection count, <= 16 */
	struct {
		uint16_t hash_alg;
		uint8_t size_of_select; /* 0 or 3 */
		uint32_t mask;          /* bit i: PCR i (0 when size_of_select is 0) */
	} slots[TPM_PCR_BLOB_SLOTS];
	uint32_t list_count; /* number of TPML_DIGEST that followed */
	/* The non-empty digests of all lists, in order. */
	size_t value_count;
	struct {
		uint16_t size;
		uint8_t buf[TPM_MAX_DIGEST];
	} values[TPM_PCR_BLOB_MAX_VALUES];
};

/* u32 count <= 16; 16 slots of {u16 hash, u8 sizeofSelect in {0,3}, 3 select
 * bytes, spare, pad}; u32 N <= 32; N TPML_DIGEST of 532 bytes whose count
 * (<= 8) must equal the number of leading non-empty digests (<= 64 bytes).
 * The blob must end exactly after the N-th list. */
int tpm_pcr_blob_parse(const uint8_t *buf, size_t len, struct tpm_pcr_blob *out,
		       char *err, size_t err_len);

/* Digest size of TPM_ALG_SHA1/256/384/512, 0 for anything else. */
size_t tpm_hash_size(uint16_t alg);

/* OpenSSL digest of TPM_ALG_SHA1/256/384/512, NULL for anything else. */
const EVP_MD *tpm_hash_md(uint16_t alg);

#endif
