/* test_jose.c - unit tests for lib/jose.c: compact JWS with ES256 and RS256,
 * JWKs and JWK Sets with RFC 7638 kids, and the strictness of the checker.
 * Tokens teev signs are verified by an independent implementation (PyJWT,
 * tests/support/jwt_check.py) and tokens PyJWT signs are verified by teev;
 * tampered tokens (header, payload, signature, alg swapped to none, HS256
 * or the other key type, kid swapped) and malformed JWK Sets are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/jose.h"
#include "tests/support/jose_testing.h"
#include "tests/support/test_cleanup.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PAYLOAD[] = "{\"iss\":\"teev\",\"n\":1}";

static void key_release(void *p)
{
	jose_key_clear(p);
	free(p);
}

static void keyset_release(void *p)
{
	jose_keyset_clear(p);
	free(p);
}

static void verified_release(void *p)
{
	jose_verified_clear(p);
	free(p);
}

static void put_json(void *p)
{
	json_object_put(p);
}

static struct jose_key *new_key(enum jose_alg alg)
{
	EVP_PKEY *pkey = alg == JOSE_ES256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
	struct jose_key *key = calloc(1, sizeof(*key));
	char err[256];

	assert_non_null(pkey);
	assert_non_null(key);
	assert_int_equal(jose_key_from_pkey(pkey, key, err, sizeof(err)), 0);
	EVP_PKEY_free(pkey);
	assert_true(key->has_private);
	assert_int_equal(key->alg, alg);
	return defer(key_release, key);
}

static struct jose_keyset *set_of(const struct jose_key *a, const struct jose_key *b)
{
	struct jose_keyset *set = calloc(1, sizeof(*set));
	char err[256];

	assert_non_null(set);
	defer(keyset_release, set);
	assert_int_equal(jose_keyset_add(set, a, err, sizeof(err)), 0);
	if (b)
		assert_int_equal(jose_keyset_add(set, b, err, sizeof(err)), 0);
	return set;
}

static char *sign(const struct jose_key *key, const char *payload)
{
	char err[256];
	char *token = jose_sign(key, "JWT", payload, strlen(payload), err, sizeof(err));

	if (!token)
		fail_msg("jose_sign: %s", err);
	return defer(free, token);
}

/* 0 when token verifies against set; err (if non-NULL) gets the reason. */
static int verify(const struct jose_keyset *set, const char *token, char *err, size_t cap)
{
	struct jose_verified *v = calloc(1, sizeof(*v));
	char why[256] = "";
	int rc;

	assert_non_null(v);
	defer(verified_release, v);
	rc = jose_verify(token, strlen(token), set, v, why, sizeof(why));
	if (err)
		snprintf(err, cap, "%s", why);
	if (rc == 0) {
		assert_non_null(v->payload);
		assert_non_null(v->header);
	} else {
		assert_null(v->payload);
		assert_true(why[0] != '\0');
	}
	return rc;
}

static void assert_refused(const struct jose_keyset *set, const char *token, const char *why_part)
{
	char why[256];

	if (verify(set, token, why, sizeof(why)) == 0)
		fail_msg("accepted: %s", token);
	if (why_part && !strstr(why, why_part))
		fail_msg("refused for \"%s\", expected \"%s\"", why, why_part);
}

static char *b64url(const char *text)
{
	char *out = jose_b64url_encode((const uint8_t *)text, strlen(text));

	assert_non_null(out);
	return defer(free, out);
}

/* header.payload.signature from parts given as text (header, payload) and
 * as base64url (signature). */
static char *assemble(const char *header, const char *payload, const char *sig64)
{
	char *token = NULL;

	assert_true(asprintf(&token, "%s.%s.%s", b64url(header), b64url(payload), sig64) > 0);
	return defer(free, token);
}

/* Segment i (0..2) of token, as a malloc'd string. */
static char *segment(const char *token, int i)
{
	const char *start = token;
	size_t len;

	for (int k = 0; k < i; k++)
		start = strchr(start, '.') + 1;
	len = strcspn(start, ".");
	char *out = strndup(start, len);
	assert_non_null(out);
	return defer(free, out);
}

static char *jwks_text(const struct jose_keyset *set)
{
	struct json_object *doc = jose_jwks(set);
	char *text;

	assert_non_null(doc);
	text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	assert_non_null(text);
	return defer(free, text);
}

static void test_b64url(void **state)
{
	size_t len = 0;
	uint8_t *raw;

	(void)state;
	assert_string_equal(b64url("\xfb\xff"), "-_8");
	raw = jose_b64url_decode("-_8", 3, &len);
	assert_non_null(raw);
	assert_int_equal(len, 2);
	assert_memory_equal(raw, "\xfb\xff", 2);
	free(raw);
	/* Padding, the standard alphabet and non-zero trailing bits are refused. */
	assert_null(jose_b64url_decode("-_8=", 4, &len));
	assert_null(jose_b64url_decode("+/8", 3, &len));
	assert_null(jose_b64url_decode("-_9", 3, &len));
	raw = jose_b64url_decode("", 0, &len);
	assert_non_null(raw);
	assert_int_equal(len, 0);
	free(raw);
}

static void test_sign_verify_both_algs(void **state)
{
	(void)state;
	for (int alg = JOSE_ES256; alg <= JOSE_RS256; alg++) {
		struct jose_key *key = new_key((enum jose_alg)alg);
		struct jose_keyset *set = set_of(key, NULL);
		char *token = sign(key, PAYLOAD);
		struct jose_verified v;
		char err[256];

		assert_int_equal(jose_verify(token, strlen(token), set, &v, err, sizeof(err)), 0);
		assert_int_equal(v.alg, alg);
		assert_string_equal(v.kid, key->kid);
		assert_string_equal(
			json_object_to_json_string_ext(v.payload, JSON_C_TO_STRING_PLAIN), PAYLOAD);
		jose_verified_clear(&v);
	}
}

/* RFC 7518 §3.4: the ES256 signature is r || s, 64 bytes, not DER. */
static void test_es256_signature_is_raw(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	char *sig64 = segment(sign(key, PAYLOAD), 2);
	size_t len = 0;
	uint8_t *raw = jose_b64url_decode(sig64, strlen(sig64), &len);

	(void)state;
	assert_non_null(raw);
	assert_int_equal(len, 64);
	free(raw);
}

static void test_header_members(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	char *header = segment(sign(key, PAYLOAD), 0);
	size_t len = 0;
	uint8_t *raw = jose_b64url_decode(header, strlen(header), &len);
	char want[256];

	(void)state;
	assert_non_null(raw);
	snprintf(want, sizeof(want), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
		 key->kid);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(raw, want, len);
	free(raw);
}

static void test_jwk_shape(void **state)
{
	struct jose_key *ec = new_key(JOSE_ES256);
	struct jose_key *rsa = new_key(JOSE_RS256);
	struct json_object *jwk = defer(put_json, jose_jwk_public(ec)), *v;

	(void)state;
	assert_non_null(jwk);
	assert_true(json_object_object_get_ex(jwk, "kty", &v));
	assert_string_equal(json_object_get_string(v), "EC");
	assert_true(json_object_object_get_ex(jwk, "x", &v));
	assert_int_equal(json_object_get_string_len(v), 43);
	assert_true(json_object_object_get_ex(jwk, "kid", &v));
	assert_string_equal(json_object_get_string(v), ec->kid);
	assert_int_equal(strlen(ec->kid), 43);
	assert_true(json_object_object_get_ex(jwk, "use", &v));
	assert_string_equal(json_object_get_string(v), "sig");
	assert_false(json_object_object_get_ex(jwk, "d", NULL));
	jwk = defer(put_json, jose_jwk_public(rsa));
	assert_true(json_object_object_get_ex(jwk, "e", &v));
	assert_string_equal(json_object_get_string(v), "AQAB");
	assert_true(json_object_object_get_ex(jwk, "alg", &v));
	assert_string_equal(json_object_get_string(v), "RS256");
	assert_false(json_object_object_get_ex(jwk, "d", NULL));
}

/* The JWK Set teev publishes reads back as the same keys. */
static void test_jwks_round_trip(void **state)
{
	struct jose_key *ec = new_key(JOSE_ES256);
	struct jose_key *rsa = new_key(JOSE_RS256);
	char *text = jwks_text(set_of(ec, rsa));
	struct jose_keyset *back = calloc(1, sizeof(*back));
	char err[256];

	(void)state;
	defer(keyset_release, back);
	assert_int_equal(jose_jwks_parse(text, strlen(text), back, err, sizeof(err)), 0);
	assert_int_equal(back->count, 2);
	assert_string_equal(back->keys[0].kid, ec->kid);
	assert_string_equal(back->keys[1].kid, rsa->kid);
	assert_false(back->keys[0].has_private);
	assert_true(jose_key_same_public(&back->keys[1], rsa));
	assert_int_equal(verify(back, sign(ec, PAYLOAD), NULL, 0), 0);
	assert_int_equal(verify(back, sign(rsa, PAYLOAD), NULL, 0), 0);
}

/* PyJWT verifies teev's tokens with teev's JWK Set, and agrees on the kids. */
static void test_independent_verifier_accepts(void **state)
{
	const char *dir = jt_tmpdir();
	struct jose_key *ec = new_key(JOSE_ES256);
	struct jose_key *rsa = new_key(JOSE_RS256);
	const char *jwks = jt_write(dir, "jwks.json", jwks_text(set_of(ec, rsa)));
	char *out = NULL;

	(void)state;
	assert_int_equal(jt_python(NULL, "thumbprints", jwks, NULL), 0);
	assert_int_equal(
		jt_python(&out, "verify", jwks, jt_write(dir, "es", sign(ec, PAYLOAD)), NULL), 0);
	assert_non_null(strstr(out, "\"iss\": \"teev\""));
	assert_int_equal(
		jt_python(NULL, "verify", jwks, jt_write(dir, "rs", sign(rsa, PAYLOAD)), NULL), 0);
	/* ...and refuses what teev refuses. */
	char *bad = strdup(sign(ec, PAYLOAD));
	defer(free, bad);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(jt_python(NULL, "verify", jwks, jt_write(dir, "bad", bad), NULL), 1);
	assert_int_not_equal(verify(set_of(ec, NULL), bad, NULL, 0), 0);
}

/* teev verifies what PyJWT signs. */
static void test_independent_signer_accepted(void **state)
{
	const char *dir = jt_tmpdir();

	(void)state;
	for (int alg = JOSE_ES256; alg <= JOSE_RS256; alg++) {
		struct jose_key *key = new_key((enum jose_alg)alg);
		BIO *bio = BIO_new(BIO_s_mem());
		char *pem = NULL, *token = NULL;
		long n;

		assert_int_equal(
			PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL), 1);
		n = BIO_get_mem_data(bio, &pem);
		pem = strndup(pem, (size_t)n);
		BIO_free(bio);
		defer(free, pem);
		assert_int_equal(jt_python(&token, "sign", jt_write(dir, "key.pem", pem), key->kid,
					   jose_alg_name(key->alg), jt_write(dir, "p", PAYLOAD),
					   NULL),
				 0);
		token[strcspn(token, "\n")] = '\0';
		assert_int_equal(verify(set_of(key, NULL), token, NULL, 0), 0);
	}
}

static void test_tampering_refused(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct jose_key *other = new_key(JOSE_ES256);
	struct jose_keyset *set = set_of(key, other);
	char *token = sign(key, PAYLOAD);
	char *h = segment(token, 0), *p = segment(token, 1), *s = segment(token, 2);
	char header[256], *t = NULL;

	(void)state;
	assert_int_equal(verify(set, token, NULL, 0), 0);
	/* Another header (typ changed), same signature. */
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"XWT\"}",
		 key->kid);
	assert_refused(set, assemble(header, PAYLOAD, s), "does not verify");
	/* Another payload. */
	assert_refused(set, assemble(header, "{\"iss\":\"teev\",\"n\":2}", s), NULL);
	assert_true(asprintf(&t, "%s.%s.%s", h, b64url("{\"iss\":\"teev\",\"n\":2}"), s) > 0);
	assert_refused(set, defer(free, t), "does not verify");
	/* A flipped signature bit. */
	char *flipped = strdup(token);
	defer(free, flipped);
	flipped[strlen(flipped) - 5] ^= 1;
	assert_refused(set, flipped, NULL);
	/* kid swapped to the other key of the set. */
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
		 other->kid);
	assert_true(asprintf(&t, "%s.%s.%s", b64url(header), p, s) > 0);
	assert_refused(set, defer(free, t), "does not verify");
	/* kid of no key in the set, and no kid. */
	assert_refused(set, assemble("{\"alg\":\"ES256\",\"kid\":\"nobody\"}", PAYLOAD, s),
		       "no key");
	assert_refused(set, assemble("{\"alg\":\"ES256\"}", PAYLOAD, s), "kid");
}

static void test_alg_swaps_refused(void **state)
{
	struct jose_key *ec = new_key(JOSE_ES256);
	struct jose_key *rsa = new_key(JOSE_RS256);
	struct jose_keyset *set = set_of(ec, rsa);
	char header[256], *input = NULL, *mac64;
	unsigned char mac[32];
	unsigned int mac_len = 0;
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n;

	(void)state;
	/* alg none, with and without a signature. */
	snprintf(header, sizeof(header), "{\"alg\":\"none\",\"kid\":\"%s\"}", ec->kid);
	assert_refused(set, assemble(header, PAYLOAD, ""), "unsigned");
	assert_refused(set, assemble(header, PAYLOAD, segment(sign(ec, PAYLOAD), 2)), "none");
	/* HS256 keyed with the public key's PEM: the classic confusion. */
	assert_int_equal(PEM_write_bio_PUBKEY(bio, rsa->pkey), 1);
	n = BIO_get_mem_data(bio, &pem);
	snprintf(header, sizeof(header), "{\"alg\":\"HS256\",\"kid\":\"%s\"}", rsa->kid);
	assert_true(asprintf(&input, "%s.%s", b64url(header), b64url(PAYLOAD)) > 0);
	defer(free, input);
	assert_non_null(HMAC(EVP_sha256(), pem, (int)n, (const unsigned char *)input, strlen(input),
			     mac, &mac_len));
	BIO_free(bio);
	mac64 = defer(free, jose_b64url_encode(mac, mac_len));
	assert_refused(set, assemble(header, PAYLOAD, mac64), "HS256");
	/* The RSA key's kid with ES256, and the EC key's kid with RS256. */
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", rsa->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(sign(ec, PAYLOAD), 2)),
		       "does not match");
	snprintf(header, sizeof(header), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", ec->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(sign(rsa, PAYLOAD), 2)),
		       "does not match");
}

static void test_malformed_tokens_refused(void **state)
{
	struct jose_key *key = new_key(JOSE_ES256);
	struct jose_keyset *set = set_of(key, NULL);
	char *token = sign(key, PAYLOAD), *t = NULL;
	char header[512];
	char *big;

	(void)state;
	/* Padding on a segment, a fourth segment, two segments. */
	assert_true(asprintf(&t, "%s=", token) > 0);
	assert_refused(set, defer(free, t), "base64url");
	assert_true(asprintf(&t, "%s.", token) > 0);
	assert_refused(set, defer(free, t), "three parts");
	assert_refused(set, "a.b", "three parts");
	assert_refused(set, "", "three parts");
	/* Header members that teev refuses. */
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"crit\":[\"exp\"]}",
		 key->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(token, 2)), "crit");
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"jwk\":{}}", key->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(token, 2)), "jwk");
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"jku\":\"https://x\"}",
		 key->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(token, 2)), "jku");
	/* A header that is not strict JSON (duplicate key), not an object, typ not a string. */
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"alg\":\"ES256\",\"kid\":\"%s\"}",
		 key->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(token, 2)), "header");
	assert_refused(set, assemble("[1]", PAYLOAD, segment(token, 2)), "header");
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":1}", key->kid);
	assert_refused(set, assemble(header, PAYLOAD, segment(token, 2)), "typ");
	/* A signed payload that is not a JSON object. */
	assert_refused(set, sign(key, "[1,2]"), "payload");
	assert_refused(set, sign(key, "{\"a\":1} x"), "payload");
	/* An ES256 signature of the wrong length (DER, for instance). */
	assert_refused(set, assemble(header, PAYLOAD, b64url("0123456789")), NULL);
	snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", key->kid);
	assert_refused(set, assemble(header, PAYLOAD, b64url("0123456789")), "not 64");
	/* A token longer than JOSE_TOKEN_MAX is refused before it is read. */
	big = calloc(1, JOSE_TOKEN_MAX + 2);
	assert_non_null(big);
	defer(free, big);
	memset(big, 'A', JOSE_TOKEN_MAX + 1);
	assert_refused(set, big, "at most");
}

/* A JWK Set from elsewhere: its bad keys are refused, keys teev cannot use skipped. */
static void test_jwks_parse_strict(void **state)
{
	struct jose_key *ec = new_key(JOSE_ES256);
	struct json_object *jwk = defer(put_json, jose_jwk_public(ec)), *x;
	const char *good = json_object_to_json_string_ext(jwk, JSON_C_TO_STRING_PLAIN);
	struct jose_keyset set;
	char text[4096], err[256];
	const char *xs;

	(void)state;
	assert_true(json_object_object_get_ex(jwk, "x", &x));
	xs = json_object_get_string(x);
#define PARSE(...)                                  \
	(snprintf(text, sizeof(text), __VA_ARGS__), \
	 jose_jwks_parse(text, strlen(text), &set, err, sizeof(err)))
	assert_int_equal(PARSE("{\"keys\":[%s]}", good), 0);
	assert_int_equal(set.count, 1);
	jose_keyset_clear(&set);
	/* Skipped: unknown kty, another curve, an encryption key; kept: the good one. */
	assert_int_equal(
		PARSE("{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"},"
		      "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"},"
		      "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},%s],"
		      "\"other\":1}",
		      good),
		0);
	assert_int_equal(set.count, 1);
	jose_keyset_clear(&set);
	/* Refused. */
	assert_int_equal(PARSE("{\"keys\":[{\"kty\":\"OKP\"}]}"), -1);
	assert_non_null(strstr(err, "no ES256 or RS256"));
	assert_int_equal(PARSE("{\"keys\":{}}"), -1);
	assert_int_equal(PARSE("[]"), -1);
	assert_int_equal(PARSE("{\"keys\":[%s,%s]}", good, good), -1);
	assert_non_null(strstr(err, "two keys"));
	assert_int_equal(
		PARSE("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\","
		      "\"d\":\"%s\"}]}",
		      xs, xs, xs),
		-1);
	assert_non_null(strstr(err, "private"));
	/* x as y too: not a point on the curve (almost surely). */
	assert_int_equal(
		PARSE("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}]}",
		      xs, xs),
		-1);
	assert_int_equal(
		PARSE("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"%s\"}]}",
		      xs),
		-1);
	assert_non_null(strstr(err, "32 bytes"));
	assert_int_equal(PARSE("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"RS256\","
			       "\"x\":\"%s\",\"y\":\"%s\"}]}",
			       xs, xs),
			 -1);
	assert_non_null(strstr(err, "alg"));
	/* An even modulus, and a 1024-bit one (odd: its last character sets bit 0). */
	char n[400];
	memset(n, 'w', 344);
	n[344] = '\0';
	assert_int_equal(PARSE("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", n),
			 -1);
	assert_non_null(strstr(err, "even"));
	memset(n, 'w', 171);
	n[170] = 'E';
	n[171] = '\0';
	assert_int_equal(PARSE("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", n),
			 -1);
	assert_non_null(strstr(err, "2048"));
	/* Seventeen keys, and a text over JOSE_JWKS_MAX. */
	assert_int_equal(PARSE("{\"keys\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}"), -1);
	assert_non_null(strstr(err, "at most"));
	char *huge = calloc(1, JOSE_JWKS_MAX + 2);
	assert_non_null(huge);
	defer(free, huge);
	memset(huge, ' ', JOSE_JWKS_MAX + 1);
	assert_int_equal(jose_jwks_parse(huge, strlen(huge), &set, err, sizeof(err)), -1);
#undef PARSE
}

static void test_keys_refused(void **state)
{
	EVP_PKEY *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *rsa1024 = EVP_RSA_gen(1024);
	struct jose_key key;
	char err[256];

	(void)state;
	assert_int_equal(jose_key_from_pkey(p384, &key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "P-256"));
	assert_int_equal(jose_key_from_pkey(rsa1024, &key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1024"));
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa1024);
	/* A public key cannot sign. */
	struct jose_key *full = new_key(JOSE_ES256);
	struct json_object *jwk = defer(put_json, jose_jwk_public(full));
	char text[1024];
	struct jose_keyset set;
	snprintf(text, sizeof(text), "{\"keys\":[%s]}",
		 json_object_to_json_string_ext(jwk, JSON_C_TO_STRING_PLAIN));
	assert_int_equal(jose_jwks_parse(text, strlen(text), &set, err, sizeof(err)), 0);
	assert_null(jose_sign(&set.keys[0], "JWT", "{}", 2, err, sizeof(err)));
	assert_non_null(strstr(err, "private"));
	jose_keyset_clear(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_b64url, run_cleanups),
		cmocka_unit_test_teardown(test_sign_verify_both_algs, run_cleanups),
		cmocka_unit_test_teardown(test_es256_signature_is_raw, run_cleanups),
		cmocka_unit_test_teardown(test_header_members, run_cleanups),
		cmocka_unit_test_teardown(test_jwk_shape, run_cleanups),
		cmocka_unit_test_teardown(test_jwks_round_trip, run_cleanups),
		cmocka_unit_test_teardown(test_independent_verifier_accepts, run_cleanups),
		cmocka_unit_test_teardown(test_independent_signer_accepted, run_cleanups),
		cmocka_unit_test_teardown(test_tampering_refused, run_cleanups),
		cmocka_unit_test_teardown(test_alg_swaps_refused, run_cleanups),
		cmocka_unit_test_teardown(test_malformed_tokens_refused, run_cleanups),
		cmocka_unit_test_teardown(test_jwks_parse_strict, run_cleanups),
		cmocka_unit_test_teardown(test_keys_refused, run_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
