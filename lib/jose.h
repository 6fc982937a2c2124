/* jose.h - the small part of JOSE that signed results need: compact JWS
 * (RFC 7515) signed and checked with ES256 or RS256 (RFC 7518), public keys
 * as JWK and JWK Sets (RFC 7517) named by their RFC 7638 thumbprint, and a
 * strict reader of JWK Sets for whoever checks a token.
 *
 * The checker is strict on purpose, because a token and a key set come from
 * elsewhere: the header's alg must be the one of the key its kid names (no
 * "none", no HMAC, no swapping ES256 for RS256), kid is required, crit and
 * the header members that carry or point to a key (jwk, jku, x5c, x5u) are
 * refused, every segment must be canonical unpadded base64url, an ES256
 * signature is exactly the 64 bytes r || s, and every size is bounded. The
 * payload is parsed only after its signature verified. */
#ifndef TEEV_JOSE_H
#define TEEV_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
typedef struct evp_pkey_st EVP_PKEY;

/* Bounds on what a checker reads. A token is at most JOSE_TOKEN_MAX
 * characters; its decoded header at most JOSE_HEADER_MAX bytes. */
#define JOSE_TOKEN_MAX ((size_t)256 * 1024)
#define JOSE_HEADER_MAX ((size_t)2048)
#define JOSE_JWKS_MAX ((size_t)64 * 1024)
#define JOSE_KEYSET_MAX 16
#define JOSE_KID_MAX 128
#define JOSE_JSON_DEPTH 32
#define JOSE_RSA_MIN_BITS 2048
#define JOSE_RSA_MAX_BITS 8192

enum jose_alg {
	JOSE_ES256 = 1, /* ECDSA P-256 with SHA-256, signature r || s */
	JOSE_RS256 = 2, /* RSASSA-PKCS1-v1_5 with SHA-256 */
};

struct jose_key {
	EVP_PKEY *pkey; /* owned reference; NULL: empty slot */
	enum jose_alg alg;
	bool has_private;
	char kid[JOSE_KID_MAX + 1];
};

struct jose_keyset {
	size_t count;
	struct jose_key keys[JOSE_KEYSET_MAX];
};

/* A token whose signature verified. header and payload are owned JSON
 * objects; payload is the JWT claims set. */
struct jose_verified {
	enum jose_alg alg;
	char kid[JOSE_KID_MAX + 1];
	struct json_object *header;
	struct json_object *payload;
};

/* "ES256" / "RS256". */
const char *jose_alg_name(enum jose_alg alg);
/* The alg named by text, or 0 when teev does not sign or check with it. */
enum jose_alg jose_alg_from_name(const char *text);

/* Unpadded base64url (RFC 7515 §2). encode returns a malloc'd string (NULL
 * when out of memory); decode a malloc'd buffer or NULL when the text is
 * not canonical unpadded base64url. */
char *jose_b64url_encode(const uint8_t *in, size_t len);
uint8_t *jose_b64url_decode(const char *in, size_t len, size_t *out_len);

/* Wraps an EC P-256 or RSA (2048 to 8192 bits) key: takes a reference of
 * its own, derives the alg from the key type and names it by its RFC 7638
 * thumbprint. Other keys are refused with a reason in err. */
int jose_key_from_pkey(EVP_PKEY *pkey, struct jose_key *out, char *err, size_t cap);
void jose_key_clear(struct jose_key *key);
/* The RFC 7638 SHA-256 thumbprint of the key's public part, base64url (43
 * characters and a NUL in out). */
int jose_thumbprint(EVP_PKEY *pkey, char out[44]);
/* True when both keys have the same public part. */
bool jose_key_same_public(const struct jose_key *a, const struct jose_key *b);

/* The public JWK of key: kty, crv/x/y or n/e, kid, alg and "use": "sig". */
struct json_object *jose_jwk_public(const struct jose_key *key);

/* Adds a reference to key (public part only is published). Refuses a
 * full set and a kid already present. */
int jose_keyset_add(struct jose_keyset *set, const struct jose_key *key, char *err, size_t cap);
void jose_keyset_clear(struct jose_keyset *set);
/* {"keys": [JWK, ...]} in the set's order. */
struct json_object *jose_jwks(const struct jose_keyset *set);

/* Reads a JWK Set (RFC 7517 §5) into out. Keys whose kty, crv, use or
 * key_ops teev cannot verify with are skipped, as §5 asks; a malformed EC
 * or RSA key, private key material, two keys with one kid, or a set with
 * no usable key is refused. A key without kid gets its thumbprint. */
int jose_jwks_parse(const char *text, size_t len, struct jose_keyset *out, char *err, size_t cap);

/* Signs payload[0..len) with key (which must hold a private key) into a
 * compact JWS with the header {"alg", "kid", "typ"}. Returns a malloc'd
 * token, or NULL with err. */
char *jose_sign(const struct jose_key *key, const char *typ, const char *payload, size_t len,
		char *err, size_t cap);

/* Checks token[0..len) against keys. 0 and out filled when the signature
 * verifies with the key its kid names and the payload is a JSON object; -1
 * and a one-line reason in err otherwise. */
int jose_verify(const char *token, size_t len, const struct jose_keyset *keys,
		struct jose_verified *out, char *err, size_t cap);
void jose_verified_clear(struct jose_verified *v);

#endif
