/* jose.c - compact JWS with ES256/RS256, JWK and JWK Sets (see jose.h). */
#include "lib/jose.h"

#include "lib/json_strict.h"
#include "verifier/b64.h"

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P256_COORD 32
#define ES256_SIG_LEN 64
/* The largest public exponent read from a JWK (RSA verification cost grows with it). */
#define RSA_E_MAX_BYTES 8

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t cap, const char *fmt,
							  ...)
{
	va_list ap;

	if (!err || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

const char *jose_alg_name(enum jose_alg alg)
{
	switch (alg) {
	case JOSE_ES256:
		return "ES256";
	case JOSE_RS256:
		return "RS256";
	}
	return "?";
}

enum jose_alg jose_alg_from_name(const char *text)
{
	if (text && strcmp(text, "ES256") == 0)
		return JOSE_ES256;
	if (text && strcmp(text, "RS256") == 0)
		return JOSE_RS256;
	return 0;
}

char *jose_b64url_encode(const uint8_t *in, size_t len)
{
	size_t cap = b64_encoded_len(B64_URL_NOPAD, len) + 1;
	char *out = malloc(cap);

	if (out && b64_encode(B64_URL_NOPAD, in, len, out, cap) == 0 && len > 0) {
		free(out);
		return NULL;
	}
	if (out && len == 0)
		out[0] = '\0';
	return out;
}

uint8_t *jose_b64url_decode(const char *in, size_t len, size_t *out_len)
{
	size_t cap = b64_decoded_max(len);
	/* One byte more, so an empty result still is a distinct allocation. */
	uint8_t *out = malloc(cap + 1);

	if (!out)
		return NULL;
	if (b64_decode(B64_URL_NOPAD, in, len, out, cap, out_len)) {
		free(out);
		return NULL;
	}
	return out;
}

/* A BIGNUM parameter of pkey as exactly width big-endian bytes (width 0:
 * as few as it takes). Returns the length, or 0 when absent or too wide. */
static size_t bn_param(const EVP_PKEY *pkey, const char *name, uint8_t *out, size_t cap,
		       size_t width)
{
	BIGNUM *bn = NULL;
	size_t n = 0;
	int len;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || !bn) {
		ERR_clear_error();
		return 0;
	}
	len = BN_num_bytes(bn);
	if (len > 0 && (size_t)len <= cap && (width == 0 || (size_t)len <= width)) {
		if (width && BN_bn2binpad(bn, out, (int)width) == (int)width)
			n = width;
		else if (!width && BN_bn2bin(bn, out) == len)
			n = (size_t)len;
	}
	BN_clear_free(bn);
	return n;
}

static bool has_bn_param(const EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;
	bool present = EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 && bn != NULL;

	BN_clear_free(bn);
	ERR_clear_error();
	return present;
}

/* The public members of a key's JWK, base64url: x and y, or n and e. */
struct jwk_members {
	char *a; /* x or n */
	char *b; /* y or e */
};

static void jwk_members_free(struct jwk_members *m)
{
	free(m->a);
	free(m->b);
	m->a = m->b = NULL;
}

static int jwk_members(EVP_PKEY *pkey, enum jose_alg alg, struct jwk_members *m)
{
	uint8_t a[JOSE_RSA_MAX_BITS / 8], b[P256_COORD];
	size_t a_len, b_len;

	m->a = m->b = NULL;
	if (alg == JOSE_ES256) {
		a_len = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, a, sizeof(a), P256_COORD);
		b_len = bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, b, sizeof(b), P256_COORD);
	} else {
		a_len = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, a, sizeof(a), 0);
		b_len = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, b, sizeof(b), 0);
	}
	if (!a_len || !b_len)
		return -1;
	m->a = jose_b64url_encode(a, a_len);
	m->b = jose_b64url_encode(b, b_len);
	if (!m->a || !m->b) {
		jwk_members_free(m);
		return -1;
	}
	return 0;
}

/* Which alg a key can be used with, or 0 (with err) for keys teev refuses. */
static enum jose_alg key_alg(const EVP_PKEY *pkey, char *err, size_t cap)
{
	char group[64];
	size_t group_len = 0;
	int bits = EVP_PKEY_get_bits(pkey);

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1 ||
		    strcmp(group, "prime256v1") != 0) {
			ERR_clear_error();
			set_err(err, cap, "EC key on curve %s: only P-256 (ES256) is supported",
				group_len ? group : "(unknown)");
			return 0;
		}
		return JOSE_ES256;
	case EVP_PKEY_RSA:
		if (bits < JOSE_RSA_MIN_BITS || bits > JOSE_RSA_MAX_BITS) {
			set_err(err, cap, "RSA key of %d bits: %d to %d bits are supported", bits,
				JOSE_RSA_MIN_BITS, JOSE_RSA_MAX_BITS);
			return 0;
		}
		return JOSE_RS256;
	default:
		set_err(err, cap,
			"key type %s: only EC P-256 (ES256) and RSA (RS256) are supported",
			EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "?");
		return 0;
	}
}

/* RFC 7638 §3: the required members in lexicographic order, no white space. */
static int thumbprint_of(EVP_PKEY *pkey, enum jose_alg alg, char out[44])
{
	struct jwk_members m;
	uint8_t digest[32];
	unsigned int digest_len = 0;
	char *text;
	int n, rc = -1;

	if (jwk_members(pkey, alg, &m))
		return -1;
	if (alg == JOSE_ES256)
		n = asprintf(&text, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
			     m.a, m.b);
	else
		n = asprintf(&text, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", m.b, m.a);
	jwk_members_free(&m);
	if (n < 0)
		return -1;
	if (EVP_Digest(text, (size_t)n, digest, &digest_len, EVP_sha256(), NULL) == 1 &&
	    digest_len == sizeof(digest) &&
	    b64_encode(B64_URL_NOPAD, digest, sizeof(digest), out, 44) == 43)
		rc = 0;
	free(text);
	return rc;
}

int jose_thumbprint(EVP_PKEY *pkey, char out[44])
{
	enum jose_alg alg = key_alg(pkey, NULL, 0);

	return alg ? thumbprint_of(pkey, alg, out) : -1;
}

int jose_key_from_pkey(EVP_PKEY *pkey, struct jose_key *out, char *err, size_t cap)
{
	char kid[44];

	memset(out, 0, sizeof(*out));
	if (!pkey) {
		set_err(err, cap, "no key");
		return -1;
	}
	out->alg = key_alg(pkey, err, cap);
	if (!out->alg)
		return -1;
	if (thumbprint_of(pkey, out->alg, kid)) {
		ERR_clear_error();
		set_err(err, cap, "cannot read the key's public part");
		return -1;
	}
	snprintf(out->kid, sizeof(out->kid), "%s", kid);
	out->has_private = has_bn_param(pkey, out->alg == JOSE_ES256 ? OSSL_PKEY_PARAM_PRIV_KEY
								     : OSSL_PKEY_PARAM_RSA_D);
	if (EVP_PKEY_up_ref(pkey) != 1) {
		set_err(err, cap, "out of memory");
		return -1;
	}
	out->pkey = pkey;
	return 0;
}

void jose_key_clear(struct jose_key *key)
{
	EVP_PKEY_free(key->pkey);
	memset(key, 0, sizeof(*key));
}

bool jose_key_same_public(const struct jose_key *a, const struct jose_key *b)
{
	return a->pkey && b->pkey && EVP_PKEY_eq(a->pkey, b->pkey) == 1;
}

struct json_object *jose_jwk_public(const struct jose_key *key)
{
	struct json_object *jwk;
	struct jwk_members m;

	if (!key->pkey || jwk_members(key->pkey, key->alg, &m))
		return NULL;
	jwk = json_object_new_object();
	if (key->alg == JOSE_ES256) {
		json_object_object_add(jwk, "kty", json_object_new_string("EC"));
		json_object_object_add(jwk, "crv", json_object_new_string("P-256"));
		json_object_object_add(jwk, "x", json_object_new_string(m.a));
		json_object_object_add(jwk, "y", json_object_new_string(m.b));
	} else {
		json_object_object_add(jwk, "kty", json_object_new_string("RSA"));
		json_object_object_add(jwk, "n", json_object_new_string(m.a));
		json_object_object_add(jwk, "e", json_object_new_string(m.b));
	}
	json_object_object_add(jwk, "kid", json_object_new_string(key->kid));
	json_object_object_add(jwk, "alg", json_object_new_string(jose_alg_name(key->alg)));
	json_object_object_add(jwk, "use", json_object_new_string("sig"));
	jwk_members_free(&m);
	return jwk;
}

int jose_keyset_add(struct jose_keyset *set, const struct jose_key *key, char *err, size_t cap)
{
	if (set->count == JOSE_KEYSET_MAX) {
		set_err(err, cap, "more than %d keys", JOSE_KEYSET_MAX);
		return -1;
	}
	for (size_t i = 0; i < set->count; i++) {
		if (strcmp(set->keys[i].kid, key->kid) == 0) {
			set_err(err, cap, "two keys named \"%s\"", key->kid);
			return -1;
		}
	}
	if (!key->pkey || EVP_PKEY_up_ref(key->pkey) != 1) {
		set_err(err, cap, "no key");
		return -1;
	}
	set->keys[set->count] = *key;
	set->count++;
	return 0;
}

void jose_keyset_clear(struct jose_keyset *set)
{
	for (size_t i = 0; i < set->count; i++)
		jose_key_clear(&set->keys[i]);
	set->count = 0;
}

struct json_object *jose_jwks(const struct jose_keyset *set)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *keys = json_object_new_array();

	json_object_object_add(doc, "keys", keys);
	for (size_t i = 0; i < set->count; i++) {
		struct json_object *jwk = jose_jwk_public(&set->keys[i]);

		if (!jwk) {
			json_object_put(doc);
			return NULL;
		}
		json_object_array_add(keys, jwk);
	}
	return doc;
}

/* ---- reading JWKs ---- */

static const char *string_member(struct json_object *obj, const char *name, bool *present)
{
	struct json_object *v = NULL;

	*present = json_object_object_get_ex(obj, name, &v);
	if (!*present || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A base64url member of exactly want bytes (want 0: 1..cap bytes). */
static int bytes_member(struct json_object *jwk, const char *name, uint8_t *out, size_t cap,
			size_t want, size_t *len, char *err, size_t err_cap)
{
	bool present;
	const char *text = string_member(jwk, name, &present);
	size_t text_len = text ? strlen(text) : 0;

	if (!text) {
		set_err(err, err_cap, "\"%s\" is %s", name, present ? "not a string" : "missing");
		return -1;
	}
	if (text_len > b64_encoded_len(B64_URL_NOPAD, cap) ||
	    b64_decode(B64_URL_NOPAD, text, text_len, out, cap, len) || *len == 0 ||
	    (want && *len != want)) {
		if (want)
			set_err(err, err_cap, "\"%s\" is not %zu bytes of unpadded base64url", name,
				want);
		else
			set_err(err, err_cap, "\"%s\" is not 1 to %zu bytes of unpadded base64url",
				name, cap);
		return -1;
	}
	return 0;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, char *err, size_t cap)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		set_err(err, cap, "not a valid %s public key", type);
		goto out;
	}
	/* fromdata takes the numbers as given: an EC point must be checked to
	 * lie on the curve (a key that cannot exist is an error worth
	 * reporting). Not RSA: OpenSSL's check of a modulus runs Miller-Rabin
	 * with random bases, so an odd modulus that is not a product of two
	 * primes would be accepted or refused at random (fuzz_ear_token found
	 * one); rsa_from_jwk's own checks are deterministic. */
	if (strcmp(type, "EC") != 0)
		goto out;
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!check || EVP_PKEY_public_check(check) != 1) {
		set_err(err, cap, "not a valid %s public key", type);
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *ec_from_jwk(struct json_object *jwk, char *err, size_t cap)
{
	uint8_t point[1 + 2 * P256_COORD];
	size_t len;
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pkey = NULL;
	int ok;

	point[0] = 0x04; /* uncompressed */
	if (bytes_member(jwk, "x", point + 1, P256_COORD, P256_COORD, &len, err, cap) ||
	    bytes_member(jwk, "y", point + 1 + P256_COORD, P256_COORD, P256_COORD, &len, err, cap))
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	ok = bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	ok = ok && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
						    sizeof(point));
	if (ok)
		pkey = pkey_from_params("EC", bld, err, cap);
	else
		set_err(err, cap, "out of memory");
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *rsa_from_jwk(struct json_object *jwk, char *err, size_t cap)
{
	uint8_t n[JOSE_RSA_MAX_BITS / 8], e[RSA_E_MAX_BYTES];
	size_t n_len, e_len;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	EVP_PKEY *pkey = NULL;

	if (bytes_member(jwk, "n", n, sizeof(n), 0, &n_len, err, cap) ||
	    bytes_member(jwk, "e", e, sizeof(e), 0, &e_len, err, cap))
		return NULL;
	/* RFC 7518 §6.3.1: minimal big-endian, so one key has one encoding. */
	if (n[0] == 0 || e[0] == 0) {
		set_err(err, cap, "\"%s\" has a leading zero byte", n[0] == 0 ? "n" : "e");
		return NULL;
	}
	if ((n[n_len - 1] & 1) == 0) {
		set_err(err, cap, "\"n\" is even: not an RSA modulus");
		return NULL;
	}
	if ((e[e_len - 1] & 1) == 0 || (e_len == 1 && e[0] < 3)) {
		set_err(err, cap, "\"e\" is not an odd exponent of at least 3");
		return NULL;
	}
	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	if (bn_n && BN_num_bits(bn_n) < JOSE_RSA_MIN_BITS) {
		set_err(err, cap, "RSA modulus of %d bits: at least %d are required",
			BN_num_bits(bn_n), JOSE_RSA_MIN_BITS);
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
		pkey = pkey_from_params("RSA", bld, err, cap);
	else
		set_err(err, cap, "out of memory");
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return pkey;
}

/* Members that only a private or symmetric key has (RFC 7518 §6.2.2, 6.3.2, 6.4). */
static const char *const PRIVATE_MEMBERS[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

/* Whether a key's use and key_ops allow verifying signatures. */
static bool usable_for_verify(struct json_object *jwk)
{
	struct json_object *ops = NULL;
	bool present;
	const char *use = string_member(jwk, "use", &present);

	if (present && (!use || strcmp(use, "sig") != 0))
		return false;
	if (!json_object_object_get_ex(jwk, "key_ops", &ops))
		return true;
	if (!json_object_is_type(ops, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(ops); i++) {
		struct json_object *op = json_object_array_get_idx(ops, i);

		if (json_object_is_type(op, json_type_string) &&
		    strcmp(json_object_get_string(op), "verify") == 0)
			return true;
	}
	return false;
}

/* One JWK of a set: 1 added, 0 skipped (not usable for ES256/RS256), -1 refused. */
static int jwk_read(struct json_object *jwk, struct jose_keyset *out, char *err, size_t cap)
{
	bool present;
	const char *kty, *crv, *alg_text, *kid;
	enum jose_alg alg;
	EVP_PKEY *pkey = NULL;
	struct jose_key key;
	int rc = -1;

	if (!json_object_is_type(jwk, json_type_object)) {
		set_err(err, cap, "is not an object");
		return -1;
	}
	for (size_t i = 0; i < sizeof(PRIVATE_MEMBERS) / sizeof(PRIVATE_MEMBERS[0]); i++) {
		if (json_object_object_get_ex(jwk, PRIVATE_MEMBERS[i], NULL)) {
			set_err(err, cap,
				"holds private key material (\"%s\"): publish public keys only",
				PRIVATE_MEMBERS[i]);
			return -1;
		}
	}
	kty = string_member(jwk, "kty", &present);
	if (!kty) {
		set_err(err, cap, "\"kty\" is %s", present ? "not a string" : "missing");
		return -1;
	}
	crv = string_member(jwk, "crv", &present);
	if (strcmp(kty, "EC") == 0 && (!crv || strcmp(crv, "P-256") != 0))
		return 0;
	if ((strcmp(kty, "EC") != 0 && strcmp(kty, "RSA") != 0) || !usable_for_verify(jwk))
		return 0;
	alg = strcmp(kty, "EC") == 0 ? JOSE_ES256 : JOSE_RS256;
	alg_text = string_member(jwk, "alg", &present);
	if (present && (!alg_text || jose_alg_from_name(alg_text) != alg)) {
		set_err(err, cap, "\"alg\" is not %s, the only algorithm of a %s key",
			jose_alg_name(alg), alg == JOSE_ES256 ? "P-256" : "RSA");
		return -1;
	}
	kid = string_member(jwk, "kid", &present);
	if (present && (!kid || kid[0] == '\0' || strlen(kid) > JOSE_KID_MAX)) {
		set_err(err, cap, "\"kid\" is not a string of 1 to %d bytes", JOSE_KID_MAX);
		return -1;
	}
	pkey = alg == JOSE_ES256 ? ec_from_jwk(jwk, err, cap) : rsa_from_jwk(jwk, err, cap);
	if (!pkey)
		return -1;
	if (jose_key_from_pkey(pkey, &key, err, cap))
		goto out;
	if (kid)
		snprintf(key.kid, sizeof(key.kid), "%s", kid);
	rc = jose_keyset_add(out, &key, err, cap) ? -1 : 1;
	jose_key_clear(&key);
out:
	EVP_PKEY_free(pkey);
	return rc;
}

int jose_jwks_parse(const char *text, size_t len, struct jose_keyset *out, char *err, size_t cap)
{
	struct json_object *doc, *keys = NULL;
	char why[256];
	size_t n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > JOSE_JWKS_MAX) {
		set_err(err, cap, "JWK Set of %zu bytes: at most %zu are read", len, JOSE_JWKS_MAX);
		return -1;
	}
	doc = json_strict_parse(text, len, JOSE_JSON_DEPTH, why, sizeof(why));
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		set_err(err, cap, "JWK Set is not a JSON object%s%s", doc ? "" : ": ",
			doc ? "" : why);
		goto out;
	}
	if (!json_object_object_get_ex(doc, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		set_err(err, cap, "JWK Set has no \"keys\" array");
		goto out;
	}
	n = json_object_array_length(keys);
	if (n > JOSE_KEYSET_MAX) {
		set_err(err, cap, "JWK Set has %zu keys: at most %d are read", n, JOSE_KEYSET_MAX);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char why_key[256];

		if (jwk_read(json_object_array_get_idx(keys, i), out, why_key, sizeof(why_key)) <
		    0) {
			set_err(err, cap, "JWK Set key %zu: %s", i, why_key);
			goto out;
		}
	}
	if (out->count == 0) {
		set_err(err, cap, "JWK Set has no ES256 or RS256 signature key");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		jose_keyset_clear(out);
	json_object_put(doc);
	return rc;
}

/* ---- signing ---- */

/* DER ECDSA-Sig-Value -> r || s, 32 bytes each (RFC 7518 §3.4). */
static int der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[ES256_SIG_LEN])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	const BIGNUM *r, *s;
	int rc = -1;

	if (!sig)
		return -1;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, raw, P256_COORD) == P256_COORD &&
	    BN_bn2binpad(s, raw + P256_COORD, P256_COORD) == P256_COORD)
		rc = 0;
	ECDSA_SIG_free(sig);
	return rc;
}

/* r || s -> DER, for OpenSSL's verifier. Returns the DER length or 0. */
static size_t raw_to_der(const uint8_t raw[ES256_SIG_LEN], uint8_t **der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, P256_COORD, NULL);
	BIGNUM *s = BN_bin2bn(raw + P256_COORD, P256_COORD, NULL);
	int n = -1;

	*der = NULL;
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL; /* owned by sig now */
		n = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return n > 0 ? (size_t)n : 0;
}

/* Signs input with key; the JWS signature bytes in a malloc'd buffer. */
static uint8_t *sign_bytes(const struct jose_key *key, const char *input, size_t len,
			   size_t *sig_len)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *sig = NULL, *raw = NULL;
	size_t n = 0;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &n, (const unsigned char *)input, len) != 1)
		goto out;
	sig = malloc(n);
	if (!sig || EVP_DigestSign(md, sig, &n, (const unsigned char *)input, len) != 1)
		goto out;
	if (key->alg == JOSE_RS256) {
		raw = sig;
		sig = NULL;
		*sig_len = n;
		goto out;
	}
	raw = malloc(ES256_SIG_LEN);
	if (raw && der_to_raw(sig, n, raw)) {
		free(raw);
		raw = NULL;
	}
	*sig_len = ES256_SIG_LEN;
out:
	ERR_clear_error();
	free(sig);
	EVP_MD_CTX_free(md);
	return raw;
}

char *jose_sign(const struct jose_key *key, const char *typ, const char *payload, size_t len,
		char *err, size_t cap)
{
	struct json_object *header;
	const char *header_text;
	char *h64 = NULL, *p64 = NULL, *s64 = NULL, *input = NULL, *token = NULL;
	uint8_t *sig = NULL;
	size_t sig_len = 0;

	if (!key->pkey || !key->has_private) {
		set_err(err, cap, "the key has no private part to sign with");
		return NULL;
	}
	header = json_object_new_object();
	json_object_object_add(header, "alg", json_object_new_string(jose_alg_name(key->alg)));
	json_object_object_add(header, "kid", json_object_new_string(key->kid));
	if (typ)
		json_object_object_add(header, "typ", json_object_new_string(typ));
	header_text = json_object_to_json_string_ext(
		header, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	h64 = jose_b64url_encode((const uint8_t *)header_text, strlen(header_text));
	p64 = jose_b64url_encode((const uint8_t *)payload, len);
	if (!h64 || !p64 || asprintf(&input, "%s.%s", h64, p64) < 0) {
		input = NULL;
		set_err(err, cap, "out of memory");
		goto out;
	}
	sig = sign_bytes(key, input, strlen(input), &sig_len);
	s64 = sig ? jose_b64url_encode(sig, sig_len) : NULL;
	if (!s64 || asprintf(&token, "%s.%s", input, s64) < 0) {
		token = NULL;
		set_err(err, cap, "%s signature failed", jose_alg_name(key->alg));
	}
out:
	json_object_put(header);
	free(h64);
	free(p64);
	free(s64);
	free(input);
	free(sig);
	return token;
}

/* ---- checking ---- */

/* Header members refused outright: extensions teev does not implement
 * (crit, b64), members that carry or point to a key the token would choose
 * itself, and JWE's. */
static const char *const REFUSED_HEADER[] = {"crit", "b64", "jwk", "jku",
					     "x5c",  "x5u", "enc", "zip"};

static int check_header(struct json_object *header, const struct jose_keyset *keys,
			const struct jose_key **key, char *err, size_t cap)
{
	bool present;
	const char *alg_text, *kid;
	enum jose_alg alg;

	for (size_t i = 0; i < sizeof(REFUSED_HEADER) / sizeof(REFUSED_HEADER[0]); i++) {
		if (json_object_object_get_ex(header, REFUSED_HEADER[i], NULL)) {
			set_err(err, cap, "header member \"%s\" is refused", REFUSED_HEADER[i]);
			return -1;
		}
	}
	alg_text = string_member(header, "alg", &present);
	if (!alg_text) {
		set_err(err, cap, "header \"alg\" is %s", present ? "not a string" : "missing");
		return -1;
	}
	alg = jose_alg_from_name(alg_text);
	if (!alg) {
		set_err(err, cap,
			"header alg \"%.32s\" is refused: only ES256 and RS256 are accepted",
			alg_text);
		return -1;
	}
	if (!string_member(header, "typ", &present) && present) {
		set_err(err, cap, "header \"typ\" is not a string");
		return -1;
	}
	kid = string_member(header, "kid", &present);
	if (!kid) {
		set_err(err, cap, "header \"kid\" is %s", present ? "not a string" : "missing");
		return -1;
	}
	*key = NULL;
	for (size_t i = 0; i < keys->count; i++) {
		if (strcmp(keys->keys[i].kid, kid) == 0)
			*key = &keys->keys[i];
	}
	if (!*key) {
		set_err(err, cap, "no key named \"%.*s\" in the key set", JOSE_KID_MAX, kid);
		return -1;
	}
	if ((*key)->alg != alg) {
		set_err(err, cap, "header alg %s does not match key \"%s\", a %s key",
			jose_alg_name(alg), (*key)->kid, jose_alg_name((*key)->alg));
		return -1;
	}
	return 0;
}

static int verify_signature(const struct jose_key *key, const char *input, size_t input_len,
			    const uint8_t *sig, size_t sig_len, char *err, size_t cap)
{
	EVP_MD_CTX *md = NULL;
	uint8_t *der = NULL;
	size_t want = key->alg == JOSE_ES256 ? ES256_SIG_LEN : (size_t)EVP_PKEY_get_size(key->pkey);
	int rc = -1;

	if (sig_len != want) {
		set_err(err, cap, "%s signature is %zu bytes, not %zu", jose_alg_name(key->alg),
			sig_len, want);
		return -1;
	}
	if (key->alg == JOSE_ES256) {
		sig_len = raw_to_der(sig, &der);
		sig = der;
		if (!sig_len) {
			set_err(err, cap, "out of memory");
			goto out;
		}
	}
	md = EVP_MD_CTX_new();
	if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
	    EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)input, input_len) == 1)
		rc = 0;
	else
		set_err(err, cap, "signature does not verify with key \"%s\"", key->kid);
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return rc;
}

static struct json_object *parse_object(const char *what, const uint8_t *raw, size_t len, char *err,
					size_t cap)
{
	struct json_object *doc;
	char why[256];

	doc = json_strict_parse((const char *)raw, len, JOSE_JSON_DEPTH, why, sizeof(why));
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		set_err(err, cap, "%s is not a JSON object%s%s", what, doc ? "" : ": ",
			doc ? "" : why);
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

/* One segment's bytes; NULL (with err) unless it is canonical unpadded base64url. */
static uint8_t *segment(const char *what, const char *text, size_t len, size_t *out_len, char *err,
			size_t cap)
{
	uint8_t *raw = jose_b64url_decode(text, len, out_len);

	if (!raw)
		set_err(err, cap, "%s is not unpadded base64url", what);
	return raw;
}

int jose_verify(const char *token, size_t len, const struct jose_keyset *keys,
		struct jose_verified *out, char *err, size_t cap)
{
	const char *dot1, *dot2, *sig64;
	const struct jose_key *key = NULL;
	uint8_t *header = NULL, *payload = NULL, *sig = NULL;
	size_t header_len = 0, payload_len = 0, sig_len = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > JOSE_TOKEN_MAX) {
		set_err(err, cap, "token of %zu bytes: at most %zu are read", len, JOSE_TOKEN_MAX);
		return -1;
	}
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token))) {
		set_err(err, cap, "not a compact JWS: it must have exactly three parts");
		return -1;
	}
	sig64 = dot2 + 1;
	if (sig64 == token + len) {
		set_err(err, cap, "the token is unsigned (empty signature)");
		return -1;
	}
	if ((size_t)(dot1 - token) > b64_encoded_len(B64_URL_NOPAD, JOSE_HEADER_MAX)) {
		set_err(err, cap, "header is longer than %zu bytes", JOSE_HEADER_MAX);
		return -1;
	}
	header = segment("header", token, (size_t)(dot1 - token), &header_len, err, cap);
	if (!header)
		goto out;
	out->header = parse_object("header", header, header_len, err, cap);
	if (!out->header || check_header(out->header, keys, &key, err, cap))
		goto out;
	/* Every segment must have one spelling before the signature counts:
	 * the signed text is the base64url, not the bytes it decodes to. */
	payload = segment("payload", dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload_len, err, cap);
	sig = payload ? segment("signature", sig64, len - (size_t)(sig64 - token), &sig_len, err,
				cap)
		      : NULL;
	if (!sig || verify_signature(key, token, (size_t)(dot2 - token), sig, sig_len, err, cap))
		goto out;
	/* Only a signed payload is parsed. */
	out->payload = parse_object("payload", payload, payload_len, err, cap);
	if (!out->payload)
		goto out;
	out->alg = key->alg;
	snprintf(out->kid, sizeof(out->kid), "%s", key->kid);
	rc = 0;
out:
	if (rc)
		jose_verified_clear(out);
	free(header);
	free(payload);
	free(sig);
	return rc;
}

void jose_verified_clear(struct jose_verified *v)
{
	json_object_put(v->header);
	json_object_put(v->payload);
	memset(v, 0, sizeof(*v));
}
