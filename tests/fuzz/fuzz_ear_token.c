/* fuzz_ear_token.c - libFuzzer harness for the signed-result checker:
 * lib/jose.c (compact JWS, JWK Sets) and evidence/ear.c (EAR claims).
 *
 * The first byte picks what the rest is:
 *   0  a token, checked by ear_check against a fixed ES256 + RS256 key set
 *      (the keys below are test keys, fixed so seeds can name their kids)
 *   1  a claims set, signed with the ES256 key and then checked: reaches the
 *      claims checks that a forged signature never would
 *   2  a JWK Set, parsed; one that parses must encode and parse again to
 *      the same kids (abort otherwise)
 */
#include "evidence/ear.h"
#include "lib/jose.h"

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char TEST_EC_KEY[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKfabY6HEzAZx1M5N\n"
	"IqfHviIdWwyTNm6sO6tJIV4tGd6hRANCAAT3ijn8JXEP3q2Jr/xSvvDA+gGOKAOm\n"
	"vcz6DdLaG4yU17EUyrRsJIaI2uGb8Sevkeo5Pi5rcQrlaDYO5VikRo5l\n"
	"-----END PRIVATE KEY-----\n";
static const char TEST_RSA_KEY[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCwWoKFMV2J12P5\n"
	"oUpeBxjVRfqDIXXJkLR5VbF+v22yCpDJ3OHp3EZQ7upB9KJ+fHjFZd2AsOZxtQxn\n"
	"TDJ8e9NtrSQ2U3AjsHL5hV1jlHuyhu+V2dhKFgMWOME3cdLHOs31jHnRmWjf80fJ\n"
	"BgnxwO916ecZQVLDNw5eagbWY75Gy5EFkAXFuRCovz5rZTEabzsQwdfQO2Sntk41\n"
	"iW26jqM+qTyuEm/vTaCQ8j2UwpeHwLHEVAne2dGx5Lu/oNMSAd6PBsCjLC44sDjn\n"
	"NAOQIRXgcmm+gTMOGzIU8HOKFh8WrOuucQBWpTcPX/IRKy0wcQ8mFGbeaqO3fQaj\n"
	"yF8/uG1xAgMBAAECggEACQpCuZArwtajPdcqSEKl37zsGA+9iX0c+0FMzXoDpgZL\n"
	"oMVtYT8U7a4pnQLs134K9NeBcMjgr0CAJ8Vsqxvv3SXsfsptK68uXaMcA/BHHQI0\n"
	"wuI9Z6LUOq3jHbP8gZD+oNE4J2ntSdmfOutP1DA3Njysx4slMnOejXFy80d+qANO\n"
	"l0J3JljHnThKGy2gnwYr2G04nzdP/U2hjdAaxIy7DZT2QEUBvZGS4C5AUMrzahXw\n"
	"Kye2MeST85PNu4njN8GJbpL5nN8T0PxwQWRHDrwE2TULRBU2Q4jDR8hSfWdd5HYq\n"
	"LNGSmkJAeu6iTC6veiq/re+kTgMY2e3kFuNZ+K/oBwKBgQDe4DPFV9Pd/OfYzURx\n"
	"5K8SOZ0/7BcvyqC0zs3Ns1E9aWAZJu9kn7hymDAz+1X7oGNXicYOoPGGM7VHpxM2\n"
	"xSXWP8tGE7aiqBqO8SWtUFRf8P59RO8nLiOndGvIZuskdkLaIniPZJkDcyeDJ5r9\n"
	"jmGSRiEfoXCYHZSxhvMQNFj3gwKBgQDKkERoTBErWxzoAF9S6mcgremlw8K6jQZy\n"
	"KWDc01i1U2/JLEjgq5KOCvXko1kpaGK0jxJROkRbycvViC3+7rsZVQfgOa31U/wZ\n"
	"ThELwtKl6m6D9FVTQdieIZimlg2UpMDj3XMOUKnOjXd5BelePeBBHlXJ81+Oec7h\n"
	"MDspx19A+wKBgQCws0J4aDyCWDuciImGXs9qfKEuh8iOTHEDSJ6kQlHbhYr6BgNw\n"
	"XK1ItV4qKE8wMyXvxjxvZqx2QNKtn0m9d6qa5XMM+R4ocWy0/X1onjJ26kNqH9gX\n"
	"0R3Vapj1hptRCi3QcdnxnckukgK2mhToiBTVeqJSSJVTFMjJwvs8UrRibwKBgQCO\n"
	"iihpECYA0VOs+h4Z9bJuL5M7v1528af4i5+KpPpGVplSAeSinHk7lQDlTAEA/2B9\n"
	"2DO2jv7tbDoQX4ymWQ21zL0HDu+Xs+qxT9r04LpkYGw2VKf6N1qcI94MU4jo8Wp+\n"
	"riU5jI+BNtE8i2lllLsKd7M8shKq6pImqk7nnlEsIwKBgQCj8lSIyxtnzgjDNdEq\n"
	"6W2ksJ1ehB2C2tXTUM8n8Lgl0L/H1aDLhoDlMR7v/b68JY/BmDlyb/+pMv7d0QDO\n"
	"41+pgcoYm8JxvqKU4JawV40H3OcmNVqGmd/gmqCRe/RnW7mlU774s0deypNiFrFI\n"
	"yhxgyPQ3Uq5rj5RF6BbqPFzgFw==\n"
	"-----END PRIVATE KEY-----\n";

static struct jose_keyset keys;
static struct jose_key signer;

static void add_key(const char *pem, struct jose_key *out)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	struct jose_key key;
	char err[256];

	if (!pkey || jose_key_from_pkey(pkey, &key, err, sizeof(err)) ||
	    jose_keyset_add(&keys, &key, err, sizeof(err)))
		abort();
	if (out)
		*out = key;
	else
		jose_key_clear(&key);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
}

static void setup(void)
{
	add_key(TEST_EC_KEY, &signer);
	add_key(TEST_RSA_KEY, NULL);
}

static void check_token(const char *text, size_t len)
{
	struct ear_checked checked;
	char err[256];

	if (ear_check(text, len, &keys, &checked, err, sizeof(err)) == 0)
		ear_checked_clear(&checked);
}

static void jwks_round_trip(const char *text, size_t len)
{
	struct jose_keyset set, again;
	struct json_object *doc;
	const char *out;
	char err[256];

	if (jose_jwks_parse(text, len, &set, err, sizeof(err)))
		return;
	doc = jose_jwks(&set);
	if (!doc)
		abort();
	out = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	if (jose_jwks_parse(out, strlen(out), &again, err, sizeof(err)) || again.count != set.count)
		abort();
	for (size_t i = 0; i < set.count; i++) {
		if (strcmp(set.keys[i].kid, again.keys[i].kid) != 0 ||
		    !jose_key_same_public(&set.keys[i], &again.keys[i]))
			abort();
	}
	json_object_put(doc);
	jose_keyset_clear(&again);
	jose_keyset_clear(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *text = (const char *)data + 1;
	char err[256];
	char *token;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size > JOSE_TOKEN_MAX)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_token(text, size - 1);
		break;
	case 1:
		token = jose_sign(&signer, EAR_JWT_TYP, text, size - 1, err, sizeof(err));
		if (!token)
			abort();
		check_token(token, strlen(token));
		free(token);
		break;
	default:
		jwks_round_trip(text, size - 1);
		break;
	}
	return 0;
}
