/* test_hardening.c - what an adversary on the network or a broken disk can
 * do to the server: 200 idle TLS connections and a slowloris client must
 * not delay a well-behaved client; idle and stalled connections are closed
 * after connection_timeout; client certificates that are expired, not yet
 * valid or issued for another purpose are refused, as are TLS 1.0/1.1; a
 * database that is corrupted or newer than the binary stops the start with a
 * clear message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_CONNECTIONS 200

struct suite {
	struct teev_server server; /* connection_timeout = 2 */
	struct client_identity client;
	SSL_CTX *tls;              /* a client context with the good client certificate */
};

static int suite_teardown(void **state);

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char path[400];

	if (!s)
		return -1;
	*state = s;
	/* Room for the idle crowd plus the test's own connections, all from
	 * one address. */
	if (harness_start(&s->server, "connection_timeout = 2\nmax_connections = 512\n"
				      "per_ip_connection_limit = 512\n"))
		return -1;
	harness_identity(s->server.ca_dir, "client", &s->client);
	s->tls = SSL_CTX_new(TLS_client_method());
	if (!s->tls)
		return -1;
	snprintf(path, sizeof(path), "%s/cacert.crt", s->server.ca_dir);
	SSL_CTX_load_verify_locations(s->tls, path, NULL);
	SSL_CTX_set_verify(s->tls, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_use_certificate_file(s->tls, s->client.cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(s->tls, s->client.key, SSL_FILETYPE_PEM) != 1)
		return -1;
	return 0;
}

static int suite_teardown(void **state)
{
	struct suite *s = *state;
	int rc;

	if (!s)
		return -1;
	rc = harness_stop(&s->server);
	SSL_CTX_free(s->tls);
	free(s);
	return rc == 0 ? 0 : -1;
}

static int connect_tcp(unsigned port)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timeval timeout = {5, 0};

	inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A completed TLS handshake (client certificate included) on a new socket. */
static SSL *tls_connect(SSL_CTX *ctx, unsigned port, int *fd_out)
{
	int fd = connect_tcp(port);
	SSL *ssl;

	if (fd < 0)
		return NULL;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		close(fd);
		ERR_clear_error();
		return NULL;
	}
	*fd_out = fd;
	return ssl;
}

static double elapsed_ms(const struct timespec *from)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - from->tv_sec) * 1e3 + (double)(now.tv_nsec - from->tv_nsec) / 1e6;
}

static void test_idle_crowd_and_slowloris(void **state)
{
	struct suite *s = *state;
	SSL *idle[IDLE_CONNECTIONS];
	int fds[IDLE_CONNECTIONS];
	int slow_fd = -1;
	SSL *slow;
	size_t open_count = 0;
	struct timespec start;
	struct http_result r;
	static const char partial[] = "POST /v2.5/verify/evidence HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n";

	for (size_t i = 0; i < IDLE_CONNECTIONS; i++) {
		idle[i] = tls_connect(s->tls, s->server.port, &fds[i]);
		if (idle[i])
			open_count++;
	}
	assert_int_equal(open_count, IDLE_CONNECTIONS);
	/* Slowloris: a request trickling in a few bytes at a time. */
	slow = tls_connect(s->tls, s->server.port, &slow_fd);
	assert_non_null(slow);
	for (size_t i = 0; i < 8; i++)
		assert_true(SSL_write(slow, partial + i, 1) == 1);

	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(harness_request(&s->server, &s->client, "GET", "/version", NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	/* A blocked server would make it wait for connection_timeout (2 s). */
	assert_true(elapsed_ms(&start) < 1000);
	http_result_free(&r);

	/* Deadlines: after connection_timeout the server has closed the idle
	 * connections and the stalled one. */
	sleep(4);
	size_t closed = 0;
	for (size_t i = 0; i < IDLE_CONNECTIONS; i++) {
		char byte;
		int n = SSL_read(idle[i], &byte, 1); /* 0 or error: the peer went away */
		closed += n <= 0;
		ERR_clear_error();
		SSL_free(idle[i]);
		close(fds[i]);
	}
	char byte;
	assert_true(SSL_read(slow, &byte, 1) <= 0);
	ERR_clear_error();
	SSL_free(slow);
	close(slow_fd);
	assert_int_equal(closed, IDLE_CONNECTIONS);
	assert_true(harness_alive(&s->server));
}

/* A TCP connection that never starts a handshake is closed in time too. */
static void test_stalled_handshake_is_closed(void **state)
{
	struct suite *s = *state;
	int fd = connect_tcp(s->server.port);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[64];
	ssize_t n;
	size_t total = 0;

	assert_true(fd >= 0);
	/* The server may send a TLS alert before closing; then EOF, within 5 s. */
	for (;;) {
		assert_int_equal(poll(&p, 1, 5000), 1);
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		total += (size_t)n;
		assert_true(total < 64); /* an alert, not a stream of data */
	}
	close(fd);
}

/* Issues a client certificate from the server's CA with the given validity
 * (offsets from now, seconds) and extended key usage; writes cert and key. */
static void issue_client_cert(struct suite *s, const char *prefix, long not_before, long not_after,
			      int eku_nid, struct client_identity *id)
{
	char path[400];
	FILE *fp;
	X509 *ca;
	EVP_PKEY *ca_key, *key = EVP_RSA_gen(2048);
	X509 *cert = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	snprintf(path, sizeof(path), "%s/cacert.crt", s->server.ca_dir);
	fp = fopen(path, "r");
	ca = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/ca-private.pem", s->server.ca_dir);
	fp = fopen(path, "r");
	ca_key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(ca);
	assert_non_null(ca_key);
	assert_non_null(key);

	X509_set_version(cert, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)time(NULL) + eku_nid + not_before);
	X509_gmtime_adj(X509_getm_notBefore(cert), not_before);
	X509_gmtime_adj(X509_getm_notAfter(cert), not_after);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
				   (const unsigned char *)"client", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(ca));
	X509_set_pubkey(cert, key);
	X509V3_set_ctx(&v3, ca, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage,
				  eku_nid == NID_client_auth ? "clientAuth" : "emailProtection");
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(cert, ca_key, EVP_sha256()) > 0);

	memset(id, 0, sizeof(*id));
	snprintf(id->cert, sizeof(id->cert), "%s/%s-cert.crt", s->server.dir, prefix);
	snprintf(id->key, sizeof(id->key), "%s/%s-private.pem", s->server.dir, prefix);
	fp = fopen(id->cert, "w");
	PEM_write_X509(fp, cert);
	fclose(fp);
	fp = fopen(id->key, "w");
	PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
	fclose(fp);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
}

static void assert_refused(struct suite *s, const struct client_identity *id, const char *why)
{
	struct http_result r;

	assert_int_equal(harness_request(&s->server, id, "GET", "/version", NULL, 0, &r), 0);
	if (r.status != 0 && r.status != 401 && r.status != 403)
		fail_msg("%s: expected a refusal, got %ld %s", why, r.status, r.body);
	http_result_free(&r);
}

static void test_bad_client_certificates(void **state)
{
	struct suite *s = *state;
	struct client_identity expired, future, wrong_purpose, good;
	struct http_result r;

	issue_client_cert(s, "expired", -7200, -3600, NID_client_auth, &expired);
	issue_client_cert(s, "future", 3600, 7200, NID_client_auth, &future);
	issue_client_cert(s, "email", -3600, 3600, NID_email_protect, &wrong_purpose);
	issue_client_cert(s, "good", -3600, 3600, NID_client_auth, &good);
	assert_refused(s, &expired, "expired");
	assert_refused(s, &future, "not yet valid");
	assert_refused(s, &wrong_purpose, "extendedKeyUsage emailProtection");
	/* The same CA, right purpose, in its validity: accepted (the refusals
	 * above are about the certificates, not the CA). */
	assert_int_equal(harness_request(&s->server, &good, "GET", "/version", NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	http_result_free(&r);
}

static void test_old_tls_versions_refused(void **state)
{
	struct suite *s = *state;
	long versions[] = {TLS1_VERSION, TLS1_1_VERSION};

	for (size_t i = 0; i < 2; i++) {
		SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
		int fd = -1;
		SSL *ssl;

		SSL_CTX_set_min_proto_version(ctx, versions[i]);
		SSL_CTX_set_max_proto_version(ctx, versions[i]);
		/* Debian's OpenSSL refuses old versions at security level 1+. */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_use_certificate_file(ctx, s->client.cert, SSL_FILETYPE_PEM);
		SSL_CTX_use_PrivateKey_file(ctx, s->client.key, SSL_FILETYPE_PEM);
		ssl = tls_connect(ctx, s->server.port, &fd);
		assert_null(ssl);
		SSL_CTX_free(ctx);
	}
}

/* Starts `teev serve` on a prepared database file; returns its exit code
 * and its stderr. */
static int serve_once(struct suite *s, const char *db_path, char **err)
{
	char port_arg[] = "0";
	const char *argv[] = {harness_env("TEEV_BIN", "build/teev"), "serve", "--config",
			      s->server.config_path, "--database", db_path, "--port", port_arg, NULL};
	return harness_run_capture(argv, NULL, err);
}

static void test_broken_databases_refuse_to_start(void **state)
{
	struct suite *s = *state;
	char path[400];
	char *err = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/corrupt.db", s->server.dir);
	fp = fopen(path, "w");
	for (int i = 0; i < 512; i++)
		fputs("this is not an SQLite database. ", fp);
	fclose(fp);
	assert_int_equal(serve_once(s, path, &err), 1);
	assert_non_null(strstr(err, "corrupt.db"));
	assert_non_null(strstr(err, "not a database"));
	free(err);

	/* A database written by a newer teev: refuse rather than guess. */
	snprintf(path, sizeof(path), "%s/newer.db", s->server.dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(serve_once(s, path, &err), 1);
	assert_non_null(strstr(err, "newer teev"));
	free(err);

	snprintf(path, sizeof(path), "%s/no/such/dir/teev.db", s->server.dir);
	assert_int_equal(serve_once(s, path, &err), 1);
	assert_non_null(strstr(err, "cannot open database"));
	free(err);
	assert_true(harness_alive(&s->server));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_crowd_and_slowloris),
		cmocka_unit_test(test_stalled_handshake_is_closed),
		cmocka_unit_test(test_bad_client_certificates),
		cmocka_unit_test(test_old_tls_versions_refused),
		cmocka_unit_test(test_broken_databases_refuse_to_start),
	};
	return cmocka_run_group_tests_name("integration: connection abuse, certificates, storage",
					   tests, suite_setup, suite_teardown);
}
