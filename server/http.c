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
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* TLS 1.3 and 1.2 only; GnuTLS's NORMAL set otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define PEM_FILE_MAX ((size_t)1024 * 1024)
/* Room above max_connections in each MHD worker's own limit, which must
 * never be reached (acceptor.h says why). */
#define MHD_LIMIT_SLACK 64u
/* Retry-After (seconds) of a 503 for load (memory, anonymous requests). */
#define RETRY_AFTER_BUSY 2

struct http_server {
	struct MHD_Daemon *daemon;
	struct admin_set admins; /* policy_admins, read with the TLS files */
	struct acceptor *acceptor; /* the listening socket and its accept thread */
	/* False once a reload handed the acceptor to the next server: this one
	 * still reports its connections' closing to it, but does not stop it. */
	bool owns_acceptor;
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
	/* The URL of the request being read decoded to a NUL byte (%00): set
	 * by unescape_url, taken by the request's first call. */
	bool url_nul;
	bool no_certificate; /* the client presented none (may be anonymous) */
	int refusal_code;    /* 0 when the client certificate verified */
	char refusal[160];
	char client[256];
	char fingerprint[65]; /* SHA-256 of the client certificate's DER, hex */
};

/* Why a request is refused for load (503), if it is. */
enum busy { NOT_BUSY, BUSY_BODY_MEMORY, BUSY_ANONYMOUS };

/* Per HTTP request: the body collected so far. */
struct request_state {
	char *body;
	size_t len, cap;
	size_t announced; /* Content-Length (at most max_upload_size), 0 if none */
	size_t limit;     /* max_upload_size, or anonymous_max_upload_size */
	size_t reserved;  /* bytes of max_body_memory held for this body */
	bool too_large;
	enum busy busy;   /* refused for load: answered 503 (after the body, unless early) */
	bool anonymous;   /* no client certificate (evidence_client_auth = optional) */
	bool anonymous_slot; /* counts in app->anonymous_requests */
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
		cs->no_certificate = true;
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

static int connection_fd(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);

	return info ? info->connect_fd : -1;
}

static struct connection_state *connection_state_of(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *server = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct connection_state));
	} else {
		free(*socket_context);
		*socket_context = NULL;
		/* Before MHD closes the socket: its place is free again. */
		acceptor_connection_closed(server->acceptor, connection_fd(connection));
	}
}

/* The request line arrived, so the TLS handshake is done: the acceptor's
 * handshake deadline no longer applies to this connection. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
	struct http_server *server = cls;

	(void)uri;
	acceptor_connection_active(server->acceptor, connection_fd(connection));
	return NULL; /* on_request's first call still sees no request state */
}

/* MHD's own decoding of the path and query, noting a %00: the path MHD
 * hands on ends at the NUL, so "name%00x" would act on "name". The
 * request's first call refuses it. */
static size_t unescape_url(void *cls, struct MHD_Connection *connection, char *text)
{
	size_t len = MHD_http_unescape(text);

	(void)cls;
	if (memchr(text, '\0', len)) {
		struct connection_state *cs = connection_state_of(connection);
		if (cs)
			cs->url_nul = true;
	}
	return len;
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
	if (reply->retry_after) {
		char seconds[16];
		snprintf(seconds, sizeof(seconds), "%u", reply->retry_after);
		MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
	}
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

/* Reserves n more bytes of max_body_memory for rs: false when the bodies
 * held by the whole process would then exceed it. */
static bool reserve_body(struct http_server *server, struct request_state *rs, size_t n)
{
	unsigned long long budget = server->app->config->max_body_memory;
	unsigned long long held = __atomic_load_n(&server->app->body_bytes, __ATOMIC_RELAXED);

	do {
		if (held > budget || n > budget - held)
			return false;
	} while (!__atomic_compare_exchange_n(&server->app->body_bytes, &held, held + n, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	rs->reserved += n;
	return true;
}

static void release_body(struct http_server *server, struct request_state *rs)
{
	if (rs->reserved)
		__atomic_sub_fetch(&server->app->body_bytes, rs->reserved, __ATOMIC_RELAXED);
	rs->reserved = 0;
}

/* Frees what was collected; the rest of the body is read and discarded so
 * that the error answer goes out cleanly. */
static void drop_body(struct http_server *server, struct request_state *rs)
{
	EVP_MD_CTX_free(rs->sha);
	rs->sha = NULL;
	free(rs->body);
	rs->body = NULL;
	rs->len = rs->cap = 0;
	release_body(server, rs);
}

static bool append_body(struct http_server *server, struct request_state *rs, const char *data,
			size_t n)
{
	if (rs->too_large || rs->busy)
		return true;
	if (n > rs->limit - rs->len) {
		rs->too_large = true;
		drop_body(server, rs);
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
		/* A body with a Content-Length reserved all of it up front; one
		 * sent in chunks reserves as its buffer grows. */
		if (cap > rs->reserved && !reserve_body(server, rs, cap - rs->reserved)) {
			rs->busy = BUSY_BODY_MEMORY;
			metrics_event(server->app->metrics, METRICS_BODY_MEMORY_REFUSED);
			drop_body(server, rs);
			return true;
		}
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

/* The refusal of a request from a client whose certificate did not verify
 * (or is missing): 401 or 403, the route's error shape. */
static void refuse_client(const char *url, const struct connection_state *cs,
			  struct route_reply *reply)
{
	route_error(url, cs->refusal_code,
		    cs->refusal_code == 401 ? "default.client_certificate_required"
					    : "default.client_certificate_refused",
		    cs->refusal, reply);
}

/* The 503 of a request refused for load. */
static void busy_reply(const struct http_server *server, const char *url, enum busy busy,
		       struct route_reply *reply)
{
	const struct teev_config *config = server->app->config;
	char message[200];

	if (busy == BUSY_ANONYMOUS)
		snprintf(message, sizeof(message),
			 "too many requests without a client certificate in progress "
			 "(anonymous_max_requests = %u); try again later",
			 config->anonymous_max_requests);
	else
		snprintf(message, sizeof(message),
			 "request bodies in progress fill max_body_memory (%llu bytes); try again "
			 "later", config->max_body_memory);
	route_error(url, 503, "default.overloaded", message, reply);
	reply->retry_after = RETRY_AFTER_BUSY;
}

/* Whether the client waits for "100 Continue" before it sends its body. */
static bool expects_continue(struct MHD_Connection *connection)
{
	const char *expect =
		MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);

	return expect && strcasecmp(expect, "100-continue") == 0;
}

/* A request refused for load: a client that has not sent its body yet is
 * answered now. One that is sending it is answered once its body has been
 * read (and dropped): answered earlier, libmicrohttpd closes the
 * connection while the body still arrives, and the client, reset, may
 * never see the 503 and its Retry-After. Returns whether to answer now. */
static bool refuse_busy(struct http_server *server, struct MHD_Connection *connection,
			struct request_state *rs, const char *url, enum busy busy,
			struct route_reply *reply)
{
	metrics_event(server->app->metrics, busy == BUSY_ANONYMOUS ? METRICS_ANONYMOUS_REFUSED
								   : METRICS_BODY_MEMORY_REFUSED);
	if (expects_continue(connection)) {
		busy_reply(server, url, busy, reply);
		return true;
	}
	rs->busy = busy;
	return false;
}

/* Takes one of the anonymous_max_requests places; false when all are taken. */
static bool take_anonymous_slot(struct http_server *server, struct request_state *rs)
{
	unsigned cap = server->app->config->anonymous_max_requests;
	unsigned n = __atomic_add_fetch(&server->app->anonymous_requests, 1, __ATOMIC_SEQ_CST);

	if (n > cap) {
		__atomic_sub_fetch(&server->app->anonymous_requests, 1, __ATOMIC_SEQ_CST);
		return false;
	}
	rs->anonymous_slot = true;
	return true;
}

/* The first call of a request, once its headers are in: who is asking,
 * may they, and is there room for what they will send. Fills reply and
 * returns true when the request is refused before its body. */
static bool admit_request(struct http_server *server, struct MHD_Connection *connection,
			  struct connection_state *cs, struct request_state *rs,
			  const struct route_request *req, struct route_reply *reply)
{
	const struct teev_config *config = server->app->config;
	const char *url = req->path;
	bool url_nul = cs->url_nul;
	const char *length_header;
	unsigned long long announced;
	char message[256];

	cs->url_nul = false;
	/* After in_flight is counted: quiesce either waits for this request
	 * or this request sees that the server is draining. */
	if (__atomic_load_n(&server->draining, __ATOMIC_SEQ_CST)) {
		route_error(url, 503, "default.unavailable",
			    "this listener is closing (shutdown or TLS reload); send the request again",
			    reply);
		reply->retry_after = 1;
		return true;
	}
	if (!cs->checked)
		check_client_certificate(connection, cs);
	if (cs->refusal_code) {
		/* Only a missing certificate may be anonymous; a bad one never is. */
		if (!cs->no_certificate || strcmp(config->evidence_client_auth, "optional") != 0 ||
		    !route_anonymous_allowed(req->method, url)) {
			log_info("refused %s %s: %s", req->method, url, cs->refusal);
			refuse_client(url, cs, reply);
			return true;
		}
		rs->anonymous = true;
	}
	if (url_nul) {
		route_error(url, 400, "default.invalid_path",
			    "the request URL contains a NUL byte (%00)", reply);
		return true;
	}
	if (route_reject_early(req, reply))
		return true;
	rs->limit = config->max_upload_size;
	if (rs->anonymous && config->anonymous_max_upload_size < rs->limit)
		rs->limit = config->anonymous_max_upload_size;
	length_header = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_CONTENT_LENGTH);
	announced = length_header ? strtoull(length_header, NULL, 10) : 0;
	if (announced > rs->limit) {
		snprintf(message, sizeof(message), "request body of %s bytes exceeds %s (%zu bytes)",
			 length_header,
			 rs->limit == config->max_upload_size ? "max_upload_size"
								: "anonymous_max_upload_size",
			 rs->limit);
		route_error(url, 413, "default.body_too_large", message, reply);
		return true;
	}
	if (rs->anonymous && route_is_evidence(url) && !take_anonymous_slot(server, rs))
		return refuse_busy(server, connection, rs, url, BUSY_ANONYMOUS, reply);
	/* The whole announced body is reserved now, so that a body accepted is
	 * never cut off half-way for want of memory. */
	if (announced > 0 && !reserve_body(server, rs, (size_t)announced + 1))
		return refuse_busy(server, connection, rs, url, BUSY_BODY_MEMORY, reply);
	rs->announced = (size_t)announced;
	return false;
}

/* The answer once the whole body is in. */
static void answer_request(struct http_server *server, struct MHD_Connection *connection,
			   struct request_state *rs, const struct connection_state *cs,
			   struct route_request *req, struct route_reply *reply)
{
	const struct teev_config *config = server->app->config;
	char message[160];

	if (rs->too_large) {
		snprintf(message, sizeof(message), "request body exceeds %s (%zu bytes)",
			 rs->limit == config->max_upload_size ? "max_upload_size"
								: "anonymous_max_upload_size",
			 rs->limit);
		route_error(req->path, 413, "default.body_too_large", message, reply);
		return;
	}
	if (rs->busy) {
		busy_reply(server, req->path, rs->busy, reply);
		return;
	}
	req->body = rs->body ? rs->body : "";
	req->body_len = rs->len;
	req->client = rs->anonymous ? "(anonymous)" : cs->client;
	req->client_fingerprint = rs->anonymous ? "" : cs->fingerprint;
	req->admins = &server->admins;
	req->arg = query_arg;
	req->arg_ctx = connection;
	req->body_sha256 = body_digest(rs);
	route_request(server->app, req, reply);
}

static const char *client_label(const struct request_state *rs, const struct connection_state *cs)
{
	if (rs->anonymous)
		return "(anonymous)";
	return cs && !cs->refusal_code ? cs->client : "";
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http_server *server = cls;
	struct request_state *rs = *con_cls;
	struct connection_state *cs = connection_state_of(connection);
	struct route_request req = {.method = method, .path = url};
	struct route_reply reply = {0};
	(void)version;

	if (!rs) {
		rs = calloc(1, sizeof(*rs));
		if (!rs || !cs) {
			free(rs);
			return MHD_NO;
		}
		*con_cls = rs;
		clock_gettime(CLOCK_MONOTONIC, &rs->started);
		rs->id = __atomic_add_fetch(&server->next_request_id, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&server->in_flight, 1, __ATOMIC_SEQ_CST);
		if (admit_request(server, connection, cs, rs, &req, &reply))
			return answer_now(server, connection, rs, method, url, client_label(rs, cs),
					  &reply);
		return MHD_YES;
	}
	if (rs->answered) {
		*upload_data_size = 0; /* discard the body of a refused request */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!append_body(server, rs, upload_data, *upload_data_size))
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!cs)
		return MHD_NO;
	answer_request(server, connection, rs, cs, &req, &reply);
	return answer_now(server, connection, rs, method, url, client_label(rs, cs), &reply);
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
		release_body(server, rs);
		if (rs->anonymous_slot)
			__atomic_sub_fetch(&server->app->anonymous_requests, 1, __ATOMIC_SEQ_CST);
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
	if (strcmp(c->evidence_client_auth, "required") != 0 &&
	    strcmp(c->evidence_client_auth, "optional") != 0) {
		snprintf(err, err_len, "evidence_client_auth must be required or optional, not \"%s\"",
			 c->evidence_client_auth);
		goto fail;
	}
	/* A body of max_upload_size (and its terminating NUL) must fit. */
	if (c->max_body_memory <= c->max_upload_size) {
		snprintf(err, err_len, "max_body_memory (%llu) must be larger than max_upload_size (%llu)",
			 c->max_body_memory, c->max_upload_size);
		goto fail;
	}
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
		s->owns_acceptor = true;
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
		/* Per worker: all of max_connections and more. The acceptor
		 * enforces the limits (acceptor.h); MHD's must never refuse. */
		MHD_OPTION_CONNECTION_LIMIT, (c->max_connections + MHD_LIMIT_SLACK) * threads,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, err_len, "cannot start TLS on %s port %u (a bad key or certificate in %s?)",
			 c->ip, port, c->tls_dir);
		goto fail;
	}
	if (old) {
		/* The same listening socket and the same connection bookkeeping: a
		 * reload never binds the port again, and the limits count the old
		 * daemon's connections until they close. old keeps its pointer so
		 * that its daemon still reports closed connections, but no longer
		 * owns the acceptor (http_server_quiesce/stop leave it running). */
		acceptor_switch(old->acceptor, s->daemon);
		s->acceptor = old->acceptor;
		s->owns_acceptor = true;
		old->owns_acceptor = false;
		s->port = old->port;
		return s;
	}
	struct acceptor_limits limits = {
		.max_connections = c->max_connections,
		.per_ip = c->per_ip_connection_limit,
		.handshake_seconds = c->tls_handshake_timeout,
		.metrics = app->metrics,
	};
	acceptor_set_limits(s->acceptor, &limits);
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
	if (s->owns_acceptor)
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
	/* The daemon tells the acceptor of every connection it closes, so the
	 * acceptor outlives it. */
	if (s->owns_acceptor)
		acceptor_stop(s->acceptor);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	if (s->owns_acceptor)
		acceptor_free(s->acceptor);
	/* The key is secret: wipe it before giving the memory back. */
	if (s->key_pem)
		explicit_bzero(s->key_pem, strlen(s->key_pem));
	free(s->key_pem);
	free(s->cert_pem);
	free(s->trust_pem);
	free(s);
}
