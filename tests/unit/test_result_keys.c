/* test_result_keys.c - unit tests for certs/result_keys.c: creating the
 * result-signing key files (modes, never overwriting, restoring the public
 * file), loading them, and rotation: a token signed before a rotation keeps
 * verifying through the published JWK Set (checked by teev and by PyJWT)
 * until the operator drops the old key from result-signing-previous.pem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "certs/result_keys.h"
#include "tests/support/jose_testing.h"
#include "tests/support/test_cleanup.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char PAYLOAD[] = "{\"eat_profile\":\"x\"}";

static void keys_release(void *p)
{
	result_keys_put(p);
}

static void keyset_release(void *p)
{
	jose_keyset_clear(p);
	free(p);
}

static struct result_keys *load(const char *dir)
{
	char err[512];
	struct result_keys *keys = result_keys_load(dir, err, sizeof(err));

	if (!keys)
		fail_msg("result_keys_load: %s", err);
	return defer(keys_release, keys);
}

static void assert_load_refused(const char *dir, const char *why_part)
{
	char err[512];
	struct result_keys *keys = result_keys_load(dir, err, sizeof(err));

	if (keys) {
		result_keys_put(keys);
		fail_msg("loaded %s", dir);
	}
	if (!strstr(err, why_part))
		fail_msg("refused for \"%s\", expected \"%s\"", err, why_part);
}

static const char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return defer(free, p);
}

static int mode_of(const char *dir, const char *name)
{
	struct stat st;

	assert_int_equal(stat(path_in(dir, name), &st), 0);
	return (int)(st.st_mode & 07777);
}

static void create(const char *dir, enum jose_alg alg, int want_created)
{
	char err[512];
	int created = 0;

	if (result_keys_create(dir, alg, &created, err, sizeof(err)))
		fail_msg("result_keys_create: %s", err);
	assert_int_equal(created, want_created);
}

static char *sign(const struct result_keys *keys)
{
	char err[256];
	char *token = jose_sign(&keys->current, "JWT", PAYLOAD, strlen(PAYLOAD), err, sizeof(err));

	assert_non_null(token);
	return defer(free, token);
}

/* The published JWK Set as text, parsed back the way a relying party would. */
static const char *publish(const struct result_keys *keys, struct jose_keyset **parsed)
{
	struct json_object *doc = jose_jwks(&keys->published);
	char *text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	char err[256];

	json_object_put(doc);
	assert_non_null(text);
	defer(free, text);
	*parsed = calloc(1, sizeof(**parsed));
	assert_non_null(*parsed);
	defer(keyset_release, *parsed);
	assert_int_equal(jose_jwks_parse(text, strlen(text), *parsed, err, sizeof(err)), 0);
	return text;
}

static int verifies(const struct jose_keyset *set, const char *token)
{
	struct jose_verified v;
	char err[256];
	int rc = jose_verify(token, strlen(token), set, &v, err, sizeof(err));

	jose_verified_clear(&v);
	return rc == 0;
}

static void test_create_files_and_modes(void **state)
{
	const char *dir = jt_tmpdir();
	struct result_keys *keys;

	(void)state;
	create(dir, JOSE_ES256, 2);
	assert_int_equal(mode_of(dir, RESULT_KEY_PRIVATE_FILE), 0600);
	assert_int_equal(mode_of(dir, RESULT_KEY_PUBLIC_FILE), 0644);
	assert_non_null(
		strstr(jt_read(path_in(dir, RESULT_KEY_PRIVATE_FILE)), "BEGIN PRIVATE KEY"));
	keys = load(dir);
	assert_int_equal(keys->current.alg, JOSE_ES256);
	assert_true(keys->current.has_private);
	assert_int_equal(keys->published.count, 1);
	assert_string_equal(keys->published.keys[0].kid, keys->current.kid);
	/* Again: nothing is written, the key stays. */
	char kid[JOSE_KID_MAX + 1];
	snprintf(kid, sizeof(kid), "%s", keys->current.kid);
	create(dir, JOSE_RS256, 0);
	assert_string_equal(load(dir)->current.kid, kid);
	/* The public file comes back from the private key. */
	assert_int_equal(unlink(path_in(dir, RESULT_KEY_PUBLIC_FILE)), 0);
	create(dir, JOSE_ES256, 1);
	assert_string_equal(load(dir)->current.kid, kid);
	/* A public file without its private key is refused. */
	assert_int_equal(unlink(path_in(dir, RESULT_KEY_PRIVATE_FILE)), 0);
	char err[512];
	int created = 0;
	assert_int_equal(result_keys_create(dir, JOSE_ES256, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing"));
	assert_int_equal(created, 0);
}

static void test_create_rs256(void **state)
{
	const char *dir = jt_tmpdir();
	struct result_keys *keys;

	(void)state;
	create(dir, JOSE_RS256, 2);
	keys = load(dir);
	assert_int_equal(keys->current.alg, JOSE_RS256);
	assert_int_equal(EVP_PKEY_get_bits(keys->current.pkey), RESULT_KEY_RSA_BITS);
}

/* Rotation keeps the old token verifiable until its key is dropped. */
static void test_rotation_and_drop(void **state)
{
	const char *dir = jt_tmpdir();
	struct jose_keyset *before, *after, *dropped;
	struct result_keys *keys;
	const char *old_token, *new_token, *jwks;
	char err[512];

	(void)state;
	create(dir, JOSE_ES256, 2);
	keys = load(dir);
	old_token = jt_write(dir, "old.jwt", sign(keys));
	publish(keys, &before);
	assert_true(verifies(before, jt_read(old_token)));

	assert_int_equal(result_keys_rotate(dir, 0, err, sizeof(err)), 0);
	keys = load(dir);
	assert_int_equal(keys->published.count, 2);
	assert_string_not_equal(keys->current.kid, before->keys[0].kid);
	assert_string_equal(keys->published.keys[1].kid, before->keys[0].kid);
	new_token = jt_write(dir, "new.jwt", sign(keys));
	jwks = jt_write(dir, "jwks.json", publish(keys, &after));
	assert_true(verifies(after, jt_read(old_token)));
	assert_true(verifies(after, jt_read(new_token)));
	assert_false(verifies(before, jt_read(new_token)));
	assert_int_equal(jt_python(NULL, "verify", jwks, old_token, NULL), 0);
	assert_int_equal(jt_python(NULL, "verify", jwks, new_token, NULL), 0);
	assert_int_equal(jt_python(NULL, "thumbprints", jwks, NULL), 0);

	/* A second rotation, to RS256: both earlier keys stay published. */
	assert_int_equal(result_keys_rotate(dir, JOSE_RS256, err, sizeof(err)), 0);
	keys = load(dir);
	assert_int_equal(keys->current.alg, JOSE_RS256);
	assert_int_equal(keys->published.count, 3);

	/* The operator drops the old keys: old tokens stop verifying. */
	jt_write(dir, RESULT_KEY_PREVIOUS_FILE, "");
	keys = load(dir);
	assert_int_equal(keys->published.count, 1);
	jwks = jt_write(dir, "jwks.json", publish(keys, &dropped));
	assert_false(verifies(dropped, jt_read(old_token)));
	assert_false(verifies(dropped, jt_read(new_token)));
	assert_int_equal(jt_python(NULL, "verify", jwks, old_token, NULL), 1);
	assert_int_equal(unlink(path_in(dir, RESULT_KEY_PREVIOUS_FILE)), 0);
	assert_int_equal(load(dir)->published.count, 1);
}

/* A rotation stopped after the previous file was written: the current key
 * is in both places and is published once. */
static void test_interrupted_rotation(void **state)
{
	const char *dir = jt_tmpdir();

	(void)state;
	create(dir, JOSE_ES256, 2);
	jt_write(dir, RESULT_KEY_PREVIOUS_FILE, jt_read(path_in(dir, RESULT_KEY_PUBLIC_FILE)));
	assert_int_equal(load(dir)->published.count, 1);
}

static void test_previous_file_limits(void **state)
{
	const char *dir = jt_tmpdir();
	const char *other = jt_tmpdir();
	char err[512];
	char *many = NULL;

	(void)state;
	create(dir, JOSE_ES256, 2);
	create(other, JOSE_ES256, 2);
	/* A private key does not belong in the previous file. */
	jt_write(dir, RESULT_KEY_PREVIOUS_FILE, jt_read(path_in(other, RESULT_KEY_PRIVATE_FILE)));
	assert_load_refused(dir, "only PUBLIC KEY");
	jt_write(dir, RESULT_KEY_PREVIOUS_FILE, "-----BEGIN PUBLIC KEY-----\nAAAA\n");
	assert_load_refused(dir, "does not parse");
	/* The public file must be the private key's. */
	jt_write(dir, RESULT_KEY_PREVIOUS_FILE, "");
	jt_write(dir, RESULT_KEY_PUBLIC_FILE, jt_read(path_in(other, RESULT_KEY_PUBLIC_FILE)));
	assert_load_refused(dir, "does not belong");
	assert_int_equal(unlink(path_in(dir, RESULT_KEY_PUBLIC_FILE)), 0);
	create(dir, JOSE_ES256, 1);
	/* Eight previous keys: loads, but a rotation is refused until one is dropped. */
	for (int i = 0; i < RESULT_KEYS_PREVIOUS_MAX; i++) {
		assert_int_equal(result_keys_rotate(dir, 0, err, sizeof(err)), 0);
	}
	assert_int_equal(load(dir)->published.count, RESULT_KEYS_PREVIOUS_MAX + 1);
	assert_int_equal(result_keys_rotate(dir, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "drop the oldest"));
	/* Nine are refused at load. */
	assert_true(asprintf(&many, "%s%s", jt_read(path_in(dir, RESULT_KEY_PREVIOUS_FILE)),
			     jt_read(path_in(other, RESULT_KEY_PUBLIC_FILE))) > 0);
	jt_write(dir, RESULT_KEY_PREVIOUS_FILE, defer(free, many));
	assert_load_refused(dir, "at most");
	assert_int_equal(unlink(path_in(other, RESULT_KEY_PRIVATE_FILE)), 0);
	assert_load_refused(other, "cannot open");
	jt_write(other, RESULT_KEY_PRIVATE_FILE, jt_read(path_in(other, RESULT_KEY_PUBLIC_FILE)));
	assert_load_refused(other, "not an unencrypted PEM private key");
}

/* What a relying party on the verifier host reads: the public files only. */
static void test_load_public(void **state)
{
	const char *dir = jt_tmpdir();
	struct jose_keyset set;
	struct result_keys *keys;
	char err[512];
	const char *old_token;

	(void)state;
	create(dir, JOSE_ES256, 2);
	old_token = sign(load(dir));
	assert_int_equal(result_keys_rotate(dir, 0, err, sizeof(err)), 0);
	keys = load(dir);
	assert_int_equal(unlink(path_in(dir, RESULT_KEY_PRIVATE_FILE)), 0);
	assert_int_equal(result_keys_load_public(dir, &set, err, sizeof(err)), 0);
	assert_int_equal(set.count, 2);
	assert_string_equal(set.keys[0].kid, keys->current.kid);
	assert_false(set.keys[0].has_private);
	assert_true(verifies(&set, old_token));
	assert_true(verifies(&set, sign(keys)));
	jose_keyset_clear(&set);
	assert_int_equal(unlink(path_in(dir, RESULT_KEY_PUBLIC_FILE)), 0);
	assert_int_equal(result_keys_load_public(dir, &set, err, sizeof(err)), -1);
}

static void test_refcount(void **state)
{
	const char *dir = jt_tmpdir();
	char err[512];
	struct result_keys *keys;

	(void)state;
	create(dir, JOSE_ES256, 2);
	keys = result_keys_load(dir, err, sizeof(err));
	assert_non_null(keys);
	assert_ptr_equal(result_keys_get(keys), keys);
	result_keys_put(keys);
	/* Still usable: one reference is left. */
	assert_non_null(sign(keys));
	result_keys_put(keys);
	result_keys_put(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_create_files_and_modes, run_cleanups),
		cmocka_unit_test_teardown(test_create_rs256, run_cleanups),
		cmocka_unit_test_teardown(test_rotation_and_drop, run_cleanups),
		cmocka_unit_test_teardown(test_interrupted_rotation, run_cleanups),
		cmocka_unit_test_teardown(test_previous_file_limits, run_cleanups),
		cmocka_unit_test_teardown(test_load_public, run_cleanups),
		cmocka_unit_test_teardown(test_refcount, run_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
