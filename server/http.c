/* http.c - the mTLS listener (see http.h). */
#include "server/http.h"

#include "server/acceptor.h"
#include "server/admins.h"
#include "server/app.h"
#include "server/config.h"
#include "server/envelope.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/tls_files.h"
#include "verifier/bytes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* TLS 1.3 and 1.2 only; GnuTLS's NORMAL set otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define PEM_FILE_MAX ((size_t)1024 * 1024)

struct http_server {
	struct MHD_Daemon *daemon;
	struct admin_set admins; /* policy_admins, read with the TLS files */
	struct acceptor *acceptor; /* the listening socket and its accept thread */
	struct app *app;
	char *key_pem, *cert_pem, *trust_pem;
	unsigned port;
	/* Requests between their first call and their completion (atomic). */
	int in_flight;
	/* Set when shutdown begins (atomic): requests that start later get 503
	 * instead of a verdict, so every verdict reached is also delivered. */
	int draining;
	/* Numbers requests for the log (atomic). */
	unsigned long long next_request_id;
};

/* Per TCP connection: the client-certificate verdict, computed once. */
struct connection_state {
	bool checked;
	int refusal_code; /* 0 when the client certificate verified */
	char refusal[160];
	char client[256];
	char fingerprint[65]; /* SHA-256 of the client certificate's DER, hex */
};

/* Per HTTP request: the body collected so far. */
struct request_state {
	char *body;
	size_t len, cap;
	size_t announced; /* Content-Length (at most max_upload_size), 0 if none */
	bool too_large;
	bool answered; /* a response was queued before the body */
	struct timespec started;
	unsigned long long id;
	/* SHA-256 of the body, computed as it arrives, so the verification log
	 * does not make a second pass over a large body. */
	EVP_MD_CTX *sha;
	char sha256_hex[65];
};

static char *read_pem_file(const char *path, char *err, size_t err_len)
{
	size_t len;

	return (char *)bytes_read_file(path, PEM_FILE_MAX, &len, err, err_len);
}

struct trust_collector {
	const struct teev_config *config;
	char *pem;
	size_t len;
	char *err;
	size_t err_len;
};

static int collect_client_ca(const char *file, void *arg)
{
	struct trust_collector *tc = arg;
	char path[CONFIG_PATH_MAX * 2];
	char *text;
	size_t n;
	char *grown;

	config_tls_path(tc->config, file, path, sizeof(path));
	text = read_pem_file(path, tc->err, tc->err_len);
	if (!text)
		return -1;
	if (tls_check_ca_file(path, text, tc->err, tc->err_len)) {
		free(text);
		return -1;
	}
	n = strlen(text);
	grown = realloc(tc->pem, tc->len + n + 2);
	if (!grown) {
		free(text);
		snprintf(tc->err, tc->err_len, "out of memory");
		return -1;
	}
	tc->pem = grown;
	memcpy(tc->pem + tc->len, text, n);
	tc->len += n;
	tc->pem[tc->len++] = '\n';
	tc->pem[tc->len] = '\0';
	free(text);
	return 0;
}

static void tls_file(const struct teev_config *c, const char *option, const char *fallback,
		     char *out, size_t cap)
{
	config_tls_path(c, strcmp(option, "default") == 0 ? fallback : option, out, cap);
}

/* The SHA-256 of the peer's leaf certificate: the identity policy-admin
 * checks use (a subject name can be imitated, these bytes cannot). */
static void peer_fingerprint(gnutls_session_t session, char out[65])
{
	unsigned count = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &count);
	unsigned char digest[32];
	size_t size = sizeof(digest);

	out[0] = '\0';
	if (certs && count > 0 &&
	    gnutls_fingerprint(GNUTLS_DIG_SHA256, &certs[0], digest, &size) == 0 && size == 32)
		bytes_to_hex(digest, 32, out);
}

/* Reads the subject DN of the peer's leaf certificate for logs; the chain
 * was already verified. */
static void peer_subject(gnutls_session_t session, char *out, size_t cap)
{
	unsigned count = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &count);
	gnutls_x509_crt_t crt;
	size_t size = cap;

	out[0] = '\0';
	if (!certs || count == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn(crt, out, &size) < 0)
		out[0] = '\0';
	gnutls_x509_crt_deinit(crt);
}

static void check_client_certificate(struct MHD_Connection *connection,
				     struct connection_state *cs)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID,
		.data = (void *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	unsigned status = 0;
	int rc;

	cs->checked = true;
	if (!info || !info->tls_session) {
		cs->refusal_code = 401;
		snprintf(cs->refusal, sizeof(cs->refusal), "TLS session unavailable");
		return;
	}
	rc = gnutls_certificate_verify_peers(info->tls_session, &purpose, 1, &status);
	if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND ||
	    gnutls_certificate_get_peers(info->tls_session, NULL) == NULL) {
		cs->refusal_code = 401;
		snprintf(cs->refusal, sizeof(cs->refusal),
			 "a client certificate is required (mTLS)");
		return;
	}
	if (rc < 0 || status != 0) {
		gnutls_datum_t text = {0};
		cs->refusal_code = 403;
		if (rc >= 0 && gnutls_certificate_verification_status_print(
				       status, GNUTLS_CRT_X509, &text, 0) >= 0) {
			snprintf(cs->refusal, sizeof(cs->refusal), "client certificate refused: %s",
				 (const char *)text.data);
			for (size_t n = strlen(cs->refusal); n > 0 && cs->refusal[n - 1] == ' '; n--)
				cs->refusal[n - 1] = '\0';
			gnutls_free(text.data);
		} else {
			snprintf(cs->refusal, sizeof(cs->refusal), "client certificate refused: %s",
				 gnutls_strerror(rc));
		}
		return;
	}
	cs->refusal_code = 0;
	peer_subject(info->tls_session, cs->client, sizeof(cs->client));
	peer_fingerprint(info->tls_session, cs->fingerprint);
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)connection;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct connection_state));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static void release_envelope(void *envelope)
{
	json_object_put(envelope);
}

/* Queues the reply. The answer's text lives inside its envelope, so the
 * response keeps the envelope (taken from reply) until it is sent instead
 * of copying text that can be tens of megabytes. */
static enum MHD_Result send_reply(struct MHD_Connection *connection, struct route_reply *reply)
{
	struct json_object *envelope = reply->envelope;
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
		envelope, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	struct MHD_Response *response = NULL;
	enum MHD_Result rc;

	reply->envelope = NULL;
	if (text)
		response = MHD_create_response_from_buffer_with_free_callback_cls(
			len, (void *)text, release_envelope, envelope);
	if (!response) {
		json_object_put(envelope);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (reply->allow)
		MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, reply->allow);
	rc = MHD_queue_response(connection, (unsigned)reply->code, response);
	MHD_destroy_response(response);
	return rc;
}

/* One line per request: id, client, method, route, status, duration, verdict. */
static void log_request(struct http_server *server, const struct request_state *rs,
			const char *method, const char *url, const char *client,
			const struct route_reply *reply)
{
	struct timespec now;
	double seconds;
	char route[32];

	clock_gettime(CLOCK_MONOTONIC, &now);
	seconds = (double)(now.tv_sec - rs->started.tv_sec) +
		  (double)(now.tv_nsec - rs->started.tv_nsec) / 1e9;
	metrics_route_label(url, route, sizeof(route));
	if (server->app->metrics)
		metrics_request(server->app->metrics, route, reply->code, seconds);
	log_access(rs->id, client, method, url, reply->code, seconds * 1000.0, reply->verdict);
}

static enum MHD_Result answer_now(struct http_server *server, struct MHD_Connection *connection,
				  struct request_state *rs, const char *method, const char *url,
				  const char *client, struct route_reply *reply)
{
	enum MHD_Result rc = send_reply(connection, reply);

	log_request(server, rs, method, url, client, reply);
	rs->answered = true;
	return rc;
}

/* Query arguments for handlers (GET /verifications?since=...). */
static const char *query_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static bool append_body(struct request_state *rs, const char *data, size_t n, size_t limit)
{
	if (rs->too_large)
		return true;
	if (n > limit - rs->len) {
		/* Keep reading (and discarding) so the 413 goes out cleanly. */
		rs->too_large = true;
		EVP_MD_CTX_free(rs->sha);
		rs->sha = NULL;
		free(rs->body);
		rs->body = NULL;
		rs->len = rs->cap = 0;
		return true;
	}
	if (rs->len + n + 1 > rs->cap) {
		size_t cap = rs->cap ? rs->cap : 4096;
		char *grown;
		while (cap < rs->len + n + 1)
			cap *= 2;
		/* Doubling would overshoot a large body by up to half again; the
		 * announced length is where it ends (memory grows as bytes arrive,
		 * never ahead of them by more than the doubling step). */
		if (rs->announced && rs->len + n + 1 <= rs->announced + 1 && cap > rs->announced + 1)
			cap = rs->announced + 1;
		grown = realloc(rs->body, cap);
		if (!grown)
			return false;
		rs->body = grown;
		rs->cap = cap;
	}
	memcpy(rs->body + rs->len, data, n);
	rs->len += n;
	rs->body[rs->len] = '\0';
	if (!rs->sha) {
		rs->sha = EVP_MD_CTX_new();
		if (rs->sha && EVP_DigestInit_ex(rs->sha, EVP_sha256(), NULL) != 1) {
			EVP_MD_CTX_free(rs->sha);
			rs->sha = NULL;
		}
	}
	if (rs->sha)
		EVP_DigestUpdate(rs->sha, data, n);
	return true;
}

/* Finishes the body's SHA-256 (once) and returns it as hex; NULL when it
 * could not be computed here (the audit then hashes the body itself). */
static const char *body_digest(struct request_state *rs)
{
	unsigned char digest[32];
	unsigned int n = 0;

	if (rs->sha256_hex[0])
		return rs->sha256_hex;
	if (!rs->sha) {
		/* An empty body: hash nothing. */
		if (rs->len == 0 && EVP_Digest("", 0, digest, &n, EVP_sha256(), NULL) == 1 && n == 32) {
			bytes_to_hex(digest, 32, rs->sha256_hex);
			return rs->sha256_hex;
		}
		return NULL;
	}
	if (EVP_DigestFinal_ex(rs->sha, digest, &n) != 1 || n != 32)
		return NULL;
	bytes_to_hex(digest, 32, rs->sha256_hex);
	return rs->sha256_hex;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *server = cls;
	const struct teev_config *config = server->app->config;
	struct request_state *rs = *con_cls;
	struct route_request req = {.method = method, .path = url};
	struct route_reply reply = {0};
	(void)version;

	if (!rs) {
		const union MHD_ConnectionInfo *info =
			MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		struct connection_state *cs = info ? info->socket_context : NULL;
		const char *length_header;

		rs = calloc(1, sizeof(*rs));
		if (!rs || !cs) {
			free(rs);
			return MHD_NO;
		}
		*con_cls = rs;
		clock_gettime(CLOCK_MONOTONIC, &rs->started);
		rs->id = __atomic_add_fetch(&server->next_request_id, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&server->in_flight, 1, __ATOMIC_SEQ_CST);
		/* After in_flight is counted: quiesce either waits for this
		 * request or this request sees that the server is draining. */
		if (__atomic_load_n(&server->draining, __ATOMIC_SEQ_CST)) {
			reply.code = 503;
			reply.envelope = envelope_error(503, "this listener is closing (shutdown or TLS "
							     "reload); send the request again");
			return answer_now(server, connection, rs, method, url, "", &reply);
		}

		if (!cs->checked)
			check_client_certificate(connection, cs);
		if (cs->refusal_code) {
			log_info("refused %s %s: %s", method, url, cs->refusal);
			reply.code = cs->refusal_code;
			reply.envelope = envelope_error(cs->refusal_code, cs->refusal);
			return answer_now(server, connection, rs, method, url, "", &reply);
		}
		if (route_reject_early(&req, &reply))
			return answer_now(server, connection, rs, method, url, cs->client, &reply);
		length_header = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_LENGTH);
		unsigned long long announced = length_header ? strtoull(length_header, NULL, 10) : 0;
		if (announced > config->max_upload_size) {
			char message[128];
			snprintf(message, sizeof(message),
				 "request body of %s bytes exceeds max_upload_size (%llu bytes)",
				 length_header, config->max_upload_size);
			reply.code = 413;
			reply.envelope = envelope_error(413, message);
			return answer_now(server, connection, rs, method, url, cs->client, &reply);
		}
		rs->announced = (size_t)announced;
		return MHD_YES;
	}
	if (rs->answered) {
		*upload_data_size = 0; /* discard the body of a refused request */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!append_body(rs, upload_data, *upload_data_size, config->max_upload_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}

	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct connection_state *cs = info ? info->socket_context : NULL;

	if (rs->too_large) {
		char message[128];
		snprintf(message, sizeof(message), "request body exceeds max_upload_size (%llu bytes)",
			 config->max_upload_size);
		reply.code = 413;
		reply.envelope = envelope_error(413, message);
	} else {
		req.body = rs->body ? rs->body : "";
		req.body_len = rs->len;
		req.client = cs ? cs->client : "";
		req.client_fingerprint = cs ? cs->fingerprint : "";
		req.admins = &server->admins;
		req.arg = query_arg;
		req.arg_ctx = connection;
		req.body_sha256 = body_digest(rs);
		route_request(server->app, &req, &reply);
	}
	return answer_now(server, connection, rs, method, url, cs ? cs->client : "", &reply);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *server = cls;
	struct request_state *rs = *con_cls;
	(void)connection;
	(void)toe;
	if (rs) {
		EVP_MD_CTX_free(rs->sha);
		free(rs->body);
		free(rs);
		*con_cls = NULL;
		__atomic_sub_fetch(&server->in_flight, 1, __ATOMIC_RELAXED);
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

static int bind_address(const char *ip, unsigned port, struct sockaddr_storage *addr,
			socklen_t *len, unsigned *flags)
{
	memset(addr, 0, sizeof(*addr));
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;

	if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		*flags |= MHD_USE_IPv6;
		return 0;
	}
	return -1;
}

/* Reads the TLS files and policy_admins and starts a daemon for them. With
 * old (a SIGHUP reload), the new daemon takes over old's listening socket;
 * otherwise it binds port. */
static struct http_server *start_server(struct app *app, unsigned port, struct http_server *old,
					char *err, size_t err_len)
{
	const struct teev_config *c = app->config;
	struct http_server *s = calloc(1, sizeof(*s));
	struct trust_collector tc = {.config = c, .err = err, .err_len = err_len};
	char path[CONFIG_PATH_MAX * 2], key_path[CONFIG_PATH_MAX * 2];
	struct sockaddr_storage addr;
	socklen_t addr_len = 0;
	/* No listening socket of MHD's own: see acceptor.h. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG |
			 MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET;
	unsigned threads = c->threads;
	char why[256];

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->app = app;
	tls_file(c, c->server_key, "server-private.pem", key_path, sizeof(key_path));
	s->key_pem = read_pem_file(key_path, err, err_len);
	if (!s->key_pem)
		goto fail;
	tls_file(c, c->server_cert, "server-cert.crt", path, sizeof(path));
	s->cert_pem = read_pem_file(path, err, err_len);
	if (!s->cert_pem ||
	    tls_check_server_files(key_path, s->key_pem, path, s->cert_pem, err, err_len))
		goto fail;
	if (config_each_client_ca(c, collect_client_ca, &tc))
		goto fail;
	s->trust_pem = tc.pem;
	tc.pem = NULL;
	if (!s->trust_pem) {
		snprintf(err, err_len, "trusted_client_ca names no file");
		goto fail;
	}
	/* Read with the TLS files, so a renewed admin certificate takes effect
	 * with the same SIGHUP as the renewed server certificate. */
	if (admins_load(c, &s->admins, err, err_len))
		goto fail;
	if (bind_address(c->ip, port, &addr, &addr_len, &flags)) {
		snprintf(err, err_len, "ip \"%s\" is not an IPv4 or IPv6 address", c->ip);
		goto fail;
	}
	if (!old) {
		s->acceptor = acceptor_open((struct sockaddr *)&addr, addr_len, why, sizeof(why));
		if (!s->acceptor) {
			snprintf(err, err_len, "cannot listen on %s port %u: %s%s", c->ip, port, why,
				 strstr(why, "in use") ? " (another teev, or another program, holds it)"
						       : "");
			goto fail;
		}
	}
	if (threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores > 0 ? (unsigned)cores : 1;
	}
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
		MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
		MHD_OPTION_HTTPS_MEM_TRUST, s->trust_pem,
		MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout,
		MHD_OPTION_CONNECTION_LIMIT, c->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connection_limit,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, err_len, "cannot start TLS on %s port %u (a bad key or certificate in %s?)",
			 c->ip, port, c->tls_dir);
		goto fail;
	}
	if (old) {
		/* The same listening socket: a reload never binds the port again. */
		acceptor_switch(old->acceptor, s->daemon);
		s->acceptor = old->acceptor;
		old->acceptor = NULL;
		s->port = old->port;
		return s;
	}
	if (acceptor_run(s->acceptor, s->daemon)) {
		snprintf(err, err_len, "cannot start the thread that accepts connections");
		goto fail;
	}
	s->port = acceptor_port(s->acceptor);
	log_info("teev listening on https://%s%s%s:%u/ (mTLS, %u threads, client CA %s)",
		 strchr(c->ip, ':') ? "[" : "", c->ip, strchr(c->ip, ':') ? "]" : "", s->port,
		 threads, c->trusted_client_ca);
	log_info("policy administrators: %zu certificate(s) (policy_admins = %s)", s->admins.count,
		 c->policy_admins);
	return s;
fail:
	free(tc.pem);
	http_server_stop(s);
	return NULL;
}

struct http_server *http_server_start(struct app *app, unsigned port, char *err, size_t err_len)
{
	return start_server(app, port, NULL, err, err_len);
}

struct http_server *http_server_reload(struct http_server *old, char *err, size_t err_len)
{
	return start_server(old->app, old->port, old, err, err_len);
}

size_t http_server_admin_count(const struct http_server *s)
{
	return s->admins.count;
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

void http_server_quiesce(struct http_server *s, unsigned deadline_ms)
{
	if (!s || !s->daemon)
		return;
	/* Stop accepting; requests already started finish, later ones on open
	 * connections get 503 (see on_request). */
	__atomic_store_n(&s->draining, 1, __ATOMIC_SEQ_CST);
	acceptor_stop(s->acceptor);
	for (unsigned waited = 0; waited < deadline_ms; waited += 10) {
		if (__atomic_load_n(&s->in_flight, __ATOMIC_SEQ_CST) == 0)
			break;
		struct timespec tick = {0, 10 * 1000000L};
		nanosleep(&tick, NULL);
	}
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	acceptor_free(s->acceptor);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	/* The key is secret: wipe it before giving the memory back. */
	if (s->key_pem)
		explicit_bzero(s->key_pem, strlen(s->key_pem));
	free(s->key_pem);
	free(s->cert_pem);
	free(s->trust_pem);
	free(s);
}
