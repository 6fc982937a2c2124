/* test_verify_result.c - the real `teev` binary: `certs init` writes the
 * result-signing key, `certs rotate-result-key` rotates it, and
 * `verify-result` checks EAR tokens signed with it, from the CA folder, a
 * JWK Set file, PEM, standard input and a JWK Set fetched over HTTPS (served
 * by `openssl s_server`), with the exit codes the usage promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "certs/result_keys.h"
#include "evidence/ear.h"
#include "tests/integration/harness.h"
#include "verifier/verdict.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NONCE "q2pDkyPAeIlSplBDWJWtBVNGNzbVsMmNdV2X3+wX0DA="

struct fixture {
	char dir[64]; /* the CA folder lives in dir/ca */
	char ca[96];
};

static const char *teev(void)
{
	return harness_env("TEEV_BIN", "build/teev");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/teev-vr-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->ca, sizeof(f->ca), "%s/ca", f->dir);
	const char *argv[] = {teev(), "certs", "init", f->ca, NULL};
	if (harness_run_capture(argv, NULL, NULL) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* A token signed with the folder's current key, for one SNP verdict. */
static char *sign_token(const char *ca, enum verdict_status status, int64_t iat)
{
	char err[512];
	struct result_keys *keys = result_keys_load(ca, err, sizeof(err));
	struct verdict v;
	struct ear_input in = {.build = "teev test", .iat = iat, .nonce = NONCE, .count = 1};
	char *token;

	if (!keys)
		fail_msg("result_keys_load: %s", err);
	verdict_init(&v);
	v.status = status;
	if (status == VERDICT_FAIL)
		failures_add(&v.failures, "tee_attestation.invalid_signature", "bad");
	in.appraisals[0].kind = EAR_SNP;
	in.appraisals[0].verdict = &v;
	token = ear_sign(&in, &keys->current, err, sizeof(err));
	if (!token)
		fail_msg("ear_sign: %s", err);
	verdict_clear(&v);
	result_keys_put(keys);
	return token;
}

static char *write_text(const struct fixture *f, const char *name, const char *text)
{
	char *path = NULL;
	FILE *fp;

	assert_true(asprintf(&path, "%s/%s", f->dir, name) > 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Runs teev verify-result with args (NULL-terminated); returns the exit status. */
static int verify_result(char **out, const char *arg, ...)
{
	const char *argv[24] = {teev(), "verify-result"};
	size_t n = 2;
	va_list ap;
	char *err = NULL;
	int rc;

	va_start(ap, arg);
	for (const char *a = arg; a && n < 23; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	rc = harness_run_capture(argv, out, &err);
	free(err);
	return rc;
}

static void assert_member(const char *out, const char *name, const char *value)
{
	struct json_object *doc = json_tokener_parse(out), *v = NULL;

	if (!doc || !json_object_object_get_ex(doc, name, &v))
		fail_msg("no \"%s\" in %s", name, out);
	assert_string_equal(json_object_get_string(v), value);
	json_object_put(doc);
}

static void test_certs_init_writes_result_key(void **state)
{
	struct fixture *f = *state;
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->ca, RESULT_KEY_PRIVATE_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/%s", f->ca, RESULT_KEY_PUBLIC_FILE);
	assert_int_equal(stat(path, &st), 0);
}

static void test_offline_sources(void **state)
{
	struct fixture *f = *state;
	char *token = sign_token(f->ca, VERDICT_PASS, time(NULL));
	char *token_file = write_text(f, "token", token);
	char *out = NULL, *pem = NULL, *jwks_text, *jwks, *cmd = NULL;
	struct jose_keyset set;
	struct json_object *doc;
	char err[256];

	/* The CA folder's public files. */
	assert_int_equal(verify_result(&out, token, "--keys-dir", f->ca, NULL), 0);
	assert_member(out, "status", "affirming");
	assert_member(out, "affirming", "true");
	free(out);
	/* A PEM file, and a JWK Set file. */
	assert_true(asprintf(&pem, "%s/%s", f->ca, RESULT_KEY_PUBLIC_FILE) > 0);
	assert_int_equal(verify_result(NULL, token, "--jwks", pem, NULL), 0);
	assert_int_equal(result_keys_load_public(f->ca, &set, err, sizeof(err)), 0);
	doc = jose_jwks(&set);
	jwks_text = strdup(json_object_to_json_string(doc));
	json_object_put(doc);
	jose_keyset_clear(&set);
	jwks = write_text(f, "jwks.json", jwks_text);
	assert_int_equal(verify_result(NULL, token, "--jwks", jwks, NULL), 0);
	/* Standard input. */
	assert_true(asprintf(&cmd, "'%s' verify-result - --jwks '%s' < '%s'", teev(), jwks,
			     token_file) > 0);
	const char *sh[] = {"/bin/sh", "-c", cmd, NULL};
	assert_int_equal(harness_run_capture(sh, NULL, NULL), 0);
	/* The relying party's nonce and age checks. */
	assert_int_equal(verify_result(NULL, token, "--jwks", jwks, "--nonce", NONCE, NULL), 0);
	assert_int_equal(verify_result(&out, token, "--jwks", jwks, "--nonce", "other-nonce", NULL),
			 1);
	assert_member(out, "valid", "true");
	assert_member(out, "affirming", "false");
	free(out);
	free(token);
	token = sign_token(f->ca, VERDICT_PASS, time(NULL) - 3600);
	assert_int_equal(verify_result(NULL, token, "--jwks", jwks, "--max-age", "60", NULL), 1);
	assert_int_equal(verify_result(NULL, token, "--jwks", jwks, "--max-age", "7200", NULL), 0);
	free(token);
	free(cmd);
	free(jwks);
	free(jwks_text);
	free(pem);
	free(token_file);
}

static void test_not_affirming_and_invalid(void **state)
{
	struct fixture *f = *state;
	char *token = sign_token(f->ca, VERDICT_FAIL, time(NULL));
	char *out = NULL;

	assert_int_equal(verify_result(&out, token, "--keys-dir", f->ca, NULL), 1);
	assert_member(out, "valid", "true");
	assert_member(out, "status", "contraindicated");
	free(out);
	/* A flipped signature character. */
	token[strlen(token) - 3] = token[strlen(token) - 3] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_result(&out, token, "--keys-dir", f->ca, NULL), 1);
	assert_member(out, "valid", "false");
	free(out);
	free(token);
	/* Usage and unreadable keys. */
	assert_int_equal(verify_result(NULL, NULL), 2);
	assert_int_equal(verify_result(NULL, "x.y.z", "--jwks", "/nonexistent/jwks.json", NULL), 2);
	assert_int_equal(verify_result(NULL, "x.y.z", "--jwks", "http://127.0.0.1:1/jwks", NULL),
			 2);
	assert_int_equal(verify_result(NULL, "x.y.z", "--max-age", "soon", NULL), 2);
	assert_int_equal(verify_result(NULL, "x.y.z", "--cert", "c.pem", NULL), 2);
}

static void test_rotation_through_cli(void **state)
{
	struct fixture *f = *state;
	char *old = sign_token(f->ca, VERDICT_PASS, time(NULL));
	char *fresh, previous[160];
	const char *rotate[] = {teev(), "certs", "rotate-result-key", f->ca, NULL};

	assert_int_equal(harness_run_capture(rotate, NULL, NULL), 0);
	fresh = sign_token(f->ca, VERDICT_PASS, time(NULL));
	assert_int_equal(verify_result(NULL, old, "--keys-dir", f->ca, NULL), 0);
	assert_int_equal(verify_result(NULL, fresh, "--keys-dir", f->ca, NULL), 0);
	/* Dropped by the operator: the old token no longer verifies. */
	snprintf(previous, sizeof(previous), "%s/%s", f->ca, RESULT_KEY_PREVIOUS_FILE);
	assert_int_equal(unlink(previous), 0);
	assert_int_equal(verify_result(NULL, old, "--keys-dir", f->ca, NULL), 1);
	assert_int_equal(verify_result(NULL, fresh, "--keys-dir", f->ca, NULL), 0);
	free(old);
	free(fresh);
}

/* Waits until something listens on 127.0.0.1:port. */
static int wait_listening(unsigned port)
{
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		int ok;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		usleep(50000);
	}
	return -1;
}

static void test_jwks_over_https(void **state)
{
	struct fixture *f = *state;
	char *token = sign_token(f->ca, VERDICT_PASS, time(NULL));
	char accept[32], cert[160], key[160], cacert[160], url[96], err[256];
	unsigned port = harness_free_port();
	struct jose_keyset set;
	struct json_object *doc;
	char *jwks;
	pid_t pid;
	int status;

	assert_int_equal(result_keys_load_public(f->ca, &set, err, sizeof(err)), 0);
	doc = jose_jwks(&set);
	jwks = write_text(f, "jwks.json", json_object_to_json_string(doc));
	json_object_put(doc);
	jose_keyset_clear(&set);
	snprintf(accept, sizeof(accept), "127.0.0.1:%u", port);
	snprintf(cert, sizeof(cert), "%s/server-cert.crt", f->ca);
	snprintf(key, sizeof(key), "%s/server-private.pem", f->ca);
	snprintf(cacert, sizeof(cacert), "%s/cacert.crt", f->ca);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* -WWW serves files from the current folder. */
		if (chdir(f->dir) != 0)
			_exit(127);
		execlp("openssl", "openssl", "s_server", "-WWW", "-quiet", "-accept", accept,
		       "-cert", cert, "-key", key, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(wait_listening(port), 0);
	snprintf(url, sizeof(url), "https://localhost:%u/jwks.json", port);
	assert_int_equal(verify_result(NULL, token, "--jwks", url, "--cacert", cacert, NULL), 0);
	/* The server certificate is verified: without its CA the keys are not read. */
	assert_int_equal(verify_result(NULL, token, "--jwks", url, NULL), 2);
	snprintf(url, sizeof(url), "https://localhost:%u/missing.json", port);
	assert_int_equal(verify_result(NULL, token, "--jwks", url, "--cacert", cacert, NULL), 2);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	free(jwks);
	free(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_certs_init_writes_result_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_affirming_and_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_through_cli, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jwks_over_https, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
