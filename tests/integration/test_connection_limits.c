/* test_connection_limits.c - issue 12, item 2: plain TCP connections that
 * never start TLS, and TLS handshakes left half-way, must never stop the
 * server. With libmicrohttpd's own connection limits, 25 idle connections
 * against max_connections = 20 left both worker threads blocked for good on
 * a mutex MHD had left locked (0.9.75, MHD_add_connection): no answers, no
 * timeouts, no clean stop. Here the limits are the acceptor's, so:
 *
 *   - more idle TCP connections than max_connections: the extra ones are
 *     closed at once, the others stay until a deadline;
 *   - more half-open TLS handshakes from one address than the per-address
 *     limit: likewise, and a client from another address is still served;
 *   - once they are gone, a correct verdict comes back within a second;
 *   - round after round (50 by default, TEEV_FLOOD_ROUNDS to change), and
 *     MHD never reaches a limit of its own;
 *   - a handshake trickled byte by byte is cut at tls_handshake_timeout,
 *     an idle keep-alive connection at connection_timeout;
 *   - SIGTERM with the crowd still connected stops the server cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 20
#define PER_IP 8
#define IDLE_CROWD 25     /* > MAX_CONNECTIONS, from 4 addresses (< PER_IP each) */
#define HALF_OPEN 12      /* > PER_IP, from one address */
#define WAIT_MS 3000      /* bound on waits for the server to catch up */

struct suite {
	struct teev_server server;
	struct client_identity client;
	char fixture[256];
	char *request; /* a passing SNP request (the forge's Milan one) */
	unsigned ops_port;
	SSL_CTX *tls;
};

static int suite_setup(void **state)
{
	struct suite *s = calloc(1, sizeof(*s));
	char path[400], extra[512];

	if (!s)
		return -1;
	*state = s;
	if (harness_forge_fixture(s->fixture, sizeof(s->fixture)))
		return -1;
	snprintf(path, sizeof(path), "%s/milan/request.json", s->fixture);
	s->request = harness_read_file(path, NULL);
	/* debug: MHD's own messages reach the log, to show it never refuses. */
	snprintf(extra, sizeof(extra),
		 "max_connections = %d\nper_ip_connection_limit = %d\ntls_handshake_timeout = 2\n"
		 "connection_timeout = 3\nlog_level = debug\n",
		 MAX_CONNECTIONS, PER_IP);
	s->ops_port = harness_start_snp(&s->server, &s->client, s->fixture, extra, NULL);
	if (!s->request || !s->ops_port)
		return -1;
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
	const char *rm[] = {"/bin/rm", "-rf", s ? s->fixture : "", NULL};

	if (!s)
		return -1;
	harness_stop(&s->server); /* stopped already by the last test */
	if (s->fixture[0])
		harness_run(rm);
	SSL_CTX_free(s->tls);
	free(s->request);
	free(s);
	return 0;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* A TCP connection to the server from 127.0.0.<host> (every 127/8 address
 * is this machine's, so one test can be many clients). */
static int connect_from(unsigned host, unsigned port)
{
	struct sockaddr_in from = {.sin_family = AF_INET};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	from.sin_addr.s_addr = htonl(0x7f000000u | host);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&from, sizeof(from)) != 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server has closed fd (end of stream or reset), waiting up to
 * wait_ms for it. */
static bool closed_by_server(int fd, int wait_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char byte;

	for (;;) {
		if (poll(&p, 1, wait_ms) != 1)
			return false;
		ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			return true;
		/* a TLS alert before the close: read on */
	}
}

static long long scrape(struct suite *s, const char *series)
{
	char *text = NULL;
	long long v = -1;

	if (harness_ops_get(s->ops_port, "/metrics", &text) == 200)
		v = harness_metric(text, series);
	free(text);
	return v;
}

/* Waits until the server counts `want` for series (or WAIT_MS passed). */
static long long await_metric(struct suite *s, const char *series, long long want)
{
	long long deadline = now_ms() + WAIT_MS, v;

	while ((v = scrape(s, series)) != want && now_ms() < deadline)
		sleep_ms(5);
	return v;
}

/* POSTs the passing request and checks it passes, within timeout_ms. */
static bool verdict_passes(struct suite *s, long timeout_ms)
{
	struct request_options o = {.timeout_ms = timeout_ms};
	struct http_result r;
	struct json_object *results = NULL, *valid = NULL;
	bool ok;

	assert_int_equal(harness_request_ex(&s->server, &s->client, "POST", "/v2.5/verify/evidence",
					    s->request, strlen(s->request), &o, &r),
			 0);
	json_object_object_get_ex(r.json, "results", &results);
	json_object_object_get_ex(results, "valid", &valid);
	ok = r.status == 200 && valid && json_object_get_boolean(valid);
	if (!ok)
		print_message("verdict: %ld %s %.300s\n", r.status, r.error, r.body ? r.body : "");
	http_result_free(&r);
	return ok;
}

/* The first bytes of a TLS record and ClientHello, then nothing. */
static const unsigned char partial_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00};

static void one_round(struct suite *s, unsigned round)
{
	int crowd[IDLE_CROWD], half[HALF_OPEN];
	long long refused_max = scrape(s, "teev_connections_refused_total{reason=\"max_connections\"}");
	long long refused_ip =
		scrape(s, "teev_connections_refused_total{reason=\"per_ip_connection_limit\"}");
	size_t closed = 0;
	long long start;

	/* The previous round's connections are all gone. */
	assert_int_equal(await_metric(s, "teev_connections_open", 0), 0);

	/* More idle TCP connections than max_connections, never a TLS byte. */
	for (unsigned i = 0; i < IDLE_CROWD; i++) {
		crowd[i] = connect_from(2 + i % 4, s->server.port);
		assert_true(crowd[i] >= 0);
	}
	assert_int_equal(await_metric(s, "teev_connections_refused_total{reason=\"max_connections\"}",
				      refused_max + IDLE_CROWD - MAX_CONNECTIONS),
			 refused_max + IDLE_CROWD - MAX_CONNECTIONS);
	assert_int_equal(scrape(s, "teev_connections_open"), MAX_CONNECTIONS);
	for (unsigned i = 0; i < IDLE_CROWD; i++)
		closed += closed_by_server(crowd[i], 0);
	if (closed != IDLE_CROWD - MAX_CONNECTIONS)
		fail_msg("round %u: %zu of the idle crowd closed at once, want %d", round, closed,
			 IDLE_CROWD - MAX_CONNECTIONS);
	for (unsigned i = 0; i < IDLE_CROWD; i++)
		close(crowd[i]);
	assert_int_equal(await_metric(s, "teev_connections_open", 0), 0);

	/* More half-open TLS handshakes from one address than per_ip allows. */
	for (unsigned i = 0; i < HALF_OPEN; i++) {
		half[i] = connect_from(6, s->server.port);
		assert_true(half[i] >= 0);
		/* A refused one may be closed before this write: ignore errors. */
		ssize_t n = send(half[i], partial_hello, sizeof(partial_hello), MSG_NOSIGNAL);
		(void)n;
	}
	assert_int_equal(
		await_metric(s, "teev_connections_refused_total{reason=\"per_ip_connection_limit\"}",
			     refused_ip + HALF_OPEN - PER_IP),
		refused_ip + HALF_OPEN - PER_IP);
	closed = 0;
	for (unsigned i = 0; i < HALF_OPEN; i++)
		closed += closed_by_server(half[i], 0);
	if (closed != HALF_OPEN - PER_IP)
		fail_msg("round %u: %zu half-open handshakes closed at once, want %d", round, closed,
			 HALF_OPEN - PER_IP);
	/* Meanwhile a client at another address is served. */
	assert_true(verdict_passes(s, 5000));
	for (unsigned i = 0; i < HALF_OPEN; i++)
		close(half[i]);

	/* Gone: a correct verdict within a second (scaled in sanitizer and
	 * valgrind runs). */
	start = now_ms();
	assert_true(verdict_passes(s, (long)(1000 * harness_slowdown())));
	if (now_ms() - start >= (long long)(1000 * harness_slowdown()))
		fail_msg("round %u: the verdict took %lld ms", round, now_ms() - start);
}

static void test_floods_in_rounds(void **state)
{
	struct suite *s = *state;
	unsigned rounds = (unsigned)atoi(harness_env("TEEV_FLOOD_ROUNDS", "50"));
	char *log;

	for (unsigned round = 1; round <= rounds; round++)
		one_round(s, round);
	print_message("%u rounds\n", rounds);
	assert_true(harness_alive(&s->server));
	/* MHD was never asked to refuse a connection itself. */
	log = harness_read_file(s->server.log_path, NULL);
	assert_non_null(log);
	assert_null(strstr(log, "connection limit"));
	free(log);
}

/* A TLS connection with the handshake done, from the client identity. */
static SSL *tls_connect(struct suite *s, int *fd_out)
{
	int fd = connect_from(1, s->server.port);
	SSL *ssl;

	if (fd < 0)
		return NULL;
	ssl = SSL_new(s->tls);
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

/* Seconds until the server closes fd, while trickle (when non-NULL) sends
 * one more of its bytes every 400 ms; -1 after 8 s. */
static double seconds_until_closed(int fd, const unsigned char *trickle, size_t len)
{
	long long start = now_ms();
	size_t sent = 0;

	while (now_ms() - start < 8000) {
		if (closed_by_server(fd, 400))
			return (double)(now_ms() - start) / 1000.0;
		if (trickle && sent < len) {
			ssize_t n = send(fd, trickle + sent, 1, MSG_NOSIGNAL);
			if (n == 1)
				sent++;
		}
	}
	return -1;
}

static void test_deadlines(void **state)
{
	struct suite *s = *state;
	/* A ClientHello's header announcing 512 bytes, then its body byte by
	 * byte: each byte is activity, so connection_timeout alone never fires. */
	unsigned char slow[64] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
	int fd, tls_fd = -1;
	double t;
	SSL *ssl;
	char request[] = "GET /version HTTP/1.1\r\nHost: x\r\n\r\n";
	char answer[512];

	fd = connect_from(1, s->server.port);
	assert_true(fd >= 0);
	t = seconds_until_closed(fd, slow, sizeof(slow));
	close(fd);
	if (t < 1.5 || t > 3.5 * harness_slowdown())
		fail_msg("a trickled handshake was closed after %.2f s, want ~2 (tls_handshake_timeout)",
			 t);

	/* The handshake done but no request line: the same deadline. */
	ssl = tls_connect(s, &tls_fd);
	assert_non_null(ssl);
	t = seconds_until_closed(tls_fd, NULL, 0);
	SSL_free(ssl);
	close(tls_fd);
	if (t < 1.0 || t > 3.5 * harness_slowdown())
		fail_msg("a silent TLS connection was closed after %.2f s, want ~2", t);

	/* One request, then idle on keep-alive: closed at connection_timeout
	 * (3 s), not at the handshake deadline. */
	ssl = tls_connect(s, &tls_fd);
	assert_non_null(ssl);
	assert_int_equal(SSL_write(ssl, request, (int)strlen(request)), (int)strlen(request));
	assert_true(SSL_read(ssl, answer, sizeof(answer)) > 0);
	t = seconds_until_closed(tls_fd, NULL, 0);
	SSL_free(ssl);
	close(tls_fd);
	ERR_clear_error();
	if (t < 2.5 || t > 5.0 * harness_slowdown())
		fail_msg("an idle keep-alive connection was closed after %.2f s, want ~3 "
			 "(connection_timeout)", t);
	assert_true(scrape(s, "teev_handshake_timeouts_total") >= 2);
}

/* Last: SIGTERM while the crowd is still there. */
static void test_sigterm_with_crowd_connected(void **state)
{
	struct suite *s = *state;
	int crowd[IDLE_CROWD + HALF_OPEN];
	long long start;
	int rc;

	for (unsigned i = 0; i < IDLE_CROWD; i++)
		crowd[i] = connect_from(2 + i % 4, s->server.port);
	for (unsigned i = 0; i < HALF_OPEN; i++) {
		crowd[IDLE_CROWD + i] = connect_from(6, s->server.port);
		ssize_t n = send(crowd[IDLE_CROWD + i], partial_hello, sizeof(partial_hello),
				 MSG_NOSIGNAL);
		(void)n;
	}
	start = now_ms();
	rc = harness_terminate(&s->server);
	assert_int_equal(rc, 0);
	if (now_ms() - start > (long long)(3000 * harness_slowdown()))
		fail_msg("SIGTERM took %lld ms", now_ms() - start);
	for (unsigned i = 0; i < IDLE_CROWD + HALF_OPEN; i++)
		close(crowd[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floods_in_rounds),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_sigterm_with_crowd_connected),
	};
	return cmocka_run_group_tests_name("integration: connection floods and deadlines", tests,
					   suite_setup, suite_teardown);
}
