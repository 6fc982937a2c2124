/* metrics.h - counters for Prometheus (GET /metrics on the operations
 * listener). Updated by request threads, so every update takes a short
 * lock; label sets are bounded (unknown routes and failure ids beyond the
 * table fold into "other") so an attacker cannot grow memory. */
#ifndef TEEV_METRICS_H
#define TEEV_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;
struct failures;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* route: the path with version and names removed ("/verify/evidence",
 * "/teepolicies", "/version"); see metrics_route_label(). */
void metrics_request(struct metrics *m, const char *route, int status, double seconds);
/* type "tee"/"tpm"; result "pass", "fail", "bad_input" or "error". */
void metrics_verdict(struct metrics *m, const char *type, const char *result,
		     const struct failures *f);

/* Events of the listener that protect the server, counted without a lock. */
enum metrics_event {
	METRICS_CONN_REFUSED_MAX,      /* max_connections reached at accept */
	METRICS_CONN_REFUSED_PER_IP,   /* per_ip_connection_limit reached at accept */
	METRICS_CONN_HANDSHAKE_TIMEOUT, /* closed by tls_handshake_timeout */
	METRICS_BODY_MEMORY_REFUSED,   /* 503: max_body_memory would be exceeded */
	METRICS_ANONYMOUS_REFUSED,     /* 503: anonymous_max_requests in flight */
	METRICS_CONN_ADMITTED,         /* handed to MHD */
	METRICS_CONN_CLOSED,           /* an admitted connection closed */
	METRICS_EVENT_COUNT,
};
void metrics_event(struct metrics *m, enum metrics_event e);

/* The label for a request path: "/v2.5/teepolicies/x" -> "/teepolicies". */
void metrics_route_label(const char *path, char *out, size_t cap);

/* Figures owned elsewhere, read when rendering. */
struct metrics_gauges {
	uint64_t kds_requests, kds_successes, kds_rate_limited, kds_errors, kds_coalesced;
	uint64_t vek_cache_hits, vek_cache_misses;
	uint64_t log_appended, log_written, log_dropped, log_write_failures, log_lost,
		log_queued;
	uint64_t policy_compilations;
	uint64_t body_memory_bytes;   /* request bodies held now (max_body_memory) */
	uint64_t anonymous_in_flight; /* anonymous requests being served now */
	int ready;
};

/* Prometheus text exposition format 0.0.4; caller frees. */
char *metrics_render(struct metrics *m, const struct metrics_gauges *g);

#endif
